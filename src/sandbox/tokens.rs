//! Tokens the sandbox issues and checks: JWT-shaped access tokens with Graph's v1.0 claims
//! and a signature that is deliberately not a signature, refresh tokens and device codes.
//! Issued tokens are kept in a table; only tokens in the table are accepted.

use crate::sandbox::errors::GraphError;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Value, json};
use std::collections::HashMap;
use time::OffsetDateTime;

/// The third JWT segment: base64url of this text. Nothing verifies it; it is not a signature.
pub const FAKE_SIGNATURE_TEXT: &str = "sandbox-signature-not-valid";

/// Who a token speaks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Principal {
    /// A signed-in user (index into the tenant's users).
    User(u32),
    /// An application (client credentials), by service-principal index if it has one.
    App { sp: Option<u32> },
}

/// What an issued access token grants.
#[derive(Debug, Clone)]
pub struct AccessGrant {
    pub principal: Principal,
    pub app_id: String,
    /// Delegated scopes (`scp`), empty for app tokens.
    pub scopes: Vec<String>,
    /// Application permissions (`roles`), empty for delegated tokens.
    pub roles: Vec<String>,
    pub exp: i64,
    pub serial: u64,
}

impl AccessGrant {
    /// True for an app-only token.
    pub fn is_app(&self) -> bool {
        matches!(self.principal, Principal::App { .. })
    }

    /// The permissions the token carries (scp or roles).
    pub fn permissions(&self) -> &[String] {
        if self.is_app() {
            &self.roles
        } else {
            &self.scopes
        }
    }
}

/// A refresh token's grant.
#[derive(Debug, Clone)]
pub struct RefreshGrant {
    pub user: u32,
    pub client_id: String,
    /// Everything originally asked for (Graph scopes plus openid/profile/offline_access).
    pub requested: Vec<String>,
    pub issued: OffsetDateTime,
    pub revoked: bool,
}

/// A pending device authorization.
#[derive(Debug, Clone)]
pub struct DeviceCode {
    pub user_code: String,
    pub client_id: String,
    pub requested: Vec<String>,
    pub polls: u32,
    pub expires_at: i64,
    /// Set by the control endpoint: Some(true) approved, Some(false) declined.
    pub decision: Option<bool>,
    /// The user who approves (default: the demo user).
    pub user: Option<u32>,
    /// Set once a token was issued (or declined): later polls fail.
    pub finished: bool,
}

/// All issued tokens and device codes.
#[derive(Debug, Default)]
pub struct TokenStore {
    pub access: HashMap<String, AccessGrant>,
    pub refresh: HashMap<String, RefreshGrant>,
    pub devices: HashMap<String, DeviceCode>,
    /// Access tokens with a serial below this are treated as expired.
    pub expired_below: u64,
    pub next_serial: u64,
}

/// Seconds since the Unix epoch.
pub fn now() -> i64 {
    OffsetDateTime::now_utc().unix_timestamp()
}

/// A random URL-safe string of `n` random 16-byte blocks.
pub fn random_token(blocks: usize) -> String {
    let mut bytes = Vec::with_capacity(blocks * 16);
    for _ in 0..blocks {
        bytes.extend_from_slice(uuid::Uuid::new_v4().as_bytes());
    }
    URL_SAFE_NO_PAD.encode(bytes)
}

/// A 9-character user code like the real service shows (upper-case letters and digits).
pub fn user_code() -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    uuid::Uuid::new_v4().as_bytes()[..9]
        .iter()
        .map(|b| ALPHABET[(*b as usize) % ALPHABET.len()] as char)
        .collect()
}

/// Encodes claims as `header.payload.signature` (the header carries a `nonce`, as Graph
/// tokens do, and the signature segment is [`FAKE_SIGNATURE_TEXT`]).
pub fn encode_jwt(claims: &Value) -> String {
    let header = json!({
        "typ": "JWT",
        "nonce": random_token(1),
        "alg": "RS256",
        "x5t": "sandbox-not-a-real-key",
        "kid": "sandbox-not-a-real-key",
    });
    format!(
        "{}.{}.{}",
        URL_SAFE_NO_PAD.encode(header.to_string()),
        URL_SAFE_NO_PAD.encode(claims.to_string()),
        URL_SAFE_NO_PAD.encode(FAKE_SIGNATURE_TEXT)
    )
}

/// Decodes the payload of a JWT-shaped string, or None when it is not one.
pub fn decode_payload(token: &str) -> Option<Value> {
    let mut parts = token.split('.');
    let (h, p, _s) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() {
        return None;
    }
    let header: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(h).ok()?).ok()?;
    if !header.is_object() {
        return None;
    }
    let payload: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(p).ok()?).ok()?;
    payload.is_object().then_some(payload)
}

impl TokenStore {
    /// Stores a grant under a new serial; returns the serial.
    pub fn next_serial(&mut self) -> u64 {
        self.next_serial += 1;
        self.next_serial
    }

    /// Makes every access token issued so far expired.
    pub fn expire_all(&mut self) {
        self.expired_below = self.next_serial + 1;
    }

    /// Revokes every refresh token (the next use answers AADSTS50173).
    pub fn revoke_refresh_tokens(&mut self) {
        for r in self.refresh.values_mut() {
            r.revoked = true;
        }
    }

    /// Checks an `Authorization` header value and returns the grant, or Graph's 401.
    pub fn validate(&self, authorization: Option<&str>) -> Result<AccessGrant, GraphError> {
        let Some(value) = authorization.map(str::trim).filter(|v| !v.is_empty()) else {
            // [unverified] text for a request without any bearer token.
            return Err(GraphError::unauthorized("Access token is empty."));
        };
        let token = match value.split_once(' ') {
            Some((scheme, rest)) if scheme.eq_ignore_ascii_case("bearer") => rest.trim(),
            _ => value,
        };
        if token.is_empty() {
            return Err(GraphError::unauthorized("Access token is empty."));
        }
        match self.access.get(token) {
            Some(g) if g.serial < self.expired_below || g.exp <= now() => Err(
                GraphError::unauthorized("Lifetime validation failed, the token is expired."),
            ),
            Some(g) => Ok(g.clone()),
            None => match decode_payload(token) {
                None => Err(GraphError::unauthorized(
                    "CompactToken parsing failed with error code: 80049217",
                )),
                Some(claims) if claims["exp"].as_i64().is_some_and(|e| e <= now()) => Err(
                    GraphError::unauthorized("Lifetime validation failed, the token is expired."),
                ),
                // A well-formed token this sandbox did not issue. Graph's exact text for a
                // bad signature is not documented; this is the closest observed family.
                Some(_) => Err(GraphError::unauthorized(
                    "Access token validation failure. Invalid audience.",
                )),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jwt_round_trip_and_fake_signature() {
        let t = encode_jwt(&json!({"tid": "x", "exp": 5}));
        let parts: Vec<&str> = t.split('.').collect();
        assert_eq!(parts.len(), 3);
        assert_eq!(
            URL_SAFE_NO_PAD.decode(parts[2]).unwrap(),
            FAKE_SIGNATURE_TEXT.as_bytes()
        );
        assert_eq!(decode_payload(&t).unwrap()["tid"], "x");
        assert!(decode_payload("garbage").is_none());
    }

    #[test]
    fn validation_messages() {
        let mut s = TokenStore::default();
        let e = s.validate(Some("Bearer garbage")).unwrap_err();
        assert_eq!(
            e.message,
            "CompactToken parsing failed with error code: 80049217"
        );
        assert!(s.validate(None).is_err());
        let serial = s.next_serial();
        s.access.insert(
            "tok".into(),
            AccessGrant {
                principal: Principal::User(0),
                app_id: "a".into(),
                scopes: vec!["User.Read".into()],
                roles: vec![],
                exp: now() + 100,
                serial,
            },
        );
        assert!(s.validate(Some("Bearer tok")).is_ok());
        s.expire_all();
        let e = s.validate(Some("Bearer tok")).unwrap_err();
        assert_eq!(
            e.message,
            "Lifetime validation failed, the token is expired."
        );
        assert_eq!(e.status, 401);
    }

    #[test]
    fn user_codes_look_real() {
        let c = user_code();
        assert_eq!(c.len(), 9);
        assert!(
            c.chars()
                .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
        );
    }
}
