//! `setup`: create `client.ini` if missing, then the wallet: a new one
//! (payment and owner 2-of-3 bundles and a data key, encrypted with the
//! password), or the conversion of a v0.18 `wallet.json`.

use anyhow::Context as _;
use blockstack_wallet::{KdfParams, Wallet, WalletFileError, WalletKeys};
use serde_json::{json, Value as Json};

use super::Context;

/// No arguments.
#[derive(Debug, clap::Args)]
pub struct Setup {}

impl Setup {
    /// `{status: true}`, plus `backup_wallet` after a migration.
    pub fn run(self, ctx: &Context) -> anyhow::Result<Json> {
        let (config, created) =
            blockstack_client::config::ClientConfig::load_or_create(ctx.config_path())?;
        let file = ctx.wallet_file();
        let mut out = json!({"status": true, "config_created": created});
        if !file.path().exists() {
            let password = ctx.new_password()?;
            let network = config.client.network.kind();
            let wallet = Wallet {
                network,
                keys: WalletKeys::generate(network),
            };
            file.create(&wallet, &password, KdfParams::DEFAULT)
                .context("creating the wallet")?;
            out["wallet_created"] = json!(true);
            return Ok(out);
        }
        match file.public_info() {
            Ok(_) => Ok(out),
            Err(WalletFileError::LegacyFormat) => {
                let password = ctx.password("Enter the password of the legacy wallet: ")?;
                let backup = file
                    .migrate_legacy(&password, KdfParams::DEFAULT)
                    .context("migrating the legacy wallet")?;
                out["backup_wallet"] = json!(backup.display().to_string());
                Ok(out)
            }
            Err(e) => Err(e).context("reading the wallet"),
        }
    }
}
