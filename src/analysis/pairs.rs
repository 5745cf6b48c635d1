//! Phone pairs: the call events between two phones counted once per
//! unordered pair, with how many went each way. The contact graph is built
//! from them and the hub rule reads them, so they sit below both.

use rayon::prelude::*;

/// One undirected phone pair before filtering by `min_events` and hubs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PhonePair {
    pub low: u32,
    pub high: u32,
    /// Events in both directions.
    pub events: u32,
    /// Events from `low` to `high` (the rest went the other way).
    pub low_to_high: u32,
}

/// Fold per-ordered-pair event counts `(caller, callee, events)` into one
/// [`PhonePair`] per unordered pair, sorted by `(low, high)`.
pub fn undirected_pairs(directed: &[(u32, u32, u32)]) -> Vec<PhonePair> {
    let mut v: Vec<PhonePair> = directed
        .iter()
        .map(|&(a, b, c)| PhonePair {
            low: a.min(b),
            high: a.max(b),
            events: c,
            low_to_high: if a < b { c } else { 0 },
        })
        .collect();
    v.par_sort_unstable_by_key(|p| (p.low, p.high));
    let mut out: Vec<PhonePair> = Vec::with_capacity(v.len());
    for p in v {
        match out.last_mut() {
            Some(l) if l.low == p.low && l.high == p.high => {
                l.events += p.events;
                l.low_to_high += p.low_to_high;
            }
            _ => out.push(p),
        }
    }
    out
}
