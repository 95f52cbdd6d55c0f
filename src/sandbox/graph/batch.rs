//! JSON batching: `POST /$batch` with up to 20 requests, `dependsOn`, and each inner
//! request routed (and permission-checked) like a top-level one.

use super::{GraphRequest, Reply, dispatch};
use crate::sandbox::errors::GraphError;
use axum::http::StatusCode;
use serde_json::{Map, Value, json};
use std::collections::HashMap;

/// Most requests one batch may hold.
pub const MAX_BATCH: usize = 20;

/// Runs a batch.
pub fn run(req: &GraphRequest<'_>) -> Result<Reply, GraphError> {
    if req.method != "POST" {
        return Err(GraphError::method_not_allowed());
    }
    let body = req
        .body
        .ok_or_else(|| GraphError::odata_bad_request("Empty Payload. JSON content expected."))?;
    let requests = body
        .get("requests")
        .and_then(Value::as_array)
        .ok_or_else(|| GraphError::odata_bad_request("Invalid batch payload format."))?;
    if requests.len() > MAX_BATCH {
        // The 20-request limit is documented; this text is [unverified].
        return Err(GraphError::odata_bad_request(
            "Number of batch request steps exceeds the maximum of 20.",
        ));
    }
    let mut ids = Vec::new();
    for r in requests {
        let id = match r.get("id") {
            Some(Value::String(s)) => s.clone(),
            Some(Value::Number(n)) => n.to_string(),
            _ => {
                return Err(GraphError::odata_bad_request(
                    "Invalid batch payload format: every request needs an 'id'.",
                ));
            }
        };
        if ids.contains(&id) {
            return Err(GraphError::odata_bad_request(format!(
                "Batch request ids must be unique; '{id}' is repeated."
            )));
        }
        ids.push(id);
    }
    let mut status_of: HashMap<String, u16> = HashMap::new();
    let mut responses = Vec::new();
    for (r, id) in requests.iter().zip(&ids) {
        let deps: Vec<String> = r
            .get("dependsOn")
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(|d| d.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default();
        let failed_dep = deps
            .iter()
            .any(|d| status_of.get(d).is_none_or(|s| *s >= 400));
        let (status, headers, body) = if failed_dep {
            let e = GraphError::new(
                StatusCode::FAILED_DEPENDENCY,
                "FailedDependency",
                "The request could not be completed because a request it depends on failed.",
            );
            error_parts(&e, req)
        } else {
            run_one(req, r)
        };
        status_of.insert(id.clone(), status);
        let mut resp = Map::new();
        resp.insert("id".into(), json!(id));
        resp.insert("status".into(), json!(status));
        resp.insert("headers".into(), headers);
        resp.insert("body".into(), body);
        responses.push(Value::Object(resp));
    }
    Ok(Reply::Json(json!({ "responses": responses })))
}

fn error_parts(e: &GraphError, req: &GraphRequest<'_>) -> (u16, Value, Value) {
    let mut headers = Map::new();
    headers.insert("Content-Type".into(), json!("application/json"));
    for (k, v) in &e.headers {
        headers.insert(k.to_string(), json!(v));
    }
    (
        e.status.as_u16(),
        Value::Object(headers),
        e.body(req.request_id, req.client_request_id),
    )
}

fn run_one(outer: &GraphRequest<'_>, r: &Value) -> (u16, Value, Value) {
    let method = r
        .get("method")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_ascii_uppercase();
    let url = r.get("url").and_then(Value::as_str).unwrap_or("");
    if method.is_empty() || url.is_empty() {
        return error_parts(
            &GraphError::odata_bad_request(
                "Invalid batch payload format: 'method' and 'url' are required.",
            ),
            outer,
        );
    }
    // Relative URLs ("/users?$top=1" or "users"); an absolute or versioned URL is trimmed.
    let mut rel = url;
    for prefix in ["https://graph.microsoft.com", outer.base] {
        if let Some(x) = rel.strip_prefix(prefix) {
            rel = x;
        }
    }
    let rel = rel.trim_start_matches('/');
    let rel = rel
        .strip_prefix(outer.version)
        .map(|x| x.trim_start_matches('/'))
        .unwrap_or(rel);
    let (path, query) = rel.split_once('?').unwrap_or((rel, ""));
    let path = format!("/{path}");
    if path == "/$batch" {
        return error_parts(
            &GraphError::odata_bad_request("Nested batch requests are not supported."),
            outer,
        );
    }
    let headers: Vec<(String, String)> = r
        .get("headers")
        .and_then(Value::as_object)
        .map(|h| {
            h.iter()
                .map(|(k, v)| {
                    (
                        k.clone(),
                        v.as_str().map_or_else(|| v.to_string(), str::to_string),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    let inner = GraphRequest {
        app: outer.app,
        grant: outer.grant,
        held: outer.held.clone(),
        method: &method,
        version: outer.version,
        path: &path,
        query,
        headers: &headers,
        body: r.get("body"),
        base: outer.base,
        request_id: outer.request_id,
        client_request_id: outer.client_request_id,
        foreign_next_link: outer.foreign_next_link,
    };
    match dispatch(&inner) {
        Ok(Reply::Json(v)) => (
            200,
            json!({"Content-Type": "application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8"}),
            v,
        ),
        Ok(Reply::Count(n)) => (200, json!({"Content-Type": "text/plain"}), json!(n)),
        Err(e) => error_parts(&e, outer),
    }
}
