//! The sandbox tenant: an emulator of the identity platform and Graph's directory API.
