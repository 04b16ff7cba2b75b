//! A whole scenario from logs (`costplan init --from-logs`): the fitted traffic, one model per
//! model the logs call (priced by its key in the price table; dated snapshots mapped to their
//! model), the routing the logs show as the baseline policy (a rule per class whose calls mostly
//! went elsewhere than the default), the provider and response caching the logs show, and every
//! figure logs cannot give — success rates above all — marked in the header as an assumption to
//! replace.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::Logs;
use super::fit::{ClassCalls, Fit, FitOptions};
use crate::model::dist::{NonNegDist, ProbDist};
use crate::model::policy::{CacheStrategy, Condition, ExactCache, Policy, PromptCaching, Router, Rule};
use crate::model::prices::PriceTable;
use crate::model::ron_io::NonNeg;
use crate::model::scenario::{Files, Guardrails, ModelProfile, ScenarioFile, Source, parse_prices_text, read_text};

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

/// Why no scenario could be drafted (nothing is written then).
#[derive(Debug, thiserror::Error)]
pub enum InitError {
    #[error(
        "the price table has no price for {0}: pass --prices with a table that has them (`costplan prices import` converts LiteLLM's price list), or fit the traffic alone with `costplan traffic fit` (nothing written)"
    )]
    Unpriced(String),
    /// The logs or the price table cannot be used, or the draft does not validate.
    #[error("{0}")]
    Invalid(String),
    /// A file could not be read or written.
    #[error("{0}")]
    Io(String),
    /// The user stopped the read of the logs after `rows` rows.
    #[error("stopped after {rows} rows; nothing was written")]
    Stopped { rows: u64 },
}

/// What to draft from which logs, and where to write it.
#[derive(Clone, Debug)]
pub struct DraftRequest {
    pub logs: Vec<PathBuf>,
    /// The scenario's path; its traffic goes beside it as `<stem>-traffic.ron`.
    pub output: PathBuf,
    /// The price table to refer to; `None`: the bundled table, written beside as `prices.ron`
    /// (reused when an identical one is there, refused when a different one is).
    pub prices: Option<PathBuf>,
    pub fit: FitOptions,
    pub name: Option<String>,
    /// What to read from a database source (`postgresql://…` among the logs).
    pub db: super::read::postgres::DbQuery,
}

/// What a draft wrote.
#[derive(Debug)]
pub struct Written {
    pub traffic: PathBuf,
    /// The bundled price table, when it was written beside the scenario.
    pub prices: Option<PathBuf>,
    pub models: usize,
    pub classes: usize,
    pub baseline: String,
    /// The logs as read (their skipped rows and notes, to show).
    pub logs: Logs,
}

/// The files a drafted scenario refers to, from memory (checked before anything is written).
struct Drafts<'a>(&'a [(String, String)]);

impl Files for Drafts<'_> {
    fn read(&self, rel: &str) -> Result<(String, String), String> {
        self.0
            .iter()
            .find(|(k, _)| k == rel)
            .map(|(k, t)| (k.clone(), t.clone()))
            .ok_or_else(|| format!("the referenced file {rel:?} was not drafted"))
    }
}

/// The price table's path as the scenario refers to it, its text, and whether to write it.
fn price_table(prices: Option<&Path>, dir: &Path) -> Result<(String, String, bool), InitError> {
    match prices {
        Some(p) => {
            let text = read_text(p).map_err(|e| InitError::Io(format!("{}: {e}", p.display())))?;
            let abs = std::fs::canonicalize(p).map_err(|e| InitError::Io(format!("{}: {e}", p.display())))?;
            let rel = std::fs::canonicalize(dir)
                .ok()
                .and_then(|d| abs.strip_prefix(d).ok().map(Path::to_path_buf))
                .unwrap_or(abs);
            Ok((rel.to_string_lossy().into_owned(), text, false))
        }
        None => {
            let path = dir.join("prices.ron");
            let bundled = crate::model::DEFAULT_PRICES;
            match std::fs::read_to_string(&path) {
                Ok(t) if t == bundled => Ok(("prices.ron".into(), t, false)),
                Ok(_) => Err(InitError::Invalid(format!(
                    "{}: a different price table is already there; pass --prices {} to use it, or move it away",
                    path.display(),
                    path.display()
                ))),
                Err(_) => Ok(("prices.ron".into(), bundled.to_string(), true)),
            }
        }
    }
}

/// Reads the logs, fits them, drafts the scenario, checks that it loads back as it will be
/// read, and only then writes the traffic, the price table (when bundled) and the scenario.
pub fn draft_files(req: &DraftRequest, ctl: &super::read::watch::ReadControl) -> Result<Written, InitError> {
    let dir = req
        .output
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let stem = req
        .output
        .file_stem()
        .map_or("scenario".into(), |s| s.to_string_lossy().into_owned());
    let traffic_rel = format!("{stem}-traffic.ron");
    let traffic_path = dir.join(&traffic_rel);
    for out in [&req.output, &traffic_path] {
        if req.logs.iter().any(|f| f == out) {
            return Err(InitError::Invalid(format!(
                "{}: the output would overwrite an input",
                out.display()
            )));
        }
        crate::model::io::check_writable(out)
            .map_err(|e| InitError::Io(format!("{}: cannot write: {e}", out.display())))?;
    }
    let (prices_rel, prices_text, write_prices) = price_table(req.prices.as_deref(), dir)?;
    let prices =
        parse_prices_text(&prices_rel, &prices_text, &prices_rel).map_err(|e| InitError::Invalid(e.to_string()))?;
    let paths: Vec<&Path> = req.logs.iter().map(PathBuf::as_path).collect();
    let logs = super::read::read_sources(&paths, &req.db, ctl).map_err(|e| match e {
        super::LogError::Unreadable { .. } => InitError::Io(e.to_string()),
        super::LogError::Stopped { rows } => InitError::Stopped { rows },
        _ => InitError::Invalid(e.to_string()),
    })?;
    let f = super::fit::fit(&logs, &req.fit);
    let traffic_text = f
        .to_checked_ron(&logs, &traffic_rel)
        .map_err(|e| InitError::Invalid(format!("{e} (nothing written)")))?;
    let first = req
        .logs
        .first()
        .and_then(|p| p.file_name())
        .map_or(String::new(), |n| n.to_string_lossy().into_owned());
    let opts = InitOptions {
        name: req.name.clone().unwrap_or_else(|| format!("Drafted from {first}")),
        traffic_file: traffic_rel.clone(),
        prices_file: prices_rel.clone(),
    };
    let d = draft(&logs, &f, &prices, &opts)?;
    let body = crate::model::ron_io::to_ron_string(&d.scenario)
        .map_err(|e| InitError::Invalid(format!("writing the scenario as RON: {e}")))?;
    let mut text = String::from("// Scenario drafted by CostPlan from logs (`costplan init --from-logs`).\n");
    for h in &d.header {
        text.push_str(&format!("// {h}\n"));
    }
    text.push_str(&body);
    text.push('\n');
    let files = [(traffic_rel, traffic_text.clone()), (prices_rel, prices_text.clone())];
    crate::model::Scenario::from_str_with(&text, &req.output.display().to_string(), &Drafts(&files))
        .map_err(|e| InitError::Invalid(format!("the drafted scenario does not validate: {e} (nothing written)")))?;
    let write = |p: &Path, t: &str| {
        crate::model::io::write_atomic(p, t.as_bytes())
            .map_err(|e| InitError::Io(format!("writing {}: {e}", p.display())))
    };
    write(&traffic_path, &traffic_text)?;
    let prices_path = dir.join("prices.ron");
    if write_prices {
        write(&prices_path, &prices_text)?;
    }
    write(&req.output, &text)?;
    Ok(Written {
        traffic: traffic_path,
        prices: write_prices.then_some(prices_path),
        models: d.scenario.models.len(),
        classes: f.profile.classes.len(),
        baseline: d.scenario.baseline,
        logs,
    })
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
        events: Vec::new(),
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
