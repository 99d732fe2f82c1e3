//! The constants of the v0.18 Atlas network (atlas.md §2 and §13), named as in
//! `blockstack/lib/atlas.py` and `config.py`.

use std::time::Duration;

/// Peers reporting an older major.minor version are refused (`MIN_ATLAS_VERSION`).
pub const MIN_ATLAS_VERSION: (u64, u64) = (0, 17);
/// Window of request history that health is computed over (`PEER_LIFETIME_INTERVAL`).
pub const PEER_LIFETIME_INTERVAL: u64 = 3600;
/// How long a copy of a peer's inventory stays fresh (`PEER_PING_INTERVAL`).
pub const PEER_PING_INTERVAL: u64 = 600;
/// Peers discovered earlier than this are revalidated with a ping (`PEER_MAX_AGE`).
pub const PEER_MAX_AGE: u64 = 2_678_400;
/// How often revalidation runs (`PEER_CLEAN_INTERVAL`).
pub const PEER_CLEAN_INTERVAL: u64 = 3600;
/// Number of peer-table slots, the only bound on its size (`PEER_MAX_DB`).
pub const PEER_MAX_DB: usize = 65_536;
/// Health threshold for being a live neighbour and for surviving cleanup (`MIN_PEER_HEALTH`).
pub const MIN_PEER_HEALTH: f64 = 0.5;
/// Most peers returned to anyone who asks (`NUM_NEIGHBORS`).
pub const NUM_NEIGHBORS: usize = 80;
/// Cap on the candidate list of the peer crawler (`min(10 × NUM_NEIGHBORS, PEER_MAX_DB)`).
pub const MAX_NEW_PEERS: usize = 800;
/// Candidates probed, and unhealthy peers removed, per crawler step (atlas.md §7.6, §8).
pub const PEERS_PER_STEP: usize = 10;
/// Successful requests a peer needs before cleanup may remove it for poor health (§7.6).
pub const MIN_REQUESTS_FOR_REMOVAL: usize = 10;

/// `ping` and `getinfo` timeout (`PEER_PING_TIMEOUT`).
pub const PEER_PING_TIMEOUT: Duration = Duration::from_secs(3);
/// `get_zonefile_inventory` timeout (`PEER_INV_TIMEOUT`).
pub const PEER_INV_TIMEOUT: Duration = Duration::from_secs(10);
/// `atlas_peer_exchange` / `get_atlas_peers` timeout (`PEER_NEIGHBORS_TIMEOUT`).
pub const PEER_NEIGHBORS_TIMEOUT: Duration = Duration::from_secs(10);
/// `get_zonefiles` timeout (`PEER_ZONEFILES_TIMEOUT`).
pub const PEER_ZONEFILES_TIMEOUT: Duration = Duration::from_secs(30);
/// `put_zonefiles` timeout (`PEER_PUSH_ZONEFILES_TIMEOUT`).
pub const PEER_PUSH_ZONEFILES_TIMEOUT: Duration = Duration::from_secs(10);

/// Inventory "bits" asked for per request; a v0.18 server slices bytes with it (§9).
pub const INV_PAGE: u64 = 524_288;
/// Most inventory bytes a Rust server returns per call: what a v0.18 client accepts (§9).
pub const MAX_INV_REPLY_BYTES: usize = 65_536;
/// Most inventory bytes a Rust client accepts per reply: what a v0.18 server may send (§9).
pub const MAX_INV_ACCEPT_BYTES: usize = 524_288;
/// Hashes per `get_zonefiles` call (§11.2).
pub const MAX_GET_ZONEFILES: usize = 100;
/// Chunks per `put_zonefiles` call (§11.3).
pub const MAX_PUT_ZONEFILES: usize = 5;
/// Longest base64 element `put_zonefiles` accepts: `4·40960/3 + 3` (§11.3).
pub const MAX_PUT_ZONEFILE_B64: usize = 4 * blockstack_zonefile::MAX_ZONEFILE_LEN / 3 + 3;
/// Budget for the zone file bytes of one `get_zonefiles` reply, so that the base64-inflated
/// XML stays under the v0.18 client's 409 600-byte cap (§10).
pub const MAX_GET_ZONEFILES_REPLY_BYTES: usize = 280_000;
/// Inbound candidate queue bound (§11.5).
pub const MAX_INBOUND_CANDIDATES: usize = 800;
/// The default RPC/Atlas port (`RPC_SERVER_PORT`).
pub const RPC_SERVER_PORT: u16 = 6264;
/// How many of our recent consensus hashes a peer's may match (`get_valid_transaction_window`).
pub const CONSENSUS_WINDOW: usize = 24;
