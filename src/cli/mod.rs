//! The command line: global options, subcommands, and exit codes.

use crate::config::Cloud;
use clap::{ArgAction, Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

pub mod completions;
pub mod explain;
pub mod filter;
pub mod get;
pub mod login;
pub mod sandbox;
pub mod whoami;

/// Exit codes shared by every subcommand.
pub mod exit {
    /// Success.
    pub const OK: u8 = 0;
    /// Graph answered with an error, or a check found errors.
    pub const FAILURE: u8 = 1;
    /// Bad usage or configuration.
    pub const USAGE: u8 = 2;
    /// Sign-in is needed or failed.
    pub const AUTH: u8 = 3;
}

/// A terminal explorer for Microsoft Graph and Entra ID.
///
/// With no subcommand it opens the explorer. `graphtui --demo` runs everything against the
/// embedded sandbox tenant, with no account needed.
#[derive(Debug, Parser)]
#[command(name = "graphtui", version, about, long_about = None, propagate_version = true)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// The HTTP API version segment.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Default, ValueEnum, serde::Serialize, serde::Deserialize,
)]
pub enum ApiVersion {
    #[default]
    #[value(name = "v1.0")]
    #[serde(rename = "v1.0")]
    V1,
    #[value(name = "beta")]
    #[serde(rename = "beta")]
    Beta,
}

impl ApiVersion {
    /// The path segment, `v1.0` or `beta`.
    pub fn as_str(self) -> &'static str {
        match self {
            ApiVersion::V1 => "v1.0",
            ApiVersion::Beta => "beta",
        }
    }
}

impl std::str::FromStr for ApiVersion {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "v1.0" | "v1" => Ok(ApiVersion::V1),
            "beta" => Ok(ApiVersion::Beta),
            _ => Err(format!("unknown API version '{s}': expected v1.0 or beta")),
        }
    }
}

/// Where tokens are cached.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TokenCacheKind {
    /// The OS keyring, falling back to a 0600 file when none is available.
    Keyring,
    /// A 0600 file in the data directory.
    File,
    /// Memory only: nothing is written.
    None,
}

/// Output formats for commands that print data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, ValueEnum)]
pub enum OutputFormat {
    #[default]
    Json,
    Ndjson,
    Csv,
    Table,
    Text,
}

/// Options that apply to every subcommand. Each has a `GRAPHTUI_*` environment equivalent.
#[derive(Debug, Clone, Args, Default)]
pub struct GlobalArgs {
    /// Named profile from the config file.
    #[arg(long, global = true, env = "GRAPHTUI_PROFILE", value_name = "NAME")]
    pub profile: Option<String>,
    /// Tenant id, verified domain, `common` or `organizations` (also AZURE_TENANT_ID).
    #[arg(long, global = true, env = "GRAPHTUI_TENANT", value_name = "ID")]
    pub tenant: Option<String>,
    /// Application (client) id; default: Microsoft Graph Command Line Tools (also AZURE_CLIENT_ID).
    #[arg(long, global = true, env = "GRAPHTUI_CLIENT_ID", value_name = "GUID")]
    pub client_id: Option<String>,
    /// National cloud.
    #[arg(long, global = true, env = "GRAPHTUI_CLOUD", value_enum)]
    pub cloud: Option<Cloud>,
    /// Identity host, e.g. https://login.microsoftonline.com (also AZURE_AUTHORITY_HOST).
    #[arg(
        long,
        global = true,
        env = "GRAPHTUI_AUTHORITY_HOST",
        value_name = "URL"
    )]
    pub authority_host: Option<String>,
    /// Graph root without version, e.g. https://graph.microsoft.com.
    #[arg(long, global = true, env = "GRAPHTUI_GRAPH_URL", value_name = "URL")]
    pub graph_url: Option<String>,
    /// Graph API version.
    #[arg(long, global = true, env = "GRAPHTUI_API_VERSION", value_enum)]
    pub api_version: Option<ApiVersion>,
    /// Delegated scopes to ask for at sign-in (comma or space separated).
    #[arg(long, global = true, env = "GRAPHTUI_SCOPES", value_name = "SCOPES")]
    pub scopes: Option<String>,
    /// Where to cache tokens.
    #[arg(long, global = true, env = "GRAPHTUI_TOKEN_CACHE", value_enum)]
    pub token_cache: Option<TokenCacheKind>,
    /// Run against the embedded sandbox tenant (no account needed).
    #[arg(long, global = true, env = "GRAPHTUI_DEMO")]
    pub demo: bool,
    /// Refuse write requests (default on; `--read-only=false` to allow writes).
    #[arg(long, global = true, env = "GRAPHTUI_READ_ONLY", value_name = "BOOL",
          num_args = 0..=1, default_missing_value = "true", action = ArgAction::Set)]
    pub read_only: Option<bool>,
    /// HTTP timeout in seconds.
    #[arg(long, global = true, env = "GRAPHTUI_TIMEOUT", value_name = "SECS")]
    pub timeout: Option<u64>,
    /// Log to a file in the data directory (-v info, -vv debug, -vvv trace). Never to the terminal.
    #[arg(short, long, global = true, action = ArgAction::Count)]
    pub verbose: u8,
    /// Config file (default: the platform's config dir, graphtui/config.toml).
    #[arg(long, global = true, env = "GRAPHTUI_CONFIG", value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Data directory for the token cache file, history and logs.
    #[arg(long, global = true, env = "GRAPHTUI_DATA_DIR", value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
}

/// Subcommands. With none, the explorer opens.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Sign in and cache the tokens (device code by default).
    Login(login::LoginArgs),
    /// Remove the profile's cached tokens from every store.
    Logout,
    /// Show the signed-in account, tenant, cloud, token expiry and permissions.
    Whoami(whoami::WhoamiArgs),
    /// Run a GET request and print the results.
    Get(get::GetArgs),
    /// Work with OData $filter expressions.
    Filter {
        #[command(subcommand)]
        command: filter::FilterCommand,
    },
    /// Show the permissions a request needs and whether the current token has them.
    Explain(explain::ExplainArgs),
    /// Run the sandbox tenant.
    Sandbox {
        #[command(subcommand)]
        command: sandbox::SandboxCommand,
    },
    /// Print shell completions.
    Completions(completions::CompletionsArgs),
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn cli_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn read_only_defaults_and_parses() {
        let c = Cli::try_parse_from(["graphtui", "--read-only=false"]).unwrap();
        assert_eq!(c.global.read_only, Some(false));
        let c = Cli::try_parse_from(["graphtui", "--read-only"]).unwrap();
        assert_eq!(c.global.read_only, Some(true));
    }

    #[test]
    fn subcommands_parse() {
        let c = Cli::try_parse_from([
            "graphtui",
            "--cloud",
            "usgov-dod",
            "filter",
            "check",
            "startsWith(displayName,'a')",
            "--entity",
            "users",
        ])
        .unwrap();
        assert_eq!(c.global.cloud, Some(Cloud::UsgovDod));
        assert!(matches!(c.command, Some(Command::Filter { .. })));
    }
}
