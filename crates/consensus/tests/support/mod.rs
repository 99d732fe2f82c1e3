//! A small chain-building harness for the rule-by-rule tests: keys from labels, the
//! transaction layouts of spec §12.8 for every op, and a [`TestChain`] that parses, processes
//! and applies one block at a time against a [`MemState`].
#![allow(dead_code)]

use std::collections::BTreeSet;
use std::sync::atomic::{AtomicU64, Ordering};

use bitcoin::absolute::LockTime;
use bitcoin::bip32::{ChainCode, ChildNumber, Fingerprint, Xpriv};
use bitcoin::hashes::{hash160, sha256, Hash};
use bitcoin::secp256k1::{PublicKey, Secp256k1, SecretKey};
use bitcoin::transaction::Version;
use bitcoin::{
    Amount, NetworkKind, OutPoint, ScriptBuf, Sequence, Transaction, TxIn, TxOut, Txid, Witness,
};
use blockstack_consensus::address::script_to_address;
use blockstack_consensus::op::{
    name_import, name_preorder, name_registration, name_revoke, name_transfer, name_update,
    namespace_preorder, namespace_ready, namespace_reveal,
};
use blockstack_consensus::price::{price_name, price_namespace, PriceFunction};
use blockstack_consensus::rules::GENESIS_CONSENSUS_HASH;
use blockstack_consensus::state::HistoryEntry;
use blockstack_consensus::{
    hash, parse_transaction, process_block, AddressNetwork, BlockOutcome, ConsensusRecord,
    MemState, NameRecord, NamespaceRecord, OpKind, ParseError, ParsedOp, PreorderRecord, Rejection,
    Rules, StateView,
};

/// The first block of every test chain (as in spec §12.8).
pub const FIRST_BLOCK: u64 = 110;
/// Satoshis on every funding prevout.
pub const FUNDING: u64 = 1_000_000_000;
/// The dummy DER-shaped signature of spec §12.8.
pub fn dummy_sig() -> Vec<u8> {
    let mut sig = hex::decode("30440220").expect("hex");
    sig.extend([0x11; 32]);
    sig.extend([0x02, 0x20]);
    sig.extend([0x22; 32]);
    sig.push(0x01);
    sig
}

/// `sha256(data)`.
pub fn sha256(data: &[u8]) -> [u8; 32] {
    sha256::Hash::hash(data).to_byte_array()
}

/// A script pushing `data` with the shortest direct push or OP_PUSHDATA1/2.
pub fn push(data: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(data.len() + 3);
    match data.len() {
        0..=75 => out.push(data.len() as u8),
        76..=255 => out.extend([0x4c, data.len() as u8]),
        n => {
            out.push(0x4d);
            out.extend((n as u16).to_le_bytes());
        }
    }
    out.extend_from_slice(data);
    out
}

/// `OP_RETURN push(data)`.
pub fn op_return(data: &[u8]) -> ScriptBuf {
    let mut s = vec![0x6a];
    s.extend(push(data));
    ScriptBuf::from_bytes(s)
}

/// `76a914 <hash> 88ac`.
pub fn p2pkh_script(hash: &[u8; 20]) -> ScriptBuf {
    let mut s = hex::decode("76a914").expect("hex");
    s.extend_from_slice(hash);
    s.extend([0x88, 0xac]);
    ScriptBuf::from_bytes(s)
}

/// `a914 <hash> 87`.
pub fn p2sh_script(hash: &[u8; 20]) -> ScriptBuf {
    let mut s = vec![0xa9, 0x14];
    s.extend_from_slice(hash);
    s.push(0x87);
    ScriptBuf::from_bytes(s)
}

/// The burn script: p2pkh to twenty zero bytes.
pub fn burn_script() -> ScriptBuf {
    p2pkh_script(&[0; 20])
}

/// The testnet address of a script, as the indexer renders it (spec §2.6).
pub fn address_of(script: &ScriptBuf) -> String {
    script_to_address(script.as_bytes(), AddressNetwork::Testnet).expect("standard script")
}

/// Which kind of output a [`Party`] spends and receives on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// Pay to public-key hash.
    P2pkh,
    /// Pay to script hash (the script hash is the key's hash160, as spec §12.8's `S`).
    P2sh,
}

/// A participant: a key from a label and the script it owns names with.
#[derive(Clone, Debug)]
pub struct Party {
    /// The label; the private key is `sha256(label)`.
    pub label: String,
    /// The secret key.
    pub secret: SecretKey,
    /// The compressed public key.
    pub pubkey: PublicKey,
    /// p2pkh or p2sh.
    pub kind: Kind,
    /// The scriptPubKey it spends and receives on.
    pub script: ScriptBuf,
}

impl Party {
    /// A p2pkh party whose private key is `sha256(label)`.
    pub fn p2pkh(label: &str) -> Self {
        let secret = SecretKey::from_slice(&sha256(label.as_bytes())).expect("valid secret");
        Self::from_secret(label, secret, Kind::P2pkh)
    }

    /// A p2sh party whose private key is `sha256(label)`.
    pub fn p2sh(label: &str) -> Self {
        let secret = SecretKey::from_slice(&sha256(label.as_bytes())).expect("valid secret");
        Self::from_secret(label, secret, Kind::P2sh)
    }

    fn from_secret(label: &str, secret: SecretKey, kind: Kind) -> Self {
        let pubkey = PublicKey::from_secret_key(&Secp256k1::new(), &secret);
        let h = hash160::Hash::hash(&pubkey.serialize()).to_byte_array();
        let script = match kind {
            Kind::P2pkh => p2pkh_script(&h),
            Kind::P2sh => p2sh_script(&h),
        };
        Self {
            label: label.to_string(),
            secret,
            pubkey,
            kind,
            script,
        }
    }

    /// The non-hardened BIP32 child `index` of this key with a zero chain code (the import
    /// keychain of spec §9.12), derived from the private key.
    pub fn keychain_child(&self, index: u32) -> Self {
        let secp = Secp256k1::new();
        let parent = Xpriv {
            network: NetworkKind::Main,
            depth: 0,
            parent_fingerprint: Fingerprint::default(),
            child_number: ChildNumber::from_normal_idx(0).expect("index"),
            private_key: self.secret,
            chain_code: ChainCode::from([0u8; 32]),
        };
        let child = parent
            .derive_priv(
                &secp,
                &[ChildNumber::from_normal_idx(index).expect("index")],
            )
            .expect("derivation");
        Self::from_secret(
            &format!("{}/{index}", self.label),
            child.private_key,
            Kind::P2pkh,
        )
    }

    /// The scriptPubKey as hex.
    pub fn script_hex(&self) -> String {
        hex::encode(self.script.as_bytes())
    }

    /// The testnet address.
    pub fn address(&self) -> String {
        address_of(&self.script)
    }

    /// The compressed public key as hex.
    pub fn pubkey_hex(&self) -> String {
        hex::encode(self.pubkey.serialize())
    }

    /// The scriptSig of input 0: `push(sig) push(pubkey)`, or for p2sh
    /// `OP_0 push(sig) push(1-of-1 multisig redeem script)`.
    pub fn script_sig(&self) -> ScriptBuf {
        let mut s = Vec::new();
        match self.kind {
            Kind::P2pkh => {
                s.extend(push(&dummy_sig()));
                s.extend(push(&self.pubkey.serialize()));
            }
            Kind::P2sh => {
                let mut redeem = vec![0x51, 0x21];
                redeem.extend(self.pubkey.serialize());
                redeem.extend([0x51, 0xae]);
                s.push(0x00);
                s.extend(push(&dummy_sig()));
                s.extend(push(&redeem));
            }
        }
        ScriptBuf::from_bytes(s)
    }

    /// The output input 0 spends: this party's script with [`FUNDING`] satoshis.
    pub fn prevout(&self) -> TxOut {
        TxOut {
            value: Amount::from_sat(FUNDING),
            script_pubkey: self.script.clone(),
        }
    }
}

/// A transaction and the previous output its input 0 spends.
#[derive(Clone, Debug)]
pub struct ChainTx {
    /// The transaction.
    pub tx: Transaction,
    /// Input 0's previous output (the sender), if known.
    pub prevout: Option<TxOut>,
}

impl ChainTx {
    /// Appends an output.
    pub fn with_output(mut self, script: ScriptBuf, sats: u64) -> Self {
        self.tx.output.push(TxOut {
            value: Amount::from_sat(sats),
            script_pubkey: script,
        });
        self
    }

    /// Replaces output `i`.
    pub fn with_output_at(mut self, i: usize, script: ScriptBuf, sats: u64) -> Self {
        self.tx.output[i] = TxOut {
            value: Amount::from_sat(sats),
            script_pubkey: script,
        };
        self
    }

    /// Drops the outputs from index `n` on.
    pub fn truncate_outputs(mut self, n: usize) -> Self {
        self.tx.output.truncate(n);
        self
    }

    /// Replaces input 0's scriptSig.
    pub fn with_script_sig(mut self, script_sig: ScriptBuf) -> Self {
        self.tx.input[0].script_sig = script_sig;
        self
    }

    /// Appends an input with this scriptSig.
    pub fn with_input(mut self, script_sig: ScriptBuf) -> Self {
        self.tx.input.push(TxIn {
            previous_output: OutPoint {
                txid: fresh_txid("extra-input"),
                vout: 0,
            },
            script_sig,
            sequence: Sequence::MAX,
            witness: Witness::new(),
        });
        self
    }

    /// Makes input 0 spend output 0 of the txid spec §12.8 uses:
    /// `sha256("funding:<label>:<block>:<vtxindex>")` in display order.
    pub fn with_funding(mut self, label: &str, block: u64, vtxindex: u32) -> Self {
        let display = hex::encode(sha256(
            format!("funding:{label}:{block}:{vtxindex}").as_bytes(),
        ));
        self.tx.input[0].previous_output.txid = display.parse().expect("txid");
        self
    }

    /// The transaction id as displayed.
    pub fn txid(&self) -> String {
        self.tx.compute_txid().to_string()
    }
}

static FUNDING_COUNTER: AtomicU64 = AtomicU64::new(0);

/// A txid no other funding outpoint of this process uses.
fn fresh_txid(label: &str) -> Txid {
    let n = FUNDING_COUNTER.fetch_add(1, Ordering::Relaxed);
    Txid::from_byte_array(sha256(format!("funding:{label}:{n}").as_bytes()))
}

/// A one-input transaction from `sender` with output 0 = OP_RETURN `data`, then `outputs`.
pub fn op_tx(sender: &Party, data: &[u8], outputs: Vec<(ScriptBuf, u64)>) -> ChainTx {
    let mut output = vec![TxOut {
        value: Amount::ZERO,
        script_pubkey: op_return(data),
    }];
    output.extend(outputs.into_iter().map(|(script, sats)| TxOut {
        value: Amount::from_sat(sats),
        script_pubkey: script,
    }));
    ChainTx {
        tx: Transaction {
            version: Version::ONE,
            lock_time: LockTime::ZERO,
            input: vec![TxIn {
                previous_output: OutPoint {
                    txid: fresh_txid(&sender.label),
                    vout: 0,
                },
                script_sig: sender.script_sig(),
                sequence: Sequence::MAX,
                witness: Witness::new(),
            }],
            output,
        },
        prevout: Some(sender.prevout()),
    }
}

/// Decodes 32 hex characters.
pub fn ch_bytes(ch: &str) -> [u8; 16] {
    hex::decode(ch).expect("hex").try_into().expect("16 bytes")
}

/// Decodes 40 hex characters.
pub fn h20(h: &str) -> [u8; 20] {
    hex::decode(h).expect("hex").try_into().expect("20 bytes")
}

/// The preorder hash of `id` paid by `payer` for `recipient` (spec §2.4).
pub fn preorder_hash_of(id: &str, payer: &Party, recipient: &Party) -> String {
    hash::preorder_hash(id, &payer.script_hex(), &recipient.address()).expect("b40 id")
}

// ---- transaction builders (spec §12.8 layouts) ------------------------------------------

/// NAME_PREORDER of `name` by `payer` for `recipient`: outputs (payer, 10⁸), (`fee_to`, fee).
pub fn name_preorder_tx(
    payer: &Party,
    name: &str,
    recipient: &Party,
    fee: u64,
    fee_to: ScriptBuf,
    consensus_hash: &str,
) -> ChainTx {
    let data = name_preorder::Payload {
        preorder_hash: h20(&preorder_hash_of(name, payer, recipient)),
        consensus_hash: ch_bytes(consensus_hash),
    }
    .encode();
    op_tx(
        payer,
        &data,
        vec![(payer.script.clone(), 100_000_000), (fee_to, fee)],
    )
}

/// NAME_REGISTRATION of `name` sent by `sender` for `owner`: outputs (owner, 5500),
/// (sender, 10⁸).
pub fn name_register_tx(
    sender: &Party,
    name: &str,
    owner: &Party,
    value_hash: Option<[u8; 20]>,
) -> ChainTx {
    let data = name_registration::Payload {
        name: name.to_string(),
        value_hash,
    }
    .encode();
    op_tx(
        sender,
        &data,
        vec![
            (owner.script.clone(), 5500),
            (sender.script.clone(), 100_000_000),
        ],
    )
}

/// NAME_RENEWAL of `name` by `sender`, to `owner`: a registration with output 3 = (`fee_to`, fee).
pub fn name_renew_tx(
    sender: &Party,
    name: &str,
    owner: &Party,
    value_hash: Option<[u8; 20]>,
    fee: u64,
    fee_to: ScriptBuf,
) -> ChainTx {
    name_register_tx(sender, name, owner, value_hash).with_output(fee_to, fee)
}

/// NAME_UPDATE of `name` by `sender` over consensus hash `ch`: output (sender, 10⁸).
pub fn name_update_tx(sender: &Party, name: &str, ch: &str, value_hash: [u8; 20]) -> ChainTx {
    let data = name_update::Payload {
        name_consensus_hash: ch_bytes(&hash::name_consensus_hash(name, ch)),
        value_hash,
    }
    .encode();
    op_tx(sender, &data, vec![(sender.script.clone(), 100_000_000)])
}

/// NAME_TRANSFER of `name` from `sender` to `recipient`: outputs (recipient, 5500),
/// (sender, 10⁸).
pub fn name_transfer_tx(
    sender: &Party,
    name: &str,
    recipient: &Party,
    keep_data: bool,
    ch: &str,
) -> ChainTx {
    let data = name_transfer::Payload {
        keep_data,
        name_hash128: ch_bytes(&hash::name_hash128(name)),
        consensus_hash: ch_bytes(ch),
    }
    .encode();
    op_tx(
        sender,
        &data,
        vec![
            (recipient.script.clone(), 5500),
            (sender.script.clone(), 100_000_000),
        ],
    )
}

/// NAME_REVOKE of `name` by `sender`: output (sender, 10⁸).
pub fn name_revoke_tx(sender: &Party, name: &str) -> ChainTx {
    let data = name_revoke::Payload {
        name: name.to_string(),
    }
    .encode();
    op_tx(sender, &data, vec![(sender.script.clone(), 100_000_000)])
}

/// NAME_IMPORT of `name` by `importer` for `owner`: outputs (owner, 5500),
/// (p2pkh of the value hash, 5500), (importer, 10⁸).
pub fn name_import_tx(
    importer: &Party,
    name: &str,
    owner: &Party,
    value_hash: [u8; 20],
) -> ChainTx {
    let data = name_import::Payload {
        name: name.to_string(),
    }
    .encode();
    op_tx(
        importer,
        &data,
        vec![
            (owner.script.clone(), 5500),
            (p2pkh_script(&value_hash), 5500),
            (importer.script.clone(), 100_000_000),
        ],
    )
}

/// NAMESPACE_PREORDER of `id` by `payer` for `revealer`: outputs (payer, 10⁸), (`fee_to`, fee).
pub fn namespace_preorder_tx(
    payer: &Party,
    id: &str,
    revealer: &Party,
    fee: u64,
    fee_to: ScriptBuf,
    ch: &str,
) -> ChainTx {
    let data = namespace_preorder::Payload {
        preorder_hash: h20(&preorder_hash_of(id, payer, revealer)),
        consensus_hash: ch_bytes(ch),
    }
    .encode();
    op_tx(
        payer,
        &data,
        vec![(payer.script.clone(), 100_000_000), (fee_to, fee)],
    )
}

/// A namespace's reveal parameters.
#[derive(Clone, Debug)]
pub struct NsSpec {
    /// The namespace ID.
    pub id: String,
    /// Name lifetime before the epoch multiplier.
    pub lifetime: u32,
    /// The price function.
    pub price: PriceFunction,
    /// 1 (burn) or 2 (pay to creator).
    pub version: u16,
}

impl NsSpec {
    /// Version 1 with the given price function and lifetime.
    pub fn new(id: &str, price: PriceFunction, lifetime: u32) -> Self {
        Self {
            id: id.to_string(),
            lifetime,
            price,
            version: 1,
        }
    }

    /// The reveal payload.
    pub fn payload(&self) -> namespace_reveal::Payload {
        namespace_reveal::Payload {
            namespace_id: self.id.clone(),
            lifetime: self.lifetime,
            price: self.price,
            version: self.version,
        }
    }
}

/// The price function of the integration tests' `.test` namespace (spec §12.3).
pub fn test_price() -> PriceFunction {
    PriceFunction {
        coeff: 250,
        base: 4,
        buckets: [6, 5, 4, 3, 2, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
        nonalpha_discount: 10,
        no_vowel_discount: 10,
    }
}

/// A flat price function: every name costs the floor (100, or 10 in epoch 3).
pub fn cheap_price() -> PriceFunction {
    PriceFunction {
        coeff: 1,
        base: 1,
        buckets: [0; 16],
        nonalpha_discount: 1,
        no_vowel_discount: 1,
    }
}

/// NAMESPACE_REVEAL of `spec` by `payer`, revealer `revealer`: outputs (revealer, 5500),
/// (payer, 10⁸).
pub fn namespace_reveal_tx(payer: &Party, spec: &NsSpec, revealer: &Party) -> ChainTx {
    op_tx(
        payer,
        &spec.payload().encode(),
        vec![
            (revealer.script.clone(), 5500),
            (payer.script.clone(), 100_000_000),
        ],
    )
}

/// NAMESPACE_READY of `id` by `sender`: output (sender, 10⁸).
pub fn namespace_ready_tx(sender: &Party, id: &str) -> ChainTx {
    let data = namespace_ready::Payload {
        namespace_id: id.to_string(),
    }
    .encode();
    op_tx(sender, &data, vec![(sender.script.clone(), 100_000_000)])
}

// ---- the chain --------------------------------------------------------------------------

/// The rules of spec §12.8: test mode, testnet addresses, first block 110, epoch 3 from 106.
pub fn epoch3_rules() -> Rules {
    rules_with_epochs(104, 105)
}

/// Test-mode rules with first block 110 and the given epoch 1 and 2 end blocks.
pub fn rules_with_epochs(epoch1_end: u64, epoch2_end: u64) -> Rules {
    let mut rules = Rules::test(FIRST_BLOCK, AddressNetwork::Testnet);
    rules.epochs[0].end_block = epoch1_end;
    rules.epochs[1].end_block = epoch2_end;
    rules
}

/// What mining one block did.
#[derive(Clone, Debug)]
pub struct Mined {
    /// The block height.
    pub height: u64,
    /// The processor's outcome (already applied).
    pub outcome: BlockOutcome,
    /// Transactions parsing dropped, by vtxindex.
    pub ignored: Vec<(u32, ParseError)>,
    /// The consensus hash the block would have had with no ops.
    pub empty_hash: String,
}

impl Mined {
    /// Whether the op at `vtxindex` was accepted.
    pub fn accepted(&self, vtxindex: u32) -> bool {
        self.outcome
            .accepted
            .iter()
            .any(|a| a.op.vtxindex == vtxindex)
    }

    /// The consensus record of the op at `vtxindex`.
    pub fn record(&self, vtxindex: u32) -> &ConsensusRecord {
        &self
            .outcome
            .accepted
            .iter()
            .find(|a| a.op.vtxindex == vtxindex)
            .unwrap_or_else(|| panic!("op {vtxindex} not accepted: {:?}", self.summary()))
            .record
    }

    /// Why the op at `vtxindex` was rejected, if it was.
    pub fn rejection(&self, vtxindex: u32) -> Option<&Rejection> {
        self.outcome
            .rejected
            .iter()
            .find(|(op, _)| op.vtxindex == vtxindex)
            .map(|(_, why)| why)
    }

    /// Why the tx at `vtxindex` was ignored by parsing, if it was.
    pub fn ignored(&self, vtxindex: u32) -> Option<&ParseError> {
        self.ignored
            .iter()
            .find(|(i, _)| *i == vtxindex)
            .map(|(_, e)| e)
    }

    /// `vtxindex: ok | rej (why) | ign (why)` for every tx, for assertion messages.
    pub fn summary(&self) -> Vec<String> {
        let mut out: Vec<(u32, String)> = Vec::new();
        out.extend(
            self.outcome
                .accepted
                .iter()
                .map(|a| (a.op.vtxindex, "ok".to_string())),
        );
        out.extend(
            self.outcome
                .rejected
                .iter()
                .map(|(op, why)| (op.vtxindex, format!("rej ({why})"))),
        );
        out.extend(self.ignored.iter().map(|(i, e)| (*i, format!("ign ({e})"))));
        out.sort();
        out.into_iter().map(|(i, s)| format!("{i}: {s}")).collect()
    }

    /// Asserts that every op of the block was accepted.
    pub fn assert_all_accepted(&self) -> &Self {
        assert!(
            self.outcome.rejected.is_empty() && self.ignored.is_empty(),
            "block {}: {:?}",
            self.height,
            self.summary()
        );
        self
    }

    /// Asserts the op at `vtxindex` was accepted.
    pub fn assert_accepted(&self, vtxindex: u32) -> &Self {
        assert!(
            self.accepted(vtxindex),
            "block {} op {vtxindex}: {:?}",
            self.height,
            self.summary()
        );
        self
    }

    /// Asserts the op at `vtxindex` was rejected with a reason containing `why`.
    pub fn assert_rejected(&self, vtxindex: u32, why: &str) -> &Self {
        let reason = self.rejection(vtxindex).unwrap_or_else(|| {
            panic!(
                "block {} op {vtxindex} not rejected: {:?}",
                self.height,
                self.summary()
            )
        });
        assert!(
            reason.to_string().contains(why),
            "block {} op {vtxindex} rejected for {reason:?}, expected {why:?}",
            self.height
        );
        self
    }

    /// The block's consensus records serialized (spec §10.1).
    pub fn serialized(&self) -> Vec<String> {
        self.outcome
            .accepted
            .iter()
            .map(|a| a.record.serialize())
            .collect()
    }
}

/// Everything a rejected op must leave untouched.
#[derive(Clone, Debug, PartialEq)]
pub struct Snapshot {
    names: Vec<NameRecord>,
    namespaces: Vec<NamespaceRecord>,
    preorders: Vec<PreorderRecord>,
    keychains: Vec<(String, Vec<String>)>,
    history: Vec<HistoryEntry>,
}

/// A chain under construction: the state, the rules and the last mined height.
#[derive(Clone, Debug)]
pub struct TestChain {
    /// The state after the last mined block.
    pub state: MemState,
    /// The consensus rules.
    pub rules: Rules,
    /// The last mined height (F − 1 before the first block).
    pub tip: u64,
    known_preorders: BTreeSet<String>,
    known_namespaces: BTreeSet<String>,
    /// The namespace payer of [`TestChain::create_namespace`] (spec §12.8's P).
    pub ns_payer: Party,
    /// The namespace revealer and importer (spec §12.8's V).
    pub revealer: Party,
}

impl TestChain {
    /// An empty chain under `rules`; nothing mined yet.
    pub fn new(rules: Rules) -> Self {
        Self {
            tip: rules.first_block - 1,
            state: MemState::new(),
            rules,
            known_preorders: BTreeSet::new(),
            known_namespaces: BTreeSet::new(),
            ns_payer: Party::p2pkh("bns-2"),
            revealer: Party::p2pkh("bns-3"),
        }
    }

    /// A chain in epoch 3 from its first block (spec §12.8's rules).
    pub fn epoch3() -> Self {
        Self::new(epoch3_rules())
    }

    /// The height the next [`TestChain::mine`] produces.
    pub fn next(&self) -> u64 {
        self.tip + 1
    }

    /// The consensus hash of block `h`, or the genesis hash for the four blocks before F.
    pub fn consensus_hash(&self, h: u64) -> String {
        if h < self.rules.first_block {
            assert!(h + 4 >= self.rules.first_block, "no consensus hash at {h}");
            GENESIS_CONSENSUS_HASH.to_string()
        } else {
            self.state
                .consensus_hash(h)
                .unwrap_or_else(|| panic!("block {h} not mined"))
        }
    }

    /// The consensus hash of the tip: what a payload of the next block normally references.
    pub fn ch(&self) -> String {
        self.consensus_hash(self.tip)
    }

    /// Parses every tx as it would be mined at the next height, vtxindex 1, 2, ….
    fn parse(&self, txs: &[ChainTx]) -> (Vec<ParsedOp>, Vec<(u32, ParseError)>) {
        let indexed: Vec<(u32, ChainTx)> = txs
            .iter()
            .cloned()
            .enumerate()
            .map(|(i, t)| (i as u32 + 1, t))
            .collect();
        self.parse_at(&indexed)
    }

    fn parse_at(&self, txs: &[(u32, ChainTx)]) -> (Vec<ParsedOp>, Vec<(u32, ParseError)>) {
        let mut ops = Vec::new();
        let mut ignored = Vec::new();
        for (vtx, t) in txs {
            match parse_transaction(&t.tx, *vtx, t.prevout.as_ref(), &self.rules, self.next()) {
                Ok(op) => ops.push(op),
                Err(e) => ignored.push((*vtx, e)),
            }
        }
        (ops, ignored)
    }

    /// The consensus hash the next block would have with no ops.
    pub fn empty_block_hash(&self) -> String {
        process_block(&self.state.clone(), &self.rules, self.next(), Vec::new()).consensus_hash
    }

    /// Mines the next block with these txs at vtxindex 1, 2, … and applies it.
    pub fn mine(&mut self, txs: Vec<ChainTx>) -> Mined {
        let indexed = txs
            .into_iter()
            .enumerate()
            .map(|(i, t)| (i as u32 + 1, t))
            .collect();
        self.mine_at(indexed)
    }

    /// Mines the next block with txs at explicit vtxindexes, in the given order.
    pub fn mine_at(&mut self, txs: Vec<(u32, ChainTx)>) -> Mined {
        let (ops, ignored) = self.parse_at(&txs);
        self.mine_ops(ops, ignored)
    }

    /// Mines the next block from already parsed ops.
    pub fn mine_ops(&mut self, ops: Vec<ParsedOp>, ignored: Vec<(u32, ParseError)>) -> Mined {
        for op in &ops {
            match &op.kind {
                OpKind::NamePreorder { preorder_hash, .. }
                | OpKind::NamespacePreorder { preorder_hash, .. } => {
                    self.known_preorders.insert(preorder_hash.clone());
                }
                OpKind::NamespaceReveal { reveal, .. } => {
                    self.known_namespaces.insert(reveal.namespace_id.clone());
                }
                OpKind::NamespaceReady { namespace_id } => {
                    self.known_namespaces.insert(namespace_id.clone());
                }
                _ => {}
            }
        }
        let height = self.next();
        let empty_hash = self.empty_block_hash();
        let outcome = process_block(&self.state, &self.rules, height, ops);
        self.state.apply(outcome.clone());
        self.tip = height;
        Mined {
            height,
            outcome,
            ignored,
            empty_hash,
        }
    }

    /// Parses and processes the next block without applying it.
    pub fn dry_run(&self, txs: Vec<ChainTx>) -> Mined {
        let mut scratch = self.clone();
        scratch.mine(txs)
    }

    /// Mines empty blocks until the tip is `h`.
    pub fn mine_to(&mut self, h: u64) {
        assert!(h >= self.tip, "tip {} is past {h}", self.tip);
        while self.tip < h {
            self.mine(Vec::new());
        }
    }

    /// Mines the next block and asserts all its ops were accepted.
    pub fn mine_ok(&mut self, txs: Vec<ChainTx>) -> Mined {
        let m = self.mine(txs);
        m.assert_all_accepted();
        m
    }

    /// Everything a rejected op must not change.
    pub fn snapshot(&self) -> Snapshot {
        let mut names: Vec<NameRecord> = self.state.names().cloned().collect();
        names.sort_by(|a, b| a.name.cmp(&b.name));
        let mut namespaces: Vec<NamespaceRecord> = self.state.namespaces().cloned().collect();
        namespaces.sort_by(|a, b| a.namespace_id.cmp(&b.namespace_id));
        Snapshot {
            names,
            namespaces,
            preorders: self
                .known_preorders
                .iter()
                .flat_map(|h| self.state.preorders(h))
                .collect(),
            keychains: self
                .known_namespaces
                .iter()
                .filter_map(|id| self.state.keychain(id).map(|k| (id.clone(), k)))
                .collect(),
            history: self.state.history.clone(),
        }
    }

    /// Mines `tx` alone in the next block and asserts it was rejected with a reason containing
    /// `why`, that the block's consensus hash is an empty block's, and that no state changed.
    pub fn mine_rejected(&mut self, tx: ChainTx, why: &str) -> Mined {
        let before = self.snapshot();
        let m = self.mine(vec![tx]);
        m.assert_rejected(1, why);
        assert_no_effect(&m);
        assert_eq!(before, self.snapshot(), "a rejected op changed the state");
        m
    }

    /// Mines `tx` alone in the next block and asserts parsing dropped it, with no effect.
    pub fn mine_ignored(&mut self, tx: ChainTx) -> ParseError {
        let before = self.snapshot();
        let m = self.mine(vec![tx]);
        let err = m
            .ignored(1)
            .unwrap_or_else(|| panic!("tx not ignored: {:?}", m.summary()))
            .clone();
        assert_no_effect(&m);
        assert_eq!(before, self.snapshot(), "an ignored op changed the state");
        err
    }

    /// Mines `tx` alone in the next block and asserts it was accepted.
    pub fn mine_accepted(&mut self, tx: ChainTx) -> Mined {
        let m = self.mine(vec![tx]);
        m.assert_accepted(1);
        assert_ne!(
            m.outcome.consensus_hash, m.empty_hash,
            "an accepted op must change the consensus hash"
        );
        m
    }

    /// A name's current row.
    pub fn name(&self, name: &str) -> NameRecord {
        self.state
            .name(name)
            .map(|r| NameRecord::clone(&r))
            .unwrap_or_else(|| panic!("no row for {name}"))
    }

    /// A namespace's current row.
    pub fn namespace(&self, id: &str) -> NamespaceRecord {
        self.state
            .namespace(id)
            .map(|r| NamespaceRecord::clone(&r))
            .unwrap_or_else(|| panic!("no row for namespace {id}"))
    }

    /// The smallest integer fee that pays for `name` at height `h` in namespace `spec`.
    pub fn name_fee(&self, name: &str, price: &PriceFunction, h: u64) -> u64 {
        let part = name.split('.').next().expect("name part");
        price_name(part, price, &self.rules, h).ceil() as u64
    }

    /// The price of namespace `id` at height `h`, as an integer fee.
    pub fn namespace_fee(&self, id: &str, h: u64) -> u64 {
        price_namespace(id, &self.rules, h).ceil() as u64
    }

    /// NAMESPACE_PREORDER of `spec` by the chain's payer for its revealer, paying the price at
    /// the next block, in its own block.
    pub fn preorder_namespace(&mut self, spec: &NsSpec) -> Mined {
        let fee = self.namespace_fee(&spec.id, self.next());
        let tx = namespace_preorder_tx(
            &self.ns_payer,
            &spec.id,
            &self.revealer,
            fee,
            burn_script(),
            &self.ch(),
        );
        self.mine_ok(vec![tx])
    }

    /// NAMESPACE_REVEAL of `spec` by the chain's payer, in its own block.
    pub fn reveal_namespace(&mut self, spec: &NsSpec) -> Mined {
        let tx = namespace_reveal_tx(&self.ns_payer, spec, &self.revealer);
        self.mine_ok(vec![tx])
    }

    /// NAMESPACE_READY of `id` by the chain's revealer, in its own block.
    pub fn ready_namespace(&mut self, id: &str) -> Mined {
        let tx = namespace_ready_tx(&self.revealer, id);
        self.mine_ok(vec![tx])
    }

    /// Preorders, reveals and readies a namespace in three consecutive blocks.
    pub fn create_namespace(&mut self, spec: &NsSpec) {
        self.preorder_namespace(spec);
        self.reveal_namespace(spec);
        self.ready_namespace(&spec.id);
    }

    /// Creates `.test` with the §12.3 prices and lifetime 52595, version 1.
    pub fn create_test_namespace(&mut self) -> NsSpec {
        let spec = NsSpec::new("test", test_price(), 52595);
        self.create_namespace(&spec);
        spec
    }

    /// The preorder of `name` by `payer` for `owner`, paying the price at the next block to
    /// the burn address.
    pub fn preorder_tx(&self, name: &str, payer: &Party, owner: &Party) -> ChainTx {
        let id = name.rsplit('.').next().expect("namespace");
        let ns = self.namespace(id);
        let fee = self.name_fee(name, &ns.price, self.next());
        name_preorder_tx(payer, name, owner, fee, burn_script(), &self.ch())
    }

    /// Preorders (block N) and registers (block N + 1) `name` for `owner`, paid by `owner`.
    pub fn register(&mut self, name: &str, owner: &Party) {
        self.register_paid_by(name, owner, owner);
    }

    /// Preorders and registers `name` for `owner`, paid and sent by `payer`.
    pub fn register_paid_by(&mut self, name: &str, payer: &Party, owner: &Party) {
        let pre = self.preorder_tx(name, payer, owner);
        self.mine_ok(vec![pre]);
        self.mine_ok(vec![name_register_tx(payer, name, owner, None)]);
    }

    /// Preorders and registers many names for `owner` in two blocks.
    pub fn register_many(&mut self, names: &[String], owner: &Party) {
        let pre: Vec<ChainTx> = names
            .iter()
            .map(|n| self.preorder_tx(n, owner, owner))
            .collect();
        self.mine_ok(pre);
        let reg = names
            .iter()
            .map(|n| name_register_tx(owner, n, owner, None))
            .collect();
        self.mine_ok(reg);
    }

    /// A renewal of `name` by `owner` to itself paying the price at the next block to the burn.
    pub fn renew_tx(&self, name: &str, owner: &Party) -> ChainTx {
        let id = name.rsplit('.').next().expect("namespace");
        let ns = self.namespace(id);
        let fee = self.name_fee(name, &ns.price, self.next());
        name_renew_tx(owner, name, owner, None, fee, burn_script())
    }
}

/// Asserts a block accepted nothing and wrote nothing: its consensus hash is an empty block's.
pub fn assert_no_effect(m: &Mined) {
    assert!(m.outcome.accepted.is_empty(), "{:?}", m.summary());
    assert!(m.outcome.names.is_empty(), "names written");
    assert!(m.outcome.namespaces.is_empty(), "namespaces written");
    assert!(m.outcome.new_preorders.is_empty(), "preorders written");
    assert!(
        m.outcome.consumed_preorders.is_empty(),
        "preorders consumed"
    );
    assert!(m.outcome.history.is_empty(), "history written");
    assert_eq!(
        m.outcome.consensus_hash, m.empty_hash,
        "the block's consensus hash must equal an empty block's"
    );
}

/// Standard parties of spec §12.8.
pub fn alice() -> Party {
    Party::p2pkh("bns-alice")
}

/// Bob.
pub fn bob() -> Party {
    Party::p2pkh("bns-bob")
}

/// Carol.
pub fn carol() -> Party {
    Party::p2pkh("bns-carol")
}

/// The p2sh sender of spec §12.8.
pub fn p2sh_party() -> Party {
    Party::p2sh("bns-p2sh")
}

/// An epoch-3 chain whose `.test` namespace (spec §12.3 prices) is ready.
pub fn chain_with_test_namespace() -> (TestChain, NsSpec) {
    let mut chain = TestChain::epoch3();
    let spec = chain.create_test_namespace();
    (chain, spec)
}

/// An epoch-3 chain whose `.cheap` namespace (every name costs 10) is ready.
pub fn chain_with_cheap_namespace() -> (TestChain, NsSpec) {
    let mut chain = TestChain::epoch3();
    let spec = NsSpec::new("cheap", cheap_price(), 52595);
    chain.create_namespace(&spec);
    (chain, spec)
}

/// `count` distinct names in namespace `ns` with a prefix.
pub fn names(prefix: &str, count: usize, ns: &str) -> Vec<String> {
    (0..count).map(|i| format!("{prefix}{i:02}.{ns}")).collect()
}

/// A chain under the given epoch ends whose `.test` namespace (spec §12.3 prices) is ready.
pub fn chain_in_epochs(epoch1_end: u64, epoch2_end: u64) -> (TestChain, NsSpec) {
    let mut chain = TestChain::new(rules_with_epochs(epoch1_end, epoch2_end));
    let spec = chain.create_test_namespace();
    (chain, spec)
}

/// The record of an accepted name op.
pub fn name_record(rec: &ConsensusRecord) -> &NameRecord {
    match rec {
        ConsensusRecord::NameRegistration(r)
        | ConsensusRecord::NameImport(r)
        | ConsensusRecord::NameUpdate(r)
        | ConsensusRecord::NameTransfer(r)
        | ConsensusRecord::NameRevoke(r) => r,
        other => panic!("not a name record: {other:?}"),
    }
}
