//! `query neighbors ENTITY`: the ego network as one row per link reached.

use super::{range, table, tally_cells, within, Answer, QueryOpts, Window};
use crate::cli::output::{Cell, Document};
use casegraph::query::neighbors::WalkOptions;
use casegraph::query::{self, describe_sources, Case, QueryError};

#[derive(clap::Args, Debug)]
pub(super) struct Args {
    #[command(flatten)]
    pub opts: QueryOpts,
    /// Phone number (any spelling), person_id, individual id, IMEI or incident id
    pub entity: String,
    /// How many links out to walk
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=6))]
    hops: u32,
    /// Leave out call links with fewer calls and texts
    #[arg(long, default_value_t = 1, value_name = "K")]
    min_calls: u32,
    #[command(flatten)]
    window: Window,
}

pub(super) fn answer(case: &Case, a: &Args) -> Result<Answer, QueryError> {
    let src = a.opts.sources;
    let range = range(case, &a.window)?;
    let e = case.entity(&a.entity)?;
    let o = WalkOptions {
        range,
        min_calls: a.min_calls,
        sources: src,
    };
    let rows = query::neighbors::neighbors(case, &e, a.hops, &o);
    let mut tb = table(
        "neighbors",
        &[
            "hop", "from", "node", "kind", "link", "detail", "calls", "texts", "seconds", "first",
            "last", "records",
        ],
        src,
    );
    for n in rows {
        let mut r: Vec<Cell> = vec![
            n.hop.into(),
            case.text(n.from).into(),
            case.text(n.link.to).into(),
            n.link.to.kind.as_str().into(),
            n.link.kind.as_str().into(),
            n.link.detail.into(),
        ];
        r.extend(tally_cells(&n.link.tally));
        r.push(n.link.records.into());
        if src {
            r.push(describe_sources(&n.link.sources).into());
        }
        tb.push(r);
    }
    let n = tb.rows.len();
    Ok(Answer::new(Document::default().with(tb), n, || {
        format!("{} has no links{}", e.label, within(&range))
    }))
}
