//! `casegraph stats CASE`: what a case holds.

use super::output::{print_json, Document, Format, FormatArgs, Table};
use super::CaseArgs;

#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(flatten)]
    case: CaseArgs,
    /// How many of the busiest phones to list
    #[arg(long, default_value_t = 10)]
    top: usize,
    #[command(flatten)]
    format: FormatArgs,
}

pub fn run(args: Args) -> anyhow::Result<u8> {
    let graph = args.case.open()?;
    let s = casegraph::stats::case_stats(&graph, args.top);
    let format = args.format.format();
    if format == Format::Json {
        print_json(&s)?;
        return Ok(0);
    }
    let mut nodes = Table::new("nodes", &["kind", "count"]);
    for k in &s.nodes {
        nodes.push(vec![k.kind.as_str().into(), k.count.into()]);
    }
    let mut edges = Table::new("links", &["kind", "count"]);
    for k in &s.edges {
        edges.push(vec![k.kind.as_str().into(), k.count.into()]);
    }
    let mut span = Table::new("calls", &["voice_calls", "texts", "first", "last"]);
    span.push(vec![
        s.call_events.into(),
        s.text_events.into(),
        s.first_call.as_str().into(),
        s.last_call.as_str().into(),
    ]);
    let mut busy = Table::new(
        "busiest_phones",
        &["phone", "calls_out", "calls_in", "texts", "contacts"],
    );
    for b in &s.busiest_phones {
        busy.push(vec![
            b.phone.as_str().into(),
            b.calls_out.into(),
            b.calls_in.into(),
            b.texts.into(),
            b.contacts.into(),
        ]);
    }
    let mut files = Table::new(
        "files",
        &[
            "file",
            "present",
            "rows_read",
            "kept",
            "rejected",
            "duplicates",
        ],
    );
    for f in &s.files {
        files.push(vec![
            f.file.as_str().into(),
            f.present.into(),
            f.rows_read.into(),
            f.kept.into(),
            f.rejected.into(),
            f.duplicates.into(),
        ]);
    }
    let mut rejects = Table::new("rejects", &["file_and_column", "rows"]);
    for r in &s.rejects_by_column {
        rejects.push(vec![r.kind.as_str().into(), r.count.into()]);
    }
    Document::default()
        .with(nodes)
        .with(edges)
        .with(span)
        .with(busy)
        .with(files)
        .with(rejects)
        .print(format)?;
    Ok(0)
}
