//! BNS v0.18 consensus rules.
