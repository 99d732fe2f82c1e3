//! JSON-RPC over real HTTP on 127.0.0.1:0.

use bitcoin::consensus::encode::{deserialize, serialize_hex};
use bitcoin::{Amount, Block, BlockHash, Transaction};
use blockstack_devchain::DevChain;
use serde_json::{json, Value};

use crate::support::{op_return, pay, spend, Key, TestServer, COIN, PASSWORD, USER};

const REGTEST_GENESIS: &str = "0f9188f13cb7b2c71f2a335e3a4fc328bf5beb436012afca590b1a11466e2206";

#[tokio::test]
async fn wrong_or_missing_credentials_get_401_with_an_empty_body() {
    let server = TestServer::start(DevChain::in_memory()).await;
    let body = json!({"method": "getblockcount", "params": [], "id": 1});
    let wrong = server
        .client()
        .post(server.url())
        .basic_auth(USER, Some("not-the-password"))
        .json(&body)
        .send()
        .await
        .expect("request");
    assert_eq!(wrong.status().as_u16(), 401);
    assert!(wrong.headers().contains_key("www-authenticate"));
    assert!(wrong.text().await.expect("body").is_empty());
    let missing = server
        .client()
        .post(server.url())
        .json(&body)
        .send()
        .await
        .expect("request");
    assert_eq!(missing.status().as_u16(), 401);
    let right = server
        .client()
        .post(server.url())
        .basic_auth(USER, Some(PASSWORD))
        .json(&body)
        .send()
        .await
        .expect("request");
    assert_eq!(right.status().as_u16(), 200);
}

#[tokio::test]
async fn an_unknown_method_is_404_method_not_found() {
    let server = TestServer::start(DevChain::in_memory()).await;
    let (status, code, message) = server.call_err("getwalletinfo", json!([])).await;
    assert_eq!(
        (status, code, message.as_str()),
        (404, -32601, "Method not found")
    );
}

#[tokio::test]
async fn a_body_that_is_not_json_is_a_parse_error() {
    let server = TestServer::start(DevChain::in_memory()).await;
    let response = server
        .client()
        .post(server.url())
        .basic_auth(USER, Some(PASSWORD))
        .body("{not json")
        .send()
        .await
        .expect("request");
    assert_eq!(response.status().as_u16(), 500);
    let body: Value = response.json().await.expect("json");
    assert_eq!(body["error"]["code"], -32700);
}

#[tokio::test]
async fn blocks_can_be_mined_and_read_back() {
    let server = TestServer::start(DevChain::in_memory()).await;
    let alice = Key::new("alice");
    assert_eq!(server.call("getblockcount", json!([])).await, 0);
    assert_eq!(
        server.call("getblockhash", json!([0])).await,
        REGTEST_GENESIS
    );

    let hashes = server
        .call("generatetoaddress", json!([3, alice.address()]))
        .await;
    let hashes: Vec<String> = serde_json::from_value(hashes).expect("hash list");
    assert_eq!(hashes.len(), 3);
    assert_eq!(server.call("getblockcount", json!([])).await, 3);
    assert_eq!(server.call("getbestblockhash", json!([])).await, hashes[2]);
    assert_eq!(server.call("getblockhash", json!([1])).await, hashes[0]);

    let raw = server.call("getblock", json!([hashes[1], 0])).await;
    let block: Block =
        deserialize(&hex::decode(raw.as_str().expect("hex")).expect("hex")).expect("block");
    assert_eq!(block.block_hash().to_string(), hashes[1]);
    assert_eq!(block.header.prev_blockhash.to_string(), hashes[0]);
    assert_eq!(block.header.bits.to_consensus(), 0x207f_ffff);
    assert!(block.check_merkle_root());
    // BIP34 height: Core pushes heights 1..=16 as OP_1..OP_16.
    assert_eq!(
        block.txdata[0].input[0].script_sig.as_bytes().first(),
        Some(&0x52)
    );

    let verbose = server.call("getblock", json!([hashes[1]])).await;
    assert_eq!(verbose["height"], 2);
    assert_eq!(verbose["confirmations"], 2);
    assert_eq!(verbose["previousblockhash"], hashes[0]);
    assert_eq!(verbose["nextblockhash"], hashes[2]);
    assert_eq!(verbose["bits"], "207fffff");
    assert_eq!(verbose["tx"][0], block.txdata[0].compute_txid().to_string());
    assert_eq!(verbose["nTx"], 1);

    let full = server.call("getblock", json!([hashes[1], 2])).await;
    assert!(full["tx"][0]["vin"][0]["coinbase"].is_string());
    assert_eq!(full["tx"][0]["vout"][0]["value"], 50.0);
    assert_eq!(
        full["tx"][0]["vout"][0]["scriptPubKey"]["address"],
        alice.address()
    );

    let header_hex = server
        .call("getblockheader", json!([hashes[1], false]))
        .await;
    assert_eq!(header_hex.as_str().map(str::len), Some(160));
    let header = server.call("getblockheader", json!([hashes[1]])).await;
    assert_eq!(header["height"], 2);
    assert_eq!(header["merkleroot"], block.header.merkle_root.to_string());

    let info = server.call("getblockchaininfo", json!([])).await;
    assert_eq!(info["chain"], "regtest");
    assert_eq!(info["blocks"], 3);
    assert_eq!(info["bestblockhash"], hashes[2]);

    let (status, code, message) = server.call_err("getblockhash", json!([4])).await;
    assert_eq!(
        (status, code, message.as_str()),
        (500, -8, "Block height out of range")
    );
    let unknown = BlockHash::from_byte_array_for_test();
    let (_, code, message) = server.call_err("getblock", json!([unknown])).await;
    assert_eq!((code, message.as_str()), (-5, "Block not found"));
    let (_, code, _) = server.call_err("getblock", json!(["abc"])).await;
    assert_eq!(code, -8);
    let (_, code, _) = server
        .call_err("generatetoaddress", json!([1, "not-an-address"]))
        .await;
    assert_eq!(code, -5);
}

trait TestHash {
    fn from_byte_array_for_test() -> String;
}

impl TestHash for BlockHash {
    fn from_byte_array_for_test() -> String {
        "11".repeat(32)
    }
}

#[tokio::test]
async fn transactions_flow_from_sendrawtransaction_to_a_block() {
    let chain = DevChain::in_memory();
    let alice = Key::new("alice");
    let bob = Key::new("bob");
    let funded = chain
        .fund(&alice.p2pkh(), Amount::from_sat(COIN))
        .expect("fund");
    let server = TestServer::start(chain).await;

    let tx = spend(
        funded,
        &alice,
        vec![pay(COIN - 1000, bob.p2pkh()), op_return(b"id?rpc")],
    );
    let txid = server
        .call("sendrawtransaction", json!([serialize_hex(&tx)]))
        .await;
    assert_eq!(txid, tx.compute_txid().to_string());

    let raw = server.call("getrawtransaction", json!([txid])).await;
    assert_eq!(raw, serialize_hex(&tx));
    let decoded = server.call("getrawtransaction", json!([txid, true])).await;
    assert_eq!(decoded["vout"][1]["scriptPubKey"]["type"], "nulldata");
    assert_eq!(decoded["vout"][0]["value"], 0.99999);
    assert!(decoded.get("confirmations").is_none());
    assert_eq!(server.call("getrawmempool", json!([])).await, json!([txid]));

    let unconfirmed = server
        .call("listunspent", json!([0, 9_999_999, [bob.address()]]))
        .await;
    assert_eq!(unconfirmed.as_array().map(Vec::len), Some(1));
    assert_eq!(unconfirmed[0]["confirmations"], 0);
    assert_eq!(
        server
            .call("listunspent", json!([1, 9_999_999, [bob.address()]]))
            .await,
        json!([])
    );
    assert_eq!(
        server
            .call("gettxout", json!([funded.txid.to_string(), 0]))
            .await,
        Value::Null
    );
    let mempool_out = server.call("gettxout", json!([txid, 0])).await;
    assert_eq!(mempool_out["confirmations"], 0);

    let mined = server
        .call("generatetoaddress", json!([1, Key::new("miner").address()]))
        .await;
    let decoded = server.call("getrawtransaction", json!([txid, 1])).await;
    assert_eq!(decoded["confirmations"], 1);
    assert_eq!(decoded["blockhash"], mined[0]);
    let confirmed = server
        .call("listunspent", json!([1, 9_999_999, [bob.address()]]))
        .await;
    assert_eq!(confirmed[0]["txid"], txid);
    assert_eq!(confirmed[0]["vout"], 0);
    assert_eq!(confirmed[0]["amount"], 0.99999);
    assert_eq!(
        confirmed[0]["scriptPubKey"],
        hex::encode(bob.p2pkh().as_bytes())
    );
    let out = server.call("gettxout", json!([txid, 0])).await;
    assert_eq!(out["value"], 0.99999);
    assert_eq!(out["scriptPubKey"]["address"], bob.address());
    assert_eq!(out["coinbase"], false);
    assert_eq!(
        server.call("gettxout", json!([txid, 1])).await,
        Value::Null,
        "OP_RETURN is not a UTXO"
    );

    let (status, code, _) = server
        .call_err("sendrawtransaction", json!([serialize_hex(&tx)]))
        .await;
    assert_eq!((status, code), (500, -27));
    let double = spend(funded, &alice, vec![pay(COIN - 5000, alice.p2pkh())]);
    let (_, code, message) = server
        .call_err("sendrawtransaction", json!([serialize_hex(&double)]))
        .await;
    assert_eq!(
        (code, message.as_str()),
        (-25, "bad-txns-inputs-missingorspent")
    );
    let (_, code, message) = server.call_err("sendrawtransaction", json!(["00ff"])).await;
    assert_eq!((code, message.as_str()), (-22, "TX decode failed"));

    let bob_utxo = bitcoin::OutPoint {
        txid: tx.compute_txid(),
        vout: 0,
    };
    let dusty = spend(
        bob_utxo,
        &bob,
        vec![pay(COIN - 10_000, bob.p2pkh()), pay(100, alice.p2pkh())],
    );
    let (status, code, message) = server
        .call_err("sendrawtransaction", json!([serialize_hex(&dusty)]))
        .await;
    assert_eq!((status, code, message.as_str()), (500, -26, "dust"));
    let greedy = spend(bob_utxo, &bob, vec![pay(COIN / 2, bob.p2pkh())]);
    let (_, code, _) = server
        .call_err("sendrawtransaction", json!([serialize_hex(&greedy)]))
        .await;
    assert_eq!(code, -25, "default maxfeerate 0.10 BTC/kvB");
    server
        .call("sendrawtransaction", json!([serialize_hex(&greedy), 0]))
        .await;
}

#[tokio::test]
async fn listunspent_filters_by_confirmations_and_skips_immature_coinbases() {
    let server = TestServer::start(DevChain::in_memory()).await;
    let alice = Key::new("alice");
    server
        .call("generatetoaddress", json!([101, alice.address()]))
        .await;
    let all = server
        .call("listunspent", json!([1, 9_999_999, [alice.address()]]))
        .await;
    assert_eq!(
        all.as_array().map(Vec::len),
        Some(1),
        "only the first coinbase is mature"
    );
    assert_eq!(all[0]["confirmations"], 101);
    assert_eq!(all[0]["amount"], 50.0);
    let none = server
        .call("listunspent", json!([1, 100, [alice.address()]]))
        .await;
    assert_eq!(none, json!([]));
    let (_, code, _) = server
        .call_err("listunspent", json!([1, 10, ["bogus"]]))
        .await;
    assert_eq!(code, -5);
    let (_, code, _) = server
        .call_err(
            "listunspent",
            json!([1, 10, [alice.address(), alice.address()]]),
        )
        .await;
    assert_eq!(code, -8);
}

#[tokio::test]
async fn fee_estimates_and_network_info_answer() {
    let server = TestServer::start(DevChain::in_memory()).await;
    let fee = server.call("estimatesmartfee", json!([6])).await;
    assert_eq!(fee["feerate"], 0.00002);
    assert_eq!(fee["blocks"], 6);
    let (_, code, _) = server.call_err("estimatesmartfee", json!([0])).await;
    assert_eq!(code, -8);
    let info = server.call("getnetworkinfo", json!([])).await;
    assert!(info["version"].as_u64().is_some());
    assert_eq!(info["connections"], 0);
}

#[tokio::test]
async fn named_parameters_and_batches_work() {
    let server = TestServer::start(DevChain::in_memory()).await;
    let (status, body) = server
        .post(json!({"jsonrpc": "2.0", "id": 9, "method": "getblockhash", "params": {"height": 0}}))
        .await;
    assert_eq!(status, 200);
    assert_eq!(body["result"], REGTEST_GENESIS);
    assert_eq!(body["id"], 9);

    let (status, body) = server
        .post(json!([
            {"id": 1, "method": "getblockcount"},
            {"id": 2, "method": "nosuchmethod", "params": []},
        ]))
        .await;
    assert_eq!(status, 200, "a batch is 200 even when a call fails");
    assert_eq!(body[0]["result"], 0);
    assert_eq!(body[0]["id"], 1);
    assert_eq!(body[1]["error"]["code"], -32601);
    assert_eq!(body[1]["id"], 2);
}

#[tokio::test]
async fn invalidateblock_and_a_longer_branch_reorganise_the_chain() {
    let chain = DevChain::in_memory();
    let alice = Key::new("alice");
    let bob = Key::new("bob");
    let funded = chain
        .fund(&alice.p2pkh(), Amount::from_sat(COIN))
        .expect("fund");
    let server = TestServer::start(chain).await;
    let tx: Transaction = spend(funded, &alice, vec![pay(COIN - 1000, bob.p2pkh())]);
    let txid = server
        .call("sendrawtransaction", json!([serialize_hex(&tx)]))
        .await;
    let height = server.call("getblockcount", json!([])).await;
    let old = server
        .call("generatetoaddress", json!([1, alice.address()]))
        .await;

    assert_eq!(
        server.call("invalidateblock", json!([old[0]])).await,
        Value::Null
    );
    assert_eq!(server.call("getblockcount", json!([])).await, height);
    assert_eq!(server.call("getrawmempool", json!([])).await, json!([txid]));
    let new = server
        .call("generatetoaddress", json!([2, bob.address()]))
        .await;
    assert_eq!(server.call("getbestblockhash", json!([])).await, new[1]);
    let stale = server.call("getblock", json!([old[0]])).await;
    assert_eq!(stale["confirmations"], -1);
    let decoded = server.call("getrawtransaction", json!([txid, true])).await;
    assert_eq!(decoded["blockhash"], new[0]);
    let in_old = server
        .call("getrawtransaction", json!([txid, true, old[0]]))
        .await;
    assert_eq!(in_old["in_active_chain"], false);
    assert_eq!(in_old["blockhash"], old[0]);
    let in_new = server
        .call("getrawtransaction", json!([txid, true, new[0]]))
        .await;
    assert_eq!(in_new["in_active_chain"], true);
    assert_eq!(in_new["confirmations"], 2);
}

#[tokio::test]
async fn the_stop_method_shuts_the_server_down() {
    let mut server = TestServer::start(DevChain::in_memory()).await;
    assert_eq!(
        server.call("stop", json!([])).await,
        "Bitcoin server stopping"
    );
    let finished = tokio::time::timeout(std::time::Duration::from_secs(5), &mut server.task).await;
    assert!(matches!(finished, Ok(Ok(Ok(())))), "{finished:?}");
}

#[tokio::test]
async fn scantxoutset_reads_the_confirmed_utxo_set() {
    let chain = DevChain::in_memory();
    let alice = Key::new("alice");
    let bob = Key::new("bob");
    let funded = chain
        .fund(&alice.p2pkh(), Amount::from_sat(COIN))
        .expect("fund");
    let server = TestServer::start(chain).await;
    let scan = server
        .call(
            "scantxoutset",
            json!(["start", [format!("addr({})", alice.address())]]),
        )
        .await;
    assert_eq!(scan["success"], true);
    assert_eq!(scan["unspents"].as_array().map(Vec::len), Some(1));
    assert_eq!(scan["unspents"][0]["txid"], funded.txid.to_string());
    assert_eq!(scan["unspents"][0]["amount"], 1.0);
    assert_eq!(
        scan["unspents"][0]["scriptPubKey"],
        hex::encode(alice.p2pkh().as_bytes())
    );
    assert_eq!(scan["total_amount"], 1.0);
    let height = server.call("getblockcount", json!([])).await;
    assert_eq!(scan["unspents"][0]["height"], height);

    // A mempool spend does not change the UTXO set scantxoutset reads.
    let tx = spend(funded, &alice, vec![pay(COIN - 1000, bob.p2pkh())]);
    server
        .call("sendrawtransaction", json!([serialize_hex(&tx)]))
        .await;
    let raw = format!("raw({})", hex::encode(alice.p2pkh().as_bytes()));
    let scan = server
        .call("scantxoutset", json!(["start", [{"desc": raw}]]))
        .await;
    assert_eq!(scan["unspents"].as_array().map(Vec::len), Some(1));
    let bob_scan = server
        .call(
            "scantxoutset",
            json!(["start", [format!("addr({})", bob.address())]]),
        )
        .await;
    assert_eq!(bob_scan["unspents"], json!([]));
    let (_, code, _) = server
        .call_err("scantxoutset", json!(["start", ["pkh(02aa)"]]))
        .await;
    assert_eq!(code, -5);

    assert_eq!(
        server
            .call("importaddress", json!([bob.address(), "", true]))
            .await,
        Value::Null
    );
    let (_, code, _) = server.call_err("importaddress", json!(["nope"])).await;
    assert_eq!(code, -5);
}

#[tokio::test]
async fn rest_serves_blocks_and_transactions_without_credentials() {
    let chain = DevChain::in_memory();
    let alice = Key::new("alice");
    let funded = chain
        .fund(&alice.p2pkh(), Amount::from_sat(COIN))
        .expect("fund");
    let tip = chain.tip();
    let server = TestServer::start(chain).await;
    let get = |path: String| {
        let client = server.client().clone();
        let url = format!("{}{path}", server.url());
        async move { client.get(url).send().await.expect("request") }
    };

    let bin = get(format!("rest/block/{}.bin", tip.hash)).await;
    assert_eq!(bin.status().as_u16(), 200);
    let block: Block = deserialize(&bin.bytes().await.expect("body")).expect("block");
    assert_eq!(block.block_hash(), tip.hash);
    assert!(block
        .txdata
        .iter()
        .any(|tx| tx.compute_txid() == funded.txid));

    let hex_body = get(format!("rest/tx/{}.hex", funded.txid))
        .await
        .text()
        .await
        .expect("text");
    let tx: Transaction = deserialize(&hex::decode(hex_body.trim()).expect("hex")).expect("tx");
    assert_eq!(tx.compute_txid(), funded.txid);

    let json_block: Value = get(format!("rest/block/notxdetails/{}.json", tip.hash))
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(json_block["height"], tip.height);
    let by_height: Value = get(format!("rest/blockhashbyheight/{}.json", tip.height))
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(by_height["blockhash"], tip.hash.to_string());
    let info: Value = get("rest/chaininfo.json".to_owned())
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(info["chain"], "regtest");

    assert_eq!(
        get(format!("rest/block/{}.bin", "22".repeat(32)))
            .await
            .status()
            .as_u16(),
        404
    );
    assert_eq!(
        get("rest/block/xyz.bin".to_owned()).await.status().as_u16(),
        400
    );
    assert_eq!(
        get(format!("rest/block/{}.txt", tip.hash))
            .await
            .status()
            .as_u16(),
        404
    );
}
