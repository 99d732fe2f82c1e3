//! Arguments of `blockstack-core`.

use std::path::PathBuf;

use clap::{Parser, Subcommand};

use crate::command::{
    configure::Configure, decode::Decode, fast_sync::FastSync, info::Info, snapshot::Snapshot,
    start::Start, stop::Stop,
};

/// The Blockstack Core node: BNS indexer, Atlas and the node RPC.
#[derive(Debug, Parser)]
#[command(name = "blockstack-core", version, about)]
pub struct Arguments {
    /// Log at debug level.
    #[arg(long, global = true)]
    pub debug: bool,
    /// The node's working directory (default `~/.blockstack-server`, or `~/.blockstack-devnet`
    /// with `start --devnet`).
    #[arg(long, global = true, env = "BLOCKSTACK_WORKING_DIR")]
    pub working_dir: Option<PathBuf>,
    /// The command to run.
    #[command(subcommand)]
    pub command: Command,
}

/// The commands of `blockstack-core`.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Write `blockstack-server.ini` for a network and a bitcoind.
    Configure(Configure),
    /// Start the node (detached unless `--foreground`).
    Start(Start),
    /// Stop the node running in the working directory.
    Stop(Stop),
    /// Print the node's state as JSON.
    Info(Info),
    /// Print the BNS operation in a raw transaction as JSON.
    Decode(Decode),
    /// Make, co-sign or inspect a signed fast-sync snapshot of the node's state.
    Snapshot(Snapshot),
    /// Restore the node's state from a signed snapshot (a URL or a file).
    #[command(name = "fast_sync", alias = "fast-sync")]
    FastSync(FastSync),
}

/// The options every command sees.
#[derive(Clone, Debug)]
pub struct Globals {
    /// Log at debug level.
    pub debug: bool,
    /// The working directory given on the command line or in the environment.
    pub working_dir: Option<PathBuf>,
}

impl Globals {
    /// The working directory, or `default` under the home directory.
    pub fn working_dir_or(&self, default: &str) -> PathBuf {
        self.working_dir.clone().unwrap_or_else(|| {
            std::env::var_os("HOME")
                .map_or_else(|| PathBuf::from("."), PathBuf::from)
                .join(default)
        })
    }
}

impl Arguments {
    /// Runs the command and returns what to print.
    pub fn run(self) -> anyhow::Result<String> {
        let globals = Globals {
            debug: self.debug,
            working_dir: self.working_dir,
        };
        match self.command {
            Command::Configure(c) => c.run(&globals),
            Command::Start(c) => c.run(&globals),
            Command::Stop(c) => c.run(&globals),
            Command::Info(c) => c.run(&globals),
            Command::Decode(d) => d.run(),
            Command::Snapshot(c) => c.run(&globals),
            Command::FastSync(c) => c.run(&globals),
        }
    }
}
