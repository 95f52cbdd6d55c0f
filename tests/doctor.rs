//! The permission doctor: permission map reproducibility, path matching on real request URLs,
//! diagnosis, error catalogue, copy-as and the support bundle.

use graphtui::doctor::permmap::{Map, Scheme, build_map, embedded};
use std::path::PathBuf;

/// `../shared/...` beside the repository (CI, the main checkout); `../../shared/...` for a git
/// worktree one level deeper (`wt/<branch>`).
fn source_path() -> PathBuf {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let rel = "shared/data/graph-devx-content/permissions.json";
    let near = root.join("..").join(rel);
    if near.exists() {
        return near;
    }
    let far = root.join("../..").join(rel);
    if far.exists() { far } else { near }
}

fn asset_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("assets/permissions-map.json")
}

#[test]
fn permission_map_asset_is_reproducible() {
    let src = source_path();
    let Ok(text) = std::fs::read_to_string(&src) else {
        eprintln!(
            "SKIPPED: {} is absent, so the permission map cannot be regenerated here",
            src.display()
        );
        return;
    };
    let built = build_map(&text).expect("permissions.json builds");
    let fresh = built.to_asset_string();
    let asset = asset_path();
    if std::env::var_os("GRAPHTUI_REGEN_PERMMAP").is_some() {
        std::fs::write(&asset, &fresh).expect("write the asset");
        return;
    }
    let committed = std::fs::read_to_string(&asset).unwrap_or_default();
    assert!(
        committed == fresh,
        "assets/permissions-map.json is out of date with {}: regenerate it with\n    GRAPHTUI_REGEN_PERMMAP=1 cargo test --test doctor permission_map_asset_is_reproducible",
        src.display()
    );
    // And the embedded copy reads back to the same map.
    assert_eq!(&built, embedded());
    assert_eq!(Map::from_asset(&committed).unwrap(), built);
}

#[test]
fn permission_map_is_small_and_complete() {
    let m = embedded();
    assert!(
        graphtui::doctor::permmap::ASSET.len() < 1_000_000,
        "{}",
        graphtui::doctor::permmap::ASSET.len()
    );
    assert!(m.permissions.len() > 800, "{}", m.permissions.len());
    assert!(m.paths.len() > 7000, "{}", m.paths.len());
    let p = m.permission("user.read.all").unwrap();
    let w = p.scheme(Scheme::DelegatedWork).unwrap();
    assert!(w.requires_admin_consent);
    assert_eq!(w.display_name, "Read all users' full profiles");
    assert!(
        !m.permission("User.Read")
            .unwrap()
            .scheme(Scheme::DelegatedWork)
            .unwrap()
            .requires_admin_consent
    );
}

#[test]
#[ignore]
fn print_least_table() {
    use graphtui::doctor::pathmatch::match_request;
    for spec in [
        "GET /me",
        "GET /users",
        "GET /users/a@b.com",
        "GET /users/x/manager",
        "GET /me/manager",
        "GET /me/directReports",
        "GET /users/x/directReports",
        "GET /groups",
        "GET /groups/g1",
        "GET /groups/g/members",
        "GET /groups/g/transitiveMembers",
        "GET /groups/g/owners",
        "GET /me/memberOf",
        "GET /users/x/transitiveMemberOf",
        "POST /users/x/getMemberGroups",
        "POST /me/getMemberGroups",
        "POST /me/checkMemberGroups",
        "GET /users/delta",
        "GET /groups/delta",
        "GET /organization",
        "GET /applications",
        "GET /servicePrincipals",
        "GET /directoryRoles",
        "GET /devices",
        "PATCH /users/x",
        "POST /groups/g/members/$ref",
        "DELETE /groups/g/members/u/$ref",
        "GET /users/$count",
        "GET /auditLogs/signIns",
        "GET /identity/conditionalAccess/policies",
        "GET /roleManagement/directory/roleAssignments",
        "GET /subscribedSkus",
        "GET /domains",
        "GET /administrativeUnits",
        "POST /directoryObjects/getByIds",
        "GET /me/ownedObjects",
        "GET /users/x/ownedObjects",
        "GET /users/x/registeredDevices",
        "GET /users/x/appRoleAssignments",
        "GET /servicePrincipals/x/appRoleAssignedTo",
        "GET /policies/authorizationPolicy",
        "GET /contacts",
        "GET /groups/g/memberOf",
        "POST /users",
        "POST /groups",
        "DELETE /users/x",
        "PATCH /groups/g",
        "GET /users/x/photo/$value",
        "GET /me/messages",
        "POST /invitations",
        "DELETE /groups/g",
        "PATCH /applications/a",
        "POST /applications",
        "PUT /users/x/manager/$ref",
        "POST /groups/g/owners/$ref",
        "DELETE /groups/g/owners/o/$ref",
        "PATCH /servicePrincipals/s",
        "POST /servicePrincipals/s/appRoleAssignments",
        "PATCH /me",
        "GET /groups/g/owners",
        "POST /users/x/revokeSignInSessions",
        "POST /users/x/assignLicense",
        "POST /groups/g/checkMemberGroups",
        "DELETE /users/x/manager/$ref",
    ] {
        let (m, p) = spec.split_once(' ').unwrap();
        let Some(pm) = match_request(p) else {
            println!("{spec} -> NO MATCH");
            continue;
        };
        let r = embedded().requirements(&pm.template, m);
        let s: Vec<String> = r
            .iter()
            .map(|x| {
                format!(
                    "{}:{}",
                    &x.scheme.key()[..3],
                    x.least
                        .iter()
                        .map(|a| a.join("+"))
                        .collect::<Vec<_>>()
                        .join(" or ")
                )
            })
            .collect();
        println!("{spec} -> {} | {}", pm.template, s.join(" | "));
    }
}

/// (request as sent, expected template). Many from Graph Explorer's sample-queries.json, the rest
/// from the API reference pages' HTTP examples.
const REAL_URLS: &[(&str, &str)] = &[
    ("/v1.0/me", "/me"),
    ("https://graph.microsoft.com/v1.0/me", "/me"),
    ("/beta/me/profile", "/me/profile"),
    ("/v1.0/me/photo/$value", "/me/photo"),
    ("/v1.0/users/{id}/displayName", "/users/{id}"),
    ("/v1.0/me/manager", "/me/manager"),
    ("/v1.0/me/directReports", "/me/directreports"),
    ("/v1.0/me/memberOf", "/me/memberof"),
    ("/v1.0/me/memberOf/$count", "/me/memberof"),
    (
        "/v1.0/me/transitiveMemberOf/microsoft.graph.group?$count=true",
        "/me/transitivememberof",
    ),
    ("/v1.0/me/?$select=displayName,skills", "/me"),
    (
        "/v1.0/me?$select=id,displayName,mail,mobilePhone&$expand=extensions",
        "/me",
    ),
    ("/v1.0/me/ownedObjects", "/me/ownedobjects"),
    ("/v1.0/me/getMemberGroups", "/me/getmembergroups"),
    ("/v1.0/me/checkMemberGroups", "/me/checkmembergroups"),
    ("/v1.0/me/joinedTeams", "/me/joinedteams"),
    (
        "/v1.0/me/messages?$filter=importance eq 'high'",
        "/me/messages",
    ),
    ("/v1.0/me/drive/root/children", "/me/drive/root/children"),
    ("/v1.0/users", "/users"),
    ("/v1.0/users/?$filter=userType eq 'guest'", "/users"),
    ("/v1.0/users/$count?$filter=userType eq 'guest'", "/users"),
    (
        "/v1.0/users?$count=true&$filter=Department eq 'Finance'&$orderBy=displayName&$select=id,displayName,department",
        "/users",
    ),
    (
        "/v1.0/users?$count=true&$search=\"displayName:room\"&$filter=endsWith(mail,'microsoft.com')&$orderBy=displayName&$select=id,displayName,mail",
        "/users",
    ),
    (
        "https://graph.microsoft.com/v1.0/users?$filter=startswith(displayName,'a')&$top=999",
        "/users",
    ),
    ("/v1.0/users/{user-mail}", "/users/{id}"),
    ("/v1.0/users/{id}/identities", "/users/{id}"),
    (
        "/v1.0/users/87d349ed-44d7-43e1-9a83-5f2406dee5bd",
        "/users/{id}",
    ),
    ("/v1.0/users/AdeleV@contoso.com", "/users/{id}"),
    (
        "/v1.0/users('87d349ed-44d7-43e1-9a83-5f2406dee5bd')",
        "/users/{id}",
    ),
    (
        "/v1.0/users/john_fabrikam.com%23EXT%23@contoso.onmicrosoft.com",
        "/users/{id}",
    ),
    (
        "/v1.0/users/delta?$select=displayName,givenName,surname",
        "/users/delta",
    ),
    (
        "/v1.0/users/87d349ed-44d7-43e1-9a83-5f2406dee5bd/manager",
        "/users/{id}/manager",
    ),
    (
        "/v1.0/users/AdeleV@contoso.com/manager?$select=id,displayName",
        "/users/{id}/manager",
    ),
    (
        "/v1.0/users/87d349ed-44d7-43e1-9a83-5f2406dee5bd/directReports",
        "/users/{id}/directreports",
    ),
    (
        "/v1.0/users/87d349ed-44d7-43e1-9a83-5f2406dee5bd/memberOf",
        "/users/{id}/memberof",
    ),
    (
        "/v1.0/users/0f3a2b1c-1111-2222-3333-444455556666/memberOf/microsoft.graph.group?$filter=startswith(displayName,'a')&$count=true",
        "/users/{id}/memberof",
    ),
    (
        "/v1.0/users/87d349ed-44d7-43e1-9a83-5f2406dee5bd/memberOf/$count",
        "/users/{id}/memberof",
    ),
    (
        "/v1.0/users/87d349ed-44d7-43e1-9a83-5f2406dee5bd/memberOf/microsoft.graph.group/$count",
        "/users/{id}/memberof",
    ),
    (
        "/v1.0/users/87d349ed-44d7-43e1-9a83-5f2406dee5bd/transitiveMemberOf",
        "/users/{id}/transitivememberof",
    ),
    (
        "/v1.0/users/87d349ed-44d7-43e1-9a83-5f2406dee5bd/transitiveMemberOf/microsoft.graph.directoryRole",
        "/users/{id}/transitivememberof",
    ),
    (
        "/v1.0/users/87d349ed-44d7-43e1-9a83-5f2406dee5bd/getMemberGroups",
        "/users/{id}/getmembergroups",
    ),
    (
        "/v1.0/users/87d349ed-44d7-43e1-9a83-5f2406dee5bd/checkMemberGroups",
        "/users/{id}/checkmembergroups",
    ),
    (
        "/v1.0/users/87d349ed-44d7-43e1-9a83-5f2406dee5bd/ownedObjects",
        "/users/{id}/ownedobjects",
    ),
    (
        "/v1.0/users/87d349ed-44d7-43e1-9a83-5f2406dee5bd/registeredDevices",
        "/users/{id}/registereddevices",
    ),
    (
        "/v1.0/users/87d349ed-44d7-43e1-9a83-5f2406dee5bd/appRoleAssignments",
        "/users/{id}/approleassignments",
    ),
    (
        "/v1.0/users/87d349ed-44d7-43e1-9a83-5f2406dee5bd/revokeSignInSessions",
        "/users/{id}/revokesigninsessions",
    ),
    (
        "/v1.0/users/87d349ed-44d7-43e1-9a83-5f2406dee5bd/assignLicense",
        "/users/{id}/assignlicense",
    ),
    (
        "/v1.0/users/87d349ed-44d7-43e1-9a83-5f2406dee5bd/manager/$ref",
        "/users/{id}/manager",
    ),
    ("/beta/users/{user-id}/presence", "/users/{id}/presence"),
    (
        "/v1.0/users/{coworker-mail}/planner/tasks",
        "/users/{id}/planner/tasks",
    ),
    ("/beta/users/microsoft.graph.agentUser", "/users"),
    ("/v1.0/groups", "/groups"),
    (
        "/v1.0/groups?$filter=groupTypes/any(c:c eq 'Unified')",
        "/groups",
    ),
    ("/v1.0/groups/$count", "/groups"),
    ("/v1.0/groups/{group-id}", "/groups/{id}"),
    (
        "/v1.0/groups/02bd9fd6-8f93-4758-87c3-1fb73740a315",
        "/groups/{id}",
    ),
    (
        "/v1.0/groups/{group-id}/members/$ref",
        "/groups/{id}/members",
    ),
    (
        "/v1.0/groups/{group-id}/members/{member-id}/$ref",
        "/groups/{id}/members/{id}",
    ),
    (
        "/v1.0/groups/{group-id}/members?$count=true",
        "/groups/{id}/members",
    ),
    (
        "/v1.0/groups/02bd9fd6-8f93-4758-87c3-1fb73740a315/members/microsoft.graph.user?$select=displayName",
        "/groups/{id}/members",
    ),
    (
        "/v1.0/groups/02bd9fd6-8f93-4758-87c3-1fb73740a315/members/$count",
        "/groups/{id}/members",
    ),
    (
        "/v1.0/groups/02bd9fd6-8f93-4758-87c3-1fb73740a315/transitiveMembers",
        "/groups/{id}/transitivemembers",
    ),
    (
        "/v1.0/groups/02bd9fd6-8f93-4758-87c3-1fb73740a315/transitiveMembers/microsoft.graph.user",
        "/groups/{id}/transitivemembers",
    ),
    (
        "/v1.0/groups/02bd9fd6-8f93-4758-87c3-1fb73740a315/owners",
        "/groups/{id}/owners",
    ),
    (
        "/v1.0/groups/02bd9fd6-8f93-4758-87c3-1fb73740a315/owners/$ref",
        "/groups/{id}/owners",
    ),
    (
        "/v1.0/groups/02bd9fd6-8f93-4758-87c3-1fb73740a315/memberOf",
        "/groups/{id}/memberof",
    ),
    (
        "/v1.0/groups/{group-id}/conversations",
        "/groups/{id}/conversations",
    ),
    (
        "/v1.0/groups/{group-id}/addFavorite",
        "/groups/{id}/addfavorite",
    ),
    (
        "/v1.0/groups/delta?$select=displayName,description",
        "/groups/delta",
    ),
    (
        "/v1.0/groups/{group-id}/drive/items/root/children",
        "/groups/{id}/drive/items/{id}/children",
    ),
    ("/v1.0/applications?$count=true", "/applications"),
    ("/v1.0/applications/{application-id}", "/applications/{id}"),
    (
        "/v1.0/applications/{application-id}/owners",
        "/applications/{id}/owners",
    ),
    (
        "/v1.0/applications(appId='46e6adf4-a9cf-4b60-9390-0ba6fb00bf6b')",
        "/applications(appid={value})",
    ),
    (
        "/beta/applications/microsoft.graph.agentIdentityBlueprint",
        "/applications/microsoft.graph.agentidentityblueprint",
    ),
    (
        "/v1.0/servicePrincipals?$count=true&$search=\"displayName:teams\"&$select=id,displayName",
        "/serviceprincipals",
    ),
    ("/v1.0/servicePrincipals/{id}", "/serviceprincipals/{id}"),
    (
        "/v1.0/servicePrincipals/{id}/appRoleAssignments",
        "/serviceprincipals/{id}/approleassignments",
    ),
    (
        "/v1.0/servicePrincipals(appId='00000003-0000-0000-c000-000000000000')",
        "/serviceprincipals(appid={value})",
    ),
    ("/v1.0/devices", "/devices"),
    ("/v1.0/devices/{id}", "/devices/{id}"),
    ("/v1.0/directoryRoles", "/directoryroles"),
    (
        "/v1.0/directoryObjects/getByIds",
        "/directoryobjects/getbyids",
    ),
    ("/v1.0/organization", "/organization"),
    ("/v1.0/subscribedSkus", "/subscribedskus"),
    ("/v1.0/domains", "/domains"),
    ("/v1.0/auditLogs/signIns?$top=10", "/auditlogs/signins"),
    (
        "/v1.0/identity/conditionalAccess/policies",
        "/identity/conditionalaccess/policies",
    ),
    (
        "/v1.0/roleManagement/directory/roleAssignments?$filter=principalId eq 'x'",
        "/rolemanagement/directory/roleassignments",
    ),
    (
        "/v1.0/policies/authorizationPolicy",
        "/policies/authorizationpolicy",
    ),
    (
        "/v1.0/me/drive/root/search(q='finance')?select=name,id,webUrl",
        "/me/drive/root/search(q={value})",
    ),
    (
        "/v1.0/me/drive/root:/Documents/report.docx:/content",
        "/me/drive/root:/{id}:/content",
    ),
    (
        "/v1.0/me/drive/items/{drive-item-id}/workbook/worksheets('Sheet1')/usedRange",
        "/me/drive/items/{id}/workbook/worksheets/{id}/usedrange",
    ),
    ("https://graph.microsoft.us/v1.0/users", "/users"),
    (
        "https://microsoftgraph.chinacloudapi.cn/beta/groups/g/members",
        "/groups/{id}/members",
    ),
    (
        "http://127.0.0.1:8080/v1.0/USERS/X/MEMBEROF",
        "/users/{id}/memberof",
    ),
    ("users", "/users"),
];

#[test]
fn path_matcher_handles_real_request_urls() {
    use graphtui::doctor::pathmatch::match_request;
    assert!(REAL_URLS.len() >= 60);
    let mut bad = Vec::new();
    for (url, want) in REAL_URLS {
        let got = match_request(url).map(|m| m.template);
        if got.as_deref() != Some(*want) {
            bad.push(format!("{url}\n    want {want}\n    got  {got:?}"));
        }
    }
    assert!(
        bad.is_empty(),
        "{} mismatches:\n{}",
        bad.len(),
        bad.join("\n")
    );
}

// ---------------------------------------------------------------------------------------------
// Diagnosis

mod diagnosis {
    use graphtui::doctor::claims::{Claims, fake_jwt};
    use graphtui::doctor::diagnose::{Problem, Verdict, diagnose_at};
    use graphtui::doctor::embedded;
    use graphtui::doctor::pathmatch::match_request;
    use graphtui::doctor::permmap::Scheme;
    use serde_json::json;

    const NOW: i64 = 1_700_000_000;
    const GLOBAL_ADMIN: &str = "62e90394-69f5-4237-9190-012177145e10";
    const MEMBER_USER: &str = "b79fbf4d-3ef9-4689-8143-76b194e85509";

    fn delegated(scopes: &str, wids: &[&str]) -> Claims {
        Claims::decode(&fake_jwt(&json!({
            "aud": "https://graph.microsoft.com", "tid": "72f988bf-86f1-41af-91ab-2d7cd011db47",
            "appid": "14d82eec-204b-4c2f-b7e8-296a70dab67e", "app_displayname": "Microsoft Graph Command Line Tools",
            "upn": "adele@contoso.com", "scp": scopes, "wids": wids, "exp": NOW + 3600, "iat": NOW - 60, "nbf": NOW - 60
        })))
        .unwrap()
    }

    fn app_only(roles: &[&str]) -> Claims {
        Claims::decode(&fake_jwt(&json!({
            "aud": "https://graph.microsoft.com", "tid": "72f988bf-86f1-41af-91ab-2d7cd011db47",
            "appid": "11111111-2222-3333-4444-555555555555", "roles": roles, "idtyp": "app",
            "exp": NOW + 3600, "iat": NOW - 60
        })))
        .unwrap()
    }

    fn has(d: &graphtui::doctor::Diagnosis, p: Problem) -> bool {
        d.findings.iter().any(|f| f.problem == p)
    }

    fn h(v: &[(&str, &str)]) -> Vec<(String, String)> {
        v.iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect()
    }

    const DENIED_BODY: &str = r#"{"error":{"code":"Authorization_RequestDenied","message":"Insufficient privileges to complete the operation.","innerError":{"date":"2021-05-23T06:39:06","request-id":"799ac1b2-b3e0-46c9-877e-6eeb72508938","client-request-id":"799ac1b2-b3e0-46c9-877e-6eeb72508938"}}}"#;

    #[test]
    fn delegated_scope_missing_before_sending() {
        let c = delegated("User.Read openid profile", &[MEMBER_USER]);
        let d = diagnose_at("GET", "/v1.0/users?$top=5", Some(&c), None, NOW);
        assert_eq!(d.verdict, Verdict::Denied);
        assert!(has(&d, Problem::PermissionMissing));
        assert_eq!(d.scheme, Some(Scheme::DelegatedWork));
        assert_eq!(d.least, vec![vec!["User.ReadBasic.All".to_string()]]);
        assert_eq!(d.least_needs_admin_consent, Some(false));
        assert!(
            d.next_steps[0].contains("graphtui login --scopes User.ReadBasic.All"),
            "{:?}",
            d.next_steps
        );
        assert!(d.to_text().contains("will fail"));
    }

    #[test]
    fn delegated_scope_needing_admin_consent() {
        let c = delegated("User.Read", &[]);
        let d = diagnose_at(
            "GET",
            "/users/adele@contoso.com/manager",
            Some(&c),
            None,
            NOW,
        );
        assert_eq!(d.least, vec![vec!["User.Read.All".to_string()]]);
        assert_eq!(d.least_needs_admin_consent, Some(true));
        assert!(
            d.next_steps.iter().any(|s| s.contains("admin consent")),
            "{:?}",
            d.next_steps
        );
    }

    #[test]
    fn delegated_sufficient_scope_will_work() {
        let c = delegated("User.Read User.Read.All", &[]);
        let d = diagnose_at(
            "GET",
            "/users/adele@contoso.com/manager",
            Some(&c),
            None,
            NOW,
        );
        assert_eq!(d.verdict, Verdict::Allowed);
        assert_eq!(d.granted, vec!["User.Read.All".to_string()]);
        assert!(d.findings.is_empty(), "{:?}", d.findings);
        assert!(d.to_text().contains("should work"));
    }

    #[test]
    fn app_only_role_missing() {
        let c = app_only(&["User.Read.All"]);
        let d = diagnose_at(
            "GET",
            "/groups/02bd9fd6-8f93-4758-87c3-1fb73740a315/members",
            Some(&c),
            None,
            NOW,
        );
        assert_eq!(d.verdict, Verdict::Denied);
        assert_eq!(d.scheme, Some(Scheme::Application));
        assert_eq!(d.least, vec![vec!["GroupMember.ReadBasic.All".to_string()]]);
        assert!(
            d.next_steps[0].contains("application permission GroupMember.ReadBasic.All"),
            "{:?}",
            d.next_steps
        );
        assert!(d.next_steps[0].contains("admin consent"));
    }

    #[test]
    fn scope_present_but_user_lacks_role() {
        let c = delegated("Group.ReadWrite.All", &[MEMBER_USER]);
        let d = diagnose_at(
            "PATCH",
            "/groups/02bd9fd6-8f93-4758-87c3-1fb73740a315",
            Some(&c),
            Some((403, &h(&[("request-id", "r")]), DENIED_BODY)),
            NOW,
        );
        assert_eq!(d.verdict, Verdict::Denied);
        assert!(has(&d, Problem::UserLacksRights), "{:?}", d.findings);
        assert!(!has(&d, Problem::PermissionMissing));
        assert!(d.findings[0].message.contains("no administrator role"));
        assert!(
            d.next_steps
                .iter()
                .any(|s| s.contains("Groups Administrator")),
            "{:?}",
            d.next_steps
        );
        assert_eq!(d.explanations[0].code, "Authorization_RequestDenied");
        // With a role in the token the finding names it.
        let c = delegated("Group.ReadWrite.All", &[GLOBAL_ADMIN]);
        let d = diagnose_at(
            "PATCH",
            "/groups/g",
            Some(&c),
            Some((403, &[], DENIED_BODY)),
            NOW,
        );
        assert!(
            d.findings
                .iter()
                .any(|f| f.message.contains("Global Administrator"))
        );
    }

    #[test]
    fn delegated_write_warns_without_admin_role() {
        let c = delegated("Group.ReadWrite.All", &[MEMBER_USER]);
        let d = diagnose_at("PATCH", "/groups/g", Some(&c), None, NOW);
        assert_eq!(d.verdict, Verdict::Allowed);
        assert!(d.next_steps.iter().any(|s| s.contains("user's own rights")));
    }

    #[test]
    fn app_only_denied_despite_permission() {
        let c = app_only(&["User.ReadWrite.All"]);
        let d = diagnose_at(
            "PATCH",
            "/users/u1",
            Some(&c),
            Some((403, &[], DENIED_BODY)),
            NOW,
        );
        assert!(has(&d, Problem::DeniedDespitePermission));
    }

    #[test]
    fn me_with_app_only_token() {
        let c = app_only(&["User.Read.All"]);
        let body = r#"{"error":{"code":"BadRequest","message":"/me request is only valid with delegated authentication flow.","innerError":{"request-id":"r"}}}"#;
        let d = diagnose_at("GET", "/v1.0/me", Some(&c), Some((400, &[], body)), NOW);
        assert_eq!(d.verdict, Verdict::Denied);
        assert!(has(&d, Problem::MeWithAppOnly));
        assert!(d.explanations[0].cause.contains("app-only"));
        // Before sending too, and the Application scheme is not offered for /me.
        let d = diagnose_at("GET", "/me/memberOf", Some(&c), None, NOW);
        assert!(has(&d, Problem::MeWithAppOnly));
        assert!(
            d.requirements
                .iter()
                .all(|r| r.scheme != Scheme::Application)
        );
    }

    #[test]
    fn expired_token() {
        let mut c = delegated("User.Read.All", &[]);
        c.exp = Some(NOW - 10);
        let body = r#"{"error":{"code":"InvalidAuthenticationToken","message":"Lifetime validation failed, the token is expired.","innerError":{"request-id":"r"}}}"#;
        let d = diagnose_at("GET", "/users", Some(&c), Some((401, &[], body)), NOW);
        assert_eq!(d.verdict, Verdict::Denied);
        assert!(has(&d, Problem::TokenExpired));
        assert!(d.explanations[0].cause.contains("expired"));
        assert!(d.next_steps.iter().any(|s| s.contains("graphtui login")));
    }

    #[test]
    fn wrong_audience() {
        let c = Claims::decode(&fake_jwt(&json!({"aud": "https://management.azure.com/", "scp": "user_impersonation", "exp": NOW + 100}))).unwrap();
        let d = diagnose_at("GET", "/users", Some(&c), None, NOW);
        assert_eq!(d.verdict, Verdict::Denied);
        assert!(has(&d, Problem::WrongAudience));
    }

    #[test]
    fn claims_challenge() {
        let c = delegated("User.Read.All", &[]);
        let www = r#"Bearer realm="", authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize", error="insufficient_claims", claims="eyJhY2Nlc3NfdG9rZW4iOnsiYWNycyI6eyJlc3NlbnRpYWwiOnRydWUsInZhbHVlIjoiY3AxIn19fQ==""#;
        let d = diagnose_at(
            "GET",
            "/users",
            Some(&c),
            Some((401, &h(&[("WWW-Authenticate", www)]), "")),
            NOW,
        );
        assert_eq!(d.verdict, Verdict::Denied);
        assert!(has(&d, Problem::ClaimsChallenge));
        assert!(d.findings.iter().any(|f| f.message.contains(r#""acrs""#)));
    }

    #[test]
    fn throttled() {
        let c = delegated("User.Read.All", &[]);
        let body = r#"{"error":{"code":"TooManyRequests","innerError":{"code":"429","date":"2020-08-18T12:51:51","message":"Please retry after","request-id":"94fb3b52","status":"429"},"message":"Please retry again later."}}"#;
        let d = diagnose_at(
            "GET",
            "/users",
            Some(&c),
            Some((429, &h(&[("Retry-After", "2.128")]), body)),
            NOW,
        );
        assert!(has(&d, Problem::Throttled));
        assert!(d.next_steps[0].contains("2.128"));
    }

    #[test]
    fn no_token_shows_requirements() {
        let d = diagnose_at("GET", "/groups/g/members", None, None, NOW);
        assert_eq!(d.verdict, Verdict::Unknown);
        assert!(has(&d, Problem::NotSignedIn));
        assert_eq!(d.requirements.len(), 2);
    }

    #[test]
    fn unknown_path() {
        let c = delegated("User.Read", &[]);
        let d = diagnose_at("GET", "/thisDoesNotExist/at/all", Some(&c), None, NOW);
        assert!(has(&d, Problem::UnknownPath));
        assert_eq!(d.verdict, Verdict::Unknown);
    }

    /// For the endpoints graphtui calls: a token holding the least-privileged permission passes,
    /// a token holding only unrelated permissions fails and is told the least one, for both kinds.
    #[test]
    fn every_endpoint_and_scheme_with_and_without_its_permission() {
        let endpoints = [
            ("GET", "/users"),
            ("GET", "/users/u1"),
            ("GET", "/users/u1/manager"),
            ("GET", "/users/u1/directReports"),
            ("GET", "/users/u1/memberOf"),
            ("GET", "/users/u1/transitiveMemberOf"),
            ("GET", "/groups"),
            ("GET", "/groups/g1"),
            ("GET", "/groups/g1/members"),
            ("GET", "/groups/g1/transitiveMembers"),
            ("GET", "/groups/g1/owners"),
            ("GET", "/users/delta"),
            ("GET", "/groups/delta"),
            ("POST", "/users/u1/getMemberGroups"),
            ("POST", "/users/u1/checkMemberGroups"),
            ("GET", "/applications"),
            ("GET", "/servicePrincipals"),
            ("GET", "/devices"),
            ("GET", "/organization"),
            ("GET", "/directoryRoles"),
            ("POST", "/groups/g1/members/$ref"),
            ("GET", "/me"),
            ("GET", "/me/memberOf"),
            ("GET", "/me/manager"),
        ];
        let mut checked = 0;
        for (method, url) in endpoints {
            let m = match_request(url).unwrap_or_else(|| panic!("{url} does not match"));
            let reqs = embedded().requirements(&m.template, method);
            assert!(!reqs.is_empty(), "{method} {url}: no requirements");
            for r in reqs
                .iter()
                .filter(|r| r.scheme != Scheme::DelegatedPersonal)
            {
                assert!(!r.least.is_empty(), "{method} {url} {}: no least", r.scheme);
                let least: Vec<&str> = r.least[0].iter().map(String::as_str).collect();
                let (with, without) = match r.scheme {
                    Scheme::Application => (app_only(&least), app_only(&["Mail.Send"])),
                    _ => (
                        delegated(&least.join(" "), &[]),
                        delegated("openid Mail.Send", &[]),
                    ),
                };
                let d = diagnose_at(method, url, Some(&with), None, NOW);
                assert_eq!(
                    d.verdict,
                    Verdict::Allowed,
                    "{method} {url} {} with {least:?}: {:?}",
                    r.scheme,
                    d.findings
                );
                let d = diagnose_at(method, url, Some(&without), None, NOW);
                assert_eq!(d.verdict, Verdict::Denied, "{method} {url} {}", r.scheme);
                assert!(has(&d, Problem::PermissionMissing));
                assert_eq!(d.least, r.least);
                // Missing one permission of a combination is still missing (unless that
                // remainder is itself sufficient in the map).
                for drop in &least {
                    let rest: Vec<String> = least
                        .iter()
                        .filter(|p| *p != drop)
                        .map(|s| s.to_string())
                        .collect();
                    if rest.is_empty() || r.satisfied_by(&rest).is_some() {
                        continue;
                    }
                    let rest: Vec<&str> = rest.iter().map(String::as_str).collect();
                    let tok = match r.scheme {
                        Scheme::Application => app_only(&rest),
                        _ => delegated(&rest.join(" "), &[]),
                    };
                    let d = diagnose_at(method, url, Some(&tok), None, NOW);
                    assert_eq!(d.verdict, Verdict::Denied, "{method} {url} without {drop}");
                }
                checked += 1;
            }
        }
        assert!(checked >= 40, "{checked}");
    }

    #[test]
    fn least_choices_match_the_api_pages() {
        // graph-facts 10.3, cross-checked against the API pages' permission tables.
        let cases: &[(&str, &str, Scheme, &[&str])] = &[
            ("GET", "/me", Scheme::DelegatedWork, &["User.Read"]),
            (
                "GET",
                "/users",
                Scheme::DelegatedWork,
                &["User.ReadBasic.All"],
            ),
            (
                "GET",
                "/users",
                Scheme::Application,
                &["User.ReadBasic.All"],
            ),
            (
                "GET",
                "/users/x/manager",
                Scheme::DelegatedWork,
                &["User.Read.All"],
            ),
            (
                "GET",
                "/users/x/manager",
                Scheme::Application,
                &["User.Read.All"],
            ),
            (
                "GET",
                "/me/directReports",
                Scheme::DelegatedWork,
                &["User.Read"],
            ),
            (
                "GET",
                "/users/x/directReports",
                Scheme::Application,
                &["User.Read.All"],
            ),
            (
                "GET",
                "/groups",
                Scheme::DelegatedWork,
                &["Group.ReadBasic.All"],
            ),
            (
                "GET",
                "/groups",
                Scheme::Application,
                &["Group.ReadBasic.All"],
            ),
            (
                "GET",
                "/groups/g/members",
                Scheme::DelegatedWork,
                &["GroupMember.ReadBasic.All"],
            ),
            (
                "GET",
                "/groups/g/transitiveMembers",
                Scheme::Application,
                &["GroupMember.ReadBasic.All"],
            ),
            (
                "GET",
                "/groups/g/owners",
                Scheme::DelegatedWork,
                &["GroupMember.Read.All"],
            ),
            ("GET", "/me/memberOf", Scheme::DelegatedWork, &["User.Read"]),
            (
                "GET",
                "/users/x/memberOf",
                Scheme::Application,
                &["Directory.Read.All"],
            ),
            (
                "GET",
                "/users/x/transitiveMemberOf",
                Scheme::DelegatedWork,
                &["User.Read"],
            ),
            (
                "GET",
                "/users/x/transitiveMemberOf",
                Scheme::Application,
                &["User.Read.All"],
            ),
            (
                "POST",
                "/users/x/getMemberGroups",
                Scheme::DelegatedWork,
                &["User.ReadBasic.All", "GroupMember.Read.All"],
            ),
            (
                "POST",
                "/me/getMemberGroups",
                Scheme::DelegatedWork,
                &["User.Read", "GroupMember.Read.All"],
            ),
            (
                "POST",
                "/users/x/getMemberGroups",
                Scheme::Application,
                &["User.Read.All", "GroupMember.Read.All"],
            ),
            (
                "GET",
                "/users/delta",
                Scheme::DelegatedWork,
                &["User.Read.All"],
            ),
            (
                "GET",
                "/users/delta",
                Scheme::Application,
                &["User.Read.All"],
            ),
            (
                "GET",
                "/organization",
                Scheme::DelegatedWork,
                &["User.Read"],
            ),
            (
                "GET",
                "/organization",
                Scheme::Application,
                &["Organization.Read.All"],
            ),
            (
                "PATCH",
                "/groups/g",
                Scheme::DelegatedWork,
                &["Group.ReadWrite.All"],
            ),
            (
                "POST",
                "/groups/g/members/$ref",
                Scheme::Application,
                &["GroupMember.ReadWrite.All"],
            ),
        ];
        for (method, url, scheme, want) in cases {
            let m = match_request(url).unwrap();
            let reqs = embedded().requirements(&m.template, method);
            let r = reqs
                .iter()
                .find(|r| r.scheme == *scheme)
                .unwrap_or_else(|| panic!("{method} {url} {scheme}"));
            let want: Vec<String> = want.iter().map(|s| s.to_string()).collect();
            assert_eq!(r.least, vec![want], "{method} {url} {scheme}");
            // Never a write permission as least for a read.
            if *method == "GET" {
                assert!(
                    r.least.iter().flatten().all(|p| !p.contains("Write")),
                    "{method} {url}"
                );
            }
        }
    }
}
