//! Identity-platform errors (AADSTS) and sign-in failures, each with a plain-language line.

use serde_json::Value;
use std::fmt;

/// An error body from the identity platform's token or devicecode endpoint.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct AadError {
    /// HTTP status.
    pub status: u16,
    /// The OAuth `error`, e.g. `invalid_grant`, `authorization_declined`.
    pub error: String,
    /// `error_description` exactly as sent (starts with `AADSTSnnnnn:`).
    pub description: Option<String>,
    /// `error_codes`.
    pub codes: Vec<u64>,
    pub suberror: Option<String>,
    pub trace_id: Option<String>,
    pub correlation_id: Option<String>,
    pub timestamp: Option<String>,
    pub error_uri: Option<String>,
    /// The raw body (token endpoint errors never hold tokens).
    pub raw_body: String,
}

impl AadError {
    /// Parses an identity-platform error body; `None` when the body has no `error` field.
    pub fn parse(status: u16, body: &str) -> Option<AadError> {
        let v: Value = serde_json::from_str(body).ok()?;
        let s = |k: &str| v.get(k).and_then(Value::as_str).map(str::to_string);
        let error = s("error")?;
        let mut codes: Vec<u64> = v
            .get("error_codes")
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(Value::as_u64).collect())
            .unwrap_or_default();
        let description = s("error_description");
        if codes.is_empty()
            && let Some(c) = description.as_deref().and_then(aadsts_code)
        {
            codes.push(c);
        }
        Some(AadError {
            status,
            error,
            description,
            codes,
            suberror: s("suberror"),
            trace_id: s("trace_id"),
            correlation_id: s("correlation_id"),
            timestamp: s("timestamp"),
            error_uri: s("error_uri"),
            raw_body: body.to_string(),
        })
    }

    /// The first AADSTS code.
    pub fn code(&self) -> Option<u64> {
        self.codes.first().copied()
    }

    /// A plain-language explanation for common errors.
    pub fn hint(&self) -> Option<&'static str> {
        if let Some(h) = self.code().and_then(aadsts_hint) {
            return Some(h);
        }
        Some(match self.error.as_str() {
            "authorization_declined" | "access_denied" => {
                "The sign-in was declined in the browser. Run `graphtui login` again to retry."
            }
            "expired_token" => {
                "The device code expired before sign-in finished (codes last 15 minutes). Run `graphtui login` again."
            }
            "bad_verification_code" => {
                "The identity platform did not recognise the device code. Start the sign-in again."
            }
            "invalid_client" => "The client secret or app registration was rejected.",
            "invalid_scope" => "One of the requested scopes is not valid; check --scopes.",
            "interaction_required" | "consent_required" => {
                "You need to sign in interactively again (`graphtui login`)."
            }
            _ => return None,
        })
    }
}

/// The `AADSTSnnnn` number at the start of a description.
pub fn aadsts_code(desc: &str) -> Option<u64> {
    let rest = desc.trim_start().strip_prefix("AADSTS")?;
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    digits.parse().ok()
}

/// Plain-language lines for the AADSTS codes people meet most (reference-error-codes.md).
pub fn aadsts_hint(code: u64) -> Option<&'static str> {
    Some(match code {
        65001 => {
            "Consent is missing: the app has not been granted these permissions. Sign in interactively and consent, or ask an admin to grant consent for the tenant."
        }
        65004 => "Consent was declined, so the app cannot get these permissions.",
        50076 => {
            "Multi-factor authentication is required. Sign in again with `graphtui login` and complete MFA."
        }
        50079 => "You must register for multi-factor authentication before signing in.",
        53003 => "A Conditional Access policy blocked this sign-in.",
        700016 => {
            "The application (client id) was not found in this tenant: check --client-id and --tenant, or have an admin add the app."
        }
        7000215 => "The client secret is wrong: check AZURE_CLIENT_SECRET or the stored secret.",
        7000222 => "The client secret has expired: create a new one in the app registration.",
        90002 => {
            "The tenant was not found: check --tenant (GUID or domain) and --cloud (tenants do not cross national clouds)."
        }
        7000218 => {
            "The app needs a client secret for this flow: it is not marked as a public client. Enable 'Allow public client flows' on the app registration, or use --client-credentials."
        }
        9001023 => {
            "App-only sign-in needs a tenant GUID or domain, not 'common' or 'consumers': pass --tenant."
        }
        50194 => "The app is not multi-tenant, so /common does not work: pass --tenant.",
        70008 | 700082 => "The refresh token expired through inactivity. Sign in again.",
        50173 => "Your tokens were revoked (for example after a password change). Sign in again.",
        70043 => "Conditional Access requires you to sign in again.",
        70011 => "One of the requested scopes is not valid; check --scopes.",
        700022 => "The scope list names more than one resource.",
        50126 => "Invalid user name or password.",
        50057 => "The user account is disabled.",
        50053 => "The account is locked.",
        90038 => "The tenant is in a national cloud: pass the matching --cloud.",
        70016 => "Sign-in is still pending.",
        70019 | 70020 => {
            "The device code expired before sign-in finished. Run `graphtui login` again."
        }
        70018 => "The device code was not recognised. Start the sign-in again.",
        _ => return None,
    })
}

impl fmt::Display for AadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.error)?;
        if let Some(d) = &self.description {
            write!(f, ": {}", d.replace("\r\n", "\n"))?;
        }
        if let Some(h) = self.hint() {
            write!(f, "\n{h}")?;
        }
        Ok(())
    }
}

/// Why signing in (or getting a token) failed.
#[derive(Debug, Clone, thiserror::Error)]
pub enum AuthError {
    /// No cached sign-in for this profile.
    #[error("not signed in for profile '{profile}': run `graphtui login`")]
    NotSignedIn { profile: String },
    /// The identity platform answered with an error.
    #[error("the identity platform refused the request: {0}")]
    Aad(Box<AadError>),
    /// Refreshing failed; the user must sign in again.
    #[error("the session could not be renewed, sign in again with `graphtui login`: {0}")]
    RefreshFailed(Box<AuthError>),
    /// Graph refused the token even after a refresh.
    #[error("Graph refused the access token: {0}")]
    TokenRejected(String),
    /// App-only sign-in without a secret.
    #[error(
        "no client secret: set AZURE_CLIENT_SECRET, or store one in the keyring with `graphtui login --client-credentials`"
    )]
    MissingSecret,
    /// The token store failed.
    #[error("token store: {0}")]
    Store(String),
    /// The identity platform could not be reached.
    #[error("cannot reach the identity platform: {0}")]
    Transport(String),
    /// The identity platform answered something unexpected.
    #[error("unexpected answer from the identity platform: {0}")]
    Protocol(String),
    /// Cancelled by the user.
    #[error("sign-in cancelled")]
    Cancelled,
}

impl AuthError {
    /// The AADSTS error, when there is one (looking through refresh failures).
    pub fn aad(&self) -> Option<&AadError> {
        match self {
            AuthError::Aad(a) => Some(a),
            AuthError::RefreshFailed(inner) => inner.aad(),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_aad_body_and_gives_hint() {
        let body = r#"{"error":"invalid_grant","error_description":"AADSTS65001: The user or administrator has not consented to use the application.\r\nTrace ID: t\r\nCorrelation ID: c\r\nTimestamp: 2023-01-05 20:36:23Z","error_codes":[65001],"trace_id":"t","correlation_id":"c"}"#;
        let e = AadError::parse(400, body).unwrap();
        assert_eq!(e.code(), Some(65001));
        assert_eq!(e.trace_id.as_deref(), Some("t"));
        let shown = e.to_string();
        assert!(shown.contains("AADSTS65001: The user or administrator"));
        assert!(shown.contains("Trace ID: t"));
        assert!(shown.contains("Consent is missing"));
    }

    #[test]
    fn code_from_description_when_codes_missing() {
        let body = r#"{"error":"invalid_client","error_description":"AADSTS7000215: Invalid client secret provided."}"#;
        let e = AadError::parse(401, body).unwrap();
        assert_eq!(e.code(), Some(7000215));
        assert!(e.to_string().contains("client secret is wrong"));
        assert!(AadError::parse(400, "not json").is_none());
        assert!(AadError::parse(400, "{}").is_none());
    }

    #[test]
    fn common_codes_have_hints() {
        for c in [
            65001, 50076, 50079, 700016, 7000215, 90002, 7000218, 9001023,
        ] {
            assert!(aadsts_hint(c).is_some(), "{c}");
        }
        let declined = AadError::parse(400, r#"{"error":"authorization_declined"}"#).unwrap();
        assert!(declined.to_string().contains("declined"));
    }
}
