//! Selections and per-node values from the analysis passes, for exports of
//! one component, one community or the top phones by a measure. The passes
//! run on the phone-level contact graph (service numbers left out, as in
//! `casegraph components`); their nodes are mapped back to the case's
//! phones by number.

use super::{ColumnType, ColumnValue, Selection};
use crate::analysis::{self, Centrality, CentralityConfig, ContactConfig, ContactGraph, Measure};
use crate::error::{Error, Result};
use crate::graph::provenance::NodeRef;
use crate::graph::CaseGraph;
use crate::lead::{Gang, LeadRun};
use crate::model::NodeKind;
use rustc_hash::FxHashMap;

/// The contact graph of a case with its nodes mapped to phone indices.
pub struct PhoneContacts {
    pub graph: ContactGraph,
    /// Phone index of each contact-graph node.
    pub phone_of: Vec<u32>,
}

impl PhoneContacts {
    pub fn build(case: &CaseGraph, config: &ContactConfig) -> Result<Self> {
        let graph = ContactGraph::from_case(case, config)?;
        let index: FxHashMap<&str, u32> = case
            .phones
            .iter()
            .enumerate()
            .map(|(i, &s)| (case.str(s), i as u32))
            .collect();
        let phone_of = (0..graph.n_nodes() as u32)
            .map(|v| {
                index.get(graph.name(v)).copied().ok_or_else(|| {
                    Error::Invalid(format!(
                        "contact graph node {:?} is not a phone of the case",
                        graph.name(v)
                    ))
                })
            })
            .collect::<Result<Vec<u32>>>()?;
        Ok(PhoneContacts { graph, phone_of })
    }

    fn phone(&self, v: u32) -> NodeRef {
        NodeRef {
            kind: NodeKind::Phone,
            idx: self.phone_of[v as usize],
        }
    }

    /// The phones of component `id` (components numbered largest first, as
    /// `casegraph components` prints them).
    pub fn component(&self, case: &CaseGraph, id: u32) -> Result<Selection> {
        let comps = analysis::components(&self.graph, &Default::default())?;
        let members = component_members(&comps, id)?;
        Ok(Selection::of_nodes(
            case,
            members.iter().map(|&v| self.phone(v)),
        ))
    }

    /// The phones of community `id` (as `casegraph communities` numbers
    /// them, default resolution and seed).
    pub fn community(&self, case: &CaseGraph, id: u32) -> Result<Selection> {
        let comms = analysis::communities(&self.graph, &Default::default())?;
        let members = community_members(&comms, id)?;
        Ok(Selection::of_nodes(
            case,
            members.iter().map(|&v| self.phone(v)),
        ))
    }

    /// The `k` phones ranked highest by `measure` (ties by id, as `casegraph
    /// central` ranks them).
    pub fn top(&self, case: &CaseGraph, k: usize, measure: Measure) -> Result<Selection> {
        let top = top_nodes(&self.graph, k, measure)?;
        Ok(Selection::of_nodes(
            case,
            top.iter().map(|&v| self.phone(v)),
        ))
    }

    /// Attach the values of `measures` (computed on the contact graph) to
    /// the selection's phones, one column each (centralities also get a
    /// `_rank` column). Phones outside the contact graph (service numbers,
    /// phones without a kept contact) get no value.
    pub fn add_measures(&self, sel: &mut Selection, measures: &[NodeMeasure]) -> Result<()> {
        for column in contact_columns(&self.graph, measures)? {
            let values: Vec<(NodeRef, ColumnValue)> = column
                .values
                .into_iter()
                .enumerate()
                .filter_map(|(v, x)| x.map(|x| (self.phone(v as u32), x)))
                .filter(|(n, _)| sel.contains(*n))
                .collect();
            sel.table
                .add_column(&column.name, column.ty, values)
                .map_err(|e| Error::Invalid(format!("export column: {e}")))?;
        }
        Ok(())
    }
}

/// A per-node value an export can carry from an analysis pass: `--measures`
/// names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NodeMeasure {
    /// Component id, as `casegraph components` numbers them.
    Component,
    /// Community id, as `casegraph communities` numbers them.
    Community,
    /// A centrality value and its rank.
    Centrality(Measure),
    /// Gang, role and lead score from the `leads` pipeline.
    Gang,
}

impl NodeMeasure {
    /// What an export carries unless told otherwise: cheap enough for the
    /// large case (linear or near-linear passes), enough to colour and size
    /// nodes in Gephi.
    pub const DEFAULT: &'static [NodeMeasure] = &[
        NodeMeasure::Component,
        NodeMeasure::Community,
        NodeMeasure::Centrality(Measure::Degree),
        NodeMeasure::Centrality(Measure::Pagerank),
    ];

    pub fn name(self) -> &'static str {
        match self {
            NodeMeasure::Component => "component",
            NodeMeasure::Community => "community",
            NodeMeasure::Centrality(m) => m.as_str(),
            NodeMeasure::Gang => "gang",
        }
    }

    /// Every name `parse` accepts, for messages.
    pub fn expected() -> String {
        let mut names = vec!["component", "community"];
        names.extend(Measure::ALL.iter().map(|m| m.as_str()));
        names.push("gang");
        format!("a comma-separated list of {}, or none", names.join(", "))
    }

    /// A comma-separated list; `none` (alone) for no measures. Repeats are
    /// kept once, in first-seen order.
    pub fn parse_list(text: &str) -> Option<Vec<NodeMeasure>> {
        if text.trim().eq_ignore_ascii_case("none") {
            return Some(Vec::new());
        }
        let mut out: Vec<NodeMeasure> = Vec::new();
        for word in text.split(',') {
            let m = match word.trim().to_ascii_lowercase().as_str() {
                "component" => NodeMeasure::Component,
                "community" => NodeMeasure::Community,
                "gang" => NodeMeasure::Gang,
                other => NodeMeasure::Centrality(Measure::parse(other)?),
            };
            if !out.contains(&m) {
                out.push(m);
            }
        }
        Some(out)
    }
}

/// One column of values over the nodes of a contact graph (`None`: no
/// value for that node).
#[derive(Debug, Clone, PartialEq)]
pub struct NodeColumn {
    pub name: String,
    pub ty: ColumnType,
    pub values: Vec<Option<ColumnValue>>,
}

/// The columns of `measures` over a contact graph's nodes. [`NodeMeasure::Gang`]
/// is skipped here: it comes from a lead run, not from the contact graph.
pub fn contact_columns(graph: &ContactGraph, measures: &[NodeMeasure]) -> Result<Vec<NodeColumn>> {
    let mut out = Vec::new();
    let ids = |of: &[u32], missing: u32| -> Vec<Option<ColumnValue>> {
        of.iter()
            .map(|&c| (c != missing).then_some(ColumnValue::Int(c as i64)))
            .collect()
    };
    for &m in measures {
        match m {
            NodeMeasure::Component => {
                let comps = analysis::components(graph, &Default::default())?;
                out.push(NodeColumn {
                    name: "component".into(),
                    ty: ColumnType::Int,
                    values: ids(&comps.component_of, analysis::Components::NOT_KEPT),
                });
            }
            NodeMeasure::Community => {
                let comms = analysis::communities(graph, &Default::default())?;
                out.push(NodeColumn {
                    name: "community".into(),
                    ty: ColumnType::Int,
                    values: ids(&comms.community_of, u32::MAX),
                });
            }
            NodeMeasure::Centrality(measure) => {
                let c: Centrality = analysis::centrality(graph, &CentralityConfig::new(measure))?;
                out.push(NodeColumn {
                    name: measure.as_str().into(),
                    ty: ColumnType::Double,
                    values: c
                        .values
                        .iter()
                        .map(|&x| Some(ColumnValue::Double(x)))
                        .collect(),
                });
                out.push(NodeColumn {
                    name: format!("{}_rank", measure.as_str()),
                    ty: ColumnType::Int,
                    values: c
                        .rank
                        .iter()
                        .map(|&r| Some(ColumnValue::Int(r as i64)))
                        .collect(),
                });
            }
            NodeMeasure::Gang => {}
        }
    }
    Ok(out)
}

/// Members of component `id`, with a message naming the valid range.
pub fn component_members(comps: &analysis::Components, id: u32) -> Result<&[u32]> {
    check_id("--component", "component", id, comps.len())?;
    Ok(comps.members(id))
}

/// Members of community `id`, with a message naming the valid range.
pub fn community_members(comms: &analysis::Communities, id: u32) -> Result<&[u32]> {
    check_id("--community", "community", id, comms.len())?;
    Ok(comms.members(id))
}

/// `id` must be below `len`; the error names the option and the range.
fn check_id(option: &str, what: &str, id: u32, len: usize) -> Result<()> {
    if id as usize >= len {
        return Err(Error::Invalid(format!(
            "{option}: expected a {what} id below {len}, found {id}"
        )));
    }
    Ok(())
}

/// The `k` nodes ranked highest by `measure`, in rank order.
pub fn top_nodes(graph: &ContactGraph, k: usize, measure: Measure) -> Result<Vec<u32>> {
    let c = analysis::centrality(graph, &CentralityConfig::new(measure))?;
    Ok(c.order.iter().copied().take(k).collect())
}

/// What a lead run says about each phone: its gang, role and member score,
/// and its lead score and rank.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PhoneLeadFacts {
    pub gang: Option<String>,
    pub role: Option<&'static str>,
    pub lead_score: Option<f64>,
    pub lead_rank: Option<u32>,
}

/// [`PhoneLeadFacts`] for every phone of the case, by phone index.
pub fn phone_lead_facts(case: &CaseGraph, run: &LeadRun) -> Vec<PhoneLeadFacts> {
    let mut out = vec![PhoneLeadFacts::default(); case.phones.len()];
    for gang in &run.gangs {
        for m in &gang.members {
            let f = &mut out[m.phone_idx as usize];
            f.gang = Some(gang.gang_id.clone());
            f.role = Some(m.role.as_str());
        }
    }
    let index: FxHashMap<&str, u32> = case
        .phones
        .iter()
        .enumerate()
        .map(|(i, &s)| (case.str(s), i as u32))
        .collect();
    for lead in run.leads.iter().filter(|l| l.entity_kind == "phone") {
        if let Some(&p) = index.get(lead.entity.as_str()) {
            let f = &mut out[p as usize];
            f.lead_score = Some(lead.score);
            f.lead_rank = Some(lead.rank);
        }
    }
    out
}

/// Person record index by person_id.
fn person_index(case: &CaseGraph) -> FxHashMap<&str, u32> {
    case.persons
        .iter()
        .enumerate()
        .map(|(i, p)| (case.str(p.person_id), i as u32))
        .collect()
}

/// The gang named `id` of a lead run, or an error listing the gangs found.
pub fn find_gang<'r>(run: &'r LeadRun, id: &str) -> Result<&'r Gang> {
    run.gangs
        .iter()
        .find(|g| g.gang_id.eq_ignore_ascii_case(id.trim()))
        .ok_or_else(|| {
            let ids: Vec<&str> = run.gangs.iter().map(|g| g.gang_id.as_str()).collect();
            Error::Invalid(format!(
                "--gang: expected a gang id of this case ({}), found {id:?}",
                if ids.is_empty() {
                    "the leads pipeline found no gangs".to_string()
                } else {
                    ids.join(", ")
                }
            ))
        })
}

/// A gang's nodes: its members' phones, the person records of their
/// holders, the handsets those phones were used in (a SIM swap shows
/// as two phones on one handset) and the incidents naming the gang, as
/// the `leads` run's gang GraphML has them.
pub fn gang_nodes(case: &CaseGraph, gang: &Gang) -> Vec<NodeRef> {
    let person_index = person_index(case);
    let mut out = Vec::new();
    for m in &gang.members {
        out.push(NodeRef {
            kind: NodeKind::Phone,
            idx: m.phone_idx,
        });
        out.extend(m.person_ids.iter().filter_map(|id| {
            person_index.get(id.as_str()).map(|&idx| NodeRef {
                kind: NodeKind::Person,
                idx,
            })
        }));
        out.extend(case.handsets_of(m.phone_idx).iter().map(|u| NodeRef {
            kind: NodeKind::Handset,
            idx: u.handset,
        }));
    }
    for (i, inc) in case.incidents.iter().enumerate() {
        if gang
            .incidents
            .iter()
            .any(|id| id == case.str(inc.incident_id))
        {
            out.push(NodeRef {
                kind: NodeKind::Incident,
                idx: i as u32,
            });
        }
    }
    out
}

/// Attach `gang`, `gang_role` (`role` is the person record's own),
/// `lead_score` and `lead_rank` columns to the
/// selection's phones, and `gang` and `gang_role` to the person records of gang
/// members.
pub fn add_lead_columns(case: &CaseGraph, run: &LeadRun, sel: &mut Selection) -> Result<()> {
    let facts = phone_lead_facts(case, run);
    let phone = |p: usize| NodeRef {
        kind: NodeKind::Phone,
        idx: p as u32,
    };
    let mut gang_col = Vec::new();
    let mut role_col = Vec::new();
    for (p, f) in facts.iter().enumerate() {
        if !sel.contains(phone(p)) {
            continue;
        }
        if let (Some(g), Some(r)) = (&f.gang, f.role) {
            gang_col.push((phone(p), ColumnValue::String(g.clone())));
            role_col.push((phone(p), ColumnValue::String(r.to_string())));
        }
    }
    let person_index = person_index(case);
    for gang in &run.gangs {
        for m in &gang.members {
            for id in &m.person_ids {
                if let Some(&idx) = person_index.get(id.as_str()) {
                    let n = NodeRef {
                        kind: NodeKind::Person,
                        idx,
                    };
                    if sel.contains(n) {
                        gang_col.push((n, ColumnValue::String(gang.gang_id.clone())));
                        role_col.push((n, ColumnValue::String(m.role.as_str().to_string())));
                    }
                }
            }
        }
    }
    let score_col: Vec<_> = facts
        .iter()
        .enumerate()
        .filter(|(p, _)| sel.contains(phone(*p)))
        .filter_map(|(p, f)| f.lead_score.map(|s| (phone(p), ColumnValue::Double(s))))
        .collect();
    let rank_col: Vec<_> = facts
        .iter()
        .enumerate()
        .filter(|(p, _)| sel.contains(phone(*p)))
        .filter_map(|(p, f)| f.lead_rank.map(|r| (phone(p), ColumnValue::Int(r as i64))))
        .collect();
    for (name, ty, values) in [
        ("gang", ColumnType::String, gang_col),
        ("gang_role", ColumnType::String, role_col),
        ("lead_score", ColumnType::Double, score_col),
        ("lead_rank", ColumnType::Int, rank_col),
    ] {
        sel.table
            .add_column(name, ty, values)
            .map_err(|e| Error::Invalid(format!("export column: {e}")))?;
    }
    Ok(())
}
