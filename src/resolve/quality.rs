//! Measuring a resolution against a known answer: pairwise and B-cubed
//! precision, recall and F1.
//!
//! Pairwise: of the record pairs put in one individual, how many truly are
//! one (precision), and of the true pairs, how many were found (recall).
//! B-cubed: the same per record, averaged over records, so large clusters
//! do not dominate. Both come from the contingency table of (predicted,
//! true) cluster labels, never from enumerating pairs.
//!
//! # Complexity
//! O(n log n) for n records.

use rustc_hash::FxHashMap;

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Quality {
    pub n_records: u64,
    pub true_pairs: u64,
    pub predicted_pairs: u64,
    pub correct_pairs: u64,
    pub pairwise_precision: f64,
    pub pairwise_recall: f64,
    pub pairwise_f1: f64,
    pub bcubed_precision: f64,
    pub bcubed_recall: f64,
    pub bcubed_f1: f64,
}

fn pairs(n: u64) -> u64 {
    n * n.saturating_sub(1) / 2
}

fn f1(p: f64, r: f64) -> f64 {
    if p + r == 0.0 {
        0.0
    } else {
        2.0 * p * r / (p + r)
    }
}

/// Compare predicted cluster labels with true ones (one label per record,
/// any u32 values; only equality matters). An empty pair set scores 1.
pub fn quality(predicted: &[u32], truth: &[u32]) -> Quality {
    assert_eq!(
        predicted.len(),
        truth.len(),
        "one label per record on both sides"
    );
    let mut cell: FxHashMap<(u32, u32), u64> = FxHashMap::default();
    let mut pred_size: FxHashMap<u32, u64> = FxHashMap::default();
    let mut true_size: FxHashMap<u32, u64> = FxHashMap::default();
    for (&p, &t) in predicted.iter().zip(truth) {
        *cell.entry((p, t)).or_default() += 1;
        *pred_size.entry(p).or_default() += 1;
        *true_size.entry(t).or_default() += 1;
    }
    let mut cells: Vec<((u32, u32), u64)> = cell.into_iter().collect();
    cells.sort_unstable();
    let correct_pairs: u64 = cells.iter().map(|&(_, n)| pairs(n)).sum();
    let predicted_pairs: u64 = pred_size.values().map(|&n| pairs(n)).sum();
    let true_pairs: u64 = true_size.values().map(|&n| pairs(n)).sum();
    let ratio = |a: u64, b: u64| if b == 0 { 1.0 } else { a as f64 / b as f64 };
    let pp = ratio(correct_pairs, predicted_pairs);
    let pr = ratio(correct_pairs, true_pairs);
    // B-cubed: each record in cell (p, t) of size c has precision c/|p| and
    // recall c/|t|; summed in cell order for a fixed result.
    let n = predicted.len() as f64;
    let (mut bp, mut br) = (0.0, 0.0);
    for &((p, t), c) in &cells {
        let c = c as f64;
        bp += c * c / pred_size[&p] as f64;
        br += c * c / true_size[&t] as f64;
    }
    let (bp, br) = if n == 0.0 {
        (1.0, 1.0)
    } else {
        (bp / n, br / n)
    };
    Quality {
        n_records: predicted.len() as u64,
        true_pairs,
        predicted_pairs,
        correct_pairs,
        pairwise_precision: pp,
        pairwise_recall: pr,
        pairwise_f1: f1(pp, pr),
        bcubed_precision: bp,
        bcubed_recall: br,
        bcubed_f1: f1(bp, br),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn perfect_and_known_imperfect() {
        let q = quality(&[7, 7, 9, 9, 9], &[1, 1, 2, 2, 2]);
        assert_eq!(q.pairwise_f1, 1.0);
        assert_eq!(q.bcubed_f1, 1.0);
        // Truth {0,1,2} {3}; predicted {0,1} {2,3}.
        let q = quality(&[0, 0, 1, 1], &[0, 0, 0, 1]);
        assert_eq!(
            (q.true_pairs, q.predicted_pairs, q.correct_pairs),
            (3, 2, 1)
        );
        assert_eq!(q.pairwise_precision, 0.5);
        assert!((q.pairwise_recall - 1.0 / 3.0).abs() < 1e-12);
        // B-cubed precision: records 0,1: 1; 2: 1/2; 3: 1/2 -> 0.75.
        assert!((q.bcubed_precision - 0.75).abs() < 1e-12);
        // B-cubed recall: 0,1: 2/3; 2: 1/3; 3: 1 -> (2/3+2/3+1/3+1)/4.
        assert!((q.bcubed_recall - (8.0 / 3.0) / 4.0).abs() < 1e-12);
    }

    #[test]
    fn all_singletons_against_all_singletons() {
        let q = quality(&[0, 1, 2], &[5, 6, 7]);
        assert_eq!(q.pairwise_precision, 1.0);
        assert_eq!(q.pairwise_recall, 1.0);
    }
}
