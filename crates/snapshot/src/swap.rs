//! Putting a fully prepared directory in the place of another in one step.
//!
//! On Linux, `renameat2(RENAME_EXCHANGE)` swaps two directories atomically: at every instant
//! the target path names either the old or the new directory, never a mix and never nothing.
//! Where the file system cannot exchange, the old directory is renamed aside and the new one
//! renamed in; a crash between the two renames leaves no directory at the target, the new one
//! complete under its temporary name and the old one complete under `.<name>.old-<pid>`.

use std::fs::{self, File};
use std::io;
use std::path::{Path, PathBuf};

/// Exchanges the directories `a` and `b` atomically. Fails with `Unsupported` where the file
/// system cannot.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
pub fn exchange(a: &Path, b: &Path) -> io::Result<()> {
    use nix::errno::Errno;
    use nix::fcntl::{renameat2, RenameFlags, AT_FDCWD};
    match renameat2(AT_FDCWD, a, AT_FDCWD, b, RenameFlags::RENAME_EXCHANGE) {
        Ok(()) => Ok(()),
        Err(Errno::EINVAL | Errno::ENOSYS | Errno::EOPNOTSUPP) => {
            Err(io::Error::from(io::ErrorKind::Unsupported))
        }
        Err(e) => Err(io::Error::from(e)),
    }
}

/// Exchanges the directories `a` and `b` atomically (not available on this platform).
#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
pub fn exchange(_a: &Path, _b: &Path) -> io::Result<()> {
    Err(io::Error::from(io::ErrorKind::Unsupported))
}

/// Puts the directory `staged` at `target` and returns where the old contents of `target`
/// went (`None` when there was no `target`). Both must be in the same directory.
pub fn install(staged: &Path, target: &Path) -> io::Result<Option<PathBuf>> {
    let parent = target.parent().unwrap_or(Path::new("."));
    let old = if fs::symlink_metadata(target).is_ok() {
        match exchange(staged, target) {
            Ok(()) => Some(staged.to_path_buf()),
            Err(e) if e.kind() == io::ErrorKind::Unsupported => {
                let name = target
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default();
                let aside = parent.join(format!(".{name}.old-{}", std::process::id()));
                fs::rename(target, &aside)?;
                if let Err(e) = fs::rename(staged, target) {
                    // Put the old directory back rather than leave none.
                    fs::rename(&aside, target)?;
                    return Err(e);
                }
                Some(aside)
            }
            Err(e) => return Err(e),
        }
    } else {
        fs::rename(staged, target)?;
        None
    };
    File::open(parent)?.sync_all()?;
    Ok(old)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn install_swaps_contents_and_hands_back_the_old_ones() {
        let dir = tempfile::tempdir().expect("tempdir");
        let target = dir.path().join("node");
        let staged = dir.path().join(".node.staged");
        fs::create_dir(&target).expect("mkdir");
        fs::write(target.join("old"), b"old").expect("write");
        fs::create_dir(&staged).expect("mkdir");
        fs::write(staged.join("new"), b"new").expect("write");
        let old = install(&staged, &target).expect("install").expect("old");
        assert!(target.join("new").exists() && !target.join("old").exists());
        assert!(old.join("old").exists());
    }

    #[test]
    fn install_into_a_missing_target_renames() {
        let dir = tempfile::tempdir().expect("tempdir");
        let target = dir.path().join("node");
        let staged = dir.path().join(".node.staged");
        fs::create_dir(&staged).expect("mkdir");
        fs::write(staged.join("new"), b"new").expect("write");
        assert_eq!(install(&staged, &target).expect("install"), None);
        assert!(target.join("new").exists() && !staged.exists());
    }
}
