//! A run's state on disk (`--state DIR`), so that a later run adds a new
//! batch of call files (a new day) without reading the old rows again.
//!
//! Every worker keeps the share it owns, in a file of its own,
//! `DIR/part-NNNNN.cgstate` (`NNNNN`: the worker's index among all
//! workers), so a cluster run stays distributed: each machine keeps the
//! parts of its own workers. A part holds
//! - `meta`: the format, the casegraph version, the shape of the run that
//!   made it (processes, workers per process, this worker's index), the
//!   reading options and hub rule it was made with, and its generation
//!   (1 for a full run, one more per added batch) with the run's mark (a
//!   hash of the whole run's ledger, the same in every part of one run);
//! - `totals`: this worker's share of the row ledger and the case's span;
//! - `rows`: the 128-bit hash of every distinct row this worker owns (rows
//!   go to the owner of their hash), so a row of a new batch that repeats
//!   an old one counts as a duplicate, as a full rerun counts it;
//! - `links`: the caller → callee links of the phone pairs it owns;
//! - `labels`: the component of each phone it owns;
//! - `hubs`: the whole run's service numbers;
//! - `tallies`: the hub rule's tally of each phone it owns (contacts,
//!   two-way contacts, one-off contacts, first and last contact), so that
//!   an added batch updates them from the pairs it touches;
//!
//! and the meta also holds the case's median number of contacts and its
//! days as the last run judged the hubs with, (worker 0's part) the
//! mark of the pairs.csv and components.csv it wrote, and the case
//! folder and every call file the state has counted, each with its
//! length when read ([`CallSource`]): a later `--add --folders` reads
//! them again to copy the folders' rows, and refuses a file that has
//! changed since.
//!
//! Layout (little-endian), in the manner of the snapshot format
//! ([`crate::snapshot`]) but small and read whole:
//!
//! ```text
//! "CGDSTATE"  format version u32  section count u32
//! per section: name [u8;16]  byte length u64  xxh3 of the payload u64  payload
//! trailer:     xxh3 of every byte before it u64  "CGD-END!"
//! ```
//!
//! An added batch writes a *delta* beside the part instead of the part
//! again (`DIR/part-NNNNN.GGGGGGGGGG.cgdelta`, its generation): the same
//! layout, holding the batch's new row hashes and the links, labels and
//! tallies it changed, with the meta, totals and hubs whole; its meta
//! names the mark of the whole part it extends ([`Meta::base`]). A load
//! reads the whole part and then its deltas in order ([`apply`]); once the
//! deltas would outgrow half the whole part, a run writes the whole part
//! again ([`write_delta_next`]) and removes them.
//!
//! A truncated or damaged part, a part of another format, a part made by a
//! run of another shape (the partition of phones and rows depends on the
//! number of workers) or with other reading options or hub rule, and parts
//! of different runs mixed in one folder are refused with an error naming
//! the file and the reason. Parts are written atomically
//! ([`crate::atomic`]).

use super::passes::{ContactTally, Link, Totals};
use super::{DistConfig, DistError, Phone, Result};
use std::path::{Path, PathBuf};
use xxhash_rust::xxh3::xxh3_64;

pub const MAGIC: &[u8; 8] = b"CGDSTATE";
pub const TRAILER: &[u8; 8] = b"CGD-END!";
/// Bump whenever a section or a record changes.
pub const FORMAT_VERSION: u32 = 4;
/// The sections of a part, in file order.
const SECTIONS: [&str; 7] = [
    "meta", "totals", "rows", "links", "labels", "hubs", "tallies",
];
/// Bytes of one `tallies` record: phone, contacts, two-way, one-off,
/// first, last.
const TALLY_BYTES: usize = 16 + 4 + 4 + 4 + 8 + 8;
/// Bytes of one `links` record: caller, callee, calls, texts, seconds,
/// first, last, night calls, short events.
const LINK_BYTES: usize = 16 + 16 + 4 + 4 + 8 + 8 + 8 + 4 + 4;

/// Where the state lives and what a run adds to it.
#[derive(Debug, Clone, Default)]
pub struct StateConfig {
    pub dir: PathBuf,
    /// Call files to add to the stored state; empty: a full run that
    /// writes a fresh state.
    pub add: Vec<PathBuf>,
}

/// What a part says about the run that made it.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Meta {
    pub casegraph_version: String,
    pub processes: usize,
    pub workers: usize,
    pub worker: usize,
    /// The reading options and hub rule, as text (see [`settings`]).
    pub settings: String,
    pub generation: u64,
    /// The same in every part one run writes (see [`run_mark`]).
    pub mark: u64,
    /// The median number of contacts the hubs were judged with.
    pub median: f64,
    /// The case's days (first kept call to last) the hubs were judged
    /// with.
    pub case_days: f64,
    /// What worker 0 wrote of pairs.csv and components.csv (worker 0's
    /// part only).
    pub outputs: Option<super::write::OutputMark>,
    /// The case folder (absolute) whose persons, phones, incidents and
    /// locations the folders copy.
    pub case: String,
    /// The call files counted, in the order read: the case's, then each
    /// added batch.
    pub calls: Vec<CallSource>,
    /// In a delta (see [`save_delta`]): the mark of the whole part it adds
    /// to; `None` in a whole part.
    #[serde(default)]
    pub base: Option<u64>,
}

/// A call file a state has counted, as it was when read.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct CallSource {
    /// Absolute path.
    pub path: String,
    pub bytes: u64,
}

impl CallSource {
    /// The file at `path` as it is now.
    pub fn of(path: &Path) -> Result<Self> {
        let io = |e| DistError::Case(crate::error::Error::io(path, e));
        let abs = std::fs::canonicalize(path).map_err(io)?;
        let bytes = std::fs::metadata(&abs).map_err(io)?.len();
        Ok(CallSource {
            path: abs.to_string_lossy().into_owned(),
            bytes,
        })
    }

    /// The file again, unchanged in length since the state counted it
    /// (a folder copies its rows, which must be the rows counted); the
    /// error names the state's part and the file.
    pub fn check(&self, part: &Path) -> Result<PathBuf> {
        let path = PathBuf::from(&self.path);
        let now = std::fs::metadata(&path).map(|m| m.len());
        match now {
            Ok(n) if n == self.bytes => Ok(path),
            Ok(n) => Err(bad(
                part,
                format!(
                    "the call file {} was {} bytes when the state counted it, found {n}: \
                     the folders would copy other rows than were counted; run the full batch again",
                    self.path, self.bytes
                ),
            )),
            Err(e) => Err(bad(
                part,
                format!(
                    "the call file {} the state counted ({} bytes) cannot be read again ({e}); \
                     the folders copy their call rows from it",
                    self.path, self.bytes
                ),
            )),
        }
    }
}

/// One worker's share of the state.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Share {
    pub(super) meta: Meta,
    pub(super) totals: Totals,
    /// Sorted, distinct.
    pub(super) rows: Vec<u128>,
    pub(super) links: Vec<((Phone, Phone), Link)>,
    /// (phone, smallest phone of its component), for the phones owned.
    pub(super) labels: Vec<(Phone, Phone)>,
    /// Sorted.
    pub(super) hubs: Vec<Phone>,
    /// (phone, contacts, two-way, one-off, first, last) of the phones
    /// owned, sorted.
    pub(super) tallies: Vec<(Phone, ContactTally)>,
}

/// The file of worker `worker`'s part.
pub fn part_path(dir: &Path, worker: usize) -> PathBuf {
    dir.join(format!("part-{worker:05}.cgstate"))
}

/// The file of worker `worker`'s delta of generation `generation` (see
/// [`save_delta`]).
pub fn delta_path(dir: &Path, worker: usize, generation: u64) -> PathBuf {
    dir.join(format!("part-{worker:05}.{generation:010}.cgdelta"))
}

/// Worker `worker`'s delta files in `dir`, by generation.
fn deltas_of(dir: &Path, worker: usize) -> Result<Vec<(u64, PathBuf)>> {
    let prefix = format!("part-{worker:05}.");
    let mut found = Vec::new();
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(found),
        Err(e) => return Err(DistError::Case(crate::error::Error::io(dir, e))),
    };
    for e in entries {
        let e = e.map_err(|e| DistError::Case(crate::error::Error::io(dir, e)))?;
        let name = e.file_name().to_string_lossy().into_owned();
        let generation = name
            .strip_prefix(&prefix)
            .and_then(|r| r.strip_suffix(".cgdelta"))
            .and_then(|g| g.parse::<u64>().ok());
        if let Some(g) = generation {
            found.push((g, e.path()));
        }
    }
    found.sort_unstable();
    Ok(found)
}

/// What a worker's stored state is made of on disk: its whole part and
/// the deltas read on top of it (their bytes decide when the next run
/// writes a whole part again, see [`write_delta_next`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(super) struct Stored {
    /// The whole part's mark (a delta names it, see [`Meta::base`]).
    pub(super) base_mark: u64,
    pub(super) base_bytes: u64,
    pub(super) delta_bytes: u64,
    pub(super) deltas: usize,
}

/// Deltas kept on top of a whole part at most: past this, or past half
/// the whole part's bytes, the next run writes a whole part again.
const MAX_DELTAS: usize = 64;

/// Whether a run whose delta would take `delta_bytes` writes it as a
/// delta (true) or writes the whole part again: deltas are kept while
/// together they stay under half of the whole part, so loading a state
/// reads at most one and a half times the whole part.
pub(super) fn write_delta_next(stored: &Stored, delta_bytes: u64) -> bool {
    stored.deltas < MAX_DELTAS && 2 * (stored.delta_bytes + delta_bytes) <= stored.base_bytes
}

/// The bytes [`write_part`] writes for `share`.
pub(super) fn encoded_len(share: &Share) -> u64 {
    let meta = serde_json::to_vec(&share.meta).map_or(0, |m| m.len());
    (16 + 32 * SECTIONS.len()
        + meta
        + 48
        + 16 * share.rows.len()
        + LINK_BYTES * share.links.len()
        + 32 * share.labels.len()
        + 16 * share.hubs.len()
        + TALLY_BYTES * share.tallies.len()
        + 16) as u64
}

/// The options a state depends on, as text: how numbers and times are
/// read, the column mapping, and the hub rule.
pub fn settings(config: &DistConfig) -> String {
    format!(
        "phones {:?}; clock {:?}; columns {:?}; hub rule {:?}",
        config.ingest.phone_rules, config.ingest.clock, config.ingest.mapping, config.hubs
    )
}

/// A mark of one run's parts: the hash of the whole run's ledger and
/// span with its generation. Parts of two runs differ in it unless both
/// runs had the same generation and the very same ledger.
pub(super) fn run_mark(generation: u64, totals: &Totals) -> u64 {
    let mut b = Vec::with_capacity(56);
    b.extend_from_slice(&generation.to_le_bytes());
    put_totals(&mut b, totals);
    xxh3_64(&b)
}

fn bad(path: &Path, reason: impl Into<String>) -> DistError {
    DistError::State {
        path: path.to_path_buf(),
        reason: reason.into(),
    }
}

fn put_totals(b: &mut Vec<u8>, t: &Totals) {
    for v in [t.rows_read, t.kept, t.rejected, t.duplicates] {
        b.extend_from_slice(&v.to_le_bytes());
    }
    b.extend_from_slice(&t.first.to_le_bytes());
    b.extend_from_slice(&t.last.to_le_bytes());
}

/// The bytes of a part (see [`write_part`]).
#[cfg(test)]
pub(super) fn encode(share: &Share) -> Vec<u8> {
    let mut out = Vec::new();
    write_part(share, &mut out).expect("writing to memory");
    out
}

/// Write a part to `w`, one section at a time: each payload is laid out
/// alone (so no more than the largest section is held beside the share),
/// hashed, and written after its header; the trailer's hash of every byte
/// before it is computed as the bytes go out.
pub(super) fn write_part(share: &Share, w: &mut impl std::io::Write) -> std::io::Result<()> {
    let mut sum = xxhash_rust::xxh3::Xxh3::new();
    let mut put = |w: &mut dyn std::io::Write, bytes: &[u8]| -> std::io::Result<()> {
        sum.update(bytes);
        w.write_all(bytes)
    };
    let mut head = Vec::with_capacity(16);
    head.extend_from_slice(MAGIC);
    head.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
    head.extend_from_slice(&(SECTIONS.len() as u32).to_le_bytes());
    put(w, &head)?;
    for name in SECTIONS {
        let payload = section(share, name);
        let mut header = [0u8; 32];
        header[..name.len()].copy_from_slice(name.as_bytes());
        header[16..24].copy_from_slice(&(payload.len() as u64).to_le_bytes());
        header[24..].copy_from_slice(&xxh3_64(&payload).to_le_bytes());
        put(w, &header)?;
        put(w, &payload)?;
    }
    let sum = sum.digest();
    w.write_all(&sum.to_le_bytes())?;
    w.write_all(TRAILER)
}

/// 128-bit values (row hashes, phones) as little-endian bytes, in order.
fn le_bytes(values: &[u128]) -> Vec<u8> {
    let mut out = Vec::with_capacity(values.len() * 16);
    for v in values {
        out.extend_from_slice(&v.to_le_bytes());
    }
    out
}

/// The payload of section `name` of a part.
fn section(share: &Share, name: &str) -> Vec<u8> {
    match name {
        "meta" => serde_json::to_vec(&share.meta).expect("the meta serialises"),
        "totals" => {
            let mut totals = Vec::with_capacity(48);
            put_totals(&mut totals, &share.totals);
            totals
        }
        "rows" => le_bytes(&share.rows),
        "links" => {
            let mut links = Vec::with_capacity(share.links.len() * LINK_BYTES);
            for ((caller, callee), l) in &share.links {
                links.extend_from_slice(&caller.to_le_bytes());
                links.extend_from_slice(&callee.to_le_bytes());
                links.extend_from_slice(&l.calls.to_le_bytes());
                links.extend_from_slice(&l.texts.to_le_bytes());
                links.extend_from_slice(&l.seconds.to_le_bytes());
                links.extend_from_slice(&l.first.to_le_bytes());
                links.extend_from_slice(&l.last.to_le_bytes());
                links.extend_from_slice(&l.night.to_le_bytes());
                links.extend_from_slice(&l.short.to_le_bytes());
            }
            links
        }
        "labels" => {
            let mut labels = Vec::with_capacity(share.labels.len() * 32);
            for (p, c) in &share.labels {
                labels.extend_from_slice(&p.to_le_bytes());
                labels.extend_from_slice(&c.to_le_bytes());
            }
            labels
        }
        "hubs" => le_bytes(&share.hubs),
        "tallies" => {
            let mut tallies = Vec::with_capacity(share.tallies.len() * TALLY_BYTES);
            for (p, t) in &share.tallies {
                tallies.extend_from_slice(&p.to_le_bytes());
                tallies.extend_from_slice(&t.0.to_le_bytes());
                tallies.extend_from_slice(&t.1.to_le_bytes());
                tallies.extend_from_slice(&t.2.to_le_bytes());
                tallies.extend_from_slice(&t.3.to_le_bytes());
                tallies.extend_from_slice(&t.4.to_le_bytes());
            }
            tallies
        }
        _ => unreachable!("a section of SECTIONS"),
    }
}

/// Reads fixed-size fields off a checked payload.
struct Fields<'a>(&'a [u8]);

impl Fields<'_> {
    fn take<const N: usize>(&mut self) -> [u8; N] {
        let (head, rest) = self.0.split_at(N);
        self.0 = rest;
        head.try_into().expect("N bytes")
    }
    fn u32(&mut self) -> u32 {
        u32::from_le_bytes(self.take())
    }
    fn u64(&mut self) -> u64 {
        u64::from_le_bytes(self.take())
    }
    fn i64(&mut self) -> i64 {
        i64::from_le_bytes(self.take())
    }
    fn u128(&mut self) -> u128 {
        u128::from_le_bytes(self.take())
    }
}

/// The magic and the format version at the start of a part.
fn check_head(path: &Path, bytes: &[u8]) -> Result<()> {
    if bytes.len() < 16 || &bytes[..8] != MAGIC {
        return Err(bad(
            path,
            "expected a casegraph dist state part (starting \"CGDSTATE\"), found other bytes",
        ));
    }
    let version = u32::from_le_bytes(bytes[8..12].try_into().expect("4 bytes"));
    if version != FORMAT_VERSION {
        return Err(bad(
            path,
            format!("expected state format version {FORMAT_VERSION}, found {version}: run the full batch again with --state"),
        ));
    }
    Ok(())
}

/// A part read back from its bytes; `path` names it in errors.
pub(super) fn decode(path: &Path, bytes: &[u8]) -> Result<Share> {
    check_head(path, bytes)?;
    if bytes.len() < 32 || &bytes[bytes.len() - 8..] != TRAILER {
        return Err(bad(
            path,
            format!(
                "truncated: expected the end mark \"CGD-END!\" at the end of its {} bytes, found none",
                bytes.len()
            ),
        ));
    }
    let body = &bytes[..bytes.len() - 16];
    let sum = u64::from_le_bytes(
        bytes[bytes.len() - 16..bytes.len() - 8]
            .try_into()
            .expect("8 bytes"),
    );
    let count = u32::from_le_bytes(bytes[12..16].try_into().expect("4 bytes")) as usize;
    if count != SECTIONS.len() {
        return Err(bad(
            path,
            format!("expected {} sections, found {count}", SECTIONS.len()),
        ));
    }
    let mut at = 16;
    let mut payloads: Vec<&[u8]> = Vec::with_capacity(SECTIONS.len());
    for name in SECTIONS {
        let (payload, next) = section_at(path, body, at, name)?;
        payloads.push(payload);
        at = next;
    }
    if at != body.len() {
        return Err(bad(
            path,
            format!(
                "expected the end mark after byte {at}, found {} more bytes",
                body.len() - at
            ),
        ));
    }
    if xxh3_64(body) != sum {
        return Err(bad(path, "the file fails its checksum: it is damaged"));
    }
    let meta = decode_meta(path, payloads[0])?;
    let size = |k: usize, record: usize| -> Result<usize> {
        match payloads[k].len() % record {
            0 => Ok(payloads[k].len() / record),
            r => Err(bad(
                path,
                format!(
                    "section {}: expected records of {record} bytes, found {r} bytes left over",
                    SECTIONS[k]
                ),
            )),
        }
    };
    if size(1, 48)? != 1 {
        return Err(bad(path, "section totals: expected one record of 48 bytes"));
    }
    let mut f = Fields(payloads[1]);
    let totals = Totals {
        rows_read: f.u64(),
        kept: f.u64(),
        rejected: f.u64(),
        duplicates: f.u64(),
        first: f.i64(),
        last: f.i64(),
    };
    let mut f = Fields(payloads[2]);
    let rows: Vec<u128> = (0..size(2, 16)?).map(|_| f.u128()).collect();
    let mut f = Fields(payloads[3]);
    let links = (0..size(3, LINK_BYTES)?)
        .map(|_| {
            let key = (f.u128(), f.u128());
            let link = Link {
                calls: f.u32(),
                texts: f.u32(),
                seconds: f.u64(),
                first: f.i64(),
                last: f.i64(),
                night: f.u32(),
                short: f.u32(),
            };
            (key, link)
        })
        .collect();
    let mut f = Fields(payloads[4]);
    let labels = (0..size(4, 32)?).map(|_| (f.u128(), f.u128())).collect();
    let mut f = Fields(payloads[5]);
    let hubs = (0..size(5, 16)?).map(|_| f.u128()).collect();
    let mut f = Fields(payloads[6]);
    let tallies: Vec<(Phone, ContactTally)> = (0..size(6, TALLY_BYTES)?)
        .map(|_| (f.u128(), (f.u32(), f.u32(), f.u32(), f.i64(), f.i64())))
        .collect();
    if !tallies.windows(2).all(|w| w[0].0 < w[1].0) {
        return Err(bad(
            path,
            "section tallies: expected phones sorted and distinct",
        ));
    }
    let links: Vec<((Phone, Phone), Link)> = links;
    if !links.windows(2).all(|w| w[0].0 < w[1].0) {
        return Err(bad(
            path,
            "section links: expected pairs sorted and distinct",
        ));
    }
    let labels: Vec<(Phone, Phone)> = labels;
    if !labels.windows(2).all(|w| w[0].0 < w[1].0) {
        return Err(bad(
            path,
            "section labels: expected phones sorted and distinct",
        ));
    }
    if !rows.windows(2).all(|w| w[0] < w[1]) {
        return Err(bad(
            path,
            "section rows: expected sorted distinct row hashes",
        ));
    }
    Ok(Share {
        meta,
        totals,
        rows,
        links,
        labels,
        hubs,
        tallies,
    })
}

/// A part's bytes, mapped rather than copied (parts run to tens of MB).
/// A part is only ever replaced by renaming a new file over it, never
/// written in place, so the mapping keeps seeing the file it opened.
/// Section `name` of a part, its header at byte `at` of `body`, checked
/// against its own hash; with the byte after it.
fn section_at<'a>(path: &Path, body: &'a [u8], at: usize, name: &str) -> Result<(&'a [u8], usize)> {
    if body.len() < at + 32 {
        return Err(bad(
            path,
            format!("truncated: expected section {name} at byte {at}, found the end"),
        ));
    }
    let found = &body[at..at + 16];
    let found_name = String::from_utf8_lossy(found)
        .trim_end_matches('\0')
        .to_string();
    if found_name != name {
        return Err(bad(
            path,
            format!("expected section {name} at byte {at}, found {found_name:?}"),
        ));
    }
    let len = u64::from_le_bytes(body[at + 16..at + 24].try_into().expect("8 bytes")) as usize;
    let want = u64::from_le_bytes(body[at + 24..at + 32].try_into().expect("8 bytes"));
    let start = at + 32;
    if body.len() - start < len {
        return Err(bad(
            path,
            format!(
                "truncated: expected {len} bytes of section {name}, found {}",
                body.len() - start
            ),
        ));
    }
    let payload = &body[start..start + len];
    if xxh3_64(payload) != want {
        return Err(bad(
            path,
            format!("section {name} fails its checksum: the file is damaged"),
        ));
    }
    Ok((payload, start + len))
}

fn decode_meta(path: &Path, payload: &[u8]) -> Result<Meta> {
    serde_json::from_slice(payload).map_err(|e| {
        bad(
            path,
            format!("section meta: expected the run's description, found {e}"),
        )
    })
}

/// The description at the head of a part, read without the rest of the
/// part (only its first pages are touched); the whole part is checked
/// when a worker loads it.
pub fn read_meta(path: &Path) -> Result<Meta> {
    let bytes = map_part(path).map_err(|e| DistError::Case(crate::error::Error::io(path, e)))?;
    check_head(path, &bytes)?;
    let (payload, _) = section_at(path, &bytes, 16, SECTIONS[0])?;
    decode_meta(path, payload)
}

/// Before the processes of an added batch start: every call file the
/// state counted is unchanged, as its folders will copy their rows again.
/// Every part records the same files; worker 0's is read, so a changed
/// file is named once, whichever process would have met it first.
pub fn check_counted_calls(dir: &Path) -> Result<()> {
    let part = part_path(dir, 0);
    let base = read_meta(&part)?;
    // The latest description: the last delta's, if any.
    let latest = match chain(dir, 0, base.generation, base.mark)?.last() {
        Some((_, delta)) => (read_meta(delta)?, delta.clone()),
        None => (base, part),
    };
    for c in &latest.0.calls {
        c.check(&latest.1)?;
    }
    Ok(())
}

fn map_part(path: &Path) -> std::io::Result<memmap2::Mmap> {
    let file = std::fs::File::open(path)?;
    // SAFETY: see above; the state folder is this program's own, and a
    // part is read once, checked against its hashes, and dropped.
    unsafe { memmap2::Mmap::map(&file) }
}

/// Load worker `worker`'s part and check that this run may add to it: the
/// same shape (`processes` × `workers`) and settings.
pub(super) fn load(
    dir: &Path,
    worker: usize,
    processes: usize,
    workers: usize,
    settings: &str,
) -> Result<(Share, Stored)> {
    let path = part_path(dir, worker);
    let bytes = match map_part(&path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            // Say what made the state, when worker 0's part tells.
            let first = part_path(dir, 0);
            let made_by = std::fs::read(&first)
                .ok()
                .and_then(|b| decode(&first, &b).ok())
                .map(|s| {
                    format!(
                        "; {}: {}",
                        first.display(),
                        shape_mismatch(&s.meta, processes, workers)
                    )
                })
                .unwrap_or_else(|| "; is --state the folder a run with --state wrote?".into());
            return Err(bad(
                &path,
                format!("expected the state part of worker {worker}, found no such file{made_by}"),
            ));
        }
        Err(e) => return Err(DistError::Case(crate::error::Error::io(&path, e))),
    };
    let mut share = decode(&path, &bytes)?;
    let mut stored = Stored {
        base_bytes: bytes.len() as u64,
        ..Stored::default()
    };
    drop(bytes);
    check_made_alike(&path, &share.meta, worker, processes, workers, settings)?;
    stored.base_mark = share.meta.mark;
    if share.meta.base.is_some() {
        return Err(bad(
            &path,
            "expected a whole part, found a delta's contents under a whole part's name",
        ));
    }
    let base_mark = share.meta.mark;
    for (generation, delta) in chain(dir, worker, share.meta.generation, base_mark)? {
        let bytes =
            map_part(&delta).map_err(|e| DistError::Case(crate::error::Error::io(&delta, e)))?;
        let d = decode(&delta, &bytes)?;
        check_made_alike(&delta, &d.meta, worker, processes, workers, settings)?;
        if d.meta.generation != generation || d.meta.base != Some(base_mark) {
            return Err(bad(
                &delta,
                format!(
                    "expected the delta of generation {generation} over the whole part of mark {base_mark}, \
                     found generation {} over {:?}",
                    d.meta.generation, d.meta.base
                ),
            ));
        }
        stored.delta_bytes += bytes.len() as u64;
        stored.deltas += 1;
        share = apply(share, d);
    }
    Ok((share, stored))
}

/// The deltas to read on top of a whole part of generation `generation`
/// and mark `base_mark`, in order: generation + 1, + 2, … as long as
/// they follow on. A delta of another whole part (left from before a
/// whole part was written again) or of a generation the whole part
/// already holds is not read; a gap in the generations ends the chain
/// with an error, as a part missing from a run's state does.
fn chain(
    dir: &Path,
    worker: usize,
    generation: u64,
    base_mark: u64,
) -> Result<Vec<(u64, PathBuf)>> {
    let mut out = Vec::new();
    let mut next = generation + 1;
    for (g, path) in deltas_of(dir, worker)? {
        if g <= generation {
            continue;
        }
        let meta = read_meta(&path)?;
        if meta.base != Some(base_mark) {
            continue;
        }
        if g != next {
            return Err(bad(
                &path,
                format!(
                    "expected the delta of generation {next} before it, found none: \
                     run the full batch again with --state"
                ),
            ));
        }
        out.push((g, path));
        next += 1;
    }
    Ok(out)
}

/// A part made by a run of this shape and these settings, for worker
/// `worker`.
fn check_made_alike(
    path: &Path,
    m: &Meta,
    worker: usize,
    processes: usize,
    workers: usize,
    settings: &str,
) -> Result<()> {
    if (m.processes, m.workers, m.worker) != (processes, workers, worker) {
        return Err(bad(path, shape_mismatch(m, processes, workers)));
    }
    if m.settings != settings {
        return Err(bad(
            path,
            format!(
                "made with other settings than this run's: expected {settings}, found {}; \
                 use the same --country, --utc-offset and --columns, or run the full batch again with --state",
                m.settings
            ),
        ));
    }
    Ok(())
}

/// A share with a delta read on top: the delta's new rows added, its
/// links, labels and tallies in place of the stored ones with the same
/// key (or added), its meta, totals and hubs in place of the share's.
fn apply(share: Share, delta: Share) -> Share {
    let mut meta = delta.meta;
    meta.base = None;
    Share {
        meta,
        totals: delta.totals,
        rows: union_sorted(share.rows, delta.rows),
        links: upsert(share.links, delta.links),
        labels: upsert(share.labels, delta.labels),
        hubs: delta.hubs,
        tallies: upsert(share.tallies, delta.tallies),
    }
}

/// Two sorted lists of distinct values as one.
fn union_sorted(a: Vec<u128>, b: Vec<u128>) -> Vec<u128> {
    let mut out = Vec::with_capacity(a.len() + b.len());
    let mut b = b.into_iter().peekable();
    for x in a {
        while let Some(y) = b.next_if(|&y| y < x) {
            out.push(y);
        }
        b.next_if_eq(&x);
        out.push(x);
    }
    out.extend(b);
    out
}

/// Sorted `(key, value)` records with `changes` (sorted, distinct keys)
/// in place of the records with the same key, or added.
fn upsert<K: Ord + Copy, V>(records: Vec<(K, V)>, changes: Vec<(K, V)>) -> Vec<(K, V)> {
    let mut out = Vec::with_capacity(records.len() + changes.len());
    let mut changes = changes.into_iter().peekable();
    for (k, v) in records {
        while let Some(c) = changes.next_if(|c| c.0 < k) {
            out.push(c);
        }
        match changes.next_if(|c| c.0 == k) {
            Some(c) => out.push(c),
            None => out.push((k, v)),
        }
    }
    out.extend(changes);
    out
}

/// Why a part made by a run of another shape cannot be read.
fn shape_mismatch(m: &Meta, processes: usize, workers: usize) -> String {
    format!(
        "made by a run of {} processes of {} workers, this run has {processes} processes of {workers} workers: \
         phones and rows are partitioned by the number of workers, so a state is read only by a run of the same \
         shape (same --procs or hosts file and --workers); run the full batch again with --state to change it",
        m.processes, m.workers
    )
}

/// Write worker `worker`'s part atomically (the folder is created if
/// needed).
pub(super) fn save(dir: &Path, worker: usize, share: &Share) -> Result<PathBuf> {
    std::fs::create_dir_all(dir).map_err(|e| crate::error::Error::io(dir, e))?;
    let path = part_path(dir, worker);
    crate::atomic::write_atomically_with(&path, |file| {
        let mut w = std::io::BufWriter::with_capacity(1 << 20, file);
        write_part(share, &mut w)?;
        std::io::Write::flush(&mut w)
    })?;
    Ok(path)
}

/// Write worker `worker`'s delta atomically: a part of the same layout
/// holding what this run changed — the new rows' hashes, the links,
/// labels and tallies that changed, and the whole (small) meta, totals
/// and hubs — read on top of the whole part by the next run. Work and
/// bytes in proportion to the batch, not to the case.
pub(super) fn save_delta(dir: &Path, worker: usize, delta: &Share) -> Result<PathBuf> {
    std::fs::create_dir_all(dir).map_err(|e| crate::error::Error::io(dir, e))?;
    let path = delta_path(dir, worker, delta.meta.generation);
    crate::atomic::write_atomically_with(&path, |file| {
        let mut w = std::io::BufWriter::with_capacity(1 << 20, file);
        write_part(delta, &mut w)?;
        std::io::Write::flush(&mut w)
    })?;
    Ok(path)
}

/// Remove worker `worker`'s deltas (after its whole part was written
/// again they are not read; removed so that they do not mislead).
pub(super) fn remove_deltas(dir: &Path, worker: usize) -> Result<()> {
    for (_, path) in deltas_of(dir, worker)? {
        match std::fs::remove_file(&path) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(DistError::Case(crate::error::Error::io(&path, e))),
        }
    }
    Ok(())
}

/// Remove the parts (and deltas) of workers `peers` and above, left by
/// an earlier state of more workers (they would be refused anyway, but
/// they mislead a reader of the folder).
pub fn remove_parts_beyond(dir: &Path, peers: usize) -> Result<()> {
    let mut w = peers;
    loop {
        remove_deltas(dir, w)?;
        let path = part_path(dir, w);
        match std::fs::remove_file(&path) {
            Ok(()) => w += 1,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
            Err(e) => return Err(DistError::Case(crate::error::Error::io(&path, e))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn share() -> Share {
        Share {
            meta: Meta {
                casegraph_version: "test".into(),
                processes: 2,
                workers: 1,
                worker: 1,
                settings: "s".into(),
                generation: 3,
                mark: 42,
                median: 2.0,
                case_days: 9.5,
                outputs: Some(crate::dist::write::OutputMark {
                    dir: "/out".into(),
                    pairs: 1,
                    components: 2,
                    plain: true,
                }),
                case: "/case".into(),
                calls: vec![CallSource {
                    path: "/case/calls.csv".into(),
                    bytes: 99,
                }],
                base: None,
            },
            totals: Totals {
                rows_read: 10,
                kept: 7,
                rejected: 2,
                duplicates: 1,
                first: -5,
                last: 99,
            },
            rows: vec![1, 5, u128::MAX],
            links: vec![(
                (7, 9),
                Link {
                    calls: 3,
                    texts: 1,
                    seconds: 120,
                    first: 10,
                    last: 20,
                    night: 1,
                    short: 2,
                },
            )],
            labels: vec![(7, 7), (9, 7)],
            hubs: vec![4],
            tallies: vec![(7, (1, 1, 0, 10, 20)), (9, (1, 1, 0, 10, 20))],
        }
    }

    #[test]
    fn a_part_reads_back_as_written() {
        let s = share();
        assert_eq!(decode(Path::new("p"), &encode(&s)).unwrap(), s);
    }

    #[test]
    fn the_head_of_a_part_reads_alone_and_names_a_changed_call_file() {
        let dir = tempfile::tempdir().unwrap();
        let calls = dir.path().join("calls.csv");
        std::fs::write(&calls, "caller,callee\n").unwrap();
        let mut s = share();
        s.meta.calls = vec![CallSource::of(&calls).unwrap()];
        let part = save(dir.path(), 0, &s).unwrap();
        assert_eq!(read_meta(&part).unwrap(), s.meta);
        check_counted_calls(dir.path()).unwrap();
        std::fs::write(&calls, "caller,callee\n1,2\n").unwrap();
        let e = check_counted_calls(dir.path()).unwrap_err().to_string();
        assert!(e.contains("part-00000.cgstate"), "{e}");
        assert!(
            e.contains("was 14 bytes when the state counted it, found 18"),
            "{e}"
        );
        // Only the head is needed: a part cut after its meta still tells.
        let bytes = std::fs::read(&part).unwrap();
        std::fs::write(&part, &bytes[..bytes.len() / 2]).unwrap();
        assert_eq!(read_meta(&part).unwrap(), s.meta);
        std::fs::write(&part, &bytes[..40]).unwrap();
        let e = read_meta(&part).unwrap_err().to_string();
        assert!(e.contains("truncated"), "{e}");
    }

    #[test]
    fn a_truncated_part_is_refused_naming_the_file() {
        let bytes = encode(&share());
        for cut in [0, 10, 40, bytes.len() / 2, bytes.len() - 1] {
            let e = decode(Path::new("dir/part-00001.cgstate"), &bytes[..cut])
                .unwrap_err()
                .to_string();
            assert!(e.starts_with("dir/part-00001.cgstate: "), "{e}");
            assert!(
                e.contains("truncated") || e.contains("expected a casegraph dist state"),
                "cut {cut}: {e}"
            );
        }
    }

    #[test]
    fn a_flipped_byte_anywhere_is_refused() {
        let bytes = encode(&share());
        for at in 0..bytes.len() {
            let mut b = bytes.clone();
            b[at] ^= 0x20;
            assert!(decode(Path::new("p"), &b).is_err(), "byte {at} flipped");
        }
    }

    #[test]
    fn a_part_of_another_shape_or_settings_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        save(dir.path(), 1, &share()).unwrap();
        assert!(load(dir.path(), 1, 2, 1, "s").is_ok());
        let e = load(dir.path(), 1, 1, 2, "s").unwrap_err().to_string();
        assert!(
            e.contains("made by a run of 2 processes of 1 workers"),
            "{e}"
        );
        let e = load(dir.path(), 1, 2, 1, "t").unwrap_err().to_string();
        assert!(e.contains("other settings"), "{e}");
        let e = load(dir.path(), 0, 2, 1, "s").unwrap_err().to_string();
        assert!(
            e.contains("part-00000.cgstate") && e.contains("no such file"),
            "{e}"
        );
        assert!(e.contains("is --state the folder"), "{e}");
    }

    #[test]
    fn parts_beyond_the_workers_are_removed() {
        let dir = tempfile::tempdir().unwrap();
        for w in 0..4 {
            save(dir.path(), w, &share()).unwrap();
        }
        remove_parts_beyond(dir.path(), 2).unwrap();
        assert!(part_path(dir.path(), 1).exists());
        assert!(!part_path(dir.path(), 2).exists());
        assert!(!part_path(dir.path(), 3).exists());
    }

    /// A delta over `share()` (generation 3, mark 42): one new row, one
    /// link changed and one new, a phone relabelled and a new one, one
    /// tally changed; new totals and hubs.
    fn delta() -> Share {
        let mut d = share();
        d.meta.generation = 4;
        d.meta.mark = 43;
        d.meta.base = Some(42);
        d.totals.rows_read = 12;
        d.rows = vec![3];
        let mut l = d.links[0].1;
        l.calls += 1;
        d.links = vec![((7, 9), l), ((9, 11), l)];
        d.labels = vec![(9, 3), (11, 3)];
        d.hubs = vec![];
        d.tallies = vec![(9, (2, 1, 1, 10, 30))];
        d
    }

    #[test]
    fn a_delta_is_read_on_top_of_its_whole_part() {
        let dir = tempfile::tempdir().unwrap();
        save(dir.path(), 1, &share()).unwrap();
        let delta = delta();
        let path = save_delta(dir.path(), 1, &delta).unwrap();
        assert_eq!(path, delta_path(dir.path(), 1, 4));
        let (got, stored) = load(dir.path(), 1, 2, 1, "s").unwrap();
        assert_eq!(stored.deltas, 1);
        assert_eq!(stored.base_mark, 42);
        assert_eq!(stored.delta_bytes, encoded_len(&delta));
        assert_eq!(stored.base_bytes, encoded_len(&share()));
        let mut want = share();
        want.meta = delta.meta.clone();
        want.meta.base = None;
        want.totals = delta.totals;
        want.rows = vec![1, 3, 5, u128::MAX];
        want.links = delta.links.clone();
        want.labels = vec![(7, 7), (9, 3), (11, 3)];
        want.hubs = vec![];
        want.tallies = vec![(7, (1, 1, 0, 10, 20)), (9, (2, 1, 1, 10, 30))];
        assert_eq!(got, want);
        // The whole part written again: the delta is not read (and is
        // removed).
        let mut whole = want.clone();
        whole.meta.mark = 77;
        save(dir.path(), 1, &whole).unwrap();
        assert_eq!(load(dir.path(), 1, 2, 1, "s").unwrap().0, whole);
        remove_deltas(dir.path(), 1).unwrap();
        assert!(!path.exists());
    }

    #[test]
    fn a_delta_of_another_whole_part_is_not_read_and_a_missing_one_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        save(dir.path(), 1, &share()).unwrap();
        // Left from a state whose whole part had another mark.
        let mut stale = delta();
        stale.meta.base = Some(41);
        save_delta(dir.path(), 1, &stale).unwrap();
        assert_eq!(load(dir.path(), 1, 2, 1, "s").unwrap().0, share());
        // Generation 5 over this part without generation 4.
        let mut later = delta();
        later.meta.generation = 5;
        save_delta(dir.path(), 1, &later).unwrap();
        let e = load(dir.path(), 1, 2, 1, "s").unwrap_err().to_string();
        assert!(
            e.contains("0000000005.cgdelta") && e.contains("generation 4 before it"),
            "{e}"
        );
        // A damaged delta is refused as a damaged part is.
        save_delta(dir.path(), 1, &delta()).unwrap();
        let path = delta_path(dir.path(), 1, 4);
        let mut bytes = std::fs::read(&path).unwrap();
        let at = bytes.len() - 40;
        bytes[at] ^= 1;
        std::fs::write(&path, bytes).unwrap();
        let e = load(dir.path(), 1, 2, 1, "s").unwrap_err().to_string();
        assert!(e.contains("0000000004.cgdelta"), "{e}");
    }

    #[test]
    fn deltas_are_kept_while_together_they_stay_under_half_the_whole_part() {
        let stored = |delta_bytes, deltas| Stored {
            base_mark: 1,
            base_bytes: 1000,
            delta_bytes,
            deltas,
        };
        assert!(write_delta_next(&stored(0, 0), 500));
        assert!(!write_delta_next(&stored(0, 0), 501));
        assert!(write_delta_next(&stored(400, 3), 100));
        assert!(!write_delta_next(&stored(450, 3), 100));
        assert!(!write_delta_next(&stored(0, MAX_DELTAS), 1));
    }

    #[test]
    fn sorted_records_take_their_changes_by_key() {
        assert_eq!(
            union_sorted(vec![1, 4, 9], vec![0, 4, 5, 10]),
            vec![0, 1, 4, 5, 9, 10]
        );
        assert_eq!(
            upsert(
                vec![(1, 'a'), (4, 'b'), (9, 'c')],
                vec![(0, 'x'), (4, 'y'), (10, 'z')]
            ),
            vec![(0, 'x'), (1, 'a'), (4, 'y'), (9, 'c'), (10, 'z')]
        );
        assert_eq!(upsert(Vec::<(u8, u8)>::new(), vec![(1, 1)]), vec![(1, 1)]);
    }
}
