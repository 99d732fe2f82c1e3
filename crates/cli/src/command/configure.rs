//! `blockstack-core configure`: write `blockstack-server.ini` non-interactively.

use std::fs;
use std::os::unix::fs::PermissionsExt;

use anyhow::{bail, Context};
use blockstack_node::settings::{render_config, Network, CONFIG_FILE_NAME};
use serde_json::json;

use crate::core::Globals;
use crate::DEFAULT_WORKING_DIR;

/// Write the node's configuration file.
#[derive(Debug, clap::Args)]
pub struct Configure {
    /// The network to index.
    #[arg(long, value_enum, default_value = "mainnet")]
    pub network: NetworkArg,
    /// bitcoind's JSON-RPC, as `http://USER:PASS@HOST:PORT/`.
    #[arg(
        long,
        default_value = "http://blockstack:blockstacksystem@127.0.0.1:8332/"
    )]
    pub bitcoind_url: String,
    /// Overwrite an existing configuration file.
    #[arg(long)]
    pub force: bool,
}

/// A network profile.
#[derive(Clone, Copy, Debug, clap::ValueEnum)]
pub enum NetworkArg {
    /// Bitcoin mainnet from block 373601.
    Mainnet,
    /// Bitcoin testnet.
    Testnet,
    /// A regtest chain, with the original's test-mode constants.
    Regtest,
}

impl From<NetworkArg> for Network {
    fn from(n: NetworkArg) -> Self {
        match n {
            NetworkArg::Mainnet => Network::Mainnet,
            NetworkArg::Testnet => Network::Testnet,
            NetworkArg::Regtest => Network::Regtest,
        }
    }
}

impl Configure {
    /// Writes the file (mode 0600: it holds bitcoind's password).
    pub fn run(self, globals: &Globals) -> anyhow::Result<String> {
        let dir = globals.working_dir_or(DEFAULT_WORKING_DIR);
        let path = dir.join(CONFIG_FILE_NAME);
        if path.exists() && !self.force {
            bail!("{} exists; pass --force to overwrite it", path.display());
        }
        let text = render_config(self.network.into(), &self.bitcoind_url, &dir)
            .context("the configuration is not valid")?;
        fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
        fs::write(&path, text).with_context(|| format!("writing {}", path.display()))?;
        fs::set_permissions(&path, fs::Permissions::from_mode(0o600))?;
        Ok(serde_json::to_string_pretty(&json!({
            "status": true,
            "config_file": path,
            "network": Network::from(self.network).as_str(),
        }))?)
    }
}
