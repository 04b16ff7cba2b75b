//! `costplan sweep`: one numeric knob of a policy over a range, every setting on the same tasks,
//! and the cheapest setting that keeps the quality guardrail (goal seek).

use std::path::PathBuf;

use anyhow::Context;

use super::CliError;
use super::simulate::{EngineArgs, load};
use crate::report;
use crate::sim::engine::Control;
use crate::sim::results::SimOptions;
use crate::sim::sweep::{BISECTION_STEPS, Goal, SweepSpec, goal_seek, sweep};

/// Arguments of `costplan sweep`.
#[derive(Debug, clap::Args)]
pub struct SweepArgs {
    /// The scenario file.
    pub scenario: PathBuf,
    /// The policy whose knob is swept.
    #[arg(long)]
    pub policy: String,
    /// The knob, range and number of points: e.g. `router.strong_share=0.1..0.6:11` (knobs:
    /// router.strong_share, exact_cache.hit_given_repeat, prompt_caching.ttl_minutes,
    /// context_cap.max_input_tokens, budget.cap_usd, batch.share, router.verifier.recall,
    /// router.verifier.false_alarm_rate).
    #[arg(long = "set")]
    pub set: SweepSpec,
    /// Number of Monte Carlo runs, 1 to 100,000 (default: the scenario's).
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=100_000))]
    pub runs: Option<u32>,
    /// Seed (default: the scenario's).
    #[arg(long)]
    pub seed: Option<u64>,
    /// Goal seek: the share of runs in which the answer must meet its goal.
    #[arg(long, default_value_t = 0.9)]
    pub confidence: f64,
    /// Goal seek for the best success rate whose spend over the horizon stays within this many
    /// US dollars (instead of the cheapest setting that keeps the quality guardrail).
    #[arg(long, value_name = "USD")]
    pub within_budget: Option<f64>,
    /// Settings bisection simulates between the grid's answer and its failing neighbour (0 to 10;
    /// each halves the interval).
    #[arg(long, default_value_t = BISECTION_STEPS, value_parser = clap::value_parser!(u32).range(0..=10))]
    pub bisect: u32,
    /// Print JSON instead of a table.
    #[arg(long)]
    pub json: bool,
    /// Also write the sweep as an HTML report (frontier chart, answer, table).
    #[arg(long, value_name = "PATH")]
    pub report: Option<PathBuf>,
    #[command(flatten)]
    pub engine: EngineArgs,
}

/// Runs `costplan sweep`.
pub fn run(args: &SweepArgs) -> super::CmdResult {
    let scn = load(&args.scenario)?;
    if !(0.0..=1.0).contains(&args.confidence) {
        return Err(CliError::Invalid(format!(
            "--confidence must be between 0 and 1, found {}",
            args.confidence
        )));
    }
    if let Some(b) = args.within_budget
        && !(b.is_finite() && (0.0..=crate::model::limits::MAX_USD).contains(&b))
    {
        return Err(CliError::Invalid(format!(
            "--within-budget must be a number of US dollars from 0 to {}, found {b}",
            crate::model::limits::MAX_USD
        )));
    }
    if let Some(path) = &args.report {
        super::check_output(path, "the sweep report")?;
    }
    let opts = SimOptions {
        runs: args.runs,
        seed: args.seed,
        engine: args.engine.choice(),
        ..Default::default()
    };
    let r = match sweep(&scn, &args.policy, &args.set, &opts, &Control::none()) {
        Ok(Ok(r)) => r,
        Ok(Err(msg)) => {
            return Err(CliError::Invalid(format!("{}: {msg}", args.scenario.display())));
        }
        Err(_) => return Err(CliError::Failed("the run was cancelled".into())),
    };
    let goal = match args.within_budget {
        Some(budget_usd) => Goal::BestQualityWithinBudget {
            budget_usd,
            confidence: args.confidence,
        },
        None => Goal::CheapestWithinQualityGuardrail {
            confidence: args.confidence,
        },
    };
    let answer = match goal_seek(&scn, &r, goal, args.bisect, &opts, &Control::none()) {
        Ok(Ok(a)) => a,
        Ok(Err(msg)) => {
            return Err(CliError::Invalid(format!("{}: {msg}", args.scenario.display())));
        }
        Err(_) => return Err(CliError::Failed("the run was cancelled".into())),
    };
    if let Some(path) = &args.report {
        let page = report::sweep::html(scn.name(), &r, &answer, env!("CARGO_PKG_VERSION"));
        crate::model::io::write_atomic(path, page.as_bytes()).with_context(|| format!("writing {}", path.display()))?;
        eprintln!("wrote {}", path.display());
    }
    if args.json {
        let v = serde_json::json!({ "sweep": &r, "goal_seek": &answer });
        super::emit(&(serde_json::to_string_pretty(&v).map_err(anyhow::Error::from)? + "\n"))?;
        return Ok(());
    }
    super::emit(&report::sweep::text(&r, &answer))?;
    Ok(())
}
