//! Name operations: NAME_PREORDER, NAME_REGISTRATION, NAME_UPDATE,
//! NAME_TRANSFER, NAME_RENEWAL, NAME_REVOKE and ANNOUNCE (bns.md §9.1–§9.8).

use bitcoin::{Amount, FeeRate, ScriptBuf};
use blockstack_consensus::hash::{name_consensus_hash, name_hash128, preorder_hash};
use blockstack_consensus::name::is_name_valid;
use blockstack_consensus::op::{
    announce, name_preorder, name_registration, name_revoke, name_transfer, name_update,
};
use blockstack_wallet::Operation;

use super::{body, check_payload, hex16, hex20, ComposeError, Composed, Composer, Funding};

fn valid(name: &str) -> Result<(), ComposeError> {
    if is_name_valid(name) {
        Ok(())
    } else {
        Err(ComposeError::InvalidName(name.to_owned()))
    }
}

impl Composer {
    /// NAME_PREORDER: commits `hash160(b40(name) ‖ payer script ‖ owner
    /// address)` and pays `price` (at least 5500 satoshis, as the original
    /// does) to `burn_script` (the burn address, or the namespace creator in
    /// pay-to-creator namespaces). The registration must later be sent from
    /// the same payer script to the same owner.
    #[allow(
        clippy::too_many_arguments,
        reason = "one value per input of the operation"
    )]
    pub fn name_preorder(
        &self,
        name: &str,
        payer: Funding<'_>,
        owner_script: &ScriptBuf,
        consensus_hash: [u8; 16],
        price: Amount,
        burn_script: &ScriptBuf,
        fee_rate: FeeRate,
    ) -> Result<Composed, ComposeError> {
        valid(name)?;
        let owner_address = self.address_of("owner", owner_script)?;
        let payer_script = payer.key.script_pubkey().to_hex_string();
        let hash = preorder_hash(name, &payer_script, &owner_address)
            .and_then(|h| hex20(&h))
            .ok_or_else(|| ComposeError::InvalidName(name.to_owned()))?;
        let payload = name_preorder::Payload {
            preorder_hash: hash,
            consensus_hash,
        }
        .encode();
        check_payload(
            "NAME_PREORDER",
            name_preorder::Payload::parse(body(&payload)),
        )?;
        self.finish(
            Operation::NamePreorder {
                burn_script: burn_script.clone(),
                fee: self.fee_output(price),
            },
            payload,
            payer,
            None,
            fee_rate,
        )
    }

    /// NAME_REGISTRATION: sent by the preorder's payer, output 1 to the
    /// owner. With a zone-file hash this is the epoch-3 register-and-update
    /// form (the name NUL-padded to 37 bytes, then the hash).
    pub fn name_registration(
        &self,
        name: &str,
        payer: Funding<'_>,
        owner_script: &ScriptBuf,
        zonefile_hash: Option<[u8; 20]>,
        fee_rate: FeeRate,
    ) -> Result<Composed, ComposeError> {
        valid(name)?;
        self.address_of("owner", owner_script)?;
        let payload = name_registration::Payload {
            name: name.to_owned(),
            value_hash: zonefile_hash,
        }
        .encode();
        check_payload(
            "NAME_REGISTRATION",
            name_registration::Payload::parse(body(&payload), zonefile_hash.is_some()),
        )?;
        self.finish(
            Operation::NameRegistration {
                owner_script: owner_script.clone(),
            },
            payload,
            payer,
            None,
            fee_rate,
        )
    }

    /// NAME_UPDATE: sets the zone-file hash. `consensus_hash` is the hex
    /// consensus hash of a recent block; the payload carries
    /// `hash128(name ‖ consensus_hash)`.
    pub fn name_update(
        &self,
        name: &str,
        owner: Funding<'_>,
        payer: Funding<'_>,
        consensus_hash: &str,
        zonefile_hash: [u8; 20],
        fee_rate: FeeRate,
    ) -> Result<Composed, ComposeError> {
        valid(name)?;
        let nch = hex16(&name_consensus_hash(name, consensus_hash)).ok_or_else(|| {
            ComposeError::InvalidPayload {
                op: "NAME_UPDATE",
                reason: "bad name consensus hash".into(),
            }
        })?;
        let payload = name_update::Payload {
            name_consensus_hash: nch,
            value_hash: zonefile_hash,
        }
        .encode();
        check_payload("NAME_UPDATE", name_update::Payload::parse(body(&payload)))?;
        self.finish(Operation::NameUpdate, payload, owner, Some(payer), fee_rate)
    }

    /// NAME_TRANSFER: gives the name to `recipient_script`, keeping the
    /// zone-file hash (`>`) or clearing it (`~`).
    #[allow(
        clippy::too_many_arguments,
        reason = "one value per input of the operation"
    )]
    pub fn name_transfer(
        &self,
        name: &str,
        owner: Funding<'_>,
        payer: Funding<'_>,
        recipient_script: &ScriptBuf,
        keep_data: bool,
        consensus_hash: [u8; 16],
        fee_rate: FeeRate,
    ) -> Result<Composed, ComposeError> {
        valid(name)?;
        self.address_of("recipient", recipient_script)?;
        let name_hash = hex16(&name_hash128(name)).ok_or_else(|| ComposeError::InvalidPayload {
            op: "NAME_TRANSFER",
            reason: "bad name hash".into(),
        })?;
        let payload = name_transfer::Payload {
            keep_data,
            name_hash128: name_hash,
            consensus_hash,
        }
        .encode();
        check_payload(
            "NAME_TRANSFER",
            name_transfer::Payload::parse(body(&payload)),
        )?;
        self.finish(
            Operation::NameTransfer {
                recipient_script: recipient_script.clone(),
            },
            payload,
            owner,
            Some(payer),
            fee_rate,
        )
    }

    /// NAME_RENEWAL: pays `price` again to `burn_script`. Output 1 is the
    /// owner after renewal: `new_owner_script`, or the current owner. In
    /// epoch 3 a zone-file hash may be set in the same transaction.
    #[allow(
        clippy::too_many_arguments,
        reason = "one value per input of the operation"
    )]
    pub fn name_renewal(
        &self,
        name: &str,
        owner: Funding<'_>,
        payer: Funding<'_>,
        new_owner_script: Option<&ScriptBuf>,
        zonefile_hash: Option<[u8; 20]>,
        price: Amount,
        burn_script: &ScriptBuf,
        fee_rate: FeeRate,
    ) -> Result<Composed, ComposeError> {
        valid(name)?;
        let owner_script = new_owner_script
            .cloned()
            .unwrap_or_else(|| owner.key.script_pubkey());
        self.address_of("owner", &owner_script)?;
        let payload = name_registration::Payload {
            name: name.to_owned(),
            value_hash: zonefile_hash,
        }
        .encode();
        check_payload(
            "NAME_RENEWAL",
            name_registration::Payload::parse(body(&payload), zonefile_hash.is_some()),
        )?;
        self.finish(
            Operation::NameRenewal {
                owner_script,
                burn_script: burn_script.clone(),
                fee: self.fee_output(price),
            },
            payload,
            owner,
            Some(payer),
            fee_rate,
        )
    }

    /// NAME_REVOKE: freezes the name until it expires.
    pub fn name_revoke(
        &self,
        name: &str,
        owner: Funding<'_>,
        payer: Funding<'_>,
        fee_rate: FeeRate,
    ) -> Result<Composed, ComposeError> {
        valid(name)?;
        let payload = name_revoke::Payload {
            name: name.to_owned(),
        }
        .encode();
        check_payload("NAME_REVOKE", name_revoke::Payload::parse(body(&payload)))?;
        self.finish(Operation::NameRevoke, payload, owner, Some(payer), fee_rate)
    }

    /// ANNOUNCE: publishes the hash of a message, sent by an announcer
    /// name's owner.
    pub fn announce(
        &self,
        message_hash: [u8; 20],
        sender: Funding<'_>,
        fee_rate: FeeRate,
    ) -> Result<Composed, ComposeError> {
        let payload = announce::Payload { message_hash }.encode();
        check_payload("ANNOUNCE", announce::Payload::parse(body(&payload)))?;
        self.finish(Operation::Announce, payload, sender, None, fee_rate)
    }
}
