//! The `blockstack` CLI: one module per command.
