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
    /// `casegraph components` prints them), with a `component` column.
    pub fn component(&self, case: &CaseGraph, id: u32) -> Result<Selection> {
        let comps = analysis::components(&self.graph, &Default::default())?;
        if id as usize >= comps.len() {
            return Err(Error::Invalid(format!(
                "--component: expected a component id below {}, found {id}",
                comps.len()
            )));
        }
        let members = comps.members(id);
        let mut sel = Selection::of_nodes(case, members.iter().map(|&v| self.phone(v)));
        self.column(
            &mut sel,
            "component",
            members.iter().map(|&v| (v, ColumnValue::Int(id as i64))),
        )?;
        Ok(sel)
    }

    /// The phones of community `id` (as `casegraph communities` numbers
    /// them, default resolution and seed), with a `community` column.
    pub fn community(&self, case: &CaseGraph, id: u32) -> Result<Selection> {
        let comms = analysis::communities(&self.graph, &Default::default())?;
        if id as usize >= comms.len() {
            return Err(Error::Invalid(format!(
                "--community: expected a community id below {}, found {id}",
                comms.len()
            )));
        }
        let members = comms.members(id);
        let mut sel = Selection::of_nodes(case, members.iter().map(|&v| self.phone(v)));
        self.column(
            &mut sel,
            "community",
            members.iter().map(|&v| (v, ColumnValue::Int(id as i64))),
        )?;
        Ok(sel)
    }

    /// The `k` phones ranked highest by `measure` (ties by id, as `casegraph
    /// central` ranks them), with the measure's value and rank as columns.
    pub fn top(&self, case: &CaseGraph, k: usize, measure: Measure) -> Result<Selection> {
        let c: Centrality = analysis::centrality(&self.graph, &CentralityConfig::new(measure))?;
        let top: Vec<u32> = c.order.iter().copied().take(k).collect();
        let mut sel = Selection::of_nodes(case, top.iter().map(|&v| self.phone(v)));
        self.column(
            &mut sel,
            measure.as_str(),
            top.iter()
                .map(|&v| (v, ColumnValue::Double(c.values[v as usize]))),
        )?;
        let rank = format!("{}_rank", measure.as_str());
        self.column(
            &mut sel,
            &rank,
            top.iter()
                .map(|&v| (v, ColumnValue::Int(c.rank[v as usize] as i64))),
        )?;
        Ok(sel)
    }

    fn column(
        &self,
        sel: &mut Selection,
        name: &str,
        values: impl Iterator<Item = (u32, ColumnValue)>,
    ) -> Result<()> {
        let ty = match name {
            "component" | "community" => ColumnType::Int,
            n if n.ends_with("_rank") => ColumnType::Int,
            _ => ColumnType::Double,
        };
        let values: Vec<(NodeRef, ColumnValue)> = values.map(|(v, x)| (self.phone(v), x)).collect();
        sel.table
            .add_column(name, ty, values)
            .map_err(|e| Error::Invalid(format!("export column {name}: {e:?}")))
    }
}
