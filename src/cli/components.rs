//! `casegraph components CASE`: which phones are linked by any chain of
//! contact. CSV: `component_id,node_kind,node_id`; the table view shows each
//! component's size and its best-connected members.

use super::contacts::{emit, ContactArgs};
use super::output::FormatArgs;
use casegraph::analysis::{components, ComponentsConfig};
use std::time::Instant;

#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(flatten)]
    contacts: ContactArgs,
    /// Leave out components with fewer nodes
    #[arg(long, default_value_t = casegraph::analysis::components::DEFAULT_MIN_SIZE, value_name = "N")]
    min_size: u32,
    /// Components to show in the table view
    #[arg(long, default_value_t = 20, value_name = "N")]
    top: usize,
    #[command(flatten)]
    format: FormatArgs,
}

pub fn run(args: Args) -> anyhow::Result<u8> {
    let loaded = args.contacts.load()?;
    let g = &loaded.graph;
    let t0 = Instant::now();
    let c = components(
        g,
        &ComponentsConfig {
            min_size: args.min_size,
        },
    )?;
    loaded.report_time("components", t0);
    let format = args.format.format();
    let main = vec![super::contacts::group_table(
        &loaded,
        ("components", "component_id"),
        c.len(),
        |k| c.members(k),
        args.top,
        format,
    )];
    let largest = if c.is_empty() { 0 } else { c.size(0) };
    emit(
        format,
        main,
        vec![
            ("nodes", g.n_nodes().into()),
            ("pairs", g.n_edges().into()),
            ("components", c.n_total.into()),
            ("components_shown", c.len().into()),
            ("largest", largest.into()),
        ],
        &loaded,
    )?;
    Ok(if c.is_empty() { 1 } else { 0 })
}
