//! Evaluating parsed queries against JSON objects, the way Graph's directory does.
