//! Number formatting shared by the CLI tables, the GUI and the reports: dollars, percentages,
//! milliseconds, counts, with units always shown.

use crate::sim::metrics::{METRICS, Unit};

/// Dollars with sensible precision: `$1,234`, `$12.35`, `$0.00812`.
pub fn usd(x: f64) -> String {
    if !x.is_finite() {
        return "–".to_string();
    }
    let sign = if x < 0.0 { "-" } else { "" };
    let a = x.abs();
    if a >= 1000.0 {
        format!("{sign}${}", whole(a))
    } else if a >= 1.0 {
        format!("{sign}${a:.2}")
    } else if a == 0.0 {
        "$0".to_string()
    } else {
        let digits = (-(a.log10().floor()) as usize + 2).min(9);
        format!("{sign}${a:.digits$}")
    }
}

/// A non-negative amount rounded to a whole number with thousands separators; from 10^15 up
/// (beyond what a u64 holds exactly) in scientific notation, never a saturated integer.
pub fn whole(x: f64) -> String {
    if !x.is_finite() {
        return "–".to_string();
    }
    let r = x.round();
    if r.abs() >= 1e15 {
        format!("{r:.2e}")
    } else if r < 0.0 {
        format!("-{}", thousands(-r as u64))
    } else {
        thousands(r as u64)
    }
}

/// A figure as the user wrote it, with thousands separators when it is a whole number of four
/// digits or more (`20000` → `20,000`; `0.08` stays).
pub fn number(x: f64) -> String {
    if x.is_finite() && x.fract() == 0.0 && x.abs() >= 1000.0 && x.abs() < 1e15 {
        whole(x)
    } else {
        format!("{x}")
    }
}

/// `1234567` → `1,234,567`.
pub fn thousands(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A ratio as a percentage: `93.4%`.
pub fn pct(x: f64) -> String {
    if x.is_finite() {
        format!("{:.1}%", x * 100.0)
    } else {
        "–".to_string()
    }
}

/// A value in the metric's unit.
pub fn value(unit: Unit, x: f64) -> String {
    if !x.is_finite() {
        return "–".to_string();
    }
    match unit {
        Unit::Usd => usd(x),
        Unit::Ratio => pct(x),
        Unit::Ms => format!("{}{} ms", if x < 0.0 { "-" } else { "" }, whole(x.abs())),
        Unit::Count => whole(x.max(0.0)),
        Unit::Average => format!("{x:.2}"),
        Unit::PerMtok => format!("{x:.1}/Mtok"),
        Unit::Day => format!("day {:.0}", x + 1.0),
    }
}

/// A change in the metric's unit, signed: `-$412`, `-1.2 pt`, `+35 ms`.
pub fn delta(unit: Unit, x: f64) -> String {
    if !x.is_finite() {
        return "–".to_string();
    }
    let sign = if x >= 0.0 { "+" } else { "-" };
    let a = x.abs();
    match unit {
        Unit::Usd => format!("{sign}{}", usd(a)),
        Unit::Ratio => format!("{sign}{:.2} pt", a * 100.0),
        Unit::Ms => format!("{sign}{} ms", whole(a)),
        Unit::Count => format!("{sign}{}", whole(a)),
        Unit::Average => format!("{sign}{a:.2}"),
        Unit::PerMtok => format!("{sign}{a:.1}/Mtok"),
        Unit::Day => format!("{sign}{a:.0} d"),
    }
}

/// How often a candidate is better and worse than the baseline ("60% better · 10% worse", the
/// rest ties), or "same" when it never differs.
pub fn p_better(d: &crate::sim::results::Delta) -> String {
    if d.p_better == 0.0 && d.p_worse == 0.0 {
        "same".to_string()
    } else if d.p_better.is_nan() {
        "–".to_string()
    } else {
        format!("{} better · {} worse", pct(d.p_better), pct(d.p_worse))
    }
}

/// The unit of a metric by key.
pub fn unit_of(key: &str) -> Unit {
    METRICS
        .iter()
        .find(|m| m.key == key)
        .map(|m| m.unit)
        .unwrap_or(Unit::Count)
}

/// One line naming the risk checks that were not evaluated (a run without savings by tactic),
/// or `None` when every check ran.
pub fn flags_not_evaluated(r: &crate::sim::results::Results) -> Option<String> {
    let mut kinds: Vec<&str> = r
        .policies
        .iter()
        .flat_map(|p| p.risk_flags_not_evaluated.iter().map(|k| k.key()))
        .collect();
    kinds.sort_unstable();
    kinds.dedup();
    if kinds.is_empty() {
        return None;
    }
    let names: Vec<String> = kinds.iter().map(|k| k.replace('_', " ")).collect();
    Some(format!(
        "Not evaluated without savings by tactic (attribution was skipped): {}.",
        names.join(", ")
    ))
}

/// A share that may be tiny, with enough digits to be nonzero: "31%", "4.1%", "0.03%".
pub fn share_words(x: f64) -> String {
    if !x.is_finite() {
        return "–".into();
    }
    let p = x * 100.0;
    if p == 0.0 || p >= 0.1 {
        pct(x)
    } else {
        let digits = (-p.log10()).ceil() as usize;
        format!("{:.*}%", digits.min(8), p)
    }
}

/// The engine in a few words for a status bar: "exact", "sampled 2,000/day · noise 1.2%".
pub fn engine_short(e: &crate::sim::results::EngineInfo) -> String {
    match e.sample_per_day {
        None => e.name.to_string(),
        Some(k) => format!(
            "{} {}/day · noise {}",
            e.name,
            thousands(k),
            e.sampling_noise_share.map(pct).unwrap_or_else(|| "–".into())
        ),
    }
}

/// The engine in one phrase: "exact engine", or "sampled engine, 2,000 tasks a day (4.1% of
/// tasks simulated; sampling noise 1.2% of the cost-per-request p5–p95 width)".
pub fn engine_summary(e: &crate::sim::results::EngineInfo) -> String {
    match e.sample_per_day {
        None => format!("{} engine", e.name),
        Some(k) => format!(
            "{} engine, {} tasks a day ({} of tasks simulated; sampling noise {} of the cost-per-request p5–p95 width)",
            e.name,
            thousands(k),
            share_words(e.share_simulated),
            e.sampling_noise_share.map(pct).unwrap_or_else(|| "–".into())
        ),
    }
}

/// A byte count in words: "13 MB", "2.4 GB".
pub fn bytes_words(b: f64) -> String {
    if b >= 1e9 {
        format!("{:.1} GB", b / 1e9)
    } else if b >= 1e6 {
        format!("{:.0} MB", b / 1e6)
    } else {
        format!("{:.0} kB", (b / 1e3).max(1.0))
    }
}

/// A duration in seconds in words: "40 s", "12 min", "3.5 h".
pub fn seconds_words(s: f64) -> String {
    if s < 90.0 {
        format!("{:.0} s", s.max(1.0))
    } else if s < 5400.0 {
        format!("{:.0} min", s / 60.0)
    } else {
        format!("{:.1} h", s / 3600.0)
    }
}

/// The work estimate in one phrase: "about 391,000,000 task simulations (10 policies with
/// attribution variants, exact engine), about 40 s on 2 cores and 120 MB of memory".
pub fn work_summary(w: &crate::sim::results::WorkEstimate) -> String {
    format!(
        "about {} task simulations ({} policies with attribution variants, {} engine), about {} on {} cores and {} of memory",
        thousands(w.task_simulations as u64),
        w.policies_simulated,
        if w.sampled { "sampled" } else { "exact" },
        seconds_words(w.seconds),
        rayon::current_num_threads(),
        bytes_words(w.memory_bytes)
    )
}

/// One progress line: "read 1,200,000 rows · 480 MB of 1.2 GB (40 %) · 310,000 rows a second ·
/// about 12 s left".
pub fn read_progress(p: &crate::logs::read::watch::ReadProgress, elapsed_s: f64) -> String {
    let mut out = format!("read {} rows", thousands(p.rows));
    match (p.total_bytes, p.total_rows_estimate) {
        (Some(t), _) => out.push_str(&format!(
            " · {} of {}",
            bytes_words(p.bytes as f64),
            bytes_words(t as f64)
        )),
        (None, Some(t)) => out.push_str(&format!(" of about {}", whole(t))),
        (None, None) => {}
    }
    if let Some(d) = p.done_share() {
        out.push_str(&format!(" ({:.0} %)", d * 100.0));
    }
    if elapsed_s > 0.0 {
        out.push_str(&format!(" · {} rows a second", whole(p.rows as f64 / elapsed_s)));
    }
    if let Some(left) = crate::logs::read::watch::time_left(p, elapsed_s) {
        out.push_str(&format!(" · about {} left", seconds_words(left)));
    }
    out
}
