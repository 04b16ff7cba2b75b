//! The one way the window works off the UI thread: a [`Job<T>`] is a named thread that sends
//! messages of type `T` back, with cancellation, progress and a repaint request whenever there is
//! news. Simulations, sweeps, goal seeks, log fits, backtests and the system file dialog are all
//! jobs; dropping a job cancels it.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::mpsc::{Receiver, Sender, TryRecvError, channel};
use std::time::{Duration, Instant};

/// Wakes the window (a clone of the egui context's `request_repaint`).
pub type Waker = Arc<dyn Fn() + Send + Sync>;

/// A waker from the window's context (or one that does nothing, without a window).
pub fn waker(ctx: Option<&egui::Context>) -> Waker {
    let ctx = ctx.cloned();
    Arc::new(move || {
        if let Some(c) = &ctx {
            c.request_repaint();
        }
    })
}

/// The shortest time between two progress repaints (a message repaints at once). Once a
/// second: on a machine without a GPU, software rendering of a frame of the results costs about
/// 0.2 s of CPU, which at 4 repaints a second took as much CPU as the simulation itself.
pub const PROGRESS_REPAINT_MS: u64 = 1000;

/// What the worker thread and the window share.
struct Shared {
    cancel: AtomicBool,
    done: AtomicUsize,
    total: AtomicUsize,
    /// When the current pass started, in ms since `started`.
    pass_start_ms: AtomicU64,
    last_repaint_ms: AtomicU64,
    started: Instant,
}

impl Shared {
    fn elapsed_ms(&self) -> u64 {
        u64::try_from(self.started.elapsed().as_millis()).unwrap_or(u64::MAX)
    }
}

/// The worker's side of a job: send messages, report progress, see whether it was cancelled.
pub struct Worker<T> {
    tx: Sender<T>,
    shared: Arc<Shared>,
    waker: Waker,
}

impl<T> Worker<T> {
    /// Sends a message to the window and wakes it.
    pub fn send(&self, msg: T) {
        let _ = self.tx.send(msg);
        (self.waker)();
    }

    /// The cancel flag, for the engine's `Control` (set when the window cancels or drops the job).
    pub fn cancel_flag(&self) -> &AtomicBool {
        &self.shared.cancel
    }

    /// Records progress (`done` of `total`) and wakes the window at most every
    /// [`PROGRESS_REPAINT_MS`].
    pub fn progress(&self, done: usize, total: usize) {
        let s = &self.shared;
        s.done.store(done, Ordering::Relaxed);
        s.total.store(total, Ordering::Relaxed);
        let now = s.elapsed_ms();
        let last = s.last_repaint_ms.load(Ordering::Relaxed);
        if now >= last + PROGRESS_REPAINT_MS
            && s.last_repaint_ms
                .compare_exchange(last, now, Ordering::Relaxed, Ordering::Relaxed)
                .is_ok()
        {
            (self.waker)();
        }
    }

    /// Starts a new pass: progress counts from zero and the time left from now.
    pub fn new_pass(&self) {
        self.shared
            .pass_start_ms
            .store(self.shared.elapsed_ms(), Ordering::Relaxed);
        self.shared.done.store(0, Ordering::Relaxed);
    }
}

/// The window's side of a job.
pub struct Job<T> {
    shared: Arc<Shared>,
    rx: Receiver<T>,
    finished: bool,
}

impl<T: Send + 'static> Job<T> {
    /// Starts `work` on a thread named `name`; it sends its messages through the [`Worker`].
    /// The window is woken for every message and once more when the work returns.
    pub fn spawn(name: &str, waker: Waker, work: impl FnOnce(&Worker<T>) + Send + 'static) -> std::io::Result<Job<T>> {
        let shared = Arc::new(Shared {
            cancel: AtomicBool::new(false),
            done: AtomicUsize::new(0),
            total: AtomicUsize::new(0),
            pass_start_ms: AtomicU64::new(0),
            last_repaint_ms: AtomicU64::new(0),
            started: Instant::now(),
        });
        let (tx, rx) = channel();
        let worker = Worker {
            tx,
            shared: shared.clone(),
            waker,
        };
        std::thread::Builder::new().name(name.into()).spawn(move || {
            work(&worker);
            let waker = worker.waker.clone();
            // The channel closes before the last wake, so that frame sees the job finished.
            drop(worker);
            waker();
        })?;
        Ok(Job {
            shared,
            rx,
            finished: false,
        })
    }
}

impl<T> Job<T> {
    /// Asks the work to stop (it checks the flag at its next step).
    pub fn cancel(&self) {
        self.shared.cancel.store(true, Ordering::Relaxed);
    }

    /// Done and total of the current pass.
    pub fn progress(&self) -> (usize, usize) {
        (
            self.shared.done.load(Ordering::Relaxed),
            self.shared.total.load(Ordering::Relaxed),
        )
    }

    /// The estimated time left in the current pass, from the pace of its finished steps (none
    /// until a step has finished).
    pub fn time_left(&self) -> Option<Duration> {
        let (d, t) = self.progress();
        let since_ms = self
            .shared
            .elapsed_ms()
            .saturating_sub(self.shared.pass_start_ms.load(Ordering::Relaxed));
        eta(d, t, since_ms)
    }

    /// Every message waiting (never blocks); marks the job finished once its work has returned.
    pub fn poll(&mut self) -> Vec<T> {
        let mut out = Vec::new();
        loop {
            match self.rx.try_recv() {
                Ok(m) => out.push(m),
                Err(TryRecvError::Empty) => break,
                Err(TryRecvError::Disconnected) => {
                    self.finished = true;
                    break;
                }
            }
        }
        out
    }

    /// Whether the work has returned and every message was taken.
    pub fn finished(&self) -> bool {
        self.finished
    }
}

impl<T> Drop for Job<T> {
    fn drop(&mut self) {
        self.cancel();
    }
}

/// The time left when `done` of `total` steps took `elapsed_ms` (none before the first step).
pub fn eta(done: usize, total: usize, elapsed_ms: u64) -> Option<Duration> {
    (done > 0 && total >= done)
        .then(|| Duration::from_millis((elapsed_ms as f64 * (total - done) as f64 / done as f64).round() as u64))
}
