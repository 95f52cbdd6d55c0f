//! The identity platform's v2.0 endpoints under `/{tenant}/`: device authorization, token
//! (device_code, refresh_token, client_credentials) and OpenID discovery.
//!
//! Error texts follow graph-facts §1 and observed responses; where the service's exact
//! words are not documented the choice is marked [unverified].

use crate::sandbox::errors::AadError;
use crate::sandbox::scenario::DeviceBehavior;
use crate::sandbox::state::AppState;
use crate::sandbox::tokens::{
    AccessGrant, DeviceCode, Principal, RefreshGrant, encode_jwt, now, random_token, user_code,
};
use axum::http::StatusCode;
use serde_json::{Value, json};
use std::collections::HashMap;
use time::OffsetDateTime;

/// The public client id graphtui uses by default (Microsoft Graph Command Line Tools).
/// A public client: it sends no secret.
pub const PUBLIC_CLIENT_ID: &str = "14d82eec-204b-4c2f-b7e8-296a70dab67e";
/// The sandbox's confidential app: client credentials with [`SANDBOX_APP_SECRET`], app
/// roles User.Read.All, Group.Read.All, GroupMember.Read.All, Directory.Read.All,
/// Device.Read.All and Application.Read.All.
pub const SANDBOX_APP_ID: &str = "5a4db0c5-0000-4000-8000-000000000001";
/// A second confidential app with only the User.ReadBasic.All app role (for 403 tests).
pub const SANDBOX_LIMITED_APP_ID: &str = "5a4db0c5-0000-4000-8000-000000000002";
/// The well-known secret of both sandbox apps. This is a test emulator: not a secret.
pub const SANDBOX_APP_SECRET: &str = "graphtui-sandbox-secret";
/// The resource id of Microsoft Graph.
pub const GRAPH_RESOURCE_ID: &str = "00000003-0000-0000-c000-000000000000";
/// Where the user signs in (the real page, as the real service answers).
pub const VERIFICATION_URI: &str = "https://microsoft.com/devicelogin";

/// Scopes consented for every delegated sign-in unless the scenario narrows them.
pub const DEFAULT_CONSENTED: &[&str] = &[
    "User.Read",
    "User.ReadBasic.All",
    "User.Read.All",
    "Group.Read.All",
    "GroupMember.Read.All",
    "Directory.Read.All",
    "Device.Read.All",
    "Application.Read.All",
];

const OIDC: &[&str] = &["openid", "profile", "email", "offline_access"];

/// A registered client application.
#[derive(Debug, Clone, Copy)]
pub struct ClientApp {
    pub app_id: &'static str,
    pub name: &'static str,
    pub secret: Option<&'static str>,
    pub roles: &'static [&'static str],
}

/// The applications the sandbox tenant knows.
pub const APPS: &[ClientApp] = &[
    ClientApp {
        app_id: PUBLIC_CLIENT_ID,
        name: "Microsoft Graph Command Line Tools",
        secret: None,
        roles: &[],
    },
    ClientApp {
        app_id: SANDBOX_APP_ID,
        name: "graphtui Sandbox Daemon",
        secret: Some(SANDBOX_APP_SECRET),
        roles: &[
            "User.Read.All",
            "Group.Read.All",
            "GroupMember.Read.All",
            "Directory.Read.All",
            "Device.Read.All",
            "Application.Read.All",
        ],
    },
    ClientApp {
        app_id: SANDBOX_LIMITED_APP_ID,
        name: "graphtui Sandbox Reader",
        secret: Some(SANDBOX_APP_SECRET),
        roles: &["User.ReadBasic.All"],
    },
];

fn find_app(id: &str) -> Option<&'static ClientApp> {
    APPS.iter().find(|a| a.app_id.eq_ignore_ascii_case(id))
}

/// The `{tenant}` path segment, resolved.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TenantSegment {
    Specific,
    Common,
    Organizations,
}

/// Resolves `{tenant}`: the tenant GUID, its domain, `common` or `organizations`.
/// `consumers` and anything else answer AADSTS90002 (the sandbox has no personal accounts).
pub fn resolve_tenant(app: &AppState, seg: &str) -> Result<TenantSegment, AadError> {
    let t = &app.tenant;
    if seg.eq_ignore_ascii_case(&t.tenant_id) || seg.eq_ignore_ascii_case(&t.domain) {
        Ok(TenantSegment::Specific)
    } else if seg.eq_ignore_ascii_case("common") {
        Ok(TenantSegment::Common)
    } else if seg.eq_ignore_ascii_case("organizations") {
        Ok(TenantSegment::Organizations)
    } else {
        Err(AadError::new(
            "invalid_request",
            90002,
            format!(
                "Tenant '{seg}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud. Check with your subscription administrator, this may happen if there are no active subscriptions for the tenant."
            ),
        ))
    }
}

fn missing(param: &str) -> AadError {
    AadError::new(
        "invalid_request",
        900144,
        format!("The request body must contain the following parameter: '{param}'."),
    )
}

fn unknown_client(client: &str, directory: &str) -> AadError {
    AadError::new(
        "unauthorized_client",
        700016,
        format!(
            "Application with identifier '{client}' was not found in the directory '{directory}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant."
        ),
    )
}

fn need_secret() -> AadError {
    AadError::new(
        "invalid_client",
        7000218,
        "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.",
    )
    .status(StatusCode::UNAUTHORIZED)
}

/// Parses an `application/x-www-form-urlencoded` body.
pub fn parse_form(body: &[u8]) -> HashMap<String, String> {
    url::form_urlencoded::parse(body).into_owned().collect()
}

fn client<'a>(
    app: &AppState,
    form: &'a HashMap<String, String>,
    seg: &str,
) -> Result<(&'a str, &'static ClientApp), AadError> {
    let id = form
        .get("client_id")
        .map(String::as_str)
        .filter(|s| !s.is_empty())
        .ok_or_else(|| missing("client_id"))?;
    let directory =
        if seg.eq_ignore_ascii_case("common") || seg.eq_ignore_ascii_case("organizations") {
            seg.to_string()
        } else {
            app.tenant.display_name.clone()
        };
    let found = find_app(id).ok_or_else(|| unknown_client(id, &directory))?;
    Ok((id, found))
}

/// Splits a scope string into Graph permission names and OIDC scopes. Accepts short names,
/// `https://graph.microsoft.com/X`, `<sandbox root>/X` and `00000003-.../X`.
fn split_scopes(base: &str, scope: &str) -> Result<(Vec<String>, Vec<String>), AadError> {
    let mut graph = Vec::new();
    let mut oidc = Vec::new();
    for s in scope.split_whitespace() {
        if OIDC.iter().any(|o| o.eq_ignore_ascii_case(s)) {
            oidc.push(s.to_ascii_lowercase());
            continue;
        }
        let short = ["https://graph.microsoft.com/", GRAPH_RESOURCE_ID]
            .iter()
            .map(|p| p.to_string())
            .chain([format!("{base}/")])
            .find_map(|p| {
                s.strip_prefix(p.as_str())
                    .map(|r| r.trim_start_matches('/').to_string())
            });
        match short {
            Some(x) => graph.push(x),
            None if s.contains("://") => {
                return Err(AadError::new(
                    "invalid_scope",
                    70011,
                    format!(
                        "The provided request must include a 'scope' input parameter. The provided value for the input parameter 'scope' is not valid. The scope {s} is not valid."
                    ),
                ));
            }
            None => graph.push(s.to_string()),
        }
    }
    Ok((graph, oidc))
}

/// `POST /{tenant}/oauth2/v2.0/devicecode`.
pub fn devicecode(app: &AppState, seg: &str, base: &str, body: &[u8]) -> Result<Value, AadError> {
    resolve_tenant(app, seg)?;
    let form = parse_form(body);
    let (client_id, _) = client(app, &form, seg)?;
    let scope = form
        .get("scope")
        .filter(|s| !s.trim().is_empty())
        .ok_or_else(|| missing("scope"))?;
    let (graph, oidc) = split_scopes(base, scope)?;
    let code = user_code();
    let device_code = format!("DAQABAAEAAAD--DLA3VO7QrddgJg7Wevr{}", random_token(8));
    let interval = app.scenario.interval;
    let mut requested = graph;
    requested.extend(oidc);
    app.lock().tokens.devices.insert(
        device_code.clone(),
        DeviceCode {
            user_code: code.clone(),
            client_id: client_id.to_string(),
            requested,
            polls: 0,
            expires_at: now() + 900,
            decision: None,
            user: None,
            finished: false,
        },
    );
    Ok(json!({
        "user_code": code,
        "device_code": device_code,
        "verification_uri": VERIFICATION_URI,
        "expires_in": 900,
        "interval": interval,
        "message": format!("To sign in, use a web browser to open the page {VERIFICATION_URI} and enter the code {code} to authenticate."),
    }))
}

/// `POST /{tenant}/oauth2/v2.0/token`.
pub fn token(app: &AppState, seg: &str, base: &str, body: &[u8]) -> Result<Value, AadError> {
    let tseg = resolve_tenant(app, seg)?;
    let form = parse_form(body);
    let grant_type = form
        .get("grant_type")
        .map(String::as_str)
        .filter(|s| !s.is_empty())
        .ok_or_else(|| missing("grant_type"))?;
    match grant_type {
        "urn:ietf:params:oauth:grant-type:device_code" | "device_code" => {
            device_grant(app, seg, &form)
        }
        "refresh_token" => refresh_grant(app, seg, base, &form),
        "client_credentials" => client_credentials(app, tseg, seg, base, &form),
        other => Err(AadError::new(
            "unsupported_grant_type",
            70003,
            format!("The app requested an unsupported grant type '{other}'."),
        )),
    }
}

/// A public client must not authenticate (AADSTS700025).
fn public_with_secret(
    client_app: &ClientApp,
    form: &HashMap<String, String>,
) -> Result<(), AadError> {
    if client_app.secret.is_none()
        && (form.contains_key("client_secret") || form.contains_key("client_assertion"))
    {
        return Err(AadError::new(
            "invalid_client",
            700025,
            "Client is public so neither 'client_assertion' nor 'client_secret' should be presented.",
        ));
    }
    Ok(())
}

fn device_grant(
    app: &AppState,
    seg: &str,
    form: &HashMap<String, String>,
) -> Result<Value, AadError> {
    let (client_id, client_app) = client(app, form, seg)?;
    public_with_secret(client_app, form)?;
    if client_app.secret.is_some() && !form.contains_key("client_secret") {
        return Err(need_secret());
    }
    let code = form
        .get("device_code")
        .filter(|s| !s.is_empty())
        .ok_or_else(|| missing("device_code"))?;
    let bad = || {
        AadError::new(
            "bad_verification_code",
            70018,
            "Invalid verification code due to User typing in wrong user code for device code flow. Authorization isn't approved.",
        )
    };
    let pending = || {
        AadError::new(
            "authorization_pending",
            70016,
            "OAuth 2.0 device flow error. Authorization is pending. Continue polling.",
        )
    };
    let declined = || {
        // [unverified] Entra's description text for a declined device code.
        AadError::new(
            "authorization_declined",
            70000,
            "The user declined the authorization request. Authorization isn't approved.",
        )
    };
    let expired = || {
        AadError::new(
            "expired_token",
            70020,
            "The provided value for the input parameter 'device_code' is not valid. This device code has expired.",
        )
    };
    let behavior = app.scenario.device.clone();
    let mut m = app.lock();
    let Some(dc) = m.tokens.devices.get_mut(code.as_str()) else {
        return Err(bad());
    };
    if !dc.client_id.eq_ignore_ascii_case(client_id) {
        return Err(bad());
    }
    if dc.finished {
        return Err(AadError::new(
            "invalid_grant",
            90120,
            "The request was already authorized or declined.",
        ));
    }
    if now() > dc.expires_at {
        return Err(expired());
    }
    dc.polls += 1;
    let polls = dc.polls;
    let approve = match behavior {
        DeviceBehavior::AutoApprove { pending_polls } => match dc.decision {
            Some(false) => false,
            Some(true) => true,
            None if polls <= pending_polls => return Err(pending()),
            None => true,
        },
        DeviceBehavior::Manual => match dc.decision {
            None => return Err(pending()),
            Some(d) => d,
        },
        DeviceBehavior::SlowDown => match polls {
            // RFC 8628 §3.5; whether Entra sends it is [unverified], so its text is too.
            1 => {
                return Err(AadError::new(
                    "slow_down",
                    70016,
                    "OAuth 2.0 device flow error. Polling too frequently; slow down.",
                ));
            }
            2 => return Err(pending()),
            _ => true,
        },
        DeviceBehavior::Declined => match polls {
            1 => return Err(pending()),
            _ => false,
        },
        DeviceBehavior::Expired => return Err(expired()),
        DeviceBehavior::BadCode => return Err(bad()),
    };
    dc.finished = true;
    if !approve {
        return Err(declined());
    }
    let default_user = match app.scenario.sign_in_as.as_deref() {
        Some("guest") => app
            .tenant
            .users
            .iter()
            .position(|u| u.user_type == "Guest")
            .map(|i| i as u32),
        Some(who) => app.tenant.find_user(who),
        None => None,
    }
    .unwrap_or(app.tenant.demo_user);
    let user = dc.user.unwrap_or(default_user);
    let requested = dc.requested.clone();
    let client_id = dc.client_id.clone();
    drop(m);
    Ok(issue_delegated(app, user, &client_id, &requested, true))
}

fn refresh_grant(
    app: &AppState,
    seg: &str,
    base: &str,
    form: &HashMap<String, String>,
) -> Result<Value, AadError> {
    let (client_id, client_app) = client(app, form, seg)?;
    public_with_secret(client_app, form)?;
    if let Some(expected) = client_app.secret {
        match form.get("client_secret") {
            None => return Err(need_secret()),
            Some(s) if s != expected => return Err(bad_secret(client_id)),
            _ => {}
        }
    }
    let rt = form
        .get("refresh_token")
        .filter(|s| !s.is_empty())
        .ok_or_else(|| missing("refresh_token"))?;
    let grant = app.lock().tokens.refresh.get(rt.as_str()).cloned();
    let Some(grant) = grant else {
        return Err(AadError::new(
            "invalid_grant",
            9002313,
            "Invalid request. Request is malformed or invalid.",
        ));
    };
    let issued = grant
        .issued
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default();
    if grant.revoked {
        return Err(AadError::new(
            "invalid_grant",
            50173,
            format!(
                "The provided grant has expired due to it being revoked, a fresh auth token is needed. The user might have changed or reset their password. The grant was issued on '{issued}' and the TokensValidFrom date (before which tokens are not valid) for this user is '{}'.",
                OffsetDateTime::now_utc()
                    .format(&time::format_description::well_known::Rfc3339)
                    .unwrap_or_default()
            ),
        ));
    }
    if app.scenario.refresh_expired {
        return Err(AadError::new(
            "invalid_grant",
            700082,
            format!(
                "The refresh token has expired due to inactivity. The token was issued on {issued} and was inactive for 90.00:00:00."
            ),
        ));
    }
    if !grant.client_id.eq_ignore_ascii_case(client_id) {
        // [unverified] text; the code is the documented "invalid grant" family.
        return Err(AadError::new(
            "invalid_grant",
            70000,
            "The provided value for the input parameter 'refresh_token' or 'assertion' is not valid.",
        ));
    }
    // An optional narrower scope list; anything not originally granted is dropped.
    let mut requested = grant.requested.clone();
    if let Some(scope) = form.get("scope").filter(|s| !s.trim().is_empty())
        && let Ok((graph, mut oidc)) = split_scopes(base, scope)
    {
        let mut narrowed: Vec<String> = graph
            .into_iter()
            .filter(|s| {
                s.eq_ignore_ascii_case(".default")
                    || grant.requested.iter().any(|g| g.eq_ignore_ascii_case(s))
            })
            .collect();
        oidc.retain(|o| grant.requested.iter().any(|g| g == o));
        if !oidc.iter().any(|o| o == "offline_access") {
            oidc.push("offline_access".into());
        }
        narrowed.extend(oidc);
        requested = narrowed;
    }
    Ok(issue_delegated(
        app, grant.user, client_id, &requested, true,
    ))
}

fn bad_secret(client_id: &str) -> AadError {
    AadError::new(
        "invalid_client",
        7000215,
        format!(
            "Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '{client_id}'."
        ),
    )
    .status(StatusCode::UNAUTHORIZED)
}

fn client_credentials(
    app: &AppState,
    tseg: TenantSegment,
    seg: &str,
    base: &str,
    form: &HashMap<String, String>,
) -> Result<Value, AadError> {
    if tseg == TenantSegment::Common {
        return Err(AadError::new(
            "invalid_request",
            9001023,
            "The grant type isn't supported over the /common or /consumers endpoints. Please use the /organizations or tenant-specific endpoint.",
        ));
    }
    let (client_id, client_app) = client(app, form, seg)?;
    let Some(expected) = client_app.secret else {
        return Err(need_secret());
    };
    match form.get("client_secret") {
        None => return Err(need_secret()),
        Some(s) if s != expected => return Err(bad_secret(client_id)),
        _ => {}
    }
    let scope = form
        .get("scope")
        .map(|s| s.trim())
        .filter(|s| !s.is_empty())
        .ok_or_else(|| missing("scope"))?;
    let parts: Vec<&str> = scope.split_whitespace().collect();
    if parts.len() > 1 {
        return Err(AadError::new(
            "invalid_scope",
            1002012,
            format!(
                "The provided value for scope {scope} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI)."
            ),
        ));
    }
    let Some(resource) = parts[0].strip_suffix("/.default") else {
        return Err(AadError::new(
            "invalid_scope",
            1002012,
            format!(
                "The provided value for scope {scope} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI)."
            ),
        ));
    };
    let resource = resource.trim_end_matches('/');
    let accepted = [base, "https://graph.microsoft.com", GRAPH_RESOURCE_ID];
    if !accepted.iter().any(|a| a.eq_ignore_ascii_case(resource)) {
        return Err(AadError::new(
            "invalid_resource",
            500011,
            format!(
                "The resource principal named {resource} was not found in the tenant named {}. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You might have sent your authentication request to the wrong tenant.",
                app.tenant.display_name
            ),
        ));
    }
    let t = &app.tenant;
    let sp = t
        .service_principals
        .iter()
        .position(|s| s.app_id.eq_ignore_ascii_case(client_id));
    let lifetime = app.scenario.token_lifetime as i64;
    let iat = now();
    let roles: Vec<String> = client_app.roles.iter().map(|s| s.to_string()).collect();
    let oid = sp
        .map(|i| t.service_principals[i].id.clone())
        .unwrap_or_default();
    let claims = json!({
        "aud": resource,
        "iss": format!("https://sts.windows.net/{}/", t.tenant_id),
        "iat": iat, "nbf": iat, "exp": iat + lifetime,
        "aio": random_token(1),
        "app_displayname": client_app.name,
        "appid": client_app.app_id,
        "appidacr": "1",
        "idp": format!("https://sts.windows.net/{}/", t.tenant_id),
        "idtyp": "app",
        "oid": oid,
        "rh": "0.sandbox.",
        "roles": roles,
        "sub": oid,
        "tenant_region_scope": "EU",
        "tid": t.tenant_id,
        "uti": random_token(1),
        "ver": "1.0",
        "wids": ["0997a1d0-0d1d-4acb-b408-d5ca73121e90"],
        "xms_tcdt": 1_600_000_000,
    });
    let access = encode_jwt(&claims);
    let mut m = app.lock();
    let serial = m.tokens.next_serial();
    m.tokens.access.insert(
        access.clone(),
        AccessGrant {
            principal: Principal::App {
                sp: sp.map(|i| i as u32),
            },
            app_id: client_app.app_id.to_string(),
            scopes: vec![],
            roles,
            exp: iat + lifetime,
            serial,
        },
    );
    Ok(json!({
        "token_type": "Bearer",
        "expires_in": lifetime,
        "ext_expires_in": lifetime,
        "access_token": access,
    }))
}

/// Issues a delegated access token (plus refresh and id tokens when asked) for a user.
fn issue_delegated(
    app: &AppState,
    user: u32,
    client_id: &str,
    requested: &[String],
    allow_refresh: bool,
) -> Value {
    let t = &app.tenant;
    let u = &t.users[user as usize];
    let client_app = find_app(client_id);
    let mut graph_scopes: Vec<String> = Vec::new();
    let mut oidc: Vec<String> = Vec::new();
    for s in requested {
        if OIDC.contains(&s.as_str()) {
            oidc.push(s.clone());
        } else if s.eq_ignore_ascii_case(".default") {
            let consented: Vec<String> = match &app.scenario.granted_scopes {
                Some(g) => g.clone(),
                None => DEFAULT_CONSENTED.iter().map(|s| s.to_string()).collect(),
            };
            graph_scopes.extend(consented);
        } else {
            graph_scopes.push(s.clone());
        }
    }
    if let Some(allowed) = &app.scenario.granted_scopes {
        graph_scopes.retain(|s| allowed.iter().any(|a| a.eq_ignore_ascii_case(s)));
    }
    let mut seen = std::collections::HashSet::new();
    graph_scopes.retain(|s| seen.insert(s.to_ascii_lowercase()));
    if graph_scopes.is_empty() {
        graph_scopes.push("User.Read".into());
    }
    let mut scp: Vec<String> = graph_scopes.clone();
    for o in ["profile", "openid", "email"] {
        if oidc.iter().any(|x| x == o) {
            scp.push(o.to_string());
        }
    }
    let lifetime = app.scenario.token_lifetime as i64;
    let iat = now();
    let claims = json!({
        "aud": GRAPH_RESOURCE_ID,
        "iss": format!("https://sts.windows.net/{}/", t.tenant_id),
        "iat": iat, "nbf": iat, "exp": iat + lifetime,
        "acct": 0,
        "acr": "1",
        "aio": random_token(1),
        "amr": ["pwd", "mfa"],
        "app_displayname": client_app.map(|a| a.name).unwrap_or("Unknown"),
        "appid": client_id,
        "appidacr": "0",
        "family_name": u.surname,
        "given_name": u.given_name,
        "idtyp": "user",
        "ipaddr": "127.0.0.1",
        "name": u.display_name,
        "oid": u.id,
        "platf": "14",
        "puid": format!("1003{:012X}", user),
        "rh": "0.sandbox.",
        "scp": scp.join(" "),
        "sid": random_token(1),
        "sub": random_token(2),
        "tenant_region_scope": "EU",
        "tid": t.tenant_id,
        "unique_name": u.user_principal_name,
        "upn": u.user_principal_name,
        "uti": random_token(1),
        "ver": "1.0",
        "wids": t.role_template_ids(user),
        "xms_st": {"sub": random_token(2)},
        "xms_tcdt": 1_600_000_000,
    });
    let access = encode_jwt(&claims);
    let mut out = json!({
        "token_type": "Bearer",
        "scope": scp.join(" "),
        "expires_in": lifetime,
        "ext_expires_in": lifetime,
        "access_token": access,
    });
    let mut m = app.lock();
    let serial = m.tokens.next_serial();
    m.tokens.access.insert(
        access,
        AccessGrant {
            principal: Principal::User(user),
            app_id: client_id.to_string(),
            scopes: graph_scopes,
            roles: vec![],
            exp: iat + lifetime,
            serial,
        },
    );
    if allow_refresh && oidc.iter().any(|o| o == "offline_access") {
        let rt = format!("1.AXEA{}", random_token(12));
        m.tokens.refresh.insert(
            rt.clone(),
            RefreshGrant {
                user,
                client_id: client_id.to_string(),
                requested: requested.to_vec(),
                issued: OffsetDateTime::now_utc(),
                revoked: false,
            },
        );
        out["refresh_token"] = json!(rt);
    }
    if oidc.iter().any(|o| o == "openid") {
        let id_claims = json!({
            "aud": client_id,
            "iss": format!("https://login.microsoftonline.com/{}/v2.0", t.tenant_id),
            "iat": iat, "nbf": iat, "exp": iat + 3600,
            "name": u.display_name,
            "oid": u.id,
            "preferred_username": u.user_principal_name,
            "sub": random_token(2),
            "tid": t.tenant_id,
            "ver": "2.0",
        });
        out["id_token"] = json!(encode_jwt(&id_claims));
    }
    out
}

/// `GET /{tenant}/v2.0/.well-known/openid-configuration`.
pub fn openid_configuration(app: &AppState, seg: &str, base: &str) -> Result<Value, AadError> {
    resolve_tenant(app, seg)?;
    let tid = &app.tenant.tenant_id;
    let issuer_tenant =
        if seg.eq_ignore_ascii_case("common") || seg.eq_ignore_ascii_case("organizations") {
            "{tenantid}".to_string()
        } else {
            tid.clone()
        };
    Ok(json!({
        "token_endpoint": format!("{base}/{seg}/oauth2/v2.0/token"),
        "token_endpoint_auth_methods_supported": ["client_secret_post", "private_key_jwt", "client_secret_basic"],
        "jwks_uri": format!("{base}/{seg}/discovery/v2.0/keys"),
        "response_modes_supported": ["query", "fragment", "form_post"],
        "subject_types_supported": ["pairwise"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "response_types_supported": ["code", "id_token", "code id_token", "id_token token"],
        "scopes_supported": ["openid", "profile", "email", "offline_access"],
        "issuer": format!("https://login.microsoftonline.com/{issuer_tenant}/v2.0"),
        "request_uri_parameter_supported": false,
        "userinfo_endpoint": "https://graph.microsoft.com/oidc/userinfo",
        "authorization_endpoint": format!("{base}/{seg}/oauth2/v2.0/authorize"),
        "device_authorization_endpoint": format!("{base}/{seg}/oauth2/v2.0/devicecode"),
        "http_logout_supported": true,
        "frontchannel_logout_supported": true,
        "end_session_endpoint": format!("{base}/{seg}/oauth2/v2.0/logout"),
        "claims_supported": ["sub", "iss", "cloud_instance_name", "cloud_instance_host_name", "cloud_graph_host_name", "msgraph_host", "aud", "exp", "iat", "auth_time", "acr", "nonce", "preferred_username", "name", "tid", "ver", "at_hash", "c_hash", "email"],
        "kerberos_endpoint": format!("{base}/{seg}/kerberos"),
        "tenant_region_scope": "EU",
        "cloud_instance_name": "microsoftonline.com",
        "cloud_graph_host_name": "graph.windows.net",
        "msgraph_host": base.trim_start_matches("http://").trim_start_matches("https://"),
        "rbac_url": "https://pas.windows.net",
    }))
}
