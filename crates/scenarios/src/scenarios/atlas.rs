//! Zone files: the node stores a pushed zone file only when its hash is announced on chain,
//! serves it through the node RPC and the REST API, and keeps every past zone file of a name.
//! (Replication to a second node through Atlas is checked for every world by the runner.)

use base64::Engine;
use blockstack_client::zonefiles::hash_bytes;

use super::prelude::*;

/// A small zone file for `name` pointing at `tag`.
pub fn zonefile(name: &str, tag: &str) -> Vec<u8> {
    format!("$ORIGIN {name}\n$TTL 3600\n_http._tcp URI 10 1 \"https://example.com/{tag}.json\"\n")
        .into_bytes()
}

/// A zone file pushed before its hash is on chain is refused; after the update announcing it,
/// it is stored and served by `get_zonefiles`, the name record and the REST API.
pub async fn zonefile_stored_once_announced(mut s: Scene) -> Outcome {
    let [payer, owner] = s.fund([single("payer"), single("owner")]).await?;
    let id = s.namespace_id("zones");
    s.create_namespace(&id, &payer, &payer, reveal_params(52_595))
        .await?;
    let foo_name = fqn("foo", &id);
    s.register(&foo_name, &payer, &owner, None).await?;
    let zf = zonefile(&foo_name, "one");
    let hash = hash_bytes(&zf);
    let saved = s.put_zonefiles(std::slice::from_ref(&zf)).await?;
    s.ensure_eq("put_zonefiles before the announcement", vec![false], saved)?;
    s.accept(op::name_update(&foo_name, &owner, hash)).await?;
    s.next_block().await?;
    let saved = s.put_zonefiles(std::slice::from_ref(&zf)).await?;
    s.ensure_eq("put_zonefiles after the announcement", vec![true], saved)?;
    let held = s
        .node()
        .zonefiles(&[hex::encode(hash)])
        .await
        .map_err(|e| s.fail("get_zonefiles", e))?;
    s.ensure_eq(
        "zone file served by get_zonefiles",
        Some(&zf),
        held.get(&hex::encode(hash)),
    )?;
    let record = s
        .name_record(&foo_name)
        .await?
        .ok_or_else(|| s.fail("get_name_blockchain_record", "no record"))?;
    let carried = record["zonefile"]
        .as_str()
        .and_then(|b| base64::engine::general_purpose::STANDARD.decode(b).ok());
    s.ensure_eq("zone file in the name record", Some(zf.clone()), carried)?;
    let body = s.rest_ok(&format!("v1/names/{foo_name}/zonefile")).await?;
    s.ensure_eq(
        "REST zone file",
        Some(String::from_utf8_lossy(&zf).into_owned()),
        body["zonefile"].as_str().map(str::to_owned),
    )
}

/// A zone file nobody announced is never stored, even once other zone files are.
pub async fn zonefile_never_announced_is_refused(mut s: Scene) -> Outcome {
    let [payer, owner] = s.fund([single("payer"), single("owner")]).await?;
    let id = s.namespace_id("zones");
    s.create_namespace(&id, &payer, &payer, reveal_params(52_595))
        .await?;
    let foo_name = fqn("foo", &id);
    let announced = zonefile(&foo_name, "announced");
    s.register(&foo_name, &payer, &owner, Some(hash_bytes(&announced)))
        .await?;
    let stranger = zonefile(&foo_name, "stranger");
    let saved = s
        .put_zonefiles(&[stranger.clone(), announced.clone()])
        .await?;
    s.ensure_eq(
        "put_zonefiles of an unknown and a known zone file",
        vec![false, true],
        saved,
    )?;
    let held = s
        .node()
        .zonefiles(&[hex::encode(hash_bytes(&stranger))])
        .await
        .map_err(|e| s.fail("get_zonefiles", e))?;
    s.ensure_eq("unknown zone file stored", 0, held.len())
}

/// Every zone file a name ever had stays available by its hash; the current one is the
/// last update's.
pub async fn zonefile_history_stays_available(mut s: Scene) -> Outcome {
    let [payer, owner] = s.fund([single("payer"), single("owner")]).await?;
    let id = s.namespace_id("zones");
    s.create_namespace(&id, &payer, &payer, reveal_params(52_595))
        .await?;
    let foo_name = fqn("foo", &id);
    let first = zonefile(&foo_name, "first");
    let second = zonefile(&foo_name, "second");
    let registered = s
        .register(&foo_name, &payer, &owner, Some(hash_bytes(&first)))
        .await?;
    s.accept(op::name_update(&foo_name, &owner, hash_bytes(&second)))
        .await?;
    let updated = s.next_block().await?;
    let saved = s.put_zonefiles(&[first.clone(), second.clone()]).await?;
    s.ensure_eq("put_zonefiles", vec![true, true], saved)?;
    let text = |z: &[u8]| Some(String::from_utf8_lossy(z).into_owned());
    let old = s
        .rest_ok(&format!(
            "v1/names/{foo_name}/zonefile/{}",
            hex::encode(hash_bytes(&first))
        ))
        .await?;
    s.ensure_eq(
        "the first zone file by hash",
        text(&first),
        old["zonefile"].as_str().map(str::to_owned),
    )?;
    let current = s.rest_ok(&format!("v1/names/{foo_name}/zonefile")).await?;
    s.ensure_eq(
        "the current zone file",
        text(&second),
        current["zonefile"].as_str().map(str::to_owned),
    )?;
    let (status, _) = s
        .rest_get(&format!(
            "v1/names/{foo_name}/zonefile/{}",
            hex::encode(hash20(0x99))
        ))
        .await?;
    s.ensure_eq("a hash the name never had", 404, status)?;
    // The node RPC lists both announcements with the blocks that made them.
    let int = |h: u64| i32::try_from(h).unwrap_or(i32::MAX);
    let reply = s
        .node()
        .call(
            "get_zonefiles_by_block",
            vec![
                int(registered).into(),
                int(updated).into(),
                0.into(),
                100.into(),
            ],
        )
        .await
        .map_err(|e| s.fail("get_zonefiles_by_block", e))?;
    let rows: Vec<(String, u64)> = reply["zonefile_info"]
        .as_array()
        .map(|rows| {
            rows.iter()
                .filter(|r| r["name"].as_str() == Some(foo_name.as_str()))
                .filter_map(|r| {
                    Some((
                        r["zonefile_hash"].as_str()?.to_owned(),
                        r["block_height"].as_u64()?,
                    ))
                })
                .collect()
        })
        .unwrap_or_default();
    s.ensure_eq(
        "get_zonefiles_by_block rows of the name",
        vec![
            (hex::encode(hash_bytes(&first)), registered),
            (hex::encode(hash_bytes(&second)), updated),
        ],
        rows,
    )
}
