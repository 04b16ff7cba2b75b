//! The key figures as rows that every front end renders — the CLI's tables, the reports' tables
//! and the window's grid: per policy, each key metric's median with its p5–p95 band, and against
//! the baseline its paired mean change with the 90 % margin of that mean, the run-to-run range
//! (p5–p95 of the per-run changes), share of runs better · worse and verdict.

use super::format::{delta, p_better, value};
use crate::sim::metrics::Metric;
use crate::sim::results::{PolicyResult, Results};

/// The key figures shown per policy, with their column titles.
pub const KEY_FIGURES: [(Metric, &str); 5] = [
    (Metric::CostPerRequest, "cost / request"),
    (Metric::CostPerSuccess, "cost / success"),
    (Metric::SuccessRate, "success rate"),
    (Metric::LatencyP95, "p95 latency"),
    (Metric::CostTotal, "spend over horizon"),
];

/// Whether a change is an improvement, by the metric's direction.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    Better,
    Worse,
    Same,
}

/// A paired change against the baseline, in words.
#[derive(Clone, Debug, PartialEq)]
pub struct DeltaCell {
    /// The mean change, signed ("-$0.0012").
    pub mean: String,
    /// The 90 % margin of the mean (±1.645 standard errors: "±$0.0001"): how well the mean
    /// change is known.
    pub margin: String,
    /// The run-to-run range's ends (p5 and p95 of the per-run changes): how much one run's
    /// change varies.
    pub p5: String,
    pub p95: String,
    /// "100.0% better · 0.0% worse".
    pub p_better: String,
    pub verdict: Verdict,
    /// The mean change as a number (for data attributes).
    pub mean_value: f64,
}

/// One key figure of one policy.
#[derive(Clone, Debug, PartialEq)]
pub struct FigureCell {
    pub metric: Metric,
    pub p50: String,
    pub p5: String,
    pub p95: String,
    pub p50_value: f64,
    /// `None` for the baseline.
    pub delta: Option<DeltaCell>,
}

/// One policy's key figures.
#[derive(Clone, Debug, PartialEq)]
pub struct FigureRow {
    pub name: String,
    pub is_baseline: bool,
    pub cells: Vec<FigureCell>,
}

impl FigureRow {
    /// The policy's name as the tables show it ("sonnet-only (baseline)").
    pub fn label(&self) -> String {
        if self.is_baseline {
            format!("{} (baseline)", self.name)
        } else {
            self.name.clone()
        }
    }
}

/// The key figures of every policy, the baseline first as in the results.
pub fn key_figure_rows(r: &Results) -> Vec<FigureRow> {
    r.policies.iter().map(row).collect()
}

fn row(p: &PolicyResult) -> FigureRow {
    FigureRow {
        name: p.name.clone(),
        is_baseline: p.is_baseline,
        cells: KEY_FIGURES.iter().map(|(m, _)| cell(p, *m)).collect(),
    }
}

fn cell(p: &PolicyResult, metric: Metric) -> FigureCell {
    let def = metric.def();
    let s = p.metric(metric);
    let delta = p.delta(metric).filter(|_| !p.is_baseline).map(|d| DeltaCell {
        mean: delta(def.unit, d.mean),
        margin: margin(def.unit, d.mean_se),
        p5: delta(def.unit, d.p5),
        p95: delta(def.unit, d.p95),
        p_better: p_better(&d),
        verdict: if d.mean == 0.0 {
            Verdict::Same
        } else if (d.mean < 0.0) == def.lower_is_better {
            Verdict::Better
        } else {
            Verdict::Worse
        },
        mean_value: d.mean,
    });
    FigureCell {
        metric,
        p50: value(def.unit, s.p50),
        p5: value(def.unit, s.p5),
        p95: value(def.unit, s.p95),
        p50_value: s.p50,
        delta,
    }
}

/// The 90 % margin of a mean with standard error `se`, in the metric's unit: `±$0.0001`.
pub fn margin(unit: crate::sim::metrics::Unit, se: f64) -> String {
    if !se.is_finite() {
        return "±–".to_string();
    }
    let d = delta(unit, MARGIN_Z * se);
    format!("±{}", d.trim_start_matches(['+', '-']))
}

/// The normal quantile of a two-sided 90 % interval.
pub const MARGIN_Z: f64 = 1.645;
