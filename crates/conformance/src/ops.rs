//! Operation descriptions: what a scenario asks the chain driver to send, valid or not.
//!
//! An [`Op`] names parties and names, not transactions: the driver turns it into a signed
//! transaction when its block is built, using the state our node has indexed by then (the tip
//! consensus hash, prices, namespace creators). So a scenario can be shrunk by deleting steps
//! and the remaining ops still build.

/// A party: index into the driver's keys (`sha256("bns-conformance-<i>")`).
pub type Party = u8;

/// The fee an op pays.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fee {
    /// The price our rules compute for the block being mined (rounded up).
    Price,
    /// The price minus this many satoshis (too little, unless the price is tiny).
    PriceMinus(u64),
    /// The price times ten (more than enough).
    PriceTimes10,
    /// A tenth of the price, rounded up (what the price is one epoch later).
    Tenth,
    /// A fixed amount.
    Sat(u64),
}

/// Where a fee output goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Burn {
    /// The burn address, or the namespace creator for a version-2 namespace in its fee period.
    Proper,
    /// The burn address, always.
    BurnAddress,
    /// A party's address (wrong for names, allowed for namespaces).
    Party(Party),
}

/// Which consensus hash a payload references.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChRef {
    /// The last indexed block's (N − 1).
    Tip,
    /// That of block N − 1 − k (k = 23 is the oldest valid one, 24 is stale).
    Back(u64),
}

/// A deliberately malformed payload (parsing must drop it).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Malformed {
    /// NAME_PREORDER with a 35-byte body.
    ShortPreorder,
    /// NAME_UPDATE with a 35-byte body.
    ShortUpdate,
    /// NAME_TRANSFER with a disposition byte other than `>`/`~`.
    BadDisposition,
    /// NAMESPACE_READY without the leading `.`.
    ReadyWithoutDot,
    /// NAME_REGISTRATION of a name with upper-case letters.
    UpperCaseName,
    /// NAME_REGISTRATION of a name with two dots.
    TwoDots,
    /// NAME_REVOKE of a name longer than 37 bytes.
    LongName,
}

/// One operation to send.
#[derive(Clone, Debug, PartialEq)]
pub enum Op {
    /// NAMESPACE_PREORDER of `ns`, paid by `payer`, to be revealed by `revealer`.
    NamespacePreorder {
        /// Namespace ID.
        ns: String,
        /// Payer (input 0).
        payer: Party,
        /// The reveal address committed to.
        revealer: Party,
        /// Fee.
        fee: Fee,
        /// Fee destination.
        burn: Burn,
    },
    /// NAMESPACE_REVEAL.
    NamespaceReveal {
        /// Namespace ID.
        ns: String,
        /// Payer (must be the preorder's).
        payer: Party,
        /// Revealer (output 1).
        revealer: Party,
        /// Lifetime.
        lifetime: u32,
        /// Price coefficient.
        coeff: u8,
        /// Price base.
        base: u8,
        /// Bucket exponents.
        buckets: [u8; 16],
        /// Non-alpha and no-vowel discounts.
        discounts: (u8, u8),
        /// 1 or 2.
        version: u16,
    },
    /// NAMESPACE_READY sent by `sender`.
    NamespaceReady {
        /// Namespace ID.
        ns: String,
        /// Sender.
        sender: Party,
    },
    /// NAME_IMPORT by `importer` to `owner`.
    NameImport {
        /// Name.
        name: String,
        /// Importer (input 0).
        importer: Party,
        /// Owner (output 1).
        owner: Party,
        /// Zone-file hash byte (repeated 20 times).
        zonefile: u8,
    },
    /// NAME_PREORDER.
    NamePreorder {
        /// Name.
        name: String,
        /// Payer.
        payer: Party,
        /// Owner committed to.
        owner: Party,
        /// Fee.
        fee: Fee,
        /// Fee destination.
        burn: Burn,
        /// Consensus hash referenced.
        ch: ChRef,
    },
    /// NAME_REGISTRATION sent by `payer` to `owner`.
    NameRegister {
        /// Name.
        name: String,
        /// Payer (input 0).
        payer: Party,
        /// Owner (output 1).
        owner: Party,
        /// Value hash byte for the 57-byte form.
        value: Option<u8>,
    },
    /// NAME_REGISTRATION with four outputs: a renewal.
    NameRenew {
        /// Name.
        name: String,
        /// Current owner (input 0).
        owner: Party,
        /// Owner after renewal (output 1).
        new_owner: Party,
        /// Fee.
        fee: Fee,
        /// Fee destination.
        burn: Burn,
        /// Value hash byte for the 57-byte form.
        value: Option<u8>,
    },
    /// NAME_UPDATE.
    NameUpdate {
        /// Name.
        name: String,
        /// Sender.
        owner: Party,
        /// Value hash byte.
        value: u8,
        /// Consensus hash mixed into the name hash.
        ch: ChRef,
    },
    /// NAME_UPDATE to the hash of a real zone file, which the harness then gives both nodes
    /// (`put_zonefiles`).
    NameUpdateZonefile {
        /// Name.
        name: String,
        /// Sender.
        owner: Party,
        /// The zone file text; `{party:N}` stands for party N's address.
        zonefile: String,
    },
    /// NAME_TRANSFER.
    NameTransfer {
        /// Name.
        name: String,
        /// Sender.
        owner: Party,
        /// Recipient.
        to: Party,
        /// `>` (keep) or `~` (clear).
        keep: bool,
        /// Consensus hash referenced.
        ch: ChRef,
    },
    /// NAME_REVOKE.
    NameRevoke {
        /// Name.
        name: String,
        /// Sender.
        owner: Party,
    },
    /// A malformed payload sent by `sender`.
    Malformed {
        /// Which malformation.
        kind: Malformed,
        /// Sender.
        sender: Party,
        /// A name used in the payload.
        name: String,
    },
}

/// One step of a scenario.
#[derive(Clone, Debug, PartialEq)]
pub enum Step {
    /// Send these ops, then mine one block holding them (in this order).
    Block(Vec<Op>),
    /// Mine this many empty blocks.
    Mine(u32),
}

impl Step {
    /// How many blocks the step mines.
    pub fn blocks(&self) -> u64 {
        match self {
            Step::Block(_) => 1,
            Step::Mine(n) => u64::from(*n),
        }
    }

    /// How many ops it sends.
    pub fn ops(&self) -> usize {
        match self {
            Step::Block(ops) => ops.len(),
            Step::Mine(_) => 0,
        }
    }
}
