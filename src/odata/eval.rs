//! Evaluating parsed queries against JSON objects, the way Graph's directory does.
//!
//! Used by the sandbox tenant. Behaviour, with sources:
//! - **String comparisons are case-insensitive** (`eq`, `ne`, `in`, `ge`, `le`, ... and
//!   `startsWith`/`endsWith`/`contains`): the directory compares strings without regard to case.
//!   [observed] The docs' sample-query table and many clients filter Microsoft 365 groups with
//!   `groupTypes/any(a:a eq 'unified')` although the stored value is `Unified`; `$search`
//!   tokens are "matched independently of the original casing" [doc]. The exact collation is
//!   unverified, so this uses Unicode lower-casing.
//! - A **missing property is null**; `eq null` matches null and missing, relational operators
//!   against null are false (OData).
//! - GUID literals match GUID-valued strings in any case; DateTimeOffset/Date literals compare
//!   as instants with date-time strings (`2021-01-01T00:00:00Z`); numbers compare numerically.
//! - Comparing values of different types (`accountEnabled eq 'true'`) is an [`EvalError`] of kind
//!   [`EvalErrorKind::TypeMismatch`], as Graph answers 400 for it. So is comparing a whole
//!   collection with `eq` (use `any`).
//! - `contains` is evaluated (case-insensitive), even though the directory rejects it: the
//!   sandbox runs the linter first and answers 400 for it; other function names are
//!   [`EvalErrorKind::Unsupported`].
//! - `$search` follows Graph's tokenising rules (see [`search_matches`]).
//! - `$orderby`: nulls sort first ascending and last descending (OData 4.01 Part 2, `$orderby`:
//!   "null values come before non-null values when sorting in ascending order"); directory
//!   behaviour is unverified.

use super::ast::*;
use super::options::OrderItem;
use super::search::{SearchClause, SearchExpr, SearchKind};
use serde_json::Value;
use std::cmp::Ordering;
use std::fmt;

/// Why an expression could not be evaluated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EvalError {
    /// What kind of failure.
    pub kind: EvalErrorKind,
    /// Where in the filter (bytes).
    pub span: Span,
    /// What went wrong.
    pub message: String,
}

/// Kinds of evaluation failure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EvalErrorKind {
    /// Values of incompatible types were compared, or a collection was used as a single value.
    TypeMismatch,
    /// The expression uses something the evaluator does not support (an unknown function).
    Unsupported,
}

impl fmt::Display for EvalError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for EvalError {}

fn mismatch(span: &Span, message: String) -> EvalError {
    EvalError {
        kind: EvalErrorKind::TypeMismatch,
        span: span.clone(),
        message,
    }
}

/// True when `obj` satisfies the `$filter` expression.
pub fn matches(expr: &Expr, obj: &Value) -> Result<bool, EvalError> {
    let mut ev = Evaluator {
        root: obj,
        vars: Vec::new(),
    };
    ev.truth(expr)
}

/// An evaluated operand.
#[derive(Debug, Clone)]
enum Operand<'a> {
    /// A value taken from the object (`Null` for missing).
    Json(&'a Value, String),
    /// A literal.
    Lit(&'a LiteralValue),
    /// `/$count`.
    Count(usize),
    /// A boolean computed by a sub-expression.
    Bool(bool),
}

static NULL: Value = Value::Null;

struct Evaluator<'a> {
    root: &'a Value,
    vars: Vec<(&'a str, &'a Value)>,
}

impl<'a> Evaluator<'a> {
    fn truth(&mut self, expr: &'a Expr) -> Result<bool, EvalError> {
        match &expr.kind {
            ExprKind::And(items) => {
                for item in items {
                    if !self.truth(item)? {
                        return Ok(false);
                    }
                }
                Ok(true)
            }
            ExprKind::Or(items) => {
                for item in items {
                    if self.truth(item)? {
                        return Ok(true);
                    }
                }
                Ok(false)
            }
            ExprKind::Not { expr, .. } => Ok(!self.truth(expr)?),
            ExprKind::Compare {
                left, op, right, ..
            } => {
                let l = self.operand(left)?;
                let r = self.operand(right)?;
                compare(&l, *op, &r, &expr.span)
            }
            ExprKind::In { left, list, .. } => {
                let l = self.operand(left)?;
                for item in list {
                    let r = self.operand(item)?;
                    if compare(&l, CompareOp::Eq, &r, &item.span)? {
                        return Ok(true);
                    }
                }
                Ok(false)
            }
            ExprKind::Call(call) => self.call(call, &expr.span),
            ExprKind::Lambda(l) => self.lambda(l, &expr.span),
            ExprKind::Path(_) | ExprKind::Literal(_) => match self.operand(expr)? {
                Operand::Bool(b) => Ok(b),
                Operand::Json(Value::Bool(b), ..) => Ok(*b),
                Operand::Json(Value::Null, _) => Ok(false),
                Operand::Lit(LiteralValue::Bool(b)) => Ok(*b),
                Operand::Lit(LiteralValue::Null) => Ok(false),
                other => Err(mismatch(
                    &expr.span,
                    format!("{} is not a condition (a boolean)", describe(&other)),
                )),
            },
        }
    }

    fn operand(&mut self, expr: &'a Expr) -> Result<Operand<'a>, EvalError> {
        match &expr.kind {
            ExprKind::Literal(l) => Ok(Operand::Lit(&l.value)),
            ExprKind::Path(p) => self.resolve(p),
            _ => Ok(Operand::Bool(self.truth(expr)?)),
        }
    }

    /// Resolves a property path against the root object or a lambda variable.
    fn resolve(&self, path: &'a PropertyPath) -> Result<Operand<'a>, EvalError> {
        let (mut cur, segments): (&'a Value, &'a [Segment]) = if path.from_variable {
            let name = path.segments[0].name.as_str();
            let bound = self
                .vars
                .iter()
                .rev()
                .find(|(v, _)| *v == name)
                .map(|(_, val)| *val)
                .unwrap_or(&NULL);
            (bound, &path.segments[1..])
        } else {
            (self.root, &path.segments[..])
        };
        let mut walked = if path.from_variable {
            path.segments[0].name.clone()
        } else {
            String::new()
        };
        for seg in segments {
            if seg.is_count() {
                return match cur {
                    Value::Array(items) => Ok(Operand::Count(items.len())),
                    Value::Null => Ok(Operand::Count(0)),
                    _ => Err(mismatch(
                        &seg.span,
                        format!("'{walked}' is not a collection, so it has no $count"),
                    )),
                };
            }
            if seg.name.contains('.') {
                // An OData cast: keep the object when its @odata.type matches (or is absent).
                let ty = cur
                    .get("@odata.type")
                    .and_then(Value::as_str)
                    .map(|t| t.trim_start_matches('#'));
                if ty.is_some_and(|t| !t.eq_ignore_ascii_case(&seg.name)) {
                    cur = &NULL;
                }
                continue;
            }
            cur = match cur {
                Value::Object(_) => lookup(cur, &seg.name),
                Value::Null => &NULL,
                Value::Array(_) => {
                    return Err(mismatch(
                        &seg.span,
                        format!(
                            "'{walked}' is a collection; use {walked}/any(x: x/{} ...) to test its items",
                            seg.name
                        ),
                    ));
                }
                other => {
                    return Err(mismatch(
                        &seg.span,
                        format!(
                            "'{walked}' is a {}, it has no property '{}'",
                            json_type(other),
                            seg.name
                        ),
                    ));
                }
            };
            if !walked.is_empty() {
                walked.push('/');
            }
            walked.push_str(&seg.name);
        }
        Ok(Operand::Json(cur, path.to_text()))
    }

    fn lambda(&mut self, l: &'a Lambda, span: &Span) -> Result<bool, EvalError> {
        let items: &'a [Value] = match self.resolve(&l.collection)? {
            Operand::Json(Value::Array(items), ..) => items,
            Operand::Json(Value::Null, _) => &[],
            other => {
                return Err(mismatch(
                    span,
                    format!(
                        "{}/{}: {} is not a collection",
                        l.collection,
                        l.kind,
                        describe(&other)
                    ),
                ));
            }
        };
        let (Some((var, _)), Some(body)) = (&l.variable, &l.body) else {
            return Ok(match l.kind {
                LambdaKind::Any => !items.is_empty(),
                LambdaKind::All => true,
            });
        };
        for item in items {
            self.vars.push((var.as_str(), item));
            let r = self.truth(body);
            self.vars.pop();
            let r = r?;
            match l.kind {
                LambdaKind::Any if r => return Ok(true),
                LambdaKind::All if !r => return Ok(false),
                _ => {}
            }
        }
        Ok(l.kind == LambdaKind::All)
    }

    fn call(&mut self, call: &'a Call, span: &Span) -> Result<bool, EvalError> {
        let Some(f) = call.function() else {
            return Err(EvalError {
                kind: EvalErrorKind::Unsupported,
                span: call.name_span.clone(),
                message: format!("the function '{}' is not supported", call.name),
            });
        };
        let [a, b] = call.args.as_slice() else {
            return Err(mismatch(span, format!("{} takes 2 arguments", f.as_str())));
        };
        let a_val = self.operand(a)?;
        let b_val = self.operand(b)?;
        let (Some(text), Some(part)) = (
            as_text(&a_val, f.as_str(), &a.span)?,
            as_text(&b_val, f.as_str(), &b.span)?,
        ) else {
            return Ok(false); // null text or null part: no match
        };
        let text = text.to_lowercase();
        let part = part.to_lowercase();
        Ok(match f {
            Function::StartsWith => text.starts_with(&part),
            Function::EndsWith => text.ends_with(&part),
            Function::Contains => text.contains(&part),
        })
    }
}

/// Looks a property up: exact name first, then case-insensitively (Graph treats property names
/// in query options case-insensitively, e.g. `ReceivedDateTime` in filter-query-parameter.md).
fn lookup<'a>(obj: &'a Value, name: &str) -> &'a Value {
    let Value::Object(map) = obj else {
        return &NULL;
    };
    if let Some(v) = map.get(name) {
        return v;
    }
    map.iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v)
        .unwrap_or(&NULL)
}

fn json_type(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "collection",
        Value::Object(_) => "object",
    }
}

fn describe(o: &Operand<'_>) -> String {
    match o {
        Operand::Json(v, path) => format!("'{path}' ({})", json_type(v)),
        Operand::Lit(l) => format!("the {} literal", l.type_name()),
        Operand::Count(_) => "$count".to_string(),
        Operand::Bool(_) => "a condition".to_string(),
    }
}

/// The text of a function argument; `None` for null.
fn as_text<'a>(o: &Operand<'a>, func: &str, span: &Span) -> Result<Option<String>, EvalError> {
    match o {
        Operand::Json(Value::String(s), ..) => Ok(Some(s.clone())),
        Operand::Json(Value::Null, _) | Operand::Lit(LiteralValue::Null) => Ok(None),
        Operand::Lit(LiteralValue::String(s)) => Ok(Some(s.clone())),
        Operand::Json(Value::Array(_), path) => Err(mismatch(
            span,
            format!(
                "{func} needs a single text value, but '{path}' is a collection; use {path}/any(x: {func}(x, '...'))"
            ),
        )),
        other => Err(mismatch(
            span,
            format!("{func} needs text, not {}", describe(other)),
        )),
    }
}

/// A comparable scalar.
#[derive(Debug, Clone, PartialEq)]
enum Scalar {
    Null,
    Bool(bool),
    Num(f64),
    Text(String),
    Guid(uuid::Uuid),
    Instant(time::OffsetDateTime),
    Date(time::Date),
}

fn lit_scalar(l: &LiteralValue) -> Scalar {
    match l {
        LiteralValue::String(s) => Scalar::Text(s.clone()),
        LiteralValue::Guid(g) => Scalar::Guid(*g),
        LiteralValue::Int(i) => Scalar::Num(*i as f64),
        LiteralValue::Decimal(d) => Scalar::Num(*d),
        LiteralValue::Bool(b) => Scalar::Bool(*b),
        LiteralValue::Null => Scalar::Null,
        LiteralValue::DateTimeOffset(dt) => Scalar::Instant(*dt),
        LiteralValue::Date(d) => Scalar::Date(*d),
        LiteralValue::Duration(s) => Scalar::Text(s.clone()),
    }
}

/// Converts an operand to a scalar, using the other side as a type hint for strings from JSON
/// (a GUID or date-time stored as a string).
fn scalar(o: &Operand<'_>, hint: &Scalar, span: &Span) -> Result<Scalar, EvalError> {
    Ok(match o {
        Operand::Lit(l) => lit_scalar(l),
        Operand::Count(n) => Scalar::Num(*n as f64),
        Operand::Bool(b) => Scalar::Bool(*b),
        Operand::Json(v, path) => match v {
            Value::Null => Scalar::Null,
            Value::Bool(b) => Scalar::Bool(*b),
            Value::Number(n) => Scalar::Num(n.as_f64().unwrap_or(f64::NAN)),
            Value::String(s) => match hint {
                Scalar::Guid(_) => match uuid::Uuid::parse_str(s) {
                    Ok(g) => Scalar::Guid(g),
                    Err(_) => Scalar::Text(s.clone()),
                },
                Scalar::Instant(_) | Scalar::Date(_) => match super::lexer::parse_instant(s) {
                    Some(dt) => Scalar::Instant(dt),
                    None => Scalar::Text(s.clone()),
                },
                _ => Scalar::Text(s.clone()),
            },
            Value::Array(_) => {
                return Err(mismatch(
                    span,
                    format!(
                        "'{path}' is a collection; compare its items with {path}/any(x: x eq ...)"
                    ),
                ));
            }
            Value::Object(_) => {
                return Err(mismatch(
                    span,
                    format!("'{path}' is an object; compare one of its properties ({path}/...)"),
                ));
            }
        },
    })
}

fn scalar_type(s: &Scalar) -> &'static str {
    match s {
        Scalar::Null => "null",
        Scalar::Bool(_) => "boolean",
        Scalar::Num(_) => "number",
        Scalar::Text(_) => "string",
        Scalar::Guid(_) => "GUID",
        Scalar::Instant(_) => "DateTimeOffset",
        Scalar::Date(_) => "date",
    }
}

fn compare(
    l: &Operand<'_>,
    op: CompareOp,
    r: &Operand<'_>,
    span: &Span,
) -> Result<bool, EvalError> {
    if op == CompareOp::Has {
        return has(l, r, span);
    }
    // Literal sides first, so JSON strings can be read as GUIDs or instants.
    let r_hint = match r {
        Operand::Lit(lv) => lit_scalar(lv),
        _ => Scalar::Null,
    };
    let ls = scalar(l, &r_hint, span)?;
    let rs = scalar(r, &ls, span)?;
    let ls = if matches!(l, Operand::Json(..)) && matches!(ls, Scalar::Text(_)) {
        scalar(l, &rs, span)?
    } else {
        ls
    };
    let ord = match (&ls, &rs) {
        (Scalar::Null, Scalar::Null) => Some(Ordering::Equal),
        (Scalar::Null, _) | (_, Scalar::Null) => {
            return Ok(match op {
                CompareOp::Eq => false,
                CompareOp::Ne => true,
                _ => false,
            });
        }
        (Scalar::Bool(a), Scalar::Bool(b)) => Some(a.cmp(b)),
        (Scalar::Num(a), Scalar::Num(b)) => a.partial_cmp(b),
        (Scalar::Text(a), Scalar::Text(b)) => Some(a.to_lowercase().cmp(&b.to_lowercase())),
        (Scalar::Guid(a), Scalar::Guid(b)) => Some(a.cmp(b)),
        // A GUID against a string that is not a GUID: never equal.
        (Scalar::Guid(_), Scalar::Text(_)) | (Scalar::Text(_), Scalar::Guid(_))
            if matches!(op, CompareOp::Eq | CompareOp::Ne) =>
        {
            Some(Ordering::Less)
        }
        (Scalar::Instant(a), Scalar::Instant(b)) => Some(a.cmp(b)),
        (Scalar::Instant(a), Scalar::Date(b)) => Some(a.cmp(&b.midnight().assume_utc())),
        (Scalar::Date(a), Scalar::Instant(b)) => Some(a.midnight().assume_utc().cmp(b)),
        (Scalar::Date(a), Scalar::Date(b)) => Some(a.cmp(b)),
        (a, b) => {
            return Err(mismatch(
                span,
                format!(
                    "cannot compare a {} with a {} using '{op}'",
                    scalar_type(a),
                    scalar_type(b)
                ),
            ));
        }
    };
    let Some(ord) = ord else {
        return Ok(op == CompareOp::Ne);
    };
    Ok(match op {
        CompareOp::Eq => ord == Ordering::Equal,
        CompareOp::Ne => ord != Ordering::Equal,
        CompareOp::Gt => ord == Ordering::Greater,
        CompareOp::Ge => ord != Ordering::Less,
        CompareOp::Lt => ord == Ordering::Less,
        CompareOp::Le => ord != Ordering::Greater,
        CompareOp::Has => false,
    })
}

/// `has`: flags written as a comma-separated string (`"a, b"`) or an array contain the value.
fn has(l: &Operand<'_>, r: &Operand<'_>, span: &Span) -> Result<bool, EvalError> {
    let Operand::Lit(LiteralValue::String(flag)) = r else {
        return Err(mismatch(
            span,
            "'has' needs a string value on its right".into(),
        ));
    };
    let flag = flag.trim().to_lowercase();
    Ok(match l {
        Operand::Json(Value::String(s), ..) => {
            s.split(',').any(|p| p.trim().to_lowercase() == flag)
        }
        Operand::Json(Value::Array(items), ..) => items
            .iter()
            .any(|v| v.as_str().is_some_and(|s| s.trim().to_lowercase() == flag)),
        Operand::Json(Value::Null, _) => false,
        other => {
            return Err(mismatch(
                span,
                format!("'has' needs flags on its left, not {}", describe(other)),
            ));
        }
    })
}

// ---------------------------------------------------------------------------------------------
// $search

/// True when `obj` matches the `$search` expression, following Graph's directory rules
/// (`concepts/search-query-parameter.md`, "Using $search on directory object collections"):
///
/// - `displayName` and `description` are **tokenised**: split on spaces, on lower→upper case
///   changes (`HelloWorld` → hello, world; `HELLOworld` stays one token), between letters and
///   digits, and around symbols (each symbol is a token of its own); words separated only by
///   symbols are also joined (`hello-world` also yields `helloworld`). Every token of the search
///   text must match the start of some token of the value, case-insensitively and in any order
///   (`"displayName:wa"` finds "Oscar Ward").
/// - Any other property acts like `startsWith` (case-insensitive); for a collection of strings
///   (`proxyAddresses`, `otherMails`) any item may match.
/// - A clause without a property searches `displayName` and `description`.
pub fn search_matches(expr: &SearchExpr, obj: &Value) -> bool {
    match &expr.kind {
        SearchKind::Clause(c) => clause_matches(c, obj),
        SearchKind::And(items) => items.iter().all(|e| search_matches(e, obj)),
        SearchKind::Or(items) => items.iter().any(|e| search_matches(e, obj)),
        SearchKind::Not(e) => !search_matches(e, obj),
    }
}

fn clause_matches(c: &SearchClause, obj: &Value) -> bool {
    let Some(prop) = &c.property else {
        return ["displayName", "description"]
            .iter()
            .any(|p| tokenized_match(lookup(obj, p), &c.value));
    };
    let value = lookup(obj, prop);
    if prop.eq_ignore_ascii_case("displayName") || prop.eq_ignore_ascii_case("description") {
        return tokenized_match(value, &c.value);
    }
    // Surrounding spaces inside the quotes are not part of a prefix (unverified; lenient).
    let needle = c.value.trim().to_lowercase();
    let starts = |v: &Value| match v {
        Value::String(s) => s.to_lowercase().starts_with(&needle),
        Value::Number(n) => n.to_string().starts_with(&needle),
        Value::Bool(b) => b.to_string().starts_with(&needle),
        _ => false,
    };
    match value {
        Value::Array(items) => items.iter().any(starts),
        other => starts(other),
    }
}

fn tokenized_match(value: &Value, text: &str) -> bool {
    let wanted = search_tokens(text);
    if wanted.is_empty() {
        return true;
    }
    let have: Vec<String> = match value {
        Value::String(s) => search_tokens(s),
        Value::Array(items) => items
            .iter()
            .filter_map(Value::as_str)
            .flat_map(search_tokens)
            .collect(),
        _ => return false,
    };
    wanted
        .iter()
        .all(|w| have.iter().any(|h| h.starts_with(w.as_str())))
}

/// Splits text into lower-case search tokens using Graph's directory `$search` rules.
pub fn search_tokens(text: &str) -> Vec<String> {
    #[derive(PartialEq, Clone, Copy)]
    enum Class {
        Letter,
        Digit,
        Symbol,
    }
    let mut tokens = Vec::new();
    for chunk in text.split_whitespace() {
        let mut words: Vec<String> = Vec::new();
        let mut has_symbol = false;
        let mut cur = String::new();
        let mut cur_class: Option<Class> = None;
        let mut prev: Option<char> = None;
        for ch in chunk.chars() {
            let class = if ch.is_alphabetic() {
                Class::Letter
            } else if ch.is_numeric() {
                Class::Digit
            } else {
                Class::Symbol
            };
            let case_break = class == Class::Letter
                && cur_class == Some(Class::Letter)
                && prev.is_some_and(char::is_lowercase)
                && ch.is_uppercase();
            let boundary = cur_class != Some(class) || class == Class::Symbol || case_break;
            if boundary && !cur.is_empty() {
                if cur_class == Some(Class::Symbol) {
                    tokens.push(cur.to_lowercase());
                } else {
                    words.push(cur.to_lowercase());
                }
                cur.clear();
            }
            if class == Class::Symbol {
                has_symbol = true;
            }
            cur.push(ch);
            cur_class = Some(class);
            prev = Some(ch);
        }
        if !cur.is_empty() {
            if cur_class == Some(Class::Symbol) {
                tokens.push(cur.to_lowercase());
            } else {
                words.push(cur.to_lowercase());
            }
        }
        if has_symbol && words.len() > 1 {
            tokens.push(words.concat());
        }
        tokens.extend(words);
    }
    tokens
}

// ---------------------------------------------------------------------------------------------
// $orderby

/// Orders two objects by a parsed `$orderby` list.
///
/// Strings compare case-insensitively, numbers numerically, date-time strings as instants;
/// nulls (and missing properties) come first when ascending and last when descending (OData).
/// Values of different types order by type (null < boolean < number < string < other).
pub fn compare_for_orderby(a: &Value, b: &Value, order: &[OrderItem]) -> Ordering {
    for item in order {
        let va = path_value(a, &item.path);
        let vb = path_value(b, &item.path);
        let ord = compare_values(va, vb);
        let ord = if item.descending { ord.reverse() } else { ord };
        if ord != Ordering::Equal {
            return ord;
        }
    }
    Ordering::Equal
}

fn path_value<'a>(obj: &'a Value, path: &PropertyPath) -> &'a Value {
    let mut cur = obj;
    for seg in &path.segments {
        if seg.name.contains('.') {
            continue;
        }
        cur = lookup(cur, &seg.name);
    }
    cur
}

fn type_rank(v: &Value) -> u8 {
    match v {
        Value::Null => 0,
        Value::Bool(_) => 1,
        Value::Number(_) => 2,
        Value::String(_) => 3,
        Value::Array(_) => 4,
        Value::Object(_) => 5,
    }
}

/// How a string sorts: date-time strings as instants (before any other text), other text
/// case-insensitively. A key per value keeps the order total, which `sort_by` requires.
#[derive(PartialEq, Eq, PartialOrd, Ord)]
enum StringKey {
    Instant(time::OffsetDateTime),
    Text(String),
}

fn string_key(s: &str) -> StringKey {
    let looks_like_date = s.len() >= 10 && s.as_bytes().get(4) == Some(&b'-');
    if looks_like_date && let Some(dt) = super::lexer::parse_instant(s) {
        return StringKey::Instant(dt);
    }
    StringKey::Text(s.to_lowercase())
}

fn compare_values(a: &Value, b: &Value) -> Ordering {
    match (a, b) {
        (Value::Bool(x), Value::Bool(y)) => x.cmp(y),
        (Value::Number(x), Value::Number(y)) => {
            let (x, y) = (x.as_f64().unwrap_or(0.0), y.as_f64().unwrap_or(0.0));
            x.partial_cmp(&y).unwrap_or(Ordering::Equal)
        }
        (Value::String(x), Value::String(y)) => string_key(x).cmp(&string_key(y)),
        _ => type_rank(a).cmp(&type_rank(b)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::odata::{filter, options, search};
    use serde_json::json;

    fn user() -> Value {
        json!({
            "id": "6ea91a8d-e32e-41a1-b7bd-d2d185eed0e0",
            "displayName": "Adele Vance",
            "givenName": "Adele",
            "mail": "AdeleV@contoso.com",
            "userPrincipalName": "AdeleV@contoso.com",
            "accountEnabled": true,
            "userType": "Member",
            "companyName": null,
            "createdDateTime": "2021-06-17T16:41:33Z",
            "employeeHireDate": "2020-01-15",
            "groupTypes": ["Unified"],
            "proxyAddresses": ["SMTP:AdeleV@contoso.com", "smtp:adele@contoso.onmicrosoft.com"],
            "otherMails": [],
            "businessPhones": ["+44 20 7946 0000"],
            "assignedLicenses": [
                {"disabledPlans": [], "skuId": "184efa21-98c3-4e5d-95ab-d07053a96e67"}
            ],
            "identities": [
                {"signInType": "userPrincipalName", "issuer": "contoso.com", "issuerAssignedId": "AdeleV@contoso.com"}
            ],
            "manager": {"id": "4562bcc8-c436-4f95-b7c0-4f8ce89dca5e", "displayName": "MOD Administrator"},
            "onPremisesExtensionAttributes": {"extensionAttribute1": "blue"},
            "scenarios": "secureFoundation,zeroTrust",
            "rank": 3
        })
    }

    fn m(src: &str) -> bool {
        let e = filter::parse(src).unwrap_or_else(|e| panic!("{}", e.render(src)));
        matches(&e, &user()).unwrap_or_else(|e| panic!("{src}: {e}"))
    }

    fn err(src: &str) -> EvalError {
        let e = filter::parse(src).unwrap();
        matches(&e, &user()).unwrap_err()
    }

    #[test]
    fn strings_are_case_insensitive() {
        assert!(m("displayName eq 'adele vance'"));
        assert!(m("displayName eq 'ADELE VANCE'"));
        assert!(!m("displayName eq 'Adele'"));
        assert!(m("displayName ne 'Adele'"));
        assert!(m("startsWith(displayName, 'ADE')"));
        assert!(m("startswith(mail,'adelev@')"));
        assert!(m("endsWith(mail, '@CONTOSO.com')"));
        assert!(!m("endsWith(mail, '@fabrikam.com')"));
        assert!(m("contains(displayName, 'LE VA')"));
        assert!(m("displayName ge 'adele' and displayName le 'b'"));
        assert!(m("displayName gt 'ADELE' and displayName lt 'Adele Vz'"));
    }

    #[test]
    fn null_and_missing() {
        assert!(m("companyName eq null"));
        assert!(m("department eq null"), "missing property is null");
        assert!(!m("department ne null"));
        assert!(m("mail ne null"));
        assert!(!m("department gt 'a'"));
        assert!(!m("startsWith(department, 'a')"));
        assert!(m("companyName in (null, 'Microsoft')"));
        assert!(m("not(department eq 'x')"));
    }

    #[test]
    fn in_operator() {
        assert!(m("userType in ('Guest', 'member')"));
        assert!(!m("userType in ('Guest')"));
        assert!(m("not(userType in ('Guest'))"));
    }

    #[test]
    fn booleans_numbers_guids() {
        assert!(m("accountEnabled eq true"));
        assert!(!m("accountEnabled eq false"));
        assert!(m("accountEnabled ne false"));
        assert!(m("accountEnabled"));
        assert!(m("rank eq 3 and rank ge 2.5 and rank lt 4"));
        assert!(m("id eq 6EA91A8D-E32E-41A1-B7BD-D2D185EED0E0"));
        assert!(m("id eq '6ea91a8d-e32e-41a1-b7bd-d2d185eed0e0'"));
        assert!(!m("id eq 00000000-0000-0000-0000-000000000000"));
        assert!(m("manager/id eq 4562bcc8-c436-4f95-b7c0-4f8ce89dca5e"));
        assert!(m(
            "onPremisesExtensionAttributes/extensionAttribute1 eq 'BLUE'"
        ));
    }

    #[test]
    fn dates_compare_as_instants() {
        assert!(m("createdDateTime ge 2021-01-01T00:00:00Z"));
        assert!(m("createdDateTime le 2021-06-17T18:41:33+02:00"));
        assert!(m("createdDateTime eq 2021-06-17T18:41:33+02:00"));
        assert!(!m("createdDateTime lt 2021-06-17T16:41:33Z"));
        assert!(m("createdDateTime gt 2021-06-17"));
        assert!(m(
            "employeeHireDate ge 2020-01-01 and employeeHireDate lt 2020-02-01"
        ));
        assert!(m("employeeHireDate eq 2020-01-15T00:00:00Z"));
    }

    #[test]
    fn lambdas() {
        assert!(m("groupTypes/any(c:c eq 'unified')"));
        assert!(!m("NOT groupTypes/any(c:c eq 'Unified')"));
        assert!(m(
            "assignedLicenses/any(x:x/skuId eq 184efa21-98c3-4e5d-95ab-d07053a96e67)"
        ));
        assert!(!m(
            "assignedLicenses/any(x:x/skuId eq cbdc14ab-d96c-4c30-b9f4-6ada7cdc1d46)"
        ));
        assert!(m("assignedLicenses/any()"));
        assert!(!m("otherMails/any()"));
        assert!(
            !m("imAddresses/any(i:i eq 'x')"),
            "missing collection is empty"
        );
        assert!(m("proxyAddresses/any(p:startsWith(p, 'smtp:'))"));
        assert!(m("proxyAddresses/any(p:endsWith(p, 'OnMicrosoft.com'))"));
        assert!(m("proxyAddresses/all(p:endsWith(p, '.com'))"));
        assert!(!m("proxyAddresses/all(p:startsWith(p, 'SMTP:AdeleV'))"));
        assert!(
            m("otherMails/all(p:p eq 'x')"),
            "all over an empty collection"
        );
        assert!(m(
            "identities/any(c:c/issuerAssignedId eq 'adelev@contoso.com' and c/issuer eq 'contoso.com')"
        ));
        assert!(m("businessPhones/any(p:startswith(p, '+44'))"));
        // Outer properties inside a lambda body refer to the object.
        assert!(m(
            "groupTypes/any(c:c eq 'Unified' and accountEnabled eq true)"
        ));
        // Nested lambdas with shadowing.
        assert!(m(
            "assignedLicenses/any(x: x/disabledPlans/all(x: x eq 'none'))"
        ));
    }

    #[test]
    fn counts() {
        assert!(m("assignedLicenses/$count eq 1"));
        assert!(m("assignedLicenses/$count ne 0"));
        assert!(m("otherMails/$count eq 0"));
        assert!(m("imAddresses/$count eq 0"));
        assert!(m("not(otherMails/$count ne 0)"));
    }

    #[test]
    fn has_operator() {
        assert!(m("scenarios has 'zeroTrust'"));
        assert!(!m("scenarios has 'other'"));
        assert!(m("groupTypes has 'unified'"));
    }

    #[test]
    fn casts_and_property_case() {
        assert!(m("DisplayName eq 'Adele Vance'"));
        let obj = json!({"@odata.type": "#microsoft.graph.user", "displayName": "A"});
        let e = filter::parse("microsoft.graph.user/displayName eq 'a'").unwrap();
        assert!(matches(&e, &obj).unwrap());
        let e = filter::parse("microsoft.graph.group/displayName eq 'a'").unwrap();
        assert!(!matches(&e, &obj).unwrap());
    }

    #[test]
    fn type_errors() {
        let e = err("accountEnabled eq 'true'");
        assert_eq!(e.kind, EvalErrorKind::TypeMismatch);
        assert_eq!(
            e.message,
            "cannot compare a boolean with a string using 'eq'"
        );
        let e = err("groupTypes eq 'Unified'");
        assert!(e.message.contains("groupTypes/any"), "{}", e.message);
        let e = err("assignedLicenses/skuId eq 184efa21-98c3-4e5d-95ab-d07053a96e67");
        assert!(e.message.contains("is a collection"), "{}", e.message);
        let e = err("startsWith(proxyAddresses, 'smtp')");
        assert!(e.message.contains("proxyAddresses/any"), "{}", e.message);
        let e = err("manager eq 'x'");
        assert!(e.message.contains("is an object"), "{}", e.message);
        let e = err("substringof('a', displayName)");
        assert_eq!(e.kind, EvalErrorKind::Unsupported);
        let e = err("displayName/$count eq 1");
        assert!(e.message.contains("not a collection"));
        let e = err("displayName");
        assert!(e.message.contains("not a condition"));
        let e = err("rank eq 'three'");
        assert_eq!(e.span, 0..15);
    }

    #[test]
    fn search_tokenising() {
        assert_eq!(search_tokens("hello world"), ["hello", "world"]);
        assert_eq!(search_tokens("HelloWorld"), ["hello", "world"]);
        assert_eq!(search_tokens("helloWORLD"), ["hello", "world"]);
        assert_eq!(search_tokens("HELLOworld"), ["helloworld"]);
        assert_eq!(search_tokens("HelloWORld"), ["hello", "world"]);
        assert_eq!(search_tokens("hello123world"), ["hello", "123", "world"]);
        assert_eq!(
            search_tokens("hello.world"),
            [".", "helloworld", "hello", "world"]
        );
        assert_eq!(
            search_tokens("李四(David Li)"),
            ["(", "李四david", "李四", "david", ")", "li"]
        );
    }

    fn s(q: &str, obj: &Value) -> bool {
        search_matches(&search::parse(q).unwrap(), obj)
    }

    #[test]
    fn search_matching() {
        let ward = json!({"displayName": "Oscar Ward", "mail": "oscarward@contoso.com"});
        assert!(s("\"displayName:wa\"", &ward));
        assert!(s("\"displayName:ward oscar\"", &ward));
        assert!(
            !s("\"displayName:car\"", &ward),
            "tokens match by prefix, not contains"
        );
        assert!(s("\"mail:OSCAR\"", &ward));
        assert!(s("\"mail: oscar\"", &ward));
        assert!(
            !s("\"mail:ward\"", &ward),
            "other properties act like startsWith"
        );
        assert!(s("\"displayName:xx\" OR \"mail:osc\"", &ward));
        assert!(!s("\"displayName:xx\" AND \"mail:osc\"", &ward));
        assert!(s("NOT \"displayName:xx\"", &ward));
        let g = json!({"displayName": "OneVideo Team", "description": "hello-world 2024"});
        assert!(s("\"displayName:OneVideo\"", &g));
        assert!(s("\"displayName:video one\"", &g));
        assert!(s("\"description:helloworld\"", &g));
        assert!(s("\"description:2024\"", &g));
        assert!(!s(
            "\"description:One\" AND (\"displayName:Video\" OR \"displayName:Drive\")",
            &g
        ));
        assert!(s(
            "\"displayName:One\" AND (\"displayName:Video\" OR \"displayName:Drive\")",
            &g
        ));
        let li = json!({"displayName": "李四(David Li)"});
        for q in [
            "李四(David Li)",
            "李四",
            "David",
            "Li",
            "David)",
            "(李四",
            "Li 李",
        ] {
            assert!(s(&format!("\"displayName:{q}\""), &li), "{q}");
        }
        let p = json!({"proxyAddresses": ["SMTP:a@contoso.com", "smtp:b@x.com"]});
        assert!(s("\"proxyAddresses:smtp:b@\"", &p));
        assert!(s("\"video\"", &g), "no property: displayName/description");
    }

    #[test]
    fn orderby() {
        let a = json!({"displayName": "alice", "createdDateTime": "2021-01-01T00:00:00Z", "n": 2});
        let b =
            json!({"displayName": "Bob", "createdDateTime": "2020-12-31T23:00:00-02:00", "n": 10});
        let c = json!({"createdDateTime": null});
        let by = |s: &str| options::parse_orderby(s).unwrap();
        assert_eq!(
            compare_for_orderby(&a, &b, &by("displayName")),
            Ordering::Less
        );
        assert_eq!(
            compare_for_orderby(&a, &b, &by("displayName desc")),
            Ordering::Greater
        );
        assert_eq!(compare_for_orderby(&a, &b, &by("n")), Ordering::Less);
        // b is 2021-01-01T01:00Z, later than a.
        assert_eq!(
            compare_for_orderby(&a, &b, &by("createdDateTime")),
            Ordering::Less
        );
        // Nulls first ascending, last descending.
        assert_eq!(
            compare_for_orderby(&c, &a, &by("displayName")),
            Ordering::Less
        );
        assert_eq!(
            compare_for_orderby(&c, &a, &by("displayName desc")),
            Ordering::Greater
        );
        // Ties fall through to the next key.
        let a2 = json!({"displayName": "ALICE", "n": 1});
        assert_eq!(
            compare_for_orderby(&a, &a2, &by("displayName, n")),
            Ordering::Greater
        );
        let mut v = [b.clone(), c.clone(), a.clone()];
        v.sort_by(|x, y| compare_for_orderby(x, y, &by("displayName")));
        assert_eq!(v, [c, a, b]);
    }
}
