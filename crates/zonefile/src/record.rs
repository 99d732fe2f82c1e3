//! Typed zone file records, shaped like the dictionaries
//! `blockstack_zones.parse_zone_file` returns (spec §2.3–2.4).
//!
//! Field names and JSON keys follow the original exactly so that
//! `serde_json` produces the same objects. `ttl` is omitted when the record
//! had none, as the original deletes `None` fields.

use serde::{Deserialize, Serialize};

/// Keywords the reference parser recognises, including the two directives
/// (`SUPPORTED_RECORDS` in `blockstack_zones/configs.py`).
pub const SUPPORTED_KEYWORDS: [&str; 14] = [
    "$ORIGIN", "$TTL", "SOA", "NS", "A", "AAAA", "CNAME", "ALIAS", "MX", "PTR", "TXT", "SRV",
    "SPF", "URI",
];

/// Whether `token` is exactly (case-sensitively) a supported keyword.
pub(crate) fn is_supported_keyword(token: &str) -> bool {
    SUPPORTED_KEYWORDS.contains(&token)
}

/// The resource record types the parser accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum RecordType {
    /// Start of authority.
    Soa,
    /// Name server.
    Ns,
    /// IPv4 address.
    A,
    /// IPv6 address.
    Aaaa,
    /// Canonical name.
    Cname,
    /// The non-standard ALIAS record.
    Alias,
    /// Mail exchanger.
    Mx,
    /// Pointer (always rejected by the 0.17.0.2 parser, see
    /// [`crate::ParseError::PtrRecord`]).
    Ptr,
    /// Text strings.
    Txt,
    /// Service locator.
    Srv,
    /// Sender policy framework.
    Spf,
    /// URI (RFC 7553), used by BNS for profile locations.
    Uri,
}

impl RecordType {
    /// Every type, in the order the serializer writes them (the
    /// `DEFAULT_TEMPLATE` order, spec §3).
    pub const SERIALIZATION_ORDER: [RecordType; 12] = [
        RecordType::Soa,
        RecordType::Ns,
        RecordType::Mx,
        RecordType::A,
        RecordType::Aaaa,
        RecordType::Cname,
        RecordType::Alias,
        RecordType::Ptr,
        RecordType::Txt,
        RecordType::Srv,
        RecordType::Spf,
        RecordType::Uri,
    ];

    /// The upper-case keyword used in zone file text.
    pub fn keyword(self) -> &'static str {
        match self {
            RecordType::Soa => "SOA",
            RecordType::Ns => "NS",
            RecordType::A => "A",
            RecordType::Aaaa => "AAAA",
            RecordType::Cname => "CNAME",
            RecordType::Alias => "ALIAS",
            RecordType::Mx => "MX",
            RecordType::Ptr => "PTR",
            RecordType::Txt => "TXT",
            RecordType::Srv => "SRV",
            RecordType::Spf => "SPF",
            RecordType::Uri => "URI",
        }
    }

    /// Look a keyword up case-sensitively, as the parser does.
    pub fn from_keyword(keyword: &str) -> Option<RecordType> {
        Self::SERIALIZATION_ORDER
            .into_iter()
            .find(|t| t.keyword() == keyword)
    }

    /// The fields following the type keyword, in order, and whether each
    /// is converted with `int()` (`make_parser` in `parse_zone_file.py`).
    pub(crate) fn fields(self) -> &'static [(&'static str, FieldKind)] {
        use FieldKind::{Int, Str};
        match self {
            RecordType::Soa => &[
                ("mname", Str),
                ("rname", Str),
                ("serial", Int),
                ("refresh", Int),
                ("retry", Int),
                ("expire", Int),
                ("minimum", Int),
            ],
            RecordType::Ns | RecordType::Alias | RecordType::Ptr => &[("host", Str)],
            RecordType::A | RecordType::Aaaa => &[("ip", Str)],
            RecordType::Cname => &[("alias", Str)],
            RecordType::Mx => &[("preference", Str), ("host", Str)],
            RecordType::Txt => &[("txt", Str)],
            RecordType::Srv => &[
                ("priority", Int),
                ("weight", Int),
                ("port", Int),
                ("target", Str),
            ],
            RecordType::Spf => &[("data", Str)],
            RecordType::Uri => &[("priority", Int), ("weight", Int), ("target", Str)],
        }
    }
}

/// How a record field is converted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum FieldKind {
    /// Kept as the token text.
    Str,
    /// Python `int()`.
    Int,
}

/// SOA record. The five numbers are integers; `mname`/`rname` are kept
/// verbatim.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SoaRecord {
    /// Owner name as written (`@` when omitted).
    pub name: String,
    /// Per-record TTL, if given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ttl: Option<i64>,
    /// Primary name server.
    pub mname: String,
    /// Responsible mailbox.
    pub rname: String,
    /// Serial number.
    pub serial: i64,
    /// Refresh interval.
    pub refresh: i64,
    /// Retry interval.
    pub retry: i64,
    /// Expiry.
    pub expire: i64,
    /// Minimum (negative caching) TTL.
    pub minimum: i64,
}

/// A record whose only field is a host name (NS, ALIAS).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HostRecord {
    /// Owner name as written.
    pub name: String,
    /// Per-record TTL, if given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ttl: Option<i64>,
    /// Target host.
    pub host: String,
}

/// An A or AAAA record. The address is not validated (spec §2.3).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AddressRecord {
    /// Owner name as written.
    pub name: String,
    /// Per-record TTL, if given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ttl: Option<i64>,
    /// The address text.
    pub ip: String,
}

/// A CNAME record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CnameRecord {
    /// Owner name as written.
    pub name: String,
    /// Per-record TTL, if given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ttl: Option<i64>,
    /// Canonical name.
    pub alias: String,
}

/// An MX record. The preference stays a string, as in the original.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MxRecord {
    /// Owner name as written.
    pub name: String,
    /// Per-record TTL, if given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ttl: Option<i64>,
    /// Preference, unparsed.
    pub preference: String,
    /// Mail host.
    pub host: String,
}

/// A PTR record. The parser never produces one (see
/// [`crate::ParseError::PtrRecord`]); the type exists so JSON zone files
/// holding PTR records can still be serialized.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PtrRecord {
    /// Owner name as written.
    pub name: String,
    /// Per-record TTL, if given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ttl: Option<i64>,
    /// Target host.
    pub host: String,
    /// `name + "." + $ORIGIN`, which the original meant to add.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fullname: Option<String>,
}

/// The character strings of a TXT record: a lone string is kept as a
/// string, several as a list (spec §2.4 — subdomain records must be lists,
/// a `_missing` record must be a single string).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum TxtData {
    /// Exactly one string.
    Single(String),
    /// Two or more strings.
    Multi(Vec<String>),
}

impl TxtData {
    /// Build from the parsed strings, collapsing a single one.
    pub fn from_strings(mut strings: Vec<String>) -> TxtData {
        if strings.len() == 1 {
            if let Some(only) = strings.pop() {
                return TxtData::Single(only);
            }
        }
        TxtData::Multi(strings)
    }

    /// The strings, in order.
    pub fn strings(&self) -> &[String] {
        match self {
            TxtData::Single(s) => std::slice::from_ref(s),
            TxtData::Multi(v) => v,
        }
    }
}

/// A TXT record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TxtRecord {
    /// Owner name as written.
    pub name: String,
    /// Per-record TTL, if given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ttl: Option<i64>,
    /// The strings.
    pub txt: TxtData,
}

/// An SRV record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SrvRecord {
    /// Owner name as written.
    pub name: String,
    /// Per-record TTL, if given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ttl: Option<i64>,
    /// Priority.
    pub priority: i64,
    /// Weight.
    pub weight: i64,
    /// Port.
    pub port: i64,
    /// Target host.
    pub target: String,
}

/// An SPF record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SpfRecord {
    /// Owner name as written.
    pub name: String,
    /// Per-record TTL, if given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ttl: Option<i64>,
    /// Policy text.
    pub data: String,
}

/// A URI record; BNS puts profile URLs here (spec §4.1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UriRecord {
    /// Owner name as written (e.g. `_https._tcp`).
    pub name: String,
    /// Per-record TTL, if given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ttl: Option<i64>,
    /// Priority (advisory in v0.18).
    pub priority: i64,
    /// Weight (advisory in v0.18).
    pub weight: i64,
    /// The URI, without the quotes.
    pub target: String,
}

/// A parsed zone file in the shape of the original's JSON dictionary.
///
/// Lists are omitted from JSON when empty, as the original's `defaultdict`
/// only holds keys for types that occurred.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Zonefile {
    /// `$ORIGIN` (the last one wins).
    #[serde(rename = "$origin", default, skip_serializing_if = "Option::is_none")]
    pub origin: Option<String>,
    /// `$TTL` (the last one wins).
    #[serde(rename = "$ttl", default, skip_serializing_if = "Option::is_none")]
    pub ttl: Option<i64>,
    /// SOA records.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub soa: Vec<SoaRecord>,
    /// NS records.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ns: Vec<HostRecord>,
    /// A records.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub a: Vec<AddressRecord>,
    /// AAAA records.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub aaaa: Vec<AddressRecord>,
    /// CNAME records.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cname: Vec<CnameRecord>,
    /// ALIAS records.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub alias: Vec<HostRecord>,
    /// MX records.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub mx: Vec<MxRecord>,
    /// PTR records (never produced by the parser).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ptr: Vec<PtrRecord>,
    /// TXT records.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub txt: Vec<TxtRecord>,
    /// SRV records.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub srv: Vec<SrvRecord>,
    /// SPF records.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub spf: Vec<SpfRecord>,
    /// URI records.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub uri: Vec<UriRecord>,
}

impl Zonefile {
    /// The JSON value the original parser would return for this zone file.
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::to_value(self).unwrap_or(serde_json::Value::Null)
    }
}
