//! `graphtui filter check`: lint a `$filter` expression (and optionally the other query options)
//! for an entity, say whether advanced-query mode is needed and why, and show the final URL.
//!
//! ```text
//! graphtui filter check EXPR [--entity users|groups|devices|servicePrincipals|applications|directoryObjects|PATH]
//!                            [--orderby ORDERBY] [--search SEARCH] [--select a,b] [--expand EXPAND]
//!                            [--top N] [--count] [--output text|json]
//! graphtui filter check 'https://graph.microsoft.com/v1.0/users?$filter=...&$orderby=...'
//! ```
//!
//! - `--entity` takes a collection name (`users`, the default), a type name (`user`) or a request
//!   path (`groups/{id}/members`, `me/transitiveMemberOf/microsoft.graph.group`).
//! - When `EXPR` is a pasted Graph URL (`https://...`) or a path starting with `/`
//!   (`/users?$filter=...`), the whole request is checked: the entity comes from the path and
//!   every query option in it is linted. A URL on a host that is not a Microsoft Graph endpoint is
//!   refused (exit 2).
//! - The URL printed is built under the configured Graph root and API version (`--graph-url`,
//!   `--cloud`, `--api-version`); values are percent-encoded like the Graph SDKs do, and
//!   `$count=true` plus the `ConsistencyLevel: eventual` header are added when advanced mode is
//!   needed.
//!
//! Exit status: `0` when no diagnostic has severity `error`, `1` when at least one has (a syntax
//! error counts), `2` on a usage error (unknown entity, unusable URL, `--output csv`).
//!
//! ## JSON output (`--output json`)
//!
//! One JSON object on stdout. Stable: fields may be added, never removed or renamed.
//!
//! ```json
//! {
//!   "ok": false,
//!   "expr": "accountEnabled eq 'true'",
//!   "entity": "user",
//!   "diagnostics": [
//!     {
//!       "option": "$filter",
//!       "start": 18,
//!       "end": 24,
//!       "column": 19,
//!       "severity": "error",
//!       "code": "type-mismatch",
//!       "message": "'accountEnabled' is a Boolean, but 'true' is a string",
//!       "hint": "drop the quotes: accountEnabled eq true"
//!     }
//!   ],
//!   "advanced_query": false,
//!   "advanced_query_reasons": [],
//!   "url": "https://graph.microsoft.com/v1.0/users?$filter=accountEnabled%20eq%20%27true%27",
//!   "headers": {},
//!   "path": "/users",
//!   "options": { "$filter": "accountEnabled eq 'true'" }
//! }
//! ```
//!
//! | field | type | meaning |
//! |---|---|---|
//! | `ok` | bool | true when no diagnostic has severity `error` (same rule as the exit status) |
//! | `expr` | string | the `$filter` checked (`""` when a pasted URL had none) |
//! | `entity` | string | the entity type checked against (`user`, `group`, `directoryObject`...) |
//! | `diagnostics` | array | findings, `$filter` ones first, each in source order |
//! | `diagnostics[].option` | string | the option the offsets point into: `$filter` (= `expr`), `$search`, `$orderby`, `$select`, `$expand`, `$top`, `$count` or `path` |
//! | `diagnostics[].start`, `.end` | int | half-open **byte** offsets into that option's text (for `$filter`: into `expr`) |
//! | `diagnostics[].column` | int | 1-based **character** column of `start` |
//! | `diagnostics[].severity` | string | `"error"` (Graph would reject it), `"warning"` (likely not what you want), `"info"` |
//! | `diagnostics[].code` | string | stable kind of finding, kebab-case: `syntax`, `unknown-property`, `relationship`, `property-case`, `not-a-condition`, `collection-needs-any`, `not-a-collection`, `not-filterable`, `unsupported-operator`, `unsupported-expression`, `unsupported-function`, `bad-arguments`, `type-mismatch`, `count-comparison`, `unknown-value`, `whitespace`, `date-without-time`, `matches-everything`, `all-lambda`, `empty-lambda`, `sign-in-activity-combined`, `search-syntax`, `search-empty-clause`, `search-not-tokenized`, `search-undocumented`, `not-searchable`, `not-sortable`, `unknown-select`, `unknown-expand`, `unsupported-expand-option`, `expand-with-advanced`, `top-range`, `single-object`, `no-capability-data`, `extension-property`, `filter-too-deep`, `expand-limits` |
//! | `diagnostics[].message` | string | what is wrong |
//! | `diagnostics[].hint` | string or null | how to fix it |
//! | `advanced_query` | bool | true when `ConsistencyLevel: eventual` + `$count=true` are needed (as far as could be determined: a `$filter` with a syntax error contributes nothing) |
//! | `advanced_query_reasons` | array of strings | why, one sentence each |
//! | `url` | string | the percent-encoded request URL (with `$count=true` in advanced mode) |
//! | `headers` | object | extra request headers, e.g. `{"ConsistencyLevel": "eventual"}` |
//! | `path` | string | the request path checked (`/users`, `/groups/{id}/members`) |
//! | `options` | object | the query options checked, by name, as text |

use crate::config::Settings;
use crate::odata::capabilities::{Entity, capabilities};
use crate::odata::error::{ParseError, column};
use crate::odata::lint::{Code, QueryPart, Severity, lint_request};
use crate::odata::url::{QueryOptions, UrlError, build_with_report, parse_graph_url};
use crate::util::sanitize;
use clap::{Args, Subcommand};
use serde::Serialize;

/// `filter` subcommands.
#[derive(Debug, Clone, Subcommand)]
pub enum FilterCommand {
    /// Check a $filter expression: diagnostics, advanced-query needs, and the final URL.
    Check(CheckArgs),
}

/// Options for `filter check`.
#[derive(Debug, Clone, Args)]
pub struct CheckArgs {
    /// The $filter expression, or a whole Graph URL / path with a query to check.
    pub expr: String,
    /// The collection the filter applies to: users, groups, devices, servicePrincipals,
    /// applications, directoryObjects, or a path such as groups/{id}/members.
    #[arg(long, default_value = "users")]
    pub entity: String,
    /// Output format: text or json.
    #[arg(long, short, value_enum, default_value = "text")]
    pub output: super::OutputFormat,
    /// Also check this $orderby (e.g. "displayName desc").
    #[arg(long, value_name = "ORDERBY")]
    pub orderby: Option<String>,
    /// Also check this $search (e.g. '"displayName:alice"').
    #[arg(long, value_name = "SEARCH")]
    pub search: Option<String>,
    /// Also check this $select (comma-separated property names).
    #[arg(long, value_name = "PROPS", value_delimiter = ',')]
    pub select: Vec<String>,
    /// Also check this $expand (e.g. "manager($levels=max;$select=id,displayName)").
    #[arg(long, value_name = "EXPAND")]
    pub expand: Option<String>,
    /// Also check this $top.
    #[arg(long, value_name = "N", allow_negative_numbers = true)]
    pub top: Option<i64>,
    /// Add $count=true.
    #[arg(long)]
    pub count: bool,
}

/// One diagnostic in the `filter check` report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CheckDiagnostic {
    /// The query option the offsets point into: `$filter` (the expression), `$search`,
    /// `$orderby`, `$select`, `$expand`, `$top`, `$count`, or `path`.
    pub option: &'static str,
    /// Byte offset where the problem starts in the expression.
    pub start: usize,
    /// Byte offset where it ends (exclusive).
    pub end: usize,
    /// 1-based character column of `start`.
    pub column: usize,
    /// `error`, `warning` or `info`.
    pub severity: Severity,
    /// Machine-readable kind of finding (`type-mismatch`, `unknown-property`...).
    pub code: Code,
    /// What is wrong.
    pub message: String,
    /// How to fix it.
    pub hint: Option<String>,
}

/// The `filter check` report (the JSON object printed by `--output json`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CheckReport {
    /// True when no diagnostic is an error.
    pub ok: bool,
    /// The expression checked.
    pub expr: String,
    /// The entity type it was checked against.
    pub entity: String,
    /// Findings, in source order.
    pub diagnostics: Vec<CheckDiagnostic>,
    /// True when advanced-query parameters are needed.
    pub advanced_query: bool,
    /// Why.
    pub advanced_query_reasons: Vec<String>,
    /// The final request URL.
    pub url: String,
    /// Extra request headers.
    pub headers: serde_json::Map<String, serde_json::Value>,
    /// The request path checked (`/users`).
    pub path: String,
    /// The query options checked, by name (`$filter`, `$orderby`...), as text.
    pub options: serde_json::Map<String, serde_json::Value>,
}

/// Why `filter check` could not run (usage errors, exit status 2).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CheckError {
    /// `--entity` named nothing graphtui knows.
    #[error(
        "unknown entity '{name}': expected one of {known}, or a path such as groups/{{id}}/members"
    )]
    UnknownEntity {
        /// What was given.
        name: String,
        /// The accepted collection names.
        known: String,
    },
    /// A pasted URL that could not be taken apart.
    #[error("cannot use that URL: {0}")]
    Url(#[from] UrlError),
    /// A pasted URL whose path graphtui has no capability data for.
    #[error(
        "no capability data for the path '{0}': it is not a directory collection graphtui knows"
    )]
    UnknownPath(String),
}

/// Resolves `--entity` (collection name, type name or path) to an entity and a request path.
fn entity_and_path(entity: &str) -> Result<(&'static Entity, String), CheckError> {
    let caps = capabilities();
    let unknown = || CheckError::UnknownEntity {
        name: entity.to_string(),
        known: caps.entity_names().join(", "),
    };
    let name = entity.trim().trim_matches('/');
    match caps.entity(name) {
        Some(e) => {
            let coll = e
                .collections
                .iter()
                .find(|c| c.eq_ignore_ascii_case(name))
                .or_else(|| e.collections.first())
                .cloned()
                .ok_or_else(unknown)?;
            Ok((e, format!("/{coll}")))
        }
        None => {
            let t = caps.resolve_path(name).ok_or_else(unknown)?;
            let rest = name
                .split_once('/')
                .filter(|(first, _)| {
                    first.eq_ignore_ascii_case("v1.0") || first.eq_ignore_ascii_case("beta")
                })
                .map(|(_, r)| r)
                .unwrap_or(name);
            Ok((t.entity, format!("/{rest}")))
        }
    }
}

/// True when `expr` is a pasted Graph URL or path with a query rather than a `$filter`.
pub fn looks_like_url(expr: &str) -> bool {
    let t = expr.trim_start();
    let lower = t.to_ascii_lowercase();
    lower.starts_with("https://")
        || lower.starts_with("http://")
        || t.starts_with('/')
        || crate::odata::url::GRAPH_HOSTS
            .iter()
            .any(|h| lower.starts_with(&format!("{h}/")))
}

/// Checks `expr` as the `$filter` of a list request on `entity`, with URLs under `graph_base`
/// (e.g. `https://graph.microsoft.com/v1.0`).
pub fn check(expr: &str, entity: &str, graph_base: &str) -> Result<CheckReport, CheckError> {
    let opts = QueryOptions {
        filter: Some(expr.to_string()),
        ..Default::default()
    };
    check_options(entity, &opts, graph_base)
}

/// Checks a set of query options for a list request on `entity`.
pub fn check_options(
    entity: &str,
    opts: &QueryOptions,
    graph_base: &str,
) -> Result<CheckReport, CheckError> {
    let (ent, path) = entity_and_path(entity)?;
    Ok(report_for(ent, &path, opts, graph_base))
}

/// Checks a pasted Graph URL (`https://graph.microsoft.com/v1.0/users?$filter=...`) or path
/// (`/users?$filter=...`): the entity comes from the path. The URL is rebuilt under
/// `graph_base`.
pub fn check_url(input: &str, graph_base: &str) -> Result<CheckReport, CheckError> {
    let parsed = parse_graph_url(input)?;
    let target = capabilities()
        .resolve_path(&parsed.path)
        .ok_or_else(|| CheckError::UnknownPath(parsed.path.clone()))?;
    Ok(report_for(
        target.entity,
        &parsed.path,
        &parsed.options,
        graph_base,
    ))
}

fn part_text(part: QueryPart, opts: &QueryOptions, path: &str) -> String {
    match part {
        QueryPart::Path => path.to_string(),
        QueryPart::Filter => opts.filter.clone().unwrap_or_default(),
        QueryPart::Search => opts.search.clone().unwrap_or_default(),
        QueryPart::Orderby => opts.orderby.clone().unwrap_or_default(),
        QueryPart::Select => opts.select.join(","),
        QueryPart::Expand => opts.expand.clone().unwrap_or_default(),
        QueryPart::Top => opts.top.map(|t| t.to_string()).unwrap_or_default(),
        QueryPart::Count => opts.count.to_string(),
    }
}

fn report_for(ent: &Entity, path: &str, opts: &QueryOptions, graph_base: &str) -> CheckReport {
    let report = lint_request(path, Some(path), opts);
    let built = build_with_report(graph_base, path, opts, &report);
    let mut diagnostics: Vec<CheckDiagnostic> = report
        .diagnostics
        .iter()
        .map(|d| {
            let text = part_text(d.part, opts, path);
            let start = d.span.start.min(text.len());
            let end = d.span.end.min(text.len()).max(start);
            CheckDiagnostic {
                option: d.part.as_str(),
                start,
                end,
                column: column(&text, start),
                severity: d.severity,
                code: d.code,
                message: d.message.clone(),
                hint: d.hint.clone(),
            }
        })
        .collect();
    let order = |o: &str| match o {
        "path" => 0,
        "$filter" => 1,
        "$search" => 2,
        "$orderby" => 3,
        "$select" => 4,
        "$expand" => 5,
        "$top" => 6,
        _ => 7,
    };
    diagnostics.sort_by_key(|d| (order(d.option), d.start, d.end, d.severity));
    let headers = built
        .headers
        .iter()
        .map(|(k, v)| (k.clone(), serde_json::Value::String(v.clone())))
        .collect();
    let mut options = serde_json::Map::new();
    for part in [
        QueryPart::Filter,
        QueryPart::Search,
        QueryPart::Orderby,
        QueryPart::Select,
        QueryPart::Expand,
        QueryPart::Top,
    ] {
        let text = part_text(part, opts, path);
        let present = match part {
            QueryPart::Filter => opts.filter.is_some(),
            QueryPart::Search => opts.search.is_some(),
            QueryPart::Orderby => opts.orderby.is_some(),
            QueryPart::Select => !opts.select.is_empty(),
            QueryPart::Expand => opts.expand.is_some(),
            QueryPart::Top => opts.top.is_some(),
            _ => false,
        };
        if present {
            options.insert(part.as_str().to_string(), text.into());
        }
    }
    if opts.count {
        options.insert("$count".into(), "true".into());
    }
    CheckReport {
        ok: !diagnostics.iter().any(|d| d.severity == Severity::Error),
        expr: opts.filter.clone().unwrap_or_default(),
        entity: ent.name.clone(),
        diagnostics,
        advanced_query: built.advanced_query,
        advanced_query_reasons: built.reasons,
        url: built.url,
        headers,
        path: path.to_string(),
        options,
    }
}

/// The human-readable form: each diagnostic with a caret line under the spot (in the option it
/// belongs to), then the advanced-query verdict, the URL and the headers.
pub fn render_text(r: &CheckReport) -> String {
    let mut out = String::new();
    if r.diagnostics.is_empty() {
        out.push_str("no problems found\n");
    }
    for d in &r.diagnostics {
        let text = match d.option {
            "$filter" => r.expr.clone(),
            "path" => r.path.clone(),
            o => r
                .options
                .get(o)
                .and_then(|v| v.as_str())
                .unwrap_or_default()
                .to_string(),
        };
        let place = if d.option == "$filter" {
            String::new()
        } else {
            format!(" in {}", d.option)
        };
        let msg = format!(
            "{}{place} at column {}: {}",
            d.severity.as_str(),
            d.column,
            sanitize(&d.message)
        );
        let mut e = ParseError::new(d.start..d.end, msg);
        if let Some(h) = &d.hint {
            e = e.with_hint(sanitize(h));
        }
        if d.option != "$filter" {
            out.push_str(&format!("{}=", d.option));
            // keep the caret aligned under the value
            let pad = d.option.len() + 1;
            let rendered = e.render(&text);
            let mut lines = rendered.lines();
            if let Some(first) = lines.next() {
                out.push_str(first);
                out.push('\n');
            }
            if let Some(carets) = lines.next() {
                out.push_str(&" ".repeat(pad));
                out.push_str(carets);
                out.push('\n');
            }
            for l in lines {
                out.push_str(l);
                out.push('\n');
            }
            out.push('\n');
        } else {
            out.push_str(&e.render(&text));
            out.push_str("\n\n");
        }
    }
    let syntax_error = r
        .diagnostics
        .iter()
        .any(|d| d.code == Code::Syntax && d.option == "$filter");
    if r.advanced_query {
        out.push_str("advanced query: needed (ConsistencyLevel: eventual + $count=true)\n");
        for reason in &r.advanced_query_reasons {
            out.push_str(&format!("  - {}\n", sanitize(reason)));
        }
    } else if syntax_error {
        out.push_str("advanced query: not determined (fix the $filter syntax error first)\n");
    } else {
        out.push_str("advanced query: not needed\n");
    }
    out.push_str(&format!("URL: {}\n", sanitize(&r.url)));
    for (k, v) in &r.headers {
        out.push_str(&format!(
            "header: {k}: {}\n",
            v.as_str().unwrap_or_default()
        ));
    }
    let errors = r
        .diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .count();
    let warnings = r
        .diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Warning)
        .count();
    out.push_str(&format!(
        "{}: {errors} error(s), {warnings} warning(s)\n",
        if r.ok { "ok" } else { "failed" }
    ));
    out
}

/// Runs `filter check`; returns the exit code.
pub fn run(settings: &Settings, cmd: &FilterCommand) -> u8 {
    match cmd {
        FilterCommand::Check(args) => run_check(&settings.graph_base(), args),
    }
}

/// Builds the report for parsed arguments (what `run` prints).
pub fn check_args(args: &CheckArgs, graph_base: &str) -> Result<CheckReport, CheckError> {
    if looks_like_url(&args.expr) {
        return check_url(&args.expr, graph_base);
    }
    let opts = QueryOptions {
        filter: Some(args.expr.clone()),
        search: args.search.clone(),
        orderby: args.orderby.clone(),
        select: args
            .select
            .iter()
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
            .collect(),
        expand: args.expand.clone(),
        top: args.top,
        count: args.count,
        extra: Vec::new(),
    };
    check_options(&args.entity, &opts, graph_base)
}

fn run_check(graph_base: &str, args: &CheckArgs) -> u8 {
    use super::OutputFormat;
    let json = match args.output {
        OutputFormat::Json | OutputFormat::Ndjson => true,
        OutputFormat::Text | OutputFormat::Table => false,
        OutputFormat::Csv => {
            eprintln!("graphtui filter check: --output csv is not supported (use text or json)");
            return super::exit::USAGE;
        }
    };
    let report = match check_args(args, graph_base) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("graphtui filter check: {}", sanitize(&e.to_string()));
            return super::exit::USAGE;
        }
    };
    if json {
        match serde_json::to_string_pretty(&report) {
            Ok(s) => println!("{s}"),
            Err(e) => {
                eprintln!("graphtui filter check: cannot write JSON: {e}");
                return super::exit::FAILURE;
            }
        }
    } else {
        print!("{}", render_text(&report));
    }
    if report.ok {
        super::exit::OK
    } else {
        super::exit::FAILURE
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const BASE: &str = "https://graph.microsoft.com/v1.0";

    #[test]
    fn reports_errors_with_byte_spans() {
        let r = check("accountEnabled eq 'true'", "users", BASE).unwrap();
        assert!(!r.ok);
        assert_eq!(r.entity, "user");
        assert_eq!(r.diagnostics[0].start, 18);
        assert_eq!(r.diagnostics[0].end, 24);
        assert_eq!(r.diagnostics[0].column, 19);
        assert_eq!(r.diagnostics[0].code, Code::TypeMismatch);
        assert_eq!(
            r.url,
            "https://graph.microsoft.com/v1.0/users?$filter=accountEnabled%20eq%20%27true%27"
        );
        let text = render_text(&r);
        assert!(
            text.contains(
                "accountEnabled eq 'true'\n                  ^^^^^^\nerror at column 19:"
            ),
            "{text}"
        );
    }

    #[test]
    fn advanced_mode_adds_count_and_header() {
        let r = check("endsWith(mail,'@contoso.com')", "users", BASE).unwrap();
        assert!(r.ok && r.advanced_query);
        assert!(r.url.ends_with("&$count=true"));
        assert_eq!(r.headers["ConsistencyLevel"], "eventual");
        assert!(render_text(&r).contains("advanced query: needed"));
    }

    #[test]
    fn entities_by_name_type_or_path() {
        assert_eq!(
            check("id eq 'x'", "groups", BASE).unwrap().url,
            format!("{BASE}/groups?$filter=id%20eq%20%27x%27")
        );
        assert_eq!(check("id eq 'x'", "group", BASE).unwrap().entity, "group");
        let r = check("startsWith(displayName,'a')", "groups/abc/members", BASE).unwrap();
        assert!(r.url.starts_with(&format!("{BASE}/groups/abc/members?")));
        assert!(r.advanced_query);
        let e = check("x", "sites", BASE).unwrap_err();
        assert!(e.to_string().contains("users"), "{e}");
    }

    #[test]
    fn parse_errors_are_error_diagnostics() {
        let r = check("displayName eq", "users", BASE).unwrap();
        assert!(!r.ok);
        assert_eq!(r.diagnostics.len(), 1);
        let json = serde_json::to_value(&r).unwrap();
        assert_eq!(json["diagnostics"][0]["severity"], "error");
        assert_eq!(json["diagnostics"][0]["code"], "syntax");
        assert!(render_text(&r).contains("advanced query: not determined"));
        assert!(
            json["diagnostics"][0]["hint"].is_null() || json["diagnostics"][0]["hint"].is_string()
        );
    }

    #[test]
    fn other_options_are_checked_with_their_own_offsets() {
        let opts = QueryOptions {
            filter: Some("startsWith(displayName,'a')".into()),
            orderby: Some("displayName, citty".into()),
            select: vec!["id".into(), "mial".into()],
            top: Some(1000),
            ..Default::default()
        };
        let r = check_options("users", &opts, BASE).unwrap();
        assert!(!r.ok);
        assert!(r.advanced_query, "filter + orderby");
        let ob = r
            .diagnostics
            .iter()
            .find(|d| d.option == "$orderby")
            .unwrap();
        assert_eq!((ob.start, ob.end), (13, 18));
        let sel = r
            .diagnostics
            .iter()
            .find(|d| d.option == "$select")
            .unwrap();
        assert_eq!(
            (sel.start, sel.end, sel.severity),
            (3, 7, Severity::Warning)
        );
        assert!(r.diagnostics.iter().any(|d| d.option == "$top"));
        let text = render_text(&r);
        assert!(
            text.contains(
                "$orderby=displayName, citty\n                      ^^^^^\nerror in $orderby at column 14"
            ),
            "{text}"
        );
        assert_eq!(r.options["$orderby"], "displayName, citty");
    }

    #[test]
    fn pasted_urls_are_checked_whole() {
        let r = check_url(
            "https://graph.microsoft.com/beta/groups?$filter=groupTypes/any(c:c+eq+'Unified')&$orderby=displayName",
            BASE,
        )
        .unwrap();
        assert!(r.ok, "{:?}", r.diagnostics);
        assert_eq!(r.entity, "group");
        assert_eq!(r.expr, "groupTypes/any(c:c eq 'Unified')");
        assert!(r.advanced_query);
        assert!(r.url.starts_with(&format!("{BASE}/groups?$filter=")));
        assert!(matches!(
            check_url("https://example.com/v1.0/users", BASE),
            Err(CheckError::Url(UrlError::NotGraphHost { .. }))
        ));
        assert!(matches!(
            check_url("/sites?$top=5", BASE),
            Err(CheckError::UnknownPath(_))
        ));
        assert!(looks_like_url("/users?$top=1") && !looks_like_url("displayName eq '/'"));
        assert!(looks_like_url("graph.microsoft.com/v1.0/users"));
    }
}
