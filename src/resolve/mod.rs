//! Entity resolution: persons.csv records, phones and handsets resolved into
//! individuals, every merge explained.
//!
//! The pipeline, one file per step:
//! 1. [`normalise`]: names (Latin, Chinese characters, pinyin; forms of
//!    address and nicknames), PRC id numbers (with the check character),
//!    dates, addresses; [`address`] reads Chinese addresses as places;
//! 2. [`block`]: blocking keys so that only plausible pairs are compared;
//! 3. [`score`]: Fellegi–Sunter comparison of each pair, with `m`/`u`
//!    estimated by EM from the case itself;
//! 4. [`cluster`]: average-linkage clustering of the pairs at or above the
//!    threshold, honouring the investigator's rejected pairs;
//! 5. [`phones`]: phones attached to individuals from claims,
//!    registrations, shared handsets and co-travel, conflicts reported;
//! 6. [`explain`]: the evidence of a merge in words, with source lines.
//!
//! [`decisions`] holds the analyst's same/different decisions (the case's
//! decisions file) and the review queue; [`quality`] measures a
//! resolution against a known answer.
//!
//! The result, [`Resolution`], maps every record and every phone to an
//! individual so that later passes can work at individual level:
//! [`Resolution::phone_groups`] is the phone → group mapping a contact graph
//! needs. Results are the same for any number of threads: pairs are
//! compared in parallel into vectors in pair order, and every sum and tie
//! runs in a fixed order.

pub mod address;
pub mod block;
pub mod cluster;
pub mod decisions;
pub mod explain;
pub mod normalise;
pub mod phones;
pub mod quality;
pub mod score;

use crate::error::{Error, Result};
use crate::graph::{CaseGraph, NONE};
use rand::{Rng, SeedableRng};
use rayon::prelude::*;
use rustc_hash::{FxHashMap, FxHashSet};

pub use block::{BlockLimits, BlockingStats};
pub use cluster::{Merge, Refusal, Refused};
pub use phones::{PhoneConfig, PhoneResolution};
pub use quality::{quality, Quality};
pub use score::{EmConfig, Field, Model, PairScore, Record, FIELDS};

/// Settings of a resolution run.
#[derive(Debug, Clone)]
pub struct ResolveConfig {
    /// When a block is too large to compare (see [`block::BlockLimits`]).
    pub blocks: block::BlockLimits,
    /// Match weight (log2 odds) at or above which two records are one
    /// individual; 0 means "more likely the same than not".
    pub threshold: f64,
    /// Average evidence (field weights without the prior) that the cross
    /// pairs of two clusters must reach for them to merge (see [`cluster`]).
    pub min_evidence: f64,
    /// Random record pairs drawn to estimate `u`.
    pub sample_pairs: usize,
    pub seed: u64,
    pub em: EmConfig,
    /// Pairs of person_id the investigator says are different people.
    pub rejected: Vec<(String, String)>,
    /// Pairs of person_id the analyst decided are one individual.
    pub same: Vec<(String, String)>,
    pub phones: PhoneConfig,
}

impl ResolveConfig {
    pub const DEFAULT_THRESHOLD: f64 = 0.0;
    pub const DEFAULT_MIN_EVIDENCE: f64 = 0.0;
    pub const DEFAULT_SAMPLE_PAIRS: usize = 50_000;
    pub const DEFAULT_SEED: u64 = 0x5eed;
}

impl ResolveConfig {
    /// The default settings with the analyst's decisions for the case at
    /// `case` (a folder or a snapshot) read from its decisions file
    /// ([`decisions::Decisions::default_path`]), if it has one.
    pub fn for_case(case: &std::path::Path) -> Result<ResolveConfig> {
        let path = decisions::Decisions::default_path(case);
        let mut config = ResolveConfig::default();
        config.apply(&decisions::Decisions::load(&path)?);
        Ok(config)
    }

    /// Honour these decisions: "different" pairs are kept apart, "same"
    /// pairs merged.
    pub fn apply(&mut self, decisions: &decisions::Decisions) {
        self.rejected
            .extend(decisions.pairs(decisions::Verdict::Different));
        self.same.extend(decisions.pairs(decisions::Verdict::Same));
    }
}

impl Default for ResolveConfig {
    fn default() -> Self {
        ResolveConfig {
            blocks: block::BlockLimits::default(),
            threshold: Self::DEFAULT_THRESHOLD,
            min_evidence: Self::DEFAULT_MIN_EVIDENCE,
            sample_pairs: Self::DEFAULT_SAMPLE_PAIRS,
            seed: Self::DEFAULT_SEED,
            em: EmConfig::default(),
            rejected: Vec::new(),
            same: Vec::new(),
            phones: PhoneConfig::default(),
        }
    }
}

/// A compared pair of records.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ScoredPair {
    pub a: u32,
    pub b: u32,
    pub score: PairScore,
}

/// The outcome of a resolution.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Resolution {
    /// Individual of each person record (index into `labels`).
    pub individual_of_person: Vec<u32>,
    /// Readable id of each individual, ordered by first source line: `I`
    /// and the position of its first record in persons.csv, so that ids
    /// stay put across reruns and corrections (numbers have gaps).
    pub labels: Vec<String>,
    /// Probability of the strongest link holding each record in its
    /// individual (NaN for an individual of one record).
    pub record_score: Vec<f64>,
    /// That link's other record ([`NONE`] for none).
    pub record_link: Vec<u32>,
    /// Every candidate pair compared, sorted by (a, b).
    pub pairs: Vec<ScoredPair>,
    pub merges: Vec<Merge>,
    pub refused: Vec<Refused>,
    pub model: Model,
    pub blocking: BlockingStats,
    pub threshold: f64,
    pub min_evidence: f64,
    pub phones: PhoneResolution,
    /// The decided pairs honoured (record indices, `(min, max)`), sorted:
    /// the investigator's and analyst's "different" and the analyst's "same".
    pub decided: Vec<(u32, u32, decisions::Verdict)>,
    /// Seconds spent in each step, in order (see [`STEPS`]); they differ
    /// from run to run, so they are not part of the serialised result.
    #[serde(skip)]
    pub timings: Vec<(&'static str, f64)>,
}

/// The steps of [`resolve`] timed in [`Resolution::timings`]: preparing
/// the records, blocking, comparing the candidate pairs, estimating the
/// model, scoring, clustering, attaching phones.
pub const STEPS: [&str; 7] = [
    "prepare", "blocking", "compare", "model", "score", "cluster", "phones",
];

impl Resolution {
    pub fn n_individuals(&self) -> usize {
        self.labels.len()
    }
    /// Individual of each phone, or [`NONE`].
    pub fn individual_of_phone(&self) -> &[u32] {
        &self.phones.individual_of_phone
    }
    /// The individual with this label (`I0003`).
    pub fn find_individual(&self, label: &str) -> Option<u32> {
        self.labels
            .iter()
            .position(|l| l.eq_ignore_ascii_case(label.trim()))
            .map(|i| i as u32)
    }
    /// The holder group with this label (`H0026`: phones tied together,
    /// by shared handsets or co-travel, whose holder no record names), as
    /// `central --level individual` and `export` name them.
    pub fn find_holder(&self, label: &str) -> Option<u32> {
        let t = label.trim();
        let digits = t.strip_prefix(['H', 'h'])?;
        let h: u32 = digits.parse().ok()?;
        (h >= 1 && h <= self.phones.n_holders && holder_label(h - 1).eq_ignore_ascii_case(t))
            .then(|| h - 1)
    }
    /// Phones of one holder group.
    pub fn holder_phones(&self, holder: u32) -> Vec<u32> {
        (0..self.phones.holder_of_phone.len() as u32)
            .filter(|&p| self.phones.holder_of_phone[p as usize] == holder)
            .collect()
    }
    /// Records of one individual, in file order.
    pub fn persons_of(&self, individual: u32) -> Vec<u32> {
        (0..self.individual_of_person.len() as u32)
            .filter(|&p| self.individual_of_person[p as usize] == individual)
            .collect()
    }
    /// Phones of one individual.
    pub fn phones_of(&self, individual: u32) -> Vec<u32> {
        (0..self.phones.individual_of_phone.len() as u32)
            .filter(|&p| self.phones.individual_of_phone[p as usize] == individual)
            .collect()
    }
    /// A group for every phone, for analysis at individual level: the
    /// phone's individual (`0..n_individuals`), else its holder group
    /// (`n_individuals..`), else a group of its own. Labels:
    /// [`Resolution::group_labels`].
    pub fn phone_groups(&self) -> Vec<u32> {
        let n_ind = self.labels.len() as u32;
        let mut next = n_ind + self.phones.n_holders;
        self.phones
            .individual_of_phone
            .iter()
            .zip(&self.phones.holder_of_phone)
            .map(|(&i, &h)| {
                if i != NONE {
                    i
                } else if h != NONE {
                    n_ind + h
                } else {
                    next += 1;
                    next - 1
                }
            })
            .collect()
    }
    /// Labels of the groups of [`Resolution::phone_groups`], indexed by
    /// group: `I0001` for an individual, `H0001` for a holder group, the
    /// number itself for a phone on its own.
    pub fn group_labels(&self, graph: &CaseGraph, groups: &[u32]) -> Vec<String> {
        let n_groups = groups.iter().map(|&g| g as usize + 1).max().unwrap_or(0);
        let mut labels: Vec<String> = self.labels.clone();
        labels.extend((0..self.phones.n_holders).map(holder_label));
        labels.resize(n_groups.max(labels.len()), String::new());
        for (phone, &g) in groups.iter().enumerate() {
            if labels[g as usize].is_empty() {
                labels[g as usize] = graph.phone_number(phone as u32).to_string();
            }
        }
        labels
    }
    /// The compared pair of two records, if blocking compared them.
    pub fn pair(&self, a: u32, b: u32) -> Option<&ScoredPair> {
        let key = (a.min(b), a.max(b));
        self.pairs
            .binary_search_by(|p| (p.a, p.b).cmp(&key))
            .ok()
            .map(|i| &self.pairs[i])
    }
}

/// `H0001`: the label of a holder group.
pub fn holder_label(h: u32) -> String {
    format!("H{:04}", h + 1)
}

/// Prepare each person record for comparison.
pub fn prepare_records(graph: &CaseGraph, phones: &PhoneConfig) -> Vec<Record> {
    // Handsets crowded with SIMs are not one person's, so they do not make
    // records' phones "shared handset".
    let mut sims: FxHashMap<u32, usize> = FxHashMap::default();
    for u in &graph.handset_uses {
        *sims.entry(u.handset).or_default() += 1;
    }
    // Subscriber id numbers of the registrations, skipping ids that
    // register more phones than 99% of the case's ids do (an identity used
    // to register SIMs in bulk says nothing about who uses each one).
    let reg_ids: Vec<String> = graph
        .registrations
        .iter()
        .map(|r| normalise::normalise_id_number(graph.str(r.subscriber_id_number)))
        .collect();
    let mut phones_per_id: FxHashMap<&str, FxHashSet<u32>> = FxHashMap::default();
    for (r, id) in graph.registrations.iter().zip(&reg_ids) {
        if !id.is_empty() {
            phones_per_id.entry(id).or_default().insert(r.phone);
        }
    }
    let max_per_id = percentile(phones_per_id.values().map(|s| s.len()).collect(), 0.99).max(2);
    // Records listing more phones than 90% of the records that list any.
    let many_phones = percentile(
        graph
            .persons
            .iter()
            .map(|p| graph.list(p.phones).len())
            .filter(|&n| n > 0)
            .collect(),
        0.90,
    )
    .max(2);
    graph
        .persons
        .par_iter()
        .map(|p| {
            let aliases: Vec<&str> = graph
                .list(p.aliases)
                .iter()
                .map(|&s| graph.str(crate::graph::Sym(s)))
                .collect();
            let mut record = Record::new(
                graph.str(p.name),
                &aliases,
                graph.str(p.id_number),
                p.dob,
                graph.str(p.address),
            );
            let mut phone_list: Vec<u32> = graph.list(p.phones).to_vec();
            phone_list.sort_unstable();
            phone_list.dedup();
            let mut handsets: Vec<u32> = phone_list
                .iter()
                .flat_map(|&ph| graph.handsets_of(ph))
                .map(|u| u.handset)
                .filter(|h| sims[h] <= phones.max_sims_per_handset)
                .collect();
            handsets.sort_unstable();
            handsets.dedup();
            let mut subscribers: Vec<String> = phone_list
                .iter()
                .flat_map(|&ph| graph.registrations_of(ph))
                .map(|&r| reg_ids[r as usize].clone())
                .filter(|id| {
                    phones_per_id
                        .get(id.as_str())
                        .is_some_and(|s| s.len() <= max_per_id)
                })
                .collect();
            subscribers.sort_unstable();
            subscribers.dedup();
            record.many_phones = phone_list.len() > many_phones;
            record.phones = phone_list;
            record.handsets = handsets;
            record.phone_subscribers = subscribers;
            record
        })
        .collect()
}

/// The value at quantile `q` of `values` (0 for none).
fn percentile(mut values: Vec<usize>, q: f64) -> usize {
    if values.is_empty() {
        return 0;
    }
    values.sort_unstable();
    let k = ((values.len() - 1) as f64 * q).round() as usize;
    values[k.min(values.len() - 1)]
}

fn sample_pairs(n: usize, want: usize, seed: u64) -> Vec<(u32, u32)> {
    let all = n * n.saturating_sub(1) / 2;
    if all <= want {
        let mut v = Vec::with_capacity(all);
        for a in 0..n as u32 {
            for b in a + 1..n as u32 {
                v.push((a, b));
            }
        }
        return v;
    }
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    let mut v = Vec::with_capacity(want);
    while v.len() < want {
        let a = rng.gen_range(0..n as u32);
        let b = rng.gen_range(0..n as u32);
        if a != b {
            v.push((a.min(b), a.max(b)));
        }
    }
    v
}

/// Resolve the case's person records and phones into individuals.
pub fn resolve(graph: &CaseGraph, config: &ResolveConfig) -> Result<Resolution> {
    let n = graph.persons.len();
    let mut watch = Laps::start();
    let decisions = analyst_decisions(graph, config)?;
    let records = prepare_records(graph, &config.phones);
    watch.lap(STEPS[0]);
    let (candidates, blocking) = block::candidate_pairs(&records, &config.blocks);
    watch.lap(STEPS[1]);
    let cand_patterns: Vec<score::Pattern> = candidates
        .par_iter()
        .map(|&(a, b)| score::compare(&records[a as usize], &records[b as usize]))
        .collect();
    watch.lap(STEPS[2]);
    let model = learn_model(&records, &candidates, &cand_patterns, n, config);
    let freq = score::NameFrequencies::new(&records);
    watch.lap(STEPS[3]);
    // Each candidate was compared once above; scoring reuses its pattern.
    let scorer = score::Scorer::new(&model, &freq, &records);
    let pairs: Vec<ScoredPair> = candidates
        .par_iter()
        .zip(&cand_patterns)
        .map(|(&(a, b), &pattern)| ScoredPair {
            a,
            b,
            score: scorer.score(pattern, a, b),
        })
        .collect();
    watch.lap(STEPS[4]);
    let prior = model.prior_weight();
    let links: Vec<cluster::Link> = pairs
        .iter()
        .map(|p| cluster::Link {
            a: p.a,
            b: p.b,
            weight: p.score.total,
            evidence: p.score.total - prior,
        })
        .collect();
    let clustering = cluster::cluster(
        n,
        &links,
        config.threshold,
        config.min_evidence,
        &decisions.rejected,
        &decisions.same,
        |a, b| {
            score::score(&model, &freq, &records[a as usize], &records[b as usize]).total - prior
        },
    );
    let (individual_of_person, labels) = number_individuals(graph, &clustering.cluster_of);
    let (record_score, record_link) = strongest_links(&pairs, &individual_of_person);
    watch.lap(STEPS[5]);
    let decided = decisions.listed();
    let phones = phones::resolve_phones(
        graph,
        &individual_of_person,
        |i| labels[i as usize].clone(),
        &config.phones,
    );
    watch.lap(STEPS[6]);
    Ok(Resolution {
        individual_of_person,
        labels,
        record_score,
        record_link,
        pairs,
        merges: clustering.merges,
        refused: clustering.refused,
        model,
        blocking,
        threshold: config.threshold,
        min_evidence: config.min_evidence,
        phones,
        decided,
        timings: watch.laps,
    })
}

/// Wall time of consecutive steps.
struct Laps {
    at: std::time::Instant,
    laps: Vec<(&'static str, f64)>,
}

impl Laps {
    fn start() -> Laps {
        Laps {
            at: std::time::Instant::now(),
            laps: Vec::new(),
        }
    }
    fn lap(&mut self, step: &'static str) {
        let now = std::time::Instant::now();
        self.laps.push((step, (now - self.at).as_secs_f64()));
        self.at = now;
    }
}

/// The analysts' decisions on pairs of records, as record numbers, each pair
/// smaller first: kept apart, and the same person.
struct AnalystDecisions {
    rejected: FxHashSet<(u32, u32)>,
    same: Vec<(u32, u32)>,
}

impl AnalystDecisions {
    /// Every decision once, sorted, for the resolution to report.
    fn listed(&self) -> Vec<(u32, u32, decisions::Verdict)> {
        let mut decided: Vec<(u32, u32, decisions::Verdict)> = self
            .rejected
            .iter()
            .map(|&(a, b)| (a, b, decisions::Verdict::Different))
            .chain(
                self.same
                    .iter()
                    .map(|&(a, b)| (a, b, decisions::Verdict::Same)),
            )
            .collect();
        decided.sort_unstable_by_key(|&(a, b, v)| (a, b, v == decisions::Verdict::Same));
        decided.dedup();
        decided
    }
}

/// Looks up the person_ids of the configured rejected and same pairs; a pair
/// naming an id persons.csv does not hold is an error, a pair of one record is
/// ignored.
fn analyst_decisions(graph: &CaseGraph, config: &ResolveConfig) -> Result<AnalystDecisions> {
    let by_id: FxHashMap<&str, u32> = graph
        .persons
        .iter()
        .enumerate()
        .map(|(i, p)| (graph.str(p.person_id), i as u32))
        .collect();
    let mut rejected: FxHashSet<(u32, u32)> = FxHashSet::default();
    let mut same: Vec<(u32, u32)> = Vec::new();
    for (kind, list) in [("rejected", &config.rejected), ("same", &config.same)] {
        for (x, y) in list {
            let find = |id: &String| {
                by_id.get(id.trim()).copied().ok_or_else(|| {
                    Error::Invalid(format!(
                        "{kind} pair {x},{y}: expected a person_id of persons.csv, found {id:?}"
                    ))
                })
            };
            let (a, b) = (find(x)?, find(y)?);
            if a == b {
                continue;
            }
            if kind == "rejected" {
                rejected.insert((a.min(b), a.max(b)));
            } else {
                same.push((a.min(b), a.max(b)));
            }
        }
    }
    Ok(AnalystDecisions { rejected, same })
}

/// Estimates the match model from the candidate pairs' patterns and from a
/// seeded sample of the pairs blocking did not compare, each sampled pair
/// standing for its share of all those pairs.
fn learn_model(
    records: &[score::Record],
    candidates: &[(u32, u32)],
    cand_patterns: &[score::Pattern],
    n: usize,
    config: &ResolveConfig,
) -> score::Model {
    let population = (n as f64) * (n.saturating_sub(1) as f64) / 2.0;
    let rest: Vec<(u32, u32)> = sample_pairs(n, config.sample_pairs, config.seed)
        .into_iter()
        .filter(|p| candidates.binary_search(p).is_err())
        .collect();
    let rest_weight = if rest.is_empty() {
        0.0
    } else {
        (population - candidates.len() as f64).max(0.0) / rest.len() as f64
    };
    let rest_patterns: Vec<score::Pattern> = rest
        .par_iter()
        .map(|&(a, b)| score::compare(&records[a as usize], &records[b as usize]))
        .collect();
    score::estimate(
        &score::count_patterns(cand_patterns.iter().copied()),
        &score::count_patterns(rest_patterns),
        rest_weight,
        &config.em,
    )
}

/// Individuals numbered by their first record in file order, and their
/// labels. An individual's id is its first record's position in persons.csv
/// (`I0007`: the seventh record), not its rank among individuals: a rejected
/// pair or a changed threshold moves only the records it touches, and every
/// other id an analyst wrote down stays.
fn number_individuals(graph: &CaseGraph, cluster_of: &[u32]) -> (Vec<u32>, Vec<String>) {
    let n = graph.persons.len();
    let mut first_line: FxHashMap<u32, (u32, u32)> = FxHashMap::default();
    for (p, &c) in cluster_of.iter().enumerate() {
        let line = graph.persons[p].line;
        let e = first_line.entry(c).or_insert((line, p as u32));
        *e = (*e).min((line, p as u32));
    }
    let mut order: Vec<(u32, u32, u32)> =
        first_line.iter().map(|(&c, &(l, p))| (l, p, c)).collect();
    order.sort_unstable();
    let width = n.to_string().len().max(4);
    let mut individual_of_cluster: FxHashMap<u32, u32> = FxHashMap::default();
    let mut labels = Vec::with_capacity(order.len());
    for (i, &(_, first, c)) in order.iter().enumerate() {
        individual_of_cluster.insert(c, i as u32);
        labels.push(format!("I{:0width$}", first + 1));
    }
    let individual_of_person: Vec<u32> = cluster_of
        .iter()
        .map(|c| individual_of_cluster[c])
        .collect();
    (individual_of_person, labels)
}

/// Each record's strongest link inside its individual: the probability of
/// that link and the record at its other end (NaN and NONE for a record alone).
fn strongest_links(pairs: &[ScoredPair], individual_of_person: &[u32]) -> (Vec<f64>, Vec<u32>) {
    let n = individual_of_person.len();
    let mut record_score = vec![f64::NAN; n];
    let mut record_link = vec![NONE; n];
    let mut best = vec![f64::NEG_INFINITY; n];
    for p in pairs {
        if individual_of_person[p.a as usize] != individual_of_person[p.b as usize] {
            continue;
        }
        for (x, y) in [(p.a, p.b), (p.b, p.a)] {
            let x = x as usize;
            if p.score.total > best[x] {
                best[x] = p.score.total;
                record_score[x] = p.score.probability();
                record_link[x] = y;
            }
        }
    }
    (record_score, record_link)
}
