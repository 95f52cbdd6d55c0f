//! `graphtui login` and `graphtui logout`.

use crate::config::Settings;
use clap::Args;

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
pub async fn run(_settings: &Settings, _args: &LoginArgs) -> u8 {
    eprintln!("graphtui login: sign-in is not built yet (issue 4)");
    super::exit::AUTH
}

/// Runs `logout`; returns the exit code.
pub async fn run_logout(_settings: &Settings) -> u8 {
    eprintln!("graphtui logout: the token cache is not built yet (issue 4)");
    super::exit::AUTH
}
