//! Phones named in fraud incidents (`incident_phone`, a seed), and phones
//! that themselves called such a number (`incident_contact`, weaker: a
//! lieutenant ringing his operator). The victims' own phones, often named in
//! their reports, are never suspects.
//!
//! # Complexity
//! O(I) over incident phone lists, plus the outgoing links of every phone
//! that calls a named number.

use super::{Context, Hit, PatternKind};
use rustc_hash::FxHashMap;

/// Fraud incidents naming each eligible phone: phone -> incident indices.
pub fn named_phones(ctx: &Context) -> FxHashMap<u32, Vec<u32>> {
    let g = ctx.graph;
    let mut named: FxHashMap<u32, Vec<u32>> = FxHashMap::default();
    for &i in &ctx.fraud {
        for &p in g.list(g.incidents[i as usize].phones) {
            if ctx.eligible(p) {
                named.entry(p).or_default().push(i);
            }
        }
    }
    named
}

pub fn detect_named(ctx: &Context) -> Vec<Hit> {
    let g = ctx.graph;
    let mut named: Vec<(u32, Vec<u32>)> = named_phones(ctx).into_iter().collect();
    named.sort_unstable();
    named
        .into_iter()
        .map(|(p, mut inc)| {
            inc.sort_unstable();
            inc.dedup();
            let ids: Vec<&str> = inc
                .iter()
                .map(|&i| g.str(g.incidents[i as usize].incident_id))
                .collect();
            Hit {
                kind: PatternKind::IncidentPhone,
                entity: Context::phone_ref(p),
                entity_id: g.phone_number(p).to_string(),
                phones: vec![],
                reason: format!(
                    "named in {} fraud report{}: {}",
                    inc.len(),
                    if inc.len() == 1 { "" } else { "s" },
                    ids.join(", ")
                ),
                sources: inc
                    .iter()
                    .take(super::MAX_SOURCES)
                    .map(|&i| format!("incidents.csv:{}", g.incidents[i as usize].line))
                    .collect(),
            }
        })
        .collect()
}

/// Phones (not named themselves) that called a named phone that is not a
/// burner (a burner's callers are the victims it hooked, calling back).
pub fn detect_contacts(ctx: &Context, is_burner: &[bool]) -> Vec<Hit> {
    let g = ctx.graph;
    let named = named_phones(ctx);
    let mut callers: FxHashMap<u32, Vec<(u32, u32)>> = FxHashMap::default();
    for (&target, _) in named.iter().filter(|(&t, _)| !is_burner[t as usize]) {
        for l in g.calls_to(target) {
            let c = l.caller;
            if c != target && ctx.eligible(c) && !named.contains_key(&c) {
                callers.entry(c).or_default().push((target, l.first_line));
            }
        }
    }
    let mut callers: Vec<(u32, Vec<(u32, u32)>)> = callers.into_iter().collect();
    callers.sort_unstable();
    callers
        .into_iter()
        .map(|(c, mut targets)| {
            targets.sort_unstable();
            let nums: Vec<&str> = targets.iter().map(|t| g.phone_number(t.0)).collect();
            Hit {
                kind: PatternKind::IncidentContact,
                entity: Context::phone_ref(c),
                entity_id: g.phone_number(c).to_string(),
                phones: targets.iter().map(|t| t.0).collect(),
                reason: format!(
                    "called {} number{} named in fraud reports: {}",
                    targets.len(),
                    if targets.len() == 1 { "" } else { "s" },
                    nums.join(", ")
                ),
                sources: targets
                    .iter()
                    .take(super::MAX_SOURCES)
                    .map(|t| format!("calls.csv:{}", t.1))
                    .collect(),
            }
        })
        .collect()
}
