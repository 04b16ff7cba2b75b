//! A file dialog inside the window, for when the system's cannot open (no desktop portal on a
//! tiling window manager, remote X, a minimal desktop): a path field, the folder's entries to
//! click through, and the recent folders. It returns what to do; the app applies it.

use std::path::{Path, PathBuf};

use egui::{RichText, Ui};

/// What the in-window dialog is for.
#[derive(Clone, Debug)]
pub struct PathDialog {
    /// The window's title ("Open a scenario", "Save the scenario as", …).
    pub title: String,
    /// Whether the path is for writing (a new file may be named).
    pub save: bool,
    /// The path being typed.
    pub path: String,
    /// Why the last confirmation was refused, if it was.
    pub problem: Option<String>,
    /// Why this dialog is shown instead of the system's (shown at its top).
    pub reason: Option<String>,
}

/// What the user did with the dialog this frame.
#[derive(Clone, Debug, PartialEq)]
pub enum PathChoice {
    /// Still choosing.
    Open,
    /// Confirmed this path.
    Chosen(PathBuf),
    /// Closed without a path.
    Cancelled,
}

/// The folder a typed path lists: the path itself if it is a folder, else its parent.
pub fn folder_of(typed: &str) -> PathBuf {
    let p = Path::new(typed);
    if p.is_dir() {
        p.to_path_buf()
    } else {
        p.parent()
            .filter(|d| !d.as_os_str().is_empty() && d.is_dir())
            .map(Path::to_path_buf)
            .unwrap_or_else(|| PathBuf::from("."))
    }
}

/// The folder's subfolders and files with one of `extensions`, folders first, by name; hidden
/// entries left out.
pub fn entries(dir: &Path, extensions: &[&str]) -> Vec<(String, bool)> {
    let mut out: Vec<(String, bool)> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            let name = e.file_name().to_string_lossy().to_string();
            if name.starts_with('.') {
                return None;
            }
            let is_dir = e.path().is_dir();
            let wanted = is_dir
                || Path::new(&name)
                    .extension()
                    .is_some_and(|x| extensions.iter().any(|w| x.eq_ignore_ascii_case(w)));
            wanted.then_some((name, is_dir))
        })
        .collect();
    out.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    out
}

/// Whether `path` can be confirmed: an existing file to open, or a file in an existing folder
/// to save.
pub fn check(path: &str, save: bool) -> Result<PathBuf, String> {
    let p = PathBuf::from(path.trim());
    if p.as_os_str().is_empty() {
        return Err("type a path or pick a file below".into());
    }
    if p.is_dir() {
        return Err(format!("{} is a folder; pick a file in it", p.display()));
    }
    if save {
        let dir = p
            .parent()
            .filter(|d| !d.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        if !dir.is_dir() {
            return Err(format!("the folder {} does not exist", dir.display()));
        }
        Ok(p)
    } else if p.is_file() {
        Ok(p)
    } else {
        Err(format!("{} does not exist", p.display()))
    }
}

impl PathDialog {
    /// A dialog starting at `start` (a file or folder).
    pub fn new(title: &str, save: bool, start: &Path, reason: Option<String>) -> PathDialog {
        PathDialog {
            title: title.to_string(),
            save,
            path: start.display().to_string(),
            problem: None,
            reason,
        }
    }

    /// Draws the dialog; `recent` are recently used files (their folders are offered).
    pub fn ui(&mut self, ctx: &egui::Context, extensions: &[&str], recent: &[PathBuf]) -> PathChoice {
        let mut choice = PathChoice::Open;
        let mut open = true;
        egui::Window::new(self.title.clone())
            .open(&mut open)
            .collapsible(false)
            .default_width(560.0)
            .show(ctx, |ui| choice = self.body(ui, extensions, recent));
        if !open {
            choice = PathChoice::Cancelled;
        }
        choice
    }

    fn body(&mut self, ui: &mut Ui, extensions: &[&str], recent: &[PathBuf]) -> PathChoice {
        let mut choice = PathChoice::Open;
        if let Some(r) = &self.reason {
            ui.label(RichText::new(r).weak());
        }
        let field = ui.horizontal(|ui| {
            let l = ui.label("Path");
            ui.add(egui::TextEdit::singleline(&mut self.path).desired_width(440.0))
                .labelled_by(l.id)
        });
        let enter = field.inner.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter));
        let dir = folder_of(&self.path);
        ui.horizontal_wrapped(|ui| {
            if let Some(up) = dir.canonicalize().ok().and_then(|d| d.parent().map(Path::to_path_buf))
                && ui.small_button("Up one folder").clicked()
            {
                self.path = format!("{}/", up.display());
            }
            let mut folders: Vec<PathBuf> = recent
                .iter()
                .filter_map(|p| p.parent().map(Path::to_path_buf))
                .collect();
            folders.dedup();
            for f in folders.iter().take(4) {
                if ui
                    .small_button(f.display().to_string())
                    .on_hover_text("a recent folder")
                    .clicked()
                {
                    self.path = format!("{}/", f.display());
                }
            }
        });
        egui::ScrollArea::vertical().max_height(220.0).show(ui, |ui| {
            for (name, is_dir) in entries(&dir, extensions) {
                let label = if is_dir { format!("{name}/") } else { name.clone() };
                if ui.selectable_label(false, label).clicked() {
                    let p = dir.join(&name);
                    self.path = if is_dir {
                        format!("{}/", p.display())
                    } else {
                        p.display().to_string()
                    };
                }
            }
        });
        if let Some(p) = &self.problem {
            ui.label(RichText::new(p).color(super::rgb(crate::report::theme::WORSE)));
        }
        ui.horizontal(|ui| {
            let ok = ui.button(if self.save { "Save here" } else { "Open" }).clicked();
            if ok || enter {
                match check(&self.path, self.save) {
                    Ok(p) => choice = PathChoice::Chosen(p),
                    Err(e) => self.problem = Some(e),
                }
            }
            if ui.button("Cancel").clicked() {
                choice = PathChoice::Cancelled;
            }
        });
        choice
    }
}
