//! Snapshots (`case.cgs`): a case graph written to disk so that every later
//! command loads it in a fraction of the time ingest takes.
//!
//! Layout (little-endian):
//!
//! ```text
//! "CASEGRPH"  format version u32  section count u32
//! per section: name [u8;16]  element size u32  log2 block size u32  count u64
//!              byte length u64  xxh3 of the block sums u64
//!              payload, zero-padded to 8 bytes
//!              xxh3 of each block of the payload, u64 each
//! trailer:     xxh3 of the index u64  "CGS-END!"
//! ```
//!
//! The *index* is the file header, every section header and every table of
//! block sums: a few hundred kilobytes even for a case of 20 million calls.
//!
//! # Two ways to load, one guarantee
//! [`from_bytes`] (and [`read_verified`]) checks everything at once: the
//! index, every block of every payload, the zero padding, and every index
//! in the graph against the table it points into ([`validate`]); then it
//! copies the rows into owned vectors.
//!
//! [`read`] is what commands use, and it must be fast on a multi-gigabyte
//! case: a fresh process answering one question should not read the whole
//! file. It maps the file and checks only the index (its checksum, the
//! section names, row sizes, lengths, alignment, zero padding, and that
//! the file ends exactly where the index says) and the small `meta`
//! section; the row tables become [`Column`]s borrowing the map. Each
//! column checks a 64 KiB block against its checksum the first time any
//! row in it is read (see [`crate::column`]); a query that reads one
//! phone's calls checks a handful of blocks. A block that fails stops the
//! command by unwinding with a [`Corrupted`] payload, which
//! [`catch_corruption`] turns into an error. So a truncated file, or a
//! flipped byte anywhere, is an error naming what is wrong, never a wrong
//! answer: truncation and damage to the index at open, damage to a payload
//! when (and only when) that part is read.
//!
//! What the lazy path does not do is [`validate`] (it reads every row):
//! it trusts that a snapshot whose checksums hold was written by casegraph,
//! whose rows are consistent by construction. A hand-crafted file with
//! valid checksums and out-of-range indices (a forged file) makes a bounds
//! check panic (safe Rust: never undefined behaviour); [`catch_corruption`]
//! then checks the snapshots it saw loaded in full and returns the one that
//! fails as the error, so a forged file is an error naming it, at no cost
//! to a sound one. [`read_verified`] refuses such a file up front.
//!
//! Files are written atomically ([`crate::atomic`]: temp file, then rename).

// Re-exported so that callers written before `atomic` existed still build;
// new code names `crate::atomic`.
pub use crate::atomic::{write_atomically, write_atomically_with, TEMP_MARK};
pub use crate::column::Corrupted;
use crate::column::{Backing, BlockCheck};
use crate::error::{Error, Result};
use crate::graph::{CaseGraph, CaseMeta, Column, Strings, NONE};
use crate::ledger::IngestReport;
use bytemuck::Pod;
use std::io::Write;
use std::path::Path;
use std::sync::Arc;
use xxhash_rust::xxh3::xxh3_64;

pub const MAGIC: &[u8; 8] = b"CASEGRPH";
pub const TRAILER: &[u8; 8] = b"CGS-END!";
/// Bump whenever a row type or the section list changes.
/// Version 4 added the default contact graph (`cg.*` sections); version 3
/// files are still read (their contact graph is built on first use).
pub const FORMAT_VERSION: u32 = 4;
/// The oldest format version this build reads.
pub const OLDEST_READ_VERSION: u32 = 3;
/// Payloads are checksummed in blocks of this many bytes (2^16).
pub const BLOCK_LOG2: u32 = 16;
const SECTION_HEADER: usize = 16 + 4 + 4 + 8 + 8 + 8;

#[cfg(target_endian = "big")]
compile_error!("casegraph snapshots are little-endian; big-endian targets are not supported");

#[derive(serde::Serialize, serde::Deserialize)]
struct MetaSection {
    casegraph_version: String,
    meta: CaseMeta,
    report: IngestReport,
}

/// Writes sections to any sink, hashing everything it writes for the
/// trailer, so a snapshot streams to disk without a second copy in memory.
struct Writer<W: Write> {
    out: W,
    /// Hash of the index: file header, section headers, block sums.
    index: xxhash_rust::xxh3::Xxh3,
    at: usize,
}

impl<W: Write> Writer<W> {
    fn put(&mut self, bytes: &[u8], in_index: bool) -> std::io::Result<()> {
        if in_index {
            self.index.update(bytes);
        }
        self.at += bytes.len();
        self.out.write_all(bytes)
    }

    fn section<T: Pod>(&mut self, name: &str, rows: &[T]) -> std::io::Result<()> {
        let bytes: &[u8] = bytemuck::cast_slice(rows);
        let sums: Vec<u8> = bytes
            .chunks(1 << BLOCK_LOG2)
            .flat_map(|b| xxh3_64(b).to_le_bytes())
            .collect();
        let mut header = [0u8; SECTION_HEADER];
        header[..name.len()].copy_from_slice(name.as_bytes());
        header[16..20].copy_from_slice(&(std::mem::size_of::<T>() as u32).to_le_bytes());
        header[20..24].copy_from_slice(&BLOCK_LOG2.to_le_bytes());
        header[24..32].copy_from_slice(&(rows.len() as u64).to_le_bytes());
        header[32..40].copy_from_slice(&(bytes.len() as u64).to_le_bytes());
        header[40..48].copy_from_slice(&xxh3_64(&sums).to_le_bytes());
        self.put(&header, true)?;
        self.put(bytes, false)?;
        let pad = (8 - self.at % 8) % 8;
        self.put(&[0u8; 8][..pad], false)?;
        self.put(&sums, true)
    }
}

/// The names of the sections, in file order: the case's rows (every
/// version), then the default contact graph (version 4 on), the
/// [`crate::graph::ContactCsr`] every analysis command starts from, so a
/// command maps it instead of rebuilding it and re-detecting the hubs.
const SECTIONS: [&str; 36] = [
    "meta",
    "str.blob",
    "str.ends",
    "phones",
    "handsets",
    "accounts",
    "persons",
    "registrations",
    "locations",
    "incidents",
    "lists",
    "attributes",
    "events",
    "call_links",
    "call_out",
    "call_in_offsets",
    "call_in",
    "phone_ev_offsets",
    "phone_events",
    "handset_uses",
    "phone_locations",
    "person_phones",
    "phone_reg_offs",
    "phone_regs",
    "phone_pers_offs",
    "phone_pers",
    "names",
    "rejects",
    "cg.offsets",
    "cg.neighbours",
    "cg.weights",
    "cg.strength",
    "cg.kinds",
    "cg.names",
    "cg.name_ends",
    "cg.hubs",
];

/// The sections a file of format `version` holds (a supported one).
fn sections(version: u32) -> &'static [&'static str] {
    if version == 3 {
        &SECTIONS[..28]
    } else {
        &SECTIONS
    }
}

/// Stream a graph's snapshot into `out`.
pub fn write_to<W: Write>(graph: &CaseGraph, out: W) -> std::io::Result<W> {
    let mut w = Writer {
        out,
        index: xxhash_rust::xxh3::Xxh3::new(),
        at: 0,
    };
    w.put(MAGIC, true)?;
    w.put(&FORMAT_VERSION.to_le_bytes(), true)?;
    w.put(&(SECTIONS.len() as u32).to_le_bytes(), true)?;
    // The rejected rows go in a section of their own, parsed only by
    // commands that read them.
    let meta = MetaSection {
        casegraph_version: env!("CARGO_PKG_VERSION").to_string(),
        meta: graph.meta.clone(),
        report: IngestReport {
            files: graph.report.files.clone(),
            rejects: Default::default(),
            notices: graph.report.notices.clone(),
            sources: graph.report.sources.clone(),
        },
    };
    let rejects = serde_json::to_vec(&graph.report.rejects).map_err(std::io::Error::other)?;
    let contact =
        crate::analysis::ContactGraph::default_csr(graph).map_err(std::io::Error::other)?;
    let meta = serde_json::to_vec(&meta).map_err(std::io::Error::other)?;
    let g = graph;
    let mut names = SECTIONS.iter();
    let mut next = || *names.next().expect("one name per section");
    w.section(next(), meta.as_slice())?;
    w.section(next(), &g.strings.blob)?;
    w.section(next(), &g.strings.ends)?;
    w.section(next(), &g.phones)?;
    w.section(next(), &g.handsets)?;
    w.section(next(), &g.accounts)?;
    w.section(next(), &g.persons)?;
    w.section(next(), &g.registrations)?;
    w.section(next(), &g.locations)?;
    w.section(next(), &g.incidents)?;
    w.section(next(), &g.lists)?;
    w.section(next(), &g.attributes)?;
    w.section(next(), &g.events)?;
    w.section(next(), &g.call_links)?;
    w.section(next(), &g.call_out)?;
    w.section(next(), &g.call_in_offsets)?;
    w.section(next(), &g.call_in)?;
    w.section(next(), &g.phone_event_offsets)?;
    w.section(next(), &g.phone_events)?;
    w.section(next(), &g.handset_uses)?;
    w.section(next(), &g.phone_locations)?;
    w.section(next(), &g.person_phones)?;
    w.section(next(), &g.phone_registration_offsets)?;
    w.section(next(), &g.phone_registrations)?;
    w.section(next(), &g.phone_person_offsets)?;
    w.section(next(), &g.phone_persons)?;
    w.section(next(), &g.names)?;
    w.section(next(), &rejects)?;
    w.section(next(), &contact.offsets)?;
    w.section(next(), &contact.neighbours)?;
    w.section(next(), &contact.weights)?;
    w.section(next(), &contact.strength)?;
    w.section(next(), &contact.kinds)?;
    w.section(next(), &contact.names)?;
    w.section(next(), &contact.name_ends)?;
    w.section(next(), &contact.hubs)?;
    let sum = w.index.digest();
    w.out.write_all(&sum.to_le_bytes())?;
    w.out.write_all(TRAILER)?;
    Ok(w.out)
}

/// The snapshot's bytes (for tests and small cases; files use [`write`]).
pub fn to_bytes(graph: &CaseGraph) -> Vec<u8> {
    write_to(graph, Vec::new()).expect("writing to memory cannot fail")
}

/// Write a snapshot atomically: the file at `path` is either the old one or
/// the complete new one. Returns its size in bytes.
pub fn write(graph: &CaseGraph, path: &Path) -> Result<u64> {
    write_atomically_with(path, |file| {
        let buffered = std::io::BufWriter::with_capacity(1 << 20, file);
        let mut buffered = write_to(graph, buffered)?;
        buffered.flush()
    })?;
    std::fs::metadata(path)
        .map(|m| m.len())
        .map_err(|e| Error::io(path, e))
}

/// Load a snapshot file lazily: map it, check its index, and let the row
/// tables check their blocks as they are read (see the module comment).
/// Run inside [`catch_corruption`] to get damage found later as an error.
pub fn read(path: &Path) -> Result<CaseGraph> {
    let map = map_file(path)?;
    let backing: Backing = Arc::new(map);
    watch(&path.display().to_string(), &backing);
    load(Source::Mapped(backing)).map_err(|reason| Error::Snapshot {
        path: path.to_path_buf(),
        reason,
    })
}

/// [`read`] on bytes already in memory, which must start at an address
/// aligned to 8 bytes (the rows are borrowed in place). `name` names the
/// snapshot in errors.
pub fn read_lazily(name: &str, backing: Backing) -> Result<CaseGraph> {
    watch(name, &backing);
    load(Source::Mapped(backing)).map_err(|reason| Error::Snapshot {
        path: name.into(),
        reason,
    })
}

/// Load a snapshot file checking every byte and every index first
/// ([`from_bytes`] on the mapped file).
pub fn read_verified(path: &Path) -> Result<CaseGraph> {
    let map = map_file(path)?;
    from_bytes(&map).map_err(|reason| Error::Snapshot {
        path: path.to_path_buf(),
        reason,
    })
}

fn map_file(path: &Path) -> Result<memmap2::Mmap> {
    let file = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
    let len = file.metadata().map_err(|e| Error::io(path, e))?.len();
    if len < 32 {
        return Err(Error::Snapshot {
            path: path.to_path_buf(),
            reason: format!("truncated: expected at least 32 bytes, found {len}"),
        });
    }
    // SAFETY: the map is only read, and every byte is checksummed and
    // bounds-checked before use; a snapshot rewritten while it is being read
    // is replaced by rename, which leaves this mapping on the old file.
    unsafe { memmap2::Mmap::map(&file) }.map_err(|e| Error::io(path, e))
}

/// Run `f`, turning a corrupted block found while it reads a lazily loaded
/// snapshot into an error instead of an unwinding panic.
///
/// A lazily loaded snapshot is not [`validate`]d (that reads every row), so
/// a forged file whose checksums hold but whose rows point outside their
/// tables can make `f` panic on a bounds check. Every snapshot loaded
/// lazily on this thread while `f` runs is remembered; when `f` panics
/// with anything else than [`Corrupted`], each is checked in full with
/// [`from_bytes`], and a snapshot that fails is the error. Only when all
/// of them pass is the panic a bug, and it goes on unwinding. So the
/// happy path pays nothing, and a forged snapshot is an error naming it.
pub fn catch_corruption<R>(f: impl FnOnce() -> R) -> Result<R> {
    let outer = WATCHED.with(|w| w.borrow_mut().replace(Vec::new()));
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f));
    let watched = WATCHED
        .with(|w| std::mem::replace(&mut *w.borrow_mut(), outer))
        .unwrap_or_default();
    WATCHING.fetch_sub(watched.len(), std::sync::atomic::Ordering::SeqCst);
    // With several guards at once in the process, one may take another's
    // held-back messages; only the messages are affected, not the outcome.
    let deferred = match DEFERRED.lock() {
        Ok(mut held) => std::mem::take(&mut *held),
        Err(_) => Vec::new(),
    };
    match result {
        Ok(r) => Ok(r),
        Err(payload) => match payload.downcast::<Corrupted>() {
            Ok(c) => Err(Error::Invalid(format!("snapshot {c}"))),
            Err(other) => {
                for (name, backing) in watched {
                    let checked = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                        from_bytes((*backing).as_ref())
                    }));
                    let reason = match checked {
                        Ok(Ok(_)) => continue,
                        Ok(Err(reason)) => reason,
                        Err(_) => "it cannot be checked".to_string(),
                    };
                    return Err(Error::Snapshot {
                        path: name.into(),
                        reason,
                    });
                }
                for message in deferred {
                    eprintln!("{message}");
                }
                std::panic::resume_unwind(other)
            }
        },
    }
}

thread_local! {
    /// Snapshots loaded lazily inside the innermost [`catch_corruption`]
    /// on this thread (`None` outside one).
    static WATCHED: std::cell::RefCell<Option<Vec<(String, Backing)>>> =
        const { std::cell::RefCell::new(None) };
}

/// How many lazily loaded snapshots are under watch in the process. While
/// any is, [`quiet_corruption_panics`] holds panic messages back (from any
/// thread: a rayon worker's panic reaches the guard by unwinding through
/// the pool).
static WATCHING: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
/// Panic messages held back until [`catch_corruption`] knows whether they
/// come from a forged snapshot (then they are dropped) or a bug (printed).
static DEFERRED: std::sync::Mutex<Vec<String>> = std::sync::Mutex::new(Vec::new());

/// Remember a lazily loaded snapshot for [`catch_corruption`].
fn watch(name: &str, backing: &Backing) {
    WATCHED.with(|w| {
        if let Some(list) = w.borrow_mut().as_mut() {
            list.push((name.to_string(), backing.clone()));
            WATCHING.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        }
    });
}

/// Keep the default panic message quiet for [`Corrupted`] unwinds (they
/// are reported as errors by [`catch_corruption`]), and hold back the
/// message of other panics while a lazily loaded snapshot is under watch,
/// until it is known whether the snapshot was forged; call once at
/// start-up. Other panics go to the hook that was in place.
pub fn quiet_corruption_panics() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if info.payload().downcast_ref::<Corrupted>().is_some() {
            return;
        }
        if WATCHING.load(std::sync::atomic::Ordering::SeqCst) > 0 {
            let message = format!(
                "thread '{}' panicked at {}: {}",
                std::thread::current().name().unwrap_or("<unnamed>"),
                info.location().map_or_else(String::new, |l| l.to_string()),
                info.payload()
                    .downcast_ref::<&str>()
                    .copied()
                    .or_else(|| info.payload().downcast_ref::<String>().map(String::as_str))
                    .unwrap_or("(no message)")
            );
            if let Ok(mut held) = DEFERRED.lock() {
                held.push(message);
            }
            return;
        }
        default(info);
    }));
}

/// Recompute every checksum of a snapshot in place (block sums, their
/// sums, the index sum), so that it passes the checks a loader makes at
/// open whatever its rows say. For testing the loaders against forged
/// files; an error when the layout itself does not hold.
pub fn reseal(bytes: &mut [u8]) -> Result<(), String> {
    if bytes.len() < 32 || &bytes[..8] != MAGIC {
        return Err("expected a file starting with CASEGRPH".into());
    }
    let body_len = bytes.len() - 16;
    let mut index = xxhash_rust::xxh3::Xxh3::new();
    index.update(&bytes[..16]);
    let mut at = 16usize;
    let truncated = || "truncated".to_string();
    let version = u32::from_le_bytes(bytes[8..12].try_into().expect("4 bytes"));
    for _ in sections(version) {
        let h = at;
        let payload = h
            .checked_add(SECTION_HEADER)
            .filter(|&e| e <= body_len)
            .ok_or_else(truncated)?;
        let len = u64::from_le_bytes(bytes[h + 32..h + 40].try_into().expect("8 bytes"));
        let len = usize::try_from(len).map_err(|_| truncated())?;
        let end = payload
            .checked_add(len)
            .filter(|&e| e <= body_len)
            .ok_or_else(truncated)?;
        let padded = end + (8 - end % 8) % 8;
        let n_blocks = len.div_ceil(1 << BLOCK_LOG2);
        let sums_end = padded
            .checked_add(n_blocks * 8)
            .filter(|&e| e <= body_len)
            .ok_or_else(truncated)?;
        let sums: Vec<u8> = bytes[payload..end]
            .chunks(1 << BLOCK_LOG2)
            .flat_map(|b| xxh3_64(b).to_le_bytes())
            .collect();
        bytes[padded..sums_end].copy_from_slice(&sums);
        bytes[h + 40..h + 48].copy_from_slice(&xxh3_64(&sums).to_le_bytes());
        index.update(&bytes[h..payload]);
        index.update(&sums);
        at = sums_end;
    }
    bytes[body_len..body_len + 8].copy_from_slice(&index.digest().to_le_bytes());
    Ok(())
}

/// Whether a file starts like a snapshot (used to tell snapshots from case folders).
pub fn looks_like_snapshot(path: &Path) -> bool {
    use std::io::Read;
    let mut magic = [0u8; 8];
    std::fs::File::open(path)
        .and_then(|mut f| f.read_exact(&mut magic))
        .is_ok()
        && &magic == MAGIC
}

/// Where the loaded rows live.
enum Source<'a> {
    /// Check every block now and copy the rows.
    Eager(&'a [u8]),
    /// Borrow the rows from the map; check blocks on first read.
    Mapped(Backing),
}

impl Source<'_> {
    fn bytes(&self) -> &[u8] {
        match self {
            Source::Eager(b) => b,
            Source::Mapped(m) => (**m).as_ref(),
        }
    }
}

/// One section as the index describes it.
struct SectionInfo {
    elem: usize,
    payload: std::ops::Range<usize>,
    check: Arc<BlockCheck>,
}

struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
    index: xxhash_rust::xxh3::Xxh3,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize, what: &str) -> Result<&'a [u8], String> {
        let end = self
            .at
            .checked_add(n)
            .filter(|&e| e <= self.bytes.len())
            .ok_or_else(|| {
                format!(
                    "truncated: expected {n} more bytes for {what} at byte {}, found {}",
                    self.at,
                    self.bytes.len() - self.at
                )
            })?;
        let s = &self.bytes[self.at..end];
        self.at = end;
        Ok(s)
    }

    /// Read one section's header, skip its payload, read its block sums.
    fn section(&mut self, name: &str) -> Result<SectionInfo, String> {
        let h = self.take(SECTION_HEADER, name)?;
        self.index.update(h);
        let found = String::from_utf8_lossy(&h[..16])
            .trim_end_matches('\0')
            .to_string();
        if found != name {
            return Err(format!("expected section {name:?}, found {found:?}"));
        }
        let u32_at = |i: usize| u32::from_le_bytes(h[i..i + 4].try_into().expect("4 bytes"));
        let u64_at = |i: usize| u64::from_le_bytes(h[i..i + 8].try_into().expect("8 bytes"));
        let elem = u32_at(16) as usize;
        let block_log2 = u32_at(20);
        let count = u64_at(24);
        let len = u64_at(32);
        let sums_sum = u64_at(40);
        if block_log2 != BLOCK_LOG2 {
            return Err(format!(
                "section {name:?}: expected blocks of 2^{BLOCK_LOG2} bytes, found 2^{block_log2}"
            ));
        }
        if count.checked_mul(elem as u64) != Some(len) {
            return Err(format!(
                "section {name:?}: {count} rows of {elem} bytes do not make {len} bytes"
            ));
        }
        let len = usize::try_from(len).map_err(|_| format!("section {name:?} too large"))?;
        let start = self.at;
        self.take(len, name)?;
        let pad = (8 - self.at % 8) % 8;
        if self.take(pad, name)?.iter().any(|&b| b != 0) {
            return Err(format!(
                "section {name:?}: expected zero padding (the file is corrupted)"
            ));
        }
        let block = 1usize << BLOCK_LOG2;
        let n_blocks = len.div_ceil(block);
        let sums = self.take(n_blocks * 8, name)?;
        self.index.update(sums);
        if xxh3_64(sums) != sums_sum {
            return Err(format!(
                "section {name:?}: checksum mismatch in its block sums (the file is corrupted)"
            ));
        }
        let sums: Vec<u64> = sums
            .chunks_exact(8)
            .map(|c| u64::from_le_bytes(c.try_into().expect("8 bytes")))
            .collect();
        Ok(SectionInfo {
            elem,
            payload: start..start + len,
            check: Arc::new(BlockCheck::new(name, block, sums)),
        })
    }
}

/// Parse a snapshot from its bytes, checking every byte and every index.
pub fn from_bytes(bytes: &[u8]) -> Result<CaseGraph, String> {
    let graph = load(Source::Eager(bytes))?;
    validate(&graph)?;
    Ok(graph)
}

fn load(src: Source) -> Result<CaseGraph, String> {
    let (version, infos) = read_index(src.bytes())?;
    let mut sections = Sections(infos.into_iter());
    let (meta, strings) = read_meta_and_strings(&src, &mut sections)?;
    let mut graph = read_tables(&src, &mut sections, meta, strings)?;
    let raw: Column<u8> = column(&src, "rejects", sections.next_info())?;
    graph.report.rejects = match &src {
        Source::Eager(_) => crate::ledger::Rejects::new(
            serde_json::from_slice(&raw).map_err(|e| format!("section \"rejects\": {e}"))?,
        ),
        Source::Mapped(_) => crate::ledger::Rejects::deferred(raw),
    };
    if version >= 4 {
        graph.contact =
            crate::graph::ContactCache::filled(read_contact_graph(&src, &mut sections)?);
    }
    Ok(graph)
}

/// Checks the header (magic, version, section count), reads every section's
/// place and block sums, and checks the trailer and the index checksum;
/// returns the format version and the sections in file order.
fn read_index(bytes: &[u8]) -> Result<(u32, Vec<SectionInfo>), String> {
    if bytes.len() < 16 + 16 || &bytes[..8] != MAGIC {
        return Err("expected a file starting with CASEGRPH".into());
    }
    let version = u32::from_le_bytes(bytes[8..12].try_into().expect("4 bytes"));
    if !(OLDEST_READ_VERSION..=FORMAT_VERSION).contains(&version) {
        return Err(format!(
            "expected snapshot format version {FORMAT_VERSION}, found {version} (this build reads versions {OLDEST_READ_VERSION} to {FORMAT_VERSION}): re-run `casegraph ingest` with this build"
        ));
    }
    let names = sections(version);
    let n_sections = u32::from_le_bytes(bytes[12..16].try_into().expect("4 bytes"));
    if n_sections as usize != names.len() {
        return Err(format!(
            "expected {} sections in a version {version} snapshot, found {n_sections}",
            names.len()
        ));
    }
    let (body, tail) = bytes.split_at(bytes.len() - 16);
    if &tail[8..] != TRAILER {
        return Err("truncated: the end-of-snapshot marker is missing".into());
    }
    let mut r = Reader {
        bytes: body,
        at: 16,
        index: xxhash_rust::xxh3::Xxh3::new(),
    };
    r.index.update(&body[..16]);
    let mut infos = Vec::with_capacity(names.len());
    for name in names {
        infos.push(r.section(name)?);
    }
    if r.at != body.len() {
        return Err(format!(
            "expected the end of the sections at byte {}, found more data",
            r.at
        ));
    }
    let sum = u64::from_le_bytes(tail[..8].try_into().expect("8 bytes"));
    if r.index.digest() != sum {
        return Err("checksum mismatch in the index (the file is corrupted)".into());
    }
    Ok((version, infos))
}

/// The sections still to read, in file order.
struct Sections(std::vec::IntoIter<SectionInfo>);

impl Sections {
    fn next_info(&mut self) -> SectionInfo {
        self.0.next().expect("one info per section")
    }
}

/// One section as a column of `T`: copied after checking every block
/// (eager), or borrowed from the map with its blocks checked on first read.
fn column<T: Pod>(src: &Source, name: &str, info: SectionInfo) -> Result<Column<T>, String> {
    if info.elem != std::mem::size_of::<T>() {
        return Err(format!(
            "section {name:?}: expected rows of {} bytes, found {} (written by another casegraph build)",
            std::mem::size_of::<T>(),
            info.elem
        ));
    }
    match src {
        Source::Eager(bytes) => {
            let payload = &bytes[info.payload.clone()];
            // Verify every block now; a bad one is an error, not an unwind.
            for (b, chunk) in payload.chunks(info.check.block).enumerate() {
                if xxh3_64(chunk) != info.check.sums[b] {
                    return Err(format!(
                        "section {name:?}: checksum mismatch (the file is corrupted)"
                    ));
                }
            }
            Ok(bytemuck::pod_collect_to_vec::<u8, T>(payload).into())
        }
        Source::Mapped(m) => Column::mapped(
            m.clone(),
            info.payload.start,
            info.payload.len(),
            info.check,
        ),
    }
}

/// The settings section (small and needed whole, so checked now either way)
/// and the string table.
fn read_meta_and_strings(
    src: &Source,
    sections: &mut Sections,
) -> Result<(MetaSection, Strings), String> {
    let meta_info = sections.next_info();
    let meta_bytes: Column<u8> = column(&Source::Eager(src.bytes()), "meta", meta_info)?;
    let meta: MetaSection =
        serde_json::from_slice(&meta_bytes).map_err(|e| format!("section \"meta\": {e}"))?;
    let blob: Column<u8> = column(src, "str.blob", sections.next_info())?;
    let ends: Column<u64> = column(src, "str.ends", sections.next_info())?;
    let strings = match src {
        Source::Eager(_) => {
            let blob = String::from_utf8(blob.into_vec())
                .map_err(|_| "section \"str.blob\": not UTF-8".to_string())?;
            Strings::from_parts(blob, ends.into_vec())?
        }
        Source::Mapped(_) => Strings::from_columns(blob, ends),
    };
    Ok((meta, strings))
}

/// The graph's node, record, call and index tables, in section order.
fn read_tables(
    src: &Source,
    s: &mut Sections,
    meta: MetaSection,
    strings: Strings,
) -> Result<CaseGraph, String> {
    Ok(CaseGraph {
        meta: meta.meta,
        strings,
        phones: column(src, "phones", s.next_info())?,
        handsets: column(src, "handsets", s.next_info())?,
        accounts: column(src, "accounts", s.next_info())?,
        persons: column(src, "persons", s.next_info())?,
        registrations: column(src, "registrations", s.next_info())?,
        locations: column(src, "locations", s.next_info())?,
        incidents: column(src, "incidents", s.next_info())?,
        lists: column(src, "lists", s.next_info())?,
        attributes: column(src, "attributes", s.next_info())?,
        events: column(src, "events", s.next_info())?,
        call_links: column(src, "call_links", s.next_info())?,
        call_out: column(src, "call_out", s.next_info())?,
        call_in_offsets: column(src, "call_in_offsets", s.next_info())?,
        call_in: column(src, "call_in", s.next_info())?,
        phone_event_offsets: column(src, "phone_ev_offsets", s.next_info())?,
        phone_events: column(src, "phone_events", s.next_info())?,
        handset_uses: column(src, "handset_uses", s.next_info())?,
        phone_locations: column(src, "phone_locations", s.next_info())?,
        person_phones: column(src, "person_phones", s.next_info())?,
        phone_registration_offsets: column(src, "phone_reg_offs", s.next_info())?,
        phone_registrations: column(src, "phone_regs", s.next_info())?,
        phone_person_offsets: column(src, "phone_pers_offs", s.next_info())?,
        phone_persons: column(src, "phone_pers", s.next_info())?,
        names: column(src, "names", s.next_info())?,
        report: meta.report,
        contact: Default::default(),
    })
}

/// The contact graph stored since format version 4.
fn read_contact_graph(src: &Source, s: &mut Sections) -> Result<crate::graph::ContactCsr, String> {
    Ok(crate::graph::ContactCsr {
        offsets: column(src, "cg.offsets", s.next_info())?,
        neighbours: column(src, "cg.neighbours", s.next_info())?,
        weights: column(src, "cg.weights", s.next_info())?,
        strength: column(src, "cg.strength", s.next_info())?,
        kinds: column(src, "cg.kinds", s.next_info())?,
        names: column(src, "cg.names", s.next_info())?,
        name_ends: column(src, "cg.name_ends", s.next_info())?,
        hubs: column(src, "cg.hubs", s.next_info())?,
    })
}

/// Check every index of a graph against the table it points into, so that
/// a graph from outside (a snapshot) can never index out of bounds later.
pub fn validate(g: &CaseGraph) -> std::result::Result<(), String> {
    let b = Bounds::of(g);
    let bad = |what: &str| Err(format!("inconsistent snapshot: {what} out of range"));
    if !g
        .phones
        .iter()
        .chain(&g.handsets)
        .chain(&g.accounts)
        .all(|&s| b.sym_ok(s))
    {
        return bad("node name");
    }
    if let Some(what) = bad_record(g, &b).or_else(|| bad_call(g, &b)) {
        return bad(what);
    }
    if let Some(what) = bad_link_table(g, &b) {
        return bad(what);
    }
    check_name_index(g, &b)?;
    if let Some(csr) = g.contact.get() {
        crate::analysis::contact::check_csr(csr, b.np)?;
    }
    Ok(())
}

/// The sizes of the tables a graph's indices point into, with the checks
/// every part of [`validate`] uses.
struct Bounds<'g> {
    g: &'g CaseGraph,
    n_str: u32,
    np: usize,
    nh: usize,
    na: usize,
    nl: usize,
    nper: usize,
}

impl<'g> Bounds<'g> {
    fn of(g: &'g CaseGraph) -> Self {
        Bounds {
            g,
            n_str: g.strings.len() as u32,
            np: g.phones.len(),
            nh: g.handsets.len(),
            na: g.accounts.len(),
            nl: g.locations.len(),
            nper: g.persons.len(),
        }
    }
    fn sym_ok(&self, s: crate::graph::Sym) -> bool {
        s.is_none() || s.0 < self.n_str
    }
    fn syms_ok(&self, s: &[crate::graph::Sym]) -> bool {
        s.iter().all(|&s| self.sym_ok(s))
    }
    fn list_ok(&self, r: crate::graph::ListRange) -> bool {
        (r.start as u64 + r.len as u64) <= self.g.lists.len() as u64
    }
    /// A per-phone offsets column: one more entry than phones, from 0, not
    /// decreasing, ending at the number of items.
    fn offsets_ok(&self, o: &[u32], n_items: usize) -> bool {
        o.len() == self.np + 1
            && o[0] == 0
            && o.windows(2).all(|w| w[0] <= w[1])
            && o[self.np] as usize == n_items
    }
}

fn idx_ok(i: u32, n: usize) -> bool {
    (i as usize) < n
}

fn opt_ok(i: u32, n: usize) -> bool {
    i == NONE || (i as usize) < n
}

/// The first kind of record of the case files (person, registration,
/// location, incident, attribute) holding an index out of range.
fn bad_record(g: &CaseGraph, b: &Bounds) -> Option<&'static str> {
    let (n_str, np, nh, na, nl, nper) = (b.n_str, b.np, b.nh, b.na, b.nl, b.nper);
    for p in &g.persons {
        if !b.syms_ok(&[p.person_id, p.name, p.id_number, p.address, p.source])
            || !b.list_ok(p.aliases)
            || !b.list_ok(p.phones)
            || !g.list(p.aliases).iter().all(|&s| s < n_str)
            || !g.list(p.phones).iter().all(|&i| idx_ok(i, np))
        {
            return Some("person record");
        }
    }
    for r in &g.registrations {
        if !idx_ok(r.phone, np)
            || !opt_ok(r.handset, nh)
            || !b.syms_ok(&[r.subscriber_name, r.subscriber_id_number, r.carrier])
        {
            return Some("registration");
        }
    }
    for l in &g.locations {
        if !b.syms_ok(&[l.location_id, l.name, l.district]) {
            return Some("location");
        }
    }
    for i in &g.incidents {
        if !b.sym_ok(i.incident_id)
            || !b.sym_ok(i.victim_id)
            || !opt_ok(i.location, nl)
            || !opt_ok(i.victim, nper)
            || !b.list_ok(i.phones)
            || !b.list_ok(i.accounts)
            || !g.list(i.phones).iter().all(|&p| idx_ok(p, np))
            || !g.list(i.accounts).iter().all(|&a| idx_ok(a, na))
        {
            return Some("incident");
        }
    }
    for a in &g.attributes {
        if !b.sym_ok(a.key) || !b.sym_ok(a.value) || a.table > 3 {
            return Some("attribute");
        }
    }
    None
}

/// The first part of the calls (events, call links, their adjacency, the
/// phone event index) holding an index out of range.
fn bad_call(g: &CaseGraph, b: &Bounds) -> Option<&'static str> {
    let (np, nh, nl) = (b.np, b.nh, b.nl);
    for e in &g.events {
        if !idx_ok(e.caller, np)
            || !idx_ok(e.callee, np)
            || !opt_ok(e.caller_location, nl)
            || !opt_ok(e.callee_location, nl)
            || !opt_ok(e.caller_handset, nh)
            || !opt_ok(e.callee_handset, nh)
        {
            return Some("call event");
        }
    }
    if !g
        .call_links
        .iter()
        .all(|l| idx_ok(l.caller, np) && idx_ok(l.callee, np))
    {
        return Some("call link");
    }
    if !b.offsets_ok(&g.call_out, g.call_links.len())
        || !b.offsets_ok(&g.call_in_offsets, g.call_in.len())
        || !g.call_in.iter().all(|&l| idx_ok(l, g.call_links.len()))
    {
        return Some("call adjacency");
    }
    let o = &g.phone_event_offsets;
    if o.len() != np + 1
        || o[0] != 0
        || !o.windows(2).all(|w| w[0] <= w[1])
        || o[np] as usize != g.phone_events.len()
        || !g.phone_events.iter().all(|&e| idx_ok(e, g.events.len()))
    {
        return Some("phone event index");
    }
    None
}

/// The link tables (handset uses, phone locations, person phones) and the
/// per-phone registration and person indices, when one is out of range.
fn bad_link_table(g: &CaseGraph, b: &Bounds) -> Option<&'static str> {
    let (np, nh, nl, nper) = (b.np, b.nh, b.nl, b.nper);
    if !g
        .handset_uses
        .iter()
        .all(|u| idx_ok(u.phone, np) && idx_ok(u.handset, nh))
        || !g
            .phone_locations
            .iter()
            .all(|u| idx_ok(u.phone, np) && idx_ok(u.location, nl))
        || !g
            .person_phones
            .iter()
            .all(|u| idx_ok(u.person, nper) && idx_ok(u.phone, np))
    {
        return Some("link table");
    }
    if !b.offsets_ok(&g.phone_registration_offsets, g.phone_registrations.len())
        || !g
            .phone_registrations
            .iter()
            .all(|&r| idx_ok(r, g.registrations.len()))
        || !b.offsets_ok(&g.phone_person_offsets, g.phone_persons.len())
        || !g
            .phone_persons
            .iter()
            .all(|&r| idx_ok(r, g.person_phones.len()))
    {
        return Some("phone index");
    }
    None
}

/// The name index: every entry names a node that exists, and the entries are
/// sorted, or a binary search would miss what is there.
fn check_name_index(g: &CaseGraph, b: &Bounds) -> std::result::Result<(), String> {
    let node_ok = |kind: u32, idx: u32| {
        crate::model::NodeKind::from_u8(kind.min(255) as u8)
            .is_some_and(|k| idx_ok(idx, crate::graph::links::node_count(g, k)))
    };
    if !g
        .names
        .iter()
        .all(|n| n.text.0 < b.n_str && node_ok(n.kind, n.idx))
    {
        return Err("inconsistent snapshot: name index out of range".into());
    }
    if !g
        .names
        .windows(2)
        .all(|w| (g.str(w[0].text), w[0].kind, w[0].idx) <= (g.str(w[1].text), w[1].kind, w[1].idx))
    {
        return Err("inconsistent snapshot: name index out of order".into());
    }
    Ok(())
}
