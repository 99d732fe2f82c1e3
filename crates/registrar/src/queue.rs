//! The registrar's persistent queue: one row per (name, stage) in SQLite.
//!
//! A row carries the signed transaction of its stage. The transaction is written to the queue
//! *before* it is broadcast, in the same SQLite transaction that retires the previous stage, so
//! a crash at any instant either leaves the previous stage in place (nothing was sent) or leaves
//! the new stage with its transaction on disk, which is re-broadcast as is (same txid, same
//! inputs) after a restart. The registrar never builds a second transaction for a stage it has
//! already recorded, so it never pays twice.

use std::fmt;
use std::path::Path;
use std::str::FromStr;
use std::sync::Mutex;

use rusqlite::{params, Connection, OptionalExtension};
use serde::{Deserialize, Serialize};

/// `PRAGMA application_id` of a queue database ("BSRQ").
pub const APPLICATION_ID: i32 = 0x4253_5251;
/// `PRAGMA user_version` of the schema this code writes.
pub const SCHEMA_VERSION: i32 = 1;

/// Where a name is in the registrar's pipeline (the original's queue ids).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Stage {
    /// A NAME_PREORDER was sent; a NAME_REGISTRATION follows once it is confirmed.
    Preorder,
    /// A NAME_REGISTRATION was sent.
    Register,
    /// A NAME_UPDATE was sent.
    Update,
    /// A NAME_TRANSFER was sent.
    Transfer,
    /// A NAME_RENEWAL was sent.
    Renew,
    /// A NAME_REVOKE was sent.
    Revoke,
}

impl Stage {
    /// Every stage, in pipeline order.
    pub const ALL: [Stage; 6] = [
        Stage::Preorder,
        Stage::Register,
        Stage::Update,
        Stage::Transfer,
        Stage::Renew,
        Stage::Revoke,
    ];

    /// The queue id the original used for this stage.
    pub fn as_str(self) -> &'static str {
        match self {
            Stage::Preorder => "preorder",
            Stage::Register => "register",
            Stage::Update => "update",
            Stage::Transfer => "transfer",
            Stage::Renew => "renew",
            Stage::Revoke => "revoke",
        }
    }
}

impl fmt::Display for Stage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Stage {
    type Err = QueueError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Stage::ALL
            .into_iter()
            .find(|stage| stage.as_str() == s)
            .ok_or_else(|| QueueError::Corrupt(format!("unknown stage {s:?}")))
    }
}

/// The signed transaction of a stage.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StepTx {
    /// Its txid (hex, display order).
    pub txid: String,
    /// The signed transaction (hex).
    pub hex: String,
    /// Whether a broadcast of it was acknowledged by the chain backend.
    pub broadcast: bool,
}

/// What the registrar knows about the work on a name, stored as JSON with the row.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct JobData {
    /// The address that pays.
    pub payment_address: String,
    /// The address that owns (or will own) the name.
    pub owner_address: String,
    /// Where the name goes once registered and its zonefile replicated, if anywhere.
    #[serde(default)]
    pub transfer_address: Option<String>,
    /// The chain height when the work was queued.
    pub block_height: u64,
    /// The zonefile to replicate once its hash is on chain (base64).
    #[serde(default)]
    pub zonefile_b64: Option<String>,
    /// The hash the name commits to (hex), when there is a zonefile.
    #[serde(default)]
    pub zonefile_hash: Option<String>,
    /// Whether the zonefile was pushed to the node.
    #[serde(default)]
    pub replicated_zonefile: bool,
    /// Fewer confirmations per step ("unsafe" registrations).
    #[serde(default)]
    pub unsafe_reg: bool,
    /// Whether the registration carried the zonefile hash itself (epoch 3 and later).
    #[serde(default)]
    pub is_regup: bool,
    /// The owner script of the registration (hex), for the steps that need it.
    #[serde(default)]
    pub owner_script: Option<String>,
}

/// One queue row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Job {
    /// The fully qualified name.
    pub name: String,
    /// Its stage.
    pub stage: Stage,
    /// The stage's transaction.
    pub tx: StepTx,
    /// Everything else.
    pub data: JobData,
    /// Errors recorded while driving this stage, oldest first.
    pub errors: Vec<String>,
}

/// Failures of the queue database.
#[derive(Debug, thiserror::Error)]
pub enum QueueError {
    /// SQLite failed.
    #[error("queue database: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// The file is not a queue database of this program.
    #[error("{path} is not a registrar queue database (application_id {found:#010x}); it was left untouched")]
    Foreign {
        /// The file.
        path: String,
        /// Its application id.
        found: i32,
    },
    /// The file was written by another schema version.
    #[error("{path} has queue schema version {found}, this registrar reads version {SCHEMA_VERSION}; finish or drop its work with the version that wrote it")]
    Version {
        /// The file.
        path: String,
        /// Its version.
        found: i32,
    },
    /// A row could not be read back.
    #[error("queue database holds a bad row: {0}")]
    Corrupt(String),
    /// The name already has a row in that stage.
    #[error("Already in queue.")]
    AlreadyQueued,
    /// The row to change is not there.
    #[error("{name} has no {stage} row")]
    Missing {
        /// The name.
        name: String,
        /// The stage.
        stage: Stage,
    },
}

/// The queue database.
pub struct Queue {
    conn: Mutex<Connection>,
}

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS jobs (
    name TEXT NOT NULL,
    stage TEXT NOT NULL,
    txid TEXT NOT NULL,
    tx_hex TEXT NOT NULL,
    broadcast INTEGER NOT NULL DEFAULT 0,
    data TEXT NOT NULL,
    PRIMARY KEY (name, stage)
);
CREATE TABLE IF NOT EXISTS job_errors (
    name TEXT NOT NULL,
    stage TEXT NOT NULL,
    seq INTEGER NOT NULL,
    message TEXT NOT NULL,
    PRIMARY KEY (name, stage, seq)
);
";

/// At most this many errors are kept per row (the newest).
pub const MAX_ERRORS_PER_JOB: i64 = 16;

impl Queue {
    /// Opens (or creates) the queue at `path`; refuses a file of another program or version.
    pub fn open(path: impl AsRef<Path>) -> Result<Self, QueueError> {
        let path = path.as_ref();
        let conn = Connection::open(path)?;
        Self::init(conn, &path.display().to_string())
    }

    /// An in-memory queue (tests).
    pub fn open_in_memory() -> Result<Self, QueueError> {
        Self::init(Connection::open_in_memory()?, ":memory:")
    }

    fn init(conn: Connection, path: &str) -> Result<Self, QueueError> {
        conn.busy_timeout(std::time::Duration::from_secs(10))?;
        let app: i32 = conn.query_row("PRAGMA application_id", [], |r| r.get(0))?;
        let version: i32 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
        let tables: i64 = conn.query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get(0))?;
        if app == 0 && version == 0 && tables == 0 {
            conn.execute_batch(&format!(
                "PRAGMA journal_mode = WAL; BEGIN; {SCHEMA} \
                 PRAGMA application_id = {APPLICATION_ID}; PRAGMA user_version = {SCHEMA_VERSION}; COMMIT;"
            ))?;
        } else if app != APPLICATION_ID {
            return Err(QueueError::Foreign {
                path: path.to_string(),
                found: app,
            });
        } else if version != SCHEMA_VERSION {
            return Err(QueueError::Version {
                path: path.to_string(),
                found: version,
            });
        }
        conn.execute_batch("PRAGMA synchronous = FULL;")?;
        Ok(Queue {
            conn: Mutex::new(conn),
        })
    }

    fn with<R>(
        &self,
        f: impl FnOnce(&mut Connection) -> Result<R, QueueError>,
    ) -> Result<R, QueueError> {
        let mut conn = self
            .conn
            .lock()
            .map_err(|_| QueueError::Corrupt("queue lock poisoned".into()))?;
        f(&mut conn)
    }

    /// Adds a row; a name with a row in that stage already is refused.
    pub fn insert(&self, job: &Job) -> Result<(), QueueError> {
        self.with(|conn| {
            let tx = conn.transaction()?;
            insert_row(&tx, job)?;
            tx.commit()?;
            Ok(())
        })
    }

    /// Retires the `(name, from)` row and adds `next` in one transaction.
    pub fn advance(&self, name: &str, from: Stage, next: &Job) -> Result<(), QueueError> {
        self.with(|conn| {
            let tx = conn.transaction()?;
            delete_row(&tx, name, from)?;
            insert_row(&tx, next)?;
            tx.commit()?;
            Ok(())
        })
    }

    /// Removes a row and its errors.
    pub fn remove(&self, name: &str, stage: Stage) -> Result<(), QueueError> {
        self.with(|conn| {
            let tx = conn.transaction()?;
            delete_row(&tx, name, stage)?;
            tx.commit()?;
            Ok(())
        })
    }

    /// Records that the backend acknowledged the broadcast of a row's transaction.
    pub fn mark_broadcast(&self, name: &str, stage: Stage) -> Result<(), QueueError> {
        self.with(|conn| {
            let n = conn.execute(
                "UPDATE jobs SET broadcast = 1 WHERE name = ?1 AND stage = ?2",
                params![name, stage.as_str()],
            )?;
            expect_one(n, name, stage)
        })
    }

    /// Replaces a row's data.
    pub fn set_data(&self, name: &str, stage: Stage, data: &JobData) -> Result<(), QueueError> {
        let text = data_json(data)?;
        self.with(|conn| {
            let n = conn.execute(
                "UPDATE jobs SET data = ?3 WHERE name = ?1 AND stage = ?2",
                params![name, stage.as_str(), text],
            )?;
            expect_one(n, name, stage)
        })
    }

    /// Records an error on a row (a repeat of its latest error is not stored again).
    pub fn add_error(&self, name: &str, stage: Stage, message: &str) -> Result<(), QueueError> {
        self.with(|conn| {
            let tx = conn.transaction()?;
            let last: Option<(i64, String)> = tx
                .query_row(
                    "SELECT seq, message FROM job_errors WHERE name = ?1 AND stage = ?2 \
                     ORDER BY seq DESC LIMIT 1",
                    params![name, stage.as_str()],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .optional()?;
            if last.as_ref().map(|(_, m)| m.as_str()) != Some(message) {
                let seq = last.map_or(0, |(seq, _)| seq + 1);
                tx.execute(
                    "INSERT INTO job_errors (name, stage, seq, message) VALUES (?1, ?2, ?3, ?4)",
                    params![name, stage.as_str(), seq, message],
                )?;
                tx.execute(
                    "DELETE FROM job_errors WHERE name = ?1 AND stage = ?2 AND seq <= ?3",
                    params![name, stage.as_str(), seq - MAX_ERRORS_PER_JOB],
                )?;
            }
            tx.commit()?;
            Ok(())
        })
    }

    /// One row.
    pub fn get(&self, name: &str, stage: Stage) -> Result<Option<Job>, QueueError> {
        Ok(self
            .select("WHERE name = ?1 AND stage = ?2", &[&name, &stage.as_str()])?
            .pop())
    }

    /// The rows of a name, in pipeline order.
    pub fn jobs_of(&self, name: &str) -> Result<Vec<Job>, QueueError> {
        self.select("WHERE name = ?1", &[&name])
    }

    /// Every row, by stage in pipeline order, then by name.
    pub fn all(&self) -> Result<Vec<Job>, QueueError> {
        self.select("", &[])
    }

    /// The rows `filter` (a `WHERE` clause over `params`) selects, by stage in pipeline order,
    /// then by name.
    fn select(
        &self,
        filter: &str,
        params: &[&dyn rusqlite::ToSql],
    ) -> Result<Vec<Job>, QueueError> {
        self.with(|conn| {
            let mut stmt = conn.prepare(&format!(
                "SELECT name, stage, txid, tx_hex, broadcast, data FROM jobs {filter} ORDER BY name"
            ))?;
            let rows = stmt.query_map(params, |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, bool>(4)?,
                    r.get::<_, String>(5)?,
                ))
            })?;
            let mut jobs = Vec::new();
            for row in rows {
                let (name, stage, txid, hex, broadcast, data) = row?;
                let stage: Stage = stage.parse()?;
                let data: JobData = serde_json::from_str(&data)
                    .map_err(|e| QueueError::Corrupt(format!("{name} {stage}: {e}")))?;
                jobs.push(Job {
                    errors: errors_of(conn, &name, stage)?,
                    name,
                    stage,
                    tx: StepTx {
                        txid,
                        hex,
                        broadcast,
                    },
                    data,
                });
            }
            jobs.sort_by(|a, b| (a.stage, &a.name).cmp(&(b.stage, &b.name)));
            Ok(jobs)
        })
    }
}

fn errors_of(conn: &Connection, name: &str, stage: Stage) -> Result<Vec<String>, QueueError> {
    let mut stmt = conn.prepare_cached(
        "SELECT message FROM job_errors WHERE name = ?1 AND stage = ?2 ORDER BY seq",
    )?;
    let rows = stmt.query_map(params![name, stage.as_str()], |r| r.get(0))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

fn data_json(data: &JobData) -> Result<String, QueueError> {
    serde_json::to_string(data).map_err(|e| QueueError::Corrupt(e.to_string()))
}

fn insert_row(tx: &rusqlite::Transaction<'_>, job: &Job) -> Result<(), QueueError> {
    let exists: Option<i64> = tx
        .query_row(
            "SELECT 1 FROM jobs WHERE name = ?1 AND stage = ?2",
            params![job.name, job.stage.as_str()],
            |r| r.get(0),
        )
        .optional()?;
    if exists.is_some() {
        return Err(QueueError::AlreadyQueued);
    }
    tx.execute(
        "INSERT INTO jobs (name, stage, txid, tx_hex, broadcast, data) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![
            job.name,
            job.stage.as_str(),
            job.tx.txid,
            job.tx.hex,
            job.tx.broadcast,
            data_json(&job.data)?
        ],
    )?;
    Ok(())
}

fn delete_row(tx: &rusqlite::Transaction<'_>, name: &str, stage: Stage) -> Result<(), QueueError> {
    let n = tx.execute(
        "DELETE FROM jobs WHERE name = ?1 AND stage = ?2",
        params![name, stage.as_str()],
    )?;
    expect_one(n, name, stage)?;
    tx.execute(
        "DELETE FROM job_errors WHERE name = ?1 AND stage = ?2",
        params![name, stage.as_str()],
    )?;
    Ok(())
}

fn expect_one(n: usize, name: &str, stage: Stage) -> Result<(), QueueError> {
    if n == 1 {
        Ok(())
    } else {
        Err(QueueError::Missing {
            name: name.to_string(),
            stage,
        })
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn job(name: &str, stage: Stage, txid: &str) -> Job {
        Job {
            name: name.into(),
            stage,
            tx: StepTx {
                txid: txid.into(),
                hex: "00".into(),
                broadcast: false,
            },
            data: JobData {
                payment_address: "pay".into(),
                owner_address: "own".into(),
                block_height: 7,
                ..JobData::default()
            },
            errors: vec![],
        }
    }

    #[test]
    fn a_second_row_for_the_same_stage_is_refused_and_the_first_is_kept() {
        let q = Queue::open_in_memory().unwrap();
        q.insert(&job("a.test", Stage::Preorder, "t1")).unwrap();
        let err = q.insert(&job("a.test", Stage::Preorder, "t2")).unwrap_err();
        assert!(matches!(err, QueueError::AlreadyQueued));
        assert_eq!(err.to_string(), "Already in queue.");
        assert_eq!(
            q.get("a.test", Stage::Preorder).unwrap().unwrap().tx.txid,
            "t1"
        );
        q.insert(&job("a.test", Stage::Update, "t3")).unwrap();
        assert_eq!(q.jobs_of("a.test").unwrap().len(), 2);
    }

    #[test]
    fn advance_replaces_the_row_atomically() {
        let q = Queue::open_in_memory().unwrap();
        q.insert(&job("a.test", Stage::Preorder, "t1")).unwrap();
        q.add_error("a.test", Stage::Preorder, "boom").unwrap();
        q.advance(
            "a.test",
            Stage::Preorder,
            &job("a.test", Stage::Register, "t2"),
        )
        .unwrap();
        let jobs = q.all().unwrap();
        assert_eq!(jobs.len(), 1);
        assert_eq!(jobs[0].stage, Stage::Register);
        assert!(jobs[0].errors.is_empty());

        // Advancing from a row that is gone changes nothing.
        let err = q
            .advance(
                "a.test",
                Stage::Preorder,
                &job("a.test", Stage::Update, "t3"),
            )
            .unwrap_err();
        assert!(matches!(err, QueueError::Missing { .. }));
        assert_eq!(q.all().unwrap(), jobs);

        // Advancing into an occupied stage rolls the removal back.
        q.insert(&job("a.test", Stage::Update, "t4")).unwrap();
        let err = q
            .advance(
                "a.test",
                Stage::Register,
                &job("a.test", Stage::Update, "t5"),
            )
            .unwrap_err();
        assert!(matches!(err, QueueError::AlreadyQueued));
        assert!(q.get("a.test", Stage::Register).unwrap().is_some());
    }

    #[test]
    fn errors_are_deduplicated_bounded_and_cleared_with_the_row() {
        let q = Queue::open_in_memory().unwrap();
        q.insert(&job("a.test", Stage::Preorder, "t1")).unwrap();
        q.add_error("a.test", Stage::Preorder, "same").unwrap();
        q.add_error("a.test", Stage::Preorder, "same").unwrap();
        assert_eq!(
            q.get("a.test", Stage::Preorder).unwrap().unwrap().errors,
            ["same"]
        );
        for i in 0..40 {
            q.add_error("a.test", Stage::Preorder, &format!("e{i}"))
                .unwrap();
        }
        let errors = q.get("a.test", Stage::Preorder).unwrap().unwrap().errors;
        assert_eq!(errors.len(), MAX_ERRORS_PER_JOB as usize);
        assert_eq!(errors.last().map(String::as_str), Some("e39"));
        q.remove("a.test", Stage::Preorder).unwrap();
        q.insert(&job("a.test", Stage::Preorder, "t2")).unwrap();
        assert!(q
            .get("a.test", Stage::Preorder)
            .unwrap()
            .unwrap()
            .errors
            .is_empty());
    }

    #[test]
    fn rows_survive_reopening_and_foreign_files_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("queues.db");
        {
            let q = Queue::open(&path).unwrap();
            q.insert(&job("a.test", Stage::Preorder, "t1")).unwrap();
            q.mark_broadcast("a.test", Stage::Preorder).unwrap();
        }
        let q = Queue::open(&path).unwrap();
        assert!(
            q.get("a.test", Stage::Preorder)
                .unwrap()
                .unwrap()
                .tx
                .broadcast
        );

        let other = dir.path().join("other.db");
        Connection::open(&other)
            .unwrap()
            .execute_batch("CREATE TABLE t (x); PRAGMA application_id = 7;")
            .unwrap();
        assert!(matches!(
            Queue::open(&other),
            Err(QueueError::Foreign { .. })
        ));
        let newer = dir.path().join("newer.db");
        Connection::open(&newer)
            .unwrap()
            .execute_batch(&format!(
                "CREATE TABLE t (x); PRAGMA application_id = {APPLICATION_ID}; PRAGMA user_version = 9;"
            ))
            .unwrap();
        assert!(matches!(
            Queue::open(&newer),
            Err(QueueError::Version { found: 9, .. })
        ));
    }
}
