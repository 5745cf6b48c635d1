//! Nothing lost, as a property: proptest writes small cases (calls.csv,
//! persons.csv and phones.csv) of good rows with bad rows and exact
//! duplicates injected at random places, ingests them, and checks per file
//! that
//!
//! - rows kept + rows rejected + duplicates = rows read = rows written;
//! - the rejected rows are exactly the injected bad ones, by line number,
//!   and the duplicates exactly the injected copies;
//! - every kept row's facts are in the graph: each kept call is an event
//!   with its caller, callee, time, duration, kind and line; each kept
//!   person a person with its id, name, role and claimed phone; each kept
//!   registration one with its number, subscriber and activation date.
//!
//! Bad rows: a phone with a letter, an impossible or unreadable time, a
//! missing required value, a field too few or too many, a negative
//! duration, an unknown call kind or role, a deactivation before the
//! activation. A bad row repeated exactly is a duplicate (the copy is
//! counted as a duplicate, not a second reject, as the contract says).

use casegraph::model::time;
use proptest::prelude::*;
use std::collections::BTreeMap;

/// Phones of the case: `1380000000` + two digits.
fn number(k: u8) -> String {
    format!("138000000{k:02}")
}

fn canonical(k: u8) -> String {
    format!("+86{}", number(k))
}

/// A good call row's values.
#[derive(Debug, Clone)]
struct Call {
    caller: u8,
    callee: u8,
    day: u8,
    secs: u32,
    duration: u32,
    sms: bool,
}

impl Call {
    fn time(&self) -> String {
        let s = self.secs;
        format!(
            "2026-03-{:02} {:02}:{:02}:{:02}",
            self.day,
            s / 3600,
            s / 60 % 60,
            s % 60
        )
    }
    fn fields(&self) -> Vec<String> {
        vec![
            number(self.caller),
            number(self.callee),
            self.time(),
            self.duration.to_string(),
            if self.sms { "sms" } else { "voice" }.into(),
        ]
    }
}

fn call() -> impl Strategy<Value = Call> + Clone {
    (
        0u8..12,
        0u8..12,
        1u8..29,
        0u32..86_400,
        0u32..3_600,
        any::<bool>(),
    )
        .prop_map(|(caller, callee, day, secs, duration, sms)| Call {
            caller,
            callee,
            day,
            secs,
            duration,
            sms,
        })
}

/// How a row is spoiled.
#[derive(Debug, Clone, Copy)]
enum Spoil {
    PhoneWithLetter,
    BadTime,
    ImpossibleTime,
    MissingRequired,
    FieldTooFew,
    FieldTooMany,
    NegativeNumber,
    UnknownCode,
}

fn spoil() -> impl Strategy<Value = Spoil> {
    prop_oneof![
        Just(Spoil::PhoneWithLetter),
        Just(Spoil::BadTime),
        Just(Spoil::ImpossibleTime),
        Just(Spoil::MissingRequired),
        Just(Spoil::FieldTooFew),
        Just(Spoil::FieldTooMany),
        Just(Spoil::NegativeNumber),
        Just(Spoil::UnknownCode),
    ]
}

/// One row to write: good, spoiled, or an exact copy of an earlier row
/// (index into the rows so far, modulo their count).
#[derive(Debug, Clone)]
enum Row<T> {
    Good(T),
    Bad(T, Spoil),
    Copy(usize),
}

fn rows<T: std::fmt::Debug + Clone>(
    good: impl Strategy<Value = T> + Clone,
) -> impl Strategy<Value = Vec<Row<T>>> {
    prop::collection::vec(
        prop_oneof![
            6 => good.clone().prop_map(Row::Good),
            2 => (good, spoil()).prop_map(|(g, s)| Row::Bad(g, s)),
            1 => (0usize..1000).prop_map(Row::Copy),
        ],
        0..40,
    )
}

fn spoil_call(c: &Call, s: Spoil) -> Vec<String> {
    let mut f = c.fields();
    match s {
        Spoil::PhoneWithLetter => f[0] = format!("138O{}", &f[0][4..]),
        Spoil::BadTime => f[2] = "yesterday".into(),
        Spoil::ImpossibleTime => f[2] = format!("2026-02-30 {}", &f[2][11..]),
        Spoil::MissingRequired => f[1].clear(),
        Spoil::FieldTooFew => {
            f.pop();
        }
        Spoil::FieldTooMany => f.push("extra".into()),
        Spoil::NegativeNumber => f[3] = format!("-{}", c.duration + 1),
        Spoil::UnknownCode => f[4] = "fax".into(),
    }
    f
}

/// A good person row: its index makes the person_id unique.
#[derive(Debug, Clone)]
struct Person {
    phone: u8,
    name: u8,
    role: u8,
}

const ROLES: [&str; 5] = ["suspect", "victim", "witness", "subscriber", "unknown"];

fn person() -> impl Strategy<Value = Person> + Clone {
    (0u8..12, 0u8..50, 0u8..5).prop_map(|(phone, name, role)| Person { phone, name, role })
}

fn person_fields(p: &Person, i: usize) -> Vec<String> {
    vec![
        format!("P{i:03}"),
        format!("Name {}", p.name),
        number(p.phone),
        ROLES[p.role as usize].into(),
    ]
}

fn spoil_person(p: &Person, i: usize, s: Spoil) -> Vec<String> {
    let mut f = person_fields(p, i);
    match s {
        Spoil::PhoneWithLetter => f[2] = format!("{}x", f[2]),
        // persons.csv has no time column; a bad date of birth stands in.
        Spoil::BadTime | Spoil::ImpossibleTime => f.push("1990-02-30".into()),
        Spoil::MissingRequired => f[1].clear(),
        Spoil::FieldTooFew => {
            f.pop();
        }
        Spoil::FieldTooMany => {
            f.push(String::new());
            f.push("extra".into());
        }
        Spoil::NegativeNumber | Spoil::UnknownCode => f[3] = "boss".into(),
    }
    f
}

/// A good phones.csv registration: number, subscriber, activation date.
#[derive(Debug, Clone)]
struct Registration {
    phone: u8,
    subscriber: u8,
    day: u8,
}

fn registration() -> impl Strategy<Value = Registration> + Clone {
    (0u8..12, 0u8..20, 1u8..29).prop_map(|(phone, subscriber, day)| Registration {
        phone,
        subscriber,
        day,
    })
}

fn registration_fields(r: &Registration) -> Vec<String> {
    vec![
        number(r.phone),
        format!("Subscriber {}", r.subscriber),
        format!("2025-01-{:02}", r.day),
        String::new(),
    ]
}

fn spoil_registration(r: &Registration, s: Spoil) -> Vec<String> {
    let mut f = registration_fields(r);
    match s {
        Spoil::PhoneWithLetter => f[0] = format!("{}#", f[0]),
        Spoil::BadTime => f[2] = "last spring".into(),
        Spoil::ImpossibleTime => f[2] = "2025-01-32".into(),
        Spoil::MissingRequired => f[0].clear(),
        Spoil::FieldTooFew => {
            f.pop();
        }
        Spoil::FieldTooMany => f.push("extra".into()),
        // Deactivated before activated.
        Spoil::NegativeNumber | Spoil::UnknownCode => f[3] = "2024-12-31".into(),
    }
    f
}

/// What each written line should become.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fate {
    Kept,
    Rejected,
    Duplicate,
}

/// Lay out the rows of one file: their fields and their expected fates,
/// line numbers from 2 (the header is line 1).
fn lay_out<T: Clone>(
    rows: &[Row<T>],
    good: impl Fn(&T, usize) -> Vec<String>,
    bad: impl Fn(&T, usize, Spoil) -> Vec<String>,
) -> Vec<(Vec<String>, Fate, Option<T>)> {
    let mut out: Vec<(Vec<String>, Fate, Option<T>)> = Vec::new();
    for (i, row) in rows.iter().enumerate() {
        let (fields, bad_row, value) = match row {
            Row::Good(v) => (good(v, i), false, Some(v.clone())),
            Row::Bad(v, s) => (bad(v, i, *s), true, None),
            Row::Copy(k) if !out.is_empty() => {
                let (f, _, v) = &out[k % out.len()];
                (f.clone(), false, v.clone())
            }
            Row::Copy(_) => continue,
        };
        let fate = if out.iter().any(|(f, _, _)| *f == fields) {
            Fate::Duplicate
        } else if bad_row {
            Fate::Rejected
        } else {
            Fate::Kept
        };
        out.push((fields, fate, value));
    }
    out
}

fn write_file(
    path: &std::path::Path,
    header: &str,
    rows: &[(Vec<String>, Fate, Option<impl Sized>)],
) {
    let mut text = format!("{header}\n");
    for (f, _, _) in rows {
        text.push_str(&f.join(","));
        text.push('\n');
    }
    std::fs::write(path, text).unwrap();
}

/// Lines (from 2) of the rows with `fate`.
fn lines_with<T>(rows: &[(Vec<String>, Fate, T)], fate: Fate) -> Vec<u64> {
    rows.iter()
        .enumerate()
        .filter(|(_, r)| r.1 == fate)
        .map(|(i, _)| i as u64 + 2)
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn every_row_is_kept_rejected_or_a_duplicate_and_kept_rows_are_in_the_graph(
        call_rows in rows(call()),
        person_rows in rows(person()),
        registration_rows in rows(registration()),
    ) {
        let calls = lay_out(&call_rows, |c, _| c.fields(), |c, _, s| spoil_call(c, s));
        let persons = lay_out(
            &person_rows,
            |p, i| { let mut f = person_fields(p, i); f.push(String::new()); f },
            |p, i, s| {
                let mut f = spoil_person(p, i, s);
                // Good rows have five fields (dob empty); a spoilt row that
                // did not change the count gets its empty dob too.
                if matches!(s, Spoil::PhoneWithLetter | Spoil::MissingRequired | Spoil::NegativeNumber | Spoil::UnknownCode) {
                    f.push(String::new());
                }
                f
            },
        );
        let registrations = lay_out(
            &registration_rows,
            |r, _| registration_fields(r),
            |r, _, s| spoil_registration(r, s),
        );
        let tmp = tempfile::tempdir().unwrap();
        write_file(&tmp.path().join("calls.csv"), "caller,callee,start,duration_s,kind", &calls);
        write_file(&tmp.path().join("persons.csv"), "person_id,name,phones,role,dob", &persons);
        write_file(
            &tmp.path().join("phones.csv"),
            "number,subscriber_name,activated,deactivated",
            &registrations,
        );
        let g = casegraph::ingest::ingest_case(tmp.path(), &Default::default()).unwrap();

        for (file, rows) in [
            ("calls.csv", lines_and_fates(&calls)),
            ("persons.csv", lines_and_fates(&persons)),
            ("phones.csv", lines_and_fates(&registrations)),
        ] {
            let report = g.report.files.iter().find(|f| f.file == file).unwrap();
            prop_assert_eq!(report.rows_read, rows.len() as u64, "{} rows read", file);
            prop_assert_eq!(report.kept + report.rejected + report.duplicates, report.rows_read);
            let rejected: Vec<u64> = g.report.rejects.iter()
                .filter(|r| r.position.file == file)
                .map(|r| r.position.line)
                .collect();
            prop_assert_eq!(&rejected, &lines_with(&rows, Fate::Rejected), "{} rejects", file);
            let duplicates: Vec<u64> = report.duplicate_rows.iter().map(|d| d.line as u64).collect();
            prop_assert_eq!(&duplicates, &lines_with(&rows, Fate::Duplicate), "{} duplicates", file);
            prop_assert_eq!(report.kept, lines_with(&rows, Fate::Kept).len() as u64);
        }

        // Every kept call is an event with its facts and its line.
        let events: BTreeMap<u64, _> = g.events.iter().map(|e| (e.line as u64, *e)).collect();
        prop_assert_eq!(events.len(), g.events.len(), "one event per line");
        let kept_calls: Vec<(u64, &Call)> = calls.iter().enumerate()
            .filter(|(_, r)| r.1 == Fate::Kept)
            .map(|(i, r)| (i as u64 + 2, r.2.as_ref().unwrap()))
            .collect();
        prop_assert_eq!(kept_calls.len(), g.events.len());
        for (line, c) in kept_calls {
            let e = events.get(&line);
            prop_assert!(e.is_some(), "calls.csv:{} kept but no event", line);
            let e = e.unwrap();
            prop_assert_eq!(g.phone_number(e.caller), canonical(c.caller));
            prop_assert_eq!(g.phone_number(e.callee), canonical(c.callee));
            prop_assert_eq!(time::show(e.start), c.time());
            prop_assert_eq!(e.duration_s, c.duration);
            prop_assert_eq!(e.is_text(), c.sms);
        }

        // Every kept person is a person with its facts and its line.
        let kept_persons: Vec<(u64, usize, &Person)> = persons.iter().enumerate()
            .filter(|(_, r)| r.1 == Fate::Kept)
            .map(|(i, r)| (i as u64 + 2, i, r.2.as_ref().unwrap()))
            .collect();
        prop_assert_eq!(kept_persons.len(), g.persons.len());
        for (line, _, p) in kept_persons {
            let row = &persons[line as usize - 2].0;
            let found = g.persons.iter().enumerate().find(|(_, q)| g.str(q.person_id) == row[0]);
            prop_assert!(found.is_some(), "persons.csv:{} kept but no person {}", line, row[0]);
            let (idx, q) = found.unwrap();
            prop_assert_eq!(q.line as u64, line);
            prop_assert_eq!(g.str(q.name), format!("Name {}", p.name));
            prop_assert_eq!(q.role().as_str(), ROLES[p.role as usize]);
            let phones: Vec<&str> = g.phones_of_person(idx as u32).iter()
                .filter(|u| u.claimed())
                .map(|u| g.phone_number(u.phone))
                .collect();
            let claimed = canonical(p.phone);
            prop_assert_eq!(phones, vec![claimed.as_str()]);
        }

        // Every kept registration is one, with its number, subscriber, date and line.
        let kept: Vec<(u64, &Registration)> = registrations.iter().enumerate()
            .filter(|(_, r)| r.1 == Fate::Kept)
            .map(|(i, r)| (i as u64 + 2, r.2.as_ref().unwrap()))
            .collect();
        prop_assert_eq!(kept.len(), g.registrations.len());
        for (line, r) in kept {
            let reg = g.registrations.iter().find(|x| x.line as u64 == line);
            prop_assert!(reg.is_some(), "phones.csv:{} kept but no registration", line);
            let reg = reg.unwrap();
            prop_assert_eq!(g.phone_number(reg.phone), canonical(r.phone));
            prop_assert_eq!(g.str(reg.subscriber_name), format!("Subscriber {}", r.subscriber));
            prop_assert_eq!(time::show_date(reg.activated), format!("2025-01-{:02}", r.day));
        }
    }
}

fn lines_and_fates<T>(rows: &[(Vec<String>, Fate, T)]) -> Vec<(Vec<String>, Fate, ())> {
    rows.iter()
        .map(|(f, fate, _)| (f.clone(), *fate, ()))
        .collect()
}
