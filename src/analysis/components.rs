//! Connected components of the contact graph: which phones are linked by
//! any chain of contact. (The contact graph is undirected, so these are the
//! weakly connected components of the call graph.)
//!
//! Component ids are deterministic: largest component first, ties broken by
//! the smallest node id in the component.
//!
//! # Complexity
//! O(n + m α(n)) time with a union-find over the pairs, O(n) extra memory;
//! in practice O(n) on call graphs, where the Afforest sampling lets the
//! links inside the giant component go unread.

use crate::analysis::contact::ContactGraph;
use crate::error::Result;

pub const DEFAULT_MIN_SIZE: u32 = 1;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ComponentsConfig {
    /// Components with fewer nodes are left out of the result.
    pub min_size: u32,
}

impl Default for ComponentsConfig {
    fn default() -> Self {
        ComponentsConfig {
            min_size: DEFAULT_MIN_SIZE,
        }
    }
}

/// The components kept under `min_size`, numbered `0..len()`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Components {
    /// Component of each node; [`Components::NOT_KEPT`] if its component is
    /// smaller than `min_size`.
    pub component_of: Vec<u32>,
    offsets: Vec<u32>,
    members: Vec<u32>,
    /// Number of components before `min_size`.
    pub n_total: usize,
}

impl Components {
    pub const NOT_KEPT: u32 = u32::MAX;

    pub fn len(&self) -> usize {
        self.offsets.len() - 1
    }
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// Members of component `c`, by node id.
    pub fn members(&self, c: u32) -> &[u32] {
        &self.members[self.offsets[c as usize] as usize..self.offsets[c as usize + 1] as usize]
    }
    pub fn size(&self, c: u32) -> usize {
        self.members(c).len()
    }
}

fn find(parent: &mut [u32], mut x: u32) -> u32 {
    while parent[x as usize] != x {
        // Path halving keeps the trees flat without recursion.
        let gp = parent[parent[x as usize] as usize];
        parent[x as usize] = gp;
        x = gp;
    }
    x
}

/// The root most nodes point to, from an evenly spaced sample of nodes
/// (any root is correct; the most frequent one saves the most work).
fn most_frequent_root(parent: &mut [u32]) -> u32 {
    let n = parent.len();
    if n == 0 {
        return u32::MAX;
    }
    let step = (n / 1024).max(1);
    let mut roots: Vec<u32> = (0..n)
        .step_by(step)
        .map(|v| find(parent, v as u32))
        .collect();
    roots.sort_unstable();
    let mut best = (0usize, roots[0]);
    let mut i = 0;
    while i < roots.len() {
        let j = i + roots[i..].partition_point(|&r| r == roots[i]);
        if j - i > best.0 {
            best = (j - i, roots[i]);
        }
        i = j;
    }
    best.1
}

/// Connected components of `g`.
pub fn components(g: &ContactGraph, config: &ComponentsConfig) -> Result<Components> {
    let n = g.n_nodes();
    let mut parent: Vec<u32> = (0..n as u32).collect();
    let (offsets, neighbours, _) = g.csr();
    let adj = |v: usize| &neighbours[offsets[v] as usize..offsets[v + 1] as usize];
    let union = |parent: &mut [u32], a: u32, b: u32| {
        let (a, b) = (find(parent, a), find(parent, b));
        if a != b {
            // The smaller id becomes the root, so a root is its
            // component's smallest member.
            let (lo, hi) = if a < b { (a, b) } else { (b, a) };
            parent[hi as usize] = lo;
        }
    };
    // Afforest (Sutton et al. 2018), sequential: link every node to its
    // first SAMPLED neighbours, find the component most nodes are already
    // in (the giant one of a call graph), and finish with the remaining
    // links of the nodes outside it only. A link between two nodes of the
    // giant component changes nothing, and a link from the giant component
    // to another node is seen from that node's side, so the result is
    // exact while most links are never touched.
    const SAMPLED: usize = 2;
    for v in 0..n {
        for &u in adj(v).iter().take(SAMPLED) {
            union(&mut parent, v as u32, u);
        }
    }
    let giant = most_frequent_root(&mut parent);
    for v in 0..n {
        if find(&mut parent, v as u32) == giant {
            continue;
        }
        for &u in adj(v).iter().skip(SAMPLED) {
            union(&mut parent, v as u32, u);
        }
    }
    let mut root = vec![0u32; n];
    let mut size = vec![0u32; n];
    for v in 0..n as u32 {
        let r = find(&mut parent, v);
        root[v as usize] = r;
        size[r as usize] += 1;
    }
    let mut roots: Vec<u32> = (0..n as u32).filter(|&v| root[v as usize] == v).collect();
    let n_total = roots.len();
    roots.sort_by(|&a, &b| size[b as usize].cmp(&size[a as usize]).then(a.cmp(&b)));
    roots.retain(|&r| size[r as usize] >= config.min_size);
    let mut id_of_root = vec![Components::NOT_KEPT; n];
    let mut offs = vec![0u32; roots.len() + 1];
    for (i, &r) in roots.iter().enumerate() {
        id_of_root[r as usize] = i as u32;
        offs[i + 1] = offs[i] + size[r as usize];
    }
    let component_of: Vec<u32> = root.iter().map(|&r| id_of_root[r as usize]).collect();
    let mut fill = offs.clone();
    let mut members = vec![0u32; offs[roots.len()] as usize];
    for v in 0..n as u32 {
        let c = component_of[v as usize];
        if c != Components::NOT_KEPT {
            members[fill[c as usize] as usize] = v;
            fill[c as usize] += 1;
        }
    }
    Ok(Components {
        component_of,
        offsets: offs,
        members,
        n_total,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::NodeKind;

    #[test]
    fn largest_first_then_smallest_member() {
        // {a,b} {c,d,e} {f,g}: sizes 2,3,2.
        let g = ContactGraph::from_edges(
            [
                ("a", "b", 1.0),
                ("c", "d", 1.0),
                ("d", "e", 1.0),
                ("g", "f", 1.0),
            ],
            NodeKind::Phone,
        )
        .unwrap();
        let c = components(&g, &ComponentsConfig::default()).unwrap();
        assert_eq!(c.len(), 3);
        assert_eq!(c.n_total, 3);
        let names = |k: u32| c.members(k).iter().map(|&v| g.name(v)).collect::<Vec<_>>();
        assert_eq!(names(0), vec!["c", "d", "e"]);
        assert_eq!(names(1), vec!["a", "b"]);
        assert_eq!(names(2), vec!["g", "f"]);
        let big = components(&g, &ComponentsConfig { min_size: 3 }).unwrap();
        assert_eq!(big.len(), 1);
        assert_eq!(big.n_total, 3);
        assert_eq!(
            big.component_of[g.find("a").unwrap() as usize],
            Components::NOT_KEPT
        );
    }
}
