//! Renewing a delegated session with its refresh token (the new refresh token replaces the old).

use super::error::AuthError;
use super::token::{GrantKind, TokenSet};
use super::{Authenticator, oauth};
use crate::util::Secret;
use oauth2::{RefreshToken, Scope};

impl Authenticator {
    /// Exchanges a refresh token for a new token set, asking for the same scopes.
    pub(crate) async fn refresh_with(
        &self,
        refresh_token: &Secret,
        current: &TokenSet,
    ) -> Result<TokenSet, AuthError> {
        let client = self.oauth_client(None)?;
        let rt = RefreshToken::new(refresh_token.expose().to_string());
        self.http.clear_last_error();
        let http = oauth::http_fn(&self.http);
        let resp = client
            .exchange_refresh_token(&rt)
            .add_scopes(current.requested_scopes.iter().cloned().map(Scope::new))
            .request_async(&http)
            .await
            .map_err(|e| self.map_oauth_error(e, |r| r.error().to_string()))?;
        tracing::info!("access token renewed with the refresh token");
        let mut t = oauth::token_set(
            &resp,
            current.requested_scopes.clone(),
            GrantKind::Delegated,
            Some(refresh_token),
        );
        if t.account.is_none() {
            t.account = current.account.clone();
        }
        Ok(t)
    }
}
