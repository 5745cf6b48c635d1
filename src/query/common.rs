//! `common A B [C ...]`: the phones every given party has been in contact
//! with (called, or was called or texted by), with the evidence per party.
//! A party's own phones (all of a person's or individual's) are not
//! counted as contacts of the others.
//!
//! # Complexity
//! O(sum of the parties' contact degrees) with the whole time span (the
//! aggregated call links); with `--from/--to`, O(their events).

use super::{contacts_with_lines, Entity, Tally, TimeRange};
use crate::graph::CaseGraph;
use rustc_hash::FxHashMap;

/// A contact shared by all parties.
#[derive(Debug, Clone, PartialEq)]
pub struct Shared {
    pub phone: u32,
    /// One tally per party, in argument order.
    pub per_party: Vec<Tally>,
    /// calls.csv lines per party (only with sources).
    pub lines: Vec<Vec<u32>>,
}

impl Shared {
    pub fn total_events(&self) -> u32 {
        self.per_party.iter().map(Tally::events).sum()
    }
}

/// Each party's contacts, merged over its phones.
fn contacts(
    g: &CaseGraph,
    e: &Entity,
    range: TimeRange,
    lines: bool,
) -> FxHashMap<u32, (Tally, Vec<u32>)> {
    let mut m: FxHashMap<u32, (Tally, Vec<u32>)> = FxHashMap::default();
    for &p in &e.phones {
        for (peer, t, l) in contacts_with_lines(g, p, range, lines) {
            if e.has_phone(peer) {
                continue;
            }
            let slot = m.entry(peer).or_insert((Tally::default(), Vec::new()));
            slot.0.merge(&t);
            slot.1.extend(l);
        }
    }
    m
}

/// Contacts shared by every party, most contacted first (then by phone).
pub fn common_contacts(
    g: &CaseGraph,
    parties: &[Entity],
    range: TimeRange,
    lines: bool,
) -> Vec<Shared> {
    let maps: Vec<_> = parties
        .iter()
        .map(|e| contacts(g, e, range, lines))
        .collect();
    let Some((first, rest)) = maps.split_first() else {
        return Vec::new();
    };
    let mut out: Vec<Shared> = first
        .keys()
        .copied()
        .filter(|p| parties.iter().all(|e| !e.has_phone(*p)))
        .filter(|p| rest.iter().all(|m| m.contains_key(p)))
        .map(|phone| Shared {
            phone,
            per_party: maps.iter().map(|m| m[&phone].0).collect(),
            lines: maps.iter().map(|m| m[&phone].1.clone()).collect(),
        })
        .collect();
    out.sort_by(|a, b| {
        b.total_events()
            .cmp(&a.total_events())
            .then(a.phone.cmp(&b.phone))
    });
    out
}
