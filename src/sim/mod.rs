//! The Monte Carlo engine: keyed randomness, parameter draws, the task pipeline, metrics,
//! paired comparison, attribution by tactic and risk flags.
//!
//! Layer: above `model`, below `logs`, `report` and the front ends; it writes no words (risk
//! flags carry figures, `report` words them) and names no layer above it.

pub mod compile;
pub mod engine;
pub mod metrics;
pub mod params;
pub mod results;
mod risk;
pub mod rng;
pub mod sensitivity;
pub mod simulate;
pub mod sweep;
pub mod timing;
