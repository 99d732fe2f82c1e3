//! Rule profiles: the consensus rules a world runs under, as the original's scenarios chose
//! them with `TEST ENV` pragmas (integration-tests.md §3).
//!
//! Every profile is test mode with testnet addresses and first block 1. Epoch boundaries are
//! given relative to the world's start height (the tip once the bank is funded), so the first
//! block a scenario can use is `start + 1` whatever the backend.

use blockstack_consensus::rules::Epoch;
use blockstack_consensus::{AddressNetwork, Rules};

/// The rules a world runs under.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Profile {
    /// The devnet's own rules: epoch 3 from block 3 (lifetime multiplier 2, grace period
    /// 5000 blocks, prices ÷10, register-with-hash, multisig, pay-to-creator namespaces).
    Epoch3,
    /// Epoch 3 with the knobs the original's expiry scenarios set: lifetime multiplier 1,
    /// a grace period of [`SHORT_GRACE`] blocks, namespace reveals expiring after
    /// [`SHORT_REVEAL_EXPIRE`] blocks and a pay-to-creator period of [`SHORT_FEE_PERIOD`].
    ShortLife,
    /// The original's default regtest rules: the whole chain in epoch 1 (lifetime
    /// multiplier 1, no grace period, full prices, no multisig owners, no register-with-hash).
    Epoch1,
    /// Epoch 1 until `start + `[`EPOCH1_LEN`], epoch 2 for [`EPOCH2_LEN`] blocks, then
    /// epoch 3 with a grace period of [`SHORT_GRACE`] blocks.
    EpochChange,
    /// The devnet's rules, with the REST write routes and the registrar exercised: a world of
    /// its own because the registrar paces its blocks.
    Registrar,
}

/// The grace period of [`Profile::ShortLife`] and of epoch 3 in [`Profile::EpochChange`].
pub const SHORT_GRACE: u64 = 4;
/// `NAMESPACE_REVEAL_EXPIRE` of [`Profile::ShortLife`].
pub const SHORT_REVEAL_EXPIRE: u64 = 10;
/// `NAMESPACE_RECEIVE_FEES_PERIOD` of epoch 3 in [`Profile::ShortLife`].
pub const SHORT_FEE_PERIOD: u64 = 12;
/// Blocks of epoch 1 after the start of an [`Profile::EpochChange`] world.
pub const EPOCH1_LEN: u64 = 9;
/// Blocks of epoch 2 in an [`Profile::EpochChange`] world.
pub const EPOCH2_LEN: u64 = 6;

/// A last block no scenario reaches.
const FAR: u64 = 1_000_000_000;

impl Profile {
    /// Every profile.
    pub const ALL: [Profile; 5] = [
        Profile::Epoch3,
        Profile::ShortLife,
        Profile::Epoch1,
        Profile::EpochChange,
        Profile::Registrar,
    ];

    /// Its name in reports and the README.
    pub fn name(self) -> &'static str {
        match self {
            Profile::Epoch3 => "epoch3",
            Profile::ShortLife => "short-life",
            Profile::Epoch1 => "epoch1",
            Profile::EpochChange => "epoch-change",
            Profile::Registrar => "registrar",
        }
    }

    /// Whether the world serves the REST write routes with a funded devnet wallet.
    pub fn has_registrar(self) -> bool {
        self == Profile::Registrar
    }

    /// The rules of a world whose setup ends at block `start`.
    pub fn rules(self, start: u64) -> Rules {
        let mut rules = Rules::test(1, AddressNetwork::Testnet);
        let [e1, e2, e3] = &mut rules.epochs;
        let ends = |e1: &mut Epoch, e2: &mut Epoch, a: u64, b: u64| {
            e1.end_block = a;
            e2.end_block = b;
        };
        match self {
            Profile::Epoch3 | Profile::Registrar => ends(e1, e2, 1, 2),
            Profile::ShortLife => {
                ends(e1, e2, 1, 2);
                e3.lifetime_multiplier = 1;
                e3.grace_period = SHORT_GRACE;
                e3.receive_fees_period = SHORT_FEE_PERIOD;
                rules.namespace_reveal_expire = SHORT_REVEAL_EXPIRE;
            }
            Profile::Epoch1 => {
                ends(e1, e2, FAR, FAR + 1);
                e3.end_block = FAR + 2;
            }
            Profile::EpochChange => {
                ends(e1, e2, start + EPOCH1_LEN, start + EPOCH1_LEN + EPOCH2_LEN);
                e3.grace_period = SHORT_GRACE;
            }
        }
        rules
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_profile_puts_its_blocks_in_the_epochs_it_names() {
        let start = 121;
        assert_eq!(Profile::Epoch3.rules(start).epoch(start + 1).number, 3);
        assert_eq!(Profile::Epoch1.rules(start).epoch(start + 10_000).number, 1);
        let change = Profile::EpochChange.rules(start);
        assert_eq!(change.epoch(start + EPOCH1_LEN).number, 1);
        assert_eq!(change.epoch(start + EPOCH1_LEN + 1).number, 2);
        assert_eq!(change.epoch(start + EPOCH1_LEN + EPOCH2_LEN).number, 2);
        assert_eq!(change.epoch(start + EPOCH1_LEN + EPOCH2_LEN + 1).number, 3);
        let short = Profile::ShortLife.rules(start);
        assert_eq!(short.epoch(start).grace_period, SHORT_GRACE);
        assert_eq!(short.epoch(start).lifetime_multiplier, 1);
        assert_eq!(short.namespace_reveal_expire, SHORT_REVEAL_EXPIRE);
    }

    #[test]
    fn the_epoch3_profile_is_the_devnets_rules() {
        assert_eq!(
            Profile::Epoch3.rules(121),
            blockstack_cli::daemon::devnet::rules()
        );
    }
}
