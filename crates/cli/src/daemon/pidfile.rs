//! The pid file: one running node per working directory, and how `stop` finds it.

use std::fs;
use std::io::ErrorKind;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context};
use nix::sys::signal::kill;
use nix::unistd::Pid;

/// The pid file's name inside the working directory.
pub const PID_FILE: &str = "blockstack-server.pid";

/// The pid file of `working_dir`.
pub fn path(working_dir: &Path) -> PathBuf {
    working_dir.join(PID_FILE)
}

/// The pid of the node running in `working_dir`, if its pid file names a live process.
pub fn running(working_dir: &Path) -> anyhow::Result<Option<i32>> {
    running_at(&path(working_dir))
}

/// The pid a pid file at `file` names, if that process is alive (not exited, not a zombie
/// waiting for its parent).
pub fn running_at(file: &Path) -> anyhow::Result<Option<i32>> {
    let text = match fs::read_to_string(file) {
        Ok(t) => t,
        Err(e) if e.kind() == ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e).with_context(|| format!("reading {}", file.display())),
    };
    // A torn or foreign file (a node killed while claiming it) names no live node.
    let Ok(pid) = text.trim().parse::<i32>() else {
        return Ok(None);
    };
    // Signal 0 checks that the process exists without touching it.
    let alive = kill(Pid::from_raw(pid), None).is_ok() && !is_zombie(pid);
    Ok(alive.then_some(pid))
}

/// Whether `pid` has exited and waits only to be reaped.
fn is_zombie(pid: i32) -> bool {
    fs::read_to_string(format!("/proc/{pid}/stat"))
        .ok()
        .and_then(|s| s.rsplit_once(") ").map(|(_, rest)| rest.starts_with('Z')))
        .unwrap_or(false)
}

/// Holds the pid file while the node runs and removes it when dropped.
pub struct PidFile {
    path: PathBuf,
}

impl PidFile {
    /// Claims `working_dir` for this process; refuses if another live node holds it.
    pub fn claim(working_dir: &Path) -> anyhow::Result<Self> {
        if let Some(pid) = running(working_dir)? {
            if pid != std::process::id() as i32 {
                bail!("a node is already running in {} (pid {pid}); stop it with `blockstack-core stop`", working_dir.display());
            }
        }
        Self::write(path(working_dir))
    }

    /// Writes this process's pid to `path` (the caller checked that nothing else holds it).
    pub fn write(path: PathBuf) -> anyhow::Result<Self> {
        // Written aside and renamed, so a crash never leaves a torn pid file.
        let tmp = path.with_extension("pid.tmp");
        fs::write(&tmp, format!("{}\n", std::process::id()))
            .with_context(|| format!("writing {}", tmp.display()))?;
        fs::rename(&tmp, &path).with_context(|| format!("writing {}", path.display()))?;
        Ok(Self { path })
    }
}

impl Drop for PidFile {
    fn drop(&mut self) {
        let _ = fs::remove_file(&self.path);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_exited_process_left_unreaped_is_not_running() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut child = std::process::Command::new("true").spawn().expect("spawn");
        let file = dir.path().join("x.pid");
        fs::write(&file, format!("{}\n", child.id())).expect("write");
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        // Not yet waited for: once it exits it is a zombie, which holds nothing.
        while running_at(&file).expect("read").is_some() {
            assert!(
                std::time::Instant::now() < deadline,
                "the zombie counts as running"
            );
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        assert!(
            kill(Pid::from_raw(child.id() as i32), None).is_ok(),
            "still a zombie"
        );
        child.wait().expect("reap");
        fs::write(&file, format!("{}\n", std::process::id())).expect("write");
        assert_eq!(
            running_at(&file).expect("read"),
            Some(std::process::id() as i32)
        );
    }

    #[test]
    fn a_torn_or_empty_pid_file_names_no_running_node() {
        let dir = tempfile::tempdir().expect("tempdir");
        for text in ["", "12ab", "\n"] {
            fs::write(path(dir.path()), text).expect("write");
            assert_eq!(running(dir.path()).expect("read"), None, "{text:?}");
        }
    }

    #[test]
    fn a_claim_is_visible_and_released_on_drop() {
        let dir = tempfile::tempdir().expect("tempdir");
        let claim = PidFile::claim(dir.path()).expect("claim");
        assert_eq!(
            running(dir.path()).expect("read"),
            Some(std::process::id() as i32)
        );
        drop(claim);
        assert_eq!(running(dir.path()).expect("read"), None);
        assert!(!path(dir.path()).exists());
    }
}
