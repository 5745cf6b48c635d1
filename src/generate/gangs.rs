//! Planted fraud gangs. Each gang gets its own shape, size and habits, drawn
//! from its seed, so that nothing a detector could key on is the same in
//! every gang:
//!
//! - **shape** ([`Shape`]): a pyramid (a boss who only talks to two
//!   lieutenants), a chain of command (the boss reaches the operators only
//!   through two or three lieutenants in a row), a flat cell (everyone talks
//!   to everyone), a family business (members are relatives who also call
//!   each other about family matters, with relatives outside the gang under
//!   the same roofs), a call centre (a dozen or more operators in one room,
//!   who hardly need the phone to talk to their managers) or an SMS
//!   operation (SIM boxes holding many SIMs at once that only send texts,
//!   and a voice line the victims call back);
//! - **size**: from one operator to about fifteen, one to five mules;
//! - **coordination**: how much the members talk on the phone network at
//!   all (some meet in person and hardly call), meetings or none, careless
//!   calls from a burner to a handler or none;
//! - **burners**: how long they live, how many go through one handset, how
//!   many are registered and under how many stolen identities;
//! - **work**: calls per burner per day, office hours or evenings into the
//!   night, texts or calls, bursts of calls before a victim is hooked or not.
//!
//! Mules hold the accounts victims pay into; the fraud reports name the
//! accounts and, now and then, the account holder's phone (money flow).
//!
//! Brokers: a few ordinary residents, each dealing with the leadership of
//! two gangs (sometimes three) on his own phone.

use super::call::{cell_at, Call, ODD_HOURS, WORK_HOURS};
use super::names::{random_surname, Name};
use super::population::{Part, PhoneKind, TieKind, World, NONE};
use rand::Rng;
use rand_chacha::ChaCha8Rng;

/// How a gang is organised.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    Pyramid,
    Chain,
    Flat,
    Family,
    CallCentre,
    SmsBox,
}

impl Shape {
    pub const ALL: [Shape; 6] = [
        Shape::Pyramid,
        Shape::Chain,
        Shape::Flat,
        Shape::Family,
        Shape::CallCentre,
        Shape::SmsBox,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            Shape::Pyramid => "pyramid",
            Shape::Chain => "chain",
            Shape::Flat => "flat",
            Shape::Family => "family",
            Shape::CallCentre => "call_centre",
            Shape::SmsBox => "sms_box",
        }
    }
}

#[derive(Debug, Clone)]
pub struct Operator {
    pub who: u32,
    /// The member who gives him his instructions.
    pub handler: u32,
    /// Every SIM he works: burners and, for an SMS operation, the box SIMs
    /// and the call-back lines.
    pub burners: Vec<u32>,
    /// The SIMs that carry voice calls with victims (all burners, or the
    /// call-back lines of an SMS operation).
    pub voice: Vec<u32>,
    /// Only sends texts from SIM boxes.
    pub sms_only: bool,
}

impl Operator {
    /// The voice line in use on `day`.
    pub fn voice_on(&self, world: &World, day: u32) -> Option<u32> {
        self.voice
            .iter()
            .copied()
            .find(|&p| world.phones[p as usize].active(day))
    }
}

#[derive(Debug, Clone)]
pub struct Gang {
    pub shape: Shape,
    pub boss: u32,
    pub lieutenants: Vec<u32>,
    pub operators: Vec<Operator>,
    pub mules: Vec<u32>,
    /// (mule, account number)
    pub accounts: Vec<(u32, String)>,
    /// Cells of the den the operators work from.
    pub dens: Vec<u32>,
    pub start_day: u32,
    /// Weekly meeting of the boss and his lieutenants in one cell, if they meet.
    pub meeting: Option<(u32, u32)>,
    /// Careless calls from a burner to the operator's handler: (day, operator).
    pub slips: Vec<(u32, usize)>,
    /// Cold calls (or texts) per line per day.
    pub rate: u32,
    /// Pairs of members who talk on their own phones, and calls a day.
    pub talk: Vec<(u32, u32, f64)>,
    /// How much of the gang's business goes over the phone network (a
    /// multiplier of `talk`).
    pub coord: f64,
    /// Share of the members' talk at night.
    pub night_share: f64,
    /// Share of the members' talk that is texts.
    pub text_share: f64,
    /// Operators' working hours.
    pub hours: &'static [(u32, u32)],
    /// Works the evening and night shift ([`LATE_HOURS`]).
    pub late: bool,
    /// Share of cold calls that are texts (all, for an SMS operation).
    pub cold_texts: f64,
    /// Share of cold calls to numbers outside the case.
    pub outside_share: f64,
    /// Cold calls in the hours before a victim is hooked (min, max).
    pub burst: (u32, u32),
    /// Identities bought to register the gang's SIMs.
    pub stolen_ids: Vec<u32>,
    /// Relatives of members (in no gang).
    pub relatives: Vec<u32>,
    pub burner_life: (u32, u32),
    pub incidents: u32,
}

/// Evening and night shifts (for gangs working targets in other time zones).
pub const LATE_HOURS: &[(u32, u32)] = &[(13, 18), (19, 24), (19, 24), (0, 2)];

/// A go-between of gangs: `who` talks to member `contacts[i]` of gang `gangs[i]`.
#[derive(Debug, Clone)]
pub struct Broker {
    pub who: u32,
    pub gangs: Vec<usize>,
    pub contacts: Vec<u32>,
    /// Chance of a call with each contact on a given day.
    pub rate: f64,
}

/// A few brokers between chosen pairs (sometimes triples) of gangs; each a
/// background resident, marked [`Part::Broker`].
pub fn make_brokers(world: &mut World, gangs: &[Gang], rng: &mut ChaCha8Rng) -> Vec<Broker> {
    let mut out: Vec<Broker> = Vec::new();
    if gangs.len() < 2 {
        return out;
    }
    let n = rng.gen_range(1..=(gangs.len() / 2).max(1));
    let mut tries = 0;
    while out.len() < n && tries < 100 {
        tries += 1;
        let k = if gangs.len() >= 3 && rng.gen_bool(0.2) {
            3
        } else {
            2
        };
        let mut picked: Vec<usize> = Vec::new();
        while picked.len() < k {
            let g = rng.gen_range(0..gangs.len());
            if !picked.contains(&g) {
                picked.push(g);
            }
        }
        picked.sort_unstable();
        if out.iter().any(|b| b.gangs == picked) {
            continue;
        }
        let who = world.random_background(rng);
        world.individuals[who as usize].part = Part::Broker;
        let contacts = picked
            .iter()
            .map(|&g| {
                let gang = &gangs[g];
                if gang.lieutenants.is_empty() || rng.gen_bool(0.2) {
                    gang.boss
                } else {
                    gang.lieutenants[rng.gen_range(0..gang.lieutenants.len())]
                }
            })
            .collect();
        out.push(Broker {
            who,
            gangs: picked,
            contacts,
            rate: rng.gen_range(0.15..0.5),
        });
    }
    out
}

/// The brokers' calls: from the day both gangs are at work, now and then a
/// call (either direction) with each gang's contact, day or evening.
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
                if !rng.gen_bool(b.rate) {
                    continue;
                }
                let t = day * 86_400 + rng.gen_range(10 * 3600..23 * 3600);
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
                    rng.gen_bool(0.2),
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
    /// Seconds since the start of the case period (may fall before or after it).
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
    /// (burner, second of day, den cell, gang): a burst of cold calls in the two hours before.
    pub bursts: Vec<Vec<(u32, u32, u32, u32)>>,
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

/// Relatives of a gang member: background residents marked
/// [`Part::Relative`], one of whom calls him often; some live with him.
fn relatives_of(world: &mut World, rng: &mut ChaCha8Rng, who: u32, out: &mut Vec<u32>) {
    for k in 0..rng.gen_range(1..=3) {
        let relative = world.random_background(rng);
        world.individuals[relative as usize].part = Part::Relative;
        if rng.gen_bool(0.4) {
            world.individuals[relative as usize].home = world.individuals[who as usize].home;
        }
        // A mother or a wife calls every day or two.
        let base = if k == 0 {
            rng.gen_range(4.0..12.0)
        } else {
            2.0
        };
        world.tie(rng, who, relative, TieKind::Family, base);
        out.push(relative);
    }
}

/// A new gang member: an individual outside the background population.
fn member(
    world: &mut World,
    rng: &mut ChaCha8Rng,
    name: Name,
    home: u32,
    part: Part,
    relatives: &mut Vec<u32>,
) -> u32 {
    let who = world.new_individual(rng, name, home, part);
    relatives_of(world, rng, who, relatives);
    who
}

/// Operators per gang of a shape, from the size's range.
fn operators_for(shape: Shape, ops: (u32, u32), rng: &mut ChaCha8Rng) -> u32 {
    let (lo, hi) = ops;
    match shape {
        Shape::Pyramid | Shape::Chain | Shape::Family => rng.gen_range(lo..=hi),
        Shape::Flat => rng.gen_range(lo.saturating_sub(1).max(2)..=hi.max(3)),
        Shape::CallCentre => rng.gen_range(hi + 1..=hi * 2 + 3),
        Shape::SmsBox => rng.gen_range(1..=lo.clamp(1, 3)),
    }
}

pub fn make_gangs(
    world: &mut World,
    rng: &mut ChaCha8Rng,
    n_gangs: u32,
    shapes: &[Shape],
) -> Vec<Gang> {
    (0..n_gangs)
        .map(|gi| make_gang(world, rng, shapes[gi as usize % shapes.len()]))
        .collect()
}

/// Who leads a gang, where it works, and how its names are drawn.
struct Leaders {
    shape: Shape,
    surname: u16,
    den_home: u32,
    dens: Vec<u32>,
    boss_home: u32,
    boss: u32,
    lieutenants: Vec<u32>,
    relatives: Vec<u32>,
}

impl Leaders {
    /// A family gang's members mostly share the elder's surname.
    fn name(&self, rng: &mut ChaCha8Rng) -> Name {
        if self.shape == Shape::Family && rng.gen_bool(0.85) {
            Name::with_surname(rng, self.surname)
        } else {
            Name::random(rng)
        }
    }
}

/// How a gang's operators rotate their burner SIMs.
#[derive(Clone, Copy)]
struct BurnerPlan {
    shape: Shape,
    burner_life: (u32, u32),
    /// New handset after every `per_handset` burners (0: one handset for all).
    per_handset: u32,
}

/// One gang of shape `shape`: its people, phones, money, calls and habits.
fn make_gang(world: &mut World, rng: &mut ChaCha8Rng, shape: Shape) -> Gang {
    let s = world.scale;
    let days = s.days;
    let mut ld = recruit_leaders(world, rng, shape);
    let start_day = rng.gen_range(0..=days / 4);
    let life_lo = rng.gen_range(2..=6);
    let burner_life = (life_lo, life_lo + rng.gen_range(2..=10));
    // New handset after every `per_handset` burners (0: one handset for all).
    let per_handset: u32 = *[0, 0, 0, 2, 3, 5]
        .get(rng.gen_range(0..6))
        .expect("in range");
    let late = rng.gen_bool(0.3);
    let n_ops = operators_for(shape, s.operators, rng);
    let plan = BurnerPlan {
        shape,
        burner_life,
        per_handset,
    };
    let operators: Vec<Operator> = (0..n_ops)
        .map(|oi| recruit_operator(world, rng, &mut ld, oi, start_day, late, plan))
        .collect();
    let mut mules = Vec::new();
    let mut accounts = Vec::new();
    for _ in 0..rng.gen_range(1..=if n_ops > 6 { 5 } else { 3 }) {
        let home = world.random_cell(rng);
        let name = ld.name(rng);
        let m = member(world, rng, name, home, Part::Mule, &mut ld.relatives);
        mules.push(m);
        for _ in 0..rng.gen_range(1..=3) {
            accounts.push((m, world.new_account()));
        }
    }

    let talk = who_talks(world, rng, &mut ld, &operators, &mules);
    let meeting = rng
        .gen_bool(0.6)
        .then(|| (rng.gen_range(0..7), world.random_cell(rng)));
    let n_slips = *[0u32, 0, 1, 1, 2, 3].get(rng.gen_range(0..6)).expect("ok");
    let slips = (0..n_slips)
        .map(|_| {
            (
                rng.gen_range(start_day..days),
                rng.gen_range(0..n_ops as usize),
            )
        })
        .collect();
    let rate_hi = s.operator_rate.1.max(s.operator_rate.0 + 1);
    let rate = match shape {
        Shape::SmsBox => rng.gen_range(s.operator_rate.0 / 2 + 1..=rate_hi),
        Shape::CallCentre => rng.gen_range(s.operator_rate.0 / 2 + 1..=rate_hi * 2 / 3 + 1),
        _ => rng.gen_range(s.operator_rate.0 / 2 + 1..=rate_hi * 3 / 2),
    };
    let burst = if rng.gen_bool(0.4) {
        (0, 4)
    } else {
        (rng.gen_range(5..12), rng.gen_range(12..26))
    };
    let stolen_ids = register_burners(world, rng, &ld, &operators);
    let Leaders {
        boss,
        lieutenants,
        dens,
        relatives,
        ..
    } = ld;
    let incidents = ((s.incidents_per_gang as f64 * rng.gen_range(0.5..1.5)) as u32).max(2);
    Gang {
        shape,
        boss,
        lieutenants,
        operators,
        mules,
        accounts,
        dens,
        start_day,
        meeting,
        slips,
        rate,
        talk,
        coord: rng.gen_range(0.15..1.5),
        night_share: rng.gen_range(0.05..0.5),
        text_share: rng.gen_range(0.05..0.6),
        hours: if late { LATE_HOURS } else { WORK_HOURS },
        late,
        cold_texts: if shape == Shape::SmsBox {
            1.0
        } else {
            rng.gen_range(0.0..0.3)
        },
        outside_share: rng.gen_range(0.2..0.65),
        burst,
        stolen_ids,
        relatives,
        burner_life,
        incidents,
    }
}

/// The boss, his lieutenants and the gang's den(s).
fn recruit_leaders(world: &mut World, rng: &mut ChaCha8Rng, shape: Shape) -> Leaders {
    let mut relatives = Vec::new();
    let den_home = world.random_cell(rng);
    let dens = if shape == Shape::CallCentre || rng.gen_bool(0.4) {
        vec![den_home]
    } else {
        vec![den_home, world.near(den_home, rng)]
    };
    let surname = random_surname(rng);
    let family_name = |rng: &mut ChaCha8Rng| {
        if shape == Shape::Family && rng.gen_bool(0.85) {
            Name::with_surname(rng, surname)
        } else {
            Name::random(rng)
        }
    };
    let boss_home = if shape == Shape::Family || rng.gen_bool(0.2) {
        world.near(den_home, rng)
    } else {
        world.random_cell(rng)
    };
    let name = family_name(rng);
    let boss = member(world, rng, name, boss_home, Part::Boss, &mut relatives);
    let n_lts = match shape {
        Shape::Flat => 1,
        Shape::Chain => rng.gen_range(2..=3),
        Shape::Pyramid => 2,
        Shape::Family | Shape::CallCentre => rng.gen_range(2..=3),
        Shape::SmsBox => rng.gen_range(1..=2),
    };
    let lieutenants: Vec<u32> = (0..n_lts)
        .map(|_| {
            let home = if shape == Shape::Family && rng.gen_bool(0.5) {
                boss_home
            } else {
                world.near(den_home, rng)
            };
            let name = family_name(rng);
            member(world, rng, name, home, Part::Lieutenant, &mut relatives)
        })
        .collect();
    Leaders {
        shape,
        surname,
        den_home,
        dens,
        boss_home,
        boss,
        lieutenants,
        relatives,
    }
}

/// Operator `oi`: works at a den, answers to a handler, and burns through SIMs.
fn recruit_operator(
    world: &mut World,
    rng: &mut ChaCha8Rng,
    ld: &mut Leaders,
    oi: u32,
    start_day: u32,
    late: bool,
    plan: BurnerPlan,
) -> Operator {
    let (shape, boss, den_home) = (plan.shape, ld.boss, ld.den_home);
    let home = world.near(den_home, rng);
    let name = ld.name(rng);
    let who = member(world, rng, name, home, Part::Operator, &mut ld.relatives);
    world.individuals[who as usize].work = ld.dens[oi as usize % ld.dens.len()];
    world.individuals[who as usize].night = late;
    let handler = match shape {
        Shape::Flat => {
            if rng.gen_bool(0.5) {
                boss
            } else {
                ld.lieutenants[0]
            }
        }
        Shape::Chain => *ld.lieutenants.last().expect("a lieutenant"),
        _ => ld.lieutenants[oi as usize % ld.lieutenants.len()],
    };
    let mut burners = Vec::new();
    let mut voice = Vec::new();
    let sms_only = shape == Shape::SmsBox;
    let first = start_day + rng.gen_range(0..3);
    if sms_only {
        sms_box_burners(world, rng, who, first, &mut burners, &mut voice, plan);
    } else {
        rotating_burners(world, rng, who, first, &mut burners, &mut voice, plan);
    }
    Operator {
        who,
        handler,
        burners,
        voice,
        sms_only,
    }
}

/// An SMS box's SIMs: one or two boxes, each holding a batch of SIMs at
/// once, and the call-back line victims call, rotated less often.
fn sms_box_burners(
    world: &mut World,
    rng: &mut ChaCha8Rng,
    who: u32,
    first: u32,
    burners: &mut Vec<u32>,
    voice: &mut Vec<u32>,
    plan: BurnerPlan,
) {
    let days = world.scale.days;
    let burner_life = plan.burner_life;
    let n_boxes = if rng.gen_bool(0.2) { 2 } else { 1 };
    let boxes: Vec<u32> = (0..n_boxes).map(|_| world.new_handset()).collect();
    let batch = rng.gen_range(2..=3);
    for &bx in &boxes {
        let mut day = first;
        while day < days {
            let life = rng.gen_range(burner_life.0 * 2..=burner_life.1 * 2);
            for _ in 0..batch {
                let d0 = (day + rng.gen_range(0..2)).min(days - 1);
                let last = (d0 + life - 1).min(days - 1);
                burners.push(world.new_mobile(who, bx, PhoneKind::Burner, d0, last));
            }
            day += life;
        }
    }
    // The call-back line victims call: rotated less often.
    let line_handset = world.new_handset();
    let mut day = first;
    while day < days {
        let life = rng.gen_range(burner_life.1..=burner_life.1 * 2);
        let last = (day + life - 1).min(days - 1);
        let p = world.new_mobile(who, line_handset, PhoneKind::Burner, day, last);
        burners.push(p);
        voice.push(p);
        day = last + 1;
    }
}

/// An operator's SIMs one after another, a new handset every few.
fn rotating_burners(
    world: &mut World,
    rng: &mut ChaCha8Rng,
    who: u32,
    first: u32,
    burners: &mut Vec<u32>,
    voice: &mut Vec<u32>,
    plan: BurnerPlan,
) {
    let days = world.scale.days;
    let (shape, burner_life, per_handset) = (plan.shape, plan.burner_life, plan.per_handset);
    let mut handset = world.new_handset();
    let mut in_handset = 0;
    let mut day = first;
    while day < days {
        if per_handset > 0 && in_handset == per_handset {
            handset = world.new_handset();
            in_handset = 0;
        }
        // A call centre's many operators each wear out fewer SIMs.
        let stretch = if shape == Shape::CallCentre { 2 } else { 1 };
        let life = rng.gen_range(burner_life.0..=burner_life.1) * stretch;
        let last = (day + life - 1).min(days - 1);
        let p = world.new_mobile(who, handset, PhoneKind::Burner, day, last);
        burners.push(p);
        voice.push(p);
        in_handset += 1;
        day = last + 1 + rng.gen_range(0..2);
    }
}

/// Who talks to whom on their own phones, calls a day.
fn who_talks(
    world: &mut World,
    rng: &mut ChaCha8Rng,
    ld: &mut Leaders,
    operators: &[Operator],
    mules: &[u32],
) -> Vec<(u32, u32, f64)> {
    let (shape, boss) = (ld.shape, ld.boss);
    let lieutenants = ld.lieutenants.clone();
    // Who talks to whom on their own phones, calls a day.
    let mut talk: Vec<(u32, u32, f64)> = Vec::new();
    let r = |rng: &mut ChaCha8Rng, a: f64, b: f64| rng.gen_range(a..b);
    match shape {
        Shape::Pyramid | Shape::SmsBox | Shape::Family | Shape::CallCentre => {
            for &l in &lieutenants {
                talk.push((boss, l, r(rng, 0.6, 2.0)));
            }
        }
        Shape::Chain => {
            talk.push((boss, lieutenants[0], r(rng, 0.6, 2.0)));
            for w in lieutenants.windows(2) {
                talk.push((w[0], w[1], r(rng, 0.5, 1.8)));
            }
        }
        Shape::Flat => {}
    }
    let handler_rate = match shape {
        Shape::CallCentre => (0.1, 0.5),
        _ => (0.6, 2.0),
    };
    for op in operators {
        if shape != Shape::Flat {
            talk.push((op.handler, op.who, r(rng, handler_rate.0, handler_rate.1)));
        }
    }
    if shape == Shape::Flat {
        // Everyone in the cell talks to everyone.
        let all: Vec<u32> = std::iter::once(boss)
            .chain(lieutenants.iter().copied())
            .chain(operators.iter().map(|o| o.who))
            .collect();
        for i in 0..all.len() {
            for j in i + 1..all.len() {
                talk.push((all[i], all[j], r(rng, 0.15, 0.8)));
            }
        }
    }
    if shape == Shape::Family {
        family_talk(world, rng, ld, operators, &mut talk);
    }
    let money = match shape {
        Shape::Flat => vec![boss],
        Shape::Chain => vec![lieutenants[0]],
        _ => lieutenants.clone(),
    };
    for (k, &m) in mules.iter().enumerate() {
        talk.push((money[k % money.len()], m, r(rng, 0.15, 0.8)));
    }

    talk
}

/// A family gang: the elder calls his nephews too, the family are tied as
/// kin, and relatives under the same roofs, in no gang, are tied to them.
fn family_talk(
    world: &mut World,
    rng: &mut ChaCha8Rng,
    ld: &mut Leaders,
    operators: &[Operator],
    talk: &mut Vec<(u32, u32, f64)>,
) {
    let r = |rng: &mut ChaCha8Rng, a: f64, b: f64| rng.gen_range(a..b);
    let (boss, boss_home, surname) = (ld.boss, ld.boss_home, ld.surname);
    let lieutenants = &ld.lieutenants;
    for op in operators {
        if rng.gen_bool(0.5) {
            talk.push((boss, op.who, r(rng, 0.1, 0.5)));
        }
    }
    let all: Vec<u32> = std::iter::once(boss)
        .chain(lieutenants.iter().copied())
        .chain(operators.iter().map(|o| o.who))
        .collect();
    for i in 0..all.len() {
        for j in i + 1..all.len() {
            if rng.gen_bool(0.5) {
                world.tie(rng, all[i], all[j], TieKind::Family, 2.5);
            }
        }
    }
    // Relatives under the same roofs, in no gang.
    for _ in 0..rng.gen_range(2..=5) {
        let home = if rng.gen_bool(0.6) {
            boss_home
        } else {
            world.near(boss_home, rng)
        };
        let name = Name::with_surname(rng, surname);
        let kin = world.new_individual(rng, name, home, Part::Relative);
        for &m in all.iter().take(3) {
            world.tie(rng, kin, m, TieKind::Family, 3.0);
        }
        ld.relatives.push(kin);
    }
}

/// Identities bought to register the gang's SIMs (some SIMs go
/// unregistered); the boss's own phone often in a relative's name.
fn register_burners(
    world: &mut World,
    rng: &mut ChaCha8Rng,
    ld: &Leaders,
    operators: &[Operator],
) -> Vec<u32> {
    let (boss, relatives) = (ld.boss, &ld.relatives);
    // Identities bought to register the gang's SIMs; some SIMs go unregistered.
    let registered = rng.gen_range(0.3..0.95);
    let n_burners: usize = operators.iter().map(|o| o.burners.len()).sum();
    let n_ids = rng.gen_range(1..=(n_burners / 3).clamp(1, 6));
    let stolen_ids: Vec<u32> = (0..n_ids)
        .map(|_| {
            let v = world.random_background(rng);
            world.individuals[v as usize].part = Part::IdentityVictim;
            v
        })
        .collect();
    for op in operators {
        for &b in &op.burners {
            if rng.gen_bool(registered) {
                world.phones[b as usize].registrant =
                    stolen_ids[rng.gen_range(0..stolen_ids.len())];
            }
        }
    }
    // The boss's own phone is often in a relative's name.
    let boss_phone = world.individuals[boss as usize].phones[0];
    if rng.gen_bool(0.6) {
        let rel = relatives[rng.gen_range(0..relatives.len())];
        world.phones[boss_phone as usize].registrant = rel;
    }
    stolen_ids
}

impl Gang {
    /// Calls a day the gang makes, roughly (for the case's call budget).
    pub fn per_day(&self, world: &World) -> f64 {
        let days = world.scale.days as f64;
        let cold: f64 = self
            .operators
            .iter()
            .map(|o| {
                let line_days: u32 = if o.sms_only {
                    o.burners
                        .iter()
                        .map(|&p| {
                            let p = &world.phones[p as usize];
                            p.last_day + 1 - p.first_day
                        })
                        .sum()
                } else {
                    days as u32 - self.start_day
                };
                line_days as f64 / days
            })
            .sum::<f64>()
            * self.rate as f64;
        let talk: f64 = self.talk.iter().map(|t| t.2).sum::<f64>() * self.coord;
        cold * 1.05 + talk
    }

    pub fn members(&self) -> impl Iterator<Item = u32> + '_ {
        std::iter::once(self.boss)
            .chain(self.lieutenants.iter().copied())
            .chain(self.operators.iter().map(|o| o.who))
            .chain(self.mules.iter().copied())
    }
}

/// Pick a time of day from a list of (from, to) hour ranges.
pub fn time_in(ranges: &[(u32, u32)], rng: &mut ChaCha8Rng) -> u32 {
    let (a, b) = ranges[rng.gen_range(0..ranges.len())];
    rng.gen_range(a * 3600..b * 3600)
}

/// Hooked victims, their extra calls and the incidents they report; some
/// victims know each other and call to warn each other.
pub fn plan_hooks(
    world: &mut World,
    gangs: &[Gang],
    police: u32,
    rng: &mut ChaCha8Rng,
    plan: &mut Plan,
) {
    for (g, gang) in gangs.iter().enumerate() {
        // Victims from one residential compound, who know each other.
        let community = rng.gen_bool(0.5).then(|| world.random_cell(rng));
        let mut victims: Vec<u32> = Vec::new();
        // Accounts are named in turn first, so that every account is paid into.
        let mut account_turn = 0usize;
        for _ in 0..gang.incidents {
            let hook = hook_victim(world, gang, g as u32, community, rng);
            let w: &World = world;
            let mut phones = Vec::new();
            first_contact(w, &hook, rng, plan, &mut phones);
            let last = keep_on_the_line(w, &hook, rng, plan, &mut phones);
            let report = report_time(last, rng);
            if rng.gen_bool(0.5) && (report / 86_400) < w.scale.days as i64 {
                call_the_police(w, &hook, report, police, rng, plan);
            }
            if rng.gen_bool(0.3) {
                phones.push(hook.vphone);
            }
            let (mule, accounts) = paid_accounts(gang, &mut account_turn, rng);
            // The transfer receipt names the account holder's phone.
            if rng.gen_bool(0.35) {
                phones.push(w.individuals[mule as usize].phones[0]);
            }
            warn_earlier_victims(w, &hook, &victims, report, rng, plan);
            let loss = (10f64.powf(rng.gen_range(3.3..5.7)) * 100.0).round() / 100.0;
            let district = w.cells[w.individuals[hook.victim as usize].home as usize].district;
            plan.incidents.push(PlannedIncident {
                time: report,
                category: "fraud",
                location: w.cells.len() as u32 + district as u32,
                phones,
                victim: hook.victim,
                loss: Some(loss),
                accounts,
                gang: Some(g as u32),
            });
            victims.push(hook.victim);
        }
        if community.is_some() {
            // Neighbours who call each other anyway.
            for i in 0..victims.len() {
                for j in i + 1..victims.len() {
                    if rng.gen_bool(0.3) {
                        world.tie(rng, victims[i], victims[j], TieKind::Friend, 1.5);
                    }
                }
            }
        }
    }
}

/// One hooking as it starts: which operator works which victim, on which
/// line, from which den and when; the later stages of the fraud all read it.
struct Hook<'g> {
    gang: u32,
    op: &'g Operator,
    line: u32,
    victim: u32,
    vphone: u32,
    den: u32,
    day: u32,
    /// Second of the day of the first hooking call.
    sec: u32,
}

/// Picks the operator, his line and the day, and a victim (from the gang's
/// compound when it works one), and marks the victim as such.
fn hook_victim<'g>(
    world: &mut World,
    gang: &'g Gang,
    g: u32,
    community: Option<u32>,
    rng: &mut ChaCha8Rng,
) -> Hook<'g> {
    let op = &gang.operators[rng.gen_range(0..gang.operators.len())];
    let bi = rng.gen_range(0..op.voice.len());
    let line = op.voice[bi];
    let b = &world.phones[line as usize];
    let day = rng.gen_range(b.first_day..=b.last_day);
    let mut victim = world.random_background(rng);
    if let Some(c) = community {
        for _ in 0..200 {
            let u = world.random_background(rng);
            if world.cells[world.individuals[u as usize].home as usize].district
                == world.cells[c as usize].district
            {
                victim = u;
                break;
            }
        }
    }
    world.individuals[victim as usize].part = Part::Victim;
    let vphone = world.individuals[victim as usize].phones[0];
    let den = gang.dens[rng.gen_range(0..gang.dens.len())];
    let sec = rng.gen_range(10 * 3600..17 * 3600);
    Hook {
        gang: g,
        op,
        line,
        victim,
        vphone,
        den,
        day,
        sec,
    }
}

/// The first contact: an SMS operation texts from a box SIM and the victim
/// calls the line; a voice operation calls the victim (and joins that day's burst).
fn first_contact(
    w: &World,
    hook: &Hook,
    rng: &mut ChaCha8Rng,
    plan: &mut Plan,
    phones: &mut Vec<u32>,
) {
    let (op, day, sec, den) = (hook.op, hook.day, hook.sec, hook.den);
    if op.sms_only {
        // A text from a box SIM active that day, and the victim calls the line.
        let sims: Vec<u32> = op
            .burners
            .iter()
            .copied()
            .filter(|&p| !op.voice.contains(&p) && w.phones[p as usize].active(day))
            .collect();
        if let Some(&sim) = sims.get(rng.gen_range(0..sims.len().max(1))) {
            plan.push_call(Call {
                start: day * 86_400 + sec - rng.gen_range(600..7200),
                caller: sim,
                callee: hook.vphone,
                duration: 0,
                sms: true,
                caller_cell: den,
                callee_cell: cell_at(w, hook.victim, day * 86_400 + sec, rng),
                imei: 0b01,
            });
            if rng.gen_bool(0.5) {
                phones.push(sim);
            }
        }
        let c = hook_call(
            w,
            hook.line,
            hook.vphone,
            hook.victim,
            day * 86_400 + sec,
            den,
            900,
            rng,
        );
        plan.push_call(reverse(c));
    } else {
        plan.bursts[day as usize].push((hook.line, sec, den, hook.gang));
        plan.push_call(hook_call(
            w,
            hook.line,
            hook.vphone,
            hook.victim,
            day * 86_400 + sec,
            den,
            rng.gen_range(600..2400),
            rng,
        ));
    }
    phones.push(hook.line);
}

/// One to three more calls over the next day or so, on whichever line the
/// operator uses by then; returns the time of the last one.
fn keep_on_the_line(
    w: &World,
    hook: &Hook,
    rng: &mut ChaCha8Rng,
    plan: &mut Plan,
    phones: &mut Vec<u32>,
) -> u32 {
    let mut t = hook.day * 86_400 + hook.sec;
    for _ in 0..rng.gen_range(1..=3) {
        t += rng.gen_range(3600..30 * 3600);
        let d = t / 86_400;
        // The operator keeps the victim on whichever line is in use now.
        let Some(used) = hook.op.voice_on(w, d) else {
            break;
        };
        if !phones.contains(&used) {
            phones.push(used);
        }
        let c = hook_call(
            w,
            used,
            hook.vphone,
            hook.victim,
            t,
            hook.den,
            rng.gen_range(60..1800),
            rng,
        );
        if rng.gen_bool(0.3) {
            plan.push_call(reverse(c));
        } else {
            plan.push_call(c);
        }
    }
    t
}

/// When the victim reports, an hour to a day and a half after the last call;
/// reports are taken in the daytime, so a night-time one waits for the morning.
fn report_time(last: u32, rng: &mut ChaCha8Rng) -> i64 {
    let mut report = last as i64 + rng.gen_range(3600..36 * 3600);
    let hour = report % 86_400 / 3600;
    if !(8..22).contains(&hour) {
        let morning = if hour < 8 { 0 } else { 1 };
        report = (report / 86_400 + morning) * 86_400 + rng.gen_range(8 * 3600..11 * 3600);
    }
    report
}

/// The victim calls the police before going to the station.
fn call_the_police(
    w: &World,
    hook: &Hook,
    report: i64,
    police: u32,
    rng: &mut ChaCha8Rng,
    plan: &mut Plan,
) {
    let start = report as u32 - rng.gen_range(600..3000);
    plan.push_call(Call {
        start,
        caller: hook.vphone,
        callee: police,
        duration: rng.gen_range(60..400),
        sms: false,
        caller_cell: cell_at(w, hook.victim, start, rng),
        callee_cell: NONE,
        imei: 0b01,
    });
}

/// The mule account the money went to (each account in turn first, then at
/// random), now and then with a second one; returns the mule and the accounts.
fn paid_accounts(
    gang: &Gang,
    account_turn: &mut usize,
    rng: &mut ChaCha8Rng,
) -> (u32, Vec<String>) {
    let (mule, acc) = if *account_turn < gang.accounts.len() {
        *account_turn += 1;
        gang.accounts[*account_turn - 1].clone()
    } else {
        gang.accounts[rng.gen_range(0..gang.accounts.len())].clone()
    };
    let mut accounts = vec![acc];
    if rng.gen_bool(0.3) {
        let other = gang.accounts[rng.gen_range(0..gang.accounts.len())]
            .1
            .clone();
        if !accounts.contains(&other) {
            accounts.push(other);
        }
    }
    (mule, accounts)
}

/// The victim warns people who were hooked before (the last three at most).
fn warn_earlier_victims(
    w: &World,
    hook: &Hook,
    victims: &[u32],
    report: i64,
    rng: &mut ChaCha8Rng,
    plan: &mut Plan,
) {
    for &other in victims.iter().rev().take(3) {
        if rng.gen_bool(0.4) {
            let t = report as u32 + rng.gen_range(3600..3 * 86_400);
            let op = w.individuals[other as usize].phones[0];
            let mut calls = Vec::new();
            push_pair(
                &mut calls,
                hook.vphone,
                op,
                t,
                rng.gen_range(60..900),
                cell_at(w, hook.victim, t, rng),
                cell_at(w, other, t, rng),
                rng.gen_bool(0.7),
                false,
            );
            for c in calls {
                plan.push_call(c);
            }
        }
    }
}

fn reverse(c: Call) -> Call {
    Call {
        caller: c.callee,
        callee: c.caller,
        caller_cell: c.callee_cell,
        callee_cell: c.caller_cell,
        imei: ((c.imei & 1) << 1) | ((c.imei >> 1) & 1),
        ..c
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

/// How many of `rate` calls a day happen today (rate may be below one).
fn count(rate: f64, rng: &mut ChaCha8Rng) -> u32 {
    let whole = rate.floor();
    whole as u32 + rng.gen_bool((rate - whole).clamp(0.0, 1.0)) as u32
}

/// A gang's calls on one day (besides the planned ones).
#[allow(clippy::too_many_arguments)]
pub fn gang_day(
    world: &World,
    gang: &Gang,
    gi: u32,
    outside: &[u32],
    plan: &Plan,
    day: u32,
    rng: &mut ChaCha8Rng,
    out: &mut Vec<Call>,
) {
    if day < gang.start_day {
        return;
    }
    let today = GangDay {
        world,
        gang,
        outside,
        day,
        base: day * 86_400,
    };
    members_talk(&today, rng, out);
    weekly_meeting(&today, rng, out);
    for (oi, op) in gang.operators.iter().enumerate() {
        operator_day(&today, oi, op, rng, out);
    }
    hook_bursts(&today, gi, plan, rng, out);
}

/// What every stage of a gang's day reads: the world, the gang, the numbers
/// it cold-calls, and the day (with its first second).
struct GangDay<'a> {
    world: &'a World,
    gang: &'a Gang,
    outside: &'a [u32],
    day: u32,
    base: u32,
}

impl GangDay<'_> {
    /// A member's own phone.
    fn phone(&self, who: u32) -> u32 {
        self.world.individuals[who as usize].phones[0]
    }
}

/// Members on their own phones, wherever they are.
fn members_talk(today: &GangDay, rng: &mut ChaCha8Rng, out: &mut Vec<Call>) {
    let (world, gang, base) = (today.world, today.gang, today.base);
    for &(a, b, rate) in &gang.talk {
        let n = count(rate * gang.coord * rng.gen_range(0.5..1.5), rng);
        for _ in 0..n {
            let t = if rng.gen_bool(gang.night_share) {
                time_in(ODD_HOURS, rng)
            } else {
                rng.gen_range(8 * 3600..23 * 3600)
            };
            let (ca, cb) = (
                cell_at(world, a, base + t, rng),
                cell_at(world, b, base + t, rng),
            );
            push_pair(
                out,
                today.phone(a),
                today.phone(b),
                base + t,
                rng.gen_range(20..600),
                ca,
                cb,
                rng.gen_bool(0.6),
                rng.gen_bool(gang.text_share),
            );
        }
    }
}

/// On the meeting weekday, the boss and his lieutenants in one cell within the hour.
fn weekly_meeting(today: &GangDay, rng: &mut ChaCha8Rng, out: &mut Vec<Call>) {
    let gang = today.gang;
    let Some((weekday, cell)) = gang.meeting else {
        return;
    };
    if today.day % 7 != weekday {
        return;
    }
    let at = rng.gen_range(19 * 3600..23 * 3600);
    for &lt in &gang.lieutenants {
        if rng.gen_bool(0.7) {
            push_pair(
                out,
                today.phone(gang.boss),
                today.phone(lt),
                today.base + at + rng.gen_range(0..1800),
                rng.gen_range(20..120),
                cell,
                cell,
                rng.gen_bool(0.5),
                false,
            );
        }
    }
}

/// One operator's day: cold calls from each line in use today, victims of an
/// SMS operation calling the line back, and a planned slip to his handler.
fn operator_day(
    today: &GangDay,
    oi: usize,
    op: &Operator,
    rng: &mut ChaCha8Rng,
    out: &mut Vec<Call>,
) {
    let (world, gang, day, base) = (today.world, today.gang, today.day, today.base);
    let den = gang.dens[oi % gang.dens.len()];
    let active: Vec<u32> = if op.sms_only {
        op.burners
            .iter()
            .copied()
            .filter(|&p| !op.voice.contains(&p) && world.phones[p as usize].active(day))
            .collect()
    } else {
        op.voice_on(world, day).into_iter().collect()
    };
    let first_cold = out.len();
    for &line in &active {
        let n = (gang.rate as f64 * rng.gen_range(0.5..1.5)) as u32;
        for _ in 0..n {
            let t = if rng.gen_bool(0.08) {
                time_in(ODD_HOURS, rng)
            } else {
                time_in(gang.hours, rng)
            };
            cold_call(world, gang, today.outside, line, base + t, den, rng, out);
        }
    }
    // Residents an SMS operation texted today who ring the line back, a
    // few minutes to a few hours after the text (before the day is out).
    if op.sms_only {
        if let Some(line) = op.voice_on(world, day) {
            let texted: Vec<(u32, u32)> = out[first_cold..]
                .iter()
                .filter(|c| c.sms && c.callee_cell != NONE && active.contains(&c.caller))
                .map(|c| (c.callee, c.start))
                .collect();
            let n = count(active.len() as f64 * gang.rate as f64 * 0.03, rng);
            for _ in 0..if texted.is_empty() { 0 } else { n } {
                let (phone, sent) = texted[rng.gen_range(0..texted.len())];
                let v = world.phones[phone as usize].owner;
                let t = (sent + rng.gen_range(120..4 * 3600)).min(base + 86_399);
                out.push(Call {
                    start: t,
                    caller: phone,
                    callee: line,
                    duration: rng.gen_range(20..400),
                    sms: false,
                    caller_cell: cell_at(world, v, t, rng),
                    callee_cell: den,
                    imei: 0b11,
                });
            }
        }
    }
    for &(d, k) in &gang.slips {
        if d == day && k == oi {
            if let Some(&line) = active.first() {
                let t = rng.gen_range(9 * 3600..18 * 3600);
                out.push(Call {
                    start: base + t,
                    caller: line,
                    callee: today.phone(op.handler),
                    duration: rng.gen_range(10..60),
                    sms: false,
                    caller_cell: den,
                    callee_cell: cell_at(world, op.handler, base + t, rng),
                    imei: 0b11,
                });
            }
        }
    }
}

/// The burst of cold calls that led up to each of today's voice hookings.
fn hook_bursts(today: &GangDay, gi: u32, plan: &Plan, rng: &mut ChaCha8Rng, out: &mut Vec<Call>) {
    let gang = today.gang;
    for &(burner, sec, den, g) in &plan.bursts[today.day as usize] {
        if g as usize != gi as usize {
            continue;
        }
        for _ in 0..rng.gen_range(gang.burst.0..=gang.burst.1) {
            let t = sec.saturating_sub(rng.gen_range(60..7200));
            cold_call(
                today.world,
                gang,
                today.outside,
                burner,
                today.base + t,
                den,
                rng,
                out,
            );
        }
    }
}

/// A short call (or phishing text) from a burner to a random number; now and
/// then the victim calls back.
#[allow(clippy::too_many_arguments)]
fn cold_call(
    world: &World,
    gang: &Gang,
    outside: &[u32],
    burner: u32,
    t: u32,
    den: u32,
    rng: &mut ChaCha8Rng,
    out: &mut Vec<Call>,
) {
    let (callee, cell) = if outside.is_empty() || !rng.gen_bool(gang.outside_share) {
        let v = world.random_resident(rng);
        (
            world.individuals[v as usize].phones[0],
            cell_at(world, v, t, rng),
        )
    } else {
        (outside[rng.gen_range(0..outside.len())], NONE)
    };
    let sms = rng.gen_bool(gang.cold_texts);
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
pub fn push_pair(
    out: &mut Vec<Call>,
    a: u32,
    b: u32,
    t: u32,
    duration: u32,
    ca: u32,
    cb: u32,
    a_calls: bool,
    sms: bool,
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
        duration: if sms { 0 } else { duration },
        sms,
        caller_cell: cc,
        callee_cell: ce,
        imei: 0b11,
    });
}
