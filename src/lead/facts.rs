//! Stage 2 of `leads`: the pattern detectors' hits turned into per-phone
//! facts every later stage reads — which phones are fraud SIMs (burners,
//! phones named in fraud reports, and the SIMs rotated through their
//! handsets; fan-out to victims only ranks a phone), which are burners, which show money flow, each
//! phone's pattern kinds, hits and score.
//!
//! # Complexity
//! The detectors' own (see [`crate::lead::patterns`]), then O(hits).

use crate::analysis::Hub;
use crate::graph::CaseGraph;
use crate::lead::config::{LeadConfig, PatternWeights};
use crate::lead::patterns::{self, Context, Hit, PatternKind};
use crate::model::NodeKind;

/// What the detectors found, per phone.
pub struct Facts<'g> {
    pub ctx: Context<'g>,
    /// Service numbers left out (burners are never among them).
    pub hubs: Vec<Hub>,
    /// Every hit, sorted by (kind, entity, phones).
    pub hits: Vec<Hit>,
    /// Pattern kinds each phone shows, once each, sorted.
    pub kinds_of: Vec<Vec<PatternKind>>,
    /// Indices into `hits` of each phone's hits.
    pub hits_of: Vec<Vec<usize>>,
    /// Each phone's pattern score: the weight of each kind it shows, once.
    pub score: Vec<f64>,
    /// Fraud SIMs: burners, phones named in fraud reports, and SIMs rotated
    /// through one handset with one of them (fan-out alone is no seed: see
    /// [`PatternKind::is_seed`]).
    pub fraud_sim: Vec<bool>,
    pub burner: Vec<bool>,
    /// Phones named beside an account in two or more fraud reports.
    pub money: Vec<bool>,
    /// SIMs of each swapped handset.
    pub swapped: Vec<(u32, Vec<u32>)>,
    /// Phones named beside each account.
    pub account_phones: Vec<Vec<u32>>,
    /// Co-located pairs (a, b, days) with a fraud SIM.
    pub colocated: Vec<(u32, u32, u32)>,
}

/// The weight of a pattern kind (`[patterns]`).
pub fn weight(pw: &PatternWeights, k: PatternKind) -> f64 {
    match k {
        PatternKind::Burner => pw.burner,
        PatternKind::SimSwap => pw.sim_swap,
        PatternKind::IncidentPhone => pw.incident_phone,
        PatternKind::FanOutVictims => pw.fan_out_victims,
        PatternKind::Burst => pw.burst,
        PatternKind::MoneyToAccounts => pw.money_to_accounts,
        PatternKind::IncidentContact => pw.incident_contact,
        PatternKind::Colocation => pw.colocation,
        PatternKind::OddHours => pw.odd_hours,
    }
}

/// Burner hits, the service numbers that are left once burners and the
/// lines of a burner's SIM box are taken back out of them (`ctx.is_hub`
/// follows), and the swapped handsets (found once burners are out).
fn burners_out_of_hubs(ctx: &mut Context, config: &LeadConfig, hubs: Vec<Hub>) -> BurnersAndHubs {
    for h in &hubs {
        let p = h.phone_idx as usize;
        if patterns::burner::is_burner(&ctx.profiles[p], &config.burner, ctx.case_days) {
            ctx.is_hub[p] = false;
        }
    }
    let swapped = patterns::sim_swap::swapped_handsets(ctx, &config.sim_swap);
    let mut hits = patterns::burner::detect(ctx, &config.burner, &swapped);
    // The lines of a burner's SIM box, even those taken for service numbers.
    let boxed = patterns::burner::boxed(ctx, &config.burner, &hits, config.sim_swap.max_sims);
    for h in &boxed {
        ctx.is_hub[h.entity.idx as usize] = false;
    }
    let hubs: Vec<Hub> = hubs
        .into_iter()
        .filter(|h| ctx.is_hub[h.phone_idx as usize])
        .collect();
    hits.extend(boxed);
    // Lines the burners' targets call back (not service numbers: those
    // live for months).
    let callback =
        patterns::burner::callback_lines(ctx, &config.burner, &hits, config.sim_swap.max_sims);
    hits.extend(callback);
    BurnersAndHubs {
        hits,
        hubs,
        swapped,
    }
}

/// What [`burners_out_of_hubs`] sorted out.
struct BurnersAndHubs {
    /// Burner hits.
    hits: Vec<Hit>,
    /// Service numbers left.
    hubs: Vec<Hub>,
    /// Handsets whose SIMs were used one after another, with their SIMs.
    swapped: Vec<(u32, Vec<u32>)>,
}

/// Run the detectors. `hubs` are the service numbers found on the contact
/// graph; a phone that passes the burner test is taken back out of them (a
/// burner cold-calls like a switchboard, but for days, not months), and so
/// is a line of a burner's SIM box ([`patterns::burner::boxed`]).
pub fn find<'g>(
    g: &'g CaseGraph,
    config: &LeadConfig,
    hubs: Vec<Hub>,
    individual_of_person: &[u32],
) -> Facts<'g> {
    let n = g.phones.len();
    let mut is_hub = vec![false; n];
    for h in &hubs {
        is_hub[h.phone_idx as usize] = true;
    }
    let mut ctx = Context::new(
        g,
        is_hub,
        individual_of_person,
        &config.burner,
        (config.odd_hours.from_hour, config.odd_hours.to_hour),
    );
    let BurnersAndHubs {
        mut hits,
        hubs,
        swapped,
    } = burners_out_of_hubs(&mut ctx, config, hubs);
    hits.extend(patterns::sim_swap::detect(&ctx, &config.sim_swap));
    hits.extend(patterns::incident_contact::detect_named(&ctx));
    hits.extend(patterns::fan_out_victims::detect(&ctx, &config.fan_out));
    hits.extend(patterns::burst::detect(&ctx, &config.burst));
    let money = patterns::money_to_accounts::detect(&ctx);
    let account_phones: Vec<Vec<u32>> = money.iter().map(|h| h.phones.clone()).collect();
    hits.extend(money.into_iter().filter(|h| h.sources.len() >= 2));
    hits.extend(patterns::odd_hours::detect(&ctx, &config.odd_hours));
    let mut fraud_sim = vec![false; n];
    let mut burner = vec![false; n];
    for h in &hits {
        if h.kind.is_seed() && h.entity.kind == NodeKind::Phone {
            fraud_sim[h.entity.idx as usize] = true;
        }
        if h.kind == PatternKind::Burner {
            burner[h.entity.idx as usize] = true;
        }
    }
    // SIMs rotated through a fraud SIM's handset are fraud SIMs too.
    for (_, sims) in &swapped {
        if sims.iter().any(|&p| fraud_sim[p as usize]) {
            for &p in sims {
                if ctx.eligible(p) {
                    fraud_sim[p as usize] = true;
                }
            }
        }
    }
    hits.extend(patterns::incident_contact::detect_contacts(&ctx, &burner));
    let colocated = patterns::colocation::colocated_pairs(&ctx, &config.colocation, &fraud_sim);
    hits.extend(patterns::colocation::detect(&ctx, &colocated));
    hits.sort_by(|a, b| (a.kind, a.entity, &a.phones).cmp(&(b.kind, b.entity, &b.phones)));

    let mut kinds_of: Vec<Vec<PatternKind>> = vec![Vec::new(); n];
    let mut hits_of: Vec<Vec<usize>> = vec![Vec::new(); n];
    let mut money_phone = vec![false; n];
    for (i, h) in hits.iter().enumerate() {
        let mut phones: Vec<u32> = Vec::new();
        match h.entity.kind {
            NodeKind::Phone => {
                phones.push(h.entity.idx);
                if h.kind == PatternKind::Colocation {
                    phones.extend(h.phones.iter().copied());
                }
            }
            NodeKind::Handset => phones.extend(h.phones.iter().copied()),
            NodeKind::Account => {
                for &p in &h.phones {
                    money_phone[p as usize] = true;
                }
            }
            _ => {}
        }
        for p in phones {
            kinds_of[p as usize].push(h.kind);
            hits_of[p as usize].push(i);
        }
    }
    for k in kinds_of.iter_mut() {
        k.sort_unstable();
        k.dedup();
    }
    let score: Vec<f64> = kinds_of
        .iter()
        .map(|ks| ks.iter().map(|&k| weight(&config.patterns, k)).sum())
        .collect();
    Facts {
        ctx,
        hubs,
        hits,
        kinds_of,
        hits_of,
        score,
        fraud_sim,
        burner,
        money: money_phone,
        swapped,
        account_phones,
        colocated,
    }
}
