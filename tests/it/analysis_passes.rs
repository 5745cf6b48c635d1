//! Properties of the passes that hold on any graph: the same bits for any
//! thread count, sampled betweenness within its documented error, grouping
//! phones into individuals, and the contact graph of a case.

#[path = "../../benches/common/mod.rs"]
mod synth;

use crate::util;

use casegraph::analysis::betweenness::sampled_error_bound;
use casegraph::analysis::{
    centrality, communities, components, CentralityConfig, CommunityConfig, ComponentsConfig,
    ContactConfig, ContactGraph, Grouping, Measure,
};
use casegraph::model::NodeKind;

fn in_pool<T: Send>(threads: usize, f: impl FnOnce() -> T + Send) -> T {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap()
        .install(f)
}

fn bits(v: &[f64]) -> Vec<u64> {
    v.iter().map(|x| x.to_bits()).collect()
}

#[test]
fn every_pass_gives_the_same_bits_on_one_two_and_three_threads() {
    // Big enough for several betweenness waves and sum chunks.
    let g = synth::heavy_tailed(9000, 30_000, 7);
    let mut configs = Vec::new();
    for &m in Measure::ALL {
        let mut c = CentralityConfig::new(m);
        if m == Measure::Betweenness || m == Measure::Closeness || m == Measure::Harmonic {
            c.weighted = true;
            if m == Measure::Betweenness {
                c.sample = Some(200);
            } else {
                continue; // O(n·m): covered on the small datasets by the CLI test
            }
        }
        configs.push(c);
    }
    let mut unweighted_exact = CentralityConfig::new(Measure::Betweenness);
    unweighted_exact.sample = Some(300);
    configs.push(unweighted_exact);
    for c in &configs {
        let runs: Vec<Vec<u64>> = [1, 2, 3]
            .iter()
            .map(|&t| in_pool(t, || bits(&centrality(&g, c).unwrap().values)))
            .collect();
        assert_eq!(runs[0], runs[1], "{c:?}");
        assert_eq!(runs[0], runs[2], "{c:?}");
    }
    let comm: Vec<(Vec<u32>, u64)> = [1, 2]
        .iter()
        .map(|&t| {
            in_pool(t, || {
                let c = communities(&g, &CommunityConfig::default()).unwrap();
                (c.community_of, c.modularity.to_bits())
            })
        })
        .collect();
    assert_eq!(comm[0], comm[1]);
    let comp: Vec<Vec<u32>> = [1, 2]
        .iter()
        .map(|&t| {
            in_pool(t, || {
                components(&g, &ComponentsConfig::default())
                    .unwrap()
                    .component_of
            })
        })
        .collect();
    assert_eq!(comp[0], comp[1]);
}

#[test]
fn sampled_betweenness_stays_within_its_error_bound() {
    let g = util::network("noordin-top");
    let exact = centrality(&g, &CentralityConfig::new(Measure::Betweenness)).unwrap();
    for (k, seed) in [(20, 1), (40, 2), (80, 3)] {
        let mut c = CentralityConfig::new(Measure::Betweenness);
        c.sample = Some(k);
        c.seed = seed;
        let s = centrality(&g, &c).unwrap();
        let bound = sampled_error_bound(g.n_nodes(), k, 0.05);
        assert_eq!(s.error_bound, Some(bound));
        let worst = exact
            .values
            .iter()
            .zip(&s.values)
            .map(|(a, b)| (a - b).abs())
            .fold(0.0, f64::max);
        assert!(
            worst <= bound,
            "k={k}: worst error {worst} above bound {bound}"
        );
        // And the top broker is still found from a sample.
        assert_eq!(g.name(s.order[0]), "Noordin Mohammed Top");
    }
}

/// A case in memory: calls as (caller, callee, count) pairs written to a
/// folder and ingested.
fn case_with_calls(calls: &[(&str, &str, usize)]) -> casegraph::CaseGraph {
    let dir = tempfile::tempdir().unwrap();
    let mut text = String::from("caller,callee,start\n");
    for (i, &(a, b, n)) in calls.iter().enumerate() {
        for k in 0..n {
            text.push_str(&format!(
                "{a},{b},2026-03-01 10:{:02}:{:02}\n",
                i % 60,
                k % 60
            ));
        }
    }
    std::fs::write(dir.path().join("calls.csv"), text).unwrap();
    casegraph::open_case(dir.path(), &Default::default()).unwrap()
}

#[test]
fn grouping_phones_into_individuals_is_one_call() {
    // Li uses two phones (...01, ...02); Wang one (...03); Zhao one (...04).
    let case = case_with_calls(&[
        ("13800000001", "13800000003", 2),
        ("13800000002", "13800000003", 3),
        ("13800000001", "13800000002", 5), // Li to himself: dropped
        ("13800000004", "13800000003", 1),
    ]);
    let phone = |n: &str| case.find_phone(n).unwrap() as usize;
    let mut group_of = vec![casegraph::graph::NONE; case.phones.len()];
    group_of[phone("13800000001")] = 0;
    group_of[phone("13800000002")] = 0;
    group_of[phone("13800000003")] = 1;
    let grouping = Grouping {
        group_of,
        labels: vec![
            (NodeKind::Person, "P-LI".into()),
            (NodeKind::Person, "P-WANG".into()),
        ],
    };
    let g =
        ContactGraph::from_case_grouped(&case, &ContactConfig::default(), Some(&grouping)).unwrap();
    assert_eq!(g.n_nodes(), 3);
    let li = g.find("P-LI").unwrap();
    let wang = g.find("P-WANG").unwrap();
    let zhao = g.find("+8613800000004").unwrap();
    assert_eq!(g.kind(li), NodeKind::Person);
    assert_eq!(
        g.kind(zhao),
        NodeKind::Phone,
        "a phone outside every group stays a phone"
    );
    assert_eq!(g.neighbours(li), &[wang]);
    assert_eq!(g.weights(li), &[5.0]);
    assert_eq!(g.n_edges(), 2);
    // Phone level keeps the two phones apart.
    let phones = ContactGraph::from_case(&case, &ContactConfig::default()).unwrap();
    assert_eq!((phones.n_nodes(), phones.n_edges()), (4, 4));
}

#[test]
fn a_case_contact_graph_counts_calls_both_ways_and_drops_self_calls() {
    let case = case_with_calls(&[
        ("13800000001", "13800000002", 2),
        ("13800000002", "13800000001", 3),
        ("13800000001", "13800000001", 4),
    ]);
    let g = ContactGraph::from_case(&case, &ContactConfig::default()).unwrap();
    assert_eq!(g.n_nodes(), 2);
    assert_eq!(g.weights(0), &[5.0]);
    assert!(g.hubs.is_empty());
    let strict = ContactConfig {
        min_events: 6,
        ..ContactConfig::default()
    };
    assert_eq!(
        ContactGraph::from_case(&case, &strict).unwrap().n_nodes(),
        0
    );
}
