//! `casegraph generate --seed S --size tiny|small|mid|medium|large --out DIR`:
//! write a synthetic case bundle and its truth/ folder, and say what the
//! seed drew (gang shapes; the rest is in truth/world.json).

use super::output::{Document, FormatArgs, Table};
use casegraph::generate::{generate, GenerateConfig, Size};
use std::path::PathBuf;
use std::time::Instant;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Random seed; the same seed and size give byte-identical files
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// tiny (~300 people), small (~5k people, 100k calls), mid (~50k, 1M), medium (~100k, 2M), large (~1M, 20M)
    #[arg(long, default_value = "small", value_parser = Size::parse)]
    size: Size,
    /// Folder to write the case into (created if needed)
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
    /// Write into a folder that already holds case files (they are replaced)
    #[arg(long)]
    force: bool,
    #[command(flatten)]
    format: FormatArgs,
}

/// Files whose presence makes a folder a case (the contract's five and
/// the generator's answers).
const CASE_FILES: [&str; 6] = [
    "calls.csv",
    "persons.csv",
    "phones.csv",
    "locations.csv",
    "incidents.csv",
    "truth",
];

pub fn run(args: Args) -> anyhow::Result<u8> {
    let started = Instant::now();
    let present: Vec<&str> = CASE_FILES
        .iter()
        .copied()
        .filter(|f| args.out.join(f).exists())
        .collect();
    if !present.is_empty() && !args.force {
        return Err(super::usage(format!(
            "--out {}: expected a new or empty folder, found a case in it ({}); --force replaces its files",
            args.out.display(),
            present.join(", ")
        )));
    }
    let config = GenerateConfig {
        seed: args.seed,
        size: args.size,
    };
    let summary = generate(&config, &args.out)?;
    let seconds = started.elapsed().as_secs_f64();
    let mut files = Table::new("files", &["file", "rows", "bad", "duplicates"]);
    for f in &summary.files {
        files.push(vec![
            f.file.as_str().into(),
            f.rows.into(),
            f.bad.into(),
            f.duplicates.into(),
        ]);
    }
    let g = &summary.graph;
    let mut graph = Table::new("graph", &["kind", "count"]);
    for (k, v) in [
        ("persons", g.persons),
        ("phones", g.phones),
        ("handsets", g.handsets),
        ("locations", g.locations),
        ("incidents", g.incidents),
        ("accounts", g.accounts),
        ("voice_calls", g.voice_calls),
        ("texts", g.texts),
        ("call_links", g.call_links),
    ] {
        graph.push(vec![k.into(), v.into()]);
    }
    let mut run = Table::new(
        "generated",
        &[
            "out",
            "seed",
            "size",
            "gangs",
            "shapes",
            "decoys",
            "individuals",
            "seconds",
        ],
    );
    run.push(vec![
        args.out.display().to_string().into(),
        args.seed.into(),
        args.size.as_str().into(),
        (summary.gangs as u64).into(),
        summary.shapes.join(";").into(),
        summary.decoys.into(),
        summary.individuals.into(),
        seconds.into(),
    ]);
    Document::default()
        .with(run)
        .with(files)
        .with(graph)
        .print(args.format.format())?;
    Ok(0)
}
