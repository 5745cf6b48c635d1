//! `casegraph communities CASE`: groups of phones that talk mostly among
//! themselves (Louvain with Leiden refinement; every community connected).
//! CSV: `community_id,node_kind,node_id`; modularity is reported.

use super::contacts::{emit, ContactArgs};
use super::output::FormatArgs;
use casegraph::analysis::communities::{
    COMMAND_MULTI_ROUND_MAX_PAIRS, DEFAULT_RESOLUTION, DEFAULT_SEED, MAX_ROUNDS, MIN_ROUND_GAIN,
};
use casegraph::analysis::{communities, CommunityConfig};
use std::time::Instant;

#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(flatten)]
    contacts: ContactArgs,
    /// Higher gives more, smaller communities
    #[arg(long, default_value_t = DEFAULT_RESOLUTION)]
    resolution: f64,
    /// Seed of the visiting order (ties among equally strong phones, and
    /// the later rounds)
    #[arg(long, default_value_t = DEFAULT_SEED)]
    seed: u64,
    /// Rounds at most, each from the last one's partition (default: up to
    /// 4 on graphs of up to 100k pairs, a third or fourth only if the one
    /// before raised modularity by 0.001 or more; 1 above 100k pairs);
    /// more: a little higher modularity, more time
    #[arg(long, value_name = "N")]
    rounds: Option<usize>,
    /// Communities to show in the table view
    #[arg(long, default_value_t = 20, value_name = "N")]
    top: usize,
    #[command(flatten)]
    format: FormatArgs,
}

pub fn run(args: Args) -> anyhow::Result<u8> {
    let loaded = args.contacts.load()?;
    let g = &loaded.graph;
    let t0 = Instant::now();
    let working = super::output::working("communities");
    let c = communities(
        g,
        &CommunityConfig {
            resolution: args.resolution,
            seed: args.seed,
            max_rounds: args.rounds.unwrap_or(MAX_ROUNDS),
            multi_round_max_pairs: match args.rounds {
                Some(_) => usize::MAX,
                None => COMMAND_MULTI_ROUND_MAX_PAIRS,
            },
            min_round_gain: match args.rounds {
                Some(_) => 0.0,
                None => MIN_ROUND_GAIN,
            },
        },
    )
    .map_err(|e| super::usage(e.to_string()));
    working.finish_and_clear();
    let c = c?;
    loaded.report_time("communities", t0);
    let format = args.format.format();
    let main = vec![super::contacts::group_table(
        &loaded,
        ("communities", "community_id"),
        c.len(),
        |k| c.members(k),
        args.top,
        format,
    )];
    emit(
        format,
        main,
        vec![
            ("modularity", c.modularity.into()),
            ("communities", c.len().into()),
            ("rounds", c.rounds.into()),
            ("resolution", args.resolution.into()),
            ("seed", args.seed.into()),
            ("nodes", g.n_nodes().into()),
            ("pairs", g.n_edges().into()),
        ],
        &loaded,
    )?;
    Ok(if c.is_empty() { 1 } else { 0 })
}
