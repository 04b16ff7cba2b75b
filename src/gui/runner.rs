//! The background simulation of the open scenario: starting (after a short debounce), progress,
//! cancelling, and the results on screen — the last preview or complete one, marked stale while
//! they no longer match the scenario.

use std::time::{Duration, Instant};

use super::job::{Job, Waker};
use super::sim_job::{self, SimMessage};
use crate::model::Scenario;
use crate::sim::results::{EngineChoice, Results, SimOptions, WorkEstimate, estimate_work};

/// How long the window waits after an edit before re-running (a newer edit restarts the wait
/// and cancels a running job), so that the first refreshed figures arrive within ~100 ms.
const DEBOUNCE: Duration = Duration::from_millis(40);

/// While a field is being typed in, the pause after a keystroke before its value is simulated:
/// "7000" is never simulated as 7, 70 and 700 on the way (committing with Enter or leaving the
/// field runs it at once).
pub const TYPING_PAUSE: Duration = Duration::from_millis(600);

#[derive(Default)]
pub struct Runner {
    /// The figures on screen.
    pub results: Option<Results>,
    /// The figures no longer match the scenario (an edit since, or a run under way).
    pub stale: bool,
    /// The figures are an early pass of a run still going.
    pub preview: bool,
    /// The work estimate of the running job's last pass, shown when it is long.
    pub estimate: Option<WorkEstimate>,
    /// The engine the last pass uses (the status bar's picker; auto by default).
    pub engine: EngineChoice,
    /// The last result of a finished run (restored when a run is cancelled mid-preview).
    last_complete: Option<Results>,
    job: Option<Job<SimMessage>>,
    due: Option<Instant>,
    /// The scheduled run waits for the typing to end (then it runs at once).
    after_typing: bool,
}

/// What happened to the run since the last frame, for the status line.
#[derive(Debug, PartialEq, Eq)]
pub enum RunNews {
    Nothing,
    /// Cancelled; `kept` when a complete result is still on screen (else there is none).
    Cancelled {
        kept: bool,
    },
    Failed(String),
}

impl Runner {
    /// Starts simulating `scenario` (cancelling any running job); an error says the thread
    /// could not start.
    pub fn start(&mut self, scenario: &Scenario, waker: Waker) -> Result<(), String> {
        // Dropping the running job cancels it.
        self.job = None;
        self.due = None;
        self.after_typing = false;
        self.stale = true;
        let opts = SimOptions {
            engine: self.engine,
            event_effects: true,
            ..SimOptions::default()
        };
        self.estimate = Some(estimate_work(scenario, &opts));
        let job = sim_job::start(scenario.clone(), opts, waker)
            .map_err(|e| format!("The simulation could not start: {e}"))?;
        self.job = Some(job);
        Ok(())
    }

    /// Marks the figures stale and runs again after the debounce (see [`Runner::due_in`]), or,
    /// while the user is `typing`, after a pause in the typing.
    pub fn schedule(&mut self, typing: bool) {
        self.stale = true;
        self.after_typing = typing;
        self.due = Some(Instant::now() + if typing { TYPING_PAUSE } else { DEBOUNCE });
    }

    /// The typing ended (the field was committed with Enter or left): a run waiting for a pause
    /// in the typing is due now — the value is final, so there is nothing to debounce.
    pub fn typing_ended(&mut self) {
        if std::mem::take(&mut self.after_typing) && self.due.is_some() {
            self.due = Some(Instant::now());
        }
    }

    /// Marks the figures stale without running (the draft is invalid).
    pub fn mark_stale(&mut self) {
        self.stale = true;
    }

    /// `Some(ZERO)` when a scheduled run is due now, `Some(wait)` before, `None` if none is.
    pub fn due_in(&self) -> Option<Duration> {
        self.due.map(|d| d.saturating_duration_since(Instant::now()))
    }

    pub fn running(&self) -> bool {
        self.job.as_ref().is_some_and(|j| !j.finished())
    }

    /// Runs done and total of the current pass.
    pub fn progress(&self) -> (usize, usize) {
        self.job.as_ref().map(|j| j.progress()).unwrap_or((0, 0))
    }

    pub fn time_left(&self) -> Option<Duration> {
        self.job.as_ref().and_then(|j| j.time_left())
    }

    /// Cancels the running simulation; the results on screen stay (marked stale).
    pub fn cancel(&self) {
        if let Some(j) = &self.job {
            j.cancel();
        }
    }

    /// Takes what the worker sent.
    pub fn poll(&mut self) -> RunNews {
        let mut news = RunNews::Nothing;
        let Some(job) = &mut self.job else { return news };
        for msg in job.poll() {
            match msg {
                SimMessage::Preview(r) => {
                    self.results = Some(*r);
                    self.preview = true;
                }
                SimMessage::Done(r) => {
                    self.last_complete = Some((*r).clone());
                    self.results = Some(*r);
                    self.preview = false;
                    self.stale = false;
                }
                SimMessage::Cancelled => {
                    // A preview is not a result to plan on: show the last complete one again.
                    if self.preview {
                        self.results = self.last_complete.clone();
                        self.preview = false;
                    }
                    news = RunNews::Cancelled {
                        kept: self.results.is_some(),
                    };
                }
                SimMessage::Failed(e) => news = RunNews::Failed(e),
            }
        }
        news
    }
}
