//! calls.csv: one row per call or text. The big file, so it is read in
//! chunks: the reader thread hands out raw records, the rows of a chunk are
//! parsed in parallel (number normalising and time parsing dominate), and
//! the parsed rows are then added in file order, so the result does not
//! depend on the number of threads.

use super::table::{
    line_of, row_hash, Deduper, Ledger, RowReader, Shape, Table, CHUNK_BYTES, REUSE_RECORD_BYTES,
};
use super::IngestConfig;
use crate::error::{Result, RowError};
use crate::graph::build::{text_key, TextKey};
use crate::graph::{CallEvent, CaseBuilder, NONE};
use crate::model::phone::phone_key;
use crate::model::{CallKind, Clock, PhoneRules, Time};
use csv::ByteRecord;
use rayon::prelude::*;

const CHUNK_ROWS: usize = 1 << 15;

/// A normalised number on the stack: `+` and at most 15 digits.
#[derive(Clone, Copy)]
struct PhoneKey {
    len: u8,
    bytes: [u8; 16],
}

impl PhoneKey {
    fn new(s: &str) -> Self {
        let mut bytes = [0u8; 16];
        bytes[..s.len()].copy_from_slice(s.as_bytes());
        PhoneKey {
            len: s.len() as u8,
            bytes,
        }
    }
    fn as_str(&self) -> &str {
        std::str::from_utf8(&self.bytes[..self.len as usize]).expect("normalised numbers are ASCII")
    }
}

struct ParsedCall {
    caller: PhoneKey,
    callee: PhoneKey,
    /// Lookup keys, computed here in parallel (see `CaseBuilder::phone_keyed`).
    phone_keys: [u64; 2],
    text_keys: [TextKey; 4],
    start: Time,
    duration_s: u32,
    kind: CallKind,
    /// Byte ranges in the record of caller_location, callee_location,
    /// caller_imei, callee_imei (trimmed; empty when absent).
    names: [(u32, u32); 4],
}

// Positions of the contract's call columns in `FileSpec::CALLS.columns`
// (checked by a test below).
const CALLER: usize = 0;
const CALLEE: usize = 1;
const START: usize = 2;
const DURATION_S: usize = 3;
const KIND: usize = 4;
const CALLER_LOCATION: usize = 5;
const CALLEE_LOCATION: usize = 6;
const CALLER_IMEI: usize = 7;
const CALLEE_IMEI: usize = 8;

/// Field indices of the contract's call columns in this file.
struct Columns([Option<usize>; 9]);

impl Columns {
    fn of(table: &Table) -> Self {
        let mut c = [None; 9];
        for (i, slot) in c.iter_mut().enumerate() {
            *slot = table.field_index(i);
        }
        Columns(c)
    }
    fn get<'a>(&self, rec: &'a ByteRecord, col: usize) -> &'a str {
        super::table::field(rec, self.0[col])
    }
}

fn number(
    name: &str,
    value: &str,
    rules: &PhoneRules,
    buf: &mut String,
) -> Result<PhoneKey, String> {
    if value.is_empty() {
        return Err(format!(
            "column {name:?}: expected a value, found an empty field"
        ));
    }
    rules
        .normalise_into(value, buf)
        .map_err(|e| format!("column {name:?}: {e}"))?;
    Ok(PhoneKey::new(buf))
}

fn parse_row(
    rec: &ByteRecord,
    cols: &Columns,
    rules: &PhoneRules,
    clock: &Clock,
    buf: &mut String,
) -> Result<ParsedCall, String> {
    let caller = number("caller", cols.get(rec, CALLER), rules, buf)?;
    let callee = number("callee", cols.get(rec, CALLEE), rules, buf)?;
    let start = cols.get(rec, START);
    if start.is_empty() {
        return Err("column \"start\": expected a value, found an empty field".into());
    }
    let start = clock
        .parse_time(start)
        .map_err(|e| format!("column \"start\": {e}"))?;
    let duration_s = match cols.get(rec, DURATION_S) {
        "" => 0,
        d => d.parse::<u32>().map_err(|_| {
            format!("column \"duration_s\": expected whole seconds >= 0, found {d:?}")
        })?,
    };
    let kind = match cols.get(rec, KIND) {
        "" => CallKind::Voice,
        k => CallKind::parse(k).ok_or_else(|| {
            format!(
                "column \"kind\": expected one of {}, found {k:?}",
                CallKind::expected()
            )
        })?,
    };
    let caller_location = cols.get(rec, CALLER_LOCATION);
    let callee_location = cols.get(rec, CALLEE_LOCATION);
    let caller_imei = cols.get(rec, CALLER_IMEI);
    let callee_imei = cols.get(rec, CALLEE_IMEI);
    Ok(ParsedCall {
        caller,
        callee,
        phone_keys: [phone_key(caller.as_str()), phone_key(callee.as_str())],
        text_keys: [
            text_key(caller_location),
            text_key(callee_location),
            text_key(caller_imei),
            text_key(callee_imei),
        ],
        start,
        duration_s,
        kind,
        names: [
            span(rec, caller_location),
            span(rec, callee_location),
            span(rec, caller_imei),
            span(rec, callee_imei),
        ],
    })
}

/// Where `value` (a slice of `rec`'s bytes) lies in the record.
fn span(rec: &ByteRecord, value: &str) -> (u32, u32) {
    if value.is_empty() {
        return (0, 0);
    }
    let start = value.as_ptr() as usize - rec.as_slice().as_ptr() as usize;
    (start as u32, (start + value.len()) as u32)
}

/// The text at a span of a record whose bytes were checked to be UTF-8.
fn at(rec: &ByteRecord, (a, b): (u32, u32)) -> &str {
    std::str::from_utf8(&rec.as_slice()[a as usize..b as usize]).expect("row checked as UTF-8")
}

/// One calls.csv row checked exactly as [`read`] checks it (the row's
/// shape, then its fields), for readers that split the file among
/// processes (`crate::dist`). Exact duplicates are the caller's to find,
/// with [`super::table::row_hash`].
pub struct CallChecker<'a> {
    cols: Columns,
    shape: Shape,
    config: &'a IngestConfig,
}

/// A call row that passed [`CallChecker::check`]: canonical numbers, start
/// on the case's clock, seconds and kind.
pub struct CheckedCall {
    caller: PhoneKey,
    callee: PhoneKey,
    pub start: Time,
    pub duration_s: u32,
    pub kind: CallKind,
}

impl CheckedCall {
    pub fn caller(&self) -> &str {
        self.caller.as_str()
    }
    pub fn callee(&self) -> &str {
        self.callee.as_str()
    }
}

impl<'a> CallChecker<'a> {
    /// The checks of `table` (an open calls.csv) under `config`.
    pub fn of(table: &Table, config: &'a IngestConfig) -> Self {
        CallChecker {
            cols: Columns::of(table),
            shape: table.shape(),
            config,
        }
    }

    /// The row's call, or the reason it is rejected (the same reason
    /// `casegraph ingest` gives).
    pub fn check(&self, rec: &ByteRecord, buf: &mut String) -> Result<CheckedCall, String> {
        self.shape.check(rec)?;
        let c = parse_row(
            rec,
            &self.cols,
            &self.config.phone_rules,
            &self.config.clock,
            buf,
        )?;
        Ok(CheckedCall {
            caller: c.caller,
            callee: c.callee,
            start: c.start,
            duration_s: c.duration_s,
            kind: c.kind,
        })
    }
}

/// A kept call with its phones, cells and handsets as indices into the
/// chunk's lists of first mentions (`NO_NODE` when absent).
struct KeptCall {
    phones: [u32; 2],
    cells: [u32; 2],
    handsets: [u32; 2],
    start: Time,
    duration_s: u32,
    kind: CallKind,
}

const NO_NODE: u32 = u32::MAX;

enum Outcome {
    Keep(KeptCall),
    Reject(String),
    Duplicate(u32),
}

/// Names first mentioned in a chunk, in order of first mention, so the
/// builder looks each distinct name up once per chunk instead of once per
/// mention.
struct FirstMentions<K> {
    index: rustc_hash::FxHashMap<K, u32>,
    /// The key, and where its text is: record index and byte span.
    list: Vec<(K, u32, (u32, u32))>,
}

impl<K> Default for FirstMentions<K> {
    fn default() -> Self {
        FirstMentions {
            index: Default::default(),
            list: Vec::new(),
        }
    }
}

impl<K: std::hash::Hash + Eq + Copy> FirstMentions<K> {
    /// The list, leaving as much room for the next chunk's.
    fn take_list(&mut self) -> Vec<(K, u32, (u32, u32))> {
        let room = self.list.len();
        std::mem::replace(&mut self.list, Vec::with_capacity(room))
    }
    /// Empty, keeping the room for the next chunk.
    fn clear(&mut self) {
        self.index.clear();
        self.list.clear();
    }

    fn local(&mut self, key: K, rec: usize, span: (u32, u32)) -> u32 {
        let next = self.list.len() as u32;
        *self.index.entry(key).or_insert_with(|| {
            self.list.push((key, rec as u32, span));
            next
        })
    }
}

/// The first mentions of a chunk's phones, cells and handsets; kept from
/// chunk to chunk for the room in their indexes.
#[derive(Default)]
struct Mentions {
    phones: FirstMentions<u64>,
    cells: FirstMentions<TextKey>,
    handsets: FirstMentions<TextKey>,
}

/// A chunk of rows on its way from the reader to the builder.
struct Chunk {
    records: Vec<ByteRecord>,
    n: usize,
    outcomes: Vec<Outcome>,
    phones: Vec<(u64, PhoneKey)>,
    cells: Vec<(TextKey, u32, (u32, u32))>,
    handsets: Vec<(TextKey, u32, (u32, u32))>,
}

/// Read calls.csv as a pipeline. A reader thread cuts the file into
/// windows of pieces that end at record boundaries ([`plan_window`]); the
/// pieces are tokenized, checked and parsed in parallel, while the previous
/// window's rows are, in file order, grouped into chunks in which exact
/// duplicates and the first mentions of each phone, cell and handset are
/// found. This thread meanwhile adds the previous chunk to the graph: one
/// lookup per distinct name per chunk, then one push per call. Chunks are a
/// fixed number of rows (or bytes), whatever the pieces and the number of
/// threads, so the result does not depend on either.
pub fn read(
    table: &mut Table,
    builder: &mut CaseBuilder,
    config: &IngestConfig,
    rejects: &mut Vec<RowError>,
) -> Result<()> {
    read_split(table, builder, config, rejects, SPLIT)
}

/// [`read`] with the file cut as `split` says.
fn read_split(
    table: &mut Table,
    builder: &mut CaseBuilder,
    config: &IngestConfig,
    rejects: &mut Vec<RowError>,
    split: Split,
) -> Result<()> {
    let cols = Columns::of(table);
    let shape = table.shape();
    let progress = &config.progress;
    progress.set_length(table.size);
    progress.set_message(table.name.clone());
    // Rough pre-sizing: a call row is some 80 bytes.
    builder
        .events
        .reserve((table.size / 80).min(1 << 28) as usize);
    let Table { rows, ledger, .. } = table;
    let mut dedupe = std::mem::take(&mut ledger.dedupe);
    dedupe.reserve((table.size / 80).min(1 << 28) as usize);
    let (full_tx, full_rx) = std::sync::mpsc::sync_channel::<Result<Chunk>>(1);
    let (empty_tx, empty_rx) = std::sync::mpsc::channel::<Vec<ByteRecord>>();
    let last = std::thread::scope(|scope| {
        let reader = ChunkReader {
            cols: &cols,
            shape,
            config,
            split,
        };
        let last = scope.spawn(move || reader.run(rows, &mut dedupe, full_tx, empty_rx));
        for chunk in full_rx {
            let records = add_chunk(builder, ledger, chunk?, rejects);
            let _ = empty_tx.send(records);
        }
        Ok::<_, crate::error::Error>(last.join().expect("the calls reader does not panic"))
    })?;
    if let (Some((byte, line)), false) = (last, table.rows.is_held()) {
        table.rows.set_last(byte, line);
    }
    progress.finish_and_clear();
    Ok(())
}

/// A record's row hash, shape check and parsed call, as the parallel parse
/// hands them to the in-order pass.
type ParsedRow = (u128, Result<(), String>, Result<ParsedCall, String>);

/// How calls.csv is cut for reading (see [`plan_window`]).
#[derive(Debug, Clone, Copy)]
struct Split {
    /// The bytes read as one piece, by one thread.
    piece_bytes: usize,
    /// Pieces per window: a window is read while the one before it is sifted.
    window_pieces: usize,
    /// `false` reads every window with one reader (as if it held a quote).
    pieces: bool,
}

/// The split `casegraph ingest` reads calls.csv with.
const SPLIT: Split = Split {
    piece_bytes: 1 << 20,
    window_pieces: 8,
    pieces: true,
};

/// How [`plan_window`] cuts the next window of the file.
#[derive(Debug, PartialEq, Eq)]
enum Window {
    /// Pieces (start, line of start, end), each ending at a record's end,
    /// to be read in parallel.
    Pieces(Vec<(usize, u64, usize)>),
    /// The window holds a quote, so a newline in it may be inside a quoted
    /// field: it is read by one reader, up to the first record ending at or
    /// after this byte.
    Sequential(usize),
}

/// Cut the bytes from `start` (a record start on physical line `line`) into
/// pieces of about `split.piece_bytes`, each ending just after a newline. Where
/// no quote occurs, every newline ends a record (the CSV reader ends a
/// record at a newline outside quotes; CR LF and blank lines included), so
/// each piece can be read on its own. A window with a quote anywhere in it
/// is read sequentially instead.
fn plan_window(data: &[u8], start: usize, line: u64, split: Split) -> Window {
    let len = data.len();
    let window_end = start.saturating_add(split.window_pieces * split.piece_bytes);
    if !split.pieces {
        return Window::Sequential(window_end);
    }
    let mut cuts = vec![start];
    for k in 1..=split.window_pieces {
        let prev = *cuts.last().expect("starts with start");
        if prev >= len {
            break;
        }
        let nominal = start.saturating_add(k * split.piece_bytes).max(prev + 1);
        let cut = if nominal >= len {
            len
        } else {
            memchr::memchr(b'\n', &data[nominal..]).map_or(len, |i| nominal + i + 1)
        };
        if cut > prev {
            cuts.push(cut);
        }
    }
    let end = *cuts.last().expect("starts with start");
    if memchr::memchr(b'"', &data[start..end]).is_some() {
        return Window::Sequential(window_end);
    }
    let mut pieces = Vec::with_capacity(cuts.len());
    let mut line = line;
    for w in cuts.windows(2) {
        pieces.push((w[0], line, w[1]));
        line += memchr::memchr_iter(b'\n', &data[w[0]..w[1]]).count() as u64;
    }
    Window::Pieces(pieces)
}

/// A piece's records, their parses, and the spare record buffers it did
/// not use.
type PieceRows = (Vec<ByteRecord>, Vec<ParsedRow>, Vec<ByteRecord>);

/// A window's rows, read and parsed, in file order; where the next window
/// starts (byte, line).
struct WindowRows {
    /// The rows of each piece, in file order.
    pieces: Vec<(Vec<ByteRecord>, Vec<ParsedRow>)>,
    next: (usize, u64),
}

impl WindowRows {
    fn is_empty(&self) -> bool {
        self.pieces.iter().all(|(r, _)| r.is_empty())
    }
    /// Where the window's last row starts.
    fn last_position(&self) -> Option<&csv::Position> {
        self.pieces
            .iter()
            .rev()
            .find_map(|(r, _)| r.last())
            .and_then(|r| r.position())
    }
}

/// The reader thread's side of [`read`]: what it needs to check and parse rows.
struct ChunkReader<'a> {
    cols: &'a Columns,
    shape: Shape,
    config: &'a IngestConfig,
    split: Split,
}

impl ChunkReader<'_> {
    /// Reads window after window (the next one while this one is sifted),
    /// groups the rows into chunks, sifts each in file order and sends it
    /// to the builder; stops at the end of the file, at a read error (which
    /// is sent on) or when the builder hangs up. Returns where the last row
    /// starts (byte, line), if any.
    fn run(
        &self,
        rows: &mut RowReader,
        dedupe: &mut Deduper,
        full_tx: std::sync::mpsc::SyncSender<Result<Chunk>>,
        empty_rx: std::sync::mpsc::Receiver<Vec<ByteRecord>>,
    ) -> Option<(u64, u64)> {
        // Record buffers back from the builder, to be read into again.
        let mut pool: Vec<ByteRecord> = Vec::new();
        let start = (rows.bytes_read() as usize, 0);
        // The header's line count: the line the first row may start on.
        let first_line = 1 + memchr::memchr_iter(b'\n', &rows.bytes()[..start.0]).count() as u64;
        let mut current = self.read_window(rows, (start.0, first_line), &mut pool);
        let mut grouper = Grouper::default();
        let mut last = None;
        loop {
            let window = match current {
                Ok(w) => w,
                Err(e) => {
                    let _ = full_tx.send(Err(e));
                    return None;
                }
            };
            let at_end = window.is_empty();
            if let Some(p) = window.last_position() {
                last = Some((p.byte(), p.line()));
            }
            let next_at = window.next;
            for records in empty_rx.try_iter() {
                pool.extend(
                    records
                        .into_iter()
                        .filter(|r| r.as_slice().len() <= REUSE_RECORD_BYTES),
                );
            }
            let (next, sent) = rayon::join(
                || {
                    if at_end {
                        Ok(WindowRows {
                            pieces: Vec::new(),
                            next: next_at,
                        })
                    } else {
                        self.read_window(&mut *rows, next_at, &mut pool)
                    }
                },
                || grouper.sift(window, at_end, dedupe, &full_tx),
            );
            if !sent || at_end {
                return last;
            }
            self.config.progress.set_position(next_at.0 as u64);
            current = next;
        }
    }

    /// The rows of the window starting at byte `at` on line `line`: read
    /// and parsed piece by piece in parallel, or read by `rows` and parsed
    /// in parallel when the window holds a quote. No rows only at the end
    /// of the file.
    fn read_window(
        &self,
        rows: &mut RowReader,
        (at, line): (usize, u64),
        pool: &mut Vec<ByteRecord>,
    ) -> Result<WindowRows> {
        let mut next = (at, line);
        loop {
            let window = self.read_one_window(rows, next, pool)?;
            if !window.is_empty() || rows.is_held() || window.next.0 >= rows.bytes().len() {
                return Ok(window);
            }
            // Only blank lines in this window: go on to the next.
            next = window.next;
        }
    }

    fn read_one_window(
        &self,
        rows: &mut RowReader,
        (at, line): (usize, u64),
        pool: &mut Vec<ByteRecord>,
    ) -> Result<WindowRows> {
        if rows.is_held() {
            // Rows of a delivered file, already read: a chunk's worth at a
            // time, parsed in parallel.
            let mut buf = std::mem::take(pool);
            let n = rows.read_chunk(&mut buf, CHUNK_ROWS)?;
            let records: Vec<ByteRecord> = buf.drain(..n).collect();
            *pool = buf;
            let parsed = self.parse(&records);
            return Ok(WindowRows {
                pieces: vec![(records, parsed)],
                next: (at, line),
            });
        }
        let data = rows.bytes();
        if at >= data.len() {
            return Ok(WindowRows {
                pieces: Vec::new(),
                next: (data.len(), line),
            });
        }
        match plan_window(data, at, line, self.split) {
            Window::Pieces(pieces) => {
                let next = pieces.last().map_or((at, line), |&(s, l, e)| {
                    (
                        e,
                        l + memchr::memchr_iter(b'\n', &data[s..e]).count() as u64,
                    )
                });
                let shared: &RowReader = rows;
                // Each piece reads into buffers from the pool first (some
                // 60 bytes a row at least).
                let work: Vec<((usize, u64, usize), Vec<ByteRecord>)> = pieces
                    .into_iter()
                    .map(|p| {
                        let want = (p.2 - p.0) / 60 + 1;
                        let spare = pool.split_off(pool.len().saturating_sub(want));
                        (p, spare)
                    })
                    .collect();
                let read: Vec<Result<PieceRows>> = work
                    .into_par_iter()
                    .map(|((start, line, end), mut spare)| {
                        let mut records = Vec::with_capacity((end - start) / 60 + 1);
                        shared
                            .piece(start, line, end)?
                            .read_to_end(&mut records, &mut spare)?;
                        let parsed = self.parse_seq(&records);
                        Ok((records, parsed, spare))
                    })
                    .collect();
                let mut out = WindowRows {
                    pieces: Vec::with_capacity(read.len()),
                    next,
                };
                for piece in read {
                    let (records, parsed, spare) = piece?;
                    pool.extend(spare);
                    out.pieces.push((records, parsed));
                }
                Ok(out)
            }
            Window::Sequential(until) => {
                rows.seek_to(at as u64, line)?;
                let mut records = Vec::new();
                let mut buf = std::mem::take(pool);
                while (rows.bytes_read() as usize) < until {
                    let n = rows.read_chunk(&mut buf, CHUNK_ROWS)?;
                    if n == 0 {
                        break;
                    }
                    records.extend(buf.drain(..n));
                }
                *pool = buf;
                let end = rows.bytes_read() as usize;
                let data = rows.bytes();
                let next = match records.last().and_then(|r| r.position()) {
                    Some(p) => {
                        let from = (p.byte() as usize).min(end);
                        (
                            end,
                            p.line() + memchr::memchr_iter(b'\n', &data[from..end]).count() as u64,
                        )
                    }
                    None => (data.len(), line),
                };
                let parsed = self.parse(&records);
                Ok(WindowRows {
                    pieces: vec![(records, parsed)],
                    next,
                })
            }
        }
    }

    /// [`Self::parse`] of one piece, on this thread.
    fn parse_seq(&self, records: &[ByteRecord]) -> Vec<ParsedRow> {
        let mut buf = String::with_capacity(24);
        records
            .iter()
            .map(|rec| self.parse_one(rec, &mut buf))
            .collect()
    }

    fn parse_one(&self, rec: &ByteRecord, buf: &mut String) -> ParsedRow {
        let config = self.config;
        let checked = self.shape.check(rec);
        let call = match &checked {
            Ok(()) => parse_row(rec, self.cols, &config.phone_rules, &config.clock, buf),
            Err(_) => Err(String::new()),
        };
        (row_hash(rec), checked, call)
    }

    /// Checks the shape of and parses each record, in parallel (number
    /// normalising and time parsing dominate), keeping file order.
    fn parse(&self, records: &[ByteRecord]) -> Vec<ParsedRow> {
        records
            .par_iter()
            .map_init(
                || String::with_capacity(24),
                |buf, rec| self.parse_one(rec, buf),
            )
            .collect()
    }
}

/// Groups the rows of successive windows into chunks of [`CHUNK_ROWS`]
/// rows (or [`CHUNK_BYTES`] of fields), as [`RowReader::read_chunk`] would
/// have cut them.
#[derive(Default)]
struct Grouper {
    records: Vec<ByteRecord>,
    parsed: Vec<ParsedRow>,
    bytes: usize,
    mentions: Mentions,
}

impl Grouper {
    /// Adds a window's rows, sifting and sending each chunk completed (and
    /// the rest at the end); `false` when the builder hung up.
    fn sift(
        &mut self,
        window: WindowRows,
        at_end: bool,
        dedupe: &mut Deduper,
        full_tx: &std::sync::mpsc::SyncSender<Result<Chunk>>,
    ) -> bool {
        let rows = window
            .pieces
            .into_iter()
            .flat_map(|(records, parsed)| records.into_iter().zip(parsed));
        for (rec, parsed) in rows {
            self.bytes += rec.as_slice().len();
            self.records.push(rec);
            self.parsed.push(parsed);
            if (self.records.len() >= CHUNK_ROWS || self.bytes >= CHUNK_BYTES)
                && !self.send(dedupe, full_tx)
            {
                return false;
            }
        }
        if at_end && !self.records.is_empty() {
            return self.send(dedupe, full_tx);
        }
        true
    }

    fn send(
        &mut self,
        dedupe: &mut Deduper,
        full_tx: &std::sync::mpsc::SyncSender<Result<Chunk>>,
    ) -> bool {
        let records = std::mem::replace(&mut self.records, Vec::with_capacity(CHUNK_ROWS));
        let parsed = std::mem::replace(&mut self.parsed, Vec::with_capacity(CHUNK_ROWS));
        self.bytes = 0;
        let n = records.len();
        let chunk = sift_chunk(records, n, parsed, dedupe, &mut self.mentions);
        full_tx.send(Ok(chunk)).is_ok()
    }
}

/// The in-order pass over a parsed chunk: exact duplicates of earlier rows,
/// rejected rows, and for kept calls the chunk-local numbers of their phones,
/// cells and handsets, each name listed at its first mention.
fn sift_chunk(
    records: Vec<ByteRecord>,
    n: usize,
    parsed: Vec<ParsedRow>,
    dedupe: &mut Deduper,
    mentions: &mut Mentions,
) -> Chunk {
    let Mentions {
        phones,
        cells,
        handsets,
    } = mentions;
    phones.clear();
    cells.clear();
    handsets.clear();
    let mut phone_keys: Vec<(u64, PhoneKey)> = Vec::with_capacity(phones.list.capacity());
    let mut outcomes = Vec::with_capacity(n);
    let rows: Vec<(u128, u32)> = records[..n]
        .iter()
        .zip(&parsed)
        .map(|(rec, p)| (p.0, line_of(rec)))
        .collect();
    let firsts = dedupe.check_all(&rows);
    for (i, ((_, checked, call), first)) in parsed.into_iter().zip(firsts).enumerate() {
        if let Some(first) = first {
            outcomes.push(Outcome::Duplicate(first));
            continue;
        }
        let c = match (checked, call) {
            (Err(reason), _) | (Ok(()), Err(reason)) => {
                outcomes.push(Outcome::Reject(reason));
                continue;
            }
            (Ok(()), Ok(c)) => c,
        };
        let mut phone = |key: u64, number: PhoneKey| {
            let before = phones.list.len();
            let local = phones.local(key, i, (0, 0));
            if phones.list.len() > before {
                phone_keys.push((key, number));
            }
            local
        };
        let caller = phone(c.phone_keys[0], c.caller);
        let callee = phone(c.phone_keys[1], c.callee);
        let name = |m: &mut FirstMentions<TextKey>, k: TextKey, span: (u32, u32)| {
            if span.0 == span.1 {
                NO_NODE
            } else {
                m.local(k, i, span)
            }
        };
        let t = c.text_keys;
        outcomes.push(Outcome::Keep(KeptCall {
            phones: [caller, callee],
            cells: [name(cells, t[0], c.names[0]), name(cells, t[1], c.names[1])],
            handsets: [
                name(handsets, t[2], c.names[2]),
                name(handsets, t[3], c.names[3]),
            ],
            start: c.start,
            duration_s: c.duration_s,
            kind: c.kind,
        }));
    }
    Chunk {
        records,
        n,
        outcomes,
        phones: phone_keys,
        cells: cells.take_list(),
        handsets: handsets.take_list(),
    }
}

/// The builder's side: looks each name first mentioned in the chunk up once,
/// then counts every row in the ledger and pushes each kept call; returns the
/// record buffers for the reader to reuse.
fn add_chunk(
    builder: &mut CaseBuilder,
    ledger: &mut Ledger,
    chunk: Chunk,
    rejects: &mut Vec<RowError>,
) -> Vec<ByteRecord> {
    let recs = &chunk.records;
    let phone_ids: Vec<u32> = chunk
        .phones
        .iter()
        .map(|(key, number)| builder.phone_keyed(*key, number.as_str()))
        .collect();
    let cell_ids: Vec<u32> = chunk
        .cells
        .iter()
        .map(|&(key, r, span)| builder.location_hashed(key, at(&recs[r as usize], span)))
        .collect();
    let handset_ids: Vec<u32> = chunk
        .handsets
        .iter()
        .map(|&(key, r, span)| builder.handset_hashed(key, at(&recs[r as usize], span)))
        .collect();
    let global = |ids: &[u32], local: u32| {
        if local == NO_NODE {
            NONE
        } else {
            ids[local as usize]
        }
    };
    for (rec, outcome) in recs[..chunk.n].iter().zip(chunk.outcomes) {
        let line = line_of(rec);
        match outcome {
            Outcome::Duplicate(first) => ledger.duplicate(line, first),
            Outcome::Reject(reason) => {
                ledger.read();
                ledger.reject(rec, reason, rejects);
            }
            Outcome::Keep(c) => {
                ledger.read();
                builder.events.push(CallEvent {
                    start: c.start,
                    caller: phone_ids[c.phones[0] as usize],
                    callee: phone_ids[c.phones[1] as usize],
                    duration_s: c.duration_s,
                    line,
                    caller_location: global(&cell_ids, c.cells[0]),
                    callee_location: global(&cell_ids, c.cells[1]),
                    caller_handset: global(&handset_ids, c.handsets[0]),
                    callee_handset: global(&handset_ids, c.handsets[1]),
                    kind: c.kind as u8,
                    _pad: [0; 7],
                });
                ledger.keep();
            }
        }
    }
    chunk.records
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph::CaseMeta;
    use crate::ingest::{FileReport, FileSpec, IngestReport};
    use proptest::prelude::*;

    const HEADER: &str = "caller,callee,start,duration_s,kind,caller_location,callee_location,caller_imei,callee_imei\n";

    /// What reading `csv` as calls.csv with `split` gives: the snapshot's
    /// bytes (graph, ledger and rejects), the rejects, the file's ledger and
    /// the line of its last row.
    fn ingest_with(csv: &[u8], split: Split) -> (Vec<u8>, Vec<RowError>, FileReport, u64) {
        let config = IngestConfig::default();
        let mut table = Table::from_bytes(
            "calls.csv".into(),
            "calls.csv".into(),
            FileSpec::CALLS,
            None,
            csv.to_vec().into(),
        )
        .unwrap();
        let mut builder = CaseBuilder::new(CaseMeta {
            country_code: config.phone_rules.country_code().to_string(),
            utc_offset_s: config.clock.offset_seconds(),
            source: "test".into(),
        });
        let mut rejects = Vec::new();
        read_split(&mut table, &mut builder, &config, &mut rejects, split).unwrap();
        let last = table.rows.last_line();
        let file = table.ledger.report.clone();
        let mut report = IngestReport::default();
        report.files.push(file.clone());
        *report.rejects.rows_mut() = rejects.clone();
        let graph = builder.finish(report);
        (crate::snapshot::to_bytes(&graph), rejects, file, last)
    }

    /// One reader for the whole file, as before pieces.
    const ONE_READER: Split = Split {
        piece_bytes: 1 << 20,
        window_pieces: 8,
        pieces: false,
    };

    fn pieces(piece_bytes: usize, window_pieces: usize) -> Split {
        Split {
            piece_bytes,
            window_pieces,
            pieces: true,
        }
    }

    fn lines(rejects: &[RowError]) -> Vec<u64> {
        rejects.iter().map(|r| r.position.line).collect()
    }

    #[test]
    fn a_quoted_newline_across_a_cut_reads_as_with_one_reader() {
        let mut csv = String::from(HEADER);
        for i in 0..40 {
            csv.push_str(&format!(
                "1390000{i:04},13900000002,2026-03-01 09:00:00,60,voice,C1,C2,,\n"
            ));
        }
        // Line 42: a cell name with a newline inside quotes, then a row
        // with a bad number on line 44 (one row, two physical lines before).
        csv.push_str("13900000001,13900000002,2026-03-01 10:00:00,60,voice,\"cell\nB\",C2,,\n");
        csv.push_str("13900000001,not a number,2026-03-01 10:00:00,60,voice,C1,C2,,\n");
        for i in 0..40 {
            csv.push_str(&format!(
                "1380000{i:04},13900000002,2026-03-01 09:00:00,60,voice,C1,C2,,\n"
            ));
        }
        let want = ingest_with(csv.as_bytes(), ONE_READER);
        assert_eq!(lines(&want.1), vec![44]);
        assert_eq!(want.2.kept, 81);
        let quoted_at = csv.find("cell\n").unwrap();
        for piece_bytes in [1, 7, 64, quoted_at - 3000.min(quoted_at), quoted_at + 2] {
            for window_pieces in [1, 2, 5] {
                let got = ingest_with(csv.as_bytes(), pieces(piece_bytes.max(1), window_pieces));
                assert!(
                    got == want,
                    "piece_bytes {piece_bytes}, window {window_pieces}"
                );
            }
        }
    }

    #[test]
    fn rows_after_a_quoted_window_keep_their_lines() {
        // A quoted window is read by one reader; the windows after it are
        // cut into pieces again, starting on the right line.
        let mut csv = String::from(HEADER);
        csv.push_str("13900000001,13900000002,2026-03-01 10:00:00,60,voice,\"a\nb\nc\",C2,,\n");
        for i in 0..30 {
            csv.push_str(&format!(
                "1390000{i:04},13900000002,2026-03-01 09:00:00,60,voice,C1,C2,,\n"
            ));
        }
        csv.push_str("\r\n\nbad row\r\n");
        csv.push_str("13900000001,13900000002,2026-03-01 10:00:00,60,voice,C1,C2,,\n");
        csv.push_str("13900000001,13900000002,2026-03-01 10:00:00,60,voice,C1,C2,,");
        let got = ingest_with(csv.as_bytes(), pieces(100, 2));
        // Header 1, quoted row 2-4, rows 5-34, blank 35-36, bad row 37,
        // a row on 38 and its duplicate on 39 without a final newline.
        assert_eq!(lines(&got.1), vec![37]);
        assert_eq!(got.2.duplicate_rows.len(), 1);
        assert_eq!(got.2.duplicate_rows[0].line, 39);
        assert_eq!(got.2.duplicate_rows[0].duplicate_of, 38);
        assert_eq!(got.3, 39);
        assert!(got == ingest_with(csv.as_bytes(), ONE_READER));
    }

    #[test]
    fn a_window_without_quotes_is_cut_after_newlines() {
        let data = b"a,b\r\nc,d\n\ne,f\ng,h";
        match plan_window(data, 0, 1, pieces(3, 10)) {
            Window::Pieces(p) => {
                // The blank line goes with the row after it (a cut is never
                // made before the byte after the previous cut).
                assert_eq!(p, vec![(0, 1, 5), (5, 2, 9), (9, 3, 14), (14, 5, 17)]);
            }
            w => panic!("expected pieces, found {w:?}"),
        }
        assert_eq!(
            plan_window(b"a,\"b\nc\"\nd\n", 0, 1, pieces(2, 10)),
            Window::Sequential(20)
        );
    }

    /// A field as carriers' CSV may hold it: plain, quoted (with commas,
    /// newlines, doubled quotes), with a stray quote, or not UTF-8.
    fn field() -> impl Strategy<Value = String> {
        prop_oneof![
            4 => Just(String::new()),
            4 => "C[0-9]{1,2}",
            1 => "\"C[0-9],\r?\n[ab]\"\"x\"",
            1 => "C[0-9]\"x",
            1 => Just("\u{FFFD}".to_string()),
        ]
    }

    fn row() -> impl Strategy<Value = String> {
        let number = prop_oneof![
            8 => "139000000[0-9]{2}",
            1 => "[a-z ]{0,3}",
        ];
        let start = prop_oneof![
            8 => "2026-03-0[1-9] 1[0-9]:[0-5][0-9]:00",
            1 => Just("yesterday".to_string()),
        ];
        (
            number.clone(),
            number,
            start,
            prop_oneof![Just(String::new()), "[0-9]{1,3}", Just("-1".to_string())],
            prop_oneof![
                Just("voice".to_string()),
                Just("sms".to_string()),
                Just(String::new())
            ],
            field(),
            field(),
            field(),
            prop_oneof![8 => Just(String::new()), 1 => Just(",extra".to_string())],
        )
            .prop_map(|(a, b, s, d, k, l1, l2, h, extra)| {
                format!("{a},{b},{s},{d},{k},{l1},{l2},{h},{extra}")
            })
    }

    fn file() -> impl Strategy<Value = Vec<u8>> {
        let ending = prop_oneof![6 => Just("\n"), 1 => Just("\r\n"), 1 => Just("\n\n")];
        (
            prop::collection::vec((row(), ending), 0..120),
            any::<bool>(),
            prop::collection::vec(0usize..120, 0..10),
        )
            .prop_map(|(rows, final_newline, repeats)| {
                let mut rows: Vec<String> =
                    rows.into_iter().map(|(r, e)| format!("{r}{e}")).collect();
                // Exact duplicates of earlier rows.
                for i in repeats {
                    if let Some(r) = rows.get(i % rows.len().max(1)).cloned() {
                        rows.push(r);
                    }
                }
                let mut csv = HEADER.to_string() + &rows.concat();
                if !final_newline {
                    csv = csv.trim_end_matches(['\r', '\n']).to_string();
                }
                let mut bytes = csv.into_bytes();
                // The replacement character stands for bytes that are not UTF-8.
                let marker = "\u{FFFD}".as_bytes();
                while let Some(i) = bytes.windows(3).position(|w| w == marker) {
                    bytes.splice(i..i + 3, [0xB2, 0xE2]);
                }
                bytes
            })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        /// However the file is cut into pieces and windows, reading it gives
        /// the snapshot, rejects (lines and reasons) and ledger that one
        /// reader gives.
        #[test]
        fn pieces_read_as_one_reader(
            csv in file(),
            piece_bytes in 1usize..400,
            window_pieces in 1usize..6,
        ) {
            let want = ingest_with(&csv, ONE_READER);
            let got = ingest_with(&csv, pieces(piece_bytes, window_pieces));
            prop_assert!(got == want, "{}", String::from_utf8_lossy(&csv));
        }
    }

    #[test]
    fn column_positions_match_the_contract() {
        let names = [
            (CALLER, "caller"),
            (CALLEE, "callee"),
            (START, "start"),
            (DURATION_S, "duration_s"),
            (KIND, "kind"),
            (CALLER_LOCATION, "caller_location"),
            (CALLEE_LOCATION, "callee_location"),
            (CALLER_IMEI, "caller_imei"),
            (CALLEE_IMEI, "callee_imei"),
        ];
        for (i, name) in names {
            assert_eq!(FileSpec::CALLS.col(name), i, "{name}");
        }
    }
}
