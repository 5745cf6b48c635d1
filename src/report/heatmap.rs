//! Hour-of-day × day-of-week activity grids — the "time wheel" investigators
//! read to see when a gang works (night shifts, weekday office hours) and
//! when incidents cluster. Counting is separate from drawing so the counts
//! can be checked by hand.
//!
//! # Complexity
//! Counting a gang's calls: O(Σ events of its phones); drawing: O(7 · 24).

use super::html::Esc;
use crate::graph::CaseGraph;
use crate::lead::hotspot::{Hotspot, WEEKDAYS};
use crate::model::time::{day_of_week, hour_of_day};
use std::fmt::Write;

/// Counts per weekday (Monday = 0) and hour of the case's wall clock.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Grid {
    pub counts: [[u32; 24]; 7],
}

impl Grid {
    pub fn total(&self) -> u64 {
        self.counts.iter().flatten().map(|&c| c as u64).sum()
    }
    pub fn max(&self) -> u32 {
        self.counts.iter().flatten().copied().max().unwrap_or(0)
    }
}

/// Every call and text with a gang phone at either end, each counted once.
/// `in_gang[p]`: phone `p` is one of the gang's.
pub fn gang_calls(g: &CaseGraph, phones: &[u32], in_gang: &[bool]) -> Grid {
    let mut grid = Grid::default();
    for &p in phones {
        for e in g.events_of(p) {
            // A call between two members is met twice; count it at its caller.
            let other = if e.caller == p { e.callee } else { e.caller };
            if e.caller != p && in_gang[other as usize] {
                continue;
            }
            grid.counts[day_of_week(e.start) as usize][hour_of_day(e.start) as usize] += 1;
        }
    }
    grid
}

/// Incidents of one category (all categories when `None`), from the hotspots.
pub fn incidents(hotspots: &[Hotspot], category: Option<&str>) -> Grid {
    let mut grid = Grid::default();
    for h in hotspots
        .iter()
        .filter(|h| category.is_none_or(|c| c == h.category))
    {
        grid.counts[h.weekday as usize % 7][h.hour as usize % 24] += h.incidents;
    }
    grid
}

/// A colour from pale yellow (few) to dark red (most), by share of the maximum.
fn shade(count: u32, max: u32) -> String {
    if count == 0 || max == 0 {
        return "#f7f7f7".into();
    }
    // Square root so a few busy hours do not wash the rest out.
    let t = (count as f64 / max as f64).sqrt();
    let lerp = |a: f64, b: f64| (a + (b - a) * t).round() as u8;
    format!(
        "#{:02x}{:02x}{:02x}",
        lerp(255.0, 165.0),
        lerp(237.0, 15.0),
        lerp(160.0, 21.0)
    )
}

/// The grid as an inline SVG: weekdays down, hours across, each cell
/// shaded and labelled with its count (a tooltip says it in words).
pub fn svg(grid: &Grid, title: &str) -> String {
    const CELL_W: u32 = 30;
    const CELL_H: u32 = 22;
    const LEFT: u32 = 40;
    const TOP: u32 = 22;
    let width = LEFT + 24 * CELL_W + 4;
    let height = TOP + 7 * CELL_H + 4;
    let max = grid.max();
    let mut s = String::new();
    let _ = write!(
        s,
        r#"<svg class="heatmap" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="{width}" height="{height}" role="img" aria-label="{}"><title>{}</title>"#,
        Esc(title),
        Esc(title)
    );
    for h in 0..24 {
        let _ = write!(
            s,
            r#"<text class="hm-hour" x="{}" y="{}">{h:02}</text>"#,
            LEFT + h * CELL_W + CELL_W / 2,
            TOP - 7
        );
    }
    for (d, row) in grid.counts.iter().enumerate() {
        let y = TOP + d as u32 * CELL_H;
        let _ = write!(
            s,
            r#"<text class="hm-day" x="{}" y="{}">{}</text>"#,
            LEFT - 6,
            y + CELL_H / 2 + 4,
            WEEKDAYS[d]
        );
        for (h, &c) in row.iter().enumerate() {
            let x = LEFT + h as u32 * CELL_W;
            let _ = write!(
                s,
                r#"<rect x="{x}" y="{y}" width="{}" height="{}" fill="{}" data-count="{c}"><title>{} {h:02}:00–{h:02}:59: {c}</title></rect>"#,
                CELL_W - 2,
                CELL_H - 2,
                shade(c, max),
                WEEKDAYS[d]
            );
            if c > 0 {
                let dark = max > 0 && (c as f64 / max as f64).sqrt() > 0.55;
                let _ = write!(
                    s,
                    r#"<text class="hm-n{}" x="{}" y="{}">{c}</text>"#,
                    if dark { " hm-dark" } else { "" },
                    x + (CELL_W - 2) / 2,
                    y + CELL_H / 2 + 3
                );
            }
        }
    }
    s.push_str("</svg>");
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tiny() -> CaseGraph {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/tiny");
        crate::open_case(&dir, &crate::ingest::IngestConfig::default()).unwrap()
    }

    #[test]
    fn gang_calls_on_demo_count_each_call_once_in_its_hour() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/demo");
        let g = crate::open_case(&dir, &crate::ingest::IngestConfig::default()).unwrap();
        let run = crate::lead::run(&g, &crate::lead::LeadConfig::default()).unwrap();
        let gang = &run.gangs[0];
        let phones: Vec<u32> = gang.members.iter().map(|m| m.phone_idx).collect();
        let mut in_gang = vec![false; g.phones.len()];
        for &p in &phones {
            in_gang[p as usize] = true;
        }
        let grid = gang_calls(&g, &phones, &in_gang);
        // Expected: the calls.csv rows with a gang phone at either end,
        // binned by hand from their start times.
        let mut expected = Grid::default();
        for e in &g.events {
            if in_gang[e.caller as usize] || in_gang[e.callee as usize] {
                expected.counts[day_of_week(e.start) as usize][hour_of_day(e.start) as usize] += 1;
            }
        }
        assert_eq!(grid, expected);
        assert!(grid.total() >= 2 && grid.total() <= g.events.len() as u64);
    }

    #[test]
    fn incident_grid_on_tiny() {
        let g = tiny();
        let hs = crate::lead::hotspot::hotspots(&g);
        let all = incidents(&hs, None);
        assert_eq!(all.total(), 4);
        let fraud = incidents(&hs, Some("fraud"));
        assert_eq!(fraud.total(), 3);
        // I1 2026-03-05 10:00 was a Thursday, I2 2026-03-06 11:00 a Friday,
        // I3 2026-03-12 09:00 a Thursday, I4 2026-03-13 15:00 a Friday (theft).
        assert_eq!(fraud.counts[3][10], 1);
        assert_eq!(fraud.counts[4][11], 1);
        assert_eq!(fraud.counts[3][9], 1);
        assert_eq!(all.counts[4][15], 1);
        assert_eq!(fraud.counts[4][15], 0);
    }

    #[test]
    fn the_drawing_has_a_cell_per_hour_of_the_week() {
        let mut grid = Grid::default();
        grid.counts[2][23] = 5;
        grid.counts[0][0] = 1;
        let s = svg(&grid, "calls <G1>");
        assert_eq!(s.matches("<rect").count(), 168);
        assert!(s.contains(r#"data-count="5""#));
        assert!(s.contains("calls &lt;G1&gt;"));
        assert!(s.contains("Wed 23:00–23:59: 5"));
    }
}
