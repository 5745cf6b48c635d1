//! The analyst's notes on a case: a label (an alias for a number), a free
//! note, and a lead status (`new`, `confirmed`, `dismissed`) per entity,
//! kept in one JSON file beside the case (`demo.cgs` → `demo.notes.json`).
//!
//! The file is the only thing `casegraph serve` writes. Every change is a
//! patch applied under an exclusive lock on a lock file beside it
//! (`.demo.notes.json.lock`): the file is read again under the lock, the
//! patch is merged into what is there, and the result is written
//! atomically ([`crate::atomic`]). So two browser tabs, or two servers on
//! one case, never lose each other's notes: each patch changes only the
//! fields it names on the one entity it names.
//!
//! # Format (`casegraph-notes/1`)
//!
//! ```json
//! {
//!   "format": "casegraph-notes/1",
//!   "entities": {
//!     "phone:+8618641553094": {
//!       "label": "G1 boss",
//!       "note": "seen at the den on 3 days",
//!       "status": "confirmed",
//!       "analyst": "li.wei",
//!       "updated": "2026-12-02T16:20:00Z",
//!       "gang": {
//!         "gang_id": "G1",
//!         "phones": ["+8613512345678", "+8615543352115"]
//!       }
//!     },
//!     "person:HK-002045": {
//!       "status": "confirmed",
//!       "analyst": "li.wei",
//!       "updated": "2026-12-02T16:25:00Z",
//!       "gang": {
//!         "gang_id": "G1",
//!         "phones": ["+8613512345678", "+8618641553094"]
//!       }
//!     }
//!   }
//! }
//! ```
//!
//! Keys are `KIND:ID` with the node kind (`phone`, `person`, `handset`,
//! `location`, `incident`, `account`) and the id as the case files spell
//! it (the number canonical, `+86…`), the same keys `leads.json` names its
//! entities by (`entity_kind:entity`). Every field is optional; `status`
//! is one of `new`, `confirmed`, `dismissed`; `analyst` and `updated` say
//! who changed the entry last and when (UTC). Keys are sorted, so the file
//! diffs well.
//!
//! `gang` is written when a phone or a person that is a gang member in
//! the leads folder `casegraph serve` shows is confirmed: the gang's id
//! then and its mates' phones. For a phone, the gang's other phones; for
//! a person (`person:ID`, the persons.csv person_id that gangs.csv's
//! person rows and a member's `person_ids` name), the phones of the
//! gang's other holders (its own phones left out). Gang ids are the run's
//! and change between runs, so the phones are the key: the next `leads`
//! run keeps the confirmed phone or person in the gang that holds most of
//! them (see [`crate::results::notes`]).
//! Setting the status to anything but `confirmed` removes it. Files
//! written before `gang` existed load as they are (no gang recorded).

use crate::atomic::write_atomically;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fs::OpenOptions;
use std::path::{Path, PathBuf};

/// The format tag written in every notes file.
pub const FORMAT: &str = "casegraph-notes/1";
/// The longest label kept, in characters.
pub const MAX_LABEL_CHARS: usize = 200;
/// The longest note kept, in characters.
pub const MAX_NOTE_CHARS: usize = 10_000;

/// A lead's status as the analyst set it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LeadStatus {
    New,
    Confirmed,
    Dismissed,
}

impl LeadStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            LeadStatus::New => "new",
            LeadStatus::Confirmed => "confirmed",
            LeadStatus::Dismissed => "dismissed",
        }
    }
    pub fn parse(s: &str) -> Option<LeadStatus> {
        match s {
            "new" => Some(LeadStatus::New),
            "confirmed" => Some(LeadStatus::Confirmed),
            "dismissed" => Some(LeadStatus::Dismissed),
            _ => None,
        }
    }
}

/// What the analyst wrote about one entity.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct EntityNote {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<LeadStatus>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub analyst: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated: Option<String>,
    /// The gang a confirmed phone or person was a member of when it was
    /// confirmed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gang: Option<ConfirmedGang>,
}

/// The gang a phone or person was confirmed a member of, as the leads run
/// the analyst was looking at had it: its id there, and its mates' phones
/// (canonical numbers, sorted), which outlive the id: a phone's the
/// gang's other phones, a person's the phones of the gang's other holders.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConfirmedGang {
    pub gang_id: String,
    #[serde(default)]
    pub phones: Vec<String>,
}

impl EntityNote {
    fn is_empty(&self) -> bool {
        self.label.is_none() && self.note.is_none() && self.status.is_none()
    }
}

/// The whole notes file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Notes {
    pub format: String,
    #[serde(default)]
    pub entities: BTreeMap<String, EntityNote>,
}

impl Default for Notes {
    fn default() -> Self {
        Notes {
            format: FORMAT.to_string(),
            entities: BTreeMap::new(),
        }
    }
}

/// One change: the fields given are set (an empty string clears a label
/// or note; `status` may be set back to `new`), the others are kept.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NotePatch {
    /// `KIND:ID` of the entity.
    pub entity: String,
    #[serde(default)]
    pub label: Option<String>,
    #[serde(default)]
    pub note: Option<String>,
    #[serde(default)]
    pub status: Option<String>,
    /// With `status` `confirmed`: the gang the phone or person is confirmed
    /// a member of. Never read from a request body: the server fills it in
    /// from its leads folder.
    #[serde(skip)]
    pub gang: Option<ConfirmedGang>,
}

/// Why the notes file could not be read or changed.
#[derive(Debug, thiserror::Error)]
pub enum NotesError {
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}: expected a casegraph notes file ({FORMAT}), found {found}")]
    Format { path: PathBuf, found: String },
    #[error("{0}")]
    Invalid(String),
}

/// `demo.cgs` → `demo.notes.json`, `cases/demo` (a folder) → `cases/demo.notes.json`.
pub fn notes_path_for(case: &Path) -> PathBuf {
    let name = case
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "case".into());
    case.with_file_name(format!("{name}.notes.json"))
}

/// Read the notes file; a missing file is no notes.
pub fn load(path: &Path) -> Result<Notes, NotesError> {
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Notes::default()),
        Err(source) => {
            return Err(NotesError::Io {
                path: path.to_path_buf(),
                source,
            })
        }
    };
    let notes: Notes = serde_json::from_slice(&bytes).map_err(|e| NotesError::Format {
        path: path.to_path_buf(),
        found: format!("invalid JSON ({e})"),
    })?;
    if notes.format != FORMAT {
        return Err(NotesError::Format {
            path: path.to_path_buf(),
            found: format!("format {:?}", notes.format),
        });
    }
    Ok(notes)
}

/// Check a patch before taking the lock: lengths and the status word.
pub fn check(patch: &NotePatch) -> Result<Option<LeadStatus>, NotesError> {
    let (kind, id) = patch.entity.split_once(':').ok_or_else(|| {
        NotesError::Invalid(format!(
            "entity: expected KIND:ID like phone:+8613800138000, found {:?}",
            patch.entity
        ))
    })?;
    if crate::model::NodeKind::parse(kind).is_none() || id.is_empty() {
        return Err(NotesError::Invalid(format!(
            "entity: expected KIND:ID with KIND one of {}, found {:?}",
            crate::model::NodeKind::expected(),
            patch.entity
        )));
    }
    if let Some(l) = &patch.label {
        if l.chars().count() > MAX_LABEL_CHARS {
            return Err(NotesError::Invalid(format!(
                "label: expected at most {MAX_LABEL_CHARS} characters, found {}",
                l.chars().count()
            )));
        }
    }
    if let Some(n) = &patch.note {
        if n.chars().count() > MAX_NOTE_CHARS {
            return Err(NotesError::Invalid(format!(
                "note: expected at most {MAX_NOTE_CHARS} characters, found {}",
                n.chars().count()
            )));
        }
    }
    patch
        .status
        .as_deref()
        .map(|s| {
            LeadStatus::parse(s).ok_or_else(|| {
                NotesError::Invalid(format!(
                    "status: expected new, confirmed or dismissed, found {s:?}"
                ))
            })
        })
        .transpose()
}

/// Apply one patch to the notes file at `path` under its lock: read what
/// is there now, merge, write atomically. Returns the notes as written.
pub fn apply(
    path: &Path,
    patch: &NotePatch,
    analyst: &str,
    now_utc: &str,
) -> Result<Notes, NotesError> {
    let status = check(patch)?;
    let lock_path = lock_path(path);
    let lock = OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&lock_path)
        .map_err(|source| NotesError::Io {
            path: lock_path.clone(),
            source,
        })?;
    fs4::fs_std::FileExt::lock_exclusive(&lock).map_err(|source| NotesError::Io {
        path: lock_path.clone(),
        source,
    })?;
    // The lock is released when `lock` is dropped, also on error.
    let mut notes = load(path)?;
    let entry = notes.entities.entry(patch.entity.clone()).or_default();
    let text = |s: &String| (!s.trim().is_empty()).then(|| s.clone());
    if let Some(l) = &patch.label {
        entry.label = text(l);
    }
    if let Some(n) = &patch.note {
        entry.note = text(n);
    }
    if let Some(s) = status {
        entry.status = (s != LeadStatus::New).then_some(s);
        if s == LeadStatus::Confirmed {
            // Confirmed again without a gang at hand (no leads folder, or
            // the phone or person in none): the gang it was confirmed with
            // stays.
            if patch.gang.is_some() {
                entry.gang = patch.gang.clone();
            }
        } else {
            entry.gang = None;
        }
    }
    entry.analyst = Some(analyst.to_string());
    entry.updated = Some(now_utc.to_string());
    if entry.is_empty() {
        notes.entities.remove(&patch.entity);
    }
    let mut bytes = serde_json::to_vec_pretty(&notes).expect("notes serialise");
    bytes.push(b'\n');
    write_atomically(path, &bytes).map_err(|e| NotesError::Invalid(e.to_string()))?;
    drop(lock);
    Ok(notes)
}

/// `.demo.notes.json.lock` beside the notes file.
fn lock_path(path: &Path) -> PathBuf {
    let name = path
        .file_name()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "notes.json".into());
    path.with_file_name(format!(".{name}.lock"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn patch(entity: &str) -> NotePatch {
        NotePatch {
            entity: entity.into(),
            ..Default::default()
        }
    }

    #[test]
    fn patches_merge_field_by_field() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("case.notes.json");
        let mut a = patch("phone:+8613800138000");
        a.label = Some("boss".into());
        apply(&path, &a, "li", "t1").unwrap();
        let mut b = patch("phone:+8613800138000");
        b.status = Some("dismissed".into());
        let notes = apply(&path, &b, "wang", "t2").unwrap();
        let e = &notes.entities["phone:+8613800138000"];
        assert_eq!(e.label.as_deref(), Some("boss"));
        assert_eq!(e.status, Some(LeadStatus::Dismissed));
        assert_eq!(e.analyst.as_deref(), Some("wang"));
        assert_eq!(load(&path).unwrap(), notes);
    }

    fn gang(id: &str, phones: &[&str]) -> ConfirmedGang {
        ConfirmedGang {
            gang_id: id.into(),
            phones: phones.iter().map(|p| p.to_string()).collect(),
        }
    }

    #[test]
    fn a_confirmed_member_keeps_its_gang_until_the_status_changes() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("case.notes.json");
        let mut p = patch("phone:+8613800138000");
        p.status = Some("confirmed".into());
        p.gang = Some(gang("G2", &["+8613800138001", "+8613800138002"]));
        apply(&path, &p, "li", "t1").unwrap();
        // Confirmed again without a gang (no leads folder): it stays.
        p.gang = None;
        let notes = apply(&path, &p, "li", "t2").unwrap();
        let e = &notes.entities["phone:+8613800138000"];
        assert_eq!(
            e.gang,
            Some(gang("G2", &["+8613800138001", "+8613800138002"]))
        );
        assert_eq!(load(&path).unwrap(), notes, "written and read back");
        // A label alone leaves it.
        let mut l = patch("phone:+8613800138000");
        l.label = Some("driver".into());
        assert!(
            apply(&path, &l, "wang", "t3").unwrap().entities["phone:+8613800138000"]
                .gang
                .is_some()
        );
        // Dismissed, the gang goes with the confirmation.
        p.status = Some("dismissed".into());
        let notes = apply(&path, &p, "li", "t4").unwrap();
        assert_eq!(notes.entities["phone:+8613800138000"].gang, None);
    }

    #[test]
    fn a_confirmed_person_keeps_its_gang_until_the_status_changes() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("case.notes.json");
        let mut p = patch("person:BK-000587");
        p.status = Some("confirmed".into());
        p.gang = Some(gang("G3", &["+8613800138001", "+8613800138002"]));
        let notes = apply(&path, &p, "li", "t1").unwrap();
        assert_eq!(
            notes.entities["person:BK-000587"].gang,
            Some(gang("G3", &["+8613800138001", "+8613800138002"]))
        );
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.contains("\"person:BK-000587\""), "{text}");
        assert!(text.contains("\"gang_id\": \"G3\""), "{text}");
        assert_eq!(load(&path).unwrap(), notes, "written and read back");
        // Confirmed again from a server without that gang: it stays.
        p.gang = None;
        assert!(
            apply(&path, &p, "li", "t2").unwrap().entities["person:BK-000587"]
                .gang
                .is_some()
        );
        // Set back to new: the status and the gang go, and with nothing
        // else on the person, the entry.
        p.status = Some("new".into());
        assert!(apply(&path, &p, "li", "t3").unwrap().entities.is_empty());
    }

    /// Two tabs confirming at once, one a phone and one a person, each
    /// with its gang, and a third labelling the phone: every gang and
    /// label is in the file, through the one locked write path.
    #[test]
    fn two_tabs_confirming_a_phone_and_a_person_at_once_keep_both_gangs() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("case.notes.json");
        for round in 0..20 {
            std::thread::scope(|s| {
                let path = &path;
                s.spawn(move || {
                    let mut p = patch("phone:+8613800138000");
                    p.status = Some("confirmed".into());
                    p.gang = Some(gang(&format!("G{round}"), &["+8613800138001"]));
                    apply(path, &p, "li", "t").unwrap();
                });
                s.spawn(move || {
                    let mut p = patch("person:P01");
                    p.status = Some("confirmed".into());
                    p.gang = Some(gang(&format!("G{round}"), &["+8613800138002"]));
                    apply(path, &p, "wang", "t").unwrap();
                });
                s.spawn(move || {
                    let mut p = patch("phone:+8613800138000");
                    p.label = Some(format!("boss {round}"));
                    apply(path, &p, "zhao", "t").unwrap();
                });
            });
            let notes = load(&path).unwrap();
            let phone = &notes.entities["phone:+8613800138000"];
            let person = &notes.entities["person:P01"];
            assert_eq!(
                phone.gang,
                Some(gang(&format!("G{round}"), &["+8613800138001"]))
            );
            assert_eq!(
                phone.label.as_deref(),
                Some(format!("boss {round}").as_str())
            );
            assert_eq!(
                person.gang,
                Some(gang(&format!("G{round}"), &["+8613800138002"]))
            );
            assert_eq!(person.status, Some(LeadStatus::Confirmed));
        }
    }

    #[test]
    fn a_notes_file_written_before_gangs_were_recorded_still_loads() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("old.notes.json");
        std::fs::write(
            &path,
            r#"{"format":"casegraph-notes/1","entities":{"phone:+8618641553094":{"label":"G1 boss","status":"confirmed","analyst":"li.wei","updated":"2026-12-02T16:20:00Z"}}}"#,
        )
        .unwrap();
        let notes = load(&path).unwrap();
        let e = &notes.entities["phone:+8618641553094"];
        assert_eq!(e.status, Some(LeadStatus::Confirmed));
        assert_eq!(e.gang, None);
        // And an entry without a gang is written without the field.
        let mut p = patch("phone:+8618641553094");
        p.note = Some("seen at the den".into());
        apply(&path, &p, "li", "t").unwrap();
        assert!(!std::fs::read_to_string(&path).unwrap().contains("\"gang\""));
    }

    #[test]
    fn a_request_body_cannot_set_the_gang() {
        let body =
            r#"{"entity":"phone:1","status":"confirmed","gang":{"gang_id":"G9","phones":[]}}"#;
        assert!(serde_json::from_str::<NotePatch>(body).is_err());
    }

    #[test]
    fn clearing_every_field_removes_the_entry() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("n.json");
        let mut a = patch("person:P01");
        a.note = Some("x".into());
        apply(&path, &a, "li", "t").unwrap();
        a.note = Some(String::new());
        assert!(apply(&path, &a, "li", "t").unwrap().entities.is_empty());
    }

    #[test]
    fn bad_patches_are_refused_with_the_expected_form() {
        let e = check(&patch("+8613800138000")).unwrap_err().to_string();
        assert!(e.contains("expected KIND:ID"), "{e}");
        let e = check(&patch("planet:x")).unwrap_err().to_string();
        assert!(e.contains("KIND one of"), "{e}");
        let mut p = patch("phone:1");
        p.status = Some("maybe".into());
        let e = check(&p).unwrap_err().to_string();
        assert!(e.contains("found \"maybe\""), "{e}");
    }

    #[test]
    fn a_foreign_file_is_not_overwritten() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("n.json");
        std::fs::write(&path, "{\"format\":\"other\",\"entities\":{}}").unwrap();
        let mut p = patch("phone:1");
        p.label = Some("x".into());
        assert!(matches!(
            apply(&path, &p, "li", "t"),
            Err(NotesError::Format { .. })
        ));
        assert!(std::fs::read_to_string(&path).unwrap().contains("other"));
    }

    #[test]
    fn concurrent_writers_lose_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("n.json");
        std::thread::scope(|s| {
            for t in 0..4 {
                let path = &path;
                s.spawn(move || {
                    for i in 0..10 {
                        let mut p = patch(&format!("phone:{t}{i:02}"));
                        p.label = Some(format!("{t}-{i}"));
                        apply(path, &p, "li", "t").unwrap();
                    }
                });
            }
        });
        assert_eq!(load(&path).unwrap().entities.len(), 40);
    }
}
