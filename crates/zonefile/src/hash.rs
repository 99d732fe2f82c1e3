//! Zone file hashing and the size limit (spec §1, §6).

use bitcoin::hashes::{hash160, Hash};

use crate::error::TooLarge;

/// Largest zone file a v0.18 node accepts, in bytes (`RPC_MAX_ZONEFILE_LEN`
/// in `blockstack/lib/config.py`).
pub const MAX_ZONEFILE_LEN: usize = 40_960;

/// Largest zone file v0.17 peers and the v0.18 client tools handle, in
/// bytes; a writer that must reach them should stay at or below it.
pub const LEGACY_MAX_ZONEFILE_LEN: usize = 4_096;

/// The zone file hash stored on chain: `RIPEMD160(SHA256(bytes))` as 40
/// lowercase hex characters (`get_zonefile_data_hash`).
pub fn zonefile_hash(bytes: &[u8]) -> String {
    hash160::Hash::hash(bytes).to_string()
}

/// Whether `bytes` fits the v0.18 node's limit (`put_zonefiles` rejects
/// anything longer than [`MAX_ZONEFILE_LEN`]).
pub fn check_size(bytes: &[u8]) -> Result<(), TooLarge> {
    if bytes.len() > MAX_ZONEFILE_LEN {
        Err(TooLarge {
            len: bytes.len(),
            max: MAX_ZONEFILE_LEN,
        })
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_of_subdomain_zonefile_from_spec() {
        let zf = b"$ORIGIN 1yeardaily\n$TTL 3600\n_http._tcp URI 10 1 \"https://ph.dotpodcast.co/1yeardaily/head.json\"\n";
        assert_eq!(
            zonefile_hash(zf),
            "e7acc97fd42c48ed94fd4d41f674eddbee5557e3"
        );
    }

    #[test]
    fn size_limit_is_inclusive() {
        assert_eq!(check_size(&[b'x'; MAX_ZONEFILE_LEN]), Ok(()));
        assert_eq!(
            check_size(&[b'x'; MAX_ZONEFILE_LEN + 1]),
            Err(TooLarge {
                len: MAX_ZONEFILE_LEN + 1,
                max: MAX_ZONEFILE_LEN
            })
        );
    }
}
