//! Prices and fee destinations: namespace prices by ID length, name prices from the namespace's
//! price function (with the epoch-3 tenfold cut), what underpaying does, and fees paid to the
//! creator of a version-2 namespace.

use bitcoin::Amount;
use blockstack_client::compose::RevealParams;
use blockstack_consensus::price::PriceFunction;

use super::prelude::*;

/// Namespace prices by ID length, in satoshis, for epochs 1–2 and epoch 3 of test mode
/// (bns.md §1.5): lengths 1, 2, 3, 4, 7, 8 and 19.
const NAMESPACE_PRICES: [(usize, u64, u64); 7] = [
    (1, 4_100_000_000, 410_000_000),
    (2, 4_000_000_000, 400_000_000),
    (3, 4_000_000_000, 400_000_000),
    (4, 400_000_000, 40_000_000),
    (7, 400_000_000, 40_000_000),
    (8, 40_000_000, 4_000_000),
    (19, 40_000_000, 4_000_000),
];

fn epoch_prices(s: &Scene, height: u64) -> bool {
    s.rules().epoch(height).number == 3
}

async fn check_namespace_prices(s: &Scene) -> Outcome {
    let epoch3 = epoch_prices(s, s.height());
    for (len, old, new) in NAMESPACE_PRICES {
        let id = s.namespace_id_of_len(len);
        let (sats, _) = s
            .node()
            .namespace_cost(&id)
            .await
            .map_err(|e| s.fail("get_namespace_cost", e))?;
        s.ensure_eq(
            format!("price of a {len}-character namespace"),
            if epoch3 { new } else { old },
            sats,
        )?;
    }
    Ok(())
}

/// A namespace preorder paying one satoshi less than the price is stored, but its reveal is
/// refused; the exact price is enough.
async fn underpaid_namespace(s: &mut Scene) -> Outcome {
    let [cheap, exact, revealer] = s
        .fund([
            single("cheap").coins(3, Amount::from_sat(100_000_000)),
            single("exact").coins(3, Amount::from_sat(100_000_000)),
            single("revealer"),
        ])
        .await?;
    let under = s.namespace_id("under");
    let paid = s.namespace_id("paid");
    s.accept(op::namespace_preorder(&under, &cheap, &revealer).fee(Fee::PriceMinus(1)))
        .await?;
    s.accept(op::namespace_preorder(&paid, &exact, &revealer))
        .await?;
    s.next_block().await?;
    s.reject(op::namespace_reveal(
        &under,
        &cheap,
        &revealer,
        reveal_params(52_595),
    ))
    .await?;
    s.accept(op::namespace_reveal(
        &paid,
        &exact,
        &revealer,
        reveal_params(52_595),
    ))
    .await?;
    s.next_block().await?;
    s.check(namespace(&under).absent()).await?;
    s.check(namespace(&paid).revealed()).await
}

/// Namespace prices by length in epoch 3 (a tenth of the old table), and underpaid reveals.
pub async fn namespace_prices_epoch3(mut s: Scene) -> Outcome {
    check_namespace_prices(&s).await?;
    underpaid_namespace(&mut s).await
}

/// Namespace prices by length in epoch 1, and underpaid reveals.
pub async fn namespace_prices_epoch1(mut s: Scene) -> Outcome {
    check_namespace_prices(&s).await?;
    underpaid_namespace(&mut s).await
}

/// `(name part, epochs 1–2 price, epoch 3 price)` for the standard price function
/// (bns.md §12.3).
const STANDARD_NAME_PRICES: [(&str, u64, u64); 11] = [
    ("a", 102_400_000, 10_240_000),
    ("ab", 25_600_000, 2_560_000),
    ("abc", 6_400_000, 640_000),
    ("jude", 1_600_000, 160_000),
    ("abcde", 400_000, 40_000),
    ("muneeb", 100_000, 10_000),
    ("abcdefgh", 25_000, 2_500),
    ("1", 10_240_000, 1_024_000),
    ("a1", 2_560_000, 256_000),
    ("bcd", 640_000, 64_000),
    ("xyz1", 160_000, 16_000),
];

async fn check_name_prices(s: &Scene, id: &str, table: &[(&str, u64, u64)]) -> Outcome {
    let epoch3 = epoch_prices(s, s.height());
    for (part, old, new) in table {
        let name = fqn(part, id);
        let sats = s
            .node()
            .name_cost(&name)
            .await
            .map_err(|e| s.fail(format!("get_name_cost {name}"), e))?;
        s.ensure_eq(
            format!("price of {name}"),
            if epoch3 { *new } else { *old },
            sats,
        )?;
    }
    Ok(())
}

/// A name preorder paying a satoshi too little is stored but cannot be registered; the exact
/// price can.
async fn underpaid_name(
    s: &mut Scene,
    id: &str,
    cheap: &crate::wallets::Wallet,
    exact: &crate::wallets::Wallet,
    owner: &crate::wallets::Wallet,
) -> Outcome {
    let abc = fqn("abc", id);
    s.accept(op::name_preorder(&abc, cheap, owner).fee(Fee::PriceMinus(1)))
        .await?;
    s.next_block().await?;
    s.check(preorder(&abc, cheap, owner)).await?;
    s.reject(op::name_register(&abc, cheap, owner)).await?;
    s.accept(op::name_preorder(&abc, exact, owner)).await?;
    s.next_block().await?;
    s.check(name(&abc).absent()).await?;
    s.accept(op::name_register(&abc, exact, owner)).await?;
    s.next_block().await?;
    s.check(name(&abc).owner(owner)).await?;
    s.check(preorder(&abc, cheap, owner)).await
}

/// Name prices of the standard price function (tenfold cut in epoch 3), and underpayment.
pub async fn name_prices_standard(mut s: Scene) -> Outcome {
    let [payer, cheap, owner] = s
        .fund([single("payer"), single("cheap"), single("owner")])
        .await?;
    let id = s.namespace_id("price");
    s.create_namespace(&id, &payer, &payer, reveal_params(52_595))
        .await?;
    check_name_prices(&s, &id, &STANDARD_NAME_PRICES).await?;
    underpaid_name(&mut s, &id, &cheap, &payer, &owner).await
}

/// The same in epoch 1, at full prices.
pub async fn name_prices_standard_epoch1(s: Scene) -> Outcome {
    name_prices_standard(s).await
}

/// A price function with every knob turned (bns.md §12.7, epoch 3): exponents per length,
/// the larger of the two discounts, the 16th bucket for long names. Prices that are not whole
/// satoshis are reported rounded up, and paying the rounded-down value is not enough.
pub async fn name_prices_custom_function(mut s: Scene) -> Outcome {
    let [payer, floor, ceil, owner] = s
        .fund([
            single("payer"),
            single("floor").coins(3, Amount::from_sat(100_000_000)),
            single("ceil").coins(3, Amount::from_sat(100_000_000)),
            single("owner"),
        ])
        .await?;
    let id = s.namespace_id("zone");
    let params = RevealParams {
        lifetime: 52_595,
        price: PriceFunction {
            coeff: 37,
            base: 3,
            buckets: [13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 1, 0, 2],
            nonalpha_discount: 3,
            no_vowel_discount: 7,
        },
        version: 1,
    };
    s.create_namespace(&id, &payer, &payer, params).await?;
    s.check(namespace(&id).price(params.price)).await?;
    let table: [(&str, u64, u64); 10] = [
        ("a", 0, 589_899_510),
        ("b", 0, 84_271_359),
        ("7", 0, 84_271_359),
        ("y2", 0, 65_544_390),
        ("xq_", 0, 9_363_485),
        ("hello", 0, 7_282_710),
        ("h3ll0", 0, 1_040_388),
        ("rhythm", 0, 2_427_570),
        ("zzzzzzzzzzzzz", 0, 159),
        ("abcdefghijklmnop", 0, 3_330),
    ];
    check_name_prices(&s, &id, &table).await?;
    // b costs 84271358.57142857 satoshis.
    let b = fqn("b", &id);
    s.accept(op::name_preorder(&b, &floor, &owner).fee(Fee::Sat(84_271_358)))
        .await?;
    s.accept(op::name_preorder(&b, &ceil, &owner).fee(Fee::Sat(84_271_359)))
        .await?;
    s.next_block().await?;
    s.reject(op::name_register(&b, &floor, &owner)).await?;
    s.next_block().await?;
    s.accept(op::name_register(&b, &ceil, &owner)).await?;
    s.next_block().await?;
    s.check(name(&b).owner(&owner)).await
}

/// A version-2 namespace's name fees go to its creator during its fee period: paying the
/// burn address instead is refused, for registrations and renewals alike.
pub async fn pay_to_namespace_creator(mut s: Scene) -> Outcome {
    let [creator, revealer, good, bad, owner] = s
        .fund([
            single("creator"),
            single("revealer"),
            single("good"),
            single("bad"),
            single("owner"),
        ])
        .await?;
    let id = s.namespace_id("paid");
    let mut params = reveal_params(52_595);
    params.version = 2;
    s.create_namespace(&id, &creator, &revealer, params).await?;
    s.check(namespace(&id).ready().version(2).creator(&creator))
        .await?;
    let foo_name = fqn("foo", &id);
    let bar_name = fqn("bar", &id);
    s.accept(op::name_preorder(&foo_name, &good, &owner))
        .await?;
    s.accept(op::name_preorder(&bar_name, &bad, &owner).burn(Burn::BurnAddress))
        .await?;
    s.next_block().await?;
    s.accept(op::name_register(&foo_name, &good, &owner))
        .await?;
    s.reject(op::name_register(&bar_name, &bad, &owner)).await?;
    s.next_block().await?;
    s.check(name(&foo_name).owner(&owner)).await?;
    s.check(name(&bar_name).absent()).await?;
    s.reject(op::name_renew(&foo_name, &owner).burn(Burn::BurnAddress))
        .await?;
    s.next_block().await?;
    s.accept(op::name_renew(&foo_name, &owner)).await?;
    let renewed = s.next_block().await?;
    s.check(name(&foo_name).owner(&owner).last_renewed(renewed))
        .await
}

/// After its fee period a version-2 namespace's fees must be burned: paying the creator is
/// then refused, for registrations and renewals alike.
pub async fn pay_to_namespace_burn_after_fee_period(mut s: Scene) -> Outcome {
    let [creator, revealer, early, late_creator, late_burn, owner] = s
        .fund([
            single("creator"),
            single("revealer"),
            single("early"),
            single("late-creator"),
            single("late-burn"),
            single("owner"),
        ])
        .await?;
    let id = s.namespace_id("paid");
    let mut params = reveal_params(1_000);
    params.version = 2;
    let revealed = s.create_namespace(&id, &creator, &revealer, params).await?;
    let period = s.rules().epoch(revealed).receive_fees_period;
    let early_name = fqn("early", &id);
    s.accept(op::name_preorder(&early_name, &early, &owner))
        .await?;
    s.next_block().await?;
    s.accept(op::name_register(&early_name, &early, &owner))
        .await?;
    s.next_block().await?;
    // From block reveal + period + 1 on, fees are burned.
    s.advance_to(revealed + period).await?;
    let to_creator = fqn("tocreator", &id);
    let to_burn = fqn("toburn", &id);
    s.accept(
        op::name_preorder(&to_creator, &late_creator, &owner)
            .burn(Burn::To(creator.script().clone())),
    )
    .await?;
    s.accept(op::name_preorder(&to_burn, &late_burn, &owner))
        .await?;
    s.next_block().await?;
    s.reject(op::name_register(&to_creator, &late_creator, &owner))
        .await?;
    s.accept(op::name_register(&to_burn, &late_burn, &owner))
        .await?;
    s.next_block().await?;
    s.reject(op::name_renew(&early_name, &owner).burn(Burn::To(creator.script().clone())))
        .await?;
    s.next_block().await?;
    s.accept(op::name_renew(&early_name, &owner)).await?;
    let renewed = s.next_block().await?;
    s.check(name(&early_name).last_renewed(renewed)).await?;
    s.check(name(&to_creator).absent()).await?;
    s.check(name(&to_burn).owner(&owner)).await
}

/// The fee of a namespace preorder may go anywhere (bns.md §7.3): paid to an ordinary address,
/// the reveal is still accepted.
pub async fn namespace_fee_destination_is_unchecked(mut s: Scene) -> Outcome {
    let [payer, revealer, friend] = s
        .fund([single("payer"), single("revealer"), single("friend")])
        .await?;
    let id = s.namespace_id("gift");
    s.accept(
        op::namespace_preorder(&id, &payer, &revealer).burn(Burn::To(friend.script().clone())),
    )
    .await?;
    s.next_block().await?;
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

/// A version-2 namespace cannot be revealed before epoch 3.
pub async fn namespace_version2_needs_epoch3(mut s: Scene) -> Outcome {
    let [payer, revealer] = s.fund([single("payer"), single("revealer")]).await?;
    let v2 = s.namespace_id("vtwo");
    let v1 = s.namespace_id("vone");
    let mut params: RevealParams = reveal_params(52_595);
    params.version = 2;
    s.accept(op::namespace_preorder(&v2, &payer, &revealer))
        .await?;
    s.accept(op::namespace_preorder(&v1, &payer, &revealer))
        .await?;
    s.next_block().await?;
    s.reject(op::namespace_reveal(&v2, &payer, &revealer, params))
        .await?;
    s.accept(op::namespace_reveal(
        &v1,
        &payer,
        &revealer,
        reveal_params(52_595),
    ))
    .await?;
    s.next_block().await?;
    s.check(namespace(&v2).absent()).await?;
    s.check(namespace(&v1).revealed().version(1)).await
}
