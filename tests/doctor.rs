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
