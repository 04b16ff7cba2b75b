//! The desktop app (eframe/egui): the scenario editor on the left, results against the baseline
//! in the centre, work on background jobs. Made of small parts: the `Document` (draft, valid
//! scenario, file, undo), the `Runner` (the background simulation and the figures on screen),
//! one struct per view (`ResultsView` for Overview and Charts, `CompareView`, `SweepView`,
//! `CalibrationView`, all owned by `tabs::Views`) whose `ui` returns [`command::Command`]s that
//! the app applies after the frame, one [`job::Job`] type for everything off the UI thread, and
//! the `Editor` (one file per section).
//!
//! Layer: a front end over `model`, `sim`, `logs` and `report` (the only layer that names
//! egui, eframe and rfd); it never names `cli`. Built only with the default `gui` feature.

pub mod app;
pub mod calibration_view;
pub mod command;
pub mod compare_view;
pub mod document;
pub mod editor;
pub mod job;
pub mod key;
pub mod path_dialog;
pub mod results_view;
pub mod runner;
pub mod sim_job;
pub mod sweep_view;
pub mod tabs;
pub use crate::report::series;

use std::path::PathBuf;

pub use app::CostPlanApp;

/// A colour of the shared palette (`report::theme`) for egui.
pub fn rgb((r, g, b): crate::report::theme::Rgb) -> egui::Color32 {
    egui::Color32::from_rgb(r, g, b)
}

/// Opens the window, or says in one line why it cannot (the process's one failure type, which
/// `main` maps to the exit code as it does for every command).
pub fn run(file: Option<PathBuf>) -> Result<(), crate::exit::Failure> {
    use crate::exit::Failure;
    #[cfg(target_os = "linux")]
    if std::env::var_os("DISPLAY").is_none() && std::env::var_os("WAYLAND_DISPLAY").is_none() {
        return Err(Failure::Invalid(
            "costplan: no display found (DISPLAY and WAYLAND_DISPLAY are unset); for headless use try `costplan simulate <scenario>`".into(),
        ));
    }
    let options = eframe::NativeOptions {
        viewport: egui::ViewportBuilder::default()
            .with_inner_size([1400.0, 900.0])
            .with_title("CostPlan")
            .with_drag_and_drop(true),
        persist_window: true,
        ..Default::default()
    };
    eframe::run_native(
        "CostPlan",
        options,
        Box::new(move |cc| Ok(Box::new(CostPlanApp::new(cc, file)))),
    )
    .map_err(|e| {
        Failure::Failed(format!(
            "costplan: cannot open a window ({e}); for headless use try `costplan simulate <scenario>`"
        ))
    })
}
