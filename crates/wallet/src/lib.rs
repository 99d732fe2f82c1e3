//! Keys, the encrypted wallet file and the pure BNS transaction builder.
