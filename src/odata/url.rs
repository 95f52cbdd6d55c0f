//! Graph request URLs: build a correctly encoded URL and header set from a path and query
//! options, and parse a pasted Graph URL back into them.
//!
//! Encoding follows the Graph SDKs (Kiota, RFC 6570 form-style query expansion): option names keep
//! their literal `$`, values are percent-encoded except for the unreserved characters
//! `A-Z a-z 0-9 - . _ ~`, so a space is `%20`, `'` is `%27`, `+` is `%2B` and `#` is `%23`.
//! List options (`$select`, `$orderby`, `$expand`) keep their top-level commas literal.

use super::lint::{self, LintReport};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, percent_decode_str, utf8_percent_encode};
use serde::{Deserialize, Serialize};

/// Everything except the RFC 3986 unreserved characters is encoded in query values.
const QUERY_VALUE: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// Path segments keep unreserved characters and the sub-delimiters Graph ids use (`@`, `:`,
/// `$`, `'`, `(`, `)`, `=`, `,`).
const PATH_SEGMENT: &AsciiSet = &QUERY_VALUE
    .remove(b'@')
    .remove(b':')
    .remove(b'$')
    .remove(b'\'')
    .remove(b'(')
    .remove(b')')
    .remove(b'=')
    .remove(b',')
    .remove(b'!')
    .remove(b'*')
    .remove(b';');

/// The query options graphtui understands, plus any others passed through untouched.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueryOptions {
    /// `$filter` expression.
    pub filter: Option<String>,
    /// `$search` expression (`"displayName:foo" AND "mail:bar"`).
    pub search: Option<String>,
    /// `$orderby` (`displayName desc`).
    pub orderby: Option<String>,
    /// `$select` property names.
    pub select: Vec<String>,
    /// `$expand` (`manager($levels=max;$select=id,displayName)`).
    pub expand: Option<String>,
    /// `$top` page size.
    pub top: Option<i64>,
    /// `$count=true`.
    pub count: bool,
    /// Other parameters, in order, names as given (e.g. `$skiptoken`).
    pub extra: Vec<(String, String)>,
}

impl QueryOptions {
    /// True when no option is set.
    pub fn is_empty(&self) -> bool {
        *self == QueryOptions::default()
    }

    /// These options, with any option not set here taken from `base`.
    pub fn merged_over(&self, base: &QueryOptions) -> QueryOptions {
        let mut extra = base.extra.clone();
        for (k, v) in &self.extra {
            match extra.iter_mut().find(|(bk, _)| bk.eq_ignore_ascii_case(k)) {
                Some(slot) => slot.1 = v.clone(),
                None => extra.push((k.clone(), v.clone())),
            }
        }
        QueryOptions {
            filter: self.filter.clone().or_else(|| base.filter.clone()),
            search: self.search.clone().or_else(|| base.search.clone()),
            orderby: self.orderby.clone().or_else(|| base.orderby.clone()),
            select: if self.select.is_empty() {
                base.select.clone()
            } else {
                self.select.clone()
            },
            expand: self.expand.clone().or_else(|| base.expand.clone()),
            top: self.top.or(base.top),
            count: self.count || base.count,
            extra,
        }
    }
}

/// A URL and header set ready to send.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BuiltRequest {
    /// The full URL.
    pub url: String,
    /// Headers to add (e.g. `ConsistencyLevel: eventual`).
    pub headers: Vec<(String, String)>,
    /// True when advanced-query parameters were added.
    pub advanced_query: bool,
    /// Why advanced mode is needed, for people.
    pub reasons: Vec<String>,
}

/// A pasted Graph URL, taken apart.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ParsedUrl {
    /// `https://graph.microsoft.com` when the input was a full URL.
    pub origin: Option<String>,
    /// `v1.0` or `beta` when the input named one.
    pub api_version: Option<String>,
    /// The resource path, decoded, with a leading `/` and without the version (`/users`).
    pub path: String,
    /// The query options.
    pub options: QueryOptions,
}

/// Why a URL could not be taken apart.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UrlError {
    /// Nothing to parse.
    #[error("the URL is empty")]
    Empty,
    /// A host that is not a Microsoft Graph endpoint.
    #[error(
        "'{host}' is not a Microsoft Graph host (expected graph.microsoft.com, graph.microsoft.us, dod-graph.microsoft.us, microsoftgraph.chinacloudapi.cn or a 127.0.0.1 sandbox)"
    )]
    NotGraphHost {
        /// The host found.
        host: String,
    },
    /// A scheme other than http/https.
    #[error("unsupported URL scheme '{0}': expected https://")]
    Scheme(String),
    /// An option given twice.
    #[error("query option '{0}' is given more than once")]
    Duplicate(String),
    /// `$top` that is not a whole number.
    #[error("$top must be a whole number, not '{0}'")]
    BadTop(String),
    /// `$count` that is not true/false.
    #[error("$count must be true or false, not '{0}'")]
    BadCount(String),
    /// Percent-encoding that does not decode to UTF-8.
    #[error("'{0}' is not valid percent-encoded UTF-8")]
    BadEncoding(String),
}

/// Hosts accepted by [`parse_graph_url`].
pub const GRAPH_HOSTS: &[&str] = &[
    "graph.microsoft.com",
    "canary.graph.microsoft.com",
    "graph.microsoft.us",
    "dod-graph.microsoft.us",
    "microsoftgraph.chinacloudapi.cn",
];

/// Percent-encodes a query value the way the Graph SDKs do.
pub fn encode_query_value(v: &str) -> String {
    utf8_percent_encode(v, QUERY_VALUE).to_string()
}

/// Percent-encodes one path segment (ids, UPNs with `#EXT#`).
pub fn encode_path_segment(v: &str) -> String {
    utf8_percent_encode(v, PATH_SEGMENT).to_string()
}

/// Splits a list option at top-level commas (not inside parentheses or quotes).
pub fn split_top_level(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut depth = 0i32;
    let mut in_quote = false;
    let mut cur = String::new();
    for c in s.chars() {
        match c {
            '\'' => in_quote = !in_quote,
            '(' if !in_quote => depth += 1,
            ')' if !in_quote => depth -= 1,
            ',' if !in_quote && depth <= 0 => {
                out.push(std::mem::take(&mut cur));
                continue;
            }
            _ => {}
        }
        cur.push(c);
    }
    out.push(cur);
    out
}

fn encode_list(items: &[String]) -> String {
    items
        .iter()
        .map(|s| encode_query_value(s.trim()))
        .collect::<Vec<_>>()
        .join(",")
}

fn encode_name(name: &str) -> String {
    // `$` stays literal in option names, as Graph documents them.
    match name.strip_prefix('$') {
        Some(rest) => format!("${}", encode_query_value(rest)),
        None => encode_query_value(name),
    }
}

/// The query string (without `?`) for `opts`, in a stable order.
pub fn build_query(opts: &QueryOptions) -> String {
    let mut parts: Vec<String> = Vec::new();
    if let Some(f) = &opts.filter {
        parts.push(format!("$filter={}", encode_query_value(f)));
    }
    if let Some(s) = &opts.search {
        parts.push(format!("$search={}", encode_query_value(s)));
    }
    if let Some(o) = &opts.orderby {
        parts.push(format!("$orderby={}", encode_list(&split_top_level(o))));
    }
    if !opts.select.is_empty() {
        parts.push(format!("$select={}", encode_list(&opts.select)));
    }
    if let Some(e) = &opts.expand {
        parts.push(format!("$expand={}", encode_list(&split_top_level(e))));
    }
    if let Some(t) = opts.top {
        parts.push(format!("$top={t}"));
    }
    if opts.count {
        parts.push("$count=true".to_string());
    }
    for (k, v) in &opts.extra {
        parts.push(format!("{}={}", encode_name(k), encode_query_value(v)));
    }
    parts.join("&")
}

/// Joins a Graph base (`https://graph.microsoft.com/v1.0`), a path (without a query) and the
/// options, with no linting and no added parameters.
pub fn build_url(graph_base: &str, path: &str, opts: &QueryOptions) -> String {
    let base = graph_base.trim_end_matches('/');
    let segs: Vec<String> = path
        .split('/')
        .filter(|s| !s.is_empty())
        .map(encode_path_segment)
        .collect();
    let mut url = format!("{base}/{}", segs.join("/"));
    let q = build_query(opts);
    if !q.is_empty() {
        url.push('?');
        url.push_str(&q);
    }
    url
}

/// Builds the request for `path` + `opts`: lints the options against the entity (given, or
/// worked out from the path), and when advanced-query mode is needed adds
/// `ConsistencyLevel: eventual` and `$count=true` (not for a `/$count` path, which needs only
/// the header). Lint findings never stop the build: lint is advice.
///
/// `path` may carry its own query (`/users?$top=5`, as pasted); options in `opts` win over
/// the ones in the path. An unparsable query in `path` is ignored (only the path is kept).
pub fn build_request(
    graph_base: &str,
    path: &str,
    opts: &QueryOptions,
    entity: Option<&str>,
) -> BuiltRequest {
    let (path, opts) = match path.split_once('?') {
        Some((p, _)) => {
            let from_path = parse_graph_url(path).map(|u| u.options).unwrap_or_default();
            (p.to_string(), opts.merged_over(&from_path))
        }
        None => (path.to_string(), opts.clone()),
    };
    let report = lint::lint_request(&path, entity, &opts);
    build_with_report(graph_base, &path, &opts, &report)
}

/// Like [`build_request`], with a lint report the caller already has.
pub fn build_with_report(
    graph_base: &str,
    path: &str,
    opts: &QueryOptions,
    report: &LintReport,
) -> BuiltRequest {
    let mut opts = opts.clone();
    let count_segment = path.trim_end_matches('/').ends_with("/$count");
    let mut headers = Vec::new();
    if report.advanced_query {
        headers.push(("ConsistencyLevel".to_string(), "eventual".to_string()));
        if !count_segment {
            opts.count = true;
        }
    }
    BuiltRequest {
        url: build_url(graph_base, path, &opts),
        headers,
        advanced_query: report.advanced_query,
        reasons: report.advanced_query_reasons.clone(),
    }
}

fn decode(s: &str, plus_is_space: bool) -> Result<String, UrlError> {
    let replaced;
    let s = if plus_is_space && s.contains('+') {
        replaced = s.replace('+', " ");
        replaced.as_str()
    } else {
        s
    };
    percent_decode_str(s)
        .decode_utf8()
        .map(|c| c.into_owned())
        .map_err(|_| UrlError::BadEncoding(s.to_string()))
}

/// Splits a raw query on `&`, except inside a raw single-quoted literal (so a pasted, unencoded
/// `$filter=department eq 'R&D'` survives). Falls back to a plain split when quotes don't balance.
fn split_query(q: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let mut in_quote = false;
    let mut start = 0;
    for (i, b) in q.bytes().enumerate() {
        match b {
            b'\'' => in_quote = !in_quote,
            b'&' if !in_quote => {
                parts.push(&q[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    if in_quote {
        return q.split('&').collect();
    }
    parts.push(&q[start..]);
    parts
}

fn is_loopback(host: &str) -> bool {
    matches!(host, "127.0.0.1" | "localhost" | "[::1]")
}

/// Takes apart a Graph URL: a full URL (`https://graph.microsoft.com/v1.0/users?$filter=...`), or
/// a path with or without the version (`/beta/users?...`, `users?$top=5`), encoded or not.
/// Option names are matched case-insensitively, with or without `$` (or `%24`). A `+` in the
/// query means a space, as in form encoding. A full URL on a host that is not a Graph endpoint
/// (or a loopback sandbox) is refused with [`UrlError::NotGraphHost`]; the caller decides.
pub fn parse_graph_url(input: &str) -> Result<ParsedUrl, UrlError> {
    let input = input.trim();
    if input.is_empty() {
        return Err(UrlError::Empty);
    }
    // `graph.microsoft.com/v1.0/users` pasted without a scheme
    let with_scheme;
    let lower = input.to_ascii_lowercase();
    let input = if !lower.contains("://")
        && GRAPH_HOSTS.iter().any(|h| {
            lower
                .strip_prefix(h)
                .is_some_and(|r| r.is_empty() || r.starts_with(['/', '?']))
        }) {
        with_scheme = format!("https://{input}");
        with_scheme.as_str()
    } else {
        input
    };
    let mut origin = None;
    let mut rest = input;
    if let Some(idx) = input.find("://") {
        let scheme = &input[..idx];
        if !scheme.eq_ignore_ascii_case("https") && !scheme.eq_ignore_ascii_case("http") {
            return Err(UrlError::Scheme(scheme.to_string()));
        }
        let after = &input[idx + 3..];
        let end = after.find(['/', '?']).unwrap_or(after.len());
        let authority = &after[..end];
        let hostport = authority.rsplit('@').next().unwrap_or(authority);
        let host = if hostport.starts_with('[') {
            hostport
                .find(']')
                .map(|i| &hostport[..=i])
                .unwrap_or(hostport)
        } else {
            hostport.split(':').next().unwrap_or(hostport)
        }
        .to_ascii_lowercase();
        let plain_http = scheme.eq_ignore_ascii_case("http");
        let known = GRAPH_HOSTS.contains(&host.as_str());
        if !(known && !plain_http || is_loopback(&host)) {
            return Err(UrlError::NotGraphHost { host });
        }
        origin = Some(format!("{}://{}", scheme.to_ascii_lowercase(), hostport));
        rest = &after[end..];
    }
    let (raw_path, raw_query) = match rest.split_once('?') {
        Some((p, q)) => (p, Some(q)),
        None => (rest, None),
    };
    let mut segs: Vec<String> = raw_path
        .split('/')
        .filter(|s| !s.is_empty())
        .map(|s| decode(s, false))
        .collect::<Result<_, _>>()?;
    let mut api_version = None;
    if let Some(first) = segs.first()
        && (first.eq_ignore_ascii_case("v1.0") || first.eq_ignore_ascii_case("beta"))
    {
        api_version = Some(first.to_ascii_lowercase());
        segs.remove(0);
    }
    let path = format!("/{}", segs.join("/"));
    let mut options = QueryOptions::default();
    let mut seen: Vec<String> = Vec::new();
    if let Some(q) = raw_query {
        for part in split_query(q) {
            if part.is_empty() {
                continue;
            }
            let (k, v) = part.split_once('=').unwrap_or((part, ""));
            let name = decode(k, true)?;
            let value = decode(v, true)?;
            let key = name.trim_start_matches('$').to_ascii_lowercase();
            let known = matches!(
                key.as_str(),
                "filter" | "search" | "orderby" | "select" | "expand" | "top" | "count"
            );
            if known {
                if seen.contains(&key) {
                    return Err(UrlError::Duplicate(format!("${key}")));
                }
                seen.push(key.clone());
            }
            match key.as_str() {
                "filter" => options.filter = Some(value),
                "search" => options.search = Some(value),
                "orderby" => options.orderby = Some(value),
                "expand" => options.expand = Some(value),
                "select" => {
                    options.select = value
                        .split(',')
                        .map(|s| s.trim().to_string())
                        .filter(|s| !s.is_empty())
                        .collect()
                }
                "top" => {
                    options.top = Some(
                        value
                            .trim()
                            .parse::<i64>()
                            .map_err(|_| UrlError::BadTop(value.clone()))?,
                    )
                }
                "count" => {
                    options.count = match value.trim().to_ascii_lowercase().as_str() {
                        "true" => true,
                        "false" => false,
                        _ => return Err(UrlError::BadCount(value)),
                    }
                }
                _ => options.extra.push((name, value)),
            }
        }
    }
    Ok(ParsedUrl {
        origin,
        api_version,
        path,
        options,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const BASE: &str = "https://graph.microsoft.com/v1.0";

    #[test]
    fn encodes_like_the_sdks() {
        let opts = QueryOptions {
            filter: Some("startsWith(displayName,'A b+c')".into()),
            select: vec!["id".into(), "displayName".into()],
            top: Some(5),
            ..Default::default()
        };
        assert_eq!(
            build_url(BASE, "/users", &opts),
            "https://graph.microsoft.com/v1.0/users?$filter=startsWith%28displayName%2C%27A%20b%2Bc%27%29&$select=id,displayName&$top=5"
        );
    }

    #[test]
    fn expand_and_orderby_keep_top_level_commas() {
        let opts = QueryOptions {
            orderby: Some("displayName desc,id".into()),
            expand: Some("manager($levels=max;$select=id,displayName)".into()),
            ..Default::default()
        };
        let q = build_query(&opts);
        assert_eq!(
            q,
            "$orderby=displayName%20desc,id&$expand=manager%28%24levels%3Dmax%3B%24select%3Did%2CdisplayName%29"
        );
    }

    #[test]
    fn path_segments_encode_hash() {
        let url = build_url(
            BASE,
            "users/bob_contoso.com#EXT#@fabrikam.onmicrosoft.com",
            &QueryOptions::default(),
        );
        assert_eq!(
            url,
            "https://graph.microsoft.com/v1.0/users/bob_contoso.com%23EXT%23@fabrikam.onmicrosoft.com"
        );
        let back = parse_graph_url(&url).unwrap();
        assert_eq!(
            back.path,
            "/users/bob_contoso.com#EXT#@fabrikam.onmicrosoft.com"
        );
    }

    #[test]
    fn advanced_query_adds_header_and_count() {
        let opts = QueryOptions {
            filter: Some("endsWith(mail,'@contoso.com')".into()),
            ..Default::default()
        };
        let r = build_request(BASE, "/users", &opts, None);
        assert!(r.advanced_query);
        assert!(r.url.ends_with("&$count=true"), "{}", r.url);
        assert_eq!(
            r.headers,
            vec![("ConsistencyLevel".to_string(), "eventual".to_string())]
        );
        assert!(!r.reasons.is_empty());
        let plain = build_request(
            BASE,
            "/users",
            &QueryOptions {
                top: Some(10),
                ..Default::default()
            },
            None,
        );
        assert!(!plain.advanced_query);
        assert!(plain.headers.is_empty());
        assert_eq!(plain.url, format!("{BASE}/users?$top=10"));
        let pasted = build_request(
            BASE,
            "/users?$top=5&$filter=accountEnabled eq true",
            &QueryOptions {
                top: Some(7),
                ..Default::default()
            },
            None,
        );
        assert_eq!(
            pasted.url,
            format!("{BASE}/users?$filter=accountEnabled%20eq%20true&$top=7")
        );
        let count = build_request(BASE, "/users/$count", &QueryOptions::default(), None);
        assert!(count.advanced_query);
        assert_eq!(count.url, format!("{BASE}/users/$count"));
    }

    #[test]
    fn parses_pasted_urls() {
        let p = parse_graph_url(
            "https://graph.microsoft.com/v1.0/users?$filter=startsWith(displayName,'a b')&$top=5&$count=true&$select=id, displayName",
        )
        .unwrap();
        assert_eq!(p.origin.as_deref(), Some("https://graph.microsoft.com"));
        assert_eq!(p.api_version.as_deref(), Some("v1.0"));
        assert_eq!(p.path, "/users");
        assert_eq!(
            p.options.filter.as_deref(),
            Some("startsWith(displayName,'a b')")
        );
        assert_eq!(p.options.top, Some(5));
        assert!(p.options.count);
        assert_eq!(p.options.select, vec!["id", "displayName"]);

        let p = parse_graph_url("beta/groups?%24filter=groupTypes%2Fany(c%3Ac+eq+%27Unified%27)")
            .unwrap();
        assert_eq!(p.api_version.as_deref(), Some("beta"));
        assert_eq!(p.path, "/groups");
        assert_eq!(
            p.options.filter.as_deref(),
            Some("groupTypes/any(c:c eq 'Unified')")
        );

        let p = parse_graph_url("/users?filter=department eq 'R&D'&$SkipToken=abc").unwrap();
        assert_eq!(p.api_version, None);
        assert_eq!(p.options.filter.as_deref(), Some("department eq 'R&D'"));
        assert_eq!(
            p.options.extra,
            vec![("$SkipToken".to_string(), "abc".to_string())]
        );
        let p = parse_graph_url("graph.microsoft.com/beta/me?$select=id").unwrap();
        assert_eq!(p.origin.as_deref(), Some("https://graph.microsoft.com"));
        assert_eq!(
            (p.api_version.as_deref(), p.path.as_str()),
            (Some("beta"), "/me")
        );
        let p = parse_graph_url("me").unwrap();
        assert_eq!(p.path, "/me");
        let p = parse_graph_url("http://127.0.0.1:4000/v1.0/users").unwrap();
        assert_eq!(p.origin.as_deref(), Some("http://127.0.0.1:4000"));
    }

    #[test]
    fn refuses_bad_urls_clearly() {
        assert!(matches!(
            parse_graph_url("https://evil.example.com/v1.0/users"),
            Err(UrlError::NotGraphHost { host }) if host == "evil.example.com"
        ));
        assert!(matches!(
            parse_graph_url("http://graph.microsoft.com/v1.0/users"),
            Err(UrlError::NotGraphHost { .. })
        ));
        assert!(matches!(
            parse_graph_url("ftp://graph.microsoft.com/"),
            Err(UrlError::Scheme(_))
        ));
        assert_eq!(parse_graph_url("  "), Err(UrlError::Empty));
        assert!(matches!(
            parse_graph_url("users?$top=ten"),
            Err(UrlError::BadTop(_))
        ));
        assert!(matches!(
            parse_graph_url("users?$count=maybe"),
            Err(UrlError::BadCount(_))
        ));
        assert!(matches!(
            parse_graph_url("users?$filter=a&$Filter=b"),
            Err(UrlError::Duplicate(_))
        ));
        assert!(matches!(
            parse_graph_url("users?$filter=%FF%FE"),
            Err(UrlError::BadEncoding(_))
        ));
        let msg = parse_graph_url("https://evil.example.com/x")
            .unwrap_err()
            .to_string();
        assert!(msg.contains("not a Microsoft Graph host"), "{msg}");
    }

    fn opt_string() -> impl Strategy<Value = Option<String>> {
        proptest::option::of("[ -~äé€\u{1F600}]{0,24}")
    }

    proptest! {
        #[test]
        fn build_then_parse_round_trips(
            filter in opt_string(),
            search in opt_string(),
            orderby in proptest::option::of("[A-Za-z]{1,10}( desc)?(,[A-Za-z]{1,8})?"),
            select in proptest::collection::vec("[A-Za-z][A-Za-z0-9]{0,12}", 0..4),
            expand in proptest::option::of("[a-z]{1,8}(\\(\\$select=[a-z]{1,5},[a-z]{1,5}\\))?"),
            top in proptest::option::of(-5i64..2000),
            count in any::<bool>(),
            extra in proptest::collection::vec(("\\$?[a-z]{1,8}", "[ -~]{0,12}"), 0..3),
            path in "(/[A-Za-z0-9@#. _-]{1,12}){1,3}",
        ) {
            let extra: Vec<(String, String)> = extra
                .into_iter()
                .filter(|(k, _)| {
                    let key = k.trim_start_matches('$');
                    !matches!(key, "filter" | "search" | "orderby" | "select" | "expand" | "top" | "count")
                })
                .collect();
            // no duplicate extra names
            let mut names: Vec<&String> = extra.iter().map(|(k, _)| k).collect();
            names.sort();
            names.dedup();
            prop_assume!(names.len() == extra.len());
            let opts = QueryOptions { filter, search, orderby, select, expand, top, count, extra };
            let url = build_url(BASE, &path, &opts);
            let parsed = parse_graph_url(&url).unwrap();
            prop_assert_eq!(parsed.api_version.as_deref(), Some("v1.0"));
            let want_path = format!("/{}", path.split('/').filter(|s| !s.is_empty()).collect::<Vec<_>>().join("/"));
            prop_assert_eq!(parsed.path, want_path);
            prop_assert_eq!(parsed.options, opts);
        }

        #[test]
        fn parse_never_panics(s in "\\PC{0,80}") {
            let _ = parse_graph_url(&s);
        }
    }
}
