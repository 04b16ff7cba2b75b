//! The app: the open scenario and its edits (undo/redo), the background simulation, files
//! (open, save, recent, drag and drop), and the layout of panels.

use std::path::{Path, PathBuf};
use std::sync::mpsc::{Receiver, channel};
use std::time::Instant;

use egui::{Key, KeyboardShortcut, Modifiers, RichText};

use super::compare_view::{CompareCommand, CompareView};
use super::document::{Document, Validity};
use super::editor::Editor;
use super::runner::{RunNews, Runner};
use super::views::{Tab, Views};
use crate::model::policy::Policy;
use crate::model::scenario::{AnyFile, FileKind, file_kind, load_any};
use crate::model::{LoadError, Scenario};
use crate::sim::results::EngineChoice;

const MAX_RECENT: usize = 8;

/// What a file dialog was opened for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DialogPurpose {
    OpenScenario,
    OpenTraffic,
    OpenPrices,
    SaveAs,
    ComparePolicy,
    ExportReport,
    /// Log files to fit a traffic profile to.
    ImportLogs,
    /// Log files to backtest the baseline against.
    BacktestLogs,
}

/// Something to do once the user has confirmed discarding unsaved edits.
#[derive(Clone, Debug, PartialEq)]
enum Pending {
    Open(PathBuf),
    Quit,
}

/// A path as an absolute string, for references to files outside the scenario's folder.
fn absolute(path: &Path) -> String {
    path.canonicalize()
        .unwrap_or_else(|_| path.to_path_buf())
        .display()
        .to_string()
}

/// Persisted between launches.
#[derive(serde::Serialize, serde::Deserialize, Default)]
struct Persisted {
    recent: Vec<PathBuf>,
    dark: Option<bool>,
    /// Whether the first-run hint was dismissed.
    #[serde(default)]
    hint_dismissed: bool,
}

/// The CostPlan window.
pub struct CostPlanApp {
    /// The scenario being edited, its file and its undo history.
    pub doc: Document,
    /// The background simulation and the figures on screen.
    pub runner: Runner,
    /// The latest message about files (errors stay until dismissed).
    pub status: Option<(String, bool)>,
    /// Whether the one-line first-run hint is shown (until dismissed; remembered).
    pub show_hint: bool,
    /// Whether Help ▸ About is open.
    pub show_about: bool,
    /// The window title last sent to the window.
    shown_title: String,
    /// The Sweep view.
    pub sweep: crate::gui::sweep_view::SweepView,
    /// Traffic imported from logs, and the Calibration view.
    pub logs: crate::gui::logs_view::LogsView,
    editor: Editor,
    pub views: Views,
    pub compare: CompareView,
    recent: Vec<PathBuf>,
    pending: Option<Pending>,
    dialog_rx: Option<(DialogPurpose, Receiver<Option<PathBuf>>, Instant)>,
    /// The in-window file dialog, when the system's cannot open.
    pub path_dialog: Option<(DialogPurpose, crate::gui::path_dialog::PathDialog)>,
    /// What to finish once a save chosen from the unsaved-changes prompt succeeds.
    after_save: Option<Pending>,
    /// A pending action whose save succeeded, finished on the next frame.
    finish_after_save: Option<Pending>,
    allow_close: bool,
    dark: bool,
    repaint: Option<egui::Context>,
}

impl CostPlanApp {
    /// Creates the app on the bundled default scenario (or `file`), restoring persisted state.
    pub fn new(cc: &eframe::CreationContext<'_>, file: Option<PathBuf>) -> Self {
        let persisted: Persisted = cc
            .storage
            .and_then(|s| eframe::get_value(s, eframe::APP_KEY))
            .unwrap_or_default();
        let dark = persisted.dark.unwrap_or(true);
        cc.egui_ctx
            .set_theme(if dark { egui::Theme::Dark } else { egui::Theme::Light });
        let default = Scenario::bundled_default().expect("the bundled default scenario is valid (tested)");
        let mut app = CostPlanApp {
            doc: Document::new(default, None),
            runner: Runner::default(),
            status: None,
            editor: Editor::default(),
            views: Views::default(),
            compare: CompareView::default(),
            recent: persisted.recent,
            pending: None,
            dialog_rx: None,
            path_dialog: None,
            after_save: None,
            finish_after_save: None,
            allow_close: false,
            dark,
            repaint: Some(cc.egui_ctx.clone()),
            show_hint: !persisted.hint_dismissed,
            show_about: false,
            sweep: Default::default(),
            logs: Default::default(),
            shown_title: String::new(),
        };
        if let Some(f) = file {
            app.open_path(&f);
        }
        app.start_run();
        app
    }

    fn repaint_fn(&self) -> impl Fn() + Send + Sync + Clone + 'static {
        let ctx = self.repaint.clone();
        move || {
            if let Some(c) = &ctx {
                c.request_repaint();
            }
        }
    }

    /// Starts simulating the current valid scenario (cancelling any running job).
    pub fn start_run(&mut self) {
        let repaint = self.repaint_fn();
        self.runner.start(&self.doc.scenario, repaint);
    }

    /// Whether a simulation is running.
    pub fn running(&self) -> bool {
        self.runner.running()
    }

    fn poll_jobs(&mut self) {
        match self.runner.poll() {
            RunNews::Nothing => {}
            RunNews::Cancelled => {
                self.status = Some((
                    "Simulation cancelled: the figures are the last complete result, marked stale. \
                     Run again (Ctrl+R) to finish."
                        .into(),
                    false,
                ))
            }
            RunNews::Failed(e) => self.status = Some((e, true)),
        }
        self.compare.poll();
    }

    /// Cancels the running simulation; the results on screen stay (marked stale).
    pub fn cancel_run(&mut self) {
        self.runner.cancel();
    }

    /// Runs again after an edit that left the draft valid; else the figures only go stale.
    fn after_edit(&mut self, v: Validity) {
        match v {
            Validity::Valid => self.runner.schedule(),
            Validity::Invalid => self.runner.mark_stale(),
        }
    }

    /// Whether a drag or typing is going on (its changes make one undo step).
    fn continuous(&self) -> bool {
        self.repaint
            .as_ref()
            .is_some_and(|c| c.input(|i| i.pointer.any_down()) || c.memory(|m| m.focused().is_some()))
    }

    /// Undoes the last edit.
    pub fn undo(&mut self) {
        if let Some(v) = self.doc.undo() {
            self.after_edit(v);
        }
    }

    /// Redoes the last undone edit.
    pub fn redo(&mut self) {
        if let Some(v) = self.doc.redo() {
            self.after_edit(v);
        }
    }

    fn remember(&mut self, path: &Path) {
        let p = path.canonicalize().unwrap_or_else(|_| path.to_path_buf());
        self.recent.retain(|r| r != &p);
        self.recent.insert(0, p);
        self.recent.truncate(MAX_RECENT);
    }

    fn show_error(&mut self, e: &LoadError) {
        self.status = Some((e.to_string(), true));
    }

    /// Opens a file of any kind: a scenario replaces the current one; a traffic profile or a
    /// price table replaces that part of it. On error nothing changes and the error is shown.
    pub fn open_path(&mut self, path: &Path) {
        let loaded = match load_any(path) {
            Ok(f) => f,
            Err(e) => {
                self.show_error(&e);
                return;
            }
        };
        match loaded {
            AnyFile::Scenario(s) => {
                self.doc = Document::new(*s, Some(path.to_path_buf()));
                self.compare = CompareView::default();
                self.remember(path);
                self.status = Some((format!("Opened {}", path.display()), false));
                self.start_run();
            }
            AnyFile::Traffic(t) => {
                // The scenario now refers to the file it came from; saving leaves it as is.
                let v = self.doc.edit(|d| {
                    d.traffic = t;
                    d.file.traffic = crate::model::Source::File(absolute(path));
                });
                self.after_edit(v);
                self.status = Some((format!("Traffic profile from {}", path.display()), false));
            }
            AnyFile::Prices(t, _) => {
                let v = self.doc.edit(|d| {
                    d.prices = t;
                    d.file.prices = crate::model::Source::File(absolute(path));
                });
                self.after_edit(v);
                self.status = Some((format!("Price table from {}", path.display()), false));
            }
            AnyFile::Policy(p) => self.add_compare_policies(path, vec![*p]),
        }
    }

    /// Adds a policy from another file (a policy file, or every policy of a scenario) to the
    /// compare view.
    pub fn add_compare_policy(&mut self, path: &Path) {
        match load_any(path) {
            Ok(AnyFile::Scenario(s)) => self.add_compare_policies(path, s.policies),
            Ok(AnyFile::Policy(p)) => self.add_compare_policies(path, vec![*p]),
            Ok(other) => {
                self.status = Some((
                    format!(
                        "{}: a {}, not a policy; pick a policy file or a scenario",
                        path.display(),
                        other.kind_name()
                    ),
                    true,
                ))
            }
            Err(e) => self.show_error(&e),
        }
    }

    /// Puts the policies loaded from `path` into the compare view; the first becomes version B,
    /// so the comparison shows it at once.
    fn add_compare_policies(&mut self, path: &Path, ps: Vec<Policy>) {
        let name = path
            .file_name()
            .map(|f| f.to_string_lossy().to_string())
            .unwrap_or_default();
        let said = self.compare.add_external(&self.doc.scenario, &name, ps);
        self.views.tab = Tab::Compare;
        self.status = Some((said, false));
    }

    /// Opens a file unless there are unsaved edits, in which case the user is asked first.
    pub fn request_open(&mut self, path: PathBuf) {
        // A file that cannot be read or told apart opens (and says why) without asking.
        let is_scenario = file_kind(&path).is_ok_and(|k| k == FileKind::Scenario);
        if self.doc.dirty && is_scenario {
            self.pending = Some(Pending::Open(path));
        } else {
            self.open_path(&path);
        }
    }

    /// Saves to `path` atomically (and the referenced files that were edited).
    pub fn save_to(&mut self, path: &Path) -> Result<(), String> {
        self.doc.save_to(path)?;
        self.remember(path);
        self.status = Some((format!("Saved {}", path.display()), false));
        Ok(())
    }

    fn save(&mut self) {
        match self.doc.path.clone() {
            Some(p) => {
                if let Err(e) = self.save_to(&p) {
                    self.status = Some((e, true));
                }
            }
            None => self.open_dialog(DialogPurpose::SaveAs),
        }
    }

    /// Whether the system file dialog can open: on Linux it needs a desktop portal on the
    /// session bus (`COSTPLAN_NO_NATIVE_DIALOG` forces the in-window dialog anywhere).
    fn native_dialogs() -> bool {
        if std::env::var_os("COSTPLAN_NO_NATIVE_DIALOG").is_some() {
            return false;
        }
        !cfg!(target_os = "linux") || std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_some()
    }

    /// Opens a file dialog: the system's when it can open, else the in-window one.
    pub fn open_dialog(&mut self, purpose: DialogPurpose) {
        if !Self::native_dialogs() {
            self.open_path_dialog(
                purpose,
                "The system file dialog is not available here (no desktop portal); choose the file in this window.",
            );
            return;
        }
        let (tx, rx) = channel();
        let dir = self.doc.path.as_ref().and_then(|p| p.parent().map(|p| p.to_path_buf()));
        let repaint = self.repaint_fn();
        let spawned = std::thread::Builder::new()
            .name("costplan-dialog".into())
            .spawn(move || {
                let mut d = rfd::FileDialog::new().add_filter("CostPlan files", &["ron", "json"]);
                if let Some(dir) = dir {
                    d = d.set_directory(dir);
                }
                let picked = match purpose {
                    DialogPurpose::SaveAs => d.set_file_name("scenario.ron").save_file(),
                    DialogPurpose::ImportLogs | DialogPurpose::BacktestLogs => rfd::FileDialog::new()
                        .add_filter("Request logs and usage exports", &["csv", "json", "jsonl", "ndjson"])
                        .pick_file(),
                    DialogPurpose::ExportReport => rfd::FileDialog::new()
                        .add_filter("HTML report", &["html"])
                        .add_filter("Markdown", &["md"])
                        .add_filter("CSV (per-run metrics)", &["csv"])
                        .add_filter("JSON", &["json"])
                        .set_file_name("report.html")
                        .save_file(),
                    _ => d.pick_file(),
                };
                let _ = tx.send(picked);
                repaint();
            });
        match spawned {
            Ok(_) => self.dialog_rx = Some((purpose, rx, Instant::now())),
            Err(_) => self.open_path_dialog(
                purpose,
                "The system file dialog could not start; choose the file in this window.",
            ),
        }
    }

    /// Opens the in-window file dialog for `purpose`, saying why.
    pub fn open_path_dialog(&mut self, purpose: DialogPurpose, reason: &str) {
        let (title, save) = match purpose {
            DialogPurpose::OpenScenario => ("Open a scenario", false),
            DialogPurpose::OpenTraffic => ("Open a traffic profile", false),
            DialogPurpose::OpenPrices => ("Open a price table", false),
            DialogPurpose::SaveAs => ("Save the scenario as", true),
            DialogPurpose::ComparePolicy => ("A policy from another file", false),
            DialogPurpose::ExportReport => ("Export a report (.html, .md, .csv or .json)", true),
            DialogPurpose::ImportLogs => ("Import traffic from logs (CSV, JSON or JSON Lines)", false),
            DialogPurpose::BacktestLogs => ("Backtest against logs (CSV, JSON or JSON Lines)", false),
        };
        let start = match (&self.doc.path, purpose) {
            (Some(p), DialogPurpose::SaveAs) => p.clone(),
            (_, DialogPurpose::SaveAs) => PathBuf::from("scenario.ron"),
            (_, DialogPurpose::ExportReport) => self
                .doc
                .path
                .as_ref()
                .and_then(|p| p.parent())
                .unwrap_or(Path::new("."))
                .join("report.html"),
            (Some(p), _) => p.parent().map(|d| d.to_path_buf()).unwrap_or_default(),
            (None, _) => PathBuf::from("."),
        };
        let d = crate::gui::path_dialog::PathDialog::new(title, save, &start, Some(reason.to_string()));
        self.path_dialog = Some((purpose, d));
    }

    fn poll_dialog(&mut self) {
        let Some((purpose, rx, opened)) = &self.dialog_rx else {
            return;
        };
        let (purpose, opened) = (*purpose, *opened);
        let Ok(picked) = rx.try_recv() else { return };
        self.dialog_rx = None;
        match picked {
            Some(path) => self.picked(purpose, path),
            // Nobody cancels a dialog within a blink: it could not open (no portal).
            None if opened.elapsed() < NATIVE_DIALOG_FAILED_WITHIN => self.open_path_dialog(
                purpose,
                "The system file dialog could not open (no desktop portal?); choose the file in this window.",
            ),
            None => self.dialog_closed(),
        }
    }

    /// A dialog closed without a path: a save asked for by the unsaved-changes prompt did not
    /// happen, so the window stays open and says so.
    fn dialog_closed(&mut self) {
        if self.after_save.take().is_some() {
            self.status = Some(("Not saved; the window stays open.".into(), true));
        }
    }

    /// Acts on a path chosen in a dialog (the system's or the window's).
    pub fn picked(&mut self, purpose: DialogPurpose, path: PathBuf) {
        match purpose {
            DialogPurpose::OpenScenario => self.request_open(path),
            DialogPurpose::OpenTraffic | DialogPurpose::OpenPrices => self.open_path(&path),
            DialogPurpose::SaveAs => match self.save_to(&path) {
                Ok(()) => {
                    if let Some(p) = self.after_save.take() {
                        self.finish_after_save = Some(p);
                    }
                }
                Err(e) => {
                    self.after_save = None;
                    self.status = Some((format!("{e}; not saved, the window stays open"), true));
                }
            },
            DialogPurpose::ComparePolicy => self.add_compare_policy(&path),
            DialogPurpose::ExportReport => self.export_report(&path),
            DialogPurpose::ImportLogs => {
                let repaint = self.repaint_fn();
                self.logs.start_import(vec![path], repaint);
                self.status = Some(("Fitting a traffic profile to the logs…".into(), false));
            }
            DialogPurpose::BacktestLogs => {
                let repaint = self.repaint_fn();
                self.logs.start_backtest(&self.doc.scenario, vec![path], repaint);
            }
        }
    }

    fn path_dialog_ui(&mut self, ctx: &egui::Context) {
        use crate::gui::path_dialog::PathChoice;
        let Some((purpose, d)) = &mut self.path_dialog else {
            return;
        };
        let purpose = *purpose;
        let extensions: &[&str] = match purpose {
            DialogPurpose::ExportReport => &["html", "md", "csv", "json"],
            DialogPurpose::ImportLogs | DialogPurpose::BacktestLogs => &["csv", "json", "jsonl", "ndjson"],
            _ => &["ron", "json"],
        };
        match d.ui(ctx, extensions, &self.recent) {
            PathChoice::Open => {}
            PathChoice::Chosen(p) => {
                self.path_dialog = None;
                self.picked(purpose, p);
            }
            PathChoice::Cancelled => {
                self.path_dialog = None;
                self.dialog_closed();
            }
        }
    }

    /// Writes the results on screen as a report; the format follows the file's extension
    /// (HTML when it has none of .html, .md, .csv, .json).
    pub fn export_report(&mut self, path: &Path) {
        let Some(r) = &self.runner.results else {
            self.status = Some(("No results to export yet.".into(), true));
            return;
        };
        let format = crate::report::Format::from_path(path).unwrap_or(crate::report::Format::Html);
        let path = if crate::report::Format::from_path(path).is_none() {
            path.with_extension("html")
        } else {
            path.to_path_buf()
        };
        match crate::report::write(&self.doc.scenario, r, format, &path) {
            Ok(files) => {
                let note = if self.runner.stale {
                    " (from results marked stale)"
                } else {
                    ""
                };
                self.status = Some((
                    format!("Exported {} file(s) to {}{note}", files.len(), path.display()),
                    false,
                ));
            }
            Err(e) => self.status = Some((format!("{e:#}"), true)),
        }
    }

    /// Runs the paired comparison of the two chosen policies on this scenario's traffic.
    pub fn run_compare(&mut self) {
        let repaint = self.repaint_fn();
        if let Err(e) = self.compare.run(&self.doc.scenario, repaint) {
            self.status = Some((e, true));
        }
    }

    fn compare_tab(&mut self, ui: &mut egui::Ui) {
        match self.compare.ui(ui, &self.doc.scenario) {
            Some(CompareCommand::Run) => self.run_compare(),
            Some(CompareCommand::PickFile) => self.open_dialog(DialogPurpose::ComparePolicy),
            Some(CompareCommand::Cancelled) => self.status = Some(("Comparison cancelled".into(), false)),
            None => {}
        }
    }

    fn shortcuts(&mut self, ctx: &egui::Context) {
        let sc = |m: Modifiers, k: Key| KeyboardShortcut::new(m, k);
        if ctx.input_mut(|i| i.consume_shortcut(&sc(Modifiers::COMMAND, Key::O))) {
            self.open_dialog(DialogPurpose::OpenScenario);
        }
        if ctx.input_mut(|i| i.consume_shortcut(&sc(Modifiers::COMMAND | Modifiers::SHIFT, Key::S))) {
            self.open_dialog(DialogPurpose::SaveAs);
        }
        if ctx.input_mut(|i| i.consume_shortcut(&sc(Modifiers::COMMAND, Key::S))) {
            self.save();
        }
        if ctx.input_mut(|i| i.consume_shortcut(&sc(Modifiers::COMMAND | Modifiers::SHIFT, Key::Z)))
            || ctx.input_mut(|i| i.consume_shortcut(&sc(Modifiers::COMMAND, Key::Y)))
        {
            self.redo();
        }
        if ctx.input_mut(|i| i.consume_shortcut(&sc(Modifiers::COMMAND, Key::Z))) {
            self.undo();
        }
        if ctx.input_mut(|i| i.consume_shortcut(&sc(Modifiers::COMMAND, Key::E))) {
            self.open_dialog(DialogPurpose::ExportReport);
        }
        if ctx.input_mut(|i| i.consume_shortcut(&sc(Modifiers::COMMAND, Key::R))) {
            self.start_run();
        }
        if ctx.input_mut(|i| i.consume_shortcut(&sc(Modifiers::COMMAND, Key::Q))) {
            ctx.send_viewport_cmd(egui::ViewportCommand::Close);
        }
    }

    fn menu(&mut self, ui: &mut egui::Ui) {
        egui::MenuBar::new().ui(ui, |ui| {
            ui.menu_button("File", |ui| self.file_menu(ui));
            ui.menu_button("Edit", |ui| {
                if ui
                    .add_enabled(self.doc.can_undo(), egui::Button::new("Undo").shortcut_text("Ctrl+Z"))
                    .clicked()
                {
                    self.undo();
                }
                if ui
                    .add_enabled(
                        self.doc.can_redo(),
                        egui::Button::new("Redo").shortcut_text("Ctrl+Shift+Z"),
                    )
                    .clicked()
                {
                    self.redo();
                }
            });
            ui.menu_button("View", |ui| {
                if ui
                    .button(if self.dark { "Light theme" } else { "Dark theme" })
                    .clicked()
                {
                    self.dark = !self.dark;
                    ui.ctx().set_theme(if self.dark {
                        egui::Theme::Dark
                    } else {
                        egui::Theme::Light
                    });
                }
            });
            ui.menu_button("Help", |ui| {
                if ui.button("About CostPlan").clicked() {
                    self.show_about = true;
                }
                if ui.button("Show the first-run hint").clicked() {
                    self.show_hint = true;
                }
            });
            ui.separator();
            for &tab in Tab::ALL {
                ui.selectable_value(&mut self.views.tab, tab, tab.label());
            }
        });
    }

    fn file_menu(&mut self, ui: &mut egui::Ui) {
        if ui
            .add(egui::Button::new("Open scenario…").shortcut_text("Ctrl+O"))
            .clicked()
        {
            self.open_dialog(DialogPurpose::OpenScenario);
        }
        if ui.button("Open traffic profile…").clicked() {
            self.open_dialog(DialogPurpose::OpenTraffic);
        }
        if ui.button("Open price table… (RON or LiteLLM JSON)").clicked() {
            self.open_dialog(DialogPurpose::OpenPrices);
        }
        if ui.button("Import traffic from logs…").clicked() {
            self.open_dialog(DialogPurpose::ImportLogs);
        }
        ui.menu_button("Recent files", |ui| {
            if self.recent.is_empty() {
                ui.label("none yet");
            }
            for p in self.recent.clone() {
                if ui.button(p.display().to_string()).clicked() {
                    self.request_open(p);
                }
            }
        });
        ui.separator();
        if ui.add(egui::Button::new("Save").shortcut_text("Ctrl+S")).clicked() {
            self.save();
        }
        if ui
            .add(egui::Button::new("Save as…").shortcut_text("Ctrl+Shift+S"))
            .clicked()
        {
            self.open_dialog(DialogPurpose::SaveAs);
        }
        if ui
            .add(egui::Button::new("Export report…").shortcut_text("Ctrl+E"))
            .clicked()
        {
            self.open_dialog(DialogPurpose::ExportReport);
        }
        ui.separator();
        if ui.add(egui::Button::new("Quit").shortcut_text("Ctrl+Q")).clicked() {
            ui.ctx().send_viewport_cmd(egui::ViewportCommand::Close);
        }
    }

    /// The window title: the file (or the bundled default) and a mark for unsaved changes.
    pub fn window_title(&self) -> String {
        format!("{} — CostPlan", self.doc.title(false))
    }

    fn about_window(&mut self, ctx: &egui::Context) {
        let mut open = self.show_about;
        egui::Window::new("About CostPlan")
            .open(&mut open)
            .collapsible(false)
            .resizable(false)
            .show(ctx, |ui| {
                ui.heading(format!("CostPlan {}", env!("CARGO_PKG_VERSION")));
                ui.label("Plan the cost of LLM-backed products before you spend: Monte Carlo simulation of routing, caching and budget policies against a baseline, with honest uncertainty bands.");
                ui.label("Command line: costplan --help. Scenario format and metrics: README.md.");
            });
        self.show_about = open;
    }

    fn status_bar(&mut self, ui: &mut egui::Ui) {
        ui.horizontal(|ui| {
            ui.label(self.doc.title(true));
            ui.separator();
            self.run_controls(ui);
            self.engine_picker(ui);
            self.figures_note(ui);
        });
        if let Some((msg, is_err)) = self.status.clone() {
            ui.horizontal_wrapped(|ui| {
                let c = if is_err {
                    super::rgb(crate::report::theme::WORSE)
                } else {
                    ui.visuals().weak_text_color()
                };
                ui.label(RichText::new(msg).color(c));
                if ui.small_button("Dismiss").clicked() {
                    self.status = None;
                }
            });
        }
    }

    /// The running simulation's progress, time left and Cancel (with the estimate of a long
    /// run), or "Run again".
    fn run_controls(&mut self, ui: &mut egui::Ui) {
        if self.running() {
            let (d, t) = self.runner.progress();
            let frac = if t > 0 { d as f32 / t as f32 } else { 0.0 };
            let left = self.runner.time_left();
            let text = match (t, left) {
                (0, _) => "starting…".to_string(),
                (_, Some(left)) if left.as_secs_f64() >= 2.0 => {
                    format!("simulating {d}/{t} runs · about {} left", duration_words(left))
                }
                _ => format!("simulating {d}/{t} runs"),
            };
            ui.add(egui::ProgressBar::new(frac).desired_width(260.0).text(text));
            if ui.button("Cancel").clicked() {
                self.cancel_run();
            }
            if let Some(w) = self.runner.estimate.filter(|w| w.seconds >= LONG_RUN_NOTICE_S) {
                ui.label(
                    RichText::new(format!(
                        "full run: ≈ {} · {}",
                        crate::report::format::seconds_words(w.seconds),
                        crate::report::format::bytes_words(w.memory_bytes)
                    ))
                    .color(super::rgb(crate::report::theme::WARNING)),
                )
                .on_hover_text(format!(
                    "Estimated before starting: {}. Earlier passes show figures meanwhile; a sampled engine is much faster.",
                    crate::report::format::work_summary(&w)
                ));
            }
        } else if ui.button("Run again").on_hover_text("Ctrl+R").clicked() {
            self.start_run();
        }
    }

    /// The engine the last pass uses; a change runs again.
    fn engine_picker(&mut self, ui: &mut egui::Ui) {
        let sampled = EngineChoice::Sampled(crate::sim::results::DEFAULT_SAMPLE_PER_DAY);
        let label = |e: EngineChoice| match e {
            EngineChoice::Auto => "auto".to_string(),
            EngineChoice::Exact => "exact".to_string(),
            EngineChoice::Sampled(k) => {
                format!(
                    "sampled, {} tasks a day",
                    crate::report::format::thousands(u64::from(k))
                )
            }
        };
        let before = self.runner.engine;
        egui::ComboBox::from_label("Engine")
            .selected_text(label(self.runner.engine))
            .show_ui(ui, |ui| {
                for e in [EngineChoice::Auto, EngineChoice::Exact, sampled] {
                    ui.selectable_value(&mut self.runner.engine, e, label(e));
                }
            })
            .response
            .on_hover_text(
                "auto: exact while the work is small, else the sampled engine (cost flat in volume); \
                 the window always shows a quick sampled preview first",
            );
        if self.runner.engine != before {
            self.start_run();
        }
    }

    /// Which engine, how many runs and how long the figures shown took; whether they are stale.
    fn figures_note(&mut self, ui: &mut egui::Ui) {
        if let Some(r) = &self.runner.results {
            ui.separator();
            ui.label(format!(
                "{} · {} runs · {:.2} s",
                crate::report::format::engine_short(&r.engine),
                r.runs,
                r.engine.wall_seconds
            ))
            .on_hover_text(format!(
                "The figures shown: {}, {} runs, simulated in {:.2} s",
                crate::report::format::engine_summary(&r.engine),
                r.runs,
                r.engine.wall_seconds
            ));
        }
        if self.runner.stale && self.runner.results.is_some() {
            ui.label(
                RichText::new(if self.runner.preview {
                    "preview results"
                } else {
                    "results are stale"
                })
                .color(super::rgb(crate::report::theme::WARNING)),
            );
        }
    }

    fn confirm_dialog(&mut self, ctx: &egui::Context) {
        let Some(pending) = self.pending.clone() else { return };
        let what = match &pending {
            Pending::Open(p) => format!("open {}", p.display()),
            Pending::Quit => "quit".to_string(),
        };
        egui::Modal::new(egui::Id::unique("unsaved")).show(ctx, |ui| {
            ui.heading("Unsaved changes");
            ui.label(format!("The scenario has unsaved edits. Save them before you {what}?"));
            ui.horizontal(|ui| {
                if ui.button("Save").clicked() {
                    if self.doc.path.is_some() {
                        self.save();
                        if !self.doc.dirty {
                            self.finish_pending(ctx, pending.clone());
                        } else if let Some((e, _)) = &self.status {
                            // The save failed: the window stays open with the reason.
                            self.status = Some((format!("{e}; not saved, the window stays open"), true));
                        }
                    } else {
                        // Never saved: choose where, then finish (or stay open if that fails).
                        self.after_save = Some(pending.clone());
                        self.open_dialog(DialogPurpose::SaveAs);
                    }
                    self.pending = None;
                }
                if ui.button("Discard").clicked() {
                    self.doc.dirty = false;
                    self.finish_pending(ctx, pending.clone());
                    self.pending = None;
                }
                if ui.button("Cancel").clicked() {
                    self.pending = None;
                }
            });
        });
    }

    /// Uses a profile fitted from logs as the scenario's traffic (one undoable edit). A model
    /// without a success rate for a new class gets its average over the classes it has, so the
    /// scenario stays valid; the status line says to check them.
    pub fn use_fitted_traffic(&mut self, f: crate::gui::logs_view::Fitted) {
        let mut filled = 0;
        let v = self.doc.edit(|d| {
            for m in d.file.models.values_mut() {
                let p = m.mean_success();
                for c in &f.profile.classes {
                    if !m.success.contains_key(&c.name) {
                        m.success.insert(c.name.clone(), crate::model::ProbDist::fixed(p));
                        filled += 1;
                    }
                }
            }
            d.traffic = f.profile.clone();
            d.file.traffic = crate::model::Source::Inline(f.profile);
        });
        self.after_edit(v);
        let note = if filled > 0 {
            format!(
                " {filled} success rates for the new classes were set to each model's average: check them in Models."
            )
        } else {
            String::new()
        };
        self.status = Some((format!("{}{note}", f.summary), false));
    }

    /// Adds a policy version to the scenario being edited (from the Sweep view), as an edit.
    pub fn add_policy_version(&mut self, p: Policy) {
        let name = p.name.clone();
        if self.doc.draft.policies.iter().any(|q| q.name == name) {
            self.status = Some((format!("The scenario already has a policy named {name:?}"), true));
            return;
        }
        let v = self.doc.edit(|d| {
            // The name was checked above, so this cannot be refused.
            let _ = d.push_policy(p);
        });
        self.after_edit(v);
        self.status = Some((
            format!("Added the policy version {name:?}; it is compared on the next run"),
            false,
        ));
    }

    /// Asks to quit: at once without unsaved edits, else through the unsaved-changes prompt.
    pub fn request_quit(&mut self) {
        if self.doc.dirty {
            self.pending = Some(Pending::Quit);
        } else {
            self.allow_close = true;
        }
    }

    /// Whether the window is allowed to close (the user quit, or saved or discarded first).
    pub fn closing(&self) -> bool {
        self.allow_close
    }

    /// What a frame does before drawing: news from the workers and dialogs, fitted traffic,
    /// shortcuts, a run that is due, dropped files, a close request with unsaved edits.
    fn before_frame(&mut self, ctx: &egui::Context) {
        self.poll_jobs();
        self.poll_dialog();
        self.logs.poll();
        if let Some(f) = self.logs.fitted.take() {
            self.use_fitted_traffic(*f);
        }
        if let Some(e) = self.logs.problem.take().filter(|_| self.views.tab != Tab::Calibration) {
            self.status = Some((e, true));
        }
        self.shortcuts(ctx);
        match self.runner.due_in() {
            Some(wait) if wait.is_zero() => self.start_run(),
            Some(wait) => ctx.request_repaint_after(wait),
            None => {}
        }
        let dropped: Vec<PathBuf> = ctx.input(|i| {
            i.raw
                .dropped_files
                .iter()
                .map(|f| f.path().to_path_buf())
                .filter(|p| !p.as_os_str().is_empty())
                .collect()
        });
        for p in dropped {
            self.request_open(p);
        }
        if ctx.input(|i| i.viewport().close_requested()) && self.doc.dirty && !self.allow_close {
            ctx.send_viewport_cmd(egui::ViewportCommand::CancelClose);
            self.pending = Some(Pending::Quit);
        }
    }

    /// The centre: the first-run hint, then the chosen tab (figures dimmed while stale).
    fn central(&mut self, ui: &mut egui::Ui) {
        if self.show_hint {
            ui.horizontal(|ui| {
                ui.label(RichText::new("Edit anything on the left; the figures update as you type.").strong());
                if ui.small_button("Got it").clicked() {
                    self.show_hint = false;
                }
            });
            ui.separator();
        }
        // Figures that no longer match the scenario are dimmed until new ones arrive.
        if self.runner.stale && self.runner.results.is_some() && matches!(self.views.tab, Tab::Overview | Tab::Charts) {
            ui.multiply_opacity(0.55);
        }
        egui::ScrollArea::vertical().show(ui, |ui| match self.views.tab {
            Tab::Overview => self
                .views
                .overview(ui, self.runner.results.as_ref(), self.runner.preview),
            Tab::Charts => self.views.charts(ui, self.runner.results.as_ref()),
            Tab::Compare => self.compare_tab(ui),
            Tab::Sweep => {
                let repaint = self.repaint_fn();
                if let Some(crate::gui::sweep_view::SweepCommand::AddPolicy(p)) =
                    self.sweep.ui(ui, &self.doc.scenario, repaint)
                {
                    self.add_policy_version(*p);
                }
            }
            Tab::Calibration => {
                if let Some(crate::gui::logs_view::LogsCommand::PickBacktestFile) = self.logs.ui(ui) {
                    self.open_dialog(DialogPurpose::BacktestLogs);
                }
            }
        });
    }

    fn finish_pending(&mut self, ctx: &egui::Context, p: Pending) {
        match p {
            Pending::Open(path) => self.open_path(&path),
            Pending::Quit => {
                self.allow_close = true;
                ctx.send_viewport_cmd(egui::ViewportCommand::Close);
            }
        }
    }
}

impl eframe::App for CostPlanApp {
    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        let ctx = ui.ctx().clone();
        self.before_frame(&ctx);
        egui::Panel::top("menu").show(ui, |ui| self.menu(ui));
        egui::Panel::bottom("status").show(ui, |ui| self.status_bar(ui));
        // The editor takes at most a third of a narrow window.
        let editor_width = (ctx.content_rect().width() / 3.0).clamp(240.0, 380.0);
        egui::Panel::left("scenario")
            .resizable(true)
            .default_size(editor_width)
            .show(ui, |ui| {
                egui::ScrollArea::vertical().show(ui, |ui| {
                    if self.editor.ui(ui, &mut self.doc.draft, &self.doc.errors) {
                        let continuous = self.continuous();
                        let v = self.doc.changed_in_place(continuous);
                        self.after_edit(v);
                    }
                });
            });
        egui::CentralPanel::default().show(ui, |ui| self.central(ui));
        self.confirm_dialog(&ctx);
        self.path_dialog_ui(&ctx);
        if let Some(p) = self.finish_after_save.take() {
            self.finish_pending(&ctx, p);
        }
        self.about_window(&ctx);
        let title = self.window_title();
        if title != self.shown_title {
            ctx.send_viewport_cmd(egui::ViewportCommand::Title(title.clone()));
            self.shown_title = title;
        }
    }

    fn save(&mut self, storage: &mut dyn eframe::Storage) {
        eframe::set_value(
            storage,
            eframe::APP_KEY,
            &Persisted {
                recent: self.recent.clone(),
                dark: Some(self.dark),
                hint_dismissed: !self.show_hint,
            },
        );
    }
}

/// A system dialog that returns nothing within this time did not open (nobody cancels a dialog
/// that fast).
const NATIVE_DIALOG_FAILED_WITHIN: std::time::Duration = std::time::Duration::from_millis(400);

/// `text` cut to `max` characters with an ellipsis (the whole text when it fits).
pub fn summarise(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        text.to_string()
    } else {
        format!("{}…", text.chars().take(max.saturating_sub(1)).collect::<String>())
    }
}

/// A full run estimated to take at least this many seconds shows its estimate while it runs.
const LONG_RUN_NOTICE_S: f64 = 10.0;

/// A duration in words a progress bar can show: "12 s", "3 min 5 s", "1 h 20 min".
pub fn duration_words(d: std::time::Duration) -> String {
    let s = d.as_secs_f64().round() as u64;
    match s {
        0..60 => format!("{s} s"),
        60..3600 => format!("{} min {} s", s / 60, s % 60),
        _ => format!("{} h {} min", s / 3600, (s % 3600) / 60),
    }
}
