//! Graph errors: the raw body plus the parsed OData error (code, message, request ids, date,
//! the nested `innerError` chain), and the client-side failures around a request.

use serde_json::Value;
use std::fmt;

/// One level of a Graph `innerError` / `innererror` chain.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize)]
pub struct InnerError {
    /// `code`, when this level has one (429 bodies put `"429"` here).
    pub code: Option<String>,
    /// `message`, when present.
    pub message: Option<String>,
    /// `request-id`.
    pub request_id: Option<String>,
    /// `client-request-id`.
    pub client_request_id: Option<String>,
    /// `date` (Graph sends it without a time zone).
    pub date: Option<String>,
}

/// A `details` entry of an OData error.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize)]
pub struct ErrorDetail {
    pub code: Option<String>,
    pub message: Option<String>,
    pub target: Option<String>,
}

/// An error answer from Graph: HTTP status, the raw body, and what could be parsed from it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ApiError {
    /// HTTP status.
    pub status: u16,
    /// `error.code`, e.g. `Authorization_RequestDenied`.
    pub code: Option<String>,
    /// `error.message`.
    pub message: Option<String>,
    /// `error.target`.
    pub target: Option<String>,
    /// `error.details`.
    pub details: Vec<ErrorDetail>,
    /// The `innerError` chain, outermost first (`innerError` and `innererror` both accepted).
    pub inner: Vec<InnerError>,
    /// `request-id` (from the body, else the response header).
    pub request_id: Option<String>,
    /// `client-request-id` (from the body, else the response header, else what we sent).
    pub client_request_id: Option<String>,
    /// `date` from the innerError, else the `Date` response header.
    pub date: Option<String>,
    /// `Retry-After` header, verbatim.
    pub retry_after: Option<String>,
    /// `WWW-Authenticate` header, verbatim (claims challenges, expired tokens).
    pub www_authenticate: Option<String>,
    /// The response body exactly as received (lossy UTF-8).
    pub raw_body: String,
    /// The method and URL of the request (no secrets: URLs never hold tokens).
    pub method: String,
    pub url: String,
    /// Id of the recorded exchange, to open it in the inspector.
    pub exchange_id: Option<u64>,
}

impl ApiError {
    /// Parses an error response. `headers` are the response headers (lower-case names).
    pub fn from_response(
        status: u16,
        headers: &[(String, String)],
        raw_body: &str,
        method: &str,
        url: &str,
    ) -> ApiError {
        let header = |n: &str| {
            headers
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(n))
                .map(|(_, v)| v.clone())
        };
        let mut e = ApiError {
            status,
            code: None,
            message: None,
            target: None,
            details: Vec::new(),
            inner: Vec::new(),
            request_id: None,
            client_request_id: None,
            date: None,
            retry_after: header("retry-after"),
            www_authenticate: header("www-authenticate"),
            raw_body: raw_body.to_string(),
            method: method.to_string(),
            url: url.to_string(),
            exchange_id: None,
        };
        if let Ok(Value::Object(root)) = serde_json::from_str::<Value>(raw_body)
            && let Some(Value::Object(err)) = root.get("error")
        {
            let s = |v: Option<&Value>| v.and_then(Value::as_str).map(str::to_string);
            e.code = s(err.get("code"));
            e.message = s(err.get("message"));
            e.target = s(err.get("target"));
            if let Some(Value::Array(ds)) = err.get("details") {
                e.details = ds
                    .iter()
                    .map(|d| ErrorDetail {
                        code: s(d.get("code")),
                        message: s(d.get("message")),
                        target: s(d.get("target")),
                    })
                    .collect();
            }
            let mut level = inner_of(err);
            let mut depth = 0;
            while let Some(Value::Object(ie)) = level {
                e.inner.push(InnerError {
                    code: s(ie.get("code")),
                    message: s(ie.get("message")),
                    request_id: s(ie.get("request-id")),
                    client_request_id: s(ie.get("client-request-id")),
                    date: s(ie.get("date")),
                });
                depth += 1;
                if depth > 32 {
                    break;
                }
                level = inner_of(ie);
            }
        }
        e.request_id = e
            .inner
            .iter()
            .find_map(|i| i.request_id.clone())
            .or_else(|| header("request-id"));
        e.client_request_id = e
            .inner
            .iter()
            .find_map(|i| i.client_request_id.clone())
            .or_else(|| header("client-request-id"));
        e.date = e
            .inner
            .iter()
            .find_map(|i| i.date.clone())
            .or_else(|| header("date"));
        e
    }

    /// True for a 401 that says the token expired (worth one refresh and a replay).
    pub fn is_expired_token(&self) -> bool {
        if self.status != 401 {
            return false;
        }
        let msg = self.message.as_deref().unwrap_or("").to_ascii_lowercase();
        let www = self
            .www_authenticate
            .as_deref()
            .unwrap_or("")
            .to_ascii_lowercase();
        self.code.as_deref() == Some("InvalidAuthenticationToken")
            && (msg.contains("expired")
                || msg.contains("lifetime")
                || msg.contains("not yet valid"))
            || www.contains("expired")
    }
}

fn inner_of(obj: &serde_json::Map<String, Value>) -> Option<&Value> {
    obj.get("innerError").or_else(|| obj.get("innererror"))
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Graph answered {} ", self.status)?;
        match (&self.code, &self.message) {
            (Some(c), Some(m)) => write!(f, "{c}: {m}")?,
            (Some(c), None) => write!(f, "{c}")?,
            (None, Some(m)) => write!(f, "{m}")?,
            (None, None) => write!(f, "(no error body)")?,
        }
        if let Some(r) = &self.request_id {
            write!(f, " (request-id {r}")?;
            if let Some(d) = &self.date {
                write!(f, ", date {d}")?;
            }
            write!(f, ")")?;
        }
        Ok(())
    }
}

/// Everything that can go wrong with a Graph request.
#[derive(Debug, Clone, thiserror::Error)]
pub enum GraphError {
    /// Graph answered with an HTTP error.
    #[error("{0}")]
    Api(Box<ApiError>),
    /// Signing in is needed (no token, refresh failed, or the token was refused twice).
    #[error("sign-in needed: {0}")]
    SignIn(crate::auth::AuthError),
    /// The request never got an answer (connection, TLS, timeout).
    #[error("{method} {url}: {message}")]
    Transport {
        method: String,
        url: String,
        message: String,
        timeout: bool,
    },
    /// A URL (pasted, or an `@odata.nextLink`) points outside the configured Graph root: the token
    /// is not sent there.
    #[error(
        "refused to send the access token to {url}: it is not on the configured Graph root {root} (scheme, host and port must match)"
    )]
    ForeignOrigin { url: String, root: String },
    /// An `@odata.nextLink` pointed to a page already fetched.
    #[error("paging stopped: @odata.nextLink {url} was already fetched (a loop)")]
    NextLinkLoop { url: String },
    /// The answer was not what Graph should send (e.g. not JSON).
    #[error("{url}: unexpected response: {message}")]
    Decode { url: String, message: String },
    /// The request could not be built.
    #[error("invalid request: {0}")]
    InvalidRequest(String),
    /// Refused locally because the session is read-only.
    #[error("{method} {url} refused: read-only mode is on (use --read-only=false to allow writes)")]
    ReadOnly { method: String, url: String },
    /// Cancelled by the caller.
    #[error("cancelled")]
    Cancelled,
}

impl GraphError {
    /// The parsed Graph error, when Graph answered.
    pub fn api(&self) -> Option<&ApiError> {
        match self {
            GraphError::Api(e) => Some(e),
            _ => None,
        }
    }
    /// The CLI exit code: 3 for sign-in problems (including a 401 from Graph), 2 for a request
    /// that could not be built, 1 otherwise.
    pub fn exit_code(&self) -> u8 {
        match self {
            GraphError::SignIn(_) => crate::cli::exit::AUTH,
            GraphError::Api(a) if a.status == 401 => crate::cli::exit::AUTH,
            GraphError::InvalidRequest(_) => crate::cli::exit::USAGE,
            _ => crate::cli::exit::FAILURE,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_camel_and_lower_inner_error_and_nesting() {
        let body = r#"{"error":{"code":"Authorization_RequestDenied","message":"Insufficient privileges to complete the operation.","innerError":{"date":"2021-05-23T06:39:06","request-id":"799a","client-request-id":"c1","innererror":{"code":"deeper","message":"m2"}}}}"#;
        let e = ApiError::from_response(403, &[], body, "GET", "https://g/v1.0/users");
        assert_eq!(e.code.as_deref(), Some("Authorization_RequestDenied"));
        assert_eq!(e.request_id.as_deref(), Some("799a"));
        assert_eq!(e.client_request_id.as_deref(), Some("c1"));
        assert_eq!(e.date.as_deref(), Some("2021-05-23T06:39:06"));
        assert_eq!(e.inner.len(), 2);
        assert_eq!(e.inner[1].code.as_deref(), Some("deeper"));
        assert_eq!(e.raw_body, body);
        assert!(e.to_string().contains("Insufficient privileges"));
    }

    #[test]
    fn falls_back_to_headers_and_survives_garbage() {
        let h = vec![
            ("request-id".to_string(), "rid".to_string()),
            (
                "date".to_string(),
                "Wed, 25 Nov 2026 04:00:00 GMT".to_string(),
            ),
            ("retry-after".to_string(), "2.5".to_string()),
        ];
        let e = ApiError::from_response(503, &h, "<html>oops", "GET", "u");
        assert_eq!(e.code, None);
        assert_eq!(e.request_id.as_deref(), Some("rid"));
        assert_eq!(e.retry_after.as_deref(), Some("2.5"));
        assert_eq!(e.raw_body, "<html>oops");
    }

    #[test]
    fn expired_token_is_recognised() {
        let body = r#"{"error":{"code":"InvalidAuthenticationToken","message":"Lifetime validation failed, the token is expired."}}"#;
        assert!(ApiError::from_response(401, &[], body, "GET", "u").is_expired_token());
        let body = r#"{"error":{"code":"InvalidAuthenticationToken","message":"CompactToken parsing failed with error code: 80049217"}}"#;
        assert!(!ApiError::from_response(401, &[], body, "GET", "u").is_expired_token());
    }
}
