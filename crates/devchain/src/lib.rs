//! An embedded development Bitcoin chain speaking a subset of bitcoind JSON-RPC.
