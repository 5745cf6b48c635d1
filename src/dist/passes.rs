//! The passes one worker runs, round after round (see [`super::Exchanger`]):
//! duplicates and the ledger, contact pairs, the hub rule, components,
//! PageRank; pairs.csv written range by range in turns
//! ([`write_pairs_in_turns`]), the other results gathered and written by
//! worker 0. Timely pairs
//! the workers' dataflows by the order they are built in, so every worker
//! builds all its exchanges up front in one order ([`Exchanges::new`]) and
//! takes the rounds in one order ([`run_worker`]).

use super::read::{read_added_share, read_share, to_hash_owners, Call, RangeCounts, RowMsg};
use super::write::{self, HubRow, Ledger, Outputs, PairRow};
use super::{folders, owner, state, DistConfig, Exchanger, Phone, Result, Summary};
use crate::analysis::hubs::HubConfig;
use crate::model::time::hour_of_day;
use rustc_hash::{FxHashMap, FxHashSet};
use timely::worker::Worker;

/// Night calls are those started in `[0, 5)` on the case's clock (the
/// odd-hours window of `docs/leads.toml`).
const NIGHT_HOURS: std::ops::Range<u32> = 0..5;

/// PageRank's fixed point: ranks are integers in units of 2^-62.
const ONE: u64 = 1 << 62;

/// Counts every worker sends every other.
#[derive(Debug, Clone, Copy, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub(super) struct Totals {
    pub(super) rows_read: u64,
    pub(super) kept: u64,
    pub(super) rejected: u64,
    pub(super) duplicates: u64,
    pub(super) first: i64,
    pub(super) last: i64,
}

impl Totals {
    /// No rows yet: the span is empty.
    pub(super) fn none() -> Self {
        Totals {
            first: i64::MAX,
            last: i64::MIN,
            ..Totals::default()
        }
    }

    /// Both counts added up, the spans joined.
    pub(super) fn plus(&self, t: &Totals) -> Totals {
        Totals {
            rows_read: self.rows_read + t.rows_read,
            kept: self.kept + t.kept,
            rejected: self.rejected + t.rejected,
            duplicates: self.duplicates + t.duplicates,
            first: self.first.min(t.first),
            last: self.last.max(t.last),
        }
    }
}

/// One directed link: (calls, texts, seconds, first, last, night calls,
/// short events as the burner rule counts them).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct Link {
    pub(super) calls: u32,
    pub(super) texts: u32,
    pub(super) seconds: u64,
    pub(super) first: i64,
    pub(super) last: i64,
    pub(super) night: u32,
    pub(super) short: u32,
}

impl Link {
    /// Add `l`'s events to this link (every field is a sum, a minimum or
    /// a maximum, so links add up in any order).
    fn add(&mut self, l: &Link) {
        self.calls += l.calls;
        self.texts += l.texts;
        self.seconds += l.seconds;
        self.first = self.first.min(l.first);
        self.last = self.last.max(l.last);
        self.night += l.night;
        self.short += l.short;
    }
}

/// The pair owner of an unordered phone pair.
fn pair_owner(a: Phone, b: Phone, peers: usize) -> usize {
    let (lo, hi) = (a.min(b), a.max(b));
    let mut bytes = [0u8; 32];
    bytes[..16].copy_from_slice(&lo.to_le_bytes());
    bytes[16..].copy_from_slice(&hi.to_le_bytes());
    (xxhash_rust::xxh3::xxh3_64(&bytes) % peers as u64) as usize
}

/// Union-find over dense ids with path halving; roots are the smallest
/// id of their set, so they do not depend on the order of unions.
struct UnionFind {
    parent: Vec<u32>,
}

impl UnionFind {
    fn new(n: usize) -> Self {
        UnionFind {
            parent: (0..n as u32).collect(),
        }
    }
    fn find(&mut self, mut x: u32) -> u32 {
        while self.parent[x as usize] != x {
            let p = self.parent[x as usize];
            self.parent[x as usize] = self.parent[p as usize];
            x = self.parent[x as usize];
        }
        x
    }
    fn union(&mut self, a: u32, b: u32) {
        let (ra, rb) = (self.find(a), self.find(b));
        if ra != rb {
            let (lo, hi) = (ra.min(rb), ra.max(rb));
            self.parent[hi as usize] = lo;
        }
    }
}

/// Dense ids for phones, in phone order (so union-find roots are the
/// smallest phones).
fn dense(phones: impl Iterator<Item = Phone>) -> (Vec<Phone>, FxHashMap<Phone, u32>) {
    let phones = distinct(phones);
    let mut index = FxHashMap::with_capacity_and_hasher(phones.len(), Default::default());
    index.extend(phones.iter().enumerate().map(|(i, &p)| (p, i as u32)));
    (phones, index)
}

/// The exchanges of one run. Timely pairs up dataflows by the order they
/// are built in, so every worker builds them here, in this one order.
struct Exchanges {
    counts: Exchanger<RangeCounts>,
    rows: Exchanger<RowMsg>,
    calls: Exchanger<Call>,
    totals: Exchanger<Totals>,
    profile: Exchanger<(Phone, ContactTally)>,
    degree: Exchanger<(u32, u64)>,
    hubs: Exchanger<HubRow>,
    pairs: Exchanger<PairRow>,
    forest: Exchanger<(Phone, Phone)>,
    adjacency: Exchanger<(Phone, Phone, u32)>,
    share: Exchanger<(Phone, u64)>,
    sum: Exchanger<(u64, u128)>,
    marks: Exchanger<(u64, u64)>,
    delta: Exchanger<Delta>,
    ask: Exchanger<Phone>,
    relabel: Exchanger<(u8, Phone, Phone)>,
    pieces: Exchanger<Piece>,
}

impl Exchanges {
    fn new(worker: &mut Worker) -> Self {
        Exchanges {
            counts: Exchanger::new(worker),
            rows: Exchanger::new(worker),
            calls: Exchanger::new(worker),
            totals: Exchanger::new(worker),
            profile: Exchanger::new(worker),
            degree: Exchanger::new(worker),
            hubs: Exchanger::new(worker),
            pairs: Exchanger::new(worker),
            forest: Exchanger::new(worker),
            adjacency: Exchanger::new(worker),
            share: Exchanger::new(worker),
            sum: Exchanger::new(worker),
            marks: Exchanger::new(worker),
            delta: Exchanger::new(worker),
            ask: Exchanger::new(worker),
            relabel: Exchanger::new(worker),
            pieces: Exchanger::new(worker),
        }
    }
}

/// An undirected pair of phones (smaller first): (events, events from the
/// smaller phone to the larger, first, last).
type PairTally = (u32, u32, i64, i64);

/// A phone's contacts as the hub rule reads them: (contacts, two-way
/// contacts, one-off contacts, first, last).
pub(super) type ContactTally = (u32, u32, u32, i64, i64);

/// The whole run for one worker: the rounds in the order every worker
/// takes them (each `round` or `all` is a barrier all workers reach).
pub fn run_worker(worker: &mut Worker, config: &DistConfig) -> Result<Summary> {
    let peers = worker.peers();
    let me = worker.index();
    let mut x = Exchanges::new(worker);
    let mut fx = folders::FolderExchanges::new(worker);
    let mut phases = Phases::start();
    let keep_state = config.state.as_ref();
    let adding = keep_state.filter(|s| !s.add.is_empty());

    // 0. The stored state this run adds to (see `state`), and whether
    // the outputs it wrote are still there to be updated in place.
    let (mut stored, stored_size, old_outputs) = match adding {
        Some(s) => {
            let (share, size) = load_stored(worker, &mut x, config, &s.dir)?;
            let old = find_old_outputs(worker, &mut x, config, &share)?;
            (Some(share), size, old)
        }
        None => (None, state::Stored::default(), OldOutputs::default()),
    };
    phases.done("load state");

    // 1. Read, then find exact duplicates at each hash's owner (rows of
    // earlier batches by their stored hashes).
    let mut shares = match adding {
        None => vec![read_share(
            worker,
            &mut x.counts,
            &config.case,
            &config.ingest,
        )?],
        Some(s) => {
            let mut shares = Vec::new();
            for file in &s.add {
                shares.push(read_added_share(
                    worker,
                    &mut x.counts,
                    file,
                    &config.ingest,
                )?);
            }
            shares
        }
    };
    // Each row leaves for its hash's owner as it is read.
    let rows = x
        .rows
        .round(worker, to_hash_owners(shares.iter_mut().flatten(), peers))?;
    for share in shares {
        share.finish()?;
    }
    let seen = stored
        .as_mut()
        .map(|s| std::mem::take(&mut s.rows))
        .unwrap_or_default();
    let (new_totals, kept_calls, new_rows) = drop_duplicates(rows, &seen, keep_state.is_some());
    let my_totals = match &stored {
        Some(s) => s.totals.plus(&new_totals),
        None => new_totals,
    };
    let totals = sum_totals(&x.totals.all(worker, vec![my_totals])?);
    phases.done("read");
    let kept = Kept {
        totals,
        my_totals,
        rows: merge_sorted(&seen, &new_rows),
        new_rows,
    };
    drop(seen);
    if let (Some(s), Some(sc)) = (stored, adding) {
        return add_batch(
            worker,
            &mut x,
            &mut fx,
            config,
            &sc.dir,
            phases,
            (s, stored_size),
            old_outputs,
            kept,
            kept_calls,
        );
    }

    // 2. Contact pairs at each pair's owner.
    let links = directed_links(x.calls.round(worker, to_pair_owners(kept_calls, peers))?);
    let folder_links = match config.folders {
        0 => Vec::new(),
        _ => link_facts(links.iter().map(|(k, l)| (k, l))),
    };
    phases.done("pairs");

    // pairs.csv, each worker's range in turn (no worker holds them all);
    // then the undirected pairs, and the links go unless the state keeps
    // them (links, pairs and a range of rows are never all held at once).
    let pairs_written =
        write_pairs_in_turns(worker, &mut x, &links, &config.out.join(write::FILES[1]))?;
    let pairs = undirected_pairs(&links);
    let links = match keep_state {
        Some(_) => links,
        None => {
            drop(links);
            Vec::new()
        }
    };
    phases.done("pairs.csv");

    // 3. The hub rule at each phone's owner.
    let judged = find_hubs(worker, &mut x, config, &pairs, &totals)?;
    let hubs = judged.hubs;
    let is_hub: FxHashSet<Phone> = hubs.iter().map(|h| h.phone).collect();

    phases.done("hubs");

    // 4. The contact graph: pairs without a hub.
    let edges = contact_edges_without_hubs(pairs, &is_hub);

    // 5. Components: union-find here, the forest merged at worker 0.
    let forest = x.forest.round(worker, component_forest(&edges))?;
    let components = (me == 0).then(|| merge_forest(forest));
    phases.done("components");

    // 6. PageRank: each phone's links at its owner.
    let mut adjacency = x.adjacency.round(worker, links_at_owners(&edges, peers))?;
    // Only the folders read the links again.
    let edges = match config.folders {
        0 => Vec::new(),
        _ => edges,
    };
    adjacency.sort_unstable();
    let (ranks, iterations) = pagerank(worker, config, adjacency, &mut x.share, &mut x.sum)?;
    let ranks: Vec<(usize, (Phone, u64))> = ranks.into_iter().map(|r| (0, r)).collect();
    let ranks = x.share.round(worker, ranks)?;
    phases.done("pagerank");

    // 7. Suspicious groups as case folders (see `folders`).
    let mut folders_written = Vec::new();
    if config.folders > 0 {
        let input = folders::FolderInput {
            links: folder_links,
            edges: &edges,
            hubs: &hubs,
            case_days: case_days(&totals),
            components: components.as_deref(),
            case: &config.case,
            more_calls: &[],
        };
        folders_written = folders::run_worker(worker, &mut fx, config, input)?;
        phases.done("folders");
    }

    // Each phone's component back to its owner, for the state.
    let my_labels = match keep_state {
        Some(_) => {
            let labels = x
                .forest
                .round(worker, labels_to_owners(&components, peers))?;
            phases.done("labels");
            labels
        }
        None => Vec::new(),
    };

    let mut summary = Summary {
        rows_read: totals.rows_read,
        kept: totals.kept,
        rejected: totals.rejected,
        duplicates: totals.duplicates,
        hubs: hubs.len() as u64,
        pagerank_iterations: iterations as u64,
        ..Summary::default()
    };
    let mut mark = None;
    if me == 0 {
        let pairs_written = pairs_written.expect("worker 0 wrote pairs.csv");
        let outputs = Outputs {
            ledger: ledger(&totals),
            pairs: Vec::new(),
            hubs: hubs.clone(),
            components: components.unwrap_or_default(),
            ranks: ranks
                .into_iter()
                .map(|(p, x)| (p, x as f64 / ONE as f64))
                .collect(),
        };
        summary.pairs = pairs_written.rows;
        summary.components = outputs.n_components() as u64;
        summary.ranked = outputs.ranks.len() as u64;
        let (written, m) = write::write_all_but_pairs(&config.out, outputs, &pairs_written)?;
        summary.written = written;
        mark = Some(m);
        summary.folders = folders_written.len().saturating_sub(1) as u64;
        summary.written.extend(folders_written);
        phases.done("write");
    }

    // 8. This worker's share of the state, written last.
    if let Some(sc) = keep_state {
        let mut labels = my_labels;
        labels.sort_unstable();
        let mut tallies: Vec<(Phone, ContactTally)> = judged.tallies.into_iter().collect();
        tallies.sort_unstable_by_key(|t| t.0);
        let (case, calls) = case_sources(config)?;
        let saved = Saved {
            generation: 1,
            median: judged.median,
            case_days: case_days(&totals),
            outputs: mark,
            links,
            labels,
            hubs: hub_list(&hubs),
            tallies,
            case,
            calls: vec![calls],
        };
        let part = save_share(worker, config, &sc.dir, kept, saved)?;
        phases.done("save state");
        if me == 0 {
            summary.written.push(part);
            summary.state = Some(format!(
                "state generation 1 written to {} ({peers} parts)",
                sc.dir.display()
            ));
        }
    }
    summary.phases = phases.list;
    Ok(summary)
}

/// The row ledger and row hashes of a run that keeps its state.
struct Kept {
    totals: Totals,
    my_totals: Totals,
    /// Every distinct row this worker owns, sorted.
    rows: Vec<u128>,
    /// The rows of this run's batch among them (a delta's, see
    /// [`state::save_delta`]).
    new_rows: Vec<u128>,
}

/// The rest of a worker's share of the state, as a run leaves it.
struct Saved {
    generation: u64,
    median: f64,
    case_days: f64,
    outputs: Option<write::OutputMark>,
    links: Vec<((Phone, Phone), Link)>,
    labels: Vec<(Phone, Phone)>,
    hubs: Vec<Phone>,
    tallies: Vec<(Phone, ContactTally)>,
    /// The case folder and the call files counted (see
    /// [`state::CallSource`]).
    case: String,
    calls: Vec<state::CallSource>,
}

/// The description of this worker's part of the state as `saved` leaves
/// it, or of its delta over the whole part of mark `base`.
fn part_meta(
    worker: &Worker,
    config: &DistConfig,
    totals: &Totals,
    saved: &Saved,
    base: Option<u64>,
) -> state::Meta {
    state::Meta {
        casegraph_version: env!("CARGO_PKG_VERSION").to_string(),
        processes: worker.peers() / config.workers,
        workers: config.workers,
        worker: worker.index(),
        settings: state::settings(config),
        generation: saved.generation,
        mark: state::run_mark(saved.generation, totals),
        median: saved.median,
        case_days: saved.case_days,
        outputs: saved.outputs.clone(),
        case: saved.case.clone(),
        calls: saved.calls.clone(),
        base,
    }
}

/// The case folder (absolute) and its call file as a state records them.
fn case_sources(config: &DistConfig) -> Result<(String, state::CallSource)> {
    let case = std::fs::canonicalize(&config.case)
        .map_err(|e| crate::error::Error::io(&config.case, e))?;
    let table = crate::ingest::Table::open(
        &config.case,
        crate::ingest::FileSpec::CALLS,
        config
            .ingest
            .mapping
            .for_file(&crate::ingest::FileSpec::CALLS),
    )?
    .expect("calls.csv is required: Table::open fails without it");
    Ok((
        case.to_string_lossy().into_owned(),
        state::CallSource::of(&table.path)?,
    ))
}

/// The hubs' phones, sorted.
fn hub_list(hubs: &[HubRow]) -> Vec<Phone> {
    let mut list: Vec<Phone> = hubs.iter().map(|h| h.phone).collect();
    list.sort_unstable();
    list.dedup();
    list
}

/// Write this worker's part of the state (worker 0 first removes parts
/// of workers beyond this run's).
fn save_share(
    worker: &mut Worker,
    config: &DistConfig,
    dir: &std::path::Path,
    kept: Kept,
    saved: Saved,
) -> Result<std::path::PathBuf> {
    let peers = worker.peers();
    let me = worker.index();
    let share = state::Share {
        meta: part_meta(worker, config, &kept.totals, &saved, None),
        totals: kept.my_totals,
        rows: kept.rows,
        links: saved.links,
        labels: saved.labels,
        hubs: saved.hubs,
        tallies: saved.tallies,
    };
    if me == 0 {
        state::remove_parts_beyond(dir, peers)?;
    }
    let path = state::save(dir, me, &share)?;
    // Deltas over an earlier whole part are not read any more.
    state::remove_deltas(dir, me)?;
    Ok(path)
}

/// pairs.csv and components.csv as the last run wrote them, found
/// unchanged in this run's output folder (worker 0 holds the bytes;
/// every worker knows whether they were found).
#[derive(Default)]
struct OldOutputs {
    found: bool,
    /// pairs.csv and components.csv, mapped (worker 0 only).
    files: Option<(memmap2::Mmap, memmap2::Mmap)>,
}

/// The pieces of an output file: `whole` when it was written whole, else
/// the `old` file with `changes` merged in (see [`write::merged_pieces`]).
fn file_pieces<'a>(
    whole: Option<&'a [u8]>,
    old: &'a [u8],
    keys: usize,
    changes: &'a [((Phone, Phone), Vec<u8>)],
) -> Vec<&'a [u8]> {
    match whole {
        Some(whole) => vec![whole],
        None => write::merged_pieces(old, keys, changes).expect("the keys were checked readable"),
    }
}

/// Worker 0 looks for the outputs the stored state's run wrote (same
/// folder, same bytes, keys readable) and tells every worker.
fn find_old_outputs(
    worker: &mut Worker,
    x: &mut Exchanges,
    config: &DistConfig,
    share: &state::Share,
) -> Result<OldOutputs> {
    let mut old = OldOutputs::default();
    let mut said = Vec::new();
    if worker.index() == 0 {
        if let Some(files) = share
            .meta
            .outputs
            .as_ref()
            .and_then(|m| write::marked_outputs(&config.out, m))
        {
            old.files = Some(files);
            said.push((1, 0));
        } else {
            said.push((0, 0));
        }
    }
    let all = x.marks.all(worker, said)?;
    old.found = all.first().is_some_and(|m| m.0 == 1);
    Ok(old)
}

/// Each phone's component addressed to the phone's owner.
fn labels_to_owners(
    components: &Option<Vec<(Phone, Phone)>>,
    peers: usize,
) -> Vec<(usize, (Phone, Phone))> {
    components
        .iter()
        .flatten()
        .map(|&(p, c)| (owner(p, peers), (p, c)))
        .collect()
}

/// A new batch added to a stored state: only the pairs, phones and
/// components the new calls touch are worked on, unless the hub set
/// changed (then the components are computed again from every stored
/// pair); pairs.csv and components.csv are rewritten from their changed
/// rows when the last run's files are found unchanged; PageRank only
/// with `rank_on_add`.
#[allow(clippy::too_many_arguments)]
fn add_batch(
    worker: &mut Worker,
    x: &mut Exchanges,
    fx: &mut folders::FolderExchanges,
    config: &DistConfig,
    dir: &std::path::Path,
    mut phases: Phases,
    (stored, stored_size): (state::Share, state::Stored),
    old: OldOutputs,
    mut kept: Kept,
    kept_calls: Vec<Call>,
) -> Result<Summary> {
    let peers = worker.peers();
    let me = worker.index();
    let totals = kept.totals;
    let state::Share {
        meta,
        links: old_links,
        labels,
        hubs: old_hubs,
        tallies,
        ..
    } = stored;

    // The call files the state counts after this batch. The folders copy
    // the rows of the stored ones again, so those must be unchanged.
    let part = state::part_path(dir, me);
    let mut more_calls: Vec<std::path::PathBuf> = Vec::new();
    if config.folders > 0 {
        for (i, c) in meta.calls.iter().enumerate() {
            let path = c.check(&part)?;
            if i > 0 {
                more_calls.push(path);
            }
        }
    }
    let mut calls = meta.calls.clone();
    for f in config.state.iter().flat_map(|s| &s.add) {
        let c = state::CallSource::of(f)?;
        more_calls.push(std::path::PathBuf::from(&c.path));
        calls.push(c);
    }

    // 2. The new calls summed into the stored links; the undirected pairs
    // they touch, before and after.
    let new_links = directed_links(x.calls.round(worker, to_pair_owners(kept_calls, peers))?);
    let touched = touched_pairs(&new_links);
    let before: Vec<Option<PairTally>> =
        touched.iter().map(|&k| pair_tally(&old_links, k)).collect();
    let (links, changed_links) = merge_links(old_links, new_links);
    let after: Vec<PairTally> = touched
        .iter()
        .map(|&k| pair_tally(&links, k).expect("a touched pair has links"))
        .collect();
    phases.done("pairs");

    // 3. The hub rule: the touched pairs' profiles update their phones'
    // stored tallies; the rule is judged again for every phone only when
    // the case's median contacts or its days changed (both set the bars),
    // otherwise for the stored hubs and the touched phones only.
    let deltas = x
        .delta
        .round(worker, profile_deltas(&touched, &before, &after, peers))?;
    let (tallies, changed_phones) = apply_deltas(tallies, deltas);
    let changed_tallies: Vec<(Phone, ContactTally)> = changed_phones
        .iter()
        .filter_map(|&p| {
            tallies
                .binary_search_by_key(&p, |t| t.0)
                .ok()
                .map(|i| tallies[i])
        })
        .collect();
    let median = median_all(worker, x, tallies.iter().map(|t| &t.1))?;
    let days = case_days(&totals);
    // The bars: `factor × median` (the median is also in every hub's
    // reason) and the activity bar, which the case's days set only when
    // they are short.
    let whole = median != meta.median
        || min_active_days(&config.hubs, days) != min_active_days(&config.hubs, meta.case_days);
    let my_hubs = if whole {
        judge_hubs(tallies.iter().copied(), &config.hubs, median, days)
    } else {
        let mut phones: Vec<Phone> = old_hubs
            .iter()
            .copied()
            .filter(|&h| owner(h, peers) == me)
            .chain(changed_phones)
            .collect();
        phones.sort_unstable();
        phones.dedup();
        let some = phones.iter().filter_map(|&p| {
            tallies
                .binary_search_by_key(&p, |t| t.0)
                .ok()
                .map(|i| tallies[i])
        });
        judge_hubs(some, &config.hubs, median, days)
    };
    let hubs = x.hubs.all(worker, my_hubs)?;
    let hub_phones = hub_list(&hubs);
    // Every worker has every hub, so all take the same branches below.
    let same_hubs = hub_phones == old_hubs;
    let is_hub: FxHashSet<Phone> = hub_phones.iter().copied().collect();
    phases.done("hubs");

    // 4–5. Components.
    let (labels, changed_labels, full_components) = if same_hubs {
        let new_edges: Vec<(Phone, Phone)> = touched
            .iter()
            .zip(&after)
            .filter(|(k, t)| t.0 > 0 && !is_hub.contains(&k.0) && !is_hub.contains(&k.1))
            .map(|(k, _)| *k)
            .collect();
        let (labels, changed) = union_new_edges(worker, x, labels, &new_edges)?;
        (labels, changed, None)
    } else {
        let pairs = undirected_pairs(&links);
        let edges = contact_edges_without_hubs(pairs, &is_hub);
        let forest = x.forest.round(worker, component_forest(&edges))?;
        let components = (me == 0).then(|| merge_forest(forest));
        let mut labels = x
            .forest
            .round(worker, labels_to_owners(&components, peers))?;
        labels.sort_unstable();
        (labels, Vec::new(), components)
    };
    let my_components = labels.iter().filter(|(p, c)| p == c).count() as u64;
    let counts = x
        .sum
        .all(worker, vec![(my_components, links.len() as u128)])?;
    let n_components: u64 = counts.iter().map(|c| c.0).sum();
    let n_pairs: u128 = counts.iter().map(|c| c.1).sum();
    phases.done("components");

    // 6. PageRank only when asked: a change anywhere moves every rank.
    let mut ranks = None;
    let mut iterations = 0;
    if config.rank_on_add {
        let pairs = undirected_pairs(&links);
        let edges = contact_edges_without_hubs(pairs, &is_hub);
        let mut adjacency = x.adjacency.round(worker, links_at_owners(&edges, peers))?;
        drop(edges);
        adjacency.sort_unstable();
        let (r, i) = pagerank(worker, config, adjacency, &mut x.share, &mut x.sum)?;
        iterations = i;
        let r: Vec<(usize, (Phone, u64))> = r.into_iter().map(|r| (0, r)).collect();
        ranks = Some(x.share.round(worker, r)?);
        phases.done("pagerank");
    }

    // 6b. Suspicious groups as case folders, from the whole state and the
    // rows of every call file it counted (see `folders`).
    let mut folders_written = Vec::new();
    if config.folders > 0 {
        let gathered = match same_hubs {
            true => {
                let mut all = x.forest.round(worker, labels.iter().map(|&r| (0, r)))?;
                all.sort_unstable();
                (me == 0).then_some(all)
            }
            false => None,
        };
        let pairs = undirected_pairs(&links);
        let edges = contact_edges_without_hubs(pairs, &is_hub);
        let case = std::path::PathBuf::from(&meta.case);
        let input = folders::FolderInput {
            links: link_facts(links.iter().map(|(k, l)| (k, l))),
            edges: &edges,
            hubs: &hubs,
            case_days: days,
            components: full_components.as_deref().or(gathered.as_deref()),
            case: &case,
            more_calls: &more_calls,
        };
        folders_written = folders::run_worker(worker, fx, config, input)?;
        phases.done("folders");
    }

    // 7. The outputs at worker 0: the changed rows only when the last
    // run's files are there to be updated, else every row.
    let (pair_rows, streamed) = if old.found {
        let changed = x.pairs.round(
            worker,
            pair_rows_to_worker_0(changed_links.iter().map(|(k, l)| (k, l))),
        )?;
        (changed, None)
    } else {
        let path = config.out.join(write::FILES[1]);
        let written = write_pairs_in_turns(worker, x, &links, &path)?;
        (Vec::new(), written)
    };
    // Written whole from `full_components` (worker 0's) when the hubs
    // changed; every worker takes the same branch.
    let component_rows = match (same_hubs, old.found) {
        (false, _) => Vec::new(),
        (true, true) => x
            .forest
            .round(worker, changed_labels.iter().map(|&r| (0, r)))?,
        (true, false) => x.forest.round(worker, labels.iter().map(|&r| (0, r)))?,
    };
    let mut summary = Summary {
        rows_read: totals.rows_read,
        kept: totals.kept,
        rejected: totals.rejected,
        duplicates: totals.duplicates,
        pairs: n_pairs as u64,
        hubs: hubs.len() as u64,
        components: n_components,
        pagerank_iterations: iterations as u64,
        ..Summary::default()
    };
    let mut mark = None;
    if me == 0 {
        let out = &config.out;
        std::fs::create_dir_all(out).map_err(|e| crate::error::Error::io(out, e))?;
        let path = |name: &str| out.join(name);
        // Every key written a plain number (the old files' keys were, or
        // they would not have been found).
        let plain = streamed.is_none_or(|w| w.plain)
            && pair_rows
                .iter()
                .all(|p| write::plain_phone(p.caller) && write::plain_phone(p.callee))
            && full_components
                .iter()
                .flatten()
                .chain(&component_rows)
                .all(|c| write::plain_phone(c.0));
        // Written whole (Some), or (None: an added batch, the last run's
        // files found) as the old file's runs of unchanged rows around the
        // changed ones.
        let pair_changes = write::pair_lines(pair_rows);
        let (whole_components, component_changes) = match full_components {
            Some(mut c) => (Some(write::components_csv(&mut c)), Vec::new()),
            None if old.found => (None, write::component_lines(component_rows)),
            None => {
                let mut c = component_rows;
                (Some(write::components_csv(&mut c)), Vec::new())
            }
        };
        let (old_pairs, old_components): (&[u8], &[u8]) = match &old.files {
            Some((p, c)) => (p, c),
            None => (&[], &[]),
        };
        let mut hub_rows = hubs;
        crate::atomic::write_atomically(
            &path(write::FILES[0]),
            &write::ledger_json(&ledger(&totals)),
        )?;
        let pairs_hash = match streamed {
            Some(w) => w.hash,
            None => write::write_pieces(
                &path(write::FILES[1]),
                &file_pieces(None, old_pairs, 2, &pair_changes),
            )?,
        };
        crate::atomic::write_atomically(&path(write::FILES[2]), &write::hubs_csv(&mut hub_rows))?;
        let components_hash = write::write_pieces(
            &path(write::FILES[3]),
            &file_pieces(
                whole_components.as_deref(),
                old_components,
                1,
                &component_changes,
            ),
        )?;
        summary.written = write::FILES[..4].iter().map(|f| path(f)).collect();
        let rank_file = path(write::FILES[4]);
        match ranks {
            Some(r) => {
                let mut r: Vec<(Phone, f64)> = r
                    .into_iter()
                    .map(|(p, x)| (p, x as f64 / ONE as f64))
                    .collect();
                summary.ranked = r.len() as u64;
                crate::atomic::write_atomically(&rank_file, &write::ranks_csv(&mut r))?;
                summary.written.push(rank_file);
            }
            None => match std::fs::remove_file(&rank_file) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(crate::error::Error::io(&rank_file, e).into()),
            },
        }
        mark = Some(write::output_mark(out, pairs_hash, components_hash, plain));
        summary.folders = folders_written.len().saturating_sub(1) as u64;
        summary.written.extend(folders_written);
        phases.done("write");
    }

    // 8. This worker's share of the state, written last: what this batch
    // changed, as a delta over the stored whole part, or (once the deltas
    // would outgrow half of it) the whole part again.
    let generation = meta.generation + 1;
    let saved = Saved {
        generation,
        median,
        case_days: days,
        outputs: mark,
        links,
        labels,
        hubs: hub_phones,
        tallies,
        case: meta.case.clone(),
        calls,
    };
    let delta = state::Share {
        meta: part_meta(
            worker,
            config,
            &kept.totals,
            &saved,
            Some(stored_size.base_mark),
        ),
        totals: kept.my_totals,
        rows: std::mem::take(&mut kept.new_rows),
        links: changed_links,
        labels: match same_hubs {
            true => {
                let mut c = changed_labels;
                c.sort_unstable();
                c
            }
            false => saved.labels.clone(),
        },
        hubs: saved.hubs.clone(),
        tallies: changed_tallies,
    };
    let (part, saved_as) = if state::write_delta_next(&stored_size, state::encoded_len(&delta)) {
        (state::save_delta(dir, me, &delta)?, "a delta")
    } else {
        drop(delta);
        (save_share(worker, config, dir, kept, saved)?, "whole")
    };
    phases.done("save state");
    if me == 0 {
        summary.written.push(part);
        let hubs_said = if same_hubs {
            "the hubs are unchanged, the new pairs were unioned into the stored components"
                .to_string()
        } else {
            format!(
                "the hubs changed ({} before, {} now), components recomputed from the stored contact pairs",
                old_hubs.len(),
                summary.hubs
            )
        };
        let judged = if whole {
            "the hub rule judged every phone again (the case's median contacts or its activity bar changed)"
        } else {
            "the hub rule judged the stored hubs and the touched phones only"
        };
        let outputs_said = if old.found {
            "pairs.csv and components.csv updated from their changed rows"
        } else {
            "pairs.csv and components.csv written whole (the last run's files were not found unchanged in --out)"
        };
        let ranks_said = if config.rank_on_add {
            "pagerank.csv computed again"
        } else {
            "no pagerank.csv (removed if there was one; add --pagerank to compute it)"
        };
        summary.state = Some(format!(
            "state generation {generation} in {} (worker 0's part saved {saved_as}): {hubs_said}; {judged}; \
             {outputs_said}; {ranks_said}",
            dir.display()
        ));
    }
    summary.phases = phases.list;
    Ok(summary)
}

/// Wall-clock seconds of each step of a worker's run (including its waits
/// for the other workers), for the run's report.
struct Phases {
    at: std::time::Instant,
    list: Vec<(String, f64)>,
}

impl Phases {
    fn start() -> Self {
        Phases {
            at: std::time::Instant::now(),
            list: Vec::new(),
        }
    }
    fn done(&mut self, name: &str) {
        let now = std::time::Instant::now();
        self.list
            .push((name.to_string(), (now - self.at).as_secs_f64()));
        self.at = now;
    }
}

/// Load this worker's part of the stored state and check that every
/// worker's part comes from the same run.
fn load_stored(
    worker: &mut Worker,
    x: &mut Exchanges,
    config: &DistConfig,
    dir: &std::path::Path,
) -> Result<(state::Share, state::Stored)> {
    let processes = worker.peers() / config.workers;
    let (share, stored) = state::load(
        dir,
        worker.index(),
        processes,
        config.workers,
        &state::settings(config),
    )?;
    let mine = (share.meta.generation, share.meta.mark);
    let all = x.marks.all(worker, vec![mine])?;
    if let Some(other) = all.iter().find(|m| **m != mine) {
        return Err(super::DistError::State {
            path: dir.to_path_buf(),
            reason: format!(
                "expected every part from one run, found generation {} in {} and generation {} in another part \
                 (a run stopped while writing its state?): run the full batch again with --state",
                mine.0,
                state::part_path(dir, worker.index()).display(),
                other.0
            ),
        });
    }
    Ok((share, stored))
}

/// The undirected pairs (smaller phone first) the new links touch.
fn touched_pairs(links: &[((Phone, Phone), Link)]) -> Vec<(Phone, Phone)> {
    let mut touched: Vec<(Phone, Phone)> = links
        .iter()
        .filter(|((a, b), _)| a != b)
        .map(|&((a, b), _)| (a.min(b), a.max(b)))
        .collect();
    touched.sort_unstable();
    touched.dedup();
    touched
}

/// The undirected tally of pair `(lo, hi)` from sorted links (both
/// directions), as [`undirected_pairs`] makes it; None without links.
fn pair_tally(links: &[((Phone, Phone), Link)], (lo, hi): (Phone, Phone)) -> Option<PairTally> {
    let mut tally: Option<PairTally> = None;
    for (a, b) in [(lo, hi), (hi, lo)] {
        if let Ok(i) = links.binary_search_by_key(&(a, b), |l| l.0) {
            let l = &links[i].1;
            fold_link(tally.get_or_insert((0, 0, l.first, l.last)), a, b, l);
        }
    }
    tally
}

/// The new links summed into the stored ones (sorted by pair): the
/// updated list, sorted, and the links that changed or are new, sorted.
#[allow(clippy::type_complexity)]
fn merge_links(old: Links, new: Links) -> (Links, Links) {
    let mut out = Vec::with_capacity(old.len() + new.len());
    let mut changed = Vec::with_capacity(new.len());
    let mut old = old.into_iter().peekable();
    for (k, l) in new {
        while let Some(o) = old.next_if(|o| o.0 < k) {
            out.push(o);
        }
        let link = match old.next_if(|o| o.0 == k) {
            Some((_, mut o)) => {
                o.add(&l);
                o
            }
            None => l,
        };
        out.push((k, link));
        changed.push((k, link));
    }
    out.extend(old);
    (out, changed)
}

/// What a touched pair does to a phone's tally: the pair's profile
/// before (None: a new contact) and now.
#[derive(Debug, Clone, Copy, serde::Serialize, serde::Deserialize)]
struct Delta {
    phone: Phone,
    /// (two-way, one-off) before.
    was: Option<(bool, bool)>,
    two_way: bool,
    one_off: bool,
    first: i64,
    last: i64,
}

/// The profile of a pair tally: (two-way, one-off).
fn profile_of(t: &PairTally) -> (bool, bool) {
    (t.1 > 0 && t.1 < t.0, t.0 == 1)
}

/// Each touched pair's change addressed to the owners of both phones.
fn profile_deltas(
    touched: &[(Phone, Phone)],
    before: &[Option<PairTally>],
    after: &[PairTally],
    peers: usize,
) -> Vec<(usize, Delta)> {
    let mut out = Vec::with_capacity(touched.len() * 2);
    for ((&(lo, hi), b), a) in touched.iter().zip(before).zip(after) {
        let (two_way, one_off) = profile_of(a);
        for phone in [lo, hi] {
            out.push((
                owner(phone, peers),
                Delta {
                    phone,
                    was: b.as_ref().map(profile_of),
                    two_way,
                    one_off,
                    first: a.2,
                    last: a.3,
                },
            ));
        }
    }
    out
}

/// The stored tallies (sorted by phone) with the deltas applied: the
/// updated tallies, sorted, and the phones whose tally changed, sorted.
fn apply_deltas(
    mut tallies: Vec<(Phone, ContactTally)>,
    deltas: Vec<Delta>,
) -> (Vec<(Phone, ContactTally)>, Vec<Phone>) {
    let mut fresh: FxHashMap<Phone, ContactTally> = FxHashMap::default();
    let mut changed = Vec::with_capacity(deltas.len());
    for d in deltas {
        changed.push(d.phone);
        let t = match tallies.binary_search_by_key(&d.phone, |t| t.0) {
            Ok(i) => &mut tallies[i].1,
            Err(_) => fresh.entry(d.phone).or_insert((0, 0, 0, d.first, d.last)),
        };
        match d.was {
            None => t.0 += 1,
            Some((two_way, one_off)) => {
                t.1 -= two_way as u32;
                t.2 -= one_off as u32;
            }
        }
        t.1 += d.two_way as u32;
        t.2 += d.one_off as u32;
        t.3 = t.3.min(d.first);
        t.4 = t.4.max(d.last);
    }
    if !fresh.is_empty() {
        tallies.extend(fresh);
        tallies.sort_unstable_by_key(|t| t.0);
    }
    changed.sort_unstable();
    changed.dedup();
    (tallies, changed)
}

/// The new contact edges unioned into the stored components, the labels
/// (phone, smallest phone of its component) kept at the phones' owners:
/// each endpoint's owner sends worker 0 the endpoint with its stored
/// label (or itself, for a phone new to the graph); worker 0 unions them
/// with the edges (a component's label is its smallest phone, so the
/// root of a merged set is the merged component's smallest phone) and
/// sends every worker the labels that changed, and each new phone's
/// label to its owner. Work in proportion to the new edges, plus one
/// pass over the worker's own labels. Returns the updated labels
/// (sorted) and the rows that changed or are new.
#[allow(clippy::type_complexity)]
fn union_new_edges(
    worker: &mut Worker,
    x: &mut Exchanges,
    mut labels: Vec<(Phone, Phone)>,
    edges: &[(Phone, Phone)],
) -> Result<(Vec<(Phone, Phone)>, Vec<(Phone, Phone)>)> {
    let peers = worker.peers();
    let asks = edges
        .iter()
        .flat_map(|&(a, b)| [(owner(a, peers), a), (owner(b, peers), b)]);
    let mut asked = x.ask.round(worker, asks)?;
    asked.sort_unstable();
    asked.dedup();
    // 0: an edge; 1: a stored phone and its label; 2: a new phone.
    let mut out: Vec<(usize, (u8, Phone, Phone))> =
        edges.iter().map(|&(a, b)| (0, (0, a, b))).collect();
    for p in asked {
        out.push(match labels.binary_search_by_key(&p, |l| l.0) {
            Ok(i) => (0, (1, p, labels[i].1)),
            Err(_) => (0, (2, p, p)),
        });
    }
    let got = x.relabel.round(worker, out)?;
    let mut decided: Vec<(usize, (u8, Phone, Phone))> = Vec::new();
    if worker.index() == 0 {
        let root: FxHashMap<Phone, Phone> = merge_forest(got.iter().map(|m| (m.1, m.2)).collect())
            .into_iter()
            .collect();
        let mut moved: Vec<(Phone, Phone)> = got
            .iter()
            .filter(|m| m.0 == 1 && root[&m.2] != m.2)
            .map(|m| (m.2, root[&m.2]))
            .collect();
        moved.sort_unstable();
        moved.dedup();
        for w in 0..peers {
            decided.extend(moved.iter().map(|&(l, r)| (w, (0, l, r))));
        }
        decided.extend(
            got.iter()
                .filter(|m| m.0 == 2)
                .map(|m| (owner(m.1, peers), (2, m.1, root[&m.1]))),
        );
    }
    let decided = x.relabel.round(worker, decided)?;
    let moved: FxHashMap<Phone, Phone> = decided
        .iter()
        .filter(|m| m.0 == 0)
        .map(|m| (m.1, m.2))
        .collect();
    let mut changed = Vec::new();
    if !moved.is_empty() {
        for (p, c) in labels.iter_mut() {
            if let Some(&r) = moved.get(c) {
                *c = r;
                changed.push((*p, r));
            }
        }
    }
    let mut fresh: Vec<(Phone, Phone)> = decided
        .iter()
        .filter(|m| m.0 == 2)
        .map(|m| (m.1, m.2))
        .collect();
    fresh.sort_unstable();
    fresh.dedup();
    if !fresh.is_empty() {
        changed.extend(fresh.iter().copied());
        labels.extend(fresh);
        labels.sort_unstable();
    }
    Ok((labels, changed))
}

/// Two sorted lists of distinct hashes, neither holding the other's, as
/// one sorted list.
fn merge_sorted(a: &[u128], b: &[u128]) -> Vec<u128> {
    let mut out = Vec::with_capacity(a.len() + b.len());
    let (mut i, mut j) = (0, 0);
    while i < a.len() && j < b.len() {
        if a[i] < b[j] {
            out.push(a[i]);
            i += 1;
        } else {
            out.push(b[j]);
            j += 1;
        }
    }
    out.extend_from_slice(&a[i..]);
    out.extend_from_slice(&b[j..]);
    out
}

/// This worker's rows (every copy of a row comes to the owner of its
/// hash) counted into the ledger: the first of equal rows is read, the
/// others are duplicates, and so is every copy of a row of an earlier
/// batch (`seen`: their hashes, sorted). Returns the counts, the kept
/// calls and, when `fingerprints`, the hashes of the new distinct rows
/// (sorted).
fn drop_duplicates(
    mut rows: Vec<RowMsg>,
    seen: &[u128],
    fingerprints: bool,
) -> (Totals, Vec<Call>, Vec<u128>) {
    rows.sort_unstable_by_key(|r| r.hash);
    let mut totals = Totals::none();
    // At most one call a row, sized once (see `directed_links`).
    let mut kept_calls = Vec::with_capacity(rows.iter().filter(|r| r.call.is_some()).count());
    let mut new_rows = Vec::new();
    let mut previous: Option<u128> = None;
    for r in rows {
        totals.rows_read += 1;
        if previous == Some(r.hash) || seen.binary_search(&r.hash).is_ok() {
            previous = Some(r.hash);
            totals.duplicates += 1;
            continue;
        }
        previous = Some(r.hash);
        if fingerprints {
            new_rows.push(r.hash);
        }
        match r.call {
            Some(c) => {
                totals.kept += 1;
                totals.first = totals.first.min(c.start);
                totals.last = totals.last.max(c.start);
                kept_calls.push(c);
            }
            None => totals.rejected += 1,
        }
    }
    (totals, kept_calls, new_rows)
}

/// Calls addressed to the owners of their phone pairs, as they are sent.
fn to_pair_owners(calls: Vec<Call>, peers: usize) -> impl Iterator<Item = (usize, Call)> {
    calls
        .into_iter()
        .map(move |c| (pair_owner(c.caller, c.callee, peers), c))
}

/// Every worker's counts added up: the whole file's ledger and time span.
fn sum_totals(all: &[Totals]) -> Totals {
    all.iter().fold(Totals::none(), |a, t| a.plus(t))
}

/// Days from the case's first kept call to its last.
fn case_days(totals: &Totals) -> f64 {
    if totals.kept == 0 {
        0.0
    } else {
        (totals.last - totals.first).max(0) as f64 / 86_400.0
    }
}

/// This worker's links as the folders step reads them.
fn link_facts<'a>(
    links: impl IntoIterator<Item = (&'a (Phone, Phone), &'a Link)>,
) -> Vec<folders::LinkFacts> {
    links
        .into_iter()
        .map(|(&(caller, callee), l)| folders::LinkFacts {
            caller,
            callee,
            events: l.calls + l.texts,
            short: l.short,
            first: l.first,
            last: l.last,
        })
        .collect()
}

/// One worker's directed links, sorted by (caller, callee), one entry per
/// link: a sorted list, not a hash map, holds each link in its 80 bytes
/// (a map's spare buckets and growth doubled that at the peak of a run).
pub(super) type Links = Vec<((Phone, Phone), Link)>;

/// One worker's undirected pairs (smaller phone first), sorted, one entry
/// per pair.
type Pairs = Vec<((Phone, Phone), PairTally)>;

/// The calls this worker owns summed per caller → callee: calls, texts,
/// seconds, first and last, night calls, short events. Sorted in place
/// and summed run by run, so the only memory beside the calls is the
/// links themselves.
fn directed_links(mut calls: Vec<Call>) -> Links {
    let short_call_s = crate::lead::config::BurnerConfig::default().short_call_s;
    calls.sort_unstable_by_key(|c| (c.caller, c.callee));
    // Sized once: a list grown by doubling can hold twice what it needs.
    let same = |x: &Call, y: &Call| (x.caller, x.callee) == (y.caller, y.callee);
    let mut links: Links = Vec::with_capacity(calls.chunk_by(same).count());
    for run in calls.chunk_by(same) {
        let mut l = Link {
            calls: 0,
            texts: 0,
            seconds: 0,
            first: run[0].start,
            last: run[0].start,
            night: 0,
            short: 0,
        };
        for c in run {
            l.short += (c.text || c.duration_s < short_call_s) as u32;
            if c.text {
                l.texts += 1;
            } else {
                l.calls += 1;
                l.night += NIGHT_HOURS.contains(&hour_of_day(c.start)) as u32;
            }
            l.seconds += c.duration_s as u64;
            l.first = l.first.min(c.start);
            l.last = l.last.max(c.start);
        }
        links.push(((run[0].caller, run[0].callee), l));
    }
    links.shrink_to_fit();
    links
}

/// The directed links folded into undirected pairs, self-calls left out;
/// sorted by pair.
fn undirected_pairs(links: &[((Phone, Phone), Link)]) -> Pairs {
    let mut pairs: Pairs = Vec::with_capacity(links.iter().filter(|l| l.0 .0 != l.0 .1).count());
    pairs.extend(
        links
            .iter()
            .filter(|((a, b), _)| a != b)
            .map(|&((a, b), ref l)| {
                let mut tally = (0, 0, l.first, l.last);
                fold_link(&mut tally, a, b, l);
                ((a.min(b), a.max(b)), tally)
            }),
    );
    pairs.sort_unstable_by_key(|p| p.0);
    pairs.dedup_by(|later, kept| {
        if later.0 != kept.0 {
            return false;
        }
        let (t, u) = (&mut kept.1, later.1);
        t.0 += u.0;
        t.1 += u.1;
        t.2 = t.2.min(u.2);
        t.3 = t.3.max(u.3);
        true
    });
    pairs.shrink_to_fit();
    pairs
}

/// Directed link `a → b` added to the tally of its undirected pair:
/// events in all, events from the smaller phone, first and last seen.
fn fold_link(tally: &mut PairTally, a: Phone, b: Phone, l: &Link) {
    let events = l.calls + l.texts;
    tally.0 += events;
    if a < b {
        tally.1 += events;
    }
    tally.2 = tally.2.min(l.first);
    tally.3 = tally.3.max(l.last);
}

/// The hub rule of [`crate::analysis::hubs`], spread out: each pair's
/// profile goes to the owners of its two phones, the median number of
/// contacts is gathered from every worker, each owner judges its phones,
/// and every worker gets the whole list of hubs.
fn find_hubs(
    worker: &mut Worker,
    x: &mut Exchanges,
    config: &DistConfig,
    pairs: &[((Phone, Phone), PairTally)],
    totals: &Totals,
) -> Result<Judged> {
    let peers = worker.peers();
    let profiles = x.profile.round(worker, pair_profiles(pairs, peers))?;
    let tallies = contact_tallies(profiles);
    let median = median_all(worker, x, tallies.values())?;
    let case_period = case_days(totals);
    let my_hubs = judge_hubs(
        tallies.iter().map(|(&p, &t)| (p, t)),
        &config.hubs,
        median,
        case_period,
    );
    Ok(Judged {
        hubs: x.hubs.all(worker, my_hubs)?,
        tallies,
        median,
    })
}

/// The hubs of the whole case, this worker's phones' tallies, and the
/// median the rule was judged with.
struct Judged {
    hubs: Vec<HubRow>,
    tallies: FxHashMap<Phone, ContactTally>,
    median: f64,
}

/// The case's median number of contacts, from every worker's tallies.
fn median_all<'a>(
    worker: &mut Worker,
    x: &mut Exchanges,
    tallies: impl Iterator<Item = &'a ContactTally>,
) -> Result<f64> {
    let mut histogram: FxHashMap<u32, u64> = FxHashMap::default();
    for e in tallies {
        *histogram.entry(e.0).or_default() += 1;
    }
    let mut histogram_all: FxHashMap<u32, u64> = FxHashMap::default();
    for (d, n) in x.degree.all(worker, histogram.into_iter().collect())? {
        *histogram_all.entry(d).or_default() += n;
    }
    Ok(median_of(&histogram_all))
}

/// Each phone's contacts among this worker's pairs, tallied here
/// (contacts, two-way, one-off, first, last) and addressed to the phone's
/// owner: one message per phone and worker, not one per pair end.
fn pair_profiles(
    pairs: &[((Phone, Phone), PairTally)],
    peers: usize,
) -> Vec<(usize, (Phone, ContactTally))> {
    let mut tallies: FxHashMap<Phone, ContactTally> = FxHashMap::default();
    for &((lo, hi), (events, low_to_high, first, last)) in pairs {
        let two_way = (low_to_high > 0 && low_to_high < events) as u32;
        let one_off = (events == 1) as u32;
        for p in [lo, hi] {
            add_tally(
                tallies.entry(p).or_insert((0, 0, 0, first, last)),
                &(1, two_way, one_off, first, last),
            );
        }
    }
    tallies
        .into_iter()
        .map(|(p, t)| (owner(p, peers), (p, t)))
        .collect()
}

/// Tally `t` added to `into` (counts summed, the span joined).
fn add_tally(into: &mut ContactTally, t: &ContactTally) {
    into.0 += t.0;
    into.1 += t.1;
    into.2 += t.2;
    into.3 = into.3.min(t.3);
    into.4 = into.4.max(t.4);
}

/// The phone tallies this worker received, summed per phone.
fn contact_tallies(profiles: Vec<(Phone, ContactTally)>) -> FxHashMap<Phone, ContactTally> {
    let mut tallies: FxHashMap<Phone, ContactTally> = FxHashMap::default();
    for (p, t) in profiles {
        add_tally(tallies.entry(p).or_insert((0, 0, 0, t.3, t.4)), &t);
    }
    tallies
}

/// The days a phone must be active to be a service number, in a case of
/// `case_period` days.
fn min_active_days(rule: &HubConfig, case_period: f64) -> f64 {
    rule.min_active_days
        .min(rule.min_active_share * case_period)
}

/// The phones of this worker that the hub rule calls service numbers,
/// each with its reason (none when the rule keeps hubs).
fn judge_hubs(
    tallies: impl Iterator<Item = (Phone, ContactTally)>,
    rule: &HubConfig,
    median: f64,
    case_period: f64,
) -> Vec<HubRow> {
    let threshold = (rule.factor * median).max(rule.floor as f64);
    let min_active = min_active_days(rule, case_period);
    let mut my_hubs = Vec::new();
    if rule.keep {
        return my_hubs;
    }
    for (p, (deg, two_way, one_off, lo, hi)) in tallies {
        let share = |x: u32| x as f64 / deg as f64;
        let (recip, once) = (share(two_way), share(one_off));
        let hub = match rule.min_degree {
            Some(min) => deg >= min,
            None => {
                (deg as f64) >= threshold
                    && (recip <= rule.max_reciprocity || once >= rule.min_one_off)
                    && (hi - lo) as f64 / 86_400.0 > min_active
            }
        };
        if hub {
            let pattern = format!(
                "{deg} contacts (median {median}), {:.0}% two-way, {:.0}% one-off",
                recip * 100.0,
                once * 100.0
            );
            let days = (hi - lo) as f64 / 86_400.0;
            let reason = match rule.min_degree {
                Some(min) => format!("at least --hub-degree {min} contacts; {pattern}"),
                None => format!("service pattern: {pattern}, active {days:.0} days"),
            };
            my_hubs.push(HubRow {
                phone: p,
                contacts: deg,
                reciprocity: recip,
                one_off_share: once,
                reason,
            });
        }
    }
    my_hubs
}

/// Caller → callee links as pairs.csv rows, addressed to worker 0.
fn pair_rows_to_worker_0<'a>(
    links: impl Iterator<Item = (&'a (Phone, Phone), &'a Link)>,
) -> Vec<(usize, PairRow)> {
    links.map(|(k, l)| (0, pair_row(k, l))).collect()
}

/// A directed link as pairs.csv's row.
fn pair_row(&(caller, callee): &(Phone, Phone), l: &Link) -> PairRow {
    PairRow {
        caller,
        callee,
        calls: l.calls,
        texts: l.texts,
        seconds: l.seconds,
        first: l.first,
        last: l.last,
        night_calls: l.night,
    }
}

/// A worker's range of pairs.csv, formatted: its rows, whether every key
/// is a plain number, and the pieces of `PAIRS_PER_TURN` rows, kept in an
/// unnamed temporary file (the formatted range is as large as the links
/// it came from; in memory it would double a worker's peak).
struct Formatted {
    rows: usize,
    plain: bool,
    file: std::fs::File,
    /// Where each piece ends in `file`.
    ends: Vec<u64>,
}

impl Formatted {
    /// Rows in the file's order, formatted piece by piece.
    fn of(rows: impl Iterator<Item = PairRow>) -> Result<Formatted> {
        use std::io::Write;
        let spill = std::path::Path::new("the temporary file of pairs.csv's rows");
        let io = |e| crate::error::Error::io(spill, e);
        let mut f = Formatted {
            rows: 0,
            plain: true,
            file: tempfile::tempfile().map_err(io)?,
            ends: Vec::new(),
        };
        let mut end = 0u64;
        let mut piece: Vec<PairRow> = Vec::with_capacity(PAIRS_PER_TURN);
        let mut rows = rows.peekable();
        while rows.peek().is_some() {
            piece.clear();
            piece.extend(rows.by_ref().take(PAIRS_PER_TURN));
            f.rows += piece.len();
            f.plain &= piece
                .iter()
                .all(|p| write::plain_phone(p.caller) && write::plain_phone(p.callee));
            let bytes = write::pair_rows_csv(&piece);
            f.file.write_all(&bytes).map_err(io)?;
            end += bytes.len() as u64;
            f.ends.push(end);
        }
        Ok(f)
    }

    /// The bytes of piece `i`.
    fn piece(&mut self, i: usize) -> Result<Vec<u8>> {
        use std::io::{Read, Seek, SeekFrom};
        let spill = std::path::Path::new("the temporary file of pairs.csv's rows");
        let io = |e| crate::error::Error::io(spill, e);
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        let mut bytes = vec![0u8; (self.ends[i] - start) as usize];
        self.file.seek(SeekFrom::Start(start)).map_err(io)?;
        self.file.read_exact(&mut bytes).map_err(io)?;
        Ok(bytes)
    }
}

/// A piece of pairs.csv on its way to worker 0 (see
/// [`write_pairs_in_turns`]); in the first round, with no bytes, a
/// worker's count of rows and whether all their keys are plain numbers.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub(super) struct Piece {
    from: u32,
    rows: u64,
    plain: bool,
    bytes: Vec<u8>,
}

/// Rows of pairs.csv a worker sends in one turn: about 10 MB of text, what
/// worker 0 holds of the file at a time.
const PAIRS_PER_TURN: usize = 1 << 17;

/// Keys each worker samples to cut the pairs into ranges.
const RANGE_SAMPLES: usize = 256;

/// pairs.csv written without gathering every pair at one worker. The
/// pairs are routed to workers by ranges of (caller, callee) cut at keys
/// sampled from every worker; each worker sorts its range and formats it
/// as CSV into a temporary file, all workers at once; the ranges' text
/// goes to worker 0 in worker order, [`PAIRS_PER_TURN`] rows a round, and
/// worker 0 appends each piece to the file (written atomically, hashed on
/// the way out). So a worker holds about its share of the pairs (its
/// links, and its range as rows while formatting it) and worker 0 one
/// piece more, and the bytes are those of
/// [`write::pairs_csv`] on all the pairs, whatever the number of workers
/// or the cuts. Every worker takes the same rounds; worker 0 returns what
/// it wrote.
fn write_pairs_in_turns(
    worker: &mut Worker,
    x: &mut Exchanges,
    links: &[((Phone, Phone), Link)],
    path: &std::path::Path,
) -> Result<Option<write::PairsWritten>> {
    let peers = worker.peers();
    let me = worker.index();
    // This worker's range, formatted now, all at once, piece by piece; the
    // turns below then only move bytes. One worker's range is its links,
    // already in the file's order, formatted without routing them.
    let mut texts = if peers == 1 {
        Formatted::of(links.iter().map(|(k, l)| pair_row(k, l)))?
    } else {
        // The cuts: keys spread over every worker's links, gathered and
        // sorted (any cuts give the same file; these give even ranges).
        let step = links.len().div_ceil(RANGE_SAMPLES).max(1);
        let samples: Vec<(Phone, Phone)> = links.iter().step_by(step).map(|l| l.0).collect();
        let mut samples = x.forest.all(worker, samples)?;
        samples.sort_unstable();
        let cuts: Vec<(Phone, Phone)> = match samples.len() {
            0 => Vec::new(),
            n => (1..peers).map(|i| samples[i * n / peers]).collect(),
        };
        let range_of = |k: &(Phone, Phone)| cuts.partition_point(|c| c <= k);
        let routed = links.iter().map(|(k, l)| (range_of(k), pair_row(k, l)));
        let mut mine = x.pairs.round(worker, routed)?;
        mine.sort_unstable_by_key(|p| (p.caller, p.callee));
        Formatted::of(mine.into_iter())?
    };
    let n_mine = texts.rows;
    let mut counts = x.pieces.all(
        worker,
        vec![Piece {
            from: me as u32,
            rows: n_mine as u64,
            plain: texts.plain,
            bytes: Vec::new(),
        }],
    )?;
    counts.sort_unstable_by_key(|c| c.from);
    // The turns, the same list at every worker: (worker, first row).
    let turns: Vec<(usize, usize)> = counts
        .iter()
        .flat_map(|c| {
            (0..c.rows as usize)
                .step_by(PAIRS_PER_TURN)
                .map(move |at| (c.from as usize, at))
        })
        .collect();
    let mut turn = |worker: &mut Worker, x: &mut Exchanges, (from, at): (usize, usize)| {
        let out = match from == me {
            true => {
                let end = (at + PAIRS_PER_TURN).min(n_mine);
                Some((
                    0,
                    Piece {
                        from: me as u32,
                        rows: (end - at) as u64,
                        plain: true,
                        bytes: texts.piece(at / PAIRS_PER_TURN)?,
                    },
                ))
            }
            false => None,
        };
        x.pieces.round(worker, out)
    };
    if me != 0 {
        for &t in &turns {
            turn(worker, x, t)?;
        }
        return Ok(None);
    }
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(|e| crate::error::Error::io(dir, e))?;
    }
    let mut hash = xxhash_rust::xxh3::Xxh3::new();
    let mut stopped = None;
    crate::atomic::write_atomically_with(path, |file| {
        use std::io::Write;
        let mut w = std::io::BufWriter::with_capacity(1 << 20, file);
        let header = write::pairs_header();
        hash.update(&header);
        w.write_all(&header)?;
        for &t in &turns {
            match turn(worker, x, t) {
                Ok(got) => {
                    for piece in got {
                        hash.update(&piece.bytes);
                        w.write_all(&piece.bytes)?;
                    }
                }
                Err(e) => {
                    stopped = Some(e);
                    return Err(std::io::Error::other("the run stopped"));
                }
            }
        }
        w.flush()
    })
    .map_err(|e| stopped.take().unwrap_or(e.into()))?;
    Ok(Some(write::PairsWritten {
        hash: hash.digest(),
        rows: counts.iter().map(|c| c.rows).sum(),
        plain: counts.iter().all(|c| c.plain),
    }))
}

/// The contact graph's links (phone, phone, events): the pairs with no hub
/// in them.
fn contact_edges_without_hubs(pairs: Pairs, is_hub: &FxHashSet<Phone>) -> Vec<(Phone, Phone, u32)> {
    pairs
        .iter()
        .filter(|((a, b), _)| !is_hub.contains(a) && !is_hub.contains(b))
        .map(|&((a, b), (events, ..))| (a, b, events))
        .filter(|e| e.2 > 0)
        .collect()
}

/// The components of this worker's links as a forest (phone, root),
/// addressed to worker 0, which merges every worker's.
fn component_forest(edges: &[(Phone, Phone, u32)]) -> Vec<(usize, (Phone, Phone))> {
    let (local, index) = dense(edges.iter().flat_map(|e| [e.0, e.1]));
    let mut uf = UnionFind::new(local.len());
    for e in edges {
        uf.union(index[&e.0], index[&e.1]);
    }
    (0..local.len() as u32)
        .map(|v| (0, (local[v as usize], local[uf.find(v) as usize])))
        .collect()
}

/// Each link in both directions, addressed to the owner of the phone it
/// leaves from, for PageRank.
fn links_at_owners(
    edges: &[(Phone, Phone, u32)],
    peers: usize,
) -> impl Iterator<Item = (usize, (Phone, Phone, u32))> + '_ {
    edges
        .iter()
        .flat_map(move |&(a, b, w)| [(owner(a, peers), (a, b, w)), (owner(b, peers), (b, a, w))])
}

/// calls.csv's row ledger from the whole run's counts.
fn ledger(totals: &Totals) -> Ledger {
    Ledger {
        file: "calls.csv".into(),
        rows_read: totals.rows_read,
        kept: totals.kept,
        rejected: totals.rejected,
        duplicates: totals.duplicates,
    }
}

/// The median of the contact counts, as the hub rule takes it: the value
/// at position `len / 2` of the sorted counts.
pub(super) fn median_of(histogram: &FxHashMap<u32, u64>) -> f64 {
    let mut degrees: Vec<(u32, u64)> = histogram.iter().map(|(&d, &n)| (d, n)).collect();
    degrees.sort_unstable();
    let total: u64 = degrees.iter().map(|d| d.1).sum();
    if total == 0 {
        return 0.0;
    }
    let mid = total / 2;
    let mut seen = 0;
    for (d, n) in degrees {
        seen += n;
        if seen > mid {
            return d as f64;
        }
    }
    unreachable!("mid < total")
}

/// Every worker's forest edges (phone, root) merged: each phone with its
/// component's smallest phone.
fn merge_forest(forest: Vec<(Phone, Phone)>) -> Vec<(Phone, Phone)> {
    let (phones, index) = dense(forest.iter().flat_map(|e| [e.0, e.1]));
    let mut uf = UnionFind::new(phones.len());
    for (a, b) in &forest {
        uf.union(index[a], index[b]);
    }
    (0..phones.len() as u32)
        .map(|v| (phones[v as usize], phones[uf.find(v) as usize]))
        .collect()
}

/// The distinct phones of `phones`, sorted; the list is sorted and
/// deduplicated whenever it has doubled, so it never holds much more
/// than twice the distinct phones (a phone's neighbours repeat across
/// its many links).
fn distinct(phones: impl Iterator<Item = Phone>) -> Vec<Phone> {
    let mut out: Vec<Phone> = Vec::new();
    let mut settled = 0;
    for p in phones {
        out.push(p);
        if out.len() >= 2 * settled + (1 << 16) {
            out.sort_unstable();
            out.dedup();
            settled = out.len();
        }
    }
    out.sort_unstable();
    out.dedup();
    out.shrink_to_fit();
    out
}

/// PageRank on the contact graph whose links `(phone, neighbour, calls)`
/// this worker owns (sorted), weighted by calls, in fixed point: a phone
/// passes `floor(rank × calls / strength)` to each neighbour; integer sums
/// are exact in any order, so the ranks do not depend on the partition.
/// Stops as `analysis::pagerank` does: when the L1 change is below `tol`.
fn pagerank(
    worker: &mut Worker,
    config: &DistConfig,
    adjacency: Vec<(Phone, Phone, u32)>,
    share_x: &mut Exchanger<(Phone, u64)>,
    sum_x: &mut Exchanger<(u64, u128)>,
) -> Result<(Vec<(Phone, u64)>, usize)> {
    let peers = worker.peers();
    // This worker's phones, their strengths and the range of their links.
    let mut nodes: Vec<(Phone, u64, usize, usize)> = Vec::new();
    let mut i = 0;
    while i < adjacency.len() {
        let p = adjacency[i].0;
        let mut j = i;
        let mut strength = 0u64;
        while j < adjacency.len() && adjacency[j].0 == p {
            strength += adjacency[j].2 as u64;
            j += 1;
        }
        nodes.push((p, strength, i, j));
        i = j;
    }
    // The neighbours, each once: shares to one neighbour are summed here
    // before they are sent (integer sums: the result is the same).
    let targets = distinct(adjacency.iter().map(|a| a.1));
    let links: Vec<(u32, u32)> = adjacency
        .iter()
        .map(|a| {
            let slot = targets
                .binary_search(&a.1)
                .expect("every neighbour is a target");
            (slot as u32, a.2)
        })
        .collect();
    // The phones' links are slots and weights from here on (8 bytes a link
    // instead of 48).
    drop(adjacency);
    let target_owner: Vec<usize> = targets.iter().map(|&t| owner(t, peers)).collect();
    let index: FxHashMap<Phone, usize> = nodes.iter().enumerate().map(|(k, n)| (n.0, k)).collect();
    let n_all: u64 = sum_x
        .all(worker, vec![(nodes.len() as u64, 0)])?
        .iter()
        .map(|x| x.0)
        .sum();
    if n_all == 0 {
        return Ok((Vec::new(), 0));
    }
    let alpha = config.rank.alpha;
    if !(0.0..1.0).contains(&alpha) {
        return Err(super::DistError::Invalid(format!(
            "pagerank: expected a damping factor in [0, 1), found {alpha}"
        )));
    }
    // alpha as a fraction of 2^32, so that scaling is integer arithmetic.
    let alpha_q = (alpha * (1u64 << 32) as f64).round() as u128;
    let base = ((ONE as u128 - ((ONE as u128 * alpha_q) >> 32)) / n_all as u128) as u64;
    let mut x: Vec<u64> = vec![ONE / n_all; nodes.len()];
    let tol = (config.rank.tol * ONE as f64) as u128;
    for iter in 1..=config.rank.max_iter {
        let mut acc = vec![0u64; targets.len()];
        for (k, &(_, strength, a, b)) in nodes.iter().enumerate() {
            let rank = x[k];
            for &(slot, w) in &links[a..b] {
                let share = match rank.checked_mul(w as u64) {
                    Some(p) => p / strength,
                    None => (rank as u128 * w as u128 / strength as u128) as u64,
                };
                acc[slot as usize] += share;
            }
        }
        let out = acc
            .iter()
            .enumerate()
            .filter(|(_, &s)| s > 0)
            .map(|(slot, &s)| (target_owner[slot], (targets[slot], s)));
        let got = share_x.round(worker, out)?;
        let mut sums = vec![0u64; nodes.len()];
        for (u, s) in got {
            sums[index[&u]] += s;
        }
        let mut change: u128 = 0;
        for (k, s) in sums.into_iter().enumerate() {
            let r = ((s as u128 * alpha_q) >> 32) as u64 + base;
            change += (r as i128 - x[k] as i128).unsigned_abs();
            x[k] = r;
        }
        let total: u128 = sum_x
            .all(worker, vec![(0, change)])?
            .iter()
            .map(|c| c.1)
            .sum();
        if total < tol {
            return Ok((nodes.iter().map(|n| n.0).zip(x).collect(), iter));
        }
    }
    Err(super::DistError::Invalid(format!(
        "pagerank: expected convergence to tol {} within {} iterations, found none",
        config.rank.tol, config.rank.max_iter
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A half-minute call (or a text) from `caller` to `callee` at `start`.
    fn call(caller: Phone, callee: Phone, start: i64, text: bool) -> Call {
        Call {
            caller,
            callee,
            start,
            duration_s: 30,
            text,
        }
    }

    #[test]
    fn links_and_pairs_are_summed_per_key_whatever_the_order_of_the_calls() {
        let calls = vec![
            call(2, 1, 300, false),
            call(1, 2, 100, false),
            call(3, 3, 50, false),
            call(1, 2, 200, true),
            call(1, 3, 400, false),
        ];
        let mut reversed = calls.clone();
        reversed.reverse();
        let links = directed_links(calls);
        assert_eq!(links, directed_links(reversed));
        let keys: Vec<_> = links.iter().map(|l| l.0).collect();
        assert_eq!(keys, vec![(1, 2), (1, 3), (2, 1), (3, 3)]);
        let one_two = links[0].1;
        assert_eq!(
            (one_two.calls, one_two.texts, one_two.first, one_two.last),
            (1, 1, 100, 200)
        );
        // Both directions of 1–2 in one pair (two events from 1, one from
        // 2), the self-call left out.
        assert_eq!(
            undirected_pairs(&links),
            vec![((1, 2), (3, 2, 100, 300)), ((1, 3), (1, 1, 400, 400))]
        );
        // Phone 1's tally: two contacts, 1–2 two-way, 1–3 one-off.
        let tallies = contact_tallies(
            pair_profiles(&undirected_pairs(&links), 1)
                .into_iter()
                .map(|p| p.1)
                .collect(),
        );
        assert_eq!(tallies[&1], (2, 1, 1, 100, 400));
    }

    #[test]
    fn distinct_phones_are_sorted_and_counted_once_however_often_they_repeat() {
        // More repeats than the first settling point, in no order.
        let phones = (0..300_000u128).map(|i| (i * 7919) % 1000);
        assert_eq!(distinct(phones), (0..1000u128).collect::<Vec<_>>());
        assert!(distinct(std::iter::empty()).is_empty());
    }

    #[test]
    fn the_median_is_the_middle_count_as_the_hub_rule_takes_it() {
        // Counts 1,1,2,5: sorted[4 / 2] = 2.
        let h: FxHashMap<u32, u64> = [(1, 2), (2, 1), (5, 1)].into_iter().collect();
        assert_eq!(median_of(&h), 2.0);
        let h: FxHashMap<u32, u64> = [(3, 1)].into_iter().collect();
        assert_eq!(median_of(&h), 3.0);
    }

    /// A row as its owner receives it: rows with one hash are one row's
    /// bytes, so they carry one call.
    fn row(hash: u128, ok: bool) -> RowMsg {
        RowMsg {
            hash,
            call: ok.then_some(Call {
                caller: 1,
                callee: 2,
                start: hash as i64,
                duration_s: 10,
                text: false,
            }),
        }
    }

    #[test]
    fn rows_of_an_earlier_batch_count_as_duplicates_like_repeats_within_the_batch() {
        // Hashes 5 and 9 were read in an earlier batch; 7 comes twice now;
        // 8 is a new rejected row.
        let rows = vec![
            row(7, true),
            row(5, true),
            row(7, true),
            row(9, false),
            row(8, false),
        ];
        let (t, kept, fresh) = drop_duplicates(rows, &[5, 9], true);
        assert_eq!(
            (t.rows_read, t.kept, t.rejected, t.duplicates),
            (5, 1, 1, 3)
        );
        assert_eq!(kept.len(), 1);
        assert_eq!(fresh, vec![7, 8]);
        assert_eq!(merge_sorted(&[5, 9], &fresh), vec![5, 7, 8, 9]);
        // Without a state, nothing is remembered.
        let (t, _, fresh) = drop_duplicates(vec![row(7, true), row(7, true)], &[], false);
        assert_eq!((t.kept, t.duplicates), (1, 1));
        assert!(fresh.is_empty());
    }

    #[test]
    fn links_added_batch_by_batch_equal_the_links_of_all_calls() {
        let call = |caller, callee, start, duration_s, text| Call {
            caller,
            callee,
            start,
            duration_s,
            text,
        };
        let day1 = vec![call(1, 2, 100, 5, false), call(2, 1, 3_600 * 2, 300, false)];
        let day2 = vec![call(1, 2, 50, 0, true), call(3, 1, 10, 20, false)];
        let all = directed_links(day1.iter().chain(&day2).copied().collect());
        let stored = directed_links(day1);
        let new = directed_links(day2);
        let touched = touched_pairs(&new);
        let (links, changed) = merge_links(stored, new);
        assert_eq!(links, all);
        assert_eq!(touched, vec![(1, 2), (1, 3)]);
        // Every link of the new calls changed or is new: 1→2 and 3→1.
        let keys: Vec<_> = changed.iter().map(|c| c.0).collect();
        assert_eq!(keys, vec![(1, 2), (3, 1)]);
        assert!(changed.iter().all(|c| all.contains(c)));
    }

    #[test]
    fn new_edges_unioned_into_stored_labels_give_the_components_of_all_edges() {
        // Stored: {1,4} and {2,7}, {3}; new edges 4–7 and 3–8.
        let old = vec![(1u128, 4u128, 1u32), (2, 7, 1), (3, 9, 1)];
        let new = vec![(4u128, 7u128, 1u32), (8, 3, 1)];
        let stored = merge_forest(component_forest(&old).into_iter().map(|f| f.1).collect());
        let mut forest: Vec<(Phone, Phone)> =
            component_forest(&new).into_iter().map(|f| f.1).collect();
        forest.extend(stored);
        let mut unioned = merge_forest(forest);
        let all: Vec<_> = old.iter().chain(&new).copied().collect();
        let mut full = merge_forest(component_forest(&all).into_iter().map(|f| f.1).collect());
        unioned.sort_unstable();
        full.sort_unstable();
        assert_eq!(unioned, full);
        assert_eq!(
            full,
            vec![(1, 1), (2, 1), (3, 3), (4, 1), (7, 1), (8, 3), (9, 3)]
        );
    }

    #[test]
    fn tallies_updated_from_the_touched_pairs_equal_the_tallies_of_all_calls() {
        // Day 1: 1→2 once (one-off), 2→3 and 3→2 (two-way), 4→1.
        let day1 = vec![
            call(1, 2, 10, false),
            call(2, 3, 20, false),
            call(3, 2, 30, true),
            call(4, 1, 40, false),
        ];
        // Day 2: 2→1 (1–2 now two-way, no longer one-off), 5→3 (new
        // contact of 3, new phone 5), 2→3 again, and a self-call.
        let day2 = vec![
            call(2, 1, 100, false),
            call(5, 3, 110, false),
            call(2, 3, 120, false),
            call(6, 6, 130, false),
        ];
        let tallies_of = |links: &Links| {
            let profiles = pair_profiles(&undirected_pairs(links), 1);
            let mut t: Vec<(Phone, ContactTally)> =
                contact_tallies(profiles.into_iter().map(|p| p.1).collect())
                    .into_iter()
                    .collect();
            t.sort_unstable_by_key(|t| t.0);
            t
        };
        let all = tallies_of(&directed_links(day1.iter().chain(&day2).copied().collect()));
        let old = directed_links(day1);
        let stored_tallies = tallies_of(&old);
        let mut stored: Vec<_> = old.into_iter().collect();
        stored.sort_unstable_by_key(|l| l.0);
        let new = directed_links(day2);
        let mut touched: Vec<_> = touched_pairs(&new).into_iter().collect();
        touched.sort_unstable();
        let before: Vec<_> = touched.iter().map(|&k| pair_tally(&stored, k)).collect();
        let (links, _) = merge_links(stored, new);
        let after: Vec<_> = touched
            .iter()
            .map(|&k| pair_tally(&links, k).unwrap())
            .collect();
        let deltas = profile_deltas(&touched, &before, &after, 1)
            .into_iter()
            .map(|d| d.1)
            .collect();
        let (updated, changed) = apply_deltas(stored_tallies, deltas);
        assert_eq!(updated, all);
        assert_eq!(changed, vec![1, 2, 3, 5]);
    }

    #[test]
    fn components_are_labelled_by_their_smallest_phone() {
        let f = vec![(5u128, 3u128), (3, 3), (9, 7), (7, 7), (4, 9)];
        let c = merge_forest(f);
        let label: FxHashMap<Phone, Phone> = c.into_iter().collect();
        assert_eq!(label[&5], 3);
        assert_eq!(label[&9], 4);
        assert_eq!(label[&7], 4);
    }
}
