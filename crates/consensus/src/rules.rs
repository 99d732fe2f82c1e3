//! Network-wide consensus parameters: first block, address versions, epochs and the test-mode
//! switches of the original (`config.py`; spec §1, §4).
//!
//! The consensus functions take a [`Rules`] value and never read the environment; the node
//! builds one from its configuration.

use crate::address::AddressNetwork;

/// Satoshis in one bitcoin.
pub const SATOSHIS_PER_BTC: u64 = 100_000_000;
/// First block indexed on mainnet (`FIRST_BLOCK_MAINNET`).
pub const FIRST_BLOCK_MAINNET: u64 = 373_601;
/// Blocks per day at ten minutes a block.
pub const BLOCKS_PER_DAY: u64 = 144;
/// Blocks per year at ten minutes a block (`round(365.2424 × 144)`).
pub const BLOCKS_PER_YEAR: u64 = 52_595;
/// Most unrevoked names one owner script may hold (`MAX_NAMES_PER_SENDER`).
pub const MAX_NAMES_PER_SENDER: usize = 25;
/// The price floor of a name before the epoch multiplier (`NAME_COST_UNIT`).
pub const NAME_COST_UNIT: f64 = 100.0;
/// How many earlier blocks' consensus hashes an op may reference.
pub const CONSENSUS_HASH_WINDOW: u64 = 24;
/// The consensus hash stored for the four blocks before the first block.
pub const GENESIS_CONSENSUS_HASH: &str = "17ac43c1d8549c3181b200f1bf97eb7d";

/// One epoch's parameters (`EPOCHS[i]` in the original; identical for every namespace).
#[derive(Clone, Debug, PartialEq)]
pub struct Epoch {
    /// 1, 2 or 3.
    pub number: u8,
    /// Last block of the epoch, inclusive.
    pub end_block: u64,
    /// Multiplies a namespace's lifetime (`NAMESPACE_LIFETIME_MULTIPLIER`).
    pub lifetime_multiplier: u64,
    /// Blocks after expiry in which only the owner may renew (`NAMESPACE_LIFETIME_GRACE_PERIOD`).
    pub grace_period: u64,
    /// Multiplies every name price (`PRICE_MULTIPLIER`), as the original's float.
    pub price_multiplier: f64,
    /// Blocks after its reveal in which a version-2 namespace receives name fees.
    pub receive_fees_period: u64,
}

impl Epoch {
    /// p2sh recipients in registrations and p2sh senders of transfers (`BLOCKSTACK_MULTISIG`).
    pub fn has_multisig(&self) -> bool {
        self.number >= 2
    }

    /// The 57-byte register/renew payload with a value hash (`OP_REGISTER_UPDATE`,
    /// `OP_RENEW_TRANSFER_UPDATE`), and renew-and-transfer.
    pub fn has_register_update(&self) -> bool {
        self.number >= 3
    }

    /// Version-2 namespaces paying name fees to their creator (`NAMESPACE_BURN_TO_CREATOR`).
    pub fn has_burn_to_creator(&self) -> bool {
        self.number >= 3
    }
}

/// Every consensus parameter that varies between mainnet, testnet and test mode.
#[derive(Clone, Debug, PartialEq)]
pub struct Rules {
    /// Address version bytes.
    pub network: AddressNetwork,
    /// First block processed (F).
    pub first_block: u64,
    /// The original's `BLOCKSTACK_TEST` mode (cheaper one-letter namespaces).
    pub test_mode: bool,
    /// Epochs 1, 2 and 3.
    pub epochs: [Epoch; 3],
    /// Blocks a revealed namespace has to become ready (`NAMESPACE_REVEAL_EXPIRE`).
    pub namespace_reveal_expire: u64,
    /// BIP32 children of the first importer's key allowed to import (`NAME_IMPORT_KEYRING_SIZE`).
    pub import_keyring_size: u32,
}

impl Rules {
    /// Mainnet: first block 373601 and the real epochs.
    pub fn mainnet() -> Self {
        Self {
            network: AddressNetwork::Mainnet,
            first_block: FIRST_BLOCK_MAINNET,
            test_mode: false,
            epochs: default_epochs(),
            namespace_reveal_expire: BLOCKS_PER_YEAR,
            import_keyring_size: 300,
        }
    }

    /// The original's test mode (`BLOCKSTACK_TEST=1`) with the given first block, before any
    /// epoch override: reveals expire after a day and the keyring has five keys.
    pub fn test(first_block: u64, network: AddressNetwork) -> Self {
        Self {
            network,
            first_block,
            test_mode: true,
            epochs: default_epochs(),
            namespace_reveal_expire: BLOCKS_PER_DAY,
            import_keyring_size: 5,
        }
    }

    /// The epoch of block `height` (`get_epoch_number`).
    ///
    /// The original aborts past the end of epoch 3; these rules keep applying epoch 3 there.
    pub fn epoch(&self, height: u64) -> &Epoch {
        let [e1, e2, e3] = &self.epochs;
        if height <= e1.end_block {
            e1
        } else if height <= e2.end_block {
            e2
        } else {
            e3
        }
    }

    /// The burn address of this network.
    pub fn burn_address(&self) -> String {
        self.network.burn_address()
    }
}

/// The mainnet epoch table.
pub fn default_epochs() -> [Epoch; 3] {
    [
        Epoch {
            number: 1,
            end_block: 436_650,
            lifetime_multiplier: 1,
            grace_period: 0,
            price_multiplier: 1.0,
            receive_fees_period: 0,
        },
        Epoch {
            number: 2,
            end_block: 488_500,
            lifetime_multiplier: 2,
            grace_period: 0,
            price_multiplier: 1.0,
            receive_fees_period: 0,
        },
        Epoch {
            number: 3,
            end_block: 541_843,
            lifetime_multiplier: 2,
            grace_period: 5_000,
            price_multiplier: 0.1,
            receive_fees_period: BLOCKS_PER_YEAR,
        },
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn epoch_boundaries_are_inclusive() {
        let r = Rules::mainnet();
        assert_eq!(r.epoch(0).number, 1);
        assert_eq!(r.epoch(436_650).number, 1);
        assert_eq!(r.epoch(436_651).number, 2);
        assert_eq!(r.epoch(488_500).number, 2);
        assert_eq!(r.epoch(488_501).number, 3);
        assert_eq!(r.epoch(541_843).number, 3);
        assert_eq!(r.epoch(600_000).number, 3);
    }

    #[test]
    fn features_by_epoch() {
        let r = Rules::mainnet();
        assert!(!r.epoch(400_000).has_multisig());
        assert!(r.epoch(450_000).has_multisig());
        assert!(!r.epoch(450_000).has_register_update());
        assert!(r.epoch(500_000).has_register_update());
        assert!(r.epoch(500_000).has_burn_to_creator());
    }

    #[test]
    fn test_mode_constants() {
        let r = Rules::test(688, AddressNetwork::Testnet);
        assert_eq!(r.namespace_reveal_expire, 144);
        assert_eq!(r.import_keyring_size, 5);
        assert_eq!(r.burn_address(), "mfWxJ45yp2SFn7UciZyNpvDKrzbhyfKrY8");
        let m = Rules::mainnet();
        assert_eq!(m.namespace_reveal_expire, 52_595);
        assert_eq!(m.import_keyring_size, 300);
    }
}
