//! The HTTP front: one handler that routes identity, Graph and control paths, injects
//! faults, adds the headers every Graph response carries, and writes the request log.

use crate::sandbox::control;
use crate::sandbox::errors::{AadError, GraphError, inner_date};
use crate::sandbox::faults::Fault;
use crate::sandbox::graph::{self, GraphRequest, Reply};
use crate::sandbox::identity;
use crate::sandbox::log::{LogEntry, redact_header};
use crate::sandbox::permissions::effective;
use crate::sandbox::state::AppState;
use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::Response;
use serde_json::Value;
use std::sync::Arc;
use std::time::Instant;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// Content-Type of Graph JSON responses.
pub const GRAPH_JSON: &str = "application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8";
/// `x-ms-ags-diagnostic` (graph-facts §4.3 shape).
pub const AGS_DIAGNOSTIC: &str = r#"{"ServerInfo":{"DataCenter":"Sandbox Loopback","Slice":"E","Ring":"5","ScaleUnit":"000","RoleInstance":"SANDBOX000000"}}"#;
const MAX_BODY: usize = 8 * 1024 * 1024;

/// Per-request identifiers and addressing.
#[derive(Clone)]
struct Ctx {
    /// `x-ms-resource-unit` of this request (graph-facts §9.1).
    resource_units: u32,
    request_id: String,
    client_request_id: String,
    client_sent_id: bool,
    base: String,
}

fn fault_name(f: &Fault) -> Option<&'static str> {
    match f {
        Fault::None => None,
        Fault::Drop => Some("drop"),
        Fault::Throttle(_) => Some("throttle"),
        Fault::Unavailable(_) => Some("503"),
        Fault::GatewayTimeout => Some("504"),
        Fault::Truncate => Some("truncate"),
        Fault::Malformed => Some("malformed"),
    }
}

/// The single axum handler.
pub async fn handle(State(app): State<Arc<AppState>>, req: Request) -> Response {
    let started = Instant::now();
    let arrived = OffsetDateTime::now_utc()
        .format(&Rfc3339)
        .unwrap_or_default();
    let (parts, body) = req.into_parts();
    let method = parts.method.as_str().to_string();
    let path = parts.uri.path().to_string();
    let query = parts.uri.query().unwrap_or("").to_string();
    let headers: Vec<(String, String)> = parts
        .headers
        .iter()
        .map(|(k, v)| {
            (
                k.as_str().to_string(),
                String::from_utf8_lossy(v.as_bytes()).into_owned(),
            )
        })
        .collect();
    let header = |name: &str| -> Option<String> {
        headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.clone())
    };
    let request_id = uuid::Uuid::new_v4().to_string();
    let client_sent = header("client-request-id").filter(|s| !s.is_empty());
    let ctx = Ctx {
        resource_units: resource_units(&method, &path, &query),
        client_request_id: client_sent.clone().unwrap_or_else(|| request_id.clone()),
        client_sent_id: client_sent.is_some(),
        request_id,
        base: format!(
            "http://{}",
            header("host").unwrap_or_else(|| "127.0.0.1".to_string())
        ),
    };
    let body = axum::body::to_bytes(body, MAX_BODY)
        .await
        .unwrap_or_default();

    if path == "/_sandbox" || path.starts_with("/_sandbox/") {
        let (status, v) = control::handle(&app, &method, &path, &body);
        let mut resp = Response::new(Body::from(v.to_string()));
        *resp.status_mut() = status;
        resp.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        return resp;
    }

    let is_graph = path.starts_with("/v1.0/") || path.starts_with("/beta/");
    let mut fault = Fault::None;
    let resp = if is_graph {
        let decision = {
            let mut m = app.lock();
            let d = m.faults.decide(&path);
            if d.expire_tokens_now {
                m.tokens.expire_all();
            }
            d
        };
        if decision.latency_ms > 0 {
            tokio::time::sleep(std::time::Duration::from_millis(decision.latency_ms)).await;
        }
        fault = decision.fault.clone();
        let foreign = app.lock().faults.config.foreign_next_link;
        match &decision.fault {
            Fault::Drop => dropped(),
            Fault::Throttle(ra) => {
                let mut e = GraphError::throttled("1", &inner_date());
                e.headers.retain(|(k, _)| *k != "retry-after");
                if let Some(ra) = ra {
                    e = e.header("retry-after", ra.clone());
                }
                let auth = header("authorization");
                let app_id = app
                    .lock()
                    .tokens
                    .validate(auth.as_deref())
                    .map(|g| g.app_id)
                    .unwrap_or_else(|_| "00000000-0000-0000-0000-000000000000".into());
                let rw = if method == "GET" { "Read" } else { "Write" };
                e = e
                    .header(
                        "x-ms-throttle-scope",
                        format!("Tenant_Application/{rw}/{app_id}/{}", app.tenant.tenant_id),
                    )
                    .header("x-ms-throttle-information", "ResourceUnitLimitExceeded");
                graph_error(&ctx, &e)
            }
            Fault::Unavailable(ra) => {
                // 503 body text is [unverified]; the code is from the errors doc.
                let mut e = GraphError::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "serviceNotAvailable",
                    "The service is temporarily unavailable. Please retry later.",
                );
                if let Some(ra) = ra {
                    e = e.header("retry-after", ra.clone());
                }
                graph_error(&ctx, &e)
            }
            Fault::GatewayTimeout => graph_error(
                &ctx,
                &GraphError::new(
                    StatusCode::GATEWAY_TIMEOUT,
                    "UnknownError",
                    "The request timed out.",
                ),
            ),
            _ => {
                // Directory work is CPU-bound (a filter over 100 000 users): keep it off the
                // async workers, which may be shared with the explorer in `--demo`.
                let (app2, ctx2, m2, p2, q2, h2, b2) = (
                    app.clone(),
                    ctx.clone(),
                    method.clone(),
                    path.clone(),
                    query.clone(),
                    headers.clone(),
                    body.clone(),
                );
                let r = tokio::task::spawn_blocking(move || {
                    serve_graph(&app2, &ctx2, &m2, &p2, &q2, &h2, &b2, foreign)
                })
                .await
                .unwrap_or_else(|_| {
                    graph_error(
                        &ctx,
                        &GraphError::new(
                            StatusCode::INTERNAL_SERVER_ERROR,
                            "generalException",
                            "An internal error occurred in the sandbox.",
                        ),
                    )
                });
                match &decision.fault {
                    Fault::Truncate => truncate(r).await,
                    Fault::Malformed => malformed(r).await,
                    _ => r,
                }
            }
        }
    } else {
        serve_identity(&app, &ctx, &method, &path, &body)
    };

    let retry_after = resp
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let entry = LogEntry {
        seq: 0,
        timestamp: arrived,
        method,
        path: if query.is_empty() {
            path
        } else {
            format!("{path}?{query}")
        },
        status: resp.status().as_u16(),
        request_id: ctx.request_id.clone(),
        request_headers: headers
            .iter()
            .map(|(k, v)| (k.clone(), redact_header(k, v)))
            .collect(),
        fault: fault_name(&fault).map(str::to_string),
        retry_after,
        duration_ms: started.elapsed().as_millis() as u64,
    };
    app.lock().log.push(entry);
    resp
}

/// The resource-unit cost of a directory request (graph-facts §9.1 base costs; `$select`
/// costs 1 less, `$expand` 1 more, `$top` under 20 one less; at least 1).
pub fn resource_units(method: &str, path: &str, query: &str) -> u32 {
    let lower = path.to_ascii_lowercase();
    let segs: Vec<&str> = lower.split('/').filter(|s| !s.is_empty()).skip(1).collect();
    let base: i32 = match (method, segs.as_slice()) {
        ("GET", ["users"]) | ("GET", ["applications"]) => 2,
        ("GET", ["groups", _, "members", ..]) => 3,
        ("GET", ["groups", _, "transitivemembers", ..]) => 5,
        ("GET", ["me", "memberof" | "transitivememberof", ..])
        | ("GET", ["users", _, "memberof" | "transitivememberof", ..]) => 2,
        ("POST", [.., "checkmembergroups"]) => 4,
        ("POST", [.., "getmembergroups"]) => 2,
        ("POST", ["directoryobjects", "getbyids"]) => 3,
        ("GET", ["subscribedskus"]) => 3,
        _ => 1,
    };
    let q = crate::sandbox::query::decode(query).to_ascii_lowercase();
    let has = |name: &str| q.split('&').any(|p| p.starts_with(name));
    let mut cost = base;
    if has("$select=") {
        cost -= 1;
    }
    if has("$expand=") {
        cost += 1;
    }
    if q.split('&')
        .find_map(|p| p.strip_prefix("$top="))
        .and_then(|v| v.parse::<u32>().ok())
        .is_some_and(|t| t < 20)
    {
        cost -= 1;
    }
    cost.max(1) as u32
}

fn set(h: &mut HeaderMap, name: &'static str, value: &str) {
    if let Ok(v) = HeaderValue::from_str(value) {
        h.insert(name, v);
    }
}

fn graph_headers(ctx: &Ctx, h: &mut HeaderMap) {
    set(h, "request-id", &ctx.request_id);
    set(h, "client-request-id", &ctx.client_request_id);
    set(h, "x-ms-ags-diagnostic", AGS_DIAGNOSTIC);
    set(h, "strict-transport-security", "max-age=31536000");
    set(h, "odata-version", "4.0");
    set(h, "cache-control", "no-cache");
    set(h, "x-ms-resource-unit", &ctx.resource_units.to_string());
}

fn graph_error(ctx: &Ctx, e: &GraphError) -> Response {
    let body = e.body(&ctx.request_id, &ctx.client_request_id).to_string();
    let mut resp = Response::new(Body::from(body));
    *resp.status_mut() = e.status;
    let h = resp.headers_mut();
    graph_headers(ctx, h);
    set(h, "content-type", "application/json");
    for (k, v) in &e.headers {
        set(h, k, v);
    }
    resp
}

fn graph_ok(ctx: &Ctx, reply: Reply) -> Response {
    let (body, ctype) = match reply {
        Reply::Json(v) => (v.to_string(), GRAPH_JSON),
        Reply::Count(n) => (n.to_string(), "text/plain"),
    };
    let mut resp = Response::new(Body::from(body));
    let h = resp.headers_mut();
    graph_headers(ctx, h);
    set(h, "content-type", ctype);
    resp
}

#[allow(clippy::too_many_arguments)]
fn serve_graph(
    app: &AppState,
    ctx: &Ctx,
    method: &str,
    path: &str,
    query: &str,
    headers: &[(String, String)],
    body: &Bytes,
    foreign_next_link: bool,
) -> Response {
    let auth = headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("authorization"))
        .map(|(_, v)| v.as_str());
    let grant = match app.lock().tokens.validate(auth) {
        Ok(g) => g,
        Err(e) => return graph_error(ctx, &e),
    };
    let (version, rest) = match path.strip_prefix("/v1.0") {
        Some(r) => ("v1.0", r),
        None => ("beta", path.strip_prefix("/beta").unwrap_or(path)),
    };
    let json_body: Option<Value> = if body.is_empty() {
        None
    } else {
        match serde_json::from_slice(body) {
            Ok(v) => Some(v),
            Err(_) => {
                return graph_error(
                    ctx,
                    &GraphError::odata_bad_request(
                        "Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of valid JSON format.",
                    ),
                );
            }
        }
    };
    let req = GraphRequest {
        app,
        held: effective(grant.permissions()),
        grant: &grant,
        method,
        version,
        path: rest,
        query,
        headers,
        body: json_body.as_ref(),
        base: &ctx.base,
        request_id: &ctx.request_id,
        client_request_id: &ctx.client_request_id,
        foreign_next_link,
    };
    match graph::dispatch(&req) {
        Ok(reply) => graph_ok(ctx, reply),
        Err(e) => graph_error(ctx, &e),
    }
}

fn identity_response(ctx: &Ctx, result: Result<Value, AadError>) -> Response {
    let (status, body) = match result {
        Ok(v) => (StatusCode::OK, v),
        Err(e) => (e.status, e.body(&ctx.request_id, &ctx.client_request_id)),
    };
    let mut resp = Response::new(Body::from(body.to_string()));
    *resp.status_mut() = status;
    let h = resp.headers_mut();
    set(h, "content-type", "application/json; charset=utf-8");
    set(h, "cache-control", "no-store, no-cache");
    set(h, "pragma", "no-cache");
    set(h, "x-ms-request-id", &ctx.request_id);
    set(
        h,
        "strict-transport-security",
        "max-age=31536000; includeSubDomains",
    );
    set(h, "x-content-type-options", "nosniff");
    if ctx.client_sent_id {
        set(h, "client-request-id", &ctx.client_request_id);
    }
    resp
}

fn serve_identity(app: &AppState, ctx: &Ctx, method: &str, path: &str, body: &Bytes) -> Response {
    let segs: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    let base = ctx.base.as_str();
    let result = match (method, segs.as_slice()) {
        ("POST", [tenant, "oauth2", "v2.0", "devicecode"]) => {
            identity::devicecode(app, tenant, base, body)
        }
        ("POST", [tenant, "oauth2", "v2.0", "token"]) => identity::token(app, tenant, base, body),
        ("GET", [tenant, "v2.0", ".well-known", "openid-configuration"]) => {
            identity::openid_configuration(app, tenant, base)
        }
        ("GET", [tenant, "discovery", "v2.0", "keys"]) => {
            identity::resolve_tenant(app, tenant).map(|_| serde_json::json!({"keys": []}))
        }
        _ => {
            let e = GraphError::new(
                StatusCode::NOT_FOUND,
                "NotFound",
                format!("The sandbox has no endpoint {method} {path}."),
            );
            return graph_error(ctx, &e);
        }
    };
    identity_response(ctx, result)
}

/// A response whose body fails at once: the client sees the connection end.
fn dropped() -> Response {
    let stream = futures::stream::once(async {
        Err::<Bytes, std::io::Error>(std::io::Error::new(
            std::io::ErrorKind::ConnectionReset,
            "sandbox fault: connection dropped",
        ))
    });
    Response::new(Body::from_stream(stream))
}

/// Keeps status and headers, promises the full length, sends half, then fails.
async fn truncate(resp: Response) -> Response {
    let (parts, body) = resp.into_parts();
    let bytes = axum::body::to_bytes(body, MAX_BODY)
        .await
        .unwrap_or_default();
    let full = bytes.len();
    let half = bytes.slice(0..full / 2);
    // The pause lets the head and the first half reach the client before the failure.
    let stream = futures::stream::unfold(0u8, move |step| {
        let half = half.clone();
        async move {
            match step {
                0 => Some((Ok::<Bytes, std::io::Error>(half), 1)),
                1 => {
                    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                    Some((
                        Err(std::io::Error::new(
                            std::io::ErrorKind::ConnectionReset,
                            "sandbox fault: body truncated",
                        )),
                        2,
                    ))
                }
                _ => None,
            }
        }
    });
    let mut r = Response::from_parts(parts, Body::from_stream(stream));
    set(r.headers_mut(), "content-length", &full.to_string());
    r
}

/// Keeps status and headers, sends only the first half of the body (invalid JSON).
async fn malformed(resp: Response) -> Response {
    let (mut parts, body) = resp.into_parts();
    let bytes = axum::body::to_bytes(body, MAX_BODY)
        .await
        .unwrap_or_default();
    let half = bytes.slice(0..bytes.len() / 2);
    parts.headers.remove(header::CONTENT_LENGTH);
    Response::from_parts(parts, Body::from(half))
}

#[cfg(test)]
mod tests {
    use super::resource_units;

    #[test]
    fn resource_unit_costs() {
        assert_eq!(resource_units("GET", "/v1.0/users", ""), 2);
        assert_eq!(resource_units("GET", "/v1.0/users", "$select=id"), 1);
        assert_eq!(
            resource_units("GET", "/v1.0/groups/x/transitiveMembers", "$top=5"),
            4
        );
        assert_eq!(
            resource_units("GET", "/v1.0/groups/x/members", "$expand=manager"),
            4
        );
        assert_eq!(resource_units("POST", "/v1.0/me/checkMemberGroups", ""), 4);
        assert_eq!(resource_units("GET", "/v1.0/me", "$select=id&$top=1"), 1);
    }
}
