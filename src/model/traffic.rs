//! Traffic profiles: daily volume, growth, weekly pattern, day noise and the task classes.

use serde::{Deserialize, Serialize};

use super::dist::{Dist, NonNegDist, ProbDist};
use super::error::{Diagnostics, LoadError, SourceFile};
use super::limits;
use super::locate::FieldPath;
use super::ron_io::{NonNeg, Prob};

pub(crate) fn prob_zero() -> ProbDist {
    ProbDist::fixed(0.0)
}
pub(crate) fn nonneg_zero() -> NonNegDist {
    NonNegDist::fixed(0.0)
}
fn dist_zero() -> Dist {
    Dist::fixed(0.0)
}
fn flat_week() -> Vec<f64> {
    vec![1.0; 7]
}

/// One kind of task: its share of traffic, who owns its spend, and its token sizes.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TaskClass {
    pub name: String,
    /// Share of all tasks (the shares of a profile sum to 1).
    pub share: Prob,
    /// The team or feature whose budget pays for it; `None` is unattributed spend.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
    /// Input tokens beyond the shared prefix (user message, retrieved context), per request.
    pub input_tokens: NonNegDist,
    /// The shared prefix (system prompt, tools) sent with every request of the class; eligible
    /// for provider prompt caching.
    #[serde(default)]
    pub shared_prefix_tokens: u64,
    /// Output tokens per request.
    pub output_tokens: NonNegDist,
    /// Share of tasks that repeat an earlier task exactly.
    #[serde(default = "prob_zero")]
    pub exact_repeat_rate: ProbDist,
    /// Share of tasks that are semantic duplicates of an earlier one.
    #[serde(default = "prob_zero")]
    pub near_repeat_rate: ProbDist,
    /// Probability that a failed outcome is retried.
    #[serde(default = "prob_zero")]
    pub retry_on_failure: ProbDist,
    /// Offline work that may go through a batch API (not latency-sensitive).
    #[serde(default)]
    pub batchable: bool,
    /// A conversation or an agent loop: each task is a session of turns whose history grows
    /// (absent: each task is one request). With a session, `input_tokens` is the new user input
    /// of each turn and `output_tokens` each turn's answer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session: Option<Session>,
}

fn one_turn() -> NonNegDist {
    NonNegDist::fixed(1.0)
}

/// A session: turns that each re-send the whole conversation so far (the shared prefix, every
/// earlier user input, answer, tool call and tool result) plus the new input.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Session {
    /// Turns per session (rounded; at least 1).
    #[serde(default = "one_turn")]
    pub turns: NonNegDist,
    /// The user's think time between the end of one turn and the next, in seconds.
    #[serde(default = "nonneg_zero")]
    pub think_time_s: NonNegDist,
    /// Agent tool steps per turn (rounded): each is a model call whose output is a tool call,
    /// followed by the tool's result; the turn's answer comes after the last step.
    #[serde(default = "nonneg_zero")]
    pub tool_steps_per_turn: NonNegDist,
    /// Output tokens of each tool call.
    #[serde(default = "nonneg_zero")]
    pub tool_call_tokens: NonNegDist,
    /// Tokens of each tool result (appended to the history as input).
    #[serde(default = "nonneg_zero")]
    pub tool_result_tokens: NonNegDist,
    /// The model's context window: the oldest history is dropped to fit (counted as truncated).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub context_window_tokens: Option<u64>,
}

/// How many tasks arrive, and of which classes.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrafficProfile {
    pub format_version: u32,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub description: String,
    /// Mean tasks per day at the start of the horizon (drawn once per run).
    pub requests_per_day: NonNegDist,
    /// Growth per 30 days, compounding daily (0.05 = +5 % a month; drawn once per run).
    #[serde(default = "dist_zero")]
    pub growth_per_month: Dist,
    /// Volume factor per weekday, Monday first (normalised to a mean of 1).
    #[serde(default = "flat_week")]
    pub weekly_pattern: Vec<f64>,
    /// Day-to-day noise: standard deviation of the log of a day's volume factor.
    #[serde(default)]
    pub day_noise_sd: NonNeg,
    pub classes: Vec<TaskClass>,
}

impl TrafficProfile {
    /// Parses and validates a traffic profile file.
    pub fn from_ron(src: &SourceFile) -> Result<TrafficProfile, LoadError> {
        super::ron_io::check_version(src, "traffic profile")?;
        let t: TrafficProfile = super::ron_io::parse_ron(src)?;
        let mut d = Diagnostics::new(src);
        t.validate_into(&mut d, &FieldPath::root());
        d.finish(t)
    }

    /// Checks what the types alone cannot, recording problems under `at`.
    pub fn validate_into(&self, d: &mut Diagnostics, at: &FieldPath) {
        if self.classes.is_empty() {
            d.push(&at.field("classes"), "a traffic profile needs at least one task class");
        }
        let total: f64 = self.classes.iter().map(|c| c.share.get()).sum();
        if !self.classes.is_empty() && (total - 1.0).abs() > 1e-9 {
            d.push(
                &at.field("classes"),
                format!(
                    "the classes' shares add up to {}; they must add up to 100%",
                    share_total_words(total)
                ),
            );
        }
        for (i, c) in self.classes.iter().enumerate() {
            let here = at.field("classes").index(i);
            if c.name.trim().is_empty() {
                d.push(&here.field("name"), "a task class needs a name");
            }
            if self.classes[..i].iter().any(|o| o.name == c.name) {
                d.push(
                    &here.field("name"),
                    format!("the class name {:?} is used twice", c.name),
                );
            }
            if let Some(o) = &c.owner
                && o.trim().is_empty()
            {
                d.push(
                    &here.field("owner"),
                    "an owner must not be empty (leave the field out for unattributed spend)",
                );
            }
            let repeat = c.exact_repeat_rate.0.mean() + c.near_repeat_rate.0.mean();
            if repeat > 1.0 {
                d.push(
                    &here.field("near_repeat_rate"),
                    format!("exact and near repeat rates together exceed 1 on average ({repeat:.3})"),
                );
            }
        }
        self.check_bounds(d, at);
    }

    /// The weekly pattern, volume, growth, noise and token sizes within their bounds.
    fn check_bounds(&self, d: &mut Diagnostics, at: &FieldPath) {
        if self.weekly_pattern.len() != 7 {
            d.push(
                &at.field("weekly_pattern"),
                format!(
                    "expected 7 factors, Monday to Sunday, found {}",
                    self.weekly_pattern.len()
                ),
            );
        } else if self.weekly_pattern.iter().any(|f| !f.is_finite() || *f < 0.0)
            || self.weekly_pattern.iter().sum::<f64>() <= 0.0
        {
            d.push(
                &at.field("weekly_pattern"),
                "weekday factors must be finite, >= 0 and not all zero",
            );
        } else {
            for (i, f) in self.weekly_pattern.iter().enumerate() {
                limits::check_value(
                    d,
                    &at.field("weekly_pattern").index(i),
                    *f,
                    (0.0, limits::MAX_WEEKDAY_FACTOR),
                    "",
                );
            }
        }
        limits::check_dist(
            d,
            &at.field("requests_per_day"),
            &self.requests_per_day.0,
            (0.0, limits::MAX_REQUESTS_PER_DAY),
            "requests a day",
        );
        limits::check_dist(
            d,
            &at.field("growth_per_month"),
            &self.growth_per_month,
            limits::GROWTH_PER_MONTH,
            "(a fraction per month)",
        );
        limits::check_value(
            d,
            &at.field("day_noise_sd"),
            self.day_noise_sd.get(),
            (0.0, limits::MAX_DAY_NOISE_SD),
            "(sd of the log of a day's volume)",
        );
        let tokens = (0.0, limits::MAX_TOKENS_PER_REQUEST);
        for (i, c) in self.classes.iter().enumerate() {
            let here = at.field("classes").index(i);
            limits::check_dist(d, &here.field("input_tokens"), &c.input_tokens.0, tokens, "tokens");
            limits::check_dist(d, &here.field("output_tokens"), &c.output_tokens.0, tokens, "tokens");
            limits::check_value(
                d,
                &here.field("shared_prefix_tokens"),
                c.shared_prefix_tokens as f64,
                tokens,
                "tokens",
            );
            if let Some(s) = &c.session {
                s.check_bounds(d, &here.field("session"));
            }
        }
    }

    /// Weekday factors normalised to a mean of 1.
    pub fn weekday_factors(&self) -> [f64; 7] {
        let mut out = [1.0; 7];
        if self.weekly_pattern.len() == 7 {
            let mean = self.weekly_pattern.iter().sum::<f64>() / 7.0;
            if mean > 0.0 {
                for (o, f) in out.iter_mut().zip(&self.weekly_pattern) {
                    *o = f / mean;
                }
            }
        }
        out
    }

    /// Owners named by the classes, in first-seen order.
    pub fn owners(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for c in &self.classes {
            if let Some(o) = &c.owner
                && !out.contains(o)
            {
                out.push(o.clone());
            }
        }
        out
    }
}

impl Session {
    /// A chat of a few turns a minute or two apart, without tools: to be adjusted.
    pub fn suggested() -> Session {
        Session {
            turns: NonNegDist::try_from(super::dist::DistSpec::LogNormal(3.0, 12.0)).unwrap_or_else(|_| one_turn()),
            think_time_s: NonNegDist::try_from(super::dist::DistSpec::LogNormal(45.0, 300.0))
                .unwrap_or_else(|_| nonneg_zero()),
            tool_steps_per_turn: nonneg_zero(),
            tool_call_tokens: nonneg_zero(),
            tool_result_tokens: nonneg_zero(),
            context_window_tokens: None,
        }
    }

    /// Turns, think time, tool steps and token sizes within their bounds.
    fn check_bounds(&self, d: &mut Diagnostics, at: &FieldPath) {
        let tokens = (0.0, limits::MAX_TOKENS_PER_REQUEST);
        limits::check_dist(
            d,
            &at.field("turns"),
            &self.turns.0,
            (0.0, limits::MAX_TURNS_PER_SESSION),
            "turns",
        );
        if self.turns.0.support().1 < 0.5 {
            d.push(&at.field("turns"), "a session needs at least one turn");
        }
        limits::check_dist(
            d,
            &at.field("think_time_s"),
            &self.think_time_s.0,
            (0.0, limits::MAX_THINK_TIME_S),
            "seconds",
        );
        limits::check_dist(
            d,
            &at.field("tool_steps_per_turn"),
            &self.tool_steps_per_turn.0,
            (0.0, limits::MAX_TOOL_STEPS_PER_TURN),
            "tool steps",
        );
        limits::check_dist(
            d,
            &at.field("tool_call_tokens"),
            &self.tool_call_tokens.0,
            tokens,
            "tokens",
        );
        limits::check_dist(
            d,
            &at.field("tool_result_tokens"),
            &self.tool_result_tokens.0,
            tokens,
            "tokens",
        );
        if let Some(w) = self.context_window_tokens {
            limits::check_value(
                d,
                &at.field("context_window_tokens"),
                w as f64,
                (1.0, limits::MAX_TOKENS_PER_REQUEST),
                "tokens",
            );
        }
    }

    /// Expected turns per session (at least 1).
    pub fn expected_turns(&self) -> f64 {
        self.turns.0.mean().max(1.0)
    }

    /// Expected model calls per session (turns × (tool steps + the answer)), for work estimates.
    pub fn expected_calls(&self) -> f64 {
        self.turns.0.mean().max(1.0) * (1.0 + self.tool_steps_per_turn.0.mean().max(0.0))
    }
}

/// A sum of shares as a planner reads it: "105%", and with the digits needed to see why a sum
/// that looks like 100% is not ("100.0001%").
fn share_total_words(total: f64) -> String {
    let pct = total * 100.0;
    for digits in 0..=9 {
        let text = format!("{pct:.digits$}");
        if text
            .parse::<f64>()
            .is_ok_and(|x| (x - 100.0).abs() > 1e-12 || (pct - 100.0).abs() <= 1e-7)
        {
            return format!("{text}%");
        }
    }
    format!("{pct}%")
}
