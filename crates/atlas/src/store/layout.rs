//! The original's one-file-per-zone-file layouts (atlas.md §6), which the store still reads
//! and snapshots still carry:
//! * current: `<root>/<h[0:2]>/<h[2:4]>/<h>.txt`;
//! * legacy: `<root>/<h[0:2]>/<h[2:4]>/…/<h[38:40]>/zonefile.txt`, one level per byte.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use blockstack_zonefile::zonefile_hash;

use super::is_valid_hash;
use crate::error::StoreError;

/// The current layout's path of `hash` below the store's root, as `/`-separated
/// components: `h[0:2]/h[2:4]/h.txt` (meaningful for a valid hash).
pub fn current_member(hash: &str) -> String {
    format!(
        "{}/{}/{hash}.txt",
        hash.get(0..2).unwrap_or_default(),
        hash.get(2..4).unwrap_or_default()
    )
}

/// The current layout's path of `hash` under `root`.
pub(crate) fn current_path(root: &Path, hash: &str) -> PathBuf {
    root.join(hash.get(0..2).unwrap_or_default())
        .join(hash.get(2..4).unwrap_or_default())
        .join(format!("{hash}.txt"))
}

/// The legacy layout's path of `hash` under `root`.
pub(crate) fn legacy_path(root: &Path, hash: &str) -> PathBuf {
    let mut path = root.to_path_buf();
    for i in (0..hash.len()).step_by(2) {
        path.push(hash.get(i..i + 2).unwrap_or_default());
    }
    path.push("zonefile.txt");
    path
}

/// The hash a file at `components` (relative to the store's root) is kept under in either
/// layout, if the path is one of them.
pub fn hash_of_member(components: &[&str]) -> Option<String> {
    match components {
        [a, b, name] => {
            let hash = name.strip_suffix(".txt")?;
            (is_valid_hash(hash) && hash.get(0..2) == Some(a) && hash.get(2..4) == Some(b))
                .then(|| hash.to_owned())
        }
        [bytes @ .., "zonefile.txt"] if bytes.len() == 20 => {
            let hash: String = bytes.concat();
            (bytes.iter().all(|b| b.len() == 2) && is_valid_hash(&hash)).then_some(hash)
        }
        _ => None,
    }
}

/// The file at `path` if it holds the zone file `hash`: a file whose bytes hash to anything
/// else, or no file, is `None`.
pub(crate) fn read_verified(path: &Path, hash: &str) -> Result<Option<Vec<u8>>, StoreError> {
    match fs::read(path) {
        Ok(bytes) if zonefile_hash(&bytes) == hash => Ok(Some(bytes)),
        Ok(_) => Ok(None),
        Err(e) if is_absent(&e) => Ok(None),
        Err(source) => Err(StoreError::Io {
            path: path.to_path_buf(),
            source,
        }),
    }
}

fn is_absent(e: &io::Error) -> bool {
    // A path component that is a file instead of a directory reads as ENOTDIR.
    matches!(
        e.kind(),
        io::ErrorKind::NotFound | io::ErrorKind::NotADirectory | io::ErrorKind::IsADirectory
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    const HASH: &str = "1b89a685f4c4ea245ce9433d0b29166c22175ab4";

    #[test]
    fn members_name_their_hash_in_either_layout() {
        let current = current_member(HASH);
        assert_eq!(current, format!("1b/89/{HASH}.txt"));
        let parts: Vec<&str> = current.split('/').collect();
        assert_eq!(hash_of_member(&parts).as_deref(), Some(HASH));
        let legacy = legacy_path(Path::new(""), HASH);
        let parts: Vec<&str> = legacy.iter().filter_map(|c| c.to_str()).collect();
        assert_eq!(parts.len(), 21);
        assert_eq!(hash_of_member(&parts).as_deref(), Some(HASH));
    }

    #[test]
    fn other_paths_name_no_hash() {
        let wrong_dir = format!("1b/88/{HASH}.txt");
        let upper = format!("1B/89/{}.txt", HASH.to_uppercase());
        for path in [
            wrong_dir.as_str(),
            upper.as_str(),
            "1b/89/short.txt",
            "zonefiles.db",
            "1b/89/1b89a685f4c4ea245ce9433d0b29166c22175ab4",
        ] {
            let parts: Vec<&str> = path.split('/').collect();
            assert_eq!(hash_of_member(&parts), None, "{path}");
        }
        let mut legacy: Vec<&str> = vec!["1b"; 19];
        legacy.push("zonefile.txt");
        assert_eq!(hash_of_member(&legacy), None);
    }
}
