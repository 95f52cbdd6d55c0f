//! Token sets, expiry, and decoding an access token's claims (payload only; the signature is
//! not checked: Graph tokens are opaque to clients and this is a diagnostic aid).

use crate::util::Secret;
use base64::Engine;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Seconds since the Unix epoch, now.
pub fn now_unix() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// How the token was obtained.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GrantKind {
    /// A signed-in user (device code); refreshable with a refresh token.
    Delegated,
    /// The application itself (client credentials); renewed by asking again.
    AppOnly,
}

/// What the cache keeps for one profile.
#[derive(Clone, Serialize, Deserialize)]
pub struct TokenSet {
    pub access_token: Secret,
    pub refresh_token: Option<Secret>,
    /// Unix seconds.
    pub expires_at: i64,
    /// Scopes asked for.
    pub requested_scopes: Vec<String>,
    /// Scopes the token response granted (`scope`), when it said.
    pub granted_scopes: Vec<String>,
    pub kind: GrantKind,
    /// The account (upn / preferred_username / app id), from the claims.
    pub account: Option<String>,
    /// Tenant id from the claims.
    pub tenant_id: Option<String>,
}

impl std::fmt::Debug for TokenSet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenSet")
            .field("access_token", &self.access_token)
            .field("has_refresh_token", &self.refresh_token.is_some())
            .field("expires_at", &self.expires_at)
            .field("granted_scopes", &self.granted_scopes)
            .field("kind", &self.kind)
            .field("account", &self.account)
            .finish()
    }
}

/// Delegated scopes that are not Graph permissions and never show in `scp`.
const OIDC_SCOPES: &[&str] = &["openid", "profile", "email", "offline_access"];

/// Lower-cases a scope and strips a Graph resource prefix (`https://graph.microsoft.com/User.Read`).
fn scope_name(s: &str) -> String {
    let s = s.rsplit('/').next().unwrap_or(s);
    s.to_ascii_lowercase()
}

impl TokenSet {
    /// Seconds until expiry (negative when expired).
    pub fn expires_in(&self) -> i64 {
        self.expires_at - now_unix()
    }

    /// True when the token expires within `margin`.
    pub fn expires_within(&self, margin: Duration) -> bool {
        self.expires_in() <= margin.as_secs() as i64
    }

    /// Requested Graph scopes the server did not grant (OIDC scopes ignored). Empty when the
    /// response did not list scopes.
    pub fn missing_scopes(&self) -> Vec<String> {
        if self.granted_scopes.is_empty() || self.kind == GrantKind::AppOnly {
            return Vec::new();
        }
        let granted: Vec<String> = self.granted_scopes.iter().map(|s| scope_name(s)).collect();
        self.requested_scopes
            .iter()
            .filter(|s| !OIDC_SCOPES.contains(&s.to_ascii_lowercase().as_str()))
            .filter(|s| !s.ends_with("/.default"))
            .filter(|s| !granted.contains(&scope_name(s)))
            .cloned()
            .collect()
    }

    /// The access token's claims, when it is a JWT.
    pub fn claims(&self) -> Option<Claims> {
        Claims::decode(self.access_token.expose()).ok()
    }
}

/// Claims read from a JWT payload.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct Claims {
    pub aud: Option<String>,
    pub iss: Option<String>,
    pub tid: Option<String>,
    pub oid: Option<String>,
    pub appid: Option<String>,
    pub app_displayname: Option<String>,
    pub upn: Option<String>,
    pub preferred_username: Option<String>,
    pub unique_name: Option<String>,
    pub name: Option<String>,
    /// Delegated scopes (`scp`, space separated in the token).
    pub scp: Vec<String>,
    /// App roles (`roles`).
    pub roles: Vec<String>,
    /// Directory role template ids (`wids`).
    pub wids: Vec<String>,
    pub exp: Option<i64>,
    pub nbf: Option<i64>,
    pub iat: Option<i64>,
    pub idtyp: Option<String>,
    pub ver: Option<String>,
    /// Every claim, as decoded.
    pub raw: serde_json::Map<String, Value>,
}

/// Why a token's claims could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ClaimsError {
    #[error("the token is not a JWT (expected three dot-separated parts)")]
    NotJwt,
    #[error("the token payload is not valid base64url")]
    Base64,
    #[error("the token payload is not a JSON object")]
    Json,
}

fn num(v: Option<&Value>) -> Option<i64> {
    match v? {
        Value::Number(n) => n.as_i64().or_else(|| n.as_f64().map(|f| f as i64)),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

fn string_list(v: Option<&Value>) -> Vec<String> {
    match v {
        Some(Value::Array(a)) => a
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_string)
            .collect(),
        Some(Value::String(s)) => s.split_whitespace().map(str::to_string).collect(),
        _ => Vec::new(),
    }
}

impl Claims {
    /// Decodes the payload of a JWT without checking its signature.
    pub fn decode(token: &str) -> Result<Claims, ClaimsError> {
        let mut parts = token.split('.');
        let (_h, p, _s) = match (parts.next(), parts.next(), parts.next(), parts.next()) {
            (Some(h), Some(p), Some(s), None) if !p.is_empty() => (h, p, s),
            _ => return Err(ClaimsError::NotJwt),
        };
        let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(p.trim_end_matches('='))
            .map_err(|_| ClaimsError::Base64)?;
        let raw: serde_json::Map<String, Value> =
            serde_json::from_slice(&bytes).map_err(|_| ClaimsError::Json)?;
        let s = |k: &str| raw.get(k).and_then(Value::as_str).map(str::to_string);
        Ok(Claims {
            aud: s("aud"),
            iss: s("iss"),
            tid: s("tid"),
            oid: s("oid"),
            appid: s("appid").or_else(|| s("azp")),
            app_displayname: s("app_displayname"),
            upn: s("upn"),
            preferred_username: s("preferred_username"),
            unique_name: s("unique_name"),
            name: s("name"),
            scp: string_list(raw.get("scp")),
            roles: string_list(raw.get("roles")),
            wids: string_list(raw.get("wids")),
            exp: num(raw.get("exp")),
            nbf: num(raw.get("nbf")),
            iat: num(raw.get("iat")),
            idtyp: s("idtyp"),
            ver: s("ver"),
            raw,
        })
    }

    /// The account to show: upn, preferred_username, unique_name, else the app id.
    pub fn account(&self) -> Option<String> {
        self.upn
            .clone()
            .or_else(|| self.preferred_username.clone())
            .or_else(|| self.unique_name.clone())
            .or_else(|| self.appid.clone())
    }

    /// True for an app-only token (roles and no scp).
    pub fn is_app_only(&self) -> bool {
        self.scp.is_empty() && (self.idtyp.as_deref() == Some("app") || !self.roles.is_empty())
    }
}

#[cfg(test)]
pub(crate) fn fake_jwt(claims: &Value) -> String {
    let e = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    format!(
        "{}.{}.sig",
        e.encode(br#"{"typ":"JWT","alg":"RS256"}"#),
        e.encode(claims.to_string())
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn decodes_delegated_and_app_claims() {
        let t = fake_jwt(
            &json!({"tid":"t1","upn":"ann@contoso.com","scp":"User.Read User.Read.All","wids":["62e90394-69f5-4237-9190-012177145e10"],"exp":"1700000000"}),
        );
        let c = Claims::decode(&t).unwrap();
        assert_eq!(c.scp, vec!["User.Read", "User.Read.All"]);
        assert_eq!(c.exp, Some(1_700_000_000));
        assert_eq!(c.account().as_deref(), Some("ann@contoso.com"));
        assert!(!c.is_app_only());
        let t = fake_jwt(&json!({"appid":"app1","roles":["User.Read.All"],"idtyp":"app"}));
        let c = Claims::decode(&t).unwrap();
        assert!(c.is_app_only());
        assert_eq!(c.account().as_deref(), Some("app1"));
    }

    #[test]
    fn bad_tokens_are_errors_not_panics() {
        assert_eq!(Claims::decode("abc"), Err(ClaimsError::NotJwt));
        assert_eq!(Claims::decode("a.!!!.c"), Err(ClaimsError::Base64));
        assert_eq!(Claims::decode("a.YWJj.c"), Err(ClaimsError::Json));
    }

    #[test]
    fn missing_scopes_ignores_oidc_and_case() {
        let t = TokenSet {
            access_token: Secret::new("x"),
            refresh_token: None,
            expires_at: now_unix() + 3600,
            requested_scopes: vec![
                "User.Read".into(),
                "GroupMember.Read.All".into(),
                "offline_access".into(),
                "openid".into(),
            ],
            granted_scopes: vec!["https://graph.microsoft.com/user.read".into()],
            kind: GrantKind::Delegated,
            account: None,
            tenant_id: None,
        };
        assert_eq!(t.missing_scopes(), vec!["GroupMember.Read.All"]);
        assert!(!t.expires_within(Duration::from_secs(300)));
        assert!(!format!("{t:?}").contains("\"x\""));
    }
}
