//! `query common A B ...`: contacts shared by every party, with a legend
//! of the parties.

use super::{entities, lines_cell, phone, range, t, table, within, Answer, QueryOpts, Window};
use crate::cli::output::{Cell, Document, Table};
use casegraph::graph::provenance::CALLS_CSV;
use casegraph::query::{self, Case, QueryError};

#[derive(clap::Args, Debug)]
pub(super) struct Args {
    #[command(flatten)]
    pub opts: QueryOpts,
    /// Two or more entities
    #[arg(num_args = 2.., required = true)]
    pub entities: Vec<String>,
    #[command(flatten)]
    window: Window,
}

pub(super) fn answer(case: &Case, a: &Args) -> Result<Answer, QueryError> {
    let g = case.graph;
    let src = a.opts.sources;
    let range = range(case, &a.window)?;
    let parties = entities(case, &a.entities)?;
    let rows = query::common::common_contacts(g, &parties, range, src);
    let mut cols: Vec<String> = vec!["contact".into(), "parties_events".into()];
    for (i, _) in parties.iter().enumerate() {
        for f in ["calls", "texts", "first", "last"] {
            cols.push(format!("party{}_{f}", i + 1));
        }
    }
    let cols: Vec<&str> = cols.iter().map(String::as_str).collect();
    let mut tb = table("common_contacts", &cols, src);
    for s in &rows {
        let mut r: Vec<Cell> = vec![phone(g, s.phone), s.total_events().into()];
        for x in &s.per_party {
            r.extend([x.calls.into(), x.texts.into(), t(x.first), t(x.last)]);
        }
        if src {
            let all: Vec<u32> = s.lines.iter().flatten().copied().collect();
            r.push(lines_cell(CALLS_CSV, &all));
        }
        tb.push(r);
    }
    let mut legend = Table::new("parties", &["party", "entity", "phones"]);
    for (i, p) in parties.iter().enumerate() {
        legend.push(vec![
            format!("party{}", i + 1).into(),
            p.label.clone().into(),
            p.phones.len().into(),
        ]);
    }
    let n = rows.len();
    Ok(Answer::new(
        Document::default().with(legend).with_main(tb),
        n,
        || {
            format!(
                "no contact shared by all {} parties{}",
                parties.len(),
                within(&range)
            )
        },
    ))
}
