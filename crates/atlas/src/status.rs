//! The operator view of an Atlas node.

use serde::Serialize;

use crate::inventory::InventorySummary;

/// One peer as the operator sees it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PeerStatus {
    /// `host:port`.
    pub hostport: String,
    /// Health over the lifetime window (§7.3).
    pub health: f64,
    /// Successful requests in the window.
    pub request_count: usize,
    /// All requests in the window.
    pub attempts: usize,
    /// Invalid-data offences.
    pub violations: u32,
    /// Whether it is a seed.
    pub seed: bool,
    /// How many of our rows its inventory advertises.
    pub inventory_bits: usize,
}

/// What an Atlas node holds and whom it talks to.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AtlasStatus {
    /// The peer table.
    pub peers: Vec<PeerStatus>,
    /// Distinct announced zone files we hold.
    pub zonefiles_held: usize,
    /// Distinct announced zone file hashes.
    pub zonefiles_expected: usize,
    /// The ones we lack: (first announcing name, hash), in inventory order.
    pub missing: Vec<(Option<String>, String)>,
}

/// The operator view of a running node: its peers and how complete its inventory is.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Overview {
    /// The peer table, sorted by `host:port`.
    pub peers: Vec<PeerStatus>,
    /// Zone files expected and held, and the first missing ones.
    #[serde(flatten)]
    pub inventory: InventorySummary,
}
