//! Profile resolution for `GET /v1/users/{name}`, as the original's `blockstack lookup`
//! (`get_profile` with legacy zone files allowed): the name's current zone file names its
//! profile URLs (URI records) and its data public key; the first URL whose token file holds a
//! profile signed by the data key or by the owner address's key gives the profile.
//!
//! * A zone file that is not a zone file but a JSON object is the profile itself: converted to
//!   the `Person` form when it is a legacy (Onename) profile ([`legacy`]), as stored otherwise.
//! * Outcomes are cached ([`cache::ProfileCache`]) by name, answered only while the name keeps
//!   the zone file and owner they came from.
//! * Fetches are bounded ([`fetch::Fetcher`]): timeouts, a body limit and a number at once.

pub mod cache;
pub mod fetch;
pub mod legacy;
pub mod tokens;

use std::time::{Duration, Instant};

use serde_json::Value;

use self::cache::{Outcome, ProfileCache, Source};
use self::fetch::{FetchLimits, Fetcher};
use self::tokens::{profile_from_token_file, Signers};

/// Where a name's profile comes from: its current zone file and owner.
#[derive(Debug, Clone)]
pub struct NameSource {
    /// The name (or subdomain).
    pub name: String,
    /// Its zone file hash.
    pub value_hash: String,
    /// Its zone file bytes, verified against the hash.
    pub zonefile: Vec<u8>,
    /// Its owner address.
    pub owner: String,
}

/// What to do with a zone file to get a profile.
#[derive(Debug, Clone, PartialEq)]
pub enum Plan {
    /// The profile is already known (a legacy profile in place of a zone file).
    Ready(Value),
    /// Fetch these URLs in order; accept a token file signed by one of the signers.
    Fetch {
        /// Profile URLs, in zone file order.
        urls: Vec<String>,
        /// Who may have signed.
        signers: Signers,
    },
    /// No profile can come of it.
    Fail(String),
}

/// How a name's zone file leads to its profile (pure: bytes in, plan out).
pub fn plan(zonefile: &[u8], owner: &str) -> Plan {
    use blockstack_zonefile::schema::{validate, SchemaVariant};
    let zf = match blockstack_zonefile::parse_bytes(zonefile) {
        Ok(zf) => zf,
        Err(_) => {
            return match serde_json::from_slice::<Value>(zonefile) {
                Ok(Value::Object(stored)) if legacy::is_legacy_profile(&stored) => {
                    match legacy::person_from_legacy(&stored) {
                        Ok(person) => Plan::Ready(person),
                        Err(why) => Plan::Fail(why),
                    }
                }
                Ok(profile @ Value::Object(_)) => Plan::Ready(profile),
                _ => Plan::Fail("Failed to decode name zonefile".into()),
            }
        }
    };
    // A zone file that parses but fails the schema is not retried as JSON: the original's
    // `decode_name_zonefile` gives up on it.
    if validate(&zf, SchemaVariant::Client).is_err() {
        return Plan::Fail("Failed to decode name zonefile".into());
    }
    // More than one data key: none is trusted, the owner address still is.
    let data_key = blockstack_zonefile::bns::data_public_key(&zf)
        .ok()
        .flatten();
    Plan::Fetch {
        urls: blockstack_zonefile::bns::profile_urls(&zf),
        signers: Signers::new(data_key.as_deref(), Some(owner)),
    }
}

/// Tunables of profile resolution.
#[derive(Clone, Debug)]
pub struct ProfileConfig {
    /// Fetch limits.
    pub fetch: FetchLimits,
    /// Names whose outcome is remembered.
    pub cache_entries: usize,
    /// How long a resolved profile is answered from the cache.
    pub cache_ttl: Duration,
    /// How long a failed resolution is answered from the cache.
    pub failure_ttl: Duration,
}

impl Default for ProfileConfig {
    fn default() -> Self {
        Self {
            fetch: FetchLimits::default(),
            cache_entries: 10_000,
            cache_ttl: Duration::from_secs(600),
            failure_ttl: Duration::from_secs(30),
        }
    }
}

/// Resolves profiles, remembering outcomes.
#[derive(Debug)]
pub struct ProfileResolver {
    fetcher: Fetcher,
    cache: ProfileCache,
}

/// A resolution's outcome and whether it was fetched just now (not from the cache).
#[derive(Debug, Clone, PartialEq)]
pub struct Resolution {
    /// The profile, or why there is none.
    pub outcome: Outcome,
    /// Whether this outcome is new (fetched, not remembered).
    pub fresh: bool,
    /// Whether a URL went untried because every fetch slot was busy (the failure says
    /// nothing about the profile then).
    pub busy: bool,
}

impl ProfileResolver {
    /// A resolver with `config`.
    pub fn new(config: &ProfileConfig) -> Self {
        Self {
            fetcher: Fetcher::new(config.fetch.clone()),
            cache: ProfileCache::new(config.cache_entries, config.cache_ttl, config.failure_ttl),
        }
    }

    /// The cache.
    pub fn cache(&self) -> &ProfileCache {
        &self.cache
    }

    /// The profile of `src.name`: remembered, or resolved now and remembered. A failure in
    /// which a fetch could not run for lack of a slot is not remembered.
    pub async fn resolve(&self, src: NameSource) -> Resolution {
        let source = Source {
            value_hash: src.value_hash.clone(),
            owner: src.owner.clone(),
        };
        if let Some(outcome) = self.cache.get(&src.name, &source, Instant::now()) {
            return Resolution {
                outcome,
                fresh: false,
                busy: false,
            };
        }
        let (outcome, busy) = match plan(&src.zonefile, &src.owner) {
            Plan::Ready(profile) => (Ok(profile), false),
            Plan::Fail(why) => (Err(why), false),
            Plan::Fetch { urls, signers } => self.fetch_first(&src.name, &urls, &signers).await,
        };
        if !busy {
            self.cache
                .put(&src.name, source, outcome.clone(), Instant::now());
        }
        Resolution {
            outcome,
            fresh: true,
            busy,
        }
    }

    /// The first verified profile among `urls`, and whether a URL went untried for lack of a
    /// fetch slot (the outcome is then not remembered).
    async fn fetch_first(&self, name: &str, urls: &[String], signers: &Signers) -> (Outcome, bool) {
        let mut busy = false;
        for url in urls {
            match self.fetcher.get(url).await {
                Ok(body) => match profile_from_token_file(&body, signers) {
                    Ok(profile) => return (Ok(Value::Object(profile)), false),
                    Err(e) => tracing::debug!(%name, %url, error = %e, "profile not accepted"),
                },
                Err(fetch::FetchError::Busy) => busy = true,
                Err(e) => tracing::debug!(%name, %url, error = %e, "profile fetch failed"),
            }
        }
        (
            Err(format!("Failed in parsing and fetching profile for {name}")),
            busy,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_zone_file_plans_its_urls_and_signers() {
        let key = "0298f5d4bd8dc1d1bd3e8e2c1cdf04d7ff6c8e4b0c0b1c5bf0b7ac11f16b2b7c5a";
        let zf = format!(
            "$ORIGIN a.id\n$TTL 3600\npubkey TXT \"pubkey:data:{key}\"\n\
             _https._tcp URI 10 1 \"https://example.org/a.json\"\n\
             _http._tcp URI 10 1 \"example.org/b.json\"\n"
        );
        let owner = "1J3PUxY5uDShUnHRrMyU6yKtoHEUPhKULs";
        match plan(zf.as_bytes(), owner) {
            Plan::Fetch { urls, signers } => {
                assert_eq!(
                    urls,
                    ["https://example.org/a.json", "https://example.org/b.json"]
                );
                assert_eq!(signers.data_key.map(|k| k.to_string()), Some(key.into()));
                assert!(signers.owner_hash.is_some());
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn legacy_and_undecodable_zone_files() {
        assert_eq!(
            plan(br#"{"name": {"formatted": "Custom"}}"#, "1x"),
            Plan::Ready(serde_json::json!({"name": {"formatted": "Custom"}})),
            "a custom JSON profile is answered as stored"
        );
        assert_eq!(
            plan(br#"{"name": {"formatted": "Old"}, "bio": "b"}"#, "1x"),
            Plan::Ready(serde_json::json!({
                "@type": "Person", "name": "Old", "description": "b", "account": []
            })),
            "a legacy profile is converted"
        );
        assert_eq!(
            plan(b"\x00\x01 garbage", "1x"),
            Plan::Fail("Failed to decode name zonefile".into())
        );
        assert!(matches!(plan(b"[1, 2]", "1x"), Plan::Fail(_)));
        // Parses as a zone file, fails the schema (no $ORIGIN).
        assert_eq!(
            plan(b"$TTL 3600\n_http._tcp URI 10 1 \"http://a/b\"\n", "1x"),
            Plan::Fail("Failed to decode name zonefile".into())
        );
    }
}
