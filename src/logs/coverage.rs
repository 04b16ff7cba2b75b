//! The time the logs cover: tasks per day, each day's covered share (an export starts and ends
//! mid-day, and an hour of logs is not a day), stray rows far from the rest (a typo'd year), and
//! days without a row inside the period — each said in the fit's notes.

use super::Record;
use super::fit::{date_of_day, unix_day};

/// Rows on days more than this many days from the bulk of the logs are strays, when they are
/// under 1 % of the rows.
pub const STRAY_GAP_DAYS: i64 = 7;

/// A first or last day covered at least this much counts as whole.
pub const FULL_DAY_SHARE: f64 = 0.95;

/// Tasks per day over the covered period.
pub struct DailyCounts {
    pub first_day: i64,
    pub last_day: i64,
    /// Tasks per day, from `first_day`.
    pub by_day: Vec<f64>,
    /// The share of each day the logs cover (1 inside; the first and last day from the first
    /// and last row's time; 1 for aggregated sources, which have no time of day).
    pub coverage: Vec<f64>,
    /// Rows left out as strays.
    pub strays: Vec<usize>,
}

impl DailyCounts {
    /// The days covered in all (partial days by their share).
    pub fn covered_days(&self) -> f64 {
        self.coverage.iter().sum()
    }
}

/// Daily task counts, coverage and strays; `notes` gets what was found.
pub fn daily_counts(
    records: &[Record],
    tasks_of: &dyn Fn(usize) -> f64,
    per_request: bool,
    notes: &mut Vec<(String, String)>,
) -> DailyCounts {
    let (first_day, last_day) = main_period(records);
    let n_days = (last_day - first_day + 1).max(1) as usize;
    let mut by_day = vec![0.0f64; n_days];
    let mut strays = Vec::new();
    let (mut first_s, mut last_s) = (f64::INFINITY, f64::NEG_INFINITY);
    for (i, r) in records.iter().enumerate() {
        let d = unix_day(r.start_unix_s);
        if d < first_day || d > last_day {
            strays.push(i);
            continue;
        }
        by_day[(d - first_day) as usize] += tasks_of(i);
        first_s = first_s.min(r.start_unix_s);
        last_s = last_s.max(r.start_unix_s);
    }
    note_strays(records, &strays, notes);
    let coverage = if per_request && first_s.is_finite() {
        edge_coverage((first_day, last_day), (first_s, last_s), notes)
    } else {
        vec![1.0; n_days]
    };
    note_empty_days(&by_day, first_day, notes);
    DailyCounts {
        first_day,
        last_day,
        by_day,
        coverage,
        strays,
    }
}

/// The first and last day of the bulk of the logs: the days with rows, in clusters no more than
/// [`STRAY_GAP_DAYS`] apart; the largest cluster when the others hold under 1 % of the rows.
fn main_period(records: &[Record]) -> (i64, i64) {
    let mut sorted: Vec<i64> = records.iter().map(|r| unix_day(r.start_unix_s)).collect();
    sorted.sort_unstable();
    // (first day, last day, rows) of each cluster.
    let mut clusters: Vec<(i64, i64, usize)> = Vec::new();
    for d in sorted {
        match clusters.last_mut() {
            Some((_, hi, rows)) if d - *hi <= STRAY_GAP_DAYS => {
                *hi = d;
                *rows += 1;
            }
            _ => clusters.push((d, d, 1)),
        }
    }
    let total = records.len().max(1);
    let main = clusters.iter().copied().max_by_key(|c| c.2).unwrap_or((0, 0, 0));
    let others = total - main.2;
    if others > 0 && others * 100 < total {
        (main.0, main.1)
    } else {
        (clusters.first().map_or(0, |c| c.0), clusters.last().map_or(0, |c| c.1))
    }
}

fn note_strays(records: &[Record], strays: &[usize], notes: &mut Vec<(String, String)>) {
    if strays.is_empty() {
        return;
    }
    let shown: Vec<String> = strays
        .iter()
        .take(3)
        .map(|&i| date_of_day(unix_day(records[i].start_unix_s)).to_string())
        .collect();
    notes.push((
        "requests_per_day".into(),
        format!(
            "{} row(s) dated far from the rest ({}{}) left out as strays (a clock or typo'd date?)",
            strays.len(),
            shown.join(", "),
            if strays.len() > 3 { ", …" } else { "" }
        ),
    ));
}

/// Each day's covered share: the first from its first row to midnight, the last from midnight
/// to its last row (one day: the span between them); at least [`FULL_DAY_SHARE`] counts whole.
fn edge_coverage(
    (first_day, last_day): (i64, i64),
    (first_s, last_s): (f64, f64),
    notes: &mut Vec<(String, String)>,
) -> Vec<f64> {
    let n_days = (last_day - first_day + 1).max(1) as usize;
    let mut coverage = vec![1.0f64; n_days];
    let day_s = 86_400.0;
    let minute = 1.0 / 1440.0;
    if n_days == 1 {
        coverage[0] = ((last_s - first_s) / day_s).clamp(minute, 1.0);
    } else {
        coverage[0] = (((first_day + 1) as f64 * day_s - first_s) / day_s).clamp(minute, 1.0);
        coverage[n_days - 1] = ((last_s - last_day as f64 * day_s) / day_s).clamp(minute, 1.0);
    }
    // A first row minutes after midnight is traffic that had not started, not a cut export.
    for c in &mut coverage {
        if *c >= FULL_DAY_SHARE {
            *c = 1.0;
        }
    }
    let mut partial: Vec<String> = [(0, "first"), (n_days - 1, "last")]
        .iter()
        .filter(|&&(d, _)| coverage[d] < 1.0)
        .map(|&(d, which)| {
            format!(
                "the {which} day {:.0}% ({} h)",
                coverage[d] * 100.0,
                (coverage[d] * 240.0).round() / 10.0
            )
        })
        .collect();
    partial.dedup();
    if !partial.is_empty() {
        notes.push((
            "requests_per_day".into(),
            format!(
                "the logs cover {} (from the first row's time to the last's): their counts are scaled to whole days, assuming traffic spread evenly over the day",
                partial.join(" and ")
            ),
        ));
    }
    coverage
}

fn note_empty_days(by_day: &[f64], first_day: i64, notes: &mut Vec<(String, String)>) {
    let empty: Vec<String> = (1..by_day.len().saturating_sub(1))
        .filter(|&d| by_day[d] == 0.0)
        .map(|d| date_of_day(first_day + d as i64).to_string())
        .collect();
    if !empty.is_empty() {
        notes.push((
            "requests_per_day".into(),
            format!(
                "{} day(s) inside the period without a row ({}{}): left out of the trend, not read as days without traffic (a gap in the export?)",
                empty.len(),
                empty.iter().take(3).cloned().collect::<Vec<_>>().join(", "),
                if empty.len() > 3 { ", …" } else { "" }
            ),
        ));
    }
}
