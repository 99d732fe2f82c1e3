//! `parse_zone_file`: text to [`Zonefile`] (spec §2).

use crate::args::{read_line, RawLine, RawRecord};
use crate::error::ParseError;
use crate::passes::normalize;
use crate::pyint::{parse_py_int, PyInt};
use crate::record::{
    AddressRecord, CnameRecord, HostRecord, MxRecord, RecordType, SoaRecord, SpfRecord, SrvRecord,
    TxtData, TxtRecord, UriRecord, Zonefile,
};

/// Parse zone file text exactly as `blockstack_zones.parse_zone_file`
/// (0.17.0.2, `ignore_invalid=False`) does: every line must parse, the
/// first failure rejects the whole file.
///
/// Known differences, all rejections of input the original accepts:
/// integers beyond `i64` ([`ParseError::IntegerOutOfRange`]) and bare `--`
/// tokens ([`ParseError::ArgumentSeparator`]). Work is linear in the input
/// size, but callers handling untrusted bytes should apply
/// [`crate::check_size`] first, as a v0.18 node does.
pub fn parse(text: &str) -> Result<Zonefile, ParseError> {
    let mut zonefile = Zonefile::default();
    for tokens in normalize(text)? {
        match read_line(&tokens)? {
            RawLine::Origin(origin) => zonefile.origin = Some(origin),
            RawLine::Ttl(ttl) => {
                zonefile.ttl = Some(to_int(&ttl, "$TTL", &tokens)?);
            }
            RawLine::Record(raw) => add_record(&mut zonefile, raw, &tokens)?,
        }
    }
    Ok(zonefile)
}

/// Parse raw zone file bytes (what is hashed on chain). Non-UTF-8 input is
/// rejected; the original worked on Python 2 byte strings, so this is the
/// one input class where the two can differ.
pub fn parse_bytes(bytes: &[u8]) -> Result<Zonefile, ParseError> {
    let text = std::str::from_utf8(bytes).map_err(|e| ParseError::NotUtf8 {
        offset: e.valid_up_to(),
    })?;
    parse(text)
}

fn to_int(value: &str, field: &'static str, tokens: &[String]) -> Result<i64, ParseError> {
    match parse_py_int(value) {
        PyInt::Value(v) => Ok(v),
        PyInt::OutOfRange => Err(ParseError::IntegerOutOfRange {
            field,
            value: value.to_owned(),
            line: tokens.join(" "),
        }),
        PyInt::Invalid => Err(ParseError::InvalidInteger {
            field,
            value: value.to_owned(),
            line: tokens.join(" "),
        }),
    }
}

fn add_record(zf: &mut Zonefile, raw: RawRecord, tokens: &[String]) -> Result<(), ParseError> {
    let ttl = raw
        .ttl
        .as_deref()
        .map(|t| to_int(t, "ttl", tokens))
        .transpose()?;
    let name = raw.name;
    let mut fields = raw.fields.into_iter();
    match raw.rtype {
        RecordType::Soa => {
            let mname = next(&mut fields);
            let rname = next(&mut fields);
            let mut int = |field| to_int(&next(&mut fields), field, tokens);
            zf.soa.push(SoaRecord {
                name,
                ttl,
                mname,
                rname,
                serial: int("serial")?,
                refresh: int("refresh")?,
                retry: int("retry")?,
                expire: int("expire")?,
                minimum: int("minimum")?,
            });
        }
        RecordType::Ns => zf.ns.push(HostRecord {
            name,
            ttl,
            host: next(&mut fields),
        }),
        RecordType::A => zf.a.push(AddressRecord {
            name,
            ttl,
            ip: next(&mut fields),
        }),
        RecordType::Aaaa => zf.aaaa.push(AddressRecord {
            name,
            ttl,
            ip: next(&mut fields),
        }),
        RecordType::Cname => zf.cname.push(CnameRecord {
            name,
            ttl,
            alias: next(&mut fields),
        }),
        RecordType::Alias => zf.alias.push(HostRecord {
            name,
            ttl,
            host: next(&mut fields),
        }),
        RecordType::Mx => {
            let preference = next(&mut fields);
            zf.mx.push(MxRecord {
                name,
                ttl,
                preference,
                host: next(&mut fields),
            });
        }
        RecordType::Ptr => {
            return Err(ParseError::PtrRecord {
                line: tokens.join(" "),
            })
        }
        RecordType::Txt => zf.txt.push(TxtRecord {
            name,
            ttl,
            txt: TxtData::from_strings(fields.collect()),
        }),
        RecordType::Srv => {
            let priority = to_int(&next(&mut fields), "priority", tokens)?;
            let weight = to_int(&next(&mut fields), "weight", tokens)?;
            let port = to_int(&next(&mut fields), "port", tokens)?;
            zf.srv.push(SrvRecord {
                name,
                ttl,
                priority,
                weight,
                port,
                target: next(&mut fields),
            });
        }
        RecordType::Spf => zf.spf.push(SpfRecord {
            name,
            ttl,
            data: next(&mut fields),
        }),
        RecordType::Uri => {
            let priority = to_int(&next(&mut fields), "priority", tokens)?;
            let weight = to_int(&next(&mut fields), "weight", tokens)?;
            zf.uri.push(UriRecord {
                name,
                ttl,
                priority,
                weight,
                target: next(&mut fields),
            });
        }
    }
    Ok(())
}

/// The next field value; the argument reader guarantees the count.
fn next(fields: &mut impl Iterator<Item = String>) -> String {
    fields.next().unwrap_or_default()
}
