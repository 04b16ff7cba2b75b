//! Numbers in words with their units — dollars, counts, percentages — shared by every layer (a
//! leaf: it uses nothing of the crate).

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
