//! `costplan init --from-logs`: a complete scenario drafted from logs — the fitted traffic file,
//! the scenario (models, observed routing as the baseline, assumptions named in its header) and,
//! unless `--prices` names one, the bundled price table beside it.

use std::path::PathBuf;

use super::{CliError, CmdResult};
use crate::logs::fit::FitOptions;
use crate::logs::init::{DraftRequest, InitError, draft_files};

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
    #[command(flatten)]
    pub db: super::traffic::DbArgs,
}

/// Runs `costplan init`.
pub fn run(a: &InitArgs) -> CmdResult {
    let req = DraftRequest {
        logs: a.from_logs.clone(),
        output: a.output.clone(),
        prices: a.prices.clone(),
        fit: FitOptions {
            class_by: a.class_by.clone(),
            owner_by: a.owner_by.clone(),
            name: String::new(),
        },
        name: a.name.clone(),
        db: a.db.query(),
    };
    let w = super::traffic::with_read_control(|ctl| draft_files(&req, ctl)).map_err(|e| match e {
        InitError::Io(m) => CliError::Failed(m),
        InitError::Stopped { rows } => super::traffic::stopped(rows),
        e => CliError::Invalid(e.to_string()),
    })?;
    super::traffic::print_skipped(&w.logs);
    eprintln!(
        "wrote {} ({} models, {} classes, baseline {:?}) and {}{}; replace the assumed success rates (see its header), then `costplan backtest {} --actual …`",
        a.output.display(),
        w.models,
        w.classes,
        w.baseline,
        w.traffic.display(),
        w.prices.as_ref().map_or(String::new(), |p| format!(
            " and {} (CostPlan's bundled price table)",
            p.display()
        )),
        a.output.display()
    );
    Ok(())
}
