//! Parquet files (what warehouses and Langfuse's exports give): recognised by their magic bytes,
//! only the columns some format's reader uses are decoded, and each row — nested columns
//! (`usageDetails` as a map, `metadata` as a group, tags as a list) included — becomes the same
//! JSON object a JSON export of it would be, read by the same row readers as CSV and JSON.

use std::path::Path;
use std::sync::Arc;

use parquet::file::reader::{FileReader, SerializedFileReader};
use parquet::schema::types::Type;
use serde_json::{Map, Value};

use super::{LogError, Logs, MAX_LOG_ROWS, Source, detect_row, row, skipped, unknown};

/// The first bytes of every Parquet file.
pub const MAGIC: &[u8; 4] = b"PAR1";

/// Every top-level field a format's row reader may use: only these columns are decoded (a
/// spend-log export's `messages` and `response` are never read).
const USED: &[&str] = &[
    // LiteLLM spend logs, logging payloads and daily rollups.
    "request_id",
    "startTime",
    "endTime",
    "completionStartTime",
    "model",
    "model_group",
    "prompt_tokens",
    "completion_tokens",
    "spend",
    "status",
    "cache_hit",
    "session_id",
    "team_id",
    "user",
    "end_user",
    "request_tags",
    "metadata",
    "response_cost",
    "trace_id",
    "date",
    "api_requests",
    "cache_read_input_tokens",
    "cache_creation_input_tokens",
    "user_id",
    "tag",
    "end_user_id",
    "organization_id",
    "currency",
    // Langfuse observations.
    "type",
    "usageDetails",
    "usage",
    "promptTokens",
    "completionTokens",
    "inputUsage",
    "outputUsage",
    "totalCost",
    "calculatedTotalCost",
    "costDetails",
    "providedModelName",
    "level",
    "traceId",
    "sessionId",
    "latency",
    "traceName",
    "name",
    "userId",
    "traceTags",
    "tags",
    // OpenAI usage.
    "num_model_requests",
    "input_tokens",
    "output_tokens",
    "input_cached_tokens",
    "input_cache_write_tokens",
    "project_id",
    "start_time",
];

fn unreadable(name: &str, e: impl std::fmt::Display) -> LogError {
    LogError::Unreadable {
        file: name.into(),
        message: format!("not a readable Parquet file: {e}"),
    }
}

/// A Parquet value as the JSON a JSON export would hold: timestamps as RFC 3339 text (the
/// row API writes them with a space before the offset), everything else as it converts.
fn json_of(row: &parquet::record::Row) -> Map<String, Value> {
    use parquet::record::Field as P;
    let mut out = Map::new();
    for (k, f) in row.get_column_iter() {
        let v = match f {
            P::TimestampMillis(ms) => {
                jiff::Timestamp::from_millisecond(*ms).map_or(Value::Null, |t| Value::String(t.to_string()))
            }
            P::TimestampMicros(us) => {
                jiff::Timestamp::from_microsecond(*us).map_or(Value::Null, |t| Value::String(t.to_string()))
            }
            other => other.to_json_value(),
        };
        out.insert(k.clone(), v);
    }
    out
}

/// Reads a Parquet file's rows into `logs`; the format is told by the columns, as for CSV.
pub fn read_parquet(
    path: &Path,
    name: &str,
    logs: &mut Logs,
    seen: &std::cell::Cell<super::watch::ReadProgress>,
    ctl: &super::watch::ReadControl,
) -> Result<Source, LogError> {
    let file = std::fs::File::open(path).map_err(|e| LogError::Unreadable {
        file: name.into(),
        message: e.to_string(),
    })?;
    let file_bytes = file.metadata().map_or(0, |m| m.len());
    let reader = SerializedFileReader::new(file).map_err(|e| unreadable(name, e))?;
    let total_rows = reader.metadata().file_metadata().num_rows().max(1) as f64;
    let start = seen.get();
    let schema = reader.metadata().file_metadata().schema();
    let fields: Vec<Arc<Type>> = schema
        .get_fields()
        .iter()
        .filter(|f| USED.contains(&f.name()))
        .cloned()
        .collect();
    let probe: Map<String, Value> = fields.iter().map(|f| (f.name().to_string(), Value::Null)).collect();
    let all: Map<String, Value> = schema
        .get_fields()
        .iter()
        .map(|f| (f.name().to_string(), Value::Null))
        .collect();
    let source = detect_row(&probe).ok_or_else(|| unknown(name, &all))?;
    let projection = Type::group_type_builder(schema.name())
        .with_fields(fields)
        .build()
        .map_err(|e| unreadable(name, e))?;
    let rows = reader.get_row_iter(Some(projection)).map_err(|e| unreadable(name, e))?;
    for (i, r) in rows.enumerate() {
        if logs.records.len() >= MAX_LOG_ROWS {
            return Err(LogError::TooManyRows { file: name.into() });
        }
        if i % PROGRESS_ROWS == 0 && i > 0 {
            // The file's bytes counted in proportion to its rows read.
            let done = i as f64 / total_rows;
            let p = super::watch::ReadProgress {
                rows: start.rows + i as u64,
                bytes: start.bytes + (file_bytes as f64 * done) as u64,
                ..start
            };
            seen.set(p);
            (ctl.progress)(p);
            if ctl.stopped() {
                return Err(LogError::Stopped { rows: i as u64 });
            }
        }
        let at = format!("row {}", i + 1);
        match r {
            Ok(r) => row(source, &json_of(&r), name, &at, logs),
            Err(e) => logs.skip(skipped(name, &at, "", &format!("cannot be decoded: {e}"))),
        }
    }
    let p = seen.get();
    seen.set(super::watch::ReadProgress {
        rows: start.rows + total_rows as u64,
        bytes: start.bytes + file_bytes,
        ..p
    });
    Ok(source)
}

/// Rows between two progress reports (and looks at the stop flag).
const PROGRESS_ROWS: usize = 50_000;
