//! CSV: one row per run and policy with every per-run metric; a second file of savings by tactic.

use std::path::{Path, PathBuf};

use crate::sim::metrics::METRICS;
use crate::sim::results::Results;

fn cell(x: f64) -> String {
    if x.is_finite() { format!("{x}") } else { String::new() }
}

/// Per-run metrics: columns `policy,run,<metric>…`.
pub fn per_run(r: &Results) -> Result<Vec<u8>, csv::Error> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let mut header = vec!["policy".to_string(), "run".to_string()];
    header.extend(METRICS.iter().map(|m| m.key.to_string()));
    w.write_record(&header)?;
    for p in &r.policies {
        for (i, run) in p.runs.iter().enumerate() {
            let mut row = vec![p.name.clone(), i.to_string()];
            row.extend(run.values.values().map(|x| cell(*x)));
            w.write_record(&row)?;
        }
    }
    w.into_inner().map_err(|e| e.into_error().into())
}

/// The savings file's path: `x.csv` → `x-savings.csv`.
pub fn savings_path(path: &Path) -> PathBuf {
    let stem = path
        .file_stem()
        .map(|s| s.to_string_lossy().to_string())
        .unwrap_or_else(|| "report".into());
    path.with_file_name(format!("{stem}-savings.csv"))
}

/// Savings by tactic: `policy,method,saving_of,tactic,mean_usd,p5_usd,p95_usd`.
pub fn savings(r: &Results) -> Result<Vec<u8>, csv::Error> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record([
        "policy",
        "method",
        "saving_of",
        "tactic",
        "mean_usd",
        "p5_usd",
        "p95_usd",
    ])?;
    for p in &r.policies {
        let Some(s) = &p.savings_by_tactic else { continue };
        for (method, of, list) in [
            ("shapley", "total_cost", &s.shapley),
            ("waterfall", "total_cost", &s.waterfall),
            ("shapley", "cost_per_success", &s.shapley_cost_per_success),
            ("waterfall", "cost_per_success", &s.waterfall_cost_per_success),
        ] {
            for t in list {
                w.write_record([
                    p.name.as_str(),
                    method,
                    of,
                    t.tactic.name(),
                    &cell(t.mean_usd),
                    &cell(t.p5_usd),
                    &cell(t.p95_usd),
                ])?;
            }
        }
    }
    w.into_inner().map_err(|e| e.into_error().into())
}
