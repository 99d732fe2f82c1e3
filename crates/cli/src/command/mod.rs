//! One module per command.

pub mod decode;
