//! The desktop app.

use std::path::PathBuf;
use std::process::ExitCode;

/// Opens the window.
pub fn run(_file: Option<PathBuf>) -> anyhow::Result<ExitCode> {
    Ok(ExitCode::SUCCESS)
}
