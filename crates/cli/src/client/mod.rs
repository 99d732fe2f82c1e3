//! The `blockstack` CLI: the clap tree, with one module per command.
//!
//! Every command returns a JSON value, printed with four-space indents and
//! sorted keys as the original printed it; a failure, or a result with an
//! `error` key, is printed to stderr and exits with status 1 (cli-wallet.md
//! §a.1). Name transactions that the original sends through the API daemon
//! (`register`, `update`, `transfer`, `renew`, `revoke`) call its REST
//! write endpoints; everything else talks to the node and bitcoind directly.

pub mod context;
pub mod keyarg;
pub mod output;

pub mod announce;
pub mod api;
pub mod balance;
pub mod configure;
pub mod consensus;
pub mod deposit;
pub mod get_name_blockchain_history;
pub mod get_name_blockchain_record;
pub mod get_name_zonefile;
pub mod get_names_in_namespace;
pub mod get_names_owned_by_address;
pub mod get_namespace_blockchain_record;
pub mod import;
pub mod info;
pub mod lookup;
pub mod name_import;
pub mod names;
pub mod namespace_preorder;
pub mod namespace_ready;
pub mod namespace_reveal;
pub mod price;
pub mod queue;
pub mod register;
pub mod renew;
pub mod revoke;
pub mod set_zonefile_hash;
pub mod setup;
pub mod transfer;
pub mod update;
pub mod wallet;
pub mod whois;
pub mod withdraw;
pub mod zonefile_push;

use std::path::PathBuf;

use clap::{ArgAction, Parser, Subcommand};
use serde_json::Value as Json;

pub use context::Context;
pub use output::Output;

/// The Blockstack command-line client: names, namespaces and the wallet.
#[derive(Debug, Parser)]
#[command(
    name = "blockstack",
    version,
    disable_version_flag = true,
    about = "The Blockstack command-line client: names, namespaces and the wallet"
)]
pub struct Arguments {
    /// Options every command takes.
    #[command(flatten)]
    pub globals: Globals,
    /// The command.
    #[command(subcommand)]
    pub command: Command,
}

/// The global options of the original CLI (cli-wallet.md §a.1).
#[derive(Clone, Debug, Default, clap::Args)]
pub struct Globals {
    /// Verbose logging.
    #[arg(short = 'd', long, global = true, env = "BLOCKSTACK_DEBUG")]
    pub debug: bool,
    /// The `client.ini` to use; its directory holds the wallet and the queues.
    #[arg(short = 'c', long, global = true, env = "BLOCKSTACK_CLIENT_CONFIG")]
    pub config: Option<PathBuf>,
    /// Assume "yes" at every prompt.
    #[arg(short = 'y', long, global = true)]
    pub yes: bool,
    /// The wallet password (else `BLOCKSTACK_WALLET_PASSWORD`, else a prompt).
    #[arg(short = 'p', long, global = true, hide_env_values = true)]
    pub password: Option<String>,
    /// Build and sign, but do not broadcast; print the transaction.
    #[arg(
        short = 'n',
        long = "dry_run",
        global = true,
        env = "BLOCKSTACK_DRY_RUN"
    )]
    pub dry_run: bool,
    /// The API daemon's password (else `client.ini`'s).
    #[arg(
        short = 'a',
        long = "api_password",
        global = true,
        env = "BLOCKSTACK_API_PASSWORD",
        hide_env_values = true
    )]
    pub api_password: Option<String>,
    /// The node's host, overriding `client.ini`.
    #[arg(short = 'H', long, global = true, env = "BLOCKSTACK_CLI_SERVER_HOST")]
    pub host: Option<String>,
    /// The node's port, overriding `client.ini`.
    #[arg(short = 'P', long, global = true, env = "BLOCKSTACK_CLI_SERVER_PORT")]
    pub port: Option<u16>,
    /// Print the version.
    #[arg(short = 'v', long, action = ArgAction::Version)]
    pub version: Option<bool>,
}

/// The commands.
#[derive(Debug, Subcommand)]
#[command(rename_all = "snake_case")]
pub enum Command {
    /// The node's status.
    Ping(info::Info),
    /// The node's status (with the registrar's queues when the API daemon runs).
    Info(info::Info),
    /// The price of a name or namespace, with the transaction fees.
    Price(price::Price),
    /// A name's zone file and data public key.
    Lookup(lookup::Lookup),
    /// A name's blockchain information.
    Whois(whois::Whois),
    /// The names the wallet's owner address holds.
    Names(names::Names),
    /// The payment address's balance.
    Balance(balance::Balance),
    /// The address to send bitcoins to.
    Deposit(deposit::Deposit),
    /// The address to send names to.
    Import(import::Import),
    /// Send bitcoins from the payment address.
    Withdraw(withdraw::Withdraw),
    /// The wallet's addresses and private keys.
    Wallet(wallet::ShowWallet),
    /// Register a name (through the API daemon).
    Register(register::Register),
    /// Set a name's zone file (through the API daemon).
    Update(update::Update),
    /// Give a name to another address (through the API daemon).
    Transfer(transfer::Transfer),
    /// Renew a name (through the API daemon).
    Renew(renew::Renew),
    /// Revoke a name (through the API daemon).
    Revoke(revoke::Revoke),
    /// Preorder a namespace.
    NamespacePreorder(namespace_preorder::NamespacePreorder),
    /// Reveal a namespace and set its price function.
    NamespaceReveal(namespace_reveal::NamespaceReveal),
    /// Launch a revealed namespace.
    NamespaceReady(namespace_ready::NamespaceReady),
    /// Import a name into a revealed namespace.
    NameImport(name_import::NameImport),
    /// Announce a message's hash.
    Announce(announce::Announce),
    /// A name's zone file.
    GetNameZonefile(get_name_zonefile::GetNameZonefile),
    /// Set a name's zone-file hash directly.
    SetZonefileHash(set_zonefile_hash::SetZonefileHash),
    /// Upload a zone file whose hash is on chain to the node.
    ZonefilePush(zonefile_push::ZonefilePush),
    /// A name's record with its history.
    GetNameBlockchainRecord(get_name_blockchain_record::GetNameBlockchainRecord),
    /// A name's history, by block.
    GetNameBlockchainHistory(get_name_blockchain_history::GetNameBlockchainHistory),
    /// A namespace's record.
    GetNamespaceBlockchainRecord(get_namespace_blockchain_record::GetNamespaceBlockchainRecord),
    /// The names in a namespace, 100 per page.
    GetNamesInNamespace(get_names_in_namespace::GetNamesInNamespace),
    /// The names an address owns.
    GetNamesOwnedByAddress(get_names_owned_by_address::GetNamesOwnedByAddress),
    /// The consensus hash at a block.
    Consensus(consensus::Consensus),
    /// Write `client.ini`.
    Configure(configure::Configure),
    /// Create `client.ini` and the wallet.
    Setup(setup::Setup),
    /// Control the REST API daemon and its registrar: start, start-foreground, stop, status.
    Api(api::Api),
    /// Every row of the registrar's queue.
    Queue(queue::Queue),
    /// What the registrar is doing for one name.
    Status(queue::Status),
}

impl Arguments {
    /// Runs the command and returns what to print.
    pub fn run(self) -> anyhow::Result<Output> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        runtime.block_on(self.dispatch())
    }

    async fn dispatch(self) -> anyhow::Result<Output> {
        let ctx = Context::new(self.globals)?;
        let json: Json = match self.command {
            Command::Ping(c) => c.run(&ctx, false).await,
            Command::Info(c) => c.run(&ctx, true).await,
            Command::Price(c) => c.run(&ctx).await,
            Command::Lookup(c) => c.run(&ctx).await,
            Command::Whois(c) => c.run(&ctx).await,
            Command::Names(c) => c.run(&ctx).await,
            Command::Balance(c) => c.run(&ctx).await,
            Command::Deposit(c) => c.run(&ctx),
            Command::Import(c) => c.run(&ctx),
            Command::Withdraw(c) => c.run(&ctx).await,
            Command::Wallet(c) => c.run(&ctx).await,
            Command::Register(c) => c.run(&ctx).await,
            Command::Update(c) => c.run(&ctx).await,
            Command::Transfer(c) => c.run(&ctx).await,
            Command::Renew(c) => c.run(&ctx).await,
            Command::Revoke(c) => c.run(&ctx).await,
            Command::NamespacePreorder(c) => c.run(&ctx).await,
            Command::NamespaceReveal(c) => c.run(&ctx).await,
            Command::NamespaceReady(c) => c.run(&ctx).await,
            Command::NameImport(c) => c.run(&ctx).await,
            Command::Announce(c) => c.run(&ctx).await,
            Command::SetZonefileHash(c) => c.run(&ctx).await,
            Command::ZonefilePush(c) => c.run(&ctx).await,
            Command::GetNameBlockchainRecord(c) => c.run(&ctx).await,
            Command::GetNameBlockchainHistory(c) => c.run(&ctx).await,
            Command::GetNamespaceBlockchainRecord(c) => c.run(&ctx).await,
            Command::GetNamesInNamespace(c) => c.run(&ctx).await,
            Command::GetNamesOwnedByAddress(c) => c.run(&ctx).await,
            Command::Consensus(c) => c.run(&ctx).await,
            Command::Configure(c) => c.run(&ctx),
            Command::Setup(c) => c.run(&ctx),
            Command::Api(c) => c.run(&ctx).await,
            Command::Queue(c) => c.run(&ctx).await,
            Command::Status(c) => c.run(&ctx).await,
            Command::GetNameZonefile(c) => return c.run(&ctx).await,
        }?;
        Ok(Output::Json(json))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_command_tree_is_consistent() {
        Arguments::command().debug_assert();
    }

    #[test]
    fn commands_have_the_original_names_and_globals_go_anywhere() {
        let args = Arguments::try_parse_from([
            "blockstack",
            "get_name_blockchain_record",
            "foo.test",
            "-y",
            "-n",
            "-c",
            "/tmp/client.ini",
        ])
        .expect("parses");
        assert!(args.globals.yes && args.globals.dry_run);
        assert!(matches!(args.command, Command::GetNameBlockchainRecord(_)));
        let args = Arguments::try_parse_from([
            "blockstack",
            "--dry_run",
            "namespace_reveal",
            "test",
            "pay",
            "reveal",
            "txid",
            "--lifetime",
            "100",
            "--buckets",
            "1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1",
            "--receive-fees",
        ])
        .expect("parses");
        assert!(args.globals.dry_run);
        let Command::NamespaceReveal(r) = args.command else {
            panic!("namespace_reveal");
        };
        let params = r.params().expect("valid");
        assert_eq!(params.lifetime, 100);
        assert_eq!(params.version, 2);
        let args = Arguments::try_parse_from(["blockstack", "api", "start-foreground", "pw"])
            .expect("parses");
        let Command::Api(api) = args.command else {
            panic!("api");
        };
        assert_eq!(api.command, api::ApiCommand::StartForeground);
        assert_eq!(api.wallet_password.as_deref(), Some("pw"));
        assert!(Arguments::try_parse_from(["blockstack", "api", "launch"]).is_err());
    }
}
