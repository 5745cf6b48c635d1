//! Every link of a case graph, of every kind, as one typed stream.
//!
//! The graph keeps each link kind in its own compact table (call links in
//! CSR order, handset uses, cells, person–phone pairs, and the list fields
//! of incidents). Exports and neighbourhood walks want them all at once,
//! each with its two endpoints as [`NodeRef`]s; [`links`] yields them
//! without copying anything, borrowing the rows they come from.
//!
//! Directions follow the investigator's reading: a call goes caller →
//! callee; a phone uses a handset and is seen at a location; a person has a
//! phone; an incident names a phone, an account (where the money went), a
//! victim and a location.

use super::provenance::NodeRef;
use super::*;
use crate::model::{EdgeKind, NodeKind};

/// The row behind a link.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum LinkData<'g> {
    Call(&'g CallLink),
    PhoneHandset(&'g HandsetUse),
    PhoneLocation(&'g PhoneAtLocation),
    PersonPhone(&'g PersonPhone),
    /// Incident links carry nothing beyond the incident and its target.
    Incident,
}

/// One link: its kind, its endpoints and the row it comes from.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Link<'g> {
    pub kind: EdgeKind,
    pub source: NodeRef,
    pub target: NodeRef,
    pub data: LinkData<'g>,
}

fn node(kind: NodeKind, idx: u32) -> NodeRef {
    NodeRef { kind, idx }
}

/// Every link of the graph, kind by kind in [`EdgeKind::ALL`] order, each
/// kind in its table's order (so the stream is deterministic).
pub fn links(g: &CaseGraph) -> impl Iterator<Item = Link<'_>> + '_ {
    EdgeKind::ALL.iter().flat_map(move |&k| links_of_kind(g, k))
}

/// The links of one kind, in their table's order.
pub fn links_of_kind(g: &CaseGraph, kind: EdgeKind) -> Box<dyn Iterator<Item = Link<'_>> + '_> {
    let incident = move |kind: EdgeKind, target: NodeKind, i: usize, t: u32| Link {
        kind,
        source: node(NodeKind::Incident, i as u32),
        target: node(target, t),
        data: LinkData::Incident,
    };
    let incidents = g.incidents.iter().enumerate();
    match kind {
        EdgeKind::Call => Box::new(g.call_links.iter().map(move |l| Link {
            kind,
            source: node(NodeKind::Phone, l.caller),
            target: node(NodeKind::Phone, l.callee),
            data: LinkData::Call(l),
        })),
        EdgeKind::PhoneHandset => Box::new(g.handset_uses.iter().map(move |u| Link {
            kind,
            source: node(NodeKind::Phone, u.phone),
            target: node(NodeKind::Handset, u.handset),
            data: LinkData::PhoneHandset(u),
        })),
        EdgeKind::PhoneLocation => Box::new(g.phone_locations.iter().map(move |u| Link {
            kind,
            source: node(NodeKind::Phone, u.phone),
            target: node(NodeKind::Location, u.location),
            data: LinkData::PhoneLocation(u),
        })),
        EdgeKind::PersonPhone => Box::new(g.person_phones.iter().map(move |u| Link {
            kind,
            source: node(NodeKind::Person, u.person),
            target: node(NodeKind::Phone, u.phone),
            data: LinkData::PersonPhone(u),
        })),
        EdgeKind::IncidentPhone => Box::new(incidents.flat_map(move |(i, inc)| {
            g.list(inc.phones)
                .iter()
                .map(move |&p| incident(kind, NodeKind::Phone, i, p))
        })),
        EdgeKind::IncidentAccount => Box::new(incidents.flat_map(move |(i, inc)| {
            g.list(inc.accounts)
                .iter()
                .map(move |&a| incident(kind, NodeKind::Account, i, a))
        })),
        EdgeKind::IncidentVictim => Box::new(
            incidents
                .filter(|(_, inc)| inc.victim != NONE)
                .map(move |(i, inc)| incident(kind, NodeKind::Person, i, inc.victim)),
        ),
        EdgeKind::IncidentLocation => Box::new(
            incidents
                .filter(|(_, inc)| inc.location != NONE)
                .map(move |(i, inc)| incident(kind, NodeKind::Location, i, inc.location)),
        ),
    }
}

/// Number of nodes of a kind.
pub fn node_count(g: &CaseGraph, kind: NodeKind) -> usize {
    match kind {
        NodeKind::Person => g.persons.len(),
        NodeKind::Phone => g.phones.len(),
        NodeKind::Handset => g.handsets.len(),
        NodeKind::Location => g.locations.len(),
        NodeKind::Incident => g.incidents.len(),
        NodeKind::Account => g.accounts.len(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::{ingest_case, IngestConfig};

    fn tiny() -> CaseGraph {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/tiny");
        ingest_case(&dir, &IngestConfig::default()).unwrap()
    }

    #[test]
    fn tiny_links_match_the_hand_counts_of_its_readme() {
        let g = tiny();
        let mut per_kind = std::collections::BTreeMap::new();
        for l in links(&g) {
            *per_kind.entry(l.kind).or_insert(0usize) += 1;
            // Every endpoint is a real node of the kind the link says.
            assert!((l.source.idx as usize) < node_count(&g, l.source.kind));
            assert!((l.target.idx as usize) < node_count(&g, l.target.kind));
        }
        let counts: Vec<(EdgeKind, usize)> = per_kind.into_iter().collect();
        assert_eq!(
            counts,
            vec![
                (EdgeKind::Call, 15),
                (EdgeKind::PhoneHandset, 3),
                (EdgeKind::PhoneLocation, 8),
                (EdgeKind::PersonPhone, 10),
                (EdgeKind::IncidentPhone, 3),
                (EdgeKind::IncidentAccount, 4),
                (EdgeKind::IncidentVictim, 4),
                (EdgeKind::IncidentLocation, 4),
            ]
        );
    }

    #[test]
    fn incident_links_point_from_the_incident() {
        let g = tiny();
        let i3 = g
            .incidents
            .iter()
            .position(|i| g.str(i.incident_id) == "I3")
            .unwrap() as u32;
        let accounts: Vec<&str> = links(&g)
            .filter(|l| l.kind == EdgeKind::IncidentAccount && l.source.idx == i3)
            .map(|l| g.str(g.accounts[l.target.idx as usize]))
            .collect();
        assert_eq!(accounts, vec!["6222020000000001", "6222020000000002"]);
    }
}
