//! The one place the sandbox calls the OData toolkit's evaluator (`crate::odata::eval`).

use crate::odata::Expr;
use crate::odata::eval;
use crate::odata::options::OrderItem;
use crate::odata::search::SearchExpr;
use crate::sandbox::errors::GraphError;
use serde_json::Value;
use std::cmp::Ordering;

/// Does an object satisfy a `$filter`? A type mismatch is Graph's 400.
pub fn matches(expr: &Expr, obj: &Value) -> Result<bool, GraphError> {
    eval::matches(expr, obj).map_err(|e| {
        // Graph words these as OData binder errors; the exact text varies [unverified].
        GraphError::odata_bad_request(format!("Invalid filter clause: {}", e.message))
    })
}

/// Does an object satisfy a `$search`?
pub fn search_matches(search: &SearchExpr, obj: &Value) -> bool {
    eval::search_matches(search, obj)
}

/// Orders two objects by a `$orderby` list.
pub fn compare(order: &[OrderItem], a: &Value, b: &Value) -> Ordering {
    eval::compare_for_orderby(a, b, order)
}
