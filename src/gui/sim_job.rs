//! The simulation as a [`Job`]: its passes (a quick sampled preview, then the full run) on a
//! named thread, each result sent back as it finishes.

use super::job::{Job, Waker, Worker};
use crate::model::Scenario;
use crate::sim::engine::Control;
use crate::sim::results::{Results, SimError, SimOptions, add_event_effects, simulate};

pub use super::job::eta;
pub use crate::sim::results::{LIVE_SAMPLE_PER_DAY, PREVIEW_RUNS, PREVIEW_SAMPLE_PER_DAY, live_passes as passes};

/// What a simulation job sends back.
pub enum SimMessage {
    /// A quick first result (few runs), while the full run continues.
    Preview(Box<Results>),
    /// The full result.
    Done(Box<Results>),
    /// The job was cancelled.
    Cancelled,
    /// The scenario could not be simulated (a bug the validation should have caught).
    Failed(String),
}

/// Starts simulating `scn` in passes (see [`passes`]) on the thread `costplan-sim`.
pub fn start(scn: Scenario, opts: SimOptions, waker: Waker) -> std::io::Result<Job<SimMessage>> {
    Job::spawn("costplan-sim", waker, move |w| run_passes(&scn, &opts, w))
}

/// Runs every pass, sending each result; stops at a cancel or a failure.
fn run_passes(scn: &Scenario, opts: &SimOptions, w: &Worker<SimMessage>) {
    let progress = |d: usize, t: usize| w.progress(d, t);
    let ctl = Control {
        cancel: w.cancel_flag(),
        progress: &progress,
    };
    let passes = passes(scn, opts);
    let n = passes.len();
    for (i, pass) in passes.into_iter().enumerate() {
        w.new_pass();
        let last = i + 1 == n;
        let result = simulate(scn, &pass, &ctl).and_then(|mut r| {
            // What each event does takes a run without it per event: the figures come first.
            if last && pass.event_effects && !scn.file.events.is_empty() {
                w.send(SimMessage::Preview(Box::new(r.clone())));
                w.new_pass();
                add_event_effects(scn, &pass, &mut r, &ctl)?;
            }
            Ok(r)
        });
        let msg = match result {
            Ok(r) if !last => SimMessage::Preview(Box::new(r)),
            Ok(r) => SimMessage::Done(Box::new(r)),
            Err(SimError::Cancelled(_)) => SimMessage::Cancelled,
            Err(e) => SimMessage::Failed(e.to_string()),
        };
        let stop = matches!(msg, SimMessage::Cancelled | SimMessage::Failed(_));
        w.send(msg);
        if stop {
            return;
        }
    }
}
