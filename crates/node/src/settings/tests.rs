//! Precedence, parsing and writer round trips for [`Settings`].

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use super::*;

fn env(pairs: &[(&str, &str)]) -> HashMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

/// A working directory holding `ini` as its config file.
fn workdir(ini: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join(CONFIG_FILE_NAME), ini).expect("write ini");
    dir
}

fn cli_for(dir: &Path) -> SettingsLayer {
    SettingsLayer {
        working_dir: Some(dir.to_path_buf()),
        ..SettingsLayer::default()
    }
}

const SAMPLE: &str = "\
[bitcoind]
server = ini-host
port = 1111
user = ini-user
passwd = ini-pass
timeout = 30

[blockstack]
rpc_port = 7000
atlas_seeds = a.example:6264, b.example:6265
announcers = muneeb.id
";

#[test]
fn defaults_apply_without_any_source() {
    let dir = tempfile::tempdir().expect("tempdir");
    let s = Settings::load(cli_for(dir.path()), &env(&[])).expect("defaults are valid");
    assert_eq!(s.network, Network::Mainnet);
    assert_eq!(s.config_file, dir.path().join("blockstack-server.ini"));
    assert_eq!(s.bitcoind.server, "bitcoin.blockstack.com");
    assert_eq!((s.bitcoind.port, s.bitcoind.p2p_port), (8332, 8333));
    assert_eq!(
        (s.bitcoind.user.as_str(), s.bitcoind.passwd.as_str()),
        ("blockstack", "blockstacksystem")
    );
    assert_eq!(s.bitcoind.timeout.as_secs(), 300);
    assert!(!s.bitcoind.regtest);
    let b = &s.blockstack;
    assert_eq!((b.rpc_port, b.atlas_port), (6264, 6264));
    assert_eq!((b.backup_frequency, b.backup_max_age), (144, 1008));
    assert!(b.atlas);
    assert_eq!(
        b.atlas_seeds,
        vec![HostPort {
            host: "node.blockstack.org".into(),
            port: 6264
        }]
    );
    assert!(b.atlas_blacklist.is_empty() && b.atlas_hostname.is_none());
    assert_eq!(b.zonefiles, dir.path().join("zonefiles"));
    assert_eq!(b.atlasdb_path, dir.path().join("atlas.db"));
    assert_eq!(b.subdomaindb_path, dir.path().join("subdomains.db"));
    assert_eq!(b.announcers, vec!["judecn.id", "muneeb.id", "shea256.id"]);
    assert_eq!(s.params, NetworkParams::profile(Network::Mainnet));
}

#[test]
fn the_ini_file_overrides_defaults() {
    let dir = workdir(SAMPLE);
    let s = Settings::load(cli_for(dir.path()), &env(&[])).expect("valid");
    assert_eq!(
        (s.bitcoind.server.as_str(), s.bitcoind.port),
        ("ini-host", 1111)
    );
    assert_eq!(
        s.bitcoind.p2p_port, 8333,
        "missing keys keep their defaults"
    );
    assert_eq!(s.bitcoind.timeout.as_secs(), 30);
    assert_eq!(s.blockstack.rpc_port, 7000);
    assert_eq!(s.blockstack.atlas_port, 7000, "atlas_port follows rpc_port");
    assert_eq!(s.blockstack.atlas_seeds.len(), 2);
    assert_eq!(s.blockstack.announcers, vec!["muneeb.id"]);
    assert_eq!(s.bitcoind.rpc_url(), "http://ini-host:1111/");
}

#[test]
fn env_overrides_the_ini_file_and_cli_overrides_env() {
    let dir = workdir(SAMPLE);
    let vars = env(&[
        ("BLOCKSTACK_BITCOIND_SERVER", "env-host"),
        ("BLOCKSTACK_BITCOIND_PORT", "2222"),
        ("BLOCKSTACK_BITCOIND_PASSWD", "env-pass"),
        ("BLOCKSTACK_RPC_PORT", "7001"),
        ("BLOCKSTACK_ATLAS", "off"),
    ]);
    let s = Settings::load(cli_for(dir.path()), &vars).expect("valid");
    assert_eq!(
        (s.bitcoind.server.as_str(), s.bitcoind.port),
        ("env-host", 2222)
    );
    assert_eq!(s.bitcoind.user, "ini-user", "untouched by env");
    assert_eq!(s.bitcoind.passwd, "env-pass");
    assert_eq!(s.blockstack.rpc_port, 7001);
    assert!(!s.blockstack.atlas);

    let cli = SettingsLayer {
        bitcoind_port: Some(3333),
        rpc_port: Some(7002),
        ..cli_for(dir.path())
    };
    let s = Settings::load(cli, &vars).expect("valid");
    assert_eq!(s.bitcoind.port, 3333);
    assert_eq!(s.bitcoind.server, "env-host");
    assert_eq!(s.blockstack.rpc_port, 7002);
}

#[test]
fn the_config_path_comes_from_cli_or_blockstack_server_config() {
    let dir = workdir(SAMPLE);
    let elsewhere = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join(CONFIG_FILE_NAME);
    let vars = env(&[("BLOCKSTACK_SERVER_CONFIG", path.to_str().expect("utf-8"))]);
    let s = Settings::load(cli_for(elsewhere.path()), &vars).expect("valid");
    assert_eq!(s.bitcoind.server, "ini-host");
    assert_eq!(s.config_file, path);
    // Data files sit next to the config file, as in v0.18.
    assert_eq!(s.blockstack.atlasdb_path, dir.path().join("atlas.db"));

    let missing = SettingsLayer {
        config_file: Some(elsewhere.path().join("nope.ini")),
        ..SettingsLayer::default()
    };
    assert!(matches!(
        Settings::load(missing, &env(&[])),
        Err(SettingsError::Io { .. })
    ));
}

#[test]
fn regtest_can_be_chosen_by_the_original_regtest_key() {
    let dir = workdir("[bitcoind]\nregtest = True\n");
    let s = Settings::load(cli_for(dir.path()), &env(&[])).expect("valid");
    assert_eq!(s.network, Network::Regtest);
    assert!(s.params.test_mode);
    assert_eq!(s.blockstack.rpc_port, 16264);
    assert_eq!(
        (
            s.bitcoind.server.as_str(),
            s.bitcoind.port,
            s.bitcoind.p2p_port
        ),
        ("localhost", 18332, 18444)
    );
    assert_eq!(
        (s.blockstack.backup_frequency, s.blockstack.backup_max_age),
        (1, 30)
    );
    assert!(s.blockstack.atlas_seeds.is_empty());
    assert_eq!(s.blockstack.atlas_hostname.as_deref(), Some("localhost"));
}

#[test]
fn test_mode_from_env_moves_the_rpc_port() {
    let dir = tempfile::tempdir().expect("tempdir");
    let s = Settings::load(cli_for(dir.path()), &env(&[("BLOCKSTACK_TEST", "1")])).expect("valid");
    assert!(s.params.test_mode);
    assert_eq!(s.blockstack.rpc_port, 16264);
    assert_eq!(
        s.blockstack.atlas_seeds,
        vec![HostPort {
            host: "node.blockstack.org".into(),
            port: 16264
        }]
    );
}

#[test]
fn the_network_and_regtest_flag_must_agree() {
    let dir = workdir("[bitcoind]\nregtest = False\n[blockstack]\nnetwork = regtest\n");
    let err = Settings::load(cli_for(dir.path()), &env(&[])).expect_err("conflict");
    assert!(matches!(err, SettingsError::Conflict(_)), "{err}");
}

#[test]
fn bad_values_name_their_key() {
    let cases = [
        ("[bitcoind]\nport = eighty\n", "[bitcoind] port"),
        ("[bitcoind]\nport = 0\n", "[bitcoind] port"),
        ("[bitcoind]\np2p_port = 70000\n", "[bitcoind] p2p_port"),
        ("[bitcoind]\ntimeout = -1\n", "[bitcoind] timeout"),
        ("[bitcoind]\nregtest = perhaps\n", "[bitcoind] regtest"),
        ("[blockstack]\nrpc_port = x\n", "[blockstack] rpc_port"),
        ("[blockstack]\natlas = sometimes\n", "[blockstack] atlas"),
        (
            "[blockstack]\natlas_seeds = nohostport\n",
            "[blockstack] atlas_seeds",
        ),
        (
            "[blockstack]\natlas_blacklist = h:0\n",
            "[blockstack] atlas_blacklist",
        ),
        (
            "[blockstack]\nannouncers = Muneeb.id\n",
            "[blockstack] announcers",
        ),
        (
            "[blockstack]\nbackup_frequency = often\n",
            "[blockstack] backup_frequency",
        ),
        ("[blockstack]\nnetwork = signet\n", "[blockstack] network"),
        ("[blockstack]\nzonefiles = 50%\n", "[blockstack] zonefiles"),
    ];
    for (ini, key) in cases {
        let dir = workdir(ini);
        let err = Settings::load(cli_for(dir.path()), &env(&[])).expect_err(ini);
        assert!(err.to_string().contains(key), "{ini}: {err}");
    }
    let dir = tempfile::tempdir().expect("tempdir");
    for (var, value) in [
        ("BLOCKSTACK_BITCOIND_PORT", "x"),
        ("BLOCKSTACK_RPC_PORT", "99999"),
        ("BLOCKSTACK_ATLAS", "maybe"),
        ("BLOCKSTACK_NETWORK", "moon"),
    ] {
        let err = Settings::load(cli_for(dir.path()), &env(&[(var, value)])).expect_err(var);
        assert!(err.to_string().contains(var), "{err}");
    }
}

#[test]
fn cross_field_rules_are_checked_after_merging() {
    let dir = workdir("[blockstack]\nbackup_frequency = 100\nbackup_max_age = 10\n");
    assert!(matches!(
        Settings::load(cli_for(dir.path()), &env(&[])),
        Err(SettingsError::Conflict(_))
    ));
    // The env fixes what the file got wrong: validation sees the merged values.
    let vars = env(&[("BLOCKSTACK_BACKUP_MAX_AGE", "1000")]);
    assert!(Settings::load(cli_for(dir.path()), &vars).is_ok());
}

#[test]
fn atlas_accepts_the_originals_words() {
    for (word, expected) in [
        ("True", true),
        ("enabled", true),
        ("on", true),
        ("1", true),
        ("False", false),
        ("0", false),
    ] {
        let dir = workdir(&format!("[blockstack]\natlas = {word}\n"));
        assert_eq!(
            Settings::load(cli_for(dir.path()), &env(&[]))
                .expect(word)
                .blockstack
                .atlas,
            expected,
            "{word}"
        );
    }
}

fn write_and_load(network: Network, url: &str) -> (tempfile::TempDir, String, Settings) {
    let dir = tempfile::tempdir().expect("tempdir");
    let text = render_config(network, url, dir.path()).expect("renderable");
    std::fs::write(dir.path().join(CONFIG_FILE_NAME), &text).expect("write");
    let settings = Settings::load(cli_for(dir.path()), &env(&[])).expect("what we write loads");
    (dir, text, settings)
}

#[test]
fn written_configs_load_back_to_the_same_settings() {
    for network in [Network::Mainnet, Network::Testnet, Network::Regtest] {
        let (dir, text, s) = write_and_load(network, "http://alice:s3cret@10.0.0.5:18443/");
        assert_eq!(s.network, network, "{text}");
        assert_eq!(
            (s.bitcoind.server.as_str(), s.bitcoind.port),
            ("10.0.0.5", 18443)
        );
        assert_eq!(
            (s.bitcoind.user.as_str(), s.bitcoind.passwd.as_str()),
            ("alice", "s3cret")
        );
        assert_eq!(s.bitcoind.regtest, network == Network::Regtest);
        assert_eq!(s.blockstack.server_version.as_deref(), Some(SERVER_VERSION));
        assert_eq!(s.blockstack.zonefiles, dir.path().join("zonefiles"));

        // Loading the written file gives what resolving the same inputs gives.
        let expected = Settings::resolve(
            SettingsLayer {
                network: Some(network),
                working_dir: Some(dir.path().to_path_buf()),
                config_file: Some(dir.path().join(CONFIG_FILE_NAME)),
                bitcoind_server: Some("10.0.0.5".into()),
                bitcoind_port: Some(18443),
                bitcoind_user: Some("alice".into()),
                bitcoind_passwd: Some("s3cret".into()),
                server_version: Some(SERVER_VERSION.into()),
                ..SettingsLayer::default()
            },
            &env(&[]),
        )
        .expect("valid");
        assert_eq!(s, expected, "{text}");
        assert!(
            text.contains("[bitcoind]\n") && text.contains("[blockstack]\n"),
            "{text}"
        );
    }
}

#[test]
fn written_passwords_survive_percent_and_comment_characters() {
    let (_dir, text, s) = write_and_load(
        Network::Regtest,
        "http://bob:p%25ss%23w;rd@localhost:18332/",
    );
    assert_eq!(s.bitcoind.passwd, "p%ss#w;rd", "{text}");
    assert!(text.contains("passwd = p%%ss#w;rd"), "{text}");
}

#[test]
fn a_url_without_port_takes_the_networks_default() {
    let (_dir, _text, s) = write_and_load(Network::Testnet, "http://u:p@node.local");
    assert_eq!(s.bitcoind.port, 18332);
}

#[test]
fn bad_bitcoind_urls_are_refused_without_echoing_the_password() {
    let dir = tempfile::tempdir().expect("tempdir");
    for url in [
        "https://u:topsecret@h:1/",
        "http://h:1/",
        "http://u:topsecret@h:1/path",
        "not a url",
        "http://u:topsecret%ff@h:1/",
    ] {
        let err = render_config(Network::Mainnet, url, dir.path()).expect_err(url);
        let message = err.to_string();
        assert!(
            message.contains("--bitcoind-url") && !message.contains("topsecret"),
            "{message}"
        );
    }
    let err =
        render_config(Network::Mainnet, "http://u:a%20;b@h:1/", dir.path()).expect_err("comment");
    assert!(
        err.to_string().contains("passwd") && !err.to_string().contains("a ;b"),
        "{err}"
    );
}

#[test]
fn host_ports_parse_strictly() {
    assert_eq!(
        "h.example:6264".parse::<HostPort>(),
        Ok(HostPort {
            host: "h.example".into(),
            port: 6264
        })
    );
    for bad in ["h", ":1", "h:", "h:0", "h:65536", "a b:1", "h:x"] {
        assert!(bad.parse::<HostPort>().is_err(), "{bad}");
    }
}

#[test]
fn home_relative_paths_expand() {
    let home = std::env::var_os("HOME").map(PathBuf::from);
    let dir = workdir("[bitcoind]\nspv_path = ~/headers.dat\n");
    let s = Settings::load(cli_for(dir.path()), &env(&[])).expect("valid");
    match home {
        Some(home) => assert_eq!(s.bitcoind.spv_path, home.join("headers.dat")),
        None => assert_eq!(s.bitcoind.spv_path, PathBuf::from("~/headers.dat")),
    }
}

#[test]
fn fast_sync_keys_default_to_the_original_and_parse_from_the_ini_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let s = Settings::load(cli_for(dir.path()), &env(&[])).expect("defaults");
    assert_eq!(s.blockstack.fast_sync_url, FAST_SYNC_DEFAULT_URL);
    assert_eq!(
        s.blockstack.fast_sync_public_keys,
        vec![FAST_SYNC_PUBLIC_KEYS]
    );
    assert!(s.blockstack.fast_sync_checkpoints.is_empty());
    let key = format!("03{}", "AB".repeat(32));
    let dir = workdir(&format!(
        "[blockstack]\nfast_sync_url = http://example.com/s.bsk\nfast_sync_public_keys = {key}, {FAST_SYNC_PUBLIC_KEYS}\nfast_sync_checkpoints = 10:{}, 20 : {}\n",
        "0a".repeat(16),
        "0B".repeat(16)
    ));
    let s = Settings::load(cli_for(dir.path()), &env(&[])).expect("valid");
    assert_eq!(s.blockstack.fast_sync_url, "http://example.com/s.bsk");
    assert_eq!(
        s.blockstack.fast_sync_public_keys,
        vec![key.to_ascii_lowercase(), FAST_SYNC_PUBLIC_KEYS.to_owned()]
    );
    assert_eq!(
        s.blockstack.fast_sync_checkpoints,
        vec![(10, "0a".repeat(16)), (20, "0b".repeat(16))]
    );
}

#[test]
fn bad_fast_sync_keys_and_checkpoints_name_their_key() {
    for (ini, key) in [
        (
            "[blockstack]\nfast_sync_public_keys = 02abcd\n",
            "[blockstack] fast_sync_public_keys",
        ),
        (
            "[blockstack]\nfast_sync_checkpoints = 10\n",
            "[blockstack] fast_sync_checkpoints",
        ),
        (
            "[blockstack]\nfast_sync_checkpoints = x:00000000000000000000000000000000\n",
            "[blockstack] fast_sync_checkpoints",
        ),
        (
            "[blockstack]\nfast_sync_checkpoints = 5:0000\n",
            "[blockstack] fast_sync_checkpoints",
        ),
    ] {
        let dir = workdir(ini);
        let err = Settings::load(cli_for(dir.path()), &env(&[])).expect_err(ini);
        assert!(err.to_string().contains(key), "{ini}: {err}");
    }
}
