//! Graph's advanced-query rules for `$filter` and `$orderby` on directory collections.
//!
//! Which operator works on which property, by default or only in advanced mode
//! (`ConsistencyLevel: eventual` plus `$count=true`), and which properties sort by default,
//! come from the capability table the linter uses (`assets/capabilities.toml`, through
//! [`crate::odata::capabilities::capabilities`]), so the sandbox and the linter cannot drift
//! apart. This module keeps what the table cannot say: the exact Graph error bodies, the
//! rules of relationship lists (any `$filter`/`$orderby` needs advanced mode), directory
//! roles (no table rows: the general rule of aad-advanced-queries.md), `$filter` with
//! `$orderby`, and `$expand` with advanced queries.

use crate::odata::ast::{CompareOp, Expr, ExprKind, Function, LiteralValue, PropertyPath};
use crate::odata::capabilities::{
    ComplexType, Entity, FilterOp, Mode, PropType, Property, SelectKind, capabilities,
};
use crate::sandbox::errors::GraphError;
use crate::sandbox::tenant::{Kind, properties_of};
use std::sync::OnceLock;

/// Which rule set applies to a collection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RuleSet {
    Users,
    Groups,
    /// Relationship lists (memberOf, members, ...): any `$filter` / `$orderby` / `$search`
    /// needs advanced mode.
    Relationship,
    /// Devices, service principals (their capability-table rows) and directory roles (no
    /// rows: eq/in/startsWith/ge/le by default, ne/not/endsWith/null/`$count` in advanced
    /// mode, the general rule of aad-advanced-queries).
    Other(Kind),
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

/// The capability-table entity whose rows govern a rule set; None where the table has no
/// rows (directory roles), which then follow [`general_rule`].
fn entity_of(set: RuleSet) -> Option<&'static Entity> {
    let name = match set {
        RuleSet::Users | RuleSet::Other(Kind::User) => "user",
        RuleSet::Groups | RuleSet::Other(Kind::Group) => "group",
        RuleSet::Relationship => "directoryObject",
        RuleSet::Other(Kind::Device) => "device",
        RuleSet::Other(Kind::ServicePrincipal) => "servicePrincipal",
        RuleSet::Other(Kind::DirectoryRole) => return None,
    };
    capabilities().entity(name)
}

/// The row used for properties of kinds the capability table does not describe: the
/// general rule of aad-advanced-queries.md (eq, in, startsWith, ge, le by default; ne, not,
/// endsWith, null and `/$count` only in advanced mode).
fn general_rule() -> &'static Property {
    static ROW: OnceLock<Property> = OnceLock::new();
    ROW.get_or_init(|| Property {
        name: String::new(),
        ty: PropType::parse("String"),
        filter_default: vec![
            FilterOp::Eq,
            FilterOp::In,
            FilterOp::StartsWith,
            FilterOp::Ge,
            FilterOp::Le,
        ],
        filter_advanced: vec![
            FilterOp::Ne,
            FilterOp::Not,
            FilterOp::EndsWith,
            FilterOp::Null,
            FilterOp::Count,
        ],
        orderby: None,
        search: None,
        select: SelectKind::Select,
        values: Vec::new(),
        advanced_filter: true,
        verified: false,
        note: None,
    })
}

/// A property of any directory kind the sandbox models (for relationship lists).
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

/// What a top-level property name refers to.
struct Top {
    /// Canonical spelling.
    name: String,
    /// Its capability row; None when Graph has the property but it cannot be filtered or
    /// sorted (a sandbox-only property without a row).
    row: Option<&'static Property>,
}

/// Looks a top-level property up: the capability table first (Graph knows every property
/// there, whether the sandbox stores it or not), then the sandbox's own property lists.
fn lookup(set: RuleSet, name: &str) -> Result<Top, GraphError> {
    let (_, type_name, kind) = resource_of(set);
    if let Some(entity) = entity_of(set)
        && let Some(p) = entity.property(name)
    {
        return Ok(Top {
            name: p.name.clone(),
            row: Some(p),
        });
    }
    let found = if set == RuleSet::Relationship {
        any_kind_property(name)
    } else {
        properties_of(kind)
            .iter()
            .copied()
            .find(|p| p.eq_ignore_ascii_case(name))
    };
    match found {
        Some(p) if entity_of(set).is_none() => Ok(Top {
            name: p.to_string(),
            row: Some(general_rule()),
        }),
        Some(p) => Ok(Top {
            name: p.to_string(),
            row: None,
        }),
        None => Err(unknown_property(name, type_name)),
    }
}

/// A path resolved against the table: the row whose operators apply.
struct Resolved {
    /// Canonical top-level property name (for messages).
    name: String,
    /// The row whose operators apply (the sub-property's when it has its own list, as in
    /// the linter); None: not filterable.
    row: Option<&'static Property>,
    /// The top-level row (where `/$count` support is listed).
    top: Option<&'static Property>,
    /// The value is a collection compared without a lambda.
    collection: bool,
    /// The path ends in `/$count`.
    count: bool,
}

/// A lambda range variable in scope.
struct Binding {
    var: String,
    /// Canonical name of the collection property.
    name: String,
    row: &'static Property,
    complex: Option<&'static ComplexType>,
}

/// Something advanced mode is needed for.
struct Need {
    /// The operator as Graph's message names it.
    op: String,
    /// The property it applies to.
    property: String,
    /// The property has no default operator at all (it lives only in the advanced index).
    advanced_only_property: bool,
}

struct Checker {
    set: RuleSet,
    resource: &'static str,
    scope: Vec<Binding>,
    needs: Vec<Need>,
    /// The last top-level property seen (names a `not` need).
    last_property: Option<String>,
    /// Properties used whose filter fails in advanced queries (`advanced_filter = false`).
    default_only: Vec<String>,
}

fn op_name(op: FilterOp) -> &'static str {
    match op {
        FilterOp::Null => "eq",
        FilterOp::Count => "$count",
        other => other.as_str(),
    }
}

impl Checker {
    fn unsupported(&self, property: &str) -> GraphError {
        unsupported_clause(property, self.resource)
    }

    /// Remembers a top-level property use.
    fn note_top(&mut self, top: &Top) {
        self.last_property = Some(top.name.clone());
        if top.row.is_some_and(|r| !r.advanced_filter) && !self.default_only.contains(&top.name) {
            self.default_only.push(top.name.clone());
        }
    }

    fn resolve(&mut self, p: &PropertyPath) -> Result<Resolved, GraphError> {
        let first = p.segments.first().map(|s| s.name.as_str()).unwrap_or("");
        if p.from_variable {
            let Some(b) = self.scope.iter().rev().find(|b| b.var == first) else {
                return Err(GraphError::odata_bad_request(format!(
                    "Invalid filter clause: the range variable '{first}' is not in scope."
                )));
            };
            let (name, brow, complex) = (b.name.clone(), b.row, b.complex);
            self.last_property = Some(name.clone());
            let row = match (p.segments.get(1), complex) {
                (None, _) => brow,
                (Some(seg), Some(c)) => match c.property(&seg.name) {
                    Some(sub) if sub.filterable() => sub,
                    Some(_) => brow,
                    None => return Err(unknown_property(&seg.name, &c.name)),
                },
                (Some(seg), None) => return Err(unknown_property(&seg.name, "string")),
            };
            return Ok(Resolved {
                name,
                row: Some(row),
                top: Some(brow),
                collection: false,
                count: false,
            });
        }
        let top = lookup(self.set, first)?;
        self.note_top(&top);
        let Some(row) = top.row else {
            return Ok(Resolved {
                name: top.name,
                row: None,
                top: None,
                collection: false,
                count: false,
            });
        };
        match p.segments.get(1) {
            None => Ok(Resolved {
                name: top.name,
                row: Some(row),
                top: Some(row),
                collection: row.ty.collection,
                count: false,
            }),
            Some(seg) if seg.is_count() => {
                if !row.ty.collection {
                    return Err(self.unsupported(&top.name));
                }
                Ok(Resolved {
                    name: top.name,
                    row: Some(row),
                    top: Some(row),
                    collection: false,
                    count: true,
                })
            }
            Some(seg) => {
                if row.ty.collection {
                    return Err(self.unsupported(&top.name));
                }
                let Some(c) = capabilities().complex_of(row) else {
                    return Err(self.unsupported(&top.name));
                };
                let sub = c
                    .property(&seg.name)
                    .ok_or_else(|| unknown_property(&seg.name, &c.name))?;
                Ok(Resolved {
                    name: top.name,
                    row: Some(if sub.filterable() { sub } else { row }),
                    top: Some(row),
                    collection: sub.ty.collection,
                    count: false,
                })
            }
        }
    }

    /// Checks that `op` works on the resolved property; records an advanced need.
    fn require(&mut self, r: &Resolved, op: FilterOp, shown: &str) -> Result<(), GraphError> {
        let Some(row) = r.row else {
            return Err(self.unsupported(&r.name));
        };
        match row.filter_mode(op) {
            None => Err(self.unsupported(&r.name)),
            Some(Mode::Default) => Ok(()),
            Some(Mode::Advanced) => {
                self.needs.push(Need {
                    op: shown.to_string(),
                    property: r.name.clone(),
                    advanced_only_property: row.filter_default.is_empty(),
                });
                Ok(())
            }
        }
    }

    /// Under `not`, the property must take a negation at all (`not` or `ne`).
    fn negatable(&self, r: &Resolved) -> Result<(), GraphError> {
        match r.row {
            Some(row)
                if row.filter_mode(FilterOp::Not).is_some()
                    || row.filter_mode(FilterOp::Ne).is_some() =>
            {
                Ok(())
            }
            _ => Err(self.unsupported(&r.name)),
        }
    }

    fn check(&mut self, e: &Expr, negated: bool) -> Result<(), GraphError> {
        match &e.kind {
            ExprKind::And(items) | ExprKind::Or(items) => {
                for i in items {
                    self.check(i, negated)?;
                }
                Ok(())
            }
            ExprKind::Not { expr, .. } => {
                let at = self.needs.len();
                self.last_property = None;
                self.check(expr, true)?;
                let property = self.last_property.clone().unwrap_or_default();
                self.needs.insert(
                    at,
                    Need {
                        op: "not".into(),
                        property,
                        advanced_only_property: false,
                    },
                );
                Ok(())
            }
            ExprKind::Compare {
                left, op, right, ..
            } => {
                let (path, lit) = match (left.as_path(), right.as_path()) {
                    (Some(p), _) => (p, right.as_literal()),
                    (None, Some(p)) => (p, left.as_literal()),
                    _ => {
                        self.check(left, negated)?;
                        return self.check(right, negated);
                    }
                };
                let r = self.resolve(path)?;
                if r.count {
                    let top = r.top.expect("count paths have a row");
                    return match top.filter_mode(FilterOp::Count) {
                        None => Err(self.unsupported(&r.name)),
                        Some(_) => {
                            // `/$count` in $filter is always advanced (aad-advanced-queries).
                            self.needs.push(Need {
                                op: "$count".into(),
                                property: r.name.clone(),
                                advanced_only_property: false,
                            });
                            Ok(())
                        }
                    };
                }
                let is_null = lit.is_some_and(|l| l.value == LiteralValue::Null);
                let fop = match op {
                    _ if is_null => FilterOp::Null,
                    CompareOp::Eq => FilterOp::Eq,
                    CompareOp::Ne => FilterOp::Ne,
                    CompareOp::Gt => FilterOp::Gt,
                    CompareOp::Ge => FilterOp::Ge,
                    CompareOp::Lt => FilterOp::Lt,
                    CompareOp::Le => FilterOp::Le,
                    CompareOp::Has => return Err(self.unsupported(&r.name)),
                };
                if r.collection && fop != FilterOp::Null {
                    // A collection is compared through any() (filter-query-parameter.md).
                    return Err(self.unsupported(&r.name));
                }
                if is_null && !matches!(op, CompareOp::Eq | CompareOp::Ne) {
                    return Err(self.unsupported(&r.name));
                }
                self.require(&r, fop, op_name(fop))?;
                if is_null && *op == CompareOp::Ne {
                    self.needs.push(Need {
                        op: "ne".into(),
                        property: r.name.clone(),
                        advanced_only_property: false,
                    });
                }
                if negated && fop != FilterOp::Ne {
                    self.negatable(&r)?;
                }
                Ok(())
            }
            ExprKind::In { left, .. } => {
                let Some(path) = left.as_path() else {
                    return self.check(left, negated);
                };
                let r = self.resolve(path)?;
                if r.collection || r.count {
                    return Err(self.unsupported(&r.name));
                }
                self.require(&r, FilterOp::In, "in")?;
                if negated {
                    self.negatable(&r)?;
                }
                Ok(())
            }
            ExprKind::Call(call) => {
                let path = call.args.first().and_then(|a| a.as_path());
                let r = match path {
                    Some(p) => Some(self.resolve(p)?),
                    None => None,
                };
                let (op, shown) = match call.function() {
                    Some(Function::StartsWith) => (FilterOp::StartsWith, "startsWith"),
                    Some(Function::EndsWith) => (FilterOp::EndsWith, "endsWith"),
                    // contains() and functions Graph does not know.
                    _ => {
                        let name = r.map(|r| r.name).unwrap_or_else(|| call.name.clone());
                        return Err(self.unsupported(&name));
                    }
                };
                let Some(r) = r else {
                    return Err(self.unsupported(&call.name));
                };
                if r.collection || r.count {
                    return Err(self.unsupported(&r.name));
                }
                self.require(&r, op, shown)?;
                if negated {
                    self.negatable(&r)?;
                }
                Ok(())
            }
            ExprKind::Lambda(l) => {
                let coll = &l.collection;
                let first = coll.segments.first().map(|s| s.name.as_str()).unwrap_or("");
                if coll.from_variable {
                    // Nested lambdas are not supported.
                    return Err(self.unsupported(first));
                }
                let top = lookup(self.set, first)?;
                self.note_top(&top);
                let Some(mut row) = top.row else {
                    return Err(self.unsupported(&top.name));
                };
                if let Some(seg) = coll.segments.get(1) {
                    // e.g. authorizationInfo/certificateUserIds/any(x:x eq '...')
                    let sub = capabilities()
                        .complex_of(row)
                        .and_then(|c| c.property(&seg.name))
                        .ok_or_else(|| unknown_property(&seg.name, &top.name))?;
                    row = sub;
                }
                if !row.ty.collection || !row.filterable() {
                    return Err(self.unsupported(&top.name));
                }
                if negated && row.filter_mode(FilterOp::Not).is_none() {
                    return Err(self.unsupported(&top.name));
                }
                let (Some((var, _)), Some(body)) = (&l.variable, &l.body) else {
                    // `any()`: the collection is not empty (group-list.md).
                    return Ok(());
                };
                self.scope.push(Binding {
                    var: var.clone(),
                    name: top.name.clone(),
                    row,
                    complex: capabilities().complex_of(row),
                });
                let out = self.check(body, false);
                self.scope.pop();
                out
            }
            ExprKind::Path(p) => {
                // A bare boolean property (`accountEnabled`) acts as `eq true`.
                let r = self.resolve(p)?;
                self.require(&r, FilterOp::Eq, "eq")
            }
            ExprKind::Literal(_) => Ok(()),
        }
    }
}

/// Checks a parsed `$filter` against the capability table. `advanced` = header +
/// `$count=true`; `expand` = the request also has `$expand`.
///
/// aad-advanced-queries.md: "`$expand` is not currently supported with advanced queries."
/// What Graph then does is observed, not documented: with `$expand` the request is served
/// without the advanced index even when the header and `$count=true` are sent, and a clause
/// that needs advanced mode fails with "Unsupported or invalid query filter clause specified
/// for property ..." (microsoft-graph-docs-contrib issue #9095, 2024: `employeeType eq 'x'`
/// with `$count=true`, ConsistencyLevel and `$expand=manager`; the same query without
/// `$expand` works).
pub fn check_filter(
    set: RuleSet,
    expr: &Expr,
    advanced: bool,
    expand: bool,
) -> Result<(), GraphError> {
    let (resource, _, _) = resource_of(set);
    let mut c = Checker {
        set,
        resource,
        scope: Vec::new(),
        needs: Vec::new(),
        last_property: None,
        default_only: Vec::new(),
    };
    let checked = c.check(expr, false);
    if set == RuleSet::Relationship {
        if let Err(e) = &checked
            && e.code != "Request_UnsupportedQuery"
        {
            return checked;
        }
        if !advanced || expand {
            return Err(GraphError::unsupported_query(
                "The specified filter to the reference property query is currently not supported.",
            ));
        }
        checked?;
        return match c.default_only.first() {
            Some(name) => Err(unsupported_clause(name, resource)),
            None => Ok(()),
        };
    }
    checked?;
    if advanced
        && !expand
        && let Some(name) = c.default_only.first()
    {
        // "doesn't soft-fail if you use advanced query parameters" (microsoft-graph-docs-contrib
        // PR #9437: hasMembersWithLicenseErrors).
        return Err(unsupported_clause(name, resource));
    }
    let Some(need) = c.needs.first() else {
        return Ok(());
    };
    if advanced && !expand {
        Ok(())
    } else if expand || need.advanced_only_property {
        // A property indexed only for advanced queries answers with the clause error
        // (observed: showInAddressList, Microsoft Q&A 728705, 2022; employeeType,
        // microsoft-graph-docs-contrib issue #1627, 2022).
        Err(unsupported_clause(&need.property, resource))
    } else {
        Err(needs_advanced(&need.op))
    }
}

/// How `$orderby` works on a property: by default, only in advanced mode, or not at all.
fn orderby_mode(set: RuleSet, top: &Top) -> Option<Mode> {
    if entity_of(set).is_none() {
        // No table rows (directory roles): displayName by default, the rest in advanced mode.
        return Some(if top.name == "displayName" {
            Mode::Default
        } else {
            Mode::Advanced
        });
    }
    top.row.and_then(|r| r.orderby)
}

/// Checks `$orderby` properties: unknown → BadRequest; outside advanced mode only the
/// properties the table sorts by default, and never together with `$filter`
/// (aad-advanced-queries.md). With `$expand`, advanced mode is not available.
pub fn check_orderby(
    set: RuleSet,
    props: &[String],
    with_filter: bool,
    advanced: bool,
    expand: bool,
) -> Result<(), GraphError> {
    let advanced = advanced && !expand;
    for p in props {
        let top = lookup(set, p)?;
        if set == RuleSet::Relationship {
            continue;
        }
        match orderby_mode(set, &top) {
            Some(Mode::Default) => {}
            Some(Mode::Advanced) if advanced => {}
            _ => return Err(sorting_not_supported()),
        }
    }
    if !props.is_empty() && !advanced && (with_filter || set == RuleSet::Relationship) {
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
        check_filter(set, &e, adv, false).map_err(|e| e.message)
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
        assert!(
            check(RuleSet::Users, "displayName eq null", false)
                .unwrap_err()
                .contains("'eq'")
        );
        assert!(check(RuleSet::Users, "displayName eq null", true).is_ok());
        assert!(check(RuleSet::Users, "displayName ne null", true).is_ok());
        assert_eq!(
            check(RuleSet::Users, "faxNumber eq 'x'", false).unwrap_err(),
            "Unsupported or invalid query filter clause specified for property 'faxNumber' of resource 'User'."
        );
        assert!(check(RuleSet::Users, "faxNumber eq 'x'", true).is_ok());
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
        assert!(check(RuleSet::Relationship, "displayName eq 'x'", true).is_ok());
        // Properties the sandbox does not store are still Graph's (from the table).
        assert!(
            check(
                RuleSet::Users,
                "signInActivity/lastSignInDateTime ge 2024-01-01T00:00:00Z",
                false
            )
            .is_ok()
        );
        // A complex collection takes its element's operators (assignedLicense.skuId).
        let sku = "assignedLicenses/any(x:x/skuId ne 00000000-0000-0000-0000-000000000000)";
        assert!(
            check(RuleSet::Users, sku, false)
                .unwrap_err()
                .contains("'ne'")
        );
        assert!(check(RuleSet::Users, sku, true).is_ok());
        // A collection is compared through any().
        assert!(check(RuleSet::Users, "proxyAddresses eq 'x'", true).is_err());
        // Devices and service principals follow their table rows; roles the general rule.
        assert!(
            check(
                RuleSet::Other(Kind::Device),
                "createdDateTime eq 2024-01-01T00:00:00Z",
                true
            )
            .is_err()
        );
        assert!(
            check(
                RuleSet::Other(Kind::DirectoryRole),
                "displayName ne 'x'",
                false
            )
            .is_err()
        );
        assert!(
            check(
                RuleSet::Other(Kind::DirectoryRole),
                "displayName ne 'x'",
                true
            )
            .is_ok()
        );
    }

    #[test]
    fn has_members_with_license_errors_fails_in_advanced_mode() {
        let f = "hasMembersWithLicenseErrors eq true";
        assert!(check(RuleSet::Groups, f, false).is_ok());
        assert_eq!(
            check(RuleSet::Groups, f, true).unwrap_err(),
            "Unsupported or invalid query filter clause specified for property 'hasMembersWithLicenseErrors' of resource 'Group'."
        );
    }

    #[test]
    fn gt_and_lt_are_not_graph_operators() {
        // filter-directory-objects.md has eq, ne, NOT, ge, le, in, startsWith and null
        // columns only; user.md lists ge/le, never gt/lt (issue #12688 for createdDateTime).
        for f in [
            "displayName gt 'a'",
            "displayName lt 'a'",
            "createdDateTime gt 2021-01-01T00:00:00Z",
        ] {
            for adv in [false, true] {
                let e = check(RuleSet::Users, f, adv).unwrap_err();
                assert!(
                    e.starts_with("Unsupported or invalid query filter clause"),
                    "{f}: {e}"
                );
            }
        }
        assert!(check(RuleSet::Users, "displayName ge 'a'", false).is_ok());
    }

    #[test]
    fn expand_turns_advanced_clauses_into_clause_errors() {
        let e = parse("employeeType eq 'Contractor'").unwrap();
        assert!(check_filter(RuleSet::Users, &e, true, false).is_ok());
        assert_eq!(
            check_filter(RuleSet::Users, &e, true, true)
                .unwrap_err()
                .message,
            "Unsupported or invalid query filter clause specified for property 'employeeType' of resource 'User'."
        );
        let e = parse("endsWith(mail,'@contoso.com')").unwrap();
        assert_eq!(
            check_filter(RuleSet::Users, &e, true, true)
                .unwrap_err()
                .message,
            "Unsupported or invalid query filter clause specified for property 'mail' of resource 'User'."
        );
        // What works by default still works with $expand.
        let e = parse("startsWith(displayName,'a')").unwrap();
        assert!(check_filter(RuleSet::Users, &e, true, true).is_ok());
    }

    #[test]
    fn orderby_rules() {
        let p = |s: &str| vec![s.to_string()];
        assert!(check_orderby(RuleSet::Users, &p("displayName"), false, false, false).is_ok());
        assert!(check_orderby(RuleSet::Users, &p("displayName"), true, false, false).is_err());
        assert!(check_orderby(RuleSet::Users, &p("jobTitle"), false, false, false).is_err());
        assert!(check_orderby(RuleSet::Users, &p("createdDateTime"), false, false, false).is_err());
        assert!(check_orderby(RuleSet::Users, &p("createdDateTime"), true, true, false).is_ok());
        assert!(check_orderby(RuleSet::Users, &p("createdDateTime"), false, true, true).is_err());
        assert!(check_orderby(RuleSet::Groups, &p("displayName"), false, false, false).is_ok());
        assert!(
            check_orderby(
                RuleSet::Relationship,
                &p("displayName"),
                false,
                false,
                false
            )
            .is_err()
        );
        assert!(
            check_orderby(RuleSet::Relationship, &p("displayName"), false, true, false).is_ok()
        );
        assert!(
            check_orderby(RuleSet::Users, &p("nope"), false, true, false)
                .unwrap_err()
                .message
                .contains("Could not find a property named 'nope'")
        );
    }
}
