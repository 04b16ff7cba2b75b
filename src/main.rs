//! Chooses the window or the command line; nothing else.

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    match run() {
        Ok(code) => code,
        // `costplan simulate … | head`: the reader has what it wanted; end quietly, as grep does.
        Err(e) if costplan::cli::is_broken_pipe(&e) => ExitCode::SUCCESS,
        // A command's own failure: its message as it is, and its exit code.
        Err(e) if e.downcast_ref::<costplan::cli::CliError>().is_some() => {
            let code = e
                .downcast_ref::<costplan::cli::CliError>()
                .map_or(costplan::cli::EXIT_FAILURE, |c| c.exit_code());
            eprintln!("{e}");
            ExitCode::from(code)
        }
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(costplan::cli::EXIT_FAILURE)
        }
    }
}

fn run() -> anyhow::Result<ExitCode> {
    let cli = match costplan::cli::Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() { costplan::cli::EXIT_INVALID } else { 0 };
            let _ = e.print();
            return Ok(ExitCode::from(code));
        }
    };
    if cli.command.is_none() {
        return open_window(cli.file);
    }
    costplan::cli::run(cli)
}

#[cfg(feature = "gui")]
fn open_window(file: Option<std::path::PathBuf>) -> anyhow::Result<ExitCode> {
    costplan::gui::run(file)
}

#[cfg(not(feature = "gui"))]
fn open_window(_file: Option<std::path::PathBuf>) -> anyhow::Result<ExitCode> {
    eprintln!("this costplan was built without the window (feature `gui`); try `costplan simulate <scenario>`");
    Ok(ExitCode::from(costplan::cli::EXIT_INVALID))
}
