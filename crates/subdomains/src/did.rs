//! Subdomain DIDs (core-rpc.md §4.3; `make_DID` / `parse_DID` in `blockstack/lib/util.py`).
//!
//! A subdomain's DID is `did:stack:v0:<address>-<index>`, where `address` is the owner of
//! its sequence-0 record re-encoded under a version byte reserved for subdomains: 63 (`S…`)
//! for single-sig owners and 50 (`M…`) for multisig ones on mainnet, 127 and 142 on testnet
//! and regtest (v0.18's `BLOCKSTACK_TESTNET`).

use blockstack_zonefile::subdomain::AddressNetwork;

/// The DID version bytes of `network`: `(single-sig, multisig)`.
pub fn did_version_bytes(network: AddressNetwork) -> (u8, u8) {
    match network {
        AddressNetwork::Mainnet => (63, 50),
        AddressNetwork::Testnet => (127, 142),
    }
}

/// The address version bytes of `network`: `(p2pkh, p2sh)`.
fn address_version_bytes(network: AddressNetwork) -> (u8, u8) {
    match network {
        AddressNetwork::Mainnet => (0, 5),
        AddressNetwork::Testnet => (111, 196),
    }
}

fn reencode(address: &str, version: u8) -> Option<String> {
    let bytes = bitcoin::base58::decode_check(address).ok()?;
    let (_, payload) = bytes.split_first()?;
    let mut out = Vec::with_capacity(bytes.len());
    out.push(version);
    out.extend_from_slice(payload);
    Some(bitcoin::base58::encode_check(&out))
}

/// The DID of the `index`-th subdomain created by `owner`. As v0.18 does, an owner whose
/// version byte is the network's p2pkh byte gets the single-sig DID byte and every other
/// owner the multisig one. `None` if `owner` is not base58check.
pub fn make_subdomain_did(owner: &str, index: u64, network: AddressNetwork) -> Option<String> {
    let version = *bitcoin::base58::decode_check(owner).ok()?.first()?;
    let (single, multi) = did_version_bytes(network);
    let did_version = if version == address_version_bytes(network).0 {
        single
    } else {
        multi
    };
    Some(format!(
        "did:stack:v0:{}-{index}",
        reencode(owner, did_version)?
    ))
}

/// If `did_address` (the address part of a DID) carries a subdomain DID version byte, the
/// owner address it stands for, under `network`'s p2pkh or p2sh byte.
pub fn subdomain_did_owner(did_address: &str, network: AddressNetwork) -> Option<String> {
    let version = *bitcoin::base58::decode_check(did_address).ok()?.first()?;
    let (single, multi) = did_version_bytes(network);
    let (p2pkh, p2sh) = address_version_bytes(network);
    if version == single {
        reencode(did_address, p2pkh)
    } else if version == multi {
        reencode(did_address, p2sh)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn address(version: u8) -> String {
        let mut bytes = vec![version];
        bytes.extend_from_slice(&[7u8; 20]);
        bitcoin::base58::encode_check(&bytes)
    }

    #[test]
    fn single_sig_owners_get_an_s_address_and_parse_back() {
        let owner = address(0);
        let did = make_subdomain_did(&owner, 3, AddressNetwork::Mainnet).expect("did");
        let (did_address, index) = did
            .strip_prefix("did:stack:v0:")
            .and_then(|r| r.rsplit_once('-'))
            .expect("shape");
        assert!(did_address.starts_with('S'), "{did}");
        assert_eq!(index, "3");
        assert_eq!(
            subdomain_did_owner(did_address, AddressNetwork::Mainnet),
            Some(owner)
        );
    }

    #[test]
    fn multisig_owners_get_an_m_address() {
        let owner = address(5);
        let did = make_subdomain_did(&owner, 0, AddressNetwork::Mainnet).expect("did");
        let did_address = did
            .strip_prefix("did:stack:v0:")
            .and_then(|r| r.rsplit_once('-'))
            .map(|(a, _)| a)
            .expect("shape");
        assert!(did_address.starts_with('M'), "{did}");
        assert_eq!(
            subdomain_did_owner(did_address, AddressNetwork::Mainnet),
            Some(owner)
        );
    }

    #[test]
    fn testnet_uses_its_own_bytes_and_name_addresses_are_not_subdomain_dids() {
        let owner = address(111);
        let did = make_subdomain_did(&owner, 1, AddressNetwork::Testnet).expect("did");
        let did_address = did
            .strip_prefix("did:stack:v0:")
            .and_then(|r| r.rsplit_once('-'))
            .map(|(a, _)| a)
            .expect("shape");
        let decoded = bitcoin::base58::decode_check(did_address).expect("b58");
        assert_eq!(decoded[0], 127);
        assert_eq!(
            subdomain_did_owner(did_address, AddressNetwork::Testnet),
            Some(owner.clone())
        );
        assert_eq!(subdomain_did_owner(&owner, AddressNetwork::Testnet), None);
        assert_eq!(
            subdomain_did_owner("not base58!", AddressNetwork::Mainnet),
            None
        );
        // A mainnet-encoded owner on a testnet node is not the network's p2pkh byte: v0.18
        // gives it the multisig DID byte.
        let quirk = make_subdomain_did(&address(0), 0, AddressNetwork::Testnet).expect("did");
        let quirk_address = quirk
            .strip_prefix("did:stack:v0:")
            .and_then(|r| r.rsplit_once('-'))
            .map(|(a, _)| a)
            .expect("shape");
        assert_eq!(
            bitcoin::base58::decode_check(quirk_address).expect("b58")[0],
            142
        );
    }
}
