//! Keys, signing and transaction builders for the unit tests.

use bitcoin::hashes::{sha256, Hash};
use bitcoin::script::{Builder, PushBytesBuf};
use bitcoin::secp256k1::{Message, Secp256k1, SecretKey};
use bitcoin::sighash::{EcdsaSighashType, SighashCache};
use bitcoin::transaction::Version;
use bitcoin::{
    absolute, Amount, OutPoint, PublicKey, Script, ScriptBuf, Sequence, Transaction, TxIn, TxOut,
    Txid, Witness,
};

use crate::{DevChain, RejectReason};

/// A test key derived from a seed string.
pub struct Key {
    pub secret: SecretKey,
    pub public: PublicKey,
}

impl Key {
    pub fn compressed(seed: &str) -> Key {
        let secret = SecretKey::from_slice(sha256::Hash::hash(seed.as_bytes()).as_byte_array())
            .expect("a sha256 is a valid key with overwhelming probability");
        let public = PublicKey::new(secret.public_key(&Secp256k1::new()));
        Key { secret, public }
    }

    pub fn uncompressed(seed: &str) -> Key {
        let key = Key::compressed(seed);
        Key {
            secret: key.secret,
            public: PublicKey::new_uncompressed(key.public.inner),
        }
    }

    pub fn p2pkh(&self) -> ScriptBuf {
        ScriptBuf::new_p2pkh(&self.public.pubkey_hash())
    }

    pub fn p2wpkh(&self) -> ScriptBuf {
        ScriptBuf::new_p2wpkh(&self.public.wpubkey_hash().expect("compressed"))
    }

    /// DER signature plus SIGHASH_ALL over the legacy digest.
    pub fn sign_legacy(&self, tx: &Transaction, index: usize, script_code: &Script) -> Vec<u8> {
        let digest = SighashCache::new(tx)
            .legacy_signature_hash(index, script_code, EcdsaSighashType::All.to_u32())
            .expect("input exists");
        self.sign_digest(digest.to_byte_array())
    }

    /// DER signature plus SIGHASH_ALL over the BIP143 digest.
    pub fn sign_segwit(
        &self,
        tx: &Transaction,
        index: usize,
        script_code: &Script,
        value: Amount,
    ) -> Vec<u8> {
        let digest = SighashCache::new(tx)
            .p2wsh_signature_hash(index, script_code, value, EcdsaSighashType::All)
            .expect("input exists");
        self.sign_digest(digest.to_byte_array())
    }

    fn sign_digest(&self, digest: [u8; 32]) -> Vec<u8> {
        let sig = Secp256k1::new().sign_ecdsa(&Message::from_digest(digest), &self.secret);
        let mut bytes = sig.serialize_der().to_vec();
        bytes.push(EcdsaSighashType::All.to_u32() as u8);
        bytes
    }
}

pub fn push(data: &[u8]) -> PushBytesBuf {
    PushBytesBuf::try_from(data.to_vec()).expect("push fits")
}

pub fn pay(sats: u64, script: ScriptBuf) -> TxOut {
    TxOut {
        value: Amount::from_sat(sats),
        script_pubkey: script,
    }
}

pub fn op_return(data: &[u8]) -> TxOut {
    let script = Builder::new()
        .push_opcode(bitcoin::opcodes::all::OP_RETURN)
        .push_slice(push(data))
        .into_script();
    TxOut {
        value: Amount::ZERO,
        script_pubkey: script,
    }
}

pub fn unsigned(inputs: &[OutPoint], outputs: Vec<TxOut>) -> Transaction {
    Transaction {
        version: Version::ONE,
        lock_time: absolute::LockTime::ZERO,
        input: inputs
            .iter()
            .map(|op| TxIn {
                previous_output: *op,
                script_sig: ScriptBuf::new(),
                sequence: Sequence::MAX,
                witness: Witness::new(),
            })
            .collect(),
        output: outputs,
    }
}

/// Signs input `index`, which spends `key`'s P2PKH output.
pub fn sign_p2pkh(tx: &mut Transaction, index: usize, key: &Key) {
    let sig = key.sign_legacy(tx, index, &key.p2pkh());
    tx.input[index].script_sig = Builder::new()
        .push_slice(push(&sig))
        .push_key(&key.public)
        .into_script();
}

/// A chain with one confirmed `sats` output paying `key`'s P2PKH script.
pub fn funded(key: &Key, sats: u64) -> (DevChain, OutPoint) {
    let chain = DevChain::in_memory();
    let outpoint = chain
        .fund(&key.p2pkh(), Amount::from_sat(sats))
        .expect("fund");
    (chain, outpoint)
}

/// A signed spend of `from` (worth `input_sats`, paying `key`) to `outputs`.
pub fn spend(from: OutPoint, key: &Key, outputs: Vec<TxOut>) -> Transaction {
    let mut tx = unsigned(&[from], outputs);
    sign_p2pkh(&mut tx, 0, key);
    tx
}

/// Asserts `tx` is refused with `message` (a prefix of bitcoind's reason) and
/// that neither the mempool nor the chain changed, even after mining.
pub fn assert_refused(
    chain: &DevChain,
    tx: &Transaction,
    code: i32,
    message: &str,
) -> RejectReason {
    let before_mempool: Vec<Txid> = chain
        .mempool()
        .iter()
        .map(Transaction::compute_txid)
        .collect();
    let before_tip = chain.tip();
    let reason = chain
        .submit_tx(tx)
        .expect_err("transaction must be refused");
    assert_eq!(reason.rpc_code(), code, "{reason:?}");
    assert!(
        reason.rpc_message().starts_with(message),
        "expected {message:?}, got {:?} ({reason:?})",
        reason.rpc_message()
    );
    let txid = tx.compute_txid();
    let after_mempool: Vec<Txid> = chain
        .mempool()
        .iter()
        .map(Transaction::compute_txid)
        .collect();
    assert_eq!(before_mempool, after_mempool, "mempool changed");
    assert_eq!(before_tip, chain.tip(), "chain changed");
    assert!(chain.transaction(&txid).is_none());
    let block = chain
        .mine_blocks(1, &ScriptBuf::new_op_return(push(&[])))
        .expect("mine");
    let mined = chain.block_by_hash(&block[0]).expect("block");
    assert!(
        mined.block.txdata.iter().all(|t| t.compute_txid() != txid),
        "refused tx was mined"
    );
    reason
}
