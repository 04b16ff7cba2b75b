//! The layers point down only: `model` ← `sim` ← `logs` ← `report` ← `cli` | `gui` ← `main`, with `units`
//! and `exit` as leaves. A module that names a layer above it (or a GUI or command-line crate
//! below the edges) fails here, with the file and line.

use std::path::Path;

use crate::common::root;

/// The core layers, lowest first: each may name only the ones before it.
const CORE: [&str; 4] = ["model", "sim", "logs", "report"];
/// The window's crates: only `gui` (and `main`) may name them.
const GUI_CRATES: [&str; 3] = ["egui", "eframe", "rfd"];

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

/// Whether `line` names `what` as a path (not inside a word, not in a comment).
fn names(line: &str, what: &str) -> bool {
    let code = line.split("//").next().unwrap_or("");
    code.match_indices(what).any(|(i, _)| {
        let before = code[..i].chars().next_back();
        let after = code[i + what.len()..].chars().next();
        !before.is_some_and(|c| c.is_alphanumeric() || c == '_')
            && !after.is_some_and(|c| c.is_alphanumeric() || c == '_')
    })
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
            for (n, line) in text.lines().enumerate() {
                for what in &forbidden {
                    if names(line, what) {
                        bad.push(format!(
                            "{}:{}: {layer} names {what}: {}",
                            f.display(),
                            n + 1,
                            line.trim()
                        ));
                    }
                }
            }
        }
    }
    for leaf in ["units.rs", "exit.rs"] {
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
    assert!(names("use crate::report::format::usd;", "crate::report"));
    assert!(names("    let x = egui::Color32::RED;", "egui"));
    assert!(!names("use crate::reporting::x;", "crate::report"));
    assert!(!names("// see crate::report", "crate::report"));
    assert!(!names("use egui_plot::Plot;", "egui"));
}
