//! Comparing two replies: the first differing JSON path, and the short list of differences
//! that are tolerated, each with the reason it is not a fault of either node.
//!
//! | rule | where | why |
//! |---|---|---|
//! | [`VERSION`] | `ping.version`, `getinfo.server_version` | the original runs from PyPI `blockstack==0.18.0.0`, which reports `0.18.0.0`; ours reports the tag's `0.18.0.2` (tools/reference-node.md §6, core-rpc.md §3.1). Any other value is still a difference |
//! | [`INDEXING`] | `indexing` of every envelope and of `getinfo` | whether an indexing pass runs at the instant of the call; the original starts one every second in test mode even with no new block, so the flag depends on timing. Both must still be booleans |
//! | [`TRACEBACK`] | the `traceback` list of an exception reply | the lines are the original's Python stack (file paths, line numbers); the reply's shape (`error` and `traceback` both present) and its `error` line are compared |
//! | [`UNORDERED`] | `get_names_owned_by_address.names` | the list is unordered (core-rpc.md §3.3): the original returns its table scan's order. The same names must be listed, each as often |
//! | [`DID_NOT_A_STRING`] | `get_DID_record` of a non-string | tag v0.18.0 answers `Invalid DID: not a string`, which ours follows; the PyPI 0.18.0.0 the reference runs lacks that check and answers `Invalid DID` (tools/reference-node.md §6) |
//! | [`PEER_HOST`] | `atlas_peer_exchange` of a host name with characters no host name has | our Atlas peer table only takes host names of letters, digits, `.`, `-` and `_` and answers `Invalid remote peer address`; the original enqueues any string. A hardening of our Atlas crate that the spec does not record |
//! | [`NAMEOPS_PAGING`] | `get_nameops_at` with an offset ≥ 1 in a block with preorders | the original counts the block's preorders with `LIMIT/OFFSET` applied to a `COUNT(*)` row, so from offset 1 on it counts none and pages the committed ops from the raw offset, repeating or skipping rows. Our node slides one window across both sets (core-rpc.md §3.6). Tolerated only when the original's reply is exactly what its paging makes of our complete list |

use serde_json::Value as Json;

/// Version strings.
pub const VERSION: &str = "version string 0.18.0.0 (PyPI) vs 0.18.0.2 (tag)";
/// The indexing flag.
pub const INDEXING: &str = "indexing flag (timing)";
/// Python stack lines.
pub const TRACEBACK: &str = "traceback lines (Python stack)";
/// The tag's string check in `get_DID_record`.
pub const DID_NOT_A_STRING: &str = "get_DID_record string check of the tag";
/// Our stricter peer host names.
pub const PEER_HOST: &str = "atlas_peer_exchange host name check of ours";
/// The order of an unordered list.
pub const UNORDERED: &str = "order of an unordered list";
/// The original's `get_nameops_at` paging.
pub const NAMEOPS_PAGING: &str = "get_nameops_at paging of the original";

/// Every rule, for reports.
pub const RULES: &[&str] = &[
    VERSION,
    INDEXING,
    TRACEBACK,
    DID_NOT_A_STRING,
    PEER_HOST,
    UNORDERED,
    NAMEOPS_PAGING,
];

/// Whether `host_port`'s host part has a character outside a host name's alphabet, so our
/// peer table refuses it where the original takes it.
pub fn has_odd_host(host_port: &str) -> bool {
    let rest = host_port
        .strip_prefix("http://")
        .or_else(|| host_port.strip_prefix("https://"))
        .unwrap_or(host_port);
    let host = rest
        .rsplit('@')
        .next()
        .unwrap_or("")
        .split(':')
        .next()
        .unwrap_or("");
    !host.is_empty()
        && !host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-' || b == b'_')
}

/// Methods whose list field is unordered by the spec.
const UNORDERED_LISTS: &[(&str, &str)] = &[("get_names_owned_by_address", "names")];

/// The first place two JSON values differ: its path (`record.history."120"[0].op_fee`) and
/// the value on each side (`None` where one side lacks the key or element).
#[derive(Clone, Debug, PartialEq)]
pub struct Difference {
    /// Where.
    pub path: String,
    /// Our value there.
    pub ours: Option<Json>,
    /// The original's value there.
    pub theirs: Option<Json>,
}

/// The first difference between `ours` and `theirs`, in key order, or `None` when they are
/// equal. Numbers compare by representation: `1` and `1.0` differ (Python's `json.dumps`
/// writes them differently).
pub fn first_difference(ours: &Json, theirs: &Json) -> Option<Difference> {
    walk(String::new(), Some(ours), Some(theirs))
}

fn walk(path: String, a: Option<&Json>, b: Option<&Json>) -> Option<Difference> {
    match (a, b) {
        (Some(Json::Object(x)), Some(Json::Object(y))) => {
            let mut keys: Vec<&String> = x.keys().chain(y.keys()).collect();
            keys.sort();
            keys.dedup();
            keys.into_iter().find_map(|k| {
                let sub = if k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                    if path.is_empty() {
                        k.clone()
                    } else {
                        format!("{path}.{k}")
                    }
                } else {
                    format!("{path}.{k:?}")
                };
                walk(sub, x.get(k), y.get(k))
            })
        }
        (Some(Json::Array(x)), Some(Json::Array(y))) => {
            (0..x.len().max(y.len())).find_map(|i| walk(format!("{path}[{i}]"), x.get(i), y.get(i)))
        }
        (a, b) if a == b => None,
        (a, b) => Some(Difference {
            path: if path.is_empty() {
                "(reply)".into()
            } else {
                path
            },
            ours: a.cloned(),
            theirs: b.cloned(),
        }),
    }
}

/// Applies the value-masking rules to both replies of `method` and returns the rules that
/// changed something. After masking, equal replies are equal up to those rules.
pub fn mask(method: &str, ours: &mut Json, theirs: &mut Json) -> Vec<&'static str> {
    let mut fired = Vec::new();
    let version_key = match method {
        "ping" => Some("version"),
        "getinfo" => Some("server_version"),
        _ => None,
    };
    if let Some(key) = version_key {
        let a = ours.get(key).and_then(Json::as_str);
        let b = theirs.get(key).and_then(Json::as_str);
        if a == Some("0.18.0.2") && b == Some("0.18.0.0") {
            set(ours, key, Json::from("0.18.0.x"));
            set(theirs, key, Json::from("0.18.0.x"));
            fired.push(VERSION);
        }
    }
    let a = ours.get("indexing").and_then(Json::as_bool);
    let b = theirs.get("indexing").and_then(Json::as_bool);
    if let (Some(a), Some(b)) = (a, b) {
        if a != b {
            set(ours, "indexing", Json::Bool(false));
            set(theirs, "indexing", Json::Bool(false));
            fired.push(INDEXING);
        }
    }
    let a = ours.get("traceback").map(Json::is_array);
    let b = theirs.get("traceback").map(Json::is_array);
    if a == Some(true) && b == Some(true) && ours.get("traceback") != theirs.get("traceback") {
        set(ours, "traceback", Json::Array(vec![]));
        set(theirs, "traceback", Json::Array(vec![]));
        fired.push(TRACEBACK);
    }
    for (m, key) in UNORDERED_LISTS {
        if method != *m {
            continue;
        }
        let sorted = |doc: &Json| -> Option<Vec<String>> {
            let mut v: Vec<String> = doc
                .get(*key)?
                .as_array()?
                .iter()
                .map(Json::to_string)
                .collect();
            v.sort();
            Some(v)
        };
        if let (Some(a), Some(b)) = (sorted(ours), sorted(theirs)) {
            if a == b && ours.get(*key) != theirs.get(*key) {
                if let Some(list) = theirs.get(*key).cloned() {
                    set(ours, key, list);
                }
                fired.push(UNORDERED);
            }
        }
    }
    fired
}

fn set(doc: &mut Json, key: &str, value: Json) {
    if let Some(m) = doc.as_object_mut() {
        m.insert(key.to_owned(), value);
    }
}

/// What the original's `get_nameops_at(offset, count)` answers for a block whose complete
/// list is `full`: its first `preorders` rows are the block's outstanding preorders, the rest
/// the committed ops (history rows) by vtxindex.
///
/// Its preorder count is a `COUNT(*)` row under `LIMIT count OFFSET offset`: the block's
/// preorder count at offset 0 with a count ≥ 1, else none. The preorder rows are
/// `preorders[offset..offset+count]`; then the committed ops are paged from
/// `max(0, offset − counted)` for `count − counted` rows, unless that is ≤ 0.
pub fn original_nameops_page(
    full: &[Json],
    preorders: usize,
    offset: usize,
    count: usize,
) -> Vec<Json> {
    let split = preorders.min(full.len());
    let (outstanding, committed) = full.split_at(split);
    let counted = if offset == 0 && count >= 1 {
        outstanding.len()
    } else {
        0
    };
    let mut page: Vec<Json> = outstanding
        .iter()
        .skip(offset)
        .take(count)
        .cloned()
        .collect();
    let Some(rest) = count.checked_sub(counted).filter(|r| *r > 0) else {
        return page;
    };
    let from = offset.saturating_sub(counted);
    page.extend(committed.iter().skip(from).take(rest).cloned());
    page
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn equal_documents_have_no_difference() {
        let a = json!({"status": true, "names": ["a.test", "b.test"], "n": {"x": 1}});
        assert_eq!(first_difference(&a, &a.clone()), None);
    }

    #[test]
    fn the_first_difference_names_its_path_and_both_values() {
        let a = json!({"record": {"history": {"120": [{"op_fee": 1}]}, "name": "a.test"}});
        let b = json!({"record": {"history": {"120": [{"op_fee": 2}]}, "name": "a.test"}});
        let d = first_difference(&a, &b).expect("differs");
        assert_eq!(d.path, "record.history.120[0].op_fee");
        assert_eq!(d.ours, Some(json!(1)));
        assert_eq!(d.theirs, Some(json!(2)));
    }

    #[test]
    fn a_missing_key_or_element_is_a_difference() {
        let d = first_difference(&json!({"a": 1}), &json!({"a": 1, "b": null})).expect("differs");
        assert_eq!(
            (d.path.as_str(), d.ours, d.theirs),
            ("b", None, Some(Json::Null))
        );
        let d = first_difference(&json!([1, 2]), &json!([1])).expect("differs");
        assert_eq!((d.path.as_str(), d.theirs), ("[1]", None));
    }

    #[test]
    fn an_integer_and_a_float_of_the_same_value_differ() {
        let a: Json = serde_json::from_str("{\"op_fee\": 6400000}").expect("json");
        let b: Json = serde_json::from_str("{\"op_fee\": 6400000.0}").expect("json");
        assert!(first_difference(&a, &b).is_some());
    }

    #[test]
    fn only_the_two_known_version_strings_are_masked() {
        let mut a = json!({"status": "alive", "version": "0.18.0.2"});
        let mut b = json!({"status": "alive", "version": "0.18.0.0"});
        assert_eq!(mask("ping", &mut a, &mut b), vec![VERSION]);
        assert_eq!(first_difference(&a, &b), None);

        let mut a = json!({"status": "alive", "version": "0.19.0"});
        let mut b = json!({"status": "alive", "version": "0.18.0.0"});
        assert!(mask("ping", &mut a, &mut b).is_empty());
        assert!(first_difference(&a, &b).is_some());

        let mut a = json!({"server_version": "0.18.0.2"});
        let mut b = json!({"server_version": "0.18.0.0"});
        assert!(mask("get_name_record", &mut a, &mut b).is_empty());
    }

    #[test]
    fn the_indexing_flag_is_masked_only_between_booleans() {
        let mut a = json!({"status": true, "indexing": false, "lastblock": 5});
        let mut b = json!({"status": true, "indexing": true, "lastblock": 5});
        assert_eq!(mask("get_num_names", &mut a, &mut b), vec![INDEXING]);
        assert_eq!(first_difference(&a, &b), None);

        let mut a = json!({"status": true, "indexing": false, "lastblock": 5});
        let mut b = json!({"status": true, "indexing": "no", "lastblock": 5});
        assert!(mask("get_num_names", &mut a, &mut b).is_empty());
        assert!(first_difference(&a, &b).is_some());
    }

    #[test]
    fn traceback_lines_are_masked_but_the_error_line_is_not() {
        let mut a = json!({"error": "KeyError: 'rpc_x'", "traceback": ["T", "KeyError: 'rpc_x'"]});
        let mut b = json!({"error": "KeyError: 'rpc_x'", "traceback": ["T", "  File …", "KeyError: 'rpc_x'"]});
        assert_eq!(mask("x", &mut a, &mut b), vec![TRACEBACK]);
        assert_eq!(first_difference(&a, &b), None);

        let mut a = json!({"error": "KeyError: 'rpc_x'", "traceback": ["a"]});
        let mut b = json!({"error": "TypeError: …", "traceback": ["b"]});
        mask("x", &mut a, &mut b);
        assert_eq!(
            first_difference(&a, &b).map(|d| d.path),
            Some("error".into())
        );

        let mut a = json!({"error": "No such method"});
        let mut b = json!({"error": "No such method", "traceback": ["x"]});
        assert!(mask("x", &mut a, &mut b).is_empty());
        assert!(first_difference(&a, &b).is_some());
    }

    #[test]
    fn odd_host_names_are_told_apart() {
        assert!(has_odd_host("not a host port"));
        assert!(has_odd_host("<script>:80"));
        assert!(!has_odd_host("node.blockstack.org:6264"));
        assert!(!has_odd_host("http://u@host-1:1234"));
        assert!(!has_odd_host(""));
    }

    #[test]
    fn an_unordered_list_is_compared_as_a_multiset() {
        let mut a = json!({"names": ["a.test", "b.test"]});
        let mut b = json!({"names": ["b.test", "a.test"]});
        assert_eq!(
            mask("get_names_owned_by_address", &mut a, &mut b),
            vec![UNORDERED]
        );
        assert_eq!(first_difference(&a, &b), None);

        let mut a = json!({"names": ["a.test", "b.test"]});
        let mut b = json!({"names": ["b.test", "b.test"]});
        assert!(mask("get_names_owned_by_address", &mut a, &mut b).is_empty());
        assert!(first_difference(&a, &b).is_some());

        // Only where the spec leaves the order open.
        let mut a = json!({"names": ["a.test", "b.test"]});
        let mut b = json!({"names": ["b.test", "a.test"]});
        assert!(mask("get_all_names", &mut a, &mut b).is_empty());
    }

    fn op(opcode: &str, i: u64) -> Json {
        json!({"opcode": opcode, "vtxindex": i})
    }

    #[test]
    fn the_original_pages_the_first_window_like_ours() {
        let full = vec![
            op("NAME_PREORDER", 1),
            op("NAME_PREORDER", 2),
            op("NAME_REGISTRATION", 3),
            op("NAME_UPDATE", 4),
        ];
        assert_eq!(original_nameops_page(&full, 2, 0, 10), full);
        assert_eq!(original_nameops_page(&full, 2, 0, 3), full[..3].to_vec());
        assert_eq!(original_nameops_page(&full, 2, 0, 1), full[..1].to_vec());
        assert!(original_nameops_page(&full, 2, 0, 0).is_empty());
    }

    #[test]
    fn from_offset_one_the_original_pages_committed_ops_from_the_raw_offset() {
        // Two outstanding preorders, then committed ops: a consumed preorder filed at this
        // block is a committed op like the others.
        let full = vec![
            op("NAME_PREORDER", 1),
            op("NAME_PREORDER", 2),
            op("NAME_PREORDER", 0),
            op("NAME_REGISTRATION", 3),
            op("NAME_UPDATE", 4),
        ];
        // Preorders [1..2] and committed ops [1..2]: the consumed preorder is skipped.
        assert_eq!(
            original_nameops_page(&full, 2, 1, 2),
            vec![
                op("NAME_PREORDER", 2),
                op("NAME_REGISTRATION", 3),
                op("NAME_UPDATE", 4)
            ]
        );
        // Past the preorders: committed ops from offset 2, not from 0.
        assert_eq!(
            original_nameops_page(&full, 2, 2, 10),
            vec![op("NAME_UPDATE", 4)]
        );
        // Without outstanding preorders both pagings agree.
        assert_eq!(original_nameops_page(&full, 0, 1, 1), vec![full[1].clone()]);
        assert_eq!(original_nameops_page(&full, 0, 3, 10), full[3..].to_vec());
    }
}
