//! Stage 5 of `leads`: gangs as the investigator reads them — every phone
//! of every holder with its role, the confidence that it belongs, the kinds
//! of evidence that tie it in, the source rows behind them, and the
//! gang's incidents, victims, accounts and leadership.
//!
//! Membership confidence of a holder: `s × (1 − ½^k)` for `k` kinds of
//! evidence into the gang and `s` the share of his evidence weight that
//! lies inside it — two kinds and nothing outside give 0.75, four kinds
//! 0.94; a member with most of his ties elsewhere stays low whatever the
//! kinds.
//!
//! # Complexity
//! O(Σ ties and call links of the gangs' phones + fraud incidents × gangs).

use crate::graph::provenance::pair_call_lines;
use crate::graph::{CaseGraph, NONE};
use crate::lead::facts::Facts;
use crate::lead::gang::GangCore;
use crate::lead::role::{self, Holder, Role};
use crate::lead::ties::{kinds_into, kinds_of, weight_into, Evidence, Ties, EVIDENCE};
use crate::lead::units::{Joined, Units};
use crate::lead::{Gang, LeadConfig, Member};
use rustc_hash::FxHashSet;

/// Person records of each phone: the records claiming it, and every record
/// of their individual.
pub struct Holders<'a> {
    pub claims: Vec<(u32, u32)>,
    pub records_of_individual: Vec<Vec<u32>>,
    pub individual_of_person: &'a [u32],
}

impl<'a> Holders<'a> {
    pub fn new(g: &CaseGraph, individual_of_person: &'a [u32], n_individuals: usize) -> Self {
        let mut records_of_individual: Vec<Vec<u32>> = vec![Vec::new(); n_individuals];
        for (p, &i) in individual_of_person.iter().enumerate() {
            records_of_individual[i as usize].push(p as u32);
        }
        let mut claims: Vec<(u32, u32)> = g
            .person_phones
            .iter()
            .filter(|pp| pp.claimed())
            .map(|pp| (pp.phone, pp.person))
            .collect();
        claims.sort_unstable();
        Holders {
            claims,
            records_of_individual,
            individual_of_person,
        }
    }
    /// Records claiming phone `p`.
    pub fn claimers(&self, p: u32) -> impl Iterator<Item = u32> + '_ {
        let lo = self.claims.partition_point(|c| c.0 < p);
        let hi = self.claims.partition_point(|c| c.0 <= p);
        self.claims[lo..hi].iter().map(|c| c.1)
    }
    /// person_ids of every record of the individuals claiming `p`.
    pub fn person_ids(&self, g: &CaseGraph, p: u32) -> Vec<String> {
        let mut persons: Vec<u32> = self
            .claimers(p)
            .flat_map(|person| {
                self.records_of_individual[self.individual_of_person[person as usize] as usize]
                    .iter()
                    .copied()
            })
            .collect();
        persons.sort_unstable();
        persons.dedup();
        persons
            .iter()
            .map(|&r| g.str(g.persons[r as usize].person_id).to_string())
            .collect()
    }
}

/// A member phone, its role given.
pub fn member(
    g: &CaseGraph,
    facts: &Facts,
    holders: &Holders,
    config: &LeadConfig,
    p: u32,
    role: Role,
    reason: String,
) -> Member {
    Member {
        phone: g.phone_number(p).to_string(),
        phone_idx: p,
        role,
        role_reason: reason,
        role_confidence: 0.0,
        confidence: 0.0,
        evidence: Vec::new(),
        score: facts.score[p as usize] + config.roles.weight(role),
        // The records of a fraud SIM's subscriber name an identity, often a
        // stolen one: they are listed apart, never as the gang's people.
        person_ids: if facts.fraud_sim[p as usize] {
            Vec::new()
        } else {
            holders.person_ids(g, p)
        },
        registered_to: if facts.fraud_sim[p as usize] {
            holders.person_ids(g, p)
        } else {
            Vec::new()
        },
        patterns: facts.kinds_of[p as usize].clone(),
        sources: Vec::new(),
    }
}

/// Source rows behind a tie of one kind, from its witness pair.
fn witness_sources(g: &CaseGraph, kind: Evidence, (a, b): (u32, u32)) -> Vec<String> {
    if a == NONE {
        return Vec::new();
    }
    match kind {
        Evidence::Calls => {
            let mut lines = pair_call_lines(g, a, b);
            lines.truncate(2);
            lines.iter().map(|l| format!("calls.csv:{l}")).collect()
        }
        Evidence::Colocation | Evidence::Handset => {
            // A call of each phone at a place / in a handset they share.
            let at = |p: u32, e: &crate::graph::CallEvent| match (kind, e.caller == p) {
                (Evidence::Colocation, true) => e.caller_location,
                (Evidence::Colocation, false) => e.callee_location,
                (_, true) => e.caller_handset,
                (_, false) => e.callee_handset,
            };
            let places = |p: u32| -> FxHashSet<u32> {
                g.events_of(p)
                    .map(|e| at(p, e))
                    .filter(|&x| x != NONE)
                    .collect()
            };
            let (pa, pb) = (places(a), places(b));
            let shared: FxHashSet<u32> = pa.intersection(&pb).copied().collect();
            let first = |p: u32| g.events_of(p).find(|e| shared.contains(&at(p, e)));
            [first(a), first(b)]
                .into_iter()
                .flatten()
                .map(|e| format!("calls.csv:{}", e.line))
                .collect()
        }
        Evidence::Registration => [a, b]
            .iter()
            .flat_map(|&p| g.registrations_of(p).iter().take(1))
            .map(|&r| format!("phones.csv:{}", g.registrations[r as usize].line))
            .collect(),
        Evidence::Incident => vec![format!("incidents.csv:{}", g.incidents[a as usize].line)],
        Evidence::Account => {
            // Reports naming both phones' accounts: the first report of each.
            let mut out = Vec::new();
            for p in [a, b] {
                if let Some(i) = (0..g.incidents.len()).find(|&i| {
                    g.list(g.incidents[i].phones).contains(&p)
                        && !g.list(g.incidents[i].accounts).is_empty()
                }) {
                    out.push(format!("incidents.csv:{}", g.incidents[i].line));
                }
            }
            out
        }
    }
}

/// The gangs found, with roles, confidence, evidence and source rows.
pub fn assemble(
    g: &CaseGraph,
    facts: &Facts,
    units: &Units,
    ties: &Ties,
    cores: &[GangCore],
    holders: &Holders,
    config: &LeadConfig,
) -> Vec<Gang> {
    let gang_of_phone = gang_of_each_phone(g, units, cores);
    let mut gangs = Vec::with_capacity(cores.len());
    for (k, core) in cores.iter().enumerate() {
        let roles = role::assign(&call_profiles(g, facts, units, core), ties);
        let members = members_with_evidence(g, facts, units, ties, holders, config, core, &roles);
        let leadership: Vec<String> = roles
            .leadership
            .iter()
            .map(|&i| g.phone_number(units.phones(core.units[i])[0]).to_string())
            .collect();
        let incidents = fraud_reports_naming_gang(g, facts, &gang_of_phone, k);
        let linked = gangs_called_by_members(g, &members, &gang_of_phone, k);
        let score: f64 = members
            .iter()
            .map(|m| facts.score[m.phone_idx as usize])
            .sum();
        gangs.push(Gang {
            gang_id: format!("G{}", k + 1),
            score,
            cohesion: core.cohesion,
            leadership,
            members,
            incidents: incidents
                .iter()
                .map(|&i| g.str(g.incidents[i as usize].incident_id).to_string())
                .collect(),
            victims: victims_of(g, &incidents),
            accounts: accounts_paid_into(g, &incidents),
            linked_gangs: linked.iter().map(|o| format!("G{}", o + 1)).collect(),
        });
    }
    gangs
}

/// The gang index of every phone of every holder in `cores`, `u32::MAX`
/// for phones in no gang.
fn gang_of_each_phone(g: &CaseGraph, units: &Units, cores: &[GangCore]) -> Vec<u32> {
    let mut gang_of_phone: Vec<u32> = vec![u32::MAX; g.phones.len()];
    for (k, c) in cores.iter().enumerate() {
        for &u in &c.units {
            for &p in units.phones(u) {
                gang_of_phone[p as usize] = k as u32;
            }
        }
    }
    gang_of_phone
}

/// What the role pass needs of each holder of a gang: whether he holds a
/// burner, another fraud SIM or a money phone, and how much he calls anyone.
fn call_profiles(g: &CaseGraph, facts: &Facts, units: &Units, core: &GangCore) -> Vec<Holder> {
    core.units
        .iter()
        .map(|&u| {
            let ph = units.phones(u);
            Holder {
                unit: u,
                burner: ph.iter().any(|&p| facts.burner[p as usize]),
                fraud_sim: ph.iter().any(|&p| facts.fraud_sim[p as usize]),
                money: ph.iter().any(|&p| facts.money[p as usize]),
                all_calls: ph
                    .iter()
                    .map(|&p| {
                        g.calls_from(p).iter().map(|l| l.n_events()).sum::<u32>()
                            + g.calls_to(p).map(|l| l.n_events()).sum::<u32>()
                    })
                    .sum(),
            }
        })
        .collect()
}

/// Every phone of every holder of the gang as a member: his role, his
/// membership confidence, the kinds of evidence tying him in and the source
/// rows behind them, by phone index.
#[allow(clippy::too_many_arguments)]
fn members_with_evidence(
    g: &CaseGraph,
    facts: &Facts,
    units: &Units,
    ties: &Ties,
    holders: &Holders,
    config: &LeadConfig,
    core: &GangCore,
    roles: &role::Roles,
) -> Vec<Member> {
    let set: FxHashSet<u32> = core.units.iter().copied().collect();
    let mut members: Vec<Member> = Vec::new();
    for (i, &u) in core.units.iter().enumerate() {
        let kinds = kinds_into(ties, u, &set);
        let confidence = membership_confidence(ties, u, &set, kinds);
        let (sources, told) = strongest_tie_of_each_kind(g, units, ties, u, &set);
        let r = &roles.of[i];
        let by_calls = if core.by_calls.binary_search(&u).is_ok() {
            let n = ties
                .of(u)
                .iter()
                .filter(|t| set.contains(&t.other) && t.calls > 0)
                .count();
            format!(
                "; joined by repeated calls (calls with {n} of the gang's holders), the only evidence of him"
            )
        } else {
            String::new()
        };
        for &p in units.phones(u) {
            let how = match units.joined[p as usize] {
                Joined::Own => by_calls.clone(),
                Joined::Claimed => format!("; a phone of the same person{by_calls}"),
            };
            let mut m = member(
                g,
                facts,
                holders,
                config,
                p,
                r.role,
                format!(
                    "{} (membership {:.2}: {}{how})",
                    r.reason,
                    confidence,
                    told.join(", ")
                ),
            );
            m.confidence = confidence;
            m.role_confidence = r.confidence;
            m.evidence = kinds_of(kinds);
            m.sources = sources.clone();
            m.sources.sort();
            m.sources.dedup();
            members.push(m);
        }
    }
    members.sort_by_key(|m| m.phone_idx);
    members
}

/// `s × (1 − ½^k)` (see the module doc) for holder `u`, whose ties into
/// the gang `set` are of the kinds `kinds`.
fn membership_confidence(ties: &Ties, u: u32, set: &FxHashSet<u32>, kinds: u8) -> f64 {
    let (inside, all) = weight_into(ties, u, set, false);
    let share = if all > 0.0 { inside / all } else { 0.0 };
    share * (1.0 - 0.5f64.powi(kinds.count_ones() as i32))
}

/// For each kind of evidence, holder `u`'s strongest tie of that kind
/// into the gang `set`: its source rows (one witness per kind) and what it
/// says in words ("12 calls with …", "at a den with … on 3 days").
fn strongest_tie_of_each_kind(
    g: &CaseGraph,
    units: &Units,
    ties: &Ties,
    u: u32,
    set: &FxHashSet<u32>,
) -> (Vec<String>, Vec<String>) {
    let mut sources: Vec<String> = Vec::new();
    let mut told: Vec<String> = Vec::new();
    for kind in EVIDENCE {
        let best = ties
            .of(u)
            .iter()
            .filter(|t| set.contains(&t.other) && t.kinds & kind.bit() != 0)
            .max_by(|a, b| a.weight.total_cmp(&b.weight).then(b.other.cmp(&a.other)));
        if let Some(t) = best {
            sources.extend(witness_sources(g, kind, t.witness[kind as usize]));
            let with = units.phones(t.other)[0];
            told.push(match kind {
                Evidence::Calls => {
                    format!("{} calls with {}", t.calls, g.phone_number(with))
                }
                Evidence::Colocation => format!(
                    "at a den with {} on {} days",
                    g.phone_number(with),
                    t.den_days
                ),
                other => format!("{} shared with {}", other.as_str(), g.phone_number(with)),
            });
        }
    }
    (sources, told)
}

/// The fraud reports naming a phone of gang `k`, in report order.
fn fraud_reports_naming_gang(
    g: &CaseGraph,
    facts: &Facts,
    gang_of_phone: &[u32],
    k: usize,
) -> Vec<u32> {
    let mut incidents: Vec<u32> = Vec::new();
    for &i in &facts.ctx.fraud {
        if g.list(g.incidents[i as usize].phones)
            .iter()
            .any(|&p| gang_of_phone[p as usize] == k as u32)
        {
            incidents.push(i);
        }
    }
    incidents
}

/// The victims named in `incidents`, sorted, each once.
fn victims_of(g: &CaseGraph, incidents: &[u32]) -> Vec<String> {
    let mut victims: Vec<String> = incidents
        .iter()
        .filter_map(|&i| {
            let v = g.str(g.incidents[i as usize].victim_id);
            (!v.is_empty()).then(|| v.to_string())
        })
        .collect();
    victims.sort();
    victims.dedup();
    victims
}

/// The accounts `incidents` say victims paid into, sorted, each once.
fn accounts_paid_into(g: &CaseGraph, incidents: &[u32]) -> Vec<String> {
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
    accounts
}

/// The other gangs that gang `k`'s members call or are called by, by gang
/// index, each once.
fn gangs_called_by_members(
    g: &CaseGraph,
    members: &[Member],
    gang_of_phone: &[u32],
    k: usize,
) -> Vec<u32> {
    let mut linked: Vec<u32> = members
        .iter()
        .flat_map(|m| {
            let p = m.phone_idx;
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
    linked
}
