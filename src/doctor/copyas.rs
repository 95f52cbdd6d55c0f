//! "Copy request as": curl (bash), PowerShell `Invoke-MgGraphRequest`, and `az rest`.
//!
//! Never with the token inline: curl gets `$TOKEN` and a comment on how to fetch one;
//! `Invoke-MgGraphRequest` and `az rest` fetch their own. An `Authorization` header in the given
//! headers is dropped. Strings go in single quotes (no `$` expansion in bash or PowerShell),
//! with single quotes escaped per shell. The advanced-query header `ConsistencyLevel: eventual` is
//! kept, and added when the URL uses `$search`, `$count` or a `/$count` segment without it.

/// How to fetch a token for the curl form.
pub const TOKEN_HINT: &str =
    "# TOKEN=$(az account get-access-token --resource-type ms-graph --query accessToken -o tsv)";

const DEFAULT_ROOT: &str = "https://graph.microsoft.com";

/// Makes a URL absolute (`/users` -> `https://graph.microsoft.com/v1.0/users`) and
/// percent-encodes characters that are unsafe in a URL (space, quotes, `#`, braces, ...).
pub fn absolute_url(url: &str) -> String {
    let u = url.trim();
    let full = if u.starts_with("http://") || u.starts_with("https://") {
        u.to_string()
    } else {
        let p = if u.starts_with('/') {
            u.to_string()
        } else {
            format!("/{u}")
        };
        let lower = p.to_ascii_lowercase();
        if lower.starts_with("/v1.0/")
            || lower.starts_with("/beta/")
            || lower == "/v1.0"
            || lower == "/beta"
        {
            format!("{DEFAULT_ROOT}{p}")
        } else {
            format!("{DEFAULT_ROOT}/v1.0{p}")
        }
    };
    let mut out = String::with_capacity(full.len());
    for c in full.chars() {
        match c {
            ' ' => out.push_str("%20"),
            '"' => out.push_str("%22"),
            '#' => out.push_str("%23"),
            '<' => out.push_str("%3C"),
            '>' => out.push_str("%3E"),
            '`' => out.push_str("%60"),
            '{' => out.push_str("%7B"),
            '}' => out.push_str("%7D"),
            '|' => out.push_str("%7C"),
            '\\' => out.push_str("%5C"),
            '^' => out.push_str("%5E"),
            c if c.is_control() => {
                let mut b = [0u8; 4];
                for byte in c.encode_utf8(&mut b).bytes() {
                    out.push_str(&format!("%{byte:02X}"));
                }
            }
            c => out.push(c),
        }
    }
    out
}

/// Quotes for bash/sh: `'...'` with `'` written as `'\''`.
pub fn sh_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

/// Quotes for PowerShell: `'...'` with every single-quote character (also the typographic ones
/// PowerShell accepts as quotes) doubled.
pub fn ps_quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('\'');
    for c in s.chars() {
        if matches!(c, '\'' | '\u{2018}' | '\u{2019}' | '\u{201A}' | '\u{201B}') {
            out.push(c);
        }
        out.push(c);
    }
    out.push('\'');
    out
}

/// The headers to reproduce: without Authorization and transport headers, with
/// `ConsistencyLevel: eventual` added when the URL needs it.
pub fn effective_headers(url: &str, headers: &[(String, String)]) -> Vec<(String, String)> {
    let drop = [
        "authorization",
        "host",
        "content-length",
        "connection",
        "accept-encoding",
        "client-request-id",
        "user-agent",
    ];
    let mut out: Vec<(String, String)> = headers
        .iter()
        .filter(|(k, _)| !drop.contains(&k.to_ascii_lowercase().as_str()))
        .cloned()
        .collect();
    let lower = url.to_ascii_lowercase();
    let needs =
        lower.contains("$search=") || lower.contains("$count=true") || lower.contains("/$count");
    if needs
        && !out
            .iter()
            .any(|(k, _)| k.eq_ignore_ascii_case("consistencylevel"))
    {
        out.push(("ConsistencyLevel".into(), "eventual".into()));
    }
    out
}

fn has_header(h: &[(String, String)], name: &str) -> bool {
    h.iter().any(|(k, _)| k.eq_ignore_ascii_case(name))
}

fn body_of(body: Option<&str>) -> Option<&str> {
    body.filter(|b| !b.trim().is_empty())
}

/// The request as a bash `curl` command, with `$TOKEN` in place of the token.
pub fn copy_as_curl(
    method: &str,
    url: &str,
    headers: &[(String, String)],
    body: Option<&str>,
) -> String {
    let method = method.trim().to_ascii_uppercase();
    let url = absolute_url(url);
    let mut h = effective_headers(&url, headers);
    let body = body_of(body);
    if body.is_some() && !has_header(&h, "content-type") {
        h.push(("Content-Type".into(), "application/json".into()));
    }
    let mut lines = vec![format!("curl -sS --globoff -X {method} {}", sh_quote(&url))];
    lines.push("  -H \"Authorization: Bearer $TOKEN\"".into());
    for (k, v) in &h {
        lines.push(format!("  -H {}", sh_quote(&format!("{k}: {v}"))));
    }
    if let Some(b) = body {
        lines.push(format!("  --data-raw {}", sh_quote(b)));
    }
    format!("{TOKEN_HINT}\n{}\n", lines.join(" \\\n"))
}

/// The request as PowerShell `Invoke-MgGraphRequest` (Microsoft Graph PowerShell SDK), which uses
/// the `Connect-MgGraph` session's token.
pub fn copy_as_powershell(
    method: &str,
    url: &str,
    headers: &[(String, String)],
    body: Option<&str>,
) -> String {
    let method = method.trim().to_ascii_uppercase();
    let url = absolute_url(url);
    let h = effective_headers(&url, headers);
    let body = body_of(body);
    let mut s = String::from(
        "# Connect-MgGraph -Scopes '<permission>' first; the cmdlet uses that session's token.\n",
    );
    s.push_str(&format!(
        "Invoke-MgGraphRequest -Method {method} -Uri {}",
        ps_quote(&url)
    ));
    let h: Vec<&(String, String)> = h
        .iter()
        .filter(|(k, _)| !k.eq_ignore_ascii_case("content-type"))
        .collect();
    if !h.is_empty() {
        let pairs: Vec<String> = h
            .iter()
            .map(|(k, v)| format!("{} = {}", ps_quote(k), ps_quote(v)))
            .collect();
        s.push_str(&format!(" -Headers @{{ {} }}", pairs.join("; ")));
    }
    if let Some(b) = body {
        let ct = headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case("content-type"))
            .map(|(_, v)| v.as_str())
            .unwrap_or("application/json");
        s.push_str(&format!(
            " -Body {} -ContentType {}",
            ps_quote(b),
            ps_quote(ct)
        ));
    }
    s.push('\n');
    s
}

/// The request as `az rest` (bash quoting); the Azure CLI fetches the Graph token itself.
pub fn copy_as_az_rest(
    method: &str,
    url: &str,
    headers: &[(String, String)],
    body: Option<&str>,
) -> String {
    let method = method.trim().to_ascii_uppercase();
    let url = absolute_url(url);
    let h = effective_headers(&url, headers);
    let body = body_of(body);
    let mut s =
        String::from("# az login first; az rest gets the Graph token for the URL itself.\n");
    s.push_str(&format!(
        "az rest --method {} --url {}",
        method.to_ascii_lowercase(),
        sh_quote(&url)
    ));
    if !h.is_empty() {
        let pairs: Vec<String> = h
            .iter()
            .map(|(k, v)| sh_quote(&format!("{k}={v}")))
            .collect();
        s.push_str(&format!(" --headers {}", pairs.join(" ")));
    }
    if let Some(b) = body {
        s.push_str(&format!(" --body {}", sh_quote(b)));
    }
    s.push('\n');
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hs(v: &[(&str, &str)]) -> Vec<(String, String)> {
        v.iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect()
    }

    #[test]
    fn quoting() {
        assert_eq!(sh_quote("a'b$c"), r"'a'\''b$c'");
        assert_eq!(ps_quote("O'Brien ’x $y"), "'O''Brien ’’x $y'");
    }

    #[test]
    fn urls() {
        assert_eq!(
            absolute_url("/users"),
            "https://graph.microsoft.com/v1.0/users"
        );
        assert_eq!(
            absolute_url("beta/me"),
            "https://graph.microsoft.com/beta/me"
        );
        assert_eq!(
            absolute_url("https://graph.microsoft.us/v1.0/users?$filter=a eq 'b'"),
            "https://graph.microsoft.us/v1.0/users?$filter=a%20eq%20'b'"
        );
        assert_eq!(
            absolute_url("/users/x_y.com#EXT#@t.onmicrosoft.com"),
            "https://graph.microsoft.com/v1.0/users/x_y.com%23EXT%23@t.onmicrosoft.com"
        );
    }

    #[test]
    fn search_adds_consistency_level_and_drops_authorization() {
        let h = effective_headers(
            "/users?$search=\"displayName:a\"",
            &hs(&[("Authorization", "Bearer abc"), ("Prefer", "x")]),
        );
        assert_eq!(h, hs(&[("Prefer", "x"), ("ConsistencyLevel", "eventual")]));
    }
}
