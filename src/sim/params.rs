//! The uncertain parameters a run draws once, in one list: the engine draws each from the
//! stream keyed by [`Param::key`], and the sensitivity analysis recomputes the same uniforms from
//! the same keys, so the two can never spell a parameter differently.

use super::compile::{Compiled, RouterC};

/// One parameter drawn once per run (shared by every policy, or one policy's own).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Param {
    RequestsPerDay,
    GrowthPerMonth,
    ExactRepeatRate {
        class: usize,
    },
    NearRepeatRate {
        class: usize,
    },
    RetryOnFailure {
        class: usize,
    },
    Success {
        model: usize,
        class: usize,
    },
    ExactCacheHit {
        policy: usize,
    },
    SemanticHit {
        policy: usize,
    },
    SemanticWrongHit {
        policy: usize,
    },
    SemanticFalseHit {
        policy: usize,
    },
    VerifierRecall {
        policy: usize,
    },
    VerifierFalseAlarm {
        policy: usize,
    },
    BatchShare {
        policy: usize,
    },
    /// The day an event with an uncertain date takes effect.
    EventDay {
        event: usize,
    },
    /// Whether an event with a probability happens (1) or not (0).
    EventHappens {
        event: usize,
    },
    /// A price trend's yearly factor.
    PriceTrend {
        event: usize,
    },
}

/// How a drawn value is bounded: as any number, as a count (≥ 0), or as a probability.
enum Bounded<'a> {
    Any(&'a crate::model::Dist),
    NonNeg(&'a crate::model::NonNegDist),
    Prob(&'a crate::model::ProbDist),
    /// A whole day in `[first, last]`, each equally likely.
    Days(i64, i64),
    /// 1 with probability `p`, else 0.
    Happens(f64),
}

impl Param {
    /// The path that keys the parameter's stream (for a policy's own parameter, within the
    /// policy, so that versions of a policy draw alike).
    pub fn key(self, c: &Compiled) -> String {
        let class = |k: usize| &c.classes[k].name;
        match self {
            Param::RequestsPerDay => "traffic.requests_per_day".into(),
            Param::GrowthPerMonth => "traffic.growth_per_month".into(),
            Param::ExactRepeatRate { class: k } => format!("traffic.classes[{}].exact_repeat_rate", class(k)),
            Param::NearRepeatRate { class: k } => format!("traffic.classes[{}].near_repeat_rate", class(k)),
            Param::RetryOnFailure { class: k } => format!("traffic.classes[{}].retry_on_failure", class(k)),
            Param::Success { model, class: k } => format!("models[{}].success[{}]", c.models[model].name, class(k)),
            Param::ExactCacheHit { .. } => "exact_cache.hit_given_repeat".into(),
            Param::SemanticHit { .. } => "semantic_cache.hit_given_near_repeat".into(),
            Param::SemanticWrongHit { .. } => "semantic_cache.wrong_hit_given_near_repeat".into(),
            Param::SemanticFalseHit { .. } => "semantic_cache.false_hit_rate".into(),
            Param::VerifierRecall { .. } => "router.verifier.recall".into(),
            Param::VerifierFalseAlarm { .. } => "router.verifier.false_alarm_rate".into(),
            Param::BatchShare { .. } => "batch.share".into(),
            Param::EventDay { event } => format!("events[{}].on", c.events[event].key),
            Param::EventHappens { event } => format!("events[{}].probability", c.events[event].key),
            Param::PriceTrend { event } => format!("events[{}].per_year", c.events[event].key),
        }
    }

    /// The parameter as a user reads it: `traffic.classes[faq].exact_repeat_rate`,
    /// `models.sonnet.success.faq`, `policies[cached].exact_cache.hit_given_repeat`.
    pub fn path(self, c: &Compiled) -> String {
        match (self, self.policy()) {
            (Param::Success { model, class }, _) => {
                format!("models.{}.success.{}", c.models[model].name, c.classes[class].name)
            }
            (_, Some(pi)) => format!("policies[{}].{}", c.policies[pi].name, self.key(c)),
            (_, None) => self.key(c),
        }
    }

    /// The policy whose parameter it is, if any.
    pub fn policy(self) -> Option<usize> {
        match self {
            Param::ExactCacheHit { policy }
            | Param::SemanticHit { policy }
            | Param::SemanticWrongHit { policy }
            | Param::SemanticFalseHit { policy }
            | Param::VerifierRecall { policy }
            | Param::VerifierFalseAlarm { policy }
            | Param::BatchShare { policy } => Some(policy),
            Param::RequestsPerDay
            | Param::GrowthPerMonth
            | Param::ExactRepeatRate { .. }
            | Param::NearRepeatRate { .. }
            | Param::RetryOnFailure { .. }
            | Param::Success { .. }
            | Param::EventDay { .. }
            | Param::EventHappens { .. }
            | Param::PriceTrend { .. } => None,
        }
    }

    /// The model whose success rate it is, if it is one.
    pub fn model(self) -> Option<usize> {
        match self {
            Param::Success { model, .. } => Some(model),
            _ => None,
        }
    }

    fn dist(self, c: &Compiled) -> Bounded<'_> {
        let pol = |pi: usize| &c.policies[pi];
        let missing = || unreachable!("a policy parameter listed by `policy_params` exists");
        match self {
            Param::RequestsPerDay => Bounded::NonNeg(&c.requests_per_day),
            Param::GrowthPerMonth => Bounded::Any(&c.growth_per_month),
            Param::ExactRepeatRate { class } => Bounded::Prob(&c.classes[class].exact_repeat_rate),
            Param::NearRepeatRate { class } => Bounded::Prob(&c.classes[class].near_repeat_rate),
            Param::RetryOnFailure { class } => Bounded::Prob(&c.classes[class].retry_on_failure),
            Param::Success { model, class } => Bounded::Prob(&c.models[model].success[class]),
            Param::ExactCacheHit { policy } => match &pol(policy).exact_cache {
                Some((hit, _)) => Bounded::Prob(hit),
                None => missing(),
            },
            Param::SemanticHit { policy } => match &pol(policy).semantic_cache {
                Some(s) => Bounded::Prob(&s.hit),
                None => missing(),
            },
            Param::SemanticWrongHit { policy } => match &pol(policy).semantic_cache {
                Some(s) => Bounded::Prob(&s.wrong_hit),
                None => missing(),
            },
            Param::SemanticFalseHit { policy } => match &pol(policy).semantic_cache {
                Some(s) => Bounded::Prob(&s.false_hit),
                None => missing(),
            },
            Param::VerifierRecall { policy } => match &pol(policy).router {
                RouterC::Cascade(_, v) => Bounded::Prob(&v.recall),
                _ => missing(),
            },
            Param::VerifierFalseAlarm { policy } => match &pol(policy).router {
                RouterC::Cascade(_, v) => Bounded::Prob(&v.false_alarm_rate),
                _ => missing(),
            },
            Param::BatchShare { policy } => match &pol(policy).batch_share {
                Some(b) => Bounded::Prob(b),
                None => missing(),
            },
            Param::EventDay { event } => Bounded::Days(c.events[event].days.0, c.events[event].days.1),
            Param::EventHappens { event } => Bounded::Happens(c.events[event].probability.unwrap_or(1.0)),
            Param::PriceTrend { event } => match &c.events[event].change {
                super::compile::ChangeC::PriceTrend { per_year, .. } => Bounded::NonNeg(per_year),
                _ => unreachable!("a price trend parameter belongs to a price trend event"),
            },
        }
    }

    /// The parameter's value at cumulative probability `u` (within its bounds).
    pub fn quantile(self, c: &Compiled, u: f64) -> f64 {
        match self.dist(c) {
            Bounded::Any(d) => d.quantile(u),
            Bounded::NonNeg(d) => d.quantile(u),
            Bounded::Prob(d) => d.quantile(u),
            Bounded::Days(first, last) => {
                let span = (last - first + 1) as f64;
                (first as f64 + (u * span).floor()).min(last as f64)
            }
            Bounded::Happens(p) => f64::from(u8::from(u < p)),
        }
    }

    /// Whether the parameter is certain (the same in every run).
    pub fn is_fixed(self, c: &Compiled) -> bool {
        match self.dist(c) {
            Bounded::Any(d) => d.is_fixed(),
            Bounded::NonNeg(d) => d.0.is_fixed(),
            Bounded::Prob(d) => d.0.is_fixed(),
            Bounded::Days(first, last) => first == last,
            Bounded::Happens(p) => p <= 0.0 || p >= 1.0,
        }
    }
}

/// The parameters every policy shares: volume, growth, each class's rates, each model's success
/// per class.
pub fn run_params(c: &Compiled) -> Vec<Param> {
    let nc = c.classes.len();
    let mut out = vec![Param::RequestsPerDay, Param::GrowthPerMonth];
    for class in 0..nc {
        out.extend([
            Param::ExactRepeatRate { class },
            Param::NearRepeatRate { class },
            Param::RetryOnFailure { class },
        ]);
    }
    for model in 0..c.models.len() {
        out.extend((0..nc).map(|class| Param::Success { model, class }));
    }
    for (event, e) in c.events.iter().enumerate() {
        if e.days.0 != e.days.1 {
            out.push(Param::EventDay { event });
        }
        if e.probability.is_some() {
            out.push(Param::EventHappens { event });
        }
        if let super::compile::ChangeC::PriceTrend { .. } = e.change {
            out.push(Param::PriceTrend { event });
        }
    }
    out
}

/// Policy `pi`'s own parameters: those of the tactics it has.
pub fn policy_params(c: &Compiled, pi: usize) -> Vec<Param> {
    let p = &c.policies[pi];
    let mut out = Vec::new();
    if p.exact_cache.is_some() {
        out.push(Param::ExactCacheHit { policy: pi });
    }
    if p.semantic_cache.is_some() {
        out.extend([
            Param::SemanticHit { policy: pi },
            Param::SemanticWrongHit { policy: pi },
            Param::SemanticFalseHit { policy: pi },
        ]);
    }
    if let RouterC::Cascade(..) = &p.router {
        out.extend([
            Param::VerifierRecall { policy: pi },
            Param::VerifierFalseAlarm { policy: pi },
        ]);
    }
    if p.batch_share.is_some() {
        out.push(Param::BatchShare { policy: pi });
    }
    out
}

/// Every parameter of the scenario: the shared ones, then each policy's own.
pub fn uncertain(c: &Compiled) -> Vec<Param> {
    let mut out = run_params(c);
    for pi in 0..c.policies.len() {
        out.extend(policy_params(c, pi));
    }
    out
}
