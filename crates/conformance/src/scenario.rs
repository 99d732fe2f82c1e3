//! The fixed quick-tier chain: the rules where implementations diverge (bns.md §13, §14), in
//! every epoch, through the test-mode epoch knobs.
//!
//! Parties: 0 = P (namespace payer), 1 = V (revealer, importer), 2 = A, 3 = B, 4 = C (quota),
//! 5 = D, 6 = E, 7 = X (never owns anything), MS = a 2-of-3 P2SH multisig. Epoch 1 is offsets 0–14 from the first block,
//! epoch 2 offsets 15–29, epoch 3 from 30. Epoch-3 grace period 3, reveal expiry 20.

use crate::driver::MULTISIG;
use crate::harness::Scenario;
use crate::ops::{Burn, ChRef, Fee, Malformed, Op, Party, Step};

const P: Party = 0;
const V: Party = 1;
const A: Party = 2;
const B: Party = 3;
const C: Party = 4;
const D: Party = 5;
const E: Party = 6;
const X: Party = 7;
const MS: Party = MULTISIG;

/// The default price function of the spec's examples (§12.3).
pub const TEST_BUCKETS: [u8; 16] = [6, 5, 4, 3, 2, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];

/// Builds a chain step by step, tracking the offset from the first block.
#[derive(Default)]
pub struct ChainBuilder {
    steps: Vec<Step>,
    offset: u64,
}

impl ChainBuilder {
    /// A block with these ops.
    pub fn block(&mut self, ops: Vec<Op>) -> &mut Self {
        self.steps.push(Step::Block(ops));
        self.offset += 1;
        self
    }

    /// Empty blocks until the next block is at `offset`.
    pub fn pad_to(&mut self, offset: u64) -> &mut Self {
        if offset > self.offset {
            let n = u32::try_from(offset - self.offset).unwrap_or(u32::MAX);
            self.steps.push(Step::Mine(n));
            self.offset = offset;
        }
        self
    }

    /// The offset of the next block.
    pub fn offset(&self) -> u64 {
        self.offset
    }

    /// The steps.
    pub fn finish(self) -> Vec<Step> {
        self.steps
    }
}

/// NAMESPACE_PREORDER at the price.
pub fn ns_preorder(ns: &str, payer: Party, revealer: Party, fee: Fee) -> Op {
    Op::NamespacePreorder {
        ns: ns.into(),
        payer,
        revealer,
        fee,
        burn: Burn::BurnAddress,
    }
}

/// NAMESPACE_REVEAL with the given lifetime and price function.
#[allow(clippy::too_many_arguments)]
pub fn ns_reveal(
    ns: &str,
    payer: Party,
    revealer: Party,
    lifetime: u32,
    coeff: u8,
    base: u8,
    buckets: [u8; 16],
    discounts: (u8, u8),
    version: u16,
) -> Op {
    Op::NamespaceReveal {
        ns: ns.into(),
        payer,
        revealer,
        lifetime,
        coeff,
        base,
        buckets,
        discounts,
        version,
    }
}

/// NAMESPACE_REVEAL with the spec's `test` parameters.
pub fn ns_reveal_std(ns: &str, payer: Party, revealer: Party, version: u16) -> Op {
    ns_reveal(
        ns,
        payer,
        revealer,
        52_595,
        250,
        4,
        TEST_BUCKETS,
        (10, 10),
        version,
    )
}

/// NAMESPACE_READY.
pub fn ready(ns: &str, sender: Party) -> Op {
    Op::NamespaceReady {
        ns: ns.into(),
        sender,
    }
}

/// NAME_IMPORT.
pub fn import(name: &str, importer: Party, owner: Party, zonefile: u8) -> Op {
    Op::NameImport {
        name: name.into(),
        importer,
        owner,
        zonefile,
    }
}

/// NAME_PREORDER at the price to the proper destination, over the tip's consensus hash.
pub fn preorder(name: &str, payer: Party, owner: Party) -> Op {
    preorder_with(name, payer, owner, Fee::Price, Burn::Proper, ChRef::Tip)
}

/// NAME_PREORDER with every knob.
pub fn preorder_with(
    name: &str,
    payer: Party,
    owner: Party,
    fee: Fee,
    burn: Burn,
    ch: ChRef,
) -> Op {
    Op::NamePreorder {
        name: name.into(),
        payer,
        owner,
        fee,
        burn,
        ch,
    }
}

/// NAME_REGISTRATION.
pub fn register(name: &str, payer: Party, owner: Party, value: Option<u8>) -> Op {
    Op::NameRegister {
        name: name.into(),
        payer,
        owner,
        value,
    }
}

/// NAME_RENEWAL at the price.
pub fn renew(name: &str, owner: Party, new_owner: Party, value: Option<u8>) -> Op {
    Op::NameRenew {
        name: name.into(),
        owner,
        new_owner,
        fee: Fee::Price,
        burn: Burn::Proper,
        value,
    }
}

/// NAME_UPDATE over the tip's consensus hash.
pub fn update(name: &str, owner: Party, value: u8) -> Op {
    Op::NameUpdate {
        name: name.into(),
        owner,
        value,
        ch: ChRef::Tip,
    }
}

/// NAME_UPDATE to the hash of `zonefile` (a template: `{party:N}` is party N's address).
pub fn update_zonefile(name: &str, owner: Party, zonefile: &str) -> Op {
    Op::NameUpdateZonefile {
        name: name.into(),
        owner,
        zonefile: zonefile.into(),
    }
}

/// A zone file carrying two subdomains, `alice.zf.test` (owned by A) and `bob.zf.test`
/// (owned by B), each with a zone file of its own (`seqn=0`, one part).
pub const SUBDOMAIN_ZONEFILE: &str = "$ORIGIN zf.test\n$TTL 3600\n\
_http._tcp URI 10 1 \"https://example.com/zf.json\"\n\
alice TXT \"owner={party:2}\" \"seqn=0\" \"parts=1\" \"zf0=JE9SSUdJTiBhbGljZQokVFRMIDM2MDAKX2h0dHAuX3RjcCBVUkkgMTAgMSAiaHR0cHM6Ly9leGFtcGxlLmNvbS9hbGljZS5qc29uIgo=\"\n\
bob TXT \"owner={party:3}\" \"seqn=0\" \"parts=1\" \"zf0=JE9SSUdJTiBib2IKJFRUTCAzNjAwCl9odHRwLl90Y3AgVVJJIDEwIDEgImh0dHBzOi8vZXhhbXBsZS5jb20vYm9iLmpzb24iCg==\"\n";

/// The subdomains [`SUBDOMAIN_ZONEFILE`] creates.
pub const SUBDOMAINS: &[&str] = &["alice.zf.test", "bob.zf.test"];

/// A plain zone file for `e3-1.test`.
pub const PLAIN_ZONEFILE: &str = "$ORIGIN e3-1.test\n$TTL 3600\n\
_http._tcp URI 10 1 \"https://example.com/e3-1.json\"\n";

/// NAME_TRANSFER over the tip's consensus hash.
pub fn transfer(name: &str, owner: Party, to: Party, keep: bool) -> Op {
    Op::NameTransfer {
        name: name.into(),
        owner,
        to,
        keep,
        ch: ChRef::Tip,
    }
}

/// NAME_REVOKE.
pub fn revoke(name: &str, owner: Party) -> Op {
    Op::NameRevoke {
        name: name.into(),
        owner,
    }
}

/// A malformed payload.
pub fn malformed(kind: Malformed, sender: Party, name: &str) -> Op {
    Op::Malformed {
        kind,
        sender,
        name: name.into(),
    }
}

/// A minimal smoke chain: one namespace, one imported and one registered name.
pub fn smoke() -> Scenario {
    let mut c = ChainBuilder::default();
    c.block(vec![ns_preorder("test", P, V, Fee::Price)])
        .block(vec![ns_reveal_std("test", P, V, 1)])
        .block(vec![import("imported.test", V, A, 0x33)])
        .block(vec![ready("test", V)])
        .block(vec![preorder("foo.test", A, A)])
        .block(vec![register("foo.test", A, A, Some(0x11))])
        .block(vec![update("foo.test", A, 0x22)])
        .block(vec![transfer("foo.test", A, B, true)]);
    Scenario {
        name: "smoke".into(),
        epoch1_blocks: 0,
        epoch2_blocks: 0,
        grace: 5,
        reveal_expire: 144,
        steps: c.finish(),
    }
}

/// The quick-tier chain (a little over a hundred blocks, a few hundred ops).
pub fn quick() -> Scenario {
    let mut c = ChainBuilder::default();
    let exp_fn = |ns: &str| ns_reveal(ns, P, V, 3, 1, 1, [0; 16], (1, 1), 1);

    // ---- Epoch 1 (offsets 0–14): multiplier 1, no grace, no 57-byte form, no version 2.
    // 0: namespace preorders; a low fee; one paid to A instead of burned (never checked).
    c.block(vec![
        ns_preorder("test", P, V, Fee::Price),
        ns_preorder("expiring", P, V, Fee::Price),
        ns_preorder("tver", P, V, Fee::Price),
        ns_preorder("lowns", P, V, Fee::PriceMinus(1)),
        Op::NamespacePreorder {
            ns: "burnt".into(),
            payer: P,
            revealer: V,
            fee: Fee::Price,
            burn: Burn::Party(A),
        },
    ]);
    // 1: reveals: ok, ok, version 2 in epoch 1, fee too low, destination ignored, never preordered.
    c.block(vec![
        ns_reveal_std("test", P, V, 1),
        exp_fn("expiring"),
        ns_reveal_std("tver", P, V, 2),
        ns_reveal_std("lowns", P, V, 1),
        ns_reveal_std("burnt", P, V, 1),
        ns_reveal_std("nopre", P, V, 1),
    ]);
    // 2: imports (float op_fee); a second import of one name in one block; an importer
    // outside the keychain; a preorder made before READY.
    c.block(vec![
        import("imported.test", V, A, 0x33),
        import("imp2.test", V, B, 0x34),
        import("imp2.test", V, C, 0x35),
        import("bad.test", A, A, 0x36),
        import("b.burnt", V, D, 0x37),
        import("msimp.test", V, MS, 0x39),
        preorder("early.test", A, A),
    ]);
    // 3: READY by the wrong sender first, then by the revealer; an import after READY.
    c.block(vec![
        ready("expiring", A),
        ready("test", V),
        ready("expiring", V),
        import("late.test", V, A, 0x38),
        malformed(Malformed::ReadyWithoutDot, V, "x.burnt"),
    ]);
    // 4: preorders: plain, two for one name (collision), wrong burn, low fee, a preorder and its
    // registration in one block, short-lifetime names, a short payload; early.test registered
    // from a preorder made before READY.
    c.block(vec![
        preorder("foo.test", A, A),
        preorder("bar.test", A, A),
        preorder("bar.test", B, B),
        preorder_with(
            "wrongburn.test",
            A,
            A,
            Fee::Price,
            Burn::Party(B),
            ChRef::Tip,
        ),
        preorder_with(
            "lowfee.test",
            A,
            A,
            Fee::PriceMinus(1),
            Burn::Proper,
            ChRef::Tip,
        ),
        preorder("who.test", A, A),
        preorder("baz.test", A, A),
        register("baz.test", A, A, None),
        preorder("u.expiring", A, A),
        preorder("r.expiring", A, A),
        preorder("t.expiring", A, A),
        preorder("v57.test", A, A),
        register("early.test", A, A, None),
        malformed(Malformed::ShortPreorder, A, "short.test"),
        preorder("gift.test", B, A),
        preorder("ms1.test", MS, MS),
        preorder("ms2.test", A, MS),
        preorder("gift4.test", B, A),
        preorder("dupe.test", A, A),
        preorder("dupe.test", A, A),
    ]);
    // 5: registrations: ok, a collision (both individually valid), wrong burn, low fee, the
    // wrong sender, bad names, the 57-byte form in epoch 1 (not a valid name there).
    c.block(vec![
        register("foo.test", A, A, None),
        register("bar.test", A, A, None),
        register("bar.test", B, B, None),
        register("wrongburn.test", A, A, None),
        register("lowfee.test", A, A, None),
        register("who.test", B, A, None),
        malformed(Malformed::UpperCaseName, A, "up.test"),
        malformed(Malformed::TwoDots, A, "two.test"),
        register("u.expiring", A, A, None),
        register("r.expiring", A, A, None),
        register("t.expiring", A, A, None),
        register("v57.test", A, A, Some(0x57)),
        register("gift.test", B, A, None),
        register("ms1.test", MS, MS, None),
        register("ms2.test", A, MS, None),
        // Four outputs with a usable preorder: a registration, not a renewal.
        Op::NameRenew {
            name: "gift4.test".into(),
            owner: B,
            new_owner: A,
            fee: Fee::Sat(1000),
            burn: Burn::Party(B),
            value: None,
        },
        register("dupe.test", A, A, None),
    ]);
    // 6: update, transfer of an imported name, renewal of an imported name (float fee), an
    // update by a non-owner, a short update payload.
    c.block(vec![
        update("foo.test", A, 0x22),
        transfer("imported.test", A, B, true),
        renew("imp2.test", C, C, None),
        update("imported.test", B, 0x23),
        malformed(Malformed::ShortUpdate, A, "foo.test"),
        update("gift.test", B, 0x24),
        transfer("msimp.test", MS, A, true),
        update("msimp.test", MS, 0x27),
    ]);
    // 7: transfer after an update (consensus-hash quirk), short-lifetime ops, re-register a
    // name whose registrations collided.
    c.block(vec![
        transfer("foo.test", A, B, true),
        update("u.expiring", A, 0x41),
        transfer("t.expiring", A, B, false),
        revoke("r.expiring", A),
        register("bar.test", A, A, None),
        update("imported.test", B, 0x25),
    ]);
    // 8: renewal after a transfer, revoke, a bad disposition byte, an over-long name.
    c.block(vec![
        renew("foo.test", B, B, None),
        revoke("baz.test", A),
        malformed(Malformed::BadDisposition, A, "bar.test"),
        malformed(Malformed::LongName, A, "bar.test"),
        transfer("imp2.test", C, A, false),
    ]);
    // 9: ops on a revoked name, on names about to expire.
    c.block(vec![
        update("baz.test", A, 0x42),
        transfer("baz.test", A, B, true),
        renew("baz.test", A, A, None),
        update("u.expiring", A, 0x43),
        renew("t.expiring", B, B, None),
        update("imp2.test", A, 0x44),
        transfer("foo.test", B, B, true),
        preorder("dupe.test", A, A),
    ]);
    c.pad_to(11);
    // 11: after expiry (lifetime 3 × 1): others preorder the expired names, the old owner tries.
    c.block(vec![
        update("u.expiring", A, 0x45),
        transfer("u.expiring", A, B, true),
        preorder("u.expiring", D, D),
        preorder("r.expiring", D, D),
        preorder("baz.test", B, B),
    ]);
    c.block(vec![
        register("u.expiring", D, D, None),
        register("r.expiring", D, D, None),
        register("baz.test", B, B, None),
    ]);
    // 13–14: preorders made in epoch 1 and registered in epoch 2 (same prices there).
    c.block(vec![
        preorder("e1.test", A, A),
        preorder("e1cheap.test", A, A),
        revoke("imported.test", B),
    ]);
    c.block(vec![
        update("imported.test", B, 0x46),
        preorder("v57b.test", E, E),
    ]);

    // ---- Epoch 2 (offsets 15–29): multisig, lifetime multiplier 2, still no 57-byte form.
    c.block(vec![
        register("e1.test", A, A, None),
        ns_reveal_std("tver", P, V, 2),
        register("v57b.test", E, E, Some(0x58)),
        preorder_with("cheap.test", A, A, Fee::Tenth, Burn::Proper, ChRef::Tip),
        preorder("late2.test", A, A),
        preorder("x.test", E, E),
        preorder("ms3.test", A, MS),
    ]);
    c.block(vec![
        transfer("imp2.test", A, C, true),
        register("x.test", E, E, None),
        update("e1.test", A, 0x51),
        register("e1cheap.test", A, A, None),
        register("ms3.test", A, MS, None),
        transfer("msimp.test", MS, A, true),
    ]);
    // Regular traffic through epoch 2.
    for i in 0..6u8 {
        let name = format!("e2-{i}.test");
        let owner = [A, B, D, E, X, C][usize::from(i)];
        c.block(vec![
            preorder(&name, owner, owner),
            register(&name, owner, owner, None),
            update("x.test", E, 0x60 + i),
        ]);
    }
    c.block(vec![
        transfer("x.test", E, D, true),
        renew("e1.test", A, A, None),
    ]);
    c.pad_to(29);
    // 29: the last epoch-2 block: preorders registered in epoch 3.
    c.block(vec![
        preorder("p29.test", A, A),
        preorder_with("p29cheap.test", A, A, Fee::Tenth, Burn::Proper, ChRef::Tip),
    ]);

    // ---- Epoch 3 (offsets 30–): price ÷ 10, grace period 3, 57-byte form, version 2.
    c.block(vec![
        register("cheap.test", A, A, None),
        register("late2.test", A, A, None),
        register("p29.test", A, A, None),
        register("p29cheap.test", A, A, None),
        ns_reveal_std("tver", P, V, 2),
        ns_preorder("lapse", P, V, Fee::Price),
        preorder("v3.test", A, A),
        register("v3.test", A, A, Some(0x61)),
    ]);
    c.block(vec![
        ready("tver", V),
        ns_reveal_std("lapse", P, V, 1),
        preorder_with("w23.test", A, A, Fee::Price, Burn::Proper, ChRef::Back(23)),
        preorder_with("w24.test", A, A, Fee::Price, Burn::Proper, ChRef::Back(24)),
        update("v3.test", A, 0x62),
    ]);
    // Version-2 namespace: fees to its creator during the fee period.
    c.block(vec![
        preorder("pay.tver", A, A),
        preorder_with("burn.tver", A, A, Fee::Price, Burn::BurnAddress, ChRef::Tip),
        preorder_with(
            "paycreator.test",
            A,
            A,
            Fee::Price,
            Burn::Party(P),
            ChRef::Tip,
        ),
        import("l1.lapse", V, A, 0x71),
        import("l2.lapse", V, B, 0x72),
        register("w23.test", A, A, None),
        register("w24.test", A, A, None),
    ]);
    c.block(vec![
        register("pay.tver", A, A, None),
        register("burn.tver", A, A, None),
        register("paycreator.test", A, A, None),
        renew("late2.test", A, B, Some(0x63)),
        transfer("v3.test", A, B, false),
        transfer("ms3.test", MS, B, true),
    ]);
    // Quota: 26 preorders, then 26 registrations (the 26th is over 25).
    c.block(
        (0..26)
            .map(|i| preorder(&format!("carol-{i:02}.test"), C, C))
            .collect(),
    );
    c.block(
        (0..26)
            .map(|i| register(&format!("carol-{i:02}.test"), C, C, None))
            .collect(),
    );
    // An owner with 25 names cannot renew; can update; transfers out and then can.
    c.block(vec![
        renew("carol-00.test", C, C, None),
        update("carol-01.test", C, 0x64),
        transfer("carol-02.test", C, A, true),
        preorder("carol-26.test", C, C),
    ]);
    c.block(vec![
        renew("carol-00.test", C, C, None),
        register("carol-26.test", C, C, None),
        transfer("carol-03.test", C, D, true),
    ]);
    // Short lifetime in epoch 3: 3 × 2 = 6 blocks, then a grace period of 3.
    c.block(vec![
        preorder("g.expiring", A, A),
        register("g.expiring", A, A, Some(0x65)),
        preorder("h.expiring", A, A),
        register("h.expiring", A, A, None),
    ]);
    let g0 = c.offset() - 1;
    c.pad_to(g0 + 7);
    // In the grace period: the owner renews g, updates h (not allowed), D preorders h.
    c.block(vec![
        renew("g.expiring", A, A, None),
        update("h.expiring", A, 0x66),
        preorder("h.expiring", D, D),
        transfer("h.expiring", A, B, true),
    ]);
    c.block(vec![register("h.expiring", D, D, None)]);
    c.pad_to(g0 + 11);
    // After the grace period: D re-registers h.
    c.block(vec![preorder("h.expiring", D, D), revoke("g.expiring", A)]);
    c.block(vec![register("h.expiring", D, D, None)]);
    // The lapsed reveal (expiry 20): preorder and reveal the namespace again with the same
    // fee (a different one aborts the original), so the imported names come back under the new
    // reveal. The keychain is the first importer's forever: V keeps importing into `lapse`,
    // D (the revealer of `lapse2`) cannot.
    c.pad_to(52);
    c.block(vec![
        // The same payer and revealer would repeat the consumed preorder's hash.
        ns_preorder("lapse", E, V, Fee::Price),
        ns_preorder("lapse2", P, D, Fee::Price),
    ]);
    c.block(vec![
        ns_reveal_std("lapse", E, V, 1),
        ns_reveal_std("lapse2", P, D, 1),
        import("l3.lapse", V, E, 0x73),
        import("l4.lapse", D, E, 0x77),
    ]);
    c.block(vec![
        import("l1.lapse", V, E, 0x74),
        import("d1.lapse2", D, E, 0x76),
        ready("lapse", V),
        ready("lapse2", D),
    ]);
    c.block(vec![
        update("l1.lapse", E, 0x75),
        transfer("l2.lapse", B, A, true),
        preorder("new.lapse", A, A),
    ]);
    c.block(vec![register("new.lapse", A, A, None)]);
    // More epoch-3 edge cases (bns.md §13): b40 leading zeros share preorder hashes, a
    // new owner cannot act in the block of the transfer, a second READY, a second reveal of a
    // revealed namespace, a duplicate namespace preorder, pricing of vowel-less and long names,
    // a stale transfer consensus hash, a renewal by a non-owner, registering to an owner at the
    // quota, a name expiring while revoked.
    c.block(vec![
        preorder("0z.test", A, A),
        // X owns few names (A is near the quota here); the fee covers `y.test`'s price.
        preorder_with(
            "0y.test",
            X,
            X,
            Fee::Sat(20_000_000),
            Burn::Proper,
            ChRef::Tip,
        ),
        preorder("bcdfg.test", B, B),
        preorder("abcdefghijklmnopqrstu.test", B, B),
        ready("test", V),
        ns_reveal_std("lapse", P, D, 1),
        ns_preorder("dup", P, V, Fee::Price),
        ns_preorder("dup", P, V, Fee::Price),
        transfer("e1.test", A, E, true),
        update("e1.test", E, 0x90),
    ]);
    c.block(vec![
        register("z.test", A, A, None),
        register("y.test", X, X, None),
        register("bcdfg.test", B, B, Some(0x91)),
        register("abcdefghijklmnopqrstu.test", B, B, None),
        ns_reveal_std("dup", P, V, 1),
        update("e1.test", E, 0x92),
        Op::NameTransfer {
            name: "late2.test".into(),
            owner: B,
            to: A,
            keep: true,
            ch: ChRef::Back(24),
        },
        renew("bcdfg.test", A, A, None),
        preorder("tocarol.test", A, C),
    ]);
    c.block(vec![
        register("tocarol.test", A, C, None),
        ns_reveal_std("dup", P, V, 1),
        Op::NameTransfer {
            name: "late2.test".into(),
            owner: B,
            to: A,
            keep: false,
            ch: ChRef::Back(23),
        },
        renew("z.test", A, A, Some(0x93)),
        renew("bcdfg.test", B, B, None),
        revoke("0z.test", A),
    ]);
    // Regular traffic through epoch 3.
    for i in 0..10u8 {
        let name = format!("e3-{i}.test");
        let owner = [A, B, D, E, X][usize::from(i % 5)];
        let next = [B, D, E, X, A][usize::from(i % 5)];
        c.block(vec![
            preorder(&name, owner, owner),
            register(&name, owner, owner, Some(i)),
            update("e1.test", A, 0x80 + i),
        ]);
        c.block(vec![
            transfer(&name, owner, next, i % 2 == 0),
            renew("pay.tver", A, A, None),
        ]);
    }
    // Zone files both nodes are then given: one carrying subdomains, one plain.
    c.block(vec![
        preorder("zf.test", X, X),
        register("zf.test", X, X, None),
    ]);
    c.block(vec![
        update_zonefile("zf.test", X, SUBDOMAIN_ZONEFILE),
        update_zonefile("e3-1.test", D, PLAIN_ZONEFILE),
    ]);
    Scenario {
        name: "quick".into(),
        epoch1_blocks: 15,
        epoch2_blocks: 15,
        grace: 3,
        reveal_expire: 20,
        steps: c.finish(),
    }
}
