//! `blockstack-core fast_sync`: fetch or read a signed snapshot, verify it, and restore it into
//! the working directory (v0.18 `fast_sync_import`).
//!
//! Order, with nothing in the working directory touched until the last step:
//! 1. download (resumable, beside the working directory) or open the file;
//! 2. check the signatures: `--num-required` distinct keys of `--public-key` (default: the
//!    configuration's `fast_sync_public_keys`, all required);
//! 3. unpack into a new directory beside the working directory, refusing unsafe entries, and
//!    check the state against the configuration's `fast_sync_checkpoints`;
//! 4. unless `--no-chain-check`, compare the snapshot's last block hash with bitcoind's (when
//!    bitcoind answers);
//! 5. swap the new directory in. `blockstack-core start` then indexes on from the snapshot's
//!    block.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{bail, Context};
use bitcoin::hashes::{sha256, Hash};
use blockstack_node::chain::{BitcoindClient, BitcoindConfig, ChainSource, RetryPolicy};
use blockstack_snapshot::checkpoint::Checkpoint;
use blockstack_snapshot::download::download;
use blockstack_snapshot::{stage, verify, SnapshotError};
use indicatif::{ProgressBar, ProgressStyle};
use serde_json::json;

use crate::command::snapshot::{settings_for, state_paths, trust_policy};
use crate::core::Globals;
use crate::daemon::pidfile;
use crate::{DEFAULT_DEVNET_DIR, DEFAULT_WORKING_DIR};

/// Restore the node's state from a signed snapshot.
#[derive(Debug, clap::Args)]
pub struct FastSync {
    /// The snapshot: an `http://` URL or a file (default: `[blockstack] fast_sync_url`).
    pub source: Option<String>,
    /// A trusted public key (hex, compressed or not); repeat for several, or separate with
    /// commas. Replaces `[blockstack] fast_sync_public_keys`.
    #[arg(long = "public-key", value_name = "KEY")]
    pub public_keys: Vec<String>,
    /// How many distinct trusted keys must have signed (default: all of them).
    #[arg(long, alias = "num_required", value_name = "N")]
    pub num_required: Option<usize>,
    /// Do not compare the snapshot's last block with bitcoind's chain.
    #[arg(long)]
    pub no_chain_check: bool,
    /// Use the devnet's default working directory.
    #[arg(long)]
    pub devnet: bool,
}

/// Where a download of `url` for working directory `dir` is kept: beside the directory, named
/// after the URL, so a rerun with the same URL resumes it.
fn download_path(dir: &Path, url: &str) -> PathBuf {
    let name = dir
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "blockstack".into());
    let tag = sha256::Hash::hash(url.as_bytes()).to_string();
    let parent = dir
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    parent.join(format!(".{name}.fast_sync-{}.bsk", &tag[..16]))
}

/// Downloads `url` with a progress bar on a terminal.
fn fetch(url: &str, dest: &Path) -> anyhow::Result<PathBuf> {
    if let Some(parent) = dest.parent() {
        std::fs::create_dir_all(parent)
            .with_context(|| format!("creating {}", parent.display()))?;
    }
    let bar = std::io::stderr().is_terminal().then(|| {
        let bar = ProgressBar::new(0);
        bar.set_style(
            ProgressStyle::with_template(
                "{spinner} {msg} [{bar:40}] {bytes}/{total_bytes}, {bytes_per_sec}, ETA {eta}",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
        );
        bar.set_message("snapshot");
        bar
    });
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("starting the download runtime")?;
    let result = runtime.block_on(download(url, dest, |done, total| {
        if let Some(bar) = &bar {
            if let Some(total) = total {
                bar.set_length(total);
            }
            bar.set_position(done);
        }
    }));
    if let Some(bar) = &bar {
        bar.finish_and_clear();
    }
    Ok(result?)
}

/// bitcoind's hash of block `height`, or why it could not be asked.
fn chain_block_hash(dir: &Path, height: u64) -> Result<String, String> {
    let settings = settings_for(dir).map_err(|e| format!("{e:#}"))?;
    let mut config = BitcoindConfig::from(&settings.bitcoind);
    config.retry = RetryPolicy::none();
    config.timeout = Duration::from_secs(10);
    let client = BitcoindClient::new(config).map_err(|e| e.to_string())?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    runtime
        .block_on(client.block_hash(height))
        .map(|h| h.to_string())
        .map_err(|e| e.to_string())
}

impl FastSync {
    /// Verifies and restores the snapshot.
    pub fn run(self, globals: &Globals) -> anyhow::Result<String> {
        let dir = globals.working_dir_or(if self.devnet {
            DEFAULT_DEVNET_DIR
        } else {
            DEFAULT_WORKING_DIR
        });
        if let Some(pid) = pidfile::running(&dir)? {
            bail!(
                "a node is running in {} (pid {pid}); stop it before restoring a snapshot",
                dir.display()
            );
        }
        let settings = settings_for(&dir)?;
        let paths = state_paths(&dir, &settings);
        for (what, path, expected) in [
            ("zonefiles", &paths.zonefiles, dir.join("zonefiles")),
            (
                "subdomaindb_path",
                &paths.subdomains_db,
                dir.join("subdomains.db"),
            ),
        ] {
            if *path != expected {
                bail!(
                    "[blockstack] {what} is {}: a snapshot restores into the working directory, so it \
                     must be {}",
                    path.display(),
                    expected.display()
                );
            }
        }
        let policy = trust_policy(&self.public_keys, &settings, self.num_required)?;
        let checkpoints: Vec<Checkpoint> = settings
            .blockstack
            .fast_sync_checkpoints
            .iter()
            .map(|(height, ch)| Checkpoint {
                height: *height,
                consensus_hash: ch.clone(),
            })
            .collect();
        let source = self
            .source
            .clone()
            .unwrap_or_else(|| settings.blockstack.fast_sync_url.clone());
        let (path, downloaded) = if source.starts_with("http://") || source.starts_with("https://")
        {
            let dest = download_path(&dir, &source);
            (fetch(&source, &dest)?, true)
        } else {
            let path = PathBuf::from(source.strip_prefix("file://").unwrap_or(&source));
            (path, false)
        };

        let verified = match verify(&path, &policy) {
            Ok(v) => v,
            Err(e) => {
                // A complete download that fails verification is fetched afresh next time.
                if downloaded && !matches!(e, SnapshotError::Io { .. }) {
                    let _ = std::fs::remove_file(&path);
                }
                return Err(e).with_context(|| format!("verifying {source}"));
            }
        };
        let signers: Vec<String> = verified.signers.iter().map(ToString::to_string).collect();
        let sha256 = verified.inspection.sha256.clone();
        let staged = stage(&verified, &dir, &checkpoints)
            .with_context(|| format!("restoring {source} into {}", dir.display()))?;
        let block = staged.report().block;
        let chain_check = if self.no_chain_check {
            json!("skipped (--no-chain-check)")
        } else {
            match chain_block_hash(&dir, block) {
                Ok(hash) if hash == staged.report().block_hash => json!("matched"),
                Ok(hash) => {
                    return Err(SnapshotError::OtherChain {
                        height: block,
                        snapshot: staged.report().block_hash.clone(),
                        chain: hash,
                    })
                    .with_context(|| format!("restoring {source}"));
                }
                Err(why) => {
                    tracing::warn!(%why, "could not compare the snapshot with bitcoind");
                    json!(format!("skipped: bitcoind did not answer ({why})"))
                }
            }
        };
        let report = staged
            .commit()
            .with_context(|| format!("installing the restored state in {}", dir.display()))?;
        drop(verified);
        if downloaded {
            let _ = std::fs::remove_file(&path);
        }
        let mut out = serde_json::to_value(&report)?;
        out["status"] = json!(true);
        out["source"] = json!(source);
        out["signed_by"] = json!(signers);
        out["sha256"] = json!(sha256);
        out["chain_check"] = chain_check;
        Ok(serde_json::to_string_pretty(&out)?)
    }
}
