//! Explorer benchmarks (`cargo bench --bench bench_explorer`): frame times on ratatui's
//! TestBackend at 200x60 through the real `Model`, `update` and `draw`; keystroke-to-frame of
//! the local `/` filter over 100 000 rows; resident memory with 100 000 users in the model;
//! start-up (`graphtui whoami` with a cached token, the real binary) and time to first frame.
//!
//! `GRAPHTUI_BENCH_ITERS=N` changes the number of runs of the process-level figures.

#[path = "common.rs"]
mod common;

use common::*;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use graphtui::tui::action::Action;
use graphtui::tui::keymap::KeyMap;
use graphtui::tui::model::{Body, Header, Kind, Model, Query};
use graphtui::tui::theme::Theme;
use graphtui::tui::update::{open_collection, update};
use graphtui::tui::views::{Ui, draw};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use serde_json::{Value, json};
use std::time::Instant;

const W: u16 = 200;
const H: u16 = 60;
const ROWS: usize = 100_000;
const FRAME_GOAL_MS: f64 = 2.0;
const FILTER_GOAL_MS: f64 = 10.0;
const MEMORY_GOAL_MIB: f64 = 200.0;

fn main() {
    if let Ok(mode) = std::env::var(CHILD_ENV) {
        match mode.as_str() {
            "memory" => memory_child(std::env::args().nth(1).as_deref().unwrap_or("selected")),
            other => panic!("unknown child mode {other}"),
        }
        return;
    }
    let filter: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    let want = |s: &str| filter.is_empty() || filter.iter().any(|f| s.contains(f.as_str()));
    println!("graphtui explorer benchmarks — {}", machine());
    if want("render") {
        render();
    }
    if want("memory") {
        memory();
    }
    if want("startup") {
        startup();
    }
}

// ---------------------------------------------------------------- data

/// A user as the explorer asks for it: `$select` of the shown columns (displayName,
/// userPrincipalName, mail, jobTitle, department, id).
fn user(i: usize) -> Value {
    let full = user_full(i);
    let mut o = serde_json::Map::new();
    for k in [
        "displayName",
        "userPrincipalName",
        "mail",
        "jobTitle",
        "department",
        "id",
    ] {
        o.insert(k.to_string(), full[k].clone());
    }
    Value::Object(o)
}

/// A user as Graph returns it with its default property set (plus department), with varied
/// names.
fn user_full(i: usize) -> Value {
    const FIRST: &[&str] = &[
        "Adele",
        "Alex",
        "Diego",
        "Grady",
        "Henrietta",
        "Isaiah",
        "Johanna",
        "Joni",
        "Lee",
        "Lidia",
        "Lynne",
        "Megan",
        "Miriam",
        "Nestor",
        "Patti",
        "Pradeep",
        "Sean",
        "Zoë",
    ];
    const LAST: &[&str] = &[
        "Vance",
        "Wilber",
        "Siciliani",
        "Archie",
        "Mueller",
        "Henderson",
        "Lanier",
        "Sherman",
        "Gu",
        "Holloway",
        "Robbins",
        "Bowen",
        "Hunter",
        "Wilke",
        "Fernandez",
        "Gupta",
        "O'Brien",
    ];
    const DEPT: &[&str] = &[
        "Engineering",
        "Sales",
        "Finance",
        "Marketing",
        "Legal",
        "HR",
    ];
    const TITLE: &[&str] = &["Engineer", "Manager", "Director", "Analyst", "Designer"];
    let first = FIRST[i % FIRST.len()];
    let last = LAST[(i / FIRST.len()) % LAST.len()];
    let upn = format!(
        "{}.{}{}@contoso.onmicrosoft.com",
        first.to_lowercase(),
        last.to_lowercase(),
        i
    );
    json!({
        "businessPhones": [format!("+1 425 555 {:04}", i % 10_000)],
        "displayName": format!("{first} {last} {i}"),
        "givenName": first,
        "jobTitle": TITLE[i % TITLE.len()],
        "mail": upn,
        "mobilePhone": null,
        "officeLocation": format!("{}/{}", 10 + i % 40, 1000 + i % 3000),
        "preferredLanguage": "en-US",
        "surname": last,
        "userPrincipalName": upn,
        "department": DEPT[i % DEPT.len()],
        "id": format!("{:08x}-{:04x}-4{:03x}-8{:03x}-{:012x}", i * 2_654_435_761 % 0xffff_ffff, i % 0xffff, i % 0xfff, (i * 7) % 0xfff, i),
    })
}

/// A large directory object: 150 extension properties, 2 000 proxy addresses and 300
/// assigned plans (about 4 500 lines of raw JSON).
fn large_object() -> Value {
    let mut v = user_full(42);
    let o = v.as_object_mut().expect("object");
    for k in 0..150 {
        o.insert(
            format!("extension_3f9a2b7c_attribute{k}"),
            json!(format!("value {k} ").repeat(k % 7 + 1)),
        );
    }
    o.insert(
        "proxyAddresses".into(),
        json!(
            (0..2000)
                .map(|k| format!("smtp:alias{k}@contoso.com"))
                .collect::<Vec<_>>()
        ),
    );
    o.insert(
        "assignedPlans".into(),
        json!(
            (0..300)
                .map(|k: usize| json!({
                    "assignedDateTime": "2024-01-01T00:00:00Z",
                    "capabilityStatus": if k.is_multiple_of(3) { "Deleted" } else { "Enabled" },
                    "service": format!("service{k}"),
                    "servicePlanId": format!("{k:08}-0000-4000-8000-000000000000"),
                }))
                .collect::<Vec<_>>()
        ),
    );
    o.insert(
        "onPremisesExtensionAttributes".into(),
        json!(
            (1..=15)
                .map(|k| (format!("extensionAttribute{k}"), json!(format!("attr {k}"))))
                .collect::<serde_json::Map<_, _>>()
        ),
    );
    v
}

fn key(c: KeyCode) -> Action {
    Action::Key(KeyEvent::new(c, KeyModifiers::NONE))
}

fn slot_gen(m: &Model) -> (u64, u64) {
    let v = m.top().expect("a view");
    (v.slot, v.generation)
}

/// A model with a Users list of `n` rows delivered in pages of 999, as paging does.
fn users_model(n: usize) -> Model {
    users_model_with(n, user)
}

/// [`users_model`] with another shape of user.
fn users_model_with(n: usize, make: fn(usize) -> Value) -> Model {
    let mut m = Model::new(Header {
        profile: "default".into(),
        tenant_name: Some("Contoso".into()),
        tenant_id: "7f3c2a10-0000-4000-8000-000000000001".into(),
        cloud: "Global".into(),
        account: Some("admin@contoso.onmicrosoft.com".into()),
        api_version: "v1.0".into(),
        read_only: true,
        ..Header::default()
    });
    update(&mut m, Action::Resize(W, H));
    let q = Query {
        top: "999".into(),
        ..Query::default()
    };
    open_collection(&mut m, "Users", Kind::User, "/users", Some(q));
    let (slot, generation) = slot_gen(&m);
    let mut start = 0;
    while start < n {
        let end = (start + 999).min(n);
        update(
            &mut m,
            Action::Page {
                slot,
                generation,
                items: (start..end).map(make).collect(),
                count: Some(n as u64),
                next_link: (end < n).then(|| "http://127.0.0.1/next".to_string()),
                first: start == 0,
                more_coming: end < n,
            },
        );
        start = end;
    }
    m
}

// ---------------------------------------------------------------- render

struct Screen {
    term: Terminal<TestBackend>,
    theme: Theme,
    keys: KeyMap,
}

impl Screen {
    fn new() -> Screen {
        Screen {
            term: Terminal::new(TestBackend::new(W, H)).expect("terminal"),
            theme: Theme::default(),
            keys: KeyMap::default(),
        }
    }
    /// Draws one frame; returns its time in ms.
    fn frame(&mut self, m: &Model) -> f64 {
        let ui = Ui {
            theme: &self.theme,
            keys: &self.keys,
        };
        let t = Instant::now();
        self.term.draw(|f| draw(f, m, &ui)).expect("draw");
        ms(t.elapsed())
    }
    fn text(&self) -> String {
        let buf = self.term.backend().buffer();
        buf.content.iter().map(|c| c.symbol()).collect()
    }
}

struct Measured {
    what: String,
    frame: Stats,
    step: Option<Stats>,
    goal: f64,
    goal_label: &'static str,
}

fn render() {
    let mut out: Vec<Measured> = vec![];
    let t0 = Instant::now();
    let mut m = users_model(ROWS);
    println!(
        "(built a 100 000-row model through update in {:.0} ms)",
        ms(t0.elapsed())
    );
    let mut s = Screen::new();
    s.frame(&m);
    assert!(s.text().contains("100,000 of 100,000 loaded"));

    // 1. The 100 000-row list: cursor moves (Down, PageDown, End/Home) and a redraw each.
    let (mut frames, mut steps) = (vec![], vec![]);
    for i in 0..400 {
        let a = match i % 40 {
            0 => Action::PageDown,
            20 => Action::Bottom,
            21 => Action::Top,
            _ => Action::Down,
        };
        let t = Instant::now();
        update(&mut m, a);
        let fr = s.frame(&m);
        steps.push(ms(t.elapsed()));
        frames.push(fr);
    }
    out.push(Measured {
        what: "100 000-row list: frame (cursor moves)".into(),
        frame: Stats::of(&frames),
        step: Some(Stats::of(&steps)),
        goal: FRAME_GOAL_MS,
        goal_label: "frame < 2 ms",
    });

    // 2. Sorted list (the `s` key), same moves.
    update(&mut m, Action::Top);
    update(&mut m, Action::Sort);
    let (mut frames, mut steps) = (vec![], vec![]);
    for i in 0..200usize {
        let t = Instant::now();
        update(
            &mut m,
            if i.is_multiple_of(20) {
                Action::PageDown
            } else {
                Action::Down
            },
        );
        let fr = s.frame(&m);
        steps.push(ms(t.elapsed()));
        frames.push(fr);
    }
    out.push(Measured {
        what: "100 000-row list sorted by name: frame".into(),
        frame: Stats::of(&frames),
        step: Some(Stats::of(&steps)),
        goal: FRAME_GOAL_MS,
        goal_label: "frame < 2 ms",
    });

    // 3. Local `/` filter (the list is still sorted by name: the harder case): keystroke → update → frame, over 100 000 rows.
    update(&mut m, Action::Top);
    let mut steps = vec![];
    let mut frames = vec![];
    let mut matched = vec![];
    update(&mut m, Action::LocalFilter);
    for round in 0..3 {
        for c in "megan bowen 4".chars() {
            let t = Instant::now();
            update(&mut m, key(KeyCode::Char(c)));
            let fr = s.frame(&m);
            steps.push(ms(t.elapsed()));
            frames.push(fr);
            if std::env::var_os("GRAPHTUI_BENCH_VERBOSE").is_some() {
                println!(
                    "  key {c:?}: {:.2} ms, {} rows",
                    steps[steps.len() - 1],
                    visible_rows(&m)
                );
            }
        }
        if round == 0 {
            matched.push(visible_rows(&m));
        }
        for _ in 0.."megan bowen 4".chars().count() {
            let t = Instant::now();
            update(&mut m, key(KeyCode::Backspace));
            let fr = s.frame(&m);
            steps.push(ms(t.elapsed()));
            frames.push(fr);
            if std::env::var_os("GRAPHTUI_BENCH_VERBOSE").is_some() {
                println!(
                    "  backspace: {:.2} ms, {} rows",
                    steps[steps.len() - 1],
                    visible_rows(&m)
                );
            }
        }
    }
    update(&mut m, key(KeyCode::Esc));
    out.push(Measured {
        what: format!(
            "local / filter over 100 000 sorted rows: keystroke → frame (typing 'megan bowen 4' → {} rows, then backspacing)",
            matched.first().copied().unwrap_or(0)
        ),
        frame: Stats::of(&frames),
        step: Some(Stats::of(&steps)),
        goal: FILTER_GOAL_MS,
        goal_label: "keystroke < 10 ms",
    });

    // 4. The filter editor (query bar) with live lint and completion, typing a filter.
    let mut q = users_model(100);
    let mut sq = Screen::new();
    update(&mut q, Action::QueryBar);
    let text = "startsWith(displayName,'Meg') and accountEnabled eq true and endsWith(mail,'@contoso.com')";
    let (mut frames, mut steps) = (vec![], vec![]);
    for c in text.chars() {
        let t = Instant::now();
        update(&mut q, key(KeyCode::Char(c)));
        let fr = sq.frame(&q);
        steps.push(ms(t.elapsed()));
        frames.push(fr);
    }
    out.push(Measured {
        what: format!(
            "filter editor, live lint + completion: typing a {}-char $filter",
            text.len()
        ),
        frame: Stats::of(&frames),
        step: Some(Stats::of(&steps)),
        goal: FRAME_GOAL_MS,
        goal_label: "frame < 2 ms",
    });

    // 4b. The same editor with a 2,000-char $filter already typed (40 startswith clauses):
    // a keystroke must cost about what it costs in a short one.
    let mut q = users_model(100);
    let mut sq = Screen::new();
    update(&mut q, Action::QueryBar);
    let mut long = String::new();
    let mut i = 0;
    while long.len() < 2_000 {
        long.push_str(&format!("startswith(displayName,'abcdefgh{i:02}') or "));
        i += 1;
    }
    for c in long.chars() {
        update(&mut q, key(KeyCode::Char(c)));
    }
    sq.frame(&q);
    let (mut frames, mut steps) = (vec![], vec![]);
    for c in "accountEnabled eq true".chars() {
        let t = Instant::now();
        update(&mut q, key(KeyCode::Char(c)));
        let fr = sq.frame(&q);
        steps.push(ms(t.elapsed()));
        frames.push(fr);
    }
    out.push(Measured {
        what: format!(
            "filter editor, live lint + completion: typing at the end of a {}-char $filter",
            long.len()
        ),
        frame: Stats::of(&frames),
        step: Some(Stats::of(&steps)),
        goal: FRAME_GOAL_MS,
        goal_label: "frame < 2 ms",
    });

    // 5. Detail view of a large object: properties, then raw JSON, scrolling.
    let big = large_object();
    let raw_lines = graphtui::tui::update::json_lines(&big).len();
    let mut d = users_model(10);
    update(&mut d, Action::Open);
    let (slot, generation) = slot_gen(&d);
    update(
        &mut d,
        Action::Object {
            slot,
            generation,
            value: big,
        },
    );
    let mut sd = Screen::new();
    for raw in [false, true] {
        if raw {
            update(&mut d, Action::RawJson);
        }
        let (mut frames, mut steps) = (vec![], vec![]);
        for i in 0..300 {
            let t = Instant::now();
            update(
                &mut d,
                if i % 30 == 29 {
                    Action::PageDown
                } else {
                    Action::Down
                },
            );
            let fr = sd.frame(&d);
            steps.push(ms(t.elapsed()));
            frames.push(fr);
        }
        out.push(Measured {
            what: if raw {
                format!("detail of a large object, raw JSON ({raw_lines} lines): frame")
            } else {
                "detail of a large object, properties (2 000 addresses, 300 plans): frame".into()
            },
            frame: Stats::of(&frames),
            step: Some(Stats::of(&steps)),
            goal: FRAME_GOAL_MS,
            goal_label: "frame < 2 ms",
        });
    }

    let mut t = Table::new(
        &format!(
            "Render on TestBackend {W}x{H} ({}; ms per frame; key → frame = the action through update, then the frame)",
            profile()
        ),
        &[
            "what",
            "frame ms median (min–max)",
            "key → frame ms median (min–max)",
            "goal",
            "ratio to goal",
            "verdict",
        ],
    );
    for r in &out {
        let v = if r.goal_label.starts_with("keystroke") {
            r.step.map(|s| s.median).unwrap_or(r.frame.median)
        } else {
            r.frame.median
        };
        t.row(vec![
            r.what.clone(),
            r.frame.show("ms"),
            r.step.map(|s| s.show("ms")).unwrap_or_default(),
            r.goal_label.into(),
            format!("{:.2}", v / r.goal),
            verdict(v, r.goal),
        ]);
    }
    t.print();
}

/// The build profile, so debug figures are not mistaken for release ones.
fn profile() -> &'static str {
    if cfg!(debug_assertions) {
        "DEBUG build: not representative"
    } else {
        "release build"
    }
}

fn visible_rows(m: &Model) -> usize {
    match m.top().map(|v| &v.body) {
        Some(Body::List(l)) => l.order.len(),
        _ => 0,
    }
}

// ---------------------------------------------------------------- memory

fn memory() {
    let n = iters(3);
    let mut t = Table::new(
        "Memory: 100 000 users loaded into the explorer's Model (each run in a fresh child process)",
        &[
            "rows hold",
            "RSS before MiB",
            "RSS with 100 000 users MiB, median (min–max)",
            "peak MiB",
            "goal",
            "ratio to goal",
            "verdict",
        ],
    );
    for (shape, label, goal) in [
        (
            "selected",
            "the explorer's default $select (6 shown columns)",
            true,
        ),
        (
            "full",
            "Graph's default property set + department (12)",
            false,
        ),
    ] {
        let runs: Vec<_> = (0..n)
            .map(|_| run_child("memory", &[shape.to_string()]))
            .collect();
        let st = |k: &str| Stats::of(&runs.iter().map(|r| f(r, k)).collect::<Vec<_>>());
        let total = st("rss_mib");
        t.row(vec![
            label.into(),
            num(st("base_mib").median),
            total.show("MiB"),
            num(st("peak_mib").max),
            if goal {
                "< 200 MiB".into()
            } else {
                "(for reference)".into()
            },
            format!("{:.2}", total.median / MEMORY_GOAL_MIB),
            if goal {
                verdict(total.median, MEMORY_GOAL_MIB)
            } else {
                String::new()
            },
        ]);
    }
    t.print();
    println!(
        "(model only; the network path with the client's recorder and HTTP buffers: bench_fetch, explorer rows)"
    );
}

fn memory_child(shape: &str) {
    let base = rss_mib();
    let m = users_model_with(ROWS, if shape == "full" { user_full } else { user });
    assert_eq!(visible_rows(&m), ROWS);
    child_result(&[
        ("base_mib", format!("{base:.1}")),
        ("rss_mib", format!("{:.1}", rss_mib())),
        ("peak_mib", format!("{:.1}", peak_mib())),
    ]);
    std::hint::black_box(&m);
}

// ---------------------------------------------------------------- start-up

fn startup() {
    let n = iters(10);
    let bin = env!("CARGO_BIN_EXE_graphtui");
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let sb = rt
        .block_on(graphtui::sandbox::Sandbox::start(
            graphtui::sandbox::SandboxConfig::default(),
        ))
        .expect("sandbox");
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data");
    let env: Vec<(&str, String)> = vec![
        ("HOME", dir.path().display().to_string()),
        (
            "XDG_CONFIG_HOME",
            dir.path().join("config").display().to_string(),
        ),
        ("GRAPHTUI_TENANT", sb.tenant_id()),
        ("GRAPHTUI_GRAPH_URL", sb.url()),
        ("GRAPHTUI_AUTHORITY_HOST", sb.url()),
        ("GRAPHTUI_TOKEN_CACHE", "file".into()),
        ("GRAPHTUI_DATA_DIR", data.display().to_string()),
        (
            "GRAPHTUI_CONFIG",
            dir.path().join("config.toml").display().to_string(),
        ),
    ];
    // Sign in once (device code, approved by the sandbox) into the file cache, in process.
    let args = graphtui::cli::GlobalArgs {
        tenant: Some(sb.tenant_id()),
        graph_url: Some(sb.url()),
        authority_host: Some(sb.url()),
        token_cache: Some(graphtui::cli::TokenCacheKind::File),
        data_dir: Some(data.clone()),
        config: Some(dir.path().join("config.toml")),
        ..Default::default()
    };
    let settings = graphtui::config::Settings::resolve_with(
        &args,
        &|_| None,
        graphtui::config::ConfigFile::default(),
        &dir.path().join("config.toml"),
    )
    .expect("settings");
    rt.block_on(async {
        let auth = graphtui::auth::Authenticator::from_settings(
            &settings,
            graphtui::auth::AuthOptions {
                poll_time_scale: 0.01,
                ..Default::default()
            },
        )
        .expect("auth");
        let (tx, _rx) = tokio::sync::mpsc::unbounded_channel();
        auth.login_device_code(None, tx, tokio_util::sync::CancellationToken::new())
            .await
            .expect("sign-in");
    });
    let run = |argv: &[&str]| -> (f64, String) {
        let t = Instant::now();
        let out = std::process::Command::new(bin)
            .args(argv)
            .env_clear()
            .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
            .output()
            .expect("run graphtui");
        let el = ms(t.elapsed());
        assert!(
            out.status.success(),
            "graphtui {argv:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        (el, String::from_utf8_lossy(&out.stdout).into_owned())
    };
    // Warm the page cache once.
    run(&["--version"]);
    let (_, who) = run(&["whoami"]);
    assert!(who.contains("megan.bowen"), "whoami output: {who}");
    let mut version = vec![];
    let mut whoami = vec![];
    for _ in 0..n {
        version.push(run(&["--version"]).0);
        whoami.push(run(&["whoami"]).0);
    }
    let version = Stats::of(&version);
    let whoami = Stats::of(&whoami);

    // Time to first frame: a fresh Model, the terminal size, the Users list opened (its
    // request is handed to the worker) and the first frame drawn.
    let mut first = vec![];
    for _ in 0..50 {
        let t = Instant::now();
        let mut m = Model::new(Header::default());
        update(&mut m, Action::Resize(W, H));
        let cmds = open_collection(&mut m, "Users", Kind::User, "/users", None);
        let mut s = Screen::new();
        s.frame(&m);
        first.push(ms(t.elapsed()));
        std::hint::black_box(cmds);
    }
    let first = Stats::of(&first);
    let mut t = Table::new(
        "Start-up",
        &["figure", "ms median (min–max)", "ratio to floor"],
    );
    t.row(vec![
        "floor: `graphtui --version` (process start, no work)".into(),
        version.show("ms"),
        "1.00".into(),
    ]);
    t.row(vec![
        "`graphtui whoami`, cached token in the file cache".into(),
        whoami.show("ms"),
        format!("{:.2}", whoami.median / version.median),
    ]);
    t.row(vec![
        "explorer: fresh Model → first frame (TestBackend 200x60)".into(),
        first.show("ms"),
        String::new(),
    ]);
    t.print();
    drop(sb);
}
