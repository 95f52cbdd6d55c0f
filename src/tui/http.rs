//! The explorer's [`Backend`] over HTTP: Graph requests with auth, `client-request-id`,
//! retries on 429/503 honouring `Retry-After`, exchange recording; and the device-code flow
//! (RFC 8628 as the identity platform implements it, /work/shared/graph-facts.md §1).

use super::action::{Action, Method, Request};
use super::model::Exchange;
use super::worker::{Backend, Events, Identity, Sent};
use crate::util::Secret;
use futures::future::BoxFuture;
use serde_json::Value;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

/// Most retries of one request after 429/503.
const MAX_RETRIES: u32 = 4;

/// Graph and identity endpoints plus the current token.
pub struct HttpBackend {
    http: reqwest::Client,
    /// Graph root with version, no trailing slash (`https://graph.microsoft.com/v1.0`).
    graph_base: String,
    /// Identity host, no trailing slash.
    authority: String,
    tenant: String,
    client_id: String,
    scopes: Vec<String>,
    token: Arc<RwLock<Option<Secret>>>,
}

impl HttpBackend {
    /// A backend for these endpoints.
    pub fn new(
        graph_root: &str,
        api_version: &str,
        authority: &str,
        tenant: &str,
        client_id: &str,
        scopes: Vec<String>,
        timeout: Duration,
    ) -> HttpBackend {
        let http = reqwest::Client::builder()
            .timeout(timeout)
            .user_agent(concat!("graphtui/", env!("CARGO_PKG_VERSION")))
            .build()
            .unwrap_or_default();
        HttpBackend {
            http,
            graph_base: format!("{}/{api_version}", graph_root.trim_end_matches('/')),
            authority: authority.trim_end_matches('/').to_string(),
            tenant: tenant.to_string(),
            client_id: client_id.to_string(),
            scopes,
            token: Arc::new(RwLock::new(None)),
        }
    }

    fn absolute(&self, url: &str) -> String {
        if url.starts_with("http://") || url.starts_with("https://") {
            url.to_string()
        } else {
            format!("{}{url}", self.graph_base)
        }
    }
}

fn retry_after(headers: &reqwest::header::HeaderMap) -> u64 {
    headers
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(|s| s.trim().parse::<u64>().ok())
        .unwrap_or(5)
        .clamp(1, 120)
}

async fn send_once(
    http: reqwest::Client,
    url: String,
    req: Request,
    token: Option<Secret>,
    events: Events,
) -> Sent {
    let started = Instant::now();
    let client_request_id = uuid::Uuid::new_v4().to_string();
    let mut shown_headers = vec![];
    let mut retries = 0;
    loop {
        let mut rb = match req.method {
            Method::Get => http.get(&url),
            Method::Post => http.post(&url),
        };
        shown_headers.clear();
        if let Some(t) = &token {
            rb = rb.bearer_auth(t.expose());
            shown_headers.push(("Authorization".to_string(), "Bearer <redacted>".to_string()));
        }
        rb = rb.header("client-request-id", &client_request_id);
        shown_headers.push(("client-request-id".into(), client_request_id.clone()));
        for (k, v) in &req.headers {
            rb = rb.header(k, v);
            shown_headers.push((k.clone(), v.clone()));
        }
        if let Some(b) = &req.body {
            rb = rb.json(b);
            shown_headers.push(("Content-Type".into(), "application/json".into()));
        }
        let method = match req.method {
            Method::Get => "GET",
            Method::Post => "POST",
        };
        let mut exchange = Exchange {
            method: method.into(),
            url: url.clone(),
            request_headers: shown_headers.clone(),
            ..Exchange::default()
        };
        match rb.send().await {
            Err(e) => {
                exchange.error = Some(format!("request failed: {e}"));
                exchange.duration_ms = started.elapsed().as_millis() as u64;
                exchange.retries = retries;
                return Sent {
                    exchange,
                    body: None,
                };
            }
            Ok(resp) => {
                let status = resp.status().as_u16();
                if (status == 429 || status == 503) && retries < MAX_RETRIES {
                    let secs = retry_after(resp.headers());
                    let _ = events.send(Action::Throttled(secs));
                    tracing::info!("throttled ({status}) on {url}; retrying in {secs} s");
                    tokio::time::sleep(Duration::from_secs(secs)).await;
                    retries += 1;
                    continue;
                }
                if retries > 0 {
                    let _ = events.send(Action::Throttled(0));
                }
                exchange.status = Some(status);
                exchange.response_headers = resp
                    .headers()
                    .iter()
                    .map(|(k, v)| (k.to_string(), v.to_str().unwrap_or("<binary>").to_string()))
                    .collect();
                let text = resp.text().await.unwrap_or_default();
                let body = serde_json::from_str::<Value>(&text).ok();
                exchange.body = text;
                exchange.duration_ms = started.elapsed().as_millis() as u64;
                exchange.retries = retries;
                return Sent { exchange, body };
            }
        }
    }
}

impl Backend for HttpBackend {
    fn send(&self, req: Request, events: Events) -> BoxFuture<'static, Sent> {
        let url = self.absolute(&req.url);
        let token = self.token.read().ok().and_then(|t| t.clone());
        Box::pin(send_once(self.http.clone(), url, req, token, events))
    }

    fn sign_in(&self, events: Events) -> BoxFuture<'static, Result<Identity, String>> {
        let http = self.http.clone();
        let base = format!("{}/{}/oauth2/v2.0", self.authority, self.tenant);
        let client_id = self.client_id.clone();
        let scope = self.scopes.join(" ");
        let token_slot = self.token.clone();
        let graph = self.graph_base.clone();
        Box::pin(async move {
            let token = device_code(&http, &base, &client_id, &scope, &events).await?;
            if let Ok(mut t) = token_slot.write() {
                *t = Some(token.clone());
            }
            who(&http, &graph, &token, &events).await
        })
    }
}

async fn post_form(
    http: &reqwest::Client,
    url: &str,
    form: &[(&str, &str)],
) -> Result<(u16, Value), String> {
    let resp = http
        .post(url)
        .form(form)
        .send()
        .await
        .map_err(|e| format!("cannot reach {url}: {e}"))?;
    let status = resp.status().as_u16();
    let text = resp.text().await.unwrap_or_default();
    let v = serde_json::from_str(&text)
        .map_err(|_| format!("{url} answered {status} with a body that is not JSON"))?;
    Ok((status, v))
}

fn num(v: &Value, k: &str) -> Option<u64> {
    match v.get(k)? {
        Value::Number(n) => n.as_u64(),
        Value::String(s) => s.parse().ok(),
        _ => None,
    }
}

/// Runs the device-code flow to a token, reporting the code and each poll.
async fn device_code(
    http: &reqwest::Client,
    base: &str,
    client_id: &str,
    scope: &str,
    events: &Events,
) -> Result<Secret, String> {
    let (status, dc) = post_form(
        http,
        &format!("{base}/devicecode"),
        &[("client_id", client_id), ("scope", scope)],
    )
    .await?;
    if status != 200 {
        return Err(aad_message(&dc, status));
    }
    let s = |k: &str| dc.get(k).and_then(Value::as_str).unwrap_or("").to_string();
    let device_code = s("device_code");
    let mut interval = num(&dc, "interval").unwrap_or(5).max(1);
    let expires_in = num(&dc, "expires_in").unwrap_or(900);
    let _ = events.send(Action::SignInCode {
        user_code: s("user_code"),
        verification_uri: s("verification_uri"),
        message: s("message"),
        expires_in,
    });
    let started = Instant::now();
    let mut polls = 0;
    loop {
        tokio::time::sleep(Duration::from_secs(interval)).await;
        if started.elapsed().as_secs() > expires_in {
            return Err("The device code expired. Press Enter to get a new one.".into());
        }
        polls += 1;
        let (status, v) = post_form(
            http,
            &format!("{base}/token"),
            &[
                ("grant_type", "urn:ietf:params:oauth:grant-type:device_code"),
                ("client_id", client_id),
                ("device_code", &device_code),
            ],
        )
        .await?;
        if status == 200 {
            let tok = v
                .get("access_token")
                .and_then(Value::as_str)
                .ok_or("the token response has no access_token")?;
            return Ok(Secret::new(tok));
        }
        match v.get("error").and_then(Value::as_str) {
            Some("authorization_pending") => {
                let _ = events.send(Action::SignInPolled(polls));
            }
            Some("slow_down") => interval += 5,
            _ => return Err(aad_message(&v, status)),
        }
    }
}

fn aad_message(v: &Value, status: u16) -> String {
    let e = v.get("error").and_then(Value::as_str).unwrap_or("error");
    let d = v
        .get("error_description")
        .and_then(Value::as_str)
        .and_then(|d| d.lines().next())
        .unwrap_or("");
    format!("sign-in failed ({status} {e}): {d}")
}

/// Who is signed in, and the tenant's name and id.
async fn who(
    http: &reqwest::Client,
    graph: &str,
    token: &Secret,
    events: &Events,
) -> Result<Identity, String> {
    let get = |url: String| {
        let token = Some(token.clone());
        send_once(http.clone(), url, Request::get(""), token, events.clone())
    };
    let me = get(format!("{graph}/me?$select=displayName,userPrincipalName")).await;
    let account = me
        .body
        .as_ref()
        .and_then(|b| b.get("userPrincipalName").and_then(Value::as_str))
        .unwrap_or("signed in")
        .to_string();
    let org = get(format!("{graph}/organization?$select=id,displayName")).await;
    let first = org
        .body
        .as_ref()
        .and_then(|b| b.get("value"))
        .and_then(Value::as_array)
        .and_then(|a| a.first().cloned());
    Ok(Identity {
        account,
        tenant_name: first
            .as_ref()
            .and_then(|o| o.get("displayName").and_then(Value::as_str))
            .map(str::to_string),
        tenant_id: first
            .as_ref()
            .and_then(|o| o.get("id").and_then(Value::as_str))
            .map(str::to_string),
    })
}
