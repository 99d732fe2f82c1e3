//! [`Actions`] over the client library: transactions built and signed by
//! `blockstack_client::ops` with the wallet's keys, sent through bitcoind, names looked up on
//! the node, zonefiles handed to the node's Atlas.

use std::str::FromStr;

use bitcoin::consensus::encode::{deserialize_hex, serialize_hex};
use bitcoin::{Transaction, Txid};
use blockstack_client::backend::{BackendError, WalletBackend};
use blockstack_client::ops::{Client, OpsError, Sent};
use blockstack_consensus::Rules;
use blockstack_wallet::WalletKeys;

use crate::actions::{ActionError, Actions, Built, NameStatus, Planned, WithdrawRequest};
use crate::queue::{JobData, StepTx};

/// The registrar's actions with a wallet's keys.
pub struct ClientActions<B> {
    client: Client<B>,
    keys: WalletKeys,
    rules: Rules,
}

impl<B: WalletBackend + 'static> ClientActions<B> {
    /// Actions signing with `keys` (payment pays, owner owns), through `client`; `rules` say
    /// from which height a registration carries its zonefile hash. The client is switched to
    /// building only: the registrar sends what it has recorded.
    pub fn new(mut client: Client<B>, keys: WalletKeys, rules: Rules) -> Self {
        client.dry_run = true;
        ClientActions {
            client,
            keys,
            rules,
        }
    }

    /// The client.
    pub fn client(&self) -> &Client<B> {
        &self.client
    }

    /// The wallet's keys.
    pub fn keys(&self) -> &WalletKeys {
        &self.keys
    }

    fn built(&self, sent: Sent, block_height: u64, is_regup: bool) -> Built {
        let (payment_address, owner_address) = self.wallet_addresses();
        Built {
            tx: StepTx {
                txid: sent.txid.to_string(),
                hex: serialize_hex(&sent.tx),
                broadcast: false,
            },
            data: JobData {
                payment_address,
                owner_address,
                block_height,
                is_regup,
                owner_script: Some(self.keys.owner.script_pubkey().to_hex_string()),
                ..JobData::default()
            },
        }
    }

    async fn height(&self) -> Result<u64, ActionError> {
        self.client
            .backend
            .block_height()
            .await
            .map_err(backend_error)
    }
}

fn parse_hash(hex_hash: &str) -> Result<[u8; 20], ActionError> {
    let bytes = hex::decode(hex_hash)
        .map_err(|_| ActionError::Refused(format!("invalid zonefile hash {hex_hash:?}")))?;
    bytes
        .try_into()
        .map_err(|_| ActionError::Refused(format!("invalid zonefile hash {hex_hash:?}")))
}

fn ops_error(err: OpsError) -> ActionError {
    match err {
        OpsError::Node(e) => ActionError::Unavailable(e.to_string()),
        OpsError::Backend(e) => backend_error(e),
        other => ActionError::Refused(other.to_string()),
    }
}

fn backend_error(err: BackendError) -> ActionError {
    match err {
        BackendError::Rejected { .. } | BackendError::NoFeeEstimate => {
            ActionError::Refused(err.to_string())
        }
        other => ActionError::Unavailable(other.to_string()),
    }
}

/// bitcoind's answers to a transaction it already has (in its mempool or its chain).
fn already_known(code: i64, message: &str) -> bool {
    code == -27 || message.contains("already") || message.contains("txn-already-known")
}

impl<B: WalletBackend + 'static> Actions for ClientActions<B> {
    fn wallet_addresses(&self) -> (String, String) {
        (
            self.client.address(&self.keys.payment),
            self.client.address(&self.keys.owner),
        )
    }

    async fn build(&self, planned: Planned<'_>) -> Result<Built, ActionError> {
        let keys = &self.keys;
        let owner_script = keys.owner.script_pubkey();
        let height = self.height().await?;
        let mut regup = false;
        let sent = match planned {
            Planned::Preorder(req) => {
                self.client
                    .name_preorder(&req.name, &keys.payment, &owner_script, req.cost_satoshis)
                    .await
            }
            Planned::Register(job) => {
                let hash = job
                    .data
                    .zonefile_hash
                    .as_deref()
                    .map(parse_hash)
                    .transpose()?;
                regup = hash.is_some() && self.rules.epoch(height + 1).has_register_update();
                self.client
                    .name_registration(
                        &job.name,
                        &keys.payment,
                        &owner_script,
                        if regup { hash } else { None },
                    )
                    .await
            }
            Planned::Update {
                name,
                zonefile_hash,
            } => {
                let hash = parse_hash(zonefile_hash)?;
                self.client
                    .name_update(name, &keys.owner, &keys.payment, hash)
                    .await
            }
            Planned::Transfer { name, recipient } => {
                self.client
                    .name_transfer(name, &keys.owner, &keys.payment, recipient, true)
                    .await
            }
            Planned::Renew(req) => {
                let hash = req
                    .zonefile
                    .as_deref()
                    .map(blockstack_consensus::hash::hash160);
                self.client
                    .name_renewal(
                        &req.name,
                        &keys.owner,
                        &keys.payment,
                        req.new_owner.as_deref(),
                        hash,
                        None,
                    )
                    .await
            }
            Planned::Revoke { name } => {
                self.client
                    .name_revoke(name, &keys.owner, &keys.payment)
                    .await
            }
        }
        .map_err(ops_error)?;
        Ok(self.built(sent, height, regup))
    }

    async fn broadcast(&self, tx: &StepTx) -> Result<(), ActionError> {
        let parsed: Transaction = deserialize_hex(&tx.hex)
            .map_err(|e| ActionError::Refused(format!("recorded transaction {}: {e}", tx.txid)))?;
        match self.client.backend.broadcast(&parsed).await {
            Ok(_) => Ok(()),
            Err(BackendError::Rejected { code, message, .. }) if already_known(code, &message) => {
                Ok(())
            }
            Err(err) => Err(backend_error(err)),
        }
    }

    async fn balance(&self, min_confs: u32) -> Result<u64, ActionError> {
        self.client
            .balance(&self.keys.payment, min_confs)
            .await
            .map(|a| a.to_sat())
            .map_err(ops_error)
    }

    async fn withdraw(&self, request: &WithdrawRequest) -> Result<StepTx, ActionError> {
        let sent = self
            .client
            .withdraw(
                &self.keys.payment,
                &request.address,
                request.amount.map(bitcoin::Amount::from_sat),
                request.message.as_deref(),
                request.min_confs,
            )
            .await
            .map_err(ops_error)?;
        Ok(StepTx {
            txid: sent.txid.to_string(),
            hex: serialize_hex(&sent.tx),
            broadcast: false,
        })
    }

    async fn block_height(&self) -> Result<u64, ActionError> {
        self.height().await
    }

    async fn confirmations(&self, txid: &str) -> Result<Option<u32>, ActionError> {
        let txid = Txid::from_str(txid)
            .map_err(|e| ActionError::Refused(format!("recorded txid {txid}: {e}")))?;
        let n = self
            .client
            .backend
            .confirmations(txid)
            .await
            .map_err(backend_error)?;
        // The backend reports unconfirmed and unknown alike; either way sending the recorded
        // transaction again is harmless (bitcoind answers that it has it).
        Ok((n > 0).then_some(n))
    }

    async fn name_status(&self, name: &str) -> Result<NameStatus, ActionError> {
        let record = self
            .client
            .node
            .name_record(name)
            .await
            .map_err(|e| ActionError::Unavailable(e.to_string()))?;
        let owner_script = self.keys.owner.script_pubkey().to_hex_string();
        Ok(match record {
            None => NameStatus::default(),
            Some(rec) => {
                let registered = !rec.revoked && !rec.expired;
                NameStatus {
                    registered,
                    owned_by_wallet: registered && rec.sender == owner_script,
                    owner_address: Some(rec.address),
                    value_hash: rec.value_hash,
                }
            }
        })
    }

    async fn push_zonefile(&self, zonefile: &[u8]) -> Result<Vec<String>, ActionError> {
        let saved = self
            .client
            .node
            .put_zonefiles(&[zonefile.to_vec()])
            .await
            .map_err(|e| ActionError::Unavailable(e.to_string()))?;
        if saved.first() == Some(&true) {
            Ok(vec![self.client.node.url().to_string()])
        } else {
            Err(ActionError::Refused(
                "the node did not store the zonefile (is its hash on chain?)".into(),
            ))
        }
    }
}
