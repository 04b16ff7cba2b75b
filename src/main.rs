//! Chooses the window or the command line; nothing else. Every failure comes back as one
//! `exit::Failure`, printed and mapped to the exit code here, in one place.

use std::process::ExitCode;

use clap::Parser;
use costplan::exit::Failure;

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            e.report();
            ExitCode::from(e.exit_code())
        }
    }
}

fn run() -> Result<(), Failure> {
    let cli = costplan::cli::Cli::try_parse().map_err(Failure::Usage)?;
    if cli.command.is_none() {
        return open_window(cli.file);
    }
    costplan::cli::run(cli)
}

#[cfg(feature = "gui")]
fn open_window(file: Option<std::path::PathBuf>) -> Result<(), Failure> {
    costplan::gui::run(file)
}

#[cfg(not(feature = "gui"))]
fn open_window(_file: Option<std::path::PathBuf>) -> Result<(), Failure> {
    Err(Failure::Invalid(
        "this costplan was built without the window (feature `gui`); try `costplan simulate <scenario>`".into(),
    ))
}
