//! Why records were (or were not) merged, in the investigator's words:
//! which fields agreed or disagreed, at what level, with what weight, and
//! the persons.csv lines of the records.

use super::cluster::Refusal;
use super::phones::{Conflict, PhoneAttachment};
use super::score::{Field, FIELDS, NULL};
use super::{Resolution, ScoredPair};
use crate::graph::{CaseGraph, NONE};

/// One field's part in a pair's score.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct FieldTerm {
    pub field: Field,
    /// Level name, or `not_compared`.
    pub level: &'static str,
    pub weight: f64,
}

/// The field terms of a pair, compared fields first in field order, then
/// the fields one of the records leaves empty.
pub fn field_terms(pair: &ScoredPair) -> Vec<FieldTerm> {
    let mut compared = Vec::new();
    let mut missing = Vec::new();
    for (f, &level) in pair.score.pattern.iter().enumerate() {
        let field = FIELDS[f];
        if level == NULL {
            missing.push(FieldTerm {
                field,
                level: "not_compared",
                weight: 0.0,
            });
        } else {
            compared.push(FieldTerm {
                field,
                level: field.levels()[level as usize],
                weight: pair.score.weights[f],
            });
        }
    }
    compared.extend(missing);
    compared
}

/// `P0007 (persons.csv:8)`.
pub fn record_name(graph: &CaseGraph, person: u32) -> String {
    let p = &graph.persons[person as usize];
    format!("{} (persons.csv:{})", graph.str(p.person_id), p.line)
}

/// `name=same_reading +5.2; id_number=exact +12.1` (compared fields only).
pub fn terms_text(pair: &ScoredPair) -> String {
    field_terms(pair)
        .iter()
        .filter(|t| t.level != "not_compared")
        .map(|t| format!("{}={} {:+.1}", t.field.as_str(), t.level, t.weight))
        .collect::<Vec<_>>()
        .join("; ")
}

/// The evidence column of a record: the strongest link holding it in its
/// individual, or why it stands alone.
pub fn record_evidence(graph: &CaseGraph, res: &Resolution, person: u32) -> String {
    let other = res.record_link[person as usize];
    if other == NONE {
        return "no other record of this individual".into();
    }
    match res.pair(person, other) {
        Some(pair) => format!("with {}: {}", record_name(graph, other), terms_text(pair)),
        None => format!("with {}", record_name(graph, other)),
    }
}

/// A link in an explanation.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct LinkExplanation {
    pub a: u32,
    pub b: u32,
    pub weight: f64,
    pub probability: f64,
    /// `merged`, `same individual` (held by other links), or why it was refused.
    pub outcome: String,
    pub terms: Vec<FieldTerm>,
}

/// Everything behind one individual.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Explanation {
    pub individual: u32,
    pub label: String,
    /// Person records, in file order.
    pub records: Vec<u32>,
    /// Compared pairs inside the individual, and refused links leaving it.
    pub links: Vec<LinkExplanation>,
    pub phones: Vec<PhoneAttachment>,
    pub conflicts: Vec<Conflict>,
}

/// Explain one individual.
pub fn explain_individual(graph: &CaseGraph, res: &Resolution, individual: u32) -> Explanation {
    let records = res.persons_of(individual);
    let of = |p: u32| res.individual_of_person[p as usize];
    let mut links = Vec::new();
    for pair in &res.pairs {
        let touches = of(pair.a) == individual || of(pair.b) == individual;
        if !touches {
            continue;
        }
        let inside = of(pair.a) == individual && of(pair.b) == individual;
        let key = (pair.a, pair.b);
        let outcome = if inside {
            let merge = res
                .merges
                .iter()
                .find(|m| (m.a.min(m.b), m.a.max(m.b)) == key);
            if merge.is_some_and(|m| m.decided) {
                "merged: analyst decided same".to_string()
            } else if merge.is_some() {
                "merged".to_string()
            } else {
                "same individual".to_string()
            }
        } else if let Some(r) = res
            .refused
            .iter()
            .find(|r| (r.a.min(r.b), r.a.max(r.b)) == key)
        {
            match &r.reason {
                Refusal::Rejected { a, b } => format!(
                    "refused: investigator rejected {} and {}",
                    graph.str(graph.persons[*a as usize].person_id),
                    graph.str(graph.persons[*b as usize].person_id)
                ),
                Refusal::WeakAverage { average } => format!(
                    "refused: clusters of {} and {} records average evidence {average:+.1}, below {:+.1}",
                    r.sizes.0, r.sizes.1, res.min_evidence
                ),
            }
        } else {
            continue;
        };
        links.push(LinkExplanation {
            a: pair.a,
            b: pair.b,
            weight: pair.score.total,
            probability: pair.score.probability(),
            outcome,
            terms: field_terms(pair),
        });
    }
    Explanation {
        individual,
        label: res.labels[individual as usize].clone(),
        records,
        links,
        phones: res
            .phones
            .attachments
            .iter()
            .filter(|a| a.individual == individual)
            .cloned()
            .collect(),
        conflicts: res
            .phones
            .conflicts
            .iter()
            .filter(|c| c.individuals.contains(&individual))
            .cloned()
            .collect(),
    }
}
