//! `wallet`: the wallet's addresses and private keys (decrypted with the
//! password).

use serde_json::{json, Value as Json};

use super::keyarg::key_json;
use super::Context;

/// No arguments.
#[derive(Debug, clap::Args)]
pub struct ShowWallet {}

impl ShowWallet {
    /// `{payment_privkey, owner_privkey, data_privkey, payment_address, owner_address, data_pubkey}`.
    pub async fn run(self, ctx: &Context) -> anyhow::Result<Json> {
        let wallet = ctx.wallet()?;
        let net = wallet.network;
        let info = wallet.public_info();
        Ok(json!({
            "payment_privkey": key_json(&wallet.keys.payment, net),
            "owner_privkey": key_json(&wallet.keys.owner, net),
            "data_privkey": wallet.keys.data.to_hex(),
            "payment_address": info.payment_addresses.first(),
            "owner_address": info.owner_addresses.first(),
            "data_pubkey": info.data_pubkey,
        }))
    }
}
