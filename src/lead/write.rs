//! Writing a run: gangs.csv, leads.csv, leads.json, patterns.csv,
//! hotspots.csv, one GraphML per gang, rejects.csv, report.html and
//! manifest.json, each written atomically. Everything but the timings in
//! manifest.json (and shown in report.html) is a function of the inputs and
//! the configuration, byte for byte.

use crate::atomic::write_atomically;
use crate::error::{Error, Result};
use crate::export::{graphml, ColumnType, ColumnValue, Selection};
use crate::graph::provenance::NodeRef;
use crate::graph::CaseGraph;
use crate::lead::{LeadConfig, LeadRun, Role};
use crate::model::NodeKind;
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

fn csv_bytes(header: &[&str], rows: impl IntoIterator<Item = Vec<String>>) -> Result<Vec<u8>> {
    let mut w = crate::safe_csv::Writer::from_writer(Vec::new());
    let err = |e: csv::Error| Error::Invalid(format!("writing CSV: {e}"));
    w.write_record(header).map_err(err)?;
    for r in rows {
        w.write_record(&r).map_err(err)?;
    }
    w.into_inner()
        .map_err(|e| Error::Invalid(format!("writing CSV: {e}")))
}

/// `12.5`, `3`: scores with at most 4 decimals, no trailing zeros.
pub fn num(v: f64) -> String {
    let s = format!("{v:.4}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s.is_empty() || s == "-0" {
        "0".into()
    } else {
        s.to_string()
    }
}

fn role_rank(r: Role) -> u8 {
    r as u8
}

pub fn gangs_csv(run: &LeadRun) -> Result<Vec<u8>> {
    let mut rows = Vec::new();
    for gang in &run.gangs {
        let mut persons: Vec<(String, &crate::lead::Member)> = Vec::new();
        let row = |kind: &str, id: String, m: &crate::lead::Member| {
            vec![
                gang.gang_id.clone(),
                kind.into(),
                id,
                m.role.as_str().into(),
                num(m.score),
                num(m.confidence),
                num(m.role_confidence),
                m.evidence
                    .iter()
                    .map(|e| e.as_str())
                    .collect::<Vec<_>>()
                    .join(";"),
            ]
        };
        for m in &gang.members {
            rows.push(row("phone", m.phone.clone(), m));
            for pid in &m.person_ids {
                persons.push((pid.clone(), m));
            }
        }
        // A person holding several phones gets the most senior role among them.
        persons.sort_by(|a, b| {
            a.0.cmp(&b.0)
                .then(role_rank(a.1.role).cmp(&role_rank(b.1.role)))
        });
        persons.dedup_by(|a, b| a.0 == b.0);
        for (pid, m) in persons {
            rows.push(row("person", pid, m));
        }
    }
    csv_bytes(
        &[
            "gang_id",
            "node_kind",
            "node_id",
            "role",
            "score",
            "confidence",
            "role_confidence",
            "evidence",
        ],
        rows,
    )
}

pub fn leads_csv(run: &LeadRun) -> Result<Vec<u8>> {
    csv_bytes(
        &[
            "rank",
            "entity_kind",
            "entity",
            "score",
            "patterns_score",
            "role_score",
            "gang_score",
            "gang",
            "role",
            "reasons",
            "sources",
        ],
        run.leads.iter().map(|l| {
            vec![
                l.rank.to_string(),
                l.entity_kind.into(),
                l.entity.clone(),
                num(l.score),
                num(l.parts.patterns),
                num(l.parts.role),
                num(l.parts.gang),
                l.gang.clone().unwrap_or_default(),
                l.role.map(|r| r.as_str().to_string()).unwrap_or_default(),
                l.reasons.join("; "),
                l.sources.join(" "),
            ]
        }),
    )
}

pub fn patterns_csv(g: &CaseGraph, run: &LeadRun) -> Result<Vec<u8>> {
    csv_bytes(
        &[
            "pattern",
            "entity_kind",
            "entity",
            "phones",
            "reason",
            "sources",
        ],
        run.hits.iter().map(|h| {
            vec![
                h.kind.as_str().into(),
                h.entity.kind.as_str().into(),
                h.entity_id.clone(),
                h.phones
                    .iter()
                    .map(|&p| g.phone_number(p))
                    .collect::<Vec<_>>()
                    .join(";"),
                h.reason.clone(),
                h.sources.join(" "),
            ]
        }),
    )
}

pub fn hotspots_csv(run: &LeadRun) -> Result<Vec<u8>> {
    csv_bytes(
        &[
            "rank",
            "category",
            "location_id",
            "location_name",
            "weekday",
            "hour",
            "incidents",
            "loss",
            "sources",
        ],
        run.hotspots.iter().enumerate().map(|(i, h)| {
            vec![
                (i + 1).to_string(),
                h.category.clone(),
                h.location_id.clone(),
                h.location_name.clone(),
                crate::lead::hotspot::WEEKDAYS[h.weekday as usize % 7].into(),
                format!("{:02}", h.hour),
                h.incidents.to_string(),
                num(h.loss),
                h.sources.join(" "),
            ]
        }),
    )
}

pub fn rejects_csv(g: &CaseGraph, run: &LeadRun) -> Result<Vec<u8>> {
    let mut rows: Vec<Vec<String>> = g
        .report
        .rejects
        .iter()
        .map(|r| {
            vec![
                r.position.file.clone(),
                r.position.line.to_string(),
                r.reason.clone(),
            ]
        })
        .collect();
    // Phones left out of gang-finding as service numbers are listed too.
    rows.extend(run.hubs.iter().map(|h| {
        vec![
            "hub".to_string(),
            h.phone.clone(),
            format!("left out of gang-finding: {}", h.reason),
        ]
    }));
    csv_bytes(&["file", "line", "reason"], rows)
}

/// The GraphML of one gang: its phones, their person records, handsets and
/// the incidents naming them, with `gang` and `role` columns.
pub fn gang_graphml(g: &CaseGraph, run: &LeadRun, k: usize) -> Result<Vec<u8>> {
    let gang = &run.gangs[k];
    let person_idx: rustc_hash::FxHashMap<&str, u32> = g
        .persons
        .iter()
        .enumerate()
        .map(|(i, p)| (g.str(p.person_id), i as u32))
        .collect();
    let mut roles: Vec<(NodeRef, Role)> = Vec::new();
    for m in &gang.members {
        roles.push((super::phone_node(m.phone_idx), m.role));
        for pid in &m.person_ids {
            if let Some(&i) = person_idx.get(pid.as_str()) {
                roles.push((
                    NodeRef {
                        kind: NodeKind::Person,
                        idx: i,
                    },
                    m.role,
                ));
            }
        }
    }
    let mut nodes: Vec<NodeRef> = roles.iter().map(|r| r.0).collect();
    for m in &gang.members {
        for u in g.handsets_of(m.phone_idx) {
            nodes.push(NodeRef {
                kind: NodeKind::Handset,
                idx: u.handset,
            });
        }
    }
    for (i, inc) in g.incidents.iter().enumerate() {
        if gang.incidents.iter().any(|id| id == g.str(inc.incident_id)) {
            nodes.push(NodeRef {
                kind: NodeKind::Incident,
                idx: i as u32,
            });
        }
    }
    let mut sel = Selection::of_nodes(g, nodes.iter().copied());
    let bad = |e: crate::export::ColumnError| Error::Invalid(format!("gang GraphML: {e}"));
    sel.table
        .add_column(
            "gang",
            ColumnType::String,
            nodes
                .iter()
                .map(|&n| (n, ColumnValue::String(gang.gang_id.clone()))),
        )
        .map_err(bad)?;
    sel.table
        .add_column(
            "gang_role",
            ColumnType::String,
            roles
                .iter()
                .map(|&(n, r)| (n, ColumnValue::String(r.as_str().to_string()))),
        )
        .map_err(bad)?;
    let mut out = Vec::new();
    graphml::write(g, &sel, graphml::GraphmlOptions::default(), &mut out)
        .map_err(|e| Error::Invalid(format!("gang GraphML: {e}")))?;
    Ok(out)
}

/// Size and SHA-256 of each case file present (snapshot: the file itself).
pub fn input_files(case: &Path) -> Result<Vec<serde_json::Value>> {
    let mut files: Vec<PathBuf> = Vec::new();
    if case.is_dir() {
        for name in [
            "calls.csv",
            "persons.csv",
            "phones.csv",
            "locations.csv",
            "incidents.csv",
        ] {
            let p = case.join(name);
            if p.is_file() {
                files.push(p);
            }
        }
    } else {
        files.push(case.to_path_buf());
    }
    files
        .iter()
        .map(|p| {
            let bytes = std::fs::read(p).map_err(|e| Error::io(p, e))?;
            let hex = sha256_hex(&bytes);
            Ok(serde_json::json!({
                "file": p.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default(),
                "bytes": bytes.len(),
                "sha256": hex,
            }))
        })
        .collect()
}

/// Lower-case hex SHA-256 of `bytes`.
pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

pub fn manifest(
    g: &CaseGraph,
    run: &LeadRun,
    config: &LeadConfig,
    case: &Path,
    outputs: &[String],
    output_sha256: &serde_json::Map<String, serde_json::Value>,
) -> Result<Vec<u8>> {
    let m = serde_json::json!({
        "casegraph_version": env!("CARGO_PKG_VERSION"),
        "case": case.display().to_string(),
        "config": config,
        "inputs": input_files(case)?,
        "rows": g.report.files,
        "counts": {
            "phones": g.phones.len(),
            "persons": g.persons.len(),
            "individuals": run.n_individuals,
            "call_events": g.events.len(),
            "call_links": g.call_links.len(),
            "incidents": g.incidents.len(),
            "hubs_left_out": run.hubs.len(),
            "pattern_hits": run.hits.len(),
            "evidence_links": run.evidence_links,
            "gangs": run.gangs.len(),
            "leads": run.leads.len(),
        },
        "outputs": outputs,
        "output_sha256": output_sha256,
        "timings": run.timings,
    });
    let mut bytes =
        serde_json::to_vec_pretty(&m).map_err(|e| Error::Invalid(format!("manifest: {e}")))?;
    bytes.push(b'\n');
    Ok(bytes)
}

/// Write every output of `run` into `dir` (created if needed); returns the
/// file names written, in order.
pub fn write_all(
    g: &CaseGraph,
    run: &LeadRun,
    config: &LeadConfig,
    case: &Path,
    dir: &Path,
) -> Result<Vec<String>> {
    std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    let mut files: Vec<(String, Vec<u8>)> = vec![
        ("gangs.csv".into(), gangs_csv(run)?),
        ("leads.csv".into(), leads_csv(run)?),
        ("leads.json".into(), {
            let mut v = serde_json::to_vec_pretty(&serde_json::json!({
                "leads": run.leads,
                "gangs": run.gangs,
            }))
            .map_err(|e| Error::Invalid(format!("leads.json: {e}")))?;
            v.push(b'\n');
            v
        }),
        ("patterns.csv".into(), patterns_csv(g, run)?),
        ("hotspots.csv".into(), hotspots_csv(run)?),
        ("rejects.csv".into(), rejects_csv(g, run)?),
    ];
    for k in 0..run.gangs.len() {
        files.push((
            format!("gang_{}.graphml", run.gangs[k].gang_id),
            gang_graphml(g, run, k)?,
        ));
    }
    let mut names: Vec<String> = files.iter().map(|f| f.0.clone()).collect();
    names.push("report.html".into());
    names.push("manifest.json".into());
    // The folder's consistency check: each file is replaced atomically, and
    // manifest.json, written last, holds every other file's SHA-256. A run
    // killed part-way leaves files that disagree with the manifest beside
    // them, which a reader can tell from a complete run.
    let mut sums = serde_json::Map::new();
    for (name, bytes) in &files {
        sums.insert(name.clone(), sha256_hex(bytes).into());
    }
    for (name, bytes) in &files {
        write_atomically(&dir.join(name), bytes)?;
    }
    // The report shows the manifest's summary, so it is rendered from it
    // (from everything but output_sha256, which it does not show); then
    // its own checksum joins the others in the manifest written last.
    let draft = manifest(g, run, config, case, &names, &sums)?;
    let report = crate::report::render(g, run, &draft)?;
    sums.insert("report.html".into(), sha256_hex(report.as_bytes()).into());
    write_atomically(&dir.join("report.html"), report.as_bytes())?;
    write_atomically(
        &dir.join("manifest.json"),
        &manifest(g, run, config, case, &names, &sums)?,
    )?;
    Ok(names)
}
