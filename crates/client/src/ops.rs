//! The operations: gather what a transaction needs through the
//! [`WalletBackend`] and the [`NodeClient`] (consensus hash from `getinfo`,
//! prices from `get_name_cost` / `get_namespace_cost`, the fee destination
//! from the namespace record, UTXOs, fee rate), run the [`safety`] checks,
//! [`compose`](crate::compose) and broadcast — or, in a dry run, return the
//! signed transaction unsent.
//!
//! Nothing is broadcast unless every check passed, so a refused operation
//! spends nothing and changes no state.

use std::str::FromStr;

use bitcoin::consensus::encode::serialize_hex;
use bitcoin::{Address, Amount, FeeRate, Network, NetworkKind, ScriptBuf, Transaction, Txid};
use blockstack_consensus::name::{is_name_valid, is_namespace_valid, namespace_of};
use blockstack_consensus::op::namespace_reveal::VERSION_PAY_TO_CREATOR;
use blockstack_consensus::rules::BLOCKS_PER_YEAR;
use blockstack_wallet::size::{estimate_size, fee_for_size};
use blockstack_wallet::{BuildError, KeyInfo, Utxo};

use crate::backend::{balance, BackendError, UtxoInfo, WalletBackend};
use crate::compose::{burn_script, ComposeError, Composed, Composer, Funding, RevealParams};
use crate::node::{NameRecord, NamespaceRecord, NodeClient, NodeError};
use crate::safety::{self, SafetyError};

/// Why an operation was not sent.
#[derive(Debug, thiserror::Error)]
pub enum OpsError {
    /// A pre-flight check failed.
    #[error(transparent)]
    Safety(#[from] SafetyError),
    /// The node could not answer.
    #[error(transparent)]
    Node(#[from] NodeError),
    /// bitcoind could not answer or refused the transaction.
    #[error(transparent)]
    Backend(#[from] BackendError),
    /// The transaction could not be built or signed.
    #[error(transparent)]
    Compose(#[from] ComposeError),
    /// An address that does not parse or belongs to another network.
    #[error("invalid address {address:?}: {reason}")]
    Address {
        /// The address given.
        address: String,
        /// What is wrong with it.
        reason: String,
    },
}

/// A transaction that passed every check.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Sent {
    /// Its txid.
    pub txid: Txid,
    /// The signed transaction.
    pub tx: Transaction,
    /// The miner fee it pays.
    pub fee: Amount,
    /// Whether it was broadcast (false in a dry run).
    pub broadcast: bool,
}

impl Sent {
    /// The transaction as hex.
    pub fn tx_hex(&self) -> String {
        serialize_hex(&self.tx)
    }
}

/// Parses `address` for `network` and returns its output script.
pub fn address_script(address: &str, network: NetworkKind) -> Result<ScriptBuf, OpsError> {
    let bad = |reason: String| OpsError::Address {
        address: address.to_owned(),
        reason,
    };
    let parsed = Address::from_str(address.trim()).map_err(|e| bad(e.to_string()))?;
    let chain = match network {
        NetworkKind::Main => Network::Bitcoin,
        NetworkKind::Test => Network::Testnet,
    };
    if !parsed.is_valid_for_network(chain) {
        return Err(bad(format!("not a {} address", network_name(network))));
    }
    let script = parsed.assume_checked().script_pubkey();
    if !(script.is_p2pkh() || script.is_p2sh()) {
        return Err(bad("only P2PKH and P2SH addresses can own names".into()));
    }
    Ok(script)
}

fn network_name(network: NetworkKind) -> &'static str {
    match network {
        NetworkKind::Main => "mainnet",
        NetworkKind::Test => "testnet",
    }
}

fn wallet_utxos(utxos: &[UtxoInfo]) -> Vec<Utxo> {
    utxos.iter().map(UtxoInfo::to_wallet_utxo).collect()
}

/// The client: a backend, a node and a composer, with the caller's policy.
#[derive(Debug)]
pub struct Client<B> {
    /// The chain backend.
    pub backend: B,
    /// The core node.
    pub node: NodeClient,
    /// The composer for the configured chain.
    pub composer: Composer,
    /// Confirmations a payment UTXO needs.
    pub min_confs: u32,
    /// Sign but do not broadcast.
    pub dry_run: bool,
}

impl<B: WalletBackend> Client<B> {
    /// A client that broadcasts, spending UTXOs with `min_confs` confirmations.
    pub fn new(backend: B, node: NodeClient, composer: Composer, min_confs: u32) -> Self {
        Self {
            backend,
            node,
            composer,
            min_confs,
            dry_run: false,
        }
    }

    fn network(&self) -> NetworkKind {
        self.composer.params().network
    }

    /// The address of `key` on this chain.
    pub fn address(&self, key: &KeyInfo) -> String {
        key.address(self.network()).to_string()
    }

    /// The output script of `address`, checked for this chain.
    pub fn script_of(&self, address: &str) -> Result<ScriptBuf, OpsError> {
        address_script(address, self.network())
    }

    /// The spendable UTXOs of `key` (at least `min_confs` confirmations).
    pub async fn spendable(&self, key: &KeyInfo) -> Result<Vec<UtxoInfo>, OpsError> {
        let address = key.address(self.network());
        Ok(self.backend.utxos(&address, self.min_confs).await?)
    }

    /// The balance of `key` counting UTXOs with at least `min_confs`
    /// confirmations.
    pub async fn balance(&self, key: &KeyInfo, min_confs: u32) -> Result<Amount, OpsError> {
        let address = key.address(self.network());
        Ok(balance(&self.backend.utxos(&address, min_confs).await?))
    }

    async fn check_usable(&self, key: &KeyInfo) -> Result<Vec<UtxoInfo>, OpsError> {
        let address = key.address(self.network());
        let all = self.backend.utxos(&address, 0).await?;
        safety::address_usable(&address.to_string(), &all, self.min_confs)?;
        Ok(all
            .into_iter()
            .filter(|u| u.confirmations >= self.min_confs)
            .collect())
    }

    async fn send(&self, composed: Composed) -> Result<Sent, OpsError> {
        let txid = composed.tx.compute_txid();
        if !self.dry_run {
            let sent = self.backend.broadcast(&composed.tx).await?;
            if sent != txid {
                return Err(BackendError::Other(format!(
                    "broadcast {txid}, bitcoind reports {sent}"
                ))
                .into());
            }
        }
        Ok(Sent {
            txid,
            tx: composed.tx,
            fee: composed.fee,
            broadcast: !self.dry_run,
        })
    }

    /// Maps a shortfall of the builder to the original's balance message.
    fn funds(&self, payer: &KeyInfo, e: ComposeError) -> OpsError {
        match e {
            ComposeError::Build(BuildError::InsufficientFunds {
                needed, available, ..
            }) => SafetyError::InsufficientBalance {
                address: self.address(payer),
                need: needed.to_sat(),
                have: available.to_sat(),
            }
            .into(),
            ComposeError::Build(BuildError::NoUtxos { .. }) => SafetyError::InsufficientBalance {
                address: self.address(payer),
                need: 1,
                have: 0,
            }
            .into(),
            other => other.into(),
        }
    }

    async fn fee_rate(&self) -> Result<FeeRate, OpsError> {
        Ok(self.backend.fee_rate().await?)
    }

    async fn name(&self, name: &str) -> Result<Option<NameRecord>, OpsError> {
        if !is_name_valid(name) {
            return Err(SafetyError::InvalidName(name.to_owned()).into());
        }
        Ok(self.node.name_record(name).await?)
    }

    async fn namespace(&self, id: &str) -> Result<Option<NamespaceRecord>, OpsError> {
        if !is_namespace_valid(id) {
            return Err(SafetyError::InvalidNamespace(id.to_owned()).into());
        }
        Ok(self.node.namespace_record(id).await?)
    }

    /// Where a name's fee goes (`get_namespace_burn_address`): the namespace
    /// creator for pay-to-creator namespaces within a year of their reveal,
    /// else the burn address. The year is epoch 3's receive-fees period.
    pub fn fee_destination(
        &self,
        namespace: &NamespaceRecord,
        next_block: u64,
    ) -> Result<ScriptBuf, OpsError> {
        if namespace.version & VERSION_PAY_TO_CREATOR != 0
            && namespace.reveal_block + BLOCKS_PER_YEAR >= next_block
        {
            self.script_of(&namespace.address)
        } else {
            Ok(burn_script())
        }
    }

    /// A rough fee for the registration that follows a preorder, for the
    /// balance check: one payment input, the 57-byte payload, the owner
    /// marker and change, plus the marker's value.
    fn registration_fee_estimate(&self, payer: &KeyInfo, rate: FeeRate) -> Amount {
        let lens = [2 + 3 + 57, 25, payer.script_pubkey().len()];
        fee_for_size(rate, estimate_size(&[payer.input_kind()], &lens)).unwrap_or(Amount::ZERO)
            + self.composer.params().marker_value
    }

    /// NAMESPACE_PREORDER, paid by `payer`, committing to `reveal`'s address.
    pub async fn namespace_preorder(
        &self,
        namespace_id: &str,
        payer: &KeyInfo,
        reveal_script: &ScriptBuf,
    ) -> Result<Sent, OpsError> {
        safety::revealer_is_single_key(reveal_script)?;
        let existing = self.namespace(namespace_id).await?;
        safety::namespace_available(namespace_id, existing.as_ref())?;
        let (price, exists) = self.node.namespace_cost(namespace_id).await?;
        if exists {
            return Err(SafetyError::NamespaceExists(namespace_id.to_owned()).into());
        }
        let utxos = wallet_utxos(&self.check_usable(payer).await?);
        let consensus = self.node.consensus_hash().await?;
        let rate = self.fee_rate().await?;
        let composed = self
            .composer
            .namespace_preorder(
                namespace_id,
                Funding::new(payer, &utxos),
                reveal_script,
                consensus,
                Amount::from_sat(price),
                rate,
            )
            .map_err(|e| self.funds(payer, e))?;
        self.send(composed).await
    }

    /// NAMESPACE_REVEAL by the preorder's payer.
    pub async fn namespace_reveal(
        &self,
        namespace_id: &str,
        params: &RevealParams,
        payer: &KeyInfo,
        reveal_script: &ScriptBuf,
    ) -> Result<Sent, OpsError> {
        safety::revealer_is_single_key(reveal_script)?;
        let existing = self.namespace(namespace_id).await?;
        safety::namespace_available(namespace_id, existing.as_ref())?;
        let utxos = wallet_utxos(&self.check_usable(payer).await?);
        let rate = self.fee_rate().await?;
        let composed = self
            .composer
            .namespace_reveal(
                namespace_id,
                params,
                Funding::new(payer, &utxos),
                reveal_script,
                rate,
            )
            .map_err(|e| self.funds(payer, e))?;
        self.send(composed).await
    }

    /// NAMESPACE_READY by the revealer.
    pub async fn namespace_ready(
        &self,
        namespace_id: &str,
        revealer: &KeyInfo,
    ) -> Result<Sent, OpsError> {
        let existing = self.namespace(namespace_id).await?;
        safety::namespace_revealed_to(namespace_id, existing.as_ref(), &self.address(revealer))?;
        let utxos = wallet_utxos(&self.spendable(revealer).await?);
        let rate = self.fee_rate().await?;
        let composed = self
            .composer
            .namespace_ready(namespace_id, Funding::new(revealer, &utxos), rate)
            .map_err(|e| self.funds(revealer, e))?;
        self.send(composed).await
    }

    /// NAME_IMPORT by the revealer into its revealed namespace.
    pub async fn name_import(
        &self,
        name: &str,
        importer: &KeyInfo,
        recipient_address: &str,
        zonefile_hash: [u8; 20],
    ) -> Result<Sent, OpsError> {
        if !is_name_valid(name) {
            return Err(SafetyError::InvalidName(name.to_owned()).into());
        }
        let recipient = self.script_of(recipient_address)?;
        let ns = self.namespace(namespace_of(name)).await?;
        safety::namespace_revealed_to(namespace_of(name), ns.as_ref(), &self.address(importer))?;
        let utxos = wallet_utxos(&self.spendable(importer).await?);
        let rate = self.fee_rate().await?;
        let composed = self
            .composer
            .name_import(
                name,
                Funding::new(importer, &utxos),
                &recipient,
                zonefile_hash,
                rate,
            )
            .map_err(|e| self.funds(importer, e))?;
        self.send(composed).await
    }

    /// NAME_PREORDER of `name` for `owner_script`, paid by `payer`, after the
    /// pre-flight checks of a registration (cli-wallet.md §c.3): name valid
    /// and available, namespace ready, owner below 25 names, payment address
    /// usable, price not above `expected_cost`, balance ≥ price + the fees of
    /// preorder and registration.
    pub async fn name_preorder(
        &self,
        name: &str,
        payer: &KeyInfo,
        owner_script: &ScriptBuf,
        expected_cost: Option<u64>,
    ) -> Result<Sent, OpsError> {
        let record = self.name(name).await?;
        safety::name_available(name, record.as_ref())?;
        let id = namespace_of(name);
        let ns = self.namespace(id).await?;
        let ns = safety::namespace_ready(id, ns.as_ref())?;
        let owner_address = self.composer.address_of("owner", owner_script)?;
        let owned = self.node.names_owned_by_address(&owner_address).await?;
        safety::can_receive_name(&owner_address, owned.len())?;
        let utxos = self.check_usable(payer).await?;
        let price = self.node.name_cost(name).await?;
        safety::cost_as_expected(expected_cost, price)?;
        let info = self.node.getinfo().await?;
        let burn = self.fee_destination(ns, info.last_block_seen + 1)?;
        let consensus = self.node.consensus_hash().await?;
        let rate = self.fee_rate().await?;
        let wallet = wallet_utxos(&utxos);
        let composed = self
            .composer
            .name_preorder(
                name,
                Funding::new(payer, &wallet),
                owner_script,
                consensus,
                Amount::from_sat(price),
                &burn,
                rate,
            )
            .map_err(|e| self.funds(payer, e))?;
        let need = self.composer.fee_output(Amount::from_sat(price))
            + composed.fee
            + self.registration_fee_estimate(payer, rate);
        safety::balance_covers(&self.address(payer), balance(&utxos), need)?;
        self.send(composed).await
    }

    /// NAME_REGISTRATION of a preordered name, from the preorder's payer to
    /// `owner_script`; with a zone-file hash in the epoch-3 form.
    pub async fn name_registration(
        &self,
        name: &str,
        payer: &KeyInfo,
        owner_script: &ScriptBuf,
        zonefile_hash: Option<[u8; 20]>,
    ) -> Result<Sent, OpsError> {
        let record = self.name(name).await?;
        safety::name_available(name, record.as_ref())?;
        let utxos = wallet_utxos(&self.spendable(payer).await?);
        let rate = self.fee_rate().await?;
        let composed = self
            .composer
            .name_registration(
                name,
                Funding::new(payer, &utxos),
                owner_script,
                zonefile_hash,
                rate,
            )
            .map_err(|e| self.funds(payer, e))?;
        self.send(composed).await
    }

    async fn owned(&self, name: &str, owner: &KeyInfo) -> Result<(NameRecord, u64), OpsError> {
        let record = self.name(name).await?;
        let record = safety::name_registered(name, record.as_ref())?.clone();
        safety::name_owner(
            name,
            &record,
            &owner.script_pubkey().to_hex_string(),
            &self.address(owner),
        )?;
        let info = self.node.getinfo().await?;
        // As v0.18: the operation is judged at the block after the newest one seen.
        safety::outside_grace_period(name, &record, info.last_block_seen + 1)?;
        Ok((record, info.last_block_processed))
    }

    async fn two_party(
        &self,
        owner: &KeyInfo,
        payer: &KeyInfo,
    ) -> Result<(Vec<Utxo>, Vec<Utxo>), OpsError> {
        let owner_utxos = wallet_utxos(
            &self
                .backend
                .utxos(&owner.address(self.network()), 0)
                .await?,
        );
        let payer_utxos = wallet_utxos(&self.check_usable(payer).await?);
        Ok((owner_utxos, payer_utxos))
    }

    /// NAME_UPDATE setting `zonefile_hash`, sent by the owner and paid by `payer`.
    pub async fn name_update(
        &self,
        name: &str,
        owner: &KeyInfo,
        payer: &KeyInfo,
        zonefile_hash: [u8; 20],
    ) -> Result<Sent, OpsError> {
        let (record, _) = self.owned(name, owner).await?;
        safety::zonefile_changes(&record, &hex::encode(zonefile_hash))?;
        let (owner_utxos, payer_utxos) = self.two_party(owner, payer).await?;
        let info = self.node.getinfo().await?;
        let rate = self.fee_rate().await?;
        let composed = self
            .composer
            .name_update(
                name,
                Funding::new(owner, &owner_utxos),
                Funding::new(payer, &payer_utxos),
                &info.consensus,
                zonefile_hash,
                rate,
            )
            .map_err(|e| self.funds(payer, e))?;
        self.send(composed).await
    }

    /// NAME_TRANSFER to `recipient_address`, keeping or dropping the zone-file hash.
    pub async fn name_transfer(
        &self,
        name: &str,
        owner: &KeyInfo,
        payer: &KeyInfo,
        recipient_address: &str,
        keep_data: bool,
    ) -> Result<Sent, OpsError> {
        let recipient = self.script_of(recipient_address)?;
        let (record, _) = self.owned(name, owner).await?;
        safety::owner_changes(name, &record, &recipient.to_hex_string(), recipient_address)?;
        let owned = self.node.names_owned_by_address(recipient_address).await?;
        safety::can_receive_name(recipient_address, owned.len())?;
        let (owner_utxos, payer_utxos) = self.two_party(owner, payer).await?;
        let consensus = self.node.consensus_hash().await?;
        let rate = self.fee_rate().await?;
        let composed = self
            .composer
            .name_transfer(
                name,
                Funding::new(owner, &owner_utxos),
                Funding::new(payer, &payer_utxos),
                &recipient,
                keep_data,
                consensus,
                rate,
            )
            .map_err(|e| self.funds(payer, e))?;
        self.send(composed).await
    }

    /// NAME_RENEWAL, paying the name's price again; optionally to a new
    /// owner and with a new zone-file hash (epoch 3). Allowed in the grace
    /// period.
    pub async fn name_renewal(
        &self,
        name: &str,
        owner: &KeyInfo,
        payer: &KeyInfo,
        new_owner_address: Option<&str>,
        zonefile_hash: Option<[u8; 20]>,
        expected_cost: Option<u64>,
    ) -> Result<Sent, OpsError> {
        let new_owner = new_owner_address.map(|a| self.script_of(a)).transpose()?;
        let record = self
            .name(name)
            .await?
            .filter(|r| !r.revoked)
            .ok_or_else(|| SafetyError::NotRegistered(name.to_owned()))?;
        let info = self.node.getinfo().await?;
        let last = i64::try_from(info.last_block_processed).unwrap_or(i64::MAX);
        if record.renewal_deadline >= 0 && last >= record.renewal_deadline {
            return Err(SafetyError::NotRegistered(name.to_owned()).into());
        }
        safety::name_owner(
            name,
            &record,
            &owner.script_pubkey().to_hex_string(),
            &self.address(owner),
        )?;
        let receiver = match new_owner_address {
            Some(a) => a.to_owned(),
            None => self.address(owner),
        };
        let owned = self.node.names_owned_by_address(&receiver).await?;
        safety::can_receive_name(&receiver, owned.len())?;
        let price = self.node.name_cost(name).await?;
        safety::cost_as_expected(expected_cost, price)?;
        let id = namespace_of(name);
        let ns = self.namespace(id).await?;
        let ns = safety::namespace_ready(id, ns.as_ref())?;
        let burn = self.fee_destination(ns, info.last_block_seen + 1)?;
        let (owner_utxos, payer_utxos) = self.two_party(owner, payer).await?;
        let rate = self.fee_rate().await?;
        let composed = self
            .composer
            .name_renewal(
                name,
                Funding::new(owner, &owner_utxos),
                Funding::new(payer, &payer_utxos),
                new_owner.as_ref(),
                zonefile_hash,
                Amount::from_sat(price),
                &burn,
                rate,
            )
            .map_err(|e| self.funds(payer, e))?;
        self.send(composed).await
    }

    /// NAME_REVOKE, sent by the owner and paid by `payer`.
    pub async fn name_revoke(
        &self,
        name: &str,
        owner: &KeyInfo,
        payer: &KeyInfo,
    ) -> Result<Sent, OpsError> {
        self.owned(name, owner).await?;
        let (owner_utxos, payer_utxos) = self.two_party(owner, payer).await?;
        let rate = self.fee_rate().await?;
        let composed = self
            .composer
            .name_revoke(
                name,
                Funding::new(owner, &owner_utxos),
                Funding::new(payer, &payer_utxos),
                rate,
            )
            .map_err(|e| self.funds(payer, e))?;
        self.send(composed).await
    }

    /// ANNOUNCE of `message_hash`, sent and paid by `sender`.
    pub async fn announce(
        &self,
        message_hash: [u8; 20],
        sender: &KeyInfo,
    ) -> Result<Sent, OpsError> {
        let utxos = wallet_utxos(&self.check_usable(sender).await?);
        let rate = self.fee_rate().await?;
        let composed = self
            .composer
            .announce(message_hash, Funding::new(sender, &utxos), rate)
            .map_err(|e| self.funds(sender, e))?;
        self.send(composed).await
    }

    /// Pays `amount` (everything when `None`) from `payer` to `recipient_address`.
    pub async fn withdraw(
        &self,
        payer: &KeyInfo,
        recipient_address: &str,
        amount: Option<Amount>,
        message: Option<&[u8]>,
        min_confs: u32,
    ) -> Result<Sent, OpsError> {
        let recipient = self.script_of(recipient_address)?;
        let address = payer.address(self.network());
        let utxos = wallet_utxos(&self.backend.utxos(&address, min_confs).await?);
        let rate = self.fee_rate().await?;
        let composed = self
            .composer
            .withdraw(
                Funding::new(payer, &utxos),
                &recipient,
                amount,
                message,
                rate,
            )
            .map_err(|e| self.funds(payer, e))?;
        self.send(composed).await
    }
}
