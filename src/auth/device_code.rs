//! The device-code flow: ask for a code, show it (with the server's message), poll the token
//! endpoint at the server's interval (slow_down adds 5 s), stop on decline, expiry or a bad code,
//! and stop at once when cancelled. Progress is reported through a channel so the CLI (stderr)
//! and the explorer (a dialog) share one implementation.

use super::error::{AadError, AuthError};
use super::token::{GrantKind, TokenSet};
use super::{Authenticator, oauth};
use oauth2::Scope;
use oauth2::{DeviceAuthorizationResponse, ExtraDeviceAuthorizationFields};
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::time::Duration;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

/// The Microsoft-specific `message` field of the devicecode answer.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct AadDeviceFields {
    #[serde(default)]
    pub message: Option<String>,
}
impl ExtraDeviceAuthorizationFields for AadDeviceFields {}

/// What the device-code flow reports while it runs.
#[derive(Debug, Clone, PartialEq)]
pub enum DeviceCodeEvent {
    /// Show this to the user: open `verification_uri` and enter `user_code`.
    CodeReady {
        user_code: String,
        verification_uri: String,
        /// The server's own instructions.
        message: Option<String>,
        expires_in: Duration,
        interval: Duration,
    },
    /// Waiting before poll number `attempt` (1-based).
    Polling { attempt: u32, next_in: Duration },
    /// The server said slow_down: the interval grew.
    SlowDown { interval: Duration },
    /// Signed in.
    Done {
        account: Option<String>,
        missing_scopes: Vec<String>,
    },
    /// The flow ended without a token.
    Failed { message: String },
}

impl Authenticator {
    /// Runs the device-code flow, reporting to `events`, and caches the tokens.
    /// `scopes` overrides the profile's scopes (incremental consent).
    pub async fn login_device_code(
        &self,
        scopes: Option<Vec<String>>,
        events: mpsc::UnboundedSender<DeviceCodeEvent>,
        cancel: CancellationToken,
    ) -> Result<TokenSet, AuthError> {
        let r = tokio::select! {
            _ = cancel.cancelled() => Err(AuthError::Cancelled),
            r = self.device_flow(scopes, &events) => r,
        };
        match &r {
            Ok(t) => {
                let _ = events.send(DeviceCodeEvent::Done {
                    account: t.account.clone(),
                    missing_scopes: t.missing_scopes(),
                });
            }
            Err(e) => {
                let _ = events.send(DeviceCodeEvent::Failed {
                    message: e.to_string(),
                });
            }
        }
        r
    }

    async fn device_flow(
        &self,
        scopes: Option<Vec<String>>,
        events: &mpsc::UnboundedSender<DeviceCodeEvent>,
    ) -> Result<TokenSet, AuthError> {
        let scopes = scopes.unwrap_or_else(|| self.settings.scopes.clone());
        let client = self.oauth_client(None)?;
        self.http.clear_last_error();
        let http = oauth::http_fn(&self.http);
        let details: DeviceAuthorizationResponse<AadDeviceFields> = client
            .exchange_device_code()
            .add_scopes(scopes.iter().cloned().map(Scope::new))
            .request_async(&http)
            .await
            .map_err(|e| self.map_oauth_error(e, |r| r.error().to_string()))?;
        let _ = events.send(DeviceCodeEvent::CodeReady {
            user_code: details.user_code().secret().to_string(),
            verification_uri: details.verification_uri().to_string(),
            message: details.extra_fields().message.clone(),
            expires_in: details.expires_in(),
            interval: details.interval(),
        });
        let attempt = Arc::new(AtomicU32::new(1));
        let last_interval = Arc::new(AtomicU64::new(details.interval().as_millis() as u64));
        let scale = self.opts.poll_time_scale.clamp(0.0, 10.0);
        let ev = events.clone();
        let sleep = move |d: Duration| {
            let n = attempt.fetch_add(1, Ordering::Relaxed) + 1;
            let prev = last_interval.swap(d.as_millis() as u64, Ordering::Relaxed);
            if d.as_millis() as u64 > prev {
                let _ = ev.send(DeviceCodeEvent::SlowDown { interval: d });
            }
            let _ = ev.send(DeviceCodeEvent::Polling {
                attempt: n,
                next_in: d,
            });
            tokio::time::sleep(d.mul_f64(scale))
        };
        self.http.clear_last_error();
        let resp = client
            .exchange_device_access_token(&details)
            .request_async(&http, sleep, None)
            .await
            .map_err(|e| {
                let e = self.map_oauth_error(e, |r| r.error().as_ref().to_string());
                // The crate stops by itself after expires_in with a synthetic expired_token.
                match e {
                    AuthError::Protocol(s) if s == "expired_token" => {
                        AuthError::Aad(Box::new(AadError {
                            status: 400,
                            error: "expired_token".into(),
                            description: Some(
                                "The device code expired before sign-in finished.".into(),
                            ),
                            codes: vec![],
                            suberror: None,
                            trace_id: None,
                            correlation_id: None,
                            timestamp: None,
                            error_uri: None,
                            raw_body: String::new(),
                        }))
                    }
                    other => other,
                }
            })?;
        let t = oauth::token_set(&resp, scopes, GrantKind::Delegated, None);
        let mut g = self.state.lock().await;
        self.adopt(&mut g, t.clone()).await?;
        Ok(t)
    }
}
