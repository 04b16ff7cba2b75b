//! `costplan traffic fit` (a traffic profile from request logs or usage exports),
//! `costplan traffic synth` (realistic synthetic logs to try it on) and `costplan backtest`
//! (the baseline simulated over the logs' own dates against what they say was spent).

use std::path::{Path, PathBuf};

use anyhow::Context;

use super::CliError;
use super::simulate::{EngineArgs, load};
use crate::logs::backtest::backtest;
use crate::logs::fit::{FitOptions, fit};
use crate::logs::read::postgres::{DailyTable, DbQuery};
use crate::logs::read::read_sources;
use crate::logs::read::watch::ReadControl;
use crate::logs::synth::{SynthFormat, SynthSpec, generate, write};
use crate::logs::{GROUP_KEYS, LogError};
use crate::sim::engine::Control;
use crate::sim::results::SimOptions;

/// `costplan traffic …`
#[derive(Debug, clap::Subcommand)]
pub enum TrafficCommand {
    /// Fit a traffic profile to request logs or usage exports (LiteLLM spend logs or daily
    /// spend, Langfuse observations, OTLP JSON GenAI spans, OpenAI usage pages; CSV, JSON or
    /// JSON Lines, recognised by content).
    Fit(FitArgs),
    /// Write realistic synthetic logs (a month of a support bot's traffic) in one of the formats.
    Synth(SynthArgs),
}

/// Arguments of `costplan traffic fit`.
#[derive(Debug, clap::Args)]
pub struct FitArgs {
    /// Log files (all of one product's traffic; formats may be mixed), or LiteLLM's database as
    /// `postgresql://user@host/db` (credentials from the address or the PG* variables).
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    /// Where to write the profile (RON).
    #[arg(short, long)]
    pub output: PathBuf,
    /// Group classes by: tag, trace_name, model_group, team, user, project or model (default:
    /// the first of tag, trace_name, model_group that most rows have, else model).
    #[arg(long, value_parser = group_key)]
    pub class_by: Option<String>,
    /// Take each class's owner from this key (the most common value in the class).
    #[arg(long, value_parser = group_key)]
    pub owner_by: Option<String>,
    /// The profile's name.
    #[arg(long, default_value = "")]
    pub name: String,
    #[command(flatten)]
    pub db: DbArgs,
}

/// Arguments of `costplan traffic synth`.
#[derive(Debug, clap::Args)]
pub struct SynthArgs {
    /// litellm-csv, litellm-json, langfuse-jsonl, langfuse-csv, otlp, openai-usage, litellm-daily.
    #[arg(long, value_parser = synth_format)]
    pub format: SynthFormatArg,
    /// Mean tasks a day on the first day (1 to 1,000,000).
    #[arg(long, default_value_t = 2000.0)]
    pub tasks_per_day: f64,
    /// Days of logs (1 to 366).
    #[arg(long, default_value_t = 30, value_parser = clap::value_parser!(u32).range(1..=366))]
    pub days: u32,
    #[arg(long, default_value_t = 7)]
    pub seed: u64,
    #[arg(short, long)]
    pub output: PathBuf,
}

/// A synthetic format named on the command line.
#[derive(Debug, Clone, Copy)]
pub struct SynthFormatArg(pub SynthFormat);

fn synth_format(s: &str) -> std::result::Result<SynthFormatArg, String> {
    Ok(SynthFormatArg(match s {
        "litellm-csv" => SynthFormat::LiteLlmCsv,
        "litellm-json" => SynthFormat::LiteLlmJson,
        "langfuse-jsonl" => SynthFormat::LangfuseJsonl,
        "langfuse-csv" => SynthFormat::LangfuseCsv,
        "otlp" => SynthFormat::Otlp,
        "openai-usage" => SynthFormat::OpenAiUsage,
        "litellm-daily" => SynthFormat::LiteLlmDailyCsv,
        _ => {
            return Err(format!(
                "unknown format {s:?}; one of litellm-csv, litellm-json, langfuse-jsonl, langfuse-csv, otlp, openai-usage, litellm-daily"
            ));
        }
    }))
}

pub(super) fn group_key(s: &str) -> std::result::Result<String, String> {
    if GROUP_KEYS.contains(&s) {
        Ok(s.to_string())
    } else {
        Err(format!("unknown key {s:?}; one of {}", GROUP_KEYS.join(", ")))
    }
}

/// Arguments of `costplan backtest`.
#[derive(Debug, clap::Args)]
pub struct BacktestArgs {
    /// The scenario whose baseline is checked.
    pub scenario: PathBuf,
    /// The logs of the period (their cost per row is the actual spend).
    #[arg(long = "actual", required = true, num_args = 1..)]
    pub actual: Vec<PathBuf>,
    /// Number of Monte Carlo runs (default: the scenario's).
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=100_000))]
    pub runs: Option<u32>,
    #[arg(long)]
    pub seed: Option<u64>,
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
    /// Also write the backtest as an HTML report (daily spend against the simulated band).
    #[arg(long, value_name = "PATH")]
    pub report: Option<PathBuf>,
    #[command(flatten)]
    pub engine: EngineArgs,
    #[command(flatten)]
    pub db: DbArgs,
}

/// Where logs come from besides files: LiteLLM's database (`postgresql://…` in place of a file).
#[derive(Debug, Clone, Default, clap::Args)]
pub struct DbArgs {
    /// First day to read from a database (YYYY-MM-DD, UTC, inclusive).
    #[arg(long, value_parser = day)]
    pub since: Option<crate::date::Date>,
    /// Last day to read from a database (YYYY-MM-DD, UTC, inclusive).
    #[arg(long, value_parser = day)]
    pub until: Option<crate::date::Date>,
    /// Read a daily rollup table (user, team, tag, end-user or organization) instead of the
    /// per-request spend logs: the server has already aggregated it.
    #[arg(long, value_parser = daily_table)]
    pub from_daily: Option<DailyTable>,
}

impl DbArgs {
    pub fn query(&self) -> DbQuery {
        DbQuery {
            since: self.since,
            until: self.until,
            daily: self.from_daily,
        }
    }
}

fn day(s: &str) -> std::result::Result<crate::date::Date, String> {
    crate::date::Date::parse(s).ok_or_else(|| format!("expected a date YYYY-MM-DD, found {s:?}"))
}

fn daily_table(s: &str) -> std::result::Result<DailyTable, String> {
    DailyTable::ALL.into_iter().find(|t| t.key() == s).ok_or_else(|| {
        let keys: Vec<&str> = DailyTable::ALL.iter().map(|t| t.key()).collect();
        format!("unknown daily table {s:?}; one of {}", keys.join(", "))
    })
}

/// Runs `read` with the CLI's read control: how the read goes (rows, bytes of the whole, rate,
/// time left) on standard error every two seconds, and Ctrl-C to stop it.
pub(super) fn with_read_control<T>(read: impl FnOnce(&ReadControl) -> T) -> T {
    let progress = crate::logs::read::watch::every(2.0, |p, t| {
        eprintln!("{}…", crate::report::format::read_progress(p, t));
    });
    read(&ReadControl {
        stop: stop_on_ctrl_c(),
        progress: &progress,
    })
}

/// Ctrl-C stops a long read: the first press sets `STOP` (the read ends at its next chunk and
/// the command exits 130, writing nothing); the handler is installed once per process.
fn stop_on_ctrl_c() -> &'static std::sync::atomic::AtomicBool {
    static STOP: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);
    static INSTALLED: std::sync::Once = std::sync::Once::new();
    INSTALLED.call_once(|| {
        // Without a handler (another one is installed) Ctrl-C ends the process as before.
        let _ = ctrlc::set_handler(|| STOP.store(true, std::sync::atomic::Ordering::Relaxed));
    });
    &STOP
}

/// The failure of a read stopped with Ctrl-C after `rows` rows (exit 130).
pub(super) fn stopped(rows: u64) -> CliError {
    CliError::Interrupted(format!(
        "stopped by Ctrl-C after {} rows; nothing was fitted or written",
        crate::report::format::thousands(rows)
    ))
}

/// The failure a log read maps to: I/O and connections exit 1, bad input 2.
pub(super) fn log_failure(e: LogError) -> CliError {
    match e {
        LogError::Stopped { rows } => stopped(rows),
        LogError::Unreadable { .. } => CliError::Failed(e.to_string()),
        _ => CliError::Invalid(e.to_string()),
    }
}

pub(super) fn read_logs(files: &[PathBuf], db: &DbArgs) -> std::result::Result<crate::logs::Logs, CliError> {
    let paths: Vec<&Path> = files.iter().map(PathBuf::as_path).collect();
    with_read_control(|ctl| read_sources(&paths, &db.query(), ctl)).map_err(log_failure)
}

pub(super) fn print_skipped(logs: &crate::logs::Logs) {
    for s in logs.skipped.iter().take(20) {
        eprintln!("skipped {s}");
    }
    if logs.skipped_count > 20 {
        eprintln!("… and {} more skipped rows", logs.skipped_count - 20);
    }
    for n in logs.read_notes() {
        eprintln!("note: {n}");
    }
}

/// Runs `costplan traffic …`.
pub fn run(cmd: &TrafficCommand) -> super::CmdResult {
    match cmd {
        TrafficCommand::Fit(a) => fit_cmd(a),
        TrafficCommand::Synth(a) => synth_cmd(a),
    }
}

fn fit_cmd(a: &FitArgs) -> super::CmdResult {
    if a.files.iter().any(|f| f == &a.output) {
        return Err(CliError::Invalid(format!(
            "{}: the output would overwrite an input",
            a.output.display()
        )));
    }
    super::check_output(&a.output, "the fitted profile")?;
    let logs = read_logs(&a.files, &a.db)?;
    print_skipped(&logs);
    let f = fit(
        &logs,
        &FitOptions {
            class_by: a.class_by.clone(),
            owner_by: a.owner_by.clone(),
            name: a.name.clone(),
        },
    );
    // The profile must load back before it is written.
    let text = match f.to_checked_ron(&logs, &a.output.display().to_string()) {
        Ok(t) => t,
        Err(e) => {
            return Err(CliError::Invalid(format!("{e} (nothing written)")));
        }
    };
    crate::model::io::write_atomic(&a.output, text.as_bytes())
        .with_context(|| format!("writing {}", a.output.display()))?;
    eprintln!(
        "wrote {}: {} rows read ({} skipped), {} to {} ({} days), {} classes by {}",
        a.output.display(),
        logs.records.len() as u64 + logs.skipped_count,
        logs.skipped_count,
        f.start_date,
        f.end_date,
        f.days,
        f.profile.classes.len(),
        f.class_by
    );
    Ok(())
}

fn synth_cmd(a: &SynthArgs) -> super::CmdResult {
    if !(a.tasks_per_day.is_finite() && (1.0..=1_000_000.0).contains(&a.tasks_per_day)) {
        return Err(CliError::Invalid(format!(
            "--tasks-per-day must be from 1 to 1,000,000, found {}",
            a.tasks_per_day
        )));
    }
    let mut spec = SynthSpec::example(a.tasks_per_day);
    spec.days = a.days;
    spec.seed = a.seed;
    let rows = generate(&spec);
    let text = write(&spec, &rows, a.format.0);
    crate::model::io::write_atomic(&a.output, text.as_bytes())
        .with_context(|| format!("writing {}", a.output.display()))?;
    eprintln!(
        "wrote {}: {} requests over {} days",
        a.output.display(),
        rows.len(),
        a.days
    );
    Ok(())
}

/// Runs `costplan backtest`.
pub fn backtest_cmd(a: &BacktestArgs) -> super::CmdResult {
    let scn = load(&a.scenario)?;
    if let Some(path) = &a.report {
        super::check_output(path, "the backtest report")?;
    }
    let logs = read_logs(&a.actual, &a.db)?;
    print_skipped(&logs);
    let opts = SimOptions {
        runs: a.runs,
        seed: a.seed,
        engine: a.engine.choice(),
        ..Default::default()
    };
    let b = match backtest(&scn, &logs, &opts, &Control::none()) {
        Ok(Ok(b)) => b,
        Ok(Err(msg)) => {
            return Err(CliError::Invalid(format!("{}: {msg}", a.scenario.display())));
        }
        Err(_) => return Err(CliError::Failed("the run was cancelled".into())),
    };
    if let Some(path) = &a.report {
        let page = crate::report::backtest::html(&b, env!("CARGO_PKG_VERSION"));
        crate::model::io::write_atomic(path, page.as_bytes()).with_context(|| format!("writing {}", path.display()))?;
        eprintln!("wrote {}", path.display());
    }
    if a.json {
        super::emit(&(serde_json::to_string_pretty(&b).map_err(anyhow::Error::from)? + "\n"))?;
    } else {
        super::emit(&crate::report::backtest::text(&b))?;
    }
    Ok(())
}
