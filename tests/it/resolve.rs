//! `casegraph resolve` on a small hand-written case whose answer is known
//! (tests/fixtures/resolve/case1, truth in its truth/individuals.csv):
//!
//! - 张伟 appears three times: characters, `ZHANG Wei` with one wrong id
//!   digit, `Wei Zhang` with no id but the same dob and address;
//! - a second, different 张伟 (other id, dob, city) must stay apart;
//! - 李娜 / `Li Na` with two id digits swapped / `Li Na` sharing a phone;
//! - 王芳 / `Wang Fang`: only the name (through pinyin) and a phone overlap;
//! - 陈静 and 陈晶: one character apart, different people;
//! - 欧阳娜娜 / `Ouyang Nana`: compound surname, no shared id;
//! - 刘洋 and 赵敏 share an address and nothing else: different people.
//!
//! Phones: two burner SIMs in 张伟's handset, a holder group of two SIMs in
//! one unknown handset, a co-travelling pair, and a number both claimed by
//! one record and registered to another individual (a conflict).

use crate::util;
use std::collections::HashMap;
use std::path::PathBuf;

fn case() -> PathBuf {
    util::fixture("tests/fixtures/resolve/case1")
}

fn run(args: &[&str]) -> (String, i32) {
    let out = util::casegraph()
        .arg("resolve")
        .arg(case())
        .args(args)
        .output()
        .unwrap();
    (
        String::from_utf8(out.stdout).unwrap(),
        out.status.code().unwrap_or(-1),
    )
}

/// person_id -> individual_id from the persons table.
fn individuals(csv_text: &str) -> HashMap<String, String> {
    let first_table = csv_text.split("\n\n").next().unwrap();
    let mut r = csv::Reader::from_reader(first_table.as_bytes());
    r.records()
        .map(|row| {
            let row = row.unwrap();
            (row[0].to_string(), row[1].to_string())
        })
        .collect()
}

fn same(m: &HashMap<String, String>, a: &str, b: &str) -> bool {
    m[a] == m[b]
}

#[test]
fn resolves_the_hand_written_case_exactly() {
    let (out, code) = run(&["--format", "csv"]);
    assert_eq!(code, 0);
    assert!(
        out.starts_with("person_id,individual_id,score,evidence\n"),
        "{out}"
    );
    let m = individuals(&out);
    assert_eq!(m.len(), 17);
    for (a, b) in [
        ("P001", "P002"),
        ("P001", "P003"),
        ("P005", "P006"),
        ("P005", "P007"),
        ("P008", "P009"),
        ("P012", "P013"),
    ] {
        assert!(same(&m, a, b), "{a} and {b} are one individual\n{out}");
    }
    for (a, b) in [
        ("P001", "P004"),
        ("P010", "P011"),
        ("P014", "P015"),
        ("P001", "P005"),
    ] {
        assert!(!same(&m, a, b), "{a} and {b} are different people\n{out}");
    }
    // Ids are readable and stable: I and the individual's first record's
    // position in persons.csv (P004 is the fourth record).
    assert_eq!(m["P001"], "I0001");
    assert_eq!(m["P004"], "I0004");
    // Every merged record names its evidence and source line.
    assert!(out.contains("P002,I0001,"), "{out}");
    assert!(
        out.contains("with P001 (persons.csv:2): name=same_reading"),
        "{out}"
    );
    assert!(out.contains("id_number=one_digit_or_swap"), "{out}");
}

#[test]
fn measures_itself_against_the_truth_file() {
    let truth = case().join("truth/individuals.csv");
    let (out, code) = run(&["--format", "csv", "--truth", truth.to_str().unwrap()]);
    assert_eq!(code, 0);
    let mut r = csv::Reader::from_reader(out.as_bytes());
    let headers = r.headers().unwrap().clone();
    let row = r.records().next().unwrap().unwrap();
    let get = |name: &str| -> f64 {
        row[headers.iter().position(|h| h == name).unwrap()]
            .parse()
            .unwrap()
    };
    assert_eq!(get("true_pairs"), 8.0);
    assert_eq!(get("pairwise_f1"), 1.0, "{out}");
    assert_eq!(get("bcubed_f1"), 1.0, "{out}");
}

#[test]
fn rejected_pairs_are_kept_apart() {
    let (out, code) = run(&["--format", "csv", "--reject-pair", "P001", "P002"]);
    assert_eq!(code, 0);
    let m = individuals(&out);
    assert!(!same(&m, "P001", "P002"), "{out}");
    // The rest of the answer is untouched.
    assert!(same(&m, "P005", "P006"));

    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("reject.csv");
    std::fs::write(&file, "person_a,person_b\nP005,P006\nP008,P009\n").unwrap();
    let (out, code) = run(&["--format", "csv", "--reject-file", file.to_str().unwrap()]);
    assert_eq!(code, 0);
    let m = individuals(&out);
    assert!(!same(&m, "P005", "P006"), "{out}");
    assert!(!same(&m, "P008", "P009"), "{out}");
    assert!(same(&m, "P001", "P002"));
}

#[test]
fn an_unknown_rejected_id_is_a_usage_error() {
    let out = util::casegraph()
        .args(["resolve"])
        .arg(case())
        .args(["--reject-pair", "P001", "P999"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("\"P999\""), "{err}");
}

#[test]
fn explain_shows_fields_weights_and_lines() {
    // CSV prints one table a run: take each with --table.
    let mut out = String::new();
    for table in ["records of I0001", "evidence", "phones"] {
        let (text, code) = run(&["--format", "csv", "--explain", "I0001", "--table", table]);
        assert_eq!(code, 0, "{table}");
        out.push_str(&text);
    }
    for needle in [
        "persons.csv:2",
        "persons.csv:3",
        "persons.csv:4",
        "11010519491231003X,invalid",
        "merged",
        "one_digit_or_swap +",
        "shared_handset with +8613800138000",
    ] {
        assert!(out.contains(needle), "missing {needle:?} in\n{out}");
    }
    let (_, code) = run(&["--explain", "I9999"]);
    assert_eq!(code, 1);
}

#[test]
fn phones_are_attached_from_evidence_and_conflicts_reported() {
    // CSV prints one table a run: --table chooses which.
    let table = |name: &str| {
        let (out, code) = run(&["--format", "csv", "--phones", "--table", name]);
        assert_eq!(code, 0);
        out
    };
    let (persons, phones, conflicts) = (table("persons"), table("phones"), table("conflicts"));
    let tables: Vec<&str> = vec![&persons, &phones, &conflicts];
    assert!(tables[1].starts_with("phone,individual_id,score,evidence"));
    let phone_of: HashMap<String, String> = csv::Reader::from_reader(tables[1].as_bytes())
        .records()
        .map(|r| {
            let r = r.unwrap();
            (r[0].to_string(), r[1].to_string())
        })
        .collect();
    // Burner SIMs through 张伟's handset are his.
    assert_eq!(phone_of["+8618600000001"], "I0001");
    assert_eq!(phone_of["+8618600000002"], "I0001");
    assert_eq!(phone_of["+8613900139000"], "I0001");
    // An unknown holder of two SIMs, and a co-travelling pair.
    assert_eq!(phone_of["+8618800000001"], phone_of["+8618800000002"]);
    assert!(phone_of["+8618800000001"].starts_with('H'));
    assert_eq!(phone_of["+8615000000001"], phone_of["+8615000000002"]);
    // Claimed by one individual, registered to another: reported, not attached.
    assert!(!phone_of.contains_key("+8613300133000"));
    assert!(
        tables[2].contains("+8613300133000,I0005;I0017"),
        "{}",
        tables[2]
    );
}

#[test]
fn same_output_with_one_or_two_threads() {
    let go = |threads: &str| {
        util::casegraph()
            .env("RAYON_NUM_THREADS", threads)
            .arg("resolve")
            .arg(case())
            .args(["--format", "csv", "--phones", "--model"])
            .output()
            .unwrap()
            .stdout
    };
    assert_eq!(go("1"), go("2"));
}

#[test]
fn the_library_groups_phones_by_individual_in_one_call() {
    let graph = casegraph::open_case(&case(), &casegraph::ingest::IngestConfig::default()).unwrap();
    let res = casegraph::resolve::resolve(&graph, &Default::default()).unwrap();
    let groups = res.phone_groups();
    assert_eq!(groups.len(), graph.phones.len());
    let g = |n: &str| groups[graph.find_phone(n).unwrap() as usize];
    assert_eq!(g("13800138000"), g("18600000001"));
    assert_eq!(g("13800138000"), g("13900139000"));
    assert_eq!(g("15000000001"), g("15000000002"));
    assert_ne!(g("13800138000"), g("13700137000"));
    assert_ne!(g("10086"), g("95588"));
    let labels = res.group_labels(&graph, &groups);
    assert_eq!(labels[g("13800138000") as usize], "I0001");
    assert_eq!(labels[g("10086") as usize], "10086");
    assert_eq!(
        res.individual_of_phone()[graph.find_phone("13300133000").unwrap() as usize],
        casegraph::graph::NONE
    );
}
