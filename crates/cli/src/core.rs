//! Arguments of `blockstack-core`.

use clap::{Parser, Subcommand};

use crate::command::decode::Decode;

/// The Blockstack Core node: BNS indexer, Atlas and the node RPC.
#[derive(Debug, Parser)]
#[command(name = "blockstack-core", version, about)]
pub struct Arguments {
    /// Log at debug level.
    #[arg(long, global = true)]
    pub debug: bool,
    /// The command to run.
    #[command(subcommand)]
    pub command: Command,
}

/// The commands of `blockstack-core`.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Print the BNS operation in a raw transaction as JSON.
    Decode(Decode),
}

impl Arguments {
    /// Runs the command and returns what to print.
    pub fn run(self) -> anyhow::Result<String> {
        match self.command {
            Command::Decode(d) => d.run(),
        }
    }
}
