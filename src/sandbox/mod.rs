//! The sandbox tenant: an embedded emulator of the Microsoft identity platform (v2.0
//! endpoints) and Graph's directory API, served on loopback for tests, benchmarks and
//! `graphtui --demo`. It is for testing and demos, **not a security boundary**: its tokens
//! are unsigned, its app secret is published below, and it trusts every loopback caller.
//!
//! # Starting it
//! - `graphtui sandbox serve [--port P] [--users N] [--seed S] [--scenario NAME]` prints
//!   one line `READY http://127.0.0.1:P` when listening and serves until Ctrl-C.
//! - In process: [`Sandbox::start`] with a [`SandboxConfig`]; [`Sandbox::url`] is both the
//!   authority host and the Graph root.
//!
//! # Addresses (all under [`Sandbox::url`])
//! - Identity: `/{tenant}/oauth2/v2.0/devicecode`, `/{tenant}/oauth2/v2.0/token`,
//!   `/{tenant}/v2.0/.well-known/openid-configuration`. `{tenant}` is the tenant GUID
//!   ([`Sandbox::tenant_id`]), `contoso-sandbox.onmicrosoft.com`, `common` or
//!   `organizations`; anything else answers AADSTS90002.
//! - Graph: `/v1.0/...` and `/beta/...` (me, users, groups, their relationships, casts,
//!   `/$count`, getMemberGroups/checkMemberGroups, directoryObjects/getByIds, delta,
//!   `$batch`).
//! - Control (no real-Graph equivalent): `/_sandbox/...`, below.
//!
//! # Clients
//! - `14d82eec-204b-4c2f-b7e8-296a70dab67e` (Microsoft Graph Command Line Tools): public
//!   client, device code and refresh token, no secret. Delegated scopes asked for are
//!   granted (Graph short names or `https://graph.microsoft.com/X`; `.default` gives
//!   User.Read, User.ReadBasic.All, User.Read.All, Group.Read.All, GroupMember.Read.All,
//!   Directory.Read.All, Device.Read.All, Application.Read.All).
//! - `5a4db0c5-0000-4000-8000-000000000001` "graphtui Sandbox Daemon": confidential,
//!   secret `graphtui-sandbox-secret`, client credentials with scope
//!   `<sandbox url>/.default` or `https://graph.microsoft.com/.default`; app roles
//!   User.Read.All, Group.Read.All, GroupMember.Read.All, Directory.Read.All,
//!   Device.Read.All, Application.Read.All.
//! - `5a4db0c5-0000-4000-8000-000000000002` "graphtui Sandbox Reader": same secret, only
//!   User.ReadBasic.All (for 403 tests).
//!
//! # The tenant
//! Deterministic from the seed: N users (at least 25) in a manager tree 6 wide (100 000
//! users are 7 levels deep), guests with `#EXT#` UPNs and shared accounts without a
//! manager at the end; names with non-Latin, right-to-left, emoji, apostrophe
//! (`sean.o'brien@…`), very long and bidi-override text. The demo user
//! `megan.bowen@contoso-sandbox.onmicrosoft.com` (Director of Engineering) has a manager,
//! reports, the User Administrator and Global Reader roles, and sits at the bottom of a
//! 6-level nested group chain ("Nest L1" ⊃ … ⊃ "Nest L6"). Groups: "All Employees"
//! (dynamic, every member), department groups (dynamic), team Microsoft 365 groups,
//! project groups (some nested), a mail-enabled security group, a distribution list,
//! empty groups, a role-assignable group, groups holding devices / service principals.
//!
//! # Scenarios (`--scenario a,b=N,...`)
//! | item | effect |
//! |---|---|
//! | `default` | device code approved as the demo user after two `authorization_pending` polls |
//! | `manual-approve` | pending until `POST /_sandbox/device/approve` or `/decline` |
//! | `slow-down` | first poll `slow_down`, then pending, then approved |
//! | `declined` | pending, then `authorization_declined` |
//! | `expired-code` | every poll `expired_token` |
//! | `bad-verification-code` | every poll `bad_verification_code` |
//! | `pending-polls=N` | approve after N pending polls |
//! | `fast-poll` | devicecode announces `interval` 1 (default 5) |
//! | `sign-in-as=UPN` | device codes are approved as that user (`guest`: the first guest) |
//! | `short-lived-tokens`, `token-lifetime=N` | access tokens live 60 s / N s (default 3599) |
//! | `limited-scopes`, `scopes=A+B` | delegated tokens carry only User.Read / the listed scopes |
//! | `refresh-expired` | refresh tokens fail: `invalid_grant` AADSTS700082 |
//! | `throttle[=N]`, `throttle-fractional` | 429 every Nth (3) Graph request, Retry-After 1 / 2.128 |
//! | `flaky` | seeded 10 % 503, 5 % 504 |
//! | `slow`, `latency=MS` | added latency (250 ms) |
//! | `expire-mid-paging[=N]` | every token issued so far expires after N (2) Graph requests |
//! | `foreign-next-link` | `@odata.nextLink` points at `https://graph.evil.example` |
//! | `truncated[=N]`, `malformed[=N]`, `drop[=N]` | every Nth (4) body cut short / invalid JSON / connection dropped |
//!
//! # Control API
//! - `GET /_sandbox` – tenant id, domain, demo user, counts, scenarios, apps.
//! - `POST /_sandbox/faults` – replace runtime faults (JSON, every field optional):
//!   `{"throttle_every":N, "retry_after":2 | 2.128 | null, "status_503_every":N,
//!   "status_504_every":N, "status_503_rate":0.1, "status_504_rate":0.05, "latency_ms":N,
//!   "truncate_every":N, "malformed_every":N, "drop_every":N, "expire_tokens_after":N,
//!   "foreign_next_link":true, "seed":N, "path_prefix":"/v1.0/users"}`. "Every Nth"
//!   counts Graph requests from this call on; rates are drawn from a PRNG seeded by `seed`.
//!   `GET` shows them, `DELETE` clears them.
//! - `GET /_sandbox/log` – `{"entries":[{seq, timestamp, method, path, status,
//!   request_id, request_headers (Authorization redacted), fault, retry_after,
//!   duration_ms}]}` (control calls are not logged); `DELETE` clears it.
//! - `POST /_sandbox/device/approve` / `decline` – decide pending device codes; optional
//!   JSON `{"user_code":"…","user":"upn or id"}` (default: all pending, as the demo user).
//! - `POST /_sandbox/tokens/expire` – every access token issued so far expires.
//! - `POST /_sandbox/tokens/revoke` – every refresh token is revoked (AADSTS50173).
//! - `POST /_sandbox/reset` – forget tokens, device codes, the log and runtime faults.

pub mod control;
pub mod errors;
pub mod faults;
pub mod graph;
pub mod identity;
pub mod log;
pub mod permissions;
pub mod query;
pub mod rng;
pub mod scenario;
pub mod server;
pub mod state;
pub mod tenant;
pub mod tokens;

use state::AppState;
use std::net::SocketAddr;
use std::sync::Arc;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

pub use identity::{PUBLIC_CLIENT_ID, SANDBOX_APP_ID, SANDBOX_APP_SECRET, SANDBOX_LIMITED_APP_ID};
pub use scenario::Scenario;

/// How to start a sandbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SandboxConfig {
    /// Port on 127.0.0.1; 0 picks a free one.
    pub port: u16,
    /// Number of users (at least 25 are generated).
    pub users: usize,
    /// Seed of the synthetic tenant.
    pub seed: u64,
    /// Scenario items, e.g. `manual-approve,throttle=5` (see the module docs).
    pub scenario: Option<String>,
}

impl Default for SandboxConfig {
    fn default() -> Self {
        SandboxConfig {
            port: 0,
            users: 500,
            seed: 42,
            scenario: None,
        }
    }
}

/// Why a sandbox could not start.
#[derive(Debug, thiserror::Error)]
pub enum SandboxError {
    /// The scenario string names something unknown or has a bad value.
    #[error("{0}")]
    Scenario(String),
    /// The port could not be bound.
    #[error("cannot listen on 127.0.0.1:{port}: {source}")]
    Bind {
        port: u16,
        #[source]
        source: std::io::Error,
    },
}

/// A running sandbox tenant.
pub struct Sandbox {
    addr: SocketAddr,
    state: Arc<AppState>,
    stop: Option<oneshot::Sender<()>>,
    task: JoinHandle<()>,
}

impl std::fmt::Debug for Sandbox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sandbox").field("addr", &self.addr).finish()
    }
}

impl Sandbox {
    /// Generates the tenant, binds 127.0.0.1:port and spawns the server task.
    pub async fn start(cfg: SandboxConfig) -> Result<Sandbox, SandboxError> {
        let scenario = Scenario::parse(cfg.scenario.as_deref()).map_err(SandboxError::Scenario)?;
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", cfg.port))
            .await
            .map_err(|source| SandboxError::Bind {
                port: cfg.port,
                source,
            })?;
        let addr = listener.local_addr().map_err(|source| SandboxError::Bind {
            port: cfg.port,
            source,
        })?;
        let (users, seed) = (cfg.users, cfg.seed);
        let tenant = tokio::task::spawn_blocking(move || tenant::generate(users, seed))
            .await
            .unwrap_or_else(|_| tenant::generate(users, seed));
        let state = Arc::new(AppState::new(tenant, scenario));
        let app = axum::Router::new()
            .fallback(server::handle)
            .with_state(state.clone());
        let (tx, rx) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app)
                .with_graceful_shutdown(async {
                    let _ = rx.await;
                })
                .await;
        });
        Ok(Sandbox {
            addr,
            state,
            stop: Some(tx),
            task,
        })
    }

    /// `http://127.0.0.1:P`: the authority host and the Graph root.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The tenant's GUID.
    pub fn tenant_id(&self) -> String {
        self.state.tenant.tenant_id.clone()
    }

    /// The tenant's domain (`contoso-sandbox.onmicrosoft.com`), also accepted as `{tenant}`.
    pub fn domain(&self) -> String {
        self.state.tenant.domain.clone()
    }

    /// The user device-code sign-ins are approved as.
    pub fn demo_user_upn(&self) -> String {
        let t = &self.state.tenant;
        t.users[t.demo_user as usize].user_principal_name.clone()
    }

    /// Stops accepting connections and waits for the server task to end.
    pub async fn shutdown(mut self) {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
        let _ = (&mut self.task).await;
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
    }
}
