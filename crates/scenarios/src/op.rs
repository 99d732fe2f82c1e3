//! Operations a scenario sends, described by who and what rather than by transaction, and
//! the knobs that turn a well-formed operation into one the indexer must refuse: a fee below
//! the price, a fee to the wrong address, a stale consensus hash, or raw payload bytes.
//!
//! The transaction is built when the operation is sent, from the state the node has indexed
//! by then (tip consensus hash, prices, namespace creators).

use bitcoin::ScriptBuf;
use blockstack_client::compose::RevealParams;
use blockstack_consensus::price::PriceFunction;
use blockstack_wallet::Operation;

use crate::wallets::Wallet;

/// The fee a priced operation pays.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fee {
    /// The node's price (`get_name_cost` / `get_namespace_cost`), but at least the 5500-sat
    /// output the original client pays.
    Price,
    /// The node's price minus this many satoshis.
    PriceMinus(u64),
    /// Exactly this many satoshis.
    Sat(u64),
}

/// Where a priced operation's fee goes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Burn {
    /// The burn address, or the namespace creator for a version-2 namespace within its
    /// fee period (bns.md §7.3).
    Proper,
    /// The burn address, always.
    BurnAddress,
    /// This script.
    To(ScriptBuf),
}

/// Which consensus hash an operation's payload references.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChRef {
    /// The last indexed block's: the freshest valid one.
    Tip,
    /// That of `k` blocks before the last indexed one: valid for k ≤ 23, stale from 24.
    Back(u64),
}

/// What the operation does.
#[derive(Clone, Debug)]
pub enum Kind {
    /// NAMESPACE_PREORDER of `id` paid by `payer`, committing to `revealer`.
    NamespacePreorder {
        /// Namespace ID.
        id: String,
        /// Input 0.
        payer: Wallet,
        /// The reveal address committed to.
        revealer: Wallet,
    },
    /// NAMESPACE_REVEAL sent by the preorder's payer.
    NamespaceReveal {
        /// Namespace ID.
        id: String,
        /// Input 0.
        payer: Wallet,
        /// Output 1: the key that imports names and readies the namespace.
        revealer: Wallet,
        /// Lifetime, price function and version.
        params: RevealParams,
    },
    /// NAMESPACE_READY sent by `revealer`.
    NamespaceReady {
        /// Namespace ID.
        id: String,
        /// Input 0.
        revealer: Wallet,
    },
    /// NAME_IMPORT by `importer` to `owner` with a zone-file hash.
    NameImport {
        /// Name.
        name: String,
        /// Input 0 (a single key).
        importer: Wallet,
        /// Output 1.
        owner: Wallet,
        /// The zone-file hash carried by output 2.
        value_hash: [u8; 20],
    },
    /// NAME_PREORDER paid by `payer` for `owner`.
    NamePreorder {
        /// Name.
        name: String,
        /// Input 0.
        payer: Wallet,
        /// The owner committed to.
        owner: Wallet,
    },
    /// NAME_REGISTRATION sent by `payer` to `owner`, with a zone-file hash in the 57-byte form.
    NameRegister {
        /// Name.
        name: String,
        /// Input 0.
        payer: Wallet,
        /// Output 1.
        owner: Wallet,
        /// The epoch-3 register-and-update hash.
        value_hash: Option<[u8; 20]>,
    },
    /// NAME_UPDATE by `owner`.
    NameUpdate {
        /// Name.
        name: String,
        /// Input 0.
        owner: Wallet,
        /// The new zone-file hash.
        value_hash: [u8; 20],
    },
    /// NAME_TRANSFER by `owner` to `to`, keeping the zone-file hash or clearing it.
    NameTransfer {
        /// Name.
        name: String,
        /// Input 0.
        owner: Wallet,
        /// Output 1.
        to: Wallet,
        /// `>` (keep) or `~` (clear).
        keep: bool,
    },
    /// NAME_RENEWAL by `owner`, optionally to a new owner and with a zone-file hash (epoch 3).
    NameRenew {
        /// Name.
        name: String,
        /// Input 0.
        owner: Wallet,
        /// Output 1 if not the owner.
        to: Option<Wallet>,
        /// The renew-and-update hash.
        value_hash: Option<[u8; 20]>,
    },
    /// NAME_REVOKE by `owner`.
    NameRevoke {
        /// Name.
        name: String,
        /// Input 0.
        owner: Wallet,
    },
    /// Any layout with any payload bytes: for operations the indexer must drop.
    Raw {
        /// Input 0.
        sender: Wallet,
        /// The layout (outputs by position).
        operation: Operation,
        /// The whole OP_RETURN payload, `id` and opcode included.
        payload: Vec<u8>,
    },
    /// A plain payment from `sender` whose only other output is this data script: for
    /// opcodes no operation has, and data outputs in forms the builder never makes.
    Script {
        /// Input 0.
        sender: Wallet,
        /// The data output's script.
        script: ScriptBuf,
    },
}

/// An operation to send, with its knobs.
#[derive(Clone, Debug)]
pub struct Op {
    /// What it does.
    pub kind: Kind,
    /// Its fee (priced operations only).
    pub fee: Fee,
    /// Where the fee goes (name preorders and renewals).
    pub burn: Burn,
    /// The consensus hash it references (preorders, updates, transfers).
    pub consensus: ChRef,
    /// Who pays the miner fee of an owner operation (default: the owner).
    pub payer: Option<Wallet>,
    /// A description for reports, instead of the generated one.
    pub label: Option<String>,
}

impl From<Kind> for Op {
    fn from(kind: Kind) -> Self {
        Op {
            kind,
            fee: Fee::Price,
            burn: Burn::Proper,
            consensus: ChRef::Tip,
            payer: None,
            label: None,
        }
    }
}

impl Op {
    /// With this fee.
    pub fn fee(mut self, fee: Fee) -> Self {
        self.fee = fee;
        self
    }

    /// With the fee paid to this destination.
    pub fn burn(mut self, burn: Burn) -> Self {
        self.burn = burn;
        self
    }

    /// Referencing this consensus hash.
    pub fn consensus(mut self, consensus: ChRef) -> Self {
        self.consensus = consensus;
        self
    }

    /// With another wallet paying the miner fee (owner operations).
    pub fn paid_by(mut self, payer: &Wallet) -> Self {
        self.payer = Some(payer.clone());
        self
    }

    /// Described as `label` in reports.
    pub fn labelled(mut self, label: &str) -> Self {
        self.label = Some(label.to_owned());
        self
    }

    /// What reports call it.
    pub fn describe(&self) -> String {
        if let Some(label) = &self.label {
            return label.clone();
        }
        match &self.kind {
            Kind::NamespacePreorder { id, payer, .. } => {
                format!("NAMESPACE_PREORDER {id} by {}", payer.label())
            }
            Kind::NamespaceReveal { id, payer, .. } => {
                format!("NAMESPACE_REVEAL {id} by {}", payer.label())
            }
            Kind::NamespaceReady { id, revealer } => {
                format!("NAMESPACE_READY {id} by {}", revealer.label())
            }
            Kind::NameImport {
                name,
                importer,
                owner,
                ..
            } => format!(
                "NAME_IMPORT {name} by {} to {}",
                importer.label(),
                owner.label()
            ),
            Kind::NamePreorder { name, payer, owner } => format!(
                "NAME_PREORDER {name} by {} for {}",
                payer.label(),
                owner.label()
            ),
            Kind::NameRegister {
                name, payer, owner, ..
            } => format!(
                "NAME_REGISTRATION {name} by {} to {}",
                payer.label(),
                owner.label()
            ),
            Kind::NameUpdate { name, owner, .. } => {
                format!("NAME_UPDATE {name} by {}", owner.label())
            }
            Kind::NameTransfer {
                name,
                owner,
                to,
                keep,
            } => format!(
                "NAME_TRANSFER {name} by {} to {} ({})",
                owner.label(),
                to.label(),
                if *keep { "keep data" } else { "clear data" }
            ),
            Kind::NameRenew { name, owner, .. } => {
                format!("NAME_RENEWAL {name} by {}", owner.label())
            }
            Kind::NameRevoke { name, owner } => {
                format!("NAME_REVOKE {name} by {}", owner.label())
            }
            Kind::Raw {
                sender, operation, ..
            } => format!("crafted {} by {}", operation.name(), sender.label()),
            Kind::Script { sender, script } => {
                format!(
                    "data output {} by {}",
                    script.to_hex_string(),
                    sender.label()
                )
            }
        }
    }
}

/// The price function the original's scenarios give their `.test` namespace: coeff 250,
/// base 4, buckets 6,5,4,3,2,1,0…, both discounts 10 (bns.md §12.3).
pub const STANDARD_PRICE: PriceFunction = PriceFunction {
    coeff: 250,
    base: 4,
    buckets: [6, 5, 4, 3, 2, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
    nonalpha_discount: 10,
    no_vowel_discount: 10,
};

/// A version-1 reveal with the standard price function and `lifetime`.
pub fn reveal_params(lifetime: u32) -> RevealParams {
    RevealParams {
        lifetime,
        price: STANDARD_PRICE,
        version: 1,
    }
}

/// NAMESPACE_PREORDER.
pub fn namespace_preorder(id: &str, payer: &Wallet, revealer: &Wallet) -> Op {
    Kind::NamespacePreorder {
        id: id.to_owned(),
        payer: payer.clone(),
        revealer: revealer.clone(),
    }
    .into()
}

/// NAMESPACE_REVEAL.
pub fn namespace_reveal(id: &str, payer: &Wallet, revealer: &Wallet, params: RevealParams) -> Op {
    Kind::NamespaceReveal {
        id: id.to_owned(),
        payer: payer.clone(),
        revealer: revealer.clone(),
        params,
    }
    .into()
}

/// NAMESPACE_READY.
pub fn namespace_ready(id: &str, revealer: &Wallet) -> Op {
    Kind::NamespaceReady {
        id: id.to_owned(),
        revealer: revealer.clone(),
    }
    .into()
}

/// NAME_IMPORT.
pub fn name_import(name: &str, importer: &Wallet, owner: &Wallet, value_hash: [u8; 20]) -> Op {
    Kind::NameImport {
        name: name.to_owned(),
        importer: importer.clone(),
        owner: owner.clone(),
        value_hash,
    }
    .into()
}

/// NAME_PREORDER.
pub fn name_preorder(name: &str, payer: &Wallet, owner: &Wallet) -> Op {
    Kind::NamePreorder {
        name: name.to_owned(),
        payer: payer.clone(),
        owner: owner.clone(),
    }
    .into()
}

/// NAME_REGISTRATION without a zone-file hash.
pub fn name_register(name: &str, payer: &Wallet, owner: &Wallet) -> Op {
    Kind::NameRegister {
        name: name.to_owned(),
        payer: payer.clone(),
        owner: owner.clone(),
        value_hash: None,
    }
    .into()
}

/// NAME_REGISTRATION with a zone-file hash (epoch 3's register-and-update).
pub fn name_register_with(name: &str, payer: &Wallet, owner: &Wallet, value_hash: [u8; 20]) -> Op {
    Kind::NameRegister {
        name: name.to_owned(),
        payer: payer.clone(),
        owner: owner.clone(),
        value_hash: Some(value_hash),
    }
    .into()
}

/// NAME_UPDATE.
pub fn name_update(name: &str, owner: &Wallet, value_hash: [u8; 20]) -> Op {
    Kind::NameUpdate {
        name: name.to_owned(),
        owner: owner.clone(),
        value_hash,
    }
    .into()
}

/// NAME_TRANSFER.
pub fn name_transfer(name: &str, owner: &Wallet, to: &Wallet, keep: bool) -> Op {
    Kind::NameTransfer {
        name: name.to_owned(),
        owner: owner.clone(),
        to: to.clone(),
        keep,
    }
    .into()
}

/// NAME_RENEWAL to the same owner.
pub fn name_renew(name: &str, owner: &Wallet) -> Op {
    Kind::NameRenew {
        name: name.to_owned(),
        owner: owner.clone(),
        to: None,
        value_hash: None,
    }
    .into()
}

/// NAME_RENEWAL to `to` with an optional zone-file hash (epoch 3's renew-transfer-update).
pub fn name_renew_to(name: &str, owner: &Wallet, to: &Wallet, value_hash: Option<[u8; 20]>) -> Op {
    Kind::NameRenew {
        name: name.to_owned(),
        owner: owner.clone(),
        to: Some(to.clone()),
        value_hash,
    }
    .into()
}

/// NAME_REVOKE.
pub fn name_revoke(name: &str, owner: &Wallet) -> Op {
    Kind::NameRevoke {
        name: name.to_owned(),
        owner: owner.clone(),
    }
    .into()
}

/// A crafted operation: `payload` (from `id` on) in the layout of `operation`.
pub fn raw(sender: &Wallet, operation: Operation, payload: Vec<u8>) -> Op {
    Kind::Raw {
        sender: sender.clone(),
        operation,
        payload,
    }
    .into()
}

/// A payment from `sender` carrying `script` as its data output.
pub fn data_output(sender: &Wallet, script: ScriptBuf) -> Op {
    Kind::Script {
        sender: sender.clone(),
        script,
    }
    .into()
}

/// A 20-byte zone-file hash made of one repeated byte, as the original's scenarios write
/// `"11" * 20`.
pub fn hash20(byte: u8) -> [u8; 20] {
    [byte; 20]
}
