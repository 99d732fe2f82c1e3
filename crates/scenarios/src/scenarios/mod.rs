//! The scenarios' steps, one module per category. Each scenario is an `async fn` taking its
//! [`Scene`](crate::Scene); the [`catalog`](crate::catalog) lists them.

pub mod atlas;
pub mod collisions;
pub mod epochs;
pub mod expiry;
pub mod imports;
pub mod invalid;
pub mod multisig;
pub mod namespaces;
pub mod pricing;
pub mod registrar;
pub mod registration;
pub mod renewals;
pub mod rest;
pub mod revokes;
pub mod subdomains;
pub mod transfers;
pub mod updates;

/// What scenario modules use.
mod prelude {
    pub use crate::error::Outcome;
    pub use crate::expect::{name, names_in, namespace, no_preorder, owns, preorder};
    pub use crate::op::{self, hash20, reveal_params, Burn, ChRef, Fee, STANDARD_PRICE};
    pub use crate::scene::Scene;
    pub use crate::wallets::{multisig, single};

    /// `label.namespace`.
    pub fn fqn(label: &str, namespace: &str) -> String {
        format!("{label}.{namespace}")
    }
}
