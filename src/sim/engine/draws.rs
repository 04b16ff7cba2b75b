//! The draws of a run: its parameters (once per run, shared by every policy, or a policy's
//! own), and each task's and attempt's random numbers, shared by every policy (common random
//! numbers), each from its own keyed stream.

use rand::Rng;

use super::{Compiled, Strat, TASK_UNIFORMS};
use crate::model::dist::unit_f64;
use crate::sim::compile::MAX_STAGES;
use crate::sim::params::{Param, policy_params};
use crate::sim::rng::{key, key_str, rng_from, tag, unit_from_key};

/// Parameters drawn once per run (shared by every policy).
pub(super) struct RunParams {
    pub(super) volume: f64,
    pub(super) growth: f64,
    pub(super) exact: Vec<f64>,
    pub(super) near: Vec<f64>,
    pub(super) retry: Vec<f64>,
    /// success[model * n_classes + class]
    pub(super) success: Vec<f64>,
    /// Per event: the day (after the start) it takes effect in this run, `None` when it does
    /// not happen; and a price trend's yearly factor (1 for other events).
    pub(super) event_day: Vec<Option<i64>>,
    pub(super) trend_per_year: Vec<f64>,
}

/// A policy's parameters drawn once per run.
#[derive(Default)]
pub(super) struct PolParams {
    pub(super) exact_hit: f64,
    pub(super) sem_hit: f64,
    pub(super) sem_wrong: f64,
    pub(super) sem_false: f64,
    pub(super) v_recall: f64,
    pub(super) v_fa: f64,
    pub(super) batch_share: f64,
}

pub(super) fn param(run_key: u64, path: &str) -> f64 {
    unit_from_key(key_str(run_key ^ tag::PARAM, path))
}

/// The uniform behind run `run`'s draw of the parameter keyed by `path` (its value is the
/// parameter's distribution at this cumulative probability): what sensitivity analysis ranks.
pub fn parameter_uniform(seed: u64, run: u64, path: &str) -> f64 {
    param(key(key(seed, tag::RUN), run), path)
}

/// Parameter `p`'s draw in the run keyed by `run_key`.
pub(super) fn draw(c: &Compiled, run_key: u64, p: Param) -> f64 {
    p.quantile(c, param(run_key, &p.key(c)))
}

impl RunParams {
    pub(super) fn draw(c: &Compiled, run_key: u64) -> RunParams {
        let nc = c.classes.len();
        let mut success = vec![0.0; c.models.len() * nc];
        for model in 0..c.models.len() {
            for class in 0..nc {
                success[model * nc + class] = draw(c, run_key, Param::Success { model, class });
            }
        }
        let per_class = |f: fn(usize) -> Param| -> Vec<f64> { (0..nc).map(|k| draw(c, run_key, f(k))).collect() };
        let exact = per_class(|class| Param::ExactRepeatRate { class });
        let mut near = per_class(|class| Param::NearRepeatRate { class });
        for (n, e) in near.iter_mut().zip(&exact) {
            *n = n.min(1.0 - e);
        }
        RunParams {
            volume: draw(c, run_key, Param::RequestsPerDay).min(crate::model::limits::MAX_REQUESTS_PER_DAY),
            growth: draw(c, run_key, Param::GrowthPerMonth).clamp(
                crate::model::limits::GROWTH_PER_MONTH.0,
                crate::model::limits::GROWTH_PER_MONTH.1,
            ),
            exact,
            near,
            retry: per_class(|class| Param::RetryOnFailure { class }),
            success,
            event_day: (0..c.events.len())
                .map(|event| {
                    let e = &c.events[event];
                    let happens = e.probability.is_none() || draw(c, run_key, Param::EventHappens { event }) > 0.5;
                    let day = if e.days.0 == e.days.1 {
                        e.days.0
                    } else {
                        draw(c, run_key, Param::EventDay { event }) as i64
                    };
                    happens.then_some(day)
                })
                .collect(),
            trend_per_year: (0..c.events.len())
                .map(|event| match c.events[event].change {
                    crate::sim::compile::ChangeC::PriceTrend { .. } => draw(c, run_key, Param::PriceTrend { event }),
                    _ => 1.0,
                })
                .collect(),
        }
    }
}

impl PolParams {
    pub(super) fn draw(c: &Compiled, pi: usize, run_key: u64) -> PolParams {
        let mut out = PolParams {
            batch_share: 1.0,
            ..Default::default()
        };
        for p in policy_params(c, pi) {
            let x = draw(c, run_key, p);
            match p {
                Param::ExactCacheHit { .. } => out.exact_hit = x,
                Param::SemanticHit { .. } => out.sem_hit = x,
                Param::SemanticWrongHit { .. } => out.sem_wrong = x,
                Param::SemanticFalseHit { .. } => out.sem_false = x,
                Param::VerifierRecall { .. } => out.v_recall = x,
                Param::VerifierFalseAlarm { .. } => out.v_fa = x,
                Param::BatchShare { .. } => out.batch_share = x,
                Param::RequestsPerDay
                | Param::GrowthPerMonth
                | Param::ExactRepeatRate { .. }
                | Param::NearRepeatRate { .. }
                | Param::RetryOnFailure { .. }
                | Param::Success { .. }
                | Param::EventDay { .. }
                | Param::EventHappens { .. }
                | Param::PriceTrend { .. } => unreachable!("policy_params lists a policy's own parameters"),
            }
        }
        // A wrong semantic hit is drawn from what a right hit leaves.
        out.sem_wrong = out.sem_wrong.min(1.0 - out.sem_hit);
        out
    }
}

/// The random numbers of one attempt at a task.
#[derive(Clone, Copy)]
pub(super) struct AttemptDraws {
    /// Difficulty: a model succeeds iff `u < success(model, class)`.
    pub(super) u: f64,
    /// The uniform behind the learned router's signal noise (a standard normal, computed only
    /// when a learned router reads it).
    pub(super) z_u: f64,
    pub(super) verifier: [f64; MAX_STAGES],
    pub(super) retry: f64,
}

impl AttemptDraws {
    #[inline]
    pub(super) fn draw<R: Rng>(rng: &mut R) -> AttemptDraws {
        let u = unit_f64(rng);
        let z_u = unit_f64(rng).clamp(1e-12, 1.0 - 1e-12);
        let mut verifier = [0.0; MAX_STAGES];
        for v in &mut verifier {
            *v = unit_f64(rng);
        }
        AttemptDraws {
            u,
            z_u,
            verifier,
            retry: unit_f64(rng),
        }
    }
}

#[derive(Clone, Copy, PartialEq)]
pub(super) enum Repeat {
    No,
    Exact,
    Near,
}

/// Per-call draws (reasoning tokens, time to first token, tokens per second) of the first
/// attempt's model calls, computed once per task and model and shared by every policy. They come
/// from the call's own keyed stream, so caching them changes no number.
pub(super) const CACHED_MODELS: usize = 8;

#[derive(Default)]
pub(super) struct CallCache {
    pub(super) mask: std::cell::Cell<u32>,
    pub(super) vals: [std::cell::Cell<(u64, f64, f64)>; CACHED_MODELS],
}

/// A token draw as a count, clamped at the documented bound (validation keeps the 99.99th
/// percentile within it; the clamp catches the rarer draws beyond, so no sum can overflow).
#[inline]
pub(super) fn tokens(x: f64) -> u64 {
    x.min(crate::model::limits::MAX_TOKENS_PER_REQUEST).round() as u64
}

/// The class whose cumulative share first exceeds `u`.
#[inline]
pub(super) fn class_of(c: &Compiled, u: f64) -> usize {
    c.classes
        .iter()
        .position(|k| u < k.cum_share)
        .unwrap_or(c.classes.len() - 1)
}

/// The random numbers of one task, shared by every policy (common random numbers).
pub(super) struct TaskDraws {
    pub(super) calls: CallCache,
    pub(super) key: u64,
    pub(super) class: usize,
    pub(super) input_var: u64,
    pub(super) output: u64,
    pub(super) repeat: Repeat,
    pub(super) cache_u: f64,
    pub(super) sem_u: f64,
    pub(super) batch_u: f64,
    /// An exponential draw that places the task among the day's arrivals.
    pub(super) gap: f64,
    pub(super) first: AttemptDraws,
}

impl TaskDraws {
    #[inline]
    pub(super) fn draw(c: &Compiled, rp: &RunParams, task_key: u64) -> TaskDraws {
        Self::draw_with(c, rp, task_key, None)
    }

    /// Draws a task; the sampled engine passes its stratified uniforms (`strat`), which replace
    /// the task's own draws of the same quantities (each uniform is still drawn from the task's
    /// stream, so the other draws do not move).
    #[inline]
    pub(super) fn draw_with(c: &Compiled, rp: &RunParams, task_key: u64, strat: Option<&Strat>) -> TaskDraws {
        let mut rng = rng_from(task_key);
        let mut u = [0.0; TASK_UNIFORMS];
        let cu = unit_f64(&mut rng);
        u[0] = unit_f64(&mut rng);
        u[1] = unit_f64(&mut rng);
        u[2] = unit_f64(&mut rng);
        u[3] = unit_f64(&mut rng);
        u[4] = unit_f64(&mut rng);
        u[5] = unit_f64(&mut rng);
        let gap = -(1.0 - unit_f64(&mut rng)).ln();
        let mut first = AttemptDraws::draw(&mut rng);
        let (cu, u) = match strat {
            Some(s) => {
                first.u = s.u[6];
                (s.class_u, [s.u[0], s.u[1], s.u[2], s.u[3], s.u[4], s.u[5]])
            }
            None => (cu, u),
        };
        let class = class_of(c, cu);
        let k = &c.classes[class];
        let input_var = tokens(k.input_tokens.quantile(u[0]));
        let output = tokens(k.output_tokens.quantile(u[1]));
        let ru = u[2];
        let repeat = if ru < rp.exact[class] {
            Repeat::Exact
        } else if ru < rp.exact[class] + rp.near[class] {
            Repeat::Near
        } else {
            Repeat::No
        };
        let (cache_u, sem_u, batch_u) = (u[3], u[4], u[5]);
        TaskDraws {
            calls: CallCache::default(),
            key: task_key,
            class,
            input_var,
            output,
            repeat,
            cache_u,
            sem_u,
            batch_u,
            gap,
            first,
        }
    }
}
