//! Per-run metrics, their names and units, and summaries across runs (mean, p5, p50, p95).

use serde::Serialize;

/// How a metric is shown.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Unit {
    Usd,
    Ratio,
    Ms,
    Count,
    /// Successful outcomes per million billed tokens.
    PerMtok,
    /// A count averaged over tasks (turns per session): shown with two decimals.
    Average,
    Day,
}

/// One per-run metric.
#[derive(Clone, Copy, Debug)]
pub struct MetricDef {
    /// Stable key (JSON, CSV).
    pub key: &'static str,
    /// Human label.
    pub label: &'static str,
    pub unit: Unit,
    /// Whether a lower value is better (for P(better) and colours).
    pub lower_is_better: bool,
    /// What the metric counts, in a sentence (the report's definitions).
    pub definition: &'static str,
}

macro_rules! metrics {
    ($( $idx:ident / $name:ident = $key:literal, $label:literal, $unit:ident, $lower:literal, $def:literal; )*) => {
        /// Every per-run metric, in a fixed order.
        pub const METRICS: &[MetricDef] = &[ $( MetricDef { key: $key, label: $label, unit: Unit::$unit, lower_is_better: $lower, definition: $def } ),* ];
        /// A per-run metric: what results are keyed by inside (its `key` is written only in
        /// JSON and CSV), so a misspelt metric does not compile.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[repr(usize)]
        pub enum Metric { $( #[doc = $label] $name ),* }
        impl Metric {
            /// Every metric, in [`METRICS`] order.
            pub const ALL: &[Metric] = &[ $( Metric::$name ),* ];
        }
        $( #[doc = $label] pub const $idx: usize = Metric::$name as usize; )*
        /// How many metrics there are.
        pub const N_METRICS: usize = Metric::ALL.len();
    };
}

impl Metric {
    /// The metric's definition (key, label, unit, direction).
    pub fn def(self) -> &'static MetricDef {
        &METRICS[self as usize]
    }

    /// The stable key written in JSON and CSV.
    pub fn key(self) -> &'static str {
        self.def().key
    }

    /// The index of the metric in per-run value arrays.
    pub fn index(self) -> usize {
        self as usize
    }

    /// Whether the metric is about sessions only (left out of tables for scenarios without
    /// session classes, where it is 0 or undefined).
    pub fn session_only(self) -> bool {
        matches!(
            self,
            Metric::Sessions
                | Metric::TurnsPerSession
                | Metric::CostPerSession
                | Metric::HistoryShare
                | Metric::Compactions
        )
    }
}

metrics! {
    COST_TOTAL / CostTotal = "cost_total_usd", "Spend over the horizon", Usd, true,
        "All spend over the horizon: model calls (input, prompt-cache reads and writes, output, reasoning), verifier calls, embeddings.";
    COST_PER_REQUEST / CostPerRequest = "cost_per_request_usd", "Cost per request", Usd, true,
        "Spend divided by tasks (retries are not new tasks).";
    COST_PER_SUCCESS / CostPerSuccess = "cost_per_success_usd", "Cost per successful outcome", Usd, true,
        "Spend divided by successful outcomes: what one useful answer costs.";
    SUCCESS_RATE / SuccessRate = "success_rate", "Success rate", Ratio, false,
        "Successful outcomes divided by tasks (a wrong cache hit or a rejected task is a failure).";
    TOKEN_EFFICIENCY / TokenEfficiency = "token_efficiency", "Successes per 1M billed chat tokens", PerMtok, false,
        "Successful outcomes per million billed chat tokens: input, cache writes, output and reasoning count in full, prompt-cache reads at their price ratio to input, embedding tokens not at all — so a cache that saves money never lowers it.";
    WASTED_TOKEN_SHARE / WastedTokenShare = "wasted_token_share", "Wasted token share", Ratio, true,
        "Share of billed tokens spent on attempts that failed or on cascade stages that were escalated.";
    LATENCY_P50 / LatencyP50 = "latency_p50_ms", "Latency p50 (interactive)", Ms, true,
        "Percentile of the latency of interactive (non-batchable) tasks: all the user waits for — every attempt (retries included), each its time to first token plus output and reasoning tokens at the model's speed, cascade stages and verifiers, and cache lookups. Exact where a value repeats; otherwise interpolated between observed latencies within buckets at most 3 % wide.";
    LATENCY_P95 / LatencyP95 = "latency_p95_ms", "Latency p95 (interactive)", Ms, true,
        "Percentile of the latency of interactive (non-batchable) tasks: all the user waits for — every attempt (retries included), each its time to first token plus output and reasoning tokens at the model's speed, cascade stages and verifiers, and cache lookups. Exact where a value repeats; otherwise interpolated between observed latencies within buckets at most 3 % wide.";
    LATENCY_P99 / LatencyP99 = "latency_p99_ms", "Latency p99 (interactive)", Ms, true,
        "Percentile of the latency of interactive (non-batchable) tasks: all the user waits for — every attempt (retries included), each its time to first token plus output and reasoning tokens at the model's speed, cascade stages and verifiers, and cache lookups. Exact where a value repeats; otherwise interpolated between observed latencies within buckets at most 3 % wide.";
    TASKS / Tasks = "tasks", "Tasks", Count, false,
        "Tasks that arrived over the horizon (a retry is not a new task).";
    SUCCESSES / Successes = "successes", "Successful outcomes", Count, false,
        "Tasks whose final answer succeeded: a model call that solved it, or a right cache hit.";
    MODEL_CALLS / ModelCalls = "model_calls", "Model calls", Count, true,
        "Chat-model calls billed: every attempt, cascade stage and verifier call (cache hits make none).";
    TOKENS_INPUT / TokensInput = "tokens_input", "Input tokens (uncached)", Count, true,
        "Input tokens billed at the input price: the uncached part of every call, and prefixes not served from the provider's prompt cache.";
    TOKENS_CACHE_READ / TokensCacheRead = "tokens_cache_read", "Prompt-cache read tokens", Count, false,
        "Prefix tokens served from the provider's prompt cache (billed at the cache-read price).";
    TOKENS_CACHE_WRITE / TokensCacheWrite = "tokens_cache_write", "Prompt-cache write tokens", Count, true,
        "Prefix tokens written to the provider's prompt cache when it was cold (billed at the cache-write price).";
    TOKENS_OUTPUT / TokensOutput = "tokens_output", "Output tokens", Count, true,
        "Output tokens billed, every attempt and verifier verdict included.";
    TOKENS_REASONING / TokensReasoning = "tokens_reasoning", "Reasoning tokens", Count, true,
        "Hidden reasoning tokens billed (at the reasoning price, or the output price).";
    TOKENS_EMBEDDING / TokensEmbedding = "tokens_embedding", "Embedding tokens", Count, true,
        "Tokens embedded for semantic-cache lookups (every task that passes the exact cache).";
    EXACT_CACHE_HITS / ExactCacheHits = "exact_cache_hits", "Exact-cache hits", Count, false,
        "Tasks answered from the exact-repeat cache (no model call).";
    SEMANTIC_CACHE_HITS / SemanticCacheHits = "semantic_cache_hits", "Semantic-cache hits (right)", Count, false,
        "Near repeats answered right from the semantic cache (no model call).";
    SEMANTIC_WRONG_HITS / SemanticWrongHits = "semantic_wrong_hits", "Semantic-cache wrong hits", Count, true,
        "Tasks the semantic cache answered with a wrong neighbour's answer: no model call, and a failure.";
    RETRIES / Retries = "retries", "Retries", Count, true,
        "Attempts after a failed one (each billed like a first attempt, none a new task).";
    ESCALATIONS / Escalations = "escalations", "Cascade escalations", Count, true,
        "Cascade stages whose answer the verifier rejected, so the next stage was called.";
    TRUNCATED_TASKS / TruncatedTasks = "truncated_tasks", "Truncated tasks", Count, true,
        "Tasks whose input the context cap cut (their success probability drops by the cap's penalty).";
    REJECTED_TASKS / RejectedTasks = "rejected_tasks", "Rejected tasks (budget)", Count, true,
        "Tasks the budget gate refused, on arrival or before a retry.";
    DOWNGRADED_TASKS / DowngradedTasks = "downgraded_tasks", "Downgraded tasks (budget)", Count, true,
        "Tasks the budget gate sent to the downgrade model after the cap was reached.";
    DAYS_OVER_CAP / DaysOverCap = "days_over_cap", "Days over budget cap", Count, true,
        "Days on which a budget cap was reached.";
    BUDGET_BREACHED / BudgetBreached = "budget_breached", "Budget exhausted within the horizon", Ratio, true,
        "Share of runs in which the budget is exhausted at least once within the horizon, P(breach by horizon).";
    FIRST_BREACH_DAY / FirstBreachDay = "first_breach_day", "First day over budget (projected exhaustion)", Day, false,
        "First day (0-based) on which the budget was exhausted: the projected exhaustion date. Its percentiles are over the runs that breach (n); its delta counts a run without a breach as breaching after the horizon.";
    FIRST_ALERT_DAY / FirstAlertDay = "first_alert_day", "First day past the budget's soft alert", Day, false,
        "First day (0-based) on which spend passed the budget's soft-alert share of its cap.";
    UNOWNED_SPEND_SHARE / UnownedSpendShare = "unowned_spend_share", "Spend without an owner", Ratio, true,
        "Share of spend on task classes without an owner.";
    STRONG_SHARE / StrongShare = "strong_model_share", "Share of routed tasks sent to the policy's strongest model", Ratio, true,
        "Share of the tasks that reached a model which called the policy's own strongest model: the learned router's strong model, a cascade's last stage, the priciest model a fixed or rule router can pick.";
    PROMPT_CACHE_READ_SHARE / PromptCacheReadShare = "prompt_cache_read_share", "Prompt-cache read share of input", Ratio, false,
        "Share of all input tokens (uncached, prompt-cache reads and writes) served from the provider's prompt cache.";
    PROMPT_CACHE_WRITE_SHARE / PromptCacheWriteShare = "prompt_cache_write_share", "Prompt-cache write share of input", Ratio, true,
        "Share of all input tokens written to the provider's prompt cache (billed at the write price, above the input price on explicit-caching providers).";
    SESSIONS / Sessions = "sessions", "Sessions", Count, false,
        "Tasks of session classes (conversations and agent runs) that arrived over the horizon; each is one task of many turns.";
    TURNS_PER_SESSION / TurnsPerSession = "turns_per_session", "Turns per session", Average, false,
        "Turns run per session (a session the budget gate stops ends early).";
    COST_PER_SESSION / CostPerSession = "cost_per_session_usd", "Cost per session", Usd, true,
        "Spend on session classes divided by sessions: every turn, tool step, retry and compaction of a conversation or agent run.";
    HISTORY_SHARE / HistoryShare = "history_share", "History share of session input", Ratio, true,
        "Share of the input tokens of session calls that is history (earlier turns, and this turn's tool calls and results so far) rather than the shared prefix or the turn's new input: the oversized-context share that compaction and truncation cut.";
    COMPACTIONS / Compactions = "compactions", "Compactions", Count, true,
        "Times a session's history was compacted (summarised by a billed model call, or cut to its last turns).";
}

/// One value per metric: a total map, indexed by [`Metric`] (or its `usize` constant), so no
/// metric can be missing. Serialized as a sequence in [`METRICS`] order.
#[derive(Clone, Debug, PartialEq)]
pub struct MetricMap<T>([T; N_METRICS]);

impl<T> MetricMap<T> {
    /// The map whose value for each metric is `f(metric)`.
    pub fn from_fn(mut f: impl FnMut(Metric) -> T) -> MetricMap<T> {
        MetricMap(std::array::from_fn(|i| f(Metric::ALL[i])))
    }

    /// Each metric with its value, in [`METRICS`] order.
    pub fn iter(&self) -> impl Iterator<Item = (Metric, &T)> {
        Metric::ALL.iter().copied().zip(self.0.iter())
    }

    /// The values, in [`METRICS`] order.
    pub fn values(&self) -> impl Iterator<Item = &T> {
        self.0.iter()
    }
}

impl<T> std::ops::Index<Metric> for MetricMap<T> {
    type Output = T;
    fn index(&self, m: Metric) -> &T {
        &self.0[m as usize]
    }
}

impl<T> std::ops::Index<usize> for MetricMap<T> {
    type Output = T;
    fn index(&self, i: usize) -> &T {
        &self.0[i]
    }
}

/// A per-run value of every metric.
pub type MetricValues = MetricMap<f64>;

impl Serialize for MetricValues {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.0.iter())
    }
}

/// Writes a summary per metric as a JSON object keyed by the metric's key (the one place the
/// keys are written), in key order.
pub fn serialize_keyed<T: Serialize, S: serde::Serializer>(map: &MetricMap<T>, s: S) -> Result<S::Ok, S::Error> {
    let mut entries: Vec<(&str, &T)> = map.iter().map(|(m, v)| (m.key(), v)).collect();
    entries.sort_by_key(|(k, _)| *k);
    s.collect_map(entries)
}

/// The metrics of one policy in one run.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RunMetrics {
    /// Indexed by [`Metric`] or the constants of this module (`COST_TOTAL`, …). `NaN` where
    /// undefined (no success, no interactive task, no breach).
    pub values: MetricValues,
    /// Spend per day of the horizon.
    pub spend_by_day_usd: Vec<f64>,
    /// Tasks per day of the horizon (a session counts on the day it starts).
    pub tasks_by_day: Vec<f64>,
    /// Spend per owner (the scenario's owners, then `(unowned)` if any class has none).
    pub spend_by_owner_usd: Vec<f64>,
    /// Spend per model (scenario order), embeddings excluded.
    pub spend_by_model_usd: Vec<f64>,
    /// Spend on embeddings (semantic cache lookups).
    pub spend_embedding_usd: f64,
    /// Standard error of the spend that comes from sampling tasks (0 in the exact engine).
    pub sampling_se_cost_usd: f64,
    /// Tasks simulated (the sampled engine simulates fewer than `values[TASKS]`).
    pub tasks_simulated: f64,
    /// Session turns by turn number (from 0; the last bin holds every later turn): calls,
    /// their input tokens, the turns' spend, and the turns. Empty without session classes.
    pub by_turn: Vec<[f64; 4]>,
}

/// Mean and percentiles across runs.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Default)]
pub struct Summary {
    pub mean: f64,
    pub p5: f64,
    pub p50: f64,
    pub p95: f64,
    /// Runs in which the metric was defined.
    pub n: usize,
    /// The standard error of the mean (the runs' standard deviation over √n; NaN with fewer
    /// than two runs): how well the mean is known, where p5–p95 is how much a run varies.
    pub mean_se: f64,
}

/// The `q` quantile (0..1) of sorted values, linearly interpolated.
pub fn quantile_sorted(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let pos = q.clamp(0.0, 1.0) * (sorted.len() - 1) as f64;
    let lo = pos.floor() as usize;
    let hi = pos.ceil() as usize;
    let w = pos - lo as f64;
    sorted[lo] * (1.0 - w) + sorted[hi] * w
}

impl Summary {
    /// Summarises the finite values of `xs` (NaN when none is finite).
    pub fn of(xs: impl IntoIterator<Item = f64>) -> Summary {
        let mut v: Vec<f64> = xs.into_iter().filter(|x| x.is_finite()).collect();
        if v.is_empty() {
            return Summary {
                mean: f64::NAN,
                p5: f64::NAN,
                p50: f64::NAN,
                p95: f64::NAN,
                n: 0,
                mean_se: f64::NAN,
            };
        }
        v.sort_by(f64::total_cmp);
        let n = v.len() as f64;
        let mean = v.iter().sum::<f64>() / n;
        let mean_se = if v.len() > 1 {
            (v.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0) / n).sqrt()
        } else {
            f64::NAN
        };
        Summary {
            mean,
            p5: quantile_sorted(&v, 0.05),
            p50: quantile_sorted(&v, 0.50),
            p95: quantile_sorted(&v, 0.95),
            n: v.len(),
            mean_se,
        }
    }
}

/// Sub-buckets per doubling of the latency histogram: each bucket is at most 1/32 ≈ 3 % wide.
const HIST_SUB_BITS: u32 = 5;
/// How many buckets the latency histogram has: 1 ms to 2⁵³ ms in doublings of 32 buckets (the
/// last bucket is open-ended; nothing is clipped).
pub const HIST_BUCKETS: usize = 54 << HIST_SUB_BITS;

/// The histogram bucket of a latency, from the bits of `ms + 1` (exponent and the top mantissa
/// bits, as HDR histograms do): no logarithm on the hot path.
#[inline]
fn hist_bucket(ms: f64) -> usize {
    let bits = (ms.max(0.0) + 1.0).to_bits();
    let b = ((bits >> (52 - HIST_SUB_BITS)) - (1023 << HIST_SUB_BITS)) as usize;
    b.min(HIST_BUCKETS - 1)
}

/// Latencies of one policy in one run: per bucket (at most 3 % wide), the tasks recorded, their weight
/// (how many tasks they stand for) and the smallest and largest latency seen, so that quantiles
/// are exact where a bucket holds one value (deterministic latencies) and interpolated between
/// real values otherwise — never a bucket midpoint, never clipped.
#[derive(Clone, Debug)]
pub struct LatencyHist {
    buckets: Vec<Bucket>,
    total_weight: f64,
}

/// One histogram bucket: 16 bytes, so that recording touches one cache line and a policy's
/// histogram (27 KB) stays in cache.
#[derive(Clone, Copy, Debug)]
struct Bucket {
    count: u32,
    /// Weight beyond one per recorded latency (0 in the exact engine, so counts stay exact).
    extra_weight: f32,
    min: f32,
    max: f32,
}

impl Bucket {
    fn weight(&self) -> f64 {
        f64::from(self.count) + f64::from(self.extra_weight)
    }
}

impl Default for LatencyHist {
    fn default() -> Self {
        LatencyHist {
            buckets: vec![
                Bucket {
                    count: 0,
                    extra_weight: 0.0,
                    min: f32::INFINITY,
                    max: f32::NEG_INFINITY,
                };
                HIST_BUCKETS
            ],
            total_weight: 0.0,
        }
    }
}

impl LatencyHist {
    /// Records one latency standing for `weight` tasks (1 in the exact engine). Latencies are
    /// kept to f32 precision (7 significant digits).
    #[inline]
    pub fn record(&mut self, ms: f64, weight: f64) {
        let b = &mut self.buckets[hist_bucket(ms)];
        let ms = ms as f32;
        b.count += 1;
        b.extra_weight += (weight - 1.0) as f32;
        b.min = b.min.min(ms);
        b.max = b.max.max(ms);
        self.total_weight += weight;
    }

    /// How many tasks the recorded latencies stand for.
    pub fn total_weight(&self) -> f64 {
        self.total_weight
    }

    /// The `q` quantile, `NaN` when empty: the smallest latency with at least `ceil(q·W)` of the
    /// weight `W` at or below it (nearest rank; with unit weights, the `ceil(q·n)`-th smallest).
    /// Within a bucket its recorded latencies are taken as evenly spread between the smallest
    /// and the largest.
    pub fn quantile(&self, q: f64) -> f64 {
        if self.total_weight <= 0.0 {
            return f64::NAN;
        }
        let target = (q * self.total_weight).ceil().min(self.total_weight);
        let mut cum = 0.0;
        let last = self.buckets.iter().rposition(|b| b.count > 0).unwrap_or(0);
        for (i, b) in self.buckets.iter().enumerate() {
            if b.count == 0 {
                continue;
            }
            let wb = b.weight();
            if cum + wb >= target || i == last {
                // Position among the bucket's recorded latencies, 1-based. (Multiplying first
                // keeps unit weights exact: (t − cum)·c / c = t − cum.)
                let c = f64::from(b.count);
                let pos = ((target - cum) * c / wb).ceil().clamp(1.0, c);
                let (lo, hi) = (f64::from(b.min), f64::from(b.max));
                return if b.count > 1 {
                    lo + (hi - lo) * (pos - 1.0) / (c - 1.0)
                } else {
                    lo
                };
            }
            cum += wb;
        }
        f64::NAN
    }
}
