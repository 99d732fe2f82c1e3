//! Operations the indexer must drop: malformed payloads, unknown opcodes, data outputs that
//! are not BNS payloads. None of them may change any state.

use bitcoin::hashes::Hash;
use bitcoin::script::{Builder, PushBytesBuf};
use bitcoin::Amount;
use blockstack_consensus::hash::name_hash128;
use blockstack_consensus::op::namespace_reveal;
use blockstack_wallet::Operation;

use super::prelude::*;

fn payload(opcode: u8, body: &[u8]) -> Vec<u8> {
    let mut p = b"id".to_vec();
    p.push(opcode);
    p.extend_from_slice(body);
    p
}

fn data_script(bytes: &[u8]) -> bitcoin::ScriptBuf {
    let push = PushBytesBuf::try_from(bytes.to_vec()).unwrap_or_default();
    Builder::new()
        .push_opcode(bitcoin::opcodes::all::OP_RETURN)
        .push_slice(push)
        .into_script()
}

/// Payloads of the wrong length, bad names, bad discriminators and bytes that are no BNS
/// payload at all are ignored, and the state stays as it was.
pub async fn malformed_operations_are_ignored(mut s: Scene) -> Outcome {
    let [payer, owner, other] = s
        .fund([single("payer"), single("owner"), single("other")])
        .await?;
    let id = s.namespace_id("test");
    s.create_namespace(&id, &payer, &payer, reveal_params(52_595))
        .await?;
    let foo_name = fqn("foo", &id);
    s.register(&foo_name, &payer, &owner, Some(hash20(0x11)))
        .await?;
    // Well-formed first steps whose malformed second steps must be ignored.
    let revealed = s.namespace_id("rvld");
    s.reveal_namespace(&revealed, &payer, &payer, reveal_params(52_595))
        .await?;
    let zero = s.namespace_id("zero");
    let two_dots = format!("a.{foo_name}");
    s.accept(op::namespace_preorder(&zero, &payer, &payer))
        .await?;
    s.accept(
        op::name_preorder(&two_dots, &payer, &other)
            .fee(Fee::Sat(1_000_000))
            .burn(Burn::BurnAddress),
    )
    .await?;
    s.next_block().await?;
    let burn_script = bitcoin::ScriptBuf::new_p2pkh(&bitcoin::PubkeyHash::from_byte_array([0; 20]));
    let consensus = s
        .world()
        .consensus_at(s.height())
        .await
        .map_err(|e| s.fail("consensus", e))?;
    let consensus = hex::decode(consensus).unwrap_or_default();
    let cases: Vec<(&str, crate::wallets::Wallet, Operation, Vec<u8>)> = vec![
        (
            "NAME_PREORDER with a 35-byte body",
            other.clone(),
            Operation::NamePreorder {
                burn_script: burn_script.clone(),
                fee: Amount::from_sat(1_000_000),
            },
            payload(b'?', &[7; 35]),
        ),
        (
            "NAME_UPDATE with a 35-byte body",
            owner.clone(),
            Operation::NameUpdate,
            payload(b'+', &[7; 35]),
        ),
        (
            "NAME_TRANSFER with disposition 'x'",
            owner.clone(),
            Operation::NameTransfer {
                recipient_script: other.script().clone(),
            },
            {
                let mut body = vec![b'x'];
                body.extend(hex::decode(name_hash128(&foo_name)).unwrap_or_default());
                body.extend(&consensus);
                payload(b'>', &body)
            },
        ),
        (
            "NAMESPACE_READY without the leading dot",
            payer.clone(),
            Operation::NamespaceReady,
            payload(b'!', revealed.as_bytes()),
        ),
        (
            "NAME_REGISTRATION of an upper-case name",
            payer.clone(),
            Operation::NameRegistration {
                owner_script: other.script().clone(),
            },
            payload(b':', foo_name.to_uppercase().as_bytes()),
        ),
        (
            "NAME_REGISTRATION of a name with two dots",
            payer.clone(),
            Operation::NameRegistration {
                owner_script: other.script().clone(),
            },
            payload(b':', two_dots.as_bytes()),
        ),
        (
            "NAME_REVOKE of a 40-character name",
            owner.clone(),
            Operation::NameRevoke,
            payload(
                b'~',
                format!("{}.{id}", "x".repeat(40 - 1 - id.len())).as_bytes(),
            ),
        ),
        (
            "NAME_IMPORT of a name with a space",
            payer.clone(),
            Operation::NameImport {
                recipient_script: other.script().clone(),
                zonefile_hash: hash20(0x55),
            },
            payload(b';', format!("b d.{id}").as_bytes()),
        ),
        (
            "NAMESPACE_REVEAL with a zero discount",
            payer.clone(),
            Operation::NamespaceReveal {
                revealer_script: payer.script().clone(),
            },
            namespace_reveal::Payload {
                namespace_id: zero.clone(),
                lifetime: 52_595,
                price: blockstack_consensus::price::PriceFunction {
                    nonalpha_discount: 0,
                    ..STANDARD_PRICE
                },
                version: 1,
            }
            .encode(),
        ),
    ];
    for (label, sender, operation, bytes) in cases {
        s.reject(op::raw(&sender, operation, bytes).labelled(label))
            .await?;
    }
    let mut unknown = b"idZ".to_vec();
    unknown.extend_from_slice(&[1; 20]);
    s.reject(op::data_output(&other, data_script(&unknown)).labelled("an unknown opcode"))
        .await?;
    let mut no_magic = b"xx?".to_vec();
    no_magic.extend_from_slice(&[2; 36]);
    s.reject(
        op::data_output(&other, data_script(&no_magic)).labelled("a payload without the magic"),
    )
    .await?;
    s.reject(op::data_output(&other, data_script(b"id")).labelled("the magic alone"))
        .await?;
    s.next_block().await?;
    s.check(
        name(&foo_name)
            .owner(&owner)
            .value_hash(Some(hash20(0x11)))
            .revoked(false)
            .opcode("NAME_REGISTRATION"),
    )
    .await?;
    s.check(namespace(&id).ready()).await?;
    s.check(namespace(&revealed).revealed()).await?;
    s.check(namespace(&zero).absent()).await?;
    s.check(preorder(&zero, &payer, &payer)).await?;
    s.check(preorder(&two_dots, &payer, &other)).await?;
    s.check(names_in(&id, &[&foo_name])).await
}

/// Operations on a namespace nobody revealed: the preorder is stored (preorders name no
/// namespace), everything else is ignored and nothing appears.
pub async fn ops_in_an_unknown_namespace_are_ignored(mut s: Scene) -> Outcome {
    let [payer, owner] = s.fund([single("payer"), single("owner")]).await?;
    let id = s.namespace_id("nosuch");
    let foo_name = fqn("foo", &id);
    s.accept(
        op::name_preorder(&foo_name, &payer, &owner)
            .fee(Fee::Sat(1_000_000))
            .burn(Burn::BurnAddress),
    )
    .await?;
    s.reject(op::namespace_ready(&id, &payer).labelled("ready of an unknown namespace"))
        .await?;
    s.reject(
        op::name_import(&foo_name, &payer, &owner, hash20(0x11))
            .labelled("import into an unknown namespace"),
    )
    .await?;
    s.next_block().await?;
    s.reject(
        op::name_register(&foo_name, &payer, &owner)
            .labelled("registration in an unknown namespace"),
    )
    .await?;
    s.reject(
        op::name_update(&foo_name, &owner, hash20(0x22))
            .labelled("update of a name that does not exist"),
    )
    .await?;
    s.next_block().await?;
    s.check(namespace(&id).absent()).await?;
    s.check(name(&foo_name).absent()).await?;
    s.check(preorder(&foo_name, &payer, &owner)).await?;
    s.check(owns(&owner, &[])).await
}
