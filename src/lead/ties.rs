//! Ties between holders: the typed evidence that two units (see
//! [`crate::lead::units`]) act together. Six independent kinds:
//! - **calls**: call events between their phones; with a burner, only
//!   calls an ordinary phone made to it before the burner called that phone
//!   (a burner calls victims, not its gang; the kind counts from
//!   `[gangs] min_call_events` events: one call is an encounter, not a tie);
//! - **handset**: SIMs of both went through one handset (every pair of the
//!   handset's SIMs; handsets with more than `[sim_swap] max_sims` SIMs are
//!   shop test phones and tie nothing). Only a handset that carried calls
//!   ties: one seen only in `phones.csv`, at registration, is where the
//!   SIMs were activated — a dealer's counter device activates SIMs for
//!   whoever buys them, several gangs among them;
//! - **co-location at a den**: a fraud SIM of one and a phone of the other
//!   served by one cell in one time window on `[colocation] min_days`
//!   distinct days, at a *den* — a cell where the case's fraud SIMs work on
//!   that many days. Two ordinary phones at a den are coworkers of the
//!   place, not of the gang; a relative seen at home with a member is not
//!   at a den; crowded windows (more than `max_phones_per_window` phones: a
//!   market at opening time) say nothing;
//! - **registration**: fraud SIMs registered to one id number or listed by
//!   the person records of one individual (a stolen identity serves one
//!   gang), or a fraud SIM listed among a person's
//!   numbers in a person record beside his own phones (the record may be a
//!   stolen identity's, so this is one kind among the two needed);
//! - **incident**: phones named in one fraud report;
//! - **account**: phones named in reports that send money to one account.
//!
//! Only *candidate* units are tied: units holding a fraud SIM and those
//! within two call hops of one through ordinary phones (a burner's contacts
//! are its victims, so nothing is reached through a burner; nor through a
//! phone with more contacts than the case's `contact_bound`, see
//! [`contact_bound`]).
//!
//! # Complexity
//! O(L + E + S log S) for L call links, E events and S den sightings of
//! candidate phones; co-location pairs are formed only in windows of at
//! most `max_phones_per_window` phones, so a window costs at most that
//! bound squared. Handset, registration, incident and account ties join
//! every pair of a group of at most `[sim_swap] max_sims` phones (a bound
//! squared per group) and chain larger groups (O(k) for k phones).

use crate::graph::{CaseGraph, NONE};
use crate::lead::config::{ColocationConfig, LinkWeights};
use crate::lead::units::{Units, NO_UNIT};
use crate::resolve::normalise::normalise_id_number;
use rustc_hash::{FxHashMap, FxHashSet};
use std::collections::BTreeMap;

/// A kind of evidence that two holders act together.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Evidence {
    Calls = 0,
    Handset = 1,
    Colocation = 2,
    Registration = 3,
    Incident = 4,
    Account = 5,
}

pub const EVIDENCE: [Evidence; 6] = [
    Evidence::Calls,
    Evidence::Handset,
    Evidence::Colocation,
    Evidence::Registration,
    Evidence::Incident,
    Evidence::Account,
];

impl Evidence {
    pub fn as_str(self) -> &'static str {
        match self {
            Evidence::Calls => "calls",
            Evidence::Handset => "handset",
            Evidence::Colocation => "den",
            Evidence::Registration => "registration",
            Evidence::Incident => "incident",
            Evidence::Account => "account",
        }
    }
    pub const fn bit(self) -> u8 {
        1 << self as u8
    }
}

/// The kinds in a bit set, in order.
pub fn kinds_of(bits: u8) -> Vec<Evidence> {
    EVIDENCE
        .iter()
        .copied()
        .filter(|k| bits & k.bit() != 0)
        .collect()
}

/// Evidence between a unit and one other.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Tie {
    pub other: u32,
    /// Kinds that count ([`Evidence::bit`]).
    pub kinds: u8,
    /// Call events between the two units' phones.
    pub calls: u32,
    /// Distinct days seen together at a den.
    pub den_days: u32,
    /// Evidence weight (`[links]`): calls and den days on a log scale.
    pub weight: f64,
    /// The part of `weight` that is not den co-location: a den is shared
    /// with whoever works beside it, the other kinds are specific to the pair.
    pub specific: f64,
    /// One phone pair behind each kind (for incidents and accounts: the
    /// incident index twice), to name source rows.
    pub witness: [(u32, u32); 6],
}

/// Ties of every candidate unit, symmetric.
#[derive(Debug, Clone)]
pub struct Ties {
    /// Units holding a fraud SIM.
    pub seed: Vec<bool>,
    /// Units tied at all (seeds and those within two call hops).
    pub candidate: Vec<bool>,
    offsets: Vec<u32>,
    ties: Vec<Tie>,
    /// Den cells (location indices), ascending.
    pub dens: Vec<u32>,
    /// Units that one fraud report alone names and that hold no burner:
    /// their report and its account rest on that one row (a victim writes
    /// down his own number beside the fraud's), so the two count as one
    /// kind of evidence for them ([`Ties::kinds_for_membership`]).
    pub one_report: Vec<bool>,
    /// The fraud reports naming each unit's phones and the accounts those
    /// reports send money to, as keys (a report `i` is `i`, an account `a`
    /// is the number of incidents plus `a`), ascending per unit.
    report_offsets: Vec<u32>,
    report_keys: Vec<u32>,
}

impl Ties {
    /// Reports naming unit `u` and the accounts they pay ([`Ties::report_keys`]).
    pub fn reports_of(&self, u: u32) -> &[u32] {
        match self.report_offsets.get(u as usize + 1) {
            Some(&end) => &self.report_keys[self.report_offsets[u as usize] as usize..end as usize],
            None => &[],
        }
    }

    /// `kinds` (a unit's kinds into a group) as they count for unit `u`'s
    /// own membership: a report and its account are one kind for a holder
    /// that rests on one report ([`Ties::one_report`]).
    pub fn kinds_for_membership(&self, u: u32, kinds: u8) -> u8 {
        if self.one_report[u as usize] && kinds & Evidence::Incident.bit() != 0 {
            kinds & !Evidence::Account.bit()
        } else {
            kinds
        }
    }

    /// Ties of unit `u`, by other unit ascending.
    pub fn of(&self, u: u32) -> &[Tie] {
        &self.ties[self.offsets[u as usize] as usize..self.offsets[u as usize + 1] as usize]
    }
    pub fn n_ties(&self) -> usize {
        self.ties.len() / 2
    }
}

/// What [`build`] needs.
pub struct Inputs<'a> {
    pub units: &'a Units,
    /// Fraud SIMs (burners, phones in fraud reports, SIMs rotated with them).
    pub fraud_sim: &'a [bool],
    pub burner: &'a [bool],
    /// Fraud incidents by index.
    pub fraud_incidents: &'a [u32],
    /// Individual of each person record (a record claiming a fraud SIM
    /// ties its individual's phones to that SIM's holder by registration).
    pub individual_of_person: &'a [u32],
    /// Ordinary phones with more contacts than this are not gone through.
    pub contact_bound: usize,
    /// Handsets carrying more SIMs than this tie nothing (a shop's test phone).
    pub max_sims_per_handset: usize,
    pub min_call_events: u32,
    pub weights: &'a LinkWeights,
    pub colocation: &'a ColocationConfig,
}

/// The case's bound on an ordinary phone's circle: `factor` times the
/// median number of distinct contacts among phones with any, and never
/// below the 99th percentile. A gang's members keep small circles;
/// switchboards, shops and drivers talk to everyone.
pub fn contact_bound(g: &CaseGraph, eligible: &dyn Fn(u32) -> bool, factor: f64) -> usize {
    let mut counts: Vec<usize> = (0..g.phones.len() as u32)
        .filter(|&p| eligible(p))
        .map(|p| g.contact_count(p))
        .filter(|&c| c > 0)
        .collect();
    if counts.is_empty() {
        return 0;
    }
    counts.sort_unstable();
    let median = counts[counts.len() / 2];
    let p99 = counts[(counts.len() * 99 / 100).min(counts.len() - 1)];
    ((median as f64 * factor).ceil() as usize).max(p99)
}

struct Raw {
    a: u32,
    b: u32,
    kind: Evidence,
    amount: u32,
    witness: (u32, u32),
}

fn push(raw: &mut Vec<Raw>, ua: u32, ub: u32, kind: Evidence, amount: u32, w: (u32, u32)) {
    if ua == ub || ua == NO_UNIT || ub == NO_UNIT {
        return;
    }
    let (a, b, witness) = if ua < ub {
        (ua, ub, w)
    } else {
        (ub, ua, (w.1, w.0))
    };
    raw.push(Raw {
        a,
        b,
        kind,
        amount,
        witness,
    });
}

/// `(handset, SIM)` pairs of the SIMs `keep` accepts, sorted by handset,
/// each pair once.
fn sims_by_handset(g: &CaseGraph, keep: impl Fn(u32) -> bool) -> Vec<(u32, u32)> {
    let mut carried_calls = vec![false; g.handsets.len()];
    for h in g.handset_uses.iter() {
        if h.n_events > 0 {
            carried_calls[h.handset as usize] = true;
        }
    }
    let mut sims: Vec<(u32, u32)> = g
        .handset_uses
        .iter()
        .filter(|h| carried_calls[h.handset as usize] && keep(h.phone))
        .map(|h| (h.handset, h.phone))
        .collect();
    sims.sort_unstable();
    sims.dedup();
    sims
}

/// Units holding a phone that shares a handset (of at most
/// `max_sims_per_handset` SIMs) with a fraud SIM, or that a person record
/// lists beside a fraud SIM: the people who may carry a fraud SIM beside
/// their own phone. Being reached is not evidence; it only lets the ties
/// between them and the fraud SIM be counted.
fn beside_fraud(g: &CaseGraph, inp: &Inputs) -> Vec<u32> {
    let u = inp.units;
    let mut out: Vec<u32> = Vec::new();
    let sims = sims_by_handset(g, |_| true);
    for group in sims.chunk_by(|x, y| x.0 == y.0) {
        if group.len() <= inp.max_sims_per_handset
            && group.iter().any(|s| inp.fraud_sim[s.1 as usize])
        {
            out.extend(group.iter().map(|s| u.unit_of[s.1 as usize]));
        }
    }
    let mut claims: Vec<(u32, u32)> = g
        .person_phones
        .iter()
        .filter(|pp| pp.claimed())
        .map(|pp| (inp.individual_of_person[pp.person as usize], pp.phone))
        .collect();
    claims.sort_unstable();
    claims.dedup();
    for group in claims.chunk_by(|x, y| x.0 == y.0) {
        if group.iter().any(|c| inp.fraud_sim[c.1 as usize]) {
            out.extend(group.iter().map(|c| u.unit_of[c.1 as usize]));
        }
    }
    out.retain(|&x| x != NO_UNIT);
    out.sort_unstable();
    out.dedup();
    out
}

/// Units holding a fraud SIM or beside one (see [`beside_fraud`]), and
/// those within two call hops of them, through ordinary phones.
fn candidates(g: &CaseGraph, inp: &Inputs, seed: &[bool]) -> Vec<bool> {
    let u = inp.units;
    let mut cand = seed.to_vec();
    for x in beside_fraud(g, inp) {
        cand[x as usize] = true;
    }
    let mut frontier: Vec<u32> = (0..u.len() as u32).filter(|&x| cand[x as usize]).collect();
    for _hop in 0..2 {
        let mut next: Vec<u32> = Vec::new();
        for &x in &frontier {
            for &p in u.phones(x) {
                if inp.burner[p as usize] || g.contact_count(p) > inp.contact_bound {
                    continue;
                }
                let partners = g
                    .calls_from(p)
                    .iter()
                    .map(|l| l.callee)
                    .chain(g.calls_to(p).map(|l| l.caller));
                for q in partners {
                    let uq = u.unit_of[q as usize];
                    if uq != NO_UNIT && !cand[uq as usize] {
                        cand[uq as usize] = true;
                        next.push(uq);
                    }
                }
            }
        }
        next.sort_unstable();
        frontier = next;
    }
    cand
}

/// Ties between candidate units.
pub fn build(g: &CaseGraph, inp: &Inputs) -> Ties {
    let units = inp.units;
    let nu = units.len();
    let mut seed = vec![false; nu];
    for (p, &f) in inp.fraud_sim.iter().enumerate() {
        let u = units.unit_of[p];
        if f && u != NO_UNIT {
            seed[u as usize] = true;
        }
    }
    let cand = candidates(g, inp, &seed);
    let unit_if = |p: u32| {
        let u = units.unit_of[p as usize];
        if u != NO_UNIT && cand[u as usize] {
            u
        } else {
            NO_UNIT
        }
    };
    let mut raw: Vec<Raw> = Vec::new();
    call_ties(g, inp, &unit_if, &mut raw);
    handset_ties(g, inp, &unit_if, &mut raw);
    registration_ties(g, inp, &unit_if, &mut raw);
    incident_ties(g, inp, &unit_if, &mut raw);
    account_ties(g, inp, &unit_if, &mut raw);
    let dens = den_cells(g, inp);
    colocation(g, inp, &dens, &unit_if, &mut raw);
    let (offsets, ties) = fold(raw, nu, inp);
    let (report_offsets, report_keys) = report_keys(g, inp, &unit_if);
    Ties {
        seed,
        candidate: cand,
        offsets,
        ties,
        dens,
        one_report: one_report(g, inp),
        report_offsets,
        report_keys,
    }
}

/// For each unit, the fraud reports naming its phones and the accounts
/// they send money to ([`Ties::reports_of`]), as CSR. Unlike the incident
/// and account ties, which chain a large report group to stay linear, this
/// keeps every unit's own reports. O(Σ phones of the reports × their
/// accounts + K log K) for K keys.
fn report_keys(g: &CaseGraph, inp: &Inputs, unit_if: &dyn Fn(u32) -> u32) -> (Vec<u32>, Vec<u32>) {
    let n_incidents = g.incidents.len() as u32;
    let mut keys: Vec<(u32, u32)> = Vec::new();
    for &i in inp.fraud_incidents {
        let accounts = g.list(g.incidents[i as usize].accounts);
        for &p in g.list(g.incidents[i as usize].phones) {
            let u = unit_if(p);
            if u == NO_UNIT {
                continue;
            }
            keys.push((u, i));
            keys.extend(accounts.iter().map(|&a| (u, n_incidents + a)));
        }
    }
    report_csr(keys, inp.units.len())
}

/// `(unit, key)` pairs as CSR over `n` units: offsets, then each unit's
/// distinct keys ascending.
fn report_csr(mut keys: Vec<(u32, u32)>, n: usize) -> (Vec<u32>, Vec<u32>) {
    keys.sort_unstable();
    keys.dedup();
    let mut offsets = vec![0u32; n + 1];
    for &(u, _) in &keys {
        offsets[u as usize + 1] += 1;
    }
    for k in 1..offsets.len() {
        offsets[k] += offsets[k - 1];
    }
    (offsets, keys.into_iter().map(|x| x.1).collect())
}

/// Calls between holders (see the comment inside on burners).
fn call_ties(g: &CaseGraph, inp: &Inputs, unit_if: &dyn Fn(u32) -> u32, raw: &mut Vec<Raw>) {
    // Calls. A burner's calls go to victims, not its gang, and a victim who
    // calls back is not a member: with a burner, only calls an ordinary
    // phone made to it before the burner ever called that phone count (a
    // member ringing his burner; a victim never hears of it first).
    for l in &g.call_links {
        let (bc, be) = (inp.burner[l.caller as usize], inp.burner[l.callee as usize]);
        if bc {
            continue;
        }
        if be {
            let called_first = g
                .calls_from(l.callee)
                .iter()
                .find(|back| back.callee == l.caller)
                .is_some_and(|back| back.first <= l.first);
            if called_first {
                continue;
            }
        }
        let (ua, ub) = (unit_if(l.caller), unit_if(l.callee));
        push(
            raw,
            ua,
            ub,
            Evidence::Calls,
            l.n_events(),
            (l.caller, l.callee),
        );
    }
}

/// SIMs of holders through one handset.
fn handset_ties(g: &CaseGraph, inp: &Inputs, unit_if: &dyn Fn(u32) -> u32, raw: &mut Vec<Raw>) {
    // SIMs of two holders through a handset that carried a fraud SIM. A
    // handset that only ordinary SIMs went through is a household's or a
    // couple's: it ties them to each other as closely as their calls do,
    // and says nothing about the fraud.
    let sims = sims_by_handset(g, |p| unit_if(p) != NO_UNIT);
    for group in sims.chunk_by(|x, y| x.0 == y.0) {
        if group.len() > inp.max_sims_per_handset
            || !group.iter().any(|s| inp.fraud_sim[s.1 as usize])
        {
            continue;
        }
        let phones: Vec<u32> = group.iter().map(|s| s.1).collect();
        link_units(
            raw,
            &phones,
            unit_if,
            Evidence::Handset,
            None,
            inp.max_sims_per_handset,
        );
    }
}

/// Fraud SIMs of one identity: one id number, or one individual's records.
fn registration_ties(
    g: &CaseGraph,
    inp: &Inputs,
    unit_if: &dyn Fn(u32) -> u32,
    raw: &mut Vec<Raw>,
) {
    // Fraud SIMs registered to one id number.
    let mut by_id: BTreeMap<String, Vec<u32>> = BTreeMap::new();
    for r in &g.registrations {
        if inp.fraud_sim[r.phone as usize] && unit_if(r.phone) != NO_UNIT {
            let id = normalise_id_number(g.str(r.subscriber_id_number));
            if !id.is_empty() {
                by_id.entry(id).or_default().push(r.phone);
            }
        }
    }
    for phones in by_id.values_mut() {
        phones.sort_unstable();
        phones.dedup();
        link_units(raw, phones, unit_if, Evidence::Registration, None, 0);
    }
    // A person record listing a fraud SIM among someone's numbers: a tie of
    // the same kind between that someone's other phones and the SIM (an
    // identity, not a membership: the record may be a stolen identity's).
    let mut by_individual: BTreeMap<u32, Vec<u32>> = BTreeMap::new();
    for pp in &g.person_phones {
        if pp.claimed() && unit_if(pp.phone) != NO_UNIT {
            by_individual
                .entry(inp.individual_of_person[pp.person as usize])
                .or_default()
                .push(pp.phone);
        }
    }
    for phones in by_individual.values_mut() {
        phones.sort_unstable();
        phones.dedup();
        // Fraud SIMs that one individual's records list: one identity, one
        // gang, as with an id number in the registrations.
        let fraud: Vec<u32> = phones
            .iter()
            .copied()
            .filter(|&p| inp.fraud_sim[p as usize])
            .collect();
        link_units(raw, &fraud, unit_if, Evidence::Registration, None, 0);
        let Some(&own) = phones.iter().find(|&&p| !inp.fraud_sim[p as usize]) else {
            continue;
        };
        for &p in phones.iter().filter(|&&p| inp.fraud_sim[p as usize]) {
            push(
                raw,
                unit_if(own),
                unit_if(p),
                Evidence::Registration,
                1,
                (own, p),
            );
        }
    }
}

/// Holders named in one fraud report.
fn incident_ties(g: &CaseGraph, inp: &Inputs, unit_if: &dyn Fn(u32) -> u32, raw: &mut Vec<Raw>) {
    // One fraud report; one account.
    for &i in inp.fraud_incidents {
        let mut phones: Vec<u32> = g
            .list(g.incidents[i as usize].phones)
            .iter()
            .copied()
            .filter(|&p| unit_if(p) != NO_UNIT)
            .collect();
        phones.sort_unstable();
        phones.dedup();
        link_units(
            raw,
            &phones,
            unit_if,
            Evidence::Incident,
            Some(i),
            inp.max_sims_per_handset,
        );
    }
}

/// Ties of one kind between the distinct units of `phones` (sorted): every
/// pair when there are at most `pairwise_up_to` of them (so that each is
/// tied to every other, and a member's evidence into a gang does not hang
/// on which of the handset's SIMs happen to be next to his in a chain);
/// chained beyond that, which connects them in linear time.
fn link_units(
    raw: &mut Vec<Raw>,
    phones: &[u32],
    unit_if: &dyn Fn(u32) -> u32,
    kind: Evidence,
    incident: Option<u32>,
    pairwise_up_to: usize,
) {
    let mut seen: Vec<(u32, u32)> = phones.iter().map(|&p| (unit_if(p), p)).collect();
    seen.sort_unstable();
    seen.dedup_by_key(|x| x.0);
    let witness = |a: (u32, u32), b: (u32, u32)| match incident {
        Some(i) => (i, i),
        None => (a.1, b.1),
    };
    if seen.len() <= pairwise_up_to {
        for (i, &a) in seen.iter().enumerate() {
            for &b in &seen[i + 1..] {
                push(raw, a.0, b.0, kind, 1, witness(a, b));
            }
        }
    } else {
        for w in seen.windows(2) {
            push(raw, w[0].0, w[1].0, kind, 1, witness(w[0], w[1]));
        }
    }
}

/// Units named by exactly one fraud report and holding no burner.
fn one_report(g: &CaseGraph, inp: &Inputs) -> Vec<bool> {
    let units = inp.units;
    let mut reports: Vec<(u32, u32)> = Vec::new();
    for &i in inp.fraud_incidents {
        for &p in g.list(g.incidents[i as usize].phones) {
            let u = units.unit_of[p as usize];
            if u != NO_UNIT {
                reports.push((u, i));
            }
        }
    }
    reports.sort_unstable();
    reports.dedup();
    let mut named = vec![0u32; units.len()];
    for &(u, _) in &reports {
        named[u as usize] += 1;
    }
    let mut holds_burner = vec![false; units.len()];
    for (p, &b) in inp.burner.iter().enumerate() {
        let u = units.unit_of[p];
        if b && u != NO_UNIT {
            holds_burner[u as usize] = true;
        }
    }
    named
        .iter()
        .zip(&holds_burner)
        .map(|(&n, &b)| n == 1 && !b)
        .collect()
}

/// One account named by two fraud reports: each holder named in one report
/// is tied to a holder named in the other (reports in file order, each to
/// the next). Holders named in the same report are tied by the report
/// already; the account is a second, independent kind only when it joins
/// reports that different victims filed (and for a holder that one report
/// alone names, see [`Ties::one_report`]). O(Σ phones of the reports).
fn account_ties(g: &CaseGraph, inp: &Inputs, unit_if: &dyn Fn(u32) -> u32, raw: &mut Vec<Raw>) {
    let mut reports_of: BTreeMap<u32, Vec<u32>> = BTreeMap::new();
    for &i in inp.fraud_incidents {
        for &a in g.list(g.incidents[i as usize].accounts) {
            reports_of.entry(a).or_default().push(i);
        }
    }
    for reports in reports_of.values_mut() {
        reports.sort_unstable();
        reports.dedup();
        let named: Vec<Vec<(u32, u32)>> = reports
            .iter()
            .map(|&i| {
                let mut v: Vec<(u32, u32)> = g
                    .list(g.incidents[i as usize].phones)
                    .iter()
                    .map(|&p| (unit_if(p), p))
                    .filter(|x| x.0 != NO_UNIT)
                    .collect();
                v.sort_unstable();
                v.dedup_by_key(|x| x.0);
                v
            })
            .filter(|v| !v.is_empty())
            .collect();
        for w in named.windows(2) {
            let (fa, fb) = (w[0][0], w[1][0]);
            for &x in &w[0] {
                push(raw, x.0, fb.0, Evidence::Account, 1, (x.1, fb.1));
            }
            for &y in &w[1] {
                push(raw, y.0, fa.0, Evidence::Account, 1, (y.1, fa.1));
            }
        }
    }
}

/// Cells where fraud SIMs were seen on at least `min_days` distinct days.
fn den_cells(g: &CaseGraph, inp: &Inputs) -> Vec<u32> {
    let mut seen: Vec<(u32, i64)> = Vec::new();
    for e in &g.events {
        for (p, loc) in [(e.caller, e.caller_location), (e.callee, e.callee_location)] {
            if loc != NONE && inp.fraud_sim[p as usize] {
                seen.push((loc, e.start.div_euclid(86_400)));
            }
        }
    }
    seen.sort_unstable();
    seen.dedup();
    let mut dens = Vec::new();
    for group in seen.chunk_by(|x, y| x.0 == y.0) {
        if group.len() as u32 >= inp.colocation.min_days {
            dens.push(group[0].0);
        }
    }
    dens
}

/// Candidate phones seen together at a den, on `min_days` distinct days.
fn colocation(
    g: &CaseGraph,
    inp: &Inputs,
    dens: &[u32],
    unit_if: &dyn Fn(u32) -> u32,
    raw: &mut Vec<Raw>,
) {
    let c = inp.colocation;
    let w = c.window_s.max(1);
    let den: FxHashSet<u32> = dens.iter().copied().collect();
    // Every eligible phone's sighting at a den, to tell crowded windows.
    let mut sightings: Vec<(u32, i64, u32)> = Vec::new();
    for e in &g.events {
        for (p, loc) in [(e.caller, e.caller_location), (e.callee, e.callee_location)] {
            if loc != NONE && den.contains(&loc) && inp.units.unit_of[p as usize] != NO_UNIT {
                sightings.push((loc, e.start.div_euclid(w), p));
            }
        }
    }
    sightings.sort_unstable();
    sightings.dedup();
    let mut pair_days: Vec<(u32, u32, i64, u32, u32)> = Vec::new();
    for group in sightings.chunk_by(|x, y| x.0 == y.0 && x.1 == y.1) {
        if group.len() > c.max_phones_per_window {
            continue;
        }
        let day = group[0].1 * w / 86_400;
        let here: Vec<(u32, u32)> = group
            .iter()
            .map(|s| (unit_if(s.2), s.2))
            .filter(|x| x.0 != NO_UNIT)
            .collect();
        if !here.iter().any(|x| inp.fraud_sim[x.1 as usize]) {
            continue;
        }
        for (i, &(ua, pa)) in here.iter().enumerate() {
            for &(ub, pb) in &here[i + 1..] {
                if ua != ub && (inp.fraud_sim[pa as usize] || inp.fraud_sim[pb as usize]) {
                    let (a, b, wa, wb) = if ua < ub {
                        (ua, ub, pa, pb)
                    } else {
                        (ub, ua, pb, pa)
                    };
                    pair_days.push((a, b, day, wa, wb));
                }
            }
        }
    }
    pair_days.sort_unstable();
    pair_days.dedup_by_key(|x| (x.0, x.1, x.2));
    for group in pair_days.chunk_by(|x, y| x.0 == y.0 && x.1 == y.1) {
        let days = group.len() as u32;
        if days >= c.min_days {
            raw.push(Raw {
                a: group[0].0,
                b: group[0].1,
                kind: Evidence::Colocation,
                amount: days,
                witness: (group[0].3, group[0].4),
            });
        }
    }
}

fn fold(mut raw: Vec<Raw>, nu: usize, inp: &Inputs) -> (Vec<u32>, Vec<Tie>) {
    raw.sort_by_key(|r| (r.a, r.b, r.kind, r.witness));
    let w = inp.weights;
    let mut pairs: Vec<(u32, Tie)> = Vec::new();
    for group in raw.chunk_by(|x, y| x.a == y.a && x.b == y.b) {
        let mut t = Tie {
            other: group[0].b,
            kinds: 0,
            calls: 0,
            den_days: 0,
            weight: 0.0,
            specific: 0.0,
            witness: [(NONE, NONE); 6],
        };
        let mut present = 0u8;
        for r in group {
            if present & r.kind.bit() == 0 {
                t.witness[r.kind as usize] = r.witness;
            }
            present |= r.kind.bit();
            match r.kind {
                Evidence::Calls => t.calls += r.amount,
                Evidence::Colocation => t.den_days += r.amount,
                _ => {}
            }
        }
        let mut kinds = present & !Evidence::Calls.bit();
        if t.calls >= inp.min_call_events {
            kinds |= Evidence::Calls.bit();
        }
        t.kinds = kinds;
        let on = |k: Evidence| if present & k.bit() != 0 { 1.0 } else { 0.0 };
        t.specific = w.call * (1.0 + t.calls as f64).ln()
            + w.shared_handset * on(Evidence::Handset)
            + w.registration * on(Evidence::Registration)
            + w.incident * (on(Evidence::Incident) + on(Evidence::Account));
        t.weight = t.specific + w.colocation * (1.0 + t.den_days as f64).ln();
        pairs.push((group[0].a, t));
        let mut back = t;
        back.other = group[0].a;
        for x in back.witness.iter_mut() {
            *x = (x.1, x.0);
        }
        pairs.push((group[0].b, back));
    }
    pairs.sort_by_key(|x| (x.0, x.1.other));
    let mut offsets = vec![0u32; nu + 1];
    for x in &pairs {
        offsets[x.0 as usize + 1] += 1;
    }
    for k in 1..offsets.len() {
        offsets[k] += offsets[k - 1];
    }
    (offsets, pairs.into_iter().map(|x| x.1).collect())
}

/// The union of kinds between `u` and the units in `set`.
pub fn kinds_into(ties: &Ties, u: u32, set: &FxHashSet<u32>) -> u8 {
    ties.of(u)
        .iter()
        .filter(|t| set.contains(&t.other))
        .fold(0u8, |k, t| k | t.kinds)
}

/// Weight of `u`'s ties into `set`, and of all its ties; `specific`: only
/// the kinds a crowd does not share (see [`Tie::specific`]).
pub fn weight_into(ties: &Ties, u: u32, set: &FxHashSet<u32>, specific: bool) -> (f64, f64) {
    let mut inside = 0.0;
    let mut all = 0.0;
    for t in ties.of(u) {
        let w = if specific { t.specific } else { t.weight };
        all += w;
        if set.contains(&t.other) {
            inside += w;
        }
    }
    (inside, all)
}

/// Map from unit to position, for small sets.
pub fn index_of(units: &[u32]) -> FxHashMap<u32, usize> {
    units.iter().enumerate().map(|(i, &u)| (u, i)).collect()
}

#[cfg(test)]
impl Ties {
    /// Sets the call events between units `a` and `b` (both directions).
    pub(crate) fn with_calls(mut self, a: u32, b: u32, calls: u32) -> Ties {
        for (u, v) in [(a, b), (b, a)] {
            let (lo, hi) = (
                self.offsets[u as usize] as usize,
                self.offsets[u as usize + 1] as usize,
            );
            for t in &mut self.ties[lo..hi] {
                if t.other == v {
                    t.calls = calls;
                }
            }
        }
        self
    }

    /// Ties from a list `(a, b, kinds, weight)` over `n` units, all
    /// candidates; `seed` marks the units holding a fraud SIM.
    pub(crate) fn from_list(n: usize, seed: &[u32], list: &[(u32, u32, u8, f64)]) -> Ties {
        let mut pairs: Vec<(u32, Tie)> = Vec::new();
        for &(a, b, kinds, weight) in list {
            let calls = if kinds & Evidence::Calls.bit() != 0 {
                3
            } else {
                0
            };
            let tie = |other| Tie {
                other,
                kinds,
                calls,
                den_days: 0,
                weight,
                specific: if kinds & !Evidence::Colocation.bit() != 0 {
                    weight
                } else {
                    0.0
                },
                witness: [(NONE, NONE); 6],
            };
            pairs.push((a, tie(b)));
            pairs.push((b, tie(a)));
        }
        pairs.sort_by_key(|x| (x.0, x.1.other));
        let mut offsets = vec![0u32; n + 1];
        for x in &pairs {
            offsets[x.0 as usize + 1] += 1;
        }
        for k in 1..offsets.len() {
            offsets[k] += offsets[k - 1];
        }
        let mut s = vec![false; n];
        for &u in seed {
            s[u as usize] = true;
        }
        Ties {
            seed: s,
            candidate: vec![true; n],
            offsets,
            ties: pairs.into_iter().map(|x| x.1).collect(),
            dens: Vec::new(),
            one_report: vec![false; n],
            report_offsets: Vec::new(),
            report_keys: Vec::new(),
        }
    }

    /// The same ties with `reports` `(unit, report or account key)` as the
    /// reports naming each unit ([`Ties::reports_of`]).
    #[cfg(test)]
    pub(crate) fn with_reports(mut self, reports: &[(u32, u32)]) -> Ties {
        (self.report_offsets, self.report_keys) = report_csr(reports.to_vec(), self.seed.len());
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Regression (own generator, medium seed 94): a couple sharing one
    /// handset at home were tied by it as closely as two burners in one
    /// operator's hand, and each call into a gang then made them members.
    /// Only a handset that carried a fraud SIM ties its SIMs.
    #[test]
    fn a_handset_ties_its_sims_only_when_a_fraud_sim_went_through_it() {
        let tmp = tempfile::tempdir().unwrap();
        let mut calls = String::from("caller,callee,start,duration_s,caller_imei\n");
        // Phones 1 and 2: one burner after the other in handset A; phones
        // 3 and 4: a couple's SIMs in their handset B.
        for (sim, imei, day) in [
            ("13800000001", "861234567890123", 2),
            ("13800000002", "861234567890123", 3),
            ("13500000003", "869876543210987", 2),
            ("13500000004", "869876543210987", 3),
        ] {
            for k in 0..3 {
                calls.push_str(&format!(
                    "{sim},1390000{k}{day:03},2026-03-{day:02} 10:0{k}:00,60,{imei}\n"
                ));
            }
        }
        // The couple both call the burner: they are within its reach.
        calls.push_str("13500000003,13800000001,2026-03-04 20:00:00,60,869876543210987\n");
        calls.push_str("13500000004,13800000001,2026-03-05 20:00:00,60,869876543210987\n");
        std::fs::write(tmp.path().join("calls.csv"), calls).unwrap();
        let g = crate::ingest::ingest_case(tmp.path(), &Default::default()).unwrap();
        let n = g.phones.len();
        let idx = |num: &str| {
            (0..n as u32)
                .find(|&p| g.phone_number(p).ends_with(num))
                .unwrap()
        };
        let mut fraud = vec![false; n];
        fraud[idx("13800000001") as usize] = true;
        let units = Units::singles(n);
        let individual: Vec<u32> = Vec::new();
        let weights = LinkWeights::default();
        let colocation = ColocationConfig::default();
        // Not flagged burner, so that its callers are reached.
        let no_burner = vec![false; n];
        let inp = Inputs {
            units: &units,
            fraud_sim: &fraud,
            burner: &no_burner,
            fraud_incidents: &[],
            individual_of_person: &individual,
            contact_bound: n,
            max_sims_per_handset: 40,
            min_call_events: 2,
            weights: &weights,
            colocation: &colocation,
        };
        let ties = build(&g, &inp);
        assert!(["13500000003", "13500000004"]
            .iter()
            .all(|p| ties.candidate[idx(p) as usize]));
        let handset = |a: &str, b: &str| {
            ties.of(idx(a))
                .iter()
                .any(|t| t.other == idx(b) && t.kinds & Evidence::Handset.bit() != 0)
        };
        assert!(handset("13800000001", "13800000002"));
        assert!(!handset("13500000003", "13500000004"));
    }

    fn pairs(raw: &[Raw]) -> Vec<(u32, u32)> {
        raw.iter().map(|r| (r.a, r.b)).collect()
    }

    #[test]
    fn the_sims_of_a_small_handset_are_tied_to_each_other_not_along_a_chain() {
        // Regression: four SIMs through one handset were chained 0-1-2-3, so
        // a SIM whose chain neighbours stayed out of a gang had no handset
        // evidence into it though it shared the handset with a member.
        let mut raw = Vec::new();
        link_units(&mut raw, &[0, 1, 2, 3], &|p| p, Evidence::Handset, None, 40);
        assert_eq!(
            pairs(&raw),
            vec![(0, 1), (0, 2), (0, 3), (1, 2), (1, 3), (2, 3)]
        );
    }

    #[test]
    fn a_large_group_is_chained_in_linear_time() {
        let phones: Vec<u32> = (0..100).collect();
        let mut raw = Vec::new();
        link_units(&mut raw, &phones, &|p| p, Evidence::Account, None, 40);
        assert_eq!(raw.len(), 99);
        assert!(raw.iter().all(|r| r.b == r.a + 1));
    }

    #[test]
    fn phones_of_one_unit_are_one_end_and_incidents_witness_the_report() {
        // Phones 0 and 1 are one holder's: one pair, witnessed by report 7.
        let mut raw = Vec::new();
        let unit = |p: u32| if p < 2 { 0 } else { p };
        link_units(&mut raw, &[0, 1, 5], &unit, Evidence::Incident, Some(7), 40);
        assert_eq!(pairs(&raw), vec![(0, 5)]);
        assert_eq!(raw[0].witness, (7, 7));
    }
}
