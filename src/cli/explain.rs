//! `graphtui explain`: the permissions a request needs, least privileged first, per scheme, and
//! whether the current token has them.

use crate::config::Settings;
use crate::doctor::claims::{Claims, NOT_VERIFIED};
use crate::doctor::diagnose::diagnose;
use crate::doctor::pathmatch::match_request;
use crate::doctor::permmap::{SchemeRequirement, embedded, method_bit};
use clap::Args;
use serde_json::json;

/// Options for `explain`.
#[derive(Debug, Clone, Args)]
pub struct ExplainArgs {
    /// A Graph path or URL.
    pub path: String,
    /// HTTP method.
    #[arg(long, default_value = "GET")]
    pub method: String,
    /// Output format: text or json.
    #[arg(long, short, value_enum, default_value = "text")]
    pub output: super::OutputFormat,
}

/// What `explain` prints, and its exit code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExplainOutput {
    /// Text for stdout.
    pub stdout: String,
    /// Text for stderr.
    pub stderr: String,
    /// Exit code.
    pub code: u8,
}

/// Runs `explain`; returns the exit code.
pub async fn run(settings: &Settings, args: &ExplainArgs) -> u8 {
    // Only the cache is read: no sign-in, no renewal, no network.
    let claims = match cached_claims(settings).await {
        Ok(c) => c,
        Err(e) => {
            eprintln!(
                "graphtui explain: cannot read the token cache ({e}); showing requirements only"
            );
            None
        }
    };
    let out = explain_report(&args.path, &args.method, args.output, claims.as_ref());
    print!("{}", out.stdout);
    eprint!("{}", out.stderr);
    out.code
}

/// The claims of the profile's cached token, if there is one (read from the cache only).
pub async fn cached_claims(settings: &Settings) -> Result<Option<Claims>, String> {
    let auth = crate::auth::Authenticator::from_settings(settings, Default::default())
        .map_err(|e| e.to_string())?;
    let tokens = auth.current().await.map_err(|e| e.to_string())?;
    Ok(tokens.as_ref().and_then(Claims::from_token_set))
}

/// Builds the `explain` report for a path, method and (optionally) the current token's claims.
pub fn explain_report(
    path: &str,
    method: &str,
    format: super::OutputFormat,
    claims: Option<&Claims>,
) -> ExplainOutput {
    use super::OutputFormat as F;
    let method = method.trim().to_ascii_uppercase();
    let fail = |msg: String, code: u8| ExplainOutput {
        stdout: String::new(),
        stderr: format!("graphtui explain: {msg}\n"),
        code,
    };
    if method_bit(&method).is_none() {
        return fail(
            format!("unknown method '{method}': expected GET, POST, PATCH, PUT or DELETE"),
            super::exit::USAGE,
        );
    }
    let json_out = match format {
        F::Json | F::Ndjson => true,
        F::Text | F::Table => false,
        F::Csv => {
            return fail(
                "--output csv is not supported here: use text or json".into(),
                super::exit::USAGE,
            );
        }
    };
    if path.trim().is_empty() {
        return fail(
            "give a Graph path, e.g. /users/{id}/memberOf".into(),
            super::exit::USAGE,
        );
    }
    let Some(m) = match_request(path) else {
        let msg = format!(
            "{method} {path}: no matching path in the permission map (Graph Explorer's permissions.json). Check the API's reference page for its permissions."
        );
        if json_out {
            let v = json!({"method": method, "path": path, "template": null, "error": msg});
            return ExplainOutput {
                stdout: format!("{}\n", serde_json::to_string_pretty(&v).unwrap_or_default()),
                stderr: String::new(),
                code: super::exit::FAILURE,
            };
        }
        return fail(msg, super::exit::FAILURE);
    };
    let reqs = embedded().requirements(&m.template, &method);
    let diag = claims.map(|c| diagnose(&method, path, Some(c), None));
    if json_out {
        let v = json!({
            "method": method,
            "path": path,
            "template": m.template,
            "version": m.version,
            "notes": m.notes,
            "requirements": reqs,
            "token": match (&diag, claims) {
                (Some(d), Some(c)) => json!({
                    "note": NOT_VERIFIED,
                    "kind": c.kind(),
                    "scheme": c.scheme(),
                    "permissions": c.permissions(),
                    "granted": d.granted,
                    "verdict": d.verdict,
                    "findings": d.findings,
                    "next_steps": d.next_steps,
                }),
                _ => serde_json::Value::Null,
            },
        });
        return ExplainOutput {
            stdout: format!("{}\n", serde_json::to_string_pretty(&v).unwrap_or_default()),
            stderr: String::new(),
            code: if reqs.is_empty() {
                super::exit::FAILURE
            } else {
                super::exit::OK
            },
        };
    }
    let mut s = format!("{method} {path}\n  matches {}", m.template);
    if let Some(v) = &m.version {
        s.push_str(&format!(" ({v})"));
    }
    s.push('\n');
    for n in &m.notes {
        s.push_str(&format!("  note: {n}\n"));
    }
    if m.count_segment {
        s.push_str("  note: a /$count segment needs the header ConsistencyLevel: eventual\n");
    }
    if reqs.is_empty() {
        s.push_str(&format!(
            "  The permission map lists no permission for {method} on this path.\n"
        ));
    }
    for r in &reqs {
        s.push_str(&render_scheme(r));
    }
    s.push('\n');
    match (&diag, claims) {
        (Some(d), Some(c)) => {
            s.push_str(&format!("Your token ({NOT_VERIFIED}):\n"));
            s.push_str(&format!(
                "  permissions: {}\n",
                if c.permissions().is_empty() {
                    "none".to_string()
                } else {
                    c.permissions().join(" ")
                }
            ));
            let text = d.to_text();
            let mut lines = text.lines();
            if let Some(first) = lines.next()
                && let Some((_, verdict)) = first.rsplit_once(": ")
            {
                s.push_str(&format!("  verdict: {verdict}\n"));
            }
            for line in lines.filter(|l| !l.starts_with("  matches ")) {
                s.push_str(line);
                s.push('\n');
            }
        }
        _ => s.push_str("Not signed in; showing requirements only.\n"),
    }
    ExplainOutput {
        stdout: s,
        stderr: String::new(),
        code: if reqs.is_empty() {
            super::exit::FAILURE
        } else {
            super::exit::OK
        },
    }
}

fn render_scheme(r: &SchemeRequirement) -> String {
    let mut s = format!("\n{}:\n", r.scheme.label());
    let alts: Vec<String> = r.least.iter().map(|a| a.join(" + ")).collect();
    s.push_str(&format!("  least privileged: {}\n", alts.join(" or ")));
    if let Some(n) = r.note {
        s.push_str(&format!("  (hand-checked: {n})\n"));
    }
    if r.exclusive {
        let map = embedded();
        for alt in &r.least {
            let consent = alt.iter().any(|n| {
                map.permission(n)
                    .and_then(|p| p.scheme(r.scheme))
                    .is_none_or(|i| i.requires_admin_consent)
            });
            s.push_str(&format!(
                "  * {}{}\n",
                alt.join(" + "),
                if consent { "  [admin consent]" } else { "" }
            ));
        }
        let names: Vec<&str> = r.candidates.iter().map(|c| c.name.as_str()).collect();
        s.push_str(&format!(
            "  also listed by permissions.json, not enough on their own here: {}\n",
            names.join(", ")
        ));
        return s;
    }
    let w = r.candidates.iter().map(|c| c.name.len()).max().unwrap_or(0);
    for c in &r.candidates {
        let mut flags = Vec::new();
        if c.admin_consent {
            flags.push("admin consent".to_string());
        }
        if let Some(l) = c.privilege_level {
            flags.push(format!("level {l}"));
        }
        if !c.also_requires.is_empty() {
            flags.push(format!("also needs {}", c.also_requires.join(", ")));
        }
        s.push_str(&format!(
            "  {} {:<w$}  {}  [{}]\n",
            if c.least { "*" } else { " " },
            c.name,
            c.display_name,
            flags.join(", "),
            w = w
        ));
    }
    s
}
