//! `graphtui sandbox serve`.

use clap::{Args, Subcommand};

/// `sandbox` subcommands.
#[derive(Debug, Clone, Subcommand)]
pub enum SandboxCommand {
    /// Serve the sandbox tenant on loopback; prints `READY http://127.0.0.1:P` when listening.
    Serve(ServeArgs),
}

/// Options for `sandbox serve`.
#[derive(Debug, Clone, Args)]
pub struct ServeArgs {
    /// Port on 127.0.0.1 (0 picks a free one).
    #[arg(long, default_value_t = 0)]
    pub port: u16,
    /// Number of users in the synthetic tenant.
    #[arg(long, default_value_t = 500)]
    pub users: usize,
    /// Seed for the synthetic tenant.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// A named scenario (see the README).
    #[arg(long)]
    pub scenario: Option<String>,
}

/// Runs `sandbox serve`; returns the exit code.
pub async fn run(_cmd: &SandboxCommand) -> u8 {
    eprintln!("graphtui sandbox serve: not built yet (issue 3)");
    super::exit::USAGE
}
