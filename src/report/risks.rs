//! Risk flags in words: the one-line finding and why it matters, made from the figures the
//! simulation found (`sim::results::RiskFacts`). The only place a flag's sentence is written.

use super::format::{usd, whole};
use crate::sim::results::{FlagWords, Results, RiskFacts, RiskFlag};

/// The results with every flag's words filled in, for writing as JSON.
pub fn worded(r: &Results) -> Results {
    let mut out = r.clone();
    for f in out.policies.iter_mut().flat_map(|p| p.risk_flags.iter_mut()) {
        f.words = Some(FlagWords {
            message: message(f),
            explanation: explanation(f),
        });
    }
    out
}

/// One line: what was found.
pub fn message(f: &RiskFlag) -> String {
    match &f.facts {
        RiskFacts::QualityErosion {
            max_drop,
            share_of_runs,
            mean_change,
        } => format!(
            "success rate falls by more than {:.1} points in {:.0}% of runs (mean change {:+.2} points)",
            max_drop * 100.0,
            share_of_runs * 100.0,
            mean_change * 100.0
        ),
        RiskFacts::FalseSavings {
            spend_fall_usd,
            cost_per_success_rise_usd,
        } => format!(
            "total spend falls by {} but each successful outcome costs {} more",
            usd(*spend_fall_usd),
            usd(*cost_per_success_rise_usd)
        ),
        RiskFacts::TacticFalseSavings {
            saving_usd,
            cost_per_success_rise_usd,
        } => format!(
            "{} saves {} in total but raises the cost per success by {}",
            f.tactic.map_or("a tactic", |t| t.name()),
            usd(*saving_usd),
            usd(*cost_per_success_rise_usd)
        ),
        RiskFacts::BadIncentive {
            share_of_saving,
            rejected_tasks,
            truncated_tasks,
        } => format!(
            "{:.0}% of the saving comes from rejected or truncated work ({} rejected, {} truncated tasks per horizon)",
            share_of_saving * 100.0,
            count(*rejected_tasks),
            count(*truncated_tasks)
        ),
        RiskFacts::MissingAttribution { unowned_share } => {
            format!(
                "{:.1}% of spend is on task classes without an owner",
                unowned_share * 100.0
            )
        }
        RiskFacts::Latency {
            p95_ms,
            limit_ms,
            share_of_runs,
        } => format!(
            "p95 latency {} ms (median over runs) is above the {} ms guardrail, in {:.0}% of runs",
            count(*p95_ms),
            count(*limit_ms),
            share_of_runs * 100.0
        ),
        RiskFacts::BudgetExhaustion {
            p_breach,
            first_breach_day,
            first_alert_day,
            start_date,
        } => format!(
            "the budget is exhausted in {:.0}% of runs; median first breach {} (soft alert {})",
            p_breach * 100.0,
            day_label(*start_date, *first_breach_day),
            day_label(*start_date, *first_alert_day)
        ),
    }
}

/// One line: why it matters.
pub fn explanation(f: &RiskFlag) -> &'static str {
    match &f.facts {
        RiskFacts::QualityErosion { .. } => {
            "the saving is paid for with worse answers; the guardrail allows this in at most 10% of runs"
        }
        RiskFacts::FalseSavings { .. } => "cheaper in total only because fewer tasks succeed",
        RiskFacts::TacticFalseSavings { .. } => {
            "this tactic's saving comes from failing work, not from cheaper success"
        }
        RiskFacts::BadIncentive { .. } => {
            "money saved by not doing the work; check that the work really was unnecessary"
        }
        RiskFacts::MissingAttribution { .. } => {
            "spend nobody owns is spend nobody is accountable for; give every class an owner"
        }
        RiskFacts::Latency { .. } => "interactive users wait longer than the product allows",
        RiskFacts::BudgetExhaustion { .. } => "after exhaustion the policy's on_breach action decides what users get",
    }
}

/// A count of tasks or milliseconds, rounded, with thousands separators.
fn count(x: f64) -> String {
    whole(x.max(0.0))
}

/// The date `day` days after the scenario's start, or "day N".
pub fn day_label(start: Option<crate::date::Date>, day: f64) -> String {
    match start {
        Some(d0) if day.is_finite() => crate::date::Date::from_unix_day(d0.unix_day() + day.round() as i64).to_string(),
        _ => format!("day {}", day.round() as i64 + 1),
    }
}
