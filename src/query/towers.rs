//! `towers LOCATION [LOCATION ...] --from T --to T`: a tower-dump
//! intersection: the phones seen at every one of the given cells in the
//! window (as caller at the caller's cell or callee at the callee's cell),
//! with how often and when at each.
//!
//! # Complexity
//! Two binary searches on the time-sorted events, then one pass over the
//! events in the window: O(log E + events in the window).

use super::{Tally, TimeRange};
use crate::graph::CaseGraph;
use rustc_hash::FxHashMap;

/// A phone seen at every cell.
#[derive(Debug, Clone, PartialEq)]
pub struct Seen {
    pub phone: u32,
    /// One tally per cell, in argument order (calls and texts counted by kind).
    pub per_cell: Vec<Tally>,
    pub lines: Vec<Vec<u32>>,
}

impl Seen {
    pub fn total_events(&self) -> u32 {
        self.per_cell.iter().map(Tally::events).sum()
    }
}

/// Phones seen at all `cells` within `range`, most seen first (then by phone).
pub fn tower_dump(g: &CaseGraph, cells: &[u32], range: TimeRange, lines: bool) -> Vec<Seen> {
    let mut m: FxHashMap<u32, Vec<(Tally, Vec<u32>)>> = FxHashMap::default();
    for e in &g.events[super::event_span(&range, g)] {
        for (phone, loc) in [(e.caller, e.caller_location), (e.callee, e.callee_location)] {
            for (ci, &c) in cells.iter().enumerate() {
                if c == loc {
                    let slot = m
                        .entry(phone)
                        .or_insert_with(|| vec![(Tally::default(), Vec::new()); cells.len()]);
                    slot[ci].0.add_event(e);
                    if lines {
                        slot[ci].1.push(e.line);
                    }
                }
            }
        }
    }
    let mut out: Vec<Seen> = m
        .into_iter()
        .filter(|(_, v)| v.iter().all(|(t, _)| t.events() > 0))
        .map(|(phone, v)| Seen {
            phone,
            per_cell: v.iter().map(|x| x.0).collect(),
            lines: v.into_iter().map(|x| x.1).collect(),
        })
        .collect();
    out.sort_by(|a, b| {
        b.total_events()
            .cmp(&a.total_events())
            .then(a.phone.cmp(&b.phone))
    });
    out
}
