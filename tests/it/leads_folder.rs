//! The output folder of `casegraph leads` and its manifest (issues 16 and
//! 17): hubs in their own hubs.csv, rejects.csv in the one rejects format,
//! a typed manifest.json that records the reading options and the SHA-256
//! of every file read (under a column mapping's name, bills as delivered),
//! and `casegraph report OUT`, which repeats the run as the manifest says.

use crate::util;
use casegraph::report::Manifest;
use std::path::{Path, PathBuf};

fn leads(case: &Path, out: &Path, extra: &[&str]) {
    let o = util::casegraph()
        .arg("leads")
        .arg(case)
        .arg("--out")
        .arg(out)
        .args(["--format", "csv"])
        .args(extra)
        .output()
        .unwrap();
    // Exit 1 is "no leads", still a complete folder.
    assert!(
        matches!(o.status.code(), Some(0 | 1)),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
}

/// `casegraph report OUT --out DIR/NAME` with `extra`: (exit code, stderr).
fn report(out: &Path, html: &Path, extra: &[&str]) -> (Option<i32>, String) {
    let o = util::casegraph()
        .arg("report")
        .arg(out)
        .arg("--out")
        .arg(html)
        .args(extra)
        .output()
        .unwrap();
    (
        o.status.code(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

fn manifest(out: &Path) -> Manifest {
    Manifest::parse(&std::fs::read(out.join("manifest.json")).unwrap()).unwrap()
}

/// A copy of the case folder `from` (sub-folders included).
fn copy_case(from: &Path, to: &Path) -> PathBuf {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let p = e.unwrap().path();
        let dest = to.join(p.file_name().unwrap());
        if p.is_dir() {
            copy_case(&p, &dest);
        } else {
            std::fs::copy(&p, &dest).unwrap();
        }
    }
    to.to_path_buf()
}

fn csv_rows(path: &Path) -> (Vec<String>, Vec<Vec<String>>) {
    let mut r = csv::Reader::from_path(path).unwrap();
    let header = r.headers().unwrap().iter().map(String::from).collect();
    let rows = r
        .records()
        .map(|x| x.unwrap().iter().map(String::from).collect())
        .collect();
    (header, rows)
}

/// Before: leads wrote the service numbers into rejects.csv as rows of a
/// file called "hub", the phone number in the `line` column, in a rejects
/// format of its own (`file,line,reason`).
#[test]
fn a_hub_is_not_a_rejected_row() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let demo = util::fixture("fixtures/demo");
    leads(&demo, &out, &[]);
    let m = manifest(&out);

    let (header, hubs) = csv_rows(&out.join("hubs.csv"));
    assert_eq!(
        header,
        [
            "phone",
            "contacts",
            "two_way_share",
            "one_off_share",
            "reason"
        ]
    );
    assert!(!hubs.is_empty(), "the demo has service numbers");
    assert_eq!(hubs.len() as u64, m.counts["hubs_left_out"]);
    for h in &hubs {
        assert!(!h[0].is_empty() && h[1].parse::<u32>().is_ok(), "{h:?}");
        assert!(h[4].starts_with("service pattern"), "{h:?}");
    }

    // rejects.csv holds the rejected rows and exact duplicates, byte for byte the file
    // `casegraph ingest` writes for the same case.
    let rejects = std::fs::read(out.join("rejects.csv")).unwrap();
    let snap = dir.path().join("demo.cgs");
    util::casegraph()
        .arg("ingest")
        .arg(&demo)
        .arg("--out")
        .arg(&snap)
        .args(["--format", "csv"])
        .assert()
        .success();
    assert_eq!(
        rejects,
        std::fs::read(dir.path().join("demo.rejects.csv")).unwrap()
    );
    let (header, rows) = csv_rows(&out.join("rejects.csv"));
    assert_eq!(header[..4], ["file", "line", "reason", "sheet"]);
    assert!(header[4..].iter().all(|h| h.starts_with("field_")));
    let rejected: u64 = m.rows.iter().map(|r| r.rejected + r.duplicates).sum();
    assert_eq!(rows.len() as u64, rejected);
    for r in &rows {
        assert_ne!(r[0], "hub");
        assert!(r[1].parse::<u64>().is_ok(), "{r:?}");
        assert!(hubs.iter().all(|h| h[0] != r[1]));
    }
    assert!(m.outputs.iter().any(|o| o == "hubs.csv"));
    assert!(m.output_sha256.contains_key("hubs.csv"));
}

/// manifest.json is one typed struct: what `casegraph leads` writes reads
/// back into it and writes back to the same bytes, and a value survives
/// serialize → deserialize unchanged.
#[test]
fn the_manifest_round_trips() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let case = copy_case(&util::fixture("fixtures/tiny"), &dir.path().join("case"));
    let mapping = dir.path().join("mapping.toml");
    std::fs::write(&mapping, "[calls]\nduration_s = \"duration_s\"\n").unwrap();
    let config = dir.path().join("leads.toml");
    std::fs::write(&config, "[burner]\nmin_outgoing = 7\n").unwrap();
    leads(
        &case,
        &out,
        &[
            "--columns",
            mapping.to_str().unwrap(),
            "--config",
            config.to_str().unwrap(),
        ],
    );
    let bytes = std::fs::read(out.join("manifest.json")).unwrap();
    let m = Manifest::parse(&bytes).unwrap();
    assert_eq!(m.to_json().unwrap(), bytes);
    assert_eq!(Manifest::parse(&m.to_json().unwrap()).unwrap(), m);
    // What it records.
    assert_eq!(m.format, casegraph::report::MANIFEST_FORMAT);
    assert_eq!(m.reading.country, "86");
    assert_eq!(m.reading.utc_offset, "+08:00");
    let columns = m.reading.columns.as_ref().expect("the mapping is recorded");
    assert_eq!(columns.text, std::fs::read_to_string(&mapping).unwrap());
    assert_eq!(
        columns.sha256,
        casegraph::results::sha256_hex(columns.text.as_bytes())
    );
    assert_eq!(m.config.0.burner.min_outgoing, 7);
    let config_file = m.config_file.as_ref().expect("the config file is recorded");
    assert_eq!(
        config_file.sha256,
        casegraph::results::sha256_hex(&std::fs::read(&config).unwrap())
    );
    assert_eq!(m.inputs.len(), 5);
    assert!(m.timings.iter().any(|t| t.stage == "read"));
}

/// Before: `casegraph report OUT` read the case again with whatever the
/// current command line said (`--country` 86 by default), not with what
/// the run was given, so the rebuilt report was another case's.
#[test]
fn report_reads_the_case_with_the_reading_options_of_the_run_not_the_current_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let tiny = util::fixture("fixtures/tiny");
    leads(&tiny, &out, &["--country", "1"]);
    assert_eq!(manifest(&out).reading.country, "1");
    let written = std::fs::read(out.join("report.html")).unwrap();

    // Read with the default country the case is another one.
    let default_out = dir.path().join("default");
    leads(&tiny, &default_out, &[]);
    assert_ne!(
        std::fs::read(default_out.join("report.html")).unwrap(),
        written
    );

    // The folder is rebuilt as the run read it, with the option or without.
    for extra in [&[][..], &["--country", "1"][..], &["--country", "+1"][..]] {
        let again = dir.path().join("again.html");
        let (code, err) = report(&out, &again, extra);
        assert!(matches!(code, Some(0 | 1)), "{extra:?}: {err}");
        assert_eq!(std::fs::read(&again).unwrap(), written, "{extra:?}");
    }

    // An option that disagrees with the run's is refused, not ignored.
    for (extra, named) in [
        (&["--country", "86"][..], "--country 86"),
        (&["--utc-offset", "+02:00"][..], "--utc-offset +02:00"),
    ] {
        let refused = dir.path().join("refused.html");
        let (code, err) = report(&out, &refused, extra);
        assert_eq!(code, Some(2), "{err}");
        assert!(
            err.contains(named) && err.contains("manifest.json"),
            "{err}"
        );
        assert!(!refused.exists());
    }
}

/// Before: the manifest checksummed only files called calls.csv,
/// persons.csv, ...; a calls file read through a column mapping under
/// another name was never checksummed, so a changed one went unnoticed.
#[test]
fn a_calls_file_read_through_a_column_mapping_is_checksummed() {
    let dir = tempfile::tempdir().unwrap();
    let case = copy_case(&util::fixture("fixtures/tiny"), &dir.path().join("case"));
    std::fs::rename(case.join("calls.csv"), case.join("cdr_export.csv")).unwrap();
    let mapping = dir.path().join("mapping.toml");
    std::fs::write(&mapping, "[calls]\nfile = \"cdr_export.csv\"\n").unwrap();
    let out = dir.path().join("out");
    leads(&case, &out, &["--columns", mapping.to_str().unwrap()]);
    let m = manifest(&out);
    let cdr = m
        .inputs
        .iter()
        .find(|i| i.file == "cdr_export.csv")
        .expect("the mapped calls file is an input");
    assert_eq!(
        cdr.sha256,
        casegraph::results::sha256_hex(&std::fs::read(case.join("cdr_export.csv")).unwrap())
    );
    for r in m.rows.iter().filter(|r| r.present) {
        assert!(m.inputs.iter().any(|i| i.file == r.file), "{}", r.file);
    }
    let written = std::fs::read(out.join("report.html")).unwrap();

    // The mapping is recorded whole: gone since the run, and not given,
    // the folder is still read through it.
    std::fs::remove_file(&mapping).unwrap();
    let again = dir.path().join("again.html");
    let (code, err) = report(&out, &again, &[]);
    assert!(matches!(code, Some(0 | 1)), "{err}");
    assert_eq!(std::fs::read(&again).unwrap(), written);

    // A changed calls file is caught by its own name.
    let mut calls = std::fs::read_to_string(case.join("cdr_export.csv")).unwrap();
    calls.push_str("13900000001,13900000002,2026-03-20 09:00:00,30,voice,C1,C1,,\n");
    std::fs::write(case.join("cdr_export.csv"), calls).unwrap();
    let (code, err) = report(&out, &dir.path().join("r.html"), &[]);
    assert_eq!(code, Some(2), "{err}");
    assert!(
        err.contains("cdr_export.csv") && err.contains("SHA-256"),
        "{err}"
    );
    assert!(!dir.path().join("r.html").exists());
}

/// Issue 17: bills and workbooks read as delivered (per-number bills in a
/// 话单/ folder, a station table, Chinese file names) are inputs like the
/// contract's files; before, a delivered case's manifest listed none.
#[test]
fn bills_read_as_delivered_are_checksummed() {
    let dir = tempfile::tempdir().unwrap();
    let case = copy_case(
        &util::fixture("fixtures/delivered"),
        &dir.path().join("case"),
    );
    let out = dir.path().join("out");
    leads(&case, &out, &[]);
    let m = manifest(&out);
    let names: Vec<&str> = m.inputs.iter().map(|i| i.file.as_str()).collect();
    for want in [
        "基站表.xlsx",
        "话单/bill_13700000001.xlsx",
        "话单/13600000003.xls",
    ] {
        assert!(names.contains(&want), "{want} not in {names:?}");
    }
    // Every file the row ledger accounts for is an input (the list of
    // inputs follows ingest's own discovery, and this keeps them together).
    for r in m.rows.iter().filter(|r| r.present) {
        assert!(
            names.contains(&r.file.as_str()),
            "{} not in {names:?}",
            r.file
        );
    }
    // Every file of the table folder is an input.
    for e in std::fs::read_dir(case.join("话单")).unwrap() {
        let name = format!("话单/{}", e.unwrap().file_name().to_string_lossy());
        assert!(names.contains(&name.as_str()), "{name} not in {names:?}");
    }
    let written = std::fs::read(out.join("report.html")).unwrap();
    let again = dir.path().join("again.html");
    let (code, err) = report(&out, &again, &[]);
    assert!(matches!(code, Some(0 | 1)), "{err}");
    assert_eq!(std::fs::read(&again).unwrap(), written);

    // One bill changed, one added: both named.
    let bill = case.join("话单/bill_13600000001.csv");
    let mut bytes = std::fs::read(&bill).unwrap();
    bytes.extend_from_slice(b"\n");
    std::fs::write(&bill, bytes).unwrap();
    std::fs::copy(
        case.join("话单/bill_13600000002.csv"),
        case.join("话单/bill_extra.csv"),
    )
    .unwrap();
    let (code, err) = report(&out, &dir.path().join("r.html"), &[]);
    assert_eq!(code, Some(2), "{err}");
    assert!(
        err.contains("话单/bill_13600000001.csv") && err.contains("话单/bill_extra.csv (new"),
        "{err}"
    );
}

/// A manifest written before the format field (no reading options,
/// checksums of the contract files only) cannot repeat its run: it is
/// refused with a message that says why and what to do.
#[test]
fn a_manifest_of_an_older_format_is_refused_clearly() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    leads(&util::fixture("fixtures/tiny"), &out, &[]);
    let path = out.join("manifest.json");
    let mut v: serde_json::Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    v.as_object_mut().unwrap().remove("format");
    std::fs::write(&path, serde_json::to_vec_pretty(&v).unwrap()).unwrap();
    let (code, err) = report(&out, &dir.path().join("r.html"), &[]);
    assert_eq!(code, Some(2), "{err}");
    assert!(
        err.contains("expected format 2")
            && err.contains("format 1")
            && err.contains("casegraph leads"),
        "{err}"
    );
    v["format"] = 3.into();
    std::fs::write(&path, serde_json::to_vec_pretty(&v).unwrap()).unwrap();
    let (code, err) = report(&out, &dir.path().join("r.html"), &[]);
    assert_eq!(code, Some(2), "{err}");
    assert!(
        err.contains("found format 3") && err.contains("newer"),
        "{err}"
    );
}

/// A lead the analyst dismissed in `casegraph serve` (the notes file beside
/// the case) is listed apart in dismissed.csv by the next `leads` run, and
/// the notes file is among the manifest's checksummed inputs.
#[test]
fn a_dismissed_lead_is_listed_apart_by_the_next_run() {
    let tmp = tempfile::tempdir().unwrap();
    let case = tmp.path().join("demo");
    std::fs::create_dir(&case).unwrap();
    for f in std::fs::read_dir(crate::util::fixture("fixtures/demo")).unwrap() {
        let f = f.unwrap().path();
        if f.is_file() {
            std::fs::copy(&f, case.join(f.file_name().unwrap())).unwrap();
        }
    }
    let out1 = tmp.path().join("out1");
    crate::util::casegraph()
        .args([
            "leads",
            case.to_str().unwrap(),
            "--out",
            out1.to_str().unwrap(),
        ])
        .assert()
        .success();
    let leads = std::fs::read_to_string(out1.join("leads.csv")).unwrap();
    let first = leads.lines().nth(1).unwrap();
    let cols: Vec<&str> = first.split(',').collect();
    let key = format!("{}:{}", cols[1], cols[2]);
    std::fs::write(
        tmp.path().join("demo.notes.json"),
        format!(
            r#"{{"format":"casegraph-notes/1","entities":{{"{key}":{{"status":"dismissed","analyst":"wang"}}}}}}"#
        ),
    )
    .unwrap();
    let out2 = tmp.path().join("out2");
    crate::util::casegraph()
        .args([
            "leads",
            case.to_str().unwrap(),
            "--out",
            out2.to_str().unwrap(),
        ])
        .assert()
        .success();
    let dismissed = std::fs::read_to_string(out2.join("dismissed.csv")).unwrap();
    assert_eq!(dismissed.lines().count(), 2, "{dismissed}");
    assert!(dismissed.contains("dismissed by wang"));
    let leads2 = std::fs::read_to_string(out2.join("leads.csv")).unwrap();
    assert_eq!(leads2.lines().count() + 1, leads.lines().count());
    assert!(!leads2.contains(&format!(",{},{},", cols[1], cols[2])));
    let manifest = std::fs::read_to_string(out2.join("manifest.json")).unwrap();
    assert!(manifest.contains("demo.notes.json"));
}
