//! Paging: a stream of pages following `@odata.nextLink`, resending the request headers
//! (`ConsistencyLevel`) on every page, with a page cap, an item cap, cancellation and progress.
//! A nextLink off the Graph origin is refused before anything is sent; a repeated one stops.

use super::client::{GraphClient, GraphRequest};
use super::error::GraphError;
use futures::stream::{BoxStream, StreamExt};
use serde_json::Value;
use std::collections::HashSet;
use std::time::{Duration, Instant};
use tokio_util::sync::CancellationToken;

/// Limits and cancellation for [`GraphClient::pages`].
#[derive(Debug, Clone, Default)]
pub struct PageOptions {
    /// Follow `@odata.nextLink` (otherwise only the first page).
    pub follow: bool,
    /// Stop after this many pages.
    pub max_pages: Option<usize>,
    /// Stop after this many items (the last page is cut).
    pub max_items: Option<usize>,
    /// Cancels the stream (it ends with `GraphError::Cancelled`).
    pub cancel: CancellationToken,
}

impl PageOptions {
    /// Follow every nextLink.
    pub fn all() -> PageOptions {
        PageOptions {
            follow: true,
            ..Default::default()
        }
    }
}

/// Running totals while paging.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Progress {
    pub pages: usize,
    pub items: usize,
    pub elapsed: Duration,
}

impl Progress {
    /// Items per second so far.
    pub fn rate(&self) -> f64 {
        let s = self.elapsed.as_secs_f64();
        if s > 0.0 { self.items as f64 / s } else { 0.0 }
    }
}

/// One page of results.
#[derive(Debug, Clone)]
pub struct Page {
    /// 0-based page number.
    pub index: usize,
    /// The `value` items, or the single object for a non-collection answer.
    pub items: Vec<Value>,
    /// True when the answer was a single object, not a collection.
    pub single: bool,
    /// `@odata.count` (first page only).
    pub count: Option<u64>,
    /// `@odata.context`.
    pub context: Option<String>,
    /// `@odata.nextLink`, when the server has more.
    pub next_link: Option<String>,
    /// `@odata.deltaLink` (delta queries).
    pub delta_link: Option<String>,
    /// True when this is the last page the stream will yield while more exist (a cap was hit).
    pub truncated: bool,
    /// The recorded exchange.
    pub exchange_id: u64,
    pub progress: Progress,
    /// A plain-text body (e.g. `/users/$count`) when the answer was not JSON.
    pub text: Option<String>,
}

struct State {
    client: GraphClient,
    template: GraphRequest,
    next: Option<String>,
    seen: HashSet<String>,
    opts: PageOptions,
    index: usize,
    items: usize,
    started: Instant,
    done: bool,
}

impl GraphClient {
    /// Pages of a GET as a stream. Dropping the stream or cancelling `opts.cancel` stops it.
    pub fn pages(
        &self,
        req: GraphRequest,
        opts: PageOptions,
    ) -> BoxStream<'static, Result<Page, GraphError>> {
        let state = State {
            client: self.clone(),
            next: Some(req.url.clone()),
            template: req,
            seen: HashSet::new(),
            opts,
            index: 0,
            items: 0,
            started: Instant::now(),
            done: false,
        };
        futures::stream::unfold(state, |mut st| async move {
            if st.done {
                return None;
            }
            let url = st.next.take()?;
            let r = next_page(&mut st, url).await;
            if r.is_err() {
                st.done = true;
            }
            Some((r, st))
        })
        .boxed()
    }

    /// Every item of a collection (following nextLinks within the options' caps).
    pub async fn collect_all(
        &self,
        req: GraphRequest,
        opts: PageOptions,
    ) -> Result<Vec<Value>, GraphError> {
        let mut s = self.pages(req, opts);
        let mut out = Vec::new();
        while let Some(p) = s.next().await {
            out.extend(p?.items);
        }
        Ok(out)
    }
}

async fn next_page(st: &mut State, url: String) -> Result<Page, GraphError> {
    let resolved = st.client.resolve(&url)?;
    if !st.seen.insert(resolved.to_string()) {
        return Err(GraphError::NextLinkLoop { url });
    }
    let mut req = st.template.clone();
    req.url = resolved.to_string();
    let cancel = st.opts.cancel.clone();
    let resp = tokio::select! {
        _ = cancel.cancelled() => return Err(GraphError::Cancelled),
        r = st.client.send(req) => r?,
    };
    let index = st.index;
    st.index += 1;
    let mut page = Page {
        index,
        items: Vec::new(),
        single: false,
        count: None,
        context: None,
        next_link: None,
        delta_link: None,
        truncated: false,
        exchange_id: resp.exchange_id,
        progress: Progress {
            pages: st.index,
            items: 0,
            elapsed: Duration::ZERO,
        },
        text: None,
    };
    match serde_json::from_str::<Value>(&resp.body) {
        Ok(Value::Object(mut m)) => {
            let s = |m: &serde_json::Map<String, Value>, k: &str| {
                m.get(k).and_then(Value::as_str).map(str::to_string)
            };
            page.context = s(&m, "@odata.context");
            page.next_link = s(&m, "@odata.nextLink");
            page.delta_link = s(&m, "@odata.deltaLink");
            page.count = m.get("@odata.count").and_then(Value::as_u64);
            match m.remove("value") {
                Some(Value::Array(items)) => page.items = items,
                Some(other) => {
                    // A single primitive/complex value (e.g. a property read): keep it whole.
                    m.insert("value".into(), other);
                    page.items = vec![Value::Object(m)];
                    page.single = true;
                }
                None => {
                    page.items = vec![Value::Object(m)];
                    page.single = true;
                }
            }
        }
        Ok(Value::Null) | Err(_) if !resp.body.trim().is_empty() => {
            // Plain text is a real answer (`/$count`, `/$value`); a JSON or HTML body that does
            // not parse, or anything but JSON on a nextLink page, is a broken answer: say so
            // rather than end the listing early.
            let ctype = resp
                .header("content-type")
                .unwrap_or("")
                .to_ascii_lowercase();
            if index > 0 || !ctype.starts_with("text/plain") {
                let why = match serde_json::from_str::<Value>(&resp.body) {
                    Err(e) => format!("the body is not valid JSON ({e})"),
                    Ok(_) => "the body is not a JSON object".to_string(),
                };
                return Err(GraphError::Decode {
                    url: resp.url.clone(),
                    message: format!(
                        "{why}; content-type {:?}; it starts with {:?}",
                        if ctype.is_empty() {
                            "(none)"
                        } else {
                            ctype.as_str()
                        },
                        crate::util::sanitize(&resp.body.chars().take(80).collect::<String>())
                    ),
                });
            }
            page.text = Some(resp.body.clone());
            page.single = true;
        }
        Ok(other) => {
            if !other.is_null() {
                page.items = vec![other];
            }
            page.single = true;
        }
        Err(_) => page.single = true,
    }
    if let Some(next) = &page.next_link
        && !url::Url::parse(next).is_ok_and(|u| matches!(u.scheme(), "http" | "https"))
    {
        return Err(GraphError::Decode {
            url: resp.url.clone(),
            message: format!(
                "@odata.nextLink is not an absolute http(s) URL: {:?}",
                crate::util::sanitize(&next.chars().take(200).collect::<String>())
            ),
        });
    }
    if let Some(max) = st.opts.max_items {
        let room = max.saturating_sub(st.items);
        if page.items.len() >= room {
            let more = page.items.len() > room || page.next_link.is_some();
            page.items.truncate(room);
            page.truncated = more;
            st.done = true;
        }
    }
    st.items += page.items.len();
    if let Some(maxp) = st.opts.max_pages
        && st.index >= maxp
    {
        page.truncated = page.next_link.is_some();
        st.done = true;
    }
    if !st.opts.follow {
        st.done = true;
    }
    if !st.done {
        st.next = page.next_link.clone();
    }
    page.progress = Progress {
        pages: st.index,
        items: st.items,
        elapsed: st.started.elapsed(),
    };
    Ok(page)
}
