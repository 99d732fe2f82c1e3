//! Which archive entries a restore accepts, and where they go.
//!
//! v0.18 ran `tarfile.extractall` on the archive as it came, so a member named `../x`, `/x`, a
//! symlink or a device file landed wherever it pointed. Here every member is classified before
//! a byte of it is written: its path must be relative, made of plain names (no `..`, no
//! absolute root, no empty or NUL-carrying names), it must be a regular file or a directory,
//! and it must sit where a snapshot puts things ([`crate::layout`]). Anything else refuses the
//! whole archive.

use thiserror::Error;

use crate::layout::{parse_backup_name, BACKUPS_DIR, ZONEFILES_DIR};

/// Deepest path accepted (the legacy zone file layout is 22 levels deep).
pub const MAX_DEPTH: usize = 32;

/// Why an archive entry is refused.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
pub enum PathError {
    /// An absolute path.
    #[error("{0:?} is an absolute path")]
    Absolute(String),
    /// A `..` component.
    #[error("{0:?} climbs out of the target directory")]
    ParentDir(String),
    /// A path that is not UTF-8, holds NUL or backslashes, or is too deep.
    #[error("{0:?} is not a plain relative path")]
    Malformed(String),
    /// A link, device, FIFO or other non-regular entry.
    #[error("{path:?} is a {kind}, not a regular file or directory")]
    NotRegular {
        /// The entry's path.
        path: String,
        /// Its type.
        kind: String,
    },
    /// A member a snapshot does not contain.
    #[error("{0:?} is not part of a snapshot's layout")]
    Unexpected(String),
    /// A file under `zonefiles/` larger than any zone file.
    #[error("{path:?} is {size} bytes, larger than any zone file ({max})")]
    TooLarge {
        /// The entry's path.
        path: String,
        /// Its size.
        size: u64,
        /// The limit.
        max: usize,
    },
    /// The same path twice.
    #[error("{0:?} appears twice in the archive")]
    Duplicate(String),
}

/// The type of an archive entry, as its header says.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EntryKind {
    /// A regular file.
    File,
    /// A directory.
    Dir,
    /// Anything else, named for the error message.
    Other(String),
}

/// Where an accepted entry goes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Member {
    /// A directory (the archive root, `backups/`, or one inside `zonefiles/`), by components.
    Dir(Vec<String>),
    /// Database `file` of backup set `set`.
    Backup {
        /// The database's file name (`blockstack-server.db`, …).
        file: String,
        /// The backup set.
        set: u64,
    },
    /// A file of the zone file store; components below `zonefiles/`.
    Zonefile(Vec<String>),
    /// The original's `<namespace>.keychain` cache.
    Keychain(String),
}

/// Splits a member name into plain components, dropping `.` and a leading `./`.
pub fn components(raw: &[u8]) -> Result<Vec<String>, PathError> {
    let shown = String::from_utf8_lossy(raw).into_owned();
    let text = std::str::from_utf8(raw).map_err(|_| PathError::Malformed(shown.clone()))?;
    if text.starts_with('/') {
        return Err(PathError::Absolute(shown));
    }
    if text.contains('\0') || text.contains('\\') {
        return Err(PathError::Malformed(shown));
    }
    let mut out = Vec::new();
    for part in text.split('/') {
        match part {
            "" | "." => continue,
            ".." => return Err(PathError::ParentDir(shown)),
            p => out.push(p.to_owned()),
        }
    }
    if out.len() > MAX_DEPTH {
        return Err(PathError::Malformed(shown));
    }
    Ok(out)
}

/// Classifies one entry of `kind` and `size` named `raw`; `max_zonefile` bounds files under
/// `zonefiles/`.
pub fn classify(
    raw: &[u8],
    kind: &EntryKind,
    size: u64,
    max_zonefile: usize,
) -> Result<Member, PathError> {
    let parts = components(raw)?;
    let shown = parts.join("/");
    match kind {
        EntryKind::Other(k) => {
            return Err(PathError::NotRegular {
                path: shown,
                kind: k.clone(),
            })
        }
        EntryKind::Dir => {
            let ok = match parts.first().map(String::as_str) {
                None => true,
                Some(BACKUPS_DIR) => parts.len() == 1,
                Some(ZONEFILES_DIR) => true,
                Some(_) => false,
            };
            return if ok {
                Ok(Member::Dir(parts))
            } else {
                Err(PathError::Unexpected(shown))
            };
        }
        EntryKind::File => {}
    }
    match parts.as_slice() {
        [dir, name] if dir == BACKUPS_DIR => match parse_backup_name(name) {
            Some((file, set)) => Ok(Member::Backup {
                file: file.to_owned(),
                set,
            }),
            None => Err(PathError::Unexpected(shown)),
        },
        [dir, rest @ ..] if dir == ZONEFILES_DIR && !rest.is_empty() => {
            if size > max_zonefile as u64 {
                return Err(PathError::TooLarge {
                    path: shown,
                    size,
                    max: max_zonefile,
                });
            }
            Ok(Member::Zonefile(rest.to_vec()))
        }
        [name] => match name.strip_suffix(".keychain") {
            Some(ns) if !ns.is_empty() => Ok(Member::Keychain(ns.to_owned())),
            _ => Err(PathError::Unexpected(shown)),
        },
        _ => Err(PathError::Unexpected(shown)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(path: &str) -> Result<Member, PathError> {
        classify(path.as_bytes(), &EntryKind::File, 10, 40_960)
    }

    #[test]
    fn the_snapshot_layout_is_accepted_with_or_without_dot_slash() {
        assert_eq!(
            file("./backups/blockstack-server.db.bak.7"),
            Ok(Member::Backup {
                file: "blockstack-server.db".into(),
                set: 7
            })
        );
        assert_eq!(
            file("zonefiles/1b/89/1b89.txt"),
            Ok(Member::Zonefile(vec![
                "1b".into(),
                "89".into(),
                "1b89.txt".into()
            ]))
        );
        assert_eq!(file("./id.keychain"), Ok(Member::Keychain("id".into())));
        for dir in [".", "./", "./backups", "zonefiles/1b/89"] {
            assert!(
                classify(dir.as_bytes(), &EntryKind::Dir, 0, 1).is_ok(),
                "{dir}"
            );
        }
    }

    #[test]
    fn paths_outside_the_target_are_refused() {
        assert!(matches!(file("/etc/passwd"), Err(PathError::Absolute(_))));
        assert!(matches!(file("../outside"), Err(PathError::ParentDir(_))));
        assert!(matches!(
            file("zonefiles/../../outside"),
            Err(PathError::ParentDir(_))
        ));
        assert!(matches!(
            file("./backups/../../x.bak.1"),
            Err(PathError::ParentDir(_))
        ));
        assert!(matches!(
            classify(b"zone\xfffiles/x", &EntryKind::File, 1, 10),
            Err(PathError::Malformed(_))
        ));
        assert!(matches!(
            file("zonefiles/a\\..\\b"),
            Err(PathError::Malformed(_))
        ));
        let deep = format!("zonefiles/{}x", "a/".repeat(MAX_DEPTH));
        assert!(matches!(file(&deep), Err(PathError::Malformed(_))));
    }

    #[test]
    fn links_devices_and_stray_members_are_refused() {
        let link = classify(b"zonefiles/x", &EntryKind::Other("symlink".into()), 0, 10);
        assert!(matches!(link, Err(PathError::NotRegular { .. })));
        for stray in [
            "blockstack-server.ini",
            "backups/notes.txt",
            "backups/a/b.bak.1",
            "zonefiles",
            ".keychain",
        ] {
            assert!(
                matches!(file(stray), Err(PathError::Unexpected(_))),
                "{stray}"
            );
        }
        assert!(matches!(
            classify(b"etc", &EntryKind::Dir, 0, 1),
            Err(PathError::Unexpected(_))
        ));
        assert!(matches!(
            classify(b"backups/deeper", &EntryKind::Dir, 0, 1),
            Err(PathError::Unexpected(_))
        ));
    }

    #[test]
    fn oversized_zonefiles_are_refused() {
        assert!(matches!(
            classify(b"zonefiles/a/b.txt", &EntryKind::File, 40_961, 40_960),
            Err(PathError::TooLarge { size: 40_961, .. })
        ));
    }
}
