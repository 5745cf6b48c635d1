//! `query towers CELL... --from --to`: the tower-dump intersection, one row
//! per phone with its events at each cell.

use super::{lines_cell, phone, t, table, within, Answer, QueryOpts};
use crate::cli::output::Document;
use casegraph::graph::lookup::node_text;
use casegraph::graph::provenance::{NodeRef, CALLS_CSV};
use casegraph::model::NodeKind;
use casegraph::query::{self, Case, QueryError, TimeRange};

#[derive(clap::Args, Debug)]
pub(super) struct Args {
    #[command(flatten)]
    pub opts: QueryOpts,
    /// Cells (location ids, e.g. 460-00-9534-10079) whose dumps to intersect
    #[arg(num_args = 1.., required = true, value_name = "CELL")]
    locations: Vec<String>,
    /// Start of the dump window (2026-03-14 21:05:33, 2026-03-14 21:05, or a date)
    #[arg(long, value_name = "TIME", required = true)]
    from: String,
    /// End of the dump window (a date means its whole day)
    #[arg(long, value_name = "TIME", required = true)]
    to: String,
}

pub(super) fn answer(case: &Case, a: &Args) -> Result<Answer, QueryError> {
    let g = case.graph;
    let src = a.opts.sources;
    let range = TimeRange::parse(&case.clock(), Some(&a.from), Some(&a.to))?;
    let cells: Vec<u32> = a
        .locations
        .iter()
        .map(|l| case.location(l))
        .collect::<Result<_, _>>()?;
    let rows = query::towers::tower_dump(g, &cells, range, src);
    let mut cols = vec!["phone".to_string(), "events".to_string()];
    for &c in &cells {
        let id = node_text(
            g,
            NodeRef {
                kind: NodeKind::Location,
                idx: c,
            },
        );
        for f in ["events", "first", "last"] {
            cols.push(format!("{id}_{f}"));
        }
    }
    let cols: Vec<&str> = cols.iter().map(String::as_str).collect();
    let mut tb = table("towers", &cols, src);
    let n = rows.len();
    for x in rows {
        let mut r = vec![phone(g, x.phone), x.total_events().into()];
        for c in &x.per_cell {
            r.extend([c.events().into(), t(c.first), t(c.last)]);
        }
        if src {
            let all: Vec<u32> = x.lines.iter().flatten().copied().collect();
            r.push(lines_cell(CALLS_CSV, &all));
        }
        tb.push(r);
    }
    Ok(Answer::new(Document::default().with(tb), n, || {
        format!(
            "no phone seen at every one of the {} cells{}",
            cells.len(),
            within(&range)
        )
    }))
}
