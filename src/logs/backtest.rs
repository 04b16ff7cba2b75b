//! Backtest: the scenario's baseline simulated over the logs' own dates, against what the logs
//! say was spent — daily spend and the totals of spend, requests and tokens, with the share of
//! days inside the simulated p5–p95 band and the error of the total.

use serde::Serialize;

use super::Logs;
use super::fit::{date_of_day, unix_day};
use crate::model::Scenario;
use crate::sim::engine::{Cancelled, Control};
use crate::sim::metrics::{self as m, Summary, quantile_sorted};
use crate::sim::results::{SimOptions, simulate, split};

/// One day: what was spent and what the simulation says.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct BacktestDay {
    pub date: crate::date::Date,
    pub actual_spend_usd: f64,
    pub simulated_p5_usd: f64,
    pub simulated_p50_usd: f64,
    pub simulated_p95_usd: f64,
    pub inside: bool,
    /// A day inside the period without a row (a gap in the export): not compared.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub no_logs: bool,
}

/// A total over the period, actual against simulated.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct BacktestTotal {
    pub actual: f64,
    pub simulated: Summary,
    /// (simulated median − actual) / actual.
    pub error: f64,
    /// Whether the actual total lies in the simulated p5–p95 band (with no spread: equals it).
    pub inside: bool,
    /// The simulation gives the same total in every run (a fully fixed profile): the band has no
    /// width, so "inside" is a point comparison.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub no_spread: bool,
}

impl BacktestTotal {
    fn of(actual: f64, runs: impl Iterator<Item = f64>) -> BacktestTotal {
        let simulated = Summary::of(runs);
        // Percentiles interpolate, so equal runs may differ in the last bit: compare to 1e-9.
        let tol = 1e-9 * actual.abs().max(simulated.p50.abs()).max(1.0);
        let no_spread = simulated.p95 - simulated.p5 <= tol;
        BacktestTotal {
            actual,
            error: if actual > 0.0 {
                (simulated.p50 - actual) / actual
            } else {
                f64::NAN
            },
            inside: if no_spread {
                (simulated.p50 - actual).abs() <= tol
            } else {
                simulated.p5 - tol <= actual && actual <= simulated.p95 + tol
            },
            no_spread,
            simulated,
        }
    }
}

/// The backtest's result.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Backtest {
    pub scenario: String,
    pub policy: String,
    pub start_date: crate::date::Date,
    pub days: usize,
    pub runs: u32,
    pub daily: Vec<BacktestDay>,
    /// The share of days whose actual spend lies in the simulated p5–p95 band.
    pub share_of_days_inside: f64,
    pub spend_usd: BacktestTotal,
    /// Model calls: rows the gateway's response cache answered are not calls (they are counted
    /// in `response_cache_hits`), nor are their tokens billed.
    pub requests: BacktestTotal,
    pub prompt_tokens: BacktestTotal,
    pub output_tokens: BacktestTotal,
    /// Prompt tokens read from and written to the provider's prompt cache, when the logs give
    /// either (the part of a conversation's history the cache served, and what it wrote).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cache_read_tokens: Option<BacktestTotal>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cache_write_tokens: Option<BacktestTotal>,
    /// Requests answered from the gateway's response cache, against the simulated exact and
    /// semantic cache hits; when the logs mark hits.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub response_cache_hits: Option<BacktestTotal>,
    /// Rows whose cost the logs do not give (their spend is unknown, so left out of the actual).
    pub rows_without_cost: u64,
    /// Models in the logs that the scenario does not have.
    pub unknown_models: Vec<String>,
    /// Dated model ids in the logs taken as the scenario's model of the same name:
    /// (logged id, model or price key).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub dated_models: Vec<(String, String)>,
    /// Rows priced in another currency (left out of the actual spend), by currency.
    pub other_currencies: Vec<(String, u64)>,
    /// What the comparison left out: partial first or last days, strays, days without logs.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

/// The days a backtest compares: the whole days of the logs' main period (a partial first or
/// last day — an export cut mid-day, or sessions running past the last midnight — is left out,
/// as are rows dated far from the rest), and which of them have no row.
struct Compared {
    first_day: i64,
    days: usize,
    /// Per compared day: whether the logs have a row on it.
    logged: Vec<bool>,
    /// Per record: whether it falls on a compared day.
    kept: Vec<bool>,
    notes: Vec<String>,
}

fn compared_days(logs: &Logs) -> Result<Compared, String> {
    let records = &logs.records;
    let mut ignored = Vec::new();
    let rows = |i: usize| records[i].requests;
    let daily = super::coverage::daily_counts(records, &rows, logs.per_request(), &mut ignored);
    let whole: Vec<usize> = (0..daily.coverage.len())
        .filter(|&d| daily.coverage[d] >= 1.0)
        .collect();
    let (Some(&a), Some(&b)) = (whole.first(), whole.last()) else {
        return Err(format!(
            "the logs cover {:.1} hours, under a whole day: a backtest compares whole days; give it at least a day of logs",
            daily.covered_days() * 24.0
        ));
    };
    let mut notes = Vec::new();
    for d in (0..a).chain(b + 1..daily.coverage.len()) {
        notes.push(format!(
            "{}: the logs hold {:.0}% of a day's traffic (an export cut there, or sessions running past midnight): left out, a backtest compares whole days.",
            date_of_day(daily.first_day + d as i64),
            daily.coverage[d] * 100.0
        ));
    }
    if !daily.strays.is_empty() {
        notes.push(format!(
            "{} rows dated far from the rest are left out (a clock or a typo'd date?).",
            daily.strays.len()
        ));
    }
    let first_day = daily.first_day + a as i64;
    let days = b - a + 1;
    let kept: Vec<bool> = records
        .iter()
        .map(|r| (first_day..first_day + days as i64).contains(&unix_day(r.start_unix_s)))
        .collect();
    let mut logged = vec![false; days];
    for (r, k) in records.iter().zip(&kept) {
        if *k {
            logged[(unix_day(r.start_unix_s) - first_day) as usize] = true;
        }
    }
    let gaps = logged.iter().filter(|l| !**l).count();
    if gaps > 0 {
        notes.push(format!(
            "{gaps} day(s) inside the period have no row (a gap in the export?): not compared; the simulated totals leave them out in proportion to their simulated spend."
        ));
    }
    Ok(Compared {
        first_day,
        days,
        logged,
        kept,
        notes,
    })
}

/// Simulates the scenario's baseline over the logs' dates (start date = the logs' first day,
/// horizon = their number of days) and compares.
pub fn backtest(
    scn: &Scenario,
    logs: &Logs,
    opts: &SimOptions,
    ctl: &Control,
) -> Result<Result<Backtest, String>, Cancelled> {
    let c = match compared_days(logs) {
        Ok(c) => c,
        Err(e) => return Ok(Err(e)),
    };
    let (first, days) = (c.first_day, c.days);
    if days > crate::model::limits::MAX_HORIZON_DAYS as usize {
        return Ok(Err(format!(
            "the logs span {days} days; a backtest covers at most {}",
            crate::model::limits::MAX_HORIZON_DAYS
        )));
    }
    let records: Vec<super::Record> = logs
        .records
        .iter()
        .zip(&c.kept)
        .filter(|(_, k)| **k)
        .map(|(r, _)| r.clone())
        .collect();
    let (actual, without_cost) = actual_by_day(&records, first, days);
    if without_cost == records.len() as u64 {
        return Ok(Err(
            "no row of the logs gives its cost (spend, totalCost): there is nothing to backtest against".into(),
        ));
    }
    let (unknown, dated) = unknown_models(scn, logs);

    let base = scn.policies[scn.baseline].clone();
    let mut s = scn.clone();
    s.file.start_date = Some(date_of_day(first).to_string());
    s.file.horizon_days = days as u32;
    s.policies = vec![base.clone()];
    let s = match s.validate_edited() {
        Ok(s) => s,
        Err(e) => return Ok(Err(format!("the scenario over the logs' dates does not validate: {e}"))),
    };
    let opts = SimOptions {
        skip_attribution: true,
        policies: Vec::new(),
        ..opts.clone()
    };
    let r = match split(simulate(&s, &opts, ctl))? {
        Ok(r) => r,
        Err(e) => return Ok(Err(e)),
    };
    let runs = &r.policies[0].runs;
    let daily = daily_bands(&actual, runs, first, &c.logged);
    let logged_days = c.logged.iter().filter(|l| **l).count().max(1);
    let inside = daily.iter().filter(|d| d.inside).count() as f64 / logged_days as f64;
    let logged_spend: Vec<f64> = runs.iter().map(|x| spend_on(x, &c.logged)).collect();
    // Each run's share of its spend on days with logs (1 without gaps): the simulated totals are
    // taken on those days only.
    let on_logged: Vec<f64> = runs
        .iter()
        .zip(&logged_spend)
        .map(|(x, l)| {
            let all: f64 = x.spend_by_day_usd.iter().sum();
            if all > 0.0 { l / all } else { 1.0 }
        })
        .collect();
    let t = totals(&records, runs, &on_logged);
    Ok(Ok(Backtest {
        scenario: scn.name().to_string(),
        policy: base.name,
        start_date: date_of_day(first),
        days,
        runs: r.runs,
        share_of_days_inside: inside,
        spend_usd: BacktestTotal::of(actual.iter().sum(), logged_spend.into_iter()),
        requests: t.requests,
        prompt_tokens: t.prompt_tokens,
        output_tokens: t.output_tokens,
        cache_read_tokens: t.cache_read_tokens,
        cache_write_tokens: t.cache_write_tokens,
        response_cache_hits: t.response_cache_hits,
        daily,
        rows_without_cost: without_cost,
        unknown_models: unknown,
        dated_models: dated,
        other_currencies: logs.other_currencies.iter().map(|(c, n)| (c.clone(), *n)).collect(),
        notes: c.notes,
    }))
}

/// The logged spend per day from `first`, and the rows that give no cost.
fn actual_by_day(records: &[super::Record], first: i64, days: usize) -> (Vec<f64>, u64) {
    let mut actual = vec![0.0f64; days];
    let mut without_cost = 0u64;
    for r in records {
        match r.cost_usd {
            Some(cost) => actual[(unix_day(r.start_unix_s) - first) as usize] += cost,
            None => without_cost += 1,
        }
    }
    (actual, without_cost)
}

/// A run's simulated spend on the days with logs.
fn spend_on(x: &crate::sim::metrics::RunMetrics, logged: &[bool]) -> f64 {
    x.spend_by_day_usd
        .iter()
        .zip(logged)
        .filter(|(_, l)| **l)
        .map(|(v, _)| v)
        .sum()
}

/// Models in the logs the scenario lacks, and dated ids taken as its models (a snapshot date
/// dropped: `claude-sonnet-4-5-20250929` → `claude-sonnet-4-5`).
fn unknown_models(scn: &Scenario, logs: &Logs) -> (Vec<String>, Vec<(String, String)>) {
    let known = |m: &str| scn.file.models.contains_key(m) || scn.file.models.values().any(|p| p.price_key == m);
    let mut ids: Vec<&str> = logs.records.iter().map(|r| logs.symbols.name(r.model)).collect();
    ids.sort_unstable();
    ids.dedup();
    let mut unknown = Vec::new();
    let mut dated = Vec::new();
    for id in ids {
        match super::models::resolve(id, known) {
            None => unknown.push(id.to_string()),
            Some(m) if m != id => dated.push((id.to_string(), m.to_string())),
            Some(_) => {}
        }
    }
    (unknown, dated)
}

/// The totals besides spend, actual against simulated.
struct Totals {
    requests: BacktestTotal,
    prompt_tokens: BacktestTotal,
    output_tokens: BacktestTotal,
    cache_read_tokens: Option<BacktestTotal>,
    cache_write_tokens: Option<BacktestTotal>,
    response_cache_hits: Option<BacktestTotal>,
}

/// Calls and tokens like with like: a row the gateway's response cache answered is neither a
/// model call nor billed tokens; such rows are compared with the simulated cache hits.
/// `on_logged` is each run's share of its spend on the days with logs (the totals are scaled by
/// it: exact without gaps, in proportion to spend where the export has a gap).
fn totals(records: &[super::Record], runs: &[crate::sim::metrics::RunMetrics], on_logged: &[f64]) -> Totals {
    let hit = |r: &super::Record| r.cache_hit == Some(true);
    let sum = |f: &dyn Fn(&super::Record) -> f64| records.iter().filter(|r| !hit(r)).map(f).sum::<f64>();
    let sim = |f: &dyn Fn(&crate::sim::metrics::RunMetrics) -> f64| {
        runs.iter().zip(on_logged).map(|(x, k)| f(x) * k).collect::<Vec<f64>>()
    };
    let marks_hits = records.iter().any(|r| r.cache_hit.is_some());
    let gives_cache = records
        .iter()
        .any(|r| r.usage.cache_read_tokens > 0.0 || r.usage.cache_write_tokens > 0.0);
    Totals {
        cache_read_tokens: gives_cache.then(|| {
            BacktestTotal::of(
                sum(&|r| r.usage.cache_read_tokens),
                sim(&|x| x.values[m::TOKENS_CACHE_READ]).into_iter(),
            )
        }),
        cache_write_tokens: gives_cache.then(|| {
            BacktestTotal::of(
                sum(&|r| r.usage.cache_write_tokens),
                sim(&|x| x.values[m::TOKENS_CACHE_WRITE]).into_iter(),
            )
        }),
        requests: BacktestTotal::of(sum(&|r| r.requests), sim(&|x| x.values[m::MODEL_CALLS]).into_iter()),
        prompt_tokens: BacktestTotal::of(
            sum(&|r| r.usage.prompt_tokens),
            sim(&|x| x.values[m::TOKENS_INPUT] + x.values[m::TOKENS_CACHE_READ] + x.values[m::TOKENS_CACHE_WRITE])
                .into_iter(),
        ),
        output_tokens: BacktestTotal::of(
            sum(&|r| r.usage.output_tokens),
            sim(&|x| x.values[m::TOKENS_OUTPUT] + x.values[m::TOKENS_REASONING]).into_iter(),
        ),
        response_cache_hits: marks_hits.then(|| {
            BacktestTotal::of(
                records.iter().filter(|r| hit(r)).map(|r| r.requests).sum(),
                sim(&|x| {
                    x.values[m::EXACT_CACHE_HITS] + x.values[m::SEMANTIC_CACHE_HITS] + x.values[m::SEMANTIC_WRONG_HITS]
                })
                .into_iter(),
            )
        }),
    }
}

/// Each day's actual spend against the simulated p5, median and p95 of that day across runs.
fn daily_bands(
    actual: &[f64],
    runs: &[crate::sim::metrics::RunMetrics],
    first_day: i64,
    logged: &[bool],
) -> Vec<BacktestDay> {
    (0..actual.len())
        .map(|d| {
            let mut v: Vec<f64> = runs
                .iter()
                .map(|x| x.spend_by_day_usd.get(d).copied().unwrap_or(0.0))
                .collect();
            v.sort_by(f64::total_cmp);
            let (p5, p50, p95) = (
                quantile_sorted(&v, 0.05),
                quantile_sorted(&v, 0.5),
                quantile_sorted(&v, 0.95),
            );
            BacktestDay {
                date: date_of_day(first_day + d as i64),
                actual_spend_usd: actual[d],
                simulated_p5_usd: p5,
                simulated_p50_usd: p50,
                simulated_p95_usd: p95,
                inside: logged[d] && p5 <= actual[d] && actual[d] <= p95,
                no_logs: !logged[d],
            }
        })
        .collect()
}
