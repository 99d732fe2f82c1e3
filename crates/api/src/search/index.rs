//! The search index: an SQLite database of its own (never the name database) holding every
//! name seen, the profile last resolved for it, and an FTS5 table over the name's words and
//! the profile's `name` and `description`.
//!
//! Words match by prefix (`ali` finds `alice.id`, as the original's substring search matches
//! word starts); every word of the query must match. A name whose label is the whole query
//! comes first, then matches in the order names were indexed.

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use rusqlite::{params, Connection, OpenFlags, OptionalExtension};
use serde_json::Value;
use thiserror::Error;

/// A search index failure.
#[derive(Debug, Error)]
#[error("search index {path}: {source}")]
pub struct SearchError {
    path: PathBuf,
    #[source]
    source: rusqlite::Error,
}

/// The largest profile (as JSON text) the index keeps, the original's `MAX_PROFILE_LIMIT`:
/// a larger one leaves its name searchable by the name alone.
pub const MAX_INDEXED_PROFILE_BYTES: usize = 8142;

/// One search result.
#[derive(Debug, Clone, PartialEq)]
pub struct Hit {
    /// The fully-qualified name.
    pub name: String,
    /// The profile last resolved for it, if any.
    pub profile: Option<Value>,
}

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS search_meta (key TEXT PRIMARY KEY NOT NULL, value INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS entries (
    id      INTEGER PRIMARY KEY,
    name    TEXT NOT NULL UNIQUE,
    label   TEXT NOT NULL,
    profile TEXT
);
CREATE INDEX IF NOT EXISTS entries_label ON entries (label);
CREATE VIRTUAL TABLE IF NOT EXISTS entries_fts USING fts5(
    name, person, description, prefix = '2 3', tokenize = 'unicode61 remove_diacritics 2'
);
";

/// The label of a name: what precedes its namespace (`alice` of `alice.id`, `bob.alice` of
/// `bob.alice.id`).
pub fn label_of(name: &str) -> &str {
    name.rsplit_once('.').map_or(name, |(label, _)| label)
}

/// The FTS5 query for the user's `query`: each whitespace-separated word as a quoted prefix
/// phrase, all required. `None` when no word has a letter or digit.
pub fn fts_query(query: &str) -> Option<String> {
    let terms: Vec<String> = query
        .split_whitespace()
        .filter(|w| w.chars().any(char::is_alphanumeric))
        .map(|w| format!("\"{}\"*", w.replace('"', "\"\"")))
        .collect();
    (!terms.is_empty()).then(|| terms.join(" AND "))
}

/// The searchable text of a profile: its `name` (a string, or `{formatted}`) and its
/// `description`.
fn profile_text(profile: &Value) -> (String, String) {
    let person = match profile.get("name") {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Object(o)) => o
            .get("formatted")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_owned(),
        _ => String::new(),
    };
    let description = profile
        .get("description")
        .or_else(|| profile.get("bio"))
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_owned();
    (person, description)
}

/// The search index database.
#[derive(Debug)]
pub struct SearchIndex {
    path: PathBuf,
    writer: Mutex<Connection>,
    readers: Mutex<Vec<Connection>>,
}

impl SearchIndex {
    /// Opens (creating if need be) the index at `path`.
    pub fn open(path: impl Into<PathBuf>) -> Result<Self, SearchError> {
        let path = path.into();
        let err = |source| SearchError {
            path: path.clone(),
            source,
        };
        let conn = Connection::open(&path).map_err(err)?;
        conn.pragma_update(None, "journal_mode", "WAL")
            .map_err(err)?;
        conn.pragma_update(None, "synchronous", "NORMAL")
            .map_err(err)?;
        conn.busy_timeout(std::time::Duration::from_secs(5))
            .map_err(err)?;
        conn.execute_batch(SCHEMA).map_err(err)?;
        Ok(Self {
            path,
            writer: Mutex::new(conn),
            readers: Mutex::new(Vec::new()),
        })
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn err(&self, source: rusqlite::Error) -> SearchError {
        SearchError {
            path: self.path.clone(),
            source,
        }
    }

    fn with_writer<R>(
        &self,
        f: impl FnOnce(&mut Connection) -> rusqlite::Result<R>,
    ) -> Result<R, SearchError> {
        let mut conn = match self.writer.lock() {
            Ok(c) => c,
            Err(poisoned) => poisoned.into_inner(),
        };
        f(&mut conn).map_err(|e| self.err(e))
    }

    fn with_reader<R>(
        &self,
        f: impl FnOnce(&Connection) -> rusqlite::Result<R>,
    ) -> Result<R, SearchError> {
        let pooled = match self.readers.lock() {
            Ok(mut pool) => pool.pop(),
            Err(poisoned) => poisoned.into_inner().pop(),
        };
        let conn = match pooled {
            Some(c) => c,
            None => Connection::open_with_flags(
                &self.path,
                OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
            )
            .map_err(|e| self.err(e))?,
        };
        let result = f(&conn).map_err(|e| self.err(e));
        let mut pool = match self.readers.lock() {
            Ok(pool) => pool,
            Err(poisoned) => poisoned.into_inner(),
        };
        if pool.len() < 8 {
            pool.push(conn);
        }
        result
    }

    /// The last block whose names are indexed, `None` before the first refresh.
    pub fn indexed_height(&self) -> Result<Option<u64>, SearchError> {
        self.with_writer(|c| {
            c.query_row(
                "SELECT value FROM search_meta WHERE key = 'height'",
                [],
                |r| r.get::<_, i64>(0),
            )
            .optional()
            .map(|h| h.and_then(|h| u64::try_from(h).ok()))
        })
    }

    /// Adds `names` (those already held are left as they are) and records `height` as
    /// indexed, in one transaction.
    pub fn add_names(&self, names: &[String], height: u64) -> Result<usize, SearchError> {
        let height = i64::try_from(height).unwrap_or(i64::MAX);
        self.with_writer(|c| {
            let tx = c.transaction()?;
            let mut added = 0;
            {
                let mut insert = tx.prepare_cached(
                    "INSERT OR IGNORE INTO entries (name, label) VALUES (?1, ?2)",
                )?;
                let mut fts = tx.prepare_cached(
                    "INSERT INTO entries_fts (rowid, name, person, description) \
                     VALUES (?1, ?2, '', '')",
                )?;
                for name in names {
                    if insert.execute(params![name, label_of(name)])? == 1 {
                        fts.execute(params![tx.last_insert_rowid(), name])?;
                        added += 1;
                    }
                }
            }
            tx.execute(
                "INSERT INTO search_meta (key, value) VALUES ('height', ?1) \
                 ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                [height],
            )?;
            tx.commit()?;
            Ok(added)
        })
    }

    /// Records `profile` as `name`'s (adding the name if it is not held yet). A profile over
    /// [`MAX_INDEXED_PROFILE_BYTES`] is not kept: the name is held without one.
    pub fn set_profile(&self, name: &str, profile: &Value) -> Result<(), SearchError> {
        let text = profile.to_string();
        let (person, description, text) = if text.len() > MAX_INDEXED_PROFILE_BYTES {
            (String::new(), String::new(), None)
        } else {
            let (person, description) = profile_text(profile);
            (person, description, Some(text))
        };
        self.with_writer(|c| {
            let tx = c.transaction()?;
            let existing: Option<i64> = tx
                .query_row("SELECT id FROM entries WHERE name = ?1", [name], |r| {
                    r.get(0)
                })
                .optional()?;
            match existing {
                Some(id) => {
                    tx.execute(
                        "UPDATE entries SET profile = ?2 WHERE id = ?1",
                        params![id, text],
                    )?;
                    tx.execute(
                        "UPDATE entries_fts SET person = ?2, description = ?3 WHERE rowid = ?1",
                        params![id, person, description],
                    )?;
                }
                None => {
                    tx.execute(
                        "INSERT INTO entries (name, label, profile) VALUES (?1, ?2, ?3)",
                        params![name, label_of(name), text],
                    )?;
                    tx.execute(
                        "INSERT INTO entries_fts (rowid, name, person, description) \
                         VALUES (?1, ?2, ?3, ?4)",
                        params![tx.last_insert_rowid(), name, person, description],
                    )?;
                }
            }
            tx.commit()
        })
    }

    /// Names held.
    pub fn len(&self) -> Result<u64, SearchError> {
        self.with_reader(|c| {
            c.query_row("SELECT COUNT(*) FROM entries", [], |r| r.get::<_, i64>(0))
                .map(|n| u64::try_from(n).unwrap_or(0))
        })
    }

    /// Whether no name is held.
    pub fn is_empty(&self) -> Result<bool, SearchError> {
        Ok(self.len()? == 0)
    }

    /// At most `limit` entries matching `query`.
    pub fn search(&self, query: &str, limit: usize) -> Result<Vec<Hit>, SearchError> {
        let Some(fts) = fts_query(query) else {
            return Ok(Vec::new());
        };
        let exact = query.trim().to_lowercase();
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        self.with_reader(|c| {
            let row = |r: &rusqlite::Row<'_>| -> rusqlite::Result<Hit> {
                let profile: Option<String> = r.get(1)?;
                Ok(Hit {
                    name: r.get(0)?,
                    profile: profile.and_then(|p| serde_json::from_str(&p).ok()),
                })
            };
            let mut hits: Vec<Hit> = c
                .prepare_cached(
                    "SELECT name, profile FROM entries WHERE label = ?1 OR name = ?1 \
                     ORDER BY id LIMIT ?2",
                )?
                .query_map(params![exact, limit], row)?
                .collect::<rusqlite::Result<_>>()?;
            let more = c
                .prepare_cached(
                    "SELECT e.name, e.profile FROM entries_fts f JOIN entries e ON e.id = f.rowid \
                     WHERE entries_fts MATCH ?1 ORDER BY f.rowid LIMIT ?2",
                )?
                .query_map(params![fts, limit + hits.len() as i64], row)?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            for hit in more {
                if usize::try_from(limit).is_ok_and(|l| hits.len() >= l) {
                    break;
                }
                if !hits.iter().any(|h| h.name == hit.name) {
                    hits.push(hit);
                }
            }
            Ok(hits)
        })
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn names(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn names_and_profiles_are_found_by_word_prefix() {
        let dir = tempfile::tempdir().expect("dir");
        let idx = SearchIndex::open(dir.path().join("search.db")).expect("open");
        assert_eq!(idx.indexed_height().expect("h"), None);
        let added = idx
            .add_names(&names(&["alice.id", "alice_smith.id", "bob.test"]), 120)
            .expect("add");
        assert_eq!(added, 3);
        assert_eq!(idx.add_names(&names(&["alice.id"]), 121).expect("again"), 0);
        assert_eq!(idx.indexed_height().expect("h"), Some(121));
        let found: Vec<String> = idx
            .search("ali", 10)
            .expect("search")
            .into_iter()
            .map(|h| h.name)
            .collect();
        assert_eq!(found, ["alice.id", "alice_smith.id"]);
        // The exact label comes first, whatever the index order.
        idx.add_names(&names(&["smith.id"]), 122).expect("add");
        let first = idx.search("smith", 10).expect("search");
        assert_eq!(first[0].name, "smith.id");
        assert_eq!(first.len(), 2);
        idx.set_profile(
            "bob.test",
            &json!({"name": "Robert Tables", "description": "DBA"}),
        )
        .expect("profile");
        let bob = idx.search("robert ta", 10).expect("search");
        assert_eq!(bob.len(), 1);
        assert_eq!(bob[0].name, "bob.test");
        assert_eq!(
            bob[0].profile.as_ref().map(|p| p["name"].clone()),
            Some(json!("Robert Tables"))
        );
        assert_eq!(idx.search("dba", 10).expect("search").len(), 1);
        assert!(idx.search("robert zzz", 10).expect("search").is_empty());
        assert_eq!(idx.search("a", 1).expect("limit").len(), 1);
        // An oversized profile is dropped, the name stays.
        let big =
            json!({"name": "Robert Tables", "description": "x".repeat(MAX_INDEXED_PROFILE_BYTES)});
        idx.set_profile("bob.test", &big).expect("profile");
        assert!(idx.search("robert", 10).expect("search").is_empty());
        let bob = idx.search("bob", 10).expect("search");
        assert_eq!((bob.len(), bob[0].profile.clone()), (1, None));
    }

    #[test]
    fn odd_queries_neither_fail_nor_inject() {
        let dir = tempfile::tempdir().expect("dir");
        let idx = SearchIndex::open(dir.path().join("search.db")).expect("open");
        idx.add_names(&names(&["quote.id"]), 1).expect("add");
        for q in ["\"", "* OR", "NEAR(a b)", "quote\" OR \"x", "-", "((", "é"] {
            idx.search(q, 10).unwrap_or_else(|e| panic!("{q}: {e}"));
        }
        assert_eq!(fts_query("  -- ** "), None);
        assert_eq!(fts_query("a\"b c"), Some("\"a\"\"b\"* AND \"c\"*".into()));
        assert_eq!(idx.search("quote.id", 10).expect("dotted").len(), 1);
    }

    #[test]
    fn labels() {
        assert_eq!(label_of("alice.id"), "alice");
        assert_eq!(label_of("bob.alice.id"), "bob.alice");
        assert_eq!(label_of("nodot"), "nodot");
    }
}
