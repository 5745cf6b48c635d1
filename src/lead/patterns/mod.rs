//! Pattern detectors: one documented pass per file, each reading the case
//! and the [`Context`] (hubs, victims, per-phone profiles) and returning
//! [`Hit`]s with their evidence in words and the source rows behind them.
//!
//! Detectors never look at the generator's truth or at roles in persons.csv;
//! they look at how phones behave. Hubs (service numbers) never fire.

pub mod burner;
pub mod burst;
pub mod colocation;
pub mod fan_out_victims;
pub mod incident_contact;
pub mod money_to_accounts;
pub mod odd_hours;
pub mod sim_swap;

use crate::graph::provenance::NodeRef;
use crate::graph::{CaseGraph, NONE};
use crate::model::{IncidentCategory, NodeKind, Time, NO_TIME};
use rayon::prelude::*;

/// The kinds of pattern, in output order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PatternKind {
    Burner,
    SimSwap,
    IncidentPhone,
    FanOutVictims,
    Burst,
    MoneyToAccounts,
    IncidentContact,
    Colocation,
    OddHours,
}

impl PatternKind {
    pub fn as_str(self) -> &'static str {
        match self {
            PatternKind::Burner => "burner",
            PatternKind::SimSwap => "sim_swap",
            PatternKind::IncidentPhone => "incident_phone",
            PatternKind::FanOutVictims => "fan_out_victims",
            PatternKind::Burst => "burst",
            PatternKind::MoneyToAccounts => "money_to_accounts",
            PatternKind::IncidentContact => "incident_contact",
            PatternKind::Colocation => "colocation",
            PatternKind::OddHours => "odd_hours",
        }
    }
    /// Patterns that make a phone a suspect on their own: the seeds of gangs.
    ///
    /// Calls to several fraud victims (`FanOutVictims`) are not one: a
    /// telemarketing dialler or a market's delivery line reaches many
    /// residents, some of whom later report a fraud. Fan-out corroborates a
    /// phone that a burner shape or a report already points at; alone it
    /// ranks the phone as a lead, not a gang's seed.
    pub fn is_seed(self) -> bool {
        matches!(self, PatternKind::Burner | PatternKind::IncidentPhone)
    }
}

/// One detector hit.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Hit {
    pub kind: PatternKind,
    #[serde(skip)]
    pub entity: NodeRef,
    /// The entity as written in outputs (a number, an IMEI, an account).
    pub entity_id: String,
    /// Other phones the hit involves (the SIMs of a handset, the partner of a co-location).
    #[serde(skip)]
    pub phones: Vec<u32>,
    /// The evidence in plain words.
    pub reason: String,
    /// Source rows, `file:line`, a bounded sample.
    pub sources: Vec<String>,
}

/// At most this many source rows are listed per hit.
pub const MAX_SOURCES: usize = 8;

/// What one phone's events look like.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Profile {
    pub outgoing: u32,
    pub incoming: u32,
    pub distinct_out: u32,
    pub short_out: u32,
    pub odd: u32,
    pub first: Time,
    pub last: Time,
    /// When the registration (phones.csv row) in force at the phone's first
    /// event was activated; [`NO_TIME`] when no registration covers it.
    pub registered: Time,
    /// That registration was activated within the case's period (on or
    /// after the day of the case's first event): the SIM's whole life is
    /// in view, not cut off by the start of the case.
    pub activated_in_case: bool,
}

impl Profile {
    pub fn events(&self) -> u32 {
        self.outgoing + self.incoming
    }
    /// Days from the first event to the last.
    pub fn life_days(&self) -> f64 {
        if self.first == NO_TIME {
            return 0.0;
        }
        (self.last - self.first) as f64 / 86_400.0
    }
    /// Days the SIM is known to have been live: from its registration, when
    /// one in force at the first event says it was activated earlier, or
    /// else from the first event, to the last event. A line registered
    /// months before it began cold-calling (a telemarketing line, a
    /// business's new campaign) has a long life the calls alone hide.
    pub fn known_life_days(&self) -> f64 {
        if self.first == NO_TIME {
            return 0.0;
        }
        let from = if self.registered != NO_TIME {
            self.registered.min(self.first)
        } else {
            self.first
        };
        (self.last - from) as f64 / 86_400.0
    }
}

/// Facts every detector needs, computed once.
pub struct Context<'g> {
    pub graph: &'g CaseGraph,
    pub is_hub: Vec<bool>,
    /// Phones of the victims of fraud incidents (their own phones are named
    /// in reports too, and they are not suspects).
    pub is_victim_phone: Vec<bool>,
    /// Lines registered to an organisation (a company, an agency), every
    /// registration of them: a business's own lines, accountable in its
    /// name, are not a suspect's, however many strangers they ring.
    pub is_company_line: Vec<bool>,
    /// Fraud incidents, by index.
    pub fraud: Vec<u32>,
    pub profiles: Vec<Profile>,
    /// Days from the case's first event to its last.
    pub case_days: f64,
}

impl<'g> Context<'g> {
    pub fn new(
        graph: &'g CaseGraph,
        is_hub: Vec<bool>,
        individual_of_person: &[u32],
        burner: &crate::lead::config::BurnerConfig,
        odd: (u32, u32),
    ) -> Context<'g> {
        let short_call_s = burner.short_call_s;
        let n = graph.phones.len();
        let fraud: Vec<u32> = (0..graph.incidents.len() as u32)
            .filter(|&i| graph.incidents[i as usize].category() == IncidentCategory::Fraud)
            .collect();
        // A victim is every record of the victim's individual.
        let mut victim_individual = vec![false; graph.persons.len()];
        for &i in &fraud {
            let v = graph.incidents[i as usize].victim;
            if v != NONE {
                if let Some(&ind) = individual_of_person.get(v as usize) {
                    victim_individual[ind as usize] = true;
                }
            }
        }
        let profiles: Vec<Profile> = (0..n as u32)
            .into_par_iter()
            .map(|p| profile(graph, p, short_call_s, odd))
            .collect();
        let case_days = case_days(graph);
        // A victim's phones: those the victim's records claim or that are
        // registered to them — except a SIM that behaves like a burner,
        // which was bought in a stolen name, maybe the victim's, or is
        // claimed by a record that resolution put with a victim's (an
        // operator and a victim of one common name and birth year): a
        // victim's own phone does not cold-call a hundred strangers.
        let mut is_victim_phone = vec![false; n];
        for (p, &ind) in individual_of_person.iter().enumerate() {
            if victim_individual[ind as usize] {
                for pp in graph.phones_of_person(p as u32) {
                    let ph = pp.phone as usize;
                    if !burner::is_burner(&profiles[ph], burner, case_days) {
                        is_victim_phone[ph] = true;
                    }
                }
            }
        }
        // And the victim's number where a report names it beside the
        // numbers that reached the victim: the one another number of the
        // report called first, before it ever called that number (the
        // fraud's numbers call the victim, not the other way round). Only
        // where the report names no phone of a victim's records: there the
        // victim's number is known, and a number of the report that the
        // victim rang first is the fraud's call-back line, not the victim's.
        for &i in &fraud {
            let phones = graph.list(graph.incidents[i as usize].phones);
            if phones.iter().any(|&p| is_victim_phone[p as usize]) {
                continue;
            }
            let set: rustc_hash::FxHashSet<u32> = phones.iter().copied().collect();
            for &p in phones {
                if called_by_the_report(graph, p, &set)
                    && !burner::is_burner(&profiles[p as usize], burner, case_days)
                {
                    is_victim_phone[p as usize] = true;
                }
            }
        }
        let is_company_line: Vec<bool> = (0..n as u32)
            .into_par_iter()
            .map(|p| is_company_line(graph, p))
            .collect();
        Context {
            graph,
            is_hub,
            is_victim_phone,
            is_company_line,
            fraud,
            profiles,
            case_days,
        }
    }

    /// A phone that can be a suspect: not a service number, not a victim's,
    /// not a company's own line.
    pub fn eligible(&self, p: u32) -> bool {
        !self.is_hub[p as usize]
            && !self.is_victim_phone[p as usize]
            && !self.is_company_line[p as usize]
    }

    pub fn phone_ref(p: u32) -> NodeRef {
        NodeRef {
            kind: NodeKind::Phone,
            idx: p,
        }
    }
}

/// Whether another of `phones` (one report's, as a set) called `p` before
/// `p` ever called it. O(degree of `p`).
fn called_by_the_report(g: &CaseGraph, p: u32, phones: &rustc_hash::FxHashSet<u32>) -> bool {
    g.calls_to(p).any(|l| {
        l.caller != p
            && phones.contains(&l.caller)
            && !g
                .calls_from(p)
                .iter()
                .any(|back| back.callee == l.caller && back.first <= l.first)
    })
}

/// Days from the first timed event of the case to its last (0 without any).
pub fn case_days(g: &CaseGraph) -> f64 {
    match g.period() {
        (NO_TIME, _) => 0.0,
        (first, last) => (last - first) as f64 / 86_400.0,
    }
}

fn profile(g: &CaseGraph, p: u32, short_call_s: u32, odd: (u32, u32)) -> Profile {
    let mut pr = Profile {
        first: NO_TIME,
        last: NO_TIME,
        registered: NO_TIME,
        ..Default::default()
    };
    let mut callees: Vec<u32> = Vec::new();
    for e in g.events_of(p) {
        if pr.first == NO_TIME {
            pr.first = e.start;
        }
        pr.last = e.start;
        let h = crate::model::time::hour_of_day(e.start);
        if in_hours(h, odd) {
            pr.odd += 1;
        }
        if e.caller == p && e.callee != p {
            pr.outgoing += 1;
            callees.push(e.callee);
            if e.is_text() || e.duration_s < short_call_s {
                pr.short_out += 1;
            }
        } else if e.callee == p {
            pr.incoming += 1;
        }
    }
    callees.sort_unstable();
    callees.dedup();
    pr.distinct_out = callees.len() as u32;
    pr.registered = registered_at(g, p, pr.first);
    let case_first = g.period().0;
    pr.activated_in_case =
        pr.registered != NO_TIME && case_first != NO_TIME && pr.registered + 86_400 > case_first;
    pr
}

/// The activation of the registration of phone `p` in force at `at` (the
/// latest one activated on or before `at` and not deactivated before that
/// day); [`NO_TIME`] when none is, or `at` is unknown. Dates are whole
/// days: a SIM deactivated on a day was live that day.
pub fn registered_at(g: &CaseGraph, p: u32, at: Time) -> Time {
    if at == NO_TIME {
        return NO_TIME;
    }
    g.registrations_of(p)
        .iter()
        .map(|&r| &g.registrations[r as usize])
        .filter(|r| r.activated != NO_TIME && r.activated <= at)
        .filter(|r| r.deactivated == NO_TIME || r.deactivated + 86_400 > at)
        .map(|r| r.activated)
        .max()
        .unwrap_or(NO_TIME)
}

/// Whether every registration of phone `p` (one at least) names an
/// organisation as its subscriber
/// ([`crate::resolve::normalise::names_an_organisation`]).
pub fn is_company_line(g: &CaseGraph, p: u32) -> bool {
    let regs = g.registrations_of(p);
    !regs.is_empty()
        && regs.iter().all(|&r| {
            let r = &g.registrations[r as usize];
            crate::resolve::normalise::names_an_organisation(
                g.str(r.subscriber_name),
                g.str(r.subscriber_id_number),
            )
        })
}

/// `h` in `[from, to)`, wrapping past midnight when `from > to`.
pub fn in_hours(h: u32, (from, to): (u32, u32)) -> bool {
    if from <= to {
        h >= from && h < to
    } else {
        h >= from || h < to
    }
}

/// `calls.csv:LINE` for the first events matching `keep`, at most [`MAX_SOURCES`].
pub fn call_sources<'a>(events: impl Iterator<Item = &'a crate::graph::CallEvent>) -> Vec<String> {
    let mut lines: Vec<u32> = events.map(|e| e.line).take(MAX_SOURCES).collect();
    lines.sort_unstable();
    lines
        .into_iter()
        .map(|l| format!("calls.csv:{l}"))
        .collect()
}
