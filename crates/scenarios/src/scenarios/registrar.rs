//! The REST write routes: the registrar registers, updates, transfers and revokes names for
//! the node's wallet, each through its confirmation stages, and refuses callers without the
//! API password.

use std::time::{Duration, Instant};

use bitcoin::Amount;
use blockstack_api::records::reencode_address;
use blockstack_client::config::ClientConfig;
use blockstack_consensus::AddressNetwork;
use serde_json::{json, Value as Json};

use super::prelude::*;
use crate::scenarios::atlas::zonefile;

/// The Origin the original's REST tests send with the API password.
const ORIGIN: &str = "http://localhost:3000";

struct Api {
    base: String,
    password: String,
}

impl Api {
    async fn open(s: &mut Scene) -> Outcome<Api> {
        let dir = s.world().node_dir().await;
        let config =
            ClientConfig::load(dir.join("client.ini")).map_err(|e| s.fail("client.ini", e))?;
        let keys = crate::node::devnet_wallet_keys(&dir).map_err(|e| s.fail("wallet", e))?;
        // The registrar pays from the devnet wallet's payment key.
        s.pay(
            &keys.payment.script_pubkey(),
            vec![Amount::from_sat(500_000_000); 4],
        );
        s.next_block().await?;
        Ok(Api {
            base: s.world().rest_url(),
            password: config.client.api_password,
        })
    }

    async fn call(
        &self,
        s: &Scene,
        method: &str,
        path: &str,
        body: Option<Json>,
        auth: bool,
    ) -> Outcome<(u16, Json)> {
        let url = format!("{}{}", self.base, path.trim_start_matches('/'));
        let http = s.world().http();
        let mut request = match method {
            "POST" => http.post(&url),
            "PUT" => http.put(&url),
            "DELETE" => http.delete(&url),
            _ => http.get(&url),
        };
        if auth {
            request = request
                .header("Authorization", format!("bearer {}", self.password))
                .header("Origin", ORIGIN);
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request
            .send()
            .await
            .map_err(|e| s.fail(format!("{method} {path}"), e))?;
        let status = response.status().as_u16();
        let bytes = response
            .bytes()
            .await
            .map_err(|e| s.fail(format!("{method} {path}"), e))?;
        Ok((status, serde_json::from_slice(&bytes).unwrap_or(Json::Null)))
    }

    /// Mines a block at a time, giving the registrar its second to act, until `done` holds for
    /// the REST answer about `name`.
    async fn mine_until(
        &self,
        s: &mut Scene,
        name: &str,
        what: &str,
        done: impl Fn(&Json) -> bool,
    ) -> Outcome<Json> {
        let deadline = Instant::now() + Duration::from_secs(150);
        loop {
            let (_, info) = s.rest_get(&format!("v1/names/{name}")).await?;
            if done(&info) {
                return Ok(info);
            }
            if Instant::now() > deadline {
                return Err(crate::Failure::mismatch(
                    s.height(),
                    format!("{name} through the registrar"),
                    what,
                    info,
                ));
            }
            s.next_block().await?;
            tokio::time::sleep(Duration::from_millis(1_100)).await;
        }
    }
}

/// POST /v1/names registers a name with its zone file; PUT .../zonefile updates it, PUT
/// .../owner transfers it and DELETE revokes it, each answering 202 and carried to the chain
/// by the registrar.
pub async fn rest_register_update_transfer_revoke(mut s: Scene) -> Outcome {
    let [payer, recipient] = s.fund([single("payer"), single("recipient")]).await?;
    let id = s.namespace_id("rest");
    s.create_namespace(&id, &payer, &payer, reveal_params(52_595))
        .await?;
    let api = Api::open(&mut s).await?;
    let foo_name = fqn("foo", &id);
    let zf = String::from_utf8_lossy(&zonefile(&foo_name, "registrar")).into_owned();
    let (status, reply) = api
        .call(
            &s,
            "POST",
            "v1/names",
            Some(json!({"name": foo_name, "zonefile": zf})),
            true,
        )
        .await?;
    s.ensure_eq(format!("POST /v1/names ({reply})"), 202, status)?;
    let hash = blockstack_consensus::hash::value_hash_hex(zf.as_bytes());
    let info = api
        .mine_until(&mut s, &foo_name, "registered with its zone file", |i| {
            i["status"] == "registered" && i["zonefile_hash"] == hash.as_str()
        })
        .await?;
    s.ensure_eq(
        "zone file replicated",
        Some(zf.as_str()),
        info["zonefile"].as_str(),
    )?;

    let new_zf = format!("$ORIGIN {foo_name}\n$TTL 7200\n");
    let (status, reply) = api
        .call(
            &s,
            "PUT",
            &format!("v1/names/{foo_name}/zonefile"),
            Some(json!({"zonefile": new_zf})),
            true,
        )
        .await?;
    s.ensure_eq(format!("PUT zonefile ({reply})"), 202, status)?;
    let new_hash = blockstack_consensus::hash::value_hash_hex(new_zf.as_bytes());
    api.mine_until(&mut s, &foo_name, "updated", |i| {
        i["zonefile_hash"] == new_hash.as_str()
    })
    .await?;

    let (status, reply) = api
        .call(
            &s,
            "PUT",
            &format!("v1/names/{foo_name}/owner"),
            Some(json!({"owner": recipient.address()})),
            true,
        )
        .await?;
    s.ensure_eq(format!("PUT owner ({reply})"), 202, status)?;
    let mainnet = reencode_address(recipient.address(), AddressNetwork::Mainnet);
    api.mine_until(&mut s, &foo_name, "transferred", |i| {
        i["address"] == mainnet.as_str()
    })
    .await?;
    s.check(name(&foo_name).owner(&recipient)).await?;

    let bar_name = fqn("bar", &id);
    let (status, reply) = api
        .call(
            &s,
            "POST",
            "v1/names",
            Some(json!({"name": bar_name})),
            true,
        )
        .await?;
    s.ensure_eq(format!("POST /v1/names ({reply})"), 202, status)?;
    api.mine_until(&mut s, &bar_name, "registered", |i| {
        i["status"] == "registered"
    })
    .await?;
    let (status, reply) = api
        .call(&s, "DELETE", &format!("v1/names/{bar_name}"), None, true)
        .await?;
    s.ensure_eq(format!("DELETE ({reply})"), 202, status)?;
    api.mine_until(&mut s, &bar_name, "revoked", |i| i["status"] == "revoked")
        .await?;
    s.check(name(&bar_name).revoked(true)).await
}

/// The write routes refuse a caller without the API password and queue nothing (the queue
/// listing itself is public).
pub async fn rest_write_routes_need_the_password(mut s: Scene) -> Outcome {
    let [payer] = s.fund([single("payer")]).await?;
    let id = s.namespace_id("rest");
    s.create_namespace(&id, &payer, &payer, reveal_params(52_595))
        .await?;
    let api = Api::open(&mut s).await?;
    let foo_name = fqn("foo", &id);
    let (status, _) = api
        .call(
            &s,
            "POST",
            "v1/names",
            Some(json!({"name": foo_name})),
            false,
        )
        .await?;
    s.ensure_eq("POST /v1/names without the password", 403, status)?;
    let (status, _) = api
        .call(
            &s,
            "PUT",
            &format!("v1/names/{foo_name}/zonefile"),
            Some(json!({"zonefile": "x"})),
            false,
        )
        .await?;
    s.ensure_eq("PUT zonefile without the password", 403, status)?;
    s.advance(3).await?;
    s.check(name(&foo_name).absent()).await?;
    // The queue listing is public.
    let (status, pending) = api
        .call(&s, "GET", "v1/blockchains/bitcoin/pending", None, false)
        .await?;
    // Other scenarios share the registrar: only this name must be absent from every queue.
    let queued: Vec<&Json> = pending["queues"]
        .as_object()
        .map(|queues| {
            queues
                .values()
                .filter_map(Json::as_array)
                .flatten()
                .filter(|entry| entry["name"].as_str() == Some(foo_name.as_str()))
                .collect()
        })
        .unwrap_or_default();
    s.ensure_eq("pending listing status", 200, status)?;
    s.ensure_eq(format!("queue entries for {foo_name}"), 0, queued.len())
}
