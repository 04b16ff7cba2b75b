//! Reading log files by content, streamed: CSV row by row, JSON Lines line by line, and a JSON
//! array element by element; each row mapped to a [`Record`] by its format's field names, and
//! every row that cannot be used counted and listed with its line (or JSON path) and field.

mod formats;
mod json;
mod parquet;
pub mod postgres;
pub mod watch;

use formats::{langfuse, litellm_daily, litellm_payload, litellm_spend, openai_result};
use std::io::{BufRead, BufReader, Read};
use std::path::Path;

use watch::{ReadControl, ReadProgress};

use serde_json::{Map, Value};

use std::collections::HashMap;

use super::{
    Adjustment, Interner, LogError, Logs, MAX_LOG_ROWS, RawUsage, Record, Skipped, Source, TokenConvention,
    session_hash,
};

/// A file whose rows, estimated from its first megabyte, pass this many times the row bound is
/// refused before it is read (the estimate is rough; the bound itself is checked row by row).
const ESTIMATE_MARGIN: f64 = 2.0;

/// The most rows LiteLLM's legacy `/spend/logs` endpoint returns: an export of exactly this many
/// is likely cut short.
pub const LITELLM_LEGACY_ROW_CAP: u64 = 10_000;

/// Reads every file into one set of records.
pub fn read_files(paths: &[&Path]) -> Result<Logs, LogError> {
    read_sources(paths, &postgres::DbQuery::default(), &ReadControl::none())
}

/// Reads every source — files, or databases named by a `postgresql://` address (read with `q`)
/// — into one set of records. `ctl` hears how the read goes (every few megabytes) and stops it
/// ([`LogError::Stopped`], nothing kept).
pub fn read_sources(paths: &[&Path], q: &postgres::DbQuery, ctl: &ReadControl) -> Result<Logs, LogError> {
    let mut logs = Logs::default();
    // The files' sizes give the share read (a database's share comes from its estimate).
    let total_bytes: Option<u64> = paths
        .iter()
        .map(|p| match p.to_str().filter(|s| postgres::is_database(s)) {
            Some(_) => None,
            None => std::fs::metadata(p).ok().map(|m| m.len()),
        })
        .sum();
    let seen = std::cell::Cell::new(ReadProgress {
        total_bytes,
        ..ReadProgress::default()
    });
    for p in paths {
        let read = match p.to_str().filter(|s| postgres::is_database(s)) {
            Some(url) => postgres::read_database(url, q, &mut logs, &seen, ctl),
            None => read_file_watched(p, &mut logs, &seen, ctl),
        };
        if ctl.stopped() {
            return Err(LogError::Stopped {
                rows: logs.records.len() as u64,
            });
        }
        read?;
    }
    (ctl.progress)(seen.get());
    if logs.records.is_empty() {
        let names: Vec<String> = paths
            .iter()
            .map(|p| {
                let s = p.display().to_string();
                if postgres::is_database(&s) {
                    postgres::redact(&s)
                } else {
                    s
                }
            })
            .collect();
        return Err(LogError::Empty(names.join(", ")));
    }
    Ok(logs)
}

/// Reads one file, recognising its format by content.
pub fn read_file(path: &Path, logs: &mut Logs) -> Result<(), LogError> {
    read_file_watched(path, logs, &std::cell::Cell::default(), &ReadControl::none())
}

/// [`read_file`], its bytes counted into `seen` and told to `ctl`, which may stop it.
fn read_file_watched(
    path: &Path,
    logs: &mut Logs,
    seen: &std::cell::Cell<ReadProgress>,
    ctl: &ReadControl,
) -> Result<(), LogError> {
    let name = path.display().to_string();
    let unreadable = |e: std::io::Error| LogError::Unreadable {
        file: name.clone(),
        message: e.to_string(),
    };
    let meta = std::fs::metadata(path).map_err(unreadable)?;
    let seen_before = seen.get();
    if !meta.is_file() {
        return Err(LogError::Unreadable {
            file: name,
            message: "not a regular file".into(),
        });
    }
    let f = std::fs::File::open(path).map_err(unreadable)?;
    let mut r = BufReader::with_capacity(1 << 20, watch::Watched::new(f, seen, ctl));
    // Files are bounded by rows, not bytes (a LiteLLM row is ~13 KB, an aggregated row 100 B):
    // a file far beyond the bound is refused from its first megabyte, not after minutes.
    let head = r.fill_buf().map_err(unreadable)?;
    if head.starts_with(parquet::MAGIC) {
        // Parquet counts its own progress (by rows), not the bytes of the peek at its head.
        seen.set(seen_before);
        let before = logs.records.len() as u64 + logs.skipped_count;
        let source = parquet::read_parquet(path, &name, logs, seen, ctl)?;
        let rows = logs.records.len() as u64 + logs.skipped_count - before;
        logs.files.push((name, source, rows));
        return Ok(());
    }
    if let Some(rows) = estimated_rows(head, meta.len())
        && rows + logs.records.len() as f64 > ESTIMATE_MARGIN * MAX_LOG_ROWS as f64
    {
        return Err(LogError::FarTooManyRows {
            file: name,
            estimated: rows,
            bytes_per_row: meta.len() as f64 / rows,
        });
    }
    read_from(r, &name, logs)
}

/// The rows of a line-per-row file estimated from its first bytes (`None` when they hold too
/// few lines to tell, as a one-line JSON document does).
fn estimated_rows(head: &[u8], file_bytes: u64) -> Option<f64> {
    let lines = head.iter().filter(|&&b| b == b'\n').count();
    (lines >= 100 && (head.len() as u64) < file_bytes).then(|| file_bytes as f64 * lines as f64 / head.len() as f64)
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
    // A byte-order mark (what Windows tools write first) is not part of the data.
    const BOM: &[u8] = b"\xEF\xBB\xBF";
    let head = match head.strip_prefix(BOM) {
        Some(rest) => {
            r.consume(BOM.len());
            rest.to_vec()
        }
        None => head,
    };
    let text = String::from_utf8_lossy(&head);
    let trimmed = text.trim_start();
    let before = logs.records.len() as u64 + logs.skipped_count;
    let source = match trimmed.chars().next() {
        None => return Err(LogError::Empty(name.into())),
        Some('{') if json::is_json_lines(trimmed) => json::read_lines(r, name, logs)?,
        Some('[' | '{') => json::read_values(r, name, logs)?,
        _ => read_csv(r, name, logs)?,
    };
    let rows = logs.records.len() as u64 + logs.skipped_count - before;
    if source == Source::LiteLlmSpendLogs && rows == LITELLM_LEGACY_ROW_CAP {
        logs.notes.push(format!(
            "{name}: exactly {LITELLM_LEGACY_ROW_CAP} rows, the most LiteLLM's legacy /spend/logs returns: the export is likely cut short, and the fit covers only these rows (use /spend/logs/v2 page by page, or export the LiteLLM_SpendLogs table)"
        ));
    }
    logs.files.push((name.to_string(), source, rows));
    Ok(())
}

/// The format one row (as a JSON object or a CSV header) is in, from its field names.
fn detect_row(m: &Map<String, Value>) -> Option<Source> {
    let has = |k: &str| m.contains_key(k);
    if has("request_id") && (has("spend") || has("prompt_tokens")) {
        Some(Source::LiteLlmSpendLogs)
    } else if has("response_cost") && has("startTime") && has("prompt_tokens") {
        Some(Source::LiteLlmPayload)
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

/// The error for rows of no known format, with what they look like and, where they are a
/// known export without the fields a fit needs, how to ask for them.
fn unknown(name: &str, m: &Map<String, Value>) -> LogError {
    let has = |k: &str| m.contains_key(k);
    let hint = if has("startTime") && has("spend") && has("models") && has("users") {
        "; these are the summaries LiteLLM's /spend/logs returns by default (spend by day, no tokens): \
         ask for the rows with `summarize=false` (or use /spend/logs/v2), or export the LiteLLM_SpendLogs table"
            .to_string()
    } else if has("startTime") && has("traceId") && has("type") {
        "; these look like Langfuse observations without usage fields: the v2 observations API returns \
         them only when asked — add `fields=core,basic,usage` (and `model` for the model name) to the request"
            .to_string()
    } else {
        let keys: Vec<&str> = m.keys().map(String::as_str).take(12).collect();
        format!("; its first row has the fields {}", keys.join(", "))
    };
    LogError::UnknownFormat {
        file: name.into(),
        hint,
    }
}

/// CSV with a header row; cells holding JSON (metadata, tags, usage details) are parsed.
pub(super) fn read_csv(r: impl Read, name: &str, logs: &mut Logs) -> Result<Source, LogError> {
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
            // A file (or a database's stream) that cannot be read on is no short file.
            Err(e) if matches!(e.kind(), csv::ErrorKind::Io(_)) => {
                let at = e.position().map_or(String::new(), |p| format!(" at line {}", p.line()));
                return Err(LogError::Unreadable {
                    file: name.into(),
                    message: format!("reading stopped{at}: {e}"),
                });
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
        Source::LiteLlmPayload => &["startTime", "model", "prompt_tokens", "completion_tokens"],
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
    let kept = map_row(logs, file, at, |cx| match source {
        Source::LiteLlmSpendLogs => litellm_spend(r, cx),
        Source::LiteLlmPayload => litellm_payload(r, cx),
        Source::LiteLlmDailySpend => litellm_daily(r, cx),
        Source::Langfuse => langfuse(r, cx),
        Source::OpenAiUsage => openai_result(r, None, cx),
        Source::OpenTelemetry => Err(("".into(), "not a span".into())),
    });
    // Costs in another currency are not US dollars: named and left out.
    let currency = text(r, "currency")
        .filter(|c| !c.eq_ignore_ascii_case("usd"))
        .map(|c| c.to_uppercase());
    let kept = kept
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

/// What a row reader writes to besides its record: the interned strings, and what it adjusted.
pub(super) struct RowCx<'a> {
    pub sy: &'a mut Interner,
    pub adjusted: Vec<Adjustment>,
}

/// Maps one row with `f` and keeps it (counting its adjustments) or records why it was skipped.
fn map_row<'a>(
    logs: &'a mut Logs,
    file: &str,
    at: &str,
    f: impl FnOnce(&mut RowCx) -> Result<Option<Record>, FieldError>,
) -> Option<&'a mut Record> {
    let mut cx = RowCx {
        sy: &mut logs.symbols,
        adjusted: Vec::new(),
    };
    let rec = f(&mut cx);
    let adjusted = cx.adjusted;
    if matches!(rec, Ok(Some(_))) {
        for a in adjusted {
            logs.adjust(file, a);
        }
    }
    keep(logs, file, at, rec)
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

/// Time to first token and latency from the completion start and end times. A completion start
/// equal to the end (to the millisecond) is a call that did not stream: LiteLLM and Langfuse
/// write the end there, which is no time to first token.
fn durations<R: Row + ?Sized>(
    r: &R,
    start: f64,
    rec: &mut Record,
    adjusted: &mut Vec<Adjustment>,
) -> Result<(), FieldError> {
    let first = time_field(r, "completionStartTime")?.filter(|&t| t >= start);
    let end = time_field(r, "endTime")?.filter(|&t| t >= start);
    if let Some(t) = end {
        rec.latency_ms = Some(((t - start) * 1e3) as f32);
    }
    match (first, end) {
        (Some(f), Some(e)) if (e - f).abs() < 1e-3 => adjusted.push(Adjustment::NotStreamed),
        (Some(f), _) => rec.ttft_ms = Some(((f - start) * 1e3) as f32),
        _ => {}
    }
    Ok(())
}

fn missing(key: &str) -> FieldError {
    (key.to_string(), "missing".to_string())
}
