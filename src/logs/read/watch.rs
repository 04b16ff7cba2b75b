//! Long reads watched: a stream wrapper that counts bytes and lines, tells a listener how the
//! read goes, and stops the read when asked (Ctrl-C in the CLI, Cancel in the window).

use std::cell::Cell;
use std::io::Read;
use std::sync::atomic::{AtomicBool, Ordering};

/// How a read goes: lines (≈ rows) and bytes so far over every source, and what the whole is
/// where it is known (the files' sizes; a database's estimate of its rows).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct ReadProgress {
    pub rows: u64,
    pub bytes: u64,
    pub total_bytes: Option<u64>,
    pub total_rows_estimate: Option<f64>,
}

impl ReadProgress {
    /// The share read, from the bytes where the size is known, else from the rows' estimate.
    pub fn done_share(&self) -> Option<f64> {
        match (self.total_bytes, self.total_rows_estimate) {
            (Some(t), _) if t > 0 => Some((self.bytes as f64 / t as f64).min(1.0)),
            (_, Some(t)) if t >= 1.0 => Some((self.rows as f64 / t).min(1.0)),
            _ => None,
        }
    }
}

/// What a read listens to: a flag that stops it, and where its progress goes.
pub struct ReadControl<'a> {
    pub stop: &'a AtomicBool,
    pub progress: &'a dyn Fn(ReadProgress),
}

impl ReadControl<'static> {
    /// Never stopped, nobody told.
    pub fn none() -> ReadControl<'static> {
        static NEVER: AtomicBool = AtomicBool::new(false);
        ReadControl {
            stop: &NEVER,
            progress: &|_| {},
        }
    }
}

impl ReadControl<'_> {
    pub fn stopped(&self) -> bool {
        self.stop.load(Ordering::Relaxed)
    }
}

/// The message of the I/O error a stopped read ends with (mapped to `LogError::Stopped`).
pub const STOPPED: &str = "the read was stopped";

/// Bytes between two reports (and two looks at the stop flag)…
const REPORT_BYTES: u64 = 4 << 20;
/// …or lines, whichever comes first.
pub const REPORT_ROWS: u64 = 10_000;

/// A stream whose lines and bytes are counted into `seen` (shared by every source of a read),
/// reported every few megabytes or [`REPORT_ROWS`] lines, and that fails once the read is
/// stopped.
pub struct Watched<'a, R> {
    inner: R,
    seen: &'a Cell<ReadProgress>,
    ctl: &'a ReadControl<'a>,
    next_bytes: u64,
    next_rows: u64,
}

impl<'a, R> Watched<'a, R> {
    pub fn new(inner: R, seen: &'a Cell<ReadProgress>, ctl: &'a ReadControl<'a>) -> Self {
        let p = seen.get();
        Watched {
            inner,
            seen,
            ctl,
            next_bytes: p.bytes + REPORT_BYTES,
            next_rows: p.rows + REPORT_ROWS,
        }
    }
}

impl<R: Read> Read for Watched<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.ctl.stopped() {
            return Err(std::io::Error::other(STOPPED));
        }
        let n = self.inner.read(buf)?;
        let mut p = self.seen.get();
        p.bytes += n as u64;
        p.rows += buf[..n].iter().filter(|b| **b == b'\n').count() as u64;
        self.seen.set(p);
        if p.bytes >= self.next_bytes || p.rows >= self.next_rows {
            self.next_bytes = p.bytes + REPORT_BYTES;
            self.next_rows = p.rows + REPORT_ROWS;
            (self.ctl.progress)(p);
        }
        Ok(n)
    }
}

/// `report` called with a read's progress and the seconds since the read began, at most once
/// every `interval_s` (the CLI's line on stderr, the window's line beside its job).
pub fn every(interval_s: f64, report: impl Fn(&ReadProgress, f64)) -> impl Fn(ReadProgress) {
    let start = std::time::Instant::now();
    let last = Cell::new(0.0f64);
    move |p| {
        let t = start.elapsed().as_secs_f64();
        if t - last.get() >= interval_s {
            last.set(t);
            report(&p, t);
        }
    }
}

/// Time left at the pace so far, when the share done is known and the read has gone a while.
pub fn time_left(p: &ReadProgress, elapsed_s: f64) -> Option<f64> {
    let done = p.done_share()?;
    (done > 0.01 && elapsed_s > 1.0).then(|| elapsed_s * (1.0 - done) / done)
}
