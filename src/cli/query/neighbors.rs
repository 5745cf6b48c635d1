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
    /// How many links out to walk. A hop is one typed link: a call or
    /// text between phones, a SIM in a handset, a person's claimed or
    /// registered phone, an incident naming a phone, victim or account (as
    /// in `export --ego`; cells only from a cell given as the entity)
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=6))]
    hops: u32,
    /// Leave out call links with fewer calls and texts
    #[arg(long, default_value_t = 1, value_name = "K")]
    min_calls: u32,
    /// Walk through service numbers too (banks, carriers, call centres: by
    /// default they are listed but not walked through, as the analysis
    /// commands leave them out)
    #[arg(long)]
    keep_hubs: bool,
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
        keep_hubs: a.keep_hubs,
    };
    let rows = query::neighbors::neighbors(case, &e, a.hops, &o);
    let mut tb = table(
        "neighbors",
        &[
            "hop", "from", "node", "kind", "link", "note", "detail", "calls", "texts", "seconds",
            "first", "last", "records",
        ],
        src,
    );
    // Rows come the strongest of each hop first, so `--limit` keeps the
    // nearest and strongest links.
    let total = rows.len();
    for n in rows {
        let mut r: Vec<Cell> = vec![
            n.hop.into(),
            case.text(n.from).into(),
            case.text(n.link.to).into(),
            n.link.to.kind.as_str().into(),
            n.link.kind.as_str().into(),
            // Beside the link, where a 100-column terminal still shows it
            // (the last columns are the ones left out when a table is wide).
            if n.service_number {
                "service number: not walked through (--keep-hubs)".into()
            } else {
                Cell::Empty
            },
            n.link.detail.into(),
        ];
        r.extend(tally_cells(&n.link.tally));
        r.push(n.link.records.into());
        if src {
            r.push(describe_sources(&n.link.sources).into());
        }
        tb.push(r);
    }
    let doc = Document::default().with(tb);
    Ok(Answer::new(doc, total, || {
        format!("{} has no links{}", e.label, within(&range))
    }))
}
