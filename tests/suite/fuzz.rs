//! A fuzz harness for the loaders (proptest): shipped files mutated by random deletions,
//! insertions of hostile tokens, duplications and byte flips go through kind detection and the
//! matching loader. Property: no panic, and every refusal points inside the text (line and
//! column of a real position). It runs 256 cases in `cargo test`; run it longer with
//! `PROPTEST_CASES=100000 cargo test --release fuzz_ -- --nocapture`.

use std::path::Path;

use costplan::model::scenario::{FileKind, Files, detect_kind_checked, parse_policy};
use costplan::model::{LoadError, PriceTable, Scenario, SourceFile, TrafficProfile};
use proptest::prelude::*;

use crate::common::root;

/// Hostile fragments an insertion draws from: brackets, quotes, edge numbers, comments, a BOM,
/// references to devices and other files, wrong kinds.
const TOKENS: [&str; 30] = [
    "(",
    ")",
    "[",
    "]",
    "{",
    "}",
    ",",
    ":",
    "\"",
    "Fixed(",
    "LogNormal(1e308, 1e-308)",
    "1e308",
    "-1",
    "NaN",
    "inf",
    "18446744073709551616",
    "Some(",
    "File(\"/dev/zero\")",
    "File(\"../../nowhere.ron\")",
    "//",
    "/*",
    "\u{feff}",
    "é",
    "\0",
    "r#\"",
    "policies: [],",
    "classes: [],",
    "0.0",
    "true",
    "Empirical([])",
];

#[derive(Clone, Debug)]
pub enum Mutation {
    Delete { at: f64, len: usize },
    Insert { at: f64, token: usize },
    Duplicate { at: f64, len: usize },
    Byte { at: f64, byte: u8 },
}

pub fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (0.0..1.0f64, 1usize..40).prop_map(|(at, len)| Mutation::Delete { at, len }),
        (0.0..1.0f64, 0..TOKENS.len()).prop_map(|(at, token)| Mutation::Insert { at, token }),
        (0.0..1.0f64, 1usize..80).prop_map(|(at, len)| Mutation::Duplicate { at, len }),
        (0.0..1.0f64, 0x20u8..0x7f).prop_map(|(at, byte)| Mutation::Byte { at, byte }),
    ]
}

/// The char boundary at or before the fraction `at` of `s`.
fn boundary(s: &str, at: f64) -> usize {
    let mut i = ((s.len() as f64) * at) as usize;
    while i > 0 && !s.is_char_boundary(i) {
        i -= 1;
    }
    i.min(s.len())
}

pub fn apply(mut s: String, muts: &[Mutation]) -> String {
    for m in muts {
        match *m {
            Mutation::Delete { at, len } => {
                let a = boundary(&s, at);
                let b = boundary(&s, ((a + len) as f64 / s.len().max(1) as f64).min(1.0));
                s.replace_range(a..b.max(a), "");
            }
            Mutation::Insert { at, token } => {
                let a = boundary(&s, at);
                s.insert_str(a, TOKENS[token]);
            }
            Mutation::Duplicate { at, len } => {
                let a = boundary(&s, at);
                let b = boundary(&s, ((a + len) as f64 / s.len().max(1) as f64).min(1.0)).max(a);
                let piece = s[a..b].to_string();
                s.insert_str(b, &piece);
            }
            Mutation::Byte { at, byte } => {
                let a = boundary(&s, at);
                if a < s.len() {
                    let end = (a + 1..=s.len()).find(|&j| s.is_char_boundary(j)).unwrap_or(s.len());
                    s.replace_range(a..end, &(byte as char).to_string());
                }
            }
        }
    }
    s
}

struct MemFiles;

impl Files for MemFiles {
    fn read(&self, rel: &str) -> Result<(String, String), String> {
        let path = root().join("scenarios").join(rel);
        match rel {
            "traffic/support.ron" | "../assets/prices/default.ron" => {
                Ok((rel.to_string(), std::fs::read_to_string(path).unwrap()))
            }
            _ => Err(format!("no file {rel:?} in the fuzz harness")),
        }
    }
}

/// Loads `text` as whatever it looks like; refusals must point inside the text.
fn load(name: &str, text: &str) -> Result<(), String> {
    let check = |e: LoadError| -> Result<(), String> {
        let lines = text.lines().count().max(1) + 1;
        for d in &e.diagnostics {
            if d.line < 1 || d.col < 1 || d.message.is_empty() {
                return Err(format!("unpositioned: {e}"));
            }
            if d.file == name && d.line > lines {
                return Err(format!("line {} beyond the text's {lines}: {e}", d.line));
            }
        }
        Ok(())
    };
    let path = Path::new(name);
    let kind = match detect_kind_checked(name, path, text) {
        Ok(k) => k,
        Err(e) => return check(e),
    };
    let src = SourceFile::new(name, text);
    let result = match kind {
        FileKind::Scenario => Scenario::from_str_with(text, name, &MemFiles).map(|_| ()),
        FileKind::Traffic => TrafficProfile::from_ron(&src).map(|_| ()),
        FileKind::Prices if name.ends_with(".json") => {
            costplan::model::prices::import_litellm(&src, "2026-11-29").map(|_| ())
        }
        FileKind::Prices => PriceTable::from_ron(&src).map(|_| ()),
        FileKind::Policy => parse_policy(&src).map(|_| ()),
    };
    result.or_else(check)
}

fn shipped() -> Vec<(&'static str, String)> {
    let read = |p: &str| std::fs::read_to_string(root().join(p)).unwrap();
    vec![
        ("support-assistant.ron", read("scenarios/support-assistant.ron")),
        ("support.ron", read("scenarios/traffic/support.ron")),
        ("default.ron", read("assets/prices/default.ron")),
        (
            "prices.json",
            r#"{"m": {"mode": "chat", "litellm_provider": "openai", "input_cost_per_token": 2e-6,
                "output_cost_per_token": 8e-6, "cache_read_input_token_cost": 5e-7,
                "input_cost_per_token_above_200k_tokens": 4e-6, "max_input_tokens": 128000},
               "e": {"mode": "embedding", "input_cost_per_token": 1e-7}}"#
                .to_string(),
        ),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(256),
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn fuzz_loaders_never_panic_and_point_inside_the_text(
        which in 0usize..4,
        muts in proptest::collection::vec(mutation(), 1..6),
    ) {
        let files = shipped();
        let (name, base) = &files[which];
        let text = apply(base.clone(), &muts);
        let outcome = std::panic::catch_unwind(|| load(name, &text));
        prop_assert!(outcome.is_ok(), "panicked on {name} after {muts:?}");
        let checked = outcome.unwrap();
        prop_assert!(checked.is_ok(), "{name} after {muts:?}: {}", checked.unwrap_err());
    }
}
