//! Namespace operations: NAMESPACE_PREORDER, NAMESPACE_REVEAL,
//! NAMESPACE_READY and NAME_IMPORT (bns.md §9.9–§9.12).

use bitcoin::{Amount, FeeRate, ScriptBuf};
use blockstack_consensus::hash::preorder_hash;
use blockstack_consensus::name::{is_name_valid, is_namespace_valid};
use blockstack_consensus::op::{
    name_import, namespace_preorder, namespace_ready, namespace_reveal,
};
use blockstack_consensus::price::PriceFunction;
use blockstack_wallet::{KeyInfo, Operation};

use super::{body, burn_script, check_payload, hex20, ComposeError, Composed, Composer, Funding};

/// What a NAMESPACE_REVEAL sets for good.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RevealParams {
    /// Name lifetime in blocks (before the epoch multiplier); 0xffffffff = forever.
    pub lifetime: u32,
    /// The price function.
    pub price: PriceFunction,
    /// 1: name fees are burned; 2: they go to the namespace creator for a year.
    pub version: u16,
}

impl Composer {
    /// NAMESPACE_PREORDER: commits `hash160(b40(id) ‖ payer script ‖
    /// reveal address)` and pays `price` to the burn address.
    pub fn namespace_preorder(
        &self,
        namespace_id: &str,
        payer: Funding<'_>,
        reveal_script: &ScriptBuf,
        consensus_hash: [u8; 16],
        price: Amount,
        fee_rate: FeeRate,
    ) -> Result<Composed, ComposeError> {
        if !is_namespace_valid(namespace_id) {
            return Err(ComposeError::InvalidNamespace(namespace_id.to_owned()));
        }
        let reveal_address = self.address_of("reveal", reveal_script)?;
        let payer_script = payer.key.script_pubkey().to_hex_string();
        let hash = preorder_hash(namespace_id, &payer_script, &reveal_address)
            .and_then(|h| hex20(&h))
            .ok_or_else(|| ComposeError::InvalidNamespace(namespace_id.to_owned()))?;
        let payload = namespace_preorder::Payload {
            preorder_hash: hash,
            consensus_hash,
        }
        .encode();
        check_payload(
            "NAMESPACE_PREORDER",
            namespace_preorder::Payload::parse(body(&payload)),
        )?;
        self.finish(
            Operation::NamespacePreorder {
                burn_script: burn_script(),
                fee: self.fee_output(price),
            },
            payload,
            payer,
            None,
            fee_rate,
        )
    }

    /// NAMESPACE_REVEAL: sent by the preorder's payer, output 1 to the
    /// revealer (who imports names and readies the namespace).
    pub fn namespace_reveal(
        &self,
        namespace_id: &str,
        params: &RevealParams,
        payer: Funding<'_>,
        reveal_script: &ScriptBuf,
        fee_rate: FeeRate,
    ) -> Result<Composed, ComposeError> {
        if !is_namespace_valid(namespace_id) {
            return Err(ComposeError::InvalidNamespace(namespace_id.to_owned()));
        }
        self.address_of("reveal", reveal_script)?;
        let payload = namespace_reveal::Payload {
            namespace_id: namespace_id.to_owned(),
            lifetime: params.lifetime,
            price: params.price,
            version: params.version,
        }
        .encode();
        let parsed = check_payload(
            "NAMESPACE_REVEAL",
            namespace_reveal::Payload::parse(body(&payload)),
        )?;
        if !matches!(
            parsed.version,
            namespace_reveal::VERSION_PAY_TO_BURN | namespace_reveal::VERSION_PAY_TO_CREATOR
        ) {
            return Err(ComposeError::InvalidPayload {
                op: "NAMESPACE_REVEAL",
                reason: format!("version {} is neither 1 nor 2", parsed.version),
            });
        }
        self.finish(
            Operation::NamespaceReveal {
                revealer_script: reveal_script.clone(),
            },
            payload,
            payer,
            None,
            fee_rate,
        )
    }

    /// NAMESPACE_READY: sent and paid by the revealer.
    pub fn namespace_ready(
        &self,
        namespace_id: &str,
        revealer: Funding<'_>,
        fee_rate: FeeRate,
    ) -> Result<Composed, ComposeError> {
        if !is_namespace_valid(namespace_id) {
            return Err(ComposeError::InvalidNamespace(namespace_id.to_owned()));
        }
        let payload = namespace_ready::Payload {
            namespace_id: namespace_id.to_owned(),
        }
        .encode();
        check_payload(
            "NAMESPACE_READY",
            namespace_ready::Payload::parse(body(&payload)),
        )?;
        self.finish(Operation::NamespaceReady, payload, revealer, None, fee_rate)
    }

    /// NAME_IMPORT: sent and paid by an import key (the revealer or one of
    /// its BIP32 children), output 1 to the owner, output 2 carrying the
    /// zone-file hash.
    pub fn name_import(
        &self,
        name: &str,
        importer: Funding<'_>,
        recipient_script: &ScriptBuf,
        zonefile_hash: [u8; 20],
        fee_rate: FeeRate,
    ) -> Result<Composed, ComposeError> {
        if !is_name_valid(name) {
            return Err(ComposeError::InvalidName(name.to_owned()));
        }
        if !matches!(importer.key, KeyInfo::Single(_)) {
            return Err(ComposeError::NotSingleKey {
                role: "the import key",
            });
        }
        self.address_of("recipient", recipient_script)?;
        let payload = name_import::Payload {
            name: name.to_owned(),
        }
        .encode();
        check_payload("NAME_IMPORT", name_import::Payload::parse(body(&payload)))?;
        self.finish(
            Operation::NameImport {
                recipient_script: recipient_script.clone(),
                zonefile_hash,
            },
            payload,
            importer,
            None,
            fee_rate,
        )
    }
}
