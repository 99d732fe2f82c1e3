//! Script → address rules and sender classification (virtualchain 0.18.0.1
//! `btc_script_hex_to_address` and `btc_tx_output_parse_script`; spec §2.5, §2.6).

use bitcoin::base58;
use bitcoin::bech32::primitives::iter::{ByteIterExt, Fe32IterExt};
use bitcoin::bech32::{Bech32, Fe32, Hrp};

/// Which address version bytes are in force (`BLOCKSTACK_TESTNET`; spec §1.6).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AddressNetwork {
    /// p2pkh 0x00, p2sh 0x05, bech32 HRP `bc`.
    Mainnet,
    /// p2pkh 0x6f, p2sh 0xc4, bech32 HRP `tb` (testnet and regtest).
    Testnet,
}

impl AddressNetwork {
    /// The p2pkh version byte.
    pub fn p2pkh_version(self) -> u8 {
        match self {
            Self::Mainnet => 0x00,
            Self::Testnet => 0x6f,
        }
    }

    /// The p2sh version byte.
    pub fn p2sh_version(self) -> u8 {
        match self {
            Self::Mainnet => 0x05,
            Self::Testnet => 0xc4,
        }
    }

    fn hrp(self) -> &'static str {
        match self {
            Self::Mainnet => "bc",
            Self::Testnet => "tb",
        }
    }

    /// The address that burns fees: p2pkh to the all-zero hash.
    pub fn burn_address(self) -> String {
        base58check(self.p2pkh_version(), &[0u8; 20])
    }
}

/// How the original classifies the script of a previous output (`script_type`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ScriptType {
    /// `76a914 <20> 88ac`.
    PubKeyHash,
    /// `a914 <20> 87`.
    ScriptHash,
    /// A 22-byte `00…` script.
    WitnessPubKeyHash,
    /// A 33-byte `00…` script (the original's mistaken p2wsh length).
    WitnessScriptHash,
    /// Anything else: bare multisig, p2pk, OP_RETURN, nonstandard.
    Other,
}

/// [`script_type`] of a script given as lowercase hex, without decoding it.
pub fn script_type_hex(script: &str) -> ScriptType {
    let b = script.as_bytes();
    match b.len() {
        50 if b.starts_with(b"76a914") && b.ends_with(b"88ac") => ScriptType::PubKeyHash,
        46 if b.starts_with(b"a914") && b.ends_with(b"87") => ScriptType::ScriptHash,
        44 if b.starts_with(b"00") => ScriptType::WitnessPubKeyHash,
        66 if b.starts_with(b"00") => ScriptType::WitnessScriptHash,
        _ => ScriptType::Other,
    }
}

/// Base58check of `version ‖ payload`.
pub fn base58check(version: u8, payload: &[u8]) -> String {
    let mut data = Vec::with_capacity(1 + payload.len());
    data.push(version);
    data.extend_from_slice(payload);
    base58::encode_check(&data)
}

/// Classifies a scriptPubKey by the original's byte patterns.
pub fn script_type(script: &[u8]) -> ScriptType {
    match script {
        [0x76, 0xa9, 0x14, .., 0x88, 0xac] if script.len() == 25 => ScriptType::PubKeyHash,
        [0xa9, 0x14, .., 0x87] if script.len() == 23 => ScriptType::ScriptHash,
        [0x00, ..] if script.len() == 22 => ScriptType::WitnessPubKeyHash,
        [0x00, ..] if script.len() == 33 => ScriptType::WitnessScriptHash,
        _ => ScriptType::Other,
    }
}

/// The address string the original derives from a scriptPubKey, or `None`.
///
/// The two `00…` rows reproduce virtualchain 0.18.0.1's broken bech32: witness version 1 and
/// the script minus its first byte (push byte included) as the program. Such an address never
/// matches a sender, so a name sent to one is frozen (spec §2.6).
pub fn script_to_address(script: &[u8], network: AddressNetwork) -> Option<String> {
    match script_type(script) {
        ScriptType::PubKeyHash => Some(base58check(network.p2pkh_version(), script.get(3..23)?)),
        ScriptType::ScriptHash => Some(base58check(network.p2sh_version(), script.get(2..22)?)),
        ScriptType::WitnessPubKeyHash | ScriptType::WitnessScriptHash => {
            let hrp = Hrp::parse(network.hrp()).ok()?;
            let chars = script
                .get(1..)?
                .iter()
                .copied()
                .bytes_to_fes()
                .with_checksum::<Bech32>(&hrp)
                .with_witness_version(Fe32::P)
                .chars();
            Some(chars.collect())
        }
        ScriptType::Other => None,
    }
}

/// The sender address of a previous output: only p2pkh and p2sh scripts have one.
pub fn sender_address(script: &[u8], network: AddressNetwork) -> Option<String> {
    match script_type(script) {
        ScriptType::PubKeyHash | ScriptType::ScriptHash => script_to_address(script, network),
        _ => None,
    }
}

/// Decodes a base58check address into its version byte and 20-byte hash.
pub fn decode_base58_address(address: &str) -> Option<(u8, [u8; 20])> {
    let data = base58::decode_check(address).ok()?;
    let (version, hash) = data.split_first()?;
    Some((*version, hash.try_into().ok()?))
}

/// Whether `address` is a p2sh address of `network`.
pub fn is_p2sh_address(address: &str, network: AddressNetwork) -> bool {
    decode_base58_address(address).is_some_and(|(v, _)| v == network.p2sh_version())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn script(h: &str) -> Vec<u8> {
        hex::decode(h).expect("hex")
    }

    #[test]
    fn burn_addresses() {
        assert_eq!(
            AddressNetwork::Mainnet.burn_address(),
            "1111111111111111111114oLvT2"
        );
        assert_eq!(
            AddressNetwork::Testnet.burn_address(),
            "mfWxJ45yp2SFn7UciZyNpvDKrzbhyfKrY8"
        );
    }

    #[test]
    fn p2pkh_and_p2sh() {
        let s = script("76a91408d0dd44c1f0a3a4f0957ae95901929d7d66d55788ac");
        assert_eq!(
            script_to_address(&s, AddressNetwork::Mainnet).as_deref(),
            Some("1occgbip7tFDXX9MvzQhcnTUUjcVX2dYK")
        );
        let s = script("76a914014c189ab4265ccc283ee1c8f674c519538c56c688ac");
        assert_eq!(
            script_to_address(&s, AddressNetwork::Testnet).as_deref(),
            Some("mfdp8Vjq86wdLTwZSVXvmxLTi2vPRB41Jh")
        );
        let s = script("a91492904ee78d2ae998e51a8594176a2e509c3ecf9987");
        assert_eq!(
            script_to_address(&s, AddressNetwork::Testnet).as_deref(),
            Some("2N6cBX15UfAHxzAtbAeEpYEgXbxPGtzEKdY")
        );
        let zero_p2sh = format!("a914{}87", "00".repeat(20));
        assert_eq!(
            script_to_address(&script(&zero_p2sh), AddressNetwork::Mainnet).as_deref(),
            Some("31h1vYVSYuKP6AhS86fbRdMw9XHieotbST")
        );
    }

    #[test]
    fn buggy_bech32_of_p2wpkh() {
        let s = script("00147ec6eba089ef2fadbf9d0677b2de32dcd9d36a44");
        assert_eq!(script_type(&s), ScriptType::WitnessPubKeyHash);
        assert_eq!(
            script_to_address(&s, AddressNetwork::Testnet).as_deref(),
            Some("tb1pz3lvd6aq38hjltdln5r80vk7xtwdn5m2gsdqelj2")
        );
        assert_eq!(sender_address(&s, AddressNetwork::Testnet), None);
    }

    #[test]
    fn other_scripts_have_no_address() {
        for h in [
            "6a0401020304",
            "",
            "51",
            "2102aabbccddeeff00112233445566778899aabbccddeeff00112233445566778899ac",
        ] {
            assert_eq!(
                script_to_address(&script(h), AddressNetwork::Mainnet),
                None,
                "{h}"
            );
        }
        // a 34-byte real p2wsh is not recognised either.
        let p2wsh = format!("0020{}", "11".repeat(32));
        assert_eq!(
            script_to_address(&script(&p2wsh), AddressNetwork::Mainnet),
            None
        );
        // wrong length p2pkh pattern.
        let bad = format!("76a914{}88ac", "11".repeat(21));
        assert_eq!(
            script_to_address(&script(&bad), AddressNetwork::Mainnet),
            None
        );
    }

    #[test]
    fn hex_classification_agrees_with_bytes() {
        for h in [
            "76a91408d0dd44c1f0a3a4f0957ae95901929d7d66d55788ac",
            "a91492904ee78d2ae998e51a8594176a2e509c3ecf9987",
            "00147ec6eba089ef2fadbf9d0677b2de32dcd9d36a44",
            "0020aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
            "002011111111111111111111111111111111111111111111111111111111111111",
            "6a0401020304",
            "",
        ] {
            assert_eq!(script_type_hex(h), script_type(&script(h)), "{h}");
        }
    }

    #[test]
    fn p2sh_address_detection() {
        assert!(is_p2sh_address(
            "2N6cBX15UfAHxzAtbAeEpYEgXbxPGtzEKdY",
            AddressNetwork::Testnet
        ));
        assert!(!is_p2sh_address(
            "mfdp8Vjq86wdLTwZSVXvmxLTi2vPRB41Jh",
            AddressNetwork::Testnet
        ));
        assert!(!is_p2sh_address(
            "tb1pz3lvd6aq38hjltdln5r80vk7xtwdn5m2gsdqelj2",
            AddressNetwork::Testnet
        ));
    }
}
