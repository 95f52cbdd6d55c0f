//! The command line as a user meets it: help, bad config, bad endpoints, completions.

use std::process::Command;

fn graphtui() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_graphtui"));
    // Never read the developer's real config or data.
    let tmp = std::env::temp_dir().join(format!("graphtui-cli-test-{}", std::process::id()));
    c.env("GRAPHTUI_CONFIG", tmp.join("none.toml"))
        .env("GRAPHTUI_DATA_DIR", tmp.join("data"))
        .env_remove("AZURE_CLIENT_SECRET")
        .env_remove("AZURE_TENANT_ID")
        .env_remove("AZURE_CLIENT_ID")
        .env_remove("AZURE_AUTHORITY_HOST");
    c
}

fn write_config(name: &str, text: &str) -> std::path::PathBuf {
    let dir = tempfile::tempdir().unwrap().keep();
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

#[test]
fn help_lists_every_subcommand_and_global_option() {
    let out = graphtui().arg("--help").output().unwrap();
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    for word in [
        "login",
        "logout",
        "whoami",
        "get",
        "filter",
        "explain",
        "sandbox",
        "completions",
        "--profile",
        "--tenant",
        "--client-id",
        "--cloud",
        "--authority-host",
        "--graph-url",
        "--api-version",
        "--demo",
        "--read-only",
        "--timeout",
        "--verbose",
    ] {
        assert!(text.contains(word), "--help lacks {word}:\n{text}");
    }
}

#[test]
fn broken_config_names_file_and_line_and_exits_2() {
    let p = write_config(
        "config.toml",
        "[profiles.work]\ntenant = \"contoso.com\"\ncloud = \"moon\"\n",
    );
    let out = graphtui()
        .env("GRAPHTUI_CONFIG", &p)
        .args(["filter", "check", "a eq 'b'"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(&p.display().to_string()) && err.contains("line 3"),
        "{err}"
    );
}

#[test]
fn secret_in_config_is_refused_without_echoing_it() {
    let p = write_config(
        "config.toml",
        "[profiles.app]\nclient_secret = \"Zx9~very-secret\"\n",
    );
    let out = graphtui()
        .env("GRAPHTUI_CONFIG", &p)
        .arg("whoami")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("client_secret") && !err.contains("very-secret"),
        "{err}"
    );
}

#[test]
fn plain_http_to_a_remote_host_is_refused() {
    let out = graphtui()
        .args(["--graph-url", "http://graph.example.test", "whoami"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("plain http"), "{err}");
}

#[test]
fn unknown_profile_is_a_usage_error() {
    let out = graphtui()
        .args(["--profile", "ghost", "whoami"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("ghost"));
}

#[test]
fn completions_are_generated() {
    let out = graphtui().args(["completions", "bash"]).output().unwrap();
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("graphtui"));
}
