//! SIM swapping: several SIMs through one handset (IMEI), one after
//! another — the burner habit of keeping the work handset and changing the
//! number. SIMs that share a handset at the same time are a dual-SIM phone,
//! not a swap; a handset with dozens of SIMs is a shop's test phone.
//!
//! # Complexity
//! O(H log H) over the H handset uses (grouped by handset).

use super::{Context, Hit, PatternKind};
use crate::graph::provenance::NodeRef;
use crate::lead::config::SimSwapConfig;
use crate::model::{NodeKind, NO_TIME};
use rustc_hash::FxHashMap;

/// SIMs of each handset, sorted by first use, for handsets in sequence.
pub fn swapped_handsets(ctx: &Context, c: &SimSwapConfig) -> Vec<(u32, Vec<u32>)> {
    let g = ctx.graph;
    let mut by_handset: FxHashMap<u32, Vec<(i64, i64, u32)>> = FxHashMap::default();
    for u in &g.handset_uses {
        if ctx.is_hub[u.phone as usize] {
            continue;
        }
        let first = if u.first == NO_TIME {
            i64::MAX
        } else {
            u.first
        };
        by_handset
            .entry(u.handset)
            .or_default()
            .push((first, u.last, u.phone));
    }
    let mut out: Vec<(u32, Vec<u32>)> = Vec::new();
    for (h, mut sims) in by_handset {
        if sims.len() < c.min_sims || sims.len() > c.max_sims {
            continue;
        }
        sims.sort_unstable();
        let tol = (c.max_overlap_hours * 3600.0) as i64;
        let seen: Vec<&(i64, i64, u32)> = sims.iter().filter(|s| s.0 != i64::MAX).collect();
        let in_sequence = seen
            .windows(2)
            .all(|w| w[1].0 >= w[0].1.saturating_sub(tol));
        if in_sequence {
            out.push((h, sims.iter().map(|s| s.2).collect()));
        }
    }
    out.sort_unstable();
    out
}

pub fn detect(ctx: &Context, c: &SimSwapConfig) -> Vec<Hit> {
    let g = ctx.graph;
    swapped_handsets(ctx, c)
        .into_iter()
        .map(|(h, sims)| {
            let mut sources: Vec<String> = Vec::new();
            for &p in &sims {
                for u in g.handsets_of(p).iter().filter(|u| u.handset == h) {
                    if u.registration_line != 0 {
                        sources.push(format!("phones.csv:{}", u.registration_line));
                    }
                }
                if let Some(e) = g.events_of(p).find(|e| {
                    (e.caller == p && e.caller_handset == h)
                        || (e.callee == p && e.callee_handset == h)
                }) {
                    sources.push(format!("calls.csv:{}", e.line));
                }
            }
            sources.truncate(super::MAX_SOURCES);
            let numbers: Vec<&str> = sims.iter().map(|&p| g.phone_number(p)).collect();
            Hit {
                kind: PatternKind::SimSwap,
                entity: NodeRef {
                    kind: NodeKind::Handset,
                    idx: h,
                },
                entity_id: g.str(g.handsets[h as usize]).to_string(),
                reason: format!(
                    "SIM swapping: {} SIMs used one after another in handset {}: {}",
                    sims.len(),
                    g.str(g.handsets[h as usize]),
                    numbers.join(", ")
                ),
                phones: sims,
                sources,
            }
        })
        .collect()
}
