//! What a scenario works with: its wallets, the operations it sends and what it expects of
//! each, block advancement through the world's clock, and checks of the node's state.
//!
//! Every operation is sent with an expectation — accepted, or dropped by the indexer — and the
//! block it lands in is checked as soon as it is mined: the transaction must be in that block,
//! and `get_nameops_at` must list it exactly when it was expected to be accepted.

use std::sync::Arc;

use bitcoin::{Amount, ScriptBuf, Txid};
use blockstack_client::compose::RevealParams;
use blockstack_client::node::NodeClient;
use blockstack_consensus::Rules;
use serde_json::Value as Json;

use crate::clock::Ticket;
use crate::error::{Failure, Outcome};
use crate::expect::Expect;
use crate::op::{self, Op};
use crate::wallets::{Spec, Wallet};
use crate::world::World;

struct Pending {
    txid: Txid,
    what: String,
    accepted: bool,
    block: u64,
}

/// One running scenario.
pub struct Scene {
    world: Arc<World>,
    ticket: Ticket,
    name: &'static str,
    pending: Vec<Pending>,
}

impl Scene {
    /// The scenario `name` in `world`, holding `ticket`.
    pub fn new(world: Arc<World>, ticket: Ticket, name: &'static str) -> Self {
        Scene {
            world,
            ticket,
            name,
            pending: Vec::new(),
        }
    }

    /// The world.
    pub fn world(&self) -> &World {
        &self.world
    }

    /// The node RPC.
    pub fn node(&self) -> NodeClient {
        self.world.node()
    }

    /// The consensus rules.
    pub fn rules(&self) -> &Rules {
        self.world.rules()
    }

    /// The last block the node indexed.
    pub fn height(&self) -> u64 {
        self.world.height()
    }

    /// The last block of the world's setup.
    pub fn start_height(&self) -> u64 {
        self.world.start_height()
    }

    /// A failed step at the current height.
    pub fn fail(&self, step: impl Into<String>, reason: impl std::fmt::Display) -> Failure {
        Failure::step(self.height(), step, reason)
    }

    /// Fails with a mismatch unless `expected == got`.
    pub fn ensure_eq<T: PartialEq + std::fmt::Debug>(
        &self,
        what: impl Into<String>,
        expected: T,
        got: T,
    ) -> Outcome {
        if expected == got {
            Ok(())
        } else {
            Err(Failure::mismatch(
                self.height(),
                what,
                format!("{expected:?}"),
                format!("{got:?}"),
            ))
        }
    }

    /// Wallets for `specs`, funded by the bank in the next block.
    pub async fn fund<const N: usize>(&mut self, specs: [Spec; N]) -> Outcome<[Wallet; N]> {
        let wallets = self.world.request_wallets(self.name, &specs);
        self.next_block().await?;
        wallets
            .try_into()
            .map_err(|_| self.fail("funding", "wrong number of wallets"))
    }

    /// Has the bank pay the default coins to wallets made outside [`Scene::fund`] (keychain
    /// children, for instance), in the next block.
    pub async fn fund_existing(&mut self, wallets: &[&Wallet]) -> Outcome {
        for wallet in wallets {
            self.world.book().watch(wallet.script());
            self.world
                .pay(wallet.script(), crate::wallets::DEFAULT_COINS.to_vec());
        }
        self.next_block().await.map(|_| ())
    }

    /// Has the bank pay `coins` to `script` with the next block.
    pub fn pay(&self, script: &ScriptBuf, coins: Vec<Amount>) {
        self.world.pay(script, coins);
    }

    /// A namespace ID for this scenario: `label` and a counter, at least 8 characters (the
    /// cheapest price class).
    pub fn namespace_id(&self, label: &str) -> String {
        self.world.namespace_id(label, 8)
    }

    /// A namespace ID of exactly `len` characters.
    pub fn namespace_id_of_len(&self, len: usize) -> String {
        self.world.namespace_id_of_len(len)
    }

    /// Sends `op`, expecting the indexer to accept it in the next block.
    pub async fn accept(&mut self, op: Op) -> Outcome<Txid> {
        self.send(op, true).await
    }

    /// Sends `op`, expecting the indexer to drop it.
    pub async fn reject(&mut self, op: Op) -> Outcome<Txid> {
        self.send(op, false).await
    }

    async fn send(&mut self, op: Op, accepted: bool) -> Outcome<Txid> {
        let what = op.describe();
        let tx = self
            .world
            .build(&op)
            .await
            .map_err(|e| self.fail(&what, e))?;
        let txid = self
            .world
            .broadcast(&tx)
            .await
            .map_err(|e| self.fail(&what, format!("the chain refused it: {e}")))?;
        self.pending.push(Pending {
            txid,
            what,
            accepted,
            block: self.height() + 1,
        });
        Ok(txid)
    }

    /// Mines the next block (once every scenario is ready for it) and checks the fate of the
    /// operations sent for it; returns its height.
    pub async fn next_block(&mut self) -> Outcome<u64> {
        self.advance(1).await
    }

    /// Advances `n` blocks; operations sent before land in the first.
    pub async fn advance(&mut self, n: u64) -> Outcome<u64> {
        let height = self
            .ticket
            .advance(n)
            .await
            .map_err(|e| self.fail("waiting for a block", e))?;
        self.settle().await?;
        Ok(height)
    }

    /// Advances until block `height` is indexed (no-op if it is).
    pub async fn advance_to(&mut self, height: u64) -> Outcome<u64> {
        let now = self.height();
        if height > now {
            self.advance(height - now).await
        } else {
            Ok(now)
        }
    }

    async fn settle(&mut self) -> Outcome {
        for p in std::mem::take(&mut self.pending) {
            let facts = self
                .world
                .block_facts(p.block)
                .await
                .map_err(|e| Failure::step(p.block, "reading the block", e))?;
            if !facts.txids.contains(&p.txid) {
                return Err(Failure::mismatch(
                    p.block,
                    format!("{} ({})", p.what, p.txid),
                    format!("mined in block {}", p.block),
                    "not in that block",
                ));
            }
            let accepted = facts.accepted.contains(&p.txid.to_string());
            if accepted != p.accepted {
                let verdict = |a: bool| if a { "accepted" } else { "ignored" };
                return Err(Failure::mismatch(
                    p.block,
                    p.what,
                    verdict(p.accepted),
                    verdict(accepted),
                ));
            }
        }
        Ok(())
    }

    /// Checks an expectation about the node's state.
    pub async fn check(&self, expect: impl Into<Expect>) -> Outcome {
        self.world.check(&expect.into()).await
    }

    /// The name's record with its history (`get_name_blockchain_record`), if any.
    pub async fn name_record(&self, name: &str) -> Outcome<Option<Json>> {
        self.node()
            .name_blockchain_record(name)
            .await
            .map_err(|e| self.fail(format!("get_name_blockchain_record {name}"), e))
    }

    /// `GET` on the REST API: the status and the JSON body (`null` if not JSON).
    pub async fn rest_get(&self, path: &str) -> Outcome<(u16, Json)> {
        let url = format!("{}{}", self.world.rest_url(), path.trim_start_matches('/'));
        let response = self
            .world
            .http()
            .get(&url)
            .send()
            .await
            .map_err(|e| self.fail(format!("GET {path}"), e))?;
        let status = response.status().as_u16();
        let body = response
            .bytes()
            .await
            .map_err(|e| self.fail(format!("GET {path}"), e))?;
        Ok((status, serde_json::from_slice(&body).unwrap_or(Json::Null)))
    }

    /// `GET` on the REST API that must answer 200; its JSON body.
    pub async fn rest_ok(&self, path: &str) -> Outcome<Json> {
        let (status, body) = self.rest_get(path).await?;
        self.ensure_eq(format!("GET {path} status"), 200, status)?;
        Ok(body)
    }

    /// Pushes zone files through the node RPC (`put_zonefiles`); whether each was stored.
    pub async fn put_zonefiles(&self, zonefiles: &[Vec<u8>]) -> Outcome<Vec<bool>> {
        self.node()
            .put_zonefiles(zonefiles)
            .await
            .map_err(|e| self.fail("put_zonefiles", e))
    }

    /// Preorders, reveals and readies a namespace (three blocks); returns the reveal's block.
    pub async fn create_namespace(
        &mut self,
        id: &str,
        payer: &Wallet,
        revealer: &Wallet,
        params: RevealParams,
    ) -> Outcome<u64> {
        let revealed = self.reveal_namespace(id, payer, revealer, params).await?;
        self.accept(op::namespace_ready(id, revealer)).await?;
        self.next_block().await?;
        Ok(revealed)
    }

    /// Preorders and reveals a namespace (two blocks); returns the reveal's block.
    pub async fn reveal_namespace(
        &mut self,
        id: &str,
        payer: &Wallet,
        revealer: &Wallet,
        params: RevealParams,
    ) -> Outcome<u64> {
        self.accept(op::namespace_preorder(id, payer, revealer))
            .await?;
        self.next_block().await?;
        self.accept(op::namespace_reveal(id, payer, revealer, params))
            .await?;
        self.next_block().await
    }

    /// Preorders and registers `name` (two blocks), optionally with a zone-file hash; returns
    /// the registration's block.
    pub async fn register(
        &mut self,
        name: &str,
        payer: &Wallet,
        owner: &Wallet,
        value_hash: Option<[u8; 20]>,
    ) -> Outcome<u64> {
        self.accept(op::name_preorder(name, payer, owner)).await?;
        self.next_block().await?;
        let register = match value_hash {
            Some(h) => op::name_register_with(name, payer, owner, h),
            None => op::name_register(name, payer, owner),
        };
        self.accept(register).await?;
        self.next_block().await
    }
}
