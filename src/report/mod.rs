//! Planning reports: HTML (self-contained, inline SVG charts), Markdown (charts as SVG files
//! beside it), CSV (per-run metrics and savings by tactic) and JSON; and the CLI's text tables.
//!
//! Layer: above `model`, `sim` and `logs`, below `cli` and `gui`: every word and number format
//! the front ends show comes from here (figure rows, risk-flag sentences, the palette).

pub mod backtest;
pub mod charts;
pub mod csv_out;
pub mod figures;
pub mod format;
pub mod html;
pub mod markdown;
pub mod risks;
pub mod series;
pub mod summary;
pub mod sweep;
pub mod table;
pub mod theme;

use std::path::{Path, PathBuf};

use crate::model::Scenario;
use crate::sim::results::Results;

/// A report format.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Html,
    Md,
    Csv,
    Json,
}

impl Format {
    /// The format a file name implies (`.html`, `.md`, `.csv`, `.json`).
    pub fn from_path(path: &Path) -> Option<Format> {
        match path.extension()?.to_str()?.to_ascii_lowercase().as_str() {
            "html" | "htm" => Some(Format::Html),
            "md" | "markdown" => Some(Format::Md),
            "csv" => Some(Format::Csv),
            "json" => Some(Format::Json),
            _ => None,
        }
    }
}

/// The results as reproducible JSON: `simulate --json` without the wall-clock time and thread
/// count, so that the same scenario and seed give byte-identical files.
pub fn json(r: &Results) -> Result<String, serde_json::Error> {
    let mut v = serde_json::to_value(risks::worded(r))?;
    if let Some(e) = v.get_mut("engine").and_then(|e| e.as_object_mut()) {
        e.remove("wall_seconds");
        e.remove("threads");
    }
    serde_json::to_string_pretty(&v)
}

/// The files a report consists of (path, bytes), its main file first. Markdown's charts are
/// named by their content (`spend-over-time-1a2b3c4d.svg`), so a new report never overwrites a
/// chart the previous one links to.
pub fn files(scn: &Scenario, r: &Results, format: Format, path: &Path) -> anyhow::Result<Vec<(PathBuf, Vec<u8>)>> {
    Ok(match format {
        Format::Html => vec![(path.to_path_buf(), html::render(scn, r).into_bytes())],
        Format::Json => vec![(path.to_path_buf(), json(r)?.into_bytes())],
        Format::Csv => vec![
            (path.to_path_buf(), csv_out::per_run(r)?),
            (csv_out::savings_path(path), csv_out::savings(r)?),
        ],
        Format::Md => {
            let dir_name = charts_dir_name(path);
            let dir = path.parent().unwrap_or(Path::new(".")).join(&dir_name);
            let (text, charts) = markdown::render(scn, r, &dir_name);
            let mut out = vec![(path.to_path_buf(), text.into_bytes())];
            out.extend(charts.into_iter().map(|(name, svg)| (dir.join(name), svg.into_bytes())));
            out
        }
    })
}

/// The folder of a Markdown report's charts: `<stem>-charts`, beside it.
pub fn charts_dir_name(path: &Path) -> String {
    let stem = path
        .file_stem()
        .map(|s| s.to_string_lossy().to_string())
        .unwrap_or_else(|| "report".into());
    format!("{stem}-charts")
}

/// Writes a report as a whole (see [`crate::model::io::write_set_atomic`]): a reader, or a
/// kill at any moment, finds the previous set of files or the new one, never a mix. Returns
/// every file written. Charts of earlier Markdown reports that the new one no longer links to
/// are removed afterwards.
pub fn write(scn: &Scenario, r: &Results, format: Format, path: &Path) -> anyhow::Result<Vec<PathBuf>> {
    use anyhow::Context;
    let files = files(scn, r, format, path)?;
    if format == Format::Md {
        let dir = path.parent().unwrap_or(Path::new(".")).join(charts_dir_name(path));
        std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    crate::model::io::write_set_atomic(&files).with_context(|| format!("writing {}", path.display()))?;
    if format == Format::Md {
        let keep: Vec<&Path> = files.iter().skip(1).map(|(p, _)| p.as_path()).collect();
        let dir = path.parent().unwrap_or(Path::new(".")).join(charts_dir_name(path));
        for e in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
            let p = e.path();
            if charts::is_chart_file_name(&e.file_name().to_string_lossy()) && !keep.contains(&p.as_path()) {
                let _ = std::fs::remove_file(p);
            }
        }
    }
    Ok(files.into_iter().map(|(p, _)| p).collect())
}
