//! Legacy (Onename-era) profiles stored on chain in place of a zone file, and their
//! conversion to the current `Person` form, as `blockstack lookup` answers them
//! (`blockstack_profiles.is_profile_in_legacy_format` / `get_person_from_legacy_format`).

use serde_json::{json, Map, Value};

/// Whether `profile` is in the legacy form: an object without `@type` or `@context` that has
/// one of `avatar`, `cover`, `bio`, `twitter` or `facebook`.
pub fn is_legacy_profile(profile: &Map<String, Value>) -> bool {
    !profile.contains_key("@type")
        && !profile.contains_key("@context")
        && ["avatar", "cover", "bio", "twitter", "facebook"]
            .iter()
            .any(|k| profile.contains_key(*k))
}

/// `profile[key][inner]` when `profile[key]` is an object holding `inner`.
fn nested<'a>(profile: &'a Map<String, Value>, key: &str, inner: &str) -> Option<&'a Value> {
    profile.get(key)?.as_object()?.get(inner)
}

/// A social account of the legacy form (`{"username": ..., <service>: {"proof": {"url"}}}`),
/// or `None` when it has no username (the original fails the whole lookup then).
fn account(service: &str, data: &Value) -> Option<Value> {
    let data = data.as_object()?;
    let username = data.get("username")?;
    let mut account = json!({
        "@type": "Account",
        "service": service,
        "identifier": username,
        "proofType": "http",
    });
    // The proof is read from the account's own `<service>` entry, as the original does.
    if let Some(url) = data
        .get(service)
        .and_then(Value::as_object)
        .and_then(|s| s.get("proof"))
        .and_then(Value::as_object)
        .and_then(|p| p.get("url"))
    {
        account["proofUrl"] = url.clone();
    }
    Some(account)
}

/// The `Person` form of the legacy profile `profile`, or why it cannot be converted.
pub fn person_from_legacy(profile: &Map<String, Value>) -> Result<Value, String> {
    let mut person = Map::new();
    person.insert("@type".into(), json!("Person"));
    if let Some(name) = nested(profile, "name", "formatted") {
        person.insert("name".into(), name.clone());
    }
    if let Some(bio) = profile.get("bio") {
        person.insert("description".into(), bio.clone());
    }
    if let Some(place) = nested(profile, "location", "formatted") {
        person.insert(
            "address".into(),
            json!({"@type": "PostalAddress", "addressLocality": place}),
        );
    }
    let images: Vec<Value> = ["avatar", "cover"]
        .iter()
        .filter_map(|kind| {
            nested(profile, kind, "url")
                .map(|url| json!({"@type": "ImageObject", "name": kind, "contentUrl": url}))
        })
        .collect();
    if !images.is_empty() {
        person.insert("image".into(), Value::Array(images));
    }
    if let Some(Value::String(site)) = profile.get("website") {
        person.insert("website".into(), json!([{"@type": "WebSite", "url": site}]));
    }
    let mut accounts = Vec::new();
    for service in ["twitter", "facebook", "github"] {
        if let Some(data) = profile.get(service) {
            accounts
                .push(account(service, data).ok_or_else(|| {
                    format!("Legacy profile's {service} account has no username")
                })?);
        }
    }
    if let Some(address) = nested(profile, "bitcoin", "address") {
        accounts.push(json!({
            "@type": "Account",
            "role": "payment",
            "service": "bitcoin",
            "identifier": address,
        }));
    }
    // The original indexes a non-empty `auth` object with 0, which always fails.
    if profile
        .get("auth")
        .and_then(Value::as_object)
        .is_some_and(|auth| !auth.is_empty())
    {
        return Err("Legacy profile's auth entry is malformed".into());
    }
    if let (Some(url), Some(fingerprint)) = (
        nested(profile, "pgp", "url"),
        nested(profile, "pgp", "fingerprint"),
    ) {
        accounts.push(json!({
            "@type": "Account",
            "role": "key",
            "service": "pgp",
            "identifier": fingerprint,
            "contentUrl": url,
        }));
    }
    person.insert("account".into(), Value::Array(accounts));
    Ok(Value::Object(person))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn obj(v: Value) -> Map<String, Value> {
        match v {
            Value::Object(m) => m,
            _ => Map::new(),
        }
    }

    #[test]
    fn legacy_profiles_are_recognised() {
        assert!(is_legacy_profile(&obj(json!({"bio": "x"}))));
        assert!(is_legacy_profile(&obj(
            json!({"twitter": {"username": "a"}})
        )));
        assert!(!is_legacy_profile(&obj(
            json!({"@type": "Person", "bio": "x"})
        )));
        assert!(!is_legacy_profile(&obj(json!({"name": "only a name"}))));
    }

    #[test]
    fn a_legacy_profile_converts_field_by_field() {
        let legacy = obj(json!({
            "name": {"formatted": "Ryan Shea"},
            "bio": "Co-founder",
            "location": {"formatted": "New York"},
            "avatar": {"url": "https://example.org/a.jpg"},
            "cover": {"url": "https://example.org/c.jpg"},
            "website": "https://example.org",
            "twitter": {"username": "ryaneshea", "proof": {"url": "ignored"}},
            "github": {"username": "shea256", "github": {"proof": {"url": "https://gist"}}},
            "bitcoin": {"address": "1Addr"},
            "pgp": {"url": "https://example.org/k.asc", "fingerprint": "ABCD"},
            "auth": [],
        }));
        let person = person_from_legacy(&legacy).expect("converts");
        assert_eq!(
            person,
            json!({
                "@type": "Person",
                "name": "Ryan Shea",
                "description": "Co-founder",
                "address": {"@type": "PostalAddress", "addressLocality": "New York"},
                "image": [
                    {"@type": "ImageObject", "name": "avatar", "contentUrl": "https://example.org/a.jpg"},
                    {"@type": "ImageObject", "name": "cover", "contentUrl": "https://example.org/c.jpg"},
                ],
                "website": [{"@type": "WebSite", "url": "https://example.org"}],
                "account": [
                    {"@type": "Account", "service": "twitter", "identifier": "ryaneshea", "proofType": "http"},
                    {"@type": "Account", "service": "github", "identifier": "shea256", "proofType": "http", "proofUrl": "https://gist"},
                    {"@type": "Account", "role": "payment", "service": "bitcoin", "identifier": "1Addr"},
                    {"@type": "Account", "role": "key", "service": "pgp", "identifier": "ABCD", "contentUrl": "https://example.org/k.asc"},
                ],
            })
        );
    }

    #[test]
    fn unconvertible_legacy_profiles_fail() {
        assert!(person_from_legacy(&obj(json!({"twitter": "handle"}))).is_err());
        assert!(person_from_legacy(&obj(json!({"facebook": {"id": 1}}))).is_err());
        assert!(person_from_legacy(&obj(json!({"bio": "x", "auth": {"k": 1}}))).is_err());
        assert_eq!(
            person_from_legacy(&obj(json!({"bio": "x", "website": 5}))),
            Ok(json!({"@type": "Person", "description": "x", "account": []}))
        );
    }
}
