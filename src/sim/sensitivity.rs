//! What drives the spread: Spearman rank correlation between each uncertain input's per-run draw
//! and an output across runs, and its share of the explained variance (squared rank
//! correlations normalised to 100 %). No extra simulation: every per-run parameter is drawn by
//! inversion from a uniform keyed by its path, so the uniforms are recomputed here, and a rank
//! correlation with the uniform is the rank correlation with the value (the quantile function is
//! monotone).

use serde::Serialize;

use super::compile::Compiled;
use super::engine::parameter_uniform;
use super::metrics::{self as m, RunMetrics};
use super::params::{self, Param};

/// One uncertain input: its path in the scenario, and the key its per-run draw is keyed by.
#[derive(Clone, Debug, PartialEq)]
pub struct Input {
    /// As a user reads it: `traffic.classes[faq].exact_repeat_rate`,
    /// `policies[cached].exact_cache.hit_given_repeat`.
    pub path: String,
    /// The path the engine keys the draw by ([`Param::key`], the engine's own).
    key: String,
    /// The policy (index into the compiled policies) whose parameter it is, if any.
    pub policy: Option<usize>,
    /// The model whose success rate it is, if it is one.
    pub model: Option<String>,
}

/// The uncertain inputs of a scenario: the parameters of [`params::uncertain`] that are not
/// fixed.
pub fn inputs(c: &Compiled) -> Vec<Input> {
    params::uncertain(c)
        .into_iter()
        .filter(|p| !p.is_fixed(c))
        .map(|p: Param| Input {
            path: p.path(c),
            key: p.key(c),
            policy: p.policy(),
            model: p.model().map(|m| c.models[m].name.clone()),
        })
        .collect()
}

/// An output the sensitivity is computed for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Output {
    /// Spend over the horizon.
    Spend,
    CostPerSuccess,
    SuccessRate,
    /// The paired saving against the baseline (baseline spend − this policy's), run by run.
    SavingVsBaseline,
}

/// One input's part in an output's spread.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Driver {
    pub input: String,
    /// Spearman rank correlation between the input's draw and the output across runs.
    pub rank_correlation: f64,
    /// Its squared rank correlation as a share of the sum over all inputs.
    pub share: f64,
}

/// The drivers of one output of one policy, the strongest first.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Sensitivity {
    pub output: Output,
    pub drivers: Vec<Driver>,
    /// A rank correlation this small (in absolute value) is within what chance gives across
    /// this many runs for an input that does not matter (1.96/√(runs − 1)).
    pub noise_level: f64,
    /// The output does not vary across runs beyond floating-point rounding (a relative spread
    /// under [`NO_SPREAD_RELATIVE`]): nothing drives it, so `drivers` is empty.
    pub no_spread: bool,
}

/// An output whose range across runs is below this share of its magnitude has no spread to
/// explain: what remains is the rounding of sums taken in another order.
pub const NO_SPREAD_RELATIVE: f64 = 1e-9;

/// Whether `y` varies across runs beyond floating-point rounding.
fn has_spread(y: &[f64]) -> bool {
    let finite = y.iter().copied().filter(|v| v.is_finite());
    let (lo, hi, big) = finite.fold((f64::INFINITY, f64::NEG_INFINITY, 0.0f64), |(lo, hi, big), v| {
        (lo.min(v), hi.max(v), big.max(v.abs()))
    });
    hi > lo && hi - lo > NO_SPREAD_RELATIVE * big
}

/// Ranks with ties at their average rank.
fn ranks(x: &[f64]) -> Vec<f64> {
    let mut idx: Vec<usize> = (0..x.len()).collect();
    idx.sort_by(|a, b| x[*a].total_cmp(&x[*b]));
    let mut r = vec![0.0; x.len()];
    let mut i = 0;
    while i < idx.len() {
        let mut j = i;
        while j + 1 < idx.len() && x[idx[j + 1]] == x[idx[i]] {
            j += 1;
        }
        let avg = (i + j) as f64 / 2.0;
        for k in &idx[i..=j] {
            r[*k] = avg;
        }
        i = j + 1;
    }
    r
}

/// Spearman's rank correlation (0 when either side is constant).
pub fn spearman(x: &[f64], y: &[f64]) -> f64 {
    let pairs: Vec<(f64, f64)> = x
        .iter()
        .zip(y)
        .filter(|(a, b)| a.is_finite() && b.is_finite())
        .map(|(a, b)| (*a, *b))
        .collect();
    if pairs.len() < 3 {
        return 0.0;
    }
    let (xs, ys): (Vec<f64>, Vec<f64>) = pairs.into_iter().unzip();
    let (rx, ry) = (ranks(&xs), ranks(&ys));
    let n = rx.len() as f64;
    let (mx, my) = (rx.iter().sum::<f64>() / n, ry.iter().sum::<f64>() / n);
    let (mut sxy, mut sxx, mut syy) = (0.0, 0.0, 0.0);
    for (a, b) in rx.iter().zip(&ry) {
        sxy += (a - mx) * (b - my);
        sxx += (a - mx) * (a - mx);
        syy += (b - my) * (b - my);
    }
    if sxx <= 0.0 || syy <= 0.0 {
        0.0
    } else {
        sxy / (sxx * syy).sqrt()
    }
}

/// The sensitivity of policy `pi`'s outputs to every uncertain input that can reach it, from
/// `per_run[run][policy]` simulated with `seed`.
pub fn of_policy(seed: u64, per_run: &[Vec<RunMetrics>], pi: usize, inputs: &[Input]) -> Vec<Sensitivity> {
    let mine: Vec<&Input> = inputs.iter().filter(|i| i.policy.is_none_or(|p| p == pi)).collect();
    let draws: Vec<Vec<f64>> = mine
        .iter()
        .map(|i| {
            (0..per_run.len())
                .map(|r| parameter_uniform(seed, r as u64, &i.key))
                .collect()
        })
        .collect();
    let value = |k: usize| -> Vec<f64> { per_run.iter().map(|r| r[pi].values[k]).collect() };
    let mut outputs = vec![
        (Output::Spend, value(m::COST_TOTAL)),
        (Output::CostPerSuccess, value(m::COST_PER_SUCCESS)),
        (Output::SuccessRate, value(m::SUCCESS_RATE)),
    ];
    if pi > 0 {
        let saving = per_run
            .iter()
            .map(|r| r[0].values[m::COST_TOTAL] - r[pi].values[m::COST_TOTAL])
            .collect();
        outputs.push((Output::SavingVsBaseline, saving));
    }
    outputs
        .into_iter()
        .map(|(output, y)| {
            let no_spread = !has_spread(&y);
            let rhos: Vec<f64> = if no_spread {
                Vec::new()
            } else {
                draws.iter().map(|x| spearman(x, &y)).collect()
            };
            let total: f64 = rhos.iter().map(|r| r * r).sum();
            let mut drivers: Vec<Driver> = mine
                .iter()
                .zip(&rhos)
                .map(|(i, r)| Driver {
                    input: i.path.clone(),
                    rank_correlation: *r,
                    share: if total > 0.0 { r * r / total } else { 0.0 },
                })
                .collect();
            drivers.sort_by(|a, b| b.rank_correlation.abs().total_cmp(&a.rank_correlation.abs()));
            drivers.truncate(MAX_DRIVERS);
            Sensitivity {
                output,
                drivers,
                noise_level: 1.96 / ((per_run.len() as f64 - 1.0).max(1.0)).sqrt(),
                no_spread,
            }
        })
        .collect()
}

/// The drivers kept per output (the strongest).
pub const MAX_DRIVERS: usize = 10;
