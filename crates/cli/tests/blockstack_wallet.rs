//! `blockstack setup` and the wallet file through the CLI: a new wallet, a wrong password, a
//! truncated file, loose permissions, concurrent writers, and a v0.18 wallet migrated; none
//! of the failures changes a byte on disk.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

const PASSWORD: &str = "correct horse battery";

fn blockstack(config: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_blockstack"))
        .arg("-c")
        .arg(config)
        .args(args)
        .env_remove("BLOCKSTACK_WALLET_PASSWORD")
        .env_remove("BLOCKSTACK_CLIENT_WALLET_PASSWORD")
        .env_remove("BLOCKSTACK_CLIENT_CONFIG")
        .env_remove("BLOCKSTACK_DRY_RUN")
        .stdin(std::process::Stdio::null())
        .output()
        .expect("run blockstack")
}

fn ok(out: &Output) -> Value {
    assert!(
        out.status.success(),
        "failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("JSON on stdout")
}

fn error(out: &Output) -> String {
    assert!(!out.status.success(), "unexpected success");
    assert!(out.stdout.is_empty(), "errors go to stderr");
    let v: Value = serde_json::from_slice(&out.stderr).expect("JSON error on stderr");
    v["error"].as_str().expect("error text").to_owned()
}

fn setup(dir: &Path) -> PathBuf {
    let config = dir.join("client.ini");
    ok(&blockstack(
        &config,
        &["configure", "--network", "testnet", "--server", "127.0.0.1"],
    ));
    let out = ok(&blockstack(&config, &["-p", PASSWORD, "setup"]));
    assert_eq!(out["status"], true);
    assert_eq!(out["wallet_created"], true);
    config
}

fn mode(path: &Path) -> u32 {
    fs::metadata(path).expect("stat").permissions().mode() & 0o777
}

#[test]
fn setup_writes_a_private_wallet_that_opens_with_its_password_only() {
    let dir = tempfile::tempdir().expect("tempdir");
    let config = setup(dir.path());
    let wallet = dir.path().join("wallet.json");
    assert_eq!(mode(&wallet), 0o600);
    assert_eq!(mode(&config), 0o600);

    let keys = ok(&blockstack(&config, &["-p", PASSWORD, "wallet"]));
    let deposit = ok(&blockstack(&config, &["deposit"]));
    assert_eq!(deposit["address"], keys["payment_address"]);
    assert!(keys["payment_address"]
        .as_str()
        .is_some_and(|a| a.starts_with('2')));
    let import = ok(&blockstack(&config, &["import"]));
    assert_eq!(import["address"], keys["owner_address"]);

    // The password also comes from the environment, for scripts.
    let out = Command::new(env!("CARGO_BIN_EXE_blockstack"))
        .arg("-c")
        .arg(&config)
        .arg("wallet")
        .env("BLOCKSTACK_WALLET_PASSWORD", PASSWORD)
        .stdin(std::process::Stdio::null())
        .output()
        .expect("run");
    assert_eq!(ok(&out)["owner_address"], keys["owner_address"]);

    // A second setup keeps the wallet.
    let before = fs::read(&wallet).expect("read");
    let again = ok(&blockstack(&config, &["-p", "another password", "setup"]));
    assert_eq!(again["status"], true);
    assert_eq!(fs::read(&wallet).expect("read"), before);
}

#[test]
fn a_wrong_password_is_a_clear_error_and_changes_nothing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let config = setup(dir.path());
    let wallet = dir.path().join("wallet.json");
    let before = fs::read(&wallet).expect("read");
    let err = error(&blockstack(&config, &["-p", "not the password", "wallet"]));
    assert!(err.contains("wrong password"), "{err}");
    assert_eq!(fs::read(&wallet).expect("read"), before);
    // With no password anywhere and no terminal, the CLI says how to give one.
    let err = error(&blockstack(&config, &["wallet"]));
    assert!(err.contains("BLOCKSTACK_WALLET_PASSWORD"), "{err}");
}

#[test]
fn a_short_password_is_refused_and_no_wallet_is_written() {
    let dir = tempfile::tempdir().expect("tempdir");
    let config = dir.path().join("client.ini");
    let err = error(&blockstack(&config, &["-p", "short", "setup"]));
    assert!(err.contains("at least 8"), "{err}");
    assert!(!dir.path().join("wallet.json").exists());
}

#[test]
fn a_truncated_wallet_is_reported_as_corrupt() {
    let dir = tempfile::tempdir().expect("tempdir");
    let config = setup(dir.path());
    let wallet = dir.path().join("wallet.json");
    let bytes = fs::read(&wallet).expect("read");
    fs::write(&wallet, &bytes[..bytes.len() / 2]).expect("truncate");
    let err = error(&blockstack(&config, &["-p", PASSWORD, "wallet"]));
    assert!(err.contains("corrupt"), "{err}");
    let err = error(&blockstack(&config, &["deposit"]));
    assert!(err.contains("corrupt"), "{err}");
    // setup does not paper over a damaged wallet by writing a new one.
    let err = error(&blockstack(&config, &["-p", PASSWORD, "setup"]));
    assert!(err.contains("corrupt"), "{err}");
    assert_eq!(fs::read(&wallet).expect("read"), &bytes[..bytes.len() / 2]);
}

#[test]
fn a_wallet_readable_by_others_is_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    let config = setup(dir.path());
    let wallet = dir.path().join("wallet.json");
    fs::set_permissions(&wallet, fs::Permissions::from_mode(0o644)).expect("chmod");
    let err = error(&blockstack(&config, &["-p", PASSWORD, "wallet"]));
    assert!(err.contains("chmod 600"), "{err}");
    assert_eq!(
        mode(&wallet),
        0o644,
        "the CLI does not change the mode itself"
    );
}

#[test]
fn concurrent_setups_create_exactly_one_intact_wallet() {
    let dir = tempfile::tempdir().expect("tempdir");
    let config = dir.path().join("client.ini");
    ok(&blockstack(&config, &["configure", "--network", "testnet"]));
    let children: Vec<_> = (0..4)
        .map(|i| {
            Command::new(env!("CARGO_BIN_EXE_blockstack"))
                .arg("-c")
                .arg(&config)
                .args(["-p", &format!("password number {i}"), "setup"])
                .env_remove("BLOCKSTACK_WALLET_PASSWORD")
                .stdin(std::process::Stdio::null())
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .expect("spawn")
        })
        .collect();
    let outputs: Vec<Output> = children
        .into_iter()
        .map(|c| c.wait_with_output().expect("wait"))
        .collect();
    let creators: Vec<usize> = outputs
        .iter()
        .enumerate()
        .filter(|(_, o)| {
            o.status.success()
                && serde_json::from_slice::<Value>(&o.stdout)
                    .map(|v| v["wallet_created"] == true)
                    .unwrap_or(false)
        })
        .map(|(i, _)| i)
        .collect();
    assert_eq!(creators.len(), 1, "exactly one setup creates the wallet");
    for (i, o) in outputs.iter().enumerate() {
        if i != creators[0] && !o.status.success() {
            let err = String::from_utf8_lossy(&o.stderr);
            assert!(err.contains("already exists"), "{err}");
        }
    }
    let password = format!("password number {}", creators[0]);
    ok(&blockstack(&config, &["-p", &password, "wallet"]));
    for i in (0..4).filter(|i| *i != creators[0]) {
        let err = error(&blockstack(
            &config,
            &["-p", &format!("password number {i}"), "wallet"],
        ));
        assert!(err.contains("wrong password"), "{err}");
    }
    let leftovers: Vec<_> = fs::read_dir(dir.path())
        .expect("ls")
        .filter_map(Result::ok)
        .filter(|e| e.file_name().to_string_lossy().contains(".tmp."))
        .collect();
    assert!(leftovers.is_empty(), "no temporary files are left behind");
}

#[test]
fn a_v018_wallet_is_migrated_by_setup_with_a_backup() {
    let dir = tempfile::tempdir().expect("tempdir");
    let config = dir.path().join("client.ini");
    ok(&blockstack(&config, &["configure", "--network", "testnet"]));
    let wallet = dir.path().join("wallet.json");
    let legacy = include_bytes!("../../wallet/tests/data/legacy-wallet-v0.18.json");
    fs::write(&wallet, legacy).expect("write");
    fs::set_permissions(&wallet, fs::Permissions::from_mode(0o600)).expect("chmod");

    let err = error(&blockstack(&config, &["deposit"]));
    assert!(err.contains("legacy"), "{err}");
    let err = error(&blockstack(&config, &["-p", "wrong password!", "setup"]));
    assert!(err.contains("migrating"), "{err}");
    assert_eq!(fs::read(&wallet).expect("read"), legacy.to_vec());

    let out = ok(&blockstack(&config, &["-p", "0123456789abcdef", "setup"]));
    let backup = out["backup_wallet"].as_str().expect("backup path");
    assert_eq!(fs::read(backup).expect("backup"), legacy.to_vec());
    let deposit = ok(&blockstack(&config, &["deposit"]));
    assert_eq!(deposit["address"], "2NCDGM85hodjRXC2YcYstPHAiCnKVracnEi");
    let keys = ok(&blockstack(&config, &["-p", "0123456789abcdef", "wallet"]));
    assert_eq!(keys["owner_address"], "mgP1nBhgEWuNztHXaKm63g1ddYykrQVytD");
}

#[test]
fn configure_takes_every_value_as_an_option() {
    let dir = tempfile::tempdir().expect("tempdir");
    let config = dir.path().join("sub").join("client.ini");
    let out = ok(&blockstack(
        &config,
        &[
            "configure",
            "--server",
            "10.1.2.3",
            "--server-port",
            "16264",
            "--bitcoind-server",
            "127.0.0.1",
            "--bitcoind-port",
            "18443",
            "--bitcoind-user",
            "u",
            "--bitcoind-password",
            "p%ss",
            "--network",
            "testnet",
            "--sighash",
            "forkid",
            "--api-port",
            "16268",
            "--set-api-password",
            "secret-api",
        ],
    ));
    assert_eq!(out["path"], config.display().to_string());
    let text = fs::read_to_string(&config).expect("read");
    for expected in [
        "server = 10.1.2.3",
        "port = 16264",
        "api_endpoint_port = 16268",
        "api_password = secret-api",
        "rpc_password = p%%ss",
        "sighash = forkid",
        "network = testnet",
        "utxo_provider = bitcoind_utxo",
    ] {
        assert!(text.contains(expected), "{expected} missing from\n{text}");
    }
    // A bad value is refused and the file stays as it was.
    let err = error(&blockstack(&config, &["configure", "--network", "moon"]));
    assert!(err.contains("moon"), "{err}");
    assert_eq!(fs::read_to_string(&config).expect("read"), text);
}
