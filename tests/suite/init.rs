//! `costplan init --from-logs` (issue 22, item 9): a complete, valid scenario drafted from logs —
//! one model per logged model (dated snapshots priced as their model), the observed routing as
//! the baseline, assumptions named — that backtests against the same logs.

use std::process::Command;

use costplan::logs::synth::{SynthFormat, SynthSpec, generate, write};
use costplan::model::policy::{Condition, Router, Rule};

fn costplan() -> Command {
    Command::new(env!("CARGO_BIN_EXE_costplan"))
}

/// Two products' logs in one folder: a support bot on gpt-4o-mini (LiteLLM CSV) and a code
/// reviewer on a dated Claude Sonnet 4.5 snapshot (LiteLLM JSON), each class tagged.
fn two_products(dir: &std::path::Path) -> (std::path::PathBuf, std::path::PathBuf) {
    let a = SynthSpec::example(200.0);
    let mut b = SynthSpec::example(80.0);
    b.model = "claude-sonnet-4-5-20250929".into();
    (b.input_usd_per_mtok, b.output_usd_per_mtok) = (3.0, 15.0);
    b.classes[0].name = "review".into();
    b.classes[1].name = "triage".into();
    b.seed = 99;
    let pa = dir.join("support.csv");
    let pb = dir.join("review.json");
    std::fs::write(&pa, write(&a, &generate(&a), SynthFormat::LiteLlmCsv)).unwrap();
    // Its own session ids (both generators count sessions from 1).
    let text = write(&b, &generate(&b), SynthFormat::LiteLlmJson).replace(r#""session_id":"s-"#, r#""session_id":"b-"#);
    std::fs::write(&pb, text).unwrap();
    (pa, pb)
}

#[test]
fn a_scenario_drafted_from_logs_is_valid_and_backtests_against_them() {
    let dir = tempfile::tempdir().unwrap();
    let (pa, pb) = two_products(dir.path());
    let plan = dir.path().join("plan.ron");
    let out = costplan()
        .args(["init", "--class-by", "tag", "--from-logs"])
        .args([&pa, &pb])
        .arg("-o")
        .arg(&plan)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(stderr.contains("2 models, 4 classes"), "{stderr}");
    let text = std::fs::read_to_string(&plan).unwrap();
    // The dated snapshot is priced as its model, the reviewer's classes routed to it by rule.
    assert!(
        text.contains(r#"model "claude-sonnet-4-5-20250929" in the logs is a dated snapshot"#),
        "{text}"
    );
    let scn = costplan::model::scenario::load_scenario_path(&plan).unwrap();
    let rule = |c: &str| Rule {
        when: Condition::Class(c.into()),
        model: "claude-sonnet-4-5".into(),
    };
    assert_eq!(
        scn.policies[scn.baseline].router,
        Some(Router::Rules {
            rules: vec![rule("review"), rule("triage")],
            default: "gpt-4o-mini".into()
        })
    );
    assert_eq!(scn.file.models["claude-sonnet-4-5"].price_key, "claude-sonnet-4-5");
    assert!(
        text.contains("sends 100.0% of the logged calls where they went"),
        "{text}"
    );
    assert!(text.contains("ASSUMED — success rates"), "{text}");
    assert!(dir.path().join("plan-traffic.ron").is_file() && dir.path().join("prices.ron").is_file());
    // It loads as it is, and its baseline reproduces the logs' spend.
    let v = costplan().arg("validate").arg(&plan).output().unwrap();
    assert!(v.status.success(), "{}", String::from_utf8_lossy(&v.stdout));
    let bt = costplan()
        .arg("backtest")
        .arg(&plan)
        .args(["--runs", "40", "--json", "--actual"])
        .args([&pa, &pb])
        .output()
        .unwrap();
    assert!(bt.status.success(), "{}", String::from_utf8_lossy(&bt.stderr));
    let j: serde_json::Value = serde_json::from_slice(&bt.stdout).unwrap();
    let spend = &j["spend_usd"];
    assert_eq!(spend["inside"], true, "{spend}");
    assert!(spend["error"].as_f64().unwrap().abs() < 0.05, "{spend}");
    assert_eq!(j["requests"]["inside"], true, "{}", j["requests"]);
    assert!(
        j["unknown_models"].as_array().is_none_or(Vec::is_empty),
        "{}",
        j["unknown_models"]
    );
    // A second draft beside the first reuses the identical price table.
    let again = costplan()
        .args(["init", "--from-logs"])
        .arg(&pa)
        .arg("-o")
        .arg(dir.path().join("support-only.ron"))
        .output()
        .unwrap();
    assert!(again.status.success(), "{}", String::from_utf8_lossy(&again.stderr));
    let scn = costplan::model::scenario::load_scenario_path(&dir.path().join("support-only.ron")).unwrap();
    assert_eq!(scn.policies[0].router, Some(Router::Fixed("gpt-4o-mini".into())));
}

/// `costplan init --from-logs LOGS -o PLAN`, which must refuse (exit 2): its message.
fn refused(logs: &std::path::Path, plan: &std::path::Path) -> String {
    let out = costplan()
        .args(["init", "--from-logs"])
        .arg(logs)
        .arg("-o")
        .arg(plan)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn a_model_the_price_table_lacks_or_a_foreign_price_table_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = SynthSpec::example(50.0);
    s.days = 5;
    s.model = "acme-finetune-v3".into();
    let logs = dir.path().join("logs.csv");
    std::fs::write(&logs, write(&s, &generate(&s), SynthFormat::LiteLlmCsv)).unwrap();
    let plan = dir.path().join("plan.ron");
    let e = refused(&logs, &plan);
    assert!(
        e.contains(r#"no price for "acme-finetune-v3""#) && e.contains("--prices"),
        "{e}"
    );
    assert!(e.contains("nothing written"), "{e}");
    let written: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(written, [std::ffi::OsString::from("logs.csv")]);
    // A different prices.ron beside the scenario is not overwritten.
    std::fs::write(dir.path().join("prices.ron"), "// mine\n").unwrap();
    s.model = "gpt-4o-mini".into();
    std::fs::write(&logs, write(&s, &generate(&s), SynthFormat::LiteLlmCsv)).unwrap();
    let e = refused(&logs, &plan);
    assert!(e.contains("a different price table is already there"), "{e}");
    assert_eq!(
        std::fs::read_to_string(dir.path().join("prices.ron")).unwrap(),
        "// mine\n"
    );
    assert!(!plan.exists());
}
