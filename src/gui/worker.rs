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

pub use crate::sim::results::{LIVE_SAMPLE_PER_DAY, PREVIEW_RUNS, PREVIEW_SAMPLE_PER_DAY, live_passes as passes};

/// The shortest time between two progress repaints.
const PROGRESS_REPAINT_MS: u64 = 250;

impl Job {
    /// Starts simulating `scn`; `repaint` is called from the worker whenever there is news.
    pub fn start(scn: Scenario, opts: SimOptions, repaint: impl Fn() + Send + Sync + 'static) -> Job {
        let cancel = Arc::new(AtomicBool::new(false));
        let done = Arc::new(AtomicUsize::new(0));
        let total = Arc::new(AtomicUsize::new(0));
        let (tx, rx) = channel();
        let (c2, d2, t2) = (cancel.clone(), done.clone(), total.clone());
        let spawned = std::thread::Builder::new().name("costplan-sim".into()).spawn(move || {
            // Progress repaints at most every PROGRESS_REPAINT_MS: on a machine without a GPU a
            // repaint per finished run costs more CPU than the simulation itself.
            let started = std::time::Instant::now();
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
