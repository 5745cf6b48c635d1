//! The passes one worker runs, round after round (see [`super::Exchanger`]):
//! duplicates and the ledger, contact pairs, the hub rule, components,
//! PageRank; worker 0 gathers the results and writes them. Timely pairs
//! the workers' dataflows by the order they are built in, so every worker
//! builds all its exchanges up front in one order ([`Exchanges::new`]) and
//! takes the rounds in one order ([`run_worker`]).

use super::read::{read_added_share, read_share, Call, RangeCounts, RowMsg};
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

/// A pair's profile as one of its phones' owner needs it for the hub rule.
#[derive(Debug, Clone, Copy, serde::Serialize, serde::Deserialize)]
struct Profile {
    phone: Phone,
    two_way: bool,
    one_off: bool,
    first: i64,
    last: i64,
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
fn dense(mut phones: Vec<Phone>) -> (Vec<Phone>, FxHashMap<Phone, u32>) {
    phones.sort_unstable();
    phones.dedup();
    let index = phones
        .iter()
        .enumerate()
        .map(|(i, &p)| (p, i as u32))
        .collect();
    (phones, index)
}

/// The exchanges of one run. Timely pairs up dataflows by the order they
/// are built in, so every worker builds them here, in this one order.
struct Exchanges {
    counts: Exchanger<RangeCounts>,
    rows: Exchanger<RowMsg>,
    calls: Exchanger<Call>,
    totals: Exchanger<Totals>,
    profile: Exchanger<Profile>,
    degree: Exchanger<(u32, u64)>,
    hubs: Exchanger<HubRow>,
    pairs: Exchanger<PairRow>,
    forest: Exchanger<(Phone, Phone)>,
    adjacency: Exchanger<(Phone, Phone, u32)>,
    share: Exchanger<(Phone, u64)>,
    sum: Exchanger<(u64, u128)>,
    marks: Exchanger<(u64, u64)>,
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
        }
    }
}

/// An undirected pair of phones (smaller first): (events, events from the
/// smaller phone to the larger, first, last).
type PairTally = (u32, u32, i64, i64);

/// A phone's contacts as the hub rule reads them: (contacts, two-way
/// contacts, one-off contacts, first, last).
type ContactTally = (u32, u32, u32, i64, i64);

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

    // 0. The stored state this run adds to (see `state`).
    let mut stored = match adding {
        Some(s) => Some(load_stored(worker, &mut x, config, &s.dir)?),
        None => None,
    };
    phases.done("load state");

    // 1. Read, then find exact duplicates at each hash's owner (rows of
    // earlier batches by their stored hashes).
    let rows = match adding {
        None => read_share(worker, &mut x.counts, &config.case, &config.ingest)?,
        Some(s) => {
            let mut rows = Vec::new();
            for file in &s.add {
                rows.extend(read_added_share(
                    worker,
                    &mut x.counts,
                    file,
                    &config.ingest,
                )?);
            }
            rows
        }
    };
    let rows = x.rows.round(worker, rows)?;
    let seen = stored
        .as_mut()
        .map(|s| std::mem::take(&mut s.rows))
        .unwrap_or_default();
    let (new_totals, kept_calls, new_rows) =
        drop_duplicates(rows, peers, &seen, keep_state.is_some());
    let my_totals = match &stored {
        Some(s) => s.totals.plus(&new_totals),
        None => new_totals,
    };
    let totals = sum_totals(&x.totals.all(worker, vec![my_totals])?);
    phases.done("read");

    // 2. Contact pairs at each pair's owner (the new calls added to the
    // stored links).
    let new_links = directed_links(x.calls.round(worker, kept_calls)?);
    let (links, touched) = match stored.as_mut() {
        None => (new_links, None),
        Some(s) => {
            let touched = touched_pairs(&new_links);
            let mut links: FxHashMap<(Phone, Phone), Link> =
                std::mem::take(&mut s.links).into_iter().collect();
            add_links(&mut links, new_links);
            (links, Some(touched))
        }
    };
    let pairs = undirected_pairs(&links);
    let folder_links = match config.folders {
        0 => Vec::new(),
        _ => link_facts(&links),
    };

    phases.done("pairs");

    // 3. The hub rule at each phone's owner.
    let hubs = find_hubs(worker, &mut x, config, &pairs, &totals)?;
    let is_hub: FxHashSet<Phone> = hubs.iter().map(|h| h.phone).collect();
    let mut hub_phones: Vec<Phone> = is_hub.iter().copied().collect();
    hub_phones.sort_unstable();
    // Every worker has every hub, so all take the same branch below.
    let same_hubs = stored.as_ref().map(|s| s.hubs == hub_phones);

    // Contact pairs go to worker 0 for pairs.csv.
    let pair_rows = pair_rows_for_worker_0(&links);
    let links = match keep_state {
        Some(_) => links,
        None => {
            drop(links);
            FxHashMap::default()
        }
    };
    let pair_rows = x.pairs.round(worker, pair_rows)?;
    phases.done("hubs");

    // 4. The contact graph: pairs without a hub.
    let edges = contact_edges_without_hubs(pairs, &is_hub);

    // 5. Components: union-find here, the forest merged at worker 0. Added
    // to a stored state whose hubs are still the hubs, the new pairs are
    // unioned into the stored components (each phone's stored label is a
    // forest edge); when the hubs changed, from every stored pair.
    let forest = match (same_hubs, stored.as_mut(), &touched) {
        (Some(true), Some(s), Some(touched)) => {
            let new_edges: Vec<(Phone, Phone, u32)> = edges
                .iter()
                .filter(|e| touched.contains(&(e.0, e.1)))
                .copied()
                .collect();
            let mut forest = component_forest(&new_edges);
            forest.extend(std::mem::take(&mut s.labels).into_iter().map(|l| (0, l)));
            forest
        }
        _ => component_forest(&edges),
    };
    let forest = x.forest.round(worker, forest)?;
    let components = (me == 0).then(|| merge_forest(forest));
    phases.done("components");

    // 6. PageRank: each phone's links at its owner.
    let mut adjacency = x.adjacency.round(worker, links_at_owners(&edges, peers))?;
    adjacency.sort_unstable();
    let (ranks, iterations) = pagerank(worker, config, &adjacency, &mut x.share, &mut x.sum)?;
    drop(adjacency);
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
        };
        folders_written = folders::run_worker(worker, &mut fx, config, input)?;
        phases.done("folders");
    }

    // Each phone's component back to its owner, for the state.
    let my_labels = match keep_state {
        Some(_) => {
            let out: Vec<(usize, (Phone, Phone))> = components
                .iter()
                .flatten()
                .map(|&(p, c)| (owner(p, peers), (p, c)))
                .collect();
            let labels = x.forest.round(worker, out)?;
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
    if me == 0 {
        let outputs = Outputs {
            ledger: ledger(&totals),
            pairs: pair_rows,
            hubs,
            components: components.unwrap_or_default(),
            ranks: ranks
                .into_iter()
                .map(|(p, x)| (p, x as f64 / ONE as f64))
                .collect(),
        };
        summary.pairs = outputs.pairs.len() as u64;
        summary.components = outputs.n_components() as u64;
        summary.ranked = outputs.ranks.len() as u64;
        summary.written = write::write_all(&config.out, outputs)?;
        summary.folders = folders_written.len().saturating_sub(1) as u64;
        summary.written.extend(folders_written);
        phases.done("write");
    }

    // 8. This worker's share of the state, written last: a run stopped
    // before has left the stored state as it was.
    if let Some(sc) = keep_state {
        let generation = stored.as_ref().map_or(1, |s| s.meta.generation + 1);
        let mut links: Vec<((Phone, Phone), Link)> = links.into_iter().collect();
        links.sort_unstable_by_key(|l| l.0);
        let mut labels = my_labels;
        labels.sort_unstable();
        let share = state::Share {
            meta: state::Meta {
                casegraph_version: env!("CARGO_PKG_VERSION").to_string(),
                processes: peers / config.workers,
                workers: config.workers,
                worker: me,
                settings: state::settings(config),
                generation,
                mark: state::run_mark(generation, &totals),
            },
            totals: my_totals,
            rows: merge_sorted(&seen, &new_rows),
            links,
            labels,
            hubs: hub_phones,
        };
        if me == 0 {
            state::remove_parts_beyond(&sc.dir, peers)?;
        }
        let part = state::save(&sc.dir, me, &share)?;
        phases.done("save state");
        if me == 0 {
            summary.written.push(part);
            let before = stored.as_ref().map(|s| s.hubs.len());
            summary.state = Some(match (same_hubs, before) {
                (Some(true), _) => format!(
                    "state generation {generation} in {}: the hubs are unchanged, the new pairs were unioned into the stored components",
                    sc.dir.display()
                ),
                (Some(false), Some(before)) => format!(
                    "state generation {generation} in {}: the hubs changed ({before} before, {} now), components recomputed from the stored contact pairs",
                    sc.dir.display(),
                    share.hubs.len()
                ),
                _ => format!(
                    "state generation {generation} written to {} ({peers} parts)",
                    sc.dir.display()
                ),
            });
        }
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
) -> Result<state::Share> {
    let processes = worker.peers() / config.workers;
    let share = state::load(
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
    Ok(share)
}

/// The undirected pairs (smaller phone first) the new links touch.
fn touched_pairs(links: &FxHashMap<(Phone, Phone), Link>) -> FxHashSet<(Phone, Phone)> {
    links
        .keys()
        .filter(|(a, b)| a != b)
        .map(|&(a, b)| (a.min(b), a.max(b)))
        .collect()
}

/// The new batch's links added to the stored ones.
fn add_links(links: &mut FxHashMap<(Phone, Phone), Link>, new: FxHashMap<(Phone, Phone), Link>) {
    for (k, l) in new {
        links.entry(k).and_modify(|o| o.add(&l)).or_insert(l);
    }
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
/// calls, each addressed to the owner of its phone pair, and, when
/// `fingerprints`, the hashes of the new distinct rows (sorted).
fn drop_duplicates(
    mut rows: Vec<RowMsg>,
    peers: usize,
    seen: &[u128],
    fingerprints: bool,
) -> (Totals, Vec<(usize, Call)>, Vec<u128>) {
    rows.sort_unstable_by_key(|r| (r.hash, r.line));
    let mut totals = Totals::none();
    let mut kept_calls = Vec::new();
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
                kept_calls.push((pair_owner(c.caller, c.callee, peers), c));
            }
            None => totals.rejected += 1,
        }
    }
    (totals, kept_calls, new_rows)
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
fn link_facts(links: &FxHashMap<(Phone, Phone), Link>) -> Vec<folders::LinkFacts> {
    links
        .iter()
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

/// The calls this worker owns summed per caller → callee: calls, texts,
/// seconds, first and last, night calls, short events.
fn directed_links(calls: Vec<Call>) -> FxHashMap<(Phone, Phone), Link> {
    let short_call_s = crate::lead::config::BurnerConfig::default().short_call_s;
    let mut links: FxHashMap<(Phone, Phone), Link> = FxHashMap::default();
    for c in calls {
        let night = NIGHT_HOURS.contains(&hour_of_day(c.start)) as u32;
        let l = links.entry((c.caller, c.callee)).or_insert(Link {
            calls: 0,
            texts: 0,
            seconds: 0,
            first: c.start,
            last: c.start,
            night: 0,
            short: 0,
        });
        l.short += (c.text || c.duration_s < short_call_s) as u32;
        if c.text {
            l.texts += 1;
        } else {
            l.calls += 1;
        }
        l.seconds += c.duration_s as u64;
        l.first = l.first.min(c.start);
        l.last = l.last.max(c.start);
        if !c.text {
            l.night += night;
        }
    }
    links
}

/// The directed links folded into undirected pairs, self-calls left out.
fn undirected_pairs(
    links: &FxHashMap<(Phone, Phone), Link>,
) -> FxHashMap<(Phone, Phone), PairTally> {
    let mut pairs: FxHashMap<(Phone, Phone), PairTally> = FxHashMap::default();
    for (&(a, b), l) in links {
        if a == b {
            continue;
        }
        let (lo, hi) = (a.min(b), a.max(b));
        let events = l.calls + l.texts;
        let e = pairs.entry((lo, hi)).or_insert((0, 0, l.first, l.last));
        e.0 += events;
        if a < b {
            e.1 += events;
        }
        e.2 = e.2.min(l.first);
        e.3 = e.3.max(l.last);
    }
    pairs
}

/// The hub rule of [`crate::analysis::hubs`], spread out: each pair's
/// profile goes to the owners of its two phones, the median number of
/// contacts is gathered from every worker, each owner judges its phones,
/// and every worker gets the whole list of hubs.
fn find_hubs(
    worker: &mut Worker,
    x: &mut Exchanges,
    config: &DistConfig,
    pairs: &FxHashMap<(Phone, Phone), PairTally>,
    totals: &Totals,
) -> Result<Vec<HubRow>> {
    let peers = worker.peers();
    let profiles = x.profile.round(worker, pair_profiles(pairs, peers))?;
    let tallies = contact_tallies(profiles);
    let mut histogram: FxHashMap<u32, u64> = FxHashMap::default();
    for e in tallies.values() {
        *histogram.entry(e.0).or_default() += 1;
    }
    let mut histogram_all: FxHashMap<u32, u64> = FxHashMap::default();
    for (d, n) in x.degree.all(worker, histogram.into_iter().collect())? {
        *histogram_all.entry(d).or_default() += n;
    }
    let median = median_of(&histogram_all);
    let case_period = case_days(totals);
    let my_hubs = judge_hubs(&tallies, &config.hubs, median, case_period);
    x.hubs.all(worker, my_hubs)
}

/// Each pair's profile (two-way? one-off? first, last) addressed to the
/// owners of both its phones.
fn pair_profiles(
    pairs: &FxHashMap<(Phone, Phone), PairTally>,
    peers: usize,
) -> Vec<(usize, Profile)> {
    let mut profiles = Vec::with_capacity(pairs.len() * 2);
    for (&(lo, hi), &(events, low_to_high, first, last)) in pairs {
        let two_way = low_to_high > 0 && low_to_high < events;
        let one_off = events == 1;
        for p in [lo, hi] {
            profiles.push((
                owner(p, peers),
                Profile {
                    phone: p,
                    two_way,
                    one_off,
                    first,
                    last,
                },
            ));
        }
    }
    profiles
}

/// The pair profiles this worker received, summed per phone.
fn contact_tallies(profiles: Vec<Profile>) -> FxHashMap<Phone, ContactTally> {
    let mut tallies: FxHashMap<Phone, ContactTally> = FxHashMap::default();
    for p in profiles {
        let e = tallies.entry(p.phone).or_insert((0, 0, 0, p.first, p.last));
        e.0 += 1;
        e.1 += p.two_way as u32;
        e.2 += p.one_off as u32;
        e.3 = e.3.min(p.first);
        e.4 = e.4.max(p.last);
    }
    tallies
}

/// The phones of this worker that the hub rule calls service numbers,
/// each with its reason (none when the rule keeps hubs).
fn judge_hubs(
    tallies: &FxHashMap<Phone, ContactTally>,
    rule: &HubConfig,
    median: f64,
    case_period: f64,
) -> Vec<HubRow> {
    let threshold = (rule.factor * median).max(rule.floor as f64);
    let min_active = rule
        .min_active_days
        .min(rule.min_active_share * case_period);
    let mut my_hubs = Vec::new();
    if rule.keep {
        return my_hubs;
    }
    for (&p, &(deg, two_way, one_off, lo, hi)) in tallies {
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

/// This worker's caller → callee links as pairs.csv rows, addressed to
/// worker 0.
fn pair_rows_for_worker_0(links: &FxHashMap<(Phone, Phone), Link>) -> Vec<(usize, PairRow)> {
    links
        .iter()
        .map(|(&(caller, callee), l)| {
            (
                0,
                PairRow {
                    caller,
                    callee,
                    calls: l.calls,
                    texts: l.texts,
                    seconds: l.seconds,
                    first: l.first,
                    last: l.last,
                    night_calls: l.night,
                },
            )
        })
        .collect()
}

/// The contact graph's links (phone, phone, events): the pairs with no hub
/// in them.
fn contact_edges_without_hubs(
    pairs: FxHashMap<(Phone, Phone), PairTally>,
    is_hub: &FxHashSet<Phone>,
) -> Vec<(Phone, Phone, u32)> {
    pairs
        .iter()
        .filter(|((a, b), _)| !is_hub.contains(a) && !is_hub.contains(b))
        .map(|(&(a, b), &(events, ..))| (a, b, events))
        .filter(|e| e.2 > 0)
        .collect()
}

/// The components of this worker's links as a forest (phone, root),
/// addressed to worker 0, which merges every worker's.
fn component_forest(edges: &[(Phone, Phone, u32)]) -> Vec<(usize, (Phone, Phone))> {
    let (local, index) = dense(edges.iter().flat_map(|e| [e.0, e.1]).collect());
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
) -> Vec<(usize, (Phone, Phone, u32))> {
    let mut adjacency = Vec::with_capacity(edges.len() * 2);
    for &(a, b, w) in edges {
        adjacency.push((owner(a, peers), (a, b, w)));
        adjacency.push((owner(b, peers), (b, a, w)));
    }
    adjacency
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
    let (phones, index) = dense(forest.iter().flat_map(|e| [e.0, e.1]).collect());
    let mut uf = UnionFind::new(phones.len());
    for (a, b) in &forest {
        uf.union(index[a], index[b]);
    }
    (0..phones.len() as u32)
        .map(|v| (phones[v as usize], phones[uf.find(v) as usize]))
        .collect()
}

/// PageRank on the contact graph whose links `(phone, neighbour, calls)`
/// this worker owns (sorted), weighted by calls, in fixed point: a phone
/// passes `floor(rank × calls / strength)` to each neighbour; integer sums
/// are exact in any order, so the ranks do not depend on the partition.
/// Stops as `analysis::pagerank` does: when the L1 change is below `tol`.
fn pagerank(
    worker: &mut Worker,
    config: &DistConfig,
    adjacency: &[(Phone, Phone, u32)],
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
    let mut targets: Vec<Phone> = adjacency.iter().map(|a| a.1).collect();
    targets.sort_unstable();
    targets.dedup();
    let links: Vec<(u32, u32)> = adjacency
        .iter()
        .map(|a| {
            let slot = targets
                .binary_search(&a.1)
                .expect("every neighbour is a target");
            (slot as u32, a.2)
        })
        .collect();
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

    #[test]
    fn the_median_is_the_middle_count_as_the_hub_rule_takes_it() {
        // Counts 1,1,2,5: sorted[4 / 2] = 2.
        let h: FxHashMap<u32, u64> = [(1, 2), (2, 1), (5, 1)].into_iter().collect();
        assert_eq!(median_of(&h), 2.0);
        let h: FxHashMap<u32, u64> = [(3, 1)].into_iter().collect();
        assert_eq!(median_of(&h), 3.0);
    }

    fn row(hash: u128, line: u32, ok: bool) -> RowMsg {
        RowMsg {
            hash,
            line,
            call: ok.then_some(Call {
                caller: 1,
                callee: 2,
                start: line as i64,
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
            row(7, 3, true),
            row(5, 1, true),
            row(7, 9, true),
            row(9, 4, false),
            row(8, 2, false),
        ];
        let (t, kept, fresh) = drop_duplicates(rows, 2, &[5, 9], true);
        assert_eq!(
            (t.rows_read, t.kept, t.rejected, t.duplicates),
            (5, 1, 1, 3)
        );
        assert_eq!(kept.len(), 1);
        assert_eq!(fresh, vec![7, 8]);
        assert_eq!(merge_sorted(&[5, 9], &fresh), vec![5, 7, 8, 9]);
        // Without a state, nothing is remembered.
        let (t, _, fresh) = drop_duplicates(vec![row(7, 1, true), row(7, 2, true)], 1, &[], false);
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
        let mut links = directed_links(day1);
        let new = directed_links(day2);
        let touched = touched_pairs(&new);
        add_links(&mut links, new);
        assert_eq!(links, all);
        assert_eq!(touched, [(1, 2), (1, 3)].into_iter().collect());
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
    fn components_are_labelled_by_their_smallest_phone() {
        let f = vec![(5u128, 3u128), (3, 3), (9, 7), (7, 7), (4, 9)];
        let c = merge_forest(f);
        let label: FxHashMap<Phone, Phone> = c.into_iter().collect();
        assert_eq!(label[&5], 3);
        assert_eq!(label[&9], 4);
        assert_eq!(label[&7], 4);
    }
}
