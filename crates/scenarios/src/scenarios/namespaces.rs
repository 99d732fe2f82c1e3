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
