//! The chain driver: funds the parties, turns [`Op`]s into transactions built and signed by the
//! wallet crate (FORKID signatures for the SV regtest node), broadcasts them and mines blocks.
//!
//! UTXOs are tracked locally: coinbases are read from the funding blocks, and every sent
//! transaction's outputs to a party are added back. A party spends its newest output first, so
//! its transactions in one block form a chain and keep their send order in the block.

use std::collections::HashMap;

use bitcoin::hashes::Hash;
use bitcoin::secp256k1::{All, Secp256k1};
use bitcoin::{
    Address, Amount, FeeRate, NetworkKind, OutPoint, PubkeyHash, ScriptBuf, Sequence, Transaction,
    TxIn, TxOut, Witness,
};
use blockstack_consensus::hash::{name_consensus_hash, name_hash128, preorder_hash};
use blockstack_consensus::op::{
    name_import, name_preorder, name_registration, name_revoke, name_transfer, name_update,
    namespace_preorder, namespace_ready, namespace_reveal,
};
use blockstack_consensus::price::{price_fqn, price_namespace, PriceFunction};
use blockstack_consensus::rules::GENESIS_CONSENSUS_HASH;
use blockstack_consensus::Rules;
use blockstack_wallet::{
    BuildError, BuildRequest, ChainParams, Funds, KeyInfo, Keyring, MultisigKey, Operation, Signer,
    SingleKey, TransactionBuilder, Utxo,
};

use crate::bitcoind::Bitcoind;
use crate::ops::{Burn, ChRef, Fee, Malformed, Op, Party, Step};
use crate::ours::{consensus_bytes, OurNode};
use crate::Error;

/// Parties 0..PARTIES send and own names.
pub const PARTIES: u8 = 8;
/// The party that pays the fees of owner operations (update, transfer, renewal, revoke).
pub const FEE_PAYER: Party = PARTIES;
/// The party blocks are mined to; never spends.
pub const MINER: Party = PARTIES + 1;
/// A 2-of-3 P2SH multisig party (members `sha256("bns-conformance-ms-<j>")`).
pub const MULTISIG: Party = PARTIES + 2;
/// Coinbases each spending party (0..=FEE_PAYER) receives before the first block (the
/// multisig party gets as many 10-coin outputs from the fee payer).
pub const COINBASES_PER_PARTY: u32 = 3;
/// Blocks mined before the first block: the coinbases, 100 to mature them, one more for the
/// multisig funding.
pub const FUNDING_BLOCKS: u64 = (PARTIES as u64 + 1) * COINBASES_PER_PARTY as u64 + 100 + 1;

/// One key of the scenario.
pub struct PartyKey {
    /// The key.
    pub key: KeyInfo,
    /// Its P2PKH script.
    pub script: ScriptBuf,
    /// Its testnet address.
    pub address: Address,
}

/// What happened to one op of a scenario.
#[derive(Clone, Debug)]
pub struct Sent {
    /// The block it was meant for.
    pub height: u64,
    /// Its txid, when it was broadcast.
    pub txid: Option<String>,
    /// The op.
    pub op: Op,
    /// Why it was not broadcast.
    pub skipped: Option<String>,
}

/// The chain driver.
pub struct Driver {
    /// The bitcoind.
    pub btc: Bitcoind,
    /// Our node, synced after every block.
    pub ours: OurNode,
    keys: Vec<PartyKey>,
    utxos: HashMap<ScriptBuf, Vec<Utxo>>,
    rules: Rules,
    builder: TransactionBuilder,
    signer: Signer,
    /// Every op, in send order.
    pub sent: Vec<Sent>,
}

fn single(label: &str) -> Result<SingleKey, Error> {
    let secret = bitcoin::hashes::sha256::Hash::hash(label.as_bytes()).to_byte_array();
    SingleKey::from_secret_bytes(&secret, true, NetworkKind::Test)
        .map_err(|e| Error::Driver(format!("key {label}: {e}")))
}

/// The key of party `i`: `sha256("bns-conformance-<i>")`, or the 2-of-3 bundle for
/// [`MULTISIG`].
pub fn party_key(i: Party, secp: &Secp256k1<All>) -> Result<PartyKey, Error> {
    if i == MULTISIG {
        let members = (0..3)
            .map(|j| single(&format!("bns-conformance-ms-{j}")))
            .collect::<Result<Vec<_>, _>>()?;
        let bundle = MultisigKey::from_private_keys(2, members)
            .map_err(|e| Error::Driver(format!("multisig: {e}")))?;
        let script = bundle.script_pubkey();
        let address = bundle.address(NetworkKind::Test);
        return Ok(PartyKey {
            key: KeyInfo::Multisig(bundle),
            script,
            address,
        });
    }
    let key = single(&format!("bns-conformance-{i}"))?;
    let script = key.script_pubkey(secp);
    let address = key.address(secp, NetworkKind::Test);
    Ok(PartyKey {
        key: KeyInfo::Single(key),
        script,
        address,
    })
}

fn burn_script() -> ScriptBuf {
    ScriptBuf::new_p2pkh(&PubkeyHash::from_byte_array([0; 20]))
}

fn arr<const N: usize>(hex_str: &str) -> Result<[u8; N], Error> {
    hex::decode(hex_str)
        .ok()
        .and_then(|b| b.try_into().ok())
        .ok_or_else(|| Error::Driver(format!("bad {N}-byte hex {hex_str}")))
}

fn namespace_of(name: &str) -> &str {
    name.rsplit_once('.').map_or(name, |(_, ns)| ns)
}

/// The zone file hash of `bytes`: RIPEMD160(SHA256(bytes)).
pub fn zonefile_hash(bytes: &[u8]) -> [u8; 20] {
    use bitcoin::hashes::Hash as _;
    bitcoin::hashes::hash160::Hash::hash(bytes).to_byte_array()
}

impl Driver {
    /// A driver over a started bitcoind; `ours` indexes the same node.
    pub fn new(btc: Bitcoind, ours: OurNode, rules: Rules) -> Result<Self, Error> {
        let secp = Secp256k1::new();
        let keys = (0..=MULTISIG)
            .map(|i| party_key(i, &secp))
            .collect::<Result<Vec<_>, _>>()?;
        let params = ChainParams::sv_regtest_test_node();
        Ok(Self {
            btc,
            ours,
            keys,
            utxos: HashMap::new(),
            rules,
            builder: TransactionBuilder::new(params),
            signer: Signer::new(params.sighash),
            sent: Vec::new(),
        })
    }

    /// A party's key.
    pub fn party(&self, p: Party) -> Result<&PartyKey, Error> {
        self.keys
            .get(usize::from(p))
            .ok_or_else(|| Error::Driver(format!("no party {p}")))
    }

    /// The rules in use.
    pub fn rules(&self) -> &Rules {
        &self.rules
    }

    /// Mines the funding coinbases and lets them mature. Returns the height afterwards; the
    /// first block processed should be the next one.
    pub async fn fund(&mut self) -> Result<u64, Error> {
        for p in 0..=FEE_PAYER {
            let (address, script) = {
                let k = self.party(p)?;
                (k.address.clone(), k.script.clone())
            };
            for hash in self.btc.mine(COINBASES_PER_PARTY, &address).await? {
                let block = self.btc.block(hash).await?;
                let coinbase = block
                    .txdata
                    .first()
                    .ok_or_else(|| Error::Driver("block without coinbase".into()))?;
                let txid = coinbase.compute_txid();
                for (vout, out) in coinbase.output.iter().enumerate() {
                    if out.script_pubkey == script {
                        self.utxos.entry(script.clone()).or_default().push(Utxo {
                            outpoint: OutPoint {
                                txid,
                                vout: u32::try_from(vout).unwrap_or(u32::MAX),
                            },
                            value: out.value,
                        });
                    }
                }
            }
        }
        let miner = self.party(MINER)?.address.clone();
        self.btc.mine(100, &miner).await?;
        // A coinbase cannot pay P2SH here, so the multisig party is paid by a plain
        // transaction from the fee payer, in one more block.
        self.fund_multisig().await?;
        self.btc.mine(1, &miner).await?;
        self.btc.height().await
    }

    async fn fund_multisig(&mut self) -> Result<(), Error> {
        let payer = self.party(FEE_PAYER)?;
        let (payer_script, ms_script) =
            (payer.script.clone(), self.party(MULTISIG)?.script.clone());
        let coin = self
            .utxos
            .get_mut(&payer_script)
            .and_then(Vec::pop)
            .ok_or_else(|| Error::Driver("the fee payer has no coinbase".into()))?;
        let part = Amount::from_sat(1_000_000_000);
        let fee = Amount::from_sat(10_000);
        let change = coin
            .value
            .checked_sub(part * u64::from(COINBASES_PER_PARTY) + fee)
            .ok_or_else(|| Error::Driver("coinbase too small".into()))?;
        let mut output: Vec<TxOut> = (0..COINBASES_PER_PARTY)
            .map(|_| TxOut {
                value: part,
                script_pubkey: ms_script.clone(),
            })
            .collect();
        output.push(TxOut {
            value: change,
            script_pubkey: payer_script.clone(),
        });
        let tx = Transaction {
            version: bitcoin::transaction::Version::ONE,
            lock_time: bitcoin::absolute::LockTime::ZERO,
            input: vec![TxIn {
                previous_output: coin.outpoint,
                script_sig: ScriptBuf::new(),
                sequence: Sequence::MAX,
                witness: Witness::new(),
            }],
            output,
        };
        let prevout = TxOut {
            value: coin.value,
            script_pubkey: payer_script,
        };
        let keyring = Keyring::new(self.signer.secp(), &[&self.party(FEE_PAYER)?.key]);
        let signed = self
            .signer
            .sign_transaction(&tx, &[prevout], &keyring)
            .map_err(|e| Error::Driver(format!("sign the multisig funding: {e}")))?
            .into_transaction();
        self.btc.send(&signed).await?;
        self.track(&signed);
        Ok(())
    }

    /// Runs one step: sends its ops and mines its blocks, then lets our node catch up.
    pub async fn run_step(&mut self, step: &Step) -> Result<(), Error> {
        let miner = self.party(MINER)?.address.clone();
        match step {
            Step::Block(ops) => {
                self.ours.sync().await?;
                // The block these ops go into.
                let height = self.btc.height().await? + 1;
                for op in ops {
                    let result = self.send(op, height).await;
                    let (txid, skipped) = match result {
                        Ok(txid) => (Some(txid), None),
                        Err(e) => (None, Some(e.to_string())),
                    };
                    self.sent.push(Sent {
                        height,
                        txid,
                        op: op.clone(),
                        skipped,
                    });
                }
                self.btc.mine(1, &miner).await?;
            }
            Step::Mine(n) => {
                if *n > 0 {
                    self.btc.mine(*n, &miner).await?;
                }
            }
        }
        self.ours.sync().await?;
        Ok(())
    }

    fn funds(&self, p: Party, newest_only: bool) -> Result<Funds, Error> {
        let key = self.party(p)?;
        let all = self.utxos.get(&key.script).cloned().unwrap_or_default();
        let utxos = if newest_only {
            // The newest output big enough to pay for anything but a namespace.
            all.iter()
                .rev()
                .find(|u| u.value >= Amount::from_sat(50_000_000))
                .or(all.last())
                .cloned()
                .into_iter()
                .collect()
        } else {
            all
        };
        Ok(Funds {
            spender: key.key.spender(),
            utxos,
        })
    }

    fn consensus_hash(&self, ch: ChRef, height: u64) -> Result<[u8; 16], Error> {
        let back = match ch {
            ChRef::Tip => 0,
            ChRef::Back(k) => k,
        };
        let h = height.saturating_sub(1 + back);
        let text = self
            .ours
            .consensus_at(h)
            .unwrap_or_else(|| GENESIS_CONSENSUS_HASH.to_owned());
        consensus_bytes(&text)
    }

    fn name_price(&self, name: &str, height: u64) -> f64 {
        let price = self
            .ours
            .namespace(namespace_of(name))
            .map(|ns| ns.price)
            .unwrap_or(PriceFunction {
                coeff: 250,
                base: 4,
                buckets: [6, 5, 4, 3, 2, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
                nonalpha_discount: 10,
                no_vowel_discount: 10,
            });
        price_fqn(name, &price, &self.rules, height)
    }

    fn fee(&self, fee: Fee, price: f64) -> Amount {
        let price = price.ceil().max(1.0) as u64;
        Amount::from_sat(match fee {
            Fee::Price => price,
            Fee::PriceMinus(d) => price.saturating_sub(d).max(1),
            Fee::PriceTimes10 => price.saturating_mul(10),
            Fee::Tenth => price.div_ceil(10),
            Fee::Sat(s) => s.max(1),
        })
    }

    fn burn(&self, burn: Burn, name: Option<&str>, height: u64) -> Result<ScriptBuf, Error> {
        Ok(match burn {
            Burn::BurnAddress => burn_script(),
            Burn::Party(p) => self.party(p)?.script.clone(),
            Burn::Proper => {
                let creator = name
                    .and_then(|n| self.ours.namespace(namespace_of(n)))
                    .filter(|ns| {
                        let epoch = self.rules.epoch(height);
                        ns.version == 2
                            && epoch.has_burn_to_creator()
                            && ns.reveal_block + epoch.receive_fees_period >= height
                    })
                    .map(|ns| ns.address);
                match creator {
                    Some(address) => address
                        .parse::<Address<bitcoin::address::NetworkUnchecked>>()
                        .map_err(|e| Error::Driver(format!("creator address {address}: {e}")))?
                        .assume_checked()
                        .script_pubkey(),
                    None => burn_script(),
                }
            }
        })
    }

    /// The operation, payload, sender and payer of an op at `height`.
    fn describe(
        &self,
        op: &Op,
        height: u64,
    ) -> Result<(Operation, Vec<u8>, Party, Option<Party>), Error> {
        let script_hex = |p: Party| self.party(p).map(|k| k.script.to_hex_string());
        let address = |p: Party| self.party(p).map(|k| k.address.to_string());
        let script = |p: Party| self.party(p).map(|k| k.script.clone());
        let no_b40 = |id: &str| Error::Driver(format!("{id} is not b40"));
        Ok(match op {
            Op::NamespacePreorder {
                ns,
                payer,
                revealer,
                fee,
                burn,
            } => {
                let hash = preorder_hash(ns, &script_hex(*payer)?, &address(*revealer)?)
                    .ok_or_else(|| no_b40(ns))?;
                let payload = namespace_preorder::Payload {
                    preorder_hash: arr(&hash)?,
                    consensus_hash: self.consensus_hash(ChRef::Tip, height)?,
                };
                let fee = self.fee(*fee, price_namespace(ns, &self.rules, height));
                (
                    Operation::NamespacePreorder {
                        burn_script: self.burn(*burn, None, height)?,
                        fee,
                    },
                    payload.encode(),
                    *payer,
                    None,
                )
            }
            Op::NamespaceReveal {
                ns,
                payer,
                revealer,
                lifetime,
                coeff,
                base,
                buckets,
                discounts,
                version,
            } => {
                let payload = namespace_reveal::Payload {
                    namespace_id: ns.clone(),
                    lifetime: *lifetime,
                    price: PriceFunction {
                        coeff: *coeff,
                        base: *base,
                        buckets: *buckets,
                        nonalpha_discount: discounts.0,
                        no_vowel_discount: discounts.1,
                    },
                    version: *version,
                };
                (
                    Operation::NamespaceReveal {
                        revealer_script: script(*revealer)?,
                    },
                    payload.encode(),
                    *payer,
                    None,
                )
            }
            Op::NamespaceReady { ns, sender } => (
                Operation::NamespaceReady,
                namespace_ready::Payload {
                    namespace_id: ns.clone(),
                }
                .encode(),
                *sender,
                None,
            ),
            Op::NameImport {
                name,
                importer,
                owner,
                zonefile,
            } => (
                Operation::NameImport {
                    recipient_script: script(*owner)?,
                    zonefile_hash: [*zonefile; 20],
                },
                name_import::Payload { name: name.clone() }.encode(),
                *importer,
                None,
            ),
            Op::NamePreorder {
                name,
                payer,
                owner,
                fee,
                burn,
                ch,
            } => {
                let hash = preorder_hash(name, &script_hex(*payer)?, &address(*owner)?)
                    .ok_or_else(|| no_b40(name))?;
                let payload = name_preorder::Payload {
                    preorder_hash: arr(&hash)?,
                    consensus_hash: self.consensus_hash(*ch, height)?,
                };
                (
                    Operation::NamePreorder {
                        burn_script: self.burn(*burn, Some(name), height)?,
                        fee: self.fee(*fee, self.name_price(name, height)),
                    },
                    payload.encode(),
                    *payer,
                    None,
                )
            }
            Op::NameRegister {
                name,
                payer,
                owner,
                value,
            } => (
                Operation::NameRegistration {
                    owner_script: script(*owner)?,
                },
                name_registration::Payload {
                    name: name.clone(),
                    value_hash: value.map(|v| [v; 20]),
                }
                .encode(),
                *payer,
                None,
            ),
            Op::NameRenew {
                name,
                owner,
                new_owner,
                fee,
                burn,
                value,
            } => (
                Operation::NameRenewal {
                    owner_script: script(*new_owner)?,
                    burn_script: self.burn(*burn, Some(name), height)?,
                    fee: self.fee(*fee, self.name_price(name, height)),
                },
                name_registration::Payload {
                    name: name.clone(),
                    value_hash: value.map(|v| [v; 20]),
                }
                .encode(),
                *owner,
                Some(FEE_PAYER),
            ),
            Op::NameUpdate {
                name,
                owner,
                value,
                ch,
            } => {
                let ch = hex::encode(self.consensus_hash(*ch, height)?);
                (
                    Operation::NameUpdate,
                    name_update::Payload {
                        name_consensus_hash: arr(&name_consensus_hash(name, &ch))?,
                        value_hash: [*value; 20],
                    }
                    .encode(),
                    *owner,
                    Some(FEE_PAYER),
                )
            }
            Op::NameUpdateZonefile {
                name,
                owner,
                zonefile,
            } => {
                let ch = hex::encode(self.consensus_hash(ChRef::Tip, height)?);
                let text = self.render_zonefile(zonefile)?;
                (
                    Operation::NameUpdate,
                    name_update::Payload {
                        name_consensus_hash: arr(&name_consensus_hash(name, &ch))?,
                        value_hash: zonefile_hash(text.as_bytes()),
                    }
                    .encode(),
                    *owner,
                    Some(FEE_PAYER),
                )
            }
            Op::NameTransfer {
                name,
                owner,
                to,
                keep,
                ch,
            } => (
                Operation::NameTransfer {
                    recipient_script: script(*to)?,
                },
                name_transfer::Payload {
                    keep_data: *keep,
                    name_hash128: arr(&name_hash128(name))?,
                    consensus_hash: self.consensus_hash(*ch, height)?,
                }
                .encode(),
                *owner,
                Some(FEE_PAYER),
            ),
            Op::NameRevoke { name, owner } => (
                Operation::NameRevoke,
                name_revoke::Payload { name: name.clone() }.encode(),
                *owner,
                Some(FEE_PAYER),
            ),
            Op::Malformed { kind, sender, name } => {
                let mut payload = b"id".to_vec();
                let (operation, payer) = match kind {
                    Malformed::ShortPreorder => {
                        payload.push(b'?');
                        payload.extend_from_slice(&[7; 35]);
                        (
                            Operation::NamePreorder {
                                burn_script: burn_script(),
                                fee: Amount::from_sat(1000),
                            },
                            None,
                        )
                    }
                    Malformed::ShortUpdate => {
                        payload.push(b'+');
                        payload.extend_from_slice(&[7; 35]);
                        (Operation::NameUpdate, Some(FEE_PAYER))
                    }
                    Malformed::BadDisposition => {
                        payload.extend_from_slice(b">x");
                        payload.extend_from_slice(
                            &hex::decode(name_hash128(name)).unwrap_or_default(),
                        );
                        payload.extend_from_slice(&self.consensus_hash(ChRef::Tip, height)?);
                        (
                            Operation::NameTransfer {
                                recipient_script: script(0)?,
                            },
                            Some(FEE_PAYER),
                        )
                    }
                    Malformed::ReadyWithoutDot => {
                        payload.push(b'!');
                        payload.extend_from_slice(namespace_of(name).as_bytes());
                        (Operation::NamespaceReady, None)
                    }
                    Malformed::UpperCaseName | Malformed::TwoDots => {
                        payload.push(b':');
                        let bad = if *kind == Malformed::UpperCaseName {
                            name.to_uppercase()
                        } else {
                            format!("x.{name}")
                        };
                        payload.extend_from_slice(bad.as_bytes());
                        (
                            Operation::NameRegistration {
                                owner_script: script(*sender)?,
                            },
                            None,
                        )
                    }
                    Malformed::LongName => {
                        payload.push(b'~');
                        payload.extend_from_slice(format!("{}{name}", "x".repeat(38)).as_bytes());
                        payload.truncate(80);
                        (Operation::NameRevoke, Some(FEE_PAYER))
                    }
                };
                (operation, payload, *sender, payer)
            }
        })
    }

    /// Builds, signs and broadcasts one op for block `height`; returns its txid.
    pub async fn send(&mut self, op: &Op, height: u64) -> Result<String, Error> {
        let (operation, payload, sender, payer) = self.describe(op, height)?;
        let fee_rate = FeeRate::from_sat_per_vb_u32(2);
        let build = |newest_only: bool| -> Result<_, Error> {
            let request = BuildRequest {
                operation: operation.clone(),
                payload: payload.clone(),
                sender: self.funds(sender, newest_only)?,
                payer: payer.map(|p| self.funds(p, newest_only)).transpose()?,
                fee_rate,
            };
            Ok(self.builder.build(&request))
        };
        let unsigned = match build(true)? {
            Ok(u) => u,
            Err(BuildError::InsufficientFunds { .. }) => {
                build(false)?.map_err(|e| Error::Driver(format!("build: {e}")))?
            }
            Err(e) => return Err(Error::Driver(format!("build: {e}"))),
        };
        let mut keys = vec![&self.party(sender)?.key];
        if let Some(p) = payer {
            keys.push(&self.party(p)?.key);
        }
        let tx = self
            .signer
            .sign(&unsigned, &keys)
            .map_err(|e| Error::Driver(format!("sign: {e}")))?
            .into_transaction();
        self.btc.send(&tx).await?;
        self.track(&tx);
        Ok(tx.compute_txid().to_string())
    }

    fn track(&mut self, tx: &Transaction) {
        for input in &tx.input {
            for list in self.utxos.values_mut() {
                list.retain(|u| u.outpoint != input.previous_output);
            }
        }
        let txid = tx.compute_txid();
        for (vout, out) in tx.output.iter().enumerate() {
            let known = self
                .keys
                .iter()
                .enumerate()
                .any(|(i, k)| i != usize::from(MINER) && k.script == out.script_pubkey);
            if known && out.value > Amount::ZERO {
                self.utxos
                    .entry(out.script_pubkey.clone())
                    .or_default()
                    .push(Utxo {
                        outpoint: OutPoint {
                            txid,
                            vout: u32::try_from(vout).unwrap_or(u32::MAX),
                        },
                        value: out.value,
                    });
            }
        }
    }

    /// A zone file template with every `{party:N}` replaced by party N's address.
    pub fn render_zonefile(&self, template: &str) -> Result<String, Error> {
        let mut out = String::with_capacity(template.len());
        let mut rest = template;
        while let Some(start) = rest.find("{party:") {
            out.push_str(&rest[..start]);
            let tail = &rest[start + "{party:".len()..];
            let end = tail
                .find('}')
                .ok_or_else(|| Error::Driver(format!("unclosed {{party:…}} in {template:?}")))?;
            let party: Party = tail[..end]
                .parse()
                .map_err(|e| Error::Driver(format!("party in {template:?}: {e}")))?;
            out.push_str(&self.party(party)?.address.to_string());
            rest = &tail[end + 1..];
        }
        out.push_str(rest);
        Ok(out)
    }

    /// The zone files of the sent zone-file updates, rendered, in send order.
    pub fn zonefiles(&self) -> Result<Vec<String>, Error> {
        self.sent
            .iter()
            .filter(|s| s.txid.is_some())
            .filter_map(|s| match &s.op {
                Op::NameUpdateZonefile { zonefile, .. } => Some(self.render_zonefile(zonefile)),
                _ => None,
            })
            .collect()
    }

    /// A description of the op a txid came from, for reports.
    pub fn op_of(&self, txid: &str) -> Option<&Sent> {
        self.sent.iter().find(|s| s.txid.as_deref() == Some(txid))
    }
}
