//! `blockstack-core decode` on real transactions and on bad input.

use std::path::PathBuf;
use std::process::Command;

fn fixture(txid: &str) -> (String, String) {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/real-txs.tsv");
    let text = std::fs::read_to_string(path).expect("fixture file");
    let line = text
        .lines()
        .find(|l| l.starts_with(txid))
        .expect("fixture present");
    let cols: Vec<&str> = line.split('\t').collect();
    (cols[2].to_string(), cols[1].to_string())
}

fn decode(args: &[&str]) -> (bool, serde_json::Value, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_blockstack-core"))
        .arg("decode")
        .args(args)
        .output()
        .expect("run");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let json = serde_json::from_str(&stdout).unwrap_or(serde_json::Value::Null);
    (
        out.status.success(),
        json,
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn decodes_the_real_name_update_with_its_sender() {
    let (raw, script) = fixture("185c112401590b11acdfea6bb26d2a8e37cb31f24a0c89dbb8cc14b3d6271fb1");
    let p = format!("{script}:100000");
    let (ok, json, _) = decode(&[
        &raw,
        "--network",
        "testnet",
        "--prevout",
        &p,
        "--prevout",
        &p,
        "--prevout",
        &p,
    ]);
    assert!(ok);
    assert_eq!(json["opcode"], "NAME_UPDATE");
    assert_eq!(
        json["name_consensus_hash"],
        "fae543ff5672fb607fe15e16b1c3ef38"
    );
    assert_eq!(
        json["value_hash"],
        "737c631c7c5d911c6617993c21fba731363f1cfe"
    );
    assert_eq!(
        json["sender"]["address"],
        "mkkJsS22dnDJhD8duFkpGnHNr9uz3JEcWu"
    );
    assert!(json["sender_pubkey"]
        .as_str()
        .is_some_and(|k| k.starts_with("040fadbb")));
}

#[test]
fn decodes_the_real_name_revoke_without_prevouts() {
    let (raw, _) = fixture("eb2e84a45cf411e528185a98cd5fb45ed349843a83d39fd4dff2de47adad8c8f");
    let (ok, json, _) = decode(&[&raw]);
    assert!(ok);
    assert_eq!(
        json["txid"],
        "eb2e84a45cf411e528185a98cd5fb45ed349843a83d39fd4dff2de47adad8c8f"
    );
    assert_eq!(json["opcode"], "NAME_REVOKE");
    assert_eq!(json["name"], "patrickstanley2.id");
    assert!(json.get("sender").is_none());
}

#[test]
fn bad_input_is_a_one_line_error_and_exit_1() {
    for (args, needle) in [
        (vec!["zz"], "not hex"),
        (vec!["0100"], "not a Bitcoin transaction"),
    ] {
        let (ok, _, stderr) = decode(&args);
        assert!(!ok);
        assert!(stderr.contains(needle), "{stderr}");
        assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
    }
    // A transaction without a BNS payload.
    let coinbase_like = "01000000010000000000000000000000000000000000000000000000000000000000000000ffffffff0100ffffffff0100f2052a010000001976a914000000000000000000000000000000000000000088ac00000000";
    let (ok, _, stderr) = decode(&[coinbase_like]);
    assert!(!ok);
    assert!(stderr.contains("not a valid BNS operation"), "{stderr}");
}
