//! `casegraph export CASE`: write the case, or a part of it, for Gephi,
//! yEd, Cytoscape and Neo4j. Prints what it wrote (file, format, nodes,
//! edges) and the GraphML keys with their types, so a checker can compare
//! the files with what casegraph meant to write.

use super::contacts::LevelArg;
use super::output::{Cell, Document, FormatArgs, Table};
use super::{usage, CaseArgs};
use anyhow::Context;
use casegraph::analysis::{ContactConfig, Measure};
use casegraph::atomic::write_atomically_with;
use casegraph::export::graphml::{self, GraphmlOptions};
use casegraph::export::individual::{self, IndividualGraph, IndividualSelection};
use casegraph::export::passes::{self, NodeMeasure, PhoneContacts};
use casegraph::export::{csv, gexf, Selection, Written};
use casegraph::graph::lookup::Lookup;
use casegraph::graph::CaseGraph;
use casegraph::lead::LeadRun;
use casegraph::model::NodeKind;
use std::path::{Path, PathBuf};

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
    /// How many links away from --ego to reach: a hop is one link of `query neighbors` (calls, handsets, registrations and claims, incidents; service numbers reached but not walked through), so both give the same nodes
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
    /// Export only gang ID of the `leads` pipeline (ids as gangs.csv gives them, e.g. G1): its phones, their holders' person records and handsets, and the incidents naming it; CASE may be the leads output folder, read as its run read it
    #[arg(long, value_name = "ID", conflicts_with_all = ["ego", "component", "community", "top"])]
    gang: Option<String>,
    /// The leads configuration for --gang and --measures gang (see docs/leads.toml)
    #[arg(long, value_name = "leads.toml")]
    config: Option<PathBuf>,
    /// One node per phone (and every other kind), or one per resolved individual (contact links only)
    #[arg(long, value_enum, default_value = "phone")]
    level: LevelArg,
    /// Values from the analysis passes to attach to nodes: component, community, degree, strength, pagerank, betweenness, closeness, harmonic, eigenvector, gang (runs the leads pipeline: gang, gang_role, lead_score, lead_rank), or none
    #[arg(
        long,
        value_name = "LIST",
        default_value = "component,community,degree,pagerank"
    )]
    measures: String,
    /// Keep only these node kinds (comma-separated: person,phone,handset,location,incident,account); --ego hops cross every kind first
    #[arg(long, value_delimiter = ',', value_name = "KINDS")]
    kinds: Vec<String>,
    #[command(flatten)]
    format: FormatArgs,
}

/// A `casegraph leads` output folder given as the case: the case its
/// manifest.json names, read as the run read it, and the run's
/// configuration, so that `--gang G1` is the run's gang G1.
struct FromRun {
    case: PathBuf,
    reading: casegraph::ingest::IngestConfig,
    config: casegraph::lead::LeadConfig,
}

/// [`FromRun`] when `dir` is a leads output folder (manifest.json and no
/// calls.csv), `None` for a case folder or snapshot.
fn from_leads_folder(dir: &std::path::Path) -> anyhow::Result<Option<FromRun>> {
    if !dir.join("manifest.json").is_file() || dir.join("calls.csv").exists() {
        return Ok(None);
    }
    let manifest = casegraph::results::read_manifest(dir)?;
    let manifest_path = dir.join("manifest.json");
    let case = manifest.case.as_deref().map(PathBuf::from).ok_or_else(|| {
        usage(format!(
            "{}: expected a \"case\" entry naming the run's case, found none; give the case folder or snapshot itself",
            manifest_path.display()
        ))
    })?;
    if !case.exists() {
        return Err(usage(format!(
            "{}: expected the run's case at {} (a folder or snapshot, as manifest.json names it), found nothing there; give the case folder or snapshot itself",
            dir.display(),
            case.display()
        )));
    }
    let reading = casegraph::results::ingest_config(&manifest.reading)
        .with_context(|| format!("reading {}", manifest_path.display()))?;
    Ok(Some(FromRun {
        case,
        reading,
        config: manifest.config.0,
    }))
}

/// Check the options, open the case (or a leads run's case), run the passes
/// the selection and the measures need, select the nodes and write every
/// format asked for.
pub fn run(args: Args) -> anyhow::Result<u8> {
    if args.graphml.is_none() && args.gexf.is_none() && args.csv.is_none() && args.neo4j.is_none() {
        return Err(usage(
            "export: expected at least one of --graphml, --gexf, --csv, --neo4j, found none",
        ));
    }
    let kinds = parse_kinds(&args.kinds)?;
    let mut args = args;
    let (graph, run_config) = open_case_or_run(&mut args)?;
    let measure = parse_by(args.by.as_deref())?;
    let mut measures = NodeMeasure::parse_list(&args.measures).ok_or_else(|| {
        usage(format!(
            "--measures: expected {}, found {:?}",
            NodeMeasure::expected(),
            args.measures
        ))
    })?;
    if args.gang.is_some() && !measures.contains(&NodeMeasure::Gang) {
        measures.push(NodeMeasure::Gang);
    }
    let run = if measures.contains(&NodeMeasure::Gang) {
        Some(find_gangs(&args, &graph, run_config)?)
    } else {
        None
    };
    if args.level == LevelArg::Individual {
        return run_individual(&args, &graph, &measures, measure, run.as_ref());
    }
    let needs_contacts = args.component.is_some()
        || args.community.is_some()
        || args.top.is_some()
        || measures.iter().any(|m| *m != NodeMeasure::Gang);
    let contacts = if needs_contacts {
        Some(PhoneContacts::build(&graph, &ContactConfig::default())?)
    } else {
        None
    };
    let mut selection = select(&args, &graph, run.as_ref(), contacts.as_ref(), measure)?;
    if !kinds.is_empty() {
        selection.restrict_kinds(&kinds);
    }
    if let Some(contacts) = &contacts {
        contacts.add_measures(&mut selection, &measures)?;
    }
    if let Some(run) = &run {
        passes::add_lead_columns(&graph, run, &mut selection)?;
    }
    let written = write_files(&args, &graph, &selection)?;
    let keys = args.graphml.is_some().then(|| graphml::keys(&selection));
    finish(&args, written, keys, selection.node_count())
}

/// `--kinds` as node kinds.
fn parse_kinds(kinds: &[String]) -> anyhow::Result<Vec<NodeKind>> {
    kinds
        .iter()
        .map(|k| {
            NodeKind::parse(k).ok_or_else(|| {
                usage(format!(
                    "--kinds: expected node kinds among {}, found {k:?}",
                    NodeKind::expected()
                ))
            })
        })
        .collect()
}

/// `--by` as a measure.
fn parse_by(by: Option<&str>) -> anyhow::Result<Option<Measure>> {
    let Some(m) = by else { return Ok(None) };
    let measure = Measure::parse(m).ok_or_else(|| {
        let names: Vec<&str> = Measure::ALL.iter().map(|m| m.as_str()).collect();
        usage(format!(
            "--by: expected one of {}, found {m:?}",
            names.join(", ")
        ))
    })?;
    Ok(Some(measure))
}

/// The case given, or, for a leads output folder, the case its run read,
/// read as the run read it; then `args.case` names that case (its
/// decisions file holds), and the run's leads configuration comes back.
fn open_case_or_run(
    args: &mut Args,
) -> anyhow::Result<(CaseGraph, Option<casegraph::lead::LeadConfig>)> {
    let Some(run) = from_leads_folder(&args.case.case)? else {
        return Ok((args.case.open()?, None));
    };
    if args.config.is_some() {
        return Err(usage(format!(
            "--config: {} is a leads output folder, read with its run's configuration (from manifest.json); give --config with a case or snapshot",
            args.case.case.display()
        )));
    }
    let graph = casegraph::open_case(&run.case, &run.reading).with_context(|| {
        format!(
            "opening case {} (the run of {})",
            run.case.display(),
            args.case.case.display()
        )
    })?;
    // From here on the case is the run's: its decisions file too.
    args.case.case = run.case;
    Ok((graph, Some(run.config)))
}

/// The leads pipeline's gangs and leads, with the run's configuration
/// (`run_config`, for a leads output folder) or `--config`'s.
fn find_gangs(
    args: &Args,
    graph: &CaseGraph,
    run_config: Option<casegraph::lead::LeadConfig>,
) -> anyhow::Result<LeadRun> {
    let config = match run_config {
        Some(config) => config,
        None => super::leads::load_config(args.config.as_deref())?,
    };
    // The analyst's decisions on the case's records hold here as in `leads`.
    let resolve = casegraph::resolve::ResolveConfig::for_case(&args.case.case)?;
    Ok(casegraph::lead::run_with(graph, &config, &resolve)?)
}

/// The nodes to export at phone level: `--ego`'s neighbourhood, `--gang`,
/// `--component`, `--community`, `--top`, or the whole case.
fn select(
    args: &Args,
    graph: &CaseGraph,
    run: Option<&LeadRun>,
    contacts: Option<&PhoneContacts>,
    measure: Option<Measure>,
) -> anyhow::Result<Selection> {
    if let Some(text) = &args.ego {
        // The ego network of `query neighbors`: the same typed links, the
        // same hops, service numbers reached but not walked through.
        let case = casegraph::query::Case::new(graph);
        let entity = case.entity(text).map_err(|e| usage(format!("--ego {e}")))?;
        let reached =
            casegraph::query::neighbors::neighbors(&case, &entity, args.hops, &Default::default());
        let nodes = casegraph::query::neighbors::start_nodes(&entity)
            .into_iter()
            .chain(reached.iter().map(|n| n.link.to));
        return Ok(Selection::of_nodes(graph, nodes));
    }
    if let (Some(id), Some(run)) = (&args.gang, run) {
        let gang = passes::find_gang(run, id).map_err(|e| usage(e.to_string()))?;
        return Ok(Selection::of_nodes(graph, passes::gang_nodes(graph, gang)));
    }
    let Some(contacts) = contacts else {
        return Ok(Selection::whole(graph));
    };
    let picked = match (args.component, args.community, args.top, measure) {
        (Some(id), _, _, _) => contacts.component(graph, id),
        (_, Some(id), _, _) => contacts.community(graph, id),
        (_, _, Some(k), Some(m)) => contacts.top(graph, k, m),
        _ => Ok(Selection::whole(graph)),
    };
    picked.map_err(|e| usage(e.to_string()))
}

/// One row of the `written` table.
fn written_row(path: &Path, format: &str, w: Written) -> Vec<Cell> {
    vec![
        path.display().to_string().into(),
        format.into(),
        w.nodes.into(),
        w.edges.into(),
    ]
}

/// Write the selection in every format asked for; the table of what was
/// written.
fn write_files(args: &Args, graph: &CaseGraph, selection: &Selection) -> anyhow::Result<Table> {
    let mut written = Table::new("written", &["file", "format", "nodes", "edges"]);
    if let Some(path) = &args.graphml {
        let options = GraphmlOptions { yed: args.yed };
        let mut w = Written::default();
        write_atomically_with(path, |file| {
            w = graphml::write(graph, selection, options, file)?;
            Ok(())
        })
        .with_context(|| format!("writing GraphML {}", path.display()))?;
        let format = if args.yed { "graphml+yed" } else { "graphml" };
        written.push(written_row(path, format, w));
    }
    if let Some(path) = &args.gexf {
        let mut w = Written::default();
        write_atomically_with(path, |file| {
            w = gexf::write(graph, selection, file)?;
            Ok(())
        })
        .with_context(|| format!("writing GEXF {}", path.display()))?;
        written.push(written_row(path, "gexf", w));
    }
    if let Some(dir) = &args.csv {
        let w = csv::write_gephi(graph, selection, dir)
            .with_context(|| format!("writing Gephi CSV into {}", dir.display()))?;
        written.push(written_row(dir, "gephi-csv", w));
    }
    if let Some(dir) = &args.neo4j {
        let files = csv::write_neo4j(graph, selection, dir)
            .with_context(|| format!("writing Neo4j import files into {}", dir.display()))?;
        written.push(written_row(dir, "neo4j", files.written));
        eprintln!(
            "casegraph: to load into Neo4j, stop the database and run `sh {}` (or, from that folder: {})",
            dir.join("import.sh").display(),
            files.command("neo4j").replace(" \\\n  ", " ")
        );
    }
    Ok(written)
}

/// `--level individual`: one node per resolved individual (or holder
/// group, or lone phone), contact links summed between them.
fn run_individual(
    args: &Args,
    graph: &CaseGraph,
    measures: &[NodeMeasure],
    measure: Option<casegraph::analysis::Measure>,
    run: Option<&LeadRun>,
) -> anyhow::Result<u8> {
    if args.gexf.is_some() || args.neo4j.is_some() {
        return Err(usage(
            "--level individual: expected --graphml or --csv (GEXF and Neo4j exports are per phone), found --gexf or --neo4j",
        ));
    }
    if !args.kinds.is_empty() {
        return Err(usage(
            "--level individual: expected no --kinds (individual-level graphs hold individuals and phones only), found --kinds",
        ));
    }
    if args.yed {
        return Err(usage(
            "--level individual: expected no --yed (yEd styling is per case node kind), found --yed",
        ));
    }
    // The case's recorded decisions (rejected pairs) hold here too.
    let config = casegraph::resolve::decisions::config_for_case(&args.case.case, graph)?;
    let resolution = casegraph::resolve::resolve(graph, &config)?;
    let ig = IndividualGraph::build(graph, &resolution, &ContactConfig::default())?;
    let mut selection: IndividualSelection = if let Some(text) = &args.ego {
        let found = Lookup::new(graph)
            .find(text)
            .map_err(|e| usage(format!("--ego {e}")))?;
        let center = ig.node_of(found).ok_or_else(|| {
            usage(format!(
                "--ego {text:?}: expected a phone or person with contacts at individual level, found a {} outside the contact graph",
                found.kind
            ))
        })?;
        ig.ego(center, args.hops)
    } else if let (Some(id), Some(run)) = (&args.gang, run) {
        let gang = passes::find_gang(run, id).map_err(|e| usage(e.to_string()))?;
        ig.of_nodes(gang.members.iter().filter_map(|m| {
            ig.node_of(casegraph::graph::provenance::NodeRef {
                kind: NodeKind::Phone,
                idx: m.phone_idx,
            })
        }))
    } else if let Some(id) = args.component {
        let comps = casegraph::analysis::components(&ig.contacts, &Default::default())?;
        let members = passes::component_members(&comps, id).map_err(|e| usage(e.to_string()))?;
        ig.of_nodes(members.iter().copied())
    } else if let Some(id) = args.community {
        let comms = casegraph::analysis::communities(&ig.contacts, &Default::default())?;
        let members = passes::community_members(&comms, id).map_err(|e| usage(e.to_string()))?;
        ig.of_nodes(members.iter().copied())
    } else if let (Some(k), Some(m)) = (args.top, measure) {
        ig.of_nodes(passes::top_nodes(&ig.contacts, k, m)?)
    } else {
        ig.whole()
    };
    selection.add_columns(passes::contact_columns(&ig.contacts, measures)?)?;
    if let Some(run) = run {
        selection.add_columns(ig.lead_columns(&passes::phone_lead_facts(graph, run)))?;
    }

    let mut written = Table::new("written", &["file", "format", "nodes", "edges"]);
    if let Some(path) = &args.graphml {
        let mut w = Written::default();
        write_atomically_with(path, |file| {
            w = individual::write_graphml(graph, &ig, &selection, file)?;
            Ok(())
        })
        .with_context(|| format!("writing GraphML {}", path.display()))?;
        written.push(written_row(path, "graphml", w));
    }
    if let Some(dir) = &args.csv {
        let w = individual::write_gephi_csv(graph, &ig, &selection, dir)
            .with_context(|| format!("writing Gephi CSV into {}", dir.display()))?;
        written.push(written_row(dir, "gephi-csv", w));
    }
    let keys = args.graphml.is_some().then(|| individual::keys(&selection));
    finish(args, written, keys, selection.node_count())
}

/// Print what was written (and the GraphML keys, when GraphML was
/// written); exit status 1 when the selection held no nodes.
fn finish(
    args: &Args,
    written: Table,
    keys: Option<Vec<(&'static str, String, casegraph::export::AttrType)>>,
    node_count: usize,
) -> anyhow::Result<u8> {
    let mut doc = Document::default().with(written);
    if let Some(keys) = keys {
        let mut table = Table::new("graphml_keys", &["for", "name", "type"]);
        for (domain, name, ty) in keys {
            table.push(vec![domain.into(), name.into(), ty.as_str().into()]);
        }
        doc = doc.with(table);
    }
    doc.print(args.format.format())?;
    if node_count == 0 {
        super::output::note("the selection holds no nodes; the files are empty graphs");
        return Ok(1);
    }
    Ok(0)
}
