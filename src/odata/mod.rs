//! OData query toolkit: $filter and friends, linting, completion and URL building.
