//! Money to accounts: bank accounts that fraud reports name as where the
//! money went. An account named by several victims is a mule account; the
//! phones named beside it belong to the gang that uses it.
//!
//! # Complexity
//! O(I) over incident account lists.

use super::{Context, Hit, PatternKind};
use crate::graph::provenance::NodeRef;
use crate::model::NodeKind;
use std::collections::BTreeMap;

/// Fraud incidents naming each account, in account order.
pub fn accounts_named(ctx: &Context) -> BTreeMap<u32, Vec<u32>> {
    let g = ctx.graph;
    let mut by: BTreeMap<u32, Vec<u32>> = BTreeMap::new();
    for &i in &ctx.fraud {
        for &a in g.list(g.incidents[i as usize].accounts) {
            by.entry(a).or_default().push(i);
        }
    }
    by
}

pub fn detect(ctx: &Context) -> Vec<Hit> {
    let g = ctx.graph;
    accounts_named(ctx)
        .into_iter()
        .map(|(a, inc)| {
            let loss: f64 = inc
                .iter()
                .map(|&i| g.incidents[i as usize].loss)
                .filter(|l| l.is_finite())
                .sum();
            let mut phones: Vec<u32> = inc
                .iter()
                .flat_map(|&i| g.list(g.incidents[i as usize].phones).iter().copied())
                .filter(|&p| ctx.eligible(p))
                .collect();
            phones.sort_unstable();
            phones.dedup();
            let ids: Vec<&str> = inc
                .iter()
                .map(|&i| g.str(g.incidents[i as usize].incident_id))
                .collect();
            Hit {
                kind: PatternKind::MoneyToAccounts,
                entity: NodeRef {
                    kind: NodeKind::Account,
                    idx: a,
                },
                entity_id: g.str(g.accounts[a as usize]).to_string(),
                reason: format!(
                    "money to account: named in {} fraud report{} ({}), {:.2} yuan lost",
                    inc.len(),
                    if inc.len() == 1 { "" } else { "s" },
                    ids.join(", "),
                    loss
                ),
                phones,
                sources: inc
                    .iter()
                    .take(super::MAX_SOURCES)
                    .map(|&i| format!("incidents.csv:{}", g.incidents[i as usize].line))
                    .collect(),
            }
        })
        .collect()
}
