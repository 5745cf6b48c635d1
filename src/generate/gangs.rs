//! Planted fraud gangs. Each has a boss who talks only to his two
//! lieutenants; lieutenants who talk to the operators' own phones and to the
//! money mules; operators who cold-call victims from burner SIMs that live a
//! few days each and are rotated in sequence through one work handset; a den
//! (one or two cells) where operators work side by side; and hooked victims
//! who report fraud incidents naming the burner and the mule account.
//!
//! Brokers: for each pair of consecutive gangs (G1 and G2, G3 and G4, ...)
//! one ordinary resident who deals with a lieutenant of each, on his own
//! phone, every few days — the only tie between the two gangs.

use super::call::{cell_at, Call, ODD_HOURS, WORK_HOURS};
use super::names::Name;
use super::population::{Part, PhoneKind, TieKind, World, NONE};
use rand::Rng;
use rand_chacha::ChaCha8Rng;

#[derive(Debug, Clone)]
pub struct Operator {
    pub who: u32,
    /// The handset every burner of this operator goes into, one after another.
    pub work_handset: u32,
    pub burners: Vec<u32>,
}

#[derive(Debug, Clone)]
pub struct Gang {
    pub boss: u32,
    pub lieutenants: Vec<u32>,
    pub operators: Vec<Operator>,
    pub mules: Vec<u32>,
    /// (mule, account number)
    pub accounts: Vec<(u32, String)>,
    /// Cells of the den the operators work from.
    pub dens: Vec<u32>,
    pub start_day: u32,
    /// Day the boss meets his lieutenants (every week from then).
    pub meeting_weekday: u32,
    pub meeting_cell: u32,
    /// One careless call from a burner to a lieutenant: (day, operator).
    pub slip: Option<(u32, usize)>,
    /// Cold calls per burner per day.
    pub rate: u32,
}

/// A go-between of two gangs: `who` talks to lieutenant `contacts[i]` of
/// gang `gangs[i]`.
#[derive(Debug, Clone)]
pub struct Broker {
    pub who: u32,
    pub gangs: [usize; 2],
    pub contacts: [u32; 2],
}

/// One broker per pair of consecutive gangs: a background resident, marked
/// [`Part::Broker`] so that no other part of the story picks him.
pub fn make_brokers(world: &mut World, gangs: &[Gang], rng: &mut ChaCha8Rng) -> Vec<Broker> {
    let mut out = Vec::new();
    for pair in (0..gangs.len()).collect::<Vec<_>>().chunks_exact(2) {
        let who = world.random_background(rng);
        world.individuals[who as usize].part = Part::Broker;
        let contacts = [pair[0], pair[1]].map(|k| {
            let lts = &gangs[k].lieutenants;
            lts[rng.gen_range(0..lts.len())]
        });
        out.push(Broker {
            who,
            gangs: [pair[0], pair[1]],
            contacts,
        });
    }
    out
}

/// The brokers' calls: from the day both gangs are at work, on about one
/// day in three a call (either direction) with each gang's lieutenant, in
/// the daytime or evening, from wherever each is.
pub fn plan_brokers(
    world: &World,
    gangs: &[Gang],
    brokers: &[Broker],
    rng: &mut ChaCha8Rng,
    plan: &mut Plan,
) {
    let days = world.scale.days;
    let phone = |who: u32| world.individuals[who as usize].phones[0];
    for b in brokers {
        let start = b
            .gangs
            .iter()
            .map(|&k| gangs[k].start_day)
            .max()
            .unwrap_or(0);
        for day in start..days {
            for &lt in &b.contacts {
                if !rng.gen_bool(0.35) {
                    continue;
                }
                let t = day * 86_400 + rng.gen_range(10 * 3600..22 * 3600);
                let (cb, cl) = (cell_at(world, b.who, t, rng), cell_at(world, lt, t, rng));
                let mut calls = Vec::new();
                push_pair(
                    &mut calls,
                    phone(b.who),
                    phone(lt),
                    t,
                    rng.gen_range(30..400),
                    cb,
                    cl,
                    rng.gen_bool(0.5),
                );
                for c in calls {
                    plan.push_call(c);
                }
            }
        }
    }
}

/// A victim hooked by a burner: extra calls, a burst before, an incident after.
#[derive(Debug, Clone)]
pub struct PlannedIncident {
    /// Seconds since the start of the case period (may fall after its end).
    pub time: i64,
    pub category: &'static str,
    /// Index into world.stations, or a cell (as `cells.len() + station` for stations).
    pub location: u32,
    pub phones: Vec<u32>,
    /// The victim (an individual) or NONE.
    pub victim: u32,
    pub loss: Option<f64>,
    pub accounts: Vec<String>,
    pub gang: Option<u32>,
}

/// Calls and bursts fixed before the days are generated.
#[derive(Debug, Default)]
pub struct Plan {
    /// Calls placed on each day, by day.
    pub calls: Vec<Vec<Call>>,
    /// (burner, second of day, den cell): a burst of cold calls in the two hours before.
    pub bursts: Vec<Vec<(u32, u32, u32)>>,
    pub incidents: Vec<PlannedIncident>,
}

impl Plan {
    pub fn new(days: u32) -> Plan {
        Plan {
            calls: vec![Vec::new(); days as usize],
            bursts: vec![Vec::new(); days as usize],
            incidents: Vec::new(),
        }
    }
    pub fn push_call(&mut self, c: Call) {
        let day = (c.start / 86_400) as usize;
        if day < self.calls.len() {
            self.calls[day].push(c);
        }
    }
}

/// New gang members: individuals outside the background population, with a
/// few family ties so that their own phones have ordinary lives too.
fn member(world: &mut World, rng: &mut ChaCha8Rng, home: u32, part: Part) -> u32 {
    let name = Name::random(rng);
    let who = world.new_individual(rng, name, home, part);
    if part != Part::Boss {
        for _ in 0..rng.gen_range(1..=3) {
            let relative = world.random_background(rng);
            world.tie(rng, who, relative, TieKind::Family, 2.0);
        }
    }
    who
}

pub fn make_gangs(world: &mut World, rng: &mut ChaCha8Rng) -> Vec<Gang> {
    let s = world.scale;
    let days = s.days;
    let mut gangs = Vec::new();
    for _ in 0..s.gangs {
        let den_home = world.random_cell(rng);
        let dens = vec![den_home, world.near(den_home, rng)];
        let boss_home = world.random_cell(rng);
        let boss = member(world, rng, boss_home, Part::Boss);
        let lieutenants: Vec<u32> = (0..2)
            .map(|_| {
                let home = world.near(den_home, rng);
                member(world, rng, home, Part::Lieutenant)
            })
            .collect();
        let start_day = rng.gen_range(0..=days / 5);
        let n_ops = rng.gen_range(s.operators.0..=s.operators.1);
        let mut operators = Vec::new();
        for _ in 0..n_ops {
            let home = world.near(den_home, rng);
            let who = member(world, rng, home, Part::Operator);
            world.individuals[who as usize].work = dens[0];
            let work_handset = world.new_handset();
            let mut burners = Vec::new();
            let mut day = start_day + rng.gen_range(0..2);
            while day < days {
                let life = rng.gen_range(s.burner_life.0..=s.burner_life.1);
                let last = (day + life - 1).min(days - 1);
                burners.push(world.new_mobile(who, work_handset, PhoneKind::Burner, day, last));
                day = last + 1 + rng.gen_range(0..2);
            }
            operators.push(Operator {
                who,
                work_handset,
                burners,
            });
        }
        let n_mules = rng.gen_range(2..=3);
        let mut mules = Vec::new();
        let mut accounts = Vec::new();
        for _ in 0..n_mules {
            let home = world.random_cell(rng);
            let m = member(world, rng, home, Part::Mule);
            mules.push(m);
            for _ in 0..rng.gen_range(1..=2) {
                accounts.push((m, world.new_account()));
            }
        }
        let meeting_cell = world.random_cell(rng);
        let slip = rng.gen_bool(0.6).then(|| {
            (
                rng.gen_range(start_day..days),
                rng.gen_range(0..n_ops as usize),
            )
        });
        gangs.push(Gang {
            boss,
            lieutenants,
            operators,
            mules,
            accounts,
            dens,
            start_day,
            meeting_weekday: rng.gen_range(0..7),
            meeting_cell,
            slip,
            rate: rng.gen_range(s.operator_rate.0..=s.operator_rate.1),
        });
    }
    gangs
}

/// Pick a time of day from a list of (from, to) hour ranges.
pub fn time_in(ranges: &[(u32, u32)], rng: &mut ChaCha8Rng) -> u32 {
    let (a, b) = ranges[rng.gen_range(0..ranges.len())];
    rng.gen_range(a * 3600..b * 3600)
}

/// Hooked victims, their extra calls and the incidents they report.
pub fn plan_hooks(
    world: &World,
    gangs: &[Gang],
    police: u32,
    rng: &mut ChaCha8Rng,
    plan: &mut Plan,
) {
    let s = world.scale;
    let mut hooked = rustc_hash::FxHashSet::default();
    for (g, gang) in gangs.iter().enumerate() {
        for _ in 0..s.incidents_per_gang {
            let op = &gang.operators[rng.gen_range(0..gang.operators.len())];
            let bi = rng.gen_range(0..op.burners.len());
            let burner = op.burners[bi];
            let b = &world.phones[burner as usize];
            let day = rng.gen_range(b.first_day..=b.last_day);
            let victim = loop {
                let v = world.random_background(rng);
                if hooked.insert(v) {
                    break v;
                }
            };
            let vphone = world.individuals[victim as usize].phones[0];
            let den = gang.dens[rng.gen_range(0..gang.dens.len())];
            let sec = rng.gen_range(10 * 3600..17 * 3600);
            plan.bursts[day as usize].push((burner, sec, den));
            let mut t = day * 86_400 + sec;
            let mut phones = vec![burner];
            let mut used = burner;
            plan.push_call(hook_call(
                world,
                used,
                vphone,
                victim,
                t,
                den,
                rng.gen_range(600..2400),
                rng,
            ));
            for _ in 0..rng.gen_range(1..=3) {
                t += rng.gen_range(3600..30 * 3600);
                let d = t / 86_400;
                // The operator keeps the victim on whichever burner is in the handset now.
                match op
                    .burners
                    .iter()
                    .find(|&&p| world.phones[p as usize].active(d))
                {
                    Some(&p) => used = p,
                    None => break,
                }
                if !phones.contains(&used) {
                    phones.push(used);
                }
                if rng.gen_bool(0.3) {
                    // The victim calls back.
                    let c = hook_call(
                        world,
                        used,
                        vphone,
                        victim,
                        t,
                        den,
                        rng.gen_range(30..300),
                        rng,
                    );
                    plan.push_call(Call {
                        caller: c.callee,
                        callee: c.caller,
                        caller_cell: c.callee_cell,
                        callee_cell: c.caller_cell,
                        ..c
                    });
                } else {
                    plan.push_call(hook_call(
                        world,
                        used,
                        vphone,
                        victim,
                        t,
                        den,
                        rng.gen_range(120..1800),
                        rng,
                    ));
                }
            }
            let mut report = t as i64 + rng.gen_range(3600..36 * 3600);
            // Reports are taken in the daytime: a night-time one waits for the morning.
            let hour = report % 86_400 / 3600;
            if !(8..22).contains(&hour) {
                let morning = if hour < 8 { 0 } else { 1 };
                report = (report / 86_400 + morning) * 86_400 + rng.gen_range(8 * 3600..11 * 3600);
            }
            if rng.gen_bool(0.5) && (report / 86_400) < s.days as i64 {
                // The victim calls the police before going to the station.
                let start = report as u32 - rng.gen_range(600..3000);
                plan.push_call(Call {
                    start,
                    caller: vphone,
                    callee: police,
                    duration: rng.gen_range(60..400),
                    sms: false,
                    caller_cell: cell_at(world, victim, start, rng),
                    callee_cell: NONE,
                    imei: 0b01,
                });
            }
            if rng.gen_bool(0.3) {
                phones.push(vphone);
            }
            let mut accounts = vec![gang.accounts[rng.gen_range(0..gang.accounts.len())]
                .1
                .clone()];
            if rng.gen_bool(0.3) {
                let other = gang.accounts[rng.gen_range(0..gang.accounts.len())]
                    .1
                    .clone();
                if !accounts.contains(&other) {
                    accounts.push(other);
                }
            }
            let loss = (10f64.powf(rng.gen_range(3.3..5.7)) * 100.0).round() / 100.0;
            let district = world.cells[world.individuals[victim as usize].home as usize].district;
            plan.incidents.push(PlannedIncident {
                time: report,
                category: "fraud",
                location: world.cells.len() as u32 + district as u32,
                phones,
                victim,
                loss: Some(loss),
                accounts,
                gang: Some(g as u32),
            });
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn hook_call(
    world: &World,
    burner: u32,
    vphone: u32,
    victim: u32,
    t: u32,
    den: u32,
    duration: u32,
    rng: &mut ChaCha8Rng,
) -> Call {
    Call {
        start: t,
        caller: burner,
        callee: vphone,
        duration,
        sms: false,
        caller_cell: den,
        callee_cell: cell_at(world, victim, t, rng),
        imei: if rng.gen_bool(0.95) { 0b11 } else { 0b10 },
    }
}

/// A gang's calls on one day (besides the planned ones).
pub fn gang_day(
    world: &World,
    gang: &Gang,
    outside: &[u32],
    plan: &Plan,
    day: u32,
    rng: &mut ChaCha8Rng,
    out: &mut Vec<Call>,
) {
    if day < gang.start_day {
        return;
    }
    let base = day * 86_400;
    let phone = |who: u32| world.individuals[who as usize].phones[0];
    let boss_phone = phone(gang.boss);
    let meeting = day % 7 == gang.meeting_weekday;
    let meet_at = rng.gen_range(20 * 3600..23 * 3600);
    // The boss and his lieutenants: late evenings and odd hours.
    for &lt in &gang.lieutenants {
        let n = rng.gen_range(0..=3);
        for _ in 0..n {
            let t = if rng.gen_bool(0.4) {
                time_in(ODD_HOURS, rng)
            } else {
                rng.gen_range(9 * 3600..23 * 3600)
            };
            let (bc, lc) = (
                cell_at(world, gang.boss, base + t, rng),
                cell_at(world, lt, base + t, rng),
            );
            push_pair(
                out,
                boss_phone,
                phone(lt),
                base + t,
                rng.gen_range(40..600),
                bc,
                lc,
                rng.gen_bool(0.6),
            );
        }
        if meeting {
            // Both served by the same cell within the hour.
            let t = meet_at + rng.gen_range(0..1800);
            let c = gang.meeting_cell;
            push_pair(
                out,
                boss_phone,
                phone(lt),
                base + t,
                rng.gen_range(20..120),
                c,
                c,
                rng.gen_bool(0.5),
            );
        }
        // Lieutenant and mules, every few days.
        for &m in &gang.mules {
            if rng.gen_bool(0.3) {
                let t = rng.gen_range(8 * 3600..22 * 3600);
                let (a, b) = (
                    cell_at(world, lt, base + t, rng),
                    cell_at(world, m, base + t, rng),
                );
                push_pair(
                    out,
                    phone(lt),
                    phone(m),
                    base + t,
                    rng.gen_range(30..400),
                    a,
                    b,
                    rng.gen_bool(0.7),
                );
            }
        }
    }
    for (oi, op) in gang.operators.iter().enumerate() {
        let lt = gang.lieutenants[oi % gang.lieutenants.len()];
        // Instructions in the morning, on the operator's own phone, at the den.
        for _ in 0..rng.gen_range(1..=2) {
            let t = if rng.gen_bool(0.2) {
                time_in(ODD_HOURS, rng)
            } else {
                rng.gen_range(8 * 3600..10 * 3600)
            };
            let den = gang.dens[rng.gen_range(0..gang.dens.len())];
            let lc = if rng.gen_bool(0.5) {
                den
            } else {
                cell_at(world, lt, base + t, rng)
            };
            push_pair(
                out,
                phone(lt),
                phone(op.who),
                base + t,
                rng.gen_range(30..300),
                lc,
                den,
                rng.gen_bool(0.7),
            );
        }
        let Some(&burner) = op
            .burners
            .iter()
            .find(|&&b| world.phones[b as usize].active(day))
        else {
            continue;
        };
        let n = (gang.rate as f64 * rng.gen_range(0.6..1.4)) as u32;
        for _ in 0..n {
            let t = if rng.gen_bool(0.12) {
                time_in(ODD_HOURS, rng)
            } else {
                time_in(WORK_HOURS, rng)
            };
            let den = gang.dens[rng.gen_range(0..gang.dens.len())];
            cold_call(world, outside, burner, base + t, den, rng, out);
        }
        if gang.slip == Some((day, oi)) {
            let t = rng.gen_range(9 * 3600..18 * 3600);
            out.push(Call {
                start: base + t,
                caller: burner,
                callee: phone(lt),
                duration: rng.gen_range(10..60),
                sms: false,
                caller_cell: gang.dens[0],
                callee_cell: cell_at(world, lt, base + t, rng),
                imei: 0b11,
            });
        }
    }
    for &(burner, sec, den) in &plan.bursts[day as usize] {
        if !gang.operators.iter().any(|o| o.burners.contains(&burner)) {
            continue;
        }
        for _ in 0..rng.gen_range(12..=25) {
            let t = sec.saturating_sub(rng.gen_range(60..7200));
            cold_call(world, outside, burner, base + t, den, rng, out);
        }
    }
}

/// A short call (or phishing text) from a burner to a random number; now and
/// then the victim calls back.
fn cold_call(
    world: &World,
    outside: &[u32],
    burner: u32,
    t: u32,
    den: u32,
    rng: &mut ChaCha8Rng,
    out: &mut Vec<Call>,
) {
    let (callee, cell) = if outside.is_empty() || rng.gen_bool(0.55) {
        let v = world.random_background(rng);
        (
            world.individuals[v as usize].phones[0],
            cell_at(world, v, t, rng),
        )
    } else {
        (outside[rng.gen_range(0..outside.len())], NONE)
    };
    let sms = rng.gen_bool(0.1);
    let duration = if sms || rng.gen_bool(0.35) {
        0
    } else if rng.gen_bool(0.95) {
        rng.gen_range(3..60)
    } else {
        rng.gen_range(60..300)
    };
    let imei = if rng.gen_bool(0.97) { 0b01 } else { 0 }
        | if cell != NONE && rng.gen_bool(0.8) {
            0b10
        } else {
            0
        };
    out.push(Call {
        start: t,
        caller: burner,
        callee,
        duration,
        sms,
        caller_cell: den,
        callee_cell: cell,
        imei,
    });
    if !sms && rng.gen_bool(0.04) {
        let back = (t + rng.gen_range(60..5400)).min((t / 86_400) * 86_400 + 86_399);
        out.push(Call {
            start: back,
            caller: callee,
            callee: burner,
            duration: rng.gen_range(5..90),
            sms: false,
            caller_cell: cell,
            callee_cell: den,
            imei: if cell != NONE { 0b11 } else { 0b10 },
        });
    }
}

/// A voice call or text between two long-lived phones, either direction.
#[allow(clippy::too_many_arguments)]
fn push_pair(
    out: &mut Vec<Call>,
    a: u32,
    b: u32,
    t: u32,
    duration: u32,
    ca: u32,
    cb: u32,
    a_calls: bool,
) {
    let (caller, callee, cc, ce) = if a_calls {
        (a, b, ca, cb)
    } else {
        (b, a, cb, ca)
    };
    out.push(Call {
        start: t,
        caller,
        callee,
        duration,
        sms: false,
        caller_cell: cc,
        callee_cell: ce,
        imei: 0b11,
    });
}
