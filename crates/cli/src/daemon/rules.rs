//! The consensus rules of a network profile and its test-mode knobs.

use blockstack_consensus::{AddressNetwork, Rules};
use blockstack_node::settings::NetworkParams;

/// Builds the consensus [`Rules`] the node's settings describe.
pub fn rules_from(params: &NetworkParams) -> Rules {
    let network = if params.testnet_addresses {
        AddressNetwork::Testnet
    } else {
        AddressNetwork::Mainnet
    };
    let mut rules = if params.test_mode {
        Rules::test(params.first_block, network)
    } else {
        Rules::mainnet()
    };
    rules.network = network;
    rules.first_block = params.first_block;
    rules.namespace_reveal_expire = params.namespace_reveal_expire;
    rules.import_keyring_size = params.name_import_keyring_size;
    let ends = params.epoch_end_blocks();
    for ((epoch, over), end) in rules.epochs.iter_mut().zip(&params.epochs).zip(ends) {
        epoch.end_block = end;
        if let Some(m) = over.price_multiplier {
            epoch.price_multiplier = m;
        }
        if let Some(m) = over.namespace_lifetime_multiplier {
            epoch.lifetime_multiplier = m;
        }
        if let Some(g) = over.namespace_lifetime_grace_period {
            epoch.grace_period = g;
        }
        if let Some(p) = over.namespace_receive_fees_period {
            epoch.receive_fees_period = p;
        }
    }
    rules
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use blockstack_node::settings::Network;

    use super::*;

    #[test]
    fn mainnet_profile_gives_mainnet_rules() {
        let params = NetworkParams::from_env(Network::Mainnet, &HashMap::<String, String>::new())
            .expect("params");
        assert_eq!(rules_from(&params), Rules::mainnet());
    }

    #[test]
    fn test_knobs_reach_the_rules() {
        let env: HashMap<String, String> = [
            ("BLOCKSTACK_TEST", "1"),
            ("BLOCKSTACK_TEST_FIRST_BLOCK", "110"),
            ("BLOCKSTACK_EPOCH_1_END_BLOCK", "104"),
            ("BLOCKSTACK_EPOCH_2_END_BLOCK", "105"),
            ("BLOCKSTACK_EPOCH_3_NAMESPACE_LIFETIME_GRACE_PERIOD", "7"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        let params = NetworkParams::from_env(Network::Regtest, &env).expect("params");
        let rules = rules_from(&params);
        assert!(rules.test_mode);
        assert_eq!(rules.first_block, 110);
        assert_eq!(rules.network, AddressNetwork::Testnet);
        assert_eq!(rules.epochs[0].end_block, 104);
        assert_eq!(rules.epochs[1].end_block, 105);
        assert_eq!(rules.epochs[2].grace_period, 7);
        assert_eq!(rules.import_keyring_size, 5);
    }
}
