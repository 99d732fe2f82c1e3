//! Name and namespace ID syntax (`is_name_valid`, `is_namespace_valid` in `scripts.py`; spec §3).

use crate::b40;

/// Longest fully-qualified name, in bytes (`LENGTHS['blockchain_id_name']`).
pub const MAX_NAME_LEN: usize = 37;
/// Longest namespace ID, in bytes (`LENGTHS['blockchain_id_namespace_id']`).
pub const MAX_NAMESPACE_ID_LEN: usize = 19;

/// Whether `id` is a valid namespace ID: base-40 without `+` or `.`, 1 to 19 bytes.
pub fn is_namespace_valid(id: &str) -> bool {
    b40::is_b40(id)
        && !id.contains('+')
        && !id.contains('.')
        && !id.is_empty()
        && id.len() <= MAX_NAMESPACE_ID_LEN
}

/// Whether `fqn` is a valid fully-qualified on-chain name such as `alice.id`.
pub fn is_name_valid(fqn: &str) -> bool {
    if fqn.matches('.').count() != 1 {
        return false;
    }
    let Some((name, namespace)) = fqn.split_once('.') else {
        return false;
    };
    !name.is_empty()
        && b40::is_b40(name)
        && !name.contains('+')
        && is_namespace_valid(namespace)
        && fqn.len() <= MAX_NAME_LEN
}

/// The namespace ID of a name: the text after its last `.` (the whole string if none).
pub fn namespace_of(fqn: &str) -> &str {
    fqn.rsplit_once('.').map_or(fqn, |(_, ns)| ns)
}

/// The name part of a fully-qualified name: the text before its first `.`.
pub fn name_part(fqn: &str) -> &str {
    fqn.split_once('.').map_or(fqn, |(name, _)| name)
}

/// The looser check registrations and renewals apply after parsing: base-40, no `+`, at most one
/// `.` (`check_register` in `register.py`).
pub fn is_well_formed(fqn: &str) -> bool {
    b40::is_b40(fqn) && !fqn.contains('+') && fqn.matches('.').count() <= 1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn valid_names() {
        assert!(is_name_valid("a.b"));
        assert!(is_name_valid("alice.id"));
        assert!(is_name_valid("a-b_c0.test"));
        assert!(is_name_valid(&format!("{}.id", "a".repeat(34))));
    }

    #[test]
    fn names_need_exactly_one_dot() {
        assert!(!is_name_valid("alice"));
        assert!(!is_name_valid("a.b.id"));
    }

    #[test]
    fn name_and_namespace_must_be_non_empty() {
        assert!(!is_name_valid(".id"));
        assert!(!is_name_valid("alice."));
    }

    #[test]
    fn plus_and_uppercase_are_invalid() {
        assert!(!is_name_valid("a+b.id"));
        assert!(!is_name_valid("Alice.id"));
        assert!(!is_name_valid("alice.i+d"));
    }

    #[test]
    fn length_limit_is_37_bytes() {
        assert!(!is_name_valid(&format!("{}.id", "a".repeat(35))));
    }

    #[test]
    fn namespace_limit_is_19_bytes() {
        assert!(is_namespace_valid(&"a".repeat(19)));
        assert!(!is_namespace_valid(&"a".repeat(20)));
        assert!(!is_namespace_valid(""));
        assert!(!is_namespace_valid("a.b"));
        assert!(!is_namespace_valid("a+b"));
    }

    #[test]
    fn trailing_newline_quirk_is_preserved() {
        // Python's `$` matches before a final newline: the regex accepts it (spec §3).
        assert!(is_namespace_valid("id\n"));
        assert!(is_name_valid("alice.id\n"));
    }

    #[test]
    fn splitting() {
        assert_eq!(namespace_of("alice.id"), "id");
        assert_eq!(name_part("alice.id"), "alice");
    }

    #[test]
    fn well_formed_allows_no_dot_but_not_two() {
        assert!(is_well_formed("alice"));
        assert!(is_well_formed("alice.id"));
        assert!(!is_well_formed("a.b.c"));
        assert!(!is_well_formed("a+b.c"));
    }
}
