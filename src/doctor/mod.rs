//! The permission doctor: token claims, permission map, error catalogue, diagnosis, "copy as",
//! and support bundles. Everything here works offline.
//!
//! - [`permmap`]: the embedded permission map (from Graph Explorer's permissions.json) and the
//!   least-privileged choice per path, method and scheme.
//! - [`pathmatch`]: a concrete request URL to the map's path template.
//! - [`claims`]: an access token's claims, decoded locally without validation.
//! - [`catalogue`]: Graph error codes, AADSTS numbers, OAuth errors: cause and remedy.
//! - [`diagnose`]: "will this work?" before a request and "why did it fail?" after it.
//! - [`copyas`]: the request as curl, `Invoke-MgGraphRequest` or `az rest`, without the token.
//! - [`bundle`]: the support bundle text and a 0600 file writer.

pub mod bundle;
pub mod catalogue;
pub mod claims;
pub mod copyas;
pub mod diagnose;
pub mod pathmatch;
pub mod permmap;

pub use bundle::{BundleInput, support_bundle, write_bundle};
pub use catalogue::{
    explain_aadsts, explain_graph_error, explain_identity_error, explain_oauth_error,
};
pub use claims::{Claims, TokenKind};
pub use copyas::{copy_as_az_rest, copy_as_curl, copy_as_powershell};
pub use diagnose::{Diagnosis, Verdict, diagnose};
pub use pathmatch::{PathMatch, match_request};
pub use permmap::{Scheme, build_map, embedded};
