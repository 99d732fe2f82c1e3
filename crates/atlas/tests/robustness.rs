//! Properties: the bit vector operations agree with each other, and nothing a peer can send
//! (any parameters to any Atlas method, any reply text, any address) panics.

mod common;

use std::sync::Arc;

use blockstack_atlas::inventory::{bit_is_set, inventory_slice, missing_from, pack, set_bit};
use blockstack_atlas::peers::canonical_hostport;
use blockstack_atlas::rpc::METHODS;
use blockstack_atlas::transport::decode_json_reply;
use blockstack_atlas::{Atlas, AtlasRpc};
use blockstack_node::xmlrpc::Value;
use proptest::prelude::*;

fn value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        any::<i64>().prop_map(Value::Int),
        any::<bool>().prop_map(Value::Boolean),
        ".{0,60}".prop_map(Value::String),
        "[0-9a-fA-F]{40}".prop_map(Value::String),
        "[A-Za-z0-9+/]{0,16}={0,2}".prop_map(Value::String),
        prop::collection::vec(any::<u8>(), 0..32).prop_map(Value::Base64),
        Just(Value::Nil),
        any::<f64>().prop_map(Value::Double),
    ];
    leaf.prop_recursive(3, 24, 8, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..8).prop_map(Value::Array),
            prop::collection::vec(("[a-z]{1,6}", inner), 0..4).prop_map(Value::Struct),
        ]
    })
}

fn node() -> (tempfile::TempDir, Arc<Atlas>) {
    let files: Vec<_> = common::corpus().into_iter().take(10).collect();
    let dir = tempfile::tempdir().expect("tempdir");
    let atlas = common::open_node(
        common::config(dir.path(), "me.sim:16264", &[], 1),
        &common::chain(&files),
    );
    for (_, bytes) in files.iter().step_by(2) {
        atlas.put_zonefile(bytes).expect("put");
    }
    (dir, atlas)
}

proptest! {
    #[test]
    fn set_test_and_pack_agree(present in prop::collection::vec(any::<bool>(), 0..200)) {
        let packed = pack(&present);
        prop_assert_eq!(packed.len(), present.len().div_ceil(8));
        let mut built = vec![0u8; packed.len()];
        for (i, p) in present.iter().enumerate() {
            prop_assert_eq!(bit_is_set(&packed, i as u64), *p);
            set_bit(&mut built, i as u64, *p);
        }
        prop_assert_eq!(&built, &packed);
        prop_assert!(!bit_is_set(&packed, present.len() as u64 + 8));
        let none = vec![false; present.len()];
        let want: Vec<u64> = (0..present.len() as u64).filter(|&i| present[i as usize]).collect();
        prop_assert_eq!(missing_from(&pack(&none), &packed, present.len() as u64), want);
    }

    #[test]
    fn slices_stay_in_bounds(inv in prop::collection::vec(any::<u8>(), 0..64), off in any::<u64>(), len in any::<u64>(), max in 0usize..100) {
        let s = inventory_slice(&inv, off, len, max);
        prop_assert!(s.len() <= max);
        if let Ok(off) = usize::try_from(off) {
            if off < inv.len() {
                prop_assert_eq!(s, &inv[off..off + s.len()]);
            } else {
                prop_assert!(s.is_empty());
            }
        }
    }

    #[test]
    fn addresses_never_panic(addr in ".{0,40}") {
        if let Some(hp) = canonical_hostport(&addr) {
            prop_assert_eq!(canonical_hostport(&hp), Some(hp.clone()));
        }
    }

    #[test]
    fn replies_never_panic(text in ".{0,80}") {
        let _ = decode_json_reply(&Value::String(text));
    }
}

#[test]
fn any_parameters_to_any_method_get_a_json_reply() {
    let (_dir, atlas) = node();
    let rpc = AtlasRpc::new(Arc::clone(&atlas));
    let vector = atlas.inventory_vector();
    let mut runner = proptest::test_runner::TestRunner::new(ProptestConfig {
        cases: 400,
        ..ProptestConfig::default()
    });
    let strategy = (0..METHODS.len(), prop::collection::vec(value(), 0..4));
    runner
        .run(&strategy, |(m, params)| {
            let reply = rpc.handle(METHODS[m], &params).expect("an atlas method");
            let text = reply.as_str().expect("a string reply");
            let json: serde_json::Value = serde_json::from_str(text).expect("JSON");
            prop_assert!(json.is_object());
            Ok(())
        })
        .expect("no panics, always JSON");
    // Random puts cannot have stored anything unannounced or changed the inventory.
    assert_eq!(atlas.inventory_vector(), vector);
    assert!(common::store_is_clean(atlas.store()));
}
