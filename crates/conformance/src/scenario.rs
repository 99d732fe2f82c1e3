//! The fixed quick-tier chain.

use crate::harness::Scenario;
use crate::ops::{Burn, ChRef, Fee, Op, Step};

/// A minimal smoke chain: one namespace, one name.
pub fn smoke() -> Scenario {
    let ns = |s: &str| s.to_owned();
    Scenario {
        name: "smoke".into(),
        epoch1_blocks: 0,
        epoch2_blocks: 0,
        grace: 5,
        steps: vec![
            Step::Block(vec![Op::NamespacePreorder { ns: ns("test"), payer: 0, revealer: 1, fee: Fee::Price, burn: Burn::BurnAddress }]),
            Step::Block(vec![Op::NamespaceReveal { ns: ns("test"), payer: 0, revealer: 1, lifetime: 52595, coeff: 250, base: 4, buckets: [6, 5, 4, 3, 2, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], discounts: (10, 10), version: 1 }]),
            Step::Block(vec![Op::NameImport { name: ns("imported.test"), importer: 1, owner: 2, zonefile: 0x33 }]),
            Step::Block(vec![Op::NamespaceReady { ns: ns("test"), sender: 1 }]),
            Step::Block(vec![Op::NamePreorder { name: ns("foo.test"), payer: 2, owner: 2, fee: Fee::Price, burn: Burn::Proper, ch: ChRef::Tip }]),
            Step::Block(vec![Op::NameRegister { name: ns("foo.test"), payer: 2, owner: 2, value: Some(0x11) }]),
            Step::Block(vec![Op::NameUpdate { name: ns("foo.test"), owner: 2, value: 0x22, ch: ChRef::Tip }]),
            Step::Block(vec![Op::NameTransfer { name: ns("foo.test"), owner: 2, to: 3, keep: true, ch: ChRef::Tip }]),
        ],
    }
}
