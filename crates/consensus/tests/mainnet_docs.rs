//! Real mainnet operations of block 462,592 as the v0.18 API documentation lists them
//! (three NAME_PREORDERs and three NAME_TRANSFERs): every field that follows from the others by
//! a consensus rule is recomputed here.

use blockstack_consensus::address::{script_to_address, AddressNetwork};
use blockstack_consensus::hash::{hash160, name_hash128};

/// (txid, sender script, sender address, sender public key) of the preorders.
const PREORDERS: [(&str, &str, &str, &str); 3] = [
    (
        "b3f4f7a43d60666d1a9b42131f9117ad7deac34a478b6ca152344da3d734691f",
        "76a914a944d29012f83c00105778e0bc717c46ea2accfc88ac",
        "1GS1eHthSK2gqnU9MW9Nis1pUyHP3bJnFK",
        "0343b263f7adc6ae59e8d8310f4a6a87799f6b10cec608f3236cd6a802ffc71728",
    ),
    (
        "4dd315ad1d1b318614a19e15e767efb7ef327bd5cd4ebaf8f80ede58fd1da107",
        "76a91407830f81167f6a2aa253c0f176b7ff2e1c04c61a88ac",
        "1gijbF8NkbgwzcoZR1nXMa76NbdcD7GQW",
        "03b7795d33b362338179e5b2a579431b285f6c303d07ddd83c897277be4e5eb916",
    ),
    (
        "51d6bd117da5889e710c62967d03233a84fc27f7fad10ca4359111928818f017",
        "76a9144635b1794a22bfbe6c5c5eba17b693f4aaf0e34888ac",
        "17QEd6rrhNZp4xoyWu6BpA8NQ4axyNKaZy",
        "020d6e50b2660af27933c42bc1395fe93df90ffac5e2a989f6a134919fb8cf8075",
    ),
];

/// (name, name_hash128, new owner script, new owner address) of the transfers.
const TRANSFERS: [(&str, &str, &str, &str); 3] = [
    (
        "ablankstein.id",
        "943b8e0613d975c05a05ccd5472e2a72",
        "76a91431cee995f242f0f66518080a291714cd7e8d2f5e88ac",
        "15YMyvqz6v9ATSbmqJnudwrdm7RiVfkU3s",
    ),
    (
        "fpenrose.id",
        "7af28a9834934a0af81a19ee14a45f8e",
        "76a9148e002a93b9b1936b5d320967194eaff3deaa979088ac",
        "1Dwq9oA5BNz7DAR1LtDncEa647ZxgmkoVV",
    ),
    (
        "rahulpradhan.id",
        "c55ff9e14c72b2950b14ff10067d7e27",
        "76a914fcdef125f40f984fafad4b58e30e3b1761a953f388ac",
        "1Q44Md5KFr6gxQ6TdUSFaCRm3MaUyXMF6t",
    ),
];

fn script(h: &str) -> Vec<u8> {
    hex::decode(h).expect("hex")
}

#[test]
fn preorder_addresses_are_the_sender_scripts_and_keys_hash_to_them() {
    for (txid, sender, address, pubkey) in PREORDERS {
        let s = script(sender);
        assert_eq!(
            script_to_address(&s, AddressNetwork::Mainnet).as_deref(),
            Some(address),
            "{txid}"
        );
        let key = hex::decode(pubkey).expect("hex");
        assert_eq!(
            &hash160(&key)[..],
            &s[3..23],
            "{txid}: the recorded sender_pubkey is the payer's key"
        );
    }
}

#[test]
fn transfer_records_carry_the_name_hash_and_the_new_owner_address() {
    for (name, hash, owner, address) in TRANSFERS {
        assert_eq!(name_hash128(name), hash, "{name}");
        assert_eq!(
            script_to_address(&script(owner), AddressNetwork::Mainnet).as_deref(),
            Some(address),
            "{name}"
        );
    }
}
