//! Planning reports: HTML, Markdown, CSV and JSON.
