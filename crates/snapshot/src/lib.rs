//! fast-sync: signed snapshots of a node's state, their verification and restore.
