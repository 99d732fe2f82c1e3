//! NAME_REVOKE: a revoked name is frozen until it expires.

use super::prelude::*;

async fn setup(s: &mut Scene) -> Outcome<(String, [crate::wallets::Wallet; 3])> {
    let w = s
        .fund([single("payer"), single("owner"), single("rival")])
        .await?;
    let id = s.namespace_id("test");
    s.create_namespace(&id, &w[0], &w[0], reveal_params(52_595))
        .await?;
    Ok((id, w))
}

/// A revoked name loses its zone-file hash and can be neither updated, transferred, renewed
/// nor registered by anyone else; it stays listed in its namespace but not as owned.
pub async fn name_revoke_freezes_name(mut s: Scene) -> Outcome {
    let (id, [payer, owner, rival]) = setup(&mut s).await?;
    let foo_name = fqn("foo", &id);
    s.register(&foo_name, &payer, &owner, Some(hash20(0x11)))
        .await?;
    s.accept(op::name_revoke(&foo_name, &owner)).await?;
    s.next_block().await?;
    s.check(
        name(&foo_name)
            .owner(&owner)
            .revoked(true)
            .value_hash(None)
            .opcode("NAME_REVOKE"),
    )
    .await?;
    s.check(owns(&owner, &[])).await?;
    s.check(names_in(&id, &[&foo_name])).await?;
    s.accept(op::name_preorder(&foo_name, &rival, &rival))
        .await?;
    s.reject(op::name_update(&foo_name, &owner, hash20(0x22)).labelled("update of a revoked name"))
        .await?;
    s.reject(
        op::name_transfer(&foo_name, &owner, &rival, true).labelled("transfer of a revoked name"),
    )
    .await?;
    s.reject(op::name_renew(&foo_name, &owner).labelled("renewal of a revoked name"))
        .await?;
    s.reject(op::name_revoke(&foo_name, &owner).labelled("a second revoke"))
        .await?;
    s.next_block().await?;
    s.reject(
        op::name_register(&foo_name, &rival, &rival).labelled("registration of a revoked name"),
    )
    .await?;
    s.next_block().await?;
    s.check(name(&foo_name).owner(&owner).revoked(true).value_hash(None))
        .await
}

/// Only the owner can revoke.
pub async fn name_revoke_by_non_owner_ignored(mut s: Scene) -> Outcome {
    let (id, [payer, owner, rival]) = setup(&mut s).await?;
    let foo_name = fqn("foo", &id);
    s.register(&foo_name, &payer, &owner, None).await?;
    s.reject(op::name_revoke(&foo_name, &rival)).await?;
    s.reject(op::name_revoke(&foo_name, &payer).labelled("revoke by the registration's payer"))
        .await?;
    s.next_block().await?;
    s.check(name(&foo_name).owner(&owner).revoked(false))
        .await?;
    s.check(owns(&owner, &[&foo_name])).await
}

/// In one block an update followed by a revoke are both applied, while an update after a
/// revoke is refused.
pub async fn name_revoke_and_update_in_one_block(mut s: Scene) -> Outcome {
    let (id, [payer, owner, _]) = setup(&mut s).await?;
    let foo_name = fqn("foo", &id);
    let bar_name = fqn("bar", &id);
    s.register(&foo_name, &payer, &owner, None).await?;
    s.register(&bar_name, &payer, &owner, None).await?;
    s.accept(op::name_update(&foo_name, &owner, hash20(0x11)))
        .await?;
    s.accept(op::name_revoke(&foo_name, &owner)).await?;
    s.accept(op::name_revoke(&bar_name, &owner)).await?;
    s.reject(op::name_update(&bar_name, &owner, hash20(0x22)).labelled("update after the revoke"))
        .await?;
    s.next_block().await?;
    s.check(name(&foo_name).revoked(true).value_hash(None))
        .await?;
    s.check(name(&bar_name).revoked(true).value_hash(None))
        .await
}

/// Once a revoked name expires, anyone may register it, unrevoked.
pub async fn revoked_name_registered_after_expiry(mut s: Scene) -> Outcome {
    let w = s
        .fund([single("payer"), single("owner"), single("rival")])
        .await?;
    let [payer, owner, rival] = w;
    let id = s.namespace_id("life");
    let lifetime = 6;
    s.create_namespace(&id, &payer, &payer, reveal_params(lifetime))
        .await?;
    let foo_name = fqn("foo", &id);
    let r = s.register(&foo_name, &payer, &owner, None).await?;
    s.accept(op::name_revoke(&foo_name, &owner)).await?;
    s.next_block().await?;
    let grace = s.rules().epoch(r).grace_period;
    s.advance_to(r + u64::from(lifetime) + grace).await?;
    s.accept(op::name_preorder(&foo_name, &rival, &rival))
        .await?;
    s.next_block().await?;
    s.accept(op::name_register(&foo_name, &rival, &rival))
        .await?;
    s.next_block().await?;
    s.check(name(&foo_name).owner(&rival).revoked(false))
        .await?;
    s.accept(op::name_update(&foo_name, &rival, hash20(0x33)))
        .await?;
    s.next_block().await?;
    s.check(name(&foo_name).value_hash(Some(hash20(0x33))))
        .await
}
