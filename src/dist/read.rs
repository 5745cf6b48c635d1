//! Each worker's share of calls.csv: the file is cut into equal byte
//! ranges, moved forward to the next record start. Whether a newline ends
//! a record depends on every quote before it, so each worker first counts
//! the quotes and newlines of its raw range and all workers exchange the
//! counts: from them each knows whether its cut falls inside a quoted
//! field, and the physical line it starts on (reject lines and duplicate
//! order are those of `casegraph ingest`). The rows are then read with
//! ingest's own reader and checked with its own checks.
//!
//! A quote inside an unquoted field (`ab"c`), which the CSV reader keeps
//! as text, would throw the parity off: such a file is still read
//! correctly on one worker, and on several whenever no cut lands after
//! such a quote and before the end of its line (rare in carriers' CSV,
//! and the ledger would not balance against `casegraph ingest` if it
//! happened).

use super::{Exchanger, Phone, Result};
use crate::ingest::calls::CallChecker;
use crate::ingest::table::row_hash;
use crate::ingest::{FileSpec, IngestConfig, Table};
use crate::model::CallKind;
use timely::worker::Worker;

/// A kept call as it travels: canonical numbers, start, seconds, kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Call {
    pub caller: Phone,
    pub callee: Phone,
    pub start: i64,
    pub duration_s: u32,
    pub text: bool,
}

/// A row on its way to the worker owning its hash: the hash of its bytes,
/// and its call or `None` for a rejected row. Rows with one hash are the
/// same bytes, so which of them is kept as the first does not change the
/// calls kept or the ledger: the line is not sent.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct RowMsg {
    pub hash: u128,
    pub call: Option<Call>,
}

/// Rows addressed to the workers owning their hashes, as they are sent.
pub fn to_hash_owners(
    rows: impl IntoIterator<Item = RowMsg>,
    peers: usize,
) -> impl Iterator<Item = (usize, RowMsg)> {
    rows.into_iter()
        .map(move |r| ((r.hash % peers as u128) as usize, r))
}

/// Quotes (odd or even) and newlines in one worker's raw byte range.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct RangeCounts {
    pub range: u32,
    pub odd_quotes: bool,
    pub newlines: u64,
}

/// The nominal start of range `i` of `n` over `len` bytes.
fn nominal(i: usize, n: usize, len: usize) -> usize {
    ((len as u128 * i as u128) / n as u128) as usize
}

/// The first record start at or after `at`, given whether `at` lies inside
/// a quoted field: the byte after a newline outside quotes.
fn record_start(data: &[u8], at: usize, mut inside: bool) -> usize {
    if at == 0 || (at <= data.len() && data[at - 1] == b'\n' && !inside) {
        return at.min(data.len());
    }
    for (k, &b) in data[at..].iter().enumerate() {
        if b == b'"' {
            inside = !inside;
        } else if b == b'\n' && !inside {
            return at + k + 1;
        }
    }
    data.len()
}

/// This worker's share of `case`/calls.csv, its rows read as they are
/// drawn (each goes to the worker owning its hash, see
/// [`to_hash_owners`]).
pub fn read_share<'a>(
    worker: &mut Worker,
    counts_x: &mut Exchanger<RangeCounts>,
    case: &std::path::Path,
    ingest: &'a IngestConfig,
) -> Result<ShareRows<'a>> {
    let table = Table::open(
        case,
        FileSpec::CALLS,
        ingest.mapping.for_file(&FileSpec::CALLS),
    )?
    .expect("calls.csv is required: Table::open fails without it");
    read_table_share(worker, counts_x, table, ingest)
}

/// This worker's share of a call file added to a stored state (any name,
/// calls.csv's columns and `--columns` mapping; its line numbers are its
/// own), its rows read as they are drawn.
pub fn read_added_share<'a>(
    worker: &mut Worker,
    counts_x: &mut Exchanger<RangeCounts>,
    file: &std::path::Path,
    ingest: &'a IngestConfig,
) -> Result<ShareRows<'a>> {
    read_table_share(worker, counts_x, open_added(file, ingest)?, ingest)
}

/// An added call file, opened as calls.csv is: its columns, the
/// `--columns` mapping of calls.csv, under its own name.
pub fn open_added(file: &std::path::Path, ingest: &IngestConfig) -> Result<Table> {
    let name = file.file_name().ok_or_else(|| {
        super::DistError::Invalid(format!(
            "--add {}: expected a call file, found no file name",
            file.display()
        ))
    })?;
    let dir = match file.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => std::path::Path::new("."),
    };
    let mut mapping = ingest
        .mapping
        .for_file(&FileSpec::CALLS)
        .cloned()
        .unwrap_or_default();
    mapping.file = Some(name.to_string_lossy().into_owned());
    Ok(Table::open(dir, FileSpec::CALLS, Some(&mapping))?
        .expect("a call file is required: Table::open fails without it"))
}

/// This worker's byte range of an open call file: where it starts and
/// ends, found with the other workers; its rows are read when drawn.
fn read_table_share<'a>(
    worker: &mut Worker,
    counts_x: &mut Exchanger<RangeCounts>,
    mut table: Table,
    ingest: &'a IngestConfig,
) -> Result<ShareRows<'a>> {
    let me = worker.index();
    let peers = worker.peers();
    let header_end = table.rows.bytes_read() as usize;
    let data = table.rows.bytes();
    let len = data.len();
    let (lo, hi) = (nominal(me, peers, len), nominal(me + 1, peers, len));
    let mine = RangeCounts {
        range: me as u32,
        odd_quotes: memchr::memchr_iter(b'"', &data[lo..hi]).count() % 2 == 1,
        newlines: memchr::memchr_iter(b'\n', &data[lo..hi]).count() as u64,
    };
    let mut all = counts_x.all(worker, vec![mine])?;
    all.sort_by_key(|c| c.range);
    // Quote parity and newlines before each nominal start.
    let before = |i: usize| -> (bool, u64) {
        all[..i]
            .iter()
            .fold((false, 0), |(q, n), c| (q ^ c.odd_quotes, n + c.newlines))
    };
    let start_of = |i: usize| -> (usize, u64) {
        if i >= peers {
            return (len, 0);
        }
        let at = nominal(i, peers, len);
        let (inside, lines) = before(i);
        let s = record_start(data, at, inside);
        if s <= header_end {
            let lines = memchr::memchr_iter(b'\n', &data[..header_end]).count() as u64;
            (header_end, lines + 1)
        } else {
            let lines = lines + memchr::memchr_iter(b'\n', &data[at..s]).count() as u64;
            (s, lines + 1)
        }
    };
    let (start, line) = start_of(me);
    let (end, _) = start_of(me + 1);
    if start >= end {
        return Ok(ShareRows::empty());
    }
    let checker = CallChecker::of(&table, ingest);
    table.rows.seek_to(start as u64, line)?;
    Ok(ShareRows {
        table: Some(table),
        checker: Some(checker),
        end,
        buf: Vec::new(),
        next: 0,
        filled: 0,
        text: String::with_capacity(24),
        released: start,
        error: None,
    })
}

/// Bytes read past before their mapped pages are let go (see
/// [`crate::ingest::table::FileBytes::release`]).
const RELEASE_BYTES: usize = 8 << 20;

/// One worker's rows of a call file, read and checked as they are drawn,
/// so that a worker never holds its whole share: each row leaves for its
/// owner as it is read (see [`Exchanger::round`]'s sub-rounds), and the
/// file's pages already read leave this process's memory. A read error
/// ends the rows; [`ShareRows::finish`] returns it.
pub struct ShareRows<'a> {
    table: Option<Table>,
    checker: Option<CallChecker<'a>>,
    end: usize,
    buf: Vec<csv::ByteRecord>,
    next: usize,
    filled: usize,
    text: String,
    released: usize,
    error: Option<super::DistError>,
}

impl<'a> ShareRows<'a> {
    fn empty() -> Self {
        ShareRows {
            table: None,
            checker: None,
            end: 0,
            buf: Vec::new(),
            next: 0,
            filled: 0,
            text: String::new(),
            released: 0,
            error: None,
        }
    }

    /// The read error that ended the rows early, if any.
    pub fn finish(self) -> Result<()> {
        match self.error {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }

    /// Stop reading: the share is done (or failed).
    fn close(&mut self) {
        if let Some(table) = self.table.take() {
            table.rows.release(self.released, self.end);
        }
        self.filled = 0;
    }
}

impl Iterator for ShareRows<'_> {
    type Item = RowMsg;

    fn next(&mut self) -> Option<RowMsg> {
        loop {
            if self.next < self.filled {
                let rec = &self.buf[self.next];
                self.next += 1;
                let at = rec.position().map_or(0, |p| p.byte()) as usize;
                if at >= self.end {
                    self.close();
                    return None;
                }
                let checker = self.checker.as_ref()?;
                let call = checker.check(rec, &mut self.text).ok().map(|c| Call {
                    caller: super::phone_of(c.caller()),
                    callee: super::phone_of(c.callee()),
                    start: c.start,
                    duration_s: c.duration_s,
                    text: c.kind == CallKind::Sms,
                });
                return Some(RowMsg {
                    hash: row_hash(rec),
                    call,
                });
            }
            let table = self.table.as_mut()?;
            match table.rows.read_chunk(&mut self.buf, 4096) {
                Ok(0) => {
                    self.close();
                    return None;
                }
                Ok(n) => {
                    self.filled = n;
                    self.next = 0;
                    // Every byte before this chunk's first row is read.
                    let first = self.buf[0].position().map_or(0, |p| p.byte()) as usize;
                    if first >= self.released + RELEASE_BYTES {
                        table.rows.release(self.released, first);
                        self.released = first;
                    }
                }
                Err(e) => {
                    self.error = Some(e.into());
                    self.close();
                    return None;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cut_inside_a_quoted_field_moves_past_its_record() {
        let data = b"a,b\n1,\"x\ny\"\n2,z\n";
        // Byte 8 is inside the quoted field "x\ny".
        assert_eq!(record_start(data, 8, true), 12);
        // Outside quotes, a cut right after a newline is a record start.
        assert_eq!(record_start(data, 4, false), 4);
        // Byte 9 follows the quoted newline: not a record start.
        assert_eq!(record_start(data, 9, true), 12);
        assert_eq!(record_start(data, 13, false), data.len());
    }
}
