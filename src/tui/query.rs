//! Building list requests from a [`Query`], the advanced-query rules, quick diagnostics and
//! completion for the query bar.
//!
//! Rules follow `concepts/aad-advanced-queries.md` (see /work/shared/graph-facts.md §6): `$search`,
//! `ne`/`not`, `endsWith`, `$filter` with `$orderby`, `$orderby` other than displayName /
//! userPrincipalName, and `$count` need `ConsistencyLevel: eventual` plus `$count=true`.

use super::action::Request;
use super::model::{Kind, PAGE_SIZE, Query};
use crate::odata::capabilities::capabilities;
use crate::odata::complete::{Candidate, CandidateKind, complete_filter_preferring};
use crate::odata::lint::{LintReport, QueryPart, Severity, lint_request};
use crate::odata::url::QueryOptions;
use percent_encoding::{AsciiSet, CONTROLS, utf8_percent_encode};

/// Characters encoded in query values (keeps `$`, `,`, `(`, `)`, `'` readable like Graph Explorer).
const QUERY_VALUE: &AsciiSet = &CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'#')
    .add(b'%')
    .add(b'&')
    .add(b'+')
    .add(b'<')
    .add(b'>')
    .add(b'=')
    .add(b'?')
    .add(b'`')
    .add(b'{')
    .add(b'}');

/// A diagnostic on one query field, with the byte span it points at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// Field index in [`Query::fields`] order.
    pub field: usize,
    pub start: usize,
    pub end: usize,
    pub message: String,
    pub error: bool,
}

/// The query bar's fields, in [`Query::fields`] order.
pub const FIELD_NAMES: [&str; 5] = ["$filter", "$search", "$orderby", "$select", "$top"];

/// "$filter" or "$filter (2), $top" for the fields of some diagnostics.
pub fn field_counts(fields: &[usize]) -> String {
    let mut out = vec![];
    for (i, name) in FIELD_NAMES.iter().enumerate() {
        match fields.iter().filter(|f| **f == i).count() {
            0 => {}
            1 => out.push(name.to_string()),
            n => out.push(format!("{name} ({n})")),
        }
    }
    out.join(", ")
}

/// A request with the reasons advanced-query mode was turned on.
#[derive(Debug, Clone, PartialEq)]
pub struct Built {
    pub request: Request,
    pub advanced: Vec<String>,
}

/// Why the query needs advanced-query mode (empty when it does not).
pub fn advanced_reasons(kind: Kind, q: &Query) -> Vec<String> {
    let mut why = vec![];
    let f = q.filter.to_ascii_lowercase();
    if !q.search.trim().is_empty() {
        why.push("$search needs ConsistencyLevel: eventual".to_string());
    }
    if contains_word(&f, "ne") || contains_word(&f, "not") {
        why.push("the ne / not operators are advanced-only".to_string());
    }
    if f.contains("endswith(") {
        why.push("endsWith is advanced-only (mail, userPrincipalName, proxyAddresses)".to_string());
    }
    if f.contains("/$count") {
        why.push("$count inside $filter is advanced-only".to_string());
    }
    if !q.filter.trim().is_empty() && !q.orderby.trim().is_empty() {
        why.push("$filter together with $orderby is advanced-only".to_string());
    } else if !q.orderby.trim().is_empty() {
        let basic: &[&str] = match kind {
            Kind::User => &["displayname", "userprincipalname"],
            _ => &["displayname"],
        };
        for part in q.orderby.split(',') {
            let prop = part
                .split_whitespace()
                .next()
                .unwrap_or("")
                .to_ascii_lowercase();
            if !prop.is_empty() && !basic.contains(&prop.as_str()) {
                why.push(format!("$orderby on {prop} is advanced-only"));
            }
        }
    }
    if kind == Kind::User {
        for p in [
            "companyname",
            "mobilephone",
            "officelocation",
            "postalcode",
            "employeetype",
            "employeehiredate",
            "showinaddresslist",
        ] {
            if f.contains(p) {
                why.push(format!("filtering on {p} is advanced-only"));
            }
        }
    }
    why
}

fn contains_word(s: &str, w: &str) -> bool {
    s.split(|c: char| !c.is_ascii_alphanumeric())
        .any(|t| t == w)
}

fn enc(s: &str) -> String {
    utf8_percent_encode(s.trim(), QUERY_VALUE).to_string()
}

/// The toolkit's query options for a [`Query`].
pub fn options(q: &Query) -> QueryOptions {
    let opt = |s: &str| (!s.trim().is_empty()).then(|| s.trim().to_string());
    QueryOptions {
        filter: opt(&q.filter),
        search: opt(&q.search),
        orderby: opt(&q.orderby),
        select: q
            .select
            .split(',')
            .map(str::trim)
            .filter(|x| !x.is_empty())
            .map(str::to_string)
            .collect(),
        top: q.top.trim().parse().ok(),
        ..QueryOptions::default()
    }
}

/// The OData linter's report for `path` with `q`, when the toolkit knows the collection.
pub fn lint(path: &str, q: &Query) -> Option<LintReport> {
    capabilities().resolve_path(path)?;
    Some(lint_request(path, None, &options(q)))
}

/// Builds the first-page request of `path` with `q`. Advanced-query mode follows the OData
/// linter where it knows the collection, else the rules above.
pub fn build(kind: Kind, path: &str, q: &Query, queryable: bool) -> Built {
    let advanced = if !queryable {
        vec![]
    } else {
        match lint(path, q) {
            Some(r) if r.advanced_query => r.advanced_query_reasons,
            Some(_) => vec![],
            None => advanced_reasons(kind, q),
        }
    };
    let mut params: Vec<String> = vec![];
    if queryable {
        if !q.filter.trim().is_empty() {
            params.push(format!("$filter={}", enc(&q.filter)));
        }
        if !q.search.trim().is_empty() {
            params.push(format!("$search={}", enc(&q.search)));
        }
        if !q.orderby.trim().is_empty() {
            params.push(format!("$orderby={}", enc(&q.orderby)));
        }
    }
    if !q.select.trim().is_empty() {
        params.push(format!("$select={}", enc(&q.select)));
    }
    let top = q.top.trim();
    if !top.is_empty() {
        params.push(format!("$top={}", enc(top)));
    } else if queryable {
        params.push(format!("$top={PAGE_SIZE}"));
    }
    if !advanced.is_empty() {
        params.push("$count=true".to_string());
    }
    let url = if params.is_empty() {
        path.to_string()
    } else {
        format!("{path}?{}", params.join("&"))
    };
    let mut request = Request::get(url);
    if !advanced.is_empty() {
        request = request.header("ConsistencyLevel", "eventual");
    }
    Built { request, advanced }
}

/// Diagnostics for the query bar: the OData linter's (errors and warnings, with hints) where
/// it knows the collection, else quick local checks.
pub fn diagnostics(path: &str, q: &Query) -> Vec<Diagnostic> {
    let Some(report) = lint(path, q) else {
        return quick_checks(q);
    };
    report
        .diagnostics
        .into_iter()
        .filter(|d| d.severity != Severity::Info)
        .map(|d| {
            let field = match d.part {
                QueryPart::Search => 1,
                QueryPart::Orderby => 2,
                QueryPart::Select => 3,
                QueryPart::Top => 4,
                _ => 0,
            };
            let message = match &d.hint {
                Some(h) => format!("{} ({h})", d.message),
                None => d.message.clone(),
            };
            Diagnostic {
                field,
                start: d.span.start,
                end: d.span.end,
                message,
                error: d.severity == Severity::Error,
            }
        })
        .collect()
}

/// Quick checks of the query fields: balanced quotes/parentheses, `$top` range, `$search` quoting.
pub fn quick_checks(q: &Query) -> Vec<Diagnostic> {
    let mut out = vec![];
    let f = &q.filter;
    let mut depth: i32 = 0;
    let mut in_str = false;
    let mut str_start = 0;
    let mut open_at = vec![];
    for (i, c) in f.char_indices() {
        match c {
            '\'' => {
                in_str = !in_str;
                str_start = i;
            }
            '(' if !in_str => {
                depth += 1;
                open_at.push(i);
            }
            ')' if !in_str => {
                depth -= 1;
                if depth < 0 {
                    out.push(diag(0, i, i + 1, "unmatched ')'"));
                    depth = 0;
                } else {
                    open_at.pop();
                }
            }
            _ => {}
        }
    }
    if in_str {
        out.push(diag(
            0,
            str_start,
            f.len(),
            "unterminated string: add a closing '",
        ));
    } else if let Some(&i) = open_at.last() {
        out.push(diag(0, i, i + 1, "unclosed '(': add a ')'"));
    }
    let fl = f.to_ascii_lowercase();
    for (op, hint) in [
        ("==", "use eq, not =="),
        ("!=", "use ne, not !="),
        ("&&", "use and, not &&"),
        ("||", "use or, not ||"),
    ] {
        if let Some(i) = fl.find(op) {
            out.push(diag(0, i, i + op.len(), hint));
        }
    }
    if let Some(i) = fl.find("contains(") {
        out.push(diag(
            0,
            i,
            i + 8,
            "contains is not supported on directory objects; use startsWith or $search",
        ));
    }
    let s = q.search.trim();
    if !s.is_empty() && !s.starts_with('"') {
        out.push(diag(
            1,
            0,
            q.search.len(),
            "$search clauses are quoted: \"displayName:text\"",
        ));
    }
    let t = q.top.trim();
    if !t.is_empty() {
        match t.parse::<u32>() {
            Ok(n) if (1..=999).contains(&n) => {}
            _ => out.push(diag(
                4,
                0,
                q.top.len(),
                "$top must be a number from 1 to 999",
            )),
        }
    }
    out
}

fn diag(field: usize, start: usize, end: usize, m: &str) -> Diagnostic {
    Diagnostic {
        field,
        start,
        end,
        message: m.to_string(),
        error: true,
    }
}

/// Completion for a field while typing: byte range of `text` to replace and (label, insert)
/// candidates; nothing where no word is being typed. See [`completions_for`].
pub fn completions(
    kind: Kind,
    path: &str,
    field: usize,
    text: &str,
    cursor: usize,
) -> (std::ops::Range<usize>, Vec<(String, String)>) {
    completions_for(kind, path, field, text, cursor, &[], false)
}

/// Completion for a field: byte range of `text` to replace and (label, insert) candidates.
/// `$filter` uses the OData toolkit's context-aware completion where it knows the collection,
/// with property names in `preferred` (the list's columns) ranked first. `explicit` (Tab)
/// also offers candidates where no word is typed yet: the operators valid after a property,
/// the values after an operator, `and`/`or` after a value. Labels carry the candidate's note
/// ("advanced query", "not filterable") where it has one worth showing.
pub fn completions_for(
    kind: Kind,
    path: &str,
    field: usize,
    text: &str,
    cursor: usize,
    preferred: &[&str],
    explicit: bool,
) -> (std::ops::Range<usize>, Vec<(String, String)>) {
    if field == 0
        && let Some(t) = capabilities().resolve_path(path)
    {
        let c = complete_filter_preferring(t.entity, text, cursor, preferred);
        let word = text.get(c.range.clone()).unwrap_or("");
        if word.is_empty() && !explicit {
            return (c.range, vec![]);
        }
        let items = c
            .candidates
            .into_iter()
            .filter(|x| x.insert != word)
            .take(12)
            .map(|x| (label_of(&x), x.insert))
            .collect();
        return (c.range, items);
    }
    let mut cur = cursor.min(text.len());
    while cur > 0 && !text.is_char_boundary(cur) {
        cur -= 1;
    }
    let before = &text[..cur];
    let start = before
        .rfind(|c: char| !(c.is_ascii_alphanumeric() || c == '@' || c == '.' || c == '"'))
        .map_or(0, |i| i + 1);
    let items = complete(kind, field, before)
        .into_iter()
        .map(|c| (c.clone(), c))
        .collect();
    (start..cur, items)
}

/// A candidate as the popup shows it: the label, with its note when the note says something
/// the label does not (advanced-only, not filterable, what a value is).
fn label_of(c: &Candidate) -> String {
    let note = c.detail.as_deref().filter(|d| {
        matches!(*d, "advanced query" | "not filterable")
            || matches!(c.kind, CandidateKind::Operator | CandidateKind::Value)
    });
    match note {
        Some(n) => format!("{}  · {n}", c.label),
        None => c.label.clone(),
    }
}

/// Completion candidates for the word before the cursor in a field.
pub fn complete(kind: Kind, field: usize, text: &str) -> Vec<String> {
    let word_start = text
        .rfind(|c: char| !(c.is_ascii_alphanumeric() || c == '@' || c == '.'))
        .map_or(0, |i| i + 1);
    let word = &text[word_start..];
    if word.is_empty() && field != 4 {
        return vec![];
    }
    let props = kind.all_columns();
    let funcs = [
        "startsWith(",
        "endsWith(",
        "eq",
        "ne",
        "not",
        "and",
        "or",
        "in",
        "ge",
        "le",
        "any(",
    ];
    let mut cands: Vec<String> = match field {
        0 => props
            .iter()
            .map(String::as_str)
            .chain(funcs)
            .map(str::to_string)
            .collect(),
        1 => props.iter().map(|p| format!("\"{p}:")).collect(),
        2 => props
            .iter()
            .flat_map(|p| [p.clone(), format!("{p} desc")])
            .collect(),
        3 => props.clone(),
        _ => vec!["10".into(), "100".into(), "999".into()],
    };
    cands.retain(|c| {
        c.to_ascii_lowercase()
            .starts_with(&word.to_ascii_lowercase())
            && c != word
            && !c.starts_with("@odata")
    });
    cands.truncate(12);
    cands
}

/// Replaces the word before the end of `text` with `cand`.
pub fn apply_completion(text: &str, cand: &str) -> String {
    let word_start = text
        .rfind(|c: char| !(c.is_ascii_alphanumeric() || c == '@' || c == '.' || c == '"'))
        .map_or(0, |i| i + 1);
    format!("{}{}", &text[..word_start], cand)
}

/// Decodes percent-escapes for display.
pub fn decode(url: &str) -> String {
    percent_encoding::percent_decode_str(url)
        .decode_utf8_lossy()
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_filter_is_not_advanced() {
        let q = Query {
            filter: "startsWith(displayName,'A')".into(),
            ..Query::default()
        };
        let b = build(Kind::User, "/users", &q, true);
        assert!(b.advanced.is_empty());
        assert_eq!(
            b.request.url,
            "/users?$filter=startsWith(displayName,'A')&$top=100"
        );
        assert!(b.request.headers.is_empty());
    }

    #[test]
    fn ends_with_turns_on_advanced_mode() {
        let q = Query {
            filter: "endsWith(mail,'@contoso.com')".into(),
            ..Query::default()
        };
        let b = build(Kind::User, "/users", &q, true);
        assert!(!b.advanced.is_empty(), "{:?}", b.advanced);
        assert!(b.request.url.ends_with("&$count=true"));
        assert_eq!(
            b.request.headers,
            vec![("ConsistencyLevel".to_string(), "eventual".to_string())]
        );
    }

    #[test]
    fn filter_with_orderby_and_search_are_advanced() {
        let q = Query {
            filter: "accountEnabled eq true".into(),
            orderby: "displayName".into(),
            ..Query::default()
        };
        assert!(!advanced_reasons(Kind::User, &q).is_empty());
        let q = Query {
            search: "\"displayName:ann\"".into(),
            ..Query::default()
        };
        assert!(!advanced_reasons(Kind::Group, &q).is_empty());
        let q = Query {
            orderby: "displayName desc".into(),
            ..Query::default()
        };
        assert!(advanced_reasons(Kind::User, &q).is_empty());
    }

    #[test]
    fn diagnostics_point_at_the_problem() {
        let q = Query {
            filter: "startsWith(displayName,'A'".into(),
            top: "5000".into(),
            ..Query::default()
        };
        let d = quick_checks(&q);
        assert_eq!(d.len(), 2);
        assert_eq!((d[0].field, d[0].start), (0, 10));
        assert_eq!(d[1].field, 4);
    }

    #[test]
    fn linter_drives_diagnostics_advanced_mode_and_completion() {
        let q = Query {
            filter: "endsWith(mail,'@contoso.com')".into(),
            ..Query::default()
        };
        let b = build(Kind::User, "/users", &q, true);
        assert!(!b.advanced.is_empty(), "{b:?}");
        let bad = Query {
            filter: "startsWith(displayName,'A'".into(),
            ..Query::default()
        };
        let d = diagnostics("/users", &bad);
        assert!(d.iter().any(|d| d.error && d.field == 0), "{d:?}");
        let (range, items) = completions(Kind::User, "/users", 0, "startsWith(dis", 14);
        assert_eq!(range.end, 14);
        assert!(
            items.iter().any(|(_, ins)| ins.starts_with("displayName")),
            "{items:?}"
        );
    }

    #[test]
    fn completion_of_property_prefix() {
        let c = complete(Kind::User, 0, "startsWith(dis");
        assert_eq!(c, vec!["displayName".to_string()]);
        assert_eq!(
            apply_completion("startsWith(dis", "displayName"),
            "startsWith(displayName"
        );
    }
    fn inserts(field_text: &str, preferred: &[&str]) -> Vec<String> {
        let n = field_text.len();
        completions_for(Kind::User, "/users", 0, field_text, n, preferred, true)
            .1
            .into_iter()
            .map(|(_, ins)| ins)
            .collect()
    }

    #[test]
    fn tab_offers_operators_and_values_where_nothing_is_typed() {
        let ops = inserts("accountEnabled ", &[]);
        assert!(ops.iter().any(|o| o == "eq"), "{ops:?}");
        let (_, labels) = completions_for(Kind::User, "/users", 0, "displayName ", 12, &[], true);
        assert!(
            labels.iter().any(|(l, _)| l == "ne  · advanced query"),
            "{labels:?}"
        );
        assert_eq!(inserts("accountEnabled eq ", &[])[..2], ["true", "false"]);
        let v = inserts("userType eq ", &[]);
        assert!(
            v.contains(&"'Member'".to_string()) && v.contains(&"'Guest'".to_string()),
            "{v:?}"
        );
        // While typing, nothing pops up where no word is typed.
        assert!(
            completions(Kind::User, "/users", 0, "userType eq ", 12)
                .1
                .is_empty()
        );
    }

    #[test]
    fn property_names_rank_the_lists_columns_first() {
        let cols = [
            "displayName",
            "userPrincipalName",
            "mail",
            "jobTitle",
            "department",
        ];
        let d = inserts("d", &cols);
        assert_eq!(d[..2], ["displayName", "department"], "{d:?}");
    }

    #[test]
    fn status_counts_errors_per_field() {
        assert_eq!(field_counts(&[0, 0, 4]), "$filter (2), $top");
    }

    /// Linting and completing a filter cost about linear time in its length: 4,000 chars
    /// take far less than 16x the time of 1,000 chars (what quadratic work would take). The
    /// best of several runs is compared, with a generous factor, so a loaded machine does not
    /// make it fail.
    #[test]
    fn lint_and_completion_are_linear_in_the_filter_length() {
        fn filter(n: usize) -> String {
            let mut f = String::new();
            let mut i = 0;
            while f.len() < n {
                f.push_str(&format!("startswith(displayName,'abcdefgh{i:02}') or "));
                i += 1;
            }
            f.push_str("accountEnabled eq 'true'");
            f
        }
        fn best(f: &str) -> f64 {
            let q = Query {
                filter: f.to_string(),
                ..Query::default()
            };
            (0..7)
                .map(|_| {
                    let t = std::time::Instant::now();
                    let d = diagnostics("/users", &q);
                    let b = build(Kind::User, "/users", &q, true);
                    let c = completions_for(Kind::User, "/users", 0, f, f.len() - 3, &[], true);
                    assert!(!d.is_empty() && !b.request.url.is_empty() && c.0.end > 0);
                    t.elapsed().as_secs_f64()
                })
                .fold(f64::MAX, f64::min)
        }
        let _ = best(&filter(100)); // warm-up (the capability table loads once)
        let small = best(&filter(1_000));
        let large = best(&filter(4_000));
        assert!(
            large < small * 10.0,
            "4,000 chars took {large:.6}s, 1,000 chars {small:.6}s"
        );
    }
}
