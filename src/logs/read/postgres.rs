//! LiteLLM's own database as a log source: `postgresql://…` read where the rows live, the work
//! pushed to the server — only the columns a fit needs (and of the ~13 KB `metadata`, only its
//! usage values and trace id), the time range in the query, rows streamed by the server's
//! `COPY … TO STDOUT` as it reads them (no result set held on either side) — or, with `--from-daily`, the proxy's daily rollup tables, which the server
//! has already aggregated. Credentials come from the URL or the usual `PG*` variables and are
//! never printed.

use postgres::{Client, Config, NoTls};

use super::watch::{ReadControl, ReadProgress};
use super::{LogError, Logs, Source};
use crate::date::Date;

/// Rows between two progress reports.
pub const FETCH_ROWS: u64 = 10_000;

/// What to read from a database besides its address.
#[derive(Clone, Debug, Default)]
pub struct DbQuery {
    /// First and last day to read (inclusive, UTC); all when absent.
    pub since: Option<Date>,
    pub until: Option<Date>,
    /// Read this daily rollup table (`LiteLLM_DailyUserSpend`, `…TeamSpend`, `…TagSpend`, …)
    /// instead of the per-request spend logs.
    pub daily: Option<DailyTable>,
}

/// LiteLLM's daily rollup tables, by what they group by.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DailyTable {
    User,
    Team,
    Tag,
    EndUser,
    Organization,
}

impl DailyTable {
    pub const ALL: [DailyTable; 5] = [
        DailyTable::User,
        DailyTable::Team,
        DailyTable::Tag,
        DailyTable::EndUser,
        DailyTable::Organization,
    ];

    /// The name `--from-daily` takes.
    pub fn key(self) -> &'static str {
        match self {
            DailyTable::User => "user",
            DailyTable::Team => "team",
            DailyTable::Tag => "tag",
            DailyTable::EndUser => "end-user",
            DailyTable::Organization => "organization",
        }
    }

    fn table(self) -> &'static str {
        match self {
            DailyTable::User => "LiteLLM_DailyUserSpend",
            DailyTable::Team => "LiteLLM_DailyTeamSpend",
            DailyTable::Tag => "LiteLLM_DailyTagSpend",
            DailyTable::EndUser => "LiteLLM_DailyEndUserSpend",
            DailyTable::Organization => "LiteLLM_DailyOrganizationSpend",
        }
    }

    /// The table's grouping column (the daily reader takes each as a class or owner key).
    fn group(self) -> &'static str {
        match self {
            DailyTable::User => "user_id",
            DailyTable::Team => "team_id",
            DailyTable::Tag => "tag",
            DailyTable::EndUser => "end_user_id",
            DailyTable::Organization => "organization_id",
        }
    }
}

/// Whether a source names a database rather than a file.
pub fn is_database(source: &str) -> bool {
    source.starts_with("postgresql://") || source.starts_with("postgres://")
}

/// The address without its password (what messages and the fitted file's header show).
pub fn redact(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    let (rest, query) = rest.split_once('?').map_or((rest, None), |(r, q)| (r, Some(q)));
    let rest = match rest.split_once('@') {
        Some((auth, host)) if !auth.contains('/') => {
            format!("{}@{host}", auth.split(':').next().unwrap_or(""))
        }
        _ => rest.to_string(),
    };
    let query: Vec<&str> = query
        .unwrap_or("")
        .split('&')
        .filter(|kv| !kv.is_empty() && !kv.starts_with("password="))
        .collect();
    if query.is_empty() {
        format!("{scheme}://{rest}")
    } else {
        format!("{scheme}://{rest}?{}", query.join("&"))
    }
}

/// The connection: the URL's settings, the `PG*` variables for what it leaves out.
fn config(url: &str, name: &str) -> Result<Config, LogError> {
    let mut cfg: Config = url.parse().map_err(|e| LogError::Unreadable {
        file: name.into(),
        message: format!("not a database address: {e}"),
    })?;
    let env = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
    if cfg.get_hosts().is_empty() {
        let host = env("PGHOST").unwrap_or_else(|| "localhost".into());
        if host.starts_with('/') {
            cfg.host_path(host);
        } else {
            cfg.host(&host);
        }
    }
    if cfg.get_ports().is_empty()
        && let Some(p) = env("PGPORT").and_then(|p| p.parse().ok())
    {
        cfg.port(p);
    }
    if cfg.get_user().is_none() {
        cfg.user(
            &env("PGUSER")
                .or_else(|| env("USER"))
                .unwrap_or_else(|| "postgres".into()),
        );
    }
    if cfg.get_password().is_none()
        && let Some(p) = env("PGPASSWORD")
    {
        cfg.password(p);
    }
    if cfg.get_dbname().is_none()
        && let Some(d) = env("PGDATABASE")
    {
        cfg.dbname(&d);
    }
    Ok(cfg)
}

/// A failure of the database, in words (the server's own message where it sent one).
fn db_error(name: &str, what: &str, e: &postgres::Error) -> LogError {
    let detail = e
        .as_db_error()
        .map_or_else(|| e.to_string(), |d| d.message().to_string());
    LogError::Unreadable {
        file: name.into(),
        message: format!("{what}: {detail}"),
    }
}

/// The columns a table has (empty when there is no such table).
fn columns(client: &mut Client, table: &str, name: &str) -> Result<Vec<String>, LogError> {
    let rows = client
        .query(
            "SELECT column_name::text FROM information_schema.columns WHERE table_name = $1",
            &[&table],
        )
        .map_err(|e| db_error(name, "reading the table's columns", &e))?;
    Ok(rows.iter().map(|r| r.get::<_, String>(0)).collect())
}

/// The query for a table: each wanted column as text (NULL where the table lacks an optional
/// one), in the time range.
struct Plan {
    table: &'static str,
    /// (expression, the field name the row reader takes).
    select: Vec<(String, &'static str)>,
    time_column: &'static str,
    /// The time column holds dates as text (the rollups) rather than timestamps.
    text_dates: bool,
    source: Source,
}

fn spend_logs_plan(have: &[String]) -> Plan {
    let col = |c: &'static str| format!("\"{c}\"::text");
    let mut select: Vec<(String, &'static str)> = [
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
    ]
    .into_iter()
    .map(|c| {
        (
            if have.iter().any(|h| h == c) {
                col(c)
            } else {
                "NULL".into()
            },
            c,
        )
    })
    .collect();
    // Of the metadata (mostly the price map, ~13 KB a row), only what a fit reads.
    let meta = if have.iter().any(|h| h == "metadata") {
        "jsonb_build_object('additional_usage_values', \"metadata\"->'additional_usage_values', 'trace_id', \"metadata\"->'trace_id')::text".to_string()
    } else {
        "NULL".into()
    };
    select.push((meta, "metadata"));
    Plan {
        table: "LiteLLM_SpendLogs",
        select,
        time_column: "startTime",
        text_dates: false,
        source: Source::LiteLlmSpendLogs,
    }
}

fn daily_plan(t: DailyTable, have: &[String]) -> Plan {
    let col = |c: &str| {
        if have.iter().any(|h| h == c) {
            format!("\"{c}\"::text")
        } else {
            "NULL".into()
        }
    };
    let group = t.group();
    let mut select: Vec<(String, &'static str)> = [
        "date",
        "model",
        "model_group",
        "api_requests",
        "prompt_tokens",
        "completion_tokens",
        "cache_read_input_tokens",
        "cache_creation_input_tokens",
        "spend",
    ]
    .into_iter()
    .map(|c| (col(c), c))
    .collect();
    select.push((col(group), group));
    Plan {
        table: t.table(),
        select,
        time_column: "date",
        text_dates: true,
        source: Source::LiteLlmDailySpend,
    }
}

/// The columns a plan cannot do without.
fn required(p: &Plan) -> &'static [&'static str] {
    match p.source {
        Source::LiteLlmSpendLogs => &["request_id", "startTime", "model", "prompt_tokens", "completion_tokens"],
        _ => &["date", "api_requests", "prompt_tokens", "completion_tokens"],
    }
}

/// Reads LiteLLM's spend logs (or a daily rollup) from the database at `url` into `logs`; the
/// rows and bytes are counted into `seen` and told to `ctl` (with the server's estimate of the
/// rows to come), which may stop the read.
pub fn read_database(
    url: &str,
    q: &DbQuery,
    logs: &mut Logs,
    seen: &std::cell::Cell<ReadProgress>,
    ctl: &ReadControl,
) -> Result<(), LogError> {
    let name = redact(url);
    let mut client = config(url, &name)?
        .connect(NoTls)
        .map_err(|e| db_error(&name, "cannot connect", &e))?;
    let probe = match q.daily {
        Some(t) => t.table(),
        None => "LiteLLM_SpendLogs",
    };
    let have = columns(&mut client, probe, &name)?;
    if have.is_empty() {
        return Err(LogError::NoTable {
            file: name,
            table: probe.into(),
        });
    }
    let plan = match q.daily {
        Some(t) => daily_plan(t, &have),
        None => spend_logs_plan(&have),
    };
    for c in required(&plan) {
        if !have.iter().any(|h| h == c) {
            return Err(LogError::MissingColumn {
                file: format!("{name} (table {:?})", plan.table),
                column: (*c).to_string(),
                format: plan.source.label(),
            });
        }
    }
    let before = logs.records.len() as u64 + logs.skipped_count;
    fetch(&mut client, &plan, q, &name, logs, seen, ctl)?;
    let rows = logs.records.len() as u64 + logs.skipped_count - before;
    logs.files
        .push((format!("{name} (table {:?})", plan.table), plan.source, rows));
    Ok(())
}

/// The query's text: `$1` and `$2` stand for the bounds (a quoted date, or NULL: no bound).
fn query_text(plan: &Plan) -> String {
    let list: Vec<String> = plan.select.iter().map(|(e, f)| format!("{e} AS \"{f}\"")).collect();
    let t = format!("\"{}\"", plan.time_column);
    // Both bounds are text parameters (a NULL one is no bound), cast to the column's type.
    let (lo, hi) = if plan.text_dates {
        (format!("{t} >= $1::text"), format!("{t} <= $2::text"))
    } else {
        (
            format!("{t} >= ($1::text)::timestamp"),
            format!("{t} < (($2::text)::date + 1)::timestamp"),
        )
    };
    // In a fixed order, so that a fit is a function of the table's rows alone.
    let order = if plan.source == Source::LiteLlmSpendLogs {
        format!("{t}, \"request_id\"")
    } else {
        format!("{t}, 1, 2, 3")
    };
    format!(
        "SELECT {} FROM \"{}\" WHERE ($1::text IS NULL OR {lo}) AND ($2::text IS NULL OR {hi}) ORDER BY {order}",
        list.join(", "),
        plan.table
    )
}

/// The planner's estimate of the rows `query` returns (`EXPLAIN`, which reads no rows).
fn estimated_rows(client: &mut Client, query: &str) -> Option<f64> {
    // The plan's first line: "Sort  (cost=1.0..2.0 rows=12345 width=96)".
    let rows = client.query(&format!("EXPLAIN {query}"), &[]).ok()?;
    let top: String = rows.first()?.try_get(0).ok()?;
    let n = top.split("rows=").nth(1)?.split(' ').next()?;
    n.parse().ok()
}

/// Streams the plan's rows as CSV (the server's `COPY … TO STDOUT`, which it streams as it
/// reads) into the CSV reader.
fn fetch(
    client: &mut Client,
    plan: &Plan,
    q: &DbQuery,
    name: &str,
    logs: &mut Logs,
    seen: &std::cell::Cell<ReadProgress>,
    ctl: &ReadControl,
) -> Result<(), LogError> {
    let bound = |d: Option<Date>| d.map_or("NULL".to_string(), |d| format!("'{d}'"));
    let query = query_text(plan)
        .replace("$1", &bound(q.since))
        .replace("$2", &bound(q.until));
    // The planner's estimate of the rows (from the table's statistics, the range included): a
    // share read and a time left without counting the table first.
    let start = seen.get();
    let estimate = estimated_rows(client, &query).map(|n| n + start.rows as f64);
    seen.set(ReadProgress {
        total_rows_estimate: estimate.or(start.total_rows_estimate),
        ..start
    });
    let copy = format!("COPY ({query}) TO STDOUT WITH (FORMAT csv, HEADER true)");
    let out = client
        .copy_out(copy.as_str())
        .map_err(|e| db_error(name, "querying the table", &e))?;
    let read = super::read_csv(super::watch::Watched::new(out, seen, ctl), name, logs);
    // Less the header line.
    let rows = (seen.get().rows - start.rows).saturating_sub(1);
    match read {
        Ok(_) => Ok(()),
        Err(LogError::Unreadable { message, .. }) => Err(LogError::Unreadable {
            file: name.into(),
            message: format!("the read stopped after {rows} rows (the connection was lost?): {message}"),
        }),
        Err(e) => Err(e),
    }
}
