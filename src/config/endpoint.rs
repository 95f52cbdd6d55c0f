//! Validation of endpoint URLs given on the command line, in the environment or in a profile.

use url::Url;

/// Why an endpoint URL was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EndpointError {
    #[error("'{0}' is not a valid URL")]
    Invalid(String),
    #[error(
        "'{0}' uses plain http: only https is allowed, except for a loopback address (http://127.0.0.1:PORT, http://localhost:PORT, http://[::1]:PORT) used for local testing"
    )]
    PlainHttp(String),
    #[error("'{0}' must use https")]
    Scheme(String),
    #[error(
        "'{0}' must be a bare origin (scheme, host and optional port) with no path, query or fragment"
    )]
    NotOrigin(String),
}

/// True when the host is a loopback address or `localhost`.
pub fn is_loopback_host(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        None => false,
    }
}

/// Parses an endpoint root (authority host or Graph root): https anywhere, plain http only on loopback.
/// A trailing slash is accepted; a path, query or fragment is refused.
pub fn parse_endpoint(raw: &str) -> Result<Url, EndpointError> {
    let trimmed = raw.trim();
    let url = Url::parse(trimmed).map_err(|_| EndpointError::Invalid(raw.to_string()))?;
    match url.scheme() {
        "https" => {}
        "http" if is_loopback_host(&url) => {}
        "http" => return Err(EndpointError::PlainHttp(raw.to_string())),
        _ => return Err(EndpointError::Scheme(raw.to_string())),
    }
    if url.host().is_none()
        || !(url.path() == "/" || url.path().is_empty())
        || url.query().is_some()
        || url.fragment().is_some()
        || !url.username().is_empty()
        || url.password().is_some()
    {
        return Err(EndpointError::NotOrigin(raw.to_string()));
    }
    Ok(url)
}

/// The origin as a string without a trailing slash, e.g. `https://graph.microsoft.com`.
pub fn origin_string(url: &Url) -> String {
    url.as_str().trim_end_matches('/').to_string()
}

/// True when `candidate` has the same scheme, host and port as `root`.
pub fn same_origin(root: &Url, candidate: &Url) -> bool {
    root.scheme() == candidate.scheme()
        && root.host_str().map(|h| h.to_ascii_lowercase())
            == candidate.host_str().map(|h| h.to_ascii_lowercase())
        && root.port_or_known_default() == candidate.port_or_known_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn https_and_loopback_http_are_accepted() {
        assert!(parse_endpoint("https://graph.microsoft.com").is_ok());
        assert!(parse_endpoint("https://graph.microsoft.com/").is_ok());
        assert!(parse_endpoint("http://127.0.0.1:8080").is_ok());
        assert!(parse_endpoint("http://localhost:1234").is_ok());
        assert!(parse_endpoint("http://[::1]:99").is_ok());
    }

    #[test]
    fn other_plain_http_and_paths_are_refused() {
        assert!(matches!(
            parse_endpoint("http://graph.microsoft.com"),
            Err(EndpointError::PlainHttp(_))
        ));
        assert!(matches!(
            parse_endpoint("http://10.0.0.1:80"),
            Err(EndpointError::PlainHttp(_))
        ));
        assert!(matches!(
            parse_endpoint("https://graph.microsoft.com/v1.0"),
            Err(EndpointError::NotOrigin(_))
        ));
        assert!(matches!(
            parse_endpoint("ftp://x"),
            Err(EndpointError::Scheme(_))
        ));
        assert!(matches!(
            parse_endpoint("not a url"),
            Err(EndpointError::Invalid(_))
        ));
    }

    #[test]
    fn same_origin_compares_scheme_host_and_port() {
        let root = Url::parse("https://graph.microsoft.com").unwrap();
        assert!(same_origin(
            &root,
            &Url::parse("https://GRAPH.microsoft.com:443/v1.0/users").unwrap()
        ));
        assert!(!same_origin(
            &root,
            &Url::parse("https://graph.microsoft.com:8443/v1.0").unwrap()
        ));
        assert!(!same_origin(
            &root,
            &Url::parse("http://graph.microsoft.com/v1.0").unwrap()
        ));
        assert!(!same_origin(
            &root,
            &Url::parse("https://graph.microsoft.com.evil.test/").unwrap()
        ));
    }
}
