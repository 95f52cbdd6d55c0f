//! JSON `$batch`: up to 20 requests per batch, each item's answer or error kept, throttled
//! items (429/503/504) retried after the longest `Retry-After` among them. Up to four batches
//! are in flight at once.

use super::client::{GraphClient, GraphRequest, GraphResponse};
use super::error::{ApiError, GraphError};
use super::retry::is_retryable_status;
use futures::StreamExt;
use serde_json::{Value, json};
use std::time::Duration;

/// Graph's limit of requests in one `$batch`.
pub const MAX_BATCH: usize = 20;

/// How many `$batch` requests [`GraphClient::batch`] keeps in flight at once.
pub const MAX_CONCURRENT_BATCHES: usize = 4;

/// What one `$batch` round trip gave.
#[derive(Default)]
struct ChunkOutcome {
    /// Each item's answer, by request index.
    results: Vec<(usize, Result<GraphResponse, GraphError>)>,
    /// Throttled items to send again.
    retry: Vec<(usize, String)>,
    /// The longest delay the throttled items asked for.
    wait: Option<Duration>,
}

impl GraphClient {
    /// Runs many requests through `$batch`, 20 at a time, up to [`MAX_CONCURRENT_BATCHES`]
    /// batches at once. The answers are in request order.
    pub async fn batch(&self, reqs: Vec<GraphRequest>) -> Vec<Result<GraphResponse, GraphError>> {
        let mut out: Vec<Option<Result<GraphResponse, GraphError>>> = vec![None; reqs.len()];
        // Resolve every item first: foreign URLs fail alone, without being sent.
        let mut pending: Vec<(usize, String)> = Vec::new();
        for (i, r) in reqs.iter().enumerate() {
            let checked = self.resolve(&r.url).and_then(|u| {
                self.check_writable(r, &u)?;
                self.batch_relative(&r.url)
            });
            match checked {
                Ok(rel) => pending.push((i, rel)),
                Err(e) => out[i] = Some(Err(e)),
            }
        }
        let mut attempt = 0u32;
        let mut waited = Duration::ZERO;
        while !pending.is_empty() {
            let mut retry: Vec<(usize, String)> = Vec::new();
            let mut wait: Option<Duration> = None;
            // Up to MAX_CONCURRENT_BATCHES batches in flight; answers land by request index.
            // The futures are made up front (a `map` closure inside the stream would make this
            // future not `Send` for every lifetime, which spawned tasks need).
            let mut futs = Vec::new();
            for chunk in pending.chunks(MAX_BATCH) {
                futs.push(self.batch_chunk(&reqs, chunk, attempt));
            }
            let mut done = futures::stream::iter(futs).buffered(MAX_CONCURRENT_BATCHES);
            while let Some(o) = done.next().await {
                for (i, r) in o.results {
                    out[i] = Some(r);
                }
                retry.extend(o.retry);
                if let Some(d) = o.wait {
                    wait = Some(wait.map_or(d, |w| w.max(d)));
                }
            }
            drop(done);
            let Some(delay) = wait else { break };
            attempt += 1;
            if retry.is_empty() || !self.inner.retry.allows(attempt, waited, delay) {
                break;
            }
            self.emit(super::client::ClientEvent::Throttled {
                url: format!("{}/$batch", self.base()),
                status: 429,
                retry_in: delay,
                attempt,
                max_retries: self.inner.retry.max_retries,
            });
            tokio::time::sleep(delay).await;
            waited += delay;
            retry.sort_by_key(|(i, _)| *i);
            pending = retry;
        }
        out.into_iter()
            .map(|o| o.unwrap_or(Err(GraphError::Cancelled)))
            .collect()
    }

    /// Sends one `$batch` of at most [`MAX_BATCH`] items and reads each item's answer;
    /// throttled items (429/503/504) are returned for another round with their delay.
    async fn batch_chunk(
        &self,
        reqs: &[GraphRequest],
        chunk: &[(usize, String)],
        attempt: u32,
    ) -> ChunkOutcome {
        let mut o = ChunkOutcome::default();
        let body = json!({
            "requests": chunk.iter().map(|(i, rel)| {
                let r = &reqs[*i];
                let mut item = json!({"id": i.to_string(), "method": r.method.as_str(), "url": rel});
                if !r.headers.is_empty() || r.body.is_some() {
                    let mut h = serde_json::Map::new();
                    for (k, v) in &r.headers { h.insert(k.clone(), Value::String(v.clone())); }
                    if r.body.is_some() && !h.keys().any(|k| k.eq_ignore_ascii_case("content-type")) {
                        h.insert("Content-Type".into(), Value::String("application/json".into()));
                    }
                    item["headers"] = Value::Object(h);
                }
                if let Some(b) = &r.body { item["body"] = b.clone(); }
                item
            }).collect::<Vec<_>>()
        });
        let resp = self.send(GraphRequest::post("/$batch", body)).await;
        let (outer, j) = match resp.and_then(|r| r.json().map(|j| (r, j))) {
            Ok(x) => x,
            Err(e) => {
                for (i, _) in chunk {
                    o.results.push((*i, Err(e.clone())));
                }
                return o;
            }
        };
        let items = j
            .get("responses")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        for (i, rel) in chunk {
            let found = items
                .iter()
                .find(|it| it.get("id").and_then(Value::as_str) == Some(i.to_string().as_str()));
            let Some(it) = found else {
                o.results.push((
                    *i,
                    Err(GraphError::Decode {
                        url: outer.url.clone(),
                        message: format!("the $batch answer has no response with id {i}"),
                    }),
                ));
                continue;
            };
            let status = it.get("status").and_then(Value::as_u64).unwrap_or(0) as u16;
            let headers: Vec<(String, String)> = it
                .get("headers")
                .and_then(Value::as_object)
                .map(|m| {
                    m.iter()
                        .map(|(k, v)| {
                            (
                                k.to_ascii_lowercase(),
                                v.as_str()
                                    .map(str::to_string)
                                    .unwrap_or_else(|| v.to_string()),
                            )
                        })
                        .collect()
                })
                .unwrap_or_default();
            let body = match it.get("body") {
                None | Some(Value::Null) => String::new(),
                Some(Value::String(s)) => s.clone(),
                Some(v) => v.to_string(),
            };
            let full = format!("{}{}", self.base(), rel);
            if (200..300).contains(&status) {
                o.results.push((
                    *i,
                    Ok(GraphResponse {
                        status,
                        headers,
                        body,
                        url: full,
                        exchange_id: outer.exchange_id,
                        client_request_id: outer.client_request_id.clone(),
                    }),
                ));
                continue;
            }
            let mut err =
                ApiError::from_response(status, &headers, &body, reqs[*i].method.as_str(), &full);
            err.exchange_id = Some(outer.exchange_id);
            if is_retryable_status(status) {
                let d = self
                    .inner
                    .retry
                    .delay(attempt + 1, err.retry_after.as_deref());
                o.wait = Some(o.wait.map_or(d, |w| w.max(d)));
                o.retry.push((*i, rel.clone()));
            }
            o.results.push((*i, Err(GraphError::Api(Box::new(err)))));
        }
        o
    }

    /// The URL of a batch item, relative to the versioned base (`/users/x?$select=id`).
    fn batch_relative(&self, raw: &str) -> Result<String, GraphError> {
        let url = self.resolve(raw)?;
        let base =
            url::Url::parse(self.base()).map_err(|e| GraphError::InvalidRequest(e.to_string()))?;
        let bp = base.path().trim_end_matches('/');
        let path = url.path();
        let rest = path
            .strip_prefix(bp)
            .filter(|r| r.is_empty() || r.starts_with('/'))
            .ok_or_else(|| {
                GraphError::InvalidRequest(format!(
                    "{url} is not under {}: a $batch holds requests for one API version",
                    self.base()
                ))
            })?;
        Ok(match url.query() {
            Some(q) => format!("{rest}?{q}"),
            None => rest.to_string(),
        })
    }
}
