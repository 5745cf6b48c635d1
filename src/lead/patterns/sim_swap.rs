//! SIM swapping: several SIMs through one handset (IMEI), one after
//! another — the burner habit of keeping the work handset and changing the
//! number. SIMs that share a handset at the same time are a dual-SIM phone,
//! not a swap, as long as no slot is used again: a dual-SIM handset whose
//! two numbers are both replaced every week is swapping (its slots took
//! SIM after SIM), one whose two numbers stay is not. A handset with
//! dozens of SIMs is a shop's test phone.
//!
//! # Complexity
//! O(H log H) over the H handset uses (grouped by handset).

use super::{Context, Hit, PatternKind};
use crate::graph::provenance::NodeRef;
use crate::lead::config::SimSwapConfig;
use crate::model::{NodeKind, NO_TIME};
use rustc_hash::FxHashMap;

/// SIMs of each handset, sorted by first use, for handsets in sequence.
pub fn swapped_handsets(ctx: &Context, c: &SimSwapConfig) -> Vec<(u32, Vec<u32>)> {
    let g = ctx.graph;
    let mut by_handset: FxHashMap<u32, Vec<(i64, i64, u32)>> = FxHashMap::default();
    for u in &g.handset_uses {
        if ctx.is_hub[u.phone as usize] {
            continue;
        }
        let first = if u.first == NO_TIME {
            i64::MAX
        } else {
            u.first
        };
        by_handset
            .entry(u.handset)
            .or_default()
            .push((first, u.last, u.phone));
    }
    let mut out: Vec<(u32, Vec<u32>)> = Vec::new();
    for (h, mut sims) in by_handset {
        if sims.len() < c.min_sims || sims.len() > c.max_sims {
            continue;
        }
        sims.sort_unstable();
        let tol = (c.max_overlap_hours * 3600.0) as i64;
        let seen: Vec<(i64, i64)> = sims
            .iter()
            .filter(|s| s.0 != i64::MAX)
            .map(|s| (s.0, s.1))
            .collect();
        if slot_used_again(&seen, sims.len() - seen.len(), tol) {
            out.push((h, sims.iter().map(|s| s.2).collect()));
        }
    }
    out.sort_unstable();
    out
}

/// Whether SIMs seen in one handset over `spans` (first, last use; sorted
/// by first use), and `unseen` more known only from their registrations,
/// took turns in a slot: more SIMs seen than the handset ever held at
/// once, two SIMs counting as "at once" only when they overlap by more
/// than `tol` seconds (a SIM's last call can follow its successor's first
/// by a few hours). One SIM after another is the plain case; a dual-SIM
/// handset that held two SIMs all along is not a swap. SIMs seen only at
/// registration show no overlap: beside at most one SIM at a time in use,
/// they are SIMs the handset took in turn.
///
/// O(n log n): the SIMs in by first use, a heap of when each leaves.
fn slot_used_again(spans: &[(i64, i64)], unseen: usize, tol: i64) -> bool {
    use std::cmp::Reverse;
    use std::collections::BinaryHeap;
    let mut live: BinaryHeap<Reverse<i64>> = BinaryHeap::new();
    let mut most_at_once = 0;
    for &(first, last) in spans {
        while live.peek().is_some_and(|&Reverse(end)| end <= first) {
            live.pop();
        }
        live.push(Reverse(last.saturating_sub(tol)));
        most_at_once = most_at_once.max(live.len());
    }
    spans.len() > most_at_once || (unseen > 0 && most_at_once <= 1)
}

pub fn detect(ctx: &Context, c: &SimSwapConfig) -> Vec<Hit> {
    let g = ctx.graph;
    swapped_handsets(ctx, c)
        .into_iter()
        .map(|(h, sims)| {
            let mut sources: Vec<String> = Vec::new();
            for &p in &sims {
                for u in g.handsets_of(p).iter().filter(|u| u.handset == h) {
                    if u.registration_line != 0 {
                        sources.push(format!("phones.csv:{}", u.registration_line));
                    }
                }
                if let Some(e) = g.events_of(p).find(|e| {
                    (e.caller == p && e.caller_handset == h)
                        || (e.callee == p && e.callee_handset == h)
                }) {
                    sources.push(format!("calls.csv:{}", e.line));
                }
            }
            sources.truncate(super::MAX_SOURCES);
            let numbers: Vec<&str> = sims.iter().map(|&p| g.phone_number(p)).collect();
            Hit {
                kind: PatternKind::SimSwap,
                entity: NodeRef {
                    kind: NodeKind::Handset,
                    idx: h,
                },
                entity_id: g.str(g.handsets[h as usize]).to_string(),
                reason: format!(
                    "SIM swapping: {} SIMs used one after another in handset {}: {}",
                    sims.len(),
                    g.str(g.handsets[h as usize]),
                    numbers.join(", ")
                ),
                phones: sims,
                sources,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::slot_used_again;

    const H: i64 = 3600;
    const DAY: i64 = 24 * H;

    #[test]
    fn sims_one_after_another_are_a_swap() {
        assert!(slot_used_again(
            &[(0, 5 * DAY), (5 * DAY + H, 9 * DAY)],
            0,
            DAY,
        ));
        // The old SIM's last call an hour after the new one's first.
        assert!(slot_used_again(
            &[(0, 5 * DAY), (5 * DAY - H, 9 * DAY)],
            0,
            DAY,
        ));
    }

    #[test]
    fn a_dual_sim_phone_that_keeps_its_numbers_is_no_swap() {
        assert!(!slot_used_again(&[(0, 60 * DAY), (H, 59 * DAY)], 0, DAY));
        assert!(!slot_used_again(&[(0, 60 * DAY)], 0, DAY));
        assert!(!slot_used_again(&[], 0, DAY));
    }

    #[test]
    fn a_dual_sim_phone_whose_numbers_change_every_week_is_a_swap() {
        // Regression: two SIMs at a time, both replaced weekly (a gang's
        // work handset), was taken for a dual-SIM phone because
        // consecutive SIMs overlapped; its rotated burners went unflagged.
        let week = 7 * DAY;
        let mut spans: Vec<(i64, i64)> = (0..4)
            .flat_map(|w| {
                [
                    (w * week, w * week + week - H),
                    (w * week + 3 * H, w * week + week - 2 * H),
                ]
            })
            .collect();
        spans.sort_unstable();
        assert!(slot_used_again(&spans, 0, DAY));
    }

    #[test]
    fn sims_known_only_from_registration_took_turns() {
        // Thirteen SIMs registered with one IMEI and none seen in a call.
        assert!(slot_used_again(&[], 13, DAY));
        assert!(slot_used_again(&[(0, 5 * DAY)], 1, DAY));
        // A dual-SIM phone in use with a third SIM on paper: no turn shown.
        assert!(!slot_used_again(&[(0, 60 * DAY), (H, 59 * DAY)], 1, DAY));
    }

    #[test]
    fn a_third_sim_beside_two_that_stay_is_a_swap_only_once_a_slot_frees() {
        // Three SIMs at once all along: a three-slot box, nothing reused.
        assert!(!slot_used_again(
            &[(0, 30 * DAY), (H, 30 * DAY), (2 * H, 30 * DAY)],
            0,
            DAY,
        ));
        // Two that stay, and a second SIM in the other slot later.
        assert!(slot_used_again(
            &[(0, 30 * DAY), (H, 10 * DAY), (12 * DAY, 30 * DAY)],
            0,
            DAY,
        ));
    }
}
