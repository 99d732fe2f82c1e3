//! Name preorder and registration: the two-step commitment, who may register, quotas.

use super::prelude::*;

/// A preorder is stored until its registration consumes it.
pub async fn name_preorder_register(mut s: Scene) -> Outcome {
    let [payer, owner] = s.fund([single("payer"), single("owner")]).await?;
    let id = s.namespace_id("test");
    s.create_namespace(&id, &payer, &payer, reveal_params(52_595))
        .await?;
    let foo_name = fqn("foo", &id);
    s.accept(op::name_preorder(&foo_name, &payer, &owner))
        .await?;
    let preordered = s.next_block().await?;
    s.check(preorder(&foo_name, &payer, &owner)).await?;
    s.check(name(&foo_name).absent()).await?;

    s.accept(op::name_register(&foo_name, &payer, &owner))
        .await?;
    let registered = s.next_block().await?;
    s.check(no_preorder(&foo_name, &payer, &owner)).await?;
    // Epoch 3 doubles the namespace's lifetime; the grace period follows expiry.
    let expires = registered as i64 + 2 * 52_595;
    s.check(
        name(&foo_name)
            .owner(&owner)
            .value_hash(None)
            .revoked(false)
            .expired(false)
            .block_number(preordered)
            .first_registered(registered)
            .last_renewed(registered)
            .opcode("NAME_REGISTRATION")
            .expire_block(expires)
            .renewal_deadline(expires + 5_000),
    )
    .await?;
    s.check(owns(&owner, &[&foo_name])).await?;
    s.check(owns(&payer, &[])).await?;
    s.check(names_in(&id, &[&foo_name])).await
}

/// Only the preorder's payer may register, and only to the owner it committed to.
pub async fn name_register_needs_matching_preorder(mut s: Scene) -> Outcome {
    let [payer, owner, thief] = s
        .fund([single("payer"), single("owner"), single("thief")])
        .await?;
    let id = s.namespace_id("test");
    s.create_namespace(&id, &payer, &payer, reveal_params(52_595))
        .await?;
    let foo_name = fqn("foo", &id);
    s.reject(
        op::name_register(&foo_name, &thief, &thief).labelled("registration without a preorder"),
    )
    .await?;
    s.accept(op::name_preorder(&foo_name, &payer, &owner))
        .await?;
    s.next_block().await?;
    s.reject(op::name_register(&foo_name, &thief, &thief).labelled("thief registers to itself"))
        .await?;
    s.reject(op::name_register(&foo_name, &thief, &owner).labelled("thief registers to the owner"))
        .await?;
    s.reject(
        op::name_register(&foo_name, &payer, &thief).labelled("payer registers to another owner"),
    )
    .await?;
    s.next_block().await?;
    s.check(name(&foo_name).absent()).await?;
    s.check(preorder(&foo_name, &payer, &owner)).await?;
    s.accept(op::name_register(&foo_name, &payer, &owner))
        .await?;
    s.next_block().await?;
    s.check(name(&foo_name).owner(&owner)).await?;
    s.check(owns(&thief, &[])).await
}

/// A preorder and its registration may share a block.
pub async fn name_preorder_register_same_block(mut s: Scene) -> Outcome {
    let [payer, owner] = s.fund([single("payer"), single("owner")]).await?;
    let id = s.namespace_id("test");
    s.create_namespace(&id, &payer, &payer, reveal_params(52_595))
        .await?;
    let foo_name = fqn("foo", &id);
    s.accept(op::name_preorder(&foo_name, &payer, &owner))
        .await?;
    s.accept(op::name_register(&foo_name, &payer, &owner))
        .await?;
    let block = s.next_block().await?;
    s.check(
        name(&foo_name)
            .owner(&owner)
            .block_number(block)
            .first_registered(block),
    )
    .await?;
    s.check(no_preorder(&foo_name, &payer, &owner)).await
}

/// A registered name cannot be taken: another party's preorder is stored, its registration is
/// refused.
pub async fn name_registered_cannot_be_taken(mut s: Scene) -> Outcome {
    let [payer, owner, rival] = s
        .fund([single("payer"), single("owner"), single("rival")])
        .await?;
    let id = s.namespace_id("test");
    s.create_namespace(&id, &payer, &payer, reveal_params(52_595))
        .await?;
    let foo_name = fqn("foo", &id);
    s.register(&foo_name, &payer, &owner, None).await?;
    s.accept(op::name_preorder(&foo_name, &rival, &rival))
        .await?;
    s.next_block().await?;
    s.reject(op::name_register(&foo_name, &rival, &rival))
        .await?;
    s.next_block().await?;
    s.check(name(&foo_name).owner(&owner)).await?;
    s.check(preorder(&foo_name, &rival, &rival)).await
}

/// Two identical preorders in one block: the second is refused; the registration deletes the
/// stored one.
pub async fn name_preorder_twice_in_one_block(mut s: Scene) -> Outcome {
    let [payer, owner] = s.fund([single("payer"), single("owner")]).await?;
    let id = s.namespace_id("test");
    s.create_namespace(&id, &payer, &payer, reveal_params(52_595))
        .await?;
    let foo_name = fqn("foo", &id);
    s.accept(op::name_preorder(&foo_name, &payer, &owner))
        .await?;
    s.reject(op::name_preorder(&foo_name, &payer, &owner).labelled("the same preorder again"))
        .await?;
    s.next_block().await?;
    s.accept(op::name_register(&foo_name, &payer, &owner))
        .await?;
    s.next_block().await?;
    s.check(no_preorder(&foo_name, &payer, &owner)).await?;
    s.check(name(&foo_name).owner(&owner)).await
}

/// A name preorder references a consensus hash of the last 24 blocks.
pub async fn name_preorder_consensus_window(mut s: Scene) -> Outcome {
    let [payer, owner] = s.fund([single("payer"), single("owner")]).await?;
    let id = s.namespace_id("test");
    s.create_namespace(&id, &payer, &payer, reveal_params(52_595))
        .await?;
    let stale = fqn("stale", &id);
    let fresh = fqn("fresh", &id);
    s.reject(op::name_preorder(&stale, &payer, &owner).consensus(ChRef::Back(24)))
        .await?;
    s.accept(op::name_preorder(&fresh, &payer, &owner).consensus(ChRef::Back(23)))
        .await?;
    s.next_block().await?;
    s.reject(op::name_register(&stale, &payer, &owner)).await?;
    s.accept(op::name_register(&fresh, &payer, &owner)).await?;
    s.next_block().await?;
    s.check(name(&stale).absent()).await?;
    s.check(name(&fresh).owner(&owner)).await
}

/// A name cannot be registered before its namespace is ready, nor with a preorder made
/// before the namespace was ready.
pub async fn name_needs_a_ready_namespace(mut s: Scene) -> Outcome {
    let [payer, revealer, owner] = s
        .fund([single("payer"), single("revealer"), single("owner")])
        .await?;
    let id = s.namespace_id("test");
    s.reveal_namespace(&id, &payer, &revealer, reveal_params(52_595))
        .await?;
    let early = fqn("early", &id);
    s.accept(op::name_preorder(&early, &payer, &owner)).await?;
    s.next_block().await?;
    s.reject(op::name_register(&early, &payer, &owner).labelled("registration before ready"))
        .await?;
    s.accept(op::namespace_ready(&id, &revealer)).await?;
    s.next_block().await?;
    s.reject(op::name_register(&early, &payer, &owner).labelled("preorder older than ready"))
        .await?;
    let late = fqn("late", &id);
    s.accept(op::name_preorder(&late, &payer, &owner)).await?;
    s.next_block().await?;
    s.accept(op::name_register(&late, &payer, &owner)).await?;
    s.next_block().await?;
    s.check(name(&early).absent()).await?;
    s.check(name(&late).owner(&owner)).await
}

/// One owner holds at most 25 names: the 26th registration in a block is refused, a transfer
/// to a full owner is refused, and a full owner cannot even renew (bns.md §9.4 step 6).
pub async fn name_quota_of_25_per_owner(mut s: Scene) -> Outcome {
    let [p0, p1, p2, p3, p4, p5, owner, other] = s
        .fund([
            single("payer0"),
            single("payer1"),
            single("payer2"),
            single("payer3"),
            single("payer4"),
            single("payer5"),
            single("owner"),
            single("other"),
        ])
        .await?;
    let payers = [p0, p1, p2, p3, p4, p5];
    let id = s.namespace_id("quota");
    s.create_namespace(&id, &payers[0], &payers[0], reveal_params(52_595))
        .await?;
    let names: Vec<String> = (0..26)
        .map(|i| fqn(&format!("quota{i:02}x"), &id))
        .collect();
    for (i, n) in names.iter().enumerate() {
        s.accept(op::name_preorder(n, &payers[i % 6], &owner))
            .await?;
    }
    let extra = fqn("extrax", &id);
    s.accept(op::name_preorder(&extra, &other, &other)).await?;
    s.next_block().await?;
    for (i, n) in names.iter().enumerate() {
        let register = op::name_register(n, &payers[i % 6], &owner);
        if i < 25 {
            s.accept(register).await?;
        } else {
            s.reject(register.labelled("the 26th registration to one owner"))
                .await?;
        }
    }
    s.accept(op::name_register(&extra, &other, &other)).await?;
    s.next_block().await?;
    let owned: Vec<&str> = names.iter().take(25).map(String::as_str).collect();
    s.check(owns(&owner, &owned)).await?;
    s.check(name(&names[25]).absent()).await?;
    s.reject(op::name_transfer(&extra, &other, &owner, true).labelled("transfer to a full owner"))
        .await?;
    s.reject(op::name_renew(&names[0], &owner).labelled("renewal by a full owner"))
        .await?;
    s.next_block().await?;
    s.check(name(&extra).owner(&other)).await
}

/// A name preorder must be used within the namespace's name lifetime (bns.md §8.5).
pub async fn name_preorder_outlived_by_lifetime(mut s: Scene) -> Outcome {
    let [payer, owner] = s.fund([single("payer"), single("owner")]).await?;
    let id = s.namespace_id("test");
    let lifetime = 6;
    s.create_namespace(&id, &payer, &payer, reveal_params(lifetime))
        .await?;
    let in_time = fqn("intime", &id);
    let too_late = fqn("toolate", &id);
    s.accept(op::name_preorder(&in_time, &payer, &owner))
        .await?;
    s.accept(op::name_preorder(&too_late, &payer, &owner))
        .await?;
    let preordered = s.next_block().await?;
    let span = u64::from(lifetime) * s.rules().epoch(preordered).lifetime_multiplier;
    // Usable while preorder block + lifetime > the last block before the registration.
    s.advance_to(preordered + span - 1).await?;
    s.accept(op::name_register(&in_time, &payer, &owner))
        .await?;
    s.next_block().await?;
    s.reject(op::name_register(&too_late, &payer, &owner))
        .await?;
    s.next_block().await?;
    s.check(name(&in_time).owner(&owner)).await?;
    s.check(name(&too_late).absent()).await?;
    s.check(preorder(&too_late, &payer, &owner)).await
}
