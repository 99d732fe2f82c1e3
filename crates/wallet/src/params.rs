//! Chain parameters that change how transactions are built and signed.
//!
//! Everything chain-specific the wallet needs sits in one value, as
//! `bitcoind-regtest.md` §7 recommends: address version bytes, the sighash
//! algorithm, the dust limit and the value of the small "marker" outputs that
//! name operations send to owners. BNS consensus code must not read any of
//! this; in particular the sighash choice never affects what the indexer sees.

use bitcoin::{Amount, NetworkKind};

/// The value the original puts on every owner/recipient/zone-file-hash
/// output (`DEFAULT_DUST_FEE`, cli-wallet.md §c.5 and §c.7).
pub const DEFAULT_MARKER_VALUE: Amount = Amount::from_sat(5500);

/// Bitcoin Core's dust threshold for a P2PKH output at the default dust relay
/// fee (546 sat; P2SH is 540). Change below this is folded into the fee.
pub const BITCOIN_DUST_LIMIT: Amount = Amount::from_sat(546);

/// Which signature-hash algorithm signatures commit to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum SighashMode {
    /// The original Bitcoin digest with `SIGHASH_ALL` (0x01). Real Bitcoin
    /// and the development chain.
    #[default]
    Legacy,
    /// The BIP143 digest with `SIGHASH_ALL|FORKID` (0x41 | fork_id << 8),
    /// required on every input by the Bitcoin SV regtest node used in
    /// integration tests (bitcoind-regtest.md §3). The byte appended to each
    /// signature is 0x41.
    ForkIdBip143 {
        /// The fork id mixed into the upper bits of the hash type (0 for SV).
        fork_id: u32,
    },
}

/// The parameters of the chain a transaction is built for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ChainParams {
    /// Address and WIF version bytes: mainnet (`1…`/`3…`) or test (`m…`/`n…`/`2…`).
    pub network: NetworkKind,
    /// How inputs are signed.
    pub sighash: SighashMode,
    /// The smallest output the builder creates; change below it is dropped
    /// and becomes fee.
    pub dust_limit: Amount,
    /// The value of owner/recipient/zone-file-hash outputs.
    pub marker_value: Amount,
}

impl ChainParams {
    /// Bitcoin mainnet.
    pub const fn bitcoin_mainnet() -> Self {
        Self {
            network: NetworkKind::Main,
            sighash: SighashMode::Legacy,
            dust_limit: BITCOIN_DUST_LIMIT,
            marker_value: DEFAULT_MARKER_VALUE,
        }
    }

    /// Bitcoin testnet and Core regtest (test version bytes, legacy sighash).
    pub const fn bitcoin_testnet() -> Self {
        Self {
            network: NetworkKind::Test,
            ..Self::bitcoin_mainnet()
        }
    }

    /// The Bitcoin SV regtest node of the integration tests: test version
    /// bytes, FORKID/BIP143 signatures and a dust threshold of 1 sat
    /// (bitcoind-regtest.md §3–§4). Selected explicitly by the test harness,
    /// never by detecting the node.
    pub const fn sv_regtest_test_node() -> Self {
        Self {
            network: NetworkKind::Test,
            sighash: SighashMode::ForkIdBip143 { fork_id: 0 },
            dust_limit: Amount::from_sat(1),
            marker_value: DEFAULT_MARKER_VALUE,
        }
    }
}

impl Default for ChainParams {
    fn default() -> Self {
        Self::bitcoin_mainnet()
    }
}
