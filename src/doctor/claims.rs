//! Reading an access token's claims locally, for diagnosis only.
//!
//! The token is decoded, **not validated**: no signature check (Graph tokens carry a `nonce` in
//! their header, so third parties cannot check them anyway), no network. Access tokens are opaque
//! by contract; what is read here is a diagnostic aid and must never drive authorisation.

use super::permmap::Scheme;
use serde::Serialize;
use serde_json::{Map as JsonMap, Value};

/// What every display of decoded claims should say.
pub const NOT_VERIFIED: &str = "decoded locally without signature validation; for diagnosis only";

/// The tenant id of personal Microsoft accounts.
pub const MSA_TENANT: &str = "9188040d-6c67-4c5b-b112-36a304b66dad";

/// The Microsoft Graph resource app id.
pub const GRAPH_APP_ID: &str = "00000003-0000-0000-c000-000000000000";

/// Why a token could not be decoded (shared with the sign-in code's decoder).
pub use crate::auth::token::ClaimsError;

/// Kind of token.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum TokenKind {
    /// A user is signed in (`scp`).
    Delegated,
    /// No user: application permissions (`roles`, no `scp`).
    AppOnly,
    /// Neither `scp` nor `roles`.
    Unknown,
}

/// The claims graphtui shows and reasons about.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Claims {
    /// Audience.
    pub aud: Option<String>,
    /// Issuer.
    pub iss: Option<String>,
    /// Tenant id.
    pub tid: Option<String>,
    /// Object id of the user or service principal.
    pub oid: Option<String>,
    /// Client app id (`appid` in v1 tokens, `azp` in v2).
    pub app_id: Option<String>,
    /// Client app display name.
    pub app_displayname: Option<String>,
    /// The account: `upn`, else `unique_name`, else `preferred_username`.
    pub account: Option<String>,
    /// Display name of the user.
    pub name: Option<String>,
    /// Delegated scopes (`scp`, split on spaces).
    pub scopes: Vec<String>,
    /// Application roles (`roles`).
    pub roles: Vec<String>,
    /// Directory role template ids (`wids`).
    pub wids: Vec<String>,
    /// Expiry, Unix seconds.
    pub exp: Option<i64>,
    /// Issued at, Unix seconds.
    pub iat: Option<i64>,
    /// Not before, Unix seconds.
    pub nbf: Option<i64>,
    /// Authentication methods (`amr`).
    pub amr: Vec<String>,
    /// `idtyp` optional claim (`app` / `user`).
    pub idtyp: Option<String>,
    /// Token version (`ver`).
    pub ver: Option<String>,
    /// Client capabilities (`xms_cc`), e.g. `cp1`.
    pub xms_cc: Vec<String>,
    /// Every claim as decoded, for the raw view.
    #[serde(skip)]
    pub raw: JsonMap<String, Value>,
}

fn str_claim(m: &JsonMap<String, Value>, k: &str) -> Option<String> {
    match m.get(k) {
        Some(Value::String(s)) if !s.is_empty() => Some(s.clone()),
        _ => None,
    }
}

fn num_claim(m: &JsonMap<String, Value>, k: &str) -> Option<i64> {
    match m.get(k) {
        Some(Value::Number(n)) => n.as_i64().or_else(|| n.as_f64().map(|f| f as i64)),
        Some(Value::String(s)) => s.trim().parse().ok(),
        _ => None,
    }
}

fn list_claim(m: &JsonMap<String, Value>, k: &str) -> Vec<String> {
    match m.get(k) {
        Some(Value::Array(a)) => a
            .iter()
            .filter_map(|v| v.as_str().map(str::to_string))
            .collect(),
        Some(Value::String(s)) => s.split_whitespace().map(str::to_string).collect(),
        _ => Vec::new(),
    }
}

impl Claims {
    /// Decodes a JWT's payload (a leading `Bearer ` is accepted) with the sign-in code's decoder
    /// ([`crate::auth::token::Claims::decode`]). No signature check.
    pub fn decode(token: &str) -> Result<Claims, ClaimsError> {
        let t = token.trim();
        let t = t
            .strip_prefix("Bearer ")
            .or_else(|| t.strip_prefix("bearer "))
            .unwrap_or(t)
            .trim();
        crate::auth::token::Claims::decode(t).map(|c| Claims::from_map(c.raw))
    }

    /// The claims of a cached token set, when its access token is a JWT.
    pub fn from_token_set(tokens: &crate::auth::TokenSet) -> Option<Claims> {
        tokens.claims().map(|c| Claims::from_map(c.raw))
    }

    /// Builds claims from a decoded JSON object.
    pub fn from_map(m: JsonMap<String, Value>) -> Claims {
        let account = str_claim(&m, "upn")
            .or_else(|| str_claim(&m, "unique_name"))
            .or_else(|| str_claim(&m, "preferred_username"));
        Claims {
            aud: str_claim(&m, "aud"),
            iss: str_claim(&m, "iss"),
            tid: str_claim(&m, "tid"),
            oid: str_claim(&m, "oid"),
            app_id: str_claim(&m, "appid").or_else(|| str_claim(&m, "azp")),
            app_displayname: str_claim(&m, "app_displayname"),
            account,
            name: str_claim(&m, "name"),
            scopes: match m.get("scp") {
                Some(Value::String(s)) => s.split_whitespace().map(str::to_string).collect(),
                _ => list_claim(&m, "scp"),
            },
            roles: list_claim(&m, "roles"),
            wids: list_claim(&m, "wids"),
            exp: num_claim(&m, "exp"),
            iat: num_claim(&m, "iat"),
            nbf: num_claim(&m, "nbf"),
            amr: list_claim(&m, "amr"),
            idtyp: str_claim(&m, "idtyp"),
            ver: str_claim(&m, "ver"),
            xms_cc: list_claim(&m, "xms_cc"),
            raw: m,
        }
    }

    /// Delegated, app-only, or unknown.
    pub fn kind(&self) -> TokenKind {
        if !self.scopes.is_empty() || self.idtyp.as_deref() == Some("user") {
            TokenKind::Delegated
        } else if !self.roles.is_empty() || self.idtyp.as_deref() == Some("app") {
            TokenKind::AppOnly
        } else {
            TokenKind::Unknown
        }
    }

    /// The permission scheme that applies: app-only -> Application; delegated from the MSA
    /// tenant -> DelegatedPersonal; otherwise DelegatedWork.
    pub fn scheme(&self) -> Option<Scheme> {
        match self.kind() {
            TokenKind::AppOnly => Some(Scheme::Application),
            TokenKind::Delegated if self.tid.as_deref() == Some(MSA_TENANT) => {
                Some(Scheme::DelegatedPersonal)
            }
            TokenKind::Delegated => Some(Scheme::DelegatedWork),
            TokenKind::Unknown => None,
        }
    }

    /// The Graph permissions in the token: `scp` for delegated, `roles` for app-only.
    pub fn permissions(&self) -> &[String] {
        match self.kind() {
            TokenKind::AppOnly => &self.roles,
            _ => &self.scopes,
        }
    }

    /// Whether the token carries this permission (case-insensitive).
    pub fn has(&self, permission: &str) -> bool {
        self.permissions()
            .iter()
            .any(|p| p.eq_ignore_ascii_case(permission))
    }

    /// Directory roles from `wids`, with their names where known.
    pub fn directory_roles(&self) -> Vec<(String, Option<&'static str>)> {
        self.wids
            .iter()
            .map(|w| (w.clone(), role_name(w)))
            .collect()
    }

    /// Whether the token has expired at `now` (Unix seconds). Unknown expiry counts as not expired.
    pub fn is_expired(&self, now: i64) -> bool {
        self.exp.is_some_and(|e| e <= now)
    }

    /// Whether the token is not valid yet at `now` (with 5 minutes of clock skew allowed).
    pub fn not_yet_valid(&self, now: i64) -> bool {
        self.nbf.is_some_and(|n| n > now.saturating_add(300))
    }

    /// Whether the audience is Microsoft Graph (any cloud's Graph root, or Graph's app id).
    pub fn audience_is_graph(&self) -> bool {
        match self.aud.as_deref() {
            None => true,
            Some(a) => {
                let a = a.trim_end_matches('/').to_ascii_lowercase();
                a == GRAPH_APP_ID
                    || a.starts_with("https://graph.microsoft.")
                    || a == "https://dod-graph.microsoft.us"
                    || a == "https://microsoftgraph.chinacloudapi.cn"
                    || a == "https://canary.graph.microsoft.com"
                    || a.starts_with("http://127.0.0.1")
                    || a.starts_with("http://localhost")
            }
        }
    }

    /// Human lines describing the token (no secrets: claims only).
    pub fn summary_lines(&self, now: i64) -> Vec<String> {
        let mut out = vec![format!("(token {NOT_VERIFIED})")];
        let kind = match self.kind() {
            TokenKind::Delegated => "delegated (a user is signed in)",
            TokenKind::AppOnly => "app-only (no user)",
            TokenKind::Unknown => "unknown (no scp or roles claim)",
        };
        out.push(format!("kind:      {kind}"));
        let opt = |v: &Option<String>| v.clone().unwrap_or_else(|| "-".into());
        out.push(format!("audience:  {}", opt(&self.aud)));
        out.push(format!("tenant:    {}", opt(&self.tid)));
        let app = match (&self.app_displayname, &self.app_id) {
            (Some(n), Some(i)) => format!("{n} ({i})"),
            (None, Some(i)) => i.clone(),
            (Some(n), None) => n.clone(),
            _ => "-".into(),
        };
        out.push(format!("app:       {app}"));
        if self.kind() != TokenKind::AppOnly {
            let acct = match (&self.name, &self.account) {
                (Some(n), Some(a)) => format!("{n} <{a}>"),
                (None, Some(a)) => a.clone(),
                (Some(n), None) => n.clone(),
                _ => "-".into(),
            };
            out.push(format!("account:   {acct}"));
        }
        if !self.scopes.is_empty() {
            out.push(format!("scopes:    {}", self.scopes.join(" ")));
        }
        if !self.roles.is_empty() {
            out.push(format!("roles:     {}", self.roles.join(" ")));
        }
        if !self.wids.is_empty() {
            let names: Vec<String> = self
                .directory_roles()
                .into_iter()
                .map(|(id, n)| match n {
                    Some(n) => n.to_string(),
                    None => format!("unknown role {id}"),
                })
                .collect();
            out.push(format!("dir roles: {}", names.join(", ")));
        }
        if let Some(exp) = self.exp {
            let d = exp.saturating_sub(now);
            let rel = if d <= 0 {
                format!("expired {} ago", human_secs(d.saturating_neg()))
            } else {
                format!("in {}", human_secs(d))
            };
            out.push(format!("expires:   {} ({rel})", unix_to_rfc3339(exp)));
        }
        if let Some(iat) = self.iat {
            out.push(format!("issued:    {}", unix_to_rfc3339(iat)));
        }
        if !self.amr.is_empty() {
            out.push(format!("auth:      {}", self.amr.join(", ")));
        }
        out
    }
}

/// `3h 5m`, `42s`.
pub fn human_secs(s: i64) -> String {
    let s = s.max(0);
    if s >= 86_400 {
        format!("{}d {}h", s / 86_400, (s % 86_400) / 3600)
    } else if s >= 3600 {
        format!("{}h {}m", s / 3600, (s % 3600) / 60)
    } else if s >= 60 {
        format!("{}m {}s", s / 60, s % 60)
    } else {
        format!("{s}s")
    }
}

/// Unix seconds as RFC 3339 UTC, or the number when out of range.
pub fn unix_to_rfc3339(t: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(t)
        .ok()
        .and_then(|d| {
            d.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_else(|| t.to_string())
}

/// Built-in Microsoft Entra role template ids and names (from the "Microsoft Entra built-in roles"
/// reference, entra-docs permissions-reference.md, 2026; the three user-kind templates at the end
/// are the ids observed in `wids` of ordinary users and guests, not in that table).
pub const ROLE_TEMPLATES: &[(&str, &str)] = &[
    (
        "62e90394-69f5-4237-9190-012177145e10",
        "Global Administrator",
    ),
    ("f2ef992c-3afb-46b9-b7cf-a126ee74c451", "Global Reader"),
    ("fe930be7-5e62-47db-91af-98c3a49a38b1", "User Administrator"),
    (
        "fdd7a751-b60b-444a-984c-02652fe8fa1c",
        "Groups Administrator",
    ),
    (
        "729827e3-9c14-49f7-bb1b-9608f156bbb8",
        "Helpdesk Administrator",
    ),
    ("88d8e3e3-8f55-4a1e-953a-9b9898b8876b", "Directory Readers"),
    ("9360feb5-f418-4baa-8175-e2a00bac4301", "Directory Writers"),
    (
        "9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3",
        "Application Administrator",
    ),
    (
        "cf1c38e5-3621-4004-a7cb-879624dced7c",
        "Application Developer",
    ),
    (
        "158c047a-c907-4556-b7ef-446551a6b5f7",
        "Cloud Application Administrator",
    ),
    (
        "e8611ab8-c189-46e8-94e1-60213ab1f814",
        "Privileged Role Administrator",
    ),
    (
        "7be44c8a-adaf-4e2a-84d6-ab2649e08a13",
        "Privileged Authentication Administrator",
    ),
    (
        "c4e39bd9-1100-46d3-8c65-fb160da0071f",
        "Authentication Administrator",
    ),
    (
        "0526716b-113d-4c15-b2c8-68e3c22b9f80",
        "Authentication Policy Administrator",
    ),
    (
        "966707d0-3269-4727-9be2-8c3a10f19b9d",
        "Password Administrator",
    ),
    (
        "194ae4cb-b126-40b2-bd5b-6091b380977d",
        "Security Administrator",
    ),
    ("5d6b6bb7-de71-4623-b4af-96380a352509", "Security Reader"),
    ("5f2222b1-57c3-48ba-8ad5-d4759f1fde6f", "Security Operator"),
    (
        "b1be1c3e-b65d-4f19-8427-f6fa0d97feb9",
        "Conditional Access Administrator",
    ),
    (
        "8ac3fc64-6eca-42ea-9e69-59f4c7b60eb2",
        "Hybrid Identity Administrator",
    ),
    (
        "45d8d3c5-c802-45c6-b32a-1d70b5e1e86e",
        "Identity Governance Administrator",
    ),
    (
        "59d46f88-662b-457b-bceb-5c3809e5908f",
        "Lifecycle Workflows Administrator",
    ),
    ("95e79109-95c0-4d8e-aee3-d01accf2d47b", "Guest Inviter"),
    (
        "4d6ac14f-3453-41d0-bef9-a3e0c569773a",
        "License Administrator",
    ),
    (
        "b0f54661-2d74-4c50-afa3-1ec803f12efe",
        "Billing Administrator",
    ),
    ("4a5d8f65-41da-4de4-8968-e035b65339cf", "Reports Reader"),
    (
        "75934031-6c7e-415a-99d7-48dbd49e875e",
        "Usage Summary Reports Reader",
    ),
    (
        "790c1fb9-7f7d-4f88-86a1-ef1f95c05c1b",
        "Message Center Reader",
    ),
    (
        "f023fd81-a637-4b56-95fd-791ac0226033",
        "Service Support Administrator",
    ),
    (
        "7698a772-787b-4ac8-901f-60d6b08affd2",
        "Cloud Device Administrator",
    ),
    (
        "3a2c62db-5318-420d-8d74-23affee5d9d5",
        "Intune Administrator",
    ),
    (
        "29232cdf-9323-42fd-ade2-1d097af3e4de",
        "Exchange Administrator",
    ),
    (
        "31392ffb-586c-42d1-9346-e59415a2cc4e",
        "Exchange Recipient Administrator",
    ),
    (
        "f28a1f50-f6e7-4571-818b-6a12f2af6b6c",
        "SharePoint Administrator",
    ),
    (
        "69091246-20e8-4a56-aa4d-066075b2a7a8",
        "Teams Administrator",
    ),
    ("1076ac91-f3d9-41a7-a339-dcdf5f480acc", "Teams Reader"),
    (
        "17315797-102d-40b4-93e0-432062caca18",
        "Compliance Administrator",
    ),
    (
        "e6d1a23a-da11-4be4-9570-befc86d067a7",
        "Compliance Data Administrator",
    ),
    (
        "8329153b-31d0-4727-b945-745eb3bc5f31",
        "Domain Name Administrator",
    ),
    (
        "be2f45a1-457d-42af-a067-6ec1fa63bc45",
        "External Identity Provider Administrator",
    ),
    (
        "d29b2b05-8046-44ba-8758-1e26182fcf32",
        "Directory Synchronization Accounts",
    ),
    (
        "58a13ea3-c632-46ae-9ee0-9c0d43cd7f3d",
        "Attribute Assignment Administrator",
    ),
    (
        "ffd52fa5-98dc-465c-991d-fc073eb59f8f",
        "Attribute Assignment Reader",
    ),
    (
        "8424c6f0-a189-499e-bbd0-26c1753c96d4",
        "Attribute Definition Administrator",
    ),
    (
        "1d336d2c-4ae8-42ef-9711-b3604ce3fc2c",
        "Attribute Definition Reader",
    ),
    (
        "25a516ed-2fa0-40ea-a2d0-12923a21473a",
        "Authentication Extensibility Administrator",
    ),
    (
        "11648597-926c-4cf3-9c36-bcebb0ba8dcc",
        "Power Platform Administrator",
    ),
    (
        "11451d60-acb2-45eb-a7d6-43d0f0125c13",
        "Windows 365 Administrator",
    ),
    (
        "644ef478-e28f-4e28-b9dc-3fdde9aa0b1f",
        "Printer Administrator",
    ),
    (
        "024906de-61e5-49c8-8572-40335f1e0e10",
        "People Administrator",
    ),
    (
        "ac434307-12b9-4fa1-a708-88bf58caabc1",
        "Global Secure Access Administrator",
    ),
    ("d2562ede-74db-457e-a7b6-544e236ebb61", "AI Administrator"),
    (
        "db506228-d27e-4b7d-95e5-295956d6615f",
        "Agent ID Administrator",
    ),
    ("adb2368d-a9be-41b5-8667-d96778e081b0", "Agent ID Developer"),
    ("112ca1a2-15ad-4102-995e-45b0bc479a6a", "Tenant Creator"),
    (
        "9f06204d-73c1-4d4c-880a-6edb90606fd8",
        "Microsoft Entra Joined Device Local Administrator",
    ),
    (
        "b79fbf4d-3ef9-4689-8143-76b194e85509",
        "User (default member role)",
    ),
    ("10dae51f-b6af-4016-8d66-8c2a99b929b3", "Guest User"),
    (
        "2af84b1e-32c8-42b7-82bc-daa82404023b",
        "Restricted Guest User",
    ),
];

/// The name of a built-in directory role template id (case-insensitive), if known.
pub fn role_name(template_id: &str) -> Option<&'static str> {
    let id = template_id.trim().to_ascii_lowercase();
    ROLE_TEMPLATES
        .iter()
        .find(|(g, _)| *g == id)
        .map(|(_, n)| *n)
}

/// Whether a template id is an administrator role (not one of the user-kind defaults).
pub fn is_admin_role(template_id: &str) -> bool {
    let id = template_id.trim().to_ascii_lowercase();
    !matches!(
        id.as_str(),
        "b79fbf4d-3ef9-4689-8143-76b194e85509"
            | "10dae51f-b6af-4016-8d66-8c2a99b929b3"
            | "2af84b1e-32c8-42b7-82bc-daa82404023b"
    )
}

/// Builds an unsigned JWT from claims (header `alg: none`): for tests and the sandbox.
pub fn fake_jwt(claims: &Value) -> String {
    use base64::Engine;
    let e = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    format!(
        "{}.{}.sig",
        e.encode(br#"{"typ":"JWT","alg":"none"}"#),
        e.encode(claims.to_string())
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;

    #[test]
    fn decodes_delegated_token() {
        let t = fake_jwt(&json!({
            "aud": "https://graph.microsoft.com", "tid": "t1", "appid": "a1",
            "app_displayname": "graphtui", "upn": "ann@contoso.com", "name": "Ann",
            "scp": "User.Read GroupMember.Read.All", "wids": ["62e90394-69f5-4237-9190-012177145e10", "x"],
            "exp": 2000, "iat": 1000, "amr": ["pwd", "mfa"]
        }));
        let c = Claims::decode(&format!("Bearer {t}")).unwrap();
        assert_eq!(c.kind(), TokenKind::Delegated);
        assert_eq!(c.scheme(), Some(Scheme::DelegatedWork));
        assert!(c.has("user.read"));
        assert!(!c.has("User.Read.All"));
        assert_eq!(c.account.as_deref(), Some("ann@contoso.com"));
        assert_eq!(
            c.directory_roles(),
            vec![
                (
                    "62e90394-69f5-4237-9190-012177145e10".into(),
                    Some("Global Administrator")
                ),
                ("x".into(), None)
            ]
        );
        assert!(c.is_expired(2000) && !c.is_expired(1999));
        let lines = c.summary_lines(1500).join("\n");
        assert!(lines.contains("without signature validation"));
        assert!(lines.contains("Global Administrator, unknown role x"));
        assert!(lines.contains("in 8m 20s"), "{lines}");
    }

    #[test]
    fn decodes_app_only_and_personal() {
        let c = Claims::decode(&fake_jwt(&json!({"roles": ["User.Read.All"], "azp": "z", "aud": "00000003-0000-0000-c000-000000000000"}))).unwrap();
        assert_eq!(c.kind(), TokenKind::AppOnly);
        assert_eq!(c.scheme(), Some(Scheme::Application));
        assert_eq!(c.app_id.as_deref(), Some("z"));
        assert!(c.audience_is_graph());
        let c = Claims::decode(&fake_jwt(&json!({"scp": "User.Read", "tid": MSA_TENANT}))).unwrap();
        assert_eq!(c.scheme(), Some(Scheme::DelegatedPersonal));
        let c =
            Claims::decode(&fake_jwt(&json!({"aud": "https://management.azure.com/"}))).unwrap();
        assert!(!c.audience_is_graph());
        assert_eq!(c.kind(), TokenKind::Unknown);
    }

    #[test]
    fn rejects_garbage() {
        assert_eq!(Claims::decode(""), Err(ClaimsError::NotJwt));
        assert_eq!(Claims::decode("a.b"), Err(ClaimsError::NotJwt));
        assert_eq!(Claims::decode("a.!!!.c"), Err(ClaimsError::Base64));
        assert_eq!(Claims::decode("a.WzFd.c"), Err(ClaimsError::Json));
    }

    #[test]
    fn role_names() {
        assert_eq!(
            role_name("FE930BE7-5E62-47DB-91AF-98C3A49A38B1"),
            Some("User Administrator")
        );
        assert!(!is_admin_role("b79fbf4d-3ef9-4689-8143-76b194e85509"));
        assert!(is_admin_role("62e90394-69f5-4237-9190-012177145e10"));
    }

    proptest! {
        #[test]
        fn never_panics_on_any_text(s in ".{0,200}") {
            let _ = Claims::decode(&s);
        }

        #[test]
        fn never_panics_on_jwt_shaped_text(a in "[A-Za-z0-9_-]{0,20}", b in "[A-Za-z0-9_=+/-]{0,120}", c in "[A-Za-z0-9_.-]{0,20}") {
            let _ = Claims::decode(&format!("{a}.{b}.{c}"));
        }

        #[test]
        fn never_panics_on_claims_of_any_type(
            keys in proptest::collection::vec(prop_oneof![Just("aud"), Just("scp"), Just("roles"), Just("wids"), Just("exp"), Just("iat"), Just("nbf"), Just("amr"), Just("upn"), Just("tid"), Just("idtyp"), Just("xms_cc")], 0..8),
            vals in proptest::collection::vec(prop_oneof![
                any::<i64>().prop_map(serde_json::Value::from),
                any::<f64>().prop_map(|f| serde_json::json!(f)),
                ".{0,20}".prop_map(serde_json::Value::from),
                Just(serde_json::Value::Null),
                Just(serde_json::json!([1, "a", null, {"x": 1}])),
                Just(serde_json::json!({"nested": true})),
            ], 8),
            now in any::<i64>(),
        ) {
            let mut m = serde_json::Map::new();
            for (k, v) in keys.iter().zip(vals) {
                m.insert(k.to_string(), v);
            }
            let c = Claims::decode(&fake_jwt(&serde_json::Value::Object(m))).unwrap();
            let _ = (c.kind(), c.scheme(), c.is_expired(now), c.not_yet_valid(now), c.audience_is_graph());
            let _ = c.summary_lines(now);
        }

        #[test]
        fn never_panics_on_any_json_payload(v in proptest::collection::vec(any::<u8>(), 0..120)) {
            use base64::Engine;
            let e = base64::engine::general_purpose::URL_SAFE_NO_PAD;
            if let Ok(c) = Claims::decode(&format!("x.{}.y", e.encode(&v))) {
                let _ = c.summary_lines(0);
            }
        }
    }
}
