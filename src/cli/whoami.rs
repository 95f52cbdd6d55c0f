//! `graphtui whoami`.

use crate::auth::{AuthOptions, Authenticator, GrantKind, TokenProvider};
use crate::config::Settings;
use clap::Args;
use serde_json::json;
use std::io::Write;

/// Options for `whoami`.
#[derive(Debug, Clone, Args)]
pub struct WhoamiArgs {
    /// Output format.
    #[arg(long, short, value_enum, default_value = "text")]
    pub output: super::OutputFormat,
}

/// Names of well-known Entra role template ids (as seen in `wids`).
pub fn role_name(template_id: &str) -> Option<&'static str> {
    // Built-in role template ids from the Entra "built-in roles" reference page [well known;
    // verify against https://learn.microsoft.com/entra/identity/role-based-access-control/permissions-reference].
    Some(match template_id.to_ascii_lowercase().as_str() {
        "62e90394-69f5-4237-9190-012177145e10" => "Global Administrator",
        "f2ef992c-3afb-46b9-b7cf-a126ee74c451" => "Global Reader",
        "fe930be7-5e62-47db-91af-98c3a49a38b1" => "User Administrator",
        "fdd7a751-b60b-444a-984c-02652fe8fa1c" => "Groups Administrator",
        "88d8e3e3-8f55-4a1e-953a-9b9898b8876b" => "Directory Readers",
        "9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3" => "Application Administrator",
        "158c047a-c907-4556-b7ef-446551a6b5f7" => "Cloud Application Administrator",
        "e8611ab8-c189-46e8-94e1-60213ab1f814" => "Privileged Role Administrator",
        "729827e3-9c14-49f7-bb1b-9608f156bbb8" => "Helpdesk Administrator",
        "194ae4cb-b126-40b2-bd5b-6091b380977d" => "Security Administrator",
        "5d6b6bb7-de71-4623-b4af-96380a352509" => "Security Reader",
        "c4e39bd9-1100-46d3-8c65-fb160da0071f" => "Authentication Administrator",
        "b79fbf4d-3ef9-4689-8143-76b194e85509" => "User (default member role)",
        _ => return None,
    })
}

/// Runs `whoami`; returns the exit code.
pub async fn run(settings: &Settings, args: &WhoamiArgs) -> u8 {
    let mut out = std::io::stdout();
    let mut err = std::io::stderr();
    if settings.demo {
        return match super::get::demo_session(settings).await {
            Ok((_sandbox, _s, auth)) => whoami_with(&auth, args, &mut out, &mut err).await,
            Err(e) => {
                eprintln!("graphtui whoami: {e}");
                super::exit::FAILURE
            }
        };
    }
    let auth = match Authenticator::from_settings(settings, AuthOptions::default()) {
        Ok(a) => a,
        Err(e) => {
            eprintln!("graphtui whoami: {e}");
            return super::exit::AUTH;
        }
    };
    whoami_with(&auth, args, &mut out, &mut err).await
}

/// `whoami` over an existing session.
pub async fn whoami_with(
    auth: &Authenticator,
    args: &WhoamiArgs,
    out: &mut (dyn Write + Send),
    err: &mut (dyn Write + Send),
) -> u8 {
    // Renew silently when needed, so the expiry shown is real.
    if let Err(e) = auth.token().await {
        let _ = writeln!(err, "graphtui whoami: {e}");
        return super::exit::AUTH;
    }
    let t = match auth.current().await {
        Ok(Some(t)) => t,
        Ok(None) => {
            let _ = writeln!(
                err,
                "graphtui whoami: not signed in for profile '{}': run `graphtui login`",
                auth.settings().profile
            );
            return super::exit::AUTH;
        }
        Err(e) => {
            let _ = writeln!(err, "graphtui whoami: {e}");
            return super::exit::AUTH;
        }
    };
    let s = auth.settings();
    let claims = t.claims().unwrap_or_default();
    let kind = match t.kind {
        GrantKind::Delegated => "delegated",
        GrantKind::AppOnly => "app-only",
    };
    let expires = time::OffsetDateTime::from_unix_timestamp(t.expires_at)
        .ok()
        .and_then(|d| {
            d.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_else(|| t.expires_at.to_string());
    let permissions: Vec<String> = if claims.scp.is_empty() && claims.roles.is_empty() {
        t.granted_scopes.clone()
    } else if t.kind == GrantKind::AppOnly {
        claims.roles.clone()
    } else {
        claims.scp.clone()
    };
    let roles: Vec<serde_json::Value> = claims
        .wids
        .iter()
        .map(|w| json!({"templateId": w, "name": role_name(w)}))
        .collect();
    let missing = t.missing_scopes();
    let v = json!({
        "profile": s.profile,
        "account": t.account.clone().or_else(|| claims.account()),
        "name": claims.name,
        "objectId": claims.oid,
        "appId": claims.appid,
        "tenantId": t.tenant_id.clone().or(claims.tid.clone()),
        "tenant": s.tenant,
        "cloud": s.cloud.name(),
        "graphRoot": crate::config::endpoint::origin_string(&s.graph_root),
        "kind": kind,
        "expiresAt": expires,
        "expiresInSeconds": t.expires_in(),
        (if t.kind == GrantKind::AppOnly { "roles" } else { "scopes" }): permissions,
        "directoryRoles": roles,
        "missingScopes": missing,
        "tokenStore": auth.store_description(),
    });
    let text = match args.output {
        super::OutputFormat::Json | super::OutputFormat::Ndjson => {
            if matches!(args.output, super::OutputFormat::Ndjson) {
                v.to_string()
            } else {
                serde_json::to_string_pretty(&v).unwrap_or_default()
            }
        }
        _ => {
            let mut lines = vec![
                format!(
                    "Account:      {}",
                    v["account"].as_str().unwrap_or("(unknown)")
                ),
                format!(
                    "Tenant:       {} (profile tenant: {})",
                    v["tenantId"].as_str().unwrap_or("(unknown)"),
                    s.tenant
                ),
                format!(
                    "Cloud:        {} ({})",
                    s.cloud.label(),
                    v["graphRoot"].as_str().unwrap_or("")
                ),
                format!("Sign-in:      {kind}, client id {}", s.client_id),
                format!(
                    "Expires:      {expires} (in {} min)",
                    (t.expires_in().max(0) + 59) / 60
                ),
                format!(
                    "{:<14}{}",
                    if t.kind == GrantKind::AppOnly {
                        "Roles:"
                    } else {
                        "Scopes:"
                    },
                    if permissions.is_empty() {
                        "(none)".into()
                    } else {
                        permissions.join(" ")
                    }
                ),
            ];
            if !claims.wids.is_empty() {
                lines.push("Directory roles (wids):".into());
                for w in &claims.wids {
                    lines.push(format!(
                        "  {w}  {}",
                        role_name(w).unwrap_or("(role template not in graphtui's list)")
                    ));
                }
            }
            if !missing.is_empty() {
                lines.push(format!("Not granted:  {}", missing.join(" ")));
            }
            lines.push(format!("Token store:  {}", auth.store_description()));
            lines
                .into_iter()
                .map(|l| crate::util::sanitize(&l))
                .collect::<Vec<_>>()
                .join("\n")
        }
    };
    let _ = writeln!(out, "{text}");
    super::exit::OK
}
