//! Safe outputs: a case whose names and rows are spreadsheet formulas and
//! markup goes through every command that writes CSV or XML. By default
//! no CSV cell anywhere would run as a formula (each payload comes out with
//! a leading `'`) while numbers, negative coordinates and E.164 phones stay
//! as they are; with `--raw-csv` the payloads come out exactly as written.
//! The GraphML and GEXF files parse and give the names back.

use crate::util;
use casegraph::safe_csv::is_dangerous;
use quick_xml::events::Event;
use quick_xml::Reader;
use std::path::{Path, PathBuf};

const HYPERLINK: &str = "=HYPERLINK(\"http://x\")";
const SUM: &str = "@SUM(A1)";
const EXPR: &str = "-2+3";
const CMD: &str = "=cmd|' /C calc'!A0";
const MARKUP: &str = "<script>alert(1)</script> & 'q' \"dq\"";

/// A case with hostile names: four persons who call each other, one person
/// row rejected for its phone (its name is a DDE payload), one call row
/// rejected for its caller `=1+2`, a cell site with negative coordinates.
fn hostile_case(dir: &Path) {
    std::fs::create_dir_all(dir).unwrap();
    let q = |s: &str| format!("\"{}\"", s.replace('"', "\"\""));
    let persons = format!(
        "person_id,name,phones,role\n\
         P1,{},13800000001,suspect\n\
         P2,{SUM},13800000002,suspect\n\
         P3,{},13800000003,victim\n\
         P4,{EXPR},13800000004,witness\n\
         P5,{},not-a-phone,suspect\n",
        q(HYPERLINK),
        // A control character, which XML cannot carry and the writers drop.
        q(&format!("{MARKUP}\u{1}")),
        q(CMD),
    );
    std::fs::write(dir.join("persons.csv"), persons).unwrap();
    let mut calls = String::from("caller,callee,start,duration_s,kind,caller_location\n");
    for day in 1..=6 {
        for (a, b) in [(1, 2), (2, 3), (3, 4), (4, 1), (1, 3)] {
            calls.push_str(&format!(
                "1380000000{a},1380000000{b},2026-03-0{day} 1{a}:0{b}:00,{},voice,L1\n",
                30 * b
            ));
        }
    }
    calls.push_str("=1+2,13800000001,2026-03-01 09:00:00,5,voice,L1\n");
    std::fs::write(dir.join("calls.csv"), calls).unwrap();
    std::fs::write(
        dir.join("locations.csv"),
        "location_id,name,lat,lon,district\nL1,Tower,-33.5,-70.25,Santiago\n",
    )
    .unwrap();
}

fn casegraph(raw: bool) -> assert_cmd::Command {
    let mut c = util::casegraph();
    if raw {
        c.arg("--raw-csv");
    }
    c
}

/// Every cell of a CSV text (several tables, blank lines between, allowed).
fn cells(bytes: &[u8]) -> Vec<String> {
    let mut r = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(bytes);
    r.records()
        .flat_map(|rec| rec.unwrap().iter().map(str::to_string).collect::<Vec<_>>())
        .collect()
}

fn csv_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            csv_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "csv") {
            out.push(p);
        }
    }
}

/// Run every CSV-writing command on the hostile case; returns each CSV
/// output (file name or `stdout of ...`) with its cells.
fn run_everything(tmp: &Path, raw: bool) -> Vec<(String, Vec<String>)> {
    let case = tmp.join("case");
    hostile_case(&case);
    let out = tmp.join(if raw { "raw" } else { "safe" });
    std::fs::create_dir_all(&out).unwrap();
    let mut outputs = Vec::new();
    let ingest = casegraph(raw)
        .args(["ingest", "--format", "csv"])
        .arg(&case)
        .arg("-o")
        .arg(out.join("case.cgs"))
        .assert()
        .success();
    outputs.push((
        "stdout of ingest".to_string(),
        cells(&ingest.get_output().stdout),
    ));
    casegraph(raw)
        .args(["export", "--format", "csv"])
        .arg(out.join("case.cgs"))
        .arg("--csv")
        .arg(out.join("gephi"))
        .arg("--neo4j")
        .arg(out.join("neo4j"))
        .arg("--graphml")
        .arg(out.join("case.graphml"))
        .arg("--gexf")
        .arg(out.join("case.gexf"))
        .assert()
        .success();
    casegraph(raw)
        .args(["leads", "--format", "csv"])
        .arg(&case)
        .arg("--out")
        .arg(out.join("leads"))
        .assert()
        .code(predicates::ord::lt(2));
    casegraph(raw)
        .args(["contacts", "--format", "csv"])
        .arg(out.join("case.cgs"))
        .arg("--out")
        .arg(out.join("contacts.csv"))
        .assert()
        .success();
    let resolve = casegraph(raw)
        .args(["resolve", "--format", "csv"])
        .arg(out.join("case.cgs"))
        .assert()
        .code(predicates::ord::lt(2));
    outputs.push((
        "stdout of resolve".to_string(),
        cells(&resolve.get_output().stdout),
    ));
    let profile = casegraph(raw)
        .args([
            "query",
            "profile",
            "--format",
            "csv",
            "--table",
            "person_records",
        ])
        .arg(out.join("case.cgs"))
        .arg("P1")
        .assert()
        .code(predicates::ord::lt(2));
    outputs.push((
        "stdout of query profile".to_string(),
        cells(&profile.get_output().stdout),
    ));
    let mut files = Vec::new();
    csv_files(&out, &mut files);
    for f in files {
        let name = f.strip_prefix(&out).unwrap().display().to_string();
        outputs.push((name, cells(&std::fs::read(&f).unwrap())));
    }
    outputs
}

/// Whether `output` has a cell equal to `cell`, or (for the raw rejected
/// rows) a cell starting with it.
fn has(outputs: &[(String, Vec<String>)], output: &str, cell: &str) -> bool {
    outputs
        .iter()
        .find(|(name, _)| name == output)
        .unwrap_or_else(|| panic!("no output {output}: {:?}", names(outputs)))
        .1
        .iter()
        .any(|c| c == cell || c.starts_with(cell))
}

fn names(outputs: &[(String, Vec<String>)]) -> Vec<&str> {
    outputs.iter().map(|(n, _)| n.as_str()).collect()
}

#[test]
fn no_csv_cell_runs_as_a_formula_and_numbers_stay_numbers() {
    let tmp = tempfile::tempdir().unwrap();
    let outputs = run_everything(tmp.path(), false);
    for (name, cells) in &outputs {
        for c in cells {
            assert!(
                !is_dangerous(c),
                "{name}: cell {c:?} would run as a formula"
            );
        }
    }
    let expect = [
        ("gephi/nodes.csv", HYPERLINK),
        ("gephi/nodes.csv", SUM),
        ("gephi/nodes.csv", EXPR),
        ("neo4j/nodes_person.csv", HYPERLINK),
        ("neo4j/nodes_person.csv", SUM),
        ("case.rejects.csv", "=1+2"),
        ("stdout of query profile", HYPERLINK),
    ];
    for (output, payload) in expect {
        assert!(
            has(&outputs, output, &format!("'{payload}")),
            "{output} should hold '{payload}"
        );
    }
    // A rejected row's fields are cells of their own, each made safe.
    assert!(has(&outputs, "case.rejects.csv", "P5"));
    assert!(has(&outputs, "case.rejects.csv", &format!("'{CMD}")));
    // Numbers a program reads stay plain: negative coordinates, E.164 phones.
    assert!(has(&outputs, "neo4j/nodes_location.csv", "-33.5"));
    assert!(has(&outputs, "neo4j/nodes_location.csv", "-70.25"));
    assert!(has(&outputs, "gephi/nodes.csv", "+8613800000001"));
    assert!(has(&outputs, "contacts.csv", "+8613800000001"));
    assert!(has(&outputs, "stdout of query profile", "+8613800000001"));

    // The XML files parse and carry the names as written (the control
    // character dropped, since XML 1.0 cannot hold it).
    let out = tmp.path().join("safe");
    for file in ["case.graphml", "case.gexf"] {
        let texts = xml_texts(&std::fs::read(out.join(file)).unwrap());
        for name in [HYPERLINK, SUM, EXPR, MARKUP] {
            assert!(
                texts.iter().any(|t| t == name),
                "{file}: {name:?} in {texts:?}"
            );
        }
    }
}

#[test]
fn raw_csv_writes_every_cell_as_the_case_spells_it() {
    let tmp = tempfile::tempdir().unwrap();
    let outputs = run_everything(tmp.path(), true);
    let expect = [
        ("gephi/nodes.csv", HYPERLINK),
        ("gephi/nodes.csv", SUM),
        ("neo4j/nodes_person.csv", HYPERLINK),
        ("case.rejects.csv", "=1+2"),
        ("stdout of query profile", HYPERLINK),
    ];
    for (output, payload) in expect {
        assert!(
            has(&outputs, output, payload),
            "{output} should hold {payload}"
        );
    }
    for (name, cells) in &outputs {
        assert!(
            !cells
                .iter()
                .any(|c| c.starts_with("'=") || c.starts_with("'@")),
            "{name}: --raw-csv still neutralised a cell"
        );
    }
}

/// Every text node and attribute value of an XML file, as a parser reads
/// it (references resolved); panics if the file is not well-formed.
fn xml_texts(bytes: &[u8]) -> Vec<String> {
    let text = std::str::from_utf8(bytes).expect("UTF-8 XML");
    let mut r = Reader::from_str(text);
    let mut out = Vec::new();
    // quick-xml reports a reference apart from the text around it; one
    // element's text is glued back together here.
    let mut current = String::new();
    loop {
        let ev = r.read_event().expect("well-formed XML");
        match &ev {
            Event::Text(t) => current.push_str(&t.xml10_content().unwrap()),
            Event::GeneralRef(g) => match g.resolve_char_ref().unwrap() {
                Some(c) => current.push(c),
                None => {
                    let name = g.decode().unwrap();
                    current.push_str(
                        &quick_xml::escape::unescape(&format!("&{name};"))
                            .expect("a predefined entity"),
                    );
                }
            },
            _ => {
                if !current.is_empty() {
                    out.push(std::mem::take(&mut current));
                }
            }
        }
        match ev {
            Event::Eof => break,
            Event::Start(e) | Event::Empty(e) => {
                for a in e.attributes() {
                    let a = a.expect("well-formed attribute");
                    out.push(
                        a.normalized_value(quick_xml::XmlVersion::Explicit1_0)
                            .expect("escaped attribute")
                            .into_owned(),
                    );
                }
            }
            _ => {}
        }
    }
    out
}
