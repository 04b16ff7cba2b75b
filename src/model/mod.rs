//! The files a planner writes: price tables, traffic profiles, scenarios and policies, with
//! loading that reports positioned errors, and validation into types whose invariants hold.
//!
//! Layer: the bottom of `model` ← `sim` ← `logs` ← `report` ← `cli` | `gui` ← `main`; it names
//! no other layer (only the leaf `units`).

mod checks;
pub mod dist;
pub mod edit;
pub mod error;
pub mod events;
pub mod io;
pub mod limits;
pub mod locate;
pub mod policy;
pub mod preserve;
pub mod prices;
pub mod ron_io;
pub mod router;
pub mod scenario;
pub mod traffic;

pub use dist::{Dist, DistSpec, NonNegDist, ProbDist};
pub use error::{Diagnostic, LoadError, SourceFile};
pub use policy::{Policy, Router, Tactic};
pub use prices::{ModelPrice, PriceTable};
pub use scenario::{AssumedWritePrice, Scenario, ScenarioFile, Source, load_scenario_path};
pub use traffic::{TaskClass, TrafficProfile};

/// The bundled default scenario's text.
pub const DEFAULT_SCENARIO: &str = include_str!("../../scenarios/support-assistant.ron");
/// The bundled default scenario's traffic profile.
pub const DEFAULT_TRAFFIC: &str = include_str!("../../scenarios/traffic/support.ron");
/// The bundled price table.
pub const DEFAULT_PRICES: &str = include_str!("../../assets/prices/default.ron");
