//! Holders: the phones one person carries, as one unit.
//!
//! A gang is a group of people, not of SIMs. A boss keeps a phone for his
//! lieutenants beside his everyday ones; an operator rotates burners through
//! the handset of his own phone. Gang finding therefore works on *units*:
//! - the ordinary phones that the person records of one resolved individual
//!   claim (a claim, not a registration: a registration may be a stolen
//!   identity). A fraud SIM never joins a unit by a record: a record that
//!   lists a burner among someone's numbers is how a stolen identity looks
//!   from the carrier's side;
//! - every other phone is a unit of its own, fraud SIMs included.
//!
//! SIMs that went through one handset are *not* merged: handsets pass
//! between people (a SIM box shared by a gang, a second-hand phone), and
//! merging along them chains gangs together. A shared handset is a tie
//! between two units, counted as evidence in [`crate::lead::ties`].
//!
//! # Complexity
//! O(P α(P)) with union-find for P phone claims.

use crate::graph::CaseGraph;

/// How a phone came to be in its unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Joined {
    /// The only phone of its unit, or the first of it.
    Own,
    /// Claimed by the person records of the unit's individual.
    Claimed,
}

/// Phones grouped into holders. Phones that cannot be suspects (service
/// numbers, victims' phones) are in no unit.
#[derive(Debug, Clone)]
pub struct Units {
    /// Unit of each phone, [`NO_UNIT`] when ineligible.
    pub unit_of: Vec<u32>,
    /// How each phone joined its unit.
    pub joined: Vec<Joined>,
    offsets: Vec<u32>,
    phones: Vec<u32>,
    /// The resolved individual behind each unit, when one claims it.
    pub individual: Vec<Option<u32>>,
}

pub const NO_UNIT: u32 = u32::MAX;

/// What [`build`] needs.
pub struct Inputs<'a> {
    pub eligible: &'a dyn Fn(u32) -> bool,
    /// Fraud SIMs: burners, phones named in fraud reports, SIMs rotated with them.
    pub fraud_sim: &'a [bool],
    pub individual_of_person: &'a [u32],
}

struct UnionFind(Vec<u32>);
impl UnionFind {
    fn find(&mut self, mut x: u32) -> u32 {
        while self.0[x as usize] != x {
            let up = self.0[self.0[x as usize] as usize];
            self.0[x as usize] = up;
            x = up;
        }
        x
    }
    /// Joins the sets of `a` and `b`; the smaller root stays the root.
    fn union(&mut self, a: u32, b: u32) -> bool {
        let (ra, rb) = (self.find(a), self.find(b));
        if ra == rb {
            return false;
        }
        let (lo, hi) = (ra.min(rb), ra.max(rb));
        self.0[hi as usize] = lo;
        true
    }
}

/// Group the case's phones into holders.
pub fn build(g: &CaseGraph, inp: &Inputs) -> Units {
    let n = g.phones.len();
    let mut uf = UnionFind((0..n as u32).collect());
    let mut joined = vec![Joined::Own; n];
    // One individual's claimed phones.
    let mut claims: Vec<(u32, u32)> = g
        .person_phones
        .iter()
        .filter(|pp| pp.claimed() && (inp.eligible)(pp.phone) && !inp.fraud_sim[pp.phone as usize])
        .map(|pp| (inp.individual_of_person[pp.person as usize], pp.phone))
        .collect();
    claims.sort_unstable();
    claims.dedup();
    let mut individual_of_phone: Vec<u32> = vec![u32::MAX; n];
    for w in claims.windows(2) {
        if w[0].0 == w[1].0 && uf.union(w[0].1, w[1].1) {
            joined[w[1].1 as usize] = Joined::Claimed;
        }
    }
    for &(ind, p) in &claims {
        individual_of_phone[p as usize] = individual_of_phone[p as usize].min(ind);
    }
    // Number the units in phone order.
    let mut unit_of = vec![NO_UNIT; n];
    let mut root_unit: Vec<u32> = vec![NO_UNIT; n];
    let mut count = 0u32;
    for p in 0..n as u32 {
        if !(inp.eligible)(p) {
            continue;
        }
        let r = uf.find(p) as usize;
        if root_unit[r] == NO_UNIT {
            root_unit[r] = count;
            count += 1;
        }
        unit_of[p as usize] = root_unit[r];
    }
    let mut offsets = vec![0u32; count as usize + 1];
    for &u in &unit_of {
        if u != NO_UNIT {
            offsets[u as usize + 1] += 1;
        }
    }
    for k in 1..offsets.len() {
        offsets[k] += offsets[k - 1];
    }
    let mut fill = offsets.clone();
    let mut phones = vec![0u32; offsets[count as usize] as usize];
    let mut individual: Vec<Option<u32>> = vec![None; count as usize];
    for p in 0..n as u32 {
        let u = unit_of[p as usize];
        if u == NO_UNIT {
            continue;
        }
        phones[fill[u as usize] as usize] = p;
        fill[u as usize] += 1;
        let ind = individual_of_phone[p as usize];
        if ind != u32::MAX {
            let slot = &mut individual[u as usize];
            *slot = Some(slot.map_or(ind, |x: u32| x.min(ind)));
        }
    }
    Units {
        unit_of,
        joined,
        offsets,
        phones,
        individual,
    }
}

impl Units {
    pub fn len(&self) -> usize {
        self.individual.len()
    }
    pub fn is_empty(&self) -> bool {
        self.individual.is_empty()
    }
    /// Phones of unit `u`, ascending.
    pub fn phones(&self, u: u32) -> &[u32] {
        &self.phones[self.offsets[u as usize] as usize..self.offsets[u as usize + 1] as usize]
    }
}

#[cfg(test)]
impl Units {
    /// `n` units of one phone each (phone `u` in unit `u`).
    pub(crate) fn singles(n: usize) -> Units {
        Units {
            unit_of: (0..n as u32).collect(),
            joined: vec![Joined::Own; n],
            offsets: (0..=n as u32).collect(),
            phones: (0..n as u32).collect(),
            individual: vec![None; n],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn union_find_keeps_the_smallest_root() {
        let mut uf = UnionFind((0..5).collect());
        uf.union(3, 1);
        uf.union(4, 3);
        assert_eq!(uf.find(4), 1);
        assert!(!uf.union(1, 4));
    }
}
