//! `query timeline ENTITY`: one row per event, in time order.

use super::{opt_text, phone, range, t, within, Answer, QueryOpts, Window};
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

pub(super) fn answer(case: &Case, a: &Args) -> Result<Answer, QueryError> {
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
    let n = rows.len();
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
    Ok(Answer::new(Document::default().with(tb), n, || {
        format!("nothing in the timeline of {}{}", e.label, within(&range))
    }))
}
