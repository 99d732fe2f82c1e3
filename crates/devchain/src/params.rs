//! Regtest chain parameters.
//!
//! These mirror Bitcoin Core's `CRegTestParams` and policy defaults, so that a
//! transaction this chain accepts would also be accepted by a regtest bitcoind
//! started with default settings.

use bitcoin::{Amount, Network};

/// The network whose address versions (`0x6f`, `0xc4`) and genesis block we use.
pub const NETWORK: Network = Network::Regtest;

/// A coinbase output may be spent only in a block at least this many blocks
/// above the block that created it.
pub const COINBASE_MATURITY: u32 = 100;

/// The block subsidy halves every this many blocks on regtest.
pub const SUBSIDY_HALVING_INTERVAL: u32 = 150;

/// The subsidy of the first halving era.
pub const INITIAL_SUBSIDY: Amount = Amount::from_sat(50 * 100_000_000);

/// All money that can ever exist; no output or sum of outputs may exceed it.
pub const MAX_MONEY: Amount = Amount::from_sat(21_000_000 * 100_000_000);

/// Consensus limit on block weight; also the limit on a single transaction's
/// stripped size times four (`bad-txns-oversize`).
pub const MAX_BLOCK_WEIGHT: u64 = 4_000_000;

/// Policy limit on a transaction's weight (`tx-size`).
pub const MAX_STANDARD_TX_WEIGHT: u64 = 400_000;

/// Policy floor on a transaction's stripped size (`tx-size-small`), which
/// stops 64-byte transactions that look like merkle tree nodes.
pub const MIN_STANDARD_TX_NONWITNESS_SIZE: usize = 65;

/// Policy limit on a scriptSig's size (`scriptsig-size`), enough for a
/// 15-of-15 P2SH multisig spend.
pub const MAX_STANDARD_SCRIPTSIG_SIZE: usize = 1650;

/// Policy limit on a whole `OP_RETURN` output script: the opcode plus at most
/// 80 bytes of data and its push opcodes (`-datacarriersize` default).
pub const MAX_OP_RETURN_RELAY: usize = 83;

/// Fee rate, in satoshis per 1000 virtual bytes, used to decide whether an
/// output is dust (`-dustrelayfee` default).
pub const DUST_RELAY_FEE_PER_KVB: u64 = 3000;

/// Block header version used for mined blocks (BIP9 top bits, no signals).
pub const BLOCK_VERSION: i32 = 0x2000_0000;

/// The block reward at `height`: 50 BTC halved once per 150 blocks.
pub fn block_subsidy(height: u32) -> Amount {
    let halvings = height / SUBSIDY_HALVING_INTERVAL;
    if halvings >= 64 {
        return Amount::ZERO;
    }
    Amount::from_sat(INITIAL_SUBSIDY.to_sat() >> halvings)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subsidy_halves_every_150_blocks() {
        assert_eq!(block_subsidy(1), Amount::from_btc(50.0).expect("valid"));
        assert_eq!(block_subsidy(149), Amount::from_btc(50.0).expect("valid"));
        assert_eq!(block_subsidy(150), Amount::from_btc(25.0).expect("valid"));
        assert_eq!(block_subsidy(300), Amount::from_btc(12.5).expect("valid"));
        assert_eq!(block_subsidy(150 * 64), Amount::ZERO);
    }
}
