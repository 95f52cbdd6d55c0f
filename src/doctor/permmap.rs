//! The permission map: which Graph permissions grant which API path and method.
//!
//! Derived from Graph Explorer's `permissions.json` (microsoft-graph-devx-content, MIT; see
//! `assets/permissions-map.NOTICE`) by [`build_map`], serialised by [`Map::to_asset_string`] into
//! `assets/permissions-map.json` and embedded in the binary ([`embedded`]). The test
//! `permission_map_asset_is_reproducible` in `tests/doctor.rs` regenerates the asset from
//! `../shared/data/graph-devx-content/permissions.json` and fails when it differs;
//! `GRAPHTUI_REGEN_PERMMAP=1 cargo test --test doctor` rewrites it.
//!
//! Asset layout (JSON, one record per line so diffs stay readable):
//! - `permissions`: sorted by name; per scheme (`w` DelegatedWork, `p` DelegatedPersonal,
//!   `a` Application) the admin display name and description, the user-facing display name when it
//!   differs, whether admin consent is needed and the privilege level (1 least .. 5). `"p": "w"`
//!   means "the same as DelegatedWork".
//! - `paths`: sorted lower-case path templates, each `K|SUFFIX|GRANTS`: the template shares its
//!   first K `/`-separated pieces with the previous one and SUFFIX holds the rest; GRANTS is a
//!   space-separated list of `PERM:METHODS:SCHEMES[:LEAST[:ALSO]]` where PERM is an index into
//!   `permissions`, METHODS letters `G`ET `P`OST `A` PATCH `U` PUT `D`ELETE, SCHEMES and LEAST
//!   scheme letters (LEAST: the source marks this permission least-privileged for those schemes),
//!   ALSO comma-separated permission indexes that are required as well (`AlsoRequires`).
//!
//! The source's `least=` marks are kept as they are. Because some are noisy (a write permission
//! marked least on a GET, Application.Read.All "least" for getMemberGroups), what is *shown* as
//! least privileged is computed by [`Map::requirements`]: source marks minus write permissions on
//! reads, else the lowest privilege level, and a small table of hand-checked overrides
//! ([`OVERRIDES`]) for the endpoints graphtui itself calls.

use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt;
use std::sync::OnceLock;

/// The embedded asset text.
pub const ASSET: &str = include_str!("../../assets/permissions-map.json");

/// A permission scheme (kind of consent).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, Default,
)]
pub enum Scheme {
    /// Delegated, work or school account (`scp` claim).
    #[default]
    DelegatedWork,
    /// Delegated, personal Microsoft account.
    DelegatedPersonal,
    /// Application (app-only, `roles` claim).
    Application,
}

impl Scheme {
    /// Every scheme, in display order.
    pub const ALL: [Scheme; 3] = [
        Scheme::DelegatedWork,
        Scheme::DelegatedPersonal,
        Scheme::Application,
    ];

    /// The kibali key, e.g. `DelegatedWork`.
    pub fn key(self) -> &'static str {
        match self {
            Scheme::DelegatedWork => "DelegatedWork",
            Scheme::DelegatedPersonal => "DelegatedPersonal",
            Scheme::Application => "Application",
        }
    }

    /// A human label.
    pub fn label(self) -> &'static str {
        match self {
            Scheme::DelegatedWork => "Delegated (work or school account)",
            Scheme::DelegatedPersonal => "Delegated (personal Microsoft account)",
            Scheme::Application => "Application",
        }
    }

    fn letter(self) -> char {
        match self {
            Scheme::DelegatedWork => 'w',
            Scheme::DelegatedPersonal => 'p',
            Scheme::Application => 'a',
        }
    }

    fn bit(self) -> u8 {
        match self {
            Scheme::DelegatedWork => 1,
            Scheme::DelegatedPersonal => 2,
            Scheme::Application => 4,
        }
    }

    fn from_key(s: &str) -> Option<Scheme> {
        Scheme::ALL.into_iter().find(|x| x.key() == s)
    }

    fn index(self) -> usize {
        match self {
            Scheme::DelegatedWork => 0,
            Scheme::DelegatedPersonal => 1,
            Scheme::Application => 2,
        }
    }
}

impl fmt::Display for Scheme {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.key())
    }
}

const METHODS: [(&str, char, u8); 5] = [
    ("GET", 'G', 1),
    ("POST", 'P', 2),
    ("PATCH", 'A', 4),
    ("PUT", 'U', 8),
    ("DELETE", 'D', 16),
];

/// The bit for an HTTP method (case-insensitive), or `None` for one the map does not know.
pub fn method_bit(method: &str) -> Option<u8> {
    METHODS
        .iter()
        .find(|(name, _, _)| name.eq_ignore_ascii_case(method))
        .map(|m| m.2)
}

fn bits_to_letters(bits: u8, table: &[(char, u8)]) -> String {
    table
        .iter()
        .filter(|(_, b)| bits & b != 0)
        .map(|(c, _)| *c)
        .collect()
}

fn method_letters() -> Vec<(char, u8)> {
    METHODS.iter().map(|m| (m.1, m.2)).collect()
}

fn scheme_letters() -> Vec<(char, u8)> {
    Scheme::ALL.iter().map(|s| (s.letter(), s.bit())).collect()
}

fn letters_to_bits(s: &str, table: &[(char, u8)]) -> Result<u8, MapError> {
    let mut bits = 0;
    for c in s.chars() {
        let b = table
            .iter()
            .find(|(l, _)| *l == c)
            .ok_or_else(|| MapError::Asset(format!("unknown flag letter '{c}'")))?;
        bits |= b.1;
    }
    Ok(bits)
}

/// What a permission means under one scheme.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SchemeInfo {
    /// Admin-facing display name.
    #[serde(rename = "name")]
    pub display_name: String,
    /// Admin-facing description.
    #[serde(rename = "desc")]
    pub description: String,
    /// User-facing display name, when it differs from the admin one.
    #[serde(rename = "user", default, skip_serializing_if = "Option::is_none")]
    pub user_display_name: Option<String>,
    /// Whether an administrator must consent.
    #[serde(rename = "admin")]
    pub requires_admin_consent: bool,
    /// 1 (least) to 5 (most privileged), when the source gives one.
    #[serde(rename = "level", default, skip_serializing_if = "Option::is_none")]
    pub privilege_level: Option<u8>,
}

/// One permission (`User.Read.All`) and what it means per scheme.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Permission {
    /// The permission value, e.g. `User.Read.All`.
    pub name: String,
    schemes: [Option<SchemeInfo>; 3],
}

impl Permission {
    /// The permission's description under a scheme, if it exists there.
    pub fn scheme(&self, scheme: Scheme) -> Option<&SchemeInfo> {
        self.schemes[scheme.index()].as_ref()
    }

    /// Whether the name suggests it can change data (ReadWrite, Write, Manage, ...).
    pub fn is_write(&self) -> bool {
        is_write_name(&self.name)
    }
}

/// Whether a permission name suggests write access.
pub fn is_write_name(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    n.contains("write")
        || n.contains(".manage")
        || n.contains("fullcontrol")
        || n.contains(".send")
        || n.contains(".create")
        || n.contains(".delete")
        || n.contains(".enabledisable")
        || n.contains(".invite")
}

/// A permission granting a path for some methods and schemes.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Grant {
    /// Index into [`Map::permissions`].
    pub permission: usize,
    /// Method bits (see [`method_bit`]).
    pub methods: u8,
    /// Scheme bits.
    pub schemes: u8,
    /// Schemes for which the source marks this permission least-privileged.
    pub least: u8,
    /// Permissions that are required as well (indexes).
    pub also_requires: Vec<usize>,
}

impl Grant {
    /// Whether the grant covers this method bit and scheme.
    pub fn covers(&self, method: u8, scheme: Scheme) -> bool {
        self.methods & method != 0 && self.schemes & scheme.bit() != 0
    }
}

/// A path template and its grants.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PathEntry {
    /// Lower-case template, e.g. `/users/{id}/memberof`.
    pub template: String,
    /// Grants, sorted.
    pub grants: Vec<Grant>,
}

/// The permission map.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Map {
    /// Permissions, sorted by name.
    pub permissions: Vec<Permission>,
    /// Path templates, sorted.
    pub paths: Vec<PathEntry>,
    by_template: HashMap<String, usize>,
    by_name: HashMap<String, usize>,
}

/// Why a map could not be built or read.
#[derive(Debug, thiserror::Error)]
pub enum MapError {
    /// The source file is not valid permissions.json.
    #[error("permissions.json: {0}")]
    Source(String),
    /// The asset is damaged.
    #[error("permission map asset: {0}")]
    Asset(String),
}

// ---------------------------------------------------------------------------------------------
// Building from the source

#[derive(Deserialize)]
struct SrcFile {
    permissions: BTreeMap<String, SrcPermission>,
}

#[derive(Deserialize)]
struct SrcPermission {
    #[serde(default)]
    schemes: BTreeMap<String, SrcScheme>,
    #[serde(default, rename = "pathSets")]
    path_sets: Vec<SrcPathSet>,
}

#[derive(Deserialize)]
struct SrcScheme {
    #[serde(default, rename = "adminDisplayName")]
    admin_display_name: String,
    #[serde(default, rename = "adminDescription")]
    admin_description: String,
    #[serde(default, rename = "userDisplayName")]
    user_display_name: Option<String>,
    #[serde(default, rename = "requiresAdminConsent")]
    requires_admin_consent: bool,
    #[serde(default, rename = "privilegeLevel")]
    privilege_level: Option<u8>,
}

#[derive(Deserialize)]
struct SrcPathSet {
    #[serde(default, rename = "schemeKeys")]
    scheme_keys: Vec<String>,
    #[serde(default)]
    methods: Vec<String>,
    #[serde(default)]
    paths: BTreeMap<String, String>,
}

fn source_method_bits(m: &str) -> u8 {
    match m {
        "<ReadMethods>" => 1,
        "<WriteMethods>" => 2 | 4 | 8 | 16,
        other => method_bit(other).unwrap_or(0),
    }
}

/// Builds the map from the text of Graph Explorer's `permissions.json` (kibali schema).
pub fn build_map(source_json: &str) -> Result<Map, MapError> {
    let src: SrcFile =
        serde_json::from_str(source_json).map_err(|e| MapError::Source(e.to_string()))?;
    let names: Vec<&String> = src.permissions.keys().collect();
    let index: HashMap<&str, usize> = names
        .iter()
        .enumerate()
        .map(|(i, n)| (n.as_str(), i))
        .collect();
    let mut permissions = Vec::with_capacity(names.len());
    for (name, p) in &src.permissions {
        let mut schemes: [Option<SchemeInfo>; 3] = [None, None, None];
        for (key, s) in &p.schemes {
            let Some(scheme) = Scheme::from_key(key) else {
                continue;
            };
            let user = s
                .user_display_name
                .clone()
                .filter(|u| !u.is_empty() && *u != s.admin_display_name);
            schemes[scheme.index()] = Some(SchemeInfo {
                display_name: s.admin_display_name.trim().to_string(),
                description: s.admin_description.trim().to_string(),
                user_display_name: user.map(|u| u.trim().to_string()),
                requires_admin_consent: s.requires_admin_consent,
                privilege_level: s.privilege_level,
            });
        }
        permissions.push(Permission {
            name: name.clone(),
            schemes,
        });
    }

    // (template, perm, schemes, least, also) -> methods
    type Key = (String, usize, u8, u8, Vec<usize>);
    let mut acc: BTreeMap<Key, u8> = BTreeMap::new();
    for (pi, (_, p)) in src.permissions.iter().enumerate() {
        for set in &p.path_sets {
            let schemes = set
                .scheme_keys
                .iter()
                .filter_map(|k| Scheme::from_key(k))
                .fold(0u8, |b, s| b | s.bit());
            let methods = set
                .methods
                .iter()
                .fold(0u8, |b, m| b | source_method_bits(m));
            if schemes == 0 || methods == 0 {
                continue;
            }
            for (path, value) in &set.paths {
                let template = path.trim().to_ascii_lowercase();
                if template.is_empty() || template.contains('|') || template.contains('\n') {
                    continue;
                }
                let (least, also) = parse_path_value(value, &index);
                let least = least & schemes;
                *acc.entry((template, pi, schemes, least, also)).or_default() |= methods;
            }
        }
    }
    for sup in SUPPLEMENTS {
        let schemes = sup.schemes.iter().fold(0u8, |b, s| b | s.bit());
        let Some(methods) = method_bit(sup.method) else {
            continue;
        };
        for (i, name) in sup.permissions.iter().enumerate() {
            let Some(pi) = index.get(name) else {
                continue;
            };
            let least = if i == 0 { schemes } else { 0 };
            *acc.entry((sup.template.to_string(), *pi, schemes, least, Vec::new()))
                .or_default() |= methods;
        }
    }
    let mut grouped: BTreeMap<String, Vec<Grant>> = BTreeMap::new();
    for ((template, permission, schemes, least, also_requires), methods) in acc {
        grouped.entry(template).or_default().push(Grant {
            permission,
            methods,
            schemes,
            least,
            also_requires,
        });
    }
    let paths = grouped
        .into_iter()
        .map(|(template, mut grants)| {
            grants.sort();
            PathEntry { template, grants }
        })
        .collect();
    Ok(Map::new(permissions, paths))
}

/// Parses a pathSet path value: `""` or `key=value;key=value` with `least=` and `AlsoRequires=`.
fn parse_path_value(value: &str, index: &HashMap<&str, usize>) -> (u8, Vec<usize>) {
    let mut least = 0u8;
    let mut also = BTreeSet::new();
    for part in value.split(';') {
        let Some((k, v)) = part.split_once('=') else {
            continue;
        };
        if k.trim().eq_ignore_ascii_case("least") {
            for s in v.split(',') {
                if let Some(s) = Scheme::from_key(s.trim()) {
                    least |= s.bit();
                }
            }
        } else if k.trim().eq_ignore_ascii_case("alsorequires") {
            for n in v.split(',') {
                if let Some(i) = index.get(n.trim()) {
                    also.insert(*i);
                }
            }
        }
    }
    (least, also.into_iter().collect())
}

// ---------------------------------------------------------------------------------------------
// The asset format

#[derive(Serialize, Deserialize)]
struct AssetPermission {
    name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    w: Option<SchemeInfo>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    p: Option<PersonalInfo>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    a: Option<SchemeInfo>,
}

#[derive(Serialize, Deserialize)]
#[serde(untagged)]
enum PersonalInfo {
    Same(String),
    Info(SchemeInfo),
}

#[derive(Deserialize)]
struct AssetFile {
    permissions: Vec<AssetPermission>,
    paths: Vec<String>,
}

const ABOUT: &str = "Derived from microsoftgraph/microsoft-graph-devx-content permissions/new/permissions.json (MIT, see permissions-map.NOTICE) by graphtui::doctor::permmap::build_map. Do not edit: regenerate with GRAPHTUI_REGEN_PERMMAP=1 cargo test --test doctor. Layout: see src/doctor/permmap.rs.";

fn json_str<T: Serialize>(v: &T) -> String {
    // Serialising plain structs and strings cannot fail.
    serde_json::to_string(v).unwrap_or_default()
}

impl Map {
    fn new(permissions: Vec<Permission>, paths: Vec<PathEntry>) -> Map {
        let by_template = paths
            .iter()
            .enumerate()
            .map(|(i, p)| (p.template.clone(), i))
            .collect();
        let by_name = permissions
            .iter()
            .enumerate()
            .map(|(i, p)| (p.name.to_ascii_lowercase(), i))
            .collect();
        Map {
            permissions,
            paths,
            by_template,
            by_name,
        }
    }

    /// Serialises the map in the asset layout (deterministic).
    pub fn to_asset_string(&self) -> String {
        let mut out = String::with_capacity(700_000);
        out.push_str("{\n\"about\": ");
        out.push_str(&json_str(&ABOUT));
        out.push_str(",\n\"permissions\": [\n");
        for (i, p) in self.permissions.iter().enumerate() {
            let w = p.schemes[0].clone();
            let pers = p.schemes[1].clone().map(|info| {
                if Some(&info) == w.as_ref() {
                    PersonalInfo::Same("w".into())
                } else {
                    PersonalInfo::Info(info)
                }
            });
            let a = AssetPermission {
                name: p.name.clone(),
                w,
                p: pers,
                a: p.schemes[2].clone(),
            };
            out.push_str(&json_str(&a));
            out.push_str(if i + 1 < self.permissions.len() {
                ",\n"
            } else {
                "\n"
            });
        }
        out.push_str("],\n\"paths\": [\n");
        let ml = method_letters();
        let sl = scheme_letters();
        let mut prev: Vec<&str> = Vec::new();
        for (i, e) in self.paths.iter().enumerate() {
            let pieces: Vec<&str> = e.template.split('/').collect();
            let shared = pieces
                .iter()
                .zip(prev.iter())
                .take_while(|(a, b)| a == b)
                .count()
                .min(pieces.len().saturating_sub(1));
            let mut rec = format!("{shared}|{}|", pieces[shared..].join("/"));
            for (gi, g) in e.grants.iter().enumerate() {
                if gi > 0 {
                    rec.push(' ');
                }
                rec.push_str(&format!(
                    "{}:{}:{}",
                    g.permission,
                    bits_to_letters(g.methods, &ml),
                    bits_to_letters(g.schemes, &sl)
                ));
                if g.least != 0 || !g.also_requires.is_empty() {
                    rec.push(':');
                    rec.push_str(&bits_to_letters(g.least, &sl));
                }
                if !g.also_requires.is_empty() {
                    rec.push(':');
                    let also: Vec<String> = g.also_requires.iter().map(|x| x.to_string()).collect();
                    rec.push_str(&also.join(","));
                }
            }
            out.push_str(&json_str(&rec));
            out.push_str(if i + 1 < self.paths.len() {
                ",\n"
            } else {
                "\n"
            });
            prev = pieces;
        }
        out.push_str("]\n}\n");
        out
    }

    /// Reads a map from the asset layout.
    pub fn from_asset(text: &str) -> Result<Map, MapError> {
        let file: AssetFile =
            serde_json::from_str(text).map_err(|e| MapError::Asset(e.to_string()))?;
        let n = file.permissions.len();
        let mut permissions = Vec::with_capacity(n);
        for p in file.permissions {
            let personal = match p.p {
                None => None,
                Some(PersonalInfo::Info(i)) => Some(i),
                Some(PersonalInfo::Same(_)) => p.w.clone(),
            };
            permissions.push(Permission {
                name: p.name,
                schemes: [p.w, personal, p.a],
            });
        }
        let ml = method_letters();
        let sl = scheme_letters();
        let mut paths = Vec::with_capacity(file.paths.len());
        let mut prev: Vec<String> = Vec::new();
        for rec in &file.paths {
            let mut parts = rec.splitn(3, '|');
            let (Some(k), Some(suffix), Some(grants)) = (parts.next(), parts.next(), parts.next())
            else {
                return Err(MapError::Asset(format!("bad path record '{rec}'")));
            };
            let k: usize = k
                .parse()
                .map_err(|_| MapError::Asset(format!("bad prefix count in '{rec}'")))?;
            if k > prev.len() {
                return Err(MapError::Asset(format!(
                    "prefix count too large in '{rec}'"
                )));
            }
            let mut pieces: Vec<String> = prev[..k].to_vec();
            pieces.extend(suffix.split('/').map(str::to_string));
            let template = pieces.join("/");
            let mut gs = Vec::new();
            for g in grants.split(' ').filter(|g| !g.is_empty()) {
                let f: Vec<&str> = g.split(':').collect();
                if f.len() < 3 {
                    return Err(MapError::Asset(format!("bad grant '{g}' in '{rec}'")));
                }
                let permission: usize = f[0]
                    .parse()
                    .ok()
                    .filter(|i| *i < n)
                    .ok_or_else(|| MapError::Asset(format!("bad permission index in '{g}'")))?;
                let also_requires = match f.get(4) {
                    Some(list) => list
                        .split(',')
                        .map(|x| x.parse::<usize>().ok().filter(|i| *i < n))
                        .collect::<Option<Vec<_>>>()
                        .ok_or_else(|| MapError::Asset(format!("bad AlsoRequires in '{g}'")))?,
                    None => Vec::new(),
                };
                gs.push(Grant {
                    permission,
                    methods: letters_to_bits(f[1], &ml)?,
                    schemes: letters_to_bits(f[2], &sl)?,
                    least: letters_to_bits(f.get(3).copied().unwrap_or(""), &sl)?,
                    also_requires,
                });
            }
            paths.push(PathEntry {
                template,
                grants: gs,
            });
            prev = pieces;
        }
        Ok(Map::new(permissions, paths))
    }

    /// A permission by name (case-insensitive).
    pub fn permission(&self, name: &str) -> Option<&Permission> {
        self.by_name
            .get(&name.to_ascii_lowercase())
            .map(|i| &self.permissions[*i])
    }

    /// The entry for a template (lower-case, as in the map).
    pub fn entry(&self, template: &str) -> Option<&PathEntry> {
        self.by_template
            .get(&template.to_ascii_lowercase())
            .map(|i| &self.paths[*i])
    }

    /// Every template, in order.
    pub fn templates(&self) -> impl Iterator<Item = &str> {
        self.paths.iter().map(|p| p.template.as_str())
    }

    /// What a template + method needs, per scheme, with the least-privileged choices first.
    /// Returns an empty list when the template is unknown.
    pub fn requirements(&self, template: &str, method: &str) -> Vec<SchemeRequirement> {
        let Some(entry) = self.entry(template) else {
            return Vec::new();
        };
        let Some(mbit) = method_bit(method) else {
            return Vec::new();
        };
        let read = mbit == 1;
        let mut out = Vec::new();
        // `/me` needs a signed-in user: the source lists Application for a few /me paths, which
        // can never work (Graph answers 400 "/me request is only valid with delegated ...").
        let me = entry.template == "/me" || entry.template.starts_with("/me/");
        for scheme in Scheme::ALL {
            if me && scheme == Scheme::Application {
                continue;
            }
            let mut cands: Vec<Candidate> = Vec::new();
            for g in entry.grants.iter().filter(|g| g.covers(mbit, scheme)) {
                let p = &self.permissions[g.permission];
                let info = p.scheme(scheme);
                let also: Vec<String> = g
                    .also_requires
                    .iter()
                    .map(|i| self.permissions[*i].name.clone())
                    .collect();
                if let Some(c) = cands.iter_mut().find(|c| c.name == p.name) {
                    c.source_least |= g.least & scheme.bit() != 0;
                    continue;
                }
                cands.push(Candidate {
                    name: p.name.clone(),
                    display_name: info.map(|i| i.display_name.clone()).unwrap_or_default(),
                    description: info.map(|i| i.description.clone()).unwrap_or_default(),
                    admin_consent: info.map(|i| i.requires_admin_consent).unwrap_or(true),
                    privilege_level: info.and_then(|i| i.privilege_level),
                    also_requires: also,
                    source_least: g.least & scheme.bit() != 0,
                    least: false,
                    write: p.is_write(),
                });
            }
            if cands.is_empty() {
                continue;
            }
            let over = OVERRIDES.iter().find(|o| {
                o.scheme == scheme
                    && o.method.eq_ignore_ascii_case(method)
                    && o.template == entry.template
            });
            let least: Vec<Vec<String>> = match over {
                Some(o) => o
                    .least
                    .iter()
                    .map(|alt| alt.iter().map(|s| s.to_string()).collect())
                    .collect(),
                None => pick_least(&cands, read, &entry.template),
            };
            for c in &mut cands {
                c.least = least.iter().any(|alt| alt.len() == 1 && alt[0] == c.name)
                    || least
                        .iter()
                        .any(|alt| alt.first() == Some(&c.name) && alt[1..] == c.also_requires[..]);
            }
            cands.sort_by(|a, b| {
                b.least
                    .cmp(&a.least)
                    .then(a.write.cmp(&b.write))
                    .then(
                        a.privilege_level
                            .unwrap_or(9)
                            .cmp(&b.privilege_level.unwrap_or(9)),
                    )
                    .then(a.name.cmp(&b.name))
            });
            out.push(SchemeRequirement {
                scheme,
                least,
                candidates: cands,
                note: over.map(|o| o.note),
                exclusive: over.is_some_and(|o| o.exclusive),
            });
        }
        out
    }
}

/// A permission that is sufficient for a request under one scheme.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Candidate {
    /// Permission value.
    pub name: String,
    /// Admin display name.
    pub display_name: String,
    /// Admin description.
    pub description: String,
    /// Whether admin consent is required.
    pub admin_consent: bool,
    /// Privilege level, 1..5.
    pub privilege_level: Option<u8>,
    /// Other permissions needed with it.
    pub also_requires: Vec<String>,
    /// Marked least-privileged in the source data.
    pub source_least: bool,
    /// Shown as least-privileged (after sanity rules and overrides).
    pub least: bool,
    /// Whether it grants writes.
    pub write: bool,
}

/// The permissions a request needs under one scheme.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SchemeRequirement {
    /// The scheme.
    pub scheme: Scheme,
    /// Least-privileged choices: each inner list is one alternative (all of it is needed).
    pub least: Vec<Vec<String>>,
    /// Every sufficient permission, least-privileged first.
    pub candidates: Vec<Candidate>,
    /// Why the least choice was corrected by hand, when it was.
    pub note: Option<&'static str>,
    /// Only the `least` alternatives (with included permissions) are sufficient: the source's
    /// list is known to be wrong for this endpoint.
    pub exclusive: bool,
}

impl SchemeRequirement {
    /// Whether a set of granted permissions satisfies this requirement (case-insensitive).
    pub fn satisfied_by(&self, granted: &[String]) -> Option<Vec<String>> {
        let held = implied_closure(granted);
        let has = |n: &str| held.contains(&n.to_ascii_lowercase());
        if !self.exclusive {
            for c in &self.candidates {
                if has(&c.name) && c.also_requires.iter().all(|a| has(a)) {
                    let mut v = vec![c.name.clone()];
                    v.extend(c.also_requires.iter().cloned());
                    return Some(v);
                }
            }
        }
        for alt in &self.least {
            if !alt.is_empty() && alt.iter().all(|a| has(a)) {
                return Some(alt.clone());
            }
        }
        None
    }
}

/// Permissions that include others (a holder of the left one may do what the right ones allow).
/// Kept conservative: only the directory families whose reference pages say so; in particular
/// `User.ReadBasic.All` does not include `User.Read` (it cannot read one's own full profile).
const IMPLIES: &[(&str, &[&str])] = &[
    (
        "Directory.ReadWrite.All",
        &[
            "Directory.Read.All",
            "User.ReadWrite.All",
            "Group.ReadWrite.All",
        ],
    ),
    ("Directory.AccessAsUser.All", &["Directory.Read.All"]),
    (
        "Directory.Read.All",
        &[
            "User.Read.All",
            "Group.Read.All",
            "GroupMember.Read.All",
            "Device.Read.All",
            "Application.Read.All",
            "RoleManagement.Read.Directory",
            "Organization.Read.All",
        ],
    ),
    ("User.ReadWrite.All", &["User.Read.All", "User.ReadWrite"]),
    ("User.Read.All", &["User.ReadBasic.All", "User.Read"]),
    ("User.ReadWrite", &["User.Read"]),
    (
        "Group.ReadWrite.All",
        &["Group.Read.All", "GroupMember.ReadWrite.All"],
    ),
    (
        "Group.Read.All",
        &["GroupMember.Read.All", "Group.ReadBasic.All"],
    ),
    ("GroupMember.ReadWrite.All", &["GroupMember.Read.All"]),
    (
        "GroupMember.Read.All",
        &["GroupMember.ReadBasic.All", "Group.ReadBasic.All"],
    ),
    ("Application.ReadWrite.All", &["Application.Read.All"]),
    ("Device.ReadWrite.All", &["Device.Read.All"]),
];

/// The granted permissions plus everything they include ([`IMPLIES`]), lower-cased.
pub fn implied_closure(granted: &[String]) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut stack: Vec<String> = granted.iter().map(|g| g.to_ascii_lowercase()).collect();
    while let Some(p) = stack.pop() {
        if out.insert(p.clone()) {
            for (from, to) in IMPLIES {
                if from.eq_ignore_ascii_case(&p) {
                    stack.extend(to.iter().map(|t| t.to_ascii_lowercase()));
                }
            }
        }
    }
    out
}

impl SchemeRequirement {
    /// The requirement without some permissions (e.g. `User.Read`, which covers only the
    /// signed-in user, when the request addresses another user); the least-privileged choice is
    /// recomputed when it named one of them.
    pub fn excluding(&self, names: &[&str], method: &str, template: &str) -> SchemeRequirement {
        let gone = |n: &str| names.iter().any(|x| x.eq_ignore_ascii_case(n));
        let mut candidates: Vec<Candidate> = self
            .candidates
            .iter()
            .filter(|c| !gone(&c.name) && !c.also_requires.iter().any(|a| gone(a)))
            .cloned()
            .collect();
        let mut least: Vec<Vec<String>> = self
            .least
            .iter()
            .filter(|alt| !alt.iter().any(|n| gone(n)))
            .cloned()
            .collect();
        if least.is_empty() {
            for c in &mut candidates {
                c.least = false;
            }
            least = pick_least(&candidates, method_bit(method) == Some(1), template);
            for c in &mut candidates {
                c.least = least.iter().any(|alt| alt.first() == Some(&c.name));
            }
            candidates.sort_by(|a, b| {
                b.least
                    .cmp(&a.least)
                    .then(a.write.cmp(&b.write))
                    .then(
                        a.privilege_level
                            .unwrap_or(9)
                            .cmp(&b.privilege_level.unwrap_or(9)),
                    )
                    .then(a.name.cmp(&b.name))
            });
        }
        SchemeRequirement {
            scheme: self.scheme,
            least,
            candidates,
            note: self.note,
            exclusive: self.exclusive,
        }
    }
}

/// Chooses the least-privileged permissions from the candidates of one scheme.
fn pick_least(cands: &[Candidate], read: bool, template: &str) -> Vec<Vec<String>> {
    let any_read_only = cands.iter().any(|c| !c.write);
    // `Resource-Qualifier.*` permissions (Group-NestingSupport.ReadWrite.All, User-Mail.ReadWrite.All)
    // cover one property only: never the general least choice when a plain permission exists.
    let hyphen = |c: &Candidate| c.name.contains('-');
    let any_plain = cands.iter().any(|c| !hyphen(c));
    let marked: Vec<&Candidate> = cands
        .iter()
        .filter(|c| {
            c.source_least && !(read && c.write && any_read_only) && !(hyphen(c) && any_plain)
        })
        .collect();
    let alt = |c: &Candidate| {
        let mut v = vec![c.name.clone()];
        v.extend(c.also_requires.iter().cloned());
        v
    };
    if !marked.is_empty() {
        return minimal(marked.into_iter().map(alt).collect());
    }
    // No usable mark: the lowest privilege level, read-only first for reads, plain names (no
    // `Resource-Qualifier.` sub-permission) and names about the path's resource first.
    let resource = template
        .trim_start_matches('/')
        .split('/')
        .next()
        .unwrap_or("")
        .trim_end_matches('s')
        .to_ascii_lowercase();
    let key = |c: &Candidate| {
        let prefix = c.name.split('.').next().unwrap_or("").to_ascii_lowercase();
        (
            read && c.write,
            hyphen(c) || c.name.starts_with("AgentId"),
            c.privilege_level.unwrap_or(9),
            !resource.is_empty() && !prefix.starts_with(&resource),
        )
    };
    let Some(best) = cands.iter().map(key).min() else {
        return Vec::new();
    };
    minimal(cands.iter().filter(|c| key(c) == best).map(alt).collect())
}

/// Drops alternatives that need everything another alternative needs and more.
fn minimal(alts: Vec<Vec<String>>) -> Vec<Vec<String>> {
    let set = |a: &Vec<String>| a.iter().cloned().collect::<BTreeSet<String>>();
    let sets: Vec<BTreeSet<String>> = alts.iter().map(set).collect();
    alts.into_iter()
        .enumerate()
        .filter(|(i, _)| {
            !sets
                .iter()
                .enumerate()
                .any(|(j, o)| j != *i && o.len() < sets[*i].len() && o.is_subset(&sets[*i]))
        })
        .map(|(_, a)| a)
        .collect()
}

/// A path + method the source data lacks, added by hand (first permission = least privileged).
#[derive(Debug)]
pub struct Supplement {
    /// Lower-case template.
    pub template: &'static str,
    /// HTTP method.
    pub method: &'static str,
    /// Schemes.
    pub schemes: &'static [Scheme],
    /// Sufficient permissions, least privileged first.
    pub permissions: &'static [&'static str],
    /// Where it comes from.
    pub source: &'static str,
}

/// Hand-written additions for endpoints graphtui uses that permissions.json lacks (they are
/// part of the generated asset, so regenerating keeps them).
pub const SUPPLEMENTS: &[Supplement] = &[
    Supplement {
        template: "/groups/{id}/members",
        method: "POST",
        schemes: &[Scheme::DelegatedWork, Scheme::Application],
        permissions: &[
            "GroupMember.ReadWrite.All",
            "Group.ReadWrite.All",
            "Directory.ReadWrite.All",
        ],
        source: "group-post-members API page (POST /groups/{id}/members/$ref): GroupMember.ReadWrite.All least; Group.ReadWrite.All, Directory.ReadWrite.All higher",
    },
    Supplement {
        template: "/me",
        method: "PATCH",
        schemes: &[Scheme::DelegatedWork],
        permissions: &[
            "User.ReadWrite",
            "User.ReadWrite.All",
            "Directory.ReadWrite.All",
        ],
        source: "user-update API page: User.ReadWrite is least for the signed-in user",
    },
    Supplement {
        template: "/me",
        method: "PATCH",
        schemes: &[Scheme::DelegatedPersonal],
        permissions: &["User.ReadWrite"],
        source: "user-update API page: User.ReadWrite for personal accounts",
    },
];

/// A hand-checked correction of the least-privileged choice for one endpoint.
#[derive(Debug)]
pub struct Override {
    /// Lower-case template.
    pub template: &'static str,
    /// HTTP method.
    pub method: &'static str,
    /// Scheme.
    pub scheme: Scheme,
    /// Alternatives; each inner list is needed in full.
    pub least: &'static [&'static [&'static str]],
    /// Why, with the source.
    pub note: &'static str,
    /// The source's other permissions are not sufficient on their own (see
    /// [`SchemeRequirement::exclusive`]).
    pub exclusive: bool,
}

const GMG_NOTE: &str = "From the getMemberGroups/checkMemberGroups API pages; permissions.json marks Application.Read.All as least here, which looks like data noise (graph-facts 10.3).";

/// Hand-written corrections, checked against the API pages' permission tables (graph-facts 10.3).
pub const OVERRIDES: &[Override] = &[
    Override {
        template: "/organization",
        method: "GET",
        scheme: Scheme::DelegatedWork,
        least: &[&["User.Read"]],
        note: "organization-list API page: User.Read is least (permissions.json marks DeviceManagementServiceConfig.Read.All).",
        exclusive: false,
    },
    Override {
        template: "/organization",
        method: "GET",
        scheme: Scheme::Application,
        least: &[&["Organization.Read.All"]],
        note: "organization-list API page: Organization.Read.All is least (permissions.json marks DeviceManagementServiceConfig.Read.All).",
        exclusive: false,
    },
    Override {
        template: "/organization/{id}",
        method: "GET",
        scheme: Scheme::DelegatedWork,
        least: &[&["User.Read"]],
        note: "organization-get API page: User.Read is least.",
        exclusive: false,
    },
    Override {
        template: "/organization/{id}",
        method: "GET",
        scheme: Scheme::Application,
        least: &[&["Organization.Read.All"]],
        note: "organization-get API page: Organization.Read.All is least.",
        exclusive: false,
    },
    Override {
        template: "/me/getmembergroups",
        method: "POST",
        scheme: Scheme::DelegatedWork,
        least: &[&["User.Read", "GroupMember.Read.All"]],
        note: GMG_NOTE,
        exclusive: true,
    },
    Override {
        template: "/users/{id}/getmembergroups",
        method: "POST",
        scheme: Scheme::DelegatedWork,
        least: &[&["User.ReadBasic.All", "GroupMember.Read.All"]],
        note: GMG_NOTE,
        exclusive: true,
    },
    Override {
        template: "/users/{id}/getmembergroups",
        method: "POST",
        scheme: Scheme::Application,
        least: &[&["User.Read.All", "GroupMember.Read.All"]],
        note: GMG_NOTE,
        exclusive: true,
    },
    Override {
        template: "/me/checkmembergroups",
        method: "POST",
        scheme: Scheme::DelegatedWork,
        least: &[&["User.Read", "GroupMember.Read.All"]],
        note: GMG_NOTE,
        exclusive: true,
    },
    Override {
        template: "/users/{id}/checkmembergroups",
        method: "POST",
        scheme: Scheme::DelegatedWork,
        least: &[&["User.ReadBasic.All", "GroupMember.Read.All"]],
        note: GMG_NOTE,
        exclusive: true,
    },
    Override {
        template: "/users/{id}/checkmembergroups",
        method: "POST",
        scheme: Scheme::Application,
        least: &[&["User.Read.All", "GroupMember.Read.All"]],
        note: GMG_NOTE,
        exclusive: true,
    },
    Override {
        template: "/groups/{id}/getmembergroups",
        method: "POST",
        scheme: Scheme::DelegatedWork,
        least: &[&["GroupMember.Read.All"]],
        note: GMG_NOTE,
        exclusive: true,
    },
    Override {
        template: "/groups/{id}/getmembergroups",
        method: "POST",
        scheme: Scheme::Application,
        least: &[&["GroupMember.Read.All"]],
        note: GMG_NOTE,
        exclusive: true,
    },
    Override {
        template: "/groups/{id}",
        method: "PATCH",
        scheme: Scheme::DelegatedWork,
        least: &[&["Group.ReadWrite.All"]],
        note: "group-update API page: Group.ReadWrite.All is least; permissions.json marks only property-scoped permissions here.",
        exclusive: false,
    },
    Override {
        template: "/groups/{id}",
        method: "PATCH",
        scheme: Scheme::Application,
        least: &[&["Group.ReadWrite.All"]],
        note: "group-update API page: Group.ReadWrite.All is least; permissions.json marks only property-scoped permissions here.",
        exclusive: false,
    },
    Override {
        template: "/groups/{id}",
        method: "GET",
        scheme: Scheme::DelegatedWork,
        least: &[&["Group.ReadBasic.All"]],
        note: "permissions.json marks only Group-NestingSupport.ReadWrite.All; group-get lists GroupMember.Read.All in older copies and Group.ReadBasic.All is the newer least-privileged read.",
        exclusive: false,
    },
    Override {
        template: "/groups/{id}",
        method: "GET",
        scheme: Scheme::Application,
        least: &[&["Group.ReadBasic.All"]],
        note: "permissions.json marks only Group-NestingSupport.ReadWrite.All; Group.ReadBasic.All is the least-privileged read.",
        exclusive: false,
    },
];

static EMBEDDED: OnceLock<Map> = OnceLock::new();

/// The embedded map, parsed once.
pub fn embedded() -> &'static Map {
    EMBEDDED.get_or_init(|| match Map::from_asset(ASSET) {
        Ok(m) => m,
        Err(e) => {
            // The asset is checked by tests; an empty map keeps the program usable if it is not.
            tracing::error!("{e}");
            Map::default()
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const SMALL: &str = r#"{"permissions":{
      "User.Read":{"schemes":{"DelegatedWork":{"adminDisplayName":"Sign in","adminDescription":"d","userDisplayName":"Sign you in","requiresAdminConsent":false,"privilegeLevel":2},
                              "DelegatedPersonal":{"adminDisplayName":"Sign in","adminDescription":"d","userDisplayName":"Sign you in","requiresAdminConsent":false,"privilegeLevel":2}},
        "pathSets":[{"schemeKeys":["DelegatedWork","DelegatedPersonal"],"methods":["GET"],"paths":{"/me":"least=DelegatedWork","/Users/{id}":""}}]},
      "User.ReadWrite.All":{"schemes":{"DelegatedWork":{"adminDisplayName":"rw","adminDescription":"rw","requiresAdminConsent":true,"privilegeLevel":4},
                                        "Application":{"adminDisplayName":"rw","adminDescription":"rw","requiresAdminConsent":true,"privilegeLevel":4}},
        "pathSets":[{"schemeKeys":["DelegatedWork","Application"],"methods":["GET","PATCH"],"paths":{"/users/{id}":"least=DelegatedWork,Application;AlsoRequires=User.Read"}}]}
    }}"#;

    #[test]
    fn builds_and_round_trips() {
        let m = build_map(SMALL).unwrap();
        assert_eq!(m.permissions.len(), 2);
        assert_eq!(m.paths.len(), 2);
        let text = m.to_asset_string();
        assert!(text.contains("\"p\":\"w\""), "{text}");
        let back = Map::from_asset(&text).unwrap();
        assert_eq!(back, m);
        assert_eq!(back.to_asset_string(), text);
        let e = m.entry("/USERS/{id}").unwrap();
        assert_eq!(e.grants.len(), 2);
        assert_eq!(e.grants[1].also_requires, vec![0]);
    }

    #[test]
    fn write_permission_is_not_least_for_a_read() {
        let m = build_map(SMALL).unwrap();
        let r = m.requirements("/users/{id}", "GET");
        let w = r
            .iter()
            .find(|r| r.scheme == Scheme::DelegatedWork)
            .unwrap();
        assert_eq!(w.least, vec![vec!["User.Read".to_string()]]);
        assert_eq!(w.candidates[0].name, "User.Read");
        // For PATCH only the write permission applies, and it keeps its mark.
        let r = m.requirements("/users/{id}", "PATCH");
        assert_eq!(r.len(), 2);
        assert_eq!(
            r[0].least,
            vec![vec![
                "User.ReadWrite.All".to_string(),
                "User.Read".to_string()
            ]]
        );
        assert!(r[0].candidates[0].least);
    }

    #[test]
    fn bad_assets_are_errors_not_panics() {
        for bad in [
            "",
            "{}",
            r#"{"permissions":[],"paths":["x"]}"#,
            r#"{"permissions":[],"paths":["0|/a|0:G:w"]}"#,
            r#"{"permissions":[{"name":"A"}],"paths":["5|/a|0:G:w"]}"#,
            r#"{"permissions":[{"name":"A"}],"paths":["0|/a|0:Z:w"]}"#,
        ] {
            assert!(Map::from_asset(bad).is_err(), "{bad}");
        }
        assert!(build_map("[1,2]").is_err());
    }

    #[test]
    fn included_permissions() {
        let c = implied_closure(&["Directory.Read.All".into()]);
        for p in [
            "directory.read.all",
            "user.read.all",
            "user.readbasic.all",
            "user.read",
            "groupmember.readbasic.all",
        ] {
            assert!(c.contains(p), "{p}");
        }
        let c = implied_closure(&["User.ReadBasic.All".into()]);
        assert!(!c.contains("user.read"));
        let req = SchemeRequirement {
            scheme: Scheme::DelegatedWork,
            least: vec![vec![
                "User.ReadBasic.All".into(),
                "GroupMember.Read.All".into(),
            ]],
            candidates: vec![],
            note: None,
            exclusive: true,
        };
        assert_eq!(req.satisfied_by(&["User.ReadBasic.All".into()]), None);
        assert!(req.satisfied_by(&["Directory.Read.All".into()]).is_some());
    }

    #[test]
    fn excluding_recomputes_least() {
        let m = build_map(SMALL).unwrap();
        let r = m.requirements("/users/{id}", "GET");
        let w = r
            .iter()
            .find(|r| r.scheme == Scheme::DelegatedWork)
            .unwrap();
        let x = w.excluding(&["User.Read"], "GET", "/users/{id}");
        // User.ReadWrite.All goes too: in SMALL it also requires User.Read.
        assert!(x.candidates.is_empty() && x.least.is_empty(), "{x:?}");
        let x = w.excluding(&["Nothing.Here"], "GET", "/users/{id}");
        assert_eq!(x.least, w.least);
    }

    #[test]
    fn method_bits() {
        assert_eq!(method_bit("get"), Some(1));
        assert_eq!(method_bit("DELETE"), Some(16));
        assert_eq!(method_bit("HEAD"), None);
    }
}
