//! The explorer under faults, end to end: the real binary in tmux against its in-process
//! sandbox (`--demo`). Faults are switched on at run time through the sandbox's control API
//! (its address is read from the log file). Also: a panic restores the terminal.
//! tmux missing is a failure, not a skip. Waits poll the screen with a bound.

use std::io::{Read, Write};
use std::path::PathBuf;
use std::time::{Duration, Instant};

mod common;
use common::Session;

/// A minimal HTTP/1.1 call to the sandbox's control API (loopback only).
fn control(addr: &str, method: &str, path: &str, body: &str) -> String {
    let mut s = std::net::TcpStream::connect(addr).expect("connect to the demo sandbox");
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    write!(
        s,
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).expect("control answer");
    assert!(out.starts_with("HTTP/1.1 200"), "{out}");
    out
}

#[test]
fn throttled_explorer_keeps_responding_shows_it_and_recovers() {
    let s = Session::explorer("throttle", "");
    s.sign_in();
    let addr = s.sandbox_addr();
    // Every Graph request is throttled (Retry-After 3 s) until the faults are cleared.
    control(
        &addr,
        "POST",
        "/_sandbox/faults",
        r#"{"throttle_every":1,"retry_after":3}"#,
    );
    s.keys(&[":"]);
    s.text("groups");
    s.keys(&["Enter"]);
    s.wait_for("throttled — retrying in", 10.0);
    // Keys are handled while the request waits: help opens and closes at once.
    let t = Instant::now();
    s.keys(&["?"]);
    s.wait_for("command palette", 2.5);
    s.keys(&["Escape"]);
    s.wait_until("help closed", 2.5, |x| {
        !x.contains("command palette") && x.contains("throttled — retrying in")
    });
    assert!(
        t.elapsed() < Duration::from_secs(3),
        "keys took {:?} while throttled",
        t.elapsed()
    );
    // Graph relents: the next retry succeeds, the groups arrive and the badge goes away.
    control(&addr, "DELETE", "/_sandbox/faults", "");
    s.wait_for("loaded", 20.0);
    let list = s.wait_until("badge cleared", 5.0, |x| {
        !x.contains("throttled — retrying") && x.contains("loaded")
    });
    assert!(!list.contains("FAILED"), "{list}");
    let log = control(&addr, "GET", "/_sandbox/log", "");
    assert!(log.contains("\"status\":429"), "{log}");
    // The inspector tells the story: each attempt at the groups request is listed (sign-in
    // exchanges are recorded too), the throttled one decoded, and the last one answered 200.
    s.keys(&["i"]);
    let insp = s.wait_until("groups attempts listed", 10.0, |x| {
        x.contains("429 GET /groups") && x.contains("200 GET /groups")
    });
    assert!(
        insp.contains("TooManyRequests") || insp.contains("requests ("),
        "{insp}"
    );
    assert!(!insp.contains("Bearer ey"), "{insp}");
}

#[test]
fn slow_server_ui_stays_responsive_and_loading_can_be_cancelled() {
    let s = Session::explorer("slow", "");
    s.sign_in();
    let addr = s.sandbox_addr();
    // Graph answers after 8 s (sign-in is not slowed).
    control(&addr, "POST", "/_sandbox/faults", r#"{"latency_ms":8000}"#);
    s.keys(&[":"]);
    s.text("groups");
    s.keys(&["Enter"]);
    let loading = s.wait_for("Loading…", 3.0);
    assert!(loading.contains("Groups"), "{loading}");
    // Responsive while the 8 s request runs.
    let t = Instant::now();
    s.keys(&["?"]);
    s.wait_until("help", 1.5, |x| x != loading);
    s.wait_for("command palette", 2.5);
    s.keys(&["Escape"]);
    s.wait_until("help closed", 2.5, |x| !x.contains("command palette"));
    // ctrl-x cancels the load at once (long before the 8 s answer).
    s.keys(&["C-x"]);
    let cancelled = s.wait_for("loading cancelled", 2.0);
    assert!(
        t.elapsed() < Duration::from_secs(7),
        "cancel took {:?}",
        t.elapsed()
    );
    assert!(cancelled.contains("0 rows loaded"), "{cancelled}");
    // Still alive afterwards: back to users, with the server fast again.
    control(&addr, "DELETE", "/_sandbox/faults", "");
    s.keys(&["Escape"]);
    s.wait_for("userPrincipalName", 5.0);
    s.keys(&["q"]);
}

/// Runs the explorer (most verbose logging) with a deliberate panic, then `stty -a` in the
/// same terminal.
fn panic_restores_terminal(test: &str, mode: &str) {
    let s = Session::start(
        test,
        &format!(
            "sh -c 'GRAPHTUI_LOG=trace GRAPHTUI_TEST_PANIC={mode} {{BIN}} -vvv --demo --data-dir {{DIR}} --config {{DIR}}/config.toml; echo exit=$?; stty -a > {{DIR}}/stty.txt; echo shell-is-back; sleep 30'"
        ),
    );
    s.wait_for("shell-is-back", 40.0);
    // The whole terminal history: a backtrace (RUST_BACKTRACE in tmux's environment) can push
    // the first lines off the visible screen.
    let screen = s.history();
    assert!(
        screen.contains("graphtui crashed; the log is at"),
        "{screen}"
    );
    let log: PathBuf = s.dir().join("logs").join("graphtui.log");
    assert!(screen.contains("logs/graphtui.log"), "{screen}");
    assert!(
        screen.contains(&format!("GRAPHTUI_TEST_PANIC={mode}")),
        "the panic message is shown:\n{screen}"
    );
    assert!(screen.contains("exit=101"), "{screen}");
    let logged = std::fs::read_to_string(&log).expect("log file");
    assert!(logged.contains("panic"), "{logged}");
    // Crash output and the trace log hold no token (sandbox tokens are JWTs: `eyJ…`).
    for (what, text) in [("screen", &screen), ("log", &logged)] {
        assert!(!text.contains("eyJ"), "{what} holds a token");
        assert!(!text.contains("Bearer ey"), "{what} holds a bearer value");
    }
    let stty = std::fs::read_to_string(s.dir().join("stty.txt")).expect("stty output");
    let flags: Vec<&str> = stty.split_whitespace().collect();
    for f in ["echo", "icanon", "isig", "icrnl", "opost"] {
        assert!(flags.contains(&f), "{f} is on again:\n{stty}");
    }
    // The alternate screen was left, mouse reporting is off.
    assert_eq!(s.display("#{alternate_on}"), "0");
    assert_eq!(s.display("#{mouse_any_flag}"), "0");
}

#[test]
fn panic_in_the_event_loop_restores_the_terminal() {
    panic_restores_terminal("panic-main", "after-first-frame");
}

#[test]
fn panic_in_a_worker_task_restores_the_terminal_and_exits() {
    panic_restores_terminal("panic-worker", "in-worker");
}

#[test]
fn panic_after_sign_in_restores_the_terminal_and_prints_no_token() {
    panic_restores_terminal("panic-signed-in", "after-sign-in");
}

#[test]
fn load_all_under_the_full_fault_mix_gets_every_user() {
    // Load all asks for pages of 999: 12 000 users is 13 pages, enough for every fault.
    let s = Session::explorer("mix", "GRAPHTUI_DEMO_USERS=12000");
    s.sign_in();
    let addr = s.sandbox_addr();
    let info = control(&addr, "GET", "/_sandbox", "");
    let users: usize = info
        .split("\"users\":")
        .nth(1)
        .and_then(|r| r.split(|c: char| !c.is_ascii_digit()).next())
        .and_then(|n| n.parse().ok())
        .expect("user count");
    control(
        &addr,
        "POST",
        "/_sandbox/faults",
        r#"{"throttle_every":4,"retry_after":0.3,"status_503_rate":0.02,"drop_every":7,"truncate_every":9,"expire_tokens_after":6,"seed":3,"path_prefix":"/v1.0/users"}"#,
    );
    s.keys(&["A"]);
    // The count is shown with thousands separators: "3,000 loaded".
    let digits = users.to_string();
    let mut grouped = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(c);
    }
    let done = s.wait_for(&format!("{grouped} loaded"), 60.0);
    assert!(!done.contains("FAILED"), "{done}");
    assert!(!done.contains("PARTIAL"), "{done}");
    // Still answering keys afterwards.
    s.keys(&["G"]);
    s.keys(&["?"]);
    s.wait_for("command palette", 2.0);
    let log = control(&addr, "GET", "/_sandbox/log", "");
    for needle in [
        "\"status\":429",
        "\"fault\":\"drop\"",
        "\"fault\":\"truncate\"",
        "\"status\":401",
    ] {
        assert!(log.contains(needle), "the sandbox injected {needle}");
    }
}
