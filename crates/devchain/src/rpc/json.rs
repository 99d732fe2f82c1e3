//! bitcoind's JSON shapes for scripts, transactions and blocks.
//!
//! Field names follow Bitcoin Core; where Core 0.18 and later releases
//! differ, both forms are given (`addresses` + `reqSigs` and `address`;
//! `nTx`), so clients of either era find what they read. Amounts are JSON
//! numbers in BTC.

use bitcoin::consensus::encode::serialize_hex;
use bitcoin::opcodes::all::{OP_CLTV, OP_CSV, OP_PUSHNUM_1, OP_PUSHNUM_16, OP_PUSHNUM_NEG1};
use bitcoin::script::Instruction;
use bitcoin::{Address, Amount, Block, PublicKey, Script, Transaction, TxOut};
use serde_json::{json, Map, Value};

use crate::chain::Chain;
use crate::params::NETWORK;
use crate::standard::{classify, OutputType};

/// An amount as bitcoind prints it: a number of BTC.
pub fn amount(value: Amount) -> Value {
    json!(value.to_btc())
}

/// Core's `ScriptToAsmStr`: small pushes as numbers, larger pushes as hex,
/// and (in scriptSigs) signatures with their hash type, e.g. `…[ALL]`.
pub fn script_asm(script: &Script, decode_sighash: bool) -> String {
    let mut parts: Vec<String> = Vec::new();
    for instruction in script.instructions() {
        match instruction {
            Ok(Instruction::PushBytes(push)) => {
                let data = push.as_bytes();
                if data.len() <= 4 {
                    parts.push(script_num_lossy(data).to_string());
                } else if decode_sighash && !script.is_op_return() {
                    parts.push(signature_asm(data));
                } else {
                    parts.push(hex::encode(data));
                }
            }
            Ok(Instruction::Op(op)) => parts.push(op_name(op)),
            Err(_) => {
                parts.push("[error]".to_owned());
                break;
            }
        }
    }
    parts.join(" ")
}

fn script_num_lossy(data: &[u8]) -> i64 {
    let Some((&last, _)) = data.split_last() else {
        return 0;
    };
    let mut value: i64 = 0;
    for (i, &b) in data.iter().enumerate() {
        value |= i64::from(b) << (8 * i);
    }
    if last & 0x80 != 0 {
        -(value & !(0x80_i64 << (8 * (data.len() - 1))))
    } else {
        value
    }
}

fn signature_asm(data: &[u8]) -> String {
    let Some((&hash_type, der)) = data.split_last() else {
        return String::new();
    };
    let name = match hash_type {
        0x01 => "ALL",
        0x02 => "NONE",
        0x03 => "SINGLE",
        0x81 => "ALL|ANYONECANPAY",
        0x82 => "NONE|ANYONECANPAY",
        0x83 => "SINGLE|ANYONECANPAY",
        _ => return hex::encode(data),
    };
    if bitcoin::secp256k1::ecdsa::Signature::from_der(der).is_err() {
        return hex::encode(data);
    }
    format!("{}[{name}]", hex::encode(der))
}

fn op_name(op: bitcoin::opcodes::Opcode) -> String {
    let code = op.to_u8();
    if op == OP_PUSHNUM_NEG1 {
        return "-1".to_owned();
    }
    if (OP_PUSHNUM_1.to_u8()..=OP_PUSHNUM_16.to_u8()).contains(&code) {
        return (code - OP_PUSHNUM_1.to_u8() + 1).to_string();
    }
    if op == OP_CLTV {
        return "OP_CHECKLOCKTIMEVERIFY".to_owned();
    }
    if op == OP_CSV {
        return "OP_CHECKSEQUENCEVERIFY".to_owned();
    }
    if code >= 0xba {
        return "OP_UNKNOWN".to_owned();
    }
    op.to_string()
}

/// The address a script pays, when it has exactly one.
pub fn script_address(script: &Script) -> Option<String> {
    Address::from_script(script, NETWORK)
        .ok()
        .map(|a| a.to_string())
}

/// Required signatures and addresses, as Core 0.18's `ExtractDestinations`
/// (P2PK and bare multisig keys are shown as their P2PKH addresses).
fn destinations(script: &Script, kind: OutputType) -> Option<(u8, Vec<String>)> {
    let key_address = |bytes: &[u8]| {
        PublicKey::from_slice(bytes)
            .ok()
            .map(|k| Address::p2pkh(k, NETWORK).to_string())
    };
    match kind {
        OutputType::PubKey => {
            let key = script.as_bytes().get(1..script.len().saturating_sub(1))?;
            Some((1, vec![key_address(key)?]))
        }
        OutputType::Multisig { required, .. } => {
            let keys = script
                .instructions()
                .filter_map(|i| i.ok()?.push_bytes().and_then(|p| key_address(p.as_bytes())))
                .collect();
            Some((required, keys))
        }
        OutputType::NullData | OutputType::NonStandard => None,
        _ => Some((1, vec![script_address(script)?])),
    }
}

/// The `scriptPubKey` object of outputs.
pub fn script_pubkey(script: &Script) -> Value {
    let kind = classify(script);
    let mut object = Map::new();
    object.insert("asm".into(), json!(script_asm(script, false)));
    object.insert("hex".into(), json!(hex::encode(script.as_bytes())));
    if let Some((required, addresses)) = destinations(script, kind) {
        object.insert("reqSigs".into(), json!(required));
        if let Some(address) = script_address(script) {
            object.insert("address".into(), json!(address));
        }
        object.insert("addresses".into(), json!(addresses));
    }
    object.insert("type".into(), json!(kind.name()));
    Value::Object(object)
}

fn output(index: usize, out: &TxOut) -> Value {
    json!({
        "value": amount(out.value),
        "n": index,
        "scriptPubKey": script_pubkey(&out.script_pubkey),
    })
}

/// The decoded transaction (`decoderawtransaction` shape plus `hex`).
pub fn transaction(tx: &Transaction) -> Value {
    let vin: Vec<Value> = tx
        .input
        .iter()
        .map(|txin| {
            let mut object = Map::new();
            if tx.is_coinbase() {
                object.insert(
                    "coinbase".into(),
                    json!(hex::encode(txin.script_sig.as_bytes())),
                );
            } else {
                object.insert("txid".into(), json!(txin.previous_output.txid.to_string()));
                object.insert("vout".into(), json!(txin.previous_output.vout));
                object.insert(
                    "scriptSig".into(),
                    json!({
                        "asm": script_asm(&txin.script_sig, true),
                        "hex": hex::encode(txin.script_sig.as_bytes()),
                    }),
                );
            }
            if !txin.witness.is_empty() {
                let items: Vec<String> = txin.witness.iter().map(hex::encode).collect();
                object.insert("txinwitness".into(), json!(items));
            }
            object.insert("sequence".into(), json!(txin.sequence.to_consensus_u32()));
            Value::Object(object)
        })
        .collect();
    let vout: Vec<Value> = tx
        .output
        .iter()
        .enumerate()
        .map(|(i, o)| output(i, o))
        .collect();
    json!({
        "txid": tx.compute_txid().to_string(),
        "hash": tx.compute_wtxid().to_string(),
        "version": tx.version.0,
        "size": tx.total_size(),
        "vsize": tx.vsize(),
        "weight": tx.weight().to_wu(),
        "locktime": tx.lock_time.to_consensus_u32(),
        "vin": vin,
        "vout": vout,
        "hex": serialize_hex(tx),
    })
}

/// Where a block sits relative to the active chain.
#[derive(Debug, Clone, Copy)]
pub struct Placement {
    /// Its height.
    pub height: u32,
    /// Whether it is on the active chain (else it was invalidated).
    pub active: bool,
}

/// `getblockheader` verbose object; `getblock` adds to it.
pub fn header(chain: &Chain, block: &Block, at: Placement) -> Value {
    let header = &block.header;
    let tip = chain.tip_height();
    let confirmations = if at.active {
        i64::from(tip) - i64::from(at.height) + 1
    } else {
        -1
    };
    let mut object = Map::new();
    object.insert("hash".into(), json!(block.block_hash().to_string()));
    object.insert("confirmations".into(), json!(confirmations));
    object.insert("height".into(), json!(at.height));
    object.insert("version".into(), json!(header.version.to_consensus()));
    object.insert(
        "versionHex".into(),
        json!(format!("{:08x}", header.version.to_consensus())),
    );
    object.insert("merkleroot".into(), json!(header.merkle_root.to_string()));
    object.insert("time".into(), json!(header.time));
    let mediantime = if at.active {
        chain.median_time_past(at.height)
    } else {
        header.time
    };
    object.insert("mediantime".into(), json!(mediantime));
    object.insert("nonce".into(), json!(header.nonce));
    object.insert(
        "bits".into(),
        json!(format!("{:08x}", header.bits.to_consensus())),
    );
    object.insert("difficulty".into(), json!(header.difficulty_float()));
    if let Some(work) = chain.chainwork(at.height).filter(|_| at.active) {
        object.insert("chainwork".into(), json!(hex::encode(work.to_be_bytes())));
    }
    object.insert("nTx".into(), json!(block.txdata.len()));
    if at.height > 0 {
        object.insert(
            "previousblockhash".into(),
            json!(header.prev_blockhash.to_string()),
        );
    }
    if at.active {
        if let Some(next) = chain.block(at.height + 1) {
            object.insert("nextblockhash".into(), json!(next.block_hash().to_string()));
        }
    }
    Value::Object(object)
}

/// `getblock` at verbosity 1 (txids) or 2 (decoded transactions).
pub fn block(chain: &Chain, block: &Block, at: Placement, full_transactions: bool) -> Value {
    let mut object = match header(chain, block, at) {
        Value::Object(object) => object,
        _ => Map::new(),
    };
    let stripped: usize = bitcoin::consensus::serialize(&block.header).len()
        + bitcoin::VarInt::from(block.txdata.len()).size()
        + block
            .txdata
            .iter()
            .map(Transaction::base_size)
            .sum::<usize>();
    object.insert("size".into(), json!(block.total_size()));
    object.insert("strippedsize".into(), json!(stripped));
    object.insert("weight".into(), json!(block.weight().to_wu()));
    let txs: Vec<Value> = if full_transactions {
        block.txdata.iter().map(transaction).collect()
    } else {
        block
            .txdata
            .iter()
            .map(|tx| json!(tx.compute_txid().to_string()))
            .collect()
    };
    object.insert("tx".into(), Value::Array(txs));
    Value::Object(object)
}

#[cfg(test)]
mod tests {
    use super::*;
    use bitcoin::ScriptBuf;

    #[test]
    fn asm_matches_core_for_p2pkh_and_op_return() {
        let p2pkh =
            ScriptBuf::from_hex("76a914014c189ab4265ccc283ee1c8f674c519538c56c688ac").expect("hex");
        assert_eq!(
            script_asm(&p2pkh, false),
            "OP_DUP OP_HASH160 014c189ab4265ccc283ee1c8f674c519538c56c6 OP_EQUALVERIFY OP_CHECKSIG"
        );
        let data = ScriptBuf::from_hex("6a0369643f").expect("hex");
        assert_eq!(script_asm(&data, false), "OP_RETURN 4154473");
        let multisig = ScriptBuf::from_hex("5200ae").expect("hex");
        assert_eq!(script_asm(&multisig, false), "2 0 OP_CHECKMULTISIG");
    }

    #[test]
    fn p2pkh_script_pubkey_names_its_regtest_address() {
        let p2pkh =
            ScriptBuf::from_hex("76a914014c189ab4265ccc283ee1c8f674c519538c56c688ac").expect("hex");
        let value = script_pubkey(&p2pkh);
        assert_eq!(value["type"], "pubkeyhash");
        assert_eq!(value["address"], "mfdp8Vjq86wdLTwZSVXvmxLTi2vPRB41Jh");
        assert_eq!(value["addresses"][0], "mfdp8Vjq86wdLTwZSVXvmxLTi2vPRB41Jh");
        assert_eq!(value["reqSigs"], 1);
    }
}
