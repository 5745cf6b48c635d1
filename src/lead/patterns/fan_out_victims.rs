//! Fan-out to victims: a phone that called the phones of several people who
//! later reported fraud, before they reported it. One victim's relative
//! calls one victim; an operator works through many. Lines that mostly take
//! calls (a bank, a courier, a delivery rider whose customers call back)
//! are not fanning out, whatever they dial.
//!
//! A hit ranks the phone as a lead and corroborates a burner or a reported
//! number, but seeds no gang on its own: a telemarketing dialler working a
//! district reaches fraud victims too (see [`PatternKind::is_seed`]).
//!
//! # Complexity
//! O(Σ events of the victims' phones).

use super::{Context, Hit, PatternKind};
use crate::graph::NONE;
use crate::lead::config::FanOutConfig;
use rustc_hash::FxHashMap;

pub fn detect(ctx: &Context, c: &FanOutConfig) -> Vec<Hit> {
    let g = ctx.graph;
    // caller -> (victim phone, incident, calls.csv line)
    let mut reached: FxHashMap<u32, Vec<(u32, u32, u32)>> = FxHashMap::default();
    for &i in &ctx.fraud {
        let inc = &g.incidents[i as usize];
        if inc.victim == NONE {
            continue;
        }
        for pp in g.phones_of_person(inc.victim) {
            let v = pp.phone;
            for e in g.events_of(v) {
                if e.callee == v && e.caller != v && e.start <= inc.time && ctx.eligible(e.caller) {
                    reached.entry(e.caller).or_default().push((v, i, e.line));
                }
            }
        }
    }
    #[allow(clippy::type_complexity)]
    let mut out: Vec<(u32, Vec<(u32, u32, u32)>)> = reached.into_iter().collect();
    out.sort_unstable();
    out.into_iter()
        .filter_map(|(p, mut r)| {
            r.sort_unstable();
            let mut victims: Vec<u32> = r.iter().map(|x| x.0).collect();
            victims.dedup();
            let prof = &ctx.profiles[p as usize];
            let events = prof.events().max(1) as f64;
            if (victims.len() as u32) < c.min_victims.max(1)
                || prof.incoming as f64 > c.max_incoming_share * events
            {
                return None;
            }
            let mut incidents: Vec<u32> = r.iter().map(|x| x.1).collect();
            incidents.sort_unstable();
            incidents.dedup();
            let ids: Vec<&str> = incidents
                .iter()
                .map(|&i| g.str(g.incidents[i as usize].incident_id))
                .collect();
            let mut lines: Vec<u32> = r.iter().map(|x| x.2).collect();
            lines.sort_unstable();
            lines.dedup();
            let mut sources: Vec<String> = lines
                .iter()
                .take(super::MAX_SOURCES / 2)
                .map(|l| format!("calls.csv:{l}"))
                .collect();
            sources.extend(
                incidents
                    .iter()
                    .take(super::MAX_SOURCES / 2)
                    .map(|&i| format!("incidents.csv:{}", g.incidents[i as usize].line)),
            );
            Some(Hit {
                kind: PatternKind::FanOutVictims,
                entity: Context::phone_ref(p),
                entity_id: g.phone_number(p).to_string(),
                phones: victims.clone(),
                reason: format!(
                    "called {} people before they reported fraud ({})",
                    victims.len(),
                    ids.join(", ")
                ),
                sources,
            })
        })
        .collect()
}
