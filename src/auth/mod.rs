//! Sign-in: device code, client credentials, refresh, and the token store.
//!
//! [`Authenticator`] owns one profile's session: it loads the cached token set, renews it
//! silently before expiry, and implements [`TokenProvider`] for the Graph client.

pub mod client_credentials;
pub mod device_code;
pub mod error;
pub mod http;
mod oauth;
pub mod refresh;
pub mod store;
pub mod token;

pub use device_code::DeviceCodeEvent;
pub use error::{AadError, AuthError};
pub use store::{ProfileKey, TokenStore};
pub use token::{Claims, GrantKind, TokenSet};

use crate::config::Settings;
use crate::graph::Recorder;
use crate::util::Secret;
use futures::future::BoxFuture;
use std::sync::Arc;
use std::time::Duration;

/// An access token handed to the Graph client.
#[derive(Debug, Clone)]
pub struct AccessToken {
    pub token: Secret,
    /// Unix seconds.
    pub expires_at: i64,
    /// True when it was just renewed.
    pub refreshed: bool,
    /// Requested scopes the token does not grant (empty when unknown or app-only).
    pub missing_scopes: Vec<String>,
}

impl AccessToken {
    fn from_set(t: &TokenSet, refreshed: bool) -> AccessToken {
        AccessToken {
            token: t.access_token.clone(),
            expires_at: t.expires_at,
            refreshed,
            missing_scopes: t.missing_scopes(),
        }
    }
}

/// Gives the Graph client bearer tokens.
pub trait TokenProvider: Send + Sync {
    /// A valid token, renewed silently when it expires soon.
    fn token(&self) -> BoxFuture<'_, Result<AccessToken, AuthError>>;
    /// Graph refused `rejected` as expired: renew once (unless another task already did).
    fn renew<'a>(&'a self, rejected: &'a Secret) -> BoxFuture<'a, Result<AccessToken, AuthError>>;
    /// The recorder sign-in exchanges go to, so the Graph client can share it.
    fn recorder(&self) -> Option<Recorder> {
        None
    }
    /// Where tokens are cached, for a one-time notice.
    fn store_description(&self) -> Option<String> {
        None
    }
}

/// A fixed token (tests, or a token passed in from elsewhere).
#[derive(Debug, Clone)]
pub struct StaticToken(pub Secret);

impl TokenProvider for StaticToken {
    fn token(&self) -> BoxFuture<'_, Result<AccessToken, AuthError>> {
        let t = AccessToken {
            token: self.0.clone(),
            expires_at: i64::MAX,
            refreshed: false,
            missing_scopes: Vec::new(),
        };
        Box::pin(async move { Ok(t) })
    }
    fn renew<'a>(&'a self, _: &'a Secret) -> BoxFuture<'a, Result<AccessToken, AuthError>> {
        Box::pin(async {
            Err(AuthError::TokenRejected(
                "a fixed token cannot be renewed".into(),
            ))
        })
    }
}

/// Tuning knobs (tests shrink waits).
#[derive(Debug, Clone)]
pub struct AuthOptions {
    /// Renew when the token expires within this.
    pub refresh_margin: Duration,
    /// Multiplies device-code poll waits (1.0 in real use; tests use a small factor).
    pub poll_time_scale: f64,
    /// Recorder for sign-in exchanges (share it with the Graph client).
    pub recorder: Recorder,
}

impl Default for AuthOptions {
    fn default() -> Self {
        AuthOptions {
            refresh_margin: Duration::from_secs(300),
            poll_time_scale: 1.0,
            recorder: Recorder::default(),
        }
    }
}

/// One profile's sign-in session.
pub struct Authenticator {
    pub(crate) settings: Settings,
    pub(crate) store: Arc<dyn TokenStore>,
    pub(crate) http: http::OAuthHttp,
    pub(crate) opts: AuthOptions,
    pub(crate) state: tokio::sync::Mutex<Option<TokenSet>>,
}

impl std::fmt::Debug for Authenticator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Authenticator")
            .field("profile", &self.settings.profile)
            .field("store", &self.store.describe())
            .finish()
    }
}

/// The cache slot for delegated tokens.
pub const SLOT_USER: &str = "user";
/// The cache slot for app-only tokens.
pub const SLOT_APP: &str = "app";
/// The slot holding a client secret saved by `login --client-credentials`.
pub const SLOT_SECRET: &str = "client-secret";

impl Authenticator {
    /// A session for the settings' profile, using `store`.
    pub fn new(
        settings: &Settings,
        store: Arc<dyn TokenStore>,
        opts: AuthOptions,
    ) -> Result<Authenticator, AuthError> {
        let client = reqwest::Client::builder()
            .timeout(settings.timeout)
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("graphtui/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| AuthError::Transport(e.to_string()))?;
        Ok(Authenticator {
            settings: settings.clone(),
            store,
            http: http::OAuthHttp::new(client, opts.recorder.clone()),
            opts,
            state: tokio::sync::Mutex::new(None),
        })
    }

    /// A session using the store chosen by `--token-cache`.
    pub fn from_settings(
        settings: &Settings,
        opts: AuthOptions,
    ) -> Result<Authenticator, AuthError> {
        Authenticator::new(settings, store::store_for(settings), opts)
    }

    /// The store's description (`OS keyring`, `file (/path)`, `memory`).
    pub fn store_description(&self) -> String {
        self.store.describe()
    }

    /// The recorder sign-in exchanges go to.
    pub fn recorder(&self) -> &Recorder {
        self.http.recorder()
    }

    /// The settings this session was made for.
    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    pub(crate) fn key(&self, slot: &str) -> ProfileKey {
        ProfileKey::new(&self.settings, slot)
    }

    /// The current token set: in memory, else from the store (delegated first, then app-only).
    pub async fn current(&self) -> Result<Option<TokenSet>, AuthError> {
        let mut g = self.state.lock().await;
        if g.is_none() {
            *g = self.load_cached().await?;
        }
        Ok(g.clone())
    }

    async fn load_cached(&self) -> Result<Option<TokenSet>, AuthError> {
        for slot in [SLOT_USER, SLOT_APP] {
            if let Some(t) = store::load_tokens(self.store.as_ref(), &self.key(slot))
                .await
                .map_err(|e| AuthError::Store(e.to_string()))?
            {
                return Ok(Some(t));
            }
        }
        Ok(None)
    }

    /// Keeps a new token set in memory and in the store.
    pub(crate) async fn adopt(
        &self,
        g: &mut Option<TokenSet>,
        t: TokenSet,
    ) -> Result<(), AuthError> {
        let slot = match t.kind {
            GrantKind::Delegated => SLOT_USER,
            GrantKind::AppOnly => SLOT_APP,
        };
        // One session per profile: a new sign-in replaces the other kind.
        let other = if slot == SLOT_USER {
            SLOT_APP
        } else {
            SLOT_USER
        };
        let _ = self.store.remove(&self.key(other)).await;
        store::save_tokens(self.store.as_ref(), &self.key(slot), &t)
            .await
            .map_err(|e| AuthError::Store(e.to_string()))?;
        *g = Some(t);
        Ok(())
    }

    /// Removes this profile's tokens (and stored secret) from this session's store.
    pub async fn forget(&self) -> Result<(), AuthError> {
        *self.state.lock().await = None;
        for slot in [SLOT_USER, SLOT_APP, SLOT_SECRET] {
            self.store
                .remove(&self.key(slot))
                .await
                .map_err(|e| AuthError::Store(e.to_string()))?;
        }
        Ok(())
    }

    /// Renews the token set in `g` (refresh token, or client credentials again).
    async fn renew_locked(&self, g: &mut Option<TokenSet>) -> Result<TokenSet, AuthError> {
        let current = g.clone();
        let fresh = match &current {
            Some(t) if t.kind == GrantKind::Delegated => {
                let Some(rt) = t.refresh_token.clone() else {
                    return Err(AuthError::NotSignedIn {
                        profile: self.settings.profile.clone(),
                    });
                };
                self.refresh_with(&rt, t).await?
            }
            Some(_) => self.client_credentials_token().await?,
            None => {
                if self.settings.client_secret.is_some() {
                    self.client_credentials_token().await?
                } else {
                    return Err(AuthError::NotSignedIn {
                        profile: self.settings.profile.clone(),
                    });
                }
            }
        };
        self.adopt(g, fresh.clone()).await?;
        Ok(fresh)
    }
}

impl TokenProvider for Authenticator {
    fn token(&self) -> BoxFuture<'_, Result<AccessToken, AuthError>> {
        Box::pin(async move {
            let mut g = self.state.lock().await;
            if g.is_none() {
                *g = self.load_cached().await?;
            }
            if let Some(t) = g.as_ref()
                && !t.expires_within(self.opts.refresh_margin)
            {
                return Ok(AccessToken::from_set(t, false));
            }
            match self.renew_locked(&mut g).await {
                Ok(t) => Ok(AccessToken::from_set(&t, true)),
                // Renewing early failed but the token still works: use it until it expires.
                Err(e) => match g.as_ref() {
                    Some(t) if t.expires_in() > 30 => {
                        tracing::warn!("early token renewal failed: {e}");
                        Ok(AccessToken::from_set(t, false))
                    }
                    Some(_) => Err(AuthError::RefreshFailed(Box::new(e))),
                    None => Err(e),
                },
            }
        })
    }

    fn renew<'a>(&'a self, rejected: &'a Secret) -> BoxFuture<'a, Result<AccessToken, AuthError>> {
        Box::pin(async move {
            let mut g = self.state.lock().await;
            if let Some(t) = g.as_ref()
                && t.access_token != *rejected
                && !t.expires_within(Duration::ZERO)
            {
                return Ok(AccessToken::from_set(t, false));
            }
            let t = self.renew_locked(&mut g).await?;
            Ok(AccessToken::from_set(&t, true))
        })
    }

    fn recorder(&self) -> Option<Recorder> {
        Some(self.http.recorder().clone())
    }

    fn store_description(&self) -> Option<String> {
        Some(self.store.describe())
    }
}

/// Removes the profile's tokens and stored secret from every store; returns what was done.
pub async fn logout(settings: &Settings, stores: &[Arc<dyn TokenStore>]) -> Vec<String> {
    let mut report = Vec::new();
    for s in stores {
        let mut failed = None;
        for slot in [SLOT_USER, SLOT_APP, SLOT_SECRET] {
            if let Err(e) = s.remove(&ProfileKey::new(settings, slot)).await {
                failed = Some(e);
            }
        }
        report.push(match failed {
            None => format!("removed from {}", s.describe()),
            Some(store::StoreError::NoKeyring(_)) => format!("{}: not available", s.describe()),
            Some(e) => format!("{}: {e}", s.describe()),
        });
    }
    report
}
