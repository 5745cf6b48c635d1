//! The canonical outputs of a run, written by worker 0 (every file sorted
//! by full keys and written atomically): `ledger.json` (calls.csv's row
//! ledger), `pairs.csv` (contact pairs, one per caller → callee),
//! `hubs.csv` (service numbers left out, with why), `components.csv`
//! (every phone of the contact graph with its component's smallest phone)
//! and `pagerank.csv`. [`reference`] gives the same outputs from the
//! single-machine passes on an ingested case, to check a run against.

use super::{phone_of, phone_text, Phone, Result};
use crate::analysis::{
    components, pagerank::pagerank, ComponentsConfig, ContactConfig, ContactGraph,
};
use crate::graph::CaseGraph;
use crate::model::time::show;
use std::path::{Path, PathBuf};

/// calls.csv's row ledger: `rows_read = kept + rejected + duplicates`.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Ledger {
    pub file: String,
    pub rows_read: u64,
    pub kept: u64,
    pub rejected: u64,
    pub duplicates: u64,
}

/// A hub as `hubs.csv` lists it.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct HubRow {
    pub phone: Phone,
    pub contacts: u32,
    pub reciprocity: f64,
    pub one_off_share: f64,
    pub reason: String,
}

/// One caller → callee contact pair.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct PairRow {
    pub caller: Phone,
    pub callee: Phone,
    pub calls: u32,
    pub texts: u32,
    pub seconds: u64,
    pub first: i64,
    pub last: i64,
    pub night_calls: u32,
}

/// Everything a run writes, in any order (sorted when written).
#[derive(Debug, Clone)]
pub struct Outputs {
    pub ledger: Ledger,
    pub pairs: Vec<PairRow>,
    pub hubs: Vec<HubRow>,
    /// (phone, smallest phone of its component).
    pub components: Vec<(Phone, Phone)>,
    pub ranks: Vec<(Phone, f64)>,
}

impl Outputs {
    pub fn n_components(&self) -> usize {
        self.components.iter().filter(|(p, c)| p == c).count()
    }
}

/// The files written, in this order.
pub const FILES: [&str; 5] = [
    "ledger.json",
    "pairs.csv",
    "hubs.csv",
    "components.csv",
    "pagerank.csv",
];

/// Write `outputs` into `out` (created if needed); returns the paths.
pub fn write_all(out: &Path, mut o: Outputs) -> Result<Vec<PathBuf>> {
    std::fs::create_dir_all(out).map_err(|e| crate::error::Error::io(out, e))?;
    let path = |name: &str| out.join(name);
    let mut json = serde_json::to_vec_pretty(&o.ledger).expect("the ledger serialises");
    json.push(b'\n');
    crate::atomic::write_atomically(&path(FILES[0]), &json)?;

    o.pairs.sort_unstable_by_key(|p| (p.caller, p.callee));
    crate::safe_csv::write_rows(
        &path(FILES[1]),
        &[
            "caller",
            "callee",
            "calls",
            "texts",
            "seconds",
            "first",
            "last",
            "night_calls",
        ],
        o.pairs.iter().map(|p| {
            [
                phone_text(p.caller),
                phone_text(p.callee),
                p.calls.to_string(),
                p.texts.to_string(),
                p.seconds.to_string(),
                show(p.first),
                show(p.last),
                p.night_calls.to_string(),
            ]
        }),
    )?;

    o.hubs.sort_unstable_by_key(|h| h.phone);
    crate::safe_csv::write_rows(
        &path(FILES[2]),
        &[
            "phone",
            "contacts",
            "reciprocity",
            "one_off_share",
            "reason",
        ],
        o.hubs.iter().map(|h| {
            [
                phone_text(h.phone),
                h.contacts.to_string(),
                h.reciprocity.to_string(),
                h.one_off_share.to_string(),
                h.reason.clone(),
            ]
        }),
    )?;

    o.components.sort_unstable();
    crate::safe_csv::write_rows(
        &path(FILES[3]),
        &["phone", "component"],
        o.components
            .iter()
            .map(|&(p, c)| [phone_text(p), phone_text(c)]),
    )?;

    o.ranks.sort_unstable_by_key(|r| r.0);
    crate::safe_csv::write_rows(
        &path(FILES[4]),
        &["phone", "pagerank"],
        o.ranks
            .iter()
            .map(|&(p, r)| [phone_text(p), format!("{r:.15e}")]),
    )?;
    Ok(FILES.iter().map(|f| path(f)).collect())
}

/// The same outputs from the single-machine engine on an ingested case:
/// the default contact graph (hubs by `analysis::hubs`), `components`,
/// weighted `pagerank`, and the ingest report's calls.csv ledger.
pub fn reference(case: &CaseGraph) -> Result<Outputs> {
    let file = case
        .report
        .files
        .iter()
        .find(|f| f.file == "calls.csv")
        .ok_or_else(|| super::DistError::Invalid("the case has no calls.csv".into()))?;
    let ledger = Ledger {
        file: "calls.csv".into(),
        rows_read: file.rows_read,
        kept: file.kept,
        rejected: file.rejected,
        duplicates: file.duplicates,
    };
    // Night calls per link, from the events.
    let mut night: rustc_hash::FxHashMap<(u32, u32), u32> = Default::default();
    for e in case.events.iter() {
        if (0..5).contains(&crate::model::time::hour_of_day(e.start)) && !e.is_text() {
            *night.entry((e.caller, e.callee)).or_default() += 1;
        }
    }
    let phone = |i: u32| phone_of(case.phone_number(i));
    let pairs = case
        .call_links
        .iter()
        .map(|l| PairRow {
            caller: phone(l.caller),
            callee: phone(l.callee),
            calls: l.n_calls,
            texts: l.n_texts,
            seconds: l.total_seconds,
            first: l.first,
            last: l.last,
            night_calls: night.get(&(l.caller, l.callee)).copied().unwrap_or(0),
        })
        .collect();
    let g = ContactGraph::from_case(case, &ContactConfig::default())?;
    let hubs = g
        .hubs
        .iter()
        .map(|h| HubRow {
            phone: phone_of(&h.phone),
            contacts: h.contacts,
            reciprocity: h.reciprocity,
            one_off_share: h.one_off_share,
            reason: h.reason.clone(),
        })
        .collect();
    let c = components(&g, &ComponentsConfig { min_size: 1 })?;
    let mut components = Vec::with_capacity(g.n_nodes());
    for k in 0..c.len() as u32 {
        let members = c.members(k);
        let smallest = members
            .iter()
            .map(|&v| phone_of(g.name(v)))
            .min()
            .expect("a component has members");
        components.extend(members.iter().map(|&v| (phone_of(g.name(v)), smallest)));
    }
    let d = super::RankConfig::default();
    let (pr, _) = pagerank(
        &g,
        d.alpha,
        d.tol,
        d.max_iter,
        true,
        crate::analysis::pagerank::Norm::L1,
    )?;
    let ranks = pr
        .iter()
        .enumerate()
        .map(|(v, &r)| (phone_of(g.name(v as u32)), r))
        .collect();
    Ok(Outputs {
        ledger,
        pairs,
        hubs,
        components,
        ranks,
    })
}
