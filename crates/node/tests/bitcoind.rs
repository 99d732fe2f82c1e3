//! `BitcoindClient` against a real regtest bitcoind (see `blockstack_node::testing`).

use std::str::FromStr;
use std::time::{Duration, Instant};

use bitcoin::consensus::deserialize;
use bitcoin::{Address, Amount, BlockHash, Network, OutPoint, Transaction, Txid};
use blockstack_node::chain::{
    BitcoindClient, BlockTransport, ChainError, ChainSource, RetryPolicy, RpcAuth,
};
use blockstack_node::testing::{RegtestNode, MINER_ADDRESS};

/// The coinbase of block 1 when it is mined to `MINER_ADDRESS`: the same on
/// every fresh regtest chain.
const BLOCK1_COINBASE: &str = "a5b5ea7fc53222b0e644cd9209e81100760aa81f5c4b33b9f248686df7924f0a";
/// A spend of that coinbase (49.9999 to `SPEND_ADDRESS` plus a 39-byte
/// `id?` OP_RETURN), signed with SIGHASH_ALL|FORKID as the regtest node
/// requires (shared/tools/bitcoind-regtest.md §3).
const SPEND_TXID: &str = "71155991b2fa1221d2bee5b9a3318fe91c7cae2637805f84303651d5b8c755b4";
const SPEND_HEX: &str = "01000000010a4f92f76d6848f2b9334b5c1fa80a760011e80992cd44e6b02232c57feab5a5000000006b483045022100abcd0bd6f2d478c9d4ef2a1c162d2599ad2b74bfc24d1f33ebbb4e1c493a0aae022038d85f04818383eeebbd82949bcef9b162fe228591ee0f962bc462e13a683e01412102b7f15de38a7fbd026024c9081b419448a9ed16e10f657076b8a0e5c42fea492bffffffff02f0ca052a010000001976a914014c189ab4265ccc283ee1c8f674c519538c56c688ac0000000000000000296a2769643f000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f2021222300000000";
const SPEND_ADDRESS: &str = "mfdp8Vjq86wdLTwZSVXvmxLTi2vPRB41Jh";
const OTHER_ADDRESS: &str = "mfWxJ45yp2SFn7UciZyNpvDKrzbhyfKrY8";

fn client(node: &RegtestNode) -> BitcoindClient {
    BitcoindClient::new(node.config()).expect("valid config")
}

fn address(s: &str) -> Address {
    Address::from_str(s)
        .expect("valid address")
        .require_network(Network::Regtest)
        .expect("regtest address")
}

fn spend() -> Transaction {
    deserialize(&hex::decode(SPEND_HEX).expect("hex")).expect("transaction")
}

#[tokio::test]
async fn counts_hashes_and_raw_blocks_agree_with_the_node() {
    let Some(node) = RegtestNode::start("counts_hashes_and_raw_blocks_agree_with_the_node") else {
        return;
    };
    let rest = client(&node);
    let mut config = node.config();
    config.blocks = BlockTransport::Rpc;
    let rpc = BitcoindClient::new(config).expect("valid config");

    assert_eq!(rest.block_count().await.expect("getblockcount"), 0);
    let mined = node.mine(3, MINER_ADDRESS);
    assert_eq!(rest.block_count().await.expect("getblockcount"), 3);

    let info = rest.chain_info().await.expect("getblockchaininfo");
    assert_eq!(info.chain, "regtest");
    assert_eq!(info.blocks, 3);
    assert_eq!(info.best_block_hash.to_string(), mined[2]);

    let miner = address(MINER_ADDRESS).script_pubkey();
    for (i, expected) in mined.iter().enumerate() {
        let hash = rest.block_hash(i as u64 + 1).await.expect("getblockhash");
        assert_eq!(hash.to_string(), *expected);
        for client in [&rest, &rpc] {
            let block = client.block(hash).await.expect("raw block");
            assert_eq!(block.block_hash(), hash);
            assert!(block.check_merkle_root());
            assert_eq!(block.txdata[0].output[0].script_pubkey, miner);
        }
    }

    let genesis = rest.block_hash(0).await.expect("genesis hash");
    assert_eq!(
        genesis.to_string(),
        "0f9188f13cb7b2c71f2a335e3a4fc328bf5beb436012afca590b1a11466e2206"
    );

    let err = rest.block_hash(99).await.expect_err("beyond the tip");
    assert_eq!(err.rpc_code(), Some(-8), "{err}");
    let err = rest
        .block(BlockHash::from_str(&"11".repeat(32)).expect("hash"))
        .await
        .expect_err("unknown block");
    assert!(err.is_not_found(), "{err}");
}

#[tokio::test]
async fn rest_disabled_falls_back_to_rpc_blocks() {
    let Some(node) =
        RegtestNode::start_with("rest_disabled_falls_back_to_rpc_blocks", &["-rest=0"])
    else {
        return;
    };
    let client = client(&node);
    let mined = node.mine(2, MINER_ADDRESS);
    for expected in &mined {
        let hash = BlockHash::from_str(expected).expect("hash");
        assert_eq!(
            client
                .block(hash)
                .await
                .expect("block over rpc")
                .block_hash(),
            hash
        );
    }
}

#[tokio::test]
async fn transactions_prevouts_broadcast_and_utxos() {
    let Some(node) = RegtestNode::start("transactions_prevouts_broadcast_and_utxos") else {
        return;
    };
    let client = client(&node);
    node.mine(1, MINER_ADDRESS);
    // Coinbase maturity is 100: the spend is valid once the tip is at 100.
    node.mine(99, OTHER_ADDRESS);

    let coinbase_txid = Txid::from_str(BLOCK1_COINBASE).expect("txid");
    let coinbase = client
        .transaction(coinbase_txid)
        .await
        .expect("getrawtransaction");
    assert_eq!(coinbase.compute_txid(), coinbase_txid);
    assert!(coinbase.is_coinbase());

    let spent = OutPoint {
        txid: coinbase_txid,
        vout: 0,
    };
    let prevouts = client.prevouts(&[spent, spent]).await.expect("prevouts");
    assert_eq!(prevouts.len(), 2);
    assert_eq!(prevouts[0].value, Amount::from_btc(50.0).expect("amount"));
    assert_eq!(
        prevouts[0].script_pubkey,
        address(MINER_ADDRESS).script_pubkey()
    );
    assert_eq!(prevouts[0], prevouts[1]);

    let err = client
        .prevouts(&[OutPoint {
            txid: coinbase_txid,
            vout: 7,
        }])
        .await
        .expect_err("no such output");
    assert!(matches!(err, ChainError::MissingOutput { .. }), "{err}");
    let unknown = OutPoint {
        txid: Txid::from_str(&"22".repeat(32)).expect("txid"),
        vout: 0,
    };
    let err = client
        .prevouts(&[spent, unknown])
        .await
        .expect_err("unknown transaction");
    assert!(err.is_not_found(), "{err}");

    // The first lookup makes a wallet-only node (no scantxoutset) watch the
    // address; from then on it also sees unconfirmed outputs.
    assert_eq!(
        client.utxos(&address(SPEND_ADDRESS)).await.expect("utxos"),
        vec![]
    );

    let tx = spend();
    assert_eq!(tx.compute_txid().to_string(), SPEND_TXID);
    assert_eq!(
        client.broadcast(&tx).await.expect("accepted"),
        tx.compute_txid()
    );
    // Already in the mempool counts as success.
    assert_eq!(
        client.broadcast(&tx).await.expect("already known"),
        tx.compute_txid()
    );

    // In the mempool: visible to getrawtransaction and to the UTXO lookup.
    let utxos = client.utxos(&address(SPEND_ADDRESS)).await.expect("utxos");
    assert_eq!(utxos.len(), 1, "{utxos:?}");
    assert_eq!(
        utxos[0].outpoint,
        OutPoint {
            txid: tx.compute_txid(),
            vout: 0
        }
    );
    assert_eq!(utxos[0].txout.value, Amount::from_sat(4_999_990_000));
    assert_eq!(utxos[0].confirmations, 0);

    node.mine(1, OTHER_ADDRESS);
    assert_eq!(
        client
            .transaction(tx.compute_txid())
            .await
            .expect("mined spend"),
        tx
    );
    let utxos = client.utxos(&address(SPEND_ADDRESS)).await.expect("utxos");
    assert_eq!(utxos[0].confirmations, 1);
    // Already in the chain counts as success too.
    assert_eq!(
        client.broadcast(&tx).await.expect("already mined"),
        tx.compute_txid()
    );

    let prevouts = client
        .prevouts(&[tx.input[0].previous_output])
        .await
        .expect("prevouts of the spend");
    assert_eq!(prevouts[0].value, Amount::from_btc(50.0).expect("amount"));

    // Spending a missing output is a typed RPC rejection.
    let mut orphan = tx.clone();
    orphan.input[0].previous_output = unknown;
    let err = client.broadcast(&orphan).await.expect_err("missing inputs");
    assert_eq!(err.rpc_code(), Some(-25), "{err}");
}

#[tokio::test]
async fn bad_credentials_are_an_auth_error_that_names_the_config_keys() {
    let Some(node) =
        RegtestNode::start("bad_credentials_are_an_auth_error_that_names_the_config_keys")
    else {
        return;
    };
    let mut config = node.config();
    config.auth = RpcAuth::UserPass {
        user: node.user.clone(),
        password: "wrong".into(),
    };
    let started = Instant::now();
    let err = BitcoindClient::new(config)
        .expect("valid")
        .block_count()
        .await
        .expect_err("bad password");
    assert!(matches!(err, ChainError::Auth { .. }), "{err}");
    let message = err.to_string();
    assert!(
        message.contains("`[bitcoind] user`") && message.contains("`passwd`"),
        "{message}"
    );
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "auth errors are not retried"
    );

    // The same credentials from a cookie file work.
    let cookie = std::path::Path::new(node.datadir()).join("test.cookie");
    std::fs::write(&cookie, format!("{}:{}\n", node.user, node.password)).expect("write cookie");
    let mut config = node.config();
    config.auth = RpcAuth::CookieFile(cookie);
    assert_eq!(
        BitcoindClient::new(config)
            .expect("valid")
            .block_count()
            .await
            .expect("cookie auth"),
        0
    );

    // And credentials embedded in the URL.
    let url = node.url.replacen(
        "http://",
        &format!("http://{}:{}@", node.user, node.password),
        1,
    );
    let mut config = node.config();
    config.url = url;
    config.auth = RpcAuth::None;
    assert_eq!(
        BitcoindClient::new(config)
            .expect("valid")
            .block_count()
            .await
            .expect("url auth"),
        0
    );
}

#[tokio::test]
async fn a_stopped_node_is_waited_for_until_it_is_back() {
    let Some(mut node) = RegtestNode::start("a_stopped_node_is_waited_for_until_it_is_back") else {
        return;
    };
    let client = client(&node);
    node.mine(2, MINER_ADDRESS);
    assert_eq!(client.block_count().await.expect("running"), 2);

    node.stop();
    let restarter = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(1500));
        node.restart();
        node
    });
    let started = Instant::now();
    let count = client.block_count().await.expect("waits for the restart");
    assert_eq!(count, 2);
    assert!(
        started.elapsed() >= Duration::from_millis(1000),
        "the call really waited"
    );
    let node = restarter.join().expect("restart thread");
    let hash = client.block_hash(2).await.expect("running again");
    assert_eq!(
        client
            .block(hash)
            .await
            .expect("block after restart")
            .block_hash(),
        hash
    );
    drop(node);
}

#[tokio::test]
async fn an_unreachable_node_gives_up_with_connection_refused() {
    // Needs no bitcoind: nothing listens on a port we just released.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port();
    let mut config = blockstack_node::chain::BitcoindConfig::new(
        format!("http://127.0.0.1:{port}/"),
        RpcAuth::UserPass {
            user: "u".into(),
            password: "p".into(),
        },
    );
    config.retry = RetryPolicy {
        initial_delay: Duration::from_millis(20),
        max_delay: Duration::from_millis(100),
        max_elapsed: Duration::from_millis(400),
    };
    let started = Instant::now();
    let err = BitcoindClient::new(config)
        .expect("valid")
        .block_count()
        .await
        .expect_err("nobody listens");
    assert!(matches!(err, ChainError::ConnectionRefused { .. }), "{err}");
    let waited = started.elapsed();
    assert!(
        waited >= Duration::from_millis(200) && waited < Duration::from_secs(5),
        "{waited:?}"
    );
}
