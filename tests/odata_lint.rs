//! Integration tests for the capability table, linter, completion, URL builder and
//! `graphtui filter check` (library and the real binary).

use graphtui::cli::filter::check;
use graphtui::odata::capabilities::capabilities;
use graphtui::odata::complete::complete_filter;
use graphtui::odata::lint::{Severity, lint_filter, lint_request};
use graphtui::odata::url::{QueryOptions, build_request, parse_graph_url};
use std::process::Command;

const BASE: &str = "https://graph.microsoft.com/v1.0";

/// Filters from the Graph docs (user.md/group.md/list examples, aad-advanced-queries.md) that
/// must lint without errors; `advanced` says whether they need advanced-query mode.
const GOOD: &[(&str, &str, bool)] = &[
    ("users", "accountEnabled eq false", false),
    ("users", "accountEnabled ne true", true),
    ("users", "startsWith(displayName,'a')", false),
    ("users", "endsWith(mail,'@outlook.com')", true),
    (
        "users",
        "endsWith(userPrincipalName,'#EXT#@contoso.com')",
        true,
    ),
    (
        "users",
        "companyName ne null and NOT(companyName eq 'Microsoft')",
        true,
    ),
    ("users", "NOT startsWith(displayName, 'Conf')", true),
    (
        "users",
        "startsWith(mobilePhone, '25478') OR startsWith(mobilePhone, '25473')",
        true,
    ),
    (
        "users",
        "proxyAddresses/any(p:endsWith(p, 'OnMicrosoft.com'))",
        true,
    ),
    ("users", "assignedLicenses/$count eq 0", true),
    (
        "users",
        "assignedLicenses/any(s:s/skuId eq 184efa21-98c3-4e5d-95ab-d07053a96e67)",
        false,
    ),
    (
        "users",
        "identities/any(c:c/issuerAssignedId eq 'j.smith@yahoo.com' and c/issuer eq 'My B2C tenant')",
        false,
    ),
    ("users", "mail eq 'jon@contoso.com'", false),
    ("users", "userType eq 'Member'", false),
    ("users", "otherMails/any(x:x eq 'admin@contoso.com')", false),
    (
        "users",
        "startsWith(givenName,'J') and startsWith(surname,'D')",
        false,
    ),
    ("users", "createdDateTime ge 2021-01-01T00:00:00Z", false),
    (
        "users",
        "signInActivity/lastSignInDateTime le 2021-06-01T00:00:00Z",
        false,
    ),
    (
        "users",
        "onPremisesExtensionAttributes/extensionAttribute1 eq 'BYOD-Device'",
        true,
    ),
    ("users", "employeeOrgData/costCenter eq '123'", true),
    ("users", "id in ('a', 'b')", false),
    ("groups", "groupTypes/any(c:c eq 'Unified')", false),
    ("groups", "NOT groupTypes/any(c:c eq 'Unified')", true),
    (
        "groups",
        "mailEnabled eq false and securityEnabled eq true",
        false,
    ),
    ("groups", "hasMembersWithLicenseErrors eq true", false),
    ("groups", "startsWith(displayName, 'Video')", false),
    (
        "groups",
        "resourceProvisioningOptions/Any(x:x eq 'Team')",
        false,
    ),
    (
        "groups",
        "proxyAddresses/any(x:startsWith(x,'smtp:'))",
        false,
    ),
    ("devices", "startsWith(displayName,'DESKTOP')", false),
    ("applications", "startsWith(displayName,'Box')", false),
    (
        "servicePrincipals",
        "appId eq '00000003-0000-0000-c000-000000000000'",
        false,
    ),
];

#[test]
fn documented_filters_lint_clean() {
    for (entity, f, advanced) in GOOD {
        let e = capabilities().entity(entity).unwrap();
        let r = lint_filter(e, f);
        let errors: Vec<_> = r
            .diagnostics
            .iter()
            .filter(|d| d.severity == Severity::Error)
            .collect();
        assert!(errors.is_empty(), "{entity} {f}: {errors:?}");
        assert_eq!(
            r.advanced_query, *advanced,
            "{entity} {f}: {:?}",
            r.advanced_query_reasons
        );
    }
}

/// Wrong filters: (entity, filter, byte start of the first error, text in its message).
const BAD: &[(&str, &str, usize, &str)] = &[
    ("users", "accountEnabled eq 'true'", 18, "Boolean"),
    (
        "users",
        "dispalyName eq 'x'",
        0,
        "unknown property 'dispalyName'",
    ),
    (
        "users",
        "contains(displayName,'x')",
        0,
        "contains() is not supported",
    ),
    (
        "users",
        "substringof('x',displayName)",
        0,
        "substringof() is not supported",
    ),
    (
        "users",
        "tolower(displayName) eq 'x'",
        0,
        "tolower() is not supported",
    ),
    (
        "users",
        "endsWith(displayName,'x')",
        0,
        "endsWith is not supported on 'displayName'",
    ),
    ("users", "proxyAddresses eq 'smtp:a@b.com'", 0, "collection"),
    (
        "users",
        "assignedLicenses/any(x:x/skuId eq 'b05e124f-c7cc-45a0-a6aa-8cf78c946968')",
        34,
        "Edm.Guid",
    ),
    (
        "users",
        "id eq b05e124f-c7cc-45a0-a6aa-8cf78c946968",
        6,
        "String",
    ),
    (
        "users",
        "createdDateTime ge '2021-01-01'",
        19,
        "DateTimeOffset",
    ),
    ("users", "city gt 'A'", 5, "gt is not supported"),
    ("users", "manager/id eq 'x'", 0, "relationship"),
    ("users", "aboutMe eq 'x'", 8, "cannot be used in $filter"),
    ("users", "displayName eq 'x' and", 22, ""),
    ("users", "accountEnabled", 0, "not a condition"),
    ("users", "'Bob' eq displayName", 0, "left"),
    (
        "users",
        "signInActivity/lastSignInDateTime le 2021-06-01T00:00:00Z and accountEnabled eq true",
        0,
        "signInActivity cannot be combined",
    ),
    ("groups", "groupTypes eq 'Unified'", 0, "collection"),
    ("users", "userType has 'Guest'", 9, "has operator"),
    ("groups", "mailEnabled eq 1", 15, "Boolean"),
    (
        "groups",
        "assignedLicenses/any(x:x/skuid eq 'nope')",
        34,
        "Edm.Guid",
    ),
];

#[test]
fn wrong_filters_are_errors_at_the_right_place() {
    for (entity, f, start, msg) in BAD {
        let e = capabilities().entity(entity).unwrap();
        let r = lint_filter(e, f);
        let first = r
            .diagnostics
            .iter()
            .find(|d| d.severity == Severity::Error)
            .unwrap_or_else(|| panic!("{f}: no error in {:?}", r.diagnostics));
        assert_eq!(first.span.start, *start, "{f}: {first:?}");
        assert!(first.message.contains(msg), "{f}: {}", first.message);
    }
}

#[test]
fn request_urls_round_trip_through_the_parser() {
    let opts = QueryOptions {
        filter: Some("endsWith(userPrincipalName,'#EXT#@contoso.com')".into()),
        select: vec!["id".into(), "displayName".into()],
        top: Some(50),
        ..Default::default()
    };
    let built = build_request(BASE, "/users", &opts, None);
    assert!(built.advanced_query);
    assert!(
        built.url.contains("%23EXT%23%40contoso.com"),
        "{}",
        built.url
    );
    let parsed = parse_graph_url(&built.url).unwrap();
    assert_eq!(parsed.path, "/users");
    assert_eq!(parsed.options.filter, opts.filter);
    assert!(parsed.options.count);
    // linting the parsed request again gives the same verdict
    let again = lint_request(&parsed.path, None, &parsed.options);
    assert!(again.advanced_query && !again.has_errors());
}

#[test]
fn completion_works_mid_expression() {
    let users = capabilities().entity("users").unwrap();
    let text = "accountEnabled eq true and dis";
    let c = complete_filter(users, text, text.len());
    assert_eq!(c.range, 27..30);
    assert_eq!(c.candidates[0].insert, "displayName");
}

#[test]
fn library_check_report_shape() {
    let r = check(
        "userType eq 'Guest' and endsWith(mail,'@x.com')",
        "users",
        BASE,
    )
    .unwrap();
    let v = serde_json::to_value(&r).unwrap();
    for key in [
        "ok",
        "diagnostics",
        "advanced_query",
        "advanced_query_reasons",
        "url",
    ] {
        assert!(v.get(key).is_some(), "missing {key}");
    }
    assert_eq!(v["ok"], true);
    assert_eq!(v["advanced_query"], true);
}

fn graphtui(args: &[&str]) -> (i32, String, String) {
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_graphtui"));
    for (k, _) in std::env::vars() {
        if k.starts_with("GRAPHTUI_") || k.starts_with("AZURE_") {
            cmd.env_remove(k);
        }
    }
    let out = cmd
        .env("GRAPHTUI_CONFIG", dir.path().join("config.toml"))
        .env("GRAPHTUI_DATA_DIR", dir.path().join("data"))
        .env("HOME", dir.path())
        .env("XDG_CONFIG_HOME", dir.path().join("xdg"))
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn binary_text_output_and_exit_codes() {
    let (code, out, err) = graphtui(&["filter", "check", "accountEnabled eq 'true'"]);
    assert_eq!(code, 1, "{out}{err}");
    assert!(out.contains("                  ^^^^^^"), "{out}");
    assert!(out.contains("error at column 19"), "{out}");
    assert!(out.contains("hint: drop the quotes"), "{out}");
    assert!(
        out.contains("URL: https://graph.microsoft.com/v1.0/users?$filter="),
        "{out}"
    );

    let (code, out, _) = graphtui(&[
        "filter",
        "check",
        "startsWith(displayName,'a')",
        "--entity",
        "groups",
    ]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("advanced query: not needed"), "{out}");

    let (code, _, err) = graphtui(&["filter", "check", "id eq 'x'", "--entity", "sites"]);
    assert_eq!(code, 2);
    assert!(err.contains("unknown entity 'sites'"), "{err}");
}

#[test]
fn binary_json_output() {
    let (code, out, err) = graphtui(&[
        "--graph-url",
        "http://127.0.0.1:4000",
        "--api-version",
        "beta",
        "filter",
        "check",
        "endsWith(mail,'@contoso.com') and city eq 42",
        "--output",
        "json",
    ]);
    assert_eq!(code, 1, "{out}{err}");
    let v: serde_json::Value = serde_json::from_str(&out).expect("one JSON object");
    assert_eq!(v["ok"], false);
    assert_eq!(v["advanced_query"], true);
    assert!(
        v["advanced_query_reasons"][0]
            .as_str()
            .unwrap()
            .contains("endsWith")
    );
    let d = &v["diagnostics"][0];
    assert_eq!(d["severity"], "error");
    assert_eq!(d["code"], "type-mismatch");
    assert_eq!(d["start"], 42);
    assert_eq!(d["end"], 44);
    assert!(d["message"].as_str().unwrap().contains("String"));
    let url = v["url"].as_str().unwrap();
    assert!(
        url.starts_with("http://127.0.0.1:4000/beta/users?$filter=endsWith%28mail"),
        "{url}"
    );
    assert!(url.ends_with("&$count=true"), "{url}");
    assert_eq!(v["headers"]["ConsistencyLevel"], "eventual");
}

#[test]
fn binary_checks_pasted_urls_and_extra_options() {
    let (code, out, err) = graphtui(&[
        "filter",
        "check",
        "https://graph.microsoft.com/v1.0/users?$filter=startsWith(displayName,'a')&$orderby=displayName&$expand=manager",
        "--output",
        "json",
    ]);
    assert_eq!(code, 1, "{out}{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["entity"], "user");
    assert_eq!(v["advanced_query"], true);
    let d = v["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["option"] == "$expand")
        .expect("expand diagnostic");
    assert!(d["message"].as_str().unwrap().contains("advanced"));

    let (code, out, _) = graphtui(&[
        "filter",
        "check",
        "accountEnabled eq true",
        "--orderby",
        "createdDateTime desc",
        "--select",
        "id,displayName",
    ]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("$orderby on createdDateTime"), "{out}");
    assert!(out.contains("&$select=id,displayName"), "{out}");

    let (code, out, _) = graphtui(&[
        "filter",
        "check",
        "$filter=groupTypes/any(c:c eq 'Unified')&$top=1000",
        "--entity",
        "groups",
    ]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("error in $top"), "{out}");

    let (code, _, err) = graphtui(&["filter", "check", "https://evil.example.com/v1.0/users"]);
    assert_eq!(code, 2);
    assert!(err.contains("not a Microsoft Graph host"), "{err}");
}
