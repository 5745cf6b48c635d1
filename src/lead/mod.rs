//! `casegraph leads`: the nightly job. From a case to ranked leads, each
//! explained back to the source rows behind it.
//!
//! The pipeline, one stage per file, each a function from what it needs to
//! a named result; [`run`] only sequences and times them:
//! 1. service numbers ([`crate::analysis::hubs`]) and entity resolution
//!    ([`crate::resolve`]);
//! 2. [`facts`]: the pattern detectors ([`patterns`]: burner, SIM swap,
//!    phones named in fraud reports, fan-out to victims, bursts before
//!    fraud, money to accounts, contact with reported numbers,
//!    co-location, odd hours) and what they say of each phone;
//! 3. [`units`]: phones grouped into holders (one person's phones, SIMs
//!    rotated through a fraud SIM's handset), and [`ties`]: the typed
//!    evidence between holders (calls, handset, den, registration,
//!    incident, account);
//! 4. [`gang`]: groups in which every member earns his place by two kinds
//!    of evidence, bounded in size and cohesive; the rest listed as dropped;
//! 5. [`members`] and [`role`]: every phone of every member with its role,
//!    confidence, evidence and source rows; [`broker`]s between gangs;
//! 6. [`rank`]: ranked phone and person leads; [`hotspot`]s.
//!
//! The output folder (result files, report, manifest) is written by
//! [`crate::results`], above this module. Everything here is
//! deterministic: sorted collections, ties broken by index, Louvain seeded.

pub mod broker;
pub mod config;
pub mod evidence;
pub mod facts;
pub mod gang;
pub mod hotspot;
pub mod members;
pub mod patterns;
pub mod rank;
pub mod role;
pub mod ties;
pub mod units;
pub mod write;

pub use config::LeadConfig;
pub use role::Role;

use crate::analysis::{ContactConfig, ContactGraph, Hub};
use crate::error::Result;
use crate::graph::provenance::NodeRef;
use crate::graph::CaseGraph;
use crate::model::NodeKind;
use patterns::{Context, Hit};
use std::time::Instant;

/// A member of a gang: one phone, its role, and the person records of its holder.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Member {
    pub phone: String,
    #[serde(skip)]
    pub phone_idx: u32,
    pub role: Role,
    pub role_reason: String,
    /// How sure the structure is of the role, in [0, 1].
    pub role_confidence: f64,
    /// How sure the evidence is that the holder belongs, in [0, 1] (see [`members`]).
    pub confidence: f64,
    /// Kinds of evidence tying the holder to the other members.
    pub evidence: Vec<ties::Evidence>,
    pub score: f64,
    /// Person records of the holder of this ordinary phone: the gang's people.
    pub person_ids: Vec<String>,
    /// Person records claiming this fraud SIM: an identity it was registered
    /// or listed under, often stolen; not members of the gang.
    pub registered_to: Vec<String>,
    pub patterns: Vec<patterns::PatternKind>,
    /// Source rows behind the membership, `file:line`.
    pub sources: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Gang {
    pub gang_id: String,
    pub score: f64,
    /// Share of the members' evidence weight inside the gang.
    pub cohesion: f64,
    /// When no single boss stands out: the phones of the holders at the top.
    pub leadership: Vec<String>,
    pub members: Vec<Member>,
    pub incidents: Vec<String>,
    pub victims: Vec<String>,
    pub accounts: Vec<String>,
    /// Other gangs one of whose phones this gang's phones called.
    pub linked_gangs: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ScoreParts {
    pub patterns: f64,
    pub role: f64,
    pub gang: f64,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Lead {
    pub rank: u32,
    pub entity_kind: &'static str,
    pub entity: String,
    pub score: f64,
    pub parts: ScoreParts,
    pub gang: Option<String>,
    pub role: Option<Role>,
    pub reasons: Vec<String>,
    pub sources: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Timing {
    pub stage: &'static str,
    pub seconds: f64,
}

/// One entity's entry in the analyst's notes file, as the report shows it.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct AnalystNote {
    /// `entity_kind:entity`, the key of a lead.
    pub entity: String,
    pub label: Option<String>,
    pub note: Option<String>,
    /// `new`, `confirmed` or `dismissed`.
    pub status: Option<String>,
    pub analyst: Option<String>,
    pub updated: Option<String>,
}

/// A phone or a person the analyst confirmed as a gang member (the
/// case's notes file), and what this run made of it. Apart from
/// [`Member`], which is the detectors': a confirmation is never evidence
/// the detectors read.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ConfirmedMember {
    /// `phone` or `person`.
    pub entity_kind: &'static str,
    /// The number (canonical) or the person_id (persons.csv's, as gangs.csv's
    /// person rows name it).
    pub entity: String,
    /// The number, for a confirmed phone; absent for a person.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    /// The gang of this run it is a member of; `None`: listed apart.
    pub gang_id: Option<String>,
    /// How it got there: `detected` (the detectors put it in the gang, a
    /// person through a phone of its holder; the confirmation names the
    /// analyst beside their evidence), `kept` (the detectors did not; it is
    /// in the gang on the analyst's confirmation alone, its membership
    /// confidence the analyst's) or `apart` (no gang of this run holds the
    /// phones it was confirmed with).
    pub placement: &'static str,
    pub analyst: String,
    /// When the analyst confirmed it (UTC), as the notes file says.
    pub confirmed_on: Option<String>,
    /// The gang id it was confirmed with, in the run the analyst saw.
    pub confirmed_gang: Option<String>,
    /// How many of that gang's other phones it was confirmed with (for a
    /// person: the phones of the gang's other holders), and how many of
    /// them are in `gang_id` now.
    pub confirmed_with: usize,
    pub still_together: usize,
    pub reason: String,
}

impl ConfirmedMember {
    /// `placement` of a member kept on the confirmation alone.
    pub const KEPT: &'static str = "kept";
    pub const DETECTED: &'static str = "detected";
    pub const APART: &'static str = "apart";
}

/// Everything one run found.
#[derive(Debug, Clone)]
pub struct LeadRun {
    pub hubs: Vec<Hub>,
    pub n_individuals: usize,
    pub hits: Vec<Hit>,
    /// Ties between holders (see [`ties`]).
    pub evidence_links: usize,
    pub gangs: Vec<Gang>,
    /// Groups not reported as gangs, and why.
    pub dropped: Vec<gang::Dropped>,
    pub leads: Vec<Lead>,
    /// Leads the analyst dismissed (the case's notes file), listed apart.
    pub dismissed: Vec<Lead>,
    /// What the analyst wrote in the case's notes file (labels, notes,
    /// statuses), by entity key, for the report; the detectors never read it.
    pub analyst_notes: Vec<AnalystNote>,
    /// Phones and persons the analyst confirmed as gang members, placed
    /// (or not) in this run's gangs (see [`ConfirmedMember`]), in the notes
    /// file's key order.
    pub confirmed_members: Vec<ConfirmedMember>,
    pub hotspots: Vec<hotspot::Hotspot>,
    pub timings: Vec<Timing>,
}

impl LeadRun {
    /// The analyst's confirmation of `phone` as a member of gang `gang_id`, if any.
    pub fn confirmation(&self, gang_id: &str, phone: &str) -> Option<&ConfirmedMember> {
        self.confirmation_of(gang_id, "phone", phone)
    }

    /// The analyst's confirmation of `entity` (a `phone` number or a
    /// `person` id, by `entity_kind`) as a member of gang `gang_id`, if any.
    pub fn confirmation_of(
        &self,
        gang_id: &str,
        entity_kind: &str,
        entity: &str,
    ) -> Option<&ConfirmedMember> {
        self.confirmed_members.iter().find(|c| {
            c.entity_kind == entity_kind
                && c.entity == entity
                && c.gang_id.as_deref() == Some(gang_id)
        })
    }
}

/// The manifest's names of [`crate::resolve::STEPS`]: parts of the
/// "resolve" stage, not stages of their own.
const RESOLVE_STEPS: [&str; 7] = [
    "resolve/prepare",
    "resolve/blocking",
    "resolve/compare",
    "resolve/model",
    "resolve/score",
    "resolve/cluster",
    "resolve/phones",
];

/// Stage timings.
struct Stopwatch {
    at: Instant,
    timings: Vec<Timing>,
}

impl Stopwatch {
    fn lap(&mut self, stage: &'static str) {
        self.timings.push(Timing {
            stage,
            seconds: self.at.elapsed().as_secs_f64(),
        });
        self.at = Instant::now();
    }
}

/// Service numbers on the case's contact graph.
fn hubs(g: &CaseGraph, config: &LeadConfig) -> Result<Vec<Hub>> {
    let cc = ContactGraph::from_case(
        g,
        &ContactConfig {
            hubs: config.hub_config(),
            ..Default::default()
        },
    )?;
    Ok(cc.hubs.clone())
}

/// Run the pipeline on a case.
pub fn run(g: &CaseGraph, config: &LeadConfig) -> Result<LeadRun> {
    run_with(g, config, &crate::resolve::ResolveConfig::default())
}

/// [`run`], resolving person records with `resolve` (the analyst's
/// decisions for the case: [`crate::resolve::ResolveConfig::for_case`]).
pub fn run_with(
    g: &CaseGraph,
    config: &LeadConfig,
    resolve: &crate::resolve::ResolveConfig,
) -> Result<LeadRun> {
    let mut watch = Stopwatch {
        at: Instant::now(),
        timings: Vec::new(),
    };
    let hubs = hubs(g, config)?;
    watch.lap("hubs");
    let resolution = crate::resolve::resolve(g, resolve)?;
    watch.lap("resolve");
    // The steps of resolution, listed after it as parts of it.
    for (stage, (_, seconds)) in RESOLVE_STEPS.iter().zip(&resolution.timings) {
        watch.timings.push(Timing {
            stage,
            seconds: *seconds,
        });
    }
    let facts = facts::find(g, config, hubs, &resolution.individual_of_person);
    watch.lap("patterns");
    let eligible = |p: u32| facts.ctx.eligible(p);
    let units = units::build(
        g,
        &units::Inputs {
            eligible: &eligible,
            fraud_sim: &facts.fraud_sim,
            individual_of_person: &resolution.individual_of_person,
        },
    );
    let contact_bound = ties::contact_bound(g, &eligible, config.gangs.contact_factor);
    let ties = ties::build(
        g,
        &ties::Inputs {
            units: &units,
            fraud_sim: &facts.fraud_sim,
            burner: &facts.burner,
            fraud_incidents: &facts.ctx.fraud,
            individual_of_person: &resolution.individual_of_person,
            contact_bound,
            max_sims_per_handset: config.sim_swap.max_sims,
            min_call_events: config.gangs.min_call_events,
            weights: &config.links,
            colocation: &config.colocation,
        },
    );
    watch.lap("evidence");
    let found = gang::find(&ties, &units, &facts.fraud_sim, &config.gangs)?;
    watch.lap("gangs");
    let holders = members::Holders::new(
        g,
        &resolution.individual_of_person,
        resolution.n_individuals(),
    );
    let mut gangs = members::assemble(g, &facts, &units, &ties, &found.gangs, &holders, config);
    broker::attach(
        g,
        &facts,
        &resolution.individual_of_person,
        &holders,
        &mut gangs,
        contact_bound,
        config,
    )?;
    watch.lap("roles");
    let leads = rank::leads(g, &facts, &gangs, &holders, config);
    let hotspots = hotspot::hotspots(g);
    watch.lap("leads");
    Ok(LeadRun {
        hubs: facts.hubs.clone(),
        n_individuals: resolution.n_individuals(),
        evidence_links: ties.n_ties(),
        hits: facts.hits,
        gangs,
        dropped: found.dropped,
        leads,
        dismissed: Vec::new(),
        analyst_notes: Vec::new(),
        confirmed_members: Vec::new(),
        hotspots,
        timings: watch.timings,
    })
}

/// Call events between `p` and each other eligible phone, by phone.
pub fn call_ties(g: &CaseGraph, ctx: &Context, p: u32) -> Vec<(u32, u32)> {
    let mut v: Vec<(u32, u32)> = g
        .calls_from(p)
        .iter()
        .map(|l| (l.callee, l.n_events()))
        .chain(g.calls_to(p).map(|l| (l.caller, l.n_events())))
        .filter(|&(q, _)| q != p && ctx.eligible(q))
        .collect();
    v.sort_unstable();
    let mut out: Vec<(u32, u32)> = Vec::with_capacity(v.len());
    for (q, k) in v {
        match out.last_mut() {
            Some(last) if last.0 == q => last.1 += k,
            _ => out.push((q, k)),
        }
    }
    out
}

/// A phone as a node reference.
pub fn phone_node(p: u32) -> NodeRef {
    NodeRef {
        kind: NodeKind::Phone,
        idx: p,
    }
}
