//! Simulations off the UI thread: a named thread per job, progress and cancellation through
//! atomics, results through a channel, and a repaint request whenever something changes.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::mpsc::{Receiver, TryRecvError, channel};

use crate::model::Scenario;
use crate::sim::engine::Control;
use crate::sim::results::{Results, SimOptions, simulate};

/// What a job sends back.
pub enum JobMessage {
    /// A quick first result (few runs), while the full run continues.
    Preview(Box<Results>),
    /// The full result.
    Done(Box<Results>),
    /// The job was cancelled.
    Cancelled,
    /// The scenario could not be simulated (a bug the validation should have caught).
    Failed(String),
}

/// A running simulation.
pub struct Job {
    cancel: Arc<AtomicBool>,
    done: Arc<AtomicUsize>,
    total: Arc<AtomicUsize>,
    /// When the current pass started, in ms since `started`.
    pass_start_ms: Arc<AtomicU64>,
    started: std::time::Instant,
    rx: Receiver<JobMessage>,
    /// Whether the full result has arrived.
    pub finished: bool,
}

pub use crate::sim::results::{LIVE_SAMPLE_PER_DAY, PREVIEW_RUNS, PREVIEW_SAMPLE_PER_DAY, live_passes as passes};

/// The shortest time between two progress repaints (a finished pass repaints at once). Once a
/// second: on a machine without a GPU, software rendering of a frame of the results costs about
/// 0.2 s of CPU, which at 4 repaints a second took as much CPU as the simulation itself.
pub const PROGRESS_REPAINT_MS: u64 = 1000;

impl Job {
    /// Starts simulating `scn`; `repaint` is called from the worker whenever there is news.
    pub fn start(scn: Scenario, opts: SimOptions, repaint: impl Fn() + Send + Sync + 'static) -> Job {
        let cancel = Arc::new(AtomicBool::new(false));
        let done = Arc::new(AtomicUsize::new(0));
        let total = Arc::new(AtomicUsize::new(0));
        let (tx, rx) = channel();
        let (c2, d2, t2) = (cancel.clone(), done.clone(), total.clone());
        let pass_start_ms = Arc::new(AtomicU64::new(0));
        let ps2 = pass_start_ms.clone();
        let started = std::time::Instant::now();
        let spawned = std::thread::Builder::new().name("costplan-sim".into()).spawn(move || {
            // Progress repaints at most every PROGRESS_REPAINT_MS: on a machine without a GPU a
            // repaint per finished run costs more CPU than the simulation itself.
            let last_repaint_ms = AtomicU64::new(0);
            let progress = |d: usize, t: usize| {
                d2.store(d, Ordering::Relaxed);
                t2.store(t, Ordering::Relaxed);
                let now = started.elapsed().as_millis() as u64;
                let last = last_repaint_ms.load(Ordering::Relaxed);
                if now >= last + PROGRESS_REPAINT_MS
                    && last_repaint_ms
                        .compare_exchange(last, now, Ordering::Relaxed, Ordering::Relaxed)
                        .is_ok()
                {
                    repaint();
                }
            };
            let ctl = Control {
                cancel: &c2,
                progress: &progress,
            };
            let passes = passes(&scn, &opts);
            let n = passes.len();
            for (i, pass) in passes.into_iter().enumerate() {
                ps2.store(started.elapsed().as_millis() as u64, Ordering::Relaxed);
                d2.store(0, Ordering::Relaxed);
                let msg = match simulate(&scn, &pass, &ctl) {
                    Ok(r) if i + 1 < n => JobMessage::Preview(Box::new(r)),
                    Ok(r) => JobMessage::Done(Box::new(r)),
                    Err(crate::sim::results::SimError::Cancelled(_)) => JobMessage::Cancelled,
                    Err(e) => JobMessage::Failed(e.to_string()),
                };
                let stop = matches!(msg, JobMessage::Cancelled | JobMessage::Failed(_));
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
            pass_start_ms,
            started,
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

    /// The estimated time left in the current pass, from the pace of its finished runs (none
    /// until a run has finished).
    pub fn time_left(&self) -> Option<std::time::Duration> {
        let (d, t) = self.progress();
        let since_ms =
            (self.started.elapsed().as_millis() as u64).saturating_sub(self.pass_start_ms.load(Ordering::Relaxed));
        eta(d, t, since_ms)
    }

    /// The next message, if one is waiting (never blocks).
    pub fn poll(&mut self) -> Option<JobMessage> {
        match self.rx.try_recv() {
            Ok(m) => {
                if matches!(m, JobMessage::Done(_) | JobMessage::Cancelled | JobMessage::Failed(_)) {
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

/// The time left when `done` of `total` runs took `elapsed_ms` (none before the first run).
pub fn eta(done: usize, total: usize, elapsed_ms: u64) -> Option<std::time::Duration> {
    (done > 0 && total >= done).then(|| {
        std::time::Duration::from_millis((elapsed_ms as f64 * (total - done) as f64 / done as f64).round() as u64)
    })
}

impl Drop for Job {
    fn drop(&mut self) {
        self.cancel();
    }
}
