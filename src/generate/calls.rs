//! One day of calls at a time: background calls along the population's ties
//! (sampled in proportion to their weights), calls to and texts from the
//! service numbers, the decoys' work, the gangs' activity and the planned
//! hooks. Each day has its own random stream, so days can be generated in
//! parallel and the output is the same for any number of threads.

// `Call`, `cell_at` and the hours live in `super::call`, below the day
// generators that share them; `calls::Call` stays a name for it.
pub use super::call::{cell_at, Call};
use super::confounders::confounder_day;
use super::decoys::decoy_day;
use super::gangs::gang_day;
use super::population::{TieKind, NONE};
use super::services::SERVICES;
use super::Case;
use rand::Rng;
use rand_chacha::ChaCha8Rng;

/// Relative call activity per hour: personal life (evening peak) and work.
const PERSONAL: [f64; 24] = [
    0.25, 0.12, 0.06, 0.04, 0.04, 0.1, 0.35, 0.9, 1.3, 1.4, 1.4, 1.4, 1.5, 1.3, 1.3, 1.3, 1.4, 1.6,
    2.0, 2.3, 2.4, 2.2, 1.5, 0.7,
];
const WORK: [f64; 24] = [
    0.02, 0.01, 0.01, 0.01, 0.01, 0.02, 0.05, 0.3, 1.2, 2.4, 2.6, 2.4, 1.2, 1.6, 2.4, 2.5, 2.4,
    2.0, 1.0, 0.4, 0.2, 0.1, 0.05, 0.03,
];

/// Cumulative hour tables for fast sampling.
pub struct Rhythm {
    personal: [f64; 24],
    work: [f64; 24],
}

impl Rhythm {
    pub fn new() -> Rhythm {
        let cum = |w: &[f64; 24]| {
            let mut c = [0.0; 24];
            let mut s = 0.0;
            for h in 0..24 {
                s += w[h];
                c[h] = s;
            }
            for v in &mut c {
                *v /= s;
            }
            c
        };
        Rhythm {
            personal: cum(&PERSONAL),
            work: cum(&WORK),
        }
    }
    /// A second of the day.
    pub fn second(&self, work: bool, rng: &mut ChaCha8Rng) -> u32 {
        let table = if work { &self.work } else { &self.personal };
        let x: f64 = rng.gen();
        let h = table.iter().position(|&c| x < c).unwrap_or(23) as u32;
        h * 3600 + rng.gen_range(0..3600)
    }
}

impl Default for Rhythm {
    fn default() -> Self {
        Self::new()
    }
}

/// Walker's alias table over the ties' weights (Vose's construction): the
/// background calls of a day are drawn tie by tie in proportion to weight.
///
/// # Complexity
/// Building: O(n) time and memory for n ties. One draw: O(1) (one uniform
/// index, one coin).
pub struct Alias {
    prob: Vec<f32>,
    alias: Vec<u32>,
}

impl Alias {
    pub fn new(weights: &[f32]) -> Alias {
        let n = weights.len();
        let total: f64 = weights.iter().map(|&w| w as f64).sum();
        let mut prob: Vec<f32> = weights
            .iter()
            .map(|&w| (w as f64 * n as f64 / total) as f32)
            .collect();
        let mut alias = vec![0u32; n];
        let mut small: Vec<u32> = Vec::new();
        let mut large: Vec<u32> = Vec::new();
        for (i, &p) in prob.iter().enumerate() {
            if p < 1.0 {
                small.push(i as u32);
            } else {
                large.push(i as u32);
            }
        }
        while let (Some(s), Some(&l)) = (small.pop(), large.last()) {
            alias[s as usize] = l;
            prob[l as usize] -= 1.0 - prob[s as usize];
            if prob[l as usize] < 1.0 {
                large.pop();
                small.push(l);
            }
        }
        for i in large.into_iter().chain(small) {
            prob[i as usize] = 1.0;
        }
        Alias { prob, alias }
    }
    pub fn sample(&self, rng: &mut ChaCha8Rng) -> usize {
        let i = rng.gen_range(0..self.prob.len());
        if rng.gen::<f32>() < self.prob[i] {
            i
        } else {
            self.alias[i] as usize
        }
    }
}

/// The calls of one day, sorted by (start, caller, callee), with no two
/// alike in those three (a phone cannot place the same call twice at once).
pub fn day_calls(case: &Case, day: u32, rng: &mut ChaCha8Rng) -> Vec<Call> {
    let world = &case.world;
    let s = world.scale;
    let today = Day {
        base: day * 86_400,
        weekend: day % 7 >= 5,
        jitter: rng.gen_range(0.9..1.1),
    };
    let mut out: Vec<Call> = Vec::with_capacity((s.calls / s.days as u64 * 11 / 10) as usize);
    background_calls(case, &today, rng, &mut out);
    service_calls(case, &today, rng, &mut out);
    decoy_day(world, &case.decoys, day, rng, &mut out);
    confounder_day(case, day, rng, &mut out);
    for (gi, gang) in case.gangs.iter().enumerate() {
        gang_day(
            world,
            gang,
            gi as u32,
            &case.outside,
            &case.plan,
            day,
            rng,
            &mut out,
        );
    }
    out.extend_from_slice(&case.plan.calls[day as usize]);

    // A phone never calls itself here, and burners only exist while active.
    out.retain(|c| {
        c.caller != c.callee
            && world.phones[c.caller as usize].active(day)
            && world.phones[c.callee as usize].active(day)
    });
    out.sort_unstable_by_key(|c| (c.start, c.caller, c.callee, c.duration));
    out.dedup_by_key(|c| (c.start, c.caller, c.callee));
    debug_assert!(out.iter().all(|c| c.start / 86_400 == day));
    out
}

/// What the day's ordinary traffic depends on: its first second, whether it
/// is a weekend, and the day's random swing in volume.
struct Day {
    base: u32,
    weekend: bool,
    jitter: f64,
}

/// Background calls along ties, drawn in proportion to the ties' weights;
/// coworkers mostly keep quiet at weekends.
fn background_calls(case: &Case, today: &Day, rng: &mut ChaCha8Rng, out: &mut Vec<Call>) {
    let world = &case.world;
    let weekend = today.weekend;
    let n_bg = (case.background_per_day * today.jitter * if weekend { 0.9 } else { 1.0 }) as u64;
    let mut made = 0;
    while made < n_bg {
        let tie = world.ties[case.alias.sample(rng)];
        if weekend && tie.kind == TieKind::Coworker && rng.gen_bool(0.75) {
            continue;
        }
        made += 1;
        let (a, b) = if rng.gen::<f32>() < tie.a_share {
            (tie.a, tie.b)
        } else {
            (tie.b, tie.a)
        };
        let phone_of = |who: u32, rng: &mut ChaCha8Rng| {
            let p = world.individuals[who as usize].phones;
            if p[1] != NONE
                && (tie.kind == TieKind::Coworker || rng.gen_bool(0.1))
                && rng.gen_bool(0.5)
            {
                p[1]
            } else {
                p[0]
            }
        };
        let caller = phone_of(a, rng);
        let callee = phone_of(b, rng);
        let work = tie.kind == TieKind::Coworker && !weekend;
        let t = today.base + case.rhythm.second(work, rng);
        let sms = rng.gen_bool(world.sms_share);
        let mean = match tie.kind {
            TieKind::Family => 150.0,
            TieKind::Coworker => 100.0,
            TieKind::Friend => 220.0,
        };
        let duration = if sms || rng.gen_bool(0.08) {
            0
        } else {
            (1.0 + -mean * rng.gen_range(1e-9f64..1.0).ln()).min(7200.0) as u32
        };
        out.push(Call {
            start: t,
            caller,
            callee,
            duration,
            sms,
            caller_cell: maybe(cell_at(world, a, t, rng), 0.9, rng),
            callee_cell: maybe(cell_at(world, b, t, rng), 0.85, rng),
            imei: rng.gen_bool(0.9) as u8 | ((rng.gen_bool(0.85) as u8) << 1),
        });
    }
}

/// Service numbers: people call them (office-hours ones not at weekends),
/// they text people.
fn service_calls(case: &Case, today: &Day, rng: &mut ChaCha8Rng, out: &mut Vec<Call>) {
    let world = &case.world;
    let base = today.base;
    let n_sv = (case.service_per_day * today.jitter) as u64;
    for _ in 0..n_sv {
        let k = pick_service(case, rng);
        let sv = &SERVICES[k];
        let hub = case.services[k];
        let who = world.random_person(rng);
        let phone = world.individuals[who as usize].phones[0];
        if rng.gen_bool(sv.texts) {
            let t = base + rng.gen_range(7 * 3600..22 * 3600);
            out.push(Call {
                start: t,
                caller: hub,
                callee: phone,
                duration: 0,
                sms: true,
                caller_cell: NONE,
                callee_cell: maybe(cell_at(world, who, t, rng), 0.8, rng),
                imei: 0b10,
            });
        } else {
            if sv.office_hours && today.weekend {
                continue;
            }
            let t = base
                + if sv.office_hours {
                    rng.gen_range(9 * 3600..18 * 3600)
                } else {
                    case.rhythm.second(false, rng)
                };
            out.push(Call {
                start: t,
                caller: phone,
                callee: hub,
                duration: if rng.gen_bool(0.05) {
                    0
                } else {
                    rng.gen_range(20..900)
                },
                sms: false,
                caller_cell: maybe(cell_at(world, who, t, rng), 0.9, rng),
                callee_cell: NONE,
                imei: 0b01,
            });
        }
    }
}

/// A service drawn in proportion to its weight (its position in `SERVICES`).
fn pick_service(case: &Case, rng: &mut ChaCha8Rng) -> usize {
    let x = rng.gen::<f64>() * case.service_total;
    let mut k = 0;
    let mut acc = 0.0;
    for (i, sv) in SERVICES.iter().enumerate() {
        acc += sv.weight;
        k = i;
        if x < acc {
            break;
        }
    }
    k
}

fn maybe(cell: u32, p: f64, rng: &mut ChaCha8Rng) -> u32 {
    if rng.gen_bool(p) {
        cell
    } else {
        NONE
    }
}
