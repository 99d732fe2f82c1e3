//! `blockstack-core stop`: signal the running node and wait for it to exit.

use std::time::{Duration, Instant};

use anyhow::bail;
use nix::sys::signal::{kill, Signal};
use nix::unistd::Pid;
use serde_json::json;

use crate::core::Globals;
use crate::daemon::pidfile;
use crate::{DEFAULT_DEVNET_DIR, DEFAULT_WORKING_DIR};

/// Stop the node.
#[derive(Debug, clap::Args)]
pub struct Stop {
    /// Seconds to wait for a clean exit.
    #[arg(long, default_value_t = 60)]
    pub timeout: u64,
    /// Use the devnet's default working directory.
    #[arg(long)]
    pub devnet: bool,
}

impl Stop {
    /// Sends SIGTERM and waits until the process is gone.
    pub fn run(self, globals: &Globals) -> anyhow::Result<String> {
        let dir = globals.working_dir_or(if self.devnet {
            DEFAULT_DEVNET_DIR
        } else {
            DEFAULT_WORKING_DIR
        });
        let Some(pid) = pidfile::running(&dir)? else {
            return Ok(serde_json::to_string_pretty(
                &json!({"status": true, "running": false}),
            )?);
        };
        kill(Pid::from_raw(pid), Signal::SIGTERM)?;
        let deadline = Instant::now() + Duration::from_secs(self.timeout);
        while kill(Pid::from_raw(pid), None).is_ok() {
            if Instant::now() > deadline {
                bail!(
                    "the node (pid {pid}) did not stop within {} s",
                    self.timeout
                );
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        Ok(serde_json::to_string_pretty(
            &json!({"status": true, "stopped": pid}),
        )?)
    }
}
