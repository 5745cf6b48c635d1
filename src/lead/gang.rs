//! Gang candidates: communities (Louvain with Leiden refinement) of the
//! evidence graph that hold at least one suspect phone, trimmed of members
//! that hang on by a thread, and scored by the patterns their phones show.
//!
//! Communities, not components: the evidence graph of a city is one giant
//! component through ordinary calls; the heavy links (handset, den, reports,
//! accounts) pull a gang's phones into one community while a member's
//! relatives stay in their own.
//!
//! # Complexity
//! One Louvain run (see [`crate::analysis::communities`]) plus O(m) to trim
//! and score.

use crate::analysis::{communities, CommunityConfig, ContactGraph};
use crate::error::Result;
use crate::lead::config::GangConfig;

/// A gang before roles: its phones (sorted) and score.
#[derive(Debug, Clone, PartialEq)]
pub struct Candidate {
    pub phones: Vec<u32>,
    pub score: f64,
}

/// What admission to a gang looks at, per phone.
pub struct PhoneFacts<'a> {
    /// Pattern score of each phone.
    pub score: &'a [f64],
    /// Seeds: burners, phones named in reports, fan-out to victims, their handset mates.
    pub suspect: &'a [bool],
    pub burner: &'a [bool],
    /// Suspects showing two or more kinds of pattern.
    pub strong_suspect: &'a [bool],
    /// Phones with each of these patterns.
    pub odd_hours: &'a [bool],
    pub incident_contact: &'a [bool],
    /// Co-located pairs (a, b, days).
    pub colocated: &'a [(u32, u32, u32)],
    /// Call events with each other phone, hubs and victims left out: `ties(p)`.
    pub ties: &'a (dyn Fn(u32) -> Vec<(u32, u32)> + Sync),
    /// Phones `p` called (not those that called `p`).
    pub callees: &'a (dyn Fn(u32) -> Vec<u32> + Sync),
}

/// Candidates from the evidence graph `eg` (node = phone).
///
/// Each community holding a suspect gives one candidate: its suspects are
/// the core; every other phone of the community must earn its place with
/// at least two pieces of evidence, counting only members already in
/// (repeated until nothing changes; the phones considered are the
/// community's and those in contact with a member that is not a burner): co-located with the core; odd-hours
/// activity; a call to a number named in a report; calling a core phone that is
/// not a burner and shows two kinds of pattern (victims are called by the
/// gang; its members call it; a number named once in a report may be a
/// victim's own); two or more events with each of up to two members;
/// most of its call events with members. One piece — a coworker at the
/// den's cell, a relative of a member — is not enough. Phones with more
/// than `max_member_contacts` contacts are not admitted this way.
pub fn candidates(eg: &ContactGraph, f: &PhoneFacts, c: &GangConfig) -> Result<Vec<Candidate>> {
    let comms = communities(
        eg,
        &CommunityConfig {
            resolution: c.resolution,
            seed: c.seed,
            ..Default::default()
        },
    )?;
    let mut coloc_of: rustc_hash::FxHashMap<u32, Vec<u32>> = rustc_hash::FxHashMap::default();
    for &(a, b, _) in f.colocated {
        coloc_of.entry(a).or_default().push(b);
        coloc_of.entry(b).or_default().push(a);
    }
    // (community, phones) of each candidate before it is scored.
    let mut grown: Vec<(u32, Vec<u32>)> = Vec::new();
    for k in 0..comms.len() as u32 {
        let members = comms.members(k);
        let core: Vec<u32> = members
            .iter()
            .copied()
            .filter(|&p| f.suspect[p as usize])
            .collect();
        if core.is_empty() {
            continue;
        }
        let mut kept: rustc_hash::FxHashSet<u32> = core.iter().copied().collect();
        let core_set: rustc_hash::FxHashSet<u32> = kept.clone();
        let mut frontier: Vec<u32> = members.to_vec();
        loop {
            // The community, and everyone in contact with a member (a
            // burner's contacts are its victims, so not through burners).
            for &p in kept.iter() {
                if !f.burner[p as usize] && (f.ties)(p).len() <= c.max_member_contacts {
                    frontier.extend((f.ties)(p).iter().map(|t| t.0));
                }
            }
            frontier.sort_unstable();
            frontier.dedup();
            frontier.retain(|p| !kept.contains(p));
            let mut added = Vec::new();
            for &p in &frontier {
                if kept.contains(&p) {
                    continue;
                }
                let mut evidence = 0u32;
                if coloc_of
                    .get(&p)
                    .is_some_and(|v| v.iter().any(|q| core_set.contains(q)))
                {
                    evidence += 1;
                }
                evidence += f.odd_hours[p as usize] as u32;
                evidence += f.incident_contact[p as usize] as u32;
                let ties = (f.ties)(p);
                if ties.len() > c.max_member_contacts {
                    continue;
                }
                if (f.callees)(p).iter().any(|&q| {
                    core_set.contains(&q) && f.strong_suspect[q as usize] && !f.burner[q as usize]
                }) {
                    evidence += 1;
                }
                let strong = ties
                    .iter()
                    .filter(|&&(q, n)| n >= 2 && kept.contains(&q) && !f.burner[q as usize])
                    .count()
                    .min(2) as u32;
                evidence += strong;
                let total: u32 = ties.iter().map(|t| t.1).sum();
                let inside: u32 = ties
                    .iter()
                    .filter(|t| kept.contains(&t.0) && !f.burner[t.0 as usize])
                    .map(|t| t.1)
                    .sum();
                if total > 0 && inside as f64 >= c.min_inside_share * total as f64 {
                    evidence += 1;
                }
                if evidence >= 2 {
                    added.push(p);
                }
            }
            if added.is_empty() {
                break;
            }
            kept.extend(added);
        }
        let mut phones: Vec<u32> = kept.into_iter().collect();
        phones.sort_unstable();
        grown.push((k, phones));
    }
    // A phone admitted by several candidates (each grows past its own
    // community) is a member of one gang only: the one grown from its own
    // community if there is one, else the first that admitted it (lowest
    // community).
    let mut owner: rustc_hash::FxHashMap<u32, u32> = rustc_hash::FxHashMap::default();
    for (k, phones) in &grown {
        for &p in phones {
            let own = comms.community_of[p as usize] == *k;
            owner
                .entry(p)
                .and_modify(|o| {
                    if own {
                        *o = *k
                    }
                })
                .or_insert(*k);
        }
    }
    let mut out = Vec::new();
    for (k, mut phones) in grown {
        phones.retain(|p| owner[p] == k);
        let score: f64 = phones.iter().map(|&p| f.score[p as usize]).sum();
        if phones.len() >= c.min_phones && score >= c.min_score {
            out.push(Candidate { phones, score });
        }
    }
    out.sort_by(|a, b| {
        b.score
            .total_cmp(&a.score)
            .then(a.phones[0].cmp(&b.phones[0]))
    });
    Ok(out)
}
