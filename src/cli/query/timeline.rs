//! `query timeline ENTITY`: one row per event, in time order.

use super::{opt_text, phone, range, t, QueryOpts, Window};
use crate::cli::output::{Cell, Document, Table};
use casegraph::graph::NONE;
use casegraph::model::NodeKind;
use casegraph::query::{self, Case, QueryError};

#[derive(clap::Args, Debug)]
pub(super) struct Args {
    #[command(flatten)]
    pub opts: QueryOpts,
    pub entity: String,
    #[command(flatten)]
    window: Window,
}

pub(super) fn answer(case: &Case, a: &Args) -> Result<Document, QueryError> {
    let g = case.graph;
    let range = range(case, &a.window)?;
    let e = case.entity(&a.entity)?;
    let rows = query::timeline::timeline(case, &e, range);
    let mut tb = Table::new(
        "timeline",
        &[
            "time",
            "what",
            "phone",
            "other",
            "duration_s",
            "cell",
            "handset",
            "previous_handset",
            "incident",
            "source",
        ],
    );
    for x in rows {
        tb.push(vec![
            t(x.time),
            x.what.as_str().into(),
            phone(g, x.phone),
            phone(g, x.other),
            if x.other != NONE {
                x.duration_s.into()
            } else {
                Cell::Empty
            },
            opt_text(g, NodeKind::Location, x.cell),
            opt_text(g, NodeKind::Handset, x.handset),
            opt_text(g, NodeKind::Handset, x.previous_handset),
            opt_text(g, NodeKind::Incident, x.incident),
            format!("{}:{}", x.file, x.line).into(),
        ]);
    }
    Ok(Document::default().with(tb))
}
