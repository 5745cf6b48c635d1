//! The one renderer of results: every command builds a [`Document`] of named
//! tables and this module prints it as a table (for people), CSV (for
//! spreadsheets and scripts) or JSON (for programs). CSV cells a
//! spreadsheet would run as formulas are neutralised by
//! [`casegraph::safe_csv`] unless `--raw-csv` is given. Progress bars live here
//! too, and show only when stderr is a terminal.

use std::io::{IsTerminal, Write};

#[derive(clap::ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Table,
    Csv,
    Json,
}

/// `--format`, with the default chosen by where stdout goes.
#[derive(clap::Args, Debug, Clone)]
pub struct FormatArgs {
    /// Output format [default: table on a terminal, csv otherwise]
    #[arg(long, value_enum)]
    pub format: Option<Format>,
}

impl FormatArgs {
    pub fn format(&self) -> Format {
        self.format.unwrap_or(if std::io::stdout().is_terminal() {
            Format::Table
        } else {
            Format::Csv
        })
    }
}

/// One value in a table.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Str(String),
    Int(i64),
    Float(f64),
    Empty,
}

impl From<&str> for Cell {
    fn from(s: &str) -> Self {
        Cell::Str(s.to_string())
    }
}
impl From<String> for Cell {
    fn from(s: String) -> Self {
        Cell::Str(s)
    }
}
impl From<u64> for Cell {
    fn from(v: u64) -> Self {
        Cell::Int(v as i64)
    }
}
impl From<usize> for Cell {
    fn from(v: usize) -> Self {
        Cell::Int(v as i64)
    }
}
impl From<u32> for Cell {
    fn from(v: u32) -> Self {
        Cell::Int(v as i64)
    }
}
impl From<i64> for Cell {
    fn from(v: i64) -> Self {
        Cell::Int(v)
    }
}
impl From<f64> for Cell {
    fn from(v: f64) -> Self {
        if v.is_finite() {
            Cell::Float(v)
        } else {
            Cell::Empty
        }
    }
}
impl From<bool> for Cell {
    fn from(v: bool) -> Self {
        Cell::Str(if v { "yes" } else { "no" }.into())
    }
}

impl Cell {
    fn text(&self) -> String {
        match self {
            Cell::Str(s) => s.clone(),
            Cell::Int(v) => v.to_string(),
            Cell::Float(v) => format_float(*v),
            Cell::Empty => String::new(),
        }
    }
    fn json(&self) -> serde_json::Value {
        match self {
            Cell::Str(s) => serde_json::Value::String(s.clone()),
            Cell::Int(v) => serde_json::Value::from(*v),
            Cell::Float(v) => serde_json::Number::from_f64(*v)
                .map(serde_json::Value::Number)
                .unwrap_or_default(),
            Cell::Empty => serde_json::Value::Null,
        }
    }
}

/// Floats print with enough digits to round-trip, without trailing noise.
pub fn format_float(v: f64) -> String {
    if v == v.trunc() && v.abs() < 1e15 {
        format!("{v:.1}")
    } else {
        format!("{v}")
    }
}

/// A named table: a header and rows of the same width.
#[derive(Debug, Clone)]
pub struct Table {
    pub name: String,
    pub columns: Vec<String>,
    pub rows: Vec<Vec<Cell>>,
}

impl Table {
    pub fn new(name: &str, columns: &[&str]) -> Self {
        Table {
            name: name.to_string(),
            columns: columns.iter().map(|c| c.to_string()).collect(),
            rows: Vec::new(),
        }
    }
    pub fn push(&mut self, row: Vec<Cell>) {
        debug_assert_eq!(
            row.len(),
            self.columns.len(),
            "row width of table {}",
            self.name
        );
        self.rows.push(row);
    }
}

/// What a command prints: one or more tables, and for table format an
/// optional heading line per table.
#[derive(Debug, Clone, Default)]
pub struct Document {
    pub tables: Vec<Table>,
    /// In table format, fit every table into this many columns: long cells
    /// are cut to one line ending in `…` (CSV and JSON keep the full text).
    pub max_width: Option<u16>,
}

impl Document {
    pub fn with(mut self, t: Table) -> Self {
        self.tables.push(t);
        self
    }

    /// Fit tables to `width` columns (see [`Document::max_width`]); `None`
    /// leaves them as wide as their cells.
    pub fn fit_width(mut self, width: Option<u16>) -> Self {
        self.max_width = width;
        self
    }

    /// Print to stdout. CSV with several tables prints each with its own
    /// header, separated by a blank line; JSON is an object of arrays of
    /// row objects keyed by table name (or just the array for one table).
    pub fn print(&self, format: Format) -> std::io::Result<()> {
        let stdout = std::io::stdout();
        let mut out = std::io::BufWriter::new(stdout.lock());
        self.render(format, &mut out)?;
        out.flush()
    }

    pub fn render(&self, format: Format, out: &mut dyn Write) -> std::io::Result<()> {
        match format {
            Format::Table => {
                for (i, t) in self.tables.iter().enumerate() {
                    if i > 0 {
                        writeln!(out)?;
                    }
                    writeln!(out, "{}", t.name.replace('_', " "))?;
                    let mut ct = comfy_table::Table::new();
                    ct.load_preset(comfy_table::presets::UTF8_BORDERS_ONLY);
                    ct.set_header(&t.columns);
                    if let Some(w) = self.max_width {
                        ct.set_content_arrangement(comfy_table::ContentArrangement::Dynamic)
                            .set_width(w)
                            .set_truncation_indicator("…");
                    }
                    for r in &t.rows {
                        let mut row = comfy_table::Row::from(r.iter().map(Cell::text));
                        if self.max_width.is_some() {
                            row.max_height(1);
                        }
                        ct.add_row(row);
                    }
                    writeln!(out, "{ct}")?;
                }
            }
            Format::Csv => {
                for (i, t) in self.tables.iter().enumerate() {
                    if i > 0 {
                        writeln!(out)?;
                    }
                    let mut w = casegraph::safe_csv::Writer::from_writer(&mut *out);
                    w.write_record(&t.columns).map_err(csv_io)?;
                    for r in &t.rows {
                        w.write_record(r.iter().map(Cell::text)).map_err(csv_io)?;
                    }
                    w.flush()?;
                }
            }
            Format::Json => {
                let table_json = |t: &Table| {
                    serde_json::Value::Array(
                        t.rows
                            .iter()
                            .map(|r| {
                                serde_json::Value::Object(
                                    t.columns
                                        .iter()
                                        .cloned()
                                        .zip(r.iter().map(Cell::json))
                                        .collect(),
                                )
                            })
                            .collect(),
                    )
                };
                let v = if self.tables.len() == 1 {
                    table_json(&self.tables[0])
                } else {
                    serde_json::Value::Object(
                        self.tables
                            .iter()
                            .map(|t| (t.name.clone(), table_json(t)))
                            .collect(),
                    )
                };
                serde_json::to_writer_pretty(&mut *out, &v)?;
                writeln!(out)?;
            }
        }
        Ok(())
    }
}

/// The width tables should fit when printed for a person: `COLUMNS` if
/// set to a number, else the terminal's width when stdout is a terminal,
/// else none (a pipe or a file gets full rows).
pub fn terminal_width() -> Option<u16> {
    if let Some(w) = std::env::var("COLUMNS")
        .ok()
        .and_then(|v| v.trim().parse::<u16>().ok())
        .filter(|&w| w > 0)
    {
        return Some(w);
    }
    if !std::io::stdout().is_terminal() {
        return None;
    }
    terminal_size::terminal_size().map(|(terminal_size::Width(w), _)| w)
}

fn csv_io(e: csv::Error) -> std::io::Error {
    match e.into_kind() {
        csv::ErrorKind::Io(io) => io,
        other => std::io::Error::other(format!("{other:?}")),
    }
}

/// Print a serialisable value as pretty JSON (for commands whose natural
/// JSON is richer than their tables).
pub fn print_json<T: serde::Serialize>(v: &T) -> std::io::Result<()> {
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    serde_json::to_writer_pretty(&mut out, v)?;
    writeln!(out)?;
    out.flush()
}

/// A progress bar on stderr with rate and ETA; hidden when stderr is not a
/// terminal, so logs and CI stay clean.
pub fn progress_bar(what: &str) -> indicatif::ProgressBar {
    if !std::io::stderr().is_terminal() {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::new(0);
    bar.set_style(
        indicatif::ProgressStyle::with_template(
            "{msg:>14} [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec} eta {eta}",
        )
        .expect("valid template")
        .progress_chars("=> "),
    );
    bar.set_message(what.to_string());
    bar
}

/// A spinner with the elapsed time on stderr for a pass whose progress
/// cannot be counted (resolution, centrality, communities); hidden when
/// stderr is not a terminal. Call `finish_and_clear` when the pass ends.
pub fn working(what: &str) -> indicatif::ProgressBar {
    if !std::io::stderr().is_terminal() {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::new_spinner();
    bar.set_style(
        indicatif::ProgressStyle::with_template("{spinner} {msg} {elapsed}")
            .expect("valid template"),
    );
    bar.set_message(what.to_string());
    bar.enable_steady_tick(std::time::Duration::from_millis(120));
    bar
}

/// Write CSV rows to `path` atomically (temp file + rename).
pub fn write_csv_file(
    path: &std::path::Path,
    columns: &[&str],
    rows: impl Iterator<Item = Vec<String>>,
) -> anyhow::Result<()> {
    Ok(casegraph::safe_csv::write_rows(path, columns, rows)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wide() -> Document {
        let mut t = Table::new("leads", &["rank", "entity", "reasons"]);
        t.push(vec![
            1u64.into(),
            "+8613900000001".into(),
            "member of gang G1 as boss: 5 of his 5 calls are with the gang, with 2 lieutenants, none with an operator's SIM".into(),
        ]);
        Document::default().with(t)
    }

    fn render(d: &Document, f: Format) -> String {
        let mut out = Vec::new();
        d.render(f, &mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn a_fitted_table_stays_within_the_width_and_says_it_cut() {
        let text = render(&wide().fit_width(Some(60)), Format::Table);
        for line in text.lines() {
            assert!(line.chars().count() <= 60, "{line:?} is wider than 60");
        }
        assert!(text.contains('…'), "{text}");
        assert!(
            text.contains("+8613900000001"),
            "short cells stay whole: {text}"
        );
    }

    #[test]
    fn unfitted_tables_and_csv_keep_the_full_text() {
        let full = "none with an operator's SIM";
        assert!(render(&wide(), Format::Table).contains(full));
        assert!(render(&wide().fit_width(Some(60)), Format::Csv).contains(full));
    }
}
