//! The method table: each handler parses its parameters, asks the
//! [`DevChain`] and shapes the answer as bitcoind does.

use std::collections::HashSet;
use std::str::FromStr;

use bitcoin::consensus::encode::{deserialize, serialize_hex};
use bitcoin::{Amount, BlockHash, OutPoint, Txid};
use serde_json::{json, Map, Value};

use super::envelope::{
    Params, RpcError, RPC_DATABASE_ERROR, RPC_DESERIALIZATION_ERROR, RPC_INVALID_ADDRESS_OR_KEY,
    RPC_MISC_ERROR,
};
use super::json::{self, Placement};
use crate::devchain::{parse_address, DevChain, DevChainError, Utxo};
use crate::params::COINBASE_MATURITY;

/// `maxfeerate` default of `sendrawtransaction`: 0.10 BTC/kvB.
const DEFAULT_MAX_FEE_PER_KVB: u64 = 10_000_000;

/// The version `getnetworkinfo` reports: the Bitcoin Core release whose RPC
/// this server follows.
const CORE_VERSION: u32 = 180_000;

/// Calls `method`. Unknown names give `-32601 Method not found`.
pub fn call(chain: &DevChain, method: &str, params: &Params) -> Result<Value, RpcError> {
    match method {
        "getblockcount" => Ok(json!(chain.height())),
        "getbestblockhash" => Ok(json!(chain.tip().hash.to_string())),
        "getblockhash" => get_block_hash(chain, params),
        "getblock" => get_block(chain, params),
        "getblockheader" => get_block_header(chain, params),
        "getrawtransaction" => get_raw_transaction(chain, params),
        "sendrawtransaction" => send_raw_transaction(chain, params),
        "generatetoaddress" => generate_to_address(chain, params),
        "getblockchaininfo" => Ok(get_blockchain_info(chain)),
        "getdifficulty" => Ok(json!(current_difficulty(chain))),
        "listunspent" => list_unspent(chain, params),
        "scantxoutset" => scan_tx_out_set(chain, params),
        "importaddress" => import_address(params),
        "gettxout" => get_tx_out(chain, params),
        "estimatesmartfee" => estimate_smart_fee(chain, params),
        "getnetworkinfo" => Ok(get_network_info(chain)),
        "getrawmempool" => get_raw_mempool(chain, params),
        "getmempoolinfo" => Ok(get_mempool_info(chain)),
        "invalidateblock" => invalidate_block(chain, params),
        "validateaddress" => validate_address(params),
        "setmocktime" => set_mock_time(chain, params),
        "stop" => Ok(json!("Bitcoin server stopping")),
        _ => Err(RpcError::method_not_found()),
    }
}

impl From<DevChainError> for RpcError {
    fn from(error: DevChainError) -> RpcError {
        match error {
            DevChainError::Rejected(reason) => reason.into(),
            DevChainError::BlockNotFound(_) => {
                RpcError::new(RPC_INVALID_ADDRESS_OR_KEY, "Block not found")
            }
            DevChainError::InvalidAddress { .. } => {
                RpcError::new(RPC_INVALID_ADDRESS_OR_KEY, "Error: Invalid address")
            }
            DevChainError::Store(e) => {
                RpcError::new(RPC_DATABASE_ERROR, format!("Database error: {e}"))
            }
            other => RpcError::new(RPC_MISC_ERROR, other.to_string()),
        }
    }
}

/// bitcoind's `ParseHashV`: 64 hex digits.
fn parse_hash<T: FromStr>(value: &Value, name: &str) -> Result<T, RpcError> {
    let text = value.as_str().ok_or_else(|| {
        RpcError::new(
            super::envelope::RPC_TYPE_ERROR,
            format!("{name} must be a string"),
        )
    })?;
    if text.len() != 64 {
        return Err(RpcError::invalid_parameter(format!(
            "{name} must be of length 64 (not {}, for '{text}')",
            text.len()
        )));
    }
    text.parse().map_err(|_| {
        RpcError::invalid_parameter(format!("{name} must be hexadecimal string (not '{text}')"))
    })
}

fn block_not_found() -> RpcError {
    RpcError::new(RPC_INVALID_ADDRESS_OR_KEY, "Block not found")
}

fn get_block_hash(chain: &DevChain, params: &Params) -> Result<Value, RpcError> {
    let height = params.required_i64(0, "height")?;
    u32::try_from(height)
        .ok()
        .and_then(|h| chain.block_hash(h))
        .map(|hash| json!(hash.to_string()))
        .ok_or_else(|| RpcError::invalid_parameter("Block height out of range"))
}

fn get_block(chain: &DevChain, params: &Params) -> Result<Value, RpcError> {
    let hash: BlockHash = parse_hash(params.required(0, "blockhash")?, "blockhash")?;
    let verbosity = params.bool_or_int(1, "verbosity")?.unwrap_or(1);
    let state = chain.lock();
    let info = state.block_info(&hash).ok_or_else(block_not_found)?;
    let at = Placement {
        height: info.height,
        active: info.in_active_chain,
    };
    Ok(match verbosity {
        0 => json!(serialize_hex(&info.block)),
        1 => json::block(&state.chain, &info.block, at, false),
        _ => json::block(&state.chain, &info.block, at, true),
    })
}

fn get_block_header(chain: &DevChain, params: &Params) -> Result<Value, RpcError> {
    let hash: BlockHash = parse_hash(params.required(0, "blockhash")?, "blockhash")?;
    let verbose = params.bool_or_int(1, "verbose")?.unwrap_or(1) != 0;
    let state = chain.lock();
    let info = state.block_info(&hash).ok_or_else(block_not_found)?;
    if !verbose {
        return Ok(json!(serialize_hex(&info.block.header)));
    }
    let at = Placement {
        height: info.height,
        active: info.in_active_chain,
    };
    Ok(json::header(&state.chain, &info.block, at))
}

fn get_raw_transaction(chain: &DevChain, params: &Params) -> Result<Value, RpcError> {
    let txid: Txid = parse_hash(params.required(0, "txid")?, "parameter 1")?;
    let verbose = params.bool_or_int(1, "verbose")?.unwrap_or(0) != 0;
    let state = chain.lock();
    let (tx, block, in_active_chain) = match params.get(2, "blockhash") {
        Some(value) => {
            let hash: BlockHash = parse_hash(value, "parameter 3")?;
            let info = state
                .block_info(&hash)
                .ok_or_else(|| RpcError::new(RPC_INVALID_ADDRESS_OR_KEY, "Block hash not found"))?;
            let tx = info
                .block
                .txdata
                .iter()
                .find(|tx| tx.compute_txid() == txid)
                .cloned()
                .ok_or_else(|| {
                    RpcError::new(
                        RPC_INVALID_ADDRESS_OR_KEY,
                        "No such transaction found in the provided block. Use gettransaction for wallet transactions.",
                    )
                })?;
            (
                tx,
                Some((info.block.header, info.height, info.in_active_chain)),
                Some(info.in_active_chain),
            )
        }
        None => {
            let found = state.transaction(&txid).ok_or_else(|| {
                RpcError::new(
                    RPC_INVALID_ADDRESS_OR_KEY,
                    "No such mempool or blockchain transaction. Use gettransaction for wallet transactions.",
                )
            })?;
            let block = found.block.and_then(|tip| {
                state
                    .chain
                    .block(tip.height)
                    .map(|b| (b.header, tip.height, true))
            });
            (found.tx, block, None)
        }
    };
    if !verbose {
        return Ok(json!(serialize_hex(&tx)));
    }
    let mut object = match json::transaction(&tx) {
        Value::Object(object) => object,
        _ => Map::new(),
    };
    if let Some(active) = in_active_chain {
        object.insert("in_active_chain".into(), json!(active));
    }
    if let Some((header, height, active)) = block {
        object.insert("blockhash".into(), json!(header.block_hash().to_string()));
        let confirmations = if active {
            state.chain.tip_height() - height + 1
        } else {
            0
        };
        object.insert("confirmations".into(), json!(confirmations));
        object.insert("time".into(), json!(header.time));
        object.insert("blocktime".into(), json!(header.time));
    }
    Ok(Value::Object(object))
}

fn send_raw_transaction(chain: &DevChain, params: &Params) -> Result<Value, RpcError> {
    let hex_tx = params.required_str(0, "hexstring")?;
    let decode_failed = || RpcError::new(RPC_DESERIALIZATION_ERROR, "TX decode failed");
    let bytes = hex::decode(hex_tx).map_err(|_| decode_failed())?;
    let tx: bitcoin::Transaction = deserialize(&bytes).map_err(|_| decode_failed())?;
    // Core 0.18 took `allowhighfees` (bool), later releases `maxfeerate` (BTC/kvB, 0 = no cap).
    let max_fee_per_kvb = match params
        .get(1, "maxfeerate")
        .or_else(|| params.get(1, "allowhighfees"))
    {
        None | Some(Value::Bool(false)) => DEFAULT_MAX_FEE_PER_KVB,
        Some(Value::Bool(true)) => 0,
        Some(value) => {
            let btc = value
                .as_f64()
                .filter(|v| *v >= 0.0)
                .ok_or_else(|| RpcError::invalid_parameter("Invalid maxfeerate"))?;
            Amount::from_btc(btc)
                .map_err(|_| RpcError::invalid_parameter("Invalid maxfeerate"))?
                .to_sat()
        }
    };
    let txid = chain.submit_tx_capped(&tx, max_fee_per_kvb)?;
    Ok(json!(txid.to_string()))
}

fn generate_to_address(chain: &DevChain, params: &Params) -> Result<Value, RpcError> {
    let n = params.required_i64(0, "nblocks")?;
    let address = params.required_str(1, "address")?;
    let script = parse_address(address)?;
    let n = u32::try_from(n.max(0)).unwrap_or(u32::MAX);
    let hashes = chain.mine_blocks(n, &script)?;
    Ok(json!(hashes
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()))
}

fn current_difficulty(chain: &DevChain) -> f64 {
    chain.lock().chain.tip().header.difficulty_float()
}

fn get_blockchain_info(chain: &DevChain) -> Value {
    let state = chain.lock();
    let tip = state.chain.tip_height();
    let chainwork = state
        .chain
        .chainwork(tip)
        .map(|w| hex::encode(w.to_be_bytes()));
    json!({
        "chain": "regtest",
        "blocks": tip,
        "headers": tip,
        "bestblockhash": state.chain.tip_hash().to_string(),
        "difficulty": state.chain.tip().header.difficulty_float(),
        "time": state.chain.tip().header.time,
        "mediantime": state.chain.median_time_past(tip),
        "verificationprogress": 1.0,
        "initialblockdownload": false,
        "chainwork": chainwork,
        "size_on_disk": state.store.as_ref().map_or(0, |s| s.size()),
        "pruned": false,
        "softforks": {},
        "warnings": "",
    })
}

fn utxo_entry(utxo: &Utxo) -> Value {
    let mut object = Map::new();
    object.insert("txid".into(), json!(utxo.outpoint.txid.to_string()));
    object.insert("vout".into(), json!(utxo.outpoint.vout));
    if let Some(address) = json::script_address(&utxo.output.script_pubkey) {
        object.insert("address".into(), json!(address));
        object.insert("label".into(), json!(""));
    }
    object.insert(
        "scriptPubKey".into(),
        json!(hex::encode(utxo.output.script_pubkey.as_bytes())),
    );
    object.insert("amount".into(), json::amount(utxo.output.value));
    object.insert("confirmations".into(), json!(utxo.confirmations));
    // Like a watch-only entry of bitcoind's wallet: this server holds no keys.
    object.insert("spendable".into(), json!(false));
    object.insert("solvable".into(), json!(false));
    object.insert("safe".into(), json!(utxo.confirmations > 0));
    Value::Object(object)
}

fn amount_option(options: Option<&Value>, name: &str) -> Result<Option<Amount>, RpcError> {
    let Some(value) = options.and_then(|o| o.get(name)).filter(|v| !v.is_null()) else {
        return Ok(None);
    };
    let btc = value
        .as_f64()
        .or_else(|| value.as_str().and_then(|s| s.parse().ok()))
        .ok_or_else(|| RpcError::invalid_parameter(format!("Invalid {name}")))?;
    Amount::from_btc(btc)
        .map(Some)
        .map_err(|_| RpcError::invalid_parameter(format!("Invalid {name}")))
}

fn list_unspent(chain: &DevChain, params: &Params) -> Result<Value, RpcError> {
    let minconf = params.i64(0, "minconf")?.unwrap_or(1);
    let maxconf = params.i64(1, "maxconf")?.unwrap_or(9_999_999);
    let mut scripts = Vec::new();
    if let Some(value) = params.get(2, "addresses") {
        let list = value
            .as_array()
            .ok_or_else(|| RpcError::new(super::envelope::RPC_TYPE_ERROR, "Expected type array"))?;
        let mut seen = HashSet::new();
        for item in list {
            let text = item.as_str().unwrap_or_default();
            let script = parse_address(text).map_err(|_| {
                RpcError::new(
                    RPC_INVALID_ADDRESS_OR_KEY,
                    format!("Invalid Bitcoin address: {text}"),
                )
            })?;
            if !seen.insert(text.to_owned()) {
                return Err(RpcError::invalid_parameter(format!(
                    "Invalid parameter, duplicated address: {text}"
                )));
            }
            scripts.push(script);
        }
    }
    let include_unsafe = params.bool_or_int(3, "include_unsafe")?.unwrap_or(1) != 0;
    let options = params.get(4, "query_options");
    let minimum = amount_option(options, "minimumAmount")?.unwrap_or(Amount::ZERO);
    let maximum = amount_option(options, "maximumAmount")?.unwrap_or(Amount::MAX_MONEY);
    let minimum_sum = amount_option(options, "minimumSumAmount")?;
    let maximum_count = options
        .and_then(|o| o.get("maximumCount"))
        .and_then(Value::as_u64)
        .filter(|n| *n > 0);

    let state = chain.lock();
    let utxos: Vec<Utxo> = if params.get(2, "addresses").is_some() {
        scripts
            .iter()
            .flat_map(|s| state.utxos_matching(Some(s)))
            .collect()
    } else {
        state.utxos_matching(None)
    };
    drop(state);
    let mut entries = Vec::new();
    let mut sum = Amount::ZERO;
    for utxo in utxos {
        let confirmations = i64::from(utxo.confirmations);
        // bitcoind's wallet lists a coinbase output only from 101
        // confirmations, one more than consensus needs to spend it.
        let wanted = (!utxo.is_coinbase || utxo.confirmations > COINBASE_MATURITY)
            && confirmations >= minconf
            && confirmations <= maxconf
            && (include_unsafe || utxo.confirmations > 0)
            && utxo.output.value >= minimum
            && utxo.output.value <= maximum;
        if !wanted {
            continue;
        }
        entries.push(utxo_entry(&utxo));
        sum += utxo.output.value;
        if maximum_count.is_some_and(|max| entries.len() as u64 >= max)
            || minimum_sum.is_some_and(|min| sum >= min)
        {
            break;
        }
    }
    Ok(Value::Array(entries))
}

/// `scantxoutset "start" [descriptors]` over the confirmed UTXO set, for
/// `addr(<address>)` and `raw(<script hex>)` descriptors (a `#checksum`
/// suffix is ignored). `"status"` and `"abort"` answer as with no scan
/// running, because a scan here finishes at once.
fn scan_tx_out_set(chain: &DevChain, params: &Params) -> Result<Value, RpcError> {
    match params.required_str(0, "action")? {
        "start" => {}
        "status" => return Ok(Value::Null),
        "abort" => return Ok(json!(false)),
        other => {
            return Err(RpcError::invalid_parameter(format!(
                "Invalid action '{other}'"
            )))
        }
    }
    let descriptors = params
        .required(1, "scanobjects")?
        .as_array()
        .ok_or_else(|| RpcError::new(super::envelope::RPC_TYPE_ERROR, "Expected type array"))?;
    let mut targets = Vec::new();
    for item in descriptors {
        let text = item
            .as_str()
            .or_else(|| item.get("desc").and_then(Value::as_str))
            .ok_or_else(|| {
                RpcError::invalid_parameter("Scan object needs to be either a string or an object")
            })?;
        let desc = text.split_once('#').map_or(text, |(d, _)| d);
        let script = if let Some(address) =
            desc.strip_prefix("addr(").and_then(|r| r.strip_suffix(')'))
        {
            parse_address(address).map_err(|_| {
                RpcError::new(
                    RPC_INVALID_ADDRESS_OR_KEY,
                    format!("Invalid address: {address}"),
                )
            })?
        } else if let Some(raw) = desc.strip_prefix("raw(").and_then(|r| r.strip_suffix(')')) {
            bitcoin::ScriptBuf::from_hex(raw).map_err(|_| {
                RpcError::new(RPC_INVALID_ADDRESS_OR_KEY, format!("Invalid script: {raw}"))
            })?
        } else {
            return Err(RpcError::new(
                RPC_INVALID_ADDRESS_OR_KEY,
                format!("Unsupported descriptor '{desc}': only addr() and raw() are scanned here"),
            ));
        };
        targets.push((desc.to_owned(), script));
    }
    let state = chain.lock();
    let mut unspents = Vec::new();
    let mut total = Amount::ZERO;
    // Like Core, this reads the chain's UTXO set only: unconfirmed outputs
    // are absent and outputs spent by mempool transactions still appear.
    for (desc, script) in &targets {
        for (outpoint, coin) in state.chain.coins_for_script(script) {
            total += coin.output.value;
            unspents.push(json!({
                "txid": outpoint.txid.to_string(),
                "vout": outpoint.vout,
                "scriptPubKey": hex::encode(coin.output.script_pubkey.as_bytes()),
                "desc": desc,
                "amount": json::amount(coin.output.value),
                "coinbase": coin.is_coinbase,
                "height": coin.height,
            }));
        }
    }
    Ok(json!({
        "success": true,
        "txouts": state.chain.all_coins().count(),
        "height": state.chain.tip_height(),
        "bestblock": state.chain.tip_hash().to_string(),
        "unspents": unspents,
        "total_amount": json::amount(total),
    }))
}

/// `importaddress`: accepted and ignored, since every script is indexed.
fn import_address(params: &Params) -> Result<Value, RpcError> {
    let address = params.required_str(0, "address")?;
    let valid = parse_address(address).is_ok() || bitcoin::ScriptBuf::from_hex(address).is_ok();
    if !valid {
        return Err(RpcError::new(
            RPC_INVALID_ADDRESS_OR_KEY,
            "Invalid Bitcoin address or script",
        ));
    }
    Ok(Value::Null)
}

fn get_tx_out(chain: &DevChain, params: &Params) -> Result<Value, RpcError> {
    let txid: Txid = parse_hash(params.required(0, "txid")?, "txid")?;
    let vout = params.required_i64(1, "n")?;
    let include_mempool = params.bool_or_int(2, "include_mempool")?.unwrap_or(1) != 0;
    let Ok(vout) = u32::try_from(vout) else {
        return Ok(Value::Null);
    };
    let Some(utxo) = chain.utxo(&OutPoint { txid, vout }, include_mempool) else {
        return Ok(Value::Null);
    };
    Ok(json!({
        "bestblock": chain.tip().hash.to_string(),
        "confirmations": utxo.confirmations,
        "value": json::amount(utxo.output.value),
        "scriptPubKey": json::script_pubkey(&utxo.output.script_pubkey),
        "coinbase": utxo.is_coinbase,
    }))
}

fn estimate_smart_fee(chain: &DevChain, params: &Params) -> Result<Value, RpcError> {
    let target = params.required_i64(0, "conf_target")?;
    if !(1..=1008).contains(&target) {
        return Err(RpcError::invalid_parameter(
            "Invalid conf_target, must be between 1 and 1008",
        ));
    }
    if let Some(mode) = params.get(1, "estimate_mode") {
        let mode = mode.as_str().unwrap_or_default().to_ascii_uppercase();
        if !["UNSET", "ECONOMICAL", "CONSERVATIVE"].contains(&mode.as_str()) {
            return Err(RpcError::invalid_parameter(
                "Invalid estimate_mode parameter",
            ));
        }
    }
    let rate = Amount::from_sat(chain.config().estimate_fee_per_kvb);
    Ok(json!({ "feerate": json::amount(rate), "blocks": target.max(2) }))
}

fn get_network_info(chain: &DevChain) -> Value {
    let relay = Amount::from_sat(chain.config().min_relay_fee_per_kvb);
    json!({
        "version": CORE_VERSION,
        "subversion": format!("/blockstack-devchain:{}/", env!("CARGO_PKG_VERSION")),
        "protocolversion": 70015,
        "localservices": "0000000000000409",
        "localrelay": true,
        "timeoffset": 0,
        "networkactive": true,
        "connections": 0,
        "networks": [],
        "relayfee": json::amount(relay),
        "incrementalfee": json::amount(Amount::from_sat(1000)),
        "localaddresses": [],
        "warnings": "",
    })
}

fn get_raw_mempool(chain: &DevChain, params: &Params) -> Result<Value, RpcError> {
    let verbose = params.bool_or_int(0, "verbose")?.unwrap_or(0) != 0;
    let state = chain.lock();
    if !verbose {
        let txids: Vec<String> = state
            .mempool
            .iter()
            .map(|e| e.tx.compute_txid().to_string())
            .collect();
        return Ok(json!(txids));
    }
    let mut object = Map::new();
    for entry in state.mempool.iter() {
        let depends: Vec<String> = entry
            .tx
            .input
            .iter()
            .map(|i| i.previous_output.txid)
            .filter(|parent| state.mempool.contains(parent))
            .map(|parent| parent.to_string())
            .collect();
        object.insert(
            entry.tx.compute_txid().to_string(),
            json!({
                "size": entry.tx.vsize(),
                "vsize": entry.tx.vsize(),
                "weight": entry.tx.weight().to_wu(),
                "fee": json::amount(entry.fee),
                "modifiedfee": json::amount(entry.fee),
                "time": entry.time,
                "height": entry.height,
                "wtxid": entry.tx.compute_wtxid().to_string(),
                "depends": depends,
            }),
        );
    }
    Ok(Value::Object(object))
}

fn get_mempool_info(chain: &DevChain) -> Value {
    let state = chain.lock();
    let bytes: usize = state.mempool.iter().map(|e| e.tx.vsize()).sum();
    let relay = Amount::from_sat(state.config.min_relay_fee_per_kvb);
    json!({
        "loaded": true,
        "size": state.mempool.len(),
        "bytes": bytes,
        "usage": bytes,
        "maxmempool": 300_000_000,
        "mempoolminfee": json::amount(relay),
        "minrelaytxfee": json::amount(relay),
    })
}

fn invalidate_block(chain: &DevChain, params: &Params) -> Result<Value, RpcError> {
    let hash: BlockHash = parse_hash(params.required(0, "blockhash")?, "blockhash")?;
    chain.invalidate_block(&hash)?;
    Ok(Value::Null)
}

fn validate_address(params: &Params) -> Result<Value, RpcError> {
    let address = params.required_str(0, "address")?;
    Ok(match parse_address(address) {
        Ok(script) => json!({
            "isvalid": true,
            "address": address,
            "scriptPubKey": hex::encode(script.as_bytes()),
            "isscript": script.is_p2sh() || script.is_p2wsh(),
            "iswitness": script.is_witness_program(),
        }),
        Err(_) => json!({ "isvalid": false }),
    })
}

fn set_mock_time(chain: &DevChain, params: &Params) -> Result<Value, RpcError> {
    let time = params.required_i64(0, "timestamp")?;
    let time = u32::try_from(time)
        .map_err(|_| RpcError::invalid_parameter("Mocktime can not be negative"))?;
    chain.set_mock_time((time != 0).then_some(time));
    Ok(Value::Null)
}
