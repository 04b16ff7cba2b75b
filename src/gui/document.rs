//! The open scenario as a document: the draft being edited (which may be invalid), the last
//! valid scenario the figures come from, its file, unsaved state, problems, and undo/redo.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::model::{Diagnostic, Scenario};

/// The most undo steps kept.
const MAX_UNDO: usize = 200;
/// Changes closer together than this, while a drag or typing goes on, make one undo step.
const MERGE_WITHIN: Duration = Duration::from_millis(600);

/// What an edit did to the valid scenario.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Validity {
    /// The draft is valid and is now the scenario figures come from: run again.
    Valid,
    /// The draft has problems (in `errors`); the last valid scenario stays.
    Invalid,
}

/// What a save wrote.
#[derive(Debug, Default, PartialEq)]
pub struct Saved {
    /// Every file written, the scenario first.
    pub written: Vec<PathBuf>,
    /// Shared files (outside the scenario's folder) whose edit went into the scenario instead.
    pub kept_shared: Vec<PathBuf>,
}

impl Saved {
    /// In words, for the status line.
    pub fn describe(&self) -> String {
        let mut out = match self.written.split_first() {
            Some((s, rest)) if !rest.is_empty() => {
                let others: Vec<String> = rest.iter().map(|p| p.display().to_string()).collect();
                format!(
                    "Saved {} and the files it refers to that changed: {}.",
                    s.display(),
                    others.join(", ")
                )
            }
            Some((s, _)) => format!("Saved {}.", s.display()),
            None => String::new(),
        };
        for p in &self.kept_shared {
            out.push_str(&format!(
                " {} is shared with other scenarios: your edit of it was saved in this scenario as an override, and the shared file is unchanged.",
                p.display()
            ));
        }
        out
    }
}

pub struct Document {
    /// The last valid scenario (what results are computed from).
    pub scenario: Scenario,
    /// The scenario as being edited (may be invalid).
    pub draft: Scenario,
    pub path: Option<PathBuf>,
    pub dirty: bool,
    pub errors: Vec<Diagnostic>,
    /// The draft as of the last recorded change: the "before" of the next edit made in place,
    /// so the draft is cloned once per edit, not once per frame.
    snapshot: Scenario,
    undo: Vec<Scenario>,
    redo: Vec<Scenario>,
    last_undo_push: Option<Instant>,
}

impl Document {
    /// A document on a valid scenario, with no file yet (or `path`).
    pub fn new(scenario: Scenario, path: Option<PathBuf>) -> Document {
        Document {
            draft: scenario.clone(),
            snapshot: scenario.clone(),
            scenario,
            path,
            dirty: false,
            errors: Vec::new(),
            undo: Vec::new(),
            redo: Vec::new(),
            last_undo_push: None,
        }
    }

    /// Records that the draft was changed in place (by the editor); `continuous` is true while
    /// a drag or typing goes on, so that it makes one undo step, not one per frame.
    pub fn changed_in_place(&mut self, continuous: bool) -> Validity {
        let before = std::mem::replace(&mut self.snapshot, self.draft.clone());
        let now = Instant::now();
        let recent = self
            .last_undo_push
            .is_some_and(|t| now.duration_since(t) <= MERGE_WITHIN);
        if !(continuous && recent) {
            self.undo.push(before);
            if self.undo.len() > MAX_UNDO {
                self.undo.remove(0);
            }
        }
        self.last_undo_push = Some(now);
        self.redo.clear();
        self.dirty = true;
        self.revalidate()
    }

    /// Changes the draft through `edit` as one undo step.
    pub fn edit(&mut self, edit: impl FnOnce(&mut Scenario)) -> Validity {
        edit(&mut self.draft);
        self.last_undo_push = None;
        self.changed_in_place(false)
    }

    pub fn can_undo(&self) -> bool {
        !self.undo.is_empty()
    }

    pub fn can_redo(&self) -> bool {
        !self.redo.is_empty()
    }

    /// Undoes the last edit; `None` when there is nothing to undo.
    pub fn undo(&mut self) -> Option<Validity> {
        let prev = self.undo.pop()?;
        self.redo.push(std::mem::replace(&mut self.draft, prev));
        Some(self.restored())
    }

    /// Redoes the last undone edit; `None` when there is nothing to redo.
    pub fn redo(&mut self) -> Option<Validity> {
        let next = self.redo.pop()?;
        self.undo.push(std::mem::replace(&mut self.draft, next));
        Some(self.restored())
    }

    fn restored(&mut self) -> Validity {
        self.snapshot = self.draft.clone();
        self.last_undo_push = None;
        self.dirty = true;
        self.revalidate()
    }

    fn revalidate(&mut self) -> Validity {
        match self.draft.validate_edited() {
            Ok(s) => {
                self.errors.clear();
                self.scenario = s;
                Validity::Valid
            }
            Err(e) => {
                self.errors = e.diagnostics;
                Validity::Invalid
            }
        }
    }

    /// Saves to `path` atomically (and the referenced files that were edited). Saved elsewhere
    /// than the scenario's folder, every part is written inline.
    pub fn save_to(&mut self, path: &Path) -> Result<Saved, String> {
        let same_dir = self.draft.base_dir.as_deref().zip(path.parent()).is_some_and(|(a, b)| {
            a.canonicalize().ok() == b.canonicalize().ok() || (b.as_os_str().is_empty() && a == Path::new("."))
        });
        let mut to_save = if same_dir {
            self.draft.clone()
        } else {
            self.draft.self_contained()
        };
        // An edit of a file other scenarios share goes into this one as an override.
        let kept = to_save.keep_shared_files(path).map_err(|e| e.to_string())?;
        // Save as starts from the text of the file the scenario came from (its comments stay).
        let template = self
            .path
            .as_deref()
            .filter(|p| *p != path)
            .and_then(|p| std::fs::read_to_string(p).ok());
        let files = to_save
            .texts_to_write_from(path, template.as_deref())
            .map_err(|e| e.to_string())?;
        for (p, t) in files.iter().skip(1).chain(files.first()) {
            crate::model::io::write_atomic(p, t.as_bytes()).map_err(|e| format!("{}: {e}", p.display()))?;
        }
        if !same_dir || !kept.is_empty() {
            self.draft = to_save;
            self.draft.base_dir = path.parent().map(|p| p.to_path_buf());
            self.snapshot = self.draft.clone();
        }
        self.path = Some(path.to_path_buf());
        self.dirty = false;
        Ok(Saved {
            written: files.into_iter().map(|(p, _)| p).collect(),
            kept_shared: kept,
        })
    }

    /// The file's name for titles (the bundled default when there is none) and the unsaved mark.
    pub fn title(&self, full_path: bool) -> String {
        let name = match (&self.path, full_path) {
            (Some(p), true) => p.display().to_string(),
            (Some(p), false) => p
                .file_name()
                .map(|f| f.to_string_lossy().to_string())
                .unwrap_or_default(),
            (None, _) => "bundled default scenario".into(),
        };
        format!("{name}{}", if self.dirty { " • unsaved" } else { "" })
    }
}
