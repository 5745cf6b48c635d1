//! Phone-level identity evidence: which phones belong to which individual.
//!
//! Each piece of evidence is a scored edge with its source:
//! - **claimed**: a resolved record lists the phone (persons.csv line);
//! - **registered**: the phone's subscriber registration names an id number
//!   of the individual's records (phones.csv line);
//! - **shared handset**: two SIMs seen in one handset (IMEI) over time, the
//!   classic burner pattern; handsets holding more than `max_sims_per_handset`
//!   SIMs (a shop's test phone, a handset passed round a gang) are skipped
//!   and counted as not identity evidence;
//! - **same subscriber id**: two phones registered to one id number;
//! - **co-travel**: two phones repeatedly served by the same cell in the same
//!   time window. Pairs that call or text each other are left out: two
//!   phones of one person rarely talk to each other, two people who meet do.
//!
//! Phones are attached to individuals from the direct evidence (claimed,
//! registered) and then, for phones with none, through phone-to-phone
//! evidence to an attached phone. Evidence pointing at two individuals is a
//! conflict: it is reported and nothing is attached or merged. Phones with
//! no path to any individual but linked to each other form *holder groups*
//! (one unknown holder of several SIMs).
//!
//! Scores are in (0, 1), combined per individual as independent pieces
//! of evidence: `1 - Π(1 - s)`. An edge of score ≥ 0.5 is strong enough to
//! attach or group.
//!
//! # Complexity
//! O(H log H) for the handset uses, O(R log R) for registrations, and
//! O(L log L + Σ w²) for the L (cell, window, phone) sightings with windows
//! of at most `max_phones_per_cell_window` phones.

use crate::graph::{CaseGraph, NONE};
use crate::resolve::normalise::normalise_id_number;
use rayon::prelude::*;
use rustc_hash::FxHashMap;

/// Kinds of phone evidence.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EvidenceKind {
    Claimed,
    Registered,
    SharedHandset,
    SameSubscriberId,
    CoTravel,
}

impl EvidenceKind {
    pub fn as_str(self) -> &'static str {
        match self {
            EvidenceKind::Claimed => "claimed",
            EvidenceKind::Registered => "registered",
            EvidenceKind::SharedHandset => "shared_handset",
            EvidenceKind::SameSubscriberId => "same_subscriber_id",
            EvidenceKind::CoTravel => "co_travel",
        }
    }
}

/// Direct evidence: a phone and a person record.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct PhoneClaim {
    pub kind: EvidenceKind,
    pub phone: u32,
    pub person: u32,
    pub score: f64,
    /// `persons.csv:LINE` or `phones.csv:LINE`.
    pub source: String,
}

/// Evidence that two phones have one holder.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct PhoneLink {
    pub kind: EvidenceKind,
    pub a: u32,
    pub b: u32,
    pub score: f64,
    pub detail: String,
}

/// How a phone came to its individual.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct PhoneAttachment {
    pub phone: u32,
    pub individual: u32,
    pub score: f64,
    pub evidence: String,
}

/// Evidence that points at more than one individual.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Conflict {
    /// The phone in dispute, or [`NONE`] when two individuals' phones are linked.
    pub phone: u32,
    pub individuals: Vec<u32>,
    pub detail: String,
}

/// Settings of the phone evidence.
#[derive(Debug, Clone, Copy)]
pub struct PhoneConfig {
    pub max_sims_per_handset: usize,
    pub cotravel_window_s: i64,
    pub min_cotravel_windows: u32,
    pub max_phones_per_cell_window: usize,
    pub max_phones_per_subscriber: usize,
}

impl PhoneConfig {
    pub const DEFAULT_MAX_SIMS_PER_HANDSET: usize = 8;
    pub const DEFAULT_COTRAVEL_WINDOW_S: i64 = 15 * 60;
    pub const DEFAULT_MIN_COTRAVEL_WINDOWS: u32 = 3;
    pub const DEFAULT_MAX_PHONES_PER_CELL_WINDOW: usize = 30;
    pub const DEFAULT_MAX_PHONES_PER_SUBSCRIBER: usize = 20;
}

impl Default for PhoneConfig {
    fn default() -> Self {
        PhoneConfig {
            max_sims_per_handset: Self::DEFAULT_MAX_SIMS_PER_HANDSET,
            cotravel_window_s: Self::DEFAULT_COTRAVEL_WINDOW_S,
            min_cotravel_windows: Self::DEFAULT_MIN_COTRAVEL_WINDOWS,
            max_phones_per_cell_window: Self::DEFAULT_MAX_PHONES_PER_CELL_WINDOW,
            max_phones_per_subscriber: Self::DEFAULT_MAX_PHONES_PER_SUBSCRIBER,
        }
    }
}

/// Phones resolved to individuals.
#[derive(Debug, Clone, PartialEq, Default, serde::Serialize)]
pub struct PhoneResolution {
    /// Individual of each phone, or [`NONE`].
    pub individual_of_phone: Vec<u32>,
    /// Holder group of each phone not attached to an individual but linked
    /// to other such phones, or [`NONE`].
    pub holder_of_phone: Vec<u32>,
    pub n_holders: u32,
    /// Sorted by phone.
    pub attachments: Vec<PhoneAttachment>,
    pub claims: Vec<PhoneClaim>,
    /// Sorted by (a, b, kind).
    pub links: Vec<PhoneLink>,
    pub conflicts: Vec<Conflict>,
    /// Handsets skipped for holding too many SIMs.
    pub n_crowded_handsets: u32,
}

/// Strong enough to attach or group on its own.
pub const STRONG: f64 = 0.5;

fn noisy_or(acc: f64, s: f64) -> f64 {
    1.0 - (1.0 - acc) * (1.0 - s)
}

/// Gather the phone evidence and attach phones to individuals.
pub fn resolve_phones(
    graph: &CaseGraph,
    individual_of_person: &[u32],
    individual_label: impl Fn(u32) -> String,
    config: &PhoneConfig,
) -> PhoneResolution {
    let n_phones = graph.phones.len();
    let mut out = PhoneResolution {
        individual_of_phone: vec![NONE; n_phones],
        holder_of_phone: vec![NONE; n_phones],
        claims: direct_claims(graph),
        ..Default::default()
    };
    out.links = phone_links(graph, config, &mut out.n_crowded_handsets);

    // Direct evidence: each phone's claimed or registered individuals.
    let mut direct: Vec<Candidates> = vec![Vec::new(); n_phones];
    for c in &out.claims {
        let ind = individual_of_person[c.person as usize];
        let person_id = graph.str(graph.persons[c.person as usize].person_id);
        let text = format!("{} by {person_id} ({})", c.kind.as_str(), c.source);
        add_evidence(&mut direct[c.phone as usize], ind, c.score, text);
    }
    for (phone, inds) in direct.iter_mut().enumerate() {
        inds.sort_by_key(|e| e.0);
        attach_or_conflict(&mut out, phone, inds, &individual_label);
    }
    let in_conflict: Vec<bool> = {
        let mut v = vec![false; n_phones];
        for c in &out.conflicts {
            v[c.phone as usize] = true;
        }
        v
    };
    let directly = out.individual_of_phone.clone();

    // Indirect evidence: one step from a directly attached phone.
    let (mut via, individual_links) = indirect_evidence(
        graph,
        &out.links,
        &directly,
        &in_conflict,
        &individual_label,
    );
    for (phone, inds) in via.iter_mut().enumerate() {
        inds.retain(|e| e.1 >= STRONG);
        inds.sort_by_key(|e| e.0);
        attach_or_conflict(&mut out, phone, inds, &individual_label);
    }
    for (a, b, detail) in individual_links {
        out.conflicts.push(Conflict {
            phone: NONE,
            individuals: vec![a, b],
            detail,
        });
    }
    out.attachments.sort_by_key(|a| a.phone);
    out.conflicts
        .sort_by(|x, y| (x.phone, &x.individuals).cmp(&(y.phone, &y.individuals)));

    group_holders(&mut out, &in_conflict);
    out
}

/// One phone's candidate individuals: (individual, combined score, evidence texts).
type Candidates = Vec<(u32, f64, Vec<String>)>;

/// The claims made in the case files: a person naming the phone (persons.csv)
/// or the operator's registration (phones.csv), by phone, person and kind.
fn direct_claims(graph: &CaseGraph) -> Vec<PhoneClaim> {
    let mut claims = Vec::new();
    for pp in &graph.person_phones {
        if pp.claimed() {
            claims.push(PhoneClaim {
                kind: EvidenceKind::Claimed,
                phone: pp.phone,
                person: pp.person,
                score: 0.95,
                source: format!("persons.csv:{}", pp.claimed_line),
            });
        }
        if pp.registered() {
            claims.push(PhoneClaim {
                kind: EvidenceKind::Registered,
                phone: pp.phone,
                person: pp.person,
                score: 0.9,
                source: format!("phones.csv:{}", pp.registration_line),
            });
        }
    }
    claims.sort_by_key(|c| (c.phone, c.person, c.kind));
    claims
}

/// Adds one piece of evidence for `individual` to a phone's candidates,
/// combining scores of the same individual by noisy-or.
fn add_evidence(candidates: &mut Candidates, individual: u32, score: f64, text: String) {
    match candidates.iter_mut().find(|e| e.0 == individual) {
        Some(e) => {
            e.1 = noisy_or(e.1, score);
            e.2.push(text);
        }
        None => candidates.push((individual, score, vec![text])),
    }
}

/// A phone with one candidate individual is attached to it; with several,
/// the phone is a conflict for the analyst.
fn attach_or_conflict(
    out: &mut PhoneResolution,
    phone: usize,
    candidates: &Candidates,
    individual_label: &impl Fn(u32) -> String,
) {
    match candidates.len() {
        0 => {}
        1 => {
            out.individual_of_phone[phone] = candidates[0].0;
            out.attachments.push(PhoneAttachment {
                phone: phone as u32,
                individual: candidates[0].0,
                score: candidates[0].1,
                evidence: candidates[0].2.join("; "),
            });
        }
        _ => out.conflicts.push(Conflict {
            phone: phone as u32,
            individuals: candidates.iter().map(|e| e.0).collect(),
            detail: candidates
                .iter()
                .map(|e| format!("{}: {}", individual_label(e.0), e.2.join("; ")))
                .collect::<Vec<_>>()
                .join(" | "),
        }),
    }
}

/// Evidence one link away from a directly attached phone, for phones not
/// attached and not in conflict; and, sorted, the strong links between phones
/// of two different individuals (reported, never merged).
fn indirect_evidence(
    graph: &CaseGraph,
    links: &[PhoneLink],
    directly: &[u32],
    in_conflict: &[bool],
    individual_label: &impl Fn(u32) -> String,
) -> (Vec<Candidates>, Vec<(u32, u32, String)>) {
    let mut via: Vec<Candidates> = vec![Vec::new(); directly.len()];
    let mut individual_links: Vec<(u32, u32, String)> = Vec::new();
    for l in links {
        let (ia, ib) = (directly[l.a as usize], directly[l.b as usize]);
        for (from, to, ind) in [(l.a, l.b, ia), (l.b, l.a, ib)] {
            let to_u = to as usize;
            if ind == NONE || directly[to_u] != NONE || in_conflict[to_u] {
                continue;
            }
            let text = format!(
                "{} with {} ({}, {:.2})",
                l.kind.as_str(),
                graph.phone_number(from),
                individual_label(ind),
                l.score
            );
            add_evidence(&mut via[to_u], ind, l.score, text);
        }
        if ia != NONE && ib != NONE && ia != ib && l.score >= STRONG {
            individual_links.push((
                ia.min(ib),
                ia.max(ib),
                format!(
                    "{} {} and {} {}: {} ({:.2}, {}); not merged",
                    individual_label(ia),
                    graph.phone_number(l.a),
                    individual_label(ib),
                    graph.phone_number(l.b),
                    l.kind.as_str(),
                    l.score,
                    l.detail
                ),
            ));
        }
    }
    individual_links.sort();
    (via, individual_links)
}

/// Holder groups among the phones still without an individual: phones joined
/// by strong links are numbered as one unknown holder, in phone order.
fn group_holders(out: &mut PhoneResolution, in_conflict: &[bool]) {
    let n_phones = out.individual_of_phone.len();
    let free = |p: u32| out.individual_of_phone[p as usize] == NONE && !in_conflict[p as usize];
    let mut uf = petgraph::unionfind::UnionFind::<u32>::new(n_phones);
    let mut grouped = vec![false; n_phones];
    for l in &out.links {
        if l.score >= STRONG && free(l.a) && free(l.b) {
            uf.union(l.a, l.b);
            grouped[l.a as usize] = true;
            grouped[l.b as usize] = true;
        }
    }
    let mut holder_of_root: FxHashMap<u32, u32> = FxHashMap::default();
    for p in 0..n_phones as u32 {
        if grouped[p as usize] {
            let root = uf.find(p);
            let next = holder_of_root.len() as u32;
            let h = *holder_of_root.entry(root).or_insert(next);
            out.holder_of_phone[p as usize] = h;
        }
    }
    out.n_holders = holder_of_root.len() as u32;
}

fn phone_links(graph: &CaseGraph, config: &PhoneConfig, n_crowded: &mut u32) -> Vec<PhoneLink> {
    let mut links = Vec::new();
    // Shared handsets.
    let mut by_handset: Vec<_> = graph.handset_uses.iter().collect();
    by_handset.sort_by_key(|u| (u.handset, u.phone));
    for group in by_handset.chunk_by(|x, y| x.handset == y.handset) {
        if group.len() < 2 {
            continue;
        }
        if group.len() > config.max_sims_per_handset {
            *n_crowded += 1;
            continue;
        }
        let imei = graph.str(graph.handsets[group[0].handset as usize]);
        for (i, x) in group.iter().enumerate() {
            for y in &group[i + 1..] {
                let sightings =
                    |u: &crate::graph::HandsetUse| u.n_events + u32::from(u.registration_line != 0);
                let n = sightings(x).min(sightings(y));
                links.push(PhoneLink {
                    kind: EvidenceKind::SharedHandset,
                    a: x.phone,
                    b: y.phone,
                    score: 1.0 - 0.5f64.powi(n.min(60) as i32 + 1),
                    detail: format!(
                        "handset {imei}: {} and {} sightings",
                        sightings(x),
                        sightings(y)
                    ),
                });
            }
        }
    }
    // Same subscriber id number.
    let mut by_id: Vec<(String, u32, u32)> = graph
        .registrations
        .iter()
        .filter(|r| r.subscriber_id_number.is_some())
        .map(|r| {
            (
                normalise_id_number(graph.str(r.subscriber_id_number)),
                r.phone,
                r.line,
            )
        })
        .filter(|r| !r.0.is_empty())
        .collect();
    by_id.sort();
    by_id.dedup_by(|x, y| x.0 == y.0 && x.1 == y.1);
    for group in by_id.chunk_by(|x, y| x.0 == y.0) {
        if group.len() < 2 || group.len() > config.max_phones_per_subscriber {
            continue;
        }
        for (i, x) in group.iter().enumerate() {
            for y in &group[i + 1..] {
                links.push(PhoneLink {
                    kind: EvidenceKind::SameSubscriberId,
                    a: x.1.min(y.1),
                    b: x.1.max(y.1),
                    score: 0.9,
                    detail: format!("both registered to {} (phones.csv:{},{})", x.0, x.2, y.2),
                });
            }
        }
    }
    links.extend(cotravel_links(graph, config));
    for l in &mut links {
        if l.a > l.b {
            std::mem::swap(&mut l.a, &mut l.b);
        }
    }
    links.sort_by_key(|l| (l.a, l.b, l.kind));
    links
}

fn cotravel_links(graph: &CaseGraph, config: &PhoneConfig) -> Vec<PhoneLink> {
    let w = config.cotravel_window_s.max(1);
    let mut sightings: Vec<(u32, i64, u32)> = Vec::new();
    for e in &graph.events {
        let window = e.start.div_euclid(w);
        if e.caller_location != NONE {
            sightings.push((e.caller_location, window, e.caller));
        }
        if e.callee_location != NONE {
            sightings.push((e.callee_location, window, e.callee));
        }
    }
    sightings.par_sort_unstable();
    sightings.dedup();
    let mut windows_of_phone: Vec<u32> = vec![0; graph.phones.len()];
    let mut together: FxHashMap<(u32, u32), u32> = FxHashMap::default();
    for group in sightings.chunk_by(|x, y| x.0 == y.0 && x.1 == y.1) {
        for s in group {
            windows_of_phone[s.2 as usize] += 1;
        }
        if group.len() < 2 || group.len() > config.max_phones_per_cell_window {
            continue;
        }
        for (i, x) in group.iter().enumerate() {
            for y in &group[i + 1..] {
                *together.entry((x.2.min(y.2), x.2.max(y.2))).or_default() += 1;
            }
        }
    }
    let mut out: Vec<PhoneLink> = together
        .into_iter()
        .filter(|&(_, n)| n >= config.min_cotravel_windows)
        .filter(|&((a, b), _)| !in_contact(graph, a, b))
        .map(|((a, b), n)| {
            let fewest = windows_of_phone[a as usize]
                .min(windows_of_phone[b as usize])
                .max(1);
            let overlap = f64::from(n) / f64::from(fewest);
            let extra = (n - config.min_cotravel_windows) as i32;
            PhoneLink {
                kind: EvidenceKind::CoTravel,
                a,
                b,
                score: overlap * (1.0 - 0.5f64.powi(extra.min(60) + 1)),
                detail: format!(
                    "same cell in {n} windows of {} min ({:.0}% of the quieter phone's)",
                    w / 60,
                    overlap * 100.0
                ),
            }
        })
        .collect();
    out.sort_by_key(|l| (l.a, l.b));
    out
}

fn in_contact(graph: &CaseGraph, a: u32, b: u32) -> bool {
    graph.calls_from(a).iter().any(|l| l.callee == b)
        || graph.calls_from(b).iter().any(|l| l.callee == a)
}
