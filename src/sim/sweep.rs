//! Sweeping one numeric knob of a policy: every setting is a policy version simulated in one run
//! set beside the baseline, on the same tasks (paired), so the frontier of cost per success
//! against success rate is free of run-to-run noise between points; and goal seek on it.

use serde::Serialize;

use super::engine::{Cancelled, Control};
use super::metrics::{self as m, Metric, Summary};
use super::results::{EngineChoice, EngineInfo, PolicyResult, Results, SimOptions, simulate, split};
use crate::model::policy::Router;
use crate::model::ron_io::{NonNeg, Prob};
use crate::model::{DistSpec, Policy, ProbDist, Scenario};

/// A numeric policy parameter a sweep can set.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum Knob {
    StrongShare,
    ExactCacheHit,
    PromptCacheTtl,
    ContextCap,
    BudgetCap,
    BatchShare,
    VerifierRecall,
    VerifierFalseAlarm,
}

impl Knob {
    /// Every knob with its path as written on the command line.
    pub const ALL: [(Knob, &'static str); 8] = [
        (Knob::StrongShare, "router.strong_share"),
        (Knob::ExactCacheHit, "exact_cache.hit_given_repeat"),
        (Knob::PromptCacheTtl, "prompt_caching.ttl_minutes"),
        (Knob::ContextCap, "context_cap.max_input_tokens"),
        (Knob::BudgetCap, "budget.cap_usd"),
        (Knob::BatchShare, "batch.share"),
        (Knob::VerifierRecall, "router.verifier.recall"),
        (Knob::VerifierFalseAlarm, "router.verifier.false_alarm_rate"),
    ];

    /// The knob a path names.
    pub fn from_path(path: &str) -> Option<Knob> {
        Knob::ALL.iter().find(|(_, p)| *p == path).map(|(k, _)| *k)
    }

    /// The path of the knob.
    pub fn path(self) -> &'static str {
        Knob::ALL
            .iter()
            .find(|(k, _)| *k == self)
            .map(|(_, p)| *p)
            .unwrap_or("")
    }

    /// Sets the knob on `p` to `x`, or says why it cannot (the policy lacks that component, or
    /// the value is out of range).
    pub fn set(self, p: &mut Policy, x: f64) -> Result<(), String> {
        let prob = |x: f64| Prob::new(x).map_err(|e| format!("{}: {e}", self.path()));
        let fixed = |x: f64| -> Result<ProbDist, String> {
            ProbDist::try_from(DistSpec::Fixed(x)).map_err(|e| format!("{}: {e}", self.path()))
        };
        let missing = |what: &str| format!("the policy {:?} has no {what} to sweep", p.name);
        match self {
            Knob::StrongShare => match &mut p.router {
                Some(Router::Learned { strong_share, .. }) => *strong_share = prob(x)?,
                _ => return Err(missing("learned router")),
            },
            Knob::ExactCacheHit => match &mut p.exact_cache {
                Some(c) => c.hit_given_repeat = fixed(x)?,
                None => return Err(missing("exact cache")),
            },
            Knob::PromptCacheTtl => match &mut p.prompt_caching {
                Some(c) => c.ttl_minutes = Some(NonNeg::new(x).map_err(|e| format!("{}: {e}", self.path()))?),
                None => return Err(missing("prompt caching")),
            },
            Knob::ContextCap => match &mut p.context_cap {
                Some(c) if x >= 1.0 && x.is_finite() => c.max_input_tokens = x.round() as u64,
                Some(_) => return Err(format!("{}: expected a token count, found {x}", self.path())),
                None => return Err(missing("context cap")),
            },
            Knob::BudgetCap => match &mut p.budget {
                Some(b) => b.cap_usd = NonNeg::new(x).map_err(|e| format!("{}: {e}", self.path()))?,
                None => return Err(missing("budget")),
            },
            Knob::BatchShare => match &mut p.batch {
                Some(b) => b.share = fixed(x)?,
                None => return Err(missing("batch API")),
            },
            Knob::VerifierRecall | Knob::VerifierFalseAlarm => match &mut p.router {
                Some(Router::Cascade { verifier, .. }) => {
                    let d = fixed(x)?;
                    if self == Knob::VerifierRecall {
                        verifier.recall = d;
                    } else {
                        verifier.false_alarm_rate = d;
                    }
                }
                _ => return Err(missing("cascade verifier")),
            },
        }
        Ok(())
    }
}

/// `router.strong_share=0.1..0.6:11`: a knob, a range and a number of points (2 to 101).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SweepSpec {
    pub knob: Knob,
    pub from: f64,
    pub to: f64,
    pub points: usize,
}

/// The most points one sweep simulates.
pub const MAX_SWEEP_POINTS: usize = 101;

impl std::str::FromStr for SweepSpec {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let form = "expected PATH=FROM..TO:POINTS, e.g. router.strong_share=0.1..0.6:11";
        let (path, rest) = s.split_once('=').ok_or(form)?;
        let knob = Knob::from_path(path.trim()).ok_or_else(|| {
            let all: Vec<&str> = Knob::ALL.iter().map(|(_, p)| *p).collect();
            format!("unknown knob {path:?}; one of: {}", all.join(", "))
        })?;
        let (range, points) = rest.split_once(':').ok_or(form)?;
        let (from, to) = range.split_once("..").ok_or(form)?;
        let num = |t: &str| t.trim().parse::<f64>().ok().filter(|x| x.is_finite()).ok_or(form);
        let points: usize = points.trim().parse().map_err(|_| form)?;
        if !(2..=MAX_SWEEP_POINTS).contains(&points) {
            return Err(format!("between 2 and {MAX_SWEEP_POINTS} points, found {points}"));
        }
        Ok(SweepSpec {
            knob,
            from: num(from)?,
            to: num(to)?,
            points,
        })
    }
}

impl SweepSpec {
    /// The settings, evenly spaced from `from` to `to` (just `from` for a single point).
    pub fn values(&self) -> Vec<f64> {
        if self.points < 2 {
            return vec![self.from];
        }
        // Rounded to 12 decimals, so that 0.1 + 0.2 reads 0.3.
        (0..self.points)
            .map(|i| self.from + (self.to - self.from) * i as f64 / (self.points - 1) as f64)
            .map(|x| (x * 1e12).round() / 1e12)
            .collect()
    }
}

/// One setting of the knob and what it gives, against the baseline on the same runs.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SweepPoint {
    pub value: f64,
    pub cost_per_success_usd: Summary,
    pub success_rate: Summary,
    pub spend_usd: Summary,
    /// The share of runs whose success rate stays within the guardrail's drop of the baseline's.
    pub p_within_quality_guardrail: f64,
    /// Whether it breaks a guardrail (quality in more than 10 % of runs, or p95 latency).
    pub breaks_guardrail: bool,
    /// Spend over the horizon run by run (for "the best quality within a budget").
    #[serde(skip)]
    pub spend_by_run_usd: Vec<f64>,
}

impl SweepPoint {
    /// The share of runs whose spend over the horizon stays within `budget_usd`.
    pub fn p_within_budget(&self, budget_usd: f64) -> f64 {
        let n = self.spend_by_run_usd.len().max(1) as f64;
        self.spend_by_run_usd.iter().filter(|s| **s <= budget_usd).count() as f64 / n
    }
}

/// A sweep's result.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SweepResult {
    pub policy: String,
    pub knob: &'static str,
    pub runs: u32,
    pub baseline_cost_per_success_usd: Summary,
    pub baseline_success_rate: Summary,
    /// The quality guardrail: the largest acceptable drop in success rate.
    pub max_success_drop: f64,
    pub points: Vec<SweepPoint>,
    /// The engine the points were simulated with (refinement points use the same).
    #[serde(skip)]
    pub engine: EngineChoice,
    /// How the engine ran.
    #[serde(rename = "engine")]
    pub engine_info: EngineInfo,
    /// The baseline's success rate run by run (to pair refinement points with).
    #[serde(skip)]
    pub baseline_success_by_run: Vec<f64>,
}

impl SweepResult {
    /// The grid's settings, with `answer` placed among them when bisection found it between
    /// two, in the grid's own order (rising or falling).
    pub fn points_with<'a>(&'a self, answer: Option<&'a SweepPoint>) -> Vec<&'a SweepPoint> {
        let mut points: Vec<&SweepPoint> = self.points.iter().collect();
        if let Some(a) = answer
            && !points.iter().any(|p| p.value == a.value)
        {
            points.push(a);
            let rising = self
                .points
                .first()
                .zip(self.points.last())
                .is_none_or(|(f, l)| f.value <= l.value);
            points.sort_by(|x, y| {
                if rising {
                    x.value.total_cmp(&y.value)
                } else {
                    y.value.total_cmp(&x.value)
                }
            });
        }
        points
    }
}

/// `base` with `knob` set to `x`, named `<base>@<knob>=<x>` (the grid's and the bisection's
/// versions alike).
fn version_at(base: &Policy, knob: Knob, x: f64) -> Result<Policy, String> {
    let mut p = base.clone();
    knob.set(&mut p, x)?;
    p.name = format!("{}@{}={x}", base.name, knob.path());
    Ok(p)
}

/// The scenario a sweep simulates: the baseline and one version of `policy` per setting (named
/// `policy@knob=value`), or why it cannot be built.
pub fn sweep_scenario(scn: &Scenario, policy: &str, spec: &SweepSpec) -> Result<Scenario, String> {
    let Some(base_policy) = scn.policies.iter().find(|p| p.name == policy) else {
        let names: Vec<&str> = scn.policies.iter().map(|p| p.name.as_str()).collect();
        return Err(format!("unknown policy {policy:?}; one of: {}", names.join(", ")));
    };
    let baseline = scn.policies[scn.baseline].clone();
    let mut s = scn.clone();
    let mut policies = vec![baseline.clone()];
    for x in spec.values() {
        policies.push(version_at(base_policy, spec.knob, x)?);
    }
    s.policies = policies;
    s.file.baseline = baseline.name.clone();
    s.validate_edited()
        .map_err(|e| format!("a setting does not validate: {e}"))
}

/// The share of runs a quality guardrail may be broken in before it is flagged (as
/// `quality_erosion`).
const QUALITY_GUARD_RUN_SHARE: f64 = 0.10;

/// One setting's point from its policy's results and the baseline's success rate run by run.
fn point(value: f64, p: &PolicyResult, base_success: &[f64], max_drop: f64) -> SweepPoint {
    let within = p
        .runs
        .iter()
        .zip(base_success)
        .filter(|(a, b)| *b - a.values[m::SUCCESS_RATE] <= max_drop)
        .count() as f64
        / p.runs.len().max(1) as f64;
    SweepPoint {
        value,
        cost_per_success_usd: p.metric(Metric::CostPerSuccess),
        success_rate: p.metric(Metric::SuccessRate),
        spend_usd: p.metric(Metric::CostTotal),
        p_within_quality_guardrail: within,
        breaks_guardrail: within < 1.0 - QUALITY_GUARD_RUN_SHARE
            || p.risk_flags.iter().any(|f| f.kind == super::results::RiskKind::Latency),
        spend_by_run_usd: p.runs.iter().map(|r| r.values[m::COST_TOTAL]).collect(),
    }
}

/// The sweep's points from the results of [`sweep_scenario`].
pub fn sweep_points(scn: &Scenario, policy: &str, spec: &SweepSpec, r: &Results) -> SweepResult {
    let max_drop = scn.file.guardrails.max_success_drop.get();
    let base = &r.policies[0];
    let base_success: Vec<f64> = base.runs.iter().map(|r| r.values[m::SUCCESS_RATE]).collect();
    let points = spec
        .values()
        .into_iter()
        .zip(r.policies.iter().skip(1))
        .map(|(value, p)| point(value, p, &base_success, max_drop))
        .collect();
    SweepResult {
        policy: policy.to_string(),
        knob: spec.knob.path(),
        runs: r.runs,
        baseline_cost_per_success_usd: base.metric(Metric::CostPerSuccess),
        baseline_success_rate: base.metric(Metric::SuccessRate),
        max_success_drop: max_drop,
        points,
        engine: match r.engine.sample_per_day {
            Some(k) => EngineChoice::Sampled(k.min(u64::from(u32::MAX)) as u32),
            None => EngineChoice::Exact,
        },
        engine_info: r.engine.clone(),
        baseline_success_by_run: base_success,
    }
}

/// One setting simulated alone, paired with the sweep's baseline: the runs' parameters and
/// tasks are keyed by seed, run, day and model, not by which policies are simulated, so the
/// setting sees the same tasks as the grid's baseline did (same seed and engine).
fn refine_point(
    scn: &Scenario,
    r: &SweepResult,
    knob: Knob,
    value: f64,
    opts: &SimOptions,
    ctl: &Control,
) -> Result<Result<SweepPoint, String>, Cancelled> {
    let Some(base) = scn.policies.iter().find(|p| p.name == r.policy) else {
        return Ok(Err(format!("unknown policy {:?}", r.policy)));
    };
    let p = match version_at(base, knob, value) {
        Ok(p) => p,
        Err(e) => return Ok(Err(e)),
    };
    let mut s = scn.clone();
    s.file.baseline = p.name.clone();
    s.policies = vec![p];
    let s = match s.validate_edited() {
        Ok(s) => s,
        Err(e) => return Ok(Err(format!("a setting does not validate: {e}"))),
    };
    let opts = SimOptions {
        skip_attribution: true,
        engine: r.engine,
        ..opts.clone()
    };
    let res = match split(simulate(&s, &opts, ctl))? {
        Ok(r) => r,
        Err(e) => return Ok(Err(e)),
    };
    Ok(Ok(point(
        value,
        &res.policies[0],
        &r.baseline_success_by_run,
        r.max_success_drop,
    )))
}

/// Sweeps `spec` on the policy named `policy`: one simulation of the baseline and every setting
/// (no attribution), so the points are paired.
pub fn sweep(
    scn: &Scenario,
    policy: &str,
    spec: &SweepSpec,
    opts: &SimOptions,
    ctl: &Control,
) -> Result<Result<SweepResult, String>, Cancelled> {
    let s = match sweep_scenario(scn, policy, spec) {
        Ok(s) => s,
        Err(e) => return Ok(Err(e)),
    };
    let opts = SimOptions {
        skip_attribution: true,
        ..opts.clone()
    };
    let r = match split(simulate(&s, &opts, ctl))? {
        Ok(r) => r,
        Err(e) => return Ok(Err(e)),
    };
    Ok(Ok(sweep_points(scn, policy, spec, &r)))
}

/// What a goal seek looks for among a knob's settings.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
#[serde(tag = "goal", rename_all = "snake_case")]
pub enum Goal {
    /// The lowest mean cost per successful outcome whose success rate stays within the quality
    /// guardrail (against the baseline, run by run) in at least `confidence` of runs.
    CheapestWithinQualityGuardrail { confidence: f64 },
    /// The highest mean success rate whose spend over the horizon stays within `budget_usd` in
    /// at least `confidence` of runs.
    BestQualityWithinBudget { budget_usd: f64, confidence: f64 },
}

impl Goal {
    /// The probability with which `p` meets the goal's condition.
    pub fn probability(&self, p: &SweepPoint) -> f64 {
        match *self {
            Goal::CheapestWithinQualityGuardrail { .. } => p.p_within_quality_guardrail,
            Goal::BestQualityWithinBudget { budget_usd, .. } => p.p_within_budget(budget_usd),
        }
    }

    /// Whether `p` meets the goal's condition with the required confidence.
    pub fn holds(&self, p: &SweepPoint) -> bool {
        let confidence = match *self {
            Goal::CheapestWithinQualityGuardrail { confidence } | Goal::BestQualityWithinBudget { confidence, .. } => {
                confidence
            }
        };
        self.probability(p) >= confidence
    }

    /// Whether `a` is better than `b` by the goal's objective.
    fn better(&self, a: &SweepPoint, b: &SweepPoint) -> bool {
        match self {
            Goal::CheapestWithinQualityGuardrail { .. } => a.cost_per_success_usd.mean < b.cost_per_success_usd.mean,
            Goal::BestQualityWithinBudget { .. } => a.success_rate.mean > b.success_rate.mean,
        }
    }

    /// The best setting on the sweep's grid that meets the goal, by index.
    pub fn on_grid(&self, r: &SweepResult) -> Option<usize> {
        let mut best: Option<usize> = None;
        for (i, p) in r.points.iter().enumerate() {
            if self.holds(p) && best.is_none_or(|b| self.better(p, &r.points[b])) {
                best = Some(i);
            }
        }
        best
    }
}

/// A goal seek's answer.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct GoalAnswer {
    pub goal: Goal,
    /// The setting found, with its figures (`None`: no setting in the range meets the goal).
    pub point: Option<SweepPoint>,
    /// The probability with which the setting found meets the goal's condition.
    pub probability: Option<f64>,
    /// The settings between which the answer lies: the last that fails the goal and the one
    /// found (equal when the answer is at the end of the range or the grid's best is interior).
    pub bracket: Option<(f64, f64)>,
    /// How many settings bisection simulated beyond the grid (0 when the response was not
    /// monotone around the answer, or the answer is at an end of the range).
    pub bisection_steps: u32,
}

/// How many extra settings bisection simulates: each halves the bracket, so 3 steps pin the
/// answer to an eighth of the grid's step.
pub const BISECTION_STEPS: u32 = 3;

/// Goal seek on a sweep, refined by bisection where the goal's condition is monotone along the
/// grid: the best grid setting meeting the goal, then `steps` settings between it and its
/// failing neighbour, each simulated beside the baseline on the same tasks (same seed and
/// engine as the grid).
pub fn goal_seek(
    scn: &Scenario,
    r: &SweepResult,
    goal: Goal,
    steps: u32,
    opts: &SimOptions,
    ctl: &Control,
) -> Result<Result<GoalAnswer, String>, Cancelled> {
    let Some(i) = goal.on_grid(r) else {
        return Ok(Ok(GoalAnswer {
            goal,
            point: None,
            probability: None,
            bracket: None,
            bisection_steps: 0,
        }));
    };
    let mut best = r.points[i].clone();
    // The condition must flip once along the grid (holds on one side only), and the failing
    // neighbour must be better by the objective, for the answer to lie between them.
    let holds: Vec<bool> = r.points.iter().map(|p| goal.holds(p)).collect();
    let flips = holds.windows(2).filter(|w| w[0] != w[1]).count();
    let neighbour = [i.checked_sub(1), Some(i + 1)]
        .into_iter()
        .flatten()
        .find(|&j| j < r.points.len() && !holds[j] && goal.better(&r.points[j], &r.points[i]));
    let Some(j) = neighbour.filter(|_| flips == 1 && steps > 0) else {
        return Ok(Ok(GoalAnswer {
            goal,
            probability: Some(goal.probability(&best)),
            point: Some(best),
            bracket: None,
            bisection_steps: 0,
        }));
    };
    let (mut fail, mut pass) = (r.points[j].value, r.points[i].value);
    let Some(knob) = Knob::from_path(r.knob) else {
        return Ok(Err(format!("unknown knob {:?}", r.knob)));
    };
    for _ in 0..steps {
        let mid = (fail + pass) / 2.0;
        let p = match refine_point(scn, r, knob, mid, opts, ctl)? {
            Ok(p) => p,
            Err(e) => return Ok(Err(e)),
        };
        if goal.holds(&p) {
            pass = mid;
            if goal.better(&p, &best) {
                best = p;
            }
        } else {
            fail = mid;
        }
    }
    Ok(Ok(GoalAnswer {
        goal,
        probability: Some(goal.probability(&best)),
        point: Some(best),
        bracket: Some((fail, pass)),
        bisection_steps: steps,
    }))
}

/// Goal seek on a sweep: the setting with the lowest mean cost per successful outcome whose
/// success rate stays within the quality guardrail in at least `confidence` of runs (`None` when
/// no setting does).
pub fn cheapest_within_guardrail(r: &SweepResult, confidence: f64) -> Option<&SweepPoint> {
    Goal::CheapestWithinQualityGuardrail { confidence }
        .on_grid(r)
        .map(|i| &r.points[i])
}
