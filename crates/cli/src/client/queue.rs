//! `queue` and `status name`: what the API daemon's registrar is doing — every queue row
//! (`GET /v1/node/registrar/state`), or one name's rows with their confirmations
//! (`GET /v1/blockchains/bitcoin/pending`).

use anyhow::bail;
use serde_json::{json, Value as Json};

use super::Context;

/// No arguments.
#[derive(Debug, clap::Args)]
pub struct Queue {}

impl Queue {
    /// The registrar's rows: name (`fqu`), stage (`type`), `tx_hash`, addresses, zonefile,
    /// errors.
    pub async fn run(self, ctx: &Context) -> anyhow::Result<Json> {
        let reply = ctx.api()?.get("/v1/node/registrar/state").await?;
        if !reply.is_success() {
            bail!("the API daemon answered {}: {}", reply.status, reply.body);
        }
        Ok(reply.body)
    }
}

/// Arguments.
#[derive(Debug, clap::Args)]
pub struct Status {
    /// The fully-qualified name.
    pub name: String,
}

impl Status {
    /// `{name, pending: [{queue, tx_hash, confirmations, errors?}]}`; `pending` is empty when
    /// the registrar holds nothing for the name.
    pub async fn run(self, ctx: &Context) -> anyhow::Result<Json> {
        let reply = ctx.api()?.get("/v1/blockchains/bitcoin/pending").await?;
        if !reply.is_success() {
            bail!("the API daemon answered {}: {}", reply.status, reply.body);
        }
        Ok(json!({"name": self.name, "pending": rows_of(&reply.body, &self.name)}))
    }
}

/// The pending rows of `name` in a `/pending` reply, each with its queue.
fn rows_of(pending: &Json, name: &str) -> Vec<Json> {
    let Some(queues) = pending.get("queues").and_then(Json::as_object) else {
        return Vec::new();
    };
    queues
        .iter()
        .flat_map(|(queue, rows)| {
            rows.as_array()
                .into_iter()
                .flatten()
                .filter(|row| row["name"] == name)
                .map(move |row| {
                    let mut row = row.clone();
                    row["queue"] = json!(queue);
                    row
                })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_names_rows_are_picked_from_every_queue() {
        let pending = json!({"queues": {
            "register": [{"name": "a.test", "tx_hash": "t1", "confirmations": 2}],
            "update": [
                {"name": "b.test", "tx_hash": "t2", "confirmations": 0},
                {"name": "a.test", "tx_hash": "t3", "confirmations": 0, "errors": ["e"]}
            ]
        }});
        let rows = rows_of(&pending, "a.test");
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0]["queue"], "register");
        assert_eq!(rows[1]["tx_hash"], "t3");
        assert!(rows_of(&pending, "c.test").is_empty());
        assert!(rows_of(&json!({"queues": {}}), "a.test").is_empty());
    }
}
