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

/// Whole days and tasks needed to learn the hour-of-day shape that weights a partial first or
/// last day (fewer: traffic is assumed even over the day).
pub const SHAPE_MIN_DAYS: usize = 2;
pub const SHAPE_MIN_TASKS: f64 = 200.0;

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
        let time = edge_coverage((first_day, last_day), (first_s, last_s));
        let shape = hour_shape(records, tasks_of, first_day, &time);
        let traffic = traffic_coverage(&time, (first_day, first_s, last_s), shape.as_ref());
        note_partial(&time, &traffic, shape.as_ref().map(|s| s.1), notes);
        traffic
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

/// Each day's covered share of time: the first from its first row to midnight, the last from
/// midnight to its last row (one day: the span between them); at least [`FULL_DAY_SHARE`]
/// counts whole.
fn edge_coverage((first_day, last_day): (i64, i64), (first_s, last_s): (f64, f64)) -> Vec<f64> {
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
    coverage
}

/// The share of a day's tasks in each hour (UTC), from the whole days, with the number of whole
/// days it was learnt from; `None` with fewer than [`SHAPE_MIN_DAYS`] whole days or
/// [`SHAPE_MIN_TASKS`] tasks in them.
fn hour_shape(
    records: &[Record],
    tasks_of: &dyn Fn(usize) -> f64,
    first_day: i64,
    time: &[f64],
) -> Option<([f64; 24], usize)> {
    let whole = time.iter().filter(|c| **c >= 1.0).count();
    if whole < SHAPE_MIN_DAYS || time.iter().all(|c| *c >= 1.0) {
        return None;
    }
    let mut hours = [0.0f64; 24];
    for (i, r) in records.iter().enumerate() {
        let d = unix_day(r.start_unix_s) - first_day;
        if d >= 0 && (d as usize) < time.len() && time[d as usize] >= 1.0 {
            let h = (r.start_unix_s.rem_euclid(86_400.0) / 3600.0) as usize;
            hours[h.min(23)] += tasks_of(i);
        }
    }
    let total: f64 = hours.iter().sum();
    (total >= SHAPE_MIN_TASKS).then(|| (hours.map(|h| h / total), whole))
}

/// The share of a day's traffic that falls between two times of day (seconds from midnight).
fn shape_between(shape: &[f64; 24], from_s: f64, to_s: f64) -> f64 {
    (0..24)
        .map(|h| {
            let (a, b) = (h as f64 * 3600.0, (h + 1) as f64 * 3600.0);
            let overlap = (to_s.min(b) - from_s.max(a)).max(0.0) / 3600.0;
            shape[h] * overlap
        })
        .sum()
}

/// Each day's covered share of its traffic: by the hour-of-day shape where it is known (a cut
/// at 14:00 of a day whose traffic runs 08:00–20:00 covers half of it, not 58 %), else by time.
fn traffic_coverage(
    time: &[f64],
    (first_day, first_s, last_s): (i64, f64, f64),
    shape: Option<&([f64; 24], usize)>,
) -> Vec<f64> {
    let Some((shape, _)) = shape else {
        return time.to_vec();
    };
    let n = time.len();
    let floor = 1.0 / 1440.0;
    let of_day = |t: f64, day: i64| t - day as f64 * 86_400.0;
    let mut out = time.to_vec();
    if n == 1 {
        if time[0] < 1.0 {
            out[0] = shape_between(shape, of_day(first_s, first_day), of_day(last_s, first_day)).max(floor);
        }
        return out;
    }
    if time[0] < 1.0 {
        out[0] = shape_between(shape, of_day(first_s, first_day), 86_400.0).max(floor);
    }
    let last_day = first_day + n as i64 - 1;
    if time[n - 1] < 1.0 {
        out[n - 1] = shape_between(shape, 0.0, of_day(last_s, last_day)).max(floor);
    }
    // A day cut after its traffic ended (or before it began) is whole.
    for c in &mut out {
        if *c >= FULL_DAY_SHARE {
            *c = 1.0;
        }
    }
    out
}

/// Says how partial first and last days were scaled to whole days.
fn note_partial(time: &[f64], traffic: &[f64], shape_days: Option<usize>, notes: &mut Vec<(String, String)>) {
    let n = time.len();
    if n == 1 {
        // One day: the volume's own note says how much of it the logs cover.
        return;
    }
    let mut partial: Vec<String> = [(0, "first"), (n - 1, "last")]
        .iter()
        .filter(|&&(d, _)| traffic[d] < 1.0)
        .map(|&(d, which)| {
            let hours = (time[d] * 240.0).round() / 10.0;
            match shape_days {
                Some(_) => format!(
                    "the {which} day {hours} h ({:.0}% of a day's traffic by the hour-of-day shape)",
                    traffic[d] * 100.0
                ),
                None => format!("the {which} day {:.0}% ({hours} h)", time[d] * 100.0),
            }
        })
        .collect();
    partial.dedup();
    if partial.is_empty() {
        return;
    }
    let how = match shape_days {
        Some(days) => format!(
            "their counts are scaled to whole days by the hour-of-day shape of the {days} whole days (UTC)"
        ),
        None => "their counts are scaled to whole days, assuming traffic spread evenly over the day (too few whole days to learn an hour-of-day shape)".to_string(),
    };
    notes.push((
        "requests_per_day".into(),
        format!(
            "the logs cover {} (from the first row's time to the last's): {how}",
            partial.join(" and ")
        ),
    ));
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
