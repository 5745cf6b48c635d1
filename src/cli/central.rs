//! `casegraph central CASE --measure M`: who matters in the contact graph.
//! CSV: `node_kind,node_id,value,rank`, highest first, ties by node id.

use super::contacts::{emit, ContactArgs};
use super::output::{Cell, Format, FormatArgs, Table};
use super::usage;
use casegraph::analysis::{centrality, CentralityConfig, Measure};
use std::time::Instant;

#[derive(clap::ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum MeasureArg {
    /// Contacts, as a share of everyone else (NetworkX degree_centrality)
    Degree,
    /// Calls and texts, summed over contacts
    Strength,
    /// Random-walk importance (NetworkX pagerank, alpha 0.85)
    Pagerank,
    /// Brokerage: share of shortest chains through the phone
    Betweenness,
    /// Nearness to everyone (Wasserman-Faust scaled, as NetworkX)
    Closeness,
    /// Sum of 1/distance to everyone
    Harmonic,
    /// Contacts of central contacts
    Eigenvector,
}

impl MeasureArg {
    fn measure(self) -> Measure {
        match self {
            MeasureArg::Degree => Measure::Degree,
            MeasureArg::Strength => Measure::Strength,
            MeasureArg::Pagerank => Measure::Pagerank,
            MeasureArg::Betweenness => Measure::Betweenness,
            MeasureArg::Closeness => Measure::Closeness,
            MeasureArg::Harmonic => Measure::Harmonic,
            MeasureArg::Eigenvector => Measure::Eigenvector,
        }
    }
}

#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(flatten)]
    contacts: ContactArgs,
    #[arg(long, value_enum)]
    measure: MeasureArg,
    /// Show the N highest [default: 20 in the table view, all otherwise]
    #[arg(long, value_name = "N")]
    top: Option<usize>,
    /// Use call counts: as link strength (pagerank, eigenvector) or as closeness, length 1/calls (betweenness, closeness, harmonic)
    #[arg(long)]
    weighted: bool,
    /// Raw values instead of NetworkX's normalisation (degree, betweenness)
    #[arg(long)]
    raw: bool,
    /// Betweenness from K sampled sources (the error bound is reported)
    #[arg(long, value_name = "K")]
    sample: Option<usize>,
    /// Seed for --sample
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Convergence tolerance, L1 change (pagerank, eigenvector)
    #[arg(long)]
    tol: Option<f64>,
    /// How pagerank measures the change against --tol: l1 (default; bounds every node's error) or l2 (NetworKit's rule)
    #[arg(long, value_parser = ["l1", "l2"], default_value = "l1")]
    norm: String,
    #[command(flatten)]
    format: FormatArgs,
}

pub fn run(args: Args) -> anyhow::Result<u8> {
    let measure = args.measure.measure();
    if args.sample.is_some() && measure != Measure::Betweenness {
        return Err(usage(format!(
            "--sample: applies to --measure betweenness, found --measure {}",
            measure.as_str()
        )));
    }
    if args.sample == Some(0) {
        return Err(usage("--sample: expected at least 1 source, found 0"));
    }
    let loaded = args.contacts.load()?;
    let g = &loaded.graph;
    let mut config = CentralityConfig::new(measure);
    config.weighted = args.weighted;
    config.normalized = !args.raw;
    config.sample = args.sample;
    config.seed = args.seed;
    config.tol = args.tol;
    config.norm = if args.norm == "l2" {
        casegraph::analysis::pagerank::Norm::L2
    } else {
        casegraph::analysis::pagerank::Norm::L1
    };
    let t0 = Instant::now();
    let working = super::output::working(config.measure.as_str());
    let c = centrality(g, &config);
    working.finish_and_clear();
    let c = c?;
    loaded.report_time(measure.as_str(), t0);
    let format = args.format.format();
    let top = args.top.unwrap_or(if format == Format::Table {
        20
    } else {
        usize::MAX
    });
    let mut t = Table::new("central", &["node_kind", "node_id", "value", "rank"]);
    for &v in c.order.iter().take(top) {
        t.push(vec![
            loaded.kind_text(v).into(),
            g.name(v).into(),
            c.values[v as usize].into(),
            c.rank[v as usize].into(),
        ]);
    }
    let mut about: Vec<(&str, Cell)> = vec![
        ("measure", measure.as_str().into()),
        (
            "weighted",
            (args.weighted && measure != Measure::Degree).into(),
        ),
        ("normalised", (!args.raw).into()),
        ("nodes", g.n_nodes().into()),
        ("pairs", g.n_edges().into()),
    ];
    if let Some(it) = c.iterations {
        about.push(("iterations", it.into()));
    }
    if let (Some(k), Some(e)) = (c.sources, c.error_bound) {
        about.push(("sampled_sources", k.into()));
        about.push(("seed", args.seed.into()));
        about.push(("max_error_at_95pct", e.into()));
    }
    emit(format, vec![t], about, &loaded)?;
    Ok(if g.n_nodes() == 0 { 1 } else { 0 })
}
