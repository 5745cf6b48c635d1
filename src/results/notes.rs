//! The analyst's notes (see [`crate::notes`]) applied to a leads run: a
//! lead the analyst dismissed is listed apart (dismissed.csv), the others
//! ranked again without it; a confirmed lead says who confirmed it and
//! when, as the first of its reasons. The detectors never read the notes:
//! the run's gangs and scores are the evidence's, the statuses are the
//! analyst's, and the output keeps the two apart.

use crate::lead::LeadRun;
use crate::notes::{LeadStatus, Notes};

/// The key of a lead in the notes file: `entity_kind:entity`.
fn key(l: &crate::lead::Lead) -> String {
    format!("{}:{}", l.entity_kind, l.entity)
}

/// Apply `notes` to `run` (see the module doc). O(leads log notes).
pub fn apply(run: &mut LeadRun, notes: &Notes) {
    let mut kept = Vec::with_capacity(run.leads.len());
    for mut l in std::mem::take(&mut run.leads) {
        let Some(note) = notes.entities.get(&key(&l)) else {
            kept.push(l);
            continue;
        };
        let who = note.analyst.as_deref().unwrap_or("an analyst");
        let when = note
            .updated
            .as_deref()
            .map(|u| format!(" on {u}"))
            .unwrap_or_default();
        match note.status {
            Some(LeadStatus::Dismissed) => {
                l.reasons
                    .insert(0, format!("dismissed by {who}{when} (notes file)"));
                run.dismissed.push(l);
            }
            Some(LeadStatus::Confirmed) => {
                l.reasons
                    .insert(0, format!("confirmed by {who}{when} (notes file)"));
                kept.push(l);
            }
            _ => kept.push(l),
        }
    }
    for (i, l) in kept.iter_mut().enumerate() {
        l.rank = i as u32 + 1;
    }
    run.leads = kept;
    run.analyst_notes = notes
        .entities
        .iter()
        .map(|(entity, n)| crate::lead::AnalystNote {
            entity: entity.clone(),
            label: n.label.clone(),
            note: n.note.clone(),
            status: n.status.map(|s| s.as_str().to_string()),
            analyst: n.analyst.clone(),
            updated: n.updated.clone(),
        })
        .collect();
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::notes::EntityNote;

    #[test]
    fn dismissed_leads_are_listed_apart_and_the_rest_ranked_again() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/demo");
        let g = crate::open_case(&dir, &crate::ingest::IngestConfig::default()).unwrap();
        let mut run = crate::lead::run(&g, &crate::lead::LeadConfig::default()).unwrap();
        assert!(run.leads.len() >= 3);
        let (first, second) = (run.leads[0].clone(), run.leads[1].clone());
        let mut notes = Notes::default();
        notes.entities.insert(
            key(&first),
            EntityNote {
                status: Some(LeadStatus::Dismissed),
                analyst: Some("wang".into()),
                ..Default::default()
            },
        );
        notes.entities.insert(
            key(&second),
            EntityNote {
                status: Some(LeadStatus::Confirmed),
                analyst: Some("li".into()),
                ..Default::default()
            },
        );
        let n = run.leads.len();
        apply(&mut run, &notes);
        assert_eq!(run.dismissed.len(), 1);
        assert_eq!(run.dismissed[0].entity, first.entity);
        assert!(run.dismissed[0].reasons[0].starts_with("dismissed by wang"));
        assert_eq!(run.leads.len(), n - 1);
        assert_eq!(run.leads[0].entity, second.entity);
        assert_eq!(run.leads[0].rank, 1);
        assert!(run.leads[0].reasons[0].starts_with("confirmed by li"));
        assert!(run.leads.iter().all(|l| l.entity != first.entity));
        // The report gets every note, in key order.
        assert_eq!(run.analyst_notes.len(), 2);
        assert!(run
            .analyst_notes
            .windows(2)
            .all(|w| w[0].entity < w[1].entity));
        let dismissed = run
            .analyst_notes
            .iter()
            .find(|n| n.entity == key(&first))
            .unwrap();
        assert_eq!(dismissed.status.as_deref(), Some("dismissed"));
        assert_eq!(dismissed.analyst.as_deref(), Some("wang"));
    }
}
