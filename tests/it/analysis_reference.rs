//! Golden values: every pass against NetworkX on the criminal networks of
//! `tests/data/networks/` (and on case fixtures once added). The values were
//! made by `tests/reference/make_reference.py`; see `tests/reference/README.md`.
//!
//! Tolerances (the issue's): component partitions identical; degree,
//! betweenness, closeness and harmonic within 1e-9; PageRank and
//! eigenvector within 1e-6 (they agree far closer); Louvain modularity at
//! least NetworkX's `louvain_communities` on the same graph.

use crate::util;

use casegraph::analysis::{
    centrality, communities, components, modularity, CentralityConfig, CommunityConfig,
    ComponentsConfig, ContactGraph, Measure,
};
use serde_json::Value;
use std::collections::BTreeMap;

struct Reference {
    name: String,
    json: Value,
    graph: ContactGraph,
}

fn references() -> Vec<Reference> {
    let dir = util::reference_dir();
    let mut out = Vec::new();
    let mut paths: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    paths.sort();
    for p in paths {
        let json: Value = serde_json::from_str(&std::fs::read_to_string(&p).unwrap()).unwrap();
        let edges = util::edges_path(json["edges"].as_str().unwrap());
        let graph = util::read_edges(&edges);
        out.push(Reference {
            name: p.file_stem().unwrap().to_string_lossy().into_owned(),
            json,
            graph,
        });
    }
    assert!(
        out.len() >= 3,
        "expected at least 3 reference networks in {dir:?}"
    );
    out
}

fn check_values(r: &Reference, key: &str, config: &CentralityConfig, tol: f64) {
    let Some(expected) = r.json[key].as_object() else {
        return;
    };
    let got = centrality(&r.graph, config).unwrap();
    assert_eq!(expected.len(), r.graph.n_nodes(), "{}: {key}", r.name);
    let mut worst = (0.0f64, String::new());
    for v in 0..r.graph.n_nodes() as u32 {
        let name = r.graph.name(v);
        let want = expected[name].as_f64().unwrap();
        let diff = (got.values[v as usize] - want).abs();
        if diff > worst.0 {
            worst = (diff, name.to_string());
        }
    }
    assert!(
        worst.0 <= tol,
        "{}: {key}: node {} off by {:e} (tolerance {tol:e})",
        r.name,
        worst.1,
        worst.0
    );
}

#[test]
fn sizes_match() {
    for r in references() {
        assert_eq!(
            r.graph.n_nodes() as u64,
            r.json["n_nodes"].as_u64().unwrap(),
            "{}",
            r.name
        );
        assert_eq!(
            r.graph.n_edges() as u64,
            r.json["n_edges"].as_u64().unwrap(),
            "{}",
            r.name
        );
    }
}

#[test]
fn component_partitions_are_identical() {
    for r in references() {
        let c = components(&r.graph, &ComponentsConfig::default()).unwrap();
        let mut ours: Vec<Vec<String>> = (0..c.len() as u32)
            .map(|k| {
                let mut m: Vec<String> = c
                    .members(k)
                    .iter()
                    .map(|&v| r.graph.name(v).to_string())
                    .collect();
                m.sort();
                m
            })
            .collect();
        ours.sort();
        let theirs: Vec<Vec<String>> =
            serde_json::from_value(r.json["components"].clone()).unwrap();
        assert_eq!(ours, theirs, "{}", r.name);
    }
}

#[test]
fn degree_and_strength() {
    for r in references() {
        check_values(&r, "degree", &CentralityConfig::new(Measure::Degree), 1e-9);
        check_values(
            &r,
            "strength",
            &CentralityConfig::new(Measure::Strength),
            1e-9,
        );
    }
}

#[test]
fn betweenness_exact() {
    for r in references() {
        let mut c = CentralityConfig::new(Measure::Betweenness);
        check_values(&r, "betweenness", &c, 1e-9);
        c.weighted = true;
        check_values(&r, "betweenness_weighted", &c, 1e-9);
        c.weighted = false;
        c.normalized = false;
        check_values(&r, "betweenness_raw", &c, 1e-9);
    }
}

#[test]
fn closeness_and_harmonic() {
    for r in references() {
        for (m, key) in [
            (Measure::Closeness, "closeness"),
            (Measure::Harmonic, "harmonic"),
        ] {
            let mut c = CentralityConfig::new(m);
            check_values(&r, key, &c, 1e-9);
            c.weighted = true;
            check_values(&r, &format!("{key}_weighted"), &c, 1e-9);
        }
    }
}

#[test]
fn pagerank_and_eigenvector() {
    let mut eigen_checked = 0;
    for r in references() {
        for (m, key) in [
            (Measure::Pagerank, "pagerank"),
            (Measure::Eigenvector, "eigenvector"),
        ] {
            let mut c = CentralityConfig::new(m);
            check_values(&r, key, &c, 1e-6);
            c.weighted = true;
            check_values(&r, &format!("{key}_weighted"), &c, 1e-6);
        }
        // Our own defaults are much tighter than the 1e-6.
        check_values(
            &r,
            "pagerank",
            &CentralityConfig::new(Measure::Pagerank),
            1e-9,
        );
        eigen_checked += r.json["eigenvector"].is_object() as usize;
    }
    assert!(
        eigen_checked >= 3,
        "eigenvector goldens exist for connected networks"
    );
}

#[test]
fn modularity_matches_networkx_on_its_own_partition() {
    for r in references() {
        let theirs: Vec<Vec<String>> =
            serde_json::from_value(r.json["louvain_communities"].clone()).unwrap();
        let mut index = BTreeMap::new();
        for (i, c) in theirs.iter().enumerate() {
            for name in c {
                index.insert(name.clone(), i as u32);
            }
        }
        let part: Vec<u32> = (0..r.graph.n_nodes() as u32)
            .map(|v| index[r.graph.name(v)])
            .collect();
        let q = modularity(&r.graph, &part, 1.0);
        let want = r.json["louvain_modularity"].as_f64().unwrap();
        assert!((q - want).abs() < 1e-12, "{}: {q} vs {want}", r.name);
    }
}

#[test]
fn louvain_is_at_least_as_good_as_networkx_and_communities_are_connected() {
    for r in references() {
        let c = communities(&r.graph, &CommunityConfig::default()).unwrap();
        let want = r.json["louvain_modularity"].as_f64().unwrap();
        assert!(
            c.modularity >= want - 1e-12,
            "{}: modularity {} below networkx's {want}",
            r.name,
            c.modularity
        );
        util::assert_communities_connected(&r.graph, &c);
    }
}
