//! `configure`: (re)write `client.ini`. Every value can be given as an
//! option, so scripts never need a prompt; without options, and with a
//! terminal, each value is asked with its current one as the default.

use std::io::{BufRead, IsTerminal, Write};

use blockstack_client::config::{
    generate_api_password, BitcoindEndpoint, ClientNetwork, SighashKind,
};
use serde_json::{json, Value as Json};

use super::Context;

/// Options.
#[derive(Debug, Default, clap::Args)]
pub struct Configure {
    /// The node's host.
    #[arg(long)]
    pub server: Option<String>,
    /// The node's XML-RPC port.
    #[arg(long = "server-port")]
    pub server_port: Option<u16>,
    /// bitcoind's host.
    #[arg(long)]
    pub bitcoind_server: Option<String>,
    /// bitcoind's RPC port.
    #[arg(long)]
    pub bitcoind_port: Option<u16>,
    /// bitcoind's RPC user.
    #[arg(long)]
    pub bitcoind_user: Option<String>,
    /// bitcoind's RPC password.
    #[arg(long)]
    pub bitcoind_password: Option<String>,
    /// Whether bitcoind runs regtest.
    #[arg(long)]
    pub regtest: Option<bool>,
    /// Address versions of the keys: mainnet or testnet.
    #[arg(long)]
    pub network: Option<String>,
    /// Signature digest: legacy or forkid.
    #[arg(long)]
    pub sighash: Option<String>,
    /// Confirmations a payment UTXO needs.
    #[arg(long)]
    pub min_confirmations: Option<u32>,
    /// The API daemon's host.
    #[arg(long)]
    pub api_host: Option<String>,
    /// The API daemon's port.
    #[arg(long)]
    pub api_port: Option<u16>,
    /// The API password (`new` generates one).
    #[arg(long = "set-api-password")]
    pub api_password: Option<String>,
}

fn ask(label: &str, current: &str) -> anyhow::Result<String> {
    eprint!("{label} [{current}]: ");
    std::io::stderr().flush().ok();
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line)?;
    let line = line.trim();
    Ok(if line.is_empty() { current } else { line }.to_owned())
}

impl Configure {
    fn is_empty(&self) -> bool {
        self.server.is_none()
            && self.server_port.is_none()
            && self.bitcoind_server.is_none()
            && self.bitcoind_port.is_none()
            && self.bitcoind_user.is_none()
            && self.bitcoind_password.is_none()
            && self.regtest.is_none()
            && self.network.is_none()
            && self.sighash.is_none()
            && self.min_confirmations.is_none()
            && self.api_host.is_none()
            && self.api_port.is_none()
            && self.api_password.is_none()
    }

    fn prompted(ctx: &Context) -> anyhow::Result<Self> {
        let c = &ctx.config;
        let b = &c.bitcoind;
        Ok(Self {
            server: Some(ask("Blockstack node host", &c.client.server)?),
            server_port: Some(ask("Blockstack node port", &c.client.port.to_string())?.parse()?),
            bitcoind_server: Some(ask("bitcoind host", &b.server)?),
            bitcoind_port: Some(ask("bitcoind RPC port", &b.port.to_string())?.parse()?),
            bitcoind_user: Some(ask("bitcoind RPC user", &b.user)?),
            bitcoind_password: Some(ask("bitcoind RPC password", &b.password)?),
            network: Some(ask("network (mainnet/testnet)", c.client.network.as_str())?),
            ..Self::default()
        })
    }

    /// Writes the file and returns `{path}`.
    pub fn run(self, ctx: &Context) -> anyhow::Result<Json> {
        let opts = if self.is_empty() && !ctx.globals.yes && std::io::stdin().is_terminal() {
            Self::prompted(ctx)?
        } else {
            self
        };
        let mut config = ctx.config.clone();
        if opts.server.is_some() || opts.server_port.is_some() {
            let server = opts
                .server
                .clone()
                .unwrap_or_else(|| config.client.server.clone());
            config.set_server(&server, opts.server_port);
        }
        let touches_bitcoind = opts.bitcoind_server.is_some()
            || opts.bitcoind_port.is_some()
            || opts.bitcoind_user.is_some()
            || opts.bitcoind_password.is_some();
        if touches_bitcoind {
            let b = &config.bitcoind;
            let endpoint = BitcoindEndpoint {
                server: opts
                    .bitcoind_server
                    .clone()
                    .unwrap_or_else(|| b.server.clone()),
                port: opts.bitcoind_port.unwrap_or(b.port),
                user: opts.bitcoind_user.clone().unwrap_or_else(|| b.user.clone()),
                password: opts
                    .bitcoind_password
                    .clone()
                    .unwrap_or_else(|| b.password.clone()),
                use_https: false,
                timeout: b.timeout,
            };
            config.set_bitcoind(endpoint);
        }
        if let Some(r) = opts.regtest {
            config.regtest = r;
        }
        if let Some(n) = &opts.network {
            config.client.network = match n.as_str() {
                "mainnet" => ClientNetwork::Mainnet,
                "testnet" | "regtest" => ClientNetwork::Testnet,
                other => anyhow::bail!("unknown network {other:?} (mainnet or testnet)"),
            };
            if opts.min_confirmations.is_none() {
                config.client.min_confirmations = match config.client.network {
                    ClientNetwork::Mainnet => 6,
                    ClientNetwork::Testnet => 0,
                };
            }
        }
        if let Some(s) = &opts.sighash {
            config.sighash = match s.as_str() {
                "legacy" => SighashKind::Legacy,
                "forkid" => SighashKind::ForkId,
                other => anyhow::bail!("unknown sighash {other:?} (legacy or forkid)"),
            };
        }
        if let Some(m) = opts.min_confirmations {
            config.client.min_confirmations = m;
        }
        if let Some(h) = &opts.api_host {
            config.client.api_endpoint_host = h.clone();
        }
        if let Some(p) = opts.api_port {
            config.client.api_endpoint_port = p;
        }
        if let Some(p) = &opts.api_password {
            config.client.api_password = if p == "new" {
                generate_api_password()
            } else {
                p.clone()
            };
        }
        config.save()?;
        Ok(json!({"path": config.path.display().to_string()}))
    }
}
