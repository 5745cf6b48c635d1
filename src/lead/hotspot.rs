//! Hotspots: incidents per place and hour of week, per category, ranked —
//! for planning patrols.
//!
//! # Complexity
//! O(I log I) over the incidents.

use crate::graph::{CaseGraph, NONE};
use crate::model::time::{day_of_week, hour_of_day};
use std::collections::BTreeMap;

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Hotspot {
    pub category: String,
    pub location_id: String,
    pub location_name: String,
    /// Monday = 0.
    pub weekday: u32,
    pub hour: u32,
    pub incidents: u32,
    pub loss: f64,
    pub sources: Vec<String>,
}

pub const WEEKDAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];

/// Hotspots, most incidents first (ties: category, place, weekday, hour).
pub fn hotspots(g: &CaseGraph) -> Vec<Hotspot> {
    let mut by: BTreeMap<(u8, u32, u32, u32), Vec<u32>> = BTreeMap::new();
    for (i, inc) in g.incidents.iter().enumerate() {
        if inc.location == NONE {
            continue;
        }
        by.entry((
            inc.category,
            inc.location,
            day_of_week(inc.time),
            hour_of_day(inc.time),
        ))
        .or_default()
        .push(i as u32);
    }
    let mut out: Vec<Hotspot> = by
        .into_iter()
        .map(|((_, loc, wd, h), inc)| {
            let first = &g.incidents[inc[0] as usize];
            let l = &g.locations[loc as usize];
            Hotspot {
                category: first.category().as_str().to_string(),
                location_id: g.str(l.location_id).to_string(),
                location_name: g.str(l.name).to_string(),
                weekday: wd,
                hour: h,
                incidents: inc.len() as u32,
                loss: inc
                    .iter()
                    .map(|&i| g.incidents[i as usize].loss)
                    .filter(|x| x.is_finite())
                    .sum(),
                sources: inc
                    .iter()
                    .take(8)
                    .map(|&i| format!("incidents.csv:{}", g.incidents[i as usize].line))
                    .collect(),
            }
        })
        .collect();
    out.sort_by_key(|h| std::cmp::Reverse(h.incidents));
    out
}
