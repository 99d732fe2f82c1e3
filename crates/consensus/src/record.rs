//! The records BNS state is made of (spec §11), as the consensus code reads and writes them.
//!
//! Scripts, hashes and txids are lowercase hex strings, as the original stores them, because the
//! consensus serialization and several comparisons work on that text.

use serde::{Deserialize, Serialize};

use crate::price::PriceFunction;

/// The `op` string of a name's current state.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum NameOp {
    /// `:` — registered (or re-registered).
    Registration,
    /// `::` — renewed.
    Renewal,
    /// `+` — its value hash was updated.
    Update,
    /// `>>` — transferred, keeping the value hash.
    TransferKeep,
    /// `>~` — transferred, clearing the value hash.
    TransferClear,
    /// `~` — revoked.
    Revoke,
    /// `;` — imported.
    Import,
}

impl NameOp {
    /// The stored `op` string.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Registration => ":",
            Self::Renewal => "::",
            Self::Update => "+",
            Self::TransferKeep => ">>",
            Self::TransferClear => ">~",
            Self::Revoke => "~",
            Self::Import => ";",
        }
    }

    /// Parses a stored `op` string.
    pub fn from_str_opt(s: &str) -> Option<Self> {
        Some(match s {
            ":" => Self::Registration,
            "::" => Self::Renewal,
            "+" => Self::Update,
            ">>" => Self::TransferKeep,
            ">~" => Self::TransferClear,
            "~" => Self::Revoke,
            ";" => Self::Import,
            _ => return None,
        })
    }
}

/// How the current incarnation of a name was created (`last_creation_op`): decides whether
/// `op_fee` is rendered as a float in consensus records (spec §9.12).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum CreationOp {
    /// `?` — registered after a preorder.
    Preorder,
    /// `;` — imported.
    Import,
}

impl CreationOp {
    /// The stored one-character string.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Preorder => "?",
            Self::Import => ";",
        }
    }
}

/// One name's current row (`name_records`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct NameRecord {
    /// The fully-qualified name.
    pub name: String,
    /// Hash of the preorder that created this incarnation (imports: computed).
    pub preorder_hash: String,
    /// `hash128(name)`.
    pub name_hash128: String,
    /// The namespace ID.
    pub namespace_id: String,
    /// The namespace's `block_number`.
    pub namespace_block_number: u64,
    /// The zonefile hash, 40 hex characters, if any.
    pub value_hash: Option<String>,
    /// The owner's scriptPubKey.
    pub sender: String,
    /// A public key recorded by the last op that sets one (payer's, importer's), if any.
    pub sender_pubkey: Option<String>,
    /// The owner's address.
    pub address: String,
    /// Block of the very first preorder or import of this name; never changes.
    pub block_number: u64,
    /// Block of the preorder of the current incarnation.
    pub preorder_block_number: u64,
    /// Block the current incarnation was registered or imported in.
    pub first_registered: u64,
    /// Block of the last registration or renewal.
    pub last_renewed: u64,
    /// Whether the name is revoked.
    pub revoked: bool,
    /// The last op applied.
    pub op: NameOp,
    /// Txid of the last op applied.
    pub txid: String,
    /// Position in its block of the last op's transaction.
    pub vtxindex: u32,
    /// The last fee: preorder fee, renewal fee, or the import price (then fractional).
    pub op_fee: f64,
    /// The importer's script, for imported names.
    pub importer: Option<String>,
    /// The importer's address, for imported names.
    pub importer_address: Option<String>,
    /// The last NAME_UPDATE's consensus hash, or the transfer quirk value (spec §9.6).
    pub consensus_hash: Option<String>,
    /// How the current incarnation was created.
    pub last_creation_op: CreationOp,
    /// The consensus hash of the last NAME_UPDATE since this incarnation was created, if any.
    ///
    /// Not a field of the original's row: it summarises the history walk the original does for
    /// the transfer quirk (spec §9.6), so a transfer needs no history lookup.
    pub update_consensus_hash: Option<String>,
}

/// One namespace's row (`namespaces`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct NamespaceRecord {
    /// The namespace ID.
    pub namespace_id: String,
    /// Hash of the namespace preorder consumed by the reveal.
    pub preorder_hash: String,
    /// 1 (pay to burn) or 2 (pay to creator).
    pub version: u16,
    /// The reveal payer's script; after READY, the revealer's.
    pub sender: String,
    /// The reveal payer's public key, if any.
    pub sender_pubkey: Option<String>,
    /// The reveal payer's address (where version-2 fees go).
    pub address: String,
    /// The revealer (importer) script: output 1 of the reveal.
    pub recipient: String,
    /// The revealer's address.
    pub recipient_address: String,
    /// The preorder's block, or the first reveal's row block on a re-reveal.
    pub block_number: u64,
    /// Block of the (last) reveal.
    pub reveal_block: u64,
    /// Block of READY, 0 before.
    pub ready_block: u64,
    /// Whether READY has been applied (`op` = `!`), else revealed (`&`).
    pub ready: bool,
    /// The preorder's fee.
    pub op_fee: u64,
    /// Txid of the last op (reveal or ready).
    pub txid: String,
    /// Position in its block of the last op's transaction.
    pub vtxindex: u32,
    /// Name lifetime in blocks, before the epoch multiplier.
    pub lifetime: u32,
    /// The price function.
    pub price: PriceFunction,
}

impl NamespaceRecord {
    /// The stored `op` string.
    pub fn op_str(&self) -> &'static str {
        if self.ready {
            "!"
        } else {
            "&"
        }
    }
}

/// Whether a preorder is for a name or a namespace.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum PreorderKind {
    /// `?` — NAME_PREORDER.
    Name,
    /// `*` — NAMESPACE_PREORDER.
    Namespace,
}

impl PreorderKind {
    /// The stored `op` string.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Name => "?",
            Self::Namespace => "*",
        }
    }
}

/// An outstanding preorder (`preorders`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PreorderRecord {
    /// The committed hash.
    pub preorder_hash: String,
    /// The consensus hash the preorder referenced.
    pub consensus_hash: String,
    /// The payer's script.
    pub sender: String,
    /// The payer's public key, if any.
    pub sender_pubkey: Option<String>,
    /// The payer's address.
    pub address: String,
    /// Block the preorder was mined in.
    pub block_number: u64,
    /// Name or namespace preorder.
    pub kind: PreorderKind,
    /// The fee paid (output 2).
    pub op_fee: u64,
    /// Txid.
    pub txid: String,
    /// Position in its block.
    pub vtxindex: u32,
    /// The fee output's address.
    pub burn_address: String,
}
