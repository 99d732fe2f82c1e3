//! Blockstack zonefile parser and serializer.
