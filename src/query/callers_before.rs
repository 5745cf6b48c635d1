//! `callers-before INCIDENT [--window 24h]`: the numbers that called or
//! texted the victim's phones in the window before an incident, each with
//! who else it called in that window. A fraud call shortly before the
//! report, from a number that also called other victims, is a lead.
//!
//! The victim's phones are those the victim's person record claims or that
//! are registered to their id number.
//!
//! # Complexity
//! O(events of the victim's phones + events of each caller).

use super::Tally;
use crate::graph::CaseGraph;
use crate::model::Time;
use rustc_hash::FxHashMap;

/// A number that contacted the victim before the incident.
#[derive(Debug, Clone, PartialEq)]
pub struct Caller {
    pub phone: u32,
    /// Its calls and texts to the victim's phones in the window.
    pub to_victim: Tally,
    pub lines: Vec<u32>,
    /// Other numbers it called or texted in the window, with how many
    /// events, most first.
    pub also_called: Vec<(u32, u32)>,
}

/// The victim's phones of an incident.
pub fn victim_phones(g: &CaseGraph, incident: u32) -> Vec<u32> {
    let inc = &g.incidents[incident as usize];
    if inc.victim == crate::graph::NONE {
        return Vec::new();
    }
    let mut v: Vec<u32> = g
        .phones_of_person(inc.victim)
        .iter()
        .map(|pp| pp.phone)
        .collect();
    v.sort_unstable();
    v.dedup();
    v
}

/// Callers of the victim's phones in `[time - window, time]`, most events
/// first (then by phone).
pub fn callers_before(g: &CaseGraph, incident: u32, window: i64) -> Vec<Caller> {
    let t: Time = g.incidents[incident as usize].time;
    let from = t.saturating_sub(window);
    let in_window = |s: Time| s >= from && s <= t;
    let victims = victim_phones(g, incident);
    let mut m: FxHashMap<u32, (Tally, Vec<u32>)> = FxHashMap::default();
    for &v in &victims {
        for e in g.events_of(v) {
            if e.callee == v && in_window(e.start) && victims.binary_search(&e.caller).is_err() {
                let slot = m.entry(e.caller).or_insert((Tally::default(), Vec::new()));
                slot.0.add_event(e);
                slot.1.push(e.line);
            }
        }
    }
    let mut out: Vec<Caller> = m
        .into_iter()
        .map(|(phone, (to_victim, mut lines))| {
            lines.sort_unstable();
            let mut also: FxHashMap<u32, u32> = FxHashMap::default();
            for e in g.events_of(phone) {
                if e.caller == phone
                    && in_window(e.start)
                    && victims.binary_search(&e.callee).is_err()
                {
                    *also.entry(e.callee).or_default() += 1;
                }
            }
            let mut also_called: Vec<(u32, u32)> = also.into_iter().collect();
            also_called.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
            Caller {
                phone,
                to_victim,
                lines,
                also_called,
            }
        })
        .collect();
    out.sort_by(|a, b| {
        b.to_victim
            .events()
            .cmp(&a.to_victim.events())
            .then(a.phone.cmp(&b.phone))
    });
    out
}
