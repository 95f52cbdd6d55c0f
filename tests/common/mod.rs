//! Shared by the tmux end-to-end tests: a tmux session running the real binary, driven by
//! keys and read by capturing the pane. Waits poll the screen with a bound, never fixed sleeps.
//! tmux missing is a failure, not a skip. Not every test file uses every helper.
#![allow(dead_code)]

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

/// The binary under test; `GRAPHTUI_E2E_BIN` overrides it (a private copy when the target
/// directory is shared with other checkouts that rebuild it concurrently).
pub fn bin() -> String {
    std::env::var("GRAPHTUI_E2E_BIN").unwrap_or_else(|_| env!("CARGO_BIN_EXE_graphtui").to_string())
}

/// A private tmux server (own socket): its options never touch the user's tmux.
const SOCKET: &str = "graphtui-e2e";

fn tmux(args: &[&str]) -> std::process::Output {
    Command::new("tmux")
        .args(["-L", SOCKET, "-f", "/dev/null"])
        .args(args)
        .output()
        .expect("tmux must be installed for the end-to-end tests (apt-get install tmux)")
}

/// A tmux session running graphtui; killed on drop (also when the test fails).
pub struct Session {
    name: String,
    dir: tempfile::TempDir,
}

impl Session {
    /// Starts `cmd` (a shell command line; `{BIN}`, `{DIR}` are filled in) in a new 160x48
    /// session, with a temporary HOME and data dir and no inherited graphtui config.
    pub fn start(test: &str, cmd: &str) -> Session {
        let dir = tempfile::tempdir().expect("tempdir");
        let name = format!("gt-e2e-{}-{test}", std::process::id());
        let cmd = cmd
            .replace("{BIN}", &bin())
            .replace("{DIR}", &dir.path().display().to_string());
        let full = format!(
            "env -u NO_COLOR -u GRAPHTUI_CONFIG -u GRAPHTUI_PROFILE -u GRAPHTUI_LOG HOME={} {cmd}",
            dir.path().display()
        );
        let out = tmux(&[
            "new-session",
            "-d",
            "-s",
            &name,
            "-x",
            "160",
            "-y",
            "48",
            &full,
        ]);
        assert!(
            out.status.success(),
            "tmux new-session failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        // Pass Esc through at once instead of waiting to see if it starts a sequence.
        tmux(&["set-option", "-s", "escape-time", "0"]);
        Session { name, dir }
    }

    /// The explorer in demo mode; `extra_env` is prepended (`VAR=value ...`).
    pub fn explorer(test: &str, extra_env: &str) -> Session {
        Session::start(
            test,
            &format!(
                "{extra_env} {{BIN}} --demo --data-dir {{DIR}} --config {{DIR}}/config.toml; sleep 30"
            ),
        )
    }

    /// The session's temporary directory (HOME and data dir).
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// Sends tmux key names (`Enter`, `Escape`, `C-x`, or plain characters).
    pub fn keys(&self, keys: &[&str]) {
        let mut args = vec!["send-keys", "-t", &self.name];
        args.extend_from_slice(keys);
        tmux(&args);
    }

    /// Types text literally.
    pub fn text(&self, s: &str) {
        tmux(&["send-keys", "-t", &self.name, "-l", s]);
    }

    /// The visible screen, once the explorer has finished drawing: tmux can be read half-way
    /// through a frame, so two captures 25 ms apart must agree (up to about half a second).
    pub fn screen(&self) -> String {
        let capture = || {
            String::from_utf8_lossy(&tmux(&["capture-pane", "-p", "-t", &self.name]).stdout)
                .to_string()
        };
        let mut last = capture();
        for _ in 0..20 {
            std::thread::sleep(Duration::from_millis(25));
            let now = capture();
            if now == last {
                return now;
            }
            last = now;
        }
        last
    }

    /// The visible screen plus the scrollback.
    pub fn history(&self) -> String {
        String::from_utf8_lossy(
            &tmux(&["capture-pane", "-p", "-J", "-S", "-", "-t", &self.name]).stdout,
        )
        .to_string()
    }

    /// A tmux format value for the pane, e.g. `#{alternate_on}`.
    pub fn display(&self, format: &str) -> String {
        let out = tmux(&["display", "-p", "-t", &self.name, format]);
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    }

    /// Waits until the screen contains `needle` (at most `secs`), returning the screen.
    pub fn wait_for(&self, needle: &str, secs: impl Into<f64>) -> String {
        self.wait_until(needle, secs, |s| s.contains(needle))
    }

    /// Waits until `f` holds for the screen (at most `secs`), returning the screen.
    pub fn wait_until(&self, what: &str, secs: impl Into<f64>, f: impl Fn(&str) -> bool) -> String {
        let secs = secs.into();
        let deadline = Instant::now() + Duration::from_secs_f64(secs);
        loop {
            let s = self.screen();
            if f(&s) {
                return s;
            }
            if Instant::now() > deadline {
                panic!("timed out after {secs} s waiting for {what:?}; screen:\n{s}");
            }
            std::thread::sleep(Duration::from_millis(40));
        }
    }

    /// Signs in through the device-code screen and waits for the users list, returning it.
    pub fn sign_in(&self) -> String {
        let s = self.wait_for("Enter the code", 30);
        assert!(s.contains("Sign in to Microsoft Graph"), "{s}");
        assert!(s.contains("devicelogin") || s.contains("http"), "{s}");
        self.wait_for("displayName", 40)
    }

    /// The demo sandbox's address, from the log line the explorer writes at start-up.
    pub fn sandbox_addr(&self) -> String {
        let log = self.dir().join("logs").join("graphtui.log");
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let text = std::fs::read_to_string(&log).unwrap_or_default();
            if let Some(i) = text.find("demo sandbox at http://") {
                let rest = &text[i + "demo sandbox at http://".len()..];
                return rest
                    .split_whitespace()
                    .next()
                    .unwrap_or_default()
                    .to_string();
            }
            assert!(Instant::now() < deadline, "no sandbox address in {log:?}");
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        let _ = tmux(&["kill-session", "-t", &self.name]);
    }
}
