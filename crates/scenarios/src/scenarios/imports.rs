//! NAME_IMPORT: names created by the revealer (and its BIP32 keychain) in a revealed
//! namespace, usable once the namespace is ready.

use super::prelude::*;

/// Imports set owner, zone-file hash and importer; the names wait for READY, after which they
/// expire relative to the ready block and can be updated and transferred.
pub async fn name_import_then_ready(mut s: Scene) -> Outcome {
    let [payer, revealer, a, b, c] = s
        .fund([
            single("payer"),
            single("revealer"),
            single("a"),
            single("b"),
            single("c"),
        ])
        .await?;
    let id = s.namespace_id("import");
    s.reveal_namespace(&id, &payer, &revealer, reveal_params(52_595))
        .await?;
    let foo_name = fqn("foo", &id);
    let bar_name = fqn("bar", &id);
    s.accept(op::name_import(&foo_name, &revealer, &a, hash20(0x11)))
        .await?;
    s.accept(op::name_import(&bar_name, &revealer, &b, hash20(0x22)))
        .await?;
    let imported = s.next_block().await?;
    s.check(
        name(&foo_name)
            .owner(&a)
            .value_hash(Some(hash20(0x11)))
            .importer(&revealer)
            .opcode("NAME_IMPORT")
            .first_registered(imported)
            .expire_block(-1),
    )
    .await?;
    s.check(names_in(&id, &[&bar_name, &foo_name])).await?;
    s.accept(op::namespace_ready(&id, &revealer)).await?;
    let ready = s.next_block().await?;
    let lifetime = 52_595 * 2;
    s.check(
        name(&foo_name)
            .expire_block((ready + lifetime) as i64)
            .renewal_deadline((ready + lifetime + 5_000) as i64),
    )
    .await?;
    s.accept(op::name_update(&foo_name, &a, hash20(0x33)))
        .await?;
    s.accept(op::name_transfer(&bar_name, &b, &c, true)).await?;
    s.next_block().await?;
    s.check(name(&foo_name).owner(&a).value_hash(Some(hash20(0x33))))
        .await?;
    s.check(name(&bar_name).owner(&c).value_hash(Some(hash20(0x22))))
        .await
}

/// Only the revealer may make the first import; from then on the keychain of its key (five
/// BIP32 children in test mode) may import too, and nobody else.
pub async fn name_import_only_by_the_keychain(mut s: Scene) -> Outcome {
    let [payer, revealer, stranger, owner] = s
        .fund([
            single("payer"),
            single("revealer"),
            single("stranger"),
            single("owner"),
        ])
        .await?;
    let keyring = s.rules().import_keyring_size;
    let children: Vec<crate::wallets::Wallet> = (0..=keyring)
        .filter_map(|i| revealer.keychain_child(i))
        .collect();
    let refs: Vec<&crate::wallets::Wallet> = children.iter().collect();
    s.fund_existing(&refs).await?;
    let id = s.namespace_id("import");
    s.reveal_namespace(&id, &payer, &revealer, reveal_params(52_595))
        .await?;
    s.reject(
        op::name_import(&fqn("early", &id), &stranger, &owner, hash20(1))
            .labelled("a stranger's import"),
    )
    .await?;
    s.reject(
        op::name_import(&fqn("child", &id), &children[0], &owner, hash20(2))
            .labelled("a child's import before the keychain exists"),
    )
    .await?;
    s.next_block().await?;
    s.accept(op::name_import(
        &fqn("first", &id),
        &revealer,
        &owner,
        hash20(3),
    ))
    .await?;
    s.next_block().await?;
    for (i, child) in children.iter().enumerate() {
        let import = op::name_import(&fqn(&format!("child{i}"), &id), child, &owner, hash20(4));
        if (i as u32) < keyring {
            s.accept(import).await?;
        } else {
            s.reject(import.labelled("an import by a key outside the keyring"))
                .await?;
        }
    }
    s.reject(
        op::name_import(&fqn("late", &id), &stranger, &owner, hash20(5))
            .labelled("a stranger's import"),
    )
    .await?;
    s.next_block().await?;
    let mut listed = vec![fqn("first", &id)];
    listed.extend((0..keyring).map(|i| fqn(&format!("child{i}"), &id)));
    let listed: Vec<&str> = listed.iter().map(String::as_str).collect();
    s.check(names_in(&id, &listed)).await?;
    s.check(name(&fqn("child0", &id)).importer(&children[0]))
        .await
}

/// A later import replaces the name's record, and imports of one name in one block never
/// collide: all apply, the last wins.
pub async fn name_import_overwrites_and_never_collides(mut s: Scene) -> Outcome {
    let [payer, revealer, a, b] = s
        .fund([
            single("payer"),
            single("revealer"),
            single("a"),
            single("b"),
        ])
        .await?;
    let id = s.namespace_id("import");
    s.reveal_namespace(&id, &payer, &revealer, reveal_params(52_595))
        .await?;
    let foo_name = fqn("foo", &id);
    let bar_name = fqn("bar", &id);
    s.accept(op::name_import(&foo_name, &revealer, &a, hash20(0x11)))
        .await?;
    let first = s.next_block().await?;
    s.accept(op::name_import(&foo_name, &revealer, &b, hash20(0x22)))
        .await?;
    s.accept(op::name_import(&bar_name, &revealer, &a, hash20(0x33)))
        .await?;
    s.accept(op::name_import(&bar_name, &revealer, &b, hash20(0x44)))
        .await?;
    s.next_block().await?;
    s.check(
        name(&foo_name)
            .owner(&b)
            .value_hash(Some(hash20(0x22)))
            .first_registered(first),
    )
    .await?;
    s.check(name(&bar_name).owner(&b).value_hash(Some(hash20(0x44))))
        .await
}

/// Imported names cannot be updated or transferred before READY, and nothing can be imported
/// after it.
pub async fn imported_name_waits_for_ready(mut s: Scene) -> Outcome {
    let [payer, revealer, a, b] = s
        .fund([
            single("payer"),
            single("revealer"),
            single("a"),
            single("b"),
        ])
        .await?;
    let id = s.namespace_id("import");
    s.reveal_namespace(&id, &payer, &revealer, reveal_params(52_595))
        .await?;
    let foo_name = fqn("foo", &id);
    s.accept(op::name_import(&foo_name, &revealer, &a, hash20(0x11)))
        .await?;
    s.next_block().await?;
    s.reject(op::name_update(&foo_name, &a, hash20(0x22)).labelled("update before ready"))
        .await?;
    s.reject(op::name_transfer(&foo_name, &a, &b, true).labelled("transfer before ready"))
        .await?;
    s.next_block().await?;
    s.accept(op::namespace_ready(&id, &revealer)).await?;
    s.next_block().await?;
    s.reject(
        op::name_import(&fqn("late", &id), &revealer, &b, hash20(0x33))
            .labelled("import after ready"),
    )
    .await?;
    s.accept(op::name_update(&foo_name, &a, hash20(0x22)))
        .await?;
    s.next_block().await?;
    s.check(name(&foo_name).owner(&a).value_hash(Some(hash20(0x22))))
        .await?;
    s.check(name(&fqn("late", &id)).absent()).await
}

/// Imports and the READY may share a block: imports before the READY are applied, an import
/// after it is refused.
pub async fn name_import_and_ready_in_one_block(mut s: Scene) -> Outcome {
    let [payer, revealer, a, b, c] = s
        .fund([
            single("payer"),
            single("revealer"),
            single("a"),
            single("b"),
            single("c"),
        ])
        .await?;
    let id = s.namespace_id("import");
    s.reveal_namespace(&id, &payer, &revealer, reveal_params(52_595))
        .await?;
    let names: Vec<String> = ["foo", "bar", "baz"].iter().map(|l| fqn(l, &id)).collect();
    for (n, (owner, byte)) in names.iter().zip([(&a, 0x11), (&b, 0x22), (&c, 0x33)]) {
        s.accept(op::name_import(n, &revealer, owner, hash20(byte)))
            .await?;
    }
    s.accept(op::namespace_ready(&id, &revealer)).await?;
    s.reject(
        op::name_import(&fqn("late", &id), &revealer, &a, hash20(0x44))
            .labelled("import after the ready"),
    )
    .await?;
    s.next_block().await?;
    s.check(namespace(&id).ready()).await?;
    for (n, (owner, byte)) in names.iter().zip([(&a, 0x11), (&b, 0x22), (&c, 0x33)]) {
        s.check(name(n).owner(owner).value_hash(Some(hash20(byte))))
            .await?;
    }
    s.check(name(&fqn("late", &id)).absent()).await
}

/// After READY an imported name is renewed, transferred, updated and revoked like any other.
pub async fn imported_name_renew_transfer_update_revoke(mut s: Scene) -> Outcome {
    let [payer, revealer, a, b] = s
        .fund([
            single("payer"),
            single("revealer"),
            single("a"),
            single("b"),
        ])
        .await?;
    let id = s.namespace_id("import");
    s.reveal_namespace(&id, &payer, &revealer, reveal_params(52_595))
        .await?;
    let foo_name = fqn("foo", &id);
    s.accept(op::name_import(&foo_name, &revealer, &a, hash20(0x11)))
        .await?;
    s.next_block().await?;
    s.accept(op::namespace_ready(&id, &revealer)).await?;
    s.next_block().await?;
    s.accept(op::name_renew(&foo_name, &a)).await?;
    let renewed = s.next_block().await?;
    s.check(
        name(&foo_name)
            .owner(&a)
            .last_renewed(renewed)
            .opcode("NAME_RENEWAL"),
    )
    .await?;
    s.accept(op::name_transfer(&foo_name, &a, &b, true)).await?;
    s.next_block().await?;
    s.accept(op::name_update(&foo_name, &b, hash20(0x22)))
        .await?;
    s.next_block().await?;
    s.check(name(&foo_name).owner(&b).value_hash(Some(hash20(0x22))))
        .await?;
    s.accept(op::name_revoke(&foo_name, &b)).await?;
    s.next_block().await?;
    s.check(name(&foo_name).owner(&b).revoked(true).value_hash(None))
        .await
}

/// An imported name lives until ready block + lifetime + grace − 1; only then may someone
/// else register it.
pub async fn imported_name_expires_from_ready(mut s: Scene) -> Outcome {
    let [payer, revealer, a, rival] = s
        .fund([
            single("payer"),
            single("revealer"),
            single("a"),
            single("rival"),
        ])
        .await?;
    let id = s.namespace_id("import");
    let lifetime = 6;
    s.reveal_namespace(&id, &payer, &revealer, reveal_params(lifetime))
        .await?;
    let foo_name = fqn("foo", &id);
    s.accept(op::name_import(&foo_name, &revealer, &a, hash20(0x11)))
        .await?;
    s.next_block().await?;
    s.accept(op::namespace_ready(&id, &revealer)).await?;
    let ready = s.next_block().await?;
    let l = u64::from(lifetime);
    let g = s.rules().epoch(ready).grace_period;
    s.check(name(&foo_name).expire_block((ready + l) as i64))
        .await?;
    let last_alive = ready + l + g - 1;
    s.advance_to(last_alive - 1).await?;
    s.accept(op::name_preorder(&foo_name, &rival, &rival))
        .await?;
    s.next_block().await?;
    s.check(names_in(&id, &[&foo_name])).await?;
    s.reject(
        op::name_register(&foo_name, &rival, &rival)
            .labelled("registration while the import lives"),
    )
    .await?;
    s.next_block().await?;
    s.accept(op::name_register(&foo_name, &rival, &rival))
        .await?;
    s.next_block().await?;
    s.check(name(&foo_name).owner(&rival).value_hash(None))
        .await
}
