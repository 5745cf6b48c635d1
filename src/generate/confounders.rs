//! Confounders: innocent people and lines that share one kind of evidence or
//! another with the gangs, so that a detector which takes any single kind
//! for proof puts innocent people in a gang.
//!
//! - **Non-gang suspects** ([`Part::Suspect`]): residents named as suspects
//!   in police records for thefts, disputes, assaults and old cases (some
//!   years before the period), or in an informant's tip; some are market
//!   traders with many customers, some work in a den's neighbourhood, a few
//!   are friends of a gang member, and some form small crews named together
//!   in the same incidents who call each other often and meet in one place.
//!   A dispute with a shop may name the shopkeeper's account.
//! - **Their associates and witnesses** ([`Part::Associate`]).
//! - **Relatives of gang members** ([`Part::Relative`], made with the gangs):
//!   they call their gang relative often and some live with him.
//! - **Identity theft** ([`Part::IdentityVictim`], made with the gangs):
//!   people whose identity registered burners; some report it, naming the
//!   numbers.
//! - **Night workers at a den's cell** ([`Part::NightWorker`]): a night shift
//!   whose workplace is served by the den's cell, calling each other from it
//!   at night.
//! - **Telemarketing lines**: a company's outbound lines calling strangers
//!   all day, some replaced in the same handset when flagged as spam.
//! - **Drivers** ([`Part::Driver`]): calls to many customers from all over
//!   the city.
//! - **Wrongly named numbers**: now and then a fraud report names a
//!   telemarketing line (a pushy sale) or a driver (whose name a parcel
//!   scammer used).
//! - **Victims** ([`Part::Victim`], made with the hooks): some live in one
//!   compound, know each other, and warn each other after a fraud.

use super::call::{cell_at, Call};
use super::gangs::{Gang, Plan, PlannedIncident};
use super::population::{Part, PhoneKind, TieKind, World, NONE};
use rand::Rng;
use rand_chacha::ChaCha8Rng;

/// A telemarketing company's office and its outbound lines.
#[derive(Debug, Clone)]
pub struct Telemarketer {
    pub name: String,
    pub office: u32,
    pub lines: Vec<u32>,
    /// Calls per line per weekday.
    pub rate: u32,
}

/// A night shift working in a cell a gang's den is in.
#[derive(Debug, Clone)]
pub struct NightCrew {
    pub cell: u32,
    pub workers: Vec<u32>,
}

#[derive(Debug, Clone, Default)]
pub struct Confounders {
    pub telemarketers: Vec<Telemarketer>,
    pub night_crews: Vec<NightCrew>,
    pub drivers: Vec<u32>,
    /// Calls per driver per day (min, max).
    pub driver_rate: (u32, u32),
    /// Non-gang suspects, in the order they were made.
    pub suspects: Vec<u32>,
}

const COMPANIES: &[&str] = &[
    "深圳市优选家居营销有限公司",
    "Shenzhen Huaxin Insurance Agency",
    "深圳鹏达教育咨询有限公司",
    "Pengcheng Broadband Sales Ltd",
    "深圳市安居房产经纪有限公司",
    "Nanshan Wealth Management Services",
];

fn old_or_recent(world: &World, rng: &mut ChaCha8Rng) -> i64 {
    let period = world.scale.days as i64 * 86_400;
    if rng.gen_bool(0.4) {
        // An old case, up to three years before the period.
        -rng.gen_range(30 * 86_400..3 * 365 * 86_400)
    } else {
        rng.gen_range(0..period)
    }
}

fn station_of(world: &World, who: u32) -> u32 {
    world.cells.len() as u32
        + world.cells[world.individuals[who as usize].home as usize].district as u32
}

/// Make the confounders and plan their incidents.
pub fn make_confounders(
    world: &mut World,
    gangs: &[Gang],
    rng: &mut ChaCha8Rng,
    plan: &mut Plan,
) -> Confounders {
    let mut out = Confounders {
        suspects: non_gang_suspects(world, gangs, rng, plan),
        ..Default::default()
    };
    identity_theft_reports(world, gangs, rng, plan);
    out.night_crews = night_crews(world, gangs, rng);
    out.telemarketers = telemarketers(world, rng);
    drivers_and_wrong_complaints(world, rng, plan, &mut out);
    out
}

fn phone(w: &World, who: u32) -> u32 {
    w.individuals[who as usize].phones[0]
}

/// Non-gang suspects, in crews or alone, and their associates.
fn non_gang_suspects(
    world: &mut World,
    gangs: &[Gang],
    rng: &mut ChaCha8Rng,
    plan: &mut Plan,
) -> Vec<u32> {
    let s = world.scale;
    let gang_members: Vec<u32> = gangs.iter().flat_map(|g| g.members()).collect();
    let dens: Vec<u32> = gangs.iter().flat_map(|g| g.dens.iter().copied()).collect();
    let n_suspects = ((s.people as f64 * rng.gen_range(0.004..0.012)) as u32).max(3);
    let mut suspects = Vec::new();
    for _ in 0..n_suspects {
        let who = world.random_background(rng);
        world.individuals[who as usize].part = Part::Suspect;
        suspects.push(who);
    }
    let mut i = 0;
    while i < suspects.len() {
        // Crews named together in the same incidents.
        let size = if rng.gen_bool(0.25) {
            rng.gen_range(2..=4).min(suspects.len() - i)
        } else {
            1
        };
        let crew = suspects[i..i + size].to_vec();
        i += size;
        if crew.len() > 1 {
            crew_together(world, rng, plan, &crew);
        }
        for &who in &crew {
            suspect_life(world, rng, plan, who, &dens, &gang_members);
        }
    }
    suspects
}

/// A crew of suspects: a hangout, friendship ties, incidents naming them together.
fn crew_together(world: &mut World, rng: &mut ChaCha8Rng, plan: &mut Plan, crew: &[u32]) {
    let hangout = world.random_cell(rng);
    for a in 0..crew.len() {
        world.individuals[crew[a] as usize].work = hangout;
        for b in a + 1..crew.len() {
            let base = rng.gen_range(3.0..8.0);
            world.tie(rng, crew[a], crew[b], TieKind::Friend, base);
        }
    }
    for _ in 0..rng.gen_range(1..=2) {
        let victim = world.random_background(rng);
        let mut phones: Vec<u32> = crew
            .iter()
            .filter(|_| rng.gen_bool(0.7))
            .map(|&c| phone(world, c))
            .collect();
        if rng.gen_bool(0.4) {
            phones.push(phone(world, victim));
        }
        let category = ["theft", "assault", "theft", "other"][rng.gen_range(0..4)];
        plan.incidents.push(PlannedIncident {
            time: old_or_recent(world, rng),
            category,
            location: station_of(world, victim),
            phones,
            victim,
            loss: (category == "theft").then(|| rng.gen_range(300..30_000) as f64),
            accounts: Vec::new(),
            gang: None,
        });
    }
}

/// One suspect's associates, customers, work, and the incidents naming him.
fn suspect_life(
    world: &mut World,
    rng: &mut ChaCha8Rng,
    plan: &mut Plan,
    who: u32,
    dens: &[u32],
    gang_members: &[u32],
) {
    let mut associates = Vec::new();
    for _ in 0..rng.gen_range(1..=3) {
        let a = world.random_background(rng);
        world.individuals[a as usize].part = Part::Associate;
        let base = rng.gen_range(1.5..5.0);
        world.tie(rng, who, a, TieKind::Friend, base);
        associates.push(a);
    }
    if rng.gen_bool(0.25) {
        // A market trader: many customers.
        for _ in 0..rng.gen_range(15..40) {
            let c = world.random_resident(rng);
            world.tie(rng, who, c, TieKind::Friend, 0.4);
        }
    }
    if !dens.is_empty() && rng.gen_bool(0.15) {
        let den = dens[rng.gen_range(0..dens.len())];
        world.individuals[who as usize].work = den;
    }
    if !gang_members.is_empty() && rng.gen_bool(0.08) {
        let m = gang_members[rng.gen_range(0..gang_members.len())];
        world.tie(rng, who, m, TieKind::Friend, 1.0);
    }
    for _ in 0..rng.gen_range(1..=2) {
        let category = ["theft", "dispute", "dispute", "assault", "other"][rng.gen_range(0..5)];
        let victim = world.random_background(rng);
        let mut phones = Vec::new();
        if rng.gen_bool(0.7) {
            phones.push(phone(world, who));
        }
        if rng.gen_bool(0.4) {
            phones.push(phone(world, victim));
        }
        if rng.gen_bool(0.25) {
            // A witness's number.
            phones.push(phone(world, associates[0]));
        }
        let mut accounts = Vec::new();
        if category == "dispute" && rng.gen_bool(0.3) {
            // A shopkeeper's account, in a dispute over a sale.
            accounts.push(world.new_account());
        }
        plan.incidents.push(PlannedIncident {
            time: old_or_recent(world, rng),
            category,
            location: station_of(world, victim),
            phones,
            victim,
            loss: match category {
                "theft" => Some(rng.gen_range(200..20_000) as f64),
                "dispute" if rng.gen_bool(0.5) => Some(rng.gen_range(100..8_000) as f64),
                _ => None,
            },
            accounts,
            gang: None,
        });
    }
}

/// Identity theft: some report the numbers registered in their name.
fn identity_theft_reports(
    world: &mut World,
    gangs: &[Gang],
    rng: &mut ChaCha8Rng,
    plan: &mut Plan,
) {
    // Identity theft: some report the numbers registered in their name.
    for g in gangs {
        for &v in &g.stolen_ids {
            if !rng.gen_bool(0.3) {
                continue;
            }
            let mut theirs: Vec<u32> = g
                .operators
                .iter()
                .flat_map(|o| o.burners.iter().copied())
                .filter(|&b| world.phones[b as usize].registrant == v)
                .collect();
            theirs.truncate(rng.gen_range(1..=3));
            let Some(&first) = theirs.first() else {
                continue;
            };
            let after = world.phones[first as usize].last_day as i64 + rng.gen_range(1..20);
            plan.incidents.push(PlannedIncident {
                time: after * 86_400 + rng.gen_range(9 * 3600..17 * 3600),
                category: "other",
                location: station_of(world, v),
                phones: theirs,
                victim: v,
                loss: None,
                accounts: Vec::new(),
                gang: None,
            });
        }
    }
}

/// Night shifts of ordinary workers in den cells.
fn night_crews(world: &mut World, gangs: &[Gang], rng: &mut ChaCha8Rng) -> Vec<NightCrew> {
    let mut crews = Vec::new();
    for g in gangs {
        if !rng.gen_bool(0.7) {
            continue;
        }
        let cell = g.dens[rng.gen_range(0..g.dens.len())];
        let workers: Vec<u32> = (0..rng.gen_range(3..=10))
            .map(|_| {
                let w = world.random_background(rng);
                let p = &mut world.individuals[w as usize];
                p.part = Part::NightWorker;
                p.work = cell;
                p.night = true;
                w
            })
            .collect();
        for (k, &w) in workers.iter().enumerate() {
            let o = workers[(k + 1 + rng.gen_range(0..workers.len() - 1)) % workers.len()];
            world.tie(rng, w, o, TieKind::Coworker, 1.0);
        }
        crews.push(NightCrew { cell, workers });
    }

    crews
}

/// Telemarketing companies and their lines.
fn telemarketers(world: &mut World, rng: &mut ChaCha8Rng) -> Vec<Telemarketer> {
    let s = world.scale;
    let days = s.days;
    let mut companies = Vec::new();
    let n_companies = ((s.gangs as f64 / 3.0 * rng.gen_range(0.5..1.5)).round() as u32).max(1);
    for k in 0..n_companies {
        let office = world.random_cell(rng);
        let rotates = rng.gen_bool(0.5);
        let mut lines = Vec::new();
        for _ in 0..rng.gen_range(2..=(s.agents / 2).max(3)) {
            let handset = world.new_handset();
            let mut day = 0;
            while day < days {
                let last = if rotates {
                    (day + rng.gen_range(8..=25)).min(days - 1)
                } else {
                    days - 1
                };
                lines.push(world.new_mobile(NONE, handset, PhoneKind::Telemarketing, day, last));
                day = last + 1;
            }
        }
        companies.push(Telemarketer {
            name: COMPANIES[k as usize % COMPANIES.len()].to_string(),
            office,
            lines,
            rate: rng.gen_range(s.agent_calls.0..=s.agent_calls.1 * 3 / 2),
        });
    }

    companies
}

/// Drivers, and complaints that call an innocent number a fraud.
fn drivers_and_wrong_complaints(
    world: &mut World,
    rng: &mut ChaCha8Rng,
    plan: &mut Plan,
    out: &mut Confounders,
) {
    let s = world.scale;
    let days = s.days;
    let n_drivers = s.riders.max(1) * rng.gen_range(1..=2);
    for _ in 0..n_drivers {
        let d = world.random_background(rng);
        world.individuals[d as usize].part = Part::Driver;
        out.drivers.push(d);
    }
    // Complaints that call an innocent number a fraud: a pushy sale over a
    // telemarketing line, a driver taken for the parcel scammer who used his name.
    let period = days as i64 * 86_400;
    let mut wrongly_named: Vec<u32> = Vec::new();
    for t in &out.telemarketers {
        if rng.gen_bool(0.5) {
            wrongly_named.push(t.lines[rng.gen_range(0..t.lines.len())]);
        }
    }
    if rng.gen_bool(0.5) {
        let d = out.drivers[rng.gen_range(0..out.drivers.len())];
        wrongly_named.push(phone(world, d));
    }
    for p in wrongly_named {
        let victim = world.random_background(rng);
        let ph = &world.phones[p as usize];
        let from = ph.first_day as i64 * 86_400;
        let to = (ph.last_day as i64 + 1) * 86_400;
        plan.incidents.push(PlannedIncident {
            time: rng.gen_range(from..to.min(period)),
            category: "fraud",
            location: station_of(world, victim),
            phones: vec![p],
            victim,
            loss: Some(rng.gen_range(200..6_000) as f64),
            accounts: Vec::new(),
            gang: None,
        });
    }
    let (lo, hi) = s.rider_calls;
    out.driver_rate = (rng.gen_range(lo / 2..=lo), rng.gen_range(lo + 1..=hi));
}

impl Confounders {
    /// Calls a day, roughly (for the case's call budget).
    pub fn per_day(&self, world: &World) -> f64 {
        let lines_at_once: f64 = self
            .telemarketers
            .iter()
            .map(|t| {
                let n = t
                    .lines
                    .iter()
                    .filter(|&&l| world.phones[l as usize].first_day == 0)
                    .count();
                n as f64 * t.rate as f64
            })
            .sum();
        let workers: usize = self.night_crews.iter().map(|c| c.workers.len()).sum();
        lines_at_once * 5.0 / 7.0 * 1.03
            + self.drivers.len() as f64 * (self.driver_rate.0 + self.driver_rate.1) as f64 / 2.0
                * 1.4
            + workers as f64 * 0.9
    }
}

/// The confounders' calls on one day: telemarketers on weekdays, drivers
/// every day, night-shift crews six days a week. The three kinds draw from
/// `rng` in this order, so a seed keeps giving the same case.
pub fn confounder_day(case: &super::Case, day: u32, rng: &mut ChaCha8Rng, out: &mut Vec<Call>) {
    let weekday = day % 7 < 5;
    if weekday {
        telemarketer_calls(case, day, rng, out);
    }
    driver_calls(case, day, rng, out);
    if day % 7 < 6 {
        night_crew_calls(case, day, rng, out);
    }
}

/// Telemarketing lines calling random people in office hours from their
/// office's cell; a few of the called phones call the line back.
fn telemarketer_calls(case: &super::Case, day: u32, rng: &mut ChaCha8Rng, out: &mut Vec<Call>) {
    let world = &case.world;
    let c = &case.confounders;
    let base = day * 86_400;
    for t in &c.telemarketers {
        for &line in &t.lines {
            if !world.phones[line as usize].active(day) {
                continue;
            }
            for _ in 0..(t.rate as f64 * rng.gen_range(0.6..1.4)) as u32 {
                let at = base + rng.gen_range(9 * 3600..20 * 3600);
                let v = world.random_person(rng);
                let vp = world.individuals[v as usize].phones[0];
                let vc = cell_at(world, v, at, rng);
                let sms = rng.gen_bool(0.15);
                out.push(Call {
                    start: at,
                    caller: line,
                    callee: vp,
                    duration: if sms || rng.gen_bool(0.3) {
                        0
                    } else {
                        rng.gen_range(5..180)
                    },
                    sms,
                    caller_cell: t.office,
                    callee_cell: if rng.gen_bool(0.8) { vc } else { NONE },
                    imei: 0b01 | if rng.gen_bool(0.8) { 0b10 } else { 0 },
                });
                if !sms && rng.gen_bool(0.03) {
                    let back = (at + rng.gen_range(60..7200)).min(base + 86_399);
                    out.push(Call {
                        start: back,
                        caller: vp,
                        callee: line,
                        duration: rng.gen_range(5..120),
                        sms: false,
                        caller_cell: vc,
                        callee_cell: t.office,
                        imei: 0b11,
                    });
                }
            }
        }
    }
}

/// Drivers calling many different people from wherever they are, and often
/// called back: high degree without being a gang's hub.
fn driver_calls(case: &super::Case, day: u32, rng: &mut ChaCha8Rng, out: &mut Vec<Call>) {
    let world = &case.world;
    let c = &case.confounders;
    let base = day * 86_400;
    for &d in &c.drivers {
        let dp = world.individuals[d as usize].phones[0];
        for _ in 0..rng.gen_range(c.driver_rate.0..=c.driver_rate.1) {
            let at = base + rng.gen_range(7 * 3600..23 * 3600);
            let v = world.random_person(rng);
            let vp = world.individuals[v as usize].phones[0];
            let here = world.random_cell(rng);
            let vc = cell_at(world, v, at, rng);
            out.push(Call {
                start: at,
                caller: dp,
                callee: vp,
                duration: rng.gen_range(8..90),
                sms: rng.gen_bool(0.1),
                caller_cell: here,
                callee_cell: vc,
                imei: 0b11,
            });
            if rng.gen_bool(0.4) {
                let back = (at + rng.gen_range(60..1800)).min(base + 86_399);
                out.push(Call {
                    start: back,
                    caller: vp,
                    callee: dp,
                    duration: rng.gen_range(5..60),
                    sms: false,
                    caller_cell: vc,
                    callee_cell: world.near(here, rng),
                    imei: 0b11,
                });
            }
        }
    }
}

/// Night-shift workers calling each other and residents at night from their
/// workplace's cell: night calls that are not a gang's.
fn night_crew_calls(case: &super::Case, day: u32, rng: &mut ChaCha8Rng, out: &mut Vec<Call>) {
    let world = &case.world;
    let c = &case.confounders;
    let base = day * 86_400;
    for crew in &c.night_crews {
        for &w in &crew.workers {
            if !rng.gen_bool(0.6) {
                continue;
            }
            let at = base
                + if rng.gen_bool(0.6) {
                    rng.gen_range(20 * 3600..24 * 3600)
                } else {
                    rng.gen_range(0..6 * 3600)
                };
            let other = if rng.gen_bool(0.6) {
                crew.workers[rng.gen_range(0..crew.workers.len())]
            } else {
                world.random_resident(rng)
            };
            if other == w {
                continue;
            }
            out.push(Call {
                start: at,
                caller: world.individuals[w as usize].phones[0],
                callee: world.individuals[other as usize].phones[0],
                duration: rng.gen_range(10..400),
                sms: rng.gen_bool(0.25),
                caller_cell: crew.cell,
                callee_cell: cell_at(world, other, at, rng),
                imei: 0b11,
            });
        }
    }
}
