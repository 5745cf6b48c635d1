//! `timeline ENTITY`: everything that happened to an entity's phones, in
//! time order: calls and texts (with the peer, the cell and the handset),
//! handset changes, subscriber registrations starting and ending, and
//! incidents naming its phones or its persons as victim.
//!
//! # Complexity
//! O(n log n) for the n events of the entity's phones (already in time
//! order per phone; merged by a sort across phones), plus a scan of its
//! registrations.

use super::{Case, Entity, TimeRange};
use crate::graph::provenance::{CALLS_CSV, INCIDENTS_CSV, PHONES_CSV};
use crate::graph::NONE;
use crate::model::{Time, NO_TIME};

/// What happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum What {
    CallOut,
    CallIn,
    TextOut,
    TextIn,
    HandsetChange,
    Activated,
    Deactivated,
    Incident,
}

impl What {
    pub fn as_str(self) -> &'static str {
        match self {
            What::CallOut => "call_out",
            What::CallIn => "call_in",
            What::TextOut => "text_out",
            What::TextIn => "text_in",
            What::HandsetChange => "handset_change",
            What::Activated => "activated",
            What::Deactivated => "deactivated",
            What::Incident => "incident",
        }
    }
}

/// One entry of the timeline. Index fields are [`NONE`] when absent.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    pub time: Time,
    pub what: What,
    /// The entity's phone.
    pub phone: u32,
    /// The other phone of a call or text.
    pub other: u32,
    pub duration_s: u32,
    /// The entity phone's cell.
    pub cell: u32,
    /// The entity phone's handset (the new one for a change).
    pub handset: u32,
    /// The handset before a change.
    pub previous_handset: u32,
    pub incident: u32,
    pub file: &'static str,
    pub line: u32,
}

/// The entity's timeline within `range`, by time (then phone, kind, line).
pub fn timeline(case: &Case, e: &Entity, range: TimeRange) -> Vec<Entry> {
    let g = case.graph;
    let blank = |time, what, phone, file, line| Entry {
        time,
        what,
        phone,
        other: NONE,
        duration_s: 0,
        cell: NONE,
        handset: NONE,
        previous_handset: NONE,
        incident: NONE,
        file,
        line,
    };
    // A cell's timeline is what happened at that cell.
    let at_cell = e
        .node
        .filter(|n| n.kind == crate::model::NodeKind::Location)
        .map(|n| n.idx);
    let mut out = Vec::new();
    for &p in &e.phones {
        let mut last_handset = NONE;
        for ev in g.events_of(p) {
            let out_going = ev.caller == p;
            let (cell, handset, other) = if out_going {
                (ev.caller_location, ev.caller_handset, ev.callee)
            } else {
                (ev.callee_location, ev.callee_handset, ev.caller)
            };
            // Handset changes are found over the whole history, shown in range.
            let changed = handset != NONE && last_handset != NONE && handset != last_handset;
            if range.contains(ev.start) && at_cell.is_none_or(|c| c == cell) {
                if changed {
                    let mut c = blank(ev.start, What::HandsetChange, p, CALLS_CSV, ev.line);
                    c.handset = handset;
                    c.previous_handset = last_handset;
                    out.push(c);
                }
                let what = match (ev.is_text(), out_going) {
                    (false, true) => What::CallOut,
                    (false, false) => What::CallIn,
                    (true, true) => What::TextOut,
                    (true, false) => What::TextIn,
                };
                let mut x = blank(ev.start, what, p, CALLS_CSV, ev.line);
                x.other = other;
                x.duration_s = ev.duration_s;
                x.cell = cell;
                x.handset = handset;
                out.push(x);
            }
            if handset != NONE {
                last_handset = handset;
            }
        }
        if at_cell.is_some() {
            continue;
        }
        for r in g
            .registrations_of(p)
            .iter()
            .map(|&r| &g.registrations[r as usize])
        {
            for (t, what) in [
                (r.activated, What::Activated),
                (r.deactivated, What::Deactivated),
            ] {
                if t != NO_TIME && range.contains(t) {
                    let mut x = blank(t, what, p, PHONES_CSV, r.line);
                    x.handset = r.handset;
                    out.push(x);
                }
            }
        }
        for &i in case.reverse().incidents_of_phone().get(p) {
            let inc = &g.incidents[i as usize];
            if range.contains(inc.time) {
                let mut x = blank(inc.time, What::Incident, p, INCIDENTS_CSV, inc.line);
                x.incident = i;
                x.cell = inc.location;
                out.push(x);
            }
        }
    }
    for &person in &e.persons {
        for &i in case.reverse().incidents_of_victim().get(person) {
            let inc = &g.incidents[i as usize];
            if range.contains(inc.time) && !out.iter().any(|x| x.incident == i) {
                let mut x = blank(inc.time, What::Incident, NONE, INCIDENTS_CSV, inc.line);
                x.incident = i;
                x.cell = inc.location;
                out.push(x);
            }
        }
    }
    out.sort_by_key(|a| (a.time, a.phone, a.what, a.line));
    out
}
