//! `costplan simulate`, `compare` and `report`.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;

/// Arguments of `costplan simulate`.
#[derive(Debug, clap::Args)]
pub struct SimulateArgs {
    /// The scenario file.
    pub scenario: PathBuf,
}

/// Arguments of `costplan compare`.
#[derive(Debug, clap::Args)]
pub struct CompareArgs {
    /// `file.ron:policy` of the first version (its traffic is used).
    pub a: String,
    /// `file.ron:policy` of the second version.
    pub b: String,
}

/// Arguments of `costplan report`.
#[derive(Debug, clap::Args)]
pub struct ReportArgs {
    /// The scenario file.
    pub scenario: PathBuf,
}

/// Runs `simulate`.
pub fn simulate(_args: &SimulateArgs) -> Result<ExitCode> {
    anyhow::bail!("simulate is not built yet")
}
/// Runs `compare`.
pub fn compare(_args: &CompareArgs) -> Result<ExitCode> {
    anyhow::bail!("compare is not built yet")
}
/// Runs `report`.
pub fn report(_args: &ReportArgs) -> Result<ExitCode> {
    anyhow::bail!("report is not built yet")
}
