//! Private keys given on the command line: a WIF or hex single key, an
//! `m,n,pk1,…,pkn` multisig bundle (cli-wallet.md §a.4), or a bundle's JSON
//! object as `wallet` prints it.

use anyhow::Context as _;
use bitcoin::NetworkKind;
use blockstack_wallet::keys::StoredKeyInfo;
use blockstack_wallet::KeyInfo;
use serde_json::Value as Json;

/// Parses a private-key argument.
pub fn parse_key(text: &str, network: NetworkKind, what: &str) -> anyhow::Result<KeyInfo> {
    let text = text.trim();
    if text.starts_with('{') {
        let stored: StoredKeyInfo = serde_json::from_str(text)
            .with_context(|| format!("the {what} is not a private-key JSON object"))?;
        return KeyInfo::from_stored(&stored, network).with_context(|| format!("invalid {what}"));
    }
    KeyInfo::parse_cli(text, network).with_context(|| format!("invalid {what}"))
}

/// The original's private-key info JSON for `key`.
pub fn key_json(key: &KeyInfo, network: NetworkKind) -> Json {
    serde_json::to_value(key.to_stored(network)).unwrap_or(Json::Null)
}

#[cfg(test)]
mod tests {
    use super::*;
    use blockstack_wallet::WalletKeys;

    #[test]
    fn keys_round_trip_through_their_printed_forms() {
        let keys = WalletKeys::generate(NetworkKind::Test);
        let json = key_json(&keys.payment, NetworkKind::Test).to_string();
        let back = parse_key(&json, NetworkKind::Test, "payment key").expect("json form");
        assert_eq!(back.script_pubkey(), keys.payment.script_pubkey());
        let wif = keys.data.to_wif();
        let single = parse_key(&wif, NetworkKind::Test, "key").expect("wif");
        assert!(matches!(single, KeyInfo::Single(_)));
        let err = parse_key("nonsense", NetworkKind::Test, "reveal key").expect_err("bad");
        assert!(err.to_string().contains("reveal key"));
    }
}
