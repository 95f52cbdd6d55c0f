//! `graphtui explain`.

use crate::config::Settings;
use clap::Args;

/// Options for `explain`.
#[derive(Debug, Clone, Args)]
pub struct ExplainArgs {
    /// A Graph path or URL.
    pub path: String,
    /// HTTP method.
    #[arg(long, default_value = "GET")]
    pub method: String,
    /// Output format: text or json.
    #[arg(long, short, value_enum, default_value = "text")]
    pub output: super::OutputFormat,
}

/// Runs `explain`; returns the exit code.
pub async fn run(_settings: &Settings, _args: &ExplainArgs) -> u8 {
    eprintln!("graphtui explain: the permission doctor is not built yet (issue 6)");
    super::exit::USAGE
}
