//! JSON forms of directory objects, with every property Graph returns for them.

use super::*;
use serde_json::{Map, Value, json};

/// Properties a user has (valid in `$select`), in Graph's schema order.
pub const USER_PROPERTIES: &[&str] = &[
    "id",
    "deletedDateTime",
    "accountEnabled",
    "ageGroup",
    "assignedLicenses",
    "businessPhones",
    "city",
    "companyName",
    "country",
    "createdDateTime",
    "creationType",
    "department",
    "displayName",
    "employeeHireDate",
    "employeeId",
    "employeeType",
    "externalUserState",
    "faxNumber",
    "givenName",
    "imAddresses",
    "jobTitle",
    "mail",
    "mailNickname",
    "mobilePhone",
    "officeLocation",
    "onPremisesSyncEnabled",
    "otherMails",
    "postalCode",
    "preferredLanguage",
    "proxyAddresses",
    "showInAddressList",
    "state",
    "streetAddress",
    "surname",
    "usageLocation",
    "userPrincipalName",
    "userType",
];

/// What `GET /users` returns without `$select` (graph-facts §6.3, the user-delta example).
pub const DEFAULT_USER_PROPERTIES: &[&str] = &[
    "businessPhones",
    "displayName",
    "givenName",
    "jobTitle",
    "mail",
    "mobilePhone",
    "officeLocation",
    "preferredLanguage",
    "surname",
    "userPrincipalName",
    "id",
];

/// Properties a token with only User.ReadBasic.All may read. The permissions reference
/// lists "display name, first and last name, email address, open extensions and photo";
/// id and userPrincipalName are also returned in practice [unverified exact list].
pub const USER_BASIC_PROPERTIES: &[&str] = &[
    "id",
    "displayName",
    "givenName",
    "surname",
    "mail",
    "userPrincipalName",
];

/// Properties a group has, in Graph's schema order (the default set is all of them).
pub const GROUP_PROPERTIES: &[&str] = &[
    "id",
    "deletedDateTime",
    "classification",
    "createdDateTime",
    "creationOptions",
    "description",
    "displayName",
    "expirationDateTime",
    "groupTypes",
    "isAssignableToRole",
    "mail",
    "mailEnabled",
    "mailNickname",
    "membershipRule",
    "membershipRuleProcessingState",
    "onPremisesSyncEnabled",
    "preferredDataLocation",
    "preferredLanguage",
    "proxyAddresses",
    "renewedDateTime",
    "resourceBehaviorOptions",
    "resourceProvisioningOptions",
    "securityEnabled",
    "securityIdentifier",
    "theme",
    "visibility",
];

const DEVICE_PROPERTIES: &[&str] = &[
    "id",
    "deletedDateTime",
    "accountEnabled",
    "createdDateTime",
    "deviceId",
    "displayName",
    "operatingSystem",
    "operatingSystemVersion",
    "trustType",
];

const SP_PROPERTIES: &[&str] = &[
    "id",
    "deletedDateTime",
    "accountEnabled",
    "appDisplayName",
    "appId",
    "appOwnerOrganizationId",
    "displayName",
    "servicePrincipalType",
    "tags",
];

const ROLE_PROPERTIES: &[&str] = &[
    "id",
    "deletedDateTime",
    "description",
    "displayName",
    "roleTemplateId",
];

/// Every property of a kind (what `$select` accepts).
pub fn properties_of(kind: Kind) -> &'static [&'static str] {
    match kind {
        Kind::User => USER_PROPERTIES,
        Kind::Group => GROUP_PROPERTIES,
        Kind::Device => DEVICE_PROPERTIES,
        Kind::ServicePrincipal => SP_PROPERTIES,
        Kind::DirectoryRole => ROLE_PROPERTIES,
    }
}

fn opt(s: &Option<String>) -> Value {
    s.as_ref().map_or(Value::Null, |v| Value::String(v.clone()))
}

fn strs<S: AsRef<str>>(v: &[S]) -> Value {
    Value::Array(
        v.iter()
            .map(|s| Value::String(s.as_ref().to_string()))
            .collect(),
    )
}

impl Tenant {
    /// The full JSON object (every property) of any object, without `@odata.type`.
    pub fn full_json(&self, r: ObjRef) -> Map<String, Value> {
        properties_of(r.kind)
            .iter()
            .map(|p| (p.to_string(), self.prop(r, p)))
            .collect()
    }

    /// One property of an object (null when unset or unknown). Rendering property by
    /// property keeps a page of 999 users cheap.
    pub fn prop(&self, r: ObjRef, name: &str) -> Value {
        let i = r.idx as usize;
        match r.kind {
            Kind::User => self.user_prop(&self.users[i], name),
            Kind::Group => self.group_prop(&self.groups[i], name),
            Kind::Device => {
                let d = &self.devices[i];
                match name {
                    "id" => json!(d.id),
                    "accountEnabled" => json!(d.account_enabled),
                    "createdDateTime" => json!(d.created_date_time),
                    "deviceId" => json!(d.device_id),
                    "displayName" => json!(d.display_name),
                    "operatingSystem" => json!(d.operating_system),
                    "operatingSystemVersion" => json!(d.operating_system_version),
                    "trustType" => json!(d.trust_type),
                    _ => Value::Null,
                }
            }
            Kind::ServicePrincipal => {
                let s = &self.service_principals[i];
                match name {
                    "id" => json!(s.id),
                    "accountEnabled" => json!(s.account_enabled),
                    "appDisplayName" | "displayName" => json!(s.display_name),
                    "appId" => json!(s.app_id),
                    "appOwnerOrganizationId" => opt(&s.app_owner_organization_id),
                    "servicePrincipalType" => json!(s.service_principal_type),
                    "tags" => strs(&s.tags),
                    _ => Value::Null,
                }
            }
            Kind::DirectoryRole => {
                let d = &self.roles[i];
                match name {
                    "id" => json!(d.id),
                    "description" => json!(d.description),
                    "displayName" => json!(d.display_name),
                    "roleTemplateId" => json!(d.role_template_id),
                    _ => Value::Null,
                }
            }
        }
    }

    fn user_prop(&self, u: &User, name: &str) -> Value {
        match name {
            "id" => json!(u.id),
            "accountEnabled" => json!(u.account_enabled),
            "assignedLicenses" => Value::Array(
                u.assigned_license_skus
                    .iter()
                    .map(|s| json!({"disabledPlans": [], "skuId": s}))
                    .collect(),
            ),
            "businessPhones" => strs(&u.business_phones),
            "city" => opt(&u.city),
            "companyName" => opt(&u.company_name),
            "country" => opt(&u.country),
            "createdDateTime" => json!(u.created_date_time),
            "creationType" => json!(u.creation_type),
            "department" => opt(&u.department),
            "displayName" => json!(u.display_name),
            "employeeId" => opt(&u.employee_id),
            "employeeType" => opt(&u.employee_type),
            "externalUserState" => json!(u.external_user_state),
            "givenName" => opt(&u.given_name),
            "imAddresses" => json!([]),
            "jobTitle" => opt(&u.job_title),
            "mail" => opt(&u.mail),
            "mailNickname" => json!(u.mail_nickname),
            "mobilePhone" => opt(&u.mobile_phone),
            "officeLocation" => opt(&u.office_location),
            "onPremisesSyncEnabled" => json!(u.on_premises_sync_enabled),
            "otherMails" => strs(&u.other_mails),
            "preferredLanguage" => opt(&u.preferred_language),
            "proxyAddresses" => strs(&u.proxy_addresses),
            "state" => opt(&u.state),
            "surname" => opt(&u.surname),
            "usageLocation" => opt(&u.usage_location),
            "userPrincipalName" => json!(u.user_principal_name),
            "userType" => json!(u.user_type),
            _ => Value::Null,
        }
    }

    fn group_prop(&self, g: &Group, name: &str) -> Value {
        let unified = g.group_types.contains(&"Unified");
        match name {
            "id" => json!(g.id),
            "classification" => json!(g.classification),
            "createdDateTime" | "renewedDateTime" => json!(g.created_date_time),
            "creationOptions" | "resourceProvisioningOptions" => {
                if unified {
                    json!(["Team"])
                } else {
                    json!([])
                }
            }
            "description" => opt(&g.description),
            "displayName" => json!(g.display_name),
            "groupTypes" => strs(&g.group_types),
            "isAssignableToRole" => json!(g.is_assignable_to_role),
            "mail" => opt(&g.mail),
            "mailEnabled" => json!(g.mail_enabled),
            "mailNickname" => json!(g.mail_nickname),
            "membershipRule" => opt(&g.membership_rule),
            "membershipRuleProcessingState" => json!(g.membership_rule.as_ref().map(|_| "On")),
            "proxyAddresses" => Value::Array(
                g.mail
                    .iter()
                    .map(|m| Value::String(format!("SMTP:{m}")))
                    .collect(),
            ),
            "resourceBehaviorOptions" => json!([]),
            "securityEnabled" => json!(g.security_enabled),
            "securityIdentifier" => json!(format!(
                "S-1-12-1-{}",
                g.id.bytes()
                    .fold(0u32, |a, b| a.wrapping_mul(31).wrapping_add(b as u32))
            )),
            "visibility" => json!(g.visibility),
            _ => Value::Null,
        }
    }
}
