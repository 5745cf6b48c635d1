//! fixtures/tiny, worked out by hand (see fixtures/tiny/README.md): every
//! count and link the README's table promises.

use super::util::*;
use casegraph::graph::provenance::{node_sources, NodeRef};
use casegraph::model::{time, NodeKind};

fn phone(g: &casegraph::CaseGraph, raw: &str) -> u32 {
    g.find_phone(raw)
        .unwrap_or_else(|| panic!("phone {raw} in the graph"))
}

#[test]
fn every_count_matches_the_hand_worked_table() {
    let g = ingest(&fixture("fixtures/tiny"));
    assert_eq!(g.persons.len(), 10);
    assert_eq!(g.phones.len(), 12);
    assert_eq!(g.handsets.len(), 2);
    assert_eq!(g.locations.len(), 4);
    assert_eq!(g.incidents.len(), 4);
    assert_eq!(g.accounts.len(), 2);
    assert_eq!(g.events.len(), 19);
    assert_eq!(g.events.iter().filter(|e| e.is_text()).count(), 2);
    assert_eq!(g.call_links.len(), 15);
    assert_eq!(g.handset_uses.len(), 3);
    assert_eq!(g.phone_locations.len(), 8);
    assert_eq!(g.person_phones.len(), 10);
    let s = casegraph::stats::case_stats(&g, 3);
    let edges: Vec<(String, u64)> = s.edges.iter().map(|k| (k.kind.clone(), k.count)).collect();
    assert!(edges.contains(&("incident_phone".into(), 3)));
    assert!(edges.contains(&("incident_account".into(), 4)));
    assert!(edges.contains(&("incident_victim".into(), 4)));
    assert!(edges.contains(&("incident_location".into(), 4)));
    assert!(g.report.rejects.is_empty(), "{:?}", g.report.rejects);
}

#[test]
fn the_boss_talks_only_to_his_lieutenants() {
    let g = ingest(&fixture("fixtures/tiny"));
    let boss = phone(&g, "139 0000 0001");
    let mut peers: Vec<&str> = g
        .calls_from(boss)
        .iter()
        .map(|l| g.phone_number(l.callee))
        .collect();
    peers.extend(g.calls_to(boss).map(|l| g.phone_number(l.caller)));
    peers.sort();
    peers.dedup();
    assert_eq!(peers, ["+8613900000002", "+8613900000003"]);
    // Two calls to lieutenant 2 (lines 3 and 18), one of them written with a T.
    let l2 = phone(&g, "13900000003");
    let link = g.calls_from(boss).iter().find(|l| l.callee == l2).unwrap();
    assert_eq!(
        (link.n_calls, link.n_texts, link.total_seconds),
        (2, 0, 165)
    );
    assert_eq!(time::show(link.first), "2026-03-01 09:05:00");
    assert_eq!(time::show(link.last), "2026-03-10 08:00:00");
    assert_eq!(
        casegraph::graph::provenance::call_link_lines(&g, boss, l2),
        vec![3, 18]
    );
}

#[test]
fn times_with_offsets_land_on_the_case_clock() {
    let g = ingest(&fixture("fixtures/tiny"));
    let burner = phone(&g, "13700000001");
    let v2 = phone(&g, "13600000002");
    let link = g
        .calls_from(burner)
        .iter()
        .find(|l| l.callee == v2)
        .unwrap();
    assert_eq!(
        time::show(link.first),
        "2026-03-04 10:05:00",
        "02:05Z is 10:05 in UTC+8"
    );
}

#[test]
fn two_burners_rotate_through_one_handset() {
    let g = ingest(&fixture("fixtures/tiny"));
    let b1 = phone(&g, "13700000001");
    let b2 = phone(&g, "13700000002");
    let h1 = g.handsets_of(b1);
    let h2 = g.handsets_of(b2);
    assert_eq!(h1.len(), 1);
    assert_eq!(h2.len(), 1);
    assert_eq!(h1[0].handset, h2[0].handset);
    assert_eq!(g.str(g.handsets[h1[0].handset as usize]), "356938035643809");
    assert_eq!((h1[0].n_events, h1[0].registration_line), (4, 2));
    assert_eq!((h2[0].n_events, h2[0].registration_line), (4, 3));
    assert!(
        h1[0].last < h2[0].first,
        "burner 1 retired before burner 2 began"
    );
}

#[test]
fn person_phone_links_say_claimed_or_registered() {
    let g = ingest(&fixture("fixtures/tiny"));
    let l1 = phone(&g, "13900000002");
    let links: Vec<_> = g.person_phones.iter().filter(|l| l.phone == l1).collect();
    assert_eq!(links.len(), 1);
    let p = &g.persons[links[0].person as usize];
    assert_eq!(g.str(p.person_id), "P03");
    assert!(links[0].claimed() && links[0].registered());
    assert_eq!((links[0].claimed_line, links[0].registration_line), (4, 4));
    let boss = phone(&g, "13900000001");
    let owners: Vec<&str> = g
        .person_phones
        .iter()
        .filter(|l| l.phone == boss)
        .map(|l| g.str(g.persons[l.person as usize].person_id))
        .collect();
    assert_eq!(
        owners,
        ["P01", "P02"],
        "both records of the boss claim his phone"
    );
}

#[test]
fn every_node_names_its_source_lines() {
    let g = ingest(&fixture("fixtures/tiny"));
    let b1 = phone(&g, "13700000001");
    let sources = node_sources(
        &g,
        NodeRef {
            kind: NodeKind::Phone,
            idx: b1,
        },
        10,
    );
    let described: Vec<String> = sources.iter().map(|s| s.describe()).collect();
    assert_eq!(
        described,
        ["calls.csv:5,6,7,8", "phones.csv:2", "incidents.csv:2,3"],
    );
    let account = g
        .accounts
        .iter()
        .position(|&a| g.str(a) == "6222020000000001")
        .unwrap() as u32;
    let sources = node_sources(
        &g,
        NodeRef {
            kind: NodeKind::Account,
            idx: account,
        },
        1,
    );
    assert_eq!(sources[0].describe(), "incidents.csv:2 (+2 more)");
}
