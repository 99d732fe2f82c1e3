//! A simulated chain and node for the registrar's tests.

#![allow(clippy::unwrap_used, dead_code)]

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use blockstack_registrar::{
    ActionError, Actions, Built, JobData, NameStatus, Planned, StepTx, WithdrawRequest,
};

pub const PAYER: &str = "payer-address";
pub const OWNER: &str = "owner-address";

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Kind {
    Preorder,
    Register { zonefile_hash: Option<String> },
    Update { zonefile_hash: String },
    Transfer { recipient: String },
    Renew,
    Revoke,
    Withdraw,
}

#[derive(Default)]
pub struct World {
    pub height: u32,
    pub mempool: Vec<String>,
    pub mined: HashMap<String, u32>,
    pub txs: HashMap<String, (String, Kind)>,
    pub names: HashMap<String, NameStatus>,
    pub built: Vec<(String, Kind)>,
    pub broadcasts: HashMap<String, u32>,
    pub pushed: Vec<Vec<u8>>,
    pub regup: bool,
    pub offline: bool,
    pub broadcast_down: bool,
    pub refuse: Option<String>,
    pub refuse_builds: bool,
    pub node_frozen: bool,
    /// The node refuses zone files.
    pub node_refuses_zonefiles: bool,
    /// The registrar now runs with another wallet than the one that queued the work.
    pub other_wallet: bool,
}

#[derive(Clone, Default)]
pub struct Sim(pub Arc<Mutex<World>>);

impl Sim {
    pub fn world(&self) -> std::sync::MutexGuard<'_, World> {
        self.0.lock().unwrap()
    }

    pub fn mine(&self, blocks: u32) {
        let mut w = self.world();
        for _ in 0..blocks {
            w.height += 1;
            let height = w.height;
            for txid in std::mem::take(&mut w.mempool) {
                w.mined.insert(txid.clone(), height);
                let (name, kind) = w.txs[&txid].clone();
                let status = w.names.entry(name).or_default();
                match kind {
                    Kind::Preorder | Kind::Renew | Kind::Withdraw => {}
                    Kind::Register { zonefile_hash } => {
                        status.registered = true;
                        status.owner_address = Some(OWNER.into());
                        status.value_hash = zonefile_hash;
                    }
                    Kind::Update { zonefile_hash } => status.value_hash = Some(zonefile_hash),
                    Kind::Transfer { recipient } => status.owner_address = Some(recipient),
                    Kind::Revoke => status.registered = false,
                }
            }
        }
    }

    pub fn built(&self, pred: impl Fn(&Kind) -> bool) -> usize {
        self.world().built.iter().filter(|(_, k)| pred(k)).count()
    }
}

impl Actions for Sim {
    fn wallet_addresses(&self) -> (String, String) {
        if self.world().other_wallet {
            ("other-payer".into(), "other-owner".into())
        } else {
            (PAYER.into(), OWNER.into())
        }
    }

    async fn build(&self, planned: Planned<'_>) -> Result<Built, ActionError> {
        let mut w = self.world();
        if w.offline {
            return Err(ActionError::Unavailable("bitcoind is down".into()));
        }
        if w.refuse_builds {
            return Err(ActionError::Refused("not enough funds".into()));
        }
        let kind = match &planned {
            Planned::Preorder(_) => Kind::Preorder,
            Planned::Register(job) => Kind::Register {
                zonefile_hash: if w.regup {
                    job.data.zonefile_hash.clone()
                } else {
                    None
                },
            },
            Planned::Update { zonefile_hash, .. } => Kind::Update {
                zonefile_hash: zonefile_hash.to_string(),
            },
            Planned::Transfer { recipient, .. } => Kind::Transfer {
                recipient: recipient.to_string(),
            },
            Planned::Renew(_) => Kind::Renew,
            Planned::Revoke { .. } => Kind::Revoke,
        };
        let name = planned.name().to_string();
        let txid = format!("tx{}", w.built.len());
        w.txs.insert(txid.clone(), (name.clone(), kind.clone()));
        w.built.push((name, kind));
        Ok(Built {
            tx: StepTx {
                txid: txid.clone(),
                hex: format!("hex-{txid}"),
                broadcast: false,
            },
            data: JobData {
                payment_address: PAYER.into(),
                owner_address: OWNER.into(),
                block_height: u64::from(w.height),
                is_regup: w.regup,
                ..JobData::default()
            },
        })
    }

    async fn broadcast(&self, tx: &StepTx) -> Result<(), ActionError> {
        let mut w = self.world();
        if w.offline || w.broadcast_down {
            return Err(ActionError::Unavailable("bitcoind is down".into()));
        }
        if let Some(reason) = w.refuse.take() {
            return Err(ActionError::Refused(reason));
        }
        assert_eq!(
            tx.hex,
            format!("hex-{}", tx.txid),
            "a different transaction"
        );
        *w.broadcasts.entry(tx.txid.clone()).or_default() += 1;
        if !w.mined.contains_key(&tx.txid) && !w.mempool.contains(&tx.txid) {
            w.mempool.push(tx.txid.clone());
        }
        Ok(())
    }

    async fn balance(&self, min_confs: u32) -> Result<u64, ActionError> {
        let w = self.world();
        if w.offline {
            return Err(ActionError::Unavailable("bitcoind is down".into()));
        }
        Ok(if min_confs == 0 { 150_000 } else { 100_000 })
    }

    async fn withdraw(&self, request: &WithdrawRequest) -> Result<StepTx, ActionError> {
        let mut w = self.world();
        if request.amount.unwrap_or(100_000) > 100_000 {
            return Err(ActionError::Refused("not enough funds".into()));
        }
        let txid = format!("tx{}", w.built.len());
        w.built.push((request.address.clone(), Kind::Withdraw));
        w.txs
            .insert(txid.clone(), (request.address.clone(), Kind::Withdraw));
        Ok(StepTx {
            hex: format!("hex-{txid}"),
            txid,
            broadcast: false,
        })
    }

    async fn block_height(&self) -> Result<u64, ActionError> {
        Ok(u64::from(self.world().height))
    }

    async fn confirmations(&self, txid: &str) -> Result<Option<u32>, ActionError> {
        let w = self.world();
        if w.offline {
            return Err(ActionError::Unavailable("bitcoind is down".into()));
        }
        Ok(match w.mined.get(txid) {
            Some(h) => Some(w.height - h + 1),
            None if w.mempool.iter().any(|t| t == txid) => Some(0),
            None => None,
        })
    }

    async fn name_status(&self, name: &str) -> Result<NameStatus, ActionError> {
        let w = self.world();
        if w.node_frozen {
            return Ok(NameStatus::default());
        }
        let mut status = w.names.get(name).cloned().unwrap_or_default();
        status.owned_by_wallet =
            status.registered && status.owner_address.as_deref() == Some(OWNER);
        Ok(status)
    }

    async fn push_zonefile(&self, zonefile: &[u8]) -> Result<Vec<String>, ActionError> {
        let mut w = self.world();
        if w.node_refuses_zonefiles {
            return Err(ActionError::Unavailable("the node refused it".into()));
        }
        w.pushed.push(zonefile.to_vec());
        Ok(vec!["node:6264".into()])
    }
}
