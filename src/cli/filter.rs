//! `graphtui filter check`.

use crate::config::Settings;
use clap::{Args, Subcommand};

/// `filter` subcommands.
#[derive(Debug, Clone, Subcommand)]
pub enum FilterCommand {
    /// Check a $filter expression: diagnostics, advanced-query needs, and the final URL.
    Check(CheckArgs),
}

/// Options for `filter check`.
#[derive(Debug, Clone, Args)]
pub struct CheckArgs {
    /// The $filter expression.
    pub expr: String,
    /// The collection the filter applies to.
    #[arg(long, default_value = "users")]
    pub entity: String,
    /// Output format: text or json.
    #[arg(long, short, value_enum, default_value = "text")]
    pub output: super::OutputFormat,
}

/// Runs `filter check`; returns the exit code.
pub fn run(_settings: &Settings, _cmd: &FilterCommand) -> u8 {
    eprintln!("graphtui filter check: not built yet (issue 2)");
    super::exit::USAGE
}
