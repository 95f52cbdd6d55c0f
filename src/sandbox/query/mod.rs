//! Query options on Graph requests: parsing (through the OData toolkit), the
//! advanced-query rules, and applying `$filter`, `$search`, `$orderby`, `$top` and
//! `$skiptoken` paging to a list of objects.

mod eval_shim;
pub mod rules;

use crate::odata::Expr;
use crate::odata::options::{ExpandItem, OrderItem};
use crate::odata::search::SearchExpr;
use crate::sandbox::errors::GraphError;
pub use rules::RuleSet;
use serde_json::Value;

/// Default page size of directory collections.
pub const DEFAULT_TOP: usize = 100;
/// Largest `$top` directory collections take.
pub const MAX_TOP: usize = 999;

/// Parsed query options of one request.
#[derive(Debug, Clone, Default)]
pub struct Options {
    pub select: Option<Vec<String>>,
    pub top: Option<usize>,
    /// The raw `$skiptoken` (decoded by the collection or delta handler).
    pub skiptoken: Option<String>,
    pub count: bool,
    pub filter: Option<Expr>,
    pub search: Option<SearchExpr>,
    pub orderby: Option<Vec<OrderItem>>,
    pub expand: Option<Vec<ExpandItem>>,
    pub deltatoken: Option<String>,
    /// `ConsistencyLevel: eventual` was sent.
    pub eventual: bool,
    /// The query pairs as received (raw, still percent-encoded), for building nextLinks.
    pub raw_pairs: Vec<String>,
}

impl Options {
    /// Advanced mode: the ConsistencyLevel header and `$count=true` (graph-facts §6.1).
    pub fn advanced(&self) -> bool {
        self.eventual && self.count
    }

    /// The paging offset from `$skiptoken` (0 without one).
    pub fn skip(&self) -> Result<usize, GraphError> {
        self.skiptoken.as_deref().map_or(Ok(0), decode_skiptoken)
    }

    /// The page size to use.
    pub fn page_size(&self) -> usize {
        self.top.unwrap_or(DEFAULT_TOP)
    }
}

/// The name of a system query option, without `$` and lower-cased (`$Top` → `top`).
fn option_name(key: &str) -> String {
    key.trim_start_matches('$').to_ascii_lowercase()
}

/// Parses the query string and the ConsistencyLevel header.
pub fn parse(query: &str, headers: &[(String, String)]) -> Result<Options, GraphError> {
    let mut o = Options {
        eventual: headers.iter().any(|(k, v)| {
            k.eq_ignore_ascii_case("consistencylevel") && v.trim().eq_ignore_ascii_case("eventual")
        }),
        ..Default::default()
    };
    for raw in query.split('&').filter(|s| !s.is_empty()) {
        let (k, v) = raw.split_once('=').unwrap_or((raw, ""));
        let key = decode(k);
        let value = decode(v);
        let name = option_name(&key);
        let is_system = key.starts_with('$');
        if name != "skiptoken" {
            o.raw_pairs.push(raw.to_string());
        }
        match name.as_str() {
            "select" => {
                let items = crate::odata::options::parse_select(&value).map_err(|e| {
                    GraphError::odata_bad_request(format!("Invalid $select clause: {}", e.message))
                })?;
                o.select = Some(items.iter().map(|i| i.name()).collect());
            }
            "top" => {
                let n: i64 = value.trim().parse().map_err(|_| {
                    GraphError::odata_bad_request(format!(
                        "Invalid value '{value}' for $top query option found. The $top query option requires a non-negative integer value."
                    ))
                })?;
                if !(1..=MAX_TOP as i64).contains(&n) {
                    return Err(GraphError::unsupported_query(format!(
                        "Invalid page size specified: '{n}'. Must be between 1 and 999 inclusive."
                    )));
                }
                o.top = Some(n as usize);
            }
            "skiptoken" => o.skiptoken = Some(value),
            "count" => {
                o.count = match value.trim().to_ascii_lowercase().as_str() {
                    "true" => true,
                    "false" => false,
                    _ => {
                        return Err(GraphError::odata_bad_request(format!(
                            "Invalid value '{value}' for $count query option found. Valid values are 'true' and 'false'."
                        )));
                    }
                }
            }
            "filter" => {
                let e = crate::odata::filter::parse(&value).map_err(|e| {
                    GraphError::odata_bad_request(format!("Invalid filter clause: {}", e.message))
                })?;
                o.filter = Some(e);
            }
            "search" => {
                let e = crate::odata::search::parse(&value).map_err(|e| {
                    GraphError::odata_bad_request(format!("Syntax error: {}", e.message))
                })?;
                o.search = Some(e);
            }
            "orderby" => {
                let e = crate::odata::options::parse_orderby(&value).map_err(|e| {
                    GraphError::odata_bad_request(format!("Invalid $orderby clause: {}", e.message))
                })?;
                o.orderby = Some(e);
            }
            "expand" => {
                let e = crate::odata::options::parse_expand(&value).map_err(|e| {
                    GraphError::odata_bad_request(format!("Invalid $expand clause: {}", e.message))
                })?;
                o.expand = Some(e);
            }
            "deltatoken" => o.deltatoken = Some(value),
            "skip" if is_system => {
                // graph-facts §5: $skip is not supported on directory collections.
                return Err(GraphError::unsupported_query(
                    "'$skip' is not supported by the service.",
                ));
            }
            _ => {}
        }
    }
    Ok(o)
}

/// Percent-decodes a query component (`+` is a space).
pub fn decode(s: &str) -> String {
    let plus = s.replace('+', " ");
    percent_encoding::percent_decode_str(&plus)
        .decode_utf8_lossy()
        .into_owned()
}

/// A `$skiptoken` shaped like the directory's (`X'4453707…'`) holding a page offset.
pub fn encode_skiptoken(offset: usize) -> String {
    format!("X'44537074020001000000{:016X}0000000000000000'", offset)
}

/// Reads the offset back; anything else is Graph's expired-page-token error.
pub fn decode_skiptoken(token: &str) -> Result<usize, GraphError> {
    let bad = || {
        GraphError::new(
            axum::http::StatusCode::BAD_REQUEST,
            "Directory_ExpiredPageToken",
            "The specified page token value has expired and can no longer be included in your request.",
        )
    };
    let inner = token
        .strip_prefix("X'44537074020001000000")
        .and_then(|t| t.strip_suffix("0000000000000000'"))
        .ok_or_else(bad)?;
    if inner.len() != 16 {
        return Err(bad());
    }
    usize::from_str_radix(inner, 16).map_err(|_| bad())
}

/// Applies `$filter`, `$search` and `$orderby` to objects (each paired with its JSON).
/// Returns the objects that remain, in order, or the 400 a filter's type error gives.
pub fn apply<T: Clone>(o: &Options, items: Vec<(T, Value)>) -> Result<Vec<(T, Value)>, GraphError> {
    let mut out: Vec<(T, Value)> = Vec::new();
    for (t, v) in items {
        if let Some(f) = &o.filter
            && !eval_shim::matches(f, &v)?
        {
            continue;
        }
        if let Some(s) = &o.search
            && !eval_shim::search_matches(s, &v)
        {
            continue;
        }
        out.push((t, v));
    }
    if let Some(order) = &o.orderby {
        out.sort_by(|a, b| eval_shim::compare(order, &a.1, &b.1));
    }
    Ok(out)
}

/// The properties `$filter`, `$search` and `$orderby` look at (first path segments, as
/// written), so objects can be rendered with just those for evaluation.
pub fn referenced_properties(o: &Options) -> Vec<String> {
    let mut out: Vec<String> = vec!["id".into()];
    let mut add = |name: &str| {
        if !out.iter().any(|p| p.eq_ignore_ascii_case(name)) {
            out.push(name.to_string());
        }
    };
    if let Some(f) = &o.filter {
        f.walk(&mut |e| match &e.kind {
            crate::odata::ExprKind::Path(p) if !p.from_variable => {
                if let Some(s) = p.segments.first() {
                    add(&s.name);
                }
            }
            crate::odata::ExprKind::Lambda(l) if !l.collection.from_variable => {
                if let Some(s) = l.collection.segments.first() {
                    add(&s.name);
                }
            }
            _ => {}
        });
    }
    if let Some(s) = &o.search {
        for c in s.clauses() {
            match &c.property {
                Some(p) => add(p),
                None => {
                    add("displayName");
                    add("description");
                }
            }
        }
    }
    if let Some(order) = &o.orderby {
        for i in order {
            if let Some(s) = i.path.segments.first() {
                add(&s.name);
            }
        }
    }
    out
}

/// Checks the advanced-query rules for the options of a collection request.
pub fn check_rules(set: RuleSet, o: &Options) -> Result<(), GraphError> {
    if o.search.is_some() && !o.eventual {
        return Err(GraphError::unsupported_query(
            "Request with $search query parameter only works through MSGraph with a special request header: 'ConsistencyLevel: eventual'",
        ));
    }
    let expand = o.expand.as_ref().is_some_and(|e| !e.is_empty());
    if let Some(f) = &o.filter {
        rules::check_filter(set, f, o.advanced(), expand)?;
    }
    if let Some(order) = &o.orderby {
        let props: Vec<String> = order
            .iter()
            .map(|i| {
                i.path
                    .segments
                    .first()
                    .map(|s| s.name.clone())
                    .unwrap_or_default()
            })
            .collect();
        rules::check_orderby(set, &props, o.filter.is_some(), o.advanced(), expand)?;
    }
    if set == RuleSet::Relationship && o.search.is_some() && !o.advanced() {
        return Err(GraphError::unsupported_query(
            "Request with $search query parameter only works through MSGraph with a special request header: 'ConsistencyLevel: eventual'",
        ));
    }
    Ok(())
}

/// Percent-decodes one path segment (`+` stays a plus: it is literal in paths).
pub fn decode_path(s: &str) -> String {
    percent_encoding::percent_decode_str(s)
        .decode_utf8_lossy()
        .into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(eventual: bool) -> Vec<(String, String)> {
        if eventual {
            vec![("ConsistencyLevel".into(), "eventual".into())]
        } else {
            vec![]
        }
    }

    #[test]
    fn top_limits() {
        assert_eq!(parse("$top=999", &h(false)).unwrap().top, Some(999));
        let e = parse("$top=1000", &h(false)).unwrap_err();
        assert_eq!(e.code, "Request_UnsupportedQuery");
        assert_eq!(
            e.message,
            "Invalid page size specified: '1000'. Must be between 1 and 999 inclusive."
        );
        assert!(parse("%24top=abc", &h(false)).is_err());
    }

    #[test]
    fn skiptoken_round_trip() {
        let t = encode_skiptoken(12345);
        assert_eq!(decode_skiptoken(&t).unwrap(), 12345);
        assert!(decode_skiptoken("X'00'").is_err());
        let o = parse(&format!("$top=5&$skiptoken={}", t), &h(false)).unwrap();
        assert_eq!(o.skip().unwrap(), 12345);
        assert_eq!(o.raw_pairs, vec!["$top=5"]);
    }

    #[test]
    fn advanced_mode_needs_both() {
        assert!(!parse("$count=true", &h(false)).unwrap().advanced());
        assert!(!parse("", &h(true)).unwrap().advanced());
        assert!(parse("$count=true", &h(true)).unwrap().advanced());
    }

    #[test]
    fn search_needs_header() {
        let o = parse("$search=%22displayName:a%22", &h(false)).unwrap();
        assert!(
            check_rules(RuleSet::Users, &o)
                .unwrap_err()
                .message
                .starts_with("Request with $search")
        );
        let o = parse("$search=%22displayName:a%22", &h(true)).unwrap();
        assert!(check_rules(RuleSet::Users, &o).is_ok());
    }
}
