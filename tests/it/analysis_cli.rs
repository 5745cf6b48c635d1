//! The analysis commands end to end on a small hand-made case: two gangs
//! that never call each other, glued together by a bank's service number
//! that 40 phones called once each.

use crate::util;
use std::fmt::Write as _;
use std::path::Path;

/// Gang A (138000000 01..05) talks in March, gang B (139000000 01..04) in
/// April; 95588 is called once by every gang phone and 31 bystanders.
fn write_case(dir: &Path) {
    let mut calls = String::from("caller,callee,start,duration_s,kind\n");
    let a: Vec<String> = (1..=5).map(|i| format!("1380000000{i}")).collect();
    let b: Vec<String> = (1..=4).map(|i| format!("1390000000{i}")).collect();
    for (i, x) in a.iter().enumerate() {
        for y in &a[i + 1..] {
            for rep in 0..3 {
                writeln!(calls, "{x},{y},2026-03-0{} 10:00:00,60,voice", rep + 1).unwrap();
                writeln!(calls, "{y},{x},2026-03-0{} 11:00:00,0,sms", rep + 1).unwrap();
            }
        }
    }
    for (i, x) in b.iter().enumerate() {
        for y in &b[i + 1..] {
            writeln!(calls, "{x},{y},2026-04-02 10:00:00,60,voice").unwrap();
        }
    }
    let bystanders: Vec<String> = (0..31).map(|i| format!("1370000{i:04}")).collect();
    for (k, p) in a.iter().chain(&b).chain(&bystanders).enumerate() {
        writeln!(
            calls,
            "{p},95588,2026-03-{:02} 09:00:00,30,voice",
            k % 28 + 1
        )
        .unwrap();
    }
    std::fs::write(dir.join("calls.csv"), calls).unwrap();
}

fn run_ok(dir: &Path, args: &[&str]) -> (String, String) {
    let out = util::casegraph()
        .args(args)
        .arg(dir)
        .args(["--format", "csv"])
        .output()
        .unwrap();
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(out.status.success(), "{args:?}: {stderr}");
    (String::from_utf8(out.stdout).unwrap(), stderr)
}

#[test]
fn the_bank_number_is_left_out_and_the_gangs_fall_apart() {
    let dir = tempfile::tempdir().unwrap();
    write_case(dir.path());
    let (csv, stderr) = run_ok(dir.path(), &["components"]);
    // By default stderr says how many hubs were left out, not which.
    assert!(
        stderr.contains("1 hub (service number) left out") && !stderr.contains("95588"),
        "{stderr}"
    );
    let (csv_verbose, stderr) = run_ok(dir.path(), &["components", "--verbose"]);
    assert_eq!(csv_verbose, csv);
    let mut lines = csv.lines();
    assert_eq!(lines.next(), Some("component_id,node_kind,node_id"));
    let rows: Vec<&str> = lines.collect();
    assert_eq!(rows.len(), 9, "{csv}");
    assert!(
        rows[..5].iter().all(|r| r.starts_with("0,phone,+86138")),
        "{csv}"
    );
    assert!(
        rows[5..].iter().all(|r| r.starts_with("1,phone,+86139")),
        "{csv}"
    );
    assert!(
        stderr.contains("hub left out: 95588 (service pattern: 40 contacts"),
        "{stderr}"
    );

    let (csv, stderr) = run_ok(dir.path(), &["components", "--keep-hubs"]);
    assert_eq!(csv.lines().count(), 1 + 41);
    assert!(csv.lines().skip(1).all(|r| r.starts_with("0,")));
    assert!(!stderr.contains("left out"));

    // A degree threshold above the bank's 40 contacts keeps it in.
    let (csv, _) = run_ok(dir.path(), &["components", "--hub-degree", "41"]);
    assert_eq!(csv.lines().count(), 1 + 41);
    let (csv, _) = run_ok(dir.path(), &["components", "--hub-degree", "40"]);
    assert_eq!(csv.lines().count(), 1 + 9);
}

#[test]
fn a_burner_that_cold_calls_for_two_days_is_not_a_service_number() {
    let dir = tempfile::tempdir().unwrap();
    write_case(dir.path());
    // The bank's pattern (40 contacts, all one-way one-offs), but over two
    // days of a month-long case: a burner working through a victim list.
    let mut calls = std::fs::read_to_string(dir.path().join("calls.csv")).unwrap();
    for v in 0..40 {
        let day = 10 + v % 2;
        writeln!(
            calls,
            "13600000001,1350000{v:04},2026-03-{day} 14:00:00,40,voice"
        )
        .unwrap();
    }
    std::fs::write(dir.path().join("calls.csv"), calls).unwrap();
    let (csv, stderr) = run_ok(dir.path(), &["components", "--verbose"]);
    assert!(
        stderr.contains("hub left out: 95588 (service pattern: 40 contacts"),
        "{stderr}"
    );
    assert!(stderr.contains("active 27 days"), "{stderr}");
    assert!(!stderr.contains("13600000001"), "{stderr}");
    // The burner and its 40 victims are one component, beside the gangs.
    let burner_component: Vec<&str> = csv
        .lines()
        .filter(|r| r.contains("+86136") || r.contains("+86135"))
        .collect();
    assert_eq!(burner_component.len(), 41, "{csv}");
    let id = burner_component[0].split(',').next().unwrap();
    assert!(burner_component
        .iter()
        .all(|r| r.starts_with(&format!("{id},"))));
    assert_eq!(csv.lines().count(), 1 + 9 + 41);
}

#[test]
fn an_exclude_file_leaves_out_a_number_written_any_way() {
    let dir = tempfile::tempdir().unwrap();
    write_case(dir.path());
    let list = dir.path().join("exclude.txt");
    std::fs::write(&list, "# the boss of gang B\n+86 139-0000-0001\n").unwrap();
    let (csv, stderr) = run_ok(
        dir.path(),
        &[
            "components",
            "--exclude",
            list.to_str().unwrap(),
            "--verbose",
        ],
    );
    assert!(!csv.contains("13900000001"), "{csv}");
    assert!(csv.contains("13900000002"));
    assert!(stderr.contains("named in --exclude"), "{stderr}");
}

#[test]
fn time_window_kind_and_minimum_calls_filter_the_pairs() {
    let dir = tempfile::tempdir().unwrap();
    write_case(dir.path());
    // Gang B only talks in April.
    let (csv, _) = run_ok(dir.path(), &["components", "--to", "2026-03-31"]);
    assert!(!csv.contains(",+86139"), "{csv}");
    let (csv, _) = run_ok(dir.path(), &["components", "--from", "2026-04-01"]);
    assert!(!csv.contains(",+86138"), "{csv}");
    // Texts: only gang A sends them.
    let (csv, _) = run_ok(dir.path(), &["contacts", "--kind", "text"]);
    assert_eq!(csv.lines().count(), 1 + 10, "{csv}");
    assert!(csv.lines().skip(1).all(|l| l.ends_with(",3")), "{csv}");
    // Gang A pairs have 6 events, gang B pairs 1.
    let (csv, _) = run_ok(dir.path(), &["contacts", "--min-calls", "2"]);
    assert_eq!(csv.lines().count(), 1 + 10);
    assert!(csv.contains("+8613800000001,+8613800000002,6"), "{csv}");
}

#[test]
fn contacts_out_round_trips_through_the_edge_list_reader() {
    let dir = tempfile::tempdir().unwrap();
    write_case(dir.path());
    let out = dir.path().join("edges.csv");
    util::casegraph()
        .arg("contacts")
        .arg(dir.path())
        .arg("--out")
        .arg(&out)
        .assert()
        .success();
    let text = std::fs::read_to_string(&out).unwrap();
    assert!(text.starts_with("source,target,weight\n"));
    assert_eq!(text.lines().count(), 1 + 10 + 6);
    let (from_case, _) = run_ok(dir.path(), &["central", "--measure", "betweenness"]);
    let (from_edges, _) = run_ok(&out, &["central", "--measure", "betweenness"]);
    assert_eq!(from_case, from_edges);
}

#[test]
fn central_and_communities_speak_their_columns() {
    let dir = tempfile::tempdir().unwrap();
    write_case(dir.path());
    let (csv, _) = run_ok(
        dir.path(),
        &["central", "--measure", "degree", "--top", "3"],
    );
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines[0], "node_kind,node_id,value,rank");
    assert_eq!(lines.len(), 4);
    assert_eq!(lines[1], "phone,+8613800000001,0.5,1");
    let (csv, stderr) = run_ok(dir.path(), &["communities"]);
    assert!(csv.starts_with("community_id,node_kind,node_id\n"));
    // Two communities, the gangs: Q = 1 - (120/132)^2 - (12/132)^2 (gang A
    // has 10 pairs of 6 events, gang B 6 pairs of 1).
    assert!(stderr.contains("modularity=0.165289256198"), "{stderr}");
    assert!(stderr.contains("communities=2"), "{stderr}");
}

#[test]
fn usage_mistakes_exit_2_with_the_flag_named_first() {
    let dir = tempfile::tempdir().unwrap();
    write_case(dir.path());
    let edges = dir.path().join("edges.csv");
    std::fs::write(&edges, "source,target,weight\na,b,1\n").unwrap();
    let out = util::casegraph()
        .args(["central", "--measure", "pagerank", "--level", "individual"])
        .arg(&edges)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr)
        .contains("--level individual: needs a case folder or snapshot to resolve"));
    let out = util::casegraph()
        .args(["central", "--measure", "pagerank", "--sample", "5"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("--sample: applies to --measure betweenness")
    );
    let out = util::casegraph()
        .args(["components", "--to", "yesterday"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--to"));
}

#[test]
fn one_and_two_threads_print_the_same_bytes() {
    let edges = util::network_edges("noordin-top");
    for args in [
        &["central", "--measure", "betweenness", "--weighted"][..],
        &["central", "--measure", "pagerank"][..],
        &["central", "--measure", "closeness"][..],
        &["central", "--measure", "eigenvector"][..],
        &["communities"][..],
        &["components"][..],
    ] {
        let run = |threads: &str| {
            let out = util::casegraph()
                .env("RAYON_NUM_THREADS", threads)
                .args(args)
                .arg(&edges)
                .args(["--format", "csv"])
                .output()
                .unwrap();
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
            (out.stdout, out.stderr)
        };
        assert_eq!(run("1"), run("2"), "{args:?}");
    }
}

/// At individual level the boss's two person records (P01, P02) are one
/// individual holding his phone, and the two burners, tied by their shared
/// handset and registration but claimed by nobody, are one holder group.
#[test]
fn individual_level_groups_phones_by_resolved_individuals() {
    let tiny = util::fixture("fixtures/tiny");
    let out = util::casegraph()
        .args(["components", "--level", "individual", "--format", "csv"])
        .arg(&tiny)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let csv = String::from_utf8(out.stdout).unwrap();
    let rows: Vec<&str> = csv.lines().skip(1).collect();
    let individuals = rows.iter().filter(|r| r.contains(",individual,I")).count();
    let holders = rows.iter().filter(|r| r.contains(",individual,H")).count();
    assert_eq!(
        individuals, 9,
        "10 records, the boss's two are one individual: {csv}"
    );
    assert_eq!(holders, 1, "the two burners are one holder: {csv}");
    assert!(
        rows.contains(&"0,phone,10086"),
        "a phone nobody holds stays a phone: {csv}"
    );
    assert!(
        !csv.contains("+8613700000001"),
        "burners are inside their holder group: {csv}"
    );
}
