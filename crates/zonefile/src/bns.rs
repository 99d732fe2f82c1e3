//! BNS conventions on top of the zone file format (spec `zonefile.md`
//! §4.1, §5.3): the layout v0.18 tools write for a name, the data public
//! key and the profile URLs (`make_empty_zonefile`, `url_to_uri_record`,
//! `user_zonefile_data_pubkey` and `user_zonefile_urls` in
//! `blockstack_client`).

use thiserror::Error;

use crate::record::{TxtData, TxtRecord, UriRecord, Zonefile};
use crate::schema::{validate, SchemaVariant};

/// `$TTL` of zone files written by the v0.18 tools (`USER_ZONEFILE_TTL`).
pub const USER_ZONEFILE_TTL: i64 = 3600;

/// Prefix of the TXT string holding the data public key.
pub const DATA_PUBKEY_PREFIX: &str = "pubkey:data:";

/// Transport protocol of a URL scheme, as the OS services database
/// reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transport {
    /// `_tcp`.
    Tcp,
    /// `_udp`.
    Udp,
}

/// A URL the URI record builder cannot use.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("url {0:?} does not have exactly one \"://\"")]
pub struct UrlWithoutScheme(pub String);

/// The transports `getservbyname` knows for the schemes storage drivers
/// use, standing in for the services database the original consults
/// (TCP is tried first). Schemes it does not know return `None`.
pub fn well_known_transport(scheme: &str) -> Option<Transport> {
    match scheme {
        "http" | "https" | "ftp" | "ftps" | "ssh" | "sftp" | "git" | "imap" | "imaps" | "ldap"
        | "ldaps" | "smtp" | "telnet" | "rsync" | "irc" | "xmpp-client" => Some(Transport::Tcp),
        "tftp" | "ntp" | "snmp" => Some(Transport::Udp),
        _ => None,
    }
}

/// `url_to_uri_record`: priority 10, weight 1, target the URL, and owner
/// name `_<scheme>._<tcp|udp>` when `transport` knows the lower-cased
/// scheme, `_<a>._<b>` for a scheme `a+b`, else `_<scheme>`.
pub fn uri_record_for_url(
    url: &str,
    transport: impl Fn(&str) -> Option<Transport>,
) -> Result<UriRecord, UrlWithoutScheme> {
    let mut parts = url.split("://");
    let (Some(scheme), Some(_), None) = (parts.next(), parts.next(), parts.next()) else {
        return Err(UrlWithoutScheme(url.to_owned()));
    };
    let scheme = scheme.to_ascii_lowercase();
    let name = match transport(&scheme) {
        Some(Transport::Tcp) => format!("_{scheme}._tcp"),
        Some(Transport::Udp) => format!("_{scheme}._udp"),
        None => match scheme.split_once('+') {
            Some((base, proto)) if !proto.contains('+') => format!("_{base}._{proto}"),
            _ => format!("_{scheme}"),
        },
    };
    Ok(UriRecord {
        name,
        ttl: None,
        priority: 10,
        weight: 1,
        target: url.to_owned(),
    })
}

/// `make_empty_zonefile`: the zone file v0.18 tools write for `name`, with
/// an optional data public key and one URI record per profile URL, using
/// [`well_known_transport`].
pub fn make_user_zonefile(
    name: &str,
    data_pubkey: Option<&str>,
    urls: &[&str],
) -> Result<Zonefile, UrlWithoutScheme> {
    let uri = urls
        .iter()
        .map(|url| uri_record_for_url(url, well_known_transport))
        .collect::<Result<Vec<_>, _>>()?;
    let txt = data_pubkey
        .map(|key| TxtRecord {
            name: "pubkey".to_owned(),
            ttl: None,
            txt: TxtData::Single(format!("{DATA_PUBKEY_PREFIX}{key}")),
        })
        .into_iter()
        .collect();
    Ok(Zonefile {
        origin: Some(name.to_owned()),
        ttl: Some(USER_ZONEFILE_TTL),
        txt,
        uri,
        ..Zonefile::default()
    })
}

/// A zone file naming more than one data public key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
#[error("zone file has more than one pubkey:data: record")]
pub struct MultipleDataKeys;

/// `user_zonefile_data_pubkey` without the decompression: the hex public
/// key of the single-string TXT record starting with `pubkey:data:`.
///
/// `None` when the zone file fails the client schema, has no such record,
/// or the last one read is not 66 or 130 hex digits. A second such record
/// after a valid one is an error; after an invalid one it is used.
pub fn data_public_key(zf: &Zonefile) -> Result<Option<String>, MultipleDataKeys> {
    if validate(zf, SchemaVariant::Client).is_err() {
        return Ok(None);
    }
    let mut found: Option<String> = None;
    for txt in &zf.txt {
        let TxtData::Single(s) = &txt.txt else {
            continue;
        };
        let Some(key) = s.strip_prefix(DATA_PUBKEY_PREFIX) else {
            continue;
        };
        if found.is_some() {
            return Err(MultipleDataKeys);
        }
        let is_key = matches!(key.len(), 66 | 130) && key.bytes().all(|b| b.is_ascii_hexdigit());
        found = is_key.then(|| key.to_owned());
    }
    Ok(found)
}

/// `user_zonefile_urls`: the URI targets in file order, with surrounding
/// quotes stripped and `https://` added when Python 2's `urlparse` finds
/// no scheme. Priorities and weights are ignored, as in v0.18.
pub fn profile_urls(zf: &Zonefile) -> Vec<String> {
    zf.uri
        .iter()
        .map(|r| {
            let url = r.target.trim_matches('"');
            if has_url_scheme(url) {
                url.to_owned()
            } else {
                format!("https://{url}")
            }
        })
        .collect()
}

/// Python 2.7 `urlparse.urlsplit` scheme detection: text before the first
/// `:` made of letters, digits, `+`, `-` and `.`, unless what follows the
/// colon is a non-empty run of digits (then it was a port). Nothing at all
/// after the colon still makes a scheme.
fn has_url_scheme(url: &str) -> bool {
    let Some((scheme, rest)) = url.split_once(':') else {
        return false;
    };
    if scheme.is_empty() {
        return false;
    }
    if scheme == "http" {
        return true;
    }
    let scheme_ok = scheme
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b"+-.".contains(&b));
    scheme_ok && (rest.is_empty() || !rest.bytes().all(|b| b.is_ascii_digit()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::serialize;

    #[test]
    fn writes_the_v018_layout() {
        let zf = make_user_zonefile(
            "alice.id",
            Some("02aa"),
            &[
                "https://gaia.example.org/hub/1A/profile.json",
                "file:///tmp/alice",
            ],
        )
        .expect("valid urls");
        assert_eq!(
            serialize(&zf),
            "$ORIGIN alice.id\n$TTL 3600\npubkey TXT \"pubkey:data:02aa\"\n\
             _https._tcp URI 10 1 \"https://gaia.example.org/hub/1A/profile.json\"\n\
             _file URI 10 1 \"file:///tmp/alice\"\n"
        );
    }

    #[test]
    fn uri_record_names() {
        let name = |url| uri_record_for_url(url, well_known_transport).map(|r| r.name);
        assert_eq!(name("HTTP://x"), Ok("_http._tcp".to_owned()));
        assert_eq!(name("git+ssh://x"), Ok("_git._ssh".to_owned()));
        assert_eq!(name("a+b+c://x"), Ok("_a+b+c".to_owned()));
        assert_eq!(name("tftp://x"), Ok("_tftp._udp".to_owned()));
        assert!(name("no-scheme").is_err());
        assert!(name("a://b://c").is_err());
    }

    #[test]
    fn data_key_rules() {
        let key = "02".to_owned() + &"ab".repeat(32);
        let base = "$ORIGIN a.id\n$TTL 3600\n_h URI 1 1 \"https://x.co/p\"\n";
        let with = |txt: &str| crate::parse(&format!("{base}{txt}")).expect("parses");
        assert_eq!(
            data_public_key(&with(&format!("pubkey TXT \"pubkey:data:{key}\"\n"))),
            Ok(Some(key.clone()))
        );
        assert_eq!(
            data_public_key(&with("pubkey TXT \"pubkey:data:zz\"\n")),
            Ok(None)
        );
        assert_eq!(
            data_public_key(&with(&format!(
                "a TXT \"pubkey:data:{key}\"\nb TXT \"pubkey:data:{key}\"\n"
            ))),
            Err(MultipleDataKeys)
        );
        assert_eq!(
            data_public_key(&with(&format!(
                "a TXT \"pubkey:data:bad\"\nb TXT \"pubkey:data:{key}\"\n"
            ))),
            Ok(Some(key.clone()))
        );
        // No URI record: not a user zone file for the client.
        let no_uri = crate::parse(&format!(
            "$ORIGIN a.id\n$TTL 1\np TXT \"pubkey:data:{key}\"\n"
        ))
        .expect("parses");
        assert_eq!(data_public_key(&no_uri), Ok(None));
    }

    #[test]
    fn profile_urls_get_a_scheme() {
        let zf = crate::parse(
            "_a URI 1 1 \"https://x.co/p\"\n_b URI 1 1 \"x.co/p\"\n_c URI 1 1 \"x.co:8080\"\n_d URI 1 1 \"file:///p\"\n_e URI 1 1 \"x.co:\"\n_f URI 1 1 \"x_co:p\"\n",
        )
        .expect("parses");
        assert_eq!(
            profile_urls(&zf),
            [
                "https://x.co/p",
                "https://x.co/p",
                "https://x.co:8080",
                "file:///p",
                // `urlsplit("x.co:")` has the scheme `x.co` and an empty path.
                "x.co:",
                // `_` is not a scheme character.
                "https://x_co:p",
            ]
        );
    }
}
