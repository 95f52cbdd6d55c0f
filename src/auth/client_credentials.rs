//! App-only sign-in with a client secret (AZURE_CLIENT_SECRET or one saved in the store),
//! scope `<graph root>/.default`.

use super::error::AuthError;
use super::token::{GrantKind, TokenSet};
use super::{Authenticator, SLOT_SECRET, oauth};
use crate::util::Secret;
use oauth2::Scope;

impl Authenticator {
    /// The client secret: from the environment, else from the store.
    pub async fn client_secret(&self) -> Result<Secret, AuthError> {
        if let Some(s) = &self.settings.client_secret {
            return Ok(s.clone());
        }
        self.store
            .load(&self.key(SLOT_SECRET))
            .await
            .map_err(|e| AuthError::Store(e.to_string()))?
            .ok_or(AuthError::MissingSecret)
    }

    /// Saves a client secret in the store for later app-only sign-ins.
    pub async fn save_client_secret(&self, secret: &Secret) -> Result<(), AuthError> {
        self.store
            .save(&self.key(SLOT_SECRET), secret.clone())
            .await
            .map_err(|e| AuthError::Store(e.to_string()))
    }

    /// Gets an app-only token (without keeping it).
    pub(crate) async fn client_credentials_token(&self) -> Result<TokenSet, AuthError> {
        let secret = self.client_secret().await?;
        let client = self.oauth_client(Some(&secret))?;
        let scope = self.settings.default_scope();
        self.http.clear_last_error();
        let http = oauth::http_fn(&self.http);
        let resp = client
            .exchange_client_credentials()
            .add_scope(Scope::new(scope.clone()))
            .request_async(&http)
            .await
            .map_err(|e| self.map_oauth_error(e, |r| r.error().to_string()))?;
        Ok(oauth::token_set(
            &resp,
            vec![scope],
            GrantKind::AppOnly,
            None,
        ))
    }

    /// Signs in as the application and caches the token.
    pub async fn login_client_credentials(&self) -> Result<TokenSet, AuthError> {
        let t = self.client_credentials_token().await?;
        let mut g = self.state.lock().await;
        self.adopt(&mut g, t.clone()).await?;
        Ok(t)
    }
}
