//! Script tokenizing as virtualchain's `btc_script_deserialize` does it (spec §5.2, §5.4, §12.10).
//!
//! The tokenizer is lenient: a push whose declared length runs past the end yields whatever
//! bytes remain, and tokenizing never fails.

/// One token of a script.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Token<'a> {
    /// A data push (direct, OP_PUSHDATA1/2/4), possibly shorter than declared.
    Push(&'a [u8]),
    /// OP_0, which the original renders as `None`.
    Zero,
    /// Any other opcode.
    Op(u8),
}

/// Splits `script` into tokens.
pub fn tokens(script: &[u8]) -> Vec<Token<'_>> {
    let mut out = Vec::new();
    let mut rest = script;
    while let Some((&op, tail)) = rest.split_first() {
        let (len, tail) = match op {
            0x00 => {
                out.push(Token::Zero);
                rest = tail;
                continue;
            }
            0x01..=0x4b => (usize::from(op), tail),
            0x4c => read_len(tail, 1),
            0x4d => read_len(tail, 2),
            0x4e => read_len(tail, 4),
            _ => {
                out.push(Token::Op(op));
                rest = tail;
                continue;
            }
        };
        let take = len.min(tail.len());
        let (data, tail) = tail.split_at(take);
        out.push(Token::Push(data));
        rest = tail;
    }
    out
}

/// Reads a little-endian length of `n` bytes; a short length field reads what is there.
fn read_len(data: &[u8], n: usize) -> (usize, &[u8]) {
    let take = n.min(data.len());
    let (len_bytes, tail) = data.split_at(take);
    let len = len_bytes
        .iter()
        .rev()
        .fold(0usize, |acc, b| (acc << 8) | usize::from(*b));
    (len, tail)
}

/// The candidate BNS payload of a nulldata output script, or `None` (spec §5.2 step 2).
///
/// The script must start with OP_RETURN. If its second token is a push the push's data is the
/// payload; OP_0 or no second token gives none; any other opcode gives the raw bytes after the
/// first two.
pub fn nulldata_payload(script: &[u8]) -> Option<&[u8]> {
    if script.first() != Some(&0x6a) {
        return None;
    }
    match tokens(script).get(1)? {
        Token::Push(data) => Some(data),
        Token::Zero => None,
        Token::Op(_) => script.get(2..),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn payload(h: &str) -> Option<String> {
        nulldata_payload(&hex::decode(h).expect("hex")).map(hex::encode)
    }

    #[test]
    fn extraction_table_of_spec_12_10() {
        assert_eq!(payload("6a"), None);
        assert_eq!(payload("6a00"), None);
        assert_eq!(payload("6a0569643f0102").as_deref(), Some("69643f0102"));
        assert_eq!(payload("6a5269643f").as_deref(), Some("69643f"));
        assert_eq!(payload("6a4f69643f").as_deref(), Some("69643f"));
        assert_eq!(payload("6a4c0569643f").as_deref(), Some("69643f"));
        assert_eq!(payload("6a0269640369643f").as_deref(), Some("6964"));
    }

    #[test]
    fn non_op_return_scripts_have_no_payload() {
        assert_eq!(payload("76a914"), None);
        assert_eq!(payload(""), None);
    }

    #[test]
    fn pushdata_lengths() {
        let mut s = vec![0x6a, 0x4d, 0x03, 0x00];
        s.extend_from_slice(b"id?");
        assert_eq!(nulldata_payload(&s), Some(&b"id?"[..]));
        assert_eq!(tokens(&[0x4e, 0x01]), vec![Token::Push(&[])]);
    }

    #[test]
    fn tokens_of_a_scriptsig() {
        let s = [0x02, 0xaa, 0xbb, 0x00, 0x51, 0x01, 0xcc];
        assert_eq!(
            tokens(&s),
            vec![
                Token::Push(&[0xaa, 0xbb]),
                Token::Zero,
                Token::Op(0x51),
                Token::Push(&[0xcc])
            ]
        );
    }

    proptest::proptest! {
        #[test]
        fn tokenizing_never_panics(data in proptest::collection::vec(proptest::num::u8::ANY, 0..200)) {
            let _ = tokens(&data);
            let _ = nulldata_payload(&data);
        }
    }
}
