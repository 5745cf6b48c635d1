//! `neighbors ENTITY [--hops N] [--min-calls K]`: the ego network of an
//! entity over typed links: calls and texts between phones, a phone in a
//! handset (SIMs sharing a handset are two hops apart through it), a person
//! and the phones they claim or are registered to, an incident and the
//! phones, victim and accounts it names. Cells are left out: a tower
//! serves thousands of phones and links nothing by itself (see
//! `colocated` and `towers` for that question). A hop is one of these
//! typed links, in `query` and in `export --ego` alike. Service numbers
//! (the analysis commands' hubs) are reached but not walked through unless
//! asked ([`WalkOptions::keep_hubs`]).
//!
//! [`adjacent`] is the typed adjacency shared with `path`.
//!
//! # Complexity
//! Breadth-first: O(sum over reached nodes of their degree), each degree
//! read from CSR offsets or the reverse indexes of [`super::Reverse`]; with
//! `--from/--to`, a phone's call links are re-counted from its events,
//! O(events of the phone).

use super::{contacts_with_lines, sources, Case, Entity, Tally, TimeRange};
use crate::graph::provenance::{
    NodeRef, Sources, CALLS_CSV, INCIDENTS_CSV, PERSONS_CSV, PHONES_CSV,
};
use crate::graph::{CaseGraph, HandsetUse};
use crate::model::NodeKind;
use rustc_hash::FxHashMap;

/// What kind of link joins two nodes, in the investigator's words.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LinkKind {
    /// Calls or texts between two phones.
    Call,
    /// A phone (SIM) seen in a handset.
    Handset,
    /// A person claims a phone or it is registered to their id number.
    Registration,
    /// An incident names a phone, a victim or an account.
    Incident,
    /// A phone seen at a cell (walked only from a cell given as the entity).
    Cell,
}

impl LinkKind {
    pub fn as_str(self) -> &'static str {
        match self {
            LinkKind::Call => "call",
            LinkKind::Handset => "handset",
            LinkKind::Registration => "registration",
            LinkKind::Incident => "incident",
            LinkKind::Cell => "cell",
        }
    }
}

/// One link from a node, with its evidence.
#[derive(Debug, Clone, PartialEq)]
pub struct Hop {
    pub to: NodeRef,
    pub kind: LinkKind,
    /// Calls and texts for call links; for a handset link, `calls` counts
    /// the call events naming the handset and `first/last` their span.
    pub tally: Tally,
    /// Registration/claim/incident rows behind a non-call link.
    pub records: u32,
    /// What the link is, when the kind alone does not say
    /// (`claimed`, `registered`, `victim`, `names phone`).
    pub detail: &'static str,
    pub sources: Vec<Sources>,
}

impl Hop {
    /// How strong the evidence is: events for calls and handset use, rows
    /// for records. Paths prefer strong links.
    pub fn strength(&self) -> u32 {
        self.tally.events().max(self.records).max(1)
    }
}

/// Options of the typed walk.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct WalkOptions {
    pub range: TimeRange,
    /// Call links with fewer calls and texts (in the range) are left out.
    pub min_calls: u32,
    /// Collect source lines for every hop.
    pub sources: bool,
    /// Walk through service numbers too (by default a service number is
    /// reached but not walked through, as the analysis commands leave
    /// them out: a bank's line would join every customer in two hops).
    pub keep_hubs: bool,
}

impl Default for WalkOptions {
    fn default() -> Self {
        WalkOptions {
            range: TimeRange::ALL,
            min_calls: 1,
            sources: false,
            keep_hubs: false,
        }
    }
}

fn node(kind: NodeKind, idx: u32) -> NodeRef {
    NodeRef { kind, idx }
}

/// Every typed link of `n`, in a fixed order (kind, then node).
pub fn adjacent(case: &Case, n: NodeRef, o: &WalkOptions) -> Vec<Hop> {
    match n.kind {
        NodeKind::Phone => phone_links(case, n, o),
        NodeKind::Handset => handset_links(case, n, o),
        NodeKind::Person => person_links(case, n, o),
        NodeKind::Incident => incident_links(case, n, o),
        NodeKind::Account => account_links(case, n, o),
        // Only a cell given as the entity is walked: the phones seen at it,
        // with their events there (no phone walks back to its cells).
        NodeKind::Location => location_links(case, n, o),
    }
}

/// A link resting on records (no calls), with the rows it rests on.
fn record(
    to: NodeRef,
    kind: LinkKind,
    records: u32,
    detail: &'static str,
    sources: Vec<Option<Sources>>,
) -> Hop {
    Hop {
        to,
        kind,
        tally: Tally::default(),
        records,
        detail,
        sources: sources.into_iter().flatten().collect(),
    }
}

/// A phone's contacts, handsets, holders' records and the fraud reports naming it.
fn phone_links(case: &Case, n: NodeRef, o: &WalkOptions) -> Vec<Hop> {
    let g = case.graph;
    let rev = case.reverse();
    let mut out = Vec::new();
    for (peer, tally, lines) in contacts_with_lines(g, n.idx, o.range, o.sources) {
        if peer == n.idx || tally.events() < o.min_calls.max(1) {
            continue;
        }
        out.push(Hop {
            to: node(NodeKind::Phone, peer),
            kind: LinkKind::Call,
            tally,
            records: 0,
            detail: "",
            sources: sources(CALLS_CSV, lines).into_iter().collect(),
        });
    }
    out.extend(
        g.handsets_of(n.idx)
            .iter()
            .filter_map(|u| handset_hop(g, n.idx, u, o)),
    );
    for person in rev.persons_of(n.idx) {
        let pp = g
            .phones_of_person(person)
            .iter()
            .find(|pp| pp.phone == n.idx)
            .copied()
            .expect("reverse index agrees with person_phones");
        out.push(person_phone_hop(
            node(NodeKind::Person, person),
            &pp,
            o,
            &record,
        ));
    }
    for &inc in rev.incidents_of_phone().get(n.idx) {
        if !o.range.contains(g.incidents[inc as usize].time) {
            continue;
        }
        let line = g.incidents[inc as usize].line;
        out.push(record(
            node(NodeKind::Incident, inc),
            LinkKind::Incident,
            1,
            "names phone",
            vec![o
                .sources
                .then(|| sources(INCIDENTS_CSV, vec![line]))
                .flatten()],
        ));
    }
    out
}

/// The handset a phone went through, with its calls in the window and its
/// registration; none when neither.
fn handset_hop(g: &CaseGraph, phone: u32, u: &HandsetUse, o: &WalkOptions) -> Option<Hop> {
    let n = node(NodeKind::Phone, phone);
    let seen = u.n_events > 0 && o.range.overlaps(u.first, u.last);
    if !seen && u.registration_line == 0 {
        return None;
    }
    let mut tally = Tally::default();
    let mut lines = Vec::new();
    if seen {
        if o.range.is_all() && !o.sources {
            tally.calls = u.n_events;
            tally.see(u.first);
            tally.see(u.last);
        } else {
            for e in g.events_of(n.idx) {
                let h = if e.caller == n.idx {
                    e.caller_handset
                } else {
                    e.callee_handset
                };
                if h == u.handset && o.range.contains(e.start) {
                    tally.calls += 1;
                    tally.see(e.start);
                    lines.push(e.line);
                }
            }
        }
    }
    let reg = (u.registration_line != 0) as u32;
    let mut srcs: Vec<Sources> = sources(CALLS_CSV, lines).into_iter().collect();
    if o.sources && reg == 1 {
        srcs.extend(sources(PHONES_CSV, vec![u.registration_line]));
    }
    Some(Hop {
        to: node(NodeKind::Handset, u.handset),
        kind: LinkKind::Handset,
        tally,
        records: reg,
        detail: if reg == 1 {
            "registered"
        } else {
            "seen in calls"
        },
        sources: srcs,
    })
}

/// The phones that went through a handset.
fn handset_links(case: &Case, n: NodeRef, o: &WalkOptions) -> Vec<Hop> {
    let rev = case.reverse();
    let mut out = Vec::new();
    for &phone in rev.phones_of_handset().get(n.idx) {
        let back = adjacent_phone_handset(case, phone, n.idx, o);
        if let Some(mut h) = back {
            h.to = node(NodeKind::Phone, phone);
            out.push(h);
        }
    }
    out
}

/// A person record's phones and the fraud reports naming him as victim.
fn person_links(case: &Case, n: NodeRef, o: &WalkOptions) -> Vec<Hop> {
    let g = case.graph;
    let rev = case.reverse();
    let mut out = Vec::new();
    for pp in g.phones_of_person(n.idx) {
        out.push(person_phone_hop(
            node(NodeKind::Phone, pp.phone),
            pp,
            o,
            &record,
        ));
    }
    for &inc in rev.incidents_of_victim().get(n.idx) {
        let i = &g.incidents[inc as usize];
        if !o.range.contains(i.time) {
            continue;
        }
        out.push(record(
            node(NodeKind::Incident, inc),
            LinkKind::Incident,
            1,
            "victim",
            vec![o
                .sources
                .then(|| sources(INCIDENTS_CSV, vec![i.line]))
                .flatten()],
        ));
    }
    out
}

/// A fraud report's phones, victim and accounts.
fn incident_links(case: &Case, n: NodeRef, o: &WalkOptions) -> Vec<Hop> {
    let g = case.graph;
    let mut out = Vec::new();
    let i = &g.incidents[n.idx as usize];
    if o.range.contains(i.time) {
        let src = || {
            vec![o
                .sources
                .then(|| sources(INCIDENTS_CSV, vec![i.line]))
                .flatten()]
        };
        for &p in g.list(i.phones) {
            out.push(record(
                node(NodeKind::Phone, p),
                LinkKind::Incident,
                1,
                "names phone",
                src(),
            ));
        }
        if i.victim != crate::graph::NONE {
            out.push(record(
                node(NodeKind::Person, i.victim),
                LinkKind::Incident,
                1,
                "victim",
                src(),
            ));
        }
        for &a in g.list(i.accounts) {
            out.push(record(
                node(NodeKind::Account, a),
                LinkKind::Incident,
                1,
                "money went to",
                src(),
            ));
        }
    }
    out
}

/// The fraud reports naming an account.
fn account_links(case: &Case, n: NodeRef, o: &WalkOptions) -> Vec<Hop> {
    let g = case.graph;
    let rev = case.reverse();
    let mut out = Vec::new();
    for &inc in rev.incidents_of_account().get(n.idx) {
        let i = &g.incidents[inc as usize];
        if !o.range.contains(i.time) {
            continue;
        }
        out.push(record(
            node(NodeKind::Incident, inc),
            LinkKind::Incident,
            1,
            "money went to",
            vec![o
                .sources
                .then(|| sources(INCIDENTS_CSV, vec![i.line]))
                .flatten()],
        ));
    }
    out
}

/// The phones seen at a cell, with their events there.
fn location_links(case: &Case, n: NodeRef, o: &WalkOptions) -> Vec<Hop> {
    let g = case.graph;
    let rev = case.reverse();
    let mut out = Vec::new();
    for &p in rev.phones_of_location().get(n.idx) {
        for u in g.locations_of(p).iter().filter(|u| u.location == n.idx) {
            if u.n_events == 0 || !o.range.overlaps(u.first, u.last) {
                continue;
            }
            let mut tally = Tally::default();
            let mut lines = Vec::new();
            if o.range.is_all() && !o.sources {
                tally.calls = u.n_events;
                tally.see(u.first);
                tally.see(u.last);
            } else {
                for e in g.events_of(p) {
                    let at = if e.caller == p {
                        e.caller_location
                    } else {
                        e.callee_location
                    };
                    if at == n.idx && o.range.contains(e.start) {
                        tally.calls += 1;
                        tally.see(e.start);
                        lines.push(e.line);
                    }
                }
            }
            if tally.calls == 0 {
                continue;
            }
            out.push(Hop {
                to: node(NodeKind::Phone, p),
                kind: LinkKind::Cell,
                tally,
                records: 0,
                detail: "seen at",
                sources: sources(CALLS_CSV, lines).into_iter().collect(),
            });
        }
    }
    out
}

/// The phone → handset hop of `phone`, seen from the handset.
fn adjacent_phone_handset(case: &Case, phone: u32, handset: u32, o: &WalkOptions) -> Option<Hop> {
    adjacent_filtered(case, node(NodeKind::Phone, phone), o, |h| {
        h.kind == LinkKind::Handset && h.to.idx == handset
    })
}

fn adjacent_filtered(
    case: &Case,
    n: NodeRef,
    o: &WalkOptions,
    keep: impl Fn(&Hop) -> bool,
) -> Option<Hop> {
    // Only the handset part of a phone's adjacency is needed; skip its calls.
    let o2 = WalkOptions {
        min_calls: u32::MAX,
        ..*o
    };
    adjacent(case, n, &o2).into_iter().find(keep)
}

fn person_phone_hop(
    to: NodeRef,
    pp: &crate::graph::PersonPhone,
    o: &WalkOptions,
    record: &dyn Fn(NodeRef, LinkKind, u32, &'static str, Vec<Option<Sources>>) -> Hop,
) -> Hop {
    let detail = match (pp.claimed(), pp.registered()) {
        (true, true) => "claimed and registered",
        (true, false) => "claimed",
        _ => "registered",
    };
    let mut src = Vec::new();
    if o.sources {
        if pp.claimed() {
            src.push(sources(PERSONS_CSV, vec![pp.claimed_line]));
        }
        if pp.registered() {
            src.push(sources(PHONES_CSV, vec![pp.registration_line]));
        }
    }
    record(
        to,
        LinkKind::Registration,
        pp.claimed() as u32 + pp.registered() as u32,
        detail,
        src,
    )
}

/// One row of the ego network: a node reached at `hop` through `link` from `from`.
#[derive(Debug, Clone, PartialEq)]
pub struct Neighbor {
    pub hop: u32,
    pub from: NodeRef,
    pub link: Hop,
    /// The node reached is a service number, not walked through.
    pub service_number: bool,
}

/// Whether a walk may go on from `n`: not from a service number (unless
/// asked), except where the walk starts.
pub fn walks_through(case: &Case, n: NodeRef, o: &WalkOptions, start: &[NodeRef]) -> bool {
    o.keep_hubs || n.kind != NodeKind::Phone || start.contains(&n) || !case.is_service_number(n.idx)
}

/// The start nodes of an entity's walk: its node, or for an individual its
/// person records and phones.
pub fn start_nodes(e: &Entity) -> Vec<NodeRef> {
    match e.node {
        Some(n) => vec![n],
        None => e
            .persons
            .iter()
            .map(|&p| node(NodeKind::Person, p))
            .chain(e.phones.iter().map(|&p| node(NodeKind::Phone, p)))
            .collect(),
    }
}

/// The nodes within `hops` typed links of the entity, each with the
/// strongest link that reached it first (ties: earlier source node, then
/// kind). Rows are ordered by hop, then strength (strongest first), then node.
pub fn neighbors(case: &Case, e: &Entity, hops: u32, o: &WalkOptions) -> Vec<Neighbor> {
    let start = start_nodes(e);
    let starts = start.clone();
    let mut seen: FxHashMap<NodeRef, ()> = start.iter().map(|&n| (n, ())).collect();
    let mut frontier = start;
    let mut out = Vec::new();
    for hop in 1..=hops {
        let mut best: FxHashMap<NodeRef, Neighbor> = FxHashMap::default();
        for &from in &frontier {
            if !walks_through(case, from, o, &starts) {
                continue;
            }
            // Phones and persons are walked; handsets, incidents and
            // accounts too, except from a non-phone start (they are leaves
            // of the ego network on the first hop only when reached).
            for h in adjacent(case, from, o) {
                if seen.contains_key(&h.to) {
                    continue;
                }
                let service_number = !o.keep_hubs
                    && h.to.kind == NodeKind::Phone
                    && case.is_service_number(h.to.idx);
                let cand = Neighbor {
                    hop,
                    from,
                    link: h,
                    service_number,
                };
                match best.get(&cand.link.to) {
                    Some(b) if b.link.strength() >= cand.link.strength() => {}
                    _ => {
                        best.insert(cand.link.to, cand);
                    }
                }
            }
        }
        let mut layer: Vec<Neighbor> = best.into_values().collect();
        layer.sort_by(|a, b| {
            b.link
                .strength()
                .cmp(&a.link.strength())
                .then(a.link.to.cmp(&b.link.to))
        });
        frontier = layer.iter().map(|n| n.link.to).collect();
        frontier.sort_unstable();
        for n in &layer {
            seen.insert(n.link.to, ());
        }
        out.extend(layer);
        if frontier.is_empty() {
            break;
        }
    }
    out
}
