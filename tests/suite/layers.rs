//! The layers point down only: `model` ← `sim` ← `logs` ← `report` ← `cli` | `gui` ← `main`, with `exit`,
//! `hash` and `date` as leaves. A module that names a layer above it (or a GUI or command-line crate
//! below the edges) fails here, with the file and line.

use std::path::Path;

use crate::common::root;

/// The core layers, lowest first: each may name only the ones before it.
const CORE: [&str; 4] = ["model", "sim", "logs", "report"];
/// The window's crates: only `gui` (and `main`) may name them.
const GUI_CRATES: [&str; 5] = ["egui", "egui_plot", "eframe", "rfd", "egui_kittest"];

/// Every layer and what it may not name: the layers above it, the edges' crates.
fn layers() -> Vec<(&'static str, Vec<String>)> {
    let gui_crates = GUI_CRATES.iter().map(|c| c.to_string());
    let mut out: Vec<(&'static str, Vec<String>)> = CORE
        .iter()
        .enumerate()
        .map(|(i, layer)| {
            let above = CORE[i + 1..]
                .iter()
                .chain(&["cli", "gui"])
                .map(|l| format!("crate::{l}"));
            (
                *layer,
                above.chain(gui_crates.clone()).chain(["clap".to_string()]).collect(),
            )
        })
        .collect();
    out.push((
        "cli",
        std::iter::once("crate::gui".to_string()).chain(gui_crates).collect(),
    ));
    out.push(("gui", vec!["crate::cli".to_string()]));
    out
}

fn rust_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// The code of a file with comments and string and char literals blanked out (lines kept), so
/// that only real paths are read.
fn code_only(text: &str) -> String {
    let b = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < b.len() {
        let rest = &text[i..];
        if rest.starts_with("//") {
            let end = rest.find('\n').unwrap_or(rest.len());
            i += end;
        } else if rest.starts_with("/*") {
            let end = rest.find("*/").map_or(rest.len(), |e| e + 2);
            out.extend(rest[..end].chars().filter(|c| *c == '\n'));
            i += end;
        } else if rest.starts_with("r#\"") || rest.starts_with("r\"") {
            let hashes = rest[1..].chars().take_while(|c| *c == '#').count();
            let close = format!("\"{}", "#".repeat(hashes));
            let body = 2 + hashes;
            let end = rest[body..].find(&close).map_or(rest.len(), |e| body + e + close.len());
            out.extend(rest[..end].chars().filter(|c| *c == '\n'));
            i += end;
        } else if rest.starts_with('"') {
            let mut j = 1;
            while j < rest.len() && rest.as_bytes()[j] != b'"' {
                j += if rest.as_bytes()[j] == b'\\' { 2 } else { 1 };
            }
            let end = (j + 1).min(rest.len());
            out.extend(rest[..end].chars().filter(|c| *c == '\n'));
            i += end;
        } else if rest.starts_with("'\\") || (rest.len() > 2 && rest.starts_with('\'') && rest[2..].starts_with('\'')) {
            // A char literal ('x' or '\n'); a lifetime has no closing quote and stays.
            let end = rest[1..].find('\'').map_or(1, |e| e + 2);
            i += end;
        } else {
            let c = rest.chars().next().unwrap_or(' ');
            out.push(c);
            i += c.len_utf8();
        }
    }
    out
}

fn ident_at(code: &str, i: usize) -> &str {
    let end = code[i..]
        .find(|c: char| !(c.is_alphanumeric() || c == '_'))
        .map_or(code.len(), |e| i + e);
    &code[i..end]
}

/// The roots a file's paths reach, with their line: `crate::report` for `crate::report::x`
/// and for each member of `crate::{report, sim::y}`, and every crate named at the start of a
/// path (`egui_plot::Plot`, `use rfd;`).
fn references(text: &str) -> Vec<(usize, String)> {
    let code = code_only(text);
    let line_of = |i: usize| code[..i].matches('\n').count() + 1;
    let mut out = Vec::new();
    let bytes = code.as_bytes();
    let mut i = 0;
    while i < code.len() {
        let c = bytes[i];
        let starts_word = (c.is_ascii_alphabetic() || c == b'_')
            && (i == 0 || !(bytes[i - 1].is_ascii_alphanumeric() || bytes[i - 1] == b'_'));
        if !starts_word {
            i += 1;
            continue;
        }
        let word = ident_at(&code, i);
        let after = i + word.len();
        let preceded_by_path = i >= 2 && &code[i - 2..i] == "::";
        let follows_use = code[..i].trim_end().ends_with("use");
        if word == "crate" && code[after..].starts_with("::") {
            let rest = &code[after + 2..];
            if let Some(group) = rest.strip_prefix('{') {
                let close = group.find('}').unwrap_or(group.len());
                for member in group[..close].split(',') {
                    let m = member.trim();
                    let name = ident_at(m, 0);
                    if !name.is_empty() {
                        out.push((line_of(i), format!("crate::{name}")));
                    }
                }
                // Past the group: its members are the crate's, not crates of their own.
                i = after + 3 + close;
                continue;
            } else {
                out.push((line_of(i), format!("crate::{}", ident_at(rest, 0))));
            }
        } else if !preceded_by_path && (code[after..].starts_with("::") || follows_use) {
            out.push((line_of(i), word.to_string()));
        }
        i = after;
    }
    out
}

#[test]
fn no_module_names_a_layer_above_it() {
    let mut bad = Vec::new();
    for (layer, forbidden) in layers() {
        let mut files = Vec::new();
        rust_files(&root().join("src").join(layer), &mut files);
        assert!(!files.is_empty(), "src/{layer} has no files");
        for f in files {
            let text = std::fs::read_to_string(&f).unwrap();
            let lines: Vec<&str> = text.lines().collect();
            for (n, what) in references(&text) {
                if forbidden.contains(&what) {
                    bad.push(format!(
                        "{}:{n}: {layer} names {what}: {}",
                        f.display(),
                        lines.get(n - 1).map_or("", |l| l.trim())
                    ));
                }
            }
        }
    }
    for leaf in ["exit.rs", "hash.rs", "date.rs"] {
        let text = std::fs::read_to_string(root().join("src").join(leaf)).unwrap();
        assert!(
            !text.contains("crate::"),
            "src/{leaf} is a leaf and uses nothing of the crate"
        );
    }
    assert!(bad.is_empty(), "{}", bad.join("\n"));
}

#[test]
fn the_layer_check_would_see_a_violation() {
    let roots = |text: &str| -> Vec<String> { references(text).into_iter().map(|(_, w)| w).collect() };
    assert_eq!(roots("use crate::report::format::usd;"), ["crate::report"]);
    assert_eq!(
        roots("use crate::{report, sim::metrics};"),
        ["crate::report", "crate::sim"]
    );
    assert_eq!(roots("    let x = egui::Color32::RED;"), ["egui"]);
    assert_eq!(roots("use egui_plot::Plot;"), ["egui_plot"]);
    assert_eq!(roots("use rfd;"), ["rfd"]);
    assert_eq!(roots("use crate::reporting::x;"), ["crate::reporting"]);
    assert!(roots("// see crate::report").is_empty());
    assert!(roots("/* egui::Ui */ let s = \"crate::gui\";").is_empty());
    assert!(roots("let a = std::f64::consts::PI;").iter().all(|r| r == "std"));
    assert!(roots("fn f<'a>(x: &'a str) -> char { 'x' }").is_empty());
}
