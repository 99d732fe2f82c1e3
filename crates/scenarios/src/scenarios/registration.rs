//! Name preorder and registration: the two-step commitment, who may register, quotas.

use super::prelude::*;

/// A preorder is stored until its registration consumes it.
pub async fn name_preorder_register(mut s: Scene) -> Outcome {
    let [payer, owner] = s.fund([single("payer"), single("owner")]).await?;
    let id = s.namespace_id("test");
    s.create_namespace(&id, &payer, &payer, reveal_params(52_595))
        .await?;
    let foo = fqn("foo", &id);
    s.accept(op::name_preorder(&foo, &payer, &owner)).await?;
    let preordered = s.next_block().await?;
    s.check(preorder(&foo, &payer, &owner)).await?;
    s.check(name(&foo).absent()).await?;

    s.accept(op::name_register(&foo, &payer, &owner)).await?;
    let registered = s.next_block().await?;
    s.check(no_preorder(&foo, &payer, &owner)).await?;
    // Epoch 3 doubles the namespace's lifetime; the grace period follows expiry.
    let expires = registered as i64 + 2 * 52_595;
    s.check(
        name(&foo)
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
    s.check(owns(&owner, &[&foo])).await?;
    s.check(owns(&payer, &[])).await?;
    s.check(names_in(&id, &[&foo])).await
}
