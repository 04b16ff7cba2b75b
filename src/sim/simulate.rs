//! From a scenario to results: chooses the policies (and the variants Shapley attribution needs),
//! estimates the work, runs the engine, and summarises across runs — paired deltas against the
//! baseline, savings by tactic (Shapley and waterfall), spend bands, budgets and risk flags.

use std::time::Instant;

use super::compile::Compiled;
use super::engine::{Cancelled, Control, run_all};
use super::metrics::{self as m, Metric, MetricMap, RunMetrics, Summary};
use super::results::*;
use super::risk::risk_flags;
use crate::model::Scenario;
use crate::model::policy::{BudgetPeriod, BudgetScope, Policy, Tactic};

/// What to simulate.
#[derive(Clone, Debug, Default)]
pub struct SimOptions {
    /// Overrides the scenario's run count.
    pub runs: Option<u32>,
    /// Overrides the scenario's seed.
    pub seed: Option<u64>,
    /// Only these candidates (the baseline is always included); all when empty.
    pub policies: Vec<String>,
    /// Skip savings by tactic (faster previews).
    pub skip_attribution: bool,
    /// Which engine simulates.
    pub engine: EngineChoice,
    /// Overrides the scenario's `guardrails.budget_risk` (above 0, below 1).
    pub budget_risk: Option<f64>,
    /// Also measure what each event does to the horizon spend (one more simulation per event,
    /// without it, on the same draws).
    pub event_effects: bool,
}

/// Which engine simulates a scenario.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum EngineChoice {
    /// The sampled engine with [`DEFAULT_SAMPLE_PER_DAY`] when the exact work is above
    /// [`AUTO_EXACT_MAX_TASK_SIMULATIONS`] and the sample is under a quarter of an average day
    /// (so that sampling saves at least 4×); else the exact engine.
    #[default]
    Auto,
    /// Every task of every day.
    Exact,
    /// At most this many tasks a day, each standing for its share of the day.
    Sampled(u32),
}

/// The sampled engine's default number of tasks simulated per day.
pub const DEFAULT_SAMPLE_PER_DAY: u32 = 2000;

/// The most task simulations (tasks × policies × runs, estimated) that `Auto` runs exactly:
/// about 5 s on 2 cores.
pub const AUTO_EXACT_MAX_TASK_SIMULATIONS: f64 = 100e6;

/// Runs used for the first, quick result.
pub const PREVIEW_RUNS: u32 = 8;
/// Tasks a day the first, quick result simulates (sampled engine).
pub const PREVIEW_SAMPLE_PER_DAY: u32 = 100;
/// Tasks a day the window's full-run pass simulates, so that 200 runs land in about 2 s at any
/// volume; a last pass then refines with the engine `opts` asks for, when that differs.
pub const LIVE_SAMPLE_PER_DAY: u32 = 250;

/// Task simulations (tasks × policies) below which the last pass is quick enough on its own.
const LIVE_PASS_MIN_WORK: f64 = 5e6;

/// The passes a job runs, each replacing the figures on screen: a quick preview (few runs,
/// small sample), the full run count on the live sample, then the engine `opts` names (the
/// exact engine where the scenario is small, else the default sample). Passes that would repeat
/// an earlier one, or be no quicker than the last, are left out.
pub fn live_passes(scn: &Scenario, opts: &SimOptions) -> Vec<SimOptions> {
    let full_runs = opts.runs.unwrap_or(scn.file.runs);
    let per_task = work_per_task(scn);
    let tasks_per_run = expected_tasks_per_run(scn) * per_task;
    let last = opts.clone();
    let sampled_work = |runs: u32, k: u32| f64::from(runs) * f64::from(k) * f64::from(scn.file.horizon_days) * per_task;
    let exact_work = f64::from(full_runs) * tasks_per_run;
    let mut out = Vec::new();
    if full_runs > PREVIEW_RUNS {
        out.push(SimOptions {
            runs: Some(PREVIEW_RUNS),
            engine: EngineChoice::Sampled(PREVIEW_SAMPLE_PER_DAY),
            event_effects: false,
            ..opts.clone()
        });
    }
    let last_work = match last.engine {
        EngineChoice::Exact => exact_work,
        EngineChoice::Sampled(k) => sampled_work(full_runs, k),
        EngineChoice::Auto => exact_work.min(sampled_work(full_runs, DEFAULT_SAMPLE_PER_DAY)),
    };
    let policies = scn.policies.len() as f64;
    if last_work > 2.0 * sampled_work(full_runs, LIVE_SAMPLE_PER_DAY) && last_work * policies > LIVE_PASS_MIN_WORK {
        out.push(SimOptions {
            engine: EngineChoice::Sampled(LIVE_SAMPLE_PER_DAY),
            event_effects: false,
            ..opts.clone()
        });
    }
    out.push(last);
    out
}

/// The expected number of tasks in one run of a scenario (mean volume, mean growth, weekly
/// pattern): what the exact engine simulates per policy and run.
pub fn expected_tasks_per_run(scn: &Scenario) -> f64 {
    let t = &scn.traffic;
    let volume = t.requests_per_day.0.mean().max(0.0);
    let growth = (1.0 + t.growth_per_month.mean()).max(0.0);
    let weekdays = t.weekday_factors();
    let start = scn.start_date().map_or(0, crate::date::Date::weekday);
    (0..scn.file.horizon_days as usize)
        .map(|d| volume * growth.powf(d as f64 / 30.0) * weekdays[(start + d) % 7])
        .sum()
}

/// The work of one task relative to a single request: a session weighs its expected model
/// calls (turns × (tool steps + the answer)), so that estimates and the engine choice see what
/// an agent loop costs to simulate.
pub fn work_per_task(scn: &Scenario) -> f64 {
    scn.traffic
        .classes
        .iter()
        .map(|c| {
            c.share.get()
                * c.session
                    .as_ref()
                    .map_or(1.0, crate::model::traffic::Session::expected_calls)
        })
        .sum::<f64>()
        .max(1.0)
}

/// Which simulated policy each subset of a candidate's differing tactics maps to.
struct Attribution {
    candidate: usize,
    tactics: Vec<Tactic>,
    /// variant[mask] = index into the simulated policies.
    variant: Vec<usize>,
}

fn same_components(a: &Policy, b: &Policy) -> bool {
    Tactic::ALL.iter().all(|t| a.same_component(b, *t))
}

/// The policies a simulation runs: those shown (the baseline first) and, for savings by tactic,
/// the baseline with every subset of each candidate's differing components.
struct Plan {
    shown: Vec<Policy>,
    sim_policies: Vec<Policy>,
    attributions: Vec<Attribution>,
    /// Staged rollouts' columns: (their index, the target's index, the rollout event).
    rollouts: Vec<(usize, usize, usize)>,
}

fn plan(scn: &Scenario, opts: &SimOptions) -> Plan {
    let base = &scn.policies[scn.baseline];
    let mut shown: Vec<Policy> = vec![base.clone()];
    for (i, p) in scn.policies.iter().enumerate() {
        if i != scn.baseline && (opts.policies.is_empty() || opts.policies.contains(&p.name)) {
            shown.push(p.clone());
        }
    }
    let mut rollouts = Vec::new();
    for (ei, e) in scn.file.events.iter().enumerate() {
        if let crate::model::events::Change::Rollout { to, .. } = &e.change
            && let Some(ti) = shown.iter().position(|p| p.name == *to)
        {
            // The baseline's policy as "baseline → to", its tasks moving to `to`'s pipeline.
            let mut column = base.clone();
            column.name = format!("{} → {to}", base.name);
            while shown.iter().any(|p| p.name == column.name) {
                column.name.push('\'');
            }
            shown.push(column);
            rollouts.push((shown.len() - 1, ti, ei));
        }
    }
    let mut sim_policies = shown.clone();
    let mut attributions = Vec::new();
    if !opts.skip_attribution {
        for (ci, cand) in shown.iter().enumerate().skip(1) {
            if rollouts.iter().any(|r| r.0 == ci) {
                continue;
            }
            let tactics = base.differing_tactics(cand);
            let k = tactics.len();
            let mut variant = vec![0usize; 1 << k];
            for (mask, slot) in variant.iter_mut().enumerate() {
                let mut v = base.clone();
                for (b, t) in tactics.iter().enumerate() {
                    if mask & (1 << b) != 0 {
                        v.take_component(cand, *t);
                    }
                }
                *slot = match sim_policies.iter().position(|p| same_components(p, &v)) {
                    Some(i) => i,
                    None => {
                        v.name = format!("{} (variant {mask:b})", cand.name);
                        sim_policies.push(v);
                        sim_policies.len() - 1
                    }
                };
            }
            variant[0] = 0;
            variant[(1 << k) - 1] = ci;
            attributions.push(Attribution {
                candidate: ci,
                tactics,
                variant,
            });
        }
    }
    Plan {
        shown,
        sim_policies,
        attributions,
        rollouts,
    }
}

/// The sample size the engine choice gives (`None`: exact).
fn sample_per_day(scn: &Scenario, opts: &SimOptions, policies: usize, runs: u32) -> Option<u64> {
    match opts.engine {
        EngineChoice::Exact => None,
        EngineChoice::Sampled(k) => Some(u64::from(k.max(1))),
        EngineChoice::Auto => {
            let per_run = expected_tasks_per_run(scn);
            let work = per_run * work_per_task(scn) * policies as f64 * f64::from(runs);
            let per_day = per_run / f64::from(scn.file.horizon_days.max(1));
            (work > AUTO_EXACT_MAX_TASK_SIMULATIONS && f64::from(DEFAULT_SAMPLE_PER_DAY) < per_day / 4.0)
                .then_some(u64::from(DEFAULT_SAMPLE_PER_DAY))
        }
    }
}

/// What a simulation will cost, estimated before it runs.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct WorkEstimate {
    /// Task simulations (tasks simulated × policies, attribution variants included; a session
    /// counts as its expected model calls).
    pub task_simulations: f64,
    /// Policies simulated, attribution variants included.
    pub policies_simulated: usize,
    /// Whether the sampled engine would run.
    pub sampled: bool,
    /// Memory the per-run results take (every run of every simulated policy is kept for the
    /// summaries, paired deltas and attribution), in bytes.
    pub memory_bytes: f64,
    /// Wall-clock seconds, at [`ESTIMATED_TASK_SIMULATIONS_PER_S_PER_CORE`] on every core.
    pub seconds: f64,
}

/// Memory above which a command refuses to start without `--force`: 4 GiB.
pub const MAX_MEMORY_BYTES: f64 = 4.0 * 1024.0 * 1024.0 * 1024.0;

/// The per-core throughput the time estimate assumes: the median of the shipped scenarios on
/// the 2-core development machine (measured 5.8–25 M a second a core, sessions slowest, a
/// budget that rejects work fastest; `tests -- --ignored work_estimates` prints the table).
/// With it the estimates fall within 0.6–1.6× of the measured time but for the batch scenario
/// (2.6×); the former, "conservative" 5 M overstated a typical run 2–3×.
pub const ESTIMATED_TASK_SIMULATIONS_PER_S_PER_CORE: f64 = 9.5e6;

/// Task simulations above which a command refuses to start without `--force` (about half an
/// hour on 2 cores).
pub const MAX_TASK_SIMULATIONS: f64 = 20e9;

/// Estimates the work of `simulate(scn, opts, …)` from expected volumes, without running it.
pub fn estimate_work(scn: &Scenario, opts: &SimOptions) -> WorkEstimate {
    let runs = opts.runs.unwrap_or(scn.file.runs).max(1);
    let policies = plan(scn, opts).sim_policies.len();
    let k = sample_per_day(scn, opts, policies, runs);
    let per_run = expected_tasks_per_run(scn);
    let simulated_per_run = match k {
        None => per_run,
        Some(k) => {
            let days = f64::from(scn.file.horizon_days.max(1));
            (per_run / days).min(k as f64) * days
        }
    };
    // Per run and policy: the metrics, the spend per day, per owner and per model, and the
    // vectors' and struct's own bytes; kept for every simulated policy and again for each shown.
    let owners = scn.traffic.owners().len() + 1;
    let floats =
        crate::sim::metrics::N_METRICS + 2 * scn.file.horizon_days as usize + owners + scn.file.models.len() + 3;
    let per_run_policy = (floats * 8 + 4 * 24 + 64) as f64;
    let shown = plan(scn, opts).shown.len();
    let without_each_event = if opts.event_effects { resimulated_events(scn) } else { 0 };
    let task_simulations = simulated_per_run
        * work_per_task(scn)
        * f64::from(runs)
        * (policies as f64 + without_each_event as f64 * shown as f64);
    WorkEstimate {
        task_simulations,
        policies_simulated: policies,
        sampled: k.is_some(),
        memory_bytes: per_run_policy * (policies + shown) as f64 * f64::from(runs),
        seconds: task_simulations / (ESTIMATED_TASK_SIMULATIONS_PER_S_PER_CORE * rayon::current_num_threads() as f64),
    }
}

/// Why a simulation gave no result.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SimError {
    #[error(transparent)]
    Cancelled(#[from] Cancelled),
    /// A name the scenario's validation should have caught (see [`CompileError`]).
    #[error("cannot simulate: {0}")]
    Invalid(#[from] super::compile::CompileError),
}

/// A simulation's outcome as the sweeps and backtests report it: cancelling stops them (`Err`),
/// a scenario the engine cannot take is a message (`Ok(Err)`).
pub fn split(r: Result<Results, SimError>) -> Result<Result<Results, String>, Cancelled> {
    match r {
        Ok(r) => Ok(Ok(r)),
        Err(SimError::Cancelled(c)) => Err(c),
        Err(e @ SimError::Invalid(_)) => Ok(Err(e.to_string())),
    }
}

/// Simulates a scenario. Pure function of (scenario, options); bit-identical for any thread count.
pub fn simulate(scn: &Scenario, opts: &SimOptions, ctl: &Control) -> Result<Results, SimError> {
    let start = Instant::now();
    let seed = opts.seed.unwrap_or(scn.file.seed);
    let runs = opts.runs.unwrap_or(scn.file.runs).max(1);
    let Plan {
        shown,
        sim_policies,
        attributions,
        rollouts,
    } = plan(scn, opts);
    let mut compiled = Compiled::new(scn, &sim_policies)?;
    for &(column, to, event) in &rollouts {
        compiled.policies[column].rollout = Some((to, event));
    }
    compiled.sample_per_day = sample_per_day(scn, opts, sim_policies.len(), runs);
    let per_run = run_all(&compiled, seed, runs, ctl)?;
    let wall = start.elapsed().as_secs_f64();
    let ctx = Summarise {
        scn,
        opts,
        seed,
        compiled: &compiled,
        per_run: &per_run,
        attributions: &attributions,
        inputs: super::sensitivity::inputs(&compiled),
        horizon: scn.file.horizon_days as usize,
    };
    let mut results: Vec<PolicyResult> = shown.iter().enumerate().map(|(pi, p)| ctx.policy(pi, p)).collect();
    for pi in 0..results.len() {
        let guard = &scn.file.guardrails;
        let flags = risk_flags(&results[pi], &per_run, pi, guard, shown[pi].budget.as_ref(), scn);
        results[pi].risk_flags = flags;
    }
    Ok(Results {
        scenario: scn.file.name.clone(),
        costplan_version: env!("CARGO_PKG_VERSION"),
        seed,
        runs,
        horizon_days: scn.file.horizon_days,
        start_date: scn.start_date(),
        scenario_hash: format!("{:016x}", scn.content_hash),
        owners: compiled.owners.clone(),
        models: compiled.models.iter().map(|md| md.name.clone()).collect(),
        policies: results,
        engine: engine_info(&compiled, &per_run, sim_policies.len(), wall),
        events: scn
            .file
            .events
            .iter()
            .map(|e| event_entry(scn, e, Vec::new()))
            .collect(),
    })
}

/// An event as the results list it: when, how likely, who depends on the model it launches or
/// retires, and (when measured) what it does to each policy's spend.
fn event_entry(scn: &Scenario, e: &crate::model::events::Event, spend_change_usd: Vec<Summary>) -> EventEffect {
    use crate::model::events::{Change, EventDate};
    let (first_day, last_day) = scn.start_date().and_then(|d| e.day_range(d)).unwrap_or((0, 0));
    let retired = match &e.change {
        Change::Launch { model, .. } | Change::Deprecate { model, .. } => Some(model.as_str()),
        _ => None,
    };
    EventEffect {
        event: e.label(),
        on: match &e.on {
            EventDate::On(d) => d.clone(),
            EventDate::Uniform(a, b) => format!("{a} – {b}"),
        },
        first_day,
        last_day,
        probability: e.probability.map(|p| p.get()),
        spend_change_usd,
        model: retired.map(str::to_string),
        depending_policies: retired
            .map(|m| {
                scn.policies
                    .iter()
                    .filter(|p| p.models_used(&scn.file.default_model).contains(&m))
                    .map(|p| p.name.clone())
                    .collect()
            })
            .unwrap_or_default(),
    }
}

/// The events whose effect takes a simulation without them (all but rollouts, which are
/// measured against the baseline).
fn resimulated_events(scn: &Scenario) -> usize {
    scn.file
        .events
        .iter()
        .filter(|e| !matches!(e.change, crate::model::events::Change::Rollout { .. }))
        .count()
}

/// Simulates a scenario and, when `opts.event_effects` asks, what each event does: the same
/// runs without the event, on the same engine and draws, paired run by run.
pub fn simulate_with_events(scn: &Scenario, opts: &SimOptions, ctl: &Control) -> Result<Results, SimError> {
    let mut results = simulate(scn, opts, ctl)?;
    add_event_effects(scn, opts, &mut results, ctl)?;
    Ok(results)
}

/// Adds what each event does to `results` (of `simulate(scn, opts, …)`), when `opts` asks.
pub fn add_event_effects(
    scn: &Scenario,
    opts: &SimOptions,
    results: &mut Results,
    ctl: &Control,
) -> Result<(), SimError> {
    if opts.event_effects && !scn.file.events.is_empty() {
        results.events = event_effects(scn, opts, results, ctl)?;
    }
    Ok(())
}

fn event_effects(
    scn: &Scenario,
    opts: &SimOptions,
    with: &Results,
    ctl: &Control,
) -> Result<Vec<EventEffect>, SimError> {
    // Progress over all the runs without an event, one event after another.
    let to_run = resimulated_events(scn);
    let mut done_events = 0usize;
    let same = SimOptions {
        runs: Some(with.runs),
        seed: Some(with.seed),
        engine: with.engine.same_choice(),
        skip_attribution: true,
        event_effects: false,
        ..opts.clone()
    };
    let cost = |r: &PolicyResult, run: usize| r.runs.get(run).map_or(f64::NAN, |m| m.values[Metric::CostTotal]);
    // The rollouts' columns, as `simulate` planned them (the same scenario and options).
    let rollouts = plan(scn, opts).rollouts;
    let mut out = Vec::new();
    for (i, e) in scn.file.events.iter().enumerate() {
        let spend_change_usd: Vec<Summary> = if let crate::model::events::Change::Rollout { .. } = &e.change {
            let column = rollouts.iter().find(|r| r.2 == i).map(|r| r.0);
            (0..with.policies.len())
                .map(|pi| {
                    let runs = 0..with.runs as usize;
                    if Some(pi) == column {
                        Summary::of(runs.map(|k| cost(&with.policies[pi], k) - cost(&with.policies[0], k)))
                    } else {
                        Summary::of(runs.map(|_| 0.0))
                    }
                })
                .collect()
        } else {
            let mut without = scn.clone();
            without.file.events.remove(i);
            let offset = done_events;
            let progress = |d: usize, t: usize| (ctl.progress)(offset * t + d, to_run * t);
            let each = Control {
                cancel: ctl.cancel,
                progress: &progress,
            };
            let w = simulate(&without, &same, &each)?;
            done_events += 1;
            with.policies
                .iter()
                .map(|p| match w.policies.iter().find(|q| q.name == p.name) {
                    Some(q) => Summary::of((0..with.runs as usize).map(|k| cost(p, k) - cost(q, k))),
                    None => Summary::of(std::iter::empty()),
                })
                .collect()
        };
        out.push(event_entry(scn, e, spend_change_usd));
    }
    Ok(out)
}

/// What every policy's summary draws on.
struct Summarise<'a> {
    scn: &'a Scenario,
    opts: &'a SimOptions,
    seed: u64,
    compiled: &'a Compiled,
    per_run: &'a [Vec<RunMetrics>],
    attributions: &'a [Attribution],
    inputs: Vec<super::sensitivity::Input>,
    horizon: usize,
}

impl Summarise<'_> {
    /// Policy `pi`'s figures over the runs (its risk flags are added after).
    fn policy(&self, pi: usize, p: &Policy) -> PolicyResult {
        let (scn, opts, per_run) = (self.scn, self.opts, self.per_run);
        let base = &scn.policies[scn.baseline];
        let runs_p: Vec<RunMetrics> = per_run.iter().map(|r| r[pi].clone()).collect();
        let metrics = MetricMap::from_fn(|m| Summary::of(runs_p.iter().map(|r| r.values[m])));
        let (spend_by_owner, spend_by_model) = self.spend_by(p, &runs_p);
        let (risk_periods, budget_risk) = self.budget_risk(p, &runs_p);
        PolicyResult {
            name: p.name.clone(),
            version: p.version.clone(),
            notes: p.notes.clone(),
            is_baseline: pi == 0,
            metrics,
            delta_vs_baseline: (pi > 0).then(|| self.deltas(pi)),
            savings_by_tactic: self
                .attributions
                .iter()
                .find(|a| a.candidate == pi)
                .map(|a| savings(a, per_run)),
            differs_in: base.differing_tactics(p),
            cumulative_spend_usd: cumulative_band(&runs_p, self.horizon),
            daily_cost_per_request_usd: if scn.file.events.is_empty() {
                Band::default()
            } else {
                daily_cost_per_request(&runs_p, self.horizon)
            },
            spend_by_owner,
            spend_by_model,
            budget: p
                .budget
                .as_ref()
                .map(|b| self.budget_line(b, (pi, &runs_p), &risk_periods)),
            budget_risk,
            sensitivity: super::sensitivity::of_policy(self.seed, per_run, pi, &self.reachable_inputs(pi, p)),
            risk_flags: Vec::new(),
            caps_exceeded: self.caps_exceeded(p, &runs_p),
            risk_flags_not_evaluated: if pi > 0 && opts.skip_attribution {
                vec![RiskKind::FalseSavingsByTactic, RiskKind::BadIncentive]
            } else {
                Vec::new()
            },
            by_turn: super::results::turn_figures(&runs_p),
            runs: runs_p,
        }
    }

    /// Every metric of candidate `pi` against the baseline, run by run.
    fn deltas(&self, pi: usize) -> MetricMap<Delta> {
        let (per_run, horizon) = (self.per_run, self.horizon);
        MetricMap::from_fn(|metric| {
            // A run without a breach is censored at the horizon: its breach day is "later
            // than the last day", not missing (dropping it would hide the best outcome).
            let value = |r: &RunMetrics| match metric {
                Metric::FirstBreachDay if r.values[Metric::BudgetBreached] == 0.0 => horizon as f64,
                _ => r.values[metric],
            };
            let pairs: Vec<(f64, f64)> = per_run.iter().map(|r| (value(&r[pi]), value(&r[0]))).collect();
            paired_delta(&pairs, metric.def().lower_is_better)
        })
    }

    /// Spend by owner and by model (embeddings as a model of their own).
    fn spend_by(&self, p: &Policy, runs_p: &[RunMetrics]) -> (Vec<Named>, Vec<Named>) {
        let compiled = self.compiled;
        let spend_by_owner = compiled
            .owners
            .iter()
            .enumerate()
            .map(|(i, o)| Named {
                name: o.clone(),
                usd: Summary::of(runs_p.iter().map(|r| r.spend_by_owner_usd[i])),
            })
            .collect();
        let mut spend_by_model: Vec<Named> = compiled
            .models
            .iter()
            .enumerate()
            .map(|(i, md)| Named {
                name: md.name.clone(),
                usd: Summary::of(runs_p.iter().map(|r| r.spend_by_model_usd[i])),
            })
            .collect();
        if p.semantic_cache.is_some() {
            spend_by_model.push(Named {
                name: "embeddings".to_string(),
                usd: Summary::of(runs_p.iter().map(|r| r.spend_embedding_usd)),
            });
        }
        (spend_by_owner, spend_by_model)
    }

    /// The budget periods (the policy's, else months) and the defensible budget over them.
    fn budget_risk(&self, p: &Policy, runs_p: &[RunMetrics]) -> (Vec<u32>, BudgetRisk) {
        let (scn, opts, horizon) = (self.scn, self.opts, self.horizon);
        let (risk_period, kind) = match &p.budget {
            Some(b) => (if b.period == BudgetPeriod::Day { "day" } else { "month" }, b.period),
            None => ("month", BudgetPeriod::Month),
        };
        let start = scn.start_date();
        let risk_periods = super::compile::budget_periods(kind, start, horizon as u32);
        let lengths = super::compile::budget_period_lengths(kind, start, &risk_periods);
        let budget_risk = budget_risk(
            runs_p,
            (&risk_periods, &lengths),
            risk_period,
            opts.budget_risk
                .filter(|r| *r > 0.0 && *r < 1.0)
                .unwrap_or(scn.file.guardrails.budget_risk.get()),
            p.budget.is_some(),
        );
        (risk_periods, budget_risk)
    }

    /// The uncertain inputs that can reach policy `pi`'s figures: a model's success rates only
    /// if the policy calls the model (for the saving, the baseline's models too).
    fn reachable_inputs(&self, pi: usize, p: &Policy) -> Vec<super::sensitivity::Input> {
        let scn = self.scn;
        let base = &scn.policies[scn.baseline];
        let mut used: Vec<&str> = p.models_used(&scn.file.default_model);
        if pi > 0 {
            used.extend(base.models_used(&scn.file.default_model));
        }
        self.inputs
            .iter()
            .filter(|i| match i.model.as_deref() {
                Some(m) => used.contains(&m),
                None => true,
            })
            .cloned()
            .collect()
    }

    /// The caps of the scenario's other budgeted policies that `p`'s spend goes over, with how
    /// often (a cap is over when the spend of some period of its kind is above it).
    fn caps_exceeded(&self, p: &Policy, runs_p: &[RunMetrics]) -> Vec<CapExceedance> {
        let scn = self.scn;
        scn.policies
            .iter()
            .filter(|q| q.name != p.name)
            .filter_map(|q| q.budget.as_ref().map(|b| (q, b)))
            .filter_map(|(q, b)| {
                let periods = super::compile::budget_periods(b.period, scn.start_date(), self.horizon as u32);
                let cap_usd = self.cap_per_period_usd(b);
                let over = runs_p
                    .iter()
                    .filter(|r| spend_per_period(r, &periods).iter().any(|x| *x > cap_usd))
                    .count();
                (over > 0).then(|| CapExceedance {
                    policy: q.name.clone(),
                    scope: scope_key(b),
                    period: period_key(b),
                    cap_usd,
                    share_of_runs: over as f64 / runs_p.len() as f64,
                })
            })
            .collect()
    }

    /// A budget's cap per period, summed over owners for a per-owner budget.
    fn cap_per_period_usd(&self, b: &crate::model::policy::Budget) -> f64 {
        if b.scope == BudgetScope::PerOwner {
            self.compiled
                .owners
                .iter()
                .map(|o| b.owner_caps_usd.get(o).map(|c| c.get()).unwrap_or(b.cap_usd.get()))
                .sum()
        } else {
            b.cap_usd.get()
        }
    }

    /// The budget as the report shows it: its cap per period, cumulative, and how often it breaks.
    /// With budget events, the cap is that in force at each period's end (the last change made
    /// by then; an uncertain date at the middle of its range, a change at least as likely as
    /// not) — the line of a typical run.
    fn budget_line(
        &self,
        b: &crate::model::policy::Budget,
        (pi, runs_p): (usize, &[RunMetrics]),
        risk_periods: &[u32],
    ) -> BudgetLine {
        let cap = self.cap_per_period_usd(b);
        let changes: Vec<(i64, usize, f64)> = self.compiled.policies[pi]
            .budget_events
            .iter()
            .filter_map(|&(event, scale)| {
                let e = &self.compiled.events[event];
                (e.probability.is_none_or(|p| p >= 0.5)).then_some(((e.days.0 + e.days.1) / 2, event, scale))
            })
            .collect();
        let scale_on = |day: usize| {
            changes
                .iter()
                .filter(|c| c.0 <= day as i64)
                .max_by_key(|c| (c.0, c.1))
                .map_or(1.0, |c| c.2)
        };
        // The cap in force at the end of each period (its last day).
        let mut period_cap = vec![cap; risk_periods.last().map_or(0, |k| *k as usize + 1)];
        for (day, &k) in risk_periods.iter().enumerate() {
            period_cap[k as usize] = cap * scale_on(day);
        }
        let mut before = 0.0;
        let cumulative_cap_usd = if changes.is_empty() {
            risk_periods.iter().map(|k| cap * f64::from(k + 1)).collect()
        } else {
            risk_periods
                .iter()
                .enumerate()
                .map(|(day, &k)| {
                    if day > 0 && risk_periods[day - 1] != k {
                        before += period_cap[risk_periods[day - 1] as usize];
                    }
                    before + period_cap[k as usize]
                })
                .collect()
        };
        BudgetLine {
            scope: scope_key(b),
            period: period_key(b),
            cap_usd: cap,
            // The budget's periods, already worked out for its risk.
            cumulative_cap_usd,
            p_breach: runs_p
                .iter()
                .filter(|r| r.values[m::FIRST_BREACH_DAY].is_finite())
                .count() as f64
                / runs_p.len() as f64,
        }
    }
}

/// A budget's scope as JSON writes it.
fn scope_key(b: &crate::model::policy::Budget) -> &'static str {
    if b.scope == BudgetScope::PerOwner {
        "per_owner"
    } else {
        "total"
    }
}

/// A budget's period as JSON writes it.
fn period_key(b: &crate::model::policy::Budget) -> &'static str {
    if b.period == BudgetPeriod::Day { "day" } else { "month" }
}

/// Which engine ran, how much of the traffic it simulated, its sampling noise and its time.
fn engine_info(compiled: &Compiled, per_run: &[Vec<RunMetrics>], policies: usize, wall: f64) -> EngineInfo {
    let tasks: f64 = per_run.iter().map(|r| r[0].values[m::TASKS]).sum();
    let simulated: f64 = per_run.iter().map(|r| r[0].tasks_simulated).sum();
    EngineInfo {
        name: if compiled.sample_per_day.is_some() {
            "sampled"
        } else {
            "exact"
        },
        sample_per_day: compiled.sample_per_day,
        share_simulated: if tasks > 0.0 { simulated / tasks } else { 1.0 },
        sampling_noise_share: compiled.sample_per_day.map(|_| sampling_noise_share(per_run)),
        tasks_simulated: (simulated * policies as f64) as u64,
        policies_simulated: policies,
        wall_seconds: wall,
        threads: rayon::current_num_threads(),
    }
}

/// The standard error sampling adds to the baseline's cost per request (median over runs), as a
/// share of the cost per request's p5–p95 width across runs (0 when the width is 0).
fn sampling_noise_share(per_run: &[Vec<RunMetrics>]) -> f64 {
    let base = per_run.iter().map(|r| &r[0]);
    let se = Summary::of(base.clone().map(|r| r.sampling_se_cost_usd / r.values[m::TASKS])).p50;
    let spread = Summary::of(base.map(|r| r.values[m::COST_PER_REQUEST]));
    let width = spread.p95 - spread.p5;
    if width > 0.0 { se / width } else { 0.0 }
}

/// Candidate minus baseline, run by run.
pub fn paired_delta(pairs: &[(f64, f64)], lower_is_better: bool) -> Delta {
    let d: Vec<f64> = pairs.iter().map(|(c, b)| c - b).filter(|x| x.is_finite()).collect();
    let s = Summary::of(d.iter().copied());
    let lower = d.iter().filter(|x| **x < 0.0).count();
    let higher = d.iter().filter(|x| **x > 0.0).count();
    let (better, worse) = if lower_is_better {
        (lower, higher)
    } else {
        (higher, lower)
    };
    let share = |k: usize| {
        if d.is_empty() {
            f64::NAN
        } else {
            k as f64 / d.len() as f64
        }
    };
    Delta {
        mean: s.mean,
        p5: s.p5,
        p95: s.p95,
        p_better: share(better),
        p_worse: share(worse),
        n: d.len(),
        mean_se: s.mean_se,
    }
}

fn factorial(n: usize) -> f64 {
    (1..=n).map(|k| k as f64).product()
}

/// Shapley values of the tactics for one run, from `value(mask)` (saving of variant `mask`).
pub fn shapley(k: usize, value: &dyn Fn(usize) -> f64) -> Vec<f64> {
    let full = (1usize << k) - 1;
    (0..k)
        .map(|i| {
            let bit = 1 << i;
            let mut phi = 0.0;
            for s in 0..=full {
                if s & bit != 0 {
                    continue;
                }
                let size = s.count_ones() as usize;
                let w = factorial(size) * factorial(k - size - 1) / factorial(k);
                phi += w * (value(s | bit) - value(s));
            }
            phi
        })
        .collect()
}

fn summarise_tactics(tactics: &[Tactic], per_run: &[Vec<f64>]) -> Vec<TacticSaving> {
    tactics
        .iter()
        .enumerate()
        .map(|(i, t)| {
            let s = Summary::of(per_run.iter().map(|r| r[i]));
            TacticSaving {
                tactic: *t,
                mean_usd: s.mean,
                p5_usd: s.p5,
                p95_usd: s.p95,
            }
        })
        .collect()
}

fn savings(a: &Attribution, per_run: &[Vec<RunMetrics>]) -> Savings {
    let k = a.tactics.len();
    let mut out = Savings::default();
    for (metric, shap, fall) in [
        (m::COST_TOTAL, &mut Vec::new(), &mut Vec::new()),
        (m::COST_PER_SUCCESS, &mut Vec::new(), &mut Vec::new()),
    ] {
        for r in per_run {
            let base = r[0].values[metric];
            let value = |mask: usize| base - r[a.variant[mask]].values[metric];
            shap.push(shapley(k, &value));
            fall.push(
                (0..k)
                    .map(|i| value((1 << (i + 1)) - 1) - value((1 << i) - 1))
                    .collect::<Vec<f64>>(),
            );
        }
        let (s, w) = (summarise_tactics(&a.tactics, shap), summarise_tactics(&a.tactics, fall));
        if metric == m::COST_TOTAL {
            out.shapley = s;
            out.waterfall = w;
            out.shapley_per_run = shap.clone();
        } else {
            out.shapley_cost_per_success = s;
            out.waterfall_cost_per_success = w;
        }
    }
    out
}

fn cumulative_band(runs: &[RunMetrics], horizon: usize) -> Band {
    let cum: Vec<Vec<f64>> = runs
        .iter()
        .map(|r| {
            let mut acc = 0.0;
            r.spend_by_day_usd
                .iter()
                .map(|x| {
                    acc += x;
                    acc
                })
                .collect()
        })
        .collect();
    Band::of_days(horizon, |d| Summary::of(cum.iter().map(|c| c[d])))
}

/// Each day's cost per request across runs (a day without tasks leaves its runs out).
fn daily_cost_per_request(runs: &[RunMetrics], horizon: usize) -> Band {
    Band::of_days(horizon, |d| {
        Summary::of(runs.iter().map(|r| {
            let tasks = r.tasks_by_day.get(d).copied().unwrap_or(0.0);
            if tasks > 0.0 {
                r.spend_by_day_usd[d] / tasks
            } else {
                f64::NAN
            }
        }))
    })
}

/// A scenario that simulates exactly two policies, `a` as the baseline and `b` as the candidate,
/// on `scn`'s traffic and models (policies may come from other files; they must use this
/// scenario's model names).
pub fn pair_scenario(scn: &Scenario, a: &Policy, b: &Policy) -> Result<Scenario, crate::model::LoadError> {
    let mut s = scn.clone();
    let mut a = a.clone();
    let mut b = b.clone();
    if a.name == b.name {
        a.name = format!("{} (A)", a.name);
        b.name = format!("{} (B)", b.name);
    }
    s.file.baseline = a.name.clone();
    s.policies = vec![a, b];
    s.validate_edited()
}
