//! `blockstack`: the Blockstack command-line client.

use std::process::ExitCode;

fn main() -> ExitCode {
    eprintln!("error: no command given");
    ExitCode::FAILURE
}
