//! End-to-end: the real binary in tmux against the in-process sandbox (`--demo`), driven by
//! keys, asserting on captured screens. Waits poll the screen with a bound, never fixed sleeps.
//! tmux missing is a failure, not a skip.

use std::path::PathBuf;

mod common;
use common::Session;

#[test]
fn sign_in_browse_users_and_export_csv() {
    let s = Session::explorer("browse", "");
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
    let exports: Vec<PathBuf> = std::fs::read_dir(s.dir().join("exports"))
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
    let s = Session::explorer("advanced", "");
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
    let s = Session::explorer("relations", "");
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
    // Back on Megan's properties before the next key (a key right after Escape is read as Alt).
    s.wait_for("user · properties", 10);
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
    // The levels above the member's own groups went out as JSON batches.
    s.keys(&["i"]);
    s.wait_for("POST /$batch", 10);
    s.keys(&["Escape"]);
    s.wait_for("through", 5);
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
fn forbidden_request_opens_the_inspector_with_the_diagnosis_and_b_saves_a_bundle() {
    // Users can be read, groups cannot: the consented scopes stop at User.Read.All.
    let s = Session::explorer(
        "forbidden",
        "GRAPHTUI_DEMO_SCENARIO='scopes=User.Read+User.Read.All'",
    );
    s.sign_in();
    s.keys(&[":"]);
    s.text("groups");
    s.keys(&["Enter"]);
    let insp = s.wait_for("Permission doctor", 20);
    assert!(insp.contains("403 Authorization_RequestDenied"), "{insp}");
    assert!(insp.contains("least privileged"), "{insp}");
    assert!(insp.contains("--scopes"), "{insp}");
    assert!(
        insp.contains("The token has: User.Read User.Read.All"),
        "{insp}"
    );
    assert!(!insp.contains("Bearer ey"), "{insp}");
    s.keys(&["b"]);
    s.wait_for("support bundle copied to the clipboard and saved to", 10);
    let dir = s.dir().join("bundles");
    let files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{dir:?}: {e}"))
        .filter_map(Result::ok)
        .collect();
    assert_eq!(files.len(), 1, "{files:?}");
    let text = std::fs::read_to_string(files[0].path()).unwrap();
    for want in [
        "status:              403",
        "request-id:",
        "x-ms-ags-diagnostic:",
        "least privileged",
    ] {
        assert!(text.contains(want), "{want} in {text}");
    }
    assert!(!text.contains("eyJ"), "{text}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = files[0].metadata().unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "bundle file mode");
    }
    s.keys(&["Escape"]);
    let list = s.wait_for("Could not load", 5);
    assert!(list.contains("FAILED"), "{list}");
    // Before sending again, the query bar already says it will not work, and why.
    s.keys(&["f"]);
    let bar = s.wait_for("permissions ✗ needs", 5);
    assert!(
        bar.contains("the token has User.Read User.Read.All"),
        "{bar}"
    );
}

#[test]
fn ctx_switches_to_an_app_only_context_and_the_token_view_shows_its_roles() {
    // Every check waits for a whole frame holding all its lines: tmux can be read while
    // the explorer is half-way through drawing one.
    let all =
        |needles: &'static [&'static str]| move |sc: &str| needles.iter().all(|n| sc.contains(n));
    let s = Session::explorer("ctx", "");
    s.sign_in();
    s.keys(&["T"]);
    s.wait_until(
        "the delegated token view",
        10,
        all(&[
            "What this token allows",
            "delegated (a user is signed in)",
            "✓ list groups",
        ]),
    );
    s.keys(&["Escape"]);
    // The next key only once the overlay is gone: sent together, ESC + ':' reads as Alt-:.
    s.wait_until("the token view to close", 5, |sc| {
        !sc.contains("What this token allows")
    });
    s.keys(&[":"]);
    s.text("ctx");
    s.keys(&["Enter"]);
    s.wait_until(
        "the context picker",
        5,
        all(&["switch context (now: demo", "demo-reader", "Enter switches"]),
    );
    s.keys(&["Down"]);
    s.keys(&["Down"]);
    s.keys(&["Enter"]);
    // Client credentials: no device code; the header says app-only and the list loads.
    s.wait_until(
        "the app-only header",
        30,
        all(&["(app-only)", "demo-reader"]),
    );
    s.wait_for("displayName", 30);
    s.keys(&["T"]);
    s.wait_until(
        "the app-only token view",
        10,
        all(&[
            "roles:     User.ReadBasic.All",
            "app-only (no user)",
            "✗ list groups",
        ]),
    );
    s.keys(&["Escape"]);
    // The next key only once the overlay is gone: sent together, ESC + ':' reads as Alt-:.
    s.wait_until("the token view to close", 5, |sc| {
        !sc.contains("What this token allows")
    });
    s.keys(&[":"]);
    s.text("groups");
    s.keys(&["Enter"]);
    s.wait_until(
        "the diagnosis of the 403",
        20,
        all(&[
            "Permission doctor",
            "(Application)",
            "The token has: User.ReadBasic.All",
        ]),
    );
}

#[test]
fn throttling_is_shown_and_recovered() {
    let s = Session::explorer("throttle", "GRAPHTUI_DEMO_SCENARIO='throttle=2'");
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

#[test]
fn a_burst_of_typing_arrives_whole_and_the_bar_keeps_up() {
    let s = Session::explorer("burst", "");
    s.sign_in();
    s.keys(&["f"]);
    s.wait_for("query /users", 5);
    // 900 characters at once (tmux writes them in one go, like a paste): applied in bursts,
    // one frame per burst, none lost.
    let filter: String = (0..22)
        .map(|i| format!("startswith(displayName,'abcdefgh{i:02}') or "))
        .collect::<String>()
        + "accountEnabled eq tru";
    s.text(&filter);
    let bar = s.wait_for("accountEnabled eq tru", 15);
    assert!(bar.contains("query /users"), "{bar}");
    // Still answering: the last character completes the filter and clears its error.
    s.text("e");
    s.wait_until("the filter to lint clean", 5, |sc| {
        sc.contains("eq true") && !sc.contains("not a condition")
    });
}
