//! `costplan sweep`: one numeric knob of a policy over a range, every setting on the same tasks,
//! and the cheapest setting that keeps the quality guardrail (goal seek).

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;

use super::simulate::{EngineArgs, load_or_exit};
use crate::report::format::{pct, thousands, usd};
use crate::sim::engine::Control;
use crate::sim::results::SimOptions;
use crate::sim::sweep::{SweepSpec, cheapest_within_guardrail, sweep};

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
    /// Goal seek: the share of runs in which the cheapest setting must keep the quality guardrail.
    #[arg(long, default_value_t = 0.9)]
    pub confidence: f64,
    /// Print JSON instead of a table.
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub engine: EngineArgs,
}

/// Runs `costplan sweep`.
pub fn run(args: &SweepArgs) -> Result<ExitCode> {
    let scn = match load_or_exit(&args.scenario) {
        Ok(s) => s,
        Err(code) => return Ok(code),
    };
    if !(0.0..=1.0).contains(&args.confidence) {
        eprintln!("--confidence must be between 0 and 1, found {}", args.confidence);
        return Ok(ExitCode::from(super::EXIT_INVALID));
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
            eprintln!("{}: {msg}", args.scenario.display());
            return Ok(ExitCode::from(super::EXIT_INVALID));
        }
        Err(_) => return Ok(ExitCode::from(super::EXIT_FAILURE)),
    };
    let best = cheapest_within_guardrail(&r, args.confidence);
    if args.json {
        let v = serde_json::json!({
            "sweep": &r,
            "goal_seek": {
                "confidence": args.confidence,
                "cheapest_within_quality_guardrail": best.map(|p| p.value),
            }
        });
        super::emit(&(serde_json::to_string_pretty(&v)? + "\n"))?;
        return Ok(ExitCode::SUCCESS);
    }
    let mut out = format!(
        "Sweep of {} on {} — {} runs, every setting on the same tasks (baseline: cost per success {}, success rate {})\n\n{:>14}  {:<34}  {:<28}  {:<20}  {}\n",
        r.knob,
        r.policy,
        thousands(u64::from(r.runs)),
        usd(r.baseline_cost_per_success_usd.mean),
        pct(r.baseline_success_rate.mean),
        "value",
        "cost / success: mean [p5 – p95]",
        "success rate: mean [p5 – p95]",
        "within quality guard",
        "guardrail"
    );
    for p in &r.points {
        let c = &p.cost_per_success_usd;
        let s = &p.success_rate;
        out.push_str(&format!(
            "{:>14}  {:<34}  {:<28}  {:<20}  {}\n",
            format!("{:.4}", p.value).trim_end_matches('0').trim_end_matches('.'),
            format!("{} [{} – {}]", usd(c.mean), usd(c.p5), usd(c.p95)),
            format!("{} [{} – {}]", pct(s.mean), pct(s.p5), pct(s.p95)),
            format!("{} of runs", pct(p.p_within_quality_guardrail)),
            if p.breaks_guardrail { "BREAKS" } else { "ok" }
        ));
    }
    out.push('\n');
    out.push_str(&match best {
        Some(p) => format!(
            "Cheapest setting that keeps the quality guardrail in at least {} of runs: {} = {} (cost per success {} [{} – {}], kept in {} of runs).\n",
            pct(args.confidence),
            r.knob,
            p.value,
            usd(p.cost_per_success_usd.mean),
            usd(p.cost_per_success_usd.p5),
            usd(p.cost_per_success_usd.p95),
            pct(p.p_within_quality_guardrail)
        ),
        None => format!(
            "No setting in this range keeps the quality guardrail in at least {} of runs.\n",
            pct(args.confidence)
        ),
    });
    super::emit(&out)?;
    Ok(ExitCode::SUCCESS)
}
