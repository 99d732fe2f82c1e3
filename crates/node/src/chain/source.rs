//! [`ChainSource`] for [`BitcoindClient`]: the calls the indexer and the
//! wallet make, on top of the JSON-RPC transport in `rpc.rs`.

use std::collections::HashMap;
use std::sync::atomic::Ordering;

use bitcoin::consensus::{deserialize, encode::serialize_hex};
use bitcoin::{Address, Amount, Block, BlockHash, OutPoint, ScriptBuf, Transaction, TxOut, Txid};
use serde::Deserialize;
use serde_json::{json, Value as Json};

use super::error::{ChainError, RPC_METHOD_NOT_FOUND};
use super::rpc::{bad, BitcoindClient, BlockTransport, REST_OFF};
use super::{ChainInfo, ChainSource, Utxo};

impl BitcoindClient {
    async fn block_via_rest(&self, hash: BlockHash) -> Option<Block> {
        if self.blocks != BlockTransport::Auto || self.rest.load(Ordering::Relaxed) == REST_OFF {
            return None;
        }
        let url = self.url.join(&format!("rest/block/{hash}.bin")).ok()?;
        let response = self.http.get(url).send().await.ok()?;
        if !response.status().is_success() {
            // Remember only once RPC proves the block exists (see `block`).
            return None;
        }
        let bytes = response.bytes().await.ok()?;
        deserialize::<Block>(&bytes)
            .ok()
            .filter(|b| b.block_hash() == hash)
    }

    async fn block_via_rpc(&self, hash: BlockHash) -> Result<Block, ChainError> {
        let hex: String = self.call("getblock", json!([hash, 0])).await?;
        let block: Block = decode_hex("getblock", &hex)?;
        if block.block_hash() != hash {
            return Err(bad(
                "getblock",
                format!("asked for block {hash}, got {}", block.block_hash()),
            ));
        }
        Ok(block)
    }

    async fn utxos_by_scan(&self, address: &Address) -> Result<Vec<Utxo>, ChainError> {
        #[derive(Deserialize)]
        struct Scan {
            unspents: Vec<ScanUnspent>,
        }
        #[derive(Deserialize)]
        struct ScanUnspent {
            txid: Txid,
            vout: u32,
            #[serde(rename = "scriptPubKey")]
            script_pubkey: ScriptBuf,
            amount: f64,
            height: u64,
        }
        let tip = self.block_count().await?;
        let scan: Scan = self
            .call(
                "scantxoutset",
                json!(["start", [format!("addr({address})")]]),
            )
            .await?;
        scan.unspents
            .into_iter()
            .map(|u| {
                Ok(Utxo {
                    outpoint: OutPoint {
                        txid: u.txid,
                        vout: u.vout,
                    },
                    txout: TxOut {
                        value: btc_to_amount("scantxoutset", u.amount)?,
                        script_pubkey: u.script_pubkey,
                    },
                    confirmations: u32::try_from((tip + 1).saturating_sub(u.height))
                        .unwrap_or(u32::MAX),
                })
            })
            .collect()
    }

    /// The wallet fallback for nodes without `scantxoutset` (Bitcoin SV,
    /// Core < 0.17): watch the address (rescanning the chain once per client)
    /// and ask `listunspent`. An output that entered the mempool before the
    /// first lookup of its address shows up only once it is mined.
    async fn utxos_by_wallet(&self, address: &Address) -> Result<Vec<Utxo>, ChainError> {
        #[derive(Deserialize)]
        struct Unspent {
            txid: Txid,
            vout: u32,
            #[serde(rename = "scriptPubKey")]
            script_pubkey: ScriptBuf,
            amount: f64,
            confirmations: u32,
        }
        let addr = address.to_string();
        let known = self
            .watched
            .lock()
            .map(|set| set.contains(&addr))
            .unwrap_or(false);
        if !known {
            let _: Json = self.call("importaddress", json!([addr, "", true])).await?;
            if let Ok(mut set) = self.watched.lock() {
                set.insert(addr.clone());
            }
        }
        let unspent: Vec<Unspent> = self
            .call("listunspent", json!([0, 9_999_999, [addr]]))
            .await?;
        unspent
            .into_iter()
            .map(|u| {
                Ok(Utxo {
                    outpoint: OutPoint {
                        txid: u.txid,
                        vout: u.vout,
                    },
                    txout: TxOut {
                        value: btc_to_amount("listunspent", u.amount)?,
                        script_pubkey: u.script_pubkey,
                    },
                    confirmations: u.confirmations,
                })
            })
            .collect()
    }
}

impl ChainSource for BitcoindClient {
    async fn block_count(&self) -> Result<u64, ChainError> {
        self.call("getblockcount", json!([])).await
    }

    async fn block_hash(&self, height: u64) -> Result<BlockHash, ChainError> {
        self.call("getblockhash", json!([height])).await
    }

    async fn block(&self, hash: BlockHash) -> Result<Block, ChainError> {
        if let Some(block) = self.block_via_rest(hash).await {
            return Ok(block);
        }
        let block = self.block_via_rpc(hash).await?;
        if self.blocks == BlockTransport::Auto
            && self.rest.swap(REST_OFF, Ordering::Relaxed) != REST_OFF
        {
            tracing::info!(url = %self.display_url, "bitcoind REST unavailable; fetching blocks over RPC");
        }
        Ok(block)
    }

    async fn transaction(&self, txid: Txid) -> Result<Transaction, ChainError> {
        let hex: String = self.call("getrawtransaction", json!([txid, 0])).await?;
        let tx: Transaction = decode_hex("getrawtransaction", &hex)?;
        if tx.compute_txid() != txid {
            return Err(bad(
                "getrawtransaction",
                format!("asked for {txid}, got {}", tx.compute_txid()),
            ));
        }
        Ok(tx)
    }

    async fn prevouts(&self, outpoints: &[OutPoint]) -> Result<Vec<TxOut>, ChainError> {
        let mut txids: Vec<Txid> = Vec::new();
        for outpoint in outpoints {
            if !txids.contains(&outpoint.txid) {
                txids.push(outpoint.txid);
            }
        }
        let params: Vec<Json> = txids.iter().map(|txid| json!([txid, 0])).collect();
        let replies: Vec<Result<String, ChainError>> =
            self.batch("getrawtransaction", &params).await?;
        let mut txs: HashMap<Txid, Transaction> = HashMap::with_capacity(txids.len());
        for (txid, reply) in txids.into_iter().zip(replies) {
            let tx: Transaction = decode_hex("getrawtransaction", &reply?)?;
            if tx.compute_txid() != txid {
                return Err(bad(
                    "getrawtransaction",
                    format!("asked for {txid}, got {}", tx.compute_txid()),
                ));
            }
            txs.insert(txid, tx);
        }
        outpoints
            .iter()
            .map(|outpoint| {
                txs.get(&outpoint.txid)
                    .and_then(|tx| tx.output.get(usize::try_from(outpoint.vout).ok()?))
                    .cloned()
                    .ok_or(ChainError::MissingOutput {
                        outpoint: *outpoint,
                    })
            })
            .collect()
    }

    async fn broadcast(&self, tx: &Transaction) -> Result<Txid, ChainError> {
        let txid = tx.compute_txid();
        match self
            .call::<Txid>("sendrawtransaction", json!([serialize_hex(tx)]))
            .await
        {
            Ok(sent) if sent == txid => Ok(txid),
            Ok(sent) => Err(bad(
                "sendrawtransaction",
                format!("sent {txid}, node reports {sent}"),
            )),
            Err(e) if is_already_known(&e) => Ok(txid),
            Err(e) => Err(e),
        }
    }

    async fn chain_info(&self) -> Result<ChainInfo, ChainError> {
        #[derive(Deserialize)]
        struct Info {
            chain: String,
            blocks: u64,
            headers: Option<u64>,
            bestblockhash: BlockHash,
        }
        let info: Info = self.call("getblockchaininfo", json!([])).await?;
        Ok(ChainInfo {
            chain: info.chain,
            blocks: info.blocks,
            headers: info.headers,
            best_block_hash: info.bestblockhash,
        })
    }

    async fn utxos(&self, address: &Address) -> Result<Vec<Utxo>, ChainError> {
        if self.no_scantxoutset.load(Ordering::Relaxed) == 0 {
            match self.utxos_by_scan(address).await {
                Err(e) if e.rpc_code() == Some(RPC_METHOD_NOT_FOUND) => {
                    self.no_scantxoutset.store(1, Ordering::Relaxed);
                }
                other => return other,
            }
        }
        self.utxos_by_wallet(address).await
    }
}

/// bitcoind's ways of saying "I have this transaction already": Core's
/// `-27` (in mempool / in chain) and Bitcoin SV's `-26 257: txn-already-known`.
fn is_already_known(e: &ChainError) -> bool {
    match e {
        ChainError::Rpc { code: -27, .. } => true,
        ChainError::Rpc {
            code: -26, message, ..
        } => message.contains("txn-already-known"),
        _ => false,
    }
}

fn decode_hex<T: bitcoin::consensus::Decodable>(method: &str, hex: &str) -> Result<T, ChainError> {
    let bytes = hex::decode(hex).map_err(|e| bad(method, format!("result is not hex: {e}")))?;
    deserialize(&bytes).map_err(|e| bad(method, format!("cannot parse result: {e}")))
}

fn btc_to_amount(method: &str, btc: f64) -> Result<Amount, ChainError> {
    let sats = (btc * 100_000_000.0).round();
    if !(0.0..=21e14).contains(&sats) {
        return Err(bad(method, format!("amount {btc} out of range")));
    }
    Ok(Amount::from_sat(sats as u64))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn already_known_transactions_are_recognised() {
        let rpc = |code, message: &str| ChainError::Rpc {
            method: "sendrawtransaction".into(),
            code,
            message: message.into(),
        };
        assert!(is_already_known(&rpc(
            -27,
            "Transaction already in the mempool"
        )));
        assert!(is_already_known(&rpc(-26, "257: txn-already-known")));
        assert!(!is_already_known(&rpc(-26, "258: txn-mempool-conflict")));
        assert!(!is_already_known(&rpc(-25, "Missing inputs")));
    }

    #[test]
    fn coin_amounts_convert_to_exact_satoshis() {
        assert_eq!(
            btc_to_amount("m", 49.9999).expect("in range"),
            Amount::from_sat(4_999_990_000)
        );
        assert_eq!(
            btc_to_amount("m", 0.00000001).expect("in range"),
            Amount::from_sat(1)
        );
        assert!(btc_to_amount("m", -1.0).is_err());
    }
}
