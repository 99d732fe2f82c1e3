//! One module per command.

pub mod configure;
pub mod decode;
pub mod info;
pub mod start;
pub mod stop;
