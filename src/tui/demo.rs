//! `--demo`: the embedded sandbox tenant, started in this process on 127.0.0.1:0.

use crate::config::Settings;

/// Keeps the sandbox running while held.
pub struct Demo;

/// Starts the sandbox and points the settings at it.
pub async fn start(_settings: &mut Settings) -> Result<Demo, String> {
    Err("the sandbox is not available in this build yet".into())
}
