//! The control API under `/_sandbox/` (real Graph has nothing like it): faults, the
//! request log, device-code approval, token expiry/revocation and reset.

use crate::sandbox::faults::{FaultConfig, FaultState};
use crate::sandbox::scenario::SCENARIOS;
use crate::sandbox::state::AppState;
use axum::http::StatusCode;
use serde_json::{Value, json};

/// Handles a control request; returns status and JSON body.
pub fn handle(app: &AppState, method: &str, path: &str, body: &[u8]) -> (StatusCode, Value) {
    let parsed: Option<Value> = if body.is_empty() {
        None
    } else {
        match serde_json::from_slice(body) {
            Ok(v) => Some(v),
            Err(e) => {
                return (
                    StatusCode::BAD_REQUEST,
                    json!({"error": format!("request body is not JSON: {e}")}),
                );
            }
        }
    };
    match (method, path) {
        ("GET", "/_sandbox") | ("GET", "/_sandbox/") | ("GET", "/_sandbox/info") => {
            let t = &app.tenant;
            (
                StatusCode::OK,
                json!({
                    "tenantId": t.tenant_id,
                    "domain": t.domain,
                    "demoUser": t.users[t.demo_user as usize].user_principal_name,
                    "users": t.users.len(),
                    "groups": t.groups.len(),
                    "scenario": app.scenario.name,
                    "scenarios": SCENARIOS.iter().map(|(n, d)| json!({"name": n, "description": d})).collect::<Vec<_>>(),
                    "apps": crate::sandbox::identity::APPS.iter().map(|a| json!({"appId": a.app_id, "name": a.name, "confidential": a.secret.is_some(), "roles": a.roles})).collect::<Vec<_>>(),
                }),
            )
        }
        ("GET", "/_sandbox/faults") => {
            let m = app.lock();
            (
                StatusCode::OK,
                json!({"config": m.faults.config, "requestsCounted": m.faults.count}),
            )
        }
        ("POST", "/_sandbox/faults") | ("PUT", "/_sandbox/faults") => {
            let cfg: FaultConfig = match parsed.map(serde_json::from_value).transpose() {
                Ok(c) => c.unwrap_or_default(),
                Err(e) => {
                    return (
                        StatusCode::BAD_REQUEST,
                        json!({"error": format!("invalid fault configuration: {e}")}),
                    );
                }
            };
            app.lock().faults = FaultState::new(cfg.clone());
            (StatusCode::OK, json!({"config": cfg}))
        }
        ("DELETE", "/_sandbox/faults") => {
            app.lock().faults = FaultState::new(FaultConfig::default());
            (StatusCode::OK, json!({"config": FaultConfig::default()}))
        }
        ("GET", "/_sandbox/log") => {
            let entries = app.lock().log.entries();
            (StatusCode::OK, json!({ "entries": entries }))
        }
        ("DELETE", "/_sandbox/log") => {
            app.lock().log.clear();
            (StatusCode::OK, json!({}))
        }
        ("POST", "/_sandbox/device/approve") | ("POST", "/_sandbox/device/decline") => {
            let approve = path.ends_with("approve");
            let want_code = parsed
                .as_ref()
                .and_then(|v| v.get("user_code"))
                .and_then(Value::as_str)
                .map(str::to_string);
            let user = match parsed
                .as_ref()
                .and_then(|v| v.get("user"))
                .and_then(Value::as_str)
            {
                Some(u) => match app.tenant.find_user(u) {
                    Some(i) => Some(i),
                    None => {
                        return (
                            StatusCode::NOT_FOUND,
                            json!({"error": format!("no user '{u}' in the sandbox tenant")}),
                        );
                    }
                },
                None => None,
            };
            let mut m = app.lock();
            let mut decided = Vec::new();
            for dc in m.tokens.devices.values_mut() {
                let matches = want_code
                    .as_ref()
                    .is_none_or(|c| c.eq_ignore_ascii_case(&dc.user_code));
                if matches && !dc.finished && dc.decision.is_none() {
                    dc.decision = Some(approve);
                    dc.user = user;
                    decided.push(dc.user_code.clone());
                }
            }
            if decided.is_empty() {
                (
                    StatusCode::NOT_FOUND,
                    json!({"error": "no pending device code matched"}),
                )
            } else {
                (
                    StatusCode::OK,
                    json!({ "decided": decided, "approved": approve }),
                )
            }
        }
        ("POST", "/_sandbox/tokens/expire") => {
            app.lock().tokens.expire_all();
            (StatusCode::OK, json!({"expired": true}))
        }
        ("POST", "/_sandbox/tokens/revoke") => {
            app.lock().tokens.revoke_refresh_tokens();
            (StatusCode::OK, json!({"revoked": true}))
        }
        ("POST", "/_sandbox/reset") => {
            app.reset();
            (StatusCode::OK, json!({"reset": true}))
        }
        _ => (
            StatusCode::NOT_FOUND,
            json!({"error": format!("no control endpoint {method} {path}")}),
        ),
    }
}
