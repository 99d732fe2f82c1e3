//! Reading a snapshot's trailer, hashing its payload and checking its signatures
//! (v0.18 `fast_sync_inspect`, the first half of `fast_sync_import`), and co-signing
//! (`fast_sync_sign`).

use std::fs::{self, File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use bitcoin::secp256k1::PublicKey;
use serde::Serialize;

use crate::compression::Compression;
use crate::error::{io, Result, SnapshotError};
use crate::hashing::sha256_prefix;
use crate::keys::{verify_digest, SigningKey};
use crate::trailer::{self, Trailer, MAX_TRAILER_LEN};
use crate::trust::TrustPolicy;

/// A snapshot file's trailer and digest.
#[derive(Clone, Debug, Serialize)]
pub struct Inspection {
    /// The file.
    pub path: PathBuf,
    /// Its size.
    pub file_bytes: u64,
    /// The payload's size.
    pub payload_bytes: u64,
    /// SHA-256 of the payload, hex.
    pub sha256: String,
    /// The payload's compression, if recognised.
    pub compression: Option<Compression>,
    /// The base64 signatures, in signing order.
    pub signatures: Vec<String>,
    #[serde(skip)]
    digest: [u8; 32],
}

impl Inspection {
    /// The payload digest the signatures cover.
    pub fn digest(&self) -> &[u8; 32] {
        &self.digest
    }
}

/// Reads the trailer of the open file `file` at `path`.
fn read_trailer(file: &mut File, path: &Path) -> Result<(Trailer, u64)> {
    let len = file.metadata().map_err(io(path))?.len();
    let tail_len = len.min(MAX_TRAILER_LEN);
    file.seek(SeekFrom::Start(len - tail_len))
        .map_err(io(path))?;
    let mut tail = Vec::with_capacity(tail_len as usize);
    Read::by_ref(file)
        .take(tail_len)
        .read_to_end(&mut tail)
        .map_err(io(path))?;
    Ok((trailer::parse(&tail, len)?, len))
}

/// Parses the trailer of the open snapshot `file` and hashes its payload.
pub fn inspect_file(file: &mut File, path: &Path) -> Result<Inspection> {
    let (trailer, file_bytes) = read_trailer(file, path)?;
    file.seek(SeekFrom::Start(0)).map_err(io(path))?;
    let mut head = [0u8; 4];
    let head_len = trailer.payload_len.min(4) as usize;
    file.read_exact(&mut head[..head_len]).map_err(io(path))?;
    file.seek(SeekFrom::Start(0)).map_err(io(path))?;
    let digest = sha256_prefix(&mut *file, trailer.payload_len).map_err(io(path))?;
    Ok(Inspection {
        path: path.to_path_buf(),
        file_bytes,
        payload_bytes: trailer.payload_len,
        sha256: hex::encode(digest),
        compression: Compression::detect(&head[..head_len]),
        signatures: trailer.signatures,
        digest,
    })
}

/// [`inspect_file`] on a path.
pub fn inspect(path: &Path) -> Result<Inspection> {
    let mut file = File::open(path).map_err(io(path))?;
    inspect_file(&mut file, path)
}

/// A snapshot whose signatures satisfied a trust policy. It keeps the file open, so the
/// restore reads the very file that was checked.
#[derive(Debug)]
pub struct Verified {
    pub(crate) file: File,
    /// The trailer and digest.
    pub inspection: Inspection,
    /// The trusted keys that signed, in the policy's order.
    pub signers: Vec<PublicKey>,
}

/// Opens `path`, hashes its payload and checks its signatures against `policy`.
pub fn verify(path: &Path, policy: &TrustPolicy) -> Result<Verified> {
    let mut file = File::open(path).map_err(io(path))?;
    let inspection = inspect_file(&mut file, path)?;
    let signers = policy.check(inspection.digest(), &inspection.signatures)?;
    Ok(Verified {
        file,
        inspection,
        signers,
    })
}

/// Adds `key`'s signature to the snapshot at `path` (v0.18 `fast_sync_sign`).
///
/// The file is rewritten as a copy next to it and renamed over the original, so a crash
/// leaves either the old or the new file.
pub fn cosign(path: &Path, key: &SigningKey) -> Result<Inspection> {
    let before = inspect(path)?;
    let pk = key.public_key();
    if before
        .signatures
        .iter()
        .any(|s| verify_digest(&pk, before.digest(), s))
    {
        return Err(SnapshotError::Policy(format!(
            "{pk} has already signed {}",
            path.display()
        )));
    }
    if before.signatures.len() >= trailer::MAX_SIGNATURES {
        return Err(SnapshotError::Policy(format!(
            "{} already carries the most signatures a snapshot may have",
            path.display()
        )));
    }
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let tmp = tempfile::Builder::new()
        .prefix(".snapshot-sign-")
        .tempfile_in(&dir)
        .map_err(io(&dir))?
        .into_temp_path();
    fs::copy(path, &tmp).map_err(io(&*tmp))?;
    let mut file = OpenOptions::new()
        .write(true)
        .open(&tmp)
        .map_err(io(&*tmp))?;
    let mut signatures = before.signatures.clone();
    signatures.push(key.sign_digest(before.digest()));
    file.set_len(before.payload_bytes).map_err(io(&*tmp))?;
    file.seek(SeekFrom::End(0)).map_err(io(&*tmp))?;
    file.write_all(&trailer::encode(&signatures))
        .map_err(io(&*tmp))?;
    file.sync_all().map_err(io(&*tmp))?;
    drop(file);
    fs::rename(&tmp, path).map_err(io(path))?;
    // Renamed away: nothing is left at the temporary path to delete.
    let _ = tmp.keep();
    File::open(&dir)
        .and_then(|d| d.sync_all())
        .map_err(io(&dir))?;
    inspect(path)
}
