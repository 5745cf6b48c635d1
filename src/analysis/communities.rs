//! Communities: groups of phones that talk much more among themselves than
//! with the rest, by Louvain modularity optimisation with the Leiden
//! refinement step (Traag, Waltman & van Eck 2019), so that every community
//! is connected.
//!
//! Going up, each level: (1) *local moving* — nodes, visited from a queue,
//! move to the neighbouring community (or an empty one) that most increases
//! modularity, and the neighbours of a moved node are queued again, until
//! nothing moves; (2) *refinement* — inside each community, start from
//! singletons and let each singleton that is well connected to its
//! community join the well-connected sub-community (reachable through its
//! own links) that increases modularity most (the greedy form of Leiden's
//! randomised merge); (3) *aggregation* — the refined sub-communities
//! become the nodes of the next level, starting in the community of step
//! (1). This stops when local moving leaves every node alone or refinement
//! merges nothing. Going back down (as NetworKit's PLM with refinement
//! does), the partition is projected onto each finer level and local moving
//! runs there again, so that parts of a community can still move on their
//! own.
//!
//! Nodes are visited strongest first (ties in seeded random order): the
//! heavy callers settle first and the rest join them, which gives higher
//! modularity than a uniformly random order (on a 1M-phone synthetic
//! graph, Q 0.4169 against 0.4155), and the graph is renumbered in that
//! order so that the sweeps read it front to back. The whole algorithm then
//! runs again from the partition found, as plain Leiden rounds visiting in
//! seeded random order (so as not to retrace the first round), while
//! modularity rises, for at most `max_rounds` rounds ([`MAX_ROUNDS`] = 4 by
//! default) — but only on graphs of at most `multi_round_max_pairs` pairs
//! ([`MULTI_ROUND_MAX_PAIRS`] = 1M): on small graphs later rounds cost
//! little and can matter (noordin-top: Q 0.504 after one round, 0.517
//! after two), while on the 1M-phone, 4M-pair synthetic graph one round
//! gives Q 0.4169 in about 4 s (on a busy 2-core machine) and a second
//! only 0.4174 for as much time again.
//! The `communities` command asks more of a round before running another
//! ([`CommunityConfig::min_round_gain`], [`MIN_ROUND_GAIN`] = 0.001): on
//! the foreign validation cases every round after the first raised Q by
//! 0.0002–0.0005 at half the first round's cost each, which made a
//! 650k-pair graph take 2.7 times as long as one round for +0.0009; two
//! rounds keep Q above NetworKit's PLM there at about half the time, and
//! small networks whose rounds still gain (noordin-top) go on. The second
//! round starts from a partition the first one settled node by node, so
//! it skips that sweep at the base level. Above 100k pairs
//! ([`COMMAND_MULTI_ROUND_MAX_PAIRS`]) the command runs one round: on the
//! foreign mid-41 graph (224k pairs) the second round took the command
//! from 0.139 s to 0.186 s for Q 0.59700 → 0.59738, and on the generated
//! medium 91 (about 450k pairs) from 0.306 s to 0.435 s for 0.77557 →
//! 0.77574 — gains no investigator sees in the groups, at a third more
//! wait (`--rounds N` asks for them).
//!
//! A final pass splits any community that is still not connected in the
//! contact graph into its connected parts (which can only raise
//! modularity), so connectivity is guaranteed, not just likely.
//!
//! Modularity with resolution γ, as NetworkX's `modularity`:
//! `Q = Σ_c [ L_c / m − γ (K_c / 2m)² ]` with `L_c` the weight of links
//! inside `c`, `K_c` the summed strength of its nodes and `m` the total
//! weight. Weighted by the number of calls.
//!
//! Community ids: largest first, ties broken by the smallest node id.
//!
//! # Complexity
//! About O(m) per pass of local moving, a few passes per level, and a
//! handful of levels, up and down: near-linear in practice. O(n + m)
//! memory per level, and the first round keeps its levels for the way down
//! (on the 1M-phone graph, 3 levels of 5–6M links after the contact
//! graph). Moving and refinement are sequential and seeded; aggregation
//! and the modularity sum run in parallel, each in a fixed order (rows
//! built alone, partial sums over fixed chunks added in order), so the
//! result is the same for any thread count.

use crate::analysis::contact::ContactGraph;
use crate::error::{Error, Result};
use rand::seq::SliceRandom;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;
use std::collections::VecDeque;

pub const DEFAULT_RESOLUTION: f64 = 1.0;
pub const DEFAULT_SEED: u64 = 0;
pub const MAX_LEVELS: usize = 64;
/// Rounds of the whole algorithm, each from the previous round's partition.
pub const MAX_ROUNDS: usize = 4;
/// Graphs with more pairs get one round by default: there a later round
/// costs as much as the first for a gain below 0.2% (see the module doc).
pub const MULTI_ROUND_MAX_PAIRS: usize = 1_000_000;
/// What the `communities` command asks of a round before it runs another:
/// a rise in modularity of at least this much (0.001, a tenth of a
/// percentage point of Q). The first later round always runs.
pub const MIN_ROUND_GAIN: f64 = 1e-3;
/// The `communities` command runs later rounds only on graphs of at most
/// this many pairs (100k), where a round takes milliseconds; on larger ones
/// the investigator waits for one round. On case-sized graphs above it a
/// second round raised Q by 0.0002–0.0005 for half again the first round's
/// time (see the module doc).
pub const COMMAND_MULTI_ROUND_MAX_PAIRS: usize = 100_000;

#[derive(Debug, Clone, PartialEq)]
pub struct CommunityConfig {
    pub resolution: f64,
    pub seed: u64,
    /// Rounds of the whole algorithm at most, each starting from the last
    /// round's partition (more rounds: higher modularity, more time).
    pub max_rounds: usize,
    /// Above this many pairs, only one round runs whatever `max_rounds`
    /// says.
    pub multi_round_max_pairs: usize,
    /// A third or later round runs only if the round before it raised
    /// modularity by at least this much (0: while it rises at all).
    pub min_round_gain: f64,
}

impl Default for CommunityConfig {
    fn default() -> Self {
        CommunityConfig {
            resolution: DEFAULT_RESOLUTION,
            seed: DEFAULT_SEED,
            max_rounds: MAX_ROUNDS,
            multi_round_max_pairs: MULTI_ROUND_MAX_PAIRS,
            min_round_gain: 0.0,
        }
    }
}

/// A partition of the contact graph into connected communities.
#[derive(Debug, Clone, PartialEq)]
pub struct Communities {
    pub community_of: Vec<u32>,
    offsets: Vec<u32>,
    members: Vec<u32>,
    pub modularity: f64,
    /// Aggregation levels run.
    pub levels: usize,
    /// Rounds of the whole algorithm run (see [`CommunityConfig::max_rounds`]).
    pub rounds: usize,
}

impl Communities {
    pub fn len(&self) -> usize {
        self.offsets.len() - 1
    }
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// Members of community `c`, by node id.
    pub fn members(&self, c: u32) -> &[u32] {
        &self.members[self.offsets[c as usize] as usize..self.offsets[c as usize + 1] as usize]
    }
}

/// One level of the Louvain hierarchy: a weighted graph with self-loops.
struct Level {
    offsets: Vec<usize>,
    nbrs: Vec<u32>,
    w: Vec<f64>,
    /// Weight of links inside the node (each once).
    self_w: Vec<f64>,
    /// Strength, counting the self-loop twice.
    k: Vec<f64>,
}

impl Level {
    fn n(&self) -> usize {
        self.k.len()
    }
    fn adj(&self, v: usize) -> (&[u32], &[f64]) {
        let r = self.offsets[v]..self.offsets[v + 1];
        (&self.nbrs[r.clone()], &self.w[r])
    }

    /// The contact graph renumbered strongest first (see
    /// [`strongest_first`]), so that the first round's sweeps read its
    /// arrays front to back. Returns the level and the original id of each
    /// of its nodes.
    fn relabelled(g: &ContactGraph, rng: &mut ChaCha8Rng) -> (Level, Vec<u32>) {
        let n = g.n_nodes();
        let strength: Vec<f64> = g.strengths().to_vec();
        let old = strongest_first(&strength, rng);
        let mut new_id = vec![0u32; n];
        for (i, &v) in old.iter().enumerate() {
            new_id[v as usize] = i as u32;
        }
        let (offs, nb, w) = g.csr();
        let mut offsets = Vec::with_capacity(n + 1);
        offsets.push(0);
        let mut nbrs = Vec::with_capacity(nb.len());
        let mut ws = Vec::with_capacity(w.len());
        for &v in &old {
            let r = offs[v as usize] as usize..offs[v as usize + 1] as usize;
            nbrs.extend(nb[r.clone()].iter().map(|&u| new_id[u as usize]));
            ws.extend_from_slice(&w[r]);
            offsets.push(nbrs.len());
        }
        let level = Level {
            offsets,
            nbrs,
            w: ws,
            self_w: vec![0.0; n],
            k: old.iter().map(|&v| strength[v as usize]).collect(),
        };
        (level, old)
    }
}

#[derive(Debug, Clone, Copy)]
enum Visit {
    StrongestFirst,
    Random,
}

impl Visit {
    /// The order to visit nodes of strength `k` in.
    fn order(self, k: &[f64], rng: &mut ChaCha8Rng) -> Vec<u32> {
        match self {
            Visit::StrongestFirst => strongest_first(k, rng),
            Visit::Random => {
                let mut order: Vec<u32> = (0..k.len() as u32).collect();
                order.shuffle(rng);
                order
            }
        }
    }
}

/// Nodes by strength, strongest first; equal strengths in seeded random
/// order. Strong nodes settle first and the weak ones then join them, which
/// gives higher modularity than a uniformly random order.
fn strongest_first(k: &[f64], rng: &mut ChaCha8Rng) -> Vec<u32> {
    let mut shuffled: Vec<u32> = (0..k.len() as u32).collect();
    shuffled.shuffle(rng);
    // Strengths are non-negative, so their bits sort like the values; the
    // shuffled position breaks ties, and keys are unique.
    let mut keyed: Vec<(u64, u32)> = shuffled
        .iter()
        .enumerate()
        .map(|(i, &v)| (!k[v as usize].to_bits(), i as u32))
        .collect();
    // Keys are unique, so both sorts give the same order.
    if keyed.len() < SEQUENTIAL_BELOW {
        keyed.sort_unstable();
    } else {
        keyed.par_sort_unstable();
    }
    keyed.iter().map(|&(_, i)| shuffled[i as usize]).collect()
}

/// Below this many nodes a level's parallel steps run on the calling
/// thread: handing work to the pool and waiting for it costs more than
/// the work (on a busy machine, milliseconds against microseconds on the
/// small criminal networks). Results are the same either way.
const SEQUENTIAL_BELOW: usize = 1 << 14;

/// Scratch map from community to summed link weight, reset by its touched list.
struct WeightTo {
    w: Vec<f64>,
    touched: Vec<u32>,
}

impl WeightTo {
    fn new(n: usize) -> Self {
        WeightTo {
            w: vec![0.0; n],
            touched: Vec::new(),
        }
    }
    fn add(&mut self, c: u32, w: f64) {
        // Link weights are positive, so a zero sum means not touched yet
        // (one array read instead of a separate mark).
        let slot = &mut self.w[c as usize];
        if *slot == 0.0 {
            self.touched.push(c);
        }
        *slot += w;
    }
    fn clear(&mut self) {
        for &c in &self.touched {
            self.w[c as usize] = 0.0;
        }
        self.touched.clear();
    }
}

/// What local moving keeps besides the partition: each community's total
/// strength and size, the empty communities, and the queue of nodes to
/// visit.
struct Moving {
    tot: Vec<f64>,
    size: Vec<u32>,
    empty: Vec<u32>,
    queue: VecDeque<u32>,
    in_queue: Vec<bool>,
}

impl Moving {
    fn new(l: &Level, order: &[u32], comm: &[u32]) -> Self {
        let n = l.n();
        let mut tot = vec![0.0; n];
        let mut size = vec![0u32; n];
        for v in 0..n {
            tot[comm[v] as usize] += l.k[v];
            size[comm[v] as usize] += 1;
        }
        Moving {
            empty: (0..n as u32).filter(|&c| size[c as usize] == 0).collect(),
            tot,
            size,
            queue: order.iter().copied().collect(),
            in_queue: vec![true; n],
        }
    }

    /// The next node to visit, taken off the queue.
    fn pop(&mut self) -> Option<u32> {
        let v = self.queue.pop_front()?;
        self.in_queue[v as usize] = false;
        Some(v)
    }

    /// Node `v` moved from community `a` to `best` (totals already moved
    /// by the caller): sizes, empty communities, and its neighbours outside
    /// `best` queued again.
    fn moved(&mut self, l: &Level, v: usize, a: u32, best: u32, comm: &mut [u32]) {
        if self.empty.last() == Some(&best) {
            self.empty.pop();
        }
        self.size[a as usize] -= 1;
        if self.size[a as usize] == 0 {
            self.empty.push(a);
        }
        self.size[best as usize] += 1;
        comm[v] = best;
        for &u in l.adj(v).0 {
            if !self.in_queue[u as usize] && comm[u as usize] != best {
                self.in_queue[u as usize] = true;
                self.queue.push_back(u);
            }
        }
    }
}

/// Local moving one node after another (Leiden's queue): from the
/// partition `comm`, visiting nodes in `order`; the neighbours of a moved
/// node are queued again.
///
/// One thread, on purpose. Choosing the moves of a batch of nodes in
/// parallel and applying them in queue order (each judged again when a
/// neighbour had moved first) kept the result independent of the thread
/// count, but on 2 cores it was slower at every level: 0.154 s against
/// 0.136 s for one round on the foreign mid-41 graph, 2.90 s against
/// 2.25 s on a 1M-node, 3M-pair heavy-tailed graph. The coarse levels are
/// dense (mid-41's fourth: 955 nodes, 212k arcs), so most choices of a
/// batch had to be made again, and the base level is bound by memory.
fn local_move(l: &Level, order: &[u32], comm: &mut [u32], gamma: f64, two_m: f64) {
    let n = l.n();
    let mut m = Moving::new(l, order, comm);
    let mut to = WeightTo::new(n);
    // A guard against float noise making two communities trade a node
    // forever; real runs stop far below it.
    let mut budget = 1000usize.saturating_mul(n.max(1));
    while let Some(v) = m.pop() {
        budget = budget.saturating_sub(1);
        if budget == 0 {
            break;
        }
        let v = v as usize;
        let a = comm[v];
        let kv = l.k[v];
        let (nb, ws) = l.adj(v);
        for (&u, &w) in nb.iter().zip(ws) {
            to.add(comm[u as usize], w);
        }
        m.tot[a as usize] -= kv;
        let scale = gamma * kv / two_m;
        let tot = &m.tot;
        let gain = |c: u32, wc: f64| wc - scale * tot[c as usize];
        let mut best = a;
        let mut best_gain = gain(a, to.w[a as usize]);
        for &c in &to.touched {
            if c != a {
                let g = gain(c, to.w[c as usize]);
                if g > best_gain {
                    best = c;
                    best_gain = g;
                }
            }
        }
        if best_gain < 0.0 && m.size[a as usize] > 1 {
            if let Some(&e) = m.empty.last() {
                best = e;
            }
        }
        m.tot[best as usize] += kv;
        if best != a {
            m.moved(l, v, a, best, comm);
        }
        to.clear();
    }
}

/// Renumber ids densely in order of first appearance; returns the count.
fn renumber(ids: &mut [u32]) -> usize {
    let mut map = vec![u32::MAX; ids.len()];
    let mut next = 0u32;
    for x in ids.iter_mut() {
        if map[*x as usize] == u32::MAX {
            map[*x as usize] = next;
            next += 1;
        }
        *x = map[*x as usize];
    }
    next as usize
}

fn refine(l: &Level, order: &[u32], comm: &[u32], gamma: f64, two_m: f64) -> Vec<u32> {
    let n = l.n();
    let mut refined: Vec<u32> = (0..n as u32).collect();
    let mut ctot = vec![0.0; n];
    for v in 0..n {
        ctot[comm[v] as usize] += l.k[v];
    }
    // Weight from each node to the rest of its community.
    let ext_of = |v: usize| -> f64 {
        let (nb, ws) = l.adj(v);
        nb.iter()
            .zip(ws)
            .filter(|(&u, _)| u as usize != v && comm[u as usize] == comm[v])
            .map(|(_, &w)| w)
            .sum()
    };
    // Each node's value alone, so computed in parallel with the same
    // result (small levels here: the pool's handoff would cost more).
    let ext: Vec<f64> = if n < SEQUENTIAL_BELOW {
        (0..n).map(ext_of).collect()
    } else {
        (0..n)
            .into_par_iter()
            .with_min_len(4096)
            .map(ext_of)
            .collect()
    };
    let mut rk = l.k.clone();
    let mut cext = ext.clone();
    let mut single = vec![true; n];
    let mut to = WeightTo::new(n);
    for &v in order {
        let v = v as usize;
        if !single[refined[v] as usize] {
            continue;
        }
        let s = comm[v] as usize;
        let kv = l.k[v];
        if ext[v] < gamma * kv * (ctot[s] - kv) / two_m {
            continue;
        }
        let (nb, ws) = l.adj(v);
        for (&u, &w) in nb.iter().zip(ws) {
            if u as usize != v && comm[u as usize] as usize == s {
                to.add(refined[u as usize], w);
            }
        }
        let own = refined[v];
        let mut best = None;
        let mut best_gain = 0.0;
        for &c in &to.touched {
            let ci = c as usize;
            if c == own || cext[ci] < gamma * rk[ci] * (ctot[s] - rk[ci]) / two_m {
                continue;
            }
            let g = to.w[ci] - gamma * kv * rk[ci] / two_m;
            if g > best_gain {
                best_gain = g;
                best = Some(c);
            }
        }
        if let Some(c) = best {
            let ci = c as usize;
            cext[ci] += ext[v] - 2.0 * to.w[ci];
            rk[ci] += kv;
            rk[own as usize] = 0.0;
            refined[v] = c;
            single[ci] = false;
        }
        to.clear();
    }
    refined
}

/// Communities whose summed adjacency is about this long go to one rayon
/// task in [`aggregate`].
const AGGREGATE_CHUNK: usize = 1 << 16;

/// The graph of the clusters `cluster` (ids `0..r`) of `l`. Each cluster's
/// row is summed alone in a fixed order (members by id, their links in
/// order), so the rows come out the same whatever the thread count; rows
/// are built in parallel chunks and joined in cluster order.
fn aggregate(l: &Level, cluster: &[u32], r: usize) -> Level {
    let (offs, members, bounds) = members_by_cluster(l, cluster, r);
    let build = |to: &mut WeightTo, win: &[usize]| {
        cluster_rows(l, cluster, &offs, &members, to, win[0]..win[1])
    };
    // One chunk: built here, without handing it to the thread pool (on a
    // small graph that handoff would cost more than the work).
    let chunks: Vec<ClusterRows> = if bounds.len() <= 2 {
        let mut to = WeightTo::new(r);
        bounds.windows(2).map(|win| build(&mut to, win)).collect()
    } else {
        bounds
            .par_windows(2)
            .map_init(|| WeightTo::new(r), |to, win| build(to, win))
            .collect()
    };
    join_rows(chunks, r)
}

/// Each cluster's members by id (cluster `c`'s are
/// `members[offs[c]..offs[c + 1]]`), and the bounds of the chunks of
/// clusters, cut where their members' links add up to about
/// [`AGGREGATE_CHUNK`].
fn members_by_cluster(l: &Level, cluster: &[u32], r: usize) -> (Vec<usize>, Vec<u32>, Vec<usize>) {
    let n = l.n();
    let mut offs = vec![0usize; r + 1];
    for &c in cluster {
        offs[c as usize + 1] += 1;
    }
    for c in 0..r {
        offs[c + 1] += offs[c];
    }
    let mut fill = offs.clone();
    let mut members = vec![0u32; n];
    // Work of each cluster (its members' links), to cut equal chunks.
    let mut work = vec![0usize; r + 1];
    for (v, &c) in cluster.iter().enumerate() {
        let c = c as usize;
        members[fill[c]] = v as u32;
        fill[c] += 1;
        work[c + 1] += l.offsets[v + 1] - l.offsets[v] + 1;
    }
    let mut bounds = vec![0usize];
    let mut done = 0usize;
    for c in 0..r {
        done += work[c + 1];
        if done >= AGGREGATE_CHUNK || c + 1 == r {
            bounds.push(c + 1);
            done = 0;
        }
    }
    (offs, members, bounds)
}

/// The rows of one chunk of clusters of the aggregate graph, ends relative
/// to the chunk.
struct ClusterRows {
    ends: Vec<usize>,
    nbrs: Vec<u32>,
    w: Vec<f64>,
    self_w: Vec<f64>,
    k: Vec<f64>,
}

/// The aggregate rows of the clusters `clusters`: each cluster's links to
/// the other clusters, its inside weight as a self-loop and its degree.
fn cluster_rows(
    l: &Level,
    cluster: &[u32],
    offs: &[usize],
    members: &[u32],
    to: &mut WeightTo,
    clusters: std::ops::Range<usize>,
) -> ClusterRows {
    let len = clusters.len();
    let mut rows = ClusterRows {
        ends: Vec::with_capacity(len),
        nbrs: Vec::new(),
        w: Vec::new(),
        self_w: Vec::with_capacity(len),
        k: Vec::with_capacity(len),
    };
    for c in clusters {
        let (mut inside, mut self_w, mut k) = (0.0, 0.0, 0.0);
        for &v in &members[offs[c]..offs[c + 1]] {
            let v = v as usize;
            self_w += l.self_w[v];
            k += l.k[v];
            let (nb, ws) = l.adj(v);
            for (&u, &x) in nb.iter().zip(ws) {
                let cu = cluster[u as usize];
                if cu as usize == c {
                    inside += x;
                } else {
                    to.add(cu, x);
                }
            }
        }
        // Each inside link was seen from both ends.
        rows.self_w.push(self_w + inside / 2.0);
        rows.k.push(k);
        for &d in &to.touched {
            rows.nbrs.push(d);
            rows.w.push(to.w[d as usize]);
        }
        to.clear();
        rows.ends.push(rows.nbrs.len());
    }
    rows
}

/// The chunks' rows joined in cluster order into one level.
fn join_rows(chunks: Vec<ClusterRows>, r: usize) -> Level {
    let total: usize = chunks.iter().map(|c| c.nbrs.len()).sum();
    let mut offsets = Vec::with_capacity(r + 1);
    offsets.push(0);
    let mut nbrs = Vec::with_capacity(total);
    let mut w = Vec::with_capacity(total);
    let mut self_w = Vec::with_capacity(r);
    let mut k = Vec::with_capacity(r);
    for rows in chunks {
        let start = nbrs.len();
        offsets.extend(rows.ends.iter().map(|&e| start + e));
        nbrs.extend_from_slice(&rows.nbrs);
        w.extend_from_slice(&rows.w);
        self_w.extend_from_slice(&rows.self_w);
        k.extend_from_slice(&rows.k);
    }
    Level {
        offsets,
        nbrs,
        w,
        self_w,
        k,
    }
}

/// Nodes per rayon task in [`modularity`]; fixed, so the partial sums (and
/// the result) do not depend on the thread count.
const MODULARITY_CHUNK: usize = 1 << 14;

/// Modularity of a partition of `g` (weighted by calls) at resolution γ.
/// The inside weight is summed in fixed chunks of nodes in parallel and the
/// chunk sums added in order: the same bits for any thread count.
pub fn modularity(g: &ContactGraph, community_of: &[u32], resolution: f64) -> f64 {
    let n = g.n_nodes();
    let m = g.total_weight();
    if m == 0.0 {
        return 0.0;
    }
    let n_comm = community_of
        .iter()
        .map(|&c| c as usize + 1)
        .max()
        .unwrap_or(0);
    let mut strength = vec![0.0; n_comm];
    for (v, &k) in g.strengths().iter().enumerate() {
        strength[community_of[v] as usize] += k;
    }
    let (offsets, nbrs, ws) = g.csr();
    let chunk_inside = |i: usize| {
        let mut inside = 0.0;
        for v in i * MODULARITY_CHUNK..((i + 1) * MODULARITY_CHUNK).min(n) {
            let c = community_of[v];
            let r = offsets[v] as usize..offsets[v + 1] as usize;
            for (&u, &w) in nbrs[r.clone()].iter().zip(&ws[r]) {
                if community_of[u as usize] == c {
                    inside += w;
                }
            }
        }
        inside
    };
    let n_chunks = n.div_ceil(MODULARITY_CHUNK);
    // One chunk: summed here, without a handoff to the thread pool.
    let chunks: Vec<f64> = if n_chunks <= 1 {
        (0..n_chunks).map(chunk_inside).collect()
    } else {
        (0..n_chunks).into_par_iter().map(chunk_inside).collect()
    };
    let inside: f64 = chunks.iter().sum();
    let mut spread = 0.0;
    for &k in &strength {
        let k = k / (2.0 * m);
        spread += k * k;
    }
    // Each inside link was seen from both ends.
    inside / 2.0 / m - resolution * spread
}

/// Communities of `g`; see the module documentation.
pub fn communities(g: &ContactGraph, config: &CommunityConfig) -> Result<Communities> {
    let gamma = config.resolution;
    if !(gamma > 0.0 && gamma.is_finite()) {
        return Err(Error::Invalid(format!(
            "communities: expected a positive resolution, found {gamma}"
        )));
    }
    let n = g.n_nodes();
    let two_m: f64 = 2.0 * g.total_weight();
    let mut rng = ChaCha8Rng::seed_from_u64(config.seed);
    let (base, old_id) = Level::relabelled(g, &mut rng);
    // Partitions are kept in the base level's numbering until the end.
    let to_graph = |part: &[u32]| -> Vec<u32> {
        let mut out = vec![0u32; n];
        for (i, &v) in old_id.iter().enumerate() {
            out[v as usize] = part[i];
        }
        out
    };
    let mut best: Vec<u32> = (0..n as u32).collect();
    let mut best_q = f64::NEG_INFINITY;
    let mut levels = 0;
    let mut rounds_run = 0;
    // Leiden iterates: each round starts from the previous round's
    // partition, and rounds go on while modularity still rises. A round
    // can only raise modularity (every move and split does), so the last
    // one is kept without measuring it.
    let rounds = if g.n_edges() > config.multi_round_max_pairs {
        1
    } else {
        config.max_rounds.max(1)
    };
    for round in 0..rounds {
        if two_m == 0.0 {
            break;
        }
        // The first round visits strongest first and moves nodes again on
        // the way down; later ones (plain Leiden rounds) visit in seeded
        // random order, so that they do not retrace the first one's path.
        let visit = if round == 0 {
            Visit::StrongestFirst
        } else {
            Visit::Random
        };
        // The first round ends by moving nodes at the base level, so the
        // second starts from a partition where no node has a move left to
        // make (up to the few whose neighbours' communities changed after
        // their last visit): it skips that sweep and goes straight to the
        // refinement, which is where later rounds find their gains (on the
        // foreign validation cases the skip cost no modularity and saved a
        // fifth of the time).
        let settled = round == 1;
        let (raw, used) = leiden_round(&base, &best, settled, visit, &mut rng, gamma, two_m);
        levels += used;
        rounds_run += 1;
        let next = connected_parts(base.n(), |v| base.adj(v).0, &raw);
        if round + 1 == rounds {
            best = next;
            break;
        }
        let q = modularity(g, &to_graph(&next), gamma);
        if q <= best_q + 1e-12 {
            break;
        }
        let gain = q - best_q;
        best = next;
        best_q = q;
        if round > 0 && gain < config.min_round_gain {
            break;
        }
    }
    let (community_of, offsets, members) = order_by_size(&to_graph(&best));
    let q = modularity(g, &community_of, gamma);
    Ok(Communities {
        community_of,
        offsets,
        members,
        modularity: q,
        levels,
        rounds: rounds_run,
    })
}

/// One round, starting from `start`: going up, local moving, refinement
/// and aggregation until stable; going back down, the partition is
/// projected onto each finer level and local moving runs again there, so
/// that parts of a community can still move on their own (as in
/// NetworKit's PLM with refinement). With `settled`, `start` is already a
/// partition no node would leave, and the base level's local moving is
/// skipped. Returns the partition of the base nodes and the number of
/// levels used.
fn leiden_round(
    base: &Level,
    start: &[u32],
    settled: bool,
    visit: Visit,
    rng: &mut ChaCha8Rng,
    gamma: f64,
    two_m: f64,
) -> (Vec<u32>, usize) {
    let mut part: Vec<u32> = start.to_vec();
    // The coarser levels, and for each the cluster of every node of the
    // level below.
    let mut coarser: Vec<Level> = Vec::new();
    let mut clusters: Vec<Vec<u32>> = Vec::new();
    // The visiting order of the base level and of each coarser one. The
    // base level is already numbered strongest first.
    let mut orders: Vec<Vec<u32>> = vec![match visit {
        Visit::StrongestFirst => (0..base.n() as u32).collect(),
        Visit::Random => visit.order(&base.k, rng),
    }];
    // Only the first round comes back down through the levels; later ones
    // keep just the newest level.
    let down = matches!(visit, Visit::StrongestFirst);
    let mut levels = 0;
    while levels < MAX_LEVELS {
        levels += 1;
        let level = coarser.last().unwrap_or(base);
        let order = orders.last().expect("one order per level");
        if !(levels == 1 && settled) {
            local_move(level, order, &mut part, gamma, two_m);
        }
        let n_comm = renumber(&mut part);
        if n_comm == level.n() {
            break;
        }
        let mut refined = refine(level, order, &part, gamma, two_m);
        let r = renumber(&mut refined);
        if r == level.n() {
            break;
        }
        let mut next_part = vec![0u32; r];
        for v in 0..level.n() {
            next_part[refined[v] as usize] = part[v];
        }
        let next = aggregate(level, &refined, r);
        let next_order = visit.order(&next.k, rng);
        if !down {
            coarser.clear();
            orders.clear();
        }
        coarser.push(next);
        orders.push(next_order);
        clusters.push(refined);
        part = next_part;
    }
    while let Some(cluster) = clusters.pop() {
        let mut fine: Vec<u32> = cluster.iter().map(|&x| part[x as usize]).collect();
        if down {
            coarser.pop();
            orders.pop();
            let level = coarser.last().unwrap_or(base);
            let order = orders.last().expect("one order per level");
            local_move(level, order, &mut fine, gamma, two_m);
        }
        part = fine;
    }
    (part, levels)
}

/// Split each community into its connected parts, in the graph of `n`
/// nodes with adjacency `adj`.
fn connected_parts<'a>(n: usize, adj: impl Fn(usize) -> &'a [u32], comm: &[u32]) -> Vec<u32> {
    let mut out = vec![u32::MAX; n];
    let mut next = 0u32;
    let mut stack = Vec::new();
    for s in 0..n as u32 {
        if out[s as usize] != u32::MAX {
            continue;
        }
        out[s as usize] = next;
        stack.push(s);
        while let Some(v) = stack.pop() {
            for &u in adj(v as usize) {
                if out[u as usize] == u32::MAX && comm[u as usize] == comm[s as usize] {
                    out[u as usize] = next;
                    stack.push(u);
                }
            }
        }
        next += 1;
    }
    out
}

/// Renumber: largest first, ties by smallest member; with member lists.
fn order_by_size(comm: &[u32]) -> (Vec<u32>, Vec<u32>, Vec<u32>) {
    let n = comm.len();
    let k = comm.iter().map(|&c| c as usize + 1).max().unwrap_or(0);
    let mut size = vec![0u32; k];
    let mut smallest = vec![u32::MAX; k];
    for (v, &c) in comm.iter().enumerate() {
        size[c as usize] += 1;
        smallest[c as usize] = smallest[c as usize].min(v as u32);
    }
    let mut ids: Vec<u32> = (0..k as u32).filter(|&c| size[c as usize] > 0).collect();
    ids.sort_by(|&a, &b| {
        size[b as usize]
            .cmp(&size[a as usize])
            .then(smallest[a as usize].cmp(&smallest[b as usize]))
    });
    let mut new_id = vec![0u32; k];
    let mut offsets = vec![0u32; ids.len() + 1];
    for (i, &c) in ids.iter().enumerate() {
        new_id[c as usize] = i as u32;
        offsets[i + 1] = offsets[i] + size[c as usize];
    }
    let out: Vec<u32> = comm.iter().map(|&c| new_id[c as usize]).collect();
    let mut fill = offsets.clone();
    let mut members = vec![0u32; n];
    for (v, &c) in out.iter().enumerate() {
        members[fill[c as usize] as usize] = v as u32;
        fill[c as usize] += 1;
    }
    (out, offsets, members)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::NodeKind;

    /// Two 5-cliques joined by one link: the textbook two communities.
    fn two_cliques() -> ContactGraph {
        let mut e: Vec<(String, String)> = Vec::new();
        for base in [0, 5] {
            for i in 0..5 {
                for j in i + 1..5 {
                    e.push((format!("p{}", base + i), format!("p{}", base + j)));
                }
            }
        }
        e.push(("p4".into(), "p5".into()));
        ContactGraph::from_edges(
            e.iter().map(|(a, b)| (a.as_str(), b.as_str(), 1.0)),
            NodeKind::Phone,
        )
        .unwrap()
    }

    #[test]
    fn two_cliques_are_two_communities() {
        let g = two_cliques();
        let c = communities(&g, &CommunityConfig::default()).unwrap();
        assert_eq!(c.len(), 2);
        assert_eq!(c.members(0), &[0, 1, 2, 3, 4]);
        assert_eq!(c.members(1), &[5, 6, 7, 8, 9]);
        // Q = 2 * (10/21 - (21/42)^2) by hand.
        let q = 2.0 * (10.0 / 21.0 - 0.25);
        assert!((c.modularity - q).abs() < 1e-12, "{}", c.modularity);
    }

    #[test]
    fn modularity_of_everything_in_one_community_is_zero() {
        let g = two_cliques();
        assert!(modularity(&g, &[0; 10], 1.0).abs() < 1e-15);
    }

    #[test]
    fn a_disconnected_community_is_split() {
        let g = two_cliques();
        // Join p0..p3 with p6..p9 and leave p4, p5 in another: the first is
        // not connected and must come out as two.
        let mut comm = vec![0u32; 10];
        comm[4] = 1;
        comm[5] = 1;
        let parts = connected_parts(g.n_nodes(), |v| g.neighbours(v as u32), &comm);
        assert_ne!(parts[0], parts[9]);
        assert_eq!(parts[4], parts[5]);
    }

    /// A random graph big enough to be cut into several chunks by
    /// [`aggregate`] and [`modularity`]: 40,000 nodes, 4 links each to
    /// random others, weights 1 to 3.
    fn random_graph() -> ContactGraph {
        use rand::Rng;
        let n = 40_000u32;
        let mut rng = ChaCha8Rng::seed_from_u64(9);
        let labels = (0..n).map(|v| (NodeKind::Phone, format!("p{v}"))).collect();
        let pairs = (0..n)
            .flat_map(|v| (0..4).map(move |_| v))
            .map(|v| (v, rng.gen_range(0..n), rng.gen_range(1..=3) as f64))
            .collect();
        ContactGraph::from_pairs(labels, pairs, Vec::new()).unwrap()
    }

    fn in_pool<T: Send>(threads: usize, f: impl FnOnce() -> T + Send) -> T {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap()
            .install(f)
    }

    #[test]
    fn strongest_first_then_seeded_ties() {
        let k = [1.0, 3.0, 2.0, 3.0, 1.0, 0.0];
        let mut seen = std::collections::HashSet::new();
        for seed in 0..32 {
            let order = strongest_first(&k, &mut ChaCha8Rng::seed_from_u64(seed));
            let strengths: Vec<f64> = order.iter().map(|&v| k[v as usize]).collect();
            assert_eq!(strengths, [3.0, 3.0, 2.0, 1.0, 1.0, 0.0]);
            seen.insert((order[0], order[3]));
        }
        // Ties fall either way depending on the seed.
        assert_eq!(seen.len(), 4, "{seen:?}");
    }

    #[test]
    fn relabelling_keeps_the_graph() {
        let g = random_graph();
        let (l, old) = Level::relabelled(&g, &mut ChaCha8Rng::seed_from_u64(1));
        for i in (0..l.n()).step_by(97) {
            let v = old[i];
            let (nb, ws) = l.adj(i);
            let back: Vec<(u32, f64)> = nb
                .iter()
                .map(|&u| old[u as usize])
                .zip(ws.iter().copied())
                .collect();
            let want: Vec<(u32, f64)> = g
                .neighbours(v)
                .iter()
                .copied()
                .zip(g.weights(v).iter().copied())
                .collect();
            assert_eq!(back, want);
            assert_eq!(l.k[i], g.strength(v));
        }
        assert!(l.k.windows(2).all(|w| w[0] >= w[1]), "strongest first");
    }

    #[test]
    fn aggregation_keeps_the_weight_and_is_the_same_on_one_and_two_threads() {
        let g = random_graph();
        let (l, _) = Level::relabelled(&g, &mut ChaCha8Rng::seed_from_u64(1));
        // Clusters of 3 consecutive nodes, numbered in reverse.
        let r = l.n().div_ceil(3);
        let cluster: Vec<u32> = (0..l.n()).map(|v| (r - 1 - v / 3) as u32).collect();
        let bits = |a: &Level| {
            let f = |x: &[f64]| x.iter().map(|y| y.to_bits()).collect::<Vec<_>>();
            (
                a.offsets.clone(),
                a.nbrs.clone(),
                f(&a.w),
                f(&a.self_w),
                f(&a.k),
            )
        };
        let one = in_pool(1, || bits(&aggregate(&l, &cluster, r)));
        let two = in_pool(2, || bits(&aggregate(&l, &cluster, r)));
        assert_eq!(one, two);
        let a = aggregate(&l, &cluster, r);
        assert_eq!(a.n(), r);
        // Integer weights: the sums are exact.
        let m = g.total_weight();
        let inside: f64 = a.self_w.iter().sum();
        let between: f64 = a.w.iter().sum::<f64>() / 2.0;
        assert_eq!(inside + between, m);
        assert_eq!(a.k.iter().sum::<f64>(), 2.0 * m);
        // Cluster 0 holds the last nodes.
        let last = l.n() - 1;
        assert_eq!(
            a.k[0],
            (last - (last % 3)..=last).map(|v| l.k[v]).sum::<f64>()
        );
    }

    #[test]
    fn modularity_is_the_same_on_one_and_two_threads() {
        let g = random_graph();
        let comm: Vec<u32> = (0..g.n_nodes() as u32).map(|v| v % 97).collect();
        let one = in_pool(1, || modularity(&g, &comm, 1.0).to_bits());
        let two = in_pool(2, || modularity(&g, &comm, 1.0).to_bits());
        assert_eq!(one, two);
    }

    #[test]
    fn communities_are_the_same_on_one_and_two_threads_and_connected() {
        let g = random_graph();
        let run = || {
            let c = communities(&g, &CommunityConfig::default()).unwrap();
            (c.community_of, c.modularity.to_bits())
        };
        let one = in_pool(1, run);
        let two = in_pool(2, run);
        assert_eq!(one, two);
        // The split finds nothing more to split.
        let split = connected_parts(g.n_nodes(), |v| g.neighbours(v as u32), &one.0);
        let count = |p: &[u32]| p.iter().collect::<std::collections::HashSet<_>>().len();
        assert_eq!(count(&split), count(&one.0));
        assert!(f64::from_bits(one.1) > 0.3, "{}", f64::from_bits(one.1));
    }

    #[test]
    fn graphs_above_the_multi_round_line_get_one_round() {
        let g = random_graph();
        let config = |line: usize| CommunityConfig {
            multi_round_max_pairs: line,
            min_round_gain: MIN_ROUND_GAIN,
            ..CommunityConfig::default()
        };
        let above = communities(&g, &config(g.n_edges() - 1)).unwrap();
        assert_eq!(above.rounds, 1);
        let within = communities(&g, &config(g.n_edges())).unwrap();
        assert!(within.rounds >= 2, "{}", within.rounds);
        assert!(within.modularity >= above.modularity);
        // The command's line sits below the library's.
        const { assert!(COMMAND_MULTI_ROUND_MAX_PAIRS < MULTI_ROUND_MAX_PAIRS) };
    }
}
