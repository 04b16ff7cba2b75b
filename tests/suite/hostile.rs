//! A generated corpus of hostile inputs (issue 12): every numeric literal of a shipped scenario
//! and its traffic profile replaced by NaN, infinity, a negative, 1e308, a u64 overflow, 1e20 and
//! a string; truncations at every 7th byte; LiteLLM price lists with every price field of every
//! wrong kind, absurd tier thresholds, duplicate keys and bad dates; devices, FIFOs, folders and
//! symlink loops. Each case is refused with a positioned message, or — when the value is valid —
//! simulates to finite figures. Nothing panics. The generator is this file; it runs in seconds.

use std::path::Path;

use costplan::model::scenario::{Files, detect_kind_checked};
use costplan::model::{LoadError, Scenario, SourceFile};
use costplan::sim::engine::Control;
use costplan::sim::metrics as m;
use costplan::sim::results::{EngineChoice, SimOptions, simulate};

use crate::common::root;

/// Referenced files served from memory, so a mutated traffic profile needs no disk.
struct MemFiles(Vec<(String, String)>);

impl Files for MemFiles {
    fn read(&self, rel: &str) -> Result<(String, String), String> {
        self.0
            .iter()
            .find(|(k, _)| k == rel)
            .map(|(k, t)| (k.clone(), t.clone()))
            .ok_or_else(|| format!("no file {rel:?}"))
    }
}

/// Byte ranges of the numeric literals of a RON text (outside strings and comments).
fn numeric_literals(t: &str) -> Vec<(usize, usize)> {
    let b = t.as_bytes();
    let (mut out, mut i, mut in_string) = (Vec::new(), 0, false);
    while i < b.len() {
        let c = b[i];
        if in_string {
            i += if c == b'\\' { 2 } else { 1 };
            in_string &= c != b'"';
            continue;
        }
        if t[i..].starts_with("//") {
            i = t[i..].find('\n').map_or(b.len(), |j| i + j);
            continue;
        }
        if c == b'"' {
            in_string = true;
            i += 1;
            continue;
        }
        let starts = c.is_ascii_digit() || (c == b'-' && b.get(i + 1).is_some_and(u8::is_ascii_digit));
        let after_word = i > 0 && (b[i - 1].is_ascii_alphanumeric() || b[i - 1] == b'_');
        if starts && !after_word {
            let mut j = i + 1;
            while j < b.len() && (b[j].is_ascii_digit() || matches!(b[j], b'.' | b'e' | b'E' | b'+' | b'-')) {
                j += 1;
            }
            out.push((i, j));
            i = j;
            continue;
        }
        i += 1;
    }
    out
}

const HOSTILE_NUMBERS: [&str; 7] = ["NaN", "inf", "-1", "1e308", "18446744073709551616", "1e20", "\"x\""];

fn line_of(text: &str, byte: usize) -> usize {
    text[..byte].matches('\n').count() + 1
}

/// The outcome of one case: refused (with the diagnostics' lines in the mutated file) or the
/// figures of a short simulation.
enum Outcome {
    Refused(LoadError),
    Ran,
}

fn check_case(scenario: &str, traffic: &str, label: &str) -> Result<Outcome, String> {
    let files = MemFiles(vec![
        ("traffic/support.ron".into(), traffic.to_string()),
        (
            "../assets/prices/default.ron".into(),
            std::fs::read_to_string(root().join("assets/prices/default.ron")).unwrap(),
        ),
    ]);
    let loaded = std::panic::catch_unwind(|| Scenario::from_str_with(scenario, "support-assistant.ron", &files))
        .map_err(|_| format!("{label}: panicked while loading"))?;
    let s = match loaded {
        Err(e) => return Ok(Outcome::Refused(e)),
        Ok(s) => s,
    };
    let opts = SimOptions {
        runs: Some(1),
        engine: EngineChoice::Sampled(50),
        skip_attribution: true,
        ..Default::default()
    };
    let r = std::panic::catch_unwind(|| simulate(&s, &opts, &Control::none()))
        .map_err(|_| format!("{label}: accepted, then panicked while simulating"))?
        .map_err(|_| format!("{label}: accepted, then the simulation failed"))?;
    for p in &r.policies {
        for k in [m::COST_PER_REQUEST, m::COST_TOTAL, m::TOKENS_INPUT, m::TOKENS_OUTPUT] {
            let v = p.runs[0].values[k];
            if !(v.is_finite() && v >= 0.0) {
                return Err(format!(
                    "{label}: accepted, and {} of {} is {v}",
                    m::METRICS[k].key,
                    p.name
                ));
            }
        }
    }
    Ok(Outcome::Ran)
}

#[test]
fn hostile_numbers_in_every_field_are_refused_in_place_or_simulate_to_finite_figures() {
    let scenario = std::fs::read_to_string(root().join("scenarios/support-assistant.ron")).unwrap();
    let traffic = std::fs::read_to_string(root().join("scenarios/traffic/support.ron")).unwrap();
    let (mut cases, mut refused, mut placed, mut problems) = (0, 0, 0, Vec::new());
    let mut misplaced = Vec::new();
    for (file, text) in [("support-assistant.ron", &scenario), ("traffic/support.ron", &traffic)] {
        for (a, b) in numeric_literals(text) {
            for bad in HOSTILE_NUMBERS {
                let mutated = format!("{}{bad}{}", &text[..a], &text[b..]);
                let label = format!("{file}:{}: {} → {bad}", line_of(text, a), &text[a..b]);
                let (s, t) = if file == "traffic/support.ron" {
                    (scenario.as_str(), mutated.as_str())
                } else {
                    (mutated.as_str(), traffic.as_str())
                };
                cases += 1;
                match check_case(s, t, &label) {
                    Err(p) => problems.push(p),
                    Ok(Outcome::Ran) => {}
                    Ok(Outcome::Refused(e)) => {
                        refused += 1;
                        assert!(
                            e.diagnostics
                                .iter()
                                .all(|d| d.line >= 1 && d.col >= 1 && !d.message.is_empty()),
                            "{label}: {e}"
                        );
                        let here = e
                            .diagnostics
                            .iter()
                            .any(|d| d.file.ends_with(file) && d.line == line_of(text, a));
                        if here {
                            placed += 1;
                        } else {
                            misplaced.push(format!("{label}: {e}"));
                        }
                    }
                }
            }
        }
    }
    assert!(cases >= 300, "only {cases} cases");
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    // Every refusal names the file and the line of the value that was changed.
    assert!(
        misplaced.is_empty(),
        "{refused} refused, {placed} at the changed line; elsewhere:\n{}",
        misplaced.join("\n")
    );
    assert!(refused * 10 >= cases * 8, "only {refused} of {cases} refused");
}

#[test]
fn truncations_at_every_7th_byte_are_syntax_errors_at_the_end_not_wrong_kinds() {
    let text = std::fs::read_to_string(root().join("scenarios/support-assistant.ron")).unwrap();
    let mut cases = 0;
    for cut in (0..text.len()).step_by(7) {
        if !text.is_char_boundary(cut) {
            continue;
        }
        let cut_text = &text[..cut];
        cases += 1;
        let kind = std::panic::catch_unwind(|| detect_kind_checked("cut.ron", Path::new("cut.ron"), cut_text))
            .unwrap_or_else(|_| panic!("panicked at cut {cut}"));
        let e = kind.expect_err("a truncated scenario is refused");
        let d = &e.diagnostics[0];
        assert!(
            d.message.starts_with("RON syntax")
                || d.message.starts_with("cannot tell what kind")
                || d.message.starts_with("the file is empty"),
            "cut at {cut}: {e}"
        );
        assert!(!d.message.contains("Unexpected field"), "cut at {cut}: {e}");
    }
    assert!(cases >= 300, "{cases}");
}

/// A small LiteLLM price list: one chat model with every price field, one embedding model.
fn litellm_base() -> serde_json::Value {
    serde_json::json!({
        "chat-model": {
            "mode": "chat",
            "litellm_provider": "openai",
            "input_cost_per_token": 2e-6,
            "output_cost_per_token": 8e-6,
            "cache_read_input_token_cost": 5e-7,
            "cache_creation_input_token_cost": 2.5e-6,
            "input_cost_per_token_batches": 1e-6,
            "output_cost_per_token_batches": 4e-6,
            "output_cost_per_reasoning_token": 8e-6,
            "input_cost_per_token_above_200k_tokens": 4e-6,
            "output_cost_per_token_above_200k_tokens": 1.2e-5,
            "max_input_tokens": 1000000,
            "prompt_cache_min_tokens": 1024
        },
        "embed-model": {"mode": "embedding", "litellm_provider": "openai", "input_cost_per_token": 1e-7},
        "image-model": {"mode": "image_generation", "output_cost_per_image": 0.04}
    })
}

const PRICE_FIELDS: [&str; 9] = [
    "input_cost_per_token",
    "output_cost_per_token",
    "cache_read_input_token_cost",
    "cache_creation_input_token_cost",
    "input_cost_per_token_batches",
    "output_cost_per_token_batches",
    "output_cost_per_reasoning_token",
    "input_cost_per_token_above_200k_tokens",
    "output_cost_per_token_above_200k_tokens",
];

/// Imports `text`; an accepted table must account for every entry and load back from the RON
/// CostPlan writes. Returns the stats or the error.
fn import_round_trip(text: &str, label: &str) -> Result<costplan::model::prices::ImportStats, LoadError> {
    let r = std::panic::catch_unwind(|| {
        costplan::model::prices::import_litellm(&SourceFile::new("prices.json", text), "2026-11-29")
    })
    .unwrap_or_else(|_| panic!("{label}: panicked"));
    let (table, stats) = r?;
    let accounted = stats.chat + stats.embedding + stats.rejected.len() + stats.other_modes.values().sum::<usize>();
    assert_eq!(
        accounted, stats.entries,
        "{label}: every entry is imported, rejected or of another mode"
    );
    let ron = costplan::model::ron_io::to_ron_string(&table).unwrap();
    costplan::model::prices::PriceTable::from_ron(&SourceFile::new("out.ron", &ron))
        .unwrap_or_else(|e| panic!("{label}: the imported table does not load back: {e}\n{ron}"));
    Ok(stats)
}

#[test]
fn litellm_oddities_are_skipped_with_their_reason_and_the_written_table_always_loads() {
    let mut cases = 0;
    let bad_values: [(serde_json::Value, &str); 7] = [
        (serde_json::json!("0.000002"), "a string"),
        (serde_json::Value::Null, "null"),
        (serde_json::json!(-2e-6), "negative"),
        (serde_json::json!(1e300), "above the limit"),
        (serde_json::json!(true), "true/false"),
        (serde_json::json!([1]), "a list"),
        (serde_json::json!({"a": 1}), "an object"),
    ];
    for field in PRICE_FIELDS {
        for (value, reason) in &bad_values {
            cases += 1;
            let mut j = litellm_base();
            j["chat-model"][field] = value.clone();
            let label = format!("{field} = {value}");
            let stats = import_round_trip(&j.to_string(), &label).unwrap_or_else(|e| panic!("{label}: {e}"));
            let required = matches!(field, "input_cost_per_token" | "output_cost_per_token")
                || field == "input_cost_per_token_above_200k_tokens";
            if value.is_null() && !required {
                assert_eq!(stats.chat, 1, "{label}: a null optional price is no price");
                continue;
            }
            assert_eq!(stats.chat, 0, "{label}: the model is not imported with a made-up price");
            let (id, why) = &stats.rejected[0];
            assert_eq!(id, "chat-model");
            assert!(why.contains(field) && why.contains(reason), "{label}: {why}");
        }
    }
    // Tier thresholds that cannot be token counts are left out and reported, never wrapped.
    for threshold in ["18446744073709551616k", "99999999999999999k", "abc", "20000000"] {
        cases += 1;
        let mut j = litellm_base();
        j["chat-model"][format!("input_cost_per_token_above_{threshold}_tokens")] = serde_json::json!(3e-6);
        let stats = import_round_trip(&j.to_string(), threshold).unwrap();
        assert_eq!(stats.chat, 1);
        if threshold != "abc" {
            assert!(
                stats
                    .defaulted
                    .iter()
                    .any(|(id, what)| id == "chat-model" && what.contains("threshold")),
                "{threshold}: {:?}",
                stats.defaulted
            );
        }
    }
    // A missing output price of a chat model is a reason to skip it, not a free output.
    cases += 1;
    let mut j = litellm_base();
    j["chat-model"].as_object_mut().unwrap().remove("output_cost_per_token");
    let stats = import_round_trip(&j.to_string(), "no output price").unwrap();
    assert!(
        stats.rejected[0].1.contains("output_cost_per_token"),
        "{:?}",
        stats.rejected
    );
    // Whole-file oddities: refused with a position.
    let files: [(&str, &str); 8] = [
        ("{}", "no chat or embedding model"),
        ("[]", "expected a JSON object"),
        (
            "{\"a\": {\"mode\": \"chat\", \"input_cost_per_token\": 1e-6, \"input_cost_per_token\": 2e-6, \"output_cost_per_token\": 1e-6}}",
            "appears twice",
        ),
        (
            "{\"a\": {\"mode\": \"chat\", \"input_cost_per_token\": 1e-6, \"output_cost_per_token\": 1e-6}, \"a\": {}}",
            "appears twice",
        ),
        ("{\"a\": 1}", "no chat or embedding model"),
        (
            "{\"a\": {\"mode\": \"chat\", \"input_cost_per_token\": 1e-6, \"output_cost_per_token\": 1e-6}",
            "invalid JSON",
        ),
        ("nul", "invalid JSON"),
        (
            "{\"a\": {\"mode\": \"chat\", \"input_cost_per_token\": 1e999}}",
            "invalid JSON",
        ),
    ];
    for (text, msg) in files {
        cases += 1;
        let e = import_round_trip(text, text).expect_err(text);
        assert!(e.to_string().contains(msg), "{text}: {e}");
        assert!(e.diagnostics[0].line >= 1);
    }
    // Dates that are not dates.
    for date in ["", "2026-02-31", "2026-13-01", "yesterday", "2026-1-1"] {
        cases += 1;
        let text = litellm_base().to_string();
        let e = costplan::model::prices::import_litellm(&SourceFile::new("p.json", &text), date).unwrap_err();
        assert!(e.to_string().contains("YYYY-MM-DD"), "{date}: {e}");
    }
    // Truncations of the small list at every byte: errors, never panics.
    let text = litellm_base().to_string();
    for cut in 0..text.len() {
        cases += 1;
        assert!(
            import_round_trip(&text[..cut], &format!("cut at {cut}")).is_err(),
            "cut at {cut}"
        );
    }
    assert!(cases >= 300, "{cases}");
}

#[cfg(unix)]
#[test]
fn devices_fifos_folders_and_symlink_loops_are_refused_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("pipe.ron");
    assert!(
        std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap()
            .success()
    );
    let a = dir.path().join("a.ron");
    let b = dir.path().join("b.ron");
    std::os::unix::fs::symlink(&b, &a).unwrap();
    std::os::unix::fs::symlink(&a, &b).unwrap();
    let cases: [(&Path, &str); 4] = [
        (Path::new("/dev/zero"), "not a regular file"),
        (&fifo, "not a regular file"),
        (dir.path(), "folder"),
        (&a, ""),
    ];
    for (path, msg) in cases {
        let started = std::time::Instant::now();
        let e = costplan::cli::validate_file(path).unwrap_err();
        assert!(
            started.elapsed().as_secs_f64() < 5.0,
            "{}: took too long",
            path.display()
        );
        assert!(e.to_string().contains(msg), "{}: {e}", path.display());
        assert_eq!((e.diagnostics[0].line, e.diagnostics[0].col), (1, 1));
    }
}

/// A sample of the corpus through the binary: exit code 2 and `file:line:col:` messages.
#[test]
fn the_cli_exits_2_with_a_positioned_message_on_hostile_files() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("traffic")).unwrap();
    let traffic = std::fs::read_to_string(root().join("scenarios/traffic/support.ron")).unwrap();
    let lits = numeric_literals(&traffic);
    for (i, (a, b)) in lits.iter().step_by(6).enumerate() {
        let bad = HOSTILE_NUMBERS[i % HOSTILE_NUMBERS.len()];
        let p = dir.path().join("traffic/support.ron");
        std::fs::write(&p, format!("{}{bad}{}", &traffic[..*a], &traffic[*b..])).unwrap();
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_costplan"))
            .arg("validate")
            .arg(&p)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        let line = line_of(&traffic, *a);
        if out.status.code() == Some(0) {
            continue; // a valid value (e.g. 1e20 where any size is allowed is not among these fields)
        }
        assert_eq!(out.status.code(), Some(2), "{bad} at line {line}: {stderr}");
        assert!(
            stderr.contains(&format!("support.ron:{line}:")),
            "{bad} at line {line}: {stderr}"
        );
    }
}
