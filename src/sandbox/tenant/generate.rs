//! Builds a deterministic synthetic tenant from a seed.
//!
//! Shape: a manager tree with a branching factor of 6 (so 100 000 users are 7 levels deep),
//! guests and a few manager-less accounts at the end, department / team / project /
//! dynamic / mail-enabled / empty / role-assignable groups, a nesting chain 6 levels deep,
//! an "All Employees" group holding every member, directory roles, service principals
//! and devices. Generation is linear in the number of users.

use super::names::*;
use super::*;
use crate::sandbox::rng::Rng;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// The smallest tenant the generator builds (the demo user needs a manager and reports).
pub const MIN_USERS: usize = 25;
const FANOUT: usize = 6;

/// Well-known service principals: (display name, appId, owner tenant is Microsoft?).
pub const GRAPH_APP_ID: &str = "00000003-0000-0000-c000-000000000000";

/// Generates the tenant for `users` users (at least [`MIN_USERS`]) from `seed`.
pub fn generate(users: usize, seed: u64) -> Tenant {
    let n = users.max(MIN_USERS);
    let mut rng = Rng::new(seed);
    let tenant_id = rng.guid();
    let domain = "contoso-sandbox.onmicrosoft.com".to_string();
    let mut t = Tenant {
        tenant_id,
        domain: domain.clone(),
        display_name: "Contoso Sandbox".into(),
        demo_user: 1,
        ..Default::default()
    };

    let n_guests = (n / 50).max(2);
    let n_orphans = (n / 200).max(1);
    let n_members = n - n_guests - n_orphans;

    let mut upn_seen: HashMap<String, u32> = HashMap::with_capacity(n);
    let mut level = vec![0u8; n];
    let mut dept_of = vec![0usize; n];
    t.users.reserve(n);
    for i in 0..n {
        let is_guest = i >= n_members + n_orphans;
        let is_orphan = !is_guest && i >= n_members;
        let manager = if i > 0 && i < n_members {
            Some(((i - 1) / FANOUT) as u32)
        } else {
            None
        };
        if let Some(m) = manager {
            level[i] = level[m as usize].saturating_add(1);
            dept_of[i] = if level[i] == 1 {
                (i - 1) % DEPARTMENTS.len()
            } else {
                dept_of[m as usize]
            };
        } else {
            dept_of[i] = rng.below(DEPARTMENTS.len());
        }
        let (given, given_a) = *rng.pick(GIVEN);
        let (sur, sur_a) = *rng.pick(SURNAMES);
        let mut given = given.to_string();
        let mut surname = sur.to_string();
        let mut alias_base = format!("{given_a}.{sur_a}");
        let mut display: Option<String> = None;
        match i {
            0 => {
                given = "Patti".into();
                surname = "Fernandez".into();
                alias_base = "patti.fernandez".into();
            }
            1 => {
                given = "Megan".into();
                surname = "Bowen".into();
                alias_base = "megan.bowen".into();
            }
            7 => {
                given = "Seán".into();
                surname = "O'Brien".into();
                alias_base = "sean.o'brien".into();
            }
            8 => {
                given = "Alex".into();
                surname = "Kim".into();
                alias_base = "alex.kim".into();
                display = Some("Alex 🚀 Kim".into());
            }
            9 => {
                given = "فاطمة".into();
                surname = "العلي".into();
                alias_base = "fatima.alali".into();
            }
            10 => {
                given = "Maximiliana Theodora Konstantina Alexandrina".into();
                surname = "von Hohenzollern-Sigmaringen-Wittelsbach de la Vega y Montenegro".into();
                alias_base = "maximiliana.vonhohenzollern-sigmaringen-wittelsbach".into();
            }
            11 => {
                given = "太郎".into();
                surname = "田中".into();
                alias_base = "taro.tanaka".into();
                display = Some("田中 太郎".into());
            }
            12 => {
                // Deliberately hostile: a right-to-left override inside a name.
                given = "Mallory".into();
                surname = "\u{202E}gnp.exe".into();
                alias_base = "mallory.exe".into();
            }
            _ => {}
        }
        if is_orphan {
            given = String::new();
            surname = String::new();
            alias_base = format!("room{:04}", i - n_members + 1);
            display = Some(format!("Conference Room {}", i - n_members + 1));
        }
        let count = upn_seen.entry(alias_base.clone()).or_insert(0);
        *count += 1;
        let alias = if *count == 1 {
            alias_base
        } else {
            format!("{alias_base}{count}")
        };
        let display = display.unwrap_or_else(|| {
            if given.is_empty() {
                surname.clone()
            } else {
                format!("{given} {surname}")
            }
        });
        let place = *rng.pick(PLACES);
        let created = date_between(&mut rng, 1_451_606_400, 1_751_241_600);
        let dept = DEPARTMENTS[dept_of[i]];
        let mut u = User {
            id: rng.guid(),
            display_name: display,
            account_enabled: !rng.chance(0.03),
            created_date_time: created,
            ..Default::default()
        };
        if is_guest {
            let home = *rng.pick(GUEST_DOMAINS);
            let ext = format!("{alias}@{home}");
            u.user_principal_name = format!("{}#EXT#@{domain}", ext.replace('@', "_"));
            u.mail = Some(ext.clone());
            u.mail_nickname = format!("{}#EXT#", ext.replace('@', "_"));
            u.other_mails = vec![ext.clone()];
            u.proxy_addresses = vec![format!("SMTP:{ext}")];
            u.user_type = "Guest";
            u.external_user_state = Some(if rng.chance(0.8) {
                "Accepted"
            } else {
                "PendingAcceptance"
            });
            u.creation_type = Some("Invitation");
            u.given_name = Some(given);
            u.surname = Some(surname);
            u.company_name = Some(home.split('.').next().unwrap_or(home).to_string());
        } else {
            let upn = format!("{alias}@{domain}");
            u.user_principal_name = upn.clone();
            u.mail = Some(upn.clone());
            u.mail_nickname = alias.replace('\'', "");
            u.proxy_addresses = vec![
                format!("SMTP:{upn}"),
                format!("smtp:{alias}@contoso-sandbox.mail.onmicrosoft.com"),
            ];
            if rng.chance(0.15) {
                u.other_mails = vec![format!("{alias}@contoso-personal.example")];
            }
            u.user_type = "Member";
            u.company_name = Some("Contoso".into());
            if !is_orphan {
                u.given_name = Some(given);
                u.surname = Some(surname);
                u.department = Some(dept.to_string());
                u.job_title = Some(title_for(i, level[i], dept, &mut rng));
                u.employee_id = Some(format!("{:06}", 100_000 + i));
                u.employee_type = Some(
                    if rng.chance(0.9) {
                        "Employee"
                    } else {
                        "Contractor"
                    }
                    .into(),
                );
                u.business_phones = vec![format!("+1 425 555 {:04}", i % 10_000)];
                if rng.chance(0.6) {
                    u.mobile_phone = Some(format!("+1 206 555 {:04}", rng.below(10_000)));
                }
                u.assigned_license_skus = if rng.chance(0.9) {
                    vec![SKUS[rng.below(2)]]
                } else {
                    Vec::new()
                };
                if rng.chance(0.3) {
                    u.assigned_license_skus.push(SKUS[2]);
                }
            } else {
                u.job_title = Some("Shared resource".into());
            }
            u.office_location = Some(format!("{}/{}", place.4, 1000 + rng.below(9000)));
            u.city = Some(place.0.into());
            u.state = place.1.map(str::to_string);
            u.country = Some(place.2.into());
            u.usage_location = Some(place.3.into());
            u.preferred_language = Some(place.5.into());
            u.on_premises_sync_enabled = if rng.chance(0.4) { Some(true) } else { None };
        }
        if i == 1 {
            u.job_title = Some("Director of Engineering".into());
            u.account_enabled = true;
        }
        u.manager = manager;
        t.users.push(u);
    }
    for i in 1..n_members {
        let m = (i - 1) / FANOUT;
        t.users[m].reports.push(i as u32);
    }

    build_service_principals(&mut t, &mut rng);
    build_devices(&mut t, &mut rng, (n / 10).max(5));
    build_groups(&mut t, &mut rng, n_members, &level, &dept_of);
    build_roles(&mut t, &mut rng, n_members);
    t.build_indexes();
    t
}

fn title_for(i: usize, level: u8, dept: &str, rng: &mut Rng) -> String {
    match (i, level) {
        (0, _) => "Chief Executive Officer".into(),
        (_, 1) => format!("Director of {dept}"),
        (_, 2) => format!("Senior Manager, {dept}"),
        (_, 3) => format!("Manager, {dept}"),
        _ => (*rng.pick(TITLES_IC)).to_string(),
    }
}

fn date_between(rng: &mut Rng, from: i64, to: i64) -> String {
    let secs = from + rng.below((to - from) as usize) as i64;
    OffsetDateTime::from_unix_timestamp(secs)
        .ok()
        .and_then(|d| d.format(&Rfc3339).ok())
        .unwrap_or_else(|| "2020-01-01T00:00:00Z".into())
}

fn build_service_principals(t: &mut Tenant, rng: &mut Rng) {
    let microsoft = "f8cdef31-a31e-4b4a-93e4-5f571e91255a";
    let list: [(&str, String, Option<&str>); 7] = [
        ("Microsoft Graph", GRAPH_APP_ID.into(), Some(microsoft)),
        (
            "Microsoft Graph Command Line Tools",
            crate::sandbox::identity::PUBLIC_CLIENT_ID.into(),
            Some(microsoft),
        ),
        (
            "graphtui Sandbox Daemon",
            crate::sandbox::identity::SANDBOX_APP_ID.into(),
            None,
        ),
        (
            "graphtui Sandbox Reader",
            crate::sandbox::identity::SANDBOX_LIMITED_APP_ID.into(),
            None,
        ),
        ("HR Sync Connector", rng.guid(), None),
        ("Contoso Expenses", rng.guid(), None),
        ("Legacy Intranet (SAML)", rng.guid(), None),
    ];
    for (name, app_id, owner) in list {
        let tenant = t.tenant_id.clone();
        t.service_principals.push(ServicePrincipal {
            id: rng.guid(),
            app_id,
            display_name: name.into(),
            app_owner_organization_id: Some(owner.map(str::to_string).unwrap_or(tenant)),
            service_principal_type: "Application",
            account_enabled: true,
            tags: vec!["WindowsAzureActiveDirectoryIntegratedApp"],
        });
    }
}

fn build_devices(t: &mut Tenant, rng: &mut Rng, count: usize) {
    const OS: &[(&str, &str, &str)] = &[
        ("Windows", "10.0.22631.4317", "AzureAd"),
        ("Windows", "10.0.26100.2033", "ServerAd"),
        ("MacMDM", "14.6.1", "Workplace"),
        ("iOS", "18.0.1", "Workplace"),
        ("Android", "15.0", "Workplace"),
        ("Linux", "Ubuntu 24.04", "Workplace"),
    ];
    for i in 0..count {
        let (os, ver, trust) = *rng.pick(OS);
        let prefix = match os {
            "Windows" => "DESKTOP",
            "MacMDM" => "MBP",
            "iOS" => "IPHONE",
            "Android" => "PIXEL",
            _ => "LNX",
        };
        t.devices.push(Device {
            id: rng.guid(),
            device_id: rng.guid(),
            display_name: format!("{prefix}-{:05X}", (rng.next_u64() as usize + i) & 0xFFFFF),
            operating_system: os,
            operating_system_version: ver,
            account_enabled: !rng.chance(0.05),
            trust_type: trust,
            created_date_time: date_between(rng, 1_546_300_800, 1_751_241_600),
        });
    }
}

struct GroupSpec<'a> {
    name: String,
    description: Option<String>,
    kind: GroupKind,
    rule: Option<String>,
    members: Vec<ObjRef>,
    owners: Vec<ObjRef>,
    rng: &'a mut Rng,
}

#[derive(Clone, Copy, PartialEq)]
enum GroupKind {
    Security,
    Unified,
    MailSecurity,
    Distribution,
    Dynamic,
    RoleAssignable,
}

fn add_group(t: &mut Tenant, spec: GroupSpec<'_>) -> usize {
    let nick: String = spec
        .name
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .collect::<String>()
        .to_lowercase();
    let mail_enabled = matches!(
        spec.kind,
        GroupKind::Unified | GroupKind::MailSecurity | GroupKind::Distribution
    );
    let g = Group {
        id: spec.rng.guid(),
        display_name: spec.name,
        description: spec.description,
        mail: mail_enabled.then(|| format!("{nick}@{}", t.domain)),
        mail_nickname: nick,
        mail_enabled,
        security_enabled: !matches!(spec.kind, GroupKind::Unified | GroupKind::Distribution),
        group_types: match spec.kind {
            GroupKind::Unified => vec!["Unified"],
            GroupKind::Dynamic => vec!["DynamicMembership"],
            _ => vec![],
        },
        membership_rule: spec.rule,
        visibility: match spec.kind {
            GroupKind::Unified => Some(if spec.rng.chance(0.7) {
                "Private"
            } else {
                "Public"
            }),
            _ => None,
        },
        is_assignable_to_role: (spec.kind == GroupKind::RoleAssignable).then_some(true),
        created_date_time: date_between(spec.rng, 1_451_606_400, 1_751_241_600),
        classification: None,
        members: spec.members,
        owners: spec.owners,
    };
    t.groups.push(g);
    t.groups.len() - 1
}

fn build_groups(t: &mut Tenant, rng: &mut Rng, n_members: usize, level: &[u8], dept_of: &[usize]) {
    let n = t.users.len();
    let demo = ObjRef::user(1);
    let members: Vec<ObjRef> = (0..n_members).map(ObjRef::user).collect();
    add_group(
        t,
        GroupSpec {
            name: "All Employees".into(),
            description: Some("Every member account (dynamic)".into()),
            kind: GroupKind::Dynamic,
            rule: Some("(user.userType -eq \"Member\")".into()),
            members,
            owners: vec![],
            rng,
        },
    );
    // Department groups (dynamic, by department).
    let mut dept_groups = Vec::new();
    for (di, dept) in DEPARTMENTS.iter().enumerate() {
        let m: Vec<ObjRef> = (0..n_members)
            .filter(|i| dept_of[*i] == di && t.users[*i].department.is_some())
            .map(ObjRef::user)
            .collect();
        let idx = add_group(
            t,
            GroupSpec {
                name: format!("Dept - {dept}"),
                description: Some(format!("Everyone in {dept}")),
                kind: GroupKind::Dynamic,
                rule: Some(format!("(user.department -eq \"{dept}\")")),
                members: m,
                owners: vec![],
                rng,
            },
        );
        dept_groups.push(idx);
    }
    // Nesting chain: Nest L1 ⊃ Nest L2 ⊃ ... ⊃ Nest L6 ⊃ demo user.
    let mut chain = Vec::new();
    for lvl in (1..=6).rev() {
        let mut m = Vec::new();
        if let Some(&inner) = chain.last() {
            m.push(ObjRef::group(inner));
        } else {
            m.push(demo);
        }
        if lvl == 3 {
            m.push(ObjRef::group(dept_groups[0]));
        }
        let idx = add_group(
            t,
            GroupSpec {
                name: format!("Nest L{lvl}"),
                description: Some(format!("Nesting level {lvl} of 6")),
                kind: GroupKind::Security,
                rule: None,
                members: m,
                owners: vec![demo],
                rng,
            },
        );
        chain.push(idx);
    }
    // Team groups (Microsoft 365) for managers down to level 3.
    for (i, lvl) in level.iter().enumerate().take(n_members) {
        if *lvl <= 3 && !t.users[i].reports.is_empty() {
            let mut m = vec![ObjRef::user(i)];
            m.extend(t.users[i].reports.iter().map(|r| ObjRef::user(*r as usize)));
            let surname = t.users[i]
                .surname
                .clone()
                .unwrap_or_else(|| t.users[i].display_name.clone());
            add_group(
                t,
                GroupSpec {
                    name: format!("Team {surname} ({})", i),
                    description: Some(format!("{}'s team", t.users[i].display_name)),
                    kind: GroupKind::Unified,
                    rule: None,
                    members: m,
                    owners: vec![ObjRef::user(i)],
                    rng,
                },
            );
        }
    }
    // Mail-enabled security group and a distribution list.
    let few: Vec<ObjRef> = (0..n_members.min(12)).map(ObjRef::user).collect();
    add_group(
        t,
        GroupSpec {
            name: "Security Alerts".into(),
            description: Some("Mail-enabled security group".into()),
            kind: GroupKind::MailSecurity,
            rule: None,
            members: few.clone(),
            owners: vec![ObjRef::user(0)],
            rng,
        },
    );
    add_group(
        t,
        GroupSpec {
            name: "DL Announcements".into(),
            description: Some("Distribution list".into()),
            kind: GroupKind::Distribution,
            rule: None,
            members: few,
            owners: vec![demo],
            rng,
        },
    );
    // Empty groups.
    for name in ["Empty Project Team", "Decommissioned Group"] {
        let kind = if name.starts_with("Empty") {
            GroupKind::Unified
        } else {
            GroupKind::Security
        };
        add_group(
            t,
            GroupSpec {
                name: name.into(),
                description: None,
                kind,
                rule: None,
                members: vec![],
                owners: vec![],
                rng,
            },
        );
    }
    // Role-assignable group.
    let helpdesk: Vec<ObjRef> = [1usize, 2, 3, 13, 14]
        .iter()
        .filter(|i| **i < n_members)
        .map(|i| ObjRef::user(*i))
        .collect();
    add_group(
        t,
        GroupSpec {
            name: "Helpdesk Operators".into(),
            description: Some("Role-assignable group".into()),
            kind: GroupKind::RoleAssignable,
            rule: None,
            members: helpdesk,
            owners: vec![ObjRef::user(0)],
            rng,
        },
    );
    // Devices and service principals as members.
    let devs: Vec<ObjRef> = (0..t.devices.len().min(25))
        .map(|i| ObjRef {
            kind: Kind::Device,
            idx: i as u32,
        })
        .collect();
    add_group(
        t,
        GroupSpec {
            name: "Pilot Devices".into(),
            description: Some("Devices in the update pilot".into()),
            kind: GroupKind::Security,
            rule: None,
            members: devs,
            owners: vec![demo],
            rng,
        },
    );
    let mut auto: Vec<ObjRef> = (4..t.service_principals.len())
        .map(|i| ObjRef {
            kind: Kind::ServicePrincipal,
            idx: i as u32,
        })
        .collect();
    auto.push(ObjRef::user(n_members)); // a shared account
    auto.push(ObjRef::group(chain[5])); // Nest L1
    add_group(
        t,
        GroupSpec {
            name: "Automation Accounts".into(),
            description: Some("Mixed members: service principals, a user and a group".into()),
            kind: GroupKind::Security,
            rule: None,
            members: auto,
            owners: vec![
                demo,
                ObjRef {
                    kind: Kind::ServicePrincipal,
                    idx: 4,
                },
            ],
            rng,
        },
    );
    // Guests.
    let guests: Vec<ObjRef> = (0..n)
        .filter(|i| t.users[*i].user_type == "Guest")
        .map(ObjRef::user)
        .collect();
    add_group(
        t,
        GroupSpec {
            name: "External Partners".into(),
            description: Some("Guest accounts".into()),
            kind: GroupKind::Security,
            rule: None,
            members: guests,
            owners: vec![demo],
            rng,
        },
    );
    // Project groups: random members, some nesting (only into later projects: acyclic).
    let projects = (n / 100).max(10);
    let first = t.groups.len();
    for p in 0..projects {
        let size = 3 + rng.below(38);
        let mut m: Vec<ObjRef> = (0..size)
            .map(|_| ObjRef::user(rng.below(n_members)))
            .collect();
        if p % 4 == 0 {
            m.push(demo);
        }
        m.sort();
        m.dedup();
        if p + 1 < projects && rng.chance(0.25) {
            m.push(ObjRef::group(
                first + p + 1 + rng.below((projects - p - 1).min(5)),
            ));
        }
        let word = PROJECTS[p % PROJECTS.len()];
        let kind = if rng.chance(0.5) {
            GroupKind::Unified
        } else {
            GroupKind::Security
        };
        let owner = ObjRef::user(rng.below(n_members.min(300)));
        add_group(
            t,
            GroupSpec {
                name: format!("Project {word} {}", p / PROJECTS.len() + 1),
                description: Some(format!("Project {word} workspace")),
                kind,
                rule: None,
                members: m,
                owners: vec![owner],
                rng,
            },
        );
    }
}

fn build_roles(t: &mut Tenant, rng: &mut Rng, n_members: usize) {
    let specs: [(&str, &str, &str, Vec<u32>); 5] = [
        (
            "Global Administrator",
            "Can manage all aspects of Microsoft Entra ID and Microsoft services that use Microsoft Entra identities.",
            "62e90394-69f5-4237-9190-012177145e10",
            vec![0],
        ),
        (
            "User Administrator",
            "Can manage all aspects of users and groups, including resetting passwords for limited admins.",
            "fe930be7-5e62-47db-91af-98c3a49a38b1",
            vec![1, 2],
        ),
        (
            "Global Reader",
            "Can read everything that a Global Administrator can, but not update anything.",
            "f2ef992c-3afb-46b9-b7cf-a126ee74c451",
            vec![1, 3, 4],
        ),
        (
            "Groups Administrator",
            "Members of this role can create/manage groups, create/manage groups settings like naming and expiration policies, and view groups activity and audit reports.",
            "fdd7a751-b60b-444a-984c-02652fe8fa1c",
            vec![5, 13],
        ),
        (
            "Helpdesk Administrator",
            "Can reset passwords for non-administrators and Helpdesk Administrators.",
            "729827e3-9c14-49f7-bb1b-9608f156bbb8",
            vec![14, 15, 16],
        ),
    ];
    for (name, desc, template, members) in specs {
        t.roles.push(DirectoryRole {
            id: rng.guid(),
            display_name: name,
            description: desc,
            role_template_id: template,
            members: members
                .into_iter()
                .filter(|m| (*m as usize) < n_members)
                .collect(),
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deterministic_and_indexed() {
        let a = generate(300, 42);
        let b = generate(300, 42);
        assert_eq!(a.tenant_id, b.tenant_id);
        assert_eq!(a.users[100].id, b.users[100].id);
        assert_ne!(generate(300, 43).users[100].id, a.users[100].id);
        assert_eq!(a.users.len(), 300);
        for (i, u) in a.users.iter().enumerate() {
            assert_eq!(a.find_user(&u.user_principal_name), Some(i as u32));
            assert_eq!(a.find_user(&u.id.to_uppercase()), Some(i as u32));
        }
    }

    #[test]
    fn demo_user_shape() {
        let t = generate(500, 1);
        let d = &t.users[t.demo_user as usize];
        assert_eq!(
            d.user_principal_name,
            "megan.bowen@contoso-sandbox.onmicrosoft.com"
        );
        assert!(d.manager.is_some());
        assert!(!d.reports.is_empty());
        assert_eq!(t.role_template_ids(t.demo_user).len(), 2);
        let trans = t.transitive_member_of(ObjRef::user(1));
        let nests = trans
            .iter()
            .filter(|r| {
                r.kind == Kind::Group && t.groups[r.idx as usize].display_name.starts_with("Nest L")
            })
            .count();
        assert_eq!(nests, 6);
    }

    #[test]
    fn hard_cases_present() {
        let t = generate(500, 42);
        assert!(
            t.users
                .iter()
                .any(|u| u.user_principal_name.contains("#EXT#"))
        );
        assert!(
            t.users
                .iter()
                .any(|u| u.surname.as_deref() == Some("O'Brien"))
        );
        assert!(
            t.users
                .iter()
                .any(|u| u.manager.is_none() && u.user_type == "Member" && u.reports.is_empty())
        );
        assert!(t.groups.iter().any(|g| g.members.is_empty()));
        assert!(t.groups.iter().any(|g| g.group_types.contains(&"Unified")));
        assert!(t.groups.iter().any(|g| g.membership_rule.is_some()));
    }
}
