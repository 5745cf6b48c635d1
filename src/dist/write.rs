//! The canonical outputs of a run, written by worker 0 (every file sorted
//! by full keys and written atomically): `ledger.json` (calls.csv's row
//! ledger), `pairs.csv` (contact pairs, one per caller → callee),
//! `hubs.csv` (service numbers left out, with why), `components.csv`
//! (every phone of the contact graph with its component's smallest phone)
//! and `pagerank.csv`. [`reference`] gives the same outputs from the
//! single-machine passes on an ingested case, to check a run against.

use super::{phone_of, phone_text, Phone, Result};
use crate::analysis::{
    components, pagerank::pagerank, ComponentsConfig, ContactConfig, ContactGraph,
};
use crate::graph::CaseGraph;
use crate::model::time::show;
use std::path::{Path, PathBuf};
use xxhash_rust::xxh3::xxh3_64;

/// calls.csv's row ledger: `rows_read = kept + rejected + duplicates`.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Ledger {
    pub file: String,
    pub rows_read: u64,
    pub kept: u64,
    pub rejected: u64,
    pub duplicates: u64,
}

/// A hub as `hubs.csv` lists it.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct HubRow {
    pub phone: Phone,
    pub contacts: u32,
    pub reciprocity: f64,
    pub one_off_share: f64,
    pub reason: String,
}

/// One caller → callee contact pair.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct PairRow {
    pub caller: Phone,
    pub callee: Phone,
    pub calls: u32,
    pub texts: u32,
    pub seconds: u64,
    pub first: i64,
    pub last: i64,
    pub night_calls: u32,
}

/// Everything a run writes, in any order (sorted when written).
#[derive(Debug, Clone)]
pub struct Outputs {
    pub ledger: Ledger,
    pub pairs: Vec<PairRow>,
    pub hubs: Vec<HubRow>,
    /// (phone, smallest phone of its component).
    pub components: Vec<(Phone, Phone)>,
    pub ranks: Vec<(Phone, f64)>,
}

impl Outputs {
    pub fn n_components(&self) -> usize {
        self.components.iter().filter(|(p, c)| p == c).count()
    }
}

/// The files written, in this order.
pub const FILES: [&str; 5] = [
    "ledger.json",
    "pairs.csv",
    "hubs.csv",
    "components.csv",
    "pagerank.csv",
];

/// What a run wrote of the two large files, so that a later added batch
/// can rewrite them from their changed rows only (see
/// [`merge_changed_rows`]): the output folder and the xxh3 of each file.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct OutputMark {
    /// The output folder, as given (made absolute).
    pub dir: String,
    pub pairs: u64,
    pub components: u64,
    /// Every key of both files is a plain number (see [`plain_phone`]),
    /// so a later run can find rows by their keys.
    pub plain: bool,
}

/// Whether a phone is written as a plain number (an optional `+` and
/// digits): no CSV quoting, no spreadsheet neutralising, so its row can be
/// found by its key in a written file.
pub fn plain_phone(p: Phone) -> bool {
    let b = p.to_be_bytes();
    let n = b.iter().position(|&x| x == 0).unwrap_or(16);
    let digits = b[..n].strip_prefix(b"+").unwrap_or(&b[..n]);
    !digits.is_empty() && digits.iter().all(u8::is_ascii_digit)
}

/// The header of pairs.csv.
pub const PAIRS_HEADER: [&str; 8] = [
    "caller",
    "callee",
    "calls",
    "texts",
    "seconds",
    "first",
    "last",
    "night_calls",
];

/// The header of components.csv.
pub const COMPONENTS_HEADER: [&str; 2] = ["phone", "component"];

/// Rows as CSV bytes (the header first unless `header` is empty), as
/// every casegraph CSV writer writes them.
fn csv_bytes<R, T>(header: &[&str], rows: impl IntoIterator<Item = R>) -> Vec<u8>
where
    R: IntoIterator<Item = T>,
    T: AsRef<str>,
{
    let mut w = crate::safe_csv::Writer::from_writer(Vec::new());
    if !header.is_empty() {
        w.write_record(header).expect("writing to memory");
    }
    for row in rows {
        w.write_record(row).expect("writing to memory");
    }
    w.into_inner().expect("writing to memory")
}

/// pairs.csv's fields of a pair.
fn pair_fields(p: &PairRow) -> [String; 8] {
    [
        phone_text(p.caller),
        phone_text(p.callee),
        p.calls.to_string(),
        p.texts.to_string(),
        p.seconds.to_string(),
        show(p.first),
        show(p.last),
        p.night_calls.to_string(),
    ]
}

/// pairs.csv's header line.
pub fn pairs_header() -> Vec<u8> {
    csv_bytes::<[String; 0], String>(&PAIRS_HEADER, [])
}

/// Pairs (already sorted) as pairs.csv's lines, without the header: the
/// header then every worker's range of rows in order is the file
/// [`pairs_csv`] writes whole.
pub fn pair_rows_csv(pairs: &[PairRow]) -> Vec<u8> {
    let mut out = Vec::with_capacity(pairs.len() * 80);
    let mut n = itoa::Buffer::new();
    for p in pairs {
        if !(plain_phone(p.caller) && plain_phone(p.callee)) {
            // Quoted or neutralised cells: the CSV writer's way.
            out.extend(csv_bytes(&[], [pair_fields(p)]));
            continue;
        }
        // Plain numbers, counts and times need no quoting: the same bytes
        // written field by field, without a string per field.
        let phone = |out: &mut Vec<u8>, x: Phone| {
            let b = x.to_be_bytes();
            let len = b.iter().position(|&c| c == 0).unwrap_or(16);
            out.extend_from_slice(&b[..len]);
        };
        phone(&mut out, p.caller);
        out.push(b',');
        phone(&mut out, p.callee);
        for v in [p.calls as u64, p.texts as u64, p.seconds] {
            out.push(b',');
            out.extend_from_slice(n.format(v).as_bytes());
        }
        for t in [p.first, p.last] {
            out.push(b',');
            std::io::Write::write_fmt(&mut out, format_args!("{}", crate::model::time::Show(t)))
                .expect("writing to memory");
        }
        out.push(b',');
        out.extend_from_slice(n.format(p.night_calls).as_bytes());
        out.push(b'\n');
    }
    out
}

/// pairs.csv, whole (the pairs sorted here).
pub fn pairs_csv(pairs: &mut [PairRow]) -> Vec<u8> {
    pairs.sort_unstable_by_key(|p| (p.caller, p.callee));
    csv_bytes(&PAIRS_HEADER, pairs.iter().map(pair_fields))
}

/// components.csv, whole (the rows sorted here).
pub fn components_csv(components: &mut [(Phone, Phone)]) -> Vec<u8> {
    components.sort_unstable();
    csv_bytes(
        &COMPONENTS_HEADER,
        components
            .iter()
            .map(|&(p, c)| [phone_text(p), phone_text(c)]),
    )
}

/// Changed or new pairs as pairs.csv lines, keyed (caller, callee), sorted.
pub fn pair_lines(mut pairs: Vec<PairRow>) -> Vec<((Phone, Phone), Vec<u8>)> {
    pairs.sort_unstable_by_key(|p| (p.caller, p.callee));
    pairs
        .iter()
        .map(|p| ((p.caller, p.callee), csv_bytes(&[], [pair_fields(p)])))
        .collect()
}

/// Changed or new components.csv rows as lines, keyed (phone, 0), sorted.
pub fn component_lines(mut rows: Vec<(Phone, Phone)>) -> Vec<((Phone, Phone), Vec<u8>)> {
    rows.sort_unstable();
    rows.iter()
        .map(|&(p, c)| ((p, 0), csv_bytes(&[], [[phone_text(p), phone_text(c)]])))
        .collect()
}

/// A file written earlier (header and rows sorted by their first `keys`
/// fields, one or two phones) with `changes` applied: a change whose key
/// is an old row's replaces it, the others are inserted in order. The
/// result is the file a full write of the updated rows gives, byte for
/// byte, because both are the same sorted rows written the same way.
/// None when an old row's key cannot be read back as plain numbers (a
/// quoted or neutralised cell): the caller then writes the file whole.
#[cfg(test)]
pub fn merge_changed_rows(
    old: &[u8],
    keys: usize,
    changes: &[((Phone, Phone), Vec<u8>)],
) -> Option<Vec<u8>> {
    merged_pieces(old, keys, changes).map(|pieces| pieces.concat())
}

/// [`merge_changed_rows`] as the pieces of the merged file in order (runs
/// of old rows and changed lines), so a large file can be written out
/// without first being copied whole in memory.
pub fn merged_pieces<'a>(
    old: &'a [u8],
    keys: usize,
    changes: &'a [((Phone, Phone), Vec<u8>)],
) -> Option<Vec<&'a [u8]>> {
    let header_end = old.iter().position(|&b| b == b'\n')? + 1;
    let mut out: Vec<&[u8]> = Vec::with_capacity(2 * changes.len() + 2);
    out.push(&old[..header_end]);
    let mut at = header_end;
    for (key, line) in changes {
        // The first old row at or after `at` whose key is not below this
        // change's (binary search over the rows' byte offsets): rows
        // between are copied as they are.
        let pos = lower_bound(old, at, *key, keys)?;
        if pos > at {
            out.push(&old[at..pos]);
        }
        at = pos;
        if at < old.len() {
            let end = line_end(old, at);
            if line_key(&old[at..end], keys)? == *key {
                at = end;
            }
        }
        out.push(line);
    }
    if at < old.len() {
        out.push(&old[at..]);
    }
    Some(out)
}

/// Write `pieces` one after another to `path`, atomically; returns the
/// xxh3 of the whole file (for its [`OutputMark`]).
pub fn write_pieces(path: &Path, pieces: &[&[u8]]) -> crate::error::Result<u64> {
    let mut hash = xxhash_rust::xxh3::Xxh3::new();
    crate::atomic::write_atomically_with(path, |file| {
        use std::io::Write;
        let mut w = std::io::BufWriter::with_capacity(1 << 20, file);
        for piece in pieces {
            hash.update(piece);
            w.write_all(piece)?;
        }
        w.flush()
    })?;
    Ok(hash.digest())
}

/// The end of the line starting at `at` (after its newline).
fn line_end(file: &[u8], at: usize) -> usize {
    memchr::memchr(b'\n', &file[at..]).map_or(file.len(), |i| at + i + 1)
}

/// The first line start at or after `at`.
fn next_line_start(file: &[u8], at: usize) -> usize {
    if at == 0 || file[at - 1] == b'\n' {
        at
    } else {
        line_end(file, at)
    }
}

/// The start of the first line at or after line start `lo` whose key is
/// not below `key` (the lines from `lo` on are sorted by key).
///
/// The changes come sorted, so the answer is usually a few rows past
/// `lo`: the search first gallops forward from `lo` in doubling steps
/// until it passes the key, then bisects that last step (O(log d) rows
/// read for an answer d bytes on, not O(log n)).
fn lower_bound(file: &[u8], mut lo: usize, key: (Phone, Phone), keys: usize) -> Option<usize> {
    let mut hi = file.len();
    let mut step = 256;
    while lo.saturating_add(step) < hi {
        let s = next_line_start(file, lo + step);
        if s >= hi {
            break;
        }
        let e = line_end(file, s);
        if line_key(&file[s..e], keys)? < key {
            lo = e;
            step = step.saturating_mul(2);
        } else {
            hi = s;
            break;
        }
    }
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        let mut s = next_line_start(file, mid);
        if s >= hi {
            s = lo;
        }
        let e = line_end(file, s);
        if line_key(&file[s..e], keys)? < key {
            lo = e;
        } else {
            hi = s;
        }
    }
    Some(lo)
}

/// The key of a written row: its first `keys` fields as phones (the
/// second 0 when `keys` is 1); None unless they are plain numbers.
fn line_key(line: &[u8], keys: usize) -> Option<(Phone, Phone)> {
    let mut fields = line.split(|&b| b == b',');
    let mut key = [0 as Phone; 2];
    for k in key.iter_mut().take(keys) {
        let f = fields.next()?;
        let f = f.strip_suffix(b"\n").unwrap_or(f);
        let f = f.strip_suffix(b"\r").unwrap_or(f);
        let digits = f.strip_prefix(b"+").unwrap_or(f);
        if digits.is_empty() || f.len() > 16 || !digits.iter().all(u8::is_ascii_digit) {
            return None;
        }
        *k = phone_of(std::str::from_utf8(f).ok()?);
    }
    Some((key[0], key[1]))
}

/// The ledger as ledger.json's bytes.
pub fn ledger_json(ledger: &Ledger) -> Vec<u8> {
    let mut json = serde_json::to_vec_pretty(ledger).expect("the ledger serialises");
    json.push(b'\n');
    json
}

/// hubs.csv, whole (the hubs sorted here).
pub fn hubs_csv(hubs: &mut [HubRow]) -> Vec<u8> {
    hubs.sort_unstable_by_key(|h| h.phone);
    csv_bytes(
        &[
            "phone",
            "contacts",
            "reciprocity",
            "one_off_share",
            "reason",
        ],
        hubs.iter().map(|h| {
            [
                phone_text(h.phone),
                h.contacts.to_string(),
                h.reciprocity.to_string(),
                h.one_off_share.to_string(),
                h.reason.clone(),
            ]
        }),
    )
}

/// pagerank.csv, whole (the ranks sorted here).
pub fn ranks_csv(ranks: &mut [(Phone, f64)]) -> Vec<u8> {
    ranks.sort_unstable_by_key(|r| r.0);
    csv_bytes(
        &["phone", "pagerank"],
        ranks
            .iter()
            .map(|&(p, r)| [phone_text(p), format!("{r:.15e}")]),
    )
}

/// Write `outputs` into `out` (created if needed); returns the paths.
pub fn write_all(out: &Path, o: Outputs) -> Result<Vec<PathBuf>> {
    Ok(write_all_marked(out, o)?.0)
}

/// [`write_all`], also returning the mark of what was written.
pub fn write_all_marked(out: &Path, mut o: Outputs) -> Result<(Vec<PathBuf>, OutputMark)> {
    std::fs::create_dir_all(out).map_err(|e| crate::error::Error::io(out, e))?;
    let pairs = pairs_csv(&mut o.pairs);
    crate::atomic::write_atomically(&out.join(FILES[1]), &pairs)?;
    let plain = o
        .pairs
        .iter()
        .all(|p| plain_phone(p.caller) && plain_phone(p.callee));
    let written = PairsWritten {
        hash: xxh3_64(&pairs),
        rows: o.pairs.len() as u64,
        plain,
    };
    write_all_but_pairs(out, o, &written)
}

/// What was written of pairs.csv: its xxh3, rows, and whether every key
/// is a plain number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PairsWritten {
    pub hash: u64,
    pub rows: u64,
    pub plain: bool,
}

/// Every output but pairs.csv, which is `pairs` (written already, by
/// [`write_all_marked`] or piece by piece by the workers in turn);
/// `o.pairs` is not read.
pub fn write_all_but_pairs(
    out: &Path,
    mut o: Outputs,
    pairs: &PairsWritten,
) -> Result<(Vec<PathBuf>, OutputMark)> {
    std::fs::create_dir_all(out).map_err(|e| crate::error::Error::io(out, e))?;
    let path = |name: &str| out.join(name);
    crate::atomic::write_atomically(&path(FILES[0]), &ledger_json(&o.ledger))?;
    crate::atomic::write_atomically(&path(FILES[2]), &hubs_csv(&mut o.hubs))?;
    let components = components_csv(&mut o.components);
    crate::atomic::write_atomically(&path(FILES[3]), &components)?;
    crate::atomic::write_atomically(&path(FILES[4]), &ranks_csv(&mut o.ranks))?;
    let plain = pairs.plain && o.components.iter().all(|c| plain_phone(c.0));
    let mark = output_mark(out, pairs.hash, xxh3_64(&components), plain);
    Ok((FILES.iter().map(|f| path(f)).collect(), mark))
}

/// The mark of pairs.csv and components.csv as written into `out`, from
/// the files' xxh3 hashes.
pub fn output_mark(out: &Path, pairs: u64, components: u64, plain: bool) -> OutputMark {
    OutputMark {
        dir: absolute(out),
        pairs,
        components,
        plain,
    }
}

/// `dir` made absolute (as text), to compare output folders.
pub fn absolute(dir: &Path) -> String {
    std::path::absolute(dir)
        .unwrap_or_else(|_| dir.to_path_buf())
        .display()
        .to_string()
}

/// pairs.csv and components.csv of `out` when they are, byte for byte,
/// the files `mark` describes and their keys are plain numbers (a later
/// run may then rewrite them from their changed rows); None otherwise.
///
/// The files are mapped, not copied: pairs.csv runs to hundreds of MB, and
/// a run replaces an output only by renaming a new file over it, so the
/// mapping keeps seeing the file that was checked.
pub fn marked_outputs(out: &Path, mark: &OutputMark) -> Option<(memmap2::Mmap, memmap2::Mmap)> {
    if !mark.plain || absolute(out) != mark.dir {
        return None;
    }
    let map = |name: &str| -> Option<memmap2::Mmap> {
        let file = std::fs::File::open(out.join(name)).ok()?;
        // SAFETY: see above; the output folder is this run's own.
        unsafe { memmap2::Mmap::map(&file) }.ok()
    };
    let pairs = map(FILES[1])?;
    if xxh3_64(&pairs) != mark.pairs {
        return None;
    }
    let components = map(FILES[3])?;
    if xxh3_64(&components) != mark.components {
        return None;
    }
    Some((pairs, components))
}

/// The same outputs from the single-machine engine on an ingested case:
/// the default contact graph (hubs by `analysis::hubs`), `components`,
/// weighted `pagerank`, and the ingest report's calls.csv ledger.
pub fn reference(case: &CaseGraph) -> Result<Outputs> {
    let file = case
        .report
        .files
        .iter()
        .find(|f| f.file == "calls.csv")
        .ok_or_else(|| super::DistError::Invalid("the case has no calls.csv".into()))?;
    let ledger = Ledger {
        file: "calls.csv".into(),
        rows_read: file.rows_read,
        kept: file.kept,
        rejected: file.rejected,
        duplicates: file.duplicates,
    };
    // Night calls per link, from the events.
    let mut night: rustc_hash::FxHashMap<(u32, u32), u32> = Default::default();
    for e in case.events.iter() {
        if (0..5).contains(&crate::model::time::hour_of_day(e.start)) && !e.is_text() {
            *night.entry((e.caller, e.callee)).or_default() += 1;
        }
    }
    let phone = |i: u32| phone_of(case.phone_number(i));
    let pairs = case
        .call_links
        .iter()
        .map(|l| PairRow {
            caller: phone(l.caller),
            callee: phone(l.callee),
            calls: l.n_calls,
            texts: l.n_texts,
            seconds: l.total_seconds,
            first: l.first,
            last: l.last,
            night_calls: night.get(&(l.caller, l.callee)).copied().unwrap_or(0),
        })
        .collect();
    let g = ContactGraph::from_case(case, &ContactConfig::default())?;
    let hubs = g
        .hubs
        .iter()
        .map(|h| HubRow {
            phone: phone_of(&h.phone),
            contacts: h.contacts,
            reciprocity: h.reciprocity,
            one_off_share: h.one_off_share,
            reason: h.reason.clone(),
        })
        .collect();
    let c = components(&g, &ComponentsConfig { min_size: 1 })?;
    let mut components = Vec::with_capacity(g.n_nodes());
    for k in 0..c.len() as u32 {
        let members = c.members(k);
        let smallest = members
            .iter()
            .map(|&v| phone_of(g.name(v)))
            .min()
            .expect("a component has members");
        components.extend(members.iter().map(|&v| (phone_of(g.name(v)), smallest)));
    }
    let d = super::RankConfig::default();
    let (pr, _) = pagerank(
        &g,
        d.alpha,
        d.tol,
        d.max_iter,
        true,
        crate::analysis::pagerank::Norm::L1,
    )?;
    let ranks = pr
        .iter()
        .enumerate()
        .map(|(v, &r)| (phone_of(g.name(v as u32)), r))
        .collect();
    Ok(Outputs {
        ledger,
        pairs,
        hubs,
        components,
        ranks,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pair(caller: &str, callee: &str, calls: u32) -> PairRow {
        PairRow {
            caller: phone_of(caller),
            callee: phone_of(callee),
            calls,
            texts: 0,
            seconds: 60,
            first: 0,
            last: 86_400,
            night_calls: 0,
        }
    }

    #[test]
    fn rows_written_field_by_field_are_the_csv_writers_bytes() {
        let mut rows = vec![
            pair("+8613800000002", "+8613800000001", 1),
            pair("13900000000", "110", 7),
            pair("=cmd", "13800000004", 2),
        ];
        rows[1].first = -1;
        rows[1].last = 4_102_444_799;
        rows[1].seconds = u64::MAX;
        rows[1].night_calls = u32::MAX;
        for r in &rows {
            let slow = csv_bytes(&[], [pair_fields(r)]);
            assert_eq!(pair_rows_csv(std::slice::from_ref(r)), slow);
        }
    }

    #[test]
    fn the_header_then_ranges_written_apart_is_the_file_written_whole() {
        // Names that need quoting and neutralising, as a range may hold.
        let mut all = vec![
            pair("+8613800000002", "+8613800000001", 1),
            pair("=cmd", "13800000004", 2),
            pair("a,b", "+8613800000005", 3),
            pair("13900000000", "110", 1),
        ];
        let whole = pairs_csv(&mut all);
        for cut in 0..=all.len() {
            let mut pieces = pairs_header();
            pieces.extend(pair_rows_csv(&all[..cut]));
            pieces.extend(pair_rows_csv(&all[cut..]));
            assert_eq!(pieces, whole, "cut after {cut} rows");
        }
    }

    #[test]
    fn a_file_updated_from_its_changed_rows_is_the_file_written_whole() {
        let mut old = vec![
            pair("+8613800000002", "+8613800000001", 1),
            pair("13800000003", "13800000004", 2),
            pair("+8613800000002", "+8613800000005", 3),
        ];
        let old_file = pairs_csv(&mut old);
        assert!(old
            .iter()
            .all(|p| plain_phone(p.caller) && plain_phone(p.callee)));
        // One row changed, one before every row, one between, one after.
        let changes = vec![
            pair("+8613800000002", "+8613800000005", 4),
            pair("+8613000000000", "+8613800000001", 1),
            pair("+8613800000002", "+8613800000003", 1),
            pair("13900000000", "110", 1),
        ];
        let mut all = vec![
            pair("+8613800000002", "+8613800000001", 1),
            pair("13800000003", "13800000004", 2),
        ];
        all.extend(changes.iter().cloned());
        let merged = merge_changed_rows(&old_file, 2, &pair_lines(changes)).unwrap();
        assert_eq!(
            String::from_utf8(merged).unwrap(),
            String::from_utf8(pairs_csv(&mut all)).unwrap()
        );
        let mut comps = vec![(phone_of("13800000003"), phone_of("13800000003"))];
        let old_comps = components_csv(&mut comps);
        let change = vec![
            (phone_of("13800000003"), phone_of("+8613800000001")),
            (phone_of("+8613800000001"), phone_of("+8613800000001")),
        ];
        let merged = merge_changed_rows(&old_comps, 1, &component_lines(change.clone())).unwrap();
        assert_eq!(merged, components_csv(&mut change.clone()));
    }

    /// `changes` merged into components.csv `old` (of `rows`) give the
    /// file written whole from the updated rows.
    fn assert_merge_is_whole_write(
        old: &[u8],
        rows: Vec<(Phone, Phone)>,
        changes: Vec<(Phone, Phone)>,
    ) {
        let merged = merge_changed_rows(old, 1, &component_lines(changes.clone())).unwrap();
        let mut all: std::collections::BTreeMap<Phone, Phone> = rows.into_iter().collect();
        all.extend(changes);
        let mut all: Vec<(Phone, Phone)> = all.into_iter().collect();
        assert_eq!(merged, components_csv(&mut all));
    }

    #[test]
    fn sparse_changes_far_apart_are_found_by_galloping() {
        // 20,000 rows and a handful of changes: each search gallops over
        // thousands of rows before it bisects.
        let mut rows: Vec<(Phone, Phone)> = (0..20_000u64)
            .map(|i| (phone_of(&(100_000 + 3 * i).to_string()), phone_of("1")))
            .collect();
        let old = components_csv(&mut rows);
        let changes: Vec<(Phone, Phone)> = [5u64, 100_000, 100_001, 130_000, 159_997, 170_000]
            .iter()
            .map(|&i| (phone_of(&i.to_string()), phone_of("2")))
            .collect();
        assert_merge_is_whole_write(&old, rows, changes);
    }

    #[test]
    fn keys_not_plain_numbers_are_not_read_and_many_changes_merge_as_a_whole_write() {
        assert!(!plain_phone(phone_of("'=1")));
        assert!(!plain_phone(phone_of("+")));
        assert!(!plain_phone(phone_of("1-2")));
        assert!(plain_phone(phone_of("+8613800138000")));
        let change = [((phone_of("2"), 0), b"2,2\n".to_vec())];
        assert!(merge_changed_rows(b"phone,component\n\"1\",2\n", 1, &change).is_none());
        assert!(merge_changed_rows(b"no header", 1, &change).is_none());
        // Many rows, changes everywhere: the binary search finds each.
        let mut rows: Vec<(Phone, Phone)> = (0..500u64)
            .map(|i| (phone_of(&(1000 + 2 * i).to_string()), phone_of("1000")))
            .collect();
        let old = components_csv(&mut rows);
        let changes: Vec<(Phone, Phone)> = (0..1010u64)
            .step_by(7)
            .map(|i| (phone_of(&(995 + i).to_string()), phone_of("995")))
            .collect();
        assert_merge_is_whole_write(&old, rows, changes);
    }
}
