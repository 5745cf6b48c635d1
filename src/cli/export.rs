//! `casegraph export CASE`: write the case, or a part of it, for Gephi,
//! yEd, Cytoscape and Neo4j. Prints what it wrote (file, format, nodes,
//! edges) and the GraphML keys with their types, so a checker can compare
//! the files with what casegraph meant to write.

use super::output::{Document, FormatArgs, Table};
use super::{usage, CaseArgs};
use anyhow::Context;
use casegraph::analysis::{ContactConfig, Measure};
use casegraph::export::graphml::{self, GraphmlOptions};
use casegraph::export::passes::PhoneContacts;
use casegraph::export::{csv, gexf, Selection, Written};
use casegraph::graph::lookup::Lookup;
use casegraph::model::NodeKind;
use casegraph::snapshot::write_atomically_with;
use std::path::PathBuf;

#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(flatten)]
    case: CaseArgs,
    /// Write GraphML (Gephi, yEd, Cytoscape, NetworkX, igraph)
    #[arg(long, value_name = "FILE")]
    graphml: Option<PathBuf>,
    /// Add yEd's node labels, shapes and colours to the GraphML (the file then validates against yEd's schema, not graphml.xsd)
    #[arg(long, requires = "graphml")]
    yed: bool,
    /// Write GEXF 1.3 with call times as spells, for Gephi's timeline
    #[arg(long, value_name = "FILE")]
    gexf: Option<PathBuf>,
    /// Write nodes.csv and edges.csv for Gephi's spreadsheet import into DIR
    #[arg(long, value_name = "DIR")]
    csv: Option<PathBuf>,
    /// Write node and relationship files for `neo4j-admin database import` (and import.sh) into DIR; add --raw-csv to import values that start with = + - @ exactly as written
    #[arg(long, value_name = "DIR")]
    neo4j: Option<PathBuf>,
    /// Export only ENTITY and its neighbourhood (a phone number in any spelling, person_id, name, IMEI, incident, location or account; kind:text to choose)
    #[arg(long, value_name = "ENTITY")]
    ego: Option<String>,
    /// How many links away from --ego to reach
    #[arg(long, default_value_t = 1, requires = "ego", value_name = "N")]
    hops: u32,
    /// Export only component ID of the contact graph (ids as `casegraph components` prints them; service numbers left out)
    #[arg(long, value_name = "ID", conflicts_with_all = ["ego", "community", "top"])]
    component: Option<u32>,
    /// Export only community ID (ids as `casegraph communities` prints them, default resolution and seed)
    #[arg(long, value_name = "ID", conflicts_with_all = ["ego", "top"])]
    community: Option<u32>,
    /// Export only the K phones ranked highest --by a measure, and the links among them
    #[arg(long, value_name = "K", requires = "by", conflicts_with = "ego")]
    top: Option<usize>,
    /// The measure for --top: degree, strength, pagerank, betweenness, closeness, harmonic, eigenvector
    #[arg(long, value_name = "MEASURE", requires = "top")]
    by: Option<String>,
    /// Keep only these node kinds (comma-separated: person,phone,handset,location,incident,account); --ego hops cross every kind first
    #[arg(long, value_delimiter = ',', value_name = "KINDS")]
    kinds: Vec<String>,
    #[command(flatten)]
    format: FormatArgs,
}

pub fn run(args: Args) -> anyhow::Result<u8> {
    if args.graphml.is_none() && args.gexf.is_none() && args.csv.is_none() && args.neo4j.is_none() {
        return Err(usage(
            "export: expected at least one of --graphml, --gexf, --csv, --neo4j, found none",
        ));
    }
    let kinds = args
        .kinds
        .iter()
        .map(|k| {
            NodeKind::parse(k).ok_or_else(|| {
                usage(format!(
                    "--kinds: expected node kinds among {}, found {k:?}",
                    NodeKind::expected()
                ))
            })
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    let graph = args.case.open()?;
    let measure = match &args.by {
        Some(m) => Some(Measure::parse(m).ok_or_else(|| {
            let names: Vec<&str> = Measure::ALL.iter().map(|m| m.as_str()).collect();
            usage(format!(
                "--by: expected one of {}, found {m:?}",
                names.join(", ")
            ))
        })?),
        None => None,
    };
    let mut selection = if let Some(text) = &args.ego {
        let center = Lookup::new(&graph)
            .find(text)
            .map_err(|e| usage(format!("--ego {e}")))?;
        Selection::ego(&graph, center, args.hops)
    } else if args.component.is_some() || args.community.is_some() || args.top.is_some() {
        let contacts = PhoneContacts::build(&graph, &ContactConfig::default())?;
        let picked = match (args.component, args.community, args.top, measure) {
            (Some(id), _, _, _) => contacts.component(&graph, id),
            (_, Some(id), _, _) => contacts.community(&graph, id),
            (_, _, Some(k), Some(m)) => contacts.top(&graph, k, m),
            _ => unreachable!("clap requires --by with --top"),
        };
        picked.map_err(|e| usage(e.to_string()))?
    } else {
        Selection::whole(&graph)
    };
    if !kinds.is_empty() {
        selection.restrict_kinds(&kinds);
    }

    let mut written = Table::new("written", &["file", "format", "nodes", "edges"]);
    let mut record = |path: &PathBuf, format: &str, w: Written| {
        written.push(vec![
            path.display().to_string().into(),
            format.into(),
            w.nodes.into(),
            w.edges.into(),
        ]);
    };
    if let Some(path) = &args.graphml {
        let options = GraphmlOptions { yed: args.yed };
        let mut w = Written::default();
        write_atomically_with(path, |file| {
            w = graphml::write(&graph, &selection, options, file)?;
            Ok(())
        })
        .with_context(|| format!("writing GraphML {}", path.display()))?;
        record(path, if args.yed { "graphml+yed" } else { "graphml" }, w);
    }
    if let Some(path) = &args.gexf {
        let mut w = Written::default();
        write_atomically_with(path, |file| {
            w = gexf::write(&graph, &selection, file)?;
            Ok(())
        })
        .with_context(|| format!("writing GEXF {}", path.display()))?;
        record(path, "gexf", w);
    }
    if let Some(dir) = &args.csv {
        let w = csv::write_gephi(&graph, &selection, dir)
            .with_context(|| format!("writing Gephi CSV into {}", dir.display()))?;
        record(dir, "gephi-csv", w);
    }
    if let Some(dir) = &args.neo4j {
        let files = csv::write_neo4j(&graph, &selection, dir)
            .with_context(|| format!("writing Neo4j import files into {}", dir.display()))?;
        record(dir, "neo4j", files.written);
        eprintln!(
            "casegraph: to load into Neo4j, stop the database and run `sh {}` (or, from that folder: {})",
            dir.join("import.sh").display(),
            files.command("neo4j").replace(" \\\n  ", " ")
        );
    }
    let mut doc = Document::default().with(written);
    if args.graphml.is_some() {
        let mut keys = Table::new("graphml_keys", &["for", "name", "type"]);
        for (domain, name, ty) in graphml::keys(&selection) {
            keys.push(vec![domain.into(), name.into(), ty.as_str().into()]);
        }
        doc = doc.with(keys);
    }
    doc.print(args.format.format())?;
    if selection.node_count() == 0 {
        eprintln!("casegraph: the selection holds no nodes; the files are empty graphs");
        return Ok(1);
    }
    Ok(0)
}
