//! The TOML config file: named profiles, the default profile, key bindings and colours.

use super::cloud::Cloud;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// One named profile: which tenant, cloud and app to use.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Profile {
    /// Tenant id, verified domain, `common` or `organizations`.
    pub tenant: Option<String>,
    /// Which national cloud.
    pub cloud: Option<Cloud>,
    /// The application (client) id used to sign in.
    pub client_id: Option<String>,
    /// Delegated scopes to ask for at sign-in.
    pub scopes: Option<Vec<String>>,
    /// Graph root override, e.g. `https://graph.microsoft.com`.
    pub graph_url: Option<String>,
    /// Identity host override, e.g. `https://login.microsoftonline.com`.
    pub authority_host: Option<String>,
    /// `v1.0` or `beta`.
    pub api_version: Option<String>,
    /// `keyring`, `file` or `none`.
    pub token_cache: Option<String>,
    /// Whether the explorer refuses writes (default true).
    pub read_only: Option<bool>,
    /// HTTP timeout in seconds.
    pub timeout: Option<u64>,
}

/// One or more key names for an action, e.g. `"q"` or `["q", "ctrl-c"]`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum KeyList {
    One(String),
    Many(Vec<String>),
}

impl KeyList {
    /// The key names as a list.
    pub fn keys(&self) -> Vec<String> {
        match self {
            KeyList::One(k) => vec![k.clone()],
            KeyList::Many(v) => v.clone(),
        }
    }
}

/// The whole config file.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConfigFile {
    /// The profile used when `--profile` is not given.
    pub default_profile: Option<String>,
    /// Named profiles.
    #[serde(default)]
    pub profiles: BTreeMap<String, Profile>,
    /// Action name -> key(s); overrides the defaults.
    #[serde(default)]
    pub keys: BTreeMap<String, KeyList>,
    /// Colour role -> colour name or `#rrggbb`.
    #[serde(default)]
    pub colors: BTreeMap<String, String>,
}

/// A config file that could not be used; the message names the file, line and problem.
#[derive(Debug, thiserror::Error)]
pub enum ConfigFileError {
    #[error("cannot read config file {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("config file {path}, line {line}, column {column}: {message}")]
    Syntax {
        path: PathBuf,
        line: usize,
        column: usize,
        message: String,
    },
    #[error(
        "config file {path}, line {line}: '{key}' looks like a secret; secrets are never read from config files. Use AZURE_CLIENT_SECRET or `graphtui login --client-credentials`, which keeps the secret in the OS keyring"
    )]
    Secret {
        path: PathBuf,
        line: usize,
        key: String,
    },
    #[error("config file {path}: {message}")]
    Invalid { path: PathBuf, message: String },
}

const SECRET_KEYS: &[&str] = &[
    "client_secret",
    "secret",
    "password",
    "access_token",
    "refresh_token",
    "token",
    "client_assertion",
];

/// 1-based line and column of a byte offset.
pub fn line_col(src: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(src.len());
    let before = &src[..floor_char_boundary(src, offset)];
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, col)
}

fn floor_char_boundary(s: &str, mut i: usize) -> usize {
    while i > 0 && !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

fn find_secret(table: &toml::Table) -> Option<String> {
    for (k, v) in table {
        if SECRET_KEYS.contains(&k.to_ascii_lowercase().as_str()) {
            return Some(k.clone());
        }
        if let toml::Value::Table(t) = v
            && let Some(found) = find_secret(t)
        {
            return Some(found);
        }
    }
    None
}

impl ConfigFile {
    /// Parses config text; `path` is only used in messages.
    pub fn parse(src: &str, path: &Path) -> Result<ConfigFile, ConfigFileError> {
        let syntax = |e: toml::de::Error| {
            let (line, column) = e.span().map_or((1, 1), |s| line_col(src, s.start));
            ConfigFileError::Syntax {
                path: path.to_path_buf(),
                line,
                column,
                message: e.message().trim().to_string(),
            }
        };
        let table: toml::Table = toml::from_str(src).map_err(syntax)?;
        if let Some(key) = find_secret(&table) {
            let line = src
                .lines()
                .position(|l| {
                    let t = l.trim_start();
                    t.starts_with(&key) && t[key.len()..].trim_start().starts_with('=')
                })
                .map_or(1, |i| i + 1);
            return Err(ConfigFileError::Secret {
                path: path.to_path_buf(),
                line,
                key,
            });
        }
        let file: ConfigFile = toml::from_str(src).map_err(syntax)?;
        if let Some(d) = &file.default_profile
            && !file.profiles.contains_key(d)
        {
            return Err(ConfigFileError::Invalid {
                path: path.to_path_buf(),
                message: format!(
                    "default_profile = \"{d}\" names a profile that is not defined (defined: {})",
                    if file.profiles.is_empty() {
                        "none".to_string()
                    } else {
                        file.profiles.keys().cloned().collect::<Vec<_>>().join(", ")
                    }
                ),
            });
        }
        Ok(file)
    }

    /// Reads a config file; a missing file is an empty config.
    pub fn load(path: &Path) -> Result<ConfigFile, ConfigFileError> {
        match std::fs::read_to_string(path) {
            Ok(src) => ConfigFile::parse(&src, path),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(ConfigFile::default()),
            Err(source) => Err(ConfigFileError::Io {
                path: path.to_path_buf(),
                source,
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p() -> &'static Path {
        Path::new("/tmp/config.toml")
    }

    #[test]
    fn parses_profiles_keys_and_colours() {
        let src = r##"
default_profile = "work"
[profiles.work]
tenant = "contoso.onmicrosoft.com"
cloud = "usgov"
scopes = ["User.Read", "GroupMember.Read.All"]
[profiles.lab]
graph_url = "http://127.0.0.1:8080"
[keys]
quit = ["q", "ctrl-c"]
help = "?"
[colors]
accent = "#3399ff"
"##;
        let f = ConfigFile::parse(src, p()).unwrap();
        assert_eq!(f.default_profile.as_deref(), Some("work"));
        assert_eq!(f.profiles["work"].cloud, Some(Cloud::Usgov));
        assert_eq!(f.keys["quit"].keys(), vec!["q", "ctrl-c"]);
        assert_eq!(f.keys["help"].keys(), vec!["?"]);
    }

    #[test]
    fn syntax_errors_name_file_line_and_column() {
        let src = "default_profile = \"a\"\n[profiles.a]\ntenant = \n";
        let e = ConfigFile::parse(src, p()).unwrap_err().to_string();
        assert!(e.starts_with("config file /tmp/config.toml, line 3"), "{e}");
    }

    #[test]
    fn unknown_keys_and_bad_values_are_errors_with_lines() {
        let src = "[profiles.a]\ntenant = \"x\"\ntenent = \"y\"\n";
        let e = ConfigFile::parse(src, p()).unwrap_err().to_string();
        assert!(e.contains("line 3") && e.contains("tenent"), "{e}");
        let src = "[profiles.a]\ncloud = \"mars\"\n";
        let e = ConfigFile::parse(src, p()).unwrap_err().to_string();
        assert!(e.contains("line 2") && e.contains("mars"), "{e}");
    }

    #[test]
    fn secrets_are_refused() {
        let src = "[profiles.app]\ntenant = \"t\"\nclient_secret = \"abc\"\n";
        let e = ConfigFile::parse(src, p()).unwrap_err().to_string();
        assert!(
            e.contains("line 3") && e.contains("client_secret") && !e.contains("abc"),
            "{e}"
        );
    }

    #[test]
    fn default_profile_must_exist() {
        let e = ConfigFile::parse("default_profile = \"nope\"\n", p())
            .unwrap_err()
            .to_string();
        assert!(e.contains("nope"), "{e}");
    }

    #[test]
    fn missing_file_is_empty_config() {
        let f = ConfigFile::load(Path::new("/nonexistent/graphtui/config.toml")).unwrap();
        assert!(f.profiles.is_empty());
    }
}
