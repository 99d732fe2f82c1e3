//! NAME_RENEWAL: extending a name's life, who may renew and for how much, epoch 3's
//! renew-transfer-update, and renewals sharing a block.

use super::prelude::*;

async fn setup(s: &mut Scene) -> Outcome<(String, [crate::wallets::Wallet; 3])> {
    let w = s
        .fund([single("payer"), single("owner"), single("other")])
        .await?;
    let id = s.namespace_id("test");
    s.create_namespace(&id, &w[0], &w[0], reveal_params(52_595))
        .await?;
    Ok((id, w))
}

/// A renewal moves last_renewed and the expiry block; owner and zone-file hash stay.
pub async fn name_renewal_extends_expiry(mut s: Scene) -> Outcome {
    let (id, [payer, owner, _]) = setup(&mut s).await?;
    let foo_name = fqn("foo", &id);
    let registered = s
        .register(&foo_name, &payer, &owner, Some(hash20(0x11)))
        .await?;
    s.advance(2).await?;
    s.accept(op::name_renew(&foo_name, &owner)).await?;
    let renewed = s.next_block().await?;
    let lifetime = 52_595 * 2;
    s.check(
        name(&foo_name)
            .owner(&owner)
            .value_hash(Some(hash20(0x11)))
            .opcode("NAME_RENEWAL")
            .first_registered(registered)
            .last_renewed(renewed)
            .expire_block(renewed as i64 + lifetime)
            .renewal_deadline(renewed as i64 + lifetime + 5_000),
    )
    .await
}

/// Renewals by a stranger, for less than the price, or paying a fee to an address other than
/// the burn address are refused; the owner's proper renewal is accepted.
pub async fn name_renewal_refusals(mut s: Scene) -> Outcome {
    let (id, [payer, owner, other]) = setup(&mut s).await?;
    let foo_name = fqn("foo", &id);
    let registered = s.register(&foo_name, &payer, &owner, None).await?;
    s.reject(op::name_renew(&foo_name, &other).labelled("renewal by a stranger"))
        .await?;
    s.reject(
        op::name_renew(&foo_name, &owner)
            .fee(Fee::PriceMinus(1))
            .labelled("underpaid renewal"),
    )
    .await?;
    s.reject(
        op::name_renew(&foo_name, &owner)
            .burn(Burn::To(other.script().clone()))
            .labelled("renewal fee to another address"),
    )
    .await?;
    s.next_block().await?;
    s.check(name(&foo_name).owner(&owner).last_renewed(registered))
        .await?;
    s.accept(op::name_renew(&foo_name, &owner)).await?;
    let renewed = s.next_block().await?;
    s.check(name(&foo_name).owner(&owner).last_renewed(renewed))
        .await
}

/// Epoch 3's renewal may hand the name to a new owner and set a zone-file hash at once.
pub async fn name_renew_transfer_update(mut s: Scene) -> Outcome {
    let (id, [payer, owner, buyer]) = setup(&mut s).await?;
    let foo_name = fqn("foo", &id);
    s.register(&foo_name, &payer, &owner, Some(hash20(0x11)))
        .await?;
    s.accept(op::name_renew_to(
        &foo_name,
        &owner,
        &buyer,
        Some(hash20(0x22)),
    ))
    .await?;
    let renewed = s.next_block().await?;
    s.check(
        name(&foo_name)
            .owner(&buyer)
            .value_hash(Some(hash20(0x22)))
            .last_renewed(renewed)
            .opcode("NAME_RENEWAL"),
    )
    .await?;
    s.check(owns(&buyer, &[&foo_name])).await?;
    s.check(owns(&owner, &[])).await?;
    // A second renew-transfer-update by the new owner, without a hash: the hash stays.
    s.accept(op::name_renew_to(&foo_name, &buyer, &owner, None))
        .await?;
    s.next_block().await?;
    s.check(name(&foo_name).owner(&owner).value_hash(Some(hash20(0x22))))
        .await
}

/// Two renewals of one name in one block: the first occupies the name, the second is refused.
pub async fn name_renewals_in_one_block(mut s: Scene) -> Outcome {
    let (id, [payer, owner, _]) = setup(&mut s).await?;
    let foo_name = fqn("foo", &id);
    s.register(&foo_name, &payer, &owner, None).await?;
    s.accept(op::name_renew(&foo_name, &owner)).await?;
    s.reject(op::name_renew(&foo_name, &owner).labelled("a second renewal in the block"))
        .await?;
    let renewed = s.next_block().await?;
    s.check(name(&foo_name).last_renewed(renewed)).await
}

/// A renewal or a revoke sent in the block that registers the name is ignored: the name is
/// invisible until that block is processed.
pub async fn name_renew_and_revoke_in_registration_block(mut s: Scene) -> Outcome {
    let (id, [payer, owner, _]) = setup(&mut s).await?;
    let foo_name = fqn("foo", &id);
    let bar_name = fqn("bar", &id);
    s.accept(op::name_preorder(&foo_name, &payer, &owner))
        .await?;
    s.accept(op::name_preorder(&bar_name, &payer, &owner))
        .await?;
    s.accept(op::name_register(&foo_name, &payer, &owner))
        .await?;
    s.accept(op::name_register(&bar_name, &payer, &owner))
        .await?;
    s.reject(op::name_renew(&foo_name, &owner).labelled("renewal in the registration's block"))
        .await?;
    s.reject(op::name_revoke(&bar_name, &owner).labelled("revoke in the registration's block"))
        .await?;
    let block = s.next_block().await?;
    s.check(
        name(&foo_name)
            .owner(&owner)
            .last_renewed(block)
            .opcode("NAME_REGISTRATION"),
    )
    .await?;
    s.check(name(&bar_name).owner(&owner).revoked(false))
        .await?;
    s.check(no_preorder(&foo_name, &payer, &owner)).await
}

/// Renewals interleaved with updates and transfers, in separate blocks and in one block.
pub async fn name_renew_update_transfer_interleaved(mut s: Scene) -> Outcome {
    let (id, [payer, owner, buyer]) = setup(&mut s).await?;
    let foo_name = fqn("foo", &id);
    s.register(&foo_name, &payer, &owner, None).await?;
    s.accept(op::name_renew(&foo_name, &owner)).await?;
    s.accept(op::name_update(&foo_name, &owner, hash20(0x11)))
        .await?;
    s.accept(op::name_transfer(&foo_name, &owner, &buyer, true))
        .await?;
    let first = s.next_block().await?;
    s.check(
        name(&foo_name)
            .owner(&buyer)
            .value_hash(Some(hash20(0x11)))
            .last_renewed(first),
    )
    .await?;
    s.accept(op::name_update(&foo_name, &buyer, hash20(0x22)))
        .await?;
    s.next_block().await?;
    s.accept(op::name_renew(&foo_name, &buyer)).await?;
    let second = s.next_block().await?;
    s.accept(op::name_transfer(&foo_name, &buyer, &owner, false))
        .await?;
    s.next_block().await?;
    s.check(
        name(&foo_name)
            .owner(&owner)
            .value_hash(None)
            .last_renewed(second)
            .opcode("NAME_TRANSFER"),
    )
    .await
}
