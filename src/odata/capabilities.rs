//! What Graph allows per property: types, `$filter` operators (by default or only in
//! advanced-query mode), `$orderby`, `$search` and `$select` behaviour.
//!
//! The data lives in `assets/capabilities.toml` (sources and caveats in its header), embedded at
//! build time and parsed once.

use serde::Deserialize;
use std::collections::BTreeMap;
use std::fmt;
use std::sync::OnceLock;

/// The embedded table, as text.
pub const CAPABILITIES_TOML: &str = include_str!("../../assets/capabilities.toml");

/// Whether something works by default or only with advanced-query parameters
/// (`ConsistencyLevel: eventual` + `$count=true`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// Works without advanced-query parameters.
    Default,
    /// Needs `ConsistencyLevel: eventual` and `$count=true`.
    Advanced,
}

/// A `$filter` capability of a property.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum FilterOp {
    Eq,
    Ne,
    Not,
    Gt,
    Ge,
    Lt,
    Le,
    In,
    StartsWith,
    EndsWith,
    /// `eq null` / `ne null`.
    Null,
    /// `/$count` comparisons on a collection.
    Count,
}

impl FilterOp {
    /// Every operator, in table order.
    pub const ALL: [FilterOp; 12] = [
        FilterOp::Eq,
        FilterOp::Ne,
        FilterOp::Not,
        FilterOp::Gt,
        FilterOp::Ge,
        FilterOp::Lt,
        FilterOp::Le,
        FilterOp::In,
        FilterOp::StartsWith,
        FilterOp::EndsWith,
        FilterOp::Null,
        FilterOp::Count,
    ];

    /// The spelling used in the table and in `$filter`.
    pub fn as_str(self) -> &'static str {
        match self {
            FilterOp::Eq => "eq",
            FilterOp::Ne => "ne",
            FilterOp::Not => "not",
            FilterOp::Gt => "gt",
            FilterOp::Ge => "ge",
            FilterOp::Lt => "lt",
            FilterOp::Le => "le",
            FilterOp::In => "in",
            FilterOp::StartsWith => "startsWith",
            FilterOp::EndsWith => "endsWith",
            FilterOp::Null => "null",
            FilterOp::Count => "count",
        }
    }

    /// Parses a table/`$filter` spelling (case-insensitive).
    pub fn parse(s: &str) -> Option<FilterOp> {
        FilterOp::ALL
            .into_iter()
            .find(|op| op.as_str().eq_ignore_ascii_case(s))
    }

    /// How a user writes it, for messages (`eq null`, `/$count`).
    pub fn describe(self) -> &'static str {
        match self {
            FilterOp::Null => "eq null",
            FilterOp::Count => "/$count",
            FilterOp::Not => "not",
            other => other.as_str(),
        }
    }
}

impl fmt::Display for FilterOp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.describe())
    }
}

/// A primitive EDM type, or a complex type by name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BaseType {
    String,
    Boolean,
    DateTimeOffset,
    Guid,
    Int32,
    Int64,
    Double,
    Binary,
    /// A complex type described under `[complex.<name>]`.
    Complex(String),
}

impl BaseType {
    fn parse(s: &str) -> BaseType {
        match s {
            "String" => BaseType::String,
            "Boolean" => BaseType::Boolean,
            "DateTimeOffset" => BaseType::DateTimeOffset,
            "Guid" => BaseType::Guid,
            "Int32" => BaseType::Int32,
            "Int64" => BaseType::Int64,
            "Double" => BaseType::Double,
            "Binary" => BaseType::Binary,
            other => BaseType::Complex(other.to_string()),
        }
    }

    /// The name as written in the table (`String`, `assignedLicense`...).
    pub fn name(&self) -> &str {
        match self {
            BaseType::String => "String",
            BaseType::Boolean => "Boolean",
            BaseType::DateTimeOffset => "DateTimeOffset",
            BaseType::Guid => "Guid",
            BaseType::Int32 => "Int32",
            BaseType::Int64 => "Int64",
            BaseType::Double => "Double",
            BaseType::Binary => "Binary",
            BaseType::Complex(n) => n,
        }
    }

    /// True for Int32/Int64/Double.
    pub fn is_numeric(&self) -> bool {
        matches!(self, BaseType::Int32 | BaseType::Int64 | BaseType::Double)
    }
}

/// A property type: a base type, possibly a collection of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PropType {
    /// True for `Collection(...)`.
    pub collection: bool,
    /// The element (or scalar) type.
    pub base: BaseType,
}

impl PropType {
    /// Parses `String`, `Collection(String)`, `Collection(assignedLicense)`...
    pub fn parse(s: &str) -> PropType {
        let s = s.trim();
        match s
            .strip_prefix("Collection(")
            .and_then(|r| r.strip_suffix(')'))
        {
            Some(inner) => PropType {
                collection: true,
                base: BaseType::parse(inner.trim()),
            },
            None => PropType {
                collection: false,
                base: BaseType::parse(s),
            },
        }
    }
}

impl fmt::Display for PropType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.collection {
            write!(f, "Collection({})", self.base.name())
        } else {
            f.write_str(self.base.name())
        }
    }
}

/// How `$search` treats a property.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SearchKind {
    /// Split into words (displayName, description).
    Tokenized,
    /// Behaves like startsWith.
    Prefix,
}

/// Whether a property comes back without `$select`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SelectKind {
    /// Returned by default.
    Default,
    /// Returned only when named in `$select`.
    Select,
    /// Never returned (filter-only, e.g. hasMembersWithLicenseErrors).
    Never,
}

/// One property row.
#[derive(Debug, Clone)]
pub struct Property {
    /// Name as Graph spells it.
    pub name: String,
    /// Its type.
    pub ty: PropType,
    /// Filter operators that work by default.
    pub filter_default: Vec<FilterOp>,
    /// Filter operators that need advanced mode.
    pub filter_advanced: Vec<FilterOp>,
    /// `$orderby` support (None: not sortable).
    pub orderby: Option<Mode>,
    /// `$search` support (None: not searchable).
    pub search: Option<SearchKind>,
    /// `$select` behaviour.
    pub select: SelectKind,
    /// Known enum-like values.
    pub values: Vec<String>,
    /// False for the few properties whose `$filter` fails in advanced queries although it
    /// works by default (hasMembersWithLicenseErrors: microsoft-graph-docs-contrib PR #9437,
    /// "doesn't soft-fail if you use advanced query parameters").
    pub advanced_filter: bool,
    /// False where the row is not confirmed by the sources.
    pub verified: bool,
    /// Extra advice.
    pub note: Option<String>,
}

impl Property {
    /// The mode in which `op` works on this property, or None when Graph does not support it.
    pub fn filter_mode(&self, op: FilterOp) -> Option<Mode> {
        if self.filter_default.contains(&op) {
            Some(Mode::Default)
        } else if self.filter_advanced.contains(&op) {
            Some(Mode::Advanced)
        } else {
            None
        }
    }

    /// True when the property can appear in `$filter` at all.
    pub fn filterable(&self) -> bool {
        !self.filter_default.is_empty() || !self.filter_advanced.is_empty()
    }

    /// True for collection-valued properties (which need `any`/`all`).
    pub fn is_collection(&self) -> bool {
        self.ty.collection
    }

    /// The comparison/function operators this property supports (both modes), table order.
    pub fn supported_ops(&self) -> Vec<(FilterOp, Mode)> {
        FilterOp::ALL
            .into_iter()
            .filter_map(|op| self.filter_mode(op).map(|m| (op, m)))
            .collect()
    }

    /// A short human summary: `eq, in, startsWith (default); ne, not (advanced)`.
    pub fn ops_summary(&self) -> String {
        let list = |v: &[FilterOp]| {
            v.iter()
                .map(|o| o.describe().to_string())
                .collect::<Vec<_>>()
                .join(", ")
        };
        match (
            self.filter_default.is_empty(),
            self.filter_advanced.is_empty(),
        ) {
            (true, true) => "no $filter support".to_string(),
            (false, true) => format!("{} (default)", list(&self.filter_default)),
            (true, false) => format!("{} (advanced only)", list(&self.filter_advanced)),
            (false, false) => format!(
                "{} (default); {} (advanced)",
                list(&self.filter_default),
                list(&self.filter_advanced)
            ),
        }
    }
}

/// A complex type (assignedLicense, objectIdentity...).
#[derive(Debug, Clone)]
pub struct ComplexType {
    /// Its name.
    pub name: String,
    /// Its properties.
    pub properties: Vec<Property>,
}

impl ComplexType {
    /// Case-insensitive lookup.
    pub fn property(&self, name: &str) -> Option<&Property> {
        self.properties
            .iter()
            .find(|p| p.name.eq_ignore_ascii_case(name))
    }
}

/// A directory entity type.
#[derive(Debug, Clone)]
pub struct Entity {
    /// Type name (`user`).
    pub name: String,
    /// `#microsoft.graph.user`.
    pub odata_type: String,
    /// Top-level collection names (`users`).
    pub collections: Vec<String>,
    /// Its properties.
    pub properties: Vec<Property>,
}

impl Entity {
    /// Case-insensitive property lookup. For `directoryObject`, falls back to the properties of
    /// the concrete types a directoryObject list can hold (user, group, device, servicePrincipal).
    pub fn property(&self, name: &str) -> Option<&Property> {
        if let Some(p) = self
            .properties
            .iter()
            .find(|p| p.name.eq_ignore_ascii_case(name))
        {
            return Some(p);
        }
        if self.name == "directoryObject" {
            let caps = capabilities();
            for n in ["user", "group", "device", "servicePrincipal", "application"] {
                if let Some(p) = caps.entity(n).and_then(|e| {
                    e.properties
                        .iter()
                        .find(|p| p.name.eq_ignore_ascii_case(name))
                }) {
                    return Some(p);
                }
            }
        }
        None
    }

    /// Every property name this entity answers to (including the directoryObject fallback).
    pub fn property_names(&self) -> Vec<&str> {
        let mut names: Vec<&str> = self.properties.iter().map(|p| p.name.as_str()).collect();
        if self.name == "directoryObject" {
            let caps = capabilities();
            for n in ["user", "group", "device", "servicePrincipal", "application"] {
                if let Some(e) = caps.entity(n) {
                    for p in &e.properties {
                        if !names.contains(&p.name.as_str()) {
                            names.push(p.name.as_str());
                        }
                    }
                }
            }
        }
        names
    }

    /// All properties (including the directoryObject fallback), first spelling wins.
    pub fn all_properties(&self) -> Vec<&Property> {
        self.property_names()
            .into_iter()
            .filter_map(|n| self.property(n))
            .collect()
    }

    /// "Did you mean" candidates for an unknown property name, best first (at most 3).
    pub fn suggest(&self, name: &str) -> Vec<String> {
        did_you_mean(name, self.property_names())
    }
}

/// The whole table.
#[derive(Debug, Clone)]
pub struct Capabilities {
    /// Entities by type name.
    pub entities: Vec<Entity>,
    /// Complex types by name.
    pub complex: BTreeMap<String, ComplexType>,
    /// The date the sources were read.
    pub retrieved: String,
}

/// Error from parsing a capability table.
#[derive(Debug, thiserror::Error)]
pub enum CapabilityError {
    /// Not TOML of the expected shape.
    #[error("capability table: {0}")]
    Toml(#[from] toml::de::Error),
    /// A value that is not allowed.
    #[error("capability table: {0}")]
    Invalid(String),
}

#[derive(Deserialize)]
struct RawFile {
    #[serde(default)]
    meta: RawMeta,
    #[serde(default)]
    complex: BTreeMap<String, RawComplex>,
    #[serde(default)]
    entity: BTreeMap<String, RawEntity>,
}

#[derive(Deserialize, Default)]
struct RawMeta {
    #[serde(default)]
    retrieved: String,
}

#[derive(Deserialize)]
struct RawComplex {
    properties: Vec<RawProperty>,
}

#[derive(Deserialize)]
struct RawEntity {
    odata_type: String,
    #[serde(default)]
    collections: Vec<String>,
    properties: Vec<RawProperty>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawProperty {
    name: String,
    #[serde(rename = "type")]
    ty: String,
    #[serde(default)]
    filter: Option<String>,
    #[serde(default)]
    orderby: Option<String>,
    #[serde(default)]
    search: Option<String>,
    #[serde(default)]
    select: Option<String>,
    #[serde(default)]
    values: Vec<String>,
    #[serde(default = "yes")]
    advanced_filter: bool,
    #[serde(default = "yes")]
    verified: bool,
    #[serde(default)]
    note: Option<String>,
}

fn yes() -> bool {
    true
}

fn parse_ops(list: &str, prop: &str) -> Result<Vec<FilterOp>, CapabilityError> {
    list.split_whitespace()
        .map(|w| {
            FilterOp::parse(w).ok_or_else(|| {
                CapabilityError::Invalid(format!("property '{prop}': unknown operator '{w}'"))
            })
        })
        .collect()
}

fn convert(raw: RawProperty) -> Result<Property, CapabilityError> {
    let (filter_default, filter_advanced) = match &raw.filter {
        None => (Vec::new(), Vec::new()),
        Some(f) => {
            let (d, a) = f.split_once('|').unwrap_or((f.as_str(), ""));
            (parse_ops(d, &raw.name)?, parse_ops(a, &raw.name)?)
        }
    };
    let orderby = match raw.orderby.as_deref() {
        None => None,
        Some("default") => Some(Mode::Default),
        Some("advanced") => Some(Mode::Advanced),
        Some(o) => {
            return Err(CapabilityError::Invalid(format!(
                "property '{}': orderby '{o}'",
                raw.name
            )));
        }
    };
    let search = match raw.search.as_deref() {
        None => None,
        Some("tokenized") => Some(SearchKind::Tokenized),
        Some("prefix") => Some(SearchKind::Prefix),
        Some(o) => {
            return Err(CapabilityError::Invalid(format!(
                "property '{}': search '{o}'",
                raw.name
            )));
        }
    };
    let select = match raw.select.as_deref() {
        None | Some("select") => SelectKind::Select,
        Some("default") => SelectKind::Default,
        Some("never") => SelectKind::Never,
        Some(o) => {
            return Err(CapabilityError::Invalid(format!(
                "property '{}': select '{o}'",
                raw.name
            )));
        }
    };
    Ok(Property {
        ty: PropType::parse(&raw.ty),
        name: raw.name,
        filter_default,
        filter_advanced,
        orderby,
        search,
        select,
        values: raw.values,
        advanced_filter: raw.advanced_filter,
        verified: raw.verified,
        note: raw.note,
    })
}

impl Capabilities {
    /// Parses a table in the format of `assets/capabilities.toml`.
    pub fn parse(src: &str) -> Result<Capabilities, CapabilityError> {
        let raw: RawFile = toml::from_str(src)?;
        let mut complex = BTreeMap::new();
        for (name, c) in raw.complex {
            let properties = c
                .properties
                .into_iter()
                .map(convert)
                .collect::<Result<Vec<_>, _>>()?;
            complex.insert(name.clone(), ComplexType { name, properties });
        }
        let mut entities = Vec::new();
        for (name, e) in raw.entity {
            let properties = e
                .properties
                .into_iter()
                .map(convert)
                .collect::<Result<Vec<_>, _>>()?;
            entities.push(Entity {
                name,
                odata_type: e.odata_type,
                collections: e.collections,
                properties,
            });
        }
        let caps = Capabilities {
            entities,
            complex,
            retrieved: raw.meta.retrieved,
        };
        // Every complex type a property names must be described.
        for e in &caps.entities {
            for p in &e.properties {
                if let BaseType::Complex(c) = &p.ty.base
                    && !caps.complex.contains_key(c)
                {
                    return Err(CapabilityError::Invalid(format!(
                        "{}.{}: complex type '{c}' is not described",
                        e.name, p.name
                    )));
                }
            }
        }
        Ok(caps)
    }

    /// Entity by type name (`user`) or collection name (`users`), case-insensitive.
    pub fn entity(&self, name: &str) -> Option<&Entity> {
        self.entities.iter().find(|e| {
            e.name.eq_ignore_ascii_case(name)
                || e.collections.iter().any(|c| c.eq_ignore_ascii_case(name))
        })
    }

    /// Complex type by name, case-insensitive.
    pub fn complex_type(&self, name: &str) -> Option<&ComplexType> {
        self.complex
            .values()
            .find(|c| c.name.eq_ignore_ascii_case(name))
    }

    /// The complex type of a property, if it has one.
    pub fn complex_of(&self, p: &Property) -> Option<&ComplexType> {
        match &p.ty.base {
            BaseType::Complex(n) => self.complex_type(n),
            _ => None,
        }
    }

    /// Names accepted by `--entity`: every top-level collection, plus type names.
    pub fn entity_names(&self) -> Vec<String> {
        let mut v: Vec<String> = self
            .entities
            .iter()
            .flat_map(|e| e.collections.iter().cloned())
            .collect();
        v.sort();
        v
    }

    /// Works out which entity a request path lists or reads. Accepts `users`, `/v1.0/users`,
    /// `groups/{id}/members`, `me/transitiveMemberOf/microsoft.graph.group`, `users/$count`...
    pub fn resolve_path(&self, path: &str) -> Option<Target<'_>> {
        let path = path.split(['?', '#']).next().unwrap_or("");
        let mut segs: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
        if let Some(first) = segs.first()
            && (first.eq_ignore_ascii_case("v1.0") || first.eq_ignore_ascii_case("beta"))
        {
            segs.remove(0);
        }
        let mut count_segment = false;
        if segs.last().is_some_and(|s| *s == "$count") {
            count_segment = true;
            segs.pop();
        }
        let mut cast = None;
        if let Some(last) = segs.last()
            && let Some(t) = last
                .strip_prefix("microsoft.graph.")
                .or_else(|| last.strip_prefix("Microsoft.Graph."))
        {
            cast = Some(t.to_string());
            segs.pop();
        }
        let first = *segs.first()?;
        let (mut entity, mut single) = if first.eq_ignore_ascii_case("me") {
            (self.entity("user")?, true)
        } else {
            (self.entity(first)?, false)
        };
        let mut relationship = None;
        let mut i = 1;
        while i < segs.len() {
            if !single {
                // an id segment
                single = true;
                i += 1;
                continue;
            }
            let rel = segs[i];
            let lower = rel.to_ascii_lowercase();
            let (target, is_single) = match lower.as_str() {
                "manager" => ("directoryObject", true),
                "members" | "transitivemembers" | "owners" | "memberof" | "transitivememberof"
                | "directreports" | "transitivereports" | "registeredowners"
                | "registeredusers" | "owneddevices" | "registereddevices" | "ownedobjects"
                | "createdobjects" => ("directoryObject", false),
                _ => return None,
            };
            entity = self.entity(target)?;
            single = is_single;
            relationship = Some(rel.to_string());
            i += 1;
        }
        if let Some(c) = &cast {
            entity = self.entity(c)?;
        }
        Some(Target {
            entity,
            single,
            relationship,
            cast,
            count_segment,
        })
    }
}

/// What a request path addresses.
#[derive(Debug, Clone)]
pub struct Target<'a> {
    /// The entity type of the items.
    pub entity: &'a Entity,
    /// True for a single object (`/users/{id}`, `/me`, `/manager`).
    pub single: bool,
    /// The relationship segment (`members`, `transitiveMemberOf`), if any.
    pub relationship: Option<String>,
    /// The OData cast type name (`group` from `microsoft.graph.group`), if any.
    pub cast: Option<String>,
    /// True when the path ends in `/$count`.
    pub count_segment: bool,
}

impl Target<'_> {
    /// True when the relationship is a transitive one (`transitiveMembers`...).
    pub fn transitive(&self) -> bool {
        self.relationship
            .as_deref()
            .is_some_and(|r| r.to_ascii_lowercase().starts_with("transitive"))
    }
}

/// The embedded table, parsed once. The embedded file is checked by a unit test, so a
/// parse failure here is a build defect.
pub fn capabilities() -> &'static Capabilities {
    static CAPS: OnceLock<Capabilities> = OnceLock::new();
    CAPS.get_or_init(|| match Capabilities::parse(CAPABILITIES_TOML) {
        Ok(c) => c,
        Err(e) => {
            tracing::error!("embedded capability table is broken: {e}");
            Capabilities {
                entities: Vec::new(),
                complex: BTreeMap::new(),
                retrieved: String::new(),
            }
        }
    })
}

/// Levenshtein distance over lower-cased chars.
pub fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.to_lowercase().chars().collect();
    let b: Vec<char> = b.to_lowercase().chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for (i, ca) in a.iter().enumerate() {
        cur[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != cb);
            cur[j + 1] = (prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

/// Up to three close names for `name`, best first: small edit distance, or a shared
/// prefix/containment for longer names.
pub fn did_you_mean<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> Vec<String> {
    let lname = name.to_lowercase();
    let max = match name.chars().count() {
        0..=3 => 1,
        4..=6 => 2,
        _ => 3,
    };
    let mut scored: Vec<(usize, &str)> = candidates
        .into_iter()
        .filter_map(|c| {
            let d = edit_distance(name, c);
            let lc = c.to_lowercase();
            if d <= max {
                Some((d, c))
            } else if lname.len() >= 4 && (lc.contains(&lname) || lname.contains(&lc)) {
                Some((max + 1, c))
            } else {
                None
            }
        })
        .collect();
    scored.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.len().cmp(&b.1.len())));
    scored.dedup_by(|a, b| a.1 == b.1);
    scored
        .into_iter()
        .take(3)
        .map(|(_, c)| c.to_string())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_table_parses_and_meets_minimums() {
        let caps = Capabilities::parse(CAPABILITIES_TOML).expect("embedded table parses");
        let user = caps.entity("users").expect("users");
        let group = caps.entity("groups").expect("groups");
        assert!(user.properties.len() >= 40, "{}", user.properties.len());
        assert!(group.properties.len() >= 20, "{}", group.properties.len());
        for e in [
            "user",
            "group",
            "directoryObject",
            "device",
            "servicePrincipal",
            "application",
        ] {
            assert!(caps.entity(e).is_some(), "{e}");
        }
        // the shared instance is the same data
        assert_eq!(capabilities().entities.len(), caps.entities.len());
        // no duplicate property names per entity
        for e in &caps.entities {
            let mut names: Vec<String> =
                e.properties.iter().map(|p| p.name.to_lowercase()).collect();
            names.sort();
            let n = names.len();
            names.dedup();
            assert_eq!(n, names.len(), "duplicate property in {}", e.name);
        }
    }

    #[test]
    fn table_follows_the_documented_general_rules() {
        let caps = Capabilities::parse(CAPABILITIES_TOML).unwrap();
        let rows = caps
            .entities
            .iter()
            .flat_map(|e| e.properties.iter().map(move |p| (e.name.as_str(), p)))
            .chain(
                caps.complex
                    .values()
                    .flat_map(|c| c.properties.iter().map(move |p| (c.name.as_str(), p))),
            );
        for (owner, p) in rows {
            let at = format!("{owner}.{}", p.name);
            // `ne` and `not` are never available by default (aad-advanced-queries.md)
            assert_ne!(p.filter_mode(FilterOp::Ne), Some(Mode::Default), "{at}");
            assert_ne!(p.filter_mode(FilterOp::Not), Some(Mode::Default), "{at}");
            assert_ne!(
                p.filter_mode(FilterOp::EndsWith),
                Some(Mode::Default),
                "{at}"
            );
            assert_ne!(p.filter_mode(FilterOp::Count), Some(Mode::Default), "{at}");
            // `in` works by default only where `eq` does
            if p.filter_mode(FilterOp::In) == Some(Mode::Default) {
                assert_eq!(p.filter_mode(FilterOp::Eq), Some(Mode::Default), "{at}");
            }
            // endsWith only on mail, otherMails, userPrincipalName, proxyAddresses
            if p.filter_mode(FilterOp::EndsWith).is_some() {
                assert!(
                    ["mail", "otherMails", "userPrincipalName", "proxyAddresses"]
                        .contains(&p.name.as_str()),
                    "{at}"
                );
            }
            // /$count and lambdas only make sense on collections
            if p.filter_mode(FilterOp::Count).is_some() {
                assert!(p.ty.collection, "{at}");
            }
            // no operator listed twice, and never in both modes
            for op in FilterOp::ALL {
                let n = p.filter_default.iter().filter(|o| **o == op).count()
                    + p.filter_advanced.iter().filter(|o| **o == op).count();
                assert!(n <= 1, "{at}: {op} listed {n} times");
            }
            // string functions only on strings
            if p.filter_mode(FilterOp::StartsWith).is_some() {
                assert_eq!(p.ty.base, BaseType::String, "{at}");
            }
            if !p.values.is_empty() {
                assert_eq!(p.ty.base, BaseType::String, "{at}");
            }
            // a row that fails in advanced queries has nothing advanced-only
            if !p.advanced_filter {
                assert!(p.filter_advanced.is_empty() && p.filterable(), "{at}");
            }
        }
    }

    #[test]
    fn lookups_are_case_insensitive_and_typed() {
        let caps = capabilities();
        let user = caps.entity("USERS").unwrap();
        let p = user.property("accountenabled").unwrap();
        assert_eq!(p.name, "accountEnabled");
        assert_eq!(p.ty.base, BaseType::Boolean);
        assert_eq!(p.filter_mode(FilterOp::Eq), Some(Mode::Default));
        assert_eq!(p.filter_mode(FilterOp::Ne), Some(Mode::Advanced));
        assert_eq!(p.filter_mode(FilterOp::StartsWith), None);
        let mail = user.property("mail").unwrap();
        assert_eq!(mail.filter_mode(FilterOp::EndsWith), Some(Mode::Advanced));
        let lic = user.property("assignedLicenses").unwrap();
        assert!(lic.is_collection());
        let sku = caps.complex_of(lic).unwrap().property("SKUID").unwrap();
        assert_eq!(sku.ty.base, BaseType::Guid);
        let ids = user.property("identities").unwrap();
        assert!(caps.complex_of(ids).unwrap().property("issuer").is_some());
        assert_eq!(
            user.property("displayName").unwrap().orderby,
            Some(Mode::Default)
        );
        assert_eq!(
            user.property("createdDateTime").unwrap().orderby,
            Some(Mode::Advanced)
        );
        assert_eq!(user.property("city").unwrap().orderby, None);
        assert_eq!(
            caps.entity("groups")
                .unwrap()
                .property("description")
                .unwrap()
                .search,
            Some(SearchKind::Tokenized)
        );
    }

    #[test]
    fn did_you_mean_finds_typos() {
        let user = capabilities().entity("users").unwrap();
        assert_eq!(user.suggest("dispalyName")[0], "displayName");
        assert_eq!(user.suggest("userPrincipleName")[0], "userPrincipalName");
        assert!(user.suggest("givenname").contains(&"givenName".to_string()));
        assert!(user.suggest("zzzzzzzzzzzzzz").is_empty());
        assert_eq!(edit_distance("kitten", "sitting"), 3);
    }

    #[test]
    fn paths_resolve_to_entities() {
        let caps = capabilities();
        let t = caps.resolve_path("/v1.0/users").unwrap();
        assert_eq!(t.entity.name, "user");
        assert!(!t.single);
        let t = caps.resolve_path("groups/abc/members").unwrap();
        assert_eq!(t.entity.name, "directoryObject");
        assert_eq!(t.relationship.as_deref(), Some("members"));
        // directoryObject lists answer for user/group properties too
        assert!(t.entity.property("userPrincipalName").is_some());
        let t = caps
            .resolve_path("me/transitiveMemberOf/microsoft.graph.group")
            .unwrap();
        assert_eq!(t.entity.name, "group");
        assert!(t.transitive());
        assert_eq!(t.cast.as_deref(), Some("group"));
        let t = caps.resolve_path("users/$count").unwrap();
        assert!(t.count_segment);
        let t = caps.resolve_path("users/42").unwrap();
        assert!(t.single);
        assert!(caps.resolve_path("sites").is_none());
        assert!(caps.resolve_path("users/1/calendar").is_none());
    }

    #[test]
    fn broken_tables_are_rejected_with_a_message() {
        let bad =
            "[entity.x]\nodata_type='x'\nproperties=[{name='a', type='String', filter='eq frob'}]";
        let e = Capabilities::parse(bad).unwrap_err().to_string();
        assert!(e.contains("frob"), "{e}");
        let bad = "[entity.x]\nodata_type='x'\nproperties=[{name='a', type='nope'}]";
        assert!(Capabilities::parse(bad).is_err());
    }
}
