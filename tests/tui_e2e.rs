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
    let s = Session::explorer(
        "forbidden",
        "GRAPHTUI_DEMO_SCENARIO='scopes=User.Read+User.ReadBasic.All'",
    );
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
