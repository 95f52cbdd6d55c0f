//! Diagnosis: will this request work with this token, and if it failed, why and what next.
//!
//! Works offline from the permission map, the token's decoded claims and (after the fact) the
//! response status, headers and body. Delegated permissions are the overlap of the token's scopes
//! and the signed-in user's own rights (graph-facts 10.2), so a 403 despite a sufficient scope is
//! reported as "the user lacks a directory role or ownership", not as a missing scope.

use super::catalogue::{Explanation, explain_graph_error, explain_identity_error};
use super::claims::{Claims, TokenKind, is_admin_role, role_name};
use super::pathmatch::{PathMatch, match_request};
use super::permmap::{Scheme, method_bit};
use super::permmap::{SchemeRequirement, embedded};
use base64::Engine;
use serde::Serialize;

/// The error inside a Graph error body.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct GraphErrorBody {
    /// `error.code`.
    pub code: String,
    /// `error.message`.
    pub message: String,
    /// `innerError.request-id`.
    pub request_id: Option<String>,
    /// `innerError.client-request-id`.
    pub client_request_id: Option<String>,
    /// `innerError.date`.
    pub date: Option<String>,
    /// Codes of nested inner errors, outermost first.
    pub inner_codes: Vec<String>,
}

/// Parses a Graph error body (`{"error":{"code","message","innerError":{…}}}`); accepts
/// `innerError` and `innererror`, and walks nested inner errors.
pub fn parse_graph_error(body: &str) -> Option<GraphErrorBody> {
    let v: serde_json::Value = serde_json::from_str(body).ok()?;
    let e = v.get("error")?.as_object()?;
    let s = |o: &serde_json::Map<String, serde_json::Value>, k: &str| {
        o.get(k).and_then(|x| x.as_str()).map(str::to_string)
    };
    let mut out = GraphErrorBody {
        code: s(e, "code").unwrap_or_default(),
        message: s(e, "message").unwrap_or_default(),
        ..Default::default()
    };
    let mut inner = e.get("innerError").or_else(|| e.get("innererror"));
    let mut depth = 0;
    while let Some(i) = inner.and_then(|x| x.as_object()) {
        out.request_id = out.request_id.or_else(|| s(i, "request-id"));
        out.client_request_id = out.client_request_id.or_else(|| s(i, "client-request-id"));
        out.date = out.date.or_else(|| s(i, "date"));
        if let Some(c) = s(i, "code") {
            out.inner_codes.push(c);
        }
        inner = i.get("innerError").or_else(|| i.get("innererror"));
        depth += 1;
        if depth > 16 {
            break;
        }
    }
    if out.code.is_empty() && out.message.is_empty() {
        return None;
    }
    Some(out)
}

/// A finding of the diagnosis.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Problem {
    /// No token was available.
    NotSignedIn,
    /// The token has expired (or is not valid yet).
    TokenExpired,
    /// The token is for another resource.
    WrongAudience,
    /// `/me` with an app-only token.
    MeWithAppOnly,
    /// The API does not support the token's kind (no permission exists for that scheme).
    SchemeNotSupported,
    /// The token lacks every sufficient permission.
    PermissionMissing,
    /// The token has a sufficient scope but the user lacks a role or ownership (after a 403).
    UserLacksRights,
    /// The token has a sufficient app permission and still got 403.
    DeniedDespitePermission,
    /// A Conditional Access claims challenge (`insufficient_claims`).
    ClaimsChallenge,
    /// The path is not in the permission map.
    UnknownPath,
    /// Throttled.
    Throttled,
    /// Another error with a catalogue explanation.
    OtherError,
}

/// One line of the verdict.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// What kind of problem.
    pub problem: Problem,
    /// Explanation in a sentence or two.
    pub message: String,
}

/// Whether the request should (or did) succeed, as far as permissions go.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Verdict {
    /// The token has a sufficient permission (delegated: the user's own rights still apply).
    Allowed,
    /// The request will fail, or failed, for a reason found.
    Denied,
    /// Not enough information (no token, unknown path).
    Unknown,
}

/// The result of [`diagnose`].
#[derive(Debug, Clone, Serialize)]
pub struct Diagnosis {
    /// HTTP method, upper case.
    pub method: String,
    /// The request path as given (query removed).
    pub path: String,
    /// How the path matched the permission map.
    pub matched: Option<PathMatch>,
    /// Kind of the token, when there is one.
    pub token_kind: Option<TokenKind>,
    /// The scheme that applies to the token.
    pub scheme: Option<Scheme>,
    /// Requirements for every scheme the API supports.
    pub requirements: Vec<SchemeRequirement>,
    /// The token's permissions that satisfy the request (empty when none).
    pub granted: Vec<String>,
    /// Least-privileged choices for the token's scheme (each inner list is needed in full).
    pub least: Vec<Vec<String>>,
    /// Whether the least-privileged choice needs admin consent.
    pub least_needs_admin_consent: Option<bool>,
    /// Findings, most important first.
    pub findings: Vec<Finding>,
    /// Catalogue explanations of the error in the response.
    pub explanations: Vec<Explanation>,
    /// The parsed Graph error, if the response carried one.
    pub error: Option<GraphErrorBody>,
    /// The HTTP status, if a response was given.
    pub status: Option<u16>,
    /// The verdict.
    pub verdict: Verdict,
    /// What to do next, most useful first.
    pub next_steps: Vec<String>,
}

/// Headers as name/value pairs (names compared case-insensitively).
pub type Headers = [(String, String)];

fn header<'a>(headers: &'a Headers, name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

/// Converts a reqwest header map into pairs (values that are not text are skipped).
pub fn headers_from_map(map: &reqwest::header::HeaderMap) -> Vec<(String, String)> {
    map.iter()
        .filter_map(|(k, v)| {
            v.to_str()
                .ok()
                .map(|v| (k.as_str().to_string(), v.to_string()))
        })
        .collect()
}

/// A parsed `WWW-Authenticate` claims challenge.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ClaimsChallenge {
    /// The decoded `claims` JSON, to pass back to the authorize/token request.
    pub claims: Option<String>,
}

/// Reads a claims challenge from a `WWW-Authenticate` value (`error="insufficient_claims"`).
pub fn parse_claims_challenge(www_authenticate: &str) -> Option<ClaimsChallenge> {
    let lower = www_authenticate.to_ascii_lowercase();
    if !lower.contains("insufficient_claims") {
        return None;
    }
    let claims = www_authenticate
        .split(',')
        .map(str::trim)
        .find_map(|p| {
            let p = p.strip_prefix("Bearer ").unwrap_or(p).trim();
            let (k, v) = p.split_once('=')?;
            k.trim()
                .eq_ignore_ascii_case("claims")
                .then(|| v.trim().trim_matches('"').to_string())
        })
        .and_then(|b64| {
            let e = base64::engine::general_purpose::STANDARD;
            let bytes = e
                .decode(b64.as_bytes())
                .or_else(|_| {
                    base64::engine::general_purpose::URL_SAFE_NO_PAD
                        .decode(b64.trim_end_matches('='))
                })
                .ok()?;
            String::from_utf8(bytes).ok()
        });
    Some(ClaimsChallenge { claims })
}

/// Directory roles that usually grant what a delegated request needs, by path (a hint, not a rule).
fn role_hint(template: &str, write: bool) -> &'static str {
    let first = template
        .trim_start_matches('/')
        .split(['/', '('])
        .next()
        .unwrap_or("");
    match (first, write) {
        ("users" | "me", true) => {
            "User Administrator (or Helpdesk/Password Administrator for resets)"
        }
        ("groups", true) => "Groups Administrator, or ownership of the group",
        ("applications" | "serviceprincipals", true) => {
            "Application Administrator or Cloud Application Administrator, or ownership of the app"
        }
        ("rolemanagement" | "directoryroles", true) => "Privileged Role Administrator",
        ("identity" | "policies", true) => {
            "Conditional Access Administrator or Security Administrator"
        }
        ("devices", true) => "Cloud Device Administrator or Intune Administrator",
        ("auditlogs" | "reports", _) => "Reports Reader or Security Reader",
        (_, false) => "Directory Readers or Global Reader",
        _ => "an administrator role that covers this resource",
    }
}

fn now_unix() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// Diagnoses a request: before sending (`response` = None) or after it failed.
pub fn diagnose(
    method: &str,
    url: &str,
    token_claims: Option<&Claims>,
    response: Option<(u16, &Headers, &str)>,
) -> Diagnosis {
    diagnose_at(method, url, token_claims, response, now_unix())
}

fn fmt_alts(alts: &[Vec<String>]) -> String {
    alts.iter()
        .map(|a| a.join(" + "))
        .collect::<Vec<_>>()
        .join(" or ")
}

/// [`diagnose`] with an explicit clock (Unix seconds), for tests.
pub fn diagnose_at(
    method: &str,
    url: &str,
    token_claims: Option<&Claims>,
    response: Option<(u16, &Headers, &str)>,
    now: i64,
) -> Diagnosis {
    let method = method.trim().to_ascii_uppercase();
    let path = url.split('?').next().unwrap_or(url).to_string();
    let matched = match_request(url);
    let map = embedded();
    let requirements = matched
        .as_ref()
        .map(|m| map.requirements(&m.template, &method))
        .unwrap_or_default();
    let mut d = Diagnosis {
        method: method.clone(),
        path,
        matched: matched.clone(),
        token_kind: token_claims.map(|c| c.kind()),
        scheme: token_claims.and_then(|c| c.scheme()),
        requirements,
        granted: Vec::new(),
        least: Vec::new(),
        least_needs_admin_consent: None,
        findings: Vec::new(),
        explanations: Vec::new(),
        error: None,
        status: response.map(|r| r.0),
        verdict: Verdict::Unknown,
        next_steps: Vec::new(),
    };
    let write = method_bit(&method).is_some_and(|b| b != 1);
    let mut denied = false;

    // The response first: it can tell things the token cannot.
    let mut challenge = None;
    if let Some((status, headers, body)) = response {
        if let Some(www) = header(headers, "www-authenticate") {
            challenge = parse_claims_challenge(www);
        }
        d.error = parse_graph_error(body);
        if let Some(e) = &d.error {
            if let Some(x) = explain_graph_error(&e.code, &e.message) {
                d.explanations.push(x);
            }
        } else if body.contains("AADSTS") || body.contains("\"error_codes\"") {
            d.explanations.extend(explain_identity_error(body));
        }
        if status == 429 {
            let after = header(headers, "retry-after").unwrap_or("a few");
            d.findings.push(Finding {
                problem: Problem::Throttled,
                message: format!("Throttled (429): wait {after} seconds before retrying."),
            });
            d.next_steps
                .push(format!("Wait {after} seconds (Retry-After) and retry."));
            denied = true;
        }
    }
    if let Some(ch) = &challenge {
        denied = true;
        d.findings.push(Finding {
            problem: Problem::ClaimsChallenge,
            message: format!(
                "Conditional Access claims challenge (insufficient_claims): the token no longer satisfies a policy (for example it was revoked, the location changed, or MFA is now needed){}.",
                ch.claims
                    .as_ref()
                    .map(|c| format!("; requested claims: {c}"))
                    .unwrap_or_default()
            ),
        });
        d.next_steps.push(
            "Sign in again (`graphtui login`); the new sign-in must carry the requested claims and may ask for MFA."
                .into(),
        );
    }

    let Some(claims) = token_claims else {
        d.findings.push(Finding {
            problem: Problem::NotSignedIn,
            message: "No token: showing what the request needs only.".into(),
        });
        if d.status == Some(401) {
            d.next_steps
                .push("Sign in with `graphtui login`, then retry.".into());
            d.verdict = Verdict::Denied;
        }
        finish_unknown_path(&mut d);
        return d;
    };

    if claims.is_expired(now) {
        denied = true;
        d.findings.push(Finding {
            problem: Problem::TokenExpired,
            message: format!(
                "The token expired at {}.",
                super::claims::unix_to_rfc3339(claims.exp.unwrap_or(0))
            ),
        });
        d.next_steps
            .push("Get a new token: `graphtui login` (graphtui refreshes automatically when it has a refresh token).".into());
    } else if claims.not_yet_valid(now) {
        denied = true;
        d.findings.push(Finding {
            problem: Problem::TokenExpired,
            message: "The token is not valid yet: check the computer's clock.".into(),
        });
    }
    if !claims.audience_is_graph() {
        denied = true;
        d.findings.push(Finding {
            problem: Problem::WrongAudience,
            message: format!(
                "The token's audience is '{}', not Microsoft Graph: Graph rejects it whatever its permissions.",
                claims.aud.clone().unwrap_or_default()
            ),
        });
        d.next_steps.push(
            "Ask for a token for Microsoft Graph (scope https://graph.microsoft.com/.default, or Graph scope names) in the same cloud as the Graph endpoint."
                .into(),
        );
    }
    let kind = claims.kind();
    if d.matched.as_ref().is_some_and(|m| m.is_me) && kind == TokenKind::AppOnly {
        denied = true;
        d.findings.push(Finding {
            problem: Problem::MeWithAppOnly,
            message: "/me needs a signed-in user, but this token is app-only: Graph answers 400 \"/me request is only valid with delegated authentication flow\".".into(),
        });
        d.next_steps.push(
            "Use /users/{id or userPrincipalName} instead of /me, or sign in as a user (`graphtui login`).".into(),
        );
    }

    if d.matched.is_none() {
        finish_unknown_path(&mut d);
        if denied {
            d.verdict = Verdict::Denied;
        }
        return d;
    }
    let Some(scheme) = claims.scheme() else {
        d.findings.push(Finding {
            problem: Problem::OtherError,
            message: "The token carries neither scp nor roles: it grants no Graph permission."
                .into(),
        });
        d.verdict = Verdict::Denied;
        return d;
    };
    let mut req = d.requirements.iter().find(|r| r.scheme == scheme).cloned();
    let template = d
        .matched
        .as_ref()
        .map(|m| m.template.clone())
        .unwrap_or_default();
    // A delegated request to /users/{own id or UPN}/... is a request about oneself: the /me
    // form's requirements apply (getMemberGroups on oneself needs User.Read, not
    // User.ReadBasic.All). Otherwise User.Read / User.ReadWrite, which cover the signed-in user
    // only, do not reach another user through /users/{id} (the map lists them for that path
    // because it also addresses oneself).
    if scheme != Scheme::Application && template.starts_with("/users/{id}") {
        if addresses_self(url, claims) {
            let me_template = format!("/me{}", &template["/users/{id}".len()..]);
            if let Some(r) = map
                .requirements(&me_template, &method)
                .into_iter()
                .find(|r| r.scheme == scheme)
            {
                req = Some(r);
            }
        } else if template == "/users/{id}"
            && let Some(r) = &req
        {
            req = Some(r.excluding(&["User.Read", "User.ReadWrite"], &method, &template));
        }
    }
    match req {
        None => {
            if !d
                .findings
                .iter()
                .any(|f| f.problem == Problem::MeWithAppOnly)
            {
                denied = true;
                let other: Vec<&str> = d.requirements.iter().map(|r| r.scheme.label()).collect();
                d.findings.push(Finding {
                    problem: Problem::SchemeNotSupported,
                    message: format!(
                        "{method} {template} has no {} permission in the permission map{}.",
                        scheme.label(),
                        if other.is_empty() {
                            String::new()
                        } else {
                            format!(" (it supports: {})", other.join(", "))
                        }
                    ),
                });
                d.next_steps.push(match scheme {
                    Scheme::Application => {
                        "Call this API with a delegated token (sign in as a user).".into()
                    }
                    _ => "Call this API with another kind of token (see the supported schemes)."
                        .into(),
                });
            }
        }
        Some(req) => {
            d.least = req.least.clone();
            let consent = req.least.iter().flatten().any(|n| {
                map.permission(n)
                    .and_then(|p| p.scheme(scheme))
                    .is_none_or(|i| i.requires_admin_consent)
            });
            d.least_needs_admin_consent = Some(consent);
            match req.satisfied_by(claims.permissions()) {
                Some(set) => d.granted = set,
                None => {
                    denied = true;
                    let has: Vec<&str> = claims.permissions().iter().map(String::as_str).collect();
                    d.findings.push(Finding {
                        problem: Problem::PermissionMissing,
                        message: format!(
                            "The token has none of the permissions {method} {template} accepts ({}). Least privileged: {}{}. The token has: {}.",
                            scheme.label(),
                            fmt_alts(&req.least),
                            if consent { " (needs admin consent)" } else { "" },
                            if has.is_empty() { "nothing".to_string() } else { has.join(" ") }
                        ),
                    });
                    let first = req.least.first().cloned().unwrap_or_default();
                    match scheme {
                        Scheme::Application => {
                            d.next_steps.push(format!(
                                "Ask an admin to add the application permission {} (Microsoft Graph) to the app registration and grant admin consent; then get a new token (roles are fixed when the token is issued).",
                                first.join(" + ")
                            ));
                        }
                        _ => {
                            d.next_steps.push(format!(
                                "Sign in again asking for it: `graphtui login --scopes {}`.",
                                first.join(",")
                            ));
                            if consent {
                                d.next_steps.push(format!(
                                    "{} needs admin consent: ask an admin to grant it for the app (Entra admin center > Enterprise applications > the app > Permissions > Grant admin consent).",
                                    first.join(" + ")
                                ));
                            }
                        }
                    }
                }
            }
            if let Some(o) = req.note {
                let _ = o; // shown in `explain`; the diagnosis keeps to the verdict
            }
        }
    }

    // After a 403 with a sufficient permission: the user's rights (delegated) or something else.
    if !d.granted.is_empty() && d.status == Some(403) && challenge.is_none() {
        denied = true;
        if kind == TokenKind::Delegated {
            let roles: Vec<String> = claims
                .wids
                .iter()
                .filter(|w| is_admin_role(w))
                .map(|w| {
                    role_name(w)
                        .map(str::to_string)
                        .unwrap_or_else(|| w.clone())
                })
                .collect();
            d.findings.push(Finding {
                problem: Problem::UserLacksRights,
                message: format!(
                    "The token has {} for this request, but delegated permissions only act within the signed-in user's own rights, and the user may not do this ({}).",
                    d.granted.join(" + "),
                    if roles.is_empty() {
                        "the token shows no administrator role".to_string()
                    } else {
                        format!("directory roles in the token: {}", roles.join(", "))
                    }
                ),
            });
            d.next_steps.push(format!(
                "Ask for a directory role that covers it, such as {}, or have someone with that role do it; or use an app-only token with the application permission.",
                role_hint(&template, write)
            ));
        } else {
            d.findings.push(Finding {
                problem: Problem::DeniedDespitePermission,
                message: format!(
                    "The token has {} and was still denied: consent may have been granted or removed after the token was issued, or the operation needs more than a Graph permission (for example a directory role for the app, or an application access policy).",
                    d.granted.join(" + ")
                ),
            });
            d.next_steps.push(
                "Get a new token; if it still fails, assign the app's service principal a directory role that covers the operation."
                    .into(),
            );
        }
    }

    if let Some(m) = &d.matched
        && m.count_segment
    {
        d.next_steps
            .push("A /$count segment needs the header `ConsistencyLevel: eventual`.".into());
    }
    d.verdict = if denied {
        Verdict::Denied
    } else if !d.granted.is_empty() {
        if let Some(s) = d.status
            && s >= 400
        {
            Verdict::Denied
        } else {
            Verdict::Allowed
        }
    } else {
        Verdict::Unknown
    };
    if d.verdict == Verdict::Denied && d.findings.is_empty() && !d.explanations.is_empty() {
        d.findings.push(Finding {
            problem: Problem::OtherError,
            message: d.explanations[0].cause.clone(),
        });
        d.next_steps.push(d.explanations[0].action.clone());
    }
    if d.verdict == Verdict::Allowed && kind == TokenKind::Delegated && write {
        let admin = claims.wids.iter().any(|w| is_admin_role(w));
        if !admin {
            d.next_steps.push(format!(
                "The scope is there, but a delegated write also needs the user's own rights: the token shows no administrator role (typical: {}).",
                role_hint(&template, true)
            ));
        }
    }
    d
}

/// Whether `/users/{key}` names the token's own user (object id or UPN).
fn addresses_self(url: &str, claims: &Claims) -> bool {
    let segs = super::pathmatch::parse_request(url).segments;
    let Some(key) = segs
        .first()
        .filter(|s| s.eq_ignore_ascii_case("users"))
        .and(segs.get(1))
    else {
        return false;
    };
    [claims.oid.as_deref(), claims.account.as_deref()]
        .into_iter()
        .flatten()
        .any(|k| k.eq_ignore_ascii_case(key))
}

fn finish_unknown_path(d: &mut Diagnosis) {
    if d.matched.is_none() {
        d.findings.push(Finding {
            problem: Problem::UnknownPath,
            message: format!(
                "{} {} is not in the permission map (Graph Explorer's permissions.json); check the API's reference page for its permissions.",
                d.method, d.path
            ),
        });
    }
    if let Some(e) = d.explanations.first()
        && !d.next_steps.contains(&e.action)
    {
        d.next_steps.push(e.action.clone());
    }
}

impl Diagnosis {
    /// The first line: method, path and the verdict.
    fn headline(&self) -> String {
        let verdict = match (self.verdict, self.status.is_some()) {
            (Verdict::Allowed, false) => "should work",
            (Verdict::Allowed, true) => "permissions look sufficient",
            (Verdict::Denied, false) => "will fail",
            (Verdict::Denied, true) => "failed",
            (Verdict::Unknown, _) => "cannot tell",
        };
        format!("{} {}: {verdict}\n", self.method, self.path)
    }

    /// Findings, what the token grants it with, least privilege, next steps.
    fn actions(&self) -> String {
        let mut out = String::new();
        for f in &self.findings {
            out.push_str(&format!("  * {}\n", f.message));
        }
        if !self.granted.is_empty() {
            out.push_str(&format!(
                "  token grants it with: {}\n",
                self.granted.join(" + ")
            ));
        }
        if !self.least.is_empty() {
            out.push_str(&format!(
                "  least privileged{}: {}{}\n",
                self.scheme.map(|s| format!(" ({s})")).unwrap_or_default(),
                fmt_alts(&self.least),
                if self.least_needs_admin_consent == Some(true) {
                    " [admin consent]"
                } else {
                    ""
                }
            ));
        }
        if !self.next_steps.is_empty() {
            out.push_str("  next:\n");
            for s in &self.next_steps {
                out.push_str(&format!("    - {s}\n"));
            }
        }
        out
    }

    /// The diagnosis for a small pane: what to do first (findings, least privilege, next
    /// steps), the catalogue's general reading of the error last.
    pub fn to_brief_text(&self) -> String {
        let mut out = self.headline();
        out.push_str(&self.actions());
        for e in &self.explanations {
            out.push_str(&format!(
                "  about {}{}: {}\n",
                e.code,
                e.name
                    .as_ref()
                    .map(|n| format!(" ({n})"))
                    .unwrap_or_default(),
                e.cause
            ));
        }
        if let Some(m) = &self.matched {
            out.push_str(&format!("  (request matched {})\n", m.template));
        }
        out
    }

    /// The diagnosis as text for a terminal or a pane (explanations above, verdict, steps).
    pub fn to_text(&self) -> String {
        let mut out = self.headline();
        if let Some(m) = &self.matched {
            out.push_str(&format!("  matches {}", m.template));
            if !m.notes.is_empty() {
                out.push_str(&format!(" ({})", m.notes.join("; ")));
            }
            out.push('\n');
        }
        for e in &self.explanations {
            out.push_str(&format!(
                "  {}{}: {}\n    -> {}\n",
                e.code,
                e.name
                    .as_ref()
                    .map(|n| format!(" ({n})"))
                    .unwrap_or_default(),
                e.cause,
                e.action
            ));
        }
        out.push_str(&self.actions());
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_graph_errors() {
        let b = r#"{"error":{"code":"Authorization_RequestDenied","message":"Insufficient privileges to complete the operation.","innerError":{"date":"2021-05-23T06:39:06","request-id":"r1","client-request-id":"c1"}}}"#;
        let e = parse_graph_error(b).unwrap();
        assert_eq!(e.code, "Authorization_RequestDenied");
        assert_eq!(e.request_id.as_deref(), Some("r1"));
        assert_eq!(e.client_request_id.as_deref(), Some("c1"));
        assert_eq!(e.date.as_deref(), Some("2021-05-23T06:39:06"));
        let b = r#"{"error":{"code":"TooManyRequests","message":"Please retry again later.","innererror":{"code":"429","request-id":"r","innererror":{"code":"deeper"}}}}"#;
        let e = parse_graph_error(b).unwrap();
        assert_eq!(e.inner_codes, vec!["429", "deeper"]);
        assert!(parse_graph_error("not json").is_none());
        assert!(parse_graph_error(r#"{"error":"invalid_grant"}"#).is_none());
    }

    #[test]
    fn reads_claims_challenges() {
        let h = r#"Bearer realm="", authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize", error="insufficient_claims", claims="eyJhY2Nlc3NfdG9rZW4iOnsiYWNycyI6eyJlc3NlbnRpYWwiOnRydWUsInZhbHVlIjoiY3AxIn19fQ==""#;
        let c = parse_claims_challenge(h).unwrap();
        assert_eq!(
            c.claims.as_deref(),
            Some(r#"{"access_token":{"acrs":{"essential":true,"value":"cp1"}}}"#)
        );
        assert!(parse_claims_challenge(r#"Bearer realm="""#).is_none());
        let c = parse_claims_challenge(r#"error="insufficient_claims", claims="!!!""#).unwrap();
        assert_eq!(c.claims, None);
    }
}
