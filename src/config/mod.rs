//! Configuration: clouds, profiles, and the layering of flags, environment and config file
//! into one resolved [`Settings`].

mod cloud;
pub mod endpoint;
pub mod file;

pub use cloud::Cloud;
pub use endpoint::{EndpointError, is_loopback_host, parse_endpoint, same_origin};
pub use file::{ConfigFile, ConfigFileError, KeyList, Profile};

use crate::cli::{ApiVersion, GlobalArgs, TokenCacheKind};
use std::path::{Path, PathBuf};
use std::time::Duration;
use url::Url;

/// The public client id of "Microsoft Graph Command Line Tools" (the Graph PowerShell SDK's app),
/// which needs no app registration.
pub const DEFAULT_CLIENT_ID: &str = "14d82eec-204b-4c2f-b7e8-296a70dab67e";

/// Delegated scopes asked for by default: enough to browse users, groups, managers and
/// membership (another user's manager needs User.Read.All; group members GroupMember.Read.All).
pub const DEFAULT_SCOPES: &[&str] = &[
    "User.Read",
    "User.Read.All",
    "GroupMember.Read.All",
    "offline_access",
    "openid",
    "profile",
];

/// Default HTTP timeout.
pub const DEFAULT_TIMEOUT_SECS: u64 = 100;

/// Settings resolved from flags, `GRAPHTUI_*` / `AZURE_*` environment, the profile and defaults,
/// in that order of precedence.
#[derive(Debug, Clone)]
pub struct Settings {
    /// The profile name in use (`default` when none is configured).
    pub profile: String,
    /// Tenant segment for the identity platform.
    pub tenant: String,
    /// Application (client) id.
    pub client_id: String,
    /// The cloud (labels only when endpoints are overridden).
    pub cloud: Cloud,
    /// Identity host origin.
    pub authority_host: Url,
    /// Graph root origin (no version).
    pub graph_root: Url,
    /// `v1.0` or `beta`.
    pub api_version: ApiVersion,
    /// Delegated scopes to ask for.
    pub scopes: Vec<String>,
    /// Where tokens are cached.
    pub token_cache: TokenCacheKind,
    /// Refuse writes.
    pub read_only: bool,
    /// HTTP timeout.
    pub timeout: Duration,
    /// Running against the embedded sandbox.
    pub demo: bool,
    /// Log verbosity (0 = no log file).
    pub verbose: u8,
    /// The config file path that was read (it may not exist).
    pub config_path: PathBuf,
    /// Data directory (token cache file, history, logs).
    pub data_dir: PathBuf,
    /// Client secret from `AZURE_CLIENT_SECRET`, for app-only sign-in. Never printed.
    pub client_secret: Option<crate::util::Secret>,
    /// The loaded config file (key bindings, colours).
    pub file: ConfigFile,
}

/// Why settings could not be resolved.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error(transparent)]
    File(#[from] ConfigFileError),
    #[error("profile '{name}' is not defined in {path} (defined: {defined})")]
    UnknownProfile {
        name: String,
        path: PathBuf,
        defined: String,
    },
    #[error("{what}: {source}")]
    Endpoint {
        what: &'static str,
        #[source]
        source: EndpointError,
    },
    #[error("{0}")]
    Invalid(String),
}

/// The platform config file path (`$XDG_CONFIG_HOME/graphtui/config.toml` and the like).
pub fn default_config_path() -> PathBuf {
    directories::ProjectDirs::from("", "", "graphtui")
        .map(|d| d.config_dir().join("config.toml"))
        .unwrap_or_else(|| PathBuf::from("graphtui-config.toml"))
}

/// The platform data directory.
pub fn default_data_dir() -> PathBuf {
    directories::ProjectDirs::from("", "", "graphtui")
        .map(|d| d.data_dir().to_path_buf())
        .unwrap_or_else(|| PathBuf::from(".graphtui"))
}

/// Splits a scope list given as comma and/or space separated text.
pub fn split_scopes(s: &str) -> Vec<String> {
    s.split([',', ' '])
        .map(str::trim)
        .filter(|x| !x.is_empty())
        .map(str::to_string)
        .collect()
}

impl Settings {
    /// Resolves settings from the process environment and the config file on disk.
    pub fn resolve(args: &GlobalArgs) -> Result<Settings, ConfigError> {
        let path = args.config.clone().unwrap_or_else(default_config_path);
        let file = ConfigFile::load(&path)?;
        Settings::resolve_with(args, &|k| std::env::var(k).ok(), file, &path)
    }

    /// Resolves settings from explicit inputs (used by tests).
    pub fn resolve_with(
        args: &GlobalArgs,
        env: &dyn Fn(&str) -> Option<String>,
        file: ConfigFile,
        config_path: &Path,
    ) -> Result<Settings, ConfigError> {
        let env = |k: &str| env(k).filter(|v| !v.trim().is_empty());
        let profile_name = args
            .profile
            .clone()
            .or_else(|| file.default_profile.clone())
            .unwrap_or_else(|| "default".to_string());
        let profile = match file.profiles.get(&profile_name) {
            Some(p) => p.clone(),
            None if args.profile.is_some() => {
                return Err(ConfigError::UnknownProfile {
                    name: profile_name,
                    path: config_path.to_path_buf(),
                    defined: if file.profiles.is_empty() {
                        "none".into()
                    } else {
                        file.profiles.keys().cloned().collect::<Vec<_>>().join(", ")
                    },
                });
            }
            None => Profile::default(),
        };
        let cloud = args.cloud.or(profile.cloud).unwrap_or_default();
        let tenant = args
            .tenant
            .clone()
            .or_else(|| env("AZURE_TENANT_ID"))
            .or(profile.tenant.clone())
            .unwrap_or_else(|| "organizations".to_string());
        if tenant.trim().is_empty() || tenant.contains(['/', '?', '#', ' ']) {
            return Err(ConfigError::Invalid(format!(
                "tenant '{tenant}' is not a tenant id, domain, 'common' or 'organizations'"
            )));
        }
        let client_id = args
            .client_id
            .clone()
            .or_else(|| env("AZURE_CLIENT_ID"))
            .or(profile.client_id.clone())
            .unwrap_or_else(|| DEFAULT_CLIENT_ID.to_string());
        let authority_raw = args
            .authority_host
            .clone()
            .or_else(|| env("AZURE_AUTHORITY_HOST"))
            .or(profile.authority_host.clone())
            .unwrap_or_else(|| cloud.authority_host().to_string());
        let authority_host =
            parse_endpoint(&authority_raw).map_err(|source| ConfigError::Endpoint {
                what: "authority host",
                source,
            })?;
        let graph_raw = args
            .graph_url
            .clone()
            .or(profile.graph_url.clone())
            .unwrap_or_else(|| cloud.graph_root().to_string());
        let graph_root = parse_endpoint(&graph_raw).map_err(|source| ConfigError::Endpoint {
            what: "Graph URL",
            source,
        })?;
        let api_version = match (args.api_version, &profile.api_version) {
            (Some(v), _) => v,
            (None, Some(s)) => s.parse().map_err(ConfigError::Invalid)?,
            (None, None) => ApiVersion::V1,
        };
        let scopes = args
            .scopes
            .as_deref()
            .map(split_scopes)
            .or(profile.scopes.clone())
            .unwrap_or_else(|| DEFAULT_SCOPES.iter().map(|s| s.to_string()).collect());
        let token_cache = match (args.token_cache, &profile.token_cache) {
            (Some(k), _) => k,
            (None, Some(s)) => match s.as_str() {
                "keyring" => TokenCacheKind::Keyring,
                "file" => TokenCacheKind::File,
                "none" => TokenCacheKind::None,
                other => {
                    return Err(ConfigError::Invalid(format!(
                        "token_cache = \"{other}\" in profile '{profile_name}': expected keyring, file or none"
                    )));
                }
            },
            (None, None) => TokenCacheKind::Keyring,
        };
        let timeout = args
            .timeout
            .or(profile.timeout)
            .unwrap_or(DEFAULT_TIMEOUT_SECS);
        if timeout == 0 {
            return Err(ConfigError::Invalid(
                "timeout must be at least 1 second".into(),
            ));
        }
        Ok(Settings {
            profile: profile_name,
            tenant,
            client_id,
            cloud,
            authority_host,
            graph_root,
            api_version,
            scopes,
            token_cache,
            read_only: args.read_only.or(profile.read_only).unwrap_or(true),
            timeout: Duration::from_secs(timeout),
            demo: args.demo,
            verbose: args.verbose,
            config_path: config_path.to_path_buf(),
            data_dir: args.data_dir.clone().unwrap_or_else(default_data_dir),
            client_secret: env("AZURE_CLIENT_SECRET").map(crate::util::Secret::new),
            file,
        })
    }

    /// The settings of another profile (and optionally another tenant) for switching at run
    /// time: the config file is read again (so edits since start-up count), the environment
    /// still applies, while command-line overrides of the first profile do not carry over
    /// (only `--data-dir`, `--demo` and `-v`, which belong to the session).
    pub fn switch_to(&self, profile: &str, tenant: Option<&str>) -> Result<Settings, ConfigError> {
        self.switch_to_with(profile, tenant, &|k| std::env::var(k).ok())
    }

    /// [`Settings::switch_to`] with an explicit environment (for tests).
    pub fn switch_to_with(
        &self,
        profile: &str,
        tenant: Option<&str>,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Settings, ConfigError> {
        let file = ConfigFile::load(&self.config_path)?;
        if profile == self.profile && !file.profiles.contains_key(profile) {
            // The implicit profile (no such section in the file): the session's own settings,
            // with the tenant changed if asked.
            let tenant = tenant.map_or(self.tenant.clone(), str::to_string);
            if tenant.trim().is_empty() || tenant.contains(['/', '?', '#', ' ']) {
                return Err(ConfigError::Invalid(format!(
                    "tenant '{tenant}' is not a tenant id, domain, 'common' or 'organizations'"
                )));
            }
            return Ok(Settings {
                tenant,
                ..self.clone()
            });
        }
        let args = GlobalArgs {
            profile: Some(profile.to_string()),
            tenant: tenant.map(str::to_string),
            demo: self.demo,
            verbose: self.verbose,
            config: Some(self.config_path.clone()),
            data_dir: Some(self.data_dir.clone()),
            ..GlobalArgs::default()
        };
        Settings::resolve_with(&args, env, file, &self.config_path)
    }

    /// The Graph base URL with version, e.g. `https://graph.microsoft.com/v1.0`.
    pub fn graph_base(&self) -> String {
        format!(
            "{}/{}",
            endpoint::origin_string(&self.graph_root),
            self.api_version.as_str()
        )
    }

    /// The app-only scope for this Graph root, e.g. `https://graph.microsoft.com/.default`.
    pub fn default_scope(&self) -> String {
        format!("{}/.default", endpoint::origin_string(&self.graph_root))
    }

    /// `{authority}/{tenant}/oauth2/v2.0/{leaf}`.
    pub fn oauth_url(&self, leaf: &str) -> String {
        format!(
            "{}/{}/oauth2/v2.0/{}",
            endpoint::origin_string(&self.authority_host),
            self.tenant,
            leaf
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn resolve(
        args: GlobalArgs,
        env: &[(&str, &str)],
        toml_src: &str,
    ) -> Result<Settings, ConfigError> {
        let env: HashMap<String, String> = env
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let path = Path::new("/x/config.toml");
        let file = ConfigFile::parse(toml_src, path)?;
        Settings::resolve_with(&args, &|k| env.get(k).cloned(), file, path)
    }

    #[test]
    fn switching_profile_rereads_the_file_and_drops_first_profile_overrides() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.toml");
        std::fs::write(
            &path,
            "[profiles.work]\ntenant = \"contoso.onmicrosoft.com\"\n\n[profiles.gov]\ncloud = \"usgov\"\ntenant = \"contoso.onmicrosoft.us\"\nread_only = false\n",
        )
        .unwrap();
        let args = GlobalArgs {
            profile: Some("work".into()),
            client_id: Some("11111111-1111-1111-1111-111111111111".into()),
            config: Some(path.clone()),
            data_dir: Some(dir.path().to_path_buf()),
            ..GlobalArgs::default()
        };
        let no_env = |_: &str| None;
        let file = ConfigFile::load(&path).unwrap();
        let s = Settings::resolve_with(&args, &no_env, file, &path).unwrap();
        assert_eq!(s.client_id, "11111111-1111-1111-1111-111111111111");
        let g = s.switch_to_with("gov", None, &no_env).unwrap();
        assert_eq!(g.profile, "gov");
        assert_eq!(g.cloud, Cloud::Usgov);
        assert_eq!(g.tenant, "contoso.onmicrosoft.us");
        assert_eq!(g.graph_base(), "https://graph.microsoft.us/v1.0");
        assert!(!g.read_only);
        // --client-id belonged to the first profile; the data dir belongs to the session.
        assert_eq!(g.client_id, DEFAULT_CLIENT_ID);
        assert_eq!(g.data_dir, dir.path());
        // The environment still applies.
        let env_app = |k: &str| {
            (k == "AZURE_CLIENT_ID").then(|| "22222222-2222-2222-2222-222222222222".to_string())
        };
        let e = s.switch_to_with("gov", None, &env_app).unwrap();
        assert_eq!(e.client_id, "22222222-2222-2222-2222-222222222222");
        // Another tenant in the same profile; a tenant that is not one is refused.
        let t = s
            .switch_to_with("work", Some("fabrikam.com"), &no_env)
            .unwrap();
        assert_eq!(t.tenant, "fabrikam.com");
        assert!(s.switch_to_with("work", Some("a b"), &no_env).is_err());
        // The file is read again: a profile added since start-up is there; unknown is an error.
        std::fs::write(&path, "[profiles.new]\ntenant = \"new.example\"\n").unwrap();
        assert_eq!(
            s.switch_to_with("new", None, &no_env).unwrap().tenant,
            "new.example"
        );
        let e = s
            .switch_to_with("gov", None, &no_env)
            .unwrap_err()
            .to_string();
        assert!(e.contains("gov"), "{e}");
        // The implicit profile (no section) keeps the session's settings.
        let d = Settings::resolve_with(
            &GlobalArgs {
                config: Some(path.clone()),
                ..GlobalArgs::default()
            },
            &no_env,
            ConfigFile::default(),
            &path,
        )
        .unwrap();
        let d2 = d
            .switch_to_with("default", Some("other.example"), &no_env)
            .unwrap();
        assert_eq!(
            (d2.profile.as_str(), d2.tenant.as_str()),
            ("default", "other.example")
        );
    }

    #[test]
    fn defaults_are_global_cloud_and_public_client() {
        let s = resolve(GlobalArgs::default(), &[], "").unwrap();
        assert_eq!(s.cloud, Cloud::Global);
        assert_eq!(s.client_id, DEFAULT_CLIENT_ID);
        assert_eq!(s.graph_base(), "https://graph.microsoft.com/v1.0");
        assert_eq!(
            s.oauth_url("devicecode"),
            "https://login.microsoftonline.com/organizations/oauth2/v2.0/devicecode"
        );
        assert_eq!(s.default_scope(), "https://graph.microsoft.com/.default");
        assert!(s.read_only);
        assert!(s.scopes.contains(&"User.Read.All".to_string()));
    }

    #[test]
    fn flags_beat_azure_env_beats_profile() {
        let toml_src = "default_profile = \"p\"\n[profiles.p]\ntenant = \"from-file\"\ncloud = \"china\"\nclient_id = \"file-client\"\n";
        let s = resolve(
            GlobalArgs::default(),
            &[("AZURE_TENANT_ID", "from-env")],
            toml_src,
        )
        .unwrap();
        assert_eq!(s.tenant, "from-env");
        assert_eq!(s.client_id, "file-client");
        assert_eq!(s.cloud, Cloud::China);
        assert_eq!(
            s.graph_root.as_str(),
            "https://microsoftgraph.chinacloudapi.cn/"
        );
        let args = GlobalArgs {
            tenant: Some("from-flag".into()),
            ..Default::default()
        };
        let s = resolve(args, &[("AZURE_TENANT_ID", "from-env")], toml_src).unwrap();
        assert_eq!(s.tenant, "from-flag");
    }

    #[test]
    fn overrides_and_loopback() {
        let args = GlobalArgs {
            graph_url: Some("http://127.0.0.1:4000".into()),
            authority_host: Some("http://127.0.0.1:4000/".into()),
            api_version: Some(ApiVersion::Beta),
            ..Default::default()
        };
        let s = resolve(args, &[], "").unwrap();
        assert_eq!(s.graph_base(), "http://127.0.0.1:4000/beta");
        assert_eq!(
            s.oauth_url("token"),
            "http://127.0.0.1:4000/organizations/oauth2/v2.0/token"
        );
        let args = GlobalArgs {
            graph_url: Some("http://evil.example".into()),
            ..Default::default()
        };
        let e = resolve(args, &[], "").unwrap_err().to_string();
        assert!(e.contains("Graph URL") && e.contains("plain http"), "{e}");
    }

    #[test]
    fn unknown_profile_is_an_error() {
        let args = GlobalArgs {
            profile: Some("nope".into()),
            ..Default::default()
        };
        let e = resolve(args, &[], "[profiles.a]\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains("nope") && e.contains("defined: a"), "{e}");
    }

    #[test]
    fn secret_comes_from_env_only_and_is_redacted() {
        let s = resolve(
            GlobalArgs::default(),
            &[("AZURE_CLIENT_SECRET", "s3cr3t-value")],
            "",
        )
        .unwrap();
        assert_eq!(s.client_secret.as_ref().unwrap().expose(), "s3cr3t-value");
        assert!(!format!("{s:?}").contains("s3cr3t-value"));
    }
}
