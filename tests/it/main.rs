//! Integration tests of casegraph: the library on the fixtures, and the
//! binary as an investigator runs it. One test binary; one module per area.

mod cli;
mod ingest;
mod snapshot;
mod stored_contact;
mod tiny;
mod util;
