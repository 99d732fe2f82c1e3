//! Turning an [`Op`] into a signed transaction: payloads from the consensus crate's encoders,
//! values gathered from the node (consensus hash, price, namespace creator), coins from the
//! world's book, layout by the wallet's builder and signatures by its signer, with the
//! payer inputs signed `ALL|ANYONECANPAY` as the original client signs them.

use std::str::FromStr;

use bitcoin::address::NetworkUnchecked;
use bitcoin::hashes::Hash;
use bitcoin::{Address, Amount, FeeRate, ScriptBuf, Sequence, Transaction, TxIn, TxOut, Witness};
use blockstack_consensus::hash::{name_consensus_hash, name_hash128, preorder_hash};
use blockstack_consensus::name::namespace_of;
use blockstack_consensus::op::{
    name_import, name_preorder, name_registration, name_revoke, name_transfer, name_update,
    namespace_preorder, namespace_ready, namespace_reveal,
};
use blockstack_wallet::{
    BuildRequest, Funds, Keyring, Operation, Signer, TransactionBuilder, Utxo,
};

use crate::op::{Burn, ChRef, Fee, Kind, Op};
use crate::wallets::Wallet;
use crate::world::{World, FEE_RATE_SAT_VB};

fn burn_script() -> ScriptBuf {
    ScriptBuf::new_p2pkh(&bitcoin::PubkeyHash::from_byte_array([0; 20]))
}

fn bytes<const N: usize>(hex_str: &str, what: &str) -> Result<[u8; N], String> {
    hex::decode(hex_str)
        .ok()
        .and_then(|b| b.try_into().ok())
        .ok_or_else(|| format!("{what} {hex_str:?} is not {N} bytes of hex"))
}

/// Parses a testnet address into its output script.
pub fn address_script(address: &str) -> Result<ScriptBuf, String> {
    Address::<NetworkUnchecked>::from_str(address)
        .map(|a| a.assume_checked().script_pubkey())
        .map_err(|e| format!("address {address}: {e}"))
}

/// The parts of a built operation: layout, payload, who sends and who pays.
struct Parts {
    operation: Operation,
    payload: Vec<u8>,
    sender: Wallet,
    payer: Option<Wallet>,
}

impl World {
    async fn consensus_bytes(&self, at: ChRef) -> Result<[u8; 16], String> {
        let hex_str = self.consensus_hex(at).await?;
        bytes(&hex_str, "consensus hash")
    }

    async fn consensus_hex(&self, at: ChRef) -> Result<String, String> {
        let back = match at {
            ChRef::Tip => 0,
            ChRef::Back(k) => k,
        };
        let height = self.height().saturating_sub(back);
        self.consensus_at(height).await.map_err(|e| e.to_string())
    }

    async fn fee(
        &self,
        fee: Fee,
        price: impl std::future::Future<Output = Result<u64, String>>,
    ) -> Result<Amount, String> {
        let marker = self.params().marker_value;
        Ok(match fee {
            Fee::Price => Amount::from_sat(price.await?).max(marker),
            Fee::PriceMinus(d) => Amount::from_sat(price.await?.saturating_sub(d)),
            Fee::Sat(s) => Amount::from_sat(s),
        })
    }

    async fn name_price(&self, name: &str) -> Result<u64, String> {
        self.node()
            .name_cost(name)
            .await
            .map_err(|e| format!("price of {name}: {e}"))
    }

    async fn namespace_price(&self, id: &str) -> Result<u64, String> {
        self.node()
            .namespace_cost(id)
            .await
            .map(|(sats, _)| sats)
            .map_err(|e| format!("price of namespace {id}: {e}"))
    }

    /// Where a name's fee goes by default: the creator of a version-2 namespace within its
    /// fee period, else the burn address (bns.md §7.3), judged for the next block.
    async fn fee_destination(&self, name: &str, burn: &Burn) -> Result<ScriptBuf, String> {
        match burn {
            Burn::BurnAddress => Ok(burn_script()),
            Burn::To(script) => Ok(script.clone()),
            Burn::Proper => {
                let id = namespace_of(name);
                let record = self
                    .node()
                    .namespace_record(id)
                    .await
                    .map_err(|e| format!("namespace {id}: {e}"))?;
                let next = self.height() + 1;
                let epoch = self.rules().epoch(next);
                match record {
                    Some(ns)
                        if ns.version & 2 != 0
                            && epoch.has_burn_to_creator()
                            && ns.reveal_block + epoch.receive_fees_period >= next =>
                    {
                        address_script(&ns.address)
                    }
                    _ => Ok(burn_script()),
                }
            }
        }
    }

    async fn parts(&self, op: &Op) -> Result<Parts, String> {
        let single = |operation, payload, sender: &Wallet| Parts {
            operation,
            payload,
            sender: sender.clone(),
            payer: None,
        };
        let owned = |operation, payload, owner: &Wallet| Parts {
            operation,
            payload,
            sender: owner.clone(),
            payer: Some(op.payer.clone().unwrap_or_else(|| owner.clone())),
        };
        let no_b40 = |id: &str| format!("{id:?} cannot be base-40 encoded");
        Ok(match &op.kind {
            Kind::NamespacePreorder {
                id,
                payer,
                revealer,
            } => {
                let hash = preorder_hash(id, &payer.script_hex(), revealer.address())
                    .ok_or_else(|| no_b40(id))?;
                let payload = namespace_preorder::Payload {
                    preorder_hash: bytes(&hash, "preorder hash")?,
                    consensus_hash: self.consensus_bytes(op.consensus).await?,
                }
                .encode();
                let fee = self.fee(op.fee, self.namespace_price(id)).await?;
                let burn_script = match &op.burn {
                    Burn::To(script) => script.clone(),
                    Burn::Proper | Burn::BurnAddress => burn_script(),
                };
                single(
                    Operation::NamespacePreorder { burn_script, fee },
                    payload,
                    payer,
                )
            }
            Kind::NamespaceReveal {
                id,
                payer,
                revealer,
                params,
            } => single(
                Operation::NamespaceReveal {
                    revealer_script: revealer.script().clone(),
                },
                namespace_reveal::Payload {
                    namespace_id: id.clone(),
                    lifetime: params.lifetime,
                    price: params.price,
                    version: params.version,
                }
                .encode(),
                payer,
            ),
            Kind::NamespaceReady { id, revealer } => single(
                Operation::NamespaceReady,
                namespace_ready::Payload {
                    namespace_id: id.clone(),
                }
                .encode(),
                revealer,
            ),
            Kind::NameImport {
                name,
                importer,
                owner,
                value_hash,
            } => single(
                Operation::NameImport {
                    recipient_script: owner.script().clone(),
                    zonefile_hash: *value_hash,
                },
                name_import::Payload { name: name.clone() }.encode(),
                importer,
            ),
            Kind::NamePreorder { name, payer, owner } => {
                let hash = preorder_hash(name, &payer.script_hex(), owner.address())
                    .ok_or_else(|| no_b40(name))?;
                let payload = name_preorder::Payload {
                    preorder_hash: bytes(&hash, "preorder hash")?,
                    consensus_hash: self.consensus_bytes(op.consensus).await?,
                }
                .encode();
                let fee = self.fee(op.fee, self.name_price(name)).await?;
                let burn_script = self.fee_destination(name, &op.burn).await?;
                single(Operation::NamePreorder { burn_script, fee }, payload, payer)
            }
            Kind::NameRegister {
                name,
                payer,
                owner,
                value_hash,
            } => single(
                Operation::NameRegistration {
                    owner_script: owner.script().clone(),
                },
                name_registration::Payload {
                    name: name.clone(),
                    value_hash: *value_hash,
                }
                .encode(),
                payer,
            ),
            Kind::NameUpdate {
                name,
                owner,
                value_hash,
            } => {
                let ch = self.consensus_hex(op.consensus).await?;
                owned(
                    Operation::NameUpdate,
                    name_update::Payload {
                        name_consensus_hash: bytes(
                            &name_consensus_hash(name, &ch),
                            "name consensus hash",
                        )?,
                        value_hash: *value_hash,
                    }
                    .encode(),
                    owner,
                )
            }
            Kind::NameTransfer {
                name,
                owner,
                to,
                keep,
            } => owned(
                Operation::NameTransfer {
                    recipient_script: to.script().clone(),
                },
                name_transfer::Payload {
                    keep_data: *keep,
                    name_hash128: bytes(&name_hash128(name), "name hash")?,
                    consensus_hash: self.consensus_bytes(op.consensus).await?,
                }
                .encode(),
                owner,
            ),
            Kind::NameRenew {
                name,
                owner,
                to,
                value_hash,
            } => {
                let fee = self.fee(op.fee, self.name_price(name)).await?;
                let burn_script = self.fee_destination(name, &op.burn).await?;
                owned(
                    Operation::NameRenewal {
                        owner_script: to.as_ref().unwrap_or(owner).script().clone(),
                        burn_script,
                        fee,
                    },
                    name_registration::Payload {
                        name: name.clone(),
                        value_hash: *value_hash,
                    }
                    .encode(),
                    owner,
                )
            }
            Kind::NameRevoke { name, owner } => owned(
                Operation::NameRevoke,
                name_revoke::Payload { name: name.clone() }.encode(),
                owner,
            ),
            Kind::Raw {
                sender,
                operation,
                payload,
            } => {
                let payer = operation_has_payer(operation)
                    .then(|| op.payer.clone().unwrap_or_else(|| sender.clone()));
                Parts {
                    operation: operation.clone(),
                    payload: payload.clone(),
                    sender: sender.clone(),
                    payer,
                }
            }
            Kind::Script { .. } => {
                return Err("a data-output payment has no BNS layout".into());
            }
        })
    }

    /// The coins of the sender and the payer. An owner paying its own operation offers its
    /// smallest coin as the owner's (returned in full) and the others to pay.
    fn funds(
        &self,
        sender: &Wallet,
        payer: Option<&Wallet>,
    ) -> Result<(Funds, Option<Funds>), String> {
        let book = self.book();
        let mut sender_utxos = book.utxos(sender.script());
        let payer_funds = match payer {
            None => None,
            Some(payer) => {
                let payer_utxos = if payer == sender {
                    sender_utxos.sort_by_key(|u| u.value);
                    if sender_utxos.len() < 2 {
                        return Err(format!(
                            "{} pays its own owner operation but holds {} coin(s); it needs two",
                            sender.label(),
                            sender_utxos.len()
                        ));
                    }
                    sender_utxos.split_off(1)
                } else {
                    sender_utxos.sort_by_key(|u| u.value);
                    sender_utxos.truncate(1);
                    book.utxos(payer.script())
                };
                Some(Funds {
                    spender: payer.key().spender(),
                    utxos: payer_utxos,
                })
            }
        };
        Ok((
            Funds {
                spender: sender.key().spender(),
                utxos: sender_utxos,
            },
            payer_funds,
        ))
    }

    /// Builds and signs `op`.
    pub(crate) async fn build(&self, op: &Op) -> Result<Transaction, String> {
        if let Kind::Script { sender, script } = &op.kind {
            return self.build_data_output(sender, script);
        }
        let parts = self.parts(op).await?;
        let (sender, payer) = self.funds(&parts.sender, parts.payer.as_ref())?;
        let request = BuildRequest {
            operation: parts.operation,
            payload: parts.payload,
            sender,
            payer,
            fee_rate: FeeRate::from_sat_per_vb(FEE_RATE_SAT_VB)
                .unwrap_or(FeeRate::from_sat_per_vb_u32(2)),
        };
        let unsigned = TransactionBuilder::new(*self.params())
            .build(&request)
            .map_err(|e| format!("build: {e}"))?;
        let mut keys = vec![parts.sender.key()];
        if let Some(payer) = &parts.payer {
            keys.push(payer.key());
        }
        let signed = Signer::new(self.params().sighash)
            .payer_anyone_can_pay(true)
            .sign(&unsigned, &keys)
            .map_err(|e| format!("sign: {e}"))?;
        if !signed.is_complete() {
            return Err(format!("inputs {:?} unsigned", signed.unsigned_inputs()));
        }
        Ok(signed.into_transaction())
    }

    /// A payment from `sender` to itself whose first output is `script`.
    fn build_data_output(
        &self,
        sender: &Wallet,
        script: &ScriptBuf,
    ) -> Result<Transaction, String> {
        let coin: Utxo = self
            .book()
            .utxos(sender.script())
            .into_iter()
            .max_by_key(|u| u.value)
            .ok_or_else(|| format!("{} has no coins", sender.label()))?;
        let fee = Amount::from_sat(400 * FEE_RATE_SAT_VB);
        let change = coin
            .value
            .checked_sub(fee)
            .ok_or_else(|| format!("{} cannot pay the fee", sender.label()))?;
        let tx = Transaction {
            version: bitcoin::transaction::Version::ONE,
            lock_time: bitcoin::absolute::LockTime::ZERO,
            input: vec![TxIn {
                previous_output: coin.outpoint,
                script_sig: ScriptBuf::new(),
                sequence: Sequence::MAX,
                witness: Witness::new(),
            }],
            output: vec![
                TxOut {
                    value: Amount::ZERO,
                    script_pubkey: script.clone(),
                },
                TxOut {
                    value: change,
                    script_pubkey: sender.script().clone(),
                },
            ],
        };
        let prevout = TxOut {
            value: coin.value,
            script_pubkey: sender.script().clone(),
        };
        let signer = Signer::new(self.params().sighash);
        let keyring = Keyring::new(signer.secp(), &[sender.key()]);
        signer
            .sign_transaction(&tx, &[prevout], &keyring)
            .map(|s| s.into_transaction())
            .map_err(|e| format!("sign: {e}"))
    }
}

fn operation_has_payer(operation: &Operation) -> bool {
    matches!(
        operation,
        Operation::NameUpdate
            | Operation::NameTransfer { .. }
            | Operation::NameRenewal { .. }
            | Operation::NameRevoke
    )
}
