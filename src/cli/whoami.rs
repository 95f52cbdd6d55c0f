//! `graphtui whoami`.

use crate::config::Settings;
use clap::Args;

/// Options for `whoami`.
#[derive(Debug, Clone, Args)]
pub struct WhoamiArgs {
    /// Output format.
    #[arg(long, short, value_enum, default_value = "text")]
    pub output: super::OutputFormat,
}

/// Runs `whoami`; returns the exit code.
pub async fn run(_settings: &Settings, _args: &WhoamiArgs) -> u8 {
    eprintln!("graphtui whoami: sign-in is not built yet (issue 4)");
    super::exit::AUTH
}
