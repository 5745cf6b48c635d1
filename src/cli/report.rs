//! `casegraph report SOURCE --out FILE`: the browser report, on its own.
//! SOURCE is a `casegraph leads` output folder (its run is repeated from
//! manifest.json: the same files, checked against the run's checksums,
//! read with the run's reading options and configuration — the same bytes
//! the run wrote) or a case folder or snapshot (the pipeline is run afresh
//! and only the report written).

use super::usage;
use anyhow::Context;
use casegraph::ingest::{ColumnMapping, IngestConfig};
use casegraph::model::{Clock, PhoneRules};
use casegraph::report::ReadingOptions;
use casegraph::results::{self, RunInputs};
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
    /// For a case: default country code for numbers written without one [default: 86]. An output folder is read as its run read it
    #[arg(long, value_name = "CODE")]
    country: Option<String>,
    /// For a case: its wall clock, as an offset from UTC [default: +08:00]. An output folder is read as its run read it
    #[arg(long, value_name = "+HH:MM")]
    utc_offset: Option<String>,
    /// For a case: map the case files' headers onto the contract's column names. An output folder is read as its run read it
    #[arg(long, value_name = "mapping.toml")]
    columns: Option<PathBuf>,
}

/// The reading options given on the command line, checked.
struct Given {
    phone_rules: Option<PhoneRules>,
    clock: Option<Clock>,
    mapping: Option<(PathBuf, String)>,
}

impl Given {
    fn read(args: &Args) -> anyhow::Result<Given> {
        let phone_rules = match &args.country {
            Some(c) => Some(
                PhoneRules::with_country_code(c).map_err(|e| usage(format!("--country: {e}")))?,
            ),
            None => None,
        };
        let clock = match &args.utc_offset {
            Some(o) => {
                Some(Clock::with_offset(o).map_err(|e| usage(format!("--utc-offset: {e}")))?)
            }
            None => None,
        };
        let mapping = match &args.columns {
            Some(p) => {
                let text = std::fs::read_to_string(p)
                    .with_context(|| format!("reading {}", p.display()))?;
                Some((p.clone(), text))
            }
            None => None,
        };
        Ok(Given {
            phone_rules,
            clock,
            mapping,
        })
    }

    /// How to read a case folder or snapshot given directly.
    fn ingest_config(&self) -> anyhow::Result<IngestConfig> {
        let mapping = match &self.mapping {
            Some((p, text)) => ColumnMapping::parse(text).map_err(|reason| {
                anyhow::Error::from(casegraph::Error::Config {
                    path: p.clone(),
                    reason,
                })
            })?,
            None => ColumnMapping::default(),
        };
        Ok(IngestConfig {
            phone_rules: self.phone_rules.clone().unwrap_or_default(),
            clock: self.clock.unwrap_or_default(),
            mapping,
            ..IngestConfig::default()
        })
    }

    /// The options given that disagree with the run's: an output folder
    /// is read as its run read it, so they would be ignored.
    fn conflicts(&self, run: &ReadingOptions) -> Vec<String> {
        let mut out = Vec::new();
        if let Some(r) = &self.phone_rules {
            if r.country_code() != run.country {
                out.push(format!(
                    "--country {} (the run read numbers with --country {})",
                    r.country_code(),
                    run.country
                ));
            }
        }
        if let Some(c) = &self.clock {
            let same = Clock::with_offset(&run.utc_offset)
                .is_ok_and(|r| r.offset_seconds() == c.offset_seconds());
            if !same {
                out.push(format!(
                    "--utc-offset {} (the run read times with --utc-offset {})",
                    results::inputs::utc_offset_text(c.offset_seconds()),
                    run.utc_offset
                ));
            }
        }
        if let Some((p, text)) = &self.mapping {
            match &run.columns {
                Some(m) if m.text == *text => {}
                Some(m) => out.push(format!(
                    "--columns {} (the run read the case with another mapping, {}, recorded in manifest.json)",
                    p.display(),
                    m.file
                )),
                None => out.push(format!(
                    "--columns {} (the run read the case without a column mapping)",
                    p.display()
                )),
            }
        }
        out
    }
}

pub fn run(args: Args) -> anyhow::Result<u8> {
    let is_out_dir = args.source.join("manifest.json").is_file();
    let given = Given::read(&args)?;
    let progress = super::output::progress_bar("reading calls");
    let (html, gangs, leads) = if is_out_dir {
        if args.config.is_some() {
            return Err(usage(
                "--config: an output folder is rebuilt with its run's configuration (from manifest.json); give --config with a case or snapshot",
            ));
        }
        rebuild(&args, &given, progress)?
    } else {
        if args.case.is_some() {
            return Err(usage(format!(
                "--case: {} is not a leads output folder (no manifest.json), so it is the case itself",
                args.source.display()
            )));
        }
        let mut reading = given.ingest_config()?;
        reading.progress = progress;
        let config = super::leads::load_config(args.config.as_deref())?;
        let (graph, result) = super::leads::read_and_run(
            || {
                casegraph::open_case(&args.source, &reading)
                    .with_context(|| format!("opening case {}", args.source.display()))
            },
            &args.source,
            &config,
        )?;
        let inputs = RunInputs {
            case: &args.source,
            reading: &reading,
            columns_file: args.columns.as_deref(),
            config: &config,
            config_file: args.config.as_deref(),
        };
        let manifest = results::manifest(
            &graph,
            &result,
            &inputs,
            &["report.html".to_string()],
            &Default::default(),
        )?;
        let html = casegraph::report::render(&graph, &result, &manifest);
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

/// The report of an output folder, its run repeated as its manifest says.
fn rebuild(
    args: &Args,
    given: &Given,
    progress: indicatif::ProgressBar,
) -> anyhow::Result<(String, usize, usize)> {
    let what = || format!("rebuilding the report of {}", args.source.display());
    let manifest = results::read_manifest(&args.source).with_context(what)?;
    let conflicts = given.conflicts(&manifest.reading);
    if !conflicts.is_empty() {
        return Err(usage(format!(
            "{}: an output folder is read again exactly as its run read it (manifest.json), so these options would be ignored: {}; leave them out, or run `casegraph leads` again to read the case another way",
            args.source.display(),
            conflicts.join("; ")
        )));
    }
    let r = results::regenerate(&args.source, args.case.as_deref(), progress).with_context(what)?;
    if !r.same_as_run {
        eprintln!(
            "casegraph: warning: the rebuilt report differs from the report.html of the run in {}: the files and options are the run's, so casegraph itself has changed since (the run: casegraph {}; this: {})",
            args.source.display(),
            r.manifest.casegraph_version,
            env!("CARGO_PKG_VERSION")
        );
    }
    Ok((r.html, r.gangs, r.leads))
}
