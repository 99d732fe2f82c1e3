//! Opening files: a name database reopens with its data; anything else is refused and left
//! byte-identical, with no journal or WAL file created next to it.

use std::path::Path;

use blockstack_consensus::BlockOutcome;
use blockstack_namedb::schema::{APPLICATION_ID, SCHEMA_VERSION};
use blockstack_namedb::{NameDb, NameDbError, ReadOnlyNameDb};

fn sidecars(path: &Path) -> Vec<String> {
    ["-wal", "-shm", "-journal"]
        .iter()
        .map(|s| format!("{}{s}", path.display()))
        .filter(|p| Path::new(p).exists())
        .collect()
}

fn empty_block(height: u64) -> BlockOutcome {
    BlockOutcome {
        height,
        consensus_hash: format!("{height:032x}"),
        ops_hash: "00".repeat(32),
        ..BlockOutcome::default()
    }
}

#[test]
fn a_new_database_is_created_and_reopens_with_its_blocks() {
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("names.db");
    {
        let mut db = NameDb::open(&path).expect("create");
        db.commit_block(&empty_block(7), "h7").expect("commit");
    }
    let conn = rusqlite::Connection::open(&path).expect("sqlite");
    let (app, version, mode): (i32, i32, String) = conn
        .query_row(
            "SELECT (SELECT application_id FROM pragma_application_id), \
             (SELECT user_version FROM pragma_user_version), \
             (SELECT journal_mode FROM pragma_journal_mode)",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .expect("pragmas");
    assert_eq!(
        (app, version, mode.as_str()),
        (APPLICATION_ID, SCHEMA_VERSION, "wal")
    );
    drop(conn);
    // A reader alone, with no writer open (the WAL and shared-memory files are gone).
    let rules = blockstack_consensus::Rules::mainnet();
    let alone = ReadOnlyNameDb::open(&path).expect("reader without a writer");
    assert_eq!(
        alone.snapshot(&rules).expect("snapshot").last_block(),
        Some(7)
    );
    drop(alone);
    let db = NameDb::open(&path).expect("reopen");
    assert_eq!(db.last_block().expect("last"), Some(7));
    assert_eq!(db.block_hash(7).expect("hash").as_deref(), Some("h7"));
    let reader = ReadOnlyNameDb::open(&path).expect("reader");
    assert_eq!(
        reader.snapshot(&rules).expect("snapshot").last_block(),
        Some(7)
    );
}

#[test]
fn an_empty_file_or_a_blank_sqlite_database_becomes_a_name_database() {
    let dir = tempfile::tempdir().expect("dir");
    let empty = dir.path().join("empty.db");
    std::fs::write(&empty, b"").expect("write");
    NameDb::open(&empty).expect("empty file");
    let blank = dir.path().join("blank.db");
    rusqlite::Connection::open(&blank)
        .and_then(|c| c.execute_batch("PRAGMA user_version = 0; VACUUM;"))
        .expect("blank sqlite");
    let mut db = NameDb::open(&blank).expect("blank database");
    db.commit_block(&empty_block(1), "h1").expect("commit");
}

#[test]
fn another_schema_version_is_refused_untouched() {
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("names.db");
    {
        let mut db = NameDb::open(&path).expect("create");
        db.commit_block(&empty_block(3), "h3").expect("commit");
    }
    {
        let conn = rusqlite::Connection::open(&path).expect("sqlite");
        conn.execute_batch(&format!(
            "PRAGMA user_version = {}; PRAGMA journal_mode = DELETE;",
            SCHEMA_VERSION + 1
        ))
        .expect("bump version");
    }
    let before = std::fs::read(&path).expect("read");
    match NameDb::open(&path) {
        Err(
            e @ NameDbError::SchemaVersion {
                found, expected, ..
            },
        ) => {
            assert_eq!((found, expected), (SCHEMA_VERSION + 1, SCHEMA_VERSION));
            let msg = e.to_string();
            assert!(
                msg.contains("reindex") && msg.contains("untouched"),
                "{msg}"
            );
        }
        other => panic!("expected SchemaVersion, got {:?}", other.err()),
    }
    assert!(matches!(
        ReadOnlyNameDb::open(&path),
        Err(NameDbError::SchemaVersion { .. })
    ));
    assert_eq!(std::fs::read(&path).expect("read"), before);
    assert!(sidecars(&path).is_empty(), "{:?}", sidecars(&path));
}

#[test]
fn another_programs_sqlite_database_is_refused_untouched() {
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("other.db");
    rusqlite::Connection::open(&path)
        .and_then(|c| c.execute_batch("CREATE TABLE t (x); INSERT INTO t VALUES (1);"))
        .expect("foreign database");
    let before = std::fs::read(&path).expect("read");
    assert!(matches!(
        NameDb::open(&path),
        Err(NameDbError::ForeignDatabase { found: 0, .. })
    ));
    assert_eq!(std::fs::read(&path).expect("read"), before);
    assert!(sidecars(&path).is_empty());
}

#[test]
fn a_file_that_is_not_sqlite_is_refused_byte_identical() {
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("wallet.json");
    let bytes: Vec<u8> = (0..4096u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    std::fs::write(&path, &bytes).expect("write");
    match NameDb::open(&path) {
        Err(e @ NameDbError::NotADatabase { .. }) => {
            assert!(e.to_string().contains("untouched"));
        }
        other => panic!("expected NotADatabase, got {:?}", other.err()),
    }
    assert!(matches!(
        ReadOnlyNameDb::open(&path),
        Err(NameDbError::NotADatabase { .. })
    ));
    assert_eq!(std::fs::read(&path).expect("read"), bytes);
    assert!(sidecars(&path).is_empty());

    // A file with the SQLite header but garbage pages is not touched either.
    let corrupt = dir.path().join("corrupt.db");
    let mut data = b"SQLite format 3\0".to_vec();
    data.extend(std::iter::repeat_n(0xA5u8, 4080));
    std::fs::write(&corrupt, &data).expect("write");
    assert!(NameDb::open(&corrupt).is_err());
    assert_eq!(std::fs::read(&corrupt).expect("read"), data);
}

#[test]
fn a_reader_needs_an_existing_database() {
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("missing.db");
    assert!(matches!(
        ReadOnlyNameDb::open(&path),
        Err(NameDbError::Uninitialized { .. })
    ));
    assert!(!path.exists(), "a reader never creates the file");
}
