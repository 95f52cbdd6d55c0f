//! `graphtui completions SHELL`.

use clap::{Args, CommandFactory};

/// Options for `completions`.
#[derive(Debug, Clone, Args)]
pub struct CompletionsArgs {
    /// The shell.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

/// Prints the completion script to stdout.
pub fn run(args: &CompletionsArgs) -> u8 {
    let mut cmd = super::Cli::command();
    clap_complete::generate(args.shell, &mut cmd, "graphtui", &mut std::io::stdout());
    super::exit::OK
}
