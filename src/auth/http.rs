//! The HTTP adapter between the `oauth2` crate (which speaks `http` types) and reqwest 0.13.
//! It is also where sign-in exchanges are recorded, with secrets and tokens redacted, and where
//! the last raw error body is kept so AADSTS details are never lost.

use crate::graph::recorder::{
    Exchange, ExchangeKind, Recorder, redact_form, redact_headers, redact_json,
};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

/// A transport failure talking to the identity platform.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{0}")]
pub struct HttpError(pub String);

/// reqwest behind oauth2's request/response types.
#[derive(Clone)]
pub struct OAuthHttp {
    client: reqwest::Client,
    recorder: Recorder,
    last_error: Arc<Mutex<Option<(u16, String)>>>,
}

impl OAuthHttp {
    /// An adapter over a reqwest client, recording into `recorder`.
    pub fn new(client: reqwest::Client, recorder: Recorder) -> OAuthHttp {
        OAuthHttp {
            client,
            recorder,
            last_error: Arc::new(Mutex::new(None)),
        }
    }

    /// The recorder sign-in exchanges go to.
    pub fn recorder(&self) -> &Recorder {
        &self.recorder
    }

    /// The status and raw body of the most recent error answer.
    pub fn last_error(&self) -> Option<(u16, String)> {
        self.last_error.lock().ok().and_then(|g| g.clone())
    }

    /// Forgets the last error (call before a new flow).
    pub fn clear_last_error(&self) {
        if let Ok(mut g) = self.last_error.lock() {
            *g = None;
        }
    }

    /// Sends one oauth2 request.
    pub async fn call(&self, req: oauth2::HttpRequest) -> Result<oauth2::HttpResponse, HttpError> {
        let (parts, body) = req.into_parts();
        let url = parts.uri.to_string();
        let crid = uuid::Uuid::new_v4().to_string();
        let req_body_text = String::from_utf8_lossy(&body).into_owned();
        let mut ex = Exchange {
            id: self.recorder.next_id(),
            kind: ExchangeKind::Identity,
            started: SystemTime::now(),
            method: parts.method.to_string(),
            url: url.clone(),
            request_headers: redact_headers(
                parts
                    .headers
                    .iter()
                    .map(|(k, v)| (k.as_str(), v.to_str().unwrap_or("<binary>")))
                    .chain([("client-request-id", crid.as_str())]),
            ),
            request_body: (!body.is_empty()).then(|| redact_form(&req_body_text)),
            status: None,
            response_headers: Vec::new(),
            response_body: None,
            duration: Duration::ZERO,
            attempt: 0,
            error: None,
            transport_error: None,
            client_request_id: Some(crid.clone()),
        };
        let clock = Instant::now();
        let sent = self
            .client
            .request(parts.method.clone(), &url)
            .headers(parts.headers.clone())
            .header("client-request-id", &crid)
            .body(body)
            .send()
            .await;
        let result = match sent {
            Ok(resp) => {
                let status = resp.status();
                let headers = resp.headers().clone();
                match resp.bytes().await {
                    Ok(bytes) => {
                        let text = String::from_utf8_lossy(&bytes).into_owned();
                        ex.status = Some(status.as_u16());
                        ex.response_headers = redact_headers(
                            headers
                                .iter()
                                .map(|(k, v)| (k.as_str(), v.to_str().unwrap_or("<binary>"))),
                        );
                        ex.response_body = Some(redact_json(&text));
                        if !status.is_success()
                            && let Ok(mut g) = self.last_error.lock()
                        {
                            *g = Some((status.as_u16(), text));
                        }
                        let mut b = oauth2::http::Response::builder().status(status);
                        if let Some(h) = b.headers_mut() {
                            *h = headers;
                        }
                        b.body(bytes.to_vec())
                            .map_err(|e| HttpError(format!("bad response: {e}")))
                    }
                    Err(e) => Err(HttpError(chain(&e))),
                }
            }
            Err(e) => Err(HttpError(chain(&e))),
        };
        if let Err(e) = &result {
            ex.transport_error = Some(e.0.clone());
        }
        ex.duration = clock.elapsed();
        self.recorder.record(ex);
        result
    }
}

/// An error and its sources on one line.
pub fn chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut src = e.source();
    while let Some(x) = src {
        s.push_str(": ");
        s.push_str(&x.to_string());
        src = x.source();
    }
    s
}
