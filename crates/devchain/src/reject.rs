//! Why a transaction was refused, and how bitcoind reports it.
//!
//! Each variant carries the offending input and maps to the JSON-RPC error
//! code and reason string bitcoind's `sendrawtransaction` returns for the
//! same refusal, so clients written against bitcoind can branch on them.

use bitcoin::{Amount, OutPoint, Txid};

use crate::script::ScriptError;

/// `RPC_TRANSACTION_ERROR`: the transaction cannot be accepted as it stands
/// (missing inputs, fee cap).
pub const RPC_TRANSACTION_ERROR: i32 = -25;
/// `RPC_TRANSACTION_REJECTED` (also known as `RPC_VERIFY_REJECTED`).
pub const RPC_VERIFY_REJECTED: i32 = -26;
/// `RPC_TRANSACTION_ALREADY_IN_CHAIN`.
pub const RPC_VERIFY_ALREADY_IN_CHAIN: i32 = -27;

/// A transaction refused by [`crate::DevChain::submit_tx`]. Nothing was stored.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RejectReason {
    /// The transaction is already confirmed in the active chain.
    #[error("transaction {0} is already in the block chain")]
    AlreadyInChain(Txid),
    /// An input refers to an output that does not exist or is already spent
    /// in the chain.
    #[error("input {0} is missing or already spent")]
    MissingInputs(OutPoint),
    /// An input is already spent by another mempool transaction.
    #[error("input {outpoint} is already spent by mempool transaction {spender}")]
    MempoolConflict {
        /// The contested output.
        outpoint: OutPoint,
        /// The mempool transaction that spends it.
        spender: Txid,
    },
    /// The transaction has no inputs.
    #[error("transaction has no inputs")]
    NoInputs,
    /// The transaction has no outputs.
    #[error("transaction has no outputs")]
    NoOutputs,
    /// The stripped size exceeds the block size limit.
    #[error("transaction of weight {weight} exceeds the block limit")]
    Oversize {
        /// Stripped size times four.
        weight: u64,
    },
    /// An output value is above 21 million BTC.
    #[error("output {index} value exceeds the money supply")]
    OutputTooLarge {
        /// Output index.
        index: usize,
    },
    /// The outputs together exceed 21 million BTC.
    #[error("output total exceeds the money supply")]
    OutputTotalTooLarge,
    /// The same outpoint is spent twice in one transaction.
    #[error("input {0} is spent twice")]
    DuplicateInput(OutPoint),
    /// A non-coinbase input has the null outpoint.
    #[error("input {input} has a null prevout")]
    NullPrevout {
        /// Input index.
        input: usize,
    },
    /// Coinbase transactions are only valid in blocks.
    #[error("coinbase transactions cannot be relayed")]
    Coinbase,
    /// The outputs are worth more than the inputs.
    #[error("inputs {inputs} are worth less than outputs {outputs}")]
    InputsBelowOutputs {
        /// Sum of spent outputs.
        inputs: Amount,
        /// Sum of created outputs.
        outputs: Amount,
    },
    /// A coinbase output is spent before it has 100 confirmations.
    #[error("coinbase output {outpoint} spent at depth {depth}, needs 100")]
    PrematureCoinbaseSpend {
        /// The immature coinbase output.
        outpoint: OutPoint,
        /// Blocks between the coinbase and the block that would spend it.
        depth: u32,
    },
    /// The lock time is not yet reached.
    #[error("transaction is not final at the next block")]
    NonFinal,
    /// A BIP68 relative lock time is not yet reached.
    #[error("input {input} has a relative lock time not yet reached")]
    NonBip68Final {
        /// Input index.
        input: usize,
    },
    /// Transaction version other than 1 or 2.
    #[error("transaction version {0} is not standard")]
    NonStandardVersion(i32),
    /// Weight above the standard limit.
    #[error("transaction weight {weight} exceeds the standard limit of 400000")]
    TxSize {
        /// Transaction weight.
        weight: u64,
    },
    /// Stripped size below 65 bytes.
    #[error("transaction of {size} bytes is below the 65-byte minimum")]
    TxSizeSmall {
        /// Stripped size.
        size: usize,
    },
    /// A scriptSig larger than 1650 bytes.
    #[error("input {input} scriptSig is too large")]
    ScriptSigSize {
        /// Input index.
        input: usize,
    },
    /// A scriptSig with non-push opcodes.
    #[error("input {input} scriptSig is not push-only")]
    ScriptSigNotPushOnly {
        /// Input index.
        input: usize,
    },
    /// An output script that is not a standard template (including an
    /// `OP_RETURN` with more than 80 bytes of data).
    #[error("output {index} script is not standard")]
    NonStandardOutput {
        /// Output index.
        index: usize,
    },
    /// An output below its dust threshold.
    #[error("output {index} of {value} is dust (threshold {threshold})")]
    Dust {
        /// Output index.
        index: usize,
        /// Its value.
        value: Amount,
        /// The smallest standard value for its script.
        threshold: Amount,
    },
    /// More than one `OP_RETURN` output.
    #[error("transaction has {count} OP_RETURN outputs, at most one is standard")]
    MultiOpReturn {
        /// Number of data outputs.
        count: usize,
    },
    /// An input spends a non-standard output.
    #[error("input {input} spends a non-standard output")]
    NonStandardInput {
        /// Input index.
        input: usize,
    },
    /// The fee is below the configured minimum relay fee.
    #[error("fee {fee} is below the minimum relay fee {required}")]
    MinRelayFee {
        /// Fee paid.
        fee: Amount,
        /// Fee required for the transaction's size.
        required: Amount,
    },
    /// The fee rate is above the caller's cap (`maxfeerate`).
    #[error("fee {fee} exceeds the maximum {max}")]
    FeeTooHigh {
        /// Fee paid.
        fee: Amount,
        /// Largest fee allowed for the transaction's size.
        max: Amount,
    },
    /// An input's script failed to verify.
    #[error("input {input} script failed ({}): {error}", if *.mandatory { "consensus" } else { "policy" })]
    Script {
        /// Input index.
        input: usize,
        /// The first failure.
        error: ScriptError,
        /// Whether consensus rules fail too, not only relay policy.
        mandatory: bool,
    },
}

impl RejectReason {
    /// The JSON-RPC error code bitcoind uses for this refusal.
    pub fn rpc_code(&self) -> i32 {
        match self {
            RejectReason::AlreadyInChain(_) => RPC_VERIFY_ALREADY_IN_CHAIN,
            RejectReason::MissingInputs(_) | RejectReason::FeeTooHigh { .. } => {
                RPC_TRANSACTION_ERROR
            }
            _ => RPC_VERIFY_REJECTED,
        }
    }

    /// The reason string bitcoind reports, e.g. `bad-txns-inputs-missingorspent`.
    pub fn rpc_message(&self) -> String {
        let text = match self {
            RejectReason::AlreadyInChain(_) => "Transaction already in block chain",
            RejectReason::MissingInputs(_) => "bad-txns-inputs-missingorspent",
            RejectReason::MempoolConflict { .. } => "txn-mempool-conflict",
            RejectReason::NoInputs => "bad-txns-vin-empty",
            RejectReason::NoOutputs => "bad-txns-vout-empty",
            RejectReason::Oversize { .. } => "bad-txns-oversize",
            RejectReason::OutputTooLarge { .. } => "bad-txns-vout-toolarge",
            RejectReason::OutputTotalTooLarge => "bad-txns-txouttotal-toolarge",
            RejectReason::DuplicateInput(_) => "bad-txns-inputs-duplicate",
            RejectReason::NullPrevout { .. } => "bad-txns-prevout-null",
            RejectReason::Coinbase => "coinbase",
            RejectReason::InputsBelowOutputs { .. } => "bad-txns-in-belowout",
            RejectReason::PrematureCoinbaseSpend { .. } => "bad-txns-premature-spend-of-coinbase",
            RejectReason::NonFinal => "non-final",
            RejectReason::NonBip68Final { .. } => "non-BIP68-final",
            RejectReason::NonStandardVersion(_) => "version",
            RejectReason::TxSize { .. } => "tx-size",
            RejectReason::TxSizeSmall { .. } => "tx-size-small",
            RejectReason::ScriptSigSize { .. } => "scriptsig-size",
            RejectReason::ScriptSigNotPushOnly { .. } => "scriptsig-not-pushonly",
            RejectReason::NonStandardOutput { .. } => "scriptpubkey",
            RejectReason::Dust { .. } => "dust",
            RejectReason::MultiOpReturn { .. } => "multi-op-return",
            RejectReason::NonStandardInput { .. } => "bad-txns-nonstandard-inputs",
            RejectReason::MinRelayFee { .. } => "min relay fee not met",
            RejectReason::FeeTooHigh { .. } => {
                "Fee exceeds maximum configured by user (e.g. -maxtxfee, maxfeerate)"
            }
            RejectReason::Script {
                error, mandatory, ..
            } => {
                let prefix = if *mandatory {
                    "mandatory-script-verify-flag-failed"
                } else {
                    "non-mandatory-script-verify-flag"
                };
                return format!("{prefix} ({error})");
            }
        };
        text.to_owned()
    }
}
