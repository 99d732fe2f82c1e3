//! The BNS name database.
