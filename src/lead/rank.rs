//! Stage 7 of `leads`: ranked leads. Every phone in a gang or holding a
//! fraud SIM is a lead, scored from its patterns, its role and its gang
//! (`[rank]` and `[roles]` in leads.toml), with a reason per pattern and
//! per tie and the source rows behind each; every individual holding lead
//! phones is a lead too (see [`person_leads`]).
//!
//! A phone outside every gang that calls two or more members of one gang
//! (each at least `[gangs] min_call_events` times) is a *contact* lead: the
//! evidence is calls only, one kind, so he is no member — a relative, a
//! friend, a customer, or the one the gang answers to, who keeps off every
//! other trace. The lead says which members he calls and cites the calls.
//!
//! A person record naming a phone's holder as a suspect raises the lead's
//! score by `[rank] suspect_record`: police records name many people in
//! cases that have nothing to do with the gangs, so this is a prior on the
//! ranking, never a reason to be in a gang.
//!
//! # Complexity
//! O(P + hits + leads log leads).

use crate::graph::CaseGraph;
use crate::lead::facts::Facts;
use crate::lead::members::Holders;
use crate::lead::patterns::PatternKind;
use crate::lead::{config, write, Gang, Lead, LeadConfig, ScoreParts};
use crate::model::PersonRole;

/// Phone and person leads, ranked.
pub fn leads(
    g: &CaseGraph,
    facts: &Facts,
    gangs: &[Gang],
    holders: &Holders,
    config: &LeadConfig,
) -> Vec<Lead> {
    let n = g.phones.len();
    let member_of = gang_and_member_of_each_phone(gangs, n);
    let mut leads: Vec<Lead> = Vec::new();
    let mut lead_phones: Vec<u32> = Vec::new();
    for (p, &in_gang) in member_of.iter().enumerate() {
        if in_gang.is_none() && !facts.fraud_sim[p] {
            continue;
        }
        lead_phones.push(p as u32);
        leads.push(phone_lead(g, facts, gangs, holders, config, p, in_gang));
    }
    for (p, lead) in contact_leads(g, facts, gangs, &member_of, config) {
        lead_phones.push(p);
        leads.push(lead);
    }
    let people = person_leads(
        g,
        &leads,
        &lead_phones,
        holders,
        &config.person_leads,
        &config.rank,
    );
    leads.extend(people);
    rank_by_score(&mut leads, config.max_leads);
    leads
}

/// (gang index, member index) of every gang member's phone, `None` for
/// phones in no gang.
fn gang_and_member_of_each_phone(gangs: &[Gang], n_phones: usize) -> Vec<Option<(usize, usize)>> {
    let mut member_of: Vec<Option<(usize, usize)>> = vec![None; n_phones];
    for (gi, gang) in gangs.iter().enumerate() {
        for (mi, m) in gang.members.iter().enumerate() {
            member_of[m.phone_idx as usize] = Some((gi, mi));
        }
    }
    member_of
}

/// The lead of phone `p`, a gang member (`in_gang`: gang and member index)
/// or a fraud SIM: its membership, its patterns and any police record
/// naming its holder as a suspect, each with its reason and source rows.
fn phone_lead(
    g: &CaseGraph,
    facts: &Facts,
    gangs: &[Gang],
    holders: &Holders,
    config: &LeadConfig,
    p: usize,
    in_gang: Option<(usize, usize)>,
) -> Lead {
    let rc = &config.rank;
    let mut reasons: Vec<String> = Vec::new();
    let mut sources: Vec<String> = Vec::new();
    let (role, gang_id, gang_part) = match in_gang {
        Some((gi, mi)) => {
            let m = &gangs[gi].members[mi];
            reasons.push(format!(
                "member of gang {} as {}",
                gangs[gi].gang_id, m.role_reason
            ));
            sources.extend(m.sources.iter().cloned());
            (
                Some(m.role),
                Some(gangs[gi].gang_id.clone()),
                (gangs[gi].score / rc.gang_score_divisor).min(rc.max_gang_part),
            )
        }
        None => (None, None, 0.0),
    };
    let role_part = role.map(|r| config.roles.weight(r)).unwrap_or(0.0);
    for &i in &facts.hits_of[p] {
        let h = &facts.hits[i];
        if h.kind == PatternKind::Colocation && reasons.iter().any(|r| r.contains("co-located")) {
            continue;
        }
        reasons.push(h.reason.clone());
        sources.extend(h.sources.iter().take(rc.sources_per_hit).cloned());
    }
    let prior = suspect_record_prior(g, holders, rc, p as u32, &mut reasons, &mut sources);
    sources.sort();
    sources.dedup();
    sources.truncate(rc.sources_per_lead);
    let parts = ScoreParts {
        patterns: facts.score[p] + prior,
        role: role_part,
        gang: gang_part,
    };
    Lead {
        rank: 0,
        entity_kind: "phone",
        entity: g.phone_number(p as u32).to_string(),
        score: parts.patterns + parts.role + parts.gang,
        parts,
        gang: gang_id,
        role,
        reasons,
        sources,
    }
}

/// `[rank] suspect_record` when a person record claiming phone `p` names
/// its holder as a suspect, with the reason and the persons.csv lines;
/// 0 otherwise.
fn suspect_record_prior(
    g: &CaseGraph,
    holders: &Holders,
    rc: &config::RankConfig,
    p: u32,
    reasons: &mut Vec<String>,
    sources: &mut Vec<String>,
) -> f64 {
    let suspect_records: Vec<u32> = holders
        .claimers(p)
        .filter(|&r| g.persons[r as usize].role() == PersonRole::Suspect)
        .collect();
    if suspect_records.is_empty() {
        return 0.0;
    }
    let lines: Vec<String> = suspect_records
        .iter()
        .map(|&r| format!("persons.csv:{}", g.persons[r as usize].line))
        .collect();
    reasons.push(format!(
        "named as a suspect in a police record ({}): raises the rank, is not evidence of membership",
        lines.join(", ")
    ));
    sources.extend(lines);
    rc.suspect_record
}

/// Highest score first (ties: by entity), the first `max_leads` kept (0:
/// all), numbered from 1.
fn rank_by_score(leads: &mut Vec<Lead>, max_leads: usize) {
    leads.sort_by(|a, b| {
        b.score
            .total_cmp(&a.score)
            .then_with(|| a.entity.cmp(&b.entity))
    });
    if max_leads > 0 {
        leads.truncate(max_leads);
    }
    for (i, l) in leads.iter_mut().enumerate() {
        l.rank = i as u32 + 1;
    }
}

/// Contact leads (see the module doc): ordinary eligible phones outside the
/// gangs with repeated calls to at least `[rank] contact_min_members`
/// members of one gang. O(Σ call links of the members).
fn contact_leads(
    g: &CaseGraph,
    facts: &Facts,
    gangs: &[Gang],
    member_of: &[Option<(usize, usize)>],
    config: &LeadConfig,
) -> Vec<(u32, Lead)> {
    let rc = &config.rank;
    // (contact phone, gang, member phone, call events)
    let mut seen: Vec<(u32, usize, u32, u32)> = Vec::new();
    for (gi, gang) in gangs.iter().enumerate() {
        for m in &gang.members {
            let q = m.phone_idx;
            let out = g.calls_from(q).iter().map(|l| (l.callee, l.n_events()));
            let inn = g.calls_to(q).map(|l| (l.caller, l.n_events()));
            for (p, n) in out.chain(inn) {
                if member_of[p as usize].is_none()
                    && !facts.fraud_sim[p as usize]
                    && facts.ctx.eligible(p)
                {
                    seen.push((p, gi, q, n));
                }
            }
        }
    }
    seen.sort_unstable();
    // Both directions of one pair add up.
    let mut pairs: Vec<(u32, usize, u32, u32)> = Vec::new();
    for grp in seen.chunk_by(|a, b| (a.0, a.1, a.2) == (b.0, b.1, b.2)) {
        let n: u32 = grp.iter().map(|x| x.3).sum();
        if n >= config.gangs.min_call_events {
            pairs.push((grp[0].0, grp[0].1, grp[0].2, n));
        }
    }
    let mut out = Vec::new();
    // (contact phone, gang, [(member phone, call events)])
    type Called = (u32, usize, Vec<(u32, u32)>);
    let mut by_phone: Vec<Called> = Vec::new();
    for grp in pairs.chunk_by(|a, b| (a.0, a.1) == (b.0, b.1)) {
        if grp.len() >= rc.contact_min_members {
            by_phone.push((grp[0].0, grp[0].1, grp.iter().map(|x| (x.2, x.3)).collect()));
        }
    }
    // A phone calling members of two gangs is one lead, on its larger tie.
    by_phone.sort_by_key(|x| (x.0, std::cmp::Reverse(x.2.len()), x.1));
    by_phone.dedup_by_key(|x| x.0);
    for (p, gi, called) in by_phone {
        let gang = &gangs[gi];
        let events: u32 = called.iter().map(|c| c.1).sum();
        let names: Vec<String> = called
            .iter()
            .take(rc.sources_per_hit)
            .map(|&(q, n)| format!("{} ({n})", g.phone_number(q)))
            .collect();
        let more = called.len().saturating_sub(rc.sources_per_hit);
        let mut reasons = vec![format!(
            "calls {} members of gang {} ({} call events: {}{}); calls only, one kind of evidence: a contact to look at, not a member",
            called.len(),
            gang.gang_id,
            events,
            names.join(", "),
            if more > 0 { format!("; and {more} more") } else { String::new() }
        )];
        let mut sources: Vec<String> = Vec::new();
        for &(q, _) in called.iter().take(rc.sources_per_hit) {
            let mut lines = crate::graph::provenance::pair_call_lines(g, p, q);
            lines.truncate(2);
            sources.extend(lines.iter().map(|l| format!("calls.csv:{l}")));
        }
        for &i in &facts.hits_of[p as usize] {
            reasons.push(facts.hits[i].reason.clone());
        }
        sources.sort();
        sources.dedup();
        sources.truncate(rc.sources_per_lead);
        let parts = ScoreParts {
            patterns: facts.score[p as usize],
            role: 0.0,
            gang: rc.contact * called.len() as f64,
        };
        out.push((
            p,
            Lead {
                rank: 0,
                entity_kind: "phone",
                entity: g.phone_number(p).to_string(),
                score: parts.patterns + parts.role + parts.gang,
                parts,
                gang: None,
                role: None,
                reasons,
                sources,
            },
        ));
    }
    out
}

/// Leads for people: each individual holding lead phones (claimed by one of
/// his person records), scored from them (see `[person_leads]` in
/// docs/leads.toml), with his records and their persons.csv lines. The
/// lead is named by the first record claiming his best phone.
fn person_leads(
    g: &CaseGraph,
    phone_leads: &[Lead],
    lead_phones: &[u32],
    holders: &Holders,
    c: &config::PersonLeadConfig,
    rc: &config::RankConfig,
) -> Vec<Lead> {
    let individual_of_person = holders.individual_of_person;
    let mut out = Vec::new();
    for (ind, mut held) in lead_phones_by_individual(lead_phones, holders) {
        held.sort_unstable();
        held.dedup();
        held.sort_by(|&a, &b| {
            let (a, b) = (&phone_leads[a], &phone_leads[b]);
            b.score
                .total_cmp(&a.score)
                .then_with(|| a.entity.cmp(&b.entity))
        });
        let best = &phone_leads[held[0]];
        let mut parts = best.parts.clone();
        for &o in &held[1..] {
            let q = &phone_leads[o].parts;
            parts.patterns += c.other_phones * q.patterns;
            parts.role += c.other_phones * q.role;
            parts.gang += c.other_phones * q.gang;
        }
        // His records, those claiming his lead phones first: the lead is
        // named by a record claiming his best phone (the direct evidence).
        let claiming: Vec<u32> = held
            .iter()
            .flat_map(|&li| holders.claimers(lead_phones[li]).collect::<Vec<u32>>())
            .collect();
        let named_by = holders
            .claimers(lead_phones[held[0]])
            .filter(|r| individual_of_person[*r as usize] == ind)
            .min()
            .unwrap_or(holders.records_of_individual[ind as usize][0]);
        let mut records: Vec<u32> = holders.records_of_individual[ind as usize].clone();
        records.sort_by_key(|r| (!claiming.contains(r), *r));
        let phones = held_phone_descriptions(phone_leads, &held);
        let shown = record_descriptions(g, &records);
        let more = records.len().saturating_sub(shown.len());
        let mut reasons = vec![
            format!(
                "holds {} lead phone{}: {}",
                held.len(),
                if held.len() == 1 { "" } else { "s" },
                phones.join(", ")
            ),
            format!(
                "person record{}: {}{}",
                if records.len() == 1 { "" } else { "s" },
                shown.join("; "),
                if more > 0 {
                    format!("; and {more} more")
                } else {
                    String::new()
                }
            ),
        ];
        // The best phone's reasons in full: its rows are cited below, and
        // a row is cited only beside the reason it backs.
        reasons.extend(best.reasons.iter().cloned());
        let mut sources: Vec<String> = records
            .iter()
            .map(|&r| format!("persons.csv:{}", g.persons[r as usize].line))
            .collect();
        for s in &best.sources {
            if !sources.contains(s) {
                sources.push(s.clone());
            }
        }
        sources.truncate(rc.sources_per_lead);
        out.push(Lead {
            rank: 0,
            entity_kind: "person",
            entity: g.str(g.persons[named_by as usize].person_id).to_string(),
            score: parts.patterns + parts.role + parts.gang,
            parts,
            gang: best.gang.clone(),
            role: best.role,
            reasons,
            sources,
        });
    }
    out
}

/// Each individual's lead phones (indices into `lead_phones`), found
/// through the person records claiming them; individuals in id order.
fn lead_phones_by_individual(
    lead_phones: &[u32],
    holders: &Holders,
) -> std::collections::BTreeMap<u32, Vec<usize>> {
    let mut of_individual: std::collections::BTreeMap<u32, Vec<usize>> = Default::default();
    for (li, &p) in lead_phones.iter().enumerate() {
        for person in holders.claimers(p) {
            of_individual
                .entry(holders.individual_of_person[person as usize])
                .or_default()
                .push(li);
        }
    }
    of_individual
}

/// Each held lead phone as the reason names it: its number, its role in
/// its gang when it has one, and its score.
fn held_phone_descriptions(phone_leads: &[Lead], held: &[usize]) -> Vec<String> {
    held.iter()
        .map(|&li| {
            let l = &phone_leads[li];
            match (&l.role, &l.gang) {
                (Some(r), Some(gang)) => format!(
                    "{} ({} of {gang}, score {})",
                    l.entity,
                    r.as_str(),
                    write::num(l.score)
                ),
                _ => format!("{} (score {})", l.entity, write::num(l.score)),
            }
        })
        .collect()
}

/// The first eight of the individual's person records as the reason shows
/// them: person id, name and id number when known.
fn record_descriptions(g: &CaseGraph, records: &[u32]) -> Vec<String> {
    records
        .iter()
        .take(8)
        .map(|&r| {
            let p = &g.persons[r as usize];
            let id = g.str(p.id_number);
            format!(
                "{} {}{}",
                g.str(p.person_id),
                g.str(p.name),
                if id.is_empty() {
                    String::new()
                } else {
                    format!(" (id {id})")
                }
            )
        })
        .collect()
}
