//! The subdomain record and the byte string its owner signs (spec
//! `subdomains.md` §2–3.1, `Subdomain` in `blockstack/lib/subdomains.py`).

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;

use super::name::split_subdomain;
use crate::record::{TxtData, TxtRecord};

/// Base64 characters per `zfN` piece: room for the `zfNN=` prefix under
/// the 255-byte DNS string limit.
pub const ZONEFILE_PIECE_LEN: usize = 250;

/// One subdomain operation as carried in a TXT record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubdomainRecord {
    /// Fully-qualified name, `label.name.namespace`.
    pub fqn: String,
    /// The on-chain name whose zone file carried the record (not
    /// necessarily the parent domain of `fqn`).
    pub carrier: String,
    /// Owner address, exactly as written in the record.
    pub owner: String,
    /// Sequence number (`seqn`).
    pub sequence: i64,
    /// The subdomain's own zone file (decoded `zf0…` pieces).
    pub zonefile: Vec<u8>,
    /// The base64 scriptSig from `sig`, if present.
    pub signature: Option<String>,
}

impl SubdomainRecord {
    /// The label, i.e. `fqn` up to its first dot.
    pub fn label(&self) -> &str {
        self.fqn.split('.').next().unwrap_or_default()
    }

    /// The parent domain (`name.namespace`) of `fqn`, if `fqn` is valid.
    pub fn parent_domain(&self) -> Option<&str> {
        split_subdomain(&self.fqn).map(|(_, domain)| domain)
    }

    /// Whether the carrier is not the parent domain (spec §1): the fqn does
    /// not end in `"." + carrier`.
    pub fn is_independent(&self) -> bool {
        !self
            .fqn
            .strip_suffix(self.carrier.as_str())
            .is_some_and(|head| head.ends_with('.'))
    }

    /// The TXT owner name / first signed field: the label when dependent,
    /// the full name when independent.
    pub fn name_part(&self) -> &str {
        if self.is_independent() {
            &self.fqn
        } else {
            split_subdomain(&self.fqn)
                .map(|(label, _)| label)
                .unwrap_or_else(|| self.label())
        }
    }

    /// hash160 of the subdomain's zone file (its `value_hash`).
    pub fn zonefile_hash(&self) -> String {
        crate::zonefile_hash(&self.zonefile)
    }

    /// The value stored in the v0.18 database's `signature` column: the
    /// scriptSig, or the literal `None` (Python's `str(None)`) when absent.
    pub fn signature_column(&self) -> &str {
        self.signature.as_deref().unwrap_or("None")
    }

    /// The canonical base64 pieces of the zone file: standard padded
    /// base64 cut into [`ZONEFILE_PIECE_LEN`]-character slices; none for
    /// an empty zone file.
    pub fn zonefile_pieces(&self) -> Vec<String> {
        let encoded = STANDARD.encode(&self.zonefile);
        encoded
            .as_bytes()
            .chunks(ZONEFILE_PIECE_LEN)
            .map(|c| String::from_utf8_lossy(c).into_owned())
            .collect()
    }

    /// The strings of the record in signing order, `=` escaped in values
    /// (`pack_subdomain`): name part, `owner=`, `seqn=`, `parts=`, `zfN=`…,
    /// then `sig=` when `with_signature` and a signature is present.
    fn packed(&self, with_signature: bool) -> Vec<String> {
        let pieces = self.zonefile_pieces();
        let mut out = vec![
            self.name_part().to_owned(),
            key_value("owner", &self.owner),
            key_value("seqn", &self.sequence.to_string()),
            key_value("parts", &pieces.len().to_string()),
        ];
        out.extend(
            pieces
                .iter()
                .enumerate()
                .map(|(i, piece)| key_value(&format!("zf{i}"), piece)),
        );
        if with_signature {
            if let Some(sig) = &self.signature {
                out.push(key_value("sig", sig));
            }
        }
        out
    }

    /// The exact bytes the owner signs (spec §3.1,
    /// `get_plaintext_to_sign`): the packed strings without `sig`, joined
    /// by commas. The zone file pieces are recomputed, so a signature only
    /// verifies if it was made over the canonical split.
    pub fn plaintext(&self) -> String {
        self.packed(false).join(",")
    }

    /// The TXT record a registrar writes for this operation
    /// (`serialize_to_txt`): owner name = name part, strings = the packed
    /// fields including `sig`.
    pub fn to_txt_record(&self) -> TxtRecord {
        let mut strings = self.packed(true);
        let name = if strings.is_empty() {
            String::new()
        } else {
            strings.remove(0)
        };
        TxtRecord {
            name,
            ttl: None,
            txt: TxtData::Multi(strings),
        }
    }
}

/// `txt_encode_key_value`: `key=value` with every `=` in the value written
/// as `\=`.
fn key_value(key: &str, value: &str) -> String {
    format!("{key}={}", value.replace('=', "\\="))
}

#[cfg(test)]
mod tests {
    use super::*;
    use bitcoin::hashes::{sha256, Hash};

    fn foo() -> SubdomainRecord {
        SubdomainRecord {
            fqn: "foo.bar.id".into(),
            carrier: "bar.id".into(),
            owner: "1MwPD6dH4fE3gQ9mCov81L1DEQWT7E85qH".into(),
            sequence: 1,
            zonefile:
                b"$ORIGIN foo\n$TTL 3600\n_http._tcp URI 10 1 \"https://example.com/foo.json\"\n"
                    .to_vec(),
            signature: Some("c2ln".into()),
        }
    }

    #[test]
    fn plaintext_matches_spec_worked_example() {
        let rec = foo();
        let expected = "foo,owner=1MwPD6dH4fE3gQ9mCov81L1DEQWT7E85qH,seqn=1,parts=1,zf0=JE9SSUdJTiBmb28KJFRUTCAzNjAwCl9odHRwLl90Y3AgVVJJIDEwIDEgImh0dHBzOi8vZXhhbXBsZS5jb20vZm9vLmpzb24iCg\\=\\=";
        assert_eq!(rec.plaintext(), expected);
        assert_eq!(
            sha256::Hash::hash(rec.plaintext().as_bytes()).to_string(),
            "accb3ca9b837bfab569ae9cb62c1fc657bad31a630f0fc0565cc8b21aad149dc"
        );
    }

    #[test]
    fn independent_records_sign_the_full_name() {
        let rec = SubdomainRecord {
            carrier: "other.id".into(),
            ..foo()
        };
        assert!(rec.is_independent());
        assert!(rec.plaintext().starts_with("foo.bar.id,owner="));
        // A carrier that is only a suffix of the parent label does not count.
        let rec = SubdomainRecord {
            carrier: "ar.id".into(),
            ..foo()
        };
        assert!(rec.is_independent());
    }

    #[test]
    fn pieces_are_250_characters() {
        let rec = SubdomainRecord {
            zonefile: vec![7u8; 400],
            ..foo()
        };
        let pieces = rec.zonefile_pieces();
        assert_eq!(
            pieces.iter().map(String::len).collect::<Vec<_>>(),
            [250, 250, 36]
        );
        assert!(rec.plaintext().contains(",parts=3,zf0="));
        let empty = SubdomainRecord {
            zonefile: Vec::new(),
            ..foo()
        };
        assert!(empty.zonefile_pieces().is_empty());
        assert!(empty.plaintext().ends_with(",parts=0"));
    }

    #[test]
    fn txt_record_appends_signature_and_none_column() {
        let rec = foo();
        let txt = rec.to_txt_record();
        assert_eq!(txt.name, "foo");
        assert_eq!(
            txt.txt.strings().last().map(String::as_str),
            Some("sig=c2ln")
        );
        let unsigned = SubdomainRecord {
            signature: None,
            ..foo()
        };
        assert_eq!(unsigned.signature_column(), "None");
    }
}
