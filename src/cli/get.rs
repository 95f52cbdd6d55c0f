//! `graphtui get`.

use crate::auth::{AuthOptions, Authenticator};
use crate::config::Settings;
use crate::graph::{GraphClient, GraphError, GraphRequest, Page, PageOptions};
use clap::Args;
use futures::StreamExt;
use serde_json::Value;
use std::io::{IsTerminal, Write};
use std::sync::Arc;

/// Options for `get`.
#[derive(Debug, Clone, Args)]
pub struct GetArgs {
    /// A Graph path (`/users`, `users/{id}/memberOf`) or a pasted Graph URL.
    pub path: String,
    /// OData $filter.
    #[arg(long)]
    pub filter: Option<String>,
    /// OData $search, e.g. '"displayName:ann"'.
    #[arg(long)]
    pub search: Option<String>,
    /// Properties to return, comma separated.
    #[arg(long)]
    pub select: Option<String>,
    /// OData $orderby.
    #[arg(long)]
    pub orderby: Option<String>,
    /// OData $expand.
    #[arg(long)]
    pub expand: Option<String>,
    /// Page size ($top).
    #[arg(long)]
    pub top: Option<u32>,
    /// Ask for @odata.count ($count=true, advanced-query mode).
    #[arg(long)]
    pub count: bool,
    /// Follow @odata.nextLink to the end.
    #[arg(long)]
    pub all: bool,
    /// Stop after this many items.
    #[arg(long, value_name = "N")]
    pub max_items: Option<usize>,
    /// Extra request header, `Name: value` (repeatable).
    #[arg(long = "header", short = 'H', value_name = "K:V")]
    pub headers: Vec<String>,
    /// Output format.
    #[arg(long, short, value_enum, default_value = "json")]
    pub output: super::OutputFormat,
}

/// The request `get` sends, plus notes for stderr (advanced-query reasons, lint findings).
#[derive(Debug, Clone)]
pub struct PreparedGet {
    pub request: GraphRequest,
    pub notes: Vec<String>,
}

/// Builds the request for `get` with the OData toolkit's URL builder and advanced-query rules:
/// the path (or pasted URL) is taken apart, the flags override its query options, and
/// `ConsistencyLevel: eventual` / `$count=true` are added when the query needs them.
/// `graph_root` is the configured origin; a pasted URL on another origin is refused.
pub fn build_request(
    args: &GetArgs,
    graph_root: &str,
    default_version: &str,
) -> Result<PreparedGet, String> {
    use crate::odata::url as ou;
    let path = args.path.trim();
    if path.is_empty() {
        return Err("the path is empty: give a Graph path such as /users or a Graph URL".into());
    }
    let parsed = ou::parse_graph_url(path).map_err(|e| format!("{path}: {e}"))?;
    if let Some(origin) = &parsed.origin
        && !origin
            .trim_end_matches('/')
            .eq_ignore_ascii_case(graph_root.trim_end_matches('/'))
    {
        return Err(format!(
            "refused to send the access token to {origin}: it is not the configured Graph root {graph_root} (use --graph-url or --cloud to change it)"
        ));
    }
    let mut opts = parsed.options.clone();
    if let Some(f) = &args.filter {
        opts.filter = Some(f.clone());
    }
    if let Some(s) = &args.search {
        let s = s.trim();
        // $search needs each clause in double quotes; quote a bare clause.
        opts.search = Some(if s.starts_with('"') || s.starts_with('(') {
            s.to_string()
        } else {
            format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
        });
    }
    if let Some(sel) = &args.select {
        opts.select = sel
            .split(',')
            .map(str::trim)
            .filter(|x| !x.is_empty())
            .map(str::to_string)
            .collect();
    }
    if let Some(o) = &args.orderby {
        opts.orderby = Some(o.clone());
    }
    if let Some(e) = &args.expand {
        opts.expand = Some(e.clone());
    }
    if let Some(t) = args.top {
        opts.top = Some(i64::from(t));
    }
    if let Some(t) = opts.top
        && !(1..=999).contains(&t)
    {
        return Err(format!("$top {t}: Graph accepts page sizes from 1 to 999"));
    }
    if args.count {
        opts.count = true;
    }
    let version = parsed.api_version.as_deref().unwrap_or(default_version);
    let base = format!("{}/{version}", graph_root.trim_end_matches('/'));
    let report = crate::odata::lint::lint_request(&parsed.path, None, &opts);
    let mut notes: Vec<String> = report
        .diagnostics
        .iter()
        .map(|d| {
            let mut n = format!(
                "{} in {}: {}",
                d.severity.as_str(),
                d.part.as_str(),
                d.message
            );
            if let Some(h) = &d.hint {
                n.push_str(&format!(" ({h})"));
            }
            n
        })
        .collect();
    let built = ou::build_with_report(&base, &parsed.path, &opts, &report);
    if built.advanced_query {
        notes.push(format!(
            "advanced query: sending ConsistencyLevel: eventual{} because {}",
            if opts.count || built.url.contains("$count=true") {
                " and $count=true"
            } else {
                ""
            },
            built.reasons.join("; ")
        ));
    }
    let mut req = GraphRequest::get(built.url);
    for (k, v) in built.headers {
        req = req.header(k, v);
    }
    for h in &args.headers {
        let Some((k, v)) = h.split_once(':') else {
            return Err(format!("--header '{h}': expected Name: value"));
        };
        let k = k.trim();
        if k.is_empty()
            || !k
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-_".contains(&b))
        {
            return Err(format!("--header '{h}': '{k}' is not a valid header name"));
        }
        if k.eq_ignore_ascii_case("authorization") {
            return Err(
                "--header: Authorization is set by graphtui from the signed-in session".into(),
            );
        }
        if k.eq_ignore_ascii_case("consistencylevel") {
            req.headers
                .retain(|(n, _)| !n.eq_ignore_ascii_case("consistencylevel"));
        }
        req = req.header(k, v.trim());
    }
    Ok(PreparedGet {
        request: req,
        notes,
    })
}

/// A signed-in session on a fresh in-process sandbox tenant, for `--demo` on the command line.
/// The sandbox approves the device code at the first poll; keep the sandbox alive while using it.
pub async fn demo_session(
    settings: &Settings,
) -> Result<(crate::sandbox::Sandbox, Settings, Arc<Authenticator>), String> {
    let users = std::env::var("GRAPHTUI_DEMO_USERS")
        .ok()
        .and_then(|s| s.trim().parse::<usize>().ok())
        .unwrap_or(500);
    let sandbox = crate::sandbox::Sandbox::start(crate::sandbox::SandboxConfig {
        users,
        scenario: Some("fast-poll,pending-polls=0".into()),
        ..Default::default()
    })
    .await
    .map_err(|e| format!("cannot start the demo sandbox: {e}"))?;
    let url = url::Url::parse(&sandbox.url()).map_err(|e| e.to_string())?;
    let mut s = settings.clone();
    s.authority_host = url.clone();
    s.graph_root = url;
    s.tenant = sandbox.tenant_id();
    s.client_id = crate::config::DEFAULT_CLIENT_ID.to_string();
    s.token_cache = crate::cli::TokenCacheKind::None;
    s.client_secret = None;
    let auth = Authenticator::new(
        &s,
        Arc::new(crate::auth::store::MemoryStore::new()),
        AuthOptions::default(),
    )
    .map_err(|e| e.to_string())?;
    let (tx, _rx) = tokio::sync::mpsc::unbounded_channel();
    auth.login_device_code(None, tx, tokio_util::sync::CancellationToken::new())
        .await
        .map_err(|e| format!("demo sign-in failed: {e}"))?;
    Ok((sandbox, s, Arc::new(auth)))
}

/// Runs `get`; returns the exit code.
pub async fn run(settings: &Settings, args: &GetArgs) -> u8 {
    let mut _demo = None;
    let (settings, auth) = if settings.demo {
        match demo_session(settings).await {
            Ok((sb, s, a)) => {
                _demo = Some(sb);
                (s, a)
            }
            Err(e) => {
                eprintln!("graphtui get: {e}");
                return super::exit::FAILURE;
            }
        }
    } else {
        match Authenticator::from_settings(settings, AuthOptions::default()) {
            Ok(a) => (settings.clone(), Arc::new(a)),
            Err(e) => {
                eprintln!("graphtui get: {e}");
                return super::exit::AUTH;
            }
        }
    };
    let settings = &settings;
    let client = match GraphClient::new(settings, auth) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("graphtui get: {e}");
            return e.exit_code();
        }
    };
    let mut events = client.events();
    let progress_tty = std::io::stderr().is_terminal();
    let ev_task = tokio::spawn(async move {
        while let Ok(e) = events.recv().await {
            if let Some(line) = describe_client_event(&e) {
                eprintln!("{line}");
            }
        }
    });
    let mut out = std::io::BufWriter::new(std::io::stdout());
    let mut err = std::io::stderr();
    let code = get_with(&client, args, progress_tty, &mut out, &mut err).await;
    ev_task.abort();
    code
}

/// The stderr line for a client event, if it deserves one.
pub fn describe_client_event(e: &crate::graph::ClientEvent) -> Option<String> {
    use crate::graph::ClientEvent as E;
    Some(match e {
        E::Throttled {
            status,
            retry_in,
            attempt,
            max_retries,
            ..
        } => format!(
            "graphtui: {} ({status}), retrying in {:.1} s (retry {attempt} of {max_retries})",
            if *status == 429 {
                "throttled"
            } else {
                "service unavailable"
            },
            retry_in.as_secs_f64()
        ),
        E::Retrying {
            reason,
            retry_in,
            attempt,
            max_retries,
            ..
        } => format!(
            "graphtui: connection failed ({reason}), retrying in {:.1} s (retry {attempt} of {max_retries})",
            retry_in.as_secs_f64()
        ),
        E::TokenRefreshed { .. } => "graphtui: the access token was renewed".to_string(),
        E::TokenStore { description } if description.contains("no OS keyring") => {
            format!("graphtui: tokens are cached in {description}")
        }
        E::ScopesMissing { missing } => format!(
            "graphtui: warning: the token does not grant {}; requests that need them will be refused",
            missing.join(", ")
        ),
        E::SignInNeeded { .. } | E::TokenStore { .. } => return None,
    })
}

/// Columns for csv/table: `--select` order, else the scalar keys of the first items.
fn columns(args: &GetArgs, items: &[Value]) -> Vec<String> {
    if let Some(s) = &args.select {
        let c: Vec<String> = s
            .split(',')
            .map(str::trim)
            .filter(|x| !x.is_empty())
            .map(str::to_string)
            .collect();
        if !c.is_empty() {
            return c;
        }
    }
    let mut cols: Vec<String> = Vec::new();
    for it in items.iter().take(50) {
        if let Value::Object(m) = it {
            for (k, v) in m {
                if !cols.contains(k) && !v.is_object() && !v.is_array() {
                    cols.push(k.clone());
                }
            }
        }
    }
    if let Some(i) = cols.iter().position(|c| c == "id") {
        let id = cols.remove(i);
        cols.push(id);
    }
    cols
}

fn cell(v: Option<&Value>) -> String {
    match v {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
    }
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// Formats a table with aligned columns (cells sanitised and cut at 40 characters).
pub fn table(cols: &[String], items: &[Value]) -> String {
    use unicode_width::UnicodeWidthStr;
    let cut = |s: String| {
        let s = crate::util::sanitize(&s);
        if s.chars().count() > 40 {
            format!("{}…", s.chars().take(39).collect::<String>())
        } else {
            s
        }
    };
    let rows: Vec<Vec<String>> = items
        .iter()
        .map(|it| cols.iter().map(|c| cut(cell(it.get(c)))).collect())
        .collect();
    let mut w: Vec<usize> = cols.iter().map(|c| c.width()).collect();
    for r in &rows {
        for (i, c) in r.iter().enumerate() {
            w[i] = w[i].max(c.width());
        }
    }
    let line = |r: &[String]| {
        r.iter()
            .enumerate()
            .map(|(i, c)| format!("{c}{}", " ".repeat(w[i].saturating_sub(c.width()))))
            .collect::<Vec<_>>()
            .join("  ")
            .trim_end()
            .to_string()
    };
    let mut out = vec![
        line(cols),
        line(&w.iter().map(|n| "-".repeat(*n)).collect::<Vec<_>>()),
    ];
    out.extend(rows.iter().map(|r| line(r)));
    out.join("\n")
}

/// Prints a Graph failure to `err`: the raw error JSON, then a one-line summary.
pub fn report_error(e: &GraphError, err: &mut (dyn Write + Send)) -> u8 {
    match e {
        GraphError::Api(a) => {
            if !a.raw_body.trim().is_empty() {
                let _ = writeln!(err, "{}", a.raw_body.trim_end());
            }
            let _ = writeln!(err, "graphtui get: {a}");
        }
        other => {
            let _ = writeln!(err, "graphtui get: {other}");
        }
    }
    e.exit_code()
}

/// After a 401/403 (or a 400 such as `/me` with an app-only token), prints the permission
/// doctor's diagnosis: what the request needs, what the token has, and the next step. The token's
/// claims are decoded locally; the token itself is never printed.
pub async fn print_diagnosis(client: &GraphClient, e: &GraphError, err: &mut (dyn Write + Send)) {
    let GraphError::Api(a) = e else { return };
    if !matches!(a.status, 400 | 401 | 403) {
        return;
    }
    let claims = match client.auth().token().await {
        Ok(t) => crate::doctor::claims::Claims::decode(t.token.expose()).ok(),
        Err(_) => None,
    };
    let mut headers = Vec::new();
    if let Some(w) = &a.www_authenticate {
        headers.push(("WWW-Authenticate".to_string(), w.clone()));
    }
    let diagnosis = crate::doctor::diagnose(
        &a.method,
        &a.url,
        claims.as_ref(),
        Some((a.status, &headers, &a.raw_body)),
    );
    let _ = writeln!(err, "\n{}", diagnosis.to_text().trim_end());
}

/// `get` over an existing client; results to `out`, progress and errors to `err`.
pub async fn get_with(
    client: &GraphClient,
    args: &GetArgs,
    progress_tty: bool,
    out: &mut (dyn Write + Send),
    err: &mut (dyn Write + Send),
) -> u8 {
    let root = client.base().rsplit_once('/').map(|(r, _)| r).unwrap_or("");
    let version = client.base().rsplit('/').next().unwrap_or("v1.0");
    let prepared = match build_request(args, root, version) {
        Ok(r) => r,
        Err(m) => {
            let _ = writeln!(err, "graphtui get: {m}");
            return super::exit::USAGE;
        }
    };
    for n in &prepared.notes {
        let _ = writeln!(err, "graphtui: {n}");
    }
    let req = prepared.request;
    if let Err(e) = client.resolve(&req.url) {
        let _ = writeln!(err, "graphtui get: {e}");
        return super::exit::USAGE;
    }
    let opts = PageOptions {
        follow: args.all,
        max_items: args.max_items,
        ..Default::default()
    };
    let mut pages = client.pages(req, opts);
    let fmt = args.output;
    use super::OutputFormat as F;
    let mut first = true;
    let mut single = false;
    let mut buffered: Vec<Value> = Vec::new();
    let mut cols: Option<Vec<String>> = None;
    let mut last: Option<Page> = None;
    let mut wrote_open = false;
    let mut sink = Sink { out, ok: true };
    macro_rules! w {
        ($($t:tt)*) => {
            sink.put(&format!($($t)*))
        };
    }
    while let Some(p) = pages.next().await {
        let page = match p {
            Ok(p) => p,
            Err(e) => {
                if wrote_open {
                    w!("\n]\n");
                }
                if progress_tty && args.all {
                    let _ = writeln!(err);
                }
                let code = report_error(&e, err);
                print_diagnosis(client, &e, err).await;
                return code;
            }
        };
        if let Some(text) = &page.text {
            w!("{}\n", text.trim_end());
            return super::exit::OK;
        }
        if first && page.single {
            single = true;
        }
        if first && let Some(c) = page.count {
            let _ = writeln!(err, "graphtui: @odata.count = {c}");
        }
        match fmt {
            _ if single => buffered.extend(page.items.iter().cloned()),
            F::Json => {
                for it in &page.items {
                    if !wrote_open {
                        w!("[\n");
                        wrote_open = true;
                    } else {
                        w!(",\n");
                    }
                    let s = serde_json::to_string_pretty(it).unwrap_or_default();
                    w!("{}", indent(&s));
                }
            }
            F::Ndjson => {
                for it in &page.items {
                    w!("{}\n", it);
                }
            }
            F::Csv => {
                if cols.is_none() {
                    let c = columns(args, &page.items);
                    w!(
                        "{}\n",
                        c.iter().map(|x| csv_field(x)).collect::<Vec<_>>().join(",")
                    );
                    cols = Some(c);
                }
                let c = cols.as_deref().unwrap_or_default();
                for it in &page.items {
                    w!(
                        "{}\n",
                        c.iter()
                            .map(|k| csv_field(&cell(it.get(k))))
                            .collect::<Vec<_>>()
                            .join(",")
                    );
                }
            }
            F::Table | F::Text => buffered.extend(page.items.iter().cloned()),
        }
        if args.all {
            let pr = page.progress;
            let msg = format!(
                "graphtui: page {}, {} items, {:.0} items/s",
                pr.pages,
                pr.items,
                pr.rate()
            );
            if progress_tty {
                let _ = write!(err, "\r{msg}\x1b[K");
            } else {
                let _ = writeln!(err, "{msg}");
            }
        }
        first = false;
        last = Some(page);
        if !sink.ok {
            // stdout closed (e.g. piped into head): stop quietly.
            return super::exit::OK;
        }
    }
    if progress_tty && args.all {
        let _ = writeln!(err);
    }
    if single {
        match fmt {
            F::Json => {
                let v = buffered.into_iter().next().unwrap_or(Value::Null);
                w!("{}\n", serde_json::to_string_pretty(&v).unwrap_or_default());
            }
            F::Ndjson => {
                for it in &buffered {
                    w!("{}\n", it);
                }
            }
            F::Csv => {
                let c = columns(args, &buffered);
                w!(
                    "{}\n",
                    c.iter().map(|x| csv_field(x)).collect::<Vec<_>>().join(",")
                );
                for it in &buffered {
                    w!(
                        "{}\n",
                        c.iter()
                            .map(|k| csv_field(&cell(it.get(k))))
                            .collect::<Vec<_>>()
                            .join(",")
                    );
                }
            }
            F::Table | F::Text => {
                // A single object reads best as name/value pairs.
                if let Some(Value::Object(m)) = buffered.first() {
                    let kw = m.keys().map(|k| k.chars().count()).max().unwrap_or(0);
                    for (k, v) in m {
                        w!("{k:kw$}  {}\n", crate::util::sanitize(&cell(Some(v))));
                    }
                }
            }
        }
    } else {
        match fmt {
            F::Json => {
                if wrote_open {
                    w!("\n]\n");
                } else {
                    w!("[]\n");
                }
            }
            F::Table | F::Text => {
                let c = columns(args, &buffered);
                w!("{}\n", table(&c, &buffered));
            }
            _ => {}
        }
    }
    if let Some(p) = &last
        && !args.all
        && p.next_link.is_some()
        && !p.truncated
    {
        let _ = writeln!(
            err,
            "graphtui: more results are available; add --all to fetch every page"
        );
    }
    if let (Some(p), Some(n)) = (&last, args.max_items)
        && p.truncated
    {
        let _ = writeln!(
            err,
            "graphtui: stopped at --max-items {n}; more results exist"
        );
    }
    let _ = sink.out.flush();
    super::exit::OK
}

/// Writes to stdout, going quiet once it is closed (e.g. piped into `head`).
struct Sink<'a> {
    out: &'a mut (dyn Write + Send),
    ok: bool,
}

impl Sink<'_> {
    fn put(&mut self, s: &str) {
        if self.ok && self.out.write_all(s.as_bytes()).is_err() {
            self.ok = false;
        }
    }
}

fn indent(s: &str) -> String {
    s.lines()
        .map(|l| format!("  {l}"))
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Parser)]
    struct T {
        #[command(flatten)]
        a: GetArgs,
    }

    fn args(v: &[&str]) -> GetArgs {
        let mut full = vec!["t"];
        full.extend_from_slice(v);
        T::parse_from(full).a
    }

    fn build(v: &[&str]) -> Result<PreparedGet, String> {
        build_request(&args(v), "https://graph.microsoft.com", "v1.0")
    }

    #[test]
    fn builds_query_and_advanced_headers() {
        let r = build(&[
            "/users",
            "--filter",
            "endsWith(mail,'@contoso.com')",
            "--select",
            "id, displayName",
            "--top",
            "5",
        ])
        .unwrap()
        .request;
        assert!(
            r.url
                .starts_with("https://graph.microsoft.com/v1.0/users?$filter=endsWith")
        );
        assert!(r.url.contains("$select=id,displayName") && r.url.contains("$top=5"));
        assert!(r.url.contains("$count=true"), "{}", r.url);
        assert!(
            r.headers
                .contains(&("ConsistencyLevel".into(), "eventual".into()))
        );
        let r = build(&["users", "--search", "displayName:ann"])
            .unwrap()
            .request;
        assert!(
            r.url.contains("$search=%22displayName%3Aann%22"),
            "{}",
            r.url
        );
        let r = build(&["/me"]).unwrap().request;
        assert!(r.headers.is_empty());
        assert!(build(&["/users", "--top", "1000"]).is_err());
        assert!(build(&["/users", "-H", "nocolon"]).is_err());
        assert!(build(&["/users", "-H", "Authorization: Bearer x"]).is_err());
        let r = build(&["/beta/users?$top=2", "-H", "Prefer: return=minimal"])
            .unwrap()
            .request;
        assert_eq!(r.url, "https://graph.microsoft.com/beta/users?$top=2");
        assert!(
            r.headers
                .contains(&("Prefer".into(), "return=minimal".into()))
        );
        let e = build(&["https://graph.microsoft.us/v1.0/users"]).unwrap_err();
        assert!(e.contains("refused to send the access token"), "{e}");
        assert!(build(&["https://evil.test/v1.0/users"]).is_err());
    }

    #[test]
    fn table_and_csv_are_safe() {
        let items = vec![serde_json::json!({"displayName":"a,\"b\"","id":"1","x":{"y":1}})];
        let c = columns(&args(&["/u"]), &items);
        assert_eq!(c, vec!["displayName", "id"]);
        assert_eq!(csv_field("a,\"b\""), "\"a,\"\"b\"\"\"");
        let t = table(
            &c,
            &[serde_json::json!({"displayName":"evil\u{1b}[31m","id":"1"})],
        );
        assert!(!t.contains('\u{1b}'));
    }
}
