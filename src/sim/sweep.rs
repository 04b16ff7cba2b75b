//! Sweeping one numeric knob of a policy: every setting is a policy version simulated in one run
//! set beside the baseline, on the same tasks (paired), so the frontier of cost per success
//! against success rate is free of run-to-run noise between points; and goal seek on it.

use serde::Serialize;

use super::engine::{Cancelled, Control};
use super::metrics::{self as m, Summary};
use super::results::{SimOptions, simulate};
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
    /// The settings, evenly spaced from `from` to `to`.
    pub fn values(&self) -> Vec<f64> {
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
        let mut p = base_policy.clone();
        spec.knob.set(&mut p, x)?;
        p.name = format!("{}@{}={x}", base_policy.name, spec.knob.path());
        policies.push(p);
    }
    s.policies = policies;
    s.file.baseline = baseline.name.clone();
    s.validate_edited()
        .map_err(|e| format!("a setting does not validate: {e}"))
}

/// The sweep's points from the results of [`sweep_scenario`].
pub fn sweep_points(scn: &Scenario, policy: &str, spec: &SweepSpec, r: &super::results::Results) -> SweepResult {
    let max_drop = scn.file.guardrails.max_success_drop.get();
    let base = &r.policies[0];
    let points = spec
        .values()
        .into_iter()
        .zip(r.policies.iter().skip(1))
        .map(|(value, p)| {
            let within = p
                .runs
                .iter()
                .zip(&base.runs)
                .filter(|(a, b)| b.values[m::SUCCESS_RATE] - a.values[m::SUCCESS_RATE] <= max_drop)
                .count() as f64
                / p.runs.len().max(1) as f64;
            SweepPoint {
                value,
                cost_per_success_usd: p.metrics["cost_per_success_usd"],
                success_rate: p.metrics["success_rate"],
                spend_usd: p.metrics["cost_total_usd"],
                p_within_quality_guardrail: within,
                breaks_guardrail: p
                    .risk_flags
                    .iter()
                    .any(|f| f.kind == "quality_erosion" || f.kind == "latency"),
            }
        })
        .collect();
    SweepResult {
        policy: policy.to_string(),
        knob: spec.knob.path(),
        runs: r.runs,
        baseline_cost_per_success_usd: base.metrics["cost_per_success_usd"],
        baseline_success_rate: base.metrics["success_rate"],
        max_success_drop: max_drop,
        points,
    }
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
    let r = simulate(&s, &opts, ctl)?;
    Ok(Ok(sweep_points(scn, policy, spec, &r)))
}

/// Goal seek on a sweep: the setting with the lowest mean cost per successful outcome whose
/// success rate stays within the quality guardrail in at least `confidence` of runs (`None` when
/// no setting does).
pub fn cheapest_within_guardrail(r: &SweepResult, confidence: f64) -> Option<&SweepPoint> {
    r.points
        .iter()
        .filter(|p| p.p_within_quality_guardrail >= confidence)
        .min_by(|a, b| a.cost_per_success_usd.mean.total_cmp(&b.cost_per_success_usd.mean))
}
