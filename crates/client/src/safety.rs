//! The checks the original runs before spending money on an operation
//! (`backend/safety.py`, cli-wallet.md §c.3), as pure functions over values
//! already gathered from the node and the backend. Each failure is a
//! [`SafetyError`] whose message follows the original's.

use bitcoin::Amount;
use blockstack_consensus::rules::MAX_NAMES_PER_SENDER;

use crate::backend::UtxoInfo;
use crate::node::{NameRecord, NamespaceRecord};

/// Why an operation must not be sent.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SafetyError {
    /// Not a valid fully-qualified name.
    #[error("Invalid name {0:?}")]
    InvalidName(String),
    /// Not a valid namespace ID.
    #[error("Invalid namespace ID {0:?}")]
    InvalidNamespace(String),
    /// Registering a name someone holds.
    #[error("{0} is already registered.")]
    AlreadyRegistered(String),
    /// Acting on a name that is not registered (or is revoked or expired).
    #[error("{0} is not registered.")]
    NotRegistered(String),
    /// The wallet's owner address does not own the name.
    #[error("Address {address} does not own {name}")]
    NotOwner {
        /// The address checked.
        address: String,
        /// The name.
        name: String,
    },
    /// The address already holds the most names one owner may.
    #[error("Address {0} owns too many names already.")]
    TooManyNames(String),
    /// The payment address has UTXOs with too few confirmations.
    #[error("Address {0} has insufficiently confirmed transactions. Wait and try later.")]
    UnconfirmedFunds(String),
    /// The payment address cannot pay price and fees.
    #[error("Address {address} does not have enough balance (need {need}, have {have}).")]
    InsufficientBalance {
        /// The payment address.
        address: String,
        /// Price plus estimated fees, in satoshis.
        need: u64,
        /// The balance, in satoshis.
        have: u64,
    },
    /// The price is higher than the caller agreed to pay.
    #[error("Invalid cost: expected {expected}, got {actual}")]
    UnexpectedCost {
        /// What the caller expected.
        expected: u64,
        /// The node's price.
        actual: u64,
    },
    /// The namespace does not exist (not even revealed).
    #[error("Namespace {0} does not exist")]
    NoSuchNamespace(String),
    /// The namespace is revealed or ready already.
    #[error("Namespace is already revealed")]
    NamespaceExists(String),
    /// The namespace is revealed but not ready (registrations not open yet).
    #[error("Namespace {0} is not ready")]
    NamespaceNotReady(String),
    /// The namespace is ready (imports and ready are over).
    #[error("Namespace is already launched")]
    NamespaceLaunched(String),
    /// The key is not the namespace's revealer.
    #[error("Wrong reveal private key: given private key address {given} does not match namespace address {expected}")]
    WrongRevealKey {
        /// The key's address.
        given: String,
        /// The revealer's address.
        expected: String,
    },
    /// The zone-file hash is the current one.
    #[error("Zonefile hash {0} is already set")]
    ZonefileUnchanged(String),
    /// A transfer to the current owner.
    #[error("{name} is already owned by {address}")]
    SameOwner {
        /// The name.
        name: String,
        /// The address.
        address: String,
    },
    /// Updates and transfers are refused in the renewal grace period.
    #[error("Name {0} is in the renewal grace period.  Only renewals are possible.")]
    InGracePeriod(String),
    /// A namespace revealer that is not a single-key (p2pkh) address: it could never import
    /// names, whose import keychain derives from the revealer's one public key.
    #[error("Invalid address; only p2pkh addresses are supported for namespace reveal")]
    RevealerNotSingleKey,
}

/// `_is_namespace_reveal_address_valid`: the revealer is a p2pkh address.
pub fn revealer_is_single_key(reveal_script: &bitcoin::Script) -> Result<(), SafetyError> {
    if reveal_script.is_p2pkh() {
        Ok(())
    } else {
        Err(SafetyError::RevealerNotSingleKey)
    }
}

/// `_is_name_available`: the name has no live, unrevoked registration.
pub fn name_available(name: &str, record: Option<&NameRecord>) -> Result<(), SafetyError> {
    match record {
        Some(r) if !r.expired => Err(SafetyError::AlreadyRegistered(name.to_owned())),
        _ => Ok(()),
    }
}

/// `_is_name_registered`: the name is registered, unrevoked and unexpired.
pub fn name_registered<'r>(
    name: &str,
    record: Option<&'r NameRecord>,
) -> Result<&'r NameRecord, SafetyError> {
    match record {
        Some(r) if !r.revoked && !r.expired => Ok(r),
        _ => Err(SafetyError::NotRegistered(name.to_owned())),
    }
}

/// `_is_name_owner`: the record's owner script is `owner_script` (hex).
/// Ownership is the scriptPubKey, not the address (bns.md §9).
pub fn name_owner(
    name: &str,
    record: &NameRecord,
    owner_script: &str,
    owner_address: &str,
) -> Result<(), SafetyError> {
    if record.sender == owner_script {
        Ok(())
    } else {
        Err(SafetyError::NotOwner {
            address: owner_address.to_owned(),
            name: name.to_owned(),
        })
    }
}

/// Not in the grace period after expiry, where only renewals pass, at `next_block`: the block
/// the transaction is expected in (`_is_name_outside_grace_period` takes the newest block seen
/// plus one).
pub fn outside_grace_period(
    name: &str,
    record: &NameRecord,
    next_block: u64,
) -> Result<(), SafetyError> {
    let next = i64::try_from(next_block).unwrap_or(i64::MAX);
    let in_grace =
        record.expire_block >= 0 && next >= record.expire_block && next < record.renewal_deadline;
    if in_grace {
        Err(SafetyError::InGracePeriod(name.to_owned()))
    } else {
        Ok(())
    }
}

/// `_can_receive_name`: the address owns fewer than 25 names
/// (`MAX_NAMES_PER_SENDER`).
pub fn can_receive_name(address: &str, names_owned: usize) -> Result<(), SafetyError> {
    if names_owned < MAX_NAMES_PER_SENDER {
        Ok(())
    } else {
        Err(SafetyError::TooManyNames(address.to_owned()))
    }
}

/// `_is_address_usable`: no UTXO of the payment address has fewer than
/// `min_confs` confirmations. `utxos` are all its UTXOs, unconfirmed ones
/// included.
pub fn address_usable(
    address: &str,
    utxos: &[UtxoInfo],
    min_confs: u32,
) -> Result<(), SafetyError> {
    if utxos.iter().any(|u| u.confirmations < min_confs) {
        Err(SafetyError::UnconfirmedFunds(address.to_owned()))
    } else {
        Ok(())
    }
}

/// The balance covers `need` (price plus estimated fees).
pub fn balance_covers(address: &str, balance: Amount, need: Amount) -> Result<(), SafetyError> {
    if balance >= need {
        Ok(())
    } else {
        Err(SafetyError::InsufficientBalance {
            address: address.to_owned(),
            need: need.to_sat(),
            have: balance.to_sat(),
        })
    }
}

/// The price is not above what the caller agreed to.
pub fn cost_as_expected(expected: Option<u64>, actual: u64) -> Result<(), SafetyError> {
    match expected {
        Some(e) if actual > e => Err(SafetyError::UnexpectedCost {
            expected: e,
            actual,
        }),
        _ => Ok(()),
    }
}

/// Registrations need a ready namespace.
pub fn namespace_ready<'r>(
    id: &str,
    record: Option<&'r NamespaceRecord>,
) -> Result<&'r NamespaceRecord, SafetyError> {
    match record {
        None => Err(SafetyError::NoSuchNamespace(id.to_owned())),
        Some(r) if !r.ready => Err(SafetyError::NamespaceNotReady(id.to_owned())),
        Some(r) => Ok(r),
    }
}

/// `_is_namespace_available`: nobody has revealed the namespace.
pub fn namespace_available(id: &str, record: Option<&NamespaceRecord>) -> Result<(), SafetyError> {
    match record {
        Some(_) => Err(SafetyError::NamespaceExists(id.to_owned())),
        None => Ok(()),
    }
}

/// `_is_namespace_still_revealed` + `_is_namespace_revealer`: imports and
/// READY need a revealed, unlaunched namespace and its revealer's key.
pub fn namespace_revealed_to<'r>(
    id: &str,
    record: Option<&'r NamespaceRecord>,
    revealer_address: &str,
) -> Result<&'r NamespaceRecord, SafetyError> {
    let r = record.ok_or_else(|| SafetyError::NoSuchNamespace(id.to_owned()))?;
    if r.ready {
        return Err(SafetyError::NamespaceLaunched(id.to_owned()));
    }
    if r.recipient_address != revealer_address {
        return Err(SafetyError::WrongRevealKey {
            given: revealer_address.to_owned(),
            expected: r.recipient_address.clone(),
        });
    }
    Ok(r)
}

/// An update must change the zone-file hash.
pub fn zonefile_changes(record: &NameRecord, new_hash: &str) -> Result<(), SafetyError> {
    if record.value_hash.as_deref() == Some(new_hash) {
        Err(SafetyError::ZonefileUnchanged(new_hash.to_owned()))
    } else {
        Ok(())
    }
}

/// A transfer must change the owner.
pub fn owner_changes(
    name: &str,
    record: &NameRecord,
    recipient_script: &str,
    recipient_address: &str,
) -> Result<(), SafetyError> {
    if record.sender == recipient_script {
        Err(SafetyError::SameOwner {
            name: name.to_owned(),
            address: recipient_address.to_owned(),
        })
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bitcoin::{OutPoint, ScriptBuf};

    fn record(sender: &str) -> NameRecord {
        NameRecord {
            name: "foo.test".into(),
            address: "addr".into(),
            sender: sender.into(),
            value_hash: Some("aa".into()),
            revoked: false,
            expired: false,
            expire_block: 100,
            renewal_deadline: 110,
            opcode: None,
            txid: String::new(),
            raw: serde_json::Value::Null,
        }
    }

    fn utxo(confirmations: u32) -> UtxoInfo {
        UtxoInfo {
            outpoint: OutPoint::null(),
            value: Amount::from_sat(1),
            script_pubkey: ScriptBuf::new(),
            confirmations,
        }
    }

    fn namespace(ready: bool) -> NamespaceRecord {
        NamespaceRecord {
            namespace_id: "test".into(),
            ready,
            address: "payer".into(),
            recipient: String::new(),
            recipient_address: "revealer".into(),
            version: 1,
            reveal_block: 5,
            ready_block: 0,
            raw: serde_json::Value::Null,
        }
    }

    #[test]
    fn a_live_name_is_not_available_but_an_expired_one_is() {
        let live = record("s");
        assert_eq!(
            name_available("foo.test", Some(&live)),
            Err(SafetyError::AlreadyRegistered("foo.test".into()))
        );
        let mut expired = record("s");
        expired.expired = true;
        assert!(name_available("foo.test", Some(&expired)).is_ok());
        assert!(name_available("foo.test", None).is_ok());
    }

    #[test]
    fn revoked_expired_and_missing_names_are_not_registered() {
        assert!(name_registered("foo.test", Some(&record("s"))).is_ok());
        let mut revoked = record("s");
        revoked.revoked = true;
        assert!(name_registered("foo.test", Some(&revoked)).is_err());
        let mut expired = record("s");
        expired.expired = true;
        assert!(name_registered("foo.test", Some(&expired)).is_err());
        assert_eq!(
            name_registered("foo.test", None).map(|_| ()),
            Err(SafetyError::NotRegistered("foo.test".into()))
        );
    }

    #[test]
    fn ownership_is_by_script() {
        let r = record("76a9aa");
        assert!(name_owner("foo.test", &r, "76a9aa", "a").is_ok());
        let err = name_owner("foo.test", &r, "76a9bb", "mAddr").expect_err("not owner");
        assert_eq!(err.to_string(), "Address mAddr does not own foo.test");
    }

    #[test]
    fn the_grace_period_blocks_updates() {
        let r = record("s");
        assert!(outside_grace_period("foo.test", &r, 99).is_ok());
        assert!(outside_grace_period("foo.test", &r, 100).is_err());
        assert!(outside_grace_period("foo.test", &r, 109).is_err());
        assert!(outside_grace_period("foo.test", &r, 110).is_ok());
        let mut forever = record("s");
        forever.expire_block = -1;
        forever.renewal_deadline = -1;
        assert!(outside_grace_period("foo.test", &forever, 1_000_000).is_ok());
    }

    #[test]
    fn twenty_five_names_is_the_limit() {
        assert!(can_receive_name("a", 24).is_ok());
        assert_eq!(
            can_receive_name("a", 25),
            Err(SafetyError::TooManyNames("a".into()))
        );
    }

    #[test]
    fn unconfirmed_utxos_make_an_address_unusable() {
        assert!(address_usable("a", &[utxo(6), utxo(7)], 6).is_ok());
        assert!(address_usable("a", &[utxo(6), utxo(5)], 6).is_err());
        assert!(address_usable("a", &[utxo(0)], 0).is_ok());
    }

    #[test]
    fn the_balance_must_cover_price_and_fees() {
        assert!(balance_covers("a", Amount::from_sat(10), Amount::from_sat(10)).is_ok());
        let err =
            balance_covers("a", Amount::from_sat(9), Amount::from_sat(10)).expect_err("short");
        assert_eq!(
            err.to_string(),
            "Address a does not have enough balance (need 10, have 9)."
        );
    }

    #[test]
    fn a_higher_cost_than_expected_is_refused() {
        assert!(cost_as_expected(None, 5).is_ok());
        assert!(cost_as_expected(Some(5), 5).is_ok());
        assert!(cost_as_expected(Some(4), 5).is_err());
    }

    #[test]
    fn namespace_states() {
        assert!(namespace_ready("test", Some(&namespace(true))).is_ok());
        assert_eq!(
            namespace_ready("test", Some(&namespace(false))).map(|_| ()),
            Err(SafetyError::NamespaceNotReady("test".into()))
        );
        assert!(namespace_ready("test", None).is_err());
        assert!(namespace_available("test", None).is_ok());
        assert!(namespace_available("test", Some(&namespace(false))).is_err());
        assert!(namespace_revealed_to("test", Some(&namespace(false)), "revealer").is_ok());
        assert!(matches!(
            namespace_revealed_to("test", Some(&namespace(false)), "other"),
            Err(SafetyError::WrongRevealKey { .. })
        ));
        assert_eq!(
            namespace_revealed_to("test", Some(&namespace(true)), "revealer").map(|_| ()),
            Err(SafetyError::NamespaceLaunched("test".into()))
        );
    }

    #[test]
    fn updates_and_transfers_must_change_something() {
        let r = record("s");
        assert!(zonefile_changes(&r, "aa").is_err());
        assert!(zonefile_changes(&r, "bb").is_ok());
        assert!(owner_changes("foo.test", &r, "s", "a").is_err());
        assert!(owner_changes("foo.test", &r, "t", "b").is_ok());
    }
}
