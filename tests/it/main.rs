//! Integration tests of casegraph: the library on the fixtures, and the
//! binary as an investigator runs it. One test binary, one module per area;
//! `util` is the harness. A new area is a new file here and one `mod` line
//! below, kept in alphabetical order.

mod analysis_cli;
mod analysis_passes;
mod analysis_published;
mod analysis_reference;
mod cli;
mod crash_safety;
mod delivered;
mod delivered_property;
mod dependencies;
mod determinism;
mod dist;
mod export;
mod fuzz_regressions;
mod generate;
mod ingest;
mod leads;
mod leads_folder;
mod limits;
mod nothing_lost;
mod query;
mod report;
mod report_browser;
mod resolve;
mod resolve_decisions;
mod safe_outputs;
mod serve;
mod serve_browser;
mod snapshot;
mod stored_contact;
mod terminal;
mod tiny;
mod util;
