//! The synthetic chains of spec §12.8 and §12.9 as their data files give them (one transaction
//! per line: block, vtxindex, sender label, sender script, txid, raw transaction), for the test
//! suites that replay them. Enabled by the `testing` feature.

use std::collections::BTreeMap;

use bitcoin::consensus::deserialize;
use bitcoin::{Amount, ScriptBuf, Transaction, TxOut};

/// The value of every funding output the spec chains spend.
pub const FUNDING: Amount = Amount::from_sat(1_000_000_000);

/// One transaction of a spec chain.
#[derive(Clone, Debug)]
pub struct ChainTx {
    /// Its position in its block.
    pub vtxindex: u32,
    /// The output its input 0 spends (the sender's script, [`FUNDING`]).
    pub prevout: TxOut,
    /// The txid the data file records.
    pub txid: String,
    /// The transaction.
    pub tx: Transaction,
}

/// Parses a spec-chain data file into its transactions by block.
pub fn parse_chain(text: &str) -> Result<BTreeMap<u64, Vec<ChainTx>>, String> {
    let mut blocks: BTreeMap<u64, Vec<ChainTx>> = BTreeMap::new();
    for line in text
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
    {
        let cols: Vec<&str> = line.split('\t').collect();
        let [block, vtxindex, _label, script, txid, raw] = cols[..] else {
            return Err(format!("not six columns: {line}"));
        };
        let bad = |what: &str| format!("bad {what} in: {line}");
        let bytes = hex::decode(raw).map_err(|_| bad("raw transaction"))?;
        let tx: Transaction = deserialize(&bytes).map_err(|_| bad("raw transaction"))?;
        let script = hex::decode(script).map_err(|_| bad("script"))?;
        let block: u64 = block.parse().map_err(|_| bad("block"))?;
        blocks.entry(block).or_default().push(ChainTx {
            vtxindex: vtxindex.parse().map_err(|_| bad("vtxindex"))?,
            prevout: TxOut {
                value: FUNDING,
                script_pubkey: ScriptBuf::from_bytes(script),
            },
            txid: txid.to_string(),
            tx,
        });
    }
    Ok(blocks)
}
