//! What a simulation returns: per policy, every metric's summary and paired delta, savings by
//! tactic, spend bands, budgets, drivers and risk flags (`simulate` makes them; the options and
//! the entry points are re-exported here, where callers look for them).

use serde::Serialize;

use super::metrics::{self as m, Metric, MetricMap, RunMetrics, Summary};
pub use super::risk::FALSE_SAVINGS_MIN_RISE;
pub use super::simulate::{
    AUTO_EXACT_MAX_TASK_SIMULATIONS, DEFAULT_SAMPLE_PER_DAY, ESTIMATED_TASK_SIMULATIONS_PER_S_PER_CORE, EngineChoice,
    LIVE_SAMPLE_PER_DAY, MAX_MEMORY_BYTES, MAX_TASK_SIMULATIONS, PREVIEW_RUNS, PREVIEW_SAMPLE_PER_DAY, SimError,
    SimOptions, WorkEstimate, add_event_effects, estimate_work, expected_tasks_per_run, live_passes, pair_scenario,
    paired_delta, shapley, simulate, simulate_with_events, split,
};
use crate::model::policy::Tactic;

/// A delta against the baseline, paired run by run.
#[derive(Clone, Copy, Debug, Default, Serialize, PartialEq)]
pub struct Delta {
    pub mean: f64,
    pub p5: f64,
    pub p95: f64,
    /// Share of runs in which the candidate is strictly better.
    pub p_better: f64,
    /// Share of runs in which the candidate is strictly worse (the rest are ties).
    pub p_worse: f64,
    /// Runs in which both values were defined (the delta rests on these).
    pub n: usize,
    /// The standard error of the mean delta: p5–p95 is the run-to-run range (is it cheaper in
    /// most months?), mean ± 1.645·mean_se the 90 % interval of the mean (is it cheaper on
    /// average?).
    pub mean_se: f64,
}

/// A tactic's share of a saving.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct TacticSaving {
    pub tactic: Tactic,
    pub mean_usd: f64,
    pub p5_usd: f64,
    pub p95_usd: f64,
}

/// Savings by tactic (positive = the tactic saves money).
#[derive(Clone, Debug, Serialize, PartialEq, Default)]
pub struct Savings {
    /// Shapley values over the total spend.
    pub shapley: Vec<TacticSaving>,
    /// Tactics added one by one in policy order, over the total spend.
    pub waterfall: Vec<TacticSaving>,
    /// Shapley values over the cost per successful outcome.
    pub shapley_cost_per_success: Vec<TacticSaving>,
    /// Waterfall over the cost per successful outcome.
    pub waterfall_cost_per_success: Vec<TacticSaving>,
    /// The Shapley values over the total spend of every run, `[run][tactic]` (not in JSON).
    #[serde(skip)]
    pub shapley_per_run: Vec<Vec<f64>>,
}

/// A risk that needs a decision, with the number behind it.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct RiskFlag {
    pub kind: RiskKind,
    /// The tactic the flag is about, for per-tactic flags.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tactic: Option<Tactic>,
    /// The number behind the flag.
    pub value: f64,
    /// The figures the flag's sentence is made of (`report::risks` words it).
    #[serde(skip)]
    pub facts: RiskFacts,
    /// The flag in words, for JSON: filled by `report::risks::worded` just before writing (the
    /// simulation never writes words).
    #[serde(flatten)]
    pub words: Option<FlagWords>,
}

impl RiskFlag {
    /// A flag of `kind` whose number is `value`, with the figures behind it.
    pub fn new(kind: RiskKind, value: f64, facts: RiskFacts) -> RiskFlag {
        RiskFlag {
            kind,
            tactic: None,
            value,
            facts,
            words: None,
        }
    }

    /// The flag is about one tactic.
    pub fn about(mut self, tactic: Tactic) -> RiskFlag {
        self.tactic = Some(tactic);
        self
    }
}

/// A flag's finding and why it matters, as written in JSON.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct FlagWords {
    pub message: String,
    pub explanation: &'static str,
}

/// What was found, in figures, per kind of flag.
#[derive(Clone, Debug, PartialEq)]
pub enum RiskFacts {
    QualityErosion {
        /// The guardrail: the largest acceptable drop in success rate.
        max_drop: f64,
        /// Share of runs whose drop is larger.
        share_of_runs: f64,
        /// Mean change in success rate.
        mean_change: f64,
    },
    FalseSavings {
        spend_fall_usd: f64,
        cost_per_success_rise_usd: f64,
    },
    /// One tactic's false saving (`RiskFlag::tactic` names it).
    TacticFalseSavings {
        saving_usd: f64,
        cost_per_success_rise_usd: f64,
    },
    BadIncentive {
        share_of_saving: f64,
        rejected_tasks: f64,
        truncated_tasks: f64,
    },
    MissingAttribution {
        unowned_share: f64,
    },
    Latency {
        /// The median, across runs, of the p95 latency.
        p95_ms: f64,
        limit_ms: f64,
        /// Share of runs whose p95 latency is above the limit.
        share_of_runs: f64,
    },
    BudgetExhaustion {
        p_breach: f64,
        /// Median day index (from 0) of the first breach and of the first soft alert.
        first_breach_day: f64,
        first_alert_day: f64,
        start_date: Option<crate::date::Date>,
    },
}

/// A series over the horizon: mean and percentile band per day.
#[derive(Clone, Debug, Serialize, PartialEq, Default)]
pub struct Band {
    pub mean: Vec<f64>,
    pub p5: Vec<f64>,
    pub p50: Vec<f64>,
    pub p95: Vec<f64>,
}

impl Band {
    /// The band of `days` days whose day `d` summarises `of_day(d)`.
    pub fn of_days(days: usize, of_day: impl Fn(usize) -> Summary) -> Band {
        let mut band = Band::default();
        for d in 0..days {
            let s = of_day(d);
            band.mean.push(s.mean);
            band.p5.push(s.p5);
            band.p50.push(s.p50);
            band.p95.push(s.p95);
        }
        band
    }

    /// Whether it has no days.
    pub fn is_empty(&self) -> bool {
        self.mean.is_empty()
    }
}

/// A named summary (spend by owner, by model).
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Named {
    pub name: String,
    pub usd: Summary,
}

/// A policy's budget as a line to plot against cumulative spend.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct BudgetLine {
    pub scope: &'static str,
    pub period: &'static str,
    /// The cap per period, summed over owners for per-owner budgets.
    pub cap_usd: f64,
    /// Cumulative spend allowed by the end of each day.
    pub cumulative_cap_usd: Vec<f64>,
    /// Share of runs in which the budget was exhausted at least once.
    pub p_breach: f64,
}

/// Another policy's budget cap that this policy's spend would exceed, had it that cap: the
/// share of runs in which its spend in some period of the cap's kind is above the cap (summed
/// over owners for per-owner caps).
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct CapExceedance {
    /// The policy whose budget sets the cap.
    pub policy: String,
    pub scope: &'static str,
    pub period: &'static str,
    pub cap_usd: f64,
    pub share_of_runs: f64,
}

/// The kinds of risk a policy is flagged for (written in JSON in snake case).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RiskKind {
    /// Success falls by more than the guardrail in more than 10 % of runs.
    QualityErosion,
    /// Cheaper in total only because fewer tasks succeed (a policy, or one of its tactics).
    FalseSavings,
    /// Much of the saving comes from rejected or truncated work.
    BadIncentive,
    /// Spend on task classes without an owner.
    MissingAttribution,
    /// p95 latency above the guardrail.
    Latency,
    /// The policy's budget runs out within the horizon in some runs.
    BudgetExhaustion,
    /// Savings by tactic that may hide false savings (only as a check not evaluated).
    FalseSavingsByTactic,
}

impl RiskKind {
    /// Every kind.
    pub const ALL: [RiskKind; 7] = [
        RiskKind::QualityErosion,
        RiskKind::FalseSavings,
        RiskKind::BadIncentive,
        RiskKind::MissingAttribution,
        RiskKind::Latency,
        RiskKind::BudgetExhaustion,
        RiskKind::FalseSavingsByTactic,
    ];

    /// The kind as written in JSON and CSV.
    pub fn key(self) -> &'static str {
        match self {
            RiskKind::QualityErosion => "quality_erosion",
            RiskKind::FalseSavings => "false_savings",
            RiskKind::BadIncentive => "bad_incentive",
            RiskKind::MissingAttribution => "missing_attribution",
            RiskKind::Latency => "latency",
            RiskKind::BudgetExhaustion => "budget_exhaustion",
            RiskKind::FalseSavingsByTactic => "false_savings_by_tactic",
        }
    }
}

/// The risk of running out of a budget, and a budget that keeps that risk low (DESIGN: a
/// budget you can defend).
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct BudgetRisk {
    /// The budget period the figures are for: the policy's own, else calendar months.
    pub period: &'static str,
    /// The risk the safe budget is for: P(running out within some period) ≤ this.
    pub risk: f64,
    /// The cap per period that keeps that risk: the `1 − risk` quantile, across runs, of the
    /// highest spend in any one period of the horizon.
    pub safe_cap_usd: f64,
    /// With a budget: the share of runs that exhausted it by the end of each day (rises to
    /// P(breach by horizon) on the last day).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub breach_by_day: Vec<f64>,
    /// Whether the policy's own budget bound in some runs (its spend is then what the cap let
    /// through, so the safe cap is a lower bound for the unconstrained spend).
    pub capped_spend: bool,
    /// The whole periods the safe cap rests on. Periods the horizon covers only in part (a
    /// stub at either end) are left out when there is a whole one; when there is none, the
    /// horizon's spend is scaled to the full length of the period it covers most
    /// (`scaled_stub_days` says from how many days), so that the cap is always for a full period.
    pub whole_periods: u32,
    pub stub_days_left_out: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scaled_stub_days: Option<u32>,
}

/// The default risk a safe budget is for.
pub use crate::model::scenario::DEFAULT_BUDGET_RISK;

/// A run's spend in each budget period, `periods` giving each day's period.
pub fn spend_per_period(r: &RunMetrics, periods: &[u32]) -> Vec<f64> {
    let mut per = vec![0.0f64; periods.iter().copied().max().map_or(0, |m| m as usize + 1)];
    for (usd, &k) in r.spend_by_day_usd.iter().zip(periods) {
        per[k as usize] += usd;
    }
    per
}

/// The budget risk of one policy from its runs: `periods` gives each day's budget period and
/// `lengths` each period's full length in days.
pub fn budget_risk(
    runs: &[RunMetrics],
    (periods, lengths): (&[u32], &[u32]),
    period: &'static str,
    risk: f64,
    with_budget: bool,
) -> BudgetRisk {
    let n_periods = periods.iter().copied().max().map_or(0, |m| m as usize + 1);
    let mut covered = vec![0u32; n_periods];
    for &k in periods {
        covered[k as usize] += 1;
    }
    let whole: Vec<bool> = (0..n_periods)
        .map(|k| lengths.get(k).is_some_and(|&full| covered[k] >= full))
        .collect();
    let whole_periods = whole.iter().filter(|w| **w).count() as u32;
    // With a whole period, only whole periods count. Without one, the horizon's spend is scaled
    // to the full length of the period it covers most (scaling each stub alone would multiply
    // a few days' noise by as much as 31).
    let main = (0..n_periods)
        .max_by_key(|&k| (covered[k], std::cmp::Reverse(k)))
        .unwrap_or(0);
    let horizon_days = periods.len().max(1) as f64;
    let scale = f64::from(lengths.get(main).copied().unwrap_or(1)) / horizon_days;
    let highest = runs.iter().map(|r| {
        if whole_periods == 0 {
            return r.spend_by_day_usd.iter().sum::<f64>() * scale;
        }
        spend_per_period(r, periods)
            .iter()
            .zip(&whole)
            .filter(|(_, w)| **w)
            .map(|(x, _)| *x)
            .fold(0.0f64, f64::max)
    });
    let mut highest: Vec<f64> = highest.collect();
    highest.sort_by(f64::total_cmp);
    let safe_cap_usd = super::metrics::quantile_sorted(&highest, 1.0 - risk);
    let stub_days: u32 = (0..n_periods).filter(|&k| !whole[k]).map(|k| covered[k]).sum();
    let horizon = periods.len();
    let breach_by_day = if with_budget && !runs.is_empty() {
        (0..horizon)
            .map(|d| {
                runs.iter()
                    .filter(|r| r.values[m::FIRST_BREACH_DAY].is_finite() && r.values[m::FIRST_BREACH_DAY] <= d as f64)
                    .count() as f64
                    / runs.len() as f64
            })
            .collect()
    } else {
        Vec::new()
    };
    BudgetRisk {
        period,
        risk,
        safe_cap_usd,
        capped_spend: breach_by_day.last().is_some_and(|p| *p > 0.0),
        breach_by_day,
        whole_periods,
        stub_days_left_out: if whole_periods > 0 { stub_days } else { 0 },
        scaled_stub_days: (whole_periods == 0 && stub_days > 0).then_some(stub_days),
    }
}

/// Everything about one policy.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct PolicyResult {
    pub name: String,
    pub version: String,
    pub notes: String,
    pub is_baseline: bool,
    #[serde(serialize_with = "super::metrics::serialize_keyed")]
    pub metrics: MetricMap<Summary>,
    /// Against the baseline, run by run (`None` for the baseline; written as `{}`).
    #[serde(serialize_with = "serialize_deltas")]
    pub delta_vs_baseline: Option<MetricMap<Delta>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub savings_by_tactic: Option<Savings>,
    /// The tactics in which this policy differs from the baseline.
    pub differs_in: Vec<Tactic>,
    pub cumulative_spend_usd: Band,
    /// With events: each day's cost per request across runs (a session's later turns are
    /// billed on their own days, counted on the day it started). Empty without events.
    #[serde(skip_serializing_if = "Band::is_empty")]
    pub daily_cost_per_request_usd: Band,
    pub spend_by_owner: Vec<Named>,
    pub spend_by_model: Vec<Named>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub budget: Option<BudgetLine>,
    /// The risk of running out of a budget by each day, and the cap that keeps it at 10 %.
    pub budget_risk: BudgetRisk,
    /// What drives the spread of spend, cost per success, success rate and the saving: the
    /// uncertain inputs ranked by rank correlation with each across runs.
    pub sensitivity: Vec<super::sensitivity::Sensitivity>,
    pub risk_flags: Vec<RiskFlag>,
    /// The scenario's other budget caps this policy's spend would exceed (with the share of
    /// runs), so that a recommendation never hides one.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub caps_exceeded: Vec<CapExceedance>,
    /// Risk checks that could not run (they need savings by tactic, skipped by
    /// `--no-attribution`), e.g. `false_savings_by_tactic`, `bad_incentive`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub risk_flags_not_evaluated: Vec<RiskKind>,
    /// Per-run metrics (not in JSON: the CSV report carries them).
    /// Session turns by turn number: what the history's growth does to each call and turn.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub by_turn: Vec<TurnFigures>,
    #[serde(skip)]
    pub runs: Vec<RunMetrics>,
}

/// Turn rows the results keep: the last holds every later turn.
pub const MAX_TURN_ROWS: usize = 64;

/// One turn number of a policy's sessions, as means over the runs.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct TurnFigures {
    /// The turn's number, from 1 (the last row holds every later turn too).
    pub turn: u32,
    /// Turns run with this number per run (sessions that got this far).
    pub turns_per_run: f64,
    /// Input tokens per model call in these turns (prefix, history and new input).
    pub input_tokens_per_call: f64,
    /// Model calls per turn (tool steps, the answer, retries, compaction).
    pub calls_per_turn: f64,
    /// Spend per turn of this number.
    pub cost_per_turn_usd: f64,
}

/// The per-turn figures of a policy's runs: means over runs of each turn number's totals
/// (turn numbers no session reached are left out).
pub fn turn_figures(runs: &[RunMetrics]) -> Vec<TurnFigures> {
    let bins = runs.iter().map(|r| r.by_turn.len()).max().unwrap_or(0);
    let n = runs.len().max(1) as f64;
    (0..bins)
        .filter_map(|b| {
            let sum = |i: usize| runs.iter().map(|r| r.by_turn.get(b).map_or(0.0, |x| x[i])).sum::<f64>() / n;
            let (calls, input, cost, turns) = (sum(0), sum(1), sum(2), sum(3));
            (turns > 0.0).then(|| TurnFigures {
                turn: b as u32 + 1,
                turns_per_run: turns,
                input_tokens_per_call: if calls > 0.0 { input / calls } else { 0.0 },
                calls_per_turn: calls / turns,
                cost_per_turn_usd: cost / turns,
            })
        })
        .collect()
}

impl PolicyResult {
    /// A metric's summary across runs.
    pub fn metric(&self, m: Metric) -> Summary {
        self.metrics[m]
    }

    /// A metric's paired delta against the baseline (`None` for the baseline itself).
    pub fn delta(&self, m: Metric) -> Option<Delta> {
        self.delta_vs_baseline.as_ref().map(|d| d[m])
    }
}

/// The deltas keyed by metric, or `{}` for the baseline.
fn serialize_deltas<S: serde::Serializer>(d: &Option<MetricMap<Delta>>, s: S) -> Result<S::Ok, S::Error> {
    match d {
        Some(map) => super::metrics::serialize_keyed(map, s),
        None => s.collect_map(std::iter::empty::<(&str, Delta)>()),
    }
}

/// How the engine ran.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct EngineInfo {
    /// `exact` or `sampled`.
    pub name: &'static str,
    /// The sampled engine's tasks simulated per day (at most).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sample_per_day: Option<u64>,
    /// Share of the scenario's tasks that were simulated (1 for the exact engine).
    pub share_simulated: f64,
    /// The sampled engine's noise: the standard error that sampling adds to the baseline's cost
    /// per request (median over runs), as a share of its p5–p95 width across runs.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sampling_noise_share: Option<f64>,
    /// Task simulations: tasks simulated × policies (attribution variants included).
    pub tasks_simulated: u64,
    /// Policies simulated, attribution variants included.
    pub policies_simulated: usize,
    pub wall_seconds: f64,
    pub threads: usize,
}

impl EngineInfo {
    /// The engine choice that runs this engine again, on the same sample: what makes another
    /// simulation's runs pair with these.
    pub fn same_choice(&self) -> EngineChoice {
        self.sample_per_day.map_or(EngineChoice::Exact, |k| {
            EngineChoice::Sampled(u32::try_from(k).unwrap_or(u32::MAX))
        })
    }
}

/// The results of simulating a scenario.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Results {
    pub scenario: String,
    pub costplan_version: &'static str,
    pub seed: u64,
    pub runs: u32,
    pub horizon_days: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub start_date: Option<crate::date::Date>,
    /// FNV-1a hash of the scenario and every file it refers to.
    pub scenario_hash: String,
    pub owners: Vec<String>,
    pub models: Vec<String>,
    /// The baseline first.
    pub policies: Vec<PolicyResult>,
    pub engine: EngineInfo,
    /// The scenario's events, and what each does to every policy's horizon spend when
    /// [`SimOptions::event_effects`] asked for it (else their `spend_change_usd` is empty).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub events: Vec<EventEffect>,
}

/// One policy across the uncertain futures a scenario's runs draw (with events: dates that may
/// come early or late, changes that may not happen): its expected spend over the horizon, the
/// mean of its worst 10 % of runs, and its regret — in each run, its spend minus the cheapest
/// policy's in that run.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Futures {
    pub policy: String,
    pub expected_usd: f64,
    /// The mean spend of the runs at or above the 90th percentile (the worst 10 %).
    pub worst_10pct_usd: f64,
    pub mean_regret_usd: f64,
    /// The 90th percentile of the regret across runs.
    pub p90_regret_usd: f64,
    /// The share of runs in which it is the cheapest.
    pub best_share: f64,
    pub success_rate: f64,
}

/// The regret table of a simulation's policies (see [`Futures`]), in `policies` order.
pub fn futures(r: &Results) -> Vec<Futures> {
    let runs = r.policies.iter().map(|p| p.runs.len()).min().unwrap_or(0);
    let cost = |p: &PolicyResult, k: usize| p.runs[k].values[Metric::CostTotal];
    let best: Vec<f64> = (0..runs)
        .map(|k| r.policies.iter().map(|p| cost(p, k)).fold(f64::INFINITY, f64::min))
        .collect();
    r.policies
        .iter()
        .map(|p| {
            let mut spend: Vec<f64> = (0..runs).map(|k| cost(p, k)).collect();
            let regret: Vec<f64> = (0..runs).map(|k| cost(p, k) - best[k]).collect();
            spend.sort_by(f64::total_cmp);
            let tail_from = ((runs as f64) * 0.9).floor() as usize;
            let tail = &spend[tail_from.min(runs.saturating_sub(1))..];
            let mean = |xs: &[f64]| {
                if xs.is_empty() {
                    f64::NAN
                } else {
                    xs.iter().sum::<f64>() / xs.len() as f64
                }
            };
            Futures {
                policy: p.name.clone(),
                expected_usd: mean(&spend),
                worst_10pct_usd: mean(tail),
                mean_regret_usd: mean(&regret),
                p90_regret_usd: {
                    let mut sorted = regret.clone();
                    sorted.sort_by(f64::total_cmp);
                    m::quantile_sorted(&sorted, 0.9)
                },
                best_share: if runs == 0 {
                    f64::NAN
                } else {
                    regret.iter().filter(|x| **x == 0.0).count() as f64 / runs as f64
                },
                success_rate: p.metric(Metric::SuccessRate).mean,
            }
        })
        .collect()
}

/// What one event does to the horizon spend: each policy's spend with the event minus without
/// it, run by run on the same draws (paired); for a rollout, its column against the baseline.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct EventEffect {
    pub event: String,
    /// When: a date, or the range of an uncertain one ("2027-01-01 – 2027-03-31").
    pub on: String,
    /// The first and last day of the horizon (0 = the start date) it may take effect on.
    pub first_day: i64,
    pub last_day: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub probability: Option<f64>,
    /// Per policy, in `policies` order: the change in spend over the horizon, US dollars
    /// (empty when not measured).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub spend_change_usd: Vec<Summary>,
    /// For a launch or a deprecation: the model, and the policies that call it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub depending_policies: Vec<String>,
}

impl Results {
    /// Whether what each event does was measured (see [`EventEffect::spend_change_usd`]).
    pub fn event_effects_measured(&self) -> bool {
        self.events.iter().any(|e| !e.spend_change_usd.is_empty())
    }

    /// The baseline's results.
    /// The metrics worth a row in a table: all, less the session metrics when no policy saw a
    /// session.
    pub fn metrics_shown(&self) -> Vec<Metric> {
        let sessions = self.policies.iter().any(|p| p.metric(Metric::Sessions).mean > 0.0);
        Metric::ALL
            .iter()
            .copied()
            .filter(|m| sessions || !m.session_only())
            .collect()
    }

    pub fn baseline(&self) -> &PolicyResult {
        &self.policies[0]
    }
    /// A policy's results by name.
    pub fn policy(&self, name: &str) -> Option<&PolicyResult> {
        self.policies.iter().find(|p| p.name == name)
    }
}
