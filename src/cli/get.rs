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

/// Characters escaped in query option values (Graph decodes `+` as a space, so it is escaped).
const QUERY_VALUE: &percent_encoding::AsciiSet = &percent_encoding::CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'#')
    .add(b'%')
    .add(b'&')
    .add(b'+')
    .add(b'<')
    .add(b'>')
    .add(b'`')
    .add(b'{')
    .add(b'}')
    .add(b'|')
    .add(b'\\')
    .add(b'^')
    .add(b'[')
    .add(b']');

/// Builds the request for `get`: the URL with query options and the headers, applying the
/// advanced-query rules (ConsistencyLevel: eventual with $search/$count, and $count=true for
/// operators that need it).
// Minimal builder until the OData toolkit's `odata::url::build_request` lands on this branch.
pub fn build_request(args: &GetArgs) -> Result<GraphRequest, String> {
    let path = args.path.trim();
    if path.is_empty() {
        return Err("the path is empty: give a Graph path such as /users or a Graph URL".into());
    }
    let mut opts: Vec<(String, String)> = Vec::new();
    let enc = |s: &str| percent_encoding::utf8_percent_encode(s, QUERY_VALUE).to_string();
    let mut advanced = false;
    if let Some(f) = &args.filter {
        let lower = f.to_ascii_lowercase();
        let needs_adv = lower.contains("endswith(")
            || lower.contains(" ne ")
            || lower.starts_with("not ")
            || lower.contains(" not ")
            || lower.contains("not(")
            || lower.contains("/$count")
            || args.orderby.is_some();
        advanced |= needs_adv;
        opts.push(("$filter".into(), enc(f)));
    }
    if let Some(s) = &args.search {
        let s = s.trim();
        // $search needs the whole clause in double quotes.
        let quoted = if s.starts_with('"') {
            s.to_string()
        } else {
            format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
        };
        opts.push(("$search".into(), enc(&quoted)));
        advanced = true;
    }
    if let Some(s) = &args.select {
        let cleaned: Vec<&str> = s
            .split(',')
            .map(str::trim)
            .filter(|x| !x.is_empty())
            .collect();
        opts.push(("$select".into(), enc(&cleaned.join(","))));
    }
    if let Some(o) = &args.orderby {
        opts.push(("$orderby".into(), enc(o)));
    }
    if let Some(e) = &args.expand {
        opts.push(("$expand".into(), enc(e)));
    }
    if let Some(t) = args.top {
        if t == 0 || t > 999 {
            return Err(format!("--top {t}: Graph accepts page sizes from 1 to 999"));
        }
        opts.push(("$top".into(), t.to_string()));
    }
    let count = args.count || (advanced && args.filter.is_some());
    if count {
        opts.push(("$count".into(), "true".into()));
        advanced = true;
    }
    let mut url = path.to_string();
    if path.ends_with("/$count") {
        advanced = true;
    }
    if !opts.is_empty() {
        url.push(if url.contains('?') { '&' } else { '?' });
        url.push_str(
            &opts
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect::<Vec<_>>()
                .join("&"),
        );
    }
    let mut req = GraphRequest::get(url);
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
        req = req.header(k, v.trim());
    }
    if advanced {
        req = req.eventual();
    }
    Ok(req)
}

/// Runs `get`; returns the exit code.
pub async fn run(settings: &Settings, args: &GetArgs) -> u8 {
    let auth = match Authenticator::from_settings(settings, AuthOptions::default()) {
        Ok(a) => Arc::new(a),
        Err(e) => {
            eprintln!("graphtui get: {e}");
            return super::exit::AUTH;
        }
    };
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
            if let crate::graph::ClientEvent::Throttled {
                status,
                retry_in,
                attempt,
                max_retries,
                ..
            } = e
            {
                eprintln!(
                    "graphtui: {} ({status}), retrying in {:.1} s (retry {attempt} of {max_retries})",
                    if status == 429 {
                        "throttled"
                    } else {
                        "service unavailable"
                    },
                    retry_in.as_secs_f64()
                );
            }
        }
    });
    let mut out = std::io::BufWriter::new(std::io::stdout());
    let mut err = std::io::stderr();
    let code = get_with(&client, args, progress_tty, &mut out, &mut err).await;
    ev_task.abort();
    code
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

/// `get` over an existing client; results to `out`, progress and errors to `err`.
pub async fn get_with(
    client: &GraphClient,
    args: &GetArgs,
    progress_tty: bool,
    out: &mut (dyn Write + Send),
    err: &mut (dyn Write + Send),
) -> u8 {
    let req = match build_request(args) {
        Ok(r) => r,
        Err(m) => {
            let _ = writeln!(err, "graphtui get: {m}");
            return super::exit::USAGE;
        }
    };
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
                return report_error(&e, err);
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

    #[test]
    fn builds_query_and_advanced_headers() {
        let r = build_request(&args(&[
            "/users",
            "--filter",
            "endsWith(mail,'@contoso.com')",
            "--select",
            "id, displayName",
            "--top",
            "5",
        ]))
        .unwrap();
        assert_eq!(
            r.url,
            "/users?$filter=endsWith(mail,'@contoso.com')&$select=id,displayName&$top=5&$count=true"
        );
        assert!(
            r.headers
                .contains(&("ConsistencyLevel".into(), "eventual".into()))
        );
        let r = build_request(&args(&["users", "--search", "displayName:ann a+b"])).unwrap();
        assert_eq!(r.url, "users?$search=%22displayName:ann%20a%2Bb%22");
        let r = build_request(&args(&["/me"])).unwrap();
        assert!(r.headers.is_empty());
        assert!(build_request(&args(&["/users", "--top", "1000"])).is_err());
        assert!(build_request(&args(&["/users", "-H", "nocolon"])).is_err());
        assert!(build_request(&args(&["/users", "-H", "Authorization: Bearer x"])).is_err());
        let r = build_request(&args(&["/users?$top=2", "-H", "Prefer: return=minimal"])).unwrap();
        assert_eq!(r.url, "/users?$top=2");
        assert_eq!(r.headers[0], ("Prefer".into(), "return=minimal".into()));
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
