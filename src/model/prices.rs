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

impl ModelPrice {
    /// Every base price the model has, with its field name (long-context tiers not included).
    pub fn prices(&self) -> Vec<(&'static str, f64)> {
        let mut out = vec![
            ("input_usd_per_mtok", self.input_usd_per_mtok.get()),
            ("output_usd_per_mtok", self.output_usd_per_mtok.get()),
        ];
        let optional = [
            ("cache_read_usd_per_mtok", self.cache_read_usd_per_mtok),
            ("cache_write_usd_per_mtok", self.cache_write_usd_per_mtok),
            ("cache_write_1h_usd_per_mtok", self.cache_write_1h_usd_per_mtok),
            ("batch_input_usd_per_mtok", self.batch_input_usd_per_mtok),
            ("batch_output_usd_per_mtok", self.batch_output_usd_per_mtok),
            ("reasoning_usd_per_mtok", self.reasoning_usd_per_mtok),
        ];
        out.extend(optional.into_iter().filter_map(|(k, v)| v.map(|v| (k, v.get()))));
        out.extend(self.long_context.iter().flat_map(|t| {
            [
                ("long_context", t.input_usd_per_mtok.get()),
                ("long_context", t.output_usd_per_mtok.get()),
            ]
            .into_iter()
            .chain(
                [
                    t.cache_read_usd_per_mtok,
                    t.cache_write_usd_per_mtok,
                    t.cache_write_1h_usd_per_mtok,
                ]
                .into_iter()
                .flatten()
                .map(|v| ("long_context", v.get())),
            )
        }));
        out
    }
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
    crate::date::Date::parse(s).is_some()
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
            for (field, price) in p.prices() {
                if price > super::limits::MAX_PRICE_USD_PER_MTOK {
                    d.push(
                        &at.field(field),
                        format!(
                            "{price} dollars per million tokens is above the limit of {} (a price per token written as per million?)",
                            super::limits::MAX_PRICE_USD_PER_MTOK
                        ),
                    );
                }
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
    /// Entries skipped, for any reason (other modes, `sample_spec`, defects).
    pub skipped: usize,
    /// Entries of modes CostPlan does not price (images, audio, …), counted by mode.
    pub other_modes: BTreeMap<String, usize>,
    /// Chat or embedding entries skipped, with the reason (a missing or unusable price).
    pub rejected: Vec<(String, String)>,
    /// Models imported with a value left out or assumed, with what and why.
    pub defaulted: Vec<(String, String)>,
    /// Models whose prompt-cache minimum comes from the provider's documentation
    /// (`PROVIDER_PROMPT_CACHE_MIN_TOKENS`) because the entry has none.
    pub provider_minimums: usize,
}

/// A JSON value as serde_json reads it, except that an object with a repeated key is an error
/// (serde_json keeps the last one silently, which would hide a conflicting price).
struct NoDupValue(serde_json::Value);

impl<'de> Deserialize<'de> for NoDupValue {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(NoDupVisitor).map(NoDupValue)
    }
}

struct NoDupVisitor;

impl<'de> serde::de::Visitor<'de> for NoDupVisitor {
    type Value = serde_json::Value;
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_bool<E>(self, v: bool) -> Result<Self::Value, E> {
        Ok(v.into())
    }
    fn visit_i64<E>(self, v: i64) -> Result<Self::Value, E> {
        Ok(v.into())
    }
    fn visit_u64<E>(self, v: u64) -> Result<Self::Value, E> {
        Ok(v.into())
    }
    fn visit_f64<E>(self, v: f64) -> Result<Self::Value, E> {
        Ok(serde_json::Number::from_f64(v).map_or(serde_json::Value::Null, serde_json::Value::Number))
    }
    fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
        Ok(v.into())
    }
    fn visit_string<E>(self, v: String) -> Result<Self::Value, E> {
        Ok(v.into())
    }
    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(serde_json::Value::Null)
    }
    fn visit_none<E>(self) -> Result<Self::Value, E> {
        Ok(serde_json::Value::Null)
    }
    fn visit_some<D: serde::Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(NoDupVisitor)
    }
    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut out = Vec::new();
        while let Some(NoDupValue(v)) = seq.next_element()? {
            out.push(v);
        }
        Ok(serde_json::Value::Array(out))
    }
    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut out = serde_json::Map::new();
        while let Some(k) = map.next_key::<String>()? {
            let NoDupValue(v) = map.next_value()?;
            if out.insert(k.clone(), v).is_some() {
                return Err(serde::de::Error::custom(format!(
                    "the key `{k}` appears twice in one object"
                )));
            }
        }
        Ok(serde_json::Value::Object(out))
    }
}

/// A price field of an entry: `Ok(None)` when absent (or null, for optional fields), the price
/// per million tokens when usable, or why it is not.
fn price_field(
    e: &serde_json::Map<String, serde_json::Value>,
    k: &str,
    required: bool,
) -> Result<Option<NonNeg>, String> {
    let Some(v) = e.get(k) else {
        return if required { Err(format!("no `{k}`")) } else { Ok(None) };
    };
    let x = match v {
        serde_json::Value::Null if !required => return Ok(None),
        serde_json::Value::Number(n) => n.as_f64().ok_or_else(|| format!("`{k}` is not a number"))?,
        other => {
            let kind = match other {
                serde_json::Value::Null => "null",
                serde_json::Value::Bool(_) => "true/false",
                serde_json::Value::String(_) => "a string",
                serde_json::Value::Array(_) => "a list",
                _ => "an object",
            };
            return Err(format!("`{k}` is {kind}, not a price"));
        }
    };
    // LiteLLM gives $ per token; round away binary noise (2.5e-06 * 1e6 = 2.4999999999999996).
    let m = (x * 1e6 * 1e9).round() / 1e9;
    if !m.is_finite() || m > super::limits::MAX_PRICE_USD_PER_MTOK {
        return Err(format!(
            "`{k}` is {x} dollars per token, above the limit of {} per million",
            super::limits::MAX_PRICE_USD_PER_MTOK
        ));
    }
    NonNeg::new(m).map(Some).map_err(|_| format!("`{k}` is negative ({x})"))
}

/// The long-context tiers of an entry (`input_cost_per_token_above_200k_tokens` and friends);
/// a tier whose threshold cannot be read is left out and reported.
fn tiers(
    e: &serde_json::Map<String, serde_json::Value>,
    output: NonNeg,
    defaulted: &mut Vec<String>,
) -> Result<Vec<LongContextTier>, String> {
    let mut tiers: BTreeMap<u64, LongContextTier> = BTreeMap::new();
    for k in e.keys() {
        let Some(num) = k
            .strip_prefix("input_cost_per_token_above_")
            .and_then(|rest| rest.strip_suffix("_tokens"))
        else {
            continue;
        };
        let threshold = match num.strip_suffix('k') {
            Some(n) => n.parse::<u64>().ok().and_then(|n| n.checked_mul(1000)),
            None => num.parse::<u64>().ok(),
        };
        let Some(threshold) = threshold.filter(|t| (*t as f64) <= super::limits::MAX_TOKENS_PER_REQUEST) else {
            defaulted.push(format!(
                "tier `{k}` left out: its threshold is not a token count up to 10,000,000"
            ));
            continue;
        };
        let suffix = format!("_above_{num}_tokens");
        let opt = |base: &str| price_field(e, &format!("{base}{suffix}"), false);
        let tier = LongContextTier {
            above_input_tokens: threshold,
            input_usd_per_mtok: price_field(e, k, true)?.unwrap_or_default(),
            output_usd_per_mtok: opt("output_cost_per_token")?.unwrap_or(output),
            cache_read_usd_per_mtok: opt("cache_read_input_token_cost")?,
            cache_write_usd_per_mtok: opt("cache_creation_input_token_cost")?,
            cache_write_1h_usd_per_mtok: opt("cache_creation_input_token_cost_above_1hr")?,
        };
        tiers.insert(threshold, tier);
    }
    Ok(tiers.into_values().collect())
}

/// A token count field (`max_input_tokens`, `prompt_cache_min_tokens`): absent or null is
/// `None`; a whole number (LiteLLM sometimes writes `4096.0`) up to `max` is the count; anything
/// else is left out and reported.
fn token_field(
    e: &serde_json::Map<String, serde_json::Value>,
    k: &str,
    max: f64,
    defaulted: &mut Vec<String>,
) -> Option<u64> {
    let v = e.get(k).filter(|v| !v.is_null())?;
    let whole = v
        .as_u64()
        .map(|n| n as f64)
        .or_else(|| v.as_f64().filter(|x| x.fract() == 0.0));
    match whole.filter(|x| (0.0..=max).contains(x)) {
        Some(x) => Some(x as u64),
        None => {
            defaulted.push(format!(
                "`{k}` left out: {v} is not a whole number of tokens up to {max:e}"
            ));
            None
        }
    }
}

/// The largest context window an imported entry may state (models with 10 M-token windows
/// exist; a billion is a typo).
const MAX_CONTEXT_TOKENS: f64 = 1e9;

/// One chat or embedding entry as a price, or why it cannot be one; `defaulted` collects what
/// was left out or assumed.
fn import_entry(
    e: &serde_json::Map<String, serde_json::Value>,
    kind: ModelKind,
    as_of: &str,
    source_name: &str,
    defaulted: &mut Vec<String>,
) -> Result<(ModelPrice, bool), String> {
    let get = |k: &str| price_field(e, k, false);
    let input = price_field(e, "input_cost_per_token", true)?.unwrap_or_default();
    let output = match kind {
        ModelKind::Chat => price_field(e, "output_cost_per_token", true)?.unwrap_or_default(),
        // An embedding has no output tokens: a missing output price is no defect.
        ModelKind::Embedding => get("output_cost_per_token")?.unwrap_or_default(),
    };
    let provider = match e.get("litellm_provider") {
        None | Some(serde_json::Value::Null) => "",
        Some(serde_json::Value::String(p)) => p.as_str(),
        Some(other) => return Err(format!("`litellm_provider` is {other}, not a name")),
    };
    let given_min = token_field(
        e,
        "prompt_cache_min_tokens",
        super::limits::MAX_TOKENS_PER_REQUEST,
        defaulted,
    );
    let from_provider = given_min
        .is_none()
        .then(|| provider_cache_min_tokens(provider))
        .flatten();
    let price = ModelPrice {
        provider: provider.to_string(),
        kind,
        input_usd_per_mtok: input,
        output_usd_per_mtok: output,
        cache_read_usd_per_mtok: get("cache_read_input_token_cost")?,
        // A zero write price in LiteLLM means "no surcharge": a cold prefix costs the input price.
        cache_write_usd_per_mtok: get("cache_creation_input_token_cost")?.filter(|p| p.get() > 0.0),
        cache_write_1h_usd_per_mtok: get("cache_creation_input_token_cost_above_1hr")?.filter(|p| p.get() > 0.0),
        batch_input_usd_per_mtok: get("input_cost_per_token_batches")?,
        batch_output_usd_per_mtok: get("output_cost_per_token_batches")?,
        reasoning_usd_per_mtok: get("output_cost_per_reasoning_token")?,
        long_context: tiers(e, output, defaulted)?,
        prompt_cache_min_tokens: given_min.or(from_provider),
        max_input_tokens: token_field(e, "max_input_tokens", MAX_CONTEXT_TOKENS, defaulted),
        as_of: as_of.to_string(),
        source: e
            .get("source")
            .and_then(|s| s.as_str())
            .map(|s| s.to_string())
            .unwrap_or_else(|| format!("LiteLLM {source_name}")),
    };
    Ok((price, from_provider.is_some()))
}

/// The kind of model a LiteLLM entry prices (chat, completion and responses are chat), or the
/// mode it has instead ("sample_spec" for LiteLLM's template entry, "no mode" when absent).
fn entry_kind<'a>(id: &str, e: &'a serde_json::Map<String, serde_json::Value>) -> Result<ModelKind, &'a str> {
    let mode = e.get("mode").and_then(|m| m.as_str()).unwrap_or("");
    match mode {
        _ if id == "sample_spec" => Err("sample_spec"),
        "chat" | "completion" | "responses" => Ok(ModelKind::Chat),
        "embedding" => Ok(ModelKind::Embedding),
        "" => Err("no mode"),
        other => Err(other),
    }
}

/// Parses LiteLLM's price list. `as_of` is recorded on every entry. Every entry that is not
/// imported, and every value left out, is listed in the returned stats with its reason; a file
/// with no usable chat or embedding price is an error.
pub fn import_litellm(src: &SourceFile, as_of: &str) -> Result<(PriceTable, ImportStats), LoadError> {
    let at_start = |msg: String| LoadError::one(src.name, Pos { line: 1, col: 1 }, "", msg);
    if !is_iso_date(as_of) {
        return Err(at_start(format!(
            "the price date must be written YYYY-MM-DD, found {as_of:?}"
        )));
    }
    let NoDupValue(root) = serde_json::from_str(src.text).map_err(|e| {
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
        return Err(at_start("expected a JSON object of model entries".into()));
    };
    let mut stats = ImportStats {
        entries: obj.len(),
        ..Default::default()
    };
    let mut models = BTreeMap::new();
    for (id, entry) in obj {
        let Some(e) = entry.as_object() else {
            stats
                .rejected
                .push((id.clone(), "the entry is not a JSON object".into()));
            continue;
        };
        let kind = match entry_kind(id, e) {
            Ok(kind) => kind,
            Err(mode) => {
                *stats.other_modes.entry(mode.to_string()).or_default() += 1;
                continue;
            }
        };
        let mut defaulted = Vec::new();
        match import_entry(e, kind, as_of, src.name, &mut defaulted) {
            Ok((price, from_provider)) => {
                match kind {
                    ModelKind::Chat => stats.chat += 1,
                    ModelKind::Embedding => stats.embedding += 1,
                }
                stats.provider_minimums += usize::from(from_provider);
                stats.defaulted.extend(defaulted.into_iter().map(|d| (id.clone(), d)));
                models.insert(id.clone(), price);
            }
            Err(why) => stats.rejected.push((id.clone(), why)),
        }
    }
    stats.skipped = stats.entries - stats.chat - stats.embedding;
    if models.is_empty() {
        return Err(at_start(format!(
            "no chat or embedding model with usable prices among {} entries{}",
            stats.entries,
            stats
                .rejected
                .first()
                .map(|(id, why)| format!(" (e.g. `{id}`: {why})"))
                .unwrap_or_default()
        )));
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

/// Today's date, YYYY-MM-DD (UTC).
pub fn today() -> String {
    crate::date::Date::today().to_string()
}

impl ModelPrice {
    /// Marks the price as edited by hand on `date`: its `as_of` becomes that date and its source
    /// says the value was edited (keeping where the original came from).
    pub fn mark_edited(&mut self, date: &str) {
        const MARK: &str = "edited by the user";
        self.as_of = date.to_string();
        if !self.source.starts_with(MARK) {
            self.source = format!("{MARK} (was: {})", self.source);
        }
    }
}

/// The date of a file's last change, YYYY-MM-DD (today's if unknown).
pub fn file_date(path: &std::path::Path) -> String {
    let t = std::fs::metadata(path)
        .and_then(|m| m.modified())
        .unwrap_or_else(|_| std::time::SystemTime::now());
    crate::date::Date::of_system_time(t).to_string()
}
