//! Reading log files by content, streamed: CSV row by row, JSON Lines line by line, and a JSON
//! array element by element; each row mapped to a [`Record`] by its format's field names, and
//! every row that cannot be used counted and listed with its line (or JSON path) and field.

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

/// A row of LiteLLM's `LiteLLM_SpendLogs`.
fn litellm_spend<R: Row + ?Sized>(r: &R, sy: &mut Interner) -> Result<Option<Record>, FieldError> {
    let start = time_field(r, "startTime")?.ok_or_else(|| missing("startTime"))?;
    let model = text(r, "model").ok_or_else(|| missing("model"))?;
    let meta = object(r, "metadata");
    let extra: Option<&Map<String, Value>> = meta
        .as_deref()
        .and_then(|m| m.get("additional_usage_values"))
        .and_then(Value::as_object);
    let empty = Map::new();
    let extra = extra.unwrap_or(&empty);
    let details = |k: &str, inner: &str| match extra.get(k).and_then(Value::as_object) {
        Some(d) => number(d, inner),
        None => Ok(None),
    };
    let cache_read = match number(extra, "cache_read_input_tokens")? {
        Some(x) => x,
        None => details("prompt_tokens_details", "cached_tokens")?.unwrap_or(0.0),
    };
    let raw = RawUsage {
        input: required_number(r, "prompt_tokens")?,
        cache_read,
        cache_write: number(extra, "cache_creation_input_tokens")?.unwrap_or(0.0),
        output: required_number(r, "completion_tokens")?,
        reasoning: details("completion_tokens_details", "reasoning_tokens")?.unwrap_or(0.0),
    };
    let mut rec = record(
        start,
        1.0,
        raw.normalise(TokenConvention::InputIncludesCache),
        &model,
        sy,
    );
    rec.cost_usd = number(r, "spend")?;
    rec.ok = text(r, "status").map(|s| s.eq_ignore_ascii_case("success"));
    rec.cache_hit = boolean(r, "cache_hit");
    rec.session = text(r, "session_id").map(|s| session_hash(&s)).or_else(|| {
        meta.as_deref()
            .and_then(|m| text(m, "trace_id"))
            .map(|s| session_hash(&s))
    });
    durations(r, start, &mut rec)?;
    set_key(&mut rec, sy, "model_group", text(r, "model_group").as_deref());
    set_key(&mut rec, sy, "team", text(r, "team_id").as_deref());
    set_key(
        &mut rec,
        sy,
        "user",
        text(r, "end_user").or_else(|| text(r, "user")).as_deref(),
    );
    set_key(&mut rec, sy, "tag", first_tag(r, "request_tags").as_deref());
    Ok(Some(rec))
}

/// A row of LiteLLM's daily spend tables (aggregated).
fn litellm_daily<R: Row + ?Sized>(r: &R, sy: &mut Interner) -> Result<Option<Record>, FieldError> {
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
    set_key(&mut rec, sy, "team", text(r, "team_id").as_deref());
    set_key(&mut rec, sy, "user", text(r, "user_id").as_deref());
    Ok(Some(rec))
}

/// A Langfuse observation (a generation; spans and events without usage are not LLM calls).
fn langfuse<R: Row + ?Sized>(r: &R, sy: &mut Interner) -> Result<Option<Record>, FieldError> {
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
    durations(r, start, &mut rec)?;
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

/// One bucket of an OpenAI usage page: `{start_time, results: [...]}`.
fn openai_page(v: &Value, file: &str, at: &str, logs: &mut Logs) {
    let buckets = v
        .get("data")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or(&[]);
    for (i, b) in buckets.iter().enumerate() {
        let day = b.get("start_time").and_then(timestamp);
        let results = b
            .get("results")
            .and_then(Value::as_array)
            .map(Vec::as_slice)
            .unwrap_or(&[]);
        for (j, r) in results.iter().enumerate() {
            let here = format!("{at}data[{i}].results[{j}]");
            let rec = match (r.as_object(), day) {
                (Some(m), Some(_)) => openai_result(m, day, &mut logs.symbols),
                (_, None) => Err(("start_time".into(), "missing or not a time".into())),
                (None, _) => Err(("".into(), "not an object".into())),
            };
            keep(logs, file, &here, rec);
        }
    }
}

/// One result of an OpenAI usage bucket (aggregated over its day).
fn openai_result<R: Row + ?Sized>(r: &R, day: Option<f64>, sy: &mut Interner) -> Result<Option<Record>, FieldError> {
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
fn otlp(v: &Value, file: &str, logs: &mut Logs) {
    fn list<'v>(v: &'v Value, k: &str) -> &'v [Value] {
        v.get(k).and_then(Value::as_array).map_or(&[], Vec::as_slice)
    }
    for (i, rs) in list(v, "resourceSpans").iter().enumerate() {
        for (j, ss) in list(rs, "scopeSpans").iter().enumerate() {
            for (k, span) in list(ss, "spans").iter().enumerate() {
                let at = format!("resourceSpans[{i}].scopeSpans[{j}].spans[{k}]");
                let rec = otlp_span(span, &mut logs.symbols);
                keep(logs, file, &at, rec);
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
            "gen_ai.usage.cache_read.input_tokens",
            "llm.token_count.prompt_details.cache_read",
        ])?,
        cache_write: or_zero(&[
            "gen_ai.usage.cache_creation.input_tokens",
            "llm.token_count.prompt_details.cache_write",
        ])?,
        output,
        reasoning: or_zero(&[
            "gen_ai.usage.reasoning.output_tokens",
            "llm.token_count.completion_details.reasoning",
        ])?,
    })
}

fn otlp_span(span: &Value, sy: &mut Interner) -> Result<Option<Record>, FieldError> {
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
        .ok_or_else(|| ("startTimeUnixNano".to_string(), "missing or not a time".to_string()))?;
    let raw = otlp_usage(&a, input, output)?;
    let model = text(&a, "gen_ai.response.model")
        .or_else(|| text(&a, "gen_ai.request.model"))
        .or_else(|| text(&a, "llm.model_name"))
        .unwrap_or_else(|| "(unknown)".into());
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
        text(&a, "user.id").or_else(|| text(&a, "enduser.id")).as_deref(),
    );
    set_key(&mut rec, sy, "tag", first_tag(&a, "tag.tags").as_deref());
    Ok(Some(rec))
}
