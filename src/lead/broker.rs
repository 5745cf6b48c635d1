//! Brokers: phones that bridge gangs. A go-between deals with the people
//! of two gangs that otherwise keep apart; take him away and the gangs
//! lose their tie.
//!
//! The rule, both parts must hold:
//! 1. *Contacts span gangs*: the phone has at least `min_events` call
//!    events with the leadership (boss or lieutenants) of each of at least
//!    `min_gangs` gangs (its own gang counts when it is a member): a
//!    go-between deals with those who decide, while a relative of an
//!    operator in one gang and of a mule in another is family, not a tie
//!    between gangs. It is not a suspect SIM (burner,
//!    phone named in reports, fan-out: operators' tools, not people), and
//!    it has at most the case's bound on an ordinary circle of contacts (a switchboard or a
//!    shop talks to everyone).
//! 2. *It lies between them*: in the evidence graph restricted to the
//!    gangs' phones and these candidates, its betweenness (unweighted,
//!    normalised; [`crate::analysis::betweenness`]) is above zero — some
//!    shortest chain between two of those phones runs through it.
//!    Betweenness is computed exactly, but only on that small subgraph
//!    (gang members and candidates, hundreds of phones even in a city),
//!    never on the whole case.
//!
//! # Complexity
//! O(Σ contacts of members) to count, then Brandes on the subgraph:
//! O(S · E_S) for its S phones and E_S links.

use crate::analysis::betweenness::{betweenness, Sources};
use crate::analysis::ContactGraph;
use crate::error::Result;
use crate::lead::config::BrokerConfig;
use crate::model::NodeKind;
use rustc_hash::FxHashMap;
use std::collections::BTreeMap;

/// A gang a candidate reaches: (gang index, call events with its
/// leadership, leaders in contact).
type Span = (usize, u32, u32);

/// A phone found bridging gangs.
#[derive(Debug, Clone, PartialEq)]
pub struct Broker {
    pub phone: u32,
    /// (gang index, call events with its leadership, leaders in contact), by gang index.
    pub gangs: Vec<(usize, u32, u32)>,
    /// Normalised betweenness in the gangs' subgraph.
    pub betweenness: f64,
}

/// What [`find`] looks at.
pub struct Inputs<'a> {
    /// Phones of each gang, sorted.
    pub members: &'a [Vec<u32>],
    /// Suspect SIMs (never brokers; their calls are not counted).
    pub suspect: &'a [bool],
    /// Members labelled boss or lieutenant: only calls with them count.
    pub leader: &'a [bool],
    /// Phones that can be suspects at all (not service numbers, not victims').
    pub eligible: &'a dyn Fn(u32) -> bool,
    /// Call events with each other phone: `ties(p)`.
    pub ties: &'a dyn Fn(u32) -> Vec<(u32, u32)>,
    /// The evidence graph (node = phone).
    pub evidence: &'a ContactGraph,
}

/// Brokers under `c`, by phone index.
pub fn find(inp: &Inputs, c: &BrokerConfig, max_contacts: usize) -> Result<Vec<Broker>> {
    // (phone, gang) -> (events, members in contact)
    let mut span: BTreeMap<(u32, usize), (u32, u32)> = BTreeMap::new();
    for (k, phones) in inp.members.iter().enumerate() {
        for &m in phones {
            if inp.suspect[m as usize] || !inp.leader[m as usize] {
                continue;
            }
            for (q, n) in (inp.ties)(m) {
                if q == m || inp.suspect[q as usize] || !(inp.eligible)(q) {
                    continue;
                }
                let e = span.entry((q, k)).or_insert((0, 0));
                e.0 += n;
                e.1 += 1;
            }
        }
    }
    let mut candidates: Vec<(u32, Vec<Span>)> = Vec::new();
    let mut current: Option<(u32, Vec<Span>)> = None;
    for (&(q, k), &(events, members)) in &span {
        if events < c.min_events {
            continue;
        }
        match &mut current {
            Some((p, v)) if *p == q => v.push((k, events, members)),
            _ => {
                if let Some(done) = current.take() {
                    candidates.push(done);
                }
                current = Some((q, vec![(k, events, members)]));
            }
        }
    }
    candidates.extend(current);
    candidates.retain(|(q, gangs)| {
        gangs.len() >= c.min_gangs.max(2) && (inp.ties)(*q).len() <= max_contacts
    });
    if candidates.is_empty() {
        return Ok(Vec::new());
    }

    // The gangs' subgraph of the evidence graph.
    let mut nodes: Vec<u32> = inp.members.iter().flatten().copied().collect();
    nodes.extend(candidates.iter().map(|c| c.0));
    nodes.sort_unstable();
    nodes.dedup();
    let local: FxHashMap<u32, u32> = nodes
        .iter()
        .enumerate()
        .map(|(i, &p)| (p, i as u32))
        .collect();
    let mut pairs = Vec::new();
    for (i, &p) in nodes.iter().enumerate() {
        for (&q, &w) in inp
            .evidence
            .neighbours(p)
            .iter()
            .zip(inp.evidence.weights(p))
        {
            if let Some(&j) = local.get(&q) {
                if (i as u32) < j {
                    pairs.push((i as u32, j, w));
                }
            }
        }
    }
    let labels = nodes
        .iter()
        .map(|&p| (NodeKind::Phone, inp.evidence.name(p).to_string()))
        .collect();
    let sub = ContactGraph::from_pairs(labels, pairs, Vec::new())?;
    let bc = betweenness(&sub, Sources::All, false, true)?;
    Ok(candidates
        .into_iter()
        .filter_map(|(phone, gangs)| {
            let b = bc[local[&phone] as usize];
            (b > 0.0).then_some(Broker {
                phone,
                gangs,
                betweenness: b,
            })
        })
        .collect())
}

/// Stage 5b of `leads`: find the brokers between `gangs` and write them in:
/// a broker outside every gang joins the gang he deals with most, a member
/// who is one (not the boss) takes the role; gangs he spans are linked.
/// The phone-level evidence graph ([`crate::lead::evidence`]) gives the
/// betweenness; `contact_bound` is the case's bound on an ordinary
/// phone's circle (see [`crate::lead::ties::contact_bound`]).
#[allow(clippy::too_many_arguments)]
pub fn attach(
    g: &crate::graph::CaseGraph,
    facts: &crate::lead::facts::Facts,
    individual_of_person: &[u32],
    holders: &crate::lead::members::Holders,
    gangs: &mut [crate::lead::Gang],
    contact_bound: usize,
    config: &crate::lead::LeadConfig,
) -> Result<()> {
    let ctx = &facts.ctx;
    let ties = |p: u32| crate::lead::call_ties(g, ctx, p);
    let eg = phone_evidence_graph(g, facts, individual_of_person, config)?;
    let gang_phones: Vec<Vec<u32>> = gangs
        .iter()
        .map(|gang| gang.members.iter().map(|m| m.phone_idx).collect())
        .collect();
    let (leader, mut gang_of_phone) = leaders_and_gang_of_each_phone(gangs, g.phones.len());
    let brokers = find(
        &Inputs {
            members: &gang_phones,
            suspect: &facts.fraud_sim,
            leader: &leader,
            eligible: &|p| ctx.eligible(p),
            ties: &ties,
            evidence: &eg,
        },
        &config.brokers,
        contact_bound,
    )?;
    let mut linked = linked_gang_indices(gangs);
    for b in &brokers {
        let reason = why_a_broker(b);
        let sources = calls_with_each_leadership(g, facts, b, &gang_of_phone, &leader);
        let p = b.phone;
        match gang_of_phone[p as usize] {
            u32::MAX => {
                let home = gang_dealt_with_most(b);
                let m = outsider_as_broker(g, facts, holders, config, b, reason, sources);
                let list = &mut gangs[home].members;
                let at = list.partition_point(|x| x.phone_idx < p);
                list.insert(at, m);
                gang_of_phone[p as usize] = home as u32;
            }
            k => member_as_broker(&mut gangs[k as usize].members, config, b, reason, sources),
        }
        for &(a, _, _) in &b.gangs {
            for &(o, _, _) in &b.gangs {
                if o != a {
                    linked[a].push(o as u32);
                }
            }
        }
    }
    for (gang, mut l) in gangs.iter_mut().zip(linked) {
        l.sort_unstable();
        l.dedup();
        gang.linked_gangs = l.iter().map(|o| format!("G{}", o + 1)).collect();
    }
    Ok(())
}

/// The phone-level evidence graph of the case ([`crate::lead::evidence`]),
/// the one betweenness is measured on.
fn phone_evidence_graph(
    g: &crate::graph::CaseGraph,
    facts: &crate::lead::facts::Facts,
    individual_of_person: &[u32],
    config: &crate::lead::LeadConfig,
) -> Result<ContactGraph> {
    crate::lead::evidence::build(
        g,
        &crate::lead::evidence::Inputs {
            ctx: &facts.ctx,
            weights: &config.links,
            individual_of_person,
            is_burner: &facts.burner,
            is_suspect: &facts.fraud_sim,
            swapped: &facts.swapped,
            account_phones: &facts.account_phones,
            colocated: &facts.colocated,
        },
    )
}

/// For every phone of the case: whether it is in a gang's leadership (boss,
/// lieutenant, or listed in the leadership when no boss stands out), and
/// its gang index (`u32::MAX` outside every gang).
fn leaders_and_gang_of_each_phone(
    gangs: &[crate::lead::Gang],
    n_phones: usize,
) -> (Vec<bool>, Vec<u32>) {
    use crate::lead::Role;
    let mut leader = vec![false; n_phones];
    let mut gang_of_phone = vec![u32::MAX; n_phones];
    for (k, gang) in gangs.iter().enumerate() {
        for m in &gang.members {
            leader[m.phone_idx as usize] = matches!(m.role, Role::Boss | Role::Lieutenant)
                || gang.leadership.contains(&m.phone);
            gang_of_phone[m.phone_idx as usize] = k as u32;
        }
    }
    (leader, gang_of_phone)
}

/// The gangs each gang is already linked to (its `linked_gangs`, "G3" read
/// back as index 2).
fn linked_gang_indices(gangs: &[crate::lead::Gang]) -> Vec<Vec<u32>> {
    gangs
        .iter()
        .map(|gang| {
            gang.linked_gangs
                .iter()
                .filter_map(|x| x[1..].parse::<u32>().ok().map(|k| k - 1))
                .collect()
        })
        .collect()
}

/// The broker's role reason: his calls with each gang's leadership, and
/// his betweenness among the gangs' phones.
fn why_a_broker(b: &Broker) -> String {
    let spans: Vec<String> = b
        .gangs
        .iter()
        .map(|&(k, events, members)| {
            format!(
                "{events} calls with the leadership of G{} ({members} phone{})",
                k + 1,
                if members == 1 { "" } else { "s" }
            )
        })
        .collect();
    format!(
        "broker: {}; lies between them (betweenness {:.3} among the gangs' phones)",
        spans.join(", "),
        b.betweenness
    )
}

/// Source rows: for each gang the broker spans, the first two calls.csv
/// lines of his calls with the leader he calls most (ties: lowest phone).
fn calls_with_each_leadership(
    g: &crate::graph::CaseGraph,
    facts: &crate::lead::facts::Facts,
    b: &Broker,
    gang_of_phone: &[u32],
    leader: &[bool],
) -> Vec<String> {
    let mut sources: Vec<String> = Vec::new();
    for &(k, _, _) in &b.gangs {
        if let Some((q, _)) = crate::lead::call_ties(g, &facts.ctx, b.phone)
            .into_iter()
            .filter(|&(q, _)| gang_of_phone[q as usize] == k as u32 && leader[q as usize])
            .max_by_key(|&(q, n)| (n, std::cmp::Reverse(q)))
        {
            let mut lines = crate::graph::provenance::call_link_lines(g, b.phone, q);
            lines.extend(crate::graph::provenance::call_link_lines(g, q, b.phone));
            lines.sort_unstable();
            sources.extend(lines.iter().take(2).map(|l| format!("calls.csv:{l}")));
        }
    }
    sources
}

/// The gang a broker outside every gang joins: the one he has most call
/// events with (ties: lowest gang).
fn gang_dealt_with_most(b: &Broker) -> usize {
    b.gangs
        .iter()
        .max_by(|x, y| x.1.cmp(&y.1).then(y.0.cmp(&x.0)))
        .map(|x| x.0)
        .expect("a broker spans gangs")
}

/// A broker from outside every gang as a member: role broker, calls as his
/// evidence, membership confidence 0.5.
fn outsider_as_broker(
    g: &crate::graph::CaseGraph,
    facts: &crate::lead::facts::Facts,
    holders: &crate::lead::members::Holders,
    config: &crate::lead::LeadConfig,
    b: &Broker,
    reason: String,
    sources: Vec<String>,
) -> crate::lead::Member {
    use crate::lead::Role;
    let mut m =
        crate::lead::members::member(g, facts, holders, config, b.phone, Role::Broker, reason);
    m.evidence = vec![crate::lead::ties::Evidence::Calls];
    m.confidence = 0.5;
    m.role_confidence = (b.betweenness * 2.0).min(1.0);
    m.sources = sources;
    m
}

/// A gang member found to be a broker takes the role, unless he is the
/// boss; his score moves from his old role's weight to the broker's.
fn member_as_broker(
    members: &mut [crate::lead::Member],
    config: &crate::lead::LeadConfig,
    b: &Broker,
    reason: String,
    sources: Vec<String>,
) {
    use crate::lead::Role;
    let m = members
        .iter_mut()
        .find(|m| m.phone_idx == b.phone)
        .expect("a member of its gang");
    if m.role != Role::Boss {
        m.score += config.roles.weight(Role::Broker) - config.roles.weight(m.role);
        m.role = Role::Broker;
        m.role_reason = reason;
        m.role_confidence = (b.betweenness * 2.0).min(1.0);
        m.sources.extend(sources);
        m.sources.sort();
        m.sources.dedup();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Gang A = {0, 1}, gang B = {2, 3}; phone 4 talks to 1 and 2; phone 5
    /// talks only to 1; phone 6 talks to 1 and 3 once each.
    #[allow(clippy::type_complexity)]
    fn case() -> (Vec<Vec<u32>>, Vec<(u32, u32, u32)>) {
        let members = vec![vec![0, 1], vec![2, 3]];
        let calls = vec![
            (0, 1, 5),
            (2, 3, 5),
            (4, 1, 3),
            (4, 2, 4),
            (5, 1, 6),
            (6, 1, 1),
            (6, 3, 1),
        ];
        (members, calls)
    }

    fn run(members: &[Vec<u32>], calls: &[(u32, u32, u32)], suspect: &[bool]) -> Vec<Broker> {
        run_led(members, calls, suspect, &[true; 7])
    }

    fn run_led(
        members: &[Vec<u32>],
        calls: &[(u32, u32, u32)],
        suspect: &[bool],
        leader: &[bool],
    ) -> Vec<Broker> {
        let ties = |p: u32| {
            let mut v: Vec<(u32, u32)> = calls
                .iter()
                .filter_map(|&(a, b, n)| {
                    if a == p {
                        Some((b, n))
                    } else if b == p {
                        Some((a, n))
                    } else {
                        None
                    }
                })
                .collect();
            v.sort_unstable();
            v
        };
        let labels = (0..7).map(|i| (NodeKind::Phone, format!("p{i}"))).collect();
        let eg = ContactGraph::from_pairs(
            labels,
            calls.iter().map(|&(a, b, n)| (a, b, n as f64)).collect(),
            Vec::new(),
        )
        .unwrap();
        find(
            &Inputs {
                members,
                suspect,
                leader,
                eligible: &|_| true,
                ties: &ties,
                evidence: &eg,
            },
            &BrokerConfig::default(),
            30,
        )
        .unwrap()
    }

    #[test]
    fn the_phone_between_two_gangs_is_the_broker() {
        let (members, calls) = case();
        let b = run(&members, &calls, &[false; 7]);
        assert_eq!(b.len(), 1, "{b:?}");
        assert_eq!(b[0].phone, 4);
        assert_eq!(b[0].gangs, vec![(0, 3, 1), (1, 4, 1)]);
        assert!(b[0].betweenness > 0.0);
    }

    #[test]
    fn one_call_each_way_or_a_suspect_sim_is_not_a_broker() {
        let (members, calls) = case();
        // Phone 6 (one event with each gang) never qualifies; a suspect
        // SIM in phone 4's place is not a broker either.
        let mut suspect = [false; 7];
        suspect[4] = true;
        assert!(run(&members, &calls, &suspect).is_empty());
    }

    #[test]
    fn contacts_with_rank_and_file_only_do_not_make_a_broker() {
        // Phone 4 talks to 1 and 2; if 2 is not boss or lieutenant of gang
        // B (an operator's own phone, a mule), phone 4 is a relative, not a
        // go-between.
        let (members, calls) = case();
        let mut leader = [true; 7];
        leader[2] = false;
        assert!(run_led(&members, &calls, &[false; 7], &leader).is_empty());
    }

    #[test]
    fn a_contact_the_gangs_can_go_around_is_not_between_them() {
        // Phone 4 talks to 1 and 2, but 1 and 2 also talk directly: no
        // shortest chain needs him. The two members who talk across are
        // the bridge now.
        let (members, mut calls) = case();
        calls.push((1, 2, 2));
        let b: Vec<u32> = run(&members, &calls, &[false; 7])
            .iter()
            .map(|b| b.phone)
            .collect();
        assert_eq!(b, vec![1, 2]);
    }
}
