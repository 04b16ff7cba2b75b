//! The app: the open scenario and its edits, the background simulation, the views, and the
//! frame — news from jobs and input first, then the panels (each returning commands), then every
//! command applied in one place, [`CostPlanApp::run_cmd`]. Files and dialogs live in `files`,
//! the menu, status bar and prompts in `bars`.

mod bars;
mod files;

use std::path::PathBuf;

use egui::{Key, KeyboardShortcut, Modifiers, RichText};

pub use self::files::Files;
use super::command::{Command, DialogPurpose};
use super::document::{Document, Validity};
use super::editor::Editor;
use super::job::{Waker, waker};
use super::runner::{RunNews, Runner};
use super::tabs::{Tab, Views};
use crate::model::Scenario;
use crate::model::policy::Policy;

/// Something to do once the user has confirmed discarding unsaved edits.
#[derive(Clone, Debug, PartialEq)]
enum Pending {
    Open(PathBuf),
    Quit,
}

/// The unsaved-changes prompt and what waits on it.
#[derive(Default)]
struct Closing {
    /// What the prompt asks about (shown while `Some`).
    pending: Option<Pending>,
    /// What to finish once a save chosen from the prompt succeeds.
    after_save: Option<Pending>,
    /// A pending action whose save succeeded, finished after the frame.
    finish_after_save: Option<Pending>,
    /// The user quit (or saved or discarded first): the window may close.
    allow_close: bool,
}

/// The window's own furniture: the status message, the hint, About, the theme, the title.
pub struct Chrome {
    /// The latest message (errors stay until dismissed): the text and whether it is an error.
    pub status: Option<(String, bool)>,
    /// Whether the one-line first-run hint is shown (until dismissed; remembered).
    pub show_hint: bool,
    /// Whether Help ▸ About is open.
    pub show_about: bool,
    dark: bool,
    /// The window title last sent to the window.
    shown_title: String,
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
    /// Every view of the centre and the tab showing.
    pub views: Views,
    /// Recent files and the open file dialog.
    pub files: Files,
    /// The status message, hint, About and theme.
    pub chrome: Chrome,
    editor: Editor,
    closing: Closing,
    /// Commands collected during the frame, applied after it.
    commands: Vec<Command>,
    /// Wakes the window when a job has news.
    waker: Waker,
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
            views: Views::default(),
            files: Files::new(persisted.recent),
            chrome: Chrome {
                status: None,
                show_hint: !persisted.hint_dismissed,
                show_about: false,
                dark,
                shown_title: String::new(),
            },
            editor: Editor::default(),
            closing: Closing::default(),
            commands: Vec::new(),
            waker: waker(Some(&cc.egui_ctx)),
        };
        if let Some(f) = file {
            app.open_path(&f);
        }
        app.start_run();
        app
    }

    /// Shows a message in the status bar (an error in the warning colour).
    fn say(&mut self, text: impl Into<String>, error: bool) {
        self.chrome.status = Some((text.into(), error));
    }

    /// Starts simulating the current valid scenario (cancelling any running job).
    pub fn start_run(&mut self) {
        if let Err(e) = self.runner.start(&self.doc.scenario, self.waker.clone()) {
            self.say(e, true);
        }
    }

    /// Whether a simulation is running.
    pub fn running(&self) -> bool {
        self.runner.running()
    }

    /// Runs again after an edit that left the draft valid; else the figures only go stale.
    fn after_edit(&mut self, v: Validity) {
        self.after_edit_typing(v, false);
    }

    /// As [`Self::after_edit`]; while `typing`, the run waits for a pause in the typing.
    fn after_edit_typing(&mut self, v: Validity, typing: bool) {
        match v {
            Validity::Valid => self.runner.schedule(typing),
            Validity::Invalid => self.runner.mark_stale(),
        }
    }

    /// Whether a text field has the keyboard (the user may be typing a number digit by digit).
    fn typing(ctx: &egui::Context) -> bool {
        ctx.egui_wants_keyboard_input()
    }

    /// Whether a drag or typing is going on (its changes make one undo step).
    fn continuous(ctx: &egui::Context) -> bool {
        ctx.input(|i| i.pointer.any_down()) || ctx.memory(|m| m.focused().is_some())
    }

    /// Uses a profile fitted from logs as the scenario's traffic (one undoable edit), keeping
    /// the scenario valid whatever its classes were (see `Scenario::replace_traffic`); the
    /// status line says what else changed.
    pub fn use_fitted_traffic(&mut self, f: super::calibration_view::Fitted) {
        let mut swap = crate::model::edit::TrafficSwap::default();
        let v = self.doc.edit(|d| swap = d.replace_traffic(f.profile));
        self.after_edit(v);
        let changed = swap.describe();
        let note = if changed.is_empty() {
            String::new()
        } else {
            format!(" {changed}.")
        };
        self.say(format!("{}{note}", f.summary), false);
    }

    /// Adds a policy version to the scenario being edited (from the Sweep view), as an edit.
    pub fn add_policy_version(&mut self, p: Policy) {
        let name = p.name.clone();
        if self.doc.draft.policies.iter().any(|q| q.name == name) {
            self.say(format!("The scenario already has a policy named {name:?}"), true);
            return;
        }
        let v = self.doc.edit(|d| {
            // The name was checked above, so this cannot be refused.
            let _ = d.push_policy(p);
        });
        self.after_edit(v);
        self.say(
            format!("Added the policy version {name:?}; it is compared on the next run"),
            false,
        );
    }

    /// Runs the paired comparison of the two chosen policies on this scenario's traffic.
    pub fn run_compare(&mut self) {
        if let Err(e) = self.views.compare.run(&self.doc.scenario, self.waker.clone()) {
            self.say(e, true);
        }
    }

    /// Applies one command (the only place the frame's requests change the app).
    pub fn run_cmd(&mut self, ctx: &egui::Context, cmd: Command) {
        match cmd {
            Command::Say { text, error } => self.say(text, error),
            Command::OpenDialog(purpose) => self.open_dialog(purpose),
            Command::Picked(purpose, path) => self.picked(purpose, path),
            Command::Open(path) => self.request_open(path),
            Command::Save => self.save(),
            Command::Undo => {
                if let Some(v) = self.doc.undo() {
                    self.after_edit(v);
                }
            }
            Command::Redo => {
                if let Some(v) = self.doc.redo() {
                    self.after_edit(v);
                }
            }
            Command::Quit => ctx.send_viewport_cmd(egui::ViewportCommand::Close),
            Command::Run => self.start_run(),
            Command::CancelRun => self.runner.cancel(),
            Command::DraftEdited => {
                let v = self.doc.changed_in_place(Self::continuous(ctx));
                self.after_edit_typing(v, Self::typing(ctx));
            }
            Command::RunCompare => self.run_compare(),
            Command::AddPolicyVersion(p) => self.add_policy_version(*p),
            Command::UseTraffic(f) => self.use_fitted_traffic(*f),
            Command::ShowTab(t) => self.views.tab = t,
            Command::ToggleTheme => {
                self.chrome.dark = !self.chrome.dark;
                ctx.set_theme(if self.chrome.dark {
                    egui::Theme::Dark
                } else {
                    egui::Theme::Light
                });
            }
            Command::SetEngine(e) => {
                if e != self.runner.engine {
                    self.runner.engine = e;
                    self.start_run();
                }
            }
            Command::DismissStatus => self.chrome.status = None,
            Command::SetHint(on) => self.chrome.show_hint = on,
            Command::SetAbout(on) => self.chrome.show_about = on,
            Command::DialogClosed => self.dialog_closed(),
            Command::Prompt(choice) => self.prompt_answered(ctx, choice),
        }
    }

    /// Keyboard shortcuts, as commands.
    fn shortcuts(ctx: &egui::Context) -> Vec<Command> {
        let sc = |m: Modifiers, k: Key| KeyboardShortcut::new(m, k);
        let table = [
            (
                sc(Modifiers::COMMAND, Key::O),
                Command::OpenDialog(DialogPurpose::OpenScenario),
            ),
            (
                sc(Modifiers::COMMAND | Modifiers::SHIFT, Key::S),
                Command::OpenDialog(DialogPurpose::SaveAs),
            ),
            (sc(Modifiers::COMMAND, Key::S), Command::Save),
            (sc(Modifiers::COMMAND | Modifiers::SHIFT, Key::Z), Command::Redo),
            (sc(Modifiers::COMMAND, Key::Y), Command::Redo),
            (sc(Modifiers::COMMAND, Key::Z), Command::Undo),
            (
                sc(Modifiers::COMMAND, Key::E),
                Command::OpenDialog(DialogPurpose::ExportReport),
            ),
            (sc(Modifiers::COMMAND, Key::R), Command::Run),
            (sc(Modifiers::COMMAND, Key::Q), Command::Quit),
        ];
        table
            .into_iter()
            .filter(|(s, _)| ctx.input_mut(|i| i.consume_shortcut(s)))
            .map(|(_, c)| c)
            .collect()
    }

    /// What a frame does before drawing: news from the jobs and dialogs, shortcuts, a run that
    /// is due, dropped files, a close request with unsaved edits.
    fn before_frame(&mut self, ctx: &egui::Context) {
        match self.runner.poll() {
            RunNews::Nothing => {}
            RunNews::Cancelled { kept: true } => self.say(
                "Simulation cancelled: the figures are the last complete result, marked stale. \
                 Run again (Ctrl+R) to finish.",
                false,
            ),
            RunNews::Cancelled { kept: false } => self.say(
                "Simulation cancelled before any result: there are no figures to show, and nothing runs. \
                 Run (Ctrl+R) to simulate.",
                false,
            ),
            RunNews::Failed(e) => self.say(e, true),
        }
        if !Self::typing(ctx) {
            self.runner.typing_ended();
        }
        let mut cmds = self.poll_native_dialog();
        cmds.extend(self.views.poll_hidden());
        cmds.extend(Self::shortcuts(ctx));
        match self.runner.due_in() {
            Some(wait) if wait.is_zero() => cmds.push(Command::Run),
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
        cmds.extend(dropped.into_iter().map(Command::Open));
        if ctx.input(|i| i.viewport().close_requested()) && self.doc.dirty && !self.closing.allow_close {
            ctx.send_viewport_cmd(egui::ViewportCommand::CancelClose);
            self.closing.pending = Some(Pending::Quit);
        }
        self.commands.extend(cmds);
    }

    /// The centre: the first-run hint, then the chosen tab (figures dimmed while stale).
    fn central(&mut self, ui: &mut egui::Ui) -> Vec<Command> {
        let mut cmds = Vec::new();
        if self.chrome.show_hint {
            ui.horizontal(|ui| {
                ui.label(RichText::new("Edit anything on the left; the figures update as you type.").strong());
                if ui.small_button("Got it").clicked() {
                    cmds.push(Command::SetHint(false));
                }
            });
            ui.separator();
        }
        // Figures that no longer match the scenario are dimmed until new ones arrive.
        if self.runner.stale && self.runner.results.is_some() && matches!(self.views.tab, Tab::Overview | Tab::Charts) {
            ui.multiply_opacity(0.55);
        }
        let (views, doc, runner) = (&mut self.views, &self.doc, &self.runner);
        egui::ScrollArea::vertical().show(ui, |ui| cmds.extend(views.ui(ui, &doc.scenario, runner)));
        cmds
    }

    /// The scenario editor on the left (at most a third of a narrow window).
    fn editor_panel(&mut self, ui: &mut egui::Ui) {
        let editor_width = (ui.ctx().content_rect().width() / 3.0).clamp(240.0, 380.0);
        let (editor, doc) = (&mut self.editor, &mut self.doc);
        let edited = egui::Panel::left("scenario")
            .resizable(true)
            .default_size(editor_width)
            .show(ui, |ui| {
                egui::ScrollArea::vertical()
                    .show(ui, |ui| editor.ui(ui, &mut doc.draft, &doc.errors))
                    .inner
            })
            .inner;
        if edited {
            self.commands.push(Command::DraftEdited);
        }
    }
}

impl eframe::App for CostPlanApp {
    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        let ctx = ui.ctx().clone();
        self.before_frame(&ctx);
        let menu = egui::Panel::top("menu").show(ui, |ui| self.menu(ui)).inner;
        self.commands.extend(menu);
        let status = egui::Panel::bottom("status").show(ui, |ui| self.status_bar(ui)).inner;
        self.commands.extend(status);
        self.editor_panel(ui);
        let centre = egui::CentralPanel::default().show(ui, |ui| self.central(ui)).inner;
        self.commands.extend(centre);
        let prompts = [
            self.confirm_dialog(&ctx),
            self.path_dialog_ui(&ctx),
            self.about_window(&ctx),
        ];
        self.commands.extend(prompts.into_iter().flatten());
        // Every request of the frame, applied after it, in the order made.
        for cmd in std::mem::take(&mut self.commands) {
            self.run_cmd(&ctx, cmd);
        }
        if let Some(p) = self.closing.finish_after_save.take() {
            self.finish_pending(&ctx, p);
        }
        let title = self.window_title();
        if title != self.chrome.shown_title {
            ctx.send_viewport_cmd(egui::ViewportCommand::Title(title.clone()));
            self.chrome.shown_title = title;
        }
    }

    fn save(&mut self, storage: &mut dyn eframe::Storage) {
        eframe::set_value(
            storage,
            eframe::APP_KEY,
            &Persisted {
                recent: self.files.recent.clone(),
                dark: Some(self.chrome.dark),
                hint_dismissed: !self.chrome.show_hint,
            },
        );
    }
}

/// `text` cut to `max` characters with an ellipsis (the whole text when it fits).
pub fn summarise(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        text.to_string()
    } else {
        format!("{}…", text.chars().take(max.saturating_sub(1)).collect::<String>())
    }
}

/// A duration in words a progress bar can show: "12 s", "3 min 5 s", "1 h 20 min".
pub fn duration_words(d: std::time::Duration) -> String {
    let s = d.as_secs_f64().round() as u64;
    match s {
        0..60 => format!("{s} s"),
        60..3600 => format!("{} min {} s", s / 60, s % 60),
        _ => format!("{} h {} min", s / 3600, (s % 3600) / 60),
    }
}
