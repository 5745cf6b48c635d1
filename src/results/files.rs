//! The files of the output folder but report.html and manifest.json:
//! gangs.csv, leads.csv, leads.json, patterns.csv, hotspots.csv,
//! hubs.csv, rejects.csv and one GraphML per gang. Each is written
//! atomically into the folder: the CSV files through the one CSV-to-file
//! helper ([`crate::safe_csv::write_rows`]), rejects.csv in the one rejects
//! format ([`crate::ingest::rejects`]). Everything here is a function of
//! the graph and the run, byte for byte.

use crate::atomic::write_atomically;
use crate::error::{Error, Result};
use crate::export::{graphml, ColumnType, ColumnValue, Selection};
use crate::graph::provenance::NodeRef;
use crate::graph::CaseGraph;
use crate::lead::write::num;
use crate::lead::{ConfirmedMember, Gang, LeadRun, Member, Role};
use crate::model::NodeKind;
use crate::safe_csv::write_rows;
use std::path::Path;

fn role_rank(r: Role) -> u8 {
    r as u8
}

/// The kinds of evidence of a member as the outputs list them: the
/// detectors', then `analyst` when the analyst confirmed it.
fn evidence_kinds(m: Option<&Member>, confirmed: Option<&ConfirmedMember>) -> Vec<&'static str> {
    let mut kinds: Vec<&'static str> = m
        .into_iter()
        .flat_map(|m| m.evidence.iter().map(|e| e.as_str()))
        .collect();
    if confirmed.is_some() {
        kinds.push("analyst");
    }
    kinds
}

/// Kept on the analyst's confirmation alone: no confidence from the detectors.
fn is_kept(confirmed: Option<&ConfirmedMember>) -> bool {
    confirmed.is_some_and(|c| c.placement == ConfirmedMember::KEPT)
}

/// The person records of `gang`, sorted, each with the member phone its
/// row takes role and figures from: of the phones its holder has in the
/// gang, one the detectors placed before one kept on a confirmation, then
/// the most senior role, then the first. A person kept in the gang on a
/// confirmation alone and holding none of its phones has no member.
fn gang_persons<'a>(run: &'a LeadRun, gang: &'a Gang) -> Vec<(&'a str, Option<&'a Member>)> {
    let mut persons: Vec<(&str, Option<&Member>)> = Vec::new();
    for m in &gang.members {
        for pid in &m.person_ids {
            persons.push((pid, Some(m)));
        }
    }
    let kept_phone =
        |m: Option<&Member>| m.is_some_and(|m| is_kept(run.confirmation(&gang.gang_id, &m.phone)));
    persons.sort_by(|a, b| {
        a.0.cmp(b.0)
            .then(kept_phone(a.1).cmp(&kept_phone(b.1)))
            .then(
                a.1.map(|m| role_rank(m.role))
                    .cmp(&b.1.map(|m| role_rank(m.role))),
            )
    });
    persons.dedup_by(|a, b| a.0 == b.0);
    for c in &run.confirmed_members {
        if c.entity_kind == "person"
            && c.gang_id.as_deref() == Some(gang.gang_id.as_str())
            && !persons.iter().any(|p| p.0 == c.entity)
        {
            persons.push((&c.entity, None));
        }
    }
    persons.sort_by(|a, b| a.0.cmp(b.0));
    persons
}

/// The lead score of a person kept in a gang on a confirmation alone (0
/// when it is not a lead): the score a gang's person row shows is its
/// phone's, and it holds none there.
fn person_score(run: &LeadRun, pid: &str) -> f64 {
    run.leads
        .iter()
        .chain(&run.dismissed)
        .find(|l| l.entity_kind == "person" && l.entity == pid)
        .map_or(0.0, |l| l.score)
}

/// gangs.csv: one row per member phone, then one per person record of the
/// gang's holders (a person holding several phones with the most senior
/// role among them). A member the analyst confirmed has `analyst` among
/// its evidence and the analyst and date named; one kept in the gang on
/// the confirmation alone has no confidence figures (they would be the
/// detectors', who did not place it) and `confidence_from` `analyst`. A
/// person row carries the person's own confirmation, or else its phone's.
pub fn gangs_csv(path: &Path, run: &LeadRun) -> Result<()> {
    let mut rows = Vec::new();
    for gang in &run.gangs {
        let row =
            |kind: &str, id: &str, m: Option<&Member>, confirmed: Option<&ConfirmedMember>| {
                let kept = is_kept(confirmed);
                let figure = |v: Option<f64>| match v {
                    Some(v) if !kept => num(v),
                    _ => String::new(),
                };
                vec![
                    gang.gang_id.clone(),
                    kind.into(),
                    id.to_string(),
                    m.map_or(Role::Member, |m| m.role).as_str().into(),
                    num(m.map_or_else(|| person_score(run, id), |m| m.score)),
                    figure(m.map(|m| m.confidence)),
                    figure(m.map(|m| m.role_confidence)),
                    evidence_kinds(m, confirmed).join(";"),
                    if kept { "analyst" } else { "evidence" }.into(),
                    confirmed.map(|c| c.analyst.clone()).unwrap_or_default(),
                    confirmed
                        .and_then(|c| c.confirmed_on.clone())
                        .unwrap_or_default(),
                ]
            };
        for m in &gang.members {
            let confirmed = run.confirmation(&gang.gang_id, &m.phone);
            rows.push(row("phone", &m.phone, Some(m), confirmed));
        }
        for (pid, m) in gang_persons(run, gang) {
            let confirmed = run
                .confirmation_of(&gang.gang_id, "person", pid)
                .or_else(|| m.and_then(|m| run.confirmation(&gang.gang_id, &m.phone)));
            rows.push(row("person", pid, m, confirmed));
        }
    }
    write_rows(
        path,
        &[
            "gang_id",
            "node_kind",
            "node_id",
            "role",
            "score",
            "confidence",
            "role_confidence",
            "evidence",
            "confidence_from",
            "confirmed_by",
            "confirmed_on",
        ],
        rows,
    )
}

/// leads.csv: the ranked leads with their score parts, reasons and sources
/// (dismissed.csv: those the analyst dismissed, in the same columns).
pub fn leads_csv(path: &Path, leads: &[crate::lead::Lead]) -> Result<()> {
    write_rows(
        path,
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
        leads.iter().map(|l| {
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

/// patterns.csv: every pattern hit with its phones, reason and sources.
pub fn patterns_csv(path: &Path, g: &CaseGraph, run: &LeadRun) -> Result<()> {
    write_rows(
        path,
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

/// hotspots.csv: incident hotspots by category, place, weekday and hour.
pub fn hotspots_csv(path: &Path, run: &LeadRun) -> Result<()> {
    write_rows(
        path,
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

/// rejects.csv: every rejected row of the case, in the one rejects format
/// `casegraph ingest` writes too (file, line, reason, sheet, the raw
/// fields as columns of their own).
pub fn rejects_csv(path: &Path, g: &CaseGraph) -> Result<()> {
    crate::ingest::rejects::write_rejects(path, &g.report.rejects, &g.report.files)
}

/// hubs.csv: the phones left out of gang-finding as service numbers, with
/// the figures that made them one and the reason in words.
pub fn hubs_csv(path: &Path, run: &LeadRun) -> Result<()> {
    write_rows(
        path,
        &[
            "phone",
            "contacts",
            "two_way_share",
            "one_off_share",
            "reason",
        ],
        run.hubs.iter().map(|h| {
            [
                h.phone.clone(),
                h.contacts.to_string(),
                num(h.reciprocity),
                num(h.one_off_share),
                h.reason.clone(),
            ]
        }),
    )
}

/// leads.json: the leads and the gangs, whole, every object's keys in
/// alphabetical order.
pub fn leads_json(path: &Path, g: &CaseGraph, run: &LeadRun) -> Result<()> {
    #[derive(serde::Serialize)]
    struct LeadsJson<'a> {
        leads: &'a [crate::lead::Lead],
        gangs: &'a [crate::lead::Gang],
        /// Groups of suspects that were not reported as gangs, and why.
        not_gangs: Vec<NotGang<'a>>,
        /// Phones the analyst confirmed as gang members and where this
        /// run put them (`apart`: in no gang, with why).
        confirmed_members: &'a [ConfirmedMember],
    }
    #[derive(serde::Serialize)]
    struct NotGang<'a> {
        first_phone: &'a str,
        holders: usize,
        phones: usize,
        reason: &'a str,
    }
    let bad = |e: serde_json::Error| Error::Invalid(format!("leads.json: {e}"));
    // Through a `Value`, whose maps are sorted (serde_json without
    // `preserve_order`), so the keys do not follow the structs' fields.
    let mut value = serde_json::to_value(LeadsJson {
        leads: &run.leads,
        gangs: &run.gangs,
        not_gangs: run
            .dropped
            .iter()
            .map(|d| NotGang {
                first_phone: g.phone_number(d.first_phone),
                holders: d.holders,
                phones: d.phones,
                reason: &d.reason,
            })
            .collect(),
        confirmed_members: &run.confirmed_members,
    })
    .map_err(bad)?;
    mark_confirmed_members(&mut value, run);
    let mut bytes = serde_json::to_vec_pretty(&value).map_err(bad)?;
    bytes.push(b'\n');
    write_atomically(path, &bytes)
}

/// In leads.json's gangs, a member the analyst confirmed gets `analyst`
/// among its evidence and `confirmed: {by, on, placement}`; one kept on
/// the confirmation alone has `confidence` and `role_confidence` null and
/// `confidence_from` `analyst` (every other member: `evidence`). Persons
/// are not members there (a member is a phone, its holder's records its
/// `person_ids`): each gang's `confirmed_persons` lists the persons the
/// analyst confirmed in it, as gangs.csv's person rows give them, with
/// the holder's phones in the gang (none for one kept on the
/// confirmation alone) and the same `confirmed`.
fn mark_confirmed_members(value: &mut serde_json::Value, run: &LeadRun) {
    use serde_json::{json, Value};
    let gangs = value.get_mut("gangs").and_then(Value::as_array_mut);
    for (gang, v) in run.gangs.iter().zip(gangs.into_iter().flatten()) {
        let members = v.get_mut("members").and_then(Value::as_array_mut);
        for (m, mv) in gang.members.iter().zip(members.into_iter().flatten()) {
            let Some(o) = mv.as_object_mut() else {
                continue;
            };
            let confirmed = run.confirmation(&gang.gang_id, &m.phone);
            let kept = is_kept(confirmed);
            o.insert(
                "confidence_from".into(),
                json!(if kept { "analyst" } else { "evidence" }),
            );
            let Some(c) = confirmed else {
                continue;
            };
            o.insert("evidence".into(), json!(evidence_kinds(Some(m), confirmed)));
            o.insert(
                "confirmed".into(),
                json!({"by": c.analyst, "on": c.confirmed_on, "placement": c.placement}),
            );
            if kept {
                o.insert("confidence".into(), Value::Null);
                o.insert("role_confidence".into(), Value::Null);
            }
        }
        let persons: Vec<Value> = gang_persons(run, gang)
            .into_iter()
            .filter_map(|(pid, m)| {
                let c = run.confirmation_of(&gang.gang_id, "person", pid)?;
                let kept = is_kept(Some(c));
                let figure = |v: Option<f64>| match v {
                    Some(v) if !kept => json!(v),
                    _ => Value::Null,
                };
                let phones: Vec<&str> = gang
                    .members
                    .iter()
                    .filter(|m| m.person_ids.iter().any(|p| p == pid))
                    .map(|m| m.phone.as_str())
                    .collect();
                Some(json!({
                    "person_id": pid,
                    "phones": phones,
                    "role": m.map_or(Role::Member, |m| m.role),
                    "score": m.map_or_else(|| person_score(run, pid), |m| m.score),
                    "confidence": figure(m.map(|m| m.confidence)),
                    "role_confidence": figure(m.map(|m| m.role_confidence)),
                    "evidence": evidence_kinds(m, Some(c)),
                    "confidence_from": if kept { "analyst" } else { "evidence" },
                    "confirmed": {"by": c.analyst, "on": c.confirmed_on, "placement": c.placement},
                }))
            })
            .collect();
        if let Some(o) = v.as_object_mut() {
            o.insert("confirmed_persons".into(), Value::Array(persons));
        }
    }
}

/// The GraphML of one gang: its phones, their person records, handsets and
/// the incidents naming them, with `gang` and `role` columns.
pub fn gang_graphml(path: &Path, g: &CaseGraph, run: &LeadRun, k: usize) -> Result<()> {
    let gang = &run.gangs[k];
    let person_idx: rustc_hash::FxHashMap<&str, u32> = g
        .persons
        .iter()
        .enumerate()
        .map(|(i, p)| (g.str(p.person_id), i as u32))
        .collect();
    let mut roles: Vec<(NodeRef, Role)> = Vec::new();
    for m in &gang.members {
        roles.push((crate::lead::phone_node(m.phone_idx), m.role));
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
    write_atomically(path, &out)
}
