//! Name syntax used by the subdomain rules.

/// `[a-z0-9\-_+]`: a label character (`OP_NAME_CHARS_NOPERIOD`).
fn is_label_char(b: u8) -> bool {
    matches!(b, b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'+')
}

/// Split a fully-qualified subdomain name into `(label, parent domain)`
/// (`is_address_subdomain` in `blockstack/lib/scripts.py`): exactly two
/// dots, matching
/// `^([a-z0-9\-_+]+){1,37}\.([a-z0-9\-_+]{1,37}\.[a-z0-9\-_.+]{1,19})$`.
pub fn split_subdomain(fqn: &str) -> Option<(&str, &str)> {
    if fqn.bytes().filter(|&b| b == b'.').count() != 2 {
        return None;
    }
    let (label, domain) = fqn.split_once('.')?;
    let (name, namespace) = domain.split_once('.')?;
    let ok = !label.is_empty()
        && label.bytes().all(is_label_char)
        && (1..=37).contains(&name.len())
        && name.bytes().all(is_label_char)
        && (1..=19).contains(&namespace.len())
        && namespace.bytes().all(is_label_char);
    ok.then_some((label, domain))
}

/// Whether `name` is a valid on-chain BNS name (`is_name_valid` in
/// `blockstack/lib/scripts.py`): `label.namespace`, both parts made of
/// `[0-9a-z\-_]` (base-40 without `+` and `.`), namespace at most 19
/// characters, whole name at most 37.
pub fn is_name_valid(name: &str) -> bool {
    let b40 = |s: &str| {
        !s.is_empty()
            && s.bytes()
                .all(|b| matches!(b, b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_'))
    };
    match name.split_once('.') {
        Some((label, namespace)) => {
            b40(label) && b40(namespace) && namespace.len() <= 19 && name.len() <= 37
        }
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subdomain_names() {
        assert_eq!(
            split_subdomain("cicero.res_publica.id"),
            Some(("cicero", "res_publica.id"))
        );
        assert_eq!(split_subdomain("a+b.c.d"), Some(("a+b", "c.d")));
        for bad in [
            "foo.id", "a.b.c.d", ".b.id", "a..id", "A.b.id", "a.b.", "a b.c.id",
        ] {
            assert_eq!(split_subdomain(bad), None, "{bad}");
        }
        let long_name = format!("a.{}.id", "b".repeat(38));
        assert_eq!(split_subdomain(&long_name), None);
        let long_label = format!("{}.b.id", "a".repeat(100));
        assert!(split_subdomain(&long_label).is_some());
    }

    #[test]
    fn on_chain_names() {
        assert!(is_name_valid("verified.podcast"));
        for bad in [
            "foo",
            "a+b.id",
            "a.b.id",
            "Foo.id",
            ".id",
            "a.",
            "a.bcdefghijklmnopqrstu",
        ] {
            assert!(!is_name_valid(bad), "{bad}");
        }
        assert!(!is_name_valid(&format!("{}.id", "a".repeat(35))));
    }
}
