//! Decoding Graph error bodies for the inspector and status messages, with what each common
//! code usually means (see /work/shared/graph-facts.md §4).

use serde_json::Value;

/// The parts of a Graph error worth showing.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct GraphError {
    pub code: String,
    pub message: String,
    pub request_id: Option<String>,
    pub client_request_id: Option<String>,
    pub date: Option<String>,
}

/// Decodes `{"error": {"code", "message", "innerError": {...}}}` (also `innererror`), or an
/// identity-platform error (`error`, `error_description`).
pub fn decode(body: &str) -> Option<GraphError> {
    let v: Value = serde_json::from_str(body).ok()?;
    let e = v.get("error")?;
    if let Some(code) = e.as_str() {
        return Some(GraphError {
            code: code.to_string(),
            message: v
                .get("error_description")
                .and_then(Value::as_str)
                .unwrap_or("")
                .lines()
                .next()
                .unwrap_or("")
                .to_string(),
            ..GraphError::default()
        });
    }
    let s = |o: &Value, k: &str| o.get(k).and_then(Value::as_str).map(str::to_string);
    let inner = e.get("innerError").or_else(|| e.get("innererror"));
    Some(GraphError {
        code: s(e, "code").unwrap_or_default(),
        message: s(e, "message").unwrap_or_default(),
        request_id: inner.and_then(|i| s(i, "request-id")),
        client_request_id: inner.and_then(|i| s(i, "client-request-id")),
        date: inner.and_then(|i| s(i, "date")),
    })
}

/// What an error code usually means, in one or two sentences.
pub fn meaning(status: u16, code: &str) -> &'static str {
    match code {
        "Authorization_RequestDenied" => {
            "The signed-in account or app lacks a permission (scope / app role) or the directory role this call needs. Delegated access is the intersection of consented scopes and the user's own rights."
        }
        "InvalidAuthenticationToken" => {
            "The access token is missing, expired or for another audience/cloud. Sign in again."
        }
        "Request_ResourceNotFound" | "ResourceNotFound" | "itemNotFound" => {
            "The object does not exist (or is not visible to you). For /manager it means no manager is set."
        }
        "Request_UnsupportedQuery" => {
            "Graph cannot run this query as written. Advanced-only operators need ConsistencyLevel: eventual and $count=true; some properties are not filterable at all."
        }
        "Request_BadRequest" | "BadRequest" | "invalidRequest" => {
            "The request is malformed: check the $filter syntax, property names and value types."
        }
        "TooManyRequests" | "activityLimitReached" => {
            "Throttled: Graph asks clients to wait for Retry-After seconds before trying again."
        }
        "authorization_pending" => "The user has not finished signing in yet.",
        "expired_token" => "The device code expired before sign-in finished. Start again.",
        "authorization_declined" => "The user declined the sign-in.",
        _ => match status {
            401 => "Not authenticated: the token is missing, expired or invalid.",
            403 => "Forbidden: a permission or role is missing.",
            404 => "Not found.",
            429 => "Throttled: wait for Retry-After seconds.",
            500..=599 => "A service-side error; retrying later usually works.",
            _ => "",
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_graph_and_aad_errors() {
        let g = decode(r#"{"error":{"code":"Authorization_RequestDenied","message":"Insufficient privileges to complete the operation.","innerError":{"date":"2021-05-23T06:39:06","request-id":"r1","client-request-id":"c1"}}}"#).unwrap();
        assert_eq!(g.code, "Authorization_RequestDenied");
        assert_eq!(g.request_id.as_deref(), Some("r1"));
        assert_eq!(g.date.as_deref(), Some("2021-05-23T06:39:06"));
        let a = decode(r#"{"error":"expired_token","error_description":"AADSTS70020: expired.\r\nTrace ID: x"}"#).unwrap();
        assert_eq!(a.message, "AADSTS70020: expired.");
        assert!(decode("not json").is_none());
        assert!(!meaning(403, "Authorization_RequestDenied").is_empty());
    }
}
