//! NAME_UPDATE: zone-file hashes, who may set them, stale consensus hashes, history.

use super::prelude::*;

/// The owner's update sets the zone-file hash and records the consensus hash it matched.
pub async fn name_update_sets_hash(mut s: Scene) -> Outcome {
    let [payer, owner] = s.fund([single("payer"), single("owner")]).await?;
    let id = s.namespace_id("test");
    s.create_namespace(&id, &payer, &payer, reveal_params(52_595))
        .await?;
    let foo_name = fqn("foo", &id);
    let registered = s.register(&foo_name, &payer, &owner, None).await?;
    let referenced = s
        .world()
        .consensus_at(s.height())
        .await
        .map_err(|e| s.fail("consensus", e))?;
    s.accept(op::name_update(&foo_name, &owner, hash20(0x11)))
        .await?;
    s.next_block().await?;
    s.check(
        name(&foo_name)
            .owner(&owner)
            .value_hash(Some(hash20(0x11)))
            .opcode("NAME_UPDATE")
            .consensus_hash(Some(&referenced))
            .first_registered(registered)
            .last_renewed(registered),
    )
    .await?;
    s.check(owns(&owner, &[&foo_name])).await
}

/// Only the owner's update is accepted.
pub async fn name_update_by_non_owner_ignored(mut s: Scene) -> Outcome {
    let [payer, owner, stranger] = s
        .fund([single("payer"), single("owner"), single("stranger")])
        .await?;
    let id = s.namespace_id("test");
    s.create_namespace(&id, &payer, &payer, reveal_params(52_595))
        .await?;
    let foo_name = fqn("foo", &id);
    s.register(&foo_name, &payer, &owner, Some(hash20(0x01)))
        .await?;
    s.reject(op::name_update(&foo_name, &stranger, hash20(0x22)).labelled("update by a stranger"))
        .await?;
    s.reject(
        op::name_update(&foo_name, &payer, hash20(0x33))
            .labelled("update by the registration's payer"),
    )
    .await?;
    s.next_block().await?;
    s.check(name(&foo_name).owner(&owner).value_hash(Some(hash20(0x01))))
        .await
}

/// An update references one of the last 24 consensus hashes: 23 blocks back is accepted, 24 is
/// stale.
pub async fn name_update_consensus_window(mut s: Scene) -> Outcome {
    let [payer, owner] = s.fund([single("payer"), single("owner")]).await?;
    let id = s.namespace_id("test");
    s.create_namespace(&id, &payer, &payer, reveal_params(52_595))
        .await?;
    let foo_name = fqn("foo", &id);
    s.register(&foo_name, &payer, &owner, None).await?;
    s.advance(24).await?;
    let oldest = s
        .world()
        .consensus_at(s.height() - 23)
        .await
        .map_err(|e| s.fail("consensus", e))?;
    s.reject(op::name_update(&foo_name, &owner, hash20(0x24)).consensus(ChRef::Back(24)))
        .await?;
    s.next_block().await?;
    s.check(name(&foo_name).value_hash(None)).await?;
    let oldest_now = s
        .world()
        .consensus_at(s.height() - 23)
        .await
        .map_err(|e| s.fail("consensus", e))?;
    s.accept(op::name_update(&foo_name, &owner, hash20(0x23)).consensus(ChRef::Back(23)))
        .await?;
    s.next_block().await?;
    s.ensure_eq("a fresh oldest hash", true, oldest != oldest_now)?;
    s.check(
        name(&foo_name)
            .value_hash(Some(hash20(0x23)))
            .consensus_hash(Some(&oldest_now)),
    )
    .await
}

/// Several updates of one name in one block are all applied, in order; the name's history
/// holds each of them at that block.
pub async fn name_updates_in_one_block(mut s: Scene) -> Outcome {
    let [payer, owner] = s.fund([single("payer"), single("owner")]).await?;
    let id = s.namespace_id("test");
    s.create_namespace(&id, &payer, &payer, reveal_params(52_595))
        .await?;
    let foo_name = fqn("foo", &id);
    s.register(&foo_name, &payer, &owner, None).await?;
    for byte in 1..=5 {
        s.accept(op::name_update(&foo_name, &owner, hash20(byte)))
            .await?;
    }
    let block = s.next_block().await?;
    s.check(name(&foo_name).value_hash(Some(hash20(5)))).await?;
    let states = s
        .node()
        .name_at(&foo_name, block)
        .await
        .map_err(|e| s.fail("get_name_at", e))?;
    let mut hashes: Vec<String> = states
        .iter()
        .filter_map(|st| st["value_hash"].as_str().map(str::to_owned))
        .collect();
    hashes.sort();
    let want: Vec<String> = (1..=5).map(|b| hex::encode(hash20(b))).collect();
    s.ensure_eq(
        format!("states of {foo_name} at block {block}"),
        want,
        hashes,
    )
}

/// A name registered in a block cannot be updated in that block: it is invisible until the
/// block is processed (bns.md §6.1).
pub async fn name_update_in_its_registration_block(mut s: Scene) -> Outcome {
    let [payer, owner] = s.fund([single("payer"), single("owner")]).await?;
    let id = s.namespace_id("test");
    s.create_namespace(&id, &payer, &payer, reveal_params(52_595))
        .await?;
    let foo_name = fqn("foo", &id);
    s.accept(op::name_preorder(&foo_name, &payer, &owner))
        .await?;
    s.next_block().await?;
    s.accept(op::name_register(&foo_name, &payer, &owner))
        .await?;
    s.reject(
        op::name_update(&foo_name, &owner, hash20(0x11))
            .labelled("update in the registration's block"),
    )
    .await?;
    s.next_block().await?;
    s.check(name(&foo_name).owner(&owner).value_hash(None))
        .await?;
    s.accept(op::name_update(&foo_name, &owner, hash20(0x11)))
        .await?;
    s.next_block().await?;
    s.check(name(&foo_name).value_hash(Some(hash20(0x11))))
        .await
}

/// The history lists every block the name changed in and the state it had in each.
pub async fn name_history_lists_every_state(mut s: Scene) -> Outcome {
    let [payer, owner] = s.fund([single("payer"), single("owner")]).await?;
    let id = s.namespace_id("test");
    s.create_namespace(&id, &payer, &payer, reveal_params(52_595))
        .await?;
    let foo_name = fqn("foo", &id);
    s.accept(op::name_preorder(&foo_name, &payer, &owner))
        .await?;
    let preordered = s.next_block().await?;
    s.accept(op::name_register(&foo_name, &payer, &owner))
        .await?;
    let registered = s.next_block().await?;
    let mut blocks = vec![preordered, registered];
    for byte in 1..=3 {
        s.accept(op::name_update(&foo_name, &owner, hash20(byte)))
            .await?;
        blocks.push(s.next_block().await?);
        s.next_block().await?;
    }
    let got = s
        .node()
        .name_history_blocks(&foo_name)
        .await
        .map_err(|e| s.fail("get_name_history_blocks", e))?;
    s.ensure_eq(format!("history blocks of {foo_name}"), blocks.clone(), got)?;
    for (i, block) in blocks.iter().enumerate().skip(2) {
        let states = s
            .node()
            .name_at(&foo_name, *block)
            .await
            .map_err(|e| s.fail("get_name_at", e))?;
        let hashes: Vec<Option<&str>> = states.iter().map(|st| st["value_hash"].as_str()).collect();
        let want = hex::encode(hash20(u8::try_from(i - 1).unwrap_or(0)));
        s.ensure_eq(
            format!("{foo_name} at block {block}"),
            vec![Some(want.as_str())],
            hashes,
        )?;
    }
    // Between updates, the state is the one of the last change.
    let between = s
        .node()
        .name_at(&foo_name, blocks[3] + 1)
        .await
        .map_err(|e| s.fail("get_name_at", e))?;
    let want = hex::encode(hash20(2));
    s.ensure_eq(
        format!("{foo_name} just after block {}", blocks[3]),
        vec![Some(want.as_str())],
        between.iter().map(|st| st["value_hash"].as_str()).collect(),
    )
}

/// Epoch 3's register-and-update sets the zone-file hash at registration; an update then
/// replaces it.
pub async fn name_register_with_hash_then_update(mut s: Scene) -> Outcome {
    let [payer, owner] = s.fund([single("payer"), single("owner")]).await?;
    let id = s.namespace_id("test");
    s.create_namespace(&id, &payer, &payer, reveal_params(52_595))
        .await?;
    let foo_name = fqn("foo", &id);
    s.register(&foo_name, &payer, &owner, Some(hash20(0x11)))
        .await?;
    s.check(
        name(&foo_name)
            .owner(&owner)
            .value_hash(Some(hash20(0x11)))
            .opcode("NAME_REGISTRATION"),
    )
    .await?;
    s.accept(op::name_update(&foo_name, &owner, hash20(0x22)))
        .await?;
    s.next_block().await?;
    s.check(
        name(&foo_name)
            .value_hash(Some(hash20(0x22)))
            .opcode("NAME_UPDATE"),
    )
    .await
}
