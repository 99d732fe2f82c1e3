//! The scenario suite: the original's integration scenarios as data, run on the devnet and on a real regtest bitcoind.
