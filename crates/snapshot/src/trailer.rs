//! The signature trailer after a snapshot's payload (fast-sync.md §3), parsed from a buffer.
//!
//! ```text
//! snapshot := payload sigblock* num_sigs
//! sigblock := sig_b64 sig_len        sig_len  := 8 hex digits, the length of sig_b64
//! num_sigs := 8 hex digits
//! ```
//!
//! The trailer is read from the end of the file, so [`parse`] takes the file's last
//! [`MAX_TRAILER_LEN`] bytes (or all of a shorter file) and the file's length. As v0.18's
//! `fast_sync_inspect`, it refuses more than [`MAX_SIGNATURES`] signatures and signature fields
//! longer than [`MAX_SIGNATURE_LEN`]; unlike it, number fields must be exactly 8 hex digits
//! (writers only ever emit `%08x`).

use base64::Engine;
use thiserror::Error;

/// Width of the length and count fields.
pub const FIELD_LEN: usize = 8;
/// Most signatures a trailer may carry (v0.18's limit).
pub const MAX_SIGNATURES: usize = 256;
/// Longest base64 signature field accepted (v0.18's limit; real ones are 88 bytes).
pub const MAX_SIGNATURE_LEN: usize = 100;
/// The longest possible trailer: the count plus the most signatures of the longest length.
pub const MAX_TRAILER_LEN: u64 =
    (FIELD_LEN + MAX_SIGNATURES * (FIELD_LEN + MAX_SIGNATURE_LEN)) as u64;

/// Why the end of a file is not a snapshot trailer.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
pub enum TrailerError {
    /// Too short to hold even the signature count.
    #[error("the file is {0} bytes, too short to be a snapshot")]
    TooShort(u64),
    /// The signature count is not 8 hex digits.
    #[error("the last 8 bytes are not a hex signature count")]
    BadCount,
    /// More signatures than [`MAX_SIGNATURES`].
    #[error("the trailer claims {0} signatures (at most {MAX_SIGNATURES})")]
    TooManySignatures(u64),
    /// A signature's length field is not 8 hex digits.
    #[error("the length field of signature {0} (counted from the end) is not 8 hex digits")]
    BadLength(usize),
    /// A signature's length exceeds [`MAX_SIGNATURE_LEN`].
    #[error(
        "signature {index} (counted from the end) claims {len} bytes (at most {MAX_SIGNATURE_LEN})"
    )]
    SignatureTooLong {
        /// Position from the end, 0-based.
        index: usize,
        /// Its claimed length.
        len: u64,
    },
    /// The fields run past the start of the file.
    #[error("the file ends inside its signature trailer (signature {0} counted from the end)")]
    Truncated(usize),
    /// A signature field is not base64.
    #[error("signature {0} (counted from the end) is not base64")]
    NotBase64(usize),
}

/// A parsed trailer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Trailer {
    /// The payload's length: the bytes every signature covers.
    pub payload_len: u64,
    /// Where a co-signer writes its sigblock (the offset of the count field).
    pub sig_append_offset: u64,
    /// The base64 signatures, in signing order (the first signer's first).
    pub signatures: Vec<String>,
}

/// Reads 8 hex digits as a number.
fn field(bytes: &[u8]) -> Option<u64> {
    if bytes.len() != FIELD_LEN || !bytes.iter().all(u8::is_ascii_hexdigit) {
        return None;
    }
    let text = std::str::from_utf8(bytes).ok()?;
    u64::from_str_radix(text, 16).ok()
}

/// Parses the trailer from `tail`, the last bytes of a file of `file_len` bytes.
///
/// `tail` must be the file's last `min(file_len, MAX_TRAILER_LEN)` bytes.
pub fn parse(tail: &[u8], file_len: u64) -> Result<Trailer, TrailerError> {
    if file_len < FIELD_LEN as u64 || (tail.len() as u64) > file_len {
        return Err(TrailerError::TooShort(file_len));
    }
    // Offsets below are into `tail`; `base` is where `tail` starts in the file.
    let base = file_len - tail.len() as u64;
    let mut end = tail.len();
    let count_at = end - FIELD_LEN;
    let count = tail
        .get(count_at..end)
        .and_then(field)
        .ok_or(TrailerError::BadCount)?;
    if count > MAX_SIGNATURES as u64 {
        return Err(TrailerError::TooManySignatures(count));
    }
    end = count_at;
    let mut newest_first = Vec::with_capacity(count as usize);
    for index in 0..count as usize {
        let len_at = end
            .checked_sub(FIELD_LEN)
            .ok_or(TrailerError::Truncated(index))?;
        let len = tail
            .get(len_at..end)
            .and_then(field)
            .ok_or(TrailerError::BadLength(index))?;
        if len > MAX_SIGNATURE_LEN as u64 {
            return Err(TrailerError::SignatureTooLong { index, len });
        }
        let sig_at = len_at
            .checked_sub(len as usize)
            .ok_or(TrailerError::Truncated(index))?;
        let sig = tail
            .get(sig_at..len_at)
            .ok_or(TrailerError::Truncated(index))?;
        base64::engine::general_purpose::STANDARD
            .decode(sig)
            .map_err(|_| TrailerError::NotBase64(index))?;
        let text = std::str::from_utf8(sig).map_err(|_| TrailerError::NotBase64(index))?;
        newest_first.push(text.to_owned());
        end = sig_at;
    }
    newest_first.reverse();
    Ok(Trailer {
        payload_len: base + end as u64,
        sig_append_offset: base + count_at as u64,
        signatures: newest_first,
    })
}

/// One sigblock: the base64 signature and its 8-hex-digit length.
pub fn sigblock(sig_b64: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(sig_b64.len() + FIELD_LEN);
    out.extend_from_slice(sig_b64.as_bytes());
    out.extend_from_slice(format!("{:08x}", sig_b64.len()).as_bytes());
    out
}

/// The signature count field.
pub fn count_field(count: usize) -> [u8; FIELD_LEN] {
    let mut out = [b'0'; FIELD_LEN];
    out.copy_from_slice(format!("{count:08x}").as_bytes());
    out
}

/// The complete trailer for `signatures`, in signing order.
pub fn encode(signatures: &[String]) -> Vec<u8> {
    let mut out: Vec<u8> = signatures.iter().flat_map(|s| sigblock(s)).collect();
    out.extend_from_slice(&count_field(signatures.len()));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A real-length (88-character) base64 signature made of one repeated byte.
    fn sig(byte: u8) -> String {
        base64::engine::general_purpose::STANDARD.encode([byte; 64])
    }

    fn file(payload: &[u8], sigs: &[String]) -> Vec<u8> {
        let mut f = payload.to_vec();
        f.extend(encode(sigs));
        f
    }

    fn parse_file(f: &[u8]) -> Result<Trailer, TrailerError> {
        let start = f.len().saturating_sub(MAX_TRAILER_LEN as usize);
        parse(&f[start..], f.len() as u64)
    }

    #[test]
    fn one_signature_makes_the_104_byte_trailer_of_the_original() {
        let t = encode(&[sig(1)]);
        assert_eq!(t.len(), 104);
        assert_eq!(&t[88..], b"0000005800000001");
    }

    #[test]
    fn signatures_come_back_in_signing_order_with_the_payload_length() {
        let sigs = vec![sig(1), sig(2), sig(3)];
        let f = file(b"BZh9 payload bytes", &sigs);
        let t = parse_file(&f).expect("parse");
        assert_eq!(t.signatures, sigs);
        assert_eq!(t.payload_len, 18);
        assert_eq!(t.sig_append_offset, f.len() as u64 - 8);
    }

    #[test]
    fn zero_signatures_leave_the_whole_prefix_as_payload() {
        let f = file(b"abc", &[]);
        let t = parse_file(&f).expect("parse");
        assert_eq!((t.payload_len, t.signatures.len()), (3, 0));
    }

    #[test]
    fn parses_from_a_tail_of_a_large_file() {
        let payload = vec![7u8; 100_000];
        let f = file(&payload, &[sig(9)]);
        let t = parse_file(&f).expect("parse");
        assert_eq!(t.payload_len, 100_000);
    }

    #[test]
    fn the_most_signatures_allowed_parse() {
        let sigs: Vec<_> = (0..MAX_SIGNATURES).map(|i| sig(i as u8)).collect();
        let f = file(b"payload", &sigs);
        let t = parse_file(&f).expect("256 signatures");
        assert_eq!((t.signatures.len(), t.payload_len), (256, 7));
        assert_eq!(t.signatures, sigs);
    }

    #[test]
    fn refuses_short_files_and_bad_counts() {
        assert_eq!(parse(b"0001", 4), Err(TrailerError::TooShort(4)));
        assert_eq!(parse_file(b"payload0000000x"), Err(TrailerError::BadCount));
        assert_eq!(parse_file(b"pay 0x000001"), Err(TrailerError::BadCount));
        assert_eq!(
            parse_file(b"payload00000101"),
            Err(TrailerError::TooManySignatures(257))
        );
    }

    #[test]
    fn refuses_bad_lengths_overlong_signatures_and_non_base64() {
        let mut f = b"payload".to_vec();
        f.extend_from_slice(b"zz00005800000001");
        assert_eq!(parse_file(&f), Err(TrailerError::BadLength(0)));
        let mut f = vec![b'A'; 200];
        f.extend_from_slice(b"0000006500000001");
        assert_eq!(
            parse_file(&f),
            Err(TrailerError::SignatureTooLong { index: 0, len: 101 })
        );
        let mut f = b"payload".to_vec();
        f.extend_from_slice(b"!!!!0000000400000001");
        assert_eq!(parse_file(&f), Err(TrailerError::NotBase64(0)));
    }

    #[test]
    fn a_truncated_trailer_is_refused() {
        let f = file(b"", &[sig(1)]);
        // Drop the first bytes of the signature: the length now runs past the file start.
        assert_eq!(parse_file(&f[10..]), Err(TrailerError::Truncated(0)));
        // A count claiming more sigblocks than there are.
        let mut f = file(b"", &[sig(1)]);
        let n = f.len();
        f[n - 8..].copy_from_slice(b"00000002");
        assert_eq!(parse_file(&f), Err(TrailerError::Truncated(1)));
    }

    proptest::proptest! {
        #[test]
        fn encode_then_parse_round_trips(
            payload in proptest::collection::vec(proptest::num::u8::ANY, 0..300),
            bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..5),
        ) {
            let sigs: Vec<String> = bytes.iter().map(|b| sig(*b)).collect();
            let f = file(&payload, &sigs);
            let t = parse_file(&f).expect("parse");
            proptest::prop_assert_eq!(t.signatures, sigs);
            proptest::prop_assert_eq!(t.payload_len, payload.len() as u64);
        }

        #[test]
        fn arbitrary_tails_never_panic(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..400)) {
            let _ = parse_file(&bytes);
        }
    }
}
