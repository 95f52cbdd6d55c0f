//! Shared pieces of the OAuth flows: the oauth2 client for a profile, turning token responses
//! into [`TokenSet`]s, and turning oauth2 errors into [`AuthError`]s with the full AADSTS body.

use super::error::{AadError, AuthError};
use super::token::{Claims, GrantKind, TokenSet, now_unix};
use super::{Authenticator, http::HttpError};
use crate::util::Secret;
use oauth2::basic::{BasicClient, BasicTokenResponse};
use oauth2::{
    AuthType, ClientId, ClientSecret, DeviceAuthorizationUrl, EndpointNotSet, EndpointSet,
    ErrorResponse, RequestTokenError, TokenResponse, TokenUrl,
};

/// The oauth2 client with token and device-authorization endpoints set.
pub type AadClient =
    BasicClient<EndpointNotSet, EndpointSet, EndpointNotSet, EndpointNotSet, EndpointSet>;

impl Authenticator {
    /// The oauth2 client for this profile (secret only for app-only).
    pub(crate) fn oauth_client(&self, secret: Option<&Secret>) -> Result<AadClient, AuthError> {
        let token = TokenUrl::new(self.settings.oauth_url("token"))
            .map_err(|e| AuthError::Protocol(format!("token URL: {e}")))?;
        let device = DeviceAuthorizationUrl::new(self.settings.oauth_url("devicecode"))
            .map_err(|e| AuthError::Protocol(format!("devicecode URL: {e}")))?;
        let mut c = BasicClient::new(ClientId::new(self.settings.client_id.clone()))
            .set_auth_type(AuthType::RequestBody)
            .set_token_uri(token)
            .set_device_authorization_url(device);
        if let Some(s) = secret {
            c = c.set_client_secret(ClientSecret::new(s.expose().to_string()));
        }
        Ok(c)
    }

    /// Maps an oauth2 error, using the raw body the adapter kept for AADSTS details.
    pub(crate) fn map_oauth_error<TE: ErrorResponse + 'static>(
        &self,
        e: RequestTokenError<HttpError, TE>,
        error_name: impl Fn(&TE) -> String,
    ) -> AuthError {
        match e {
            RequestTokenError::ServerResponse(r) => {
                let name = error_name(&r);
                if let Some((status, body)) = self.http.last_error()
                    && let Some(a) = AadError::parse(status, &body)
                    && a.error == name
                {
                    return AuthError::Aad(Box::new(a));
                }
                let body = serde_json::to_string(&r).unwrap_or_default();
                match AadError::parse(400, &body) {
                    Some(a) => AuthError::Aad(Box::new(a)),
                    None => AuthError::Protocol(name),
                }
            }
            RequestTokenError::Request(e) => AuthError::Transport(e.0),
            RequestTokenError::Parse(e, body) => {
                let text = String::from_utf8_lossy(&body).into_owned();
                match AadError::parse(400, &text) {
                    Some(a) => AuthError::Aad(Box::new(a)),
                    None => AuthError::Protocol(format!(
                        "cannot read the token response ({e}); body: {}",
                        super::super::graph::recorder::redact_json(&text)
                    )),
                }
            }
            RequestTokenError::Other(s) => AuthError::Protocol(s),
        }
    }
}

/// Builds a token set from a token response.
pub(crate) fn token_set(
    resp: &BasicTokenResponse,
    requested: Vec<String>,
    kind: GrantKind,
    previous_refresh: Option<&Secret>,
) -> TokenSet {
    let access = resp.access_token().secret().to_string();
    let claims = Claims::decode(&access).ok();
    let expires_at = match resp.expires_in() {
        Some(d) => now_unix() + d.as_secs() as i64,
        None => claims
            .as_ref()
            .and_then(|c| c.exp)
            .unwrap_or(now_unix() + 3600),
    };
    let granted = resp
        .scopes()
        .map(|s| s.iter().map(|x| x.to_string()).collect())
        .unwrap_or_default();
    TokenSet {
        access_token: Secret::new(access),
        refresh_token: resp
            .refresh_token()
            .map(|r| Secret::new(r.secret().to_string()))
            .or_else(|| previous_refresh.cloned()),
        expires_at,
        requested_scopes: requested,
        granted_scopes: granted,
        kind,
        account: claims.as_ref().and_then(Claims::account),
        tenant_id: claims.and_then(|c| c.tid),
    }
}

/// The adapter as the closure oauth2 expects; its futures own what they use (Send + 'static).
pub(crate) fn http_fn(
    http: &super::http::OAuthHttp,
) -> impl Fn(
    oauth2::HttpRequest,
) -> futures::future::BoxFuture<'static, Result<oauth2::HttpResponse, HttpError>>
+ Send
+ Sync
+ use<> {
    let http = http.clone();
    move |r| {
        let h = http.clone();
        Box::pin(async move { h.call(r).await })
    }
}
