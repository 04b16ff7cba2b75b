//! Fitting a traffic profile to normalised log records: volume with its uncertainty, growth with
//! its standard error, the weekly pattern and day noise (a log-linear fit of daily task counts),
//! classes grouped by a chosen key with their token distributions (log-normal, or empirical when
//! the log-normal fits badly, with the fit's Kolmogorov–Smirnov distance), shared prefix from
//! provider cache reads, exact repeats from response-cache hits, retries from failures repeated
//! in the same session, and per-model latency. Every quantity the data cannot give is named as
//! assumed.

use std::collections::{BTreeMap, HashMap};

use super::{Logs, Record};
use crate::model::dist::{DistSpec, NonNegDist, ProbDist};
use crate::model::ron_io::{NonNeg, Prob};
use crate::model::traffic::{TaskClass, TrafficProfile};

/// Seconds in a day.
const DAY_S: f64 = 86_400.0;
/// Fewer days than this: no weekly pattern or growth can be told from the data.
pub const MIN_DAYS_FOR_WEEK: usize = 14;
/// A failed request followed by another in the same session within this many seconds is a retry.
pub const RETRY_WINDOW_S: f64 = 600.0;
/// The most classes a fit keeps (the rest are merged into `(other)`).
pub const MAX_CLASSES: usize = 24;
/// A log-normal whose Kolmogorov–Smirnov distance from the data is above this is replaced by
/// the data's own quantiles (an empirical distribution).
pub const KS_LOGNORMAL_MAX: f64 = 0.08;
/// A log-normal whose mean is further than this (relative) from the data's is replaced too:
/// spend follows the mean, which a KS distance does not protect.
pub const MEAN_ERROR_MAX: f64 = 0.05;
/// A log-normal whose share above a price tier's threshold differs from the data's by more than
/// this (absolute) and by more than a quarter of the data's share is replaced too: requests
/// above a long-context threshold are billed at the tier's price.
pub const TIER_SHARE_ERROR_MAX: f64 = 0.001;
/// The input-token thresholds where price tables change price (every long-context tier in
/// LiteLLM's price table: `input_cost_per_token_above_{32,100,128,200,256,272,512}k_tokens`).
pub const PRICE_TIER_TOKENS: [f64; 7] = [32e3, 100e3, 128e3, 200e3, 256e3, 272e3, 512e3];
/// Points kept in an empirical token distribution: each the mean of its slice of the sorted
/// data, so the distribution keeps the data's mean and its tail's weight.
pub const EMPIRICAL_POINTS: usize = 200;

/// How a fit groups rows.
#[derive(Clone, Debug, Default)]
pub struct FitOptions {
    /// The key classes are grouped by (`tag`, `trace_name`, `model_group`, `team`, `user`,
    /// `project`, `model`); `None` picks the first of tag, trace name, model group and project
    /// that most rows have (with more than one value), else the model.
    pub class_by: Option<String>,
    /// The key owners are taken from (the most common value within each class).
    pub owner_by: Option<String>,
    /// The profile's name.
    pub name: String,
}

/// How well a token distribution fits.
#[derive(Clone, Debug, PartialEq)]
pub struct TokenFit {
    pub spec: DistSpec,
    /// `LogNormal`, `Empirical`, `Fixed` (no spread in the data) or `Fixed (mean only)`.
    pub kind: &'static str,
    /// Kolmogorov–Smirnov distance between the data and the fitted log-normal.
    pub ks: Option<f64>,
    pub n: usize,
    pub mean: f64,
    /// Why the log-normal was refused (its mean or a price tier's share too far from the data).
    pub refused: Option<String>,
}

/// Per-model figures for the scenario's model profiles (the traffic profile has no place for
/// them).
#[derive(Clone, Debug, PartialEq)]
pub struct ModelStats {
    pub model: String,
    pub requests: f64,
    pub ttft_ms_median: Option<f64>,
    pub output_tokens_per_s_median: Option<f64>,
    pub reasoning_tokens_mean: f64,
    pub failure_rate: Option<f64>,
    pub cost_usd: Option<f64>,
}

/// What a fit found, with everything a reader needs to trust it.
#[derive(Clone, Debug)]
pub struct Fit {
    pub profile: TrafficProfile,
    /// The first day of the logs (`YYYY-MM-DD`): the profile's volume is the volume on that day.
    pub start_date: crate::date::Date,
    /// The last day of the logs.
    pub end_date: crate::date::Date,
    pub days: usize,
    /// Tasks (requests less retries) per day, from the first day.
    pub tasks_by_day: Vec<f64>,
    pub requests: f64,
    pub retries: f64,
    pub class_by: String,
    /// (field, how it was estimated).
    pub fitted: Vec<(String, String)>,
    /// (field, why it was assumed).
    pub assumed: Vec<(String, String)>,
    pub token_fits: Vec<(String, TokenFit, TokenFit)>,
    pub models: Vec<ModelStats>,
    /// The growth per month and its standard error (when fitted).
    pub growth: Option<(f64, f64)>,
    /// Per class, in the profile's order: who called what, and what it read from the cache.
    pub class_calls: Vec<ClassCalls>,
}

/// One class's calls as the logs show them (for a scenario's baseline routing and caching).
#[derive(Clone, Debug, PartialEq)]
pub struct ClassCalls {
    pub class: String,
    /// Requests by the logged model id, most first.
    pub by_model: Vec<(String, f64)>,
    /// Tokens read from the provider's prompt cache, and prompt tokens, in all.
    pub cache_read_tokens: f64,
    pub prompt_tokens: f64,
    /// The share of requests with a status that failed.
    pub failure_rate: Option<f64>,
}

/// Who called what in each class.
fn class_calls(logs: &Logs, sized: &[(String, Vec<usize>, f64)]) -> Vec<ClassCalls> {
    sized
        .iter()
        .map(|(name, idx, _)| {
            let mut by: BTreeMap<&str, f64> = BTreeMap::new();
            let (mut read, mut prompt, mut with_status, mut failed) = (0.0, 0.0, 0.0, 0.0);
            for &i in idx {
                let r = &logs.records[i];
                *by.entry(logs.symbols.name(r.model)).or_default() += r.requests;
                read += r.usage.cache_read_tokens;
                prompt += r.usage.prompt_tokens;
                if let Some(ok) = r.ok {
                    with_status += r.requests;
                    failed += if ok { 0.0 } else { r.requests };
                }
            }
            let mut by_model: Vec<(String, f64)> = by.into_iter().map(|(m, n)| (m.to_string(), n)).collect();
            by_model.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
            ClassCalls {
                class: name.clone(),
                by_model,
                cache_read_tokens: read,
                prompt_tokens: prompt,
                failure_rate: (with_status > 0.0).then(|| failed / with_status),
            }
        })
        .collect()
}

/// Days since 1970-01-01 of a unix time.
pub fn unix_day(t: f64) -> i64 {
    (t / DAY_S).floor() as i64
}

/// `YYYY-MM-DD` of a day number since 1970-01-01.
pub fn date_of_day(day: i64) -> crate::date::Date {
    crate::date::Date::from_unix_day(day)
}

/// Monday = 0 … Sunday = 6 for a day number since 1970-01-01.
pub fn weekday_of_day(day: i64) -> usize {
    crate::date::Date::from_unix_day(day).weekday()
}

fn ols(xs: &[f64], ys: &[f64]) -> Option<(f64, f64, f64, f64, f64)> {
    // Returns (a, b, se_a, se_b, residual sd) of y = a + b x.
    let n = xs.len() as f64;
    if xs.len() < 3 {
        return None;
    }
    let mx = xs.iter().sum::<f64>() / n;
    let my = ys.iter().sum::<f64>() / n;
    let sxx: f64 = xs.iter().map(|x| (x - mx).powi(2)).sum();
    if sxx <= 0.0 {
        return None;
    }
    let b = xs.iter().zip(ys).map(|(x, y)| (x - mx) * (y - my)).sum::<f64>() / sxx;
    let a = my - b * mx;
    let rss: f64 = xs.iter().zip(ys).map(|(x, y)| (y - a - b * x).powi(2)).sum();
    let s2 = rss / (n - 2.0);
    let se_b = (s2 / sxx).sqrt();
    let se_a = (s2 * (1.0 / n + mx * mx / sxx)).sqrt();
    Some((a, b, se_a, se_b, s2.sqrt()))
}

/// The standard normal CDF.
fn phi(z: f64) -> f64 {
    0.5 * (1.0 + statrs::function::erf::erf(z / std::f64::consts::SQRT_2))
}

/// Fits a token distribution (no price tiers apply to it: output tokens, times, counts).
pub fn fit_tokens(values: &mut [f64]) -> TokenFit {
    fit_tokens_tiered(values, &[])
}

/// Fits a token distribution: a log-normal by the moments of the logs' logarithms when it is
/// close to the data where spend is decided — its KS distance, its mean, and its share above
/// each of `tiers` (price thresholds, in the fitted quantity's tokens) — else the data's own
/// quantiles.
pub fn fit_tokens_tiered(values: &mut [f64], tiers: &[f64]) -> TokenFit {
    let n = values.len();
    let fit = |spec, kind, ks, mean| TokenFit {
        spec,
        kind,
        ks,
        n,
        mean,
        refused: None,
    };
    if n == 0 {
        return fit(DistSpec::Fixed(0.0), "Fixed", None, 0.0);
    }
    values.sort_by(f64::total_cmp);
    let mean = values.iter().sum::<f64>() / n as f64;
    let logs: Vec<f64> = values.iter().map(|v| v.max(1.0).ln()).collect();
    let mu = logs.iter().sum::<f64>() / n as f64;
    let sd = (logs.iter().map(|l| (l - mu).powi(2)).sum::<f64>() / (n.max(2) - 1) as f64).sqrt();
    if values[0] == values[n - 1] || sd < 1e-6 {
        return fit(DistSpec::Fixed(values[0].round()), "Fixed", None, mean);
    }
    // Kolmogorov–Smirnov distance from the fitted log-normal.
    let ks = logs
        .iter()
        .enumerate()
        .map(|(i, l)| {
            let f = phi((l - mu) / sd);
            (f - i as f64 / n as f64)
                .abs()
                .max(((i + 1) as f64 / n as f64 - f).abs())
        })
        .fold(0.0f64, f64::max);
    let refused = lognormal_refused(values, (mu, sd, mean), tiers);
    if (ks > KS_LOGNORMAL_MAX && n >= 50) || refused.is_some() {
        let mut f = fit(DistSpec::Empirical(slice_means(values)), "Empirical", Some(ks), mean);
        f.refused = refused;
        return f;
    }
    let median = mu.exp();
    let spec = DistSpec::LogNormal(round_sig(median), round_sig((mu + 1.645 * sd).exp()));
    fit(spec, "LogNormal", Some(ks), mean)
}

/// Why a log-normal with log-mean `mu` and log-sd `sd` does not keep the data's spend: its mean
/// too far from the data's, or its share above a price tier too far from the data's share.
fn lognormal_refused(sorted: &[f64], (mu, sd, mean): (f64, f64, f64), tiers: &[f64]) -> Option<String> {
    let n = sorted.len() as f64;
    let ln_mean = (mu + sd * sd / 2.0).exp();
    let mut why = Vec::new();
    if mean > 0.0 && ((ln_mean - mean) / mean).abs() > MEAN_ERROR_MAX {
        why.push(format!(
            "its mean {ln_mean:.0} is {:+.1}% from the data's {mean:.0}",
            (ln_mean / mean - 1.0) * 100.0
        ));
    }
    for &t in tiers.iter().filter(|t| **t >= 1.0) {
        let data = sorted.partition_point(|v| *v <= t) as f64;
        let data_share = (n - data) / n;
        let ln_share = 1.0 - phi((t.ln() - mu) / sd);
        if (ln_share - data_share).abs() > TIER_SHARE_ERROR_MAX.max(0.25 * data_share) {
            why.push(format!(
                "{:.2}% above {:.0}k tokens against {:.2}% in the data",
                ln_share * 100.0,
                t / 1e3,
                data_share * 100.0
            ));
        }
    }
    (!why.is_empty()).then(|| format!("log-normal refused: {}", why.join("; ")))
}

/// The data's sorted values in [`EMPIRICAL_POINTS`] equal slices (or one per value), each
/// slice's mean: the distribution keeps the data's mean and the weight of its tail.
fn slice_means(sorted: &[f64]) -> Vec<f64> {
    let n = sorted.len();
    let k = EMPIRICAL_POINTS.min(n);
    (0..k)
        .map(|i| {
            let (a, b) = (i * n / k, ((i + 1) * n / k).max(i * n / k + 1));
            let s = &sorted[a..b.min(n)];
            (s.iter().sum::<f64>() / s.len() as f64).round()
        })
        .collect()
}

/// Rounds to 4 significant digits (a fitted figure has no more).
fn round_sig(x: f64) -> f64 {
    if x == 0.0 || !x.is_finite() {
        return x;
    }
    let m = 10f64.powi(3 - x.abs().log10().floor() as i32);
    (x * m).round() / m
}

/// The class key to group by: the one asked for, or the first of tag, trace name and model
/// group that most rows carry, else the model.
fn choose_class_key(records: &[Record], asked: Option<&str>) -> String {
    if let Some(k) = asked {
        return k.to_string();
    }
    let n = records.len().max(1);
    for k in ["tag", "trace_name", "model_group", "project"] {
        let Some(ki) = super::key_index(k) else { continue };
        let have = records.iter().filter(|r| r.keys[ki].is_some()).count();
        let distinct: std::collections::HashSet<super::Sym> = records.iter().filter_map(|r| r.keys[ki]).collect();
        if have * 2 > n && distinct.len() > 1 {
            return k.to_string();
        }
    }
    "model".to_string()
}

/// Retries found in the logs: per record, whether it is a retry, and for each failed request
/// with a session, whether it was retried. A retry looks like one: a later request of the same
/// session within [`RETRY_WINDOW_S`] that sends the same prompt again (prompt tokens within
/// [`RETRY_PROMPT_TOLERANCE`]) for the same feature (tag, trace name, team and project alike
/// where both rows give them; the model may differ, as after a fallback). Other requests of a session — the next
/// question of a conversation — are new tasks.
struct Retries {
    is_retry: Vec<bool>,
    failure_retried: Vec<Option<bool>>,
}

/// A retry's prompt may differ from the failed request's by this share (or 8 tokens).
pub const RETRY_PROMPT_TOLERANCE: f64 = 0.01;

/// Whether `b` sends what `a` sent: the same prompt size and the same feature.
fn same_request(a: &Record, b: &Record) -> bool {
    // tag, trace_name, team, project (the user is the session's own; sources derive it apart).
    const FEATURE_KEYS: [usize; 4] = [0, 1, 3, 5];
    let (pa, pb) = (a.usage.prompt_tokens, b.usage.prompt_tokens);
    (pa - pb).abs() <= (RETRY_PROMPT_TOLERANCE * pa.max(pb)).max(8.0)
        && FEATURE_KEYS
            .iter()
            .all(|&k| a.keys[k].is_none() || b.keys[k].is_none() || a.keys[k] == b.keys[k])
}

impl Retries {
    fn find(records: &[Record]) -> Retries {
        let mut is_retry = vec![false; records.len()];
        let mut failure_retried = vec![None; records.len()];
        // Rows with a session, ordered by session then time (one sort, no per-session lists).
        let mut order: Vec<(u64, f64, usize)> = records
            .iter()
            .enumerate()
            .filter_map(|(i, r)| r.session.map(|s| (s, r.start_unix_s, i)))
            .collect();
        order.sort_unstable_by(|a, b| a.0.cmp(&b.0).then(a.1.total_cmp(&b.1)).then(a.2.cmp(&b.2)));
        for (k, &(session, start, i)) in order.iter().enumerate() {
            if records[i].ok != Some(false) {
                continue;
            }
            let retry = order[k + 1..]
                .iter()
                .take_while(|&&(s, t, _)| s == session && t - start <= RETRY_WINDOW_S)
                .find(|&&(_, _, j)| !is_retry[j] && same_request(&records[i], &records[j]));
            failure_retried[i] = Some(retry.is_some());
            if let Some(&(_, _, j)) = retry {
                is_retry[j] = true;
            }
        }
        Retries {
            is_retry,
            failure_retried,
        }
    }

    fn none(n: usize) -> Retries {
        Retries {
            is_retry: vec![false; n],
            failure_retried: vec![None; n],
        }
    }

    /// (failed requests, of them retried) among `idx`.
    fn counts(&self, idx: impl Iterator<Item = usize>) -> (f64, f64) {
        idx.filter_map(|i| self.failure_retried[i])
            .fold((0.0, 0.0), |(f, r), retried| {
                (f + 1.0, r + f64::from(u8::from(retried)))
            })
    }
}

/// A probability as a distribution: Beta with the binomial standard error when the data say
/// something, else fixed.
fn prob_dist(successes: f64, n: f64) -> ProbDist {
    let p = if n > 0.0 { successes / n } else { 0.0 };
    let se = if n > 0.0 { (p * (1.0 - p) / n).sqrt() } else { 0.0 };
    if p > 0.0
        && p < 1.0
        && se > 1e-6
        && n >= 30.0
        && let Ok(d) = ProbDist::try_from(DistSpec::Beta(round_sig(p), round_sig(se)))
    {
        return d;
    }
    ProbDist::fixed(round_sig(p).clamp(0.0, 1.0))
}

fn nonneg(spec: DistSpec) -> NonNegDist {
    NonNegDist::try_from(spec).unwrap_or_else(|_| NonNegDist::fixed(0.0))
}

/// Each class's profile (shares from task counts, the last taking what rounding left) and the
/// token fits behind it.
fn fit_classes(
    logs: &Logs,
    opts: &FitOptions,
    sized: &[(String, Vec<usize>, f64)],
    retries: &Retries,
) -> (Vec<TaskClass>, Vec<(String, TokenFit, TokenFit)>) {
    let (records, per_request) = (&logs.records, logs.per_request());
    let total_tasks: f64 = sized.iter().map(|c| c.2).sum();
    let mut classes = Vec::new();
    let mut token_fits = Vec::new();
    let mut share_left = 1.0f64;
    let n_classes = sized.len();
    for (ci, (name, idx, tasks)) in sized.iter().enumerate() {
        let share = if ci + 1 == n_classes {
            share_left.max(0.0)
        } else {
            let s = (tasks / total_tasks.max(1e-300) * 1e6).round() / 1e6;
            share_left -= s;
            s
        };
        let rows = ClassRows {
            records,
            idx,
            sy: &logs.symbols,
            retries,
            per_request,
        };
        let (class, fin, fout) = fit_class(&rows, opts, name, share);
        token_fits.push((name.clone(), fin, fout));
        classes.push(class);
    }
    (classes, token_fits)
}

/// Groups rows into classes by the key `class_by` (rows without it: `(none)`), largest first by
/// tasks, at most [`MAX_CLASSES`] (the rest merged into `(other)`): (name, rows, tasks).
fn group_classes(logs: &Logs, class_by: &str, tasks_of: &dyn Fn(usize) -> f64) -> Vec<(String, Vec<usize>, f64)> {
    let class_ki = super::key_index(class_by).unwrap_or(6);
    let mut by_sym: HashMap<Option<super::Sym>, Vec<usize>> = HashMap::new();
    for (i, r) in logs.records.iter().enumerate() {
        by_sym.entry(r.keys[class_ki]).or_default().push(i);
    }
    let mut groups: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for (sym, idx) in by_sym {
        let k = sym.map_or_else(|| "(none)".to_string(), |s| logs.symbols.name(s).to_string());
        groups.entry(k).or_default().extend(idx);
    }
    let mut sized: Vec<(String, Vec<usize>, f64)> = groups
        .into_iter()
        .map(|(k, idx)| {
            let t = idx.iter().map(|&i| tasks_of(i)).sum();
            (k, idx, t)
        })
        .filter(|(_, _, t)| *t > 0.0)
        .collect();
    sized.sort_by(|a, b| b.2.total_cmp(&a.2).then(a.0.cmp(&b.0)));
    if sized.len() > MAX_CLASSES {
        let rest: Vec<(String, Vec<usize>, f64)> = sized.split_off(MAX_CLASSES - 1);
        let idx: Vec<usize> = rest.iter().flat_map(|r| r.1.iter().copied()).collect();
        let t = rest.iter().map(|r| r.2).sum();
        sized.push(("(other)".into(), idx, t));
    }
    sized
}

/// What the data gave for the classes' fields and what had to be assumed.
fn class_provenance(
    logs: &Logs,
    (failed, retried): (f64, f64),
    fitted: &mut Vec<(String, String)>,
    assumed: &mut Vec<(String, String)>,
) {
    let note = |to: &mut Vec<(String, String)>, field: &str, how: String| to.push((field.into(), how));
    if logs.per_request() {
        note(
            fitted,
            "classes[].input_tokens, output_tokens",
            "per request (see the fit quality below)".into(),
        );
        let cache_off = logs.adjusted.keys().any(|(_, a)| *a == super::Adjustment::CacheOff);
        if logs.records.iter().any(|r| r.cache_hit.is_some()) {
            note(fitted, "classes[].exact_repeat_rate", "response-cache hits".into());
        } else if cache_off {
            note(
                assumed,
                "classes[].exact_repeat_rate",
                "cache_hit is None in every row (the gateway's response cache was off): no hit rate can be told, 0"
                    .into(),
            );
        } else {
            note(
                assumed,
                "classes[].exact_repeat_rate",
                "no response-cache field in the logs: 0".into(),
            );
        }
        if failed > 0.0 {
            note(
                fitted,
                "classes[].retry_on_failure",
                format!(
                    "{retried:.0} of {failed:.0} failed requests repeated in the same session within {RETRY_WINDOW_S:.0} s"
                ),
            );
        } else {
            note(
                assumed,
                "classes[].retry_on_failure",
                "no failed request with a session in the logs: 0".into(),
            );
        }
    } else {
        if logs.skipped_count > 0 {
            note(
                assumed,
                "requests_per_day",
                format!(
                    "{} aggregated rows were skipped (listed above): the days they fall on count fewer requests than were made",
                    logs.skipped_count
                ),
            );
        }
        note(
            assumed,
            "classes[].input_tokens, output_tokens",
            "aggregated usage has means only: the spread per request is not in the data (fixed at the mean)".into(),
        );
        if logs.records.iter().any(|r| r.usage.cache_read_tokens > 0.0) {
            note(
                fitted,
                "classes[].shared_prefix_tokens",
                "aggregated usage: the mean provider cache read per request (input is the rest of the mean prompt)"
                    .into(),
            );
        }
        note(
            assumed,
            "classes[].exact_repeat_rate, retry_on_failure",
            "not in aggregated usage: 0".into(),
        );
    }
    note(
        assumed,
        "classes[].near_repeat_rate",
        "semantic duplicates cannot be told from logs: 0".into(),
    );
    note(assumed, "classes[].batchable", "not in the logs: false".into());
}

/// What a fit says it fitted or assumed: (field, how).
type Notes = Vec<(String, String)>;

/// Makes each class whose tasks are sessions of more than one call a session class: turns,
/// think time, tool steps and per-turn tokens from its sessions, and a shared prefix that
/// reproduces the first calls' logged cache reads; says how sessions were formed.
fn sessionise(
    logs: &Logs,
    s: &super::sessions::Sessions,
    sized: &[(String, Vec<usize>, f64)],
    (classes, token_fits): (&mut [TaskClass], &mut [(String, TokenFit, TokenFit)]),
    (fitted, assumed): (&mut Notes, &mut Notes),
) {
    use super::sessions::{count_dist, measure};
    let records = &logs.records;
    let mut class_of = vec![usize::MAX; records.len()];
    for (ci, (_, idx, _)) in sized.iter().enumerate() {
        for &i in idx {
            class_of[i] = ci;
        }
    }
    let mut any = false;
    for (ci, class) in classes.iter_mut().enumerate() {
        let mine: Vec<&Vec<usize>> = s.rows.iter().filter(|rows| class_of[rows[0]] == ci).collect();
        if mine.is_empty() || mine.iter().map(|r| r.len()).sum::<usize>() < mine.len() * 6 / 5 {
            continue;
        }
        let prefix = super::sessions::shared_prefix(records, mine.iter().copied());
        let mut st = measure(records, mine.iter().copied(), prefix);
        let fin = fit_tokens_tiered(&mut st.input_tokens, &PRICE_TIER_TOKENS);
        let fout = fit_tokens(&mut st.output_tokens);
        let think = fit_tokens(&mut st.think_s);
        let steps = count_dist(&mut st.tool_steps);
        let calls = fit_tokens(&mut st.tool_call_tokens);
        let results = fit_tokens(&mut st.tool_result_tokens);
        let turns = count_dist(&mut st.turns);
        class.shared_prefix_tokens = prefix as u64;
        class.input_tokens = nonneg(fin.spec.clone());
        class.output_tokens = nonneg(fout.spec.clone());
        class.session = Some(crate::model::traffic::Session {
            turns: nonneg(turns),
            think_time_s: nonneg(think.spec),
            tool_steps_per_turn: nonneg(steps),
            tool_call_tokens: nonneg(calls.spec),
            tool_result_tokens: nonneg(results.spec),
            context_window_tokens: None,
        });
        let min = crate::model::prices::ASSUMED_PROMPT_CACHE_MIN_TOKENS;
        if prefix > 0.0 && (prefix as u64) < min {
            assumed.push((
                format!("classes[{ci}].shared_prefix_tokens"),
                format!(
                    "{prefix:.0} tokens (the mean first-call cache read) is below {min} tokens, the most common provider minimum: such a prefix is not cached on its own"
                ),
            ));
        } else if prefix == 0.0 {
            assumed.push((
                format!("classes[{ci}].shared_prefix_tokens"),
                "no session's first call read the provider cache: 0".into(),
            ));
        }
        token_fits[ci] = (token_fits[ci].0.clone(), fin, fout);
        any = true;
    }
    if any {
        fitted.push((
            "classes[].session".into(),
            format!(
                "{}; {} sessions; calls under {} s apart are one turn's agent steps, longer pauses the user's think time; input per turn is what a turn's first call adds to what the previous turn sent and received",
                s.formed.words(),
                s.rows.len(),
                super::sessions::TURN_GAP_S
            ),
        ));
    }
}

/// Fits a traffic profile to the records.
pub fn fit(logs: &Logs, opts: &FitOptions) -> Fit {
    let records = &logs.records;
    let per_request = logs.per_request();
    let mut fitted: Vec<(String, String)> = Vec::new();
    let mut assumed: Vec<(String, String)> = Vec::new();
    let retries = if per_request {
        Retries::find(records)
    } else {
        Retries::none(records.len())
    };
    let (failed, retried) = retries.counts(0..records.len());
    let is_retry = &retries.is_retry;
    // Conversations and agent runs: a session is one task (its first request counts it).
    let sessions = if per_request {
        super::sessions::form(records, is_retry, super::key_index("user").unwrap_or(4))
    } else {
        None
    };
    let tasks_of = |i: usize| match &sessions {
        _ if is_retry[i] => 0.0,
        Some(s) if s.member[i] => f64::from(u8::from(s.starts[i])),
        _ => records[i].requests,
    };

    // Daily task counts over the time the logs cover (strays and partial days said).
    let daily = super::coverage::daily_counts(records, &tasks_of, per_request, &mut assumed);
    let (first_day, last_day) = (daily.first_day, daily.last_day);
    let days = daily.by_day.len();
    let (weekly_pattern, growth, level, day_noise) = fit_volume(&daily, &mut fitted, &mut assumed);
    let by_day = daily.by_day;

    // Classes.
    let class_by = choose_class_key(records, opts.class_by.as_deref());
    let sized = group_classes(logs, &class_by, &tasks_of);
    let (mut classes, mut token_fits) = fit_classes(logs, opts, &sized, &retries);
    if let Some(s) = &sessions {
        sessionise(
            logs,
            s,
            &sized,
            (&mut classes, &mut token_fits),
            (&mut fitted, &mut assumed),
        );
    }
    fitted.push((
        "classes".into(),
        format!("{} classes by {class_by}, shares from task counts", classes.len()),
    ));
    class_provenance(logs, (failed, retried), &mut fitted, &mut assumed);

    let profile = TrafficProfile {
        format_version: 1,
        name: if opts.name.is_empty() {
            "Fitted from logs".into()
        } else {
            opts.name.clone()
        },
        description: format!(
            "Fitted by CostPlan from {} rows, {} to {} ({days} days)",
            records.len(),
            date_of_day(first_day),
            date_of_day(last_day)
        ),
        requests_per_day: level,
        growth_per_month: growth.0,
        weekly_pattern,
        day_noise_sd: NonNeg::new(round_sig(day_noise)).unwrap_or_default(),
        classes,
    };
    Fit {
        profile,
        start_date: date_of_day(first_day),
        end_date: date_of_day(last_day),
        days,
        tasks_by_day: by_day,
        requests: records.iter().map(|r| r.requests).sum(),
        retries: is_retry.iter().filter(|r| **r).count() as f64,
        class_by,
        fitted,
        assumed,
        token_fits,
        models: model_stats(records, &logs.symbols),
        growth: growth.1,
        class_calls: class_calls(logs, &sized),
    }
}

type Volume = (Vec<f64>, (crate::model::Dist, Option<(f64, f64)>), NonNegDist, f64);

/// The volume of logs that cover under a day: their count scaled to 24 hours, uncertain.
fn under_a_day(daily: &super::coverage::DailyCounts, weekly: Vec<f64>, assumed: &mut Notes) -> Volume {
    let covered = daily.covered_days();
    let mean = daily.by_day.iter().sum::<f64>() / covered;
    assumed.push((
        "requests_per_day".into(),
        format!(
            "the logs cover {}, under a day: the day's volume is their count scaled to 24 hours (traffic assumed even over the day, no time-of-day shape), with a wide uncertainty (×/÷ 2.3 at 90 %)",
            if covered * 24.0 >= 1.0 {
                format!("{:.1} hours", covered * 24.0)
            } else {
                format!("{:.0} minutes", (covered * 1440.0).max(1.0))
            }
        ),
    ));
    assumed.push((
        "growth_per_month".into(),
        "under a day of logs: no trend can be told (0)".into(),
    ));
    assumed.push((
        "day_noise_sd".into(),
        "under a day of logs: day-to-day noise cannot be told; 0.2 assumed".into(),
    ));
    (
        weekly,
        (crate::model::Dist::fixed(0.0), None),
        level_dist(mean, 0.5),
        0.2,
    )
}

/// The fitted growth as a distribution inside its documented bounds (its 0.01th to 99.99th
/// percentiles within −100 % to +200 % a month): a trend that noisy is said to be one.
fn growth_within_bounds(g: f64, se_g: f64, assumed: &mut Notes) -> crate::model::Dist {
    let (lo, hi) = crate::model::limits::GROWTH_PER_MONTH;
    // z of the 99.99th percentile, and a margin for rounding.
    const Z: f64 = 3.8;
    let mean = g.clamp(lo + 0.01, hi - 0.01);
    let sd = se_g.max(1e-6).min((mean - lo).min(hi - mean) / Z);
    if mean != g || sd < se_g.max(1e-6) {
        assumed.push((
            "growth_per_month".into(),
            format!(
                "the trend ({:+.1}% ± {:.1}% a month) is beyond what a month's growth can be: kept within −100% to +200%",
                g * 100.0,
                se_g * 100.0
            ),
        ));
    }
    crate::model::Dist::try_from(DistSpec::Normal(round_sig(mean), round_sig(sd)))
        .unwrap_or_else(|_| crate::model::Dist::fixed(0.0))
}

/// Weekly pattern, growth per month (with its standard error), the volume on the first day
/// (with the standard error of its level) and day noise, from daily task counts.
fn fit_volume(daily: &super::coverage::DailyCounts, fitted: &mut Notes, assumed: &mut Notes) -> Volume {
    let (by_day, first_day, coverage) = (&daily.by_day, daily.first_day, &daily.coverage);
    let days = by_day.len();
    // Days with traffic that the logs cover at least half of, each scaled to a whole day.
    let xs: Vec<f64> = (0..days)
        .filter(|&d| by_day[d] > 0.0 && coverage[d] >= 0.5)
        .map(|d| d as f64)
        .collect();
    let ys: Vec<f64> = xs
        .iter()
        .map(|&d| (by_day[d as usize] / coverage[d as usize]).ln())
        .collect();
    let enough = days >= MIN_DAYS_FOR_WEEK && xs.len() >= MIN_DAYS_FOR_WEEK;
    let weekly = weekly_pattern(&xs, &ys, first_day, enough, fitted, assumed);
    let adj: Vec<f64> = xs
        .iter()
        .zip(&ys)
        .map(|(x, y)| y - weekly[weekday_of_day(first_day + *x as i64)].ln())
        .collect();
    let fit = if enough { ols(&xs, &adj) } else { None };
    match fit {
        Some((a, b, se_a, se_b, sd)) => {
            let g = (30.0 * b).exp() - 1.0;
            let se_g = 30.0 * (30.0 * b).exp() * se_b;
            fitted.push((
                "growth_per_month".into(),
                format!(
                    "log-linear trend over {days} days: {:+.1}% ± {:.1}% a month",
                    g * 100.0,
                    se_g * 100.0
                ),
            ));
            // Day noise in the model has mean 1 (exp(σz − σ²/2)): the level is exp(a + σ²/2).
            let level = (a + sd * sd / 2.0).exp();
            fitted.push((
                "requests_per_day".into(),
                format!(
                    "trend's level on the first day, ± its standard error ({:.1}%)",
                    se_a * 100.0
                ),
            ));
            fitted.push(("day_noise_sd".into(), "sd of the log residuals".into()));
            let growth = growth_within_bounds(g, se_g, assumed);
            (weekly, (growth, Some((g, se_g))), level_dist(level, se_a), sd)
        }
        None if daily.covered_days() < 1.0 => under_a_day(daily, weekly, assumed),
        None => {
            let mean = by_day.iter().sum::<f64>() / daily.covered_days().max(1e-9);
            let n = days as f64;
            let sd_log = if ys.len() >= 2 {
                let m = ys.iter().sum::<f64>() / ys.len() as f64;
                (ys.iter().map(|y| (y - m).powi(2)).sum::<f64>() / (ys.len() - 1) as f64).sqrt()
            } else {
                0.0
            };
            assumed.push((
                "growth_per_month".into(),
                format!("fewer than {MIN_DAYS_FOR_WEEK} days with traffic: no trend can be told (0)"),
            ));
            fitted.push((
                "requests_per_day".into(),
                format!("mean over {days} days, ± its standard error"),
            ));
            fitted.push(("day_noise_sd".into(), "sd of the log of daily counts".into()));
            (
                weekly,
                (crate::model::Dist::fixed(0.0), None),
                level_dist(mean, sd_log / n.sqrt()),
                sd_log,
            )
        }
    }
}

/// The weekly pattern: the mean log residual of a linear trend per weekday, normalised to a mean
/// of 1 — flat when there are too few days (`enough` false) to tell.
fn weekly_pattern(
    xs: &[f64],
    ys: &[f64],
    first_day: i64,
    enough: bool,
    fitted: &mut Vec<(String, String)>,
    assumed: &mut Vec<(String, String)>,
) -> Vec<f64> {
    if enough && let Some((a, b, ..)) = ols(xs, ys) {
        let mut sum = [0.0f64; 7];
        let mut n = [0.0f64; 7];
        for (x, y) in xs.iter().zip(ys) {
            let k = weekday_of_day(first_day + *x as i64);
            sum[k] += y - a - b * x;
            n[k] += 1.0;
        }
        let raw: Vec<f64> = (0..7)
            .map(|k| if n[k] > 0.0 { (sum[k] / n[k]).exp() } else { 1.0 })
            .collect();
        let mean = raw.iter().sum::<f64>() / 7.0;
        fitted.push((
            "weekly_pattern".into(),
            "mean log residual per weekday, normalised to a mean of 1".into(),
        ));
        raw.iter().map(|w| round_sig(w / mean)).collect()
    } else {
        assumed.push((
            "weekly_pattern".into(),
            format!("fewer than {MIN_DAYS_FOR_WEEK} days with traffic: flat"),
        ));
        vec![1.0; 7]
    }
}

/// The volume as a log-normal around `level` with `se_log` the standard error of its log.
fn level_dist(level: f64, se_log: f64) -> NonNegDist {
    let level = level.max(0.0);
    if se_log > 1e-4 && level > 0.0 {
        let level = round_sig(level);
        nonneg(DistSpec::LogNormal(level, round_sig(level * (1.645 * se_log).exp())))
    } else {
        // A volume known exactly keeps its digits: rounded, a known count would backtest as off.
        NonNegDist::fixed(level)
    }
}

/// The rows of one class, and what it needs to read them.
#[derive(Clone, Copy)]
struct ClassRows<'a> {
    records: &'a [Record],
    idx: &'a [usize],
    sy: &'a super::Interner,
    retries: &'a Retries,
    per_request: bool,
}

/// A class's shared prefix: the median provider cache read, where at least a tenth of requests
/// read one; from aggregated usage (means only), the mean cache read per request.
fn class_prefix(rows: &[&Record], requests: f64, per_request: bool) -> f64 {
    if !per_request {
        return (rows.iter().map(|r| r.usage.cache_read_tokens).sum::<f64>() / requests.max(1e-300)).round();
    }
    let mut reads: Vec<f64> = rows
        .iter()
        .filter(|r| r.usage.cache_read_tokens > 0.0)
        .map(|r| r.usage.cache_read_tokens / r.requests.max(1.0))
        .collect();
    if reads.len() * 10 >= rows.len().max(1) {
        reads.sort_by(f64::total_cmp);
        reads[reads.len() / 2].round()
    } else {
        0.0
    }
}

/// One class: tokens, prefix, repeats, retries and owner.
fn fit_class(input: &ClassRows<'_>, opts: &FitOptions, name: &str, share: f64) -> (TaskClass, TokenFit, TokenFit) {
    let ClassRows {
        records,
        idx,
        sy,
        retries,
        per_request,
    } = *input;
    let rows: Vec<&Record> = idx
        .iter()
        .filter(|&&i| !retries.is_retry[i])
        .map(|&i| &records[i])
        .collect();
    let requests: f64 = rows.iter().map(|r| r.requests).sum();
    let prefix = class_prefix(&rows, requests, per_request);
    let (fin, fout) = if per_request {
        let mut input: Vec<f64> = rows.iter().map(|r| (r.usage.prompt_tokens - prefix).max(0.0)).collect();
        let mut output: Vec<f64> = rows
            .iter()
            .map(|r| (r.usage.output_tokens - r.usage.reasoning_tokens).max(0.0))
            .collect();
        // A tier's threshold counts the whole prompt, shared prefix included.
        let tiers = PRICE_TIER_TOKENS.map(|t| t - prefix);
        (fit_tokens_tiered(&mut input, &tiers), fit_tokens(&mut output))
    } else {
        let mean = |f: &dyn Fn(&Record) -> f64| rows.iter().map(|r| f(r)).sum::<f64>() / requests.max(1e-300);
        let mi = mean(&|r| r.usage.prompt_tokens) - prefix;
        let mo = mean(&|r| r.usage.output_tokens - r.usage.reasoning_tokens);
        let fixed = |m: f64| TokenFit {
            spec: DistSpec::Fixed(m.round()),
            kind: "Fixed (mean only)",
            ks: None,
            n: rows.len(),
            mean: m,
            refused: None,
        };
        (fixed(mi), fixed(mo))
    };
    let with_hit: Vec<&&Record> = rows.iter().filter(|r| r.cache_hit.is_some()).collect();
    let hits = with_hit.iter().filter(|r| r.cache_hit == Some(true)).count() as f64;
    let (failed, retried) = retries.counts(idx.iter().copied());
    let owner = opts.owner_by.as_deref().and_then(super::key_index).and_then(|ki| {
        let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
        for r in &rows {
            if let Some(v) = r.keys[ki] {
                *counts.entry(sy.name(v)).or_default() += 1;
            }
        }
        // The most common value; the first by name among equals.
        counts
            .into_iter()
            .max_by(|a, b| a.1.cmp(&b.1).then(b.0.cmp(a.0)))
            .map(|(v, _)| v.to_string())
    });
    let class = TaskClass {
        name: name.to_string(),
        share: Prob::new(share.clamp(0.0, 1.0)).unwrap_or_default(),
        owner,
        input_tokens: nonneg(fin.spec.clone()),
        shared_prefix_tokens: prefix as u64,
        output_tokens: nonneg(fout.spec.clone()),
        exact_repeat_rate: prob_dist(hits, with_hit.len() as f64),
        near_repeat_rate: ProbDist::fixed(0.0),
        retry_on_failure: if failed > 0.0 {
            prob_dist(retried, failed)
        } else {
            ProbDist::fixed(0.0)
        },
        batchable: false,
        session: None,
    };
    (class, fin, fout)
}

/// Per-model latency, speed, reasoning tokens, failures and cost.
fn model_stats(records: &[Record], sy: &super::Interner) -> Vec<ModelStats> {
    let mut by: BTreeMap<&str, Vec<&Record>> = BTreeMap::new();
    for r in records {
        by.entry(sy.name(r.model)).or_default().push(r);
    }
    let median = |mut v: Vec<f64>| -> Option<f64> {
        if v.is_empty() {
            return None;
        }
        v.sort_by(f64::total_cmp);
        Some(v[v.len() / 2])
    };
    by.into_iter()
        .map(|(model, rows)| {
            let requests: f64 = rows.iter().map(|r| r.requests).sum();
            let ttft: Vec<f64> = rows.iter().filter_map(|r| r.ttft_ms.map(f64::from)).collect();
            let speed: Vec<f64> = rows
                .iter()
                .filter_map(|r| {
                    let gen_s = f64::from(r.latency_ms? - r.ttft_ms?) / 1e3;
                    (gen_s > 0.0 && r.usage.output_tokens > 0.0).then(|| r.usage.output_tokens / gen_s)
                })
                .collect();
            let with_status: Vec<&&Record> = rows.iter().filter(|r| r.ok.is_some()).collect();
            let costs: Vec<f64> = rows.iter().filter_map(|r| r.cost_usd).collect();
            ModelStats {
                model: model.to_string(),
                requests,
                ttft_ms_median: median(ttft),
                output_tokens_per_s_median: median(speed),
                reasoning_tokens_mean: rows.iter().map(|r| r.usage.reasoning_tokens).sum::<f64>()
                    / requests.max(1e-300),
                failure_rate: (!with_status.is_empty()).then(|| {
                    with_status.iter().filter(|r| r.ok == Some(false)).count() as f64 / with_status.len() as f64
                }),
                cost_usd: (!costs.is_empty()).then(|| costs.iter().sum()),
            }
        })
        .collect()
}

impl Fit {
    /// The profile as RON, checked to load back as a valid traffic profile (a fit to extreme
    /// logs can leave CostPlan's bounds: the error says where).
    pub fn to_checked_ron(&self, logs: &Logs, name: &str) -> Result<String, String> {
        let text = self
            .to_ron(logs)
            .map_err(|e| format!("writing the profile as RON: {e}"))?;
        let src = crate::model::error::SourceFile::new(name, &text);
        crate::model::TrafficProfile::from_ron(&src)
            .map(|_| text.clone())
            .map_err(|e| format!("the profile fitted to these logs is outside CostPlan's bounds: {e}"))
    }

    /// The profile as RON, opening with a comment block: sources, period, rows read and
    /// skipped (with why), what was fitted and what assumed, fit quality and per-model figures.
    pub fn to_ron(&self, logs: &Logs) -> Result<String, ron::Error> {
        let mut h = String::new();
        let mut line = |s: String| {
            for l in s.lines() {
                h.push_str("// ");
                h.push_str(&escape(l));
                h.push('\n');
            }
        };
        line("Traffic profile fitted by CostPlan (`costplan traffic fit`).".into());
        for (f, s, rows) in &logs.files {
            line(format!("source: {f} ({}, {rows} rows)", s.label()));
        }
        line(format!(
            "period: {} to {} ({} days); volume is the volume on {} — set the scenario's start_date to it to backtest",
            self.start_date, self.end_date, self.days, self.start_date
        ));
        line(format!(
            "rows read: {}; used: {} ({} requests, {} of them retries); skipped: {}",
            logs.records.len() as u64 + logs.skipped_count,
            logs.records.len(),
            self.requests,
            self.retries,
            logs.skipped_count
        ));
        for s in logs.skipped.iter().take(20) {
            line(format!("  skipped {s}"));
        }
        if logs.skipped_count > 20 {
            line(format!("  … and {} more skipped rows", logs.skipped_count - 20));
        }
        for n in logs.read_notes() {
            line(format!("  {n}"));
        }
        for (c, n) in &logs.other_currencies {
            line(format!(
                "  {n} rows priced in {c}: their cost is left out of the per-model cost"
            ));
        }
        line("fitted:".into());
        for (f, how) in &self.fitted {
            line(format!("  {f}: {how}"));
        }
        line("assumed (not in the data):".into());
        for (f, why) in &self.assumed {
            line(format!("  {f}: {why}"));
        }
        line("token fits (input beyond the shared prefix; output less reasoning):".into());
        for (c, i, o) in &self.token_fits {
            let q = |t: &TokenFit| {
                let why = t.refused.as_ref().map_or(String::new(), |w| format!("; {w}"));
                match t.ks {
                    Some(ks) => format!("{} (KS {ks:.3}, n {}, mean {:.0}{why})", t.kind, t.n, t.mean),
                    None => format!("{} (n {}, mean {:.0}{why})", t.kind, t.n, t.mean),
                }
            };
            line(format!("  {c}: input {}; output {}", q(i), q(o)));
        }
        line("per model (for the scenario's model profiles):".into());
        for m in &self.models {
            let name = match super::models::undated(&m.model) {
                Some(u) => format!("{} (a dated snapshot of {u}: price it as {u})", m.model),
                None => m.model.clone(),
            };
            line(format!(
                "  {}: {} requests; ttft_ms median {}; output_tokens_per_s median {}; reasoning tokens mean {:.0}; failures {}; cost {}",
                name,
                m.requests,
                m.ttft_ms_median.map_or("—".into(), |x| format!("{x:.0}")),
                m.output_tokens_per_s_median.map_or("—".into(), |x| format!("{x:.1}")),
                m.reasoning_tokens_mean,
                m.failure_rate.map_or("—".into(), |x| format!("{:.2}%", x * 100.0)),
                m.cost_usd.map_or("—".into(), |x| format!("${x:.2}")),
            ));
        }
        let body = crate::model::ron_io::to_ron_string(&self.profile)?;
        Ok(format!("{h}{body}\n"))
    }
}

/// Control characters out of a comment line.
fn escape(s: &str) -> String {
    s.chars().map(|c| if c.is_control() { '?' } else { c }).collect()
}
