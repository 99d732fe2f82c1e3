//! Locating and running the shared helper scripts (`bitcoind-regtest`, `reference-node`).
//!
//! The scripts live in `shared/tools/` beside the repository. `$BITCOIND_REGTEST` and
//! `$REFERENCE_NODE` override their paths; `$BITCOIND_HOME` and `$REFERENCE_NODE_HOME` where
//! they install (default `~/.cache/blockstack-rs/bitcoind` and
//! `~/.cache/blockstack-rs/reference-node`).

use std::collections::BTreeMap;
use std::io::Read;
use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use crate::Error;

fn tools_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/tools")
}

fn cache_dir(sub: &str) -> PathBuf {
    let base = std::env::var_os("HOME")
        .map(PathBuf::from)
        .unwrap_or_else(std::env::temp_dir);
    base.join(".cache/blockstack-rs").join(sub)
}

/// The `bitcoind-regtest` script.
pub fn bitcoind_script() -> PathBuf {
    std::env::var_os("BITCOIND_REGTEST")
        .map(PathBuf::from)
        .unwrap_or_else(|| tools_dir().join("bitcoind-regtest"))
}

/// Where `bitcoind-regtest` installs its binaries.
pub fn bitcoind_home() -> PathBuf {
    std::env::var_os("BITCOIND_HOME")
        .map(PathBuf::from)
        .unwrap_or_else(|| cache_dir("bitcoind"))
}

/// The `reference-node` script.
pub fn reference_script() -> PathBuf {
    std::env::var_os("REFERENCE_NODE")
        .map(PathBuf::from)
        .unwrap_or_else(|| tools_dir().join("reference-node/reference-node"))
}

/// Where `reference-node` installs the original node.
pub fn reference_home() -> PathBuf {
    std::env::var_os("REFERENCE_NODE_HOME")
        .map(PathBuf::from)
        .unwrap_or_else(|| cache_dir("reference-node"))
}

/// How long one script call may take (`install` builds a virtualenv from a cold cache in about
/// 30 s; `start` waits up to 120 s for the original's RPC). `$CONFORMANCE_SCRIPT_TIMEOUT`
/// (seconds) overrides it.
pub fn script_timeout() -> Duration {
    std::env::var("CONFORMANCE_SCRIPT_TIMEOUT")
        .ok()
        .and_then(|v| v.parse().ok())
        .map_or(Duration::from_secs(600), Duration::from_secs)
}

/// How long `bitcoind-regtest start` may take before it is taken for stuck: the tool can miss
/// the node it started and wait on it forever, so a start is cut short and tried again.
pub const START_TIMEOUT: Duration = Duration::from_secs(90);

/// Runs `bash SCRIPT ARGS…` with extra environment variables, killing it (by its pid) if it
/// runs past the script timeout.
pub fn run_script(
    script: &PathBuf,
    args: &[&str],
    env: &[(String, String)],
) -> Result<Output, Error> {
    run_script_within(script, args, env, script_timeout())
}

/// [`run_script`] with its own time limit.
pub fn run_script_within(
    script: &PathBuf,
    args: &[&str],
    env: &[(String, String)],
    limit: Duration,
) -> Result<Output, Error> {
    if !script.exists() {
        return Err(Error::Unavailable(format!(
            "{} not found",
            script.display()
        )));
    }
    let mut cmd = Command::new("bash");
    cmd.arg(script).args(args);
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd
        .spawn()
        .map_err(|e| Error::Unavailable(format!("cannot run bash {}: {e}", script.display())))?;
    let drain = |pipe: Option<Box<dyn Read + Send>>| {
        std::thread::spawn(move || {
            let mut buf = Vec::new();
            if let Some(mut p) = pipe {
                let _ = p.read_to_end(&mut buf);
            }
            buf
        })
    };
    let out = drain(
        child
            .stdout
            .take()
            .map(|p| Box::new(p) as Box<dyn Read + Send>),
    );
    let err = drain(
        child
            .stderr
            .take()
            .map(|p| Box::new(p) as Box<dyn Read + Send>),
    );
    let deadline = Instant::now() + limit;
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(50)),
            Ok(None) => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(Error::Chain(format!(
                    "{} {} did not finish within {:?}",
                    script.display(),
                    args.first().copied().unwrap_or_default(),
                    limit
                )));
            }
            Err(e) => {
                return Err(Error::Chain(format!(
                    "waiting for {}: {e}",
                    script.display()
                )))
            }
        }
    };
    Ok(Output {
        status,
        stdout: out.join().unwrap_or_default(),
        stderr: err.join().unwrap_or_default(),
    })
}

/// Runs a script and returns its `KEY=VALUE` stdout lines, or the stderr tail as the error.
pub fn run_kv(
    script: &PathBuf,
    args: &[&str],
    env: &[(String, String)],
) -> Result<BTreeMap<String, String>, String> {
    run_kv_within(script, args, env, script_timeout())
}

/// [`run_kv`] with its own time limit.
pub fn run_kv_within(
    script: &PathBuf,
    args: &[&str],
    env: &[(String, String)],
    limit: Duration,
) -> Result<BTreeMap<String, String>, String> {
    let out = run_script_within(script, args, env, limit).map_err(|e| e.to_string())?;
    if !out.status.success() {
        let err = String::from_utf8_lossy(&out.stderr);
        let tail: Vec<&str> = err.lines().rev().take(15).collect();
        let tail: Vec<&str> = tail.into_iter().rev().collect();
        return Err(format!(
            "{} {} failed ({}): {}",
            script.display(),
            args.first().copied().unwrap_or_default(),
            out.status,
            tail.join("\n")
        ));
    }
    Ok(parse_kv(&String::from_utf8_lossy(&out.stdout)))
}

/// Parses `KEY=VALUE` lines; other lines are ignored.
pub fn parse_kv(text: &str) -> BTreeMap<String, String> {
    text.lines()
        .filter_map(|l| l.split_once('='))
        .filter(|(k, _)| {
            !k.is_empty()
                && k.chars()
                    .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
        })
        .map(|(k, v)| (k.to_owned(), v.trim().to_owned()))
        .collect()
}

/// A port on 127.0.0.1 that was free a moment ago.
pub fn free_port() -> Result<u16, Error> {
    let listener = TcpListener::bind("127.0.0.1:0")
        .map_err(|e| Error::Unavailable(format!("cannot bind an ephemeral port: {e}")))?;
    listener
        .local_addr()
        .map(|a| a.port())
        .map_err(|e| Error::Unavailable(format!("no local address: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kv_lines() {
        let kv = parse_kv("note\nA_B=1\nREFERENCE_RPC_URL=http://x/\nlower=2\n");
        assert_eq!(kv.get("A_B").map(String::as_str), Some("1"));
        assert_eq!(
            kv.get("REFERENCE_RPC_URL").map(String::as_str),
            Some("http://x/")
        );
        assert!(!kv.contains_key("lower"));
    }
}
