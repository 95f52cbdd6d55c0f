//! The typed syntax tree for `$filter`, with byte spans into the source text.
//!
//! Conventions shared by every node:
//! - a [`Span`] is a half-open range of **byte** offsets into the string that was parsed;
//! - parentheses are transparent: `(a eq 1)` parses to the same node as `a eq 1`, but the
//!   span of a node that is a parenthesised group covers the parentheses;
//! - `and` / `or` chains are flat (n-ary), so a long chain never makes a deep tree;
//! - keywords, operators, `any`/`all` and function names are matched case-insensitively
//!   (Graph's docs write `NOT`, `startswith` and `startsWith`); the source spelling of a
//!   function name is kept in [`Call::name`].

use std::fmt;

/// A half-open range of byte offsets into the parsed text.
pub type Span = std::ops::Range<usize>;

/// One node of a `$filter` expression.
#[derive(Debug, Clone, PartialEq)]
pub struct Expr {
    /// What the node is.
    pub kind: ExprKind,
    /// Where it is in the source (bytes).
    pub span: Span,
}

/// The kinds of `$filter` expression.
#[derive(Debug, Clone, PartialEq)]
pub enum ExprKind {
    /// `left op right`, e.g. `displayName eq 'Bob'`.
    Compare {
        /// Left operand.
        left: Box<Expr>,
        /// The operator.
        op: CompareOp,
        /// Span of the operator word.
        op_span: Span,
        /// Right operand.
        right: Box<Expr>,
    },
    /// `left in (a, b, c)`.
    In {
        /// The tested operand.
        left: Box<Expr>,
        /// Span of the `in` keyword.
        in_span: Span,
        /// The list items.
        list: Vec<Expr>,
        /// Span of the whole parenthesised list.
        list_span: Span,
    },
    /// `a and b and c` (at least two operands, flattened).
    And(Vec<Expr>),
    /// `a or b or c` (at least two operands, flattened).
    Or(Vec<Expr>),
    /// `not e`.
    Not {
        /// Span of the `not` keyword.
        not_span: Span,
        /// The negated expression.
        expr: Box<Expr>,
    },
    /// A function call such as `startsWith(displayName,'a')`; unknown names are kept too.
    Call(Call),
    /// `path/any(x: body)` or `path/all(x: body)`; also `path/any()`.
    Lambda(Lambda),
    /// A property path such as `displayName`, `manager/id`, `x/skuId` or `assignedLicenses/$count`.
    Path(PropertyPath),
    /// A literal value.
    Literal(Literal),
}

/// Comparison operators (all bind tighter than `not`, `and` and `or`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CompareOp {
    /// `eq`
    Eq,
    /// `ne`
    Ne,
    /// `gt`
    Gt,
    /// `ge`
    Ge,
    /// `lt`
    Lt,
    /// `le`
    Le,
    /// `has` (enum flags; listed by Graph's filter docs, e.g. `scenarios has 'secureFoundation'`,
    /// but not supported on directory objects)
    Has,
}

impl CompareOp {
    /// All operators, in the order Graph's docs list them.
    pub const ALL: [CompareOp; 7] = [
        CompareOp::Eq,
        CompareOp::Ne,
        CompareOp::Gt,
        CompareOp::Ge,
        CompareOp::Lt,
        CompareOp::Le,
        CompareOp::Has,
    ];

    /// The canonical (lower-case) keyword.
    pub fn as_str(self) -> &'static str {
        match self {
            CompareOp::Eq => "eq",
            CompareOp::Ne => "ne",
            CompareOp::Gt => "gt",
            CompareOp::Ge => "ge",
            CompareOp::Lt => "lt",
            CompareOp::Le => "le",
            CompareOp::Has => "has",
        }
    }

    /// Parses a keyword case-insensitively.
    pub fn from_keyword(word: &str) -> Option<CompareOp> {
        CompareOp::ALL
            .into_iter()
            .find(|op| op.as_str().eq_ignore_ascii_case(word))
    }
}

impl fmt::Display for CompareOp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A function call.
#[derive(Debug, Clone, PartialEq)]
pub struct Call {
    /// The name as written in the source (e.g. `startswith`).
    pub name: String,
    /// Span of the name.
    pub name_span: Span,
    /// The arguments.
    pub args: Vec<Expr>,
}

impl Call {
    /// The known function this call names (case-insensitive), if any.
    pub fn function(&self) -> Option<Function> {
        Function::from_name(&self.name)
    }
}

/// Functions the toolkit knows by name. Anything else stays a [`Call`] with `function() == None`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Function {
    /// `startsWith(text, prefix)`: supported on many directory properties.
    StartsWith,
    /// `endsWith(text, suffix)`: advanced queries only, on a few properties.
    EndsWith,
    /// `contains(text, part)`: not supported on directory objects.
    Contains,
}

impl Function {
    /// All known functions.
    pub const ALL: [Function; 3] = [Function::StartsWith, Function::EndsWith, Function::Contains];

    /// The canonical spelling used in Graph's docs.
    pub fn as_str(self) -> &'static str {
        match self {
            Function::StartsWith => "startsWith",
            Function::EndsWith => "endsWith",
            Function::Contains => "contains",
        }
    }

    /// Looks a name up case-insensitively.
    pub fn from_name(name: &str) -> Option<Function> {
        Function::ALL
            .into_iter()
            .find(|f| f.as_str().eq_ignore_ascii_case(name))
    }

    /// Number of arguments the function takes.
    pub fn arity(self) -> usize {
        2
    }
}

impl fmt::Display for Function {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// `any` or `all`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LambdaKind {
    /// `any(...)`
    Any,
    /// `all(...)`
    All,
}

impl LambdaKind {
    /// The canonical keyword.
    pub fn as_str(self) -> &'static str {
        match self {
            LambdaKind::Any => "any",
            LambdaKind::All => "all",
        }
    }
}

impl fmt::Display for LambdaKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A lambda over a collection: `assignedLicenses/any(x: x/skuId eq <guid>)`.
#[derive(Debug, Clone, PartialEq)]
pub struct Lambda {
    /// The collection the lambda ranges over (`assignedLicenses`, `identities`, or a variable path).
    pub collection: PropertyPath,
    /// `any` or `all`.
    pub kind: LambdaKind,
    /// Span of the `any`/`all` word.
    pub kind_span: Span,
    /// The range variable and its span; `None` for the empty form `any()`.
    pub variable: Option<(String, Span)>,
    /// The predicate; `None` for `any()`.
    pub body: Option<Box<Expr>>,
}

/// A `/`-separated property path.
#[derive(Debug, Clone, PartialEq)]
pub struct PropertyPath {
    /// The segments, in order; never empty.
    pub segments: Vec<Segment>,
    /// True when the first segment is a lambda range variable in scope (`x` in `x/skuId`).
    pub from_variable: bool,
}

impl PropertyPath {
    /// Span from the first to the last segment.
    pub fn span(&self) -> Span {
        match (self.segments.first(), self.segments.last()) {
            (Some(a), Some(b)) => a.span.start..b.span.end,
            _ => 0..0,
        }
    }

    /// True when the last segment is `$count`.
    pub fn ends_with_count(&self) -> bool {
        self.segments.last().is_some_and(Segment::is_count)
    }

    /// The segments after the range variable (all of them when not `from_variable`).
    pub fn property_segments(&self) -> &[Segment] {
        if self.from_variable {
            self.segments.get(1..).unwrap_or(&[])
        } else {
            &self.segments
        }
    }

    /// The path as written, segments joined by `/`.
    pub fn to_text(&self) -> String {
        let names: Vec<&str> = self.segments.iter().map(|s| s.name.as_str()).collect();
        names.join("/")
    }
}

impl fmt::Display for PropertyPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_text())
    }
}

/// One segment of a property path.
#[derive(Debug, Clone, PartialEq)]
pub struct Segment {
    /// The name as written (`skuId`, `$count`, `microsoft.graph.user`).
    pub name: String,
    /// Its span.
    pub span: Span,
}

impl Segment {
    /// True for the `$count` segment.
    pub fn is_count(&self) -> bool {
        self.name == "$count"
    }
}

/// A literal with its value and its exact source text.
#[derive(Debug, Clone, PartialEq)]
pub struct Literal {
    /// The decoded value.
    pub value: LiteralValue,
    /// The source text, exactly as written (quotes included for strings).
    pub text: String,
}

/// Decoded literal values.
#[derive(Debug, Clone, PartialEq)]
pub enum LiteralValue {
    /// `'text'`, with `''` unescaped to `'`.
    String(String),
    /// An unquoted GUID such as `cbb7a1b2-1b7b-4e3c-a7a8-1b1b1b1b1b1b`.
    Guid(uuid::Uuid),
    /// An integer (fits in i64).
    Int(i64),
    /// A decimal or floating-point number (`1.5`, `2e10`).
    Decimal(f64),
    /// `true` / `false`.
    Bool(bool),
    /// `null`.
    Null,
    /// An unquoted DateTimeOffset such as `2021-01-01T00:00:00Z`.
    DateTimeOffset(time::OffsetDateTime),
    /// An unquoted date such as `2021-01-01`.
    Date(time::Date),
    /// `duration'P1D'`; the text between the quotes.
    Duration(String),
}

impl LiteralValue {
    /// A short name of the literal's type, for messages (`string`, `GUID`, ...).
    pub fn type_name(&self) -> &'static str {
        match self {
            LiteralValue::String(_) => "string",
            LiteralValue::Guid(_) => "GUID",
            LiteralValue::Int(_) => "integer",
            LiteralValue::Decimal(_) => "decimal",
            LiteralValue::Bool(_) => "boolean",
            LiteralValue::Null => "null",
            LiteralValue::DateTimeOffset(_) => "DateTimeOffset",
            LiteralValue::Date(_) => "date",
            LiteralValue::Duration(_) => "duration",
        }
    }
}

impl Expr {
    /// Builds a node.
    pub fn new(kind: ExprKind, span: Span) -> Expr {
        Expr { kind, span }
    }

    /// The literal, when this node is one.
    pub fn as_literal(&self) -> Option<&Literal> {
        match &self.kind {
            ExprKind::Literal(l) => Some(l),
            _ => None,
        }
    }

    /// The property path, when this node is one.
    pub fn as_path(&self) -> Option<&PropertyPath> {
        match &self.kind {
            ExprKind::Path(p) => Some(p),
            _ => None,
        }
    }

    /// Calls `f` on this node and every node below it, parents first.
    ///
    /// The parser bounds nesting depth, so recursion here is bounded too.
    pub fn walk<'a>(&'a self, f: &mut dyn FnMut(&'a Expr)) {
        f(self);
        match &self.kind {
            ExprKind::Compare { left, right, .. } => {
                left.walk(f);
                right.walk(f);
            }
            ExprKind::In { left, list, .. } => {
                left.walk(f);
                for item in list {
                    item.walk(f);
                }
            }
            ExprKind::And(items) | ExprKind::Or(items) => {
                for item in items {
                    item.walk(f);
                }
            }
            ExprKind::Not { expr, .. } => expr.walk(f),
            ExprKind::Call(call) => {
                for arg in &call.args {
                    arg.walk(f);
                }
            }
            ExprKind::Lambda(lambda) => {
                if let Some(body) = &lambda.body {
                    body.walk(f);
                }
            }
            ExprKind::Path(_) | ExprKind::Literal(_) => {}
        }
    }
}

impl fmt::Display for Literal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

/// Canonical text: keywords in lower case, one space around binary operators, `and`/`or`
/// operands parenthesised when they are themselves `or`/`and` chains, literals as written.
/// Parsing the output gives the same tree (apart from spans).
impl fmt::Display for Expr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            ExprKind::Compare {
                left, op, right, ..
            } => {
                write_operand(f, left)?;
                write!(f, " {op} ")?;
                write_operand(f, right)
            }
            ExprKind::In { left, list, .. } => {
                write_operand(f, left)?;
                f.write_str(" in (")?;
                for (i, item) in list.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write_operand(f, item)?;
                }
                f.write_str(")")
            }
            ExprKind::And(items) | ExprKind::Or(items) => {
                let is_and = matches!(self.kind, ExprKind::And(_));
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        f.write_str(if is_and { " and " } else { " or " })?;
                    }
                    let wrap = matches!(item.kind, ExprKind::Or(_))
                        || (!is_and && matches!(item.kind, ExprKind::And(_)));
                    if wrap {
                        write!(f, "({item})")?;
                    } else {
                        write!(f, "{item}")?;
                    }
                }
                Ok(())
            }
            ExprKind::Not { expr, .. } => write!(f, "not ({expr})"),
            ExprKind::Call(call) => {
                let name = call.function().map(Function::as_str).unwrap_or(&call.name);
                write!(f, "{name}(")?;
                for (i, arg) in call.args.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{arg}")?;
                }
                f.write_str(")")
            }
            ExprKind::Lambda(l) => {
                write!(f, "{}/{}(", l.collection, l.kind)?;
                if let (Some((var, _)), Some(body)) = (&l.variable, &l.body) {
                    write!(f, "{var}: {body}")?;
                }
                f.write_str(")")
            }
            ExprKind::Path(p) => write!(f, "{p}"),
            ExprKind::Literal(l) => write!(f, "{l}"),
        }
    }
}

/// Operands of comparisons are wrapped in parentheses when they are boolean combinations.
fn write_operand(f: &mut fmt::Formatter<'_>, e: &Expr) -> fmt::Result {
    match e.kind {
        ExprKind::And(_)
        | ExprKind::Or(_)
        | ExprKind::Not { .. }
        | ExprKind::Compare { .. }
        | ExprKind::In { .. } => write!(f, "({e})"),
        _ => write!(f, "{e}"),
    }
}

#[cfg(test)]
mod tests {
    use crate::odata::filter::parse;

    fn canon(src: &str) -> String {
        parse(src).unwrap().to_string()
    }

    #[test]
    fn display_is_canonical() {
        assert_eq!(
            canon("NOT groupTypes/any(c:c eq 'Unified')"),
            "not (groupTypes/any(c: c eq 'Unified'))"
        );
        assert_eq!(
            canon("startswith(displayName,'a') OR (a EQ 1 AND b ne 'it''s')"),
            "startsWith(displayName, 'a') or (a eq 1 and b ne 'it''s')"
        );
        assert_eq!(
            canon("userType in ('Member','Guest')"),
            "userType in ('Member', 'Guest')"
        );
        assert_eq!(canon("assignedLicenses/any()"), "assignedLicenses/any()");
        assert_eq!(
            canon("(a eq 1 or b eq 2) and c eq 3"),
            "(a eq 1 or b eq 2) and c eq 3"
        );
        assert_eq!(
            canon("createdDateTime ge 2021-01-01T00:00:00Z"),
            "createdDateTime ge 2021-01-01T00:00:00Z"
        );
        assert_eq!(
            canon("not startsWith(a, 'b') eq true"),
            "(not (startsWith(a, 'b'))) eq true"
        );
    }

    #[test]
    fn walk_visits_every_node() {
        let e = parse("a eq 1 and x/any(y: startsWith(y, 'p'))").unwrap();
        let mut n = 0;
        e.walk(&mut |_| n += 1);
        // and, compare, path, literal, lambda, call, path, literal
        assert_eq!(n, 8);
    }
}
