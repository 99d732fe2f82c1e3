//! Helpers the daemon tests share: running `blockstack-core`, reading its JSON, HTTP with curl,
//! and killing a test's node whatever happens.
#![allow(dead_code, reason = "each test binary uses a different subset")]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

pub mod devnet;

/// Runs `blockstack-core --working-dir DIR ARGS…` with a clean environment.
pub fn core(dir: &Path, args: &[&str]) -> Output {
    core_with_env(dir, args, &[])
}

/// [`core`] with extra environment variables.
pub fn core_with_env(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_blockstack-core"))
        .arg("--working-dir")
        .arg(dir)
        .args(args)
        .env_remove("BLOCKSTACK_WORKING_DIR")
        .env_remove("BLOCKSTACK_WALLET_PASSWORD")
        .envs(env.iter().copied())
        .output()
        .expect("run blockstack-core")
}

/// The JSON a successful command printed.
pub fn json(out: &Output) -> Value {
    assert!(
        out.status.success(),
        "failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("JSON output")
}

/// Starts a detached devnet node on ephemeral ports, mining only on demand, and returns what
/// `start` printed.
pub fn start_devnet(dir: &Path) -> Value {
    json(&core(
        dir,
        &[
            "start",
            "--devnet",
            "--no-automine",
            "--bitcoind-rpc-port",
            "0",
            "--rpc-port",
            "0",
            "--api-port",
            "0",
        ],
    ))
}

/// Fetches a URL (POSTing `body` if given) and parses the JSON reply.
pub fn http(url: &str, body: Option<&str>) -> Value {
    let mut cmd = Command::new("curl");
    cmd.args(["-s", url]);
    if let Some(b) = body {
        cmd.args(["-d", b]);
    }
    let out = cmd.output().expect("curl");
    serde_json::from_slice(&out.stdout).unwrap_or_else(|_| {
        panic!(
            "not JSON from {url}: {}",
            String::from_utf8_lossy(&out.stdout)
        )
    })
}

/// Kills whatever node runs in a working directory when a test ends, even by panicking.
pub struct KillOnDrop(pub PathBuf);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        if let Ok(pid) = std::fs::read_to_string(self.0.join("blockstack-server.pid")) {
            let _ = Command::new("kill").args(["-9", pid.trim()]).status();
        }
    }
}
