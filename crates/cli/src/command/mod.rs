//! One module per command.

pub mod configure;
pub mod decode;
pub mod fast_sync;
pub mod info;
pub mod snapshot;
pub mod start;
pub mod stop;
