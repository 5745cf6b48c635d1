//! Command-line layer: argument parsing (clap), one module per subcommand,
//! and [`output`], the one place that renders tables, CSV and JSON.

pub mod central;
pub mod communities;
pub mod components;
pub mod contacts;
pub mod dist;
pub mod export;
pub mod generate;
pub mod ingest;
pub mod inspect;
pub mod leads;
pub mod output;
pub mod query;
pub mod report;
pub mod resolve;
pub mod serve;
pub mod stats;

use anyhow::Context;
use casegraph::ingest::{ColumnMapping, IngestConfig};
use casegraph::model::{Clock, PhoneRules};
use clap::{Parser, Subcommand};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(Parser, Debug)]
#[command(
    name = "casegraph",
    version,
    about = "Link analysis for police case teams: call records, persons, handsets and incidents into gangs, roles and explained leads"
)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
    /// Write CSV cells exactly as they are. By default a cell a spreadsheet would run as a formula (starting with = + - @, tab or CR, and not a plain number such as -3.5 or +8613800138000) gets a leading ' so opening the file is safe; use this for programs that read the CSV
    #[arg(long, global = true)]
    raw_csv: bool,
    /// Print only the table called NAME (of a command that prints several; CSV prints one table, by default the command's main one)
    #[arg(long, global = true, value_name = "NAME")]
    table: Option<String>,
    /// Show at most N rows of each table, with a line saying how many more there are; 0 shows every row [default: 200 in a table on a terminal; CSV and JSON keep every row]
    #[arg(long, global = true, value_name = "N")]
    limit: Option<usize>,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Read a case folder, report every rejected row, and write a snapshot
    Ingest(ingest::Args),
    /// Show how each file and sheet of a case folder will be read: table, encoding, header row, column mapping, skipped rows, first rows
    Inspect(inspect::Args),
    /// Counts per node and link kind, time span, busiest phones, rejects
    Stats(stats::Args),
    /// Write a realistic synthetic case with planted gangs and a truth/ folder
    Generate(generate::Args),
    /// Write the case or a part of it as GraphML, GEXF, Gephi CSV or Neo4j import files
    Export(export::Args),
    /// Resolve person records and phones into individuals, every merge explained
    Resolve(resolve::Args),
    /// Investigator queries: neighbors, path, common, profile, timeline, colocated, callers-before, towers
    Query(query::Args),
    /// Connected groups of phones (weakly connected components of the contact graph)
    Components(components::Args),
    /// Rank phones by a centrality measure
    Central(central::Args),
    /// Communities of phones (Louvain with Leiden refinement) and their modularity
    Communities(communities::Args),
    /// Write the filtered contact graph as an edge list (source,target,weight)
    Contacts(contacts::Args),
    /// The heavy passes (contact pairs, hubs, components, PageRank) over several processes, with Timely Dataflow
    Dist(dist::Args),
    /// The main job: patterns, gangs and roles, and ranked leads explained back to the source rows
    Leads(leads::Args),
    /// Write the browser report (report.html) of a leads output folder, a case or a snapshot
    Report(report::Args),
    /// Explore the case in the browser: search, expand, paths, evidence, timelines, leads and notes, served on this machine
    Serve(serve::Args),
}

/// How to read a case folder (ignored for snapshots, which remember theirs).
#[derive(clap::Args, Debug, Clone)]
pub struct ReadArgs {
    /// Default country code for numbers written without one
    #[arg(long, default_value = "86", value_name = "CODE")]
    pub country: String,
    /// The case's wall clock, as an offset from UTC; times written with an offset are moved onto it
    #[arg(long, default_value = "+08:00", value_name = "+HH:MM")]
    pub utc_offset: String,
    /// Map the case files' headers onto the contract's column names
    #[arg(long, value_name = "mapping.toml")]
    pub columns: Option<PathBuf>,
}

impl ReadArgs {
    pub fn config(&self) -> anyhow::Result<IngestConfig> {
        let phone_rules = PhoneRules::with_country_code(&self.country)
            .map_err(|e| usage(format!("--country: {e}")))?;
        let clock = Clock::with_offset(&self.utc_offset)
            .map_err(|e| usage(format!("--utc-offset: {e}")))?;
        let mapping = match &self.columns {
            Some(p) => ColumnMapping::load(p)?,
            None => ColumnMapping::default(),
        };
        Ok(IngestConfig {
            phone_rules,
            clock,
            mapping,
            progress: indicatif::ProgressBar::hidden(),
        })
    }
}

/// A case folder or snapshot given to an analysis command.
#[derive(clap::Args, Debug, Clone)]
pub struct CaseArgs {
    /// Case folder (with calls.csv) or snapshot (.cgs)
    #[arg(value_name = "CASE")]
    pub case: PathBuf,
    #[command(flatten)]
    pub read: ReadArgs,
}

impl CaseArgs {
    /// Load the snapshot or ingest the folder (with progress on a terminal).
    pub fn open(&self) -> anyhow::Result<casegraph::CaseGraph> {
        let mut config = self.read.config()?;
        // A snapshot loads without a byte count to show ("0 B/0 B").
        if !self.case.is_file() {
            config.progress = output::progress_bar("reading calls");
        }
        casegraph::open_case(&self.case, &config)
            .with_context(|| format!("opening case {}", self.case.display()))
    }
}

/// A usage mistake: exit status 2 with the message.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct UsageError(pub String);

pub fn usage(msg: impl Into<String>) -> anyhow::Error {
    UsageError(msg.into()).into()
}

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    if let Some(name) = cli.table.clone() {
        output::choose_table(name);
    }
    if let Some(n) = cli.limit {
        output::limit_rows(n);
    }
    if cli.raw_csv {
        casegraph::safe_csv::set_formulas(casegraph::safe_csv::Formulas::Keep);
    }
    // Snapshots load lazily; damage found while a command reads one is an
    // error (exit 2), not a panic.
    casegraph::snapshot::quiet_corruption_panics();
    let result = casegraph::snapshot::catch_corruption(|| match cli.command {
        Command::Ingest(a) => ingest::run(a),
        Command::Inspect(a) => inspect::run(a),
        Command::Stats(a) => stats::run(a),
        Command::Generate(a) => generate::run(a),
        Command::Export(a) => export::run(a),
        Command::Resolve(a) => resolve::run(a),
        Command::Query(a) => query::run(a),
        Command::Components(a) => components::run(a),
        Command::Central(a) => central::run(a),
        Command::Communities(a) => communities::run(a),
        Command::Contacts(a) => contacts::run(a),
        Command::Dist(a) => dist::run(a),
        Command::Leads(a) => leads::run(a),
        Command::Report(a) => report::run(a),
        Command::Serve(a) => serve::run(a),
    })
    .map_err(anyhow::Error::from)
    .and_then(|r| r);
    match result {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            if is_broken_pipe(&e) {
                return ExitCode::SUCCESS;
            }
            eprintln!("casegraph: error: {}", error_chain(&e));
            ExitCode::from(2)
        }
    }
}

/// An error and its causes joined by ": ", each said once: a library error
/// that already names its cause in its message (`path: reason`) is not
/// followed by that cause again.
fn error_chain(e: &anyhow::Error) -> String {
    let mut out = String::new();
    for cause in e.chain() {
        let text = cause.to_string();
        if out.ends_with(&text) {
            continue;
        }
        if !out.is_empty() {
            out.push_str(": ");
        }
        out.push_str(&text);
    }
    out
}

fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

/// `case.cgs` -> `case.rejects.csv`.
pub fn beside(path: &Path, suffix: &str) -> PathBuf {
    let stem = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "case".into());
    path.with_file_name(format!("{stem}{suffix}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_error_naming_its_cause_is_not_followed_by_it_again() {
        let io = std::io::Error::from_raw_os_error(2);
        let e = anyhow::Error::from(casegraph::Error::io("/tmp/x", io)).context("writing GraphML");
        let text = error_chain(&e);
        assert_eq!(text.matches("os error 2").count(), 1, "{text}");
        assert!(text.starts_with("writing GraphML: /tmp/x: "), "{text}");
    }
}
