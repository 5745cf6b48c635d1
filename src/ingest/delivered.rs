//! Files as carriers and police systems deliver them: any number of CSV
//! files (in any encoding [`super::decode`] detects) and workbooks
//! ([`super::grid`]) beside or instead of the contract's five files. Each
//! grid (a CSV file, a sheet) is located, translated into the contract's
//! columns, and then read by the same strict readers as the contract's
//! files, so every guarantee of theirs holds here too.
//!
//! - **Locating the table.** The header row is the row among the first
//!   [`HEADER_SEARCH_ROWS`] that names the most fields of one table
//!   ([`super::headers`]) and has that table's required fields; rows above
//!   it (titles, request details) are non-data lines. Below it, blank rows,
//!   totals and notes ([`is_non_data`]) are non-data lines too. A grid whose
//!   header matches no table is reported, not guessed at.
//! - **Per-number bills.** A call file with `own_number` (a column, or the
//!   title above the table, or the file name), `other_number` and
//!   `direction` becomes directed calls: 主叫 = own number calls the other,
//!   被叫 = the reverse ([`super::values::direction`]). The own number's
//!   cell and handset go to the caller's or callee's side accordingly.
//! - **One call in two bills.** When both parties are monitored, the call
//!   is in both bills: the caller's copy and the callee's copy are matched
//!   on caller, callee and kind, starts within [`MERGE_START_TOLERANCE_S`]
//!   and durations within [`MERGE_DURATION_TOLERANCE_S`]; the caller's copy
//!   is kept (with the callee's cell and handset filled in from the other
//!   copy) and the other is counted as merged, naming the kept row.
//! - **Line numbers.** A kept row's line in the graph is its table's
//!   *virtual* line: each grid after the contract's file is numbered after
//!   the previous one; [`super::IngestReport::locate`] turns it back into
//!   file, sheet and row.

use super::grid::{self, Grid};
use super::headers::{self, field_for};
use super::table::{FileSpec, Table};
use super::{values, FileReport, IngestConfig, Merged, SourceSegment};
use crate::error::{Position, RowError};
use crate::model::CallKind;
use csv::ByteRecord;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// How far down a grid the header row is looked for.
pub const HEADER_SEARCH_ROWS: usize = 40;
/// Two bills' copies of one call may have starts this far apart: carriers'
/// switches stamp the two legs of a call separately, usually within a few
/// seconds.
pub const MERGE_START_TOLERANCE_S: i64 = 60;
/// ... and durations this far apart (rounding to whole seconds, billing
/// from answer or from ringing).
pub const MERGE_DURATION_TOLERANCE_S: i64 = 2;

/// Where a table's own number came from.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub enum OwnNumber {
    Column,
    Title(String),
    FileName(String),
}

/// A grid located: which table, where its header is, what each column
/// means.
pub struct Located {
    pub grid: Grid,
    pub spec: FileSpec,
    /// Index of the header row in the grid.
    pub header_idx: usize,
    /// Its row number, as shown to an analyst.
    pub header_row: u32,
    /// Per column of the grid: its header and the field it was read as.
    pub columns: Vec<(String, Option<&'static str>)>,
    pub own_number: Option<OwnNumber>,
    /// Per column: written in hex (cell columns only, see
    /// [`values::is_hex_column`]).
    pub hex: Vec<bool>,
}

impl Located {
    fn is_hex(&self, field: &str) -> bool {
        self.col(field).is_some_and(|c| self.hex[c])
    }
    fn col(&self, field: &str) -> Option<usize> {
        self.columns.iter().position(|(_, f)| *f == Some(field))
    }
    fn has(&self, field: &str) -> bool {
        self.col(field).is_some()
    }
    /// Whether this is a per-number bill.
    pub fn is_bill(&self) -> bool {
        self.spec == FileSpec::CALLS && self.has("other_number") && self.has("direction")
    }
    /// Headers that name nothing casegraph knows, and known ones it does
    /// not read.
    pub fn unmapped(&self) -> Vec<String> {
        self.columns
            .iter()
            .filter(|(h, f)| !h.is_empty() && f.is_none())
            .map(|(h, _)| h.clone())
            .collect()
    }
    /// Which reading rule each mapped column goes through, for `inspect`.
    pub fn rule(&self, field: &str) -> &'static str {
        let stem = self.spec.stem();
        if headers::is_unused(stem, field) {
            return "recognised, not used";
        }
        match field {
            "start" | "time" => "carrier time (docs/case-format.md: Delivered files)",
            "activated" | "deactivated" | "dob" => "carrier date",
            "duration_s" => "carrier duration",
            "lac" | "ci" | "cell" if self.is_hex(field) => {
                "carrier cell in hex (LAC-CI), joined to the station table"
            }
            "lac" | "ci" | "cell" => {
                "carrier cell in decimal (LAC-CI; 0x for hex), joined to the station table"
            }
            "direction" => "bill direction (主叫/被叫/短信/呼转)",
            "kind" if stem == "calls" => "call kind (语音/短信/呼转 or voice/sms/forwarded)",
            "role" => "role (Chinese or contract spelling)",
            "category" => "category (Chinese or contract spelling)",
            "phones" | "aliases" | "accounts" => "list (; ； 、 , ，)",
            "own_number" | "other_number" | "caller" | "callee" | "number" => {
                "phone number (contract rules)"
            }
            _ => "as written (contract rules)",
        }
    }
}

/// The delivered files of a case folder: files at its top level other than
/// the contract's (or the mapping's) names, and files in sub-folders named
/// after a table (`calls/`, `bills/`, `话单/`, `locations/`, `stations/`,
/// `基站/`, `persons/`, `phones/`, `incidents/`). Sorted by name, so the
/// reading order does not depend on the file system.
pub fn discover(dir: &Path, config: &IngestConfig) -> crate::error::Result<Vec<(PathBuf, String)>> {
    let contract: Vec<String> = FileSpec::ALL
        .iter()
        .map(|s| {
            config
                .mapping
                .for_file(s)
                .and_then(|m| m.file.clone())
                .unwrap_or_else(|| s.file.to_string())
        })
        .collect();
    let readable = |p: &Path| {
        let ext = grid::extension(p);
        p.is_file()
            && (grid::WORKBOOK_EXTENSIONS.contains(&ext.as_str())
                || grid::TEXT_EXTENSIONS.contains(&ext.as_str()))
    };
    let mut out = Vec::new();
    let list = |d: &Path| -> crate::error::Result<Vec<PathBuf>> {
        let mut v: Vec<PathBuf> = std::fs::read_dir(d)
            .map_err(|e| crate::error::Error::io(d, e))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .collect();
        v.sort();
        Ok(v)
    };
    for path in list(dir)? {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        if path.is_dir() && TABLE_FOLDERS.contains(&name.to_lowercase().as_str()) {
            for inner in list(&path)? {
                if readable(&inner) {
                    let inner_name = inner
                        .file_name()
                        .map(|n| n.to_string_lossy().into_owned())
                        .unwrap_or_default();
                    out.push((inner.clone(), format!("{name}/{inner_name}")));
                }
            }
        } else if readable(&path)
            && !contract.contains(&name)
            && !name.starts_with('.')
            && !name.starts_with("~$")
        {
            out.push((path, name));
        }
    }
    Ok(out)
}

const TABLE_FOLDERS: &[&str] = &[
    "calls",
    "bills",
    "话单",
    "locations",
    "stations",
    "基站",
    "persons",
    "phones",
    "incidents",
];

/// Why a grid was not read as any table.
pub struct NotRead {
    pub file: String,
    pub sheet: Option<String>,
    pub format: String,
    pub reason: String,
}

/// Read every delivered file into located grids; grids that hold no table
/// are returned apart, with the reason. A file that cannot be read at all
/// (bad encoding, not a workbook) is an error that names it.
pub fn locate_all(
    files: &[(PathBuf, String)],
    config: &IngestConfig,
) -> crate::error::Result<(Vec<Located>, Vec<NotRead>)> {
    let mut grids = Vec::new();
    for (path, name) in files {
        grids.extend(grid::read_file(path, name).map_err(|reason| {
            crate::error::Error::UnreadableFile {
                file: name.clone(),
                reason,
            }
        })?);
    }
    Ok(locate_grids(grids, config))
}

/// Locate grids already read; those that hold no table are returned apart,
/// with the reason.
pub fn locate_grids(grids: Vec<Grid>, config: &IngestConfig) -> (Vec<Located>, Vec<NotRead>) {
    let mut located = Vec::new();
    let mut not_read = Vec::new();
    for g in grids {
        if g.is_empty() {
            not_read.push(NotRead {
                file: g.file.clone(),
                sheet: g.sheet.clone(),
                format: g.format.clone(),
                reason: "empty".into(),
            });
            continue;
        }
        match locate(g, config) {
            Ok(l) => located.push(l),
            Err(e) => {
                let (g, reason) = *e;
                not_read.push(NotRead {
                    file: g.file.clone(),
                    sheet: g.sheet.clone(),
                    format: g.format.clone(),
                    reason,
                })
            }
        }
    }
    (located, not_read)
}

/// The extra header names a column mapping gives a table: (field, name).
fn extra_names(config: &IngestConfig, spec: &FileSpec) -> Vec<(String, String)> {
    config
        .mapping
        .for_file(spec)
        .map(|m| {
            m.columns
                .iter()
                .map(|(k, v)| (k.clone(), v.clone()))
                .chain(m.names.iter().cloned())
                .collect()
        })
        .unwrap_or_default()
}

/// Find a grid's header row and table.
pub fn locate(grid: Grid, config: &IngestConfig) -> Result<Located, Box<(Grid, String)>> {
    let (header_idx, spec, fields) = match find_header(&grid, config) {
        Ok(found) => found,
        Err(reason) => return Err(Box::new((grid, reason))),
    };
    let mut cells = Vec::new();
    grid.row(header_idx, &mut cells);
    let columns: Vec<(String, Option<&'static str>)> = cells.iter().cloned().zip(fields).collect();
    let mut located = Located {
        header_row: grid_row_number(&grid, header_idx),
        grid,
        spec,
        header_idx,
        columns,
        own_number: None,
        hex: Vec::new(),
    };
    located.hex = hex_columns(&located);
    if located.is_bill() {
        located.own_number = own_number_of(&located);
        if located.own_number.is_none() {
            let reason = "a per-number bill (对方号码 and 呼叫类型), expected the monitored number in a column (本机号码), the title above the table or the file name, found none".to_string();
            return Err(Box::new((located.grid, reason)));
        }
    }
    Ok(located)
}

/// The header row among the first [`HEADER_SEARCH_ROWS`]: the one naming
/// the most distinct fields of one table, with that table's required
/// fields; its index, the table and each column's field. Else the reason,
/// naming the first near miss if there was one.
fn find_header(
    grid: &Grid,
    config: &IngestConfig,
) -> Result<(usize, FileSpec, Vec<Option<&'static str>>), String> {
    let mut best: Option<(usize, usize, FileSpec, Vec<Option<&'static str>>)> = None;
    let mut cells = Vec::new();
    let mut near_miss: Option<String> = None;
    for i in 0..grid.len().min(HEADER_SEARCH_ROWS) {
        grid.row(i, &mut cells);
        for spec in FileSpec::ALL {
            let extra = extra_names(config, spec);
            let fields: Vec<Option<&'static str>> = cells
                .iter()
                .map(|c| field_for(spec.stem(), c, &extra))
                .collect();
            let mut distinct: Vec<&str> = fields.iter().flatten().copied().collect();
            distinct.sort_unstable();
            let n = distinct.len();
            distinct.dedup();
            if distinct.len() != n || n < 2 {
                if n >= 2 && near_miss.is_none() {
                    near_miss = Some(format!(
                        "row {} names a field of {} twice",
                        grid_row_number(grid, i),
                        spec.file
                    ));
                }
                continue;
            }
            if !has_required_fields(spec.stem(), &distinct) {
                if near_miss.is_none() && n >= 2 {
                    near_miss = Some(format!(
                        "row {} names {} of {} but not its required fields",
                        grid_row_number(grid, i),
                        distinct.join(", "),
                        spec.file
                    ));
                }
                continue;
            }
            if best.as_ref().is_none_or(|b| n > b.1) {
                best = Some((i, n, *spec, fields));
            }
        }
    }
    match best {
        Some((header_idx, _, spec, fields)) => Ok((header_idx, spec, fields)),
        None => Err(near_miss.unwrap_or_else(|| {
            format!("expected a header row naming the columns of a case table within the first {HEADER_SEARCH_ROWS} rows, found none (see docs/case-format.md for the names; add yours with --columns)")
        })),
    }
}

/// Whether a header naming the (at least two) `distinct` fields has the
/// fields table `stem` cannot be read without: a call needs its start and
/// both numbers (or a bill's other number and direction), a cell its id.
fn has_required_fields(stem: &str, distinct: &[&str]) -> bool {
    let has = |f: &str| distinct.contains(&f);
    match stem {
        "calls" => {
            has("start")
                && ((has("caller") && has("callee")) || (has("other_number") && has("direction")))
        }
        "locations" => has("location_id") || (has("lac") && has("ci")) || has("cell"),
        "phones" => has("number") && distinct.len() >= 2,
        "persons" => has("person_id") && has("name"),
        "incidents" => has("incident_id") && has("time") && has("category"),
        _ => false,
    }
}

/// For each column, whether it is a cell column (lac, ci, cell) written in
/// hexadecimal below the header.
fn hex_columns(located: &Located) -> Vec<bool> {
    let header_idx = located.header_idx;
    located
        .columns
        .iter()
        .enumerate()
        .map(|(c, (_, f))| {
            matches!(f, Some("lac" | "ci" | "cell")) && {
                let g = &located.grid;
                (header_idx + 1..g.len()).any(|i| values::is_hex_column([g.cell(i, c).as_str()]))
            }
        })
        .collect()
}

/// Where a per-number bill names its monitored number: a column, else the
/// title above the table, else the file name.
fn own_number_of(located: &Located) -> Option<OwnNumber> {
    if located.has("own_number") {
        Some(OwnNumber::Column)
    } else if let Some(n) = title_number(&located.grid, located.header_idx) {
        Some(OwnNumber::Title(n))
    } else {
        let stem = Path::new(&located.grid.file)
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        long_digit_run(&stem).map(OwnNumber::FileName)
    }
}

/// The first phone-like number in the rows above the header.
fn title_number(grid: &Grid, upto: usize) -> Option<String> {
    let mut cells = Vec::new();
    for i in 0..upto {
        grid.row(i, &mut cells);
        if let Some(n) = cells.iter().find_map(|c| long_digit_run(c)) {
            return Some(n);
        }
    }
    None
}

fn grid_row_number(grid: &Grid, i: usize) -> u32 {
    let mut cells = Vec::new();
    grid.row(i, &mut cells)
}

/// The first run of 11 to 15 digits in a text (spaces and `-` inside the
/// number allowed), a `+` or `00` prefix kept: a monitored number in a
/// bill's title or file name.
fn long_digit_run(text: &str) -> Option<String> {
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        if chars[i].is_ascii_digit()
            || (chars[i] == '+' && chars.get(i + 1).is_some_and(char::is_ascii_digit))
        {
            let start = i;
            let mut digits = 0;
            let mut end = i;
            while end < chars.len()
                && (chars[end].is_ascii_digit()
                    || (end == start && chars[end] == '+')
                    || ((chars[end] == ' ' || chars[end] == '-')
                        && chars.get(end + 1).is_some_and(char::is_ascii_digit)
                        && digits > 0))
            {
                if chars[end].is_ascii_digit() {
                    digits += 1;
                }
                end += 1;
            }
            if (11..=15).contains(&digits) {
                return Some(
                    chars[start..end]
                        .iter()
                        .collect::<String>()
                        .trim()
                        .to_string(),
                );
            }
            i = end.max(i + 1);
        } else {
            i += 1;
        }
    }
    None
}

/// Words that open a totals or notes row below the data.
const NON_DATA_WORDS: &[&str] = &[
    "合计",
    "总计",
    "小计",
    "共计",
    "总数",
    "统计",
    "注",
    "备注",
    "说明",
    "以上",
    "查询人",
    "打印",
    "制表",
    "导出",
    "total",
    "sum",
    "note",
    "notes",
    "subtotal",
    "end of",
];

/// Whether a row below the header is not data: blank, totals, notes, or
/// a lone filled cell in a table of three or more columns. Returns why.
pub fn is_non_data(cells: &[String], n_mapped: usize) -> Option<&'static str> {
    let filled: Vec<&String> = cells.iter().filter(|c| !c.trim().is_empty()).collect();
    let Some(first) = filled.first() else {
        return Some("blank");
    };
    let lower = first.trim().to_lowercase();
    if NON_DATA_WORDS.iter().any(|w| lower.starts_with(w)) {
        return Some("totals or notes");
    }
    if filled.len() == 1 && n_mapped >= 3 {
        return Some("a lone cell (a note)");
    }
    None
}

/// Which contract column a delivered field fills directly (same name).
fn direct(spec: &FileSpec, field: &str) -> Option<usize> {
    spec.columns.iter().position(|c| c.name == field)
}

/// Cell keys (`LAC-CI`) of the station table, to their location ids.
#[derive(Default)]
pub struct Stations {
    pub ids: BTreeMap<String, String>,
}

/// One row of a delivered grid translated into the contract's columns.
pub struct Translated {
    /// Row number in its grid (line or sheet row).
    pub row: u32,
    pub fields: Vec<String>,
    /// For bill rows: whether the own number is the caller.
    pub own_is_caller: Option<bool>,
}

/// What translating a grid gave: rows, rejects, non-data lines.
#[derive(Default)]
pub struct Translation {
    pub rows: Vec<Translated>,
    /// (row number, reason, raw cells)
    pub rejects: Vec<(u32, String, Vec<String>)>,
    /// (row number, why)
    pub non_data: Vec<(u32, &'static str)>,
    /// Extra headers kept as attributes (tables that keep them).
    pub extra: Vec<String>,
}

/// Translate every row of a located grid. `limit` stops after that many
/// data rows (for `inspect`).
pub fn translate(
    l: &Located,
    config: &IngestConfig,
    stations: &mut Stations,
    limit: Option<usize>,
) -> Translation {
    let mut out = Translation::default();
    let mut cells = Vec::new();
    for i in 0..l.header_idx {
        let row = l.grid.row(i, &mut cells);
        out.non_data.push((row, "above the header"));
    }
    let keeps_extra = l.spec.keeps_extra;
    let extra_cols: Vec<usize> = if keeps_extra {
        l.columns
            .iter()
            .enumerate()
            .filter(|(_, (h, f))| {
                !h.is_empty()
                    && f.is_none_or(|f| {
                        direct(&l.spec, f).is_none() && !matches!(f, "lac" | "ci" | "cell")
                    })
            })
            .map(|(i, _)| i)
            .collect()
    } else {
        Vec::new()
    };
    out.extra = extra_cols.iter().map(|&i| l.columns[i].0.clone()).collect();
    let n_mapped = l.columns.iter().filter(|(_, f)| f.is_some()).count();
    let mut n_data = 0;
    for i in l.header_idx + 1..l.grid.len() {
        let row = l.grid.row(i, &mut cells);
        if let Some(why) = is_non_data(&cells, n_mapped) {
            out.non_data.push((row, why));
            continue;
        }
        if limit.is_some_and(|n| n_data >= n) {
            break;
        }
        n_data += 1;
        let get = RowView { l, cells: &cells };
        let result = match l.spec.stem() {
            "calls" => translate_call(l, &get, config, stations),
            "locations" => translate_location(l, &get, stations),
            _ => translate_other(l, &get, config),
        };
        match result {
            Ok((mut fields, own_is_caller)) => {
                for &c in &extra_cols {
                    fields.push(cells.get(c).cloned().unwrap_or_default());
                }
                out.rows.push(Translated {
                    row,
                    fields,
                    own_is_caller,
                })
            }
            Err(reason) => out.rejects.push((row, reason, cells.clone())),
        }
    }
    out
}

type Fields = (Vec<String>, Option<bool>);

/// A data row's cells by field.
struct RowView<'a> {
    l: &'a Located,
    cells: &'a [String],
}

impl RowView<'_> {
    fn get(&self, field: &str) -> &str {
        self.l
            .col(field)
            .and_then(|c| self.cells.get(c))
            .map_or("", |s| s.trim())
    }
}

fn translate_call(
    l: &Located,
    get: &RowView<'_>,
    config: &IngestConfig,
    stations: &Stations,
) -> Result<Fields, String> {
    let mut f = vec![String::new(); FileSpec::CALLS.columns.len()];
    let start = get.get("start");
    if start.is_empty() {
        return Err("column \"start\": expected a value, found an empty field".into());
    }
    f[2] = values::time(start, &config.clock).map_err(|e| format!("column \"start\": {e}"))?;
    f[3] = values::duration(get.get("duration_s"))
        .map_err(|e| format!("column \"duration_s\": {e}"))?;
    let own_cell = if l.has("cell") {
        values::cell(get.get("cell"), l.is_hex("cell"))
            .map_err(|e| format!("column \"cell\": {e}"))?
    } else if l.has("lac") || l.has("ci") {
        values::lac_ci(
            get.get("lac"),
            get.get("ci"),
            (l.is_hex("lac"), l.is_hex("ci")),
        )?
    } else {
        String::new()
    };
    let own_cell = stations.ids.get(&own_cell).cloned().unwrap_or(own_cell);
    let own_imei = get.get("imei").to_string();
    if l.is_bill() {
        let own = match &l.own_number {
            Some(OwnNumber::Column) => get.get("own_number").to_string(),
            Some(OwnNumber::Title(n)) | Some(OwnNumber::FileName(n)) => {
                let col = get.get("own_number");
                if col.is_empty() {
                    n.clone()
                } else {
                    col.to_string()
                }
            }
            None => String::new(),
        };
        let other = get.get("other_number").to_string();
        let (kind, own_is_caller) = values::direction(get.get("direction"), get.get("kind"))?;
        f[4] = kind.as_str().to_string();
        let (caller, callee, loc, imei) = if own_is_caller {
            (0, 1, 5, 7)
        } else {
            (1, 0, 6, 8)
        };
        f[caller] = own;
        f[callee] = other;
        f[loc] = own_cell;
        f[imei] = own_imei;
        if f[0].is_empty() || f[1].is_empty() {
            let which = if own_is_caller == f[0].is_empty() {
                "own_number"
            } else {
                "other_number"
            };
            return Err(format!(
                "column {which:?}: expected a value, found an empty field"
            ));
        }
        return Ok((f, Some(own_is_caller)));
    }
    f[0] = get.get("caller").to_string();
    f[1] = get.get("callee").to_string();
    let kind = get.get("kind");
    f[4] = match kind.to_ascii_lowercase().as_str() {
        "" => String::new(),
        "语音" | "通话" | "电话" | "voice" | "call" => "voice".into(),
        "短信" | "彩信" | "sms" | "mms" | "text" => "sms".into(),
        "呼转" | "呼叫转移" | "forwarded" | "forward" => CallKind::Forwarded.as_str().into(),
        _ => kind.to_string(),
    };
    f[5] = if l.has("caller_location") {
        get.get("caller_location").to_string()
    } else {
        own_cell
    };
    f[6] = get.get("callee_location").to_string();
    f[7] = if l.has("caller_imei") {
        get.get("caller_imei").to_string()
    } else {
        own_imei
    };
    f[8] = get.get("callee_imei").to_string();
    Ok((f, None))
}

fn translate_location(
    l: &Located,
    get: &RowView<'_>,
    stations: &mut Stations,
) -> Result<Fields, String> {
    let spec = FileSpec::LOCATIONS;
    let mut f = vec![String::new(); spec.columns.len()];
    for (i, c) in spec.columns.iter().enumerate() {
        f[i] = get.get(c.name).to_string();
    }
    let key = if l.has("cell") {
        values::cell(get.get("cell"), l.is_hex("cell"))
            .map_err(|e| format!("column \"cell\": {e}"))?
    } else if l.has("lac") || l.has("ci") {
        values::lac_ci(
            get.get("lac"),
            get.get("ci"),
            (l.is_hex("lac"), l.is_hex("ci")),
        )?
    } else {
        String::new()
    };
    if f[0].is_empty() {
        f[0] = key.clone();
    } else if !key.is_empty() {
        stations.ids.entry(key).or_insert_with(|| f[0].clone());
    }
    Ok((f, None))
}

fn translate_other(
    l: &Located,
    get: &RowView<'_>,
    config: &IngestConfig,
) -> Result<Fields, String> {
    let spec = l.spec;
    let mut f = vec![String::new(); spec.columns.len()];
    for (i, c) in spec.columns.iter().enumerate() {
        let v = get.get(c.name);
        f[i] = match c.name {
            "dob" | "activated" | "deactivated" => {
                values::date(v).map_err(|e| format!("column {:?}: {e}", c.name))?
            }
            "time" if !v.is_empty() => {
                values::time(v, &config.clock).map_err(|e| format!("column \"time\": {e}"))?
            }
            "role" => values::role(v),
            "category" => values::category(v),
            "phones" | "aliases" | "accounts" => values::list(v),
            _ => v.to_string(),
        };
    }
    Ok((f, None))
}

/// A bill row on its way to being matched with its copy in the other
/// party's bill.
struct Leg {
    grid: usize,
    row: usize,
    caller: String,
    callee: String,
    kind: String,
    start: i64,
    duration: i64,
}

/// Match the copies of one call in two bills (see the module doc). Returns,
/// per grid, the rows dropped as the other party's copy: (row index, kept
/// grid, kept row index). Normalises the numbers to compare them, so two
/// spellings of one number meet.
pub fn merge_bills(
    grids: &mut [(&Located, Translation)],
    config: &IngestConfig,
) -> Vec<Vec<(usize, usize, usize)>> {
    let mut callers: Vec<Leg> = Vec::new();
    let mut callees: Vec<Leg> = Vec::new();
    for (g, (_, t)) in grids.iter().enumerate() {
        for (r, row) in t.rows.iter().enumerate() {
            let Some(own_is_caller) = row.own_is_caller else {
                continue;
            };
            let norm = |s: &str| config.phone_rules.normalise(s).ok();
            let (Some(caller), Some(callee)) = (norm(&row.fields[0]), norm(&row.fields[1])) else {
                continue;
            };
            let Ok(start) = config.clock.parse_time(&row.fields[2]) else {
                continue;
            };
            let duration = row.fields[3].parse::<i64>().unwrap_or(0);
            let leg = Leg {
                grid: g,
                row: r,
                caller,
                callee,
                kind: row.fields[4].clone(),
                start,
                duration,
            };
            if own_is_caller {
                callers.push(leg)
            } else {
                callees.push(leg)
            }
        }
    }
    let key = |l: &Leg| {
        (
            l.caller.clone(),
            l.callee.clone(),
            l.kind.clone(),
            l.start,
            l.grid,
            l.row,
        )
    };
    callers.sort_by_key(key);
    callees.sort_by_key(key);
    let mut dropped: Vec<Vec<(usize, usize, usize)>> = vec![Vec::new(); grids.len()];
    let mut used = vec![false; callees.len()];
    let mut lo = 0;
    for a in &callers {
        let same = |b: &Leg| (&b.caller, &b.callee, &b.kind).cmp(&(&a.caller, &a.callee, &a.kind));
        while lo < callees.len()
            && (same(&callees[lo]).is_lt()
                || (same(&callees[lo]).is_eq()
                    && callees[lo].start < a.start - MERGE_START_TOLERANCE_S))
        {
            lo += 1;
        }
        let mut j = lo;
        while j < callees.len()
            && same(&callees[j]).is_eq()
            && callees[j].start <= a.start + MERGE_START_TOLERANCE_S
        {
            let b = &callees[j];
            if !used[j]
                && b.grid != a.grid
                && (b.duration - a.duration).abs() <= MERGE_DURATION_TOLERANCE_S
            {
                used[j] = true;
                dropped[b.grid].push((b.row, a.grid, a.row));
                break;
            }
            j += 1;
        }
    }
    // Fill the kept copy's callee side from the dropped copy.
    for g in 0..dropped.len() {
        for &(row, kg, kr) in &dropped[g] {
            let (loc, imei) = (
                grids[g].1.rows[row].fields[6].clone(),
                grids[g].1.rows[row].fields[8].clone(),
            );
            let kept = &mut grids[kg].1.rows[kr].fields;
            if kept[6].is_empty() {
                kept[6] = loc;
            }
            if kept[8].is_empty() {
                kept[8] = imei;
            }
        }
        dropped[g].sort_unstable();
    }
    dropped
}

/// Read a located, translated grid through the contract's strict reader,
/// then put its ledger and rejects in terms of the grid's own rows. `base`
/// is the virtual line the grid's rows are numbered after; `merged` the
/// rows dropped as the other party's copy: (row, kept file and row).
#[allow(clippy::too_many_arguments)]
pub fn read_grid(
    l: &Located,
    t: Translation,
    merged: Vec<(u32, String, u32)>,
    base: u32,
    read: impl FnOnce(&mut Table, &mut Vec<RowError>) -> crate::error::Result<()>,
    rejects: &mut Vec<RowError>,
) -> crate::error::Result<(FileReport, SourceSegment)> {
    let place = l.grid.file.clone();
    let sheet = l.grid.sheet.clone();
    let merged_rows: std::collections::BTreeSet<u32> = merged.iter().map(|m| m.0).collect();
    let mut records = Vec::with_capacity(t.rows.len());
    for row in t.rows.iter().filter(|r| !merged_rows.contains(&r.row)) {
        let mut rec = ByteRecord::from(row.fields.iter().map(String::as_str).collect::<Vec<_>>());
        let mut pos = csv::Position::new();
        pos.set_line(base as u64 + row.row as u64);
        rec.set_position(Some(pos));
        records.push(rec);
    }
    let mut table = Table::from_records(
        place.clone(),
        PathBuf::from(&place),
        l.spec,
        t.extra.clone(),
        records,
    );
    let before = rejects.len();
    // Translation rejects first, in row order with the reader's below.
    read(&mut table, rejects)?;
    let mut report = table.ledger.report;
    for r in &mut rejects[before..] {
        r.position.line -= base as u64;
        r.position.sheet = sheet.clone();
    }
    for d in &mut report.duplicate_rows {
        d.line -= base;
        d.duplicate_of -= base;
    }
    let n_rejects = t.rejects.len() as u64;
    rejects.extend(t.rejects.into_iter().map(|(row, reason, raw)| RowError {
        position: Position {
            file: place.clone(),
            sheet: sheet.clone(),
            line: row as u64,
        },
        reason,
        raw,
    }));
    rejects[before..].sort_by_key(|r| r.position.line);
    report.rows_read += n_rejects + merged.len() as u64 + t.non_data.len() as u64;
    report.rejected += n_rejects;
    report.sheet = sheet.clone();
    report.table = l.spec.file.to_string();
    report.format = l.grid.format.clone();
    report.header_row = l.header_row;
    report.non_data = t.non_data.len() as u64;
    report.non_data_lines = t.non_data.iter().map(|(r, _)| *r).collect();
    report.merged = merged.len() as u64;
    report.merged_rows = merged
        .into_iter()
        .map(|(line, kept_file, kept_line)| Merged {
            line,
            kept_file,
            kept_line,
        })
        .collect();
    if !l.spec.keeps_extra {
        report.ignored_columns = l.unmapped();
    }
    let last = l
        .grid
        .len()
        .checked_sub(1)
        .map_or(0, |i| grid_row_number(&l.grid, i));
    let segment = SourceSegment {
        table: l.spec.file.to_string(),
        base,
        last: base + last,
        file: place,
        sheet,
    };
    Ok((report, segment))
}
