//! Security: tokens and the client secret never leave their one destination; the token goes
//! only to the configured Graph origin (https, or http on loopback); the token cache and
//! config files are guarded; directory text cannot drive the terminal.

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, Uri};
use axum::response::IntoResponse;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use futures::StreamExt;
use graphtui::auth::store::{FileStore, MemoryStore, ProfileKey, TokenStore, save_tokens};
use graphtui::auth::{
    AccessToken, AuthOptions, Authenticator, StaticToken, TokenProvider, TokenSet,
};
use graphtui::cli::{GlobalArgs, TokenCacheKind};
use graphtui::config::{ConfigFile, Settings};
use graphtui::graph::{
    ClientOptions, GraphClient, GraphError, GraphRequest, PageOptions, Recorder, RetryPolicy,
};
use graphtui::sandbox::{SANDBOX_APP_ID, SANDBOX_APP_SECRET, Sandbox, SandboxConfig};
use graphtui::tui::action::Action;
use graphtui::tui::keymap::KeyMap;
use graphtui::tui::model::{Exchange, Header, Kind, Model, WhyResult};
use graphtui::tui::theme::Theme;
use graphtui::tui::update::{open_collection, update};
use graphtui::tui::views::{Ui, draw};
use graphtui::util::Secret;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use serde_json::{Value, json};
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio_util::sync::CancellationToken;

const BIN: &str = env!("CARGO_BIN_EXE_graphtui");
const WRONG_SECRET: &str = "wrong-secret-Zq8~value";

async fn sandbox(scenario: Option<&str>) -> Sandbox {
    Sandbox::start(SandboxConfig {
        users: 200,
        scenario: scenario.map(str::to_string),
        ..Default::default()
    })
    .await
    .expect("sandbox")
}

async fn control(sb: &Sandbox, path: &str) {
    let r = reqwest::Client::new()
        .post(format!("{}{path}", sb.url()))
        .send()
        .await
        .expect("control");
    assert!(r.status().is_success());
}

fn settings_for(url: &str, tenant: &str, dir: &Path, app: Option<&str>) -> Settings {
    let args = GlobalArgs {
        tenant: Some(tenant.into()),
        client_id: app.map(|_| SANDBOX_APP_ID.to_string()),
        graph_url: Some(url.into()),
        authority_host: Some(url.into()),
        token_cache: Some(TokenCacheKind::None),
        data_dir: Some(dir.to_path_buf()),
        timeout: Some(20),
        ..Default::default()
    };
    let secret = app.map(str::to_string);
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
    .expect("settings")
}

/// Runs the real binary with a watchdog; returns (exit code, stdout + stderr).
fn run_bin(args: &[&str], env: &[(&str, String)]) -> (Option<i32>, String) {
    let mut cmd = std::process::Command::new(BIN);
    cmd.args(args)
        .env_remove("GRAPHTUI_PROFILE")
        .env_remove("AZURE_TENANT_ID")
        .env_remove("AZURE_CLIENT_ID")
        .env_remove("AZURE_CLIENT_SECRET")
        .env_remove("GRAPHTUI_CLIENT_ID")
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().expect("spawn graphtui");
    let out_pipe = child.stdout.take().unwrap();
    let err_pipe = child.stderr.take().unwrap();
    let out_t = std::thread::spawn(move || std::io::read_to_string(out_pipe).unwrap_or_default());
    let err_t = std::thread::spawn(move || std::io::read_to_string(err_pipe).unwrap_or_default());
    let deadline = Instant::now() + Duration::from_secs(60);
    let status = loop {
        if let Some(st) = child.try_wait().expect("wait") {
            break st;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("graphtui {args:?} hung");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let text = format!("{}\n{}", out_t.join().unwrap(), err_t.join().unwrap());
    (status.code(), text)
}

async fn bin(args: &[&str], env: &[(&str, String)]) -> (Option<i32>, String) {
    let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
    let env: Vec<(&'static str, String)> = env
        .iter()
        .map(|(k, v)| (&*Box::leak(k.to_string().into_boxed_str()), v.clone()))
        .collect();
    tokio::task::spawn_blocking(move || {
        let a: Vec<&str> = args.iter().map(String::as_str).collect();
        run_bin(&a, &env)
    })
    .await
    .unwrap()
}

/// Every token string in a token cache file (its values are token-set JSON).
fn tokens_in_cache(path: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(path).expect("token cache");
    let map: serde_json::Map<String, Value> = serde_json::from_str(&text).expect("cache json");
    let mut out = Vec::new();
    for v in map.values() {
        let set: Value = serde_json::from_str(v.as_str().unwrap_or("{}")).unwrap_or(Value::Null);
        for k in ["access_token", "refresh_token", "id_token"] {
            if let Some(t) = set[k].as_str() {
                out.push(t.to_string());
            }
        }
    }
    out
}

fn assert_clean(what: &str, text: &str, secrets: &[String]) {
    for s in secrets {
        assert!(
            !text.contains(s.as_str()),
            "{what} holds a secret ({}…)",
            &s[..s.len().min(12)]
        );
    }
    // No JWT at all, whatever its origin (old tokens from before a refresh included).
    let jwt = regex::Regex::new(r"eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]+").unwrap();
    assert!(
        !jwt.is_match(text) && !text.contains("eyJ0eXAi"),
        "{what} holds a JWT"
    );
    for (i, _) in text.match_indices("Bearer ") {
        let rest = &text[i + 7..];
        assert!(
            rest.starts_with("<redacted>")
                || rest.starts_with("$TOKEN")
                || rest.starts_with('"')
                || rest.starts_with("realm="),
            "{what}: an unredacted bearer value: {}",
            &rest[..rest.len().min(20)]
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn most_verbose_logs_and_cli_output_hold_no_token_or_secret() {
    let sb = sandbox(Some("fast-poll")).await;
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let base = vec![
        ("GRAPHTUI_GRAPH_URL", sb.url()),
        ("GRAPHTUI_AUTHORITY_HOST", sb.url()),
        ("GRAPHTUI_TENANT", sb.tenant_id()),
        ("GRAPHTUI_DATA_DIR", data.display().to_string()),
        (
            "GRAPHTUI_CONFIG",
            tmp.path().join("none.toml").display().to_string(),
        ),
        ("HOME", tmp.path().display().to_string()),
        ("GRAPHTUI_LOG", "trace".to_string()),
    ];
    let mut user = base.clone();
    user.push(("GRAPHTUI_TOKEN_CACHE", "file".into()));
    let mut outputs = Vec::new();
    // Device-code sign-in (the sandbox approves after two polls), then several commands.
    let (code, out) = bin(&["-vvv", "login"], &user).await;
    assert_eq!(code, Some(0), "{out}");
    outputs.push(out);
    let cache = data.join("tokens.json");
    let meta = std::fs::metadata(&cache).expect("token cache file");
    assert_eq!(meta.permissions().mode() & 0o777, 0o600, "cache file mode");
    let dir_mode = std::fs::metadata(&data).unwrap().permissions().mode() & 0o777;
    assert_eq!(dir_mode, 0o700, "cache directory mode");
    let mut secrets: Vec<String> = tokens_in_cache(&cache);
    assert!(secrets.len() >= 2, "access and refresh token cached");
    for args in [
        &["-vvv", "whoami"][..],
        &["-vvv", "get", "/users", "--top", "3", "-o", "csv"],
        &["-vvv", "get", "/users", "--top", "3", "-o", "json"],
        &["-vvv", "get", "/users", "--top", "3", "-o", "ndjson"],
        &["-vvv", "get", "/users/no-such-user"],
    ] {
        let (_, out) = bin(args, &user).await;
        outputs.push(out);
    }
    // Expired access token: a refresh grant (refresh token in the form body) at trace level.
    control(&sb, "/_sandbox/tokens/expire").await;
    let (code, out) = bin(&["-vvv", "get", "/me"], &user).await;
    assert_eq!(code, Some(0), "{out}");
    outputs.push(out);
    secrets.extend(tokens_in_cache(&cache));
    // App-only with the secret, then with a wrong secret.
    let mut app = base.clone();
    app.push(("GRAPHTUI_TOKEN_CACHE", "none".into()));
    app.push(("GRAPHTUI_CLIENT_ID", SANDBOX_APP_ID.into()));
    let mut good = app.clone();
    good.push(("AZURE_CLIENT_SECRET", SANDBOX_APP_SECRET.into()));
    let (code, out) = bin(&["-vvv", "get", "/users", "--top", "2"], &good).await;
    assert_eq!(code, Some(0), "{out}");
    outputs.push(out);
    let mut bad = app.clone();
    bad.push(("AZURE_CLIENT_SECRET", WRONG_SECRET.into()));
    let (code, out) = bin(&["-vvv", "get", "/users"], &bad).await;
    assert_eq!(code, Some(3), "{out}");
    assert!(out.contains("AADSTS7000215"), "{out}");
    outputs.push(out);

    secrets.push(SANDBOX_APP_SECRET.into());
    secrets.push(WRONG_SECRET.into());
    let log = std::fs::read_to_string(graphtui::logging::log_path(&data)).expect("log file");
    assert!(log.contains("graph exchange"), "the log has the exchanges");
    assert!(
        log.contains("TRACE") && log.contains("hyper"),
        "trace-level log"
    );
    assert_clean("the -vvv log", &log, &secrets);
    for (i, o) in outputs.iter().enumerate() {
        assert_clean(&format!("output of command {i}"), o, &secrets);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn recorder_copies_bundles_and_errors_hold_no_token_or_secret() {
    let sb = sandbox(Some("fast-poll")).await;
    let tmp = tempfile::tempdir().unwrap();
    let rec = Recorder::default();
    // A delegated session through the device-code flow, sharing the recorder.
    let s = settings_for(&sb.url(), &sb.tenant_id(), tmp.path(), None);
    let auth = Arc::new(
        Authenticator::new(
            &s,
            Arc::new(MemoryStore::new()),
            AuthOptions {
                poll_time_scale: 0.05,
                recorder: rec.clone(),
                ..Default::default()
            },
        )
        .unwrap(),
    );
    let (tx, _rx) = tokio::sync::mpsc::unbounded_channel();
    let set = auth
        .login_device_code(None, tx, CancellationToken::new())
        .await
        .expect("device code sign-in");
    let mut secrets = vec![set.access_token.expose().to_string()];
    secrets.extend(set.refresh_token.iter().map(|r| r.expose().to_string()));
    let client = GraphClient::with_options(
        &s,
        auth.clone(),
        ClientOptions {
            retry: RetryPolicy::fast(),
            recorder: Some(rec.clone()),
            ..Default::default()
        },
    )
    .unwrap();
    client.get(GraphRequest::get("/me")).await.expect("me");
    // Refresh after expiry, then a revoked refresh token: errors of every kind.
    control(&sb, "/_sandbox/tokens/expire").await;
    client
        .get(GraphRequest::get("/users?$top=2"))
        .await
        .expect("renewed");
    let now = auth.current().await.unwrap().unwrap();
    secrets.push(now.access_token.expose().to_string());
    secrets.extend(now.refresh_token.iter().map(|r| r.expose().to_string()));
    let not_found = client
        .get(GraphRequest::get("/users/nobody"))
        .await
        .unwrap_err();
    control(&sb, "/_sandbox/tokens/expire").await;
    control(&sb, "/_sandbox/tokens/revoke").await;
    let revoked = client.get(GraphRequest::get("/me")).await.unwrap_err();
    assert!(matches!(revoked, GraphError::SignIn(_)), "{revoked:?}");
    // App-only with a wrong secret.
    let app = settings_for(&sb.url(), &sb.tenant_id(), tmp.path(), Some(WRONG_SECRET));
    let app_auth = Authenticator::new(
        &app,
        Arc::new(MemoryStore::new()),
        AuthOptions {
            recorder: rec.clone(),
            ..Default::default()
        },
    )
    .unwrap();
    let bad_secret = app_auth.login_client_credentials().await.unwrap_err();
    // The token rejected by Graph (a forged one).
    let forged = "eyJ0eXAiOiJKV1QifQ.eyJmb3JnZWQiOnRydWV9.c2ln";
    let forged_client = GraphClient::with_options(
        &s,
        Arc::new(StaticToken(Secret::new(forged))),
        ClientOptions {
            recorder: Some(rec.clone()),
            ..Default::default()
        },
    )
    .unwrap();
    let rejected = forged_client
        .get(GraphRequest::get("/me"))
        .await
        .unwrap_err();
    secrets.push(forged.into());
    secrets.push(WRONG_SECRET.into());
    secrets.push(SANDBOX_APP_SECRET.into());

    // Errors: Display and Debug of each, and of the values holding tokens.
    let access = AccessToken {
        token: set.access_token.clone(),
        expires_at: 0,
        refreshed: false,
        missing_scopes: vec![],
    };
    let shown = [
        format!("{not_found} {not_found:?}"),
        format!("{revoked} {revoked:?}"),
        format!("{bad_secret} {bad_secret:?}"),
        format!("{rejected} {rejected:?}"),
        format!("{set:?} {now:?} {access:?}"),
        format!("{app:?} {s:?}"),
        format!("{:?}", auth),
    ];
    for (i, text) in shown.iter().enumerate() {
        assert_clean(&format!("error/debug text {i}"), text, &secrets);
    }
    assert!(
        bad_secret.to_string().contains("AADSTS7000215"),
        "{bad_secret}"
    );

    // The recorder (the inspector's data): every exchange, sign-in ones included.
    let list = rec.list();
    assert!(list.iter().any(|x| x.url.contains("/oauth2/v2.0/token")));
    assert!(list.iter().any(|x| x.status == Some(401)));
    for x in &list {
        let dump = format!("{x:?} {}", serde_json::to_string(&**x).unwrap());
        assert_clean(&format!("exchange {} {}", x.id, x.url), &dump, &secrets);
        // Copy as curl / PowerShell / az, from the recorded headers and from raw ones.
        let mut raw_headers = x.request_headers.clone();
        raw_headers.push(("Authorization".into(), format!("Bearer {}", secrets[0])));
        for h in [&x.request_headers, &raw_headers] {
            let body = x.request_body.as_deref();
            let copies = [
                graphtui::doctor::copy_as_curl(&x.method, &x.url, h, body),
                graphtui::doctor::copy_as_powershell(&x.method, &x.url, h, body),
                graphtui::doctor::copy_as_az_rest(&x.method, &x.url, h, body),
            ];
            for c in copies {
                assert_clean("a copied request", &c, &secrets);
            }
        }
        // The support bundle for the exchange.
        let bundle = graphtui::doctor::support_bundle(&graphtui::doctor::BundleInput {
            method: &x.method,
            url: &x.url,
            request_headers: &raw_headers,
            status: x.status,
            response_headers: &x.response_headers,
            body: x.response_body.as_deref().unwrap_or(""),
            tenant: Some(&sb.tenant_id()),
            cloud: Default::default(),
            client_id: Some(SANDBOX_APP_ID),
            graph_root: None,
            cloud_name: None,
        });
        assert_clean("a support bundle", &bundle, &secrets);
    }
    // A bundle for a URL carrying a token in its query.
    let url = format!(
        "{}/v1.0/users?access_token={}&$skiptoken=abc",
        sb.url(),
        secrets[0]
    );
    let bundle = graphtui::doctor::support_bundle(&graphtui::doctor::BundleInput {
        method: "GET",
        url: &url,
        ..Default::default()
    });
    assert_clean("a bundle of a URL with a token", &bundle, &secrets);
}

/// A listener that records every request (method, URI, whether Authorization was present).
async fn recording_listener() -> (String, Arc<Mutex<Vec<(String, bool)>>>) {
    type Log = Arc<Mutex<Vec<(String, bool)>>>;
    async fn any(State(log): State<Log>, uri: Uri, h: HeaderMap) -> impl IntoResponse {
        log.lock()
            .unwrap()
            .push((uri.to_string(), h.contains_key("authorization")));
        axum::Json(json!({"value": [{"id": "stolen"}]}))
    }
    let log: Log = Arc::default();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let app = Router::new().fallback(any).with_state(log.clone());
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (url, log)
}

/// A Graph mock whose `/v1.0/users` pages link to `next`.
async fn graph_linking_to(next: String) -> String {
    async fn users(State(next): State<String>) -> impl IntoResponse {
        axum::Json(json!({"value": [{"id": "1"}], "@odata.nextLink": next}))
    }
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let app = Router::new().fallback(users).with_state(next);
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    url
}

/// A server answering every request with a redirect to `to`.
async fn redirect_server(status: u16, to: String) -> String {
    async fn any(State((status, to)): State<(u16, String)>) -> impl IntoResponse {
        (
            axum::http::StatusCode::from_u16(status).unwrap(),
            [("location", to)],
            "",
        )
    }
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let app = Router::new().fallback(any).with_state((status, to));
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    url
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_token_goes_only_to_the_configured_graph_origin() {
    let (evil, evil_log) = recording_listener().await;
    let evil_port = evil.rsplit(':').next().unwrap().to_string();
    let tmp = tempfile::tempdir().unwrap();
    // nextLinks to another port, another host name for the same machine, a userinfo trick,
    // and https to the real Graph: each refused before anything is sent.
    let graph_port_holder = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let _ = graph_port_holder;
    for next in [
        format!("{evil}/v1.0/users?$skiptoken=2"),
        format!("http://localhost:{evil_port}/v1.0/users"),
        format!("http://graph@127.0.0.1:{evil_port}/v1.0/users"),
        "https://graph.microsoft.com/v1.0/users?$skiptoken=x".to_string(),
    ] {
        let graph = graph_linking_to(next.clone()).await;
        let c = GraphClient::with_options(
            &settings_for(&graph, "t", tmp.path(), None),
            Arc::new(StaticToken(Secret::new("the-bearer-token"))),
            ClientOptions {
                retry: RetryPolicy::fast(),
                ..Default::default()
            },
        )
        .unwrap();
        let mut pages = c.pages(GraphRequest::get("/users"), PageOptions::all());
        let first = pages.next().await.unwrap().expect("first page");
        assert_eq!(first.items.len(), 1);
        let e = pages.next().await.unwrap().unwrap_err();
        assert!(
            matches!(e, GraphError::ForeignOrigin { .. }),
            "{next}: {e:?}"
        );
        assert!(e.to_string().contains("refused to send the access token"));
        // A pasted URL to the other origin is refused too.
        let e = c.get(GraphRequest::get(next.clone())).await.unwrap_err();
        assert!(
            matches!(e, GraphError::ForeignOrigin { .. }),
            "{next}: {e:?}"
        );
    }
    // Redirects are never followed, by Graph calls or by sign-in (a 307 would resend the
    // Authorization header or the client secret to the other origin).
    for status in [301u16, 302, 307, 308] {
        let target = format!("{evil}/v1.0/users");
        let redirector = redirect_server(status, target).await;
        let s = settings_for(&redirector, "contoso.com", tmp.path(), Some(WRONG_SECRET));
        let c = GraphClient::with_options(
            &s,
            Arc::new(StaticToken(Secret::new("the-bearer-token"))),
            ClientOptions {
                retry: RetryPolicy::fast(),
                ..Default::default()
            },
        )
        .unwrap();
        let e = c.get(GraphRequest::get("/users")).await.unwrap_err();
        assert_eq!(e.api().map(|a| a.status), Some(status), "{e}");
        let auth =
            Authenticator::new(&s, Arc::new(MemoryStore::new()), AuthOptions::default()).unwrap();
        let e = auth.login_client_credentials().await.unwrap_err();
        assert!(!e.to_string().contains(WRONG_SECRET), "{e}");
    }
    // A downgrade to plain http on the same host is another origin.
    let https = GraphClient::new(
        &settings_for("https://graph.microsoft.com", "t", tmp.path(), None),
        Arc::new(StaticToken(Secret::new("the-bearer-token"))),
    )
    .unwrap();
    for u in [
        "http://graph.microsoft.com/v1.0/users",
        "https://graph.microsoft.com:8443/v1.0/users",
        "https://graph.microsoft.com.evil.test/v1.0/users",
        "https://evil.test/v1.0/users#https://graph.microsoft.com",
    ] {
        assert!(
            matches!(https.resolve(u), Err(GraphError::ForeignOrigin { .. })),
            "{u}"
        );
    }
    assert!(https.resolve("https://GRAPH.microsoft.com/v1.0/me").is_ok());
    // The explorer's backend: a `:get` of a URL on another origin fails with the reason.
    {
        use graphtui::tui::worker::Backend;
        let sb_like = graph_linking_to(format!("{evil}/v1.0/users")).await;
        let s = settings_for(&sb_like, "contoso.com", tmp.path(), None);
        let auth = Arc::new(
            Authenticator::new(&s, Arc::new(MemoryStore::new()), AuthOptions::default()).unwrap(),
        );
        let c = GraphClient::with_options(
            &s,
            Arc::new(StaticToken(Secret::new("the-bearer-token"))),
            ClientOptions::default(),
        )
        .unwrap();
        let (tx, _rx) = tokio::sync::mpsc::unbounded_channel();
        let backend = graphtui::tui::graph_backend::GraphBackend::new(c, auth, tx.clone());
        for url in [
            format!("{evil}/v1.0/me"),
            format!("http://localhost:{evil_port}/v1.0/me"),
        ] {
            let sent = backend
                .send(graphtui::tui::action::Request::get(url.clone()), tx.clone())
                .await;
            assert!(!sent.ok(), "{url}");
            assert!(
                sent.failure().contains("refused to send the access token"),
                "{url}: {}",
                sent.failure()
            );
        }
    }
    // The real binary: a pasted URL to another origin is a usage error.
    let sb = sandbox(None).await;
    let env = vec![
        ("GRAPHTUI_GRAPH_URL", sb.url()),
        ("GRAPHTUI_AUTHORITY_HOST", sb.url()),
        ("GRAPHTUI_TENANT", sb.tenant_id()),
        ("GRAPHTUI_CLIENT_ID", SANDBOX_APP_ID.to_string()),
        ("AZURE_CLIENT_SECRET", SANDBOX_APP_SECRET.to_string()),
        ("GRAPHTUI_TOKEN_CACHE", "none".into()),
        (
            "GRAPHTUI_DATA_DIR",
            tmp.path().join("d").display().to_string(),
        ),
        (
            "GRAPHTUI_CONFIG",
            tmp.path().join("none.toml").display().to_string(),
        ),
    ];
    let (code, out) = bin(&["get", &format!("{evil}/v1.0/users"), "--all"], &env).await;
    assert_eq!(code, Some(2), "{out}");
    assert!(out.contains("refused to send the access token"), "{out}");
    assert!(
        evil_log.lock().unwrap().is_empty(),
        "the other origin was contacted: {:?}",
        evil_log.lock().unwrap()
    );

    // Plain http is refused for any endpoint except loopback.
    for (url, ok) in [
        ("http://graph.example.test", false),
        ("http://127.0.0.1.nip.io:8080", false),
        ("http://10.0.0.1", false),
        ("ftp://graph.microsoft.com", false),
        ("http://127.0.0.1:9", true),
        ("http://localhost:9", true),
        ("http://[::1]:9", true),
        ("https://graph.microsoft.com", true),
    ] {
        for which in ["graph", "authority"] {
            let args = GlobalArgs {
                graph_url: (which == "graph").then(|| url.to_string()),
                authority_host: (which == "authority").then(|| url.to_string()),
                data_dir: Some(tmp.path().to_path_buf()),
                ..Default::default()
            };
            let r = Settings::resolve_with(
                &args,
                &|_| None,
                ConfigFile::default(),
                &tmp.path().join("c.toml"),
            );
            assert_eq!(r.is_ok(), ok, "{which} {url}: {:?}", r.as_ref().err());
            if let Err(e) = r
                && url.starts_with("http://")
            {
                assert!(e.to_string().contains("plain http"), "{e}");
            }
        }
    }
}

#[tokio::test]
async fn token_cache_is_0600_in_a_0700_directory() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("cache");
    std::fs::create_dir_all(&dir).unwrap();
    // A directory that was group/world readable is tightened on the first write.
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
    let store = FileStore::in_dir(&dir);
    let s = settings_for("http://127.0.0.1:9", "t", tmp.path(), None);
    let set = TokenSet {
        access_token: Secret::new("eyJ0eXAi.cached.token"),
        refresh_token: Some(Secret::new("refresh-value-123")),
        expires_at: 0,
        requested_scopes: vec![],
        granted_scopes: vec![],
        kind: graphtui::auth::GrantKind::Delegated,
        account: None,
        tenant_id: None,
    };
    save_tokens(&store, &ProfileKey::new(&s, "tokens"), &set)
        .await
        .expect("save");
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(store.path()), 0o600);
    assert_eq!(mode(&dir), 0o700);
    // Rewriting keeps the mode, and no temporary file with the tokens is left behind.
    save_tokens(&store, &ProfileKey::new(&s, "other"), &set)
        .await
        .unwrap();
    assert_eq!(mode(store.path()), 0o600);
    let names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, ["tokens.json"]);
    assert!(store.describe().contains("tokens.json"));
}

#[test]
fn config_files_with_secrets_are_refused_without_echoing_them() {
    let p = Path::new("/tmp/graphtui-test/config.toml");
    for text in [
        "client_secret = \"S3cr3t-Value-1\"\n",
        "[profiles.work]\ntenant = \"contoso.com\"\nclient_secret = \"S3cr3t-Value-1\"\n",
        "[profiles.work]\nCLIENT_SECRET = \"S3cr3t-Value-1\"\n",
        "[profiles.app]\npassword = \"S3cr3t-Value-1\"\n",
        "[profiles.app]\naccess_token = \"S3cr3t-Value-1\"\n",
        "refresh_token = \"S3cr3t-Value-1\"\n",
        "[profiles.app]\nclient_assertion = \"S3cr3t-Value-1\"\n",
        "[profiles.app]\nclientSecret = \"S3cr3t-Value-1\"\n",
        "[profiles.app]\nclient-secret = \"S3cr3t-Value-1\"\n",
        "[profiles.app]\nclient_secret = \"S3cr3t-Value-1\n",
        "[profiles.app]\nclient_secret = { value = \"S3cr3t-Value-1\" }\n",
    ] {
        let e = ConfigFile::parse(text, p).expect_err(text);
        let msg = format!("{e} {e:?}");
        assert!(!msg.contains("S3cr3t-Value-1"), "echoed: {msg}");
        assert!(msg.contains("config.toml"), "{msg}");
        let lower = msg.to_ascii_lowercase();
        if lower.contains("invalid basic string") {
            continue; // a syntax error: refused, nothing echoed
        }
        assert!(
            lower.contains("secret")
                || lower.contains("password")
                || lower.contains("token")
                || lower.contains("assertion"),
            "{text}: the message names the problem: {msg}"
        );
    }
}

// ---------------------------------------------------------------------------------------
// Terminal escapes in directory text.

const EVIL: &[&str] = &[
    "Clear\u{1b}[2J\u{1b}[H",
    "Clip\u{1b}]52;c;ZWNobyBwd25lZA==\u{7}",
    "Title\u{1b}]0;pwned\u{1b}\\",
    "Bidi\u{202e}exe.fdp\u{202c}",
    "Iso\u{2066}x\u{2069}\u{200f}",
    "C1\u{9b}31mred\u{85}next",
    "Bell\u{7}Back\u{8}\u{8}Del\u{7f}",
    "Nl\nCr\rTab\t",
];

fn evil(i: usize) -> String {
    EVIL[i % EVIL.len()].to_string()
}

fn evil_user(i: usize) -> Value {
    json!({
        "id": format!("id-{i}-{}", evil(i + 1)),
        "displayName": evil(i),
        "userPrincipalName": format!("{}@contoso.com", evil(i + 2)),
        "mail": evil(i + 3),
        "jobTitle": evil(i + 4),
        "department": evil(i + 5),
        evil(i + 6): evil(i + 7),
        "nested": {"k": [evil(i), {"deeper": evil(i + 1)}]},
    })
}

fn is_forbidden(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{200e}' | '\u{200f}' | '\u{061c}')
}

/// Draws the model on a TestBackend and asserts no cell holds a control or bidi character.
fn assert_inert(m: &Model, what: &str) -> String {
    let mut t = Terminal::new(TestBackend::new(m.width, m.height)).unwrap();
    let theme = Theme::mono();
    let keys = KeyMap::default();
    t.draw(|f| {
        draw(
            f,
            m,
            &Ui {
                theme: &theme,
                keys: &keys,
            },
        )
    })
    .unwrap();
    let buf = t.backend().buffer();
    let mut text = String::new();
    for y in 0..buf.area.height {
        for x in 0..buf.area.width {
            let sym = buf[(x, y)].symbol();
            assert!(
                !sym.chars().any(is_forbidden),
                "{what}: cell ({x},{y}) holds {sym:?}"
            );
            text.push_str(sym);
        }
        text.push('\n');
    }
    text
}

fn slot_gen(m: &Model) -> (u64, u64) {
    let v = m.top().unwrap();
    (v.slot, v.generation)
}

#[test]
fn directory_text_with_escape_sequences_cannot_drive_the_terminal() {
    let header = Header {
        profile: evil(0),
        tenant_name: Some(evil(1)),
        tenant_id: evil(2),
        cloud: "Global".into(),
        account: Some(evil(3)),
        api_version: "v1.0".into(),
        read_only: true,
        demo: false,
        ..Header::default()
    };
    let mut m = Model::new(header);
    update(&mut m, Action::Resize(120, 30));
    // The sign-in screen with a hostile device-code message.
    update(
        &mut m,
        Action::SignInCode {
            user_code: evil(5),
            verification_uri: format!("https://x/{}", evil(0)),
            message: evil(1),
            expires_in: 900,
        },
    );
    assert_inert(&m, "sign-in");
    update(&mut m, Action::SignInFailed(evil(6)));
    assert_inert(&m, "sign-in failed");
    update(
        &mut m,
        Action::SignedIn {
            account: evil(2),
            tenant_name: Some(evil(3)),
            tenant_id: Some(evil(4)),
        },
    );
    // A list whose rows, title and breadcrumbs are hostile.
    open_collection(&mut m, &evil(0), Kind::User, "/users", None);
    let (slot, generation) = slot_gen(&m);
    update(
        &mut m,
        Action::Page {
            slot,
            generation,
            items: (0..40).map(evil_user).collect(),
            count: Some(40),
            next_link: Some(format!(
                "https://graph.microsoft.com/v1.0/users?{}",
                evil(1)
            )),
            first: true,
            more_coming: false,
        },
    );
    let list = assert_inert(&m, "list");
    assert!(list.contains("Clear") && list.contains("Bidi"), "{list}");
    // The local filter with hostile input typed in.
    update(&mut m, Action::LocalFilter);
    for c in "C\u{1b}l".chars() {
        update(
            &mut m,
            Action::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE)),
        );
    }
    assert_inert(&m, "local filter");
    update(
        &mut m,
        Action::Key(KeyEvent::new(KeyCode::Esc, KeyModifiers::NONE)),
    );
    update(&mut m, Action::Status(evil(7)));
    assert_inert(&m, "status line");
    // Detail: properties, then raw JSON (folded and searched).
    update(&mut m, Action::Open);
    let (slot, generation) = slot_gen(&m);
    update(
        &mut m,
        Action::Object {
            slot,
            generation,
            value: evil_user(3),
        },
    );
    assert_inert(&m, "detail properties");
    update(&mut m, Action::RawJson);
    assert_inert(&m, "raw JSON");
    update(&mut m, Action::Open);
    assert_inert(&m, "raw JSON folded");
    // A failing request: hostile Graph error text in the status line and the inspector.
    update(
        &mut m,
        Action::Exchanged(Box::new(Exchange {
            id: 7,
            method: "GET".into(),
            url: format!("https://graph.microsoft.com/v1.0/users/{}", evil(0)),
            request_headers: vec![("x-evil".into(), evil(1))],
            status: Some(400),
            response_headers: vec![(evil(2), evil(3))],
            body: json!({"error": {"code": evil(4), "message": evil(5)}}).to_string(),
            duration_ms: 1,
            retries: 0,
            error: Some(evil(6)),
            diagnosis: Some(evil(7)),
        })),
    );
    update(&mut m, Action::Back);
    update(&mut m, Action::Back);
    let (slot, generation) = slot_gen(&m);
    update(
        &mut m,
        Action::Failed {
            slot,
            generation,
            message: evil(5),
            exchange: Some(7),
        },
    );
    assert_inert(&m, "failure and inspector");
    update(&mut m, Action::Inspector);
    update(&mut m, Action::Inspector);
    assert_inert(&m, "inspector");
    // "Why is X in Y" with hostile group names and a hostile dynamic rule.
    update(&mut m, Action::Groups);
    let (slot, generation) = slot_gen(&m);
    update(
        &mut m,
        Action::Page {
            slot,
            generation,
            items: vec![
                json!({"@odata.type": "#microsoft.graph.group", "id": "g1", "displayName": evil(1)}),
            ],
            count: None,
            next_link: None,
            first: true,
            more_coming: false,
        },
    );
    assert_inert(&m, "memberships");
    update(&mut m, Action::WhyMember);
    assert_inert(&m, "why (waiting)");
    for (result, shown) in [
        (
            WhyResult::Paths(vec![vec![evil(0), evil(1)], vec![evil(3), evil(4)]]),
            "Iso",
        ),
        (
            WhyResult::Dynamic {
                rule: evil(5),
                member: true,
            },
            "C1",
        ),
    ] {
        let (slot, generation) = slot_gen(&m);
        update(
            &mut m,
            Action::Why {
                slot,
                generation,
                result,
            },
        );
        let screen = assert_inert(&m, "why");
        assert!(screen.contains(shown), "{screen}");
    }
    update(&mut m, Action::Back);
    update(&mut m, Action::Back);
    // The palette with hostile text typed or pasted in, and the help screen.
    update(&mut m, Action::Palette);
    for c in evil(0).chars().chain(evil(4).chars()) {
        update(
            &mut m,
            Action::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE)),
        );
    }
    assert_inert(&m, "palette");
    update(
        &mut m,
        Action::Key(KeyEvent::new(KeyCode::Esc, KeyModifiers::NONE)),
    );
    update(&mut m, Action::Help);
    assert_inert(&m, "help");
    update(&mut m, Action::Back);
    // Narrow terminals cut text mid-way: still inert.
    update(&mut m, Action::Back);
    update(&mut m, Action::Resize(37, 9));
    assert_inert(&m, "narrow");
}

mod json_viewer {
    use super::*;
    use proptest::prelude::*;

    fn jsonish() -> impl Strategy<Value = String> {
        let piece = prop_oneof![
            Just("{".to_string()),
            Just("}".to_string()),
            Just("[".to_string()),
            Just("]".to_string()),
            Just(",".to_string()),
            Just(":".to_string()),
            Just("\"displayName\"".to_string()),
            Just("\"value\"".to_string()),
            Just("null".to_string()),
            Just("true".to_string()),
            Just("1e308".to_string()),
            Just("-0.0".to_string()),
            Just("\"\\u001b[2J\"".to_string()),
            Just("\"\u{202e}\u{1b}]52;c;aGk=\u{7}\"".to_string()),
            Just("\"   \"".to_string()),
            "\"[^\"\\\\]{0,8}\"",
            any::<char>().prop_map(|c| c.to_string()),
        ];
        prop::collection::vec(piece, 0..40).prop_map(|v| v.concat())
    }

    fn key(c: KeyCode) -> Action {
        Action::Key(KeyEvent::new(c, KeyModifiers::NONE))
    }

    /// Opens `value` in the raw JSON view, then applies `moves` (down/up/fold/search/...).
    fn view(value: Value, moves: &[u8], w: u16, h: u16) {
        let mut m = Model::new(Header::default());
        update(&mut m, Action::Resize(w, h));
        open_collection(&mut m, "Users", Kind::User, "/users", None);
        let (slot, generation) = slot_gen(&m);
        update(
            &mut m,
            Action::Page {
                slot,
                generation,
                items: vec![json!({"id": "1", "displayName": "x"})],
                count: None,
                next_link: None,
                first: true,
                more_coming: false,
            },
        );
        update(&mut m, Action::Open);
        let (slot, generation) = slot_gen(&m);
        update(
            &mut m,
            Action::Object {
                slot,
                generation,
                value,
            },
        );
        update(&mut m, Action::RawJson);
        for mv in moves {
            let a = match mv % 9 {
                0 => Action::Down,
                1 => Action::Up,
                2 => Action::Open,
                3 => Action::PageDown,
                4 => Action::Bottom,
                5 => Action::Top,
                6 => Action::LocalFilter,
                7 => key(KeyCode::Char('a')),
                _ => key(KeyCode::Enter),
            };
            update(&mut m, a);
        }
        assert_inert(&m, "raw JSON view");
        let _ = graphtui::tui::update::visible_json_lines(
            &json!(null),
            &moves.iter().map(|b| *b as usize).collect::<Vec<_>>(),
        );
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 200, failure_persistence: None, ..ProptestConfig::default() })]

        #[test]
        fn raw_json_view_never_panics_and_stays_inert(
            text in jsonish(),
            moves in prop::collection::vec(any::<u8>(), 0..30),
            w in 1u16..100,
            h in 1u16..40,
        ) {
            let value = serde_json::from_str::<Value>(&text)
                .unwrap_or_else(|_| json!({"text": text}));
            view(value, &moves, w, h);
        }

        #[test]
        fn deep_and_wide_values(depth in 0usize..100, wide in 0usize..200, moves in prop::collection::vec(any::<u8>(), 0..20)) {
            let mut v = json!({"leaf": "\u{1b}[31mred\u{202e}", "n": [1, 2.5, null, true]});
            for i in 0..depth {
                v = if i % 2 == 0 { json!({"k": v}) } else { json!([v, i]) };
            }
            let wide_v: Value = (0..wide).map(|i| json!({ format!("k{i}"): i })).collect();
            view(json!({"deep": v, "wide": wide_v}), &moves, 80, 24);
        }
    }
}

/// `TokenProvider` is object-safe and its Debug-able tokens never print (compile-time use).
#[allow(dead_code)]
fn _provider_is_object_safe(p: &dyn TokenProvider) -> &dyn TokenProvider {
    p
}

#[test]
fn copied_requests_hold_no_token_and_cannot_run_injected_commands() {
    let tmp = tempfile::tempdir().unwrap();
    let marker = tmp.path().join("pwned");
    let url = format!(
        "https://graph.microsoft.com/v1.0/users?$filter=startswith(displayName,'x'';touch {};echo ''')",
        marker.display()
    );
    let mut m = Model::new(Header::default());
    update(&mut m, Action::Resize(120, 30));
    update(
        &mut m,
        Action::Exchanged(Box::new(Exchange {
            id: 1,
            method: "GET".into(),
            url: url.clone(),
            request_headers: vec![
                (
                    "authorization".into(),
                    "Bearer eyJ0eXAi.raw-token.sig".into(),
                ),
                (
                    "ConsistencyLevel".into(),
                    "eventual'; touch /tmp/x; '".into(),
                ),
            ],
            status: Some(200),
            ..Exchange::default()
        })),
    );
    update(&mut m, Action::Inspector);
    let cmds = update(&mut m, Action::Copy);
    let Some(graphtui::tui::action::Command::Clipboard(text)) = cmds.into_iter().next() else {
        panic!("copy gives clipboard text");
    };
    assert!(!text.contains("raw-token"), "{text}");
    assert!(text.contains("$TOKEN"), "{text}");
    // Let a shell parse it, with curl replaced by printf: the URL stays one argument and the
    // injected command never runs.
    let script = text.replacen("curl ", "printf '[%s]\\n' ", 1);
    let out = std::process::Command::new("sh")
        .arg("-c")
        .arg(&script)
        .output()
        .expect("sh");
    let printed = String::from_utf8_lossy(&out.stdout);
    assert!(
        !marker.exists(),
        "the copied command ran an injected command"
    );
    let decoded = percent_encoding::percent_decode_str(&printed).decode_utf8_lossy();
    assert!(
        decoded.contains(&format!("[{}]", url))
            || printed.contains("[https://graph.microsoft.com/v1.0/users?"),
        "{printed}"
    );
}
