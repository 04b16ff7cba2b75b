//! Turns a validated scenario into the engine's flat form: names become indices, prices become
//! dollars per token with discounts applied, policies become small structs the hot loop reads.

use crate::date::Date;
use crate::model::Scenario;
use crate::model::dist::{NonNegDist, ProbDist};
use crate::model::policy::{Budget, BudgetPeriod, BudgetScope, Condition, OnBreach, Policy, Router};
use crate::model::prices::ModelPrice;

/// The rates that apply to one request, in dollars per token, discount applied.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Rates {
    pub input: f64,
    pub output: f64,
    /// Reasoning (thinking) tokens: the output rate unless the table gives its own.
    pub reasoning: f64,
    /// Reading a warm prompt cache; `None` when the model has no prompt cache.
    pub cache_read: Option<f64>,
    /// Writing the prompt cache with the default (5-minute) TTL; the input rate when absent.
    pub cache_write: f64,
    /// Writing the prompt cache with a 1-hour TTL; the 5-minute write rate when absent.
    pub cache_write_1h: f64,
}

/// Prices of one model in dollars per token, discount applied.
#[derive(Clone, Debug)]
pub struct PriceC {
    /// The rates below every long-context threshold.
    pub base: Rates,
    pub batch_input_ratio: f64,
    pub batch_output_ratio: f64,
    /// (threshold, rates above it), increasing thresholds. A tier that omits cache or reasoning
    /// prices gets the base ones scaled by its input (cache) or output (reasoning) ratio.
    pub tiers: Vec<(u64, Rates)>,
    pub prompt_cache_min_tokens: u64,
    /// Automatic prefix caching (no write price in the table: OpenAI, Gemini's implicit cache):
    /// nothing is billed as a write, and a session's cached prefix is matched in steps of this
    /// many tokens (128 for OpenAI, 1 otherwise). `None` for explicit caching (Anthropic).
    pub automatic_cache_step: Option<u64>,
}

impl PriceC {
    /// From a price-table entry and a discount multiplier.
    pub fn new(p: &ModelPrice, discount: f64) -> PriceC {
        let k = discount / 1e6;
        let usd = |x: crate::model::ron_io::NonNeg| x.get() * k;
        let input = usd(p.input_usd_per_mtok);
        let output = usd(p.output_usd_per_mtok);
        let cache_write = p.cache_write_usd_per_mtok.map(usd).unwrap_or(input);
        let base = Rates {
            input,
            output,
            reasoning: p.reasoning_usd_per_mtok.map(usd).unwrap_or(output),
            cache_read: p.cache_read_usd_per_mtok.map(usd),
            cache_write,
            cache_write_1h: p.cache_write_1h_usd_per_mtok.map(usd).unwrap_or(cache_write),
        };
        let ratio = |batch: Option<crate::model::ron_io::NonNeg>, base: f64| match batch {
            Some(b) if base > 0.0 => b.get() * k / base,
            _ => 1.0,
        };
        // Scales a base rate by a tier's ratio to its base counterpart (1 when the base is free).
        let scaled = |x: f64, tier: f64, base: f64| if base > 0.0 { x * tier / base } else { x };
        let tiers = p
            .long_context
            .iter()
            .map(|t| {
                let tin = usd(t.input_usd_per_mtok);
                let tout = usd(t.output_usd_per_mtok);
                let write = t
                    .cache_write_usd_per_mtok
                    .map(usd)
                    .unwrap_or_else(|| scaled(base.cache_write, tin, input));
                let rates = Rates {
                    input: tin,
                    output: tout,
                    reasoning: scaled(base.reasoning, tout, output),
                    cache_read: t
                        .cache_read_usd_per_mtok
                        .map(usd)
                        .or_else(|| base.cache_read.map(|r| scaled(r, tin, input))),
                    cache_write: write,
                    cache_write_1h: t
                        .cache_write_1h_usd_per_mtok
                        .map(usd)
                        .unwrap_or_else(|| scaled(base.cache_write_1h, tin, input)),
                };
                (t.above_input_tokens, rates)
            })
            .collect();
        PriceC {
            base,
            batch_input_ratio: ratio(p.batch_input_usd_per_mtok, input),
            batch_output_ratio: ratio(p.batch_output_usd_per_mtok, output),
            tiers,
            prompt_cache_min_tokens: p.cache_min_tokens().0,
            automatic_cache_step: p.cache_write_usd_per_mtok.is_none().then_some(
                if p.provider.eq_ignore_ascii_case("openai") {
                    128
                } else {
                    1
                },
            ),
        }
    }

    /// The rates for a request with `total_input` tokens (uncached + cache read + cache write):
    /// the long-context tier applies to the whole request once its input crosses the threshold.
    #[inline]
    pub fn for_input(&self, total_input: u64) -> &Rates {
        let mut out = &self.base;
        for (threshold, rates) in &self.tiers {
            if total_input > *threshold {
                out = rates;
            }
        }
        out
    }
}

/// A task class, compiled.
#[derive(Clone, Debug)]
pub struct ClassC {
    pub name: String,
    pub cum_share: f64,
    pub owner: usize,
    pub input_tokens: NonNegDist,
    pub prefix_tokens: u64,
    pub output_tokens: NonNegDist,
    pub exact_repeat_rate: ProbDist,
    pub near_repeat_rate: ProbDist,
    pub retry_on_failure: ProbDist,
    pub batchable: bool,
    /// A session class: each task is a conversation or an agent run of several turns.
    pub session: Option<crate::model::traffic::Session>,
}

/// A model, compiled.
#[derive(Clone, Debug)]
pub struct ModelC {
    pub name: String,
    pub price: PriceC,
    pub success: Vec<ProbDist>,
    pub ttft_ms: NonNegDist,
    pub output_tokens_per_s: NonNegDist,
    pub reasoning_tokens: NonNegDist,
    pub has_reasoning: bool,
    /// The key of this model's call streams within an attempt, from its name (not its place in
    /// the list): adding or removing another model moves none of this model's draws.
    pub call_tag: u64,
}

/// A routing condition, compiled.
#[derive(Clone, Debug)]
pub enum CondC {
    Class(usize),
    Owner(usize),
    InputAbove(u64),
}

/// A verifier, compiled.
#[derive(Clone, Debug)]
pub struct VerifierC {
    pub model: usize,
    pub recall: ProbDist,
    pub false_alarm_rate: ProbDist,
    pub reads_task: bool,
    pub extra_input_tokens: u64,
    pub output_tokens: u64,
}

/// The most cascade stages the engine draws verifier numbers for (validated on load).
pub const MAX_STAGES: usize = crate::model::policy::MAX_CASCADE_STAGES;

/// A router, compiled.
#[derive(Clone, Debug)]
pub enum RouterC {
    Fixed(usize),
    Rules(Vec<(CondC, usize)>, usize),
    Cascade(Vec<usize>, VerifierC),
    Learned {
        strong: usize,
        weak: usize,
        threshold: f64,
        noise: f64,
        strong_share: f64,
    },
}

/// What a breached budget does, compiled.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum BreachC {
    Downgrade(usize),
    Reject,
    AlertOnly,
}

/// A budget, compiled: one cap per bucket (one bucket for `Total`, one per owner otherwise).
#[derive(Clone, Debug)]
pub struct BudgetC {
    pub per_owner: bool,
    /// The budget period of each day of the horizon (spend resets when it changes).
    pub period_of_day: Vec<u32>,
    pub caps_usd: Vec<f64>,
    pub on_breach: BreachC,
    pub alert_at: f64,
}

/// A semantic cache, compiled.
#[derive(Clone, Debug)]
pub struct SemanticC {
    pub embedding_usd_per_token: f64,
    pub hit: ProbDist,
    pub wrong_hit: ProbDist,
    pub false_hit: ProbDist,
    pub lookup_latency_ms: f64,
}

/// A policy, compiled.
#[derive(Clone, Debug)]
pub struct PolicyC {
    pub name: String,
    pub router: RouterC,
    pub exact_cache: Option<(ProbDist, f64)>,
    pub semantic_cache: Option<SemanticC>,
    pub prompt_cache_ttl_min: Option<f64>,
    /// Prompt-cache writes are billed at the 1-hour price (TTL above 5 minutes).
    pub prompt_cache_1h: bool,
    pub context_cap: Option<(u64, f64)>,
    /// Where session calls put their prompt-cache breakpoints.
    pub cache_strategy: crate::model::policy::CacheStrategy,
    pub compaction: Option<CompactionC>,
    pub budget: Option<BudgetC>,
    pub batch_share: Option<ProbDist>,
    pub max_retries: u32,
    /// A staged rollout's column: the policy (index) the baseline's traffic moves to, and the
    /// rollout event (index in [`Compiled::events`]); `None` for a policy of the scenario.
    pub rollout: Option<(usize, usize)>,
    /// Budget events that change this policy's cap: (event index, new cap ÷ the cap written).
    pub budget_events: Vec<(usize, f64)>,
    /// The policy's own strongest model (the learned router's strong model, a cascade's last
    /// stage, the priciest model a fixed or rule router can pick), for `strong_model_share`.
    pub strong_model: usize,
}

/// Compaction, compiled.
#[derive(Clone, Debug)]
pub struct CompactionC {
    pub trigger_tokens: u64,
    pub method: CompactionMethodC,
    pub success_penalty: f64,
}

/// How a long history is made short (the summary's model as an index).
#[derive(Clone, Copy, Debug)]
pub enum CompactionMethodC {
    Summarise { model: usize, summary_tokens: u64 },
    KeepLastTurns(u32),
}

/// The model of `candidates` with the highest list price (input + output per token).
fn priciest(models: &[ModelC], candidates: impl IntoIterator<Item = usize>) -> usize {
    let price = |m: usize| {
        models
            .get(m)
            .map(|x| x.price.base.input + x.price.base.output)
            .unwrap_or(0.0)
    };
    candidates
        .into_iter()
        .reduce(|a, b| if price(b) > price(a) { b } else { a })
        .unwrap_or(0)
}

impl RouterC {
    /// The strongest model this router can send a task to.
    fn strong_model(&self, models: &[ModelC]) -> usize {
        match self {
            RouterC::Fixed(m) => *m,
            RouterC::Rules(rules, default) => priciest(models, rules.iter().map(|(_, m)| *m).chain([*default])),
            RouterC::Cascade(stages, _) => stages.last().copied().unwrap_or(0),
            RouterC::Learned { strong, .. } => *strong,
        }
    }
}

/// A whole scenario, compiled, with the policies to simulate.
#[derive(Clone, Debug)]
pub struct Compiled {
    pub classes: Vec<ClassC>,
    pub owners: Vec<String>,
    pub models: Vec<ModelC>,
    pub policies: Vec<PolicyC>,
    pub horizon_days: u32,
    pub start_weekday: usize,
    pub weekday_factors: [f64; 7],
    pub requests_per_day: NonNegDist,
    pub growth_per_month: crate::model::Dist,
    pub day_noise_sd: f64,
    /// `Some(k)`: the sampled engine, simulating at most `k` tasks a day (each standing for
    /// its share of the day); `None`: the exact engine.
    pub sample_per_day: Option<u64>,
    /// The scenario's dated changes, in file order.
    pub events: Vec<EventC>,
}

/// A dated change, compiled.
#[derive(Clone, Debug)]
pub struct EventC {
    /// The event's label (its name, or its change described).
    pub label: String,
    /// The key its per-run draws are keyed by (the label, made unique).
    pub key: String,
    /// The first and last day (after the horizon's start; negative before it) it may take
    /// effect on, inclusive: equal for a fixed date.
    pub days: (i64, i64),
    /// The chance it happens in a run; `None` when certain.
    pub probability: Option<f64>,
    pub change: ChangeC,
}

/// What an event changes, compiled (models, classes and policies as indices).
#[derive(Clone, Debug)]
pub enum ChangeC {
    /// Price factors on a model: input, output, cache read, cache write.
    Price {
        model: usize,
        factors: [f64; 4],
    },
    PriceTrend {
        model: usize,
        per_year: NonNegDist,
    },
    Launch {
        model: usize,
        fallback: usize,
    },
    Deprecate {
        model: usize,
        fallback: usize,
    },
    /// Read by the rollout's column (see [`PolicyC::rollout`]).
    Rollout {
        over_days: u32,
    },
    /// A factor on the traffic of the classes marked (all when the event names none).
    Traffic {
        factor: f64,
        days: Option<u32>,
        classes: Vec<bool>,
    },
    Start {
        class: usize,
    },
    /// Read by the policies whose budget it changes (see [`PolicyC::budget_events`]).
    Budget,
}

/// The budget events that apply to a compiled policy: those naming a scenario policy whose
/// budget this policy has (its own, or an attribution variant's taken from it).
fn budget_events(scn: &Scenario, p: &Policy) -> Vec<(usize, f64)> {
    use crate::model::events::Change;
    let Some(b) = &p.budget else { return Vec::new() };
    scn.file
        .events
        .iter()
        .enumerate()
        .filter_map(|(i, e)| match &e.change {
            Change::Budget { policy, cap_usd } => {
                let named = scn.policies.iter().find(|q| q.name == *policy)?;
                (named.budget.as_ref() == Some(b)).then(|| {
                    let written = b.cap_usd.get();
                    (i, if written > 0.0 { cap_usd.get() / written } else { 1.0 })
                })
            }
            _ => None,
        })
        .collect()
}

/// The scenario's events, compiled (dates as days after the start date; a scenario with
/// events has one, validation sees to it).
fn compile_events(scn: &Scenario, models: &[ModelC], classes: &[ClassC]) -> Vec<EventC> {
    use crate::model::events::Change;
    let Some(start) = scn.start_date() else {
        return Vec::new();
    };
    let model = |name: &str| models.iter().position(|m| m.name == name).unwrap_or(0);
    let class = |name: &str| classes.iter().position(|c| c.name == name).unwrap_or(0);
    let mut keys: Vec<String> = Vec::new();
    scn.file
        .events
        .iter()
        .map(|e| {
            let label = e.label();
            let mut key = label.clone();
            let mut k = 1;
            while keys.contains(&key) {
                k += 1;
                key = format!("{label} #{k}");
            }
            keys.push(key.clone());
            let change = match &e.change {
                Change::Price {
                    model: m,
                    input_factor,
                    output_factor,
                    cache_read_factor,
                    cache_write_factor,
                } => ChangeC::Price {
                    model: model(m),
                    factors: [
                        input_factor.get(),
                        output_factor.get(),
                        cache_read_factor.unwrap_or(*input_factor).get(),
                        cache_write_factor.unwrap_or(*input_factor).get(),
                    ],
                },
                Change::PriceTrend { model: m, per_year } => ChangeC::PriceTrend {
                    model: model(m),
                    per_year: per_year.clone(),
                },
                Change::Launch { model: m, fallback } => ChangeC::Launch {
                    model: model(m),
                    fallback: model(fallback),
                },
                Change::Deprecate { model: m, fallback } => ChangeC::Deprecate {
                    model: model(m),
                    fallback: model(fallback),
                },
                Change::Rollout { over_days, .. } => ChangeC::Rollout { over_days: *over_days },
                Change::Traffic {
                    factor,
                    days,
                    classes: names,
                } => ChangeC::Traffic {
                    factor: factor.get(),
                    days: *days,
                    classes: classes
                        .iter()
                        .map(|c| names.is_empty() || names.contains(&c.name))
                        .collect(),
                },
                Change::Start { class: k } => ChangeC::Start { class: class(k) },
                Change::Budget { .. } => ChangeC::Budget,
            };
            EventC {
                label,
                key,
                days: e.day_range(start).unwrap_or((0, 0)),
                probability: e.probability.map(|p| p.get()),
                change,
            }
        })
        .collect()
}

/// The TTL (minutes) that providers' default prompt-cache write price buys; a longer TTL pays
/// the 1-hour write price where the table has one.
pub const PROMPT_CACHE_DEFAULT_TTL_MIN: f64 = 5.0;

/// The name of the spend bucket for classes without an owner.
pub const UNOWNED: &str = "(unowned)";

/// The full length in days of each budget period that [`budget_periods`] numbers (a calendar
/// month's days, 30 for a block, 1 for a day), for periods `0..=last`.
pub fn budget_period_lengths(period: BudgetPeriod, start_date: Option<Date>, periods: &[u32]) -> Vec<u32> {
    let n = periods.iter().copied().max().map_or(0, |m| m as usize + 1);
    match (period, start_date) {
        (BudgetPeriod::Day, _) => vec![1; n],
        (BudgetPeriod::Month, Some(d0)) => (0..n as i64)
            .map(|k| d0.first_of_month_after(k).days_in_month())
            .collect(),
        (BudgetPeriod::Month, None) => vec![30; n],
    }
}

/// The budget period of each day of a horizon: one per day for `Day`; for `Month`, calendar
/// months when the scenario has a start date (a cap resets on the 1st), else 30-day blocks.
pub fn budget_periods(period: BudgetPeriod, start_date: Option<Date>, horizon_days: u32) -> Vec<u32> {
    let days = 0..horizon_days;
    match (period, start_date) {
        (BudgetPeriod::Day, _) => days.collect(),
        (BudgetPeriod::Month, Some(d0)) => {
            let (first, m0) = (d0.unix_day(), d0.month_index());
            days.map(|k| (Date::from_unix_day(first + i64::from(k)).month_index() - m0) as u32)
                .collect()
        }
        (BudgetPeriod::Month, None) => days.map(|k| k / 30).collect(),
    }
}

/// The threshold on `u + noise·z` (u uniform on [0,1], z standard normal) above which a share
/// `strong_share` of tasks lies.
pub fn learned_threshold(strong_share: f64, noise: f64) -> f64 {
    let target = 1.0 - strong_share;
    if noise <= 0.0 {
        return target;
    }
    let phi = |x: f64| 0.5 * statrs::function::erf::erfc(-x / std::f64::consts::SQRT_2);
    let pdf = |x: f64| (-0.5 * x * x).exp() / (2.0 * std::f64::consts::PI).sqrt();
    let g = |x: f64| x * phi(x) + pdf(x);
    let cdf = |t: f64| noise * (g(t / noise) - g((t - 1.0) / noise));
    let (mut lo, mut hi) = (-1.0 - 12.0 * noise, 2.0 + 12.0 * noise);
    for _ in 0..200 {
        let mid = 0.5 * (lo + hi);
        if cdf(mid) < target {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    0.5 * (lo + hi)
}

/// A name the scenario's validation should have caught (a bug if it happens: the scenario
/// passed validation, or a policy from elsewhere was not checked against it).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum CompileError {
    #[error("policy {policy:?} refers to the unknown model {model:?}")]
    UnknownModel { policy: String, model: String },
    #[error("the scenario's default model {0:?} is not one of its models")]
    UnknownDefaultModel(String),
    #[error("model {model:?} has the unknown price key {key:?}")]
    UnknownPrice { model: String, key: String },
    #[error("model {model:?} has no success rate for class {class:?}")]
    MissingSuccess { model: String, class: String },
    #[error("policy {policy:?} has a rule for the unknown {what} {name:?}")]
    UnknownRuleTarget {
        policy: String,
        what: &'static str,
        name: String,
    },
    #[error("policy {policy:?} uses the unknown embedding price key {key:?}")]
    UnknownEmbedding { policy: String, key: String },
}

/// What a policy's names resolve against.
struct Names<'a> {
    models: Vec<&'a String>,
    classes: &'a [ClassC],
    owners: &'a [String],
}

impl Names<'_> {
    fn model(&self, policy: &str, name: &str) -> Result<usize, CompileError> {
        self.models
            .iter()
            .position(|m| *m == name)
            .ok_or_else(|| CompileError::UnknownModel {
                policy: policy.to_string(),
                model: name.to_string(),
            })
    }

    fn condition(&self, policy: &str, c: &Condition) -> Result<CondC, CompileError> {
        let unknown = |what, name: &String| CompileError::UnknownRuleTarget {
            policy: policy.to_string(),
            what,
            name: name.clone(),
        };
        Ok(match c {
            Condition::Class(c) => CondC::Class(
                self.classes
                    .iter()
                    .position(|k| &k.name == c)
                    .ok_or_else(|| unknown("class", c))?,
            ),
            Condition::Owner(o) => CondC::Owner(
                self.owners
                    .iter()
                    .position(|k| k == o)
                    .ok_or_else(|| unknown("owner", o))?,
            ),
            Condition::InputTokensAbove(n) => CondC::InputAbove(*n),
        })
    }

    fn router(&self, p: &Policy, default_model: usize) -> Result<RouterC, CompileError> {
        let m = |name: &str| self.model(&p.name, name);
        Ok(match &p.router {
            None => RouterC::Fixed(default_model),
            Some(Router::Fixed(x)) => RouterC::Fixed(m(x)?),
            Some(Router::Rules { rules, default }) => RouterC::Rules(
                rules
                    .iter()
                    .map(|r| Ok((self.condition(&p.name, &r.when)?, m(&r.model)?)))
                    .collect::<Result<_, CompileError>>()?,
                m(default)?,
            ),
            Some(Router::Cascade { stages, verifier }) => RouterC::Cascade(
                stages.iter().map(|s| m(s)).collect::<Result<_, _>>()?,
                VerifierC {
                    model: m(&verifier.model)?,
                    recall: verifier.recall.clone(),
                    false_alarm_rate: verifier.false_alarm_rate.clone(),
                    reads_task: verifier.reads_task,
                    extra_input_tokens: verifier.extra_input_tokens,
                    output_tokens: verifier.output_tokens,
                },
            ),
            Some(Router::Learned {
                strong,
                weak,
                strong_share,
                signal_noise,
            }) => RouterC::Learned {
                strong: m(strong)?,
                weak: m(weak)?,
                threshold: learned_threshold(strong_share.get(), signal_noise.get()),
                noise: signal_noise.get(),
                strong_share: strong_share.get(),
            },
        })
    }

    fn budget(&self, p: &Policy, b: &Budget, scn: &Scenario) -> Result<BudgetC, CompileError> {
        let per_owner = b.scope == BudgetScope::PerOwner;
        let caps_usd = if per_owner {
            self.owners
                .iter()
                .map(|o| b.owner_caps_usd.get(o).map(|c| c.get()).unwrap_or(b.cap_usd.get()))
                .collect()
        } else {
            vec![b.cap_usd.get()]
        };
        Ok(BudgetC {
            per_owner,
            period_of_day: budget_periods(b.period, scn.start_date(), scn.file.horizon_days),
            caps_usd,
            on_breach: match &b.on_breach {
                OnBreach::Downgrade(m) => BreachC::Downgrade(self.model(&p.name, m)?),
                OnBreach::Reject => BreachC::Reject,
                OnBreach::AlertOnly => BreachC::AlertOnly,
            },
            alert_at: b.alert_at.get(),
        })
    }
}

/// The owners the classes name, then one for unowned classes when some are.
fn owners_of(scn: &Scenario) -> Vec<String> {
    let mut owners = scn.traffic.owners();
    if scn.traffic.classes.iter().any(|c| c.owner.is_none()) {
        owners.push(UNOWNED.to_string());
    }
    owners
}

fn compile_classes(scn: &Scenario, owners: &[String]) -> Vec<ClassC> {
    let mut cum = 0.0;
    scn.traffic
        .classes
        .iter()
        .map(|c| {
            cum += c.share.get();
            ClassC {
                name: c.name.clone(),
                cum_share: cum,
                // Unowned classes share the last owner slot (`owners_of` adds it).
                owner: c
                    .owner
                    .as_ref()
                    .and_then(|o| owners.iter().position(|x| x == o))
                    .unwrap_or(owners.len().saturating_sub(1)),
                input_tokens: c.input_tokens.clone(),
                prefix_tokens: c.shared_prefix_tokens,
                output_tokens: c.output_tokens.clone(),
                exact_repeat_rate: c.exact_repeat_rate.clone(),
                near_repeat_rate: c.near_repeat_rate.clone(),
                retry_on_failure: c.retry_on_failure.clone(),
                batchable: c.batchable,
                session: c.session.clone(),
            }
        })
        .collect()
}

fn compile_models(scn: &Scenario, classes: &[ClassC]) -> Result<Vec<ModelC>, CompileError> {
    scn.file
        .models
        .iter()
        .map(|(name, m)| {
            let price = scn.prices.get(&m.price_key).ok_or_else(|| CompileError::UnknownPrice {
                model: name.clone(),
                key: m.price_key.clone(),
            })?;
            let success = classes
                .iter()
                .map(|c| {
                    m.success
                        .get(&c.name)
                        .cloned()
                        .ok_or_else(|| CompileError::MissingSuccess {
                            model: name.clone(),
                            class: c.name.clone(),
                        })
                })
                .collect::<Result<_, _>>()?;
            Ok(ModelC {
                name: name.clone(),
                price: PriceC::new(price, scn.discount_for(&m.price_key)),
                success,
                ttft_ms: m.ttft_ms.clone(),
                output_tokens_per_s: m.output_tokens_per_s.clone(),
                has_reasoning: m.reasoning_tokens.0.support().1 > 0.0,
                reasoning_tokens: m.reasoning_tokens.clone(),
                call_tag: crate::sim::rng::key_str(crate::sim::rng::tag::CALL, name),
            })
        })
        .collect()
}

fn compile_policy(
    scn: &Scenario,
    p: &Policy,
    names: &Names,
    models: &[ModelC],
    default_model: usize,
) -> Result<PolicyC, CompileError> {
    let f = &scn.file;
    let router = names.router(p, default_model)?;
    let budget = p.budget.as_ref().map(|b| names.budget(p, b, scn)).transpose()?;
    let semantic_cache = match &p.semantic_cache {
        None => None,
        Some(s) => {
            let e = scn
                .prices
                .get(&s.embedding_price_key)
                .ok_or_else(|| CompileError::UnknownEmbedding {
                    policy: p.name.clone(),
                    key: s.embedding_price_key.clone(),
                })?;
            Some(SemanticC {
                embedding_usd_per_token: e.input_usd_per_mtok.get() * scn.discount_for(&s.embedding_price_key) / 1e6,
                hit: s.hit_given_near_repeat.clone(),
                wrong_hit: s.wrong_hit_given_near_repeat.clone(),
                false_hit: s.false_hit_rate.clone(),
                lookup_latency_ms: s.lookup_latency_ms.get(),
            })
        }
    };
    let ttl = f.prompt_cache_ttl_minutes.get();
    let prompt_cache_ttl_min = p
        .prompt_caching
        .as_ref()
        .map(|pc| pc.ttl_minutes.map(|t| t.get()).unwrap_or(ttl));
    Ok(PolicyC {
        name: p.name.clone(),
        strong_model: router.strong_model(models),
        router,
        exact_cache: p
            .exact_cache
            .as_ref()
            .map(|c| (c.hit_given_repeat.clone(), c.latency_ms.get())),
        semantic_cache,
        prompt_cache_ttl_min,
        prompt_cache_1h: prompt_cache_ttl_min.is_some_and(|t| t > PROMPT_CACHE_DEFAULT_TTL_MIN),
        context_cap: p
            .context_cap
            .as_ref()
            .map(|c| (c.max_input_tokens, c.success_penalty.get())),
        cache_strategy: p.prompt_caching.as_ref().map(|pc| pc.strategy).unwrap_or_default(),
        compaction: p
            .compaction
            .as_ref()
            .map(|c| -> Result<CompactionC, CompileError> {
                use crate::model::policy::CompactionMethod;
                Ok(CompactionC {
                    trigger_tokens: c.trigger_tokens,
                    method: match &c.method {
                        CompactionMethod::Summarise { model, summary_tokens } => CompactionMethodC::Summarise {
                            model: names.model(&p.name, model)?,
                            summary_tokens: *summary_tokens,
                        },
                        CompactionMethod::KeepLastTurns(n) => CompactionMethodC::KeepLastTurns(*n),
                    },
                    success_penalty: c.success_penalty.get(),
                })
            })
            .transpose()?,
        budget,
        batch_share: p.batch.as_ref().map(|b| b.share.clone()),
        max_retries: p.max_retries.unwrap_or(0),
        rollout: None,
        budget_events: budget_events(scn, p),
    })
}

impl Compiled {
    /// Compiles `scn` with the given policies. Every name must resolve (a validated scenario's
    /// do; policies from elsewhere must use its model names): an unresolved one is an error,
    /// never a fallback to the first model or a zero price.
    pub fn new(scn: &Scenario, policies: &[Policy]) -> Result<Compiled, CompileError> {
        let f = &scn.file;
        let owners = owners_of(scn);
        let classes = compile_classes(scn, &owners);
        let models = compile_models(scn, &classes)?;
        let names = Names {
            models: f.models.keys().collect(),
            classes: &classes,
            owners: &owners,
        };
        let default_model = names
            .models
            .iter()
            .position(|m| **m == f.default_model)
            .ok_or_else(|| CompileError::UnknownDefaultModel(f.default_model.clone()))?;
        let policies = policies
            .iter()
            .map(|p| compile_policy(scn, p, &names, &models, default_model))
            .collect::<Result<_, _>>()?;
        let events = compile_events(scn, &models, &classes);
        Ok(Compiled {
            events,
            classes,
            owners,
            models,
            policies,
            horizon_days: f.horizon_days,
            start_weekday: scn.start_date().map_or(0, Date::weekday),
            weekday_factors: scn.traffic.weekday_factors(),
            requests_per_day: scn.traffic.requests_per_day.clone(),
            growth_per_month: scn.traffic.growth_per_month.clone(),
            day_noise_sd: scn.traffic.day_noise_sd.get(),
            sample_per_day: None,
        })
    }
}
