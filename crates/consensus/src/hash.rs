//! The hashes BNS uses (`hashing.py` and virtualchain's `hashing.py`; spec §2.1, §2.3, §2.4).

use bitcoin::hashes::{hash160, ripemd160, sha256, sha256d, Hash};

use crate::b40;

/// `sha256(sha256(data))` in natural byte order.
pub fn dsha256(data: &[u8]) -> [u8; 32] {
    sha256d::Hash::hash(data).to_byte_array()
}

/// `ripemd160(sha256(data))`.
pub fn hash160(data: &[u8]) -> [u8; 20] {
    hash160::Hash::hash(data).to_byte_array()
}

/// The first 16 bytes of `sha256(data)` as 32 lowercase hex characters (`hash256_trunc128`).
pub fn hash128_hex(data: &[u8]) -> String {
    let h = sha256::Hash::hash(data).to_byte_array();
    hex::encode(h.get(..16).unwrap_or_default())
}

/// The zonefile hash: `ripemd160(sha256(bytes))` as 40 lowercase hex characters.
pub fn value_hash_hex(data: &[u8]) -> String {
    let inner = sha256::Hash::hash(data);
    hex::encode(ripemd160::Hash::hash(inner.as_byte_array()).to_byte_array())
}

/// `hash128(fqn)`: the name hash a NAME_TRANSFER carries.
pub fn name_hash128(fqn: &str) -> String {
    hash128_hex(fqn.as_bytes())
}

/// `hash128(fqn ‖ consensus_hash_hex)`: the name-consensus hash a NAME_UPDATE carries. The
/// consensus hash enters as its 32-character hex text, not as bytes.
pub fn name_consensus_hash(fqn: &str, consensus_hash: &str) -> String {
    let mut data = Vec::with_capacity(fqn.len() + consensus_hash.len());
    data.extend_from_slice(fqn.as_bytes());
    data.extend_from_slice(consensus_hash.as_bytes());
    hash128_hex(&data)
}

/// The preorder hash of a name or namespace ID (`hash_name`):
/// `hash160(b40(id) ‖ payer_script ‖ ASCII(recipient_address))`, as 40 hex characters.
///
/// Returns `None` when `id` is not base-40 or `payer_script_hex` is not hex, the two cases in
/// which the original raises.
pub fn preorder_hash(id: &str, payer_script_hex: &str, recipient_address: &str) -> Option<String> {
    let mut data = b40::to_bytes(id)?;
    data.extend(hex::decode(payer_script_hex).ok()?);
    data.extend_from_slice(recipient_address.as_bytes());
    Some(hex::encode(hash160(&data)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn name_consensus_hash_of_wire_format_example() {
        assert_eq!(
            name_consensus_hash("jude.id", "8d8762c37d82360b84cf4d87f32f7754"),
            "d1062edb9ec9c85ad1aca6d37f2f5793"
        );
        assert_eq!(
            name_consensus_hash("patrickstanley.id", "18b8d69f0182b89ccb1aa536f83be18a"),
            "93d8b6008b260febd26fb03bc502c533"
        );
    }

    #[test]
    fn name_hash128_vectors() {
        assert_eq!(
            name_hash128("patrickstanley.id"),
            "683a3e1ee5f0296833c56e481cf41b77"
        );
        assert_eq!(
            name_hash128("muneeb.id"),
            "deb7fe99776122b77925cbf0a24ab6f8"
        );
    }

    #[test]
    fn preorder_hash_of_real_mainnet_preorder() {
        assert_eq!(
            preorder_hash(
                "patrickstanley.id",
                "76a91408d0dd44c1f0a3a4f0957ae95901929d7d66d55788ac",
                "17CbHgTgBG3kLedXNneEKBkCTgW2fyrnUD"
            )
            .as_deref(),
            Some("26bf7874706ac761afdd403ed6b3b9578fb01a34")
        );
        let burn = format!("76a914{}88ac", "00".repeat(20));
        assert_eq!(
            preorder_hash("foo.test", &burn, "1111111111111111111114oLvT2").as_deref(),
            Some("1b171b6b4b3259d8e4b6b1c45bd6406c38f7dab7")
        );
    }

    #[test]
    fn preorder_hash_ignores_leading_zero_characters() {
        let s = "76a91408d0dd44c1f0a3a4f0957ae95901929d7d66d55788ac";
        assert_eq!(
            preorder_hash("a.id", s, "x"),
            preorder_hash("0a.id", s, "x")
        );
        assert_ne!(preorder_hash("a.id", s, "x"), preorder_hash("b.id", s, "x"));
    }

    #[test]
    fn preorder_hash_refuses_non_b40_names() {
        assert_eq!(preorder_hash("A.id", "00", "x"), None);
        assert_eq!(preorder_hash("a.id\n", "00", "x"), None);
        assert_eq!(preorder_hash("a.id", "zz", "x"), None);
    }

    #[test]
    fn empty_dsha256() {
        assert_eq!(
            hex::encode(dsha256(b"")),
            "5df6e0e2761359d30a8275058e299fcc0381534545f55cf43e41983f5d4c9456"
        );
    }
}
