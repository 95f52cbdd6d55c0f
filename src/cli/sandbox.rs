//! `graphtui sandbox serve`.

use crate::sandbox::{Sandbox, SandboxConfig};
use clap::{Args, Subcommand};
use std::io::Write;

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
pub async fn run(cmd: &SandboxCommand) -> u8 {
    let SandboxCommand::Serve(args) = cmd;
    let cfg = SandboxConfig {
        port: args.port,
        users: args.users,
        seed: args.seed,
        scenario: args.scenario.clone(),
    };
    let sandbox = match Sandbox::start(cfg).await {
        Ok(s) => s,
        Err(e) => {
            eprintln!("graphtui sandbox serve: {e}");
            return match e {
                crate::sandbox::SandboxError::Scenario(_) => super::exit::USAGE,
                _ => super::exit::FAILURE,
            };
        }
    };
    {
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "READY {}", sandbox.url());
        let _ = out.flush();
    }
    eprintln!(
        "sandbox tenant {} ({}); demo user {}; Ctrl-C to stop",
        sandbox.tenant_id(),
        sandbox.domain(),
        sandbox.demo_user_upn()
    );
    let _ = tokio::signal::ctrl_c().await;
    sandbox.shutdown().await;
    super::exit::OK
}
