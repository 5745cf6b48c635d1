//! calls.csv: one row per call or text. The big file, so it is read in
//! chunks: the reader thread hands out raw records, the rows of a chunk are
//! parsed in parallel (number normalising and time parsing dominate), and
//! the parsed rows are then added in file order, so the result does not
//! depend on the number of threads.

use super::table::{line_of, row_hash, Deduper, Ledger, RowReader, Shape, Table};
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
    fn local(&mut self, key: K, rec: usize, span: (u32, u32)) -> u32 {
        let next = self.list.len() as u32;
        *self.index.entry(key).or_insert_with(|| {
            self.list.push((key, rec as u32, span));
            next
        })
    }
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

/// Read calls.csv as a pipeline. A reader thread reads a chunk of records,
/// checks and parses them in parallel, then, in file order, finds exact
/// duplicates and the chunk's first mentions of each phone, cell and
/// handset. This thread meanwhile adds the previous chunk to the graph:
/// one lookup per distinct name per chunk, then one push per call. Record
/// buffers go back to the reader to be reused. Chunks are a fixed number of
/// rows, so the result does not depend on the number of threads.
pub fn read(
    table: &mut Table,
    builder: &mut CaseBuilder,
    config: &IngestConfig,
    rejects: &mut Vec<RowError>,
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
    let rows = &mut table.rows;
    let ledger = &mut table.ledger;
    let mut dedupe = std::mem::take(&mut ledger.dedupe);
    dedupe.reserve((table.size / 80).min(1 << 28) as usize);
    let (full_tx, full_rx) = std::sync::mpsc::sync_channel::<Result<Chunk>>(1);
    let (empty_tx, empty_rx) = std::sync::mpsc::channel::<Vec<ByteRecord>>();
    std::thread::scope(|scope| {
        let reader = ChunkReader {
            cols: &cols,
            shape,
            config,
        };
        scope.spawn(move || reader.run(rows, &mut dedupe, full_tx, empty_rx));
        for chunk in full_rx {
            let records = add_chunk(builder, ledger, chunk?, rejects);
            let _ = empty_tx.send(records);
        }
        Ok(())
    })?;
    progress.finish_and_clear();
    Ok(())
}

/// A record's row hash, shape check and parsed call, as the parallel parse
/// hands them to the in-order pass.
type ParsedRow = (u128, Result<(), String>, Result<ParsedCall, String>);

/// The reader thread's side of [`read`]: what it needs to check and parse rows.
struct ChunkReader<'a> {
    cols: &'a Columns,
    shape: Shape,
    config: &'a IngestConfig,
}

impl ChunkReader<'_> {
    /// Reads chunk after chunk (the next one while this one is parsed), sifts
    /// each in file order and sends it to the builder; stops at the end of the
    /// file, at a read error (which is sent on) or when the builder hangs up.
    fn run(
        &self,
        rows: &mut RowReader,
        dedupe: &mut Deduper,
        full_tx: std::sync::mpsc::SyncSender<Result<Chunk>>,
        empty_rx: std::sync::mpsc::Receiver<Vec<ByteRecord>>,
    ) {
        let read_next = |rows: &mut RowReader,
                         mut records: Vec<ByteRecord>|
         -> Result<(Vec<ByteRecord>, usize)> {
            let n = rows.read_chunk(&mut records, CHUNK_ROWS)?;
            Ok((records, n))
        };
        let spare = || {
            empty_rx
                .try_recv()
                .unwrap_or_else(|_| Vec::with_capacity(CHUNK_ROWS))
        };
        let mut current = read_next(rows, spare());
        loop {
            let (records, n) = match current {
                Ok((_, 0)) => return,
                Ok(c) => c,
                Err(e) => {
                    let _ = full_tx.send(Err(e));
                    return;
                }
            };
            // Read the next chunk while this one is parsed.
            let buffer = spare();
            let (next, parsed) = rayon::join(
                || read_next(&mut *rows, buffer),
                || self.parse(&records[..n]),
            );
            current = next;
            let chunk = sift_chunk(records, n, parsed, dedupe);
            self.config.progress.set_position(rows.bytes_read());
            if full_tx.send(Ok(chunk)).is_err() {
                return;
            }
        }
    }

    /// Checks the shape of and parses each record, in parallel (number
    /// normalising and time parsing dominate), keeping file order.
    fn parse(&self, records: &[ByteRecord]) -> Vec<ParsedRow> {
        let config = self.config;
        records
            .par_iter()
            .map_init(
                || String::with_capacity(24),
                |buf, rec| {
                    let checked = self.shape.check(rec);
                    let call = match &checked {
                        Ok(()) => {
                            parse_row(rec, self.cols, &config.phone_rules, &config.clock, buf)
                        }
                        Err(_) => Err(String::new()),
                    };
                    (row_hash(rec), checked, call)
                },
            )
            .collect()
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
) -> Chunk {
    let mut phones: FirstMentions<u64> = FirstMentions::default();
    let mut phone_keys: Vec<(u64, PhoneKey)> = Vec::new();
    let mut cells: FirstMentions<TextKey> = FirstMentions::default();
    let mut handsets: FirstMentions<TextKey> = FirstMentions::default();
    let mut outcomes = Vec::with_capacity(n);
    for (i, (rec, (hash, checked, call))) in records[..n].iter().zip(parsed).enumerate() {
        if let Some(first) = dedupe.check(hash, line_of(rec)) {
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
            cells: [
                name(&mut cells, t[0], c.names[0]),
                name(&mut cells, t[1], c.names[1]),
            ],
            handsets: [
                name(&mut handsets, t[2], c.names[2]),
                name(&mut handsets, t[3], c.names[3]),
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
        cells: cells.list,
        handsets: handsets.list,
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
    use crate::ingest::FileSpec;

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
