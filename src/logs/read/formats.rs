//! One reader per log format's row: LiteLLM spend logs and daily rollups, Langfuse observations,
//! OpenAI usage pages and OpenTelemetry GenAI spans, each to a normalised [`Record`].

use super::*;

/// Cache reads, cache writes and reasoning tokens from a LiteLLM usage object (the spend log's
/// `metadata.additional_usage_values`, the logging payload's `metadata.usage_object`): Anthropic's
/// names first, then OpenAI's details.
fn litellm_usage_extras(extra: &Map<String, Value>) -> Result<(f64, f64, f64), FieldError> {
    let details = |k: &str, inner: &str| match extra.get(k).and_then(Value::as_object) {
        Some(d) => number(d, inner),
        None => Ok(None),
    };
    let cache_read = match number(extra, "cache_read_input_tokens")? {
        Some(x) => x,
        None => details("prompt_tokens_details", "cached_tokens")?.unwrap_or(0.0),
    };
    let cache_write = number(extra, "cache_creation_input_tokens")?.unwrap_or(0.0);
    let reasoning = details("completion_tokens_details", "reasoning_tokens")?.unwrap_or(0.0);
    Ok((cache_read, cache_write, reasoning))
}

/// A response-cache hit as LiteLLM writes it: `True`/`False`, or `None` when its cache is off.
fn litellm_cache_hit<R: Row + ?Sized>(r: &R, adjusted: &mut Vec<Adjustment>) -> Option<bool> {
    if let Some(Field::Text(t)) = r.field("cache_hit")
        && t.trim().eq_ignore_ascii_case("none")
    {
        adjusted.push(Adjustment::CacheOff);
        return None;
    }
    boolean(r, "cache_hit")
}

/// What LiteLLM's per-request rows share (the spend log and the logging payload): tokens with
/// the usage object's cache and reasoning counts, cost from `cost_key`, status, response-cache
/// hit, durations, model group and first tag.
fn litellm_request<R: Row + ?Sized>(
    r: &R,
    cx: &mut RowCx,
    (model, usage): (&str, &Map<String, Value>),
    cost_key: &str,
) -> Result<Record, FieldError> {
    let start = time_field(r, "startTime")?.ok_or_else(|| missing("startTime"))?;
    let (cache_read, cache_write, reasoning) = litellm_usage_extras(usage)?;
    let raw = RawUsage {
        input: required_number(r, "prompt_tokens")?,
        cache_read,
        cache_write,
        output: required_number(r, "completion_tokens")?,
        reasoning,
    };
    let mut rec = record(
        start,
        1.0,
        raw.normalise(TokenConvention::InputIncludesCache),
        model,
        cx.sy,
    );
    rec.cost_usd = number(r, cost_key)?;
    rec.ok = text(r, "status").map(|s| s.eq_ignore_ascii_case("success"));
    rec.cache_hit = litellm_cache_hit(r, &mut cx.adjusted);
    durations(r, start, &mut rec, &mut cx.adjusted)?;
    set_key(&mut rec, cx.sy, "model_group", text(r, "model_group").as_deref());
    set_key(&mut rec, cx.sy, "tag", first_tag(r, "request_tags").as_deref());
    Ok(rec)
}

/// A row of LiteLLM's `LiteLLM_SpendLogs`.
pub(super) fn litellm_spend<R: Row + ?Sized>(r: &R, cx: &mut RowCx) -> Result<Option<Record>, FieldError> {
    let model = text(r, "model").ok_or_else(|| missing("model"))?;
    let meta = object(r, "metadata");
    let empty = Map::new();
    let usage = meta
        .as_deref()
        .and_then(|m| m.get("additional_usage_values"))
        .and_then(Value::as_object)
        .unwrap_or(&empty);
    let mut rec = litellm_request(r, cx, (&model, usage), "spend")?;
    rec.session = text(r, "session_id").map(|s| session_hash(&s)).or_else(|| {
        meta.as_deref()
            .and_then(|m| text(m, "trace_id"))
            .map(|s| session_hash(&s))
    });
    set_key(&mut rec, cx.sy, "team", text(r, "team_id").as_deref());
    let user = text(r, "end_user").or_else(|| text(r, "user"));
    set_key(&mut rec, cx.sy, "user", user.as_deref());
    Ok(Some(rec))
}

/// One `StandardLoggingPayload` (what LiteLLM's S3, GCS and other bucket loggers write, one JSON
/// object per call): times as epoch seconds, cost in `response_cost`, cache and reasoning tokens
/// in `metadata.usage_object`, key owner in `metadata.user_api_key_*`.
pub(super) fn litellm_payload<R: Row + ?Sized>(r: &R, cx: &mut RowCx) -> Result<Option<Record>, FieldError> {
    let model = text(r, "model")
        .or_else(|| text(r, "model_group"))
        .ok_or_else(|| missing("model"))?;
    let meta = object(r, "metadata");
    let empty = Map::new();
    let meta: &Map<String, Value> = meta.as_deref().unwrap_or(&empty);
    let usage = meta.get("usage_object").and_then(Value::as_object).unwrap_or(&empty);
    let mut rec = litellm_request(r, cx, (&model, usage), "response_cost")?;
    rec.session = text(r, "trace_id").map(|s| session_hash(&s));
    set_key(&mut rec, cx.sy, "team", text(meta, "user_api_key_team_id").as_deref());
    let user = text(r, "end_user").or_else(|| text(meta, "user_api_key_user_id"));
    set_key(&mut rec, cx.sy, "user", user.as_deref());
    Ok(Some(rec))
}

/// A row of LiteLLM's daily spend tables (aggregated).
pub(super) fn litellm_daily<R: Row + ?Sized>(r: &R, cx: &mut RowCx) -> Result<Option<Record>, FieldError> {
    let sy = &mut *cx.sy;
    let start = time_field(r, "date")?.ok_or_else(|| missing("date"))?;
    let model = text(r, "model").unwrap_or_else(|| "(unknown)".into());
    let raw = RawUsage {
        input: required_number(r, "prompt_tokens")?,
        cache_read: number(r, "cache_read_input_tokens")?.unwrap_or(0.0),
        cache_write: number(r, "cache_creation_input_tokens")?.unwrap_or(0.0),
        output: required_number(r, "completion_tokens")?,
        reasoning: 0.0,
    };
    let requests = required_number(r, "api_requests")?;
    let mut rec = record(
        start,
        requests,
        raw.normalise(TokenConvention::InputIncludesCache),
        &model,
        sy,
    );
    rec.cost_usd = number(r, "spend")?;
    set_key(&mut rec, sy, "model_group", text(r, "model_group").as_deref());
    // The user, end-user, team, organization and tag rollups each group by their own column.
    let team = text(r, "team_id").or_else(|| text(r, "organization_id"));
    set_key(&mut rec, sy, "team", team.as_deref());
    let user = text(r, "user_id").or_else(|| text(r, "end_user_id"));
    set_key(&mut rec, sy, "user", user.as_deref());
    set_key(&mut rec, sy, "tag", text(r, "tag").as_deref());
    Ok(Some(rec))
}

/// A Langfuse observation (a generation; spans and events without usage are not LLM calls).
pub(super) fn langfuse<R: Row + ?Sized>(r: &R, cx: &mut RowCx) -> Result<Option<Record>, FieldError> {
    let sy = &mut *cx.sy;
    if let Some(t) = text(r, "type")
        && t != "GENERATION"
    {
        return Ok(None);
    }
    let start = time_field(r, "startTime")?.ok_or_else(|| missing("startTime"))?;
    let usage = object(r, "usageDetails").or_else(|| object(r, "usage"));
    let empty = Map::new();
    let usage: &Map<String, Value> = usage.as_deref().unwrap_or(&empty);
    let input = match number_of(usage, &["input", "promptTokens"])? {
        Some(x) => x,
        None => number_of(r, &["promptTokens", "inputUsage"])?.ok_or_else(|| missing("usageDetails.input"))?,
    };
    let output = match number_of(usage, &["output", "completionTokens"])? {
        Some(x) => x,
        None => number_of(r, &["completionTokens", "outputUsage"])?.ok_or_else(|| missing("usageDetails.output"))?,
    };
    let raw = RawUsage {
        input,
        cache_read: number_of(
            usage,
            &["input_cached_tokens", "cache_read_input_tokens", "input_cache_read"],
        )?
        .unwrap_or(0.0),
        cache_write: number_of(usage, &["cache_creation_input_tokens", "input_cache_creation"])?.unwrap_or(0.0),
        output,
        reasoning: number_of(
            usage,
            &["output_reasoning_tokens", "reasoning_tokens", "output_reasoning"],
        )?
        .unwrap_or(0.0),
    };
    let cost = match number_of(r, &["totalCost", "calculatedTotalCost"])? {
        Some(c) => Some(c),
        None => match object(r, "costDetails") {
            Some(c) => number(c.as_ref(), "total")?,
            None => None,
        },
    };
    let model = text(r, "model")
        .or_else(|| text(r, "providedModelName"))
        .unwrap_or_else(|| "(unknown)".into());
    let mut rec = record(
        start,
        1.0,
        raw.normalise(TokenConvention::InputExcludesCache),
        &model,
        sy,
    );
    rec.cost_usd = cost;
    rec.ok = text(r, "level").map(|l| l != "ERROR");
    rec.session = text(r, "traceId")
        .or_else(|| text(r, "sessionId"))
        .map(|s| session_hash(&s));
    durations(r, start, &mut rec, &mut cx.adjusted)?;
    if rec.latency_ms.is_none()
        && let Some(secs) = number(r, "latency")?
    {
        rec.latency_ms = Some((secs * 1e3) as f32);
    }
    set_key(
        &mut rec,
        sy,
        "trace_name",
        text(r, "traceName").or_else(|| text(r, "name")).as_deref(),
    );
    set_key(&mut rec, sy, "user", text(r, "userId").as_deref());
    let tag = first_tag(r, "traceTags").or_else(|| first_tag(r, "tags"));
    set_key(&mut rec, sy, "tag", tag.as_deref());
    Ok(Some(rec))
}

/// Every bucket of an OpenAI usage page: `{object: "page", data: [buckets]}`.
pub(super) fn openai_page(v: &Value, file: &str, at: &str, logs: &mut Logs) {
    let buckets = v
        .get("data")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or(&[]);
    for (i, b) in buckets.iter().enumerate() {
        openai_bucket(b, file, &format!("{at}data[{i}]"), logs);
    }
}

/// One bucket of an OpenAI usage page: `{start_time, results: [...]}`.
pub(super) fn openai_bucket(b: &Value, file: &str, at: &str, logs: &mut Logs) {
    let day = b.get("start_time").and_then(timestamp);
    let results = b
        .get("results")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or(&[]);
    for (j, r) in results.iter().enumerate() {
        let here = format!("{at}.results[{j}]");
        map_row(logs, file, &here, |cx| match (r.as_object(), day) {
            (Some(m), Some(_)) => openai_result(m, day, cx),
            (_, None) => Err(("start_time".into(), "missing or not a time".into())),
            (None, _) => Err(("".into(), "not an object".into())),
        });
    }
}

/// One result of an OpenAI usage bucket (aggregated over its day).
pub(super) fn openai_result<R: Row + ?Sized>(
    r: &R,
    day: Option<f64>,
    cx: &mut RowCx,
) -> Result<Option<Record>, FieldError> {
    let sy = &mut *cx.sy;
    let start = match day {
        Some(d) => d,
        None => time_field(r, "start_time")?.ok_or_else(|| missing("start_time"))?,
    };
    let raw = RawUsage {
        input: required_number(r, "input_tokens")?,
        cache_read: number(r, "input_cached_tokens")?.unwrap_or(0.0),
        cache_write: number(r, "input_cache_write_tokens")?.unwrap_or(0.0),
        output: required_number(r, "output_tokens")?,
        reasoning: 0.0,
    };
    let model = text(r, "model").unwrap_or_else(|| "(all models)".into());
    let requests = required_number(r, "num_model_requests")?;
    let mut rec = record(
        start,
        requests,
        raw.normalise(TokenConvention::InputIncludesCache),
        &model,
        sy,
    );
    set_key(&mut rec, sy, "project", text(r, "project_id").as_deref());
    Ok(Some(rec))
}

/// The attributes of an OTLP span as a flat map (`{key, value: {stringValue | intValue | …}}`).
fn attributes(span: &Value) -> Map<String, Value> {
    let mut out = Map::new();
    for a in span
        .get("attributes")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or(&[])
    {
        let (Some(k), Some(v)) = (a.get("key").and_then(Value::as_str), a.get("value")) else {
            continue;
        };
        out.insert(k.to_string(), any_value(v));
    }
    out
}

fn any_value(v: &Value) -> Value {
    if let Some(x) = v.get("stringValue") {
        return x.clone();
    }
    if let Some(x) = v.get("intValue") {
        // OTLP JSON writes 64-bit integers as strings.
        return match x {
            Value::String(s) => s.parse::<i64>().map(Value::from).unwrap_or(x.clone()),
            _ => x.clone(),
        };
    }
    if let Some(x) = v.get("doubleValue").or_else(|| v.get("boolValue")) {
        return x.clone();
    }
    if let Some(a) = v
        .get("arrayValue")
        .and_then(|a| a.get("values"))
        .and_then(Value::as_array)
    {
        return Value::Array(a.iter().map(any_value).collect());
    }
    Value::Null
}

/// Every GenAI span of an OTLP JSON export (other spans are not LLM calls and are passed over).
pub(super) fn otlp(v: &Value, file: &str, at: &str, logs: &mut Logs) {
    fn list<'v>(v: &'v Value, k: &str) -> &'v [Value] {
        v.get(k).and_then(Value::as_array).map_or(&[], Vec::as_slice)
    }
    for (i, rs) in list(v, "resourceSpans").iter().enumerate() {
        for (j, ss) in list(rs, "scopeSpans").iter().enumerate() {
            for (k, span) in list(ss, "spans").iter().enumerate() {
                let here = format!("{at}resourceSpans[{i}].scopeSpans[{j}].spans[{k}]");
                map_row(logs, file, &here, |cx| otlp_span(span, cx));
            }
        }
    }
}

/// A span's token usage beyond input and output: cache reads and writes, reasoning (0 where the
/// instrumentation does not say).
fn otlp_usage(a: &Map<String, Value>, input: f64, output: f64) -> Result<RawUsage, FieldError> {
    let or_zero = |keys: &[&str]| number_of(a, keys).map(|x| x.unwrap_or(0.0));
    Ok(RawUsage {
        input,
        cache_read: or_zero(&[
            // The semantic conventions, OpenLLMetry, the OpenAI instrumentation's details,
            // OpenInference.
            "gen_ai.usage.cache_read.input_tokens",
            "gen_ai.usage.cache_read_input_tokens",
            "gen_ai.usage.cached_tokens",
            "gen_ai.usage.input_cached_tokens",
            "gen_ai.usage.input_tokens_details.cached",
            "gen_ai.usage.input_tokens_details.cached_tokens",
            "llm.usage.cache_read_input_tokens",
            "llm.token_count.prompt_details.cache_read",
        ])?,
        cache_write: or_zero(&[
            "gen_ai.usage.cache_creation.input_tokens",
            "gen_ai.usage.cache_creation_input_tokens",
            "gen_ai.usage.cache_write.input_tokens",
            "llm.token_count.prompt_details.cache_write",
        ])?,
        output,
        reasoning: or_zero(&[
            "gen_ai.usage.reasoning.output_tokens",
            "gen_ai.usage.reasoning_tokens",
            "gen_ai.usage.output_tokens_details.reasoning_tokens",
            "llm.token_count.completion_details.reasoning",
        ])?,
    })
}

pub(super) fn otlp_span(span: &Value, cx: &mut RowCx) -> Result<Option<Record>, FieldError> {
    let sy = &mut *cx.sy;
    let a = attributes(span);
    let input = number_of(
        &a,
        &[
            "gen_ai.usage.input_tokens",
            "gen_ai.usage.prompt_tokens",
            "llm.token_count.prompt",
        ],
    )?;
    let output = number_of(
        &a,
        &[
            "gen_ai.usage.output_tokens",
            "gen_ai.usage.completion_tokens",
            "llm.token_count.completion",
        ],
    )?;
    let model = text(&a, "gen_ai.response.model")
        .or_else(|| text(&a, "gen_ai.request.model"))
        .or_else(|| text(&a, "llm.model_name"));
    // A span with token counts, or one naming a model, is a model call; others (workflows,
    // tools, retrievers) are not.
    let (input, output) = match (input, output) {
        (Some(i), Some(o)) => (i, o),
        (Some(i), None) => {
            cx.adjusted.push(Adjustment::NoOutputTokens);
            (i, 0.0)
        }
        (None, _) if model.is_none() => return Ok(None),
        (None, o) => {
            cx.adjusted.push(Adjustment::NoTokens);
            (0.0, o.unwrap_or(0.0))
        }
    };
    let start = span
        .get("startTimeUnixNano")
        .and_then(timestamp)
        .ok_or_else(|| ("startTimeUnixNano".to_string(), "missing or not a time".to_string()))?;
    let raw = otlp_usage(&a, input, output)?;
    let model = model.unwrap_or_else(|| "(unknown)".into());
    let mut rec = record(
        start,
        1.0,
        raw.normalise(TokenConvention::InputIncludesCache),
        &model,
        sy,
    );
    rec.ok = span
        .get("status")
        .and_then(|s| s.get("code"))
        .map(|c| c != &Value::from(2) && c.as_str() != Some("STATUS_CODE_ERROR"));
    rec.session = span.get("traceId").and_then(Value::as_str).map(session_hash);
    if let Some(end) = span.get("endTimeUnixNano").and_then(timestamp)
        && end >= start
    {
        rec.latency_ms = Some(((end - start) * 1e3) as f32);
    }
    set_key(
        &mut rec,
        sy,
        "user",
        text(&a, "user.id")
            .or_else(|| text(&a, "enduser.id"))
            .or_else(|| text(&a, "gen_ai.user"))
            .or_else(|| text(&a, "llm.user"))
            .as_deref(),
    );
    set_key(&mut rec, sy, "tag", first_tag(&a, "tag.tags").as_deref());
    Ok(Some(rec))
}
