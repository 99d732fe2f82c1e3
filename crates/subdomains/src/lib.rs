//! Subdomains: the subdomain records of on-chain names' zonefiles, indexed in SQLite.
