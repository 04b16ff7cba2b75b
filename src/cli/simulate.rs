//! `costplan simulate`, `compare` and `report`.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;

use crate::model::{LoadError, Scenario, load_scenario_path};
use crate::sim::engine::Control;
use crate::sim::results::{SimOptions, simulate as run_sim};

/// Arguments of `costplan simulate`.
#[derive(Debug, clap::Args)]
pub struct SimulateArgs {
    /// The scenario file.
    pub scenario: PathBuf,
    /// Number of Monte Carlo runs (default: the scenario's).
    #[arg(long)]
    pub runs: Option<u32>,
    /// Seed (default: the scenario's).
    #[arg(long)]
    pub seed: Option<u64>,
    /// Only these candidate policies (repeatable); the baseline is always included.
    #[arg(long = "policy")]
    pub policies: Vec<String>,
    /// Print the full results as JSON.
    #[arg(long)]
    pub json: bool,
    /// Skip savings by tactic (faster).
    #[arg(long)]
    pub no_attribution: bool,
}

/// Arguments of `costplan compare`.
#[derive(Debug, clap::Args)]
pub struct CompareArgs {
    /// `file.ron:policy` of the first version (its traffic is used).
    pub a: String,
    /// `file.ron:policy` of the second version.
    pub b: String,
    #[arg(long)]
    pub runs: Option<u32>,
    #[arg(long)]
    pub seed: Option<u64>,
    #[arg(long)]
    pub json: bool,
}

/// Arguments of `costplan report`.
#[derive(Debug, clap::Args)]
pub struct ReportArgs {
    /// The scenario file.
    pub scenario: PathBuf,
}

/// Loads a scenario, printing its problems; `Err(code)` to exit with.
pub fn load_or_exit(path: &std::path::Path) -> std::result::Result<Scenario, ExitCode> {
    load_scenario_path(path).map_err(|e: LoadError| {
        eprintln!("{e}");
        ExitCode::from(super::EXIT_INVALID)
    })
}

/// Runs `simulate`.
pub fn simulate(args: &SimulateArgs) -> Result<ExitCode> {
    let scn = match load_or_exit(&args.scenario) {
        Ok(s) => s,
        Err(code) => return Ok(code),
    };
    for p in &args.policies {
        if !scn.policies.iter().any(|q| &q.name == p) {
            let names: Vec<&str> = scn.policies.iter().map(|q| q.name.as_str()).collect();
            eprintln!(
                "{}: unknown policy {p:?}; expected one of: {}",
                args.scenario.display(),
                names.join(", ")
            );
            return Ok(ExitCode::from(super::EXIT_INVALID));
        }
    }
    let opts = SimOptions {
        runs: args.runs,
        seed: args.seed,
        policies: args.policies.clone(),
        skip_attribution: args.no_attribution,
    };
    let results = run_sim(&scn, &opts, &Control::none())?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&results)?);
    } else {
        print!("{}", crate::report::table::render(&results));
    }
    Ok(ExitCode::SUCCESS)
}
/// Runs `compare`.
pub fn compare(_args: &CompareArgs) -> Result<ExitCode> {
    anyhow::bail!("compare is not built yet")
}
/// Runs `report`.
pub fn report(_args: &ReportArgs) -> Result<ExitCode> {
    anyhow::bail!("report is not built yet")
}
