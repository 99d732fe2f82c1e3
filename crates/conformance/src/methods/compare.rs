//! Making the calls on both nodes and judging each pair of replies.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Instant;

use blockstack_node::xmlrpc::Value;
use serde_json::Value as Json;

use super::catalogue::{catalogue, did_calls, Call, Facts};
use super::tolerate::{
    first_difference, has_odd_host, mask, original_nameops_page, Difference, DID_NOT_A_STRING,
    NAMEOPS_PAGING, PEER_HOST,
};
use super::{MethodDiff, MethodReport};
use crate::rpc_client::{Answer, RpcClient};
use crate::Error;

/// How a pair of replies compares.
#[derive(Clone, Debug, PartialEq)]
pub enum Verdict {
    /// Identical.
    Same,
    /// Equal once these rules are applied.
    Tolerated(Vec<&'static str>),
    /// Different.
    Differs(Difference),
}

/// What judging `get_nameops_at` needs, for each block paged past its first row: our
/// complete op list and how many of its first rows are outstanding preorders.
pub type FullOps = BTreeMap<u64, (Vec<Json>, usize)>;

fn int_param(call: &Call, i: usize) -> Option<i64> {
    call.params.get(i).and_then(Value::as_int)
}

/// `(block, offset, count)` of a well-formed `get_nameops_at` call with an offset ≥ 1.
fn paged_nameops(call: &Call) -> Option<(u64, usize, usize)> {
    if call.method != "get_nameops_at" || call.params.len() != 3 {
        return None;
    }
    let block = u64::try_from(int_param(call, 0)?).ok()?;
    let offset = usize::try_from(int_param(call, 1)?).ok()?;
    let count = usize::try_from(int_param(call, 2)?).ok()?;
    (offset >= 1 && count <= 10).then_some((block, offset, count))
}

/// Judges one pair of replies to `call`.
pub fn judge(call: &Call, ours: &Answer, theirs: &Answer, full: &FullOps) -> Verdict {
    let mut a = ours.to_json();
    let mut b = theirs.to_json();
    if first_difference(&a, &b).is_none() {
        return Verdict::Same;
    }
    let mut fired = mask(&call.method, &mut a, &mut b);
    let error = |d: &Json| d.get("error").and_then(Json::as_str).map(str::to_owned);
    let first_param = call.params.first();
    if call.method == "get_DID_record"
        && call.params.len() == 1
        && first_param.and_then(Value::as_str).is_none()
        && error(&a).as_deref() == Some("Invalid DID: not a string")
        && error(&b).as_deref() == Some("Invalid DID")
    {
        b = a.clone();
        fired.push(DID_NOT_A_STRING);
    }
    if call.method == "atlas_peer_exchange"
        && first_param
            .and_then(Value::as_str)
            .is_some_and(has_odd_host)
        && error(&a).as_deref() == Some("Invalid remote peer address")
        && b.get("status") == Some(&Json::Bool(true))
    {
        b = a.clone();
        fired.push(PEER_HOST);
    }
    if let Some((block, offset, count)) = paged_nameops(call) {
        if let Some((list, preorders)) = full.get(&block) {
            let expected_theirs =
                Json::Array(original_nameops_page(list, *preorders, offset, count));
            let expected_ours =
                Json::Array(list.iter().skip(offset).take(count).cloned().collect());
            let differs_only_in_paging = a.get("nameops") == Some(&expected_ours)
                && b.get("nameops") == Some(&expected_theirs)
                && expected_ours != expected_theirs;
            if differs_only_in_paging {
                if let Some(m) = b.as_object_mut() {
                    m.insert("nameops".into(), expected_ours);
                }
                fired.push(NAMEOPS_PAGING);
            }
        }
    }
    match first_difference(&a, &b) {
        Some(d) => Verdict::Differs(d),
        None => Verdict::Tolerated(fired),
    }
}

/// Calls `call` on both nodes at once.
async fn both(
    ours: &RpcClient,
    theirs: &RpcClient,
    call: &Call,
) -> Result<(Answer, Answer), Error> {
    let (a, b) = tokio::join!(
        ours.answer(&call.method, call.params.clone()),
        theirs.answer(&call.method, call.params.clone())
    );
    let a = a.map_err(|e| Error::Ours(format!("{call}: {e}")))?;
    let b = b.map_err(|e| Error::Reference(format!("{call}: {e}")))?;
    Ok((a, b))
}

/// Our complete `get_nameops_at` list of `block`, read 10 rows at a time.
async fn full_nameops(ours: &RpcClient, block: u64) -> Result<Vec<Json>, Error> {
    let height = Value::Int(i64::try_from(block).map_err(|e| Error::Ours(e.to_string()))?);
    let total = ours
        .call("get_num_nameops_at", vec![height.clone()])
        .await
        .map_err(Error::Ours)?
        .get("count")
        .and_then(Json::as_u64)
        .unwrap_or(0);
    let mut out = Vec::new();
    let mut offset = 0_i64;
    while (out.len() as u64) < total {
        let page = ours
            .call(
                "get_nameops_at",
                vec![height.clone(), Value::Int(offset), Value::Int(10)],
            )
            .await
            .map_err(Error::Ours)?;
        let rows = page
            .get("nameops")
            .and_then(Json::as_array)
            .cloned()
            .unwrap_or_default();
        if rows.is_empty() {
            break;
        }
        out.extend(rows);
        offset += 10;
    }
    Ok(out)
}

fn record(report: &mut MethodReport, call: &Call, ours: &Answer, theirs: &Answer, v: Verdict) {
    let stats = report.methods.entry(call.method.clone()).or_default();
    stats.calls += 1;
    match v {
        Verdict::Same => stats.same += 1,
        Verdict::Tolerated(rules) => {
            stats.tolerated += 1;
            for r in rules {
                *report.tolerated.entry(r).or_default() += 1;
            }
        }
        Verdict::Differs(difference) => {
            stats.differing += 1;
            *stats
                .paths
                .entry(super::path_pattern(&difference.path))
                .or_default() += 1;
            dump(call, &difference, ours, theirs);
            if stats.first.is_none() {
                stats.first = Some(MethodDiff {
                    call: call.to_string(),
                    difference,
                    ours: ours.to_json(),
                    theirs: theirs.to_json(),
                });
            }
        }
    }
}

/// With `$CONFORMANCE_METHODS_DUMP` set to a file, every differing call is appended to it as
/// one JSON line (call, path, both replies).
fn dump(call: &Call, d: &Difference, ours: &Answer, theirs: &Answer) {
    let Some(path) = std::env::var_os("CONFORMANCE_METHODS_DUMP") else {
        return;
    };
    let line = serde_json::json!({
        "call": call.to_string(),
        "path": d.path,
        "ours": ours.to_json(),
        "theirs": theirs.to_json(),
    });
    let written = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
        .and_then(|mut f| std::io::Write::write_all(&mut f, format!("{line}\n").as_bytes()));
    if let Err(e) = written {
        eprintln!(
            "cannot append to {}: {e}",
            std::path::Path::new(&path).display()
        );
    }
}

/// Makes `calls` on both nodes and records each verdict in `report`; returns both answers
/// of every call.
pub async fn compare_calls(
    ours: &RpcClient,
    theirs: &RpcClient,
    calls: &[Call],
    facts: &Facts,
    report: &mut MethodReport,
) -> Result<Vec<(Answer, Answer)>, Error> {
    let mut answers = Vec::with_capacity(calls.len());
    for call in calls {
        answers.push(both(ours, theirs, call).await?);
    }
    let blocks: BTreeSet<u64> = calls
        .iter()
        .filter_map(paged_nameops)
        .map(|(b, _, _)| b)
        .collect();
    let mut full = FullOps::new();
    for b in blocks {
        let list = full_nameops(ours, b).await?;
        // The rows that are not history rows are the outstanding preorders.
        let history = facts.history_rows.get(&b).copied().unwrap_or(0);
        let preorders = list.len().saturating_sub(history);
        full.insert(b, (list, preorders));
    }
    for (call, (a, b)) in calls.iter().zip(&answers) {
        let verdict = judge(call, a, b, &full);
        record(report, call, a, b, verdict);
    }
    Ok(answers)
}

/// Calls every method of the catalogue on both nodes and compares the replies; then
/// `get_DID_record` with the DIDs the original handed out. Verdicts are added to `report`.
pub async fn compare_methods(
    ours: &RpcClient,
    theirs: &RpcClient,
    facts: &Facts,
    report: &mut MethodReport,
) -> Result<(), Error> {
    let start = Instant::now();
    let calls = catalogue(facts);
    let answers = compare_calls(ours, theirs, &calls, facts, report).await?;
    let dids: BTreeSet<String> = calls
        .iter()
        .zip(&answers)
        .filter(|(c, _)| c.method == "get_name_DID")
        .filter_map(|(_, (_, theirs))| match theirs {
            Answer::Doc(doc) => doc.get("did").and_then(Json::as_str).map(str::to_owned),
            Answer::Fault { .. } => None,
        })
        .collect();
    compare_calls(ours, theirs, &did_calls(&dids, facts), facts, report).await?;
    report.elapsed += start.elapsed();
    Ok(())
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::methods::tolerate::{INDEXING, VERSION};

    fn doc(v: Json) -> Answer {
        Answer::Doc(v)
    }

    #[test]
    fn identical_replies_are_the_same() {
        let c = Call::new("get_num_names", vec![]);
        let a = doc(json!({"status": true, "count": 3}));
        assert_eq!(judge(&c, &a, &a.clone(), &FullOps::new()), Verdict::Same);
    }

    #[test]
    fn a_value_difference_is_reported_with_its_path() {
        let c = Call::new("get_num_names", vec![]);
        let a = doc(json!({"status": true, "indexing": false, "count": 3}));
        let b = doc(json!({"status": true, "indexing": true, "count": 4}));
        match judge(&c, &a, &b, &FullOps::new()) {
            Verdict::Differs(d) => assert_eq!(d.path, "count"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn tolerated_rules_are_named() {
        let c = Call::new("getinfo", vec![]);
        let a = doc(json!({"server_version": "0.18.0.2", "indexing": false}));
        let b = doc(json!({"server_version": "0.18.0.0", "indexing": true}));
        assert_eq!(
            judge(&c, &a, &b, &FullOps::new()),
            Verdict::Tolerated(vec![VERSION, INDEXING])
        );
    }

    #[test]
    fn a_fault_against_a_document_differs() {
        let c = Call::new("get_name_record", vec![Value::string("a.test")]);
        let a = Answer::Fault {
            code: 1,
            string: "ExpatError:x".into(),
        };
        let b = doc(json!({"error": "Not found."}));
        assert!(matches!(
            judge(&c, &a, &b, &FullOps::new()),
            Verdict::Differs(_)
        ));
    }

    #[test]
    fn the_tag_string_check_is_tolerated_for_non_strings_only() {
        let ours = doc(json!({"error": "Invalid DID: not a string"}));
        let theirs = doc(json!({"error": "Invalid DID"}));
        let c = Call::new("get_DID_record", vec![Value::Int(5)]);
        assert_eq!(
            judge(&c, &ours, &theirs, &FullOps::new()),
            Verdict::Tolerated(vec![DID_NOT_A_STRING])
        );
        let c = Call::new("get_DID_record", vec![Value::string("x")]);
        assert!(matches!(
            judge(&c, &ours, &theirs, &FullOps::new()),
            Verdict::Differs(_)
        ));
    }

    #[test]
    fn our_peer_host_check_is_tolerated_for_odd_hosts_only() {
        let ours = doc(json!({"error": "Invalid remote peer address"}));
        let theirs = doc(json!({"status": true, "peers": [], "indexing": false, "lastblock": 5}));
        let c = Call::new("atlas_peer_exchange", vec![Value::string("not a host")]);
        assert_eq!(
            judge(&c, &ours, &theirs, &FullOps::new()),
            Verdict::Tolerated(vec![PEER_HOST])
        );
        let c = Call::new("atlas_peer_exchange", vec![Value::string("host:6264")]);
        assert!(matches!(
            judge(&c, &ours, &theirs, &FullOps::new()),
            Verdict::Differs(_)
        ));
    }

    fn op(opcode: &str, i: u64) -> Json {
        json!({"opcode": opcode, "vtxindex": i})
    }

    fn nameops_call(offset: i64, count: i64) -> Call {
        Call::new(
            "get_nameops_at",
            vec![Value::Int(120), Value::Int(offset), Value::Int(count)],
        )
    }

    #[test]
    fn the_original_paging_is_tolerated_only_when_it_is_exactly_its_paging() {
        let full = vec![
            op("NAME_PREORDER", 1),
            op("NAME_REGISTRATION", 2),
            op("NAME_UPDATE", 3),
        ];
        let fulls: FullOps = [(120, (full.clone(), 1))].into();
        let env = |ops: Vec<Json>| doc(json!({"status": true, "nameops": ops}));
        let ours = env(full[1..3].to_vec());
        let theirs = env(vec![op("NAME_UPDATE", 3)]);
        assert_eq!(
            judge(&nameops_call(1, 2), &ours, &theirs, &fulls),
            Verdict::Tolerated(vec![NAMEOPS_PAGING])
        );
        // A wrong row on their side is still a difference.
        let wrong = env(vec![op("NAME_TRANSFER", 3)]);
        assert!(matches!(
            judge(&nameops_call(1, 2), &ours, &wrong, &fulls),
            Verdict::Differs(_)
        ));
        // Our page must be the slice of our own complete list.
        let bad_ours = env(full[0..2].to_vec());
        assert!(matches!(
            judge(&nameops_call(1, 2), &bad_ours, &theirs, &fulls),
            Verdict::Differs(_)
        ));
        // Offset 0 is never tolerated.
        assert!(matches!(
            judge(&nameops_call(0, 2), &ours, &theirs, &fulls),
            Verdict::Differs(_)
        ));
    }
}
