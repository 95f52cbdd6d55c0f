//! `--demo`: the embedded sandbox tenant, started in this process on 127.0.0.1:0; the
//! settings are pointed at it (authority host and Graph root, its tenant id, a memory-only
//! token cache). Sign-in still goes through the real device-code flow; the sandbox approves
//! by itself after two polls.
//!
//! `GRAPHTUI_DEMO_USERS` (default 500) sizes the tenant and `GRAPHTUI_DEMO_SCENARIO` adds
//! sandbox scenario items (e.g. `throttle=3`), for tests and benchmarks.

use crate::cli::TokenCacheKind;
use crate::config::Settings;
use crate::sandbox::{Sandbox, SandboxConfig};

/// Starts the sandbox and points the settings at it. Keep the returned value alive.
pub async fn start(settings: &mut Settings) -> Result<Sandbox, String> {
    let users = std::env::var("GRAPHTUI_DEMO_USERS")
        .ok()
        .and_then(|s| s.trim().parse::<usize>().ok())
        .unwrap_or(500);
    // Poll every second so the demo sign-in takes seconds, not the default 5 s interval.
    let scenario = match std::env::var("GRAPHTUI_DEMO_SCENARIO") {
        Ok(s) if !s.trim().is_empty() => format!("fast-poll,{}", s.trim()),
        _ => "fast-poll".to_string(),
    };
    let sandbox = Sandbox::start(SandboxConfig {
        port: 0,
        users,
        seed: 42,
        scenario: Some(scenario),
    })
    .await
    .map_err(|e| e.to_string())?;
    let url = url::Url::parse(&sandbox.url()).map_err(|e| e.to_string())?;
    settings.authority_host = url.clone();
    settings.graph_root = url;
    settings.tenant = sandbox.tenant_id();
    settings.token_cache = TokenCacheKind::None;
    settings.profile = "demo".into();
    tracing::info!("demo sandbox at {} ({users} users)", sandbox.url());
    Ok(sandbox)
}

/// The demo's built-in contexts for `:ctx`: (name, what it is).
pub const CONTEXTS: &[(&str, &str)] = &[
    (
        "demo",
        "sandbox · delegated · the default app (User.Read.All, GroupMember.Read.All)",
    ),
    (
        "demo-app",
        "sandbox · app-only (client credentials) · User.Read.All, GroupMember.Read.All, …",
    ),
    (
        "demo-reader",
        "sandbox · app-only (client credentials) · User.ReadBasic.All only: try :groups",
    ),
];

/// Settings for a built-in demo context (`None`: not a demo context's name). The sandbox
/// endpoints stay; the app and its credentials change.
pub fn context(
    current: &Settings,
    sandbox: &Sandbox,
    name: &str,
    tenant: Option<&str>,
) -> Option<Result<Settings, String>> {
    let (client_id, secret) = match name {
        "demo" => (crate::config::DEFAULT_CLIENT_ID, None),
        "demo-app" => (
            crate::sandbox::SANDBOX_APP_ID,
            Some(crate::sandbox::SANDBOX_APP_SECRET),
        ),
        "demo-reader" => (
            crate::sandbox::SANDBOX_LIMITED_APP_ID,
            Some(crate::sandbox::SANDBOX_APP_SECRET),
        ),
        _ => return None,
    };
    if let Some(t) = tenant
        && t != sandbox.tenant_id()
    {
        return Some(Err(format!(
            "the demo sandbox has one tenant ({}); '{t}' is not it",
            sandbox.tenant_id()
        )));
    }
    Some(Ok(Settings {
        profile: name.to_string(),
        client_id: client_id.to_string(),
        client_secret: secret.map(crate::util::Secret::new),
        tenant: sandbox.tenant_id(),
        ..current.clone()
    }))
}
