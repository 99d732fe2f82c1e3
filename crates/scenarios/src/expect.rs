//! Declarative expectations about the node's state, as the original's `check()` functions
//! asserted them: name records (owner, zone-file hash, revocation, expiry, history fields),
//! namespace records, outstanding preorders, names owned by an address and names in a
//! namespace. Each is checked through the node RPC (preorders, which no RPC method lists,
//! through a read-only handle on the name database) and reports its first differing field.

use blockstack_consensus::hash::preorder_hash;
use blockstack_consensus::price::PriceFunction;
use serde_json::Value as Json;

use crate::error::{Failure, Outcome};
use crate::wallets::Wallet;
use crate::world::World;

/// An expectation about a name record.
#[derive(Clone, Debug, Default)]
pub struct NameExpect {
    name: String,
    present: Option<bool>,
    owner: Option<Wallet>,
    value_hash: Option<Option<String>>,
    revoked: Option<bool>,
    expired: Option<bool>,
    first_registered: Option<u64>,
    last_renewed: Option<u64>,
    block_number: Option<u64>,
    expire_block: Option<i64>,
    renewal_deadline: Option<i64>,
    opcode: Option<String>,
    importer: Option<Wallet>,
    consensus_hash: Option<Option<String>>,
}

/// Expectations about the name `fqn`'s record.
pub fn name(fqn: &str) -> NameExpect {
    NameExpect {
        name: fqn.to_owned(),
        ..NameExpect::default()
    }
}

impl NameExpect {
    /// The node has no record of it at all.
    pub fn absent(mut self) -> Self {
        self.present = Some(false);
        self
    }

    /// Owned by `wallet` (address and owner script).
    pub fn owner(mut self, wallet: &Wallet) -> Self {
        self.owner = Some(wallet.clone());
        self
    }

    /// With this zone-file hash (`None`: no hash).
    pub fn value_hash(mut self, hash: Option<[u8; 20]>) -> Self {
        self.value_hash = Some(hash.map(hex::encode));
        self
    }

    /// Revoked or not.
    pub fn revoked(mut self, revoked: bool) -> Self {
        self.revoked = Some(revoked);
        self
    }

    /// Expired at the node's last block or not.
    pub fn expired(mut self, expired: bool) -> Self {
        self.expired = Some(expired);
        self
    }

    /// Created (registered or imported) in this incarnation at block `height`.
    pub fn first_registered(mut self, height: u64) -> Self {
        self.first_registered = Some(height);
        self
    }

    /// Last registered or renewed at block `height`.
    pub fn last_renewed(mut self, height: u64) -> Self {
        self.last_renewed = Some(height);
        self
    }

    /// First preordered (or imported) at block `height`, whatever happened since.
    pub fn block_number(mut self, height: u64) -> Self {
        self.block_number = Some(height);
        self
    }

    /// Expiring at block `height` (`-1`: never).
    pub fn expire_block(mut self, height: i64) -> Self {
        self.expire_block = Some(height);
        self
    }

    /// Renewable until block `height` (`-1`: forever).
    pub fn renewal_deadline(mut self, height: i64) -> Self {
        self.renewal_deadline = Some(height);
        self
    }

    /// Last changed by this operation (`NAME_UPDATE`, `NAME_TRANSFER`, …).
    pub fn opcode(mut self, opcode: &str) -> Self {
        self.opcode = Some(opcode.to_owned());
        self
    }

    /// Imported by `wallet`.
    pub fn importer(mut self, wallet: &Wallet) -> Self {
        self.importer = Some(wallet.clone());
        self
    }

    /// With this consensus hash recorded (`None`: none).
    pub fn consensus_hash(mut self, hash: Option<&str>) -> Self {
        self.consensus_hash = Some(hash.map(str::to_owned));
        self
    }
}

/// An expectation about a namespace record.
#[derive(Clone, Debug, Default)]
pub struct NamespaceExpect {
    id: String,
    state: Option<NsState>,
    lifetime: Option<u64>,
    version: Option<u64>,
    revealer: Option<Wallet>,
    creator: Option<Wallet>,
    reveal_block: Option<u64>,
    ready_block: Option<u64>,
    price: Option<PriceFunction>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum NsState {
    Absent,
    Revealed,
    Ready,
}

/// Expectations about the namespace `id`.
pub fn namespace(id: &str) -> NamespaceExpect {
    NamespaceExpect {
        id: id.to_owned(),
        ..NamespaceExpect::default()
    }
}

impl NamespaceExpect {
    /// Neither revealed (within its reveal window) nor ready.
    pub fn absent(mut self) -> Self {
        self.state = Some(NsState::Absent);
        self
    }

    /// Revealed and not ready.
    pub fn revealed(mut self) -> Self {
        self.state = Some(NsState::Revealed);
        self
    }

    /// Ready.
    pub fn ready(mut self) -> Self {
        self.state = Some(NsState::Ready);
        self
    }

    /// With this name lifetime (before the epoch multiplier).
    pub fn lifetime(mut self, lifetime: u64) -> Self {
        self.lifetime = Some(lifetime);
        self
    }

    /// With this version (1: fees burned, 2: fees to the creator).
    pub fn version(mut self, version: u64) -> Self {
        self.version = Some(version);
        self
    }

    /// Revealed to `wallet` (the importer key).
    pub fn revealer(mut self, wallet: &Wallet) -> Self {
        self.revealer = Some(wallet.clone());
        self
    }

    /// Preordered and paid by `wallet`.
    pub fn creator(mut self, wallet: &Wallet) -> Self {
        self.creator = Some(wallet.clone());
        self
    }

    /// Revealed at block `height`.
    pub fn reveal_block(mut self, height: u64) -> Self {
        self.reveal_block = Some(height);
        self
    }

    /// Readied at block `height`.
    pub fn ready_block(mut self, height: u64) -> Self {
        self.ready_block = Some(height);
        self
    }

    /// With this price function.
    pub fn price(mut self, price: PriceFunction) -> Self {
        self.price = Some(price);
        self
    }
}

/// Any expectation.
#[derive(Clone, Debug)]
pub enum Expect {
    /// About a name record.
    Name(NameExpect),
    /// About a namespace record.
    Namespace(NamespaceExpect),
    /// An outstanding preorder of `id` by `payer` for `owner` exists or not.
    Preorder {
        /// A name or a namespace ID.
        id: String,
        /// Its payer.
        payer: Wallet,
        /// The owner (or revealer) it commits to.
        owner: Wallet,
        /// Whether it must exist.
        present: bool,
    },
    /// `get_names_owned_by_address` of `wallet` lists exactly these names (in any order).
    Owns {
        /// The owner.
        wallet: Wallet,
        /// The names.
        names: Vec<String>,
    },
    /// `get_names_in_namespace` and `get_num_names_in_namespace` list exactly these names.
    NamesIn {
        /// The namespace.
        id: String,
        /// The names, sorted.
        names: Vec<String>,
    },
}

impl From<NameExpect> for Expect {
    fn from(e: NameExpect) -> Self {
        Expect::Name(e)
    }
}

impl From<NamespaceExpect> for Expect {
    fn from(e: NamespaceExpect) -> Self {
        Expect::Namespace(e)
    }
}

/// The preorder of `id` by `payer` for `owner` is outstanding.
pub fn preorder(id: &str, payer: &Wallet, owner: &Wallet) -> Expect {
    Expect::Preorder {
        id: id.to_owned(),
        payer: payer.clone(),
        owner: owner.clone(),
        present: true,
    }
}

/// The preorder of `id` by `payer` for `owner` is not (or no longer) outstanding.
pub fn no_preorder(id: &str, payer: &Wallet, owner: &Wallet) -> Expect {
    Expect::Preorder {
        id: id.to_owned(),
        payer: payer.clone(),
        owner: owner.clone(),
        present: false,
    }
}

/// `wallet` owns exactly `names`.
pub fn owns(wallet: &Wallet, names: &[&str]) -> Expect {
    Expect::Owns {
        wallet: wallet.clone(),
        names: names.iter().map(|n| (*n).to_owned()).collect(),
    }
}

/// The namespace `id` holds exactly `names` (unexpired, revoked included).
pub fn names_in(id: &str, names: &[&str]) -> Expect {
    let mut names: Vec<String> = names.iter().map(|n| (*n).to_owned()).collect();
    names.sort();
    Expect::NamesIn {
        id: id.to_owned(),
        names,
    }
}

fn render(v: &Json) -> String {
    match v {
        Json::Null => "null".into(),
        Json::String(s) => s.clone(),
        other => other.to_string(),
    }
}

struct Compare<'a> {
    height: u64,
    subject: &'a str,
    record: &'a Json,
}

impl Compare<'_> {
    fn field(&self, key: &str, expected: Json) -> Outcome {
        let got = self.record.get(key).cloned().unwrap_or(Json::Null);
        let same = match (&expected, &got) {
            (Json::Number(a), Json::Number(b)) => a.as_f64() == b.as_f64(),
            (a, b) => a == b,
        };
        if same {
            Ok(())
        } else {
            Err(Failure::mismatch(
                self.height,
                format!("{} {key}", self.subject),
                render(&expected),
                render(&got),
            ))
        }
    }
}

impl World {
    /// Checks `expect` against the node.
    pub async fn check(&self, expect: &Expect) -> Outcome {
        match expect {
            Expect::Name(e) => self.check_name(e).await,
            Expect::Namespace(e) => self.check_namespace(e).await,
            Expect::Preorder {
                id,
                payer,
                owner,
                present,
            } => self.check_preorder(id, payer, owner, *present).await,
            Expect::Owns { wallet, names } => self.check_owns(wallet, names).await,
            Expect::NamesIn { id, names } => self.check_names_in(id, names).await,
        }
    }

    fn step_failure(&self, step: &str, e: impl std::fmt::Display) -> Failure {
        Failure::step(self.height(), step, e)
    }

    async fn check_name(&self, e: &NameExpect) -> Outcome {
        let record = self
            .node()
            .name_blockchain_record(&e.name)
            .await
            .map_err(|err| {
                self.step_failure(&format!("get_name_blockchain_record {}", e.name), err)
            })?;
        let height = self.height();
        let Some(record) = record else {
            return match e.present {
                Some(false) => Ok(()),
                _ => Err(Failure::mismatch(height, &e.name, "a name record", "none")),
            };
        };
        if e.present == Some(false) {
            return Err(Failure::mismatch(
                height,
                &e.name,
                "no name record",
                format!("owner {}", render(&record["address"])),
            ));
        }
        let c = Compare {
            height,
            subject: &e.name,
            record: &record,
        };
        if let Some(owner) = &e.owner {
            c.field("address", Json::from(owner.address()))?;
            c.field("sender", Json::from(owner.script_hex()))?;
        }
        if let Some(hash) = &e.value_hash {
            c.field("value_hash", hash.clone().map_or(Json::Null, Json::from))?;
        }
        if let Some(revoked) = e.revoked {
            c.field("revoked", Json::from(revoked))?;
        }
        if let Some(expired) = e.expired {
            c.field("expired", Json::from(expired))?;
        }
        if let Some(h) = e.first_registered {
            c.field("first_registered", Json::from(h))?;
        }
        if let Some(h) = e.last_renewed {
            c.field("last_renewed", Json::from(h))?;
        }
        if let Some(h) = e.block_number {
            c.field("block_number", Json::from(h))?;
        }
        if let Some(h) = e.expire_block {
            c.field("expire_block", Json::from(h))?;
        }
        if let Some(h) = e.renewal_deadline {
            c.field("renewal_deadline", Json::from(h))?;
        }
        if let Some(op) = &e.opcode {
            c.field("opcode", Json::from(op.as_str()))?;
        }
        if let Some(importer) = &e.importer {
            c.field("importer_address", Json::from(importer.address()))?;
        }
        if let Some(hash) = &e.consensus_hash {
            c.field(
                "consensus_hash",
                hash.clone().map_or(Json::Null, Json::from),
            )?;
        }
        Ok(())
    }

    async fn check_namespace(&self, e: &NamespaceExpect) -> Outcome {
        let record = self.node().namespace_record(&e.id).await.map_err(|err| {
            self.step_failure(&format!("get_namespace_blockchain_record {}", e.id), err)
        })?;
        let height = self.height();
        let subject = format!("namespace {}", e.id);
        let record = match (record, e.state) {
            (None, Some(NsState::Absent)) => return Ok(()),
            (None, _) => {
                return Err(Failure::mismatch(
                    height,
                    subject,
                    "a namespace record",
                    "none",
                ))
            }
            (Some(r), Some(NsState::Absent)) => {
                return Err(Failure::mismatch(
                    height,
                    subject,
                    "no namespace record",
                    if r.ready {
                        "a ready namespace"
                    } else {
                        "a revealed namespace"
                    },
                ))
            }
            (Some(r), _) => r,
        };
        let raw = &record.raw;
        let c = Compare {
            height,
            subject: &subject,
            record: raw,
        };
        match e.state {
            Some(NsState::Ready) => c.field("ready", Json::from(true))?,
            Some(NsState::Revealed) => c.field("ready", Json::from(false))?,
            _ => {}
        }
        if let Some(lifetime) = e.lifetime {
            c.field("lifetime", Json::from(lifetime))?;
        }
        if let Some(version) = e.version {
            c.field("version", Json::from(version))?;
        }
        if let Some(revealer) = &e.revealer {
            c.field("recipient_address", Json::from(revealer.address()))?;
        }
        if let Some(creator) = &e.creator {
            c.field("address", Json::from(creator.address()))?;
        }
        if let Some(h) = e.reveal_block {
            c.field("reveal_block", Json::from(h))?;
        }
        if let Some(h) = e.ready_block {
            c.field("ready_block", Json::from(h))?;
        }
        if let Some(price) = &e.price {
            c.field("coeff", Json::from(price.coeff))?;
            c.field("base", Json::from(price.base))?;
            c.field("nonalpha_discount", Json::from(price.nonalpha_discount))?;
            c.field("no_vowel_discount", Json::from(price.no_vowel_discount))?;
            let buckets: Vec<u8> = price.buckets.to_vec();
            let got = &raw["buckets"];
            let matches = match got {
                Json::Array(items) => items
                    .iter()
                    .map(|v| v.as_u64())
                    .eq(buckets.iter().map(|b| Some(u64::from(*b)))),
                Json::String(text) => {
                    let wanted: Vec<String> = buckets.iter().map(u8::to_string).collect();
                    *text == format!("[{}]", wanted.join(", "))
                }
                _ => false,
            };
            if !matches {
                return Err(Failure::mismatch(
                    height,
                    format!("{subject} buckets"),
                    format!("{buckets:?}"),
                    render(got),
                ));
            }
        }
        Ok(())
    }

    async fn check_preorder(
        &self,
        id: &str,
        payer: &Wallet,
        owner: &Wallet,
        present: bool,
    ) -> Outcome {
        let height = self.height();
        let hash = preorder_hash(id, &payer.script_hex(), owner.address()).ok_or_else(|| {
            Failure::step(height, "preorder hash", format!("{id} is not base-40"))
        })?;
        let dir = self.node_dir().await;
        let db = blockstack_namedb::ReadOnlyNameDb::open(dir.join(blockstack_cli::daemon::DB_FILE))
            .map_err(|e| self.step_failure("opening the name database", e))?;
        let rows = db
            .snapshot(self.rules())
            .and_then(|s| s.preorder_rows())
            .map_err(|e| self.step_failure("reading preorders", e))?;
        let found = rows.iter().any(|r| r.preorder_hash == hash);
        if found == present {
            Ok(())
        } else {
            Err(Failure::mismatch(
                height,
                format!(
                    "preorder of {id} by {} for {}",
                    payer.label(),
                    owner.label()
                ),
                if present { "outstanding" } else { "none" },
                if found { "outstanding" } else { "none" },
            ))
        }
    }

    async fn check_owns(&self, wallet: &Wallet, names: &[String]) -> Outcome {
        let mut got = self
            .node()
            .names_owned_by_address(wallet.address())
            .await
            .map_err(|e| self.step_failure("get_names_owned_by_address", e))?;
        got.sort();
        let mut want = names.to_vec();
        want.sort();
        if got == want {
            Ok(())
        } else {
            Err(Failure::mismatch(
                self.height(),
                format!("names owned by {}", wallet.label()),
                format!("{want:?}"),
                format!("{got:?}"),
            ))
        }
    }

    async fn check_names_in(&self, id: &str, names: &[String]) -> Outcome {
        let node = self.node();
        let got = node
            .names_in_namespace(id, 0, 100)
            .await
            .map_err(|e| self.step_failure("get_names_in_namespace", e))?;
        if got != names {
            return Err(Failure::mismatch(
                self.height(),
                format!("names in {id}"),
                format!("{names:?}"),
                format!("{got:?}"),
            ));
        }
        let count = node
            .num_names_in_namespace(id)
            .await
            .map_err(|e| self.step_failure("get_num_names_in_namespace", e))?;
        if count != names.len() as u64 {
            return Err(Failure::mismatch(
                self.height(),
                format!("number of names in {id}"),
                names.len(),
                count,
            ));
        }
        Ok(())
    }
}
