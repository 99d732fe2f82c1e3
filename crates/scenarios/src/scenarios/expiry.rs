//! Names expiring: the windows in which each operation is still accepted (bns.md §8.4), the
//! grace period of epoch 3, and expired names registered again.
//!
//! These run under the short-life profile: lifetime multiplier 1 and a grace period of
//! [`SHORT_GRACE`](crate::profile::SHORT_GRACE) blocks.

use super::prelude::*;

/// The name lifetime of these scenarios' namespaces.
const LIFETIME: u32 = 8;

async fn setup<const N: usize>(
    s: &mut Scene,
    labels: [&str; N],
) -> Outcome<(String, [crate::wallets::Wallet; N])> {
    let w = s.fund(labels.map(single)).await?;
    let id = s.namespace_id("life");
    s.create_namespace(&id, &w[0], &w[0], reveal_params(LIFETIME))
        .await?;
    Ok((id, w))
}

fn grace(s: &Scene) -> u64 {
    s.rules().epoch(s.height()).grace_period
}

/// For a name registered at R with lifetime L and grace G (bns.md §8.4): updates until R+L−1,
/// none in the grace period R+L…R+L+G−1, again at R+L+G; renewals until R+L+G+1;
/// registration by someone else from R+L+G+2 on; `expired` from R+L.
pub async fn name_expiry_windows(mut s: Scene) -> Outcome {
    let (id, [payer, owner, rival]) = setup(&mut s, ["payer", "owner", "rival"]).await?;
    let names: Vec<String> = ["early", "ingrace", "after", "renewed"]
        .iter()
        .map(|l| fqn(l, &id))
        .collect();
    for n in &names {
        s.accept(op::name_preorder(n, &payer, &owner)).await?;
    }
    s.next_block().await?;
    for n in &names {
        s.accept(op::name_register(n, &payer, &owner)).await?;
    }
    let r = s.next_block().await?;
    let (l, g) = (u64::from(LIFETIME), grace(&s));
    let (early, ingrace, after, renewed) = (&names[0], &names[1], &names[2], &names[3]);

    s.advance_to(r + l - 2).await?;
    s.check(name(early).expired(false).expire_block((r + l) as i64))
        .await?;
    s.accept(op::name_update(early, &owner, hash20(0x01)))
        .await?;
    s.next_block().await?;
    // Block R+L: the grace period.
    s.reject(op::name_update(ingrace, &owner, hash20(0x02)).labelled("update in the grace period"))
        .await?;
    s.reject(
        op::name_transfer(ingrace, &owner, &rival, true).labelled("transfer in the grace period"),
    )
    .await?;
    s.reject(op::name_revoke(ingrace, &owner).labelled("revoke in the grace period"))
        .await?;
    s.next_block().await?;
    s.check(
        name(ingrace)
            .owner(&owner)
            .expired(true)
            .renewal_deadline((r + l + g) as i64),
    )
    .await?;
    s.check(owns(
        &owner,
        &names.iter().map(String::as_str).collect::<Vec<_>>(),
    ))
    .await?;
    s.accept(op::name_preorder(ingrace, &rival, &rival)).await?;
    s.advance_to(r + l + g - 1).await?;
    // Block R+L+G: past the grace period but still alive.
    s.accept(op::name_update(after, &owner, hash20(0x03)))
        .await?;
    s.next_block().await?;
    // Block R+L+G+1: the last block a renewal is accepted, too early for anyone else.
    s.accept(op::name_renew(renewed, &owner)).await?;
    s.reject(op::name_register(ingrace, &rival, &rival).labelled("registration one block early"))
        .await?;
    let renewed_at = s.next_block().await?;
    // Block R+L+G+2: dead; free for anyone.
    s.reject(op::name_update(early, &owner, hash20(0x04)).labelled("update of a dead name"))
        .await?;
    s.reject(op::name_renew(after, &owner).labelled("renewal of a dead name"))
        .await?;
    s.accept(op::name_register(ingrace, &rival, &rival)).await?;
    s.next_block().await?;
    s.check(name(early).value_hash(Some(hash20(0x01)))).await?;
    s.check(name(after).value_hash(Some(hash20(0x03)))).await?;
    s.check(
        name(renewed)
            .owner(&owner)
            .last_renewed(renewed_at)
            .expired(false),
    )
    .await?;
    s.check(name(ingrace).owner(&rival)).await?;
    s.check(owns(&owner, &[renewed])).await?;
    s.check(names_in(&id, &[ingrace, renewed])).await
}

/// In the grace period only the owner's renewal is accepted; it revives the name.
pub async fn grace_period_allows_only_renewal(mut s: Scene) -> Outcome {
    let (id, [payer, owner, rival]) = setup(&mut s, ["payer", "owner", "rival"]).await?;
    let foo_name = fqn("foo", &id);
    let r = s
        .register(&foo_name, &payer, &owner, Some(hash20(0x11)))
        .await?;
    let l = u64::from(LIFETIME);
    s.advance_to(r + l - 1).await?;
    s.reject(
        op::name_update(&foo_name, &owner, hash20(0x22)).labelled("update in the grace period"),
    )
    .await?;
    s.reject(
        op::name_transfer(&foo_name, &owner, &rival, true).labelled("transfer in the grace period"),
    )
    .await?;
    s.reject(op::name_renew(&foo_name, &rival).labelled("renewal by a stranger"))
        .await?;
    s.next_block().await?;
    s.check(name(&foo_name).owner(&owner).expired(true)).await?;
    s.accept(op::name_renew(&foo_name, &owner)).await?;
    let renewed = s.next_block().await?;
    s.check(
        name(&foo_name)
            .owner(&owner)
            .expired(false)
            .last_renewed(renewed)
            .expire_block((renewed + l) as i64)
            .value_hash(Some(hash20(0x11))),
    )
    .await?;
    s.accept(op::name_update(&foo_name, &owner, hash20(0x33)))
        .await?;
    s.next_block().await?;
    s.check(name(&foo_name).value_hash(Some(hash20(0x33))))
        .await
}

/// After expiry someone else registers the name: a new incarnation with the new owner, no
/// zone-file hash and fresh dates, keeping the block of the very first preorder.
pub async fn expired_name_registered_by_new_owner(mut s: Scene) -> Outcome {
    let (id, [payer, owner, rival]) = setup(&mut s, ["payer", "owner", "rival"]).await?;
    let foo_name = fqn("foo", &id);
    s.accept(op::name_preorder(&foo_name, &payer, &owner))
        .await?;
    let first = s.next_block().await?;
    s.accept(op::name_register_with(
        &foo_name,
        &payer,
        &owner,
        hash20(0x11),
    ))
    .await?;
    let r = s.next_block().await?;
    let alive_until = r + u64::from(LIFETIME) + grace(&s);
    s.advance_to(alive_until).await?;
    s.accept(op::name_preorder(&foo_name, &rival, &rival))
        .await?;
    s.next_block().await?;
    s.accept(op::name_register(&foo_name, &rival, &rival))
        .await?;
    let again = s.next_block().await?;
    s.check(
        name(&foo_name)
            .owner(&rival)
            .value_hash(None)
            .revoked(false)
            .expired(false)
            .block_number(first)
            .first_registered(again)
            .last_renewed(again),
    )
    .await?;
    s.check(owns(&owner, &[])).await?;
    s.check(owns(&rival, &[&foo_name])).await
}

/// After expiry the former owner registers the name again, with a new zone-file hash.
pub async fn expired_name_registered_again_by_its_owner(mut s: Scene) -> Outcome {
    let (id, [payer, owner]) = setup(&mut s, ["payer", "owner"]).await?;
    let foo_name = fqn("foo", &id);
    let r = s
        .register(&foo_name, &payer, &owner, Some(hash20(0x11)))
        .await?;
    // Alive through R+L+G; dead one block later.
    s.advance_to(r + u64::from(LIFETIME) + grace(&s)).await?;
    s.check(owns(&owner, &[&foo_name])).await?;
    s.next_block().await?;
    s.check(owns(&owner, &[])).await?;
    s.accept(op::name_preorder(&foo_name, &payer, &owner))
        .await?;
    s.next_block().await?;
    s.accept(op::name_register_with(
        &foo_name,
        &payer,
        &owner,
        hash20(0x22),
    ))
    .await?;
    let again = s.next_block().await?;
    s.check(
        name(&foo_name)
            .owner(&owner)
            .value_hash(Some(hash20(0x22)))
            .first_registered(again),
    )
    .await?;
    s.check(owns(&owner, &[&foo_name])).await
}

/// Expired names leave the namespace's listings and counts, and their owners' lists.
pub async fn expired_names_leave_listings(mut s: Scene) -> Outcome {
    let (id, [payer, owner]) = setup(&mut s, ["payer", "owner"]).await?;
    let foo_name = fqn("foo", &id);
    let bar_name = fqn("bar", &id);
    let r = s.register(&foo_name, &payer, &owner, None).await?;
    s.register(&bar_name, &payer, &owner, None).await?;
    s.check(names_in(&id, &[&foo_name, &bar_name])).await?;
    // foo_name is dead from R+L+G+1 on; bar_name, registered two blocks later, two blocks after it.
    s.advance_to(r + u64::from(LIFETIME) + grace(&s) + 1)
        .await?;
    s.check(names_in(&id, &[&bar_name])).await?;
    s.check(owns(&owner, &[&bar_name])).await?;
    s.advance(2).await?;
    s.check(names_in(&id, &[])).await?;
    s.check(owns(&owner, &[])).await?;
    s.check(name(&foo_name).owner(&owner).expired(true)).await
}

/// A name's DID names the creator of its current incarnation and how many names that address
/// created before: registering a name again after expiry gives it a new DID, and the creators'
/// historic names list every name they made.
pub async fn name_dids_follow_incarnations(mut s: Scene) -> Outcome {
    let (id, [payer, owner, rival]) = setup(&mut s, ["payer", "owner", "rival"]).await?;
    let foo_name = fqn("foo", &id);
    let bar_name = fqn("bar", &id);
    let r = s.register(&foo_name, &payer, &owner, None).await?;
    s.register(&bar_name, &payer, &owner, None).await?;
    let did = |s: &Scene, name: &str| {
        let node = s.node();
        let name = name.to_owned();
        async move {
            node.call("get_name_DID", vec![name.as_str().into()])
                .await
                .map(|reply| reply["did"].as_str().map(str::to_owned))
        }
    };
    let foo_did = did(&s, &foo_name)
        .await
        .map_err(|e| s.fail("get_name_DID", e))?;
    s.ensure_eq(
        format!("DID of {foo_name}"),
        Some(format!("did:stack:v0:{}-0", owner.address())),
        foo_did.clone(),
    )?;
    let bar_did = did(&s, &bar_name)
        .await
        .map_err(|e| s.fail("get_name_DID", e))?;
    s.ensure_eq(
        format!("DID of {bar_name}"),
        Some(format!("did:stack:v0:{}-1", owner.address())),
        bar_did,
    )?;
    let record = s
        .node()
        .call(
            "get_DID_record",
            vec![foo_did.unwrap_or_default().as_str().into()],
        )
        .await
        .map_err(|e| s.fail("get_DID_record", e))?;
    s.ensure_eq(
        "the DID's record",
        (Some(foo_name.as_str()), Some(owner.address())),
        (
            record["record"]["name"].as_str(),
            record["record"]["address"].as_str(),
        ),
    )?;
    s.advance_to(r + u64::from(LIFETIME) + grace(&s)).await?;
    s.accept(op::name_preorder(&foo_name, &rival, &rival))
        .await?;
    s.next_block().await?;
    s.accept(op::name_register(&foo_name, &rival, &rival))
        .await?;
    s.next_block().await?;
    let again = did(&s, &foo_name)
        .await
        .map_err(|e| s.fail("get_name_DID", e))?;
    s.ensure_eq(
        format!("DID of {foo_name} after its re-registration"),
        Some(format!("did:stack:v0:{}-0", rival.address())),
        again,
    )?;
    let historic = s
        .node()
        .call(
            "get_historic_names_by_address",
            vec![owner.address().into(), 0.into(), 10.into()],
        )
        .await
        .map_err(|e| s.fail("get_historic_names_by_address", e))?;
    let names: Vec<&str> = historic["names"]
        .as_array()
        .map(|a| a.iter().filter_map(|n| n["name"].as_str()).collect())
        .unwrap_or_default();
    s.ensure_eq(
        "names the owner ever created",
        vec![foo_name.as_str(), bar_name.as_str()],
        names,
    )
}
