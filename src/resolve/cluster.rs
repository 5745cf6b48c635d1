//! Clustering scored record pairs into individuals, resisting chaining.
//!
//! Plain connected components over "pairs above the threshold" chain: one
//! weak or wrong link between two large clusters fuses them, and with them
//! two gangs. Here links at or above the threshold are taken strongest
//! first (ties by record index), and two clusters are merged only if the
//! *average evidence* over all their cross pairs (every record of one
//! against every record of the other, scored on the spot where blocking
//! did not compare them) is at least `min_evidence`: average linkage. The
//! evidence of a pair is its field weights without the prior, so a pair
//! with nothing to compare (records whose filled fields do not overlap)
//! counts as neutral rather than as a disagreement, while cross pairs that
//! disagree on names, dates or numbers pull the average down. One link
//! between two clusters whose other members disagree is refused and
//! reported. A pair the investigator rejected is a cannot-link: no cluster
//! may hold both. A pair the analyst decided is one individual is a
//! must-link: such pairs are merged first, before any scored link, unless
//! the merge would join a rejected pair (then it is refused and reported).
//!
//! # Complexity
//! O(E log E) to sort the E candidate links, plus O(|A|·|B|) pair scores
//! for each attempted merge of clusters A and B, which is O(E · s) for
//! clusters of at most s records (individuals have few records each).

use rustc_hash::FxHashSet;

/// A merge of two clusters.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Merge {
    /// The link that proposed the merge (record indices).
    pub a: u32,
    pub b: u32,
    pub weight: f64,
    /// Average evidence (field weights, prior excluded) over all cross pairs.
    pub average: f64,
    /// Sizes of the two clusters before the merge.
    pub sizes: (u32, u32),
    /// The analyst decided these two records are one individual (weight
    /// and average are then not the model's).
    pub decided: bool,
}

/// Why a link above the threshold did not merge its clusters.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub enum Refusal {
    /// The investigator rejected this pair of records, which the merge would join.
    Rejected { a: u32, b: u32 },
    /// The clusters as wholes do not agree enough: average cross-pair evidence.
    WeakAverage { average: f64 },
}

/// A refused link.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Refused {
    pub a: u32,
    pub b: u32,
    pub weight: f64,
    pub reason: Refusal,
    pub sizes: (u32, u32),
}

/// Records grouped into clusters.
#[derive(Debug, Clone, PartialEq)]
pub struct Clustering {
    /// For each record, the smallest record index of its cluster.
    pub cluster_of: Vec<u32>,
    pub merges: Vec<Merge>,
    pub refused: Vec<Refused>,
}

/// A scored pair of records for [`cluster`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Link {
    pub a: u32,
    pub b: u32,
    /// Match weight: prior plus evidence.
    pub weight: f64,
    /// Field weights only.
    pub evidence: f64,
}

/// Cluster `n` records from `links` with average linkage: links at or
/// above `threshold` propose merges, and a merge happens when the cross
/// pairs' average evidence is at least `min_evidence`. `evidence(a, b)`
/// scores any pair not in `links`; `rejected` holds `(min, max)` record
/// pairs never to join; `same` holds pairs the analyst decided are one
/// individual, merged first.
pub fn cluster(
    n: usize,
    links: &[Link],
    threshold: f64,
    min_evidence: f64,
    rejected: &FxHashSet<(u32, u32)>,
    same: &[(u32, u32)],
    mut evidence: impl FnMut(u32, u32) -> f64,
) -> Clustering {
    // The links' evidence by pair, sorted for binary search: a hash map
    // of every candidate pair cost more than the clustering itself on the
    // generated large case.
    let mut known: Vec<((u32, u32), f64)> = links
        .iter()
        .map(|l| ((l.a.min(l.b), l.a.max(l.b)), l.evidence))
        .collect();
    if !known.windows(2).all(|w| w[0].0 <= w[1].0) {
        known.sort_by_key(|k| k.0);
    }
    let order = proposed_merges(links, threshold);
    let mut owner: Vec<u32> = (0..n as u32).collect();
    let mut members: Vec<Vec<u32>> = (0..n as u32).map(|i| vec![i]).collect();
    let mut merges = Vec::new();
    let mut refused = Vec::new();
    // The analyst's "same" decisions come first, as links of infinite
    // weight that no average can refuse.
    let decided: Vec<(u32, u32, f64)> = same.iter().map(|&(a, b)| (a, b, f64::INFINITY)).collect();
    for &(a, b, w) in decided.iter().chain(&order) {
        let (ra, rb) = (owner[a as usize], owner[b as usize]);
        if ra == rb {
            continue;
        }
        let (ma, mb) = (&members[ra as usize], &members[rb as usize]);
        let sizes = (ma.len() as u32, mb.len() as u32);
        let sum = match cross_evidence(ma, mb, rejected, &known, &mut evidence) {
            Ok(sum) => sum,
            Err((x, y)) => {
                refused.push(Refused {
                    a,
                    b,
                    weight: w,
                    reason: Refusal::Rejected { a: x, b: y },
                    sizes,
                });
                continue;
            }
        };
        let average = sum / (ma.len() * mb.len()) as f64;
        if average < min_evidence && w.is_finite() {
            refused.push(Refused {
                a,
                b,
                weight: w,
                reason: Refusal::WeakAverage { average },
                sizes,
            });
            continue;
        }
        join(&mut owner, &mut members, ra, rb);
        merges.push(Merge {
            a,
            b,
            weight: w,
            average,
            sizes,
            decided: w.is_infinite(),
        });
    }
    Clustering {
        cluster_of: smallest_member_ids(n, &members),
        merges,
        refused,
    }
}

/// The links at or above `threshold` as proposed merges, strongest first
/// (ties by record ids, so the order never depends on the input's).
fn proposed_merges(links: &[Link], threshold: f64) -> Vec<(u32, u32, f64)> {
    let mut order: Vec<(u32, u32, f64)> = links
        .iter()
        .filter(|l| l.weight >= threshold)
        .map(|l| (l.a, l.b, l.weight))
        .collect();
    order.sort_by(|x, y| y.2.total_cmp(&x.2).then(x.0.cmp(&y.0)).then(x.1.cmp(&y.1)));
    order
}

/// The summed evidence of every pair across two clusters (from `known`
/// links, else scored by `evidence`), or the first pair the analyst
/// rejected, which blocks the merge.
fn cross_evidence(
    ma: &[u32],
    mb: &[u32],
    rejected: &FxHashSet<(u32, u32)>,
    known: &[((u32, u32), f64)],
    evidence: &mut impl FnMut(u32, u32) -> f64,
) -> Result<f64, (u32, u32)> {
    let mut sum = 0.0;
    for &x in ma {
        for &y in mb {
            let key = (x.min(y), x.max(y));
            if rejected.contains(&key) {
                return Err(key);
            }
            sum += match known.binary_search_by_key(&key, |k| k.0) {
                Ok(i) => known[i].1,
                Err(_) => evidence(key.0, key.1),
            };
        }
    }
    Ok(sum)
}

/// Fold the smaller of the clusters rooted at `ra` and `rb` into the larger
/// (ties: into the lower root).
fn join(owner: &mut [u32], members: &mut [Vec<u32>], ra: u32, rb: u32) {
    let (ma, mb) = (&members[ra as usize], &members[rb as usize]);
    let (keep, gone) = if ma.len() > mb.len() || (ma.len() == mb.len() && ra < rb) {
        (ra, rb)
    } else {
        (rb, ra)
    };
    let moved = std::mem::take(&mut members[gone as usize]);
    for &x in &moved {
        owner[x as usize] = keep;
    }
    members[keep as usize].extend(moved);
}

/// Each record's cluster, named by the cluster's smallest record id.
fn smallest_member_ids(n: usize, members: &[Vec<u32>]) -> Vec<u32> {
    let mut cluster_of = vec![0u32; n];
    for m in members {
        if let Some(&smallest) = m.iter().min() {
            for &x in m {
                cluster_of[x as usize] = smallest;
            }
        }
    }
    cluster_of
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A link whose prior is -4: evidence is weight + 4.
    fn link(a: u32, b: u32, weight: f64) -> Link {
        Link {
            a,
            b,
            weight,
            evidence: weight + 4.0,
        }
    }

    /// Two clusters of four, each internally strong, joined by one lone
    /// link above the threshold: average linkage keeps them apart.
    #[test]
    fn one_link_does_not_fuse_two_clusters() {
        let mut links = Vec::new();
        for group in [0u32, 4] {
            for i in group..group + 4 {
                for j in i + 1..group + 4 {
                    links.push(link(i, j, 10.0));
                }
            }
        }
        links.push(link(3, 4, 2.0)); // the chaining link
        let c = cluster(8, &links, 0.0, 0.0, &FxHashSet::default(), &[], |_, _| -8.0);
        assert_eq!(c.cluster_of, [0, 0, 0, 0, 4, 4, 4, 4]);
        assert_eq!(c.refused.len(), 1);
        assert!(matches!(c.refused[0].reason, Refusal::WeakAverage { .. }));
        // Components alone would have fused them.
        let fused = cluster(8, &links, 0.0, 0.0, &FxHashSet::default(), &[], |_, _| 5.0);
        assert_eq!(fused.cluster_of, [0; 8]);
    }

    #[test]
    fn rejected_pairs_stay_apart_even_through_others() {
        let links = vec![link(0, 1, 10.0), link(1, 2, 9.0), link(0, 2, 8.0)];
        let rejected: FxHashSet<(u32, u32)> = [(0, 2)].into_iter().collect();
        let c = cluster(3, &links, 0.0, 0.0, &rejected, &[], |_, _| 0.0);
        assert_eq!(c.cluster_of, [0, 0, 2]);
        assert!(c
            .refused
            .iter()
            .any(|r| r.reason == Refusal::Rejected { a: 0, b: 2 }));
    }

    /// A "same" decision joins records the model keeps apart, but never
    /// across a rejected pair.
    #[test]
    fn decided_pairs_merge_first_unless_rejected() {
        let links = vec![link(0, 1, 10.0), link(2, 3, -9.0)];
        let rejected: FxHashSet<(u32, u32)> = [(0, 4)].into_iter().collect();
        let c = cluster(5, &links, 0.0, 0.0, &rejected, &[(2, 3), (1, 4)], |_, _| {
            -8.0
        });
        // 1 and 4 are joined first, so the model's strong 0-1 link would
        // put 0 with 4, which the investigator rejected: it is refused.
        assert_eq!(c.cluster_of, [0, 1, 2, 2, 1]);
        assert!(c.merges.iter().any(|m| m.decided && (m.a, m.b) == (2, 3)));
        assert!(c
            .refused
            .iter()
            .any(|r| r.reason == Refusal::Rejected { a: 0, b: 4 }));
    }

    #[test]
    fn result_does_not_depend_on_link_order() {
        let mut links = vec![
            link(0, 1, 5.0),
            link(2, 3, 5.0),
            link(1, 2, 5.0),
            link(4, 5, 1.0),
        ];
        let a = cluster(6, &links, 0.0, 0.0, &FxHashSet::default(), &[], |_, _| -1.0);
        links.reverse();
        let b = cluster(6, &links, 0.0, 0.0, &FxHashSet::default(), &[], |_, _| -1.0);
        assert_eq!(a, b);
    }
}
