//! `namespace_reveal namespace_id payment_privkey reveal_privkey
//! preorder_txid [options]`: reveal a preordered namespace with its
//! lifetime and price function. Every parameter is an option, with the
//! original's defaults, so no prompt is needed.

use anyhow::{bail, Context as _};
use bitcoin::Txid;
use blockstack_client::backend::WalletBackend;
use blockstack_client::compose::RevealParams;
use blockstack_consensus::price::PriceFunction;
use serde_json::Value as Json;

use super::context::sent_json;
use super::keyarg::parse_key;
use super::Context;

/// A lifetime of 0xffffffff means names never expire.
pub const INFINITE_LIFETIME: u32 = 0xffff_ffff;

/// Arguments.
#[derive(Debug, clap::Args)]
pub struct NamespaceReveal {
    /// The namespace ID.
    pub namespace_id: String,
    /// The key that paid the preorder.
    pub payment_privkey: String,
    /// The single key committed to in the preorder.
    pub reveal_privkey: String,
    /// The NAMESPACE_PREORDER's txid; it must be confirmed.
    pub preorder_txid: String,
    /// Name lifetime in blocks (default: forever).
    #[arg(long, default_value_t = INFINITE_LIFETIME)]
    pub lifetime: u32,
    /// Price coefficient (0–255).
    #[arg(long, default_value_t = 4)]
    pub coeff: u8,
    /// Price base (0–255).
    #[arg(long, default_value_t = 4)]
    pub base: u8,
    /// Sixteen exponents (0–15), by name length.
    #[arg(long, default_value = "15,14,13,12,11,10,9,8,7,6,5,4,3,2,1,0")]
    pub buckets: String,
    /// Divisor for names with digits, `-` or `_` (1–15).
    #[arg(long, default_value_t = 2)]
    pub nonalpha_discount: u8,
    /// Divisor for names without vowels (1–15).
    #[arg(long, default_value_t = 5)]
    pub no_vowel_discount: u8,
    /// Send name fees to the preorder's payer for a year (version 2) instead of burning them.
    #[arg(long)]
    pub receive_fees: bool,
}

/// Parses sixteen comma-separated exponents 0–15.
pub fn parse_buckets(text: &str) -> anyhow::Result<[u8; 16]> {
    let parts: Vec<&str> = text.split(',').map(str::trim).collect();
    let values: Vec<u8> = parts
        .iter()
        .map(|p| p.parse::<u8>().ok().filter(|v| *v < 16))
        .collect::<Option<_>>()
        .context("Invalid bucket exponents.  Must be a list of 16 integers between 0 and 15.")?;
    values
        .try_into()
        .ok()
        .context("Invalid bucket exponents.  Must be a list of 16 integers between 0 and 15.")
}

impl NamespaceReveal {
    /// The reveal parameters these options give.
    pub fn params(&self) -> anyhow::Result<RevealParams> {
        for (name, v) in [
            ("nonalpha discount", self.nonalpha_discount),
            ("no-vowel discount", self.no_vowel_discount),
        ] {
            if !(1..=15).contains(&v) {
                bail!("Invalid namespace parameters: the {name} must be between 1 and 15");
            }
        }
        Ok(RevealParams {
            lifetime: self.lifetime,
            price: PriceFunction {
                coeff: self.coeff,
                base: self.base,
                buckets: parse_buckets(&self.buckets)?,
                nonalpha_discount: self.nonalpha_discount,
                no_vowel_discount: self.no_vowel_discount,
            },
            version: if self.receive_fees { 2 } else { 1 },
        })
    }

    /// `{status, transaction_hash}`.
    pub async fn run(self, ctx: &Context) -> anyhow::Result<Json> {
        let net = ctx.network();
        let params = self.params()?;
        let payer = parse_key(&self.payment_privkey, net, "payment private key")?;
        let reveal = parse_key(&self.reveal_privkey, net, "reveal private key")?;
        let txid: Txid = self
            .preorder_txid
            .parse()
            .context("the preorder txid is not a transaction id")?;
        let client = ctx.client()?;
        if client.backend.confirmations(txid).await? == 0 {
            bail!("Namespace preorder transaction {txid} is not confirmed yet");
        }
        ctx.confirm(&format!(
            "Reveal namespace '{}' (lifetime {}, coeff {}, base {}, buckets {:?}, discounts {}/{}, fees {}) to {}?",
            self.namespace_id,
            params.lifetime,
            params.price.coeff,
            params.price.base,
            params.price.buckets,
            params.price.nonalpha_discount,
            params.price.no_vowel_discount,
            if self.receive_fees { "received" } else { "burned" },
            client.address(&reveal),
        ))?;
        let sent = client
            .namespace_reveal(&self.namespace_id, &params, &payer, &reveal.script_pubkey())
            .await
            .context("namespace reveal failed")?;
        Ok(sent_json(&sent))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_are_sixteen_exponents_below_sixteen() {
        assert_eq!(
            parse_buckets("15,14,13,12,11,10,9,8,7,6,5,4,3,2,1,0").expect("valid")[0],
            15
        );
        assert!(parse_buckets("1,2,3").is_err());
        assert!(parse_buckets("16,14,13,12,11,10,9,8,7,6,5,4,3,2,1,0").is_err());
        assert!(parse_buckets("a,14,13,12,11,10,9,8,7,6,5,4,3,2,1,0").is_err());
    }
}
