//! The Graph client: one request vocabulary ([`GraphRequest`]), bearer tokens only to the
//! configured Graph origin, `client-request-id` on every request, retries per `Retry-After`,
//! one token renewal on an expired-token 401, and every exchange recorded.

use super::error::{ApiError, GraphError};
use super::recorder::{Exchange, ExchangeKind, Recorder, redact_headers};
use super::retry::{RetryPolicy, is_retryable_status};
use crate::auth::{AccessToken, AuthError, TokenProvider};
use crate::config::Settings;
use crate::util::Secret;
use serde_json::Value;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};
use tokio::sync::broadcast;
use url::Url;

/// Something the UI should hear about while requests run.
#[derive(Debug, Clone, PartialEq)]
pub enum ClientEvent {
    /// Graph throttled (429) or was unavailable (503/504); the request is retried after `retry_in`.
    Throttled {
        url: String,
        status: u16,
        retry_in: Duration,
        /// The retry about to happen (1-based).
        attempt: u32,
        max_retries: u32,
    },
    /// The connection failed or the answer was cut short; the (idempotent) request is sent
    /// again after `retry_in`.
    Retrying {
        url: String,
        /// What went wrong, e.g. `connection closed before message completed`.
        reason: String,
        retry_in: Duration,
        /// The retry about to happen (1-based).
        attempt: u32,
        max_retries: u32,
    },
    /// The access token was renewed (silently or after a 401).
    TokenRefreshed { expires_at: i64 },
    /// Renewal failed or no sign-in exists: the user must sign in again.
    SignInNeeded { reason: String },
    /// The token grants fewer scopes than asked for.
    ScopesMissing { missing: Vec<String> },
    /// Which token store is in use (said once).
    TokenStore { description: String },
}

/// A request in the client's vocabulary.
#[derive(Debug, Clone, PartialEq)]
pub struct GraphRequest {
    pub method: reqwest::Method,
    /// A path relative to the versioned base (`/users?$top=5`), a path with a version
    /// (`/beta/users`), or a full URL on the configured Graph origin.
    pub url: String,
    /// Extra headers (e.g. `ConsistencyLevel: eventual`); resent on every page.
    pub headers: Vec<(String, String)>,
    /// JSON body.
    pub body: Option<Value>,
}

impl GraphRequest {
    /// A GET.
    pub fn get(url: impl Into<String>) -> GraphRequest {
        GraphRequest {
            method: reqwest::Method::GET,
            url: url.into(),
            headers: Vec::new(),
            body: None,
        }
    }
    /// A POST with a JSON body.
    pub fn post(url: impl Into<String>, body: Value) -> GraphRequest {
        GraphRequest {
            method: reqwest::Method::POST,
            url: url.into(),
            headers: Vec::new(),
            body: Some(body),
        }
    }
    /// Adds a header.
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> GraphRequest {
        self.headers.push((name.into(), value.into()));
        self
    }
    /// Adds `ConsistencyLevel: eventual` (advanced queries) unless present.
    pub fn eventual(self) -> GraphRequest {
        if self
            .headers
            .iter()
            .any(|(k, _)| k.eq_ignore_ascii_case("consistencylevel"))
        {
            self
        } else {
            self.header("ConsistencyLevel", "eventual")
        }
    }
}

/// A successful answer.
#[derive(Debug, Clone)]
pub struct GraphResponse {
    pub status: u16,
    /// Response headers (lower-case names).
    pub headers: Vec<(String, String)>,
    /// The body as text.
    pub body: String,
    /// The final URL requested.
    pub url: String,
    /// The recorded exchange.
    pub exchange_id: u64,
    /// The `client-request-id` sent.
    pub client_request_id: String,
}

impl GraphResponse {
    /// The body as JSON (`Null` for an empty body).
    pub fn json(&self) -> Result<Value, GraphError> {
        if self.body.trim().is_empty() {
            return Ok(Value::Null);
        }
        serde_json::from_str(&self.body).map_err(|e| GraphError::Decode {
            url: self.url.clone(),
            message: format!("the body is not JSON: {e}"),
        })
    }
    /// The body parsed into a type.
    pub fn parse<T: serde::de::DeserializeOwned>(&self) -> Result<T, GraphError> {
        serde_json::from_str(&self.body).map_err(|e| GraphError::Decode {
            url: self.url.clone(),
            message: e.to_string(),
        })
    }
    /// A header value by name.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// Tuning for a client (tests use short retries).
#[derive(Debug, Clone)]
pub struct ClientOptions {
    pub retry: RetryPolicy,
    /// How many exchanges the recorder keeps.
    pub recorder_capacity: usize,
    /// A recorder to share (e.g. with the sign-in flow); a new one when `None`.
    pub recorder: Option<Recorder>,
}

impl Default for ClientOptions {
    fn default() -> Self {
        ClientOptions {
            retry: RetryPolicy::default(),
            recorder_capacity: 2000,
            recorder: None,
        }
    }
}

pub(crate) struct Inner {
    pub(crate) http: reqwest::Client,
    pub(crate) auth: Arc<dyn TokenProvider>,
    pub(crate) graph_root: Url,
    pub(crate) base: String,
    pub(crate) read_only: bool,
    pub(crate) retry: RetryPolicy,
    pub(crate) recorder: Recorder,
    pub(crate) events: broadcast::Sender<ClientEvent>,
    pub(crate) announced: std::sync::atomic::AtomicBool,
}

/// The Graph client. Cheap to clone; usable from many tokio tasks at once.
#[derive(Clone)]
pub struct GraphClient {
    pub(crate) inner: Arc<Inner>,
}

impl std::fmt::Debug for GraphClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GraphClient")
            .field("base", &self.inner.base)
            .finish()
    }
}

/// Builds the shared reqwest client: rustls, gzip, timeout, connection reuse.
pub fn http_client(timeout: Duration) -> Result<reqwest::Client, GraphError> {
    reqwest::Client::builder()
        .timeout(timeout)
        .connect_timeout(timeout.min(Duration::from_secs(30)))
        .gzip(true)
        .user_agent(concat!("graphtui/", env!("CARGO_PKG_VERSION")))
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .map_err(|e| GraphError::InvalidRequest(format!("cannot build the HTTP client: {e}")))
}

/// Paths of POST actions that only read, allowed in read-only mode.
const READ_ACTIONS: &[&str] = &[
    "$batch",
    "getmembergroups",
    "checkmembergroups",
    "getmemberobjects",
    "checkmemberobjects",
    "getbyids",
    "getavailableextensionproperties",
];

impl GraphClient {
    /// A client for the settings' Graph root, API version, timeout and read-only mode.
    pub fn new(
        settings: &Settings,
        auth: Arc<dyn TokenProvider>,
    ) -> Result<GraphClient, GraphError> {
        GraphClient::with_options(settings, auth, ClientOptions::default())
    }

    /// A client with explicit options.
    pub fn with_options(
        settings: &Settings,
        auth: Arc<dyn TokenProvider>,
        opts: ClientOptions,
    ) -> Result<GraphClient, GraphError> {
        let (events, _) = broadcast::channel(64);
        Ok(GraphClient {
            inner: Arc::new(Inner {
                http: http_client(settings.timeout)?,
                auth: auth.clone(),
                graph_root: settings.graph_root.clone(),
                base: settings.graph_base(),
                read_only: settings.read_only,
                retry: opts.retry,
                recorder: opts
                    .recorder
                    .or_else(|| auth.recorder())
                    .unwrap_or_else(|| Recorder::new(opts.recorder_capacity)),
                events,
                announced: std::sync::atomic::AtomicBool::new(false),
            }),
        })
    }

    /// Events (throttling, renewal, sign-in needed) from now on.
    pub fn events(&self) -> broadcast::Receiver<ClientEvent> {
        self.inner.events.subscribe()
    }

    /// The exchange recorder.
    pub fn recorder(&self) -> &Recorder {
        &self.inner.recorder
    }

    /// The versioned base, e.g. `https://graph.microsoft.com/v1.0`.
    pub fn base(&self) -> &str {
        &self.inner.base
    }

    /// The token provider.
    pub fn auth(&self) -> &Arc<dyn TokenProvider> {
        &self.inner.auth
    }

    pub(crate) fn emit(&self, e: ClientEvent) {
        let _ = self.inner.events.send(e);
    }

    /// Resolves a request URL to an absolute URL on the Graph origin; anything else is refused.
    pub fn resolve(&self, raw: &str) -> Result<Url, GraphError> {
        let raw = raw.trim();
        let root = crate::config::endpoint::origin_string(&self.inner.graph_root);
        let full = if raw.starts_with("http://") || raw.starts_with("https://") {
            raw.to_string()
        } else if raw.contains("://") {
            return Err(GraphError::InvalidRequest(format!(
                "'{raw}' is not an http(s) URL or a Graph path"
            )));
        } else {
            let p = raw.trim_start_matches('/');
            let versioned =
                ["v1.0/", "beta/"].iter().any(|v| p.starts_with(v)) || p == "v1.0" || p == "beta";
            if versioned {
                format!("{root}/{p}")
            } else {
                format!("{}/{p}", self.inner.base)
            }
        };
        let url = Url::parse(&full)
            .map_err(|e| GraphError::InvalidRequest(format!("'{raw}' is not a valid URL: {e}")))?;
        if !crate::config::same_origin(&self.inner.graph_root, &url) {
            return Err(GraphError::ForeignOrigin {
                url: url.to_string(),
                root,
            });
        }
        Ok(url)
    }

    async fn token(&self) -> Result<AccessToken, GraphError> {
        match self.inner.auth.token().await {
            Ok(t) => {
                let first = !self
                    .inner
                    .announced
                    .swap(true, std::sync::atomic::Ordering::Relaxed);
                if first {
                    if let Some(d) = self.inner.auth.store_description() {
                        self.emit(ClientEvent::TokenStore { description: d });
                    }
                    if !t.missing_scopes.is_empty() {
                        self.emit(ClientEvent::ScopesMissing {
                            missing: t.missing_scopes.clone(),
                        });
                    }
                }
                // The first token of a run is not news (even when it had to be fetched).
                if t.refreshed && !first {
                    self.emit(ClientEvent::TokenRefreshed {
                        expires_at: t.expires_at,
                    });
                }
                Ok(t)
            }
            Err(e) => Err(self.sign_in_needed(e)),
        }
    }

    fn sign_in_needed(&self, e: AuthError) -> GraphError {
        self.emit(ClientEvent::SignInNeeded {
            reason: e.to_string(),
        });
        GraphError::SignIn(e)
    }

    pub(crate) fn check_writable(&self, req: &GraphRequest, url: &Url) -> Result<(), GraphError> {
        if !self.inner.read_only
            || req.method == reqwest::Method::GET
            || req.method == reqwest::Method::HEAD
        {
            return Ok(());
        }
        let last = url
            .path_segments()
            .and_then(|mut s| s.next_back())
            .unwrap_or("")
            .to_ascii_lowercase();
        let last = last.rsplit('.').next().unwrap_or(&last).to_string();
        if req.method == reqwest::Method::POST && READ_ACTIONS.contains(&last.as_str()) {
            return Ok(());
        }
        Err(GraphError::ReadOnly {
            method: req.method.to_string(),
            url: url.to_string(),
        })
    }

    /// Sends a request (any method) with retries and one token renewal.
    pub async fn send(&self, req: GraphRequest) -> Result<GraphResponse, GraphError> {
        let url = self.resolve(&req.url)?;
        self.check_writable(&req, &url)?;
        let mut token = self.token().await?;
        let mut attempt: u32 = 0;
        let mut waited = Duration::ZERO;
        let mut renewed = false;
        loop {
            let (result, ex) = self.attempt(&req, &url, &token.token, attempt).await;
            let (status, headers, body) = match result {
                Ok(r) => r,
                Err(e @ GraphError::Transport { timeout: false, .. }) => {
                    // A dropped connection or a body cut short: replay idempotent requests
                    // with backoff (a write might have happened, so those are not replayed).
                    // A timeout is not retried: the user chose how long to wait.
                    let next = attempt + 1;
                    // Shorter than throttling backoff: nothing asked us to slow down.
                    let delay = self
                        .inner
                        .retry
                        .delay(next, None)
                        .min(Duration::from_millis(500).saturating_mul(1 << (next - 1).min(4)));
                    if is_idempotent(&req, &url) && self.inner.retry.allows(next, waited, delay) {
                        self.emit(ClientEvent::Retrying {
                            url: url.to_string(),
                            reason: e.to_string(),
                            retry_in: delay,
                            attempt: next,
                            max_retries: self.inner.retry.max_retries,
                        });
                        tracing::info!(?delay, attempt = next, url = %url, "connection failed; retrying");
                        tokio::time::sleep(delay).await;
                        waited += delay;
                        attempt = next;
                        continue;
                    }
                    return Err(e);
                }
                Err(e) => return Err(e),
            };
            if (200..300).contains(&status) {
                return Ok(GraphResponse {
                    status,
                    headers,
                    body,
                    url: url.to_string(),
                    exchange_id: ex.id,
                    client_request_id: ex.client_request_id.clone().unwrap_or_default(),
                });
            }
            let mut err = ex.error.clone().unwrap_or_else(|| {
                ApiError::from_response(status, &headers, &body, req.method.as_str(), url.as_str())
            });
            err.exchange_id = Some(ex.id);
            if status == 401
                && !renewed
                && (err.is_expired_token() || token.expires_at <= crate::auth::token::now_unix())
            {
                renewed = true;
                match self.inner.auth.renew(&token.token).await {
                    Ok(t) => {
                        self.emit(ClientEvent::TokenRefreshed {
                            expires_at: t.expires_at,
                        });
                        token = t;
                        continue;
                    }
                    Err(e) => {
                        return Err(self.sign_in_needed(AuthError::RefreshFailed(Box::new(e))));
                    }
                }
            }
            if is_retryable_status(status) {
                let next = attempt + 1;
                let delay = self.inner.retry.delay(next, err.retry_after.as_deref());
                if self.inner.retry.allows(next, waited, delay) && replayable(&req) {
                    self.emit(ClientEvent::Throttled {
                        url: url.to_string(),
                        status,
                        retry_in: delay,
                        attempt: next,
                        max_retries: self.inner.retry.max_retries,
                    });
                    tracing::info!(status, ?delay, attempt = next, url = %url, "retrying");
                    tokio::time::sleep(delay).await;
                    waited += delay;
                    attempt = next;
                    continue;
                }
            }
            return Err(GraphError::Api(Box::new(err)));
        }
    }

    /// Sends a GET.
    pub async fn get(&self, req: GraphRequest) -> Result<GraphResponse, GraphError> {
        self.send(req).await
    }

    /// One HTTP try, recorded.
    async fn attempt(
        &self,
        req: &GraphRequest,
        url: &Url,
        token: &Secret,
        attempt: u32,
    ) -> (
        Result<(u16, Vec<(String, String)>, String), GraphError>,
        Arc<Exchange>,
    ) {
        let crid = uuid::Uuid::new_v4().to_string();
        let mut b = self
            .inner
            .http
            .request(req.method.clone(), url.clone())
            .header("Accept", "application/json")
            .header("client-request-id", &crid);
        for (k, v) in &req.headers {
            if k.eq_ignore_ascii_case("authorization")
                || k.eq_ignore_ascii_case("client-request-id")
            {
                continue;
            }
            b = b.header(k.as_str(), v.as_str());
        }
        if attempt > 0 {
            b = b.header("Retry-Attempt", attempt.to_string());
        }
        let body_text = req.body.as_ref().map(|v| v.to_string());
        if let Some(t) = &body_text {
            b = b.header("Content-Type", "application/json").body(t.clone());
        }
        let mut auth_value =
            reqwest::header::HeaderValue::from_str(&format!("Bearer {}", token.expose()))
                .unwrap_or_else(|_| reqwest::header::HeaderValue::from_static("Bearer invalid"));
        auth_value.set_sensitive(true);
        b = b.header(reqwest::header::AUTHORIZATION, auth_value);
        let started = SystemTime::now();
        let clock = Instant::now();
        let mut ex = Exchange {
            id: self.inner.recorder.next_id(),
            kind: ExchangeKind::Graph,
            started,
            method: req.method.to_string(),
            url: url.to_string(),
            request_headers: Vec::new(),
            request_body: body_text,
            status: None,
            response_headers: Vec::new(),
            response_body: None,
            duration: Duration::ZERO,
            attempt,
            error: None,
            transport_error: None,
            client_request_id: Some(crid),
        };
        let built = match b.build() {
            Ok(r) => r,
            Err(e) => {
                let msg = format!("cannot build the request: {e}");
                ex.transport_error = Some(msg.clone());
                let ex = self.inner.recorder.record(ex);
                return (Err(GraphError::InvalidRequest(msg)), ex);
            }
        };
        ex.request_headers = redact_headers(
            built
                .headers()
                .iter()
                .map(|(k, v)| (k.as_str(), v.to_str().unwrap_or("<binary>"))),
        );
        let result = match self.inner.http.execute(built).await {
            Ok(resp) => {
                let status = resp.status().as_u16();
                let headers: Vec<(String, String)> = resp
                    .headers()
                    .iter()
                    .map(|(k, v)| {
                        (
                            k.as_str().to_string(),
                            String::from_utf8_lossy(v.as_bytes()).into_owned(),
                        )
                    })
                    .collect();
                match resp.bytes().await {
                    Ok(bytes) => {
                        // Usually no copy: the buffer becomes the String when it is UTF-8.
                        let body = match String::from_utf8(Vec::from(bytes)) {
                            Ok(s) => s,
                            Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
                        };
                        ex.status = Some(status);
                        ex.response_headers =
                            redact_headers(headers.iter().map(|(k, v)| (k.as_str(), v.as_str())));
                        ex.response_body = Some(super::recorder::clip_body(&body));
                        if !(200..300).contains(&status) {
                            ex.error = Some(ApiError::from_response(
                                status,
                                &headers,
                                &body,
                                req.method.as_str(),
                                url.as_str(),
                            ));
                        }
                        Ok((status, headers, body))
                    }
                    Err(e) => Err(transport(req, url, &e)),
                }
            }
            Err(e) => Err(transport(req, url, &e)),
        };
        if let Err(e) = &result {
            ex.transport_error = Some(e.to_string());
        }
        ex.duration = clock.elapsed();
        // URLs and statuses only: headers and bodies stay in the recorder (tokens never logged).
        tracing::debug!(
            id = ex.id,
            method = %ex.method,
            url = %ex.url,
            status = ?ex.status,
            attempt,
            ms = ex.duration.as_millis() as u64,
            "graph exchange"
        );
        if let Some(err) = ex.error.as_mut() {
            err.exchange_id = Some(ex.id);
        }
        let ex = self.inner.recorder.record(ex);
        (result, ex)
    }
}

/// GET and HEAD, and the read-only POST actions (`$batch` excluded: its items may write).
fn is_idempotent(req: &GraphRequest, url: &Url) -> bool {
    if req.method == reqwest::Method::GET || req.method == reqwest::Method::HEAD {
        return true;
    }
    let last = url
        .path_segments()
        .and_then(|mut s| s.next_back())
        .unwrap_or("")
        .to_ascii_lowercase();
    let last = last.rsplit('.').next().unwrap_or(&last);
    req.method == reqwest::Method::POST && last != "$batch" && READ_ACTIONS.contains(&last)
}

fn replayable(_req: &GraphRequest) -> bool {
    // Bodies are kept in memory as JSON, so every request can be replayed.
    true
}

fn transport(req: &GraphRequest, url: &Url, e: &reqwest::Error) -> GraphError {
    let mut message = e.to_string();
    let mut src = std::error::Error::source(e);
    while let Some(s) = src {
        message.push_str(": ");
        message.push_str(&s.to_string());
        src = s.source();
    }
    GraphError::Transport {
        method: req.method.to_string(),
        url: url.to_string(),
        message,
        timeout: e.is_timeout(),
    }
}
