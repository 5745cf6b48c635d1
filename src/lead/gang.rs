//! Gangs: groups of holders (see [`crate::lead::units`]) in which every
//! member is tied to the other members by at least `[gangs] min_kinds`
//! independent kinds of evidence ([`crate::lead::ties`]), holding at least
//! one fraud SIM, bounded in size and cohesive.
//!
//! 1. Communities (Louvain with Leiden refinement) of the candidate units'
//!    tie graph propose groups: the heavy ties (a den, a handset, a report)
//!    pull a gang together while a member's relatives stay in their own.
//! 2. Each community holding a fraud unit is *pruned*: a member with fewer
//!    than `min_kinds` kinds of evidence into the rest is removed, until
//!    none is left to remove (the largest subgroup where everyone earns his
//!    place, unique like a k-core). Units of neighbouring communities with
//!    that much evidence into the group join it (then it is pruned again).
//!    What is left splits into its connected parts; parts without a fraud
//!    SIM are no gang. Fraud SIMs held together only by the den they share
//!    (no part stands alone) are a gang when fraud reports tie two of them
//!    (one report names both, or their reports pay one account), and are
//!    otherwise listed as dropped: an office's lines share a place too.
//!    Fraud SIMs left out that one gang and no other reaches join it as
//!    its tools — by a specific tie (handset, registration, report,
//!    account) to a member, by the handsets of a kit of SIMs one of which
//!    is so tied, or else by working beside the gang's own fraud SIMs at a
//!    den: a SIM is not a person, its burner shape is its own evidence
//!    (their membership confidence, one kind, stays at most 0.5).
//!    Then the people who run the gang by phone: a holder of ordinary
//!    phones left out with *repeated* calls (above the case's own typical
//!    pair) with two or more of one gang's members and none of another's
//!    joins it — the lieutenants; one round, so no one joins through
//!    them (a boss above them calls like their mother does). Calls are
//!    all the evidence of them and the output says so (`by_calls`;
//!    confidence at most 0.5).
//!    Being named a suspect in a police record is not evidence here: it
//!    ranks leads, it never makes a member.
//! 3. A group of more than `max_members` people (holders of an ordinary
//!    phone; a burner is a tool, not a person) or `max_phones` phones is
//!    split along its weakest ties (Louvain on the group alone at twice the
//!    resolution, `split_rounds` times at most); what is still too large,
//!    or whose members keep less than `min_cohesion` of their evidence
//!    weight inside the group, is dropped and listed with the reason. A
//!    group within the bounds whose own communities share no den, calls,
//!    report or account, and are tied by registrations and handsets
//!    through fewer than half of either side's holders, is two gangs (or
//!    more) that one community of the tie graph held together: split.
//!    Then a gang at least half of whose holders a specific tie joins to
//!    one other gang is part of it (one pool of stolen identities or
//!    handsets on both sides of a cut the communities made), within the
//!    bounds; the tools of step 2 join last.
//!
//! # Complexity
//! One Louvain run on the candidate units' ties, then per group
//! O(Σ ties of its members) per pruning pass; splits run Louvain on the
//! group alone; fragments and tools join in O(Σ ties of the gangs'
//! members). Nothing is quadratic in the size of a group.

use crate::analysis::{communities, CommunityConfig, ContactGraph};
use crate::error::Result;
use crate::lead::config::GangConfig;
use crate::lead::ties::{kinds_into, weight_into, Evidence, Ties};
use crate::lead::units::Units;
use crate::model::NodeKind;
use rustc_hash::FxHashSet;

/// A gang before roles: its holders (ascending) and how cohesive it is.
#[derive(Debug, Clone, PartialEq)]
pub struct GangCore {
    pub units: Vec<u32>,
    /// Share of the members' specific evidence weight (all but den
    /// co-location, which a crowd shares) that lies inside the gang.
    pub cohesion: f64,
    /// Holders who joined by repeated calls alone (the gang's leadership
    /// by phone, see `leadership_join`), ascending.
    pub by_calls: Vec<u32>,
}

/// A group that was not reported as a gang, and why.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Dropped {
    pub holders: usize,
    pub phones: usize,
    pub reason: String,
    /// The group's lowest phone index, to name it.
    #[serde(skip)]
    pub first_phone: u32,
}

pub struct Found {
    pub gangs: Vec<GangCore>,
    pub dropped: Vec<Dropped>,
}

fn bits(k: u8) -> u32 {
    k.count_ones()
}

/// Kinds that only the fraud explains: a handset, a registration or record,
/// a fraud report or an account shared with the gang. Calls and a den are
/// what relatives, friends and coworkers of a member share with him too.
const FRAUD_SPECIFIC: u8 = Evidence::Handset.bit()
    | Evidence::Registration.bit()
    | Evidence::Incident.bit()
    | Evidence::Account.bit();

/// Whether unit `u` earns its place in `members`: `min_kinds` kinds of
/// evidence into the rest, and, for a holder of no fraud SIM, one of them
/// specific to the fraud (see [`FRAUD_SPECIFIC`]). Calls, even calls to a
/// burner, are not: victims ring the number a fraud SMS gave them.
///
/// A holder whose only fraud SIM is a number one report names, with no
/// burner, needs a specific kind too: a victim writes down the driver who
/// took him to the bank or the trader he dealt with as readily as the
/// fraud's number, and such a phone's calls and haunts are an ordinary
/// life's ([`Ties::one_report`]).
fn earns(ties: &Ties, u: u32, members: &FxHashSet<u32>, min_kinds: u32) -> bool {
    let k = ties.kinds_for_membership(u, kinds_into(ties, u, members));
    let holds_fraud_sim = ties.seed[u as usize] && !ties.one_report[u as usize];
    bits(k) >= min_kinds && (holds_fraud_sim || k & FRAUD_SPECIFIC != 0)
}

/// Remove members with fewer than `min_kinds` kinds of evidence into the
/// rest, and members not *anchored* — joined to a holder of a fraud SIM by
/// a chain of specific ties (every kind but den co-location) inside the
/// group — until none is left to remove. Coworkers of a den who call each
/// other have two kinds among themselves (the den, their calls) but no
/// specific tie to the fraud: they are not anchored.
fn prune(ties: &Ties, members: &mut FxHashSet<u32>, min_kinds: u32) {
    loop {
        let mut queue: Vec<u32> = members.iter().copied().collect();
        queue.sort_unstable();
        while let Some(u) = queue.pop() {
            if !members.contains(&u) {
                continue;
            }
            if !earns(ties, u, members, min_kinds) {
                members.remove(&u);
                for t in ties.of(u) {
                    if members.contains(&t.other) {
                        queue.push(t.other);
                    }
                }
            }
        }
        let specific = !Evidence::Colocation.bit();
        let mut anchored: FxHashSet<u32> = members
            .iter()
            .copied()
            .filter(|&u| ties.seed[u as usize])
            .collect();
        let mut stack: Vec<u32> = anchored.iter().copied().collect();
        while let Some(u) = stack.pop() {
            for t in ties.of(u) {
                if t.kinds & specific != 0 && members.contains(&t.other) && anchored.insert(t.other)
                {
                    stack.push(t.other);
                }
            }
        }
        if anchored.len() == members.len() {
            return;
        }
        members.retain(|u| anchored.contains(u));
    }
}

/// Connected parts of `members` over specific ties (every kind but den
/// co-location: two gangs sharing a den are two gangs), each pruned again
/// until it holds together on its own.
///
/// A part that cannot stand as a gang on its own — pruned alone it keeps no
/// fraud SIM, or it is not `viable` (too few phones) — was held to the
/// others by the den they share: one gang whose operators work side by side
/// with nothing else between them. Such a part, and the fraud SIMs a
/// standing part loses when pruned alone, go back to the standing part they
/// have most evidence with, and that part is pruned again. When no part
/// stands alone the group is no gang — fraud SIMs held together by a place
/// alone are a call centre as much as a gang — unless fraud reports tie two
/// of its fraud SIMs together ([`reported_crew`]): then it is one crew.
fn parts(
    ties: &Ties,
    members: &FxHashSet<u32>,
    min_kinds: u32,
    viable: &dyn Fn(&[u32]) -> bool,
    den_only: &mut Vec<Vec<u32>>,
) -> Vec<Vec<u32>> {
    let has_seed = |v: &[u32]| v.iter().any(|&u| ties.seed[u as usize]);
    let mut out: Vec<Vec<u32>> = Vec::new();
    let mut orphans: Vec<Vec<u32>> = Vec::new();
    let mut todo = vec![members.clone()];
    while let Some(set) = todo.pop() {
        let split = specific_parts(ties, &set);
        if split.len() == 1 {
            out.extend(split);
            continue;
        }
        let pruned: Vec<(Vec<u32>, Vec<u32>)> = split
            .into_iter()
            .map(|part| {
                let mut m: FxHashSet<u32> = part.iter().copied().collect();
                prune(ties, &mut m, min_kinds);
                let mut kept: Vec<u32> = m.into_iter().collect();
                kept.sort_unstable();
                (part, kept)
            })
            .collect();
        let stands = |kept: &[u32]| has_seed(kept) && viable(kept);
        if !pruned.iter().any(|(_, kept)| stands(kept)) {
            let whole = sorted(&set);
            if viable(&whole) && has_seed(&whole) {
                if reported_crew(ties, &set) {
                    out.push(whole);
                } else {
                    den_only.push(whole);
                }
            }
            continue;
        }
        for (part, kept) in pruned {
            if stands(&kept) {
                let lost: Vec<u32> = part
                    .into_iter()
                    .filter(|u| kept.binary_search(u).is_err())
                    .collect();
                if has_seed(&lost) {
                    orphans.push(lost);
                }
                todo.push(kept.into_iter().collect());
            } else if has_seed(&part) {
                orphans.push(part);
            }
        }
    }
    if !orphans.is_empty() {
        out = attach(ties, out, &orphans, min_kinds);
    }
    out.sort();
    out
}

/// Whether fraud reports tie two holders of fraud SIMs in `set` together:
/// one report names both, or reports naming each send money to one
/// account. A crew whose SIMs stand together only by a den and pairwise
/// handset turns is then a gang: an office's lines take turns in its
/// handsets at one place too, but its callers do not report them to the
/// police with the crew's other SIMs. A number that one report alone names
/// counts as no fraud SIM here (see [`Ties::one_report`]).
///
/// O(K log K) for the K reports and accounts of the set's holders.
fn reported_crew(ties: &Ties, set: &FxHashSet<u32>) -> bool {
    let mut keys: Vec<(u32, u32)> = set
        .iter()
        .filter(|&&u| ties.seed[u as usize] && !ties.one_report[u as usize])
        .flat_map(|&u| ties.reports_of(u).iter().map(move |&k| (k, u)))
        .collect();
    keys.sort_unstable();
    keys.windows(2).any(|w| w[0].0 == w[1].0)
}

/// Each orphan piece joins the group of `groups` it has most evidence
/// weight with (none: it is left out); groups that grew are pruned again.
fn attach(
    ties: &Ties,
    groups: Vec<Vec<u32>>,
    orphans: &[Vec<u32>],
    min_kinds: u32,
) -> Vec<Vec<u32>> {
    let sets: Vec<FxHashSet<u32>> = groups.iter().map(|g| g.iter().copied().collect()).collect();
    let mut grown = sets.clone();
    for orphan in orphans {
        let mut best: Option<(f64, usize)> = None;
        for (i, set) in sets.iter().enumerate() {
            let w: f64 = orphan
                .iter()
                .map(|&u| weight_into(ties, u, set, false).0)
                .sum();
            if w > 0.0 && best.is_none_or(|(bw, _)| w > bw) {
                best = Some((w, i));
            }
        }
        if let Some((_, i)) = best {
            grown[i].extend(orphan.iter().copied());
        }
    }
    grown
        .into_iter()
        .zip(groups)
        .map(|(mut set, group)| {
            if set.len() == group.len() {
                return group;
            }
            prune(ties, &mut set, min_kinds);
            sorted(&set)
        })
        .filter(|g| !g.is_empty())
        .collect()
}

fn sorted(set: &FxHashSet<u32>) -> Vec<u32> {
    let mut v: Vec<u32> = set.iter().copied().collect();
    v.sort_unstable();
    v
}

/// The units reached from `start` (not yet in `seen`) over the ties
/// `follow` accepts, breadth first; each reached unit is added to `seen`.
fn spread(
    ties: &Ties,
    start: u32,
    seen: &mut FxHashSet<u32>,
    follow: impl Fn(&crate::lead::ties::Tie) -> bool,
) -> Vec<u32> {
    seen.insert(start);
    let mut part = vec![start];
    let mut i = 0;
    while i < part.len() {
        let u = part[i];
        i += 1;
        for t in ties.of(u) {
            if follow(t) && seen.insert(t.other) {
                part.push(t.other);
            }
        }
    }
    part
}

fn specific_parts(ties: &Ties, members: &FxHashSet<u32>) -> Vec<Vec<u32>> {
    let specific = !Evidence::Colocation.bit();
    let mut sorted: Vec<u32> = members.iter().copied().collect();
    sorted.sort_unstable();
    let mut done: FxHashSet<u32> = FxHashSet::default();
    let mut out = Vec::new();
    for &s in &sorted {
        if done.contains(&s) {
            continue;
        }
        let mut part = spread(ties, s, &mut done, |t| {
            t.kinds & specific != 0 && members.contains(&t.other)
        });
        part.sort_unstable();
        out.push(part);
    }
    out
}

/// Louvain over the ties among `nodes` (all candidate units when `None`).
fn communities_of(ties: &Ties, nodes: &[u32], resolution: f64, seed: u64) -> Result<Vec<Vec<u32>>> {
    let pos = crate::lead::ties::index_of(nodes);
    let labels: Vec<(NodeKind, String)> = nodes
        .iter()
        .map(|u| (NodeKind::Phone, format!("unit {u}")))
        .collect();
    let mut pairs: Vec<(u32, u32, f64)> = Vec::new();
    for (i, &u) in nodes.iter().enumerate() {
        for t in ties.of(u) {
            if let Some(&j) = pos.get(&t.other) {
                if i < j && t.weight > 0.0 {
                    pairs.push((i as u32, j as u32, t.weight));
                }
            }
        }
    }
    let cg = ContactGraph::from_pairs(labels, pairs, Vec::new())?;
    let comms = communities(
        &cg,
        &CommunityConfig {
            resolution,
            seed,
            ..Default::default()
        },
    )?;
    Ok((0..comms.len() as u32)
        .map(|k| {
            comms
                .members(k)
                .iter()
                .map(|&i| nodes[i as usize])
                .collect()
        })
        .collect())
}

/// Gangs from the ties between candidate units.
pub fn find(ties: &Ties, units: &Units, fraud_sim: &[bool], c: &GangConfig) -> Result<Found> {
    let nodes: Vec<u32> = (0..units.len() as u32)
        .filter(|&u| ties.candidate[u as usize])
        .collect();
    let comms = communities_of(ties, &nodes, c.resolution, c.seed)?;
    let viable = |v: &[u32]| v.len() >= 2 && phones_in(units, v) >= c.min_phones;
    let mut taken: FxHashSet<u32> = FxHashSet::default();
    let mut groups: Vec<Vec<u32>> = Vec::new();
    let mut den_only: Vec<Vec<u32>> = Vec::new();
    for comm in comms {
        if !comm.iter().any(|&u| ties.seed[u as usize]) {
            continue;
        }
        let mut members: FxHashSet<u32> = comm.into_iter().filter(|u| !taken.contains(u)).collect();
        prune(ties, &mut members, c.min_kinds);
        // Neighbours with enough evidence into the group join it.
        for _ in 0..c.split_rounds.max(1) {
            let mut near: Vec<u32> = members
                .iter()
                .flat_map(|&u| ties.of(u).iter().map(|t| t.other))
                .filter(|v| !members.contains(v) && !taken.contains(v))
                .collect();
            near.sort_unstable();
            near.dedup();
            let join: Vec<u32> = near
                .into_iter()
                .filter(|&v| earns(ties, v, &members, c.min_kinds))
                .collect();
            if join.is_empty() {
                break;
            }
            members.extend(join);
            prune(ties, &mut members, c.min_kinds);
        }
        for part in parts(ties, &members, c.min_kinds, &viable, &mut den_only) {
            if part.iter().any(|&u| ties.seed[u as usize]) {
                taken.extend(part.iter().copied());
                groups.push(part);
            }
        }
    }
    let groups = one_handset_one_gang(ties, groups);
    let mut found = Found {
        gangs: Vec::new(),
        dropped: Vec::new(),
    };
    for group in groups {
        bound(ties, units, fraud_sim, c, group, 0, &mut found)?;
    }
    for group in den_only {
        found.dropped.push(den_only_crew(units, &group));
    }
    found.gangs = fragments_join(ties, units, fraud_sim, c, std::mem::take(&mut found.gangs));
    tools_join(ties, units, c, &mut found.gangs);
    leadership_join(ties, units, fraud_sim, c, &mut found.gangs);
    found.gangs.sort_by(|a, b| {
        let pa = units.phones(a.units[0])[0];
        let pb = units.phones(b.units[0])[0];
        b.units.len().cmp(&a.units.len()).then(pa.cmp(&pb))
    });
    found.dropped.sort_by_key(|d| d.first_phone);
    Ok(found)
}

/// A gang most of whose members are tied to one other gang by evidence
/// specific to the fraud is part of it. The communities of the tie graph
/// and the pruning can cut one gang in two where its parts are joined by
/// many single specific ties — a pool of stolen identities that registered
/// SIMs on both sides, handsets passed across — and by no second kind per
/// member. Two gangs that merely meet share a stolen identity, a handset
/// or an account here and there: a few of their members, not most. So a
/// gang B joins gang A when at least half of B's holders have a specific
/// tie (handset, registration, report, account) to A's holders, A is the
/// only gang B is so tied to, and the union stays within `max_members`
/// and `max_phones`. Each gang earned its members on its own, so the
/// union needs no pruning; its cohesion is measured again. Joins chain
/// (A takes B, then C, each by the rule), in the order of the gangs.
///
/// O(Σ ties of the gangs' units + gangs log gangs).
fn fragments_join(
    ties: &Ties,
    units: &Units,
    fraud_sim: &[bool],
    c: &GangConfig,
    gangs: Vec<GangCore>,
) -> Vec<GangCore> {
    let mut gang_of: rustc_hash::FxHashMap<u32, usize> = rustc_hash::FxHashMap::default();
    for (i, g) in gangs.iter().enumerate() {
        for &u in &g.units {
            gang_of.insert(u, i);
        }
    }
    // For each gang, the gang its holders are tied to by specific evidence,
    // when half of them or more are tied to that one gang (and to no other
    // gang by that many).
    let mut into: Vec<Option<usize>> = vec![None; gangs.len()];
    for (b, g) in gangs.iter().enumerate() {
        let mut tied: std::collections::BTreeMap<usize, usize> = std::collections::BTreeMap::new();
        for &u in &g.units {
            let mut to: Vec<usize> = ties
                .of(u)
                .iter()
                .filter(|t| t.kinds & FRAUD_SPECIFIC != 0)
                .filter_map(|t| gang_of.get(&t.other).copied())
                .filter(|&a| a != b)
                .collect();
            to.sort_unstable();
            to.dedup();
            for a in to {
                *tied.entry(a).or_insert(0) += 1;
            }
        }
        let most: Vec<usize> = tied
            .iter()
            .filter(|&(_, &n)| 2 * n >= g.units.len())
            .map(|(&a, _)| a)
            .collect();
        if let [a] = most[..] {
            into[b] = Some(a);
        }
    }
    let mut joins = Joins::new(gangs.len());
    let people = |u: u32| units.phones(u).iter().any(|&p| !fraud_sim[p as usize]);
    let mut persons: Vec<usize> = gangs
        .iter()
        .map(|g| g.units.iter().filter(|&&u| people(u)).count())
        .collect();
    let mut phones: Vec<usize> = gangs.iter().map(|g| phones_in(units, &g.units)).collect();
    for (b, a) in into.iter().enumerate() {
        let Some(a) = *a else { continue };
        let (ra, rb) = (joins.root(a), joins.root(b));
        if ra == rb
            || persons[ra] + persons[rb] > c.max_members
            || phones[ra] + phones[rb] > c.max_phones
        {
            continue;
        }
        let (keep, gone) = (ra.min(rb), ra.max(rb));
        joins.join(keep, gone);
        persons[keep] += persons[gone];
        phones[keep] += phones[gone];
    }
    let mut merged: Vec<Vec<u32>> = vec![Vec::new(); gangs.len()];
    let mut alone: Vec<Option<GangCore>> = Vec::with_capacity(gangs.len());
    for (i, g) in gangs.into_iter().enumerate() {
        let r = joins.root(i);
        merged[r].extend(g.units.iter().copied());
        alone.push(Some(g));
    }
    let mut out = Vec::new();
    for (r, group) in merged.into_iter().enumerate() {
        if group.is_empty() {
            continue;
        }
        if group.len() == alone[r].as_ref().map_or(0, |g| g.units.len()) {
            out.extend(alone[r].take());
            continue;
        }
        let mut group = group;
        group.sort_unstable();
        out.push(GangCore {
            cohesion: cohesion(ties, &group),
            units: group,
            by_calls: Vec::new(),
        });
    }
    out
}

/// Fraud SIMs left out of every gang join the one gang they are tied to,
/// as its tools. A SIM is not a person: the burner shape that made it a
/// fraud SIM is its own evidence, and one tie to a gang says whose it is.
/// Three ties say so, in this order of strength:
/// 1. a tie specific to the fraud (a handset, a registration, a report,
///    an account) to a member of the gang (an operator's kit of SIMs that
///    took turns in one handset is tied pair by pair, see
///    [`crate::lead::ties`]);
/// 2. a handset shared with a SIM so tied, directly or through other
///    left-out SIMs: the *kit* of left-out SIMs that handsets join is one
///    hand's (the rule of [`one_handset_one_gang`] for SIMs the pruning
///    left out), and its SIMs without a tie of their own follow those
///    with one — when those all joined one gang. Handsets do pass between
///    gangs (foreign small-33 without cells: a kit whose handsets carried
///    SIMs of G05 and of G06, each SIM tied to its own gang by a specific
///    tie), so a SIM's own tie is not overruled by its kit's;
/// 3. working side by side with the gang's own fraud SIMs at a den (the
///    co-location tie between two fraud SIMs): a place is shared with
///    whoever works beside it, but an ordinary phone is no fraud SIM, and
///    a burner that works the gang's den in its hours with its burners is
///    the gang's. This is what ties a crew whose carrier data has no
///    handset serials.
///
/// A SIM tied by 1 to two gangs joins neither, nor does the rest of a kit
/// whose SIMs are tied to two gangs, nor a SIM that works beside two
/// gangs' SIMs; a weaker rule never contests a stronger one. A SIM reached
/// only through another left-out SIM by a registration, report or account
/// stays out, so a group that could not stand as a gang is never absorbed
/// through one SIM; a gang stops taking SIMs at `max_phones`. Gangs are
/// never joined to each other this way, and no holder of an ordinary phone
/// joins.
///
/// O(Σ ties of the gangs' units and of the left-out SIMs + J log J) for J
/// SIMs that join.
fn tools_join(ties: &Ties, units: &Units, c: &GangConfig, gangs: &mut [GangCore]) {
    const CONTESTED: usize = usize::MAX;
    type Reach = std::collections::BTreeMap<u32, usize>;
    fn mark(reach: &mut Reach, v: u32, gi: usize) {
        let e = reach.entry(v).or_insert(gi);
        if *e != gi {
            *e = CONTESTED;
        }
    }
    let tool = |u: u32| ties.seed[u as usize] && !ties.one_report[u as usize];
    let mut gang_of: rustc_hash::FxHashMap<u32, usize> = rustc_hash::FxHashMap::default();
    let mut phones: Vec<usize> = Vec::with_capacity(gangs.len());
    for (i, g) in gangs.iter().enumerate() {
        for &u in &g.units {
            gang_of.insert(u, i);
        }
        phones.push(phones_in(units, &g.units));
    }
    let left_out = |v: u32| tool(v) && !gang_of.contains_key(&v);
    let mut specific = Reach::new();
    let mut side_by_side = Reach::new();
    for (gi, g) in gangs.iter().enumerate() {
        for &u in &g.units {
            for t in ties.of(u) {
                if !left_out(t.other) {
                    continue;
                }
                if t.kinds & FRAUD_SPECIFIC != 0 {
                    mark(&mut specific, t.other, gi);
                } else if t.kinds & Evidence::Colocation.bit() != 0 && tool(u) {
                    mark(&mut side_by_side, t.other, gi);
                }
            }
        }
    }
    // Kits: left-out SIMs joined by handsets; the SIMs of a kit without a
    // tie of their own take the gang its directly tied SIMs joined, when
    // they all joined one.
    let mut in_kit: FxHashSet<u32> = FxHashSet::default();
    let mut by_kit = Reach::new();
    for &start in specific.keys() {
        if in_kit.contains(&start) {
            continue;
        }
        let kit = spread(ties, start, &mut in_kit, |t| {
            t.kinds & Evidence::Handset.bit() != 0 && left_out(t.other)
        });
        let mut owner: Option<usize> = None;
        for v in &kit {
            if let Some(&gi) = specific.get(v) {
                owner = match owner {
                    Some(o) if o != gi => Some(CONTESTED),
                    _ => Some(gi),
                };
            }
        }
        // Every kit holds a directly tied SIM, so it has an owner.
        let owner = owner.unwrap_or(CONTESTED);
        for v in kit {
            if !specific.contains_key(&v) {
                by_kit.insert(v, owner);
            }
        }
    }
    let mut joining = specific;
    for reach in [by_kit, side_by_side] {
        for (v, gi) in reach {
            joining.entry(v).or_insert(gi);
        }
    }
    for (v, gi) in joining {
        let n = units.phones(v).len();
        if gi == CONTESTED || phones[gi] + n > c.max_phones {
            continue;
        }
        phones[gi] += n;
        gangs[gi].units.push(v);
    }
    for g in gangs.iter_mut() {
        g.units.sort_unstable();
    }
}

/// Call events that make a call tie *repeated*: the case's
/// `[gangs] repeated_calls` quantile of call events over its pairs tied by
/// calls, and more than their median (and at least `min_call_events`).
/// Relative to the case, not a number that fits one generator's calling
/// rates.
///
/// O(T) for T ties (selection, no sort).
fn repeated_calls(ties: &Ties, units: &Units, c: &GangConfig) -> u32 {
    let mut events: Vec<u32> = (0..units.len() as u32)
        .flat_map(|u| ties.of(u).iter().filter(move |t| t.other > u))
        .filter(|t| t.kinds & Evidence::Calls.bit() != 0)
        .map(|t| t.calls)
        .collect();
    if events.is_empty() {
        return u32::MAX;
    }
    let mut at = |q: f64| {
        let k = ((events.len() as f64 * q) as usize).min(events.len() - 1);
        *events.select_nth_unstable(k).1
    };
    let median = at(0.5);
    let high = at(c.repeated_calls.clamp(0.0, 1.0));
    high.max(median + 1).max(c.min_call_events)
}

/// The people who run a gang by phone. Lieutenants talk to the operators
/// on their own phones: no den, no handset, no report — calls are all the
/// evidence there is of them, so the two-kinds rule leaves them out. A
/// holder of ordinary phones left out of every gang joins one when he has
/// *repeated* calls ([`repeated_calls`]) with at least two of its members
/// and with no member of another gang. A relative or a customer has one
/// member to call, or calls now and then; a go-between calls two gangs
/// (and is left to [`crate::lead::broker`]). One round only: the members
/// counted are those who earned their place by two kinds of evidence (or
/// are the gang's tools), never someone who joined this way. A boss above
/// the lieutenants and a mother who calls them every day are alike in the
/// calls — both talk only to the lieutenants — so neither joins through
/// them (a second round took the boss in two foreign gangs and, on an
/// own-generator case, a relative who called a boss and two lieutenants).
/// These members rest on one kind of evidence and are listed as such
/// (`GangCore::by_calls`; their membership confidence, one kind, stays at
/// most 0.5). A gang stops taking people at `max_members` and phones at
/// `max_phones`.
///
/// O(Σ ties of the gangs' units + J log J) for J joining units.
fn leadership_join(
    ties: &Ties,
    units: &Units,
    fraud_sim: &[bool],
    c: &GangConfig,
    gangs: &mut [GangCore],
) {
    const CONTESTED: usize = usize::MAX;
    let repeated = repeated_calls(ties, units, c);
    let person = |u: u32| units.phones(u).iter().any(|&p| !fraud_sim[p as usize]);
    let mut in_gang: FxHashSet<u32> = FxHashSet::default();
    for g in gangs.iter() {
        in_gang.extend(g.units.iter().copied());
    }
    // For each left-out holder: the gang its repeated calls reach, and
    // with how many of its members.
    let mut reach: std::collections::BTreeMap<u32, (usize, usize)> = Default::default();
    for (gi, g) in gangs.iter().enumerate() {
        for &u in &g.units {
            for t in ties.of(u) {
                let v = t.other;
                if in_gang.contains(&v)
                    || ties.seed[v as usize]
                    || t.kinds & Evidence::Calls.bit() == 0
                    || t.calls < repeated
                {
                    continue;
                }
                let e = reach.entry(v).or_insert((gi, 0));
                if e.0 == gi {
                    e.1 += 1;
                } else {
                    e.0 = CONTESTED;
                }
            }
        }
    }
    let mut persons: Vec<usize> = gangs
        .iter()
        .map(|g| g.units.iter().filter(|&&u| person(u)).count())
        .collect();
    let mut phones: Vec<usize> = gangs.iter().map(|g| phones_in(units, &g.units)).collect();
    for (v, (gi, n)) in reach {
        if gi == CONTESTED
            || n < 2
            || persons[gi] + 1 > c.max_members
            || phones[gi] + units.phones(v).len() > c.max_phones
        {
            continue;
        }
        persons[gi] += 1;
        phones[gi] += units.phones(v).len();
        gangs[gi].units.push(v);
        gangs[gi].by_calls.push(v);
    }
    for g in gangs.iter_mut() {
        g.units.sort_unstable();
        g.by_calls.sort_unstable();
    }
}

/// Union-find over group indices; a set's root is its smallest index, so
/// the result does not depend on the order of the joins.
struct Joins(Vec<usize>);

impl Joins {
    fn new(n: usize) -> Self {
        Joins((0..n).collect())
    }
    fn root(&mut self, mut i: usize) -> usize {
        while self.0[i] != i {
            self.0[i] = self.0[self.0[i]];
            i = self.0[i];
        }
        i
    }
    fn join(&mut self, a: usize, b: usize) {
        let (ra, rb) = (self.root(a), self.root(b));
        self.0[ra.max(rb)] = ra.min(rb);
    }
}

/// Groups whose SIMs went through one handset are one gang. A handset is a
/// thing in someone's hand: when SIMs of two groups took turns in it (the
/// handsets ties count only SIMs that carried calls in it, see
/// [`crate::lead::ties`]), the same people worked both, whatever way the
/// communities of the tie graph cut them. A place or a call between two
/// groups does not join them (two gangs share a den, a broker calls both).
/// Each group earned its members on its own, so the union needs no pruning;
/// `bound` still splits it if it is too large.
///
/// O(Σ ties of the groups' units + groups log groups).
fn one_handset_one_gang(ties: &Ties, groups: Vec<Vec<u32>>) -> Vec<Vec<u32>> {
    let mut group_of: rustc_hash::FxHashMap<u32, usize> = rustc_hash::FxHashMap::default();
    for (i, g) in groups.iter().enumerate() {
        for &u in g {
            group_of.insert(u, i);
        }
    }
    let mut joins = Joins::new(groups.len());
    for (i, g) in groups.iter().enumerate() {
        for &u in g {
            for t in ties.of(u) {
                if t.kinds & Evidence::Handset.bit() == 0 {
                    continue;
                }
                if let Some(&j) = group_of.get(&t.other) {
                    joins.join(i, j);
                }
            }
        }
    }
    let mut merged: Vec<Vec<u32>> = vec![Vec::new(); groups.len()];
    for (i, g) in groups.into_iter().enumerate() {
        merged[joins.root(i)].extend(g);
    }
    merged
        .into_iter()
        .filter(|g| !g.is_empty())
        .map(|mut g| {
            g.sort_unstable();
            g
        })
        .collect()
}

/// A group whose fraud SIMs hold together only by the den they share, with
/// no part standing as a gang alone and no report tying two of its fraud
/// SIMs ([`parts`]): listed, not reported.
fn den_only_crew(units: &Units, group: &[u32]) -> Dropped {
    let phones = phones_in(units, group);
    Dropped {
        holders: group.len(),
        phones,
        reason: format!(
            "{} holders with {phones} phones held together by a den they share and single ties; no part stands as a gang alone and no fraud report ties two of its fraud SIMs: a call centre as much as a gang",
            group.len()
        ),
        first_phone: first_phone(units, group),
    }
}

/// Share of the members' specific evidence weight that lies inside `group`.
fn cohesion(ties: &Ties, group: &[u32]) -> f64 {
    let set: FxHashSet<u32> = group.iter().copied().collect();
    let (mut inside, mut all) = (0.0, 0.0);
    for &u in group {
        let (i, a) = weight_into(ties, u, &set, true);
        inside += i;
        all += a;
    }
    if all > 0.0 {
        inside / all
    } else {
        0.0
    }
}

fn phones_in(units: &Units, group: &[u32]) -> usize {
    group.iter().map(|&u| units.phones(u).len()).sum()
}

fn first_phone(units: &Units, group: &[u32]) -> u32 {
    group.iter().map(|&u| units.phones(u)[0]).min().unwrap_or(0)
}

/// Gangs that one community of the tie graph holds together: the group's
/// own communities (Louvain on it alone at twice the resolution) that
/// share no den, no calls, no fraud report and no paid account, and are
/// tied by registrations and handsets through fewer than half of either
/// side's holders — the rule by which [`fragments_join`] joins gangs, read
/// the other way. Stolen identities and second-hand handsets are sold to
/// more than one gang; a victim's report or the account his money went to
/// is one operation's. Two gangs that registered SIMs on one stolen
/// identity or two are then two gangs again, each pruned on its own; the
/// parts of one gang, which meet at its den, on the phone, in its victims'
/// reports and accounts, or share most of their identities and handsets,
/// stay one (own small 9203: a den crew whose two halves have no tie
/// between them, but which fraud reports tie together, stays one gang).
/// `None` when the group is one gang.
fn two_gangs_in_one(
    ties: &Ties,
    units: &Units,
    c: &GangConfig,
    group: &[u32],
    depth: u32,
) -> Result<Option<Vec<Vec<u32>>>> {
    let resolution = c.resolution * 2f64.powi(depth as i32 + 1);
    let comms = communities_of(ties, group, resolution, c.seed)?;
    if comms.len() < 2 {
        return Ok(None);
    }
    let mut part_of: rustc_hash::FxHashMap<u32, usize> = rustc_hash::FxHashMap::default();
    for (i, p) in comms.iter().enumerate() {
        for &u in p {
            part_of.insert(u, i);
        }
    }
    let mut joins = Joins::new(comms.len());
    // Holders of each part with a specific tie into each other part.
    let mut tied: std::collections::BTreeMap<(usize, usize), usize> =
        std::collections::BTreeMap::new();
    let meet = Evidence::Colocation.bit()
        | Evidence::Calls.bit()
        | Evidence::Incident.bit()
        | Evidence::Account.bit();
    for (a, p) in comms.iter().enumerate() {
        for &u in p {
            let mut into: Vec<usize> = Vec::new();
            for t in ties.of(u) {
                let Some(&b) = part_of.get(&t.other) else {
                    continue;
                };
                if b == a {
                    continue;
                }
                if t.kinds & meet != 0 {
                    joins.join(a, b);
                }
                if t.kinds & FRAUD_SPECIFIC != 0 {
                    into.push(b);
                }
            }
            into.sort_unstable();
            into.dedup();
            for b in into {
                *tied.entry((a, b)).or_insert(0) += 1;
            }
        }
    }
    // Parts whose fraud SIMs one report names, or whose reports pay one
    // account, are one operation (the keys of [`reported_crew`]).
    let mut keys: Vec<(u32, usize)> = group
        .iter()
        .filter(|&&u| ties.seed[u as usize])
        .flat_map(|&u| {
            let part = part_of[&u];
            ties.reports_of(u).iter().map(move |&k| (k, part))
        })
        .collect();
    keys.sort_unstable();
    for w in keys.windows(2) {
        if w[0].0 == w[1].0 {
            joins.join(w[0].1, w[1].1);
        }
    }
    for (&(a, b), &n) in &tied {
        if 2 * n >= comms[a].len() {
            joins.join(a, b);
        }
    }
    let mut joined: Vec<Vec<u32>> = vec![Vec::new(); comms.len()];
    for (i, p) in comms.into_iter().enumerate() {
        joined[joins.root(i)].extend(p);
    }
    joined.retain(|g| !g.is_empty());
    if joined.len() < 2 {
        return Ok(None);
    }
    let viable = |v: &[u32]| v.len() >= 2 && phones_in(units, v) >= c.min_phones;
    let mut out = Vec::new();
    for g in joined {
        let mut members: FxHashSet<u32> = g.into_iter().collect();
        prune(ties, &mut members, c.min_kinds);
        let kept = sorted(&members);
        if kept.iter().any(|&u| ties.seed[u as usize]) && viable(&kept) {
            out.push(kept);
        }
    }
    // Parts that cannot stand as gangs alone are no reason to split.
    Ok(if out.len() >= 2 { Some(out) } else { None })
}

/// Keep `group` if it is small enough and cohesive, else split it (at most
/// `split_rounds` deep) or drop it with the reason.
#[allow(clippy::too_many_arguments)]
fn bound(
    ties: &Ties,
    units: &Units,
    fraud_sim: &[bool],
    c: &GangConfig,
    group: Vec<u32>,
    depth: u32,
    found: &mut Found,
) -> Result<()> {
    let phones = phones_in(units, &group);
    if group.len() < 2 || phones < c.min_phones {
        return Ok(());
    }
    let people = group
        .iter()
        .filter(|&&u| units.phones(u).iter().any(|&p| !fraud_sim[p as usize]))
        .count();
    let too_big = people > c.max_members || phones > c.max_phones;
    if too_big {
        if depth >= c.split_rounds {
            found.dropped.push(Dropped {
                holders: group.len(),
                phones,
                reason: format!(
                    "{people} people with {phones} phones: larger than a gang ({} people or {} phones at most) after {depth} splits along its weakest ties",
                    c.max_members,
                    c.max_phones
                ),
                first_phone: first_phone(units, &group),
            });
            return Ok(());
        }
        let viable = |v: &[u32]| v.len() >= 2 && phones_in(units, v) >= c.min_phones;
        let resolution = c.resolution * 2f64.powi(depth as i32 + 1);
        let mut den_only: Vec<Vec<u32>> = Vec::new();
        for part in communities_of(ties, &group, resolution, c.seed)? {
            let mut members: FxHashSet<u32> = part.into_iter().collect();
            prune(ties, &mut members, c.min_kinds);
            for p in parts(ties, &members, c.min_kinds, &viable, &mut den_only) {
                if p.iter().any(|&u| ties.seed[u as usize]) {
                    bound(ties, units, fraud_sim, c, p, depth + 1, found)?;
                }
            }
        }
        for crew in den_only {
            found.dropped.push(den_only_crew(units, &crew));
        }
        return Ok(());
    }
    if depth < c.split_rounds {
        if let Some(gangs) = two_gangs_in_one(ties, units, c, &group, depth)? {
            for g in gangs {
                bound(ties, units, fraud_sim, c, g, depth + 1, found)?;
            }
            return Ok(());
        }
    }
    let cohesion = cohesion(ties, &group);
    if cohesion < c.min_cohesion {
        found.dropped.push(Dropped {
            holders: group.len(),
            phones,
            reason: format!(
                "{} holders with {phones} phones keep {:.0}% of their evidence inside the group (at least {:.0}% needed): a crowd, not a gang",
                group.len(),
                cohesion * 100.0,
                c.min_cohesion * 100.0
            ),
            first_phone: first_phone(units, &group),
        });
        return Ok(());
    }
    found.gangs.push(GangCore {
        units: group,
        cohesion,
        by_calls: Vec::new(),
    });
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lead::ties::Evidence::{
        Account, Calls, Colocation, Handset, Incident, Registration,
    };

    const DEN: u8 = 1 << Colocation as u8;
    const CALLS: u8 = 1 << Calls as u8;
    const HANDSET: u8 = 1 << Handset as u8;
    const REG: u8 = 1 << Registration as u8;
    const INC: u8 = 1 << Incident as u8;
    const ACC: u8 = 1 << Account as u8;

    fn run(n: usize, seed: &[u32], list: &[(u32, u32, u8, f64)], c: &GangConfig) -> Found {
        let ties = Ties::from_list(n, seed, list);
        let units = Units::singles(n);
        let mut fraud = vec![false; n];
        for &s in seed {
            fraud[s as usize] = true;
        }
        find(&ties, &units, &fraud, c).unwrap()
    }

    /// Burners 0, 1, 2 share a handset, a den and a stolen identity; 3
    /// calls burner 0 and works at the den (two kinds, neither specific to
    /// the fraud: victims call burners, coworkers share the den); 4 is his
    /// brother, who only calls him; 5 and 6 work at the den and call each
    /// other (two kinds between them, none specific to the fraud); 7 works
    /// at the den and calls the handler 3: two kinds into the gang, none
    /// of them specific to the fraud (a coworker, not a member).
    fn case() -> Vec<(u32, u32, u8, f64)> {
        vec![
            (0, 1, HANDSET | DEN | REG, 3.0),
            (1, 2, HANDSET | DEN | INC, 3.0),
            (0, 2, DEN, 1.0),
            (3, 0, CALLS | DEN, 2.0),
            (3, 1, DEN, 1.0),
            (4, 3, CALLS, 2.0),
            (5, 0, DEN, 1.0),
            (6, 1, DEN, 1.0),
            (5, 6, CALLS, 2.0),
            (7, 3, CALLS, 2.0),
            (7, 1, DEN, 1.0),
        ]
    }

    #[test]
    fn members_earn_their_place_by_two_kinds_anchored_to_the_fraud() {
        let found = run(8, &[0, 1, 2], &case(), &GangConfig::default());
        assert_eq!(found.gangs.len(), 1, "{:?}", found.gangs);
        // The brother (one kind) and the den's coworkers (no tie specific to
        // the fraud) are contacts to look at, not members.
        assert_eq!(found.gangs[0].units, vec![0, 1, 2]);
    }

    #[test]
    fn an_own_phone_in_a_burner_handset_with_calls_is_a_member() {
        // 8 swapped his SIM through burner 2's handset and calls burner 0:
        // two kinds, one of them (the handset) specific to the fraud.
        let mut list = case();
        list.push((8, 2, HANDSET, 1.0));
        list.push((8, 0, CALLS, 2.0));
        let found = run(9, &[0, 1, 2], &list, &GangConfig::default());
        assert_eq!(found.gangs.len(), 1, "{:?}", found.gangs);
        assert_eq!(found.gangs[0].units, vec![0, 1, 2, 8]);
    }

    #[test]
    fn a_suspect_record_alone_makes_no_member() {
        // Nothing in the ties says "suspect": a unit tied by one kind stays
        // out however it is named elsewhere (regression: non-gang suspects
        // were put into gangs).
        let mut list = case();
        list.push((8, 3, CALLS, 5.0));
        let found = run(9, &[0, 1, 2], &list, &GangConfig::default());
        assert!(found.gangs.iter().all(|g| !g.units.contains(&8)));
    }

    #[test]
    fn a_giant_suspicious_group_is_split_or_dropped_never_reported_whole() {
        // 3,000 burners in one ring, each tied to the next by a handset and a
        // den: a city's worth of "gang". The run finishes, nothing larger
        // than the bounds is reported, and what is dropped says why.
        let n = 3000u32;
        let list: Vec<(u32, u32, u8, f64)> = (0..n)
            .map(|i| (i, (i + 1) % n, HANDSET | DEN, 2.0))
            .collect();
        let seeds: Vec<u32> = (0..n).collect();
        let c = GangConfig::default();
        let found = run(n as usize, &seeds, &list, &c);
        for g in &found.gangs {
            assert!(g.units.len() <= c.max_phones, "{}", g.units.len());
        }
        assert!(found.dropped.iter().all(|d| !d.reason.is_empty()));
        assert!(!found.gangs.is_empty() || !found.dropped.is_empty());
    }
    #[test]
    fn operators_held_to_their_gang_by_the_den_alone_stay_in_it() {
        // Regression (foreign case small-32): burners 3 and 4 went through
        // one handset and work at the gang's den, with nothing else between
        // them and burners 0-2. Split along specific ties, {3, 4} cannot
        // stand alone (each has one kind, the handset, inside it) and was
        // lost; it belongs to the gang it works beside.
        let list = vec![
            (0, 1, HANDSET | DEN | REG, 3.0),
            (1, 2, HANDSET | DEN | INC, 3.0),
            (0, 2, DEN, 2.0),
            (3, 4, HANDSET, 1.0),
            (3, 0, DEN, 3.0),
            (3, 1, DEN, 3.0),
            (3, 2, DEN, 3.0),
            (4, 0, DEN, 3.0),
            (4, 1, DEN, 3.0),
            (4, 2, DEN, 3.0),
        ];
        let found = run(5, &[0, 1, 2, 3, 4], &list, &GangConfig::default());
        assert_eq!(found.gangs.len(), 1, "{:?}", found.gangs);
        assert_eq!(found.gangs[0].units, vec![0, 1, 2, 3, 4]);
    }

    /// Burners 0-5 took turns in handsets two by two (0-1, 2-3, 4-5) and all
    /// work at one den; no pair stands as a gang alone (one kind inside it).
    /// Phones 6 and 7, elsewhere, call each other.
    fn den_crew() -> Vec<(u32, u32, u8, f64)> {
        let mut list = vec![
            (0, 1, HANDSET, 4.0),
            (2, 3, HANDSET, 4.0),
            (4, 5, HANDSET, 4.0),
            (6, 7, CALLS, 1.0),
        ];
        for a in 0..6u32 {
            for b in a + 1..6 {
                if b != a + 1 || a % 2 == 1 {
                    list.push((a, b, DEN, 2.0));
                }
            }
        }
        list
    }

    #[test]
    fn a_den_crew_that_fraud_reports_tie_together_is_a_gang() {
        // Regression (own generator, small seed 9203): a gang of 18 burners
        // rotated in pairs through handsets at one den, three of them named
        // in fraud reports that paid one account, was dropped without a
        // word, as a call centre would be.
        let seed = [0, 1, 2, 3, 4, 5];
        let c = GangConfig::default();
        let fraud = [true, true, true, true, true, true, false, false];
        let ties = Ties::from_list(8, &seed, &den_crew()).with_reports(&[(0, 100), (4, 100)]);
        let units = Units::singles(8);
        let found = find(&ties, &units, &fraud, &c).unwrap();
        assert_eq!(found.gangs.len(), 1, "{:?}", found.gangs);
        assert_eq!(found.gangs[0].units, vec![0, 1, 2, 3, 4, 5]);
        assert!(found.dropped.is_empty());

        // One report naming one SIM ties nothing: the crew is listed, with why.
        let ties = Ties::from_list(8, &seed, &den_crew()).with_reports(&[(0, 100), (4, 101)]);
        let found = find(&ties, &units, &fraud, &c).unwrap();
        assert!(found.gangs.is_empty(), "{:?}", found.gangs);
        assert_eq!(found.dropped.len(), 1);
        assert_eq!((found.dropped[0].holders, found.dropped[0].phones), (6, 6));
        assert!(
            found.dropped[0].reason.contains("den"),
            "{}",
            found.dropped[0].reason
        );
    }

    #[test]
    fn burners_tied_to_one_gang_by_a_handset_alone_join_it_as_its_tools() {
        // Regression (own generator, tiny 9105 and small 9202): an
        // operator's kit of burners that took turns in one handset, tied to
        // the gang by that handset alone (one kind each), was left out of
        // every gang, though one of the kit's SIMs is a member.
        let core = HANDSET | DEN | REG;
        let list = vec![
            // Gang 0-2 and gang 6-8, each tied by a handset, a den and an identity.
            (0, 1, core, 10.0),
            (1, 2, core, 10.0),
            (0, 2, core, 10.0),
            (6, 7, core, 10.0),
            (7, 8, core, 10.0),
            (6, 8, core, 10.0),
            (3, 0, HANDSET, 1.0), // burner 3 went through burner 0's handset
            (4, 3, HANDSET, 1.0), // burner 4 only through 3's: one kit with 3
            (5, 1, HANDSET, 1.0), // an ordinary phone in burner 1's handset
            (9, 2, HANDSET, 1.0), // burner 9 went through handsets of both gangs
            (9, 7, HANDSET, 1.0),
            (10, 9, HANDSET, 1.0), // burner 10 only through 9's
        ];
        let seed = [0, 1, 2, 3, 4, 6, 7, 8, 9, 10];
        let found = run(11, &seed, &list, &GangConfig::default());
        let mut gangs: Vec<Vec<u32>> = found.gangs.iter().map(|g| g.units.clone()).collect();
        gangs.sort();
        assert_eq!(
            gangs,
            vec![vec![0, 1, 2, 3, 4], vec![6, 7, 8]],
            "{:?}",
            found.dropped
        );
    }

    #[test]
    fn a_kit_of_burners_follows_its_tied_sims_into_one_gang() {
        // Foreign small-32 and small-33 without cell locations: an
        // operator's kit of burners that took turns in handsets among
        // themselves, one of them in a member's handset, was left out but
        // for that one SIM. The kit is one hand's: it follows that SIM. Of
        // a kit that handsets tie to two gangs, each SIM with a tie of its
        // own joins its gang and the rest join neither; a SIM that only a
        // registration ties to the kit stays out (a pool of stolen
        // identities serves more than one crew).
        let core = HANDSET | DEN | REG;
        let mut list = two_triangles(core);
        list.extend([
            (6, 0, HANDSET, 1.0), // kit 6-7-8: 6 in member 0's handset
            (7, 6, HANDSET, 1.0),
            (8, 7, HANDSET, 1.0),
            (9, 8, REG, 1.0),      // 9 shares only an identity with the kit
            (10, 1, HANDSET, 1.0), // kit 10-11-12 went through both gangs' handsets
            (11, 10, HANDSET, 1.0),
            (11, 4, HANDSET, 1.0),
            (12, 10, HANDSET, 1.0),
        ]);
        let seed: Vec<u32> = (0..13).collect();
        let found = run(13, &seed, &list, &GangConfig::default());
        let mut gangs: Vec<Vec<u32>> = found.gangs.iter().map(|g| g.units.clone()).collect();
        gangs.sort();
        assert_eq!(gangs, vec![vec![0, 1, 2, 6, 7, 8, 10], vec![3, 4, 5, 11]]);
    }

    #[test]
    fn burners_working_beside_one_gangs_burners_at_its_den_are_its_tools() {
        // Foreign small-32 and small-33 without handset serials: two thirds
        // of a gang's burners were tied to the gang by the den alone (one
        // kind each) and left out. A burner that works the den in the
        // gang's hours beside the gang's own fraud SIMs is the gang's; one
        // that works beside two gangs' burners joins neither; an ordinary
        // phone at the den is a coworker of the place and never joins; and
        // a specific tie to one gang outweighs a den shared with another.
        let core = HANDSET | DEN | REG;
        let mut list = two_triangles(core);
        list.extend([
            (6, 0, DEN, 1.0), // burner 6 beside gang 0-2's burners
            (6, 1, DEN, 1.0),
            (7, 2, DEN, 1.0), // burner 7 beside both gangs' burners
            (7, 3, DEN, 1.0),
            (8, 0, DEN, 1.0), // 8 is an ordinary phone at the den
            (9, 4, REG, 1.0), // burner 9: an identity of gang 3-5, the den of 0-2
            (9, 0, DEN, 1.0),
        ]);
        let seed = [0, 1, 2, 3, 4, 5, 6, 7, 9];
        let found = run(10, &seed, &list, &GangConfig::default());
        let mut gangs: Vec<Vec<u32>> = found.gangs.iter().map(|g| g.units.clone()).collect();
        gangs.sort();
        assert_eq!(gangs, vec![vec![0, 1, 2, 6], vec![3, 4, 5, 9]]);
    }

    #[test]
    fn the_people_who_run_a_gang_by_phone_join_it_on_repeated_calls() {
        // Foreign bundles: most lieutenants were left out — they run the
        // operators on their own phones, with calls as the only evidence.
        // Lieutenants 6 and 8 call two of gang 0-2's burners over and
        // over and join. Boss 7 calls the two lieutenants, and 13 calls the
        // boss and a lieutenant: ties to those who joined by calls alone
        // do not count (a boss above the lieutenants calls them as their
        // mother does), so both stay out. A relative (9) calls one member,
        // however often; a go-between (10) calls both gangs; a customer
        // (11) calls two members as often as the case's ordinary pairs do.
        let core = HANDSET | DEN | REG;
        let mut list = two_triangles(core);
        let heavy = [
            (6, 0),
            (6, 1),
            (8, 1),
            (8, 2),
            (7, 6),
            (7, 8),
            (9, 0),
            (10, 0),
            (10, 3),
            (10, 4),
            (13, 7),
            (13, 6),
        ];
        list.extend(heavy.iter().map(|&(a, b)| (a, b, CALLS, 1.0)));
        list.extend([(11, 0, CALLS, 1.0), (11, 1, CALLS, 1.0)]);
        // The case's ordinary call ties: 3 events each (`from_list`).
        list.extend((14..60).map(|u| (u, u + 1, CALLS, 1.0)));
        let seed = [0, 1, 2, 3, 4, 5];
        let mut ties = Ties::from_list(61, &seed, &list);
        for (a, b) in heavy {
            ties = ties.with_calls(a, b, 20);
        }
        let units = Units::singles(61);
        let mut fraud = vec![false; 61];
        for s in seed {
            fraud[s as usize] = true;
        }
        let found = find(&ties, &units, &fraud, &GangConfig::default()).unwrap();
        let mut gangs: Vec<(Vec<u32>, Vec<u32>)> = found
            .gangs
            .iter()
            .map(|g| (g.units.clone(), g.by_calls.clone()))
            .collect();
        gangs.sort();
        assert_eq!(
            gangs,
            vec![(vec![0, 1, 2, 6, 8], vec![6, 8]), (vec![3, 4, 5], vec![])]
        );
    }

    /// Units 0-2 and 3-5, each three tied pairwise by `kinds`, heavily.
    fn two_triangles(kinds: u8) -> Vec<(u32, u32, u8, f64)> {
        [(0, 1), (1, 2), (0, 2), (3, 4), (4, 5), (3, 5)]
            .into_iter()
            .map(|(a, b)| (a, b, kinds, 10.0))
            .collect()
    }

    /// Burners 0-2 and 3-5 each hold together by a handset, a den and a
    /// report; `cross` lists the registration ties between the two.
    fn two_crews(cross: &[(u32, u32)]) -> Vec<Vec<u32>> {
        let mut list = two_triangles(HANDSET | DEN | INC);
        list.extend(cross.iter().map(|&(a, b)| (a, b, REG, 0.5)));
        let found = run(6, &[0, 1, 2, 3, 4, 5], &list, &GangConfig::default());
        let mut gangs: Vec<Vec<u32>> = found.gangs.iter().map(|g| g.units.clone()).collect();
        gangs.sort();
        gangs
    }

    #[test]
    fn a_gang_cut_in_two_along_its_pool_of_stolen_identities_is_one_gang() {
        // Regression (own generator, small 9501): one gang's SIMs were
        // registered from one pool of stolen identities on both sides of a
        // cut the tie graph's communities made; most members of the smaller
        // part were tied to the other by a registration (one kind each),
        // and the gang was reported as two (17 and 14 phones, neither half
        // of the gang's 40).
        assert_eq!(two_crews(&[(3, 0), (4, 1)]), vec![vec![0, 1, 2, 3, 4, 5]]);
    }

    #[test]
    fn two_gangs_that_share_one_stolen_identity_stay_two() {
        // One member of each side registered on one identity: two gangs
        // that met, not one.
        assert_eq!(two_crews(&[(3, 0)]), vec![vec![0, 1, 2], vec![3, 4, 5]]);
    }

    /// What [`two_gangs_in_one`] makes of burners 0-5 taken as one group:
    /// 0-2 and 3-5 each hold together by a handset and a report, `cross`
    /// lists the ties between the two sides.
    fn one_group(cross: &[(u32, u32, u8)]) -> Option<Vec<Vec<u32>>> {
        one_group_reported(cross, &[])
    }

    /// As [`one_group`], with fraud reports per holder (`(holder, report)`).
    fn one_group_reported(
        cross: &[(u32, u32, u8)],
        reports: &[(u32, u32)],
    ) -> Option<Vec<Vec<u32>>> {
        let mut list = two_triangles(HANDSET | INC);
        list.extend(cross.iter().map(|&(a, b, k)| (a, b, k, 0.5)));
        let ties = Ties::from_list(6, &[0, 1, 2, 3, 4, 5], &list).with_reports(reports);
        let units = Units::singles(6);
        two_gangs_in_one(
            &ties,
            &units,
            &GangConfig::default(),
            &[0, 1, 2, 3, 4, 5],
            0,
        )
        .unwrap()
    }

    #[test]
    fn two_gangs_one_community_held_together_are_two_gangs_again() {
        // Regression (foreign small-33 with its cells blanked): two gangs
        // that registered SIMs on a few common stolen identities (4 ties
        // through 3 of one side's 11 phones) were one community of the tie
        // graph, each side holding together on its own ties, and were
        // reported as one gang.
        assert_eq!(
            one_group(&[(0, 3, REG)]),
            Some(vec![vec![0, 1, 2], vec![3, 4, 5]])
        );
        // Sides that meet at a den, on the phone, in a fraud report or a
        // paid account, or share most of their identities are one gang.
        assert_eq!(one_group(&[(0, 3, REG), (1, 4, DEN)]), None);
        assert_eq!(one_group(&[(0, 3, REG), (2, 5, CALLS)]), None);
        assert_eq!(one_group(&[(0, 3, REG), (2, 5, ACC)]), None);
        assert_eq!(one_group(&[(0, 3, REG), (2, 5, INC)]), None);
        // Regression (own small 9203): halves with no tie between them that
        // fraud reports tie together (one report, or reports paying one
        // account) are one crew.
        assert_eq!(one_group_reported(&[(0, 3, REG)], &[(1, 7), (4, 7)]), None);
        assert!(one_group_reported(&[(0, 3, REG)], &[(1, 7), (4, 8)]).is_some());
        assert_eq!(one_group(&[(0, 3, REG), (1, 4, REG)]), None);
    }

    #[test]
    fn two_gangs_that_stand_alone_at_one_den_stay_two() {
        // Burners 0-2 and 3-5 each hold together by a handset and an
        // identity; only the den is between the two: two gangs.
        let list = vec![
            (0, 1, HANDSET | DEN | REG, 3.0),
            (1, 2, HANDSET | DEN | REG, 3.0),
            (0, 2, HANDSET | DEN, 3.0),
            (3, 4, HANDSET | DEN | REG, 3.0),
            (4, 5, HANDSET | DEN | REG, 3.0),
            (3, 5, HANDSET | DEN, 3.0),
            (2, 3, DEN, 1.0),
            (0, 5, DEN, 1.0),
        ];
        let found = run(6, &[0, 1, 2, 3, 4, 5], &list, &GangConfig::default());
        let mut gangs: Vec<Vec<u32>> = found.gangs.iter().map(|g| g.units.clone()).collect();
        gangs.sort();
        assert_eq!(gangs, vec![vec![0, 1, 2], vec![3, 4, 5]]);
    }

    #[test]
    fn groups_whose_sims_took_turns_in_one_handset_are_one_gang() {
        // Regression (own generator, small seed 27): one operator's handset
        // carried burners of two groups in turn, and the communities of the
        // tie graph cut the gang in two along it. A handset between two
        // groups joins them; a den or a call between them does not.
        let groups = vec![vec![0, 1, 2], vec![3, 4, 5], vec![6, 7, 8]];
        let mut list = vec![
            (0, 1, HANDSET | DEN, 3.0),
            (1, 2, HANDSET | DEN, 3.0),
            (3, 4, HANDSET | DEN, 3.0),
            (4, 5, HANDSET | DEN, 3.0),
            (6, 7, HANDSET | DEN, 3.0),
            (7, 8, HANDSET | DEN, 3.0),
            (5, 6, DEN | CALLS, 1.0),
        ];
        let ties = Ties::from_list(9, &[0, 1, 2, 3, 4, 5, 6, 7, 8], &list);
        assert_eq!(one_handset_one_gang(&ties, groups.clone()), groups);
        list.push((2, 3, HANDSET, 1.0));
        let ties = Ties::from_list(9, &[0, 1, 2, 3, 4, 5, 6, 7, 8], &list);
        assert_eq!(
            one_handset_one_gang(&ties, groups),
            vec![vec![0, 1, 2, 3, 4, 5], vec![6, 7, 8]]
        );
    }

    #[test]
    fn a_number_that_one_report_alone_names_earns_nothing_by_its_account() {
        // Regression (own generator, medium seed 93): a victim's number,
        // written in his report beside the fraud's number and the account he
        // paid, which another victim's report names too. The report and the
        // account both rest on that one row: one kind, no member. A number
        // named in two reports, or a burner, has two.
        let list = vec![
            (0, 1, HANDSET | DEN, 3.0),
            (1, 2, HANDSET | DEN, 3.0),
            (3, 0, INC, 1.0),
            (3, 2, ACC, 1.0),
        ];
        let mut ties = Ties::from_list(4, &[0, 1, 2, 3], &list);
        let members = |ties: &Ties| {
            let mut m: FxHashSet<u32> = (0..4).collect();
            prune(ties, &mut m, 2);
            sorted(&m)
        };
        assert_eq!(members(&ties), vec![0, 1, 2, 3]);
        ties.one_report[3] = true;
        assert_eq!(members(&ties), vec![0, 1, 2]);
    }

    #[test]
    fn a_number_one_report_names_needs_a_tie_specific_to_the_fraud() {
        // Regression (own generator, tiny seed 72): a driver's number, which
        // one victim wrote in his report, calls a member and is seen at the
        // den: two kinds, neither specific to the fraud. Named once and no
        // burner, his phone is no fraud SIM of his own: he is a contact, not
        // a member. Had the report named a gang SIM beside his (an incident
        // tie), he would be.
        let mut list = case();
        list.push((8, 3, CALLS, 2.0));
        list.push((8, 1, DEN, 2.0));
        let mut ties = Ties::from_list(9, &[0, 1, 2, 8], &list);
        ties.one_report[8] = true;
        let members = |ties: &Ties| {
            let mut m: FxHashSet<u32> = [0, 1, 2, 3, 8].into_iter().collect();
            prune(ties, &mut m, 2);
            sorted(&m)
        };
        assert_eq!(members(&ties), vec![0, 1, 2]);
        let mut list = case();
        list.push((8, 3, CALLS, 2.0));
        list.push((8, 1, DEN | INC, 2.0));
        let mut ties = Ties::from_list(9, &[0, 1, 2, 8], &list);
        ties.one_report[8] = true;
        assert_eq!(members(&ties), vec![0, 1, 2, 8]);
    }
}
