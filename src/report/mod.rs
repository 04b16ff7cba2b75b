//! Planning reports: HTML, Markdown, CSV and JSON, and the text tables of the CLI.

pub mod format;
pub mod table;
