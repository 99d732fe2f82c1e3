//! NAME_TRANSFER: keeping or clearing the zone-file hash, who may transfer, transfers chained
//! in one block, and the consensus hash a transfer records.

use super::prelude::*;

async fn setup(
    s: &mut Scene,
    wallets: [&str; 3],
) -> Outcome<(String, [crate::wallets::Wallet; 3])> {
    let [a, b, c] = wallets.map(single);
    let w = s.fund([a, b, c]).await?;
    let id = s.namespace_id("test");
    s.create_namespace(&id, &w[0], &w[0], reveal_params(52_595))
        .await?;
    Ok((id, w))
}

/// A transfer that keeps the data moves the name with its zone-file hash; the old owner can no
/// longer update or transfer it, the new one can.
pub async fn name_transfer_keeps_data(mut s: Scene) -> Outcome {
    let (id, [payer, owner, buyer]) = setup(&mut s, ["payer", "owner", "buyer"]).await?;
    let foo_name = fqn("foo", &id);
    let registered = s
        .register(&foo_name, &payer, &owner, Some(hash20(0x11)))
        .await?;
    s.accept(op::name_transfer(&foo_name, &owner, &buyer, true))
        .await?;
    s.next_block().await?;
    s.check(
        name(&foo_name)
            .owner(&buyer)
            .value_hash(Some(hash20(0x11)))
            .opcode("NAME_TRANSFER")
            .first_registered(registered)
            .last_renewed(registered),
    )
    .await?;
    s.check(owns(&buyer, &[&foo_name])).await?;
    s.check(owns(&owner, &[])).await?;
    s.reject(op::name_update(&foo_name, &owner, hash20(0x22)).labelled("update by the old owner"))
        .await?;
    s.reject(
        op::name_transfer(&foo_name, &owner, &owner, true).labelled("transfer by the old owner"),
    )
    .await?;
    s.next_block().await?;
    s.accept(op::name_update(&foo_name, &buyer, hash20(0x33)))
        .await?;
    s.next_block().await?;
    s.check(name(&foo_name).owner(&buyer).value_hash(Some(hash20(0x33))))
        .await
}

/// A transfer that clears the data moves the name without its zone-file hash.
pub async fn name_transfer_clears_data(mut s: Scene) -> Outcome {
    let (id, [payer, owner, buyer]) = setup(&mut s, ["payer", "owner", "buyer"]).await?;
    let foo_name = fqn("foo", &id);
    s.register(&foo_name, &payer, &owner, Some(hash20(0x11)))
        .await?;
    s.accept(op::name_transfer(&foo_name, &owner, &buyer, false))
        .await?;
    s.next_block().await?;
    s.check(
        name(&foo_name)
            .owner(&buyer)
            .value_hash(None)
            .opcode("NAME_TRANSFER"),
    )
    .await
}

/// Transfers by a stranger, to the current owner, or with a stale consensus hash are refused.
pub async fn name_transfer_refusals(mut s: Scene) -> Outcome {
    let (id, [payer, owner, stranger]) = setup(&mut s, ["payer", "owner", "stranger"]).await?;
    let foo_name = fqn("foo", &id);
    s.register(&foo_name, &payer, &owner, None).await?;
    s.advance(24).await?;
    s.reject(
        op::name_transfer(&foo_name, &stranger, &stranger, true).labelled("transfer by a stranger"),
    )
    .await?;
    s.reject(
        op::name_transfer(&foo_name, &owner, &owner, true).labelled("transfer to the owner itself"),
    )
    .await?;
    s.reject(
        op::name_transfer(&foo_name, &owner, &stranger, true)
            .consensus(ChRef::Back(24))
            .labelled("transfer with a stale consensus hash"),
    )
    .await?;
    s.next_block().await?;
    s.check(name(&foo_name).owner(&owner)).await?;
    s.accept(op::name_transfer(&foo_name, &owner, &stranger, true).consensus(ChRef::Back(23)))
        .await?;
    s.next_block().await?;
    s.check(name(&foo_name).owner(&stranger)).await
}

/// Transfers chained in one block each see the previous one: A to B, B to C, C to A, and an
/// update by the last owner.
pub async fn name_transfers_chained_in_one_block(mut s: Scene) -> Outcome {
    let (id, [a, b, c]) = setup(&mut s, ["a", "b", "c"]).await?;
    let foo_name = fqn("foo", &id);
    s.register(&foo_name, &a, &a, None).await?;
    s.accept(op::name_transfer(&foo_name, &a, &b, true)).await?;
    s.accept(op::name_transfer(&foo_name, &b, &c, true)).await?;
    s.accept(op::name_transfer(&foo_name, &c, &a, true)).await?;
    s.accept(op::name_update(&foo_name, &a, hash20(0x44)))
        .await?;
    s.reject(op::name_update(&foo_name, &b, hash20(0x55)).labelled("update by a past owner"))
        .await?;
    s.next_block().await?;
    s.check(name(&foo_name).owner(&a).value_hash(Some(hash20(0x44))))
        .await?;
    s.check(owns(&b, &[])).await?;
    s.check(owns(&c, &[])).await
}

/// A transfer records the consensus hash of the last update since the name's registration,
/// or its own when there was none (the pre-0.14 quirk kept by v0.18, bns.md §9.6).
pub async fn name_transfer_consensus_hash_quirk(mut s: Scene) -> Outcome {
    let (id, [payer, owner, buyer]) = setup(&mut s, ["payer", "owner", "buyer"]).await?;
    let foo_name = fqn("foo", &id);
    let bar_name = fqn("bar", &id);
    s.register(&foo_name, &payer, &owner, None).await?;
    s.register(&bar_name, &payer, &owner, None).await?;
    let tip = s.height();
    let at_update = s
        .world()
        .consensus_at(tip)
        .await
        .map_err(|e| s.fail("consensus", e))?;
    s.accept(op::name_update(&foo_name, &owner, hash20(0x11)))
        .await?;
    s.next_block().await?;
    s.next_block().await?;
    let tip = s.height();
    let at_transfer = s
        .world()
        .consensus_at(tip)
        .await
        .map_err(|e| s.fail("consensus", e))?;
    s.accept(op::name_transfer(&foo_name, &owner, &buyer, true))
        .await?;
    s.accept(op::name_transfer(&bar_name, &owner, &buyer, true))
        .await?;
    s.next_block().await?;
    s.check(
        name(&foo_name)
            .owner(&buyer)
            .consensus_hash(Some(&at_update)),
    )
    .await?;
    s.check(
        name(&bar_name)
            .owner(&buyer)
            .consensus_hash(Some(&at_transfer)),
    )
    .await
}

/// Update, transfer, update by the new owner and a data-clearing transfer back, all in one
/// block.
pub async fn name_condensed_update_transfer_sequence(mut s: Scene) -> Outcome {
    let (id, [payer, owner, buyer]) = setup(&mut s, ["payer", "owner", "buyer"]).await?;
    let foo_name = fqn("foo", &id);
    s.register(&foo_name, &payer, &owner, None).await?;
    s.accept(op::name_update(&foo_name, &owner, hash20(0x11)))
        .await?;
    s.accept(op::name_transfer(&foo_name, &owner, &buyer, true))
        .await?;
    s.accept(op::name_update(&foo_name, &buyer, hash20(0x22)))
        .await?;
    s.accept(op::name_transfer(&foo_name, &buyer, &owner, false))
        .await?;
    let block = s.next_block().await?;
    s.check(name(&foo_name).owner(&owner).value_hash(None))
        .await?;
    let states = s
        .node()
        .name_at(&foo_name, block)
        .await
        .map_err(|e| s.fail("get_name_at", e))?;
    s.ensure_eq(
        format!("states of {foo_name} in block {block}"),
        4,
        states.len(),
    )
}
