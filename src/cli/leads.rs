//! `casegraph leads CASE [--out DIR] [--config leads.toml]`: the nightly
//! job. Runs the pipeline of [`casegraph::lead`], writes every result file
//! into DIR and prints the top leads and the gangs.

use super::output::{Document, FormatArgs, Table};
use super::{usage, CaseArgs};
use anyhow::Context;
use casegraph::graph::CaseGraph;
use casegraph::lead::{self, LeadConfig, LeadRun};
use casegraph::results::{self, RunInputs};
use std::path::PathBuf;

#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(flatten)]
    case: CaseArgs,
    /// Folder for gangs.csv, leads.csv, leads.json, patterns.csv, hotspots.csv, hubs.csv, rejects.csv, GraphML, report.html, manifest.json
    #[arg(long, short, default_value = "leads-out", value_name = "DIR")]
    out: PathBuf,
    /// Thresholds and weights (see docs/leads.toml); left-out fields keep their defaults
    #[arg(long, value_name = "leads.toml")]
    config: Option<PathBuf>,
    /// How many leads to print
    #[arg(long, default_value_t = 10)]
    top: usize,
    #[command(flatten)]
    format: FormatArgs,
}

/// The lead configuration from a `leads.toml` (left-out fields keep their
/// defaults), or the defaults.
pub fn load_config(path: Option<&std::path::Path>) -> anyhow::Result<LeadConfig> {
    match path {
        Some(p) => {
            let text =
                std::fs::read_to_string(p).with_context(|| format!("reading {}", p.display()))?;
            LeadConfig::from_toml(&text).map_err(|e| usage(format!("{}: {e}", p.display())))
        }
        None => Ok(LeadConfig::default()),
    }
}

/// Open the case with `open` and run the leads pass on it, the time spent
/// reading recorded as the run's first stage ("read").
/// Person records are resolved with the analyst's decisions for the case
/// at `case` (its decisions file, if any), and the analyst's notes on leads
/// (its notes file, if any) applied: see [`casegraph::results::notes`].
pub fn read_and_run(
    open: impl FnOnce() -> anyhow::Result<CaseGraph>,
    case: &std::path::Path,
    config: &LeadConfig,
) -> anyhow::Result<(CaseGraph, LeadRun)> {
    let started = std::time::Instant::now();
    let graph = open()?;
    let read_s = started.elapsed().as_secs_f64();
    let resolve = casegraph::resolve::ResolveConfig::for_case(case)?;
    let mut result = lead::run_with(&graph, config, &resolve)?;
    let notes_path = casegraph::notes::notes_path_for(case);
    let notes = casegraph::notes::load(&notes_path)?;
    casegraph::results::notes::apply(
        &graph,
        &mut result,
        &notes,
        &casegraph::results::notes::file_name(&notes_path),
    );
    result.timings.insert(
        0,
        lead::Timing {
            stage: "read",
            seconds: read_s,
        },
    );
    Ok((graph, result))
}

pub fn run(args: Args) -> anyhow::Result<u8> {
    let config = load_config(args.config.as_deref())?;
    let reading = args.case.read.config()?;
    let (graph, result) = read_and_run(|| args.case.open(), &args.case.case, &config)?;
    let given = RunInputs {
        case: &args.case.case,
        reading: &reading,
        columns_file: args.case.read.columns.as_deref(),
        config: &config,
        config_file: args.config.as_deref(),
    };
    results::write_all(&graph, &result, &given, &args.out)
        .with_context(|| format!("writing results into {}", args.out.display()))?;

    let mut leads = Table::new(
        "leads",
        &["rank", "kind", "entity", "score", "gang", "role", "reasons"],
    );
    for l in result.leads.iter().take(args.top) {
        leads.push(vec![
            (l.rank as u64).into(),
            l.entity_kind.into(),
            l.entity.as_str().into(),
            lead::write::num(l.score).into(),
            l.gang.clone().unwrap_or_default().into(),
            l.role.map(|r| r.as_str()).unwrap_or("").into(),
            l.reasons.join("; ").into(),
        ]);
    }
    let mut gangs = Table::new(
        "gangs",
        &[
            "gang",
            "score",
            "phones",
            "boss",
            "lieutenants",
            "brokers",
            "operator_phones",
            "mules",
            "incidents",
        ],
    );
    for g in &result.gangs {
        let of = |r: lead::Role| g.members.iter().filter(|m| m.role == r).count() as u64;
        let boss = g
            .members
            .iter()
            .find(|m| m.role == lead::Role::Boss)
            .map(|m| m.phone.clone())
            .unwrap_or_default();
        gangs.push(vec![
            g.gang_id.as_str().into(),
            lead::write::num(g.score).into(),
            (g.members.len() as u64).into(),
            boss.into(),
            of(lead::Role::Lieutenant).into(),
            of(lead::Role::Broker).into(),
            of(lead::Role::Operator).into(),
            of(lead::Role::Mule).into(),
            (g.incidents.len() as u64).into(),
        ]);
    }
    // On a terminal the reasons are cut to its width; leads.csv and
    // leads.json keep them whole.
    Document::default()
        .with(leads)
        .with(gangs)
        .fit_width(super::output::terminal_width())
        .print(args.format.format())?;
    eprintln!(
        "casegraph: {} gangs, {} leads, {} pattern hits; results in {}",
        result.gangs.len(),
        result.leads.len(),
        result.hits.len(),
        args.out.display()
    );
    Ok(if result.leads.is_empty() { 1 } else { 0 })
}
