//! Bad and awkward input: every reject reason of the contract, a BOM, CRLF
//! endings, quoted fields with commas and newlines, columns in another
//! order, a column mapping, every phone spelling, and files unreadable as a
//! whole. Fixtures are made by tests/fixtures/make_fixtures.py.

use super::util::*;

#[test]
fn messy_case_rejects_exactly_the_bad_rows_with_reasons() {
    let g = ingest(&fixture("tests/fixtures/messy"));
    let expected: &[(&str, u64, &str)] = &[
        (
            "locations.csv",
            3,
            "column \"lat\": expected degrees between -90 and 90, found \"91.5\"",
        ),
        (
            "locations.csv",
            4,
            "expected a unique id, found \"C1, north\" already at line 2",
        ),
        (
            "persons.csv",
            4,
            "column \"name\": expected a value, found an empty field",
        ),
        (
            "persons.csv",
            5,
            "column \"person_id\": expected a unique id, found \"P1\" already at line 2",
        ),
        ("persons.csv", 6, "column \"role\": expected one of"),
        (
            "persons.csv",
            7,
            "column \"dob\": expected a date like 2026-03-14, found \"01/02/1990\"",
        ),
        (
            "persons.csv",
            8,
            "column \"phones\": expected a phone number of digits and separators, found 'I'",
        ),
        (
            "phones.csv",
            3,
            "column \"number\": expected a phone number",
        ),
        ("phones.csv", 4, "column \"activated\": expected a date"),
        (
            "phones.csv",
            5,
            "column \"deactivated\": expected a date on or after activated",
        ),
        (
            "calls.csv",
            3,
            "column \"caller\": expected a value, found an empty field",
        ),
        (
            "calls.csv",
            4,
            "column \"start\": expected a time like 2026-03-14 21:05:33, found \"yesterday\"",
        ),
        (
            "calls.csv",
            5,
            "column \"duration_s\": expected whole seconds >= 0, found \"-5\"",
        ),
        (
            "calls.csv",
            6,
            "column \"callee\": expected a phone number of digits and separators, found 'O'",
        ),
        (
            "calls.csv",
            7,
            "column \"kind\": expected one of `voice`, `sms`, `forwarded`, found \"fax\"",
        ),
        (
            "calls.csv",
            8,
            "expected 10 fields as in the header, found 4",
        ),
        ("calls.csv", 10, "expected UTF-8 text"),
        (
            "calls.csv",
            12,
            "expected a phone number of at least 3 digits, found 2",
        ),
        (
            "calls.csv",
            13,
            "column \"duration_s\": expected whole seconds >= 0, found \"1.5\"",
        ),
        ("incidents.csv", 3, "column \"category\": expected one of"),
        ("incidents.csv", 4, "column \"time\": expected a time"),
        (
            "incidents.csv",
            5,
            "column \"loss\": expected an amount in yuan >= 0, found \"-10\"",
        ),
        (
            "incidents.csv",
            6,
            "column \"incident_id\": expected a value",
        ),
        (
            "incidents.csv",
            8,
            "expected a unique id, found \"I1\" already at line 2",
        ),
    ];
    let got = &g.report.rejects;
    assert_eq!(got.len(), expected.len(), "{got:#?}");
    for (r, (file, line, reason)) in got.iter().zip(expected) {
        assert_eq!(
            (r.position.file.as_str(), r.position.line),
            (*file, *line),
            "{r}"
        );
        assert!(
            r.reason.contains(reason),
            "{r}: expected a reason containing {reason:?}"
        );
    }
    // The rejected row stays whole beside its reason.
    assert_eq!(got[1].raw, ["C1, north", "Again", "32.0", "118.0"]);
}

#[test]
fn nothing_is_lost_rows_read_is_kept_plus_rejected_plus_duplicates() {
    let g = ingest(&fixture("tests/fixtures/messy"));
    for f in &g.report.files {
        assert_eq!(
            f.rows_read,
            f.kept + f.rejected + f.duplicates,
            "{}",
            f.file
        );
    }
    let calls = g
        .report
        .files
        .iter()
        .find(|f| f.file == "calls.csv")
        .unwrap();
    assert_eq!(
        (
            calls.rows_read,
            calls.kept,
            calls.rejected,
            calls.duplicates
        ),
        (12, 2, 9, 1)
    );
    assert_eq!(calls.duplicate_rows[0].line, 9);
    assert_eq!(calls.duplicate_rows[0].duplicate_of, 2);
    assert_eq!(
        calls.ignored_columns,
        ["note"],
        "an unknown calls column is reported once"
    );
    let persons = g
        .report
        .files
        .iter()
        .find(|f| f.file == "persons.csv")
        .unwrap();
    assert_eq!((persons.rows_read, persons.kept), (7, 2));
}

#[test]
fn bom_crlf_quotes_and_reordered_columns_are_read_right() {
    let g = ingest(&fixture("tests/fixtures/messy"));
    // Row 2 and row 11 of calls.csv, columns in another order, under a BOM and CRLF.
    assert_eq!(g.events.len(), 2);
    let e = &g.events[0];
    assert_eq!(g.phone_number(e.caller), "+8613900139000");
    assert_eq!(g.phone_number(e.callee), "+8613800138000");
    assert_eq!(
        g.str(g.locations[e.caller_location as usize].location_id),
        "C1, north"
    );
    assert_eq!(e.line, 2);
    let sms = &g.events[1];
    assert!(sms.is_text());
    assert_eq!(sms.caller, e.caller, "+86 139 0013 9000 is the same phone");
    // The quoted address keeps its comma and newline; the record starts on line 2.
    let p1 = &g.persons[0];
    assert_eq!(g.str(p1.address), "1 Zhongshan Rd,\nNanjing");
    assert_eq!(p1.line, 2);
    assert_eq!(g.persons[1].line, 9);
    assert_eq!(
        g.persons[1].role(),
        casegraph::model::PersonRole::Victim,
        "VICTIM in capitals"
    );
    // The incident naming an unknown victim is kept, with a notice.
    assert_eq!(g.incidents.len(), 2);
    assert!(
        g.report.notices.iter().any(|n| n.contains("P404")),
        "{:?}",
        g.report.notices
    );
}

#[test]
fn a_column_mapping_reads_a_carrier_export_and_every_spelling_is_one_phone() {
    let dir = fixture("tests/fixtures/mapped");
    let config = casegraph::ingest::IngestConfig {
        mapping: casegraph::ingest::ColumnMapping::load(&dir.join("mapping.toml")).unwrap(),
        ..Default::default()
    };
    let g = casegraph::ingest::ingest_case(&dir, &config).unwrap();
    assert!(g.report.rejects.is_empty(), "{:?}", g.report.rejects);
    assert_eq!(g.events.len(), 7);
    assert_eq!(
        g.phones.len(),
        2,
        "seven spellings of one number, and 10086"
    );
    assert_eq!(g.call_links.len(), 1);
    assert_eq!(g.call_links[0].n_calls, 7);
    assert_eq!(g.call_links[0].total_seconds, 280);
    assert_eq!(
        g.report
            .files
            .iter()
            .find(|f| f.file == "cdr_export.csv")
            .unwrap()
            .kept,
        7
    );
}

#[test]
fn files_unreadable_as_a_whole_stop_with_a_reason() {
    let cases = [
        (
            "tests/fixtures/no_start_column",
            "expected required column \"start\"",
        ),
        ("tests/fixtures/gbk_header", "expected UTF-8 text"),
        ("tests/fixtures/binary", "binary data"),
        (
            "tests/fixtures/no_calls",
            "calls.csv: expected the required file",
        ),
    ];
    for (dir, reason) in cases {
        let err = casegraph::ingest::ingest_case(&fixture(dir), &Default::default()).unwrap_err();
        assert!(err.to_string().contains(reason), "{dir}: {err}");
    }
}
