//! The one renderer of results: every command builds a [`Document`] of named
//! tables and this module prints it as a table (for people), CSV (for
//! spreadsheets and scripts) or JSON (for programs). CSV cells a
//! spreadsheet would run as formulas are neutralised by
//! [`casegraph::safe_csv`] unless `--raw-csv` is given. Progress bars live here
//! too, and show only when stderr is a terminal.

use std::borrow::Cow;
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
    /// Text: owned, or a fixed label (a node kind, a yes/no) that costs no
    /// copy on tables of a million rows.
    Str(Cow<'static, str>),
    Int(i64),
    Float(f64),
    Empty,
}

impl From<&str> for Cell {
    fn from(s: &str) -> Self {
        Cell::Str(Cow::Owned(s.to_string()))
    }
}
impl From<String> for Cell {
    fn from(s: String) -> Self {
        Cell::Str(Cow::Owned(s))
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
        Cell::label(if v { "yes" } else { "no" })
    }
}

impl Cell {
    /// A fixed label (a node kind, a column value from a closed set).
    pub fn label(s: &'static str) -> Self {
        Cell::Str(Cow::Borrowed(s))
    }
    /// The cell as CSV and the `about` line write it (full precision).
    pub fn text(&self) -> Cow<'_, str> {
        match self {
            Cell::Str(s) => Cow::Borrowed(s),
            Cell::Int(v) => Cow::Owned(v.to_string()),
            Cell::Float(v) => Cow::Owned(format_float(*v)),
            Cell::Empty => Cow::Borrowed(""),
        }
    }
    fn json(&self) -> serde_json::Value {
        match self {
            Cell::Str(s) => serde_json::Value::String(s.to_string()),
            Cell::Int(v) => serde_json::Value::from(*v),
            Cell::Float(v) => serde_json::Number::from_f64(*v)
                .map(serde_json::Value::Number)
                .unwrap_or_default(),
            Cell::Empty => serde_json::Value::Null,
        }
    }
}

/// A float for people (tables): four significant digits, no trailing
/// zeros; CSV and JSON keep [`format_float`]'s full precision.
pub fn format_float_short(v: f64) -> String {
    if v == 0.0 || !v.is_finite() {
        return format_float(v);
    }
    let magnitude = v.abs().log10().floor() as i32;
    if !(-4..15).contains(&magnitude) {
        return format!("{v:.3e}");
    }
    let decimals = (3 - magnitude).max(0) as usize;
    let s = format!("{v:.decimals$}");
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
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
    /// Rows left out by `--limit` (said on a line below the table).
    pub left_out: usize,
}

impl Table {
    pub fn new(name: &str, columns: &[&str]) -> Self {
        Table {
            name: name.to_string(),
            columns: columns.iter().map(|c| c.to_string()).collect(),
            rows: Vec::new(),
            left_out: 0,
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
    /// In table format, fit every table into this many columns (default:
    /// the terminal's, see [`terminal_width`]): prose cells are shortened at
    /// a word boundary ending in `…`, and columns that still do not fit are
    /// left out with a line naming them; ids are never cut (CSV and JSON
    /// keep everything).
    pub max_width: Option<u16>,
    /// The table CSV prints when there are several and `--table` chose
    /// none (index into `tables`; the first unless [`Document::with_main`]).
    pub main: usize,
}

/// `--table NAME`, set once from the command line.
static TABLE_CHOICE: std::sync::OnceLock<String> = std::sync::OnceLock::new();

/// Print only the table called `name` (`--table NAME`).
pub fn choose_table(name: String) {
    let _ = TABLE_CHOICE.set(name);
}

/// `--limit N`, set once from the command line.
static ROW_LIMIT: std::sync::OnceLock<usize> = std::sync::OnceLock::new();

/// How many rows of a table a person sees without `--limit`: a long answer
/// at the terminal is capped, with a line saying how many more there are.
pub const TERMINAL_ROW_LIMIT: usize = 200;

/// Show at most `n` rows of each table, in every format (`--limit N`; 0
/// shows every row).
pub fn limit_rows(n: usize) {
    let _ = ROW_LIMIT.set(n);
}

/// The row cap for `format`: `--limit` when given (0: none), else
/// [`TERMINAL_ROW_LIMIT`] for tables, and none for CSV and JSON, which
/// programs read whole.
fn row_limit(format: Format) -> Option<usize> {
    match ROW_LIMIT.get() {
        Some(0) => None,
        Some(&n) => Some(n),
        None if format == Format::Table => Some(TERMINAL_ROW_LIMIT),
        None => None,
    }
}

/// The line said below a table whose rows `--limit` cut (to as many rows
/// as it still has).
fn left_out_line(t: &Table) -> String {
    let limit = t.rows.len();
    let total = limit + t.left_out;
    format!(
        "{} more row(s) of {} not shown (--limit {limit}); --limit 0 shows all {total}",
        t.left_out,
        t.name.replace('_', " ")
    )
}

impl Document {
    pub fn with(mut self, t: Table) -> Self {
        self.tables.push(t);
        self
    }

    /// Add the table CSV prints by default (see [`Document::main`]).
    pub fn with_main(mut self, t: Table) -> Self {
        self.main = self.tables.len();
        self.tables.push(t);
        self
    }

    /// The document as printed: the table `--table` names (an error naming
    /// the tables when there is none of that name), or for CSV with several
    /// tables the main one (one CSV table per command: several glued
    /// together are no longer CSV), with a note naming the others.
    fn chosen(mut self, format: Format) -> std::io::Result<(Document, Option<String>)> {
        let names = |tables: &[Table]| {
            tables
                .iter()
                .map(|t| t.name.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        };
        let max_width = self.max_width;
        let pick = |tables: &mut Vec<Table>, i: usize| Document {
            tables: vec![tables.swap_remove(i)],
            max_width,
            main: 0,
        };
        if let Some(name) = TABLE_CHOICE.get() {
            return match self.tables.iter().position(|t| &t.name == name) {
                Some(i) => Ok((pick(&mut self.tables, i), None)),
                None => Err(std::io::Error::new(
                    std::io::ErrorKind::InvalidInput,
                    format!(
                        "--table: expected one of {}, found {name:?}",
                        names(&self.tables)
                    ),
                )),
            };
        }
        if format == Format::Csv && self.tables.len() > 1 {
            let main = self.main.min(self.tables.len() - 1);
            let others: Vec<&str> = self
                .tables
                .iter()
                .enumerate()
                .filter(|&(i, _)| i != main)
                .map(|(_, t)| t.name.as_str())
                .collect();
            let note = format!(
                "printed table {}; also {} (--table NAME prints another, --format json all)",
                self.tables[main].name,
                others.join(", ")
            );
            return Ok((pick(&mut self.tables, main), Some(note)));
        }
        Ok((self, None))
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
    pub fn print(self, format: Format) -> std::io::Result<()> {
        let (mut doc, which) = self.chosen(format)?;
        if let Some(limit) = row_limit(format) {
            doc.limit(limit);
        }
        let stdout = std::io::stdout();
        let mut out = std::io::BufWriter::new(stdout.lock());
        doc.render(format, &mut out)?;
        if let Some(which) = which {
            note(&which);
        }
        if format != Format::Table {
            for t in doc.tables.iter().filter(|t| t.left_out > 0) {
                note(&left_out_line(t));
            }
        }
        out.flush()
    }

    /// Keep at most `limit` rows of each table, counting the rest in
    /// [`Table::left_out`].
    fn limit(&mut self, limit: usize) {
        for t in &mut self.tables {
            if t.rows.len() > limit {
                t.left_out += t.rows.len() - limit;
                t.rows.truncate(limit);
            }
        }
    }

    pub fn render(&self, format: Format, out: &mut dyn Write) -> std::io::Result<()> {
        match format {
            Format::Table => {
                let width = self.max_width.or_else(terminal_width);
                for (i, t) in self.tables.iter().enumerate() {
                    if i > 0 {
                        writeln!(out)?;
                    }
                    writeln!(out, "{}", t.name.replace('_', " "))?;
                    render_table(t, width, out)?;
                    if t.left_out > 0 {
                        let line = left_out_line(t);
                        writeln!(
                            out,
                            "{}",
                            wrap(&line, width.map_or(usize::MAX, usize::from))
                        )?;
                    }
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

/// Display width of a text on a terminal (CJK characters take two columns).
fn display_width(s: &str) -> usize {
    unicode_width::UnicodeWidthStr::width(s)
}

/// A column of free text (names, reasons, lists), which may be shortened
/// at a word boundary; every other column (ids, numbers, times) is shown
/// whole or not at all.
fn is_prose(texts: &[&str], width: usize) -> bool {
    width > PROSE_MIN_WIDTH && texts.iter().any(|t| t.matches(' ').count() >= 2)
}

/// A prose column is never shortened below this many columns.
const PROSE_MIN_WIDTH: usize = 12;

/// `text` cut at a word boundary to at most `width` columns, ending in ` …`
/// when cut; a lone `…` when not even its first word fits (a word is never
/// cut inside: it may be an identifier).
fn shorten(text: &str, width: usize) -> String {
    if display_width(text) <= width {
        return text.to_string();
    }
    let mut out = String::new();
    for word in text.split(' ') {
        let candidate = if out.is_empty() {
            word.to_string()
        } else {
            format!("{out} {word}")
        };
        if display_width(&candidate) + 2 > width {
            break;
        }
        out = candidate;
    }
    if out.is_empty() {
        // Not even the first word fits: show that there is more, cut nothing.
        return "…".to_string();
    }
    format!("{out} …")
}

/// Render one table for a person. With a width: prose columns shorten at
/// word boundaries, and when ids, numbers and times alone are still too
/// wide, the last columns are left out with a line naming them, so that no
/// line is wider than the terminal and no identifier is cut.
fn render_table(t: &Table, width: Option<u16>, out: &mut dyn Write) -> std::io::Result<()> {
    let texts = cell_texts(t);
    let n = t.columns.len();
    let col_texts = |c: usize| -> Vec<&str> { texts.iter().map(|r| r[c].as_str()).collect() };
    let natural: Vec<usize> = (0..n)
        .map(|c| {
            col_texts(c)
                .iter()
                .map(|s| display_width(s))
                .chain([display_width(&t.columns[c])])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let prose: Vec<bool> = (0..n)
        .map(|c| is_prose(&col_texts(c), natural[c]))
        .collect();
    // Lay out for a budget, render, and if the borders took more than
    // counted, lower the budget by the excess and lay out again.
    let mut budget = width.map(usize::from);
    let (shown, rendered) = loop {
        let (shown, widths) = match budget {
            Some(w) => fit_columns(t, &natural, &prose, w),
            None => (n, natural.clone()),
        };
        let rendered = draw_table(t, &texts, shown, &widths);
        let widest = rendered.lines().map(display_width).max().unwrap_or(0);
        match (width.map(usize::from), budget) {
            (Some(w), Some(b)) if widest > w && b > w.saturating_sub(n + 4) && shown > 1 => {
                budget = Some(b - (widest - w));
            }
            _ => break (shown, rendered),
        }
    };
    writeln!(out, "{rendered}")?;
    if shown < n {
        let note = format!(
            "({} more column(s) not shown at this width: {}; --format csv shows every column)",
            n - shown,
            t.columns[shown..].join(", ")
        );
        writeln!(
            out,
            "{}",
            wrap(&note, width.map_or(usize::MAX, usize::from))
        )?;
    }
    Ok(())
}

/// Each cell as a person reads it: floats rounded, line breaks as spaces.
fn cell_texts(t: &Table) -> Vec<Vec<String>> {
    t.rows
        .iter()
        .map(|r| {
            r.iter()
                .map(|c| match c {
                    Cell::Float(v) => format_float_short(*v),
                    other => other.text().replace(['\n', '\r'], " "),
                })
                .collect()
        })
        .collect()
}

/// How many columns to show and how wide each may be, for a table whose
/// columns are `natural` wide to fit in `budget` columns: when it is too
/// wide, the last columns are left out until ids, numbers and times fit
/// beside the prose columns at their narrowest, then the prose columns get
/// the widest cap that fits (never below [`PROSE_MIN_WIDTH`] or their
/// header).
fn fit_columns(t: &Table, natural: &[usize], prose: &[bool], budget: usize) -> (usize, Vec<usize>) {
    let n = t.columns.len();
    let mut shown = n;
    let mut widths = natural.to_vec();
    let floor = |c: usize| PROSE_MIN_WIDTH.max(display_width(&t.columns[c]));
    // The borders-only style: "│ " before the first column, "  "
    // between columns and " │" after the last.
    let total =
        |widths: &[usize], k: usize| -> usize { widths[..k].iter().sum::<usize>() + 2 * k + 2 };
    let fits_with = |cap: usize, k: usize| -> bool {
        let capped: Vec<usize> = (0..k)
            .map(|c| {
                if prose[c] {
                    natural[c].min(cap.max(floor(c)))
                } else {
                    natural[c]
                }
            })
            .collect();
        total(&capped, k) <= budget
    };
    if total(natural, n) > budget {
        while shown > 1 && !fits_with(0, shown) {
            shown -= 1;
        }
        let max = natural.iter().copied().max().unwrap_or(0);
        let cap = (0..=max)
            .rev()
            .find(|&cap| fits_with(cap, shown))
            .unwrap_or(0);
        for c in 0..n {
            if prose[c] {
                widths[c] = natural[c].min(cap.max(floor(c)));
            }
        }
    }
    (shown, widths)
}

/// The first `shown` columns drawn with borders, each cell shortened to its
/// column's width.
fn draw_table(t: &Table, texts: &[Vec<String>], shown: usize, widths: &[usize]) -> String {
    let mut ct = comfy_table::Table::new();
    ct.load_preset(comfy_table::presets::UTF8_BORDERS_ONLY);
    ct.set_content_arrangement(comfy_table::ContentArrangement::Disabled);
    ct.set_header(&t.columns[..shown]);
    for r in texts {
        ct.add_row(
            r[..shown]
                .iter()
                .enumerate()
                .map(|(c, s)| shorten(s, widths[c]))
                .collect::<Vec<_>>(),
        );
    }
    ct.to_string()
}

/// Say `text` on stderr as casegraph's note ("casegraph: …"), wrapped by
/// [`wrap_message`].
pub fn note(text: &str) {
    eprintln!("{}", wrap_message(&format!("casegraph: {text}"), 0));
}

/// The width of stderr messages when neither the terminal nor `COLUMNS`
/// tells one.
const PIPED_MESSAGE_WIDTH: usize = 100;

/// A message for stderr, wrapped at spaces to the terminal's width (when
/// stderr is a terminal, or `COLUMNS` is set; 100 columns otherwise, so a
/// log file reads as the terminal did) with continuation lines indented by
/// `indent` + 2: long reject reasons stay readable and whole.
pub fn wrap_message(text: &str, indent: usize) -> String {
    let width = std::env::var("COLUMNS")
        .ok()
        .and_then(|v| v.trim().parse::<usize>().ok())
        .filter(|&w| w > 0)
        .or_else(|| {
            std::io::stderr()
                .is_terminal()
                .then(|| terminal_size::terminal_size_of(std::io::stderr()))
                .flatten()
                .map(|(terminal_size::Width(w), _)| w as usize)
        })
        .or(Some(PIPED_MESSAGE_WIDTH));
    let pad = " ".repeat(indent);
    let Some(width) = width.filter(|&w| w > indent + 20) else {
        return format!("{pad}{text}");
    };
    let more = " ".repeat(indent + 2);
    wrap(text, width - indent - 2)
        .lines()
        .enumerate()
        .map(|(i, l)| format!("{}{l}", if i == 0 { &pad } else { &more }))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Wrap text at spaces to lines of at most `width` columns.
fn wrap(text: &str, width: usize) -> String {
    let mut lines: Vec<String> = vec![String::new()];
    for word in text.split(' ') {
        let last = lines.last_mut().expect("one line");
        if last.is_empty() {
            last.push_str(word);
        } else if display_width(last) + 1 + display_width(word) <= width {
            last.push(' ');
            last.push_str(word);
        } else {
            lines.push(word.to_string());
        }
    }
    lines.join("\n")
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

    #[test]
    fn a_limited_table_says_how_many_rows_are_not_shown() {
        let mut t = Table::new("calls", &["n"]);
        for i in 0..5u64 {
            t.push(vec![i.into()]);
        }
        let mut d = Document::default().with(t);
        d.limit(2);
        assert_eq!(d.tables[0].rows.len(), 2);
        let text = render(&d, Format::Table);
        assert!(
            text.contains("3 more row(s) of calls not shown (--limit 2); --limit 0 shows all 5"),
            "{text}"
        );
        assert_eq!(render(&d, Format::Csv), "n\n0\n1\n");
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

    #[test]
    fn identifiers_are_never_cut_columns_are_left_out_instead() {
        let cols: Vec<String> = (0..12).map(|i| format!("party{i}_phone")).collect();
        let cols: Vec<&str> = cols.iter().map(String::as_str).collect();
        let mut t = Table::new("wide", &cols);
        t.push(
            (0..12)
                .map(|i| Cell::from(format!("+86139000000{i:02}")))
                .collect(),
        );
        let text = render(
            &Document::default().with(t).fit_width(Some(100)),
            Format::Table,
        );
        for line in text.lines() {
            assert!(line.chars().count() <= 100, "{line:?}");
        }
        assert!(!text.contains("…"), "{text}");
        for token in text.split(|c: char| c.is_whitespace() || c == '│') {
            if token.starts_with("+86") {
                assert_eq!(token.len(), 14, "a cut number: {token:?} in {text}");
            }
        }
        assert!(text.contains("more column(s) not shown"), "{text}");
        assert!(
            text.contains("party11_phone"),
            "names the columns left out: {text}"
        );
    }

    #[test]
    fn double_width_characters_count_twice() {
        let mut t = Table::new("names", &["name", "note"]);
        t.push(vec![
            "欧阳娜娜".into(),
            "a long note about this person that goes on and on and on".into(),
        ]);
        let text = render(
            &Document::default().with(t).fit_width(Some(40)),
            Format::Table,
        );
        for line in text.lines() {
            assert!(display_width(line) <= 40, "{line:?}");
        }
        assert!(text.contains("欧阳娜娜"), "{text}");
    }

    #[test]
    fn floats_are_rounded_for_people_and_whole_in_csv() {
        let mut t = Table::new("m", &["pagerank"]);
        t.push(vec![0.123456789012345.into()]);
        let d = Document::default().with(t);
        assert!(render(&d, Format::Table).contains("0.1235"));
        assert!(!render(&d, Format::Table).contains("0.12345"));
        assert!(render(&d, Format::Csv).contains("0.123456789012345"));
        assert_eq!(format_float_short(1234.5678), "1235");
        assert_eq!(format_float_short(0.5), "0.5");
        assert_eq!(format_float_short(0.00001234), "1.234e-5");
    }
}
