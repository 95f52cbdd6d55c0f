//! The support bundle: what Microsoft support (or a colleague) needs to trace a failed request,
//! as plain text, never with a token or Authorization header.

use super::diagnose::{Headers, parse_graph_error};
use crate::config::Cloud;
use crate::util::sanitize;
use std::io::Write;
use std::path::Path;

/// What goes into a bundle.
#[derive(Debug, Clone, Default)]
pub struct BundleInput<'a> {
    /// HTTP method.
    pub method: &'a str,
    /// Request URL (redacted on output).
    pub url: &'a str,
    /// Request headers sent (only `client-request-id` is read from them).
    pub request_headers: &'a Headers,
    /// Response status, if any.
    pub status: Option<u16>,
    /// Response headers.
    pub response_headers: &'a Headers,
    /// Response body (only the error code and message are taken from it).
    pub body: &'a str,
    /// Tenant id or domain.
    pub tenant: Option<&'a str>,
    /// Cloud.
    pub cloud: Cloud,
    /// Client (app) id.
    pub client_id: Option<&'a str>,
    /// The Graph root actually used, when it is not the cloud's (a sandbox or custom endpoint).
    pub graph_root: Option<&'a str>,
    /// A name for the cloud other than its label (the demo sandbox).
    pub cloud_name: Option<&'a str>,
}

fn header<'a>(h: &'a Headers, name: &str) -> Option<&'a str> {
    h.iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

/// Query parameters whose values are secrets or opaque state.
fn secret_param(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    let n = n.trim_start_matches('$');
    n.contains("token")
        || n.contains("secret")
        || n.contains("password")
        || n == "code"
        || n == "sig"
        || n == "signature"
        || n == "key"
        || n == "client_assertion"
}

/// The URL with secret query values (`$skiptoken`, `$deltatoken`, `access_token`, `sig`, ...)
/// replaced by `REDACTED`; user info (`user:pass@`) removed.
pub fn redact_url(url: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let mut base = base.to_string();
    if let Some(i) = base.find("://") {
        let rest = &base[i + 3..];
        let host_end = rest.find('/').unwrap_or(rest.len());
        if let Some(at) = rest[..host_end].rfind('@') {
            base = format!("{}{}", &base[..i + 3], &rest[at + 1..]);
        }
    }
    let Some(q) = query else {
        return base;
    };
    let parts: Vec<String> = q
        .split('&')
        .map(|p| match p.split_once('=') {
            Some((k, _)) if secret_param(k) => format!("{k}=REDACTED"),
            _ => p.to_string(),
        })
        .collect();
    format!("{base}?{}", parts.join("&"))
}

/// Builds the bundle text.
pub fn support_bundle(input: &BundleInput<'_>) -> String {
    let err = parse_graph_error(input.body);
    let rh = input.response_headers;
    let request_id = header(rh, "request-id")
        .map(str::to_string)
        .or_else(|| err.as_ref().and_then(|e| e.request_id.clone()));
    let client_request_id = header(rh, "client-request-id")
        .or_else(|| header(input.request_headers, "client-request-id"))
        .map(str::to_string)
        .or_else(|| err.as_ref().and_then(|e| e.client_request_id.clone()));
    let date = header(rh, "date")
        .map(str::to_string)
        .or_else(|| err.as_ref().and_then(|e| e.date.clone()));
    let mut lines: Vec<(String, String)> = Vec::new();
    let mut add = |k: &str, v: Option<String>| {
        lines.push((k.to_string(), v.unwrap_or_else(|| "-".into())));
    };
    add(
        "request",
        Some(format!(
            "{} {}",
            input.method.trim().to_ascii_uppercase(),
            redact_url(input.url)
        )),
    );
    add("status", input.status.map(|s| s.to_string()));
    add(
        "error",
        err.as_ref()
            .map(|e| format!("{}: {}", e.code, e.message))
            .or_else(|| identity_error(input.body)),
    );
    add("request-id", request_id);
    add("client-request-id", client_request_id);
    add("date", date);
    add(
        "x-ms-ags-diagnostic",
        header(rh, "x-ms-ags-diagnostic").map(str::to_string),
    );
    if let Some(t) = header(rh, "x-ms-throttle-scope") {
        add("x-ms-throttle-scope", Some(t.to_string()));
    }
    if let Some(t) = header(rh, "retry-after") {
        add("retry-after", Some(t.to_string()));
    }
    add("tenant", input.tenant.map(str::to_string));
    add(
        "cloud",
        Some(format!(
            "{} ({})",
            input.cloud_name.unwrap_or(input.cloud.label()),
            input.graph_root.unwrap_or(input.cloud.graph_root())
        )),
    );
    add("client id", input.client_id.map(str::to_string));
    add("graphtui", Some(env!("CARGO_PKG_VERSION").to_string()));
    let width = lines.iter().map(|(k, _)| k.len()).max().unwrap_or(0) + 1;
    let mut out =
        String::from("graphtui support bundle (contains no token and no Authorization header)\n");
    for (k, v) in lines {
        out.push_str(&format!(
            "{:<width$} {}\n",
            format!("{k}:"),
            sanitize(&v),
            width = width
        ));
    }
    out
}

/// `invalid_grant: AADSTS…` from an identity platform error body (first line of the description).
fn identity_error(body: &str) -> Option<String> {
    let v: serde_json::Value = serde_json::from_str(body).ok()?;
    let e = v.get("error")?.as_str()?;
    let d = v
        .get("error_description")
        .and_then(|d| d.as_str())
        .and_then(|d| d.lines().next())
        .unwrap_or("");
    Some(format!("{e}: {d}"))
}

/// Writes a bundle to a file readable by the owner only (0600 on Unix), replacing it if present.
pub fn write_bundle(path: &Path, text: &str) -> std::io::Result<()> {
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let mut f = opts.open(path)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        f.set_permissions(std::fs::Permissions::from_mode(0o600))?;
    }
    f.write_all(text.as_bytes())?;
    f.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redacts_secret_query_values() {
        assert_eq!(
            redact_url("https://graph.microsoft.com/v1.0/users?$top=5&$skiptoken=X'abc'&sig=1"),
            "https://graph.microsoft.com/v1.0/users?$top=5&$skiptoken=REDACTED&sig=REDACTED"
        );
        assert_eq!(
            redact_url("https://u:p@h.example/a?$deltatoken=1"),
            "https://h.example/a?$deltatoken=REDACTED"
        );
        assert_eq!(redact_url("/me"), "/me");
    }
}
