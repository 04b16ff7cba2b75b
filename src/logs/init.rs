//! A whole scenario from logs (`costplan init --from-logs`): the fitted traffic, one model per
//! model the logs call (priced by its key in the price table; dated snapshots mapped to their
//! model), the routing the logs show as the baseline policy (a rule per class whose calls mostly
//! went elsewhere than the default), the provider and response caching the logs show, and every
//! figure logs cannot give — success rates above all — marked in the header as an assumption to
//! replace.

use std::collections::BTreeMap;

use super::Logs;
use super::fit::{ClassCalls, Fit};
use crate::model::dist::{NonNegDist, ProbDist};
use crate::model::policy::{CacheStrategy, Condition, ExactCache, Policy, PromptCaching, Router, Rule};
use crate::model::prices::PriceTable;
use crate::model::ron_io::NonNeg;
use crate::model::scenario::{Guardrails, ModelProfile, ScenarioFile, Source};

/// The time to first token and output speed assumed for a model whose logs have none.
pub const ASSUMED_TTFT_MS: f64 = 500.0;
pub const ASSUMED_OUTPUT_TOKENS_PER_S: f64 = 80.0;
/// The success rate assumed for a class whose logs have no status.
pub const ASSUMED_SUCCESS: f64 = 0.95;
/// A class whose calls read more from the provider's cache than this many times its shared
/// prefix per call is caching its history (a conversation's or agent's full-history caching).
const HISTORY_READ_FACTOR: f64 = 1.5;

/// What `init` writes where.
#[derive(Clone, Debug)]
pub struct InitOptions {
    pub name: String,
    /// The traffic file and the price table, as the scenario refers to them (relative paths).
    pub traffic_file: String,
    pub prices_file: String,
}

/// A drafted scenario and what its header says.
#[derive(Clone, Debug)]
pub struct Drafted {
    pub scenario: ScenarioFile,
    /// The header's lines: where each part came from, and what is assumed.
    pub header: Vec<String>,
}

/// Why no scenario could be drafted.
#[derive(Debug, thiserror::Error)]
pub enum InitError {
    #[error(
        "the price table has no price for {0}: pass --prices with a table that has them (`costplan prices import` converts LiteLLM's price list), or fit the traffic alone with `costplan traffic fit`"
    )]
    Unpriced(String),
}

/// Drafts the scenario for `fit` (from `logs`), priced by `prices`.
pub fn draft(logs: &Logs, fit: &Fit, prices: &PriceTable, opts: &InitOptions) -> Result<Drafted, InitError> {
    let mut header = Vec::new();
    let names = model_names(fit, prices, &mut header)?;
    // The default model: the most called.
    let mut calls: BTreeMap<&str, f64> = BTreeMap::new();
    for c in &fit.class_calls {
        for (id, n) in &c.by_model {
            *calls.entry(names[id.as_str()].as_str()).or_default() += n;
        }
    }
    let default = calls
        .iter()
        .max_by(|a, b| a.1.total_cmp(b.1).then(b.0.cmp(a.0)))
        .map(|(m, _)| m.to_string())
        .unwrap_or_default();
    let models = model_profiles(fit, prices, &names, &mut header);
    let router = observed_router(fit, &names, &default, &mut header);
    let baseline = observed_policy(fit, router, &mut header);
    let horizon_days = u32::try_from(fit.days.clamp(1, 366)).unwrap_or(30);
    let scenario = ScenarioFile {
        format_version: 1,
        name: opts.name.clone(),
        description: format!(
            "Drafted by CostPlan from {} ({} to {}): the traffic fitted, the models and routing the logs show; success rates to replace with evaluated ones",
            logs.files
                .iter()
                .map(|f| std::path::Path::new(&f.0)
                    .file_name()
                    .map_or(f.0.clone(), |n| n.to_string_lossy().into_owned()))
                .collect::<Vec<_>>()
                .join(", "),
            fit.start_date,
            fit.end_date
        ),
        horizon_days,
        runs: 100,
        seed: 1,
        start_date: Some(fit.start_date.to_string()),
        prices: Source::File(opts.prices_file.clone()),
        traffic: Source::File(opts.traffic_file.clone()),
        discounts: Default::default(),
        prompt_cache_ttl_minutes: NonNeg::new(5.0).unwrap_or_default(),
        models,
        default_model: default,
        guardrails: Guardrails::default(),
        baseline: baseline.name.clone(),
        policies: vec![Source::Inline(baseline)],
    };
    header.push(format!(
        "horizon: the logs' {} days from {}, so `costplan backtest` compares day by day",
        fit.days, fit.start_date
    ));
    Ok(Drafted { scenario, header })
}

/// The scenario's name for each logged model id: its key in the price table (the id itself, or
/// the id without its snapshot date). Every id must have one.
fn model_names(
    fit: &Fit,
    prices: &PriceTable,
    header: &mut Vec<String>,
) -> Result<BTreeMap<String, String>, InitError> {
    let mut names = BTreeMap::new();
    let mut unpriced = Vec::new();
    for m in &fit.models {
        match super::models::resolve(&m.model, |k| prices.get(k).is_some()) {
            Some(key) => {
                if key != m.model {
                    header.push(format!(
                        "model {:?} in the logs is a dated snapshot: priced and named as {key:?}",
                        m.model
                    ));
                }
                names.insert(m.model.clone(), key.to_string());
            }
            None => unpriced.push(format!("{:?}", m.model)),
        }
    }
    if unpriced.is_empty() {
        Ok(names)
    } else {
        Err(InitError::Unpriced(unpriced.join(", ")))
    }
}

/// One model profile per priced model: latency and speed from the logs (medians), success per
/// class assumed from the logged failures.
fn model_profiles(
    fit: &Fit,
    prices: &PriceTable,
    names: &BTreeMap<String, String>,
    header: &mut Vec<String>,
) -> BTreeMap<String, ModelProfile> {
    let fixed = NonNegDist::fixed;
    let success: BTreeMap<String, ProbDist> = fit
        .class_calls
        .iter()
        .map(|c| {
            let p = c.failure_rate.map_or(ASSUMED_SUCCESS, |f| 1.0 - f);
            (c.class.clone(), ProbDist::fixed(round3(p)))
        })
        .collect();
    header.push(format!(
        "ASSUMED — success rates: one minus each class's logged failure rate (errors only; {ASSUMED_SUCCESS} where the logs have no status). Logs do not say whether an answer was good: replace them with your evaluation's before comparing policies"
    ));
    let mut out: BTreeMap<String, ModelProfile> = BTreeMap::new();
    for m in &fit.models {
        let Some(name) = names.get(&m.model) else { continue };
        if out.contains_key(name) {
            continue;
        }
        let ttft = m.ttft_ms_median.unwrap_or_else(|| {
            header.push(format!(
                "ASSUMED — {name}: no time to first token in the logs: {ASSUMED_TTFT_MS} ms"
            ));
            ASSUMED_TTFT_MS
        });
        let speed = m.output_tokens_per_s_median.unwrap_or_else(|| {
            header.push(format!(
                "ASSUMED — {name}: no output speed in the logs: {ASSUMED_OUTPUT_TOKENS_PER_S} tokens/s"
            ));
            ASSUMED_OUTPUT_TOKENS_PER_S
        });
        debug_assert!(prices.get(name).is_some());
        out.insert(
            name.clone(),
            ModelProfile {
                price_key: name.clone(),
                success: success.clone(),
                ttft_ms: fixed(ttft.round()),
                output_tokens_per_s: fixed(round3(speed)),
                reasoning_tokens: fixed(m.reasoning_tokens_mean.round()),
            },
        );
    }
    out
}

/// Three significant digits.
fn round3(x: f64) -> f64 {
    if x == 0.0 || !x.is_finite() {
        return x;
    }
    let m = 10f64.powi(2 - x.abs().log10().floor() as i32);
    (x * m).round() / m
}

/// The routing the logs show: each class to the model most of its calls went to (a rule where
/// that is not the default model); what share of calls the rules send where the logs did.
fn observed_router(fit: &Fit, names: &BTreeMap<String, String>, default: &str, header: &mut Vec<String>) -> Router {
    let mut rules = Vec::new();
    let (mut total, mut matched) = (0.0, 0.0);
    for c in &fit.class_calls {
        let mut by: BTreeMap<&str, f64> = BTreeMap::new();
        for (id, n) in &c.by_model {
            *by.entry(names[id.as_str()].as_str()).or_default() += n;
            total += n;
        }
        let Some((main, n)) = by
            .iter()
            .max_by(|a, b| a.1.total_cmp(b.1).then(b.0.cmp(a.0)))
            .map(|(m, n)| (m.to_string(), *n))
        else {
            continue;
        };
        matched += n;
        if main != default {
            rules.push(Rule {
                when: Condition::Class(c.class.clone()),
                model: main,
            });
        }
    }
    let share = if total > 0.0 { matched / total } else { 1.0 };
    header.push(format!(
        "baseline routing: each class to the model most of its calls went to; this sends {:.1}% of the logged calls where they went{}",
        share * 100.0,
        if share < 0.999 {
            " (the rest were a class's other models: a rules router by class cannot split a class)"
        } else {
            ""
        }
    ));
    if rules.is_empty() {
        Router::Fixed(default.to_string())
    } else {
        Router::Rules {
            rules,
            default: default.to_string(),
        }
    }
}

/// The baseline policy: the observed routing, retries, and the caching the logs show.
fn observed_policy(fit: &Fit, router: Router, header: &mut Vec<String>) -> Policy {
    let classes = &fit.profile.classes;
    let calls = |c: &ClassCalls| c.by_model.iter().map(|m| m.1).sum::<f64>();
    // Provider caching: any cache reads; full-history where reads pass the shared prefix.
    let reads: f64 = fit.class_calls.iter().map(|c| c.cache_read_tokens).sum();
    let history = fit.class_calls.iter().zip(classes).any(|(c, class)| {
        class.session.is_some()
            && c.cache_read_tokens > HISTORY_READ_FACTOR * class.shared_prefix_tokens as f64 * calls(c)
    });
    let prompt_caching = (reads > 0.0).then(|| {
        let strategy = if history {
            CacheStrategy::FullHistory
        } else {
            CacheStrategy::SystemPrompt
        };
        header.push(format!(
            "prompt caching: the logs read {:.1}% of prompt tokens from the provider's cache; {}",
            reads / fit.class_calls.iter().map(|c| c.prompt_tokens).sum::<f64>().max(1.0) * 100.0,
            if history {
                "sessions read more than their shared prefix: full-history caching"
            } else {
                "the shared prefix is cached"
            }
        ));
        PromptCaching {
            ttl_minutes: None,
            strategy,
        }
    });
    let repeats = classes.iter().any(|c| c.exact_repeat_rate.0.mean() > 0.0);
    let exact_cache = repeats.then(|| {
        header.push(
            "response cache: the logs show cache hits, fitted as each class's exact-repeat rate; every repeat is served from the cache".into(),
        );
        ExactCache {
            hit_given_repeat: ProbDist::fixed(1.0),
            latency_ms: NonNeg::new(5.0).unwrap_or_default(),
        }
    });
    let retries = classes.iter().any(|c| c.retry_on_failure.0.mean() > 0.0);
    if retries {
        header.push("retries: the logs repeat failed requests: up to 1 retry, at each class's fitted rate".into());
    }
    Policy {
        format_version: None,
        name: "observed".into(),
        version: "1".into(),
        notes: "What the logs show: the models each class called, the caching and the retries.".into(),
        router: Some(router),
        exact_cache,
        semantic_cache: None,
        prompt_caching,
        context_cap: None,
        compaction: None,
        budget: None,
        batch: None,
        max_retries: Some(u32::from(retries)),
    }
}
