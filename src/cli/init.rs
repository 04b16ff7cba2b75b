//! `costplan init --from-logs`: a complete scenario drafted from logs — the fitted traffic file,
//! the scenario (models, observed routing as the baseline, assumptions named in its header) and,
//! unless `--prices` names one, the bundled price table beside it.

use std::path::{Path, PathBuf};

use anyhow::Context;

use super::{CliError, CmdResult};
use crate::logs::fit::{FitOptions, fit};
use crate::logs::init::{InitOptions, draft};
use crate::model::scenario::{Files, Scenario};

/// Arguments of `costplan init`.
#[derive(Debug, clap::Args)]
pub struct InitArgs {
    /// Log files to draft the scenario from (any format `traffic fit` reads).
    #[arg(long = "from-logs", required = true, num_args = 1..)]
    pub from_logs: Vec<PathBuf>,
    /// Where to write the scenario; its traffic goes beside it as `<name>-traffic.ron`.
    #[arg(short, long)]
    pub output: PathBuf,
    /// The price table to refer to (RON or LiteLLM's JSON). Default: CostPlan's bundled table,
    /// written beside the scenario as `prices.ron`.
    #[arg(long)]
    pub prices: Option<PathBuf>,
    /// Group classes by this key (as `traffic fit`).
    #[arg(long, value_parser = super::traffic::group_key)]
    pub class_by: Option<String>,
    /// Take each class's owner from this key (as `traffic fit`).
    #[arg(long, value_parser = super::traffic::group_key)]
    pub owner_by: Option<String>,
    /// The scenario's name (default: "Drafted from <first log file>").
    #[arg(long)]
    pub name: Option<String>,
}

/// The files a scenario refers to, from memory (checked before anything is written).
struct Drafts<'a>(&'a [(String, String)]);

impl Files for Drafts<'_> {
    fn read(&self, rel: &str) -> Result<(String, String), String> {
        self.0
            .iter()
            .find(|(k, _)| k == rel)
            .map(|(k, t)| (k.clone(), t.clone()))
            .ok_or_else(|| format!("the referenced file {rel:?} was not drafted"))
    }
}

/// The price table's path as the scenario refers to it, and its text (and whether to write it).
fn price_table(a: &InitArgs, dir: &Path) -> Result<(String, String, bool), CliError> {
    match &a.prices {
        Some(p) => {
            let text =
                crate::model::scenario::read_text(p).map_err(|e| CliError::Failed(format!("{}: {e}", p.display())))?;
            let abs = std::fs::canonicalize(p).map_err(|e| CliError::Failed(format!("{}: {e}", p.display())))?;
            let rel = std::fs::canonicalize(dir)
                .ok()
                .and_then(|d| abs.strip_prefix(d).ok().map(Path::to_path_buf))
                .unwrap_or(abs);
            Ok((rel.to_string_lossy().into_owned(), text, false))
        }
        None => {
            let path = dir.join("prices.ron");
            let bundled = crate::model::DEFAULT_PRICES;
            match std::fs::read_to_string(&path) {
                Ok(t) if t == bundled => Ok(("prices.ron".into(), t, false)),
                Ok(_) => Err(CliError::Invalid(format!(
                    "{}: a different price table is already there; pass --prices {} to use it, or move it away",
                    path.display(),
                    path.display()
                ))),
                Err(_) => Ok(("prices.ron".into(), bundled.to_string(), true)),
            }
        }
    }
}

/// Runs `costplan init`.
pub fn run(a: &InitArgs) -> CmdResult {
    let dir = a
        .output
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let stem = a
        .output
        .file_stem()
        .map_or("scenario".into(), |s| s.to_string_lossy().into_owned());
    let traffic_rel = format!("{stem}-traffic.ron");
    let traffic_path = dir.join(&traffic_rel);
    for out in [&a.output, &traffic_path] {
        if a.from_logs.iter().any(|f| f == out) {
            return Err(CliError::Invalid(format!(
                "{}: the output would overwrite an input",
                out.display()
            )));
        }
        super::check_output(out, "the drafted scenario")?;
    }
    let (prices_rel, prices_text, write_prices) = price_table(a, dir)?;
    let prices = crate::model::scenario::parse_prices_text(&prices_rel, &prices_text, &prices_rel)
        .map_err(|e| CliError::Invalid(e.to_string()))?;
    let logs = super::traffic::read_logs(&a.from_logs)?;
    super::traffic::print_skipped(&logs);
    let f = fit(
        &logs,
        &FitOptions {
            class_by: a.class_by.clone(),
            owner_by: a.owner_by.clone(),
            name: String::new(),
        },
    );
    let traffic_text = f
        .to_checked_ron(&logs, &traffic_rel)
        .map_err(|e| CliError::Invalid(format!("{e} (nothing written)")))?;
    let first = a.from_logs[0]
        .file_name()
        .map_or(String::new(), |n| n.to_string_lossy().into_owned());
    let opts = InitOptions {
        name: a.name.clone().unwrap_or_else(|| format!("Drafted from {first}")),
        traffic_file: traffic_rel.clone(),
        prices_file: prices_rel.clone(),
    };
    let d = draft(&logs, &f, &prices, &opts).map_err(|e| CliError::Invalid(format!("{e} (nothing written)")))?;
    let body = crate::model::ron_io::to_ron_string(&d.scenario).context("writing the scenario as RON")?;
    let mut text = String::from("// Scenario drafted by CostPlan from logs (`costplan init --from-logs`).\n");
    for h in &d.header {
        text.push_str(&format!("// {h}\n"));
    }
    text.push_str(&body);
    text.push('\n');
    // Checked as it will be read back, before anything is written.
    let files = [
        (traffic_rel.clone(), traffic_text.clone()),
        (prices_rel.clone(), prices_text.clone()),
    ];
    Scenario::from_str_with(&text, &a.output.display().to_string(), &Drafts(&files))
        .map_err(|e| CliError::Invalid(format!("the drafted scenario does not validate: {e} (nothing written)")))?;
    let write = |p: &Path, t: &str| {
        crate::model::io::write_atomic(p, t.as_bytes()).with_context(|| format!("writing {}", p.display()))
    };
    write(&traffic_path, &traffic_text)?;
    if write_prices {
        write(&dir.join("prices.ron"), &prices_text)?;
    }
    write(&a.output, &text)?;
    eprintln!(
        "wrote {} ({} models, {} classes, baseline {:?}) and {}{}; replace the assumed success rates (see its header), then `costplan backtest {} --actual …`",
        a.output.display(),
        d.scenario.models.len(),
        f.profile.classes.len(),
        d.scenario.baseline,
        traffic_path.display(),
        if write_prices {
            " and prices.ron (CostPlan's bundled table)"
        } else {
            ""
        },
        a.output.display()
    );
    Ok(())
}
