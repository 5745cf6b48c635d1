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

struct ParsedCall<'a> {
    caller: PhoneKey,
    callee: PhoneKey,
    /// Lookup keys, computed here in parallel (see `CaseBuilder::phone_keyed`).
    phone_keys: [u64; 2],
    text_keys: [TextKey; 4],
    start: Time,
    duration_s: u32,
    kind: CallKind,
    caller_location: &'a str,
    callee_location: &'a str,
    caller_imei: &'a str,
    callee_imei: &'a str,
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

fn parse_row<'a>(
    rec: &'a ByteRecord,
    cols: &Columns,
    rules: &PhoneRules,
    clock: &Clock,
    buf: &mut String,
) -> Result<ParsedCall<'a>, String> {
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
        caller_location,
        callee_location,
        caller_imei,
        callee_imei,
    })
}

pub fn read(
    table: &mut Table,
    builder: &mut CaseBuilder,
    config: &IngestConfig,
    rejects: &mut Vec<RowError>,
) -> Result<()> {
    let cols = Columns::of(table);
    let progress = &config.progress;
    progress.set_length(table.size);
    progress.set_message(table.name.clone());
    let mut buf: Vec<ByteRecord> = Vec::with_capacity(CHUNK_ROWS);
    // Rough pre-sizing: a call row is some 80 bytes.
    builder
        .events
        .reserve((table.size / 80).min(1 << 28) as usize);
    loop {
        let n = table.read_chunk(&mut buf, CHUNK_ROWS)?;
        if n == 0 {
            break;
        }
        let chunk = &buf[..n];
        let shape = table.shape();
        let parsed: Vec<(u128, Result<(), String>, Result<ParsedCall<'_>, String>)> = chunk
            .par_iter()
            .map_init(
                || String::with_capacity(24),
                |buf, rec| {
                    let checked = shape.check(rec);
                    let call = match &checked {
                        Ok(()) => parse_row(rec, &cols, &config.phone_rules, &config.clock, buf),
                        Err(_) => Err(String::new()),
                    };
                    (row_hash(rec), checked, call)
                },
            )
            .collect();
        for (rec, (hash, checked, call)) in chunk.iter().zip(parsed) {
            match table.screen(rec, hash, checked) {
                Screen::Duplicate => {}
                Screen::Reject(reason) => table.reject(rec, reason, rejects),
                Screen::Read => match call {
                    Err(reason) => table.reject(rec, reason, rejects),
                    Ok(c) => {
                        let (p, t) = (c.phone_keys, c.text_keys);
                        let event = CallEvent {
                            start: c.start,
                            caller: builder.phone_keyed(p[0], c.caller.as_str()),
                            callee: builder.phone_keyed(p[1], c.callee.as_str()),
                            duration_s: c.duration_s,
                            line: super::table::line_of(rec),
                            caller_location: builder.location_hashed(t[0], c.caller_location),
                            callee_location: builder.location_hashed(t[1], c.callee_location),
                            caller_handset: builder.handset_hashed(t[2], c.caller_imei),
                            callee_handset: builder.handset_hashed(t[3], c.callee_imei),
                            kind: c.kind as u8,
                            _pad: [0; 7],
                        };
                        builder.events.push(event);
                        table.keep();
                    }
                },
            }
        }
        progress.set_position(table.bytes_read());
    }
    progress.finish_and_clear();
    Ok(())
}
