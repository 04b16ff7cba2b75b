//! Price tables: CostPlan's RON format ($ per 1M tokens) and LiteLLM's
//! `model_prices_and_context_window.json` ($ per token).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::error::{Diagnostics, LoadError, SourceFile};
use super::locate::{FieldPath, Pos};
use super::ron_io::NonNeg;

/// What a priced model does.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum ModelKind {
    /// A chat / completion model.
    #[default]
    Chat,
    /// An embedding model (billed on input tokens only).
    Embedding,
}

/// Prices that apply to the whole request once its input crosses a threshold.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LongContextTier {
    /// The tier applies when the request's input tokens exceed this.
    pub above_input_tokens: u64,
    pub input_usd_per_mtok: NonNeg,
    pub output_usd_per_mtok: NonNeg,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cache_read_usd_per_mtok: Option<NonNeg>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cache_write_usd_per_mtok: Option<NonNeg>,
    /// Writing the prompt cache with a 1-hour TTL, above the threshold.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cache_write_1h_usd_per_mtok: Option<NonNeg>,
}

/// The prices of one model, in US dollars per million tokens.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModelPrice {
    /// Provider, for negotiated discounts (`openai`, `anthropic`, …).
    pub provider: String,
    #[serde(default)]
    pub kind: ModelKind,
    pub input_usd_per_mtok: NonNeg,
    #[serde(default)]
    pub output_usd_per_mtok: NonNeg,
    /// Reading a warm provider prompt cache.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cache_read_usd_per_mtok: Option<NonNeg>,
    /// Writing the provider prompt cache with its default (5-minute) TTL (when absent, a cold
    /// prefix costs the input price).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cache_write_usd_per_mtok: Option<NonNeg>,
    /// Writing the provider prompt cache with a 1-hour TTL (Anthropic bills 2× input). Present
    /// only for providers that offer a choice of TTL; a policy whose TTL is above 5 minutes pays it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cache_write_1h_usd_per_mtok: Option<NonNeg>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub batch_input_usd_per_mtok: Option<NonNeg>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub batch_output_usd_per_mtok: Option<NonNeg>,
    /// Reasoning tokens (when absent they cost the output price).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reasoning_usd_per_mtok: Option<NonNeg>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub long_context: Vec<LongContextTier>,
    /// The smallest prefix the provider caches. When absent, CostPlan assumes
    /// [`ASSUMED_PROMPT_CACHE_MIN_TOKENS`] and `validate` says so.
    #[serde(
        default,
        deserialize_with = "plain_some_u64",
        skip_serializing_if = "Option::is_none"
    )]
    pub prompt_cache_min_tokens: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_input_tokens: Option<u64>,
    /// The date these prices were read (YYYY-MM-DD).
    pub as_of: String,
    /// Where they were read.
    pub source: String,
}

/// The cacheable-prefix minimum assumed for a model whose price entry does not give one: the
/// most common documented minimum (OpenAI, Anthropic's Sonnet/Opus 4, Gemini 2.5 Flash).
pub const ASSUMED_PROMPT_CACHE_MIN_TOKENS: u64 = 1024;

/// Reads a plain `u64` (as files write it, with or without `implicit_some`) into `Some`.
fn plain_some_u64<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
    u64::deserialize(d).map(Some)
}

impl ModelPrice {
    /// The smallest prefix the provider caches, and whether the table gave it (`false`: assumed).
    pub fn cache_min_tokens(&self) -> (u64, bool) {
        match self.prompt_cache_min_tokens {
            Some(n) => (n, true),
            None => (ASSUMED_PROMPT_CACHE_MIN_TOKENS, false),
        }
    }

    /// The TTLs (minutes) the provider's prompt cache offers, when it offers a choice (a model
    /// with a 1-hour write price: 5 or 60 minutes). `None`: the TTL is an assumption about how
    /// long the provider keeps a prefix, not a choice.
    pub fn offered_ttls_minutes(&self) -> Option<[f64; 2]> {
        self.cache_write_1h_usd_per_mtok.map(|_| [5.0, 60.0])
    }
}

/// Documented minimum cacheable prefix per provider, for LiteLLM entries that lack
/// `prompt_cache_min_tokens` (read 2026-11-29 from each provider's prompt-caching guide).
/// Providers not listed keep no minimum in the imported table: CostPlan assumes
/// [`ASSUMED_PROMPT_CACHE_MIN_TOKENS`] for them and `validate` names each such model.
pub const PROVIDER_PROMPT_CACHE_MIN_TOKENS: &[(&str, u64, &str)] = &[
    (
        "openai",
        1024,
        "https://platform.openai.com/docs/guides/prompt-caching (prompts of 1,024 tokens or more)",
    ),
    (
        "azure",
        1024,
        "https://learn.microsoft.com/azure/ai-foundry/openai/how-to/prompt-caching (1,024 tokens)",
    ),
    (
        "anthropic",
        1024,
        "https://docs.claude.com/en/docs/build-with-claude/prompt-caching (1,024 for Sonnet and Opus 4; Haiku and Opus 4.5 entries carry their own)",
    ),
    (
        "gemini",
        2048,
        "https://ai.google.dev/gemini-api/docs/caching (2,048 for Gemini 2.5 Flash and Pro)",
    ),
    (
        "vertex_ai-language-models",
        2048,
        "https://cloud.google.com/vertex-ai/generative-ai/docs/context-cache/context-cache-overview (2,048)",
    ),
    (
        "deepseek",
        64,
        "https://api-docs.deepseek.com/guides/kv_cache (cache units of 64 tokens)",
    ),
];

/// The documented minimum for a provider, if CostPlan knows it.
pub fn provider_cache_min_tokens(provider: &str) -> Option<u64> {
    PROVIDER_PROMPT_CACHE_MIN_TOKENS
        .iter()
        .find(|(p, _, _)| *p == provider)
        .map(|(_, n, _)| *n)
}

/// A price table: model id → prices.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PriceTable {
    pub format_version: u32,
    #[serde(default)]
    pub name: String,
    pub models: BTreeMap<String, ModelPrice>,
}

/// Checks that `s` is a date written YYYY-MM-DD that exists (no 31 February).
pub fn is_iso_date(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return false;
    }
    let num = |r: std::ops::Range<usize>| s.get(r).and_then(|t| t.parse::<u32>().ok());
    let (Some(y), Some(m), Some(d)) = (num(0..4), num(5..7), num(8..10)) else {
        return false;
    };
    if !(1..=12).contains(&m) || d == 0 {
        return false;
    }
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let days_in_month = match m {
        2 if leap => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    };
    d <= days_in_month
}

impl PriceTable {
    /// Parses and validates a RON price table.
    pub fn from_ron(src: &SourceFile) -> Result<PriceTable, LoadError> {
        super::ron_io::check_version(src, "price table")?;
        let table: PriceTable = super::ron_io::parse_ron(src)?;
        table.validate(src)?;
        Ok(table)
    }

    /// Checks what the types alone cannot.
    pub fn validate(&self, src: &SourceFile) -> Result<(), LoadError> {
        self.validate_at(src, &FieldPath::root())
    }

    /// Checks what the types alone cannot, for a table found at `root` in `src`.
    pub fn validate_at(&self, src: &SourceFile, root: &FieldPath) -> Result<(), LoadError> {
        let mut d = Diagnostics::new(src);
        if self.models.is_empty() {
            d.push(&root.field("models"), "a price table needs at least one model");
        }
        for (id, p) in &self.models {
            let at = root.field("models").key(id);
            if !is_iso_date(&p.as_of) {
                d.push(
                    &at.field("as_of"),
                    format!("expected a date written YYYY-MM-DD, found {:?}", p.as_of),
                );
            }
            let mut last = 0;
            for (i, t) in p.long_context.iter().enumerate() {
                if t.above_input_tokens <= last && i > 0 {
                    d.push(
                        &at.field("long_context").index(i).field("above_input_tokens"),
                        "long-context tiers must be listed with increasing thresholds",
                    );
                }
                last = t.above_input_tokens;
            }
        }
        d.finish(())
    }

    /// Chat models with a prompt cache whose minimum cacheable prefix the table does not give
    /// (CostPlan assumes [`ASSUMED_PROMPT_CACHE_MIN_TOKENS`] for them).
    pub fn assumed_cache_minimums<'a>(&'a self, keys: impl IntoIterator<Item = &'a str>) -> Vec<&'a str> {
        let mut out: Vec<&str> = keys
            .into_iter()
            .filter(|k| {
                self.models
                    .get(*k)
                    .is_some_and(|p| p.cache_read_usd_per_mtok.is_some() && p.prompt_cache_min_tokens.is_none())
            })
            .collect();
        out.sort_unstable();
        out.dedup();
        out
    }

    /// Looks up a model's prices.
    pub fn get(&self, id: &str) -> Option<&ModelPrice> {
        self.models.get(id)
    }
}

/// What an import from LiteLLM found.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ImportStats {
    /// Entries in the file.
    pub entries: usize,
    /// Chat (and completion / responses) models imported.
    pub chat: usize,
    /// Embedding models imported.
    pub embedding: usize,
    /// Entries skipped: other modes (images, audio, …), `sample_spec`, or no token prices.
    pub skipped: usize,
}

fn per_mtok(v: &serde_json::Value) -> Option<NonNeg> {
    let x = v.as_f64()?;
    // LiteLLM gives $ per token; round away binary noise (2.5e-06 * 1e6 = 2.4999999999999996).
    let m = (x * 1e6 * 1e9).round() / 1e9;
    NonNeg::new(m).ok()
}

/// Parses LiteLLM's price list. `as_of` is recorded on every entry.
pub fn import_litellm(src: &SourceFile, as_of: &str) -> Result<(PriceTable, ImportStats), LoadError> {
    let root: serde_json::Value = serde_json::from_str(src.text).map_err(|e| {
        LoadError::one(
            src.name,
            Pos {
                line: e.line().max(1),
                col: e.column().max(1),
            },
            "",
            format!("invalid JSON: {e}"),
        )
    })?;
    let Some(obj) = root.as_object() else {
        return Err(LoadError::one(
            src.name,
            Pos { line: 1, col: 1 },
            "",
            "expected a JSON object of model entries",
        ));
    };
    let mut stats = ImportStats {
        entries: obj.len(),
        ..Default::default()
    };
    let mut models = BTreeMap::new();
    for (id, entry) in obj {
        let Some(e) = entry.as_object() else {
            stats.skipped += 1;
            continue;
        };
        let mode = e.get("mode").and_then(|m| m.as_str()).unwrap_or("");
        let kind = match mode {
            "chat" | "completion" | "responses" => ModelKind::Chat,
            "embedding" => ModelKind::Embedding,
            _ => {
                stats.skipped += 1;
                continue;
            }
        };
        if id == "sample_spec" {
            stats.skipped += 1;
            continue;
        }
        let get = |k: &str| e.get(k).and_then(per_mtok);
        let Some(input) = get("input_cost_per_token") else {
            stats.skipped += 1;
            continue;
        };
        let output = get("output_cost_per_token").unwrap_or_default();
        // Long-context tiers: `input_cost_per_token_above_200k_tokens` and friends.
        let mut tiers: BTreeMap<u64, LongContextTier> = BTreeMap::new();
        for (k, v) in e {
            let Some(rest) = k.strip_prefix("input_cost_per_token_above_") else {
                continue;
            };
            let Some(num) = rest.strip_suffix("_tokens") else {
                continue;
            };
            let threshold = match num.strip_suffix('k') {
                Some(n) => n.parse::<u64>().ok().map(|n| n * 1000),
                None => num.parse::<u64>().ok(),
            };
            let (Some(threshold), Some(tin)) = (threshold, per_mtok(v)) else {
                continue;
            };
            let suffix = format!("_above_{num}_tokens");
            tiers.insert(
                threshold,
                LongContextTier {
                    above_input_tokens: threshold,
                    input_usd_per_mtok: tin,
                    output_usd_per_mtok: get(&format!("output_cost_per_token{suffix}")).unwrap_or(output),
                    cache_read_usd_per_mtok: get(&format!("cache_read_input_token_cost{suffix}")),
                    cache_write_usd_per_mtok: get(&format!("cache_creation_input_token_cost{suffix}")),
                    cache_write_1h_usd_per_mtok: get(&format!("cache_creation_input_token_cost_above_1hr{suffix}")),
                },
            );
        }
        let provider = e.get("litellm_provider").and_then(|p| p.as_str()).unwrap_or("");
        let price = ModelPrice {
            provider: provider.to_string(),
            kind,
            input_usd_per_mtok: input,
            output_usd_per_mtok: output,
            cache_read_usd_per_mtok: get("cache_read_input_token_cost"),
            // A zero write price in LiteLLM means "no surcharge": a cold prefix costs the input price.
            cache_write_usd_per_mtok: get("cache_creation_input_token_cost").filter(|p| p.get() > 0.0),
            cache_write_1h_usd_per_mtok: get("cache_creation_input_token_cost_above_1hr").filter(|p| p.get() > 0.0),
            batch_input_usd_per_mtok: get("input_cost_per_token_batches"),
            batch_output_usd_per_mtok: get("output_cost_per_token_batches"),
            reasoning_usd_per_mtok: get("output_cost_per_reasoning_token"),
            long_context: tiers.into_values().collect(),
            prompt_cache_min_tokens: e
                .get("prompt_cache_min_tokens")
                .and_then(|v| v.as_u64())
                .or_else(|| provider_cache_min_tokens(provider)),
            max_input_tokens: e.get("max_input_tokens").and_then(|v| v.as_u64()),
            as_of: as_of.to_string(),
            source: e
                .get("source")
                .and_then(|s| s.as_str())
                .map(|s| s.to_string())
                .unwrap_or_else(|| format!("LiteLLM {}", src.name)),
        };
        match kind {
            ModelKind::Chat => stats.chat += 1,
            ModelKind::Embedding => stats.embedding += 1,
        }
        models.insert(id.clone(), price);
    }
    let file_name = std::path::Path::new(src.name)
        .file_name()
        .map(|f| f.to_string_lossy().to_string());
    let name = format!("Imported from LiteLLM's {}", file_name.as_deref().unwrap_or(src.name));
    Ok((
        PriceTable {
            format_version: super::ron_io::FORMAT_VERSION,
            name,
            models,
        },
        stats,
    ))
}

/// Keeps only the listed models, in a new table; names any that are missing.
pub fn select_models(table: &PriceTable, ids: &[String]) -> Result<PriceTable, String> {
    let mut models = BTreeMap::new();
    let mut missing = Vec::new();
    for id in ids {
        match table.models.get(id) {
            Some(p) => {
                models.insert(id.clone(), p.clone());
            }
            None => missing.push(id.as_str()),
        }
    }
    if !missing.is_empty() {
        return Err(format!("not in the price list: {}", missing.join(", ")));
    }
    Ok(PriceTable {
        format_version: table.format_version,
        name: table.name.clone(),
        models,
    })
}

/// (year, month 1–12, day 1–31) of a day counted from 1970-01-01 (civil-from-days, Howard
/// Hinnant).
pub fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = if m <= 2 { y + 1 } else { y };
    (y, m as u32, d as u32)
}

/// A day counted from 1970-01-01 as YYYY-MM-DD.
pub fn date_from_unix_days(days: i64) -> String {
    let (y, m, d) = civil_from_days(days);
    format!("{y:04}-{m:02}-{d:02}")
}

/// The date of a file's last change, YYYY-MM-DD (today's if unknown).
pub fn file_date(path: &std::path::Path) -> String {
    let t = std::fs::metadata(path)
        .and_then(|m| m.modified())
        .unwrap_or_else(|_| std::time::SystemTime::now());
    let secs = t
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    date_from_unix_days((secs / 86_400) as i64)
}
