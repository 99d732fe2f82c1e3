//! Rules that change at epoch boundaries: multisig owners from epoch 2, register-and-update,
//! renew-and-transfer, version-2 namespaces, the tenfold price cut and the grace period from
//! epoch 3, and lifetimes multiplied by the epoch of the block they are judged at.
//!
//! These run under the epoch-change profile: epoch 1 until
//! start + [`EPOCH1_LEN`](crate::profile::EPOCH1_LEN), then epoch 2 for
//! [`EPOCH2_LEN`](crate::profile::EPOCH2_LEN) blocks, then epoch 3.

use super::prelude::*;

/// The last block of epoch 1 and of epoch 2.
fn ends(s: &Scene) -> (u64, u64) {
    (s.rules().epochs[0].end_block, s.rules().epochs[1].end_block)
}

/// Fails unless the next block is in epoch `n`.
fn next_block_in_epoch(s: &Scene, n: u8) -> Outcome {
    let next = s.height() + 1;
    s.ensure_eq(
        format!("epoch of block {next}"),
        n,
        s.rules().epoch(next).number,
    )
}

/// Preordered and revealed in epoch 1, readied in epoch 2, its names updated in epoch 3.
pub async fn namespace_launched_across_epochs(mut s: Scene) -> Outcome {
    let [payer, revealer, owner] = s
        .fund([single("payer"), single("revealer"), single("owner")])
        .await?;
    let (e1, e2) = ends(&s);
    let id = s.namespace_id("epochs");
    next_block_in_epoch(&s, 1)?;
    s.reveal_namespace(&id, &payer, &revealer, reveal_params(52_595))
        .await?;
    s.advance_to(e1).await?;
    next_block_in_epoch(&s, 2)?;
    s.accept(op::namespace_ready(&id, &revealer)).await?;
    let ready = s.next_block().await?;
    s.check(namespace(&id).ready().ready_block(ready)).await?;
    let foo_name = fqn("foo", &id);
    s.register(&foo_name, &payer, &owner, None).await?;
    s.advance_to(e2).await?;
    next_block_in_epoch(&s, 3)?;
    s.accept(op::name_update(&foo_name, &owner, hash20(0x11)))
        .await?;
    s.next_block().await?;
    s.check(name(&foo_name).owner(&owner).value_hash(Some(hash20(0x11))))
        .await
}

/// A name's expiry is its lifetime times the multiplier of the epoch of the last block, and
/// its grace period that epoch's: it moves as the chain crosses the boundaries.
pub async fn lifetime_multiplier_follows_the_epoch(mut s: Scene) -> Outcome {
    let [payer, owner] = s.fund([single("payer"), single("owner")]).await?;
    let (e1, e2) = ends(&s);
    let id = s.namespace_id("epochs");
    s.create_namespace(&id, &payer, &payer, reveal_params(1_000))
        .await?;
    let foo_name = fqn("foo", &id);
    let r = s.register(&foo_name, &payer, &owner, None).await?;
    s.ensure_eq("epoch of the registration", 1, s.rules().epoch(r).number)?;
    let at = |m: u64, g: u64| {
        name(&foo_name)
            .expire_block((r + 1_000 * m) as i64)
            .renewal_deadline((r + 1_000 * m + g) as i64)
    };
    s.check(at(1, 0)).await?;
    s.advance_to(e1 + 1).await?;
    s.check(at(2, 0)).await?;
    s.advance_to(e2 + 1).await?;
    let grace = s.rules().epochs[2].grace_period;
    s.check(at(2, grace)).await
}

/// P2SH owners: registration to one is refused in epoch 1 but a transfer to one is not;
/// the multisig owner can update but not transfer until epoch 2.
pub async fn multisig_owners_from_epoch2(mut s: Scene) -> Outcome {
    let [payer, owner, team] = s
        .fund([single("payer"), single("owner"), multisig("team", 2, 3)])
        .await?;
    let (e1, _) = ends(&s);
    let id = s.namespace_id("epochs");
    s.create_namespace(&id, &payer, &payer, reveal_params(52_595))
        .await?;
    let foo_name = fqn("foo", &id);
    let bar_name = fqn("bar", &id);
    s.accept(op::name_preorder(&foo_name, &payer, &team))
        .await?;
    s.accept(op::name_preorder(&bar_name, &payer, &owner))
        .await?;
    s.next_block().await?;
    next_block_in_epoch(&s, 1)?;
    s.reject(
        op::name_register(&foo_name, &payer, &team)
            .labelled("registration to a P2SH owner in epoch 1"),
    )
    .await?;
    s.accept(op::name_register(&bar_name, &payer, &owner))
        .await?;
    s.next_block().await?;
    s.accept(op::name_transfer(&bar_name, &owner, &team, true))
        .await?;
    s.next_block().await?;
    next_block_in_epoch(&s, 1)?;
    s.reject(
        op::name_transfer(&bar_name, &team, &owner, true)
            .labelled("transfer from a P2SH owner in epoch 1"),
    )
    .await?;
    s.accept(op::name_update(&bar_name, &team, hash20(0x11)))
        .await?;
    s.next_block().await?;
    s.check(name(&bar_name).owner(&team).value_hash(Some(hash20(0x11))))
        .await?;
    s.advance_to(e1).await?;
    next_block_in_epoch(&s, 2)?;
    s.accept(op::name_transfer(&bar_name, &team, &owner, true))
        .await?;
    s.accept(op::name_register(&foo_name, &payer, &team))
        .await?;
    s.next_block().await?;
    s.check(name(&bar_name).owner(&owner)).await?;
    s.check(name(&foo_name).owner(&team)).await
}

/// The 57-byte register-and-update payload means nothing before epoch 3 (it reads as an
/// invalid name); from epoch 3 it registers the name with its zone-file hash.
pub async fn register_with_hash_from_epoch3(mut s: Scene) -> Outcome {
    let [payer, owner] = s.fund([single("payer"), single("owner")]).await?;
    let (e1, e2) = ends(&s);
    let id = s.namespace_id("epochs");
    s.create_namespace(&id, &payer, &payer, reveal_params(52_595))
        .await?;
    s.advance_to(e1).await?;
    let foo_name = fqn("foo", &id);
    s.accept(op::name_preorder(&foo_name, &payer, &owner))
        .await?;
    s.next_block().await?;
    next_block_in_epoch(&s, 2)?;
    s.reject(
        op::name_register_with(&foo_name, &payer, &owner, hash20(0x11))
            .labelled("register-and-update in epoch 2"),
    )
    .await?;
    s.next_block().await?;
    s.check(name(&foo_name).absent()).await?;
    s.advance_to(e2).await?;
    next_block_in_epoch(&s, 3)?;
    s.accept(op::name_register_with(
        &foo_name,
        &payer,
        &owner,
        hash20(0x11),
    ))
    .await?;
    s.next_block().await?;
    s.check(name(&foo_name).owner(&owner).value_hash(Some(hash20(0x11))))
        .await
}

/// Prices fall tenfold in epoch 3; a preorder paid at the epoch-2 price in the last block of
/// epoch 2 registers in epoch 3, and epoch-3 preorders pay the new price.
pub async fn prices_fall_tenfold_in_epoch3(mut s: Scene) -> Outcome {
    let [payer, owner] = s.fund([single("payer"), single("owner")]).await?;
    let (e1, e2) = ends(&s);
    let id = s.namespace_id("epochs");
    s.create_namespace(&id, &payer, &payer, reveal_params(52_595))
        .await?;
    let price = |s: &Scene, label: &str| {
        let name = fqn(label, &id);
        let node = s.node();
        async move { node.name_cost(&name).await }
    };
    s.advance_to(e1 + 1).await?;
    let old = price(&s, "abc")
        .await
        .map_err(|e| s.fail("get_name_cost", e))?;
    s.ensure_eq("price of a 3-letter name in epoch 2", 6_400_000, old)?;
    let (ns_old, _) = s
        .node()
        .namespace_cost(&s.namespace_id_of_len(8))
        .await
        .map_err(|e| s.fail("get_namespace_cost", e))?;
    s.ensure_eq(
        "price of an 8-letter namespace in epoch 2",
        40_000_000,
        ns_old,
    )?;
    s.advance_to(e2 - 1).await?;
    let abc = fqn("abc", &id);
    s.accept(op::name_preorder(&abc, &payer, &owner)).await?;
    s.next_block().await?;
    next_block_in_epoch(&s, 3)?;
    s.accept(op::name_register(&abc, &payer, &owner)).await?;
    s.next_block().await?;
    let new = price(&s, "abd")
        .await
        .map_err(|e| s.fail("get_name_cost", e))?;
    s.ensure_eq("price of a 3-letter name in epoch 3", 640_000, new)?;
    let (ns_new, _) = s
        .node()
        .namespace_cost(&s.namespace_id_of_len(8))
        .await
        .map_err(|e| s.fail("get_namespace_cost", e))?;
    s.ensure_eq(
        "price of an 8-letter namespace in epoch 3",
        4_000_000,
        ns_new,
    )?;
    let abd = fqn("abd", &id);
    s.accept(op::name_preorder(&abd, &payer, &owner).fee(Fee::Sat(640_000)))
        .await?;
    s.next_block().await?;
    s.accept(op::name_register(&abd, &payer, &owner)).await?;
    s.next_block().await?;
    s.check(name(&abc).owner(&owner)).await?;
    s.check(name(&abd).owner(&owner)).await
}

/// A renewal to a new owner is refused before epoch 3 and accepted in it.
pub async fn renew_transfer_needs_epoch3(mut s: Scene) -> Outcome {
    let [payer, owner, buyer] = s
        .fund([single("payer"), single("owner"), single("buyer")])
        .await?;
    let (e1, e2) = ends(&s);
    let id = s.namespace_id("epochs");
    s.create_namespace(&id, &payer, &payer, reveal_params(52_595))
        .await?;
    let foo_name = fqn("foo", &id);
    s.register(&foo_name, &payer, &owner, None).await?;
    s.advance_to(e1).await?;
    next_block_in_epoch(&s, 2)?;
    s.reject(
        op::name_renew_to(&foo_name, &owner, &buyer, None)
            .labelled("renew-and-transfer in epoch 2"),
    )
    .await?;
    s.next_block().await?;
    s.check(name(&foo_name).owner(&owner)).await?;
    s.advance_to(e2).await?;
    next_block_in_epoch(&s, 3)?;
    s.accept(op::name_renew_to(
        &foo_name,
        &owner,
        &buyer,
        Some(hash20(0x11)),
    ))
    .await?;
    s.next_block().await?;
    s.check(name(&foo_name).owner(&buyer).value_hash(Some(hash20(0x11))))
        .await
}

/// A name registered in epoch 2 that expires in epoch 3 gets epoch 3's grace period.
pub async fn grace_period_begins_in_epoch3(mut s: Scene) -> Outcome {
    let [payer, owner] = s.fund([single("payer"), single("owner")]).await?;
    let (e1, e2) = ends(&s);
    let id = s.namespace_id("epochs");
    let lifetime = 3;
    s.create_namespace(&id, &payer, &payer, reveal_params(lifetime))
        .await?;
    s.advance_to(e1).await?;
    let foo_name = fqn("foo", &id);
    let r = s.register(&foo_name, &payer, &owner, None).await?;
    s.ensure_eq("epoch of the registration", 2, s.rules().epoch(r).number)?;
    let expiry = r + u64::from(lifetime) * 2;
    s.ensure_eq("expiry after epoch 2", true, expiry > e2)?;
    s.check(
        name(&foo_name)
            .expire_block(expiry as i64)
            .renewal_deadline(expiry as i64),
    )
    .await?;
    s.advance_to(expiry - 1).await?;
    s.reject(
        op::name_update(&foo_name, &owner, hash20(0x11))
            .labelled("update in the epoch-3 grace period"),
    )
    .await?;
    s.next_block().await?;
    let grace = s.rules().epochs[2].grace_period;
    s.check(
        name(&foo_name)
            .expired(true)
            .renewal_deadline((expiry + grace) as i64),
    )
    .await?;
    s.accept(op::name_renew(&foo_name, &owner)).await?;
    let renewed = s.next_block().await?;
    s.check(
        name(&foo_name)
            .owner(&owner)
            .last_renewed(renewed)
            .expired(false),
    )
    .await
}

/// Version-2 (pay-to-creator) namespaces can be revealed only from epoch 3.
pub async fn namespace_version2_from_epoch3(mut s: Scene) -> Outcome {
    let [payer, revealer] = s.fund([single("payer"), single("revealer")]).await?;
    let (e1, e2) = ends(&s);
    let id = s.namespace_id("vtwo");
    let mut params = reveal_params(52_595);
    params.version = 2;
    s.accept(op::namespace_preorder(&id, &payer, &revealer))
        .await?;
    s.next_block().await?;
    s.reject(
        op::namespace_reveal(&id, &payer, &revealer, params)
            .labelled("version-2 reveal in epoch 1"),
    )
    .await?;
    s.next_block().await?;
    s.advance_to(e1).await?;
    s.reject(
        op::namespace_reveal(&id, &payer, &revealer, params)
            .labelled("version-2 reveal in epoch 2"),
    )
    .await?;
    s.next_block().await?;
    s.advance_to(e2).await?;
    s.accept(op::namespace_reveal(&id, &payer, &revealer, params))
        .await?;
    s.next_block().await?;
    s.check(namespace(&id).revealed().version(2)).await
}
