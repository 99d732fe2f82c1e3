//! Test doubles: a fake core node speaking XML-RPC and an in-memory wallet backend.
#![allow(dead_code, reason = "each test binary uses a different subset")]

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::routing::post;
use axum::Router;
use bitcoin::{Address, FeeRate, Transaction, Txid};
use blockstack_client::backend::{BackendError, UtxoInfo, WalletBackend};
use blockstack_node::xmlrpc::{
    decode_call, encode_response, Limits, MethodCall, MethodResponse, Value,
};
use serde_json::Value as Json;

/// Every call the fake node received.
pub type Calls = Arc<Mutex<Vec<MethodCall>>>;

/// Serves `answer(method, params)` as a node's JSON-in-XML-RPC replies; returns the URL and
/// the log of calls.
pub async fn fake_node<F>(answer: F) -> (String, Calls)
where
    F: Fn(&str, &[Value]) -> Json + Send + Sync + 'static,
{
    let calls: Calls = Arc::default();
    let log = calls.clone();
    let answer = Arc::new(answer);
    let app = Router::new().route(
        "/RPC2",
        post(move |body: Bytes| {
            let answer = answer.clone();
            let log = log.clone();
            async move {
                let call = decode_call(&body, &Limits::default()).expect("a valid call");
                let reply = answer(&call.method, &call.params);
                log.lock().expect("log").push(call);
                let response = MethodResponse::success(Value::String(reply.to_string()));
                encode_response(&response).expect("encodable")
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let url = format!("http://{}/RPC2", listener.local_addr().expect("addr"));
    tokio::spawn(async move { axum::serve(listener, app).await });
    (url, calls)
}

/// The names of the methods called, in order.
pub fn methods(calls: &Calls) -> Vec<String> {
    calls
        .lock()
        .expect("log")
        .iter()
        .map(|c| c.method.clone())
        .collect()
}

/// An in-memory backend: UTXOs by address, a fixed fee rate, broadcasts recorded.
#[derive(Debug, Default)]
pub struct FakeBackend {
    /// UTXOs by address string.
    pub utxos: Mutex<HashMap<String, Vec<UtxoInfo>>>,
    /// Transactions broadcast.
    pub sent: Mutex<Vec<Transaction>>,
    /// Height reported.
    pub height: u64,
}

impl FakeBackend {
    /// Adds a UTXO to an address.
    pub fn give(&self, address: &str, utxo: UtxoInfo) {
        self.utxos
            .lock()
            .expect("utxos")
            .entry(address.to_owned())
            .or_default()
            .push(utxo);
    }

    /// How many transactions were broadcast.
    pub fn sent_count(&self) -> usize {
        self.sent.lock().expect("sent").len()
    }
}

impl WalletBackend for FakeBackend {
    async fn utxos(
        &self,
        address: &Address,
        min_confs: u32,
    ) -> Result<Vec<UtxoInfo>, BackendError> {
        let mut list: Vec<UtxoInfo> = self
            .utxos
            .lock()
            .expect("utxos")
            .get(&address.to_string())
            .cloned()
            .unwrap_or_default()
            .into_iter()
            .filter(|u| u.confirmations >= min_confs)
            .collect();
        list.sort_by_key(|u| std::cmp::Reverse(u.value));
        Ok(list)
    }

    async fn broadcast(&self, tx: &Transaction) -> Result<Txid, BackendError> {
        self.sent.lock().expect("sent").push(tx.clone());
        Ok(tx.compute_txid())
    }

    async fn fee_rate(&self) -> Result<FeeRate, BackendError> {
        Ok(FeeRate::from_sat_per_vb_u32(2))
    }

    async fn confirmations(&self, _txid: Txid) -> Result<u32, BackendError> {
        Ok(1)
    }

    async fn block_height(&self) -> Result<u64, BackendError> {
        Ok(self.height)
    }
}
