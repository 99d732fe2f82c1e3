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
    let foo = fqn("foo", &id);
    s.register(&foo, &payer, &owner, Some(hash20(0x11))).await?;
    s.accept(op::name_revoke(&foo, &owner)).await?;
    s.next_block().await?;
    s.check(
        name(&foo)
            .owner(&owner)
            .revoked(true)
            .value_hash(None)
            .opcode("NAME_REVOKE"),
    )
    .await?;
    s.check(owns(&owner, &[])).await?;
    s.check(names_in(&id, &[&foo])).await?;
    s.accept(op::name_preorder(&foo, &rival, &rival)).await?;
    s.reject(op::name_update(&foo, &owner, hash20(0x22)).labelled("update of a revoked name"))
        .await?;
    s.reject(op::name_transfer(&foo, &owner, &rival, true).labelled("transfer of a revoked name"))
        .await?;
    s.reject(op::name_renew(&foo, &owner).labelled("renewal of a revoked name"))
        .await?;
    s.reject(op::name_revoke(&foo, &owner).labelled("a second revoke"))
        .await?;
    s.next_block().await?;
    s.reject(op::name_register(&foo, &rival, &rival).labelled("registration of a revoked name"))
        .await?;
    s.next_block().await?;
    s.check(name(&foo).owner(&owner).revoked(true).value_hash(None))
        .await
}

/// Only the owner can revoke.
pub async fn name_revoke_by_non_owner_ignored(mut s: Scene) -> Outcome {
    let (id, [payer, owner, rival]) = setup(&mut s).await?;
    let foo = fqn("foo", &id);
    s.register(&foo, &payer, &owner, None).await?;
    s.reject(op::name_revoke(&foo, &rival)).await?;
    s.reject(op::name_revoke(&foo, &payer).labelled("revoke by the registration's payer"))
        .await?;
    s.next_block().await?;
    s.check(name(&foo).owner(&owner).revoked(false)).await?;
    s.check(owns(&owner, &[&foo])).await
}

/// In one block an update followed by a revoke are both applied, while an update after a
/// revoke is refused.
pub async fn name_revoke_and_update_in_one_block(mut s: Scene) -> Outcome {
    let (id, [payer, owner, _]) = setup(&mut s).await?;
    let foo = fqn("foo", &id);
    let bar = fqn("bar", &id);
    s.register(&foo, &payer, &owner, None).await?;
    s.register(&bar, &payer, &owner, None).await?;
    s.accept(op::name_update(&foo, &owner, hash20(0x11)))
        .await?;
    s.accept(op::name_revoke(&foo, &owner)).await?;
    s.accept(op::name_revoke(&bar, &owner)).await?;
    s.reject(op::name_update(&bar, &owner, hash20(0x22)).labelled("update after the revoke"))
        .await?;
    s.next_block().await?;
    s.check(name(&foo).revoked(true).value_hash(None)).await?;
    s.check(name(&bar).revoked(true).value_hash(None)).await
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
    let foo = fqn("foo", &id);
    let r = s.register(&foo, &payer, &owner, None).await?;
    s.accept(op::name_revoke(&foo, &owner)).await?;
    s.next_block().await?;
    let grace = s.rules().epoch(r).grace_period;
    s.advance_to(r + u64::from(lifetime) + grace).await?;
    s.accept(op::name_preorder(&foo, &rival, &rival)).await?;
    s.next_block().await?;
    s.accept(op::name_register(&foo, &rival, &rival)).await?;
    s.next_block().await?;
    s.check(name(&foo).owner(&rival).revoked(false)).await?;
    s.accept(op::name_update(&foo, &rival, hash20(0x33)))
        .await?;
    s.next_block().await?;
    s.check(name(&foo).value_hash(Some(hash20(0x33)))).await
}
