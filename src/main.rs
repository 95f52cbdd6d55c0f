//! The graphtui binary: parse the command line, set up logging, run one subcommand.

use clap::Parser;
use graphtui::cli::{self, Cli, Command, exit};
use graphtui::config::Settings;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = Cli::parse();
    if let Some(Command::Completions(args)) = &cli.command {
        return ExitCode::from(cli::completions::run(args));
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("graphtui: cannot start the async runtime: {e}");
            return ExitCode::from(exit::FAILURE);
        }
    };
    if let Some(Command::Sandbox { command }) = &cli.command {
        return ExitCode::from(runtime.block_on(cli::sandbox::run(command)));
    }
    let settings = match Settings::resolve(&cli.global) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("graphtui: {e}");
            return ExitCode::from(exit::USAGE);
        }
    };
    let _log = match graphtui::logging::init(&settings.data_dir, settings.verbose) {
        Ok(g) => g,
        Err(e) => {
            eprintln!("graphtui: {e} (continuing without a log file)");
            graphtui::logging::LogGuard::none()
        }
    };
    let code = runtime.block_on(async {
        match &cli.command {
            None => graphtui::tui::run(&settings).await,
            Some(Command::Login(a)) => cli::login::run(&settings, a).await,
            Some(Command::Logout) => cli::login::run_logout(&settings).await,
            Some(Command::Whoami(a)) => cli::whoami::run(&settings, a).await,
            Some(Command::Get(a)) => cli::get::run(&settings, a).await,
            Some(Command::Filter { command }) => cli::filter::run(&settings, command),
            Some(Command::Explain(a)) => cli::explain::run(&settings, a).await,
            Some(Command::Sandbox { .. }) | Some(Command::Completions(_)) => unreachable!(),
        }
    });
    ExitCode::from(code)
}
