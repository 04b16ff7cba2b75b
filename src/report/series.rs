//! Results → plot series: pure functions, tested without a window.

use crate::sim::metrics::{self as m};
use crate::sim::results::{PolicyResult, Results, TacticSaving};

/// A policy's cumulative spend over the horizon: day numbers (1-based) and the p5/p50/p95 lines.
#[derive(Clone, Debug, PartialEq)]
pub struct SpendBand {
    pub days: Vec<f64>,
    pub p5: Vec<f64>,
    pub p50: Vec<f64>,
    pub p95: Vec<f64>,
}

/// The cumulative spend band of a policy.
pub fn spend_band(p: &PolicyResult) -> SpendBand {
    let c = &p.cumulative_spend_usd;
    SpendBand {
        days: (1..=c.p50.len()).map(|d| d as f64).collect(),
        p5: c.p5.clone(),
        p50: c.p50.clone(),
        p95: c.p95.clone(),
    }
}

/// A policy's cost per request day by day (with events): day numbers (1-based, the day's end,
/// as in [`spend_band`]) and the p5/p50/p95 across runs; empty without events. Days without
/// tasks are left out.
pub fn daily_cost_per_request(p: &PolicyResult) -> SpendBand {
    let b = &p.daily_cost_per_request_usd;
    let mut out = SpendBand {
        days: Vec::new(),
        p5: Vec::new(),
        p50: Vec::new(),
        p95: Vec::new(),
    };
    for d in 0..b.p50.len() {
        if b.p50[d].is_finite() && b.p5[d].is_finite() && b.p95[d].is_finite() {
            out.days.push(d as f64 + 1.0);
            out.p5.push(b.p5[d]);
            out.p50.push(b.p50[d]);
            out.p95.push(b.p95[d]);
        }
    }
    out
}

/// An event on the spend chart: its tag ("E1"), and where it may take effect on the chart's day
/// axis (`from == to` for a fixed date: a line; else a band over the uncertain dates).
#[derive(Clone, Debug, PartialEq)]
pub struct EventMarker {
    pub tag: String,
    pub label: String,
    pub from_day: f64,
    pub to_day: f64,
}

/// The events that take effect within the horizon, as markers on the spend chart's day axis
/// (an event on day k starts at the end of day k on the axis of [`spend_band`], whose day 1 is
/// the first day's end; a band ends after its last possible day). Tags number every event, so
/// they match the events table's.
pub fn event_markers(r: &Results) -> Vec<EventMarker> {
    let days = f64::from(r.horizon_days);
    r.events
        .iter()
        .enumerate()
        .filter_map(|(i, e)| {
            let from = e.first_day as f64;
            let to = if e.last_day > e.first_day {
                e.last_day as f64 + 1.0
            } else {
                from
            };
            (to >= 0.0 && from < days).then(|| EventMarker {
                tag: event_tag(i),
                label: e.event.clone(),
                from_day: from.clamp(0.0, days),
                to_day: to.clamp(0.0, days),
            })
        })
        .collect()
}

/// The tag of the `i`-th event (0-based) in charts and tables: "E1".
pub fn event_tag(i: usize) -> String {
    crate::model::events::tag(i)
}

/// A policy's cost per turn by turn number, `[turn, usd]` (empty without sessions). The last
/// point holds every later turn too.
pub fn cost_by_turn(p: &PolicyResult) -> Vec<[f64; 2]> {
    p.by_turn
        .iter()
        .map(|t| [f64::from(t.turn), t.cost_per_turn_usd])
        .collect()
}

/// A policy's input tokens per call by turn number, `[turn, tokens]`: the history's growth.
pub fn input_by_turn(p: &PolicyResult) -> Vec<[f64; 2]> {
    p.by_turn
        .iter()
        .map(|t| [f64::from(t.turn), t.input_tokens_per_call])
        .collect()
}

/// The budget as a cumulative line `[day, usd]`, if the policy has one.
pub fn budget_line(p: &PolicyResult) -> Option<Vec<[f64; 2]>> {
    p.budget.as_ref().map(|b| {
        b.cumulative_cap_usd
            .iter()
            .enumerate()
            .map(|(d, y)| [(d + 1) as f64, *y])
            .collect()
    })
}

/// A budget line is drawn on a spend chart only up to this many times the highest p95 spend
/// shown: a cap far above the spend (even a valid 1e308) would squash the spend into the
/// bottom pixel row and break the axis.
pub const BUDGET_AXIS_MAX_RATIO: f64 = 4.0;

/// The part of a policy's budget line that a spend chart of `results` shows (points above
/// `BUDGET_AXIS_MAX_RATIO` × the highest p95 spend of any policy are left out), or `None` for a
/// policy without a budget.
pub fn budget_line_on_chart(results: &crate::sim::results::Results, p: &PolicyResult) -> Option<Vec<[f64; 2]>> {
    let top = spend_chart_max(results);
    budget_line(p).map(|l| l.into_iter().filter(|x| x[1].is_finite() && x[1] <= top).collect())
}

/// The highest value a spend chart of `results` needs: the highest p95 cumulative spend, times
/// `BUDGET_AXIS_MAX_RATIO` (room for a budget line above it).
pub fn spend_chart_max(results: &crate::sim::results::Results) -> f64 {
    let spend = results
        .policies
        .iter()
        .flat_map(|p| p.cumulative_spend_usd.p95.iter().copied())
        .filter(|v| v.is_finite())
        .fold(0.0f64, f64::max);
    if spend > 0.0 {
        spend * BUDGET_AXIS_MAX_RATIO
    } else {
        1.0
    }
}

/// One point per run: `[spend over the horizon, success rate in %]`.
pub fn quality_vs_cost(p: &PolicyResult) -> Vec<[f64; 2]> {
    p.runs
        .iter()
        .map(|r| [r.values[m::COST_TOTAL], r.values[m::SUCCESS_RATE] * 100.0])
        .filter(|x| x[0].is_finite() && x[1].is_finite())
        .collect()
}

/// Histograms of the cost per successful outcome, one per policy, on shared bins: each is a
/// The distribution of each policy's cost per successful outcome as a smooth density (Gaussian
/// kernel, Silverman's bandwidth per policy) on one shared grid of `points` values: a policy
/// whose runs sit close together shows a narrow, tall bump instead of falling into one or two
/// shared histogram bins. Each curve integrates to 1 (per dollar).
pub fn cost_per_success_densities(r: &Results, points: usize) -> Vec<(String, Vec<[f64; 2]>)> {
    let per_policy: Vec<Vec<f64>> = r
        .policies
        .iter()
        .map(|p| {
            p.runs
                .iter()
                .map(|x| x.values[m::COST_PER_SUCCESS])
                .filter(|x| x.is_finite())
                .collect()
        })
        .collect();
    let bandwidth = |v: &[f64]| {
        let n = v.len() as f64;
        let mean = v.iter().sum::<f64>() / n;
        let sd = (v.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0).max(1.0)).sqrt();
        let scale = if sd > 0.0 { sd } else { mean.abs().max(1e-9) * 0.01 };
        1.06 * scale * n.powf(-0.2)
    };
    let bws: Vec<f64> = per_policy
        .iter()
        .map(|v| if v.is_empty() { 0.0 } else { bandwidth(v) })
        .collect();
    let (lo, hi) = per_policy
        .iter()
        .zip(&bws)
        .flat_map(|(v, bw)| v.iter().map(move |x| (x - 3.0 * bw, x + 3.0 * bw)))
        .fold((f64::INFINITY, f64::NEG_INFINITY), |a, b| (a.0.min(b.0), a.1.max(b.1)));
    if !lo.is_finite() || points < 2 {
        return Vec::new();
    }
    let step = (hi - lo) / (points - 1) as f64;
    let norm = 1.0 / (2.0 * std::f64::consts::PI).sqrt();
    r.policies
        .iter()
        .zip(per_policy.iter().zip(&bws))
        .map(|(p, (v, bw))| {
            let pts = (0..points)
                .map(|k| {
                    let x = lo + k as f64 * step;
                    let y = if v.is_empty() || *bw <= 0.0 {
                        0.0
                    } else {
                        v.iter().map(|xi| (-0.5 * ((x - xi) / bw).powi(2)).exp()).sum::<f64>() * norm
                            / (v.len() as f64 * bw)
                    };
                    [x, y]
                })
                .collect();
            (p.name.clone(), pts)
        })
        .collect()
}

/// list of `[bin centre, share of runs]`.
pub fn cost_per_success_histograms(r: &Results, bins: usize) -> Vec<(String, Vec<[f64; 2]>)> {
    let all: Vec<f64> = r
        .policies
        .iter()
        .flat_map(|p| p.runs.iter().map(|x| x.values[m::COST_PER_SUCCESS]))
        .filter(|x| x.is_finite())
        .collect();
    if all.is_empty() || bins == 0 {
        return Vec::new();
    }
    let lo = all.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = all.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let width = if hi > lo { (hi - lo) / bins as f64 } else { 1.0 };
    r.policies
        .iter()
        .map(|p| {
            let mut counts = vec![0usize; bins];
            let mut n = 0usize;
            for x in p
                .runs
                .iter()
                .map(|x| x.values[m::COST_PER_SUCCESS])
                .filter(|x| x.is_finite())
            {
                let b = (((x - lo) / width) as usize).min(bins - 1);
                counts[b] += 1;
                n += 1;
            }
            let pts = counts
                .iter()
                .enumerate()
                .map(|(b, c)| {
                    [
                        lo + (b as f64 + 0.5) * width,
                        if n > 0 { *c as f64 / n as f64 } else { 0.0 },
                    ]
                })
                .collect();
            (p.name.clone(), pts)
        })
        .collect()
}

/// Which attribution to show.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Attribution {
    Shapley,
    Waterfall,
}

/// Which saving to attribute.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SavingOf {
    TotalCost,
    CostPerSuccess,
}

/// One bar of savings by tactic: where it sits, its label and its mean with p5–p95.
#[derive(Clone, Debug, PartialEq)]
pub struct SavingBar {
    pub x: f64,
    pub tactic: crate::model::Tactic,
    pub mean: f64,
    pub p5: f64,
    pub p95: f64,
}

/// Savings bars of a candidate (empty for the baseline or without attribution).
pub fn savings_bars(p: &PolicyResult, how: Attribution, of: SavingOf) -> Vec<SavingBar> {
    let Some(s) = &p.savings_by_tactic else {
        return Vec::new();
    };
    let list: &[TacticSaving] = match (how, of) {
        (Attribution::Shapley, SavingOf::TotalCost) => &s.shapley,
        (Attribution::Waterfall, SavingOf::TotalCost) => &s.waterfall,
        (Attribution::Shapley, SavingOf::CostPerSuccess) => &s.shapley_cost_per_success,
        (Attribution::Waterfall, SavingOf::CostPerSuccess) => &s.waterfall_cost_per_success,
    };
    list.iter()
        .enumerate()
        .map(|(i, t)| SavingBar {
            x: i as f64,
            tactic: t.tactic,
            mean: t.mean_usd,
            p5: t.p5_usd,
            p95: t.p95_usd,
        })
        .collect()
}

/// Grouped bars of spend (median across runs) by owner or by model: `(group, [(policy, usd)])`.
pub fn spend_groups(r: &Results, by_owner: bool) -> Vec<(String, Vec<(String, f64)>)> {
    let names: Vec<String> = if by_owner {
        r.owners.clone()
    } else {
        let mut n = r.models.clone();
        if r.policies
            .iter()
            .any(|p| p.spend_by_model.iter().any(|x| x.name == "embeddings"))
        {
            n.push("embeddings".into());
        }
        n
    };
    names
        .iter()
        .map(|g| {
            let per_policy = r
                .policies
                .iter()
                .map(|p| {
                    let list = if by_owner { &p.spend_by_owner } else { &p.spend_by_model };
                    (
                        p.name.clone(),
                        list.iter().find(|x| &x.name == g).map(|x| x.usd.p50).unwrap_or(0.0),
                    )
                })
                .collect();
            (g.clone(), per_policy)
        })
        .collect()
}
