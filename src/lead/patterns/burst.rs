//! Bursts before fraud: a phone named in a fraud report that made a run of
//! outgoing calls in a short window in the days before the report — the
//! cold-calling that found the victim.
//!
//! # Complexity
//! O(E_p) per (incident, named phone) over that phone's events (two-pointer
//! sliding window).

use super::{Context, Hit, PatternKind};
use crate::lead::config::BurstConfig;
use crate::model::time::show;

pub fn detect(ctx: &Context, c: &BurstConfig) -> Vec<Hit> {
    let g = ctx.graph;
    let mut hits = Vec::new();
    let mut pairs: Vec<(u32, u32)> = Vec::new();
    for &i in &ctx.fraud {
        for &p in g.list(g.incidents[i as usize].phones) {
            if ctx.eligible(p) {
                pairs.push((p, i));
            }
        }
    }
    pairs.sort_unstable();
    pairs.dedup();
    for (p, i) in pairs {
        let inc = &g.incidents[i as usize];
        let from = inc.time - c.lookback_hours * 3600;
        let out: Vec<&crate::graph::CallEvent> = g
            .events_of(p)
            .filter(|e| e.caller == p && e.start >= from && e.start <= inc.time)
            .collect();
        let (mut best, mut best_at, mut lo) = (0usize, 0usize, 0usize);
        for hi in 0..out.len() {
            while out[hi].start - out[lo].start > c.window_s {
                lo += 1;
            }
            if hi + 1 - lo > best {
                best = hi + 1 - lo;
                best_at = lo;
            }
        }
        if (best as u32) < c.min_calls {
            continue;
        }
        let run = &out[best_at..best_at + best];
        hits.push(Hit {
            kind: PatternKind::Burst,
            entity: Context::phone_ref(p),
            entity_id: g.phone_number(p).to_string(),
            phones: vec![],
            reason: format!(
                "burst: {} outgoing calls within {} minutes from {} before fraud report {}",
                best,
                c.window_s / 60,
                show(run[0].start),
                g.str(inc.incident_id)
            ),
            sources: std::iter::once(format!("incidents.csv:{}", inc.line))
                .chain(super::call_sources(run.iter().copied()))
                .take(super::MAX_SOURCES)
                .collect(),
        });
    }
    hits
}
