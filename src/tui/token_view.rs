//! The token view (`T`, `:token`): the access token's claims decoded locally, and, offline,
//! whether each kind of request the explorer makes would be allowed by it.

use crate::doctor::{Claims, Verdict, diagnose::diagnose_at};

/// A placeholder object id for the checks (the permission map matches any id).
const ID: &str = "00000000-0000-0000-0000-000000000000";

/// The explorer's requests, as (what, method, path).
const CHECKS: &[(&str, &str, &str)] = &[
    ("signed-in user", "GET", "/me"),
    ("list users", "GET", "/users"),
    ("a user's groups", "GET", "/users/{id}/memberOf"),
    ("transitive groups", "GET", "/users/{id}/transitiveMemberOf"),
    ("manager chain", "GET", "/users/{id}/manager"),
    ("direct reports", "GET", "/users/{id}/directReports"),
    ("list groups", "GET", "/groups"),
    ("group members", "GET", "/groups/{id}/members"),
    (
        "transitive members",
        "GET",
        "/groups/{id}/transitiveMembers",
    ),
    ("group owners", "GET", "/groups/{id}/owners"),
    ("organization", "GET", "/organization"),
];

/// `g` as the token holds it: itself, or `g (via X)` when a broader permission X of the
/// token includes it.
pub fn held_as(c: &Claims, g: &str) -> String {
    if c.has(g) {
        return g.to_string();
    }
    let lower = g.to_ascii_lowercase();
    c.permissions()
        .iter()
        .find(|p| {
            crate::doctor::permmap::implied_closure(std::slice::from_ref(*p)).contains(&lower)
        })
        .map_or_else(|| g.to_string(), |p| format!("{g} (via {p})"))
}

/// The token view's lines for `claims` at Unix time `now` (`None`: not signed in).
pub fn token_lines(claims: Option<&Claims>, now: i64) -> Vec<String> {
    let Some(c) = claims else {
        return vec![
            "No access token: not signed in (or the token is not a JWT).".into(),
            "Sign in again with :ctx, or `graphtui login` in a shell.".into(),
        ];
    };
    let mut out = c.summary_lines(now);
    out.push(String::new());
    out.push(
        "What this token allows in the explorer (offline check against the permission map;".into(),
    );
    out.push(
        "delegated access is also limited by the signed-in user's own directory rights):".into(),
    );
    for (what, method, path) in CHECKS {
        let path = path.replace("{id}", ID);
        let d = diagnose_at(method, &path, Some(c), None, now);
        let shown = path.replace(ID, "{id}");
        let line = match d.verdict {
            Verdict::Allowed => format!(
                "  ✓ {what:<20} {method} {shown:<34} with {}",
                d.granted
                    .iter()
                    .map(|g| held_as(c, g))
                    .collect::<Vec<_>>()
                    .join(" + ")
            ),
            Verdict::Denied => {
                let least = d
                    .least
                    .first()
                    .map(|l| format!("needs {}", l.join(" + ")))
                    .unwrap_or_else(|| "not possible with this kind of token".into());
                format!(
                    "  ✗ {what:<20} {method} {shown:<34} {least}{}",
                    if d.least_needs_admin_consent == Some(true) {
                        " (admin consent)"
                    } else {
                        ""
                    }
                )
            }
            Verdict::Unknown => format!("  ? {what:<20} {method} {shown:<34} cannot tell"),
        };
        out.push(line);
    }
    if c.kind() == crate::doctor::TokenKind::AppOnly {
        out.push("  (app-only: /me has no meaning without a signed-in user)".into());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn claims(v: serde_json::Value) -> Claims {
        Claims::decode(&crate::doctor::claims::fake_jwt(&v)).unwrap()
    }

    #[test]
    fn delegated_token_with_user_read_all_lists_users_but_not_groups() {
        let now = 1_800_000_000;
        let c = claims(json!({
            "aud": "https://graph.microsoft.com", "tid": "t1", "appid": "a1",
            "upn": "megan@contoso.com", "scp": "User.Read User.Read.All",
            "exp": now + 3600, "iat": now - 60
        }));
        let lines = token_lines(Some(&c), now);
        let text = lines.join("\n");
        assert!(
            text.contains("scopes:    User.Read User.Read.All"),
            "{text}"
        );
        let line = |what: &str| {
            lines
                .iter()
                .find(|l| l.contains(what))
                .unwrap_or_else(|| panic!("{what} in {text}"))
                .clone()
        };
        assert!(line("list users").contains('✓'), "{text}");
        assert!(
            line("list users").contains("User.ReadBasic.All (via User.Read.All)"),
            "{text}"
        );
        assert!(line("list groups").contains('✗'), "{text}");
        assert!(line("group members").contains("needs "), "{text}");
        assert!(line("GET /me ").contains('✓'), "{text}");
    }

    #[test]
    fn app_only_token_cannot_use_me_and_no_token_says_so() {
        let now = 1_800_000_000;
        let c = claims(json!({
            "aud": "https://graph.microsoft.com", "tid": "t1", "appid": "a1",
            "roles": ["User.Read.All", "GroupMember.Read.All"], "exp": now + 3600
        }));
        let lines = token_lines(Some(&c), now);
        let me = lines.iter().find(|l| l.contains("GET /me ")).unwrap();
        assert!(!me.contains('✓'), "{me}");
        let members = lines.iter().find(|l| l.contains("group members")).unwrap();
        assert!(members.contains('✓'), "{members}");
        assert!(token_lines(None, now)[0].contains("not signed in"));
    }
}
