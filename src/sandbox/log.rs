//! The request log readable at `GET /_sandbox/log`. The Authorization header's value is
//! never stored: only its scheme ("Bearer <redacted>").

use serde::Serialize;
use std::collections::VecDeque;

/// Entries kept; older ones are dropped.
pub const LOG_CAPACITY: usize = 10_000;

/// One request and its answer.
#[derive(Debug, Clone, Serialize)]
pub struct LogEntry {
    /// Sequence number from 1.
    pub seq: u64,
    /// RFC 3339 UTC time the request arrived.
    pub timestamp: String,
    pub method: String,
    /// Path and query, as received.
    pub path: String,
    pub status: u16,
    pub request_id: String,
    /// Request headers (Authorization redacted).
    pub request_headers: Vec<(String, String)>,
    /// The fault injected, if any (`throttle`, `drop`, ...).
    pub fault: Option<String>,
    /// Whether a Retry-After header was sent, and its value.
    pub retry_after: Option<String>,
    pub duration_ms: u64,
}

/// A bounded log.
#[derive(Debug, Default)]
pub struct RequestLog {
    entries: VecDeque<LogEntry>,
    next_seq: u64,
}

impl RequestLog {
    /// Appends an entry, assigning its sequence number.
    pub fn push(&mut self, mut e: LogEntry) {
        self.next_seq += 1;
        e.seq = self.next_seq;
        if self.entries.len() == LOG_CAPACITY {
            self.entries.pop_front();
        }
        self.entries.push_back(e);
    }

    /// All entries, oldest first.
    pub fn entries(&self) -> Vec<LogEntry> {
        self.entries.iter().cloned().collect()
    }

    /// Forgets everything.
    pub fn clear(&mut self) {
        self.entries.clear();
    }
}

/// Redacts header values that carry credentials.
pub fn redact_header(name: &str, value: &str) -> String {
    if name.eq_ignore_ascii_case("authorization") {
        match value.split_once(' ') {
            Some((scheme, _)) => format!("{scheme} <redacted>"),
            None => "<redacted>".into(),
        }
    } else {
        value.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn authorization_is_redacted() {
        assert_eq!(
            redact_header("Authorization", "Bearer eyJabc"),
            "Bearer <redacted>"
        );
        assert_eq!(redact_header("authorization", "garbage"), "<redacted>");
        assert_eq!(redact_header("accept", "x"), "x");
    }
}
