//! The bitcoind backend against the development chain's JSON-RPC: UTXOs with
//! confirmations, balance, fee rate, a withdrawal broadcast and mined, a
//! double spend refused with a typed error.

use std::str::FromStr;
use std::time::Duration;

use bitcoin::{Address, Amount, NetworkKind};
use blockstack_client::backend::{balance, BackendError, BitcoindBackend, WalletBackend};
use blockstack_client::compose::{Composer, Funding};
use blockstack_client::config::BitcoindEndpoint;
use blockstack_devchain::rpc::{serve, RpcAuth, RpcConfig};
use blockstack_devchain::{faucet_script, DevChain};
use blockstack_wallet::{ChainParams, WalletKeys};

async fn devchain() -> (DevChain, BitcoindEndpoint) {
    let chain = DevChain::in_memory();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let config = RpcConfig {
        auth: Some(RpcAuth {
            user: "u".into(),
            password: "p".into(),
        }),
        ..RpcConfig::default()
    };
    tokio::spawn(serve(
        chain.clone(),
        listener,
        config,
        std::future::pending::<()>(),
    ));
    let endpoint = BitcoindEndpoint {
        server: "127.0.0.1".into(),
        port,
        user: "u".into(),
        password: "p".into(),
        use_https: false,
        timeout: Duration::from_secs(10),
    };
    (chain, endpoint)
}

#[tokio::test]
async fn utxos_balance_fees_broadcast_and_confirmations_come_from_bitcoind() {
    let (chain, endpoint) = devchain().await;
    let backend = BitcoindBackend::connect(&endpoint, true).expect("backend");
    let keys = WalletKeys::generate(NetworkKind::Test);
    let address = keys.payment.address(NetworkKind::Test);
    chain
        .fund(&keys.payment.script_pubkey(), Amount::from_sat(3_000_000))
        .expect("fund");
    chain
        .fund(&keys.payment.script_pubkey(), Amount::from_sat(1_000_000))
        .expect("fund");
    chain.mine_blocks(1, &faucet_script()).expect("mine");

    let utxos = backend.utxos(&address, 0).await.expect("utxos");
    assert_eq!(utxos.len(), 2);
    assert!(utxos[0].value > utxos[1].value, "largest first");
    assert!(utxos.iter().all(|u| u.confirmations >= 1));
    assert_eq!(balance(&utxos), Amount::from_sat(4_000_000));
    assert!(backend
        .utxos(&address, 1_000)
        .await
        .expect("utxos")
        .is_empty());
    let height = backend.block_height().await.expect("height");
    assert_eq!(height, u64::from(chain.height()));
    let rate = backend.fee_rate().await.expect("fee rate");
    assert!(rate.to_sat_per_vb_ceil() >= 1);

    let composer = Composer::new(ChainParams::bitcoin_testnet());
    let wallet_utxos: Vec<_> = utxos.iter().map(|u| u.to_wallet_utxo()).collect();
    let to = WalletKeys::generate(NetworkKind::Test).payment;
    let sent = composer
        .withdraw(
            Funding::new(&keys.payment, &wallet_utxos),
            &to.script_pubkey(),
            Some(Amount::from_sat(500_000)),
            None,
            rate,
        )
        .expect("withdraw");
    let txid = backend.broadcast(&sent.tx).await.expect("accepted");
    assert_eq!(txid, sent.tx.compute_txid());
    assert_eq!(backend.confirmations(txid).await.expect("confs"), 0);
    chain.mine_blocks(2, &faucet_script()).expect("mine");
    assert_eq!(backend.confirmations(txid).await.expect("confs"), 2);
    let to_address = Address::from_str(&to.address(NetworkKind::Test).to_string())
        .expect("address")
        .assume_checked();
    let received = backend.utxos(&to_address, 1).await.expect("utxos");
    assert_eq!(balance(&received), Amount::from_sat(500_000));

    // Spending the same coins again is refused by bitcoind, with its reason.
    let again = composer
        .withdraw(
            Funding::new(&keys.payment, &wallet_utxos),
            &keys.owner.script_pubkey(),
            Some(Amount::from_sat(700_000)),
            None,
            rate,
        )
        .expect("composed");
    match backend.broadcast(&again.tx).await {
        Err(BackendError::Rejected { txid, code, .. }) => {
            assert_eq!(txid, again.tx.compute_txid());
            assert!(code < 0);
        }
        other => panic!("expected a rejection, got {other:?}"),
    }
    let unknown = bitcoin::Txid::from_str(&"00".repeat(32)).expect("txid");
    assert_eq!(backend.confirmations(unknown).await.expect("confs"), 0);
}

#[tokio::test]
async fn wrong_credentials_are_a_clear_error() {
    let (_chain, mut endpoint) = devchain().await;
    endpoint.password = "wrong".into();
    let backend = BitcoindBackend::connect(&endpoint, true).expect("backend");
    let err = backend.block_height().await.expect_err("refused");
    assert!(err.to_string().contains("credentials"), "{err}");
}
