//! The block file: an append-only log of the active chain's blocks.
//!
//! Layout of `blocks.dat`:
//!
//! ```text
//! header   "BSDEVCHN" (8) | format version, u32 LE (4) | genesis block hash (32)
//! record   magic fa bf b5 da (4) | payload length, u32 LE (4)
//!          | first 4 bytes of sha256d(payload) (4) | payload: consensus-encoded block
//! ```
//!
//! Records hold blocks 1, 2, … of the active chain in order; the UTXO set is
//! rebuilt from them on open. Appends go to the end and are flushed with
//! `sync_data` once per batch. `invalidateblock` truncates the file to the
//! end of the last block kept, so the file never holds a stale branch.
//!
//! A crash can only tear the last record. On open, a last record that is
//! incomplete or whose checksum fails is cut off (and reported); a bad record
//! followed by more data is corruption, not a torn write, and opening fails
//! rather than silently dropping blocks.

use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use bitcoin::consensus::{deserialize, serialize};
use bitcoin::hashes::{sha256d, Hash};
use bitcoin::{Block, BlockHash};

/// File name of the block log inside the chain directory.
pub const BLOCK_FILE: &str = "blocks.dat";
/// Version of the layout above; bump it when the layout changes.
pub const FORMAT_VERSION: u32 = 1;

const FILE_MAGIC: &[u8; 8] = b"BSDEVCHN";
const HEADER_LEN: u64 = 8 + 4 + 32;
const RECORD_MAGIC: [u8; 4] = [0xfa, 0xbf, 0xb5, 0xda];
const RECORD_HEADER_LEN: usize = 12;

/// A failure reading or writing the block file.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// An I/O error on the block file or its directory.
    #[error("i/o error on {path}")]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// Another process (or another handle in this one) has the chain open.
    #[error("{path} is in use by another devchain")]
    Locked {
        /// The file.
        path: PathBuf,
    },
    /// The file does not start with the devchain header.
    #[error("{path} is not a devchain block file")]
    NotABlockFile {
        /// The file.
        path: PathBuf,
    },
    /// The file was written by another format version.
    #[error("{path} has format version {found}, this build reads version {expected}; move the directory away to start a new chain")]
    WrongVersion {
        /// The file.
        path: PathBuf,
        /// Version in the file.
        found: u32,
        /// Version this build writes.
        expected: u32,
    },
    /// The file belongs to a chain with another genesis block.
    #[error("{path} belongs to a chain with genesis {found}, expected {expected}")]
    WrongGenesis {
        /// The file.
        path: PathBuf,
        /// Genesis hash in the file.
        found: BlockHash,
        /// Regtest genesis hash.
        expected: BlockHash,
    },
    /// A damaged record that is not the last one.
    #[error("{path} is corrupt at offset {offset}: {reason}")]
    Corrupt {
        /// The file.
        path: PathBuf,
        /// Byte offset of the damaged record.
        offset: u64,
        /// What is wrong with it.
        reason: String,
    },
}

/// A torn tail that [`BlockStore::open`] cut off.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TailRepair {
    /// Offset the file was truncated to.
    pub offset: u64,
    /// Bytes removed.
    pub removed: u64,
}

/// The open block file.
#[derive(Debug)]
pub struct BlockStore {
    path: PathBuf,
    file: File,
    /// `ends[i]` is the file offset just after block `i` (`ends[0]` is the
    /// end of the header, i.e. "after genesis").
    ends: Vec<u64>,
}

impl BlockStore {
    /// Opens (or creates) `dir/blocks.dat`, repairs a torn tail and returns
    /// the stored blocks in height order, starting at height 1.
    pub fn open(
        dir: &Path,
        genesis: BlockHash,
    ) -> Result<(BlockStore, Vec<Block>, Option<TailRepair>), StoreError> {
        std::fs::create_dir_all(dir).map_err(|source| StoreError::Io {
            path: dir.to_path_buf(),
            source,
        })?;
        let path = dir.join(BLOCK_FILE);
        let io = |source| StoreError::Io {
            path: path.clone(),
            source,
        };
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(io)?;
        // One writer per directory: a second process appending to the same
        // file would interleave records.
        if let Err(e) = file.try_lock() {
            return Err(match e {
                std::fs::TryLockError::WouldBlock => StoreError::Locked { path },
                std::fs::TryLockError::Error(source) => StoreError::Io { path, source },
            });
        }
        let mut bytes = Vec::new();
        file.read_to_end(&mut bytes).map_err(io)?;

        let header = file_header(genesis);
        let header_len = header.len();
        if bytes.len() < header_len {
            // A crash while creating the file: only a prefix of our header may be there.
            if !header.starts_with(&bytes) {
                return Err(StoreError::NotABlockFile { path });
            }
            file.set_len(0).map_err(io)?;
            file.seek(SeekFrom::Start(0)).map_err(io)?;
            file.write_all(&header).map_err(io)?;
            file.sync_data().map_err(io)?;
            // Make the new directory entry durable too.
            File::open(dir)
                .and_then(|d| d.sync_all())
                .map_err(|source| StoreError::Io {
                    path: dir.to_path_buf(),
                    source,
                })?;
            let store = BlockStore {
                path,
                file,
                ends: vec![HEADER_LEN],
            };
            return Ok((store, Vec::new(), None));
        }
        check_header(&path, bytes.get(..header_len).unwrap_or_default(), genesis)?;

        let mut blocks = Vec::new();
        let mut ends = vec![HEADER_LEN];
        let mut offset = header_len;
        let mut repair = None;
        while offset < bytes.len() {
            match parse_record(bytes.get(offset..).unwrap_or_default()) {
                Ok((block, len)) => {
                    offset += len;
                    ends.push(offset as u64);
                    blocks.push(block);
                }
                Err(RecordError::Torn) => {
                    repair = Some(TailRepair {
                        offset: offset as u64,
                        removed: (bytes.len() - offset) as u64,
                    });
                    break;
                }
                Err(RecordError::Corrupt(reason, len)) => {
                    if offset + len >= bytes.len() {
                        repair = Some(TailRepair {
                            offset: offset as u64,
                            removed: (bytes.len() - offset) as u64,
                        });
                        break;
                    }
                    return Err(StoreError::Corrupt {
                        path,
                        offset: offset as u64,
                        reason,
                    });
                }
            }
        }
        if let Some(repair) = repair {
            file.set_len(repair.offset).map_err(io)?;
            file.sync_data().map_err(io)?;
        }
        Ok((BlockStore { path, file, ends }, blocks, repair))
    }

    /// Where the file lives.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Appends `block` as the next height. On a write error the file is cut
    /// back to where it was, so a failed append leaves no partial record.
    pub fn append(&mut self, block: &Block) -> Result<(), StoreError> {
        let end = self.end();
        let record = encode_record(block);
        let result = self
            .file
            .seek(SeekFrom::Start(end))
            .and_then(|_| self.file.write_all(&record));
        if let Err(source) = result {
            // Best effort: the record is incomplete either way, and open() would cut it.
            let _ = self.file.set_len(end);
            return Err(StoreError::Io {
                path: self.path.clone(),
                source,
            });
        }
        self.ends.push(end + record.len() as u64);
        Ok(())
    }

    /// Flushes appended records to disk.
    pub fn sync(&mut self) -> Result<(), StoreError> {
        self.file.sync_data().map_err(|source| StoreError::Io {
            path: self.path.clone(),
            source,
        })
    }

    /// Drops every block above `height`.
    pub fn truncate(&mut self, height: u32) -> Result<(), StoreError> {
        let keep = usize::try_from(height)
            .unwrap_or(usize::MAX)
            .saturating_add(1);
        if keep >= self.ends.len() {
            return Ok(());
        }
        self.ends.truncate(keep);
        let end = self.end();
        self.file
            .set_len(end)
            .and_then(|()| self.file.sync_data())
            .map_err(|source| StoreError::Io {
                path: self.path.clone(),
                source,
            })
    }

    /// Size of the block file in bytes.
    pub fn size(&self) -> u64 {
        self.end()
    }

    fn end(&self) -> u64 {
        self.ends.last().copied().unwrap_or(HEADER_LEN)
    }
}

fn file_header(genesis: BlockHash) -> Vec<u8> {
    let mut header = Vec::with_capacity(44);
    header.extend_from_slice(FILE_MAGIC);
    header.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
    header.extend_from_slice(genesis.as_byte_array());
    header
}

fn check_header(path: &Path, header: &[u8], genesis: BlockHash) -> Result<(), StoreError> {
    let (magic, rest) = header.split_at(FILE_MAGIC.len().min(header.len()));
    if magic != FILE_MAGIC {
        return Err(StoreError::NotABlockFile {
            path: path.to_path_buf(),
        });
    }
    let mut version = [0u8; 4];
    version.copy_from_slice(rest.get(..4).unwrap_or(&[0; 4]));
    let found = u32::from_le_bytes(version);
    if found != FORMAT_VERSION {
        return Err(StoreError::WrongVersion {
            path: path.to_path_buf(),
            found,
            expected: FORMAT_VERSION,
        });
    }
    let stored = BlockHash::from_slice(rest.get(4..36).unwrap_or_default()).map_err(|_| {
        StoreError::NotABlockFile {
            path: path.to_path_buf(),
        }
    })?;
    if stored != genesis {
        return Err(StoreError::WrongGenesis {
            path: path.to_path_buf(),
            found: stored,
            expected: genesis,
        });
    }
    Ok(())
}

fn checksum(payload: &[u8]) -> [u8; 4] {
    let hash = sha256d::Hash::hash(payload);
    let mut out = [0u8; 4];
    out.copy_from_slice(hash.as_byte_array().get(..4).unwrap_or(&[0; 4]));
    out
}

fn encode_record(block: &Block) -> Vec<u8> {
    let payload = serialize(block);
    let mut record = Vec::with_capacity(RECORD_HEADER_LEN + payload.len());
    record.extend_from_slice(&RECORD_MAGIC);
    record.extend_from_slice(
        &u32::try_from(payload.len())
            .unwrap_or(u32::MAX)
            .to_le_bytes(),
    );
    record.extend_from_slice(&checksum(&payload));
    record.extend_from_slice(&payload);
    record
}

enum RecordError {
    /// The record runs past the end of the file.
    Torn,
    /// The record is complete but wrong; carries its length.
    Corrupt(String, usize),
}

/// Parses one record at the start of `bytes`; returns the block and the
/// record's length.
fn parse_record(bytes: &[u8]) -> Result<(Block, usize), RecordError> {
    let header = bytes.get(..RECORD_HEADER_LEN).ok_or(RecordError::Torn)?;
    let (magic, rest) = header.split_at(4);
    let (len, sum) = rest.split_at(4);
    if magic != RECORD_MAGIC {
        return Err(RecordError::Corrupt("bad record magic".into(), bytes.len()));
    }
    let mut len_bytes = [0u8; 4];
    len_bytes.copy_from_slice(len);
    let len = usize::try_from(u32::from_le_bytes(len_bytes)).map_err(|_| RecordError::Torn)?;
    let total = RECORD_HEADER_LEN
        .checked_add(len)
        .ok_or(RecordError::Torn)?;
    let payload = bytes
        .get(RECORD_HEADER_LEN..total)
        .ok_or(RecordError::Torn)?;
    if checksum(payload) != sum {
        return Err(RecordError::Corrupt("checksum mismatch".into(), total));
    }
    let block: Block = deserialize(payload)
        .map_err(|e| RecordError::Corrupt(format!("undecodable block: {e}"), total))?;
    Ok((block, total))
}

#[cfg(test)]
mod tests {
    use super::*;
    use bitcoin::blockdata::constants::genesis_block;
    use bitcoin::Network;

    fn genesis() -> Block {
        genesis_block(Network::Regtest)
    }

    #[test]
    fn garbage_in_the_middle_is_an_error_not_a_repair() {
        let dir = tempfile::tempdir().expect("tempdir");
        let hash = genesis().block_hash();
        {
            let (mut store, _, _) = BlockStore::open(dir.path(), hash).expect("open");
            store.append(&genesis()).expect("append");
            store.append(&genesis()).expect("append");
            store.sync().expect("sync");
        }
        let path = dir.path().join(BLOCK_FILE);
        let mut bytes = std::fs::read(&path).expect("read");
        let first_payload = HEADER_LEN as usize + RECORD_HEADER_LEN + 10;
        if let Some(b) = bytes.get_mut(first_payload) {
            *b ^= 0xff;
        }
        std::fs::write(&path, &bytes).expect("write");
        let err = BlockStore::open(dir.path(), hash).expect_err("corrupt");
        assert!(
            matches!(err, StoreError::Corrupt { offset: 44, .. }),
            "{err}"
        );
    }

    #[test]
    fn a_half_written_header_is_rewritten() {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(dir.path().join(BLOCK_FILE), &FILE_MAGIC[..5]).expect("write");
        let (_, blocks, _) = BlockStore::open(dir.path(), genesis().block_hash()).expect("open");
        assert!(blocks.is_empty());
        let len = std::fs::metadata(dir.path().join(BLOCK_FILE))
            .expect("stat")
            .len();
        assert_eq!(len, HEADER_LEN);
    }

    #[test]
    fn a_directory_can_be_open_only_once_at_a_time() {
        let dir = tempfile::tempdir().expect("tempdir");
        let hash = genesis().block_hash();
        let first = BlockStore::open(dir.path(), hash).expect("open");
        let err = BlockStore::open(dir.path(), hash).expect_err("second open");
        assert!(matches!(err, StoreError::Locked { .. }), "{err}");
        drop(first);
        BlockStore::open(dir.path(), hash).expect("open after close");
    }

    #[test]
    fn a_foreign_file_is_refused() {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(dir.path().join(BLOCK_FILE), vec![b'x'; 100]).expect("write");
        let err = BlockStore::open(dir.path(), genesis().block_hash()).expect_err("foreign");
        assert!(matches!(err, StoreError::NotABlockFile { .. }));
    }

    #[test]
    fn another_format_version_is_refused_with_advice() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut header = file_header(genesis().block_hash());
        if let Some(b) = header.get_mut(8) {
            *b = 9;
        }
        std::fs::write(dir.path().join(BLOCK_FILE), header).expect("write");
        let err = BlockStore::open(dir.path(), genesis().block_hash()).expect_err("version");
        assert!(err.to_string().contains("start a new chain"), "{err}");
    }
}
