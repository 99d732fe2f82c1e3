//! Reading Bitcoin scripts the way virtualchain's `btc_script_deserialize`
//! and `parse_multisig_redeemscript` do (spec `subdomains.md` §3.2).

/// One element of a deserialized script.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ScriptItem {
    /// A data push (possibly truncated, as Python slicing would).
    Data(Vec<u8>),
    /// `OP_0`, which the original yields as `None`.
    Zero,
    /// Any other opcode, as the original's integer: `OP_1NEGATE` … `OP_16`
    /// become −1 … 16 (`OP_RESERVED` becomes 0), others their byte value.
    Op(i64),
}

/// `OP_CHECKMULTISIG`.
const OP_CHECKMULTISIG: i64 = 0xae;

/// Split a script into pushes and opcodes. Lengths that run past the end
/// take what is there, like the original's slicing.
pub(crate) fn deserialize(script: &[u8]) -> Vec<ScriptItem> {
    let slice = |from: usize, len: usize| {
        let end = from.saturating_add(len).min(script.len());
        script.get(from.min(end)..end).unwrap_or_default().to_vec()
    };
    let mut out = Vec::new();
    let mut pos = 0usize;
    while let Some(&code) = script.get(pos) {
        match code {
            0 => {
                out.push(ScriptItem::Zero);
                pos += 1;
            }
            1..=75 => {
                let len = usize::from(code);
                out.push(ScriptItem::Data(slice(pos + 1, len)));
                pos += 1 + len;
            }
            76..=78 => {
                let width = 1usize << (code - 76);
                // Little-endian length; a truncated one uses the bytes present.
                let len = slice(pos + 1, width).iter().rev().fold(0usize, |acc, &b| {
                    acc.saturating_mul(256).saturating_add(b.into())
                });
                out.push(ScriptItem::Data(slice(pos + 1 + width, len)));
                pos = pos.saturating_add(1 + width).saturating_add(len);
            }
            79..=96 => {
                out.push(ScriptItem::Op(i64::from(code) - 80));
                pos += 1;
            }
            _ => {
                out.push(ScriptItem::Op(i64::from(code)));
                pos += 1;
            }
        }
    }
    out
}

/// A parsed multisig redeem script.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Multisig {
    /// Required signatures, as the original reads the first item.
    pub(crate) m: i64,
    /// The public keys, in script order.
    pub(crate) pubkeys: Vec<bitcoin::PublicKey>,
}

/// `parse_multisig_redeemscript`: `<m> <pubkey>×n <n> OP_CHECKMULTISIG`
/// where `m` and `n` are taken as the integers of whatever opcodes occupy
/// those places and every key must parse. Note that, as in v0.18, `m` can
/// be 0 (`OP_RESERVED`), which makes a signature-less scriptSig verify.
pub(crate) fn parse_multisig(redeem_script: &[u8]) -> Option<Multisig> {
    let mut items = deserialize(redeem_script);
    if items.len() <= 2 || items.pop()? != ScriptItem::Op(OP_CHECKMULTISIG) {
        return None;
    }
    let ScriptItem::Op(n) = items.pop()? else {
        return None;
    };
    let mut items = items.into_iter();
    let ScriptItem::Op(m) = items.next()? else {
        return None;
    };
    let mut pubkeys = Vec::new();
    for _ in 0..n.max(0) {
        let ScriptItem::Data(bytes) = items.next()? else {
            return None;
        };
        pubkeys.push(bitcoin::PublicKey::from_slice(&bytes).ok()?);
    }
    if items.next().is_some() {
        return None;
    }
    Some(Multisig { m, pubkeys })
}

/// Serialize pushes the way `btc_script_serialize` does for data: direct
/// length byte up to 75, then `OP_PUSHDATA1/2/4`; `None` is `OP_0`.
pub(crate) fn serialize_pushes(items: &[Option<&[u8]>]) -> Vec<u8> {
    let mut out = Vec::new();
    for item in items {
        match item {
            None => out.push(0),
            Some(data) => {
                let len = data.len();
                if len <= 75 {
                    out.push(len as u8);
                } else if len <= 0xff {
                    out.extend([76, len as u8]);
                } else if len <= 0xffff {
                    out.push(77);
                    out.extend((len as u16).to_le_bytes());
                } else {
                    out.push(78);
                    out.extend((len as u32).to_le_bytes());
                }
                out.extend_from_slice(data);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deserializes_pushes_and_opcodes() {
        let script = [0u8, 2, 0xaa, 0xbb, 76, 1, 0xcc, 0x51, 0x4f, 0xae];
        assert_eq!(
            deserialize(&script),
            [
                ScriptItem::Zero,
                ScriptItem::Data(vec![0xaa, 0xbb]),
                ScriptItem::Data(vec![0xcc]),
                ScriptItem::Op(1),
                ScriptItem::Op(-1),
                ScriptItem::Op(0xae),
            ]
        );
    }

    #[test]
    fn truncated_pushes_take_what_is_there() {
        assert_eq!(deserialize(&[5, 1, 2]), [ScriptItem::Data(vec![1, 2])]);
        assert_eq!(deserialize(&[77, 0xff]), [ScriptItem::Data(vec![])]);
    }

    #[test]
    fn serialize_round_trips() {
        let big = vec![9u8; 300];
        let script = serialize_pushes(&[None, Some(&[1, 2][..]), Some(&big[..])]);
        assert_eq!(
            deserialize(&script),
            [
                ScriptItem::Zero,
                ScriptItem::Data(vec![1, 2]),
                ScriptItem::Data(big)
            ]
        );
    }
}
