//! Graph's advanced-query rules for `$filter` and `$orderby` on users and groups
//! (graph-facts §6: aad-advanced-queries.md and the user.md / group.md property tables).
//!
//! Each filterable property lists the operators it takes by default and those that need
//! advanced mode (`ConsistencyLevel: eventual` plus `$count=true`).

use crate::odata::ast::{CompareOp, Expr, ExprKind, Function, LiteralValue};
use crate::sandbox::errors::GraphError;
use crate::sandbox::tenant::{Kind, properties_of};

/// Which rule set applies to a collection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RuleSet {
    Users,
    Groups,
    /// Relationship lists (memberOf, members, ...): any `$filter` / `$orderby` / `$search`
    /// needs advanced mode.
    Relationship,
    /// Devices, service principals, directory roles: eq/in/startsWith/ge/le by default,
    /// ne/not/endsWith/`$count` in advanced mode (the general rule of aad-advanced-queries).
    Other(Kind),
}

type Ops = &'static [&'static str];
const EQ_IN: Ops = &["eq", "in"];
const STR_DEFAULT: Ops = &["eq", "in", "startsWith", "ge", "le", "gt", "lt"];
const NE_NOT_NULL: Ops = &["ne", "not", "eqnull"];
const ALL_OPS: Ops = &[
    "eq",
    "ne",
    "not",
    "in",
    "startsWith",
    "ge",
    "le",
    "gt",
    "lt",
    "eqnull",
];

/// (property, default operators, advanced-only operators).
const USER_RULES: &[(&str, Ops, Ops)] = &[
    ("id", EQ_IN, &["ne", "not"]),
    ("accountEnabled", EQ_IN, &["ne", "not"]),
    ("displayName", STR_DEFAULT, NE_NOT_NULL),
    ("givenName", STR_DEFAULT, NE_NOT_NULL),
    ("surname", STR_DEFAULT, NE_NOT_NULL),
    ("jobTitle", STR_DEFAULT, NE_NOT_NULL),
    ("department", STR_DEFAULT, NE_NOT_NULL),
    ("city", STR_DEFAULT, NE_NOT_NULL),
    ("country", STR_DEFAULT, NE_NOT_NULL),
    ("state", STR_DEFAULT, NE_NOT_NULL),
    ("usageLocation", STR_DEFAULT, NE_NOT_NULL),
    ("preferredLanguage", EQ_IN, NE_NOT_NULL),
    ("mailNickname", STR_DEFAULT, NE_NOT_NULL),
    ("mail", STR_DEFAULT, &["ne", "not", "endsWith", "eqnull"]),
    ("userPrincipalName", STR_DEFAULT, &["ne", "not", "endsWith"]),
    (
        "otherMails",
        &["eq", "in", "startsWith", "ge", "le", "any"],
        &["not", "endsWith", "count"],
    ),
    (
        "proxyAddresses",
        &["eq", "startsWith", "ge", "le", "any"],
        &["not", "endsWith", "count"],
    ),
    ("assignedLicenses", &["eq", "any"], &["not", "count"]),
    (
        "businessPhones",
        &["eq", "startsWith", "ge", "le", "any"],
        &["not"],
    ),
    (
        "imAddresses",
        &["eq", "startsWith", "ge", "le", "any"],
        &["not"],
    ),
    ("userType", EQ_IN, NE_NOT_NULL),
    (
        "createdDateTime",
        &["eq", "ge", "le", "gt", "lt"],
        &["ne", "not", "in"],
    ),
    (
        "employeeId",
        &["eq", "startsWith"],
        &["ne", "not", "le", "ge", "in", "eqnull"],
    ),
    ("externalUserState", EQ_IN, NE_NOT_NULL),
    ("creationType", EQ_IN, NE_NOT_NULL),
    ("onPremisesSyncEnabled", EQ_IN, NE_NOT_NULL),
    ("companyName", &[], ALL_OPS),
    ("mobilePhone", &[], ALL_OPS),
    ("officeLocation", &[], ALL_OPS),
    ("postalCode", &[], ALL_OPS),
    ("employeeType", &[], ALL_OPS),
    ("employeeHireDate", &[], ALL_OPS),
    ("showInAddressList", &[], ALL_OPS),
    ("ageGroup", &[], ALL_OPS),
];

/// Group rules (group.md). `ne`/`not` are advanced-only by the general rule (§6.1).
/// createdDateTime is listed on group.md but fails in the advanced-queries doc: unsupported.
const GROUP_RULES: &[(&str, Ops, Ops)] = &[
    ("id", EQ_IN, &["ne", "not"]),
    ("displayName", STR_DEFAULT, NE_NOT_NULL),
    ("mail", STR_DEFAULT, NE_NOT_NULL),
    ("mailNickname", STR_DEFAULT, NE_NOT_NULL),
    ("preferredLanguage", STR_DEFAULT, NE_NOT_NULL),
    (
        "description",
        &["eq", "ge", "le", "startsWith"],
        &["ne", "not"],
    ),
    (
        "classification",
        &["eq", "ge", "le", "startsWith"],
        &["ne", "not"],
    ),
    (
        "membershipRule",
        &["eq", "ge", "le", "startsWith"],
        &["ne", "not"],
    ),
    ("groupTypes", &["eq", "any"], &["not"]),
    ("mailEnabled", &["eq"], &["ne", "not"]),
    ("securityEnabled", EQ_IN, &["ne", "not"]),
    ("isAssignableToRole", &["eq"], &["ne", "not"]),
    (
        "proxyAddresses",
        &["eq", "ge", "le", "startsWith", "any"],
        &["not", "endsWith", "count"],
    ),
    ("assignedLicenses", &["eq", "any"], &[]),
    (
        "expirationDateTime",
        &["eq", "ge", "le", "in"],
        &["ne", "not"],
    ),
    ("renewedDateTime", &["eq", "ge", "le", "in"], &["ne", "not"]),
    ("onPremisesSyncEnabled", EQ_IN, NE_NOT_NULL),
];

/// Properties `$orderby` takes without advanced mode.
fn default_sortable(set: RuleSet) -> &'static [&'static str] {
    match set {
        RuleSet::Users => &["displayName", "userPrincipalName"],
        RuleSet::Groups => &["displayName"],
        RuleSet::Relationship => &[],
        RuleSet::Other(_) => &["displayName"],
    }
}

/// The message Graph sends for an operator that needs advanced mode (aad-advanced-queries
/// doc sample for endsWith; the same template is used for ne and not [unverified wording]).
pub fn needs_advanced(op: &str) -> GraphError {
    GraphError::unsupported_query(format!(
        "Operator '{op}' is not supported because the required parameters might be missing. Try adding $count=true query parameter and ConsistencyLevel:eventual header. Refer to https://aka.ms/graph-docs/advanced-queries for more information"
    ))
}

/// `$filter` with `$orderby` (or `$orderby` on a non-default property) outside advanced mode.
pub fn sorting_not_supported() -> GraphError {
    GraphError::unsupported_query("Sorting not supported for current query.")
}

/// A filter clause on a property that does not take it.
pub fn unsupported_clause(property: &str, resource: &str) -> GraphError {
    GraphError::unsupported_query(format!(
        "Unsupported or invalid query filter clause specified for property '{property}' of resource '{resource}'."
    ))
}

/// An unknown property name.
pub fn unknown_property(property: &str, type_name: &str) -> GraphError {
    GraphError::odata_bad_request(format!(
        "Could not find a property named '{property}' on type 'microsoft.graph.{type_name}'."
    ))
}

fn resource_of(set: RuleSet) -> (&'static str, &'static str, Kind) {
    match set {
        RuleSet::Users => ("User", "user", Kind::User),
        RuleSet::Groups => ("Group", "group", Kind::Group),
        RuleSet::Relationship => ("DirectoryObject", "directoryObject", Kind::User),
        RuleSet::Other(Kind::Device) => ("Device", "device", Kind::Device),
        RuleSet::Other(Kind::ServicePrincipal) => (
            "ServicePrincipal",
            "servicePrincipal",
            Kind::ServicePrincipal,
        ),
        RuleSet::Other(Kind::DirectoryRole) => {
            ("DirectoryRole", "directoryRole", Kind::DirectoryRole)
        }
        RuleSet::Other(Kind::User) => ("User", "user", Kind::User),
        RuleSet::Other(Kind::Group) => ("Group", "group", Kind::Group),
    }
}

/// A property of any directory kind (for relationship lists), canonical spelling.
fn any_kind_property(name: &str) -> Option<&'static str> {
    [
        Kind::User,
        Kind::Group,
        Kind::Device,
        Kind::ServicePrincipal,
        Kind::DirectoryRole,
    ]
    .iter()
    .flat_map(|k| properties_of(*k).iter().copied())
    .find(|p| p.eq_ignore_ascii_case(name))
}

/// Canonical spelling of a property of the rule set's resource, or the OData error.
pub fn canonical_property(set: RuleSet, name: &str) -> Result<&'static str, GraphError> {
    let (_, type_name, kind) = resource_of(set);
    let found = if set == RuleSet::Relationship {
        any_kind_property(name)
    } else {
        properties_of(kind)
            .iter()
            .copied()
            .find(|p| p.eq_ignore_ascii_case(name))
    };
    found.ok_or_else(|| unknown_property(name, type_name))
}

/// One (property, operator) use found in a filter.
#[derive(Debug, Clone, PartialEq)]
struct Use {
    property: String,
    op: &'static str,
}

fn collect(e: &Expr, lambda: Option<(&str, &str)>, out: &mut Vec<Use>) {
    // Resolves a path operand to the property it names (`x` inside a lambda names the collection).
    let prop_of = |p: &crate::odata::ast::PropertyPath| -> Option<String> {
        if p.from_variable {
            lambda.map(|(_, coll)| coll.to_string())
        } else {
            p.segments.first().map(|s| s.name.clone())
        }
    };
    match &e.kind {
        ExprKind::Compare {
            left, op, right, ..
        } => {
            let (path, lit) = match (left.as_path(), right.as_path()) {
                (Some(p), _) => (Some(p), right.as_literal()),
                (None, Some(p)) => (Some(p), left.as_literal()),
                _ => (None, None),
            };
            if let Some(p) = path {
                if let Some(prop) = prop_of(p) {
                    let is_null = lit.is_some_and(|l| l.value == LiteralValue::Null);
                    let op_name = if p.ends_with_count() {
                        "count"
                    } else if is_null && *op == CompareOp::Eq {
                        "eqnull"
                    } else {
                        op.as_str()
                    };
                    out.push(Use {
                        property: prop,
                        op: op_name,
                    });
                }
            } else {
                collect(left, lambda, out);
                collect(right, lambda, out);
            }
        }
        ExprKind::In { left, .. } => {
            if let Some(prop) = left.as_path().and_then(prop_of) {
                out.push(Use {
                    property: prop,
                    op: "in",
                });
            }
        }
        ExprKind::And(items) | ExprKind::Or(items) => {
            items.iter().for_each(|i| collect(i, lambda, out));
        }
        ExprKind::Not { expr, .. } => {
            let mut inner = Vec::new();
            collect(expr, lambda, &mut inner);
            for u in &inner {
                out.push(Use {
                    property: u.property.clone(),
                    op: "not",
                });
            }
            out.extend(inner);
        }
        ExprKind::Call(call) => {
            let op = match call.function() {
                Some(Function::StartsWith) => "startsWith",
                Some(Function::EndsWith) => "endsWith",
                Some(Function::Contains) => "contains",
                None => "unknown",
            };
            if let Some(prop) = call
                .args
                .first()
                .and_then(|a| a.as_path())
                .and_then(prop_of)
            {
                out.push(Use { property: prop, op });
            }
        }
        ExprKind::Lambda(l) => {
            let coll = l
                .collection
                .segments
                .first()
                .map(|s| s.name.clone())
                .unwrap_or_default();
            out.push(Use {
                property: coll.clone(),
                op: "any",
            });
            if let (Some(body), Some((var, _))) = (&l.body, &l.variable) {
                collect(body, Some((var.as_str(), coll.as_str())), out);
            }
        }
        ExprKind::Path(p) => {
            // A bare boolean property (`accountEnabled`) acts as `eq true`.
            if let Some(prop) = prop_of(p) {
                out.push(Use {
                    property: prop,
                    op: "eq",
                });
            }
        }
        ExprKind::Literal(_) => {}
    }
}

/// Checks a parsed `$filter` against the rules; `advanced` = header + `$count=true`.
pub fn check_filter(set: RuleSet, expr: &Expr, advanced: bool) -> Result<(), GraphError> {
    let (resource, _, _) = resource_of(set);
    let mut uses = Vec::new();
    collect(expr, None, &mut uses);
    if set == RuleSet::Relationship {
        for u in &uses {
            canonical_property(set, &u.property)?;
        }
        if !advanced {
            return Err(GraphError::unsupported_query(
                "The specified filter to the reference property query is currently not supported.",
            ));
        }
        return Ok(());
    }
    if let RuleSet::Other(_) = set {
        for u in &uses {
            let canon = canonical_property(set, &u.property)?;
            match u.op {
                "contains" | "unknown" | "has" => return Err(unsupported_clause(canon, resource)),
                "ne" | "not" | "endsWith" | "count" | "eqnull" if !advanced => {
                    return Err(needs_advanced(match u.op {
                        "eqnull" => "eq",
                        "count" => "$count",
                        other => other,
                    }));
                }
                _ => {}
            }
        }
        return Ok(());
    }
    let table = if set == RuleSet::Users {
        USER_RULES
    } else {
        GROUP_RULES
    };
    for u in &uses {
        let canon = canonical_property(set, &u.property)?;
        let Some((_, default, adv)) = table.iter().find(|(p, _, _)| *p == canon) else {
            return Err(unsupported_clause(canon, resource));
        };
        if u.op == "contains" || u.op == "unknown" {
            return Err(unsupported_clause(canon, resource));
        }
        // `any` lambdas and the operators inside them are checked by their own entries.
        if default.contains(&u.op) {
            continue;
        }
        // `eq null` is also fine wherever plain eq is, in advanced mode.
        if adv.contains(&u.op) || (u.op == "eqnull" && default.contains(&"eq")) {
            if !advanced {
                let shown = match u.op {
                    "eqnull" => "eq",
                    "count" => "$count",
                    other => other,
                };
                return Err(needs_advanced(shown));
            }
            continue;
        }
        return Err(unsupported_clause(canon, resource));
    }
    Ok(())
}

/// Checks `$orderby` properties: unknown → BadRequest; outside advanced mode only the
/// default sortable properties, and never together with `$filter`.
pub fn check_orderby(
    set: RuleSet,
    props: &[String],
    with_filter: bool,
    advanced: bool,
) -> Result<(), GraphError> {
    for p in props {
        let canon = canonical_property(set, p)?;
        if !advanced && !default_sortable(set).contains(&canon) {
            return Err(sorting_not_supported());
        }
    }
    if with_filter && !advanced && !props.is_empty() {
        return Err(sorting_not_supported());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::odata::filter::parse;

    fn check(set: RuleSet, f: &str, adv: bool) -> Result<(), String> {
        let e = parse(f).map_err(|e| e.message)?;
        check_filter(set, &e, adv).map_err(|e| e.message)
    }

    #[test]
    fn default_and_advanced_operators() {
        assert!(check(RuleSet::Users, "startsWith(displayName,'a')", false).is_ok());
        assert!(check(RuleSet::Users, "userType eq 'Guest'", false).is_ok());
        let e = check(RuleSet::Users, "endsWith(mail,'@contoso.com')", false).unwrap_err();
        assert!(e.starts_with(
            "Operator 'endsWith' is not supported because the required parameters might be missing."
        ));
        assert!(check(RuleSet::Users, "endsWith(mail,'@contoso.com')", true).is_ok());
        assert!(
            check(RuleSet::Users, "displayName ne 'x'", false)
                .unwrap_err()
                .contains("'ne'")
        );
        assert!(
            check(RuleSet::Users, "not(displayName eq 'x')", false)
                .unwrap_err()
                .contains("'not'")
        );
        assert_eq!(
            check(RuleSet::Users, "faxNumber eq 'x'", true).unwrap_err(),
            "Unsupported or invalid query filter clause specified for property 'faxNumber' of resource 'User'."
        );
        assert_eq!(
            check(
                RuleSet::Groups,
                "createdDateTime ge 2021-01-01T00:00:00Z",
                true
            )
            .unwrap_err(),
            "Unsupported or invalid query filter clause specified for property 'createdDateTime' of resource 'Group'."
        );
        assert!(
            check(RuleSet::Users, "nope eq 1", true)
                .unwrap_err()
                .contains("Could not find a property named 'nope'")
        );
        assert!(
            check(
                RuleSet::Users,
                "proxyAddresses/any(p:startsWith(p,'smtp:'))",
                false
            )
            .is_ok()
        );
        assert!(
            check(
                RuleSet::Users,
                "proxyAddresses/any(p:endsWith(p,'.com'))",
                false
            )
            .is_err()
        );
        assert!(check(RuleSet::Users, "assignedLicenses/$count eq 0", false).is_err());
        assert!(check(RuleSet::Users, "assignedLicenses/$count eq 0", true).is_ok());
        assert!(check(RuleSet::Groups, "groupTypes/any(c:c eq 'Unified')", false).is_ok());
        assert!(check(RuleSet::Relationship, "displayName eq 'x'", false).is_err());
    }

    #[test]
    fn orderby_rules() {
        let p = |s: &str| vec![s.to_string()];
        assert!(check_orderby(RuleSet::Users, &p("displayName"), false, false).is_ok());
        assert!(check_orderby(RuleSet::Users, &p("displayName"), true, false).is_err());
        assert!(check_orderby(RuleSet::Users, &p("jobTitle"), false, false).is_err());
        assert!(check_orderby(RuleSet::Users, &p("jobTitle"), true, true).is_ok());
    }
}
