//! Sign-in: device code, client credentials, refresh, and the token store.
