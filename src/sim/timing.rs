//! Switch now, later or never: one event of a scenario (a migration, a retirement, a price
//! move) placed on each of a series of dates, and left out, every placement simulated on the
//! same draws — so the horizon spend of acting at each date is compared run by run.

use serde::Serialize;

use super::engine::Control;
use super::metrics::{Metric, Summary};
use super::results::{Results, SimError, SimOptions, simulate};
use crate::date::Date;
use crate::model::Scenario;
use crate::model::events::{Change, EventDate};

/// The most dates one timing study places an event on.
pub const MAX_TIMING_DATES: usize = 60;

/// The cheapest placement of a policy the event does not touch.
pub const ANY: &str = "any (the event does not change its spend)";

/// One placement of the event: on a date, or never.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct TimingRow {
    /// The date ("YYYY-MM-DD"), or "never".
    pub when: String,
    /// Per policy (the timing's `policies` order): the spend over the horizon.
    pub spend_usd: Vec<Summary>,
    /// Per policy: the spend minus the spend with the event left out, run by run.
    pub vs_never_usd: Vec<Summary>,
}

/// The horizon spend of an event placed on each date, and left out.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Timing {
    pub event: String,
    pub policies: Vec<String>,
    pub runs: u32,
    pub engine: &'static str,
    /// The dates in order, then "never".
    pub rows: Vec<TimingRow>,
    /// Per policy: the placement (a date, or "never") with the lowest expected spend, or [`ANY`].
    pub cheapest: Vec<String>,
}

/// Why a timing study cannot run.
#[derive(Debug, thiserror::Error)]
pub enum TimingError {
    #[error("no event {0:?} in this scenario; its events are: {1}")]
    UnknownEvent(String, String),
    #[error("{0}")]
    Invalid(String),
    #[error(transparent)]
    Sim(#[from] SimError),
}

/// The event a name or tag ("E2") picks.
pub fn find_event(scn: &Scenario, name: &str) -> Result<usize, TimingError> {
    let by_tag = name
        .strip_prefix('E')
        .and_then(|n| n.parse::<usize>().ok())
        .filter(|n| (1..=scn.file.events.len()).contains(n))
        .map(|n| n - 1);
    by_tag
        .or_else(|| scn.file.events.iter().position(|e| e.label() == name))
        .ok_or_else(|| {
            let known: Vec<String> = scn
                .file
                .events
                .iter()
                .enumerate()
                .map(|(i, e)| format!("{} {:?}", crate::model::events::tag(i), e.label()))
                .collect();
            TimingError::UnknownEvent(
                name.to_string(),
                if known.is_empty() {
                    "none".into()
                } else {
                    known.join(", ")
                },
            )
        })
}

/// The dates from the horizon's start, every `every_days` days, within the horizon.
pub fn dates_every(scn: &Scenario, every_days: u32) -> Result<Vec<Date>, TimingError> {
    let start = scn
        .start_date()
        .ok_or_else(|| TimingError::Invalid("the scenario needs a start_date to place an event on dates".into()))?;
    if every_days == 0 {
        return Err(TimingError::Invalid("--every must be at least 1 day".into()));
    }
    let dates: Vec<Date> = (0..scn.file.horizon_days)
        .step_by(every_days as usize)
        .map(|d| Date::from_unix_day(start.unix_day() + i64::from(d)))
        .collect();
    if dates.len() > MAX_TIMING_DATES {
        return Err(TimingError::Invalid(format!(
            "{} dates (every {every_days} days over {} days) is more than {MAX_TIMING_DATES}: choose a longer --every",
            dates.len(),
            scn.file.horizon_days
        )));
    }
    Ok(dates)
}

/// Places event `event` on each of `dates` (certain: its probability is the question being
/// asked), then leaves it out, and simulates each on the same draws and engine.
pub fn timing(
    scn: &Scenario,
    event: usize,
    dates: &[Date],
    opts: &SimOptions,
    ctl: &Control,
) -> Result<Timing, TimingError> {
    let e = scn
        .file
        .events
        .get(event)
        .ok_or_else(|| TimingError::Invalid(format!("no event {}", event + 1)))?;
    let placed = |d: Option<Date>| {
        let mut s = scn.clone();
        match d {
            Some(d) => {
                s.file.events[event].on = EventDate::On(d.to_string());
                s.file.events[event].probability = None;
            }
            None => {
                s.file.events.remove(event);
            }
        }
        s
    };
    let mut opts = SimOptions {
        skip_attribution: true,
        event_effects: false,
        ..opts.clone()
    };
    let mut results: Vec<(String, Results)> = Vec::new();
    for d in dates.iter().copied().map(Some).chain([None]) {
        let r = simulate(&placed(d), &opts, ctl)?;
        // Every placement on the engine (and sample) the first chose: paired runs.
        opts.engine = r.engine.same_choice();
        results.push((d.map_or_else(|| "never".to_string(), |d| d.to_string()), r));
    }
    let first = &results[0].1;
    let policies: Vec<String> = first.policies.iter().map(|p| p.name.clone()).collect();
    let never = &results[results.len() - 1].1;
    // Left out, a rollout has no column of its own: its column is then the baseline.
    let never_of = |name: &str| {
        never
            .policies
            .iter()
            .find(|p| p.name == name)
            .or_else(|| matches!(e.change, Change::Rollout { .. }).then(|| &never.policies[0]))
    };
    let cost = |p: &crate::sim::results::PolicyResult, k: usize| p.runs[k].values[Metric::CostTotal];
    let runs = first.runs as usize;
    let rows: Vec<TimingRow> = results
        .iter()
        .map(|(when, r)| {
            let mut spend_usd = Vec::new();
            let mut vs_never_usd = Vec::new();
            for name in &policies {
                let p = r.policies.iter().find(|p| p.name == *name).or_else(|| never_of(name));
                let (Some(p), Some(q)) = (p, never_of(name)) else {
                    spend_usd.push(Summary::of(std::iter::empty()));
                    vs_never_usd.push(Summary::of(std::iter::empty()));
                    continue;
                };
                spend_usd.push(Summary::of((0..runs).map(|k| cost(p, k))));
                vs_never_usd.push(Summary::of((0..runs).map(|k| cost(p, k) - cost(q, k))));
            }
            TimingRow {
                when: when.clone(),
                spend_usd,
                vs_never_usd,
            }
        })
        .collect();
    let cheapest = cheapest(&rows, policies.len());
    Ok(Timing {
        event: e.label(),
        policies,
        runs: first.runs,
        engine: first.engine.name,
        rows,
        cheapest,
    })
}

/// Per policy: the placement with the lowest expected spend, or [`ANY`] when every placement
/// spends the same.
fn cheapest(rows: &[TimingRow], policies: usize) -> Vec<String> {
    (0..policies)
        .map(|pi| {
            let means: Vec<f64> = rows
                .iter()
                .map(|r| r.spend_usd[pi].mean)
                .filter(|x| x.is_finite())
                .collect();
            let (lo, hi) = means
                .iter()
                .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), x| (a.min(*x), b.max(*x)));
            if hi - lo <= 1e-9 * hi.abs().max(1.0) {
                return ANY.to_string();
            }
            rows.iter()
                .filter(|r| r.spend_usd[pi].mean.is_finite())
                .min_by(|a, b| a.spend_usd[pi].mean.total_cmp(&b.spend_usd[pi].mean))
                .map(|r| r.when.clone())
                .unwrap_or_default()
        })
        .collect()
}
