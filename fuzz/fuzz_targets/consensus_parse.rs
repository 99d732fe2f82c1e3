//! Parses arbitrary bytes as a transaction and, when they are one, as a BNS operation with a
//! fuzzed sender prevout, then runs the operation through the block processor on an empty
//! state. Nothing may panic.
#![no_main]

use bitcoin::consensus::deserialize;
use bitcoin::{Amount, ScriptBuf, Transaction, TxOut};
use blockstack_consensus::{parse_transaction, process_block, AddressNetwork, MemState, Rules};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let (script, rest) = data.split_at(data.len().min(25));
    let Ok(tx) = deserialize::<Transaction>(rest) else { return };
    let prevout = TxOut { value: Amount::from_sat(1), script_pubkey: ScriptBuf::from_bytes(script.to_vec()) };
    for (rules, height) in [
        (Rules::mainnet(), 400_000),
        (Rules::mainnet(), 500_000),
        (Rules::test(1, AddressNetwork::Testnet), 10),
    ] {
        if let Ok(op) = parse_transaction(&tx, 1, Some(&prevout), &rules, height) {
            let _ = process_block(&MemState::new(), &rules, height, vec![op]);
        }
        let _ = blockstack_consensus::op::parse_kind(&tx, &rules, height);
    }
});
