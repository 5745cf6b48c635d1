//! The `casegraph` command: parses arguments, runs one subcommand of the
//! library, renders its result, and turns errors into exit codes
//! (0 done, 1 rejected rows under `--strict` / nothing found, 2 fatal).

mod cli;

use std::process::ExitCode;

fn main() -> ExitCode {
    cli::main()
}
