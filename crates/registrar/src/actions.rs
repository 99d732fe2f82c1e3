//! What the registrar asks of the outside world: building signed transactions, the chain, and
//! the node's view of names. The registrar's logic is written against [`Actions`] only, so it
//! is tested against a simulated chain and run against bitcoind and the node.

use std::future::Future;

use crate::queue::{Job, JobData, StepTx};

/// A failure of an action.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ActionError {
    /// The action cannot succeed as asked (a safety check failed, the chain rejected the
    /// transaction, the name is not ours, …). The message is for the user.
    #[error("{0}")]
    Refused(String),
    /// A backend (bitcoind, the node) could not be reached or answered unexpectedly; the same
    /// action may succeed later.
    #[error("{0}")]
    Unavailable(String),
}

/// The transaction the registrar is to build next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Planned<'a> {
    /// A NAME_PREORDER for a new registration.
    Preorder(&'a RegisterRequest),
    /// The NAME_REGISTRATION that follows the confirmed preorder of `job`.
    Register(&'a Job),
    /// A NAME_UPDATE setting the name's zonefile hash.
    Update {
        /// The name.
        name: &'a str,
        /// The zonefile hash (40 hex).
        zonefile_hash: &'a str,
    },
    /// A NAME_TRANSFER that keeps the zonefile.
    Transfer {
        /// The name.
        name: &'a str,
        /// The recipient's address.
        recipient: &'a str,
    },
    /// A NAME_RENEWAL.
    Renew(&'a RenewRequest),
    /// A NAME_REVOKE.
    Revoke {
        /// The name.
        name: &'a str,
    },
}

impl Planned<'_> {
    /// The name the transaction is about.
    pub fn name(&self) -> &str {
        match self {
            Planned::Preorder(req) => &req.name,
            Planned::Register(job) => &job.name,
            Planned::Update { name, .. }
            | Planned::Transfer { name, .. }
            | Planned::Revoke { name } => name,
            Planned::Renew(req) => &req.name,
        }
    }
}

/// A registration asked for by a user.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RegisterRequest {
    /// The fully qualified name.
    pub name: String,
    /// The zonefile to commit to and replicate.
    pub zonefile: Option<Vec<u8>>,
    /// Where the name goes once registered (a final transfer).
    pub transfer_address: Option<String>,
    /// The fewest confirmations the payment UTXOs may have.
    pub min_confs: Option<u32>,
    /// The most the user agreed to pay for the name, in satoshis.
    pub cost_satoshis: Option<u64>,
    /// Fewer confirmations per step.
    pub unsafe_reg: bool,
}

/// A renewal asked for by a user.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RenewRequest {
    /// The fully qualified name.
    pub name: String,
    /// A new owner to renew to.
    pub new_owner: Option<String>,
    /// A new zonefile to commit to (and replicate).
    pub zonefile: Option<Vec<u8>>,
    /// The fewest confirmations the payment UTXOs may have.
    pub min_confs: Option<u32>,
}

/// A payment from the wallet's payment address.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WithdrawRequest {
    /// Where the bitcoins go.
    pub address: String,
    /// How many satoshis; `None` sends everything (less the fee).
    pub amount: Option<u64>,
    /// Bytes for an OP_RETURN output (at most 40).
    pub message: Option<Vec<u8>>,
    /// The fewest confirmations a spent UTXO may have.
    pub min_confs: u32,
}

/// A signed transaction and what it does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Built {
    /// The transaction (not yet broadcast).
    pub tx: StepTx,
    /// The addresses and flags to keep with the queue row.
    pub data: JobData,
}

/// The node's current view of a name.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NameStatus {
    /// Whether the name is registered and not expired or revoked.
    pub registered: bool,
    /// Its owner's address (as the node renders it).
    pub owner_address: Option<String>,
    /// Its zonefile hash (hex).
    pub value_hash: Option<String>,
    /// Whether the wallet's owner key owns it.
    pub owned_by_wallet: bool,
}

/// The registrar's interface to the world.
pub trait Actions: Send + Sync + 'static {
    /// Checks and builds (signs) the planned transaction. Nothing is broadcast.
    fn build(
        &self,
        planned: Planned<'_>,
    ) -> impl Future<Output = Result<Built, ActionError>> + Send;

    /// The wallet's payment and owner addresses, as [`Built`] records them.
    fn wallet_addresses(&self) -> (String, String);

    /// Sends a signed transaction. A transaction the chain already has is a success.
    fn broadcast(&self, tx: &StepTx) -> impl Future<Output = Result<(), ActionError>> + Send;

    /// The payment address's balance in satoshis, counting UTXOs with at least `min_confs`
    /// confirmations.
    fn balance(&self, min_confs: u32) -> impl Future<Output = Result<u64, ActionError>> + Send;

    /// Builds and signs a payment from the payment address. Nothing is broadcast.
    fn withdraw(
        &self,
        request: &WithdrawRequest,
    ) -> impl Future<Output = Result<StepTx, ActionError>> + Send;

    /// The height of the chain's tip (the registrar passes over its queue when it moves).
    fn block_height(&self) -> impl Future<Output = Result<u64, ActionError>> + Send;

    /// How many confirmations a transaction has: `None` if the chain does not know it,
    /// `Some(0)` while it is in the mempool.
    fn confirmations(
        &self,
        txid: &str,
    ) -> impl Future<Output = Result<Option<u32>, ActionError>> + Send;

    /// The node's view of a name.
    fn name_status(
        &self,
        name: &str,
    ) -> impl Future<Output = Result<NameStatus, ActionError>> + Send;

    /// Gives a zonefile whose hash is on chain to the node (Atlas); returns the servers that
    /// took it (`host:port`).
    fn push_zonefile(
        &self,
        zonefile: &[u8],
    ) -> impl Future<Output = Result<Vec<String>, ActionError>> + Send;
}
