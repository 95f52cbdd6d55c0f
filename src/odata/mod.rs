//! OData query toolkit: $filter and friends, linting, completion and URL building.
//!
//! - [`filter::parse`] turns a `$filter` into an [`ast::Expr`] with byte spans;
//! - [`search::parse`] handles `$search`; [`options`] handles `$orderby`, `$select`, `$expand`,
//!   `$top` and `$count`;
//! - errors are [`error::ParseError`] (span + message + expected + hint, with `render`);
//! - [`eval`] evaluates parsed queries against JSON objects the way the directory does
//!   (used by the sandbox tenant).
//! - [`capabilities`] is the property table; [`lint`] checks queries against it; [`complete`]
//!   suggests what to type; [`url`] builds and parses Graph URLs.

pub mod ast;
pub mod error;
pub mod eval;
pub mod filter;
pub mod lexer;
pub mod options;
pub mod search;

pub mod capabilities;
pub mod complete;
pub mod lint;
pub mod url;

pub use ast::{Expr, ExprKind, Span};
pub use error::ParseError;
