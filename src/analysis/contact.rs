//! The contact graph: who talked to whom, as a compact undirected weighted
//! graph that every analysis pass reads.
//!
//! Nodes are phones (or, with a [`Grouping`], whatever the phones are grouped
//! into: individuals once entity resolution exists) numbered `0..n` as u32;
//! adjacency is a CSR (`offsets`, `neighbours`, `weights`) with each
//! undirected pair stored in both directions and every neighbour list sorted
//! by node id. The weight of a pair is the number of calls and texts between
//! the two phones in either direction that survive the filters of
//! [`ContactConfig`]; self-calls are dropped. A node exists only if it has at
//! least one contact, so the graph has no isolated nodes.
//!
//! Node order is deterministic: phone index order for a case, order of first
//! appearance for an edge list (the order NetworkX gives the same file), and
//! every pass breaks ties by node id.
//!
//! Passes that want distances (weighted betweenness, closeness, harmonic)
//! turn a weight `w` into the length `1 / w`: two phones that called each
//! other often are close.

use crate::analysis::hubs::{self, Hub, HubConfig};
use crate::analysis::pairs::undirected_pairs;
use crate::error::{Error, Result};
use crate::graph::{CaseGraph, Column, ContactCsr};
use crate::model::{NodeKind, Time};
use rayon::prelude::*;
use rustc_hash::FxHashMap;
use std::collections::hash_map::Entry;
use std::io::Read;
use xxhash_rust::xxh3::xxh3_64;

/// Which call events count as contact.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum EventKinds {
    Voice,
    Text,
    #[default]
    Both,
}

impl EventKinds {
    fn counts(self, n_calls: u32, n_texts: u32) -> u32 {
        match self {
            EventKinds::Voice => n_calls,
            EventKinds::Text => n_texts,
            EventKinds::Both => n_calls + n_texts,
        }
    }
}

/// Which calls make the contact graph of a case.
#[derive(Debug, Clone, PartialEq)]
pub struct ContactConfig {
    /// Keep events starting at or after this time.
    pub from: Option<Time>,
    /// Keep events starting at or before this time.
    pub to: Option<Time>,
    /// Keep a pair only if it has at least this many events (both directions).
    pub min_events: u32,
    pub kinds: EventKinds,
    pub hubs: HubConfig,
}

impl Default for ContactConfig {
    fn default() -> Self {
        ContactConfig {
            from: None,
            to: None,
            min_events: 1,
            kinds: EventKinds::Both,
            hubs: HubConfig::default(),
        }
    }
}

/// Phones grouped into larger nodes (for example individuals from entity
/// resolution): `group_of[phone_idx]` is a group id in `0..labels.len()`, or
/// [`crate::graph::NONE`] to keep that phone as a node of its own.
#[derive(Debug, Clone, PartialEq)]
pub struct Grouping {
    pub group_of: Vec<u32>,
    pub labels: Vec<(NodeKind, String)>,
}

impl Grouping {
    /// Phones grouped by the individuals of an entity resolution: a phone
    /// attached to an individual joins that individual's node (`I0001`);
    /// linked phones whose holder is not known join their holder group
    /// (`H0001`); every other phone stays a node of its own. Group nodes have
    /// kind [`NodeKind::Person`]; the CLI prints them as `individual`.
    pub fn from_resolution(resolution: &crate::resolve::Resolution, case: &CaseGraph) -> Grouping {
        let groups = resolution.phone_groups();
        let labels = resolution.group_labels(case, &groups);
        let n_groups = resolution.labels.len() as u32 + resolution.phones.n_holders;
        Grouping {
            group_of: groups
                .iter()
                .map(|&g| if g < n_groups { g } else { crate::graph::NONE })
                .collect(),
            labels: labels
                .into_iter()
                .take(n_groups as usize)
                .map(|l| (NodeKind::Person, l))
                .collect(),
        }
    }
}

/// The undirected weighted contact graph. See the module documentation.
///
/// Its arrays are [`Column`]s, so the default graph of a case can be
/// mapped from a snapshot that stores it ([`ContactGraph::from_case`]).
#[derive(Debug, Clone, PartialEq)]
pub struct ContactGraph {
    offsets: Column<u64>,
    neighbours: Column<u32>,
    weights: Column<f64>,
    /// Summed weight of each node's pairs, in neighbour order.
    strength: Column<f64>,
    /// [`NodeKind`] of each node, as its `u8`.
    kinds: Column<u8>,
    /// UTF-8 names, one after another; `name_ends[v]` ends node `v`'s.
    names: Column<u8>,
    name_ends: Column<u64>,
    /// Phones left out as service numbers or by the investigator, with why.
    pub hubs: Vec<Hub>,
}

impl ContactGraph {
    /// Build from undirected pairs `(a, b, weight)` over nodes `0..labels.len()`.
    /// Pairs may repeat and come in either orientation; repeats are summed in
    /// input order. Self-pairs are dropped.
    pub fn from_pairs(
        labels: Vec<(NodeKind, String)>,
        pairs: Vec<(u32, u32, f64)>,
        hubs: Vec<Hub>,
    ) -> Result<ContactGraph> {
        let mut names = String::new();
        let mut name_ends = Vec::with_capacity(labels.len());
        let mut kinds = Vec::with_capacity(labels.len());
        for (k, s) in labels {
            kinds.push(k as u8);
            names.push_str(&s);
            name_ends.push(names.len() as u64);
        }
        ContactGraph::build(kinds, names, name_ends, pairs, hubs)
    }

    /// [`ContactGraph::from_pairs`] with the node names already in one text
    /// (`name_ends[v]` is where node `v`'s name ends).
    fn build(
        kinds: Vec<u8>,
        names: String,
        name_ends: Vec<u64>,
        mut pairs: Vec<(u32, u32, f64)>,
        hubs: Vec<Hub>,
    ) -> Result<ContactGraph> {
        let n = kinds.len();
        for &(a, b, w) in &pairs {
            if a as usize >= n || b as usize >= n {
                return Err(Error::Invalid(format!(
                    "contact graph: pair ({a}, {b}) names a node outside 0..{n}"
                )));
            }
            if !(w > 0.0 && w.is_finite()) {
                return Err(Error::Invalid(format!(
                    "contact graph: pair ({a}, {b}): expected a positive weight, found {w}"
                )));
            }
        }
        pairs.retain(|&(a, b, _)| a != b);
        for p in pairs.iter_mut() {
            if p.0 > p.1 {
                std::mem::swap(&mut p.0, &mut p.1);
            }
        }
        // Stable sort: repeated pairs are summed in input order, so the sum is
        // the same whatever the thread count.
        pairs.par_sort_by_key(|&(a, b, _)| (a, b));
        let mut merged: Vec<(u32, u32, f64)> = Vec::with_capacity(pairs.len());
        for (a, b, w) in pairs {
            match merged.last_mut() {
                Some(last) if last.0 == a && last.1 == b => last.2 += w,
                _ => merged.push((a, b, w)),
            }
        }
        let mut degree = vec![0u64; n + 1];
        for &(a, b, _) in &merged {
            degree[a as usize] += 1;
            degree[b as usize] += 1;
        }
        let mut offsets = vec![0u64; n + 1];
        for v in 0..n {
            offsets[v + 1] = offsets[v] + degree[v];
        }
        let m2 = offsets[n] as usize;
        let mut neighbours = vec![0u32; m2];
        let mut weights = vec![0f64; m2];
        let mut fill: Vec<u64> = offsets[..n].to_vec();
        // Pairs are sorted by (low, high), so each node's list comes out
        // sorted: first its lower neighbours (from pairs where it is `high`,
        // in order of `low`), then its higher ones.
        for &(a, b, w) in &merged {
            let ia = fill[a as usize] as usize;
            neighbours[ia] = b;
            weights[ia] = w;
            fill[a as usize] += 1;
            let ib = fill[b as usize] as usize;
            neighbours[ib] = a;
            weights[ib] = w;
            fill[b as usize] += 1;
        }
        // Summed per node in neighbour order: the same bits every time.
        let strength: Vec<f64> = (0..n)
            .map(|v| {
                weights[offsets[v] as usize..offsets[v + 1] as usize]
                    .iter()
                    .sum()
            })
            .collect();
        Ok(ContactGraph {
            offsets: offsets.into(),
            neighbours: neighbours.into(),
            weights: weights.into(),
            strength: strength.into(),
            kinds: kinds.into(),
            names: names.into_bytes().into(),
            name_ends: name_ends.into(),
            hubs,
        })
    }

    /// The graph a [`ContactCsr`] holds (mapped columns stay mapped).
    /// Checks the shape (lengths, names, hubs); [`check_csr`] checks every
    /// index as well.
    pub fn from_csr(csr: &ContactCsr) -> Result<ContactGraph> {
        let bad = |what: String| Error::Invalid(format!("stored contact graph: {what}"));
        let n = csr.kinds.len();
        if csr.offsets.len() != n + 1
            || csr.strength.len() != n
            || csr.name_ends.len() != n
            || csr.weights.len() != csr.neighbours.len()
            || *csr.offsets.at(n) != csr.neighbours.len() as u64
            || n.checked_sub(1)
                .is_some_and(|l| *csr.name_ends.at(l) != csr.names.len() as u64)
        {
            return Err(bad(format!(
                "expected columns of matching lengths, found {n} nodes, {} offsets, {} neighbours, {} weights, {} strengths, {} name ends",
                csr.offsets.len(),
                csr.neighbours.len(),
                csr.weights.len(),
                csr.strength.len(),
                csr.name_ends.len()
            )));
        }
        if std::str::from_utf8(&csr.names).is_err() {
            return Err(bad("expected UTF-8 node names".into()));
        }
        let hubs: Vec<Hub> = serde_json::from_slice(&csr.hubs)
            .map_err(|e| bad(format!("hubs: expected their JSON list, found {e}")))?;
        Ok(ContactGraph {
            offsets: csr.offsets.clone(),
            neighbours: csr.neighbours.clone(),
            weights: csr.weights.clone(),
            strength: csr.strength.clone(),
            kinds: csr.kinds.clone(),
            names: csr.names.clone(),
            name_ends: csr.name_ends.clone(),
            hubs,
        })
    }

    /// The graph as a [`ContactCsr`], to keep or store.
    pub fn to_csr(&self) -> ContactCsr {
        ContactCsr {
            offsets: self.offsets.clone(),
            neighbours: self.neighbours.clone(),
            weights: self.weights.clone(),
            strength: self.strength.clone(),
            kinds: self.kinds.clone(),
            names: self.names.clone(),
            name_ends: self.name_ends.clone(),
            hubs: serde_json::to_vec(&self.hubs)
                .expect("hubs serialise")
                .into(),
        }
    }

    /// Build from named weighted edges; nodes are numbered in order of first
    /// appearance and all get `kind`.
    pub fn from_edges<'a>(
        edges: impl IntoIterator<Item = (&'a str, &'a str, f64)>,
        kind: NodeKind,
    ) -> Result<ContactGraph> {
        let mut index: FxHashMap<String, u32> = FxHashMap::default();
        let mut labels = Vec::new();
        let mut pairs = Vec::new();
        let mut id = |s: &str, labels: &mut Vec<(NodeKind, String)>| -> u32 {
            if let Some(&i) = index.get(s) {
                return i;
            }
            let i = labels.len() as u32;
            index.insert(s.to_string(), i);
            labels.push((kind, s.to_string()));
            i
        };
        for (a, b, w) in edges {
            let ia = id(a, &mut labels);
            let ib = id(b, &mut labels);
            pairs.push((ia, ib, w));
        }
        ContactGraph::from_pairs(labels, pairs, Vec::new())
    }

    /// Read an edge list: CSV with a header naming `source` and `target` and
    /// optionally `weight` (default 1). `what` names the input in errors.
    pub fn read_edge_list(reader: impl Read, what: &str, kind: NodeKind) -> Result<ContactGraph> {
        let mut rdr = csv::ReaderBuilder::new()
            .has_headers(true)
            .buffer_capacity(1 << 20)
            .from_reader(reader);
        let header = rdr
            .byte_headers()
            .map_err(|e| Error::UnreadableFile {
                file: what.to_string(),
                reason: e.to_string(),
            })?
            .clone();
        let col = |name: &str| {
            header
                .iter()
                .position(|h| h.eq_ignore_ascii_case(name.as_bytes()))
        };
        let (Some(src), Some(dst)) = (col("source"), col("target")) else {
            return Err(Error::UnreadableFile {
                file: what.to_string(),
                reason: format!(
                    "expected a header with columns source,target[,weight], found {:?}",
                    String::from_utf8_lossy(header.as_slice())
                ),
            });
        };
        let wcol = col("weight");
        let mut index = NameIndex::default();
        let mut pairs = Vec::new();
        let mut rec = csv::ByteRecord::new();
        let mut line = 1u64;
        loop {
            match rdr.read_byte_record(&mut rec) {
                Ok(false) => break,
                Ok(true) => {}
                Err(e) => {
                    return Err(Error::UnreadableFile {
                        file: what.to_string(),
                        reason: e.to_string(),
                    })
                }
            }
            line += 1;
            let field = |i: usize| -> Result<&[u8]> {
                rec.get(i).ok_or_else(|| {
                    Error::Invalid(format!("{what}:{line}: expected {} columns", header.len()))
                })
            };
            let mut ids = [0u32; 2];
            for (slot, c) in ids.iter_mut().zip([src, dst]) {
                let raw = field(c)?;
                *slot = match index.get(raw) {
                    Some(i) => i,
                    None => {
                        let name = std::str::from_utf8(raw).map_err(|_| {
                            Error::Invalid(format!("{what}:{line}: expected UTF-8 text"))
                        })?;
                        if name.is_empty() {
                            return Err(Error::Invalid(format!(
                                "{what}:{line}: expected a node name, found an empty field"
                            )));
                        }
                        index.insert(name)
                    }
                };
            }
            let w = match wcol {
                None => 1.0,
                Some(c) => {
                    let raw = field(c)?;
                    let s = std::str::from_utf8(raw).unwrap_or("");
                    match s.trim().parse::<f64>() {
                        Ok(w) if w > 0.0 && w.is_finite() => w,
                        _ => {
                            return Err(Error::Invalid(format!(
                                "{what}:{line}: column \"weight\": expected a positive number, found {s:?}"
                            )))
                        }
                    }
                }
            };
            pairs.push((ids[0], ids[1], w));
        }
        let kinds = vec![kind as u8; index.ends.len()];
        ContactGraph::build(kinds, index.names, index.ends, pairs, Vec::new())
    }

    /// The contact graph of a case's phones. The default graph
    /// (`ContactConfig::default()`) is built once per case and kept in
    /// [`CaseGraph::contact`], which snapshots store: from a snapshot it
    /// is mapped, not rebuilt.
    pub fn from_case(case: &CaseGraph, config: &ContactConfig) -> Result<ContactGraph> {
        if *config == ContactConfig::default() {
            return ContactGraph::from_csr(ContactGraph::default_csr(case)?);
        }
        ContactGraph::from_case_grouped(case, config, None)
    }

    /// The default contact graph of a case as kept in
    /// [`CaseGraph::contact`], built now if it is not kept yet.
    pub fn default_csr(case: &CaseGraph) -> Result<&ContactCsr> {
        case.contact.get_or_try_init(|| {
            ContactGraph::from_case_grouped(case, &ContactConfig::default(), None)
                .map(|g| g.to_csr())
        })
    }

    /// Whether `from_case(case, config)` maps a kept graph instead of
    /// building one.
    pub fn is_kept(case: &CaseGraph, config: &ContactConfig) -> bool {
        *config == ContactConfig::default() && case.contact.get().is_some()
    }

    /// The contact graph of a case with phones grouped (for example into
    /// individuals). Hubs are found and left out at phone level first, then
    /// pairs are mapped onto groups and contact inside a group is dropped.
    pub fn from_case_grouped(
        case: &CaseGraph,
        config: &ContactConfig,
        grouping: Option<&Grouping>,
    ) -> Result<ContactGraph> {
        check_window(config)?;
        if let Some(g) = grouping {
            g.check(case.phones.len())?;
        }
        let (kept, hub_list) = pairs_without_hubs(case, config);
        let (node_of, labels) = match grouping {
            None => phone_nodes(case, &kept),
            Some(g) => group_nodes(case, g, &kept),
        };
        let mapped: Vec<(u32, u32, f64)> = kept
            .iter()
            .map(|&(a, b, w)| (node_of[a as usize], node_of[b as usize], w))
            .filter(|&(a, b, _)| a != b && a != u32::MAX && b != u32::MAX)
            .collect();
        ContactGraph::from_pairs(labels, mapped, hub_list)
    }

    pub fn n_nodes(&self) -> usize {
        self.kinds.len()
    }
    /// Number of undirected pairs.
    pub fn n_edges(&self) -> usize {
        self.neighbours.len() / 2
    }
    /// Sum of all pair weights (each pair once).
    pub fn total_weight(&self) -> f64 {
        // Summed per node in id order, then halved: exact for integer weights
        // and the same bytes whatever the thread count.
        let mut t = 0.0;
        for &k in self.strengths() {
            t += k;
        }
        t / 2.0
    }
    pub fn neighbours(&self, v: u32) -> &[u32] {
        let (a, b) = self.range(v);
        self.neighbours.range(a..b)
    }
    /// Weights aligned with [`Self::neighbours`].
    pub fn weights(&self, v: u32) -> &[f64] {
        let (a, b) = self.range(v);
        self.weights.range(a..b)
    }
    pub fn degree(&self, v: u32) -> usize {
        let (a, b) = self.range(v);
        b - a
    }
    /// Sum of the weights of a node's pairs (computed when the graph was
    /// built).
    pub fn strength(&self, v: u32) -> f64 {
        *self.strength.at(v as usize)
    }
    /// Every node's strength.
    pub fn strengths(&self) -> &[f64] {
        &self.strength
    }
    pub fn kind(&self, v: u32) -> NodeKind {
        NodeKind::from_u8(*self.kinds.at(v as usize)).expect("node kinds are checked when loaded")
    }
    /// The node's id as the investigator knows it (a phone number, a person id).
    pub fn name(&self, v: u32) -> &str {
        let end = *self.name_ends.at(v as usize) as usize;
        let start = if v == 0 {
            0
        } else {
            *self.name_ends.at(v as usize - 1) as usize
        };
        std::str::from_utf8(self.names.range(start..end)).expect("names are checked when loaded")
    }
    /// Node with this name, if any (a linear scan: for tests and one-off lookups).
    pub fn find(&self, name: &str) -> Option<u32> {
        (0..self.n_nodes() as u32).find(|&v| self.name(v) == name)
    }
    /// Each pair once, low id first, in id order.
    pub fn pairs(&self) -> impl Iterator<Item = (u32, u32, f64)> + '_ {
        (0..self.n_nodes() as u32).flat_map(move |v| {
            self.neighbours(v)
                .iter()
                .zip(self.weights(v))
                .filter(move |(&u, _)| u > v)
                .map(move |(&u, &w)| (v, u, w))
        })
    }
    /// The raw CSR arrays `(offsets, neighbours, weights)` for hot loops.
    pub fn csr(&self) -> (&[u64], &[u32], &[f64]) {
        (&self.offsets, &self.neighbours, &self.weights)
    }
    /// Whether every weight is 1 (passes then take unweighted fast paths
    /// that give the same values).
    pub fn is_unit_weight(&self) -> bool {
        self.weights.iter().all(|&w| w == 1.0)
    }
    fn range(&self, v: u32) -> (usize, usize) {
        let o = self.offsets.range(v as usize..v as usize + 2);
        (o[0] as usize, o[1] as usize)
    }
}

/// A time window must not end before it starts.
fn check_window(config: &ContactConfig) -> Result<()> {
    if let (Some(f), Some(t)) = (config.from, config.to) {
        if f > t {
            return Err(Error::Invalid(format!(
                "contact graph: time window: expected --from before --to, found {} after {}",
                crate::model::time::show(f),
                crate::model::time::show(t)
            )));
        }
    }
    Ok(())
}

impl Grouping {
    /// A group (or none) for each of the case's `n_phones` phones, and only
    /// groups that have a label.
    fn check(&self, n_phones: usize) -> Result<()> {
        if self.group_of.len() != n_phones {
            return Err(Error::Invalid(format!(
                "contact graph: grouping: expected a group for each of {} phones, found {}",
                n_phones,
                self.group_of.len()
            )));
        }
        if let Some(&bad) = self
            .group_of
            .iter()
            .find(|&&x| x != crate::graph::NONE && x as usize >= self.labels.len())
        {
            return Err(Error::Invalid(format!(
                "contact graph: grouping: expected group ids below {}, found {bad}",
                self.labels.len()
            )));
        }
        Ok(())
    }
}

/// The phone pairs in contact often enough in the window, as (low, high,
/// events), leaving out pairs with a hub; and the hubs found.
fn pairs_without_hubs(
    case: &CaseGraph,
    config: &ContactConfig,
) -> (Vec<(u32, u32, f64)>, Vec<hubs::Hub>) {
    let directed = directed_counts(case, config);
    let pairs = undirected_pairs(&directed);
    let n_phones = case.phones.len();
    let window = (
        config.from.unwrap_or(Time::MIN),
        config.to.unwrap_or(Time::MAX),
    );
    let mut hub_list = hubs::find_hubs(case, n_phones, &pairs, &config.hubs, window);
    let mut is_hub = vec![false; n_phones];
    for h in &hub_list {
        is_hub[h.phone_idx as usize] = true;
    }
    let windowed = config.from.is_some() || config.to.is_some();
    if windowed && !config.hubs.keep && config.hubs.min_degree.is_none() {
        // A service number is one by how it calls over the case, not
        // within a day: in a window of one day the bank has fewer contacts
        // and no weeks of activity, and would glue the day's phones
        // together. The whole case's hubs that call in the window are left
        // out too.
        let whole = ContactConfig {
            from: None,
            to: None,
            ..config.clone()
        };
        let whole_pairs = undirected_pairs(&directed_counts(case, &whole));
        let mut in_window = vec![false; n_phones];
        for p in &pairs {
            in_window[p.low as usize] = true;
            in_window[p.high as usize] = true;
        }
        let all_time = (Time::MIN, Time::MAX);
        for mut h in hubs::find_hubs(case, n_phones, &whole_pairs, &config.hubs, all_time) {
            let p = h.phone_idx as usize;
            if in_window[p] && !is_hub[p] {
                is_hub[p] = true;
                h.reason = format!("over the whole case: {}", h.reason);
                hub_list.push(h);
            }
        }
        hub_list.sort_by_key(|h| h.phone_idx);
    }
    let kept: Vec<(u32, u32, f64)> = pairs
        .iter()
        .filter(|p| {
            p.events >= config.min_events.max(1)
                && !is_hub[p.low as usize]
                && !is_hub[p.high as usize]
        })
        .map(|p| (p.low, p.high, p.events as f64))
        .collect();
    (kept, hub_list)
}

/// Node of each phone (u32::MAX: not in the graph) and the nodes' labels,
/// one node per phone with a kept contact, in phone order.
fn phone_nodes(case: &CaseGraph, kept: &[(u32, u32, f64)]) -> (Vec<u32>, Vec<(NodeKind, String)>) {
    let n_phones = case.phones.len();
    let mut node_of = vec![u32::MAX; n_phones];
    let mut labels: Vec<(NodeKind, String)> = Vec::new();
    let mut present = vec![false; n_phones];
    for &(a, b, _) in kept {
        present[a as usize] = true;
        present[b as usize] = true;
    }
    for p in 0..n_phones {
        if present[p] {
            node_of[p] = labels.len() as u32;
            labels.push((NodeKind::Phone, case.phone_number(p as u32).to_string()));
        }
    }
    (node_of, labels)
}

/// Node of each phone (u32::MAX: not in the graph) and the nodes' labels
/// with phones grouped: a group is a node if any of its phones has a contact
/// outside the group (groups first, in group order); a phone outside every
/// group is a node of its own.
fn group_nodes(
    case: &CaseGraph,
    g: &Grouping,
    kept: &[(u32, u32, f64)],
) -> (Vec<u32>, Vec<(NodeKind, String)>) {
    let n_phones = case.phones.len();
    let mut node_of = vec![u32::MAX; n_phones];
    let mut labels: Vec<(NodeKind, String)> = Vec::new();
    let key = |p: u32| -> (bool, u32) {
        let gid = g.group_of[p as usize];
        if gid == crate::graph::NONE {
            (false, p)
        } else {
            (true, gid)
        }
    };
    let mut present_group = vec![false; g.labels.len()];
    let mut present_phone = vec![false; n_phones];
    for &(a, b, _) in kept {
        let (ka, kb) = (key(a), key(b));
        if ka == kb {
            continue;
        }
        for k in [ka, kb] {
            match k {
                (true, gid) => present_group[gid as usize] = true,
                (false, p) => present_phone[p as usize] = true,
            }
        }
    }
    let mut group_node = vec![u32::MAX; g.labels.len()];
    for (gid, present) in present_group.iter().enumerate() {
        if *present {
            group_node[gid] = labels.len() as u32;
            labels.push(g.labels[gid].clone());
        }
    }
    for p in 0..n_phones {
        match key(p as u32) {
            (true, gid) => node_of[p] = group_node[gid as usize],
            (false, _) if present_phone[p] => {
                node_of[p] = labels.len() as u32;
                labels.push((NodeKind::Phone, case.phone_number(p as u32).to_string()));
            }
            _ => {}
        }
    }
    (node_of, labels)
}

/// Check every index of a stored contact graph (a snapshot's, whose
/// checksums hold) against the tables it points into: offsets rising to
/// the neighbour count, neighbours below the node count, positive finite
/// weights, strengths that are their sums, known node kinds, names that
/// are UTF-8 and end in order, hubs that are phones of the case
/// (`n_phones` of them).
pub fn check_csr(csr: &ContactCsr, n_phones: usize) -> std::result::Result<(), String> {
    let g = ContactGraph::from_csr(csr).map_err(|e| e.to_string())?;
    let n = g.n_nodes();
    let bad = |what: &str| Err(format!("inconsistent snapshot: contact graph: {what}"));
    if g.offsets[0] != 0 || !g.offsets.windows(2).all(|w| w[0] <= w[1]) {
        return bad("offsets out of order");
    }
    if !g.neighbours.iter().all(|&u| (u as usize) < n) {
        return bad("neighbour out of range");
    }
    if !g.weights.iter().all(|&w| w > 0.0 && w.is_finite()) {
        return bad("weight not positive");
    }
    for v in 0..n {
        let (a, b) = (g.offsets[v] as usize, g.offsets[v + 1] as usize);
        let sum: f64 = g.weights[a..b].iter().sum();
        if sum.to_bits() != g.strength[v].to_bits() {
            return bad("strength not the sum of its weights");
        }
    }
    if !g.kinds.iter().all(|&k| NodeKind::from_u8(k).is_some()) {
        return bad("unknown node kind");
    }
    if !g.name_ends.windows(2).all(|w| w[0] <= w[1])
        || (n > 0
            && !std::str::from_utf8(&g.names)
                .is_ok_and(|s| g.name_ends.iter().all(|&e| s.is_char_boundary(e as usize))))
    {
        return bad("names out of order");
    }
    if !g.hubs.iter().all(|h| (h.phone_idx as usize) < n_phones) {
        return bad("hub out of range");
    }
    Ok(())
}

/// Node names read from an edge list: one text, indexed by a 64-bit hash
/// of each name. Nothing is allocated per name, so reading a million names
/// does not leave a million small blocks behind for the allocator to tidy
/// up (glibc does that on the next large allocation, which would be inside
/// the pass that follows and counted in its time).
#[derive(Default)]
struct NameIndex {
    names: String,
    ends: Vec<u64>,
    by_hash: FxHashMap<u64, u32>,
    /// Names whose hash an earlier name already holds (rare).
    collided: FxHashMap<Box<[u8]>, u32>,
}

impl NameIndex {
    fn name(&self, i: u32) -> &[u8] {
        let end = self.ends[i as usize] as usize;
        let start = match i {
            0 => 0,
            _ => self.ends[i as usize - 1] as usize,
        };
        &self.names.as_bytes()[start..end]
    }
    fn get(&self, raw: &[u8]) -> Option<u32> {
        match self.by_hash.get(&xxh3_64(raw)) {
            Some(&i) if self.name(i) == raw => Some(i),
            Some(_) => self.collided.get(raw).copied(),
            None => None,
        }
    }
    /// Add a name that [`NameIndex::get`] did not find; returns its id.
    fn insert(&mut self, name: &str) -> u32 {
        let i = self.ends.len() as u32;
        self.names.push_str(name);
        self.ends.push(self.names.len() as u64);
        match self.by_hash.entry(xxh3_64(name.as_bytes())) {
            Entry::Vacant(e) => {
                e.insert(i);
            }
            Entry::Occupied(_) => {
                self.collided.insert(name.as_bytes().into(), i);
            }
        }
        i
    }
}

/// Per ordered phone pair, the events that pass the window and kind filters,
/// sorted by (caller, callee), self-calls dropped.
fn directed_counts(case: &CaseGraph, config: &ContactConfig) -> Vec<(u32, u32, u32)> {
    if config.from.is_none() && config.to.is_none() {
        return case
            .call_links
            .iter()
            .filter(|l| l.caller != l.callee)
            .map(|l| {
                (
                    l.caller,
                    l.callee,
                    config.kinds.counts(l.n_calls, l.n_texts),
                )
            })
            .filter(|t| t.2 > 0)
            .collect();
    }
    let from = config.from.unwrap_or(Time::MIN);
    let to = config.to.unwrap_or(Time::MAX);
    let lo = case.events.partition_point(|e| e.start < from);
    let hi = case.events.partition_point(|e| e.start <= to);
    let mut keys: Vec<(u32, u32)> = case.events[lo..hi]
        .iter()
        .filter(|e| e.caller != e.callee)
        .filter(|e| match config.kinds {
            EventKinds::Both => true,
            EventKinds::Voice => !e.is_text(),
            EventKinds::Text => e.is_text(),
        })
        .map(|e| (e.caller, e.callee))
        .collect();
    keys.par_sort_unstable();
    let mut out: Vec<(u32, u32, u32)> = Vec::new();
    for (a, b) in keys {
        match out.last_mut() {
            Some(l) if l.0 == a && l.1 == b => l.2 += 1,
            _ => out.push((a, b, 1)),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn name_index_finds_names_even_when_their_hashes_collide() {
        let mut index = NameIndex::default();
        assert_eq!(index.get(b"a"), None);
        assert_eq!(index.insert("a"), 0);
        // Pretend "b" hashes like "a" did: it must go to the collided map
        // and both must still be found.
        let hash_b = xxh3_64(b"b");
        index.by_hash.insert(hash_b, 0);
        assert_eq!(index.get(b"b"), None);
        assert_eq!(index.insert("b"), 1);
        assert_eq!(index.insert("ccc"), 2);
        assert_eq!(index.get(b"a"), Some(0));
        assert_eq!(index.get(b"b"), Some(1));
        assert_eq!(index.get(b"ccc"), Some(2));
        assert_eq!(index.get(b"cc"), None);
        assert_eq!(index.name(2), b"ccc");
        assert_eq!(index.collided.len(), 1);
    }

    fn triangle_and_tail() -> ContactGraph {
        ContactGraph::from_edges(
            [
                ("a", "b", 2.0),
                ("b", "c", 1.0),
                ("c", "a", 1.0),
                ("c", "d", 1.0),
                ("b", "a", 3.0),
                ("d", "d", 9.0),
            ],
            NodeKind::Phone,
        )
        .unwrap()
    }

    #[test]
    fn pairs_in_both_orientations_are_one_undirected_pair_with_summed_weight() {
        let g = triangle_and_tail();
        assert_eq!(g.n_nodes(), 4);
        assert_eq!(g.n_edges(), 4, "self-pair d-d dropped");
        let a = g.find("a").unwrap();
        assert_eq!(g.neighbours(a), &[1, 2]);
        assert_eq!(g.weights(a), &[5.0, 1.0]);
        assert_eq!(g.strength(g.find("c").unwrap()), 3.0);
        assert_eq!(g.total_weight(), 8.0);
        assert_eq!(
            g.pairs().collect::<Vec<_>>(),
            vec![(0, 1, 5.0), (0, 2, 1.0), (1, 2, 1.0), (2, 3, 1.0)]
        );
    }

    #[test]
    fn a_graph_round_trips_through_its_csr_and_a_forged_one_is_refused() {
        let g = triangle_and_tail();
        let csr = g.to_csr();
        assert_eq!(ContactGraph::from_csr(&csr).unwrap(), g);
        assert_eq!(check_csr(&csr, 0), Ok(()));
        let mut forged = csr.clone();
        let mut nb = forged.neighbours.to_vec();
        nb[0] = 99;
        forged.neighbours = nb.into();
        assert!(check_csr(&forged, 0)
            .unwrap_err()
            .contains("neighbour out of range"));
        let mut forged = csr.clone();
        let mut k = forged.strength.to_vec();
        k[1] += 1.0;
        forged.strength = k.into();
        assert!(check_csr(&forged, 0).unwrap_err().contains("strength"));
        let mut forged = csr;
        forged.offsets = vec![0u64, 1].into();
        assert!(ContactGraph::from_csr(&forged)
            .unwrap_err()
            .to_string()
            .contains("matching lengths"));
    }

    #[test]
    fn neighbour_lists_are_sorted() {
        let g = ContactGraph::from_edges(
            [
                ("e", "a", 1.0),
                ("c", "e", 1.0),
                ("b", "e", 1.0),
                ("e", "d", 1.0),
            ],
            NodeKind::Phone,
        )
        .unwrap();
        for v in 0..g.n_nodes() as u32 {
            assert!(g.neighbours(v).windows(2).all(|w| w[0] < w[1]));
        }
    }

    #[test]
    fn edge_list_reader_names_the_line_of_a_bad_weight() {
        let text = "source,target,weight\na,b,1\nb,c,zero\n";
        let e = ContactGraph::read_edge_list(text.as_bytes(), "edges.csv", NodeKind::Phone)
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("edges.csv:3: column \"weight\""), "{e}");
        let g = ContactGraph::read_edge_list(
            "target,source\nb,a\nc,b\n".as_bytes(),
            "e",
            NodeKind::Person,
        )
        .unwrap();
        assert_eq!(g.n_edges(), 2);
        assert_eq!(g.name(0), "a", "source column first, wherever it stands");
        assert_eq!(g.kind(0), NodeKind::Person);
    }
}
