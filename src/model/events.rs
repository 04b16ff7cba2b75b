//! Dated changes on a scenario's timeline: price moves and yearly price trends, model launches
//! and deprecations, staged rollouts of a policy, traffic spikes and class starts or ends, and
//! budget changes — each on a fixed or uncertain date, and happening with a probability.

use serde::de::{self, Deserializer, Visitor};
use serde::ser::{SerializeTupleVariant, Serializer};
use serde::{Deserialize, Serialize};

use super::dist::NonNegDist;
use super::error::Diagnostics;
use super::locate::FieldPath;
use super::ron_io::{NonNeg, Prob};
use super::scenario::ScenarioFile;

/// The most events a scenario holds.
pub const MAX_EVENTS: usize = 100;

/// The largest price or traffic factor an event may apply (and a yearly price trend's bound).
pub const MAX_FACTOR: f64 = 1000.0;

/// The tag of the `i`-th event (0-based) in charts, tables and on the command line: "E1".
pub fn tag(i: usize) -> String {
    format!("E{}", i + 1)
}

/// One dated change.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Event {
    /// A label for tables and charts (a description of the change when empty).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub name: String,
    /// When it takes effect: a date, or a date drawn per run.
    pub on: EventDate,
    /// The chance it happens at all, drawn once per run (certain when absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub probability: Option<Prob>,
    pub change: Change,
}

/// An event's date: `"2027-01-16"`, or `Uniform("2027-01-01", "2027-03-31")` (every day of the
/// range equally likely, drawn once per run).
#[derive(Clone, Debug, PartialEq)]
pub enum EventDate {
    On(String),
    Uniform(String, String),
}

impl Serialize for EventDate {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            EventDate::On(d) => s.serialize_str(d),
            // As an enum's variant, so that RON writes its name even with struct names off.
            EventDate::Uniform(a, b) => {
                let mut t = s.serialize_tuple_variant("EventDate", 1, "Uniform", 2)?;
                t.serialize_field(a)?;
                t.serialize_field(b)?;
                t.end()
            }
        }
    }
}

impl<'de> Deserialize<'de> for EventDate {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = EventDate;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str(r#"a date "YYYY-MM-DD" or Uniform("YYYY-MM-DD", "YYYY-MM-DD")"#)
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<EventDate, E> {
                Ok(EventDate::On(s.to_string()))
            }
            // RON hands a named tuple `Uniform(a, b)` over as a sequence; the name is checked
            // against the text by `check_events`.
            fn visit_seq<A: de::SeqAccess<'de>>(self, mut a: A) -> Result<EventDate, A::Error> {
                let first: String = a.next_element()?.ok_or_else(|| de::Error::invalid_length(0, &self))?;
                let last: String = a.next_element()?.ok_or_else(|| de::Error::invalid_length(1, &self))?;
                if a.next_element::<de::IgnoredAny>()?.is_some() {
                    return Err(de::Error::invalid_length(3, &self));
                }
                Ok(EventDate::Uniform(first, last))
            }
        }
        d.deserialize_any(V)
    }
}

/// What an event changes.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub enum Change {
    /// A model's prices times these factors from the date on (cache reads and writes follow the
    /// input factor, reasoning the output factor, unless given; batch and long-context prices
    /// follow theirs).
    Price {
        model: String,
        input_factor: NonNeg,
        output_factor: NonNeg,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        cache_read_factor: Option<NonNeg>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        cache_write_factor: Option<NonNeg>,
    },
    /// A model's prices drift from the date on by a factor per year (0.3 = to 30 % in a year),
    /// drawn once per run and compounded daily.
    PriceTrend { model: String, per_year: NonNegDist },
    /// A model exists only from the date: calls to it before go to `fallback`.
    Launch { model: String, fallback: String },
    /// From the date every call to `model` goes to `fallback` (its success and latency apply).
    Deprecate { model: String, fallback: String },
    /// The baseline's traffic moves to policy `to` linearly over `over_days` days: simulated as
    /// a policy of its own, beside the unchanged baseline and candidate.
    Rollout { to: String, over_days: u32 },
    /// The listed classes' traffic (every class when empty) times `factor` for `days` days, or
    /// from the date on when `days` is absent (`factor: 0` ends a class).
    Traffic {
        factor: NonNeg,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        days: Option<u32>,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        classes: Vec<String>,
    },
    /// A class's traffic starts on the date (none before it).
    Start { class: String },
    /// A policy's budget cap per period becomes `cap_usd` (per-owner caps in proportion).
    Budget { policy: String, cap_usd: NonNeg },
}

impl Change {
    /// The change in a few words: "price ×0.5 on sonnet".
    pub fn describe(&self) -> String {
        let f = |x: f64| crate::model::limits::number(x);
        match self {
            Change::Price {
                model,
                input_factor,
                output_factor,
                ..
            } if input_factor == output_factor => format!("{model} price ×{}", f(input_factor.get())),
            Change::Price {
                model,
                input_factor,
                output_factor,
                ..
            } => format!(
                "{model} price ×{} input, ×{} output",
                f(input_factor.get()),
                f(output_factor.get())
            ),
            Change::PriceTrend { model, .. } => format!("{model} price trend"),
            Change::Launch { model, .. } => format!("{model} launches"),
            Change::Deprecate { model, fallback } => format!("{model} retired for {fallback}"),
            Change::Rollout { to, over_days } => format!("rollout to {to} over {over_days} days"),
            Change::Traffic {
                factor, days, classes, ..
            } => {
                let who = if classes.is_empty() {
                    "traffic".to_string()
                } else {
                    format!("{} traffic", classes.join(", "))
                };
                match days {
                    Some(d) => format!("{who} ×{} for {d} days", f(factor.get())),
                    None => format!("{who} ×{}", f(factor.get())),
                }
            }
            Change::Start { class } => format!("{class} starts"),
            Change::Budget { policy, cap_usd } => {
                format!("{policy} cap ${}", f(cap_usd.get()))
            }
        }
    }
}

impl Event {
    /// The event's label: its name, else its change described.
    pub fn label(&self) -> String {
        if self.name.trim().is_empty() {
            self.change.describe()
        } else {
            self.name.clone()
        }
    }

    /// The first and last day (days after the scenario's start, negative before it) the event
    /// may take effect on; `None` when a date does not parse (a validated scenario's do).
    pub fn day_range(&self, start: crate::date::Date) -> Option<(i64, i64)> {
        let day = |s: &str| crate::date::Date::parse(s).map(|d| d.unix_day() - start.unix_day());
        match &self.on {
            EventDate::On(d) => day(d).map(|x| (x, x)),
            EventDate::Uniform(a, b) => Some((day(a)?, day(b)?)),
        }
    }
}

/// What events are checked against: the classes of the resolved traffic profile and the
/// resolved policies.
pub(super) struct Known<'a> {
    pub classes: Vec<&'a str>,
    pub policies: Vec<&'a super::policy::Policy>,
}

/// Checks every event against the scenario: dates (and a start date to count them from),
/// names of models, classes and policies, factors within their bounds.
pub(super) fn check_events(file: &ScenarioFile, known: &Known, d: &mut Diagnostics, text: &str) {
    if file.events.is_empty() {
        return;
    }
    let root = FieldPath::root().field("events");
    if file.events.len() > MAX_EVENTS {
        d.push(
            &root,
            format!(
                "a scenario holds at most {MAX_EVENTS} events, found {}",
                file.events.len()
            ),
        );
    }
    if file.start_date.is_none() {
        d.push(
            &root,
            "events are dated: the scenario needs a start_date (YYYY-MM-DD) to place them on its horizon",
        );
    }
    for (i, e) in file.events.iter().enumerate() {
        let at = root.index(i);
        check_date(&e.on, &at.field("on"), d, text);
        check_change(file, &e.change, &at.field("change"), known, d);
    }
}

fn check_date(on: &EventDate, at: &FieldPath, d: &mut Diagnostics, text: &str) {
    let bad = |s: &str| crate::date::Date::parse(s).is_none();
    match on {
        EventDate::On(s) if bad(s) => d.push(at, format!("expected a date written YYYY-MM-DD, found {s:?}")),
        EventDate::On(_) => {}
        EventDate::Uniform(a, b) => {
            let (pos, found) = super::locate::RonMap::new(text).locate(at);
            // The locator points at the field's name: the value follows its colon.
            let written = if found { value_text(text, pos) } else { "" };
            let written = written
                .strip_prefix("on")
                .map_or(written, |r| r.trim_start().trim_start_matches(':').trim_start());
            if !(written.starts_with("Uniform") || written.starts_with('(')) {
                let name: String = written
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect();
                d.push(
                    at,
                    format!(r#"expected a date "YYYY-MM-DD" or Uniform("YYYY-MM-DD", "YYYY-MM-DD"), found {name}(…)"#),
                );
                return;
            }
            for s in [a, b] {
                if bad(s) {
                    d.push(at, format!("expected a date written YYYY-MM-DD, found {s:?}"));
                    return;
                }
            }
            if a > b {
                d.push(at, format!("the range's first date {a} is after its last {b}"));
            }
        }
    }
}

/// The text from `pos` on (for telling `Uniform(…)` from another name RON hands over alike).
fn value_text(text: &str, pos: super::locate::Pos) -> &str {
    let line_start: usize = text.split_inclusive('\n').take(pos.line - 1).map(str::len).sum();
    let rest = &text[line_start.min(text.len())..];
    let col: usize = rest.chars().take(pos.col.saturating_sub(1)).map(char::len_utf8).sum();
    &rest[col.min(rest.len())..]
}

fn check_change(file: &ScenarioFile, c: &Change, at: &FieldPath, known: &Known, d: &mut Diagnostics) {
    use crate::model::limits::check_value;
    let model = |d: &mut Diagnostics, field: &str, name: &str| {
        if !file.models.contains_key(name) {
            d.push(
                &at.field(field),
                super::checks::unknown("model", name, file.models.keys()),
            );
        }
    };
    let factor = |d: &mut Diagnostics, field: &str, x: f64| check_value(d, &at.field(field), x, (0.0, MAX_FACTOR), "");
    let class = |d: &mut Diagnostics, field: FieldPath, name: &str| {
        if !known.classes.contains(&name) {
            d.push(&field, super::checks::unknown("class", name, known.classes.iter()));
        }
    };
    match c {
        Change::Price {
            model: m,
            input_factor,
            output_factor,
            cache_read_factor,
            cache_write_factor,
        } => {
            model(d, "model", m);
            factor(d, "input_factor", input_factor.get());
            factor(d, "output_factor", output_factor.get());
            if let Some(x) = cache_read_factor {
                factor(d, "cache_read_factor", x.get());
            }
            if let Some(x) = cache_write_factor {
                factor(d, "cache_write_factor", x.get());
            }
        }
        Change::PriceTrend { model: m, per_year } => {
            model(d, "model", m);
            crate::model::limits::check_dist(d, &at.field("per_year"), &per_year.0, (0.0, MAX_FACTOR), "× a year");
        }
        Change::Launch { model: m, fallback } | Change::Deprecate { model: m, fallback } => {
            model(d, "model", m);
            model(d, "fallback", fallback);
            if m == fallback {
                d.push(&at.field("fallback"), "the fallback must be another model");
            }
        }
        Change::Rollout { to, over_days } => check_rollout(file, (to, *over_days), at, known, d),
        Change::Traffic {
            factor: f,
            days,
            classes: names,
        } => {
            factor(d, "factor", f.get());
            if days.is_some_and(|n| !(1..=crate::model::limits::MAX_HORIZON_DAYS).contains(&n)) {
                d.push(
                    &at.field("days"),
                    format!("expected 1 to 3660 days, found {}", days.unwrap_or(0)),
                );
            }
            for (j, n) in names.iter().enumerate() {
                class(d, at.field("classes").index(j), n);
            }
        }
        Change::Start { class: n } => class(d, at.field("class"), n),
        Change::Budget { policy, cap_usd } => check_budget((policy, cap_usd.get()), at, known, d),
    }
}

fn check_rollout(
    file: &ScenarioFile,
    (to, over_days): (&str, u32),
    at: &FieldPath,
    known: &Known,
    d: &mut Diagnostics,
) {
    if !known.policies.iter().any(|p| p.name == to) {
        d.push(
            &at.field("to"),
            super::checks::unknown("policy", to, known.policies.iter().map(|p| &p.name)),
        );
    } else if to == file.baseline {
        d.push(
            &at.field("to"),
            "a rollout moves the baseline's traffic to another policy",
        );
    }
    if !(1..=crate::model::limits::MAX_HORIZON_DAYS).contains(&over_days) {
        d.push(
            &at.field("over_days"),
            format!("expected 1 to 3660 days, found {over_days}"),
        );
    }
}

fn check_budget((policy, cap_usd): (&str, f64), at: &FieldPath, known: &Known, d: &mut Diagnostics) {
    crate::model::limits::check_value(
        d,
        &at.field("cap_usd"),
        cap_usd,
        (0.0, crate::model::limits::MAX_USD),
        "USD",
    );
    match known.policies.iter().find(|p| p.name == policy) {
        None => d.push(
            &at.field("policy"),
            super::checks::unknown("policy", policy, known.policies.iter().map(|p| &p.name)),
        ),
        Some(p) if p.budget.is_none() => d.push(
            &at.field("policy"),
            format!("policy {policy:?} has no budget to change (give it one, or name a policy that has)"),
        ),
        Some(_) => {}
    }
}
