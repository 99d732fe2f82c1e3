//! The registrar: carries multi-step name work (preorder → register → zonefile update and
//! replication → transfer) through to the end, across restarts, without paying twice.
//!
//! * [`queue`] — the persistent queue (SQLite): one row per name and stage, holding the signed
//!   transaction of that stage, written before it is broadcast.
//! * [`actions`] — what the registrar needs from the world (building transactions, the chain,
//!   the node), as a trait.
//! * [`registrar`] — submissions and the passes that drive each row to its next stage.
//! * [`client_actions`] — [`Actions`] over the client library and a wallet's keys.
//! * [`rest`] / [`auth`] — the REST write routes and the privileged-route rule.
//! * [`service`] — the registrar and its routes opened from a `client.ini` and unlocked keys.

pub mod actions;
pub mod auth;
pub mod client_actions;
pub mod queue;
pub mod registrar;
pub mod rest;
pub mod service;

pub use actions::{
    ActionError, Actions, Built, NameStatus, Planned, RegisterRequest, RenewRequest,
    WithdrawRequest,
};
pub use queue::{Job, JobData, Queue, QueueError, Stage, StepTx};
pub use registrar::{PassReport, Registrar, RegistrarConfig, SubmitError, Submitted};
