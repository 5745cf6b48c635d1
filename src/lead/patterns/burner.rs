//! Burner SIMs: a SIM that lives days, not months, and is used to call many
//! distinct numbers, while hardly anyone calls it. A call centre's
//! lines live for years and take calls; a delivery rider's customers call
//! back; a family calls the same few numbers again and again — none of them
//! pass all the tests together.
//!
//! "Short" is measured against what the case can show: a phone seen over
//! more than `max_life_share` of the case's period is not short-lived,
//! however short the period (in a three-week case a carrier's SMS line and
//! a busy ordinary phone both "live" under 30 days).
//!
//! How long the calls last is not part of the shape by default
//! (`min_short_share = 0`): a scam is a conversation, often a long one, and
//! a gang's burner that keeps its victims on the line for twenty minutes is
//! no less a burner. A case team that knows its gang robocalls can ask for
//! mostly short calls.
//!
//! A burner's successor in the same work handset is judged on its shape —
//! short life, nearly all outgoing, to new numbers — with a
//! lower volume bar (`min_outgoing_rotated`): the case may end the day the
//! operator put it in, or the rotation may have just moved on. The handset
//! it shares with a burner, one SIM after another, is the evidence the
//! volume cannot yet give. So is a fraud report that names a SIM of that
//! shape (not the victim's own number): a burner seen only on the day it
//! hooked this victim has no volume to show.
//!
//! # Complexity
//! O(1) per phone over the precomputed [`Profile`]s, plus the events of the
//! phones that fire (for their source rows).

use super::{call_sources, Context, Hit, PatternKind};
use crate::lead::config::BurnerConfig;

/// The longest life a burner can have in a case whose events span
/// `case_days` days.
pub fn max_life(c: &BurnerConfig, case_days: f64) -> f64 {
    c.max_life_days.min(c.max_life_share * case_days)
}

/// The longest life phone `p` may have and still be a burner: a SIM whose
/// registration shows it was activated within the case has its whole life
/// in view, so the case's share does not bound it (a burner bought on the
/// case's second day and used to its last, in a two-week case); any other
/// SIM may have lived long before the case began, so a phone seen over
/// most of a short case is not taken for short-lived.
pub fn max_life_of(p: &super::Profile, c: &BurnerConfig, case_days: f64) -> f64 {
    if p.activated_in_case {
        c.max_life_days
    } else {
        max_life(c, case_days)
    }
}

/// A burner's shape, volume aside: short life (counted from its
/// registration when one says it was live earlier), few incoming, calls to
/// new numbers (and, when `min_short_share` asks, mostly short ones).
fn has_shape(p: &super::Profile, c: &BurnerConfig, case_days: f64) -> bool {
    p.known_life_days() <= max_life_of(p, c, case_days) && cold_contact(p, c)
}

/// The shape without the life: nearly all outgoing, to new numbers.
fn cold_contact(p: &super::Profile, c: &BurnerConfig) -> bool {
    let events = p.events();
    events > 0
        && p.distinct_out as f64 >= c.min_distinct_share * p.outgoing as f64
        && (p.incoming as f64) <= c.max_incoming_share * events as f64
        && p.short_out as f64 >= c.min_short_share * p.outgoing as f64
}

/// Whether a profile is a burner's under `c`, in a case of `case_days`.
pub fn is_burner(p: &super::Profile, c: &BurnerConfig, case_days: f64) -> bool {
    has_shape(p, c, case_days) && p.outgoing >= c.min_outgoing && p.distinct_out >= c.min_distinct
}

/// Whether a SIM that followed or preceded a burner in one handset is a
/// burner too: the shape, and at least `min_outgoing_rotated` calls.
pub fn is_rotated_burner(p: &super::Profile, c: &BurnerConfig, case_days: f64) -> bool {
    has_shape(p, c, case_days) && p.outgoing >= c.min_outgoing_rotated.max(1)
}

/// A burner hit on phone `p`: `why` after its shape, its outgoing events
/// as the source rows (after `first_source`, when given).
fn burner_hit(ctx: &Context, p: u32, why: Option<String>, first_source: Option<String>) -> Hit {
    let g = ctx.graph;
    let shape = reason(&ctx.profiles[p as usize]);
    let mut sources = call_sources(g.events_of(p).filter(|e| e.caller == p));
    if let Some(s) = first_source {
        sources.truncate(super::MAX_SOURCES - 1);
        sources.insert(0, s);
    }
    Hit {
        kind: PatternKind::Burner,
        entity: Context::phone_ref(p),
        entity_id: g.phone_number(p).to_string(),
        phones: vec![],
        reason: match why {
            Some(why) => format!("{shape}; {why}"),
            None => shape,
        },
        sources,
    }
}

fn reason(prof: &super::Profile) -> String {
    let days = prof.life_days().ceil().max(1.0) as u64;
    format!(
        "burner: active {days} day{}, {} outgoing calls to {} distinct numbers ({} short), {} incoming",
        if days == 1 { "" } else { "s" },
        prof.outgoing,
        prof.distinct_out,
        prof.short_out,
        prof.incoming
    )
}

/// Burner hits: phones passing [`is_burner`], then SIMs of the `swapped`
/// handsets (SIMs used one after another, see [`super::sim_swap`]) that
/// hold one of them and pass [`is_rotated_burner`].
pub fn detect(ctx: &Context, c: &BurnerConfig, swapped: &[(u32, Vec<u32>)]) -> Vec<Hit> {
    let g = ctx.graph;
    let mut hits = Vec::new();
    let mut flagged = vec![false; ctx.profiles.len()];
    for (p, prof) in ctx.profiles.iter().enumerate() {
        let p = p as u32;
        if !ctx.eligible(p) || !is_burner(prof, c, ctx.case_days) {
            continue;
        }
        flagged[p as usize] = true;
        hits.push(burner_hit(ctx, p, None, None));
    }
    let mut rotated: Vec<(u32, u32, u32)> = Vec::new();
    for (h, sims) in swapped {
        let Some(&mate) = sims.iter().find(|&&q| flagged[q as usize]) else {
            continue;
        };
        for &p in sims {
            let prof = &ctx.profiles[p as usize];
            if !flagged[p as usize] && ctx.eligible(p) && is_rotated_burner(prof, c, ctx.case_days)
            {
                rotated.push((p, *h, mate));
            }
        }
    }
    rotated.sort_unstable();
    rotated.dedup_by_key(|r| r.0);
    for &(p, _, _) in &rotated {
        flagged[p as usize] = true;
    }
    let reported = reported_burners(ctx, c, &flagged);
    for (p, h, mate) in rotated {
        let why = format!(
            "fewer calls than a burner's {} so far, but in handset {} one after burner {}",
            c.min_outgoing,
            g.str(g.handsets[h as usize]),
            g.phone_number(mate)
        );
        hits.push(burner_hit(ctx, p, Some(why), None));
    }
    for (p, i) in reported {
        let inc = &g.incidents[i as usize];
        let why = format!(
            "fewer calls than a burner's {} so far, but fraud report {} names it",
            c.min_outgoing,
            g.str(inc.incident_id)
        );
        let report_row = format!("incidents.csv:{}", inc.line);
        hits.push(burner_hit(ctx, p, Some(why), Some(report_row)));
    }
    hits
}

/// SIMs that a fraud report names, not the victim's own, with a burner's
/// shape (short life, nearly all outgoing, to new numbers) but too few
/// calls for its volume: a burner seen only on its last day, or kept for
/// the call that hooked this one victim. The report is the evidence the
/// volume cannot give, as the shared handset is for a rotated SIM. Each
/// with the first report (by row) that names it.
fn reported_burners(ctx: &Context, c: &BurnerConfig, flagged: &[bool]) -> Vec<(u32, u32)> {
    let g = ctx.graph;
    let mut out: Vec<(u32, u32)> = Vec::new();
    for &i in &ctx.fraud {
        for &p in g.list(g.incidents[i as usize].phones) {
            let prof = &ctx.profiles[p as usize];
            if !flagged[p as usize]
                && ctx.eligible(p)
                && prof.outgoing > 0
                && has_shape(prof, c, ctx.case_days)
            {
                out.push((p, i));
            }
        }
    }
    out.sort_unstable_by_key(|&(p, i)| (p, g.incidents[i as usize].line));
    out.dedup_by_key(|r| r.0);
    out
}

/// SIMs that worked in a burner's handset with a burner's shape and volume
/// but too long a life for one: the other lines of a gang's SIM box, a
/// device that holds several SIMs at once and texts or rings strangers all
/// day. Alone such a line looks like a service number (months of one-way
/// contact with thousands), and [`crate::analysis::hubs`] takes it for one;
/// a bank's or a courier's line never shares a device with a burner.
/// `burners` are the hits of [`detect`]; handsets of more than `max_sims`
/// SIMs (a shop's test phone) and handsets seen only at registration (a
/// dealer activates SIMs for anyone) are not evidence.
///
/// O(handset uses log handset uses).
pub fn boxed(ctx: &Context, c: &BurnerConfig, burners: &[Hit], max_sims: usize) -> Vec<Hit> {
    let g = ctx.graph;
    let mut flagged = vec![false; ctx.profiles.len()];
    for h in burners {
        flagged[h.entity.idx as usize] = true;
    }
    let mut uses: Vec<(u32, u32)> = g
        .handset_uses
        .iter()
        .filter(|u| u.n_events > 0)
        .map(|u| (u.handset, u.phone))
        .collect();
    uses.sort_unstable();
    uses.dedup();
    let mut found: Vec<(u32, u32, u32)> = Vec::new();
    for sims in uses.chunk_by(|a, b| a.0 == b.0) {
        if sims.len() > max_sims {
            continue;
        }
        let Some(&(h, mate)) = sims.iter().find(|s| flagged[s.1 as usize]) else {
            continue;
        };
        for &(_, p) in sims {
            let prof = &ctx.profiles[p as usize];
            if !flagged[p as usize]
                && !ctx.is_victim_phone[p as usize]
                && cold_contact(prof, c)
                && prof.outgoing >= c.min_outgoing
                && prof.distinct_out >= c.min_distinct
            {
                found.push((p, h, mate));
            }
        }
    }
    found.sort_unstable();
    found.dedup_by_key(|f| f.0);
    found
        .into_iter()
        .map(|(p, h, mate)| {
            let why = format!(
                "longer-lived than a burner, but worked in handset {} with burner {} (a SIM box)",
                g.str(g.handsets[h as usize]),
                g.phone_number(mate)
            );
            burner_hit(ctx, p, Some(why), None)
        })
        .collect()
}

/// Call-back lines: a gang's number that victims ring back after a burner
/// or a SIM box reached them ("call this number about your parcel"). Such a
/// line lives like a burner and nearly only receives calls, so the burner
/// rule never sees it. A short-lived line that strangers call is common
/// enough (a delivery rider, a new shop); two things single out the gang's:
///
/// - **a fraud report names it and the victim called it**: the report's
///   own story (the victim's phone, or a number the report names, rang
///   the line), as a report is the evidence for a burner too few calls show;
///   such a line need only be rung more often than it rings (the operator
///   rings his victims back on it for the long talk);
/// - **it worked in a burner's handset**, in turn or at once (as the lines
///   of a SIM box do, [`boxed`]), or in the handset of a line a report
///   showed to be a call-back line (the operator's voice lines, one after
///   another);
/// - **its callers are the burners' targets**, far beyond the case's own
///   rate. `b` = phones a burner reached / phones with any call; a line with
///   `n` distinct callers of which `k` had been reached by a burner before
///   they first called it is flagged when P(X >= k), X ~ Binomial(n, b), is
///   at most `callback_max_chance` divided by twice the number of lines
///   tested (a Bonferroni bound: the case's lines are tested together, by
///   this test and the next). Where burners reached most of the case's
///   phones this says nothing, as it should;
/// - **its callers rang it within the day of a burner's contact**, far
///   beyond chance: `d` = the share of phone-time over the case's span that
///   lay within a day after some burner's contact; `k` of the `n` callers
///   reached in the day before their first call to the line, the same
///   binomial bound with `d`. A SIM box that texted nearly everyone still
///   leaves most phones, most of the time, a day or more past its text.
///
/// O(events of the burners + events of the candidates + phones of the
/// fraud reports + handset uses log handset uses).
pub fn callback_lines(
    ctx: &Context,
    c: &BurnerConfig,
    burners: &[Hit],
    max_sims: usize,
) -> Vec<Hit> {
    let g = ctx.graph;
    let n = ctx.profiles.len();
    let mut flagged = vec![false; n];
    for h in burners {
        flagged[h.entity.idx as usize] = true;
    }
    // A line with a burner's short life that is rung at all.
    let short_lived_line = |p: u32| {
        let prof = &ctx.profiles[p as usize];
        !flagged[p as usize]
            && ctx.eligible(p)
            && prof.incoming > 0
            && prof.known_life_days() <= max_life_of(prof, c, ctx.case_days)
    };
    // ... that nearly only receives calls.
    let is_candidate = |p: u32| {
        let prof = &ctx.profiles[p as usize];
        short_lived_line(p) && prof.outgoing as f64 <= c.max_incoming_share * prof.events() as f64
    };
    // Named in a fraud report and rung by the report's own story, a line
    // needs only to be rung more than it rings: the operator calls his
    // victims back on it (the conversation that takes their money), so its
    // outgoing calls are no sign of an ordinary phone here.
    let is_reported_candidate = |p: u32| {
        let prof = &ctx.profiles[p as usize];
        short_lived_line(p) && prof.outgoing <= prof.incoming
    };
    let mut hits = Vec::new();
    let mut taken = vec![false; n];
    for (p, i, caller, line) in reported_callback_lines(ctx, &is_reported_candidate) {
        taken[p as usize] = true;
        let inc = &g.incidents[i as usize];
        let whose = if g.list(inc.phones).contains(&caller) {
            "a number the report names"
        } else {
            "the report's victim's phone"
        };
        let why = format!(
            "fraud report {} names it, and {} ({whose}) called it",
            g.str(inc.incident_id),
            g.phone_number(caller)
        );
        hits.push(callback_hit(
            ctx,
            p,
            why,
            vec![
                format!("incidents.csv:{}", inc.line),
                format!("calls.csv:{line}"),
            ],
        ));
    }
    // A line of that shape in a burner's handset (in turn or at once, as
    // the lines of a SIM box): the operator's voice line. Handsets of more
    // than `max_sims` SIMs (a shop's test phone) and handsets seen only at
    // registration are not evidence, as for [`boxed`].
    let mut uses: Vec<(u32, u32)> = g
        .handset_uses
        .iter()
        .filter(|u| u.n_events > 0)
        .map(|u| (u.handset, u.phone))
        .collect();
    uses.sort_unstable();
    uses.dedup();
    let mut in_handset: Vec<(u32, u32, u32)> = Vec::new();
    for sims in uses.chunk_by(|a, b| a.0 == b.0) {
        if sims.len() > max_sims {
            continue;
        }
        let Some(&(h, mate)) = sims
            .iter()
            .find(|s| flagged[s.1 as usize] || taken[s.1 as usize])
        else {
            continue;
        };
        for &(_, p) in sims {
            if !taken[p as usize] && is_candidate(p) {
                in_handset.push((p, h, mate));
            }
        }
    }
    in_handset.sort_unstable();
    in_handset.dedup_by_key(|r| r.0);
    for (p, h, mate) in in_handset {
        taken[p as usize] = true;
        let why = format!(
            "worked in handset {} with {} {}",
            g.str(g.handsets[h as usize]),
            if flagged[mate as usize] {
                "burner"
            } else {
                "call-back line"
            },
            g.phone_number(mate)
        );
        let sources = call_sources(g.events_of(p).filter(|e| {
            (e.callee == p && e.callee_handset == h) || (e.caller == p && e.caller_handset == h)
        }));
        hits.push(callback_hit(ctx, p, why, sources));
    }
    let primed = Priming::of(ctx, burners, &flagged);
    if primed.active == 0 || primed.rate_ever == 0.0 {
        return hits;
    }
    let candidates: Vec<u32> = (0..n as u32)
        .filter(|&p| !taken[p as usize] && is_candidate(p))
        .collect();
    // Two tests per line (ever reached, reached within the day), each at
    // half the case's bar.
    let bar = c.callback_max_chance / 2.0 / candidates.len().max(1) as f64;
    for p in candidates {
        // Each distinct caller at its first call to the line.
        let mut first_call: Vec<(u32, crate::model::Time, u32)> = g
            .events_of(p)
            .filter(|e| e.callee == p && e.caller != p && !ctx.is_hub[e.caller as usize])
            .map(|e| (e.caller, e.start, e.line))
            .collect();
        first_call.sort_unstable();
        first_call.dedup_by_key(|f| f.0);
        let callers = first_call.len() as u64;
        let mut ever: Vec<u32> = Vec::new();
        let mut recent: Vec<u32> = Vec::new();
        for &(q, t, line) in &first_call {
            if flagged[q as usize] {
                continue;
            }
            if let Some(r) = primed.last_reach_before(q, t) {
                ever.push(line);
                if t - r <= PRIMING_WINDOW_S {
                    recent.push(line);
                }
            }
        }
        let chance_ever = binomial_tail(callers, ever.len() as u64, primed.rate_ever);
        let chance_recent = binomial_tail(callers, recent.len() as u64, primed.rate_recent);
        let (mut lines, why) = if ever.len() >= 2 && chance_ever <= bar {
            let why = format!(
                "{} of its {callers} callers had been reached by a burner before they called it \
                 ({:.0}% of the case's phones were; chance {})",
                ever.len(),
                primed.rate_ever * 100.0,
                chance_words(chance_ever)
            );
            (ever, why)
        } else if recent.len() >= 2 && chance_recent <= bar {
            let why = format!(
                "{} of its {callers} callers had been reached by a burner in the day before they \
                 called it (a phone of the case was, at a given time, {:.1}% of the time; chance {})",
                recent.len(),
                primed.rate_recent * 100.0,
                chance_words(chance_recent)
            );
            (recent, why)
        } else {
            continue;
        };
        lines.sort_unstable();
        lines.truncate(super::MAX_SOURCES);
        let sources = lines
            .into_iter()
            .map(|l| format!("calls.csv:{l}"))
            .collect();
        hits.push(callback_hit(ctx, p, why, sources));
    }
    hits
}

/// How long after a burner reached a phone a call from it counts as the
/// answer to that contact: the day a text asks the victim to call back.
const PRIMING_WINDOW_S: crate::model::Time = 86_400;

/// When burners reached each phone, and how often chance alone would show a
/// phone reached: `rate_ever` = phones any burner reached / phones with any
/// call (ever before a call, at the latest); `rate_recent` = the share of
/// phone-time, over the case's span, that lay within [`PRIMING_WINDOW_S`]
/// after a burner's contact (the chance a random phone at a random moment
/// had just been reached). Where the burners reached nearly everyone, the
/// first rate says nothing and the second still does.
struct Priming {
    /// Per phone, the times burners reached it, sorted (CSR).
    offsets: Vec<u32>,
    times: Vec<crate::model::Time>,
    active: usize,
    rate_ever: f64,
    rate_recent: f64,
}

impl Priming {
    fn of(ctx: &Context, burners: &[Hit], flagged: &[bool]) -> Priming {
        let g = ctx.graph;
        let n = ctx.profiles.len();
        let mut reach: Vec<(u32, crate::model::Time)> = Vec::new();
        for h in burners {
            let b = h.entity.idx;
            reach.extend(
                g.events_of(b)
                    .filter(|e| e.caller == b && !flagged[e.callee as usize])
                    .map(|e| (e.callee, e.start)),
            );
        }
        reach.sort_unstable();
        reach.dedup();
        let mut offsets = vec![0u32; n + 1];
        for &(q, _) in &reach {
            offsets[q as usize + 1] += 1;
        }
        for i in 0..n {
            offsets[i + 1] += offsets[i];
        }
        let times: Vec<crate::model::Time> = reach.iter().map(|r| r.1).collect();
        let active = ctx.profiles.iter().filter(|p| p.events() > 0).count();
        let touched = (0..n).filter(|&q| offsets[q + 1] > offsets[q]).count();
        // Phone-time within a window after a contact, windows of one phone
        // merged, clipped to the case's span.
        let span_end = ctx
            .profiles
            .iter()
            .filter(|p| p.events() > 0)
            .map(|p| p.last)
            .max()
            .unwrap_or(0);
        let mut covered = 0f64;
        for q in 0..n {
            let ts = &times[offsets[q] as usize..offsets[q + 1] as usize];
            let mut until = crate::model::NO_TIME;
            for &t in ts {
                let end = (t + PRIMING_WINDOW_S).min(span_end.max(t));
                let from = t.max(until);
                if end > from {
                    covered += (end - from) as f64;
                }
                until = until.max(end);
            }
        }
        let span_s = (ctx.case_days * 86_400.0).max(1.0);
        let (rate_ever, rate_recent) = if active == 0 {
            (0.0, 0.0)
        } else {
            (
                touched as f64 / active as f64,
                (covered / (active as f64 * span_s)).min(1.0),
            )
        };
        Priming {
            offsets,
            times,
            active,
            rate_ever,
            rate_recent,
        }
    }

    /// The last time before `t` that a burner reached phone `q`.
    fn last_reach_before(&self, q: u32, t: crate::model::Time) -> Option<crate::model::Time> {
        let ts =
            &self.times[self.offsets[q as usize] as usize..self.offsets[q as usize + 1] as usize];
        let i = ts.partition_point(|&r| r < t);
        (i > 0).then(|| ts[i - 1])
    }
}

/// Lines passing `is_candidate` that a fraud report names and that another
/// number of the same report, or a phone of the report's victim, called: (line, incident, caller, calls.csv
/// line of the first such call), the first report by row for each line.
fn reported_callback_lines(
    ctx: &Context,
    is_candidate: &dyn Fn(u32) -> bool,
) -> Vec<(u32, u32, u32, u32)> {
    let g = ctx.graph;
    let mut out: Vec<(u32, u32, u32, u32)> = Vec::new();
    for &i in &ctx.fraud {
        let inc = &g.incidents[i as usize];
        let phones = g.list(inc.phones);
        // The report's numbers and the victim's own (the record's phones).
        let mut story: Vec<u32> = phones.to_vec();
        if inc.victim != crate::graph::NONE {
            story.extend(g.phones_of_person(inc.victim).iter().map(|pp| pp.phone));
        }
        for &p in phones {
            if !is_candidate(p) {
                continue;
            }
            let first = g
                .events_of(p)
                .filter(|e| e.callee == p && e.caller != p && story.contains(&e.caller))
                .min_by_key(|e| (e.start, e.line));
            if let Some(e) = first {
                out.push((p, i, e.caller, e.line));
            }
        }
    }
    out.sort_unstable_by_key(|&(p, i, _, _)| (p, g.incidents[i as usize].line));
    out.dedup_by_key(|r| r.0);
    out
}

fn callback_hit(ctx: &Context, p: u32, why: String, sources: Vec<String>) -> Hit {
    let g = ctx.graph;
    let prof = &ctx.profiles[p as usize];
    let days = prof.life_days().ceil().max(1.0) as u64;
    Hit {
        kind: PatternKind::Burner,
        entity: Context::phone_ref(p),
        entity_id: g.phone_number(p).to_string(),
        phones: vec![],
        reason: format!(
            "call-back line: active {days} day{}, {} incoming, {} outgoing; {why}",
            if days == 1 { "" } else { "s" },
            prof.incoming,
            prof.outgoing
        ),
        sources,
    }
}

/// P(X >= k) for X ~ Binomial(n, p), summed in log space term by term
/// (n is a line's distinct callers: thousands at most).
fn binomial_tail(n: u64, k: u64, p: f64) -> f64 {
    if k == 0 {
        return 1.0;
    }
    if p <= 0.0 {
        return 0.0;
    }
    if p >= 1.0 {
        return 1.0;
    }
    let (lp, lq) = (p.ln(), (1.0 - p).ln());
    // log C(n, k) built up from C(n, 0).
    let mut log_c = 0.0;
    for i in 0..k {
        log_c += ((n - i) as f64).ln() - ((i + 1) as f64).ln();
    }
    let mut sum = 0.0;
    for i in k..=n {
        sum += (log_c + i as f64 * lp + (n - i) as f64 * lq).exp();
        if i < n {
            log_c += ((n - i) as f64).ln() - ((i + 1) as f64).ln();
        }
    }
    sum.min(1.0)
}

/// "1 in 2.3 million" and the like.
fn chance_words(p: f64) -> String {
    if p <= 0.0 {
        return "nil".into();
    }
    let one_in = 1.0 / p;
    if one_in >= 1e9 {
        "under 1 in a billion".into()
    } else if one_in >= 1e6 {
        format!("1 in {:.1} million", one_in / 1e6)
    } else {
        format!("1 in {:.0}", one_in)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lead::patterns::Profile;
    use crate::model::NO_TIME;

    fn cold_caller() -> Profile {
        Profile {
            outgoing: 40,
            incoming: 2,
            distinct_out: 38,
            short_out: 36,
            odd: 0,
            first: 0,
            last: 5 * 86_400,
            registered: NO_TIME,
            activated_in_case: false,
        }
    }

    #[test]
    fn a_short_lived_cold_caller_is_a_burner() {
        assert!(is_burner(&cold_caller(), &BurnerConfig::default(), 90.0));
    }

    #[test]
    fn look_alikes_are_not() {
        let c = BurnerConfig::default();
        // A call-centre line: years of life, many incoming.
        let centre = Profile {
            incoming: 400,
            last: 400 * 86_400,
            ..cold_caller()
        };
        assert!(!is_burner(&centre, &c, 90.0));
        // A delivery rider: customers call back.
        let rider = Profile {
            incoming: 35,
            ..cold_caller()
        };
        assert!(!is_burner(&rider, &c, 90.0));
        // A family phone: the same few numbers again and again.
        let family = Profile {
            distinct_out: 4,
            ..cold_caller()
        };
        assert!(!is_burner(&family, &c, 90.0));
        // Long calls are conversations, not cold calls, for a case team
        // that asks for mostly short ones (a robocalling gang).
        let talker = Profile {
            short_out: 5,
            ..cold_caller()
        };
        let robocalls = BurnerConfig {
            min_short_share: 0.5,
            ..BurnerConfig::default()
        };
        assert!(!is_burner(&talker, &robocalls, 90.0));
    }

    #[test]
    fn a_burner_whose_scams_are_long_calls_is_a_burner() {
        // Seen on a foreign case: 17 calls to 17 strangers in 8 days, none
        // incoming, 9 of them conversations of 13 to 40 minutes (the scam
        // itself). Only the duration kept it from being flagged.
        let scammer = Profile {
            outgoing: 17,
            incoming: 0,
            distinct_out: 17,
            short_out: 8,
            odd: 0,
            first: 0,
            last: 8 * 86_400,
            registered: NO_TIME,
            activated_in_case: false,
        };
        assert!(is_burner(&scammer, &BurnerConfig::default(), 28.0));
    }

    #[test]
    fn a_phone_seen_over_most_of_a_short_case_is_not_short_lived() {
        let c = BurnerConfig::default();
        // Seen 19 of a 21-day case's days: no burner, though under 30 days.
        let carrier_sms = Profile {
            last: 19 * 86_400,
            ..cold_caller()
        };
        assert!(!is_burner(&carrier_sms, &c, 21.0));
        // The same 5-day life is a burner's in a short case and a long one.
        assert!(is_burner(&cold_caller(), &c, 21.0));
        assert!(is_burner(&cold_caller(), &c, 90.0));
    }

    /// Regression (own generator, two-week dev cases): burners activated on
    /// the case's first days and used to its end were seen over most of the
    /// case, and the share bound took them for long-lived. A registration
    /// activated within the case shows the whole life: the days bound
    /// alone applies to it.
    #[test]
    fn a_sim_activated_within_a_short_case_is_judged_by_its_whole_life() {
        let c = BurnerConfig::default();
        let bought = Profile {
            first: 86_400,
            last: 15 * 86_400,
            registered: 86_400,
            activated_in_case: true,
            ..cold_caller()
        };
        assert!(is_burner(&bought, &c, 16.0));
        // Unregistered, or registered before the case: the share bound.
        let unknown = Profile {
            registered: NO_TIME,
            activated_in_case: false,
            ..bought
        };
        assert!(!is_burner(&unknown, &c, 16.0));
        // Activated in the case but live longer than a burner's days.
        let long = Profile {
            last: 40 * 86_400,
            ..bought
        };
        assert!(!is_burner(&long, &c, 45.0));
    }

    #[test]
    fn a_cold_caller_registered_long_before_it_called_is_no_burner() {
        let c = BurnerConfig::default();
        // Five days of cold calls from a line registered four months
        // earlier: a telemarketing campaign, not a SIM bought for a scam.
        let campaign = Profile {
            first: 120 * 86_400,
            last: 125 * 86_400,
            registered: 0,
            ..cold_caller()
        };
        assert!(!is_burner(&campaign, &c, 28.0));
        assert!(!is_rotated_burner(&campaign, &c, 28.0));
        // Registered the day before its first call: the burner it looks like.
        let bought = Profile {
            registered: 119 * 86_400,
            ..campaign
        };
        assert!(is_burner(&bought, &c, 28.0));
    }

    #[test]
    fn a_burners_successor_needs_the_shape_not_the_volume() {
        let c = BurnerConfig::default();
        // Three short cold calls on its first day, none incoming.
        let fresh = Profile {
            outgoing: 3,
            incoming: 0,
            distinct_out: 3,
            short_out: 3,
            odd: 0,
            first: 0,
            last: 50_000,
            registered: NO_TIME,
            activated_in_case: false,
        };
        assert!(!is_burner(&fresh, &c, 21.0));
        assert!(is_rotated_burner(&fresh, &c, 21.0));
        // Not if its few calls are conversations, where the case team asks
        // for short ones, or answered by callers.
        let robocalls = BurnerConfig {
            min_short_share: 0.5,
            ..BurnerConfig::default()
        };
        assert!(!is_rotated_burner(
            &Profile {
                short_out: 1,
                ..fresh
            },
            &robocalls,
            21.0
        ));
        assert!(!is_rotated_burner(
            &Profile {
                incoming: 2,
                ..fresh
            },
            &c,
            21.0
        ));
        // Nor with fewer calls than the rotated bar.
        assert!(!is_rotated_burner(
            &Profile {
                outgoing: 2,
                distinct_out: 2,
                short_out: 2,
                ..fresh
            },
            &c,
            21.0
        ));
    }

    #[test]
    fn binomial_tail_matches_hand_sums() {
        // P(X >= 8), X ~ B(10, 1/2) = (45 + 10 + 1) / 1024.
        assert!((binomial_tail(10, 8, 0.5) - 56.0 / 1024.0).abs() < 1e-12);
        // P(X >= 1), X ~ B(5, 0.1) = 1 - 0.9^5.
        assert!((binomial_tail(5, 1, 0.1) - (1.0 - 0.9f64.powi(5))).abs() < 1e-12);
        assert_eq!(binomial_tail(7, 0, 0.3), 1.0);
        assert_eq!(binomial_tail(7, 3, 0.0), 0.0);
        // A thousand callers, all primed, at a 1% rate: far below any bar,
        // and no underflow to NaN.
        let t = binomial_tail(1000, 1000, 0.01);
        assert!((0.0..1e-300).contains(&t), "{t}");
    }

    #[test]
    fn chances_read_as_one_in_so_many() {
        assert_eq!(chance_words(1e-4), "1 in 10000");
        assert_eq!(chance_words(4e-7), "1 in 2.5 million");
        assert_eq!(chance_words(1e-12), "under 1 in a billion");
    }
}
