//! truth/: the planted answers of a generated case, for tests and for
//! judging analysis passes. The formats are a contract with the tests;
//! `truth/README.md` (written with them) says what each file means.

use super::ids::canonical;
use super::population::{Part, NONE};
use super::records::Small;
use super::writer::{join, Ledger, Seen};
use super::{Case, GenerateSummary};
use crate::atomic::write_atomically;
use crate::error::Result;
use std::collections::BTreeMap;
use std::path::Path;

fn csv(header: &str, rows: impl IntoIterator<Item = Vec<String>>) -> Vec<u8> {
    let mut s = String::from(header);
    s.push('\n');
    for r in rows {
        s.push_str(&join(&r));
        s.push('\n');
    }
    s.into_bytes()
}

pub fn individual_id(i: u32) -> String {
    format!("I{i:07}")
}

const README: &str = "# truth/: the planted answers of this generated case

Written by `casegraph generate` beside the case files. Phone numbers are in
the engine's canonical form (`+8613800138000`; short service numbers as
dialled). Lines are counted as the engine counts them: 1-based, the header
is line 1.

- `bad_rows.csv` (`file,line,reason`): every row the engine must reject.
  Reasons: missing_field, bad_time, negative_duration, number_with_letters,
  unknown_kind, unknown_category, bad_date, date_order, bad_role,
  bad_coordinate, bad_loss, duplicate_id, field_count.
- `duplicates.csv` (`file,line,duplicate_of`): every exact duplicate row and
  the line of the earlier row it repeats.
- `counts.json`: per file (`files`), the data rows written (`rows`, counting
  bad rows and duplicates), `bad` and `duplicates`; then what the graph must
  hold after ingest: `persons` (kept person records), `phones` (distinct
  canonical numbers in kept rows of all files), `handsets`, `locations`
  (distinct ids in kept rows of locations.csv, calls.csv and incidents.csv),
  `incidents`, `accounts`, `voice_calls`, `texts`, and `call_links`
  (distinct ordered caller->callee pairs among kept calls).
- `gangs.csv` (`gang_id,node_kind,node_id,role`): each planted gang's
  phones (node_kind `phone`) and person records (node_kind `person`,
  person_id) with their role: boss, lieutenant, operator, mule. An
  operator's phones are his own phone and all his burners (for an SMS
  operation, every SIM of his SIM boxes and his call-back lines).
- `individuals.csv` (`person_id,individual_id`): for every kept person
  record, the individual it describes. Records of one individual share the
  individual_id (typos, pinyin or characters, wrong id digits and all).
- `individual_phones.csv` (`individual_id,phone,how`), for individuals with
  a person record: `uses` (their own phone), `burner` (a burner SIM they
  used), `claimed` (one of their person records lists it), `registered`
  (phones.csv registers it under their exact id number), `nominee` (it is
  registered under their id number but used by someone else: a boss's
  phone in a relative's name, a burner bought with a stolen identity),
  `former_subscriber` (they held the number before it was recycled). One
  row per way; a phone may appear with several.
- `decoys.csv` (`decoy,node_kind,node_id`): every innocent look-alike that
  must not be put in a gang, with its kind: `call_centre` (the hotline and
  agent phones), `telemarketing` (a company's outbound lines, some replaced
  in the same handset), `delivery_rider`, `big_family`, `suspect` (named as
  a suspect in police records for thefts, disputes, assaults, old cases or
  an informant's tip, in no gang; some in crews named together),
  `suspect_associate` (their witnesses and associates), `relative` (of a
  gang member, calling him often, some living with him or lending him their
  identity for his phone), `identity_theft` (their identity registered
  burners; some reported it, naming the numbers), `night_worker` (a night
  shift working in a den's cell), `driver`, `victim` (hooked by a gang; some
  know and call each other). Phones (node_kind `phone`, those that occur in
  kept rows) and person records (node_kind `person`).
- `brokers.csv` (`node_kind,node_id,gangs`): each planted broker — an
  ordinary resident who deals with the leadership (a lieutenant, or the
  boss) of each of two or three gangs — as his phone (node_kind `phone`)
  and his person records (node_kind `person`); `gangs` names the gangs of
  gangs.csv, `;`-separated. Brokers are not members of the gangs in
  gangs.csv.
- `hubs.csv` (`phone,service`): service numbers called or texting by the
  thousand (bank, carrier, courier, taxi, call_centre, police).
- `world.json`: what the seed drew: the world's parameters (`knobs`: number
  and shapes of gangs, bad-row and duplicate rates, call volume; the tie
  weights' tail and the share of texts), each gang's shape, size and habits
  (coordination on the phone network, meetings, careless calls, shifts,
  burner lives, stolen identities), the brokers' gangs and the number of
  confounders of each kind. Shapes: `pyramid` (a boss who talks only to his
  lieutenants), `chain` (boss, lieutenants in a row, operators at the end),
  `flat` (everyone calls everyone), `family` (relatives, with kin outside
  the gang under the same roofs), `call_centre` (many operators in one
  room), `sms_box` (SIM boxes sending texts and a call-back line).
";

/// The confounders listed in decoys.csv by the part they play, in this order.
const DECOY_PARTS: &[(&str, Part)] = &[
    ("delivery_rider", Part::Rider),
    ("big_family", Part::Family),
    ("suspect", Part::Suspect),
    ("suspect_associate", Part::Associate),
    ("relative", Part::Relative),
    ("identity_theft", Part::IdentityVictim),
    ("night_worker", Part::NightWorker),
    ("driver", Part::Driver),
    ("victim", Part::Victim),
];

/// What the seed drew: the world's parameters, each gang's shape and habits,
/// and how many confounders of each kind.
fn world_json(case: &Case) -> Vec<u8> {
    let w = &case.world;
    let gangs: Vec<serde_json::Value> = case
        .gangs
        .iter()
        .enumerate()
        .map(|(i, g)| {
            serde_json::json!({
                "gang_id": format!("G{}", i + 1),
                "shape": g.shape.as_str(),
                "lieutenants": g.lieutenants.len(),
                "operators": g.operators.len(),
                "mules": g.mules.len(),
                "accounts": g.accounts.len(),
                "burners": g.operators.iter().map(|o| o.burners.len()).sum::<usize>(),
                "burner_life_days": [g.burner_life.0, g.burner_life.1],
                "den_cells": g.dens.len(),
                "start_day": g.start_day,
                "cold_calls_per_line_per_day": g.rate,
                "cold_texts_share": (g.cold_texts * 100.0).round() / 100.0,
                "coordination": (g.coord * 100.0).round() / 100.0,
                "talk_pairs": g.talk.len(),
                "weekly_meeting": g.meeting.is_some(),
                "careless_calls": g.slips.len(),
                "late_shift": g.late,
                "burst_before_hook": [g.burst.0, g.burst.1],
                "stolen_identities": g.stolen_ids.len(),
                "relatives": g.relatives.len(),
                "incidents": g.incidents,
            })
        })
        .collect();
    let mut confounders = serde_json::Map::new();
    for (kind, part) in DECOY_PARTS {
        let n = w.individuals.iter().filter(|p| p.part == *part).count();
        confounders.insert(kind.to_string(), n.into());
    }
    let c = &case.confounders;
    confounders.insert(
        "telemarketing_lines".into(),
        c.telemarketers
            .iter()
            .map(|t| t.lines.len())
            .sum::<usize>()
            .into(),
    );
    confounders.insert("night_crews".into(), c.night_crews.len().into());
    let v = serde_json::json!({
        "seed": case.seed,
        "knobs": case.knobs,
        "tie_weight_tail": (w.tie_alpha * 100.0).round() / 100.0,
        "background_text_share": (w.sms_share * 100.0).round() / 100.0,
        "gangs": gangs,
        "brokers": case.brokers.iter().map(|b| b.gangs.iter().map(|k| format!("G{}", k + 1)).collect::<Vec<_>>()).collect::<Vec<_>>(),
        "confounders": confounders,
    });
    let mut text = serde_json::to_string_pretty(&v).expect("plain JSON");
    text.push('\n');
    text.into_bytes()
}

/// Write truth/; the number of rows of decoys.csv.
pub fn write_truth(
    case: &Case,
    small: &Small,
    ledger: &Ledger,
    summary: &GenerateSummary,
    seen: &Seen,
    dir: &Path,
) -> Result<u64> {
    let w = &case.world;
    let number = |p: u32| canonical(&w.phones[p as usize].national);

    write_ledger(ledger, dir)?;
    let counts = counts_json(summary);
    let mut text = serde_json::to_string_pretty(&counts).expect("plain JSON");
    text.push('\n');
    write_atomically(&dir.join("counts.json"), text.as_bytes())?;

    // Person records per individual.
    let mut records_of: BTreeMap<u32, Vec<&str>> = BTreeMap::new();
    for (pid, who) in &small.records {
        records_of.entry(*who).or_default().push(pid);
    }
    for v in records_of.values_mut() {
        v.sort_unstable();
    }
    let persons_of = |who: u32| records_of.get(&who).cloned().unwrap_or_default();

    let gangs = gang_rows(case, &persons_of);
    let brokers = broker_rows(case, &persons_of);
    write_atomically(
        &dir.join("brokers.csv"),
        &csv("node_kind,node_id,gangs", brokers),
    )?;
    write_atomically(
        &dir.join("gangs.csv"),
        &csv("gang_id,node_kind,node_id,role", gangs),
    )?;

    let mut ind: Vec<(&str, u32)> = small
        .records
        .iter()
        .map(|(p, w)| (p.as_str(), *w))
        .collect();
    ind.sort_unstable();
    write_atomically(
        &dir.join("individuals.csv"),
        &csv(
            "person_id,individual_id",
            ind.iter()
                .map(|(p, w)| vec![p.to_string(), individual_id(*w)]),
        ),
    )?;

    let links = individual_phone_links(case, small, &records_of);
    write_atomically(
        &dir.join("individual_phones.csv"),
        &csv(
            "individual_id,phone,how",
            links
                .iter()
                .map(|(w, p, h)| vec![individual_id(*w), p.clone(), h.to_string()]),
        ),
    )?;

    let decoys = decoy_rows(case, seen, &persons_of);
    let n_decoys = decoys.len() as u64;
    write_atomically(
        &dir.join("decoys.csv"),
        &csv("decoy,node_kind,node_id", decoys),
    )?;
    write_atomically(&dir.join("world.json"), &world_json(case))?;

    let hubs = super::services::SERVICES
        .iter()
        .zip(&case.services)
        .filter(|(_, &p)| seen.phones[p as usize])
        .map(|(s, &p)| vec![number(p), s.service.to_string()]);
    write_atomically(&dir.join("hubs.csv"), &csv("phone,service", hubs))?;
    write_atomically(&dir.join("README.md"), README.as_bytes())?;
    for f in [
        "bad_rows.csv",
        "duplicates.csv",
        "counts.json",
        "gangs.csv",
        "individuals.csv",
        "individual_phones.csv",
        "decoys.csv",
        "brokers.csv",
        "hubs.csv",
        "world.json",
        "README.md",
    ] {
        super::readable(&dir.join(f))?;
    }
    Ok(n_decoys)
}

/// A phone number as truth/ writes it.
fn number_of(case: &Case, p: u32) -> String {
    canonical(&case.world.phones[p as usize].national)
}

/// bad_rows.csv and duplicates.csv: the rows spoilt on purpose.
fn write_ledger(ledger: &Ledger, dir: &Path) -> Result<()> {
    let mut bad = ledger.bad.clone();
    bad.sort();
    write_atomically(
        &dir.join("bad_rows.csv"),
        &csv(
            "file,line,reason",
            bad.iter()
                .map(|(f, l, r)| vec![f.to_string(), l.to_string(), r.to_string()]),
        ),
    )?;
    let mut dups = ledger.duplicates.clone();
    dups.sort();
    write_atomically(
        &dir.join("duplicates.csv"),
        &csv(
            "file,line,duplicate_of",
            dups.iter()
                .map(|(f, l, o)| vec![f.to_string(), l.to_string(), o.to_string()]),
        ),
    )?;

    Ok(())
}

/// counts.json: rows per file and what the graph should hold.
fn counts_json(summary: &GenerateSummary) -> serde_json::Value {
    let mut files = serde_json::Map::new();
    for f in &summary.files {
        files.insert(
            f.file.clone(),
            serde_json::json!({"rows": f.rows, "bad": f.bad, "duplicates": f.duplicates}),
        );
    }
    let g = &summary.graph;
    let counts = serde_json::json!({
        "files": files,
        "persons": g.persons,
        "phones": g.phones,
        "handsets": g.handsets,
        "locations": g.locations,
        "incidents": g.incidents,
        "accounts": g.accounts,
        "voice_calls": g.voice_calls,
        "texts": g.texts,
        "call_links": g.call_links,
    });
    counts
}

/// gangs.csv: every planted member's phones and person records, by role.
fn gang_rows<'r>(case: &Case, persons_of: &dyn Fn(u32) -> Vec<&'r str>) -> Vec<Vec<String>> {
    let w = &case.world;
    let number = |p: u32| number_of(case, p);
    let mut gangs = Vec::new();
    for (gi, gang) in case.gangs.iter().enumerate() {
        let gid = format!("G{}", gi + 1);
        let mut member = |who: u32, extra: &[u32], role: &str| {
            gangs.push(vec![
                gid.clone(),
                "phone".into(),
                number(w.individuals[who as usize].phones[0]),
                role.into(),
            ]);
            for &p in extra {
                gangs.push(vec![gid.clone(), "phone".into(), number(p), role.into()]);
            }
            for pid in persons_of(who) {
                gangs.push(vec![
                    gid.clone(),
                    "person".into(),
                    pid.to_string(),
                    role.into(),
                ]);
            }
        };
        member(gang.boss, &[], "boss");
        for &l in &gang.lieutenants {
            member(l, &[], "lieutenant");
        }
        for op in &gang.operators {
            member(op.who, &op.burners, "operator");
        }
        for &m in &gang.mules {
            member(m, &[], "mule");
        }
    }
    gangs
}

/// brokers.csv: each broker's phone and records, with the gangs he joins.
fn broker_rows<'r>(case: &Case, persons_of: &dyn Fn(u32) -> Vec<&'r str>) -> Vec<Vec<String>> {
    let w = &case.world;
    let number = |p: u32| number_of(case, p);
    let mut brokers = Vec::new();
    for b in &case.brokers {
        let gids = b
            .gangs
            .iter()
            .map(|k| format!("G{}", k + 1))
            .collect::<Vec<_>>()
            .join(";");
        brokers.push(vec![
            "phone".into(),
            number(w.individuals[b.who as usize].phones[0]),
            gids.clone(),
        ]);
        for pid in persons_of(b.who) {
            brokers.push(vec!["person".into(), pid.to_string(), gids.clone()]);
        }
    }
    brokers
}

/// individual_phones.csv: the phones each recorded individual uses, the
/// burners he ran and the ones records or registrations tie him to.
fn individual_phone_links(
    case: &Case,
    small: &Small,
    records_of: &BTreeMap<u32, Vec<&str>>,
) -> Vec<(u32, String, &'static str)> {
    let w = &case.world;
    let number = |p: u32| number_of(case, p);
    let mut links: Vec<(u32, String, &'static str)> = Vec::new();
    for &who in records_of.keys() {
        for &p in &w.individuals[who as usize].phones {
            if p != NONE {
                links.push((who, number(p), "uses"));
            }
        }
    }
    for gang in &case.gangs {
        for op in &gang.operators {
            if records_of.contains_key(&op.who) {
                for &b in &op.burners {
                    links.push((op.who, number(b), "burner"));
                }
            }
        }
    }
    for &(who, p, how) in &small.links {
        if records_of.contains_key(&who) {
            links.push((who, number(p), how));
        }
    }
    links.sort_unstable();
    links.dedup();
    links
}

/// decoys.csv: the call centre, telemarketing lines and every confounder
/// (people in no gang who look like one), phones and records.
fn decoy_rows<'r>(
    case: &Case,
    seen: &Seen,
    persons_of: &dyn Fn(u32) -> Vec<&'r str>,
) -> Vec<Vec<String>> {
    let w = &case.world;
    let number = |p: u32| number_of(case, p);
    let d = &case.decoys;
    let mut decoys = vec![vec![
        "call_centre".to_string(),
        "phone".into(),
        number(d.hotline),
    ]];
    for &a in &d.agents {
        decoys.push(vec!["call_centre".into(), "phone".into(), number(a)]);
    }
    for t in &case.confounders.telemarketers {
        for &l in &t.lines {
            if seen.phones[l as usize] {
                decoys.push(vec!["telemarketing".into(), "phone".into(), number(l)]);
            }
        }
    }
    for (kind, part) in DECOY_PARTS {
        for (who, p) in w.individuals.iter().enumerate() {
            if p.part != *part {
                continue;
            }
            for &ph in &p.phones {
                if ph != NONE && seen.phones[ph as usize] {
                    decoys.push(vec![kind.to_string(), "phone".into(), number(ph)]);
                }
            }
            for pid in persons_of(who as u32) {
                decoys.push(vec![kind.to_string(), "person".into(), pid.to_string()]);
            }
        }
    }
    decoys
}
