//! Subdomains: records in a name's zone file create subdomains; later records move them on
//! only with the next sequence number and the current owner's signature.

use std::time::{Duration, Instant};

use blockstack_client::zonefiles::hash_bytes;
use blockstack_wallet::KeyInfo;
use blockstack_zonefile::subdomain::{sign_singlesig, SubdomainRecord};
use serde_json::Value as Json;

use super::prelude::*;
use crate::wallets::Wallet;

fn record(label: &str, carrier: &str, owner: &Wallet, sequence: i64) -> SubdomainRecord {
    SubdomainRecord {
        fqn: format!("{label}.{carrier}"),
        carrier: carrier.to_owned(),
        owner: owner.address().to_owned(),
        sequence,
        zonefile: format!(
            "$ORIGIN {label}\n$TTL 3600\n_https._tcp URI 10 1 \"https://example.com/{label}/{sequence}.json\"\n"
        )
        .into_bytes(),
        signature: None,
    }
}

/// `record` signed by `signer`'s key.
fn signed(mut rec: SubdomainRecord, signer: &Wallet) -> SubdomainRecord {
    if let KeyInfo::Single(key) = signer.key() {
        rec.signature = Some(sign_singlesig(
            rec.plaintext().as_bytes(),
            &key.private_key().inner,
            key.is_compressed(),
        ));
    }
    rec
}

/// The carrier zone file of `carrier` holding `records`.
fn carrier_zonefile(carrier: &str, records: &[SubdomainRecord]) -> Vec<u8> {
    let mut text = format!(
        "$ORIGIN {carrier}\n$TTL 3600\n_http._tcp URI 10 1 \"https://example.com/{carrier}.json\"\n"
    );
    for rec in records {
        let txt = rec.to_txt_record();
        let strings: Vec<String> = txt
            .txt
            .strings()
            .iter()
            .map(|s| format!("\"{s}\""))
            .collect();
        text.push_str(&format!("{} TXT {}\n", txt.name, strings.join(" ")));
    }
    text.into_bytes()
}

/// The node RPC's record of a subdomain, once `done` holds for it: polled, with a block
/// mined every few seconds in case the indexer waits for one.
async fn wait_for(
    s: &mut Scene,
    fqn: &str,
    what: &str,
    done: impl Fn(&Json) -> bool,
) -> Outcome<Json> {
    for _ in 0..3 {
        let deadline = Instant::now() + Duration::from_secs(8);
        loop {
            let reply = s
                .node()
                .call_raw("get_name_record", vec![fqn.into()])
                .await
                .map_err(|e| s.fail(format!("get_name_record {fqn}"), e))?;
            if done(&reply["record"]) {
                return Ok(reply["record"].clone());
            }
            if Instant::now() > deadline {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        s.next_block().await?;
    }
    let reply = s
        .node()
        .call_raw("get_name_record", vec![fqn.into()])
        .await
        .map_err(|e| s.fail(format!("get_name_record {fqn}"), e))?;
    Err(crate::Failure::mismatch(
        s.height(),
        format!("{fqn} {what}"),
        what,
        reply,
    ))
}

async fn carrier(s: &mut Scene) -> Outcome<(String, [Wallet; 5])> {
    let w = s
        .fund([
            single("payer"),
            single("owner"),
            single("alice"),
            single("bob"),
            single("carol"),
        ])
        .await?;
    let id = s.namespace_id("subs");
    s.create_namespace(&id, &w[0], &w[0], reveal_params(52_595))
        .await?;
    Ok((fqn("foo", &id), w))
}

/// The subdomains in a name's zone file exist once that zone file reaches the node, with the
/// owners the records name; unknown before.
pub async fn subdomains_created_by_a_zone_file(mut s: Scene) -> Outcome {
    let (foo_name, [payer, owner, alice, bob, _]) = carrier(&mut s).await?;
    let first = carrier_zonefile(
        &foo_name,
        &[
            record("alice", &foo_name, &alice, 0),
            record("bob", &foo_name, &bob, 0),
        ],
    );
    s.register(&foo_name, &payer, &owner, Some(hash_bytes(&first)))
        .await?;
    let (status, body) = s.rest_get(&format!("v1/names/alice.{foo_name}")).await?;
    s.ensure_eq(
        format!("alice.{foo_name} before its zone file"),
        (404, "available".to_owned()),
        (
            status,
            body["status"].as_str().unwrap_or_default().to_owned(),
        ),
    )?;
    s.put_zonefiles(&[first]).await?;
    let rec = wait_for(
        &mut s,
        &format!("alice.{foo_name}"),
        "owned by alice",
        |r| r["address"].as_str() == Some(alice.address()),
    )
    .await?;
    s.ensure_eq("alice's sequence", Some(0), rec["sequence"].as_i64())?;
    s.ensure_eq(
        "alice's domain",
        Some(foo_name.as_str()),
        rec["domain"].as_str(),
    )?;
    wait_for(&mut s, &format!("bob.{foo_name}"), "owned by bob", |r| {
        r["address"].as_str() == Some(bob.address())
    })
    .await?;
    let body = s.rest_ok(&format!("v1/names/alice.{foo_name}")).await?;
    s.ensure_eq(
        "REST status of alice",
        Some("registered_subdomain"),
        body["status"].as_str(),
    )
}

/// A later zone file moves a subdomain only with the next sequence number and a signature by
/// its owner; records failing either are ignored, and new subdomains may be added.
pub async fn subdomain_transfers_need_signature_and_sequence(mut s: Scene) -> Outcome {
    let (foo_name, [payer, owner, alice, bob, carol]) = carrier(&mut s).await?;
    let first = carrier_zonefile(
        &foo_name,
        &[
            record("alice", &foo_name, &alice, 0),
            record("bob", &foo_name, &bob, 0),
        ],
    );
    s.register(&foo_name, &payer, &owner, Some(hash_bytes(&first)))
        .await?;
    s.put_zonefiles(&[first]).await?;
    wait_for(&mut s, &format!("bob.{foo_name}"), "created", |r| {
        r["sequence"].as_i64() == Some(0)
    })
    .await?;
    let second = carrier_zonefile(
        &foo_name,
        &[
            signed(record("alice", &foo_name, &carol, 1), &alice),
            signed(record("bob", &foo_name, &carol, 1), &carol),
            record("carol", &foo_name, &carol, 0),
        ],
    );
    s.accept(op::name_update(&foo_name, &owner, hash_bytes(&second)))
        .await?;
    s.next_block().await?;
    s.put_zonefiles(&[second]).await?;
    wait_for(
        &mut s,
        &format!("alice.{foo_name}"),
        "moved to carol",
        |r| r["address"].as_str() == Some(carol.address()),
    )
    .await?;
    wait_for(&mut s, &format!("carol.{foo_name}"), "created", |r| {
        r["address"].as_str() == Some(carol.address())
    })
    .await?;
    let third = carrier_zonefile(
        &foo_name,
        &[signed(record("bob", &foo_name, &alice, 2), &bob)],
    );
    s.accept(op::name_update(&foo_name, &owner, hash_bytes(&third)))
        .await?;
    s.next_block().await?;
    s.put_zonefiles(&[third]).await?;
    // Give the indexer the time it took for the accepted records, then check bob stayed.
    wait_for(&mut s, &format!("carol.{foo_name}"), "still carol's", |r| {
        r["address"].as_str() == Some(carol.address())
    })
    .await?;
    tokio::time::sleep(Duration::from_secs(1)).await;
    s.next_block().await?;
    let bob_rec = s
        .node()
        .call_raw("get_name_record", vec![format!("bob.{foo_name}").into()])
        .await
        .map_err(|e| s.fail("get_name_record", e))?;
    s.ensure_eq(
        "bob's owner after a forged and a skipping record",
        Some(bob.address()),
        bob_rec["record"]["address"].as_str(),
    )?;
    s.ensure_eq(
        "bob's sequence",
        Some(0),
        bob_rec["record"]["sequence"].as_i64(),
    )
}

/// The REST API lists an address's subdomains with its names, and a subdomain's history.
pub async fn subdomains_owned_by_an_address(mut s: Scene) -> Outcome {
    let (foo_name, [payer, owner, alice, _, carol]) = carrier(&mut s).await?;
    let first = carrier_zonefile(&foo_name, &[record("alice", &foo_name, &alice, 0)]);
    s.register(&foo_name, &payer, &owner, Some(hash_bytes(&first)))
        .await?;
    s.put_zonefiles(&[first]).await?;
    wait_for(&mut s, &format!("alice.{foo_name}"), "created", |r| {
        r["sequence"].as_i64() == Some(0)
    })
    .await?;
    let second = carrier_zonefile(
        &foo_name,
        &[signed(record("alice", &foo_name, &carol, 1), &alice)],
    );
    s.accept(op::name_update(&foo_name, &owner, hash_bytes(&second)))
        .await?;
    s.next_block().await?;
    s.put_zonefiles(&[second]).await?;
    wait_for(
        &mut s,
        &format!("alice.{foo_name}"),
        "moved to carol",
        |r| r["address"].as_str() == Some(carol.address()),
    )
    .await?;
    let owned = s
        .rest_ok(&format!("v1/addresses/bitcoin/{}", carol.address()))
        .await?;
    let names: Vec<&str> = owned["names"]
        .as_array()
        .map(|a| a.iter().filter_map(Json::as_str).collect())
        .unwrap_or_default();
    s.ensure_eq(
        "carol's names",
        true,
        names.contains(&format!("alice.{foo_name}").as_str()),
    )?;
    let history = s
        .rest_ok(&format!("v1/names/alice.{foo_name}/history"))
        .await?;
    s.ensure_eq(
        "alice's history entries",
        Some(2),
        history.as_object().map(|h| h.len()),
    )
}
