//! The scenario's events on one day of a run: the prices in force, which model answers a call to
//! a launched-later or retired one, the traffic factors, a rollout's share and the budget caps.

use super::draws::RunParams;
use crate::sim::compile::{ChangeC, Compiled, PriceC, Rates};
use crate::sim::rng::{tag, unit_from_key};

/// What the events make of one day.
pub(super) struct Today {
    /// Per model: the prices in force.
    pub(super) prices: Vec<PriceC>,
    /// Per model: the model that answers a call to it (itself unless launched later or retired).
    pub(super) live: Vec<usize>,
    /// The factor on the day's volume: the largest class factor.
    pub(super) volume_factor: f64,
    /// Per class: its factor ÷ the volume factor (the share of its drawn tasks that are real);
    /// empty when every class has the same factor.
    pub(super) class_keep: Vec<f64>,
    /// Per policy: the share of tasks a rollout column sends to its target (0 otherwise).
    pub(super) rollout_share: Vec<f64>,
    /// Per policy: the factor on its budget caps.
    pub(super) cap_scale: Vec<f64>,
}

impl Today {
    /// The day without any event: list prices, every model itself, no factors.
    pub(super) fn plain(c: &Compiled) -> Today {
        Today {
            prices: c.models.iter().map(|m| m.price.clone()).collect(),
            live: (0..c.models.len()).collect(),
            volume_factor: 1.0,
            class_keep: Vec::new(),
            rollout_share: vec![0.0; c.policies.len()],
            cap_scale: vec![1.0; c.policies.len()],
        }
    }

    /// Day `day` of the run whose parameters are `rp`.
    pub(super) fn of(c: &Compiled, rp: &RunParams, day: usize) -> Today {
        let mut t = Today::plain(c);
        if c.events.is_empty() {
            return t;
        }
        let d = day as i64;
        let since = |i: usize| rp.event_day[i].map(|s| d - s);
        let mut factors = vec![[1.0f64; 4]; c.models.len()];
        let mut class_factor = vec![1.0f64; c.classes.len()];
        // The latest budget change in force, per event: (day it took effect, event).
        for (i, e) in c.events.iter().enumerate() {
            let active = since(i).is_some_and(|k| k >= 0);
            match &e.change {
                ChangeC::Price { model, factors: f } if active => {
                    for (x, y) in factors[*model].iter_mut().zip(f) {
                        *x *= y;
                    }
                }
                ChangeC::PriceTrend { model, .. } if active => {
                    let years = since(i).unwrap_or(0) as f64 / 365.0;
                    let f = rp.trend_per_year[i].powf(years);
                    factors[*model].iter_mut().for_each(|x| *x *= f);
                }
                ChangeC::Launch { model, fallback } if !active => t.live[*model] = *fallback,
                ChangeC::Deprecate { model, fallback } if active => t.live[*model] = *fallback,
                ChangeC::Traffic { factor, days, classes }
                    if active && days.is_none_or(|n| since(i).unwrap_or(0) < i64::from(n)) =>
                {
                    for (f, on) in class_factor.iter_mut().zip(classes) {
                        if *on {
                            *f *= factor;
                        }
                    }
                }
                ChangeC::Start { class } if !active => class_factor[*class] = 0.0,
                _ => {}
            }
        }
        // A retired model's fallback may be retired too: follow the chain (a cycle stops).
        for m in 0..t.live.len() {
            let mut x = m;
            for _ in 0..t.live.len() {
                if t.live[x] == x {
                    break;
                }
                x = t.live[x];
            }
            t.live[m] = x;
        }
        for (p, f) in t.prices.iter_mut().zip(&factors) {
            if *f != [1.0; 4] {
                scale_price(p, *f);
            }
        }
        let shares: Vec<f64> = super::sampled::class_slices(c).iter().map(|(lo, hi)| hi - lo).collect();
        let most = class_factor
            .iter()
            .zip(&shares)
            .filter(|(_, s)| **s > 0.0)
            .map(|(f, _)| *f)
            .fold(0.0f64, f64::max);
        t.volume_factor = most;
        if class_factor.iter().zip(&shares).any(|(f, s)| *s > 0.0 && *f != most) && most > 0.0 {
            t.class_keep = class_factor.iter().map(|f| f / most).collect();
        }
        for (pi, p) in c.policies.iter().enumerate() {
            if let Some((_, event)) = p.rollout
                && let (Some(k), ChangeC::Rollout { over_days }) = (since(event), &c.events[event].change)
                && k >= 0
            {
                t.rollout_share[pi] = ((k as f64 + 0.5) / f64::from(*over_days)).min(1.0);
            }
            // The change that took effect last wins.
            let latest = p
                .budget_events
                .iter()
                .filter_map(|&(event, scale)| since(event).filter(|k| *k >= 0).map(|k| (k, event, scale)))
                .min_by_key(|&(k, event, _)| (k, std::cmp::Reverse(event)));
            if let Some((_, _, scale)) = latest {
                t.cap_scale[pi] = scale;
            }
        }
        t
    }

    /// Whether task `task_key` of class `class` is one of the day's tasks (see `class_keep`).
    #[inline]
    pub(super) fn keeps(&self, task_key: u64, class: usize) -> bool {
        self.class_keep.is_empty() || unit_from_key(task_key ^ tag::THIN) < self.class_keep[class]
    }

    /// The policy whose pipeline works on task `task_key` for column `pi`: a rollout column's
    /// target for the rollout's share of tasks, else the column's own.
    #[inline]
    pub(super) fn route(&self, c: &Compiled, pi: usize, task_key: u64) -> usize {
        match c.policies[pi].rollout {
            Some((to, _)) if unit_from_key(task_key ^ tag::ROLLOUT) < self.rollout_share[pi] => to,
            _ => pi,
        }
    }
}

/// Prices times factors on input, output, cache reads and cache writes (reasoning follows
/// output; long-context tiers alike; batch prices are ratios, so they follow).
fn scale_price(p: &mut PriceC, [fi, fo, fr, fw]: [f64; 4]) {
    let scale = |r: &mut Rates| {
        r.input *= fi;
        r.output *= fo;
        r.reasoning *= fo;
        r.cache_read = r.cache_read.map(|x| x * fr);
        r.cache_write *= fw;
        r.cache_write_1h *= fw;
    };
    scale(&mut p.base);
    for (_, r) in &mut p.tiers {
        scale(r);
    }
}
