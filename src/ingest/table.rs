//! Reading one case file: find it, match its header to the contract (through
//! a column mapping if given), and hand out rows with their line numbers.
//! Whole-file problems (missing required column, not CSV, not UTF-8) are
//! errors; row problems become rejects. Exact duplicate rows are counted.

use super::columns::FileMapping;
use super::{Duplicate, FileReport};
use crate::error::{Error, Position, Result, RowError};
use csv::ByteRecord;
use rustc_hash::FxHashMap;
use std::path::{Path, PathBuf};

/// A column of the contract.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ColumnSpec {
    pub name: &'static str,
    pub required: bool,
}

const fn req(name: &'static str) -> ColumnSpec {
    ColumnSpec {
        name,
        required: true,
    }
}
const fn opt(name: &'static str) -> ColumnSpec {
    ColumnSpec {
        name,
        required: false,
    }
}

/// A case file of the contract and its columns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FileSpec {
    pub file: &'static str,
    pub columns: &'static [ColumnSpec],
    /// Whether columns outside the contract are kept as attributes.
    pub keeps_extra: bool,
}

impl FileSpec {
    pub const CALLS: FileSpec = FileSpec {
        file: "calls.csv",
        columns: &[
            req("caller"),
            req("callee"),
            req("start"),
            opt("duration_s"),
            opt("kind"),
            opt("caller_location"),
            opt("callee_location"),
            opt("caller_imei"),
            opt("callee_imei"),
        ],
        keeps_extra: false,
    };
    pub const PERSONS: FileSpec = FileSpec {
        file: "persons.csv",
        columns: &[
            req("person_id"),
            req("name"),
            opt("aliases"),
            opt("id_number"),
            opt("dob"),
            opt("phones"),
            opt("address"),
            opt("role"),
            opt("source"),
        ],
        keeps_extra: true,
    };
    pub const PHONES: FileSpec = FileSpec {
        file: "phones.csv",
        columns: &[
            req("number"),
            opt("subscriber_name"),
            opt("subscriber_id_number"),
            opt("imei"),
            opt("activated"),
            opt("deactivated"),
            opt("carrier"),
        ],
        keeps_extra: true,
    };
    pub const LOCATIONS: FileSpec = FileSpec {
        file: "locations.csv",
        columns: &[
            req("location_id"),
            opt("name"),
            opt("lat"),
            opt("lon"),
            opt("district"),
        ],
        keeps_extra: true,
    };
    pub const INCIDENTS: FileSpec = FileSpec {
        file: "incidents.csv",
        columns: &[
            req("incident_id"),
            req("time"),
            req("category"),
            opt("location_id"),
            opt("phones"),
            opt("victim_id"),
            opt("loss"),
            opt("accounts"),
        ],
        keeps_extra: true,
    };
    /// In the order they are read: places and people before the calls and
    /// incidents that refer to them.
    pub const ALL: &'static [FileSpec] = &[
        Self::LOCATIONS,
        Self::PERSONS,
        Self::PHONES,
        Self::CALLS,
        Self::INCIDENTS,
    ];

    /// `calls` for `calls.csv`: the table name in a column mapping.
    pub fn stem(&self) -> &'static str {
        self.file.trim_end_matches(".csv")
    }

    /// Position of a contract column in `columns`.
    pub fn col(&self, name: &str) -> usize {
        self.columns
            .iter()
            .position(|c| c.name == name)
            .expect("a contract column")
    }
}

/// An open case file with its header resolved.
pub struct Table {
    pub spec: FileSpec,
    /// The name used in messages (the file name as found in the case).
    pub name: String,
    pub path: PathBuf,
    pub size: u64,
    /// The rows, with their line numbers.
    pub rows: RowReader,
    /// For each contract column, its field index in the file.
    index: Vec<Option<usize>>,
    /// Columns outside the contract: field index and header.
    pub extra: Vec<(usize, String)>,
    n_fields: usize,
    /// What became of each row.
    pub ledger: Ledger,
}

/// Reads a file's records and gives each its physical line number.
pub struct RowReader {
    reader: csv::Reader<std::io::Cursor<FileBytes>>,
    /// Byte offset and line of the last record, for counting lines.
    line_mark: (usize, u64),
    name: String,
}

/// The account of a file's rows: kept, rejected, exact duplicates.
pub struct Ledger {
    name: String,
    pub dedupe: Deduper,
    pub report: FileReport,
}

/// Finds rows that repeat an earlier row of the file exactly, by a 128-bit
/// hash of their fields.
#[derive(Default)]
pub struct Deduper {
    seen: FxHashMap<u128, u32>,
}

impl Deduper {
    /// Room for `rows` rows without rehashing.
    pub fn reserve(&mut self, rows: usize) {
        self.seen.reserve(rows);
    }

    /// The line of the earlier copy when this row (at `line`) repeats one.
    /// Call once per row, in file order.
    pub fn check(&mut self, hash: u128, line: u32) -> Option<u32> {
        match self.seen.entry(hash) {
            std::collections::hash_map::Entry::Occupied(first) => Some(*first.get()),
            std::collections::hash_map::Entry::Vacant(slot) => {
                slot.insert(line);
                None
            }
        }
    }
}

/// Rows of absurd size are rejected rather than parsed.
pub const MAX_ROW_BYTES: usize = 1 << 20;

impl Table {
    /// Open `spec`'s file in `dir`. `Ok(None)` when the file is absent and
    /// optional.
    pub fn open(
        dir: &Path,
        spec: FileSpec,
        mapping: Option<&FileMapping>,
    ) -> Result<Option<Table>> {
        let name = mapping
            .and_then(|m| m.file.clone())
            .unwrap_or_else(|| spec.file.to_string());
        let path = dir.join(&name);
        let meta = match std::fs::metadata(&path) {
            Ok(m) => m,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                if spec.file == FileSpec::CALLS.file {
                    return Err(Error::UnreadableFile {
                        file: name,
                        reason: format!(
                            "expected the required file in {}, found none",
                            dir.display()
                        ),
                    });
                }
                return Ok(None);
            }
            Err(e) => return Err(Error::io(&path, e)),
        };
        if !meta.is_file() {
            return Err(Error::UnreadableFile {
                file: name,
                reason: "expected a CSV file, found a directory or special file".into(),
            });
        }
        let bytes = FileBytes::open(&path)?;
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .buffer_capacity(1 << 16)
            .from_reader(std::io::Cursor::new(bytes));
        let unreadable = |reason: String| Error::UnreadableFile {
            file: name.clone(),
            reason,
        };
        let mut header = ByteRecord::new();
        let got = reader
            .read_byte_record(&mut header)
            .map_err(|e| unreadable(format!("cannot read the header: {e}")))?;
        if !got {
            return Err(unreadable(
                "expected a header row, found an empty file".into(),
            ));
        }
        if header.as_slice().contains(&0) {
            return Err(unreadable(
                "expected CSV text, found binary data (NUL bytes) in the header".into(),
            ));
        }
        let mut names = Vec::with_capacity(header.len());
        for (i, field) in header.iter().enumerate() {
            let mut field = field;
            if i == 0 {
                field = field.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(field);
            }
            let text = std::str::from_utf8(field).map_err(|_| {
                unreadable(
                    "expected UTF-8 text, found other bytes in the header (a GBK export? convert it with iconv -f GBK -t UTF-8)"
                        .into(),
                )
            })?;
            names.push(text.trim().to_string());
        }
        let mut index = Vec::with_capacity(spec.columns.len());
        let mut missing = Vec::new();
        for col in spec.columns {
            let wanted = mapping
                .and_then(|m| m.columns.get(col.name))
                .map(String::as_str)
                .unwrap_or(col.name);
            let hits: Vec<usize> = names
                .iter()
                .enumerate()
                .filter(|(_, n)| n.eq_ignore_ascii_case(wanted))
                .map(|(i, _)| i)
                .collect();
            if hits.len() > 1 {
                return Err(unreadable(format!(
                    "expected one column named {wanted:?}, found {}",
                    hits.len()
                )));
            }
            if hits.is_empty() && col.required {
                missing.push(if wanted == col.name {
                    format!("{wanted:?}")
                } else {
                    format!("{wanted:?} (for {})", col.name)
                });
            }
            index.push(hits.first().copied());
        }
        if !missing.is_empty() {
            return Err(unreadable(format!(
                "expected required column {}, found header {}",
                missing.join(", "),
                names
                    .iter()
                    .map(|n| format!("{n:?}"))
                    .collect::<Vec<_>>()
                    .join(",")
            )));
        }
        let extra: Vec<(usize, String)> = names
            .iter()
            .enumerate()
            .filter(|(i, _)| !index.contains(&Some(*i)))
            .map(|(i, n)| (i, n.clone()))
            .collect();
        let report = FileReport {
            file: name.clone(),
            present: true,
            ignored_columns: if spec.keeps_extra {
                Vec::new()
            } else {
                extra.iter().map(|(_, n)| n.clone()).collect()
            },
            kept_columns: if spec.keeps_extra {
                extra.iter().map(|(_, n)| n.clone()).collect()
            } else {
                Vec::new()
            },
            ..FileReport::default()
        };
        Ok(Some(Table {
            spec,
            name: name.clone(),
            path,
            size: meta.len(),
            rows: RowReader {
                reader,
                line_mark: (0, 1),
                name: name.clone(),
            },
            index,
            extra,
            n_fields: names.len(),
            ledger: Ledger {
                name,
                dedupe: Deduper::default(),
                report,
            },
        }))
    }

    /// A view on a screened row's contract fields.
    pub fn row<'r>(&'r self, rec: &'r ByteRecord) -> Row<'r> {
        Row { table: self, rec }
    }

    /// Read every row with `parse`, keeping, rejecting or counting each as a
    /// duplicate. For the small files; calls.csv has its own parallel loop.
    pub fn for_each_row(
        &mut self,
        rejects: &mut Vec<RowError>,
        mut parse: impl FnMut(&Row<'_>) -> Result<(), String>,
    ) -> Result<()> {
        let mut buf = Vec::new();
        loop {
            let n = self.rows.read_chunk(&mut buf, 4096)?;
            if n == 0 {
                break;
            }
            for rec in &buf[..n] {
                let shape = self.shape().check(rec);
                match self.ledger.screen(rec, row_hash(rec), shape) {
                    Screen::Duplicate => {}
                    Screen::Reject(reason) => self.ledger.reject(rec, reason, rejects),
                    Screen::Read => match parse(&self.row(rec)) {
                        Ok(()) => self.ledger.keep(),
                        Err(reason) => self.ledger.reject(rec, reason, rejects),
                    },
                }
            }
        }
        Ok(())
    }
}

impl RowReader {
    /// Bytes read so far, for progress.
    pub fn bytes_read(&self) -> u64 {
        self.reader.position().byte()
    }

    /// Read up to `max` more rows into `buf`, reusing its records'
    /// allocations; returns how many were read (0 at the end).
    pub fn read_chunk(&mut self, buf: &mut Vec<ByteRecord>, max: usize) -> Result<usize> {
        let mut n = 0;
        while n < max {
            if n == buf.len() {
                buf.push(ByteRecord::new());
            }
            match self.reader.read_byte_record(&mut buf[n]) {
                Ok(true) => {
                    let mut rec = std::mem::take(&mut buf[n]);
                    self.fix_line(&mut rec);
                    buf[n] = rec;
                    n += 1;
                }
                Ok(false) => break,
                Err(e) => {
                    return Err(Error::UnreadableFile {
                        file: self.name.clone(),
                        reason: format!("cannot read past line {}: {e}", self.line_mark.1),
                    })
                }
            }
        }
        Ok(n)
    }

    /// The csv reader's line numbers are off after CRLF endings and blank
    /// lines (it counts the line where it started looking, not where the
    /// record starts), so lines are counted here from the bytes: the record
    /// starts at the first byte after its reported offset that is not a line
    /// ending.
    fn fix_line(&mut self, rec: &mut ByteRecord) {
        let Some(pos) = rec.position().cloned() else {
            return;
        };
        let data = self.reader.get_ref().get_ref().as_ref();
        let mut start = (pos.byte() as usize).min(data.len());
        while start < data.len() && (data[start] == b'\n' || data[start] == b'\r') {
            start += 1;
        }
        let (mark, line) = self.line_mark;
        let from = mark.min(start);
        let line = line + memchr::memchr_iter(b'\n', &data[from..start]).count() as u64;
        self.line_mark = (start, line);
        let mut fixed = csv::Position::new();
        fixed
            .set_byte(start as u64)
            .set_line(line)
            .set_record(pos.record());
        rec.set_position(Some(fixed));
    }
}

impl Ledger {
    /// Check a row's shape and whether it repeats an earlier row exactly.
    /// Call once per row, in file order, before looking at its fields.
    pub fn screen(&mut self, rec: &ByteRecord, hash: u128, shape: Result<(), String>) -> Screen {
        let line = line_of(rec);
        if let Some(first) = self.dedupe.check(hash, line) {
            self.duplicate(line, first);
            return Screen::Duplicate;
        }
        self.report.rows_read += 1;
        match shape {
            Ok(()) => Screen::Read,
            Err(reason) => Screen::Reject(reason),
        }
    }

    /// Count a row found by [`Deduper::check`] to repeat line `first`.
    pub fn duplicate(&mut self, line: u32, first: u32) {
        self.report.rows_read += 1;
        self.report.duplicates += 1;
        self.report.duplicate_rows.push(Duplicate {
            line,
            duplicate_of: first,
        });
    }

    /// Count a row whose shape was checked outside [`Ledger::screen`].
    pub fn read(&mut self) {
        self.report.rows_read += 1;
    }

    pub fn keep(&mut self) {
        self.report.kept += 1;
    }

    pub fn reject(&mut self, rec: &ByteRecord, reason: String, rejects: &mut Vec<RowError>) {
        self.report.rejected += 1;
        rejects.push(RowError {
            position: Position {
                file: self.name.clone(),
                line: line_of(rec) as u64,
            },
            reason,
            raw: rec
                .iter()
                .map(|f| String::from_utf8_lossy(f).into_owned())
                .collect(),
        });
    }
}

/// What [`Ledger::screen`] found.
pub enum Screen {
    Read,
    Duplicate,
    Reject(String),
}

/// The 1-based line a record starts on (the header is line 1).
pub fn line_of(rec: &ByteRecord) -> u32 {
    rec.position().map(|p| p.line() as u32).unwrap_or(0)
}

/// A 128-bit hash of a row's fields, for exact-duplicate detection.
pub fn row_hash(rec: &ByteRecord) -> u128 {
    // The fields' bytes in one pass, seeded by their lengths so that
    // `a,bc` and `ab,c` differ.
    let lengths = rec.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, f| {
        (h ^ (f.len() as u64 + 1)).wrapping_mul(0x100_0000_01b3)
    });
    xxhash_rust::xxh3::xxh3_128_with_seed(rec.as_slice(), lengths)
}

impl Table {
    /// The row-shape check of this file, to run on rows in parallel before
    /// [`Ledger::screen`].
    pub fn shape(&self) -> Shape {
        Shape {
            n_fields: self.n_fields,
        }
    }
}

/// A row's shape as the header demands: field count, size, UTF-8.
#[derive(Debug, Clone, Copy)]
pub struct Shape {
    n_fields: usize,
}

impl Shape {
    pub fn check(&self, rec: &ByteRecord) -> Result<(), String> {
        check_shape(rec, self.n_fields)
    }
}

fn check_shape(rec: &ByteRecord, n_fields: usize) -> Result<(), String> {
    let bytes = rec.as_slice().len();
    if bytes > MAX_ROW_BYTES {
        return Err(format!(
            "expected a row of at most {MAX_ROW_BYTES} bytes, found {bytes}"
        ));
    }
    if rec.len() != n_fields {
        return Err(format!(
            "expected {n_fields} fields as in the header, found {}",
            rec.len()
        ));
    }
    if std::str::from_utf8(rec.as_slice()).is_err() {
        return Err("expected UTF-8 text, found other bytes (a GBK export? convert it with iconv -f GBK -t UTF-8)".into());
    }
    Ok(())
}

/// A row's fields by contract column name. Values are trimmed; a column the
/// file does not have reads as empty.
pub struct Row<'r> {
    table: &'r Table,
    rec: &'r ByteRecord,
}

impl<'r> Row<'r> {
    pub fn line(&self) -> u32 {
        line_of(self.rec)
    }
    /// The value of contract column number `col` (see [`FileSpec::col`]).
    pub fn at(&self, col: usize) -> &'r str {
        field(self.rec, self.table.index[col])
    }
    pub fn get(&self, name: &str) -> &'r str {
        self.at(self.table.spec.col(name))
    }
    /// A required column's value, or the reject reason.
    pub fn required(&self, name: &str) -> Result<&'r str, String> {
        let v = self.get(name);
        if v.is_empty() {
            Err(format!(
                "column {name:?}: expected a value, found an empty field"
            ))
        } else {
            Ok(v)
        }
    }
    /// Values of columns outside the contract: (header, value).
    pub fn extra(&self) -> impl Iterator<Item = (&'r str, &'r str)> + '_ {
        let rec = self.rec;
        self.table
            .extra
            .iter()
            .map(move |(i, name)| (name.as_str(), field(rec, Some(*i))))
    }
}

/// Field `i` of an already UTF-8-checked record, trimmed.
pub fn field(rec: &ByteRecord, i: Option<usize>) -> &str {
    match i.and_then(|i| rec.get(i)) {
        Some(bytes) => std::str::from_utf8(bytes).map(str::trim).unwrap_or(""),
        None => "",
    }
}

/// Index of contract column `col` in the file, for the calls loop.
impl Table {
    pub fn field_index(&self, col: usize) -> Option<usize> {
        self.index[col]
    }
}

/// Split a `;`-separated list field into its trimmed, non-empty items.
pub fn list_items(value: &str) -> impl Iterator<Item = &str> {
    value.split(';').map(str::trim).filter(|s| !s.is_empty())
}

/// A case file's bytes: memory-mapped (so a 2 GB calls.csv is not copied
/// into the heap), or read into memory when mapping is not possible.
pub struct FileBytes(FileBytesInner);

enum FileBytesInner {
    Mapped(memmap2::Mmap),
    Owned(Vec<u8>),
}

impl FileBytes {
    fn open(path: &Path) -> Result<Self> {
        let file = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
        let len = file.metadata().map_err(|e| Error::io(path, e))?.len();
        if len > 0 {
            // SAFETY: the map is only read. A case file truncated by another
            // process while casegraph reads it can fault; case files are
            // evidence copies that nothing else writes while they are read.
            if let Ok(map) = unsafe { memmap2::Mmap::map(&file) } {
                return Ok(FileBytes(FileBytesInner::Mapped(map)));
            }
        }
        let mut bytes = Vec::new();
        std::io::Read::read_to_end(&mut &file, &mut bytes).map_err(|e| Error::io(path, e))?;
        Ok(FileBytes(FileBytesInner::Owned(bytes)))
    }
}

impl AsRef<[u8]> for FileBytes {
    fn as_ref(&self) -> &[u8] {
        match &self.0 {
            FileBytesInner::Mapped(m) => m,
            FileBytesInner::Owned(v) => v,
        }
    }
}
