//! The seeded random generator of operation sequences and the shrinker (long tier).
