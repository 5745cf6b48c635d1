//! `casegraph dist CASE --out DIR (--procs N | --process I --hosts FILE)`:
//! the heavy passes over several processes (see `casegraph::dist` and
//! docs/dist.md). `--reference` writes the same files from the
//! single-machine passes instead, to check a run against.

use super::output::{Document, FormatArgs, Table};
use super::{usage, ReadArgs};
use anyhow::Context;
use casegraph::dist::{self, launch, net, Cluster, DistConfig, Event, RankConfig};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

#[derive(clap::Args, Debug)]
pub struct Args {
    /// The case folder (its calls.csv is read); not given with --add
    #[arg(value_name = "CASE", required_unless_present = "add")]
    case: Option<PathBuf>,
    /// Where the outputs go
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
    /// Start N worker processes on this machine (127.0.0.1)
    #[arg(long, value_name = "N", conflicts_with_all = ["process", "hosts", "reference"])]
    procs: Option<usize>,
    /// This process's number in the hosts file (0 writes the outputs)
    #[arg(long, value_name = "I", requires = "hosts")]
    process: Option<usize>,
    /// host:port of every process, one a line, in process order
    #[arg(long, value_name = "FILE", requires = "process")]
    hosts: Option<PathBuf>,
    /// Worker threads per process
    #[arg(long, value_name = "W", default_value_t = 1)]
    workers: usize,
    /// The shared secret, from this file [default: the CASEGRAPH_DIST_SECRET environment variable; --procs makes one up]
    #[arg(long, value_name = "FILE")]
    secret_file: Option<PathBuf>,
    /// Seconds to wait for every process to connect
    #[arg(long, value_name = "SECS", default_value_t = 60)]
    connect_timeout: u64,
    /// Write the K most suspicious groups as case folders under DIR/folders (0: none) [default: 3; 0 with --add, where K copies the rows of every call file the state counted]
    #[arg(long, value_name = "K")]
    folders: Option<usize>,
    /// Keep the run's state in DIR (one part per worker), so that a later run can --add call files to it
    #[arg(long, value_name = "DIR")]
    state: Option<PathBuf>,
    /// Add these call files (a new day: calls.csv's columns, with its header) to the --state, reading no old row again
    #[arg(long, value_name = "CALLS", num_args = 1.., requires = "state", conflicts_with = "case")]
    add: Vec<PathBuf>,
    /// With --add: compute PageRank again over the whole case and write pagerank.csv (without it an added batch writes no pagerank.csv and removes the last one; full runs always write it)
    #[arg(long, requires = "add")]
    pagerank: bool,
    /// Write the same files from the single-machine passes (one process, no network)
    #[arg(long, conflicts_with_all = ["process", "hosts", "state"])]
    reference: bool,
    #[command(flatten)]
    read: ReadArgs,
    #[command(flatten)]
    format: FormatArgs,
}

fn secret(args: &Args) -> anyhow::Result<Option<Vec<u8>>> {
    let raw = match &args.secret_file {
        Some(f) => Some(
            std::fs::read(f).with_context(|| format!("reading the secret file {}", f.display()))?,
        ),
        None => std::env::var_os(launch::SECRET_ENV)
            .map(|v| v.to_string_lossy().into_owned().into_bytes()),
    };
    Ok(raw.map(|mut s| {
        while s.last().is_some_and(|b| b.is_ascii_whitespace()) {
            s.pop();
        }
        s
    }))
}

/// One of three runs: `--reference` on this machine alone, `--procs N`
/// local processes, or one process of a cluster (`--process I --hosts
/// FILE`).
pub fn run(args: Args) -> anyhow::Result<u8> {
    let ingest = args.read.config()?;
    let config = DistConfig {
        case: args.case.clone().unwrap_or_default(),
        out: args.out.clone(),
        ingest,
        workers: args.workers,
        hubs: Default::default(),
        rank: RankConfig::default(),
        connect_timeout: Duration::from_secs(args.connect_timeout),
        folders: folders(&args),
        state: args.state.as_ref().map(|dir| dist::state::StateConfig {
            dir: dir.clone(),
            add: args.add.clone(),
        }),
        rank_on_add: args.pagerank,
    };
    let t0 = Instant::now();
    if args.reference {
        return run_reference(&args, &config, t0);
    }
    if let Some(procs) = args.procs {
        return run_on_this_machine(&args, &config, procs, t0);
    }
    run_as_cluster_process(&args, &config, t0)
}

/// How many case folders to write: `--folders`, 3 by default on a full
/// run, none by default when adding to a state (a nightly batch; `--add
/// --folders K` writes them from the whole state, copying the rows of
/// every call file the state counted).
fn folders(args: &Args) -> usize {
    match (args.folders, args.add.is_empty()) {
        (Some(k), _) => k,
        (None, true) => dist::folders::DEFAULT_FOLDERS,
        (None, false) => 0,
    }
}

/// How a run goes, on stderr.
fn report(e: Event) {
    match e {
        Event::Connected { peers } => {
            eprintln!(
                "casegraph dist: connected to the other {} processes",
                peers - 1
            )
        }
        Event::Started { process, pid } => {
            eprintln!("casegraph dist: process {process} started (pid {pid})")
        }
    }
}

/// `--reference`: the same files from the single-machine passes.
fn run_reference(args: &Args, config: &DistConfig, t0: Instant) -> anyhow::Result<u8> {
    let case = casegraph::open_case(&config.case, &config.ingest)
        .with_context(|| format!("opening case {}", config.case.display()))?;
    let outputs = dist::write::reference(&case)?;
    let folders = match config.folders {
        0 => Vec::new(),
        k => dist::folders::reference(&case, &outputs, &config.case, &config.ingest, &args.out, k)?,
    };
    let mut written = dist::write::write_all(&args.out, outputs)?;
    written.extend(folders);
    print_written(args, &written, t0, "single machine".into())
}

/// `--procs N`: start N processes of this program on 127.0.0.1 and wait
/// for them.
fn run_on_this_machine(
    args: &Args,
    config: &DistConfig,
    procs: usize,
    t0: Instant,
) -> anyhow::Result<u8> {
    let secret = match secret(args)? {
        Some(s) => s,
        None => launch::random_secret(),
    };
    net::check_secret(&secret).map_err(|e| usage(e.to_string()))?;
    let work = tempfile::Builder::new()
        .prefix("casegraph-dist-")
        .tempdir()
        .context("making a private folder for the hosts file")?;
    let exe = std::env::current_exe().context("finding this program to start its workers")?;
    let launch = launch::Launch {
        exe,
        args: child_args(args, config),
        procs,
        secret: &secret,
        work_dir: work.path(),
    };
    if let Some(state) = config.state.as_ref().filter(|s| !s.add.is_empty()) {
        if config.folders > 0 {
            dist::state::check_counted_calls(&state.dir)?;
        }
    }
    let line: launch::LineSink = Arc::new(|i, text| eprintln!("  [process {i}] {text}"));
    launch::run_local(&launch, &report, line)?;
    let mut written: Vec<PathBuf> = dist::write::FILES
        .iter()
        .map(|f| args.out.join(f))
        .collect();
    if config.folders > 0 {
        written.extend(dist::folders::written(&args.out)?);
    }
    if let Some(dir) = &args.state {
        written.extend((0..procs * args.workers).map(|w| dist::state::part_path(dir, w)));
    }
    print_written(
        args,
        &written,
        t0,
        format!("{procs} processes of {} workers", args.workers),
    )
}

/// The command line every process of a `--procs` run gets (each adds its
/// own `--process I --hosts FILE`): this run's case, outputs and reading
/// options.
fn child_args(args: &Args, config: &DistConfig) -> Vec<String> {
    let mut child_args: Vec<String> = vec!["dist".into()];
    if let Some(case) = &args.case {
        child_args.push(case.display().to_string());
    }
    child_args.extend([
        "--out".into(),
        args.out.display().to_string(),
        "--workers".into(),
        args.workers.to_string(),
        "--connect-timeout".into(),
        args.connect_timeout.to_string(),
        "--country".into(),
        args.read.country.clone(),
        "--utc-offset".into(),
        args.read.utc_offset.clone(),
        "--folders".into(),
        config.folders.to_string(),
        // Their stdout goes nowhere; JSON keeps stderr free of the
        // table view's notes.
        "--format".into(),
        "json".into(),
    ]);
    if let Some(dir) = &args.state {
        child_args.push("--state".into());
        child_args.push(dir.display().to_string());
    }
    if args.pagerank {
        child_args.push("--pagerank".into());
    }
    if !args.add.is_empty() {
        child_args.push("--add".into());
        child_args.extend(args.add.iter().map(|f| f.display().to_string()));
    }
    if let Some(c) = &args.read.columns {
        child_args.push("--columns".into());
        child_args.push(c.display().to_string());
    }
    child_args
}

/// `--process I --hosts FILE`: this machine's part of a cluster run;
/// process 0 prints the run's counts and the files it wrote.
fn run_as_cluster_process(args: &Args, config: &DistConfig, t0: Instant) -> anyhow::Result<u8> {
    let (Some(process), Some(hosts)) = (args.process, &args.hosts) else {
        return Err(usage(
            "expected --procs N, or --process I with --hosts FILE, or --reference",
        ));
    };
    let addresses = net::read_hosts(hosts)?;
    let secret = match secret(args)? {
        Some(s) => s,
        None if addresses.len() == 1 => Vec::new(),
        None => {
            return Err(usage(format!(
                "expected the shared secret in --secret-file or {}, found neither",
                launch::SECRET_ENV
            )))
        }
    };
    let cluster = Cluster {
        process,
        addresses,
        secret,
    };
    let summary = dist::run_process(config, &cluster, &report)?;
    if let Some(note) = &summary.state {
        eprintln!("casegraph dist: {note}");
    }
    if process == 0 && !summary.phases.is_empty() {
        let steps: Vec<String> = summary
            .phases
            .iter()
            .map(|(name, secs)| format!("{name} {secs:.2}"))
            .collect();
        eprintln!("casegraph dist: seconds per step: {}", steps.join(", "));
    }
    if process == 0 {
        Document::default()
            .with(summary_table(&summary, t0))
            .with(files_table(&summary.written))
            .print(args.format.format())?;
    }
    Ok(0)
}

/// The run's counts: calls.csv's ledger, what the passes found, and how
/// long it took.
fn summary_table(summary: &dist::Summary, t0: Instant) -> Table {
    let mut t = Table::new(
        "dist",
        &[
            "rows_read",
            "kept",
            "rejected",
            "duplicates",
            "pairs",
            "hubs",
            "components",
            "ranked",
            "pagerank_iterations",
            "folders",
            "seconds",
        ],
    );
    t.push(vec![
        summary.rows_read.into(),
        summary.kept.into(),
        summary.rejected.into(),
        summary.duplicates.into(),
        summary.pairs.into(),
        summary.hubs.into(),
        summary.components.into(),
        summary.ranked.into(),
        summary.pagerank_iterations.into(),
        summary.folders.into(),
        t0.elapsed().as_secs_f64().into(),
    ]);
    t
}

fn files_table(written: &[PathBuf]) -> Table {
    let mut files = Table::new("written", &["file"]);
    for w in written {
        files.push(vec![w.display().to_string().into()]);
    }
    files
}

fn print_written(args: &Args, written: &[PathBuf], t0: Instant, how: String) -> anyhow::Result<u8> {
    let mut t = Table::new("dist", &["run", "seconds"]);
    t.push(vec![how.into(), t0.elapsed().as_secs_f64().into()]);
    Document::default()
        .with(t)
        .with(files_table(written))
        .print(args.format.format())?;
    Ok(0)
}
