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
    tracing::info!("demo sandbox at {} ({users} users)", sandbox.url());
    Ok(sandbox)
}
