//! The registrar: a persistent queue that carries name registrations and updates through to the end, and the REST write routes.
