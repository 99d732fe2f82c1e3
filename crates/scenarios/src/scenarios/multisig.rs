//! P2SH multisig wallets as name owners and payers.

use super::prelude::*;

/// A 2-of-3 owner registers, updates, transfers to a single key, which hands the name to a
/// 3-of-5 owner that renews and revokes it.
pub async fn multisig_owner_lifecycle(mut s: Scene) -> Outcome {
    let [payer, team, single_owner, board] = s
        .fund([
            single("payer"),
            multisig("team", 2, 3),
            single("single"),
            multisig("board", 3, 5),
        ])
        .await?;
    let id = s.namespace_id("multi");
    s.create_namespace(&id, &payer, &payer, reveal_params(52_595))
        .await?;
    let foo_name = fqn("foo", &id);
    s.register(&foo_name, &payer, &team, None).await?;
    s.check(name(&foo_name).owner(&team)).await?;
    s.check(owns(&team, &[&foo_name])).await?;
    s.accept(op::name_update(&foo_name, &team, hash20(0x11)))
        .await?;
    s.next_block().await?;
    s.accept(op::name_transfer(&foo_name, &team, &single_owner, true))
        .await?;
    s.next_block().await?;
    s.accept(op::name_transfer(&foo_name, &single_owner, &board, true))
        .await?;
    s.next_block().await?;
    s.accept(op::name_renew(&foo_name, &board)).await?;
    let renewed = s.next_block().await?;
    s.check(
        name(&foo_name)
            .owner(&board)
            .value_hash(Some(hash20(0x11)))
            .last_renewed(renewed),
    )
    .await?;
    s.accept(op::name_revoke(&foo_name, &board)).await?;
    s.next_block().await?;
    s.check(name(&foo_name).owner(&board).revoked(true)).await
}

/// A multisig payer may preorder and register in epoch 1 (only P2SH owners need epoch 2).
pub async fn multisig_payer_in_epoch1(mut s: Scene) -> Outcome {
    let [team, owner] = s.fund([multisig("team", 2, 3), single("owner")]).await?;
    let id = s.namespace_id("multi");
    s.create_namespace(&id, &team, &owner, reveal_params(52_595))
        .await?;
    let foo_name = fqn("foo", &id);
    s.register(&foo_name, &team, &owner, None).await?;
    s.check(name(&foo_name).owner(&owner)).await
}

/// In epoch 1 a P2SH owner cannot receive a registration or renew, but can receive a transfer
/// and update; it cannot transfer the name on.
pub async fn multisig_recipient_in_epoch1(mut s: Scene) -> Outcome {
    let [payer, owner, team] = s
        .fund([single("payer"), single("owner"), multisig("team", 2, 3)])
        .await?;
    let id = s.namespace_id("multi");
    s.create_namespace(&id, &payer, &payer, reveal_params(52_595))
        .await?;
    let foo_name = fqn("foo", &id);
    let bar_name = fqn("bar", &id);
    s.accept(op::name_preorder(&foo_name, &payer, &team))
        .await?;
    s.next_block().await?;
    s.reject(op::name_register(&foo_name, &payer, &team))
        .await?;
    s.next_block().await?;
    s.check(name(&foo_name).absent()).await?;
    s.register(&bar_name, &payer, &owner, None).await?;
    s.accept(op::name_transfer(&bar_name, &owner, &team, true))
        .await?;
    s.next_block().await?;
    s.accept(op::name_update(&bar_name, &team, hash20(0x11)))
        .await?;
    s.reject(
        op::name_transfer(&bar_name, &team, &owner, true).labelled("transfer from a P2SH owner"),
    )
    .await?;
    s.next_block().await?;
    s.reject(op::name_renew(&bar_name, &team).labelled("renewal by a P2SH owner"))
        .await?;
    s.next_block().await?;
    s.check(name(&bar_name).owner(&team).value_hash(Some(hash20(0x11))))
        .await
}

/// A name imported to a multisig owner is updated and transferred by it once ready.
pub async fn multisig_import(mut s: Scene) -> Outcome {
    let [payer, revealer, team, owner] = s
        .fund([
            single("payer"),
            single("revealer"),
            multisig("team", 2, 3),
            single("owner"),
        ])
        .await?;
    let id = s.namespace_id("multi");
    s.reveal_namespace(&id, &payer, &revealer, reveal_params(52_595))
        .await?;
    let foo_name = fqn("foo", &id);
    s.accept(op::name_import(&foo_name, &revealer, &team, hash20(0x11)))
        .await?;
    s.next_block().await?;
    s.accept(op::namespace_ready(&id, &revealer)).await?;
    s.next_block().await?;
    s.accept(op::name_update(&foo_name, &team, hash20(0x22)))
        .await?;
    s.next_block().await?;
    s.accept(op::name_transfer(&foo_name, &team, &owner, false))
        .await?;
    s.next_block().await?;
    s.check(name(&foo_name).owner(&owner).value_hash(None))
        .await
}
