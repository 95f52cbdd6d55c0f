//! Matching a concrete Graph request URL to a path template of the permission map.
//!
//! Handles absolute URLs (any host), `/v1.0` and `/beta`, query strings, percent-encoding,
//! `users('id')` key syntax, UPNs and other ids in place of `{id}`, OData casts
//! (`/memberOf/microsoft.graph.group`), `/$count`, `/$ref`, `/$value`, function segments with
//! parameters (`getStatisticsByPolicy(policyId='x')`), drive path addressing (`root:/a/b.txt:`), and
//! `/me/...` paths the map only knows as `/users/{id}/...`. Comparison is case-insensitive.

use std::collections::HashMap;
use std::sync::OnceLock;

/// The parts of a request URL that matter for matching.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestPath {
    /// `v1.0` or `beta` when the URL names it.
    pub version: Option<String>,
    /// Decoded, normalised segments (key syntax split out, drive paths joined).
    pub segments: Vec<String>,
    /// The query string without `?`, if any.
    pub query: Option<String>,
}

/// Splits a request URL (absolute, or a path with or without version) into its parts.
pub fn parse_request(url: &str) -> RequestPath {
    let mut s = url.trim();
    if let Some(i) = s.find("://") {
        let rest = &s[i + 3..];
        s = rest.find('/').map(|j| &rest[j..]).unwrap_or("");
    }
    let (path, query) = match s.split_once('?') {
        Some((p, q)) => (p, Some(q.to_string())),
        None => (s, None),
    };
    let mut raw: Vec<&str> = path.split('/').filter(|x| !x.is_empty()).collect();
    let mut version = None;
    if let Some(first) = raw.first() {
        let f = first.to_ascii_lowercase();
        if f == "v1.0" || f == "beta" {
            version = Some(f);
            raw.remove(0);
        }
    }
    let decoded: Vec<String> = raw
        .iter()
        .map(|seg| {
            percent_encoding::percent_decode_str(seg)
                .decode_utf8_lossy()
                .into_owned()
        })
        .collect();
    // Drive path addressing: `root:` `a` `b.txt:` `content` -> `root:` `a/b.txt:` `content`.
    let mut joined: Vec<String> = Vec::with_capacity(decoded.len());
    let mut i = 0;
    while i < decoded.len() {
        let seg = &decoded[i];
        if seg.ends_with(':') && i + 1 < decoded.len() {
            joined.push(seg.clone());
            let close = (i + 1..decoded.len()).find(|j| decoded[*j].ends_with(':'));
            let end = close.unwrap_or(decoded.len() - 1);
            joined.push(decoded[i + 1..=end].join("/"));
            i = end + 1;
            continue;
        }
        joined.push(seg.clone());
        i += 1;
    }
    let mut segments = Vec::with_capacity(joined.len());
    for seg in joined {
        segments.extend(split_key_syntax(&seg));
    }
    RequestPath {
        version,
        segments,
        query,
    }
}

/// `users('abc')` -> [`users`, `abc`]; `worksheets('Sheet1')` likewise. Function calls with
/// named parameters (`x(a=1)`) and empty calls (`delta()`) are left alone.
fn split_key_syntax(seg: &str) -> Vec<String> {
    if let Some(open) = seg.find('(')
        && seg.ends_with(')')
        && open > 0
    {
        let name = &seg[..open];
        let inner = &seg[open + 1..seg.len() - 1];
        let ident = name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.');
        if ident && !inner.is_empty() && !inner.contains('=') {
            let key = inner.trim_matches(|c| c == '\'' || c == '"');
            return vec![name.to_string(), key.to_string()];
        }
    }
    vec![seg.to_string()]
}

/// How a request was matched.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct PathMatch {
    /// The map's template, e.g. `/users/{id}/memberof`.
    pub template: String,
    /// `v1.0` or `beta` when the URL named it.
    pub version: Option<String>,
    /// The OData cast that was dropped to find the template, e.g. `microsoft.graph.group`.
    pub cast: Option<String>,
    /// The URL ends in `/$count` (needs `ConsistencyLevel: eventual`).
    pub count_segment: bool,
    /// The request addresses the signed-in user (`/me`), which needs a delegated token.
    pub is_me: bool,
    /// What was adjusted to find the template, in words.
    pub notes: Vec<String>,
}

#[derive(Default, Debug)]
struct Node {
    literal: HashMap<String, Node>,
    patterns: Vec<(Vec<Piece>, Node)>,
    param: Option<Box<Node>>,
    template: Option<String>,
    query_template: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Piece {
    Lit(String),
    Hole,
}

fn pieces(seg: &str) -> Vec<Piece> {
    let mut out = Vec::new();
    let mut rest = seg;
    while let Some(open) = rest.find('{') {
        let Some(close) = rest[open..].find('}') else {
            break;
        };
        if open > 0 {
            out.push(Piece::Lit(rest[..open].to_string()));
        }
        out.push(Piece::Hole);
        rest = &rest[open + close + 1..];
    }
    if !rest.is_empty() {
        out.push(Piece::Lit(rest.to_string()));
    }
    out
}

/// Glob match: holes match one or more characters.
fn glob(p: &[Piece], s: &str) -> bool {
    match p.first() {
        None => s.is_empty(),
        Some(Piece::Lit(l)) => s.strip_prefix(l.as_str()).is_some_and(|r| glob(&p[1..], r)),
        Some(Piece::Hole) => {
            let mut idx: Vec<usize> = s.char_indices().map(|(i, _)| i).skip(1).collect();
            idx.push(s.len());
            if s.is_empty() {
                return false;
            }
            idx.into_iter().any(|i| glob(&p[1..], &s[i..]))
        }
    }
}

/// A segment a `{id}` placeholder must not swallow.
fn is_reserved(seg: &str) -> bool {
    seg.starts_with('$') || is_cast(seg)
}

fn is_cast(seg: &str) -> bool {
    seg.starts_with("microsoft.graph.") && !seg.contains('(')
}

/// Matches request paths against a set of templates.
#[derive(Debug, Default)]
pub struct Matcher {
    root: Node,
}

impl Matcher {
    /// Builds a matcher from templates (as in the map; compared case-insensitively).
    pub fn new<'a>(templates: impl IntoIterator<Item = &'a str>) -> Matcher {
        let mut root = Node::default();
        for t in templates {
            let (path, has_query) = match t.split_once('?') {
                Some((p, _)) => (p, true),
                None => (t, false),
            };
            let mut node = &mut root;
            for seg in path.split('/').filter(|x| !x.is_empty()) {
                let seg = seg.to_ascii_lowercase();
                if seg.starts_with('{') && seg.ends_with('}') && seg.matches('{').count() == 1 {
                    node = node.param.get_or_insert_with(Default::default);
                } else if seg.contains('{') {
                    let p = pieces(&seg);
                    let pos = node.patterns.iter().position(|(q, _)| *q == p);
                    let i = match pos {
                        Some(i) => i,
                        None => {
                            node.patterns.push((p, Node::default()));
                            node.patterns.len() - 1
                        }
                    };
                    node = &mut node.patterns[i].1;
                } else {
                    node = node.literal.entry(seg).or_default();
                }
            }
            let slot = if has_query {
                &mut node.query_template
            } else {
                &mut node.template
            };
            if slot.is_none() {
                *slot = Some(t.to_string());
            }
        }
        Matcher { root }
    }

    /// Finds the most specific template for exact segments (literal beats pattern beats `{id}`).
    fn find(&self, segs: &[String]) -> Option<&str> {
        fn walk<'a>(node: &'a Node, segs: &[String]) -> Option<&'a str> {
            let Some((first, rest)) = segs.split_first() else {
                return node.template.as_deref().or(node.query_template.as_deref());
            };
            if let Some(n) = node.literal.get(first)
                && let Some(t) = walk(n, rest)
            {
                return Some(t);
            }
            for (p, n) in &node.patterns {
                if glob(p, first)
                    && let Some(t) = walk(n, rest)
                {
                    return Some(t);
                }
            }
            if !is_reserved(first)
                && let Some(n) = &node.param
                && let Some(t) = walk(n, rest)
            {
                return Some(t);
            }
            None
        }
        walk(&self.root, segs)
    }

    /// Matches a request URL or path to a template, trying in order: as is; without `/$count`,
    /// `/$value` or `/$ref` at the end; without OData casts; and `/me/...` as `/users/{id}/...`.
    pub fn match_url(&self, url: &str) -> Option<PathMatch> {
        let req = parse_request(url);
        let segs: Vec<String> = req
            .segments
            .iter()
            .map(|s| s.to_ascii_lowercase())
            .collect();
        if segs.is_empty() {
            return None;
        }
        let is_me = segs.first().is_some_and(|s| s == "me");
        let count_segment = segs.last().is_some_and(|s| s == "$count");
        let mut m = PathMatch {
            template: String::new(),
            version: req.version.clone(),
            cast: None,
            count_segment,
            is_me,
            notes: Vec::new(),
        };
        if let Some(t) = self.find(&segs) {
            m.template = t.to_string();
            return Some(m);
        }
        let mut cur = segs.clone();
        if let Some(last) = cur.last()
            && (last == "$count" || last == "$value" || last == "$ref")
        {
            let last = cur.pop().unwrap_or_default();
            m.notes.push(format!(
                "{last} segment: permissions are those of the path before it"
            ));
            if let Some(t) = self.find(&cur) {
                m.template = t.to_string();
                return Some(m);
            }
        }
        if cur.iter().any(|s| is_cast(s)) {
            let casts: Vec<String> = cur.iter().filter(|s| is_cast(s)).cloned().collect();
            cur.retain(|s| !is_cast(s));
            m.notes.push(format!(
                "OData cast {} ignored: the permissions are those of the uncast path",
                casts.join(", ")
            ));
            m.cast = casts.into_iter().last();
            if let Some(t) = self.find(&cur) {
                m.template = t.to_string();
                return Some(m);
            }
        }
        if is_me {
            let mut alt = vec!["users".to_string(), "{id}".to_string()];
            alt.extend(cur[1..].iter().cloned());
            if let Some(t) = self.find(&alt) {
                m.template = t.to_string();
                m.notes.push(
                    "no /me form in the map: using the /users/{id} form for the signed-in user"
                        .into(),
                );
                return Some(m);
            }
        }
        // A property read (`/users/{id}/identities`): the parent's permissions apply.
        if cur.len() >= 2
            && let Some(last) = cur.last()
            && last.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        {
            let last = last.clone();
            if let Some(t) = self.find(&cur[..cur.len() - 1]) {
                m.template = t.to_string();
                m.notes.push(format!(
                    "no template for '{last}': taking it as a property of {t}"
                ));
                return Some(m);
            }
        }
        None
    }
}

static MATCHER: OnceLock<Matcher> = OnceLock::new();

/// Matches against the embedded permission map.
pub fn match_request(url: &str) -> Option<PathMatch> {
    MATCHER
        .get_or_init(|| Matcher::new(super::permmap::embedded().templates()))
        .match_url(url)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m() -> Matcher {
        Matcher::new([
            "/users",
            "/users/{id}",
            "/users/delta",
            "/users/{id}/memberof",
            "/users/{id}/memberof/{id}",
            "/users/{id}/getmembergroups",
            "/me",
            "/me/memberof",
            "/applications(appid={value})",
            "/me/drive/root:/{id}:/content",
            "/a/filterbycurrentuser(on={value})",
            "/agentregistry/agentinstances?$filter=x eq '{id}'",
        ])
    }

    fn t(url: &str) -> Option<String> {
        m().match_url(url).map(|x| x.template)
    }

    #[test]
    fn basic_forms() {
        assert_eq!(t("/users").as_deref(), Some("/users"));
        assert_eq!(
            t("https://graph.microsoft.com/v1.0/Users/").as_deref(),
            Some("/users")
        );
        assert_eq!(t("/beta/users/delta").as_deref(), Some("/users/delta"));
        assert_eq!(t("/users/a@b.com").as_deref(), Some("/users/{id}"));
        assert_eq!(
            t("/users('0f3a')/memberOf").as_deref(),
            Some("/users/{id}/memberof")
        );
        assert_eq!(
            t("/users/x/memberOf/microsoft.graph.group?$count=true").as_deref(),
            Some("/users/{id}/memberof")
        );
        assert_eq!(t("/users/$count").as_deref(), Some("/users"));
        assert_eq!(
            t("/applications(appId='123')").as_deref(),
            Some("/applications(appid={value})")
        );
        assert_eq!(
            t("/me/drive/root:/a/b.txt:/content").as_deref(),
            Some("/me/drive/root:/{id}:/content")
        );
        assert_eq!(
            t("/a/filterByCurrentUser(on='reviewer')").as_deref(),
            Some("/a/filterbycurrentuser(on={value})")
        );
        assert_eq!(
            t("/me/getMemberGroups").as_deref(),
            Some("/users/{id}/getmembergroups")
        );
        assert_eq!(
            t("/agentRegistry/agentInstances").as_deref(),
            Some("/agentregistry/agentinstances?$filter=x eq '{id}'")
        );
        assert_eq!(t("/nothing/here"), None);
        assert_eq!(t(""), None);
        assert_eq!(t("/v1.0"), None);
    }

    #[test]
    fn flags() {
        let x = m().match_url("/v1.0/me/memberOf/$count").unwrap();
        assert!(x.is_me && x.count_segment);
        assert_eq!(x.version.as_deref(), Some("v1.0"));
        let x = m()
            .match_url("/users/1/memberOf/microsoft.graph.group")
            .unwrap();
        assert_eq!(x.cast.as_deref(), Some("microsoft.graph.group"));
    }

    #[test]
    fn garbage_does_not_panic() {
        for s in [
            "(((",
            "/users('",
            "/%ZZ/%",
            "/root:",
            "/a/b:/",
            "://",
            "/{}/{",
            "é/ü('x')",
        ] {
            let _ = m().match_url(s);
            let _ = parse_request(s);
        }
    }
}
