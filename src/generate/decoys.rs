//! Decoys: busy, dense or hub-like phones that are innocent and must not be
//! mistaken for a gang. A call centre (long-lived agent SIMs sharing one
//! building, office hours, many incoming calls), delivery riders (many short
//! calls to customers who call back), and a big family (a dense clique of
//! ordinary calls).

use super::call::{cell_at, Call};
use super::names::{random_surname, Name};
use super::population::{Part, Phone, PhoneKind, TieKind, World, NONE};
use rand::Rng;
use rand_chacha::ChaCha8Rng;

#[derive(Debug, Clone, Default)]
pub struct Decoys {
    pub hotline: u32,
    pub agents: Vec<u32>,
    pub centre_cell: u32,
    pub riders: Vec<u32>,
    pub family: Vec<u32>,
}

pub const CALL_CENTRE_NAME: &str = "深圳鹏城客户服务有限公司";

pub fn make_decoys(world: &mut World, rng: &mut ChaCha8Rng, hotline: u32) -> Decoys {
    let s = world.scale;
    let centre_cell = world.random_cell(rng);
    let mut agents = Vec::new();
    for _ in 0..s.agents {
        let handset = world.new_handset();
        let p = world.new_mobile(NONE, handset, PhoneKind::Agent, 0, s.days - 1);
        agents.push(p);
    }
    let mut riders = Vec::new();
    for _ in 0..s.riders {
        let who = world.random_background(rng);
        world.individuals[who as usize].part = Part::Rider;
        riders.push(who);
    }
    // The big family: three generations under a few roofs, everyone calling everyone.
    let surname = random_surname(rng);
    let home = world.random_cell(rng);
    let mut family = Vec::new();
    for k in 0..s.family {
        let name = if k % 4 == 3 {
            Name::random(rng)
        } else {
            Name::with_surname(rng, surname)
        };
        let roof = if k % 5 == 4 {
            world.near(home, rng)
        } else {
            home
        };
        family.push(world.new_individual(rng, name, roof, Part::Family));
    }
    for i in 0..family.len() {
        for j in i + 1..family.len() {
            world.tie(rng, family[i], family[j], TieKind::Family, 2.5);
        }
        // They have friends outside the family too.
        for _ in 0..rng.gen_range(1..4) {
            let o = world.random_background(rng);
            world.tie(rng, family[i], o, TieKind::Friend, 0.6);
        }
    }
    Decoys {
        hotline,
        agents,
        centre_cell,
        riders,
        family,
    }
}

/// The decoys' work calls on one day.
pub fn decoy_day(world: &World, d: &Decoys, day: u32, rng: &mut ChaCha8Rng, out: &mut Vec<Call>) {
    let base = day * 86_400;
    let weekday = day % 7 < 5;
    let s = world.scale;
    if weekday {
        for &agent in &d.agents {
            for _ in 0..rng.gen_range(s.agent_calls.0..=s.agent_calls.1) {
                let t = rng.gen_range(9 * 3600..18 * 3600);
                let customer = world.random_person(rng);
                let cp = world.individuals[customer as usize].phones[0];
                let incoming = rng.gen_bool(0.55);
                let cc = cell_at(world, customer, base + t, rng);
                let (caller, callee, c1, c2) = if incoming {
                    (cp, agent, cc, d.centre_cell)
                } else {
                    (agent, cp, d.centre_cell, cc)
                };
                out.push(Call {
                    start: base + t,
                    caller,
                    callee,
                    duration: if rng.gen_bool(0.1) {
                        0
                    } else {
                        rng.gen_range(60..900)
                    },
                    sms: false,
                    caller_cell: c1,
                    callee_cell: c2,
                    imei: 0b11,
                });
            }
        }
    }
    if day % 7 != 6 {
        for &rider in &d.riders {
            let rp = world.individuals[rider as usize].phones[0];
            let zone = world.individuals[rider as usize].work;
            for _ in 0..rng.gen_range(s.rider_calls.0..=s.rider_calls.1) {
                let t = rng.gen_range(9 * 3600..21 * 3600);
                let customer = world.random_person(rng);
                let cp = world.individuals[customer as usize].phones[0];
                let rc = world.near(zone, rng);
                let cc = cell_at(world, customer, base + t, rng);
                let sms = rng.gen_bool(0.25);
                out.push(Call {
                    start: base + t,
                    caller: rp,
                    callee: cp,
                    duration: if sms || rng.gen_bool(0.15) {
                        0
                    } else {
                        rng.gen_range(8..60)
                    },
                    sms,
                    caller_cell: rc,
                    callee_cell: cc,
                    imei: 0b11,
                });
                if rng.gen_bool(0.4) {
                    let back = (t + rng.gen_range(120..3600)).min(86_399);
                    out.push(Call {
                        start: base + back,
                        caller: cp,
                        callee: rp,
                        duration: rng.gen_range(5..45),
                        sms: false,
                        caller_cell: cell_at(world, customer, base + back, rng),
                        callee_cell: world.near(zone, rng),
                        imei: 0b11,
                    });
                }
            }
        }
    }
}

/// The call centre's registrations: agent SIMs and the hotline belong to the company.
pub fn company_phone(p: &Phone) -> bool {
    p.kind == PhoneKind::Agent
}
