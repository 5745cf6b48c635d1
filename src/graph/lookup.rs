//! Find a node from what an investigator types: a phone number in any
//! spelling, a person_id, a person's name, an IMEI, an incident id, a
//! location id or a bank account. Text that names nothing gets "did you
//! mean" suggestions ranked by string similarity (strsim), so a typo in a
//! person_id or a digit missing from an IMEI is one step from the answer.
//!
//! `kind:text` (`phone:10086`, `person:P01`, `account:6222...`) restricts the
//! search to one kind, for text that names nodes of several kinds.
//!
//! The index is [`CaseGraph::names`], built with the graph and stored in
//! snapshots: every text a node answers to, sorted. An exact look-up is a
//! binary search (a fresh process on a 20-million-call snapshot touches a
//! few dozen rows of it); suggestions scan the index once.

use super::provenance::NodeRef;
use super::{CaseGraph, NameEntry, Sym};
use crate::model::{NodeKind, PhoneRules};
use rayon::slice::ParallelSliceMut;

/// How many suggestions an unknown text gets at most.
pub const MAX_SUGGESTIONS: usize = 5;
/// Below this Jaro–Winkler similarity a candidate is not worth suggesting.
const MIN_SIMILARITY: f64 = 0.75;

/// A node a text could mean, with the text that names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    pub node: NodeRef,
    /// The id or name as the case spells it.
    pub text: String,
    /// What the node is, for people: `person P01 张伟`, `phone +8613900000001`.
    pub description: String,
}

impl std::fmt::Display for Candidate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.description)
    }
}

/// Why a text did not resolve to exactly one node.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum LookupError {
    #[error("{text:?}: expected a phone number, person_id, name, IMEI, incident id, location id or account, found nothing of that name{}", did_you_mean(.suggestions))]
    NotFound {
        text: String,
        suggestions: Vec<Candidate>,
    },
    #[error("{text:?}: expected one node, found {} ({}); {}", .matches.len(), list(.matches), choose(.matches))]
    Ambiguous {
        text: String,
        matches: Vec<Candidate>,
    },
    #[error(
        "{text:?}: expected a node kind before ':' ({}), found {kind:?}",
        NodeKind::expected()
    )]
    UnknownKind { text: String, kind: String },
}

fn list(c: &[Candidate]) -> String {
    c.iter()
        .map(|c| c.description.clone())
        .collect::<Vec<_>>()
        .join(", ")
}

/// How to choose among matches: their ids when they are of one kind (a
/// `kind:` prefix cannot tell two persons apart), else `kind:text`.
fn choose(c: &[Candidate]) -> String {
    let one_kind = c.windows(2).all(|w| w[0].node.kind == w[1].node.kind);
    if one_kind && !c.is_empty() {
        let ids: Vec<&str> = c.iter().map(|c| c.text.as_str()).collect();
        format!("write one of their ids to choose: {}", ids.join(", "))
    } else {
        "write kind:text to choose".to_string()
    }
}

fn did_you_mean(s: &[Candidate]) -> String {
    if s.is_empty() {
        String::new()
    } else {
        format!("; did you mean {}?", list(s))
    }
}

/// Finds nodes by what they answer to, through the graph's sorted
/// [`CaseGraph::names`] index.
pub struct Lookup<'g> {
    graph: &'g CaseGraph,
    rules: Option<PhoneRules>,
}

impl<'g> Lookup<'g> {
    /// O(1): the index is built with the graph (and stored in snapshots).
    pub fn new(graph: &'g CaseGraph) -> Self {
        Lookup {
            graph,
            rules: PhoneRules::with_country_code(&graph.meta.country_code).ok(),
        }
    }

    /// Nodes named exactly `text`, by binary search: O(log names) string
    /// comparisons.
    fn named(&self, text: &str) -> impl Iterator<Item = NodeRef> + '_ {
        let g = self.graph;
        let names = &g.names[..];
        let lo = names.partition_point(|n| g.str(n.text) < text);
        let hi = lo + names[lo..].partition_point(|n| g.str(n.text) == text);
        names[lo..hi].iter().filter_map(|n| {
            Some(NodeRef {
                kind: NodeKind::from_u8(n.kind as u8)?,
                idx: n.idx,
            })
        })
    }

    /// The one node `text` names.
    pub fn find(&self, text: &str) -> Result<NodeRef, LookupError> {
        let mut matches = self.find_all(text)?;
        match matches.len() {
            1 => Ok(matches.remove(0)),
            0 => Err(LookupError::NotFound {
                text: text.to_string(),
                suggestions: self.suggest(text),
            }),
            _ => Err(LookupError::Ambiguous {
                text: text.to_string(),
                matches: matches.into_iter().map(|n| self.candidate(n)).collect(),
            }),
        }
    }

    /// Every node `text` names exactly (sorted, no repeats).
    pub fn find_all(&self, text: &str) -> Result<Vec<NodeRef>, LookupError> {
        let (kind, body) = split_kind(text)?;
        let body = body.trim();
        let mut out: Vec<NodeRef> = self.named(body).collect();
        // Any spelling of a phone number: normalise as ingest did.
        if let Some(number) = self.rules.as_ref().and_then(|r| r.normalise(body).ok()) {
            out.extend(self.named(&number).filter(|n| n.kind == NodeKind::Phone));
        }
        if let Some(k) = kind {
            out.retain(|n| n.kind == k);
        }
        out.sort_unstable();
        out.dedup();
        Ok(out)
    }

    /// Up to [`MAX_SUGGESTIONS`] nodes whose ids or names are closest to
    /// `text`, most similar first (ties by node).
    pub fn suggest(&self, text: &str) -> Vec<Candidate> {
        let (kind, body) = match split_kind(text) {
            Ok(x) => x,
            Err(_) => (None, text),
        };
        let body = body.trim().to_lowercase();
        let g = self.graph;
        let mut scored: Vec<(f64, NodeRef, &str)> = Vec::new();
        // One score per distinct text: equal texts are neighbours in the index.
        let mut last: Option<(crate::graph::Sym, f64)> = None;
        for entry in g.names.iter() {
            let name = g.str(entry.text);
            let score = match last {
                Some((sym, score)) if sym == entry.text => score,
                _ => strsim::jaro_winkler(&body, &name.to_lowercase()),
            };
            last = Some((entry.text, score));
            let Some(node_kind) = NodeKind::from_u8(entry.kind as u8) else {
                continue;
            };
            if score >= MIN_SIMILARITY && kind.is_none_or(|k| k == node_kind) {
                let n = NodeRef {
                    kind: node_kind,
                    idx: entry.idx,
                };
                scored.push((score, n, name));
            }
        }
        scored.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)).then(a.2.cmp(b.2)));
        let mut seen = Vec::new();
        let mut out = Vec::new();
        for (_, n, _) in scored {
            if seen.contains(&n) {
                continue;
            }
            seen.push(n);
            out.push(self.candidate(n));
            if out.len() == MAX_SUGGESTIONS {
                break;
            }
        }
        out
    }

    /// A node as people read it.
    pub fn candidate(&self, n: NodeRef) -> Candidate {
        let text = node_text(self.graph, n).to_string();
        let description = describe(self.graph, n);
        Candidate {
            node: n,
            text,
            description,
        }
    }
}

/// The id the case files use for a node: person_id, number, IMEI,
/// location_id, incident_id, account number.
pub fn node_text(g: &CaseGraph, n: NodeRef) -> &str {
    let i = n.idx as usize;
    match n.kind {
        NodeKind::Person => g.str(g.persons[i].person_id),
        NodeKind::Phone => g.phone_number(n.idx),
        NodeKind::Handset => g.str(g.handsets[i]),
        NodeKind::Location => g.str(g.locations[i].location_id),
        NodeKind::Incident => g.str(g.incidents[i].incident_id),
        NodeKind::Account => g.str(g.accounts[i]),
    }
}

/// `person P01 (张伟)`, `phone +8613900000001`, `location C1 (Xinjiekou tower)`.
pub fn describe(g: &CaseGraph, n: NodeRef) -> String {
    let id = node_text(g, n);
    let name = match n.kind {
        NodeKind::Person => g.persons[n.idx as usize].name,
        NodeKind::Location => g.locations[n.idx as usize].name,
        _ => super::Sym::NONE,
    };
    if name.is_some() && !g.str(name).is_empty() {
        format!("{} {} ({})", n.kind, id, g.str(name))
    } else {
        format!("{} {}", n.kind, id)
    }
}

fn split_kind(text: &str) -> Result<(Option<NodeKind>, &str), LookupError> {
    match text.split_once(':') {
        Some((k, rest)) if !k.is_empty() && k.chars().all(|c| c.is_ascii_alphabetic()) => {
            match NodeKind::parse(k) {
                Some(kind) => Ok((Some(kind), rest)),
                None => Err(LookupError::UnknownKind {
                    text: text.to_string(),
                    kind: k.to_string(),
                }),
            }
        }
        _ => Ok((None, text)),
    }
}

/// Every (node, text) pair a node answers to: its id, and for persons their
/// name and aliases.
fn names(g: &CaseGraph) -> impl Iterator<Item = (NodeRef, Sym)> + '_ {
    let nr = |kind, idx: usize| NodeRef {
        kind,
        idx: idx as u32,
    };
    let persons = g.persons.iter().enumerate().flat_map(move |(i, p)| {
        let n = nr(NodeKind::Person, i);
        let aliases = g.list(p.aliases).iter().map(move |&s| (n, Sym(s)));
        [(n, p.person_id), (n, p.name)].into_iter().chain(aliases)
    });
    fn simple(kind: NodeKind, table: &[Sym]) -> impl Iterator<Item = (NodeRef, Sym)> + '_ {
        table.iter().enumerate().map(move |(i, &s)| {
            (
                NodeRef {
                    kind,
                    idx: i as u32,
                },
                s,
            )
        })
    }
    let locations = g
        .locations
        .iter()
        .enumerate()
        .map(move |(i, l)| (nr(NodeKind::Location, i), l.location_id));
    let incidents = g
        .incidents
        .iter()
        .enumerate()
        .map(move |(i, x)| (nr(NodeKind::Incident, i), x.incident_id));
    persons
        .chain(simple(NodeKind::Phone, &g.phones))
        .chain(simple(NodeKind::Handset, &g.handsets))
        .chain(locations)
        .chain(incidents)
        .chain(simple(NodeKind::Account, &g.accounts))
        .filter(move |(_, t)| t.is_some() && !g.str(*t).is_empty())
}

/// The sorted index of every (text, node) pair, for [`CaseGraph::names`].
///
/// # Complexity
/// O(n log n) string comparisons over the n names (parallel sort).
pub fn name_index(g: &CaseGraph) -> Vec<NameEntry> {
    // Sorted on the text's bytes (the same order as the strings'), looked
    // up once per entry rather than twice per comparison.
    let mut keyed: Vec<(&[u8], NameEntry)> = names(g)
        .map(|(n, text)| {
            let entry = NameEntry {
                text,
                kind: n.kind as u32,
                idx: n.idx,
            };
            (g.strings.bytes(text), entry)
        })
        .collect();
    keyed.par_sort_unstable_by(|(ta, a), (tb, b)| {
        ta.cmp(tb).then(a.kind.cmp(&b.kind)).then(a.idx.cmp(&b.idx))
    });
    let mut out: Vec<NameEntry> = keyed.into_iter().map(|(_, e)| e).collect();
    out.dedup();
    out
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
    fn every_spelling_of_a_number_finds_the_one_phone() {
        let g = tiny();
        let l = Lookup::new(&g);
        let boss = l.find("13900000001").unwrap();
        assert_eq!(boss.kind, NodeKind::Phone);
        for s in [
            "+86 139 0000 0001",
            "008613900000001",
            "139-0000-0001",
            "phone:13900000001",
        ] {
            assert_eq!(l.find(s).unwrap(), boss, "{s}");
        }
        assert_eq!(l.find("10086").unwrap().kind, NodeKind::Phone);
    }

    #[test]
    fn the_name_index_is_sorted_and_answers_for_every_node() {
        let g = tiny();
        let texts: Vec<(&str, u32, u32)> = g
            .names
            .iter()
            .map(|n| (g.str(n.text), n.kind, n.idx))
            .collect();
        assert!(texts.windows(2).all(|w| w[0] < w[1]), "sorted, no repeats");
        for &kind in NodeKind::ALL {
            for idx in 0..crate::graph::links::node_count(&g, kind) as u32 {
                let n = NodeRef { kind, idx };
                assert!(
                    texts.contains(&(node_text(&g, n), kind as u32, idx)),
                    "{n:?} answers to its id"
                );
            }
        }
        // A snapshot keeps it, and refuses one out of order.
        let back = crate::snapshot::from_bytes(&crate::snapshot::to_bytes(&g)).unwrap();
        assert_eq!(back.names, g.names);
        let mut forged = g.clone();
        let mut rows = forged.names.to_vec();
        rows.swap(0, 1);
        forged.names = rows.into();
        let err = crate::snapshot::validate(&forged).unwrap_err();
        assert!(err.contains("name index out of order"), "{err}");
    }

    #[test]
    fn ids_of_every_kind_resolve() {
        let g = tiny();
        let l = Lookup::new(&g);
        let kind = |t: &str| l.find(t).unwrap().kind;
        assert_eq!(kind("P03"), NodeKind::Person);
        assert_eq!(kind("李强"), NodeKind::Person);
        assert_eq!(kind("老张"), NodeKind::Person, "an alias");
        assert_eq!(kind("356938035643809"), NodeKind::Handset);
        assert_eq!(kind("C2"), NodeKind::Location);
        assert_eq!(kind("I3"), NodeKind::Incident);
        assert_eq!(kind("6222020000000002"), NodeKind::Account);
    }

    #[test]
    fn a_typo_gets_suggestions_and_an_unknown_kind_is_named() {
        let g = tiny();
        let l = Lookup::new(&g);
        let err = l.find("I33").unwrap_err();
        let LookupError::NotFound { suggestions, .. } = &err else {
            panic!("{err}")
        };
        assert!(suggestions.iter().any(|c| c.text == "I3"), "{err}");
        assert!(err.to_string().contains("did you mean"), "{err}");
        let err = l.find("gang:7").unwrap_err();
        assert!(matches!(err, LookupError::UnknownKind { .. }), "{err}");
    }

    #[test]
    fn a_name_shared_by_two_records_is_ambiguous_until_a_kind_or_id_is_given() {
        let dir = tempfile::tempdir().unwrap();
        let write = |f: &str, body: &str| std::fs::write(dir.path().join(f), body).unwrap();
        write(
            "calls.csv",
            "caller,callee,start\n13800000001,13800000002,2026-03-01 09:00:00\n",
        );
        write("persons.csv", "person_id,name\nA1,Li Na\nA2,Li Na\n");
        let g = ingest_case(dir.path(), &IngestConfig::default()).unwrap();
        let l = Lookup::new(&g);
        let err = l.find("Li Na").unwrap_err();
        let LookupError::Ambiguous { matches, .. } = &err else {
            panic!("{err}")
        };
        assert_eq!(matches.len(), 2);
        assert!(
            err.to_string()
                .contains("person A1 (Li Na), person A2 (Li Na)"),
            "{err}"
        );
        assert_eq!(l.find("A2").unwrap().idx, 1);
    }
}
