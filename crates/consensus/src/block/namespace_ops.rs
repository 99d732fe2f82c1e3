//! Checks and effects of the namespace operations (spec §9.9–§9.11).

use super::{reject, Block, Checked};
use crate::consensus_hash::ConsensusRecord;
use crate::hash::preorder_hash;
use crate::op::namespace_reveal::VERSION_PAY_TO_BURN;
use crate::op::{OpKind, ParsedOp};
use crate::price::{fee_covers, price_namespace};
use crate::record::{NamespaceRecord, PreorderKind};
use crate::state::{Rejection, StateView};

impl<V: StateView> Block<'_, V> {
    /// NAMESPACE_PREORDER (spec §9.9).
    pub(super) fn check_namespace_preorder(&mut self, op: &ParsedOp) -> Checked {
        let OpKind::NamespacePreorder {
            preorder_hash,
            consensus_hash,
            fee,
        } = &op.kind
        else {
            return Err(reject("not a namespace preorder"));
        };
        if self.namespace_preorder(preorder_hash).is_some() {
            return Err(reject("namespace preorder hash already in use"));
        }
        if !self.consensus_hash_valid(consensus_hash) {
            return Err(reject("consensus hash is not one of the last 24 blocks'"));
        }
        self.collide_preorder(preorder_hash)?;
        let rec = self.preorder_record(
            op,
            preorder_hash,
            consensus_hash,
            fee,
            PreorderKind::Namespace,
        );
        self.put_preorder(rec.clone());
        Ok(ConsensusRecord::NamespacePreorder(rec))
    }

    /// NAMESPACE_REVEAL (spec §9.10).
    pub(super) fn check_namespace_reveal(&mut self, op: &ParsedOp, apply: bool) -> Checked {
        let OpKind::NamespaceReveal { reveal, recipient } = &op.kind else {
            return Err(reject("not a namespace reveal"));
        };
        let id = &reveal.namespace_id;
        if self.namespace_revealed(id).is_some() {
            return Err(reject("namespace is already revealed"));
        }
        if self.namespace_ready(id).is_some() {
            return Err(reject("namespace is already ready"));
        }
        let Some(hash) = preorder_hash(id, &op.sender.script, &recipient.address) else {
            return Err(reject("namespace ID cannot be hashed"));
        };
        let Some(preorder) = self.namespace_preorder(&hash) else {
            return Err(reject(
                "namespace was not preordered by this sender for this revealer",
            ));
        };
        if preorder.sender != op.sender.script {
            return Err(reject("namespace preorder was made by another sender"));
        }
        if reveal.version != VERSION_PAY_TO_BURN
            && !self.rules.epoch(self.height).has_burn_to_creator()
        {
            return Err(reject("namespace version 2 needs epoch 3"));
        }
        if !fee_covers(
            preorder.op_fee,
            price_namespace(id, self.rules, self.height),
        ) {
            return Err(reject(
                "namespace preorder fee is below the namespace price",
            ));
        }
        self.collide(true, id)?;
        if !apply {
            return Err(reject("dry run"));
        }
        // The original fails only when it writes the row (`namedb_namespace_update`), after the
        // collision step.
        let old = self.namespace_row(id).map(std::borrow::Cow::into_owned);
        if old.as_ref().is_some_and(|o| o.op_fee != preorder.op_fee) {
            return Err(Rejection::ReferenceAbort(
                "re-reveal of an expired namespace with a different fee",
            ));
        }
        let ns = NamespaceRecord {
            namespace_id: id.clone(),
            preorder_hash: hash,
            version: reveal.version,
            sender: op.sender.script.clone(),
            sender_pubkey: op.sender_pubkey.clone(),
            address: op.sender.address.clone(),
            recipient: recipient.script.clone(),
            recipient_address: recipient.address.clone(),
            block_number: old
                .as_ref()
                .map_or(preorder.block_number, |o| o.block_number),
            reveal_block: self.height,
            ready_block: 0,
            ready: false,
            op_fee: preorder.op_fee,
            txid: op.txid.clone(),
            vtxindex: op.vtxindex,
            lifetime: reveal.lifetime,
            price: reveal.price_function(),
        };
        self.consume_preorder(id, &preorder);
        self.put_namespace(ns.clone(), Some(op.sender.address.clone()));
        Ok(ConsensusRecord::NamespaceReveal(ns))
    }

    /// NAMESPACE_READY (spec §9.11).
    pub(super) fn check_namespace_ready(&mut self, op: &ParsedOp) -> Checked {
        let OpKind::NamespaceReady { namespace_id } = &op.kind else {
            return Err(reject("not a namespace ready"));
        };
        let Some(mut ns) = self
            .namespace_revealed(namespace_id)
            .map(std::borrow::Cow::into_owned)
        else {
            return Err(reject("namespace is not revealed"));
        };
        if ns.recipient != op.sender.script {
            return Err(reject("only the revealer may ready the namespace"));
        }
        ns.ready = true;
        ns.ready_block = self.height;
        ns.sender = op.sender.script.clone();
        ns.txid = op.txid.clone();
        ns.vtxindex = op.vtxindex;
        self.put_namespace(ns.clone(), None);
        Ok(ConsensusRecord::NamespaceReady(ns))
    }
}
