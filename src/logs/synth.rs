//! Realistic synthetic logs from known parameters, in every format CostPlan reads — for tests
//! (a fit must recover the parameters), the benchmark (a million rows) and the shipped example.
//! No real customer data is ever needed.

use std::fmt::Write as _;

use serde_json::{Value, json};

use super::fit::{date_of_day, weekday_of_day};
use crate::model::dist::{std_normal_quantile, unit_f64};
use crate::sim::rng::rng_from;

/// One class of synthetic traffic.
#[derive(Clone, Debug)]
pub struct SynthClass {
    pub name: String,
    pub share: f64,
    pub input_median: f64,
    pub input_p95: f64,
    pub output_median: f64,
    pub output_p95: f64,
    /// Provider cache reads per request (the shared prefix), 0 for none.
    pub prefix_tokens: f64,
    /// Share of requests the gateway's response cache answers (billed nothing).
    pub cache_hit_rate: f64,
    pub failure_rate: f64,
    /// Probability that a failed request is retried (in the same session, seconds later).
    pub retry_rate: f64,
    pub owner: String,
}

/// What to generate.
#[derive(Clone, Debug)]
pub struct SynthSpec {
    /// Days since 1970-01-01 of the first day.
    pub first_day: i64,
    pub days: u32,
    /// Mean tasks per day on the first day.
    pub tasks_per_day: f64,
    pub growth_per_month: f64,
    /// Monday first, mean 1.
    pub weekly: [f64; 7],
    pub day_noise_sd: f64,
    pub classes: Vec<SynthClass>,
    pub model: String,
    pub input_usd_per_mtok: f64,
    pub output_usd_per_mtok: f64,
    pub ttft_ms: f64,
    pub output_tokens_per_s: f64,
    pub max_retries: u32,
    /// Consecutive tasks that share a session (a conversation's questions); 1 = a session each.
    pub tasks_per_session: u32,
    pub seed: u64,
}

impl SynthSpec {
    /// A month of a support bot's traffic: two classes, weekday-heavy, growing 10 % a month.
    pub fn example(tasks_per_day: f64) -> SynthSpec {
        SynthSpec {
            first_day: 20_362, // 2025-10-01
            days: 30,
            tasks_per_day,
            growth_per_month: 0.10,
            weekly: [1.15, 1.15, 1.1, 1.1, 1.0, 0.75, 0.75],
            day_noise_sd: 0.08,
            classes: vec![
                SynthClass {
                    name: "faq".into(),
                    share: 0.7,
                    input_median: 800.0,
                    input_p95: 2400.0,
                    output_median: 150.0,
                    output_p95: 500.0,
                    prefix_tokens: 0.0,
                    cache_hit_rate: 0.0,
                    failure_rate: 0.08,
                    retry_rate: 0.5,
                    owner: "support".into(),
                },
                SynthClass {
                    name: "billing".into(),
                    share: 0.3,
                    input_median: 2000.0,
                    input_p95: 6000.0,
                    output_median: 300.0,
                    output_p95: 900.0,
                    prefix_tokens: 0.0,
                    cache_hit_rate: 0.0,
                    failure_rate: 0.12,
                    retry_rate: 0.5,
                    owner: "finance".into(),
                },
            ],
            model: "gpt-4o-mini".into(),
            input_usd_per_mtok: 0.15,
            output_usd_per_mtok: 0.6,
            ttft_ms: 400.0,
            output_tokens_per_s: 80.0,
            max_retries: 1,
            tasks_per_session: 1,
            seed: 7,
        }
    }
}

/// One generated request.
#[derive(Clone, Debug, PartialEq)]
pub struct SynthRow {
    pub id: u64,
    pub start_unix_ms: i64,
    pub class: usize,
    pub session: u64,
    pub prompt_tokens: u64,
    pub cache_read_tokens: u64,
    pub output_tokens: u64,
    pub cost_usd: f64,
    pub ok: bool,
    pub cache_hit: bool,
    pub ttft_ms: f64,
    pub latency_ms: f64,
}

fn lognormal(median: f64, p95: f64, u: f64) -> f64 {
    let sd = (p95 / median).ln() / 1.645;
    (median.ln() + sd * std_normal_quantile(u.clamp(1e-12, 1.0 - 1e-12))).exp()
}

/// Generates the requests, in time order within each day.
pub fn generate(spec: &SynthSpec) -> Vec<SynthRow> {
    let mut rows = Vec::new();
    let mut id = 0u64;
    let mut session = 0u64;
    let mut task_no = 0u64;
    let wmean = spec.weekly.iter().sum::<f64>() / 7.0;
    for d in 0..spec.days as i64 {
        let mut rng = rng_from(spec.seed ^ (d as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15));
        let z = std_normal_quantile(unit_f64(&mut rng).clamp(1e-12, 1.0 - 1e-12));
        let day = spec.first_day + d;
        let sd = spec.day_noise_sd;
        let mean =
            spec.tasks_per_day * (1.0 + spec.growth_per_month).powf(d as f64 / 30.0) * spec.weekly[weekday_of_day(day)]
                / wmean
                * (sd * z - 0.5 * sd * sd).exp();
        let n = mean.round().max(0.0) as u64;
        let mut times: Vec<f64> = (0..n).map(|_| unit_f64(&mut rng)).collect();
        times.sort_by(f64::total_cmp);
        for t in times {
            if task_no.is_multiple_of(u64::from(spec.tasks_per_session.max(1))) {
                session += 1;
            }
            task_no += 1;
            let u = unit_f64(&mut rng);
            let mut acc = 0.0;
            let class = spec
                .classes
                .iter()
                .position(|c| {
                    acc += c.share;
                    u < acc
                })
                .unwrap_or(spec.classes.len() - 1);
            let c = &spec.classes[class];
            let input = lognormal(c.input_median, c.input_p95, unit_f64(&mut rng)).round();
            let output = lognormal(c.output_median, c.output_p95, unit_f64(&mut rng)).round();
            let cache_hit = unit_f64(&mut rng) < c.cache_hit_rate;
            let mut start_ms = (day as f64 * 86_400_000.0 + t * 86_000_000.0) as i64;
            let mut attempt = 0;
            loop {
                let ok = cache_hit || unit_f64(&mut rng) >= c.failure_rate;
                let prompt = input + c.prefix_tokens;
                let gen_ms = output / spec.output_tokens_per_s * 1e3;
                let cost = if cache_hit {
                    0.0
                } else {
                    (prompt * spec.input_usd_per_mtok + output * spec.output_usd_per_mtok) / 1e6
                };
                id += 1;
                rows.push(SynthRow {
                    id,
                    start_unix_ms: start_ms,
                    class,
                    session,
                    prompt_tokens: prompt as u64,
                    cache_read_tokens: c.prefix_tokens as u64,
                    output_tokens: output as u64,
                    cost_usd: cost,
                    ok,
                    cache_hit,
                    ttft_ms: spec.ttft_ms,
                    latency_ms: spec.ttft_ms + gen_ms,
                });
                attempt += 1;
                if ok || attempt > spec.max_retries || unit_f64(&mut rng) >= c.retry_rate {
                    break;
                }
                start_ms += (spec.ttft_ms + gen_ms) as i64 + 5_000;
            }
        }
    }
    rows
}

fn iso(ms: i64) -> String {
    jiff::Timestamp::from_millisecond(ms).map_or_else(|_| "1970-01-01T00:00:00Z".into(), |t| t.to_string())
}

/// A log format the generator writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SynthFormat {
    LiteLlmCsv,
    LiteLlmJson,
    LangfuseJsonl,
    LangfuseCsv,
    Otlp,
    OpenAiUsage,
    LiteLlmDailyCsv,
}

/// The rows written in `format`.
pub fn write(spec: &SynthSpec, rows: &[SynthRow], format: SynthFormat) -> String {
    match format {
        SynthFormat::LiteLlmCsv => litellm_csv(spec, rows),
        SynthFormat::LiteLlmJson => {
            // Row by row: a month of rows never sits in memory as JSON values.
            let mut out = String::from("[");
            for (i, r) in rows.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&litellm_json(spec, r).to_string());
            }
            out.push(']');
            out
        }
        SynthFormat::LangfuseJsonl => {
            let mut out = String::new();
            for r in rows {
                let _ = writeln!(out, "{}", langfuse_json(spec, r));
            }
            out
        }
        SynthFormat::LangfuseCsv => langfuse_csv(spec, rows),
        SynthFormat::Otlp => otlp(spec, rows),
        SynthFormat::OpenAiUsage => openai_usage(spec, rows),
        SynthFormat::LiteLlmDailyCsv => litellm_daily(spec, rows),
    }
}

fn litellm_json(spec: &SynthSpec, r: &SynthRow) -> Value {
    let c = &spec.classes[r.class];
    json!({
        "request_id": format!("req-{}", r.id),
        "call_type": "acompletion",
        "spend": r.cost_usd,
        "prompt_tokens": r.prompt_tokens,
        "completion_tokens": r.output_tokens,
        "startTime": iso(r.start_unix_ms),
        "endTime": iso(r.start_unix_ms + r.latency_ms as i64),
        "completionStartTime": iso(r.start_unix_ms + r.ttft_ms as i64),
        "model": spec.model,
        "model_group": spec.model,
        "custom_llm_provider": "openai",
        "user": format!("user-{}", r.session % 97),
        "team_id": c.owner,
        "end_user": "",
        "request_tags": [c.name],
        "cache_hit": if r.cache_hit { "True" } else { "False" },
        "status": if r.ok { "success" } else { "failure" },
        "session_id": format!("s-{}", r.session),
        "metadata": {
            "additional_usage_values": {
                "cache_read_input_tokens": r.cache_read_tokens,
                "cache_creation_input_tokens": 0,
                "prompt_tokens_details": {"cached_tokens": r.cache_read_tokens},
                "completion_tokens_details": {"reasoning_tokens": 0}
            }
        }
    })
}

fn litellm_csv(spec: &SynthSpec, rows: &[SynthRow]) -> String {
    let mut w = csv::Writer::from_writer(Vec::new());
    let header = [
        "request_id",
        "call_type",
        "spend",
        "prompt_tokens",
        "completion_tokens",
        "startTime",
        "endTime",
        "completionStartTime",
        "model",
        "model_group",
        "custom_llm_provider",
        "user",
        "team_id",
        "end_user",
        "request_tags",
        "cache_hit",
        "status",
        "session_id",
        "metadata",
    ];
    let _ = w.write_record(header);
    for r in rows {
        let v = litellm_json(spec, r);
        let cells: Vec<String> = header
            .iter()
            .map(|h| match (&v[*h], *h) {
                (Value::String(s), "startTime" | "endTime" | "completionStartTime") => {
                    s.replacen('T', " ", 1).trim_end_matches('Z').to_string()
                }
                (Value::String(s), _) => s.clone(),
                (other, _) => other.to_string(),
            })
            .collect();
        let _ = w.write_record(&cells);
    }
    String::from_utf8(w.into_inner().unwrap_or_default()).unwrap_or_default()
}

fn langfuse_json(spec: &SynthSpec, r: &SynthRow) -> Value {
    let c = &spec.classes[r.class];
    json!({
        "id": format!("obs-{}", r.id),
        "type": "GENERATION",
        "traceId": format!("t-{}", r.session),
        "traceName": c.name,
        "startTime": iso(r.start_unix_ms),
        "endTime": iso(r.start_unix_ms + r.latency_ms as i64),
        "completionStartTime": iso(r.start_unix_ms + r.ttft_ms as i64),
        "model": spec.model,
        // Langfuse's input excludes cached tokens.
        "usageDetails": {
            "input": r.prompt_tokens - r.cache_read_tokens,
            "input_cached_tokens": r.cache_read_tokens,
            "output": r.output_tokens,
            "total": r.prompt_tokens + r.output_tokens
        },
        "costDetails": {"total": r.cost_usd},
        "totalCost": r.cost_usd,
        "latency": r.latency_ms / 1e3,
        "traceTags": [c.name],
        "userId": format!("user-{}", r.session % 97),
        "level": if r.ok { "DEFAULT" } else { "ERROR" }
    })
}

fn langfuse_csv(spec: &SynthSpec, rows: &[SynthRow]) -> String {
    let mut w = csv::Writer::from_writer(Vec::new());
    let header = [
        "id",
        "type",
        "traceId",
        "traceName",
        "startTime",
        "endTime",
        "completionStartTime",
        "model",
        "usageDetails",
        "costDetails",
        "totalCost",
        "latency",
        "traceTags",
        "userId",
        "level",
    ];
    let _ = w.write_record(header);
    for r in rows {
        let v = langfuse_json(spec, r);
        let cells: Vec<String> = header
            .iter()
            .map(|h| match &v[*h] {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            })
            .collect();
        let _ = w.write_record(&cells);
    }
    String::from_utf8(w.into_inner().unwrap_or_default()).unwrap_or_default()
}

fn attr(key: &str, v: Value) -> Value {
    let value = match v {
        Value::String(s) => json!({ "stringValue": s }),
        Value::Number(n) if n.is_u64() || n.is_i64() => json!({ "intValue": n.to_string() }),
        Value::Number(n) => json!({ "doubleValue": n }),
        Value::Array(a) => {
            json!({ "arrayValue": { "values": a.into_iter().map(|x| json!({"stringValue": x})).collect::<Vec<_>>() } })
        }
        other => json!({ "stringValue": other.to_string() }),
    };
    json!({ "key": key, "value": value })
}

/// Spans per OTLP batch (one JSON line each, as the OpenTelemetry Collector's file exporter
/// writes them).
pub const OTLP_SPANS_PER_BATCH: usize = 1000;

fn otlp_span(spec: &SynthSpec, r: &SynthRow) -> Value {
    let c = &spec.classes[r.class];
    json!({
        "traceId": format!("{:032x}", r.session),
        "spanId": format!("{:016x}", r.id),
        "name": format!("chat {}", spec.model),
        "kind": 3,
        "startTimeUnixNano": (r.start_unix_ms as i128 * 1_000_000).to_string(),
        "endTimeUnixNano": ((r.start_unix_ms + r.latency_ms as i64) as i128 * 1_000_000).to_string(),
        "attributes": [
            attr("gen_ai.operation.name", json!("chat")),
            attr("gen_ai.request.model", json!(spec.model)),
            attr("gen_ai.response.model", json!(spec.model)),
            // OTel's input count includes cached tokens.
            attr("gen_ai.usage.input_tokens", json!(r.prompt_tokens)),
            attr("gen_ai.usage.output_tokens", json!(r.output_tokens)),
            attr("gen_ai.usage.cache_read.input_tokens", json!(r.cache_read_tokens)),
            attr("user.id", json!(format!("user-{}", r.session % 97))),
            attr("tag.tags", json!([c.name])),
        ],
        "status": { "code": if r.ok { 1 } else { 2 } }
    })
}

/// OTLP JSON Lines: one `{resourceSpans: …}` batch of up to [`OTLP_SPANS_PER_BATCH`] spans a line.
fn otlp(spec: &SynthSpec, rows: &[SynthRow]) -> String {
    let mut out = String::new();
    for batch in rows.chunks(OTLP_SPANS_PER_BATCH) {
        let spans: Vec<Value> = batch.iter().map(|r| otlp_span(spec, r)).collect();
        let doc = json!({
            "resourceSpans": [{
                "resource": { "attributes": [attr("service.name", json!("synthetic"))] },
                "scopeSpans": [{ "scope": { "name": "costplan.synth" }, "spans": spans }]
            }]
        });
        out.push_str(&doc.to_string());
        out.push('\n');
    }
    out
}

/// Per-day, per-class sums (requests, prompt, cached, output, cost).
fn daily_sums(spec: &SynthSpec, rows: &[SynthRow]) -> Vec<(i64, usize, [f64; 5])> {
    let mut map: std::collections::BTreeMap<(i64, usize), [f64; 5]> = Default::default();
    for r in rows {
        let e = map
            .entry((r.start_unix_ms.div_euclid(86_400_000), r.class))
            .or_default();
        e[0] += 1.0;
        e[1] += r.prompt_tokens as f64;
        e[2] += r.cache_read_tokens as f64;
        e[3] += r.output_tokens as f64;
        e[4] += r.cost_usd;
    }
    let _ = spec;
    map.into_iter().map(|((d, c), v)| (d, c, v)).collect()
}

fn openai_usage(spec: &SynthSpec, rows: &[SynthRow]) -> String {
    let sums = daily_sums(spec, rows);
    let mut buckets: Vec<Value> = Vec::new();
    let days: std::collections::BTreeSet<i64> = sums.iter().map(|s| s.0).collect();
    for d in days {
        let results: Vec<Value> = sums
            .iter()
            .filter(|s| s.0 == d)
            .map(|(_, c, v)| {
                json!({
                    "object": "organization.usage.completions.result",
                    "input_tokens": v[1] as u64,
                    "input_cached_tokens": v[2] as u64,
                    "output_tokens": v[3] as u64,
                    "input_audio_tokens": 0,
                    "output_audio_tokens": 0,
                    "num_model_requests": v[0] as u64,
                    "project_id": format!("proj_{}", spec.classes[*c].name),
                    "user_id": null,
                    "api_key_id": null,
                    "model": spec.model,
                    "batch": false
                })
            })
            .collect();
        buckets.push(json!({
            "object": "bucket",
            "start_time": d * 86_400,
            "end_time": (d + 1) * 86_400,
            "results": results
        }));
    }
    serde_json::to_string(&json!({
        "object": "page",
        "data": buckets,
        "has_more": false,
        "next_page": null
    }))
    .unwrap_or_default()
}

fn litellm_daily(spec: &SynthSpec, rows: &[SynthRow]) -> String {
    let mut out = String::from(
        "date,model,model_group,api_requests,prompt_tokens,completion_tokens,cache_read_input_tokens,cache_creation_input_tokens,spend\n",
    );
    for (d, c, v) in daily_sums(spec, rows) {
        let _ = writeln!(
            out,
            "{},{},{},{},{},{},{},0,{}",
            date_of_day(d),
            spec.model,
            spec.classes[c].name,
            v[0],
            v[1],
            v[3],
            v[2],
            v[4]
        );
    }
    out
}
