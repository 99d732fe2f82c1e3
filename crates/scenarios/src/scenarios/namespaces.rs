//! Namespace lifecycle: preorder, reveal, ready, who may do each and when reveals expire.

use super::prelude::*;

/// A namespace preorder is stored, consumed by the reveal, and the revealer launches it.
pub async fn namespace_preorder_reveal_ready(mut s: Scene) -> Outcome {
    let [payer, revealer] = s.fund([single("payer"), single("revealer")]).await?;
    let id = s.namespace_id("test");
    s.accept(op::namespace_preorder(&id, &payer, &revealer))
        .await?;
    s.next_block().await?;
    s.check(preorder(&id, &payer, &revealer)).await?;
    s.check(namespace(&id).absent()).await?;

    s.accept(op::namespace_reveal(
        &id,
        &payer,
        &revealer,
        reveal_params(52_595),
    ))
    .await?;
    let revealed = s.next_block().await?;
    s.check(no_preorder(&id, &payer, &revealer)).await?;
    s.check(
        namespace(&id)
            .revealed()
            .lifetime(52_595)
            .version(1)
            .price(STANDARD_PRICE)
            .revealer(&revealer)
            .creator(&payer)
            .reveal_block(revealed),
    )
    .await?;
    let listed = s
        .node()
        .all_namespaces()
        .await
        .map_err(|e| s.fail("get_all_namespaces", e))?;
    s.ensure_eq(
        "revealed namespace listed as ready",
        false,
        listed.contains(&id),
    )?;

    s.accept(op::namespace_ready(&id, &revealer)).await?;
    let ready = s.next_block().await?;
    s.check(
        namespace(&id)
            .ready()
            .reveal_block(revealed)
            .ready_block(ready)
            .revealer(&revealer)
            .creator(&payer),
    )
    .await?;
    let listed = s
        .node()
        .all_namespaces()
        .await
        .map_err(|e| s.fail("get_all_namespaces", e))?;
    s.ensure_eq("ready namespace listed", true, listed.contains(&id))
}

/// A reveal is accepted only from the preorder's payer, to the revealer it committed to.
pub async fn namespace_reveal_needs_its_preorder(mut s: Scene) -> Outcome {
    let [payer, revealer, other] = s
        .fund([single("payer"), single("revealer"), single("other")])
        .await?;
    let id = s.namespace_id("test");
    let params = reveal_params(52_595);
    s.reject(
        op::namespace_reveal(&id, &payer, &revealer, params).labelled("reveal without a preorder"),
    )
    .await?;
    s.accept(op::namespace_preorder(&id, &payer, &revealer))
        .await?;
    s.next_block().await?;
    s.reject(
        op::namespace_reveal(&id, &other, &revealer, params).labelled("reveal by another payer"),
    )
    .await?;
    s.reject(
        op::namespace_reveal(&id, &payer, &other, params).labelled("reveal to another revealer"),
    )
    .await?;
    s.next_block().await?;
    s.check(namespace(&id).absent()).await?;
    s.check(preorder(&id, &payer, &revealer)).await?;
    s.accept(op::namespace_reveal(&id, &payer, &revealer, params))
        .await?;
    s.next_block().await?;
    s.check(
        namespace(&id)
            .revealed()
            .revealer(&revealer)
            .creator(&payer),
    )
    .await
}

/// READY needs a reveal mined in an earlier block, and only the revealer may send it, once.
pub async fn namespace_ready_rules(mut s: Scene) -> Outcome {
    let [payer, revealer] = s.fund([single("payer"), single("revealer")]).await?;
    let id = s.namespace_id("test");
    s.accept(op::namespace_preorder(&id, &payer, &revealer))
        .await?;
    s.next_block().await?;
    s.accept(op::namespace_reveal(
        &id,
        &payer,
        &revealer,
        reveal_params(52_595),
    ))
    .await?;
    s.reject(op::namespace_ready(&id, &revealer).labelled("ready in the reveal's block"))
        .await?;
    s.next_block().await?;
    s.check(namespace(&id).revealed()).await?;
    s.reject(op::namespace_ready(&id, &payer).labelled("ready by the preorder's payer"))
        .await?;
    s.next_block().await?;
    s.check(namespace(&id).revealed()).await?;
    s.accept(op::namespace_ready(&id, &revealer)).await?;
    let ready = s.next_block().await?;
    s.reject(op::namespace_ready(&id, &revealer).labelled("a second ready"))
        .await?;
    s.next_block().await?;
    s.check(namespace(&id).ready().ready_block(ready)).await
}

/// Two individually valid reveals of one namespace in one block are both rejected; a later
/// reveal by one of them wins, and the other can no longer reveal it.
pub async fn namespace_reveals_collide(mut s: Scene) -> Outcome {
    let [a, a_rev, b, b_rev] = s
        .fund([
            single("a"),
            single("a-revealer"),
            single("b"),
            single("b-revealer"),
        ])
        .await?;
    let id = s.namespace_id("test");
    s.accept(op::namespace_preorder(&id, &a, &a_rev)).await?;
    s.accept(op::namespace_preorder(&id, &b, &b_rev)).await?;
    s.next_block().await?;
    s.reject(op::namespace_reveal(&id, &a, &a_rev, reveal_params(52_595)))
        .await?;
    s.reject(op::namespace_reveal(&id, &b, &b_rev, reveal_params(11_111)))
        .await?;
    s.next_block().await?;
    s.check(namespace(&id).absent()).await?;
    s.check(preorder(&id, &a, &a_rev)).await?;
    s.check(preorder(&id, &b, &b_rev)).await?;
    s.accept(op::namespace_reveal(&id, &a, &a_rev, reveal_params(52_595)))
        .await?;
    s.next_block().await?;
    s.reject(op::namespace_reveal(&id, &b, &b_rev, reveal_params(11_111)))
        .await?;
    s.next_block().await?;
    s.check(
        namespace(&id)
            .revealed()
            .revealer(&a_rev)
            .creator(&a)
            .lifetime(52_595),
    )
    .await
}

/// Several namespaces revealed in one block each keep their own parameters.
pub async fn namespaces_revealed_together_keep_their_parameters(mut s: Scene) -> Outcome {
    let [payer, revealer] = s.fund([single("payer"), single("revealer")]).await?;
    let ids: Vec<String> = (0..3).map(|_| s.namespace_id("multi")).collect();
    for id in &ids {
        s.accept(op::namespace_preorder(id, &payer, &revealer))
            .await?;
    }
    s.next_block().await?;
    let params = |i: u8| blockstack_client::compose::RevealParams {
        lifetime: 52_595 + u32::from(i),
        price: blockstack_consensus::price::PriceFunction {
            coeff: 250 + i,
            base: 4 + i,
            buckets: STANDARD_PRICE.buckets.map(|b| b + i),
            nonalpha_discount: 10 + i,
            no_vowel_discount: 11 + i,
        },
        version: 1,
    };
    for (i, id) in (0u8..).zip(&ids) {
        s.accept(op::namespace_reveal(id, &payer, &revealer, params(i)))
            .await?;
    }
    s.next_block().await?;
    for (i, id) in (0u8..).zip(&ids) {
        let p = params(i);
        s.check(
            namespace(id)
                .revealed()
                .lifetime(u64::from(p.lifetime))
                .price(p.price),
        )
        .await?;
    }
    Ok(())
}

/// A ready namespace cannot be preordered and revealed again by someone else.
pub async fn namespace_ready_cannot_be_revealed_again(mut s: Scene) -> Outcome {
    let [payer, revealer, other, other_rev] = s
        .fund([
            single("payer"),
            single("revealer"),
            single("other"),
            single("other-revealer"),
        ])
        .await?;
    let id = s.namespace_id("test");
    s.create_namespace(&id, &payer, &revealer, reveal_params(52_595))
        .await?;
    s.accept(op::namespace_preorder(&id, &other, &other_rev))
        .await?;
    s.next_block().await?;
    let mut params = reveal_params(52_595);
    params.price.coeff = 251;
    s.reject(op::namespace_reveal(&id, &other, &other_rev, params))
        .await?;
    s.next_block().await?;
    s.reject(op::namespace_ready(&id, &other_rev)).await?;
    s.next_block().await?;
    s.check(
        namespace(&id)
            .ready()
            .revealer(&revealer)
            .creator(&payer)
            .price(STANDARD_PRICE),
    )
    .await
}

/// A namespace preorder references a consensus hash of the last 24 blocks.
pub async fn namespace_preorder_consensus_window(mut s: Scene) -> Outcome {
    let [payer, revealer, late] = s
        .fund([single("payer"), single("revealer"), single("late")])
        .await?;
    let stale = s.namespace_id("stale");
    let fresh = s.namespace_id("fresh");
    s.reject(op::namespace_preorder(&stale, &late, &revealer).consensus(ChRef::Back(24)))
        .await?;
    s.accept(op::namespace_preorder(&fresh, &payer, &revealer).consensus(ChRef::Back(23)))
        .await?;
    s.next_block().await?;
    s.check(no_preorder(&stale, &late, &revealer)).await?;
    s.check(preorder(&fresh, &payer, &revealer)).await?;
    s.reject(op::namespace_reveal(
        &stale,
        &late,
        &revealer,
        reveal_params(52_595),
    ))
    .await?;
    s.accept(op::namespace_reveal(
        &fresh,
        &payer,
        &revealer,
        reveal_params(52_595),
    ))
    .await?;
    s.next_block().await?;
    s.check(namespace(&stale).absent()).await?;
    s.check(namespace(&fresh).revealed()).await
}

/// Namespace preorders never expire in v0.18 (bns.md §8.6): a reveal 30 blocks later is
/// accepted.
pub async fn namespace_preorder_is_usable_later(mut s: Scene) -> Outcome {
    let [payer, revealer] = s.fund([single("payer"), single("revealer")]).await?;
    let id = s.namespace_id("test");
    s.accept(op::namespace_preorder(&id, &payer, &revealer))
        .await?;
    s.next_block().await?;
    s.advance(30).await?;
    s.check(preorder(&id, &payer, &revealer)).await?;
    s.accept(op::namespace_reveal(
        &id,
        &payer,
        &revealer,
        reveal_params(52_595),
    ))
    .await?;
    s.next_block().await?;
    s.check(namespace(&id).revealed()).await
}

/// A P2SH multisig payer preorders and reveals a namespace; its single-key revealer readies it.
pub async fn namespace_multisig_payer(mut s: Scene) -> Outcome {
    let [team, revealer] = s.fund([multisig("team", 2, 3), single("revealer")]).await?;
    let id = s.namespace_id("test");
    s.create_namespace(&id, &team, &revealer, reveal_params(52_595))
        .await?;
    s.check(namespace(&id).ready().creator(&team).revealer(&revealer))
        .await
}

/// A namespace revealed but never readied expires after NAMESPACE_REVEAL_EXPIRE blocks, with
/// the names imported into it; someone else may then reveal it, and the old imports come back
/// to life under the new reveal (bns.md §9.10).
pub async fn namespace_reveal_expires(mut s: Scene) -> Outcome {
    let [payer, revealer, owner, payer2, revealer2] = s
        .fund([
            single("payer"),
            single("revealer"),
            single("owner"),
            single("payer2"),
            single("revealer2"),
        ])
        .await?;
    let id = s.namespace_id("test");
    let revealed = s
        .reveal_namespace(&id, &payer, &revealer, reveal_params(52_595))
        .await?;
    let foo_name = fqn("foo", &id);
    s.accept(op::name_import(&foo_name, &revealer, &owner, hash20(0x11)))
        .await?;
    s.next_block().await?;
    s.check(name(&foo_name).owner(&owner).value_hash(Some(hash20(0x11))))
        .await?;
    let expire = s.rules().namespace_reveal_expire;
    // READY is accepted up to block reveal + expire; one block later it is too late.
    s.advance_to(revealed + expire).await?;
    s.check(namespace(&id).absent()).await?;
    s.reject(op::namespace_ready(&id, &revealer).labelled("ready after the reveal expired"))
        .await?;
    s.reject(op::name_import(
        &fqn("bar", &id),
        &revealer,
        &owner,
        hash20(0x22),
    ))
    .await?;
    s.accept(op::namespace_preorder(&id, &payer2, &revealer2))
        .await?;
    s.next_block().await?;
    s.accept(op::namespace_reveal(
        &id,
        &payer2,
        &revealer2,
        reveal_params(52_595),
    ))
    .await?;
    s.next_block().await?;
    s.check(
        namespace(&id)
            .revealed()
            .revealer(&revealer2)
            .creator(&payer2),
    )
    .await?;
    s.check(name(&foo_name).owner(&owner).value_hash(Some(hash20(0x11))))
        .await?;
    s.check(names_in(&id, &[&foo_name])).await
}
