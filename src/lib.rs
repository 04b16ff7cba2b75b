//! CostPlan: plan the cost of LLM-backed products before you spend. Monte Carlo over routing,
//! caching and budget policies, compared against a baseline.

//!
//! Layers point down only: `model` (files, validated types) ← `sim` (engine, results) ←
//! `logs` (real traffic in: read, fit, backtest) ← `report` (words, tables, charts, reports) ← `cli` | `gui` ← `main`; `exit`, `hash` and
//! `date` are leaves any layer may use. `tests/suite/layers.rs` checks it.

pub mod cli;
pub mod date;
pub mod exit;
#[cfg(feature = "gui")]
pub mod gui;
pub mod hash;
pub mod logs;
pub mod model;
pub mod report;
pub mod sim;
