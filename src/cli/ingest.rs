//! `casegraph ingest CASE_DIR -o case.cgs`: read a case folder, write its
//! snapshot and its rejects file, and print how every file's rows fared.

use super::output::{self, Cell, Document, FormatArgs, Table};
use super::{beside, ReadArgs};
use casegraph::ledger::IngestReport;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// How many rejected rows are shown on stderr (all are in the rejects file).
const SHOWN_REJECTS: usize = 5;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// The case folder: the contract's files (calls.csv, persons.csv, phones.csv, locations.csv, incidents.csv) and/or files as delivered (carrier bills as XLSX/XLS/CSV, station tables, ...; see `casegraph inspect`)
    #[arg(value_name = "CASE_DIR")]
    case_dir: PathBuf,
    /// Snapshot to write [default: FOLDER_NAME.cgs in the current folder]
    #[arg(short = 'o', long = "out", value_name = "case.cgs")]
    out: Option<PathBuf>,
    /// Where to list rejected rows [default: beside the snapshot, case.rejects.csv]
    #[arg(long, value_name = "PATH")]
    rejects: Option<PathBuf>,
    /// Exit with status 1 when any row was rejected
    #[arg(long)]
    strict: bool,
    #[command(flatten)]
    read: ReadArgs,
    #[command(flatten)]
    format: FormatArgs,
}

/// Read the case, write its snapshot and its rejects file, and print how
/// every file's rows fared; exit status 1 under `--strict` when a row was
/// rejected.
pub fn run(args: Args) -> anyhow::Result<u8> {
    let mut config = args.read.config()?;
    config.progress = output::progress_bar("calls.csv");
    let started = Instant::now();
    let graph = casegraph::ingest::ingest_case(&args.case_dir, &config)?;
    let ingest_s = started.elapsed().as_secs_f64();

    let out = args
        .out
        .clone()
        .unwrap_or_else(|| default_snapshot(&args.case_dir));
    let started = Instant::now();
    let bytes = casegraph::snapshot::write(&graph, &out)?;
    let write_s = started.elapsed().as_secs_f64();

    let rejects_path = args
        .rejects
        .clone()
        .unwrap_or_else(|| beside(&out, ".rejects.csv"));
    let report = &graph.report;
    casegraph::ingest::rejects::write_rejects(&rejects_path, &report.rejects, &report.files)?;

    let mut run = Table::new(
        "snapshot",
        &[
            "snapshot",
            "bytes",
            "rejects_file",
            "ingest_seconds",
            "write_seconds",
        ],
    );
    run.push(vec![
        out.display().to_string().into(),
        bytes.into(),
        rejects_path.display().to_string().into(),
        Cell::from(round3(ingest_s)),
        Cell::from(round3(write_s)),
    ]);
    Document::default()
        .with(files_table(report))
        .with(run)
        .print(args.format.format())?;

    tell_rejects_and_notices(report, &rejects_path);
    let rejected = report.rows_rejected();
    Ok(if args.strict && rejected > 0 { 1 } else { 0 })
}

/// The snapshot's default name: the case folder's, in the current folder.
fn default_snapshot(case_dir: &Path) -> PathBuf {
    let name = case_dir
        .canonicalize()
        .ok()
        .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
        .unwrap_or_else(|| "case".into());
    PathBuf::from(format!("{name}.cgs"))
}

/// How every file's rows fared.
fn files_table(report: &IngestReport) -> Table {
    let mut files = Table::new(
        "files",
        &[
            "file",
            "present",
            "rows_read",
            "kept",
            "rejected",
            "duplicates",
            "ignored_columns",
            "sheet",
            "table",
            "format",
            "merged",
            "non_data",
        ],
    );
    // The first seven columns are the summary's original ones; the
    // delivered files' columns follow.
    for f in &report.files {
        files.push(vec![
            f.file.as_str().into(),
            f.present.into(),
            f.rows_read.into(),
            f.kept.into(),
            f.rejected.into(),
            f.duplicates.into(),
            f.ignored_columns.join(";").into(),
            f.sheet.clone().unwrap_or_default().into(),
            f.table.as_str().into(),
            f.format.as_str().into(),
            f.merged.into(),
            f.non_data.into(),
        ]);
    }
    files
}

/// On stderr: how many rows were rejected and where they are listed, the
/// first few rejects and notices, and how many more there are.
fn tell_rejects_and_notices(report: &IngestReport, rejects_path: &Path) {
    let rejected = report.rows_rejected();
    let duplicates: usize = report.files.iter().map(|f| f.duplicate_rows.len()).sum();
    if rejected > 0 {
        let and_duplicates = match duplicates {
            0 => String::new(),
            d => format!(", {d} exact duplicate row(s) counted once"),
        };
        // The count on a line of its own: it stays within 100 columns
        // whatever the path's length.
        eprintln!("{rejected} row(s) rejected{and_duplicates};");
        eprintln!("all are listed in {}:", rejects_path.display());
        for r in report.rejects.iter().take(SHOWN_REJECTS) {
            eprintln!("{}", super::output::wrap_message(&r.to_string(), 2));
        }
        if report.rejects.len() > SHOWN_REJECTS {
            eprintln!("  ... and {} more", report.rejects.len() - SHOWN_REJECTS);
        }
    } else if duplicates > 0 {
        eprintln!(
            "{duplicates} exact duplicate row(s), counted once; listed in {}",
            rejects_path.display()
        );
    }
    for n in report.notices.iter().take(SHOWN_REJECTS) {
        eprintln!("{}", super::output::wrap_message(&format!("note: {n}"), 0));
    }
    if report.notices.len() > SHOWN_REJECTS {
        eprintln!(
            "note: ... and {} more notices",
            report.notices.len() - SHOWN_REJECTS
        );
    }
}

fn round3(v: f64) -> f64 {
    (v * 1000.0).round() / 1000.0
}
