//! The explorer's [`Backend`] over the crate's [`GraphClient`] and [`Authenticator`]: requests
//! with auth, retries and recording done by the client; the device-code flow by auth. Client
//! events (throttling, connection retries) are forwarded to the UI as actions.

use super::action::{Action, Method, Request};
use super::model::Exchange;
use super::worker::{Backend, Events, Identity, Sent};
use crate::auth::{Authenticator, DeviceCodeEvent};
use crate::graph::{ClientEvent, GraphClient, GraphError, GraphRequest};
use futures::future::BoxFuture;
use serde_json::Value;
use std::sync::Arc;

/// Graph client + sign-in session.
pub struct GraphBackend {
    client: GraphClient,
    auth: Arc<Authenticator>,
    /// The tasks forwarding recorder and client events; stopped when the backend goes (a
    /// context switch), since the recorder outlives it.
    forwarders: Vec<tokio::task::AbortHandle>,
}

impl Drop for GraphBackend {
    fn drop(&mut self) {
        for h in &self.forwarders {
            h.abort();
        }
    }
}

impl GraphBackend {
    /// A backend; throttling events of `client` are forwarded to `events` from now on.
    pub fn new(client: GraphClient, auth: Arc<Authenticator>, events: Events) -> GraphBackend {
        // Every exchange the client records (each retry, sign-in requests when the recorder is
        // shared with auth) goes to the inspector; `update` drops ids it already has.
        let mut recorded = client.recorder().subscribe();
        let ex_events = events.clone();
        let recorded_task = tokio::spawn(async move {
            loop {
                match recorded.recv().await {
                    Ok(x) => {
                        if ex_events
                            .send(Action::Exchanged(Box::new(convert(&x, true))))
                            .is_err()
                        {
                            return;
                        }
                    }
                    Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => continue,
                    Err(_) => return,
                }
            }
        });
        let mut rx = client.events();
        let events_task = tokio::spawn(async move {
            while let Ok(e) = rx.recv().await {
                let action = match e {
                    ClientEvent::Throttled { retry_in, .. } => {
                        Action::Throttled(retry_in.as_secs_f64().ceil().max(1.0) as u64)
                    }
                    ClientEvent::Retrying {
                        reason,
                        retry_in,
                        attempt,
                        max_retries,
                        ..
                    } => Action::Status(format!(
                        "connection failed ({reason}); retrying in {:.1} s (retry {attempt} of {max_retries})",
                        retry_in.as_secs_f64()
                    )),
                    _ => continue,
                };
                if events.send(action).is_err() {
                    return;
                }
            }
        });
        GraphBackend {
            client,
            auth,
            forwarders: vec![recorded_task.abort_handle(), events_task.abort_handle()],
        }
    }
}

/// The inspector's copy of a recorded exchange; `with_body: false` leaves the body out (the
/// recorder's own copy already went to the inspector).
fn convert(x: &crate::graph::Exchange, with_body: bool) -> Exchange {
    Exchange {
        id: x.id,
        method: x.method.clone(),
        url: x.url.clone(),
        request_headers: x.request_headers.clone(),
        status: x.status,
        response_headers: x.response_headers.clone(),
        body: if with_body {
            x.response_body.clone().unwrap_or_default()
        } else {
            String::new()
        },
        duration_ms: x.duration.as_millis() as u64,
        retries: x.attempt,
        error: x.transport_error.clone(),
        diagnosis: None,
    }
}

impl Backend for GraphBackend {
    fn send(&self, req: Request, events: Events) -> BoxFuture<'static, Sent> {
        let client = self.client.clone();
        let auth = self.auth.clone();
        Box::pin(async move {
            let method = match req.method {
                Method::Get => reqwest::Method::GET,
                Method::Post => reqwest::Method::POST,
            };
            let greq = GraphRequest {
                method: method.clone(),
                url: req.url.clone(),
                headers: req.headers.clone(),
                body: req.body.clone(),
            };
            let r = client.send(greq).await;
            let id = match &r {
                Ok(resp) => Some(resp.exchange_id),
                Err(GraphError::Api(e)) => e.exchange_id,
                Err(_) => None,
            };
            let recorded = id.and_then(|id| client.recorder().get(id));
            let mut exchange = match &recorded {
                // A success needs no body copy: the parsed body travels in `Sent`.
                Some(x) => convert(x, r.is_err()),
                None => Exchange {
                    method: method.to_string(),
                    url: req.url.clone(),
                    request_headers: req.headers.clone(),
                    ..Exchange::default()
                },
            };
            if exchange.retries > 0 {
                let _ = events.send(Action::Throttled(0));
            }
            match r {
                Ok(resp) => {
                    let body = serde_json::from_str::<Value>(&resp.body).ok();
                    if body.is_none() {
                        // Not JSON: the failure message quotes it.
                        exchange.body = resp.body;
                    }
                    Sent { exchange, body }
                }
                Err(GraphError::Api(e)) => {
                    if exchange.status.is_none() {
                        exchange.status = Some(e.status);
                        exchange.body = e.raw_body.clone();
                    }
                    // The permission doctor, offline: the token's claims against what the
                    // request needs, and the catalogue's reading of the error.
                    let claims = auth
                        .current()
                        .await
                        .ok()
                        .flatten()
                        .and_then(|t| crate::doctor::Claims::from_token_set(&t));
                    let d = crate::doctor::diagnose(
                        &exchange.method,
                        &exchange.url,
                        claims.as_ref(),
                        Some((e.status, &exchange.response_headers, &exchange.body)),
                    );
                    exchange.diagnosis = Some(d.to_brief_text());
                    Sent {
                        exchange,
                        body: None,
                    }
                }
                Err(e) => {
                    exchange.error = Some(e.to_string());
                    Sent {
                        exchange,
                        body: None,
                    }
                }
            }
        })
    }

    fn batch(
        &self,
        reqs: Vec<Request>,
        _events: Events,
    ) -> BoxFuture<'static, Vec<Result<Value, String>>> {
        let client = self.client.clone();
        Box::pin(async move {
            let greqs = reqs
                .into_iter()
                .map(|r| GraphRequest {
                    method: reqwest::Method::GET,
                    url: r.url,
                    headers: r.headers,
                    body: None,
                })
                .collect();
            client
                .batch(greqs)
                .await
                .into_iter()
                .map(|r| {
                    r.map_err(|e| e.to_string())
                        .and_then(|resp| resp.json().map_err(|e| e.to_string()))
                })
                .collect()
        })
    }

    fn claims(&self) -> BoxFuture<'static, Option<crate::doctor::Claims>> {
        let auth = self.auth.clone();
        Box::pin(async move {
            let t = auth.current().await.ok().flatten()?;
            crate::doctor::Claims::from_token_set(&t)
        })
    }

    fn token(&self) -> BoxFuture<'static, Result<Vec<String>, String>> {
        let auth = self.auth.clone();
        Box::pin(async move {
            let t = auth.current().await.map_err(|e| e.to_string())?;
            let claims = t.as_ref().and_then(crate::doctor::Claims::from_token_set);
            let now = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_secs() as i64);
            Ok(super::token_view::token_lines(claims.as_ref(), now))
        })
    }

    fn sign_in(&self, events: Events) -> BoxFuture<'static, Result<Identity, String>> {
        let auth = self.auth.clone();
        let client = self.client.clone();
        Box::pin(async move {
            let cached = auth.current().await.ok().flatten();
            let usable = cached
                .as_ref()
                .is_some_and(|t| t.expires_in() > 60 || t.refresh_token.is_some());
            let app_only = |id: &str| format!("app {id} (app-only)");
            let account = if usable {
                cached.and_then(|t| match t.kind {
                    crate::auth::token::GrantKind::AppOnly => {
                        Some(app_only(&auth.settings().client_id))
                    }
                    crate::auth::token::GrantKind::Delegated => t.account,
                })
            } else if auth.settings().client_secret.is_some() {
                // A client secret in the environment (or the demo's app context): app-only.
                auth.login_client_credentials()
                    .await
                    .map_err(|e| e.to_string())?;
                Some(app_only(&auth.settings().client_id))
            } else {
                let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
                let fwd_events = events.clone();
                let fwd = tokio::spawn(async move {
                    while let Some(e) = rx.recv().await {
                        let a = match e {
                            DeviceCodeEvent::CodeReady {
                                user_code,
                                verification_uri,
                                message,
                                expires_in,
                                ..
                            } => Action::SignInCode {
                                message: message.unwrap_or_else(|| {
                                    format!("Open {verification_uri} and enter {user_code}.")
                                }),
                                user_code,
                                verification_uri,
                                expires_in: expires_in.as_secs(),
                            },
                            DeviceCodeEvent::Polling { attempt, .. } => {
                                Action::SignInPolled(attempt.saturating_sub(1))
                            }
                            _ => continue,
                        };
                        let _ = fwd_events.send(a);
                    }
                });
                let cancel = tokio_util::sync::CancellationToken::new();
                let r = auth.login_device_code(None, tx, cancel).await;
                fwd.abort();
                r.map_err(|e| e.to_string())?.account
            };
            let org = client
                .get(GraphRequest::get("/organization?$select=id,displayName"))
                .await
                .ok()
                .and_then(|r| r.json().ok());
            let first = org
                .as_ref()
                .and_then(|v| v.get("value"))
                .and_then(Value::as_array)
                .and_then(|a| a.first().cloned());
            let s = |k: &str| {
                first
                    .as_ref()
                    .and_then(|o| o.get(k))
                    .and_then(Value::as_str)
                    .map(str::to_string)
            };
            // Without /organization (not readable, or not served), name the tenant by the
            // account's domain and take its id from the token.
            let token_tid = auth
                .current()
                .await
                .ok()
                .flatten()
                .and_then(|t| t.tenant_id);
            let domain = account
                .as_deref()
                .and_then(|a| a.split_once('@'))
                .map(|(_, d)| d.to_string());
            Ok(Identity {
                account: account.unwrap_or_else(|| "signed in".into()),
                tenant_name: s("displayName").or(domain),
                tenant_id: s("id").or(token_tid),
            })
        })
    }
}
