//! The linter: checks query options against what Graph accepts for directory objects, using the
//! parsed `$filter` and the capability table, and works out whether the request needs
//! advanced-query mode (`ConsistencyLevel: eventual` + `$count=true`) and why.
//!
//! Severity: `Error` is what Graph would reject (or silently get wrong, like `$top=0`); `Warning`
//! is style or likely surprise; `Info` is a note. Findings on table rows marked unverified are
//! downgraded from errors to warnings. Lint is advice: callers can always send the query.

use super::ast::{
    Call, CompareOp, Expr, ExprKind, Function, Lambda, LambdaKind, Literal, LiteralValue,
    PropertyPath, Span,
};
use super::capabilities::{
    BaseType, ComplexType, Entity, FilterOp, Mode, PropType, Property, SearchKind, capabilities,
    did_you_mean,
};
use super::url::QueryOptions;
use serde::Serialize;

/// How serious a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Graph would reject the query (or ignore part of it).
    Error,
    /// Probably not what you want.
    Warning,
    /// A note.
    Info,
}

impl Severity {
    /// `error`, `warning` or `info`.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "info",
        }
    }
}

/// Which query option a diagnostic's span points into.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum QueryPart {
    /// The request path.
    Path,
    /// `$filter`.
    Filter,
    /// `$search`.
    Search,
    /// `$orderby`.
    Orderby,
    /// `$select`.
    Select,
    /// `$expand`.
    Expand,
    /// `$top`.
    Top,
    /// `$count`.
    Count,
}

impl QueryPart {
    /// The option name (`$filter`) or `path`.
    pub fn as_str(self) -> &'static str {
        match self {
            QueryPart::Path => "path",
            QueryPart::Filter => "$filter",
            QueryPart::Search => "$search",
            QueryPart::Orderby => "$orderby",
            QueryPart::Select => "$select",
            QueryPart::Expand => "$expand",
            QueryPart::Top => "$top",
            QueryPart::Count => "$count",
        }
    }
}

/// What kind of finding a diagnostic is: a stable, machine-readable name (kebab-case in JSON).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Code {
    /// The option does not parse.
    Syntax,
    /// A property the entity (or complex type) does not have.
    UnknownProperty,
    /// A relationship (manager, memberOf...) used as if it were a property.
    Relationship,
    /// The property name differs from Graph's spelling only in case.
    PropertyCase,
    /// A property or literal on its own where a condition is needed.
    NotACondition,
    /// A collection compared directly instead of through any().
    CollectionNeedsAny,
    /// any()/all() on a property that is not a collection.
    NotACollection,
    /// The property cannot be filtered at all.
    NotFilterable,
    /// The operator or function is not supported on that property (in any mode).
    UnsupportedOperator,
    /// An expression shape Graph does not accept (property on the right, nested lambda...).
    UnsupportedExpression,
    /// A function Graph does not support on directory objects (contains, tolower...).
    UnsupportedFunction,
    /// Wrong number or kind of function arguments.
    BadArguments,
    /// The literal's type does not match the property's.
    TypeMismatch,
    /// A `/$count` comparison Graph does not accept or document.
    CountComparison,
    /// A value that is not one of the property's known values.
    UnknownValue,
    /// A string value with leading/trailing spaces.
    Whitespace,
    /// A date where a DateTimeOffset is expected.
    DateWithoutTime,
    /// `startsWith(x, '')` and the like.
    MatchesEverything,
    /// `all()` on directory objects.
    AllLambda,
    /// `any()` with no condition.
    EmptyLambda,
    /// signInActivity mixed with other properties.
    SignInActivityCombined,
    /// A `$search` clause without `property:`.
    SearchSyntax,
    /// A `$search` clause with no text.
    SearchEmptyClause,
    /// `$search` on a property that is matched by prefix, not tokenised.
    SearchNotTokenized,
    /// `$search` on a property not documented as searchable.
    SearchUndocumented,
    /// `$search` on a property that cannot be searched.
    NotSearchable,
    /// `$orderby` on a property that cannot be sorted.
    NotSortable,
    /// `$select` of an unknown property.
    UnknownSelect,
    /// `$expand` of an unknown relationship.
    UnknownExpand,
    /// A nested `$expand` option Graph does not support.
    UnsupportedExpandOption,
    /// `$expand` in a request that needs advanced-query mode.
    ExpandWithAdvanced,
    /// `$top` out of range.
    TopRange,
    /// List options on a single-object path.
    SingleObject,
    /// No capability data for the path.
    NoCapabilityData,
    /// An extension property, which graphtui cannot check.
    ExtensionProperty,
    /// and/or nested deeper than Graph has accepted.
    FilterTooDeep,
    /// A note about `$expand` limits.
    ExpandLimits,
    /// A note about the permissions or licence a query needs.
    Permission,
}

impl Code {
    /// The kebab-case name used in JSON.
    pub fn as_str(self) -> String {
        serde_json::to_value(self)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default()
    }
}

/// One finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    /// What kind of finding it is.
    pub code: Code,
    /// The option the span points into.
    pub part: QueryPart,
    /// Byte range in that option's text (for `$select`, the comma-joined list).
    pub span: Span,
    /// How serious.
    pub severity: Severity,
    /// What is wrong.
    pub message: String,
    /// How to fix it.
    pub hint: Option<String>,
}

/// The result of linting.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct LintReport {
    /// Findings, in source order per option.
    pub diagnostics: Vec<Diagnostic>,
    /// True when the request needs `ConsistencyLevel: eventual` + `$count=true`.
    pub advanced_query: bool,
    /// Why, for people (no duplicates).
    pub advanced_query_reasons: Vec<String>,
}

impl LintReport {
    /// True when any diagnostic is an error.
    pub fn has_errors(&self) -> bool {
        self.diagnostics
            .iter()
            .any(|d| d.severity == Severity::Error)
    }

    /// Records that advanced mode is needed, once per distinct reason.
    pub fn require_advanced(&mut self, reason: impl Into<String>) {
        let reason = reason.into();
        self.advanced_query = true;
        if !self.advanced_query_reasons.contains(&reason) {
            self.advanced_query_reasons.push(reason);
        }
    }

    fn push(
        &mut self,
        code: Code,
        part: QueryPart,
        span: Span,
        severity: Severity,
        message: impl Into<String>,
        hint: Option<String>,
    ) {
        self.diagnostics.push(Diagnostic {
            code,
            part,
            span,
            severity,
            message: message.into(),
            hint,
        });
    }

    fn merge(&mut self, other: LintReport) {
        self.diagnostics.extend(other.diagnostics);
        for r in other.advanced_query_reasons {
            self.require_advanced(r);
        }
    }
}

/// Properties that are relationships, not filterable values (for a better message).
const RELATIONSHIPS: &[&str] = &[
    "manager",
    "directReports",
    "memberOf",
    "transitiveMemberOf",
    "members",
    "transitiveMembers",
    "owners",
    "registeredOwners",
    "registeredUsers",
    "ownedDevices",
    "registeredDevices",
    "ownedObjects",
    "createdObjects",
    "appRoleAssignments",
    "createdOnBehalfOf",
];

/// True for directory extension (`extension_<appId>_<name>`) and schema extension
/// (`ext<8 chars>_<name>`) property names, which graphtui has no capability data for.
fn is_extension(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    if lower.starts_with("extension_") {
        return true;
    }
    lower.len() > 12
        && lower.starts_with("ext")
        && lower.as_bytes().get(11) == Some(&b'_')
        && lower[3..11].bytes().all(|b| b.is_ascii_alphanumeric())
}

/// Functions OData defines that Graph does not support on directory objects.
const UNSUPPORTED_FUNCTIONS: &[&str] = &[
    "contains",
    "substringof",
    "tolower",
    "toupper",
    "trim",
    "concat",
    "indexof",
    "length",
    "substring",
    "matchesPattern",
    "year",
    "month",
    "day",
    "hour",
    "minute",
    "second",
    "date",
    "time",
    "now",
    "round",
    "floor",
    "ceiling",
    "cast",
    "isof",
];

/// Where `endsWith` works at all (advanced mode only), per aad-advanced-queries.md.
const ENDSWITH_PROPS: &[&str] = &["mail", "otherMails", "userPrincipalName", "proxyAddresses"];

/// Expandable relationships on directory objects (for a did-you-mean on `$expand`).
const EXPANDABLE: &[&str] = &[
    "manager",
    "directReports",
    "memberOf",
    "transitiveMemberOf",
    "members",
    "transitiveMembers",
    "owners",
    "registeredOwners",
    "registeredUsers",
    "ownedDevices",
    "registeredDevices",
    "ownedObjects",
    "createdObjects",
    "appRoleAssignments",
    "appRoleAssignedTo",
    "createdOnBehalfOf",
    "extensions",
    "photo",
    "acceptedSenders",
    "rejectedSenders",
];

/// A property reference resolved against the table.
struct Resolved<'a> {
    /// The top-level property (for messages and capability fallback).
    prop: &'a Property,
    /// The sub-property when the path goes into a complex type.
    sub: Option<&'a Property>,
    /// The type of the value being compared.
    ty: PropType,
    /// Path as written.
    text: String,
    /// The path is `collection/$count`.
    count: bool,
}

impl<'a> Resolved<'a> {
    /// The row whose operators apply (the sub-property when it has its own list).
    fn caps(&self) -> &'a Property {
        match self.sub {
            Some(s) if s.filterable() => s,
            _ => self.prop,
        }
    }
}

struct Binding<'a> {
    name: String,
    prop: &'a Property,
    complex: Option<&'a ComplexType>,
}

struct FilterLinter<'a> {
    entity: &'a Entity,
    report: LintReport,
    scope: Vec<Binding<'a>>,
    used: Vec<&'a str>,
}

fn op_for(op: CompareOp) -> Option<FilterOp> {
    Some(match op {
        CompareOp::Eq => FilterOp::Eq,
        CompareOp::Ne => FilterOp::Ne,
        CompareOp::Gt => FilterOp::Gt,
        CompareOp::Ge => FilterOp::Ge,
        CompareOp::Lt => FilterOp::Lt,
        CompareOp::Le => FilterOp::Le,
        CompareOp::Has => return None,
    })
}

fn lambda_template(prop: &Property, complex: Option<&ComplexType>) -> String {
    match complex {
        Some(c) => {
            let sub = c
                .properties
                .iter()
                .find(|p| p.filterable())
                .map(|p| p.name.as_str())
                .unwrap_or("id");
            let v = match c.property(sub).map(|p| &p.ty.base) {
                Some(BaseType::Guid) => "00000000-0000-0000-0000-000000000000",
                _ => "'value'",
            };
            format!("{}/any(x:x/{sub} eq {v})", prop.name)
        }
        None => {
            let v = prop
                .values
                .first()
                .map(|v| format!("'{v}'"))
                .unwrap_or_else(|| "'value'".to_string());
            format!("{}/any(x:x eq {v})", prop.name)
        }
    }
}

impl<'a> FilterLinter<'a> {
    fn new(entity: &'a Entity) -> Self {
        FilterLinter {
            entity,
            report: LintReport::default(),
            scope: Vec::new(),
            used: Vec::new(),
        }
    }

    fn diag(
        &mut self,
        code: Code,
        span: Span,
        sev: Severity,
        msg: impl Into<String>,
        hint: Option<String>,
    ) {
        self.report
            .push(code, QueryPart::Filter, span, sev, msg, hint);
    }

    /// Error, or warning when the row is not verified.
    fn reject(
        &mut self,
        code: Code,
        prop: &Property,
        span: Span,
        msg: String,
        hint: Option<String>,
    ) {
        if prop.verified {
            self.diag(code, span, Severity::Error, msg, hint);
        } else {
            self.diag(
                code,
                span,
                Severity::Warning,
                format!("{msg} (capability not verified against the docs)"),
                hint,
            );
        }
    }

    fn check(&mut self, e: &Expr, negated: bool) {
        match &e.kind {
            ExprKind::And(items) | ExprKind::Or(items) => {
                for i in items {
                    self.check(i, negated);
                }
            }
            ExprKind::Not { expr, .. } => {
                self.report
                    .require_advanced("the not operator is supported only in advanced queries");
                self.check(expr, true);
            }
            ExprKind::Compare {
                left,
                op,
                op_span,
                right,
            } => self.check_compare(e, left, *op, op_span.clone(), right, negated),
            ExprKind::In {
                left,
                in_span,
                list,
                ..
            } => self.check_in(left, in_span.clone(), list, negated),
            ExprKind::Call(call) => self.check_call(e, call, negated),
            ExprKind::Lambda(l) => self.check_lambda(e, l, negated),
            ExprKind::Path(p) => {
                let hint = self
                    .resolve(p, false)
                    .filter(|r| r.ty.base == BaseType::Boolean && !r.ty.collection)
                    .map(|r| format!("write {} eq true", r.text));
                self.diag(
                    Code::NotACondition,
                    e.span.clone(),
                    Severity::Error,
                    format!("'{p}' is not a condition"),
                    hint.or_else(|| Some("compare it with a value, e.g. x eq 'value'".into())),
                );
            }
            ExprKind::Literal(l) => {
                self.diag(
                    Code::NotACondition,
                    e.span.clone(),
                    Severity::Error,
                    format!("the literal {} is not a condition", l.text),
                    Some("compare a property with it, e.g. accountEnabled eq true".into()),
                );
            }
        }
    }

    /// Resolves a property path; reports unknown names when `report` is true.
    fn resolve(&mut self, p: &PropertyPath, report: bool) -> Option<Resolved<'a>> {
        let segs = &p.segments;
        let first = segs.first()?;
        let text = p.to_text();
        if p.from_variable {
            let b = self.scope.iter().rev().find(|b| b.name == first.name)?;
            let (prop, complex) = (b.prop, b.complex);
            let rest = &segs[1..];
            if rest.is_empty() {
                return Some(Resolved {
                    prop,
                    sub: None,
                    ty: PropType {
                        collection: false,
                        base: prop.ty.base.clone(),
                    },
                    text,
                    count: false,
                });
            }
            let Some(c) = complex else {
                if report {
                    self.diag(
                        Code::UnknownProperty,
                        rest[0].span.clone(),
                        Severity::Error,
                        format!(
                            "'{}' holds {} values, which have no property '{}'",
                            prop.name,
                            prop.ty.base.name(),
                            rest[0].name
                        ),
                        Some(format!(
                            "compare the variable itself: {} eq 'value'",
                            first.name
                        )),
                    );
                }
                return None;
            };
            let Some(sub) = c.property(&rest[0].name) else {
                if report {
                    let sugg =
                        did_you_mean(&rest[0].name, c.properties.iter().map(|p| p.name.as_str()));
                    self.unknown(
                        rest[0].span.clone(),
                        &rest[0].name,
                        &format!("{} ({})", c.name, prop.name),
                        sugg,
                    );
                }
                return None;
            };
            return Some(Resolved {
                prop,
                sub: Some(sub),
                ty: sub.ty.clone(),
                text,
                count: false,
            });
        }
        let Some(prop) = self.entity.property(&first.name) else {
            if report && is_extension(&first.name) {
                self.diag(
                    Code::ExtensionProperty,
                    p.span(),
                    Severity::Info,
                    format!(
                        "'{}' is an extension property: graphtui cannot check it",
                        first.name
                    ),
                    None,
                );
            } else if report {
                if let Some(rel) = RELATIONSHIPS
                    .iter()
                    .find(|r| r.eq_ignore_ascii_case(&first.name))
                {
                    self.diag(
                        Code::Relationship,
                        first.span.clone(),
                        Severity::Error,
                        format!("'{rel}' is a relationship; $filter cannot look into it"),
                        Some(format!(
                            "list it instead: GET /{}/{{id}}/{rel}",
                            self.entity
                                .collections
                                .first()
                                .map(String::as_str)
                                .unwrap_or("users")
                        )),
                    );
                } else {
                    let sugg = self.entity.suggest(&first.name);
                    let ename = self.entity.name.clone();
                    self.unknown(first.span.clone(), &first.name, &ename, sugg);
                }
            }
            return None;
        };
        self.used.push(prop.name.as_str());
        if report && prop.name != first.name {
            self.diag(
                Code::PropertyCase,
                first.span.clone(),
                Severity::Info,
                format!(
                    "property names are matched case-insensitively; Graph spells it '{}'",
                    prop.name
                ),
                None,
            );
        }
        let rest = &segs[1..];
        if rest.is_empty() {
            return Some(Resolved {
                prop,
                sub: None,
                ty: prop.ty.clone(),
                text,
                count: false,
            });
        }
        if rest[0].is_count() {
            if !prop.ty.collection {
                if report {
                    self.diag(
                        Code::CountComparison,
                        rest[0].span.clone(),
                        Severity::Error,
                        format!("'{}' is not a collection, so it has no $count", prop.name),
                        None,
                    );
                }
                return None;
            }
            return Some(Resolved {
                prop,
                sub: None,
                ty: PropType {
                    collection: false,
                    base: BaseType::Int32,
                },
                text,
                count: true,
            });
        }
        let complex = capabilities().complex_of(prop);
        if prop.ty.collection {
            if report {
                self.diag(
                    Code::CollectionNeedsAny,
                    p.span(),
                    Severity::Error,
                    format!("'{}' is a collection; reach into it with any()", prop.name),
                    Some(lambda_template(prop, complex)),
                );
            }
            return None;
        }
        let Some(c) = complex else {
            if report {
                self.diag(
                    Code::UnknownProperty,
                    rest[0].span.clone(),
                    Severity::Error,
                    format!("'{}' is a {}, which has no properties", prop.name, prop.ty),
                    None,
                );
            }
            return None;
        };
        let Some(sub) = c.property(&rest[0].name) else {
            if report {
                let sugg =
                    did_you_mean(&rest[0].name, c.properties.iter().map(|p| p.name.as_str()));
                self.unknown(rest[0].span.clone(), &rest[0].name, &prop.name, sugg);
            }
            return None;
        };
        Some(Resolved {
            prop,
            sub: Some(sub),
            ty: sub.ty.clone(),
            text,
            count: false,
        })
    }

    fn unknown(&mut self, span: Span, name: &str, owner: &str, sugg: Vec<String>) {
        let hint = match sugg.as_slice() {
            [] => None,
            [one] => Some(format!("did you mean '{one}'?")),
            many => Some(format!(
                "did you mean {}?",
                many.iter()
                    .map(|s| format!("'{s}'"))
                    .collect::<Vec<_>>()
                    .join(" or ")
            )),
        };
        self.diag(
            Code::UnknownProperty,
            span,
            Severity::Error,
            format!("unknown property '{name}' on {owner}"),
            hint,
        );
    }

    /// Checks that `op` is allowed on `r`; records advanced needs. Returns false on rejection.
    fn check_op(
        &mut self,
        r: &Resolved<'a>,
        op: FilterOp,
        prop_span: Span,
        span: Span,
        negated: bool,
    ) -> bool {
        let caps = r.caps();
        if !caps.filterable() {
            let msg = format!("'{}' cannot be used in $filter", r.text);
            let hint = caps.note.clone().or_else(|| {
                Some("Graph answers 'Unsupported or invalid query filter clause'".into())
            });
            self.reject(Code::NotFilterable, caps, span, msg, hint);
            return false;
        }
        if r.ty.collection && !r.count && !matches!(op, FilterOp::Null) {
            let complex = capabilities().complex_of(r.prop);
            self.diag(
                Code::CollectionNeedsAny,
                prop_span,
                Severity::Error,
                format!(
                    "'{}' is a collection: {} cannot compare it directly",
                    r.text,
                    op.describe()
                ),
                Some(format!("use any(): {}", lambda_template(r.prop, complex))),
            );
            return false;
        }
        let mut ok = true;
        match caps.filter_mode(op) {
            Some(Mode::Default) => {}
            Some(Mode::Advanced) => self.report.require_advanced(format!(
                "{} on {} is supported only in advanced queries",
                op.describe(),
                r.text
            )),
            None => {
                let hint = match op {
                    FilterOp::Gt | FilterOp::Lt
                        if caps.filter_mode(FilterOp::Ge).is_some()
                            || caps.filter_mode(FilterOp::Le).is_some() =>
                    {
                        Some(format!(
                            "Graph supports ge/le here, not gt/lt; {} supports {}",
                            r.text,
                            caps.ops_summary()
                        ))
                    }
                    FilterOp::EndsWith => Some(format!(
                        "endsWith works only on {} (advanced queries)",
                        ENDSWITH_PROPS.join(", ")
                    )),
                    FilterOp::Null => Some(format!(
                        "'{}' cannot be compared with null; it supports {}",
                        r.text,
                        caps.ops_summary()
                    )),
                    _ => Some(format!("{} supports {}", r.text, caps.ops_summary())),
                };
                let msg = if op == FilterOp::Null {
                    format!("'{}' does not support filtering on null", r.text)
                } else {
                    format!(
                        "operator {} is not supported on '{}'",
                        op.describe(),
                        r.text
                    )
                };
                self.reject(Code::UnsupportedOperator, caps, span.clone(), msg, hint);
                ok = false;
            }
        }
        if negated && !matches!(op, FilterOp::Ne) {
            let neg = caps
                .filter_mode(FilterOp::Not)
                .or_else(|| caps.filter_mode(FilterOp::Ne));
            match neg {
                Some(_) => {}
                None if ok => {
                    self.reject(
                        Code::UnsupportedOperator,
                        caps,
                        span,
                        format!("'{}' cannot be negated with not", r.text),
                        Some(format!("{} supports {}", r.text, caps.ops_summary())),
                    );
                    ok = false;
                }
                None => {}
            }
        }
        ok
    }

    /// Checks a literal against the type of `r`.
    fn check_value(&mut self, r: &Resolved<'a>, e: &Expr) {
        let Some(lit) = e.as_literal() else {
            if e.as_path().is_some() {
                self.diag(
                    Code::UnsupportedExpression,
                    e.span.clone(),
                    Severity::Error,
                    "Graph compares a property with a literal value, not with another property",
                    None,
                );
            } else {
                self.diag(
                    Code::UnsupportedExpression,
                    e.span.clone(),
                    Severity::Error,
                    "expected a literal value here",
                    None,
                );
            }
            return;
        };
        self.check_literal_type(r, lit, e.span.clone());
    }

    fn check_literal_type(&mut self, r: &Resolved<'a>, lit: &Literal, span: Span) {
        let name = &r.text;
        let base = &r.ty.base;
        let mismatch = |want: &str, hint: String| {
            (
                format!(
                    "'{name}' is {want}, but {} is a {}",
                    lit.text,
                    lit.value.type_name()
                ),
                Some(hint),
            )
        };
        let problem: Option<(String, Option<String>)> = match (&lit.value, base) {
            (LiteralValue::Null, _) => None,
            (LiteralValue::String(s), BaseType::String) => {
                if !r.prop.values.is_empty()
                    && !s.is_empty()
                    && !r
                        .caps()
                        .values
                        .iter()
                        .chain(r.prop.values.iter())
                        .any(|v| v.eq_ignore_ascii_case(s))
                {
                    let known = if r.caps().values.is_empty() {
                        &r.prop.values
                    } else {
                        &r.caps().values
                    };
                    self.diag(
                        Code::UnknownValue,
                        span.clone(),
                        Severity::Warning,
                        format!("'{s}' is not a known value of {name}"),
                        Some(format!("known values: {}", known.join(", "))),
                    );
                }
                if s.trim() != s && !s.trim().is_empty() {
                    self.diag(Code::Whitespace,
                        span.clone(),
                        Severity::Warning,
                        format!("the value {} has leading or trailing spaces; Graph compares them exactly", lit.text),
                        Some(format!("did you mean '{}'?", s.trim())),
                    );
                }
                None
            }
            (LiteralValue::Bool(_), BaseType::Boolean) => None,
            (LiteralValue::String(s), BaseType::Boolean)
                if s.eq_ignore_ascii_case("true") || s.eq_ignore_ascii_case("false") =>
            {
                Some(mismatch(
                    "a Boolean",
                    format!("drop the quotes: {name} eq {}", s.to_ascii_lowercase()),
                ))
            }
            (_, BaseType::Boolean) => Some(mismatch("a Boolean", "use true or false".into())),
            (LiteralValue::Guid(_), BaseType::Guid) => None,
            (LiteralValue::String(s), BaseType::Guid) if uuid::Uuid::parse_str(s).is_ok() => {
                Some(mismatch("an Edm.Guid", format!("drop the quotes: {s}")))
            }
            (_, BaseType::Guid) => Some(mismatch(
                "an Edm.Guid",
                "write the GUID without quotes, e.g. 00000000-0000-0000-0000-000000000000".into(),
            )),
            (LiteralValue::Guid(g), BaseType::String) => {
                Some(mismatch("a String", format!("quote the value: '{g}'")))
            }
            (LiteralValue::Int(_) | LiteralValue::Decimal(_), BaseType::String) => Some(mismatch(
                "a String",
                format!("quote the value: '{}'", lit.text),
            )),
            (LiteralValue::Bool(b), BaseType::String) => {
                Some(mismatch("a String", format!("quote the value: '{b}'")))
            }
            (LiteralValue::DateTimeOffset(_) | LiteralValue::Date(_), BaseType::String) => Some(
                mismatch("a String", format!("quote the value: '{}'", lit.text)),
            ),
            (LiteralValue::DateTimeOffset(_), BaseType::DateTimeOffset) => None,
            // Graph answers 400 Request_UnsupportedQuery "The type of the value doesn't match the
            // property whose type is DateTime" (microsoft-graph-docs issue #17744, 2022).
            (LiteralValue::Date(_), BaseType::DateTimeOffset) => {
                self.diag(
                    Code::DateWithoutTime,
                    span.clone(),
                    Severity::Error,
                    format!(
                        "{} is a date without a time; Graph rejects it for a DateTimeOffset property",
                        lit.text
                    ),
                    Some(format!("write {}T00:00:00Z", lit.text)),
                );
                None
            }
            (LiteralValue::String(s), BaseType::DateTimeOffset) => Some(mismatch(
                "a DateTimeOffset",
                format!(
                    "drop the quotes: {s} (DateTimeOffset values are written bare, e.g. 2024-01-01T00:00:00Z)"
                ),
            )),
            (_, BaseType::DateTimeOffset) => Some(mismatch(
                "a DateTimeOffset",
                "write e.g. 2024-01-01T00:00:00Z".into(),
            )),
            (LiteralValue::Int(_), b) if b.is_numeric() => None,
            (LiteralValue::Decimal(_), BaseType::Double) => None,
            (LiteralValue::String(s), b) if b.is_numeric() && s.trim().parse::<f64>().is_ok() => {
                Some(mismatch("a number", format!("drop the quotes: {s}")))
            }
            (_, b) if b.is_numeric() => Some(mismatch("a number", "write a number".into())),
            (_, BaseType::Complex(c)) => Some((
                format!("'{name}' is a {c}; compare one of its properties"),
                None,
            )),
            _ => None,
        };
        if let Some((msg, hint)) = problem {
            self.diag(Code::TypeMismatch, span, Severity::Error, msg, hint);
        }
    }

    fn check_compare(
        &mut self,
        whole: &Expr,
        left: &Expr,
        op: CompareOp,
        op_span: Span,
        right: &Expr,
        negated: bool,
    ) {
        // Property on the left, literal on the right.
        let (path_expr, value_expr) = match (&left.kind, &right.kind) {
            (ExprKind::Path(_), _) => (left, right),
            (ExprKind::Literal(_), ExprKind::Path(p)) => {
                self.diag(
                    Code::UnsupportedExpression,
                    whole.span.clone(),
                    Severity::Error,
                    "Graph needs the property on the left of a comparison",
                    Some(format!(
                        "write {p} {op} {}",
                        left.as_literal()
                            .map(|l| l.text.as_str())
                            .unwrap_or("value")
                    )),
                );
                return;
            }
            (ExprKind::Call(c), _) => {
                self.check_call(left, c, false);
                self.diag(
                    Code::UnsupportedExpression,
                    whole.span.clone(),
                    Severity::Warning,
                    format!(
                        "comparing the result of {}() with a value is not documented for directory objects",
                        c.name
                    ),
                    Some(
                        "use the function as the condition itself: startsWith(displayName,'a')"
                            .into(),
                    ),
                );
                return;
            }
            _ => {
                self.diag(
                    Code::UnsupportedExpression,
                    left.span.clone(),
                    Severity::Error,
                    "expected a property name on the left of the comparison",
                    None,
                );
                return;
            }
        };
        let Some(p) = path_expr.as_path() else { return };
        if let [rel, count] = p.segments.as_slice()
            && count.is_count()
            && !p.from_variable
            && self.entity.property(&rel.name).is_none()
            && let Some(rel_name) = RELATIONSHIPS
                .iter()
                .find(|r| r.eq_ignore_ascii_case(&rel.name))
        {
            // e.g. applications?$filter=owners/$count eq 1 (filter-query-parameter.md)
            self.report.require_advanced(format!(
                "{rel_name}/$count in $filter is supported only in advanced queries"
            ));
            if !matches!(
                value_expr.as_literal().map(|l| &l.value),
                Some(LiteralValue::Int(_))
            ) {
                self.diag(
                    Code::CountComparison,
                    value_expr.span.clone(),
                    Severity::Error,
                    "/$count is compared with a whole number",
                    Some(format!("{rel_name}/$count eq 1")),
                );
            }
            return;
        }
        let Some(r) = self.resolve(p, true) else {
            return;
        };
        let is_null = matches!(
            value_expr.as_literal().map(|l| &l.value),
            Some(LiteralValue::Null)
        );
        if r.count {
            self.report.require_advanced(format!(
                "{} in $filter is supported only in advanced queries",
                r.text
            ));
            let caps = r.prop;
            if caps.filter_mode(FilterOp::Count).is_none() {
                self.reject(
                    Code::CountComparison,
                    caps,
                    p.span(),
                    format!("'{}' does not support /$count in $filter", caps.name),
                    None,
                );
            }
            match value_expr.as_literal().map(|l| &l.value) {
                Some(LiteralValue::Int(n)) => {
                    if !matches!(op, CompareOp::Eq | CompareOp::Ne) || !(0..=1).contains(n) {
                        self.diag(
                            Code::CountComparison,
                            whole.span.clone(),
                            Severity::Warning,
                            "Graph documents only /$count eq 0, ne 0, eq 1 and ne 1",
                            None,
                        );
                    }
                }
                _ => self.diag(
                    Code::CountComparison,
                    value_expr.span.clone(),
                    Severity::Error,
                    "/$count is compared with a whole number",
                    Some(format!("{} eq 0", r.text)),
                ),
            }
            return;
        }
        let Some(cmp) = op_for(op) else {
            self.diag(
                Code::UnsupportedOperator,
                op_span,
                Severity::Error,
                format!("the {op} operator is not supported on directory objects"),
                Some(format!("compare with eq: {} eq 'value'", r.text)),
            );
            return;
        };
        let fop = if is_null { FilterOp::Null } else { cmp };
        let ok = self.check_op(
            &r,
            fop,
            p.span(),
            op_span.start..value_expr.span.end,
            negated,
        );
        if is_null && op == CompareOp::Ne && ok {
            self.report.require_advanced(format!(
                "ne on {} is supported only in advanced queries",
                r.text
            ));
        }
        if !matches!(op, CompareOp::Eq | CompareOp::Ne) && is_null {
            self.diag(
                Code::TypeMismatch,
                value_expr.span.clone(),
                Severity::Error,
                format!("null can only be compared with eq or ne, not {op}"),
                None,
            );
        }
        self.check_value(&r, value_expr);
    }

    fn check_in(&mut self, left: &Expr, in_span: Span, list: &[Expr], negated: bool) {
        let Some(p) = left.as_path() else {
            self.diag(
                Code::UnsupportedExpression,
                left.span.clone(),
                Severity::Error,
                "expected a property name before in",
                None,
            );
            return;
        };
        let Some(r) = self.resolve(p, true) else {
            return;
        };
        if self.check_op(&r, FilterOp::In, p.span(), in_span, negated) {
            for item in list {
                self.check_value(&r, item);
            }
        }
    }

    fn check_call(&mut self, e: &Expr, call: &Call, negated: bool) {
        let func = match call.function() {
            Some(Function::StartsWith) => FilterOp::StartsWith,
            Some(Function::EndsWith) => FilterOp::EndsWith,
            Some(Function::Contains) => {
                self.diag(Code::UnsupportedFunction,
                    call.name_span.clone(),
                    Severity::Error,
                    "contains() is not supported on directory objects",
                    Some(
                        "use startsWith(), or $search=\"displayName:word\" (advanced query) to match words"
                            .into(),
                    ),
                );
                return;
            }
            None => {
                let known = UNSUPPORTED_FUNCTIONS
                    .iter()
                    .find(|f| f.eq_ignore_ascii_case(&call.name));
                let (msg, hint) = match known {
                    Some(f) => (
                        format!("{f}() is not supported on directory objects"),
                        Some(if matches!(*f, "tolower" | "toupper") {
                            "Graph compares directory strings case-insensitively already: drop the function".to_string()
                        } else if *f == "substringof" {
                            "use startsWith(), or $search (advanced query) to match words"
                                .to_string()
                        } else {
                            "Graph supports startsWith, endsWith (advanced) and any()/all() lambdas"
                                .to_string()
                        }),
                    ),
                    None => {
                        let sugg = did_you_mean(&call.name, ["startsWith", "endsWith"]);
                        (
                            format!("unknown function '{}'", call.name),
                            sugg.first().map(|s| format!("did you mean '{s}'?")),
                        )
                    }
                };
                self.diag(
                    Code::UnsupportedFunction,
                    call.name_span.clone(),
                    Severity::Error,
                    msg,
                    hint,
                );
                return;
            }
        };
        if call.args.len() != 2 {
            self.diag(
                Code::BadArguments,
                e.span.clone(),
                Severity::Error,
                format!(
                    "{}() takes two arguments: a property and a string",
                    call.name
                ),
                Some(format!("{}(displayName,'abc')", func.as_str())),
            );
            return;
        }
        let Some(p) = call.args[0].as_path() else {
            self.diag(
                Code::BadArguments,
                call.args[0].span.clone(),
                Severity::Error,
                format!("the first argument of {}() must be a property", call.name),
                None,
            );
            return;
        };
        let Some(r) = self.resolve(p, true) else {
            return;
        };
        if r.ty.collection {
            self.diag(
                Code::CollectionNeedsAny,
                call.args[0].span.clone(),
                Severity::Error,
                format!(
                    "'{}' is a collection; use {}() inside any()",
                    r.text,
                    func.as_str()
                ),
                Some(format!(
                    "{}/any(x:{}(x,'value'))",
                    r.prop.name,
                    func.as_str()
                )),
            );
            return;
        }
        if r.ty.base != BaseType::String {
            self.diag(
                Code::TypeMismatch,
                call.args[0].span.clone(),
                Severity::Error,
                format!(
                    "{}() works on strings, but '{}' is a {}",
                    func.as_str(),
                    r.text,
                    r.ty
                ),
                None,
            );
            return;
        }
        if func == FilterOp::EndsWith
            && !ENDSWITH_PROPS
                .iter()
                .any(|n| n.eq_ignore_ascii_case(&r.prop.name))
        {
            self.diag(
                Code::UnsupportedOperator,
                call.name_span.clone(),
                Severity::Error,
                format!("endsWith is not supported on '{}'", r.text),
                Some(format!(
                    "endsWith works only on {} (advanced queries)",
                    ENDSWITH_PROPS.join(", ")
                )),
            );
            return;
        }
        self.check_op(&r, func, p.span(), e.span.clone(), negated);
        match call.args[1].as_literal().map(|l| &l.value) {
            Some(LiteralValue::String(s)) => {
                if s.is_empty() {
                    self.diag(
                        Code::MatchesEverything,
                        call.args[1].span.clone(),
                        Severity::Warning,
                        format!("{}({}, '') matches every value", call.name, r.text),
                        Some("type the text to match, or drop the condition".into()),
                    );
                }
            }
            _ => self.diag(
                Code::BadArguments,
                call.args[1].span.clone(),
                Severity::Error,
                format!(
                    "the second argument of {}() must be a quoted string",
                    call.name
                ),
                Some(format!("{}({},'abc')", func.as_str(), r.text)),
            ),
        }
    }

    fn check_lambda(&mut self, e: &Expr, l: &Lambda, negated: bool) {
        let p = &l.collection;
        let Some(first) = p.segments.first() else {
            return;
        };
        let prop = if p.from_variable {
            self.diag(
                Code::UnsupportedExpression,
                p.span(),
                Severity::Error,
                "nested lambdas are not supported by Graph",
                None,
            );
            return;
        } else if p.segments.len() == 2
            && let Some((top, sub)) = self.entity.property(&first.name).and_then(|top| {
                capabilities()
                    .complex_of(top)
                    .and_then(|c| c.property(&p.segments[1].name))
                    .map(|sub| (top, sub))
            })
        {
            // e.g. authorizationInfo/certificateUserIds/any(x:x eq '...')
            self.used.push(top.name.as_str());
            sub
        } else if p.segments.len() > 1 {
            // e.g. manager/memberOf/any(...)
            let _ = self.resolve(p, true);
            return;
        } else {
            match self.entity.property(&first.name) {
                Some(prop) => prop,
                None => {
                    let pp = PropertyPath {
                        segments: vec![first.clone()],
                        from_variable: false,
                    };
                    let _ = self.resolve(&pp, true);
                    return;
                }
            }
        };
        self.used.push(prop.name.as_str());
        if !prop.ty.collection {
            self.diag(
                Code::NotACollection,
                p.span(),
                Severity::Error,
                format!(
                    "'{}' is not a collection; {}() works on collections",
                    prop.name, l.kind
                ),
                Some(format!("compare it directly: {} eq 'value'", prop.name)),
            );
            return;
        }
        if !prop.filterable() {
            self.reject(
                Code::NotFilterable,
                prop,
                p.span(),
                format!("'{}' cannot be used in $filter", prop.name),
                prop.note.clone(),
            );
            return;
        }
        if l.kind == LambdaKind::All {
            self.diag(
                Code::AllLambda,
                l.kind_span.clone(),
                Severity::Warning,
                "Graph documents only any() for directory objects; all() is likely rejected",
                Some("use not and any(): not x/any(y:y ne 'v')".into()),
            );
        }
        if negated {
            match prop.filter_mode(FilterOp::Not) {
                Some(_) => {}
                None => self.reject(
                    Code::UnsupportedOperator,
                    prop,
                    e.span.clone(),
                    format!("'{}' cannot be negated with not", prop.name),
                    Some(format!("{} supports {}", prop.name, prop.ops_summary())),
                ),
            }
        }
        let Some((var, _)) = &l.variable else {
            // documented: groups?$filter=assignedLicenses/any() (group-list.md)
            self.diag(
                Code::EmptyLambda,
                e.span.clone(),
                Severity::Info,
                format!(
                    "{}/{}() with no condition matches objects whose {} is not empty",
                    prop.name, l.kind, prop.name
                ),
                None,
            );
            return;
        };
        let complex = capabilities().complex_of(prop);
        self.scope.push(Binding {
            name: var.clone(),
            prop,
            complex,
        });
        if let Some(body) = &l.body {
            self.check(body, false);
        }
        self.scope.pop();
    }
}

/// Lints a parsed `$filter` against an entity. `src` is the text it was parsed from.
pub fn lint_filter_expr(entity: &Entity, expr: &Expr) -> LintReport {
    let mut l = FilterLinter::new(entity);
    l.check(expr, false);
    let mut used = l.used.clone();
    used.sort();
    used.dedup();
    if used.contains(&"signInActivity") {
        l.report.push(
            Code::Permission,
            QueryPart::Filter,
            expr.span.clone(),
            Severity::Info,
            "signInActivity needs AuditLog.Read.All and an Entra ID P1/P2 licence; pages hold at most 500 users",
            None,
        );
    }
    if used.contains(&"signInActivity") && used.len() > 1 {
        l.report.push(
            Code::SignInActivityCombined,
            QueryPart::Filter,
            expr.span.clone(),
            Severity::Error,
            "signInActivity cannot be combined with other properties in $filter",
            Some("filter on signInActivity alone and narrow the results afterwards".into()),
        );
    }
    flag_default_only(entity, expr, &mut l.report);
    // More than 15 OR-ed clauses (an `in` list counts each value) is rejected by default with
    // "Too many child clauses specified in search filter expression containing 'OR' operators:
    // 16. Max allowed: 15"; advanced queries lift the limit (microsoft-graph-docs issue #21098,
    // filter-query-parameter.md).
    let widest = widest_or(expr);
    if widest > 15 {
        l.report.require_advanced(format!(
            "{widest} OR-ed values (or in-list items) exceed the default limit of 15"
        ));
    }
    // "search filter expression has excessive height: 4. Max allowed: 3" (observed 2018,
    // microsoft-graph-docs issue #3641; unverified whether still enforced).
    let height = and_or_height(expr);
    if height > 3 {
        l.report.push(
            Code::FilterTooDeep,
            QueryPart::Filter,
            expr.span.clone(),
            Severity::Warning,
            format!(
                "and/or nested {height} levels deep; Graph has rejected filters deeper than 3 (\"excessive height\")"
            ),
            Some("rewrite as an or of ands: (a and c) or (b and c)".into()),
        );
    }
    l.report
        .diagnostics
        .sort_by_key(|d| (d.span.start, d.span.end, d.severity));
    l.report
}

/// Properties used in `expr` whose filter fails in advanced queries (table rows with
/// `advanced_filter = false`), with the span of their first use.
fn default_only_properties(entity: &Entity, expr: &Expr) -> Vec<(String, Span)> {
    let mut out: Vec<(String, Span)> = Vec::new();
    expr.walk(&mut |e| {
        let path = match &e.kind {
            ExprKind::Path(p) if !p.from_variable => p,
            ExprKind::Lambda(l) if !l.collection.from_variable => &l.collection,
            _ => return,
        };
        if let Some(prop) = path.segments.first().and_then(|s| entity.property(&s.name))
            && !prop.advanced_filter
            && !out.iter().any(|(n, _)| *n == prop.name)
        {
            out.push((prop.name.clone(), path.span()));
        }
    });
    out
}

/// When the request is an advanced query, flags the properties whose filter fails there
/// (hasMembersWithLicenseErrors: "doesn't soft-fail if you use advanced query parameters",
/// microsoft-graph-docs-contrib PR #9437).
fn flag_default_only(entity: &Entity, expr: &Expr, report: &mut LintReport) {
    if !report.advanced_query {
        return;
    }
    for (name, span) in default_only_properties(entity, expr) {
        let msg = format!("{name} cannot be filtered in an advanced query");
        if report.diagnostics.iter().any(|d| d.message == msg) {
            continue;
        }
        let hint = format!(
            "filter on {name} without ConsistencyLevel: eventual and $count=true, and without what needs them ({})",
            report.advanced_query_reasons.join("; ")
        );
        report.push(
            Code::NotFilterable,
            QueryPart::Filter,
            span,
            Severity::Error,
            msg,
            Some(hint),
        );
    }
}

/// The largest number of alternatives in one `or` chain or `in` list.
fn widest_or(e: &Expr) -> usize {
    let mut widest = 0;
    e.walk(&mut |n| match &n.kind {
        ExprKind::Or(items) => widest = widest.max(items.len()),
        ExprKind::In { list, .. } => widest = widest.max(list.len()),
        _ => {}
    });
    widest
}

/// Height of the and/or tree (a condition is 1; `not` and parentheses are transparent).
fn and_or_height(e: &Expr) -> usize {
    match &e.kind {
        ExprKind::And(items) | ExprKind::Or(items) => {
            1 + items.iter().map(and_or_height).max().unwrap_or(0)
        }
        ExprKind::Not { expr, .. } => and_or_height(expr),
        _ => 1,
    }
}

/// Parses and lints a `$filter`; a parse error becomes an error diagnostic.
pub fn lint_filter(entity: &Entity, src: &str) -> LintReport {
    match super::filter::parse(src) {
        Ok(expr) => lint_filter_expr(entity, &expr),
        Err(e) => LintReport {
            diagnostics: vec![parse_error_diag(QueryPart::Filter, &e)],
            ..Default::default()
        },
    }
}

fn parse_error_diag(part: QueryPart, e: &super::error::ParseError) -> Diagnostic {
    let message = if e.expected.is_empty() || e.message.contains("expected") {
        e.message.clone()
    } else {
        format!(
            "{} (expected {})",
            e.message,
            super::error::join_alternatives(&e.expected)
        )
    };
    Diagnostic {
        code: Code::Syntax,
        part,
        span: e.span.clone(),
        severity: Severity::Error,
        message,
        hint: e.hint.clone(),
    }
}

fn lint_search(entity: &Entity, src: &str, report: &mut LintReport) {
    report.require_advanced(
        "$search is supported only in advanced queries (ConsistencyLevel: eventual)",
    );
    let expr = match super::search::parse(src) {
        Ok(e) => e,
        Err(e) => {
            report
                .diagnostics
                .push(parse_error_diag(QueryPart::Search, &e));
            return;
        }
    };
    for clause in expr.clauses() {
        let (Some(prop_name), Some(pspan)) = (&clause.property, &clause.property_span) else {
            report.push(
                Code::SearchSyntax,
                QueryPart::Search,
                clause.value_span.clone(),
                Severity::Error,
                "a $search clause on directory objects names a property: \"property:text\"",
                Some(format!("\"displayName:{}\"", clause.value)),
            );
            continue;
        };
        let pspan = pspan.clone();
        let Some(prop) = entity.property(prop_name.trim()) else {
            let sugg = entity.suggest(prop_name.trim());
            report.push(
                Code::UnknownProperty,
                QueryPart::Search,
                pspan,
                Severity::Error,
                format!("unknown property '{}' on {}", prop_name.trim(), entity.name),
                sugg.first().map(|s| format!("did you mean '{s}'?")),
            );
            continue;
        };
        if clause.value.trim().is_empty() {
            report.push(
                Code::SearchEmptyClause,
                QueryPart::Search,
                clause.value_span.clone(),
                Severity::Warning,
                format!("the $search clause for {} has no text", prop.name),
                None,
            );
        }
        match prop.search {
            Some(SearchKind::Tokenized) => {}
            Some(SearchKind::Prefix) => report.push(Code::SearchNotTokenized,
                QueryPart::Search,
                pspan,
                Severity::Warning,
                format!(
                    "$search on {} is not tokenised: it matches values that start with the text",
                    prop.name
                ),
                Some("only displayName and description are split into words".into()),
            ),
            None if prop.ty.base == BaseType::String && !prop.ty.collection => report.push(Code::SearchUndocumented,
                QueryPart::Search,
                pspan,
                Severity::Warning,
                format!(
                    "{} is not documented as searchable; if Graph accepts it, it behaves like startsWith",
                    prop.name
                ),
                Some("displayName and description are the tokenised $search properties".into()),
            ),
            None => report.push(Code::NotSearchable,
                QueryPart::Search,
                pspan,
                Severity::Error,
                format!("{} ({}) cannot be used in $search", prop.name, prop.ty),
                Some("$search works on string properties such as displayName".into()),
            ),
        }
    }
}

fn lint_orderby(entity: &Entity, src: &str, has_filter: bool, report: &mut LintReport) {
    let items = match super::options::parse_orderby(src) {
        Ok(items) => items,
        Err(e) => {
            report
                .diagnostics
                .push(parse_error_diag(QueryPart::Orderby, &e));
            return;
        }
    };
    for item in items {
        let name = item.path.to_text();
        let nspan = item.path.span();
        if item.path.segments.len() > 1 {
            report.push(
                Code::NotSortable,
                QueryPart::Orderby,
                nspan,
                Severity::Error,
                format!("'{name}': directory objects sort only on their own properties"),
                None,
            );
            continue;
        }
        let Some(prop) = entity.property(&name) else {
            let sugg = entity.suggest(&name);
            report.push(
                Code::UnknownProperty,
                QueryPart::Orderby,
                nspan,
                Severity::Error,
                format!("unknown property '{name}' on {}", entity.name),
                sugg.first().map(|s| format!("did you mean '{s}'?")),
            );
            continue;
        };
        match prop.orderby {
            Some(Mode::Default) => {}
            Some(Mode::Advanced) => report.require_advanced(format!(
                "$orderby on {} is supported only in advanced queries",
                prop.name
            )),
            None => {
                let sortable: Vec<&str> = entity
                    .all_properties()
                    .into_iter()
                    .filter(|p| p.orderby.is_some())
                    .map(|p| p.name.as_str())
                    .collect();
                let msg = format!("{} cannot be used in $orderby", prop.name);
                let hint = Some(format!("sortable: {}", sortable.join(", ")));
                if prop.verified {
                    report.push(
                        Code::NotSortable,
                        QueryPart::Orderby,
                        nspan,
                        Severity::Error,
                        msg,
                        hint,
                    );
                } else {
                    report.push(
                        Code::NotSortable,
                        QueryPart::Orderby,
                        nspan,
                        Severity::Warning,
                        format!("{msg} (capability not verified against the docs)"),
                        hint,
                    );
                }
            }
        }
    }
    if has_filter {
        report.require_advanced(
            "$filter together with $orderby is supported only in advanced queries",
        );
    }
}

fn lint_select(entity: &Entity, select: &[String], report: &mut LintReport) {
    let mut offset = 0;
    for name in select {
        let span = offset..offset + name.len();
        offset += name.len() + 1;
        let n = name.trim();
        if n.is_empty() || n == "*" {
            continue;
        }
        if entity.property(n).is_none()
            && !RELATIONSHIPS.iter().any(|r| r.eq_ignore_ascii_case(n))
            && !n.starts_with("extension_")
        {
            let sugg = entity.suggest(n);
            report.push(
                Code::UnknownSelect,
                QueryPart::Select,
                span,
                Severity::Warning,
                format!(
                    "'{n}' is not a known {} property; Graph ignores or rejects it",
                    entity.name
                ),
                sugg.first().map(|s| format!("did you mean '{s}'?")),
            );
        }
    }
}

fn lint_expand(src: &str, report: &mut LintReport) {
    let items = match super::options::parse_expand(src) {
        Ok(items) => items,
        Err(e) => {
            report
                .diagnostics
                .push(parse_error_diag(QueryPart::Expand, &e));
            return;
        }
    };
    if !items.is_empty() {
        report.push(
            Code::ExpandLimits,
            QueryPart::Expand,
            0..src.len(),
            Severity::Info,
            "expanded relationships on directory objects return at most 20 objects (100 for registeredDevices) and no nextLink",
            Some("to list every member, GET the relationship itself, e.g. /groups/{id}/members".into()),
        );
    }
    for item in items {
        let name = item.path.to_text();
        let nspan = item.path.span();
        if name == "*" {
            continue;
        }
        if !EXPANDABLE.iter().any(|e| e.eq_ignore_ascii_case(&name)) {
            let sugg = did_you_mean(&name, EXPANDABLE.iter().copied());
            report.push(
                Code::UnknownExpand,
                QueryPart::Expand,
                nspan.clone(),
                Severity::Warning,
                format!("'{name}' is not a known expandable relationship"),
                sugg.first().map(|s| format!("did you mean '{s}'?")),
            );
        }
        let o = &item.options;
        if name.eq_ignore_ascii_case("manager") && o.select.is_some() && o.levels.is_none() {
            report.push(
                Code::UnsupportedExpandOption,
                QueryPart::Expand,
                item.span.clone(),
                Severity::Error,
                "a nested $select on manager needs $levels",
                Some("manager($levels=max;$select=id,displayName)".into()),
            );
        }
        if let Some((_, span)) = &o.levels
            && !name.eq_ignore_ascii_case("manager")
        {
            report.push(
                Code::UnsupportedExpandOption,
                QueryPart::Expand,
                span.clone(),
                Severity::Error,
                "$levels is supported only when expanding manager",
                None,
            );
        }
        for (opt, span) in [
            (o.filter.as_ref().map(|(_, s)| s), "$filter"),
            (o.orderby.as_ref().map(|(_, s)| s), "$orderby"),
            (o.search.as_ref().map(|(_, s)| s), "$search"),
            (o.top.as_ref().map(|(_, s)| s), "$top"),
            (o.expand.as_ref().map(|(_, s)| s), "$expand"),
        ]
        .into_iter()
        .filter_map(|(s, n)| s.map(|s| (n, s.clone())))
        {
            report.push(
                Code::UnsupportedExpandOption,
                QueryPart::Expand,
                span,
                Severity::Error,
                format!("nested {opt} inside $expand is not supported on directory objects"),
                Some(
                    "query the relationship directly, e.g. GET /users/{id}/memberOf?$filter=..."
                        .into(),
                ),
            );
        }
    }
}

/// Lints a whole set of query options against an entity: `$filter`, `$search`, `$orderby`,
/// `$select` (unknown names are warnings), `$expand`, `$top` and `$count`.
pub fn lint_query(entity: &Entity, opts: &QueryOptions) -> LintReport {
    let mut report = LintReport::default();
    if let Some(f) = &opts.filter {
        report.merge(lint_filter(entity, f));
    }
    if let Some(s) = &opts.search {
        lint_search(entity, s, &mut report);
    }
    if let Some(o) = &opts.orderby {
        lint_orderby(entity, o, opts.filter.is_some(), &mut report);
    }
    if !opts.select.is_empty() {
        lint_select(entity, &opts.select, &mut report);
    }
    if let Some(e) = &opts.expand {
        lint_expand(e, &mut report);
    }
    if let Some(top) = opts.top {
        let uses_sign_in = opts
            .select
            .iter()
            .any(|s| s.eq_ignore_ascii_case("signInActivity"))
            || opts
                .filter
                .as_deref()
                .is_some_and(|f| f.to_ascii_lowercase().contains("signinactivity"));
        let len = top.to_string().len();
        if !(1..=999).contains(&top) {
            report.push(Code::TopRange,
                QueryPart::Top,
                0..len,
                Severity::Error,
                format!("Invalid page size specified: '{top}'. Must be between 1 and 999 inclusive."),
                Some("Graph pages directory lists at most 999 items; follow @odata.nextLink for more".into()),
            );
        } else if uses_sign_in && top > 500 {
            report.push(
                Code::TopRange,
                QueryPart::Top,
                0..len,
                Severity::Error,
                "with signInActivity, $top can be at most 500",
                None,
            );
        }
    }
    if opts.count {
        report.require_advanced("$count=true is ignored unless the request is an advanced query");
    }
    if let Some(f) = &opts.filter
        && let Ok(expr) = super::filter::parse(f)
    {
        flag_default_only(entity, &expr, &mut report);
    }
    if let Some(e) = &opts.expand
        && report.advanced_query
    {
        report.push(
            Code::ExpandWithAdvanced,
            QueryPart::Expand,
            0..e.len(),
            Severity::Error,
            "$expand is not supported together with advanced queries",
            Some(format!(
                "drop $expand, or avoid what needs advanced mode ({})",
                report.advanced_query_reasons.join("; ")
            )),
        );
    }
    report
}

/// Lints a request: resolves the entity from `entity` (a name such as `users`) or from the path,
/// adds path-level advanced-query triggers (`/$count`, OData cast on transitive lists, queries on
/// relationship lists) and lints the options. Paths graphtui has no capability data for get an
/// empty report with one info diagnostic.
pub fn lint_request(path: &str, entity: Option<&str>, opts: &QueryOptions) -> LintReport {
    let caps = capabilities();
    let target = caps.resolve_path(path);
    let ent = match entity {
        Some(name) => caps
            .entity(name)
            .or_else(|| caps.resolve_path(name).map(|t| t.entity)),
        None => target.as_ref().map(|t| t.entity),
    };
    let Some(ent) = ent else {
        let mut r = LintReport::default();
        if !opts.is_empty() {
            r.push(
                Code::NoCapabilityData,
                QueryPart::Path,
                0..path.len(),
                Severity::Info,
                format!("no capability data for '{path}': query options not checked"),
                None,
            );
        }
        return r;
    };
    let mut report = lint_query(ent, opts);
    if let Some(t) = &target {
        if t.count_segment {
            report.require_advanced("the /$count segment is supported only in advanced queries");
        }
        if t.cast.is_some() && t.transitive() {
            report.require_advanced(
                "OData cast on a transitive list is supported only in advanced queries",
            );
        }
        if let Some(rel) = &t.relationship
            && !t.single
            && (opts.filter.is_some() || opts.search.is_some() || opts.orderby.is_some())
        {
            report.require_advanced(format!(
                "$filter, $search and $orderby on the {rel} list are supported only in advanced queries"
            ));
        }
        if t.single && (opts.filter.is_some() || opts.search.is_some() || opts.top.is_some()) {
            report.push(
                Code::SingleObject,
                QueryPart::Path,
                0..path.len(),
                Severity::Warning,
                "this path reads a single object; $filter, $search and $top apply to lists",
                None,
            );
        }
    }
    if let Some(f) = &opts.filter
        && let Ok(expr) = super::filter::parse(f)
    {
        flag_default_only(ent, &expr, &mut report);
    }
    report
}

#[cfg(test)]
mod tests {
    use super::*;

    fn users() -> &'static Entity {
        capabilities().entity("users").unwrap()
    }
    fn groups() -> &'static Entity {
        capabilities().entity("groups").unwrap()
    }

    fn errors(r: &LintReport) -> Vec<&str> {
        r.diagnostics
            .iter()
            .filter(|d| d.severity == Severity::Error)
            .map(|d| d.message.as_str())
            .collect()
    }

    #[test]
    fn has_members_with_license_errors_fails_in_advanced_queries() {
        let f = "hasMembersWithLicenseErrors eq true";
        let r = lint_filter(groups(), f);
        assert!(errors(&r).is_empty() && !r.advanced_query, "{r:?}");
        let opts = QueryOptions {
            filter: Some(f.into()),
            count: true,
            ..Default::default()
        };
        let r = lint_query(groups(), &opts);
        assert_eq!(
            errors(&r),
            ["hasMembersWithLicenseErrors cannot be filtered in an advanced query"]
        );
        let r = lint_filter(groups(), &format!("{f} and displayName ne 'x'"));
        assert_eq!(
            errors(&r),
            ["hasMembersWithLicenseErrors cannot be filtered in an advanced query"]
        );
        let r = lint_request(
            "/groups/$count",
            None,
            &QueryOptions {
                filter: Some(f.into()),
                ..Default::default()
            },
        );
        assert_eq!(errors(&r).len(), 1, "{r:?}");
    }

    #[test]
    fn clean_default_filters_pass() {
        for f in [
            "accountEnabled eq false",
            "startsWith(displayName,'a')",
            "userType eq 'Guest'",
            "assignedLicenses/any(x:x/skuId eq 184efa21-98c3-4e5d-95ab-d07053a96e67)",
            "proxyAddresses/any(p:startsWith(p,'smtp:'))",
            "identities/any(c:c/issuerAssignedId eq 'j.smith@example.com' and c/issuer eq 'contoso.onmicrosoft.com')",
            "id in ('a','b')",
            "createdDateTime ge 2021-01-01T00:00:00Z",
        ] {
            let r = lint_filter(users(), f);
            assert!(errors(&r).is_empty(), "{f}: {:?}", r.diagnostics);
            assert!(!r.advanced_query, "{f}: {:?}", r.advanced_query_reasons);
        }
        let r = lint_filter(groups(), "groupTypes/any(c:c eq 'Unified')");
        assert!(errors(&r).is_empty() && !r.advanced_query, "{r:?}");
    }

    #[test]
    fn type_mismatches_are_errors() {
        let r = lint_filter(users(), "accountEnabled eq 'true'");
        let e = &r.diagnostics[0];
        assert_eq!(e.severity, Severity::Error);
        assert!(e.message.contains("Boolean"), "{}", e.message);
        assert_eq!(e.span, 18..24);
        assert!(
            e.hint
                .as_deref()
                .unwrap()
                .contains("accountEnabled eq true")
        );
        let r = lint_filter(
            users(),
            "assignedLicenses/any(x:x/skuId eq '184efa21-98c3-4e5d-95ab-d07053a96e67')",
        );
        assert!(errors(&r)[0].contains("Edm.Guid"), "{r:?}");
        let r = lint_filter(users(), "id eq 184efa21-98c3-4e5d-95ab-d07053a96e67");
        assert!(errors(&r)[0].contains("String"), "{r:?}");
        let r = lint_filter(users(), "displayName eq 42");
        assert!(errors(&r)[0].contains("String"), "{r:?}");
        let r = lint_filter(users(), "createdDateTime ge '2021-01-01T00:00:00Z'");
        assert!(errors(&r)[0].contains("DateTimeOffset"), "{r:?}");
    }

    #[test]
    fn unknown_property_suggests() {
        let r = lint_filter(users(), "dispalyName eq 'x'");
        let d = &r.diagnostics[0];
        assert_eq!(d.code, Code::UnknownProperty);
        assert_eq!(d.code.as_str(), "unknown-property");
        assert_eq!(d.span, 0..11);
        assert!(d.message.contains("unknown property 'dispalyName'"));
        assert_eq!(d.hint.as_deref(), Some("did you mean 'displayName'?"));
    }

    #[test]
    fn collections_need_any() {
        let r = lint_filter(users(), "proxyAddresses eq 'smtp:a@b.c'");
        assert!(errors(&r)[0].contains("collection"), "{r:?}");
        assert!(
            r.diagnostics[0]
                .hint
                .as_deref()
                .unwrap()
                .contains("proxyAddresses/any(")
        );
        let r = lint_filter(groups(), "groupTypes eq 'Unified'");
        assert!(
            r.diagnostics[0]
                .hint
                .as_deref()
                .unwrap()
                .contains("groupTypes/any(x:x eq 'Unified')"),
            "{r:?}"
        );
    }

    #[test]
    fn unsupported_functions_and_operators() {
        let r = lint_filter(users(), "contains(displayName,'a')");
        assert!(errors(&r)[0].contains("contains() is not supported"));
        let r = lint_filter(users(), "endsWith(displayName,'a')");
        assert!(errors(&r)[0].contains("endsWith is not supported on 'displayName'"));
        let r = lint_filter(users(), "city gt 'a'");
        assert!(errors(&r)[0].contains("gt is not supported"), "{r:?}");
        assert!(r.diagnostics[0].hint.as_deref().unwrap().contains("ge/le"));
        let r = lint_filter(users(), "aboutMe eq 'x'");
        assert!(errors(&r)[0].contains("cannot be used in $filter"));
        let r = lint_filter(users(), "startsWith(accountEnabled,'t')");
        assert!(errors(&r)[0].contains("works on strings"));
    }

    #[test]
    fn advanced_triggers_have_reasons() {
        let r = lint_filter(users(), "endsWith(mail,'@contoso.com')");
        assert!(errors(&r).is_empty(), "{r:?}");
        assert!(r.advanced_query);
        assert!(r.advanced_query_reasons[0].contains("endsWith"));
        let r = lint_filter(users(), "accountEnabled ne true");
        assert!(r.advanced_query_reasons[0].contains("ne on accountEnabled"));
        let r = lint_filter(users(), "not startsWith(displayName,'Conf')");
        assert!(r.advanced_query && errors(&r).is_empty(), "{r:?}");
        let r = lint_filter(users(), "assignedLicenses/$count eq 0");
        assert!(r.advanced_query && errors(&r).is_empty(), "{r:?}");
        let r = lint_filter(users(), "startsWith(mobilePhone,'25478')");
        assert!(r.advanced_query_reasons[0].contains("mobilePhone"));
        let r = lint_filter(
            users(),
            "companyName ne null and not(companyName eq 'Microsoft')",
        );
        assert!(errors(&r).is_empty() && r.advanced_query, "{r:?}");
    }

    #[test]
    fn warnings_are_useful() {
        let r = lint_filter(users(), "startsWith(displayName,'')");
        assert_eq!(r.diagnostics[0].severity, Severity::Warning);
        let r = lint_filter(users(), "createdDateTime ge 2024-01-01");
        assert_eq!(r.diagnostics[0].code, Code::DateWithoutTime);
        assert!(r.has_errors());
        let r = lint_filter(users(), "displayName eq ' Bob '");
        assert_eq!(r.diagnostics[0].severity, Severity::Warning);
        let r = lint_filter(users(), "userType eq 'Guset'");
        assert_eq!(r.diagnostics[0].severity, Severity::Warning);
        assert!(r.diagnostics[0].hint.as_deref().unwrap().contains("Guest"));
    }

    #[test]
    fn limits_from_observed_errors() {
        let list: Vec<String> = (0..16).map(|i| format!("'u{i}@contoso.com'")).collect();
        let f = format!("userPrincipalName in ({})", list.join(","));
        let r = lint_filter(users(), &f);
        assert!(r.advanced_query && !r.has_errors(), "{r:?}");
        assert!(r.advanced_query_reasons[0].contains("16"));
        let short = format!("userPrincipalName in ({})", list[..15].join(","));
        assert!(!lint_filter(users(), &short).advanced_query);
        let deep = "((groupTypes/any(c:c eq 'Unified') or (mailEnabled eq false and securityEnabled eq true)) and startswith(displayName, 'marketing'))";
        let r = lint_filter(groups(), deep);
        assert!(r.diagnostics.iter().any(|d| d.code == Code::FilterTooDeep));
        let flat = "(groupTypes/any(c:c eq 'Unified') and startswith(displayName, 'marketing')) or (mailEnabled eq false and securityEnabled eq true and startswith(displayName, 'marketing'))";
        let r = lint_filter(groups(), flat);
        assert!(
            !r.diagnostics.iter().any(|d| d.code == Code::FilterTooDeep),
            "{r:?}"
        );
    }

    #[test]
    fn parse_errors_become_diagnostics() {
        let r = lint_filter(users(), "displayName eq 'x' and");
        assert!(r.has_errors());
        assert_eq!(r.diagnostics.len(), 1);
    }

    #[test]
    fn query_level_rules() {
        let opts = QueryOptions {
            top: Some(1000),
            ..Default::default()
        };
        let r = lint_query(users(), &opts);
        assert!(errors(&r)[0].contains("between 1 and 999"));
        let opts = QueryOptions {
            filter: Some("startsWith(displayName,'a')".into()),
            orderby: Some("displayName".into()),
            ..Default::default()
        };
        let r = lint_query(users(), &opts);
        assert!(r.advanced_query);
        assert!(
            r.advanced_query_reasons
                .iter()
                .any(|s| s.contains("$orderby"))
        );
        let opts = QueryOptions {
            orderby: Some("city".into()),
            ..Default::default()
        };
        assert!(errors(&lint_query(users(), &opts))[0].contains("$orderby"));
        let opts = QueryOptions {
            orderby: Some("createdDateTime desc".into()),
            ..Default::default()
        };
        let r = lint_query(users(), &opts);
        assert!(r.advanced_query && errors(&r).is_empty());
        let opts = QueryOptions {
            search: Some("\"displayName:foo\" AND \"mail:bar\"".into()),
            expand: Some("manager".into()),
            ..Default::default()
        };
        let r = lint_query(users(), &opts);
        assert!(r.advanced_query);
        assert!(errors(&r).iter().any(|e| e.contains("$expand")), "{r:?}");
        let opts = QueryOptions {
            select: vec!["id".into(), "dispalyName".into()],
            ..Default::default()
        };
        let r = lint_query(users(), &opts);
        assert_eq!(r.diagnostics[0].severity, Severity::Warning);
        assert_eq!(r.diagnostics[0].span, 3..14);
        let opts = QueryOptions {
            search: Some("displayName:foo".into()),
            ..Default::default()
        };
        assert!(lint_query(users(), &opts).has_errors());
    }

    #[test]
    fn request_level_rules() {
        let o = QueryOptions::default();
        assert!(lint_request("/users/$count", None, &o).advanced_query);
        assert!(
            lint_request("/me/transitiveMemberOf/microsoft.graph.group", None, &o).advanced_query
        );
        let f = QueryOptions {
            filter: Some("startsWith(displayName,'a')".into()),
            ..Default::default()
        };
        let r = lint_request("/groups/1/members", None, &f);
        assert!(r.advanced_query && !r.has_errors(), "{r:?}");
        let r = lint_request("/sites", None, &f);
        assert_eq!(r.diagnostics[0].severity, Severity::Info);
    }

    proptest::proptest! {
        #[test]
        fn lint_never_panics(
            src in "[a-zA-Z/$:()', 0-9.\\-eqnotandrysWithl]{0,60}",
            entity in proptest::sample::select(vec!["users", "groups", "devices", "directoryObjects", "applications", "servicePrincipals"]),
        ) {
            let e = capabilities().entity(entity).unwrap();
            let r = lint_filter(e, &src);
            for d in &r.diagnostics {
                proptest::prop_assert!(d.span.start <= d.span.end && d.span.end <= src.len());
            }
        }

        #[test]
        fn lint_query_never_panics(
            search in "\\PC{0,30}",
            orderby in "\\PC{0,30}",
            expand in "\\PC{0,30}",
            top in proptest::option::of(proptest::num::i64::ANY),
        ) {
            let opts = QueryOptions {
                search: Some(search),
                orderby: Some(orderby),
                expand: Some(expand),
                top,
                ..Default::default()
            };
            let _ = lint_request("/groups/x/members", None, &opts);
        }
    }
}
