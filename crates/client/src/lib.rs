//! The blockstack client library: client.ini, the bitcoind wallet backend, the node RPC client and the composer of signed BNS transactions.
