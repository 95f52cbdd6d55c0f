//! OData query toolkit: $filter and friends, linting, completion and URL building.

pub mod capabilities;
