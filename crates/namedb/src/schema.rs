//! The database schema, in one place, and the markers that identify a name database file.
//!
//! The logical content follows spec §11 (`name_records`, `namespaces`, `preorders`, `history`,
//! per-block records). Differences from the original's `BLOCKSTACK_DB_SCRIPT` (`db.py`), and why:
//!
//! * `name_records` and `namespaces` are keyed by the name / namespace ID alone: the consensus
//!   rules keep one row per ID and overwrite it on re-registration or re-reveal (spec §11), so
//!   the original's `(id, block_number)` keys never held two rows for one ID.
//! * `op_fee` of names is `REAL`: an imported name's fee is the price as a double (spec §9.12),
//!   which may be fractional, and must round-trip exactly.
//! * `update_consensus_hash` stores the bookkeeping field of
//!   [`NameRecord`](blockstack_consensus::NameRecord) that replaces the original's history walk
//!   for the transfer quirk (spec §9.6).
//! * `history` gets an insertion sequence (`seq`) and the block that wrote the row
//!   (`committed_block`): a consumed preorder is filed at the preorder's own block, so the
//!   block a row is filed under is not the block that wrote it, and a rollback must delete by
//!   the latter.
//! * `blocks` (the original's virtualchain snapshots table), `block_ops` (the accepted ops of
//!   each block with their consensus records), `import_keychains` (files in the original's
//!   working directory) and `undo_log` (for reorgs, which the original does not handle) are new.

/// `PRAGMA application_id` of a name database: ASCII `BNSd`. A file with another value was
/// written by something else and is never touched.
pub const APPLICATION_ID: i32 = 0x424E_5364;

/// `PRAGMA user_version` of the schema below. Bump it on any change to the tables; a database
/// of another version is refused rather than migrated in place.
pub const SCHEMA_VERSION: i32 = 1;

/// Creates every table and index. Runs inside the transaction that also sets the version
/// pragmas, so a half-created database cannot exist.
pub const CREATE: &str = r#"
CREATE TABLE namespaces (
    namespace_id        TEXT PRIMARY KEY NOT NULL,
    preorder_hash       TEXT NOT NULL,
    version             INTEGER NOT NULL,
    sender              TEXT NOT NULL,
    sender_pubkey       TEXT,
    address             TEXT NOT NULL,
    recipient           TEXT NOT NULL,
    recipient_address   TEXT NOT NULL,
    block_number        INTEGER NOT NULL,
    reveal_block        INTEGER NOT NULL,
    ready_block         INTEGER NOT NULL,
    op                  TEXT NOT NULL CHECK (op IN ('&', '!')),
    op_fee              INTEGER NOT NULL,
    txid                TEXT NOT NULL,
    vtxindex            INTEGER NOT NULL,
    lifetime            INTEGER NOT NULL,
    coeff               INTEGER NOT NULL,
    base                INTEGER NOT NULL,
    buckets             TEXT NOT NULL,
    nonalpha_discount   INTEGER NOT NULL,
    no_vowel_discount   INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX namespaces_preorder_hash ON namespaces (preorder_hash);

CREATE TABLE name_records (
    name                    TEXT PRIMARY KEY NOT NULL,
    preorder_hash           TEXT NOT NULL,
    name_hash128            TEXT NOT NULL,
    namespace_id            TEXT NOT NULL
        REFERENCES namespaces (namespace_id) DEFERRABLE INITIALLY DEFERRED,
    namespace_block_number  INTEGER NOT NULL,
    value_hash              TEXT,
    sender                  TEXT NOT NULL,
    sender_pubkey           TEXT,
    address                 TEXT NOT NULL,
    block_number            INTEGER NOT NULL,
    preorder_block_number   INTEGER NOT NULL,
    first_registered        INTEGER NOT NULL,
    last_renewed            INTEGER NOT NULL,
    revoked                 INTEGER NOT NULL CHECK (revoked IN (0, 1)),
    op                      TEXT NOT NULL CHECK (op IN (':', '::', '+', '>>', '>~', '~', ';')),
    txid                    TEXT NOT NULL,
    vtxindex                INTEGER NOT NULL,
    op_fee                  REAL NOT NULL,
    importer                TEXT,
    importer_address        TEXT,
    consensus_hash          TEXT,
    last_creation_op        TEXT NOT NULL CHECK (last_creation_op IN ('?', ';')),
    update_consensus_hash   TEXT
) WITHOUT ROWID;
CREATE INDEX name_records_sender ON name_records (sender);
CREATE INDEX name_records_address ON name_records (address);
CREATE INDEX name_records_name_hash128 ON name_records (name_hash128);
CREATE INDEX name_records_preorder_hash ON name_records (preorder_hash);
CREATE INDEX name_records_namespace_id ON name_records (namespace_id, name);

CREATE TABLE preorders (
    preorder_hash   TEXT NOT NULL,
    consensus_hash  TEXT NOT NULL,
    sender          TEXT NOT NULL,
    sender_pubkey   TEXT,
    address         TEXT NOT NULL,
    block_number    INTEGER NOT NULL,
    op              TEXT NOT NULL CHECK (op IN ('?', '*')),
    op_fee          INTEGER NOT NULL,
    txid            TEXT NOT NULL,
    vtxindex        INTEGER NOT NULL,
    burn_address    TEXT NOT NULL,
    PRIMARY KEY (preorder_hash, block_number, txid)
) WITHOUT ROWID;
CREATE INDEX preorders_block ON preorders (block_number, vtxindex);

CREATE TABLE history (
    seq              INTEGER PRIMARY KEY,
    txid             TEXT NOT NULL,
    history_id       TEXT NOT NULL,
    creator_address  TEXT,
    block_id         INTEGER NOT NULL,
    vtxindex         INTEGER NOT NULL,
    op               TEXT NOT NULL,
    opcode           TEXT NOT NULL,
    value_hash       TEXT,
    history_data     TEXT NOT NULL,
    committed_block  INTEGER NOT NULL,
    UNIQUE (txid, block_id, vtxindex)
);
CREATE INDEX history_by_id ON history (history_id, block_id, vtxindex);
CREATE INDEX history_by_block ON history (block_id, vtxindex);
CREATE INDEX history_by_creator ON history (creator_address, block_id, vtxindex)
    WHERE creator_address IS NOT NULL;
CREATE INDEX history_by_commit ON history (committed_block);

CREATE TABLE import_keychains (
    namespace_id  TEXT NOT NULL,
    key_index     INTEGER NOT NULL,
    address       TEXT NOT NULL,
    PRIMARY KEY (namespace_id, key_index)
) WITHOUT ROWID;

CREATE TABLE blocks (
    height          INTEGER PRIMARY KEY NOT NULL,
    block_hash      TEXT NOT NULL,
    consensus_hash  TEXT NOT NULL,
    ops_hash        TEXT NOT NULL,
    accepted_ops    INTEGER NOT NULL,
    has_undo        INTEGER NOT NULL CHECK (has_undo IN (0, 1))
);
CREATE INDEX blocks_consensus_hash ON blocks (consensus_hash);

CREATE TABLE block_ops (
    height      INTEGER NOT NULL,
    position    INTEGER NOT NULL,
    txid        TEXT NOT NULL,
    vtxindex    INTEGER NOT NULL,
    opcode      TEXT NOT NULL,
    record      TEXT NOT NULL,
    parsed_op   TEXT NOT NULL,
    PRIMARY KEY (height, position)
) WITHOUT ROWID;

CREATE TABLE undo_log (
    height      INTEGER NOT NULL,
    seq         INTEGER NOT NULL,
    entity      TEXT NOT NULL CHECK (entity IN ('name', 'namespace', 'preorders', 'keychain')),
    entity_key  TEXT NOT NULL,
    prior       TEXT,
    PRIMARY KEY (height, seq)
) WITHOUT ROWID;
"#;
