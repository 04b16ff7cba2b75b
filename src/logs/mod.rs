//! Real traffic in: request logs and usage exports read by content (LiteLLM spend logs and daily
//! spend, Langfuse observations, OpenTelemetry GenAI spans, the OpenAI organization Usage API),
//! normalised to one token convention, fitted to a traffic profile, and a scenario's baseline
//! checked against the logs' own spend (backtest).
//!
//! Layer: above `sim` (the backtest simulates), below `report`, `cli` and `gui`.
//!
//! Layer: above `model` and `sim` (it fits their types and simulates a backtest), below
//! `report` and the front ends.

pub mod backtest;
pub mod coverage;
pub mod fit;
pub mod init;
pub mod models;
pub mod read;
pub mod sessions;
pub mod synth;

use std::collections::HashMap;

/// The token conventions of the sources: whether their "input" count includes the tokens read
/// from (or written to) the provider's prompt cache.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TokenConvention {
    /// Input includes cached tokens (OpenAI, OpenTelemetry GenAI, LiteLLM's `prompt_tokens`).
    InputIncludesCache,
    /// Input excludes cache reads and writes (Anthropic's API, Langfuse's `usageDetails.input`).
    InputExcludesCache,
}

/// Token counts as a source reports them, before normalisation.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct RawUsage {
    pub input: f64,
    pub cache_read: f64,
    pub cache_write: f64,
    pub output: f64,
    pub reasoning: f64,
}

/// Token counts in one convention: `prompt_tokens` counts every input token sent (cached or
/// not); `cache_read_tokens` and `cache_write_tokens` are the parts of it the provider's prompt
/// cache served or stored.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Usage {
    pub prompt_tokens: f64,
    pub cache_read_tokens: f64,
    pub cache_write_tokens: f64,
    pub output_tokens: f64,
    pub reasoning_tokens: f64,
}

impl RawUsage {
    /// The one place token conventions are reconciled.
    pub fn normalise(self, convention: TokenConvention) -> Usage {
        let prompt_tokens = match convention {
            TokenConvention::InputIncludesCache => self.input.max(self.cache_read + self.cache_write),
            TokenConvention::InputExcludesCache => self.input + self.cache_read + self.cache_write,
        };
        Usage {
            prompt_tokens,
            cache_read_tokens: self.cache_read,
            cache_write_tokens: self.cache_write,
            output_tokens: self.output,
            reasoning_tokens: self.reasoning,
        }
    }
}

/// An interned string: a model name, a session or a class key's value.
pub type Sym = u32;

/// The strings rows share, stored once (a million rows name a handful of models and classes).
#[derive(Clone, Debug, Default)]
pub struct Interner {
    names: Vec<String>,
    ids: HashMap<String, Sym>,
}

impl Interner {
    /// The symbol of `s`, adding it when new.
    pub fn intern(&mut self, s: &str) -> Sym {
        if let Some(&id) = self.ids.get(s) {
            return id;
        }
        let id = self.names.len() as Sym;
        self.names.push(s.to_string());
        self.ids.insert(s.to_string(), id);
        id
    }

    /// The string of a symbol.
    pub fn name(&self, id: Sym) -> &str {
        self.names.get(id as usize).map_or("", String::as_str)
    }
}

/// The keys rows can be grouped by (`--class-by`, `--owner-by`), in [`Record::keys`] order.
pub const GROUP_KEYS: [&str; 7] = ["tag", "trace_name", "model_group", "team", "user", "project", "model"];

/// The index of a group key in [`GROUP_KEYS`].
pub fn key_index(key: &str) -> Option<usize> {
    GROUP_KEYS.iter().position(|k| *k == key)
}

/// One normalised row: a request (or, from aggregated sources, `requests` of them on one day).
/// Compact (about 130 bytes): strings are interned in [`Logs::symbols`].
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Record {
    /// Start time, seconds since 1970-01-01 UTC.
    pub start_unix_s: f64,
    /// Requests this row stands for (1 for per-request logs).
    pub requests: f64,
    /// Token counts (totals over `requests` for aggregated rows).
    pub usage: Usage,
    /// What the source says it cost, in US dollars.
    pub cost_usd: Option<f64>,
    /// Time to first token and whole latency, in milliseconds, where the source has them.
    pub ttft_ms: Option<f32>,
    pub latency_ms: Option<f32>,
    /// `Some(false)` for a failed request.
    pub ok: Option<bool>,
    /// A response-cache hit (the gateway answered without calling the model).
    pub cache_hit: Option<bool>,
    pub model: Sym,
    /// The session or trace the request belongs to, hashed (for retries).
    pub session: Option<u64>,
    /// The values of the [`GROUP_KEYS`] a class or owner can be grouped by.
    pub keys: [Option<Sym>; 7],
}

/// A source format.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Source {
    LiteLlmSpendLogs,
    /// LiteLLM's `StandardLoggingPayload`, one JSON object per call (its bucket loggers).
    LiteLlmPayload,
    LiteLlmDailySpend,
    Langfuse,
    OpenTelemetry,
    OpenAiUsage,
}

impl Source {
    /// Whether rows are per request (or aggregated per day, with no per-request spread).
    pub fn per_request(self) -> bool {
        !matches!(self, Source::LiteLlmDailySpend | Source::OpenAiUsage)
    }

    /// The format's name in messages.
    pub fn label(self) -> &'static str {
        match self {
            Source::LiteLlmSpendLogs => "LiteLLM spend logs",
            Source::LiteLlmPayload => "LiteLLM standard logging payloads",
            Source::LiteLlmDailySpend => "LiteLLM daily spend",
            Source::Langfuse => "Langfuse observations",
            Source::OpenTelemetry => "OpenTelemetry GenAI spans",
            Source::OpenAiUsage => "OpenAI organization usage",
        }
    }
}

/// A row that could not be used, and why.
#[derive(Clone, Debug, PartialEq)]
pub struct Skipped {
    pub file: String,
    /// `line 12` or a JSON path such as `data[3].results[0]`.
    pub at: String,
    /// The column or field.
    pub field: String,
    pub reason: String,
}

impl std::fmt::Display for Skipped {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}: {}: {}", self.file, self.at, self.field, self.reason)
    }
}

/// Everything read from a set of log files.
#[derive(Clone, Debug, Default)]
pub struct Logs {
    pub records: Vec<Record>,
    pub symbols: Interner,
    pub files: Vec<(String, Source, u64)>,
    pub skipped: Vec<Skipped>,
    /// Rows skipped in all (the list above keeps the first few hundred).
    pub skipped_count: u64,
    /// Rows whose cost is in another currency than US dollars, by currency (their cost is left
    /// out: CostPlan prices in US dollars).
    pub other_currencies: std::collections::BTreeMap<String, u64>,
    /// Rows kept after an adjustment, counted by file and kind.
    pub adjusted: std::collections::BTreeMap<(String, Adjustment), u64>,
    /// What the reader noticed about a file as a whole (a cut-short export, a paged API's
    /// remaining pages), each starting with the file's name.
    pub notes: Vec<String>,
}

/// Something done to a row that was kept: counted, and said in the fitted file's header.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Adjustment {
    /// A GenAI span with input tokens but no output-token attribute (an embedding, or an
    /// instrumentation that leaves it out): counted as a request with 0 output tokens.
    NoOutputTokens,
    /// A GenAI span with no token counts at all (a failed call, or an instrumentation that does
    /// not record usage): counted as a request with 0 tokens.
    NoTokens,
    /// The completion start equals the end: a non-streaming call, whose time to first token is
    /// not known (not read as one).
    NotStreamed,
    /// `cache_hit` written as `None` (LiteLLM with its response cache off): no hit or miss.
    CacheOff,
}

impl Adjustment {
    /// What was done, for the header and the command line.
    pub fn describe(self) -> &'static str {
        match self {
            Adjustment::NoOutputTokens => {
                "GenAI spans without an output-token attribute: counted as requests with 0 output tokens"
            }
            Adjustment::NoTokens => "GenAI spans without token counts: counted as requests with 0 tokens",
            Adjustment::NotStreamed => {
                "non-streaming rows (completion start = end): their end is not a time to first token, so none is read"
            }
            Adjustment::CacheOff => {
                "cache_hit written as None (the gateway's response cache off): neither a hit nor a miss"
            }
        }
    }
}

/// The most rows one fit reads, over all its files (20 million, about 3 GB of memory at ~150
/// bytes a row): beyond it, fit a shorter period (a few weeks of traffic are enough for a
/// profile). Files are bounded by their rows, not their bytes (a real LiteLLM spend-log row is
/// ~13 KB, mostly price metadata; an OTLP span ~1 KB; a daily rollup row ~100 B).
pub const MAX_LOG_ROWS: usize = 20_000_000;

/// The most skipped rows listed one by one (all are counted).
pub const MAX_SKIPPED_LISTED: usize = 200;

impl Logs {
    /// Records a skipped row.
    pub fn skip(&mut self, s: Skipped) {
        self.skipped_count += 1;
        if self.skipped.len() < MAX_SKIPPED_LISTED {
            self.skipped.push(s);
        }
    }

    /// Counts a row kept after an adjustment.
    pub fn adjust(&mut self, file: &str, a: Adjustment) {
        *self.adjusted.entry((file.to_string(), a)).or_default() += 1;
    }

    /// Every note and adjustment, one line each (for the fitted file's header and the command
    /// line).
    pub fn read_notes(&self) -> Vec<String> {
        let mut out = self.notes.clone();
        out.extend(
            self.adjusted
                .iter()
                .map(|((file, a), n)| format!("{file}: {n} row{}: {}", if *n == 1 { "" } else { "s" }, a.describe())),
        );
        out
    }

    /// Whether every source was per request.
    pub fn per_request(&self) -> bool {
        self.files.iter().all(|(_, s, _)| s.per_request())
    }
}

/// Why log files could not be read at all.
#[derive(Debug, thiserror::Error)]
pub enum LogError {
    #[error("{file}: {message}")]
    Unreadable { file: String, message: String },
    /// The user stopped the read (Ctrl-C, Cancel): nothing is fitted or written.
    #[error("stopped after {rows} rows; nothing was fitted or written")]
    Stopped { rows: u64 },
    #[error("{file}: {at}: {message}")]
    Syntax { file: String, at: String, message: String },
    #[error(
        "{file}: cannot tell which log format this is (expected LiteLLM spend logs, logging payloads or daily spend, Langfuse observations, OTLP JSON spans or OpenAI usage pages){hint}"
    )]
    UnknownFormat { file: String, hint: String },
    #[error("{file}: missing required column {column:?} for {format}")]
    MissingColumn {
        file: String,
        column: String,
        format: &'static str,
    },
    #[error("no usable rows in {0}")]
    Empty(String),
    #[error("{file}: no table {table:?} in this database (is it LiteLLM's proxy database?)")]
    NoTable { file: String, table: String },
    #[error("{file}: more than {MAX_LOG_ROWS} rows; fit a shorter period (a few weeks of traffic are enough)")]
    TooManyRows { file: String },
    #[error(
        "{file}: about {estimated:.0} rows (estimated from its first megabyte, ~{bytes_per_row:.0} bytes a row), far above the limit of {MAX_LOG_ROWS} rows a fit reads: fit a shorter period (a few weeks of traffic are enough); nothing was read"
    )]
    FarTooManyRows {
        file: String,
        estimated: f64,
        bytes_per_row: f64,
    },
}

/// A session's identifier hashed (FNV-1a, 64 bits): sessions are compared, never shown.
pub fn session_hash(s: &str) -> u64 {
    s.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}
