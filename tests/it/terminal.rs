//! The commands as an investigator meets them at the terminal (issue 22):
//! one regression test per thing a user saw, named after it.

use super::util::*;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// Run casegraph, returning (stdout, stderr, exit code).
fn run(args: &[&str]) -> (String, String, i32) {
    run_env(args, &[])
}

fn run_env(args: &[&str], env: &[(&str, &str)]) -> (String, String, i32) {
    let mut cmd = casegraph();
    cmd.args(args);
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().expect("casegraph runs");
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
        out.status.code().unwrap_or(-1),
    )
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// The demo case's snapshot, ingested once for the tests of this file.
fn demo() -> &'static Path {
    static SNAP: OnceLock<(tempfile::TempDir, PathBuf)> = OnceLock::new();
    let (_, p) = SNAP.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let snap = dir.path().join("demo.cgs");
        let (_, err, code) = run(&[
            "ingest",
            s(&fixture("fixtures/demo")),
            "-o",
            s(&snap),
            "--format",
            "csv",
        ]);
        assert_eq!(code, 0, "{err}");
        (dir, snap)
    });
    p
}

#[test]
fn contacts_reads_from_to_on_the_cases_clock_as_query_does() {
    let tmp = tempfile::tempdir().unwrap();
    let snap = tmp.path().join("utc.cgs");
    let (_, err, code) = run(&[
        "ingest",
        s(&fixture("fixtures/tiny")),
        "-o",
        s(&snap),
        "--utc-offset",
        "+00:00",
    ]);
    assert_eq!(code, 0, "{err}");
    // On a case kept in UTC, 20:00Z is 20:00 on the case's clock: the call
    // of 2026-03-02 20:00:00 between ...0002 and ...0001 is in the window.
    let window = [
        "--from",
        "2026-03-02T20:00:00Z",
        "--to",
        "2026-03-02T20:05:00Z",
    ];
    let mut args = vec!["contacts", s(&snap), "--format", "csv"];
    args.extend(window);
    let (out, err, code) = run(&args);
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.contains("+8613900000001") && out.contains("+8613900000002"),
        "{out}"
    );
    let mut args = vec![
        "query",
        "timeline",
        s(&snap),
        "13900000001",
        "--format",
        "csv",
    ];
    args.extend(window);
    let (out, err, code) = run(&args);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("2026-03-02 20:00:00"), "{out}");
}

#[test]
fn a_time_without_seconds_is_accepted() {
    let tiny = fixture("fixtures/tiny");
    let (out, err, code) = run(&[
        "contacts",
        s(&tiny),
        "--from",
        "2026-03-02 20:00",
        "--to",
        "2026-03-02 20:05",
        "--format",
        "csv",
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("+8613900000002"), "{out}");
    let (_, err, code) = run(&[
        "query",
        "neighbors",
        s(&tiny),
        "13900000001",
        "--from",
        "2026-02-01 10:00",
    ]);
    assert_eq!(code, 0, "{err}");
}

#[test]
fn a_cell_as_the_entity_shows_the_phones_seen_there() {
    // 460-00-9506-10734: a cell the G1 boss used 98 times; it was found,
    // then shown with "phones 0" and empty tables.
    let cell = "460-00-9506-10734";
    let (out, err, code) = run(&["query", "profile", s(demo()), cell, "--format", "json"]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert!(v["entity"][0]["phones"].as_i64().unwrap() > 0, "{out}");
    assert!(!v["phones"].as_array().unwrap().is_empty(), "{out}");
    let (out, err, code) = run(&["query", "neighbors", s(demo()), cell, "--format", "csv"]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.lines()
            .skip(1)
            .any(|l| l.contains(",phone,cell,") && l.contains(",seen at,")),
        "{out}"
    );
    let (out, err, code) = run(&["query", "timeline", s(demo()), cell, "--format", "csv"]);
    assert_eq!(code, 0, "{err}");
    let rows: Vec<&str> = out.lines().skip(1).collect();
    assert!(!rows.is_empty(), "{out}");
    assert!(
        rows.iter().all(|r| r.contains(cell)),
        "every event is at the cell: {out}"
    );
}

#[test]
fn profile_with_analysis_answers_on_a_case_with_service_numbers() {
    // It failed for every entity of the demo case ("expected one node per
    // phone (8566), found 8464"): hubs and idle phones have no node.
    let (out, err, code) = run(&[
        "query",
        "profile",
        s(demo()),
        "18641553094",
        "--analysis",
        "--format",
        "json",
    ]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let standing = v["standing"].as_array().unwrap();
    assert_eq!(standing.len(), 1, "{out}");
    assert!(standing[0]["degree_rank"].as_i64().unwrap() >= 1, "{out}");
    // A service number says it is left out, rather than failing.
    let (out, err, code) = run(&[
        "query",
        "profile",
        s(demo()),
        "95588",
        "--analysis",
        "--format",
        "json",
    ]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let note = v["standing"][0]["note"].as_str().unwrap_or_default();
    assert!(note.contains("left out of the contact graph"), "{out}");
}

#[test]
fn an_empty_answer_is_a_sentence_and_exit_1() {
    let tiny = fixture("fixtures/tiny");
    // A window with no calls: no empty box, a sentence and exit status 1.
    let (out, _, code) = run_env(
        &[
            "query",
            "timeline",
            s(&tiny),
            "13900000001",
            "--from",
            "2020-01-01",
            "--to",
            "2020-01-02",
            "--format",
            "table",
        ],
        &[],
    );
    assert_eq!(code, 1, "{out}");
    assert!(
        out.starts_with("nothing in the timeline of phone +8613900000001 between"),
        "{out}"
    );
    assert!(!out.contains('─'), "no empty table: {out}");
    // Piped, the CSV header stays for scripts and the sentence goes to stderr.
    let (out, err, code) = run(&[
        "query",
        "path",
        s(&tiny),
        "13900000001",
        "13900000001",
        "--from",
        "2020-01-01",
        "--to",
        "2020-01-02",
        "--format",
        "csv",
    ]);
    assert_eq!(code, 1);
    assert!(out.starts_with("path,cost,hop"), "{out}");
    assert!(err.contains("no path between"), "{err}");
}

/// Every line at most `width` characters wide, and no token cut by `…`.
fn assert_fits(text: &str, width: usize) {
    for line in text.lines() {
        let w: usize = line
            .chars()
            .map(|c| {
                if ('\u{2e80}'..='\u{ffdc}').contains(&c) {
                    2
                } else {
                    1
                }
            })
            .sum();
        assert!(w <= width, "{w} columns: {line:?}");
        for token in line.split_whitespace() {
            assert!(
                token == "…" || !token.ends_with('…'),
                "a cut identifier {token:?} in {line:?}"
            );
        }
    }
}

#[test]
fn tables_fit_100_columns_without_cutting_identifiers() {
    // neighbors --sources was 270 columns wide; resolve 212; the gangs
    // table cut the boss's number.
    for args in [
        vec!["query", "neighbors", s(demo()), "18641553094", "--sources"],
        vec!["query", "profile", s(demo()), "18641553094"],
        vec!["stats", s(demo())],
    ] {
        let mut args = args.clone();
        args.extend(["--format", "table"]);
        let (out, err, code) = run_env(&args, &[("COLUMNS", "100")]);
        assert_eq!(code, 0, "{args:?}: {err}");
        assert_fits(&out, 100);
        assert!(
            out.contains("+8618641553094") || args[0] == "stats",
            "{out}"
        );
    }
}

#[test]
fn ingest_tells_its_rejects_within_100_columns_when_piped() {
    // "462 row(s) rejected (and 112 exact duplicate row(s), counted once);
    // all are listed in demo.rejects.csv:" was 103 columns on one line.
    let tmp = tempfile::tempdir().unwrap();
    let snap = tmp.path().join("demo.cgs");
    let (_, err, code) = run(&["ingest", s(&fixture("fixtures/demo")), "-o", s(&snap)]);
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("exact duplicate row(s) counted once;"),
        "{err}"
    );
    assert!(err.contains("all are listed in"), "{err}");
    assert_fits(&err, 100);
}

#[test]
fn names_are_found_as_the_resolver_reads_them() {
    // "Lei Tingbo" is the pinyin of a record written 雷婷波; lookup was
    // exact, case- and order-sensitive.
    for name in ["Lei Tingbo", "lei tingbo", "Tingbo Lei"] {
        let (out, err, code) = run(&["query", "profile", s(demo()), name, "--format", "json"]);
        assert_eq!(code, 0, "{name}: {err}");
        assert!(out.contains("HK-000216"), "{name}: {out}");
    }
    // "HUANG Junning" and "黄 军宁": three records of one man, reached as
    // the individual the resolver makes of them.
    for name in ["HUANG Junning", "黄 军宁", "黄军宁", "person:黄军宁"] {
        let (out, err, code) = run(&["query", "profile", s(demo()), name, "--format", "json"]);
        assert_eq!(code, 0, "{name}: {err}");
        let v: serde_json::Value = serde_json::from_str(&out).unwrap();
        let label = v["entity"][0]["entity"].as_str().unwrap();
        assert!(label.starts_with("individual I"), "{name}: {label}");
        let ids = v["individual"][0]["person_ids"].as_str().unwrap();
        for id in ["HK-000883", "HT-001093", "PI-002062"] {
            assert!(ids.contains(id), "{name}: {ids}");
        }
    }
}

#[test]
fn imeis_with_dashes_and_full_width_digits_are_recognised() {
    for imei in [
        "35-875311-729569-3",
        "３５８７５３１１７２９５６９３",
        "358753 117295 693",
    ] {
        let (out, err, code) = run(&["query", "profile", s(demo()), imei, "--format", "json"]);
        assert_eq!(code, 0, "{imei}: {err}");
        assert!(out.contains("handset 358753117295693"), "{imei}: {out}");
    }
}

#[test]
fn generate_refuses_to_overwrite_a_case_folder_without_force() {
    let tmp = tempfile::tempdir().unwrap();
    let calls = tmp.path().join("calls.csv");
    std::fs::write(&calls, "a real case's calls\n").unwrap();
    let out = s(tmp.path());
    let (_, err, code) = run(&["generate", "--size", "tiny", "--seed", "3", "--out", out]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("--force"), "{err}");
    assert_eq!(
        std::fs::read_to_string(&calls).unwrap(),
        "a real case's calls\n"
    );
    let (_, err, code) = run(&[
        "generate", "--size", "tiny", "--seed", "3", "--out", out, "--force", "--format", "csv",
    ]);
    assert_eq!(code, 0, "{err}");
    assert_ne!(
        std::fs::read_to_string(&calls).unwrap(),
        "a real case's calls\n"
    );
}

#[test]
fn path_and_towers_arguments_have_help() {
    let (out, _, code) = run(&["query", "path", "--help"]);
    assert_eq!(code, 0);
    let a_line = out
        .lines()
        .find(|l| l.trim_start().starts_with("<A>"))
        .unwrap();
    assert!(
        a_line.trim().len() > "<A>".len(),
        "blank help for <A>: {out}"
    );
    let (out, _, _) = run(&["query", "towers", "--help"]);
    for flag in ["--from <TIME>", "--to <TIME>"] {
        let line = out.lines().find(|l| l.contains(flag)).unwrap();
        assert!(
            line.trim().len() > flag.len(),
            "blank help for {flag}: {out}"
        );
    }
}

#[test]
fn communities_say_how_many_there_are_when_showing_the_largest() {
    let (out, err, code) = run_env(
        &["communities", s(demo()), "--format", "table"],
        &[("COLUMNS", "100")],
    );
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("communities: the 20 largest of "), "{out}");
    assert_fits(&out, 100);
}

/// The mark on a service number that neighbors lists but does not walk
/// through was in the last column, the first one a 100-column terminal
/// leaves out: only wider terminals and CSV showed why the walk stopped.
#[test]
fn a_service_number_is_marked_as_such_on_a_100_column_terminal() {
    let (out, err, code) = run_env(
        &[
            "query",
            "neighbors",
            s(demo()),
            "13019401341",
            "--format",
            "table",
        ],
        &[("COLUMNS", "100")],
    );
    assert_eq!(code, 0, "{err}");
    assert_fits(&out, 100);
    let line = out
        .lines()
        .find(|l| l.contains("95555"))
        .unwrap_or_else(|| panic!("no service number listed: {out}"));
    assert!(line.contains("service"), "{out}");
}

#[test]
fn neighbors_leave_service_numbers_out_and_cap_long_answers() {
    // A victim's two hops were 4,832 rows, most of them through the bank,
    // the carrier and call-centre lines.
    let (out, err, code) = run(&[
        "query",
        "neighbors",
        s(demo()),
        "13019401341",
        "--hops",
        "2",
        "--limit",
        "0",
        "--format",
        "csv",
    ]);
    assert_eq!(code, 0, "{err}");
    let rows = out.lines().count() - 1;
    assert!(rows < 500, "{rows} rows");
    assert!(out.contains("95555,phone,call") && out.contains("service number: not walked through"));
    let (out, err, code) = run(&[
        "query",
        "neighbors",
        s(demo()),
        "13019401341",
        "--hops",
        "2",
        "--keep-hubs",
        "--limit",
        "0",
        "--format",
        "csv",
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.lines().count() - 1 > 1000,
        "--keep-hubs walks through them"
    );
    // 95588 --hops 3 printed 15,341 rows: at the terminal now the first
    // 200 and a line.
    let (out, err, code) = run(&[
        "query",
        "neighbors",
        s(demo()),
        "95588",
        "--hops",
        "3",
        "--format",
        "table",
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("more row(s) of neighbors not shown (--limit 200); --limit 0 shows all"),
        "{out}"
    );
}

/// The number in "N more row(s) of TABLE not shown (--limit L); --limit 0
/// shows all TOTAL", with L and TOTAL.
fn left_out(text: &str, table: &str) -> Option<(usize, usize, usize)> {
    let line = text
        .lines()
        .find(|l| l.contains(&format!("more row(s) of {table} not shown")))?;
    let nums: Vec<usize> = line
        .split(|c: char| !c.is_ascii_digit())
        .filter(|w| !w.is_empty())
        .filter_map(|w| w.parse().ok())
        .collect();
    Some((nums[0], nums[1], *nums.last()?))
}

#[test]
fn a_long_answer_at_the_terminal_is_capped_with_a_line_saying_how_many_more() {
    // `resolve` printed 3,240 rows at the terminal, nothing capped.
    let (out, err, code) = run_env(
        &["resolve", s(demo()), "--format", "table"],
        &[("COLUMNS", "100")],
    );
    assert_eq!(code, 0, "{err}");
    let (more, limit, total) = left_out(&out, "persons").expect(&out);
    assert_eq!(limit, 200);
    assert_eq!(more + limit, total);
    assert!(total > 3000, "{total}");
    let body = out.lines().filter(|l| l.starts_with("│ ")).count();
    assert_eq!(body, 201, "200 rows and the header");
    // --limit is one option of every command.
    let (out, err, code) = run_env(
        &["resolve", s(demo()), "--format", "table", "--limit", "5"],
        &[("COLUMNS", "100")],
    );
    assert_eq!(code, 0, "{err}");
    assert_eq!(left_out(&out, "persons").expect(&out).1, 5);
}

#[test]
fn piped_csv_keeps_every_row_unless_limit_is_given() {
    // Piped, neighbors kept 200 of 15,249 rows: a script lost the rest.
    let args = ["query", "neighbors", s(demo()), "95588", "--hops", "3"];
    let (out, err, code) = run(&[&args[..], &["--format", "csv"]].concat());
    assert_eq!(code, 0, "{err}");
    let rows = out.lines().count() - 1;
    assert!(rows > 10_000, "{rows} rows");
    assert!(!err.contains("not shown"), "{err}");
    let (out, err, code) = run(&[&args[..], &["--format", "json", "--limit", "7"]].concat());
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v.as_array().unwrap().len(), 7);
    assert_eq!(
        left_out(&err, "neighbors"),
        Some((rows - 7, 7, rows)),
        "{err}"
    );
}

#[test]
fn export_ego_and_query_neighbors_mean_the_same_hop() {
    // export --ego with 2 hops gave 727 nodes (through 34 shared cells),
    // query neighbors 24.
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("ego.graphml");
    let (summary, err, code) = run(&[
        "export",
        s(demo()),
        "--ego",
        "186 4155 3094",
        "--hops",
        "2",
        "--graphml",
        s(&out),
        "--measures",
        "none",
        "--format",
        "json",
    ]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&summary).unwrap();
    let nodes = v["written"][0]["nodes"].as_u64().unwrap();
    let (rows, err, code) = run(&[
        "query",
        "neighbors",
        s(demo()),
        "186 4155 3094",
        "--hops",
        "2",
        "--limit",
        "0",
        "--format",
        "csv",
    ]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        nodes as usize,
        rows.lines().count() - 1 + 1,
        "the entity and what it reaches"
    );
}

/// person_id → individual id, from `resolve --format json`.
fn individuals(extra: &[&str]) -> std::collections::BTreeMap<String, String> {
    let mut args = vec!["resolve", s(demo()), "--format", "json"];
    args.extend(extra);
    let (out, err, code) = run(&args);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    v.as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["person_id"].as_str().unwrap().to_string(),
                r["individual_id"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[test]
fn rejecting_a_pair_keeps_every_other_individual_id() {
    // --reject-pair renumbered 1,714 of 2,986 records' individuals.
    let before = individuals(&[]);
    let huang = &before["HK-000883"];
    assert_eq!(&before["HT-001093"], huang, "one man's records");
    let after = individuals(&["--reject-pair", "HK-000883", "HT-001093"]);
    assert_ne!(after["HK-000883"], after["HT-001093"]);
    let changed: Vec<&String> = before.keys().filter(|p| before[*p] != after[*p]).collect();
    let his = before.values().filter(|i| *i == huang).count();
    assert!(
        !changed.is_empty() && changed.len() < his,
        "only his records may move: {changed:?}"
    );
}

#[test]
fn holder_groups_are_accepted_by_explain_and_query() {
    // central --level individual ranked H0026, which resolve --explain and
    // every query refused.
    let (out, err, code) = run(&["resolve", s(demo()), "--phones", "--format", "json"]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let holder = v["phones"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["individual_id"].as_str().unwrap())
        .find(|id| id.starts_with('H'))
        .expect("the demo case has holder groups")
        .to_string();
    let (out, err, code) = run(&[
        "resolve",
        s(demo()),
        "--explain",
        &holder,
        "--format",
        "csv",
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains(&holder), "{out}");
    let (out, err, code) = run(&["query", "profile", s(demo()), &holder, "--format", "json"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains(&format!("holder group {holder}")), "{out}");
}

#[test]
fn a_rejected_pair_remembered_holds_for_every_command_that_resolves() {
    // leads and the queries could not take the rejected pairs at all.
    let tmp = tempfile::tempdir().unwrap();
    let snap = tmp.path().join("demo.cgs");
    std::fs::copy(demo(), &snap).unwrap();
    let (_, err, code) = run(&[
        "query",
        "profile",
        s(&snap),
        "HUANG Junning",
        "--format",
        "csv",
    ]);
    assert_eq!(code, 0, "one man before the decision: {err}");
    let (_, err, code) = run(&[
        "resolve",
        s(&snap),
        "--reject-pair",
        "HK-000883",
        "HT-001093",
        "--remember",
        "--format",
        "csv",
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(tmp.path().join("demo.cgs.decisions.csv").is_file(), "{err}");
    let (_, err, code) = run(&[
        "query",
        "profile",
        s(&snap),
        "HUANG Junning",
        "--format",
        "csv",
    ]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("found 3 records of 2 individuals"), "{err}");
    // resolve itself honours the recorded pair without being told again.
    let (out, err, code) = run(&["resolve", s(&snap), "--format", "csv"]);
    assert_eq!(code, 0, "{err}");
    let id = |p: &str| {
        out.lines()
            .find(|l| l.starts_with(&format!("{p},")))
            .unwrap()
            .split(',')
            .nth(1)
            .unwrap()
            .to_string()
    };
    assert_ne!(id("HK-000883"), id("HT-001093"));
}

#[test]
fn piped_output_is_one_csv_table_and_table_chooses_another() {
    // Piped stats was several CSV tables glued together.
    let tiny = fixture("fixtures/tiny");
    let (out, err, code) = run(&["stats", s(&tiny), "--format", "csv"]);
    assert_eq!(code, 0, "{err}");
    assert!(!out.contains("\n\n"), "one table: {out}");
    let mut r = csv::Reader::from_reader(out.as_bytes());
    assert_eq!(
        r.headers().unwrap().iter().collect::<Vec<_>>(),
        ["kind", "count"]
    );
    assert!(r.records().all(|x| x.unwrap().len() == 2), "{out}");
    assert!(err.contains("--table NAME"), "{err}");
    let (out, err, code) = run(&[
        "stats",
        s(&tiny),
        "--format",
        "csv",
        "--table",
        "busiest_phones",
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(out.starts_with("phone,"), "{out}");
    let (_, err, code) = run(&["stats", s(&tiny), "--table", "nope"]);
    assert_eq!(code, 2);
    assert!(
        err.contains("--table: expected one of nodes, links"),
        "{err}"
    );
}

#[test]
fn a_registration_alone_is_shown_as_weak_evidence_of_who_holds_a_sim() {
    // A person whose stolen identity registered a gang's burners was shown
    // holding 9 of them with nothing saying a registration is weak.
    let (out, err, code) = run(&[
        "query",
        "profile",
        s(demo()),
        "HK-002023",
        "--format",
        "json",
    ]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let links: Vec<&str> = v["person_records"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["link"].as_str().unwrap())
        .collect();
    assert!(!links.is_empty(), "{out}");
    assert!(
        links
            .iter()
            .all(|l| l.starts_with("claimed") || l.contains("weak")),
        "{links:?}"
    );
}

/// The node ids of a GraphML file, sorted.
fn graphml_node_ids(path: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(path).unwrap();
    let mut ids: Vec<String> = text
        .split("<node id=\"")
        .skip(1)
        .map(|rest| rest.split('"').next().unwrap().to_string())
        .collect();
    ids.sort();
    ids
}

#[test]
fn export_gang_has_the_gangs_incidents_and_takes_the_leads_folder() {
    // `export --gang G1` missed the incidents of the `leads` run's
    // gang_G1.graphml, and refused the leads output folder as its case.
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("leads");
    let (_, err, code) = run(&[
        "leads",
        s(&fixture("fixtures/demo")),
        "--out",
        s(&out),
        "--format",
        "csv",
    ]);
    assert_eq!(code, 0, "{err}");
    let of_run = graphml_node_ids(&out.join("gang_G1.graphml"));
    assert!(of_run.iter().any(|id| id.starts_with("in")), "{of_run:?}");
    for case in [s(demo()), s(&out)] {
        let file = tmp.path().join("g1.graphml");
        let (_, err, code) = run(&[
            "export",
            case,
            "--gang",
            "G1",
            "--graphml",
            s(&file),
            "--format",
            "csv",
        ]);
        assert_eq!(code, 0, "{case}: {err}");
        assert_eq!(graphml_node_ids(&file), of_run, "{case}");
    }
}

#[test]
fn an_ambiguous_name_lists_its_records_by_individual() {
    // "袁鑫" listed three records as "different individuals", though two
    // of them resolve to one man.
    let (_, err, code) = run(&["query", "profile", s(demo()), "袁鑫"]);
    assert_eq!(code, 1, "{err}");
    // Messages wrap at 100 columns; read them as one line.
    let err = err.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(!err.contains("different individuals"), "{err}");
    assert!(err.contains("found 3 records of 2 individuals"), "{err}");
    assert!(
        err.contains("I0002: person PC-000002 (袁鑫), person HK-002296 (袁鑫)"),
        "{err}"
    );
    // The individual named there is an answer.
    let (_, err, code) = run(&["query", "profile", s(demo()), "I0002", "--format", "csv"]);
    assert_eq!(code, 0, "{err}");
}

#[test]
fn components_on_one_day_leave_the_service_numbers_out() {
    // On one day the hub rule wanted weeks of activity inside the window:
    // 7 of the case's 32 service numbers were left out, and the bank and
    // the carrier glued 789 phones into one component.
    let about = |v: &serde_json::Value, what: &str| -> u64 {
        v["about"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["what"] == what)
            .unwrap()["value"]
            .as_u64()
            .unwrap()
    };
    let (out, err, code) = run(&["components", s(demo()), "--format", "json"]);
    assert_eq!(code, 0, "{err}");
    let whole: serde_json::Value = serde_json::from_str(&out).unwrap();
    let (out, err, code) = run(&[
        "components",
        s(demo()),
        "--from",
        "2026-02-03",
        "--to",
        "2026-02-03",
        "--format",
        "json",
    ]);
    assert_eq!(code, 0, "{err}");
    let day: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert!(
        about(&day, "hubs_left_out") >= about(&whole, "hubs_left_out"),
        "{out}"
    );
    assert!(about(&day, "largest") < 200, "{out}");
    assert!(
        day["hubs_left_out"]
            .as_array()
            .unwrap()
            .iter()
            .any(|h| h["reason"]
                .as_str()
                .unwrap()
                .starts_with("over the whole case")),
        "{out}"
    );
}

#[test]
fn a_registration_alone_says_weak_on_a_narrow_terminal() {
    // At 100 columns the link was cut to "registered …", losing the word
    // that says a registration is weak evidence of who holds the SIM.
    let (out, err, code) = run_env(
        &[
            "query",
            "profile",
            s(demo()),
            "HK-002023",
            "--format",
            "table",
        ],
        &[("COLUMNS", "100")],
    );
    assert_eq!(code, 0, "{err}");
    let records = out
        .split("person records")
        .nth(1)
        .and_then(|t| t.split("\n\n").next())
        .expect(&out);
    let rows: Vec<&str> = records
        .lines()
        .filter(|l| l.contains("HK-002023"))
        .collect();
    assert!(!rows.is_empty(), "{records}");
    assert!(rows.iter().all(|l| l.contains("weak")), "{records}");
    assert_fits(&out, 100);
}

/// The words of a lead's entity and reasons that name something a row can
/// hold: numbers, IMEIs, ids (six digits or more), with `+86` dropped.
fn named_in(lead: &serde_json::Value) -> Vec<String> {
    let mut text = lead["entity"].as_str().unwrap().to_string();
    for r in lead["reasons"].as_array().unwrap() {
        text.push(' ');
        text.push_str(r.as_str().unwrap());
    }
    text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '+' || c == '-'))
        .map(|w| w.trim_matches('-'))
        .filter(|w| w.chars().filter(char::is_ascii_digit).count() >= 6)
        .map(|w| w.strip_prefix("+86").unwrap_or(w).to_string())
        .collect()
}

fn digits(s: &str) -> String {
    s.chars().filter(char::is_ascii_digit).collect()
}

/// Every lead of `out`/leads.json names source rows, each row exists in
/// `case`, and each holds something its reasons name.
fn check_lead_rows(out: &Path, case: &Path) {
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("leads.json")).unwrap()).unwrap();
    let leads = v["leads"].as_array().unwrap();
    assert!(!leads.is_empty(), "{}", out.display());
    let mut files: std::collections::BTreeMap<String, Vec<String>> = Default::default();
    for lead in leads {
        let entity = lead["entity"].as_str().unwrap();
        let sources = lead["sources"].as_array().unwrap();
        assert!(!sources.is_empty(), "{entity} names no rows");
        let named = named_in(lead);
        for src in sources {
            let src = src.as_str().unwrap();
            let (file, line) = src.rsplit_once(':').unwrap();
            let lines = files.entry(file.to_string()).or_insert_with(|| {
                std::fs::read_to_string(case.join(file))
                    .unwrap()
                    .lines()
                    .map(str::to_string)
                    .collect()
            });
            let n: usize = line.parse().unwrap();
            assert!(n >= 2 && n <= lines.len(), "{entity}: {src} is no row");
            let row = &lines[n - 1];
            let row_digits = digits(row);
            assert!(
                named.iter().any(|w| row.contains(w.as_str())
                    || (!digits(w).is_empty() && row_digits.contains(&digits(w)))),
                "{entity}: {src} ({row}) holds nothing its reasons name: {:?}",
                lead["reasons"]
            );
        }
    }
}

#[test]
fn every_lead_names_rows_that_back_its_reasons() {
    // The issue saw 31 leads naming no rows; and a person lead cited the
    // rows of his best phone's SIM swaps without the reason they back.
    let tmp = tempfile::tempdir().unwrap();
    let generated = tmp.path().join("generated");
    let (_, err, code) = run(&[
        "generate",
        "--seed",
        "7",
        "--size",
        "tiny",
        "--out",
        s(&generated),
    ]);
    assert_eq!(code, 0, "{err}");
    for case in [fixture("fixtures/demo"), generated] {
        let out = tmp.path().join("leads");
        let (_, err, code) = run(&["leads", s(&case), "--out", s(&out), "--format", "csv"]);
        assert_eq!(code, 0, "{err}");
        check_lead_rows(&out, &case);
    }
}
