//! Centrality: one entry point for every measure, with values ranked
//! (highest first, ties by node id). Each measure lives in its own file:
//! [`super::degree`], [`super::pagerank`], [`super::betweenness`],
//! [`super::closeness`], [`super::eigenvector`]; their docs give the
//! normalisation (NetworkX's by default) and how weights are used.

use crate::analysis::betweenness::{self, Sources};
use crate::analysis::contact::ContactGraph;
use crate::analysis::{closeness, degree, eigenvector, pagerank, rank_desc};
use crate::error::{Error, Result};

/// The centrality measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Measure {
    Degree,
    Strength,
    Pagerank,
    Betweenness,
    Closeness,
    Harmonic,
    Eigenvector,
}

impl Measure {
    pub const ALL: &'static [Measure] = &[
        Measure::Degree,
        Measure::Strength,
        Measure::Pagerank,
        Measure::Betweenness,
        Measure::Closeness,
        Measure::Harmonic,
        Measure::Eigenvector,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            Measure::Degree => "degree",
            Measure::Strength => "strength",
            Measure::Pagerank => "pagerank",
            Measure::Betweenness => "betweenness",
            Measure::Closeness => "closeness",
            Measure::Harmonic => "harmonic",
            Measure::Eigenvector => "eigenvector",
        }
    }
    pub fn parse(s: &str) -> Option<Measure> {
        Measure::ALL
            .iter()
            .copied()
            .find(|m| m.as_str().eq_ignore_ascii_case(s.trim()))
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct CentralityConfig {
    pub measure: Measure,
    /// Use pair weights: as transition weights (pagerank, eigenvector) or
    /// as lengths `1 / weight` (betweenness, closeness, harmonic). Degree
    /// ignores it; strength is always weighted.
    pub weighted: bool,
    /// NetworkX's normalisation (degree and betweenness); on by default.
    pub normalized: bool,
    /// Betweenness from this many sampled sources instead of all.
    pub sample: Option<usize>,
    pub seed: u64,
    pub alpha: f64,
    /// Convergence tolerance (L1 change) for pagerank and eigenvector;
    /// `None` takes each measure's default.
    pub tol: Option<f64>,
    /// How pagerank measures the change against `tol`.
    pub norm: pagerank::Norm,
    pub max_iter: Option<usize>,
}

impl CentralityConfig {
    pub fn new(measure: Measure) -> Self {
        CentralityConfig {
            measure,
            weighted: false,
            normalized: true,
            sample: None,
            seed: 0,
            alpha: pagerank::DEFAULT_ALPHA,
            tol: None,
            norm: pagerank::Norm::L1,
            max_iter: None,
        }
    }
}

/// Values of a measure, with ranks.
#[derive(Debug, Clone, PartialEq)]
pub struct Centrality {
    pub measure: Measure,
    pub values: Vec<f64>,
    /// 1-based rank of each node.
    pub rank: Vec<u32>,
    /// Nodes in rank order.
    pub order: Vec<u32>,
    /// Power iterations taken (pagerank, eigenvector).
    pub iterations: Option<usize>,
    /// Sampled betweenness: sources used and the bound on every node's error
    /// at 95% confidence (see [`betweenness`](super::betweenness)).
    pub sources: Option<usize>,
    pub error_bound: Option<f64>,
}

/// Compute one centrality measure over the contact graph.
pub fn centrality(g: &ContactGraph, config: &CentralityConfig) -> Result<Centrality> {
    if config.sample.is_some() && config.measure != Measure::Betweenness {
        return Err(Error::Invalid(format!(
            "centrality: --sample applies to betweenness, found measure {}",
            config.measure.as_str()
        )));
    }
    let mut iterations = None;
    let (mut sources, mut error_bound) = (None, None);
    let values = match config.measure {
        Measure::Degree => degree::degree(g, config.normalized),
        Measure::Strength => degree::strength(g),
        Measure::Pagerank => {
            let (v, it) = pagerank::pagerank(
                g,
                config.alpha,
                config.tol.unwrap_or(pagerank::DEFAULT_TOL),
                config.max_iter.unwrap_or(pagerank::DEFAULT_MAX_ITER),
                config.weighted,
                config.norm,
            )?;
            iterations = Some(it);
            v
        }
        Measure::Eigenvector => {
            let (v, it) = eigenvector::eigenvector(
                g,
                config.tol.unwrap_or(eigenvector::DEFAULT_TOL),
                config.max_iter.unwrap_or(eigenvector::DEFAULT_MAX_ITER),
                config.weighted,
            )?;
            iterations = Some(it);
            v
        }
        Measure::Betweenness => {
            let src = match config.sample {
                None => Sources::All,
                Some(k) => {
                    let k = k.min(g.n_nodes());
                    sources = Some(k);
                    error_bound = Some(betweenness::sampled_error_bound(
                        g.n_nodes(),
                        k,
                        betweenness::DEFAULT_DELTA,
                    ));
                    Sources::Sample {
                        k,
                        seed: config.seed,
                    }
                }
            };
            betweenness::betweenness(g, src, config.weighted, config.normalized)?
        }
        Measure::Closeness => closeness::closeness(g, config.weighted),
        Measure::Harmonic => closeness::harmonic(g, config.weighted),
    };
    let (rank, order) = rank_desc(&values);
    Ok(Centrality {
        measure: config.measure,
        values,
        rank,
        order,
        iterations,
        sources,
        error_bound,
    })
}
