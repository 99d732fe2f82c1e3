//! Logging: to the working directory's log file when detached, to stderr in the foreground.

use std::fs::OpenOptions;
use std::path::Path;
use std::sync::Mutex;

use anyhow::Context;
use tracing_subscriber::EnvFilter;

/// The log file's name inside the working directory.
pub const LOG_FILE: &str = "blockstack-server.log";

/// Installs the global subscriber. `debug` lowers the level to debug; `RUST_LOG` overrides both.
pub fn init(working_dir: &Path, to_file: bool, debug: bool) -> anyhow::Result<()> {
    let default = if debug { "debug" } else { "info" };
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(false);
    let result = if to_file {
        let path = working_dir.join(LOG_FILE);
        let file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
            .with_context(|| format!("opening the log file {}", path.display()))?;
        builder
            .with_ansi(false)
            .with_writer(Mutex::new(file))
            .try_init()
    } else {
        builder.with_writer(std::io::stderr).try_init()
    };
    // A second initialisation (in tests) keeps the first subscriber.
    let _ = result;
    Ok(())
}
