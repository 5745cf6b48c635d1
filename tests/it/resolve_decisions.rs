//! The analyst's review loop, end to end through the binary: the review
//! queue lists uncertain pairs, `--decide` records same/different in the
//! case's decisions file, and every later run honours the decisions.

use super::util::*;
use casegraph::resolve::normalise::prc_check_char;
use std::collections::HashMap;
use std::path::Path;

fn id_number(region: u32, y: u32, m: u32, d: u32, seq: u32) -> String {
    let first17 = format!("{region:06}{y:04}{m:02}{d:02}{seq:03}");
    format!("{first17}{}", prc_check_char(&first17).unwrap())
}

/// Ten people with two records each that agree on the id number, and two
/// records (P90, P91) the model has no reason to join: different dates of
/// birth, phones and addresses.
fn write_case(dir: &Path) {
    let names = [
        "王建国",
        "李秀英",
        "张志强",
        "刘海燕",
        "陈国栋",
        "杨丽娟",
        "黄文斌",
        "赵雪梅",
        "周子豪",
        "吴晓燕",
    ];
    let mut persons = String::from("person_id,name,aliases,id_number,dob,phones,address\n");
    for (i, name) in names.iter().enumerate() {
        let i = i as u32;
        let id = id_number(440106, 1970 + i, 1 + i % 12, 3 + i, 100 + i);
        let dob = format!("{}-{:02}-{:02}", 1970 + i, 1 + i % 12, 3 + i);
        let phone = format!("1380013{:04}", 8000 + i);
        persons.push_str(&format!(
            "P{:02},{name},,{id},{dob},{phone},广东省广州市白云区解放北路{}号2栋{}房\n",
            2 * i + 1,
            100 + i,
            1101 + i
        ));
        persons.push_str(&format!(
            "P{:02},{name},,{id},,,解放北路{}号2-{}\n",
            2 * i + 2,
            100 + i,
            1101 + i
        ));
    }
    persons.push_str("P90,陈小明,,,1985-02-03,13900139001,湖南省长沙市芙蓉区五一大道8号\n");
    persons.push_str("P91,陈晓明,,,1991-11-20,13700137002,广东省深圳市福田区深南大道99号\n");
    std::fs::write(dir.join("persons.csv"), persons).unwrap();
    std::fs::write(dir.join("calls.csv"), "caller,callee,start\n").unwrap();
}

/// person_id → individual_id from `casegraph resolve CASE --format csv`.
fn individuals(case: &Path) -> HashMap<String, String> {
    let out = casegraph()
        .args(["resolve", case.to_str().unwrap(), "--format", "csv"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let text = String::from_utf8(out).unwrap();
    let table = text.split("\n\n").next().unwrap();
    let mut reader = csv::Reader::from_reader(table.as_bytes());
    reader
        .records()
        .map(|r| {
            let r = r.unwrap();
            (r[0].to_string(), r[1].to_string())
        })
        .collect()
}

#[test]
fn decisions_are_recorded_and_hold_in_later_runs() {
    let tmp = tempfile::tempdir().unwrap();
    let case = tmp.path().join("case");
    std::fs::create_dir(&case).unwrap();
    write_case(&case);
    let case_arg = case.to_str().unwrap();

    let before = individuals(&case);
    assert_eq!(
        before["P01"], before["P02"],
        "one id number: one individual"
    );
    assert_ne!(before["P90"], before["P91"]);

    // The review queue lists pairs with both records' fields side by side.
    let review = casegraph()
        .args(["resolve", case_arg, "--review", "5", "--format", "csv"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let review = String::from_utf8(review).unwrap();
    assert!(
        review.starts_with("record_a,record_b,weight,probability,now,name,"),
        "{review}"
    );
    let n_rows = review.lines().filter(|l| l.starts_with("P")).count();
    assert!((1..=5).contains(&n_rows), "{review}");

    // Record two decisions against the model.
    casegraph()
        .args([
            "resolve",
            case_arg,
            "--decide",
            "P90",
            "P91",
            "same",
            "--decide",
            "P02",
            "P01",
            "different",
            "--note",
            "checked with the desk",
        ])
        .assert()
        .success()
        .stderr(predicates::str::contains("2 decision(s) recorded"));
    let file = std::fs::read_to_string(case.join("decisions.csv")).unwrap();
    assert_eq!(
        file,
        "person_a,person_b,decision,note\n\
         P90,P91,same,checked with the desk\n\
         P02,P01,different,checked with the desk\n"
    );
    // No temp file is left beside it.
    let leftovers: Vec<_> = std::fs::read_dir(&case)
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().starts_with('.'))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");

    // A later run, with no flags, honours both; so does the library's
    // configuration for the case.
    let after = individuals(&case);
    assert_eq!(after["P90"], after["P91"]);
    assert_ne!(after["P01"], after["P02"]);
    let graph = ingest(&case);
    let config = casegraph::resolve::ResolveConfig::for_case(&case).unwrap();
    let res = casegraph::resolve::resolve(&graph, &config).unwrap();
    let idx = |id: &str| {
        graph
            .persons
            .iter()
            .position(|p| graph.str(p.person_id) == id)
            .unwrap()
    };
    let ind = |id: &str| res.individual_of_person[idx(id)];
    assert_eq!(ind("P90"), ind("P91"));
    assert_ne!(ind("P01"), ind("P02"));
    assert_eq!(res.decided.len(), 2);

    // The explanation says why, and decided pairs leave the review queue.
    let label = &after["P90"];
    casegraph()
        .args(["resolve", case_arg, "--explain", label, "--format", "json"])
        .assert()
        .success()
        .stdout(predicates::str::contains("analyst decided same"));
    let review = casegraph()
        .args(["resolve", case_arg, "--review", "100", "--format", "csv"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let review = String::from_utf8(review).unwrap();
    assert!(
        !review.contains("P01 (persons.csv:2),P02 (persons.csv:3)"),
        "{review}"
    );

    // A later decision on the same pair replaces the earlier one.
    casegraph()
        .args(["resolve", case_arg, "--decide", "P01", "P02", "same"])
        .assert()
        .success();
    let again = individuals(&case);
    assert_eq!(again["P01"], again["P02"]);
    assert_eq!(again["P90"], again["P91"]);
    let file = std::fs::read_to_string(case.join("decisions.csv")).unwrap();
    assert_eq!(file.lines().count(), 3, "{file}");

    // A verdict that is neither is refused, and the file is untouched.
    casegraph()
        .args(["resolve", case_arg, "--decide", "P01", "P02", "maybe"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("expected same or different"));
    assert_eq!(
        std::fs::read_to_string(case.join("decisions.csv")).unwrap(),
        file
    );
}

/// Individuals counted by `casegraph leads` in its manifest.
fn leads_individuals(case: &Path, out: &Path) -> u64 {
    // No gang and no lead here: exit 1, the folder written all the same.
    casegraph()
        .args([
            "leads",
            case.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ])
        .assert()
        .code(1);
    let m: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("manifest.json")).unwrap()).unwrap();
    m["counts"]["individuals"].as_u64().unwrap()
}

/// Regression: `leads` resolved person records with the default settings,
/// ignoring the case's decisions file, so a pair the analyst had decided
/// was one person stayed two in the leads run.
#[test]
fn leads_honours_the_analysts_decisions() {
    let tmp = tempfile::tempdir().unwrap();
    let case = tmp.path().join("case");
    std::fs::create_dir(&case).unwrap();
    write_case(&case);
    let before = leads_individuals(&case, &tmp.path().join("out1"));
    casegraph()
        .args([
            "resolve",
            case.to_str().unwrap(),
            "--decide",
            "P90",
            "P91",
            "same",
        ])
        .assert()
        .success();
    let after = leads_individuals(&case, &tmp.path().join("out2"));
    assert_eq!(
        after + 1,
        before,
        "P90 and P91 decided same: one individual fewer"
    );
}
