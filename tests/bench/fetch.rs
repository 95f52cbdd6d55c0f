//! Network benchmarks against the in-process sandbox tenant (`cargo bench --bench bench_fetch`).
//!
//! - Fetch-all: list 50 000 and 100 000 users (`$top=999`, the explorer's default `$select`)
//!   through graphtui's paging client (`GraphClient::pages`, the path of `get --all`) and
//!   through the explorer's own path (worker + `GraphBackend` + `update`, as after `A`),
//!   against the floor: a minimal reqwest loop following `@odata.nextLink`. Every side runs
//!   in a fresh child process of this binary, so its peak memory (VmHWM) is its own; the
//!   sandbox stays in the parent.
//! - Fan-out with 20 ms added latency per request: the managers of 1 000 users (one at a
//!   time, concurrent, the client's `$batch`, `$batch` with concurrency) and "why is X in Y"
//!   over 5-level group nesting (the explorer's search, concurrent per level, against the
//!   same search one request at a time).
//!
//! `GRAPHTUI_BENCH_ITERS=N` changes the number of runs per figure.

#[path = "common.rs"]
mod common;

use common::*;
use futures::StreamExt;
use graphtui::graph::{GraphClient, GraphRequest, PageOptions};
use graphtui::sandbox::{Sandbox, SandboxConfig};
use graphtui::tui::action::{Action, Command, Fetch};
use graphtui::tui::graph_backend::GraphBackend;
use graphtui::tui::model::{Body, Header, Kind, Load, Model, Query, WhyResult};
use graphtui::tui::update::{open_collection, update};
use graphtui::tui::worker::Worker;
use serde_json::Value;
use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The listing every fetch-all side sends: the explorer's default `$select` (its shown
/// columns, what `effective_query` adds) and the largest page.
const LIST: &str =
    "/users?$top=999&$select=displayName,userPrincipalName,mail,jobTitle,department,id";
/// Added latency for the fan-out figures.
const LATENCY_MS: u64 = 20;

fn main() {
    if let Ok(mode) = std::env::var(CHILD_ENV) {
        let args: Vec<String> = std::env::args().skip(1).collect();
        child(&mode, &args);
        return;
    }
    // `cargo bench` passes `--bench`; a name filter selects sections (fetch, fanout).
    let filter: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    let want = |s: &str| filter.is_empty() || filter.iter().any(|f| s.contains(f.as_str()));
    println!("graphtui network benchmarks — {}", machine());
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    if want("fetch") {
        fetch_all(&rt);
    }
    if want("fanout") {
        rt.block_on(fan_out());
    }
}

// ---------------------------------------------------------------- fetch-all (parent side)

fn fetch_all(rt: &tokio::runtime::Runtime) {
    let n = iters(5);
    let mut t = Table::new(
        "Fetch-all: /users?$top=999&$select=<the 6 shown columns>, in-process sandbox (each side in its own child process)",
        &[
            "users",
            "side",
            "pages",
            "rows",
            "wall ms median (min–max)",
            "ratio to floor",
            "goal ≤1.10",
            "peak RSS MiB",
            "RSS after MiB",
        ],
    );
    for users in [50_000usize, 100_000] {
        let sb = rt
            .block_on(Sandbox::start(SandboxConfig {
                users,
                ..Default::default()
            }))
            .expect("sandbox");
        let args = vec![sb.url(), sb.tenant_id(), users.to_string()];
        let sides = ["floor", "client", "explorer"];
        let mut res: HashMap<&str, Vec<HashMap<String, String>>> = HashMap::new();
        // Interleaved so drift (other load on the machine) hits every side alike.
        for _ in 0..n {
            for s in sides {
                res.entry(s).or_default().push(run_child(s, &args));
            }
        }
        let wall = |s: &str| Stats::of(&res[s].iter().map(|r| f(r, "wall_ms")).collect::<Vec<_>>());
        let floor = wall("floor");
        for s in sides {
            let w = wall(s);
            let last = res[s].last().expect("a run");
            let ratio = w.median / floor.median;
            let label = match s {
                "floor" => "floor: reqwest + nextLink loop",
                "client" => "graphtui client pages (get --all)",
                _ => "explorer: worker + update (A = load all)",
            };
            t.row(vec![
                users.to_string(),
                label.into(),
                num(f(last, "pages")),
                num(f(last, "rows")),
                w.show("ms"),
                format!("{ratio:.3}"),
                if s == "floor" {
                    "—".into()
                } else {
                    verdict(ratio, 1.10)
                },
                num(Stats::of(&res[s].iter().map(|r| f(r, "peak_mib")).collect::<Vec<_>>()).max),
                num(Stats::of(&res[s].iter().map(|r| f(r, "rss_mib")).collect::<Vec<_>>()).max),
            ]);
            assert_eq!(
                f(last, "rows") as usize,
                users.max(25),
                "{s} must list every user"
            );
        }
        rt.block_on(sb.shutdown());
    }
    t.print();
    println!(
        "(peak RSS = VmHWM of the child; 'RSS after' = VmRSS with every row still held — for the explorer, in its Model: the memory figure)"
    );
}

// ---------------------------------------------------------------- fetch-all (child side)

fn child(mode: &str, args: &[String]) {
    let [url, tenant, users] = args else {
        panic!("child args: url tenant users");
    };
    let users: usize = users.parse().expect("users");
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    let dir = tempfile::tempdir().expect("tempdir");
    let settings = sandbox_settings(url, tenant, dir.path());
    let r = rt.block_on(async {
        match mode {
            "floor" => floor(&settings).await,
            "client" => client_pages(&settings).await,
            "explorer" => explorer(&settings, dir.path()).await,
            other => panic!("unknown child mode {other}"),
        }
    });
    let (wall, pages, rows) = r;
    assert!(rows >= users.min(25), "{mode}: {rows} rows");
    child_result(&[
        ("wall_ms", format!("{:.3}", ms(wall))),
        ("pages", pages.to_string()),
        ("rows", rows.to_string()),
        ("peak_mib", format!("{:.1}", peak_mib())),
        ("rss_mib", format!("{:.1}", rss_mib())),
    ]);
}

/// The floor: plain reqwest, parse each page, keep the items, follow nextLink.
async fn floor(settings: &graphtui::config::Settings) -> (Duration, usize, usize) {
    let token = sandbox_token(settings).await;
    let http = reqwest::Client::new();
    let auth = format!("Bearer {}", token.expose());
    let mut next = Some(format!("{}{LIST}", settings.graph_base()));
    let mut all: Vec<Value> = Vec::new();
    let mut pages = 0;
    let start = Instant::now();
    while let Some(u) = next.take() {
        let bytes = http
            .get(&u)
            .header("Authorization", &auth)
            .send()
            .await
            .expect("floor request")
            .error_for_status()
            .expect("floor status")
            .bytes()
            .await
            .expect("floor body");
        let mut v: Value = serde_json::from_slice(&bytes).expect("floor json");
        pages += 1;
        next = v
            .get("@odata.nextLink")
            .and_then(Value::as_str)
            .map(str::to_string);
        if let Some(Value::Array(items)) = v.get_mut("value").map(Value::take) {
            all.extend(items);
        }
    }
    let wall = start.elapsed();
    let n = all.len();
    // Keep the rows alive until after the reading of VmRSS in the caller? They are counted
    // in the peak; the floor holds them like the other sides do.
    std::hint::black_box(&all);
    (wall, pages, n)
}

/// graphtui's paging client, the code path of `get --all`.
async fn client_pages(settings: &graphtui::config::Settings) -> (Duration, usize, usize) {
    let auth = sandbox_auth(settings);
    let client = GraphClient::new(settings, auth.clone()).expect("client");
    // Sign in before the clock starts (the floor gets its token first too).
    graphtui::auth::TokenProvider::token(auth.as_ref())
        .await
        .expect("token");
    let start = Instant::now();
    let mut s = client.pages(GraphRequest::get(LIST), PageOptions::all());
    let mut all: Vec<Value> = Vec::new();
    let mut pages = 0;
    while let Some(p) = s.next().await {
        let p = p.expect("page");
        pages += 1;
        all.extend(p.items);
    }
    let wall = start.elapsed();
    std::hint::black_box(&all);
    (wall, pages, all.len())
}

/// The explorer: open Users with $top=999, then load all (`A`), through the real worker,
/// backend and `update`, until every page is in the model.
async fn explorer(
    settings: &graphtui::config::Settings,
    dir: &std::path::Path,
) -> (Duration, usize, usize) {
    let auth = sandbox_auth(settings);
    let client = GraphClient::new(settings, auth.clone()).expect("client");
    graphtui::auth::TokenProvider::token(auth.as_ref())
        .await
        .expect("token");
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let backend = Arc::new(GraphBackend::new(client, auth, tx.clone()));
    let mut worker = Worker::new(backend, tx, dir.to_path_buf());
    let mut m = Model::new(Header::default());
    update(&mut m, Action::Resize(200, 60));
    let start = Instant::now();
    let q = Query {
        top: "999".into(),
        select: String::new(),
        ..Query::default()
    };
    let cmds = open_collection(&mut m, "Users", Kind::User, "/users", Some(q));
    run_cmds(&mut worker, cmds);
    let mut pages = 0;
    let mut asked_all = false;
    while let Some(a) = rx.recv().await {
        let is_page = matches!(a, Action::Page { .. });
        if let Action::Failed { message, .. } = &a {
            panic!("explorer fetch failed: {message}");
        }
        let cmds = update(&mut m, a);
        run_cmds(&mut worker, cmds);
        if is_page {
            pages += 1;
            let Some(l) = m.top_list() else { break };
            if !asked_all && l.next_link.is_some() {
                asked_all = true;
                let cmds = update(&mut m, Action::LoadAll);
                run_cmds(&mut worker, cmds);
            } else if !matches!(l.load, Load::Loading { .. }) && l.next_link.is_none() {
                break;
            }
        }
    }
    let wall = start.elapsed();
    let rows = match m.top().map(|v| &v.body) {
        Some(Body::List(l)) => l.rows.len(),
        _ => 0,
    };
    // The model stays alive (and resident) until the caller reads VmRSS.
    std::mem::forget(m);
    (wall, pages, rows)
}

fn run_cmds(worker: &mut Worker, cmds: Vec<Command>) {
    for c in cmds {
        worker.run(c);
    }
}

// ---------------------------------------------------------------- fan-out

async fn set_latency(url: &str, ms: u64) {
    let http = reqwest::Client::new();
    http.post(format!("{url}/_sandbox/faults"))
        .json(&serde_json::json!({ "latency_ms": ms }))
        .send()
        .await
        .expect("faults")
        .error_for_status()
        .expect("faults status");
}

async fn clear_log(url: &str) {
    reqwest::Client::new()
        .delete(format!("{url}/_sandbox/log"))
        .send()
        .await
        .expect("clear log");
}

/// Graph requests the sandbox saw since the last `clear_log`.
async fn http_requests(url: &str) -> usize {
    let v: Value = reqwest::Client::new()
        .get(format!("{url}/_sandbox/log"))
        .send()
        .await
        .expect("log")
        .json()
        .await
        .expect("log json");
    v["entries"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter(|e| {
                    e["path"]
                        .as_str()
                        .is_some_and(|p| p.starts_with("/v1.0") || p.starts_with("/beta"))
                })
                .count()
        })
        .unwrap_or(0)
}

struct FanRow {
    task: &'static str,
    how: String,
    logical: usize,
    http: usize,
    wall: Stats,
    answer: String,
}

async fn fan_out() {
    let n = iters(3);
    let sb = Sandbox::start(SandboxConfig {
        users: 2_000,
        ..Default::default()
    })
    .await
    .expect("sandbox");
    let url = sb.url();
    let dir = tempfile::tempdir().expect("tempdir");
    let settings = sandbox_settings(&url, &sb.tenant_id(), dir.path());
    let auth = sandbox_auth(&settings);
    let client = GraphClient::new(&settings, auth.clone()).expect("client");
    // 1 000 user ids (no latency while preparing).
    let ids: Vec<String> = client
        .collect_all(
            GraphRequest::get("/users?$top=999&$select=id"),
            PageOptions {
                follow: true,
                max_items: Some(1_000),
                ..Default::default()
            },
        )
        .await
        .expect("user ids")
        .iter()
        .filter_map(|u| u["id"].as_str().map(str::to_string))
        .collect();
    assert_eq!(ids.len(), 1_000);
    let mgr = |id: &str| GraphRequest::get(format!("/users/{id}/manager?$select=id,displayName"));
    let mut rows: Vec<FanRow> = vec![];

    // --- managers of 1 000 users
    set_latency(&url, LATENCY_MS).await;
    type Variant = (&'static str, usize);
    let variants: [Variant; 5] = [
        ("one at a time (client.send)", 0),
        ("8 concurrent (client.send)", 8),
        ("$batch, 20 per batch (client.batch)", 1),
        ("$batch × 4 concurrent (client.batch)", 4),
        ("$batch × 8 concurrent (client.batch)", 8),
    ];
    for (i, (how, k)) in variants.iter().enumerate() {
        let batch = i >= 2;
        let mut walls = vec![];
        let mut http = 0;
        let mut answer = String::new();
        // One-at-a-time takes 1 000 × latency: once is enough.
        let runs = if i == 0 { 1 } else { n };
        for _ in 0..runs {
            clear_log(&url).await;
            let start = Instant::now();
            let results: Vec<Option<u16>> = if !batch {
                let k = (*k).max(1);
                futures::stream::iter(ids.iter())
                    .map(|id| {
                        let c = client.clone();
                        let r = mgr(id);
                        async move { status_of(c.send(r).await) }
                    })
                    .buffered(k)
                    .collect()
                    .await
            } else {
                let per = 20 * 5;
                let chunks: Vec<Vec<GraphRequest>> = ids
                    .chunks(if *k == 1 { ids.len() } else { per })
                    .map(|c| c.iter().map(|id| mgr(id)).collect())
                    .collect();
                let out: Vec<Vec<Option<u16>>> = futures::stream::iter(chunks)
                    .map(|reqs| {
                        let c = client.clone();
                        async move {
                            c.batch(reqs)
                                .await
                                .into_iter()
                                .map(status_of)
                                .collect::<Vec<_>>()
                        }
                    })
                    .buffered(*k)
                    .collect()
                    .await;
                out.into_iter().flatten().collect()
            };
            walls.push(ms(start.elapsed()));
            http = http_requests(&url).await;
            let found = results.iter().filter(|s| **s == Some(200)).count();
            let none = results.iter().filter(|s| **s == Some(404)).count();
            assert_eq!(found + none, ids.len(), "{how}: every manager answered");
            answer = format!("{found} managers, {none} without");
        }
        rows.push(FanRow {
            task: "managers of 1 000 users",
            how: how.to_string(),
            logical: ids.len(),
            http,
            wall: Stats::of(&walls),
            answer,
        });
    }

    // --- why is Megan Bowen in "Nest L1", the top of the 6-level chain Nest L6 ⊂ … ⊂ Nest L1
    // (Nest L3 also holds a department group Megan is in: the shortest path has 4 hops).
    set_latency(&url, 0).await;
    let megan = client
        .get(GraphRequest::get(format!(
            "/users/{}?$select=id,displayName",
            sb.demo_user_upn()
        )))
        .await
        .expect("demo user")
        .json()
        .expect("json");
    let groups = client
        .collect_all(
            GraphRequest::get("/groups?$select=id,displayName&$top=999"),
            PageOptions::all(),
        )
        .await
        .expect("groups");
    let member_id = megan["id"].as_str().expect("id").to_string();
    let member_name = megan["displayName"].as_str().unwrap_or("").to_string();
    let group_id = groups
        .iter()
        .find(|g| g["displayName"] == "Nest L1")
        .and_then(|g| g["id"].as_str())
        .expect("Nest L1")
        .to_string();
    let group_name = "Nest L1".to_string();
    set_latency(&url, LATENCY_MS).await;
    // The explorer's search (concurrent per BFS level).
    let mut walls = vec![];
    let mut http = 0;
    let mut answer = String::new();
    for _ in 0..n {
        clear_log(&url).await;
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
        let backend = Arc::new(GraphBackend::new(client.clone(), auth.clone(), tx.clone()));
        let mut worker = Worker::new(backend, tx, dir.path().to_path_buf());
        let start = Instant::now();
        worker.run(Command::Fetch {
            slot: 1,
            generation: 1,
            fetch: Fetch::Why {
                member_kind: Kind::User,
                member_id: member_id.clone(),
                member_name: member_name.clone(),
                group_id: group_id.clone(),
                group_name: group_name.clone(),
            },
        });
        let result = loop {
            match rx.recv().await.expect("worker answer") {
                Action::Why { result, .. } => break result,
                Action::Failed { message, .. } => panic!("why failed: {message}"),
                _ => {}
            }
        };
        walls.push(ms(start.elapsed()));
        http = http_requests(&url).await;
        answer = match result {
            WhyResult::Paths(p) => format!(
                "{} path(s), {} hops",
                p.len(),
                p.first().map(|x| x.len().saturating_sub(1)).unwrap_or(0)
            ),
            other => format!("{other:?}"),
        };
    }
    let concurrent = FanRow {
        task: "why is Megan in Nest L1",
        how: "explorer search: BFS, one $batch round per level".into(),
        logical: http,
        http,
        wall: Stats::of(&walls),
        answer: answer.clone(),
    };
    // The same search one request at a time.
    let mut walls = vec![];
    let mut http = 0;
    let mut answer2 = String::new();
    for _ in 0..n {
        clear_log(&url).await;
        let start = Instant::now();
        let hops = sequential_why(&client, &member_id, &group_id).await;
        walls.push(ms(start.elapsed()));
        http = http_requests(&url).await;
        answer2 = format!("found at depth {hops}");
    }
    rows.push(FanRow {
        task: "why is Megan in Nest L1",
        how: "same BFS, one request at a time".into(),
        logical: http,
        http,
        wall: Stats::of(&walls),
        answer: answer2,
    });
    rows.push(concurrent);
    set_latency(&url, 0).await;

    let mut t = Table::new(
        &format!("Fan-out with {LATENCY_MS} ms added latency per HTTP request (sandbox faults)"),
        &[
            "task",
            "how",
            "requests",
            "HTTP round trips",
            "critical path ≈ wall÷latency",
            "wall ms median (min–max)",
            "speed-up vs one at a time",
            "answer",
        ],
    );
    let mut base: HashMap<&str, f64> = HashMap::new();
    for r in &rows {
        let b = *base.entry(r.task).or_insert(r.wall.median);
        t.row(vec![
            r.task.into(),
            r.how.clone(),
            r.logical.to_string(),
            r.http.to_string(),
            format!("{:.0}", r.wall.median / LATENCY_MS as f64),
            r.wall.show("ms"),
            format!("{:.1}×", b / r.wall.median),
            r.answer.clone(),
        ]);
    }
    t.print();
    sb.shutdown().await;
}

fn status_of(
    r: Result<graphtui::graph::GraphResponse, graphtui::graph::GraphError>,
) -> Option<u16> {
    match r {
        Ok(resp) => Some(resp.status),
        Err(graphtui::graph::GraphError::Api(e)) => Some(e.status),
        Err(_) => None,
    }
}

/// Breadth-first search up `memberOf` from the member to the group, one request at a time
/// (every page followed); returns the depth at which the group was found.
async fn sequential_why(client: &GraphClient, member: &str, group: &str) -> usize {
    let mut seen: HashSet<String> = HashSet::from([member.to_string()]);
    let mut frontier = vec![format!("/users/{member}")];
    for depth in 1..=12 {
        // Like the explorer, finish the level (every shortest path), then stop.
        let mut found = false;
        let mut next = vec![];
        for path in &frontier {
            let items = client
                .collect_all(
                    GraphRequest::get(format!("{path}/memberOf?$select=id,displayName")),
                    PageOptions::all(),
                )
                .await
                .expect("memberOf");
            for p in items {
                let is_group = p["@odata.type"].as_str() == Some("#microsoft.graph.group");
                let Some(id) = p["id"].as_str() else { continue };
                if id == group {
                    found = true;
                }
                if is_group && seen.insert(id.to_string()) {
                    next.push(format!("/groups/{id}"));
                }
            }
        }
        if found {
            return depth;
        }
        frontier = next;
    }
    panic!("group not reached");
}
