//! `graphtui get`.

use crate::config::Settings;
use clap::Args;

/// Options for `get`.
#[derive(Debug, Clone, Args)]
pub struct GetArgs {
    /// A Graph path (`/users`, `users/{id}/memberOf`) or a pasted Graph URL.
    pub path: String,
    /// OData $filter.
    #[arg(long)]
    pub filter: Option<String>,
    /// OData $search, e.g. '"displayName:ann"'.
    #[arg(long)]
    pub search: Option<String>,
    /// Properties to return, comma separated.
    #[arg(long)]
    pub select: Option<String>,
    /// OData $orderby.
    #[arg(long)]
    pub orderby: Option<String>,
    /// OData $expand.
    #[arg(long)]
    pub expand: Option<String>,
    /// Page size ($top).
    #[arg(long)]
    pub top: Option<u32>,
    /// Ask for @odata.count ($count=true, advanced-query mode).
    #[arg(long)]
    pub count: bool,
    /// Follow @odata.nextLink to the end.
    #[arg(long)]
    pub all: bool,
    /// Stop after this many items.
    #[arg(long, value_name = "N")]
    pub max_items: Option<usize>,
    /// Extra request header, `Name: value` (repeatable).
    #[arg(long = "header", short = 'H', value_name = "K:V")]
    pub headers: Vec<String>,
    /// Output format.
    #[arg(long, short, value_enum, default_value = "json")]
    pub output: super::OutputFormat,
}

/// Runs `get`; returns the exit code.
pub async fn run(_settings: &Settings, _args: &GetArgs) -> u8 {
    eprintln!("graphtui get: the Graph client is not built yet (issue 4)");
    super::exit::AUTH
}
