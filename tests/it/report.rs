//! `report.html` end to end on fixtures/tiny: `casegraph leads` writes it;
//! `casegraph report OUTDIR` rebuilds the same bytes from the run's
//! manifest; a case that changed since the run is refused; a case or
//! snapshot can be reported on directly; hostile names stay text.

use crate::util;
use std::path::{Path, PathBuf};

fn tiny() -> PathBuf {
    util::fixture("fixtures/tiny")
}

fn leads(case: &Path, out: &Path) {
    let o = util::casegraph()
        .arg("leads")
        .arg(case)
        .arg("--out")
        .arg(out)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
}

/// A copy of fixtures/tiny whose files can be changed.
fn tiny_copy(dir: &Path) -> PathBuf {
    let case = dir.join("case");
    std::fs::create_dir_all(&case).unwrap();
    for f in [
        "calls.csv",
        "persons.csv",
        "phones.csv",
        "locations.csv",
        "incidents.csv",
    ] {
        std::fs::copy(tiny().join(f), case.join(f)).unwrap();
    }
    case
}

#[test]
fn the_rebuilt_report_equals_the_one_leads_wrote() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    leads(&tiny(), &out);
    let written = std::fs::read(out.join("report.html")).unwrap();
    let m: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("manifest.json")).unwrap()).unwrap();
    assert!(m["outputs"]
        .as_array()
        .unwrap()
        .iter()
        .any(|o| o == "report.html"));
    assert_eq!(m["case"].as_str().unwrap(), tiny().display().to_string());

    let again = dir.path().join("again.html");
    util::casegraph()
        .arg("report")
        .arg(&out)
        .arg("--out")
        .arg(&again)
        .assert()
        .success();
    assert_eq!(std::fs::read(&again).unwrap(), written);

    // The same with the case named explicitly (as after moving it).
    let moved = tiny_copy(dir.path());
    let again2 = dir.path().join("again2.html");
    util::casegraph()
        .arg("report")
        .arg(&out)
        .arg("--case")
        .arg(&moved)
        .arg("--out")
        .arg(&again2)
        .assert()
        .success();
    assert_eq!(std::fs::read(&again2).unwrap(), written);

    // Every gang and every lead of leads.json is on the page.
    let html = String::from_utf8(written).unwrap();
    let j: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("leads.json")).unwrap()).unwrap();
    for g in j["gangs"].as_array().unwrap() {
        let id = g["gang_id"].as_str().unwrap();
        assert!(html.contains(&format!("id=\"gang-{id}\"")), "gang {id}");
    }
    let leads = j["leads"].as_array().unwrap();
    // The two burners (the leaders are tied by calls alone: no gang).
    assert_eq!(leads.len(), 2);
    for l in leads {
        let e = l["entity"].as_str().unwrap();
        assert!(
            html.contains(&format!("href=\"#{}\"", casegraph::report::lead_anchor(e))),
            "{e}"
        );
    }
}

#[test]
fn a_case_changed_since_the_run_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let case = tiny_copy(dir.path());
    let out = dir.path().join("out");
    leads(&case, &out);
    let mut calls = std::fs::read_to_string(case.join("calls.csv")).unwrap();
    calls.push_str("13900000001,13900000002,2026-03-20 09:00:00,30,voice,C1,C1,,\n");
    std::fs::write(case.join("calls.csv"), calls).unwrap();
    let o = util::casegraph()
        .arg("report")
        .arg(&out)
        .arg("--out")
        .arg(dir.path().join("r.html"))
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("calls.csv") && err.contains("SHA-256"),
        "{err}"
    );
    assert!(!dir.path().join("r.html").exists());
}

#[test]
fn a_case_folder_or_snapshot_is_reported_on_directly() {
    let dir = tempfile::tempdir().unwrap();
    let from_case = dir.path().join("case.html");
    util::casegraph()
        .arg("report")
        .arg(tiny())
        .arg("--out")
        .arg(&from_case)
        .assert()
        .success();
    let snap = dir.path().join("tiny.cgs");
    util::casegraph()
        .arg("ingest")
        .arg(tiny())
        .arg("--out")
        .arg(&snap)
        .assert()
        .success();
    let from_snap = dir.path().join("snap.html");
    util::casegraph()
        .arg("report")
        .arg(&snap)
        .arg("--out")
        .arg(&from_snap)
        .assert()
        .success();
    for f in [&from_case, &from_snap] {
        let html = std::fs::read_to_string(f).unwrap();
        // fixtures/tiny reports no gang (its leaders are tied by calls
        // alone); its burners are leads, with their registration.
        assert!(html.contains("+8613700000001") && html.contains("钱多"));
    }
    // A case is not an output folder: --case makes no sense with it.
    util::casegraph()
        .arg("report")
        .arg(tiny())
        .arg("--case")
        .arg(tiny())
        .arg("--out")
        .arg(dir.path().join("x.html"))
        .assert()
        .code(2);
}

#[test]
fn hostile_names_are_shown_as_text() {
    let dir = tempfile::tempdir().unwrap();
    let case = tiny_copy(dir.path());
    // The burners' registered subscriber (the report names him beside them).
    let phones = std::fs::read_to_string(case.join("phones.csv"))
        .unwrap()
        .replace(
            ",钱多,",
            ",\"<script>alert('x')</script> & \"\"Li\"\" \u{7}\",",
        );
    std::fs::write(case.join("phones.csv"), phones).unwrap();
    let out = dir.path().join("out");
    leads(&case, &out);
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(!html.contains("<script>alert"));
    assert!(html
        .contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;Li&quot; \u{2407}"));
    assert_eq!(html.matches("<script>").count(), 2);
}
