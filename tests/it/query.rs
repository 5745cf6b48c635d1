//! `casegraph query ...` on fixtures/tiny, every answer checked by hand
//! against fixtures/tiny/README.md and its CSV files (line numbers are the
//! files' own, header = line 1).

use crate::util;
use serde_json::Value;

fn tiny() -> String {
    util::fixture("fixtures/tiny").display().to_string()
}

fn run(args: &[&str]) -> assert_cmd::assert::Assert {
    let case = tiny();
    let mut cmd = util::casegraph();
    cmd.arg("query").arg(args[0]).arg(&case).args(&args[1..]);
    cmd.assert()
}

/// Run a query with `--format json` and parse its output.
fn json(args: &[&str]) -> Value {
    let mut a = args.to_vec();
    a.extend(["--format", "json"]);
    let out = run(&a).success().get_output().stdout.clone();
    serde_json::from_slice(&out).expect("JSON output")
}

/// Run a query whose answer is empty: exit status 1, and the JSON (with
/// its empty tables) still on stdout.
fn json_empty(args: &[&str]) -> Value {
    let mut a = args.to_vec();
    a.extend(["--format", "json"]);
    let out = run(&a).code(1).get_output().stdout.clone();
    serde_json::from_slice(&out).expect("JSON output")
}

fn rows(v: &Value) -> &Vec<Value> {
    v.as_array().expect("an array of rows")
}

/// `(node, link, calls)` of each neighbors row, in output order.
fn neighbor_summary(v: &Value) -> Vec<(String, String, i64)> {
    rows(v)
        .iter()
        .map(|r| {
            (
                r["node"].as_str().unwrap().to_string(),
                r["link"].as_str().unwrap().to_string(),
                r["calls"].as_i64().unwrap() + r["texts"].as_i64().unwrap(),
            )
        })
        .collect()
}

fn s(x: &str) -> String {
    x.to_string()
}

#[test]
fn the_boss_talks_to_his_two_lieutenants_through_one_handset() {
    // calls.csv lines 2, 3, 4, 18, 19: 2 calls with 139..02, 3 with 139..03,
    // all five naming handset 490154203237518; claimed by P01 and P02.
    let v = json(&["neighbors", "13900000001"]);
    assert_eq!(
        neighbor_summary(&v),
        vec![
            (s("490154203237518"), s("handset"), 5),
            (s("+8613900000003"), s("call"), 3),
            (s("+8613900000002"), s("call"), 2),
            (s("P01"), s("registration"), 0),
            (s("P02"), s("registration"), 0),
        ]
    );
    let r3 = &rows(&v)[1];
    assert_eq!(r3["seconds"], 230, "90 + 75 + 65 seconds");
    assert_eq!(r3["first"], "2026-03-01 09:05:00");
    assert_eq!(r3["last"], "2026-03-12 22:00:00");
}

#[test]
fn every_spelling_of_the_boss_number_gives_the_same_answer() {
    let want = json(&["neighbors", "13900000001"]);
    for spelling in [
        "+86 139 0000 0001",
        "008613900000001",
        "8613900000001",
        "+8613900000001",
        "139-0000-0001",
        "phone:13900000001",
    ] {
        assert_eq!(json(&["neighbors", spelling]), want, "{spelling}");
    }
}

#[test]
fn person_ids_imeis_incidents_and_individuals_are_entities() {
    // P03 claims 139..02, which is also registered to his id number (phones.csv:4).
    let v = json(&["neighbors", "P03"]);
    assert_eq!(
        neighbor_summary(&v),
        vec![(s("+8613900000002"), s("registration"), 0)]
    );
    assert_eq!(rows(&v)[0]["detail"], "claimed and registered");
    // The burners' handset: both SIMs, 4 events each, both registered.
    let v = json(&["neighbors", "356938035643809"]);
    assert_eq!(
        neighbor_summary(&v),
        vec![
            (s("+8613700000001"), s("handset"), 4),
            (s("+8613700000002"), s("handset"), 4),
        ]
    );
    // I1 names burner 1, victim P05 and account ...0001.
    let v = json(&["neighbors", "I1"]);
    let mut nodes: Vec<String> = neighbor_summary(&v).into_iter().map(|x| x.0).collect();
    nodes.sort();
    assert_eq!(nodes, vec!["+8613700000001", "6222020000000001", "P05"]);
    // I0001 is resolution's individual for P01 + P02 (the boss, twice).
    let v = json(&["profile", "I0001"]);
    assert_eq!(v["individual"][0]["person_ids"], "P01;P02");
    assert_eq!(v["phones"][0]["phone"], "+8613900000001");
}

#[test]
fn min_calls_and_time_bounds_filter_the_call_links() {
    let v = json(&["neighbors", "13900000001", "--min-calls", "3"]);
    let calls: Vec<_> = neighbor_summary(&v)
        .into_iter()
        .filter(|x| x.1 == "call")
        .collect();
    assert_eq!(calls, vec![(s("+8613900000003"), s("call"), 3)]);
    // From 10 March the boss only spoke to 139..03 (lines 18 and 19).
    let v = json(&["neighbors", "13900000001", "--from", "2026-03-10"]);
    let calls: Vec<_> = neighbor_summary(&v)
        .into_iter()
        .filter(|x| x.1 == "call")
        .collect();
    assert_eq!(calls, vec![(s("+8613900000003"), s("call"), 2)]);
    let handset = rows(&v)
        .iter()
        .find(|r| r["node"] == "490154203237518")
        .unwrap();
    assert_eq!(
        handset["calls"], 2,
        "two events in the handset from 10 March"
    );
}

#[test]
fn two_hops_from_burner_one_reach_burner_two_through_the_shared_handset() {
    let v = json(&["neighbors", "13700000001", "--hops", "2", "--sources"]);
    let r = rows(&v);
    let burner2 = r
        .iter()
        .find(|x| x["node"] == "+8613700000002")
        .expect("burner 2 reached");
    assert_eq!(burner2["hop"], 2);
    assert_eq!(burner2["from"], "356938035643809");
    assert_eq!(burner2["link"], "handset");
    assert_eq!(burner2["sources"], "calls.csv:10,11,12,13; phones.csv:3");
    let victim = r.iter().find(|x| x["node"] == "+8613600000001").unwrap();
    assert_eq!(victim["hop"], 1);
    assert_eq!(victim["sources"], "calls.csv:6,8");
}

#[test]
fn paths_prefer_the_strongest_links_and_list_k_of_them() {
    // Boss -> lieutenant 139..03 -> burner 2 -> victim 136..03.
    let v = json(&["path", "13900000001", "13600000003"]);
    let hops: Vec<(&str, &str)> = rows(&v)
        .iter()
        .filter(|r| r["path"] == 1)
        .map(|r| (r["from"].as_str().unwrap(), r["to"].as_str().unwrap()))
        .collect();
    assert_eq!(
        hops,
        vec![
            ("+8613900000001", "+8613900000003"),
            ("+8613900000003", "+8613700000002"),
            ("+8613700000002", "+8613600000003"),
        ]
    );
    // Burner to burner: through their handset (2 hops), then the long way
    // round the gang (burner 1 -> 139..02 -> boss -> 139..03 -> burner 2).
    let v = json(&["path", "13700000001", "13700000002", "--k", "2"]);
    let paths: Vec<Vec<&str>> = (1..=2)
        .map(|p| {
            rows(&v)
                .iter()
                .filter(|r| r["path"] == p)
                .map(|r| r["to"].as_str().unwrap())
                .collect()
        })
        .collect();
    assert_eq!(paths[0], vec!["356938035643809", "+8613700000002"]);
    assert_eq!(paths[0].len(), 2);
    assert_eq!(
        paths[1],
        vec![
            "+8613900000002",
            "+8613900000001",
            "+8613900000003",
            "+8613700000002"
        ]
    );
    // Too far for the hop limit: nothing, said in a sentence, exit 1.
    let v = json_empty(&["path", "P01", "P07", "--max-hops", "4"]);
    assert!(rows(&v).is_empty());
    let v = json(&["path", "P01", "P07", "--max-hops", "5"]);
    assert_eq!(rows(&v).iter().filter(|r| r["path"] == 1).count(), 5);
}

#[test]
fn common_contacts_of_two_victims_are_the_burner_and_the_service_line() {
    let v = json(&["common", "13600000001", "136 0000 0002"]);
    let c = v["common_contacts"].as_array().unwrap();
    let got: Vec<(&str, i64, i64, i64)> = c
        .iter()
        .map(|r| {
            (
                r["contact"].as_str().unwrap(),
                r["parties_events"].as_i64().unwrap(),
                r["party1_calls"].as_i64().unwrap(),
                r["party2_calls"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(got, vec![("+8613700000001", 3, 2, 1), ("10086", 2, 1, 1)]);
    // Add victim 4 (only called by burner 2 and 10086): only 10086 is left.
    let v = json(&["common", "13600000001", "13600000002", "13600000004"]);
    let c = v["common_contacts"].as_array().unwrap();
    assert_eq!(c.len(), 1);
    assert_eq!(c[0]["contact"], "10086");
    // The two lieutenants share the boss.
    let v = json(&["common", "P03", "P04"]);
    assert_eq!(v["common_contacts"][0]["contact"], "+8613900000001");
}

#[test]
fn profile_of_burner_two_has_its_registration_handset_cells_and_incident() {
    let v = json(&["profile", "13700000002", "--sources"]);
    assert_eq!(v["registrations"][0]["subscriber_name"], "钱多");
    assert_eq!(v["registrations"][0]["sources"], "phones.csv:3");
    assert_eq!(v["handsets"][0]["handset"], "356938035643809");
    assert_eq!(v["handsets"][0]["events"], 4);
    // Calls at 21:00 (line 10) and 10:00, 10:02, 10:30 (lines 11–13), all at C2.
    let cells = &v["cells_by_hour"][0];
    assert_eq!(cells["cell"], "C2");
    assert_eq!(cells["events"], 4);
    assert_eq!(cells["h10"], 3);
    assert_eq!(cells["h21"], 1);
    let top: Vec<&str> = v["top_contacts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["contact"].as_str().unwrap())
        .collect();
    assert_eq!(
        top,
        vec!["+8613600000003", "+8613900000003", "+8613600000004"]
    );
    assert_eq!(v["incidents"][0]["incident"], "incident I3");
    assert_eq!(v["incidents"][0]["sources"], "incidents.csv:4");
    assert_eq!(v["phones"][0]["calls_out"], 2);
    assert_eq!(v["phones"][0]["calls_in"], 1);
    assert_eq!(v["phones"][0]["texts"], 1);
}

#[test]
fn timeline_of_the_burners_handset_runs_from_activation_to_the_third_fraud() {
    let v = json(&["timeline", "356938035643809"]);
    let r = rows(&v);
    let what: Vec<&str> = r.iter().map(|x| x["what"].as_str().unwrap()).collect();
    assert_eq!(
        what,
        vec![
            "activated",
            "call_in",
            "call_out",
            "call_out",
            "call_out",
            "incident",
            "incident",
            "call_in",
            "deactivated",
            "activated",
            "call_out",
            "call_out",
            "text_out",
            "incident",
        ]
    );
    assert_eq!(r[0]["source"], "phones.csv:2");
    assert_eq!(r[13]["incident"], "I3");
    // A window keeps only what is inside it.
    let v = json(&[
        "timeline",
        "13700000001",
        "--from",
        "2026-03-04 10:01:00",
        "--to",
        "2026-03-05",
    ]);
    let lines: Vec<&str> = rows(&v)
        .iter()
        .map(|x| x["source"].as_str().unwrap())
        .collect();
    assert_eq!(lines, vec!["calls.csv:7", "calls.csv:8", "incidents.csv:2"]);
}

#[test]
fn timeline_shows_a_sim_moving_to_another_handset() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("calls.csv"),
        "caller,callee,start,caller_imei\n\
         13800000001,13800000002,2026-03-01 09:00:00,490154203237518\n\
         13800000001,13800000002,2026-03-02 09:00:00,356938035643809\n",
    )
    .unwrap();
    let out = util::casegraph()
        .args(["query", "timeline"])
        .arg(dir.path())
        .args(["13800000001", "--format", "json"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let v: Value = serde_json::from_slice(&out).unwrap();
    let change = rows(&v)
        .iter()
        .find(|x| x["what"] == "handset_change")
        .expect("a change");
    assert_eq!(change["time"], "2026-03-02 09:00:00");
    assert_eq!(change["handset"], "356938035643809");
    assert_eq!(change["previous_handset"], "490154203237518");
}

#[test]
fn colocated_phones_are_ranked_by_how_often_they_shared_a_cell() {
    // The boss's five events are all at C1; 139..02 was at C1 within 30
    // minutes of three of them (09:00 and 09:05 on 1 March, 20:00 on 2 March).
    let v = json(&["colocated", "13900000001", "--window", "30m"]);
    let r = rows(&v);
    assert_eq!(r.len(), 1);
    assert_eq!(r[0]["phone"], "+8613900000002");
    assert_eq!(r[0]["times"], 3);
    assert_eq!(r[0]["cells"], "C1");
    // The family: always both at C4.
    let v = json(&["colocated", "P09"]);
    assert_eq!(rows(&v)[0]["phone"], "+8613500000002");
    assert_eq!(rows(&v)[0]["times"], 3);
    // With a 1-second window, 20:10 on 2 March is no longer near 20:00.
    let v = json(&["colocated", "13900000001", "--window", "1s"]);
    assert_eq!(rows(&v)[0]["times"], 2);
}

#[test]
fn callers_before_an_incident_are_the_burners() {
    // I1 at 2026-03-05 10:00 (P05, 136..01): burner 1 called twice on 4 March
    // (lines 6, 8) and also called 136..02 (line 7) in the window.
    let v = json(&["callers-before", "I1", "--sources"]);
    let c = &v["callers_before"][0];
    assert_eq!(c["caller"], "+8613700000001");
    assert_eq!(c["calls"], 2);
    assert_eq!(c["also_called"], "+8613600000002 (1)");
    assert_eq!(c["sources"], "calls.csv:6,8");
    assert_eq!(v["incident"][0]["victim_phones"], "+8613600000001");
    // I3 (P07, 136..03) on 12 March 09:00: burner 2 called and texted on
    // 11 March, more than 22 hours earlier, so 24h catches it and 12h not.
    let v = json(&["callers-before", "I3"]);
    assert_eq!(v["callers_before"][0]["caller"], "+8613700000002");
    assert_eq!(v["callers_before"][0]["texts"], 1);
    let v = json_empty(&["callers-before", "I3", "--window", "12h"]);
    assert!(v["callers_before"].as_array().unwrap().is_empty());
}

#[test]
fn towers_intersect_the_phones_seen_at_every_cell() {
    let v = json(&["towers", "C2", "--from", "2026-03-04", "--to", "2026-03-04"]);
    let r = rows(&v);
    assert_eq!(r.len(), 1);
    assert_eq!(r[0]["phone"], "+8613700000001");
    assert_eq!(r[0]["C2_events"], 3);
    // 139..02 is seen at C1 (lines 2, 4, 5) but never at C2 or C3: the
    // boss and his first lieutenant are at C1 only, so C1 ∩ C3 is empty.
    let v = json_empty(&[
        "towers",
        "C1",
        "C3",
        "--from",
        "2026-03-01",
        "--to",
        "2026-03-31",
    ]);
    assert!(rows(&v).is_empty());
    let v = json(&["towers", "C4", "--from", "2026-03-01", "--to", "2026-03-31"]);
    let phones: Vec<&str> = rows(&v)
        .iter()
        .map(|x| x["phone"].as_str().unwrap())
        .collect();
    assert_eq!(phones, vec!["+8613500000001", "+8613500000002"]);
}

#[test]
fn unknown_entities_exit_1_with_suggestions() {
    for (args, suggestion) in [
        (vec!["neighbors", "I33"], "incident I3"),
        (vec!["profile", "P11"], "person P10"),
        (vec!["timeline", "13900000009"], "phone +8613900000001"),
        (vec!["callers-before", "I11"], "incident I1"),
        (
            vec![
                "towers",
                "C22",
                "--from",
                "2026-03-01",
                "--to",
                "2026-03-02",
            ],
            "location C2",
        ),
        (vec!["path", "13900000001", "P99"], "did you mean"),
    ] {
        run(&args)
            .code(1)
            .stderr(predicates::str::contains(suggestion))
            .stderr(predicates::str::contains("found nothing"));
    }
}

#[test]
fn malformed_arguments_exit_2_showing_the_expected_form() {
    for (args, expected) in [
        (vec!["neighbors", "13900000001", "--hops", "0"], "1..=6"),
        (
            vec!["colocated", "13900000001", "--window", "30x"],
            "expected a window like",
        ),
        (
            vec!["callers-before", "I1", "--window", "24"],
            "expected a window like",
        ),
        (
            vec!["timeline", "P01", "--from", "yesterday"],
            "expected a time like",
        ),
        (
            vec![
                "profile",
                "P01",
                "--from",
                "2026-03-05",
                "--to",
                "2026-03-01",
            ],
            "expected --from before --to",
        ),
        (vec!["towers", "C1"], "--from"),
        (vec!["neighbors", "gang:1"], "expected a node kind"),
        (vec!["common", "P01"], "required"),
    ] {
        run(&args)
            .code(2)
            .stderr(predicates::str::contains(expected));
    }
}

#[test]
fn every_query_prints_table_csv_and_json() {
    for args in [
        vec!["neighbors", "P01"],
        vec!["path", "P03", "P04"],
        vec!["common", "P03", "P04"],
        vec!["profile", "P01"],
        vec!["timeline", "P01"],
        vec!["colocated", "P01"],
        vec!["callers-before", "I1"],
        vec!["towers", "C1", "--from", "2026-03-01", "--to", "2026-03-02"],
    ] {
        for f in ["table", "csv", "json"] {
            let mut a = args.clone();
            a.extend(["--format", f]);
            let out = run(&a).success().get_output().stdout.clone();
            assert!(!out.is_empty(), "{args:?} {f}");
        }
    }
}

#[test]
fn profile_with_analysis_places_the_boss_in_the_gang_component_and_with_his_lieutenants() {
    // Component: the gang (5 phones), its 4 victims and 10086 = 10 phones;
    // the family (2) is the other one. Community of the boss: he and his
    // two lieutenants (as `casegraph communities fixtures/tiny` reports).
    let v = json(&["profile", "13900000001", "--analysis"]);
    let s = &v["standing"][0];
    assert_eq!(s["component_size"], 10);
    assert_eq!(s["community_size"], 3);
    let family = json(&["profile", "13500000001", "--analysis"]);
    assert_eq!(family["standing"][0]["component_size"], 2);
    assert_ne!(family["standing"][0]["component"], s["component"]);
}
