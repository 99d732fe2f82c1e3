//! Restoring a verified snapshot into a working directory, all or nothing.
//!
//! [`stage`] builds the complete new working directory next to the target, without touching
//! the target:
//! 1. the archive is decompressed and every entry classified ([`crate::paths`]) before it is
//!    written; links, devices, paths outside the layout, duplicates and oversized zone files
//!    refuse the whole archive; the payload is hashed again on the way and must still match
//!    the verified digest;
//! 2. the name database must be this node's format and end at block `N + 1` of its backup set
//!    `N`; its consensus hashes must match every trusted checkpoint at or below that block;
//! 3. the target's other files (configuration, wallet, logs…) are hard-linked in, so the new
//!    directory is the old one with its state replaced; stale journals of replaced databases
//!    are left out;
//! 4. everything is flushed to disk.
//!
//! The caller may check more (the chain's block hash) and then [`Staged::commit`] swaps the
//! directories ([`crate::swap`]). Dropping a [`Staged`] deletes it; the target is unchanged.
//! After the swap `blockstack-core start` resumes indexing at the snapshot's block + 1, and
//! Atlas re-derives its presence flags from the restored zone file store.

use std::collections::HashSet;
use std::fs::{self, File, OpenOptions};
use std::io::{BufReader, BufWriter, Read, Seek, SeekFrom, Write};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use blockstack_namedb::{NameDb, NameDbError};
use blockstack_zonefile::MAX_ZONEFILE_LEN;
use serde::Serialize;

use crate::checkpoint::{self, Checkpoint, CheckpointReport};
use crate::error::{io, namedb, Result, SnapshotError};
use crate::hashing::HashingReader;
use crate::layout::{is_state_entry, NAME_DB, ORIGINAL_CHAINSTATE, STATE_DBS, ZONEFILES_DIR};
use crate::paths::{classify, EntryKind, Member, PathError};
use crate::swap;
use crate::verify::Verified;
use crate::zonefile_writer::ZonefileWriter;

/// What a restore did.
#[derive(Clone, Debug, Serialize)]
pub struct RestoreReport {
    /// The working directory.
    pub working_dir: PathBuf,
    /// The block the restored state ends at; indexing resumes after it.
    pub block: u64,
    /// The backup set name in the archive.
    pub backup_set: u64,
    /// The consensus hash at `block`.
    pub consensus_hash: String,
    /// The Bitcoin block hash of `block`.
    pub block_hash: String,
    /// The databases restored.
    pub databases: Vec<String>,
    /// Zone files restored: the distinct zone files of the archive now in the store (entries
    /// whose path names no hash, or whose bytes are not the named zone file, are dropped).
    pub zonefiles: u64,
    /// Archive members recognised but not restored (the original's chain state and keychain
    /// caches).
    pub skipped: Vec<String>,
    /// Entries of the old working directory kept as they were.
    pub kept: Vec<String>,
    /// What the trusted checkpoints said.
    pub checkpoints: CheckpointReport,
}

/// A complete new working directory, ready to be swapped in.
#[derive(Debug)]
pub struct Staged {
    dir: Option<PathBuf>,
    target: PathBuf,
    report: RestoreReport,
}

impl Staged {
    /// What the restore will install.
    pub fn report(&self) -> &RestoreReport {
        &self.report
    }

    /// Swaps the staged directory into place and deletes the old state.
    pub fn commit(mut self) -> Result<RestoreReport> {
        let dir = self
            .dir
            .take()
            .ok_or_else(|| SnapshotError::Content("the restore was already committed".into()))?;
        let old = match swap::install(&dir, &self.target) {
            Ok(old) => old,
            Err(e) => {
                // Nothing was swapped: the target is as it was, the staged state goes.
                let _ = fs::remove_dir_all(&dir);
                return Err(io(&self.target)(e));
            }
        };
        if let Some(old) = old {
            if let Err(e) = fs::remove_dir_all(&old) {
                tracing::warn!(path = %old.display(), error = %e, "could not delete the previous state");
            }
        }
        Ok(self.report.clone())
    }
}

impl Drop for Staged {
    fn drop(&mut self) {
        if let Some(dir) = self.dir.take() {
            let _ = fs::remove_dir_all(dir);
        }
    }
}

/// The header type of an entry, for [`classify`].
fn kind_of(entry_type: tar::EntryType) -> EntryKind {
    match entry_type {
        tar::EntryType::Regular | tar::EntryType::Continuous => EntryKind::File,
        tar::EntryType::Directory => EntryKind::Dir,
        tar::EntryType::Symlink => EntryKind::Other("symbolic link".into()),
        tar::EntryType::Link => EntryKind::Other("hard link".into()),
        tar::EntryType::Char => EntryKind::Other("character device".into()),
        tar::EntryType::Block => EntryKind::Other("block device".into()),
        tar::EntryType::Fifo => EntryKind::Other("FIFO".into()),
        other => EntryKind::Other(format!("{other:?} entry")),
    }
}

fn archive_err(e: std::io::Error) -> SnapshotError {
    SnapshotError::Archive(e.to_string())
}

/// Entries up to this size are read whole and written in one call; larger ones stream
/// through a buffer of this size. (A large buffer per small file would cost more to set up
/// than the file costs to write.)
const WHOLE_ENTRY: u64 = 1 << 20;

/// Writes an entry of `size` bytes into the new file `dest`.
fn write_new(entry: &mut impl std::io::Read, size: u64, dest: &Path) -> Result<()> {
    let mut file = OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(dest)
        .map_err(io(dest))?;
    if size <= WHOLE_ENTRY {
        let mut bytes = Vec::with_capacity(size as usize);
        entry.read_to_end(&mut bytes).map_err(archive_err)?;
        file.write_all(&bytes).map_err(io(dest))?;
    } else {
        let mut out = BufWriter::with_capacity(WHOLE_ENTRY as usize, file);
        std::io::copy(entry, &mut out).map_err(archive_err)?;
        out.into_inner().map_err(|e| io(dest)(e.into_error()))?;
    }
    Ok(())
}

/// What extraction found.
#[derive(Default)]
struct Extracted {
    set: Option<u64>,
    databases: Vec<String>,
    zonefiles: u64,
    skipped: Vec<String>,
}

/// Unpacks the verified payload into `staging`.
fn extract(verified: &Verified, staging: &Path) -> Result<Extracted> {
    let inspection = &verified.inspection;
    let compression = inspection
        .compression
        .ok_or(SnapshotError::UnknownCompression)?;
    let mut file = &verified.file;
    file.seek(SeekFrom::Start(0))
        .map_err(io(&inspection.path))?;
    let mut hashed = HashingReader::new(BufReader::with_capacity(
        1 << 20,
        Read::take(file, inspection.payload_bytes),
    ));
    let mut found = Extracted::default();
    let mut seen: HashSet<Vec<String>> = HashSet::new();
    let mut flushing = Vec::new();
    let mut zonefiles = ZonefileWriter::spawn(staging.join(ZONEFILES_DIR));
    {
        let decoder = compression.decoder(&mut hashed).map_err(archive_err)?;
        let mut archive = tar::Archive::new(decoder);
        for entry in archive.entries().map_err(archive_err)? {
            let mut entry = entry.map_err(archive_err)?;
            let kind = kind_of(entry.header().entry_type());
            let raw = entry.path_bytes().into_owned();
            let size = entry.size();
            let member = classify(&raw, &kind, size, MAX_ZONEFILE_LEN)?;
            let shown = String::from_utf8_lossy(&raw).into_owned();
            match member {
                Member::Dir(parts) => {
                    if parts.first().map(String::as_str) == Some(ZONEFILES_DIR) {
                        zonefiles.dir()?;
                    }
                }
                Member::Backup { file, set } => {
                    if let Some(first) = found.set.filter(|s| *s != set) {
                        return Err(SnapshotError::Content(format!(
                            "the archive mixes backup sets {first} and {set}"
                        )));
                    }
                    found.set = Some(set);
                    if !seen.insert(vec!["backups".into(), file.clone()]) {
                        return Err(PathError::Duplicate(shown).into());
                    }
                    if file == ORIGINAL_CHAINSTATE {
                        found.skipped.push(shown);
                    } else if STATE_DBS.contains(&file.as_str()) {
                        let dest = staging.join(&file);
                        write_new(&mut entry, size, &dest)?;
                        // Flush the database to disk while the zone files are still written.
                        flushing.push(std::thread::spawn(move || {
                            File::open(&dest)
                                .and_then(|f| f.sync_data())
                                .map_err(io(&dest))
                        }));
                        found.databases.push(file);
                    } else {
                        return Err(PathError::Unexpected(shown).into());
                    }
                }
                Member::Zonefile(rest) => {
                    let mut key = vec![ZONEFILES_DIR.to_owned()];
                    key.extend(rest.iter().cloned());
                    if !seen.insert(key.clone()) {
                        return Err(PathError::Duplicate(shown).into());
                    }
                    let mut bytes = Vec::with_capacity(size as usize);
                    entry.read_to_end(&mut bytes).map_err(archive_err)?;
                    zonefiles.file(rest, bytes)?;
                }
                Member::Keychain(_) => found.skipped.push(shown),
            }
        }
    }
    found.zonefiles = zonefiles.finish()?;
    for handle in flushing {
        handle
            .join()
            .map_err(|_| SnapshotError::Content("flushing a database panicked".into()))??;
    }
    let (digest, len) = hashed.drain().map_err(io(&inspection.path))?;
    if len != inspection.payload_bytes || &digest != inspection.digest() {
        return Err(SnapshotError::Changed);
    }
    Ok(found)
}

/// Hard-links `src` (a file, a symlink or a directory tree) to `dst`, copying where links are
/// refused.
fn link_tree(src: &Path, dst: &Path) -> Result<()> {
    let meta = fs::symlink_metadata(src).map_err(io(src))?;
    let kind = meta.file_type();
    if kind.is_symlink() {
        let to = fs::read_link(src).map_err(io(src))?;
        std::os::unix::fs::symlink(to, dst).map_err(io(dst))?;
    } else if kind.is_dir() {
        fs::create_dir(dst).map_err(io(dst))?;
        fs::set_permissions(dst, meta.permissions()).map_err(io(dst))?;
        for entry in fs::read_dir(src).map_err(io(src))? {
            let entry = entry.map_err(io(src))?;
            link_tree(&entry.path(), &dst.join(entry.file_name()))?;
        }
    } else if kind.is_file() && fs::hard_link(src, dst).is_err() {
        fs::copy(src, dst).map_err(io(dst))?;
    }
    // Sockets and FIFOs belong to a running process, which a restore never runs beside.
    Ok(())
}

/// Opens the restored name database: its block, consensus hash and block hash.
fn check_name_db(
    path: &Path,
    set: u64,
    checkpoints: &[Checkpoint],
) -> Result<(u64, String, String, CheckpointReport)> {
    let db = NameDb::open(path).map_err(|e| match e {
        NameDbError::ForeignDatabase { .. }
        | NameDbError::SchemaVersion { .. }
        | NameDbError::NotADatabase { .. } => SnapshotError::ForeignDatabase {
            reason: e.to_string(),
        },
        other => namedb(path)(other),
    })?;
    let block = db
        .last_block()
        .map_err(namedb(path))?
        .ok_or_else(|| SnapshotError::Content("its name database holds no block".into()))?;
    if block != set + 1 {
        return Err(SnapshotError::Content(format!(
            "backup set {set} must end at block {}, but its name database ends at block {block}",
            set + 1
        )));
    }
    let ch = db
        .consensus_hash(block)
        .map_err(namedb(path))?
        .ok_or_else(|| SnapshotError::Content(format!("no consensus hash at block {block}")))?;
    let hash = db
        .block_hash(block)
        .map_err(namedb(path))?
        .ok_or_else(|| SnapshotError::Content(format!("no block hash at block {block}")))?;
    let report = checkpoint::check(checkpoints, block, |h| {
        db.consensus_hash(h).map_err(namedb(path))
    })?;
    Ok((block, ch, hash, report))
}

/// Builds the restored working directory for `target` from a verified snapshot, checking it
/// against `checkpoints`; the target itself is not touched.
pub fn stage(verified: &Verified, target: &Path, checkpoints: &[Checkpoint]) -> Result<Staged> {
    // Work on the real directory when the working directory is a symlink to it.
    let target = match fs::canonicalize(target) {
        Ok(real) => real,
        Err(_) => target.to_path_buf(),
    };
    let name = target
        .file_name()
        .ok_or_else(|| {
            SnapshotError::Content(format!("{} is not a directory name", target.display()))
        })?
        .to_string_lossy()
        .into_owned();
    let parent = target
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .map_or_else(|| PathBuf::from("."), Path::to_path_buf);
    fs::create_dir_all(&parent).map_err(io(&parent))?;
    let dir = tempfile::Builder::new()
        .prefix(&format!(".{name}.restore-"))
        .tempdir_in(&parent)
        .map_err(io(&parent))?
        .keep();
    // From here on the staging directory is deleted on any error (`Staged`'s drop).
    let mut staged = Staged {
        dir: Some(dir.clone()),
        target: target.clone(),
        report: RestoreReport {
            working_dir: target.clone(),
            block: 0,
            backup_set: 0,
            consensus_hash: String::new(),
            block_hash: String::new(),
            databases: Vec::new(),
            zonefiles: 0,
            skipped: Vec::new(),
            kept: Vec::new(),
            checkpoints: CheckpointReport::default(),
        },
    };

    let started = std::time::Instant::now();
    let found = extract(verified, &dir)?;
    tracing::debug!(elapsed = ?started.elapsed(), zonefiles = found.zonefiles, "snapshot extracted");
    let set = found
        .set
        .filter(|_| found.databases.iter().any(|d| d == NAME_DB))
        .ok_or_else(|| SnapshotError::Content("it has no name database".into()))?;
    let (block, consensus_hash, block_hash, checkpoints) =
        check_name_db(&dir.join(NAME_DB), set, checkpoints)?;

    let mut kept = Vec::new();
    match fs::metadata(&target) {
        Ok(meta) => {
            if !meta.is_dir() {
                return Err(SnapshotError::Content(format!(
                    "{} is not a directory",
                    target.display()
                )));
            }
            fs::set_permissions(&dir, meta.permissions()).map_err(io(&dir))?;
            for entry in fs::read_dir(&target).map_err(io(&target))? {
                let entry = entry.map_err(io(&target))?;
                let entry_name = entry.file_name().to_string_lossy().into_owned();
                if is_state_entry(&entry_name) {
                    continue;
                }
                link_tree(&entry.path(), &dir.join(entry.file_name()))?;
                kept.push(entry_name);
            }
        }
        Err(_) => {
            fs::set_permissions(&dir, fs::Permissions::from_mode(0o700)).map_err(io(&dir))?;
        }
    }
    kept.sort();
    tracing::debug!(elapsed = ?started.elapsed(), "snapshot checked");
    let dir_file = File::open(&dir).map_err(io(&dir))?;
    nix::unistd::syncfs(&dir_file).map_err(|e| io(&dir)(std::io::Error::from(e)))?;

    tracing::debug!(elapsed = ?started.elapsed(), "restored state flushed to disk");
    staged.report = RestoreReport {
        working_dir: target,
        block,
        backup_set: set,
        consensus_hash,
        block_hash,
        databases: found.databases,
        zonefiles: found.zonefiles,
        skipped: found.skipped,
        kept,
        checkpoints,
    };
    Ok(staged)
}
