//! calls.csv: one row per call or text. The big file, so it is read in
//! chunks: the reader thread hands out raw records, the rows of a chunk are
//! parsed in parallel (number normalising and time parsing dominate), and
//! the parsed rows are then added in file order, so the result does not
//! depend on the number of threads.

use super::table::{row_hash, FileSpec, Screen, Table};
use super::IngestConfig;
use crate::error::{Result, RowError};
use crate::graph::build::{text_key, TextKey};
use crate::graph::{CallEvent, CaseBuilder};
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
    fn get<'a>(&self, rec: &'a ByteRecord, name: &str) -> &'a str {
        super::table::field(rec, self.0[FileSpec::CALLS.col(name)])
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
    let caller = number("caller", cols.get(rec, "caller"), rules, buf)?;
    let callee = number("callee", cols.get(rec, "callee"), rules, buf)?;
    let start = cols.get(rec, "start");
    if start.is_empty() {
        return Err("column \"start\": expected a value, found an empty field".into());
    }
    let start = clock
        .parse_time(start)
        .map_err(|e| format!("column \"start\": {e}"))?;
    let duration_s = match cols.get(rec, "duration_s") {
        "" => 0,
        d => d.parse::<u32>().map_err(|_| {
            format!("column \"duration_s\": expected whole seconds >= 0, found {d:?}")
        })?,
    };
    let kind = match cols.get(rec, "kind") {
        "" => CallKind::Voice,
        k => CallKind::parse(k).ok_or_else(|| {
            format!(
                "column \"kind\": expected one of {}, found {k:?}",
                CallKind::expected()
            )
        })?,
    };
    let caller_location = cols.get(rec, "caller_location");
    let callee_location = cols.get(rec, "callee_location");
    let caller_imei = cols.get(rec, "caller_imei");
    let callee_imei = cols.get(rec, "callee_imei");
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

/// A chunk of rows on its way from the reader to the builder.
struct Chunk {
    records: Vec<ByteRecord>,
    n: usize,
    parsed: Vec<(u128, Result<(), String>, Result<ParsedCall, String>)>,
}

/// Read calls.csv as a pipeline: a reader thread reads chunks of records
/// and parses them in parallel; this thread adds them to the graph in file
/// order. Record buffers go back to the reader to be reused.
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
    let (full_tx, full_rx) = std::sync::mpsc::sync_channel::<Result<Chunk>>(1);
    let (empty_tx, empty_rx) = std::sync::mpsc::channel::<Vec<ByteRecord>>();
    std::thread::scope(|scope| {
        let cols = &cols;
        scope.spawn(move || loop {
            let mut records = empty_rx
                .try_recv()
                .unwrap_or_else(|_| Vec::with_capacity(CHUNK_ROWS));
            let n = match rows.read_chunk(&mut records, CHUNK_ROWS) {
                Ok(0) => return,
                Ok(n) => n,
                Err(e) => {
                    let _ = full_tx.send(Err(e));
                    return;
                }
            };
            let parsed = records[..n]
                .par_iter()
                .map_init(
                    || String::with_capacity(24),
                    |buf, rec| {
                        let checked = shape.check(rec);
                        let call = match &checked {
                            Ok(()) => parse_row(rec, cols, &config.phone_rules, &config.clock, buf),
                            Err(_) => Err(String::new()),
                        };
                        (row_hash(rec), checked, call)
                    },
                )
                .collect();
            progress.set_position(rows.bytes_read());
            if full_tx.send(Ok(Chunk { records, n, parsed })).is_err() {
                return;
            }
        });
        for chunk in full_rx {
            let chunk = chunk?;
            for (rec, (hash, checked, call)) in chunk.records[..chunk.n].iter().zip(chunk.parsed) {
                match ledger.screen(rec, hash, checked) {
                    Screen::Duplicate => {}
                    Screen::Reject(reason) => ledger.reject(rec, reason, rejects),
                    Screen::Read => match call {
                        Err(reason) => ledger.reject(rec, reason, rejects),
                        Ok(c) => {
                            let (p, t) = (c.phone_keys, c.text_keys);
                            let event = CallEvent {
                                start: c.start,
                                caller: builder.phone_keyed(p[0], c.caller.as_str()),
                                callee: builder.phone_keyed(p[1], c.callee.as_str()),
                                duration_s: c.duration_s,
                                line: super::table::line_of(rec),
                                caller_location: builder.location_hashed(t[0], at(rec, c.names[0])),
                                callee_location: builder.location_hashed(t[1], at(rec, c.names[1])),
                                caller_handset: builder.handset_hashed(t[2], at(rec, c.names[2])),
                                callee_handset: builder.handset_hashed(t[3], at(rec, c.names[3])),
                                kind: c.kind as u8,
                                _pad: [0; 7],
                            };
                            builder.events.push(event);
                            ledger.keep();
                        }
                    },
                }
            }
            let _ = empty_tx.send(chunk.records);
        }
        Ok(())
    })?;
    progress.finish_and_clear();
    Ok(())
}
