//! Planning reports: HTML (self-contained, inline SVG charts), Markdown (charts as SVG files
//! beside it), CSV (per-run metrics and savings by tactic) and JSON; and the CLI's text tables.

pub mod charts;
pub mod csv_out;
pub mod format;
pub mod html;
pub mod markdown;
pub mod series;
pub mod summary;
pub mod table;

use std::path::{Path, PathBuf};

use crate::model::Scenario;
use crate::sim::results::Results;

/// A report format.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
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
    let mut v = serde_json::to_value(r)?;
    if let Some(e) = v.get_mut("engine").and_then(|e| e.as_object_mut()) {
        e.remove("wall_seconds");
        e.remove("threads");
    }
    serde_json::to_string_pretty(&v)
}

/// Writes a report; returns every file written. Markdown writes its charts beside it; CSV
/// writes a second file of savings by tactic.
pub fn write(scn: &Scenario, r: &Results, format: Format, path: &Path) -> anyhow::Result<Vec<PathBuf>> {
    use anyhow::Context;
    let mut written = Vec::new();
    let mut put = |p: &Path, bytes: &[u8]| -> anyhow::Result<()> {
        crate::cli::write_atomic(p, bytes).with_context(|| format!("writing {}", p.display()))?;
        written.push(p.to_path_buf());
        Ok(())
    };
    match format {
        Format::Html => put(path, html::render(scn, r).as_bytes())?,
        Format::Json => put(path, json(r)?.as_bytes())?,
        Format::Csv => {
            put(path, &csv_out::per_run(r)?)?;
            put(&csv_out::savings_path(path), &csv_out::savings(r)?)?;
        }
        Format::Md => {
            let stem = path
                .file_stem()
                .map(|s| s.to_string_lossy().to_string())
                .unwrap_or_else(|| "report".into());
            let dir_name = format!("{stem}-charts");
            let dir = path.parent().unwrap_or(Path::new(".")).join(&dir_name);
            std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
            let (text, charts) = markdown::render(scn, r, &dir_name);
            for (name, svg) in charts {
                put(&dir.join(name), svg.as_bytes())?;
            }
            put(path, text.as_bytes())?;
        }
    }
    Ok(written)
}
