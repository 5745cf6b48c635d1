//! Roles inside a gang, from the structure of its evidence, each with a
//! confidence in [0, 1]. Roles are given to holders (every phone of a
//! holder carries his role):
//! - **operator**: holds a fraud SIM (a burner, a SIM named in fraud
//!   reports or fanning out to victims) and is not part of the leadership;
//! - **lieutenant**: the one other members report to — the member with
//!   more gang contacts than a member he calls most (his *handler* is
//!   someone above him), handling at least one member, with at least two
//!   gang contacts;
//! - **boss**: a member above the lieutenants: everyone he calls in the
//!   gang has at least as many gang contacts as he does, he reaches the
//!   operators only through lieutenants (no calls with an operator who is
//!   not one, no one but lieutenants reporting to him, no den, handset,
//!   registration, report or account shared with a fraud SIM), and he
//!   talks to the most lieutenants, at least two. When two or more members
//!   fit equally, or the one who fits talks to a single lieutenant (an
//!   operator's own phone calling his handler looks the same), no boss is
//!   named: the gang's *leadership* lists them;
//! - **mule**: holds a phone with money-flow evidence (named beside an
//!   account that fraud reports send money to) and no fraud SIM;
//! - **member**: tied to the gang by enough evidence, without a role the
//!   structure singles out. No one is called a mule without money flow.
//!
//! # Complexity
//! O(Σ ties of the gang's holders).

use crate::lead::ties::Ties;
use rustc_hash::FxHashMap;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Boss,
    Lieutenant,
    /// Bridges gangs (see [`crate::lead::broker`]).
    Broker,
    Operator,
    Mule,
    /// In the gang on its evidence, role not singled out.
    Member,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Boss => "boss",
            Role::Lieutenant => "lieutenant",
            Role::Broker => "broker",
            Role::Operator => "operator",
            Role::Mule => "mule",
            Role::Member => "member",
        }
    }
}

/// A holder's role, why, and how sure.
#[derive(Debug, Clone, PartialEq)]
pub struct HolderRole {
    pub role: Role,
    pub reason: String,
    pub confidence: f64,
}

/// Roles of one gang's holders (same order as `members`), and its
/// leadership when no single boss stands out.
#[derive(Debug, Clone, PartialEq)]
pub struct Roles {
    pub of: Vec<HolderRole>,
    /// Holders (indices into `members`) the evidence puts at the top when
    /// it does not single out a boss; empty when a boss is named.
    pub leadership: Vec<usize>,
}

/// What [`assign`] needs per holder of the gang.
pub struct Holder {
    pub unit: u32,
    /// Holds a burner.
    pub burner: bool,
    /// Holds another fraud SIM (named in fraud reports, rotated with a burner).
    pub fraud_sim: bool,
    /// Holds a phone named beside an account in fraud reports.
    pub money: bool,
    /// Call events of all his phones, with anyone.
    pub all_calls: u32,
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

/// Roles of the holders `members` of one gang.
pub fn assign(members: &[Holder], ties: &Ties) -> Roles {
    let gang = CallStructure::new(members, ties);
    let cands = gang.boss_candidates();
    let best = cands.iter().map(|c| c.1).max().unwrap_or(0);
    let top: Vec<&BossCandidate> = cands.iter().filter(|c| c.1 == best).collect();
    let boss = (top.len() == 1 && best >= 2).then(|| *top[0]);
    let leadership: Vec<usize> = if boss.is_none() && !top.is_empty() {
        top.iter().map(|c| c.0).collect()
    } else if boss.is_none() {
        gang.best_connected_lieutenants()
    } else {
        Vec::new()
    };
    let of = (0..members.len())
        .map(|i| match boss.filter(|b| b.0 == i) {
            Some(b) => gang.boss_role(b),
            None => gang.role_below_the_boss(i, &leadership),
        })
        .collect();
    Roles { of, leadership }
}

/// A member who may be the boss: (member, lieutenants he talks to, share
/// of his calls that are with the gang).
type BossCandidate = (usize, usize, f64);

/// Who calls whom inside one gang, and who reports to whom.
struct CallStructure<'a> {
    members: &'a [Holder],
    /// Call ties inside the gang: (other member, events).
    calls: Vec<Vec<(usize, u32)>>,
    /// Gang contacts by calls.
    degree: Vec<usize>,
    /// The members who report to each member (whose handler he is).
    handles: Vec<Vec<usize>>,
    is_lt: Vec<bool>,
    n_lts: usize,
    /// Tied to a member holding a fraud SIM by evidence other than calls
    /// (den, handset, registration, report, account).
    hands_on: Vec<bool>,
}

impl<'a> CallStructure<'a> {
    fn new(members: &'a [Holder], ties: &Ties) -> Self {
        let n = members.len();
        let pos: FxHashMap<u32, usize> = members
            .iter()
            .enumerate()
            .map(|(i, h)| (h.unit, i))
            .collect();
        let calls: Vec<Vec<(usize, u32)>> = members
            .iter()
            .map(|h| {
                ties.of(h.unit)
                    .iter()
                    .filter(|t| t.calls > 0)
                    .filter_map(|t| pos.get(&t.other).map(|&j| (j, t.calls)))
                    .collect()
            })
            .collect();
        let degree: Vec<usize> = calls.iter().map(|c| c.len()).collect();
        let handles = who_reports_to_whom(&calls, &degree);
        let is_lt: Vec<bool> = (0..n)
            .map(|j| !handles[j].is_empty() && degree[j] >= 2)
            .collect();
        let n_lts = is_lt.iter().filter(|&&x| x).count();
        let fraud = |j: usize| members[j].burner || members[j].fraud_sim;
        let hands_on: Vec<bool> = members
            .iter()
            .map(|h| {
                ties.of(h.unit).iter().any(|t| {
                    t.kinds & !crate::lead::ties::Evidence::Calls.bit() != 0
                        && pos.get(&t.other).is_some_and(|&j| fraud(j))
                })
            })
            .collect();
        CallStructure {
            members,
            calls,
            degree,
            handles,
            is_lt,
            n_lts,
            hands_on,
        }
    }

    /// Holds a burner or another fraud SIM.
    fn fraud(&self, i: usize) -> bool {
        self.members[i].burner || self.members[i].fraud_sim
    }

    /// Boss candidates: at the top of the call hierarchy, no fraud SIM, no
    /// calls with an operator who is not a lieutenant, in touch with
    /// lieutenants.
    fn boss_candidates(&self) -> Vec<BossCandidate> {
        let (calls, degree, is_lt) = (&self.calls, &self.degree, &self.is_lt);
        let mut cands: Vec<BossCandidate> = Vec::new();
        for i in 0..self.members.len() {
            if self.fraud(i) || calls[i].is_empty() {
                continue;
            }
            let top = calls[i].iter().all(|&(j, _)| degree[j] >= degree[i]);
            // He reaches the operation only through others: no calls with
            // an operator who is not a lieutenant, no one but lieutenants
            // reporting to him, and no den, handset, registration, report
            // or account shared with a fraud SIM (that is working it).
            let via_lts = calls[i].iter().all(|&(j, _)| !self.fraud(j) || is_lt[j])
                && self.handles[i].iter().all(|&j| is_lt[j])
                && !self.hands_on[i];
            let lts = calls[i]
                .iter()
                .filter(|&&(j, _)| is_lt[j] && j != i)
                .count();
            if top && via_lts && lts > 0 {
                let inside: u32 = calls[i].iter().map(|c| c.1).sum();
                let share = inside as f64 / self.members[i].all_calls.max(inside).max(1) as f64;
                cands.push((i, lts, share));
            }
        }
        cands
    }

    /// No one above the lieutenants: the lieutenants with the most gang
    /// contacts lead together.
    fn best_connected_lieutenants(&self) -> Vec<usize> {
        let n = self.members.len();
        let d = (0..n)
            .filter(|&j| self.is_lt[j])
            .map(|j| self.degree[j])
            .max()
            .unwrap_or(0);
        (0..n)
            .filter(|&j| self.is_lt[j] && self.degree[j] == d)
            .collect()
    }

    fn boss_role(&self, (_, lts, share): BossCandidate) -> HolderRole {
        let n_lts = self.n_lts;
        HolderRole {
            role: Role::Boss,
            reason: format!(
                "boss: above the lieutenants — talks to {lts} of the gang's {n_lts} lieutenant{}, everyone he calls in the gang has at least as many gang contacts, no calls with an operator; {:.0}% of his calls are with the gang",
                plural(n_lts),
                share * 100.0
            ),
            confidence: (lts as f64 / n_lts.max(1) as f64) * share,
        }
    }

    /// The role of member `i`, not the boss: lieutenant, operator, mule or
    /// member (of the `leadership` or not), in that order of precedence.
    fn role_below_the_boss(&self, i: usize, leadership: &[usize]) -> HolderRole {
        let degree = &self.degree;
        if self.is_lt[i] {
            let below = self.handles[i].len();
            let ops = self.handles[i].iter().filter(|&&j| self.fraud(j)).count();
            return HolderRole {
                role: Role::Lieutenant,
                reason: format!(
                    "lieutenant: {below} member{} report{} to him ({ops} operator{}); {} gang contacts",
                    plural(below),
                    if below == 1 { "s" } else { "" },
                    plural(ops),
                    degree[i]
                ),
                confidence: below as f64 / degree[i].max(1) as f64,
            };
        }
        if self.fraud(i) {
            let (what, conf) = if self.members[i].burner {
                ("holds the gang's burner SIMs", 1.0)
            } else {
                ("holds a SIM named in fraud reports or calling victims", 0.7)
            };
            return HolderRole {
                role: Role::Operator,
                reason: format!("operator: {what}"),
                confidence: conf,
            };
        }
        if self.members[i].money {
            return HolderRole {
                role: Role::Mule,
                reason: "mule: a phone named beside an account that fraud victims paid into, no fraud SIM".into(),
                confidence: 0.6,
            };
        }
        let lead = leadership.contains(&i);
        HolderRole {
            role: Role::Member,
            reason: if lead {
                "member of the gang's leadership (no single boss stands out)".into()
            } else {
                format!(
                    "member: {} gang contact{} by calls, no fraud SIM or money flow of his own",
                    degree[i],
                    plural(degree[i])
                )
            },
            confidence: if lead { 0.5 } else { 0.3 },
        }
    }
}

/// Each member's handler is the member he calls most among those with more
/// gang contacts than he has (ties: the lower index); the members each
/// member handles.
fn who_reports_to_whom(calls: &[Vec<(usize, u32)>], degree: &[usize]) -> Vec<Vec<usize>> {
    let n = calls.len();
    let handler: Vec<Option<usize>> = (0..n)
        .map(|i| {
            calls[i]
                .iter()
                .filter(|&&(j, _)| degree[j] > degree[i])
                .max_by(|a, b| a.1.cmp(&b.1).then(b.0.cmp(&a.0)))
                .map(|x| x.0)
        })
        .collect();
    let mut handles: Vec<Vec<usize>> = vec![Vec::new(); n];
    for (i, h) in handler.iter().enumerate() {
        if let Some(j) = h {
            handles[*j].push(i);
        }
    }
    handles
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lead::ties::Evidence::{Calls, Colocation};

    const CALLS: u8 = 1 << Calls as u8;
    const DEN: u8 = 1 << Colocation as u8;

    fn holders(n: u32, fraud: &[u32]) -> Vec<Holder> {
        (0..n)
            .map(|u| Holder {
                unit: u,
                burner: fraud.contains(&u),
                fraud_sim: false,
                money: false,
                all_calls: 10,
            })
            .collect()
    }

    #[test]
    fn an_operators_own_phone_calling_his_handler_is_not_the_boss() {
        // Own medium 9601, once lieutenants joined gangs by repeated calls:
        // an operator's own phone (2) calls only his lieutenant (3) and
        // works at the den beside the burners (0, 1) that the lieutenant
        // handles. In the calls he sat above the gang's one lieutenant and
        // was named boss. He works the operation, and one lieutenant is
        // not a hierarchy: no boss, the lieutenant leads.
        let list = [
            (3, 0, CALLS, 1.0),
            (3, 1, CALLS, 1.0),
            (3, 2, CALLS, 1.0),
            (2, 0, DEN, 1.0),
        ];
        let ties = Ties::from_list(4, &[0, 1], &list);
        let roles = assign(&holders(4, &[0, 1]), &ties);
        assert!(roles.of.iter().all(|r| r.role != Role::Boss), "{roles:?}");
        assert_eq!(roles.of[3].role, Role::Lieutenant);
        assert_eq!(roles.leadership, vec![3]);
    }

    #[test]
    fn the_boss_talks_to_two_lieutenants_and_to_no_operator() {
        // Burners 0, 1 report to lieutenant 3, burners 6, 7 to lieutenant
        // 5; 4 calls both lieutenants and nothing else ties him to the
        // operation.
        let list = [
            (3, 0, CALLS, 1.0),
            (3, 1, CALLS, 1.0),
            (5, 6, CALLS, 1.0),
            (5, 7, CALLS, 1.0),
            (4, 3, CALLS, 1.0),
            (4, 5, CALLS, 1.0),
        ];
        let fraud = [0, 1, 6, 7];
        let ties = Ties::from_list(8, &fraud, &list);
        let roles = assign(&holders(8, &fraud), &ties);
        assert_eq!(roles.of[4].role, Role::Boss, "{roles:?}");
        assert_eq!(roles.of[3].role, Role::Lieutenant);
        assert_eq!(roles.of[5].role, Role::Lieutenant);
        assert!(roles.leadership.is_empty());
    }
}
