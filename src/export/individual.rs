//! Exports at individual level (`casegraph export --level individual`):
//! one node per resolved individual instead of one per phone, so that a
//! suspect with five SIMs is one node in Gephi, and the links between
//! individuals add up every call and text between their phones.
//!
//! The nodes are those of the individual-level contact graph
//! ([`ContactGraph::from_case_grouped`] with
//! [`Grouping::from_resolution`]): individuals (`I0001`, with their person
//! records), holder groups (`H0001`: phones tied to one unknown holder by
//! handset or registration evidence) and phones nobody could be tied to.
//! Service numbers are left out as in every gang-finding pass. Links are
//! directed (caller's node to callee's node) and carry the summed calls,
//! texts, seconds and the first and last contact; contact inside one
//! individual is dropped.
//!
//! The analysis passes run on the same contact graph, so `component`,
//! `community` and centrality columns mean what `casegraph components
//! --level individual` and friends print.

use super::passes::{NodeColumn, PhoneLeadFacts};
use super::view::{ExportEdge, ExportGraph, ExportNode};
use super::{AttrType, ColumnType, ColumnValue, Value, Written};
use crate::analysis::{ContactConfig, ContactGraph, Grouping};
use crate::error::{Error, Result};
use crate::graph::provenance::NodeRef;
use crate::graph::{CaseGraph, NONE};
use crate::model::time::show;
use crate::model::{NodeKind, Time, NO_TIME};
use crate::resolve::Resolution;
use rustc_hash::FxHashMap;
use std::borrow::Cow;
use std::io::{self, Write};
use std::path::Path;

/// What one node of the individual-level graph stands for.
#[derive(Debug, Clone, PartialEq)]
pub struct IndividualNode {
    /// `individual`, `holder` or `phone`.
    pub kind: &'static str,
    /// `I0001`, `H0001`, or the phone's number.
    pub case_id: String,
    /// What a viewer shows: the individual's name(s), or the id.
    pub label: String,
    /// Person record indices (individuals only), in file order.
    pub persons: Vec<u32>,
    /// Phone indices, ascending.
    pub phones: Vec<u32>,
}

/// A directed link between two nodes, summed over their phones' call links.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct IndividualLink {
    pub source: u32,
    pub target: u32,
    pub calls: u64,
    pub texts: u64,
    pub seconds: u64,
    pub first: Time,
    pub last: Time,
}

/// The individual-level graph of a case, ready to select from and write.
#[derive(Debug, Clone)]
pub struct IndividualGraph {
    pub contacts: ContactGraph,
    pub nodes: Vec<IndividualNode>,
    /// Sorted by (source, target).
    pub links: Vec<IndividualLink>,
    /// Node of each phone ([`NONE`]: not in the graph).
    pub node_of_phone: Vec<u32>,
    /// Node of each person record ([`NONE`]: its individual has no contact).
    pub node_of_person: Vec<u32>,
}

impl IndividualGraph {
    /// # Complexity
    /// O(phones + persons + call links) after the contact graph is built.
    pub fn build(
        case: &CaseGraph,
        resolution: &Resolution,
        config: &ContactConfig,
    ) -> Result<Self> {
        let grouping = Grouping::from_resolution(resolution, case);
        let contacts = ContactGraph::from_case_grouped(case, config, Some(&grouping))?;
        let n = contacts.n_nodes();
        let node_of_phone: Vec<u32> = (0..case.phones.len())
            .map(|p| {
                let g = grouping.group_of[p];
                let name = if g == NONE {
                    case.phone_number(p as u32)
                } else {
                    grouping.labels[g as usize].1.as_str()
                };
                contacts.find(name).unwrap_or(NONE)
            })
            .collect();
        let mut nodes: Vec<IndividualNode> = (0..n as u32)
            .map(|v| {
                let name = contacts.name(v).to_string();
                let kind = match contacts.kind(v) {
                    NodeKind::Phone => "phone",
                    _ if resolution.find_individual(&name).is_some() => "individual",
                    _ => "holder",
                };
                IndividualNode {
                    kind,
                    label: name.clone(),
                    case_id: name,
                    persons: Vec::new(),
                    phones: Vec::new(),
                }
            })
            .collect();
        for (p, &v) in node_of_phone.iter().enumerate() {
            if v != NONE {
                nodes[v as usize].phones.push(p as u32);
            }
        }
        let node_of_individual: FxHashMap<u32, u32> = (0..n as u32)
            .filter(|&v| nodes[v as usize].kind == "individual")
            .filter_map(|v| resolution.find_individual(contacts.name(v)).map(|i| (i, v)))
            .collect();
        let node_of_person: Vec<u32> = resolution
            .individual_of_person
            .iter()
            .map(|i| node_of_individual.get(i).copied().unwrap_or(NONE))
            .collect();
        for (person, &v) in node_of_person.iter().enumerate() {
            if v != NONE {
                nodes[v as usize].persons.push(person as u32);
            }
        }
        for node in nodes.iter_mut().filter(|n| n.kind == "individual") {
            // Every distinct spelling of the name, in file order: an analyst
            // sees "张伟 / Zhang Wei" rather than a bare id.
            let mut names: Vec<&str> = Vec::new();
            for &p in &node.persons {
                let name = case.str(case.persons[p as usize].name);
                if !name.is_empty() && !names.contains(&name) {
                    names.push(name);
                }
            }
            if !names.is_empty() {
                node.label = names.join(" / ");
            }
        }
        let links = sum_links(case, &node_of_phone);
        Ok(IndividualGraph {
            contacts,
            nodes,
            links,
            node_of_phone,
            node_of_person,
        })
    }

    /// The node holding an entity of the case: a phone's node, or a person
    /// record's individual.
    pub fn node_of(&self, n: NodeRef) -> Option<u32> {
        let v = match n.kind {
            NodeKind::Phone => self.node_of_phone.get(n.idx as usize).copied(),
            NodeKind::Person => self.node_of_person.get(n.idx as usize).copied(),
            _ => None,
        }?;
        (v != NONE).then_some(v)
    }

    /// Every node.
    pub fn whole(&self) -> IndividualSelection {
        IndividualSelection {
            keep: vec![true; self.nodes.len()],
            columns: Vec::new(),
        }
    }

    /// Exactly these nodes.
    pub fn of_nodes(&self, nodes: impl IntoIterator<Item = u32>) -> IndividualSelection {
        let mut keep = vec![false; self.nodes.len()];
        for v in nodes {
            if let Some(k) = keep.get_mut(v as usize) {
                *k = true;
            }
        }
        IndividualSelection {
            keep,
            columns: Vec::new(),
        }
    }

    /// `center` and every node within `hops` contacts of it.
    ///
    /// # Complexity
    /// O(nodes + pairs) (breadth-first search over the contact graph).
    pub fn ego(&self, center: u32, hops: u32) -> IndividualSelection {
        let mut depth = vec![u32::MAX; self.nodes.len()];
        depth[center as usize] = 0;
        let mut queue = std::collections::VecDeque::from([center]);
        while let Some(v) = queue.pop_front() {
            let d = depth[v as usize];
            if d == hops {
                continue;
            }
            for &w in self.contacts.neighbours(v) {
                if depth[w as usize] == u32::MAX {
                    depth[w as usize] = d + 1;
                    queue.push_back(w);
                }
            }
        }
        IndividualSelection {
            keep: depth.iter().map(|&d| d != u32::MAX).collect(),
            columns: Vec::new(),
        }
    }

    /// Gang, role and lead score per node from a lead run's phone facts: a
    /// node takes the gang of its phones (several gangs: joined with `;`),
    /// the most senior role among them and its best lead score.
    pub fn lead_columns(&self, facts: &[PhoneLeadFacts]) -> Vec<NodeColumn> {
        let senior = |r: &str| match r {
            "boss" => 0,
            "broker" => 1,
            "lieutenant" => 2,
            "operator" => 3,
            "mule" => 4,
            _ => 5,
        };
        let mut gang = Vec::with_capacity(self.nodes.len());
        let mut role = Vec::with_capacity(self.nodes.len());
        let mut score = Vec::with_capacity(self.nodes.len());
        for node in &self.nodes {
            let mut gangs: Vec<&str> = node
                .phones
                .iter()
                .filter_map(|&p| facts[p as usize].gang.as_deref())
                .collect();
            gangs.sort_unstable();
            gangs.dedup();
            gang.push((!gangs.is_empty()).then(|| ColumnValue::String(gangs.join(";"))));
            role.push(
                node.phones
                    .iter()
                    .filter_map(|&p| facts[p as usize].role)
                    .min_by_key(|r| (senior(r), *r))
                    .map(|r| ColumnValue::String(r.to_string())),
            );
            score.push(
                node.phones
                    .iter()
                    .filter_map(|&p| facts[p as usize].lead_score)
                    .reduce(f64::max)
                    .map(ColumnValue::Double),
            );
        }
        vec![
            NodeColumn {
                name: "gang".into(),
                ty: ColumnType::String,
                values: gang,
            },
            NodeColumn {
                name: "gang_role".into(),
                ty: ColumnType::String,
                values: role,
            },
            NodeColumn {
                name: "lead_score".into(),
                ty: ColumnType::Double,
                values: score,
            },
        ]
    }
}

/// Call links summed onto node pairs, both ends in the graph, contact
/// inside one node dropped.
fn sum_links(case: &CaseGraph, node_of_phone: &[u32]) -> Vec<IndividualLink> {
    let mut sums: FxHashMap<(u32, u32), IndividualLink> = FxHashMap::default();
    for l in case.call_links.iter() {
        let (a, b) = (
            node_of_phone[l.caller as usize],
            node_of_phone[l.callee as usize],
        );
        if a == NONE || b == NONE || a == b {
            continue;
        }
        let e = sums.entry((a, b)).or_insert(IndividualLink {
            source: a,
            target: b,
            calls: 0,
            texts: 0,
            seconds: 0,
            first: NO_TIME,
            last: NO_TIME,
        });
        e.calls += l.n_calls as u64;
        e.texts += l.n_texts as u64;
        e.seconds += l.total_seconds;
        if l.first != NO_TIME && (e.first == NO_TIME || l.first < e.first) {
            e.first = l.first;
        }
        if l.last != NO_TIME && (e.last == NO_TIME || l.last > e.last) {
            e.last = l.last;
        }
    }
    let mut links: Vec<IndividualLink> = sums.into_values().collect();
    links.sort_unstable_by_key(|l| (l.source, l.target));
    links
}

/// The nodes of an individual-level export and per-node columns.
#[derive(Debug, Clone, PartialEq)]
pub struct IndividualSelection {
    pub keep: Vec<bool>,
    pub columns: Vec<NodeColumn>,
}

impl IndividualSelection {
    pub fn node_count(&self) -> usize {
        self.keep.iter().filter(|&&k| k).count()
    }

    /// Add columns, refusing names already taken.
    pub fn add_columns(&mut self, columns: Vec<NodeColumn>) -> Result<()> {
        for c in columns {
            if NODE_KEYS.iter().any(|(n, _)| *n == c.name)
                || self.columns.iter().any(|o| o.name == c.name)
            {
                return Err(Error::Invalid(format!(
                    "export column {:?}: expected a new name, found one already exported",
                    c.name
                )));
            }
            self.columns.push(c);
        }
        Ok(())
    }

    fn nodes(&self) -> impl Iterator<Item = u32> + '_ {
        self.keep
            .iter()
            .enumerate()
            .filter(|(_, &k)| k)
            .map(|(v, _)| v as u32)
    }

    fn links<'a>(&'a self, g: &'a IndividualGraph) -> impl Iterator<Item = &'a IndividualLink> {
        g.links
            .iter()
            .filter(|l| self.keep[l.source as usize] && self.keep[l.target as usize])
    }
}

/// Fixed node attributes at individual level.
const NODE_KEYS: &[(&str, AttrType)] = &[
    ("kind", AttrType::String),
    ("label", AttrType::String),
    ("case_id", AttrType::String),
    ("person_ids", AttrType::String),
    ("numbers", AttrType::String),
    ("n_persons", AttrType::Int),
    ("n_phones", AttrType::Int),
];

/// Fixed edge attributes at individual level.
const EDGE_KEYS: &[(&str, AttrType)] = &[
    ("kind", AttrType::String),
    ("weight", AttrType::Double),
    ("calls", AttrType::Int),
    ("texts", AttrType::Int),
    ("seconds", AttrType::Long),
    ("first", AttrType::String),
    ("last", AttrType::String),
];

/// The GraphML keys an individual-level export declares, as
/// (domain, name, type), in file order.
pub fn keys(sel: &IndividualSelection) -> Vec<(&'static str, String, AttrType)> {
    let mut out: Vec<(&'static str, String, AttrType)> = NODE_KEYS
        .iter()
        .map(|(n, t)| ("node", n.to_string(), *t))
        .collect();
    out.extend(
        sel.columns
            .iter()
            .map(|c| ("node", c.name.clone(), c.ty.attr_type())),
    );
    out.extend(EDGE_KEYS.iter().map(|(n, t)| ("edge", n.to_string(), *t)));
    out
}

fn node_fields(case: &CaseGraph, node: &IndividualNode) -> [String; 7] {
    let ids: Vec<&str> = node
        .persons
        .iter()
        .map(|&p| case.str(case.persons[p as usize].person_id))
        .collect();
    let numbers: Vec<&str> = node.phones.iter().map(|&p| case.phone_number(p)).collect();
    [
        node.kind.to_string(),
        node.label.clone(),
        node.case_id.clone(),
        ids.join(";"),
        numbers.join(";"),
        node.persons.len().to_string(),
        node.phones.len().to_string(),
    ]
}

fn link_fields(l: &IndividualLink) -> [String; 7] {
    let time = |t: Time| if t == NO_TIME { String::new() } else { show(t) };
    [
        "call".into(),
        ((l.calls + l.texts) as f64).to_string(),
        l.calls.to_string(),
        l.texts.to_string(),
        l.seconds.to_string(),
        time(l.first),
        time(l.last),
    ]
}

/// A column's value for node `v`, if it has a finite one.
fn column_value(c: &NodeColumn, v: u32) -> Option<Value<'_>> {
    match c.values.get(v as usize)?.as_ref()? {
        ColumnValue::Int(x) => Some(Value::Int(*x)),
        ColumnValue::Double(x) if x.is_finite() => Some(Value::Double(*x)),
        ColumnValue::Double(_) => None,
        ColumnValue::String(s) => Some(Value::Str(Cow::Borrowed(s))),
    }
}

/// Node ids in the file: `ind0`, `ind1`... (XML-safe; names go in `label`).
fn xml_id(v: u32) -> String {
    format!("ind{v}")
}

/// The individual-level graph as the writers see it: the selected nodes
/// with their fixed fields (empty ones left out), then the selection's
/// columns; the links between selected nodes.
pub struct IndividualView<'a> {
    pub case: &'a CaseGraph,
    pub graph: &'a IndividualGraph,
    pub selection: &'a IndividualSelection,
}

impl ExportGraph for IndividualView<'_> {
    fn graph_id(&self) -> &'static str {
        "individuals"
    }

    fn node_keys(&self) -> Vec<(String, AttrType)> {
        let mut out: Vec<(String, AttrType)> =
            NODE_KEYS.iter().map(|(n, t)| (n.to_string(), *t)).collect();
        out.extend(
            self.selection
                .columns
                .iter()
                .map(|c| (c.name.clone(), c.ty.attr_type())),
        );
        out
    }

    fn edge_keys(&self) -> Vec<(String, AttrType)> {
        EDGE_KEYS.iter().map(|(n, t)| (n.to_string(), *t)).collect()
    }

    fn each_node(&self, f: &mut dyn FnMut(&ExportNode<'_>) -> io::Result<()>) -> io::Result<()> {
        for v in self.selection.nodes() {
            let fields = node_fields(self.case, &self.graph.nodes[v as usize]);
            let mut values = present(&fields);
            for (c, column) in self.selection.columns.iter().enumerate() {
                if let Some(value) = column_value(column, v) {
                    values.push((NODE_KEYS.len() + c, value));
                }
            }
            f(&ExportNode {
                id: &xml_id(v),
                values: &values,
                drawn: None,
            })?;
        }
        Ok(())
    }

    fn each_edge(&self, f: &mut dyn FnMut(&ExportEdge<'_>) -> io::Result<()>) -> io::Result<()> {
        for l in self.selection.links(self.graph) {
            let fields = link_fields(l);
            f(&ExportEdge {
                source: &xml_id(l.source),
                target: &xml_id(l.target),
                values: &present(&fields),
            })?;
        }
        Ok(())
    }
}

/// The non-empty fields, by index, as text values.
fn present(fields: &[String]) -> Vec<(usize, Value<'_>)> {
    fields
        .iter()
        .enumerate()
        .filter(|(_, text)| !text.is_empty())
        .map(|(k, text)| (k, Value::Str(Cow::Borrowed(text.as_str()))))
        .collect()
}

/// Write the selection as GraphML (plain; validates against graphml.xsd).
pub fn write_graphml<W: Write>(
    case: &CaseGraph,
    g: &IndividualGraph,
    sel: &IndividualSelection,
    out: W,
) -> io::Result<Written> {
    let view = IndividualView {
        case,
        graph: g,
        selection: sel,
    };
    super::graphml::write_graph(&view, Default::default(), out)
}

/// Gephi's spreadsheet import at individual level: `nodes.csv` (`Id`,
/// `Label`, attributes, columns) and `edges.csv` (`Source`, `Target`,
/// `Type`, `Id`, `Weight`, attributes) in `dir`.
pub fn write_gephi_csv(
    case: &CaseGraph,
    g: &IndividualGraph,
    sel: &IndividualSelection,
    dir: &Path,
) -> Result<Written> {
    let view = IndividualView {
        case,
        graph: g,
        selection: sel,
    };
    super::csv::write_gephi_graph(&view, dir)
}

/// Build the graph and pick nodes the way the CLI's selections do, for
/// library callers: the whole graph with `measures` attached.
pub fn whole_with_measures(
    case: &CaseGraph,
    resolution: &Resolution,
    measures: &[super::passes::NodeMeasure],
) -> Result<(IndividualGraph, IndividualSelection)> {
    let g = IndividualGraph::build(case, resolution, &ContactConfig::default())?;
    let mut sel = g.whole();
    sel.add_columns(super::passes::contact_columns(&g.contacts, measures)?)?;
    Ok((g, sel))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::{ingest_case, IngestConfig};
    use crate::resolve::{resolve, ResolveConfig};

    fn tiny() -> (CaseGraph, Resolution) {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/tiny");
        let g = ingest_case(&dir, &IngestConfig::default()).unwrap();
        let r = resolve(&g, &ResolveConfig::default()).unwrap();
        (g, r)
    }

    #[test]
    fn links_add_up_every_call_between_the_nodes_phones() {
        let (case, r) = tiny();
        let g = IndividualGraph::build(&case, &r, &ContactConfig::default()).unwrap();
        // Every call link with both ends on different nodes is counted once.
        let mut calls = 0u64;
        let mut texts = 0u64;
        for l in case.call_links.iter() {
            let (a, b) = (
                g.node_of_phone[l.caller as usize],
                g.node_of_phone[l.callee as usize],
            );
            if a != NONE && b != NONE && a != b {
                calls += l.n_calls as u64;
                texts += l.n_texts as u64;
            }
        }
        assert!(calls > 0);
        assert_eq!(g.links.iter().map(|l| l.calls).sum::<u64>(), calls);
        assert_eq!(g.links.iter().map(|l| l.texts).sum::<u64>(), texts);
        // Links follow the contact graph: every link's pair is a contact pair.
        for l in &g.links {
            assert!(g.contacts.neighbours(l.source).contains(&l.target));
        }
        assert!(g
            .links
            .windows(2)
            .all(|w| (w[0].source, w[0].target) < (w[1].source, w[1].target)));
    }

    #[test]
    fn individuals_hold_their_records_and_phones() {
        let (case, r) = tiny();
        let g = IndividualGraph::build(&case, &r, &ContactConfig::default()).unwrap();
        let individuals: Vec<&IndividualNode> =
            g.nodes.iter().filter(|n| n.kind == "individual").collect();
        assert!(!individuals.is_empty());
        for n in &individuals {
            assert!(!n.persons.is_empty() && !n.phones.is_empty(), "{n:?}");
            let i = r.find_individual(&n.case_id).unwrap();
            assert!(n
                .persons
                .iter()
                .all(|&p| r.individual_of_person[p as usize] == i));
        }
        // Phones are partitioned among nodes.
        let mut seen = vec![0; case.phones.len()];
        for n in &g.nodes {
            for &p in &n.phones {
                seen[p as usize] += 1;
            }
        }
        assert!(seen.iter().all(|&c| c <= 1));
    }

    #[test]
    fn ego_grows_with_hops_and_graphml_is_well_formed() {
        let (case, r) = tiny();
        let g = IndividualGraph::build(&case, &r, &ContactConfig::default()).unwrap();
        let center = (0..g.nodes.len() as u32)
            .max_by_key(|&v| (g.contacts.degree(v), std::cmp::Reverse(v)))
            .unwrap();
        let one = g.ego(center, 1);
        assert_eq!(one.node_count(), 1 + g.contacts.degree(center));
        assert!(g.ego(center, 2).node_count() >= one.node_count());
        assert_eq!(g.ego(center, 0).node_count(), 1);
        let mut sel = g.whole();
        sel.add_columns(
            super::super::passes::contact_columns(
                &g.contacts,
                super::super::passes::NodeMeasure::DEFAULT,
            )
            .unwrap(),
        )
        .unwrap();
        let mut out = Vec::new();
        let w = write_graphml(&case, &g, &sel, &mut out).unwrap();
        assert_eq!(w.nodes as usize, g.nodes.len());
        assert_eq!(w.edges as usize, g.links.len());
        let text = String::from_utf8(out).unwrap();
        let mut reader = quick_xml::Reader::from_str(&text);
        while reader.read_event().unwrap() != quick_xml::events::Event::Eof {}
        assert!(text.contains("attr.name=\"pagerank\""));
        assert!(sel
            .add_columns(vec![NodeColumn {
                name: "label".into(),
                ty: ColumnType::String,
                values: vec![],
            }])
            .is_err());
    }
}
