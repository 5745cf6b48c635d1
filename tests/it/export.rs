//! `casegraph export` as an analyst uses it: every format on the hand-made
//! tiny case against golden files, GraphML read back and compared with the
//! selection that was exported, names that break careless XML writers, the
//! yEd variant laid out as yEd writes it, the GEXF timeline holding every
//! call, and Neo4j files whose relationships all land on exported nodes.
//!
//! Golden files live in tests/golden/export/; remake them with
//! `UPDATE_GOLDEN=1 cargo test --test it export::` (see the README there) and
//! review the diff before committing.

use crate::util;
use casegraph::export::graphml::{self, GraphmlOptions};
use casegraph::export::{
    edge_values, gexf, node_id, node_values, xml, ColumnType, ColumnValue, Selection,
    EDGE_ATTRIBUTES, NODE_ATTRIBUTES,
};
use casegraph::graph::lookup::Lookup;
use casegraph::model::NodeKind;
use casegraph::CaseGraph;
use quick_xml::events::Event;
use quick_xml::Reader;
use std::collections::BTreeMap;
use std::path::Path;

fn ingest(rel: &str) -> CaseGraph {
    util::ingest(&util::fixture(rel))
}

/// Compare `actual` with the golden file `tests/golden/export/NAME`.
fn golden(name: &str, actual: &[u8]) {
    util::golden(&format!("export/{name}"), actual)
}

// ---------------------------------------------------------------- reading

/// A GraphML file as read back with quick-xml.
#[derive(Debug, Default)]
struct Parsed {
    /// key id -> (for, attr.name, attr.type); yEd's key has name "" and type = yfiles.type.
    keys: BTreeMap<String, (String, String, String)>,
    /// node id -> key id -> text.
    nodes: Vec<(String, BTreeMap<String, String>)>,
    /// (edge id, source, target, key id -> text).
    edges: Vec<(String, String, String, BTreeMap<String, String>)>,
    /// node id -> (the children of y:ShapeNode in order, the y:NodeLabel text).
    yed: BTreeMap<String, (Vec<String>, String)>,
}

fn attr(e: &quick_xml::events::BytesStart, name: &str) -> Option<String> {
    e.try_get_attribute(name).unwrap().map(|a| {
        a.normalized_value(quick_xml::XmlVersion::Explicit1_0)
            .unwrap()
            .into_owned()
    })
}

/// Text of an element as a parser gives it: entity and character
/// references resolved, line ends normalised.
fn push_text(out: &mut String, ev: &Event) {
    match ev {
        Event::Text(t) => out.push_str(&t.xml10_content().unwrap()),
        Event::CData(t) => out.push_str(&t.xml10_content().unwrap()),
        Event::GeneralRef(r) => {
            if let Some(c) = r.resolve_char_ref().unwrap() {
                out.push(c);
            } else {
                let name = r.decode().unwrap();
                out.push_str(match name.as_ref() {
                    "amp" => "&",
                    "lt" => "<",
                    "gt" => ">",
                    "quot" => "\"",
                    "apos" => "'",
                    other => panic!("unknown entity &{other};"),
                });
            }
        }
        _ => {}
    }
}

fn parse_graphml(bytes: &[u8]) -> Parsed {
    let text = std::str::from_utf8(bytes).expect("UTF-8");
    assert!(
        text.chars().all(xml::allowed),
        "a character XML 1.0 does not allow"
    );
    let mut r = Reader::from_str(text);
    r.config_mut().check_end_names = true;
    let mut p = Parsed::default();
    let mut data_key: Option<String> = None;
    let mut buf = String::new();
    let mut in_shape: Option<Vec<String>> = None;
    let mut in_label = false;
    let mut label = String::new();
    let mut depth = 0usize;
    loop {
        let ev = r.read_event().expect("well-formed XML");
        match &ev {
            Event::Eof => break,
            Event::Start(e) | Event::Empty(e) => {
                let empty = matches!(ev, Event::Empty(_));
                let name = String::from_utf8(e.name().as_ref().to_vec()).unwrap();
                if !empty {
                    depth += 1;
                }
                if let Some(children) = in_shape.as_mut() {
                    if depth == 0 || name.starts_with("y:") {
                        children.push(name.clone());
                    }
                }
                match name.as_str() {
                    "key" => {
                        let id = attr(e, "id").unwrap();
                        let v = match attr(e, "yfiles.type") {
                            Some(y) => (attr(e, "for").unwrap(), String::new(), y),
                            None => (
                                attr(e, "for").unwrap(),
                                attr(e, "attr.name").unwrap(),
                                attr(e, "attr.type").unwrap(),
                            ),
                        };
                        p.keys.insert(id, v);
                    }
                    "node" => p.nodes.push((attr(e, "id").unwrap(), BTreeMap::new())),
                    "edge" => p.edges.push((
                        attr(e, "id").unwrap(),
                        attr(e, "source").unwrap(),
                        attr(e, "target").unwrap(),
                        BTreeMap::new(),
                    )),
                    "data" if !empty => {
                        data_key = attr(e, "key");
                        buf.clear();
                    }
                    "y:ShapeNode" => in_shape = Some(Vec::new()),
                    "y:NodeLabel" => {
                        in_label = true;
                        label.clear();
                    }
                    _ => {}
                }
            }
            Event::End(e) => {
                depth -= 1;
                match e.name().as_ref() {
                    b"data" => {
                        let key = data_key.take().unwrap();
                        if p.keys[&key].1.is_empty() {
                            continue; // yEd graphics, read below
                        }
                        let value = std::mem::take(&mut buf);
                        if let Some((_, _, _, m)) =
                            p.edges.last_mut().filter(|_| p.keys[&key].0 == "edge")
                        {
                            m.insert(key, value);
                        } else {
                            p.nodes.last_mut().unwrap().1.insert(key, value);
                        }
                    }
                    b"y:NodeLabel" => in_label = false,
                    b"y:ShapeNode" => {
                        let children = in_shape.take().unwrap();
                        let id = p.nodes.last().unwrap().0.clone();
                        p.yed.insert(id, (children, label.clone()));
                    }
                    _ => {}
                }
            }
            other => {
                if in_label {
                    push_text(&mut label, other);
                } else if data_key.is_some() {
                    push_text(&mut buf, other);
                }
            }
        }
    }
    p
}

/// What the library says the selection's GraphML should hold, in the form
/// [`parse_graphml`] reads it.
fn expected_graphml(g: &CaseGraph, sel: &Selection) -> Parsed {
    let mut p = Parsed::default();
    for (domain, name, ty) in graphml::keys(sel) {
        let id = if domain == "node" {
            graphml::node_key(&name)
        } else {
            graphml::edge_key(&name)
        };
        p.keys
            .insert(id, (domain.to_string(), name, ty.as_str().to_string()));
    }
    let mut values = Vec::new();
    for n in sel.nodes() {
        node_values(g, n, &mut values);
        let mut m: BTreeMap<String, String> = values
            .iter()
            .map(|(k, v)| {
                (
                    graphml::node_key(NODE_ATTRIBUTES[*k].name),
                    xml::sanitise(&v.text()).into_owned(),
                )
            })
            .collect();
        for (c, col) in sel.table.columns.iter().enumerate() {
            if let Some(v) = sel.table.value(c, n) {
                m.insert(graphml::node_key(&col.name), v.text().into_owned());
            }
        }
        p.nodes.push((node_id(n), m));
    }
    let mut ev = Vec::new();
    for (i, l) in sel.links(g).enumerate() {
        edge_values(&l, &mut ev);
        let m = ev
            .iter()
            .map(|(k, v)| {
                (
                    graphml::edge_key(EDGE_ATTRIBUTES[*k].name),
                    v.text().into_owned(),
                )
            })
            .collect();
        p.edges
            .push((format!("e{i}"), node_id(l.source), node_id(l.target), m));
    }
    p
}

fn write_graphml(g: &CaseGraph, sel: &Selection, yed: bool) -> Vec<u8> {
    let mut out = Vec::new();
    graphml::write(g, sel, GraphmlOptions { yed }, &mut out).unwrap();
    out
}

fn assert_round_trip(g: &CaseGraph, sel: &Selection) -> Parsed {
    let bytes = write_graphml(g, sel, false);
    let back = parse_graphml(&bytes);
    let want = expected_graphml(g, sel);
    assert_eq!(back.keys, want.keys);
    assert_eq!(back.nodes.len(), sel.node_count());
    assert_eq!(back.nodes, want.nodes);
    assert_eq!(back.edges, want.edges);
    back
}

// ------------------------------------------------------------------ tests

#[test]
fn every_format_of_the_tiny_case_matches_its_golden_files() {
    let tmp = tempfile::tempdir().unwrap();
    let t = |f: &str| tmp.path().join(f);
    util::casegraph()
        .arg("export")
        .arg(util::root().join("fixtures/tiny"))
        .arg("--graphml")
        .arg(t("tiny.graphml"))
        .arg("--gexf")
        .arg(t("tiny.gexf"))
        .arg("--csv")
        .arg(t("gephi"))
        .arg("--neo4j")
        .arg(t("neo4j"))
        .args(["--format", "csv"])
        .assert()
        .success();
    util::casegraph()
        .arg("export")
        .arg(util::root().join("fixtures/tiny"))
        .arg("--graphml")
        .arg(t("tiny.yed.graphml"))
        .arg("--yed")
        .args(["--format", "csv"])
        .assert()
        .success();
    for f in ["tiny.graphml", "tiny.yed.graphml", "tiny.gexf"] {
        golden(f, &std::fs::read(t(f)).unwrap());
    }
    for f in ["nodes.csv", "edges.csv"] {
        golden(
            &format!("gephi/{f}"),
            &std::fs::read(t("gephi").join(f)).unwrap(),
        );
    }
    let mut neo: Vec<String> = std::fs::read_dir(t("neo4j"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    neo.sort();
    assert_eq!(neo.len(), 6 + 8 + 1, "{neo:?}");
    for f in neo {
        golden(
            &format!("neo4j/{f}"),
            &std::fs::read(t("neo4j").join(&f)).unwrap(),
        );
    }
}

#[test]
fn the_whole_tiny_case_reads_back_as_exported() {
    let g = ingest("fixtures/tiny");
    let back = assert_round_trip(&g, &Selection::whole(&g));
    // The hand counts of fixtures/tiny/README.md: 10 persons, 12 phones,
    // 2 handsets, 4 locations, 4 incidents, 2 accounts; 51 links.
    assert_eq!(back.nodes.len(), 34);
    assert_eq!(back.edges.len(), 15 + 3 + 8 + 10 + 3 + 4 + 4 + 4);
    // The boss's phone, spot-checked by hand against calls.csv.
    let boss = &back
        .nodes
        .iter()
        .find(|(_, m)| m["n_label"] == "+8613900000001")
        .unwrap()
        .1;
    assert_eq!(boss["n_calls_out"], "3");
    assert_eq!(boss["n_calls_in"], "2");
    assert_eq!(boss["n_first_seen"], "2026-03-01 09:00:00");
    assert_eq!(boss["n_last_seen"], "2026-03-12 22:00:00");
    // Ids are short and never names.
    assert!(back
        .nodes
        .iter()
        .all(|(id, _)| id.len() <= 6 && id.chars().all(|c| c.is_ascii_alphanumeric())));
}

#[test]
fn an_ego_selection_with_a_node_table_reads_back_as_exported() {
    let g = ingest("fixtures/tiny");
    let burner = Lookup::new(&g).find("137 0000 0001").unwrap();
    let mut sel = Selection::ego(&g, burner, 2);
    sel.restrict_kinds(&[NodeKind::Phone, NodeKind::Person, NodeKind::Incident]);
    // What an analysis pass would attach: a value per node, typed.
    let nodes: Vec<_> = sel.nodes().collect();
    sel.table
        .add_column(
            "community",
            ColumnType::Int,
            nodes
                .iter()
                .map(|&n| (n, ColumnValue::Int(n.idx as i64 % 3))),
        )
        .unwrap();
    sel.table
        .add_column(
            "lead_score",
            ColumnType::Double,
            nodes.iter().map(|&n| {
                // NaN must be left out of the file, not written.
                let v = if n.idx == 0 {
                    f64::NAN
                } else {
                    n.idx as f64 / 4.0
                };
                (n, ColumnValue::Double(v))
            }),
        )
        .unwrap();
    let back = assert_round_trip(&g, &sel);
    assert_eq!(back.keys["n_community"].2, "long");
    assert_eq!(back.keys["n_lead_score"].2, "double");
    let text = String::from_utf8(write_graphml(&g, &sel, false)).unwrap();
    assert!(!text.contains("NaN") && !text.contains("inf"));
    // Only phones, persons and incidents; links only among them.
    assert!(back
        .nodes
        .iter()
        .all(|(id, _)| id.starts_with("ph") || id.starts_with("pe") || id.starts_with("in")));
    assert!(back.edges.iter().all(|(_, s, t, _)| {
        back.nodes.iter().any(|(id, _)| id == s) && back.nodes.iter().any(|(id, _)| id == t)
    }));
}

#[test]
fn names_with_markup_controls_emoji_and_both_scripts_survive() {
    let g = ingest("tests/fixtures/export_names");
    let back = assert_round_trip(&g, &Selection::whole(&g));
    let label = |case_id: &str| {
        back.nodes
            .iter()
            .find(|(_, m)| m.get("n_case_id").map(String::as_str) == Some(case_id))
            .map(|(_, m)| m["n_label"].clone())
            .unwrap()
    };
    assert_eq!(label("N1"), "<script>alert(\"x\")</script>");
    assert_eq!(label("N2"), "Tom & Jerry's \"Gang\"");
    assert_eq!(label("N3"), "王小明", "control characters dropped");
    assert_eq!(label("N4"), "Lǐ Míng 🚀📞");
    assert_eq!(label("N5"), "张伟 / Zhang Wei");
    assert_eq!(
        label("N6"),
        "Line\tone\nLine two\r\nend",
        "tab, newline and CR kept"
    );
    assert_eq!(
        label("N7"),
        "bad ]]> &amp; &#1;",
        "U+FFFE/U+FFFF dropped, the rest literal"
    );
    assert_eq!(label("L1"), "Tower \"A\" & <B>");

    // GEXF carries labels in attributes, where whitespace needs references.
    let mut gexf_bytes = Vec::new();
    gexf::write(&g, &Selection::whole(&g), &mut gexf_bytes).unwrap();
    let labels = gexf_labels(&gexf_bytes);
    assert!(
        labels.contains(&"Line\tone\nLine two\r\nend".to_string()),
        "{labels:?}"
    );
    assert!(labels.contains(&"<script>alert(\"x\")</script>".to_string()));
    assert!(labels.contains(&"王小明".to_string()));

    // CSV keeps the names exactly as the case spells them.
    let tmp = tempfile::tempdir().unwrap();
    casegraph::export::csv::write_gephi(&g, &Selection::whole(&g), tmp.path()).unwrap();
    let mut r = ::csv::Reader::from_path(tmp.path().join("nodes.csv")).unwrap();
    let names: Vec<String> = r.records().map(|rec| rec.unwrap()[2].to_string()).collect();
    assert!(
        names.contains(&"王\u{1}小\u{7}明\u{1b}".to_string()),
        "{names:?}"
    );
}

/// The `label` attribute of every GEXF node, as a parser reads it.
fn gexf_labels(bytes: &[u8]) -> Vec<String> {
    let text = std::str::from_utf8(bytes).unwrap();
    assert!(text.chars().all(xml::allowed));
    let mut r = Reader::from_str(text);
    let mut out = Vec::new();
    loop {
        match r.read_event().expect("well-formed GEXF") {
            Event::Eof => break,
            Event::Start(e) | Event::Empty(e) if e.name().as_ref() == b"node" => {
                out.push(attr(&e, "label").unwrap())
            }
            _ => {}
        }
    }
    out
}

#[test]
fn the_yed_variant_carries_shape_nodes_as_yed_writes_them() {
    let g = ingest("fixtures/tiny");
    let sel = Selection::whole(&g);
    let bytes = write_graphml(&g, &sel, true);
    let p = parse_graphml(&bytes);
    let text = String::from_utf8(bytes).unwrap();
    assert!(text.contains("xmlns:y=\"http://www.yworks.com/xml/graphml\""));
    assert_eq!(
        p.keys[graphml::YED_NODE_KEY],
        ("node".into(), String::new(), "nodegraphics".into())
    );
    assert_eq!(p.yed.len(), sel.node_count(), "every node drawn");
    for (id, m) in &p.nodes {
        let (children, label) = &p.yed[id];
        assert_eq!(
            children,
            &[
                "y:Geometry",
                "y:Fill",
                "y:BorderStyle",
                "y:NodeLabel",
                "y:Shape"
            ],
            "{id}"
        );
        assert_eq!(
            label, &m["n_label"],
            "{id}: the yEd label is the node's label"
        );
    }
    // The same attributes as the plain file, so the yEd file loses nothing.
    let plain = parse_graphml(&write_graphml(&g, &sel, false));
    assert_eq!(plain.nodes, p.nodes);
    assert_eq!(plain.edges, p.edges);
    // The plain file has none of yEd's extensions: it is what validates
    // against graphml.xsd (checked in CI with xmllint).
    assert!(!String::from_utf8(write_graphml(&g, &sel, false))
        .unwrap()
        .contains("yfiles"));
}

#[test]
fn every_call_is_a_spell_on_its_gexf_edge() {
    let g = ingest("fixtures/tiny");
    let mut bytes = Vec::new();
    let written = gexf::write(&g, &Selection::whole(&g), &mut bytes).unwrap();
    assert_eq!((written.nodes, written.edges), (34, 51));
    let text = std::str::from_utf8(&bytes).unwrap();
    let mut r = Reader::from_str(text);
    // (source, target) -> spell starts.
    let mut spells: BTreeMap<(String, String), Vec<String>> = BTreeMap::new();
    let mut current = None;
    loop {
        match r.read_event().unwrap() {
            Event::Eof => break,
            Event::Start(e) if e.name().as_ref() == b"edge" => {
                current = Some((attr(&e, "source").unwrap(), attr(&e, "target").unwrap()))
            }
            Event::Empty(e) if e.name().as_ref() == b"spell" => {
                let start = attr(&e, "start").unwrap();
                let end = attr(&e, "end").unwrap();
                assert!(start < end, "{start} < {end}");
                spells
                    .entry(current.clone().unwrap())
                    .or_default()
                    .push(start);
            }
            _ => {}
        }
    }
    assert_eq!(spells.values().map(Vec::len).sum::<usize>(), g.events.len());
    for l in &g.call_links {
        let key = (format!("ph{}", l.caller), format!("ph{}", l.callee));
        let want: Vec<String> = g
            .events
            .iter()
            .filter(|e| e.caller == l.caller && e.callee == l.callee)
            .map(|e| gexf::datetime(e.start))
            .collect();
        assert_eq!(spells[&key], want, "{key:?}");
    }
}

#[test]
fn neo4j_relationships_land_on_exported_nodes_of_the_right_label() {
    let g = ingest("fixtures/tiny");
    let tmp = tempfile::tempdir().unwrap();
    let files = casegraph::export::csv::write_neo4j(&g, &Selection::whole(&g), tmp.path()).unwrap();
    let mut ids: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for path in &files.nodes {
        let mut r = ::csv::Reader::from_path(path).unwrap();
        let h = r.headers().unwrap().clone();
        let space = h[0]
            .trim_start_matches("id:ID(")
            .trim_end_matches(')')
            .to_string();
        assert_eq!(&h[1], ":LABEL");
        for rec in r.records() {
            let rec = rec.unwrap();
            assert_eq!(&rec[1], space, "label column matches the id space");
            ids.entry(space.clone())
                .or_default()
                .push(rec[0].to_string());
        }
    }
    let phone_header = std::fs::read_to_string(tmp.path().join("nodes_phone.csv")).unwrap();
    assert!(phone_header.starts_with(
        "id:ID(Phone),:LABEL,label,case_id,number,first_seen,last_seen,calls_out:int,calls_in:int,texts_out:int,texts_in:int\n"
    ));
    let mut rels = 0;
    for path in &files.relationships {
        let mut r = ::csv::Reader::from_path(path).unwrap();
        let h = r.headers().unwrap().clone();
        let space = |s: &str, p: &str| s.trim_start_matches(p).trim_end_matches(')').to_string();
        let (from, to) = (space(&h[0], ":START_ID("), space(&h[1], ":END_ID("));
        assert_eq!(&h[2], ":TYPE");
        for rec in r.records() {
            let rec = rec.unwrap();
            assert!(
                ids[&from].contains(&rec[0].to_string()),
                "{path:?} {:?}",
                &rec
            );
            assert!(
                ids[&to].contains(&rec[1].to_string()),
                "{path:?} {:?}",
                &rec
            );
            rels += 1;
        }
    }
    assert_eq!(rels, 51);
    assert_eq!(files.written.nodes, 34);
    let script = std::fs::read_to_string(tmp.path().join("import.sh")).unwrap();
    assert!(script.contains("neo4j-admin database import full"));
    assert!(script.contains("--nodes=nodes_phone.csv"));
    assert!(script.contains("--relationships=rels_call.csv"));
}

#[test]
fn an_unknown_ego_gets_suggestions_and_exit_2() {
    let tmp = tempfile::tempdir().unwrap();
    util::casegraph()
        .arg("export")
        .arg(util::root().join("fixtures/tiny"))
        .arg("--graphml")
        .arg(tmp.path().join("x.graphml"))
        .args(["--ego", "P011"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("did you mean person P01"));
    assert!(!tmp.path().join("x.graphml").exists(), "nothing written");
    util::casegraph()
        .arg("export")
        .arg(util::root().join("fixtures/tiny"))
        .arg("--graphml")
        .arg(tmp.path().join("x.graphml"))
        .args(["--kinds", "phone,gang"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("--kinds: expected node kinds"));
    util::casegraph()
        .arg("export")
        .arg(util::root().join("fixtures/tiny"))
        .assert()
        .code(2)
        .stderr(predicates::str::contains(
            "expected at least one of --graphml",
        ));
}

#[test]
fn an_ego_export_prints_what_it_wrote() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("ego.graphml");
    let assert = util::casegraph()
        .arg("export")
        .arg(util::root().join("fixtures/tiny"))
        .arg("--graphml")
        .arg(&out)
        .args([
            "--ego",
            "+86 139 0000 0001",
            "--hops",
            "1",
            "--kinds",
            "phone,person",
        ])
        .args(["--format", "json"])
        .assert()
        .success();
    let summary: serde_json::Value = serde_json::from_slice(&assert.get_output().stdout).unwrap();
    let row = &summary["written"][0];
    // The boss's phone, the two lieutenants' phones, P01 and P02; the four
    // calls among the three phones and the two person-phone claims.
    assert_eq!(row["nodes"], 5);
    assert_eq!(row["edges"], 4 + 2);
    let back = parse_graphml(&std::fs::read(Path::new(&out)).unwrap());
    assert_eq!(back.nodes.len(), 5);
    assert_eq!(back.edges.len(), 6);
}

/// Selections from the analysis passes: component 0 of fixtures/tiny is the
/// gang with its victims and 10086 (ten phones, thirteen call links among
/// them); the three phones of highest degree carry their degree and rank.
#[test]
fn component_and_top_selections_carry_their_values() {
    let dir = tempfile::tempdir().unwrap();
    let tiny = util::fixture("fixtures/tiny");
    let c0 = dir.path().join("c0.graphml");
    let out = util::casegraph()
        .arg("export")
        .arg(&tiny)
        .args(["--component", "0", "--format", "csv", "--graphml"])
        .arg(&c0)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("graphml,10,13"));
    let text = std::fs::read_to_string(&c0).unwrap();
    assert!(text.contains(r#"attr.name="component" attr.type="long""#));
    assert_eq!(
        text.matches(r#"<data key="n_component">0</data>"#).count(),
        10
    );
    assert!(
        !text.contains("+8613500000001"),
        "the family is component 1"
    );

    let top = dir.path().join("top.graphml");
    let out = util::casegraph()
        .arg("export")
        .arg(&tiny)
        .args([
            "--top",
            "3",
            "--by",
            "degree",
            "--format",
            "csv",
            "--graphml",
        ])
        .arg(&top)
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = std::fs::read_to_string(&top).unwrap();
    assert_eq!(text.matches("<node ").count(), 3);
    assert!(text.contains(r#"<data key="n_degree_rank">1</data>"#));

    let out = util::casegraph()
        .arg("export")
        .arg(&tiny)
        .args(["--community", "99", "--graphml"])
        .arg(dir.path().join("x.graphml"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("--community: expected a community id below")
    );
}

#[test]
fn a_gang_export_holds_its_phones_holders_and_handsets_with_roles() {
    // fixtures/tiny reports no gang since issue 15 (its leaders are tied by
    // calls alone); the demo's G1 is a gang of burners and their holders.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("g1.graphml");
    let out = util::casegraph()
        .arg("export")
        .arg(util::root().join("fixtures/demo"))
        .args(["--gang", "G1", "--format", "csv", "--graphml"])
        .arg(&file)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let p = parse_graphml(&std::fs::read(&file).unwrap());
    let key = |name: &str| {
        p.keys
            .iter()
            .find(|(_, (domain, n, _))| domain == "node" && n == name)
            .map(|(id, _)| id.clone())
            .unwrap_or_else(|| panic!("no key {name}"))
    };
    let (gang, role) = (key("gang"), key("gang_role"));
    let phones: Vec<&BTreeMap<String, String>> = p
        .nodes
        .iter()
        .filter(|(id, _)| id.starts_with("ph"))
        .map(|(_, d)| d)
        .collect();
    assert!(phones.len() >= 3);
    assert!(phones
        .iter()
        .all(|d| d.get(&gang).map(String::as_str) == Some("G1")));
    let known = ["boss", "lieutenant", "broker", "operator", "mule", "member"];
    assert!(phones
        .iter()
        .all(|d| known.contains(&d.get(&role).map(String::as_str).unwrap_or(""))));
    assert!(phones
        .iter()
        .any(|d| d.get(&role).map(String::as_str) == Some("operator")));
    assert!(p.nodes.iter().any(|(id, _)| id.starts_with("hs")));
}

#[test]
fn the_individual_level_reads_back_as_the_library_built_it() {
    use casegraph::analysis::ContactConfig;
    use casegraph::export::individual::IndividualGraph;
    let g = ingest("fixtures/tiny");
    let r = casegraph::resolve::resolve(&g, &Default::default()).unwrap();
    let ig = IndividualGraph::build(&g, &r, &ContactConfig::default()).unwrap();

    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("ind.graphml");
    let out = util::casegraph()
        .arg("export")
        .arg(util::root().join("fixtures/tiny"))
        .args(["--level", "individual", "--format", "csv", "--graphml"])
        .arg(&file)
        .arg("--csv")
        .arg(dir.path().join("gephi"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let p = parse_graphml(&std::fs::read(&file).unwrap());
    assert_eq!(p.nodes.len(), ig.nodes.len());
    assert_eq!(p.edges.len(), ig.links.len());
    let key = |name: &str| {
        p.keys
            .iter()
            .find(|(_, (_, n, _))| n == name)
            .map(|(id, _)| id.clone())
            .unwrap()
    };
    let (case_id, label, persons, calls) = (
        key("case_id"),
        key("label"),
        key("person_ids"),
        key("calls"),
    );
    // 张伟 and Zhang Wei (P01, P02) are one individual, one node, whose
    // label shows both spellings.
    let boss = p
        .nodes
        .iter()
        .find(|(_, d)| d.get(&persons).map(String::as_str) == Some("P01;P02"))
        .expect("one node for P01 and P02");
    assert_eq!(boss.1[&label], "张伟 / Zhang Wei");
    assert_eq!(boss.1[&case_id], "I0001");
    // Calls on the links add up to the library's sums, link by link.
    for ((_, s, t, d), l) in p.edges.iter().zip(&ig.links) {
        assert_eq!(s, &format!("ind{}", l.source));
        assert_eq!(t, &format!("ind{}", l.target));
        assert_eq!(d[&calls], l.calls.to_string());
    }
    let nodes_csv = std::fs::read_to_string(dir.path().join("gephi/nodes.csv")).unwrap();
    assert_eq!(nodes_csv.lines().count(), 1 + ig.nodes.len());
    assert!(nodes_csv.starts_with("Id,kind,Label,"));

    // GEXF is per phone: asking for it at individual level is a usage error.
    let out = util::casegraph()
        .arg("export")
        .arg(util::root().join("fixtures/tiny"))
        .args(["--level", "individual", "--gexf"])
        .arg(dir.path().join("x.gexf"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn measures_are_attached_by_default_and_none_turns_them_off() {
    let dir = tempfile::tempdir().unwrap();
    let with = dir.path().join("with.graphml");
    let without = dir.path().join("without.graphml");
    for (file, extra) in [(&with, vec![]), (&without, vec!["--measures", "none"])] {
        util::casegraph()
            .arg("export")
            .arg(util::root().join("fixtures/tiny"))
            .arg("--graphml")
            .arg(file)
            .args(extra)
            .assert()
            .success();
    }
    let with = std::fs::read_to_string(with).unwrap();
    let without = std::fs::read_to_string(without).unwrap();
    for name in [
        "component",
        "community",
        "degree",
        "pagerank",
        "pagerank_rank",
    ] {
        assert!(with.contains(&format!(r#"attr.name="{name}""#)), "{name}");
        assert!(
            !without.contains(&format!(r#"attr.name="{name}""#)),
            "{name}"
        );
    }
    // Every phone of the contact graph has a pagerank; nothing else does.
    let g = ingest("fixtures/tiny");
    let contacts = casegraph::analysis::ContactGraph::from_case(&g, &Default::default()).unwrap();
    assert!(contacts.n_nodes() > 0);
    assert_eq!(
        with.matches(r#"<data key="n_pagerank">"#).count(),
        contacts.n_nodes()
    );
    let out = util::casegraph()
        .arg("export")
        .arg(util::root().join("fixtures/tiny"))
        .args(["--measures", "pagerank,wisdom", "--graphml"])
        .arg(dir.path().join("x.graphml"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr)
        .contains("--measures: expected a comma-separated list"));
}
