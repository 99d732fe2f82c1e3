//! `deposit`: where to send bitcoins.

use serde_json::{json, Value as Json};

use super::Context;

/// No arguments.
#[derive(Debug, clap::Args)]
pub struct Deposit {}

impl Deposit {
    /// `{address, message}` for the payment address.
    pub fn run(self, ctx: &Context) -> anyhow::Result<Json> {
        let info = ctx.public_info()?;
        Ok(json!({
            "address": info.payment_addresses.first(),
            "message": "Send bitcoins to the address specified.",
        }))
    }
}
