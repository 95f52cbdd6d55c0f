//! End-to-end: the real binary in tmux against the in-process sandbox (`--demo`), driven by
//! keys, asserting on captured screens. Waits poll the screen with a bound, never fixed sleeps.
//! tmux missing is a failure, not a skip.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

/// The binary under test; `GRAPHTUI_E2E_BIN` overrides it (a private copy when the target
/// directory is shared with other checkouts that rebuild it concurrently).
fn bin() -> String {
    std::env::var("GRAPHTUI_E2E_BIN").unwrap_or_else(|_| env!("CARGO_BIN_EXE_graphtui").to_string())
}

/// A tmux session running graphtui; killed on drop (also when the test fails).
struct Session {
    name: String,
    dir: tempfile::TempDir,
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

impl Session {
    fn start(test: &str, scenario: Option<&str>) -> Session {
        let dir = tempfile::tempdir().expect("tempdir");
        let name = format!("gt-e2e-{}-{test}", std::process::id());
        let mut cmd = format!(
            "env -u NO_COLOR -u GRAPHTUI_CONFIG -u GRAPHTUI_PROFILE HOME={home} ",
            home = dir.path().display()
        );
        if let Some(s) = scenario {
            cmd.push_str(&format!("GRAPHTUI_DEMO_SCENARIO='{s}' "));
        }
        cmd.push_str(&format!(
            "{} --demo --data-dir {} --config {}; sleep 30",
            bin(),
            dir.path().display(),
            dir.path().join("config.toml").display()
        ));
        let out = tmux(&[
            "new-session",
            "-d",
            "-s",
            &name,
            "-x",
            "160",
            "-y",
            "48",
            &cmd,
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

    fn data_dir(&self) -> &Path {
        self.dir.path()
    }

    fn keys(&self, keys: &[&str]) {
        let mut args = vec!["send-keys", "-t", &self.name];
        args.extend_from_slice(keys);
        tmux(&args);
    }

    fn text(&self, s: &str) {
        tmux(&["send-keys", "-t", &self.name, "-l", s]);
    }

    fn screen(&self) -> String {
        String::from_utf8_lossy(&tmux(&["capture-pane", "-p", "-t", &self.name]).stdout).to_string()
    }

    /// Waits until the screen contains `needle` (at most `secs`), returning the screen.
    fn wait_for(&self, needle: &str, secs: u64) -> String {
        let deadline = Instant::now() + Duration::from_secs(secs);
        loop {
            let s = self.screen();
            if s.contains(needle) {
                return s;
            }
            if Instant::now() > deadline {
                panic!("timed out after {secs} s waiting for {needle:?}; screen:\n{s}");
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Signs in through the device-code screen and waits for the users list.
    fn sign_in(&self) -> String {
        std::thread::sleep(Duration::from_millis(300));
        let first = self.screen();
        assert!(
            !first.contains("not built yet"),
            "{} is another checkout's build; rebuild or set GRAPHTUI_E2E_BIN",
            bin()
        );
        let s = self.wait_for("Enter the code", 30);
        assert!(s.contains("Sign in to Microsoft Graph"), "{s}");
        assert!(s.contains("devicelogin") || s.contains("http"), "{s}");
        self.wait_for("displayName", 40)
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        let _ = tmux(&["kill-session", "-t", &self.name]);
    }
}

#[test]
fn sign_in_browse_users_and_export_csv() {
    let s = Session::start("browse", None);
    let screen = s.sign_in();
    assert!(
        screen.contains("megan.bowen@"),
        "account in the header:\n{screen}"
    );
    assert!(screen.contains("READ-ONLY"), "{screen}");
    s.wait_for("PARTIAL", 10);
    // Scroll, open a user, back with the cursor kept.
    s.keys(&["j", "j", "j", "Enter"]);
    s.wait_for("properties", 10);
    s.keys(&["Escape"]);
    let list = s.wait_for("4/", 10);
    assert!(list.contains("Users"), "{list}");
    // Export what is loaded as CSV.
    s.keys(&["e"]);
    s.wait_for("export what is loaded", 5);
    s.keys(&["c"]);
    let done = s.wait_for("exported to", 10);
    let exports: Vec<PathBuf> = std::fs::read_dir(s.data_dir().join("exports"))
        .expect("exports dir")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    assert_eq!(exports.len(), 1, "{done}");
    let csv = std::fs::read_to_string(&exports[0]).expect("csv");
    assert!(
        csv.starts_with("displayName,userPrincipalName,mail"),
        "{csv}"
    );
    assert!(csv.lines().count() > 50, "{} lines", csv.lines().count());
    s.keys(&["q"]);
}

#[test]
fn advanced_query_filter() {
    let s = Session::start("advanced", None);
    s.sign_in();
    s.keys(&["f"]);
    s.wait_for("$filter", 5);
    s.text("endsWith(mail,'@contoso-sandbox.onmicrosoft.com')");
    let bar = s.wait_for("ADVANCED QUERY", 5);
    assert!(bar.contains("ConsistencyLevel: eventual"), "{bar}");
    assert!(bar.contains("$count=true"), "{bar}");
    s.keys(&["Enter"]);
    let list = s.wait_for("loaded", 15);
    s.wait_for(
        "$filter=endsWith(mail,'@contoso-sandbox.onmicrosoft.com')",
        15,
    );
    assert!(!list.contains("FAILED"), "{list}");
    let list = s.wait_for("@contoso-sandbox.onmicrosoft.com", 15);
    assert!(list.contains("ADVANCED QUERY"), "{list}");
}

#[test]
fn manager_chain_members_transitive_and_why() {
    let s = Session::start("relations", None);
    s.sign_in();
    s.keys(&[":"]);
    s.text("me");
    s.keys(&["Enter"]);
    s.wait_for("user · properties", 15);
    s.keys(&["m"]);
    s.wait_for("manager chain of Megan Bowen", 10);
    // Megan and her manager, the CEO.
    let chain = s.wait_for("2 loaded", 15);
    assert!(chain.contains("Patti Fernandez"), "{chain}");
    s.keys(&["Escape"]);
    // Megan's groups, then transitive: the nesting chain up to Nest L1.
    s.keys(&["g"]);
    s.wait_for("groups of Megan Bowen (direct)", 10);
    s.wait_for("Nest L6", 15);
    s.keys(&["t"]);
    s.wait_for("groups of Megan Bowen (transitive)", 10);
    s.wait_for("Nest L1", 15);
    s.keys(&["/"]);
    s.text("nest l1");
    s.keys(&["Enter"]);
    s.wait_for("1 of", 5);
    // Why is Megan in Nest L1?
    s.keys(&["w"]);
    let why = s.wait_for("through", 30);
    // Shortest nesting paths, from the member to the group.
    assert!(why.contains("    Megan Bowen → "), "{why}");
    assert!(why.contains("→ Nest L1"), "{why}");
    // Back to the groups (cursor still on Nest L1), then its transitive members.
    s.keys(&["Escape"]);
    // Wait for the list itself (its breadcrumb is on the why screen too): an `M` sent right
    // after Escape would reach the app as Alt-M.
    s.wait_for("1 of", 5);
    s.keys(&["M"]);
    s.wait_for("members of Nest L1 (direct)", 10);
    s.keys(&["t"]);
    s.wait_for("members of Nest L1 (transitive)", 10);
    let members = s.wait_for("Megan Bowen", 20);
    assert!(members.contains("Nest L2"), "{members}");
}

#[test]
fn forbidden_request_opens_the_inspector() {
    let s = Session::start("forbidden", Some("scopes=User.Read+User.ReadBasic.All"));
    s.sign_in();
    s.keys(&[":"]);
    s.text("groups");
    s.keys(&["Enter"]);
    let insp = s.wait_for("Authorization_RequestDenied", 20);
    assert!(insp.contains("403"), "{insp}");
    assert!(insp.contains("What it usually means"), "{insp}");
    assert!(!insp.contains("Bearer ey"), "{insp}");
    s.keys(&["Escape"]);
    let list = s.wait_for("Could not load", 5);
    assert!(list.contains("FAILED"), "{list}");
}

#[test]
fn throttling_is_shown_and_recovered() {
    let s = Session::start("throttle", Some("throttle=2"));
    s.sign_in();
    s.keys(&[":"]);
    s.text("groups");
    s.keys(&["Enter"]);
    s.wait_for("throttled — retrying in", 20);
    let list = s.wait_for("Groups", 20);
    let list2 = s.wait_for("loaded", 20);
    assert!(!list2.contains("FAILED"), "{list}\n{list2}");
    s.keys(&["i"]);
    s.wait_for("retr", 10);
}
