//! Writing a fresh `blockstack-server.ini` for
//! `configure --network <net> --bitcoind-url http://USER:PASS@HOST:PORT/`.
//!
//! The file lists every key v0.18 writes, with the network's defaults, so an
//! operator sees what can be changed; it reads back through
//! [`Settings::load`](super::Settings::load) to the same values.

use std::fmt::Write as _;
use std::path::Path;

use reqwest::Url;

use super::ini::escape_value;
use super::{
    HostPort, Network, Settings, SettingsError, SettingsLayer, CONFIG_FILE_NAME, SERVER_VERSION,
};

/// The parts of a `--bitcoind-url`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BitcoindUrl {
    /// Host name or address.
    pub host: String,
    /// RPC port; the network's default when the URL has none.
    pub port: Option<u16>,
    /// RPC user (percent-decoded).
    pub user: String,
    /// RPC password (percent-decoded).
    pub password: String,
}

impl BitcoindUrl {
    /// Parses `http://USER:PASS@HOST[:PORT][/]`.
    pub fn parse(url: &str) -> Result<Self, SettingsError> {
        let invalid = |reason: &str| SettingsError::Invalid {
            key: "--bitcoind-url".to_owned(),
            value: redact(url),
            reason: reason.to_owned(),
        };
        let parsed = Url::parse(url).map_err(|e| invalid(&e.to_string()))?;
        if parsed.scheme() != "http" {
            return Err(invalid(
                "expected http://USER:PASS@HOST:PORT/ (bitcoind RPC has no TLS)",
            ));
        }
        if !matches!(parsed.path(), "" | "/") || parsed.query().is_some() {
            return Err(invalid("expected no path or query after HOST:PORT"));
        }
        let host = parsed
            .host_str()
            .filter(|h| !h.is_empty())
            .ok_or_else(|| invalid("no host"))?;
        let host = host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .to_owned();
        if parsed.username().is_empty() {
            return Err(invalid("no user: expected http://USER:PASS@HOST:PORT/"));
        }
        let decode = |s: &str| {
            percent_decode(s)
                .ok_or_else(|| invalid("credentials are not valid percent-encoded UTF-8"))
        };
        Ok(BitcoindUrl {
            host,
            port: parsed.port(),
            user: decode(parsed.username())?,
            password: decode(parsed.password().unwrap_or(""))?,
        })
    }
}

/// Renders the INI text for `network`, bitcoind at `bitcoind_url`, and data
/// files under `working_dir`.
pub fn render_config(
    network: Network,
    bitcoind_url: &str,
    working_dir: &Path,
) -> Result<String, SettingsError> {
    let url = BitcoindUrl::parse(bitcoind_url)?;
    // Start from what loading an empty file would give, so defaults are
    // written exactly as they would be applied. The process environment is
    // not consulted: the file must not depend on the shell it was written in.
    let no_env = std::collections::HashMap::<String, String>::new();
    let layer = SettingsLayer {
        network: Some(network),
        working_dir: Some(working_dir.to_path_buf()),
        config_file: Some(working_dir.join(CONFIG_FILE_NAME)),
        bitcoind_server: Some(url.host.clone()),
        bitcoind_port: url.port,
        bitcoind_user: Some(url.user.clone()),
        bitcoind_passwd: Some(url.password.clone()),
        server_version: Some(SERVER_VERSION.to_owned()),
        ..SettingsLayer::default()
    };
    let settings = Settings::resolve(layer, &no_env)?;

    let b = &settings.bitcoind;
    let s = &settings.blockstack;
    let path = |p: &Path| p.display().to_string();
    let list = |items: &[HostPort]| {
        items
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(",")
    };
    let flag = |b: bool| if b { "True" } else { "False" };

    let mut ini = IniWriter::default();
    let _ = writeln!(
        ini.out,
        "# blockstack-server.ini for {network}, written by configure"
    );
    ini.section("bitcoind");
    ini.key("server", &b.server)?;
    ini.key("port", &b.port.to_string())?;
    ini.key("p2p_port", &b.p2p_port.to_string())?;
    ini.key("user", &b.user)?;
    ini.key("passwd", &b.passwd)?;
    ini.key("timeout", &b.timeout.as_secs().to_string())?;
    ini.key("regtest", flag(b.regtest))?;
    ini.key("spv_path", &path(&b.spv_path))?;
    ini.section("blockstack");
    ini.key("network", network.as_str())?;
    ini.key(
        "server_version",
        s.server_version.as_deref().unwrap_or(SERVER_VERSION),
    )?;
    ini.key("rpc_port", &s.rpc_port.to_string())?;
    ini.key("backup_frequency", &s.backup_frequency.to_string())?;
    ini.key("backup_max_age", &s.backup_max_age.to_string())?;
    ini.key("zonefiles", &path(&s.zonefiles))?;
    ini.key("atlas", flag(s.atlas))?;
    ini.key("atlas_seeds", &list(&s.atlas_seeds))?;
    ini.key("atlas_blacklist", &list(&s.atlas_blacklist))?;
    ini.key("atlas_hostname", s.atlas_hostname.as_deref().unwrap_or(""))?;
    ini.key("atlas_port", &s.atlas_port.to_string())?;
    ini.key("atlasdb_path", &path(&s.atlasdb_path))?;
    ini.key("subdomaindb_path", &path(&s.subdomaindb_path))?;
    ini.key("announcers", &s.announcers.join(","))?;
    Ok(ini.out)
}

/// Accumulates `[section]` headers and `key = value` lines.
#[derive(Default)]
struct IniWriter {
    out: String,
}

impl IniWriter {
    fn section(&mut self, name: &str) {
        let _ = writeln!(self.out, "\n[{name}]");
    }

    fn key(&mut self, key: &str, value: &str) -> Result<(), SettingsError> {
        check_writable(key, value)?;
        let _ = writeln!(self.out, "{key} = {}", escape_value(value));
        Ok(())
    }
}

/// Values an INI line cannot carry unchanged.
fn check_writable(key: &str, value: &str) -> Result<(), SettingsError> {
    let invalid = |reason: &str| SettingsError::Invalid {
        key: key.to_owned(),
        value: if key == "passwd" {
            "<redacted>".to_owned()
        } else {
            value.to_owned()
        },
        reason: reason.to_owned(),
    };
    if value.contains(['\n', '\r']) {
        return Err(invalid("cannot contain a line break"));
    }
    if value != value.trim() {
        return Err(invalid("cannot start or end with whitespace"));
    }
    let bytes = value.as_bytes();
    if bytes
        .windows(2)
        .any(|w| w[0].is_ascii_whitespace() && w[1] == b';')
    {
        return Err(invalid(
            "cannot contain whitespace followed by `;` (read back as a comment)",
        ));
    }
    Ok(())
}

fn percent_decode(s: &str) -> Option<String> {
    let mut out = Vec::with_capacity(s.len());
    let mut bytes = s.bytes();
    while let Some(b) = bytes.next() {
        if b == b'%' {
            let hi = bytes.next()?;
            let lo = bytes.next()?;
            let hex = [hi, lo];
            out.push(u8::from_str_radix(std::str::from_utf8(&hex).ok()?, 16).ok()?);
        } else {
            out.push(b);
        }
    }
    String::from_utf8(out).ok()
}

fn redact(url: &str) -> String {
    match url.split_once("://") {
        Some((scheme, rest)) => match rest.rsplit_once('@') {
            Some((_, host)) => format!("{scheme}://<credentials>@{host}"),
            None => url.to_owned(),
        },
        None => url.to_owned(),
    }
}
