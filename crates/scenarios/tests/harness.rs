//! The runner itself: a scenario whose expectation is wrong is reported as failed with its
//! first mismatch, a correct one passes, and a scenario marked with a known divergence is
//! reported as such while it fails and flagged once it passes.

use blockstack_scenarios::catalog::{Category, Scenario};
use blockstack_scenarios::expect::name;
use blockstack_scenarios::op::{self, reveal_params};
use blockstack_scenarios::runner::run;
use blockstack_scenarios::wallets::single;
use blockstack_scenarios::{Backend, Failure, Outcome, Profile, Scene};

async fn registered(s: &mut Scene) -> Outcome<(String, blockstack_scenarios::wallets::Wallet)> {
    let [payer, owner] = s.fund([single("payer"), single("owner")]).await?;
    let id = s.namespace_id("self");
    s.create_namespace(&id, &payer, &payer, reveal_params(52_595))
        .await?;
    let foo_name = format!("foo.{id}");
    s.register(&foo_name, &payer, &owner, None).await?;
    Ok((foo_name, owner))
}

/// Expects a stranger's update to be accepted: the verdict check must catch it.
async fn wrong_verdict(mut s: Scene) -> Outcome {
    let (foo_name, _) = registered(&mut s).await?;
    let [stranger] = s.fund([single("stranger")]).await?;
    s.accept(op::name_update(&foo_name, &stranger, op::hash20(1)))
        .await?;
    s.next_block().await?;
    Ok(())
}

/// Expects the wrong owner: the state check must catch it.
async fn wrong_state(mut s: Scene) -> Outcome {
    let (foo_name, _) = registered(&mut s).await?;
    let [other] = s.fund([single("other")]).await?;
    s.check(name(&foo_name).owner(&other)).await
}

/// Right all along.
async fn right(mut s: Scene) -> Outcome {
    let (foo_name, owner) = registered(&mut s).await?;
    s.accept(op::name_update(&foo_name, &owner, op::hash20(2)))
        .await?;
    s.next_block().await?;
    s.check(
        name(&foo_name)
            .owner(&owner)
            .value_hash(Some(op::hash20(2))),
    )
    .await
}

fn scenario(
    name: &'static str,
    divergence: Option<&'static str>,
    run: blockstack_scenarios::catalog::Run,
) -> Scenario {
    Scenario {
        name,
        category: Category::Updates,
        profile: Profile::Epoch3,
        regtest: false,
        checks: "the runner",
        originals: &["name_pre_reg_up"],
        divergence,
        run,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_runner_reports_each_scenario_with_its_first_mismatch() {
    let scenarios: &'static [Scenario] = Box::leak(Box::new([
        scenario("wrong_verdict", None, |s| Box::pin(wrong_verdict(s))),
        scenario("wrong_state", None, |s| Box::pin(wrong_state(s))),
        scenario("right", None, |s| Box::pin(right(s))),
        scenario("known", Some("a divergence"), |s| Box::pin(wrong_state(s))),
        scenario("fixed", Some("a divergence"), |s| Box::pin(right(s))),
    ]));
    let selected: Vec<&'static Scenario> = scenarios.iter().collect();
    let report = run(Backend::Devnet, Profile::Epoch3, &selected).await;
    eprintln!("{}", report.render());
    let outcome = |name: &str| {
        report
            .results
            .iter()
            .find(|r| r.name == name)
            .unwrap_or_else(|| panic!("{name} not reported"))
    };
    match &outcome("wrong_verdict").outcome {
        Err(Failure::Mismatch {
            what,
            expected,
            got,
            ..
        }) => {
            assert!(what.starts_with("NAME_UPDATE"), "{what}");
            assert_eq!((expected.as_str(), got.as_str()), ("accepted", "ignored"));
        }
        other => panic!("wrong_verdict: {other:?}"),
    }
    match &outcome("wrong_state").outcome {
        Err(Failure::Mismatch { what, .. }) => assert!(what.ends_with("address"), "{what}"),
        other => panic!("wrong_state: {other:?}"),
    }
    assert_eq!(outcome("right").outcome, Ok(()));
    let known = outcome("known");
    assert_eq!(known.outcome, Ok(()));
    assert!(known.known_divergence.is_some());
    assert!(
        outcome("fixed").outcome.is_err(),
        "a passing divergence is flagged"
    );
    // The world-wide checks still ran and passed.
    let world: Vec<_> = report
        .results
        .iter()
        .filter(|r| r.name.starts_with("world:"))
        .collect();
    assert_eq!(world.len(), 2);
    assert!(
        world.iter().all(|r| r.outcome.is_ok()),
        "{}",
        report.render()
    );
    assert_eq!(report.failures().len(), 3);
}
