//! Build-and-sign throughput benchmark.

fn main() {}
