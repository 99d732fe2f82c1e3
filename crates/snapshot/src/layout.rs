//! What a snapshot holds and where (fast-sync.md §2), and which files of a working directory
//! are node state.
//!
//! Archive members, as the original lays them out (names start with `./`):
//!
//! ```text
//! ./backups/blockstack-server.db.bak.N     the name database (with its consensus hashes)
//! ./backups/atlas.db.bak.N                 Atlas zone file rows and peers, if the node runs Atlas
//! ./backups/subdomains.db.bak.N            subdomain records, if the node keeps them
//! ./zonefiles/…                            the zone file store, in its on-disk layout
//! ```
//!
//! v0.18 names a backup set `.bak.N` when it holds the state after block `N + 1`
//! (§1, the off-by-one of virtualchain's backups); snapshots made here keep that rule, so the
//! name database inside `.bak.N` must end at block `N + 1`. The original also ships
//! `blockstack-server.snapshots.bak.N` (its chain state; this node keeps consensus hashes in the
//! name database) and `<namespace>.keychain` caches (kept in the name database here); both are
//! recognised and skipped on restore.

/// The name database's file name in a working directory.
pub const NAME_DB: &str = "blockstack-server.db";
/// Atlas's database.
pub const ATLAS_DB: &str = "atlas.db";
/// The subdomain database.
pub const SUBDOMAINS_DB: &str = "subdomains.db";
/// The original's virtualchain chain-state file, present in its snapshots only.
pub const ORIGINAL_CHAINSTATE: &str = "blockstack-server.snapshots";
/// The directory of backup sets inside an archive.
pub const BACKUPS_DIR: &str = "backups";
/// The zone file store's directory.
pub const ZONEFILES_DIR: &str = "zonefiles";
/// The original's subdomain work queue (state tied to `subdomains.db`).
pub const SUBDOMAINS_QUEUE: &str = "subdomains.db.queue";

/// The databases a snapshot may carry, in archive order; the name database is required.
pub const STATE_DBS: [&str; 3] = [NAME_DB, ATLAS_DB, SUBDOMAINS_DB];

/// The archive member of database `file` in backup set `n` (without the leading `./`).
pub fn backup_member(file: &str, n: u64) -> String {
    format!("{BACKUPS_DIR}/{file}.bak.{n}")
}

/// The backup set name of a state at block `block` (`block − 1`, the original's rule).
pub fn backup_set_of_block(block: u64) -> u64 {
    block.saturating_sub(1)
}

/// Splits `<file>.bak.<n>` into the file and `n`.
pub fn parse_backup_name(name: &str) -> Option<(&str, u64)> {
    let (file, n) = name.rsplit_once(".bak.")?;
    if file.is_empty() || n.is_empty() || !n.bytes().all(|b| b.is_ascii_digit()) || n.len() > 19 {
        return None;
    }
    Some((file, n.parse().ok()?))
}

/// Whether a top-level entry of a working directory is node state that a restore replaces or
/// removes: the databases with their journals, the zone file store, the subdomain queue.
///
/// A stale `-wal` next to a replaced database would be replayed into it, so journals go too.
pub fn is_state_entry(name: &str) -> bool {
    if name == ZONEFILES_DIR || name == SUBDOMAINS_QUEUE {
        return true;
    }
    STATE_DBS.iter().any(|db| {
        name == *db
            || name
                .strip_prefix(db)
                .is_some_and(|rest| matches!(rest, "-wal" | "-shm" | "-journal"))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backup_names_follow_the_original() {
        assert_eq!(
            backup_member(NAME_DB, 41),
            "backups/blockstack-server.db.bak.41"
        );
        assert_eq!(backup_set_of_block(42), 41);
        assert_eq!(
            parse_backup_name("blockstack-server.db.bak.41"),
            Some((NAME_DB, 41))
        );
        assert_eq!(parse_backup_name("atlas.db.bak.x"), None);
        assert_eq!(parse_backup_name("atlas.db.bak."), None);
        assert_eq!(parse_backup_name(".bak.3"), None);
        assert_eq!(parse_backup_name("atlas.db"), None);
    }

    #[test]
    fn state_entries_include_journals_but_not_the_config() {
        for name in [
            "blockstack-server.db",
            "blockstack-server.db-wal",
            "atlas.db-shm",
            "subdomains.db-journal",
            "zonefiles",
            "subdomains.db.queue",
        ] {
            assert!(is_state_entry(name), "{name}");
        }
        for name in [
            "blockstack-server.ini",
            "blockstack-server.db.bak",
            "wallet.json",
            "devchain",
            "backups",
        ] {
            assert!(!is_state_entry(name), "{name}");
        }
    }
}
