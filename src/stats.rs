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
    let node_count = |k: NodeKind| match k {
        NodeKind::Person => g.persons.len(),
        NodeKind::Phone => g.phones.len(),
        NodeKind::Handset => g.handsets.len(),
        NodeKind::Location => g.locations.len(),
        NodeKind::Incident => g.incidents.len(),
        NodeKind::Account => g.accounts.len(),
    } as u64;
    let edge_count = |k: EdgeKind| match k {
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
    } as u64;
    let texts = g.events.iter().filter(|e| e.is_text()).count() as u64;
    let mut busy: Vec<BusyPhone> = (0..g.phones.len() as u32)
        .map(|p| {
            let out = g.calls_from(p);
            BusyPhone {
                phone: g.phone_number(p).to_string(),
                calls_out: out.iter().map(|l| l.n_calls as u64).sum(),
                calls_in: g.calls_to(p).map(|l| l.n_calls as u64).sum(),
                texts: out.iter().map(|l| l.n_texts as u64).sum::<u64>()
                    + g.calls_to(p).map(|l| l.n_texts as u64).sum::<u64>(),
                contacts: 0,
            }
        })
        .collect();
    busy.sort_by(|a, b| {
        (b.calls_out + b.calls_in + b.texts)
            .cmp(&(a.calls_out + a.calls_in + a.texts))
            .then_with(|| a.phone.cmp(&b.phone))
    });
    busy.truncate(top);
    for b in &mut busy {
        if let Some(p) = g.find_phone(&b.phone) {
            b.contacts = g.contact_count(p) as u64;
        }
    }
    let mut by_reason: std::collections::BTreeMap<String, u64> = Default::default();
    for r in &g.report.rejects {
        let key = r.reason.split(':').next().unwrap_or("").to_string();
        *by_reason
            .entry(format!("{} {}", r.position.file, key))
            .or_default() += 1;
    }
    let (first, last) = g
        .time_span()
        .unwrap_or((crate::model::NO_TIME, crate::model::NO_TIME));
    CaseStats {
        source: g.meta.source.clone(),
        nodes: NodeKind::ALL
            .iter()
            .map(|&k| KindCount {
                kind: k.as_str().to_string(),
                count: node_count(k),
            })
            .collect(),
        edges: EdgeKind::ALL
            .iter()
            .map(|&k| KindCount {
                kind: k.as_str().to_string(),
                count: edge_count(k),
            })
            .collect(),
        call_events: g.events.len() as u64 - texts,
        text_events: texts,
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
        rejects_by_column: by_reason
            .into_iter()
            .map(|(k, count)| KindCount { kind: k, count })
            .collect(),
    }
}
