//! The original's rule for privileged routes (rest-api.md §3): the API password as a bearer
//! token, accepted only from a whitelisted `Origin`.

use axum::http::HeaderMap;

/// The UI ports whose local origins may use the API password: the Blockstack Browser and its
/// development server.
pub const UI_PORTS: [u16; 2] = [8888, 3000];
/// The extra UI port of the original's test mode.
pub const TEST_UI_PORT: u16 = 16268;

/// Who may call privileged routes.
#[derive(Debug, Clone)]
pub struct Auth {
    password: String,
    origins: Vec<String>,
}

impl Auth {
    /// The password `api_password` from the local origins of [`UI_PORTS`] (and
    /// [`TEST_UI_PORT`] in test mode), for this host name.
    pub fn new(password: impl Into<String>, hostname: &str, test_mode: bool) -> Self {
        let mut ports = UI_PORTS.to_vec();
        if test_mode {
            ports.push(TEST_UI_PORT);
        }
        let origins = ports
            .iter()
            .flat_map(|port| {
                ["localhost", hostname, "127.0.0.1", "::1"]
                    .into_iter()
                    .map(move |host| format!("http://{host}:{port}"))
            })
            .collect();
        Auth {
            password: password.into(),
            origins,
        }
    }

    /// The origins allowed to use the password.
    pub fn origins(&self) -> &[String] {
        &self.origins
    }

    /// Whether a request carries the password from an allowed origin.
    pub fn allows(&self, headers: &HeaderMap) -> bool {
        let origin_ok = headers
            .get("origin")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|origin| {
                self.origins
                    .iter()
                    .any(|o| o == origin.trim_end_matches('/'))
            });
        let token = headers
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split_once(' '))
            .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
            .map(|(_, token)| token.trim());
        origin_ok
            && !self.password.is_empty()
            && token.is_some_and(|t| constant_time_eq(t.as_bytes(), self.password.as_bytes()))
    }
}

/// Compares two byte strings in time independent of where they differ.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, v.parse().unwrap());
        }
        h
    }

    #[test]
    fn the_password_counts_only_from_a_whitelisted_origin() {
        let auth = Auth::new("secret", "myhost", false);
        let ok = [
            ("authorization", "bearer secret"),
            ("origin", "http://localhost:8888"),
        ];
        assert!(auth.allows(&headers(&ok)));
        assert!(auth.allows(&headers(&[
            ("authorization", "Bearer secret"),
            ("origin", "http://myhost:3000")
        ])));
        // No origin, a foreign origin, the test port outside test mode.
        assert!(!auth.allows(&headers(&[("authorization", "bearer secret")])));
        for origin in [
            "http://evil.com",
            "http://localhost:16268",
            "https://localhost:8888",
        ] {
            assert!(!auth.allows(&headers(&[
                ("authorization", "bearer secret"),
                ("origin", origin)
            ])));
        }
        assert!(Auth::new("secret", "h", true).allows(&headers(&[
            ("authorization", "bearer secret"),
            ("origin", "http://localhost:16268")
        ])));
        // Wrong or missing password, wrong scheme.
        for authz in ["bearer secreT", "bearer secret2", "basic secret", "secret"] {
            assert!(!auth.allows(&headers(&[
                ("authorization", authz),
                ("origin", "http://localhost:8888")
            ])));
        }
        assert!(!auth.allows(&headers(&[("origin", "http://localhost:8888")])));
        // An empty configured password never matches.
        assert!(!Auth::new("", "h", false).allows(&headers(&[
            ("authorization", "bearer "),
            ("origin", "http://localhost:8888")
        ])));
    }
}
