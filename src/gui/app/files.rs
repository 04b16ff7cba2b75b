//! Files in the window: opening any kind of file, saving, recent files, reports, and the file
//! dialogs — the system's (a job, as its call blocks) or the window's own when it cannot open.

use std::path::{Path, PathBuf};
use std::time::Instant;

use super::{CostPlanApp, Pending};
use crate::gui::command::{Command, DialogPurpose};
use crate::gui::job::Job;
use crate::gui::path_dialog::{PathChoice, PathDialog};
use crate::gui::tabs::Tab;
use crate::model::policy::Policy;
use crate::model::scenario::{AnyFile, FileKind, file_kind, load_any};

const MAX_RECENT: usize = 8;

/// A system dialog that returns nothing within this time did not open (nobody cancels a dialog
/// that fast).
const NATIVE_DIALOG_FAILED_WITHIN: std::time::Duration = std::time::Duration::from_millis(400);

/// Recent files and the file dialog that is open.
pub struct Files {
    /// The most recent first (remembered between launches).
    pub recent: Vec<PathBuf>,
    /// The system dialog, waiting for the user on its own thread, and when it opened.
    native: Option<(DialogPurpose, Job<Option<PathBuf>>, Instant)>,
    /// The in-window file dialog, when the system's cannot open.
    pub path_dialog: Option<(DialogPurpose, PathDialog)>,
}

impl Files {
    /// No dialog open; `recent` as remembered.
    pub fn new(recent: Vec<PathBuf>) -> Files {
        Files {
            recent,
            native: None,
            path_dialog: None,
        }
    }

    fn remember(&mut self, path: &Path) {
        let p = path.canonicalize().unwrap_or_else(|_| path.to_path_buf());
        self.recent.retain(|r| r != &p);
        self.recent.insert(0, p);
        self.recent.truncate(MAX_RECENT);
    }
}

/// A path as an absolute string, for references to files outside the scenario's folder.
fn absolute(path: &Path) -> String {
    path.canonicalize()
        .unwrap_or_else(|_| path.to_path_buf())
        .display()
        .to_string()
}

/// Whether the system file dialog can open: on Linux it needs a desktop portal on the session
/// bus (`COSTPLAN_NO_NATIVE_DIALOG` forces the in-window dialog anywhere).
fn native_dialogs() -> bool {
    if std::env::var_os("COSTPLAN_NO_NATIVE_DIALOG").is_some() {
        return false;
    }
    !cfg!(target_os = "linux") || std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_some()
}

/// The system dialog for `purpose` (blocks until the user chooses; runs on a job's thread).
fn native_dialog(purpose: DialogPurpose, dir: Option<PathBuf>) -> Option<PathBuf> {
    let mut d = rfd::FileDialog::new().add_filter("CostPlan files", &["ron", "json"]);
    if let Some(dir) = dir {
        d = d.set_directory(dir);
    }
    match purpose {
        DialogPurpose::SaveAs => d.set_file_name("scenario.ron").save_file(),
        DialogPurpose::ImportLogs | DialogPurpose::BacktestLogs | DialogPurpose::DraftFromLogs => {
            rfd::FileDialog::new()
                .add_filter("Request logs and usage exports", &["csv", "json", "jsonl", "ndjson"])
                .pick_file()
        }
        DialogPurpose::ExportReport => rfd::FileDialog::new()
            .add_filter("HTML report", &["html"])
            .add_filter("Markdown", &["md"])
            .add_filter("CSV (per-run metrics)", &["csv"])
            .add_filter("JSON", &["json"])
            .set_file_name("report.html")
            .save_file(),
        _ => d.pick_file(),
    }
}

impl CostPlanApp {
    /// Opens a file of any kind: a scenario replaces the current one; a traffic profile or a
    /// price table replaces that part of it. On error nothing changes and the error is shown.
    pub fn open_path(&mut self, path: &Path) {
        let loaded = match load_any(path) {
            Ok(f) => f,
            Err(e) => return self.say(e.to_string(), true),
        };
        match loaded {
            AnyFile::Scenario(s) => {
                self.doc = crate::gui::document::Document::new(*s, Some(path.to_path_buf()));
                self.views.forget_results();
                self.files.remember(path);
                self.say(format!("Opened {}", path.display()), false);
                self.start_run();
            }
            AnyFile::Traffic(t) => {
                // The scenario now refers to the file it came from; saving leaves it as is.
                let v = self.doc.edit(|d| {
                    d.traffic = t;
                    d.file.traffic = crate::model::Source::File(absolute(path));
                });
                self.after_edit(v);
                self.say(format!("Traffic profile from {}", path.display()), false);
            }
            AnyFile::Prices(t, _) => {
                let v = self.doc.edit(|d| {
                    d.prices = t;
                    d.file.prices = crate::model::Source::File(absolute(path));
                });
                self.after_edit(v);
                self.say(format!("Price table from {}", path.display()), false);
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
            Ok(other) => self.say(
                format!(
                    "{}: a {}, not a policy; pick a policy file or a scenario",
                    path.display(),
                    other.kind_name()
                ),
                true,
            ),
            Err(e) => self.say(e.to_string(), true),
        }
    }

    /// Puts the policies loaded from `path` into the compare view; the first becomes version B,
    /// so the comparison shows it at once.
    fn add_compare_policies(&mut self, path: &Path, ps: Vec<Policy>) {
        let name = path
            .file_name()
            .map(|f| f.to_string_lossy().to_string())
            .unwrap_or_default();
        let said = self.views.compare.add_external(&self.doc.scenario, &name, ps);
        self.views.tab = Tab::Compare;
        self.say(said, false);
    }

    /// Opens a file unless there are unsaved edits, in which case the user is asked first.
    pub fn request_open(&mut self, path: PathBuf) {
        // A file that cannot be read or told apart opens (and says why) without asking.
        let is_scenario = file_kind(&path).is_ok_and(|k| k == FileKind::Scenario);
        if self.doc.dirty && is_scenario {
            self.closing.pending = Some(Pending::Open(path));
        } else {
            self.open_path(&path);
        }
    }

    /// Saves to `path` atomically (and the referenced files that were edited).
    pub fn save_to(&mut self, path: &Path) -> Result<(), String> {
        let saved = self.doc.save_to(path)?;
        self.files.remember(path);
        self.say(saved.describe(), false);
        Ok(())
    }

    pub(super) fn save(&mut self) {
        match self.doc.path.clone() {
            Some(p) => {
                if let Err(e) = self.save_to(&p) {
                    self.say(e, true);
                }
            }
            None => self.open_dialog(DialogPurpose::SaveAs),
        }
    }

    /// Opens a file dialog: the system's when it can open, else the in-window one.
    pub fn open_dialog(&mut self, purpose: DialogPurpose) {
        if !native_dialogs() {
            self.open_path_dialog(
                purpose,
                "The system file dialog is not available here (no desktop portal); choose the file in this window.",
            );
            return;
        }
        let dir = self.doc.path.as_ref().and_then(|p| p.parent().map(Path::to_path_buf));
        match Job::spawn("costplan-dialog", self.waker.clone(), move |w| {
            w.send(native_dialog(purpose, dir));
        }) {
            Ok(job) => self.files.native = Some((purpose, job, Instant::now())),
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
            DialogPurpose::DraftFromLogs => ("A new scenario from logs (CSV, JSON or JSON Lines)", false),
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
            (Some(p), _) => p.parent().map(Path::to_path_buf).unwrap_or_default(),
            (None, _) => PathBuf::from("."),
        };
        let d = PathDialog::new(title, save, &start, Some(reason.to_string()));
        self.files.path_dialog = Some((purpose, d));
    }

    /// What the system dialog answered, as commands (none while it is open).
    pub(super) fn poll_native_dialog(&mut self) -> Vec<Command> {
        let Some((purpose, job, opened)) = &mut self.files.native else {
            return Vec::new();
        };
        let (purpose, opened) = (*purpose, *opened);
        let Some(picked) = job.poll().pop() else {
            return Vec::new();
        };
        self.files.native = None;
        match picked {
            Some(path) => vec![Command::Picked(purpose, path)],
            // Nobody cancels a dialog within a blink: it could not open (no portal).
            None if opened.elapsed() < NATIVE_DIALOG_FAILED_WITHIN => {
                self.open_path_dialog(
                    purpose,
                    "The system file dialog could not open (no desktop portal?); choose the file in this window.",
                );
                Vec::new()
            }
            None => vec![Command::DialogClosed],
        }
    }

    /// A dialog closed without a path: a save asked for by the unsaved-changes prompt did not
    /// happen, so the window stays open and says so.
    pub(super) fn dialog_closed(&mut self) {
        if self.closing.after_save.take().is_some() {
            self.say("Not saved; the window stays open.", true);
        }
    }

    /// Acts on a path chosen in a dialog (the system's or the window's).
    pub fn picked(&mut self, purpose: DialogPurpose, path: PathBuf) {
        match purpose {
            DialogPurpose::OpenScenario => self.request_open(path),
            DialogPurpose::OpenTraffic | DialogPurpose::OpenPrices => self.open_path(&path),
            DialogPurpose::SaveAs => match self.save_to(&path) {
                Ok(()) => {
                    if let Some(p) = self.closing.after_save.take() {
                        self.closing.finish_after_save = Some(p);
                    }
                }
                Err(e) => {
                    self.closing.after_save = None;
                    self.say(format!("{e}; not saved, the window stays open"), true);
                }
            },
            DialogPurpose::ComparePolicy => self.add_compare_policy(&path),
            DialogPurpose::ExportReport => self.export_report(&path),
            DialogPurpose::ImportLogs => {
                self.views.calibration.start_import(vec![path], self.waker.clone());
                self.say("Fitting a traffic profile to the logs…", false);
            }
            DialogPurpose::BacktestLogs => {
                self.views
                    .calibration
                    .start_backtest(&self.doc.scenario, vec![path], self.waker.clone());
            }
            DialogPurpose::DraftFromLogs => {
                self.views.calibration.start_draft(vec![path], self.waker.clone());
                self.say("Drafting a scenario from the logs…", false);
            }
        }
    }

    /// The in-window file dialog, when open; the user's choice comes back as a command.
    pub(super) fn path_dialog_ui(&mut self, ctx: &egui::Context) -> Option<Command> {
        let (purpose, d) = self.files.path_dialog.as_mut()?;
        let purpose = *purpose;
        let extensions: &[&str] = match purpose {
            DialogPurpose::ExportReport => &["html", "md", "csv", "json"],
            DialogPurpose::ImportLogs | DialogPurpose::BacktestLogs | DialogPurpose::DraftFromLogs => {
                &["csv", "json", "jsonl", "ndjson"]
            }
            _ => &["ron", "json"],
        };
        let cmd = match d.ui(ctx, extensions, &self.files.recent) {
            PathChoice::Open => return None,
            PathChoice::Chosen(p) => Command::Picked(purpose, p),
            PathChoice::Cancelled => Command::DialogClosed,
        };
        self.files.path_dialog = None;
        Some(cmd)
    }

    /// Writes the results on screen as a report; the format follows the file's extension
    /// (HTML when it has none of .html, .md, .csv, .json).
    pub fn export_report(&mut self, path: &Path) {
        let Some(r) = &self.runner.results else {
            return self.say("No results to export yet.", true);
        };
        let format = crate::report::Format::from_path(path);
        let path = match format {
            Some(_) => path.to_path_buf(),
            None => path.with_extension("html"),
        };
        let said = match crate::report::write(
            &self.doc.scenario,
            r,
            format.unwrap_or(crate::report::Format::Html),
            &path,
        ) {
            Ok(files) => {
                let note = if self.runner.stale {
                    " (from results marked stale)"
                } else {
                    ""
                };
                (
                    format!("Exported {} file(s) to {}{note}", files.len(), path.display()),
                    false,
                )
            }
            Err(e) => (format!("{e:#}"), true),
        };
        self.say(said.0, said.1);
    }
}
