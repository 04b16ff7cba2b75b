//! CostPlan's integration tests: one binary, one module per area.

// A test reads top to bottom as one case with its expected figures; the 80-line limit is for
// the program's functions.
#![allow(clippy::too_many_lines)]

#[path = "suite/bad_inputs.rs"]
mod bad_inputs;
#[path = "suite/billing.rs"]
mod billing;
#[path = "suite/cli.rs"]
mod cli;
#[path = "suite/common.rs"]
mod common;
#[path = "suite/dates.rs"]
mod dates;
#[path = "suite/decisions.rs"]
mod decisions;
#[path = "suite/determinism.rs"]
mod determinism;
#[path = "suite/distributions.rs"]
mod distributions;
#[path = "suite/edges.rs"]
mod edges;
#[path = "suite/edits.rs"]
mod edits;
#[path = "suite/engine.rs"]
mod engine;
#[path = "suite/events.rs"]
mod events;
#[path = "suite/exporters.rs"]
mod exporters;
#[path = "suite/faults.rs"]
mod faults;
#[path = "suite/files.rs"]
mod files;
#[path = "suite/fuzz.rs"]
mod fuzz;
#[cfg(feature = "gui")]
#[path = "suite/gui.rs"]
mod gui;
#[path = "suite/hostile.rs"]
mod hostile;
#[path = "suite/init.rs"]
mod init;
#[path = "suite/layers.rs"]
mod layers;
#[path = "suite/litellm.rs"]
mod litellm;
#[path = "suite/logs.rs"]
mod logs;
#[path = "suite/postgres.rs"]
mod postgres;
#[path = "suite/report.rs"]
mod report;
#[path = "suite/risks.rs"]
mod risks;
#[path = "suite/sampled.rs"]
mod sampled;
#[path = "suite/sessions.rs"]
mod sessions;
