//! Request helpers shared by the routes: the query string as `parse_qs` reads it, the JSON
//! body writer, and the argument checks of the original's route table.

use std::collections::HashMap;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use crate::error::ApiError;
use crate::pyjson;

/// Names per page of `/v1/names` and `/v1/namespaces/{ns}/names`.
pub const PAGE_SIZE: u64 = 100;

/// Largest `page=` accepted: beyond it the offset no longer fits SQLite's integers.
pub const MAX_PAGE: u64 = (i64::MAX as u64) / PAGE_SIZE;

/// A JSON reply body written as Python's `json.dumps` writes it.
#[derive(Debug)]
pub struct PyJson<T>(pub T);

impl<T: Serialize> IntoResponse for PyJson<T> {
    fn into_response(self) -> Response {
        (
            StatusCode::OK,
            [(header::CONTENT_TYPE, "application/json")],
            pyjson::to_string(&self.0),
        )
            .into_response()
    }
}

/// The query string, parsed like `urlparse.parse_qs`: `+` and `%XX` decoded, blank values
/// dropped, and any key given twice refused (401, as the original does).
#[derive(Debug, Default, Clone)]
pub struct Qs(pub HashMap<String, String>);

impl Qs {
    /// Parses a raw query string.
    pub fn parse(raw: &str) -> Result<Self, ApiError> {
        let mut out = HashMap::new();
        for pair in raw.split(['&', ';']).filter(|p| !p.is_empty()) {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            let (k, v) = (percent_decode(k), percent_decode(v));
            if v.is_empty() {
                continue;
            }
            if out.insert(k, v).is_some() {
                return Err(ApiError::DuplicateQueryKey);
            }
        }
        Ok(Self(out))
    }

    /// The value of `key`.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.0.get(key).map(String::as_str)
    }

    /// Whether `key` is `1` or `true` (any case), the original's boolean flags.
    pub fn flag(&self, key: &str) -> bool {
        self.get(key)
            .is_some_and(|v| v.eq_ignore_ascii_case("1") || v.eq_ignore_ascii_case("true"))
    }

    /// `page=` as the paged listings read it: required, an integer (Python `int()`: optional
    /// sign and surrounding blanks), non-negative and small enough to page.
    pub fn page(&self) -> Result<u64, ApiError> {
        let raw = self.get("page").ok_or(ApiError::PageRequired)?;
        let page: i128 = raw.trim().parse().map_err(|_| ApiError::InvalidPage)?;
        u64::try_from(page)
            .ok()
            .filter(|p| *p <= MAX_PAGE)
            .ok_or(ApiError::InvalidPage)
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Qs {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Qs::parse(parts.uri.query().unwrap_or(""))
    }
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                let hex = bytes
                    .get(i + 1..i + 3)
                    .and_then(|h| std::str::from_utf8(h).ok());
                match hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                    Some(b) => {
                        out.push(b);
                        i += 2;
                    }
                    None => out.push(b'%'),
                }
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Whether `name` fits the route table's NAME class, `[a-z0-9\-_.+]{3,37}`.
pub fn name_route_ok(name: &str) -> bool {
    (3..=37).contains(&name.len())
        && name.bytes().all(|b| {
            b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'-' | b'_' | b'.' | b'+')
        })
}

/// Whether `ns` fits the NAMESPACE class, `[a-z0-9\-_+]{1,19}`.
pub fn namespace_route_ok(ns: &str) -> bool {
    (1..=19).contains(&ns.len())
        && ns.bytes().all(|b| {
            b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'-' | b'_' | b'+')
        })
}

/// `/v1/blockchains/{chain}/…` only knows `bitcoin`.
pub fn bitcoin_only(chain: &str) -> Result<(), ApiError> {
    if chain == "bitcoin" {
        Ok(())
    } else {
        Err(ApiError::UnsupportedBlockchain)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_strings() {
        let q = Qs::parse("page=2&all=TRUE&x=a%20b+c&blank=").expect("parse");
        assert_eq!(q.page().expect("page"), 2);
        assert!(q.flag("all"));
        assert_eq!(q.get("x"), Some("a b c"));
        assert_eq!(q.get("blank"), None);
        assert!(matches!(
            Qs::parse("a=1&a=2"),
            Err(ApiError::DuplicateQueryKey)
        ));
        assert!(matches!(
            Qs::parse("").expect("empty").page(),
            Err(ApiError::PageRequired)
        ));
        for bad in [
            "page=x",
            "page=-1",
            "page=1e3",
            "page=99999999999999999999999",
        ] {
            assert!(matches!(
                Qs::parse(bad).expect("q").page(),
                Err(ApiError::InvalidPage)
            ));
        }
        assert_eq!(Qs::parse("q=%zz%4").expect("q").get("q"), Some("%zz%4"));
    }
}
