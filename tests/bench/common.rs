//! Shared helpers of the `[[bench]]` targets: timing statistics, tables, memory readings,
//! child processes for clean peak-memory figures, and sandbox sign-in.
#![allow(dead_code)]

use graphtui::auth::store::MemoryStore;
use graphtui::auth::{AuthOptions, Authenticator, TokenProvider};
use graphtui::cli::{GlobalArgs, TokenCacheKind};
use graphtui::config::{ConfigFile, Settings};
use graphtui::util::Secret;
use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

/// The environment variable that turns the bench binary into a measuring child.
pub const CHILD_ENV: &str = "GRAPHTUI_BENCH_CHILD";

/// Median, min and max of a set of samples.
#[derive(Debug, Clone, Copy)]
pub struct Stats {
    pub median: f64,
    pub min: f64,
    pub max: f64,
    pub n: usize,
}

impl Stats {
    /// Statistics of the samples (any unit).
    pub fn of(samples: &[f64]) -> Stats {
        let mut s: Vec<f64> = samples.to_vec();
        s.sort_by(|a, b| a.total_cmp(b));
        let n = s.len();
        if n == 0 {
            return Stats {
                median: 0.0,
                min: 0.0,
                max: 0.0,
                n,
            };
        }
        let median = if n % 2 == 1 {
            s[n / 2]
        } else {
            (s[n / 2 - 1] + s[n / 2]) / 2.0
        };
        Stats {
            median,
            min: s[0],
            max: s[n - 1],
            n,
        }
    }

    /// `median (min–max)` with a unit, e.g. `1.23 ms (1.10–1.50)`.
    pub fn show(&self, unit: &str) -> String {
        format!(
            "{} {unit} ({}–{}, n={})",
            num(self.median),
            num(self.min),
            num(self.max),
            self.n
        )
    }
}

/// A number with sensible precision.
pub fn num(x: f64) -> String {
    let a = x.abs();
    if a >= 100.0 {
        format!("{x:.0}")
    } else if a >= 10.0 {
        format!("{x:.1}")
    } else if a >= 1.0 {
        format!("{x:.2}")
    } else {
        format!("{x:.3}")
    }
}

/// A fixed-width text table printed to stdout.
pub struct Table {
    title: String,
    head: Vec<String>,
    rows: Vec<Vec<String>>,
}

impl Table {
    pub fn new(title: &str, head: &[&str]) -> Table {
        Table {
            title: title.to_string(),
            head: head.iter().map(|s| s.to_string()).collect(),
            rows: vec![],
        }
    }
    pub fn row(&mut self, cells: Vec<String>) {
        self.rows.push(cells);
    }
    pub fn print(&self) {
        let cols = self.head.len();
        let mut w = vec![0usize; cols];
        for r in std::iter::once(&self.head).chain(&self.rows) {
            for (i, c) in r.iter().enumerate().take(cols) {
                w[i] = w[i].max(c.chars().count());
            }
        }
        println!("\n== {} ==", self.title);
        let line = |r: &Vec<String>| {
            let cells: Vec<String> = (0..cols)
                .map(|i| {
                    let c = r.get(i).map(String::as_str).unwrap_or("");
                    let pad = w[i].saturating_sub(c.chars().count());
                    format!("{c}{}", " ".repeat(pad))
                })
                .collect();
            println!("| {} |", cells.join(" | "));
        };
        line(&self.head);
        println!(
            "|{}|",
            w.iter()
                .map(|n| "-".repeat(n + 2))
                .collect::<Vec<_>>()
                .join("|")
        );
        for r in &self.rows {
            line(r);
        }
    }
}

/// `ok`/`MISSED` against a goal that the value must stay under.
pub fn verdict(value: f64, goal: f64) -> String {
    if value <= goal {
        "ok".into()
    } else {
        "MISSED".into()
    }
}

/// A `kB` field (`VmRSS`, `VmHWM`) of /proc/self/status, in MiB.
pub fn proc_status_mib(field: &str) -> Option<f64> {
    let s = std::fs::read_to_string("/proc/self/status").ok()?;
    s.lines()
        .find(|l| l.starts_with(field) && l[field.len()..].starts_with(':'))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|kb| kb.parse::<f64>().ok())
        .map(|kb| kb / 1024.0)
}

/// Current resident memory in MiB (0 when unknown).
pub fn rss_mib() -> f64 {
    proc_status_mib("VmRSS").unwrap_or(0.0)
}

/// Peak resident memory in MiB (0 when unknown).
pub fn peak_mib() -> f64 {
    proc_status_mib("VmHWM").unwrap_or(0.0)
}

/// Runs this bench binary again as a child in `mode` with `args`; returns its last stdout
/// line parsed as `key=value` pairs (the child prints one such line).
pub fn run_child(mode: &str, args: &[String]) -> HashMap<String, String> {
    let exe = std::env::current_exe().expect("bench executable path");
    let out = std::process::Command::new(exe)
        .env(CHILD_ENV, mode)
        .args(args)
        .stderr(std::process::Stdio::inherit())
        .output()
        .expect("run bench child");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "bench child {mode} failed: {}\n{text}",
        out.status
    );
    let last = text
        .lines()
        .rev()
        .find(|l| l.starts_with("RESULT "))
        .unwrap_or_else(|| panic!("bench child {mode} printed no RESULT line:\n{text}"));
    last["RESULT ".len()..]
        .split_whitespace()
        .filter_map(|kv| kv.split_once('='))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// Reads a number from a child's result.
pub fn f(r: &HashMap<String, String>, k: &str) -> f64 {
    r.get(k)
        .and_then(|v| v.parse::<f64>().ok())
        .unwrap_or_else(|| panic!("child result lacks {k}: {r:?}"))
}

/// Child-side: prints the result line.
pub fn child_result(pairs: &[(&str, String)]) {
    let s: Vec<String> = pairs.iter().map(|(k, v)| format!("{k}={v}")).collect();
    println!("RESULT {}", s.join(" "));
}

/// Settings that point at a sandbox at `url`, with the app-only sandbox daemon app (client
/// credentials, secret from the published sandbox secret), a memory token cache and `dir` as
/// data directory.
pub fn sandbox_settings(url: &str, tenant: &str, dir: &Path) -> Settings {
    let args = GlobalArgs {
        tenant: Some(tenant.to_string()),
        client_id: Some(graphtui::sandbox::SANDBOX_APP_ID.to_string()),
        graph_url: Some(url.to_string()),
        authority_host: Some(url.to_string()),
        token_cache: Some(TokenCacheKind::None),
        data_dir: Some(dir.to_path_buf()),
        config: Some(dir.join("config.toml")),
        timeout: Some(120),
        ..Default::default()
    };
    Settings::resolve_with(
        &args,
        &|k| {
            (k == "AZURE_CLIENT_SECRET").then(|| graphtui::sandbox::SANDBOX_APP_SECRET.to_string())
        },
        ConfigFile::default(),
        &dir.join("config.toml"),
    )
    .expect("sandbox settings")
}

/// An app-only session against the sandbox (it signs in on first use).
pub fn sandbox_auth(settings: &Settings) -> Arc<Authenticator> {
    Arc::new(
        Authenticator::new(
            settings,
            Arc::new(MemoryStore::new()),
            AuthOptions::default(),
        )
        .expect("authenticator"),
    )
}

/// A bearer token for the floor loops (client credentials through graphtui's session once).
pub async fn sandbox_token(settings: &Settings) -> Secret {
    let auth = sandbox_auth(settings);
    auth.token().await.expect("sandbox token").token
}

/// `nproc`, the CPU model and total memory, for the report header.
pub fn machine() -> String {
    let cpus = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(0);
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = cpuinfo
        .lines()
        .find(|l| l.starts_with("model name"))
        .and_then(|l| l.split_once(':'))
        .map(|(_, v)| v.trim().to_string())
        .unwrap_or_else(|| "unknown CPU".into());
    let mem = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("MemTotal:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse::<f64>().ok())
        })
        .map(|kb| format!("{:.1} GiB", kb / 1024.0 / 1024.0))
        .unwrap_or_else(|| "unknown memory".into());
    format!("{cpus} CPUs ({model}), {mem} RAM")
}

/// Milliseconds of a duration.
pub fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// Iteration count from `GRAPHTUI_BENCH_ITERS` (default `n`).
pub fn iters(n: usize) -> usize {
    std::env::var("GRAPHTUI_BENCH_ITERS")
        .ok()
        .and_then(|v| v.parse().ok())
        .filter(|&v: &usize| v > 0)
        .unwrap_or(n)
}
