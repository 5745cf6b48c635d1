//! `casegraph report SOURCE --out FILE`: the browser report, on its own.
//! SOURCE is a `casegraph leads` output folder (its report is rebuilt from
//! manifest.json and the case it names, checked against the run's
//! checksums — the same bytes the run wrote) or a case folder or snapshot
//! (the pipeline is run afresh and only the report written).

use super::{usage, ReadArgs};
use anyhow::Context;
use casegraph::lead;
use std::path::PathBuf;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// A `casegraph leads` output folder (with manifest.json), or a case folder or snapshot (.cgs)
    #[arg(value_name = "SNAPSHOT_OR_OUTDIR")]
    source: PathBuf,
    /// Where to write the report
    #[arg(long, short, value_name = "FILE")]
    out: PathBuf,
    /// For an output folder: the case, when it has moved since the run (default: the manifest's "case")
    #[arg(long, value_name = "CASE")]
    case: Option<PathBuf>,
    /// For a case or snapshot: thresholds and weights (see docs/leads.toml)
    #[arg(long, value_name = "leads.toml")]
    config: Option<PathBuf>,
    #[command(flatten)]
    read: ReadArgs,
}

pub fn run(args: Args) -> anyhow::Result<u8> {
    let is_out_dir = args.source.join("manifest.json").is_file();
    let mut ingest = args.read.config()?;
    ingest.progress = super::output::progress_bar("reading calls");
    let (html, gangs, leads) = if is_out_dir {
        if args.config.is_some() {
            return Err(usage(
                "--config: an output folder is rebuilt with its run's configuration (from manifest.json); give --config with a case or snapshot",
            ));
        }
        let r = casegraph::report::regenerate(&args.source, args.case.as_deref(), &ingest)
            .with_context(|| format!("rebuilding the report of {}", args.source.display()))?;
        (r.html, r.gangs, r.leads)
    } else {
        if args.case.is_some() {
            return Err(usage(format!(
                "--case: {} is not a leads output folder (no manifest.json), so it is the case itself",
                args.source.display()
            )));
        }
        let config = super::leads::load_config(args.config.as_deref())?;
        let (graph, result) = super::leads::read_and_run(
            || {
                casegraph::open_case(&args.source, &ingest)
                    .with_context(|| format!("opening case {}", args.source.display()))
            },
            &config,
        )?;
        let manifest = lead::write::manifest(
            &graph,
            &result,
            &config,
            &args.source,
            &["report.html".to_string()],
            &Default::default(),
        )?;
        let html = casegraph::report::render(&graph, &result, &manifest)?;
        (html, result.gangs.len(), result.leads.len())
    };
    casegraph::atomic::write_atomically(&args.out, html.as_bytes())
        .with_context(|| format!("writing {}", args.out.display()))?;
    eprintln!(
        "casegraph: report of {gangs} gangs and {leads} leads written to {} ({} KiB)",
        args.out.display(),
        html.len().div_ceil(1024)
    );
    Ok(if leads == 0 { 1 } else { 0 })
}
