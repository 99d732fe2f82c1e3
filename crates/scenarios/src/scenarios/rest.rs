//! The REST API's read routes, as the original's REST scenarios query them: a name, its
//! history and zone file, its namespace, prices, an address's names, a block's operations and
//! the consensus hash.

use blockstack_api::records::reencode_address;
use blockstack_client::zonefiles::hash_bytes;
use blockstack_consensus::AddressNetwork;
use serde_json::Value as Json;

use super::prelude::*;
use crate::scenarios::atlas::zonefile;

fn strings(v: &Json) -> Vec<String> {
    v.as_array()
        .map(|a| {
            a.iter()
                .filter_map(|x| x.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

/// Every read route answers for a registered name the original's shapes and values.
pub async fn rest_read_routes(mut s: Scene) -> Outcome {
    let [payer, owner] = s.fund([single("payer"), single("owner")]).await?;
    let id = s.namespace_id("rest");
    s.create_namespace(&id, &payer, &payer, reveal_params(52_595))
        .await?;
    let foo_name = fqn("foo", &id);
    let zf = zonefile(&foo_name, "rest");
    s.accept(op::name_preorder(&foo_name, &payer, &owner))
        .await?;
    s.next_block().await?;
    let txid = s
        .accept(op::name_register_with(
            &foo_name,
            &payer,
            &owner,
            hash_bytes(&zf),
        ))
        .await?;
    let registered = s.next_block().await?;
    s.put_zonefiles(std::slice::from_ref(&zf)).await?;

    let info = s.rest_ok(&format!("v1/names/{foo_name}")).await?;
    let mainnet = reencode_address(owner.address(), AddressNetwork::Mainnet);
    s.ensure_eq("status", Some("registered"), info["status"].as_str())?;
    s.ensure_eq(
        "address (mainnet form)",
        Some(mainnet.as_str()),
        info["address"].as_str(),
    )?;
    s.ensure_eq(
        "zonefile_hash",
        Some(hex::encode(hash_bytes(&zf))),
        info["zonefile_hash"].as_str().map(str::to_owned),
    )?;
    s.ensure_eq(
        "zonefile",
        Some(String::from_utf8_lossy(&zf).into_owned()),
        info["zonefile"].as_str().map(str::to_owned),
    )?;
    s.ensure_eq(
        "last_txid",
        Some(txid.to_string()),
        info["last_txid"].as_str().map(str::to_owned),
    )?;
    s.ensure_eq(
        "expire_block",
        Some((registered + 2 * 52_595) as i64),
        info["expire_block"].as_i64(),
    )?;

    let history = s.rest_ok(&format!("v1/names/{foo_name}/history")).await?;
    let states = &history[registered.to_string()];
    s.ensure_eq(
        "history at the registration block",
        Some("NAME_REGISTRATION"),
        states[0]["opcode"].as_str(),
    )?;

    let namespaces = s.rest_ok("v1/namespaces").await?;
    s.ensure_eq("namespace listed", true, strings(&namespaces).contains(&id))?;
    let ns = s.rest_ok(&format!("v1/namespaces/{id}")).await?;
    s.ensure_eq(
        "namespace record",
        Some(id.as_str()),
        ns["namespace_id"].as_str(),
    )?;
    let names = s
        .rest_ok(&format!("v1/namespaces/{id}/names?page=0"))
        .await?;
    s.ensure_eq(
        "names in the namespace",
        vec![foo_name.clone()],
        strings(&names),
    )?;

    let price = s.rest_ok(&format!("v1/prices/names/{foo_name}")).await?;
    s.ensure_eq(
        "name price",
        Some(640_000),
        price["name_price"]["satoshis"].as_u64(),
    )?;
    let ns_price = s.rest_ok(&format!("v1/prices/namespaces/{id}")).await?;
    s.ensure_eq(
        "namespace price",
        Some(4_000_000),
        ns_price["satoshis"].as_u64(),
    )?;

    let owned = s
        .rest_ok(&format!("v1/addresses/bitcoin/{}", owner.address()))
        .await?;
    s.ensure_eq(
        "names of the owner",
        vec![foo_name.clone()],
        strings(&owned["names"]),
    )?;

    let ops = s
        .rest_ok(&format!("v1/blockchains/bitcoin/operations/{registered}"))
        .await?;
    let txids: Vec<&str> = ops
        .as_array()
        .map(|a| a.iter().filter_map(|o| o["txid"].as_str()).collect())
        .unwrap_or_default();
    s.ensure_eq(
        "registration among the block's operations",
        true,
        txids.contains(&txid.to_string().as_str()),
    )?;

    let consensus = s.rest_ok("v1/blockchains/bitcoin/consensus").await?;
    let want = s
        .world()
        .consensus_at(s.height())
        .await
        .map_err(|e| s.fail("consensus", e))?;
    s.ensure_eq(
        "consensus hash",
        Some(want.as_str()),
        consensus["consensus_hash"].as_str(),
    )?;
    let count = s.rest_ok("v1/blockchains/bitcoin/name_count").await?;
    s.ensure_eq(
        "name_count is a number",
        true,
        count["names_count"].as_u64().is_some(),
    )
}

/// Unknown names are available (404), revoked ones say so, a name without a zone file has
/// none to serve.
pub async fn rest_unknown_revoked_and_bare_names(mut s: Scene) -> Outcome {
    let [payer, owner] = s.fund([single("payer"), single("owner")]).await?;
    let id = s.namespace_id("rest");
    s.create_namespace(&id, &payer, &payer, reveal_params(52_595))
        .await?;
    let bare = fqn("bare", &id);
    let gone = fqn("gone", &id);
    s.register(&bare, &payer, &owner, None).await?;
    s.register(&gone, &payer, &owner, None).await?;
    s.accept(op::name_revoke(&gone, &owner)).await?;
    s.next_block().await?;
    let (status, body) = s
        .rest_get(&format!("v1/names/{}", fqn("nobody", &id)))
        .await?;
    s.ensure_eq(
        "unknown name",
        (404, Some("available")),
        (status, body["status"].as_str()),
    )?;
    let revoked = s.rest_ok(&format!("v1/names/{gone}")).await?;
    s.ensure_eq(
        "revoked name status",
        Some("revoked"),
        revoked["status"].as_str(),
    )?;
    let info = s.rest_ok(&format!("v1/names/{bare}")).await?;
    s.ensure_eq(
        "zonefile_hash of a bare name",
        Json::Null,
        info["zonefile_hash"].clone(),
    )?;
    let (status, _) = s.rest_get(&format!("v1/names/{bare}/zonefile")).await?;
    s.ensure_eq("zone file of a bare name", 404, status)
}

/// A name in its grace period is still served; once dead it is reported expired.
pub async fn rest_expired_name(mut s: Scene) -> Outcome {
    let [payer, owner] = s.fund([single("payer"), single("owner")]).await?;
    let id = s.namespace_id("rest");
    let lifetime = 6;
    s.create_namespace(&id, &payer, &payer, reveal_params(lifetime))
        .await?;
    let foo_name = fqn("foo", &id);
    let r = s.register(&foo_name, &payer, &owner, None).await?;
    let grace = s.rules().epoch(r).grace_period;
    s.advance_to(r + u64::from(lifetime)).await?;
    let info = s.rest_ok(&format!("v1/names/{foo_name}")).await?;
    s.ensure_eq(
        "status in the grace period",
        Some("registered"),
        info["status"].as_str(),
    )?;
    s.advance_to(r + u64::from(lifetime) + grace + 1).await?;
    let (status, body) = s.rest_get(&format!("v1/names/{foo_name}")).await?;
    s.ensure_eq(
        "dead name",
        (500, Some("Blockstack daemon error: Name expired")),
        (status, body["error"].as_str()),
    )
}
