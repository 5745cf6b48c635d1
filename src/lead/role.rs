//! Roles inside a gang, from how its phones behave:
//! - **operator**: a suspect phone (burner, named in reports, fanning out to
//!   victims, SIMs swapped in its handset), or a phone of the same
//!   individual, or one co-located with a suspect of the gang;
//! - **lieutenant**: in contact with the operators' phones;
//! - **boss**: of the rest, the member most in contact with the
//!   lieutenants and least with anyone outside the gang — he reaches the
//!   operators only through them;
//! - **mule**: the remaining members (the ones the money goes through).
//!
//! # Complexity
//! O(Σ call links of the gang's phones).

use rustc_hash::FxHashSet;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Boss,
    Lieutenant,
    /// Bridges gangs (see [`crate::lead::broker`]).
    Broker,
    Operator,
    Mule,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Boss => "boss",
            Role::Lieutenant => "lieutenant",
            Role::Broker => "broker",
            Role::Operator => "operator",
            Role::Mule => "mule",
        }
    }
}

/// Roles of a gang's phones (same order as `phones`), each with a
/// plain-language reason. `core(p)`: a suspect phone; `den(p)`: co-located
/// with one; `ties(p)`: call events with each other phone.
pub fn assign(
    phones: &[u32],
    core: &dyn Fn(u32) -> bool,
    den: &dyn Fn(u32) -> bool,
    ties: &dyn Fn(u32) -> Vec<(u32, u32)>,
) -> Vec<(Role, String)> {
    let set: FxHashSet<u32> = phones.iter().copied().collect();
    // Internal degree: members each phone has call events with.
    let internal: Vec<usize> = phones
        .iter()
        .map(|&p| ties(p).iter().filter(|t| set.contains(&t.0)).count())
        .collect();
    let degree_of = |q: u32| phones.binary_search(&q).map(|i| internal[i]).unwrap_or(0);
    // The boss sits at the top: every member he talks to talks to at least
    // as many members as he does (he reaches the rest through them). Of
    // those, the one most in touch with the gang and least with anyone
    // else. Ties: lowest phone index.
    let pick = |hierarchy: bool| {
        let mut best: Option<(f64, u32, u32, u32)> = None;
        for (i, &p) in phones.iter().enumerate() {
            if core(p) {
                continue;
            }
            let t = ties(p);
            if hierarchy
                && t.iter()
                    .any(|x| set.contains(&x.0) && degree_of(x.0) < internal[i])
            {
                continue;
            }
            let total: u32 = t.iter().map(|x| x.1).sum();
            let inside: u32 = t.iter().filter(|x| set.contains(&x.0)).map(|x| x.1).sum();
            if total == 0 || inside == 0 {
                continue;
            }
            let value = inside as f64 * inside as f64 / total as f64;
            if best.map_or(true, |b| value > b.0) {
                best = Some((value, p, inside, total));
            }
        }
        best
    };
    let boss = pick(true).or_else(|| pick(false));
    let boss_phone = boss.map(|b| b.1);
    let lts: FxHashSet<u32> = match boss_phone {
        Some(b) => ties(b)
            .iter()
            .map(|t| t.0)
            .filter(|q| set.contains(q) && !core(*q))
            .collect(),
        None => FxHashSet::default(),
    };
    phones
        .iter()
        .map(|&p| {
            if core(p) {
                (Role::Operator, "operator: a suspect SIM of the gang".to_string())
            } else if Some(p) == boss_phone {
                let (_, _, inside, total) = boss.unwrap();
                (
                    Role::Boss,
                    format!(
                        "boss: {inside} of his {total} calls are with the gang, with {} lieutenant{}, none with an operator's SIM",
                        lts.len(),
                        if lts.len() == 1 { "" } else { "s" }
                    ),
                )
            } else if lts.contains(&p) {
                let n = ties(p).iter().filter(|t| set.contains(&t.0) && !lts.contains(&t.0) && Some(t.0) != boss_phone).count();
                (
                    Role::Lieutenant,
                    format!("lieutenant: talks to the boss and to {n} other member{}", if n == 1 { "" } else { "s" }),
                )
            } else if den(p) {
                (
                    Role::Operator,
                    "operator: own phone, used beside the gang's suspect SIMs".to_string(),
                )
            } else {
                let n = ties(p).iter().filter(|t| lts.contains(&t.0)).count();
                (
                    Role::Mule,
                    format!("mule: in contact with {n} of the gang's lieutenants, not with the boss or the operators"),
                )
            }
        })
        .collect()
}
