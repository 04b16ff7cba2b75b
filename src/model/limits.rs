//! The documented bounds of every quantity a file can hold. A value beyond its bound is refused
//! where it is written; for a distribution, its 99.99th percentile must lie within the bound (and
//! the engine clamps the rarer draws beyond it), so no arithmetic can overflow or wrap.

use super::dist::Dist;
use super::error::Diagnostics;
use super::locate::FieldPath;

/// Requests in one day.
pub const MAX_REQUESTS_PER_DAY: f64 = 1e9;
/// Tokens of one kind in one request (input, shared prefix, output, reasoning, a verifier's).
pub const MAX_TOKENS_PER_REQUEST: f64 = 1e7;
/// Turns of one session (a conversation or an agent run).
pub const MAX_TURNS_PER_SESSION: f64 = 1000.0;
/// Tool steps within one turn of an agent session.
pub const MAX_TOOL_STEPS_PER_TURN: f64 = 200.0;
/// The think time between two turns: a week, in seconds.
pub const MAX_THINK_TIME_S: f64 = 604_800.0;
/// Growth per month, as a fraction (−1: traffic stops; 2: it triples every month).
pub const GROWTH_PER_MONTH: (f64, f64) = (-1.0, 2.0);
/// The standard deviation of the log of a day's volume factor.
pub const MAX_DAY_NOISE_SD: f64 = 2.0;
/// A weekday's volume factor.
pub const MAX_WEEKDAY_FACTOR: f64 = 100.0;
/// Retries of one task.
pub const MAX_RETRIES: u32 = 10;
/// The most models a scenario holds (the engine keys each model's calls apart below this).
pub const MAX_MODELS: usize = 1000;
/// Milliseconds of one latency draw (time to first token, a cache's latency): 24 hours.
pub const MAX_LATENCY_MS: f64 = 86_400_000.0;
/// A learned router's signal noise (the standard deviation of its error on the difficulty
/// scale 0–1): 0 is a perfect signal; from 10 up the router is a coin toss whatever the value,
/// and a value between 0 and [`MIN_SIGNAL_NOISE`] cannot be calibrated in floating point.
pub const SIGNAL_NOISE: (f64, f64) = (0.0, 10.0);
/// The smallest signal noise above 0 (use 0 for a perfect signal).
pub const MIN_SIGNAL_NOISE: f64 = 1e-6;
/// A negotiated discount's multiplier on list prices (1 = list price; above 1 a surcharge).
pub const PRICE_MULTIPLIER: (f64, f64) = (0.0, 10.0);
/// Output tokens per second of a model.
pub const OUTPUT_TOKENS_PER_S: (f64, f64) = (0.01, 1e6);

/// The percentiles a distribution's bulk must keep within its bound.
const LOW_Q: f64 = 1e-4;
const HIGH_Q: f64 = 1.0 - 1e-4;

/// Checks that `dist`'s 0.01th to 99.99th percentiles lie in `[lo, hi]`; names the bound and
/// the unit in the message.
pub fn check_dist(d: &mut Diagnostics, at: &FieldPath, dist: &Dist, (lo, hi): (f64, f64), unit: &str) {
    let (p_lo, p_hi) = (dist.quantile(LOW_Q), dist.quantile(HIGH_Q));
    if p_hi > hi || p_lo < lo || !p_hi.is_finite() || !p_lo.is_finite() {
        let found = if p_lo == p_hi {
            format!("found {}", number(p_hi))
        } else {
            format!(
                "{} ranges from {} to {} (0.01th to 99.99th percentile)",
                dist.kind_name(),
                number(p_lo),
                number(p_hi)
            )
        };
        d.push(at, format!("must stay within {}; {found}", range(lo, hi, unit)));
    }
}

/// Checks a plain number against `[lo, hi]`.
pub fn check_value(d: &mut Diagnostics, at: &FieldPath, value: f64, (lo, hi): (f64, f64), unit: &str) {
    if !(lo..=hi).contains(&value) {
        d.push(
            at,
            format!("must stay within {}, found {}", range(lo, hi, unit), number(value)),
        );
    }
}

/// "0 to 10,000,000 tokens".
fn range(lo: f64, hi: f64, unit: &str) -> String {
    let unit = if unit.is_empty() {
        String::new()
    } else {
        format!(" {unit}")
    };
    format!("{} to {}{unit}", number(lo), number(hi))
}

/// A bound or value as a planner reads it (`10,000,000`, `0.01`, `1e300`).
pub(crate) fn number(x: f64) -> String {
    if x.is_finite() && x.abs() >= 1000.0 && x.abs() < 1e15 && x.fract() == 0.0 {
        let s = format!("{}", x.abs() as u64);
        let mut out = String::new();
        for (i, ch) in s.chars().enumerate() {
            if i > 0 && (s.len() - i) % 3 == 0 {
                out.push(',');
            }
            out.push(ch);
        }
        if x < 0.0 { format!("-{out}") } else { out }
    } else if x.is_finite() && x.abs() >= 1e15 {
        format!("{x:e}")
    } else {
        format!("{}", (x * 1e6).round() / 1e6)
    }
}

/// The highest price per million tokens a price table may hold, in US dollars. The dearest
/// published token price (2026) is a few hundred dollars per million; a price above this is a
/// unit mix-up (dollars per token written as per million, cents for dollars) or a corrupt file.
pub const MAX_PRICE_USD_PER_MTOK: f64 = 100_000.0;

/// The longest prompt-cache TTL, in minutes: one week (providers keep a prompt cache for 5
/// minutes to 24 hours).
pub const MAX_PROMPT_CACHE_TTL_MINUTES: f64 = 10_080.0;

/// The largest amount of money a command-line option accepts, in US dollars (a thousand
/// trillion: beyond any plausible budget, and still exact to the dollar in an `f64`).
pub const MAX_USD: f64 = 1e15;

/// The longest horizon a scenario may have, in days (ten years).
pub const MAX_HORIZON_DAYS: u32 = 3660;

/// The highest cost one request may have in a log, in US dollars (a million tokens of the dearest
/// model costs a few hundred dollars).
pub const MAX_COST_PER_REQUEST_USD: f64 = 10_000.0;
