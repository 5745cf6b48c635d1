//! Burner SIMs: a SIM that lives days, not months, and is used to call many
//! distinct numbers briefly, while hardly anyone calls it. A call centre's
//! lines live for years and take calls; a delivery rider's customers call
//! back; a family calls the same few numbers again and again — none of them
//! pass all the tests together.
//!
//! # Complexity
//! O(1) per phone over the precomputed [`Profile`]s, plus the events of the
//! phones that fire (for their source rows).

use super::{call_sources, Context, Hit, PatternKind};
use crate::lead::config::BurnerConfig;

/// Whether a profile is a burner's under `c`.
pub fn is_burner(p: &super::Profile, c: &BurnerConfig) -> bool {
    let events = p.events();
    events > 0
        && p.life_days() <= c.max_life_days
        && p.outgoing >= c.min_outgoing
        && p.distinct_out >= c.min_distinct
        && p.distinct_out as f64 >= c.min_distinct_share * p.outgoing as f64
        && (p.incoming as f64) <= c.max_incoming_share * events as f64
        && p.short_out as f64 >= c.min_short_share * p.outgoing as f64
}

pub fn detect(ctx: &Context, c: &BurnerConfig) -> Vec<Hit> {
    let g = ctx.graph;
    let mut hits = Vec::new();
    for (p, prof) in ctx.profiles.iter().enumerate() {
        let p = p as u32;
        if !ctx.eligible(p) || !is_burner(prof, c) {
            continue;
        }
        let days = prof.life_days().ceil().max(1.0) as u64;
        hits.push(Hit {
            kind: PatternKind::Burner,
            entity: Context::phone_ref(p),
            entity_id: g.phone_number(p).to_string(),
            phones: vec![],
            reason: format!(
                "burner: active {days} day{}, {} outgoing calls to {} distinct numbers ({} short), {} incoming",
                if days == 1 { "" } else { "s" },
                prof.outgoing,
                prof.distinct_out,
                prof.short_out,
                prof.incoming
            ),
            sources: call_sources(g.events_of(p).filter(|e| e.caller == p)),
        });
    }
    hits
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lead::patterns::Profile;

    fn cold_caller() -> Profile {
        Profile {
            outgoing: 40,
            incoming: 2,
            distinct_out: 38,
            short_out: 36,
            odd: 0,
            first: 0,
            last: 5 * 86_400,
        }
    }

    #[test]
    fn a_short_lived_cold_caller_is_a_burner() {
        assert!(is_burner(&cold_caller(), &BurnerConfig::default()));
    }

    #[test]
    fn look_alikes_are_not() {
        let c = BurnerConfig::default();
        // A call-centre line: years of life, many incoming.
        let centre = Profile {
            incoming: 400,
            last: 400 * 86_400,
            ..cold_caller()
        };
        assert!(!is_burner(&centre, &c));
        // A delivery rider: customers call back.
        let rider = Profile {
            incoming: 35,
            ..cold_caller()
        };
        assert!(!is_burner(&rider, &c));
        // A family phone: the same few numbers again and again.
        let family = Profile {
            distinct_out: 4,
            ..cold_caller()
        };
        assert!(!is_burner(&family, &c));
        // Long calls are conversations, not cold calls.
        let talker = Profile {
            short_out: 5,
            ..cold_caller()
        };
        assert!(!is_burner(&talker, &c));
    }
}
