//! Typed directory objects. Unknown properties are kept in `extra`, so nothing Graph sends is lost.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// What kind of directory object an `@odata.type` names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ObjectKind {
    User,
    Group,
    Device,
    ServicePrincipal,
    Application,
    OrgContact,
    DirectoryRole,
    AdministrativeUnit,
    /// Another type, with its name (without `#microsoft.graph.`).
    Other(String),
    /// No `@odata.type` was sent.
    Unknown,
}

impl ObjectKind {
    /// From an `@odata.type` value such as `#microsoft.graph.group`.
    pub fn from_odata_type(t: Option<&str>) -> ObjectKind {
        let Some(t) = t else {
            return ObjectKind::Unknown;
        };
        let name = t
            .trim_start_matches('#')
            .trim_start_matches("microsoft.graph.");
        match name {
            "user" => ObjectKind::User,
            "group" => ObjectKind::Group,
            "device" => ObjectKind::Device,
            "servicePrincipal" => ObjectKind::ServicePrincipal,
            "application" => ObjectKind::Application,
            "orgContact" => ObjectKind::OrgContact,
            "directoryRole" => ObjectKind::DirectoryRole,
            "administrativeUnit" => ObjectKind::AdministrativeUnit,
            other => ObjectKind::Other(other.to_string()),
        }
    }

    /// A short label for lists.
    pub fn label(&self) -> &str {
        match self {
            ObjectKind::User => "user",
            ObjectKind::Group => "group",
            ObjectKind::Device => "device",
            ObjectKind::ServicePrincipal => "service principal",
            ObjectKind::Application => "application",
            ObjectKind::OrgContact => "contact",
            ObjectKind::DirectoryRole => "directory role",
            ObjectKind::AdministrativeUnit => "administrative unit",
            ObjectKind::Other(s) => s,
            ObjectKind::Unknown => "object",
        }
    }
}

/// Any directory object (members, memberOf, manager, directReports…).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct DirectoryObject {
    #[serde(
        rename = "@odata.type",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub odata_type: Option<String>,
    #[serde(default)]
    pub id: String,
    #[serde(
        rename = "displayName",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub display_name: Option<String>,
    /// Every other property, as sent.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl DirectoryObject {
    /// The kind from `@odata.type`.
    pub fn kind(&self) -> ObjectKind {
        ObjectKind::from_odata_type(self.odata_type.as_deref())
    }
}

/// A user (the default property set plus common `$select` ones).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct User {
    #[serde(
        rename = "@odata.type",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub odata_type: Option<String>,
    #[serde(default)]
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_principal_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mail: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub given_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub surname: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub job_title: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub department: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account_enabled: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_type: Option<String>,
    /// Every other property, as sent.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A group.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Group {
    #[serde(
        rename = "@odata.type",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub odata_type: Option<String>,
    #[serde(default)]
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mail: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mail_enabled: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub security_enabled: Option<bool>,
    /// `groupTypes` (e.g. `["Unified"]`); empty when absent.
    #[serde(default)]
    pub group_types: Vec<String>,
    /// Every other property, as sent.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn keeps_unknown_properties_and_kinds() {
        let v = json!({"@odata.type":"#microsoft.graph.group","id":"g1","displayName":null,"groupTypes":[],"custom_x":5});
        let o: DirectoryObject = serde_json::from_value(v.clone()).unwrap();
        assert_eq!(o.kind(), ObjectKind::Group);
        assert_eq!(o.extra["custom_x"], json!(5));
        let back = serde_json::to_value(&o).unwrap();
        assert_eq!(back["custom_x"], json!(5));
        let u: User = serde_json::from_value(
            json!({"id":"u","displayName":"Ann","onPremisesSyncEnabled":true}),
        )
        .unwrap();
        assert_eq!(u.display_name.as_deref(), Some("Ann"));
        assert_eq!(u.extra["onPremisesSyncEnabled"], json!(true));
        assert_eq!(
            ObjectKind::from_odata_type(Some("#microsoft.graph.servicePrincipal")),
            ObjectKind::ServicePrincipal
        );
        assert_eq!(ObjectKind::from_odata_type(None), ObjectKind::Unknown);
    }
}
