//! `blockstack-core configure`: write `blockstack-server.ini`. Flags give every value; on a
//! terminal, what the flags leave out is asked for (with the default shown), elsewhere the
//! defaults apply.

use std::fs;
use std::io::{BufRead, IsTerminal, Write};
use std::os::unix::fs::PermissionsExt;

use anyhow::{bail, Context};
use blockstack_node::settings::{render_config, Network, CONFIG_FILE_NAME};
use serde_json::json;

use crate::core::Globals;
use crate::DEFAULT_WORKING_DIR;

/// Write the node's configuration file.
#[derive(Debug, clap::Args)]
pub struct Configure {
    /// The network to index (default mainnet).
    #[arg(long, value_enum)]
    pub network: Option<NetworkArg>,
    /// bitcoind's JSON-RPC, as `http://USER:PASS@HOST:PORT/` (default
    /// `http://blockstack:blockstacksystem@127.0.0.1:8332/`).
    #[arg(long)]
    pub bitcoind_url: Option<String>,
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

/// The bitcoind URL when none is given.
pub const DEFAULT_BITCOIND_URL: &str = "http://blockstack:blockstacksystem@127.0.0.1:8332/";

impl Configure {
    /// Writes the file (mode 0600: it holds bitcoind's password).
    pub fn run(self, globals: &Globals) -> anyhow::Result<String> {
        let dir = globals.working_dir_or(DEFAULT_WORKING_DIR);
        let path = dir.join(CONFIG_FILE_NAME);
        if path.exists() && !self.force {
            bail!("{} exists; pass --force to overwrite it", path.display());
        }
        let (network, url) = if std::io::stdin().is_terminal() {
            let stdin = std::io::stdin();
            let mut stderr = std::io::stderr();
            self.complete(&mut stdin.lock(), &mut stderr)?
        } else {
            self.defaults()
        };
        let text =
            render_config(network.into(), &url, &dir).context("the configuration is not valid")?;
        fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
        fs::write(&path, text).with_context(|| format!("writing {}", path.display()))?;
        fs::set_permissions(&path, fs::Permissions::from_mode(0o600))?;
        Ok(serde_json::to_string_pretty(&json!({
            "status": true,
            "config_file": path,
            "network": Network::from(network).as_str(),
        }))?)
    }

    /// The flags' values, defaults for the rest.
    pub fn defaults(&self) -> (NetworkArg, String) {
        (
            self.network.unwrap_or(NetworkArg::Mainnet),
            self.bitcoind_url
                .clone()
                .unwrap_or_else(|| DEFAULT_BITCOIND_URL.into()),
        )
    }

    /// The flags' values, asking on `output` and reading `input` for each one not given; an
    /// empty answer takes the default, a bad one is asked again.
    pub fn complete(
        &self,
        input: &mut impl BufRead,
        output: &mut impl Write,
    ) -> anyhow::Result<(NetworkArg, String)> {
        let network = match self.network {
            Some(n) => n,
            None => loop {
                let answer = ask(
                    input,
                    output,
                    "Network (mainnet, testnet, regtest)",
                    "mainnet",
                )?;
                match <NetworkArg as clap::ValueEnum>::from_str(&answer, true) {
                    Ok(n) => break n,
                    Err(_) => writeln!(output, "  not a network: {answer}")?,
                }
            },
        };
        let url = match &self.bitcoind_url {
            Some(u) => u.clone(),
            None => ask(
                input,
                output,
                "bitcoind JSON-RPC URL (http://USER:PASS@HOST:PORT/)",
                DEFAULT_BITCOIND_URL,
            )?,
        };
        Ok((network, url))
    }
}

fn ask(
    input: &mut impl BufRead,
    output: &mut impl Write,
    question: &str,
    default: &str,
) -> anyhow::Result<String> {
    write!(output, "{question} [{default}]: ")?;
    output.flush()?;
    let mut line = String::new();
    if input.read_line(&mut line)? == 0 {
        bail!("no answer to {question:?} (end of input)");
    }
    let answer = line.trim();
    Ok(if answer.is_empty() {
        default.to_string()
    } else {
        answer.to_string()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn configure(network: Option<NetworkArg>, url: Option<&str>) -> Configure {
        Configure {
            network,
            bitcoind_url: url.map(str::to_string),
            force: false,
        }
    }

    #[test]
    fn a_terminal_is_asked_only_what_the_flags_leave_out() {
        let mut out = Vec::new();
        let (n, u) = configure(None, None)
            .complete(
                &mut "bogus\nregtest\nhttp://a:b@h:1/\n".as_bytes(),
                &mut out,
            )
            .expect("answers");
        assert!(matches!(n, NetworkArg::Regtest));
        assert_eq!(u, "http://a:b@h:1/");
        let text = String::from_utf8(out).expect("utf8");
        assert!(text.contains("not a network: bogus"), "{text}");

        let mut out = Vec::new();
        let (n, u) = configure(Some(NetworkArg::Testnet), None)
            .complete(&mut "\n".as_bytes(), &mut out)
            .expect("answers");
        assert!(matches!(n, NetworkArg::Testnet));
        assert_eq!(u, DEFAULT_BITCOIND_URL);
        assert!(!String::from_utf8(out).expect("utf8").contains("Network"));

        let mut out = Vec::new();
        let given = configure(Some(NetworkArg::Mainnet), Some("http://x:y@z:2/"));
        let (_, u) = given
            .complete(&mut "".as_bytes(), &mut out)
            .expect("no questions");
        assert_eq!(u, "http://x:y@z:2/");
        assert!(out.is_empty());
        assert!(configure(None, None)
            .complete(&mut "".as_bytes(), &mut Vec::new())
            .is_err());
    }
}
