//! The synthetic tenant: directory objects, their relationships and the indexes that make
//! lookups fast. Built once by [`generate`] from a seed and never changed afterwards.

mod generate;
mod names;
mod render;

pub use generate::generate;
pub use render::{
    DEFAULT_USER_PROPERTIES, GROUP_PROPERTIES, USER_BASIC_PROPERTIES, USER_PROPERTIES,
    properties_of,
};

use std::collections::{HashMap, HashSet, VecDeque};

/// The kinds of directory object the sandbox holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    User,
    Group,
    Device,
    ServicePrincipal,
    DirectoryRole,
}

impl Kind {
    /// The `@odata.type` value, e.g. `#microsoft.graph.user`.
    pub fn odata_type(self) -> &'static str {
        match self {
            Kind::User => "#microsoft.graph.user",
            Kind::Group => "#microsoft.graph.group",
            Kind::Device => "#microsoft.graph.device",
            Kind::ServicePrincipal => "#microsoft.graph.servicePrincipal",
            Kind::DirectoryRole => "#microsoft.graph.directoryRole",
        }
    }

    /// The type name without namespace, e.g. `user`.
    pub fn type_name(self) -> &'static str {
        match self {
            Kind::User => "user",
            Kind::Group => "group",
            Kind::Device => "device",
            Kind::ServicePrincipal => "servicePrincipal",
            Kind::DirectoryRole => "directoryRole",
        }
    }

    /// The entity set name, e.g. `users`.
    pub fn entity_set(self) -> &'static str {
        match self {
            Kind::User => "users",
            Kind::Group => "groups",
            Kind::Device => "devices",
            Kind::ServicePrincipal => "servicePrincipals",
            Kind::DirectoryRole => "directoryRoles",
        }
    }

    /// Parses an OData cast segment such as `microsoft.graph.group`.
    pub fn from_cast(segment: &str) -> Option<Kind> {
        let name = segment.strip_prefix("microsoft.graph.")?;
        [
            Kind::User,
            Kind::Group,
            Kind::Device,
            Kind::ServicePrincipal,
            Kind::DirectoryRole,
        ]
        .into_iter()
        .find(|k| k.type_name().eq_ignore_ascii_case(name))
    }
}

/// A reference to one object: its kind and index in that kind's table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ObjRef {
    pub kind: Kind,
    pub idx: u32,
}

impl ObjRef {
    pub fn user(idx: usize) -> Self {
        ObjRef {
            kind: Kind::User,
            idx: idx as u32,
        }
    }
    pub fn group(idx: usize) -> Self {
        ObjRef {
            kind: Kind::Group,
            idx: idx as u32,
        }
    }
}

/// A user account (member or guest).
#[derive(Debug, Clone, Default)]
pub struct User {
    pub id: String,
    pub display_name: String,
    pub given_name: Option<String>,
    pub surname: Option<String>,
    pub user_principal_name: String,
    pub mail: Option<String>,
    pub mail_nickname: String,
    pub job_title: Option<String>,
    pub department: Option<String>,
    pub company_name: Option<String>,
    pub office_location: Option<String>,
    pub city: Option<String>,
    pub state: Option<String>,
    pub country: Option<String>,
    pub usage_location: Option<String>,
    pub preferred_language: Option<String>,
    pub employee_id: Option<String>,
    pub employee_type: Option<String>,
    pub account_enabled: bool,
    pub user_type: &'static str,
    pub created_date_time: String,
    pub proxy_addresses: Vec<String>,
    pub other_mails: Vec<String>,
    pub assigned_license_skus: Vec<&'static str>,
    pub business_phones: Vec<String>,
    pub mobile_phone: Option<String>,
    pub external_user_state: Option<&'static str>,
    pub creation_type: Option<&'static str>,
    pub on_premises_sync_enabled: Option<bool>,
    pub manager: Option<u32>,
    pub reports: Vec<u32>,
}

/// A group: security, Microsoft 365 (Unified), mail-enabled security, distribution, dynamic.
#[derive(Debug, Clone, Default)]
pub struct Group {
    pub id: String,
    pub display_name: String,
    pub description: Option<String>,
    pub mail: Option<String>,
    pub mail_nickname: String,
    pub mail_enabled: bool,
    pub security_enabled: bool,
    pub group_types: Vec<&'static str>,
    pub membership_rule: Option<String>,
    pub visibility: Option<&'static str>,
    pub is_assignable_to_role: Option<bool>,
    pub created_date_time: String,
    pub classification: Option<&'static str>,
    pub members: Vec<ObjRef>,
    pub owners: Vec<ObjRef>,
}

/// A registered device.
#[derive(Debug, Clone, Default)]
pub struct Device {
    pub id: String,
    pub device_id: String,
    pub display_name: String,
    pub operating_system: &'static str,
    pub operating_system_version: &'static str,
    pub account_enabled: bool,
    pub trust_type: &'static str,
    pub created_date_time: String,
}

/// A service principal (an application's identity in the tenant).
#[derive(Debug, Clone, Default)]
pub struct ServicePrincipal {
    pub id: String,
    pub app_id: String,
    pub display_name: String,
    pub app_owner_organization_id: Option<String>,
    pub service_principal_type: &'static str,
    pub account_enabled: bool,
    pub tags: Vec<&'static str>,
}

/// An activated directory role (e.g. Global Reader) and its members.
#[derive(Debug, Clone, Default)]
pub struct DirectoryRole {
    pub id: String,
    pub display_name: &'static str,
    pub description: &'static str,
    pub role_template_id: &'static str,
    pub members: Vec<u32>,
}

/// The whole directory plus indexes.
#[derive(Debug, Default)]
pub struct Tenant {
    pub tenant_id: String,
    pub domain: String,
    pub display_name: String,
    pub users: Vec<User>,
    pub groups: Vec<Group>,
    pub devices: Vec<Device>,
    pub service_principals: Vec<ServicePrincipal>,
    pub roles: Vec<DirectoryRole>,
    /// Index of the demo user in `users`.
    pub demo_user: u32,
    /// id (lower case) → object.
    pub by_id: HashMap<String, ObjRef>,
    /// userPrincipalName (lower case) → user index.
    pub by_upn: HashMap<String, u32>,
    /// Direct parents (groups and roles) of every object, indexed by ObjRef.
    pub parents: HashMap<ObjRef, Vec<ObjRef>>,
    /// Objects owned by each user / service principal.
    pub owned: HashMap<ObjRef, Vec<ObjRef>>,
}

impl Tenant {
    /// Finds an object by id (any case).
    pub fn find(&self, id: &str) -> Option<ObjRef> {
        self.by_id.get(&id.to_ascii_lowercase()).copied()
    }

    /// Finds a user by id or userPrincipalName.
    pub fn find_user(&self, key: &str) -> Option<u32> {
        match self.find(key) {
            Some(ObjRef {
                kind: Kind::User,
                idx,
            }) => Some(idx),
            Some(_) => None,
            None => self.by_upn.get(&key.to_lowercase()).copied(),
        }
    }

    /// Finds a group by id.
    pub fn find_group(&self, key: &str) -> Option<u32> {
        match self.find(key) {
            Some(ObjRef {
                kind: Kind::Group,
                idx,
            }) => Some(idx),
            _ => None,
        }
    }

    /// The id of any object.
    pub fn id_of(&self, r: ObjRef) -> &str {
        let i = r.idx as usize;
        match r.kind {
            Kind::User => &self.users[i].id,
            Kind::Group => &self.groups[i].id,
            Kind::Device => &self.devices[i].id,
            Kind::ServicePrincipal => &self.service_principals[i].id,
            Kind::DirectoryRole => &self.roles[i].id,
        }
    }

    /// Direct parents (groups and directory roles) of an object.
    pub fn direct_member_of(&self, r: ObjRef) -> &[ObjRef] {
        self.parents.get(&r).map(Vec::as_slice).unwrap_or(&[])
    }

    /// All groups and roles an object belongs to, directly or through nested groups,
    /// nearest first, each once.
    pub fn transitive_member_of(&self, r: ObjRef) -> Vec<ObjRef> {
        let mut seen = HashSet::new();
        let mut out = Vec::new();
        let mut queue: VecDeque<ObjRef> = self.direct_member_of(r).iter().copied().collect();
        while let Some(p) = queue.pop_front() {
            if seen.insert(p) {
                out.push(p);
                queue.extend(self.direct_member_of(p).iter().copied());
            }
        }
        out
    }

    /// Direct members of a group.
    pub fn members(&self, g: u32) -> Vec<ObjRef> {
        self.groups[g as usize].members.clone()
    }

    /// All members of a group including members of nested groups (nested groups
    /// themselves included), each once, direct members first.
    pub fn transitive_members(&self, g: u32) -> Vec<ObjRef> {
        let mut seen: HashSet<ObjRef> = HashSet::new();
        let mut out = Vec::new();
        let mut queue = VecDeque::from([g]);
        let mut groups_seen = HashSet::from([g]);
        while let Some(gi) = queue.pop_front() {
            for m in &self.groups[gi as usize].members {
                if seen.insert(*m) {
                    out.push(*m);
                }
                if m.kind == Kind::Group && groups_seen.insert(m.idx) {
                    queue.push_back(m.idx);
                }
            }
        }
        out
    }

    /// Direct reports of a user.
    pub fn direct_reports(&self, u: u32) -> Vec<ObjRef> {
        self.users[u as usize]
            .reports
            .iter()
            .map(|r| ObjRef::user(*r as usize))
            .collect()
    }

    /// Objects a user or service principal owns.
    pub fn owned_objects(&self, r: ObjRef) -> Vec<ObjRef> {
        self.owned.get(&r).cloned().unwrap_or_default()
    }

    /// Directory role template ids held by a user (the `wids` claim).
    pub fn role_template_ids(&self, u: u32) -> Vec<String> {
        self.roles
            .iter()
            .filter(|r| r.members.contains(&u))
            .map(|r| r.role_template_id.to_string())
            .collect()
    }

    /// Builds `by_id`, `by_upn`, `parents` and `owned` from the object tables.
    pub(crate) fn build_indexes(&mut self) {
        let mut by_id = HashMap::with_capacity(self.users.len() + self.groups.len() + 64);
        let mut by_upn = HashMap::with_capacity(self.users.len());
        for (i, u) in self.users.iter().enumerate() {
            by_id.insert(u.id.clone(), ObjRef::user(i));
            by_upn.insert(u.user_principal_name.to_lowercase(), i as u32);
        }
        for (i, g) in self.groups.iter().enumerate() {
            by_id.insert(g.id.clone(), ObjRef::group(i));
        }
        for (i, d) in self.devices.iter().enumerate() {
            by_id.insert(
                d.id.clone(),
                ObjRef {
                    kind: Kind::Device,
                    idx: i as u32,
                },
            );
        }
        for (i, s) in self.service_principals.iter().enumerate() {
            by_id.insert(
                s.id.clone(),
                ObjRef {
                    kind: Kind::ServicePrincipal,
                    idx: i as u32,
                },
            );
        }
        for (i, r) in self.roles.iter().enumerate() {
            by_id.insert(
                r.id.clone(),
                ObjRef {
                    kind: Kind::DirectoryRole,
                    idx: i as u32,
                },
            );
        }
        let mut parents: HashMap<ObjRef, Vec<ObjRef>> = HashMap::new();
        let mut owned: HashMap<ObjRef, Vec<ObjRef>> = HashMap::new();
        for (gi, g) in self.groups.iter().enumerate() {
            for m in &g.members {
                parents.entry(*m).or_default().push(ObjRef::group(gi));
            }
            for o in &g.owners {
                owned.entry(*o).or_default().push(ObjRef::group(gi));
            }
        }
        for (ri, r) in self.roles.iter().enumerate() {
            for m in &r.members {
                parents
                    .entry(ObjRef::user(*m as usize))
                    .or_default()
                    .push(ObjRef {
                        kind: Kind::DirectoryRole,
                        idx: ri as u32,
                    });
            }
        }
        self.by_id = by_id;
        self.by_upn = by_upn;
        self.parents = parents;
        self.owned = owned;
    }
}
