//! Hubs: service numbers (couriers, banks, carriers, taxis, call centres)
//! that talk to a large part of a city and would glue every gang into one
//! component. They are found by how they call, not from a list.
//!
//! # The rule
//! A phone is a hub when both hold:
//! 1. **far above the population**: its number of distinct contacts is at
//!    least `max(floor, factor × median)`, where the median is over all
//!    phones with at least one contact (defaults: floor
//!    [`DEFAULT_HUB_FLOOR`] = 30, factor [`DEFAULT_HUB_FACTOR`] = 20);
//! 2. **a service pattern**: few of its contacts are two-way
//!    (reciprocity, the share of contacts with events in both directions, at
//!    most [`DEFAULT_MAX_RECIPROCITY`] = 0.2) *or* most of its contacts are
//!    one-offs (share of contacts with exactly one event at least
//!    [`DEFAULT_MIN_ONE_OFF`] = 0.5).
//!
//! 3. **lasting**: its contacts span more than `min(min_active_days,
//!    min_active_share × the case's period)` days (defaults
//!    [`DEFAULT_MIN_ACTIVE_DAYS`] = 30 and [`DEFAULT_MIN_ACTIVE_SHARE`] =
//!    0.5, the longest life the burner test allows), the period being the
//!    first to last timed call of the case, within the time window.
//!
//! A gang boss may have many contacts, but they call back and call again, so
//! the second condition keeps them in. A burner SIM cold-calling hundreds of
//! victims has the service pattern too, but it lives for days where a bank
//! or a courier takes calls for months: the third condition keeps burners in
//! the graph (on the generated large case, 1856 of the 1938 phones the first
//! two conditions alone left out were planted operators' burners). Counts
//! are taken after the time-window and call-kind filters and before
//! `min_events` (one-off contacts are the signature being looked for).
//! With a time window, the contact graph also leaves out the hubs of the
//! whole case that call within it (`analysis::contact`): on one day a bank
//! has neither its contacts nor its weeks of activity.
//!
//! Investigator overrides: `keep` (no hub detection), `min_degree` (every
//! phone with at least that many contacts is a hub, whatever its pattern),
//! and `exclude` (phones named by the investigator, always left out).

use crate::analysis::pairs::PhonePair;
use crate::graph::CaseGraph;
use crate::model::{Time, NO_TIME};

pub const DEFAULT_HUB_FLOOR: u32 = 30;
pub const DEFAULT_HUB_FACTOR: f64 = 20.0;
pub const DEFAULT_MAX_RECIPROCITY: f64 = 0.2;
pub const DEFAULT_MIN_ONE_OFF: f64 = 0.5;
pub const DEFAULT_MIN_ACTIVE_DAYS: f64 = 30.0;
pub const DEFAULT_MIN_ACTIVE_SHARE: f64 = 0.5;

#[derive(Debug, Clone, PartialEq)]
pub struct HubConfig {
    /// Detect no hubs (phones in `exclude` are still left out).
    pub keep: bool,
    /// When set, a phone with at least this many contacts is a hub.
    pub min_degree: Option<u32>,
    /// Phone indices the investigator wants left out.
    pub exclude: Vec<u32>,
    pub floor: u32,
    pub factor: f64,
    pub max_reciprocity: f64,
    pub min_one_off: f64,
    /// A service number's contacts span more than this many days ...
    pub min_active_days: f64,
    /// ... or more than this share of the case's period, if that is less.
    pub min_active_share: f64,
}

impl Default for HubConfig {
    fn default() -> Self {
        HubConfig {
            keep: false,
            min_degree: None,
            exclude: Vec::new(),
            floor: DEFAULT_HUB_FLOOR,
            factor: DEFAULT_HUB_FACTOR,
            max_reciprocity: DEFAULT_MAX_RECIPROCITY,
            min_one_off: DEFAULT_MIN_ONE_OFF,
            min_active_days: DEFAULT_MIN_ACTIVE_DAYS,
            min_active_share: DEFAULT_MIN_ACTIVE_SHARE,
        }
    }
}

/// A phone left out of the contact graph, and why.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Hub {
    pub phone_idx: u32,
    pub phone: String,
    /// Distinct contacts.
    pub contacts: u32,
    /// Share of contacts with events in both directions.
    pub reciprocity: f64,
    /// Share of contacts with exactly one event.
    pub one_off_share: f64,
    pub reason: String,
}

/// Per phone: (contacts, two-way contacts, one-off contacts).
fn contact_profile(n_phones: usize, pairs: &[PhonePair]) -> Vec<(u32, u32, u32)> {
    let mut prof = vec![(0u32, 0u32, 0u32); n_phones];
    for p in pairs {
        let two_way = p.low_to_high > 0 && p.low_to_high < p.events;
        let one_off = p.events == 1;
        for x in [p.low, p.high] {
            let e = &mut prof[x as usize];
            e.0 += 1;
            e.1 += two_way as u32;
            e.2 += one_off as u32;
        }
    }
    prof
}

/// Days between the first and the last timed call of `phone` (either
/// direction), read from its call links' first and last times clamped to
/// `window`; 0 without any. A link whose calls straddle the window counts
/// as active across it.
fn active_days(case: &CaseGraph, phone: u32, window: (Time, Time)) -> f64 {
    let (mut lo, mut hi) = (Time::MAX, Time::MIN);
    let links = case
        .calls_from(phone)
        .iter()
        .chain(case.calls_to(phone))
        .filter(|l| l.caller != l.callee);
    for l in links {
        for t in [l.first, l.last] {
            if t != NO_TIME {
                let t = t.clamp(window.0, window.1);
                lo = lo.min(t);
                hi = hi.max(t);
            }
        }
    }
    if lo > hi {
        0.0
    } else {
        (hi - lo) as f64 / 86_400.0
    }
}

/// The hubs of a case under `config`, in phone order. `window` is the
/// contact graph's time window (`Time::MIN..=Time::MAX` for none).
pub fn find_hubs(
    case: &CaseGraph,
    n_phones: usize,
    pairs: &[PhonePair],
    config: &HubConfig,
    window: (Time, Time),
) -> Vec<Hub> {
    let prof = contact_profile(n_phones, pairs);
    let mut degrees: Vec<u32> = prof.iter().map(|p| p.0).filter(|&d| d > 0).collect();
    let median = if degrees.is_empty() {
        0.0
    } else {
        let mid = degrees.len() / 2;
        let (_, m, _) = degrees.select_nth_unstable(mid);
        *m as f64
    };
    let threshold = (config.factor * median).max(config.floor as f64);
    let case_period = {
        let (first, last) = case.period();
        if first == NO_TIME {
            0.0
        } else {
            (last.min(window.1) - first.max(window.0)).max(0) as f64 / 86_400.0
        }
    };
    let min_active = config
        .min_active_days
        .min(config.min_active_share * case_period);
    let mut excluded = vec![false; n_phones];
    for &p in &config.exclude {
        if (p as usize) < n_phones {
            excluded[p as usize] = true;
        }
    }
    let mut hubs = Vec::new();
    for (p, &(deg, two_way, one_off)) in prof.iter().enumerate() {
        let share = |x: u32| if deg == 0 { 0.0 } else { x as f64 / deg as f64 };
        let (recip, once) = (share(two_way), share(one_off));
        let pattern = format!(
            "{deg} contacts (median {median}), {:.0}% two-way, {:.0}% one-off",
            recip * 100.0,
            once * 100.0
        );
        let reason = if excluded[p] {
            Some(format!("named in --exclude; {pattern}"))
        } else if config.keep || deg == 0 {
            None
        } else if let Some(min) = config.min_degree {
            (deg >= min).then(|| format!("at least --hub-degree {min} contacts; {pattern}"))
        } else if (deg as f64) >= threshold
            && (recip <= config.max_reciprocity || once >= config.min_one_off)
        {
            let days = active_days(case, p as u32, window);
            (days > min_active)
                .then(|| format!("service pattern: {pattern}, active {days:.0} days"))
        } else {
            None
        };
        if let Some(reason) = reason {
            hubs.push(Hub {
                phone_idx: p as u32,
                phone: case.phone_number(p as u32).to_string(),
                contacts: deg,
                reciprocity: recip,
                one_off_share: once,
                reason,
            });
        }
    }
    hubs
}

/// Phone indices of numbers written by the investigator (any spelling);
/// returns the found indices and the numbers that name no phone of the case.
pub fn resolve_numbers(case: &CaseGraph, numbers: &[String]) -> (Vec<u32>, Vec<String>) {
    let Ok(rules) = crate::model::PhoneRules::with_country_code(&case.meta.country_code) else {
        return (Vec::new(), numbers.to_vec());
    };
    let index: rustc_hash::FxHashMap<&str, u32> = case
        .phones
        .iter()
        .enumerate()
        .map(|(i, &s)| (case.str(s), i as u32))
        .collect();
    let mut found = Vec::new();
    let mut missing = Vec::new();
    for raw in numbers {
        match rules
            .normalise(raw)
            .ok()
            .and_then(|n| index.get(n.as_str()).copied())
        {
            Some(i) => found.push(i),
            None => missing.push(raw.clone()),
        }
    }
    found.sort_unstable();
    found.dedup();
    (found, missing)
}
