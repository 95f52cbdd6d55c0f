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

impl Tenant {
    /// The full JSON object (every property) of any object, without `@odata.type`.
    pub fn full_json(&self, r: ObjRef) -> Map<String, Value> {
        let i = r.idx as usize;
        let v = match r.kind {
            Kind::User => self.user_json(&self.users[i]),
            Kind::Group => self.group_json(&self.groups[i]),
            Kind::Device => {
                let d = &self.devices[i];
                json!({
                    "id": d.id, "deletedDateTime": null, "accountEnabled": d.account_enabled,
                    "createdDateTime": d.created_date_time, "deviceId": d.device_id,
                    "displayName": d.display_name, "operatingSystem": d.operating_system,
                    "operatingSystemVersion": d.operating_system_version, "trustType": d.trust_type,
                })
            }
            Kind::ServicePrincipal => {
                let s = &self.service_principals[i];
                json!({
                    "id": s.id, "deletedDateTime": null, "accountEnabled": s.account_enabled,
                    "appDisplayName": s.display_name, "appId": s.app_id,
                    "appOwnerOrganizationId": s.app_owner_organization_id,
                    "displayName": s.display_name, "servicePrincipalType": s.service_principal_type,
                    "tags": s.tags,
                })
            }
            Kind::DirectoryRole => {
                let d = &self.roles[i];
                json!({
                    "id": d.id, "deletedDateTime": null, "description": d.description,
                    "displayName": d.display_name, "roleTemplateId": d.role_template_id,
                })
            }
        };
        match v {
            Value::Object(m) => m,
            _ => Map::new(),
        }
    }

    fn user_json(&self, u: &User) -> Value {
        let licenses: Vec<Value> = u
            .assigned_license_skus
            .iter()
            .map(|s| json!({"disabledPlans": [], "skuId": s}))
            .collect();
        json!({
            "id": u.id,
            "deletedDateTime": null,
            "accountEnabled": u.account_enabled,
            "ageGroup": null,
            "assignedLicenses": licenses,
            "businessPhones": u.business_phones,
            "city": opt(&u.city),
            "companyName": opt(&u.company_name),
            "country": opt(&u.country),
            "createdDateTime": u.created_date_time,
            "creationType": u.creation_type,
            "department": opt(&u.department),
            "displayName": u.display_name,
            "employeeHireDate": null,
            "employeeId": opt(&u.employee_id),
            "employeeType": opt(&u.employee_type),
            "externalUserState": u.external_user_state,
            "faxNumber": null,
            "givenName": opt(&u.given_name),
            "imAddresses": [],
            "jobTitle": opt(&u.job_title),
            "mail": opt(&u.mail),
            "mailNickname": u.mail_nickname,
            "mobilePhone": opt(&u.mobile_phone),
            "officeLocation": opt(&u.office_location),
            "onPremisesSyncEnabled": u.on_premises_sync_enabled,
            "otherMails": u.other_mails,
            "postalCode": null,
            "preferredLanguage": opt(&u.preferred_language),
            "proxyAddresses": u.proxy_addresses,
            "showInAddressList": null,
            "state": opt(&u.state),
            "streetAddress": null,
            "surname": opt(&u.surname),
            "usageLocation": opt(&u.usage_location),
            "userPrincipalName": u.user_principal_name,
            "userType": u.user_type,
        })
    }

    fn group_json(&self, g: &Group) -> Value {
        let proxies: Vec<String> = g
            .mail
            .as_ref()
            .map(|m| vec![format!("SMTP:{m}")])
            .unwrap_or_default();
        let unified = g.group_types.contains(&"Unified");
        json!({
            "id": g.id,
            "deletedDateTime": null,
            "classification": g.classification,
            "createdDateTime": g.created_date_time,
            "creationOptions": if unified { json!(["Team"]) } else { json!([]) },
            "description": opt(&g.description),
            "displayName": g.display_name,
            "expirationDateTime": null,
            "groupTypes": g.group_types,
            "isAssignableToRole": g.is_assignable_to_role,
            "mail": opt(&g.mail),
            "mailEnabled": g.mail_enabled,
            "mailNickname": g.mail_nickname,
            "membershipRule": opt(&g.membership_rule),
            "membershipRuleProcessingState": g.membership_rule.as_ref().map(|_| "On"),
            "onPremisesSyncEnabled": null,
            "preferredDataLocation": null,
            "preferredLanguage": null,
            "proxyAddresses": proxies,
            "renewedDateTime": g.created_date_time,
            "resourceBehaviorOptions": [],
            "resourceProvisioningOptions": if unified { json!(["Team"]) } else { json!([]) },
            "securityEnabled": g.security_enabled,
            "securityIdentifier": format!("S-1-12-1-{}", g.id.bytes().fold(0u32, |a, b| a.wrapping_mul(31).wrapping_add(b as u32))),
            "theme": null,
            "visibility": g.visibility,
        })
    }
}
