//! `costplan simulate`, `compare` and `report`.

use std::path::PathBuf;

use super::CliError;

use crate::model::{LoadError, Scenario, load_scenario_path};
use crate::sim::engine::Control;
use crate::sim::results::{
    DEFAULT_SAMPLE_PER_DAY, EngineChoice, MAX_MEMORY_BYTES, MAX_TASK_SIMULATIONS, SimOptions, estimate_work,
    simulate as run_sim, simulate_with_events,
};

/// `--engine` and `--sample-per-day`, shared by the commands that simulate.
#[derive(Debug, Clone, clap::Args)]
pub struct EngineArgs {
    /// `exact` simulates every task; `sampled` at most --sample-per-day tasks a day, each
    /// standing for its share (cost flat in volume); `auto` is exact while the work is small.
    #[arg(long, value_enum, default_value_t = EngineArg::Auto)]
    pub engine: EngineArg,
    /// Tasks simulated per day by the sampled engine.
    #[arg(long, default_value_t = DEFAULT_SAMPLE_PER_DAY, value_parser = clap::value_parser!(u32).range(1..=10_000_000))]
    pub sample_per_day: u32,
    /// Start even when the estimated work is above the limit (20 billion task simulations).
    #[arg(long)]
    pub force: bool,
}

/// The engine named on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum EngineArg {
    Auto,
    Exact,
    Sampled,
}

impl EngineArgs {
    /// Estimates the work of simulating `scn` with `opts`; refuses (exit 2, with what to change)
    /// when it is above [`MAX_TASK_SIMULATIONS`] and `--force` is not given.
    pub fn refuse_huge_work(&self, scn: &Scenario, opts: &SimOptions) -> std::result::Result<(), CliError> {
        let w = estimate_work(scn, opts);
        let too_long = w.task_simulations > MAX_TASK_SIMULATIONS;
        let too_big = w.memory_bytes > MAX_MEMORY_BYTES;
        if !(too_long || too_big) || self.force {
            if w.seconds >= LONG_RUN_NOTICE_S {
                eprintln!("{}: {}", scn.name(), crate::report::format::work_summary(&w));
            }
            return Ok(());
        }
        let limit = match (too_long, too_big) {
            (true, true) => format!(
                "more than the {} task simulations and {} of memory",
                crate::report::format::thousands(MAX_TASK_SIMULATIONS as u64),
                crate::report::format::bytes_words(MAX_MEMORY_BYTES)
            ),
            (true, false) => format!(
                "more than the {} task simulations (roughly half an hour on 2 cores)",
                crate::report::format::thousands(MAX_TASK_SIMULATIONS as u64)
            ),
            _ => format!(
                "more than the {} of memory",
                crate::report::format::bytes_words(MAX_MEMORY_BYTES)
            ),
        };
        Err(CliError::Invalid(format!(
            "{}: this would be {} — {limit} CostPlan starts without --force. \
             Try fewer runs (--runs), a shorter horizon, the sampled engine (--engine sampled), or --no-attribution; or add --force.",
            scn.name(),
            crate::report::format::work_summary(&w),
        )))
    }

    /// The engine choice for the simulation core.
    pub fn choice(&self) -> EngineChoice {
        match self.engine {
            EngineArg::Auto if self.sample_per_day == DEFAULT_SAMPLE_PER_DAY => EngineChoice::Auto,
            EngineArg::Auto | EngineArg::Sampled => EngineChoice::Sampled(self.sample_per_day),
            EngineArg::Exact => EngineChoice::Exact,
        }
    }
}

/// `--format`: the report formats, as the command line names them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum FormatArg {
    Html,
    Md,
    Csv,
    Json,
}

impl FormatArg {
    /// The report format it names.
    pub fn format(self) -> crate::report::Format {
        match self {
            FormatArg::Html => crate::report::Format::Html,
            FormatArg::Md => crate::report::Format::Md,
            FormatArg::Csv => crate::report::Format::Csv,
            FormatArg::Json => crate::report::Format::Json,
        }
    }
}

/// A run estimated to take at least this many seconds prints its estimate before it starts.
const LONG_RUN_NOTICE_S: f64 = 10.0;

/// Arguments of `costplan simulate`.
#[derive(Debug, clap::Args)]
pub struct SimulateArgs {
    /// The scenario file.
    pub scenario: PathBuf,
    /// Number of Monte Carlo runs, 1 to 100,000 (default: the scenario's).
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=100_000))]
    pub runs: Option<u32>,
    /// Seed (default: the scenario's).
    #[arg(long)]
    pub seed: Option<u64>,
    /// Only these candidate policies (repeatable); the baseline is always included.
    #[arg(long = "policy")]
    pub policies: Vec<String>,
    /// Print the full results as JSON.
    #[arg(long)]
    pub json: bool,
    /// Skip savings by tactic (faster).
    #[arg(long)]
    pub no_attribution: bool,
    /// The risk a defensible budget is for, above 0 and below 1 (default: the scenario's
    /// `guardrails.budget_risk`, else 0.10).
    #[arg(long, value_parser = parse_risk)]
    pub budget_risk: Option<f64>,
    #[command(flatten)]
    pub engine: EngineArgs,
}

/// Arguments of `costplan compare`.
#[derive(Debug, clap::Args)]
pub struct CompareArgs {
    /// `file.ron:policy` of the first version (its traffic is used).
    pub a: String,
    /// `file.ron:policy` of the second version.
    pub b: String,
    /// Number of Monte Carlo runs, 1 to 100,000 (default: the scenario's).
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=100_000))]
    pub runs: Option<u32>,
    #[arg(long)]
    pub seed: Option<u64>,
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub engine: EngineArgs,
}

/// Arguments of `costplan report`.
#[derive(Debug, clap::Args)]
pub struct ReportArgs {
    /// The scenario file.
    pub scenario: PathBuf,
    /// Where to write the report (`-`: standard output, for the one-file formats html and json,
    /// with --format).
    #[arg(short, long)]
    pub output: PathBuf,
    /// html, md, csv or json (default: from the output's extension).
    #[arg(long, value_enum)]
    pub format: Option<FormatArg>,
    /// Number of Monte Carlo runs, 1 to 100,000 (default: the scenario's).
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=100_000))]
    pub runs: Option<u32>,
    /// Seed (default: the scenario's).
    #[arg(long)]
    pub seed: Option<u64>,
    /// The risk a defensible budget is for, above 0 and below 1 (default: the scenario's
    /// `guardrails.budget_risk`, else 0.10).
    #[arg(long, value_parser = parse_risk)]
    pub budget_risk: Option<f64>,
    #[command(flatten)]
    pub engine: EngineArgs,
}

/// Loads a scenario; its problems are the error. Billing assumptions the planner should know
/// (a 1-hour TTL billed at the 5-minute write price) are noted on standard error.
pub fn load(path: &std::path::Path) -> std::result::Result<Scenario, CliError> {
    let s = load_scenario_path(path).map_err(|e: LoadError| CliError::Invalid(e.to_string()))?;
    for a in s.assumed_write_prices() {
        eprintln!("note: {}", crate::report::summary::assumed_write_sentence(&a));
    }
    Ok(s)
}

/// Runs `simulate`.
pub fn simulate(args: &SimulateArgs) -> super::CmdResult {
    let scn = load(&args.scenario)?;
    for p in &args.policies {
        if !scn.policies.iter().any(|q| &q.name == p) {
            let names: Vec<&str> = scn.policies.iter().map(|q| q.name.as_str()).collect();
            return Err(CliError::Invalid(format!(
                "{}: unknown policy {p:?}; expected one of: {}",
                args.scenario.display(),
                names.join(", ")
            )));
        }
    }
    let opts = SimOptions {
        runs: args.runs,
        seed: args.seed,
        policies: args.policies.clone(),
        skip_attribution: args.no_attribution,
        engine: args.engine.choice(),
        budget_risk: args.budget_risk,
        event_effects: true,
    };
    args.engine.refuse_huge_work(&scn, &opts)?;
    let results = simulate_with_events(&scn, &opts, &Control::none()).map_err(anyhow::Error::from)?;
    if args.json {
        super::emit(&format!(
            "{}\n",
            serde_json::to_string_pretty(&crate::report::risks::worded(&results)).map_err(anyhow::Error::from)?
        ))?;
    } else {
        super::emit(&crate::report::table::render(&results))?;
    }
    Ok(())
}
/// Splits `file.ron:policy` (the policy may be omitted for a policy file).
fn split_spec(spec: &str) -> (PathBuf, Option<String>) {
    match spec.rsplit_once(':') {
        Some((f, p)) if !p.is_empty() && !p.contains('/') && !p.contains('\\') => {
            (PathBuf::from(f), Some(p.to_string()))
        }
        _ => (PathBuf::from(spec), None),
    }
}

fn load_policy_spec(spec: &str) -> std::result::Result<(Option<Scenario>, crate::model::Policy), String> {
    let (path, name) = split_spec(spec);
    match crate::model::scenario::load_any(&path).map_err(|e| e.to_string())? {
        crate::model::scenario::AnyFile::Scenario(s) => {
            let name = name.ok_or_else(|| format!("{}: name a policy: {}:<policy>", path.display(), path.display()))?;
            let p = s.policies.iter().find(|p| p.name == name).cloned().ok_or_else(|| {
                let names: Vec<&str> = s.policies.iter().map(|p| p.name.as_str()).collect();
                format!(
                    "{}: unknown policy {name:?}; expected one of: {}",
                    path.display(),
                    names.join(", ")
                )
            })?;
            Ok((Some(*s), p))
        }
        crate::model::scenario::AnyFile::Policy(p) => Ok((None, *p)),
        other => Err(format!(
            "{}: a {}, not a policy; give a policy file or scenario.ron:<policy>",
            path.display(),
            other.kind_name()
        )),
    }
}

/// Runs `compare`: two policy versions on the first file's traffic, paired.
pub fn compare(args: &CompareArgs) -> super::CmdResult {
    let (scn, a) = match load_policy_spec(&args.a) {
        Ok((Some(s), p)) => (s, p),
        Ok((None, _)) => {
            return Err(CliError::Invalid(format!(
                "{}: the first argument must name a scenario file and a policy (scenario.ron:policy)",
                args.a
            )));
        }
        Err(m) => {
            return Err(CliError::Invalid(m.to_string()));
        }
    };
    let b = match load_policy_spec(&args.b) {
        Ok((_, p)) => p,
        Err(m) => {
            return Err(CliError::Invalid(m.to_string()));
        }
    };
    let pair = match crate::sim::results::pair_scenario(&scn, &a, &b) {
        Ok(s) => s,
        Err(e) => {
            return Err(CliError::Invalid(format!(
                "{}: policy {:?} does not fit this scenario:\n{e}",
                args.b, b.name
            )));
        }
    };
    let opts = SimOptions {
        runs: args.runs,
        seed: args.seed,
        engine: args.engine.choice(),
        ..Default::default()
    };
    args.engine.refuse_huge_work(&pair, &opts)?;
    let r = run_sim(&pair, &opts, &Control::none()).map_err(anyhow::Error::from)?;
    if args.json {
        let changed: Vec<serde_json::Value> = a
            .differing_tactics(&b)
            .into_iter()
            .map(|t| serde_json::json!({"tactic": t.name(), "a": a.component_text(t), "b": b.component_text(t)}))
            .collect();
        super::emit(&format!(
            "{}\n",
            serde_json::to_string_pretty(
                &serde_json::json!({"changed": changed, "results": crate::report::risks::worded(&r)})
            )
            .map_err(anyhow::Error::from)?
        ))?;
    } else {
        super::emit(&crate::report::table::render_compare(&a, &b, &r))?;
    }
    Ok(())
}
/// Runs `report`.
pub fn report(args: &ReportArgs) -> super::CmdResult {
    let Some(format) = args
        .format
        .map(FormatArg::format)
        .or_else(|| crate::report::Format::from_path(&args.output))
    else {
        return Err(CliError::Invalid(format!(
            "{}: cannot tell the format from the extension; use --format html|md|csv|json",
            args.output.display()
        )));
    };
    let to_stdout = args.output.as_os_str() == "-";
    if to_stdout && !matches!(format, crate::report::Format::Html | crate::report::Format::Json) {
        return Err(CliError::Invalid(
            "-o -: only the one-file formats (--format html or json) go to standard output; a Markdown report has chart files and a CSV report two tables, so give them a file name".into(),
        ));
    }
    let scn = load(&args.scenario)?;
    // Output paths are checked before the simulation, not after minutes of work.
    let mut targets = if to_stdout {
        Vec::new()
    } else {
        vec![args.output.clone()]
    };
    if format == crate::report::Format::Csv {
        targets.push(crate::report::csv_out::savings_path(&args.output));
    }
    for t in &targets {
        super::check_output(t, "the report")?;
    }
    let opts = SimOptions {
        runs: args.runs,
        seed: args.seed,
        engine: args.engine.choice(),
        budget_risk: args.budget_risk,
        event_effects: true,
        ..Default::default()
    };
    args.engine.refuse_huge_work(&scn, &opts)?;
    let results = simulate_with_events(&scn, &opts, &Control::none()).map_err(anyhow::Error::from)?;
    if to_stdout {
        for (_, bytes) in crate::report::files(&scn, &results, format, &args.output)? {
            super::emit(&String::from_utf8_lossy(&bytes))?;
        }
        return Ok(());
    }
    for p in crate::report::write(&scn, &results, format, &args.output)? {
        eprintln!("wrote {}", p.display());
    }
    Ok(())
}

/// `--budget-risk`: a share above 0 and below 1.
fn parse_risk(s: &str) -> std::result::Result<f64, String> {
    match s.trim().parse::<f64>() {
        Ok(x) if x > 0.0 && x < 1.0 => Ok(x),
        Ok(x) => Err(format!("expected a risk above 0 and below 1 (0.05 = 5%), found {x}")),
        Err(_) => Err(format!(
            "expected a number above 0 and below 1 (0.05 = 5%), found {s:?}"
        )),
    }
}
