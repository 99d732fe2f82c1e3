//! The whole stack on the devnet: a namespace and a name with a zonefile, built and signed with
//! the devnet's own wallet, mined by the devnet chain, indexed by the daemon, the zonefile pushed
//! through the node RPC into Atlas, and everything read back through the REST API.

use std::process::Command;
use std::str::FromStr;
use std::time::{Duration, Instant};

use base64::Engine;
use bitcoin::hashes::Hash;
use bitcoin::{Address, Amount, FeeRate, NetworkKind, PubkeyHash, ScriptBuf};
use blockstack_api::records::reencode_address;
use blockstack_consensus::hash::preorder_hash;
use blockstack_consensus::op::{
    name_preorder, name_registration, namespace_preorder, namespace_ready, namespace_reveal,
};
use blockstack_consensus::price::PriceFunction;
use blockstack_consensus::AddressNetwork;
use blockstack_node::chain::{BitcoindClient, BitcoindConfig, ChainSource, RpcAuth};
use blockstack_wallet::{
    BuildRequest, ChainParams, Funds, KeyInfo, Operation, Signer, TransactionBuilder, Utxo,
    WalletFile,
};
use serde_json::Value;

mod common;
use common::{core, http, json, start_devnet, KillOnDrop};

struct Devnet {
    dir: tempfile::TempDir,
    rest: String,
    rpc: String,
    client: BitcoindClient,
}

impl Devnet {
    fn indexed_height(&self) -> Option<u64> {
        json(&core(self.dir.path(), &["info"]))["last_block_processed"].as_u64()
    }

    async fn mine(&self, n: u64) {
        let _: Vec<String> = self
            .client
            .call(
                "generatetoaddress",
                serde_json::json!([n, "mfWxJ45yp2SFn7UciZyNpvDKrzbhyfKrY8"]),
            )
            .await
            .expect("mine");
        let height = self.client.block_count().await.expect("count");
        let deadline = Instant::now() + Duration::from_secs(60);
        while self.indexed_height() != Some(height) {
            assert!(
                Instant::now() < deadline,
                "the node did not index block {height}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    fn consensus_hash(&self) -> [u8; 16] {
        let ch = http(
            &format!("{}v1/blockchains/bitcoin/consensus", self.rest),
            None,
        );
        hex::decode(ch["consensus_hash"].as_str().expect("hash"))
            .expect("hex")
            .try_into()
            .expect("16 bytes")
    }

    /// Builds, signs, broadcasts and mines one operation sent by `sender`.
    async fn send(&self, sender: &KeyInfo, operation: Operation, payload: Vec<u8>) {
        let params = ChainParams::bitcoin_testnet();
        let address = Address::from_str(&sender.address(NetworkKind::Test).to_string())
            .expect("address")
            .assume_checked();
        let utxos: Vec<Utxo> = self
            .client
            .utxos(&address)
            .await
            .expect("utxos")
            .into_iter()
            .map(|u| Utxo {
                outpoint: u.outpoint,
                value: u.txout.value,
            })
            .collect();
        let unsigned = TransactionBuilder::new(params)
            .build(&BuildRequest {
                operation,
                payload,
                sender: Funds {
                    spender: sender.spender(),
                    utxos,
                },
                payer: None,
                fee_rate: FeeRate::from_sat_per_vb_u32(2),
            })
            .expect("build");
        let tx = Signer::new(params.sighash)
            .sign(&unsigned, &[sender])
            .expect("sign")
            .into_transaction();
        self.client
            .broadcast(&tx)
            .await
            .expect("accepted by the devnet");
        self.mine(1).await;
    }
}

fn burn() -> ScriptBuf {
    ScriptBuf::new_p2pkh(&PubkeyHash::from_byte_array([0; 20]))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_name_with_a_zonefile_is_registered_replicated_and_served() {
    let dir = tempfile::tempdir().expect("tempdir");
    let _guard = KillOnDrop(dir.path().to_path_buf());
    let started = start_devnet(dir.path());
    let devnet = &started["devnet"];
    let url = devnet["bitcoind_rpc_url"]
        .as_str()
        .expect("url")
        .to_string();
    let password = std::fs::read_to_string(dir.path().join("devnet-rpc.secret")).expect("secret");
    let client = BitcoindClient::new(BitcoindConfig::new(
        url,
        RpcAuth::UserPass {
            user: "devnet".into(),
            password: password.trim().into(),
        },
    ))
    .expect("client");
    let net = Devnet {
        rest: devnet["rest_api_url"].as_str().expect("rest").to_string(),
        rpc: devnet["node_rpc_url"].as_str().expect("rpc").to_string(),
        dir,
        client,
    };
    net.mine(1).await;
    let wallet = WalletFile::new(net.dir.path().join("wallet.json"))
        .load("blockstack-devnet")
        .expect("devnet wallet");
    let (payment, owner) = (wallet.keys.payment.clone(), wallet.keys.owner.clone());
    let payment_script = payment.script_pubkey().to_hex_string();
    let owner_address = owner.address(NetworkKind::Test).to_string();

    // The namespace `test`, revealed to the owner key, which then readies it.
    let hash = preorder_hash("test", &payment_script, &owner_address).expect("b40");
    let preorder = namespace_preorder::Payload {
        preorder_hash: hex::decode(&hash).expect("hex").try_into().expect("20"),
        consensus_hash: net.consensus_hash(),
    };
    net.send(
        &payment,
        Operation::NamespacePreorder {
            burn_script: burn(),
            fee: Amount::from_sat(40_000_000),
        },
        preorder.encode(),
    )
    .await;
    let reveal = namespace_reveal::Payload {
        namespace_id: "test".into(),
        lifetime: 52_595,
        price: PriceFunction {
            coeff: 250,
            base: 4,
            buckets: [6, 5, 4, 3, 2, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
            nonalpha_discount: 10,
            no_vowel_discount: 10,
        },
        version: 1,
    };
    net.send(
        &payment,
        Operation::NamespaceReveal {
            revealer_script: owner.script_pubkey(),
        },
        reveal.encode(),
    )
    .await;
    // The owner key pays for READY: give it a coinbase and let it mature.
    let _: Value = net
        .client
        .call("generatetoaddress", serde_json::json!([1, owner_address]))
        .await
        .expect("coinbase to the owner");
    net.mine(100).await;
    net.send(
        &owner,
        Operation::NamespaceReady,
        namespace_ready::Payload {
            namespace_id: "test".into(),
        }
        .encode(),
    )
    .await;
    let ns = http(&format!("{}v1/namespaces/test", net.rest), None);
    assert_eq!(ns["namespace_id"], "test", "{ns}");

    // The name `foo.test` with a zonefile, in the epoch-3 57-byte registration form.
    let zonefile =
        b"$ORIGIN foo.test\n$TTL 3600\n_http._tcp URI 10 1 \"https://example.com/foo.json\"\n"
            .to_vec();
    let zonefile_hash = blockstack_zonefile::zonefile_hash(&zonefile);
    let hash = preorder_hash("foo.test", &payment_script, &owner_address).expect("b40");
    let preorder = name_preorder::Payload {
        preorder_hash: hex::decode(&hash).expect("hex").try_into().expect("20"),
        consensus_hash: net.consensus_hash(),
    };
    net.send(
        &payment,
        Operation::NamePreorder {
            burn_script: burn(),
            fee: Amount::from_sat(640_000),
        },
        preorder.encode(),
    )
    .await;
    let register = name_registration::Payload {
        name: "foo.test".into(),
        value_hash: Some(
            hex::decode(&zonefile_hash)
                .expect("hex")
                .try_into()
                .expect("20"),
        ),
    };
    net.send(
        &payment,
        Operation::NameRegistration {
            owner_script: owner.script_pubkey(),
        },
        register.encode(),
    )
    .await;
    let name = http(&format!("{}v1/names/foo.test", net.rest), None);
    // The REST API renders owner addresses with mainnet version bytes, as the original does.
    let mainnet_owner = reencode_address(&owner_address, AddressNetwork::Mainnet);
    assert_eq!(name["address"], mainnet_owner.as_str(), "{name}");
    assert_eq!(name["zonefile_hash"], zonefile_hash.as_str(), "{name}");

    // Push the zonefile through the node RPC, as a client or an Atlas peer would.
    let b64 = base64::engine::general_purpose::STANDARD.encode(&zonefile);
    let call = format!(
        "<?xml version='1.0'?><methodCall><methodName>put_zonefiles</methodName><params><param><value><array><data><value><string>{b64}</string></value></data></array></value></param></params></methodCall>"
    );
    let out = Command::new("curl")
        .args(["-s", "-d", &call, &format!("{}RPC2", net.rpc)])
        .output()
        .expect("curl");
    let reply = String::from_utf8_lossy(&out.stdout);
    assert!(reply.contains("\"saved\": [1]"), "{reply}");

    let served = http(&format!("{}v1/names/foo.test/zonefile", net.rest), None);
    assert_eq!(
        served["zonefile"].as_str().map(str::as_bytes),
        Some(&zonefile[..]),
        "{served}"
    );
    json(&core(net.dir.path(), &["stop"]));
}
