//! A scenario's checks beyond its format: settings, models against the price table and the
//! traffic, discounts, and each policy's components — every problem named with its field path.

use super::error::Diagnostics;
use super::locate::FieldPath;
use super::policy::{OnBreach, Policy};
use super::prices::{ModelKind, PriceTable};
use super::scenario::ScenarioFile;
use super::traffic::TrafficProfile;

/// "unknown model "x"; expected one of: a, b" (or how many there are, when many).
pub(super) fn unknown<'a, S: AsRef<str> + 'a>(what: &str, name: &str, known: impl Iterator<Item = S>) -> String {
    let known: Vec<String> = known.map(|s| s.as_ref().to_string()).collect();
    if known.len() <= 12 {
        format!("unknown {what} {name:?}; expected one of: {}", known.join(", "))
    } else {
        format!("unknown {what} {name:?} ({} are defined)", known.len())
    }
}

/// The scenario's own settings: name, cache TTL, horizon, runs, budget risk, start date, that
/// there are models (not too many) and policies, and that the default model is one of them.
pub(super) fn check_settings(file: &ScenarioFile, d: &mut Diagnostics) {
    let root = FieldPath::root();
    if file.name.trim().is_empty() {
        d.push(&root.field("name"), "a scenario needs a name");
    }
    crate::model::limits::check_value(
        d,
        &root.field("prompt_cache_ttl_minutes"),
        file.prompt_cache_ttl_minutes.get(),
        (0.0, crate::model::limits::MAX_PROMPT_CACHE_TTL_MINUTES),
        "minutes",
    );
    if !(1..=crate::model::limits::MAX_HORIZON_DAYS).contains(&file.horizon_days) {
        d.push(
            &root.field("horizon_days"),
            format!("expected 1 to 3660 days, found {}", file.horizon_days),
        );
    }
    if !(1..=100_000).contains(&file.runs) {
        d.push(
            &root.field("runs"),
            format!("expected 1 to 100000 runs, found {}", file.runs),
        );
    }
    let risk = file.guardrails.budget_risk.get();
    if !(risk > 0.0 && risk < 1.0) {
        d.push(
            &root.field("guardrails").field("budget_risk"),
            format!("expected a risk above 0 and below 1 (0.10 = 10%), found {risk}"),
        );
    }
    if let Some(s) = &file.start_date
        && !crate::model::prices::is_iso_date(s)
    {
        d.push(
            &root.field("start_date"),
            format!("expected a date written YYYY-MM-DD, found {s:?}"),
        );
    }
    if file.models.is_empty() {
        d.push(&root.field("models"), "a scenario needs at least one model");
    }
    if file.models.len() > crate::model::limits::MAX_MODELS {
        d.push(
            &root.field("models"),
            format!(
                "a scenario holds at most {} models, found {}",
                crate::model::limits::MAX_MODELS,
                file.models.len()
            ),
        );
    }
    if !file.models.contains_key(&file.default_model) {
        d.push(
            &root.field("default_model"),
            unknown("model", &file.default_model, file.models.keys()),
        );
    }
    if file.policies.is_empty() {
        d.push(&root.field("policies"), "a scenario needs at least one policy");
    }
}

/// Each model: latencies, speed and reasoning within bounds, a chat price key, a success rate
/// for every class and none for a class that does not exist.
pub(super) fn check_models(file: &ScenarioFile, prices: &PriceTable, traffic: &TrafficProfile, d: &mut Diagnostics) {
    let root = FieldPath::root();
    let class_names: Vec<&String> = traffic.classes.iter().map(|c| &c.name).collect();
    for (m, prof) in &file.models {
        let at = root.field("models").key(m);
        let ms = (0.0, crate::model::limits::MAX_LATENCY_MS);
        crate::model::limits::check_dist(d, &at.field("ttft_ms"), &prof.ttft_ms.0, ms, "ms");
        crate::model::limits::check_dist(
            d,
            &at.field("output_tokens_per_s"),
            &prof.output_tokens_per_s.0,
            crate::model::limits::OUTPUT_TOKENS_PER_S,
            "tokens per second",
        );
        crate::model::limits::check_dist(
            d,
            &at.field("reasoning_tokens"),
            &prof.reasoning_tokens.0,
            (0.0, crate::model::limits::MAX_TOKENS_PER_REQUEST),
            "tokens",
        );
        match prices.get(&prof.price_key) {
            None => d.push(
                &at.field("price_key"),
                unknown("price key", &prof.price_key, prices.models.keys()),
            ),
            Some(p) if p.kind != ModelKind::Chat => d.push(
                &at.field("price_key"),
                format!("{:?} is an embedding model, not a chat model", prof.price_key),
            ),
            _ => {}
        }
        for c in &class_names {
            if !prof.success.contains_key(*c) {
                d.push(
                    &at.field("success"),
                    format!("no success probability for the task class {c:?}"),
                );
            }
        }
        for c in prof.success.keys() {
            if !class_names.contains(&c) {
                d.push(
                    &at.field("success").key(c),
                    unknown("task class", c, class_names.iter().copied()),
                );
            }
        }
    }
}

/// Discounts name providers and price keys of the table.
pub(super) fn check_discounts(file: &ScenarioFile, prices: &PriceTable, d: &mut Diagnostics) {
    let root = FieldPath::root();
    let bounds = crate::model::limits::PRICE_MULTIPLIER;
    for (kind, map) in [
        ("providers", &file.discounts.providers),
        ("models", &file.discounts.models),
    ] {
        for (k, x) in map {
            let at = root.field("discounts").field(kind).key(k);
            crate::model::limits::check_value(d, &at, x.get(), bounds, "× list price");
        }
    }
    for pv in file.discounts.providers.keys() {
        if !prices.models.values().any(|p| &p.provider == pv) {
            d.push(
                &root.field("discounts").field("providers").key(pv),
                format!("no model in the price table has the provider {pv:?}"),
            );
        }
    }
    for m in file.discounts.models.keys() {
        if prices.get(m).is_none() {
            d.push(
                &root.field("discounts").field("models").key(m),
                unknown("price key", m, prices.models.keys()),
            );
        }
    }
}

/// `m` must be one of the scenario's models.
fn check_model(d: &mut Diagnostics, file: &ScenarioFile, path: FieldPath, m: &str) {
    if !file.models.contains_key(m) {
        d.push(&path, unknown("model", m, file.models.keys()));
    }
}

pub(super) fn validate_policy(
    p: &Policy,
    at: &FieldPath,
    file: &ScenarioFile,
    prices: &PriceTable,
    traffic: &TrafficProfile,
    owners: &[String],
    d: &mut Diagnostics,
) {
    if p.name.trim().is_empty() {
        d.push(&at.field("name"), "a policy needs a name");
    }
    if let Some(n) = p.max_retries {
        crate::model::limits::check_value(
            d,
            &at.field("max_retries"),
            f64::from(n),
            (0.0, f64::from(crate::model::limits::MAX_RETRIES)),
            "retries",
        );
    }
    let ms = (0.0, crate::model::limits::MAX_LATENCY_MS);
    if let Some(c) = &p.exact_cache {
        crate::model::limits::check_value(
            d,
            &at.field("exact_cache").field("latency_ms"),
            c.latency_ms.get(),
            ms,
            "ms",
        );
    }
    if let Some(c) = &p.semantic_cache {
        crate::model::limits::check_value(
            d,
            &at.field("semantic_cache").field("lookup_latency_ms"),
            c.lookup_latency_ms.get(),
            ms,
            "ms",
        );
    }
    if let Some(r) = &p.router {
        let known = super::router::Known {
            models: file.models.keys().map(String::as_str).collect(),
            classes: traffic.classes.iter().map(|c| c.name.as_str()).collect(),
            owners,
        };
        r.check(&at.field("router"), &known, d);
    }
    check_components(p, at, file, prices, traffic, d);
    if let Some(c) = &p.compaction {
        check_compaction(c, &at.field("compaction"), file, d);
    }
    if let Some(b) = &p.budget {
        let bat = at.field("budget");
        if let OnBreach::Downgrade(m) = &b.on_breach {
            check_model(d, file, bat.field("on_breach"), m);
        }
        for o in b.owner_caps_usd.keys() {
            if !owners.contains(o) {
                d.push(&bat.field("owner_caps_usd").key(o), unknown("owner", o, owners.iter()));
            }
        }
    }
}

/// Compaction: a trigger and a summary that make the history shorter, a model that exists.
fn check_compaction(c: &crate::model::policy::Compaction, at: &FieldPath, file: &ScenarioFile, d: &mut Diagnostics) {
    use crate::model::policy::CompactionMethod;
    let tokens = (1.0, crate::model::limits::MAX_TOKENS_PER_REQUEST);
    crate::model::limits::check_value(
        d,
        &at.field("trigger_tokens"),
        c.trigger_tokens as f64,
        tokens,
        "tokens",
    );
    match &c.method {
        CompactionMethod::Summarise { model, summary_tokens } => {
            check_model(d, file, at.field("method").field("model"), model);
            if *summary_tokens == 0 || *summary_tokens >= c.trigger_tokens {
                d.push(
                    &at.field("method").field("summary_tokens"),
                    format!(
                        "expected a summary shorter than the trigger ({} tokens) and above 0, found {summary_tokens}",
                        c.trigger_tokens
                    ),
                );
            }
        }
        CompactionMethod::KeepLastTurns(0) => d.push(
            &at.field("method"),
            "expected to keep at least 1 turn (KeepLastTurns(0) would drop the whole history)",
        ),
        CompactionMethod::KeepLastTurns(_) => {}
    }
}

/// The semantic cache's embedding, the context cap against the prefixes, and the prompt-cache
/// TTL against what each model's provider offers.
fn check_components(
    p: &Policy,
    at: &FieldPath,
    file: &ScenarioFile,
    prices: &PriceTable,
    traffic: &TrafficProfile,
    d: &mut Diagnostics,
) {
    if let Some(sc) = &p.semantic_cache {
        let f = at.field("semantic_cache").field("embedding_price_key");
        match prices.get(&sc.embedding_price_key) {
            None => d.push(&f, unknown("price key", &sc.embedding_price_key, prices.models.keys())),
            Some(e) if e.kind != ModelKind::Embedding => {
                d.push(&f, format!("{:?} is not an embedding model", sc.embedding_price_key))
            }
            _ => {}
        }
    }
    if let Some(cap) = &p.context_cap {
        let f = at.field("context_cap").field("max_input_tokens");
        let widest = traffic.classes.iter().max_by_key(|c| c.shared_prefix_tokens);
        if cap.max_input_tokens == 0 {
            d.push(&f, "expected a limit above 0 tokens");
        } else if let Some(c) = widest.filter(|c| c.shared_prefix_tokens > cap.max_input_tokens) {
            d.push(
                &f,
                format!(
                    "the cap of {} tokens is below the {}-token shared prefix of the task class {:?}; \
                     the prefix (system prompt) is never truncated, so the cap must be at least that",
                    cap.max_input_tokens, c.shared_prefix_tokens, c.name
                ),
            );
        }
    }
    if let Some(pc) = &p.prompt_caching {
        if let Some(t) = pc.ttl_minutes {
            crate::model::limits::check_value(
                d,
                &at.field("prompt_caching").field("ttl_minutes"),
                t.get(),
                (0.0, crate::model::limits::MAX_PROMPT_CACHE_TTL_MINUTES),
                "minutes",
            );
        }
        let ttl = pc
            .ttl_minutes
            .map(|t| t.get())
            .unwrap_or(file.prompt_cache_ttl_minutes.get());
        let f = match pc.ttl_minutes {
            Some(_) => at.field("prompt_caching").field("ttl_minutes"),
            None => at.field("prompt_caching"),
        };
        for m in p.models_used(&file.default_model) {
            let Some(price) = file.models.get(m).and_then(|prof| prices.get(&prof.price_key)) else {
                continue;
            };
            if let Some(offered) = price.offered_ttls_minutes()
                && !offered.contains(&ttl)
            {
                let from = if pc.ttl_minutes.is_some() {
                    ""
                } else {
                    " (the scenario's prompt_cache_ttl_minutes)"
                };
                d.push(
                    &f,
                    format!(
                        "a prompt-cache TTL of {ttl} minutes{from} is not offered for the model {m:?} ({}): \
                         its provider caches for {} or {} minutes",
                        price.provider, offered[0], offered[1]
                    ),
                );
            }
        }
    }
}
