//! `profile ENTITY`: everything the case knows about an entity: its person
//! records and (with a resolution) its resolved individual, subscriber
//! registrations, handsets over time, cells by hour of day, top contacts
//! and incidents, for all of the phones it stands for.
//!
//! Component, community and centrality ranks come from the analysis passes,
//! which read the whole case; [`standing`] runs them on request (`profile
//! --analysis`), so the everyday profile stays a millisecond query. Gang
//! labels are not produced by any pass yet and are left out.
//!
//! # Complexity
//! O(events of the entity's phones + their contacts · log contacts, to rank
//! the top contacts + the case's incidents, scanned once); registrations
//! and handsets come from the graph's per-phone indexes.

use super::{contacts_of, Case, Entity, Tally, TimeRange};
use crate::graph::{CaseGraph, HandsetUse, PersonPhone, NONE};
use crate::model::time::hour_of_day;
use rustc_hash::FxHashMap;

/// Contacts listed in a profile.
pub const TOP_CONTACTS: usize = 10;

/// Traffic of one of the entity's phones.
#[derive(Debug, Clone, PartialEq)]
pub struct PhoneTraffic {
    pub phone: u32,
    pub calls_out: u32,
    pub calls_in: u32,
    pub texts: u32,
    pub contacts: u32,
    pub tally: Tally,
}

/// The resolved identity of an entity.
#[derive(Debug, Clone, PartialEq)]
pub struct Identity {
    pub label: String,
    pub persons: Vec<u32>,
    pub phones: Vec<u32>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Profile {
    pub phones: Vec<PhoneTraffic>,
    /// Person–phone links of the entity's phones and persons.
    pub person_links: Vec<PersonPhone>,
    /// Indices into the registrations table.
    pub registrations: Vec<u32>,
    /// Handset uses, by first use.
    pub handsets: Vec<HandsetUse>,
    /// Events per (cell, hour of day), cells by total.
    pub cells_by_hour: Vec<(u32, [u32; 24])>,
    /// Strongest contacts (phone, tally), most events first.
    pub top_contacts: Vec<(u32, Tally)>,
    /// (incident, how it involves the entity).
    pub incidents: Vec<(u32, &'static str)>,
    pub identity: Option<Identity>,
}

pub fn profile(case: &Case, e: &Entity, range: TimeRange) -> Profile {
    let g = case.graph;
    let traffic = traffic_of_phones(g, e, range);
    let person_links = person_links(case, e);
    let incidents = incidents_involving(g, e, &person_links, range);
    Profile {
        phones: traffic.phones,
        registrations: registrations(g, e),
        handsets: handsets_in_range(g, e, range),
        cells_by_hour: cells_busiest_first(traffic.cells),
        top_contacts: strongest_contacts(traffic.contacts),
        person_links,
        incidents,
        identity: identity(case, e),
    }
}

/// What the entity's phones did in the range, gathered in one walk over
/// their events and contacts.
struct Traffic {
    phones: Vec<PhoneTraffic>,
    /// Contacts outside the entity's own phones, summed over its phones.
    contacts: FxHashMap<u32, Tally>,
    /// Events per (cell, hour of day).
    cells: FxHashMap<u32, [u32; 24]>,
}

/// Calls made and received, texts and contacts of each of the entity's
/// phones, the cells that served them by hour of day, and who they were in
/// contact with.
fn traffic_of_phones(g: &CaseGraph, e: &Entity, range: TimeRange) -> Traffic {
    let mut phones = Vec::new();
    let mut contacts: FxHashMap<u32, Tally> = FxHashMap::default();
    let mut cells: FxHashMap<u32, [u32; 24]> = FxHashMap::default();
    for &p in &e.phones {
        let mut t = PhoneTraffic {
            phone: p,
            calls_out: 0,
            calls_in: 0,
            texts: 0,
            contacts: 0,
            tally: Tally::default(),
        };
        for ev in g.events_of(p) {
            if !range.contains(ev.start) {
                continue;
            }
            let out = ev.caller == p;
            if ev.is_text() {
                t.texts += 1;
            } else if out {
                t.calls_out += 1;
            } else {
                t.calls_in += 1;
            }
            t.tally.add_event(ev);
            let cell = if out {
                ev.caller_location
            } else {
                ev.callee_location
            };
            if cell != NONE {
                cells.entry(cell).or_insert([0; 24])[hour_of_day(ev.start) as usize] += 1;
            }
        }
        let cs = contacts_of(g, p, range);
        t.contacts = cs.len() as u32;
        for (peer, tally, _) in cs {
            if !e.has_phone(peer) {
                contacts.entry(peer).or_default().merge(&tally);
            }
        }
        phones.push(t);
    }
    Traffic {
        phones,
        contacts,
        cells,
    }
}

/// The [`TOP_CONTACTS`] contacts with the most events (ties by phone).
fn strongest_contacts(contacts: FxHashMap<u32, Tally>) -> Vec<(u32, Tally)> {
    let mut top_contacts: Vec<(u32, Tally)> = contacts.into_iter().collect();
    top_contacts.sort_by(|a, b| b.1.events().cmp(&a.1.events()).then(a.0.cmp(&b.0)));
    top_contacts.truncate(TOP_CONTACTS);
    top_contacts
}

/// The cells by their number of events, busiest first (ties by cell).
fn cells_busiest_first(cells: FxHashMap<u32, [u32; 24]>) -> Vec<(u32, [u32; 24])> {
    let mut cells_by_hour: Vec<(u32, [u32; 24])> = cells.into_iter().collect();
    cells_by_hour.sort_by(|a, b| {
        let s = |x: &[u32; 24]| x.iter().sum::<u32>();
        s(&b.1).cmp(&s(&a.1)).then(a.0.cmp(&b.0))
    });
    cells_by_hour
}

/// The person records' links to the entity's phones, and every phone link
/// of the entity's own person records, by person and phone.
fn person_links(case: &Case, e: &Entity) -> Vec<PersonPhone> {
    let g = case.graph;
    let rev = case.reverse();
    let mut person_links: Vec<PersonPhone> = Vec::new();
    for &p in &e.phones {
        for person in rev.persons_of(p) {
            person_links.extend(g.phones_of_person(person).iter().filter(|pp| pp.phone == p));
        }
    }
    for &person in &e.persons {
        person_links.extend(g.phones_of_person(person).iter().copied());
    }
    person_links.sort_by_key(|pp| (pp.person, pp.phone));
    person_links.dedup();
    person_links
}

/// The subscriber registrations of the entity's phones (indices into the
/// registrations table, in order).
fn registrations(g: &CaseGraph, e: &Entity) -> Vec<u32> {
    let mut registrations: Vec<u32> = e
        .phones
        .iter()
        .flat_map(|&p| g.registrations_of(p).iter().copied())
        .collect();
    registrations.sort_unstable();
    registrations.dedup();
    registrations
}

/// The handsets the entity's phones were used in during the range (a use
/// without calls, from a registration, always counts), by first use.
fn handsets_in_range(g: &CaseGraph, e: &Entity, range: TimeRange) -> Vec<HandsetUse> {
    let mut handsets: Vec<HandsetUse> = e
        .phones
        .iter()
        .flat_map(|&p| g.handsets_of(p).iter().copied())
        .filter(|u| u.n_events == 0 || range.overlaps(u.first, u.last))
        .collect();
    handsets.sort_by_key(|u| (u.first, u.phone, u.handset));
    handsets
}

/// The incidents in the range that name one of the entity's phones or
/// whose victim is one of its person records (or a person linked to its
/// phones), each once, with how it involves the entity.
fn incidents_involving(
    g: &CaseGraph,
    e: &Entity,
    person_links: &[PersonPhone],
    range: TimeRange,
) -> Vec<(u32, &'static str)> {
    // One pass over the incidents (thousands, not millions): cheaper for
    // one profile than building the reverse indexes over every phone.
    let victims: Vec<u32> = person_links
        .iter()
        .map(|pp| pp.person)
        .chain(e.persons.iter().copied())
        .collect();
    let mut incidents: Vec<(u32, &'static str)> = Vec::new();
    for (i, inc) in g.incidents.iter().enumerate() {
        if g.list(inc.phones).iter().any(|&p| e.has_phone(p)) {
            incidents.push((i as u32, "names phone"));
        }
        if inc.victim != crate::graph::NONE && victims.contains(&inc.victim) {
            incidents.push((i as u32, "victim"));
        }
    }
    incidents.retain(|&(i, _)| range.contains(g.incidents[i as usize].time));
    incidents.sort_unstable();
    incidents.dedup_by_key(|x| x.0);
    incidents
}

/// The resolved individual the entity stands for (with a resolution): the
/// entity's own, or that of its first resolved record, or of its first
/// resolved phone.
fn identity(case: &Case, e: &Entity) -> Option<Identity> {
    let r = case.resolution()?;
    let ind = match e.individual {
        Some(i) => i,
        None => {
            let by_person = e
                .persons
                .iter()
                .map(|&p| r.individual_of_person[p as usize])
                .find(|&i| i != NONE);
            let by_phone = || {
                e.phones
                    .iter()
                    .map(|&p| r.individual_of_phone()[p as usize])
                    .find(|&i| i != NONE)
            };
            by_person.or_else(by_phone)?
        }
    };
    Some(Identity {
        label: r.labels[ind as usize].clone(),
        persons: r.persons_of(ind),
        phones: r.phones_of(ind),
    })
}

/// Where a phone stands in the whole case, from the analysis passes.
#[derive(Debug, Clone, PartialEq)]
pub struct Standing {
    pub phone: u32,
    /// Component id and size ([`crate::analysis::components`]); `None` when
    /// the phone has no contacts (or is a hub left out of the contact graph).
    pub component: Option<(u32, usize)>,
    pub community: Option<(u32, usize)>,
    /// 1-based ranks among all phones of the contact graph.
    pub degree_rank: Option<u32>,
    pub pagerank_rank: Option<u32>,
    /// Why the phone is not in the contact graph, when it is a service
    /// number (or excluded) that the analysis passes leave out.
    pub left_out: Option<String>,
}

/// Component, community and centrality ranks of the entity's phones.
/// These passes read the whole case (seconds on a large one), so a profile
/// runs them only when asked (`--analysis`).
///
/// # Complexity
/// That of the passes: contact graph O(call links), components O(V + E),
/// Louvain/Leiden communities ~O(E) per level, PageRank O(E) per iteration.
pub fn standing(case: &Case, e: &Entity) -> crate::Result<Vec<Standing>> {
    use crate::analysis::centrality::{centrality, CentralityConfig, Measure};
    use crate::analysis::communities::{communities, CommunityConfig};
    use crate::analysis::components::{components, Components, ComponentsConfig};
    use crate::analysis::contact::{ContactConfig, ContactGraph};
    let g = case.graph;
    let cg = ContactGraph::from_case(g, &ContactConfig::default())?;
    // Nodes of the ungrouped contact graph are the phones that kept a
    // contact, in phone order: hubs and phones without contacts have none.
    let node_of = phone_nodes(g, &cg)?;
    let comp = components(&cg, &ComponentsConfig::default())?;
    let comm = communities(&cg, &CommunityConfig::default())?;
    let degree = centrality(&cg, &CentralityConfig::new(Measure::Degree))?;
    let pagerank = centrality(&cg, &CentralityConfig::new(Measure::Pagerank))?;
    Ok(e.phones
        .iter()
        .map(|&p| {
            let left_out = cg
                .hubs
                .iter()
                .find(|h| h.phone_idx == p)
                .map(|h| format!("left out of the contact graph: {}", h.reason));
            let Some(v) = node_of[p as usize] else {
                return Standing {
                    phone: p,
                    component: None,
                    community: None,
                    degree_rank: None,
                    pagerank_rank: None,
                    left_out,
                };
            };
            let i = v as usize;
            let c = comp.component_of[i];
            let m = comm.community_of[i];
            Standing {
                phone: p,
                component: (c != Components::NOT_KEPT).then(|| (c, comp.size(c))),
                community: ((m as usize) < comm.len()).then(|| (m, comm.members(m).len())),
                degree_rank: Some(degree.rank[i]),
                pagerank_rank: Some(pagerank.rank[i]),
                left_out,
            }
        })
        .collect())
}

/// The contact-graph node of each phone (`None`: not in the graph), by one
/// merge walk over the phones and the nodes, both in phone order.
fn phone_nodes(
    g: &crate::graph::CaseGraph,
    cg: &crate::analysis::contact::ContactGraph,
) -> crate::Result<Vec<Option<u32>>> {
    let mut node_of = vec![None; g.phones.len()];
    let mut p = 0usize;
    for v in 0..cg.n_nodes() as u32 {
        while p < g.phones.len() && g.phone_number(p as u32) != cg.name(v) {
            p += 1;
        }
        if p == g.phones.len() {
            return Err(crate::Error::Invalid(format!(
                "contact graph: expected its nodes to be the case's phones in phone order, found {} out of order",
                cg.name(v)
            )));
        }
        node_of[p] = Some(v);
        p += 1;
    }
    Ok(node_of)
}
