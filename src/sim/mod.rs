//! The Monte Carlo engine: keyed randomness, parameter draws, the task pipeline, metrics,
//! paired comparison, attribution by tactic and risk flags.

pub mod compile;
pub mod engine;
pub mod metrics;
pub mod results;
pub mod rng;
pub mod sensitivity;
pub mod sweep;
