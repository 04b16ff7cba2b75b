//! Load errors that name the file, line, column and field path, and say what was expected.

use std::fmt;

use super::locate::{FieldPath, Pos, RonMap};

/// One problem found in one file.
#[derive(Clone, Debug, PartialEq)]
pub struct Diagnostic {
    /// The file as the user named it (or `<inline>` for text without a file).
    pub file: String,
    /// 1-based line.
    pub line: usize,
    /// 1-based column.
    pub col: usize,
    /// The field path, such as `classes[2].input_tokens`; empty for the whole file.
    pub field: String,
    /// What is wrong and what was expected.
    pub message: String,
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.field.is_empty() {
            write!(f, "{}:{}:{}: {}", self.file, self.line, self.col, self.message)
        } else {
            write!(
                f,
                "{}:{}:{}: {}: {}",
                self.file, self.line, self.col, self.field, self.message
            )
        }
    }
}

/// Every problem found while loading a file and the files it refers to.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub struct LoadError {
    pub diagnostics: Vec<Diagnostic>,
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, d) in self.diagnostics.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{d}")?;
        }
        Ok(())
    }
}

impl LoadError {
    /// A single problem.
    pub fn one(file: &str, pos: Pos, field: &str, message: impl Into<String>) -> Self {
        LoadError {
            diagnostics: vec![Diagnostic {
                file: file.to_string(),
                line: pos.line,
                col: pos.col,
                field: field.to_string(),
                message: message.into(),
            }],
        }
    }
}

/// The text of one file and what is needed to point into it.
pub struct SourceFile<'a> {
    /// The name shown in messages.
    pub name: &'a str,
    /// The text.
    pub text: &'a str,
    map: std::cell::OnceCell<RonMap>,
}

impl<'a> SourceFile<'a> {
    /// Wraps a file's text.
    pub fn new(name: &'a str, text: &'a str) -> Self {
        SourceFile {
            name,
            text,
            map: std::cell::OnceCell::new(),
        }
    }

    /// The position of `path` in this file (or of the nearest enclosing value that exists).
    pub fn pos_of(&self, path: &FieldPath) -> Pos {
        self.map.get_or_init(|| RonMap::new(self.text)).locate(path).0
    }

    /// A diagnostic at `path`.
    pub fn diag(&self, path: &FieldPath, message: impl Into<String>) -> Diagnostic {
        let pos = self.pos_of(path);
        Diagnostic {
            file: self.name.to_string(),
            line: pos.line,
            col: pos.col,
            field: path.to_string(),
            message: message.into(),
        }
    }
}

/// Collects diagnostics during validation.
pub struct Diagnostics<'s, 'a> {
    pub src: &'s SourceFile<'a>,
    pub list: Vec<Diagnostic>,
}

impl<'s, 'a> Diagnostics<'s, 'a> {
    /// Starts an empty list for `src`.
    pub fn new(src: &'s SourceFile<'a>) -> Self {
        Diagnostics { src, list: Vec::new() }
    }
    /// Records a problem at `path`.
    pub fn push(&mut self, path: &FieldPath, message: impl Into<String>) {
        let d = self.src.diag(path, message);
        self.list.push(d);
    }
    /// Records problems from another file.
    pub fn extend(&mut self, err: LoadError) {
        self.list.extend(err.diagnostics);
    }
    /// `Ok(value)` when nothing was recorded.
    pub fn finish<T>(self, value: T) -> Result<T, LoadError> {
        if self.list.is_empty() {
            Ok(value)
        } else {
            Err(LoadError { diagnostics: self.list })
        }
    }
}
