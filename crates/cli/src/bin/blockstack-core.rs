//! The `blockstack-core` daemon.
fn main() {}
