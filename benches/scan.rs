//! Benchmarks of the data layer (placeholder, filled in below).
fn main() {}
