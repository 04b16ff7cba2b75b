//! Risk flags: the figures behind each (`RiskFacts`; `report::risks` words them) — quality
//! erosion, false savings by policy and by tactic, bad incentives, missing attribution, latency
//! and budget exhaustion.

use super::metrics::{self as m, Metric, RunMetrics, Summary};
use super::results::{PolicyResult, RiskFacts, RiskFlag, RiskKind, Savings};
use crate::model::Scenario;
use crate::model::policy::{OnBreach, Tactic};

/// The smallest rise in cost per success, as a share of the baseline's, that counts as a false
/// saving (smaller rises are within what a planner would call unchanged).
pub const FALSE_SAVINGS_MIN_RISE: f64 = 0.01;

pub(super) fn risk_flags(
    p: &PolicyResult,
    per_run: &[Vec<RunMetrics>],
    pi: usize,
    guard: &crate::model::scenario::Guardrails,
    budget: Option<&crate::model::policy::Budget>,
    scn: &Scenario,
) -> Vec<RiskFlag> {
    let mut flags = Vec::new();
    let get = |k: Metric| p.metric(k);
    if pi > 0 {
        flags.extend(candidate_flags(p, per_run, pi, guard, budget));
    }
    let unowned = get(Metric::UnownedSpendShare).mean;
    if unowned > 0.0 {
        flags.push(RiskFlag::new(
            RiskKind::MissingAttribution,
            unowned,
            RiskFacts::MissingAttribution { unowned_share: unowned },
        ));
    }
    if let Some(limit) = guard.p95_latency_ms {
        let p95 = get(Metric::LatencyP95).p50;
        if p95 > limit.get() {
            let runs = per_run
                .iter()
                .map(|r| r[pi].values[m::LATENCY_P95])
                .filter(|x| x.is_finite());
            let (above, n) = runs.fold((0usize, 0usize), |(a, n), x| (a + usize::from(x > limit.get()), n + 1));
            flags.push(RiskFlag::new(
                RiskKind::Latency,
                p95,
                RiskFacts::Latency {
                    p95_ms: p95,
                    limit_ms: limit.get(),
                    share_of_runs: above as f64 / n.max(1) as f64,
                },
            ));
        }
    }
    if let Some(b) = &p.budget
        && b.p_breach > 0.0
    {
        let day = get(Metric::FirstBreachDay).p50;
        let alert = get(Metric::FirstAlertDay).p50;
        flags.push(RiskFlag::new(
            RiskKind::BudgetExhaustion,
            b.p_breach,
            RiskFacts::BudgetExhaustion {
                p_breach: b.p_breach,
                first_breach_day: day,
                first_alert_day: alert,
                start_date: scn.start_date(),
            },
        ));
    }
    flags
}

/// The flags of a candidate against the baseline: quality erosion, false savings (the policy's
/// and each tactic's), and savings that come from work not done.
fn candidate_flags(
    p: &PolicyResult,
    per_run: &[Vec<RunMetrics>],
    pi: usize,
    guard: &crate::model::scenario::Guardrails,
    budget: Option<&crate::model::policy::Budget>,
) -> Vec<RiskFlag> {
    let mut flags = Vec::new();
    let delta = |k: Metric| p.delta(k).unwrap_or_default();
    let drop = guard.max_success_drop.get();
    let n = per_run.len() as f64;
    let p_erosion = per_run
        .iter()
        .filter(|r| r[0].values[m::SUCCESS_RATE] - r[pi].values[m::SUCCESS_RATE] > drop)
        .count() as f64
        / n;
    if p_erosion > 0.10 {
        flags.push(RiskFlag::new(
            RiskKind::QualityErosion,
            p_erosion,
            RiskFacts::QualityErosion {
                max_drop: drop,
                share_of_runs: p_erosion,
                mean_change: delta(Metric::SuccessRate).mean,
            },
        ));
    }
    // False savings: total spend falls and the cost per success rises, both with 90 %
    // intervals that exclude zero, by more than FALSE_SAVINGS_MIN_RISE of the baseline's.
    let base_cps = Summary::of(per_run.iter().map(|r| r[0].values[m::COST_PER_SUCCESS])).mean;
    let min_rise = FALSE_SAVINGS_MIN_RISE * base_cps.abs();
    let dc = delta(Metric::CostTotal);
    let dcps = delta(Metric::CostPerSuccess);
    let policy_flag = dc.p95 < 0.0 && dcps.p5 > 0.0 && dcps.mean > min_rise;
    if policy_flag {
        flags.push(RiskFlag::new(
            RiskKind::FalseSavings,
            dcps.mean,
            RiskFacts::FalseSavings {
                spend_fall_usd: -dc.mean,
                cost_per_success_rise_usd: dcps.mean,
            },
        ));
    }
    if let Some(s) = &p.savings_by_tactic {
        flags.extend(tactic_flags(p, s, budget, min_rise));
    }
    flags
}

/// Flags from the savings by tactic: a tactic's false saving, and savings from rejected or
/// truncated work.
fn tactic_flags(
    p: &PolicyResult,
    s: &Savings,
    budget: Option<&crate::model::policy::Budget>,
    min_rise: f64,
) -> Vec<RiskFlag> {
    let mut flags = Vec::new();
    let get = |k: Metric| p.metric(k);
    // With one differing tactic the policy-level flag already says it all.
    for (t, c) in s.shapley.iter().zip(&s.shapley_cost_per_success) {
        if s.shapley.len() > 1 && t.p5_usd > 0.0 && c.p95_usd < 0.0 && -c.mean_usd > min_rise {
            flags.push(
                RiskFlag::new(
                    RiskKind::FalseSavings,
                    -c.mean_usd,
                    RiskFacts::TacticFalseSavings {
                        saving_usd: t.mean_usd,
                        cost_per_success_rise_usd: -c.mean_usd,
                    },
                )
                .about(t.tactic),
            );
        }
    }
    let total: f64 = s.shapley.iter().map(|t| t.mean_usd).sum();
    let rejecting = budget.is_some_and(|b| b.on_breach == OnBreach::Reject);
    let from_cut: f64 = s
        .shapley
        .iter()
        .filter(|t| t.tactic == Tactic::ContextCap || (t.tactic == Tactic::Budget && rejecting))
        .map(|t| t.mean_usd)
        .sum();
    let cut_work = get(Metric::RejectedTasks).mean + get(Metric::TruncatedTasks).mean;
    if total > 0.0 && cut_work > 0.0 && from_cut / total > 0.2 {
        flags.push(RiskFlag::new(
            RiskKind::BadIncentive,
            from_cut / total,
            RiskFacts::BadIncentive {
                share_of_saving: from_cut / total,
                rejected_tasks: get(Metric::RejectedTasks).mean,
                truncated_tasks: get(Metric::TruncatedTasks).mean,
            },
        ));
    }
    flags
}
