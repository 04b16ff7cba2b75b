//! Reading log files by content, streamed: CSV row by row, JSON Lines line by line, and a JSON
//! array element by element; each row mapped to a [`Record`] by its format's field names, and
//! every row that cannot be used counted and listed with its line (or JSON path) and field.

mod formats;

use formats::{langfuse, litellm_daily, litellm_spend, openai_page, openai_result, otlp};
use std::io::{BufRead, BufReader, Read};
use std::path::Path;

use serde::de::{DeserializeSeed, SeqAccess, Visitor};
use serde_json::{Map, Value};

use std::collections::HashMap;

use super::{Interner, LogError, Logs, MAX_LOG_ROWS, RawUsage, Record, Skipped, Source, TokenConvention, session_hash};

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
                if self.logs.records.len() >= MAX_LOG_ROWS {
                    self.error = Some(LogError::TooManyRows { file: self.name.into() });
                    return Ok(());
                }
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
    // A row that stopped the reading (unknown format, too many rows) says why, not the parser.
    let parsed = (&mut rows).deserialize(&mut de);
    if let Some(e) = rows.error {
        return Err(e);
    }
    parsed.map_err(|e| syntax(name, &e))?;
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
        if logs.records.len() >= MAX_LOG_ROWS {
            return Err(LogError::TooManyRows { file: name.into() });
        }
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
    let index: HashMap<&str, usize> = header.iter().enumerate().map(|(i, h)| (h.as_str(), i)).collect();
    let mut rec = csv::StringRecord::new();
    loop {
        match rd.read_record(&mut rec) {
            Ok(false) => break,
            Ok(true) => {
                if logs.records.len() >= MAX_LOG_ROWS {
                    return Err(LogError::TooManyRows { file: name.into() });
                }
                let line = rec.position().map_or(0, |p| p.line());
                let at = format!("line {line}");
                row(
                    source,
                    &CsvRow {
                        index: &index,
                        rec: &rec,
                    },
                    name,
                    &at,
                    logs,
                );
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

/// One field of a row: text (a CSV cell or a JSON string), or another JSON value.
#[derive(Clone, Copy)]
enum Field<'a> {
    Text(&'a str),
    Json(&'a Value),
}

/// A row whose fields are looked up by name: a JSON object, or a CSV record by its header.
trait Row {
    fn field(&self, key: &str) -> Option<Field<'_>>;
}

impl Row for Map<String, Value> {
    fn field(&self, key: &str) -> Option<Field<'_>> {
        match self.get(key)? {
            Value::Null => None,
            // Text is text, whether a CSV cell or a JSON string.
            Value::String(s) => Some(Field::Text(s)),
            v => Some(Field::Json(v)),
        }
    }
}

/// A CSV record with its header's column positions.
struct CsvRow<'a> {
    index: &'a HashMap<&'a str, usize>,
    rec: &'a csv::StringRecord,
}

impl Row for CsvRow<'_> {
    fn field(&self, key: &str) -> Option<Field<'_>> {
        let c = self.rec.get(*self.index.get(key)?)?.trim();
        (!c.is_empty()).then_some(Field::Text(c))
    }
}

/// A number written as text: a finite count of zero or more.
fn count_text(key: &str, s: &str) -> Result<Option<f64>, FieldError> {
    let t = s.trim();
    if t.is_empty() {
        return Ok(None);
    }
    match t.parse::<f64>() {
        Ok(x) if x.is_finite() && x >= 0.0 => Ok(Some(x)),
        Ok(x) => Err((key.to_string(), format!("expected a count of zero or more, found {x}"))),
        Err(_) => Err((key.to_string(), format!("expected a number, found {s:?}"))),
    }
}

/// A token count or amount: absent (`None`), or a finite, non-negative number.
fn number<R: Row + ?Sized>(r: &R, key: &str) -> Result<Option<f64>, FieldError> {
    match r.field(key) {
        None => Ok(None),
        Some(Field::Text(s)) => count_text(key, s),
        Some(Field::Json(Value::Number(n))) => match n.as_f64() {
            Some(x) if x.is_finite() && x >= 0.0 => Ok(Some(x)),
            Some(x) => Err((key.to_string(), format!("expected a count of zero or more, found {x}"))),
            None => Err((key.to_string(), "not a number".into())),
        },
        Some(Field::Json(v)) => Err((key.to_string(), format!("expected a number, found {v}"))),
    }
}

/// The first of `keys` present.
fn number_of<R: Row + ?Sized>(r: &R, keys: &[&str]) -> Result<Option<f64>, FieldError> {
    for k in keys {
        if let Some(x) = number(r, k)? {
            return Ok(Some(x));
        }
    }
    Ok(None)
}

fn required_number<R: Row + ?Sized>(r: &R, key: &str) -> Result<f64, FieldError> {
    number(r, key)?.ok_or_else(|| (key.to_string(), "missing".to_string()))
}

fn time_field<R: Row + ?Sized>(r: &R, key: &str) -> Result<Option<f64>, FieldError> {
    let t = match r.field(key) {
        None => return Ok(None),
        Some(Field::Text(s)) if s.trim().is_empty() => return Ok(None),
        Some(Field::Text(s)) => parse_time(s),
        Some(Field::Json(v)) => timestamp(v),
    };
    t.map(Some).ok_or_else(|| {
        let shown = match r.field(key) {
            Some(Field::Text(s)) => format!("{s:?}"),
            Some(Field::Json(v)) => v.to_string(),
            None => String::new(),
        };
        (key.to_string(), format!("not a time: {shown}"))
    })
}

fn text<'a, R: Row + ?Sized>(r: &'a R, key: &str) -> Option<std::borrow::Cow<'a, str>> {
    match r.field(key)? {
        Field::Text(s) if !s.trim().is_empty() => Some(s.trim().into()),
        Field::Json(Value::Number(n)) => Some(n.to_string().into()),
        _ => None,
    }
}

fn boolean<R: Row + ?Sized>(r: &R, key: &str) -> Option<bool> {
    match r.field(key)? {
        Field::Json(Value::Bool(b)) => Some(*b),
        Field::Text(s) => match s.trim().to_ascii_lowercase().as_str() {
            "true" | "1" | "yes" => Some(true),
            "false" | "0" | "no" | "none" => Some(false),
            _ => None,
        },
        _ => None,
    }
}

/// A nested object: a JSON object, or JSON written in a CSV cell.
fn object<'a, R: Row + ?Sized>(r: &'a R, key: &str) -> Option<std::borrow::Cow<'a, Map<String, Value>>> {
    match r.field(key)? {
        Field::Json(Value::Object(m)) => Some(std::borrow::Cow::Borrowed(m)),
        Field::Text(s) if s.trim_start().starts_with('{') => serde_json::from_str(s).ok().map(std::borrow::Cow::Owned),
        _ => None,
    }
}

/// The first tag of a list (a JSON list, one written as text, or comma-separated text).
fn first_tag<R: Row + ?Sized>(r: &R, key: &str) -> Option<String> {
    let from = |a: &[Value]| a.iter().find_map(|t| t.as_str().map(str::to_string));
    match r.field(key)? {
        Field::Json(Value::Array(a)) => from(a),
        Field::Text(s) if s.trim_start().starts_with('[') => {
            serde_json::from_str::<Vec<Value>>(s).ok().and_then(|a| from(&a))
        }
        Field::Text(s) => Some(s.split(',').next().unwrap_or("").trim().to_string()).filter(|t| !t.is_empty()),
        _ => None,
    }
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

/// The earliest and latest times a log row may have: 1990-01-01 and 2200-01-01 UTC (anything
/// outside is a unit mix-up or a corrupt field).
pub const TIME_RANGE_UNIX_S: (f64, f64) = (631_152_000.0, 7_258_118_400.0);

fn in_range(t: f64) -> Option<f64> {
    (TIME_RANGE_UNIX_S.0..=TIME_RANGE_UNIX_S.1).contains(&t).then_some(t)
}

fn epoch(x: f64) -> Option<f64> {
    if !x.is_finite() || x < 0.0 {
        return None;
    }
    in_range(if x < 1e11 {
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
    let secs = |ts: jiff::Timestamp| in_range(ts.as_nanosecond() as f64 / 1e9);
    if let Ok(ts) = t.parse::<jiff::Timestamp>() {
        return secs(ts);
    }
    if let Ok(dt) = t.parse::<jiff::civil::DateTime>() {
        return dt
            .to_zoned(jiff::tz::TimeZone::UTC)
            .ok()
            .and_then(|z| secs(z.timestamp()));
    }
    if let Ok(d) = t.parse::<jiff::civil::Date>() {
        return d
            .to_zoned(jiff::tz::TimeZone::UTC)
            .ok()
            .and_then(|z| secs(z.timestamp()));
    }
    None
}

/// Maps one row of `source` to a record, or records why it was skipped.
fn row<R: Row + ?Sized>(source: Source, r: &R, file: &str, at: &str, logs: &mut Logs) {
    let rec = match source {
        Source::LiteLlmSpendLogs => litellm_spend(r, &mut logs.symbols),
        Source::LiteLlmDailySpend => litellm_daily(r, &mut logs.symbols),
        Source::Langfuse => langfuse(r, &mut logs.symbols),
        Source::OpenAiUsage => openai_result(r, None, &mut logs.symbols),
        Source::OpenTelemetry => Err(("".into(), "not a span".into())),
    };
    // Costs in another currency are not US dollars: named and left out.
    let currency = text(r, "currency")
        .filter(|c| !c.eq_ignore_ascii_case("usd"))
        .map(|c| c.to_uppercase());
    let kept = keep(logs, file, at, rec)
        .map(|rec| {
            if currency.is_some() {
                rec.cost_usd = None;
            }
        })
        .is_some();
    if kept && let Some(c) = currency {
        *logs.other_currencies.entry(c).or_default() += 1;
    }
}

/// Keeps a mapped row when its counts are within bounds (the kept record, to amend), or records
/// why it was skipped.
fn keep<'a>(
    logs: &'a mut Logs,
    file: &str,
    at: &str,
    rec: Result<Option<Record>, FieldError>,
) -> Option<&'a mut Record> {
    match bounded(rec) {
        Ok(Some(rec)) => {
            logs.records.push(rec);
            logs.records.last_mut()
        }
        Ok(None) => None,
        Err((field, reason)) => {
            logs.skip(skipped(file, at, &field, &reason));
            None
        }
    }
}

/// Sets the group key `key` of `rec` to `value` (interned).
fn set_key(rec: &mut Record, sy: &mut Interner, key: &str, value: Option<&str>) {
    if let (Some(i), Some(v)) = (super::key_index(key), value.filter(|v| !v.is_empty())) {
        rec.keys[i] = Some(sy.intern(v));
    }
}

/// The most requests one aggregated row may stand for, and the most tokens of one kind a request
/// may have (CostPlan's own bounds, `model::limits`).
const MAX_ROW_REQUESTS: f64 = crate::model::limits::MAX_REQUESTS_PER_DAY;

/// Checks a row's counts against CostPlan's bounds.
fn check_bounds(requests: f64, usage: &super::Usage, cost: Option<f64>) -> Result<(), FieldError> {
    if requests > MAX_ROW_REQUESTS {
        return Err((
            "requests".into(),
            format!("{requests} requests in one row is above the limit of {MAX_ROW_REQUESTS}"),
        ));
    }
    let per = requests.max(1.0);
    let max = crate::model::limits::MAX_TOKENS_PER_REQUEST;
    for (field, v) in [
        ("prompt tokens", usage.prompt_tokens),
        ("output tokens", usage.output_tokens),
        ("reasoning tokens", usage.reasoning_tokens),
    ] {
        if v / per > max {
            return Err((
                field.into(),
                format!("{} per request is above the limit of {max}", v / per),
            ));
        }
    }
    if let Some(c) = cost
        && c / per > crate::model::limits::MAX_COST_PER_REQUEST_USD
    {
        return Err((
            "cost".into(),
            format!(
                "${} per request is above the limit of ${}",
                c / per,
                crate::model::limits::MAX_COST_PER_REQUEST_USD
            ),
        ));
    }
    Ok(())
}

/// A mapped row, refused when its counts are out of bounds.
fn bounded(rec: Result<Option<Record>, FieldError>) -> Result<Option<Record>, FieldError> {
    match rec? {
        Some(r) => check_bounds(r.requests, &r.usage, r.cost_usd).map(|()| Some(r)),
        None => Ok(None),
    }
}

/// A record with its start, model and usage; the rest filled by the caller.
fn record(start: f64, requests: f64, usage: super::Usage, model: &str, sy: &mut Interner) -> Record {
    let model = sy.intern(model);
    let mut keys = [None; 7];
    keys[6] = Some(model);
    Record {
        start_unix_s: start,
        requests,
        usage,
        model,
        keys,
        ..Default::default()
    }
}

fn durations<R: Row + ?Sized>(r: &R, start: f64, rec: &mut Record) -> Result<(), FieldError> {
    if let Some(t) = time_field(r, "completionStartTime")?
        && t >= start
    {
        rec.ttft_ms = Some(((t - start) * 1e3) as f32);
    }
    if let Some(t) = time_field(r, "endTime")?
        && t >= start
    {
        rec.latency_ms = Some(((t - start) * 1e3) as f32);
    }
    Ok(())
}

fn missing(key: &str) -> FieldError {
    (key.to_string(), "missing".to_string())
}
