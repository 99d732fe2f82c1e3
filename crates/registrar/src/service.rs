//! The registrar and its routes as a node runs them: built from a `client.ini` and a
//! wallet's unlocked keys, over bitcoind and the core node.

use std::sync::Arc;

use axum::Router;
use blockstack_client::backend::{BackendError, BitcoindBackend};
use blockstack_client::compose::Composer;
use blockstack_client::config::ClientConfig;
use blockstack_client::node::{NodeClient, NodeError};
use blockstack_client::ops::Client;
use blockstack_consensus::Rules;
use blockstack_wallet::WalletKeys;

use crate::auth::Auth;
use crate::client_actions::ClientActions;
use crate::queue::{Queue, QueueError};
use crate::registrar::{Registrar, RegistrarConfig};
use crate::rest::{with_reads, WalletInfo, WriteApi};

/// The registrar over bitcoind and the node.
pub type NodeRegistrar = Registrar<ClientActions<BitcoindBackend>>;

/// Why the registrar could not be opened.
#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    /// The queue database.
    #[error(transparent)]
    Queue(#[from] QueueError),
    /// The bitcoind configuration.
    #[error("bitcoind: {0}")]
    Backend(#[from] BackendError),
    /// The node's URL.
    #[error("the node: {0}")]
    Node(#[from] NodeError),
}

/// Opens the queue named by `config` and a registrar signing with `keys`.
pub fn open(
    config: &ClientConfig,
    keys: WalletKeys,
    rules: Rules,
    registrar_config: RegistrarConfig,
) -> Result<Arc<NodeRegistrar>, OpenError> {
    let backend = BitcoindBackend::connect(config.utxo_endpoint(), config.is_test())?;
    let node = NodeClient::new(config.node_url())?;
    let client = Client::new(
        backend,
        node,
        Composer::new(config.chain_params()),
        config.client.min_confirmations,
    );
    let queue = Queue::open(config.queue_path())?;
    Ok(Arc::new(Registrar::new(
        queue,
        ClientActions::new(client, keys, rules),
        registrar_config,
    )))
}

/// The read routes `reads` with the write routes over `registrar`
/// ([`with_reads`]), with the API password of `config`.
pub fn with_write_routes(
    reads: Router,
    registrar: Arc<NodeRegistrar>,
    config: &ClientConfig,
    test_mode: bool,
) -> Router {
    let keys = registrar.actions().keys();
    let network = config.chain_params().network;
    let payment_address = keys.payment.address(network).to_string();
    let owner_address = keys.owner.address(network).to_string();
    let data_pubkey = keys.data_public_key_hex();
    let wallet = WalletInfo {
        keys: serde_json::json!({
            "payment_address": payment_address,
            "owner_address": owner_address,
            "data_pubkey": data_pubkey,
            "payment_privkey": keys.payment.to_stored(network),
            "owner_privkey": keys.owner.to_stored(network),
            "data_privkey": blockstack_wallet::KeyInfo::Single(keys.data.clone()).to_stored(network),
        }),
        min_confs: config.client.min_confirmations,
        payment_address,
        owner_address,
        data_pubkey: Some(data_pubkey),
    };
    let hostname = hostname();
    let api = Arc::new(WriteApi {
        registrar,
        auth: Auth::new(config.client.api_password.clone(), &hostname, test_mode),
        wallet,
    });
    with_reads(reads, api)
}

/// The REST API of `blockstack api`: the read routes over `reads` (the local core's database
/// or a remote core's node RPC) merged with the write routes over `registrar`, under the
/// REST transport.
pub fn api_app(
    reads: blockstack_api::QueryService,
    registrar: Arc<NodeRegistrar>,
    config: &ClientConfig,
) -> Router {
    let routes = with_write_routes(
        blockstack_api::rest::routes(reads),
        registrar,
        config,
        config.is_test(),
    );
    blockstack_api::rest::app(routes)
}

fn hostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|h| h.trim().to_string())
        .unwrap_or_else(|_| "localhost".into())
}
