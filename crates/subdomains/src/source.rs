//! Where the indexer reads carrier zone files from: the Atlas inventory rows in chain order,
//! their presence, the zone file store, and where it keeps each subdomain's own zone file.

use blockstack_atlas::Atlas;

use crate::error::SubdomainError;

/// One Atlas inventory row: an accepted operation that set a name's zone file hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CarrierRow {
    /// Its `inv_index` (1-based; chain order: block, then position in the block).
    pub inv_index: u64,
    /// The on-chain name (the carrier).
    pub name: String,
    /// The zone file hash it announced.
    pub zonefile_hash: String,
    /// The operation's txid.
    pub txid: String,
    /// The operation's block.
    pub block_height: u64,
    /// Whether the zone file is held.
    pub present: bool,
}

/// What the indexer reads from (implemented by [`Atlas`]; tests use an in-memory one).
pub trait CarrierSource {
    /// Up to `limit` rows from `inv_index` `start` on, in order.
    fn rows_from(&self, start: u64, limit: usize) -> Result<Vec<CarrierRow>, SubdomainError>;

    /// Whether the rows with these `inv_index`es are present now.
    fn rows_present(&self, inv_indexes: &[u64]) -> Result<Vec<bool>, SubdomainError>;

    /// The zone file with `hash`, if held.
    fn zonefile(&self, hash: &str) -> Result<Option<Vec<u8>>, SubdomainError>;

    /// Keeps a subdomain's own zone file where peers and clients can fetch it by hash.
    fn keep_subdomain_zonefile(&self, bytes: &[u8]) -> Result<(), SubdomainError>;
}

fn source_err(e: impl std::fmt::Display) -> SubdomainError {
    SubdomainError::Source(e.to_string())
}

impl CarrierSource for Atlas {
    fn rows_from(&self, start: u64, limit: usize) -> Result<Vec<CarrierRow>, SubdomainError> {
        Ok(Atlas::rows_from(self, start, limit)
            .into_iter()
            .map(|(inv_index, row, present)| CarrierRow {
                inv_index,
                name: row.name,
                zonefile_hash: row.zonefile_hash,
                txid: row.txid,
                block_height: row.block_height,
                present,
            })
            .collect())
    }

    fn rows_present(&self, inv_indexes: &[u64]) -> Result<Vec<bool>, SubdomainError> {
        Ok(Atlas::rows_present(self, inv_indexes))
    }

    fn zonefile(&self, hash: &str) -> Result<Option<Vec<u8>>, SubdomainError> {
        self.get_zonefile(hash).map_err(source_err)
    }

    fn keep_subdomain_zonefile(&self, bytes: &[u8]) -> Result<(), SubdomainError> {
        self.store()
            .put_unannounced(bytes)
            .map(|_| ())
            .map_err(source_err)
    }
}
