//! Activity at odd hours: a phone whose calls fall in the small hours
//! (00:00–05:00 by default) far more than ordinary lives allow.
//!
//! # Complexity
//! O(1) per phone over the precomputed [`super::Profile`]s.

use super::{call_sources, in_hours, Context, Hit, PatternKind};
use crate::lead::config::OddHoursConfig;
use crate::model::time::hour_of_day;

pub fn detect(ctx: &Context, c: &OddHoursConfig) -> Vec<Hit> {
    let g = ctx.graph;
    let mut hits = Vec::new();
    for (p, prof) in ctx.profiles.iter().enumerate() {
        let p = p as u32;
        let n = prof.events();
        if !ctx.eligible(p) || n < c.min_events || (prof.odd as f64) < c.min_share * n as f64 {
            continue;
        }
        hits.push(Hit {
            kind: PatternKind::OddHours,
            entity: Context::phone_ref(p),
            entity_id: g.phone_number(p).to_string(),
            phones: vec![],
            reason: format!(
                "odd hours: {} of {} calls between {:02}:00 and {:02}:00",
                prof.odd, n, c.from_hour, c.to_hour
            ),
            sources: call_sources(
                g.events_of(p)
                    .filter(|e| in_hours(hour_of_day(e.start), (c.from_hour, c.to_hour))),
            ),
        });
    }
    hits
}
