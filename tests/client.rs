//! Integration tests for sign-in, the token cache and the Graph client, over HTTP on 127.0.0.1.
//!
//! They run against a small in-file mock of the identity platform and Graph (`mock` below), which
//! keeps a request log the assertions read (retry timing is checked from the server's log).

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use base64::Engine;
use futures::StreamExt;
use graphtui::auth::store::{FileStore, MemoryStore, TokenStore};
use graphtui::auth::{AuthError, AuthOptions, Authenticator, DeviceCodeEvent};
use graphtui::cli::{GlobalArgs, TokenCacheKind};
use graphtui::config::{ConfigFile, Settings};
use graphtui::graph::{
    ClientEvent, ClientOptions, GraphClient, GraphError, GraphRequest, PageOptions, Recorder,
    RetryPolicy,
};
use serde_json::{Value, json};
use std::collections::{HashMap, VecDeque};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

const TENANT: &str = "aaaaaaaa-1111-2222-3333-444444444444";

mod mock {
    use super::*;

    /// One request as the server saw it.
    #[derive(Debug, Clone)]
    pub struct Logged {
        pub at: Instant,
        pub method: String,
        pub uri: String,
        pub headers: HashMap<String, String>,
        pub body: String,
    }

    /// What the mock does next.
    #[derive(Default)]
    pub struct Script {
        /// Device polls answered `authorization_pending` before the outcome.
        pub pending_polls: u32,
        /// Answer `slow_down` once after the pending polls.
        pub slow_down: bool,
        /// The outcome after pending: decline instead of a token.
        pub decline: bool,
        /// Scopes granted (space separated); default: all asked.
        pub grant: Option<String>,
        /// Token lifetime in seconds.
        pub expires_in: Option<u64>,
        /// Graph faults for the next Graph requests: (status, Retry-After).
        pub faults: VecDeque<(u16, Option<String>)>,
        /// After this many successful Graph requests, the current token is treated as expired.
        pub expire_token_after: Option<usize>,
        /// Make the refresh grant fail with this AADSTS code.
        pub refresh_fails: Option<u64>,
        /// $batch item ids that get a 429 the first time.
        pub throttle_batch_ids: Vec<String>,
        /// Answer users with a nextLink to this URL instead.
        pub foreign_next: Option<String>,
        /// Answer users pages with a nextLink that loops to the first page.
        pub loop_next: bool,
    }

    #[derive(Default)]
    pub struct Inner {
        pub log: Vec<Logged>,
        pub script: Script,
        pub polls: u32,
        pub slowed: bool,
        pub issued: u32,
        pub expired: Vec<String>,
        pub graph_ok: usize,
        pub users: usize,
    }

    #[derive(Clone)]
    pub struct Mock {
        pub inner: Arc<Mutex<Inner>>,
        pub url: String,
    }

    impl Mock {
        pub fn log(&self) -> Vec<Logged> {
            self.inner.lock().unwrap().log.clone()
        }
        pub fn script(&self, f: impl FnOnce(&mut Script)) {
            f(&mut self.inner.lock().unwrap().script)
        }
        pub fn graph_log(&self) -> Vec<Logged> {
            self.log()
                .into_iter()
                .filter(|l| l.uri.starts_with("/v1.0") || l.uri.starts_with("/beta"))
                .collect()
        }
        pub fn token_log(&self) -> Vec<Logged> {
            self.log()
                .into_iter()
                .filter(|l| l.uri.contains("/oauth2/"))
                .collect()
        }
    }

    pub fn jwt(claims: &Value) -> String {
        let e = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        format!(
            "{}.{}.c2ln",
            e.encode(br#"{"typ":"JWT","alg":"RS256"}"#),
            e.encode(claims.to_string())
        )
    }

    fn aad(status: u16, error: &str, code: u64, text: &str) -> Response {
        let body = json!({
            "error": error,
            "error_description": format!("AADSTS{code}: {text}\r\nTrace ID: 0000aaaa-0000-0000-0000-000000000000\r\nCorrelation ID: aaaa0000-0000-0000-0000-000000000000\r\nTimestamp: 2026-11-25 04:00:00Z"),
            "error_codes": [code],
            "timestamp": "2026-11-25 04:00:00Z",
            "trace_id": "0000aaaa-0000-0000-0000-000000000000",
            "correlation_id": "aaaa0000-0000-0000-0000-000000000000",
        });
        (
            StatusCode::from_u16(status).unwrap(),
            [("content-type", "application/json")],
            body.to_string(),
        )
            .into_response()
    }

    fn graph_error(status: u16, code: &str, message: &str) -> Response {
        let body = json!({"error":{"code":code,"message":message,"innerError":{"date":"2026-11-25T04:00:00","request-id":"rid-1","client-request-id":"crid-1"}}});
        (
            StatusCode::from_u16(status).unwrap(),
            [("content-type", "application/json")],
            body.to_string(),
        )
            .into_response()
    }

    fn form(body: &str) -> HashMap<String, String> {
        url::form_urlencoded::parse(body.as_bytes())
            .into_owned()
            .collect()
    }

    fn log(m: &Mock, method: &str, uri: &Uri, headers: &HeaderMap, body: &str) {
        let h = headers
            .iter()
            .map(|(k, v)| {
                (
                    k.as_str().to_string(),
                    v.to_str().unwrap_or_default().to_string(),
                )
            })
            .collect();
        m.inner.lock().unwrap().log.push(Logged {
            at: Instant::now(),
            method: method.into(),
            uri: uri.to_string(),
            headers: h,
            body: body.into(),
        });
    }

    fn issue(inner: &mut Inner, scope: &str, app: bool) -> Value {
        inner.issued += 1;
        let exp_in = inner.script.expires_in.unwrap_or(3599);
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs();
        let granted = inner
            .script
            .grant
            .clone()
            .unwrap_or_else(|| scope.to_string());
        let claims = if app {
            json!({"tid":TENANT,"appid":"app-client","roles":["User.Read.All","GroupMember.Read.All"],"idtyp":"app","exp":now+exp_in,"n":inner.issued})
        } else {
            json!({"tid":TENANT,"upn":"ann@contoso.test","name":"Ann","oid":"u-ann","scp":granted,"wids":["62e90394-69f5-4237-9190-012177145e10"],"exp":now+exp_in,"n":inner.issued})
        };
        let mut r = json!({"token_type":"Bearer","expires_in":exp_in,"ext_expires_in":exp_in,"access_token":jwt(&claims)});
        if !app {
            r["scope"] = json!(granted);
            r["refresh_token"] = json!(format!("rt-{}", inner.issued));
        }
        r
    }

    async fn devicecode(
        State(m): State<Mock>,
        uri: Uri,
        headers: HeaderMap,
        body: String,
    ) -> Response {
        log(&m, "POST", &uri, &headers, &body);
        let f = form(&body);
        if f.get("client_id").map(String::as_str) == Some("unknown-app") {
            return aad(
                400,
                "unauthorized_client",
                700016,
                "Application with identifier 'unknown-app' was not found in the directory.",
            );
        }
        json_response(json!({
            "user_code":"ABCD-EFGH",
            "device_code":"dc-secret-123",
            "verification_uri":"https://microsoft.com/devicelogin",
            "expires_in":900,
            "interval":1,
            "message":"To sign in, use a web browser to open the page https://microsoft.com/devicelogin and enter the code ABCD-EFGH to authenticate."
        }))
    }

    async fn token(State(m): State<Mock>, uri: Uri, headers: HeaderMap, body: String) -> Response {
        log(&m, "POST", &uri, &headers, &body);
        let f = form(&body);
        let mut g = m.inner.lock().unwrap();
        match f.get("grant_type").map(String::as_str) {
            Some("urn:ietf:params:oauth:grant-type:device_code") => {
                if f.get("device_code").map(String::as_str) != Some("dc-secret-123") {
                    return aad(
                        400,
                        "bad_verification_code",
                        70018,
                        "Verification code was not recognised.",
                    );
                }
                g.polls += 1;
                if g.polls <= g.script.pending_polls {
                    return aad(
                        400,
                        "authorization_pending",
                        70016,
                        "OAuth 2.0 device flow error. Authorization is pending. Continue polling.",
                    );
                }
                if g.script.slow_down && !g.slowed {
                    g.slowed = true;
                    return aad(400, "slow_down", 70016, "Slow down.");
                }
                if g.script.decline {
                    return aad(
                        400,
                        "authorization_declined",
                        70016,
                        "The end user denied the authorization request.",
                    );
                }
                let scope = f
                    .get("scope")
                    .cloned()
                    .unwrap_or_else(|| "User.Read User.Read.All GroupMember.Read.All".to_string());
                json_response(issue(&mut g, &scope, false))
            }
            Some("client_credentials") => {
                if f.get("client_secret").map(String::as_str) != Some("right-secret") {
                    return aad(
                        401,
                        "invalid_client",
                        7000215,
                        "Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID.",
                    );
                }
                json_response(issue(&mut g, "", true))
            }
            Some("refresh_token") => {
                if let Some(code) = g.script.refresh_fails {
                    return aad(
                        400,
                        "invalid_grant",
                        code,
                        "The refresh token has expired due to inactivity.",
                    );
                }
                let scope = f.get("scope").cloned().unwrap_or_default();
                json_response(issue(&mut g, &scope, false))
            }
            _ => aad(
                400,
                "unsupported_grant_type",
                70003,
                "The app requested an unsupported grant type.",
            ),
        }
    }

    fn json_response(v: Value) -> Response {
        (
            StatusCode::OK,
            [("content-type", "application/json")],
            v.to_string(),
        )
            .into_response()
    }

    /// Checks the bearer token and scripted faults; `Err` is the answer to send.
    fn gate(m: &Mock, headers: &HeaderMap) -> Result<(), Box<Response>> {
        let mut g = m.inner.lock().unwrap();
        let auth = headers
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        let Some(tok) = auth.strip_prefix("Bearer ") else {
            return Err(Box::new(graph_error(
                401,
                "InvalidAuthenticationToken",
                "Access token is empty.",
            )));
        };
        if g.expired.iter().any(|t| t == tok) {
            let mut r = graph_error(
                401,
                "InvalidAuthenticationToken",
                "Lifetime validation failed, the token is expired.",
            );
            r.headers_mut().insert("www-authenticate", "Bearer realm=\"\", authorization_uri=\"https://login.microsoftonline.com/common/oauth2/authorize\", client_id=\"00000003-0000-0000-c000-000000000000\"".parse().unwrap());
            return Err(Box::new(r));
        }
        if let Some((status, ra)) = g.script.faults.pop_front() {
            let mut r = graph_error(status, "TooManyRequests", "Please retry again later.");
            if let Some(ra) = ra {
                r.headers_mut().insert("retry-after", ra.parse().unwrap());
            }
            return Err(Box::new(r));
        }
        g.graph_ok += 1;
        if let Some(n) = g.script.expire_token_after
            && g.graph_ok >= n
        {
            g.script.expire_token_after = None;
            g.expired.push(tok.to_string());
        }
        Ok(())
    }

    fn user(i: usize) -> Value {
        json!({"id":format!("{i:08}-0000-0000-0000-000000000000"),"displayName":format!("User {i}"),"userPrincipalName":format!("user{i}@contoso.test")})
    }

    async fn users(
        State(m): State<Mock>,
        uri: Uri,
        headers: HeaderMap,
        Query(q): Query<HashMap<String, String>>,
    ) -> Response {
        log(&m, "GET", &uri, &headers, "");
        if let Err(r) = gate(&m, &headers) {
            return *r;
        }
        let advanced = q.get("$count").map(String::as_str) == Some("true");
        if advanced && headers.get("consistencylevel").is_none() {
            return graph_error(
                400,
                "Request_UnsupportedQuery",
                "ConsistencyLevel header missing on a later page",
            );
        }
        let top: usize = q.get("$top").and_then(|t| t.parse().ok()).unwrap_or(100);
        if top > 999 {
            return graph_error(
                400,
                "Request_UnsupportedQuery",
                "Invalid page size specified: '1000'. Must be between 1 and 999 inclusive.",
            );
        }
        let start: usize = q
            .get("$skiptoken")
            .and_then(|t| t.parse().ok())
            .unwrap_or(0);
        let (total, foreign, looping) = {
            let g = m.inner.lock().unwrap();
            (g.users, g.script.foreign_next.clone(), g.script.loop_next)
        };
        let end = (start + top).min(total);
        let mut body = json!({
            "@odata.context": format!("{}/v1.0/$metadata#users", m.url),
            "value": (start..end).map(user).collect::<Vec<_>>(),
        });
        if advanced && start == 0 {
            body["@odata.count"] = json!(total);
        }
        if end < total {
            let next = if let Some(f) = foreign {
                f
            } else if looping {
                format!("{}/v1.0/users?$top={top}", m.url)
            } else {
                let c = if advanced { "&$count=true" } else { "" };
                format!("{}/v1.0/users?$top={top}{c}&$skiptoken={end}", m.url)
            };
            body["@odata.nextLink"] = json!(next);
        }
        json_response(body)
    }

    async fn me(State(m): State<Mock>, uri: Uri, headers: HeaderMap) -> Response {
        log(&m, "GET", &uri, &headers, "");
        if let Err(r) = gate(&m, &headers) {
            return *r;
        }
        json_response(
            json!({"@odata.context":"x","id":"u-ann","displayName":"Ann","userPrincipalName":"ann@contoso.test"}),
        )
    }

    async fn forbidden(State(m): State<Mock>, uri: Uri, headers: HeaderMap) -> Response {
        log(&m, "GET", &uri, &headers, "");
        if let Err(r) = gate(&m, &headers) {
            return *r;
        }
        graph_error(
            403,
            "Authorization_RequestDenied",
            "Insufficient privileges to complete the operation.",
        )
    }

    async fn batch(State(m): State<Mock>, uri: Uri, headers: HeaderMap, body: Bytes) -> Response {
        let text = String::from_utf8_lossy(&body).into_owned();
        log(&m, "POST", &uri, &headers, &text);
        if let Err(r) = gate(&m, &headers) {
            return *r;
        }
        let v: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
        let reqs = v["requests"].as_array().cloned().unwrap_or_default();
        if reqs.len() > 20 {
            return graph_error(
                400,
                "BadRequest",
                "Too many requests in a batch: the limit is 20.",
            );
        }
        let mut g = m.inner.lock().unwrap();
        let responses: Vec<Value> = reqs
            .iter()
            .map(|r| {
                let id = r["id"].as_str().unwrap_or("").to_string();
                let url = r["url"].as_str().unwrap_or("");
                if let Some(pos) = g.script.throttle_batch_ids.iter().position(|x| *x == id) {
                    g.script.throttle_batch_ids.remove(pos);
                    return json!({"id":id,"status":429,"headers":{"Retry-After":"0"},"body":{"error":{"code":"TooManyRequests","message":"Please retry again later."}}});
                }
                match url.strip_prefix("/users/").and_then(|x| x.parse::<usize>().ok()) {
                    Some(i) if i < g.users => json!({"id":id,"status":200,"headers":{"Content-Type":"application/json"},"body":user(i)}),
                    _ => json!({"id":id,"status":404,"body":{"error":{"code":"Request_ResourceNotFound","message":format!("Resource '{url}' does not exist or one of its queried reference-property objects are not present.")}}}),
                }
            })
            .collect();
        json_response(json!({ "responses": responses }))
    }

    async fn other(State(m): State<Mock>, uri: Uri, headers: HeaderMap) -> Response {
        log(&m, "GET", &uri, &headers, "");
        graph_error(404, "Request_ResourceNotFound", "not here")
    }

    pub async fn start(n_users: usize) -> Mock {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let m = Mock {
            inner: Arc::new(Mutex::new(Inner {
                users: n_users,
                ..Default::default()
            })),
            url,
        };
        let app = Router::new()
            .route("/{tenant}/oauth2/v2.0/devicecode", post(devicecode))
            .route("/{tenant}/oauth2/v2.0/token", post(token))
            .route("/v1.0/users", get(users))
            .route("/v1.0/me", get(me))
            .route("/v1.0/forbidden", get(forbidden))
            .route("/v1.0/$batch", post(batch))
            .fallback(other)
            .with_state(m.clone());
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        m
    }
}

use mock::Mock;

fn settings(m: &Mock, dir: &Path, cache: TokenCacheKind, secret: Option<&str>) -> Settings {
    let args = GlobalArgs {
        tenant: Some(TENANT.into()),
        graph_url: Some(m.url.clone()),
        authority_host: Some(m.url.clone()),
        token_cache: Some(cache),
        data_dir: Some(dir.to_path_buf()),
        timeout: Some(10),
        ..Default::default()
    };
    let secret = secret.map(str::to_string);
    Settings::resolve_with(
        &args,
        &move |k| {
            if k == "AZURE_CLIENT_SECRET" {
                secret.clone()
            } else {
                None
            }
        },
        ConfigFile::default(),
        &dir.join("config.toml"),
    )
    .unwrap()
}

fn auth_opts(rec: &Recorder) -> AuthOptions {
    AuthOptions {
        poll_time_scale: 0.01,
        recorder: rec.clone(),
        ..Default::default()
    }
}

fn client(s: &Settings, auth: Arc<Authenticator>, rec: &Recorder) -> GraphClient {
    GraphClient::with_options(
        s,
        auth,
        ClientOptions {
            retry: RetryPolicy::fast(),
            recorder: Some(rec.clone()),
            ..Default::default()
        },
    )
    .unwrap()
}

/// Every access/refresh token and secret the server ever saw or issued.
fn secrets_seen(m: &Mock) -> Vec<String> {
    let mut out = vec!["right-secret".to_string(), "dc-secret-123".to_string()];
    for l in m.log() {
        if let Some(a) = l.headers.get("authorization") {
            out.push(a.trim_start_matches("Bearer ").to_string());
        }
        for (k, v) in url::form_urlencoded::parse(l.body.as_bytes()) {
            if k == "refresh_token" {
                out.push(v.into_owned());
            }
        }
    }
    out.retain(|s| s.len() > 5);
    out
}

/// Asserts no secret appears in any recorded exchange (headers, bodies, Debug, JSON export).
fn assert_recorder_clean(m: &Mock, rec: &Recorder) {
    let secrets = secrets_seen(m);
    assert!(!rec.is_empty());
    for ex in rec.list() {
        let dump = format!("{ex:?} {}", serde_json::to_string(&*ex).unwrap());
        for s in &secrets {
            assert!(
                !dump.contains(s.as_str()),
                "secret leaked in exchange {}",
                ex.url
            );
        }
        for (k, v) in &ex.request_headers {
            if k == "authorization" {
                assert_eq!(v, "Bearer <redacted>");
            }
        }
    }
}

async fn device_login(
    auth: &Authenticator,
) -> (
    Result<graphtui::auth::TokenSet, AuthError>,
    Vec<DeviceCodeEvent>,
) {
    let (tx, mut rx) = mpsc::unbounded_channel();
    let r = auth
        .login_device_code(None, tx, CancellationToken::new())
        .await;
    let mut evs = Vec::new();
    while let Ok(e) = rx.try_recv() {
        evs.push(e);
    }
    (r, evs)
}

#[tokio::test]
async fn device_code_with_pending_polls_and_slow_down_then_graph_calls() {
    let m = mock::start(10).await;
    m.script(|s| {
        s.pending_polls = 2;
        s.slow_down = true;
        s.grant = Some("User.Read User.Read.All".into());
    });
    let tmp = tempfile::tempdir().unwrap();
    let s = settings(&m, tmp.path(), TokenCacheKind::File, None);
    let rec = Recorder::default();
    let auth = Arc::new(
        Authenticator::new(&s, Arc::new(FileStore::in_dir(tmp.path())), auth_opts(&rec)).unwrap(),
    );
    let (r, evs) = device_login(&auth).await;
    let t = r.unwrap();
    assert_eq!(t.account.as_deref(), Some("ann@contoso.test"));
    assert_eq!(t.tenant_id.as_deref(), Some(TENANT));
    // Missing scope reported, not fatal.
    assert_eq!(t.missing_scopes(), vec!["GroupMember.Read.All"]);
    match &evs[0] {
        DeviceCodeEvent::CodeReady {
            user_code, message, ..
        } => {
            assert_eq!(user_code, "ABCD-EFGH");
            assert!(
                message
                    .as_deref()
                    .unwrap()
                    .contains("microsoft.com/devicelogin")
            );
        }
        other => panic!("first event {other:?}"),
    }
    assert!(evs.iter().any(|e| matches!(e, DeviceCodeEvent::SlowDown { interval } if *interval == Duration::from_secs(6))));
    assert!(
        matches!(evs.last(), Some(DeviceCodeEvent::Done { missing_scopes, .. }) if missing_scopes == &vec!["GroupMember.Read.All".to_string()])
    );
    // 2 pending + 1 slow_down + 1 success poll; device code sent with the right grant.
    let polls: Vec<_> = m
        .token_log()
        .into_iter()
        .filter(|l| l.uri.ends_with("/token"))
        .collect();
    assert_eq!(polls.len(), 4);
    assert!(polls[0].body.contains("device_code=dc-secret-123"));
    assert!(m.token_log()[0].body.contains("scope=User.Read"));
    // Cached in a 0600 file; a new session reuses it without signing in.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(tmp.path().join("tokens.json"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let auth2 = Arc::new(
        Authenticator::new(&s, Arc::new(FileStore::in_dir(tmp.path())), auth_opts(&rec)).unwrap(),
    );
    let c = client(&s, auth2, &rec);
    let mut events = c.events();
    let me = c.get(GraphRequest::get("/me")).await.unwrap();
    assert_eq!(me.json().unwrap()["displayName"], "Ann");
    c.get(GraphRequest::get("/me")).await.unwrap();
    let mut notices = Vec::new();
    while let Ok(e) = events.try_recv() {
        notices.push(e);
    }
    // Said once: which store, and which scopes are missing.
    assert_eq!(notices.len(), 2, "{notices:?}");
    assert!(
        matches!(&notices[0], ClientEvent::TokenStore { description } if description.starts_with("file ("))
    );
    assert_eq!(
        notices[1],
        ClientEvent::ScopesMissing {
            missing: vec!["GroupMember.Read.All".into()]
        }
    );
    let l = m.graph_log();
    let sent = &l[l.len() - 2].headers;
    assert!(sent["authorization"].starts_with("Bearer ey"));
    assert!(uuid::Uuid::parse_str(&sent["client-request-id"]).is_ok());
    assert_eq!(me.client_request_id, sent["client-request-id"]);
    assert_recorder_clean(&m, &rec);
}

#[tokio::test]
async fn device_code_decline_and_cancel_and_bad_app() {
    let m = mock::start(1).await;
    m.script(|s| {
        s.pending_polls = 1;
        s.decline = true;
    });
    let tmp = tempfile::tempdir().unwrap();
    let s = settings(&m, tmp.path(), TokenCacheKind::None, None);
    let rec = Recorder::default();
    let auth = Authenticator::new(&s, Arc::new(MemoryStore::new()), auth_opts(&rec)).unwrap();
    let (r, evs) = device_login(&auth).await;
    let e = r.unwrap_err();
    assert_eq!(e.aad().unwrap().error, "authorization_declined");
    let shown = e.to_string();
    assert!(shown.contains("AADSTS70016"), "{shown}");
    assert!(shown.contains("declined"), "{shown}");
    assert!(matches!(evs.last(), Some(DeviceCodeEvent::Failed { .. })));
    assert!(auth.current().await.unwrap().is_none());

    // Cancel while polling: returns promptly with Cancelled.
    let m2 = mock::start(1).await;
    m2.script(|s| s.pending_polls = 1000);
    let s2 = settings(&m2, tmp.path(), TokenCacheKind::None, None);
    let auth2 = Authenticator::new(
        &s2,
        Arc::new(MemoryStore::new()),
        AuthOptions {
            poll_time_scale: 0.05,
            ..Default::default()
        },
    )
    .unwrap();
    let cancel = CancellationToken::new();
    let (tx, _rx) = mpsc::unbounded_channel();
    let c2 = cancel.clone();
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(200)).await;
        c2.cancel();
    });
    let r = tokio::time::timeout(
        Duration::from_secs(5),
        auth2.login_device_code(None, tx, cancel),
    )
    .await
    .expect("cancel must stop polling");
    assert!(matches!(r, Err(AuthError::Cancelled)));

    // An unknown app: AADSTS700016 with its plain-language line.
    let mut s3 = s.clone();
    s3.client_id = "unknown-app".into();
    let auth3 = Authenticator::new(&s3, Arc::new(MemoryStore::new()), auth_opts(&rec)).unwrap();
    let (r, _) = device_login(&auth3).await;
    let msg = r.unwrap_err().to_string();
    assert!(
        msg.contains("AADSTS700016") && msg.contains("not found in this tenant"),
        "{msg}"
    );
}

#[tokio::test]
async fn client_credentials_sign_in_and_bad_secret() {
    let m = mock::start(3).await;
    let tmp = tempfile::tempdir().unwrap();
    let rec = Recorder::default();
    let bad = settings(&m, tmp.path(), TokenCacheKind::None, Some("wrong"));
    let auth = Authenticator::new(&bad, Arc::new(MemoryStore::new()), auth_opts(&rec)).unwrap();
    let e = auth.login_client_credentials().await.unwrap_err();
    assert_eq!(e.aad().unwrap().code(), Some(7000215));
    assert!(e.to_string().contains("client secret is wrong"));

    let none = settings(&m, tmp.path(), TokenCacheKind::None, None);
    let auth = Authenticator::new(&none, Arc::new(MemoryStore::new()), auth_opts(&rec)).unwrap();
    assert!(matches!(
        auth.login_client_credentials().await,
        Err(AuthError::MissingSecret)
    ));

    let good = settings(&m, tmp.path(), TokenCacheKind::None, Some("right-secret"));
    let auth =
        Arc::new(Authenticator::new(&good, Arc::new(MemoryStore::new()), auth_opts(&rec)).unwrap());
    let t = auth.login_client_credentials().await.unwrap();
    assert_eq!(t.kind, graphtui::auth::GrantKind::AppOnly);
    let claims = t.claims().unwrap();
    assert!(claims.is_app_only());
    assert_eq!(claims.roles, vec!["User.Read.All", "GroupMember.Read.All"]);
    let form = m.token_log().last().unwrap().body.clone();
    assert!(form.contains("grant_type=client_credentials"));
    assert!(form.contains(&format!(
        "scope={}",
        url::form_urlencoded::byte_serialize(format!("{}/.default", m.url).as_bytes())
            .collect::<String>()
    )));
    let c = client(&good, auth, &rec);
    let users = c
        .collect_all(GraphRequest::get("/users"), PageOptions::all())
        .await
        .unwrap();
    assert_eq!(users.len(), 3);
    assert_recorder_clean(&m, &rec);
}

#[tokio::test]
async fn refresh_on_expiry_mid_paging_replays_the_page() {
    let m = mock::start(1000).await;
    m.script(|s| s.expire_token_after = Some(3));
    let tmp = tempfile::tempdir().unwrap();
    let s = settings(&m, tmp.path(), TokenCacheKind::None, None);
    let rec = Recorder::default();
    let auth =
        Arc::new(Authenticator::new(&s, Arc::new(MemoryStore::new()), auth_opts(&rec)).unwrap());
    device_login(&auth).await.0.unwrap();
    let c = client(&s, auth.clone(), &rec);
    let mut events = c.events();
    let items = c
        .collect_all(GraphRequest::get("/users?$top=100"), PageOptions::all())
        .await
        .unwrap();
    assert_eq!(items.len(), 1000);
    let mut ids: Vec<&str> = items.iter().map(|u| u["id"].as_str().unwrap()).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 1000);
    // Page 4 was refused with the old token, a refresh happened, then page 4 was replayed.
    let refreshes: Vec<_> = m
        .token_log()
        .into_iter()
        .filter(|l| l.body.contains("grant_type=refresh_token"))
        .collect();
    assert_eq!(refreshes.len(), 1);
    assert!(refreshes[0].body.contains("refresh_token=rt-1"));
    let g = m.graph_log();
    assert_eq!(g.len(), 11);
    assert_eq!(g[3].uri, g[4].uri);
    assert_ne!(g[3].headers["authorization"], g[4].headers["authorization"]);
    let mut saw_refresh = false;
    while let Ok(e) = events.try_recv() {
        saw_refresh |= matches!(e, ClientEvent::TokenRefreshed { .. });
    }
    assert!(saw_refresh);
    assert_recorder_clean(&m, &rec);
}

#[tokio::test]
async fn silent_refresh_before_expiry_and_failed_refresh_needs_sign_in() {
    let m = mock::start(2).await;
    m.script(|s| s.expires_in = Some(120)); // inside the 5-minute margin
    let tmp = tempfile::tempdir().unwrap();
    let s = settings(&m, tmp.path(), TokenCacheKind::None, None);
    let rec = Recorder::default();
    let auth =
        Arc::new(Authenticator::new(&s, Arc::new(MemoryStore::new()), auth_opts(&rec)).unwrap());
    device_login(&auth).await.0.unwrap();
    m.script(|s| s.expires_in = Some(3599));
    let c = client(&s, auth.clone(), &rec);
    c.get(GraphRequest::get("/me")).await.unwrap();
    let log = m.log();
    let refresh_at = log
        .iter()
        .position(|l| l.body.contains("grant_type=refresh_token"))
        .expect("a silent refresh");
    let me_at = log.iter().position(|l| l.uri == "/v1.0/me").unwrap();
    assert!(refresh_at < me_at, "refresh happens before the request");

    // Now the refresh token is dead and Graph says the token expired: SignInNeeded.
    m.script(|s| {
        s.refresh_fails = Some(700082);
        s.expire_token_after = Some(1);
    });
    let mut events = c.events();
    c.get(GraphRequest::get("/me")).await.unwrap();
    let e = c.get(GraphRequest::get("/me")).await.unwrap_err();
    assert!(matches!(e, GraphError::SignIn(_)), "{e:?}");
    assert_eq!(e.exit_code(), 3);
    assert!(e.to_string().contains("AADSTS700082"), "{e}");
    let mut saw = false;
    while let Ok(ev) = events.try_recv() {
        saw |= matches!(ev, ClientEvent::SignInNeeded { .. });
    }
    assert!(saw);
}

#[tokio::test]
async fn retry_after_is_honoured_per_server_log() {
    let m = mock::start(5).await;
    m.script(|s| {
        s.faults.push_back((429, Some("0.3".into())));
        s.faults.push_back((503, Some("0.2".into())));
        s.faults.push_back((504, None));
    });
    let tmp = tempfile::tempdir().unwrap();
    let s = settings(&m, tmp.path(), TokenCacheKind::None, Some("right-secret"));
    let rec = Recorder::default();
    let auth =
        Arc::new(Authenticator::new(&s, Arc::new(MemoryStore::new()), auth_opts(&rec)).unwrap());
    let c = client(&s, auth, &rec);
    let mut events = c.events();
    let r = c.get(GraphRequest::get("/users").eventual()).await.unwrap();
    assert_eq!(r.status, 200);
    let g = m.graph_log();
    assert_eq!(g.len(), 4);
    assert!(g[1].at.duration_since(g[0].at) >= Duration::from_millis(300));
    assert!(g[2].at.duration_since(g[1].at) >= Duration::from_millis(200));
    assert_eq!(g[0].headers.get("retry-attempt"), None);
    assert_eq!(g[1].headers["retry-attempt"], "1");
    assert_eq!(g[3].headers["retry-attempt"], "3");
    // Headers are resent on every retry; each try has its own client-request-id.
    assert!(
        g.iter()
            .all(|l| l.headers["consistencylevel"] == "eventual")
    );
    assert_ne!(
        g[0].headers["client-request-id"],
        g[1].headers["client-request-id"]
    );
    let mut throttled = Vec::new();
    while let Ok(e) = events.try_recv() {
        if let ClientEvent::Throttled {
            status,
            retry_in,
            attempt,
            ..
        } = e
        {
            throttled.push((status, retry_in, attempt));
        }
    }
    assert_eq!(throttled[0], (429, Duration::from_millis(300), 1));
    assert_eq!(throttled[1], (503, Duration::from_millis(200), 2));
    // Every try is recorded with its attempt number.
    let tries: Vec<u32> = rec
        .list()
        .iter()
        .filter(|e| e.url.ends_with("/v1.0/users"))
        .map(|e| e.attempt)
        .collect();
    assert_eq!(tries, vec![0, 1, 2, 3]);

    // Retries give up after max_retries with the parsed 429.
    m.script(|s| {
        for _ in 0..4 {
            s.faults.push_back((429, Some("0".into())));
        }
    });
    let e = c.get(GraphRequest::get("/users")).await.unwrap_err();
    let api = e.api().unwrap();
    assert_eq!(api.status, 429);
    assert_eq!(api.code.as_deref(), Some("TooManyRequests"));
    assert_eq!(api.request_id.as_deref(), Some("rid-1"));
    assert_recorder_clean(&m, &rec);
}

#[tokio::test]
async fn twenty_thousand_users_each_exactly_once_via_cli() {
    let m = mock::start(20_000).await;
    let tmp = tempfile::tempdir().unwrap();
    let s = settings(&m, tmp.path(), TokenCacheKind::None, Some("right-secret"));
    let rec = Recorder::default();
    let auth =
        Arc::new(Authenticator::new(&s, Arc::new(MemoryStore::new()), auth_opts(&rec)).unwrap());
    let c = client(&s, auth, &rec);
    let args = get_args(&[
        "/users", "--all", "--top", "999", "--count", "--output", "ndjson",
    ]);
    let mut out = Vec::new();
    let mut err = Vec::new();
    let code = graphtui::cli::get::get_with(&c, &args, false, &mut out, &mut err).await;
    let err_s = String::from_utf8_lossy(&err);
    assert_eq!(code, 0, "{err_s}");
    let text = String::from_utf8(out).unwrap();
    let mut ids: Vec<String> = text
        .lines()
        .map(|l| {
            serde_json::from_str::<Value>(l).unwrap()["id"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    assert_eq!(ids.len(), 20_000);
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 20_000);
    assert!(err_s.contains("@odata.count = 20000"), "{err_s}");
    assert!(err_s.contains("page 21, 20000 items"), "{err_s}");
    // ConsistencyLevel was resent on every page (the mock refuses pages without it).
    let g = m.graph_log();
    assert_eq!(g.len(), 21);
    assert!(
        g.iter()
            .all(|l| l.headers.get("consistencylevel").map(String::as_str) == Some("eventual"))
    );
    // Nothing secret in stdout/stderr either.
    for sec in secrets_seen(&m) {
        assert!(!text.contains(&sec) && !err_s.contains(&sec));
    }
}

fn get_args(v: &[&str]) -> graphtui::cli::get::GetArgs {
    use clap::Parser;
    #[derive(Parser)]
    struct T {
        #[command(flatten)]
        a: graphtui::cli::get::GetArgs,
    }
    let mut full = vec!["t"];
    full.extend_from_slice(v);
    T::parse_from(full).a
}

#[tokio::test]
async fn foreign_next_link_is_refused_without_sending_the_token() {
    let m = mock::start(500).await;
    let evil = mock::start(500).await; // another origin (other port)
    m.script(|s| s.foreign_next = Some(format!("{}/v1.0/users?$skiptoken=100", evil.url)));
    let tmp = tempfile::tempdir().unwrap();
    let s = settings(&m, tmp.path(), TokenCacheKind::None, Some("right-secret"));
    let rec = Recorder::default();
    let auth =
        Arc::new(Authenticator::new(&s, Arc::new(MemoryStore::new()), auth_opts(&rec)).unwrap());
    let c = client(&s, auth, &rec);
    let mut pages = c.pages(GraphRequest::get("/users"), PageOptions::all());
    let first = pages.next().await.unwrap().unwrap();
    assert_eq!(first.items.len(), 100);
    let e = pages.next().await.unwrap().unwrap_err();
    assert!(matches!(e, GraphError::ForeignOrigin { .. }), "{e:?}");
    assert!(e.to_string().contains("refused to send the access token"));
    assert!(pages.next().await.is_none());
    assert!(evil.log().is_empty(), "the other origin got a request");

    // Pasted full URLs to another origin are refused too (CLI: usage error).
    let e = c
        .get(GraphRequest::get(format!("{}/v1.0/me", evil.url)))
        .await
        .unwrap_err();
    assert!(matches!(e, GraphError::ForeignOrigin { .. }));
    let mut out = Vec::new();
    let mut err = Vec::new();
    let code = graphtui::cli::get::get_with(
        &c,
        &get_args(&["https://graph.microsoft.com.evil.test/v1.0/users"]),
        false,
        &mut out,
        &mut err,
    )
    .await;
    assert_eq!(code, 2);
    assert!(evil.log().is_empty());

    // A nextLink loop stops with a clear error.
    m.script(|s| {
        s.foreign_next = None;
        s.loop_next = true;
    });
    let e = c
        .collect_all(GraphRequest::get("/users?$top=100"), PageOptions::all())
        .await
        .unwrap_err();
    assert!(matches!(e, GraphError::NextLinkLoop { .. }), "{e:?}");
}

#[tokio::test]
async fn batch_keeps_item_errors_and_retries_throttled_items() {
    let m = mock::start(100).await;
    m.script(|s| s.throttle_batch_ids = vec!["3".into(), "22".into()]);
    let tmp = tempfile::tempdir().unwrap();
    let s = settings(&m, tmp.path(), TokenCacheKind::None, Some("right-secret"));
    let rec = Recorder::default();
    let auth =
        Arc::new(Authenticator::new(&s, Arc::new(MemoryStore::new()), auth_opts(&rec)).unwrap());
    let c = client(&s, auth, &rec);
    let mut reqs: Vec<GraphRequest> = (0..25)
        .map(|i| GraphRequest::get(format!("/users/{i}")))
        .collect();
    reqs[7] = GraphRequest::get("/users/9999");
    reqs[8] = GraphRequest::get("https://elsewhere.test/v1.0/users/1");
    reqs.push(GraphRequest {
        method: reqwest::Method::PATCH,
        url: "/users/1".into(),
        headers: vec![],
        body: Some(json!({"displayName": "x"})),
    });
    let out = c.batch(reqs).await;
    assert_eq!(out.len(), 26);
    // Read-only mode (the default) refuses the write item without sending it.
    assert!(matches!(out[25], Err(GraphError::ReadOnly { .. })));
    for (i, r) in out.iter().take(25).enumerate() {
        match i {
            7 => assert_eq!(
                r.as_ref().unwrap_err().api().unwrap().code.as_deref(),
                Some("Request_ResourceNotFound")
            ),
            8 => assert!(matches!(r, Err(GraphError::ForeignOrigin { .. }))),
            _ => assert_eq!(
                r.as_ref().unwrap().json().unwrap()["id"],
                format!("{i:08}-0000-0000-0000-000000000000")
            ),
        }
    }
    let batches: Vec<_> = m
        .graph_log()
        .into_iter()
        .filter(|l| l.uri.ends_with("$batch"))
        .collect();
    // 24 valid items: a batch of 20 and one of 4, then one retry batch with the 2 throttled ones.
    assert_eq!(batches.len(), 3);
    let n = |l: &mock::Logged| {
        serde_json::from_str::<Value>(&l.body).unwrap()["requests"]
            .as_array()
            .unwrap()
            .len()
    };
    assert_eq!((n(&batches[0]), n(&batches[1]), n(&batches[2])), (20, 4, 2));
    assert!(batches.iter().all(|b| b.method == "POST"));
}

#[tokio::test]
async fn graph_error_is_printed_raw_with_exit_1_and_sign_in_missing_is_exit_3() {
    let m = mock::start(1).await;
    let tmp = tempfile::tempdir().unwrap();
    let s = settings(&m, tmp.path(), TokenCacheKind::None, Some("right-secret"));
    let auth = Arc::new(
        Authenticator::new(&s, Arc::new(MemoryStore::new()), AuthOptions::default()).unwrap(),
    );
    // GraphClient::new shares the session's recorder: sign-in exchanges show up too.
    let c = GraphClient::new(&s, auth).unwrap();
    let rec = c.recorder().clone();
    let mut out = Vec::new();
    let mut err = Vec::new();
    let code =
        graphtui::cli::get::get_with(&c, &get_args(&["/forbidden"]), false, &mut out, &mut err)
            .await;
    let kinds: Vec<_> = rec.list().iter().map(|x| x.kind).collect();
    assert_eq!(
        kinds,
        vec![
            graphtui::graph::ExchangeKind::Identity,
            graphtui::graph::ExchangeKind::Graph
        ]
    );
    assert_recorder_clean(&m, &rec);
    assert_eq!(code, 1);
    let e = String::from_utf8(err).unwrap();
    let first_line = e.lines().next().unwrap();
    let raw: Value = serde_json::from_str(first_line).unwrap();
    assert_eq!(raw["error"]["code"], "Authorization_RequestDenied");
    assert!(e.contains("request-id rid-1"));
    let ex = rec
        .list()
        .into_iter()
        .rev()
        .find(|x| x.status == Some(403))
        .unwrap();
    let parsed = ex.error.as_ref().unwrap();
    assert_eq!(parsed.client_request_id.as_deref(), Some("crid-1"));
    assert_eq!(parsed.date.as_deref(), Some("2026-11-25T04:00:00"));

    // No sign-in at all: exit 3.
    let s2 = settings(&m, tmp.path(), TokenCacheKind::None, None);
    let auth2 =
        Arc::new(Authenticator::new(&s2, Arc::new(MemoryStore::new()), auth_opts(&rec)).unwrap());
    let c2 = client(&s2, auth2, &rec);
    let mut err = Vec::new();
    let code =
        graphtui::cli::get::get_with(&c2, &get_args(&["/me"]), false, &mut out, &mut err).await;
    assert_eq!(code, 3);
    assert!(String::from_utf8(err).unwrap().contains("graphtui login"));
}

#[tokio::test]
async fn cli_login_whoami_logout_round_trip_with_file_cache() {
    let m = mock::start(1).await;
    m.script(|s| s.pending_polls = 1);
    let tmp = tempfile::tempdir().unwrap();
    let s = settings(&m, tmp.path(), TokenCacheKind::File, None);
    let rec = Recorder::default();
    let store: Arc<dyn TokenStore> = Arc::new(FileStore::in_dir(tmp.path()));
    let auth = Authenticator::new(&s, store.clone(), auth_opts(&rec)).unwrap();
    let mut err = Vec::new();
    let code = graphtui::cli::login::login_with(
        &auth,
        &graphtui::cli::login::LoginArgs {
            device_code: true,
            client_credentials: false,
        },
        CancellationToken::new(),
        &mut err,
    )
    .await;
    let e = String::from_utf8(err).unwrap();
    assert_eq!(code, 0, "{e}");
    assert!(e.contains("enter the code ABCD-EFGH"), "{e}");
    assert!(e.contains("Signed in as ann@contoso.test"), "{e}");
    assert!(e.contains("Tokens are cached in: file ("), "{e}");

    let auth = Authenticator::new(&s, store.clone(), auth_opts(&rec)).unwrap();
    let mut out = Vec::new();
    let mut err = Vec::new();
    let code = graphtui::cli::whoami::whoami_with(
        &auth,
        &graphtui::cli::whoami::WhoamiArgs {
            output: graphtui::cli::OutputFormat::Json,
        },
        &mut out,
        &mut err,
    )
    .await;
    assert_eq!(code, 0);
    let v: Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(v["account"], "ann@contoso.test");
    assert_eq!(v["tenantId"], TENANT);
    assert_eq!(v["kind"], "delegated");
    assert_eq!(v["directoryRoles"][0]["name"], "Global Administrator");
    assert!(
        v["scopes"]
            .as_array()
            .unwrap()
            .iter()
            .any(|x| x == "User.Read.All")
    );
    let text = String::from_utf8(out).unwrap();
    for sec in secrets_seen(&m) {
        assert!(!text.contains(&sec));
    }

    let report = graphtui::auth::logout(&s, std::slice::from_ref(&store)).await;
    assert!(report[0].starts_with("removed from file"));
    assert!(!tmp.path().join("tokens.json").exists());
    let auth = Authenticator::new(&s, store, auth_opts(&rec)).unwrap();
    let mut err = Vec::new();
    let code = graphtui::cli::whoami::whoami_with(
        &auth,
        &graphtui::cli::whoami::WhoamiArgs {
            output: graphtui::cli::OutputFormat::Text,
        },
        &mut Vec::new(),
        &mut err,
    )
    .await;
    assert_eq!(code, 3);
}

// ---------------------------------------------------------------------------------------------
// Against the sandbox tenant (the project's emulator), checked from its request log.
// ---------------------------------------------------------------------------------------------

mod sb {
    use super::*;
    use graphtui::sandbox::{Sandbox, SandboxConfig};

    pub async fn start(users: usize, scenario: &str) -> Sandbox {
        global_logs();
        Sandbox::start(SandboxConfig {
            users,
            scenario: (!scenario.is_empty()).then(|| scenario.to_string()),
            ..Default::default()
        })
        .await
        .unwrap()
    }

    pub fn settings(
        sb: &Sandbox,
        dir: &Path,
        client_id: Option<&str>,
        secret: Option<&str>,
    ) -> Settings {
        let args = GlobalArgs {
            tenant: Some(sb.tenant_id()),
            graph_url: Some(sb.url()),
            authority_host: Some(sb.url()),
            client_id: client_id.map(str::to_string),
            token_cache: Some(TokenCacheKind::None),
            data_dir: Some(dir.to_path_buf()),
            timeout: Some(30),
            ..Default::default()
        };
        let secret = secret.map(str::to_string);
        Settings::resolve_with(
            &args,
            &move |k| {
                if k == "AZURE_CLIENT_SECRET" {
                    secret.clone()
                } else {
                    None
                }
            },
            ConfigFile::default(),
            &dir.join("config.toml"),
        )
        .unwrap()
    }

    pub fn app(sb: &Sandbox, dir: &Path) -> Settings {
        settings(
            sb,
            dir,
            Some(graphtui::sandbox::SANDBOX_APP_ID),
            Some(graphtui::sandbox::SANDBOX_APP_SECRET),
        )
    }

    pub async fn log(sb: &Sandbox) -> Vec<Value> {
        let v: Value = reqwest::get(format!("{}/_sandbox/log", sb.url()))
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        v["entries"].as_array().cloned().unwrap_or_default()
    }

    pub async fn log_text(sb: &Sandbox) -> String {
        reqwest::get(format!("{}/_sandbox/log", sb.url()))
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
    }

    pub async fn faults(sb: &Sandbox, f: Value) {
        let r = reqwest::Client::new()
            .post(format!("{}/_sandbox/faults", sb.url()))
            .json(&f)
            .send()
            .await
            .unwrap();
        assert!(r.status().is_success(), "faults: {}", r.status());
    }

    pub fn header<'a>(entry: &'a Value, name: &str) -> Option<&'a str> {
        entry["request_headers"].as_array()?.iter().find_map(|h| {
            let k = h.get(0)?.as_str()?;
            if k.eq_ignore_ascii_case(name) {
                h.get(1)?.as_str()
            } else {
                None
            }
        })
    }

    pub fn at(entry: &Value) -> time::OffsetDateTime {
        time::OffsetDateTime::parse(
            entry["timestamp"].as_str().unwrap(),
            &time::format_description::well_known::Rfc3339,
        )
        .unwrap()
    }

    /// The session's tokens, to search for leaks.
    pub async fn tokens(auth: &Authenticator) -> Vec<String> {
        let t = auth.current().await.unwrap().unwrap();
        let mut v = vec![t.access_token.expose().to_string()];
        if let Some(r) = &t.refresh_token {
            v.push(r.expose().to_string());
        }
        v
    }

    /// No token in the recorder (headers, bodies, Debug, JSON) nor in the sandbox's log.
    pub async fn assert_no_leak(sb: &Sandbox, rec: &Recorder, secrets: &[String], extra: &[&str]) {
        let log = log_text(sb).await;
        let traced = String::from_utf8_lossy(&global_logs().0.lock().unwrap()).into_owned();
        for s in secrets {
            assert!(!traced.contains(s.as_str()), "token in the tracing log");
        }
        assert!(!rec.is_empty());
        for ex in rec.list() {
            let dump = format!("{ex:?} {}", serde_json::to_string(&*ex).unwrap());
            for s in secrets {
                assert!(!dump.contains(s.as_str()), "token in exchange {}", ex.url);
            }
            assert!(
                ex.request_headers
                    .iter()
                    .all(|(k, v)| k != "authorization" || v == "Bearer <redacted>")
            );
        }
        for s in secrets {
            assert!(!log.contains(s.as_str()), "token in the sandbox log");
            for t in extra {
                assert!(!t.contains(s.as_str()), "token in output");
            }
        }
    }
}

#[tokio::test]
async fn sandbox_device_code_pending_slow_down_then_decline() {
    let sandbox = sb::start(100, "slow-down,fast-poll").await;
    let tmp = tempfile::tempdir().unwrap();
    let s = sb::settings(&sandbox, tmp.path(), None, None);
    let rec = Recorder::default();
    let auth = Authenticator::new(&s, Arc::new(MemoryStore::new()), auth_opts(&rec)).unwrap();
    let (r, evs) = device_login(&auth).await;
    let t = r.unwrap();
    assert_eq!(t.account.as_deref(), Some(sandbox.demo_user_upn().as_str()));
    assert_eq!(t.tenant_id.as_deref(), Some(sandbox.tenant_id().as_str()));
    assert!(evs.iter().any(|e| matches!(e, DeviceCodeEvent::SlowDown { interval } if *interval == Duration::from_secs(6))));
    let polls: Vec<Value> = sb::log(&sandbox)
        .await
        .into_iter()
        .filter(|e| e["path"].as_str().unwrap().ends_with("/oauth2/v2.0/token"))
        .collect();
    let statuses: Vec<u64> = polls
        .iter()
        .map(|e| e["status"].as_u64().unwrap())
        .collect();
    assert!(statuses.len() >= 3, "{statuses:?}");
    assert_eq!(statuses.last(), Some(&200));
    assert!(statuses[..statuses.len() - 1].iter().all(|s| *s == 400));
    // The polls after slow_down were spaced by the longer interval (scaled by 0.01 in tests).
    let gap = sb::at(&polls[2]) - sb::at(&polls[1]);
    assert!(gap >= time::Duration::milliseconds(55), "{gap}");
    let secrets = sb::tokens(&auth).await;
    sb::assert_no_leak(&sandbox, &rec, &secrets, &[]).await;

    let declined = sb::start(100, "declined,fast-poll").await;
    let s = sb::settings(&declined, tmp.path(), None, None);
    let auth = Authenticator::new(&s, Arc::new(MemoryStore::new()), auth_opts(&rec)).unwrap();
    let e = device_login(&auth).await.0.unwrap_err();
    assert_eq!(e.aad().unwrap().error, "authorization_declined");
    assert!(e.to_string().contains("declined"));

    let expired = sb::start(100, "expired-code,fast-poll").await;
    let s = sb::settings(&expired, tmp.path(), None, None);
    let auth = Authenticator::new(&s, Arc::new(MemoryStore::new()), auth_opts(&rec)).unwrap();
    let e = device_login(&auth).await.0.unwrap_err();
    assert_eq!(e.aad().unwrap().error, "expired_token");
    assert!(e.to_string().contains("expired"), "{e}");
}

#[tokio::test]
async fn sandbox_client_credentials_and_whoami_roles() {
    let sandbox = sb::start(100, "").await;
    let tmp = tempfile::tempdir().unwrap();
    let rec = Recorder::default();
    let s = sb::app(&sandbox, tmp.path());
    let auth = Authenticator::new(&s, Arc::new(MemoryStore::new()), auth_opts(&rec)).unwrap();
    let t = auth.login_client_credentials().await.unwrap();
    assert_eq!(t.kind, graphtui::auth::GrantKind::AppOnly);
    let mut out = Vec::new();
    let mut err = Vec::new();
    let code = graphtui::cli::whoami::whoami_with(
        &auth,
        &graphtui::cli::whoami::WhoamiArgs {
            output: graphtui::cli::OutputFormat::Json,
        },
        &mut out,
        &mut err,
    )
    .await;
    assert_eq!(code, 0, "{}", String::from_utf8_lossy(&err));
    let v: Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(v["kind"], "app-only");
    assert!(
        v["roles"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r == "User.Read.All"),
        "{v}"
    );
    let secrets = sb::tokens(&auth).await;
    let out_s = String::from_utf8(out).unwrap();
    sb::assert_no_leak(&sandbox, &rec, &secrets, &[&out_s]).await;

    let bad = sb::settings(
        &sandbox,
        tmp.path(),
        Some(graphtui::sandbox::SANDBOX_APP_ID),
        Some("not-the-secret"),
    );
    let auth = Authenticator::new(&bad, Arc::new(MemoryStore::new()), auth_opts(&rec)).unwrap();
    let e = auth.login_client_credentials().await.unwrap_err();
    assert_eq!(e.aad().unwrap().code(), Some(7000215), "{e}");
}

#[tokio::test]
async fn sandbox_refresh_on_expiry_mid_paging() {
    let sandbox = sb::start(500, "expire-mid-paging=2,fast-poll").await;
    let tmp = tempfile::tempdir().unwrap();
    let s = sb::settings(&sandbox, tmp.path(), None, None);
    let rec = Recorder::default();
    let auth =
        Arc::new(Authenticator::new(&s, Arc::new(MemoryStore::new()), auth_opts(&rec)).unwrap());
    device_login(&auth).await.0.unwrap();
    let c = client(&s, auth.clone(), &rec);
    let items = c
        .collect_all(
            GraphRequest::get("/users?$top=50&$select=id"),
            PageOptions::all(),
        )
        .await
        .unwrap();
    let mut ids: Vec<&str> = items.iter().map(|u| u["id"].as_str().unwrap()).collect();
    let n = ids.len();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), n);
    assert!(n >= 500, "{n}");
    let log = sb::log(&sandbox).await;
    let graph: Vec<&Value> = log
        .iter()
        .filter(|e| e["path"].as_str().unwrap().starts_with("/v1.0/users"))
        .collect();
    let refused: Vec<usize> = graph
        .iter()
        .enumerate()
        .filter(|(_, e)| e["status"] == 401)
        .map(|(i, _)| i)
        .collect();
    assert!(!refused.is_empty(), "the scenario expired the token");
    for i in &refused {
        // The same page was replayed with a renewed token and succeeded.
        assert_eq!(graph[i + 1]["path"], graph[*i]["path"]);
        assert_eq!(graph[i + 1]["status"], 200);
    }
    let token_calls = log
        .iter()
        .filter(|e| e["path"].as_str().unwrap().ends_with("/token") && e["status"] == 200)
        .count();
    assert!(token_calls > refused.len(), "one refresh per expiry");
    let secrets = sb::tokens(&auth).await;
    sb::assert_no_leak(&sandbox, &rec, &secrets, &[]).await;
}

#[tokio::test]
async fn sandbox_retry_after_honoured_per_request_log() {
    let sandbox = sb::start(100, "").await;
    let tmp = tempfile::tempdir().unwrap();
    let s = sb::app(&sandbox, tmp.path());
    let rec = Recorder::default();
    let auth =
        Arc::new(Authenticator::new(&s, Arc::new(MemoryStore::new()), auth_opts(&rec)).unwrap());
    let c = client(&s, auth.clone(), &rec);
    sb::faults(
        &sandbox,
        json!({"throttle_every": 2, "retry_after": 0.3, "path_prefix": "/v1.0/users"}),
    )
    .await;
    for _ in 0..2 {
        c.get(GraphRequest::get("/users?$top=5")).await.unwrap();
    }
    sb::faults(
        &sandbox,
        json!({"status_503_every": 2, "retry_after": "0.2", "path_prefix": "/v1.0/groups"}),
    )
    .await;
    for _ in 0..2 {
        c.get(GraphRequest::get("/groups?$top=5")).await.unwrap();
    }
    let log = sb::log(&sandbox).await;
    for (status, wait_ms, prefix) in [(429, 300, "/v1.0/users"), (503, 200, "/v1.0/groups")] {
        let g: Vec<&Value> = log
            .iter()
            .filter(|e| e["path"].as_str().unwrap().starts_with(prefix))
            .collect();
        let i = g
            .iter()
            .position(|e| e["status"] == status)
            .unwrap_or_else(|| panic!("no {status} in {g:?}"));
        let ra = g[i]["retry_after"]
            .as_str()
            .unwrap()
            .parse::<f64>()
            .unwrap();
        assert_eq!((ra * 1000.0).round() as i64, wait_ms);
        let retry = g[i + 1];
        assert_eq!(retry["status"], 200);
        assert_eq!(sb::header(retry, "retry-attempt"), Some("1"));
        let gap = sb::at(retry) - sb::at(g[i]);
        assert!(
            gap >= time::Duration::milliseconds(wait_ms),
            "{status}: waited {gap}"
        );
        assert!(sb::header(g[i], "client-request-id").is_some());
        assert_ne!(
            sb::header(g[i], "client-request-id"),
            sb::header(retry, "client-request-id")
        );
    }
    let secrets = sb::tokens(&auth).await;
    sb::assert_no_leak(&sandbox, &rec, &secrets, &[]).await;
}

/// A tracing writer into a shared buffer.
#[derive(Clone, Default)]
struct LogBuf(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for LogBuf {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(b);
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Every tracing event of this test binary, at TRACE, into one buffer (a global subscriber,
/// so events from every thread are caught).
fn global_logs() -> LogBuf {
    static LOGS: std::sync::OnceLock<LogBuf> = std::sync::OnceLock::new();
    LOGS.get_or_init(|| {
        let logs = LogBuf::default();
        let subscriber = tracing_subscriber::fmt()
            .with_writer(logs.clone())
            .with_max_level(tracing::Level::TRACE)
            .with_ansi(false)
            .finish();
        let _ = tracing::subscriber::set_global_default(subscriber);
        logs
    })
    .clone()
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for LogBuf {
    type Writer = LogBuf;
    fn make_writer(&'a self) -> LogBuf {
        self.clone()
    }
}

#[tokio::test]
async fn sandbox_twenty_thousand_users_with_all_each_exactly_once() {
    let logs = global_logs();
    let sandbox = sb::start(20_000, "").await;
    let tmp = tempfile::tempdir().unwrap();
    let s = sb::app(&sandbox, tmp.path());
    let rec = Recorder::default();
    let auth =
        Arc::new(Authenticator::new(&s, Arc::new(MemoryStore::new()), auth_opts(&rec)).unwrap());
    let c = client(&s, auth.clone(), &rec);
    let args = get_args(&[
        "/users",
        "--all",
        "--top",
        "999",
        "--select",
        "id,displayName",
        "-o",
        "ndjson",
    ]);
    let mut out = Vec::new();
    let mut err = Vec::new();
    let code = graphtui::cli::get::get_with(&c, &args, false, &mut out, &mut err).await;
    let err_s = String::from_utf8_lossy(&err).into_owned();
    assert_eq!(code, 0, "{err_s}");
    let text = String::from_utf8(out).unwrap();
    let mut ids: Vec<String> = text
        .lines()
        .map(|l| {
            serde_json::from_str::<Value>(l).unwrap()["id"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    let n = ids.len();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), n, "a user came twice");
    assert!(n >= 20_000, "{n}");
    let pages = sb::log(&sandbox)
        .await
        .iter()
        .filter(|e| e["path"].as_str().unwrap().starts_with("/v1.0/users"))
        .count();
    assert_eq!(pages, n.div_ceil(999));
    let secrets = sb::tokens(&auth).await;
    let tracing_text = String::from_utf8(logs.0.lock().unwrap().clone()).unwrap();
    assert!(
        tracing_text.contains("graph exchange"),
        "tracing captured: {}",
        &tracing_text[..tracing_text.len().min(3000)]
    );
    sb::assert_no_leak(&sandbox, &rec, &secrets, &[&text, &err_s, &tracing_text]).await;
}

#[tokio::test]
async fn sandbox_foreign_next_link_is_refused_without_sending_the_token() {
    let sandbox = sb::start(300, "").await;
    let tmp = tempfile::tempdir().unwrap();
    let s = sb::app(&sandbox, tmp.path());
    let rec = Recorder::default();
    let auth =
        Arc::new(Authenticator::new(&s, Arc::new(MemoryStore::new()), auth_opts(&rec)).unwrap());
    let c = client(&s, auth.clone(), &rec);
    sb::faults(&sandbox, json!({"foreign_next_link": true})).await;
    let mut pages = c.pages(GraphRequest::get("/users?$top=100"), PageOptions::all());
    let first = pages.next().await.unwrap().unwrap();
    assert!(
        first
            .next_link
            .as_deref()
            .unwrap()
            .contains("graph.evil.example")
    );
    let e = pages.next().await.unwrap().unwrap_err();
    assert!(matches!(e, GraphError::ForeignOrigin { .. }), "{e:?}");
    assert!(pages.next().await.is_none());
    assert!(rec.list().iter().all(|x| !x.url.contains("evil")));
    let users_calls = sb::log(&sandbox)
        .await
        .iter()
        .filter(|e| e["path"].as_str().unwrap().starts_with("/v1.0/users"))
        .count();
    assert_eq!(users_calls, 1);
    // The CLI: exit 1 with a clear message, the first page printed.
    let mut out = Vec::new();
    let mut err = Vec::new();
    let code = graphtui::cli::get::get_with(
        &c,
        &get_args(&["/users", "--top", "100", "--all", "-o", "ndjson"]),
        false,
        &mut out,
        &mut err,
    )
    .await;
    assert_eq!(code, 1);
    let err_s = String::from_utf8(err).unwrap();
    assert!(
        err_s.contains("refused to send the access token"),
        "{err_s}"
    );
    let secrets = sb::tokens(&auth).await;
    sb::assert_no_leak(&sandbox, &rec, &secrets, &[&err_s]).await;
}

#[tokio::test]
async fn demo_session_signs_in_to_an_embedded_sandbox() {
    let tmp = tempfile::tempdir().unwrap();
    let mut s = settings(
        &mock::start(1).await,
        tmp.path(),
        TokenCacheKind::File,
        Some("ignored"),
    );
    s.demo = true;
    let (sandbox, ds, auth) = graphtui::cli::get::demo_session(&s).await.unwrap();
    assert_eq!(ds.graph_root.as_str().trim_end_matches('/'), sandbox.url());
    assert_eq!(ds.token_cache, TokenCacheKind::None);
    let mut out = Vec::new();
    let code = graphtui::cli::whoami::whoami_with(
        &auth,
        &graphtui::cli::whoami::WhoamiArgs {
            output: graphtui::cli::OutputFormat::Text,
        },
        &mut out,
        &mut Vec::new(),
    )
    .await;
    assert_eq!(code, 0);
    let text = String::from_utf8(out).unwrap();
    assert!(text.contains(&sandbox.demo_user_upn()), "{text}");
    assert!(text.contains("User Administrator"), "{text}");
    assert!(
        !tmp.path().join("tokens.json").exists(),
        "demo writes nothing"
    );
}

#[tokio::test]
async fn sandbox_failed_refresh_means_sign_in_again_and_batch_fans_out() {
    let sandbox = sb::start(100, "refresh-expired,fast-poll").await;
    let tmp = tempfile::tempdir().unwrap();
    let s = sb::settings(&sandbox, tmp.path(), None, None);
    let rec = Recorder::default();
    let auth =
        Arc::new(Authenticator::new(&s, Arc::new(MemoryStore::new()), auth_opts(&rec)).unwrap());
    device_login(&auth).await.0.unwrap();
    let c = client(&s, auth.clone(), &rec);

    // $batch: 25 requests go out as 20 + 5, item errors stay per item.
    let ids: Vec<String> = c
        .get(GraphRequest::get("/users?$top=24&$select=id"))
        .await
        .unwrap()
        .json()
        .unwrap()["value"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["id"].as_str().unwrap().to_string())
        .collect();
    let mut reqs: Vec<GraphRequest> = ids
        .iter()
        .map(|id| GraphRequest::get(format!("/users/{id}?$select=id,displayName")))
        .collect();
    reqs.push(GraphRequest::get(
        "/users/00000000-0000-0000-0000-000000000000",
    ));
    let out = c.batch(reqs).await;
    assert_eq!(out.len(), 25);
    for (i, r) in out.iter().take(24).enumerate() {
        assert_eq!(r.as_ref().unwrap().json().unwrap()["id"], ids[i].as_str());
    }
    let last = out[24].as_ref().unwrap_err().api().unwrap();
    assert_eq!(last.status, 404);
    assert_eq!(last.code.as_deref(), Some("Request_ResourceNotFound"));
    let batches = sb::log(&sandbox)
        .await
        .iter()
        .filter(|e| e["path"].as_str().unwrap().ends_with("/$batch"))
        .count();
    assert_eq!(batches, 2);

    // Every access token expires and refresh tokens are dead: the client says sign in again.
    let mut events = c.events();
    let r = reqwest::Client::new()
        .post(format!("{}/_sandbox/tokens/expire", sandbox.url()))
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success());
    let e = c.get(GraphRequest::get("/me")).await.unwrap_err();
    assert!(matches!(e, GraphError::SignIn(_)), "{e:?}");
    assert_eq!(e.exit_code(), 3);
    assert!(e.to_string().contains("AADSTS700082"), "{e}");
    let mut saw = false;
    while let Ok(ev) = events.try_recv() {
        saw |= matches!(ev, ClientEvent::SignInNeeded { .. });
    }
    assert!(saw);

    let bad = sb::start(100, "bad-verification-code,fast-poll").await;
    let s = sb::settings(&bad, tmp.path(), None, None);
    let auth = Authenticator::new(&s, Arc::new(MemoryStore::new()), auth_opts(&rec)).unwrap();
    let e = device_login(&auth).await.0.unwrap_err();
    assert_eq!(e.aad().unwrap().error, "bad_verification_code");
    assert!(e.to_string().contains("not recognise"), "{e}");
}

#[tokio::test]
async fn sandbox_dropped_and_cut_answers_are_retried_and_bad_json_is_an_error() {
    let sandbox = sb::start(300, "").await;
    let tmp = tempfile::tempdir().unwrap();
    let s = sb::app(&sandbox, tmp.path());
    let rec = Recorder::default();
    let auth =
        Arc::new(Authenticator::new(&s, Arc::new(MemoryStore::new()), auth_opts(&rec)).unwrap());
    let c = client(&s, auth, &rec);
    let mut events = c.events();
    sb::faults(
        &sandbox,
        json!({"drop_every": 3, "truncate_every": 4, "path_prefix": "/v1.0/users"}),
    )
    .await;
    let items = c
        .collect_all(
            GraphRequest::get("/users?$top=50&$select=id"),
            PageOptions::all(),
        )
        .await
        .unwrap();
    let mut ids: Vec<&str> = items.iter().map(|u| u["id"].as_str().unwrap()).collect();
    let n = ids.len();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), n);
    assert!(n >= 300);
    let mut retried = 0;
    while let Ok(e) = events.try_recv() {
        if matches!(e, ClientEvent::Retrying { .. }) {
            retried += 1;
        }
    }
    assert!(retried >= 2, "{retried}");
    sb::faults(
        &sandbox,
        json!({"malformed_every": 1, "path_prefix": "/v1.0/users"}),
    )
    .await;
    let e = c
        .collect_all(GraphRequest::get("/users?$top=5"), PageOptions::all())
        .await
        .unwrap_err();
    assert!(matches!(e, GraphError::Decode { .. }), "{e:?}");
    assert!(e.to_string().contains("not valid JSON"), "{e}");
}

#[tokio::test]
async fn sandbox_403_prints_the_raw_error_then_the_diagnosis() {
    let sandbox = sb::start(100, "").await;
    let tmp = tempfile::tempdir().unwrap();
    let rec = Recorder::default();
    // The sandbox's limited app holds only User.ReadBasic.All: a manager needs User.Read.All.
    let s = sb::settings(
        &sandbox,
        tmp.path(),
        Some(graphtui::sandbox::SANDBOX_LIMITED_APP_ID),
        Some(graphtui::sandbox::SANDBOX_APP_SECRET),
    );
    let auth =
        Arc::new(Authenticator::new(&s, Arc::new(MemoryStore::new()), auth_opts(&rec)).unwrap());
    auth.login_client_credentials().await.unwrap();
    let c = client(&s, auth.clone(), &rec);
    let upn = sandbox.demo_user_upn();
    let mut out = Vec::new();
    let mut err = Vec::new();
    let code = graphtui::cli::get::get_with(
        &c,
        &get_args(&[&format!("/users/{upn}/manager")]),
        false,
        &mut out,
        &mut err,
    )
    .await;
    assert_eq!(code, 1);
    let e = String::from_utf8(err).unwrap();
    let first: Value = serde_json::from_str(e.lines().next().unwrap()).unwrap();
    assert_eq!(first["error"]["code"], "Authorization_RequestDenied");
    // The diagnosis follows the raw error: the missing application permission is named.
    let raw_end = e.find("graphtui get:").unwrap();
    let diagnosis = &e[raw_end..];
    assert!(diagnosis.contains("User.Read.All"), "{e}");
    let secrets = sb::tokens(&auth).await;
    sb::assert_no_leak(&sandbox, &rec, &secrets, &[&e]).await;
}

/// `GraphClient::batch` keeps up to four `$batch` requests in flight (seen in the sandbox's
/// request log as overlapping requests) and still answers in request order.
#[tokio::test]
async fn sandbox_batches_run_four_at_a_time_in_request_order() {
    let sandbox = sb::start(200, "").await;
    let tmp = tempfile::tempdir().unwrap();
    let s = sb::app(&sandbox, tmp.path());
    let rec = Recorder::default();
    let auth =
        Arc::new(Authenticator::new(&s, Arc::new(MemoryStore::new()), auth_opts(&rec)).unwrap());
    let c = client(&s, auth.clone(), &rec);
    let ids: Vec<String> = c
        .get(GraphRequest::get("/users?$top=190&$select=id"))
        .await
        .unwrap()
        .json()
        .unwrap()["value"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(ids.len(), 190);
    // 190 items = 10 batches; each answer takes 300 ms.
    sb::faults(&sandbox, json!({"latency_ms": 300})).await;
    let mut reqs: Vec<GraphRequest> = ids
        .iter()
        .map(|id| GraphRequest::get(format!("/users/{id}?$select=id")))
        .collect();
    reqs.insert(77, GraphRequest::get("/users/nobody@nowhere.example"));
    let out = c.batch(reqs).await;
    assert_eq!(out.len(), 191);
    for (i, r) in out.iter().enumerate() {
        match i.cmp(&77) {
            std::cmp::Ordering::Less => {
                assert_eq!(r.as_ref().unwrap().json().unwrap()["id"], ids[i].as_str())
            }
            std::cmp::Ordering::Equal => {
                assert_eq!(r.as_ref().unwrap_err().api().unwrap().status, 404)
            }
            std::cmp::Ordering::Greater => {
                assert_eq!(
                    r.as_ref().unwrap().json().unwrap()["id"],
                    ids[i - 1].as_str()
                )
            }
        }
    }
    // From the log: when each $batch arrived and how long it took; the most in flight at once.
    let spans: Vec<(i128, i128)> = sb::log(&sandbox)
        .await
        .iter()
        .filter(|e| e["path"].as_str().unwrap().ends_with("/$batch"))
        .map(|e| {
            let start = sb::at(e).unix_timestamp_nanos() / 1_000_000;
            (start, start + e["duration_ms"].as_i64().unwrap() as i128)
        })
        .collect();
    assert_eq!(spans.len(), 10);
    assert!(spans.iter().all(|(a, b)| b - a >= 300), "{spans:?}");
    let most = spans
        .iter()
        .map(|(a, _)| spans.iter().filter(|(s, e)| s <= a && a < e).count())
        .max()
        .unwrap();
    assert_eq!(most, 4, "{spans:?}");
}
