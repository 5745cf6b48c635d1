//! `query callers-before INCIDENT`: the incident, then one row per number
//! that contacted the victim's phones in the window before it.

use super::{lines_cell, phone, t, table, tally_cells, Answer, QueryOpts};
use crate::cli::output::{Document, Table};
use casegraph::graph::lookup::node_text;
use casegraph::graph::provenance::{NodeRef, CALLS_CSV};
use casegraph::model::NodeKind;
use casegraph::query::{self, Case, QueryError};

#[derive(clap::Args, Debug)]
pub(super) struct Args {
    #[command(flatten)]
    pub opts: QueryOpts,
    incident: String,
    /// How long before the incident (90s, 30m, 24h, 7d)
    #[arg(long, default_value = "24h")]
    window: String,
}

pub(super) fn answer(case: &Case, a: &Args) -> Result<Answer, QueryError> {
    let g = case.graph;
    let src = a.opts.sources;
    let secs = query::parse_window("--window", &a.window)?;
    let i = case.incident(&a.incident)?;
    let rows = query::callers_before::callers_before(g, i, secs);
    let mut tb = table(
        "callers_before",
        &[
            "caller",
            "calls",
            "texts",
            "seconds",
            "first",
            "last",
            "also_called",
            "also_called_count",
        ],
        src,
    );
    let n = rows.len();
    for x in rows {
        let mut r = vec![phone(g, x.phone)];
        r.extend(tally_cells(&x.to_victim));
        let also: Vec<String> = x
            .also_called
            .iter()
            .take(5)
            .map(|&(p, n)| format!("{} ({n})", g.phone_number(p)))
            .collect();
        r.push(also.join("; ").into());
        r.push(x.also_called.len().into());
        if src {
            r.push(lines_cell(CALLS_CSV, &x.lines));
        }
        tb.push(r);
    }
    let inc = &g.incidents[i as usize];
    let victims = query::callers_before::victim_phones(g, i);
    let mut head = Table::new(
        "incident",
        &["incident", "time", "window_from", "victim", "victim_phones"],
    );
    head.push(vec![
        node_text(
            g,
            NodeRef {
                kind: NodeKind::Incident,
                idx: i,
            },
        )
        .into(),
        t(inc.time),
        t(inc.time - secs),
        g.str(inc.victim_id).into(),
        victims
            .iter()
            .map(|&p| g.phone_number(p))
            .collect::<Vec<_>>()
            .join(";")
            .into(),
    ]);
    let id = g.str(inc.incident_id).to_string();
    Ok(Answer::new(
        Document::default().with(head).with_main(tb),
        n,
        || {
            format!(
                "nobody contacted the victim's phones in the {} before incident {id}",
                a.window
            )
        },
    ))
}
