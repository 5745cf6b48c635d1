//! `stats`: what a case holds: counts per node and link kind, the time span
//! of the calls, the busiest phones, and how the rows of each file fared.

use crate::graph::CaseGraph;
use crate::model::{time, EdgeKind, NodeKind};
use serde::Serialize;

#[derive(Debug, Clone, Serialize)]
pub struct KindCount {
    pub kind: String,
    pub count: u64,
}

#[derive(Debug, Clone, Serialize)]
pub struct BusyPhone {
    pub phone: String,
    pub calls_out: u64,
    pub calls_in: u64,
    pub texts: u64,
    pub contacts: u64,
}

#[derive(Debug, Clone, Serialize)]
pub struct FileSummary {
    pub file: String,
    pub present: bool,
    pub rows_read: u64,
    pub kept: u64,
    pub rejected: u64,
    pub duplicates: u64,
}

#[derive(Debug, Clone, Serialize)]
pub struct CaseStats {
    pub source: String,
    pub nodes: Vec<KindCount>,
    pub edges: Vec<KindCount>,
    pub call_events: u64,
    pub text_events: u64,
    pub first_call: String,
    pub last_call: String,
    pub busiest_phones: Vec<BusyPhone>,
    pub files: Vec<FileSummary>,
    /// Rejected rows per reason kind (the reason up to its first `:`-separated
    /// detail, e.g. `column "start"`).
    pub rejects_by_column: Vec<KindCount>,
}

/// Summarise a case; `top` is how many busiest phones to list.
pub fn case_stats(g: &CaseGraph, top: usize) -> CaseStats {
    let activity = PhoneActivity::of(g);
    let busy = busiest_phones(g, &activity, top);
    let (first, last) = g
        .time_span()
        .unwrap_or((crate::model::NO_TIME, crate::model::NO_TIME));
    CaseStats {
        source: g.meta.source.clone(),
        nodes: NodeKind::ALL
            .iter()
            .map(|&k| KindCount {
                kind: k.as_str().to_string(),
                count: node_count(g, k),
            })
            .collect(),
        edges: EdgeKind::ALL
            .iter()
            .map(|&k| KindCount {
                kind: k.as_str().to_string(),
                count: edge_count(g, k),
            })
            .collect(),
        call_events: g.events.len() as u64 - activity.texts,
        text_events: activity.texts,
        first_call: time::show(first),
        last_call: time::show(last),
        busiest_phones: busy,
        files: g
            .report
            .files
            .iter()
            .map(|f| FileSummary {
                file: f.file.clone(),
                present: f.present,
                rows_read: f.rows_read,
                kept: f.kept,
                rejected: f.rejected,
                duplicates: f.duplicates,
            })
            .collect(),
        rejects_by_column: rejects_by_column(g),
    }
}

/// How many nodes of kind `k` the case holds.
fn node_count(g: &CaseGraph, k: NodeKind) -> u64 {
    (match k {
        NodeKind::Person => g.persons.len(),
        NodeKind::Phone => g.phones.len(),
        NodeKind::Handset => g.handsets.len(),
        NodeKind::Location => g.locations.len(),
        NodeKind::Incident => g.incidents.len(),
        NodeKind::Account => g.accounts.len(),
    }) as u64
}

/// How many links of kind `k` the case holds.
fn edge_count(g: &CaseGraph, k: EdgeKind) -> u64 {
    (match k {
        EdgeKind::Call => g.call_links.len(),
        EdgeKind::PhoneHandset => g.handset_uses.len(),
        EdgeKind::PhoneLocation => g.phone_locations.len(),
        EdgeKind::PersonPhone => g.person_phones.len(),
        EdgeKind::IncidentPhone => g.incidents.iter().map(|i| i.phones.len as usize).sum(),
        EdgeKind::IncidentAccount => g.incidents.iter().map(|i| i.accounts.len as usize).sum(),
        EdgeKind::IncidentVictim => g
            .incidents
            .iter()
            .filter(|i| i.victim != crate::graph::NONE)
            .count(),
        EdgeKind::IncidentLocation => g
            .incidents
            .iter()
            .filter(|i| i.location != crate::graph::NONE)
            .count(),
    }) as u64
}

/// Calls out, calls in and texts of every phone, and the case's texts.
/// Every event is counted in exactly one call link (its caller's, to its
/// callee), so the links give the totals without reading the events, which
/// are several times as many rows.
struct PhoneActivity {
    calls_out: Vec<u64>,
    calls_in: Vec<u64>,
    texts_of: Vec<u64>,
    texts: u64,
}

impl PhoneActivity {
    fn of(g: &CaseGraph) -> Self {
        let n = g.phones.len();
        let (mut out, mut inc, mut txt) = (vec![0u64; n], vec![0u64; n], vec![0u64; n]);
        let mut texts = 0u64;
        for l in &g.call_links {
            out[l.caller as usize] += l.n_calls as u64;
            inc[l.callee as usize] += l.n_calls as u64;
            // A text to oneself counts at both ends, as calls out and in do.
            txt[l.caller as usize] += l.n_texts as u64;
            txt[l.callee as usize] += l.n_texts as u64;
            texts += l.n_texts as u64;
        }
        PhoneActivity {
            calls_out: out,
            calls_in: inc,
            texts_of: txt,
            texts,
        }
    }

    /// All events of phone `p`.
    fn total(&self, p: usize) -> u64 {
        self.calls_out[p] + self.calls_in[p] + self.texts_of[p]
    }
}

/// The `top` busiest phones, most events first, ties by number: only phones
/// at least as busy as the top-th are compared by their numbers.
fn busiest_phones(g: &CaseGraph, a: &PhoneActivity, top: usize) -> Vec<BusyPhone> {
    let n = g.phones.len();
    let total = |p: usize| a.total(p);
    let mut order: Vec<u32> = (0..n as u32).collect();
    if top < n {
        order.select_nth_unstable_by_key(top, |&p| std::cmp::Reverse(total(p as usize)));
        let bar = total(order[top] as usize);
        order = (0..n as u32)
            .filter(|&p| total(p as usize) >= bar)
            .collect();
    }
    order.sort_by(|&x, &y| {
        total(y as usize)
            .cmp(&total(x as usize))
            .then_with(|| g.phone_number(x).cmp(g.phone_number(y)))
    });
    order.truncate(top);
    order
        .iter()
        .map(|&p| BusyPhone {
            phone: g.phone_number(p).to_string(),
            calls_out: a.calls_out[p as usize],
            calls_in: a.calls_in[p as usize],
            texts: a.texts_of[p as usize],
            contacts: g.contact_count(p) as u64,
        })
        .collect()
}

/// Rejected rows counted by file and the first part of the reason (the
/// column, e.g. `calls.csv column "start"`), in name order.
fn rejects_by_column(g: &CaseGraph) -> Vec<KindCount> {
    let mut by_reason: std::collections::BTreeMap<String, u64> = Default::default();
    for r in &g.report.rejects {
        let key = r.reason.split(':').next().unwrap_or("").to_string();
        *by_reason
            .entry(format!("{} {}", r.position.file, key))
            .or_default() += 1;
    }
    by_reason
        .into_iter()
        .map(|(k, count)| KindCount { kind: k, count })
        .collect()
}
