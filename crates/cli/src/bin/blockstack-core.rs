//! `blockstack-core`: the Blockstack Core node.

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let args = blockstack_cli::core::Arguments::parse();
    match args.run() {
        Ok(output) => {
            println!("{output}");
            ExitCode::SUCCESS
        }
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::FAILURE
        }
    }
}
