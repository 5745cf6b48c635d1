//! The binary as an investigator runs it: exit codes, the rejects file,
//! stats in every format, snapshots and folders giving the same answers.

use super::util::*;
use predicates::prelude::*;

#[test]
fn ingest_writes_snapshot_and_rejects_and_exits_0_despite_bad_rows() {
    let tmp = tempfile::tempdir().unwrap();
    let snap = tmp.path().join("messy.cgs");
    casegraph()
        .args([
            "ingest",
            fixture("tests/fixtures/messy").to_str().unwrap(),
            "-o",
            snap.to_str().unwrap(),
            "--format",
            "csv",
        ])
        .assert()
        .success()
        .stdout(predicate::str::contains("calls.csv,yes,12,2,9,1,note"))
        .stderr(predicate::str::contains(
            "24 row(s) rejected, 1 exact duplicate row(s) counted once;",
        ))
        .stderr(predicate::str::contains(
            "persons.csv:6: column \"role\": expected one of",
        ));
    let rejects = std::fs::read_to_string(tmp.path().join("messy.rejects.csv")).unwrap();
    let mut lines = rejects.lines();
    assert!(lines
        .next()
        .unwrap()
        .starts_with("file,line,reason,sheet,field_1,field_2,"));
    // 24 rejected rows and the one exact duplicate, among calls.csv's
    // rows by line.
    assert_eq!(rejects.lines().count(), 26);
    let calls: Vec<&str> = rejects
        .lines()
        .filter(|l| l.starts_with("calls.csv,"))
        .collect();
    let lines: Vec<u64> = calls
        .iter()
        .map(|l| l.split(',').nth(1).unwrap().parse().unwrap())
        .collect();
    assert!(lines.windows(2).all(|w| w[0] <= w[1]), "{lines:?}");
    assert_eq!(
        calls
            .iter()
            .filter(|l| l.contains(",exact duplicate of line "))
            .count(),
        1
    );
    assert!(rejects.contains(
        "calls.csv,5,\"column \"\"duration_s\"\": expected whole seconds >= 0, found \"\"-5\"\"\""
    ));
    assert!(snap.exists());
}

#[test]
fn strict_mode_exits_1_when_any_row_was_rejected() {
    let tmp = tempfile::tempdir().unwrap();
    let snap = tmp.path().join("m.cgs");
    let rejects = tmp.path().join("bad.csv");
    casegraph()
        .args([
            "ingest",
            fixture("tests/fixtures/messy").to_str().unwrap(),
            "-o",
            snap.to_str().unwrap(),
        ])
        .args(["--rejects", rejects.to_str().unwrap(), "--strict"])
        .assert()
        .code(1);
    assert!(rejects.exists(), "--rejects names the file");
    casegraph()
        .args([
            "ingest",
            fixture("fixtures/tiny").to_str().unwrap(),
            "-o",
            snap.to_str().unwrap(),
            "--strict",
        ])
        .assert()
        .success();
}

#[test]
fn unreadable_files_and_bad_arguments_exit_2_with_the_reason() {
    let tmp = tempfile::tempdir().unwrap();
    let snap = tmp.path().join("x.cgs");
    casegraph()
        .args([
            "ingest",
            fixture("tests/fixtures/no_start_column").to_str().unwrap(),
            "-o",
            snap.to_str().unwrap(),
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "calls.csv: expected required column \"start\"",
        ));
    assert!(!snap.exists(), "no snapshot for a case that did not load");
    casegraph()
        .args([
            "stats",
            fixture("fixtures/tiny").to_str().unwrap(),
            "--country",
            "abc",
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "--country: expected a country code of 1 to 3 digits",
        ));
    casegraph()
        .args([
            "stats",
            fixture("fixtures/tiny/calls.csv").to_str().unwrap(),
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "expected a case folder or a casegraph snapshot",
        ));
    std::fs::write(&snap, b"CASEGRPH\x01\x00\x00\x00junk").unwrap();
    casegraph()
        .args(["stats", snap.to_str().unwrap()])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("not a casegraph snapshot"));
}

#[test]
fn stats_from_snapshot_and_from_folder_agree() {
    let tmp = tempfile::tempdir().unwrap();
    let snap = tmp.path().join("tiny.cgs");
    casegraph()
        .args([
            "ingest",
            fixture("fixtures/tiny").to_str().unwrap(),
            "-o",
            snap.to_str().unwrap(),
        ])
        .assert()
        .success();
    let from_snap = casegraph()
        .args(["stats", snap.to_str().unwrap(), "--format", "json"])
        .output()
        .unwrap();
    let from_dir = casegraph()
        .args([
            "stats",
            fixture("fixtures/tiny").to_str().unwrap(),
            "--format",
            "json",
        ])
        .output()
        .unwrap();
    assert!(from_snap.status.success());
    let a: serde_json::Value = serde_json::from_slice(&from_snap.stdout).unwrap();
    let mut b: serde_json::Value = serde_json::from_slice(&from_dir.stdout).unwrap();
    b["source"] = a["source"].clone();
    assert_eq!(a, b);
    assert_eq!(
        a["nodes"][1],
        serde_json::json!({"kind": "phone", "count": 12})
    );
    assert_eq!(
        a["edges"][0],
        serde_json::json!({"kind": "call", "count": 15})
    );
    assert_eq!(a["busiest_phones"][0]["phone"], "+8613900000001");
    assert_eq!(a["first_call"], "2026-03-01 09:00:00");
}

#[test]
fn stats_renders_table_and_csv() {
    casegraph()
        .args([
            "stats",
            fixture("fixtures/tiny").to_str().unwrap(),
            "--format",
            "table",
        ])
        .assert()
        .success()
        .stdout(predicate::str::contains("busiest phones"))
        .stdout(predicate::str::contains("+8613900000001"));
    casegraph()
        .args([
            "stats",
            fixture("fixtures/tiny").to_str().unwrap(),
            "--format",
            "csv",
        ])
        .assert()
        .success()
        .stdout(predicate::str::starts_with(
            "kind,count\nperson,10\nphone,12\n",
        ));
}

#[test]
fn the_columns_flag_reads_a_carrier_export() {
    let dir = fixture("tests/fixtures/mapped");
    casegraph()
        .args([
            "stats",
            dir.to_str().unwrap(),
            "--columns",
            dir.join("mapping.toml").to_str().unwrap(),
            "--format",
            "json",
        ])
        .assert()
        .success()
        .stdout(predicate::str::contains("\"call_events\": 7"));
}

#[test]
fn a_missing_output_folder_is_reported_once_without_the_temp_file_path() {
    // `ingest -o nodir/x.cgs` said "No such file or directory" twice, each
    // time with the path of an internal temp file.
    let tmp = tempfile::tempdir().unwrap();
    let missing = tmp.path().join("nodir");
    let case = fixture("fixtures/tiny");
    for (command, flag, target) in [
        ("ingest", "-o", "x.cgs"),
        ("export", "--graphml", "x.graphml"),
    ] {
        let out_path = missing.join(target);
        let out = casegraph()
            .args([command, case.to_str().unwrap(), flag])
            .arg(&out_path)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{command}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!err.contains("casegraph-tmp"), "{err}");
        assert!(!err.contains("os error"), "{err}");
        assert_eq!(
            err.matches("expected a folder to write").count(),
            1,
            "said once: {err}"
        );
        assert!(
            err.contains(&format!(
                "{}: expected a folder to write {target} into, found none",
                missing.display()
            )),
            "{err}"
        );
    }
}
