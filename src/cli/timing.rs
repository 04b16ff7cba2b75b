//! `costplan timing`: switch now, later or never — one event of a scenario placed on a date
//! every so many days and left out, each on the same draws, with the horizon spend of each.

use std::fmt::Write as _;
use std::path::PathBuf;

use super::CliError;
use super::simulate::{EngineArgs, load};
use crate::report::format::{delta, usd};
use crate::sim::engine::Control;
use crate::sim::metrics::Unit;
use crate::sim::results::{MAX_TASK_SIMULATIONS, SimOptions, estimate_work};
use crate::sim::timing::{Timing, TimingError, dates_every, find_event, timing};

/// Arguments of `costplan timing`.
#[derive(Debug, clap::Args)]
pub struct TimingArgs {
    /// The scenario file.
    pub scenario: PathBuf,
    /// The event to place: its name, or its tag (`E2` for the second).
    #[arg(long)]
    pub event: String,
    /// Place it on the horizon's first day and every so many days after (at most 60 dates).
    #[arg(long, default_value_t = 30, value_name = "DAYS")]
    pub every: u32,
    /// Number of Monte Carlo runs, 1 to 100,000 (default: the scenario's).
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=100_000))]
    pub runs: Option<u32>,
    /// Seed (default: the scenario's).
    #[arg(long)]
    pub seed: Option<u64>,
    /// Print JSON instead of a table.
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub engine: EngineArgs,
}

/// Runs `costplan timing`.
pub fn run(args: &TimingArgs) -> super::CmdResult {
    let scn = load(&args.scenario)?;
    let invalid = |e: TimingError| CliError::Invalid(format!("{}: {e}", args.scenario.display()));
    let event = find_event(&scn, &args.event).map_err(invalid)?;
    let dates = dates_every(&scn, args.every).map_err(invalid)?;
    let opts = SimOptions {
        runs: args.runs,
        seed: args.seed,
        engine: args.engine.choice(),
        skip_attribution: true,
        ..Default::default()
    };
    // Every placement is a simulation of its own: the work is theirs together.
    let placements = dates.len() as f64 + 1.0;
    let work = estimate_work(&scn, &opts).task_simulations * placements;
    if work > MAX_TASK_SIMULATIONS && !args.engine.force {
        return Err(CliError::Invalid(format!(
            "{}: {} placements of the event are about {} task simulations, more than the {} a command starts without --force; use a longer --every, fewer --runs or --engine sampled",
            args.scenario.display(),
            placements,
            crate::report::format::thousands(work as u64),
            crate::report::format::thousands(MAX_TASK_SIMULATIONS as u64)
        )));
    }
    let t = match timing(&scn, event, &dates, &opts, &Control::none()) {
        Ok(t) => t,
        Err(TimingError::Sim(e)) => return Err(anyhow::Error::from(e).into()),
        Err(e) => return Err(invalid(e)),
    };
    if args.json {
        super::emit(&format!(
            "{}\n",
            serde_json::to_string_pretty(&t).map_err(anyhow::Error::from)?
        ))?;
    } else {
        super::emit(&render(&t))?;
    }
    Ok(())
}

/// The timing as a text table: a row per placement, each policy's mean spend and its change
/// against leaving the event out; then the cheapest placement per policy.
pub fn render(t: &Timing) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "{}: the spend over the horizon with the event on each date, and left out ({} runs, {} engine, the same draws for every placement)\n",
        t.event, t.runs, t.engine
    );
    let mut header = vec!["when".to_string()];
    header.extend(t.policies.iter().map(|p| format!("{p} (vs never)")));
    let rows: Vec<Vec<String>> = t
        .rows
        .iter()
        .map(|r| {
            let mut row = vec![r.when.clone()];
            row.extend(r.spend_usd.iter().zip(&r.vs_never_usd).map(|(a, d)| {
                if r.when == "never" {
                    usd(a.mean)
                } else {
                    format!("{} ({})", usd(a.mean), delta(Unit::Usd, d.mean))
                }
            }));
            row
        })
        .collect();
    crate::report::table::grid(&mut s, &header, &rows);
    let _ = writeln!(s, "\nCheapest (expected spend):");
    for (p, when) in t.policies.iter().zip(&t.cheapest) {
        let _ = writeln!(s, "  {p}: {when}");
    }
    s
}
