//! `path A B [--max-hops N] [--k K]`: the shortest and the k shortest
//! connecting paths between two entities through the typed links of
//! [`super::neighbors::adjacent`] (calls, handsets, registrations,
//! incidents), strongest links preferred: a hop costs `1 + 1/strength`
//! (strength: calls and texts of a call link, events or records of the
//! others), so among paths of equal length the better-evidenced wins, and
//! a much stronger chain may beat a weak shortcut by less than one hop.
//!
//! Service numbers are not walked through unless `keep_hubs` (see
//! [`super::neighbors::walks_through`]): two customers of one bank are not
//! connected by it.
//!
//! Yen's algorithm over Dijkstra, written here on the typed adjacency
//! (petgraph's `k_shortest_path` gives only lengths, not the paths, and
//! would need the whole graph copied into its own structure first).
//! Adjacency is read lazily and cached, so only the neighbourhood the
//! search touches is ever built.
//!
//! # Complexity
//! One Dijkstra is O((V + E) log V) over the nodes within `max_hops` of A
//! (paths longer than `max_hops` are pruned). Yen's runs up to
//! `k · max_hops` spur searches: O(k · max_hops · (V + E) log V).

use super::neighbors::{adjacent, start_nodes, walks_through, Hop, WalkOptions};
use super::{Case, Entity};
use crate::graph::provenance::NodeRef;
use rustc_hash::{FxHashMap, FxHashSet};
use std::cmp::Ordering;
use std::collections::BinaryHeap;
use std::rc::Rc;

/// A path: its cost and each hop (from, link).
#[derive(Debug, Clone, PartialEq)]
pub struct Path {
    pub cost: f64,
    pub hops: Vec<(NodeRef, Hop)>,
}

impl Path {
    pub fn nodes(&self) -> Vec<NodeRef> {
        let mut v: Vec<NodeRef> = self.hops.iter().map(|(f, _)| *f).collect();
        if let Some((_, h)) = self.hops.last() {
            v.push(h.to);
        }
        v
    }
}

fn cost(h: &Hop) -> f64 {
    1.0 + 1.0 / h.strength() as f64
}

struct Search<'c, 'g> {
    case: &'c Case<'g>,
    options: WalkOptions,
    cache: FxHashMap<NodeRef, Rc<Vec<Hop>>>,
    /// The two ends' nodes: a path may start or end at a service number,
    /// but goes through one only with `keep_hubs`.
    ends: Vec<NodeRef>,
}

impl Search<'_, '_> {
    fn adj(&mut self, n: NodeRef) -> Rc<Vec<Hop>> {
        if let Some(a) = self.cache.get(&n) {
            return a.clone();
        }
        let a = if walks_through(self.case, n, &self.options, &self.ends) {
            Rc::new(adjacent(self.case, n, &self.options))
        } else {
            Rc::new(Vec::new())
        };
        self.cache.insert(n, a.clone());
        a
    }

    /// Cheapest path from any of `starts` to any of `goals` with at most
    /// `max_hops` hops, avoiding `banned_nodes` and the banned (from, to)
    /// links.
    fn dijkstra(
        &mut self,
        starts: &[NodeRef],
        goals: &FxHashSet<NodeRef>,
        max_hops: usize,
        banned_nodes: &FxHashSet<NodeRef>,
        banned_links: &FxHashSet<(NodeRef, NodeRef)>,
    ) -> Option<Path> {
        #[derive(PartialEq)]
        struct Item(f64, usize, NodeRef);
        impl Eq for Item {}
        impl Ord for Item {
            fn cmp(&self, o: &Self) -> Ordering {
                // Min-heap on cost, then hops, then node: a fixed order.
                o.0.total_cmp(&self.0)
                    .then(o.1.cmp(&self.1))
                    .then(o.2.cmp(&self.2))
            }
        }
        impl PartialOrd for Item {
            fn partial_cmp(&self, o: &Self) -> Option<Ordering> {
                Some(self.cmp(o))
            }
        }
        let mut dist: FxHashMap<NodeRef, (f64, usize)> = FxHashMap::default();
        let mut prev: FxHashMap<NodeRef, (NodeRef, Hop)> = FxHashMap::default();
        let mut heap = BinaryHeap::new();
        for &s in starts {
            if !banned_nodes.contains(&s) {
                dist.insert(s, (0.0, 0));
                heap.push(Item(0.0, 0, s));
            }
        }
        while let Some(Item(d, hops, n)) = heap.pop() {
            if dist.get(&n).is_some_and(|&(best, _)| d > best) {
                continue;
            }
            if goals.contains(&n) {
                let mut hops_out = Vec::new();
                let mut at = n;
                while let Some((from, h)) = prev.get(&at) {
                    hops_out.push((*from, h.clone()));
                    at = *from;
                }
                hops_out.reverse();
                return Some(Path {
                    cost: d,
                    hops: hops_out,
                });
            }
            if hops >= max_hops {
                continue;
            }
            for h in self.adj(n).iter() {
                if banned_nodes.contains(&h.to) || banned_links.contains(&(n, h.to)) {
                    continue;
                }
                let nd = d + cost(h);
                let better = match dist.get(&h.to) {
                    None => true,
                    Some(&(old, _)) => nd < old,
                };
                if better {
                    dist.insert(h.to, (nd, hops + 1));
                    prev.insert(h.to, (n, h.clone()));
                    heap.push(Item(nd, hops + 1, h.to));
                }
            }
        }
        None
    }
}

/// Up to `k` loopless paths from `a` to `b`, cheapest first (ties by fewer
/// hops, then by node sequence), none longer than `max_hops`.
pub fn k_shortest_paths(
    case: &Case,
    a: &Entity,
    b: &Entity,
    max_hops: usize,
    k: usize,
    options: &WalkOptions,
) -> Vec<Path> {
    let mut s = Search {
        case,
        options: *options,
        cache: FxHashMap::default(),
        ends: start_nodes(a).into_iter().chain(start_nodes(b)).collect(),
    };
    let starts = start_nodes(a);
    let goals: FxHashSet<NodeRef> = start_nodes(b).into_iter().collect();
    if starts.iter().any(|n| goals.contains(n)) {
        return Vec::new();
    }
    let none_n = FxHashSet::default();
    let none_l = FxHashSet::default();
    let Some(first) = s.dijkstra(&starts, &goals, max_hops, &none_n, &none_l) else {
        return Vec::new();
    };
    let mut found = vec![first];
    let mut candidates: Vec<Path> = Vec::new();
    while found.len() < k {
        let last = found.last().expect("one path found").clone();
        let nodes = last.nodes();
        for i in 0..last.hops.len() {
            let spur = nodes[i];
            let root = &last.hops[..i];
            let root_nodes = &nodes[..=i];
            let mut banned_links = FxHashSet::default();
            for p in &found {
                let pn = p.nodes();
                if pn.len() > i + 1 && pn[..=i] == *root_nodes {
                    banned_links.insert((pn[i], pn[i + 1]));
                }
            }
            let banned_nodes: FxHashSet<NodeRef> = root_nodes[..i].iter().copied().collect();
            let root_cost: f64 = root.iter().map(|(_, h)| cost(h)).sum();
            if let Some(spur_path) =
                s.dijkstra(&[spur], &goals, max_hops - i, &banned_nodes, &banned_links)
            {
                let mut hops = root.to_vec();
                hops.extend(spur_path.hops);
                let cand = Path {
                    cost: root_cost + spur_path.cost,
                    hops,
                };
                let cn = cand.nodes();
                // A start node of a multi-node entity must not reappear.
                let loopless = {
                    let mut seen = FxHashSet::default();
                    cn.iter().all(|n| seen.insert(*n))
                };
                if loopless
                    && !candidates.iter().any(|c| c.nodes() == cn)
                    && !found.iter().any(|c| c.nodes() == cn)
                {
                    candidates.push(cand);
                }
            }
        }
        if candidates.is_empty() {
            break;
        }
        candidates.sort_by(|x, y| {
            x.cost
                .total_cmp(&y.cost)
                .then(x.hops.len().cmp(&y.hops.len()))
                .then(x.nodes().cmp(&y.nodes()))
        });
        found.push(candidates.remove(0));
    }
    found
}
