//! The evidence graph: every phone of the case (service numbers and victims'
//! phones left out) linked by everything that ties two phones to one gang —
//! calls, one resolved individual's phones, SIMs swapped through one
//! handset, suspect SIMs registered to one id number, phones named in one
//! fraud report or in reports naming one account, and co-location with a
//! suspect. Each kind of link has its weight (`[links]` in leads.toml);
//! links of several kinds between two phones add up.
//!
//! Calls to and from burners are left out on purpose: a burner calls
//! victims, not its gang, and a victim who calls back is not a member.
//! What ties a burner to its gang is its handset, its den, its registration
//! and the reports that name it.
//!
//! # Complexity
//! O(L + H + R log R + I) to list the links (call links, handset uses,
//! registrations, incident lists), then O(m log m) to build the CSR.

use crate::analysis::ContactGraph;
use crate::error::Result;
use crate::graph::CaseGraph;
use crate::lead::config::LinkWeights;
use crate::lead::patterns::Context;
use crate::model::NodeKind;
use crate::resolve::normalise::normalise_id_number;
use std::collections::BTreeMap;

/// What the evidence graph is built from.
pub struct Inputs<'a> {
    pub ctx: &'a Context<'a>,
    pub weights: &'a LinkWeights,
    pub individual_of_person: &'a [u32],
    pub is_burner: &'a [bool],
    pub is_suspect: &'a [bool],
    /// SIMs of each swapped handset.
    pub swapped: &'a [(u32, Vec<u32>)],
    /// Phones named beside each account.
    pub account_phones: &'a [Vec<u32>],
    pub colocated: &'a [(u32, u32, u32)],
}

fn chain(out: &mut Vec<(u32, u32, f64)>, phones: &[u32], w: f64) {
    for pair in phones.windows(2) {
        out.push((pair[0], pair[1], w));
    }
}

/// The weighted links `(a, b, w)` of the evidence graph, in a fixed order.
pub fn links(g: &CaseGraph, inp: &Inputs) -> Vec<(u32, u32, f64)> {
    let ctx = inp.ctx;
    let w = inp.weights;
    let ok = |p: u32| ctx.eligible(p);
    let mut out: Vec<(u32, u32, f64)> = Vec::new();
    for l in &g.call_links {
        let (a, b) = (l.caller, l.callee);
        if a == b || !ok(a) || !ok(b) || inp.is_burner[a as usize] || inp.is_burner[b as usize] {
            continue;
        }
        out.push((a, b, w.call * (1.0 + l.n_events() as f64).ln()));
    }
    // Phones claimed by the records of one individual.
    let mut by_individual: BTreeMap<u32, Vec<u32>> = BTreeMap::new();
    for pp in &g.person_phones {
        if pp.claimed() && ok(pp.phone) {
            by_individual
                .entry(inp.individual_of_person[pp.person as usize])
                .or_default()
                .push(pp.phone);
        }
    }
    for phones in by_individual.values_mut() {
        phones.sort_unstable();
        phones.dedup();
        chain(&mut out, phones, w.same_individual);
    }
    for (_, sims) in inp.swapped {
        let sims: Vec<u32> = sims.iter().copied().filter(|&p| ok(p)).collect();
        chain(&mut out, &sims, w.shared_handset);
    }
    // Suspect SIMs registered to one id number.
    let mut by_id: BTreeMap<String, Vec<u32>> = BTreeMap::new();
    for r in &g.registrations {
        let id = normalise_id_number(g.str(r.subscriber_id_number));
        if !id.is_empty() && ok(r.phone) && inp.is_suspect[r.phone as usize] {
            by_id.entry(id).or_default().push(r.phone);
        }
    }
    for phones in by_id.values_mut() {
        phones.sort_unstable();
        phones.dedup();
        chain(&mut out, phones, w.registration);
    }
    for &i in &ctx.fraud {
        let mut phones: Vec<u32> = g
            .list(g.incidents[i as usize].phones)
            .iter()
            .copied()
            .filter(|&p| ok(p))
            .collect();
        phones.sort_unstable();
        phones.dedup();
        chain(&mut out, &phones, w.incident);
    }
    for phones in inp.account_phones {
        chain(&mut out, phones, w.incident);
    }
    for &(a, b, days) in inp.colocated {
        out.push((a, b, w.colocation * (1.0 + days as f64).ln()));
    }
    out
}

/// The evidence graph over all phones of the case (node `p` is phone `p`).
pub fn build(g: &CaseGraph, inp: &Inputs) -> Result<ContactGraph> {
    let labels: Vec<(NodeKind, String)> = (0..g.phones.len() as u32)
        .map(|p| (NodeKind::Phone, g.phone_number(p).to_string()))
        .collect();
    ContactGraph::from_pairs(labels, links(g, inp), Vec::new())
}
