//! `graphtui login` and `graphtui logout`.

use crate::auth::store::all_stores;
use crate::auth::{AuthError, AuthOptions, Authenticator, DeviceCodeEvent, GrantKind, TokenSet};
use crate::cli::TokenCacheKind;
use crate::config::Settings;
use clap::Args;
use std::io::Write;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

/// Options for `login`.
#[derive(Debug, Clone, Args)]
pub struct LoginArgs {
    /// Sign in as a user with the device-code flow (the default).
    #[arg(long, conflicts_with = "client_credentials")]
    pub device_code: bool,
    /// Sign in as the application (app-only) with AZURE_CLIENT_SECRET or a secret in the keyring.
    #[arg(long)]
    pub client_credentials: bool,
}

/// Runs `login`; returns the exit code.
pub async fn run(settings: &Settings, args: &LoginArgs) -> u8 {
    if settings.demo {
        eprintln!(
            "graphtui login: --demo needs no sign-in: every command signs in to its own sandbox tenant by itself"
        );
        return super::exit::OK;
    }
    if settings.token_cache == TokenCacheKind::None {
        eprintln!(
            "graphtui login: note: --token-cache none keeps nothing, so this sign-in ends with the command"
        );
    }
    let auth = match Authenticator::from_settings(settings, AuthOptions::default()) {
        Ok(a) => a,
        Err(e) => {
            eprintln!("graphtui login: {e}");
            return super::exit::AUTH;
        }
    };
    let cancel = CancellationToken::new();
    let c = cancel.clone();
    tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            c.cancel();
        }
    });
    let mut err = std::io::stderr();
    login_with(&auth, args, cancel, &mut err).await
}

/// Prints a device-code event to `err` (the same words the explorer shows).
pub fn describe_event(e: &DeviceCodeEvent) -> Option<String> {
    Some(match e {
        DeviceCodeEvent::CodeReady {
            user_code,
            verification_uri,
            message,
            ..
        } => {
            let m = message.clone().unwrap_or_else(|| {
                format!("To sign in, use a web browser to open the page {verification_uri} and enter the code {user_code} to authenticate.")
            });
            format!(
                "{}\nCode: {user_code}   URL: {verification_uri}\nWaiting for you to finish signing in (Ctrl-C to cancel)...",
                crate::util::sanitize(&m)
            )
        }
        DeviceCodeEvent::SlowDown { interval } => format!(
            "The identity platform asked to slow down; polling every {} s.",
            interval.as_secs()
        ),
        DeviceCodeEvent::Polling { .. } => return None,
        DeviceCodeEvent::Done { .. } | DeviceCodeEvent::Failed { .. } => return None,
    })
}

/// The summary printed after a successful sign-in.
pub fn signed_in_summary(t: &TokenSet, store: &str) -> String {
    let mut s = match t.kind {
        GrantKind::Delegated => format!(
            "Signed in as {}",
            t.account.as_deref().unwrap_or("(unknown account)")
        ),
        GrantKind::AppOnly => format!(
            "Signed in as the application {}",
            t.account.as_deref().unwrap_or("(unknown app)")
        ),
    };
    if let Some(tid) = &t.tenant_id {
        s.push_str(&format!(" (tenant {tid})"));
    }
    s.push_str(&format!(
        ".\nToken expires in {} min. Tokens are cached in: {store}.",
        (t.expires_in().max(0) + 59) / 60
    ));
    let missing = t.missing_scopes();
    if !missing.is_empty() {
        s.push_str(&format!(
            "\nWarning: the tenant granted fewer permissions than asked for. Missing: {}. graphtui keeps working with what was granted; views that need these will say so.",
            missing.join(", ")
        ));
    }
    s
}

/// Runs the sign-in with an existing session, writing progress to `err`.
pub async fn login_with(
    auth: &Authenticator,
    args: &LoginArgs,
    cancel: CancellationToken,
    err: &mut (dyn Write + Send),
) -> u8 {
    let result = if args.client_credentials {
        let r = auth.login_client_credentials().await;
        if r.is_ok()
            && let Some(secret) = &auth.settings().client_secret
            && auth.settings().token_cache != TokenCacheKind::None
        {
            match auth.save_client_secret(secret).await {
                Ok(()) => {
                    let _ = writeln!(
                        err,
                        "The client secret was saved in {} for later app-only sign-ins.",
                        auth.store_description()
                    );
                }
                Err(e) => {
                    let _ = writeln!(err, "Warning: the client secret was not saved: {e}");
                }
            }
        }
        r
    } else {
        let (tx, mut rx) = mpsc::unbounded_channel();
        let flow = auth.login_device_code(None, tx, cancel);
        tokio::pin!(flow);
        loop {
            tokio::select! {
                r = &mut flow => {
                    while let Ok(e) = rx.try_recv() {
                        if let Some(line) = describe_event(&e) { let _ = writeln!(err, "{line}"); }
                    }
                    break r;
                }
                Some(e) = rx.recv() => {
                    if let Some(line) = describe_event(&e) {
                        let _ = writeln!(err, "{line}");
                    }
                }
            }
        }
    };
    match result {
        Ok(t) => {
            let _ = writeln!(err, "{}", signed_in_summary(&t, &auth.store_description()));
            super::exit::OK
        }
        Err(AuthError::Cancelled) => {
            let _ = writeln!(err, "graphtui login: cancelled.");
            super::exit::AUTH
        }
        Err(e) => {
            let _ = writeln!(err, "graphtui login: {e}");
            super::exit::AUTH
        }
    }
}

/// Runs `logout`; returns the exit code.
pub async fn run_logout(settings: &Settings) -> u8 {
    let report = crate::auth::logout(settings, &all_stores(settings)).await;
    for line in &report {
        eprintln!("graphtui logout: {line}");
    }
    eprintln!(
        "graphtui logout: signed out of profile '{}'.",
        settings.profile
    );
    super::exit::OK
}
