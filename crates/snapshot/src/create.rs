//! `snapshot create`: a signed snapshot of a working directory, taken while the node runs.
//!
//! Steps, none of which stops the indexer:
//! 1. the name database is copied with SQLite's online backup (a consistent view of its last
//!    committed block `B`); with `--block N < B` the copy is rolled back to `N` with its undo
//!    data;
//! 2. `atlas.db` and `subdomains.db` are copied the same way; Atlas rows of blocks after the
//!    snapshot's block are dropped from the copy (the node re-adds them as it indexes on);
//! 3. the payload is streamed: tar of the zone file store (in the original's file layout) and
//!    of the copies (as backup set `B − 1`, the original's naming), compressed, hashed as it
//!    is written;
//! 4. the digest is signed, the trailer appended, the file synced and linked into place under
//!    its final name, which must not exist (a crash leaves at most a hidden temporary file).
//!
//! Zone files are content-addressed and written atomically by the store (rows of its SQLite
//! table, read here from one consistent view), so every zone file seen is complete; they are
//! written into the archive in the original's layout, `zonefiles/<h[0:2]>/<h[2:4]>/<h>.txt`.
//! Zone files newer than the snapshot's block are harmless (the original ships them too).

use std::collections::HashSet;
use std::fs::{self, File};
use std::io::{BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};

use blockstack_atlas::store::{is_database_file, layout, DB_FILE};
use blockstack_atlas::ZonefileStore;
use blockstack_namedb::NameDb;
use blockstack_zonefile::MAX_ZONEFILE_LEN;
use serde::Serialize;

use crate::compression::Compression;
use crate::dbcopy;
use crate::error::{io, namedb, sql, store as store_err, Result, SnapshotError};
use crate::hashing::HashingWriter;
use crate::keys::SigningKey;
use crate::layout::{
    backup_member, backup_set_of_block, ATLAS_DB, BACKUPS_DIR, NAME_DB, SUBDOMAINS_DB,
    ZONEFILES_DIR,
};
use crate::trailer;

/// Where a node keeps the state a snapshot carries.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StatePaths {
    /// The name database (required).
    pub name_db: PathBuf,
    /// `atlas.db` (included when it exists).
    pub atlas_db: PathBuf,
    /// `subdomains.db` (included when it exists).
    pub subdomains_db: PathBuf,
    /// The zone file store (included when it exists).
    pub zonefiles: PathBuf,
}

impl StatePaths {
    /// The default places inside a working directory.
    pub fn in_working_dir(dir: &Path) -> Self {
        Self {
            name_db: dir.join(NAME_DB),
            atlas_db: dir.join(ATLAS_DB),
            subdomains_db: dir.join(SUBDOMAINS_DB),
            zonefiles: dir.join(ZONEFILES_DIR),
        }
    }
}

/// Options of `snapshot create`.
#[derive(Clone, Debug)]
pub struct CreateOptions {
    /// The block to snapshot (default: the name database's last block).
    pub block: Option<u64>,
    /// The payload's compression.
    pub compression: Compression,
    /// Compression worker threads (zstd only).
    pub threads: u32,
}

impl Default for CreateOptions {
    fn default() -> Self {
        Self {
            block: None,
            compression: Compression::Zstd,
            threads: 2,
        }
    }
}

/// What `snapshot create` made.
#[derive(Clone, Debug, Serialize)]
pub struct CreateReport {
    /// The snapshot file.
    pub path: PathBuf,
    /// The block the state ends at.
    pub block: u64,
    /// The backup set name in the archive (`block − 1`).
    pub backup_set: u64,
    /// The consensus hash at `block`.
    pub consensus_hash: String,
    /// The Bitcoin block hash of `block`.
    pub block_hash: String,
    /// The payload's compression.
    pub compression: Compression,
    /// The databases included.
    pub databases: Vec<String>,
    /// How many zone files were included.
    pub zonefiles: u64,
    /// The payload's size in bytes.
    pub payload_bytes: u64,
    /// The whole file's size.
    pub file_bytes: u64,
    /// SHA-256 of the payload, hex: what the signatures cover.
    pub sha256: String,
    /// The signer's public key (compressed hex).
    pub public_key: String,
}

/// A tar header for a regular file.
fn file_header(size: u64, mode: u32, mtime: u64) -> tar::Header {
    let mut h = tar::Header::new_gnu();
    h.set_entry_type(tar::EntryType::Regular);
    h.set_size(size);
    h.set_mode(mode);
    h.set_mtime(mtime);
    h
}

/// A tar header for a directory.
fn dir_header(mtime: u64) -> tar::Header {
    let mut h = tar::Header::new_gnu();
    h.set_entry_type(tar::EntryType::Directory);
    h.set_size(0);
    h.set_mode(0o755);
    h.set_mtime(mtime);
    h
}

fn mtime_of(meta: &fs::Metadata) -> u64 {
    meta.modified()
        .ok()
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map_or(0, |d| d.as_secs())
}

/// Appends the file at `src` as `name`.
fn append_file<W: Write>(tar: &mut tar::Builder<W>, src: &Path, name: &str) -> Result<u64> {
    let file = File::open(src).map_err(io(src))?;
    let meta = file.metadata().map_err(io(src))?;
    let mut h = file_header(meta.len(), 0o600, mtime_of(&meta));
    // A large read buffer only for large files: setting one up per zone file costs more
    // than the zone file.
    let capacity = (meta.len() as usize).clamp(512, 1 << 20);
    tar.append_data(&mut h, name, BufReader::with_capacity(capacity, file))
        .map_err(io(src))?;
    Ok(meta.len())
}

/// Whether `name` is a plain, visible file or directory name (temporary files of the store
/// start with a dot).
fn plain_name(name: &str) -> bool {
    !name.is_empty() && !name.starts_with('.') && !name.contains(['\\', '\0'])
}

/// Appends every zone file of the store at `root` in the original's layout; returns how many.
///
/// First the store's table, in hash order, each as `zonefiles/<h[0:2]>/<h[2:4]>/<h>.txt`
/// (one consistent view, taken while the node may write); then, in sorted order, every file
/// the store keeps in the original's layouts (a store inherited from a v0.18 node) unless the
/// table holds that zone file too. The table's own database files are not zone files.
fn append_zonefiles<W: Write>(tar: &mut tar::Builder<W>, root: &Path) -> Result<u64> {
    let Some(store) = ZonefileStore::open_read_only(root).map_err(store_err(root))? else {
        return Ok(0);
    };
    let mtime = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let mut held: HashSet<String> = HashSet::new();
    store
        .for_each_stored(|hash, bytes| {
            let member = format!("{ZONEFILES_DIR}/{}", layout::current_member(hash));
            let mut h = file_header(bytes.len() as u64, 0o600, mtime);
            tar.append_data(&mut h, &member, bytes)
                .map_err(io(root.join(DB_FILE)))?;
            held.insert(hash.to_owned());
            Ok::<(), SnapshotError>(())
        })
        .map_err(store_err(root))??;
    let mut count = held.len() as u64;
    let mut stack = vec![(root.to_path_buf(), vec![])];
    while let Some((dir, parts)) = stack.pop() {
        let mut entries: Vec<(String, PathBuf)> = Vec::new();
        for entry in fs::read_dir(&dir).map_err(io(&dir))? {
            let entry = entry.map_err(io(&dir))?;
            if let Ok(name) = entry.file_name().into_string() {
                if plain_name(&name) && !(parts.is_empty() && is_database_file(&name)) {
                    entries.push((name, entry.path()));
                }
            }
        }
        entries.sort();
        // Directories are pushed in reverse so they come off the stack in sorted order.
        let mut subdirs = Vec::new();
        for (name, path) in entries {
            let meta = fs::symlink_metadata(&path).map_err(io(&path))?;
            let mut child: Vec<String> = parts.clone();
            child.push(name);
            if meta.is_dir() {
                subdirs.push((path, child));
            } else if meta.is_file() && meta.len() <= MAX_ZONEFILE_LEN as u64 {
                let refs: Vec<&str> = child.iter().map(String::as_str).collect();
                // The table's copy was written under the current layout's path already.
                if layout::hash_of_member(&refs).is_some_and(|h| held.contains(&h)) {
                    continue;
                }
                append_file(tar, &path, &format!("{ZONEFILES_DIR}/{}", child.join("/")))?;
                count += 1;
            }
        }
        stack.extend(subdirs.into_iter().rev());
    }
    Ok(count)
}

/// The name database copy at `path`, brought to `block`: its block, consensus hash and block
/// hash.
fn prepare_name_db(path: &Path, block: Option<u64>) -> Result<(u64, String, String)> {
    let mut db = NameDb::open(path).map_err(namedb(path))?;
    let last = db
        .last_block()
        .map_err(namedb(path))?
        .ok_or_else(|| SnapshotError::NothingIndexed(path.to_path_buf()))?;
    let block = match block {
        None => last,
        Some(n) if n > last => {
            return Err(SnapshotError::BadBlock {
                requested: n,
                reason: format!("the name database has only reached block {last}"),
            })
        }
        Some(n) => {
            db.rollback_to(n).map_err(|e| SnapshotError::BadBlock {
                requested: n,
                reason: e.to_string(),
            })?;
            n
        }
    };
    let missing = |what: &str| SnapshotError::BadBlock {
        requested: block,
        reason: format!("the name database has no {what} for it"),
    };
    let ch = db
        .consensus_hash(block)
        .map_err(namedb(path))?
        .ok_or_else(|| missing("consensus hash"))?;
    let hash = db
        .block_hash(block)
        .map_err(namedb(path))?
        .ok_or_else(|| missing("block hash"))?;
    drop(db);
    let conn = dbcopy::open_copy(path)?;
    dbcopy::self_contained(&conn, path)?;
    Ok((block, ch, hash))
}

/// Drops the Atlas rows of blocks after `block` from the copy at `path`.
fn trim_atlas(path: &Path, block: u64) -> Result<()> {
    let conn = dbcopy::open_copy(path)?;
    let has_rows: bool = conn
        .query_row(
            "SELECT COUNT(*) > 0 FROM pragma_table_info('zonefiles') WHERE name = 'block_height'",
            [],
            |r| r.get(0),
        )
        .map_err(sql(path, "reading the Atlas schema"))?;
    if has_rows {
        conn.execute(
            "DELETE FROM zonefiles WHERE block_height > ?1",
            [i64::try_from(block).unwrap_or(i64::MAX)],
        )
        .map_err(sql(path, "dropping rows after the snapshot's block"))?;
    }
    dbcopy::self_contained(&conn, path)
}

/// Drops from the copy of the subdomain database at `path` what it learnt from carrier rows
/// of blocks after `block`: those rows, the records they carried, and the subdomain zone files
/// no remaining record names. A record's acceptance depends only on the records before it, so
/// what is left is the index as of `block`, in step with the trimmed Atlas inventory (the
/// indexer's cursor is its last carrier row).
fn trim_subdomains(path: &Path, block: u64) -> Result<()> {
    let conn = dbcopy::open_copy(path)?;
    let block = i64::try_from(block).unwrap_or(i64::MAX);
    let tx = conn
        .unchecked_transaction()
        .map_err(sql(path, "starting the trim"))?;
    for (statement, what) in [
        (
            "DELETE FROM subdomain_records WHERE block_height > ?1",
            "dropping records after the snapshot's block",
        ),
        (
            "DELETE FROM carrier_rows WHERE block_height > ?1",
            "dropping carrier rows after the snapshot's block",
        ),
    ] {
        tx.execute(statement, [block]).map_err(sql(path, what))?;
    }
    tx.execute(
        "DELETE FROM subdomain_zonefiles WHERE zonefile_hash NOT IN \
         (SELECT zonefile_hash FROM subdomain_records)",
        [],
    )
    .map_err(sql(path, "dropping zone files no record names"))?;
    tx.commit().map_err(sql(path, "committing the trim"))?;
    dbcopy::self_contained(&conn, path)
}

/// Creates a snapshot of the state at `paths` in the new file `out`, signed by `key`.
pub fn create(
    paths: &StatePaths,
    out: &Path,
    key: &SigningKey,
    options: &CreateOptions,
) -> Result<CreateReport> {
    if out.exists() {
        return Err(SnapshotError::OutputExists(out.to_path_buf()));
    }
    if !paths.name_db.exists() {
        return Err(SnapshotError::NothingIndexed(paths.name_db.clone()));
    }
    let parent = match out.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let work = tempfile::Builder::new()
        .prefix(".snapshot-")
        .tempdir_in(&parent)
        .map_err(io(&parent))?;

    let name_copy = work.path().join(NAME_DB);
    dbcopy::copy_live(&paths.name_db, &name_copy)?;
    let (block, consensus_hash, block_hash) = prepare_name_db(&name_copy, options.block)?;
    let mut databases = vec![(NAME_DB, name_copy)];
    if paths.atlas_db.exists() {
        let copy = work.path().join(ATLAS_DB);
        dbcopy::copy_live(&paths.atlas_db, &copy)?;
        trim_atlas(&copy, block)?;
        databases.push((ATLAS_DB, copy));
    }
    if paths.subdomains_db.exists() {
        let copy = work.path().join(SUBDOMAINS_DB);
        dbcopy::copy_live(&paths.subdomains_db, &copy)?;
        trim_subdomains(&copy, block)?;
        databases.push((SUBDOMAINS_DB, copy));
    }

    let partial = work.path().join("snapshot.partial");
    let file = File::create(&partial).map_err(io(&partial))?;
    let hashed = HashingWriter::new(BufWriter::with_capacity(1 << 20, file));
    let encoder = options
        .compression
        .encoder(hashed, options.threads)
        .map_err(io(&partial))?;
    let mut tar = tar::Builder::new(BufWriter::with_capacity(1 << 20, encoder));
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    // Zone files first: a restore creates them on a thread of its own while it writes the
    // databases that follow.
    let mut zonefiles = 0;
    if paths.zonefiles.is_dir() {
        tar.append_data(&mut dir_header(now), ZONEFILES_DIR, std::io::empty())
            .map_err(io(&partial))?;
        zonefiles = append_zonefiles(&mut tar, &paths.zonefiles)?;
    }
    let set = backup_set_of_block(block);
    tar.append_data(&mut dir_header(now), BACKUPS_DIR, std::io::empty())
        .map_err(io(&partial))?;
    for (name, copy) in &databases {
        append_file(&mut tar, copy, &backup_member(name, set))?;
    }
    let encoder = tar
        .into_inner()
        .map_err(io(&partial))?
        .into_inner()
        .map_err(|e| io(&partial)(e.into_error()))?;
    let (mut file, digest, payload_bytes) = encoder.finish().map_err(io(&partial))?.finish();

    let signature = key.sign_digest(&digest);
    file.write_all(&trailer::encode(&[signature]))
        .map_err(io(&partial))?;
    let file = file
        .into_inner()
        .map_err(|e| io(&partial)(e.into_error()))?;
    file.sync_all().map_err(io(&partial))?;
    let file_bytes = file.metadata().map_err(io(&partial))?.len();
    drop(file);
    publish(&partial, out)?;

    Ok(CreateReport {
        path: out.to_path_buf(),
        block,
        backup_set: set,
        consensus_hash,
        block_hash,
        compression: options.compression,
        databases: databases.iter().map(|(n, _)| (*n).to_owned()).collect(),
        zonefiles,
        payload_bytes,
        file_bytes,
        sha256: hex::encode(digest),
        public_key: key.public_key().to_string(),
    })
}

/// Gives the finished file at `tmp` its final name `out`, never replacing an existing file,
/// and syncs the directory.
pub(crate) fn publish(tmp: &Path, out: &Path) -> Result<()> {
    match fs::hard_link(tmp, out) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            return Err(SnapshotError::OutputExists(out.to_path_buf()))
        }
        Err(e) => return Err(io(out)(e)),
    }
    fs::remove_file(tmp).map_err(io(tmp))?;
    if let Some(dir) = out.parent().filter(|p| !p.as_os_str().is_empty()) {
        File::open(dir)
            .and_then(|d| d.sync_all())
            .map_err(io(dir))?;
    }
    Ok(())
}
