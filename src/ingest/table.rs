//! Reading one case file: find it, match its header to the contract (through
//! a column mapping if given), and hand out rows with their line numbers.
//! Whole-file problems (missing required column, not CSV, not UTF-8) are
//! errors; row problems become rejects. Exact duplicate rows are counted.
//!
//! Limits, so that a hostile file costs bounded memory and time: a row of
//! more than [`MAX_ROW_BYTES`] is rejected without ever being held whole
//! (see [`RowReader`]), a header of more than [`MAX_COLUMNS`] columns (or
//! over the row limit) is an error, and a rejected row's fields are kept
//! for the rejects file only up to [`MAX_COLUMNS`] of them.

use super::columns::FileMapping;
// The contract lives in `super::spec`; these names stay valid here.
pub use super::spec::{ColumnSpec, FileSpec};
use super::{Duplicate, FileReport};
use crate::error::{Error, Position, Result, RowError};
use csv::ByteRecord;
use std::path::{Path, PathBuf};

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
///
/// Memory stays bounded whatever the file holds: the csv reader is never
/// handed more than [`MAX_ROW_BYTES`] past the start of the record it is
/// reading ([`Guarded`]), so a 500 MB line (or an unclosed quote that runs
/// to the end of the file) stops it there; the rest of that record is
/// skipped by a scan that keeps nothing, and the record is handed on as a
/// short stand-in that [`Shape::check`] rejects with the row's true size.
pub struct RowReader {
    reader: csv::Reader<Guarded>,
    /// Rows already read and translated (a delivered file, see
    /// [`super::delivered`]), handed out instead of parsing `reader`.
    held: Option<std::vec::IntoIter<ByteRecord>>,
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
/// hash of their fields. An open-addressing table with linear probing,
/// placed by the hash's low bits (the hash is uniform already): each slot
/// is `[low half, high half, line | USED]`, all zero when empty, so a new
/// table costs no writes. A table of millions of rows is far bigger than
/// the caches, so [`Deduper::check_all`] first touches the slots of a whole
/// batch of rows, letting the processor wait for many of them at once
/// instead of one after another.
#[derive(Default)]
pub struct Deduper {
    slots: Vec<[u64; 3]>,
    len: usize,
}

/// Marks a used slot's third word (lines fit in 32 bits).
const USED: u64 = 1 << 32;

impl Deduper {
    /// Room for `rows` more rows without growing.
    pub fn reserve(&mut self, rows: usize) {
        let need = (self.len + rows).saturating_mul(8) / 7 + 1;
        if need > self.slots.len() {
            self.grow_to(need.next_power_of_two().max(16));
        }
    }

    fn grow_to(&mut self, n_slots: usize) {
        let old = std::mem::replace(&mut self.slots, vec![[0u64; 3]; n_slots]);
        let mask = n_slots - 1;
        for slot in old.into_iter().filter(|s| s[2] & USED != 0) {
            let mut i = slot[0] as usize & mask;
            while self.slots[i][2] & USED != 0 {
                i = (i + 1) & mask;
            }
            self.slots[i] = slot;
        }
    }

    /// The line of the earlier copy when this row (at `line`) repeats one.
    /// Call once per row, in file order.
    pub fn check(&mut self, hash: u128, line: u32) -> Option<u32> {
        if (self.len + 1) * 8 > self.slots.len() * 7 {
            self.grow_to((self.slots.len() * 2).max(16));
        }
        let (lo, hi) = (hash as u64, (hash >> 64) as u64);
        let mask = self.slots.len() - 1;
        let mut i = lo as usize & mask;
        loop {
            let slot = &mut self.slots[i];
            if slot[2] & USED == 0 {
                *slot = [lo, hi, line as u64 | USED];
                self.len += 1;
                return None;
            }
            if slot[0] == lo && slot[1] == hi {
                return Some(slot[2] as u32);
            }
            i = (i + 1) & mask;
        }
    }

    /// [`Deduper::check`] of each row of a batch (hash, line), in order.
    pub fn check_all(&mut self, rows: &[(u128, u32)]) -> Vec<Option<u32>> {
        self.reserve(rows.len());
        let mask = self.slots.len() - 1;
        // Independent loads: the processor overlaps their cache misses.
        let touched = rows.iter().fold(0u64, |acc, &(h, _)| {
            acc ^ self.slots[h as u64 as usize & mask][2]
        });
        std::hint::black_box(touched);
        rows.iter().map(|&(h, line)| self.check(h, line)).collect()
    }
}

/// Rows of absurd size are rejected rather than parsed (a row's field
/// bytes, without quotes and delimiters).
pub const MAX_ROW_BYTES: usize = 1 << 20;
/// A header with more columns than this is not a case file.
pub const MAX_COLUMNS: usize = 4096;

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
        Self::from_bytes(name, path, spec, mapping, bytes).map(Some)
    }

    /// A case file already in memory (or mapped), named `name` in messages.
    pub fn from_bytes(
        name: String,
        path: PathBuf,
        spec: FileSpec,
        mapping: Option<&FileMapping>,
        bytes: FileBytes,
    ) -> Result<Table> {
        let size = bytes.as_ref().len() as u64;
        let mut rows = RowReader::new(bytes, name.clone());
        let names = read_header(&mut rows, &name)?;
        let index = find_columns(&spec, mapping, &names, &name)?;
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
        Ok(Table {
            spec,
            name: name.clone(),
            path,
            size,
            rows,
            index,
            extra,
            n_fields: names.len(),
            ledger: Ledger {
                name,
                dedupe: Deduper::default(),
                report,
            },
        })
    }

    /// A table of rows already read from a delivered file and translated
    /// into the contract's columns (in `spec.columns` order, then `extra`
    /// headers). Each record's position carries its line number.
    pub fn from_records(
        name: String,
        path: PathBuf,
        spec: FileSpec,
        extra: Vec<String>,
        records: Vec<ByteRecord>,
    ) -> Table {
        let size = records.iter().map(|r| r.as_slice().len() as u64).sum();
        let mut rows = RowReader::new(FileBytes::from(Vec::new()), name.clone());
        rows.held = Some(records.into_iter());
        let n = spec.columns.len();
        let report = FileReport {
            file: name.clone(),
            present: true,
            kept_columns: if spec.keeps_extra {
                extra.clone()
            } else {
                Vec::new()
            },
            ignored_columns: if spec.keeps_extra {
                Vec::new()
            } else {
                extra.clone()
            },
            ..FileReport::default()
        };
        Table {
            spec,
            name: name.clone(),
            path,
            size,
            rows,
            index: (0..n).map(Some).collect(),
            extra: if spec.keeps_extra {
                extra
                    .into_iter()
                    .enumerate()
                    .map(|(i, h)| (n + i, h))
                    .collect()
            } else {
                Vec::new()
            },
            n_fields: if spec.keeps_extra {
                n + extra_len(&report)
            } else {
                n
            },
            ledger: Ledger {
                name,
                dedupe: Deduper::default(),
                report,
            },
        }
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

/// The file `file` cannot be read as a table, for `reason`.
fn unreadable(file: &str, reason: String) -> Error {
    Error::UnreadableFile {
        file: file.to_string(),
        reason,
    }
}

/// Reads the header row and returns its column names, trimmed (a byte-order
/// mark before the first dropped); refuses an empty file, a header too long,
/// binary data, too many columns or text that is not UTF-8.
fn read_header(rows: &mut RowReader, file: &str) -> Result<Vec<String>> {
    let mut header = ByteRecord::new();
    let got = rows
        .next(&mut header)
        .map_err(|e| unreadable(file, format!("cannot read the header: {e}")))?;
    if !got {
        return Err(unreadable(
            file,
            "expected a header row, found an empty file".into(),
        ));
    }
    if let Some(size) = oversized(&header) {
        return Err(unreadable(file, format!(
            "expected a header row of at most {MAX_ROW_BYTES} bytes, found {size} bytes (not a CSV file?)"
        )));
    }
    if header.as_slice().contains(&0) {
        return Err(unreadable(
            file,
            "expected CSV text, found binary data (NUL bytes) in the header".into(),
        ));
    }
    if header.len() > MAX_COLUMNS {
        return Err(unreadable(
            file,
            format!(
                "expected at most {MAX_COLUMNS} columns, found {} in the header",
                header.len()
            ),
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
                file,
                "expected UTF-8 text, found other bytes in the header (a GBK export? convert it with iconv -f GBK -t UTF-8)"
                    .into(),
            )
        })?;
        names.push(text.trim().to_string());
    }
    Ok(names)
}

/// Where each of the contract's columns is in the header (under its own name
/// or the name the mapping gives it, any case); a column named twice, or a
/// required column missing, makes the file unreadable.
fn find_columns(
    spec: &FileSpec,
    mapping: Option<&FileMapping>,
    names: &[String],
    file: &str,
) -> Result<Vec<Option<usize>>> {
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
            return Err(unreadable(
                file,
                format!("expected one column named {wanted:?}, found {}", hits.len()),
            ));
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
        return Err(unreadable(
            file,
            format!(
                "expected required column {}, found header {}",
                missing.join(", "),
                names
                    .iter()
                    .map(|n| format!("{n:?}"))
                    .collect::<Vec<_>>()
                    .join(",")
            ),
        ));
    }
    Ok(index)
}

impl RowReader {
    fn new(bytes: FileBytes, name: String) -> Self {
        let reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .buffer_capacity(1 << 16)
            .from_reader(Guarded {
                end: bytes.as_ref().len(),
                bytes,
                at: 0,
                limit: 0,
            });
        RowReader {
            reader,
            held: None,
            line_mark: (0, 1),
            name,
        }
    }

    /// Whether the rows are records already read (a delivered file, see
    /// [`Table::from_records`]) rather than a file's bytes.
    pub fn is_held(&self) -> bool {
        self.held.is_some()
    }

    /// The line the last row read started on.
    pub fn last_line(&self) -> u64 {
        self.line_mark.1
    }

    /// Record that the file's last row, read by pieces (see
    /// [`RowReader::piece`]), starts at `byte` on line `line`.
    pub fn set_last(&mut self, byte: u64, line: u64) {
        self.line_mark = (byte as usize, line);
    }

    /// The whole file's bytes (for readers that split it among processes).
    pub fn bytes(&self) -> &[u8] {
        self.reader.get_ref().bytes.as_ref()
    }

    /// Go to byte `byte`, the start of a record on physical line `line`,
    /// to read from there (a process reading its share of the file).
    pub fn seek_to(&mut self, byte: u64, line: u64) -> Result<()> {
        let mut pos = csv::Position::new();
        pos.set_byte(byte).set_line(line).set_record(0);
        self.reader
            .seek_raw(std::io::SeekFrom::Start(byte), pos)
            .map_err(|e| Error::UnreadableFile {
                file: self.name.clone(),
                reason: format!("cannot go to byte {byte}: {e}"),
            })?;
        self.line_mark = (byte as usize, line);
        Ok(())
    }

    /// A reader of this file's records from byte `start` (the start of a
    /// record on physical line `line`) to byte `end`, which it takes for
    /// the end of the file: `end` must be the end of a record (or of the
    /// file). Several of them read one file's pieces in parallel; each
    /// record comes out exactly as from this reader (same bytes, same
    /// absolute position and line, same stand-in for an oversized row).
    pub fn piece(&self, start: usize, line: u64, end: usize) -> Result<RowReader> {
        let bytes = self.reader.get_ref().bytes.clone();
        let end = end.min(bytes.as_ref().len());
        let mut piece = RowReader::new(bytes, self.name.clone());
        piece.reader.get_mut().end = end;
        // Headers set by hand, so that seeking does not read one (the csv
        // reader reads its first record as headers before a seek).
        piece.reader.set_byte_headers(ByteRecord::new());
        piece.seek_to(start as u64, line)?;
        Ok(piece)
    }

    /// Let go of the mapped pages of `start..end` of the file, bytes this
    /// reader has read past (see [`FileBytes::release`]).
    pub fn release(&self, start: usize, end: usize) {
        self.reader.get_ref().bytes.release(start, end);
    }

    /// Bytes read so far, for progress.
    pub fn bytes_read(&self) -> u64 {
        self.reader.position().byte()
    }

    /// Read up to `max` more rows into `buf`, reusing its records'
    /// allocations; returns how many were read (0 at the end). A chunk
    /// also ends once it holds [`CHUNK_BYTES`], so the rows in flight take
    /// bounded memory even when every row is near the size limit.
    pub fn read_chunk(&mut self, buf: &mut Vec<ByteRecord>, max: usize) -> Result<usize> {
        let mut n = 0;
        let mut bytes = 0;
        while n < max && bytes < CHUNK_BYTES {
            if n == buf.len() {
                buf.push(ByteRecord::new());
            } else if buf[n].as_slice().len() > REUSE_RECORD_BYTES {
                // Do not keep a big row's buffer around for the next chunk.
                buf[n] = ByteRecord::new();
            }
            match self.next(&mut buf[n]) {
                Ok(true) => {
                    bytes += buf[n].as_slice().len();
                    n += 1;
                }
                Ok(false) => break,
                Err(reason) => {
                    return Err(Error::UnreadableFile {
                        file: self.name.clone(),
                        reason: format!("cannot read past line {}: {reason}", self.line_mark.1),
                    })
                }
            }
        }
        Ok(n)
    }

    /// Read every record left (to the end of the file or piece) onto the
    /// end of `out`, into records taken from `spare` while it has any.
    pub fn read_to_end(
        &mut self,
        out: &mut Vec<ByteRecord>,
        spare: &mut Vec<ByteRecord>,
    ) -> Result<()> {
        loop {
            let mut rec = spare.pop().unwrap_or_default();
            match self.next(&mut rec) {
                Ok(true) => out.push(rec),
                Ok(false) => {
                    spare.push(rec);
                    return Ok(());
                }
                Err(reason) => {
                    return Err(Error::UnreadableFile {
                        file: self.name.clone(),
                        reason: format!("cannot read past line {}: {reason}", self.line_mark.1),
                    })
                }
            }
        }
    }

    /// Read the next record into `rec` with its line number; `false` at the
    /// end. A record over [`MAX_ROW_BYTES`] comes back as a stand-in (see
    /// [`oversized`]).
    fn next(&mut self, rec: &mut ByteRecord) -> std::result::Result<bool, String> {
        if let Some(held) = &mut self.held {
            return Ok(match held.next() {
                Some(r) => {
                    *rec = r;
                    true
                }
                None => false,
            });
        }
        let start = self.reader.position().clone();
        let from = start.byte() as usize;
        self.reader.get_mut().limit = from.saturating_add(MAX_ROW_BYTES + 1);
        match self.reader.read_byte_record(rec) {
            Ok(true) => {
                self.fix_line(rec);
                Ok(true)
            }
            Ok(false) => Ok(false),
            Err(e) if Guarded::stopped(&e) => {
                let data = self.reader.get_ref().data();
                let (end, long) = read_long_record(data, from, rec);
                let mut next = start.clone();
                next.set_byte(end as u64)
                    .set_record(start.record().saturating_add(1));
                self.reader
                    .seek_raw(std::io::SeekFrom::Start(end as u64), next)
                    .map_err(|e| e.to_string())?;
                match long {
                    LongRecord::End => Ok(false),
                    LongRecord::Fits => {
                        rec.set_position(Some(start));
                        self.fix_line(rec);
                        Ok(true)
                    }
                    LongRecord::Oversized(size) => {
                        rec.set_position(Some(start));
                        self.fix_line(rec);
                        let mut pos = rec.position().cloned().expect("set above");
                        pos.set_record(OVERSIZED | size as u64);
                        rec.set_position(Some(pos));
                        Ok(true)
                    }
                }
            }
            Err(e) => Err(e.to_string()),
        }
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
        let data = self.reader.get_ref().data();
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

/// The bytes in flight per chunk of rows (see [`RowReader::read_chunk`]).
pub const CHUNK_BYTES: usize = 32 << 20;
/// A record buffer that held a row longer than this is not reused.
pub const REUSE_RECORD_BYTES: usize = 4 << 10;
/// Bytes of an oversized row kept in its stand-in, for the reject message.
const OVERSIZED_PREVIEW: usize = 200;
/// Marks a stand-in in its position's record number; the low bits hold the
/// row's true size in bytes.
const OVERSIZED: u64 = 1 << 63;

/// The true size of a row that [`RowReader`] cut short (its stand-in holds
/// only the first bytes, as one field), or `None` for a row read whole.
pub fn oversized(rec: &ByteRecord) -> Option<usize> {
    let record = rec.position()?.record();
    (record & OVERSIZED != 0).then_some((record & !OVERSIZED) as usize)
}

/// The bytes of a case file as the csv reader sees them: it is never given
/// more than up to `limit` (an error instead), so no record it builds can
/// outgrow [`MAX_ROW_BYTES`] by more than a read buffer.
struct Guarded {
    bytes: FileBytes,
    /// Where the reader takes the file to end (a piece's end, see
    /// [`RowReader::piece`]; else the file's length).
    end: usize,
    at: usize,
    limit: usize,
}

#[derive(Debug)]
struct RowTooLong;

impl std::fmt::Display for RowTooLong {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "row longer than {MAX_ROW_BYTES} bytes")
    }
}

impl std::error::Error for RowTooLong {}

impl Guarded {
    /// The bytes up to [`Guarded::end`].
    fn data(&self) -> &[u8] {
        &self.bytes.as_ref()[..self.end]
    }

    /// Whether `e` is this reader stopping a record at its limit.
    fn stopped(e: &csv::Error) -> bool {
        matches!(e.kind(), csv::ErrorKind::Io(io) if io.get_ref().is_some_and(|inner| inner.is::<RowTooLong>()))
    }
}

impl std::io::Read for Guarded {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        let data = self.data();
        let end = data.len().min(self.limit.max(self.at));
        if self.at == end && end < data.len() {
            return Err(std::io::Error::other(RowTooLong));
        }
        let n = out.len().min(end - self.at);
        out[..n].copy_from_slice(&data[self.at..self.at + n]);
        self.at += n;
        Ok(n)
    }
}

impl std::io::Seek for Guarded {
    fn seek(&mut self, to: std::io::SeekFrom) -> std::io::Result<u64> {
        let len = self.end as i128;
        let at = match to {
            std::io::SeekFrom::Start(n) => n as i128,
            std::io::SeekFrom::End(d) => len + d as i128,
            std::io::SeekFrom::Current(d) => self.at as i128 + d as i128,
        };
        if !(0..=len).contains(&at) {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                "seek outside the file",
            ));
        }
        self.at = at as usize;
        Ok(self.at as u64)
    }
}

/// What [`read_long_record`] found.
enum LongRecord {
    /// Only blank lines were left.
    End,
    /// The record is within the limit after all (it followed many blank
    /// lines); it is in the record passed in.
    Fits,
    /// The record's field bytes, kept only up to a preview.
    Oversized(usize),
}

/// Read the record starting at byte `from` with csv-core, as the csv
/// reader would (same dialect: comma, double quote, CR/LF endings), keeping
/// at most [`MAX_ROW_BYTES`] of it; returns the byte after the record.
/// Memory: two fixed scratch buffers and at most the limit.
fn read_long_record(data: &[u8], from: usize, rec: &mut ByteRecord) -> (usize, LongRecord) {
    let mut core = csv_core::Reader::new();
    let mut out = vec![0u8; 1 << 16];
    let mut ends = vec![0usize; 1 << 10];
    let mut kept: Vec<u8> = Vec::new();
    let mut kept_ends: Vec<usize> = Vec::new();
    let mut size = 0usize;
    let mut at = from;
    rec.clear();
    loop {
        let (res, nin, nout, nend) = core.read_record(&data[at..], &mut out, &mut ends);
        at += nin;
        size += nout;
        if size <= MAX_ROW_BYTES {
            kept.extend_from_slice(&out[..nout]);
            kept_ends.extend_from_slice(&ends[..nend]);
        } else if kept.len() < OVERSIZED_PREVIEW {
            let room = OVERSIZED_PREVIEW - kept.len();
            kept.extend_from_slice(&out[..nout.min(room)]);
        }
        match res {
            csv_core::ReadRecordResult::InputEmpty
            | csv_core::ReadRecordResult::OutputFull
            | csv_core::ReadRecordResult::OutputEndsFull => continue,
            csv_core::ReadRecordResult::Record => break,
            csv_core::ReadRecordResult::End => return (data.len(), LongRecord::End),
        }
    }
    if size <= MAX_ROW_BYTES {
        let mut prev = 0;
        for &end in &kept_ends {
            rec.push_field(&kept[prev..end]);
            prev = end;
        }
        (at, LongRecord::Fits)
    } else {
        kept.truncate(OVERSIZED_PREVIEW);
        rec.push_field(&kept);
        (at, LongRecord::Oversized(size))
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
                sheet: None,
                line: line_of(rec) as u64,
            },
            reason,
            raw: raw_fields(rec),
        });
    }
}

/// A rejected row's fields for the rejects file. A row of more fields than
/// a header may have keeps the first [`MAX_COLUMNS`] and says how many more
/// there were (a row of a million empty fields would otherwise cost some
/// 24 MB of bookkeeping for one line).
fn raw_fields(rec: &ByteRecord) -> Vec<String> {
    let mut raw: Vec<String> = rec
        .iter()
        .take(MAX_COLUMNS)
        .map(|f| String::from_utf8_lossy(f).into_owned())
        .collect();
    if rec.len() > MAX_COLUMNS {
        raw.push(format!(
            "[{} more fields not kept]",
            rec.len() - MAX_COLUMNS
        ));
    }
    raw
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
    if oversized(rec).is_some() {
        // Only a preview of the row was kept, so two such rows cannot be
        // told apart: give each its own hash (from its offset), never a
        // duplicate.
        let at = rec.position().map_or(0, |p| p.byte());
        return xxhash_rust::xxh3::xxh3_128_with_seed(b"oversized row", at);
    }
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
    if let Some(bytes) = oversized(rec) {
        return Err(format!(
            "expected a row of at most {MAX_ROW_BYTES} bytes, found {bytes}"
        ));
    }
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

fn extra_len(report: &FileReport) -> usize {
    report.kept_columns.len()
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
#[derive(Clone)]
pub struct FileBytes(std::sync::Arc<FileBytesInner>);

enum FileBytesInner {
    Mapped(memmap2::Mmap),
    Owned(Vec<u8>),
}

impl FileBytes {
    /// Let go of the mapped pages of `start..end` (bytes already read and
    /// copied out): they leave this process's resident memory and stay in
    /// the page cache, to be mapped again from the file if touched. Only
    /// a hint: nothing happens for bytes held in memory.
    pub fn release(&self, start: usize, end: usize) {
        if let FileBytesInner::Mapped(map) = &*self.0 {
            let end = end.min(map.len());
            if start < end {
                // SAFETY: the map is read-only and backed by the file, so
                // dropping its pages loses nothing: a later read faults
                // them in again with the same bytes.
                let _ = unsafe {
                    map.unchecked_advise_range(
                        memmap2::UncheckedAdvice::DontNeed,
                        start,
                        end - start,
                    )
                };
            }
        }
    }

    pub fn open(path: &Path) -> Result<Self> {
        let file = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
        let len = file.metadata().map_err(|e| Error::io(path, e))?.len();
        if len > 0 {
            // SAFETY: the map is only read. A case file truncated by another
            // process while casegraph reads it can fault; case files are
            // evidence copies that nothing else writes while they are read.
            if let Ok(map) = unsafe { memmap2::Mmap::map(&file) } {
                return Ok(FileBytes(std::sync::Arc::new(FileBytesInner::Mapped(map))));
            }
        }
        let mut bytes = Vec::new();
        std::io::Read::read_to_end(&mut &file, &mut bytes).map_err(|e| Error::io(path, e))?;
        Ok(FileBytes::from(bytes))
    }
}

impl From<Vec<u8>> for FileBytes {
    fn from(bytes: Vec<u8>) -> Self {
        FileBytes(std::sync::Arc::new(FileBytesInner::Owned(bytes)))
    }
}

impl AsRef<[u8]> for FileBytes {
    fn as_ref(&self) -> &[u8] {
        match &*self.0 {
            FileBytesInner::Mapped(m) => m,
            FileBytesInner::Owned(v) => v,
        }
    }
}
