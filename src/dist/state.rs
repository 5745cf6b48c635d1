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
pub const FORMAT_VERSION: u32 = 3;
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
    for c in &read_meta(&part)?.calls {
        c.check(&part)?;
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
) -> Result<Share> {
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
    let share = decode(&path, &bytes)?;
    let m = &share.meta;
    if (m.processes, m.workers, m.worker) != (processes, workers, worker) {
        return Err(bad(&path, shape_mismatch(m, processes, workers)));
    }
    if m.settings != settings {
        return Err(bad(
            &path,
            format!(
                "made with other settings than this run's: expected {settings}, found {}; \
                 use the same --country, --utc-offset and --columns, or run the full batch again with --state",
                m.settings
            ),
        ));
    }
    Ok(share)
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

/// Remove the parts of workers `peers` and above, left by an earlier
/// state of more workers (they would be refused anyway, but they mislead
/// a reader of the folder).
pub fn remove_parts_beyond(dir: &Path, peers: usize) -> Result<()> {
    let mut w = peers;
    loop {
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
}
