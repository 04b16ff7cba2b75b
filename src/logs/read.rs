//! Reading log files by content, streamed: CSV row by row, JSON Lines line by line, and a JSON
//! array element by element; each row mapped to a [`Record`] by its format's field names, and
//! every row that cannot be used counted and listed with its line (or JSON path) and field.

use std::io::{BufRead, BufReader, Read};
use std::path::Path;

use serde::de::{DeserializeSeed, SeqAccess, Visitor};
use serde_json::{Map, Value};

use super::{LogError, Logs, RawUsage, Record, Skipped, Source, TokenConvention};

/// The most bytes one log file may have (10 GB): beyond it, split the export.
pub const MAX_LOG_FILE_BYTES: u64 = 10_000_000_000;

/// Reads every file into one set of records.
pub fn read_files(paths: &[&Path]) -> Result<Logs, LogError> {
    let mut logs = Logs::default();
    for p in paths {
        read_file(p, &mut logs)?;
    }
    if logs.records.is_empty() {
        let names: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
        return Err(LogError::Empty(names.join(", ")));
    }
    Ok(logs)
}

/// Reads one file, recognising its format by content.
pub fn read_file(path: &Path, logs: &mut Logs) -> Result<(), LogError> {
    let name = path.display().to_string();
    let unreadable = |e: std::io::Error| LogError::Unreadable {
        file: name.clone(),
        message: e.to_string(),
    };
    let meta = std::fs::metadata(path).map_err(unreadable)?;
    if !meta.is_file() {
        return Err(LogError::Unreadable {
            file: name,
            message: "not a regular file".into(),
        });
    }
    if meta.len() > MAX_LOG_FILE_BYTES {
        return Err(LogError::Unreadable {
            file: name,
            message: format!(
                "{} bytes is above the limit of {MAX_LOG_FILE_BYTES}; split the export",
                meta.len()
            ),
        });
    }
    let f = std::fs::File::open(path).map_err(unreadable)?;
    read_from(BufReader::with_capacity(1 << 20, f), &name, logs)
}

/// Reads one file's contents (the name is for messages): tests read from memory.
pub fn read_from(mut r: impl BufRead, name: &str, logs: &mut Logs) -> Result<(), LogError> {
    let head = r
        .fill_buf()
        .map_err(|e| LogError::Unreadable {
            file: name.into(),
            message: e.to_string(),
        })?
        .to_vec();
    let text = String::from_utf8_lossy(&head);
    let trimmed = text.trim_start_matches('\u{feff}').trim_start();
    let before = logs.records.len() as u64 + logs.skipped_count;
    let source = match trimmed.chars().next() {
        None => return Err(LogError::Empty(name.into())),
        Some('[') => read_json_array(r, name, logs)?,
        Some('{') if is_json_lines(trimmed) => read_json_lines(r, name, logs)?,
        Some('{') => read_json_document(r, name, logs)?,
        _ => read_csv(r, name, logs)?,
    };
    let rows = logs.records.len() as u64 + logs.skipped_count - before;
    logs.files.push((name.to_string(), source, rows));
    Ok(())
}

/// Whether the text starts with a whole JSON object on its first line followed by another.
fn is_json_lines(text: &str) -> bool {
    let mut lines = text.lines().filter(|l| !l.trim().is_empty());
    let first = lines.next().unwrap_or("");
    serde_json::from_str::<Value>(first).is_ok_and(|v| v.is_object())
        && lines.next().is_some_and(|l| l.trim_start().starts_with('{'))
}

/// The format one row (as a JSON object) is in, from its field names.
fn detect_row(m: &Map<String, Value>) -> Option<Source> {
    let has = |k: &str| m.contains_key(k);
    if has("request_id") && (has("spend") || has("prompt_tokens")) {
        Some(Source::LiteLlmSpendLogs)
    } else if has("api_requests") && has("date") {
        Some(Source::LiteLlmDailySpend)
    } else if has("startTime") && (has("usageDetails") || has("usage") || has("promptTokens") || has("inputUsage")) {
        Some(Source::Langfuse)
    } else if has("num_model_requests") {
        Some(Source::OpenAiUsage)
    } else {
        None
    }
}

fn unknown(name: &str, m: &Map<String, Value>) -> LogError {
    let keys: Vec<&str> = m.keys().map(String::as_str).take(12).collect();
    LogError::UnknownFormat {
        file: name.into(),
        hint: format!("; its first row has the fields {}", keys.join(", ")),
    }
}

/// A JSON array of rows, element by element (bounded memory).
fn read_json_array(r: impl Read, name: &str, logs: &mut Logs) -> Result<Source, LogError> {
    struct Rows<'a> {
        name: &'a str,
        logs: &'a mut Logs,
        source: Option<Source>,
        error: Option<LogError>,
    }
    impl<'de> Visitor<'de> for &mut Rows<'_> {
        type Value = ();
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("an array of log rows")
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
            let mut i = 0usize;
            while let Some(v) = seq.next_element::<Value>()? {
                let at = format!("[{i}]");
                i += 1;
                // OpenAI usage pages may be saved as an array of pages.
                if self.source.is_none() && v.get("object").and_then(Value::as_str) == Some("page") {
                    self.source = Some(Source::OpenAiUsage);
                }
                if self.source == Some(Source::OpenAiUsage) && v.get("results").is_none() {
                    openai_page(&v, self.name, &at, self.logs);
                    continue;
                }
                let Some(m) = v.as_object() else {
                    self.logs.skip(skipped(self.name, &at, "", "not an object"));
                    continue;
                };
                let source = match self.source {
                    Some(s) => s,
                    None => match detect_row(m) {
                        Some(s) => {
                            self.source = Some(s);
                            s
                        }
                        None => {
                            self.error = Some(unknown(self.name, m));
                            return Ok(());
                        }
                    },
                };
                row(source, m, self.name, &at, self.logs);
            }
            Ok(())
        }
    }
    impl<'de> DeserializeSeed<'de> for &mut Rows<'_> {
        type Value = ();
        fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
            d.deserialize_seq(self)
        }
    }
    let mut rows = Rows {
        name,
        logs,
        source: None,
        error: None,
    };
    let mut de = serde_json::Deserializer::from_reader(r);
    (&mut rows).deserialize(&mut de).map_err(|e| syntax(name, &e))?;
    if let Some(e) = rows.error {
        return Err(e);
    }
    rows.source.ok_or_else(|| LogError::Empty(name.into()))
}

fn syntax(name: &str, e: &serde_json::Error) -> LogError {
    LogError::Syntax {
        file: name.into(),
        at: format!("line {}, column {}", e.line(), e.column()),
        message: e.to_string().split(" at line").next().unwrap_or("").to_string(),
    }
}

/// One JSON object per line.
fn read_json_lines(r: impl BufRead, name: &str, logs: &mut Logs) -> Result<Source, LogError> {
    let mut source = None;
    for (n, line) in r.lines().enumerate() {
        let at = format!("line {}", n + 1);
        let line = line.map_err(|e| LogError::Unreadable {
            file: name.into(),
            message: e.to_string(),
        })?;
        if line.trim().is_empty() {
            continue;
        }
        let v: Value = match serde_json::from_str(&line) {
            Ok(v) => v,
            Err(e) => {
                logs.skip(skipped(name, &at, "", &format!("not JSON: {e}")));
                continue;
            }
        };
        let Some(m) = v.as_object() else {
            logs.skip(skipped(name, &at, "", "not an object"));
            continue;
        };
        let s = match source {
            Some(s) => s,
            None => {
                let s = detect_row(m).ok_or_else(|| unknown(name, m))?;
                source = Some(s);
                s
            }
        };
        row(s, m, name, &at, logs);
    }
    source.ok_or_else(|| LogError::Empty(name.into()))
}

/// A whole JSON document: OTLP spans, an OpenAI usage page, or `{data: [rows]}`.
fn read_json_document(mut r: impl Read, name: &str, logs: &mut Logs) -> Result<Source, LogError> {
    // A whole document is parsed at once: from memory, which serde_json reads far faster than
    // through a reader.
    let mut bytes = Vec::new();
    r.read_to_end(&mut bytes).map_err(|e| LogError::Unreadable {
        file: name.into(),
        message: e.to_string(),
    })?;
    let v: Value = serde_json::from_slice(&bytes).map_err(|e| syntax(name, &e))?;
    drop(bytes);
    if v.get("resourceSpans").is_some() {
        otlp(&v, name, logs);
        return Ok(Source::OpenTelemetry);
    }
    if v.get("object").and_then(Value::as_str) == Some("page") {
        openai_page(&v, name, "", logs);
        return Ok(Source::OpenAiUsage);
    }
    let rows = v
        .get("data")
        .and_then(Value::as_array)
        .ok_or_else(|| LogError::UnknownFormat {
            file: name.into(),
            hint: String::new(),
        })?;
    let Some(first) = rows.iter().find_map(Value::as_object) else {
        return Err(LogError::Empty(name.into()));
    };
    let source = detect_row(first).ok_or_else(|| unknown(name, first))?;
    for (i, r) in rows.iter().enumerate() {
        let at = format!("data[{i}]");
        match r.as_object() {
            Some(m) => row(source, m, name, &at, logs),
            None => logs.skip(skipped(name, &at, "", "not an object")),
        }
    }
    Ok(source)
}

/// CSV with a header row; cells holding JSON (metadata, tags, usage details) are parsed.
fn read_csv(r: impl Read, name: &str, logs: &mut Logs) -> Result<Source, LogError> {
    let mut rd = csv::ReaderBuilder::new().flexible(true).from_reader(r);
    let header: Vec<String> = rd
        .headers()
        .map_err(|e| LogError::Syntax {
            file: name.into(),
            at: "line 1".into(),
            message: e.to_string(),
        })?
        .iter()
        .map(|h| h.trim().to_string())
        .collect();
    let probe: Map<String, Value> = header.iter().map(|h| (h.clone(), Value::Null)).collect();
    let source = detect_row(&probe).ok_or_else(|| LogError::UnknownFormat {
        file: name.into(),
        hint: format!(
            "; its header is {}",
            header.iter().take(12).cloned().collect::<Vec<_>>().join(", ")
        ),
    })?;
    for column in required(source) {
        if !header.iter().any(|h| h == column) {
            return Err(LogError::MissingColumn {
                file: name.into(),
                column: column.to_string(),
                format: source.label(),
            });
        }
    }
    let mut rec = csv::StringRecord::new();
    loop {
        match rd.read_record(&mut rec) {
            Ok(false) => break,
            Ok(true) => {
                let line = rec.position().map_or(0, |p| p.line());
                let at = format!("line {line}");
                let m: Map<String, Value> = header
                    .iter()
                    .zip(rec.iter())
                    .filter(|(_, c)| !c.is_empty())
                    .map(|(h, c)| (h.clone(), cell(c)))
                    .collect();
                row(source, &m, name, &at, logs);
            }
            Err(e) => {
                let at = e.position().map_or("".into(), |p| format!("line {}", p.line()));
                logs.skip(skipped(name, &at, "", &e.to_string()));
                if !matches!(
                    e.kind(),
                    csv::ErrorKind::Utf8 { .. } | csv::ErrorKind::UnequalLengths { .. }
                ) {
                    break;
                }
            }
        }
    }
    Ok(source)
}

/// A CSV cell: JSON when it looks like an object or list, else text.
fn cell(c: &str) -> Value {
    let t = c.trim();
    if (t.starts_with('{') || t.starts_with('['))
        && let Ok(v) = serde_json::from_str(t)
    {
        return v;
    }
    Value::String(t.to_string())
}

/// The columns a CSV of each format must have.
fn required(s: Source) -> &'static [&'static str] {
    match s {
        Source::LiteLlmSpendLogs => &["startTime", "model", "prompt_tokens", "completion_tokens"],
        Source::LiteLlmDailySpend => &["date", "model", "api_requests", "prompt_tokens", "completion_tokens"],
        Source::Langfuse => &["startTime"],
        Source::OpenTelemetry | Source::OpenAiUsage => &[],
    }
}

fn skipped(file: &str, at: &str, field: &str, reason: &str) -> Skipped {
    Skipped {
        file: file.into(),
        at: at.into(),
        field: field.into(),
        reason: reason.into(),
    }
}

/// A field's problem: which field, and why.
type FieldError = (String, String);

/// A token count or amount: absent (`None`), or a finite, non-negative number.
fn number(m: &Map<String, Value>, key: &str) -> Result<Option<f64>, FieldError> {
    let bad = |why: String| Err((key.to_string(), why));
    match m.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) => match n.as_f64() {
            Some(x) if x.is_finite() && x >= 0.0 => Ok(Some(x)),
            Some(x) => bad(format!("expected a count of zero or more, found {x}")),
            None => bad("not a number".into()),
        },
        Some(Value::String(s)) if s.trim().is_empty() => Ok(None),
        Some(Value::String(s)) => match s.trim().parse::<f64>() {
            Ok(x) if x.is_finite() && x >= 0.0 => Ok(Some(x)),
            Ok(x) => bad(format!("expected a count of zero or more, found {x}")),
            Err(_) => bad(format!("expected a number, found {s:?}")),
        },
        Some(v) => bad(format!("expected a number, found {v}")),
    }
}

/// The first of `keys` present.
fn number_of(m: &Map<String, Value>, keys: &[&str]) -> Result<Option<f64>, FieldError> {
    for k in keys {
        if let Some(x) = number(m, k)? {
            return Ok(Some(x));
        }
    }
    Ok(None)
}

fn required_number(m: &Map<String, Value>, key: &str) -> Result<f64, FieldError> {
    number(m, key)?.ok_or_else(|| (key.to_string(), "missing".to_string()))
}

/// A timestamp as seconds since 1970 UTC: RFC 3339, a date-time without offset (taken as UTC,
/// `T` or a space between date and time), a date, or a number of seconds, milliseconds,
/// microseconds or nanoseconds since 1970 (by magnitude).
pub fn timestamp(v: &Value) -> Option<f64> {
    match v {
        Value::Number(n) => n.as_f64().and_then(epoch),
        Value::String(s) => parse_time(s),
        _ => None,
    }
}

fn epoch(x: f64) -> Option<f64> {
    if !x.is_finite() || x < 0.0 {
        return None;
    }
    Some(if x < 1e11 {
        x
    } else if x < 1e14 {
        x / 1e3
    } else if x < 1e17 {
        x / 1e6
    } else {
        x / 1e9
    })
}

/// Parses a time written as text (see [`timestamp`]).
pub fn parse_time(s: &str) -> Option<f64> {
    let s = s.trim();
    if s.is_empty() {
        return None;
    }
    if s.bytes().all(|b| b.is_ascii_digit() || b == b'.') {
        return s.parse::<f64>().ok().and_then(epoch);
    }
    let t = s.replacen(' ', "T", 1);
    let t = t.trim_end_matches(" UTC");
    if let Ok(ts) = t.parse::<jiff::Timestamp>() {
        return Some(ts.as_nanosecond() as f64 / 1e9);
    }
    if let Ok(dt) = t.parse::<jiff::civil::DateTime>() {
        return dt
            .to_zoned(jiff::tz::TimeZone::UTC)
            .ok()
            .map(|z| z.timestamp().as_nanosecond() as f64 / 1e9);
    }
    if let Ok(d) = t.parse::<jiff::civil::Date>() {
        return d
            .to_zoned(jiff::tz::TimeZone::UTC)
            .ok()
            .map(|z| z.timestamp().as_nanosecond() as f64 / 1e9);
    }
    None
}

fn time_field(m: &Map<String, Value>, key: &str) -> Result<Option<f64>, FieldError> {
    match m.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if s.trim().is_empty() => Ok(None),
        Some(v) => timestamp(v)
            .map(Some)
            .ok_or_else(|| (key.to_string(), format!("not a time: {v}"))),
    }
}

fn text(m: &Map<String, Value>, key: &str) -> Option<String> {
    match m.get(key)? {
        Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_string()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn boolean(m: &Map<String, Value>, key: &str) -> Option<bool> {
    match m.get(key)? {
        Value::Bool(b) => Some(*b),
        Value::String(s) => match s.trim().to_ascii_lowercase().as_str() {
            "true" | "1" | "yes" => Some(true),
            "false" | "0" | "no" | "none" => Some(false),
            _ => None,
        },
        _ => None,
    }
}

/// The first tag of a list (or of a JSON list written as text).
fn first_tag(v: Option<&Value>) -> Option<String> {
    match v? {
        Value::Array(a) => a.iter().find_map(|t| t.as_str().map(str::to_string)),
        Value::String(s) if !s.trim().is_empty() => Some(s.split(',').next().unwrap_or("").trim().to_string()),
        _ => None,
    }
}

/// Maps one row of `source` to a record, or records why it was skipped.
fn row(source: Source, m: &Map<String, Value>, file: &str, at: &str, logs: &mut Logs) {
    let r = match source {
        Source::LiteLlmSpendLogs => litellm_spend(m),
        Source::LiteLlmDailySpend => litellm_daily(m),
        Source::Langfuse => langfuse(m),
        Source::OpenAiUsage => openai_result(m, None),
        Source::OpenTelemetry => Err(("".into(), "not a span".into())),
    };
    match r {
        Ok(Some(r)) => logs.records.push(r),
        Ok(None) => {}
        Err((field, reason)) => logs.skip(skipped(file, at, &field, &reason)),
    }
}

fn durations(m: &Map<String, Value>, start: f64, r: &mut Record) -> Result<(), FieldError> {
    if let Some(t) = time_field(m, "completionStartTime")?
        && t >= start
    {
        r.ttft_ms = Some((t - start) * 1e3);
    }
    if let Some(t) = time_field(m, "endTime")?
        && t >= start
    {
        r.latency_ms = Some((t - start) * 1e3);
    }
    Ok(())
}

/// A row of LiteLLM's `LiteLLM_SpendLogs`.
fn litellm_spend(m: &Map<String, Value>) -> Result<Option<Record>, FieldError> {
    let start = time_field(m, "startTime")?.ok_or(("startTime".to_string(), "missing".to_string()))?;
    let model = text(m, "model").ok_or(("model".to_string(), "missing".to_string()))?;
    let empty = Map::new();
    let meta = m.get("metadata").and_then(Value::as_object).unwrap_or(&empty);
    let extra = meta
        .get("additional_usage_values")
        .and_then(Value::as_object)
        .unwrap_or(&empty);
    let details = |k: &str, inner: &str| {
        extra
            .get(k)
            .and_then(Value::as_object)
            .map(|d| number(d, inner))
            .transpose()
            .map(Option::flatten)
    };
    let cache_read = match number(extra, "cache_read_input_tokens")? {
        Some(x) => x,
        None => details("prompt_tokens_details", "cached_tokens")?.unwrap_or(0.0),
    };
    let raw = RawUsage {
        input: required_number(m, "prompt_tokens")?,
        cache_read,
        cache_write: number(extra, "cache_creation_input_tokens")?.unwrap_or(0.0),
        output: required_number(m, "completion_tokens")?,
        reasoning: details("completion_tokens_details", "reasoning_tokens")?.unwrap_or(0.0),
    };
    let mut r = Record {
        start_unix_s: start,
        requests: 1.0,
        usage: raw.normalise(TokenConvention::InputIncludesCache),
        model: model.clone(),
        cost_usd: number(m, "spend")?,
        ok: text(m, "status").map(|s| s.eq_ignore_ascii_case("success")),
        cache_hit: boolean(m, "cache_hit"),
        session: text(m, "session_id").or_else(|| text(meta, "trace_id")),
        ..Default::default()
    };
    durations(m, start, &mut r)?;
    r.keys.insert("model", model);
    for (key, field) in [
        ("model_group", "model_group"),
        ("team", "team_id"),
        ("user", "end_user"),
    ] {
        if let Some(v) = text(m, field) {
            r.keys.insert(key, v);
        }
    }
    if !r.keys.contains_key("user")
        && let Some(u) = text(m, "user")
    {
        r.keys.insert("user", u);
    }
    if let Some(t) = first_tag(m.get("request_tags")) {
        r.keys.insert("tag", t);
    }
    Ok(Some(r))
}

/// A row of LiteLLM's daily spend tables (aggregated).
fn litellm_daily(m: &Map<String, Value>) -> Result<Option<Record>, FieldError> {
    let start = time_field(m, "date")?.ok_or(("date".to_string(), "missing".to_string()))?;
    let model = text(m, "model").unwrap_or_else(|| "(unknown)".into());
    let raw = RawUsage {
        input: required_number(m, "prompt_tokens")?,
        cache_read: number(m, "cache_read_input_tokens")?.unwrap_or(0.0),
        cache_write: number(m, "cache_creation_input_tokens")?.unwrap_or(0.0),
        output: required_number(m, "completion_tokens")?,
        reasoning: 0.0,
    };
    let requests = required_number(m, "api_requests")?;
    let mut r = Record {
        start_unix_s: start,
        requests,
        usage: raw.normalise(TokenConvention::InputIncludesCache),
        model: model.clone(),
        cost_usd: number(m, "spend")?,
        ..Default::default()
    };
    r.keys.insert("model", model);
    for (key, field) in [("model_group", "model_group"), ("team", "team_id"), ("user", "user_id")] {
        if let Some(v) = text(m, field) {
            r.keys.insert(key, v);
        }
    }
    Ok(Some(r))
}

/// A Langfuse observation (a generation; spans and events without usage are not LLM calls).
fn langfuse(m: &Map<String, Value>) -> Result<Option<Record>, FieldError> {
    if let Some(t) = text(m, "type")
        && t != "GENERATION"
    {
        return Ok(None);
    }
    let start = time_field(m, "startTime")?.ok_or(("startTime".to_string(), "missing".to_string()))?;
    let empty = Map::new();
    let usage = m
        .get("usageDetails")
        .or_else(|| m.get("usage"))
        .and_then(Value::as_object)
        .unwrap_or(&empty);
    let input = number_of(usage, &["input", "promptTokens"])?.or(number_of(m, &["promptTokens", "inputUsage"])?);
    let output =
        number_of(usage, &["output", "completionTokens"])?.or(number_of(m, &["completionTokens", "outputUsage"])?);
    let input = input.ok_or(("usageDetails.input".to_string(), "missing".to_string()))?;
    let raw = RawUsage {
        input,
        cache_read: number_of(
            usage,
            &["input_cached_tokens", "cache_read_input_tokens", "input_cache_read"],
        )?
        .unwrap_or(0.0),
        cache_write: number_of(usage, &["cache_creation_input_tokens", "input_cache_creation"])?.unwrap_or(0.0),
        output: output.ok_or(("usageDetails.output".to_string(), "missing".to_string()))?,
        reasoning: number_of(
            usage,
            &["output_reasoning_tokens", "reasoning_tokens", "output_reasoning"],
        )?
        .unwrap_or(0.0),
    };
    let cost = match number_of(m, &["totalCost", "calculatedTotalCost"])? {
        Some(c) => Some(c),
        None => m
            .get("costDetails")
            .and_then(Value::as_object)
            .map(|c| number(c, "total"))
            .transpose()?
            .flatten(),
    };
    let model = text(m, "model")
        .or_else(|| text(m, "providedModelName"))
        .unwrap_or_else(|| "(unknown)".into());
    let mut r = Record {
        start_unix_s: start,
        requests: 1.0,
        usage: raw.normalise(TokenConvention::InputExcludesCache),
        model: model.clone(),
        cost_usd: cost,
        ok: text(m, "level").map(|l| l != "ERROR"),
        session: text(m, "traceId").or_else(|| text(m, "sessionId")),
        ..Default::default()
    };
    durations(m, start, &mut r)?;
    if r.latency_ms.is_none()
        && let Some(s) = number(m, "latency")?
    {
        r.latency_ms = Some(s * 1e3);
    }
    r.keys.insert("model", model);
    if let Some(v) = text(m, "traceName").or_else(|| text(m, "name")) {
        r.keys.insert("trace_name", v);
    }
    if let Some(v) = text(m, "userId") {
        r.keys.insert("user", v);
    }
    if let Some(t) = first_tag(m.get("traceTags").or_else(|| m.get("tags"))) {
        r.keys.insert("tag", t);
    }
    Ok(Some(r))
}

/// One bucket of an OpenAI usage page: `{start_time, results: [...]}`.
fn openai_page(v: &Value, file: &str, at: &str, logs: &mut Logs) {
    let buckets = v
        .get("data")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or(&[]);
    for (i, b) in buckets.iter().enumerate() {
        let day = b.get("start_time").and_then(timestamp);
        for (j, r) in b
            .get("results")
            .and_then(Value::as_array)
            .map(Vec::as_slice)
            .unwrap_or(&[])
            .iter()
            .enumerate()
        {
            let here = format!("{at}data[{i}].results[{j}]");
            let rec = match (r.as_object(), day) {
                (Some(m), Some(_)) => openai_result(m, day),
                (_, None) => Err(("start_time".into(), "missing or not a time".into())),
                (None, _) => Err(("".into(), "not an object".into())),
            };
            match rec {
                Ok(Some(rec)) => logs.records.push(rec),
                Ok(None) => {}
                Err((field, reason)) => logs.skip(skipped(file, &here, &field, &reason)),
            }
        }
    }
}

/// One result of an OpenAI usage bucket (aggregated over its day).
fn openai_result(m: &Map<String, Value>, day: Option<f64>) -> Result<Option<Record>, FieldError> {
    let start = match day {
        Some(d) => d,
        None => time_field(m, "start_time")?.ok_or(("start_time".to_string(), "missing".to_string()))?,
    };
    let raw = RawUsage {
        input: required_number(m, "input_tokens")?,
        cache_read: number(m, "input_cached_tokens")?.unwrap_or(0.0),
        cache_write: number(m, "input_cache_write_tokens")?.unwrap_or(0.0),
        output: required_number(m, "output_tokens")?,
        reasoning: 0.0,
    };
    let model = text(m, "model").unwrap_or_else(|| "(all models)".into());
    let mut r = Record {
        start_unix_s: start,
        requests: required_number(m, "num_model_requests")?,
        usage: raw.normalise(TokenConvention::InputIncludesCache),
        model: model.clone(),
        ..Default::default()
    };
    r.keys.insert("model", model);
    if let Some(p) = text(m, "project_id") {
        r.keys.insert("project", p);
    }
    Ok(Some(r))
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
fn otlp(v: &Value, file: &str, logs: &mut Logs) {
    fn list<'v>(v: &'v Value, k: &str) -> &'v [Value] {
        v.get(k).and_then(Value::as_array).map_or(&[], Vec::as_slice)
    }
    for (i, rs) in list(v, "resourceSpans").iter().enumerate() {
        for (j, ss) in list(rs, "scopeSpans").iter().enumerate() {
            for (k, span) in list(ss, "spans").iter().enumerate() {
                let at = format!("resourceSpans[{i}].scopeSpans[{j}].spans[{k}]");
                match otlp_span(span) {
                    Ok(Some(r)) => logs.records.push(r),
                    Ok(None) => {}
                    Err((field, reason)) => logs.skip(skipped(file, &at, &field, &reason)),
                }
            }
        }
    }
}

fn otlp_span(span: &Value) -> Result<Option<Record>, FieldError> {
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
    let (Some(input), Some(output)) = (input, output) else {
        return Ok(None);
    };
    let start = span
        .get("startTimeUnixNano")
        .and_then(timestamp)
        .ok_or(("startTimeUnixNano".to_string(), "missing or not a time".to_string()))?;
    let raw = RawUsage {
        input,
        cache_read: number_of(
            &a,
            &[
                "gen_ai.usage.cache_read.input_tokens",
                "llm.token_count.prompt_details.cache_read",
            ],
        )?
        .unwrap_or(0.0),
        cache_write: number_of(
            &a,
            &[
                "gen_ai.usage.cache_creation.input_tokens",
                "llm.token_count.prompt_details.cache_write",
            ],
        )?
        .unwrap_or(0.0),
        output,
        reasoning: number_of(
            &a,
            &[
                "gen_ai.usage.reasoning.output_tokens",
                "llm.token_count.completion_details.reasoning",
            ],
        )?
        .unwrap_or(0.0),
    };
    let model = text(&a, "gen_ai.response.model")
        .or_else(|| text(&a, "gen_ai.request.model"))
        .or_else(|| text(&a, "llm.model_name"))
        .unwrap_or_else(|| "(unknown)".into());
    let mut r = Record {
        start_unix_s: start,
        requests: 1.0,
        usage: raw.normalise(TokenConvention::InputIncludesCache),
        model: model.clone(),
        ok: span
            .get("status")
            .and_then(|s| s.get("code"))
            .map(|c| c != &Value::from(2) && c.as_str() != Some("STATUS_CODE_ERROR")),
        session: span.get("traceId").and_then(Value::as_str).map(str::to_string),
        ..Default::default()
    };
    if let Some(end) = span.get("endTimeUnixNano").and_then(timestamp)
        && end >= start
    {
        r.latency_ms = Some((end - start) * 1e3);
    }
    r.keys.insert("model", model);
    if let Some(u) = text(&a, "user.id").or_else(|| text(&a, "enduser.id")) {
        r.keys.insert("user", u);
    }
    if let Some(t) = first_tag(a.get("tag.tags")) {
        r.keys.insert("tag", t);
    }
    Ok(Some(r))
}
