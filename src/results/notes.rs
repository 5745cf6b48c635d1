//! The analyst's notes (see [`crate::notes`]) applied to a leads run: a
//! lead the analyst dismissed is listed apart (dismissed.csv), the others
//! ranked again without it; a confirmed lead says who confirmed it and
//! when, as the first of its reasons. The detectors never read the notes:
//! the run's gangs and scores are the evidence's, the statuses are the
//! analyst's, and the output keeps the two apart.
//!
//! A phone confirmed as a gang member (its note records the gang's other
//! phones then, [`crate::notes::ConfirmedGang`]) is placed in this run's
//! gangs ([`crate::lead::ConfirmedMember`]): gang ids change between runs,
//! so it goes with the gang that now holds most of the phones it was
//! confirmed with (ties: the first gang). Detected in that gang, the
//! analyst is named beside the detectors' evidence; not detected in any
//! gang, it is kept in that one as a member on the confirmation alone
//! (evidence `analyst`, no membership confidence from the detectors);
//! when no gang holds any of those phones it is listed apart, with why,
//! and no gang is made up for it. A phone the detectors put in another
//! gang stays where they put it, the analyst named there too.
//!
//! A person (a persons.csv person_id, as gangs.csv's person rows name
//! it) confirmed as a gang member is placed by the same rule, its note
//! recording the phones of the gang's other holders (its own phones left
//! out: they are where the detectors put it, not its mates). The
//! detectors put it in a gang when a member phone's holder records
//! (entity resolution's individual) include it; in several gangs, it is
//! detected in the one holding its mates, else the first. Kept, it is a
//! person row of the gang on the confirmation alone and its phones stay
//! where the detectors put them (in no gang, when they dropped them): the
//! analyst confirmed the person, not its numbers.

use crate::graph::CaseGraph;
use crate::lead::{ConfirmedMember, Lead, LeadRun, Member, Role};
use crate::notes::{EntityNote, LeadStatus, Notes};

/// The key of a lead in the notes file: `entity_kind:entity`.
fn key(l: &Lead) -> String {
    format!("{}:{}", l.entity_kind, l.entity)
}

/// The notes file as the outputs name it (a source of a kept member):
/// its file name.
pub fn file_name(path: &std::path::Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string())
}

/// "li.wei on 2026-12-02T16:20:00Z", or as much of it as the note says.
fn who_when(note: &EntityNote) -> (String, String) {
    let who = note.analyst.as_deref().unwrap_or("an analyst").to_string();
    let when = note
        .updated
        .as_deref()
        .map(|u| format!(" on {u}"))
        .unwrap_or_default();
    (who, when)
}

/// Apply `notes` to `run` (see the module doc); `notes_file` names the
/// notes file as the source of what it adds. O(leads log notes + confirmed
/// members · gang members).
pub fn apply(g: &CaseGraph, run: &mut LeadRun, notes: &Notes, notes_file: &str) {
    place_confirmed_members(g, run, notes, notes_file);
    let mut kept = Vec::with_capacity(run.leads.len());
    for mut l in std::mem::take(&mut run.leads) {
        let Some(note) = notes.entities.get(&key(&l)) else {
            kept.push(l);
            continue;
        };
        let (who, when) = who_when(note);
        match note.status {
            Some(LeadStatus::Dismissed) => {
                l.reasons
                    .insert(0, format!("dismissed by {who}{when} (notes file)"));
                run.dismissed.push(l);
            }
            Some(LeadStatus::Confirmed) => {
                let mut reason = format!("confirmed by {who}{when} (notes file)");
                if let Some(c) = run
                    .confirmed_members
                    .iter()
                    .find(|c| c.entity_kind == l.entity_kind && c.entity == l.entity)
                {
                    if c.placement == ConfirmedMember::KEPT && l.gang.is_none() {
                        l.gang = c.gang_id.clone();
                    }
                    reason.push_str(": ");
                    reason.push_str(&c.reason);
                }
                l.reasons.insert(0, reason);
                kept.push(l);
            }
            _ => kept.push(l),
        }
    }
    for (i, l) in kept.iter_mut().enumerate() {
        l.rank = i as u32 + 1;
    }
    run.leads = kept;
    run.analyst_notes = notes
        .entities
        .iter()
        .map(|(entity, n)| crate::lead::AnalystNote {
            entity: entity.clone(),
            label: n.label.clone(),
            note: n.note.clone(),
            status: n.status.map(|s| s.as_str().to_string()),
            analyst: n.analyst.clone(),
            updated: n.updated.clone(),
        })
        .collect();
}

/// Every confirmed phone or person with a recorded gang, or in a gang of
/// this run, placed: see the module doc. Fills `run.confirmed_members`
/// (in the notes file's key order) and adds the kept phones to their
/// gangs' members (a kept person is a person row of its gang, from
/// `run.confirmed_members`: it holds no member phone).
fn place_confirmed_members(g: &CaseGraph, run: &mut LeadRun, notes: &Notes, notes_file: &str) {
    // The detectors' gangs, by phone and by person record: kept members
    // do not move others.
    let gang_by_phone: rustc_hash::FxHashMap<String, usize> = run
        .gangs
        .iter()
        .enumerate()
        .flat_map(|(k, gang)| gang.members.iter().map(move |m| (m.phone.clone(), k)))
        .collect();
    let mut gangs_by_person: rustc_hash::FxHashMap<String, Vec<usize>> = Default::default();
    for (k, gang) in run.gangs.iter().enumerate() {
        for pid in gang.members.iter().flat_map(|m| &m.person_ids) {
            let list = gangs_by_person.entry(pid.clone()).or_default();
            if !list.contains(&k) {
                list.push(k);
            }
        }
    }
    let gang_of = |p: &str| gang_by_phone.get(p).copied();
    // A hand-written notes file may spell a number otherwise: compared
    // canonical, as the outputs spell them.
    let rules = crate::model::PhoneRules::with_country_code(&g.meta.country_code).ok();
    let canonical = |raw: &str| {
        rules
            .as_ref()
            .and_then(|r| r.normalise(raw).ok())
            .unwrap_or_else(|| raw.to_string())
    };
    let mut placed: Vec<ConfirmedMember> = Vec::new();
    for (key, note) in &notes.entities {
        if note.status != Some(LeadStatus::Confirmed) {
            continue;
        }
        let (kind, entity) = match key.split_once(':') {
            Some(("phone", raw)) => ("phone", canonical(raw)),
            Some(("person", id)) => ("person", id.to_string()),
            _ => continue,
        };
        let entity = entity.as_str();
        if placed
            .iter()
            .any(|c| c.entity_kind == kind && c.entity == entity)
        {
            continue; // one number under two spellings
        }
        let (who, when) = who_when(note);
        // The gangs the detectors put it in: a phone is in one at most, a
        // person (through the phones of its holder) in one or more.
        let detected_in: Vec<usize> = if kind == "phone" {
            gang_of(entity).into_iter().collect()
        } else {
            gangs_by_person.get(entity).cloned().unwrap_or_default()
        };
        let recorded = note.gang.as_ref();
        // The gang holding most of the phones it was confirmed with.
        let mut with: Vec<String> = recorded
            .map(|r| {
                r.phones
                    .iter()
                    .map(|p| canonical(p))
                    .filter(|p| p != entity)
                    .collect()
            })
            .unwrap_or_default();
        with.sort();
        with.dedup();
        let mut together = vec![0usize; run.gangs.len()];
        for p in &with {
            if let Some(k) = gang_of(p) {
                together[k] += 1;
            }
        }
        let best = (0..together.len())
            .filter(|&k| together[k] > 0)
            .max_by(|&a, &b| together[a].cmp(&together[b]).then(b.cmp(&a)));
        // Of the gangs the detectors put it in, the one with its mates if
        // it is one of them, else the first.
        let detected = best
            .filter(|k| detected_in.contains(k))
            .or(detected_in.first().copied());
        let (mates, not_in_case) = if kind == "phone" {
            ("other phones", "the number is not in this case")
        } else {
            (
                "phones of its other holders",
                "the person record is not in this case",
            )
        };
        let then = recorded
            .map(|r| format!("{} with {} {mates}", r.gang_id, with.len()))
            .unwrap_or_default();
        let mut c = ConfirmedMember {
            entity_kind: kind,
            entity: entity.to_string(),
            phone: (kind == "phone").then(|| entity.to_string()),
            gang_id: None,
            placement: ConfirmedMember::APART,
            analyst: who.clone(),
            confirmed_on: note.updated.clone(),
            confirmed_gang: recorded.map(|r| r.gang_id.clone()),
            confirmed_with: with.len(),
            still_together: 0,
            reason: String::new(),
        };
        match (detected, best) {
            (Some(k), _) => {
                let id = run.gangs[k].gang_id.clone();
                c.still_together = together.get(k).copied().unwrap_or(0);
                c.reason = if recorded.is_none() || Some(k) == best {
                    format!("a member of gang {id} by the detectors' evidence, confirmed by {who}{when}")
                } else {
                    format!(
                        "a member of gang {id} by the detectors' evidence, confirmed by {who}{when} as a member of {then}, {} of which are in gang {id} now",
                        c.still_together
                    )
                };
                c.gang_id = Some(id);
                c.placement = ConfirmedMember::DETECTED;
            }
            (None, Some(k)) => {
                let phone_idx = if kind == "phone" {
                    g.find_phone(entity)
                } else {
                    None
                };
                let in_case = phone_idx.is_some()
                    || (kind == "person" && g.persons.iter().any(|p| g.str(p.person_id) == entity));
                if !in_case {
                    c.reason = format!(
                        "confirmed by {who}{when} as a member of {then}, but {not_in_case}: listed apart"
                    );
                    placed.push(c);
                    continue;
                }
                let id = run.gangs[k].gang_id.clone();
                c.still_together = together[k];
                c.reason = format!(
                    "kept in gang {id} on {who}'s confirmation{when} (notes file), not by the detectors' evidence: confirmed as a member of {then}, {} of which are in gang {id} now",
                    c.still_together
                );
                if let Some(p) = phone_idx {
                    let member = kept_member(g, run, p, &c, &format!("{notes_file}: {key}"));
                    let list = &mut run.gangs[k].members;
                    let at = list.partition_point(|m| m.phone_idx < p);
                    list.insert(at, member);
                }
                c.gang_id = Some(id);
                c.placement = ConfirmedMember::KEPT;
            }
            (None, None) => {
                if recorded.is_none() {
                    // Confirmed as a lead, never as a gang's member.
                    continue;
                }
                c.reason = format!(
                    "confirmed by {who}{when} as a member of {then}; none of those phones is in a gang in this run, so it is listed apart (no gang is made up for it)"
                );
            }
        }
        placed.push(c);
    }
    run.confirmed_members = placed;
}

/// A member kept on the analyst's confirmation: role `member`, no
/// evidence or confidence from the detectors (they are the analyst's:
/// see `confirmed`), the phone's lead score if it is a lead, its person
/// records and the patterns it was hit by.
fn kept_member(
    g: &CaseGraph,
    run: &LeadRun,
    p: u32,
    confirmed: &ConfirmedMember,
    source: &str,
) -> Member {
    let phone = g.phone_number(p).to_string();
    let mut person_ids: Vec<String> = g
        .persons_of_phone(p)
        .filter(|pp| pp.claimed())
        .map(|pp| g.str(g.persons[pp.person as usize].person_id).to_string())
        .collect();
    person_ids.sort();
    person_ids.dedup();
    let mut patterns: Vec<_> = run
        .hits
        .iter()
        .filter(|h| h.entity == crate::lead::phone_node(p) || h.phones.contains(&p))
        .map(|h| h.kind)
        .collect();
    patterns.sort();
    patterns.dedup();
    Member {
        score: run
            .leads
            .iter()
            .find(|l| l.entity_kind == "phone" && l.entity == phone)
            .map_or(0.0, |l| l.score),
        phone,
        phone_idx: p,
        role: Role::Member,
        role_reason: confirmed.reason.clone(),
        role_confidence: 0.0,
        confidence: 0.0,
        evidence: Vec::new(),
        person_ids,
        registered_to: Vec::new(),
        patterns,
        sources: vec![source.to_string()],
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::notes::EntityNote;
    use std::collections::BTreeMap;

    fn demo() -> (CaseGraph, LeadRun) {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/demo");
        let g = crate::open_case(&dir, &crate::ingest::IngestConfig::default()).unwrap();
        let run = crate::lead::run(&g, &crate::lead::LeadConfig::default()).unwrap();
        (g, run)
    }

    /// A note confirming `phone` as a member of a gang called `gang_id`
    /// with `phones`.
    fn confirmed(gang_id: &str, phones: &[&str]) -> EntityNote {
        EntityNote {
            status: Some(LeadStatus::Confirmed),
            analyst: Some("li.wei".into()),
            updated: Some("2026-12-02T16:20:00Z".into()),
            gang: Some(crate::notes::ConfirmedGang {
                gang_id: gang_id.into(),
                phones: phones.iter().map(|p| p.to_string()).collect(),
            }),
            ..Default::default()
        }
    }

    fn gang_phones(run: &LeadRun, k: usize) -> Vec<String> {
        run.gangs[k]
            .members
            .iter()
            .map(|m| m.phone.clone())
            .collect()
    }

    #[test]
    fn a_confirmed_member_the_detectors_dropped_is_kept_in_the_gang_holding_its_mates() {
        let (g, mut run) = demo();
        assert!(run.gangs.len() >= 2);
        // The detectors no longer place the last member of the first gang
        // (as a rerun on new data might), and the gangs are numbered anew.
        let dropped = run.gangs[0].members.pop().unwrap();
        let mut renamed = std::collections::HashMap::new();
        for (k, gang) in run.gangs.iter_mut().enumerate() {
            let id = format!("N{}", k + 1);
            renamed.insert(std::mem::replace(&mut gang.gang_id, id.clone()), id);
        }
        for l in &mut run.leads {
            l.gang = if l.entity == dropped.phone {
                None
            } else {
                l.gang
                    .as_ref()
                    .map(|old| renamed.get(old).cloned().unwrap_or(old.clone()))
            };
        }
        let mates = gang_phones(&run, 0);
        let in_second = gang_phones(&run, 1);
        let mut notes = Notes::default();
        let mut with: Vec<&str> = mates.iter().map(String::as_str).collect();
        with.push("+8613900000001"); // a mate no longer in the case: ignored
        notes
            .entities
            .insert(format!("phone:{}", dropped.phone), confirmed("G1", &with));
        // A member the detectors still place gets the analyst named.
        notes.entities.insert(
            format!("phone:{}", in_second[0]),
            confirmed(
                "G2",
                &in_second[1..]
                    .iter()
                    .map(String::as_str)
                    .collect::<Vec<_>>(),
            ),
        );
        // A member the detectors put in another gang than its confirmed
        // mates stays where they put it, the analyst named there.
        let moved = &in_second[2];
        notes.entities.insert(
            format!("phone:{moved}"),
            confirmed("G1", &mates.iter().map(String::as_str).collect::<Vec<_>>()),
        );
        // A phone confirmed with phones that are in no gang now: apart.
        let lone = phone_in_no_gang(&g, &run);
        notes
            .entities
            .insert(format!("phone:{lone}"), confirmed("G3", &[lone]));
        let n_before = run.gangs[0].members.len();
        apply(&g, &mut run, &notes, "case.notes.json");

        assert_eq!(run.gangs[0].members.len(), n_before + 1);
        let kept = run.gangs[0]
            .members
            .iter()
            .find(|m| m.phone == dropped.phone)
            .expect("kept in the gang holding its mates");
        assert_eq!(kept.role, Role::Member);
        assert!(kept.evidence.is_empty(), "no detector evidence invented");
        assert_eq!(
            kept.sources,
            vec![format!("case.notes.json: phone:{}", dropped.phone)]
        );
        assert!(
            run.gangs[0]
                .members
                .windows(2)
                .all(|w| w[0].phone_idx < w[1].phone_idx),
            "members stay in phone order"
        );
        let c = run.confirmation("N1", &dropped.phone).unwrap();
        assert_eq!(c.placement, ConfirmedMember::KEPT);
        assert_eq!(c.analyst, "li.wei");
        assert_eq!(c.confirmed_gang.as_deref(), Some("G1"));
        assert_eq!(
            (c.confirmed_with, c.still_together),
            (mates.len() + 1, mates.len())
        );
        assert!(
            kept.role_reason
                .starts_with("kept in gang N1 on li.wei's confirmation on 2026-12-02T16:20:00Z"),
            "{}",
            kept.role_reason
        );
        let named = run.confirmation("N2", &in_second[0]).unwrap();
        assert_eq!(named.placement, ConfirmedMember::DETECTED);
        let stayed = run.confirmation("N2", moved).unwrap();
        assert_eq!(stayed.placement, ConfirmedMember::DETECTED);
        assert_eq!(stayed.still_together, 0);
        assert!(
            stayed.reason.contains(&format!(
                "as a member of G1 with {} other phones, 0 of which are in gang N2 now",
                mates.len()
            )),
            "{}",
            stayed.reason
        );
        assert_eq!(
            run.gangs
                .iter()
                .map(|gang| gang.members.iter().filter(|m| &m.phone == moved).count())
                .sum::<usize>(),
            1,
            "not added to its mates' gang as well"
        );
        let apart = run
            .confirmed_members
            .iter()
            .find(|c| c.entity == lone)
            .unwrap();
        assert_eq!(
            (apart.placement, apart.gang_id.as_deref()),
            (ConfirmedMember::APART, None)
        );
        assert!(apart.reason.contains("listed apart"), "{}", apart.reason);
        assert!(run
            .gangs
            .iter()
            .all(|gang| gang.members.iter().all(|m| m.phone != lone)));
        // The lead of the kept phone, if it is one, names the gang and why.
        if let Some(l) = run.leads.iter().find(|l| l.entity == dropped.phone) {
            assert_eq!(l.gang.as_deref(), Some("N1"));
            assert!(
                l.reasons[0].starts_with("confirmed by li.wei"),
                "{}",
                l.reasons[0]
            );
            assert!(l.reasons[0].contains("kept in gang N1"), "{}", l.reasons[0]);
        }

        // gangs.csv: evidence analyst, the analyst named, no detector figures.
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("gangs.csv");
        crate::results::files::gangs_csv(&path, &run).unwrap();
        let mut r = csv::Reader::from_path(&path).unwrap();
        let header = r.headers().unwrap().clone();
        let col = |name: &str| header.iter().position(|h| h == name).unwrap();
        let rows: Vec<csv::StringRecord> = r.records().map(Result::unwrap).collect();
        let row = |phone: &str| {
            rows.iter()
                .find(|row| &row[col("node_kind")] == "phone" && &row[col("node_id")] == phone)
                .unwrap()
                .clone()
        };
        let k = row(&dropped.phone);
        assert_eq!(&k[col("gang_id")], "N1");
        assert_eq!(&k[col("evidence")], "analyst");
        assert_eq!(&k[col("confidence")], "");
        assert_eq!(&k[col("role_confidence")], "");
        assert_eq!(&k[col("confidence_from")], "analyst");
        assert_eq!(&k[col("confirmed_by")], "li.wei");
        assert_eq!(&k[col("confirmed_on")], "2026-12-02T16:20:00Z");
        let d = row(&in_second[0]);
        assert!(d[col("evidence")].ends_with(";analyst"), "{:?}", d);
        assert_eq!(&d[col("confidence_from")], "evidence");
        assert!(!d[col("confidence")].is_empty());
        let other = row(&in_second[1]);
        assert_eq!(&other[col("confirmed_by")], "");
        assert!(!other[col("evidence")].contains("analyst"));
    }

    /// A person record of gang `k` (persons.csv's person_id, as a member's
    /// `person_ids` and gangs.csv's person rows name it) and the phones of
    /// the gang's other holders: what `serve` records when it is confirmed.
    fn person_and_mates(run: &LeadRun, k: usize) -> (String, Vec<String>) {
        let gang = &run.gangs[k];
        let pid = gang
            .members
            .iter()
            .flat_map(|m| &m.person_ids)
            .find(|pid| gang.members.iter().any(|m| !m.person_ids.contains(pid)))
            .expect("a gang with two holders")
            .clone();
        let mates = gang
            .members
            .iter()
            .filter(|m| !m.person_ids.contains(&pid))
            .map(|m| m.phone.clone())
            .collect();
        (pid, mates)
    }

    /// The first phone of the case that no gang of `run` holds.
    fn phone_in_no_gang<'g>(g: &'g CaseGraph, run: &LeadRun) -> &'g str {
        let p = (0..g.phones.len() as u32)
            .find(|&p| {
                let n = g.phone_number(p);
                run.gangs
                    .iter()
                    .all(|gang| gang.members.iter().all(|m| m.phone != n))
            })
            .unwrap();
        g.phone_number(p)
    }

    fn strs(v: &[String]) -> Vec<&str> {
        v.iter().map(String::as_str).collect()
    }

    /// gangs.csv's person row of `pid` in gang `gang_id`, by column name.
    fn person_row(run: &LeadRun, gang_id: &str, pid: &str) -> Option<BTreeMap<String, String>> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("gangs.csv");
        crate::results::files::gangs_csv(&path, run).unwrap();
        let mut r = csv::Reader::from_path(&path).unwrap();
        let header: Vec<String> = r.headers().unwrap().iter().map(str::to_string).collect();
        let rows: Vec<BTreeMap<String, String>> = r
            .records()
            .map(|rec| {
                header
                    .iter()
                    .cloned()
                    .zip(rec.unwrap().iter().map(str::to_string))
                    .collect()
            })
            .collect();
        let found: Vec<_> = rows
            .into_iter()
            .filter(|row| {
                row["node_kind"] == "person" && row["node_id"] == pid && row["gang_id"] == gang_id
            })
            .collect();
        assert!(found.len() <= 1, "one row per person and gang: {found:?}");
        found.into_iter().next()
    }

    /// leads.json as written for `run`.
    fn leads_json(g: &CaseGraph, run: &LeadRun) -> serde_json::Value {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("leads.json");
        crate::results::files::leads_json(&path, g, run).unwrap();
        serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap()
    }

    #[test]
    fn a_confirmed_person_whose_phones_the_detectors_dropped_is_kept_in_the_gang_holding_its_mates()
    {
        let (g, mut run) = demo();
        let (pid, mates) = person_and_mates(&run, 0);
        // The detectors no longer place any of its phones.
        for gang in &mut run.gangs {
            gang.members.retain(|m| !m.person_ids.contains(&pid));
        }
        let members_before: Vec<Vec<String>> =
            (0..run.gangs.len()).map(|k| gang_phones(&run, k)).collect();
        assert!(person_row(&run, &run.gangs[0].gang_id, &pid).is_none());
        let mut notes = Notes::default();
        notes
            .entities
            .insert(format!("person:{pid}"), confirmed("G1", &strs(&mates)));
        apply(&g, &mut run, &notes, "case.notes.json");

        let id = run.gangs[0].gang_id.clone();
        let c = run
            .confirmation_of(&id, "person", &pid)
            .expect("kept in G1");
        assert_eq!(c.placement, ConfirmedMember::KEPT);
        assert_eq!((c.entity_kind, c.phone.as_deref()), ("person", None));
        assert_eq!(
            (c.confirmed_with, c.still_together),
            (mates.len(), mates.len())
        );
        assert!(
            c.reason.starts_with(&format!(
                "kept in gang {id} on li.wei's confirmation on 2026-12-02T16:20:00Z (notes file), not by the detectors' evidence: confirmed as a member of G1 with {} phones of its other holders",
                mates.len()
            )),
            "{}",
            c.reason
        );
        // Its phones stay where the detectors put them: no member added.
        let members_after: Vec<Vec<String>> =
            (0..run.gangs.len()).map(|k| gang_phones(&run, k)).collect();
        assert_eq!(members_after, members_before);
        // gangs.csv: a person row, evidence analyst, no detector figures.
        let row = person_row(&run, &id, &pid).expect("a person row for the kept person");
        assert_eq!(row["role"], "member");
        assert_eq!(row["evidence"], "analyst");
        assert_eq!(row["confidence"], "");
        assert_eq!(row["role_confidence"], "");
        assert_eq!(row["confidence_from"], "analyst");
        assert_eq!(row["confirmed_by"], "li.wei");
        assert_eq!(row["confirmed_on"], "2026-12-02T16:20:00Z");
        for other in &run.gangs[1..] {
            assert!(person_row(&run, &other.gang_id, &pid).is_none());
        }
        // leads.json: among the gang's confirmed persons, and in confirmed_members.
        let v = leads_json(&g, &run);
        let p = &v["gangs"][0]["confirmed_persons"][0];
        assert_eq!(p["person_id"], pid.as_str(), "{v:#}");
        assert_eq!(p["phones"], serde_json::json!([]));
        assert_eq!(p["evidence"], serde_json::json!(["analyst"]));
        assert_eq!(p["confidence"], serde_json::Value::Null);
        assert_eq!(p["confidence_from"], "analyst");
        assert_eq!(p["confirmed"]["placement"], "kept");
        assert_eq!(p["confirmed"]["by"], "li.wei");
        assert_eq!(v["gangs"][1]["confirmed_persons"], serde_json::json!([]));
        let cm = &v["confirmed_members"][0];
        assert_eq!(cm["entity_kind"], "person");
        assert_eq!(cm["entity"], pid.as_str());
        assert_eq!(cm["gang_id"], id.as_str());
        assert!(cm.get("phone").is_none(), "{cm}");
    }

    #[test]
    fn a_confirmed_person_the_detectors_still_place_gets_the_analyst_named_beside_their_evidence() {
        let (g, mut run) = demo();
        let (pid, mates) = person_and_mates(&run, 1);
        // Its holder also has a phone in the first gang (a person in two
        // gangs): detected in the one holding its mates, the second.
        let extra = run.gangs[0].members.len() - 1;
        run.gangs[0].members[extra].person_ids.push(pid.clone());
        let mut notes = Notes::default();
        notes
            .entities
            .insert(format!("person:{pid}"), confirmed("G2", &strs(&mates)));
        let n_members: usize = run.gangs.iter().map(|gang| gang.members.len()).sum();
        apply(&g, &mut run, &notes, "case.notes.json");
        let id = run.gangs[1].gang_id.clone();
        let c = run
            .confirmation_of(&id, "person", &pid)
            .expect("detected in G2");
        assert_eq!(c.placement, ConfirmedMember::DETECTED);
        assert_eq!(c.still_together, mates.len());
        assert!(
            c.reason.starts_with(&format!(
                "a member of gang {id} by the detectors' evidence, confirmed by li.wei"
            )),
            "{}",
            c.reason
        );
        assert_eq!(
            run.gangs
                .iter()
                .map(|gang| gang.members.len())
                .sum::<usize>(),
            n_members
        );
        let row = person_row(&run, &id, &pid).unwrap();
        assert!(row["evidence"].ends_with(";analyst"), "{row:?}");
        assert!(
            row["evidence"].len() > "analyst".len(),
            "the detectors' kinds first"
        );
        assert_eq!(row["confidence_from"], "evidence");
        assert!(!row["confidence"].is_empty());
        assert_eq!(row["confirmed_by"], "li.wei");
        // Its row in the other gang is the detectors' alone.
        let other = person_row(&run, &run.gangs[0].gang_id, &pid).unwrap();
        assert_eq!(other["confirmed_by"], "");
        assert!(!other["evidence"].contains("analyst"));
        let v = leads_json(&g, &run);
        let p = &v["gangs"][1]["confirmed_persons"][0];
        assert_eq!(p["confirmed"]["placement"], "detected");
        assert_eq!(p["confidence_from"], "evidence");
        assert!(p["confidence"].is_number());
        assert!(
            !p["phones"].as_array().unwrap().is_empty(),
            "its phones in the gang"
        );

        // With none of its mates in a gang now, it is detected in the first
        // gang the detectors put it in, and the reason says where its mates went.
        let (g2, mut run2) = demo();
        let (pid2, _) = person_and_mates(&run2, 1);
        run2.gangs[0].members[extra].person_ids.push(pid2.clone());
        let mut notes = Notes::default();
        notes.entities.insert(
            format!("person:{pid2}"),
            confirmed("G7", &["+8613900000001"]),
        );
        apply(&g2, &mut run2, &notes, "case.notes.json");
        let c = &run2.confirmed_members[0];
        assert_eq!(c.gang_id.as_ref(), Some(&run2.gangs[0].gang_id));
        assert_eq!(c.placement, ConfirmedMember::DETECTED);
        assert!(
            c.reason.contains(
                "as a member of G7 with 1 phones of its other holders, 0 of which are in gang"
            ),
            "{}",
            c.reason
        );
    }

    #[test]
    fn a_confirmed_person_whose_mates_are_split_goes_with_the_gang_holding_most_of_them() {
        let (g, mut run) = demo();
        assert!(run.gangs.len() >= 3);
        let (pid, _) = person_and_mates(&run, 0);
        for gang in &mut run.gangs {
            gang.members.retain(|m| !m.person_ids.contains(&pid));
        }
        let (one, two) = (gang_phones(&run, 1), gang_phones(&run, 2));
        // Two mates now in the third gang, one in the second: the third.
        let mut notes = Notes::default();
        notes.entities.insert(
            format!("person:{pid}"),
            confirmed("G1", &[one[0].as_str(), two[0].as_str(), two[1].as_str()]),
        );
        let mut run_most = run.clone();
        apply(&g, &mut run_most, &notes, "case.notes.json");
        let c = &run_most.confirmed_members[0];
        assert_eq!(c.gang_id.as_ref(), Some(&run.gangs[2].gang_id));
        assert_eq!(
            (c.placement, c.confirmed_with, c.still_together),
            (ConfirmedMember::KEPT, 3, 2)
        );
        // One and one: the first of the two, as for a phone.
        notes.entities.insert(
            format!("person:{pid}"),
            confirmed("G1", &[one[0].as_str(), two[0].as_str()]),
        );
        apply(&g, &mut run, &notes, "case.notes.json");
        let c = &run.confirmed_members[0];
        assert_eq!(c.gang_id.as_ref(), Some(&run.gangs[1].gang_id));
        assert_eq!((c.placement, c.still_together), (ConfirmedMember::KEPT, 1));
        assert!(person_row(&run, &run.gangs[1].gang_id, &pid).is_some());
        assert!(person_row(&run, &run.gangs[2].gang_id, &pid).is_none());
    }

    #[test]
    fn a_confirmed_person_with_no_mates_in_a_gang_or_not_in_the_case_is_listed_apart() {
        let (g, mut run) = demo();
        let (pid, mates) = person_and_mates(&run, 0);
        for gang in &mut run.gangs {
            gang.members.retain(|m| !m.person_ids.contains(&pid));
        }
        let lone = phone_in_no_gang(&g, &run);
        let mut notes = Notes::default();
        notes
            .entities
            .insert(format!("person:{pid}"), confirmed("G1", &[lone]));
        // A person_id no record of this case has, its mates in a gang.
        notes
            .entities
            .insert("person:NO-SUCH-ID".into(), confirmed("G1", &strs(&mates)));
        // Confirmed as a lead only, no gang recorded: not a gang member.
        let mut lead_only = confirmed("G1", &[]);
        lead_only.gang = None;
        notes.entities.insert(format!("person:{pid}x"), lead_only);
        let rows_before: usize = run.gangs.iter().map(|gang| gang.members.len()).sum();
        apply(&g, &mut run, &notes, "case.notes.json");
        assert_eq!(
            run.confirmed_members.len(),
            2,
            "{:?}",
            run.confirmed_members
        );
        let gone = run
            .confirmed_members
            .iter()
            .find(|c| c.entity == "NO-SUCH-ID")
            .unwrap();
        assert_eq!(
            (gone.placement, gone.gang_id.as_deref()),
            (ConfirmedMember::APART, None)
        );
        assert!(
            gone.reason
                .contains("the person record is not in this case: listed apart"),
            "{}",
            gone.reason
        );
        let apart = run
            .confirmed_members
            .iter()
            .find(|c| c.entity == pid)
            .unwrap();
        assert_eq!(
            (apart.placement, apart.gang_id.as_deref()),
            (ConfirmedMember::APART, None)
        );
        assert!(
            apart
                .reason
                .contains("none of those phones is in a gang in this run, so it is listed apart"),
            "{}",
            apart.reason
        );
        for gang in &run.gangs {
            assert!(person_row(&run, &gang.gang_id, &pid).is_none());
            assert!(person_row(&run, &gang.gang_id, "NO-SUCH-ID").is_none());
        }
        assert_eq!(
            run.gangs
                .iter()
                .map(|gang| gang.members.len())
                .sum::<usize>(),
            rows_before
        );
    }

    /// Entity resolution: a person row names every record of the holder's
    /// individual. A record the served run merged into a gang's holder but
    /// this run does not (a decision kept it apart) is no longer named by
    /// the detectors: it is kept by its mates, the holder's phones left
    /// where they are. Merged again, it is detected.
    #[test]
    fn a_confirmed_person_record_entity_resolution_no_longer_merges_is_kept_by_its_mates() {
        let (g, mut run) = demo();
        let (pid, mates) = person_and_mates(&run, 0);
        let mut notes = Notes::default();
        notes
            .entities
            .insert(format!("person:{pid}"), confirmed("G1", &strs(&mates)));
        let mut merged = run.clone();
        apply(&g, &mut merged, &notes, "case.notes.json");
        assert_eq!(
            merged.confirmed_members[0].placement,
            ConfirmedMember::DETECTED
        );
        // Not merged: the record is in no member's person_ids.
        for gang in &mut run.gangs {
            for m in &mut gang.members {
                m.person_ids.retain(|p| p != &pid);
            }
        }
        let phones_before = gang_phones(&run, 0);
        apply(&g, &mut run, &notes, "case.notes.json");
        let c = &run.confirmed_members[0];
        assert_eq!(
            (c.placement, c.gang_id.as_ref()),
            (ConfirmedMember::KEPT, Some(&run.gangs[0].gang_id))
        );
        assert_eq!(gang_phones(&run, 0), phones_before);
        let row = person_row(&run, &run.gangs[0].gang_id, &pid).unwrap();
        assert_eq!(row["evidence"], "analyst");
    }

    #[test]
    fn a_hand_written_note_spelling_the_number_otherwise_is_placed_once() {
        let (g, mut run) = demo();
        let dropped = run.gangs[0].members.pop().unwrap();
        let mates = gang_phones(&run, 0);
        let national = dropped.phone.strip_prefix("+86").unwrap();
        let mut notes = Notes::default();
        for key in [
            format!("phone:{national}"),
            format!("phone:{}", dropped.phone),
        ] {
            notes.entities.insert(
                key,
                confirmed("G1", &mates.iter().map(String::as_str).collect::<Vec<_>>()),
            );
        }
        apply(&g, &mut run, &notes, "case.notes.json");
        assert_eq!(
            run.confirmed_members.len(),
            1,
            "{:?}",
            run.confirmed_members
        );
        assert_eq!(run.confirmed_members[0].entity, dropped.phone);
        assert_eq!(
            run.gangs[0]
                .members
                .iter()
                .filter(|m| m.phone == dropped.phone)
                .count(),
            1
        );
    }

    #[test]
    fn a_confirmation_without_a_recorded_gang_keeps_nothing_and_old_notes_still_apply() {
        let (g, mut run) = demo();
        let dropped = run.gangs[0].members.pop().unwrap();
        let mut notes = Notes::default();
        let mut note = confirmed("G1", &[]);
        note.gang = None; // a notes file from before gangs were recorded
        notes
            .entities
            .insert(format!("phone:{}", dropped.phone), note);
        let n = run.gangs[0].members.len();
        apply(&g, &mut run, &notes, "case.notes.json");
        assert_eq!(run.gangs[0].members.len(), n, "no gang to keep it in");
        assert!(run.confirmed_members.is_empty());
    }

    #[test]
    fn dismissed_leads_are_listed_apart_and_the_rest_ranked_again() {
        let (g, mut run) = demo();
        assert!(run.leads.len() >= 3);
        let (first, second) = (run.leads[0].clone(), run.leads[1].clone());
        let mut notes = Notes::default();
        notes.entities.insert(
            key(&first),
            EntityNote {
                status: Some(LeadStatus::Dismissed),
                analyst: Some("wang".into()),
                ..Default::default()
            },
        );
        notes.entities.insert(
            key(&second),
            EntityNote {
                status: Some(LeadStatus::Confirmed),
                analyst: Some("li".into()),
                ..Default::default()
            },
        );
        let n = run.leads.len();
        apply(&g, &mut run, &notes, "case.notes.json");
        assert_eq!(run.dismissed.len(), 1);
        assert_eq!(run.dismissed[0].entity, first.entity);
        assert!(run.dismissed[0].reasons[0].starts_with("dismissed by wang"));
        assert_eq!(run.leads.len(), n - 1);
        assert_eq!(run.leads[0].entity, second.entity);
        assert_eq!(run.leads[0].rank, 1);
        assert!(run.leads[0].reasons[0].starts_with("confirmed by li"));
        assert!(run.leads.iter().all(|l| l.entity != first.entity));
        // The report gets every note, in key order.
        assert_eq!(run.analyst_notes.len(), 2);
        assert!(run
            .analyst_notes
            .windows(2)
            .all(|w| w[0].entity < w[1].entity));
        let dismissed = run
            .analyst_notes
            .iter()
            .find(|n| n.entity == key(&first))
            .unwrap();
        assert_eq!(dismissed.status.as_deref(), Some("dismissed"));
        assert_eq!(dismissed.analyst.as_deref(), Some("wang"));
    }
}
