//! The window's furniture: the menu and tab bar, the status bar (run progress, engine, which
//! figures are shown, the message), About, and the unsaved-changes prompt. Each draws from the
//! app's state and returns what the user asked for as commands.

use egui::RichText;

use super::{CostPlanApp, Pending, duration_words};
use crate::gui::command::{Command, DialogPurpose, PromptChoice};
use crate::gui::tabs::Tab;
use crate::report::format as fmt;
use crate::sim::results::EngineChoice;

/// A full run estimated to take at least this many seconds shows its estimate while it runs.
const LONG_RUN_NOTICE_S: f64 = 10.0;

/// A menu entry with a shortcut shown beside it; whether it was clicked.
fn entry(ui: &mut egui::Ui, label: &str, shortcut: &str) -> bool {
    ui.add(egui::Button::new(label).shortcut_text(shortcut)).clicked()
}

impl CostPlanApp {
    /// The menu bar and the tab bar.
    pub(super) fn menu(&self, ui: &mut egui::Ui) -> Vec<Command> {
        let mut cmds = Vec::new();
        egui::MenuBar::new().ui(ui, |ui| {
            ui.menu_button("File", |ui| cmds.extend(self.file_menu(ui)));
            ui.menu_button("Edit", |ui| {
                let undo = egui::Button::new("Undo").shortcut_text("Ctrl+Z");
                if ui.add_enabled(self.doc.can_undo(), undo).clicked() {
                    cmds.push(Command::Undo);
                }
                let redo = egui::Button::new("Redo").shortcut_text("Ctrl+Shift+Z");
                if ui.add_enabled(self.doc.can_redo(), redo).clicked() {
                    cmds.push(Command::Redo);
                }
            });
            ui.menu_button("View", |ui| {
                let other = if self.chrome.dark { "Light theme" } else { "Dark theme" };
                if ui.button(other).clicked() {
                    cmds.push(Command::ToggleTheme);
                }
            });
            ui.menu_button("Help", |ui| {
                if ui.button("About CostPlan").clicked() {
                    cmds.push(Command::SetAbout(true));
                }
                if ui.button("Show the first-run hint").clicked() {
                    cmds.push(Command::SetHint(true));
                }
            });
            ui.separator();
            for &tab in Tab::ALL {
                if ui.selectable_label(self.views.tab == tab, tab.label()).clicked() {
                    cmds.push(Command::ShowTab(tab));
                }
            }
        });
        cmds
    }

    fn file_menu(&self, ui: &mut egui::Ui) -> Vec<Command> {
        let mut cmds = Vec::new();
        let mut dialog = |d| cmds.push(Command::OpenDialog(d));
        if entry(ui, "Open scenario…", "Ctrl+O") {
            dialog(DialogPurpose::OpenScenario);
        }
        if ui.button("Open traffic profile…").clicked() {
            dialog(DialogPurpose::OpenTraffic);
        }
        if ui.button("Open price table… (RON or LiteLLM JSON)").clicked() {
            dialog(DialogPurpose::OpenPrices);
        }
        if ui.button("Import traffic from logs…").clicked() {
            dialog(DialogPurpose::ImportLogs);
        }
        if ui.button("New scenario from logs…").clicked() {
            dialog(DialogPurpose::DraftFromLogs);
        }
        ui.menu_button("Recent files", |ui| {
            if self.files.recent.is_empty() {
                ui.label("none yet");
            }
            for p in &self.files.recent {
                if ui.button(p.display().to_string()).clicked() {
                    cmds.push(Command::Open(p.clone()));
                }
            }
        });
        ui.separator();
        if entry(ui, "Save", "Ctrl+S") {
            cmds.push(Command::Save);
        }
        if entry(ui, "Save as…", "Ctrl+Shift+S") {
            cmds.push(Command::OpenDialog(DialogPurpose::SaveAs));
        }
        if entry(ui, "Export report…", "Ctrl+E") {
            cmds.push(Command::OpenDialog(DialogPurpose::ExportReport));
        }
        ui.separator();
        if entry(ui, "Quit", "Ctrl+Q") {
            cmds.push(Command::Quit);
        }
        cmds
    }

    /// The window title: the file (or the bundled default) and a mark for unsaved changes.
    pub fn window_title(&self) -> String {
        format!("{} — CostPlan", self.doc.title(false))
    }

    /// Help ▸ About, while open; closing it is a command.
    pub(super) fn about_window(&self, ctx: &egui::Context) -> Option<Command> {
        let mut open = self.chrome.show_about;
        egui::Window::new("About CostPlan")
            .open(&mut open)
            .collapsible(false)
            .resizable(false)
            .show(ctx, |ui| {
                ui.heading(format!("CostPlan {}", env!("CARGO_PKG_VERSION")));
                ui.label("Plan the cost of LLM-backed products before you spend: Monte Carlo simulation of routing, caching and budget policies against a baseline, with honest uncertainty bands.");
                ui.label("Command line: costplan --help. Scenario format and metrics: README.md.");
            });
        (open != self.chrome.show_about).then_some(Command::SetAbout(open))
    }

    /// The file, the run's progress or "Run again", the engine, the figures shown, the message.
    pub(super) fn status_bar(&self, ui: &mut egui::Ui) -> Vec<Command> {
        let mut cmds = Vec::new();
        ui.horizontal(|ui| {
            ui.label(self.doc.title(true));
            ui.separator();
            cmds.extend(self.run_controls(ui));
            cmds.extend(self.engine_picker(ui));
            self.figures_note(ui);
        });
        if let Some((msg, is_err)) = &self.chrome.status {
            ui.horizontal_wrapped(|ui| {
                let c = if *is_err {
                    crate::gui::rgb(crate::report::theme::WORSE)
                } else {
                    ui.visuals().weak_text_color()
                };
                ui.label(RichText::new(msg).color(c));
                if ui.small_button("Dismiss").clicked() {
                    cmds.push(Command::DismissStatus);
                }
            });
        }
        cmds
    }

    /// The running simulation's progress, time left and Cancel (with the estimate of a long
    /// run), or "Run again".
    fn run_controls(&self, ui: &mut egui::Ui) -> Option<Command> {
        if !self.running() {
            return ui
                .button("Run again")
                .on_hover_text("Ctrl+R")
                .clicked()
                .then_some(Command::Run);
        }
        let (d, t) = self.runner.progress();
        let frac = if t > 0 { d as f32 / t as f32 } else { 0.0 };
        let text = match (t, self.runner.time_left()) {
            (0, _) => "starting…".to_string(),
            (_, Some(left)) if left.as_secs_f64() >= 2.0 => {
                format!("simulating {d}/{t} runs · about {} left", duration_words(left))
            }
            _ => format!("simulating {d}/{t} runs"),
        };
        ui.add(egui::ProgressBar::new(frac).desired_width(260.0).text(text));
        let cancel = ui.button("Cancel").clicked();
        if let Some(w) = self.runner.estimate.filter(|w| w.seconds >= LONG_RUN_NOTICE_S) {
            ui.label(
                RichText::new(format!(
                    "full run: ≈ {} · {}",
                    fmt::seconds_words(w.seconds),
                    fmt::bytes_words(w.memory_bytes)
                ))
                .color(crate::gui::rgb(crate::report::theme::WARNING)),
            )
            .on_hover_text(format!(
                "Estimated before starting: {}. Earlier passes show figures meanwhile; a sampled engine is much faster.",
                fmt::work_summary(&w)
            ));
        }
        cancel.then_some(Command::CancelRun)
    }

    /// The engine the last pass uses; choosing another is a command (it runs again).
    fn engine_picker(&self, ui: &mut egui::Ui) -> Option<Command> {
        let sampled = EngineChoice::Sampled(crate::sim::results::DEFAULT_SAMPLE_PER_DAY);
        let label = |e: EngineChoice| match e {
            EngineChoice::Auto => "auto".to_string(),
            EngineChoice::Exact => "exact".to_string(),
            EngineChoice::Sampled(k) => format!("sampled, {} tasks a day", fmt::thousands(u64::from(k))),
        };
        let mut chosen = self.runner.engine;
        egui::ComboBox::from_label("Engine")
            .selected_text(label(chosen))
            .show_ui(ui, |ui| {
                for e in [EngineChoice::Auto, EngineChoice::Exact, sampled] {
                    ui.selectable_value(&mut chosen, e, label(e));
                }
            })
            .response
            .on_hover_text(
                "auto: exact while the work is small, else the sampled engine (cost flat in volume); \
                 the window always shows a quick sampled preview first",
            );
        (chosen != self.runner.engine).then_some(Command::SetEngine(chosen))
    }

    /// Which engine, how many runs and how long the figures shown took; whether they are stale.
    fn figures_note(&self, ui: &mut egui::Ui) {
        if let Some(r) = &self.runner.results {
            ui.separator();
            ui.label(format!(
                "{} · {} runs · {:.2} s",
                fmt::engine_short(&r.engine),
                r.runs,
                r.engine.wall_seconds
            ))
            .on_hover_text(format!(
                "The figures shown: {}, {} runs, simulated in {:.2} s",
                fmt::engine_summary(&r.engine),
                r.runs,
                r.engine.wall_seconds
            ));
        }
        if self.runner.stale && self.runner.results.is_some() {
            let words = if self.runner.preview {
                "preview results"
            } else {
                "results are stale"
            };
            ui.label(RichText::new(words).color(crate::gui::rgb(crate::report::theme::WARNING)));
        }
    }

    /// The unsaved-changes prompt, while something waits on it; the answer is a command.
    pub(super) fn confirm_dialog(&self, ctx: &egui::Context) -> Option<Command> {
        let what = match self.closing.pending.as_ref()? {
            Pending::Open(p) => format!("open {}", p.display()),
            Pending::Quit => "quit".to_string(),
        };
        let mut choice = None;
        egui::Modal::new(egui::Id::unique("unsaved")).show(ctx, |ui| {
            ui.heading("Unsaved changes");
            ui.label(format!("The scenario has unsaved edits. Save them before you {what}?"));
            ui.horizontal(|ui| {
                for (label, c) in [
                    ("Save", PromptChoice::Save),
                    ("Discard", PromptChoice::Discard),
                    ("Cancel", PromptChoice::Cancel),
                ] {
                    if ui.button(label).clicked() {
                        choice = Some(c);
                    }
                }
            });
        });
        choice.map(Command::Prompt)
    }

    /// Acts on the prompt's answer: save (then finish, or stay open if the save failed),
    /// discard and finish, or cancel.
    pub(super) fn prompt_answered(&mut self, ctx: &egui::Context, choice: PromptChoice) {
        let Some(pending) = self.closing.pending.take() else {
            return;
        };
        match choice {
            PromptChoice::Save if self.doc.path.is_some() => {
                self.save();
                if !self.doc.dirty {
                    self.finish_pending(ctx, pending);
                } else if let Some((e, _)) = self.chrome.status.clone() {
                    // The save failed: the window stays open with the reason.
                    self.say(format!("{e}; not saved, the window stays open"), true);
                }
            }
            PromptChoice::Save => {
                // Never saved: choose where, then finish (or stay open if that fails).
                self.closing.after_save = Some(pending);
                self.open_dialog(DialogPurpose::SaveAs);
            }
            PromptChoice::Discard => {
                self.doc.dirty = false;
                self.finish_pending(ctx, pending);
            }
            PromptChoice::Cancel => {}
        }
    }

    /// Asks to quit: at once without unsaved edits, else through the unsaved-changes prompt.
    pub fn request_quit(&mut self) {
        if self.doc.dirty {
            self.closing.pending = Some(Pending::Quit);
        } else {
            self.closing.allow_close = true;
        }
    }

    /// Whether the window is allowed to close (the user quit, or saved or discarded first).
    pub fn closing(&self) -> bool {
        self.closing.allow_close
    }

    pub(super) fn finish_pending(&mut self, ctx: &egui::Context, p: Pending) {
        match p {
            Pending::Open(path) => self.open_path(&path),
            Pending::Quit => {
                self.closing.allow_close = true;
                ctx.send_viewport_cmd(egui::ViewportCommand::Close);
            }
        }
    }
}
