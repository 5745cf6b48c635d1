//! `colocated ENTITY [--window 30m]`: phones served by the same cell as the
//! entity's phones within the window of one of their events, ranked by how
//! many of the entity's events they shared a cell with. Two SIMs carried
//! by one person (or by a courier and a boss) keep turning up here.
//!
//! # Complexity
//! For each event of the entity with a known cell, a binary search on the
//! time-sorted events and a scan of the events within ± window:
//! O(n · (log E + events per window)), n the entity's events.

use super::{Entity, TimeRange};
use crate::graph::{CaseGraph, NONE};
use crate::model::{Time, NO_TIME};
use rustc_hash::FxHashMap;

/// A phone seen near the entity.
#[derive(Debug, Clone, PartialEq)]
pub struct Colocated {
    pub phone: u32,
    /// Events of the entity that had this phone at the same cell within the window.
    pub times: u32,
    /// Distinct cells where they met.
    pub cells: Vec<u32>,
    pub first: Time,
    pub last: Time,
    /// calls.csv lines of the other phone's events that matched.
    pub lines: Vec<u32>,
}

/// Phones co-located with the entity, most often first (then by phone).
pub fn colocated(g: &CaseGraph, e: &Entity, window: i64, range: TimeRange) -> Vec<Colocated> {
    let mut m: FxHashMap<u32, Colocated> = FxHashMap::default();
    let mut own: Vec<(Time, u32, u32)> = Vec::new(); // (time, cell, event line)
    for &p in &e.phones {
        for ev in g.events_of(p) {
            let cell = if ev.caller == p {
                ev.caller_location
            } else {
                ev.callee_location
            };
            if cell != NONE && range.contains(ev.start) {
                own.push((ev.start, cell, ev.line));
            }
        }
    }
    own.sort_unstable();
    own.dedup();
    for &(t, cell, _) in &own {
        let lo = g
            .events
            .partition_point(|x| x.start < t.saturating_sub(window));
        let hi = g
            .events
            .partition_point(|x| x.start <= t.saturating_add(window));
        let mut met: Vec<u32> = Vec::new();
        for x in &g.events[lo..hi] {
            for (phone, loc) in [(x.caller, x.caller_location), (x.callee, x.callee_location)] {
                if loc != cell || e.has_phone(phone) {
                    continue;
                }
                let c = m.entry(phone).or_insert_with(|| Colocated {
                    phone,
                    times: 0,
                    cells: Vec::new(),
                    first: NO_TIME,
                    last: NO_TIME,
                    lines: Vec::new(),
                });
                if !met.contains(&phone) {
                    met.push(phone);
                    c.times += 1;
                    if !c.cells.contains(&cell) {
                        c.cells.push(cell);
                    }
                    if c.first == NO_TIME || t < c.first {
                        c.first = t;
                    }
                    if c.last == NO_TIME || t > c.last {
                        c.last = t;
                    }
                }
                c.lines.push(x.line);
            }
        }
    }
    let mut out: Vec<Colocated> = m.into_values().collect();
    for c in &mut out {
        c.cells.sort_unstable();
        c.lines.sort_unstable();
        c.lines.dedup();
    }
    out.sort_by(|a, b| b.times.cmp(&a.times).then(a.phone.cmp(&b.phone)));
    out
}
