//! Permission checks from a token's `scp` / `roles`, per graph-facts §10.3 and the API
//! pages' permission tables. Higher permissions imply lower ones (Directory.Read.All
//! implies User.Read.All, which implies User.ReadBasic.All, ...), by the permission doctor's
//! table. User.ReadBasic.All does not include User.Read (one's own full profile and
//! memberships), as the API pages' least-privilege columns say.

use crate::sandbox::errors::GraphError;
use crate::sandbox::tenant::Kind;
use crate::sandbox::tokens::AccessGrant;
use std::collections::HashSet;

/// The closure of a permission list: the doctor's implication table
/// ([`crate::doctor::permmap::implied_closure`]), so the sandbox and the permission doctor
/// agree on what a permission includes. Only permissions the sandbox knows are returned.
pub fn effective(perms: &[String]) -> HashSet<&'static str> {
    crate::doctor::permmap::implied_closure(perms)
        .iter()
        .filter_map(|p| canonical(p))
        .collect()
}

/// The canonical spelling of a known permission.
fn canonical(p: &str) -> Option<&'static str> {
    const ALL: &[&str] = &[
        "User.Read",
        "User.ReadWrite",
        "User.ReadBasic.All",
        "User.Read.All",
        "User.ReadWrite.All",
        "Group.ReadBasic.All",
        "Group.Read.All",
        "Group.ReadWrite.All",
        "GroupMember.ReadBasic.All",
        "GroupMember.Read.All",
        "GroupMember.ReadWrite.All",
        "Directory.Read.All",
        "Directory.ReadWrite.All",
        "Directory.AccessAsUser.All",
        "Device.Read.All",
        "Device.ReadWrite.All",
        "Application.Read.All",
        "Application.ReadWrite.All",
        "RoleManagement.Read.Directory",
        "Organization.Read.All",
    ];
    ALL.iter().copied().find(|k| k.eq_ignore_ascii_case(p))
}

/// What an operation needs: alternatives, each a set that must all be held.
#[derive(Debug, Clone, Copy)]
pub struct Need {
    pub delegated: &'static [&'static [&'static str]],
    pub application: &'static [&'static [&'static str]],
}

impl Need {
    const fn both(p: &'static [&'static [&'static str]]) -> Need {
        Need {
            delegated: p,
            application: p,
        }
    }
}

/// `/me` and `/users/{own id or UPN}`: User.Read, or User.ReadBasic.All (basic properties).
pub const ME: Need = Need {
    delegated: &[&["User.Read"], &["User.ReadBasic.All"]],
    application: &[],
};
pub const USERS_READ: Need = Need::both(&[&["User.ReadBasic.All"]]);
pub const MANAGER: Need = Need::both(&[&["User.Read.All"]]);
pub const DIRECT_REPORTS_ME: Need = Need {
    delegated: &[&["User.Read"]],
    application: &[&["User.Read.All"]],
};
pub const DIRECT_REPORTS: Need = Need {
    delegated: &[&["User.ReadBasic.All"]],
    application: &[&["User.Read.All"]],
};
pub const USER_MEMBER_OF: Need = Need {
    delegated: &[&["User.Read"]],
    application: &[
        &["Directory.Read.All"],
        &["GroupMember.Read.All", "User.Read.All"],
    ],
};
pub const USER_TRANSITIVE_MEMBER_OF: Need = Need {
    delegated: &[&["User.Read"]],
    application: &[&["User.Read.All"]],
};
pub const OWNED_OBJECTS: Need = Need {
    delegated: &[&["User.Read"]],
    application: &[&["User.Read.All"]],
};
pub const GROUPS_READ: Need = Need::both(&[&["Group.ReadBasic.All"]]);
pub const GROUP_MEMBERS: Need = Need::both(&[&["GroupMember.ReadBasic.All"]]);
pub const GROUP_OWNERS: Need = Need::both(&[&["GroupMember.Read.All"]]);
pub const GROUP_MEMBER_OF: Need = Need::both(&[&["GroupMember.Read.All"]]);
pub const USER_MEMBER_GROUPS_ME: Need = Need {
    delegated: &[&["User.Read", "GroupMember.Read.All"]],
    application: &[&["User.Read.All", "GroupMember.Read.All"]],
};
pub const USER_MEMBER_GROUPS: Need = Need {
    delegated: &[&["User.ReadBasic.All", "GroupMember.Read.All"]],
    application: &[&["User.Read.All", "GroupMember.Read.All"]],
};
pub const GROUP_MEMBER_GROUPS: Need = Need::both(&[&["GroupMember.Read.All"]]);
pub const ORGANIZATION: Need = Need {
    delegated: &[&["User.Read"]],
    application: &[&["Organization.Read.All"]],
};
pub const DEVICES: Need = Need::both(&[&["Device.Read.All"]]);
pub const SERVICE_PRINCIPALS: Need = Need::both(&[&["Application.Read.All"]]);
pub const DIRECTORY_ROLES: Need = Need::both(&[&["RoleManagement.Read.Directory"]]);
pub const GET_BY_IDS: Need = Need::both(&[&["Directory.Read.All"]]);
pub const USERS_DELTA: Need = Need::both(&[&["User.Read.All"]]);
pub const GROUPS_DELTA: Need = Need::both(&[&["Group.Read.All"]]);

/// Checks a need against a token: `Ok` or 403 Authorization_RequestDenied.
pub fn check(grant: &AccessGrant, need: Need) -> Result<(), GraphError> {
    let held = effective(grant.permissions());
    let alternatives = if grant.is_app() {
        need.application
    } else {
        need.delegated
    };
    if alternatives
        .iter()
        .any(|all| all.iter().all(|p| held.contains(p)))
    {
        Ok(())
    } else {
        Err(GraphError::forbidden())
    }
}

/// Whether a token may read full details of objects of a kind inside a directoryObject
/// collection; otherwise they come back with `@odata.type` and `id` only and every other
/// property null ("limited information", permissions-overview).
pub fn can_read_kind(held: &HashSet<&'static str>, kind: Kind) -> bool {
    match kind {
        Kind::User => held.contains("User.Read"),
        Kind::Group => {
            held.contains("Group.ReadBasic.All") || held.contains("GroupMember.ReadBasic.All")
        }
        Kind::Device => held.contains("Device.Read.All"),
        Kind::ServicePrincipal => held.contains("Application.Read.All"),
        Kind::DirectoryRole => {
            held.contains("RoleManagement.Read.Directory") || held.contains("User.Read")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sandbox::tokens::Principal;

    fn grant(perms: &[&str], app: bool) -> AccessGrant {
        let p: Vec<String> = perms.iter().map(|s| s.to_string()).collect();
        AccessGrant {
            principal: if app {
                Principal::App { sp: None }
            } else {
                Principal::User(0)
            },
            app_id: "x".into(),
            scopes: if app { vec![] } else { p.clone() },
            roles: if app { p } else { vec![] },
            exp: i64::MAX,
            serial: 1,
        }
    }

    #[test]
    fn higher_permissions_imply_lower() {
        assert!(check(&grant(&["Directory.Read.All"], false), USERS_READ).is_ok());
        assert!(check(&grant(&["directory.read.all"], true), GROUP_MEMBERS).is_ok());
        assert!(check(&grant(&["User.Read"], false), USERS_READ).is_err());
        assert!(check(&grant(&["User.ReadBasic.All"], false), MANAGER).is_err());
        assert!(check(&grant(&["User.Read.All"], true), ME).is_err());
        assert!(
            check(
                &grant(&["GroupMember.Read.All", "User.Read.All"], true),
                USER_MEMBER_OF
            )
            .is_ok()
        );
        assert!(check(&grant(&["User.Read.All"], true), USER_MEMBER_OF).is_err());
    }
}
