//! Checks and effects of the name operations (spec §9.1–§9.7, §9.12).

use std::borrow::Cow;

use bitcoin::bip32::{ChainCode, ChildNumber, Fingerprint, Xpub};
use bitcoin::secp256k1::{PublicKey, Secp256k1};
use bitcoin::NetworkKind;

use super::{reject, Block, Checked};
use crate::address::{base58check, script_type_hex, ScriptType};
use crate::consensus_hash::ConsensusRecord;
use crate::hash::{hash160, name_consensus_hash, name_hash128, preorder_hash};
use crate::name::{is_well_formed, name_part, namespace_of};
use crate::op::{OpKind, ParsedOp};
use crate::price::{fee_covers, price_name};
use crate::record::{
    CreationOp, NameOp, NameRecord, NamespaceRecord, PreorderKind, PreorderRecord,
};
use crate::rules::MAX_NAMES_PER_SENDER;
use crate::state::{Rejection, StateView};

impl<V: StateView> Block<'_, V> {
    /// NAME_PREORDER (spec §9.1).
    pub(super) fn check_name_preorder(&mut self, op: &ParsedOp) -> Checked {
        let OpKind::NamePreorder {
            preorder_hash,
            consensus_hash,
            fee,
        } = &op.kind
        else {
            return Err(reject("not a name preorder"));
        };
        if self.name_preorder(preorder_hash).is_some() {
            return Err(reject("preorder hash already in use"));
        }
        if !self.consensus_hash_valid(consensus_hash) {
            return Err(reject("consensus hash is not one of the last 24 blocks'"));
        }
        if self.num_names_owned(&op.sender.script) >= MAX_NAMES_PER_SENDER {
            return Err(reject("payer already owns the maximum number of names"));
        }
        self.collide_preorder(preorder_hash)?;
        let rec = self.preorder_record(op, preorder_hash, consensus_hash, fee, PreorderKind::Name);
        self.put_preorder(rec.clone());
        Ok(ConsensusRecord::NamePreorder(rec))
    }

    /// `check_burn_address`: where a name fee paid at `height` must go (spec §7.3).
    fn burn_ok(&self, ns: &NamespaceRecord, burn_address: &str, height: u64) -> bool {
        let epoch = self.rules.epoch(height);
        let to_creator = epoch.has_burn_to_creator()
            && ns.version & 2 != 0
            && ns.reveal_block + epoch.receive_fees_period >= height;
        if to_creator {
            burn_address == ns.address
        } else {
            burn_address == self.burn_address
        }
    }

    /// NAME_REGISTRATION, re-typed to NAME_RENEWAL when no preorder exists and the sender owns
    /// the name (spec §9.3, §6.5).
    pub(super) fn check_registration(&mut self, op: &ParsedOp) -> Checked {
        let OpKind::NameRegistration {
            name,
            value_hash,
            recipient,
            renewal_fee,
        } = &op.kind
        else {
            return Err(reject("not a name registration"));
        };
        let epoch = self.rules.epoch(self.height);
        if !is_well_formed(name) {
            return Err(reject("malformed name"));
        }
        if self.is_revoked(name) {
            return Err(reject("name is revoked"));
        }
        let Some(ns) = self
            .namespace_ready(namespace_of(name))
            .map(Cow::into_owned)
        else {
            return Err(reject("namespace is not ready"));
        };
        if self.num_names_owned(&recipient.script) >= MAX_NAMES_PER_SENDER {
            return Err(reject("recipient already owns the maximum number of names"));
        }
        let recipient_type = script_type_hex(&recipient.script);
        if matches!(
            recipient_type,
            ScriptType::WitnessPubKeyHash | ScriptType::WitnessScriptHash
        ) {
            return Err(Rejection::ReferenceAbort(
                "registration to a bech32-rendered recipient address",
            ));
        }
        // The address is derived from the script, so a p2sh address is exactly a p2sh script.
        if recipient_type == ScriptType::ScriptHash && !epoch.has_multisig() {
            return Err(reject("p2sh recipients need the multisig epoch"));
        }
        let old_block = self.name_row(name).map(|o| o.block_number);
        let preorder = self.registration_preorder(name, &op.sender.script, &recipient.address, &ns);
        let (fee, fee_block, burn, renewal) = if let Some(p) = &preorder {
            if self.is_registered(name) {
                return Err(reject("name is already registered"));
            }
            if p.block_number < ns.ready_block {
                return Err(reject("preordered before the namespace was ready"));
            }
            if p.sender != op.sender.script {
                return Err(reject("preorder was made by another sender"));
            }
            (p.op_fee, p.block_number, p.burn_address.clone(), false)
        } else if self.is_registered(name) {
            if !epoch.has_register_update() && !self.is_owner(name, &recipient.script) {
                return Err(reject("renewal recipient does not own the name"));
            }
            if !self.is_owner(name, &op.sender.script) {
                return Err(reject("renewal sender does not own the name"));
            }
            let Some(f) = renewal_fee else {
                return Err(reject("renewal pays no fee"));
            };
            (f.amount, self.height, f.address.clone(), true)
        } else {
            return Err(reject(
                "name is not preordered by this sender, nor owned by it",
            ));
        };
        if !fee_covers(
            fee,
            price_name(name_part(name), &ns.price, self.rules, fee_block),
        ) {
            return Err(reject("fee is below the name's price"));
        }
        if !self.burn_ok(&ns, &burn, fee_block) {
            return Err(reject("fee was not paid to the right address"));
        }
        self.collide(false, name)?;
        if renewal {
            return self.check_renewal(op);
        }
        let Some(preorder) = preorder else {
            return Err(reject("no preorder"));
        };
        let rec = NameRecord {
            name: name.clone(),
            preorder_hash: preorder.preorder_hash.clone(),
            name_hash128: name_hash128(name),
            namespace_id: ns.namespace_id.clone(),
            namespace_block_number: ns.block_number,
            value_hash: value_hash.clone(),
            sender: recipient.script.clone(),
            sender_pubkey: op.sender_pubkey.clone(),
            address: recipient.address.clone(),
            block_number: old_block.unwrap_or(preorder.block_number),
            preorder_block_number: preorder.block_number,
            first_registered: self.height,
            last_renewed: self.height,
            revoked: false,
            op: NameOp::Registration,
            txid: op.txid.clone(),
            vtxindex: op.vtxindex,
            op_fee: preorder.op_fee as f64,
            importer: None,
            importer_address: None,
            consensus_hash: None,
            last_creation_op: CreationOp::Preorder,
            update_consensus_hash: None,
        };
        self.consume_preorder(name, &preorder);
        self.put_name(rec.clone(), Some(recipient.address.clone()));
        Ok(ConsensusRecord::NameRegistration(rec))
    }

    /// `get_name_preorder`: the preorder a registration consumes (spec §9.3 step 7).
    fn registration_preorder(
        &self,
        name: &str,
        sender: &str,
        recipient_address: &str,
        ns: &NamespaceRecord,
    ) -> Option<PreorderRecord> {
        if self.present(name).is_some() {
            return None;
        }
        let hash = preorder_hash(name, sender, recipient_address)?;
        let p = self.name_preorder(&hash)?;
        let life = u64::from(ns.lifetime) * self.rules.epoch(self.lastblock).lifetime_multiplier;
        (p.block_number + life > self.lastblock).then_some(p)
    }

    /// NAME_RENEWAL, from the op as parsed (spec §9.4).
    fn check_renewal(&mut self, op: &ParsedOp) -> Checked {
        let OpKind::NameRegistration {
            name,
            value_hash,
            recipient,
            renewal_fee,
        } = &op.kind
        else {
            return Err(reject("not a name renewal"));
        };
        let epoch = self.rules.epoch(self.height);
        let transfer_ok = epoch.has_register_update();
        if !transfer_ok
            && (op.sender.script != recipient.script || op.sender.address != recipient.address)
        {
            return Err(reject("renewals cannot change the owner before epoch 3"));
        }
        if !is_well_formed(name) {
            return Err(reject("malformed name"));
        }
        if self.is_revoked(name) {
            return Err(reject("name is revoked"));
        }
        let Some(ns) = self.namespace_ready(namespace_of(name)) else {
            return Err(reject("namespace is not ready"));
        };
        if self.num_names_owned(&recipient.script) >= MAX_NAMES_PER_SENDER {
            return Err(reject("recipient already owns the maximum number of names"));
        }
        if !self.is_registered(name) {
            return Err(reject("name is not registered"));
        }
        if !transfer_ok && !self.is_owner(name, &recipient.script) {
            return Err(reject("renewal recipient does not own the name"));
        }
        if !self.is_owner(name, &op.sender.script) {
            return Err(reject("renewal sender does not own the name"));
        }
        let Some(fee) = renewal_fee else {
            return Err(reject("renewal pays no fee"));
        };
        if !fee_covers(
            fee.amount,
            price_name(name_part(name), &ns.price, self.rules, self.height),
        ) {
            return Err(reject("renewal fee is below the name's price"));
        }
        if !self.burn_ok(&ns, &fee.address, self.height) {
            return Err(reject("renewal fee was not paid to the right address"));
        }
        let Some(mut rec) = self.present(name).map(Cow::into_owned) else {
            return Err(reject("name is not registered"));
        };
        if transfer_ok {
            if let Some(v) = value_hash {
                rec.value_hash = Some(v.clone());
            }
        }
        rec.sender = recipient.script.clone();
        rec.address = recipient.address.clone();
        rec.last_renewed = self.height;
        rec.op = NameOp::Renewal;
        rec.txid = op.txid.clone();
        rec.vtxindex = op.vtxindex;
        rec.op_fee = fee.amount as f64;
        rec.revoked = false;
        rec.namespace_block_number = ns.block_number;
        self.put_name(rec.clone(), None);
        Ok(ConsensusRecord::NameRegistration(rec))
    }

    /// NAME_UPDATE (spec §9.5).
    pub(super) fn check_update(&mut self, op: &ParsedOp) -> Checked {
        let OpKind::NameUpdate {
            name_consensus_hash: nch,
            value_hash,
        } = &op.kind
        else {
            return Err(reject("not a name update"));
        };
        let owned = self.names_owned(&op.sender.script);
        if owned.len() > MAX_NAMES_PER_SENDER {
            return Err(reject("sender owns more than the maximum number of names"));
        }
        let recent = self.recent_consensus_hashes();
        let found = owned.iter().find_map(|rec| {
            recent
                .iter()
                .find(|ch| name_consensus_hash(&rec.name, ch) == *nch)
                .map(|ch| (rec.name.clone(), ch.clone()))
        });
        let Some((name, ch)) = found else {
            return Err(reject("no owned name matches the name-consensus hash"));
        };
        let mut rec = self.check_transition(&name, &op.sender.script, false)?;
        rec.value_hash = Some(value_hash.clone());
        rec.consensus_hash = Some(ch.clone());
        rec.update_consensus_hash = Some(ch);
        rec.op = NameOp::Update;
        rec.txid = op.txid.clone();
        rec.vtxindex = op.vtxindex;
        self.put_name(rec.clone(), None);
        Ok(ConsensusRecord::NameUpdate(rec))
    }

    /// The checks NAME_UPDATE, NAME_TRANSFER and NAME_REVOKE share: the name is present,
    /// its namespace ready, not revoked, not expired (at N − 1, or N for a revoke), not in its
    /// grace period at N, and owned by the sender. Returns the current row.
    fn check_transition(
        &self,
        name: &str,
        sender: &str,
        revoke: bool,
    ) -> Result<NameRecord, Rejection> {
        let Some(rec) = self.present(name) else {
            return Err(reject("name does not exist or has expired"));
        };
        if self.namespace_ready(&rec.namespace_id).is_none() {
            return Err(reject("namespace is not ready"));
        }
        if rec.revoked {
            return Err(reject("name is revoked"));
        }
        let expiry_height = if revoke { self.height } else { self.lastblock };
        if !self.alive_at(&rec, expiry_height, true) {
            return Err(reject("name has expired"));
        }
        if self.in_grace(&rec, self.height) {
            return Err(reject("name is in its renewal grace period"));
        }
        if rec.sender != sender {
            return Err(reject("sender does not own the name"));
        }
        Ok(rec.into_owned())
    }

    /// NAME_TRANSFER (spec §9.6).
    pub(super) fn check_transfer(&mut self, op: &ParsedOp) -> Checked {
        let OpKind::NameTransfer {
            name_hash128: h,
            consensus_hash,
            keep_data,
            recipient,
        } = &op.kind
        else {
            return Err(reject("not a name transfer"));
        };
        let mut candidates: Vec<String> = self.view.names_by_hash128(h);
        candidates.extend(
            self.names
                .values()
                .filter(|r| &r.name_hash128 == h)
                .map(|r| r.name.clone()),
        );
        let Some(name) = candidates.into_iter().find(|n| {
            self.present(n)
                .is_some_and(|r| !r.revoked && &r.name_hash128 == h)
        }) else {
            return Err(reject("no registered name has this name hash"));
        };
        let mut rec = self.check_transition(&name, &op.sender.script, false)?;
        if !self.consensus_hash_valid(consensus_hash) {
            return Err(reject("consensus hash is not one of the last 24 blocks'"));
        }
        if op.sender.script == recipient.script {
            return Err(reject("transfer to the current owner"));
        }
        if self.is_owner(&name, &recipient.script) {
            return Err(reject("recipient already owns the name"));
        }
        if self.names_owned(&recipient.script).len() >= MAX_NAMES_PER_SENDER {
            return Err(reject("recipient already owns the maximum number of names"));
        }
        let p2sh_like = matches!(
            script_type_hex(&op.sender.script),
            ScriptType::ScriptHash | ScriptType::WitnessScriptHash
        );
        if p2sh_like && !self.rules.epoch(self.height).has_multisig() {
            return Err(reject(
                "p2sh owners cannot transfer before the multisig epoch",
            ));
        }
        rec.consensus_hash = Some(
            rec.update_consensus_hash
                .clone()
                .unwrap_or_else(|| consensus_hash.clone()),
        );
        rec.sender = recipient.script.clone();
        rec.address = recipient.address.clone();
        rec.sender_pubkey = None;
        if !keep_data {
            rec.value_hash = None;
        }
        rec.op = if *keep_data {
            NameOp::TransferKeep
        } else {
            NameOp::TransferClear
        };
        rec.txid = op.txid.clone();
        rec.vtxindex = op.vtxindex;
        self.put_name(rec.clone(), None);
        Ok(ConsensusRecord::NameTransfer(rec))
    }

    /// NAME_REVOKE (spec §9.7).
    pub(super) fn check_revoke(&mut self, op: &ParsedOp) -> Checked {
        let OpKind::NameRevoke { name } = &op.kind else {
            return Err(reject("not a name revoke"));
        };
        if !is_well_formed(name) {
            return Err(reject("malformed name"));
        }
        let mut rec = self.check_transition(name, &op.sender.script, true)?;
        rec.revoked = true;
        rec.value_hash = None;
        rec.op = NameOp::Revoke;
        rec.txid = op.txid.clone();
        rec.vtxindex = op.vtxindex;
        self.put_name(rec.clone(), None);
        Ok(ConsensusRecord::NameRevoke(rec))
    }

    /// NAME_IMPORT (spec §9.12). In the pre-scan it only materializes the keychain.
    pub(super) fn check_import(&mut self, op: &ParsedOp, apply: bool) -> Checked {
        let OpKind::NameImport {
            name,
            recipient,
            value_hash,
        } = &op.kind
        else {
            return Err(reject("not a name import"));
        };
        let Some(computed_hash) = preorder_hash(name, &op.sender.script, &recipient.address) else {
            return Err(Rejection::ReferenceAbort(
                "import of a name the preorder hash cannot encode",
            ));
        };
        let Some(pubkey) = op.sender_pubkey.as_deref() else {
            return Err(reject("importer public key not found"));
        };
        let Some(ns) = self
            .namespace_revealed(namespace_of(name))
            .map(Cow::into_owned)
        else {
            return Err(reject("namespace is not revealed"));
        };
        let key_bytes = hex::decode(pubkey).unwrap_or_default();
        let importer_address =
            base58check(self.rules.network.p2pkh_version(), &hash160(&key_bytes));
        if importer_address != op.sender.address {
            return Err(reject("importer address does not match its public key"));
        }
        let keychain = match self.keychain(&ns.namespace_id) {
            Some(k) => k,
            None => {
                if importer_address != ns.recipient_address {
                    return Err(reject("the first importer must be the namespace revealer"));
                }
                let k = self.derive_keychain(&key_bytes, &importer_address)?;
                self.keychains.insert(ns.namespace_id.clone(), k.clone());
                k
            }
        };
        if !keychain.contains(&importer_address) {
            return Err(reject("importer is not in the namespace's keychain"));
        }
        if !apply {
            return Err(reject("dry run"));
        }
        let old = self.present(name);
        let mut rec = NameRecord {
            name: name.clone(),
            preorder_hash: computed_hash,
            name_hash128: name_hash128(name),
            namespace_id: ns.namespace_id.clone(),
            namespace_block_number: ns.block_number,
            value_hash: Some(value_hash.clone()),
            sender: recipient.script.clone(),
            sender_pubkey: Some(pubkey.to_string()),
            address: recipient.address.clone(),
            block_number: self.height,
            preorder_block_number: self.height,
            first_registered: self.height,
            last_renewed: self.height,
            revoked: false,
            op: NameOp::Import,
            txid: op.txid.clone(),
            vtxindex: op.vtxindex,
            op_fee: price_name(name_part(name), &ns.price, self.rules, self.height),
            importer: Some(op.sender.script.clone()),
            importer_address: Some(op.sender.address.clone()),
            consensus_hash: None,
            last_creation_op: CreationOp::Import,
            update_consensus_hash: None,
        };
        if let Some(old) = &old {
            rec.preorder_hash = old.preorder_hash.clone();
            rec.block_number = old.block_number;
            rec.preorder_block_number = old.preorder_block_number;
            rec.first_registered = old.first_registered;
            rec.last_renewed = old.last_renewed;
        }
        let creator = self
            .name_row(name)
            .is_none()
            .then(|| recipient.address.clone());
        self.put_name(rec.clone(), creator);
        Ok(ConsensusRecord::NameImport(rec))
    }

    /// The import keychain of a namespace: p2pkh addresses of the first importer's BIP32
    /// children 0 … size − 1 (zero chain code, compressed keys), plus its own address.
    fn derive_keychain(&self, key: &[u8], own_address: &str) -> Result<Vec<String>, Rejection> {
        let public_key =
            PublicKey::from_slice(key).map_err(|_| reject("importer public key is invalid"))?;
        let secp = Secp256k1::verification_only();
        let xpub = Xpub {
            network: NetworkKind::Main,
            depth: 0,
            parent_fingerprint: Fingerprint::default(),
            child_number: ChildNumber::from_normal_idx(0)
                .map_err(|_| reject("bad child number"))?,
            public_key,
            chain_code: ChainCode::from([0u8; 32]),
        };
        let version = self.rules.network.p2pkh_version();
        let mut out = Vec::with_capacity(self.rules.import_keyring_size as usize + 1);
        for i in 0..self.rules.import_keyring_size {
            let child = ChildNumber::from_normal_idx(i).map_err(|_| reject("bad child number"))?;
            let derived = xpub
                .ckd_pub(&secp, child)
                .map_err(|_| reject("keychain derivation failed"))?;
            out.push(base58check(
                version,
                &hash160(&derived.public_key.serialize()),
            ));
        }
        out.push(own_address.to_string());
        Ok(out)
    }
}
