//! `query path A B`: the k shortest connecting paths, one row per hop.

use super::{range, table, tally_cells, within, Answer, QueryOpts, Window};
use crate::cli::output::{Cell, Document};
use casegraph::query::neighbors::WalkOptions;
use casegraph::query::{self, describe_sources, Case, QueryError};

#[derive(clap::Args, Debug)]
pub(super) struct Args {
    #[command(flatten)]
    pub opts: QueryOpts,
    /// One end: a phone number (any spelling), person_id or name, individual id, IMEI, incident or cell
    pub a: String,
    /// The other end, in any of the same forms
    pub b: String,
    /// Longest path considered
    #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u32).range(1..=10))]
    max_hops: u32,
    /// Walk through service numbers too (by default a path may start or end at one but not pass through it)
    #[arg(long)]
    keep_hubs: bool,
    /// How many paths
    #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u32).range(1..=50))]
    k: u32,
    #[command(flatten)]
    window: Window,
}

pub(super) fn answer(case: &Case, a: &Args) -> Result<Answer, QueryError> {
    let src = a.opts.sources;
    let range = range(case, &a.window)?;
    let (ea, eb) = (case.entity(&a.a)?, case.entity(&a.b)?);
    let o = WalkOptions {
        range,
        min_calls: 1,
        sources: src,
        keep_hubs: a.keep_hubs,
    };
    let paths =
        query::path::k_shortest_paths(case, &ea, &eb, a.max_hops as usize, a.k as usize, &o);
    let mut tb = table(
        "paths",
        &[
            "path", "cost", "hop", "from", "to", "to_kind", "link", "detail", "calls", "texts",
            "seconds", "first", "last", "records",
        ],
        src,
    );
    for (i, p) in paths.iter().enumerate() {
        for (j, (from, h)) in p.hops.iter().enumerate() {
            let mut r: Vec<Cell> = vec![
                (i + 1).into(),
                ((p.cost * 1000.0).round() / 1000.0).into(),
                (j + 1).into(),
                case.text(*from).into(),
                case.text(h.to).into(),
                h.to.kind.as_str().into(),
                h.kind.as_str().into(),
                h.detail.into(),
            ];
            r.extend(tally_cells(&h.tally));
            r.push(h.records.into());
            if src {
                r.push(describe_sources(&h.sources).into());
            }
            tb.push(r);
        }
    }
    Ok(Answer::new(
        Document::default().with(tb),
        paths.len(),
        || {
            format!(
                "no path between {} and {} within {} hops{}",
                ea.label,
                eb.label,
                a.max_hops,
                within(&range)
            )
        },
    ))
}
