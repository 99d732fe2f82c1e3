//! `blockstack`: the Blockstack command-line client.

use std::process::ExitCode;

use blockstack_cli::client::output::render;
use blockstack_cli::client::Arguments;
use clap::Parser;

fn main() -> ExitCode {
    let args = Arguments::parse();
    if args.globals.debug {
        let _ = tracing_subscriber::fmt()
            .with_writer(std::io::stderr)
            .with_env_filter("debug")
            .try_init();
    }
    match args.run() {
        Ok(output) => {
            let (text, is_error) = output.text();
            if is_error {
                eprintln!("{text}");
                ExitCode::FAILURE
            } else {
                println!("{text}");
                ExitCode::SUCCESS
            }
        }
        Err(err) => {
            eprintln!(
                "{}",
                render(&serde_json::json!({ "error": format!("{err:#}") }))
            );
            ExitCode::FAILURE
        }
    }
}
