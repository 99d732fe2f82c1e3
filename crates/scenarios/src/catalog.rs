//! Every scenario, as data: its name, category, rule profile, what it checks and which of the
//! original's scenarios it stands for. The README's table is generated from this list (and a
//! test keeps the two equal).

use std::future::Future;
use std::pin::Pin;

use crate::error::Outcome;
use crate::profile::Profile;
use crate::scenarios::*;
use crate::scene::Scene;

/// The inventory's categories (integration-tests.md §5.1), as the issue groups them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Category {
    /// Namespace preorder, reveal, ready, expiry of reveals.
    Namespaces,
    /// Namespace and name prices, fee destinations, pay-to-namespace-creator.
    Pricing,
    /// Name preorder and registration.
    Registration,
    /// NAME_UPDATE and zone-file hashes.
    Updates,
    /// NAME_TRANSFER.
    Transfers,
    /// NAME_RENEWAL.
    Renewals,
    /// Names expiring and being registered again.
    Expiry,
    /// The epoch-3 renewal grace period.
    Grace,
    /// NAME_REVOKE.
    Revokes,
    /// NAME_IMPORT and import keychains.
    Imports,
    /// Several operations on one name or namespace in one block.
    Collisions,
    /// Malformed or unauthorised operations the indexer must drop.
    Invalid,
    /// Rules changing at epoch boundaries.
    Epochs,
    /// P2SH multisig owners and payers.
    Multisig,
    /// Zone files and their replication through Atlas.
    Atlas,
    /// Subdomain records in zone files.
    Subdomains,
    /// The REST API's answers and write routes.
    Rest,
}

impl Category {
    /// Its name in the README.
    pub fn name(self) -> &'static str {
        match self {
            Category::Namespaces => "namespaces",
            Category::Pricing => "pricing",
            Category::Registration => "preorder/register",
            Category::Updates => "updates",
            Category::Transfers => "transfers",
            Category::Renewals => "renewals",
            Category::Expiry => "expiry",
            Category::Grace => "grace period",
            Category::Revokes => "revokes",
            Category::Imports => "imports",
            Category::Collisions => "collisions",
            Category::Invalid => "invalid ops",
            Category::Epochs => "epoch changes",
            Category::Multisig => "multisig",
            Category::Atlas => "zonefiles/Atlas",
            Category::Subdomains => "subdomains",
            Category::Rest => "REST API",
        }
    }

    /// Every category.
    pub const ALL: [Category; 17] = [
        Category::Namespaces,
        Category::Pricing,
        Category::Registration,
        Category::Updates,
        Category::Transfers,
        Category::Renewals,
        Category::Expiry,
        Category::Grace,
        Category::Revokes,
        Category::Imports,
        Category::Collisions,
        Category::Invalid,
        Category::Epochs,
        Category::Multisig,
        Category::Atlas,
        Category::Subdomains,
        Category::Rest,
    ];
}

/// A scenario's steps.
pub type Run = fn(Scene) -> Pin<Box<dyn Future<Output = Outcome> + Send>>;

/// One scenario.
pub struct Scenario {
    /// Its name (unique).
    pub name: &'static str,
    /// Its category.
    pub category: Category,
    /// The rules it runs under.
    pub profile: Profile,
    /// Also run against the real regtest bitcoind.
    pub regtest: bool,
    /// What it checks, in a sentence.
    pub checks: &'static str,
    /// The original scenarios (`integration_tests/.../scenarios/*.py`) it stands for.
    pub originals: &'static [&'static str],
    /// A divergence of our node from the original that this scenario exposes, as the README
    /// records it: the scenario is expected to fail until it is fixed.
    pub divergence: Option<&'static str>,
    /// Its steps.
    pub run: Run,
}

macro_rules! optional {
    () => {
        None
    };
    ($text:literal) => {
        Some($text)
    };
}

macro_rules! scenarios {
    ($( $module:ident :: $name:ident { $cat:ident, $profile:ident, $regtest:literal, $checks:literal, [$($orig:literal),* $(,)?] $(, diverges $div:literal)? } )*) => {
        /// Every scenario, in README order.
        pub static SCENARIOS: &[Scenario] = &[
            $(Scenario {
                name: stringify!($name),
                category: Category::$cat,
                profile: Profile::$profile,
                regtest: $regtest,
                checks: $checks,
                originals: &[$($orig),*],
                divergence: optional!($($div)?),
                run: |s| Box::pin($module::$name(s)),
            },)*
        ];
    };
}

scenarios! {    namespaces::namespace_preorder_reveal_ready { Namespaces, Epoch3, true,
        "a namespace preorder is stored, consumed by the reveal (revealed, not ready, with its lifetime, price function, revealer and creator; not listed) and the revealer's READY launches it (ready block, listed)",
        ["namespace_preorder_reveal_ready", "namespace_preorder", "namespace_preorder_reveal"] }
    namespaces::namespace_reveal_needs_its_preorder { Namespaces, Epoch3, false,
        "reveals without a preorder, by another payer, or to another revealer than committed are ignored and leave the preorder in place; the right one is accepted",
        ["namespace_check_invalid"] }
    namespaces::namespace_ready_rules { Namespaces, Epoch3, false,
        "READY in the reveal's own block, by the preorder's payer, or a second time is ignored; the revealer's READY a block later is accepted",
        ["namespace_preorder_reveal_ready_wait", "name_pre_reg_collisions"] }
    namespaces::namespace_reveals_collide { Collisions, Epoch3, false,
        "two valid reveals of one namespace in one block are both rejected and both preorders stay; a later reveal wins and the other party can no longer reveal",
        ["namespace_preorder_reveal_nodups", "name_pre_reg_collisions"] }
    namespaces::namespaces_revealed_together_keep_their_parameters { Namespaces, Epoch3, false,
        "three namespaces revealed in one block each keep their own lifetime, coefficient, base, buckets and discounts",
        ["namespace_preorder_reveal_multi", "namespace_preorder_reveal_ready_multi"] }
    namespaces::namespace_ready_cannot_be_revealed_again { Namespaces, Epoch3, false,
        "once ready, a namespace cannot be revealed or readied again by someone else; its record keeps revealer, creator and price function",
        ["namespace_preorder_reveal_ready_nodups"] }
    namespaces::namespace_preorder_consensus_window { Namespaces, Epoch3, false,
        "a namespace preorder referencing the consensus hash 24 blocks back is ignored, 23 back accepted, and only the latter can be revealed",
        ["namespace_preorder", "name_pre_reg_up_notstale"] }
    namespaces::namespace_preorder_is_usable_later { Namespaces, Epoch3, false,
        "a namespace preorder is still stored and usable 30 blocks later (namespace preorders never expire in v0.18)",
        ["namespace_preorder_expire"] }
    namespaces::namespace_multisig_payer { Multisig, Epoch3, false,
        "a 2-of-3 P2SH payer preorders and reveals a namespace that its single-key revealer readies; the creator is the P2SH address",
        ["namespace_preorder_reveal_ready_multisig"] }
    namespaces::namespace_reveal_expires { Namespaces, ShortLife, true,
        "a revealed namespace not readied within NAMESPACE_REVEAL_EXPIRE blocks vanishes: READY and imports are ignored; another party re-reveals it and the old import is alive again",
        ["namespace_preorder_reveal_expire", "namespace_pre_reveal_imp_expire_pre_reveal_imp", "namespace_preorder_reveal_import_expire"] }
    pricing::namespace_prices_epoch3 { Pricing, Epoch3, false,
        "get_namespace_cost by ID length in epoch 3 (test mode: 1 char 4.1 BTC, 2-3 chars 4, 4-7 chars 0.4, 8-19 chars 0.04); a reveal whose preorder paid a satoshi less is ignored",
        ["rpc_namespace_preorder_reveal_epoch3", "namespace_check"] }
    pricing::namespace_prices_epoch1 { Pricing, Epoch1, false,
        "get_namespace_cost by ID length in epoch 1 (41, 40, 4 and 0.4 BTC); an underpaid namespace cannot be revealed",
        ["namespace_check", "rpc_namespace_preorder_reveal"] }
    pricing::name_prices_standard { Pricing, Epoch3, false,
        "get_name_cost of the standard price function in epoch 3 (length buckets, non-alpha and no-vowel discounts, the larger one applied); a name preorder a satoshi short cannot be registered, the exact price can",
        ["name_pre_reg_epoch3_newprices"] }
    pricing::name_prices_standard_epoch1 { Pricing, Epoch1, false,
        "the same prices at full value in epoch 1, and the same underpayment rule",
        ["name_pre_reg"] }
    pricing::name_prices_custom_function { Pricing, Epoch3, false,
        "a namespace with every price knob set: per-length exponents, the 16th bucket, the larger discount; fractional prices are reported rounded up, and paying the rounded-down value is refused",
        ["namespace_check"] }
    pricing::pay_to_namespace_creator { Pricing, Epoch3, true,
        "a version-2 namespace's registration and renewal fees must go to its creator during the fee period; fees to the burn address are refused",
        ["name_pre_reg_pay2ns", "name_pre_reg_pay2ns_fail", "name_pre_reg_renew_pay2ns"] }
    pricing::pay_to_namespace_burn_after_fee_period { Pricing, ShortLife, false,
        "after the fee period a version-2 namespace's fees must be burned: registration and renewal fees to the creator are refused",
        ["name_pre_reg_pay2ns_burn", "name_pre_reg_pay2ns_renew_burn"] }
    pricing::namespace_fee_destination_is_unchecked { Pricing, Epoch3, false,
        "a namespace preorder paying its fee to an ordinary address can still be revealed (the destination is never checked)",
        ["namespace_preorder"] }
    pricing::namespace_version2_needs_epoch3 { Epochs, Epoch1, false,
        "a version-2 reveal is ignored in epoch 1 while a version-1 reveal of the same payer is accepted",
        ["namespace_preorder_reveal_ready_multisig_v2"] }
    registration::name_preorder_register { Registration, Epoch3, true,
        "a preorder is stored until its registration consumes it; the record has the committed owner, no zone-file hash, first_registered = last_renewed = the registration block, block_number = the preorder block and an expiry of lifetime x 2 (+5000 grace); the owner owns it",
        ["name_pre_reg", "name_preorder"] }
    registration::name_register_needs_matching_preorder { Registration, Epoch3, false,
        "registrations without a preorder, by another payer, or to another owner than the preorder committed to are ignored; the committed one succeeds",
        ["name_pre_reg_cantsteal", "name_preorder_cantmodify"] }
    registration::name_preorder_register_same_block { Registration, Epoch3, false,
        "a preorder and its registration in the same block are both accepted",
        ["name_pre_reg_sameblock"] }
    registration::name_registered_cannot_be_taken { Registration, Epoch3, false,
        "another party's preorder of a registered name is stored but its registration is refused; the owner keeps the name",
        ["name_pre_reg_nodups", "name_pre_reg_cantsteal"] }
    registration::name_preorder_twice_in_one_block { Collisions, Epoch3, false,
        "the second of two identical preorders in one block is ignored; the registration consumes the stored one",
        ["name_pre_reg_dup_sameblock"] }
    registration::name_preorder_consensus_window { Registration, Epoch3, false,
        "a name preorder referencing a consensus hash 24 blocks back is ignored (and cannot be registered), 23 back accepted",
        ["name_pre_reg_up_notstale", "name_preorder"] }
    registration::name_needs_a_ready_namespace { Registration, Epoch3, false,
        "no registration in a namespace that is only revealed, nor with a preorder made before READY; preorders after READY register",
        ["namespace_preorder_reveal_ready_wait", "name_preorder"] }
    registration::name_quota_of_25_per_owner { Registration, Epoch3, false,
        "26 registrations to one owner in one block: the 26th is refused; a transfer to the full owner is refused, and the full owner cannot renew",
        ["name_pre_reg_quota", "name_pre_reg_quota_sameblock", "name_pre_reg_sameblock_quota"] }
    registration::name_preorder_outlived_by_lifetime { Expiry, ShortLife, false,
        "a name preorder can be registered only while preorder block + lifetime > the last block; one block later it is refused and stays stored",
        ["name_preorder_expire"] }
    updates::name_update_sets_hash { Updates, Epoch3, true,
        "NAME_UPDATE by the owner sets the zone-file hash and records the consensus hash it matched; owner and registration blocks stay",
        ["name_pre_reg_up"] }
    updates::name_update_by_non_owner_ignored { Updates, Epoch3, false,
        "updates by a stranger or by the registration's payer are ignored; the zone-file hash stays",
        ["name_pre_reg_up_cantforce"] }
    updates::name_update_consensus_window { Updates, Epoch3, false,
        "an update referencing the consensus hash 24 blocks back is ignored; 23 back is accepted and recorded as the matched hash",
        ["name_pre_reg_up_notstale"] }
    updates::name_updates_in_one_block { Collisions, Epoch3, false,
        "five updates of one name in one block are all applied in order; get_name_at lists all five states at that block",
        ["name_pre_reg_update_sameblock"] }
    updates::name_update_in_its_registration_block { Updates, Epoch3, false,
        "an update in the registration's own block is ignored (the name is invisible until the block is processed); a block later it is accepted",
        ["name_pre_regup_sameblock"] }
    updates::name_history_lists_every_state { Updates, Epoch3, false,
        "get_name_history_blocks lists the preorder, registration and update blocks; get_name_at gives each block's state and, between changes, the last one",
        ["name_pre_reg_up_history", "name_pre_reg_up_listhistory"] }
    updates::name_register_with_hash_then_update { Updates, Epoch3, true,
        "epoch 3's register-and-update sets the zone-file hash at registration; an update replaces it",
        ["name_pre_regup", "name_pre_epoch3_regup", "name_pre_regup_update"] }
    transfers::name_transfer_keeps_data { Transfers, Epoch3, true,
        "a keep-data transfer moves the name with its zone-file hash; the old owner's update and transfer are ignored, the new owner's update is accepted",
        ["name_pre_reg_xfer", "name_pre_reg_up_xfer", "name_pre_reg_xfer_update"] }
    transfers::name_transfer_clears_data { Transfers, Epoch3, true,
        "a clear-data transfer moves the name and drops its zone-file hash",
        ["name_pre_reg_up_xfer_nokeepdata", "name_pre_reg_xfer_nokeepdata"] }
    transfers::name_transfer_refusals { Transfers, Epoch3, false,
        "transfers by a stranger, to the owner itself, or with a consensus hash 24 blocks old are ignored; 23 blocks old is accepted",
        ["name_pre_reg_xfer_cantforce", "name_pre_reg_up_xfer_cantsteal"] }
    transfers::name_transfers_chained_in_one_block { Collisions, Epoch3, false,
        "A to B, B to C, C to A and an update by A in one block are all applied; an update by a past owner in that block is ignored",
        ["name_pre_reg_xfer_sameblock", "name_pre_reg_xfer_transfer"] }
    transfers::name_transfer_consensus_hash_quirk { Transfers, Epoch3, false,
        "a transfer records the consensus hash of the name's last update since registration, or its own when there was none (bns.md 9.6)",
        ["name_pre_xfer_up_xfer_quirks"] }
    transfers::name_condensed_update_transfer_sequence { Transfers, Epoch3, false,
        "update, transfer, update by the new owner and a clear-data transfer back in one block: four states, original owner, no hash",
        ["name_pre_reg_xfer_update_transfer_condensed", "name_pre_reg_xfer_update_transfer_condensed_nokeepdata"] }
    renewals::name_renewal_extends_expiry { Renewals, Epoch3, true,
        "a renewal sets last_renewed and moves expire_block and renewal_deadline; owner and zone-file hash stay",
        ["name_pre_reg_renew"] }
    renewals::name_renewal_refusals { Renewals, Epoch3, false,
        "renewals by a stranger, a satoshi short, or paying the fee to another address are ignored; the owner's renewal is accepted",
        ["name_pre_reg_renew_cantforce", "name_pre_reg_pay2ns_fail"] }
    renewals::name_renew_transfer_update { Renewals, Epoch3, false,
        "epoch 3's renewal to a new owner with a zone-file hash moves the name and sets the hash; a second one without a hash keeps it",
        ["name_pre_reg_epoch3_renewxferup", "name_pre_reg_renewxferup", "name_pre_reg_epoch3_renewxferup_renewxferup"] }
    renewals::name_renewals_in_one_block { Collisions, Epoch3, false,
        "of two renewals of one name in one block the first is accepted and the second refused",
        ["name_pre_reg_renew_renew"] }
    renewals::name_renew_and_revoke_in_registration_block { Collisions, Epoch3, false,
        "a renewal or a revoke in the block that registers the name is ignored; the registration stands",
        ["name_pre_reg_renew_sameblock", "name_pre_reg_revoke_sameblock"] }
    renewals::name_renew_update_transfer_interleaved { Renewals, Epoch3, false,
        "renewal, update and transfer in one block, then update, renewal and a clear-data transfer in later blocks, each applied",
        ["name_pre_reg_up_xfer_renew_interleaving", "name_pre_reg_renew_update_transfer", "name_pre_reg_renew_transfer_update"] }
    expiry::name_expiry_windows { Expiry, ShortLife, false,
        "for a name registered at R (lifetime L, grace G): update accepted at R+L-1, refused in the grace period, accepted again at R+L+G; renewal accepted at R+L+G+1; others may register from R+L+G+2; expired flag, renewal_deadline, owned names",
        ["name_pre_reg_expire", "name_pre_reg_expire_isdead", "name_pre_reg_up_expire_reregister_failure"] }
    expiry::grace_period_allows_only_renewal { Grace, ShortLife, true,
        "in the grace period updates, transfers and a stranger's renewal are ignored; the owner's renewal revives the name with a new expiry",
        ["name_pre_reg_grace_expire", "name_import_lookup_expire_grace_renewxferup"] }
    expiry::expired_name_registered_by_new_owner { Expiry, ShortLife, false,
        "after expiry another party registers the name: new owner, no hash, fresh first_registered and last_renewed, the original block_number",
        ["name_pre_reg_expire_reregister", "name_pre_reg_reregister_newowner"] }
    expiry::expired_name_registered_again_by_its_owner { Expiry, ShortLife, false,
        "after expiry the former owner registers the name again with a new zone-file hash (the same preorder hash is usable again)",
        ["name_pre_reg_reregister_sameowner", "name_pre_regup_expire_reregup"] }
    expiry::expired_names_leave_listings { Expiry, ShortLife, false,
        "expired names leave get_names_in_namespace, its count and the owner's names, one by one as each dies",
        ["name_pre_reg_expire_num_names"] }
    expiry::name_dids_follow_incarnations { Expiry, ShortLife, false,
        "get_name_DID is did:stack:v0:<creator>-<n> for the n-th name an address created, get_DID_record resolves it, a re-registration after expiry gets the new creator's DID, and get_historic_names_by_address lists what an address created",
        ["name_pre_regup_expire_reregup_dids", "name_pre_reg_revoke_reregister_dids"] }
    revokes::name_revoke_freezes_name { Revokes, Epoch3, true,
        "a revoke clears the zone-file hash; the name is no longer owned but still listed; update, transfer, renewal, a second revoke and another party's registration are ignored",
        ["name_pre_reg_revoke", "name_pre_reg_revoke_isdead", "name_pre_reg_up_revoke"] }
    revokes::name_revoke_by_non_owner_ignored { Revokes, Epoch3, false,
        "revokes by a stranger or the registration's payer are ignored",
        ["name_pre_reg_revoke_cantforce"] }
    revokes::name_revoke_and_update_in_one_block { Collisions, Epoch3, false,
        "in one block an update then a revoke are both applied, while an update after a revoke is ignored",
        ["name_pre_reg_up_revoke"] }
    revokes::revoked_name_registered_after_expiry { Revokes, ShortLife, false,
        "once a revoked name has expired another party registers it, unrevoked, and can update it",
        ["name_pre_reg_revoke_reregister", "name_pre_reg_revoke_reregister_newowner", "name_pre_reg_up_revoke_reregister_update"] }
    imports::name_import_then_ready { Imports, Epoch3, true,
        "imports set owner, zone-file hash and importer with no expiry until READY; after READY the names expire from the ready block and can be updated and transferred",
        ["name_import", "namespace_preorder_reveal_import_ready", "name_import_update_transfer"] }
    imports::name_import_only_by_the_keychain { Imports, Epoch3, false,
        "only the revealer makes the first import; then its five BIP32 children may import, the sixth child and strangers may not",
        ["namespace_preorder_reveal_import_onlyimporter", "namespace_preorder_reveal_import_multi_multikey_ready"] }
    imports::name_import_overwrites_and_never_collides { Imports, Epoch3, false,
        "a later import replaces the owner and hash (keeping first_registered); two imports of one name in one block both apply",
        ["namespace_preorder_reveal_import_multi_ready"] }
    imports::imported_name_waits_for_ready { Imports, Epoch3, false,
        "imported names cannot be updated or transferred before READY; after READY nothing more can be imported",
        ["name_import", "namespace_preorder_reveal_import_ready"] }
    imports::name_import_and_ready_in_one_block { Imports, Epoch3, false,
        "imports followed by READY in one block are applied; an import after the READY in that block is ignored",
        ["namespace_preorder_reveal_import_ready_sameblock"] }
    imports::imported_name_renew_transfer_update_revoke { Imports, Epoch3, false,
        "an imported name is renewed, transferred, updated and revoked after READY",
        ["name_import_renew_transfer_update", "name_import_renew_revoke", "name_import_update_transfer_renew"] }
    imports::imported_name_expires_from_ready { Imports, ShortLife, false,
        "an imported name expires at ready block + lifetime and lives until ready + lifetime + grace - 1; only then can another party register it",
        ["name_import_expire_isdead", "name_import_expire_reregister"] }
    collisions::name_registrations_collide { Collisions, Epoch3, true,
        "two valid registrations of one name in one block are both refused and both preorders stay; another name in the block is unaffected; a later registration wins",
        ["name_pre_reg_collisions"] }
    collisions::name_refused_registration_does_not_collide { Collisions, Epoch3, false,
        "a registration refused for its fee does not occupy the name: a valid one after it in the same block is accepted",
        ["name_pre_reg_collisions"] }
    invalid::malformed_operations_are_ignored { Invalid, Epoch3, true,
        "payloads of the wrong length, bad names, a bad transfer disposition, READY without its dot, a zero discount, an unknown opcode, no magic: all ignored, no state changes",
        ["nameop_parsing", "virtualchain_bad_opcodes"] }
    invalid::ops_in_an_unknown_namespace_are_ignored { Invalid, Epoch3, false,
        "in a namespace nobody revealed, a name preorder is stored but READY, an import, the registration and an update are ignored; no name or namespace appears",
        ["namespace_check_invalid", "nameop_parsing"] }
    epochs::namespace_launched_across_epochs { Epochs, EpochChange, false,
        "a namespace preordered and revealed in epoch 1 is readied in epoch 2; its name is updated in epoch 3",
        ["namespace_preorder_reveal_ready_nextepoch", "namespace_preorder_reveal_ready_nextepoch_epoch3"] }
    epochs::lifetime_multiplier_follows_the_epoch { Epochs, EpochChange, false,
        "a name registered in epoch 1 expires at lifetime x 1, then x 2 once the last block is in epoch 2, and gains epoch 3's grace period",
        ["name_pre_reg_nextepoch_renew", "name_import_renew_nextepoch"] }
    epochs::multisig_owners_from_epoch2 { Epochs, EpochChange, false,
        "in epoch 1 a registration to a P2SH owner is refused, a transfer to one accepted, its update accepted and its transfer away refused; in epoch 2 both are accepted",
        ["name_pre_reg_nextepoch_register_multisig", "name_pre_reg_xfer_transfer_nextepoch_transfer_multisig"] }
    epochs::register_with_hash_from_epoch3 { Epochs, EpochChange, false,
        "the 57-byte register-and-update payload is ignored in epoch 2 (an invalid name) and registers with its hash in epoch 3",
        ["name_pre_epoch3_regup", "name_preorder_nextepoch_register"] }
    epochs::prices_fall_tenfold_in_epoch3 { Epochs, EpochChange, false,
        "name and namespace prices drop tenfold in epoch 3; a preorder paid at the old price in epoch 2's last block registers in epoch 3",
        ["name_pre_reg_epoch3_newprices"] }
    epochs::renew_transfer_needs_epoch3 { Epochs, EpochChange, false,
        "a renewal to a new owner is refused in epoch 2 and accepted, with its hash, in epoch 3",
        ["name_import_nextepoch_epoch3_renewxferup", "name_import_nextepoch_renew_epoch3_renewxferup"] }
    epochs::grace_period_begins_in_epoch3 { Grace, EpochChange, false,
        "a name registered in epoch 2 expiring in epoch 3 gets the grace period: updates refused, renewal_deadline extended, the renewal accepted",
        ["name_pre_reg_nextepoch_preorder_epoch3_expire_grace", "name_import_nextepoch_epoch3_expire_grace"] }
    epochs::namespace_version2_from_epoch3 { Epochs, EpochChange, false,
        "a version-2 reveal is ignored in epochs 1 and 2 and accepted, with the same preorder, in epoch 3",
        ["namespace_preorder_reveal_ready_multisig_v2"] }
    multisig::multisig_owner_lifecycle { Multisig, Epoch3, true,
        "a 2-of-3 owner registers, updates and transfers to a single key, which hands the name to a 3-of-5 owner that renews and revokes it",
        ["name_pre_reg_multisig", "name_pre_reg_up_xfer_renew_revoke_verify_multi_multisig", "name_imp_xfer_up_xfer_condensed_multisig"] }
    multisig::multisig_payer_in_epoch1 { Multisig, Epoch1, false,
        "a 2-of-3 payer creates a namespace and registers a name to a single owner in epoch 1",
        ["name_pre_reg_multisig"] }
    multisig::multisig_recipient_in_epoch1 { Multisig, Epoch1, false,
        "in epoch 1 a P2SH owner cannot receive a registration or renew, can receive a transfer and update, cannot transfer on",
        ["name_pre_reg_nextepoch_register_multisig", "name_pre_reg_xfer_transfer_nextepoch_transfer_multisig"] }
    multisig::multisig_import { Multisig, Epoch3, false,
        "a name imported to a 2-of-3 owner is updated and transferred by it after READY",
        ["name_import_update_transfer_multisig", "name_imp_xfer_up_xfer_condensed_multisig_singlesig"] }
    atlas::zonefile_stored_once_announced { Atlas, Epoch3, true,
        "a zone file pushed before its hash is on chain is refused; after the update it is stored and served by get_zonefiles, the name record and GET /v1/names/{name}/zonefile",
        ["name_pre_reg_up_atlas", "rpc_register_sync_zonefile"] }
    atlas::zonefile_never_announced_is_refused { Atlas, Epoch3, false,
        "put_zonefiles stores the announced zone file of a batch and refuses the unannounced one, which get_zonefiles never returns",
        ["name_pre_reg_up_atlas_storage"] }
    atlas::zonefile_history_stays_available { Atlas, Epoch3, false,
        "a name's earlier zone file stays available by hash after an update; the current one is the update's; a hash the name never had is 404; get_zonefiles_by_block lists both announcements with their blocks",
        ["name_pre_reg_up_history", "rest_register_update_zf"] }
    subdomains::subdomains_created_by_a_zone_file { Subdomains, Epoch3, false,
        "subdomain records in a registered name's zone file create the subdomains (owner, sequence 0, domain) once the zone file arrives; unknown before",
        ["name_pre_regup_subdomain", "name_pre_regup_subdomain_lookups"] }
    subdomains::subdomain_transfers_need_signature_and_sequence { Subdomains, Epoch3, false,
        "a later zone file moves a subdomain with the next sequence and the owner's signature; a forged signature or a skipped sequence is ignored; new subdomains are added",
        ["name_pre_regup_subdomain_seq_xfer", "name_pre_regup_subdomain_sequence"] }
    subdomains::subdomains_owned_by_an_address { Subdomains, Epoch3, false,
        "GET /v1/addresses/bitcoin/{addr} lists a transferred subdomain under its new owner; its history has both records",
        ["name_pre_regup_subdomain_lookups", "name_pre_regup_subdomain_xfer_dependent"] }
    rest::rest_read_routes { Rest, Epoch3, true,
        "GET name (status, mainnet address, zone file and hash, last_txid, expire_block), history, zone file, namespaces, namespace, its names, prices, an address's names, a block's operations, consensus, name_count",
        ["rest_noauth_blockchain", "rpc_register_cli_queries", "rest_register"] }
    rest::rest_unknown_revoked_and_bare_names { Rest, Epoch3, false,
        "an unknown name is 404 available, a revoked one has status revoked, a name without a zone file has a null hash and a 404 zone file",
        ["rest_register_revoke", "rest_noauth"] }
    rest::rest_expired_name { Rest, ShortLife, false,
        "a name in its grace period is still served as registered; past it the API answers 500 Name expired",
        ["name_pre_reg_expire", "rest_register_renew"] }
    registrar::rest_register_update_transfer_revoke { Rest, Registrar, false,
        "POST /v1/names with a zone file, PUT zonefile, PUT owner and DELETE answer 202 and the registrar carries each through its stages to the chain, the zone file replicated",
        ["rest_register", "rest_register_update", "rest_register_transfer", "rest_register_revoke", "rest_regup"] }
    registrar::rest_write_routes_need_the_password { Rest, Registrar, false,
        "POST /v1/names and PUT zonefile answer 403 without the API password; the public pending listing has no entry for the name",
        ["rest_noauth"] }
}

/// The README's scenario table, generated from [`SCENARIOS`].
pub fn markdown_table() -> String {
    let mut out = String::from(
        "| scenario | category | profile | regtest | what it checks | original scenario(s) |\n|---|---|---|---|---|---|\n",
    );
    for s in SCENARIOS {
        let originals: Vec<String> = s.originals.iter().map(|o| format!("`{o}`")).collect();
        let checks = match s.divergence {
            Some(d) => format!("{} **Known divergence:** {d}", s.checks),
            None => s.checks.to_owned(),
        };
        out.push_str(&format!(
            "| `{}` | {} | {} | {} | {} | {} |\n",
            s.name,
            s.category.name(),
            s.profile.name(),
            if s.regtest { "yes" } else { "" },
            checks,
            originals.join(", ")
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    #[test]
    fn scenario_names_are_unique() {
        let mut seen = HashSet::new();
        for s in SCENARIOS {
            assert!(seen.insert(s.name), "{} twice", s.name);
        }
    }

    #[test]
    fn every_scenario_names_the_originals_it_stands_for() {
        for s in SCENARIOS {
            assert!(!s.originals.is_empty(), "{}", s.name);
            assert!(!s.checks.is_empty(), "{}", s.name);
        }
    }

    /// With `BNS_WRITE_README=1` the table between the README's markers is rewritten.
    #[test]
    fn the_readme_table_is_the_catalog() {
        const START: &str = "<!-- scenario-table -->\n";
        const END: &str = "<!-- /scenario-table -->";
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/README.md");
        let readme = std::fs::read_to_string(path).expect("README.md");
        let table = markdown_table();
        let (Some(start), Some(end)) = (readme.find(START), readme.find(END)) else {
            panic!("README.md lacks the scenario-table markers");
        };
        let current = &readme[start + START.len()..end];
        if current != table && std::env::var_os("BNS_WRITE_README").is_some() {
            let updated = format!("{}{START}{table}{}", &readme[..start], &readme[end..]);
            std::fs::write(path, updated).expect("write README.md");
            return;
        }
        assert_eq!(
            current, table,
            "README.md's scenario table is out of date (BNS_WRITE_README=1 rewrites it)"
        );
    }
}
