//! `graphtui filter check`: lint a `$filter` expression for an entity and show the final URL.
//!
//! ```text
//! graphtui filter check EXPR [--entity users|groups|devices|servicePrincipals|applications|directoryObjects|PATH]
//!                            [--output text|json]
//! ```
//!
//! `--entity` takes a collection name (`users`), a type name (`user`) or a request path
//! (`groups/{id}/members`, `me/transitiveMemberOf/microsoft.graph.group`); the URL is built for
//! that path under the configured Graph root and API version (`--graph-url`, `--cloud`,
//! `--api-version`).
//!
//! Exit status: `0` when no diagnostic has severity `error`, `1` when at least one has (a syntax
//! error counts), `2` on a usage error (unknown entity, unsupported `--output`).
//!
//! ## JSON output (`--output json`)
//!
//! One JSON object on stdout, stable across releases (fields may be added, never removed):
//!
//! ```json
//! {
//!   "ok": false,
//!   "expr": "accountEnabled eq 'true'",
//!   "entity": "user",
//!   "diagnostics": [
//!     {
//!       "start": 18,
//!       "end": 24,
//!       "column": 19,
//!       "severity": "error",
//!       "message": "'accountEnabled' is a Boolean, but 'true' is a string",
//!       "hint": "drop the quotes: accountEnabled eq true"
//!     }
//!   ],
//!   "advanced_query": false,
//!   "advanced_query_reasons": [],
//!   "url": "https://graph.microsoft.com/v1.0/users?$filter=accountEnabled%20eq%20%27true%27",
//!   "headers": {}
//! }
//! ```
//!
//! - `ok`: true when no diagnostic has severity `error` (same rule as the exit status).
//! - `expr`, `entity`: the expression checked and the entity type it was checked against.
//! - `diagnostics`: in source order. `start`/`end` are **byte** offsets into `expr` (half-open);
//!   `column` is the 1-based character column of `start`; `severity` is `"error"` (Graph would
//!   reject the query), `"warning"` (likely not what you want) or `"info"`; `hint` is a string
//!   or `null`.
//! - `advanced_query`: true when the request needs `ConsistencyLevel: eventual` and `$count=true`;
//!   `advanced_query_reasons` says why, one sentence each.
//! - `url`: the percent-encoded request URL, including `$count=true` when advanced mode is needed.
//! - `headers`: the extra request headers (`{"ConsistencyLevel": "eventual"}` in advanced mode).

use crate::config::Settings;
use crate::odata::capabilities::capabilities;
use crate::odata::error::{ParseError, column};
use crate::odata::lint::{QueryPart, Severity, lint_request};
use crate::odata::url::{QueryOptions, build_with_report};
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
    /// The $filter expression.
    pub expr: String,
    /// The collection the filter applies to: users, groups, devices, servicePrincipals,
    /// applications, directoryObjects, or a path such as groups/{id}/members.
    #[arg(long, default_value = "users")]
    pub entity: String,
    /// Output format: text or json.
    #[arg(long, short, value_enum, default_value = "text")]
    pub output: super::OutputFormat,
}

/// One diagnostic in the `filter check` report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CheckDiagnostic {
    /// Byte offset where the problem starts in the expression.
    pub start: usize,
    /// Byte offset where it ends (exclusive).
    pub end: usize,
    /// 1-based character column of `start`.
    pub column: usize,
    /// `error`, `warning` or `info`.
    pub severity: Severity,
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
}

/// `--entity` named nothing graphtui knows.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown entity '{name}': expected one of {known}, or a path such as groups/{{id}}/members"
)]
pub struct UnknownEntity {
    /// What was given.
    pub name: String,
    /// The accepted collection names.
    pub known: String,
}

/// Checks `expr` as the `$filter` of a list request on `entity`, with URLs under `graph_base`
/// (e.g. `https://graph.microsoft.com/v1.0`).
pub fn check(expr: &str, entity: &str, graph_base: &str) -> Result<CheckReport, UnknownEntity> {
    let caps = capabilities();
    let unknown = || UnknownEntity {
        name: entity.to_string(),
        known: caps.entity_names().join(", "),
    };
    let name = entity.trim().trim_matches('/');
    let (ent, path) = match caps.entity(name) {
        Some(e) => {
            let coll = e
                .collections
                .iter()
                .find(|c| c.eq_ignore_ascii_case(name))
                .or_else(|| e.collections.first())
                .cloned()
                .ok_or_else(unknown)?;
            (e, format!("/{coll}"))
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
            (t.entity, format!("/{rest}"))
        }
    };
    let opts = QueryOptions {
        filter: Some(expr.to_string()),
        ..Default::default()
    };
    let report = lint_request(&path, Some(&path), &opts);
    let built = build_with_report(graph_base, &path, &opts, &report);
    let mut diagnostics: Vec<CheckDiagnostic> = report
        .diagnostics
        .iter()
        .filter(|d| d.part == QueryPart::Filter || d.part == QueryPart::Path)
        .map(|d| {
            let (start, end) = if d.part == QueryPart::Filter {
                (d.span.start.min(expr.len()), d.span.end.min(expr.len()))
            } else {
                (0, 0)
            };
            CheckDiagnostic {
                start,
                end: end.max(start),
                column: column(expr, start),
                severity: d.severity,
                message: d.message.clone(),
                hint: d.hint.clone(),
            }
        })
        .collect();
    diagnostics.sort_by_key(|d| (d.start, d.end, d.severity));
    let headers = built
        .headers
        .iter()
        .map(|(k, v)| (k.clone(), serde_json::Value::String(v.clone())))
        .collect();
    Ok(CheckReport {
        ok: !diagnostics.iter().any(|d| d.severity == Severity::Error),
        expr: expr.to_string(),
        entity: ent.name.clone(),
        diagnostics,
        advanced_query: built.advanced_query,
        advanced_query_reasons: built.reasons,
        url: built.url,
        headers,
    })
}

/// The human-readable form: each diagnostic with a caret line under the spot, then the
/// advanced-query verdict, the URL and the headers.
pub fn render_text(r: &CheckReport) -> String {
    let mut out = String::new();
    let expr = &r.expr;
    if r.diagnostics.is_empty() {
        out.push_str("no problems found\n");
    }
    for d in &r.diagnostics {
        let msg = format!(
            "{} at column {}: {}",
            d.severity.as_str(),
            d.column,
            sanitize(&d.message)
        );
        let mut e = ParseError::new(d.start..d.end, msg);
        if let Some(h) = &d.hint {
            e = e.with_hint(sanitize(h));
        }
        out.push_str(&e.render(expr));
        out.push_str("\n\n");
    }
    if r.advanced_query {
        out.push_str("advanced query: needed (ConsistencyLevel: eventual + $count=true)\n");
        for reason in &r.advanced_query_reasons {
            out.push_str(&format!("  - {}\n", sanitize(reason)));
        }
    } else {
        out.push_str("advanced query: not needed\n");
    }
    out.push_str(&format!("URL: {}\n", r.url));
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
    let report = match check(&args.expr, &args.entity, graph_base) {
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
        assert!(
            json["diagnostics"][0]["hint"].is_null() || json["diagnostics"][0]["hint"].is_string()
        );
    }
}
