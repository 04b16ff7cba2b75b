//! CostPlan: plan the cost of LLM-backed products before you spend. Monte Carlo over routing,
//! caching and budget policies, compared against a baseline.

pub mod cli;
#[cfg(feature = "gui")]
pub mod gui;
pub mod model;
pub mod report;
pub mod sim;
