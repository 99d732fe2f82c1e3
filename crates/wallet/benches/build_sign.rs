//! Build-and-sign throughput: 10,000 NAME_REGISTRATION-shaped transactions
//! from one wallet, against two baselines measured in the same run:
//! computing 10,000 legacy sighashes of the same transaction shape, and
//! serializing 10,000 signed transactions.
//!
//! Run with `cargo bench -p blockstack-wallet`. After divan's table the
//! bench prints tx/s and the ratios to the baselines.

use std::hint::black_box;
use std::time::Instant;

use bitcoin::hashes::Hash;
use bitcoin::sighash::SighashCache;
use bitcoin::{Amount, FeeRate, NetworkKind, OutPoint, Txid};
use blockstack_wallet::{
    BuildRequest, ChainParams, Funds, KeyInfo, Keyring, Operation, SighashMode, Signer, SingleKey,
    TransactionBuilder, UnsignedTx, Utxo, WalletKeys,
};
use divan::counter::ItemsCount;
use divan::Bencher;

const N: usize = 10_000;

/// One wallet: the payment key pays, the owner key receives the name.
struct Fixture {
    keys: WalletKeys,
    builder: TransactionBuilder,
    signer: Signer,
}

impl Fixture {
    fn new(payment: KeyInfo, mode: SighashMode) -> Self {
        let mut keys = WalletKeys::generate(NetworkKind::Test);
        keys.payment = payment;
        let params = ChainParams {
            sighash: mode,
            ..ChainParams::bitcoin_testnet()
        };
        Self {
            keys,
            builder: TransactionBuilder::new(params),
            signer: Signer::new(mode),
        }
    }

    fn request(&self, i: usize) -> BuildRequest {
        let mut txid = [0u8; 32];
        txid[..8].copy_from_slice(&(i as u64).to_le_bytes());
        let mut payload = b"id:".to_vec();
        payload.extend_from_slice(format!("name{i:05}.test").as_bytes());
        BuildRequest {
            operation: Operation::NameRegistration {
                owner_script: self.keys.owner.script_pubkey(),
            },
            payload,
            sender: Funds {
                spender: self.keys.payment.spender(),
                utxos: vec![Utxo {
                    outpoint: OutPoint {
                        txid: Txid::from_byte_array(txid),
                        vout: 1,
                    },
                    value: Amount::from_sat(5_000_000),
                }],
            },
            payer: None,
            fee_rate: FeeRate::from_sat_per_vb_u32(10),
        }
    }

    fn build_and_sign_all(&self, requests: &[BuildRequest]) -> usize {
        let keyring = Keyring::new(self.signer.secp(), &[&self.keys.payment]);
        let mut signed_inputs = 0;
        for request in requests {
            let unsigned = self.builder.build(request).expect("funded request builds");
            let signed = self.signer.sign_with(&unsigned, &keyring).expect("signs");
            signed_inputs += signed.transaction().input.len();
            black_box(signed);
        }
        signed_inputs
    }

    fn unsigned_sample(&self) -> UnsignedTx {
        self.builder.build(&self.request(0)).expect("builds")
    }
}

fn single_key() -> KeyInfo {
    KeyInfo::Single(SingleKey::generate(NetworkKind::Test))
}

fn requests(fixture: &Fixture) -> Vec<BuildRequest> {
    (0..N).map(|i| fixture.request(i)).collect()
}

/// 10,000 legacy sighashes over the registration shape: the floor any
/// legacy signer pays before any ECDSA work.
fn legacy_sighashes(unsigned: &UnsignedTx) {
    let tx = unsigned.transaction();
    let script = &unsigned.inputs()[0].prevout.script_pubkey;
    for _ in 0..N {
        let cache = SighashCache::new(black_box(tx));
        black_box(
            cache
                .legacy_signature_hash(0, script, 1)
                .expect("input 0 exists"),
        );
    }
}

#[divan::bench(sample_count = 5, sample_size = 1)]
fn build_sign_p2pkh_legacy(bencher: Bencher<'_, '_>) {
    let fixture = Fixture::new(single_key(), SighashMode::Legacy);
    let requests = requests(&fixture);
    bencher
        .counter(ItemsCount::new(N))
        .bench_local(|| fixture.build_and_sign_all(&requests));
}

#[divan::bench(sample_count = 5, sample_size = 1)]
fn build_sign_p2pkh_forkid(bencher: Bencher<'_, '_>) {
    let fixture = Fixture::new(single_key(), SighashMode::ForkIdBip143 { fork_id: 0 });
    let requests = requests(&fixture);
    bencher
        .counter(ItemsCount::new(N))
        .bench_local(|| fixture.build_and_sign_all(&requests));
}

#[divan::bench(sample_count = 5, sample_size = 1)]
fn build_sign_2of3_multisig_legacy(bencher: Bencher<'_, '_>) {
    let payment = WalletKeys::generate(NetworkKind::Test).payment;
    let fixture = Fixture::new(payment, SighashMode::Legacy);
    let requests = requests(&fixture);
    bencher
        .counter(ItemsCount::new(N))
        .bench_local(|| fixture.build_and_sign_all(&requests));
}

#[divan::bench(sample_count = 5, sample_size = 1)]
fn baseline_legacy_sighashes(bencher: Bencher<'_, '_>) {
    let fixture = Fixture::new(single_key(), SighashMode::Legacy);
    let unsigned = fixture.unsigned_sample();
    bencher
        .counter(ItemsCount::new(N))
        .bench_local(|| legacy_sighashes(&unsigned));
}

#[divan::bench(sample_count = 5, sample_size = 1)]
fn baseline_serialize(bencher: Bencher<'_, '_>) {
    let fixture = Fixture::new(single_key(), SighashMode::Legacy);
    let keyring = Keyring::new(fixture.signer.secp(), &[&fixture.keys.payment]);
    let signed = fixture
        .signer
        .sign_with(&fixture.unsigned_sample(), &keyring)
        .expect("signs");
    let tx = signed.into_transaction();
    bencher.counter(ItemsCount::new(N)).bench_local(|| {
        (0..N)
            .map(|_| bitcoin::consensus::serialize(black_box(&tx)).len())
            .sum::<usize>()
    });
}

/// Seconds for one run of `f`, best of three.
fn best_of_three(mut f: impl FnMut()) -> f64 {
    (0..3)
        .map(|_| {
            let start = Instant::now();
            f();
            start.elapsed().as_secs_f64()
        })
        .fold(f64::INFINITY, f64::min)
}

fn main() {
    divan::main();
    // `cargo bench` passes `--bench`; without it (`cargo test --benches`)
    // divan runs each bench once as a smoke test, and the summary is skipped.
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }

    // A plain summary with ratios, measured in this same process.
    let fixture = Fixture::new(single_key(), SighashMode::Legacy);
    let reqs = requests(&fixture);
    let build_sign = best_of_three(|| {
        black_box(fixture.build_and_sign_all(&reqs));
    });
    let multisig = Fixture::new(
        WalletKeys::generate(NetworkKind::Test).payment,
        SighashMode::Legacy,
    );
    let multisig_reqs = requests(&multisig);
    let build_sign_multisig = best_of_three(|| {
        black_box(multisig.build_and_sign_all(&multisig_reqs));
    });
    let unsigned = fixture.unsigned_sample();
    let sighash = best_of_three(|| legacy_sighashes(&unsigned));
    let n = N as f64;
    println!();
    println!("{N} NAME_REGISTRATION transactions, single thread:");
    println!(
        "  build + sign, P2PKH payer:        {:>9.0} tx/s ({:.2} s)",
        n / build_sign,
        build_sign
    );
    println!(
        "  build + sign, 2-of-3 P2SH payer:  {:>9.0} tx/s ({:.2} s)",
        n / build_sign_multisig,
        build_sign_multisig
    );
    println!(
        "  baseline, legacy sighash only:    {:>9.0} /s",
        n / sighash
    );
    println!(
        "  ratio build+sign / sighash time:  {:.1}x (P2PKH), {:.1}x (2-of-3)",
        build_sign / sighash,
        build_sign_multisig / sighash
    );
}
