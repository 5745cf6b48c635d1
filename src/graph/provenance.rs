//! Where a node or link came from: the case files and line numbers behind
//! it. Rows that come from one source row carry their line; aggregated links
//! are re-derived here from the call events, so every line can be named.

use super::*;
use crate::model::NodeKind;

pub const CALLS_CSV: &str = "calls.csv";
pub const PERSONS_CSV: &str = "persons.csv";
pub const PHONES_CSV: &str = "phones.csv";
pub const LOCATIONS_CSV: &str = "locations.csv";
pub const INCIDENTS_CSV: &str = "incidents.csv";

/// A node of any kind: its kind and its index in that kind's table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct NodeRef {
    pub kind: NodeKind,
    pub idx: u32,
}

/// The source lines of one file behind a node or link: the exact count and
/// the first `limit` lines in file order.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Sources {
    pub file: &'static str,
    pub count: u64,
    pub lines: Vec<u32>,
}

impl Sources {
    fn collect(file: &'static str, mut lines: Vec<u32>, limit: usize) -> Option<Sources> {
        if lines.is_empty() {
            return None;
        }
        lines.sort_unstable();
        lines.dedup();
        let count = lines.len() as u64;
        lines.truncate(limit);
        Some(Sources { file, count, lines })
    }

    /// `calls.csv:12,40,77 (+120 more)`.
    pub fn describe(&self) -> String {
        let shown: Vec<String> = self.lines.iter().map(u32::to_string).collect();
        let more = self.count - self.lines.len() as u64;
        if more > 0 {
            format!("{}:{} (+{more} more)", self.file, shown.join(","))
        } else {
            format!("{}:{}", self.file, shown.join(","))
        }
    }
}

/// The calls.csv lines of every call and text from `caller` to `callee`.
pub fn call_link_lines(graph: &CaseGraph, caller: u32, callee: u32) -> Vec<u32> {
    graph
        .events_of(caller)
        .filter(|e| e.caller == caller && e.callee == callee)
        .map(|e| e.line)
        .collect()
}

/// The calls.csv lines of every call and text between `a` and `b`, either
/// way, in file order.
pub fn pair_call_lines(graph: &CaseGraph, a: u32, b: u32) -> Vec<u32> {
    let mut lines = call_link_lines(graph, a, b);
    lines.extend(call_link_lines(graph, b, a));
    lines.sort_unstable();
    lines
}

/// The source lines behind a node, per file, at most `limit` lines shown per
/// file (counts are always exact).
pub fn node_sources(graph: &CaseGraph, node: NodeRef, limit: usize) -> Vec<Sources> {
    let i = node.idx;
    let mut out = Vec::new();
    let mut push = |file, lines: Vec<u32>| {
        if let Some(s) = Sources::collect(file, lines, limit) {
            out.push(s);
        }
    };
    match node.kind {
        NodeKind::Person => push(PERSONS_CSV, vec![graph.persons[i as usize].line]),
        NodeKind::Phone => {
            push(CALLS_CSV, graph.events_of(i).map(|e| e.line).collect());
            push(
                PERSONS_CSV,
                graph
                    .person_phones
                    .iter()
                    .filter(|l| l.phone == i && l.claimed())
                    .map(|l| l.claimed_line)
                    .collect(),
            );
            push(
                PHONES_CSV,
                graph
                    .registrations
                    .iter()
                    .filter(|r| r.phone == i)
                    .map(|r| r.line)
                    .collect(),
            );
            push(
                INCIDENTS_CSV,
                graph
                    .incidents
                    .iter()
                    .filter(|inc| graph.list(inc.phones).contains(&i))
                    .map(|inc| inc.line)
                    .collect(),
            );
        }
        NodeKind::Handset => {
            push(
                CALLS_CSV,
                graph
                    .events
                    .iter()
                    .filter(|e| e.caller_handset == i || e.callee_handset == i)
                    .map(|e| e.line)
                    .collect(),
            );
            push(
                PHONES_CSV,
                graph
                    .registrations
                    .iter()
                    .filter(|r| r.handset == i)
                    .map(|r| r.line)
                    .collect(),
            );
        }
        NodeKind::Location => {
            let l = &graph.locations[i as usize];
            if l.line != 0 {
                push(LOCATIONS_CSV, vec![l.line]);
            }
            push(
                CALLS_CSV,
                graph
                    .events
                    .iter()
                    .filter(|e| e.caller_location == i || e.callee_location == i)
                    .map(|e| e.line)
                    .collect(),
            );
            push(
                INCIDENTS_CSV,
                graph
                    .incidents
                    .iter()
                    .filter(|inc| inc.location == i)
                    .map(|inc| inc.line)
                    .collect(),
            );
        }
        NodeKind::Incident => push(INCIDENTS_CSV, vec![graph.incidents[i as usize].line]),
        NodeKind::Account => push(
            INCIDENTS_CSV,
            graph
                .incidents
                .iter()
                .filter(|inc| graph.list(inc.accounts).contains(&i))
                .map(|inc| inc.line)
                .collect(),
        ),
    }
    out
}
