//! Exports of a case, or a part of it, for the tools analysts draw with:
//! GraphML for Gephi, yEd and Cytoscape ([`graphml`]), GEXF 1.3 with a
//! timeline for Gephi ([`gexf`]), and CSV node and edge tables for Gephi's
//! spreadsheet import and for `neo4j-admin database import` ([`csv`]).
//!
//! What is exported is a [`Selection`]: a set of nodes (one flag per node of
//! each kind, nothing else) and an optional [`NodeTable`] of per-node values
//! computed by analysis passes (component, community, gang, centralities,
//! lead score...). A link is exported when both its ends are selected.
//! Selections by component, community, gang or top-K measure are built by
//! those passes with [`Selection::of_nodes`] and their values attached with
//! [`NodeTable::add_column`]; the writers need nothing else.
//!
//! How a pass plugs in (one call for the nodes, one per column):
//!
//! ```no_run
//! # use casegraph::export::{Selection, ColumnType, ColumnValue};
//! # use casegraph::graph::provenance::NodeRef;
//! # fn demo(g: &casegraph::CaseGraph, members: Vec<NodeRef>, community: Vec<(NodeRef, i64)>) {
//! let mut sel = Selection::of_nodes(g, members);
//! sel.table
//!     .add_column(
//!         "community",
//!         ColumnType::Int,
//!         community.into_iter().map(|(n, c)| (n, ColumnValue::Int(c))),
//!     )
//!     .expect("a new lowercase name, values of one type");
//! let mut out = Vec::new();
//! casegraph::export::graphml::write(g, &sel, Default::default(), &mut out).unwrap();
//! # }
//! ```
//!
//! Every writer streams: nodes and links are read from the graph and
//! written as they go; the only extra memory is the selection flags and,
//! for the GEXF timeline, the call events of one phone at a time. What each
//! node and link carries is decided once, here ([`NODE_ATTRIBUTES`],
//! [`node_values`], [`EDGE_ATTRIBUTES`], [`edge_values`]), so every format
//! says the same thing.

pub mod csv;
pub mod gexf;
pub mod graphml;
pub mod individual;
pub mod passes;
pub mod view;
pub mod xml;

use crate::graph::links::{self, node_count, Link, LinkData};
use crate::graph::provenance::NodeRef;
use crate::graph::CaseGraph;
use crate::model::time::{show, show_date};
use crate::model::{EdgeKind, NodeKind, NO_TIME};
use rustc_hash::FxHashMap;
use std::borrow::Cow;

/// The type of an exported attribute, as GraphML names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum AttrType {
    Boolean,
    Int,
    Long,
    Double,
    String,
}

impl AttrType {
    /// GraphML `attr.type` / GEXF `type`.
    pub fn as_str(self) -> &'static str {
        match self {
            AttrType::Boolean => "boolean",
            AttrType::Int => "int",
            AttrType::Long => "long",
            AttrType::Double => "double",
            AttrType::String => "string",
        }
    }
}

/// One value of an attribute. Doubles that are not finite are never
/// exported (the attribute is left out for that node).
#[derive(Debug, Clone, PartialEq)]
pub enum Value<'a> {
    Bool(bool),
    Int(i64),
    Double(f64),
    Str(Cow<'a, str>),
}

impl Value<'_> {
    /// The value as text, the same in every format: integers in decimal,
    /// doubles in the shortest form that reads back exactly.
    pub fn text(&self) -> Cow<'_, str> {
        match self {
            Value::Bool(b) => Cow::Borrowed(if *b { "true" } else { "false" }),
            Value::Int(v) => Cow::Owned(v.to_string()),
            Value::Double(v) => Cow::Owned(format!("{v}")),
            Value::Str(s) => Cow::Borrowed(s.as_ref()),
        }
    }
}

/// A fixed attribute: its name, type and the kinds of node or link it
/// applies to.
#[derive(Debug, Clone, Copy)]
pub struct AttrDef {
    pub name: &'static str,
    pub ty: AttrType,
}

const fn def(name: &'static str, ty: AttrType) -> AttrDef {
    AttrDef { name, ty }
}

/// What every exported node may carry, in column order. `kind`, `label`
/// (what viewers show: the person's name, the number, ...) and `case_id`
/// (the id the case files use) are on every node; the rest per kind.
pub const NODE_ATTRIBUTES: &[AttrDef] = &[
    def("kind", AttrType::String),
    def("label", AttrType::String),
    def("case_id", AttrType::String),
    def("name", AttrType::String),
    def("role", AttrType::String),
    def("id_number", AttrType::String),
    def("dob", AttrType::String),
    def("source", AttrType::String),
    def("number", AttrType::String),
    def("first_seen", AttrType::String),
    def("last_seen", AttrType::String),
    def("calls_out", AttrType::Int),
    def("calls_in", AttrType::Int),
    def("texts_out", AttrType::Int),
    def("texts_in", AttrType::Int),
    def("imei", AttrType::String),
    def("lat", AttrType::Double),
    def("lon", AttrType::Double),
    def("district", AttrType::String),
    def("time", AttrType::String),
    def("category", AttrType::String),
    def("loss", AttrType::Double),
];

/// Index of a fixed node attribute by name.
fn na(name: &str) -> usize {
    NODE_ATTRIBUTES
        .iter()
        .position(|d| d.name == name)
        .expect("a declared node attribute")
}

/// What every exported link may carry. `weight` is what Gephi sizes edges
/// by: calls and texts of a call link, events of a handset or cell link,
/// 1 otherwise.
pub const EDGE_ATTRIBUTES: &[AttrDef] = &[
    def("kind", AttrType::String),
    def("weight", AttrType::Double),
    def("calls", AttrType::Int),
    def("texts", AttrType::Int),
    def("seconds", AttrType::Long),
    def("first", AttrType::String),
    def("last", AttrType::String),
    def("n_events", AttrType::Int),
    def("claimed", AttrType::Boolean),
    def("registered", AttrType::Boolean),
];

/// The fixed node attributes a kind can have (after `kind`, `label`,
/// `case_id`, which every node has), for formats with one table per kind.
pub fn node_attributes_of(kind: NodeKind) -> &'static [&'static str] {
    match kind {
        NodeKind::Person => &["name", "role", "id_number", "dob", "source"],
        NodeKind::Phone => &[
            "number",
            "first_seen",
            "last_seen",
            "calls_out",
            "calls_in",
            "texts_out",
            "texts_in",
        ],
        NodeKind::Handset => &["imei"],
        NodeKind::Location => &["name", "lat", "lon", "district"],
        NodeKind::Incident => &["time", "category", "loss"],
        NodeKind::Account => &["number"],
    }
}

/// The edge attributes a link kind can have (after `kind` and `weight`).
pub fn edge_attributes_of(kind: EdgeKind) -> &'static [&'static str] {
    match kind {
        EdgeKind::Call => &["calls", "texts", "seconds", "first", "last"],
        EdgeKind::PhoneHandset => &["first", "last", "n_events", "registered"],
        EdgeKind::PhoneLocation => &["first", "last", "n_events"],
        EdgeKind::PersonPhone => &["claimed", "registered"],
        _ => &[],
    }
}

/// The definition of a fixed node or edge attribute by name.
pub fn node_attribute(name: &str) -> &'static AttrDef {
    &NODE_ATTRIBUTES[na(name)]
}
pub fn edge_attribute(name: &str) -> &'static AttrDef {
    EDGE_ATTRIBUTES
        .iter()
        .find(|d| d.name == name)
        .expect("a declared edge attribute")
}

/// The short, XML-safe id of a node in every export: `pe3`, `ph12`.
pub fn node_id(n: NodeRef) -> String {
    format!("{}{}", id_prefix(n.kind), n.idx)
}

pub fn id_prefix(kind: NodeKind) -> &'static str {
    match kind {
        NodeKind::Person => "pe",
        NodeKind::Phone => "ph",
        NodeKind::Handset => "hs",
        NodeKind::Location => "lo",
        NodeKind::Incident => "in",
        NodeKind::Account => "ac",
    }
}

fn nonempty(s: &str) -> Option<Value<'_>> {
    (!s.is_empty()).then_some(Value::Str(Cow::Borrowed(s)))
}

fn time(t: i64) -> Option<Value<'static>> {
    (t != NO_TIME).then(|| Value::Str(Cow::Owned(show(t))))
}

fn double(v: f64) -> Option<Value<'static>> {
    v.is_finite().then_some(Value::Double(v))
}

/// What a viewer shows for a node: the person's or place's name, else the
/// case id.
pub fn node_label(g: &CaseGraph, n: NodeRef) -> &str {
    let name = match n.kind {
        NodeKind::Person => g.str(g.persons[n.idx as usize].name),
        NodeKind::Location => g.str(g.locations[n.idx as usize].name),
        _ => "",
    };
    if name.is_empty() {
        crate::graph::lookup::node_text(g, n)
    } else {
        name
    }
}

/// The fixed attribute values of a node, as `(index in NODE_ATTRIBUTES,
/// value)` in column order, into `out` (cleared first). Absent values are
/// left out.
pub fn node_values<'g>(g: &'g CaseGraph, n: NodeRef, out: &mut Vec<(usize, Value<'g>)>) {
    out.clear();
    let mut put = |name: &str, v: Option<Value<'g>>| {
        if let Some(v) = v {
            out.push((na(name), v));
        }
    };
    let i = n.idx as usize;
    put("kind", Some(Value::Str(Cow::Borrowed(n.kind.as_str()))));
    put("label", nonempty(node_label(g, n)));
    put("case_id", nonempty(crate::graph::lookup::node_text(g, n)));
    match n.kind {
        NodeKind::Person => {
            let p = &g.persons[i];
            put("name", nonempty(g.str(p.name)));
            put("role", Some(Value::Str(Cow::Borrowed(p.role().as_str()))));
            put("id_number", nonempty(g.str(p.id_number)));
            put(
                "dob",
                (p.dob != NO_TIME).then(|| Value::Str(Cow::Owned(show_date(p.dob)))),
            );
            put("source", nonempty(g.str(p.source)));
        }
        NodeKind::Phone => {
            put("number", nonempty(g.phone_number(n.idx)));
            let lo = g.phone_event_offsets[i] as usize;
            let hi = g.phone_event_offsets[i + 1] as usize;
            if hi > lo {
                put(
                    "first_seen",
                    time(g.events[g.phone_events[lo] as usize].start),
                );
                put(
                    "last_seen",
                    time(g.events[g.phone_events[hi - 1] as usize].start),
                );
            }
            let (mut co, mut to) = (0i64, 0i64);
            for l in g.calls_from(n.idx) {
                co += l.n_calls as i64;
                to += l.n_texts as i64;
            }
            let (mut ci, mut ti) = (0i64, 0i64);
            for l in g.calls_to(n.idx) {
                ci += l.n_calls as i64;
                ti += l.n_texts as i64;
            }
            put("calls_out", Some(Value::Int(co)));
            put("calls_in", Some(Value::Int(ci)));
            put("texts_out", Some(Value::Int(to)));
            put("texts_in", Some(Value::Int(ti)));
        }
        NodeKind::Handset => put("imei", nonempty(g.str(g.handsets[i]))),
        NodeKind::Location => {
            let l = &g.locations[i];
            put("name", nonempty(g.str(l.name)));
            put("lat", double(l.lat));
            put("lon", double(l.lon));
            put("district", nonempty(g.str(l.district)));
        }
        NodeKind::Incident => {
            let x = &g.incidents[i];
            put("time", time(x.time));
            put(
                "category",
                Some(Value::Str(Cow::Borrowed(x.category().as_str()))),
            );
            put("loss", double(x.loss));
        }
        NodeKind::Account => put("number", nonempty(g.str(g.accounts[i]))),
    }
    // Sorted by column so writers can walk columns in order.
    out.sort_by_key(|(k, _)| *k);
}

/// The attribute values of a link, as `(index in EDGE_ATTRIBUTES, value)`
/// in column order, into `out` (cleared first).
pub fn edge_values(link: &Link<'_>, out: &mut Vec<(usize, Value<'static>)>) {
    out.clear();
    let ea = |name: &str| {
        EDGE_ATTRIBUTES
            .iter()
            .position(|d| d.name == name)
            .expect("a declared edge attribute")
    };
    let mut put = |name: &str, v: Option<Value<'static>>| {
        if let Some(v) = v {
            out.push((ea(name), v));
        }
    };
    put("kind", Some(Value::Str(Cow::Borrowed(link.kind.as_str()))));
    match link.data {
        LinkData::Call(l) => {
            put("weight", Some(Value::Double(l.n_events() as f64)));
            put("calls", Some(Value::Int(l.n_calls as i64)));
            put("texts", Some(Value::Int(l.n_texts as i64)));
            put("seconds", Some(Value::Int(l.total_seconds as i64)));
            put("first", time(l.first));
            put("last", time(l.last));
        }
        LinkData::PhoneHandset(u) => {
            put("weight", Some(Value::Double(u.n_events.max(1) as f64)));
            put("first", time(u.first));
            put("last", time(u.last));
            put("n_events", Some(Value::Int(u.n_events as i64)));
            put("registered", Some(Value::Bool(u.registration_line != 0)));
        }
        LinkData::PhoneLocation(u) => {
            put("weight", Some(Value::Double(u.n_events.max(1) as f64)));
            put("first", time(u.first));
            put("last", time(u.last));
            put("n_events", Some(Value::Int(u.n_events as i64)));
        }
        LinkData::PersonPhone(u) => {
            put("weight", Some(Value::Double(1.0)));
            put("claimed", Some(Value::Bool(u.claimed())));
            put("registered", Some(Value::Bool(u.registered())));
        }
        LinkData::Incident => put("weight", Some(Value::Double(1.0))),
    }
    out.sort_by_key(|(k, _)| *k);
}

/// The type of a [`NodeTable`] column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColumnType {
    Int,
    Double,
    String,
}

impl ColumnType {
    /// Integers are exported as 64-bit (`long`), since passes count in i64.
    pub fn attr_type(self) -> AttrType {
        match self {
            ColumnType::Int => AttrType::Long,
            ColumnType::Double => AttrType::Double,
            ColumnType::String => AttrType::String,
        }
    }
}

/// A value in a [`NodeTable`] column.
#[derive(Debug, Clone, PartialEq)]
pub enum ColumnValue {
    Int(i64),
    Double(f64),
    String(String),
}

impl ColumnValue {
    fn column_type(&self) -> ColumnType {
        match self {
            ColumnValue::Int(_) => ColumnType::Int,
            ColumnValue::Double(_) => ColumnType::Double,
            ColumnValue::String(_) => ColumnType::String,
        }
    }
    fn value(&self) -> Option<Value<'_>> {
        match self {
            ColumnValue::Int(v) => Some(Value::Int(*v)),
            ColumnValue::Double(v) => double(*v),
            ColumnValue::String(s) => Some(Value::Str(Cow::Borrowed(s))),
        }
    }
}

/// One named column of per-node values from an analysis pass.
#[derive(Debug, Clone, PartialEq)]
pub struct Column {
    pub name: String,
    pub ty: ColumnType,
    values: FxHashMap<NodeRef, ColumnValue>,
}

/// Per-node values computed by analysis passes (`component`, `community`,
/// `pagerank`, `gang`, `role`, `lead_score`...), exported beside the fixed
/// attributes. Nodes without a value in a column get none in the file.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct NodeTable {
    pub columns: Vec<Column>,
}

/// Why a column cannot be added.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ColumnError {
    #[error("column {0:?}: expected a name of lowercase letters, digits and _, not starting with a digit")]
    BadName(String),
    #[error("column {0:?}: expected a new name, found one already exported")]
    Taken(String),
    #[error("column {name:?}: expected {expected:?} values, found {found:?} for node {node}")]
    WrongType {
        name: String,
        expected: ColumnType,
        found: ColumnType,
        node: String,
    },
}

impl NodeTable {
    /// Add a column of one type. Names are identifiers (they become GraphML
    /// key ids, GEXF attribute ids and CSV headers) and must not collide
    /// with the fixed attributes.
    pub fn add_column(
        &mut self,
        name: &str,
        ty: ColumnType,
        values: impl IntoIterator<Item = (NodeRef, ColumnValue)>,
    ) -> Result<(), ColumnError> {
        let ok_name = !name.is_empty()
            && !name.starts_with(|c: char| c.is_ascii_digit())
            && name
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
        if !ok_name {
            return Err(ColumnError::BadName(name.to_string()));
        }
        if NODE_ATTRIBUTES.iter().any(|d| d.name == name)
            || self.columns.iter().any(|c| c.name == name)
        {
            return Err(ColumnError::Taken(name.to_string()));
        }
        let mut map = FxHashMap::default();
        for (node, v) in values {
            if v.column_type() != ty {
                return Err(ColumnError::WrongType {
                    name: name.to_string(),
                    expected: ty,
                    found: v.column_type(),
                    node: node_id(node),
                });
            }
            map.insert(node, v);
        }
        self.columns.push(Column {
            name: name.to_string(),
            ty,
            values: map,
        });
        Ok(())
    }

    /// The value of column `c` for a node, if it has a finite one.
    pub fn value(&self, c: usize, n: NodeRef) -> Option<Value<'_>> {
        self.columns[c].values.get(&n).and_then(ColumnValue::value)
    }
}

/// The nodes to export (one flag per node of each kind) and the per-node
/// values to export with them. Links are those with both ends selected.
#[derive(Debug, Clone, PartialEq)]
pub struct Selection {
    /// Indexed by `NodeKind as usize`, then node index.
    members: Vec<Vec<bool>>,
    pub table: NodeTable,
}

impl Selection {
    fn empty(g: &CaseGraph) -> Self {
        Selection {
            members: NodeKind::ALL
                .iter()
                .map(|&k| vec![false; node_count(g, k)])
                .collect(),
            table: NodeTable::default(),
        }
    }

    /// The whole case.
    pub fn whole(g: &CaseGraph) -> Self {
        Selection {
            members: NodeKind::ALL
                .iter()
                .map(|&k| vec![true; node_count(g, k)])
                .collect(),
            table: NodeTable::default(),
        }
    }

    /// Exactly these nodes: the one call through which component,
    /// community, gang and top-K selections plug in. Out-of-range refs are
    /// ignored.
    pub fn of_nodes(g: &CaseGraph, nodes: impl IntoIterator<Item = NodeRef>) -> Self {
        let mut s = Self::empty(g);
        for n in nodes {
            if let Some(f) = s.members[n.kind as usize].get_mut(n.idx as usize) {
                *f = true;
            }
        }
        s
    }

    /// `center` and every node within `hops` links of it, across every
    /// link kind and in either direction.
    ///
    /// # Complexity
    /// O(hops × links) time (each hop is one pass over the link stream,
    /// which needs no reverse index), O(nodes) bits of memory.
    pub fn ego(g: &CaseGraph, center: NodeRef, hops: u32) -> Self {
        let mut s = Self::of_nodes(g, [center]);
        let mut frontier = s.clone().members;
        for _ in 0..hops {
            let mut next: Vec<Vec<bool>> = frontier.iter().map(|v| vec![false; v.len()]).collect();
            let mut grew = false;
            for l in links::links(g) {
                for (a, b) in [(l.source, l.target), (l.target, l.source)] {
                    if frontier[a.kind as usize][a.idx as usize]
                        && !s.members[b.kind as usize][b.idx as usize]
                    {
                        s.members[b.kind as usize][b.idx as usize] = true;
                        next[b.kind as usize][b.idx as usize] = true;
                        grew = true;
                    }
                }
            }
            if !grew {
                break;
            }
            frontier = next;
        }
        s
    }

    /// Keep only nodes of these kinds.
    pub fn restrict_kinds(&mut self, kinds: &[NodeKind]) {
        for k in NodeKind::ALL {
            if !kinds.contains(k) {
                self.members[*k as usize].fill(false);
            }
        }
    }

    pub fn contains(&self, n: NodeRef) -> bool {
        self.members[n.kind as usize]
            .get(n.idx as usize)
            .copied()
            .unwrap_or(false)
    }

    /// Selected nodes in export order: by kind ([`NodeKind::ALL`] order),
    /// then index.
    pub fn nodes(&self) -> impl Iterator<Item = NodeRef> + '_ {
        NodeKind::ALL
            .iter()
            .flat_map(move |&kind| self.nodes_of_kind(kind))
    }

    pub fn node_count(&self) -> usize {
        self.members
            .iter()
            .map(|v| v.iter().filter(|&&m| m).count())
            .sum()
    }

    /// Selected nodes of one kind.
    pub fn count_of(&self, kind: NodeKind) -> usize {
        self.members[kind as usize].iter().filter(|&&m| m).count()
    }

    /// Links with both ends selected, in [`links::links`] order.
    pub fn links<'g>(&'g self, g: &'g CaseGraph) -> impl Iterator<Item = Link<'g>> + 'g {
        links::links(g).filter(move |l| self.contains(l.source) && self.contains(l.target))
    }

    /// Links of one kind with both ends selected.
    pub fn links_of_kind<'g>(
        &'g self,
        g: &'g CaseGraph,
        kind: EdgeKind,
    ) -> impl Iterator<Item = Link<'g>> + 'g {
        links::links_of_kind(g, kind)
            .filter(move |l| self.contains(l.source) && self.contains(l.target))
    }

    /// Selected nodes of one kind, by index.
    pub fn nodes_of_kind(&self, kind: NodeKind) -> impl Iterator<Item = NodeRef> + '_ {
        self.members[kind as usize]
            .iter()
            .enumerate()
            .filter(|(_, &m)| m)
            .map(move |(i, _)| NodeRef {
                kind,
                idx: i as u32,
            })
    }
}

/// How many nodes and links an export wrote.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct Written {
    pub nodes: u64,
    pub edges: u64,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph::lookup::Lookup;
    use crate::ingest::{ingest_case, IngestConfig};

    fn tiny() -> CaseGraph {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/tiny");
        ingest_case(&dir, &IngestConfig::default()).unwrap()
    }

    #[test]
    fn ego_of_the_boss_phone_grows_hop_by_hop() {
        let g = tiny();
        let boss = Lookup::new(&g).find("13900000001").unwrap();
        let one = Selection::ego(&g, boss, 1);
        // The phone, its two lieutenants' phones, its handset, cells C1 and
        // C3 it was served by, and the two person records claiming it.
        assert_eq!(one.count_of(NodeKind::Phone), 3);
        assert_eq!(one.count_of(NodeKind::Handset), 1);
        assert_eq!(one.count_of(NodeKind::Location), 1);
        assert_eq!(one.count_of(NodeKind::Person), 2);
        let two = Selection::ego(&g, boss, 2);
        assert!(two.node_count() > one.node_count());
        assert!(one.nodes().all(|n| two.contains(n)));
        assert_eq!(Selection::ego(&g, boss, 0).node_count(), 1);
    }

    #[test]
    fn restricting_kinds_drops_their_links_too() {
        let g = tiny();
        let mut s = Selection::whole(&g);
        s.restrict_kinds(&[NodeKind::Phone]);
        assert_eq!(s.node_count(), 12);
        let kinds: Vec<EdgeKind> = s.links(&g).map(|l| l.kind).collect();
        assert_eq!(kinds.len(), 15);
        assert!(kinds.iter().all(|&k| k == EdgeKind::Call));
    }

    #[test]
    fn per_kind_attribute_lists_cover_exactly_what_nodes_and_links_carry() {
        // The Neo4j files have one header per kind built from these lists;
        // a value outside its kind's list would be silently dropped there.
        let g = tiny();
        let mut values = Vec::new();
        for &kind in NodeKind::ALL {
            for idx in 0..node_count(&g, kind) as u32 {
                node_values(&g, NodeRef { kind, idx }, &mut values);
                for (k, _) in &values {
                    let name = NODE_ATTRIBUTES[*k].name;
                    assert!(
                        ["kind", "label", "case_id"].contains(&name)
                            || node_attributes_of(kind).contains(&name),
                        "{kind} carries {name}"
                    );
                }
            }
        }
        let mut ev = Vec::new();
        for l in links::links(&g) {
            edge_values(&l, &mut ev);
            for (k, _) in &ev {
                let name = EDGE_ATTRIBUTES[*k].name;
                assert!(
                    ["kind", "weight"].contains(&name)
                        || edge_attributes_of(l.kind).contains(&name),
                    "{} carries {name}",
                    l.kind
                );
            }
        }
    }

    #[test]
    fn node_table_checks_names_and_types() {
        let g = tiny();
        let mut t = NodeTable::default();
        let n = NodeRef {
            kind: NodeKind::Phone,
            idx: 0,
        };
        t.add_column("community", ColumnType::Int, [(n, ColumnValue::Int(3))])
            .unwrap();
        assert_eq!(t.value(0, n), Some(Value::Int(3)));
        assert!(matches!(
            t.add_column("label", ColumnType::Int, []),
            Err(ColumnError::Taken(_))
        ));
        assert!(matches!(
            t.add_column("Page Rank", ColumnType::Double, []),
            Err(ColumnError::BadName(_))
        ));
        let err = t
            .add_column("score", ColumnType::Double, [(n, ColumnValue::Int(1))])
            .unwrap_err();
        assert!(err.to_string().contains("node ph0"), "{err}");
        t.add_column(
            "score",
            ColumnType::Double,
            [(n, ColumnValue::Double(f64::NAN))],
        )
        .unwrap();
        assert_eq!(t.value(1, n), None, "NaN is never exported");
        let _ = g;
    }
}
