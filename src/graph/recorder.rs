//! The exchange recorder: every HTTP request and answer (Graph and sign-in), with secrets
//! redacted, kept in a bounded list that the inspector reads and subscribes to.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};
use tokio::sync::broadcast;

/// Which service an exchange went to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ExchangeKind {
    Graph,
    Identity,
}

/// One HTTP request and its answer (or failure). Each retry is its own exchange.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Exchange {
    pub id: u64,
    pub kind: ExchangeKind,
    #[serde(with = "unix_ms")]
    pub started: SystemTime,
    pub method: String,
    pub url: String,
    /// Request headers; `Authorization` is replaced by `Bearer <redacted>`.
    pub request_headers: Vec<(String, String)>,
    /// Request body (form bodies with secrets redacted).
    pub request_body: Option<String>,
    pub status: Option<u16>,
    pub response_headers: Vec<(String, String)>,
    /// Response body as received (identity responses have tokens redacted).
    pub response_body: Option<String>,
    #[serde(with = "millis")]
    pub duration: Duration,
    /// 0 for the first try, n for the n-th retry.
    pub attempt: u32,
    /// The parsed Graph error, for error answers from Graph.
    pub error: Option<super::error::ApiError>,
    /// A transport failure (no answer).
    pub transport_error: Option<String>,
    /// The `client-request-id` sent.
    pub client_request_id: Option<String>,
}

mod unix_ms {
    use std::time::{SystemTime, UNIX_EPOCH};
    pub fn serialize<S: serde::Serializer>(t: &SystemTime, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u128(
            t.duration_since(UNIX_EPOCH)
                .map(|d| d.as_millis())
                .unwrap_or(0),
        )
    }
}
mod millis {
    use std::time::Duration;
    pub fn serialize<S: serde::Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u128(d.as_millis())
    }
}

/// Header names whose values are never recorded.
const SECRET_HEADERS: &[&str] = &[
    "authorization",
    "proxy-authorization",
    "cookie",
    "set-cookie",
];

/// Copies headers, redacting secret ones.
pub fn redact_headers<'a>(
    headers: impl IntoIterator<Item = (&'a str, &'a str)>,
) -> Vec<(String, String)> {
    headers
        .into_iter()
        .map(|(k, v)| {
            let lk = k.to_ascii_lowercase();
            if SECRET_HEADERS.contains(&lk.as_str()) {
                let scheme = v.split_whitespace().next().unwrap_or("");
                let shown = if lk == "authorization" && !scheme.is_empty() {
                    format!("{scheme} <redacted>")
                } else {
                    "<redacted>".to_string()
                };
                (lk, shown)
            } else {
                (lk, v.to_string())
            }
        })
        .collect()
}

/// Form fields whose values are secrets.
const SECRET_FIELDS: &[&str] = &[
    "client_secret",
    "refresh_token",
    "device_code",
    "client_assertion",
    "code",
    "password",
    "assertion",
    "access_token",
    "id_token",
];

/// Redacts secret fields of an `application/x-www-form-urlencoded` body.
pub fn redact_form(body: &str) -> String {
    body.split('&')
        .map(|pair| {
            let name = pair.split('=').next().unwrap_or("");
            if SECRET_FIELDS.contains(&name) {
                format!("{name}=<redacted>")
            } else {
                pair.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("&")
}

/// Redacts token fields of a JSON body (identity responses); non-JSON is returned as is.
pub fn redact_json(body: &str) -> String {
    match serde_json::from_str::<serde_json::Value>(body) {
        Ok(serde_json::Value::Object(mut m)) => {
            let mut changed = false;
            for f in SECRET_FIELDS {
                if let Some(v) = m.get_mut(*f) {
                    *v = serde_json::Value::String("<redacted>".into());
                    changed = true;
                }
            }
            if changed {
                serde_json::Value::Object(m).to_string()
            } else {
                body.to_string()
            }
        }
        _ => body.to_string(),
    }
}

/// How much of a response body the recorder keeps (the inspector shows the start of a body;
/// a 999-row page is about 1 MB, and keeping hundreds of them whole costs memory and time).
pub const MAX_RECORDED_BODY: usize = 256 * 1024;

/// The body as recorded: whole up to [`MAX_RECORDED_BODY`] bytes, else its start (cut at a
/// character boundary) and a note saying how long it was.
pub fn clip_body(body: &str) -> String {
    if body.len() <= MAX_RECORDED_BODY {
        return body.to_string();
    }
    let mut end = MAX_RECORDED_BODY;
    while !body.is_char_boundary(end) {
        end -= 1;
    }
    format!(
        "{}\n… (graphtui kept the first {} KiB of this {} byte body)",
        &body[..end],
        MAX_RECORDED_BODY / 1024,
        body.len()
    )
}

struct Inner {
    list: Mutex<VecDeque<Arc<Exchange>>>,
    capacity: usize,
    next_id: AtomicU64,
    tx: broadcast::Sender<Arc<Exchange>>,
}

/// A bounded, shared list of exchanges (clone = same list).
#[derive(Clone)]
pub struct Recorder {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for Recorder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Recorder")
            .field("len", &self.len())
            .finish()
    }
}

impl Default for Recorder {
    fn default() -> Self {
        Recorder::new(2000)
    }
}

impl Recorder {
    /// A recorder keeping the last `capacity` exchanges.
    pub fn new(capacity: usize) -> Recorder {
        let (tx, _) = broadcast::channel(256);
        Recorder {
            inner: Arc::new(Inner {
                list: Mutex::new(VecDeque::new()),
                capacity: capacity.max(1),
                next_id: AtomicU64::new(1),
                tx,
            }),
        }
    }

    /// A fresh exchange id.
    pub fn next_id(&self) -> u64 {
        self.inner.next_id.fetch_add(1, Ordering::Relaxed)
    }

    /// Adds an exchange and tells subscribers.
    pub fn record(&self, ex: Exchange) -> Arc<Exchange> {
        let ex = Arc::new(ex);
        if let Ok(mut l) = self.inner.list.lock() {
            while l.len() >= self.inner.capacity {
                l.pop_front();
            }
            l.push_back(ex.clone());
        }
        let _ = self.inner.tx.send(ex.clone());
        ex
    }

    /// Every kept exchange, oldest first.
    pub fn list(&self) -> Vec<Arc<Exchange>> {
        self.inner
            .list
            .lock()
            .map(|l| l.iter().cloned().collect())
            .unwrap_or_default()
    }

    /// One exchange by id.
    pub fn get(&self, id: u64) -> Option<Arc<Exchange>> {
        self.inner
            .list
            .lock()
            .ok()
            .and_then(|l| l.iter().find(|e| e.id == id).cloned())
    }

    /// Number of kept exchanges.
    pub fn len(&self) -> usize {
        self.inner.list.lock().map(|l| l.len()).unwrap_or(0)
    }

    /// True when nothing is kept.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Forgets every exchange.
    pub fn clear(&self) {
        if let Ok(mut l) = self.inner.list.lock() {
            l.clear();
        }
    }

    /// New exchanges as they are recorded.
    pub fn subscribe(&self) -> broadcast::Receiver<Arc<Exchange>> {
        self.inner.tx.subscribe()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn large_bodies_are_clipped_at_a_char_boundary_with_a_note() {
        let small = "{\"value\":[]}";
        assert_eq!(clip_body(small), small);
        // 'é' is two bytes: put one across the limit.
        let big = format!("{}é{}", "a".repeat(MAX_RECORDED_BODY - 1), "b".repeat(1000));
        let c = clip_body(&big);
        assert!(c.starts_with(&"a".repeat(MAX_RECORDED_BODY - 1)));
        assert!(!c.contains('é'));
        assert!(
            c.ends_with(&format!("of this {} byte body)", big.len())),
            "{}",
            &c[c.len() - 80..]
        );
        assert!(c.len() < MAX_RECORDED_BODY + 100);
    }

    #[test]
    fn redacts_authorization_and_form_secrets() {
        let h = redact_headers([("Authorization", "Bearer eyJabc"), ("Accept", "x")]);
        assert_eq!(h[0], ("authorization".into(), "Bearer <redacted>".into()));
        assert_eq!(h[1].1, "x");
        let f =
            redact_form("client_id=c&client_secret=s3&grant_type=refresh_token&refresh_token=r");
        assert_eq!(
            f,
            "client_id=c&client_secret=<redacted>&grant_type=refresh_token&refresh_token=<redacted>"
        );
        let j = redact_json(r#"{"access_token":"eyJ","expires_in":3599}"#);
        assert!(!j.contains("eyJ") && j.contains("3599"));
    }

    #[test]
    fn bounded_and_broadcasts() {
        let r = Recorder::new(2);
        let mut sub = r.subscribe();
        for i in 0..3 {
            r.record(Exchange {
                id: r.next_id(),
                kind: ExchangeKind::Graph,
                started: SystemTime::now(),
                method: "GET".into(),
                url: format!("u{i}"),
                request_headers: vec![],
                request_body: None,
                status: Some(200),
                response_headers: vec![],
                response_body: None,
                duration: Duration::ZERO,
                attempt: 0,
                error: None,
                transport_error: None,
                client_request_id: None,
            });
        }
        assert_eq!(r.len(), 2);
        assert_eq!(r.list()[0].url, "u1");
        assert_eq!(sub.try_recv().unwrap().url, "u0");
    }
}
