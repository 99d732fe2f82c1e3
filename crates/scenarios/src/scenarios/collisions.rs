//! Several operations creating one name in one block.

use super::prelude::*;

/// Two valid registrations of one name in one block are both refused (bns.md §6.4); the
/// preorders stay, and one of them registers it a block later. Other names in the block are
/// unaffected.
pub async fn name_registrations_collide(mut s: Scene) -> Outcome {
    let [a, b, c] = s.fund([single("a"), single("b"), single("c")]).await?;
    let id = s.namespace_id("test");
    s.create_namespace(&id, &a, &a, reveal_params(52_595))
        .await?;
    let foo_name = fqn("foo", &id);
    let bar_name = fqn("bar", &id);
    s.accept(op::name_preorder(&foo_name, &a, &a)).await?;
    s.accept(op::name_preorder(&foo_name, &b, &b)).await?;
    s.accept(op::name_preorder(&bar_name, &c, &c)).await?;
    s.next_block().await?;
    s.reject(op::name_register(&foo_name, &a, &a).labelled("a's colliding registration"))
        .await?;
    s.reject(op::name_register(&foo_name, &b, &b).labelled("b's colliding registration"))
        .await?;
    s.accept(op::name_register(&bar_name, &c, &c)).await?;
    s.next_block().await?;
    s.check(name(&foo_name).absent()).await?;
    s.check(preorder(&foo_name, &a, &a)).await?;
    s.check(preorder(&foo_name, &b, &b)).await?;
    s.check(name(&bar_name).owner(&c)).await?;
    s.accept(op::name_register(&foo_name, &b, &b)).await?;
    s.next_block().await?;
    s.reject(op::name_register(&foo_name, &a, &a).labelled("registration of a taken name"))
        .await?;
    s.next_block().await?;
    s.check(name(&foo_name).owner(&b)).await
}

/// A registration refused for a wrong fee does not occupy the name: a valid registration after
/// it in the same block is accepted.
pub async fn name_refused_registration_does_not_collide(mut s: Scene) -> Outcome {
    let [a, b] = s.fund([single("a"), single("b")]).await?;
    let id = s.namespace_id("test");
    s.create_namespace(&id, &a, &a, reveal_params(52_595))
        .await?;
    let foo_name = fqn("foo", &id);
    s.accept(op::name_preorder(&foo_name, &a, &a).fee(Fee::PriceMinus(1)))
        .await?;
    s.accept(op::name_preorder(&foo_name, &b, &b)).await?;
    s.next_block().await?;
    s.reject(op::name_register(&foo_name, &a, &a).labelled("underpaid registration"))
        .await?;
    s.accept(op::name_register(&foo_name, &b, &b)).await?;
    s.next_block().await?;
    s.check(name(&foo_name).owner(&b)).await
}
