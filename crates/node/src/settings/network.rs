//! Network profiles and the consensus-relevant test knobs.
//!
//! v0.18 reads its network switches from the environment at import time
//! (`blockstack/lib/config.py`, `bns.md` §1.6). Here they are parsed once,
//! from any [`Env`], into a plain [`NetworkParams`] value that the consensus
//! code takes as a parameter, so nothing reads the process environment
//! behind the caller's back and every knob is testable.

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::str::FromStr;

use super::SettingsError;

/// A read-only view of environment variables.
pub trait Env {
    /// The value of `key`, if set (an empty value counts as set).
    fn var(&self, key: &str) -> Option<String>;
}

impl Env for HashMap<String, String> {
    fn var(&self, key: &str) -> Option<String> {
        self.get(key).cloned()
    }
}

impl Env for BTreeMap<String, String> {
    fn var(&self, key: &str) -> Option<String> {
        self.get(key).cloned()
    }
}

/// The real process environment.
#[derive(Debug, Clone, Copy, Default)]
pub struct ProcessEnv;

impl Env for ProcessEnv {
    fn var(&self, key: &str) -> Option<String> {
        std::env::var(key).ok()
    }
}

/// Which chain the node indexes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Network {
    /// Bitcoin mainnet: the real BNS.
    Mainnet,
    /// Bitcoin testnet: mainnet rules with testnet address encoding.
    Testnet,
    /// A local regtest chain: test mode (`BLOCKSTACK_TEST`) with testnet
    /// addresses, as the original's integration framework runs it.
    Regtest,
}

impl Network {
    /// Its name on the command line and in the INI file.
    pub fn as_str(self) -> &'static str {
        match self {
            Network::Mainnet => "mainnet",
            Network::Testnet => "testnet",
            Network::Regtest => "regtest",
        }
    }
}

impl fmt::Display for Network {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Network {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "mainnet" | "main" => Ok(Network::Mainnet),
            "testnet" | "test" | "testnet3" => Ok(Network::Testnet),
            "regtest" => Ok(Network::Regtest),
            _ => Err("expected mainnet, testnet or regtest".to_owned()),
        }
    }
}

/// `FIRST_BLOCK_MAINNET`: the first block v0.18 processes.
pub const FIRST_BLOCK_MAINNET: u64 = 373_601;
/// `SUBDOMAINS_FIRST_BLOCK` on mainnet.
pub const SUBDOMAINS_FIRST_BLOCK_MAINNET: u64 = 478_872;
/// `SUBDOMAINS_FIRST_BLOCK` in test mode without an override.
pub const SUBDOMAINS_FIRST_BLOCK_TEST: u64 = 256;
/// `NUM_CONFIRMATIONS` on mainnet (0 in test mode).
pub const NUM_CONFIRMATIONS_MAINNET: u64 = 6;
/// `NAMESPACE_REVEAL_EXPIRE` on mainnet: `BLOCKS_PER_YEAR`.
pub const NAMESPACE_REVEAL_EXPIRE_MAINNET: u64 = 52_595;
/// `NAMESPACE_REVEAL_EXPIRE` in test mode without an override: `BLOCKS_PER_DAY`.
pub const NAMESPACE_REVEAL_EXPIRE_TEST: u64 = 144;
/// `NAME_IMPORT_KEYRING_SIZE` on mainnet / in test mode.
pub const NAME_IMPORT_KEYRING_SIZE: [u32; 2] = [300, 5];
/// `EPOCH_{1,2,3}_END_BLOCK` on mainnet (`bns.md` §4).
pub const EPOCH_END_BLOCKS_MAINNET: [u64; 3] = [436_650, 488_500, 541_843];
/// `BLOCKSTACK_TEST_FIRST_BLOCK` as the original's regtest framework sets
/// it (682 + 6): the regtest profile's first block.
pub const FIRST_BLOCK_REGTEST: u64 = 688;

/// Per-epoch overrides (`BLOCKSTACK_EPOCH_<n>_*`, test mode only). `None`
/// keeps the consensus default.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct EpochOverride {
    /// `BLOCKSTACK_EPOCH_<n>_END_BLOCK`: last block of epoch n.
    pub end_block: Option<u64>,
    /// `BLOCKSTACK_EPOCH_<n>_PRICE_MULTIPLIER` (a float in the original).
    pub price_multiplier: Option<f64>,
    /// `BLOCKSTACK_EPOCH_<n>_NAMESPACE_LIFETIME_MULTIPLIER`.
    pub namespace_lifetime_multiplier: Option<u64>,
    /// `BLOCKSTACK_EPOCH_<n>_NAMESPACE_LIFETIME_GRACE_PERIOD`.
    pub namespace_lifetime_grace_period: Option<u64>,
    /// `BLOCKSTACK_EPOCH_<n>_NAMESPACE_RECEIVE_FEES_PERIOD`.
    pub namespace_receive_fees_period: Option<u64>,
}

/// Consensus-relevant chain parameters, after profile and environment.
#[derive(Debug, Clone, PartialEq)]
pub struct NetworkParams {
    /// The profile these started from.
    pub network: Network,
    /// `BLOCKSTACK_TEST`: test mode (smaller keyring, cheaper 1-char
    /// namespaces, 0 confirmations, overridable epochs, RPC port 16264).
    pub test_mode: bool,
    /// `BLOCKSTACK_TESTNET` / `BLOCKSTACK_TESTNET3`: version bytes 0x6f/0xc4
    /// in every address string (and so in preorder hashes and the burn address).
    pub testnet_addresses: bool,
    /// `FIRST_BLOCK_MAINNET`: first block processed.
    pub first_block: u64,
    /// `NUM_CONFIRMATIONS`: index up to `getblockcount() - num_confirmations`.
    pub num_confirmations: u64,
    /// `SUBDOMAINS_FIRST_BLOCK`.
    pub subdomains_first_block: u64,
    /// `NAMESPACE_REVEAL_EXPIRE`.
    pub namespace_reveal_expire: u64,
    /// `NAME_IMPORT_KEYRING_SIZE`.
    pub name_import_keyring_size: u32,
    /// Overrides for epochs 1, 2 and 3.
    pub epochs: [EpochOverride; 3],
}

impl NetworkParams {
    /// The profile's values, with no environment applied.
    pub fn profile(network: Network) -> Self {
        let test_mode = network == Network::Regtest;
        let mut params = NetworkParams {
            network,
            test_mode: false,
            testnet_addresses: network != Network::Mainnet,
            first_block: if test_mode {
                FIRST_BLOCK_REGTEST
            } else {
                FIRST_BLOCK_MAINNET
            },
            num_confirmations: NUM_CONFIRMATIONS_MAINNET,
            subdomains_first_block: SUBDOMAINS_FIRST_BLOCK_MAINNET,
            namespace_reveal_expire: NAMESPACE_REVEAL_EXPIRE_MAINNET,
            name_import_keyring_size: NAME_IMPORT_KEYRING_SIZE[0],
            epochs: [EpochOverride::default(); 3],
        };
        if test_mode {
            params.enter_test_mode();
        }
        params
    }

    fn enter_test_mode(&mut self) {
        self.test_mode = true;
        self.num_confirmations = 0;
        self.subdomains_first_block = SUBDOMAINS_FIRST_BLOCK_TEST;
        self.namespace_reveal_expire = NAMESPACE_REVEAL_EXPIRE_TEST;
        self.name_import_keyring_size = NAME_IMPORT_KEYRING_SIZE[1];
    }

    /// The profile for `network` with the `BLOCKSTACK_*` knobs of `env`
    /// applied, as `config.py` applies them:
    ///
    /// * `BLOCKSTACK_TEST` turns test mode on (the regtest profile has it on
    ///   already); `BLOCKSTACK_TESTNET` / `BLOCKSTACK_TESTNET3` switch address
    ///   encoding;
    /// * `BLOCKSTACK_TEST_FIRST_BLOCK`, else `BLOCKSTACK_TESTNET_FIRST_BLOCK`,
    ///   set the first block; `BLOCKSTACK_TEST_SUBDOMAINS_FIRST_BLOCK`,
    ///   `BLOCKSTACK_NAMESPACE_REVEAL_EXPIRE` and `BLOCKSTACK_EPOCH_<n>_*`
    ///   override their values; all of these need test mode;
    /// * `BLOCKSTACK_CORE_NUM_CONFS` sets the confirmations in any mode.
    ///
    /// Unlike the original, which silently ignores a test-only knob outside
    /// test mode and treats any non-empty value (even `0`) as "on", this
    /// refuses such a knob, and reads switches as booleans
    /// (`1/true/yes/on`, `0/false/no/off`); a bad value is an error naming
    /// the variable.
    pub fn from_env(network: Network, env: &impl Env) -> Result<Self, SettingsError> {
        let mut params = NetworkParams::profile(network);
        if env_bool(env, "BLOCKSTACK_TEST")? == Some(true) && !params.test_mode {
            params.enter_test_mode();
        }
        let testnet =
            env_bool(env, "BLOCKSTACK_TESTNET")?.or(env_bool(env, "BLOCKSTACK_TESTNET3")?);
        if let Some(testnet) = testnet {
            params.testnet_addresses = testnet;
        }

        let test_mode = params.test_mode;
        let int = |key: &str| test_only(test_mode, env, key, parse_u64);
        let first_block =
            int("BLOCKSTACK_TEST_FIRST_BLOCK")?.or(int("BLOCKSTACK_TESTNET_FIRST_BLOCK")?);
        let subdomains = int("BLOCKSTACK_TEST_SUBDOMAINS_FIRST_BLOCK")?;
        let reveal = int("BLOCKSTACK_NAMESPACE_REVEAL_EXPIRE")?;
        let mut epochs = [EpochOverride::default(); 3];
        for (i, epoch) in epochs.iter_mut().enumerate() {
            let key = |knob: &str| format!("BLOCKSTACK_EPOCH_{}_{knob}", i + 1);
            *epoch = EpochOverride {
                end_block: int(&key("END_BLOCK"))?,
                price_multiplier: test_only(test_mode, env, &key("PRICE_MULTIPLIER"), parse_f64)?,
                namespace_lifetime_multiplier: int(&key("NAMESPACE_LIFETIME_MULTIPLIER"))?,
                namespace_lifetime_grace_period: int(&key("NAMESPACE_LIFETIME_GRACE_PERIOD"))?,
                namespace_receive_fees_period: int(&key("NAMESPACE_RECEIVE_FEES_PERIOD"))?,
            };
        }
        let num_confs = env_u64(env, "BLOCKSTACK_CORE_NUM_CONFS")?;

        if let Some(first_block) = first_block {
            params.first_block = first_block;
        }
        if let Some(subdomains) = subdomains {
            params.subdomains_first_block = subdomains;
        }
        if let Some(reveal) = reveal {
            params.namespace_reveal_expire = reveal;
        }
        if let Some(num_confs) = num_confs {
            params.num_confirmations = num_confs;
        }
        params.epochs = epochs;
        params.validate()?;
        Ok(params)
    }

    /// The effective end block of each epoch.
    pub fn epoch_end_blocks(&self) -> [u64; 3] {
        let mut ends = EPOCH_END_BLOCKS_MAINNET;
        for (end, epoch) in ends.iter_mut().zip(&self.epochs) {
            if let Some(over) = epoch.end_block {
                *end = over;
            }
        }
        ends
    }

    fn validate(&self) -> Result<(), SettingsError> {
        let ends = self.epoch_end_blocks();
        for n in 1..3 {
            if ends[n] <= ends[n - 1] {
                return Err(SettingsError::Conflict(format!(
                    "epoch {} ends at block {} but epoch {} already ends at {}; \
                     BLOCKSTACK_EPOCH_<n>_END_BLOCK values must increase",
                    n + 1,
                    ends[n],
                    n,
                    ends[n - 1]
                )));
            }
        }
        for (i, epoch) in self.epochs.iter().enumerate() {
            if let Some(m) = epoch.price_multiplier {
                if !m.is_finite() || m < 0.0 {
                    return Err(SettingsError::Invalid {
                        key: format!("BLOCKSTACK_EPOCH_{}_PRICE_MULTIPLIER", i + 1),
                        value: m.to_string(),
                        reason: "must be a finite, non-negative number".to_owned(),
                    });
                }
            }
        }
        Ok(())
    }
}

/// A knob the original reads only in test mode.
fn test_only<T>(
    test_mode: bool,
    env: &impl Env,
    key: &str,
    parse: fn(&str) -> Result<T, String>,
) -> Result<Option<T>, SettingsError> {
    let value = env_parse(env, key, parse)?;
    if value.is_some() && !test_mode {
        return Err(SettingsError::Invalid {
            key: key.to_owned(),
            value: env.var(key).unwrap_or_default(),
            reason: "only honoured in test mode (set BLOCKSTACK_TEST=1 or use --network regtest)"
                .to_owned(),
        });
    }
    Ok(value)
}

/// A boolean switch: `1/true/yes/on` or `0/false/no/off`, any case.
pub(super) fn parse_bool(value: &str) -> Result<bool, String> {
    match value.trim().to_ascii_lowercase().as_str() {
        "1" | "true" | "yes" | "y" | "on" => Ok(true),
        "0" | "false" | "no" | "n" | "off" => Ok(false),
        _ => Err("expected a boolean (1/true/yes/on or 0/false/no/off)".to_owned()),
    }
}

fn env_bool(env: &impl Env, key: &str) -> Result<Option<bool>, SettingsError> {
    env_parse(env, key, parse_bool)
}

fn env_u64(env: &impl Env, key: &str) -> Result<Option<u64>, SettingsError> {
    env_parse(env, key, parse_u64)
}

/// A non-negative integer; surrounding whitespace is ignored, as by Python's `int()`.
pub(super) fn parse_u64(value: &str) -> Result<u64, String> {
    value
        .trim()
        .parse::<u64>()
        .map_err(|_| "expected a non-negative integer".to_owned())
}

fn parse_f64(value: &str) -> Result<f64, String> {
    value
        .trim()
        .parse::<f64>()
        .map_err(|_| "expected a number".to_owned())
}

fn env_parse<T>(
    env: &impl Env,
    key: &str,
    parse: impl Fn(&str) -> Result<T, String>,
) -> Result<Option<T>, SettingsError> {
    match env.var(key) {
        None => Ok(None),
        Some(value) => parse(&value)
            .map(Some)
            .map_err(|reason| SettingsError::Invalid {
                key: key.to_owned(),
                value,
                reason,
            }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn mainnet_without_knobs_has_the_mainnet_constants() {
        let p = NetworkParams::from_env(Network::Mainnet, &env(&[])).expect("valid");
        assert!(!p.test_mode && !p.testnet_addresses);
        assert_eq!(p.first_block, 373_601);
        assert_eq!(p.num_confirmations, 6);
        assert_eq!(p.subdomains_first_block, 478_872);
        assert_eq!(p.namespace_reveal_expire, 52_595);
        assert_eq!(p.name_import_keyring_size, 300);
        assert_eq!(p.epoch_end_blocks(), [436_650, 488_500, 541_843]);
    }

    #[test]
    fn testnet_only_changes_address_encoding() {
        let p = NetworkParams::from_env(Network::Testnet, &env(&[])).expect("valid");
        assert!(p.testnet_addresses && !p.test_mode);
        assert_eq!(p.first_block, FIRST_BLOCK_MAINNET);
    }

    #[test]
    fn regtest_is_test_mode_with_the_frameworks_first_block() {
        let p = NetworkParams::from_env(Network::Regtest, &env(&[])).expect("valid");
        assert!(p.test_mode && p.testnet_addresses);
        assert_eq!(
            (p.first_block, p.num_confirmations, p.subdomains_first_block),
            (688, 0, 256)
        );
        assert_eq!(
            (p.namespace_reveal_expire, p.name_import_keyring_size),
            (144, 5)
        );
    }

    #[test]
    fn blockstack_test_turns_on_test_mode_and_its_overrides() {
        let p = NetworkParams::from_env(
            Network::Mainnet,
            &env(&[
                ("BLOCKSTACK_TEST", "1"),
                ("BLOCKSTACK_TESTNET", "1"),
                ("BLOCKSTACK_TEST_FIRST_BLOCK", "250"),
                ("BLOCKSTACK_TESTNET_FIRST_BLOCK", "999"),
                ("BLOCKSTACK_TEST_SUBDOMAINS_FIRST_BLOCK", "300"),
                ("BLOCKSTACK_NAMESPACE_REVEAL_EXPIRE", "10"),
                ("BLOCKSTACK_EPOCH_1_END_BLOCK", "1"),
                ("BLOCKSTACK_EPOCH_2_END_BLOCK", "2"),
                ("BLOCKSTACK_EPOCH_3_PRICE_MULTIPLIER", "0.5"),
                ("BLOCKSTACK_EPOCH_3_NAMESPACE_LIFETIME_MULTIPLIER", "3"),
                ("BLOCKSTACK_EPOCH_3_NAMESPACE_LIFETIME_GRACE_PERIOD", "50"),
                ("BLOCKSTACK_EPOCH_3_NAMESPACE_RECEIVE_FEES_PERIOD", "7"),
            ]),
        )
        .expect("valid");
        assert!(p.test_mode && p.testnet_addresses);
        assert_eq!(
            p.first_block, 250,
            "TEST_FIRST_BLOCK wins over TESTNET_FIRST_BLOCK"
        );
        assert_eq!(p.num_confirmations, 0);
        assert_eq!(p.subdomains_first_block, 300);
        assert_eq!(p.namespace_reveal_expire, 10);
        assert_eq!(p.epoch_end_blocks(), [1, 2, 541_843]);
        assert_eq!(
            p.epochs[2],
            EpochOverride {
                end_block: None,
                price_multiplier: Some(0.5),
                namespace_lifetime_multiplier: Some(3),
                namespace_lifetime_grace_period: Some(50),
                namespace_receive_fees_period: Some(7),
            }
        );
    }

    #[test]
    fn testnet_first_block_applies_when_test_first_block_is_absent() {
        let p = NetworkParams::from_env(
            Network::Mainnet,
            &env(&[
                ("BLOCKSTACK_TEST", "yes"),
                ("BLOCKSTACK_TESTNET_FIRST_BLOCK", "999"),
            ]),
        )
        .expect("valid");
        assert_eq!(p.first_block, 999);
        assert!(
            !p.testnet_addresses,
            "TESTNET_FIRST_BLOCK does not switch addresses"
        );
    }

    #[test]
    fn num_confs_works_in_any_mode() {
        let p = NetworkParams::from_env(
            Network::Mainnet,
            &env(&[("BLOCKSTACK_CORE_NUM_CONFS", "2")]),
        )
        .expect("valid");
        assert_eq!(p.num_confirmations, 2);
        let p = NetworkParams::from_env(
            Network::Regtest,
            &env(&[("BLOCKSTACK_CORE_NUM_CONFS", "3")]),
        )
        .expect("valid");
        assert_eq!(p.num_confirmations, 3);
    }

    #[test]
    fn testnet3_is_an_alias() {
        let p = NetworkParams::from_env(Network::Mainnet, &env(&[("BLOCKSTACK_TESTNET3", "1")]))
            .expect("valid");
        assert!(p.testnet_addresses);
        let p = NetworkParams::from_env(Network::Testnet, &env(&[("BLOCKSTACK_TESTNET", "0")]))
            .expect("valid");
        assert!(!p.testnet_addresses);
    }

    #[test]
    fn test_only_knobs_outside_test_mode_are_refused_by_name() {
        for key in [
            "BLOCKSTACK_TEST_FIRST_BLOCK",
            "BLOCKSTACK_TESTNET_FIRST_BLOCK",
            "BLOCKSTACK_TEST_SUBDOMAINS_FIRST_BLOCK",
            "BLOCKSTACK_NAMESPACE_REVEAL_EXPIRE",
            "BLOCKSTACK_EPOCH_1_END_BLOCK",
            "BLOCKSTACK_EPOCH_2_PRICE_MULTIPLIER",
            "BLOCKSTACK_EPOCH_3_NAMESPACE_RECEIVE_FEES_PERIOD",
        ] {
            let err =
                NetworkParams::from_env(Network::Mainnet, &env(&[(key, "5")])).expect_err(key);
            let message = err.to_string();
            assert!(
                message.contains(key) && message.contains("test mode"),
                "{message}"
            );
        }
    }

    #[test]
    fn bad_values_name_the_variable() {
        for (key, value) in [
            ("BLOCKSTACK_TEST", ""),
            ("BLOCKSTACK_TEST", "maybe"),
            ("BLOCKSTACK_TESTNET", "2"),
            ("BLOCKSTACK_CORE_NUM_CONFS", "-1"),
            ("BLOCKSTACK_CORE_NUM_CONFS", "six"),
        ] {
            let err =
                NetworkParams::from_env(Network::Mainnet, &env(&[(key, value)])).expect_err(key);
            assert!(err.to_string().contains(key), "{err}");
        }
        let err = NetworkParams::from_env(
            Network::Regtest,
            &env(&[("BLOCKSTACK_EPOCH_1_PRICE_MULTIPLIER", "x")]),
        )
        .expect_err("not a number");
        assert!(
            err.to_string()
                .contains("BLOCKSTACK_EPOCH_1_PRICE_MULTIPLIER"),
            "{err}"
        );
        let err = NetworkParams::from_env(
            Network::Regtest,
            &env(&[("BLOCKSTACK_EPOCH_1_PRICE_MULTIPLIER", "-1")]),
        )
        .expect_err("negative");
        assert!(
            err.to_string()
                .contains("BLOCKSTACK_EPOCH_1_PRICE_MULTIPLIER"),
            "{err}"
        );
    }

    #[test]
    fn epoch_ends_must_increase() {
        let err = NetworkParams::from_env(
            Network::Regtest,
            &env(&[
                ("BLOCKSTACK_EPOCH_1_END_BLOCK", "10"),
                ("BLOCKSTACK_EPOCH_2_END_BLOCK", "10"),
            ]),
        )
        .expect_err("not increasing");
        assert!(err.to_string().contains("END_BLOCK"), "{err}");
    }

    #[test]
    fn network_names_parse() {
        assert_eq!("Regtest".parse::<Network>(), Ok(Network::Regtest));
        assert_eq!("testnet".parse::<Network>(), Ok(Network::Testnet));
        assert!("signet".parse::<Network>().is_err());
    }
}
