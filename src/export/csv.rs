//! CSV node and edge tables, in two shapes:
//!
//! - **Gephi** (Data Laboratory → Import Spreadsheet): `nodes.csv` with
//!   `Id`, `Label` and one column per attribute; `edges.csv` with `Source`,
//!   `Target`, `Type` (`Directed`), `Id`, `Weight` and the link attributes.
//!   Gephi recognises those column names and guesses the other types.
//! - **Neo4j** (`neo4j-admin database import full`): one node file per
//!   label (`nodes_phone.csv`: `id:ID(Phone)`, `:LABEL`, typed properties
//!   such as `calls_out:int`, `lat:double`), one relationship file per type
//!   (`rels_call.csv`: `:START_ID(Phone)`, `:END_ID(Phone)`, `:TYPE`,
//!   `calls:int`, `seconds:long`, ...), and `import.sh` with the command
//!   that loads them. Each node kind is its own id space, so ids are
//!   checked per kind. Empty values are left empty, which the importer reads
//!   as "no property".
//!
//! Strings are written as the case spells them (CSV quoting keeps commas,
//! quotes and newlines; hence `--multiline-fields=true` in the command),
//! except that cells a spreadsheet would run as formulas get a leading `'`
//! unless formulas are kept ([`crate::safe_csv`], the CLI's `--raw-csv`).

use super::view::{CaseView, ExportGraph};
use super::{
    edge_attribute, edge_attributes_of, edge_values, node_attribute, node_attributes_of, node_id,
    node_values, AttrType, Selection, Value, Written, EDGE_ATTRIBUTES, NODE_ATTRIBUTES,
};
use crate::graph::CaseGraph;
use crate::model::{EdgeKind, NodeKind};
use crate::safe_csv::{csv_io, write_file};
use crate::{Error, Result};
use std::path::{Path, PathBuf};

/// Gephi's spreadsheet import: `nodes.csv` and `edges.csv` in `dir`.
pub fn write_gephi(g: &CaseGraph, sel: &Selection, dir: &Path) -> Result<Written> {
    write_gephi_graph(
        &CaseView {
            case: g,
            selection: sel,
        },
        dir,
    )
}

/// Gephi's spreadsheet import of any graph for export (the phone level,
/// the individual level): `nodes.csv` (`Id`, `Label`, the other node keys)
/// and `edges.csv` (`Source`, `Target`, `Type`, `Id`, `Weight`, the other
/// link keys) in `dir`.
pub fn write_gephi_graph<G: ExportGraph + ?Sized>(graph: &G, dir: &Path) -> Result<Written> {
    std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    let mut written = Written::default();
    let node_keys = graph.node_keys();
    write_file(&dir.join("nodes.csv"), |w| {
        let mut header = vec!["Id".to_string()];
        header.extend(node_keys.iter().map(|(n, _)| match n.as_str() {
            "label" => "Label".to_string(),
            n => n.to_string(),
        }));
        w.write_record(&header).map_err(csv_io)?;
        let mut row: Vec<String> = Vec::with_capacity(header.len());
        graph.each_node(&mut |n| {
            row.clear();
            row.push(n.id.to_string());
            row.resize(1 + node_keys.len(), String::new());
            for (k, v) in n.values {
                row[1 + k] = v.text().into_owned();
            }
            w.write_record(&row).map_err(csv_io)?;
            written.nodes += 1;
            Ok(())
        })
    })?;
    let edge_keys = graph.edge_keys();
    write_file(&dir.join("edges.csv"), |w| {
        let mut header: Vec<&str> = vec!["Source", "Target", "Type", "Id"];
        header.extend(edge_keys.iter().map(|(n, _)| match n.as_str() {
            "weight" => "Weight",
            n => n,
        }));
        w.write_record(&header).map_err(csv_io)?;
        let mut row: Vec<String> = Vec::with_capacity(header.len());
        graph.each_edge(&mut |e| {
            row.clear();
            row.push(e.source.to_string());
            row.push(e.target.to_string());
            row.push("Directed".into());
            row.push(format!("e{}", written.edges));
            row.resize(4 + edge_keys.len(), String::new());
            for (k, v) in e.values {
                row[4 + k] = v.text().into_owned();
            }
            w.write_record(&row).map_err(csv_io)?;
            written.edges += 1;
            Ok(())
        })
    })?;
    Ok(written)
}

/// The Neo4j label of a node kind.
pub fn neo4j_label(kind: NodeKind) -> &'static str {
    match kind {
        NodeKind::Person => "Person",
        NodeKind::Phone => "Phone",
        NodeKind::Handset => "Handset",
        NodeKind::Location => "Location",
        NodeKind::Incident => "Incident",
        NodeKind::Account => "Account",
    }
}

/// The Neo4j relationship type of a link kind: `CALL`, `PHONE_HANDSET`, ...
pub fn neo4j_type(kind: EdgeKind) -> String {
    kind.as_str().to_ascii_uppercase()
}

/// The endpoint kinds of a link kind.
pub fn endpoints(kind: EdgeKind) -> (NodeKind, NodeKind) {
    match kind {
        EdgeKind::Call => (NodeKind::Phone, NodeKind::Phone),
        EdgeKind::PhoneHandset => (NodeKind::Phone, NodeKind::Handset),
        EdgeKind::PhoneLocation => (NodeKind::Phone, NodeKind::Location),
        EdgeKind::PersonPhone => (NodeKind::Person, NodeKind::Phone),
        EdgeKind::IncidentPhone => (NodeKind::Incident, NodeKind::Phone),
        EdgeKind::IncidentAccount => (NodeKind::Incident, NodeKind::Account),
        EdgeKind::IncidentVictim => (NodeKind::Incident, NodeKind::Person),
        EdgeKind::IncidentLocation => (NodeKind::Incident, NodeKind::Location),
    }
}

/// The import header's type suffix (`:int`); strings have none.
fn neo4j_type_suffix(t: AttrType) -> &'static str {
    match t {
        AttrType::Boolean => ":boolean",
        AttrType::Int => ":int",
        AttrType::Long => ":long",
        AttrType::Double => ":double",
        AttrType::String => "",
    }
}

/// What a Neo4j export wrote: the files, for the import command.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Neo4jFiles {
    pub nodes: Vec<PathBuf>,
    pub relationships: Vec<PathBuf>,
    pub written: Written,
}

impl Neo4jFiles {
    /// The `neo4j-admin` command that imports these files into `database`
    /// (file names relative to their folder).
    pub fn command(&self, database: &str) -> String {
        let name = |p: &PathBuf| {
            p.file_name()
                .map(|f| f.to_string_lossy().into_owned())
                .unwrap_or_default()
        };
        let mut cmd = String::from(
            "neo4j-admin database import full --overwrite-destination --multiline-fields=true",
        );
        for n in &self.nodes {
            cmd.push_str(&format!(" \\\n  --nodes={}", name(n)));
        }
        for r in &self.relationships {
            cmd.push_str(&format!(" \\\n  --relationships={}", name(r)));
        }
        cmd.push_str(&format!(" \\\n  {database}"));
        cmd
    }
}

/// `neo4j-admin database import` files in `dir`, plus `import.sh`.
pub fn write_neo4j(g: &CaseGraph, sel: &Selection, dir: &Path) -> Result<Neo4jFiles> {
    std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    let mut files = Neo4jFiles::default();
    let mut values = Vec::new();
    for &kind in NodeKind::ALL {
        if sel.count_of(kind) == 0 {
            continue;
        }
        let path = dir.join(format!("nodes_{}.csv", kind.as_str()));
        let label = neo4j_label(kind);
        let own = node_attributes_of(kind);
        write_file(&path, |w| {
            let mut header = vec![format!("id:ID({label})"), ":LABEL".into()];
            for name in ["label", "case_id"].iter().chain(own) {
                let d = node_attribute(name);
                header.push(format!("{}{}", d.name, neo4j_type_suffix(d.ty)));
            }
            for c in &sel.table.columns {
                header.push(format!("{}{}", c.name, neo4j_type_suffix(c.ty.attr_type())));
            }
            w.write_record(&header).map_err(csv_io)?;
            for n in sel.nodes_of_kind(kind) {
                node_values(g, n, &mut values);
                let get = |name: &str| -> String {
                    values
                        .iter()
                        .find(|(k, _)| NODE_ATTRIBUTES[*k].name == name)
                        .map(|(_, v)| v.text().into_owned())
                        .unwrap_or_default()
                };
                let mut row = vec![node_id(n), label.to_string()];
                row.extend(["label", "case_id"].iter().chain(own).map(|a| get(a)));
                for c in 0..sel.table.columns.len() {
                    row.push(
                        sel.table
                            .value(c, n)
                            .map(|v| v.text().into_owned())
                            .unwrap_or_default(),
                    );
                }
                w.write_record(&row).map_err(csv_io)?;
                files.written.nodes += 1;
            }
            Ok(())
        })?;
        files.nodes.push(path);
    }
    let mut evalues: Vec<(usize, Value<'static>)> = Vec::new();
    for &kind in EdgeKind::ALL {
        if sel.links_of_kind(g, kind).next().is_none() {
            continue;
        }
        let path = dir.join(format!("rels_{}.csv", kind.as_str()));
        let (from, to) = endpoints(kind);
        let own = edge_attributes_of(kind);
        let ty = neo4j_type(kind);
        write_file(&path, |w| {
            let mut header = vec![
                format!(":START_ID({})", neo4j_label(from)),
                format!(":END_ID({})", neo4j_label(to)),
                ":TYPE".into(),
            ];
            for name in ["weight"].iter().chain(own) {
                let d = edge_attribute(name);
                header.push(format!("{}{}", d.name, neo4j_type_suffix(d.ty)));
            }
            w.write_record(&header).map_err(csv_io)?;
            for link in sel.links_of_kind(g, kind) {
                edge_values(&link, &mut evalues);
                let mut row = vec![node_id(link.source), node_id(link.target), ty.clone()];
                for name in ["weight"].iter().chain(own) {
                    row.push(
                        evalues
                            .iter()
                            .find(|(k, _)| EDGE_ATTRIBUTES[*k].name == *name)
                            .map(|(_, v)| v.text().into_owned())
                            .unwrap_or_default(),
                    );
                }
                w.write_record(&row).map_err(csv_io)?;
                files.written.edges += 1;
            }
            Ok(())
        })?;
        files.relationships.push(path);
    }
    let script = format!(
        "#!/bin/sh\n\
         # Load this casegraph export into a Neo4j 5 database (default: neo4j).\n\
         # Stop the database first; --overwrite-destination replaces its contents.\n\
         # Usage: sh import.sh [DATABASE]\n\
         set -e\n\
         cd \"$(dirname \"$0\")\"\n\
         {}\n",
        files.command("\"${1:-neo4j}\"")
    );
    crate::atomic::write_atomically(&dir.join("import.sh"), script.as_bytes())?;
    Ok(files)
}
