//! `wallet.json`: the encrypted wallet file.
//!
//! The original stores public metadata in the clear and the private keys in
//! a Tarsnap scrypt container (cli-wallet.md §b.2–§b.3). New wallets here
//! use a versioned JSON envelope with the same split, authenticated
//! encryption and a memory-hard KDF:
//!
//! ```json
//! {
//!   "format": "blockstack-rs-wallet",
//!   "version": 1,
//!   "network": "mainnet" | "testnet",
//!   "payment_addresses": ["<address>"],
//!   "owner_addresses": ["<address>"],
//!   "data_pubkey": "<uncompressed hex>",
//!   "kdf": {"algorithm": "scrypt", "log_n": 15, "r": 8, "p": 1, "salt": "<base64, 32 bytes>"},
//!   "cipher": {"algorithm": "xchacha20poly1305", "nonce": "<base64, 24 bytes>"},
//!   "password_check": "<base64, 32 bytes>",
//!   "ciphertext": "<base64>"
//! }
//! ```
//!
//! * `dk = scrypt(password, salt, N = 2^log_n, r, p, 64 bytes)`; the cipher
//!   key is `dk[0..32]`, and `password_check = SHA-256(label ‖ dk[32..64])`
//!   tells a wrong password ([`WalletFileError::WrongPassword`]) apart from a
//!   damaged ciphertext ([`WalletFileError::Corrupt`]).
//! * The plaintext is the JSON `{"data_privkey", "owner_privkey",
//!   "payment_privkey"}` in the original's private-key info forms, so that
//!   merging it into the public fields gives the original's "decrypted
//!   wallet" shape.
//! * The associated data is the envelope itself with an empty `ciphertext`,
//!   so the clear metadata cannot be altered without detection.
//! * Salt and nonce are fresh random values on every write.
//!
//! Writes go to a temporary file in the same directory (mode 0600), which is
//! fsynced and renamed over `wallet.json`, then the directory is fsynced: a
//! reader sees the old or the new file, never a mix. Writers serialize on an
//! advisory lock on `wallet.json.lock`. Loading refuses a file that group or
//! others can access.
//!
//! Original (v0.18) wallet files are refused by [`WalletFile::load`] with
//! [`WalletFileError::LegacyFormat`]; [`WalletFile::migrate_legacy`] converts
//! one (see [`crate::legacy`]), keeping a backup as the original does.

use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use bitcoin::hashes::{sha256, Hash};
use bitcoin::secp256k1::rand::{self, RngCore};
use bitcoin::NetworkKind;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use serde::{Deserialize, Serialize};
use zeroize::{Zeroize, Zeroizing};

use crate::keys::{KeyError, KeyInfo, SingleKey, StoredKeyInfo, WalletKeys};

/// The `format` tag of the envelope.
pub const FORMAT: &str = "blockstack-rs-wallet";
/// The envelope version this code writes and reads.
pub const VERSION: u64 = 1;
/// Minimum password length (the original's `WALLET_PASSWORD_LENGTH`).
pub const MIN_PASSWORD_LEN: usize = 8;
/// Largest scrypt memory (128 · r · N bytes) accepted from a file.
pub const MAX_KDF_MEMORY: u64 = 1 << 30;

const SALT_LEN: usize = 32;
const NONCE_LEN: usize = 24;
const TAG_LEN: usize = 16;
const CHECK_LABEL: &[u8] = b"blockstack-rs-wallet password check";

/// Errors reading or writing a wallet file.
#[derive(Debug, thiserror::Error)]
pub enum WalletFileError {
    /// A filesystem operation failed.
    #[error("{action} {path}: {source}")]
    Io {
        /// What was being done.
        action: &'static str,
        /// The file involved.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// The password does not open this wallet.
    #[error("wrong wallet password")]
    WrongPassword,
    /// The file is truncated, malformed or its ciphertext was altered.
    #[error("wallet file is corrupt: {0}")]
    Corrupt(String),
    /// Group or others can access the file.
    #[error("wallet file {path} has mode {mode:o}; it must not be accessible by group or others (chmod 600 it)")]
    InsecurePermissions {
        /// The file.
        path: PathBuf,
        /// Its permission bits.
        mode: u32,
    },
    /// The envelope has a version this code does not know.
    #[error("wallet file version {0} is not supported (expected {VERSION})")]
    UnknownVersion(u64),
    /// Not a wallet envelope at all.
    #[error("not a wallet file (format {0:?})")]
    UnknownFormat(String),
    /// An original Blockstack `wallet.json`. The v0.18 (≥ 0.14.2) format can
    /// be converted with [`WalletFile::migrate_legacy`]; older formats cannot
    /// be read.
    #[error("legacy Blockstack wallet file; migrate it to the current format first")]
    LegacyFormat,
    /// An original wallet older than 0.14.2 (master-key or per-field
    /// encryption), which cannot be read.
    #[error("legacy Blockstack wallet format {0} cannot be read; only v0.14.2 and later can be migrated")]
    UnsupportedLegacyFormat(String),
    /// A new password shorter than the minimum.
    #[error("password of {len} characters is shorter than {MIN_PASSWORD_LEN}")]
    PasswordTooShort {
        /// Its length in characters.
        len: usize,
    },
    /// scrypt parameters out of the accepted range.
    #[error("scrypt parameters log_n={log_n} r={r} p={p} are out of range")]
    KdfParams {
        /// log2(N).
        log_n: u8,
        /// Block size.
        r: u32,
        /// Parallelism.
        p: u32,
    },
    /// `create` found a wallet already there.
    #[error("wallet file {0} already exists")]
    AlreadyExists(PathBuf),
    /// A stored key did not parse.
    #[error("stored key: {0}")]
    Key(#[from] KeyError),
    /// The clear metadata does not match the decrypted keys.
    #[error("wallet metadata field {0} does not match the decrypted keys")]
    MetadataMismatch(&'static str),
}

fn io_err(action: &'static str, path: &Path) -> impl FnOnce(std::io::Error) -> WalletFileError {
    let path = path.to_path_buf();
    move |source| WalletFileError::Io {
        action,
        path,
        source,
    }
}

/// scrypt cost parameters (stored in the file; any valid header is read).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct KdfParams {
    /// log2 of the CPU/memory cost N.
    pub log_n: u8,
    /// Block size.
    pub r: u32,
    /// Parallelism.
    pub p: u32,
}

impl KdfParams {
    /// The parameters new wallets get: N = 2^15, r = 8, p = 1 (32 MiB,
    /// about 0.1 s), within the range cli-wallet.md §b.3 recommends.
    pub const DEFAULT: Self = Self {
        log_n: 15,
        r: 8,
        p: 1,
    };

    /// Cheap parameters for tests only: they offer no protection.
    pub const INSECURE_FOR_TESTS: Self = Self {
        log_n: 4,
        r: 1,
        p: 1,
    };

    fn to_scrypt(self) -> Result<scrypt::Params, WalletFileError> {
        let bad = WalletFileError::KdfParams {
            log_n: self.log_n,
            r: self.r,
            p: self.p,
        };
        let memory = 128u64
            .checked_mul(u64::from(self.r))
            .and_then(|m| m.checked_mul(1u64.checked_shl(u32::from(self.log_n))?));
        if self.log_n == 0
            || self.p == 0
            || self.p > 16
            || memory.is_none_or(|m| m > MAX_KDF_MEMORY)
        {
            return Err(bad);
        }
        scrypt::Params::new(self.log_n, self.r, self.p).map_err(|_| bad)
    }
}

impl Default for KdfParams {
    fn default() -> Self {
        Self::DEFAULT
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct KdfSection {
    algorithm: String,
    log_n: u8,
    r: u32,
    p: u32,
    salt: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct CipherSection {
    algorithm: String,
    nonce: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Envelope {
    format: String,
    version: u64,
    network: String,
    payment_addresses: Vec<String>,
    owner_addresses: Vec<String>,
    data_pubkey: String,
    kdf: KdfSection,
    cipher: CipherSection,
    password_check: String,
    ciphertext: String,
}

impl Envelope {
    /// The associated data: the envelope with an empty ciphertext.
    fn aad(&self) -> Result<Vec<u8>, WalletFileError> {
        let mut header = self.clone();
        header.ciphertext.clear();
        serde_json::to_vec(&header).map_err(|e| WalletFileError::Corrupt(e.to_string()))
    }
}

#[derive(Serialize, Deserialize, Zeroize)]
#[serde(deny_unknown_fields)]
struct Secrets {
    data_privkey: String,
    owner_privkey: StoredKeyInfo,
    payment_privkey: StoredKeyInfo,
}

/// What anyone can read from a wallet file without the password.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PublicInfo {
    /// Address version bytes of the keys.
    pub network: NetworkKind,
    /// The payment address(es).
    pub payment_addresses: Vec<String>,
    /// The owner address(es).
    pub owner_addresses: Vec<String>,
    /// The data public key, uncompressed hex.
    pub data_pubkey: String,
}

/// A decrypted wallet.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Wallet {
    /// Address version bytes.
    pub network: NetworkKind,
    /// The three keys.
    pub keys: WalletKeys,
}

impl Wallet {
    /// The clear metadata these keys produce.
    pub fn public_info(&self) -> PublicInfo {
        PublicInfo {
            network: self.network,
            payment_addresses: vec![self.keys.payment.address(self.network).to_string()],
            owner_addresses: vec![self.keys.owner.address(self.network).to_string()],
            data_pubkey: self.keys.data_public_key_hex(),
        }
    }
}

fn network_name(network: NetworkKind) -> &'static str {
    match network {
        NetworkKind::Main => "mainnet",
        NetworkKind::Test => "testnet",
    }
}

/// Seals `wallet` under `password` into the envelope's JSON text.
pub fn encrypt(
    wallet: &Wallet,
    password: &str,
    kdf: KdfParams,
) -> Result<Vec<u8>, WalletFileError> {
    let len = password.chars().count();
    if len < MIN_PASSWORD_LEN {
        return Err(WalletFileError::PasswordTooShort { len });
    }
    let mut salt = [0u8; SALT_LEN];
    let mut nonce = [0u8; NONCE_LEN];
    rand::thread_rng().fill_bytes(&mut salt);
    rand::thread_rng().fill_bytes(&mut nonce);
    let (key, check) = derive(password, &salt, kdf)?;

    let public = wallet.public_info();
    let mut envelope = Envelope {
        format: FORMAT.to_owned(),
        version: VERSION,
        network: network_name(wallet.network).to_owned(),
        payment_addresses: public.payment_addresses,
        owner_addresses: public.owner_addresses,
        data_pubkey: public.data_pubkey,
        kdf: KdfSection {
            algorithm: "scrypt".to_owned(),
            log_n: kdf.log_n,
            r: kdf.r,
            p: kdf.p,
            salt: BASE64.encode(salt),
        },
        cipher: CipherSection {
            algorithm: "xchacha20poly1305".to_owned(),
            nonce: BASE64.encode(nonce),
        },
        password_check: BASE64.encode(check),
        ciphertext: String::new(),
    };
    let mut secrets = Secrets {
        data_privkey: wallet.keys.data.to_hex(),
        owner_privkey: wallet.keys.owner.to_stored(wallet.network),
        payment_privkey: wallet.keys.payment.to_stored(wallet.network),
    };
    let plaintext = Zeroizing::new(
        serde_json::to_vec(&secrets).map_err(|e| WalletFileError::Corrupt(e.to_string()))?,
    );
    secrets.zeroize();
    let aad = envelope.aad()?;
    let cipher = XChaCha20Poly1305::new_from_slice(key.as_slice())
        .map_err(|_| WalletFileError::Corrupt("cipher key length".to_owned()))?;
    let ciphertext = cipher
        .encrypt(
            &XNonce::from(nonce),
            Payload {
                msg: plaintext.as_slice(),
                aad: &aad,
            },
        )
        .map_err(|_| WalletFileError::Corrupt("encryption failed".to_owned()))?;
    envelope.ciphertext = BASE64.encode(ciphertext);
    let mut text = serde_json::to_vec_pretty(&envelope)
        .map_err(|e| WalletFileError::Corrupt(e.to_string()))?;
    text.push(b'\n');
    Ok(text)
}

/// Parses the clear part of an envelope, refusing unknown versions and
/// legacy files.
fn parse_envelope(bytes: &[u8]) -> Result<Envelope, WalletFileError> {
    let value: serde_json::Value =
        serde_json::from_slice(bytes).map_err(|e| WalletFileError::Corrupt(e.to_string()))?;
    let object = value
        .as_object()
        .ok_or_else(|| WalletFileError::Corrupt("not a JSON object".to_owned()))?;
    if object.contains_key("enc")
        || object.contains_key("encrypted_master_private_key")
        || object.contains_key("encrypted_owner_privkey")
    {
        return Err(WalletFileError::LegacyFormat);
    }
    match object.get("format").and_then(|f| f.as_str()) {
        Some(FORMAT) => {}
        other => {
            return Err(WalletFileError::UnknownFormat(
                other.unwrap_or("").to_owned(),
            ))
        }
    }
    match object.get("version").and_then(serde_json::Value::as_u64) {
        Some(VERSION) => {}
        Some(other) => return Err(WalletFileError::UnknownVersion(other)),
        None => return Err(WalletFileError::Corrupt("missing version".to_owned())),
    }
    let envelope: Envelope =
        serde_json::from_value(value).map_err(|e| WalletFileError::Corrupt(e.to_string()))?;
    if envelope.kdf.algorithm != "scrypt" || envelope.cipher.algorithm != "xchacha20poly1305" {
        return Err(WalletFileError::Corrupt(format!(
            "unsupported algorithms {} / {}",
            envelope.kdf.algorithm, envelope.cipher.algorithm
        )));
    }
    Ok(envelope)
}

fn decode_b64<const N: usize>(field: &'static str, text: &str) -> Result<[u8; N], WalletFileError> {
    let bytes = BASE64
        .decode(text)
        .map_err(|_| WalletFileError::Corrupt(format!("{field} is not base64")))?;
    <[u8; N]>::try_from(bytes).map_err(|b| {
        WalletFileError::Corrupt(format!("{field} has {} bytes, expected {N}", b.len()))
    })
}

fn public_of(envelope: &Envelope) -> Result<PublicInfo, WalletFileError> {
    let network = match envelope.network.as_str() {
        "mainnet" => NetworkKind::Main,
        "testnet" => NetworkKind::Test,
        other => {
            return Err(WalletFileError::Corrupt(format!(
                "unknown network {other:?}"
            )))
        }
    };
    Ok(PublicInfo {
        network,
        payment_addresses: envelope.payment_addresses.clone(),
        owner_addresses: envelope.owner_addresses.clone(),
        data_pubkey: envelope.data_pubkey.clone(),
    })
}

/// Opens an envelope's JSON text with `password`.
pub fn decrypt(bytes: &[u8], password: &str) -> Result<Wallet, WalletFileError> {
    let envelope = parse_envelope(bytes)?;
    let public = public_of(&envelope)?;
    let kdf = KdfParams {
        log_n: envelope.kdf.log_n,
        r: envelope.kdf.r,
        p: envelope.kdf.p,
    };
    let salt: [u8; SALT_LEN] = decode_b64("salt", &envelope.kdf.salt)?;
    let nonce: [u8; NONCE_LEN] = decode_b64("nonce", &envelope.cipher.nonce)?;
    let stored_check: [u8; 32] = decode_b64("password_check", &envelope.password_check)?;
    let ciphertext = BASE64
        .decode(&envelope.ciphertext)
        .map_err(|_| WalletFileError::Corrupt("ciphertext is not base64".to_owned()))?;
    if ciphertext.len() < TAG_LEN {
        return Err(WalletFileError::Corrupt(format!(
            "ciphertext of {} bytes is truncated",
            ciphertext.len()
        )));
    }

    let (key, check) = derive(password, &salt, kdf)?;
    let differs = check
        .iter()
        .zip(stored_check.iter())
        .fold(0u8, |acc, (a, b)| acc | (a ^ b));
    if differs != 0 {
        return Err(WalletFileError::WrongPassword);
    }
    let aad = envelope.aad()?;
    let cipher = XChaCha20Poly1305::new_from_slice(key.as_slice())
        .map_err(|_| WalletFileError::Corrupt("cipher key length".to_owned()))?;
    let plaintext = Zeroizing::new(
        cipher
            .decrypt(
                &XNonce::from(nonce),
                Payload {
                    msg: &ciphertext,
                    aad: &aad,
                },
            )
            .map_err(|_| {
                WalletFileError::Corrupt(
                    "authentication failed: ciphertext or metadata altered".to_owned(),
                )
            })?,
    );
    let mut secrets: Secrets =
        serde_json::from_slice(&plaintext).map_err(|e| WalletFileError::Corrupt(e.to_string()))?;
    let keys = (|| {
        Ok::<_, KeyError>(WalletKeys {
            payment: KeyInfo::from_stored(&secrets.payment_privkey, public.network)?,
            owner: KeyInfo::from_stored(&secrets.owner_privkey, public.network)?,
            data: SingleKey::parse(&secrets.data_privkey, public.network)?,
        })
    })();
    secrets.zeroize();
    let wallet = Wallet {
        network: public.network,
        keys: keys?,
    };

    let derived = wallet.public_info();
    if derived.payment_addresses != public.payment_addresses {
        return Err(WalletFileError::MetadataMismatch("payment_addresses"));
    }
    if derived.owner_addresses != public.owner_addresses {
        return Err(WalletFileError::MetadataMismatch("owner_addresses"));
    }
    if derived.data_pubkey != public.data_pubkey {
        return Err(WalletFileError::MetadataMismatch("data_pubkey"));
    }
    Ok(wallet)
}

/// `(cipher key, password check)` from scrypt.
fn derive(
    password: &str,
    salt: &[u8],
    kdf: KdfParams,
) -> Result<(Zeroizing<[u8; 32]>, [u8; 32]), WalletFileError> {
    let params = kdf.to_scrypt()?;
    let mut dk = Zeroizing::new([0u8; 64]);
    scrypt::scrypt(password.as_bytes(), salt, &params, dk.as_mut_slice()).map_err(|_| {
        WalletFileError::KdfParams {
            log_n: kdf.log_n,
            r: kdf.r,
            p: kdf.p,
        }
    })?;
    let mut key = Zeroizing::new([0u8; 32]);
    key.copy_from_slice(&dk[..32]);
    let mut engine = sha256::Hash::engine();
    bitcoin::hashes::HashEngine::input(&mut engine, CHECK_LABEL);
    bitcoin::hashes::HashEngine::input(&mut engine, &dk[32..]);
    Ok((key, sha256::Hash::from_engine(engine).to_byte_array()))
}

/// A wallet file on disk.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WalletFile {
    path: PathBuf,
}

/// The exclusive writer lock of a wallet file; released on drop.
#[derive(Debug)]
pub struct WalletLock<'w> {
    wallet: &'w WalletFile,
    _file: File,
}

impl WalletFile {
    /// The wallet at `path` (usually `~/.blockstack/wallet.json`).
    pub fn new(path: impl Into<PathBuf>) -> Self {
        Self { path: path.into() }
    }

    /// The wallet file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The lock file's path: `<wallet>.lock` beside the wallet.
    pub fn lock_path(&self) -> PathBuf {
        let mut name = self
            .path
            .file_name()
            .map(|n| n.to_os_string())
            .unwrap_or_default();
        name.push(".lock");
        self.path.with_file_name(name)
    }

    /// Takes the writer lock, waiting for other writers (threads or processes).
    pub fn lock(&self) -> Result<WalletLock<'_>, WalletFileError> {
        let lock_path = self.lock_path();
        let file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .mode(0o600)
            .open(&lock_path)
            .map_err(io_err("open lock file", &lock_path))?;
        file.lock().map_err(io_err("lock", &lock_path))?;
        Ok(WalletLock {
            wallet: self,
            _file: file,
        })
    }

    /// Writes a new wallet; fails if one exists.
    pub fn create(
        &self,
        wallet: &Wallet,
        password: &str,
        kdf: KdfParams,
    ) -> Result<(), WalletFileError> {
        let lock = self.lock()?;
        if self.path.exists() {
            return Err(WalletFileError::AlreadyExists(self.path.clone()));
        }
        lock.save(wallet, password, kdf)
    }

    /// Writes `wallet`, replacing any existing file atomically.
    pub fn save(
        &self,
        wallet: &Wallet,
        password: &str,
        kdf: KdfParams,
    ) -> Result<(), WalletFileError> {
        self.lock()?.save(wallet, password, kdf)
    }

    /// Reads and decrypts the wallet.
    pub fn load(&self, password: &str) -> Result<Wallet, WalletFileError> {
        decrypt(&self.read()?, password)
    }

    /// Reads the clear metadata without the password.
    pub fn public_info(&self) -> Result<PublicInfo, WalletFileError> {
        public_of(&parse_envelope(&self.read()?)?)
    }

    /// Re-encrypts the wallet under a new password; nothing changes if `old` is wrong.
    pub fn change_password(
        &self,
        old: &str,
        new: &str,
        kdf: KdfParams,
    ) -> Result<(), WalletFileError> {
        let lock = self.lock()?;
        let wallet = self.load(old)?;
        lock.save(&wallet, new, kdf)
    }

    /// Opens an original v0.18 wallet file without converting it.
    pub fn load_legacy(&self, password: &str) -> Result<Wallet, WalletFileError> {
        crate::legacy::open(&self.read()?, password)
    }

    /// Converts an original v0.18 wallet into the current format under the
    /// same password, after copying it to `wallet.json.legacy.<unix time>`
    /// (cli-wallet.md §b.2). Returns the backup's path. Nothing is written if
    /// the password is wrong.
    pub fn migrate_legacy(
        &self,
        password: &str,
        kdf: KdfParams,
    ) -> Result<PathBuf, WalletFileError> {
        let lock = self.lock()?;
        let wallet = self.load_legacy(password)?;
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0);
        let mut name = self
            .path
            .file_name()
            .map(|n| n.to_os_string())
            .unwrap_or_default();
        name.push(format!(".legacy.{now}"));
        let backup = self.path.with_file_name(name);
        fs::copy(&self.path, &backup).map_err(io_err("back up to", &backup))?;
        fs::set_permissions(&backup, fs::Permissions::from_mode(0o600))
            .map_err(io_err("chmod", &backup))?;
        lock.save(&wallet, password, kdf)?;
        Ok(backup)
    }

    fn read(&self) -> Result<Vec<u8>, WalletFileError> {
        let path = &self.path;
        let meta = fs::metadata(path).map_err(io_err("stat", path))?;
        let mode = meta.permissions().mode() & 0o777;
        if mode & 0o077 != 0 {
            return Err(WalletFileError::InsecurePermissions {
                path: path.clone(),
                mode,
            });
        }
        fs::read(path).map_err(io_err("read", path))
    }
}

impl WalletLock<'_> {
    /// Encrypts and writes atomically while holding the lock.
    pub fn save(
        &self,
        wallet: &Wallet,
        password: &str,
        kdf: KdfParams,
    ) -> Result<(), WalletFileError> {
        let text = encrypt(wallet, password, kdf)?;
        write_atomically(&self.wallet.path, &text)
    }
}

/// temp file (0600, same directory) → write → fsync → rename → fsync dir.
fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), WalletFileError> {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let base = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = dir.join(format!(
        ".{base}.tmp.{}.{}.{:08x}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed),
        rand::thread_rng().next_u32()
    ));
    let result = (|| {
        let mut file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&tmp)
            .map_err(io_err("create", &tmp))?;
        file.write_all(bytes).map_err(io_err("write", &tmp))?;
        file.sync_all().map_err(io_err("fsync", &tmp))?;
        drop(file);
        fs::rename(&tmp, path).map_err(io_err("rename into", path))?;
        File::open(&dir)
            .and_then(|d| d.sync_all())
            .map_err(io_err("fsync", &dir))
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Barrier};
    use std::time::Duration;

    const PASSWORD: &str = "0123456789abcdef";
    const KDF: KdfParams = KdfParams::INSECURE_FOR_TESTS;

    fn wallet() -> Wallet {
        Wallet {
            network: NetworkKind::Test,
            keys: WalletKeys::generate(NetworkKind::Test),
        }
    }

    fn setup() -> (tempfile::TempDir, WalletFile, Wallet) {
        let dir = tempfile::tempdir().expect("tempdir");
        let file = WalletFile::new(dir.path().join("wallet.json"));
        let w = wallet();
        file.create(&w, PASSWORD, KDF).expect("create");
        (dir, file, w)
    }

    fn mode_of(path: &Path) -> u32 {
        fs::metadata(path).expect("stat").permissions().mode() & 0o777
    }

    fn edit_json(file: &WalletFile, edit: impl FnOnce(&mut serde_json::Value)) {
        let mut value: serde_json::Value =
            serde_json::from_slice(&fs::read(file.path()).expect("read")).expect("json");
        edit(&mut value);
        fs::write(file.path(), serde_json::to_vec(&value).expect("json")).expect("write");
    }

    #[test]
    fn round_trip_restores_every_key() {
        let (_dir, file, w) = setup();
        let loaded = file.load(PASSWORD).expect("load");
        assert_eq!(loaded, w);
        assert_eq!(file.public_info().expect("public"), w.public_info());
        // Public metadata is in the clear, secrets are not.
        let text = fs::read_to_string(file.path()).expect("read");
        assert!(text.contains(&w.public_info().owner_addresses[0]));
        assert!(!text.contains(&w.keys.data.to_hex()));
    }

    #[test]
    fn file_is_mode_0600_after_create_and_overwrite() {
        let (_dir, file, w) = setup();
        assert_eq!(mode_of(file.path()), 0o600);
        fs::set_permissions(file.path(), fs::Permissions::from_mode(0o600)).expect("chmod");
        file.save(&w, "another password", KDF).expect("save");
        assert_eq!(mode_of(file.path()), 0o600);
        assert_eq!(mode_of(&file.lock_path()), 0o600);
    }

    #[test]
    fn wrong_password_is_reported_and_changes_nothing() {
        let (_dir, file, _w) = setup();
        let before = fs::read(file.path()).expect("read");
        assert!(matches!(
            file.load("not the password"),
            Err(WalletFileError::WrongPassword)
        ));
        assert!(matches!(
            file.change_password("not the password", "new password", KDF),
            Err(WalletFileError::WrongPassword)
        ));
        assert_eq!(fs::read(file.path()).expect("read"), before);
        file.load(PASSWORD).expect("still opens");
    }

    #[test]
    fn change_password_re_encrypts() {
        let (_dir, file, w) = setup();
        file.change_password(PASSWORD, "a new password", KDF)
            .expect("change");
        assert!(matches!(
            file.load(PASSWORD),
            Err(WalletFileError::WrongPassword)
        ));
        assert_eq!(file.load("a new password").expect("load"), w);
    }

    #[test]
    fn truncated_files_are_corrupt() {
        let (_dir, file, _w) = setup();
        let bytes = fs::read(file.path()).expect("read");
        for cut in [0, 1, bytes.len() / 2, bytes.len() - 3] {
            fs::write(file.path(), &bytes[..cut]).expect("write");
            assert!(
                matches!(file.load(PASSWORD), Err(WalletFileError::Corrupt(_))),
                "cut at {cut}"
            );
        }
        // Valid JSON whose ciphertext lost its tail: the password is right,
        // so this is corruption, not a wrong password.
        fs::write(file.path(), &bytes).expect("restore");
        edit_json(&file, |v| {
            let ct = v["ciphertext"].as_str().expect("str").to_owned();
            let raw = BASE64.decode(ct).expect("b64");
            v["ciphertext"] = BASE64.encode(&raw[..raw.len() - 5]).into();
        });
        assert!(matches!(
            file.load(PASSWORD),
            Err(WalletFileError::Corrupt(_))
        ));
    }

    #[test]
    fn altered_clear_metadata_is_detected() {
        let (_dir, file, _w) = setup();
        let other = wallet().public_info().owner_addresses;
        edit_json(&file, |v| v["owner_addresses"] = serde_json::json!(other));
        assert!(matches!(
            file.load(PASSWORD),
            Err(WalletFileError::Corrupt(_))
        ));
    }

    #[test]
    fn group_or_world_accessible_wallets_are_refused() {
        let (_dir, file, _w) = setup();
        for mode in [0o640, 0o604, 0o660] {
            fs::set_permissions(file.path(), fs::Permissions::from_mode(mode)).expect("chmod");
            let err = file.load(PASSWORD).expect_err("refused");
            assert!(
                matches!(err, WalletFileError::InsecurePermissions { mode: m, .. } if m == mode)
            );
            assert!(err.to_string().contains("chmod 600"));
        }
    }

    #[test]
    fn unknown_versions_formats_and_legacy_files_are_refused() {
        let (_dir, file, _w) = setup();
        edit_json(&file, |v| v["version"] = 2.into());
        assert!(matches!(
            file.load(PASSWORD),
            Err(WalletFileError::UnknownVersion(2))
        ));
        fs::write(file.path(), br#"{"hello": "world"}"#).expect("write");
        assert!(matches!(
            file.load(PASSWORD),
            Err(WalletFileError::UnknownFormat(_))
        ));
        // The original's current shape (cli-wallet.md §b.2).
        fs::write(
            file.path(),
            br#"{"data_pubkey": "04", "data_pubkeys": ["04"], "owner_addresses": [], "payment_addresses": [], "version": "0.18.0", "enc": "c2NyeXB0"}"#,
        )
        .expect("write");
        assert!(matches!(
            file.load(PASSWORD),
            Err(WalletFileError::LegacyFormat)
        ));
    }

    #[test]
    fn a_legacy_wallet_migrates_with_a_backup() {
        let dir = tempfile::tempdir().expect("tempdir");
        let file = WalletFile::new(dir.path().join("wallet.json"));
        let legacy = include_bytes!("../tests/data/legacy-wallet-v0.18.json");
        fs::write(file.path(), legacy).expect("write");
        fs::set_permissions(file.path(), fs::Permissions::from_mode(0o600)).expect("chmod");
        assert!(matches!(
            file.load(PASSWORD),
            Err(WalletFileError::LegacyFormat)
        ));
        assert!(matches!(
            file.migrate_legacy("wrong password", KDF),
            Err(WalletFileError::WrongPassword)
        ));
        assert_eq!(fs::read(file.path()).expect("read"), legacy, "untouched");
        let backup = file.migrate_legacy(PASSWORD, KDF).expect("migrates");
        assert_eq!(fs::read(&backup).expect("backup"), legacy);
        assert_eq!(mode_of(&backup), 0o600);
        let wallet = file.load(PASSWORD).expect("current format now");
        assert_eq!(wallet.keys, crate::legacy::tests::expected_keys());
    }

    #[test]
    fn hostile_kdf_parameters_are_refused_before_deriving() {
        let (_dir, file, _w) = setup();
        edit_json(&file, |v| v["kdf"]["log_n"] = 40.into());
        assert!(matches!(
            file.load(PASSWORD),
            Err(WalletFileError::KdfParams { log_n: 40, .. })
        ));
    }

    #[test]
    fn short_passwords_and_existing_wallets_are_refused() {
        let (_dir, file, w) = setup();
        assert!(matches!(
            file.create(&w, PASSWORD, KDF),
            Err(WalletFileError::AlreadyExists(_))
        ));
        assert!(matches!(
            file.save(&w, "short", KDF),
            Err(WalletFileError::PasswordTooShort { len: 5 })
        ));
    }

    #[test]
    fn default_parameters_are_accepted_and_parameters_are_read_from_the_file() {
        // Deriving with the defaults takes seconds in a debug build, so only
        // their validity is checked here; r = 8 is exercised below.
        KdfParams::DEFAULT.to_scrypt().expect("defaults valid");
        let w = wallet();
        let kdf = KdfParams {
            log_n: 6,
            r: 8,
            p: 1,
        };
        let text = encrypt(&w, PASSWORD, kdf).expect("encrypt");
        let value: serde_json::Value = serde_json::from_slice(&text).expect("json");
        assert_eq!(value["kdf"]["log_n"], 6);
        assert_eq!(value["kdf"]["r"], 8);
        assert_eq!(decrypt(&text, PASSWORD).expect("decrypt"), w);
    }

    #[test]
    fn concurrent_writers_leave_one_complete_wallet() {
        let (dir, file, _w) = setup();
        let threads = 8;
        let barrier = Arc::new(Barrier::new(threads));
        let handles: Vec<_> = (0..threads)
            .map(|i| {
                let file = file.clone();
                let barrier = Arc::clone(&barrier);
                std::thread::spawn(move || {
                    let w = wallet();
                    let password = format!("password-{i}");
                    barrier.wait();
                    for _ in 0..5 {
                        file.save(&w, &password, KDF).expect("save");
                    }
                    (password, w)
                })
            })
            .collect();
        let written: Vec<(String, Wallet)> = handles
            .into_iter()
            .map(|h| h.join().expect("thread"))
            .collect();
        let opened: Vec<&Wallet> = written
            .iter()
            .filter_map(|(pw, w)| file.load(pw).ok().map(|loaded| (loaded, w)))
            .map(|(loaded, w)| {
                assert_eq!(&loaded, w, "the file holds one writer's keys intact");
                w
            })
            .collect();
        assert_eq!(
            opened.len(),
            1,
            "exactly the last writer's password opens it"
        );
        let leftovers: Vec<_> = fs::read_dir(dir.path())
            .expect("dir")
            .filter_map(Result::ok)
            .filter(|e| e.file_name().to_string_lossy().contains(".tmp."))
            .collect();
        assert!(leftovers.is_empty(), "temporary files left: {leftovers:?}");
    }

    #[test]
    fn a_held_lock_blocks_writers() {
        let (_dir, file, _w) = setup();
        let before = fs::read(file.path()).expect("read");
        let guard = file.lock().expect("lock");
        let writer = {
            let file = file.clone();
            std::thread::spawn(move || file.save(&wallet(), "blocked writer", KDF))
        };
        std::thread::sleep(Duration::from_millis(200));
        assert_eq!(
            fs::read(file.path()).expect("read"),
            before,
            "writer waited"
        );
        drop(guard);
        writer.join().expect("thread").expect("save after unlock");
        file.load("blocked writer").expect("new wallet written");
    }
}
