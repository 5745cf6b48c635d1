//! `casegraph leads`: the nightly job. From a case to ranked leads, each
//! explained back to the source rows behind it.
//!
//! The pipeline, one stage per file:
//! 1. hubs ([`crate::analysis::hubs`]) and entity resolution
//!    ([`crate::resolve`]);
//! 2. pattern detectors ([`patterns`]): burner, SIM swap, phones named in
//!    fraud reports, fan-out to victims, bursts before fraud, money to
//!    accounts, contact with reported numbers, co-location, odd hours;
//! 3. the evidence graph ([`evidence`]) of everything that ties two phones
//!    to one gang, hubs and victims left out;
//! 4. gang candidates ([`gang`]) from its communities, scored by patterns;
//! 5. roles ([`role`]) and brokers between gangs ([`broker`]);
//! 6. leads: ranked phones, and the people holding them, with the score's
//!    parts and reasons; hotspots ([`hotspot`]).
//!
//! [`write`] writes the result files and the manifest. Everything here is
//! deterministic: sorted collections, ties broken by index, Louvain seeded.

pub mod broker;
pub mod config;
pub mod evidence;
pub mod gang;
pub mod hotspot;
pub mod patterns;
pub mod role;
pub mod write;

pub use config::LeadConfig;
pub use role::Role;

use crate::analysis::{ContactConfig, ContactGraph, Hub};
use crate::error::Result;
use crate::graph::provenance::NodeRef;
use crate::graph::CaseGraph;
use crate::model::NodeKind;
use patterns::{Context, Hit, PatternKind};
use std::time::Instant;

/// A member of a gang: one phone, its role, and the person records of its holder.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Member {
    pub phone: String,
    #[serde(skip)]
    pub phone_idx: u32,
    pub role: Role,
    pub role_reason: String,
    pub score: f64,
    pub person_ids: Vec<String>,
    pub patterns: Vec<PatternKind>,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Gang {
    pub gang_id: String,
    pub score: f64,
    pub members: Vec<Member>,
    pub incidents: Vec<String>,
    pub victims: Vec<String>,
    pub accounts: Vec<String>,
    /// Other gangs one of whose phones this gang's phones called.
    pub linked_gangs: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ScoreParts {
    pub patterns: f64,
    pub role: f64,
    pub gang: f64,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Lead {
    pub rank: u32,
    pub entity_kind: &'static str,
    pub entity: String,
    pub score: f64,
    pub parts: ScoreParts,
    pub gang: Option<String>,
    pub role: Option<Role>,
    pub reasons: Vec<String>,
    pub sources: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Timing {
    pub stage: &'static str,
    pub seconds: f64,
}

/// Everything one run found.
#[derive(Debug, Clone)]
pub struct LeadRun {
    pub hubs: Vec<Hub>,
    pub n_individuals: usize,
    pub hits: Vec<Hit>,
    pub evidence_links: usize,
    pub gangs: Vec<Gang>,
    pub leads: Vec<Lead>,
    pub hotspots: Vec<hotspot::Hotspot>,
    pub timings: Vec<Timing>,
}

fn role_weight(w: &config::RoleWeights, r: Role) -> f64 {
    match r {
        Role::Boss => w.boss,
        Role::Lieutenant => w.lieutenant,
        Role::Broker => w.broker,
        Role::Operator => w.operator,
        Role::Mule => w.mule,
    }
}

/// Run the pipeline on a case.
pub fn run(g: &CaseGraph, config: &LeadConfig) -> Result<LeadRun> {
    let mut timings = Vec::new();
    let mut clock = Instant::now();
    let mut lap = |stage: &'static str, timings: &mut Vec<Timing>| {
        timings.push(Timing {
            stage,
            seconds: clock.elapsed().as_secs_f64(),
        });
        clock = Instant::now();
    };
    let n = g.phones.len();

    let cc = ContactGraph::from_case(
        g,
        &ContactConfig {
            hubs: config.hub_config(),
            ..Default::default()
        },
    )?;
    let hubs = cc.hubs.clone();
    drop(cc);
    let mut is_hub = vec![false; n];
    for h in &hubs {
        is_hub[h.phone_idx as usize] = true;
    }
    lap("hubs", &mut timings);

    let resolution = crate::resolve::resolve(g, &crate::resolve::ResolveConfig::default())?;
    lap("resolve", &mut timings);

    let ctx = Context::new(
        g,
        is_hub,
        &resolution.individual_of_person,
        &config.burner,
        (config.odd_hours.from_hour, config.odd_hours.to_hour),
    );
    // A burner calls hundreds of numbers once each, which is also how a
    // service number looks from the contact graph; but a service number
    // takes calls for months, and a burner makes them for days. Phones that
    // pass the burner test are not left out as hubs.
    let mut ctx = ctx;
    for h in &hubs {
        let p = h.phone_idx as usize;
        if patterns::burner::is_burner(&ctx.profiles[p], &config.burner, ctx.case_days) {
            ctx.is_hub[p] = false;
        }
    }
    let hubs: Vec<Hub> = hubs
        .into_iter()
        .filter(|h| ctx.is_hub[h.phone_idx as usize])
        .collect();
    let mut hits = Vec::new();
    let swapped = patterns::sim_swap::swapped_handsets(&ctx, &config.sim_swap);
    hits.extend(patterns::burner::detect(&ctx, &config.burner, &swapped));
    hits.extend(patterns::sim_swap::detect(&ctx, &config.sim_swap));
    hits.extend(patterns::incident_contact::detect_named(&ctx));
    hits.extend(patterns::fan_out_victims::detect(&ctx, &config.fan_out));
    hits.extend(patterns::burst::detect(&ctx, &config.burst));
    let money = patterns::money_to_accounts::detect(&ctx);
    let account_phones: Vec<Vec<u32>> = money.iter().map(|h| h.phones.clone()).collect();
    hits.extend(money.into_iter().filter(|h| h.sources.len() >= 2));
    hits.extend(patterns::odd_hours::detect(&ctx, &config.odd_hours));
    let mut is_suspect = vec![false; n];
    let mut is_burner = vec![false; n];
    for h in &hits {
        if h.kind.is_seed() && h.entity.kind == NodeKind::Phone {
            is_suspect[h.entity.idx as usize] = true;
        }
        if h.kind == PatternKind::Burner {
            is_burner[h.entity.idx as usize] = true;
        }
    }
    // SIMs rotated through a suspect's handset are suspects too.
    for (_, sims) in &swapped {
        if sims.iter().any(|&p| is_suspect[p as usize]) {
            for &p in sims {
                if ctx.eligible(p) {
                    is_suspect[p as usize] = true;
                }
            }
        }
    }
    hits.extend(patterns::incident_contact::detect_contacts(
        &ctx, &is_burner,
    ));
    let colocated = patterns::colocation::colocated_pairs(&ctx, &config.colocation, &is_suspect);
    hits.extend(patterns::colocation::detect(&ctx, &colocated));
    hits.sort_by(|a, b| (a.kind, a.entity, &a.phones).cmp(&(b.kind, b.entity, &b.phones)));
    lap("patterns", &mut timings);

    // Each phone's pattern score: the weight of each kind it shows, once.
    let pw = &config.patterns;
    let weight = |k: PatternKind| match k {
        PatternKind::Burner => pw.burner,
        PatternKind::SimSwap => pw.sim_swap,
        PatternKind::IncidentPhone => pw.incident_phone,
        PatternKind::FanOutVictims => pw.fan_out_victims,
        PatternKind::Burst => pw.burst,
        PatternKind::MoneyToAccounts => pw.money_to_accounts,
        PatternKind::IncidentContact => pw.incident_contact,
        PatternKind::Colocation => pw.colocation,
        PatternKind::OddHours => pw.odd_hours,
    };
    let mut kinds_of: Vec<Vec<PatternKind>> = vec![Vec::new(); n];
    let mut hits_of: Vec<Vec<usize>> = vec![Vec::new(); n];
    for (i, h) in hits.iter().enumerate() {
        let mut phones: Vec<u32> = Vec::new();
        match h.entity.kind {
            NodeKind::Phone => {
                phones.push(h.entity.idx);
                if h.kind == PatternKind::Colocation {
                    phones.extend(h.phones.iter().copied());
                }
            }
            NodeKind::Handset => phones.extend(h.phones.iter().copied()),
            _ => {}
        }
        for p in phones {
            kinds_of[p as usize].push(h.kind);
            hits_of[p as usize].push(i);
        }
    }
    for k in kinds_of.iter_mut() {
        k.sort_unstable();
        k.dedup();
    }
    let phone_score: Vec<f64> = kinds_of
        .iter()
        .map(|ks| ks.iter().map(|&k| weight(k)).sum())
        .collect();

    let eg = evidence::build(
        g,
        &evidence::Inputs {
            ctx: &ctx,
            weights: &config.links,
            individual_of_person: &resolution.individual_of_person,
            is_burner: &is_burner,
            is_suspect: &is_suspect,
            swapped: &swapped,
            account_phones: &account_phones,
            colocated: &colocated,
        },
    )?;
    let evidence_links = eg.n_edges();
    lap("evidence", &mut timings);

    let has = |k: PatternKind| {
        let mut v = vec![false; n];
        for h in hits
            .iter()
            .filter(|h| h.kind == k && h.entity.kind == NodeKind::Phone)
        {
            v[h.entity.idx as usize] = true;
        }
        v
    };
    let odd = has(PatternKind::OddHours);
    let contact = has(PatternKind::IncidentContact);
    let ties = |p: u32| call_ties(g, &ctx, p);
    let strong: Vec<bool> = (0..n)
        .map(|p| is_suspect[p] && kinds_of[p].len() >= 2)
        .collect();
    let callees = |p: u32| {
        g.calls_from(p)
            .iter()
            .map(|l| l.callee)
            .collect::<Vec<u32>>()
    };
    let cands = gang::candidates(
        &eg,
        &gang::PhoneFacts {
            score: &phone_score,
            suspect: &is_suspect,
            burner: &is_burner,
            strong_suspect: &strong,
            odd_hours: &odd,
            incident_contact: &contact,
            colocated: &colocated,
            ties: &ties,
            callees: &callees,
        },
        &config.gangs,
    )?;
    lap("gangs", &mut timings);

    // Person records per phone: the records claiming it, and every record of
    // their individual.
    let mut records_of_individual: Vec<Vec<u32>> = vec![Vec::new(); resolution.n_individuals()];
    for (p, &i) in resolution.individual_of_person.iter().enumerate() {
        records_of_individual[i as usize].push(p as u32);
    }
    let mut claims: Vec<(u32, u32)> = g
        .person_phones
        .iter()
        .filter(|pp| pp.claimed())
        .map(|pp| (pp.phone, pp.person))
        .collect();
    claims.sort_unstable();
    let claimers = |p: u32| {
        let lo = claims.partition_point(|c| c.0 < p);
        let hi = claims.partition_point(|c| c.0 <= p);
        claims[lo..hi].iter().map(|c| c.1)
    };
    let mut gang_of_phone: Vec<u32> = vec![u32::MAX; n];
    for (k, c) in cands.iter().enumerate() {
        for &p in &c.phones {
            gang_of_phone[p as usize] = k as u32;
        }
    }
    let colocated_with_suspect: Vec<bool> = {
        let mut v = vec![false; n];
        for &(a, b, _) in &colocated {
            v[a as usize] = true;
            v[b as usize] = true;
        }
        v
    };
    let member = |p: u32, role: Role, reason: String| {
        let mut persons: Vec<u32> = claimers(p)
            .flat_map(|person| {
                records_of_individual[resolution.individual_of_person[person as usize] as usize]
                    .iter()
                    .copied()
            })
            .collect();
        persons.sort_unstable();
        persons.dedup();
        Member {
            phone: g.phone_number(p).to_string(),
            phone_idx: p,
            role,
            role_reason: reason,
            score: phone_score[p as usize] + role_weight(&config.roles, role),
            person_ids: persons
                .iter()
                .map(|&r| g.str(g.persons[r as usize].person_id).to_string())
                .collect(),
            patterns: kinds_of[p as usize].clone(),
        }
    };
    let mut gangs = Vec::new();
    let mut linked_idx: Vec<Vec<u32>> = Vec::new();
    for (k, c) in cands.iter().enumerate() {
        let gang_id = format!("G{}", k + 1);
        let core = |p: u32| is_suspect[p as usize];
        let den = |p: u32| {
            colocated_with_suspect[p as usize]
                && colocated.iter().any(|&(a, b, _)| {
                    (a == p && is_suspect[b as usize] && gang_of_phone[b as usize] == k as u32)
                        || (b == p
                            && is_suspect[a as usize]
                            && gang_of_phone[a as usize] == k as u32)
                })
        };
        let roles = role::assign(&c.phones, &core, &den, &ties);
        let mut members = Vec::new();
        for (&p, (role, reason)) in c.phones.iter().zip(roles) {
            members.push(member(p, role, reason));
        }
        let mut incidents: Vec<u32> = Vec::new();
        for &i in &ctx.fraud {
            if g.list(g.incidents[i as usize].phones)
                .iter()
                .any(|&p| gang_of_phone[p as usize] == k as u32)
            {
                incidents.push(i);
            }
        }
        let mut victims: Vec<String> = incidents
            .iter()
            .filter_map(|&i| {
                let inc = &g.incidents[i as usize];
                let v = g.str(inc.victim_id);
                (!v.is_empty()).then(|| v.to_string())
            })
            .collect();
        victims.sort();
        victims.dedup();
        let mut accounts: Vec<String> = incidents
            .iter()
            .flat_map(|&i| {
                g.list(g.incidents[i as usize].accounts)
                    .iter()
                    .map(|&a| g.str(g.accounts[a as usize]).to_string())
            })
            .collect();
        accounts.sort();
        accounts.dedup();
        let mut linked: Vec<u32> = c
            .phones
            .iter()
            .flat_map(|&p| {
                g.calls_from(p)
                    .iter()
                    .map(|l| l.callee)
                    .chain(g.calls_to(p).map(|l| l.caller))
                    .collect::<Vec<_>>()
            })
            .map(|q| gang_of_phone[q as usize])
            .filter(|&o| o != u32::MAX && o != k as u32)
            .collect();
        linked.sort_unstable();
        linked.dedup();
        linked_idx.push(linked.clone());
        gangs.push(Gang {
            gang_id,
            score: c.score,
            members,
            incidents: incidents
                .iter()
                .map(|&i| g.str(g.incidents[i as usize].incident_id).to_string())
                .collect(),
            victims,
            accounts,
            linked_gangs: linked.iter().map(|o| format!("G{}", o + 1)).collect(),
        });
    }

    // Brokers between gangs.
    let gang_phones: Vec<Vec<u32>> = cands.iter().map(|c| c.phones.clone()).collect();
    let mut leader = vec![false; n];
    for gang in &gangs {
        for m in &gang.members {
            leader[m.phone_idx as usize] = matches!(m.role, Role::Boss | Role::Lieutenant);
        }
    }
    let brokers = broker::find(
        &broker::Inputs {
            members: &gang_phones,
            suspect: &is_suspect,
            leader: &leader,
            eligible: &|p| ctx.eligible(p),
            ties: &ties,
            evidence: &eg,
        },
        &config.brokers,
        config.gangs.max_member_contacts,
    )?;
    drop(eg);
    for b in &brokers {
        let spans: Vec<String> = b
            .gangs
            .iter()
            .map(|&(k, events, members)| {
                format!(
                    "{events} calls with the boss or lieutenants of G{} ({members} phone{})",
                    k + 1,
                    if members == 1 { "" } else { "s" }
                )
            })
            .collect();
        let reason = format!(
            "broker: {}; lies between them (betweenness {:.3} among the gangs' phones)",
            spans.join(", "),
            b.betweenness
        );
        let p = b.phone;
        match gang_of_phone[p as usize] {
            u32::MAX => {
                // Joins the gang he is most in touch with (ties: lowest gang).
                let home = b
                    .gangs
                    .iter()
                    .max_by(|x, y| x.1.cmp(&y.1).then(y.0.cmp(&x.0)))
                    .map(|x| x.0)
                    .expect("a broker spans gangs");
                let members = &mut gangs[home].members;
                let at = members.partition_point(|m| m.phone_idx < p);
                members.insert(at, member(p, Role::Broker, reason));
                gang_of_phone[p as usize] = home as u32;
            }
            k => {
                let m = gangs[k as usize]
                    .members
                    .iter_mut()
                    .find(|m| m.phone_idx == p)
                    .expect("a member of its gang");
                if m.role != Role::Boss {
                    m.score += role_weight(&config.roles, Role::Broker)
                        - role_weight(&config.roles, m.role);
                    m.role = Role::Broker;
                    m.role_reason = reason;
                }
            }
        }
        for &(a, _, _) in &b.gangs {
            for &(o, _, _) in &b.gangs {
                if o != a {
                    linked_idx[a].push(o as u32);
                }
            }
        }
    }
    for (gang, linked) in gangs.iter_mut().zip(linked_idx.iter_mut()) {
        linked.sort_unstable();
        linked.dedup();
        gang.linked_gangs = linked.iter().map(|o| format!("G{}", o + 1)).collect();
    }
    lap("roles", &mut timings);

    // Leads: every phone in a gang or showing a seed pattern.
    let mut member_of: Vec<Option<(usize, usize)>> = vec![None; n];
    for (gi, gang) in gangs.iter().enumerate() {
        for (mi, m) in gang.members.iter().enumerate() {
            member_of[m.phone_idx as usize] = Some((gi, mi));
        }
    }
    let mut leads: Vec<Lead> = Vec::new();
    let mut lead_phones: Vec<u32> = Vec::new();
    for p in 0..n {
        let in_gang = member_of[p];
        if in_gang.is_none() && !is_suspect[p] {
            continue;
        }
        let (role, gang_id, gang_part, role_reason) = match in_gang {
            Some((gi, mi)) => {
                let m = &gangs[gi].members[mi];
                (
                    Some(m.role),
                    Some(gangs[gi].gang_id.clone()),
                    (gangs[gi].score / 10.0).min(3.0),
                    Some(format!(
                        "member of gang {} as {}",
                        gangs[gi].gang_id, m.role_reason
                    )),
                )
            }
            None => (None, None, 0.0, None),
        };
        let role_part = role.map(|r| role_weight(&config.roles, r)).unwrap_or(0.0);
        let mut reasons: Vec<String> = Vec::new();
        reasons.extend(role_reason);
        let mut sources: Vec<String> = Vec::new();
        for &i in &hits_of[p] {
            let h = &hits[i];
            if h.kind == PatternKind::Colocation
                && reasons.iter().any(|r| r.starts_with("co-located"))
            {
                continue;
            }
            reasons.push(h.reason.clone());
            sources.extend(h.sources.iter().take(4).cloned());
        }
        sources.sort();
        sources.dedup();
        sources.truncate(16);
        let parts = ScoreParts {
            patterns: phone_score[p],
            role: role_part,
            gang: gang_part,
        };
        lead_phones.push(p as u32);
        leads.push(Lead {
            rank: 0,
            entity_kind: "phone",
            entity: g.phone_number(p as u32).to_string(),
            score: parts.patterns + parts.role + parts.gang,
            parts,
            gang: gang_id,
            role,
            reasons,
            sources,
        });
    }
    leads.extend(person_leads(
        g,
        &leads,
        &lead_phones,
        &claimers,
        &resolution.individual_of_person,
        &records_of_individual,
        &config.person_leads,
    ));
    leads.sort_by(|a, b| {
        b.score
            .total_cmp(&a.score)
            .then_with(|| a.entity.cmp(&b.entity))
    });
    if config.max_leads > 0 {
        leads.truncate(config.max_leads);
    }
    for (i, l) in leads.iter_mut().enumerate() {
        l.rank = i as u32 + 1;
    }
    let hotspots = hotspot::hotspots(g);
    lap("leads", &mut timings);

    Ok(LeadRun {
        hubs,
        n_individuals: resolution.n_individuals(),
        hits,
        evidence_links,
        gangs,
        leads,
        hotspots,
        timings,
    })
}

/// Leads for people: each individual holding lead phones (claimed by one of
/// his person records), scored from them (see `[person_leads]` in
/// docs/leads.toml), with his records and their persons.csv lines. The
/// lead is named by the first record claiming his best phone.
fn person_leads<I: Iterator<Item = u32>>(
    g: &CaseGraph,
    phone_leads: &[Lead],
    lead_phones: &[u32],
    claimers: &dyn Fn(u32) -> I,
    individual_of_person: &[u32],
    records_of_individual: &[Vec<u32>],
    c: &config::PersonLeadConfig,
) -> Vec<Lead> {
    let mut of_individual: std::collections::BTreeMap<u32, Vec<usize>> = Default::default();
    for (li, &p) in lead_phones.iter().enumerate() {
        for person in claimers(p) {
            of_individual
                .entry(individual_of_person[person as usize])
                .or_default()
                .push(li);
        }
    }
    let mut out = Vec::new();
    for (ind, mut held) in of_individual {
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
        // named by a record claiming his best phone (the direct evidence),
        // not by whichever record resolution happened to list first.
        let claiming: Vec<u32> = held
            .iter()
            .flat_map(|&li| claimers(lead_phones[li]).collect::<Vec<u32>>())
            .collect();
        let named_by = claimers(lead_phones[held[0]])
            .filter(|r| individual_of_person[*r as usize] == ind)
            .min()
            .unwrap_or(records_of_individual[ind as usize][0]);
        let mut records: Vec<u32> = records_of_individual[ind as usize].clone();
        records.sort_by_key(|r| (!claiming.contains(r), *r));
        let records = &records;
        let phones: Vec<String> = held
            .iter()
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
            .collect();
        let shown: Vec<String> = records
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
            .collect();
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
        reasons.extend(best.reasons.iter().take(1).cloned());
        let mut sources: Vec<String> = records
            .iter()
            .map(|&r| format!("persons.csv:{}", g.persons[r as usize].line))
            .collect();
        for s in &best.sources {
            if !sources.contains(s) {
                sources.push(s.clone());
            }
        }
        sources.truncate(16);
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

/// Call events between `p` and each other eligible phone, by phone.
pub fn call_ties(g: &CaseGraph, ctx: &Context, p: u32) -> Vec<(u32, u32)> {
    let mut v: Vec<(u32, u32)> = g
        .calls_from(p)
        .iter()
        .map(|l| (l.callee, l.n_events()))
        .chain(g.calls_to(p).map(|l| (l.caller, l.n_events())))
        .filter(|&(q, _)| q != p && ctx.eligible(q))
        .collect();
    v.sort_unstable();
    let mut out: Vec<(u32, u32)> = Vec::with_capacity(v.len());
    for (q, k) in v {
        match out.last_mut() {
            Some(last) if last.0 == q => last.1 += k,
            _ => out.push((q, k)),
        }
    }
    out
}

/// A phone as a node reference.
pub fn phone_node(p: u32) -> NodeRef {
    NodeRef {
        kind: NodeKind::Phone,
        idx: p,
    }
}
