//! Runs [`Command`]s as tokio tasks. Each view owns a slot: a new fetch in a slot aborts the
//! previous one (latest request wins), and popping a view cancels its slot. Results come back
//! as [`Action`]s tagged with the slot and generation, so stale ones are dropped by `update`.

use super::action::{Action, Command, Fetch, Request};
use super::model::{Exchange, Kind, WhyResult, display_name, object_id};
use futures::future::BoxFuture;
use serde_json::Value;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use tokio::sync::mpsc::UnboundedSender;
use tokio::task::AbortHandle;

/// Where results and progress go.
pub type Events = UnboundedSender<Action>;

/// The outcome of one request (after retries), with its recorded exchange.
#[derive(Debug, Clone)]
pub struct Sent {
    pub exchange: Exchange,
    /// Parsed JSON body of a successful response.
    pub body: Option<Value>,
}

impl Sent {
    /// True for a 2xx response.
    pub fn ok(&self) -> bool {
        self.exchange.error.is_none()
            && self
                .exchange
                .status
                .is_some_and(|s| (200..300).contains(&s))
    }
    /// A one-line description of a failure (`403 Authorization_RequestDenied: Insufficient…`).
    pub fn failure(&self) -> String {
        if let Some(e) = &self.exchange.error {
            return e.clone();
        }
        let status = self.exchange.status.unwrap_or(0);
        if (200..300).contains(&status) {
            // Success status, but the body did not parse: say what came instead.
            let ctype = self
                .exchange
                .response_headers
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case("content-type"))
                .map_or("no content-type", |(_, v)| v.as_str());
            let start: String = self.exchange.body.trim().chars().take(60).collect();
            return if start.is_empty() {
                format!("HTTP {status} with an empty body where JSON was expected")
            } else {
                format!(
                    "HTTP {status} but the body is not JSON ({}): {}",
                    crate::util::sanitize(ctype),
                    crate::util::sanitize(&start)
                )
            };
        }
        match super::graph_error::decode(&self.exchange.body) {
            Some(g) => format!("{status} {}: {}", g.code, g.message),
            None => format!("HTTP {status}"),
        }
    }
}

/// Who signed in.
#[derive(Debug, Clone, PartialEq)]
pub struct Identity {
    pub account: String,
    pub tenant_name: Option<String>,
    pub tenant_id: Option<String>,
}

/// The network side of the explorer: Graph requests and sign-in.
pub trait Backend: Send + Sync + 'static {
    /// Sends one Graph request (auth, retries on 429/503 reported as [`Action::Throttled`]).
    fn send(&self, req: Request, events: Events) -> BoxFuture<'static, Sent>;
    /// Signs in (device code, reported through events) unless a usable token exists.
    fn sign_in(&self, events: Events) -> BoxFuture<'static, Result<Identity, String>>;
    /// Sends GET requests together (Graph's JSON `$batch`, 20 per batch); one result per
    /// request, in order: the parsed body, or why it failed. The default sends them one by
    /// one, concurrently.
    fn batch(
        &self,
        reqs: Vec<Request>,
        events: Events,
    ) -> BoxFuture<'static, Vec<Result<Value, String>>> {
        let futs: Vec<_> = reqs
            .into_iter()
            .map(|r| self.send(r, events.clone()))
            .collect();
        Box::pin(async move {
            futures::future::join_all(futs)
                .await
                .into_iter()
                .map(|s| match (s.ok(), s.body.clone()) {
                    (true, Some(b)) => Ok(b),
                    _ => Err(s.failure()),
                })
                .collect()
        })
    }
    /// The current token's claims, decoded locally (`None` without a token).
    fn claims(&self) -> BoxFuture<'static, Option<crate::doctor::Claims>> {
        Box::pin(async { None })
    }
    /// The token view's lines (claims decoded locally; see [`super::token_view`]).
    fn token(&self) -> BoxFuture<'static, Result<Vec<String>, String>> {
        Box::pin(async { Err("this backend has no token".to_string()) })
    }
}

/// Decrements the in-flight count when dropped (also when the task is aborted).
struct InFlight(Events);

impl InFlight {
    fn new(tx: &Events) -> InFlight {
        let _ = tx.send(Action::InFlight(1));
        InFlight(tx.clone())
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        let _ = self.0.send(Action::InFlight(-1));
    }
}

/// Runs commands as tasks; dropping it cancels them all.
pub struct Worker {
    backend: Arc<dyn Backend>,
    tx: Events,
    slots: HashMap<u64, AbortHandle>,
    signin: Option<AbortHandle>,
    data_dir: PathBuf,
    ids: Arc<AtomicU64>,
}

impl Worker {
    /// A worker sending results to `tx`.
    pub fn new(backend: Arc<dyn Backend>, tx: Events, data_dir: PathBuf) -> Worker {
        Worker {
            backend,
            tx,
            slots: HashMap::new(),
            signin: None,
            data_dir,
            ids: Arc::new(AtomicU64::new(1 << 40)),
        }
    }

    /// Starts a command. `Quit` and `Clipboard` belong to the app loop and are ignored here.
    pub fn run(&mut self, cmd: Command) {
        match cmd {
            Command::Fetch {
                slot,
                generation,
                fetch,
            } => {
                if let Some(h) = self.slots.remove(&slot) {
                    h.abort();
                }
                let ctx = Ctx {
                    backend: self.backend.clone(),
                    tx: self.tx.clone(),
                    ids: self.ids.clone(),
                    slot,
                    generation,
                };
                let h = tokio::spawn(async move { ctx.fetch(fetch).await });
                self.slots.insert(slot, h.abort_handle());
            }
            Command::Cancel { slot } => {
                if let Some(h) = self.slots.remove(&slot) {
                    h.abort();
                }
            }
            Command::SignIn => {
                if let Some(h) = self.signin.take() {
                    h.abort();
                }
                let backend = self.backend.clone();
                let tx = self.tx.clone();
                let h = tokio::spawn(async move {
                    let r = backend.sign_in(tx.clone()).await;
                    let ok = r.is_ok();
                    let _ = tx.send(match r {
                        Ok(id) => Action::SignedIn {
                            account: id.account,
                            tenant_name: id.tenant_name,
                            tenant_id: id.tenant_id,
                        },
                        Err(e) => Action::SignInFailed(e),
                    });
                    if ok {
                        // For the query bar's "will this work?" line.
                        let c = backend.claims().await;
                        let _ = tx.send(Action::TokenClaims(c.map(Box::new)));
                    }
                });
                self.signin = Some(h.abort_handle());
            }
            Command::CancelSignIn => {
                if let Some(h) = self.signin.take() {
                    h.abort();
                }
            }
            Command::Export {
                stem,
                extension,
                contents,
                note,
            } => {
                let dir = self.data_dir.join("exports");
                let tx = self.tx.clone();
                tokio::spawn(async move {
                    let msg = match write_export(&dir, &stem, extension, &contents).await {
                        Ok(p) => format!("exported to {} ({note})", p.display()),
                        Err(e) => format!("export failed: {e}"),
                    };
                    let _ = tx.send(Action::Status(msg));
                });
            }
            Command::SaveBundle { exchange, contents } => {
                let dir = self.data_dir.join("bundles");
                let tx = self.tx.clone();
                tokio::task::spawn_blocking(move || {
                    let stamp = time::OffsetDateTime::now_utc()
                        .format(time::macros::format_description!(
                            "[year][month][day]T[hour][minute][second]Z"
                        ))
                        .unwrap_or_default();
                    let path = dir.join(format!("bundle-{stamp}-{exchange}.txt"));
                    let r = std::fs::create_dir_all(&dir)
                        .and_then(|()| crate::doctor::write_bundle(&path, &contents));
                    let msg = match r {
                        Ok(()) => format!(
                            "support bundle copied to the clipboard and saved to {}",
                            path.display()
                        ),
                        Err(e) => format!(
                            "support bundle copied to the clipboard; saving {} failed: {e}",
                            path.display()
                        ),
                    };
                    let _ = tx.send(Action::Status(msg));
                });
            }
            Command::ShowToken => {
                let backend = self.backend.clone();
                let tx = self.tx.clone();
                tokio::spawn(async move {
                    let r = backend.token().await;
                    let _ = tx.send(Action::TokenInfo(r));
                });
            }
            Command::SaveHistory(h) => {
                let path = self.data_dir.join("query-history.json");
                tokio::spawn(async move {
                    if let Err(e) = save_history(&path, &h).await {
                        tracing::warn!("cannot save query history to {}: {e}", path.display());
                    }
                });
            }
            Command::Clipboard(_) | Command::Quit | Command::SwitchContext { .. } => {}
        }
    }
}

impl Drop for Worker {
    fn drop(&mut self) {
        for (_, h) in self.slots.drain() {
            h.abort();
        }
        if let Some(h) = self.signin.take() {
            h.abort();
        }
    }
}

async fn write_export(
    dir: &std::path::Path,
    stem: &str,
    ext: &str,
    contents: &str,
) -> std::io::Result<PathBuf> {
    tokio::fs::create_dir_all(dir).await?;
    for n in 0..10_000u32 {
        let name = if n == 0 {
            format!("{stem}.{ext}")
        } else {
            format!("{stem}-{n}.{ext}")
        };
        let p = dir.join(name);
        // Never overwrite an earlier export: a new name when this one exists.
        let mut opts = tokio::fs::OpenOptions::new();
        opts.write(true).create_new(true);
        // Directory data: readable by the owner only, like the bundles and the token cache.
        #[cfg(unix)]
        opts.mode(0o600);
        let f = opts.open(&p).await;
        match f {
            Ok(mut f) => {
                use tokio::io::AsyncWriteExt;
                f.write_all(contents.as_bytes()).await?;
                f.flush().await?;
                return Ok(p);
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e),
        }
    }
    Err(std::io::Error::other("too many exports with this name"))
}

async fn save_history(
    path: &std::path::Path,
    h: &BTreeMap<String, Vec<String>>,
) -> std::io::Result<()> {
    if let Some(d) = path.parent() {
        tokio::fs::create_dir_all(d).await?;
    }
    let s = serde_json::to_string_pretty(h).map_err(std::io::Error::other)?;
    tokio::fs::write(path, s).await
}

/// Loads the query history saved by an earlier run (empty when absent or unreadable).
pub fn load_history(data_dir: &std::path::Path) -> BTreeMap<String, Vec<String>> {
    std::fs::read_to_string(data_dir.join("query-history.json"))
        .ok()
        .and_then(|s| serde_json::from_str(&s).ok())
        .unwrap_or_default()
}

/// A group (or the member) and the groups it is directly in; `Err(None)` when it could not
/// be read, `Err(Some(..))` with the failed exchange for the member itself.
type Parents = (String, Result<Vec<Value>, Option<Sent>>);

struct Ctx {
    backend: Arc<dyn Backend>,
    tx: Events,
    ids: Arc<AtomicU64>,
    slot: u64,
    generation: u64,
}

impl Ctx {
    async fn send(&self, req: Request) -> Sent {
        let _guard = InFlight::new(&self.tx);
        let mut sent = self.backend.send(req, self.tx.clone()).await;
        // Recorded exchanges keep the recorder's id (and reach the inspector from the
        // recorder); others get one from a separate range and are sent from here. A failed
        // one is sent either way, before its `Failed`, with the doctor's diagnosis.
        let recorded = sent.exchange.id != 0;
        if !recorded {
            sent.exchange.id = self.ids.fetch_add(1, Ordering::Relaxed);
        }
        if !recorded || !sent.ok() {
            let _ = self
                .tx
                .send(Action::Exchanged(Box::new(sent.exchange.clone())));
        }
        sent
    }

    fn emit(&self, a: Action) {
        let _ = self.tx.send(a);
    }

    fn fail(&self, sent: &Sent) {
        self.emit(Action::Failed {
            slot: self.slot,
            generation: self.generation,
            message: sent.failure(),
            exchange: Some(sent.exchange.id),
        });
    }

    async fn fetch(self, fetch: Fetch) {
        match fetch {
            Fetch::Page { request, first } => {
                self.pages(request, first, false).await;
            }
            Fetch::All { request, first } => {
                self.pages(request, first, true).await;
            }
            Fetch::Object(req) => {
                let sent = self.send(req).await;
                match (sent.ok(), sent.body.clone()) {
                    (true, Some(value)) => self.emit(Action::Object {
                        slot: self.slot,
                        generation: self.generation,
                        value,
                    }),
                    _ => self.fail(&sent),
                }
            }
            Fetch::ManagerChain { user_id } => self.manager_chain(user_id).await,
            Fetch::Children { parent_id, request } => match self.all(request.url).await {
                Ok(items) => self.emit(Action::Children {
                    slot: self.slot,
                    generation: self.generation,
                    parent_id,
                    items,
                }),
                Err(sent) => self.fail(&sent),
            },
            Fetch::Why {
                member_kind,
                member_id,
                member_name,
                group_id,
                group_name,
            } => {
                let result = self
                    .why(
                        member_kind,
                        &member_id,
                        &member_name,
                        &group_id,
                        &group_name,
                    )
                    .await;
                match result {
                    Ok(result) => self.emit(Action::Why {
                        slot: self.slot,
                        generation: self.generation,
                        result,
                    }),
                    Err(sent) => self.fail(&sent),
                }
            }
        }
    }

    async fn pages(&self, mut request: Request, mut first: bool, all: bool) {
        loop {
            let mut sent = self.send(request.clone()).await;
            let ok = sent.ok();
            let Some(mut body) = sent.body.take().filter(|_| ok) else {
                self.fail(&sent);
                return;
            };
            // Move the rows out of the parsed body (no deep copy of a 999-row page).
            let items = match body.get_mut("value").map(Value::take) {
                Some(Value::Array(items)) => items,
                _ => vec![],
            };
            let count = body.get("@odata.count").and_then(Value::as_u64);
            let next = body
                .get("@odata.nextLink")
                .and_then(Value::as_str)
                .map(str::to_string);
            self.emit(Action::Page {
                slot: self.slot,
                generation: self.generation,
                items,
                count,
                next_link: next.clone(),
                first,
                more_coming: all && next.is_some(),
            });
            match next {
                // The same link again would load the same page forever: stop (the list stays
                // partial and says so).
                Some(n) if all && n != request.url => {
                    first = false;
                    // Headers are not carried over to later pages: send them again.
                    request = Request { url: n, ..request };
                }
                _ => return,
            }
        }
    }

    async fn manager_chain(&self, user_id: String) {
        const SELECT: &str = "$select=id,displayName,userPrincipalName,mail,jobTitle,department";
        let sent = self
            .send(Request::get(format!("/users/{user_id}?{SELECT}")))
            .await;
        let Some(me) = sent.body.clone().filter(|_| sent.ok()) else {
            self.fail(&sent);
            return;
        };
        let mut seen = HashSet::new();
        let mut cur = object_id(&me).unwrap_or(user_id);
        seen.insert(cur.clone());
        self.emit(Action::Page {
            slot: self.slot,
            generation: self.generation,
            items: vec![me],
            count: None,
            next_link: None,
            first: true,
            more_coming: true,
        });
        for _ in 0..100 {
            let sent = self
                .send(Request::get(format!("/users/{cur}/manager?{SELECT}")))
                .await;
            if sent.exchange.status == Some(404) {
                break;
            }
            let Some(mgr) = sent.body.clone().filter(|_| sent.ok()) else {
                self.fail(&sent);
                return;
            };
            let Some(id) = object_id(&mgr) else { break };
            if !seen.insert(id.clone()) {
                break; // a cycle in the directory data
            }
            cur = id;
            self.emit(Action::Page {
                slot: self.slot,
                generation: self.generation,
                items: vec![mgr],
                count: None,
                next_link: None,
                first: false,
                more_coming: true,
            });
        }
        self.emit(Action::Page {
            slot: self.slot,
            generation: self.generation,
            items: vec![],
            count: None,
            next_link: None,
            first: false,
            more_coming: false,
        });
    }

    /// All pages of a collection, or the failed exchange.
    async fn all(&self, url: String) -> Result<Vec<Value>, Sent> {
        let mut out = vec![];
        let mut seen: HashSet<String> = HashSet::new();
        let mut req = Request::get(url);
        loop {
            let sent = self.send(req.clone()).await;
            let Some(body) = sent.body.as_ref().filter(|_| sent.ok()) else {
                return Err(sent);
            };
            if let Some(v) = body.get("value").and_then(Value::as_array) {
                out.extend(v.iter().cloned());
            }
            match body.get("@odata.nextLink").and_then(Value::as_str) {
                // A server that hands back the same link again would loop forever.
                Some(n) if n != req.url && seen.insert(n.to_string()) => req = Request::get(n),
                _ => return Ok(out),
            }
        }
    }

    /// `memberOf` of each group, through `$batch` (pages after the first are followed one by
    /// one). A group that cannot be read gives `Err(None)`.
    async fn member_of_batched(&self, ids: &[String], sel: &str) -> Vec<Parents> {
        let reqs: Vec<Request> = ids
            .iter()
            .map(|id| Request::get(format!("/groups/{id}/memberOf?{sel}")))
            .collect();
        let answers = {
            let _guard = InFlight::new(&self.tx);
            self.backend.batch(reqs, self.tx.clone()).await
        };
        let mut out = Vec::with_capacity(ids.len());
        for (id, a) in ids.iter().zip(answers) {
            let r = match a {
                Ok(body) => {
                    let mut v: Vec<Value> = body
                        .get("value")
                        .and_then(Value::as_array)
                        .cloned()
                        .unwrap_or_default();
                    match body.get("@odata.nextLink").and_then(Value::as_str) {
                        Some(next) => match self.all(next.to_string()).await {
                            Ok(more) => {
                                v.extend(more);
                                Ok(v)
                            }
                            Err(_) => Err(None),
                        },
                        None => Ok(v),
                    }
                }
                Err(e) => {
                    tracing::info!("why: memberOf of group {id} skipped: {e}");
                    Err(None)
                }
            };
            out.push((id.clone(), r));
        }
        out
    }

    /// Breadth-first search up the memberOf graph from the member to the group, keeping every
    /// shortest path. Each level after the member's own is one round of `$batch` requests.
    async fn why(
        &self,
        member_kind: Kind,
        member_id: &str,
        member_name: &str,
        group_id: &str,
        group_name: &str,
    ) -> Result<WhyResult, Sent> {
        let g = self
            .send(Request::get(format!(
                "/groups/{group_id}?$select=id,displayName,groupTypes,membershipRule"
            )))
            .await;
        let group = g.body.clone().filter(|_| g.ok()).ok_or(g)?;
        let dynamic = group
            .get("groupTypes")
            .and_then(Value::as_array)
            .is_some_and(|a| a.iter().any(|t| t == "DynamicMembership"));
        let sel = "$select=id,displayName";
        // parents[child] = groups the child is a direct member of (on a shortest path).
        let mut preds: HashMap<String, Vec<String>> = HashMap::new();
        let mut names: HashMap<String, String> = HashMap::new();
        names.insert(member_id.to_string(), member_name.to_string());
        names.insert(group_id.to_string(), group_name.to_string());
        let mut seen: HashSet<String> = HashSet::from([member_id.to_string()]);
        let mut frontier = vec![member_id.to_string()];
        let mut found = false;
        for depth in 0..12 {
            if frontier.is_empty() || found {
                break;
            }
            // The member's own groups: one request (its failure is the answer). Further
            // levels: every group of the level in JSON batches of 20.
            let results: Vec<Parents> = if depth == 0 {
                let url = format!(
                    "{}/memberOf?{sel}",
                    super::update::object_path(member_kind, member_id)
                );
                vec![(member_id.to_string(), self.all(url).await.map_err(Some))]
            } else {
                self.member_of_batched(&frontier, sel).await
            };
            let mut next = vec![];
            let mut level_new: HashSet<String> = HashSet::new();
            for (child, r) in results {
                // The member's own memberOf must work; a nested group we cannot read is skipped.
                let parents = match r {
                    Ok(p) => p,
                    Err(Some(sent)) if depth == 0 => return Err(sent),
                    Err(_) => continue,
                };
                for p in parents {
                    // memberOf also lists directory roles and administrative units.
                    let is_group = p
                        .get("@odata.type")
                        .and_then(Value::as_str)
                        .is_none_or(|t| t == "#microsoft.graph.group");
                    if !is_group {
                        continue;
                    }
                    let Some(pid) = object_id(&p) else { continue };
                    names.entry(pid.clone()).or_insert_with(|| display_name(&p));
                    if seen.contains(&pid) && !level_new.contains(&pid) {
                        continue;
                    }
                    preds.entry(pid.clone()).or_default().push(child.clone());
                    if seen.insert(pid.clone()) {
                        level_new.insert(pid.clone());
                        next.push(pid.clone());
                    }
                    if pid == group_id {
                        found = true;
                    }
                }
            }
            frontier = next;
        }
        if !found {
            if dynamic {
                return Ok(WhyResult::Dynamic {
                    rule: group
                        .get("membershipRule")
                        .and_then(Value::as_str)
                        .unwrap_or("")
                        .to_string(),
                    member: false,
                });
            }
            return Ok(WhyResult::NotMember);
        }
        // Walk back from the group to the member, enumerating up to 20 paths.
        let mut paths: Vec<Vec<String>> = vec![];
        let mut stack: Vec<Vec<String>> = vec![vec![group_id.to_string()]];
        while let Some(path) = stack.pop() {
            if paths.len() >= 20 {
                break;
            }
            let last = path.last().cloned().unwrap_or_default();
            if last == member_id {
                let mut p: Vec<String> = path
                    .iter()
                    .rev()
                    .map(|id| names.get(id).cloned().unwrap_or_else(|| id.clone()))
                    .collect();
                p.dedup();
                paths.push(p);
                continue;
            }
            for c in preds.get(&last).into_iter().flatten() {
                if !path.contains(c) {
                    let mut np = path.clone();
                    np.push(c.clone());
                    stack.push(np);
                }
            }
        }
        paths.sort();
        if dynamic {
            return Ok(WhyResult::Dynamic {
                rule: group
                    .get("membershipRule")
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_string(),
                member: true,
            });
        }
        Ok(WhyResult::Paths(paths))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use std::sync::Mutex;
    use tokio::sync::mpsc;

    /// An in-memory tenant: GET by exact path (query ignored) returns the stored JSON.
    struct Fake {
        routes: Mutex<HashMap<String, (u16, Value)>>,
        /// The URLs of each `batch` call, in order.
        batches: Mutex<Vec<Vec<String>>>,
    }

    impl Backend for Fake {
        fn batch(
            &self,
            reqs: Vec<Request>,
            _events: Events,
        ) -> BoxFuture<'static, Vec<Result<Value, String>>> {
            self.batches
                .lock()
                .unwrap()
                .push(reqs.iter().map(|r| r.url.clone()).collect());
            let routes = self.routes.lock().unwrap();
            let out: Vec<Result<Value, String>> = reqs
                .iter()
                .map(|r| {
                    let path = r.url.split('?').next().unwrap_or("");
                    match routes.get(path) {
                        Some((200, v)) => Ok(v.clone()),
                        Some((s, _)) => Err(format!("HTTP {s}")),
                        None => Err("404".into()),
                    }
                })
                .collect();
            Box::pin(async move { out })
        }
        fn send(&self, req: Request, _events: Events) -> BoxFuture<'static, Sent> {
            let path = req.url.split('?').next().unwrap_or("").to_string();
            let (status, body) = self.routes.lock().unwrap().get(&path).cloned().unwrap_or((
                404,
                json!({"error": {"code": "Request_ResourceNotFound", "message": "nope"}}),
            ));
            Box::pin(async move {
                Sent {
                    exchange: Exchange {
                        method: "GET".into(),
                        url: req.url,
                        status: Some(status),
                        body: body.to_string(),
                        ..Exchange::default()
                    },
                    body: Some(body),
                }
            })
        }
        fn sign_in(&self, _events: Events) -> BoxFuture<'static, Result<Identity, String>> {
            Box::pin(async { Err("not here".into()) })
        }
    }

    fn fake(routes: &[(&str, u16, Value)]) -> Arc<Fake> {
        Arc::new(Fake {
            batches: Mutex::new(vec![]),
            routes: Mutex::new(
                routes
                    .iter()
                    .map(|(p, s, v)| (p.to_string(), (*s, v.clone())))
                    .collect(),
            ),
        })
    }

    async fn results(rx: &mut mpsc::UnboundedReceiver<Action>) -> Vec<Action> {
        let mut out = vec![];
        while let Ok(Some(a)) =
            tokio::time::timeout(std::time::Duration::from_millis(300), rx.recv()).await
        {
            if !matches!(a, Action::InFlight(_) | Action::Exchanged(_)) {
                out.push(a);
            }
        }
        out
    }

    /// "Why is user `member` (id, name) in `group` (id, name)?" for a slot and generation.
    fn why_fetch(slot: u64, generation: u64, member: (&str, &str), group: (&str, &str)) -> Command {
        Command::Fetch {
            slot,
            generation,
            fetch: Fetch::Why {
                member_kind: Kind::User,
                member_id: member.0.into(),
                member_name: member.1.into(),
                group_id: group.0.into(),
                group_name: group.1.into(),
            },
        }
    }

    fn grp(id: &str) -> Value {
        json!({"@odata.type": "#microsoft.graph.group", "id": id, "displayName": id.to_uppercase()})
    }

    #[tokio::test]
    async fn why_batches_each_level_and_skips_unreadable_groups() {
        let f = fake(&[
            (
                "/groups/g9",
                200,
                json!({"id": "g9", "displayName": "G9", "groupTypes": []}),
            ),
            (
                "/users/u1/memberOf",
                200,
                json!({"value": [grp("g1"), grp("g2"), grp("g3")]}),
            ),
            ("/groups/g1/memberOf", 200, json!({"value": [grp("g4")]})),
            ("/groups/g2/memberOf", 403, json!({})),
            (
                "/groups/g3/memberOf",
                200,
                json!({"value": [grp("g4")], "@odata.nextLink": "/groups/g3/memberOf-page2"}),
            ),
            (
                "/groups/g3/memberOf-page2",
                200,
                json!({"value": [grp("g5")]}),
            ),
            ("/groups/g5/memberOf", 200, json!({"value": []})),
            ("/groups/g4/memberOf", 200, json!({"value": [grp("g9")]})),
        ]);
        let (tx, mut rx) = mpsc::unbounded_channel();
        let mut w = Worker::new(f.clone(), tx, std::env::temp_dir());
        w.run(why_fetch(1, 1, ("u1", "Ann"), ("g9", "G9")));
        let r = results(&mut rx).await;
        assert_eq!(
            r,
            vec![Action::Why {
                slot: 1,
                generation: 1,
                result: WhyResult::Paths(vec![
                    vec!["Ann".into(), "G1".into(), "G4".into(), "G9".into()],
                    vec!["Ann".into(), "G3".into(), "G4".into(), "G9".into()],
                ])
            }]
        );
        // One batch per level after the member's own: [g1 g2 g3], then [g4 g5] (g5 came from
        // g3's second page).
        let batches = f.batches.lock().unwrap().clone();
        let ids: Vec<Vec<&str>> = batches
            .iter()
            .map(|b| {
                b.iter()
                    .map(|u| u.trim_start_matches("/groups/").split('/').next().unwrap())
                    .collect()
            })
            .collect();
        assert_eq!(ids, vec![vec!["g1", "g2", "g3"], vec!["g4", "g5"]]);
    }

    #[tokio::test]
    async fn why_finds_nested_paths() {
        let f = fake(&[
            (
                "/groups/g3",
                200,
                json!({"id": "g3", "displayName": "G3", "groupTypes": []}),
            ),
            (
                "/users/u1/memberOf",
                200,
                json!({"value": [grp("g1"), grp("g2")]}),
            ),
            ("/groups/g1/memberOf", 200, json!({"value": [grp("g3")]})),
            ("/groups/g2/memberOf", 200, json!({"value": [grp("g3")]})),
            ("/groups/g3/memberOf", 200, json!({"value": []})),
        ]);
        let (tx, mut rx) = mpsc::unbounded_channel();
        let mut w = Worker::new(f, tx, std::env::temp_dir());
        w.run(why_fetch(1, 5, ("u1", "Ann"), ("g3", "G3")));
        let r = results(&mut rx).await;
        assert_eq!(
            r,
            vec![Action::Why {
                slot: 1,
                generation: 5,
                result: WhyResult::Paths(vec![
                    vec!["Ann".into(), "G1".into(), "G3".into()],
                    vec!["Ann".into(), "G2".into(), "G3".into()],
                ])
            }]
        );
    }

    #[tokio::test]
    async fn why_skips_directory_roles_in_member_of() {
        // A directory role in memberOf cannot be followed as a group (/groups/{role} is 404).
        let f = fake(&[
            (
                "/groups/g1",
                200,
                json!({"id": "g1", "displayName": "G1", "groupTypes": []}),
            ),
            (
                "/users/u1/memberOf",
                200,
                json!({"value": [
                    {"@odata.type": "#microsoft.graph.directoryRole", "id": "r1", "displayName": "Global Reader"},
                    {"@odata.type": "#microsoft.graph.administrativeUnit", "id": "a1", "displayName": "AU"},
                    grp("g1"),
                ]}),
            ),
        ]);
        let (tx, mut rx) = mpsc::unbounded_channel();
        let mut w = Worker::new(f, tx, std::env::temp_dir());
        w.run(why_fetch(1, 1, ("u1", "Ann"), ("g1", "G1")));
        let r = results(&mut rx).await;
        assert_eq!(
            r,
            vec![Action::Why {
                slot: 1,
                generation: 1,
                result: WhyResult::Paths(vec![vec!["Ann".into(), "G1".into()]])
            }]
        );
    }

    #[tokio::test]
    async fn manager_chain_stops_at_404_and_paging_follows_next_links() {
        let f = fake(&[
            ("/users/a", 200, json!({"id": "a", "displayName": "A"})),
            (
                "/users/a/manager",
                200,
                json!({"id": "b", "displayName": "B"}),
            ),
            (
                "/users/b/manager",
                200,
                json!({"id": "c", "displayName": "C"}),
            ),
            (
                "/users",
                200,
                json!({"value": [{"id": "1"}], "@odata.nextLink": "/users2"}),
            ),
            ("/users2", 200, json!({"value": [{"id": "2"}]})),
        ]);
        let (tx, mut rx) = mpsc::unbounded_channel();
        let mut w = Worker::new(f, tx, std::env::temp_dir());
        w.run(Command::Fetch {
            slot: 1,
            generation: 1,
            fetch: Fetch::ManagerChain {
                user_id: "a".into(),
            },
        });
        let r = results(&mut rx).await;
        let ids: Vec<String> = r
            .iter()
            .flat_map(|a| match a {
                Action::Page { items, .. } => items.iter().filter_map(object_id).collect(),
                _ => vec![],
            })
            .collect();
        assert_eq!(ids, ["a", "b", "c"]);
        w.run(Command::Fetch {
            slot: 2,
            generation: 1,
            fetch: Fetch::All {
                request: Request::get("/users"),
                first: true,
            },
        });
        let r = results(&mut rx).await;
        assert_eq!(r.len(), 2);
        assert!(matches!(
            &r[1],
            Action::Page {
                first: false,
                more_coming: false,
                ..
            }
        ));
    }

    #[tokio::test]
    async fn query_history_and_exports_are_written_to_the_data_dir() {
        let dir = tempfile::tempdir().unwrap();
        let f = fake(&[]);
        let (tx, mut rx) = mpsc::unbounded_channel();
        let mut w = Worker::new(f, tx, dir.path().to_path_buf());
        let mut h = BTreeMap::new();
        h.insert("/users".to_string(), vec!["$top=5".to_string()]);
        w.run(Command::SaveHistory(h.clone()));
        for contents in ["id\n1\n", "id\n2\n"] {
            w.run(Command::Export {
                stem: "Users".into(),
                extension: "csv",
                contents: contents.into(),
                note: "1 rows; PARTIAL: 1 of 2 loaded".into(),
            });
            let r = results(&mut rx).await;
            assert!(
                matches!(&r[0], Action::Status(s) if s.starts_with("exported to") && s.contains("PARTIAL")),
                "{r:?}"
            );
        }
        assert_eq!(load_history(dir.path()), h);
        // The second export did not overwrite the first.
        let csv = std::fs::read_to_string(dir.path().join("exports/Users.csv")).unwrap();
        assert_eq!(csv, "id\n1\n");
        let csv = std::fs::read_to_string(dir.path().join("exports/Users-1.csv")).unwrap();
        assert_eq!(csv, "id\n2\n");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.path().join("exports/Users.csv"))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }

    #[tokio::test]
    async fn failures_carry_the_exchange() {
        let f = fake(&[(
            "/users",
            403,
            json!({"error": {"code": "Authorization_RequestDenied", "message": "Insufficient privileges to complete the operation."}}),
        )]);
        let (tx, mut rx) = mpsc::unbounded_channel();
        let mut w = Worker::new(f, tx, std::env::temp_dir());
        w.run(Command::Fetch {
            slot: 3,
            generation: 9,
            fetch: Fetch::Page {
                request: Request::get("/users"),
                first: true,
            },
        });
        let r = results(&mut rx).await;
        assert!(
            matches!(&r[0], Action::Failed { slot: 3, generation: 9, message, exchange: Some(_) } if message.starts_with("403 Authorization_RequestDenied"))
        );
    }
}
