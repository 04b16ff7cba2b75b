//! The command-line front end: `validate`, `prices import`, `simulate`, `compare`, `report`.
//!
//! Every command returns [`CmdResult`]; `main` maps the failure to the exit code (see `exit`):
//! 0 success (also when the reader of standard output goes away, as in `| head`); 1 a run or
//! I/O failed; 2 an input file is invalid or the command line is wrong; 130 a long log read was
//! stopped with Ctrl-C (nothing written).
//!
//! Layer: a front end over `model`, `sim`, `logs` and `report`; it never names `gui`.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use clap::{Parser, Subcommand};

use crate::model::error::SourceFile;
use crate::model::prices::{import_litellm, select_models};
use crate::model::scenario::read_text;

/// Why a command failed (the process's one failure type, from the leaf `exit` module, which the
/// window returns too).
pub use crate::exit::Failure as CliError;

/// What every command returns: nothing on success, else why it failed (`main` picks the code).
pub type CmdResult = std::result::Result<(), CliError>;

/// Checks before any work that `path` can be written; an output that cannot be is a failed
/// I/O operation (exit 1) for every command alike.
pub fn check_output(path: &Path, what: &str) -> std::result::Result<(), CliError> {
    crate::model::io::check_writable(path)
        .map_err(|e| CliError::Failed(format!("{}: cannot write {what}: {e}", path.display())))
}

/// CostPlan — plan the cost of LLM-backed products before you spend.
#[derive(Debug, Parser)]
#[command(name = "costplan", version, about, long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    /// Scenario to open in the window (without a subcommand).
    pub file: Option<PathBuf>,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check scenario, traffic, price-table and policy files; print every problem found.
    Validate {
        /// Files to check (their kind is recognised from their fields).
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// Price tables.
    Prices {
        #[command(subcommand)]
        command: PricesCommand,
    },
    /// Simulate a scenario and compare its policies against the baseline.
    Simulate(crate::cli::simulate::SimulateArgs),
    /// Compare two policy versions on the first file's traffic: `a.ron:policy b.ron:policy`.
    Compare(crate::cli::simulate::CompareArgs),
    /// Write a planning report (HTML, Markdown, CSV or JSON).
    Report(crate::cli::simulate::ReportArgs),
    /// Sweep one numeric knob of a policy (all settings on the same tasks) and find the cheapest
    /// setting that keeps the quality guardrail.
    Sweep(crate::cli::sweep::SweepArgs),
    /// Switch now, later or never: one event placed on a date every so many days, and left out,
    /// each on the same draws, with the horizon spend of every policy.
    Timing(crate::cli::timing::TimingArgs),
    /// Traffic from real logs: fit a profile (`traffic fit`), or write synthetic logs to try it.
    Traffic {
        #[command(subcommand)]
        command: crate::cli::traffic::TrafficCommand,
    },
    /// Check a scenario's baseline against the spend in the logs of a past period.
    Backtest(crate::cli::traffic::BacktestArgs),
    /// Draft a complete scenario from logs: fitted traffic, the models and routing they show.
    Init(crate::cli::init::InitArgs),
}

/// `costplan prices …`
#[derive(Debug, Subcommand)]
pub enum PricesCommand {
    /// Convert LiteLLM's model_prices_and_context_window.json into a RON price table.
    Import {
        /// LiteLLM's JSON price list.
        litellm_json: PathBuf,
        /// Comma-separated model ids to keep (all chat and embedding models when absent).
        #[arg(long, value_delimiter = ',')]
        models: Vec<String>,
        /// Write here instead of standard output.
        #[arg(short, long)]
        output: Option<PathBuf>,
        /// The date to record as `as_of` (default: the JSON file's date).
        #[arg(long)]
        as_of: Option<String>,
    },
}

pub mod init;
pub mod simulate;
pub mod sweep;
pub mod timing;
pub mod traffic;

/// Writes `text` to standard output and flushes it. A reader that went away (a closed pipe, as
/// in `costplan simulate … | head`) is reported as an [`std::io::ErrorKind::BrokenPipe`] error,
/// which `exit::Failure` turns into a quiet end; any other write error
/// (a full disk, a closed stdout) says what failed.
pub fn emit(text: &str) -> Result<()> {
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())
        .and_then(|()| out.flush())
        .context("writing to standard output")
}

/// Runs the command line; `None` means no subcommand (the caller opens the window).
pub fn run(cli: Cli) -> CmdResult {
    match cli.command {
        None => Ok(()),
        Some(Command::Validate { files }) => validate(&files),
        Some(Command::Prices {
            command:
                PricesCommand::Import {
                    litellm_json,
                    models,
                    output,
                    as_of,
                },
        }) => prices_import(&litellm_json, &models, output.as_deref(), as_of.as_deref()),
        Some(Command::Simulate(args)) => simulate::simulate(&args),
        Some(Command::Compare(args)) => simulate::compare(&args),
        Some(Command::Report(args)) => simulate::report(&args),
        Some(Command::Sweep(args)) => sweep::run(&args),
        Some(Command::Timing(args)) => timing::run(&args),
        Some(Command::Traffic { command }) => traffic::run(&command),
        Some(Command::Backtest(args)) => traffic::backtest_cmd(&args),
        Some(Command::Init(args)) => init::run(&args),
    }
}

/// Validates one file of any kind; `Ok(summary)` or every problem.
pub fn validate_file(path: &Path) -> std::result::Result<String, crate::model::LoadError> {
    use crate::model::scenario::AnyFile;
    Ok(match crate::model::scenario::load_any(path)? {
        AnyFile::Scenario(s) => {
            let assumed = s
                .prices
                .assumed_cache_minimums(s.file.models.values().map(|m| m.price_key.as_str()));
            let writes: String = s
                .assumed_write_prices()
                .iter()
                .map(|a| format!("\n  note: {}", crate::report::summary::assumed_write_sentence(a)))
                .collect();
            format!(
                "scenario {:?}: {} task classes, {} models, {} policies (baseline {:?}){}{writes}",
                s.file.name,
                s.traffic.classes.len(),
                s.file.models.len(),
                s.policies.len(),
                s.file.baseline,
                assumed_note(&assumed)
            )
        }
        AnyFile::Traffic(t) => format!("traffic profile {:?}: {} task classes", t.name, t.classes.len()),
        AnyFile::Prices(t, Some(stats)) => format!(
            "LiteLLM price list: {} entries, {} chat and {} embedding models priced ({} skipped)",
            stats.entries,
            stats.chat,
            stats.embedding,
            stats.skipped.max(stats.entries - t.models.len())
        ),
        AnyFile::Prices(t, None) => {
            let assumed = t.assumed_cache_minimums(t.models.keys().map(String::as_str));
            format!(
                "price table {:?}: {} models{}",
                t.name,
                t.models.len(),
                assumed_note(&assumed)
            )
        }
        AnyFile::Policy(p) => format!("policy {:?} version {:?}", p.name, p.version),
    })
}

/// The note `validate` adds for models whose minimum cacheable prefix is assumed.
fn assumed_note(models: &[&str]) -> String {
    if models.is_empty() {
        return String::new();
    }
    const SHOWN: usize = 12;
    let names = if models.len() > SHOWN {
        format!("{} and {} more", models[..SHOWN].join(", "), models.len() - SHOWN)
    } else {
        models.join(", ")
    };
    format!(
        "\n  note: no prompt_cache_min_tokens for {names}; assuming {} tokens (the most common provider minimum)",
        crate::model::prices::ASSUMED_PROMPT_CACHE_MIN_TOKENS
    )
}

fn validate(files: &[PathBuf]) -> CmdResult {
    let mut bad = 0;
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    for f in files {
        match validate_file(f) {
            Ok(summary) => writeln!(out, "ok: {}: {summary}", f.display()).context("writing to standard output")?,
            Err(e) => {
                bad += 1;
                for d in &e.diagnostics {
                    eprintln!("{d}");
                }
            }
        }
    }
    if bad > 0 {
        // Each file's problems are printed above as they are found; the error sums them up.
        Err(CliError::Invalid(format!("{bad} of {} file(s) invalid", files.len())))
    } else {
        Ok(())
    }
}

fn prices_import(json: &Path, models: &[String], output: Option<&Path>, as_of: Option<&str>) -> CmdResult {
    let name = json.display().to_string();
    if let Some(out) = output
        && same_file(json, out)
    {
        return Err(CliError::Invalid(format!(
            "{}: the output would overwrite the LiteLLM file being read; choose another -o",
            out.display()
        )));
    }
    let text = match read_text(json) {
        Ok(t) => t,
        Err(m) => {
            return Err(CliError::Invalid(format!("{name}:1:1: {m}")));
        }
    };
    let date = as_of
        .map(str::to_string)
        .unwrap_or_else(|| crate::model::prices::file_date(json));
    let (table, stats) = match import_litellm(&SourceFile::new(&name, &text), &date) {
        Ok(x) => x,
        Err(e) => {
            return Err(CliError::Invalid(e.to_string()));
        }
    };
    let table = if models.is_empty() {
        table
    } else {
        match select_models(&table, models) {
            Ok(t) => t,
            Err(m) => {
                return Err(CliError::Invalid(format!("{name}: {m}")));
            }
        }
    };
    for (id, why) in &stats.rejected {
        eprintln!("{name}: skipped `{id}`: {why}");
    }
    for (id, what) in &stats.defaulted {
        eprintln!("{name}: `{id}`: {what}");
    }
    let text =
        import_header(json, &stats) + &crate::model::ron_io::to_ron_string(&table).context("writing RON")? + "\n";
    if text.len() as u64 > crate::model::ron_io::MAX_FILE_BYTES {
        return Err(CliError::Invalid(format!(
            "{name}: the imported table would be {} MB, above the {} MB CostPlan reads back; pick models with --models",
            text.len() / (1024 * 1024),
            crate::model::ron_io::MAX_FILE_BYTES / (1024 * 1024)
        )));
    }
    // Never write a table CostPlan itself would refuse.
    let out_name = output.map_or_else(|| "<stdout>".to_string(), |p| p.display().to_string());
    if let Err(e) = crate::model::prices::PriceTable::from_ron(&SourceFile::new(&out_name, &text)) {
        return Err(CliError::Failed(format!(
            "error: the imported table does not load back (a bug; please report it): {e}"
        )));
    }
    match output {
        Some(path) => {
            write_atomic(path, text.as_bytes()).with_context(|| format!("writing {}", path.display()))?;
            eprintln!(
                "wrote {} models to {} ({} entries skipped, {} with a value left out; see the file's header)",
                table.models.len(),
                path.display(),
                stats.skipped,
                stats.defaulted.len()
            );
        }
        None => emit(&text)?,
    }
    Ok(())
}

/// Whether two paths name the same existing file.
fn same_file(a: &Path, b: &Path) -> bool {
    match (std::fs::canonicalize(a), std::fs::canonicalize(b)) {
        (Ok(x), Ok(y)) => x == y,
        _ => false,
    }
}

/// A comment line's text, with line breaks and other control characters escaped (a file name
/// may hold any of them).
fn comment_safe(s: &str) -> String {
    s.chars()
        .flat_map(|c| {
            if c.is_control() {
                c.escape_default().collect::<Vec<_>>()
            } else {
                vec![c]
            }
        })
        .collect()
}

/// The comment block atop an imported price table: where it came from, and every entry left
/// out or value assumed, with its reason.
fn import_header(json: &Path, stats: &crate::model::prices::ImportStats) -> String {
    let file = json
        .file_name()
        .map(|f| comment_safe(&f.to_string_lossy()))
        .unwrap_or_default();
    let mut h = format!(
        "// Imported by costplan {} from {file} ({} entries: {} chat and {} embedding models priced, {} skipped).\n// Prices in US dollars per million tokens.\n",
        env!("CARGO_PKG_VERSION"),
        stats.entries,
        stats.chat,
        stats.embedding,
        stats.skipped
    );
    if stats.provider_minimums > 0 {
        h += &format!(
            "// Prompt-cache minimum taken from the provider's documentation for {} models (LiteLLM gives none).\n",
            stats.provider_minimums
        );
    }
    if !stats.other_modes.is_empty() {
        let modes: Vec<String> = stats
            .other_modes
            .iter()
            .map(|(m, n)| format!("{} {n}", comment_safe(m)))
            .collect();
        h += &format!("// Not priced here (other modes): {}.\n", modes.join(", "));
    }
    for (id, why) in &stats.rejected {
        h += &format!("// Skipped {}: {}\n", comment_safe(id), comment_safe(why));
    }
    for (id, what) in &stats.defaulted {
        h += &format!("// {}: {}\n", comment_safe(id), comment_safe(what));
    }
    h
}

pub use crate::model::io::write_atomic;
