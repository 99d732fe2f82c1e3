//! The whole stack on the devnet: a namespace and a name with a zonefile, built and signed with
//! the devnet's own wallet, mined by the devnet chain, indexed by the daemon, the zonefile pushed
//! through the node RPC into Atlas, and everything read back through the REST API.

use bitcoin::NetworkKind;
use blockstack_api::records::reencode_address;
use blockstack_consensus::AddressNetwork;

mod common;
use common::devnet::Devnet;
use common::{core, http, json};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_name_with_a_zonefile_is_registered_replicated_and_served() {
    let (net, _guard) = Devnet::start();
    net.mine(1).await;
    let keys = net.wallet();
    let owner_address = keys.owner.address(NetworkKind::Test).to_string();

    // The namespace `test`, revealed to the owner key, which then readies it.
    net.launch_test_namespace(&keys, 1).await;
    let ns = http(&format!("{}v1/namespaces/test", net.rest), None);
    assert_eq!(ns["namespace_id"], "test", "{ns}");

    // The name `foo.test` with a zonefile, in the epoch-3 57-byte registration form.
    let zonefile =
        b"$ORIGIN foo.test\n$TTL 3600\n_http._tcp URI 10 1 \"https://example.com/foo.json\"\n"
            .to_vec();
    let zonefile_hash = blockstack_zonefile::zonefile_hash(&zonefile);
    net.register(&keys, "foo.test", Some(&zonefile_hash)).await;
    let name = http(&format!("{}v1/names/foo.test", net.rest), None);
    // The REST API renders owner addresses with mainnet version bytes, as the original does.
    let mainnet_owner = reencode_address(&owner_address, AddressNetwork::Mainnet);
    assert_eq!(name["address"], mainnet_owner.as_str(), "{name}");
    assert_eq!(name["zonefile_hash"], zonefile_hash.as_str(), "{name}");

    // Push the zonefile through the node RPC, as a client or an Atlas peer would.
    net.push_zonefile(&zonefile);

    let served = http(&format!("{}v1/names/foo.test/zonefile", net.rest), None);
    assert_eq!(
        served["zonefile"].as_str().map(str::as_bytes),
        Some(&zonefile[..]),
        "{served}"
    );
    json(&core(net.dir.path(), &["stop"]));
}
