//! The permission doctor: token claims, permission map, error catalogue, diagnosis.
