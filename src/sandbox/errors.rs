//! Error shapes: Graph's `{"error":{code,message,innerError}}` and the identity platform's
//! AADSTS JSON (graph-facts §1.6, §4).

use axum::http::StatusCode;
use serde_json::{Map, Value, json};
use time::OffsetDateTime;
use time::macros::format_description;

/// A Graph error answer, turned into a response (with the request ids) by the server.
#[derive(Debug, Clone)]
pub struct GraphError {
    pub status: StatusCode,
    pub code: String,
    pub message: String,
    /// Extra members of `innerError` (the 429 body has code/message/status there).
    pub inner_extra: Vec<(String, Value)>,
    /// Extra response headers (WWW-Authenticate, Retry-After).
    pub headers: Vec<(&'static str, String)>,
}

impl GraphError {
    /// An error with a status, code and message.
    pub fn new(status: StatusCode, code: &str, message: impl Into<String>) -> Self {
        GraphError {
            status,
            code: code.into(),
            message: message.into(),
            inner_extra: Vec::new(),
            headers: Vec::new(),
        }
    }

    /// Adds a response header.
    pub fn header(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.headers.push((name, value.into()));
        self
    }

    /// 400 `Request_UnsupportedQuery`.
    pub fn unsupported_query(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "Request_UnsupportedQuery", message)
    }

    /// 400 `Request_BadRequest`.
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "Request_BadRequest", message)
    }

    /// 400 `BadRequest` (OData-level errors such as an unknown `$select` property).
    pub fn odata_bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "BadRequest", message)
    }

    /// 404 `Request_ResourceNotFound` for an id, UPN or navigation property.
    pub fn not_found(what: &str) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "Request_ResourceNotFound",
            format!(
                "Resource '{what}' does not exist or one of its queried reference-property objects are not present."
            ),
        )
    }

    /// 403 `Authorization_RequestDenied`.
    pub fn forbidden() -> Self {
        Self::new(
            StatusCode::FORBIDDEN,
            "Authorization_RequestDenied",
            "Insufficient privileges to complete the operation.",
        )
    }

    /// 401 `InvalidAuthenticationToken` with the WWW-Authenticate challenge Graph sends.
    pub fn unauthorized(message: &str) -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "InvalidAuthenticationToken",
            message,
        )
        .header(
            "www-authenticate",
            "Bearer realm=\"\", authorization_uri=\"https://login.microsoftonline.com/common/oauth2/authorize\", client_id=\"00000003-0000-0000-c000-000000000000\"",
        )
    }

    /// 429 `TooManyRequests` with `Retry-After` (graph-facts §9.1).
    pub fn throttled(retry_after: &str, date: &str) -> Self {
        let mut e = Self::new(
            StatusCode::TOO_MANY_REQUESTS,
            "TooManyRequests",
            "Please retry again later.",
        )
        .header("retry-after", retry_after);
        e.inner_extra = vec![
            ("code".into(), json!("429")),
            ("date".into(), json!(date)),
            ("message".into(), json!("Please retry after")),
            ("status".into(), json!("429")),
        ];
        e
    }

    /// 404 for an unknown path segment (Graph's OData router answer).
    pub fn no_route(segment: &str) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "BadRequest",
            format!("Resource not found for the segment '{segment}'."),
        )
    }

    /// 405 for a method a path does not take.
    pub fn method_not_allowed() -> Self {
        Self::new(
            StatusCode::METHOD_NOT_ALLOWED,
            "Request_BadRequest",
            "Specified HTTP method is not allowed for the request target.",
        )
    }

    /// The JSON body with `innerError` {date, request-id, client-request-id, ...}.
    pub fn body(&self, request_id: &str, client_request_id: &str) -> Value {
        let mut inner = Map::new();
        let date = inner_date();
        if self.inner_extra.is_empty() {
            inner.insert("date".into(), json!(date));
            inner.insert("request-id".into(), json!(request_id));
            inner.insert("client-request-id".into(), json!(client_request_id));
        } else {
            for (k, v) in &self.inner_extra {
                inner.insert(k.clone(), v.clone());
            }
            inner.insert("request-id".into(), json!(request_id));
            inner.insert("client-request-id".into(), json!(client_request_id));
        }
        json!({"error": {"code": self.code, "message": self.message, "innerError": inner}})
    }
}

/// `innerError.date`: UTC without a zone suffix, e.g. `2021-05-23T06:39:06`.
pub fn inner_date() -> String {
    OffsetDateTime::now_utc()
        .format(format_description!(
            "[year]-[month]-[day]T[hour]:[minute]:[second]"
        ))
        .unwrap_or_default()
}

/// The AADSTS timestamp form, e.g. `2023-01-05 20:36:23Z`.
pub fn aad_timestamp() -> String {
    OffsetDateTime::now_utc()
        .format(format_description!(
            "[year]-[month]-[day] [hour]:[minute]:[second]Z"
        ))
        .unwrap_or_default()
}

/// An identity-platform error (`{"error":..., "error_description":"AADSTSnnnn: ...", ...}`).
#[derive(Debug, Clone)]
pub struct AadError {
    pub status: StatusCode,
    pub error: &'static str,
    pub code: u32,
    /// The text after `AADSTSnnnn: `, before the trace lines.
    pub text: String,
}

impl AadError {
    /// A 400 error.
    pub fn new(error: &'static str, code: u32, text: impl Into<String>) -> Self {
        AadError {
            status: StatusCode::BAD_REQUEST,
            error,
            code,
            text: text.into(),
        }
    }

    /// With another status (401 for invalid_client).
    pub fn status(mut self, status: StatusCode) -> Self {
        self.status = status;
        self
    }

    /// The body: error_description ends with Trace ID / Correlation ID / Timestamp joined by `\r\n`.
    pub fn body(&self, trace_id: &str, correlation_id: &str) -> Value {
        let ts = aad_timestamp();
        json!({
            "error": self.error,
            "error_description": format!(
                "AADSTS{}: {}\r\nTrace ID: {trace_id}\r\nCorrelation ID: {correlation_id}\r\nTimestamp: {ts}",
                self.code, self.text
            ),
            "error_codes": [self.code],
            "timestamp": ts,
            "trace_id": trace_id,
            "correlation_id": correlation_id,
            "error_uri": format!("https://login.microsoftonline.com/error?code={}", self.code),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn graph_error_shape() {
        let b = GraphError::forbidden().body("r1", "c1");
        assert_eq!(b["error"]["code"], "Authorization_RequestDenied");
        assert_eq!(b["error"]["innerError"]["request-id"], "r1");
        assert_eq!(b["error"]["innerError"]["client-request-id"], "c1");
        let d = b["error"]["innerError"]["date"].as_str().unwrap();
        assert_eq!(d.len(), 19);
        assert!(!d.ends_with('Z'));
    }

    #[test]
    fn aad_error_shape() {
        let b = AadError::new("authorization_pending", 70016, "Pending.").body("t", "c");
        let d = b["error_description"].as_str().unwrap();
        assert!(d.starts_with(
            "AADSTS70016: Pending.\r\nTrace ID: t\r\nCorrelation ID: c\r\nTimestamp: "
        ));
        assert_eq!(b["error_codes"][0], 70016);
        assert!(b["timestamp"].as_str().unwrap().ends_with('Z'));
    }
}
