//! Simulations off the UI thread: a named thread per job, progress and cancellation through
//! atomics, results through a channel, and a repaint request whenever something changes.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc::{Receiver, TryRecvError, channel};

use crate::model::Scenario;
use crate::sim::engine::Control;
use crate::sim::results::{EngineChoice, Results, SimOptions, simulate};

/// What a job sends back.
pub enum JobMessage {
    /// A quick first result (few runs), while the full run continues.
    Preview(Box<Results>),
    /// The full result.
    Done(Box<Results>),
    /// The job was cancelled.
    Cancelled,
}

/// A running simulation.
pub struct Job {
    cancel: Arc<AtomicBool>,
    done: Arc<AtomicUsize>,
    total: Arc<AtomicUsize>,
    rx: Receiver<JobMessage>,
    /// Whether the full result has arrived.
    pub finished: bool,
}

/// Runs used for the first, quick result.
pub const PREVIEW_RUNS: u32 = 8;
/// Tasks a day the first, quick result simulates (sampled engine).
pub const PREVIEW_SAMPLE_PER_DAY: u32 = 100;
/// Tasks a day the window's full-run pass simulates, so that 200 runs land in about 2 s at any
/// volume; a last pass then refines with the engine `opts` asks for, when that differs.
pub const LIVE_SAMPLE_PER_DAY: u32 = 400;

/// Task simulations (tasks × policies) below which the last pass is quick enough on its own.
const LIVE_PASS_MIN_WORK: f64 = 5e6;

/// The passes a job runs, each replacing the figures on screen: a quick preview (few runs,
/// small sample), the full run count on the live sample, then the engine `opts` names (the
/// exact engine where the scenario is small, else the default sample). Passes that would repeat
/// an earlier one, or be no quicker than the last, are left out.
pub fn passes(scn: &Scenario, opts: &SimOptions) -> Vec<SimOptions> {
    let full_runs = opts.runs.unwrap_or(scn.file.runs);
    let tasks_per_run = crate::sim::results::expected_tasks_per_run(scn);
    let last = opts.clone();
    let sampled_work = |runs: u32, k: u32| f64::from(runs) * f64::from(k) * f64::from(scn.file.horizon_days);
    let exact_work = f64::from(full_runs) * tasks_per_run;
    let mut out = Vec::new();
    if full_runs > PREVIEW_RUNS {
        out.push(SimOptions {
            runs: Some(PREVIEW_RUNS),
            engine: EngineChoice::Sampled(PREVIEW_SAMPLE_PER_DAY),
            ..opts.clone()
        });
    }
    let last_work = match last.engine {
        EngineChoice::Exact => exact_work,
        EngineChoice::Sampled(k) => sampled_work(full_runs, k),
        EngineChoice::Auto => exact_work.min(sampled_work(full_runs, crate::sim::results::DEFAULT_SAMPLE_PER_DAY)),
    };
    let policies = scn.policies.len() as f64;
    if last_work > 2.0 * sampled_work(full_runs, LIVE_SAMPLE_PER_DAY) && last_work * policies > LIVE_PASS_MIN_WORK {
        out.push(SimOptions {
            engine: EngineChoice::Sampled(LIVE_SAMPLE_PER_DAY),
            ..opts.clone()
        });
    }
    out.push(last);
    out
}

impl Job {
    /// Starts simulating `scn`; `repaint` is called from the worker whenever there is news.
    pub fn start(scn: Scenario, opts: SimOptions, repaint: impl Fn() + Send + Sync + 'static) -> Job {
        let cancel = Arc::new(AtomicBool::new(false));
        let done = Arc::new(AtomicUsize::new(0));
        let total = Arc::new(AtomicUsize::new(0));
        let (tx, rx) = channel();
        let (c2, d2, t2) = (cancel.clone(), done.clone(), total.clone());
        let spawned = std::thread::Builder::new().name("costplan-sim".into()).spawn(move || {
            let progress = |d: usize, t: usize| {
                d2.store(d, Ordering::Relaxed);
                t2.store(t, Ordering::Relaxed);
                repaint();
            };
            let ctl = Control {
                cancel: &c2,
                progress: &progress,
            };
            let passes = passes(&scn, &opts);
            let n = passes.len();
            for (i, pass) in passes.into_iter().enumerate() {
                let msg = match simulate(&scn, &pass, &ctl) {
                    Ok(r) if i + 1 < n => JobMessage::Preview(Box::new(r)),
                    Ok(r) => JobMessage::Done(Box::new(r)),
                    Err(_) => JobMessage::Cancelled,
                };
                let stop = matches!(msg, JobMessage::Cancelled);
                let _ = tx.send(msg);
                repaint();
                if stop {
                    return;
                }
            }
        });
        if spawned.is_err() {
            cancel.store(true, Ordering::Relaxed);
        }
        Job {
            cancel,
            done,
            total,
            rx,
            finished: false,
        }
    }

    /// Asks the job to stop at the next day boundary.
    pub fn cancel(&self) {
        self.cancel.store(true, Ordering::Relaxed);
    }

    /// Runs done and runs in the current pass.
    pub fn progress(&self) -> (usize, usize) {
        (self.done.load(Ordering::Relaxed), self.total.load(Ordering::Relaxed))
    }

    /// The next message, if one is waiting (never blocks).
    pub fn poll(&mut self) -> Option<JobMessage> {
        match self.rx.try_recv() {
            Ok(m) => {
                if matches!(m, JobMessage::Done(_) | JobMessage::Cancelled) {
                    self.finished = true;
                }
                Some(m)
            }
            Err(TryRecvError::Empty) => None,
            Err(TryRecvError::Disconnected) => {
                self.finished = true;
                None
            }
        }
    }
}

impl Drop for Job {
    fn drop(&mut self) {
        self.cancel();
    }
}
