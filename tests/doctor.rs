//! The permission doctor: permission map reproducibility, path matching on real request URLs,
//! diagnosis, error catalogue, copy-as and the support bundle.

use graphtui::doctor::permmap::{Map, Scheme, build_map, embedded};
use std::path::PathBuf;

/// `../shared/...` beside the repository (CI, the main checkout); `../../shared/...` for a git
/// worktree one level deeper (`wt/<branch>`).
fn source_path() -> PathBuf {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let rel = "shared/data/graph-devx-content/permissions.json";
    let near = root.join("..").join(rel);
    if near.exists() {
        return near;
    }
    let far = root.join("../..").join(rel);
    if far.exists() { far } else { near }
}

fn asset_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("assets/permissions-map.json")
}

#[test]
fn permission_map_asset_is_reproducible() {
    let src = source_path();
    let Ok(text) = std::fs::read_to_string(&src) else {
        eprintln!(
            "SKIPPED: {} is absent, so the permission map cannot be regenerated here",
            src.display()
        );
        return;
    };
    let built = build_map(&text).expect("permissions.json builds");
    let fresh = built.to_asset_string();
    let asset = asset_path();
    if std::env::var_os("GRAPHTUI_REGEN_PERMMAP").is_some() {
        std::fs::write(&asset, &fresh).expect("write the asset");
        return;
    }
    let committed = std::fs::read_to_string(&asset).unwrap_or_default();
    assert!(
        committed == fresh,
        "assets/permissions-map.json is out of date with {}: regenerate it with\n    GRAPHTUI_REGEN_PERMMAP=1 cargo test --test doctor permission_map_asset_is_reproducible",
        src.display()
    );
    // And the embedded copy reads back to the same map.
    assert_eq!(&built, embedded());
    assert_eq!(Map::from_asset(&committed).unwrap(), built);
}

#[test]
fn permission_map_is_small_and_complete() {
    let m = embedded();
    assert!(
        graphtui::doctor::permmap::ASSET.len() < 1_000_000,
        "{}",
        graphtui::doctor::permmap::ASSET.len()
    );
    assert!(m.permissions.len() > 800, "{}", m.permissions.len());
    assert!(m.paths.len() > 7000, "{}", m.paths.len());
    let p = m.permission("user.read.all").unwrap();
    let w = p.scheme(Scheme::DelegatedWork).unwrap();
    assert!(w.requires_admin_consent);
    assert_eq!(w.display_name, "Read all users' full profiles");
    assert!(
        !m.permission("User.Read")
            .unwrap()
            .scheme(Scheme::DelegatedWork)
            .unwrap()
            .requires_admin_consent
    );
}
