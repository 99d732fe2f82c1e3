//! NAME_UPDATE: zone-file hashes, who may set them, stale consensus hashes, history.

use super::prelude::*;

/// The owner's update sets the zone-file hash and records the consensus hash it matched.
pub async fn name_update_sets_hash(mut s: Scene) -> Outcome {
    let [payer, owner] = s.fund([single("payer"), single("owner")]).await?;
    let id = s.namespace_id("test");
    s.create_namespace(&id, &payer, &payer, reveal_params(52_595))
        .await?;
    let foo = fqn("foo", &id);
    let registered = s.register(&foo, &payer, &owner, None).await?;
    let referenced = s
        .world()
        .consensus_at(s.height())
        .await
        .map_err(|e| s.fail("consensus", e))?;
    s.accept(op::name_update(&foo, &owner, hash20(0x11)))
        .await?;
    s.next_block().await?;
    s.check(
        name(&foo)
            .owner(&owner)
            .value_hash(Some(hash20(0x11)))
            .opcode("NAME_UPDATE")
            .consensus_hash(Some(&referenced))
            .first_registered(registered)
            .last_renewed(registered),
    )
    .await?;
    s.check(owns(&owner, &[&foo])).await
}
