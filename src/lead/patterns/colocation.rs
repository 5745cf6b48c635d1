//! Co-location: a suspect phone and another phone served by the same cell
//! in the same time window on several distinct days — operators working
//! side by side in the den, a burner and its holder's own phone. Windows
//! crowded with phones (a station at rush hour) say nothing and are skipped.
//!
//! # Complexity
//! O(S log S + Σ w·s) for the S sightings in windows where a suspect was
//! seen, with w phones and s suspects per window (w bounded by
//! `max_phones_per_window`).

use super::{Context, Hit, PatternKind};
use crate::graph::NONE;
use crate::lead::config::ColocationConfig;
use rayon::prelude::*;
use rustc_hash::FxHashSet;

/// Pairs `(a, b, days)` with `a < b`, at least one of them a suspect.
pub fn colocated_pairs(
    ctx: &Context,
    c: &ColocationConfig,
    suspect: &[bool],
) -> Vec<(u32, u32, u32)> {
    let g = ctx.graph;
    let w = c.window_s.max(1);
    let sight = |e: &crate::graph::CallEvent| {
        let mut v: [(u32, i64, u32); 2] = [(NONE, 0, NONE); 2];
        if e.caller_location != NONE {
            v[0] = (e.caller_location, e.start.div_euclid(w), e.caller);
        }
        if e.callee_location != NONE {
            v[1] = (e.callee_location, e.start.div_euclid(w), e.callee);
        }
        v
    };
    let windows: FxHashSet<(u32, i64)> = g
        .events
        .iter()
        .flat_map(&sight)
        .filter(|s| s.0 != NONE && suspect[s.2 as usize])
        .map(|s| (s.0, s.1))
        .collect();
    let mut sightings: Vec<(u32, i64, u32)> = g
        .events
        .iter()
        .flat_map(&sight)
        .filter(|s| s.0 != NONE && ctx.eligible(s.2) && windows.contains(&(s.0, s.1)))
        .collect();
    sightings.par_sort_unstable();
    sightings.dedup();
    let mut pair_days: Vec<(u32, u32, i64)> = Vec::new();
    let mut i = 0;
    while i < sightings.len() {
        let mut j = i;
        while j < sightings.len()
            && sightings[j].0 == sightings[i].0
            && sightings[j].1 == sightings[i].1
        {
            j += 1;
        }
        let group = &sightings[i..j];
        if group.len() <= c.max_phones_per_window {
            let day = group[0].1 * w / 86_400;
            for a in group {
                if !suspect[a.2 as usize] {
                    continue;
                }
                for b in group {
                    if a.2 != b.2 && (!suspect[b.2 as usize] || a.2 < b.2) {
                        pair_days.push((a.2.min(b.2), a.2.max(b.2), day));
                    }
                }
            }
        }
        i = j;
    }
    pair_days.par_sort_unstable();
    pair_days.dedup();
    let mut out = Vec::new();
    let mut k = 0;
    while k < pair_days.len() {
        let mut m = k;
        while m < pair_days.len()
            && pair_days[m].0 == pair_days[k].0
            && pair_days[m].1 == pair_days[k].1
        {
            m += 1;
        }
        let days = (m - k) as u32;
        if days >= c.min_days {
            out.push((pair_days[k].0, pair_days[k].1, days));
        }
        k = m;
    }
    out
}

/// One hit per co-located pair from [`colocated_pairs`].
pub fn detect(ctx: &Context, pairs: &[(u32, u32, u32)]) -> Vec<Hit> {
    let g = ctx.graph;
    pairs
        .iter()
        .map(|&(a, b, days)| {
            let cells_b: FxHashSet<u32> = g.locations_of(b).iter().map(|l| l.location).collect();
            Hit {
                kind: PatternKind::Colocation,
                entity: Context::phone_ref(a),
                entity_id: g.phone_number(a).to_string(),
                phones: vec![b],
                // Both phones are named: the hit is listed under the leads
                // of either phone, so "co-located with ..." alone would name
                // the lead's own number for one of them.
                reason: format!(
                    "{} and {} co-located (same cell, same hour) on {} days",
                    g.phone_number(a),
                    g.phone_number(b),
                    days
                ),
                sources: super::call_sources(g.events_of(a).filter(|e| {
                    let cell = if e.caller == a {
                        e.caller_location
                    } else {
                        e.callee_location
                    };
                    cells_b.contains(&cell)
                })),
            }
        })
        .collect()
}
