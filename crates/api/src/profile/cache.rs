//! Resolved profiles remembered by name, bounded in size and age.
//!
//! An entry is only answered while the name still has the zone file hash and owner it was
//! resolved under, so an update or a transfer is seen at once; otherwise entries live for a
//! time to live (shorter for failures, so a host that was down is retried soon).

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use serde_json::Value;

/// What a profile was resolved from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Source {
    /// The zone file hash.
    pub value_hash: String,
    /// The owner address.
    pub owner: String,
}

/// The outcome of one resolution: the profile, or the reason there is none.
pub type Outcome = Result<Value, String>;

#[derive(Debug)]
struct Entry {
    source: Source,
    at: Instant,
    outcome: Outcome,
}

/// A bounded cache of resolution outcomes.
#[derive(Debug)]
pub struct ProfileCache {
    capacity: usize,
    ttl: Duration,
    failure_ttl: Duration,
    entries: Mutex<HashMap<String, Entry>>,
}

impl ProfileCache {
    /// At most `capacity` entries; profiles live for `ttl`, failures for `failure_ttl`.
    pub fn new(capacity: usize, ttl: Duration, failure_ttl: Duration) -> Self {
        Self {
            capacity,
            ttl,
            failure_ttl,
            entries: Mutex::new(HashMap::new()),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Entry>> {
        match self.entries.lock() {
            Ok(map) => map,
            Err(poisoned) => poisoned.into_inner(),
        }
    }

    fn fresh(&self, entry: &Entry, now: Instant) -> bool {
        let ttl = if entry.outcome.is_ok() {
            self.ttl
        } else {
            self.failure_ttl
        };
        now.saturating_duration_since(entry.at) < ttl
    }

    /// Entries held now (fresh or not).
    pub fn len(&self) -> usize {
        self.lock().len()
    }

    /// Whether nothing is held.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The remembered outcome for `name` resolved from `source`, if still fresh at `now`.
    pub fn get(&self, name: &str, source: &Source, now: Instant) -> Option<Outcome> {
        let map = self.lock();
        let entry = map.get(name)?;
        (entry.source == *source && self.fresh(entry, now)).then(|| entry.outcome.clone())
    }

    /// Remembers `outcome` for `name` resolved from `source` at `now`. When full, stale
    /// entries go first, then the oldest eighth.
    pub fn put(&self, name: &str, source: Source, outcome: Outcome, now: Instant) {
        if self.capacity == 0 {
            return;
        }
        let mut map = self.lock();
        if map.len() >= self.capacity && !map.contains_key(name) {
            map.retain(|_, e| self.fresh(e, now));
            if map.len() >= self.capacity {
                let mut ages: Vec<(Instant, String)> =
                    map.iter().map(|(k, e)| (e.at, k.clone())).collect();
                ages.sort();
                for (_, key) in ages.into_iter().take(self.capacity / 8 + 1) {
                    map.remove(&key);
                }
            }
        }
        map.insert(
            name.to_owned(),
            Entry {
                source,
                at: now,
                outcome,
            },
        );
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn src(hash: &str) -> Source {
        Source {
            value_hash: hash.into(),
            owner: "1Owner".into(),
        }
    }

    #[test]
    fn entries_expire_and_follow_the_source() {
        let cache = ProfileCache::new(8, Duration::from_secs(60), Duration::from_secs(5));
        let t0 = Instant::now();
        cache.put("a.id", src("h1"), Ok(json!({"n": 1})), t0);
        cache.put("b.id", src("h1"), Err("down".into()), t0);
        let later = |s| t0 + Duration::from_secs(s);
        assert_eq!(
            cache.get("a.id", &src("h1"), later(30)),
            Some(Ok(json!({"n": 1})))
        );
        assert_eq!(
            cache.get("a.id", &src("h2"), later(30)),
            None,
            "new zone file"
        );
        assert_eq!(cache.get("a.id", &src("h1"), later(61)), None, "expired");
        assert_eq!(
            cache.get("b.id", &src("h1"), later(4)),
            Some(Err("down".into()))
        );
        assert_eq!(
            cache.get("b.id", &src("h1"), later(6)),
            None,
            "failures retried sooner"
        );
    }

    #[test]
    fn the_cache_stays_bounded() {
        let cache = ProfileCache::new(16, Duration::from_secs(60), Duration::from_secs(60));
        let t0 = Instant::now();
        for i in 0..200u64 {
            let at = t0 + Duration::from_millis(i);
            cache.put(&format!("n{i}.id"), src("h"), Ok(json!(i)), at);
            assert!(cache.len() <= 16);
        }
        let end = t0 + Duration::from_millis(200);
        assert_eq!(cache.get("n199.id", &src("h"), end), Some(Ok(json!(199))));
        assert_eq!(
            cache.get("n0.id", &src("h"), end),
            None,
            "the oldest went first"
        );
        let none = ProfileCache::new(0, Duration::from_secs(60), Duration::from_secs(60));
        none.put("a.id", src("h"), Ok(json!(1)), t0);
        assert!(none.is_empty());
    }
}
