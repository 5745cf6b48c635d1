//! `casegraph inspect CASE_DIR`: how each file and sheet will be read (the
//! table, encoding, header row, column mapping, skipped rows and first
//! rows), so an analyst can check the reading before a run.

use super::output::{self, Document, Format, FormatArgs, Table};
use super::ReadArgs;
use std::path::PathBuf;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// The case folder
    #[arg(value_name = "CASE_DIR")]
    case_dir: PathBuf,
    #[command(flatten)]
    read: ReadArgs,
    #[command(flatten)]
    format: FormatArgs,
}

pub fn run(args: Args) -> anyhow::Result<u8> {
    let config = args.read.config()?;
    let found = casegraph::ingest::inspect::inspect_case(&args.case_dir, &config)?;
    let format = args.format.format();
    if format == Format::Json {
        output::print_json(&found)?;
        return Ok(0);
    }
    let mut files = Table::new(
        "files",
        &[
            "file",
            "sheet",
            "format",
            "table",
            "rules",
            "header_row",
            "own_number",
            "unmapped",
            "not_read_because",
        ],
    );
    let mut columns = Table::new("columns", &["file", "sheet", "header", "field", "rule"]);
    let mut skipped = Table::new("skipped", &["file", "sheet", "row", "why"]);
    let mut rows = Table::new("first_rows", &["file", "sheet", "row", "as_read"]);
    for f in &found {
        let sheet = f.sheet.clone().unwrap_or_default();
        files.push(vec![
            f.file.as_str().into(),
            sheet.as_str().into(),
            f.format.as_str().into(),
            f.table.clone().unwrap_or_default().into(),
            f.rules.as_str().into(),
            f.header_row
                .map(|r| r.to_string())
                .unwrap_or_default()
                .into(),
            f.own_number.clone().unwrap_or_default().into(),
            f.unmapped.join(";").into(),
            f.problem.clone().unwrap_or_default().into(),
        ]);
        for c in &f.columns {
            columns.push(vec![
                f.file.as_str().into(),
                sheet.as_str().into(),
                c.header.as_str().into(),
                c.field.as_str().into(),
                c.rule.as_str().into(),
            ]);
        }
        for (row, why) in &f.skipped {
            skipped.push(vec![
                f.file.as_str().into(),
                sheet.as_str().into(),
                (*row).into(),
                why.as_str().into(),
            ]);
        }
        for (row, fields) in &f.first_rows {
            let shown: Vec<String> = f
                .row_columns
                .iter()
                .zip(fields)
                .filter(|(_, v)| !v.is_empty())
                .map(|(k, v)| format!("{k}={v}"))
                .collect();
            rows.push(vec![
                f.file.as_str().into(),
                sheet.as_str().into(),
                (*row).into(),
                shown.join(" ").into(),
            ]);
        }
        for (row, why) in &f.first_rejects {
            rows.push(vec![
                f.file.as_str().into(),
                sheet.as_str().into(),
                (*row).into(),
                format!("REJECTED: {why}").into(),
            ]);
        }
    }
    Document::default()
        .with(files)
        .with(columns)
        .with(skipped)
        .with(rows)
        .print(format)?;
    Ok(0)
}
