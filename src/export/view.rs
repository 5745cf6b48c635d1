//! What the GraphML and Gephi CSV writers need of a graph, so one writer of
//! each serves both levels of export: the phone level ([`CaseView`]: a
//! case and a [`Selection`] of it) and the individual level
//! (`individual::IndividualView`). A graph for export names its attribute
//! keys once and hands out its nodes and links in file order, each with its
//! id in the file and its values by key index.

use super::{
    edge_values, node_id, node_label, node_values, AttrType, Selection, Value, EDGE_ATTRIBUTES,
    NODE_ATTRIBUTES,
};
use crate::graph::CaseGraph;
use crate::model::NodeKind;
use std::io;

/// One node as the writers see it.
pub struct ExportNode<'a> {
    /// Its id in the file (`ph12`, `ind3`).
    pub id: &'a str,
    /// `(index in node_keys, value)`; keys without a value are left out.
    pub values: &'a [(usize, Value<'a>)],
    /// Its kind and label, for drawing programs that style nodes by kind
    /// (yEd); `None` where nodes have no case kind.
    pub drawn: Option<(NodeKind, &'a str)>,
}

/// One link as the writers see it.
pub struct ExportEdge<'a> {
    pub source: &'a str,
    pub target: &'a str,
    /// `(index in edge_keys, value)`; keys without a value are left out.
    pub values: &'a [(usize, Value<'a>)],
}

/// A graph the writers can write.
pub trait ExportGraph {
    /// The `id` of GraphML's `<graph>` element.
    fn graph_id(&self) -> &'static str;
    /// Node attribute keys as `(name, type)`, in file order.
    fn node_keys(&self) -> Vec<(String, AttrType)>;
    /// Link attribute keys as `(name, type)`, in file order.
    fn edge_keys(&self) -> Vec<(String, AttrType)>;
    /// Call `f` on every node, in file order.
    fn each_node(&self, f: &mut dyn FnMut(&ExportNode<'_>) -> io::Result<()>) -> io::Result<()>;
    /// Call `f` on every link, in file order.
    fn each_edge(&self, f: &mut dyn FnMut(&ExportEdge<'_>) -> io::Result<()>) -> io::Result<()>;
}

/// The phone-level export: the selected nodes of a case with their fixed
/// attributes, then the selection's table columns.
pub struct CaseView<'a> {
    pub case: &'a CaseGraph,
    pub selection: &'a Selection,
}

impl ExportGraph for CaseView<'_> {
    fn graph_id(&self) -> &'static str {
        "case"
    }

    fn node_keys(&self) -> Vec<(String, AttrType)> {
        let mut out: Vec<(String, AttrType)> = NODE_ATTRIBUTES
            .iter()
            .map(|d| (d.name.to_string(), d.ty))
            .collect();
        out.extend(
            self.selection
                .table
                .columns
                .iter()
                .map(|c| (c.name.clone(), c.ty.attr_type())),
        );
        out
    }

    fn edge_keys(&self) -> Vec<(String, AttrType)> {
        EDGE_ATTRIBUTES
            .iter()
            .map(|d| (d.name.to_string(), d.ty))
            .collect()
    }

    fn each_node(&self, f: &mut dyn FnMut(&ExportNode<'_>) -> io::Result<()>) -> io::Result<()> {
        let (g, sel) = (self.case, self.selection);
        let mut values = Vec::new();
        for n in sel.nodes() {
            node_values(g, n, &mut values);
            for c in 0..sel.table.columns.len() {
                if let Some(v) = sel.table.value(c, n) {
                    values.push((NODE_ATTRIBUTES.len() + c, v));
                }
            }
            let id = node_id(n);
            f(&ExportNode {
                id: &id,
                values: &values,
                drawn: Some((n.kind, node_label(g, n))),
            })?;
        }
        Ok(())
    }

    fn each_edge(&self, f: &mut dyn FnMut(&ExportEdge<'_>) -> io::Result<()>) -> io::Result<()> {
        let mut values = Vec::new();
        for link in self.selection.links(self.case) {
            edge_values(&link, &mut values);
            let (source, target) = (node_id(link.source), node_id(link.target));
            f(&ExportEdge {
                source: &source,
                target: &target,
                values: &values,
            })?;
        }
        Ok(())
    }
}
