//! What the day generators share: one planned call ([`Call`]), the cell a
//! person calls from at a given time ([`cell_at`]) and the hours gangs keep.
//! `calls` (the background), `gangs` and `decoys` all write `Call`s; keeping
//! them here lets each depend on this file rather than on one another.

use super::population::World;
use rand::Rng;
use rand_chacha::ChaCha8Rng;

/// One call or text, in generator ids. `start` is seconds since the start
/// of the case period.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Call {
    pub start: u32,
    pub caller: u32,
    pub callee: u32,
    pub duration: u32,
    pub sms: bool,
    pub caller_cell: u32,
    pub callee_cell: u32,
    /// Bit 0: the caller's handset is recorded; bit 1: the callee's.
    pub imei: u8,
}

/// Hours of fraud operators' office.
pub const WORK_HOURS: &[(u32, u32)] = &[(9, 12), (9, 12), (14, 18), (14, 18), (19, 21)];
/// Hours when ordinary people sleep.
pub const ODD_HOURS: &[(u32, u32)] = &[(0, 5)];

/// The cell serving an individual at time `t`: work by day on weekdays
/// (night workers: six nights a week, 20:00 to 06:00), home otherwise,
/// and now and then a cell nearby.
pub fn cell_at(world: &World, who: u32, t: u32, rng: &mut ChaCha8Rng) -> u32 {
    let p = &world.individuals[who as usize];
    let day = t / 86_400;
    let hour = (t % 86_400) / 3600;
    let at_work = if p.night {
        // Night shifts six nights a week, from 20:00 to 06:00.
        day % 7 < 6 && !(6..20).contains(&hour)
    } else {
        day % 7 < 5 && (9..18).contains(&hour)
    };
    let cell = if at_work { p.work } else { p.home };
    if rng.gen_bool(0.12) {
        world.near(cell, rng)
    } else {
        cell
    }
}
