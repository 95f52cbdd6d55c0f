//! Faults and bad input: graphtui's client paging path (the one `get --all` and the explorer
//! use) against the sandbox tenant's fault injection, a slow server, the real `get --all`
//! binary under faults, garbage answers from a tiny mock server, and property tests (no panic
//! on any input) for the parsers that read outside data.
//!
//! Every network wait is bounded by a tokio timeout so a hang fails the test instead of
//! stalling CI.

use axum::Router;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use futures::StreamExt;
use graphtui::auth::store::MemoryStore;
use graphtui::auth::{AuthOptions, Authenticator, StaticToken};
use graphtui::cli::{GlobalArgs, TokenCacheKind};
use graphtui::config::{ConfigFile, Settings};
use graphtui::graph::{
    ClientEvent, ClientOptions, GraphClient, GraphError, GraphRequest, PageOptions, RetryPolicy,
};
use graphtui::sandbox::{SANDBOX_APP_ID, SANDBOX_APP_SECRET, Sandbox, SandboxConfig};
use graphtui::util::Secret;
use serde_json::{Value, json};
use std::collections::HashSet;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use tokio_util::sync::CancellationToken;

const BIN: &str = env!("CARGO_BIN_EXE_graphtui");

async fn sandbox(users: usize) -> Sandbox {
    Sandbox::start(SandboxConfig {
        users,
        ..Default::default()
    })
    .await
    .expect("sandbox starts")
}

/// Settings pointing at `url` (Graph root and identity host), app-only with the sandbox secret.
fn settings(url: &str, tenant: &str, dir: &Path) -> Settings {
    let args = GlobalArgs {
        tenant: Some(tenant.into()),
        client_id: Some(SANDBOX_APP_ID.into()),
        graph_url: Some(url.into()),
        authority_host: Some(url.into()),
        token_cache: Some(TokenCacheKind::None),
        data_dir: Some(dir.to_path_buf()),
        timeout: Some(20),
        ..Default::default()
    };
    Settings::resolve_with(
        &args,
        &|k| (k == "AZURE_CLIENT_SECRET").then(|| SANDBOX_APP_SECRET.to_string()),
        ConfigFile::default(),
        &dir.join("config.toml"),
    )
    .expect("settings")
}

fn app_client(s: &Settings) -> GraphClient {
    let auth = Authenticator::new(s, Arc::new(MemoryStore::new()), AuthOptions::default())
        .expect("authenticator");
    GraphClient::with_options(
        s,
        Arc::new(auth),
        ClientOptions {
            retry: RetryPolicy {
                max_retries: 4,
                ..RetryPolicy::fast()
            },
            ..Default::default()
        },
    )
    .expect("client")
}

async fn control(sb: &Sandbox, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
    let c = reqwest::Client::new();
    let mut r = c.request(method, format!("{}{path}", sb.url()));
    if let Some(b) = body {
        r = r.json(&b);
    }
    let resp = r.send().await.expect("control call");
    assert!(resp.status().is_success(), "{path}: {}", resp.status());
    resp.json().await.unwrap_or(Value::Null)
}

fn ts(s: &str) -> OffsetDateTime {
    OffsetDateTime::parse(s, &Rfc3339).unwrap_or_else(|e| panic!("timestamp {s:?}: {e}"))
}

/// Checks in the sandbox log that every answer carrying Retry-After was followed by the retry
/// of the same request no earlier than Retry-After after the answer went out. Returns how many
/// were checked.
fn assert_retry_after_honoured(entries: &[Value]) -> usize {
    let mut checked = 0;
    for (i, e) in entries.iter().enumerate() {
        let Some(ra) = e["retry_after"].as_str() else {
            continue;
        };
        let wait: f64 = ra.parse().expect("numeric Retry-After");
        let path = e["path"].as_str().unwrap();
        let retry = entries[i + 1..]
            .iter()
            .find(|n| n["path"] == path)
            .unwrap_or_else(|| panic!("no retry after the {} on {path}", e["status"]));
        let answered = ts(e["timestamp"].as_str().unwrap())
            + Duration::from_millis(e["duration_ms"].as_u64().unwrap());
        let gap = (ts(retry["timestamp"].as_str().unwrap()) - answered).as_seconds_f64();
        // The log's duration is whole milliseconds: allow that rounding.
        assert!(
            gap + 0.002 >= wait,
            "retry of {path} came {gap:.3} s after a {} with Retry-After {ra}",
            e["status"]
        );
        let attempt = retry["request_headers"]
            .as_array()
            .unwrap()
            .iter()
            .find(|h| h[0].as_str() == Some("retry-attempt"));
        assert!(
            attempt.is_some(),
            "the retry carries Retry-Attempt: {retry}"
        );
        checked += 1;
    }
    checked
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn twenty_thousand_users_under_faults_arrive_exactly_once() {
    let sb = sandbox(20_000).await;
    let tmp = tempfile::tempdir().unwrap();
    let s = settings(&sb.url(), &sb.tenant_id(), tmp.path());
    let client = app_client(&s);
    let info = control(&sb, reqwest::Method::GET, "/_sandbox", None).await;
    let expected = info["users"].as_u64().expect("user count") as usize;
    assert!(expected >= 20_000, "{info}");
    // 10 % 429 with Retry-After, 2 % 503, 1 % dropped connections, 1 % truncated bodies, and
    // every token expires after the 60th request. $top=100 gives ~200 pages (~240 requests).
    control(
        &sb,
        reqwest::Method::POST,
        "/_sandbox/faults",
        Some(json!({
            "throttle_every": 10,
            "retry_after": 0.1,
            "status_503_rate": 0.02,
            "drop_every": 97,
            "truncate_every": 89,
            "expire_tokens_after": 60,
            "seed": 7,
            "path_prefix": "/v1.0/users",
        })),
    )
    .await;
    let mut events = client.events();
    let collected = tokio::spawn(async move {
        let mut v = Vec::new();
        while let Ok(e) = events.recv().await {
            v.push(e);
        }
        v
    });
    let started = Instant::now();
    let mut pages = client.pages(
        GraphRequest::get("/users?$top=100&$select=id,displayName"),
        PageOptions::all(),
    );
    let mut ids = Vec::new();
    let mut last_progress = None;
    let run = async {
        while let Some(p) = pages.next().await {
            let p = p.expect("every page arrives despite the faults");
            for u in &p.items {
                ids.push(u["id"].as_str().expect("id").to_string());
            }
            last_progress = Some(p.progress);
        }
    };
    tokio::time::timeout(Duration::from_secs(90), run)
        .await
        .expect("the listing finished (no hang)");
    drop(pages);
    let elapsed = started.elapsed();
    assert_eq!(ids.len(), expected, "every user arrives");
    let unique: HashSet<&String> = ids.iter().collect();
    assert_eq!(unique.len(), expected, "each user exactly once");
    let progress = last_progress.unwrap();
    assert_eq!(progress.items, expected);

    // The sandbox's view: which faults happened, and each Retry-After was honoured.
    let log = control(&sb, reqwest::Method::GET, "/_sandbox/log", None).await;
    let entries: Vec<Value> = log["entries"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["path"].as_str().unwrap_or("").starts_with("/v1.0/users"))
        .cloned()
        .collect();
    let count = |f: &dyn Fn(&Value) -> bool| entries.iter().filter(|e| f(e)).count();
    let throttled = count(&|e| e["status"] == 429);
    let unavailable = count(&|e| e["status"] == 503);
    let dropped = count(&|e| e["fault"] == "drop");
    let truncated = count(&|e| e["fault"] == "truncate");
    let unauthorized = count(&|e| e["status"] == 401);
    assert!(throttled >= 15, "429s: {throttled}");
    assert!(unavailable >= 1, "503s: {unavailable}");
    assert!(
        dropped >= 1 && truncated >= 1,
        "{dropped} drops, {truncated} cuts"
    );
    assert_eq!(
        unauthorized, 1,
        "one expired-token 401, then a renewed token"
    );
    let checked = assert_retry_after_honoured(&entries);
    assert_eq!(checked, throttled + unavailable);

    // What the user is told: one event per retry, the renewal, in words.
    client.recorder().clear();
    drop(client);
    let events = tokio::time::timeout(Duration::from_secs(5), collected)
        .await
        .expect("event stream ends when the client is dropped")
        .unwrap();
    let throttle_events: Vec<&ClientEvent> = events
        .iter()
        .filter(|e| matches!(e, ClientEvent::Throttled { .. }))
        .collect();
    assert_eq!(throttle_events.len(), throttled + unavailable);
    let retry_events = events
        .iter()
        .filter(|e| matches!(e, ClientEvent::Retrying { .. }))
        .count();
    assert_eq!(retry_events, dropped + truncated);
    assert!(
        events
            .iter()
            .any(|e| matches!(e, ClientEvent::TokenRefreshed { .. }))
    );
    let lines: Vec<String> = events
        .iter()
        .filter_map(graphtui::cli::get::describe_client_event)
        .collect();
    let joined = lines.join("\n");
    assert!(
        joined.contains("throttled (429), retrying in 0.1 s"),
        "{joined}"
    );
    assert!(joined.contains("service unavailable (503)"), "{joined}");
    assert!(joined.contains("connection failed ("), "{joined}");
    assert!(joined.contains("access token was renewed"), "{joined}");
    assert!(!joined.contains(SANDBOX_APP_SECRET));
    assert!(elapsed < Duration::from_secs(60), "took {elapsed:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_server_request_is_cancelled_promptly() {
    let sb = sandbox(100).await;
    let tmp = tempfile::tempdir().unwrap();
    let s = settings(&sb.url(), &sb.tenant_id(), tmp.path());
    let client = app_client(&s);
    // Get the token first so only the Graph call is slow.
    client
        .get(GraphRequest::get("/users?$top=1"))
        .await
        .expect("warm-up");
    control(
        &sb,
        reqwest::Method::POST,
        "/_sandbox/faults",
        Some(json!({"latency_ms": 5000})),
    )
    .await;
    let cancel = CancellationToken::new();
    let mut pages = client.pages(
        GraphRequest::get("/users"),
        PageOptions {
            follow: true,
            cancel: cancel.clone(),
            ..Default::default()
        },
    );
    let c2 = cancel.clone();
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(300)).await;
        c2.cancel();
    });
    let t = Instant::now();
    let first = tokio::time::timeout(Duration::from_secs(4), pages.next())
        .await
        .expect("cancellation ends the wait long before the 5 s answer");
    let took = t.elapsed();
    assert!(
        matches!(first, Some(Err(GraphError::Cancelled))),
        "{first:?}"
    );
    assert!(took < Duration::from_millis(1500), "cancel took {took:?}");
    assert!(pages.next().await.is_none(), "nothing after cancellation");
    // A plain request is cancelled by dropping it (the explorer's "latest wins").
    let t = Instant::now();
    let r = tokio::time::timeout(
        Duration::from_millis(300),
        client.get(GraphRequest::get("/me")),
    )
    .await;
    assert!(r.is_err() && t.elapsed() < Duration::from_secs(1));
}

/// Runs the real binary with a watchdog; returns (exit code, stdout, stderr).
fn run_bin(args: &[&str], env: &[(&str, String)], secs: u64) -> (Option<i32>, String, String) {
    let mut cmd = std::process::Command::new(BIN);
    cmd.args(args)
        .env_remove("GRAPHTUI_PROFILE")
        .env_remove("AZURE_TENANT_ID")
        .env_remove("AZURE_CLIENT_ID")
        .env_remove("AZURE_CLIENT_SECRET")
        .env_remove("GRAPHTUI_LOG")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().expect("spawn graphtui");
    let deadline = Instant::now() + Duration::from_secs(secs);
    let out_pipe = child.stdout.take().unwrap();
    let err_pipe = child.stderr.take().unwrap();
    let out_t = std::thread::spawn(move || std::io::read_to_string(out_pipe).unwrap_or_default());
    let err_t = std::thread::spawn(move || std::io::read_to_string(err_pipe).unwrap_or_default());
    let status = loop {
        if let Some(st) = child.try_wait().expect("wait") {
            break st;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("graphtui {args:?} hung for {secs} s");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    (status.code(), out_t.join().unwrap(), err_t.join().unwrap())
}

fn bin_env(sb: &Sandbox, dir: &Path) -> Vec<(&'static str, String)> {
    vec![
        ("GRAPHTUI_GRAPH_URL", sb.url()),
        ("GRAPHTUI_AUTHORITY_HOST", sb.url()),
        ("GRAPHTUI_TENANT", sb.tenant_id()),
        ("GRAPHTUI_CLIENT_ID", SANDBOX_APP_ID.to_string()),
        ("AZURE_CLIENT_SECRET", SANDBOX_APP_SECRET.to_string()),
        ("GRAPHTUI_TOKEN_CACHE", "none".into()),
        ("GRAPHTUI_DATA_DIR", dir.join("data").display().to_string()),
        (
            "GRAPHTUI_CONFIG",
            dir.join("none.toml").display().to_string(),
        ),
        ("HOME", dir.display().to_string()),
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cli_get_all_under_faults_prints_every_user_once_and_says_why_it_waited() {
    let sb = sandbox(3_000).await;
    let tmp = tempfile::tempdir().unwrap();
    control(
        &sb,
        reqwest::Method::POST,
        "/_sandbox/faults",
        Some(json!({
            "throttle_every": 5,
            "retry_after": 0.2,
            "status_503_every": 13,
            "drop_every": 17,
            "truncate_every": 19,
            "expire_tokens_after": 12,
            "path_prefix": "/v1.0/users",
        })),
    )
    .await;
    let env = bin_env(&sb, tmp.path());
    let (code, out, err) = tokio::task::spawn_blocking(move || {
        run_bin(
            &[
                "get", "/users", "--all", "--top", "100", "--select", "id", "-o", "ndjson",
            ],
            &env,
            60,
        )
    })
    .await
    .unwrap();
    assert_eq!(code, Some(0), "stderr:\n{err}");
    let ids: Vec<String> = out
        .lines()
        .map(|l| {
            serde_json::from_str::<Value>(l).expect("ndjson line")["id"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    let unique: HashSet<&String> = ids.iter().collect();
    assert!(ids.len() >= 3_000, "{} users", ids.len());
    assert_eq!(unique.len(), ids.len(), "no duplicates");
    assert!(err.contains("throttled (429), retrying in 0.2 s"), "{err}");
    assert!(err.contains("service unavailable (503)"), "{err}");
    assert!(err.contains("connection failed"), "{err}");
    assert!(err.contains("access token was renewed"), "{err}");
    assert!(!err.contains(SANDBOX_APP_SECRET) && !out.contains(SANDBOX_APP_SECRET));
    let log = control(&sb, reqwest::Method::GET, "/_sandbox/log", None).await;
    let entries: Vec<Value> = log["entries"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["path"].as_str().unwrap_or("").starts_with("/v1.0/users"))
        .cloned()
        .collect();
    assert!(assert_retry_after_honoured(&entries) >= 5);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cli_get_gives_up_clearly_when_the_server_keeps_failing() {
    let sb = sandbox(100).await;
    let tmp = tempfile::tempdir().unwrap();
    control(
        &sb,
        reqwest::Method::POST,
        "/_sandbox/faults",
        Some(json!({"throttle_every": 1, "retry_after": 0.05, "path_prefix": "/v1.0/users"})),
    )
    .await;
    let env = bin_env(&sb, tmp.path());
    let (code, out, err) =
        tokio::task::spawn_blocking(move || run_bin(&["get", "/users", "--all"], &env, 30))
            .await
            .unwrap();
    assert_eq!(code, Some(1), "{err}");
    assert!(out.trim().is_empty(), "{out}");
    assert!(err.contains("retry 3 of 3"), "{err}");
    assert!(
        err.contains("429") && err.contains("TooManyRequests"),
        "{err}"
    );
}

// ---------------------------------------------------------------------------------------
// Garbage from the server.

/// A mock that answers `/v1.0/<case>` with one kind of garbage.
async fn garbage_server() -> String {
    async fn answer(uri: axum::http::Uri) -> Response {
        let case = uri.path().trim_start_matches("/v1.0/").to_string();
        let deep = |n: usize| format!("{}{}", "[".repeat(n), "]".repeat(n));
        match case.as_str() {
            "html500" => (
                StatusCode::INTERNAL_SERVER_ERROR,
                [("content-type", "text/html")],
                "<html><body><h1>500 Internal Server Error</h1></body></html>",
            )
                .into_response(),
            "html200" => (
                StatusCode::OK,
                [("content-type", "text/html")],
                "<!DOCTYPE html><html><head><title>Sign in</title></head></html>",
            )
                .into_response(),
            "empty502" => (StatusCode::BAD_GATEWAY, "").into_response(),
            "empty200" => {
                (StatusCode::OK, [("content-type", "application/json")], "").into_response()
            }
            "wrongtype" => (
                StatusCode::OK,
                [("content-type", "image/png")],
                vec![0x89u8, b'P', b'N', b'G', 0, 0xff, 0xfe],
            )
                .into_response(),
            "badutf8" => (
                StatusCode::OK,
                [("content-type", "application/json")],
                [&b"{\"value\":[{\"id\":\"1\",\"displayName\":\"a\xff\xfe\xc3\x28b\"}]}"[..]]
                    .concat(),
            )
                .into_response(),
            "badutf8err" => (
                StatusCode::BAD_REQUEST,
                [("content-type", "application/json")],
                b"{\"error\":{\"code\":\"Bad\xff\",\"message\":\"\xc3\x28\"}}".to_vec(),
            )
                .into_response(),
            "huge" => (
                StatusCode::OK,
                [("content-type", "application/json")],
                json!({"value":[{"id":"1","displayName":"x".repeat(8_000_000)}]}).to_string(),
            )
                .into_response(),
            "hugeerror" => (
                StatusCode::BAD_REQUEST,
                [("content-type", "application/json")],
                json!({"error":{"code":"x".repeat(2_000_000),"message":"y".repeat(2_000_000)}})
                    .to_string(),
            )
                .into_response(),
            "deep" => (
                StatusCode::OK,
                [("content-type", "application/json")],
                format!("{{\"value\":{}}}", deep(100_000)),
            )
                .into_response(),
            "deeperror" => (
                StatusCode::FORBIDDEN,
                [("content-type", "application/json")],
                format!(
                    "{}{}",
                    "{\"error\":{\"innerError\":".repeat(50_000),
                    "}".repeat(100_000)
                ),
            )
                .into_response(),
            "notjson200" => (
                StatusCode::OK,
                [("content-type", "application/json")],
                "{\"value\":[{\"id\":\"1\"},",
            )
                .into_response(),
            "badnext" => (
                StatusCode::OK,
                [("content-type", "application/json")],
                json!({"value":[{"id":"1"}],"@odata.nextLink":"not a url at all \u{1b}[2J"})
                    .to_string(),
            )
                .into_response(),
            "jsnext" => (
                StatusCode::OK,
                [("content-type", "application/json")],
                json!({"value":[{"id":"1"}],"@odata.nextLink":"javascript:alert(1)"}).to_string(),
            )
                .into_response(),
            "nextstring" => (
                StatusCode::OK,
                [("content-type", "application/json")],
                json!({"value":"just a string","@odata.nextLink":42}).to_string(),
            )
                .into_response(),
            _ => (StatusCode::NOT_FOUND, "no such case").into_response(),
        }
    }
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let app = Router::new().fallback(answer);
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    url
}

fn static_client(url: &str, dir: &Path) -> GraphClient {
    let args = GlobalArgs {
        tenant: Some("aaaaaaaa-1111-2222-3333-444444444444".into()),
        graph_url: Some(url.into()),
        authority_host: Some(url.into()),
        token_cache: Some(TokenCacheKind::None),
        data_dir: Some(dir.to_path_buf()),
        timeout: Some(20),
        ..Default::default()
    };
    let s = Settings::resolve_with(&args, &|_| None, ConfigFile::default(), &dir.join("c.toml"))
        .unwrap();
    GraphClient::with_options(
        &s,
        Arc::new(StaticToken(Secret::new("static-token-value"))),
        ClientOptions {
            retry: RetryPolicy::fast(),
            ..Default::default()
        },
    )
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn garbage_answers_give_clear_errors_never_a_crash() {
    let url = garbage_server().await;
    let tmp = tempfile::tempdir().unwrap();
    let c = static_client(&url, tmp.path());
    let all = |case: &str| {
        let c = c.clone();
        let case = case.to_string();
        async move {
            tokio::time::timeout(
                Duration::from_secs(20),
                c.collect_all(GraphRequest::get(format!("/{case}")), PageOptions::all()),
            )
            .await
            .unwrap_or_else(|_| panic!("{case} hung"))
        }
    };
    // (case, what the error message must say)
    let failing = [
        ("html500", "Graph answered 500"),
        ("empty502", "Graph answered 502 (no error body)"),
        ("html200", "not valid JSON"),
        ("wrongtype", "image/png"),
        ("empty200", ""),
        ("notjson200", "not valid JSON"),
        ("deep", "not valid JSON"),
        ("badnext", "@odata.nextLink is not an absolute http(s) URL"),
        ("jsnext", "@odata.nextLink is not an absolute http(s) URL"),
        ("deeperror", "Graph answered 403"),
        ("badutf8err", "Graph answered 400"),
    ];
    for (case, needle) in failing {
        let r = all(case).await;
        if case == "empty200" {
            // An empty 200 is an empty answer, not a crash.
            assert!(r.map(|v| v.is_empty()).unwrap_or(true), "{case}");
            continue;
        }
        let e = r.expect_err(case);
        let msg = e.to_string();
        assert!(msg.contains(needle), "{case}: {msg}");
        assert!(!msg.contains('\u{1b}'), "{case}: escape in message");
        assert!(msg.len() < 5_000, "{case}: message of {} bytes", msg.len());
        assert!(!format!("{e:?}").contains("static-token-value"));
    }
    // Invalid UTF-8 inside a string is replaced, the rest survives.
    let v = all("badutf8").await.expect("lossy decoding");
    assert_eq!(v.len(), 1);
    assert!(v[0]["displayName"].as_str().unwrap().contains('\u{FFFD}'));
    // Huge strings pass through intact.
    let v = all("huge").await.expect("huge string");
    assert_eq!(v[0]["displayName"].as_str().unwrap().len(), 8_000_000);
    // A huge error body: the message is parsed (code and message whole), Display stays usable.
    let e = all("hugeerror").await.expect_err("400");
    let api = e.api().expect("api error");
    assert_eq!(api.status, 400);
    assert_eq!(api.code.as_deref().map(str::len), Some(2_000_000));
    // A value that is not an array, a nextLink that is not a string: one object, no paging.
    let v = all("nextstring").await.expect("single object");
    assert_eq!(v.len(), 1);
}

// ---------------------------------------------------------------------------------------
// Property tests: no panic on any input (bounded case counts so CI stays fast).

mod props {
    use proptest::prelude::*;

    fn config(cases: u32) -> ProptestConfig {
        ProptestConfig {
            cases,
            failure_persistence: None,
            ..ProptestConfig::default()
        }
    }

    /// Strings built from URL-ish and JSON-ish pieces plus arbitrary characters.
    fn urlish() -> impl Strategy<Value = String> {
        let piece = prop_oneof![
            Just("https://".to_string()),
            Just("http://".to_string()),
            Just("graph.microsoft.com".to_string()),
            Just("/v1.0".to_string()),
            Just("/beta".to_string()),
            Just("/users".to_string()),
            Just("/me".to_string()),
            Just("?".to_string()),
            Just("&".to_string()),
            Just("=".to_string()),
            Just("$filter".to_string()),
            Just("$select".to_string()),
            Just("$top".to_string()),
            Just("%".to_string()),
            Just("%2".to_string()),
            Just("%ZZ".to_string()),
            Just("'".to_string()),
            Just("(".to_string()),
            Just(")".to_string()),
            Just("#".to_string()),
            Just(":".to_string()),
            Just("@".to_string()),
            Just("\u{1b}[2J".to_string()),
            "\\PC{0,6}",
            any::<char>().prop_map(|c| c.to_string()),
        ];
        prop::collection::vec(piece, 0..14).prop_map(|v| v.concat())
    }

    fn jsonish() -> impl Strategy<Value = String> {
        let piece = prop_oneof![
            Just("{".to_string()),
            Just("}".to_string()),
            Just("[".to_string()),
            Just("]".to_string()),
            Just(",".to_string()),
            Just(":".to_string()),
            Just("\"error\"".to_string()),
            Just("\"code\"".to_string()),
            Just("\"message\"".to_string()),
            Just("\"innerError\"".to_string()),
            Just("\"innererror\"".to_string()),
            Just("\"details\"".to_string()),
            Just("\"request-id\"".to_string()),
            Just("\"value\"".to_string()),
            Just("\"@odata.nextLink\"".to_string()),
            Just("null".to_string()),
            Just("1e999".to_string()),
            Just("-0".to_string()),
            Just("\"\\ud800\"".to_string()),
            Just("\"\u{202e}\u{1b}]52;c;aGk=\u{7}\"".to_string()),
            "\"[^\"\\\\]{0,8}\"",
            any::<char>().prop_map(|c| c.to_string()),
        ];
        prop::collection::vec(piece, 0..30).prop_map(|v| v.concat())
    }

    fn jwtish() -> impl Strategy<Value = String> {
        prop_oneof![
            "\\PC{0,40}",
            (jsonish(), jsonish(), "[A-Za-z0-9_-]{0,10}").prop_map(|(h, p, s)| {
                use base64::Engine;
                let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
                format!("{}.{}.{s}", b64.encode(h), b64.encode(p))
            }),
            (jsonish(), "[A-Za-z0-9_.=+/-]{0,30}").prop_map(|(p, tail)| {
                use base64::Engine;
                let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
                format!("eyJ.{}{tail}", b64.encode(p))
            }),
        ]
    }

    proptest! {
        #![proptest_config(config(400))]

        #[test]
        fn graph_url_parser_never_panics(s in urlish()) {
            let _ = graphtui::odata::url::parse_graph_url(&s);
        }

        #[test]
        fn graph_error_parser_never_panics(body in jsonish(), status in 0u16..1000, ra in "\\PC{0,12}") {
            let headers = vec![
                ("retry-after".to_string(), ra.clone()),
                ("www-authenticate".to_string(), body.clone()),
            ];
            let e = graphtui::graph::ApiError::from_response(status, &headers, &body, "GET", "u");
            let _ = e.to_string();
            let _ = e.is_expired_token();
            let _ = graphtui::graph::retry::parse_retry_after(&ra, std::time::SystemTime::now());
            let _ = graphtui::graph::RetryPolicy::default().delay(1, Some(&ra));
            if let Some(g) = graphtui::tui::graph_error::decode(&body) {
                let _ = format!("{g:?}");
            }
            if let Some(a) = graphtui::auth::AadError::parse(status, &body) {
                let _ = (a.to_string(), a.code());
            }
        }

        #[test]
        fn jwt_decoder_never_panics(t in jwtish()) {
            if let Ok(c) = graphtui::doctor::Claims::decode(&t) {
                let _ = format!("{c:?}");
                let _ = c.summary_lines(0);
                let _ = c.kind();
                let _ = c.directory_roles();
            }
            if let Ok(c) = graphtui::auth::Claims::decode(&t) {
                let _ = c.account();
                let _ = c.is_app_only();
            }
        }
    }
}

#[test]
fn explorer_names_a_success_status_with_a_broken_body() {
    use graphtui::tui::model::Exchange;
    use graphtui::tui::worker::Sent;
    let sent = |ctype: &str, body: &str| Sent {
        exchange: Exchange {
            status: Some(200),
            response_headers: vec![("content-type".into(), ctype.into())],
            body: body.into(),
            ..Exchange::default()
        },
        body: None,
    };
    let m = sent("text/html", "<html>\u{1b}[2J<title>Sign in</title>").failure();
    assert!(
        m.contains("not JSON (text/html)") && m.contains("<html>"),
        "{m}"
    );
    assert!(!m.contains('\u{1b}'), "{m}");
    let m = sent("application/json", "").failure();
    assert!(m.contains("empty body"), "{m}");
}

/// Huge and deeply nested input pasted into the query bar: parse, lint and completion (which
/// the explorer runs on every keystroke) answer with an error quickly, without overflowing.
#[test]
fn pathological_filters_are_refused_quickly() {
    use graphtui::odata::{capabilities::capabilities, complete, filter, lint, search};
    let users = capabilities().entity("users").expect("users entity");
    let inputs = [
        "(".repeat(100_000),
        format!("{}a eq 'b'{}", "(".repeat(50_000), ")".repeat(50_000)),
        "not ".repeat(50_000) + "accountEnabled",
        // Unknown properties cost a did-you-mean each (~0.2 ms in a debug build): 2 000 of them.
        "a eq 'b' and ".repeat(2_000) + "c eq 'd'",
        "displayName eq 'b' and ".repeat(20_000) + "mail eq 'd'",
        format!("displayName eq '{}'", "x".repeat(1_000_000)),
        "members/any(m:".repeat(10_000),
        format!("startswith(displayName,{})", "concat(".repeat(20_000)),
        "'".repeat(99_999),
        "\u{202e}\u{1b}[2J".repeat(10_000),
    ];
    for src in &inputs {
        let t = Instant::now();
        let _ = filter::parse(src);
        let _ = search::parse(src);
        let report = lint::lint_filter(users, src);
        let _ = format!("{report:?}");
        let c = complete::complete_filter(users, src, src.len());
        let _ = c;
        let took = t.elapsed();
        assert!(
            took < Duration::from_secs(5),
            "{}…: {took:?}",
            &src.chars().take(20).collect::<String>()
        );
    }
    let e = filter::parse(&inputs[0]).unwrap_err();
    let shown = e.to_string();
    assert!(
        shown.len() < 2_000,
        "the error stays short: {} bytes",
        shown.len()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_server_times_out_as_configured_without_retries() {
    // The client: Graph is a listener that counts arrivals and answers after 5 s.
    let arrivals = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let slow_url = format!("http://{}", listener.local_addr().unwrap());
    let counter = arrivals.clone();
    let app = Router::new().fallback(move || {
        let counter = counter.clone();
        async move {
            counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            tokio::time::sleep(Duration::from_secs(5)).await;
            axum::Json(json!({"value": []}))
        }
    });
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    let tmp = tempfile::tempdir().unwrap();
    let args = GlobalArgs {
        tenant: Some("contoso.com".into()),
        graph_url: Some(slow_url.clone()),
        authority_host: Some(slow_url),
        token_cache: Some(TokenCacheKind::None),
        data_dir: Some(tmp.path().to_path_buf()),
        timeout: Some(1),
        ..Default::default()
    };
    let s = Settings::resolve_with(
        &args,
        &|_| None,
        ConfigFile::default(),
        &tmp.path().join("c"),
    )
    .unwrap();
    let c = GraphClient::with_options(
        &s,
        Arc::new(StaticToken(Secret::new("t"))),
        ClientOptions {
            retry: RetryPolicy::fast(),
            ..Default::default()
        },
    )
    .unwrap();
    let t = Instant::now();
    let e = tokio::time::timeout(Duration::from_secs(10), c.get(GraphRequest::get("/users")))
        .await
        .expect("bounded by the client timeout")
        .unwrap_err();
    assert!(
        matches!(e, GraphError::Transport { timeout: true, .. }),
        "{e:?}"
    );
    assert!(t.elapsed() < Duration::from_secs(3), "{:?}", t.elapsed());
    assert_eq!(
        arrivals.load(std::sync::atomic::Ordering::SeqCst),
        1,
        "not retried"
    );

    // The binary against the sandbox with 5 s latency and --timeout 1.
    let sb = sandbox(100).await;
    control(
        &sb,
        reqwest::Method::POST,
        "/_sandbox/faults",
        Some(json!({"latency_ms": 5000})),
    )
    .await;
    let env = bin_env(&sb, tmp.path());
    let t = Instant::now();
    let (code, out, err) = tokio::task::spawn_blocking(move || {
        run_bin(&["--timeout", "1", "get", "/users"], &env, 30)
    })
    .await
    .unwrap();
    assert_eq!(code, Some(1), "{err}");
    assert!(out.trim().is_empty(), "{out}");
    assert!(err.contains("timed out"), "{err}");
    assert!(
        err.contains("/v1.0/users"),
        "the message names the request: {err}"
    );
    assert!(
        t.elapsed() < Duration::from_secs(15),
        "took {:?}",
        t.elapsed()
    );
}
