//! The OData query parsers against real Microsoft Graph examples, wrong input, and fuzzing.
//!
//! Real examples come from `microsoftgraph/microsoft-graph-docs-contrib` (the source of
//! learn.microsoft.com/graph); the page is named above each group. Examples that the docs show
//! URL-encoded (`+` for spaces, `%23` for `#`) are written here decoded, as a user types them.

use graphtui::odata::ast::{CompareOp, Expr, ExprKind, LambdaKind, LiteralValue};
use graphtui::odata::error::ParseError;
use graphtui::odata::options::{self, Levels};
use graphtui::odata::search::{self, SearchKind};
use graphtui::odata::{eval, filter};
use proptest::prelude::*;
use proptest::test_runner::Config as ProptestConfig;
use serde_json::json;

// -------------------------------------------------------------------------------------------
// Real $filter examples from the Graph docs

/// concepts/filter-query-parameter.md
const FILTER_QUERY_PARAMETER_MD: &[&str] = &[
    "imAddresses/any(i:i eq 'admin@contoso.com')",
    "assignedLicenses/any(s:s/skuId eq 184efa21-98c3-4e5d-95ab-d07053a96e67)",
    "NOT(imAddresses/any(i:i eq 'admin@contoso.com'))",
    "startswith(displayName,'mary') or startswith(givenName,'mary') or startswith(surname,'mary') or startswith(mail,'mary') or startswith(userPrincipalName,'mary')",
    "endswith(mail,'@hotmail.com')",
    "assignedLicenses/$count eq 0",
    "start/dateTime ge '2017-07-01T08:00'",
    "from/emailAddress/address eq 'someuser@example.com'",
    "ReceivedDateTime ge 2017-04-01 and receivedDateTime lt 2017-05-01",
    "isRead eq false",
    "department in ('Retail', 'Sales')",
    "assignedPlans/any(a:a/servicePlanId eq 2e2ddb96-6af9-4b1d-a3f0-d6ecfd22edb2 and a/capabilityStatus eq 'Suspended')",
    "NOT groupTypes/any(c:c eq 'Unified')",
    "companyName ne null and NOT(companyName eq 'Microsoft')",
    "companyName in (null, 'Microsoft')",
    "startswith(displayName, 'a')",
    "userType eq 'Member'",
    "isAssignableToRole eq true",
    "not(userType eq 'Member')",
    "companyName ne null",
    "isAssignableToRole ne true",
    "startswith(userPrincipalName, 'admin')",
    "endswith(mail,'@outlook.com')",
    "mail in ('mail1@domain.com', 'mail2@domain.com')",
    "registrationDateTime le 2021-01-02T12:00:00Z",
    "registrationDateTime ge 2021-01-02T12:00:00Z",
    "not(endswith(mail, 'contoso.com'))",
    "not(startswith(mail, 'A'))",
    "not(companyName eq 'Contoso E.A.')",
    "not(userType in ('Member'))",
    "contains(scope/microsoft.graph.accessReviewQueryScope/query, './members')",
    "scenarios has 'secureFoundation'",
    "groupTypes/any(c:c eq 'Unified')",
    "not(groupTypes/any(c:c eq 'Unified'))",
    "businessPhones/any(p:startswith(p, '44'))",
    "not(endswith(mail,'contoso.com'))",
    "not(startswith(mail,'Pineview'))",
    "not(mail eq 'PineviewSchoolStaff@Contoso.com')",
    "assignedLicenses/$count ne 0",
    "not(assignedLicenses/$count eq 0)",
    "owners/$count eq 1",
    "appOwnerOrganizationId eq 72f988bf-86f1-41af-91ab-2d7cd011db47",
    "not(appOwnerOrganizationId eq 72f988bf-86f1-41af-91ab-2d7cd011db47)",
    "alternativeSecurityIds/any(a:a/type eq 2)",
    "alternativeSecurityIds/any(a:a/type le 2)",
    "alternativeSecurityIds/any(a:a/type ge 2)",
    "certificateUserIds/any(x:x eq '9876543210@mil')",
    "not(certificateUserIds/any(x:x eq '9876543210@mil'))",
    "certificateUserIds/any(x:startswith(x,'987654321'))",
    "proxyAddresses/any(p:endswith(p,'contoso.com'))",
];

/// concepts/aad-advanced-queries.md
const AAD_ADVANCED_QUERIES_MD: &[&str] = &[
    "accountEnabled eq false",
    "accountEnabled ne true",
    "endsWith(mail,'@outlook.com')",
    "startsWith( displayName, 'Box')",
    "startsWith(mobilePhone, '25478') OR startsWith(mobilePhone, '25473')",
    "NOT startsWith(displayName, 'Conf')",
    "proxyAddresses/any (p:endsWith(p, 'OnMicrosoft.com'))",
    "endsWith(userPrincipalName,'#EXT#@contoso.com')",
];

/// api-reference/v1.0/api/user-list.md
const USER_LIST_MD: &[&str] = &[
    "identities/any(c:c/issuerAssignedId eq 'j.smith@yahoo.com' and c/issuer eq 'My B2C tenant')",
    "startswith(displayName,'a')",
    "endswith(mail,'a@contoso.com')",
    "assignedLicenses/any(u:u/skuId eq cbdc14ab-d96c-4c30-b9f4-6ada7cdc1d46)",
    "ext55gb1l09_msLearnCourses/courseType eq 'Developer'",
];

/// api-reference/v1.0/api/group-list.md
const GROUP_LIST_MD: &[&str] = &[
    "groupTypes/any(c:c eq 'Unified')",
    "hasMembersWithLicenseErrors eq true",
    "groupTypes/any(s:s eq 'DynamicMembership')",
    "mailEnabled eq false and securityEnabled eq true and NOT(groupTypes/any(s:s eq 'Unified')) and membershipRuleProcessingState eq 'On'",
    "assignedLicenses/any()",
];

/// concepts/query-parameters.md and concepts/search-query-parameter.md
const QUERY_PARAMETERS_MD: &[&str] = &[
    "startswith(givenName,'J')",
    "startswith(givenName, 'J')",
    "subject eq 'let''s meet for lunch?'",
    "Subject eq 'welcome' and importance eq 'normal'",
    "mailEnabled eq true",
];

/// api-reference/beta/api/user-list.md (example "get_signin_last_time_range") and the docs'
/// tutorial on storing user data in onPremisesExtensionAttributes (concepts/, "Search for
/// employees who have shared their LinkedIn profile and Xbox gamertag").
const MORE_USER_EXAMPLES: &[&str] = &[
    "signInActivity/lastSignInDateTime le 2019-06-01T00:00:00Z",
    "onPremisesExtensionAttributes/extensionAttribute13 ne null or onPremisesExtensionAttributes/extensionAttribute15 ne null",
];

fn all_real_filters() -> Vec<&'static str> {
    [
        FILTER_QUERY_PARAMETER_MD,
        AAD_ADVANCED_QUERIES_MD,
        USER_LIST_MD,
        GROUP_LIST_MD,
        QUERY_PARAMETERS_MD,
        MORE_USER_EXAMPLES,
    ]
    .concat()
}

fn parse_ok(src: &str) -> Expr {
    match filter::parse(src) {
        Ok(e) => e,
        Err(e) => panic!("failed to parse a real example:\n{}", e.render(src)),
    }
}

#[test]
fn real_graph_doc_filters_parse() {
    let all = all_real_filters();
    assert!(all.len() >= 40, "only {} real examples", all.len());
    for src in all {
        let e = parse_ok(src);
        // The root covers the whole text (no trailing input silently dropped).
        assert_eq!(e.span, 0..src.trim_end().len(), "{src}");
        // The canonical form parses back to the same canonical form.
        let canon = e.to_string();
        let again = filter::parse(&canon)
            .unwrap_or_else(|err| panic!("{src} -> {canon}:\n{}", err.render(&canon)));
        assert_eq!(again.to_string(), canon, "{src}");
    }
}

#[test]
fn real_examples_have_the_right_shape() {
    // A lambda over a complex collection with a GUID literal.
    let e = parse_ok(USER_LIST_MD[3]);
    let ExprKind::Lambda(l) = &e.kind else {
        panic!("{e:?}")
    };
    assert_eq!(l.collection.to_text(), "assignedLicenses");
    assert_eq!(l.kind, LambdaKind::Any);
    let body = l.body.as_deref().unwrap();
    let ExprKind::Compare {
        left, op, right, ..
    } = &body.kind
    else {
        panic!("{body:?}")
    };
    assert_eq!(*op, CompareOp::Eq);
    assert!(left.as_path().unwrap().from_variable);
    assert!(matches!(
        right.as_literal().unwrap().value,
        LiteralValue::Guid(_)
    ));

    // `NOT groupTypes/any(...)` is a negated lambda.
    let e = parse_ok("NOT groupTypes/any(c:c eq 'Unified')");
    let ExprKind::Not { expr, not_span } = &e.kind else {
        panic!()
    };
    assert_eq!(*not_span, 0..3);
    assert!(matches!(expr.kind, ExprKind::Lambda(_)));

    // `''` unescapes, and the literal keeps its source text.
    let e = parse_ok("subject eq 'let''s meet for lunch?'");
    let ExprKind::Compare { right, .. } = &e.kind else {
        panic!()
    };
    let lit = right.as_literal().unwrap();
    assert_eq!(
        lit.value,
        LiteralValue::String("let's meet for lunch?".into())
    );
    assert_eq!(lit.text, "'let''s meet for lunch?'");

    // Dates: a Date and a DateTimeOffset.
    let e = parse_ok("ReceivedDateTime ge 2017-04-01 and receivedDateTime lt 2017-05-01");
    let ExprKind::And(items) = &e.kind else {
        panic!()
    };
    assert_eq!(items.len(), 2);
    let e = parse_ok("registrationDateTime le 2021-01-02T12:00:00Z");
    let ExprKind::Compare { right, op_span, .. } = &e.kind else {
        panic!()
    };
    assert_eq!(*op_span, 21..23);
    assert!(matches!(
        right.as_literal().unwrap().value,
        LiteralValue::DateTimeOffset(_)
    ));

    // `in` with null, `/$count`, `has`, a cast segment, an empty any().
    let e = parse_ok("companyName in (null, 'Microsoft')");
    assert!(matches!(&e.kind, ExprKind::In { list, .. } if list.len() == 2));
    let e = parse_ok("owners/$count eq 1");
    let ExprKind::Compare { left, .. } = &e.kind else {
        panic!()
    };
    assert!(left.as_path().unwrap().ends_with_count());
    let e = parse_ok("scenarios has 'secureFoundation'");
    assert!(matches!(
        e.kind,
        ExprKind::Compare {
            op: CompareOp::Has,
            ..
        }
    ));
    let e = parse_ok("contains(scope/microsoft.graph.accessReviewQueryScope/query, './members')");
    let ExprKind::Call(call) = &e.kind else {
        panic!()
    };
    assert_eq!(
        call.args[0].as_path().unwrap().segments[1].name,
        "microsoft.graph.accessReviewQueryScope"
    );
    let e = parse_ok("assignedLicenses/any()");
    assert!(matches!(&e.kind, ExprKind::Lambda(l) if l.body.is_none()));

    // Function names in any case resolve to the same function.
    for src in [
        "startswith(displayName,'a')",
        "startsWith(displayName,'a')",
        "STARTSWITH(displayName,'a')",
    ] {
        let e = parse_ok(src);
        let ExprKind::Call(call) = &e.kind else {
            panic!()
        };
        assert_eq!(
            call.function(),
            Some(graphtui::odata::ast::Function::StartsWith)
        );
    }
}

#[test]
fn real_examples_evaluate_like_the_directory() {
    let users = [
        json!({"displayName": "Mary Smith", "givenName": "Mary", "mail": "mary@hotmail.com",
               "userType": "Member", "companyName": null, "department": "Sales",
               "assignedLicenses": [], "imAddresses": ["admin@contoso.com"]}),
        json!({"displayName": "Bob", "surname": "Maryland", "mail": "bob@contoso.com",
               "userType": "Guest", "companyName": "Microsoft", "department": "IT",
               "assignedLicenses": [{"skuId": "184efa21-98c3-4e5d-95ab-d07053a96e67", "disabledPlans": []}]}),
    ];
    let hits = |src: &str| -> Vec<usize> {
        let e = parse_ok(src);
        users
            .iter()
            .enumerate()
            .filter(|(_, u)| eval::matches(&e, u).unwrap())
            .map(|(i, _)| i)
            .collect()
    };
    assert_eq!(hits(FILTER_QUERY_PARAMETER_MD[3]), [0, 1]); // the five startswith 'mary'
    assert_eq!(hits("endswith(mail,'@hotmail.com')"), [0]);
    assert_eq!(hits("assignedLicenses/$count eq 0"), [0]);
    assert_eq!(hits("assignedLicenses/$count ne 0"), [1]);
    assert_eq!(hits("department in ('Retail', 'Sales')"), [0]);
    assert_eq!(hits("companyName in (null, 'Microsoft')"), [0, 1]);
    assert_eq!(
        hits("companyName ne null and NOT(companyName eq 'Microsoft')"),
        Vec::<usize>::new()
    );
    assert_eq!(
        hits("NOT(imAddresses/any(i:i eq 'admin@contoso.com'))"),
        [1]
    );
    assert_eq!(
        hits("assignedLicenses/any(s:s/skuId eq 184efa21-98c3-4e5d-95ab-d07053a96e67)"),
        [1]
    );
    assert_eq!(hits("not(userType eq 'member')"), [1]);
}

// -------------------------------------------------------------------------------------------
// Wrong filters: position (byte span) and message

/// (input, expected span, expected message)
const WRONG: &[(&str, std::ops::Range<usize>, &str)] = &[
    ("", 0..0, "the filter is empty"),
    ("   ", 0..3, "the filter is empty"),
    (
        "displayName eq",
        14..14,
        "expected a value after 'eq' at column 15",
    ),
    (
        "displayName eq 'abc",
        15..19,
        "unterminated string starting at column 16",
    ),
    (
        "(displayName eq 'a'",
        19..19,
        "expected a closing ')' at column 20",
    ),
    (
        "displayName eq 'a')",
        18..19,
        "unexpected ')' at column 19: there is no matching '('",
    ),
    (
        "displayName equals 'a'",
        12..18,
        "unknown operator 'equals' at column 13 — did you mean 'eq'?",
    ),
    (
        "displayName == 'a'",
        12..14,
        "unknown operator '==' at column 13 — did you mean 'eq'?",
    ),
    (
        "displayName = 'a'",
        12..13,
        "unknown operator '=' at column 13 — did you mean 'eq'?",
    ),
    (
        "displayName != 'a'",
        12..14,
        "unknown operator '!=' at column 13 — did you mean 'ne'?",
    ),
    (
        "displayName qe 'a'",
        12..14,
        "unknown operator 'qe' at column 13 — did you mean 'eq'?",
    ),
    (
        "a eq 1 && b eq 2",
        7..9,
        "unknown operator '&&' at column 8 — did you mean 'and'?",
    ),
    (
        "a eq 1 || b eq 2",
        7..9,
        "unknown operator '||' at column 8 — did you mean 'or'?",
    ),
    (
        "!(a eq 1)",
        0..1,
        "unknown operator '!' at column 1 — did you mean 'not'?",
    ),
    (
        "a eq 1 adn b eq 2",
        7..10,
        "unknown operator 'adn' at column 8 — did you mean 'and'?",
    ),
    (
        "(a eq 1 adn b eq 2)",
        8..11,
        "unknown operator 'adn' at column 9 — did you mean 'and'?",
    ),
    (
        "a eq 1 oor b eq 2",
        7..10,
        "unknown operator 'oor' at column 8 — did you mean 'or'?",
    ),
    (
        "a eq 1 and",
        10..10,
        "expected an expression after 'and' at column 11",
    ),
    (
        "a eq 1 or or b eq 2",
        10..12,
        "expected an expression after 'or' at column 11, found 'or'",
    ),
    (
        "displayName eq 'a' and not",
        26..26,
        "expected an expression after 'not' at column 27",
    ),
    (
        "and a eq 1",
        0..3,
        "expected an expression at column 1, found 'and'",
    ),
    (
        "eq 'a'",
        0..2,
        "expected an expression at column 1, found 'eq'",
    ),
    (
        "a eq 1 eq 2",
        7..9,
        "comparisons cannot be chained: unexpected 'eq' at column 8",
    ),
    (
        "a eq 1 2",
        7..8,
        "unexpected number 2 at column 8 after a complete condition",
    ),
    (
        "a eq 'x' 'y'",
        9..12,
        "unexpected string 'y' at column 10 after a complete condition",
    ),
    (
        "startsWith(displayName 'a')",
        23..26,
        "expected ',' or a closing ')' in the arguments of startsWith at column 24, found string 'a'",
    ),
    (
        "startsWith(displayName)",
        0..23,
        "startsWith takes 2 arguments, found 1 (column 1)",
    ),
    (
        "startsWith(displayName, 'a', 'b')",
        0..33,
        "startsWith takes 2 arguments, found 3 (column 1)",
    ),
    (
        "startsWith(displayName,",
        23..23,
        "expected an argument for startsWith at column 24",
    ),
    (
        "startsWith(,'a')",
        11..12,
        "expected an argument for startsWith at column 12, found ','",
    ),
    (
        "groupTypes/any(c eq 'Unified')",
        17..19,
        "expected ':' after the lambda variable 'c' at column 18, found 'eq'",
    ),
    (
        "groupTypes/any(c: )",
        18..19,
        "expected a condition after 'c:' at column 19, found ')'",
    ),
    (
        "groupTypes/any(c:c eq 'Unified'",
        31..31,
        "expected a closing ')' at column 32",
    ),
    (
        "groupTypes/all()",
        11..16,
        "all() needs a condition (column 12)",
    ),
    (
        "any(c:c eq 'x')",
        0..3,
        "'any' must follow a collection at column 1",
    ),
    (
        "assignedLicenses/",
        17..17,
        "expected a property name after '/' at column 18",
    ),
    (
        "assignedLicenses//skuId eq 1",
        17..18,
        "expected a property name after '/' at column 18, found '/'",
    ),
    (
        "userType in 'Member'",
        12..20,
        "expected '(' after 'in' at column 13, found string 'Member'",
    ),
    (
        "userType in ()",
        12..14,
        "the list after 'in' is empty (column 13)",
    ),
    (
        "userType in ('a' 'b')",
        17..20,
        "expected ',' or a closing ')' in the 'in' list at column 18, found string 'b'",
    ),
    (
        "userType in ('a',)",
        17..18,
        "expected a value in the list at column 18, found ')'",
    ),
    (
        "userType in ['a']",
        12..13,
        "unexpected character '[' at column 13",
    ),
    (
        "displayName eq \"Bob\"",
        15..20,
        "strings in $filter use single quotes, not double quotes (column 16)",
    ),
    (
        "id eq 12345678-1234-1234-1234-1234567890",
        6..40,
        "invalid GUID '12345678-1234-1234-1234-1234567890' at column 7",
    ),
    (
        "createdDateTime ge 2021-13-01T00:00:00Z",
        19..39,
        "invalid date '2021-13-01T00:00:00Z' at column 20",
    ),
    (
        "createdDateTime ge datetime'2021-01-01T00:00:00'",
        19..48,
        "unsupported typed literal datetime'...' at column 20",
    ),
    (
        "id eq guid'cbb7a1b2-1b7b-4e3c-a7a8-1b1b1b1b1b1b'",
        6..48,
        "unsupported typed literal guid'...' at column 7",
    ),
    ("x eq 5L", 5..7, "invalid number '5L' at column 6"),
    (
        "displayName%20eq%20'a'",
        11..14,
        "unexpected '%' at column 12",
    ),
    (
        "groupTypes/any(c:c+eq+'Unified')",
        18..19,
        "unknown operator '+' at column 19",
    ),
    (
        "displayName eq 'a';mail eq 'b'",
        18..19,
        "unexpected character ';' at column 19",
    ),
    (
        "not",
        3..3,
        "expected an expression after 'not' at column 4",
    ),
    (
        "not and",
        4..7,
        "expected an expression after 'not' at column 5, found 'and'",
    ),
    (
        "a eq not b",
        5..8,
        "expected a value after 'eq' at column 6, found 'not'",
    ),
    (
        "a eq ()",
        5..7,
        "empty parentheses at column 6: expected an expression inside",
    ),
    (
        "displayName like 'a%'",
        12..16,
        "unknown operator 'like' at column 13",
    ),
    ("a add 1 eq 2", 2..5, "unknown operator 'add' at column 3"),
    (
        "a eq - 1",
        5..6,
        "expected a value after 'eq' at column 6, found '-'",
    ),
    (
        "x eq 99999999999999999999",
        5..25,
        "integer '99999999999999999999' at column 6 is out of range (Int64)",
    ),
    (
        "manager/startsWith(displayName,'a')",
        18..19,
        "unexpected '(' after 'startsWith' at column 19",
    ),
    (
        "a eq 1 and (b eq 2 or c eq 3",
        28..28,
        "expected a closing ')' at column 29",
    ),
    ("a eq 1,", 6..7, "unexpected ',' at column 7"),
    (
        "displayName eq 'O'Neil'",
        18..18,
        "expected a space after the string 'O' at column 19",
    ),
    // Columns count characters, spans count bytes.
    (
        "日本 eq 'x' and",
        17..17,
        "expected an expression after 'and' at column 14",
    ),
];

#[test]
fn wrong_filters_report_position_and_message() {
    assert!(WRONG.len() >= 40);
    for (src, span, message) in WRONG {
        let err = match filter::parse(src) {
            Ok(e) => panic!("{src:?} parsed as {e}"),
            Err(e) => e,
        };
        assert_eq!(
            (&err.span, err.message.as_str()),
            (span, *message),
            "{src:?}\n{}",
            err.render(src)
        );
        // The rendered error shows the input, a caret line and the message.
        let rendered = err.render(src);
        let lines: Vec<&str> = rendered.lines().collect();
        assert!(lines.len() >= 3, "{rendered}");
        assert!(lines[1].trim_start().starts_with('^'), "{rendered}");
        assert!(rendered.contains(message));
    }
}

#[test]
fn wrong_filters_carry_hints_and_expectations() {
    let err = |src: &str| filter::parse(src).unwrap_err();
    assert_eq!(
        err("displayName equals 'a'").hint.as_deref(),
        Some("replace 'equals' with 'eq'")
    );
    assert_eq!(
        err("(displayName eq 'a'").hint.as_deref(),
        Some("the '(' at column 1 is not closed")
    );
    assert_eq!(err("(displayName eq 'a'").expected, ["')'"]);
    assert!(
        err("displayName%20eq%20'a'")
            .hint
            .unwrap()
            .contains("URL-encoded")
    );
    assert!(
        err("groupTypes/any(c:c+eq+'Unified')")
            .hint
            .unwrap()
            .contains("'+' stands for a space")
    );
    assert_eq!(
        err("displayName eq \"Bob\"").hint.as_deref(),
        Some("write 'Bob'")
    );
    assert!(
        err("displayName like 'a%'")
            .hint
            .unwrap()
            .contains("startsWith(")
    );
    assert_eq!(
        err("groupTypes/any(c eq 'Unified')").hint.as_deref(),
        Some("a lambda names its variable first: groupTypes/any(x: x eq 'value')")
    );
    assert_eq!(
        err("createdDateTime ge datetime'2021-01-01T00:00:00Z'")
            .hint
            .as_deref(),
        Some("OData v4 writes dates without quotes or prefix: 2021-01-01T00:00:00Z")
    );
}

#[test]
fn keywords_are_case_insensitive() {
    for src in [
        "displayName EQ 'a' AND mail Ne 'b' Or NOT(x In ('c'))",
        "groupTypes/ANY(c:c eq 'Unified') and accountEnabled eq TRUE and manager eq NULL",
    ] {
        let e = parse_ok(src);
        assert_eq!(e.span, 0..src.len());
    }
}

#[test]
fn deep_nesting_is_limited_not_fatal() {
    let deep = "(".repeat(100_000);
    let e = filter::parse(&deep).unwrap_err();
    assert!(
        e.message.starts_with("the filter is nested too deeply"),
        "{}",
        e.message
    );
    assert_eq!(e.span, 32..33);
    let deep = "not ".repeat(100_000) + "a eq 1";
    assert!(filter::parse(&deep).is_err());
    let deep = "startsWith(".repeat(100_000);
    assert!(filter::parse(&deep).is_err());
    let deep = "a/any(x:".repeat(100_000);
    assert!(filter::parse(&deep).is_err());
    let deep = "a in (".repeat(100_000);
    assert!(filter::parse(&deep).is_err());
    let ok = format!("{}a eq 1{}", "(".repeat(30), ")".repeat(30));
    assert!(filter::parse(&ok).is_ok());
    // Long flat chains are fine, and evaluate without recursion trouble.
    let long = vec!["a eq 1"; 100_000].join(" or ");
    let e = filter::parse(&long).unwrap();
    assert!(eval::matches(&e, &json!({"a": 1})).unwrap());
    assert!(search::parse(&"(".repeat(100_000)).is_err());
    assert!(options::parse_expand(&"a($expand=".repeat(100_000)).is_err());
}

// -------------------------------------------------------------------------------------------
// $search, $orderby, $select, $expand, $top, $count

#[test]
fn real_search_examples_parse() {
    // api/user-list.md, api/group-list.md, concepts/search-query-parameter.md,
    // concepts/aad-advanced-queries.md
    let examples = [
        "\"displayName:wa\"",
        "\"displayName:wa\" OR \"displayName:ad\"",
        "\"displayName:Video\" OR \"description:prod\"",
        "\"displayName:OneVideo\" OR \"mail:onevideo\"",
        "\"displayName:OneVideo\"",
        "\"displayName:Guthr\"",
        "\"displayName:Guthr\" OR \"mail:Guthr\"",
        // The page prints this one without its closing ')'.
        "\"description:One\" AND (\"displayName:Video\" OR \"displayName:Drive\")",
        "\"displayName:Browser\"",
    ];
    for src in examples {
        let e = search::parse(src).unwrap_or_else(|e| panic!("{}", e.render(src)));
        assert_eq!(e.span, 0..src.len());
        assert!(e.clauses().iter().all(|c| c.property.is_some()), "{src}");
    }
    let e = search::parse(examples[7]).unwrap();
    let SearchKind::And(items) = &e.kind else {
        panic!()
    };
    assert!(matches!(items[1].kind, SearchKind::Or(_)));
}

#[test]
fn wrong_searches_report_position_and_message() {
    let cases: &[(&str, std::ops::Range<usize>, &str)] = &[
        (
            "displayName:foo",
            0..15,
            "search text must be in double quotes: 'displayName:foo' at column 1",
        ),
        (
            "\"a:1\" and \"b:2\"",
            6..9,
            "search operators are upper-case: 'and' at column 7 should be 'AND'",
        ),
        (
            "\"a:1",
            0..4,
            "unterminated search clause starting at column 1",
        ),
        ("(\"a:1\"", 6..6, "expected a closing ')' at column 7"),
        (
            "\"a:1\" \"b:2\"",
            6..11,
            "expected AND or OR between search clauses at column 7",
        ),
        (
            "\"a:1\" AND",
            9..9,
            "expected a quoted search clause at column 10, found the end of the input",
        ),
        (
            "AND \"a:1\"",
            0..3,
            "expected a quoted search clause at column 1, found 'AND'",
        ),
        (
            "\"a:1\")",
            5..6,
            "unexpected ')' at column 6: there is no matching '('",
        ),
        (
            "'displayName:foo'",
            0..17,
            "search clauses use double quotes, not single quotes (column 1)",
        ),
        (
            "\"a:1\" && \"b:2\"",
            6..8,
            "unknown search operator '&&' at column 7 — did you mean 'AND'?",
        ),
        ("", 0..0, "the search is empty"),
        (
            "$search=\"displayName:a\"",
            0..8,
            "the text starts with the option name '$search=' (column 1); give only the search",
        ),
    ];
    for (src, span, message) in cases {
        let err = search::parse(src).unwrap_err();
        assert_eq!(
            (&err.span, err.message.as_str()),
            (span, *message),
            "{src:?}"
        );
    }
    assert_eq!(
        search::parse("'displayName:foo'")
            .unwrap_err()
            .hint
            .as_deref(),
        Some("write \"displayName:foo\"")
    );
}

#[test]
fn real_option_examples_parse() {
    // concepts/query-parameters.md, api/user-list.md, api/group-list.md
    for src in [
        "displayName desc",
        "from/emailAddress/name desc,subject",
        "subject,importance,receivedDateTime desc",
        "displayName",
        "userPrincipalName",
    ] {
        let items = options::parse_orderby(src).unwrap();
        assert_eq!(items.last().unwrap().span.end, src.len(), "{src}");
    }
    let items = options::parse_orderby("subject,importance,receivedDateTime desc").unwrap();
    assert_eq!(
        items.iter().map(|i| i.descending).collect::<Vec<_>>(),
        [false, false, true]
    );
    for src in [
        "givenName,surname",
        "id,displayName,mail,identities",
        "displayName,givenName,postalCode",
        "id,membershipRule,membershipRuleProcessingState",
        "ext55gb1l09_msLearnCourses",
        "displayName,userPrincipalName,signInActivity",
        "id,assignedLicenses",
    ] {
        let items = options::parse_select(src).unwrap();
        assert_eq!(items.len(), src.split(',').count(), "{src}");
    }
    // $expand: concepts/query-parameters.md, api/group-list.md, api/user-list-manager.md
    for src in [
        "members",
        "children($select=id,name)",
        "members($select=id,displayName)",
        "manager($levels=max;$select=id,displayName)",
        "extensions",
    ] {
        let items = options::parse_expand(src).unwrap();
        assert_eq!(items[0].span, 0..src.len(), "{src}");
    }
    let items = options::parse_expand("manager($levels=max;$select=id,displayName)").unwrap();
    assert_eq!(items[0].options.levels.as_ref().unwrap().0, Levels::Max);
    assert_eq!(options::parse_top("1").unwrap(), 1);
    assert!(options::parse_count("true").unwrap());
}

#[test]
fn wrong_options_report_position_and_message() {
    let e = options::parse_orderby("displayName descending").unwrap_err();
    assert_eq!(
        (e.span, e.message.as_str()),
        (
            12..22,
            "unknown sort direction 'descending' at column 13 — did you mean 'desc'?"
        )
    );
    let e = options::parse_orderby("displayName desc desc").unwrap_err();
    assert_eq!(
        (e.span, e.message.as_str()),
        (17..21, "expected ',' at column 18, found 'desc'")
    );
    let e = options::parse_select("id,,x").unwrap_err();
    assert_eq!(
        (e.span, e.message.as_str()),
        (3..4, "expected a property name at column 4, found ','")
    );
    let e = options::parse_select("id displayName").unwrap_err();
    assert_eq!(
        (e.span, e.message.as_str()),
        (
            3..4,
            "expected ',' between $select items at column 4, found 'd'"
        )
    );
    let e = options::parse_expand("manager($levels=max").unwrap_err();
    assert_eq!(
        (e.span, e.message.as_str()),
        (19..19, "expected a closing ')' at column 20")
    );
    let e = options::parse_expand("members($filter=displayName eq)").unwrap_err();
    assert_eq!(
        (e.span, e.message.as_str()),
        (30..30, "expected a value after 'eq' at column 31")
    );
    let e = options::parse_expand("manager($foo=1)").unwrap_err();
    assert_eq!(e.span, 8..12);
    let e = options::parse_expand("manager($levels=max;$levels=1)").unwrap_err();
    assert_eq!(
        (e.span, e.message.as_str()),
        (20..27, "$levels is given twice in the same $expand item")
    );
    let e = options::parse_top("-1").unwrap_err();
    assert_eq!(
        (e.span, e.message.as_str()),
        (0..2, "$top must be a whole number, found '-1' (column 1)")
    );
    let e = options::parse_count("yes").unwrap_err();
    assert_eq!(
        (e.span, e.message.as_str()),
        (0..3, "$count must be true or false, found 'yes' (column 1)")
    );
}

// -------------------------------------------------------------------------------------------
// Fuzzing: no input may panic; errors point inside the input; valid output round-trips.

const TOKENS: &[&str] = &[
    "displayName",
    "x",
    "x/skuId",
    "assignedLicenses",
    "/",
    "$count",
    "any",
    "all",
    "(",
    ")",
    "(",
    ")",
    ",",
    ":",
    "eq",
    "ne",
    "gt",
    "ge",
    "lt",
    "le",
    "has",
    "in",
    "and",
    "or",
    "not",
    "NOT",
    "startsWith",
    "endswith",
    "contains",
    "'a'",
    "'it''s'",
    "'",
    "''",
    "\"",
    "1",
    "-1",
    "1.5",
    "2e3",
    "true",
    "false",
    "null",
    "2021-01-01",
    "2021-01-01T00:00:00Z",
    "184efa21-98c3-4e5d-95ab-d07053a96e67",
    "==",
    "&&",
    "!",
    "%20",
    "[",
    "]",
    ";",
    "@",
    "é",
    "日本",
    "\t",
    " ",
    "any(",
    "x:",
    "-",
    "+",
    "duration'P1D'",
    "datetime'2020'",
    "5L",
];

fn check_error(src: &str, e: &ParseError) {
    assert!(
        e.span.start <= e.span.end && e.span.end <= src.len(),
        "span {:?} outside {src:?}",
        e.span
    );
    assert!(src.is_char_boundary(e.span.start) && src.is_char_boundary(e.span.end));
    assert!(!e.message.is_empty());
    let _ = e.render(src);
}

fn check_filter(src: &str) {
    match filter::parse(src) {
        Ok(e) => {
            assert!(e.span.end <= src.len());
            let canon = e.to_string();
            let again = filter::parse(&canon).unwrap_or_else(|err| {
                panic!("{src:?} -> {canon:?} does not parse: {}", err.message)
            });
            assert_eq!(again.to_string(), canon);
            // Evaluation never panics either.
            let _ = eval::matches(&e, &json!({"displayName": "a", "x": [1, {"skuId": "b"}]}));
        }
        Err(e) => check_error(src, &e),
    }
}

fn check_search(src: &str) {
    match search::parse(src) {
        Ok(e) => {
            let _ =
                eval::search_matches(&e, &json!({"displayName": "HelloWorld 42", "mail": "a@b"}));
        }
        Err(e) => check_error(src, &e),
    }
}

fn check_options(src: &str) {
    for r in [
        options::parse_orderby(src).map(|_| ()),
        options::parse_select(src).map(|_| ()),
        options::parse_expand(src).map(|_| ()),
        options::parse_top(src).map(|_| ()),
        options::parse_count(src).map(|_| ()),
    ] {
        if let Err(e) = r {
            check_error(src, &e);
        }
    }
}

/// Applies an edit to a valid example: delete a range, insert a token, or duplicate a slice.
fn mutate(src: &str, kind: u8, at: usize, len: usize, token: &str) -> String {
    let bounds: Vec<usize> = src
        .char_indices()
        .map(|(i, _)| i)
        .chain(std::iter::once(src.len()))
        .collect();
    let a = bounds[at % bounds.len()];
    let b = bounds[(at + len) % bounds.len()].max(a);
    match kind % 4 {
        0 => format!("{}{}", &src[..a], &src[b..]),
        1 => format!("{}{}{}", &src[..a], token, &src[a..]),
        2 => format!("{}{}{}", &src[..b], &src[a..b], &src[b..]),
        _ => format!("{}{}{}", &src[..a], token, &src[b..]),
    }
}

const SEARCH_EXAMPLES: &[&str] = &[
    "\"displayName:foo\" AND (\"mail:bar\" OR \"x\")",
    "\"displayName:wa\" OR \"displayName:ad\"",
    "NOT \"a:b\\\"c\\\\\"",
];

const OPTION_EXAMPLES: &[&str] = &[
    "manager($levels=max;$select=id,displayName)",
    "members($filter=startswith(displayName,'a');$top=5),memberOf($select=id)",
    "displayName desc, userPrincipalName",
    "id,displayName,mail",
    "999",
];

/// Random JSON values, a few levels deep, with the shapes directory objects have.
fn json_value() -> impl Strategy<Value = serde_json::Value> {
    let leaf = prop_oneof![
        Just(serde_json::Value::Null),
        any::<bool>().prop_map(serde_json::Value::from),
        any::<i32>().prop_map(serde_json::Value::from),
        (-1e6f64..1e6).prop_map(serde_json::Value::from),
        prop::sample::select(vec![
            "",
            "a",
            "A",
            "Adele Vance",
            "adele",
            "2021-01-01T00:00:00Z",
            "2021-01-01",
            "2020-12-31T23:00:00-02:00",
            "184efa21-98c3-4e5d-95ab-d07053a96e67",
            "Unified",
            "smtp:a@b.com",
            "李四",
            "0001-01-01T00:00:00Z",
        ])
        .prop_map(serde_json::Value::from),
        "\\PC{0,12}".prop_map(serde_json::Value::from),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(serde_json::Value::from),
            prop::collection::btree_map(
                prop::sample::select(vec![
                    "displayName",
                    "mail",
                    "skuId",
                    "assignedLicenses",
                    "groupTypes",
                    "createdDateTime",
                    "accountEnabled",
                    "x",
                    "manager",
                    "id",
                ]),
                inner,
                0..5,
            )
            .prop_map(|m| {
                serde_json::Value::Object(m.into_iter().map(|(k, v)| (k.to_string(), v)).collect())
            }),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 400,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn any_string_is_handled(src in "\\PC{0,80}") {
        check_filter(&src);
        check_search(&src);
        check_options(&src);
    }

    #[test]
    fn token_soup_is_handled(
        toks in prop::collection::vec(prop::sample::select(TOKENS), 0..24),
        sep in prop::sample::select(&["", " "][..]),
    ) {
        let src = toks.join(sep);
        check_filter(&src);
        check_search(&src);
        check_options(&src);
    }

    #[test]
    fn mutated_real_filters_are_handled(
        idx in 0usize..200,
        kind in any::<u8>(),
        at in 0usize..400,
        len in 0usize..12,
        token in prop::sample::select(TOKENS),
    ) {
        let all = all_real_filters();
        let base = all[idx % all.len()];
        let src = mutate(base, kind, at, len, token);
        check_filter(&src);
    }

    #[test]
    fn evaluation_never_panics_and_orderby_is_a_total_order(
        objs in prop::collection::vec(json_value(), 0..12),
        idx in 0usize..200,
        order in prop::sample::select(vec![
            "displayName", "displayName desc", "createdDateTime, mail desc", "x/skuId", "id desc",
        ]),
    ) {
        let all = all_real_filters();
        let e = filter::parse(all[idx % all.len()]).unwrap();
        let s = search::parse("\"displayName:adele\" OR \"mail:smtp\"").unwrap();
        for o in &objs {
            let _ = eval::matches(&e, o);
            let _ = eval::search_matches(&s, o);
        }
        let order = options::parse_orderby(order).unwrap();
        for a in &objs {
            for b in &objs {
                let ab = eval::compare_for_orderby(a, b, &order);
                prop_assert_eq!(ab, eval::compare_for_orderby(b, a, &order).reverse());
            }
        }
        let mut sorted = objs.clone();
        sorted.sort_by(|a, b| eval::compare_for_orderby(a, b, &order));
        for w in sorted.windows(2) {
            prop_assert_ne!(
                eval::compare_for_orderby(&w[0], &w[1], &order),
                std::cmp::Ordering::Greater
            );
        }
    }

    #[test]
    fn mutated_searches_and_options_are_handled(
        idx in 0usize..20,
        kind in any::<u8>(),
        at in 0usize..100,
        len in 0usize..8,
        token in prop::sample::select(TOKENS),
    ) {
        let s = SEARCH_EXAMPLES[idx % SEARCH_EXAMPLES.len()];
        check_search(&mutate(s, kind, at, len, token));
        let o = OPTION_EXAMPLES[idx % OPTION_EXAMPLES.len()];
        check_options(&mutate(o, kind, at, len, token));
    }
}
