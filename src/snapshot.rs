//! Snapshots (`case.cgs`): a case graph written to disk so that every later
//! command loads it in a fraction of the time ingest takes.
//!
//! Layout (little-endian):
//!
//! ```text
//! "CASEGRPH"  format version u32  section count u32
//! per section: name [u8;16]  element size u32  pad u32  count u64  byte length u64  xxh3 u64
//!              payload, zero-padded to 8 bytes
//! trailer:     xxh3 of everything before it u64  "CGS-END!"
//! ```
//!
//! Sections are the graph's row tables as raw bytes, plus one JSON section
//! for the settings and the ingest report. Every section is checksummed, and
//! the whole file is; element sizes are checked against this build's row
//! types; after loading, every index in the graph is checked against the
//! table it points into ([`validate`]). A truncated, corrupted or
//! other-version file gets an error naming what is wrong, never a panic or
//! a wrong answer. Files are written atomically (temp file, then rename).

use crate::error::{Error, Result};
use crate::graph::{CaseGraph, CaseMeta, Strings, NONE};
use crate::ingest::IngestReport;
use bytemuck::Pod;
use std::io::Write;
use std::path::Path;
use xxhash_rust::xxh3::xxh3_64;

pub const MAGIC: &[u8; 8] = b"CASEGRPH";
pub const TRAILER: &[u8; 8] = b"CGS-END!";
/// Bump whenever a row type or the section list changes.
pub const FORMAT_VERSION: u32 = 1;
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
    whole: xxhash_rust::xxh3::Xxh3,
    at: usize,
}

impl<W: Write> Writer<W> {
    fn put(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        self.whole.update(bytes);
        self.at += bytes.len();
        self.out.write_all(bytes)
    }

    fn section<T: Pod>(&mut self, name: &str, rows: &[T]) -> std::io::Result<()> {
        let bytes: &[u8] = bytemuck::cast_slice(rows);
        let mut header = [0u8; SECTION_HEADER];
        header[..name.len()].copy_from_slice(name.as_bytes());
        header[16..20].copy_from_slice(&(std::mem::size_of::<T>() as u32).to_le_bytes());
        header[24..32].copy_from_slice(&(rows.len() as u64).to_le_bytes());
        header[32..40].copy_from_slice(&(bytes.len() as u64).to_le_bytes());
        header[40..48].copy_from_slice(&xxh3_64(bytes).to_le_bytes());
        self.put(&header)?;
        self.put(bytes)?;
        let pad = (8 - self.at % 8) % 8;
        self.put(&[0u8; 8][..pad])
    }
}

/// The names of the sections, in file order.
const SECTIONS: [&str; 22] = [
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
];

/// Stream a graph's snapshot into `out`.
pub fn write_to<W: Write>(graph: &CaseGraph, out: W) -> std::io::Result<W> {
    let mut w = Writer {
        out,
        whole: xxhash_rust::xxh3::Xxh3::new(),
        at: 0,
    };
    w.put(MAGIC)?;
    w.put(&FORMAT_VERSION.to_le_bytes())?;
    w.put(&(SECTIONS.len() as u32).to_le_bytes())?;
    let meta = MetaSection {
        casegraph_version: env!("CARGO_PKG_VERSION").to_string(),
        meta: graph.meta.clone(),
        report: graph.report.clone(),
    };
    let meta = serde_json::to_vec(&meta).map_err(std::io::Error::other)?;
    let g = graph;
    let mut names = SECTIONS.iter();
    let mut next = || *names.next().expect("one name per section");
    w.section(next(), meta.as_slice())?;
    w.section(next(), g.strings.blob.as_bytes())?;
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
    let sum = w.whole.digest();
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

/// Write `bytes` to a temp file beside `path`, sync it, and rename it over `path`.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> Result<()> {
    write_atomically_with(path, |file| file.write_all(bytes))
}

/// Let `fill` write a temp file beside `path`, sync it, and rename it over
/// `path`; on any error the temp file is removed and `path` is untouched.
pub fn write_atomically_with(
    path: &Path,
    fill: impl FnOnce(&mut std::fs::File) -> std::io::Result<()>,
) -> Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let mut tmp = tempfile::NamedTempFile::new_in(dir).map_err(|e| Error::io(dir, e))?;
    // tempfile creates files readable by their owner only; outputs are for
    // the case team to share, like any file a command writes.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        tmp.as_file()
            .set_permissions(std::fs::Permissions::from_mode(0o644))
            .map_err(|e| Error::io(path, e))?;
    }
    fill(tmp.as_file_mut()).map_err(|e| Error::io(path, e))?;
    tmp.as_file().sync_all().map_err(|e| Error::io(path, e))?;
    tmp.persist(path).map_err(|e| Error::io(path, e.error))?;
    Ok(())
}

/// Load a snapshot file.
pub fn read(path: &Path) -> Result<CaseGraph> {
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
    let map = unsafe { memmap2::Mmap::map(&file) }.map_err(|e| Error::io(path, e))?;
    from_bytes(&map).map_err(|reason| Error::Snapshot {
        path: path.to_path_buf(),
        reason,
    })
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

struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
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

    fn section<T: Pod>(&mut self, name: &str) -> Result<Vec<T>, String> {
        let h = self.take(SECTION_HEADER, name)?;
        let found = String::from_utf8_lossy(&h[..16])
            .trim_end_matches('\0')
            .to_string();
        if found != name {
            return Err(format!("expected section {name:?}, found {found:?}"));
        }
        let u32_at = |i: usize| u32::from_le_bytes(h[i..i + 4].try_into().expect("4 bytes"));
        let u64_at = |i: usize| u64::from_le_bytes(h[i..i + 8].try_into().expect("8 bytes"));
        let elem = u32_at(16) as usize;
        let count = u64_at(24);
        let len = u64_at(32);
        let sum = u64_at(40);
        if elem != std::mem::size_of::<T>() {
            return Err(format!(
                "section {name:?}: expected rows of {} bytes, found {elem} (written by another casegraph build)",
                std::mem::size_of::<T>()
            ));
        }
        if count.checked_mul(elem as u64) != Some(len) {
            return Err(format!(
                "section {name:?}: {count} rows of {elem} bytes do not make {len} bytes"
            ));
        }
        let len = usize::try_from(len).map_err(|_| format!("section {name:?} too large"))?;
        let payload = self.take(len, name)?;
        if xxh3_64(payload) != sum {
            return Err(format!(
                "section {name:?}: checksum mismatch (the file is corrupted)"
            ));
        }
        let pad = (8 - self.at % 8) % 8;
        self.take(pad, name)?;
        Ok(bytemuck::pod_collect_to_vec(payload))
    }
}

/// Parse a snapshot from its bytes.
pub fn from_bytes(bytes: &[u8]) -> Result<CaseGraph, String> {
    if bytes.len() < 16 + 16 || &bytes[..8] != MAGIC {
        return Err("expected a file starting with CASEGRPH".into());
    }
    let version = u32::from_le_bytes(bytes[8..12].try_into().expect("4 bytes"));
    if version != FORMAT_VERSION {
        return Err(format!(
            "expected snapshot format version {FORMAT_VERSION}, found {version}: re-run `casegraph ingest` with this build"
        ));
    }
    let (body, tail) = bytes.split_at(bytes.len() - 16);
    if &tail[8..] != TRAILER {
        return Err("truncated: the end-of-snapshot marker is missing".into());
    }
    let sum = u64::from_le_bytes(tail[..8].try_into().expect("8 bytes"));
    if xxh3_64(body) != sum {
        return Err("checksum mismatch (the file is corrupted)".into());
    }
    let mut r = Reader {
        bytes: body,
        at: 16,
    };
    let meta_bytes: Vec<u8> = r.section("meta")?;
    let meta: MetaSection =
        serde_json::from_slice(&meta_bytes).map_err(|e| format!("section \"meta\": {e}"))?;
    let blob: Vec<u8> = r.section("str.blob")?;
    let blob =
        String::from_utf8(blob).map_err(|_| "section \"str.blob\": not UTF-8".to_string())?;
    let ends: Vec<u64> = r.section("str.ends")?;
    let strings = Strings::from_parts(blob, ends)?;
    let graph = CaseGraph {
        meta: meta.meta,
        strings,
        phones: r.section("phones")?,
        handsets: r.section("handsets")?,
        accounts: r.section("accounts")?,
        persons: r.section("persons")?,
        registrations: r.section("registrations")?,
        locations: r.section("locations")?,
        incidents: r.section("incidents")?,
        lists: r.section("lists")?,
        attributes: r.section("attributes")?,
        events: r.section("events")?,
        call_links: r.section("call_links")?,
        call_out: r.section("call_out")?,
        call_in_offsets: r.section("call_in_offsets")?,
        call_in: r.section("call_in")?,
        phone_event_offsets: r.section("phone_ev_offsets")?,
        phone_events: r.section("phone_events")?,
        handset_uses: r.section("handset_uses")?,
        phone_locations: r.section("phone_locations")?,
        person_phones: r.section("person_phones")?,
        report: meta.report,
    };
    if r.at != body.len() {
        return Err(format!(
            "expected the end of the sections at byte {}, found more data",
            r.at
        ));
    }
    validate(&graph)?;
    Ok(graph)
}

/// Check every index of a graph against the table it points into, so that
/// a graph from outside (a snapshot) can never index out of bounds later.
pub fn validate(g: &CaseGraph) -> Result<(), String> {
    let n_str = g.strings.len() as u32;
    let sym_ok = |s: crate::graph::Sym| s.is_none() || s.0 < n_str;
    let idx_ok = |i: u32, n: usize| (i as usize) < n;
    let opt_ok = |i: u32, n: usize| i == NONE || (i as usize) < n;
    let bad = |what: &str| Err(format!("inconsistent snapshot: {what} out of range"));
    let (np, nh, na, nl, nper) = (
        g.phones.len(),
        g.handsets.len(),
        g.accounts.len(),
        g.locations.len(),
        g.persons.len(),
    );
    if !g
        .phones
        .iter()
        .chain(&g.handsets)
        .chain(&g.accounts)
        .all(|&s| sym_ok(s))
    {
        return bad("node name");
    }
    let list_ok =
        |r: crate::graph::ListRange| (r.start as u64 + r.len as u64) <= g.lists.len() as u64;
    for p in &g.persons {
        if ![p.person_id, p.name, p.id_number, p.address, p.source]
            .iter()
            .all(|&s| sym_ok(s))
            || !list_ok(p.aliases)
            || !list_ok(p.phones)
            || !g.list(p.aliases).iter().all(|&s| s < n_str)
            || !g.list(p.phones).iter().all(|&i| idx_ok(i, np))
        {
            return bad("person record");
        }
    }
    for r in &g.registrations {
        if !idx_ok(r.phone, np)
            || !opt_ok(r.handset, nh)
            || ![r.subscriber_name, r.subscriber_id_number, r.carrier]
                .iter()
                .all(|&s| sym_ok(s))
        {
            return bad("registration");
        }
    }
    for l in &g.locations {
        if ![l.location_id, l.name, l.district]
            .iter()
            .all(|&s| sym_ok(s))
        {
            return bad("location");
        }
    }
    for i in &g.incidents {
        if !sym_ok(i.incident_id)
            || !sym_ok(i.victim_id)
            || !opt_ok(i.location, nl)
            || !opt_ok(i.victim, nper)
            || !list_ok(i.phones)
            || !list_ok(i.accounts)
            || !g.list(i.phones).iter().all(|&p| idx_ok(p, np))
            || !g.list(i.accounts).iter().all(|&a| idx_ok(a, na))
        {
            return bad("incident");
        }
    }
    for a in &g.attributes {
        if !sym_ok(a.key) || !sym_ok(a.value) || a.table > 3 {
            return bad("attribute");
        }
    }
    for e in &g.events {
        if !idx_ok(e.caller, np)
            || !idx_ok(e.callee, np)
            || !opt_ok(e.caller_location, nl)
            || !opt_ok(e.callee_location, nl)
            || !opt_ok(e.caller_handset, nh)
            || !opt_ok(e.callee_handset, nh)
        {
            return bad("call event");
        }
    }
    if !g
        .call_links
        .iter()
        .all(|l| idx_ok(l.caller, np) && idx_ok(l.callee, np))
    {
        return bad("call link");
    }
    let offsets_ok = |o: &[u32], n_items: usize| {
        o.len() == np + 1
            && o[0] == 0
            && o.windows(2).all(|w| w[0] <= w[1])
            && o[np] as usize == n_items
    };
    if !offsets_ok(&g.call_out, g.call_links.len())
        || !offsets_ok(&g.call_in_offsets, g.call_in.len())
        || !g.call_in.iter().all(|&l| idx_ok(l, g.call_links.len()))
    {
        return bad("call adjacency");
    }
    let o = &g.phone_event_offsets;
    if o.len() != np + 1
        || o[0] != 0
        || !o.windows(2).all(|w| w[0] <= w[1])
        || o[np] as usize != g.phone_events.len()
        || !g.phone_events.iter().all(|&e| idx_ok(e, g.events.len()))
    {
        return bad("phone event index");
    }
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
        return bad("link table");
    }
    Ok(())
}
