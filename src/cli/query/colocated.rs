//! `query colocated ENTITY`: phones seen at the entity's cells at the same
//! times, one row per phone.

use super::{lines_cell, phone, range, t, table, within, Answer, QueryOpts, Window};
use crate::cli::output::Document;
use casegraph::graph::lookup::node_text;
use casegraph::graph::provenance::{NodeRef, CALLS_CSV};
use casegraph::model::NodeKind;
use casegraph::query::{self, Case, QueryError};

#[derive(clap::Args, Debug)]
pub(super) struct Args {
    #[command(flatten)]
    pub opts: QueryOpts,
    pub entity: String,
    /// How close in time two events at one cell must be (90s, 30m, 24h, 7d)
    #[arg(long, default_value = "30m")]
    window: String,
    #[command(flatten)]
    range: Window,
}

pub(super) fn answer(case: &Case, a: &Args) -> Result<Answer, QueryError> {
    let g = case.graph;
    let src = a.opts.sources;
    let secs = query::parse_window("--window", &a.window)?;
    let range = range(case, &a.range)?;
    let e = case.entity(&a.entity)?;
    let rows = query::colocated::colocated(g, &e, secs, range);
    let mut tb = table(
        "colocated",
        &["phone", "times", "cells", "first", "last"],
        src,
    );
    let n = rows.len();
    for x in rows {
        let cells: Vec<&str> = x
            .cells
            .iter()
            .map(|&c| {
                node_text(
                    g,
                    NodeRef {
                        kind: NodeKind::Location,
                        idx: c,
                    },
                )
            })
            .collect();
        let mut r = vec![
            phone(g, x.phone),
            x.times.into(),
            cells.join(";").into(),
            t(x.first),
            t(x.last),
        ];
        if src {
            r.push(lines_cell(CALLS_CSV, &x.lines));
        }
        tb.push(r);
    }
    Ok(Answer::new(Document::default().with(tb), n, || {
        format!(
            "no other phone seen at {}'s cells within {} of it{}",
            e.label,
            a.window,
            within(&range)
        )
    }))
}
