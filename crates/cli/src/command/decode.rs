//! `blockstack-core decode`: the BNS operation in one raw transaction.

use anyhow::{bail, Context};
use bitcoin::consensus::deserialize;
use bitcoin::{Amount, ScriptBuf, Transaction, TxOut};
use blockstack_consensus::op::{parse_kind, parse_sender, OpKind, Sender};
use blockstack_consensus::{AddressNetwork, Rules};
use serde::Serialize;

/// Decode a raw transaction's BNS operation.
#[derive(Debug, clap::Args)]
pub struct Decode {
    /// The raw transaction, hex.
    pub raw_tx: String,
    /// The output each input spends, in input order, as `<scriptPubKey hex>:<satoshis>`; the
    /// first one gives the sender.
    #[arg(long = "prevout", value_name = "SCRIPT:SATS")]
    pub prevouts: Vec<String>,
    /// Address versions to render.
    #[arg(long, value_enum, default_value = "mainnet")]
    pub network: Network,
    /// The block height to decode at (decides the epoch, hence the registration payload forms).
    #[arg(long, default_value_t = 541_843)]
    pub height: u64,
}

/// Address network for rendering.
#[derive(Clone, Copy, Debug, clap::ValueEnum)]
pub enum Network {
    /// Mainnet address versions.
    Mainnet,
    /// Testnet and regtest address versions.
    Testnet,
}

/// The JSON printed.
#[derive(Serialize)]
struct Decoded {
    txid: String,
    #[serde(flatten)]
    op: OpKind,
    #[serde(skip_serializing_if = "Option::is_none")]
    sender: Option<Sender>,
    #[serde(skip_serializing_if = "Option::is_none")]
    sender_pubkey: Option<String>,
}

fn parse_prevout(s: &str) -> anyhow::Result<TxOut> {
    let (script, sats) = s
        .rsplit_once(':')
        .with_context(|| format!("--prevout {s:?} is not SCRIPT:SATS"))?;
    let script =
        hex::decode(script).with_context(|| format!("--prevout script {script:?} is not hex"))?;
    let sats: u64 = sats
        .parse()
        .with_context(|| format!("--prevout amount {sats:?} is not a number"))?;
    Ok(TxOut {
        value: Amount::from_sat(sats),
        script_pubkey: ScriptBuf::from_bytes(script),
    })
}

impl Decode {
    /// Decodes the transaction and renders the operation as JSON.
    pub fn run(self) -> anyhow::Result<String> {
        let bytes = hex::decode(self.raw_tx.trim()).context("the transaction is not hex")?;
        let tx: Transaction =
            deserialize(&bytes).context("the bytes are not a Bitcoin transaction")?;
        let mut rules = Rules::mainnet();
        rules.network = match self.network {
            Network::Mainnet => AddressNetwork::Mainnet,
            Network::Testnet => AddressNetwork::Testnet,
        };
        let prevouts = self
            .prevouts
            .iter()
            .map(|p| parse_prevout(p))
            .collect::<anyhow::Result<Vec<_>>>()?;
        if !prevouts.is_empty() && prevouts.len() != tx.input.len() {
            bail!(
                "{} --prevout given for {} inputs",
                prevouts.len(),
                tx.input.len()
            );
        }
        let op = parse_kind(&tx, &rules, self.height).context("not a valid BNS operation")?;
        let (sender, sender_pubkey) = match prevouts.first() {
            Some(prevout) => {
                let (s, k) =
                    parse_sender(&tx, prevout, &rules).context("not a valid BNS operation")?;
                (Some(s), k)
            }
            None => (None, None),
        };
        let decoded = Decoded {
            txid: tx.compute_txid().to_string(),
            op,
            sender,
            sender_pubkey,
        };
        Ok(serde_json::to_string_pretty(&decoded)?)
    }
}
