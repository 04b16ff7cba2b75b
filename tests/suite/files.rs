//! Every shipped file loads and validates; load → write RON → load round-trips.

use costplan::cli::validate_file;
use costplan::model::error::SourceFile;
use costplan::model::scenario::{DirFiles, Files};
use costplan::model::{PriceTable, Scenario, ScenarioFile, TrafficProfile, load_scenario_path};

use crate::common::{ron_files, root};

#[test]
fn every_shipped_file_validates() {
    let mut files = ron_files("scenarios");
    files.extend(ron_files("assets"));
    assert!(
        files.len() >= 9,
        "expected the shipped scenarios, traffic profiles and prices, found {files:?}"
    );
    for f in files {
        if let Err(e) = validate_file(&f) {
            panic!("{} does not validate:\n{e}", f.display());
        }
    }
}

#[test]
fn at_least_four_scenarios_with_baseline_and_two_candidates() {
    let scenarios: Vec<_> = ron_files("scenarios")
        .into_iter()
        .filter(|p| p.parent().unwrap().ends_with("scenarios"))
        .collect();
    assert!(scenarios.len() >= 4);
    for p in scenarios {
        let s = load_scenario_path(&p).unwrap();
        assert!(
            s.policies.len() >= 3,
            "{}: needs a baseline and two candidates",
            p.display()
        );
        let text = std::fs::read_to_string(&p).unwrap();
        assert!(text.starts_with("//"), "{}: needs a comment header", p.display());
    }
}

#[test]
fn bundled_price_table_covers_providers_and_an_embedding_model() {
    let text = std::fs::read_to_string(root().join("assets/prices/default.ron")).unwrap();
    let t = PriceTable::from_ron(&SourceFile::new("default.ron", &text)).unwrap();
    let chat = t
        .models
        .values()
        .filter(|m| m.kind == costplan::model::prices::ModelKind::Chat)
        .count();
    let providers: std::collections::BTreeSet<_> = t.models.values().map(|m| m.provider.clone()).collect();
    assert!(chat >= 12, "{chat} chat models");
    assert!(providers.len() >= 3, "{providers:?}");
    assert!(
        t.models
            .values()
            .any(|m| m.kind == costplan::model::prices::ModelKind::Embedding)
    );
    assert!(t.models.values().all(|m| !m.as_of.is_empty() && !m.source.is_empty()));
}

#[test]
fn bundled_default_scenario_loads_without_disk() {
    let s = Scenario::bundled_default().unwrap();
    assert_eq!(s.file.name, "Support assistant");
    let from_disk = load_scenario_path(&root().join("scenarios/support-assistant.ron")).unwrap();
    assert_eq!(s.traffic, from_disk.traffic);
    assert_eq!(s.prices, from_disk.prices);
}

#[test]
fn round_trip_every_shipped_file() {
    for f in ron_files("scenarios").into_iter().chain(ron_files("assets")) {
        let text = std::fs::read_to_string(&f).unwrap();
        let name = f.display().to_string();
        let src = SourceFile::new(&name, &text);
        match costplan::model::scenario::detect_kind(&f, &text) {
            costplan::model::scenario::FileKind::Scenario => {
                let a = load_scenario_path(&f).unwrap();
                let written = a.to_ron().unwrap();
                let b = Scenario::from_str(&written, &name, f.parent()).unwrap();
                assert_eq!(a.file, b.file, "{name}");
                assert_eq!(a.policies, b.policies, "{name}");
                assert_eq!(a.traffic, b.traffic, "{name}");
                // The written text parses as the same raw file too.
                let raw: ScenarioFile = costplan::model::ron_io::parse_ron(&SourceFile::new(&name, &written)).unwrap();
                assert_eq!(raw, a.file);
            }
            costplan::model::scenario::FileKind::Traffic => {
                let a = TrafficProfile::from_ron(&src).unwrap();
                let written = costplan::model::ron_io::to_ron_string(&a).unwrap();
                let b = TrafficProfile::from_ron(&SourceFile::new(&name, &written)).unwrap();
                assert_eq!(a, b, "{name}");
            }
            costplan::model::scenario::FileKind::Prices => {
                let a = PriceTable::from_ron(&src).unwrap();
                let written = costplan::model::ron_io::to_ron_string(&a).unwrap();
                let b = PriceTable::from_ron(&SourceFile::new(&name, &written)).unwrap();
                assert_eq!(a, b, "{name}");
            }
            costplan::model::scenario::FileKind::Policy => {}
        }
    }
}

#[test]
fn relative_paths_resolve_against_the_referring_file() {
    let files = DirFiles(root().join("scenarios"));
    let (name, text) = files.read("traffic/support.ron").unwrap();
    assert!(name.ends_with("traffic/support.ron"));
    assert!(text.contains("format_version"));
    // Loading from another working directory still works: paths are relative to the file.
    let s = load_scenario_path(&root().join("scenarios/rag-docs.ron")).unwrap();
    assert_eq!(s.traffic.classes.len(), 3);
}

#[test]
fn policy_files_load_and_can_be_referenced() {
    let dir = tempfile::tempdir().unwrap();
    let policy = r#"(format_version: 1, name: "from-file", version: "3", router: Fixed("sonnet"), max_retries: 1)"#;
    std::fs::write(dir.path().join("v3.ron"), policy).unwrap();
    let scn = std::fs::read_to_string(root().join("scenarios/support-assistant.ron"))
        .unwrap()
        .replace(
            "File(\"../assets/prices/default.ron\")",
            &format!(
                "File({:?})",
                root().join("assets/prices/default.ron").display().to_string()
            ),
        )
        .replace(
            "File(\"traffic/support.ron\")",
            &format!(
                "File({:?})",
                root().join("scenarios/traffic/support.ron").display().to_string()
            ),
        )
        .replace("policies: [", "policies: [\n        File(\"v3.ron\"),");
    std::fs::write(dir.path().join("s.ron"), scn).unwrap();
    let s = load_scenario_path(&dir.path().join("s.ron")).unwrap();
    assert!(s.policies.iter().any(|p| p.name == "from-file" && p.version == "3"));
}

/// Lines that differ between two texts of the same length in lines (`None` if the line counts
/// differ).
fn changed_lines(a: &str, b: &str) -> Option<Vec<(String, String)>> {
    let (la, lb): (Vec<&str>, Vec<&str>) = (a.lines().collect(), b.lines().collect());
    (la.len() == lb.len()).then(|| {
        la.iter()
            .zip(&lb)
            .filter(|(x, y)| x != y)
            .map(|(x, y)| (x.to_string(), y.to_string()))
            .collect()
    })
}

/// A temporary folder holding the support scenario with its traffic and price table, laid out
/// as in the repository.
fn support_scenario_copy() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let root = crate::common::root();
    std::fs::create_dir_all(dir.path().join("scenarios/traffic")).unwrap();
    std::fs::create_dir_all(dir.path().join("assets/prices")).unwrap();
    for rel in [
        "scenarios/support-assistant.ron",
        "scenarios/traffic/support.ron",
        "assets/prices/default.ron",
    ] {
        std::fs::copy(root.join(rel), dir.path().join(rel)).unwrap();
    }
    dir
}

#[test]
fn saving_an_edit_changes_only_that_value_and_keeps_every_comment() {
    let dir = support_scenario_copy();
    let path = dir.path().join("scenarios/support-assistant.ron");
    let traffic_path = dir.path().join("scenarios/traffic/support.ron");
    let (before, traffic_before) = (
        std::fs::read_to_string(&path).unwrap(),
        std::fs::read_to_string(&traffic_path).unwrap(),
    );
    let mut s = costplan::model::load_scenario_path(&path).unwrap();
    s.file.runs = 150;
    s.traffic.classes[0].shared_prefix_tokens = 2000;
    let s = s.validate_edited().unwrap();
    for (p, text) in s.texts_to_write(&path).unwrap() {
        std::fs::write(p, text).unwrap();
    }
    let (after, traffic_after) = (
        std::fs::read_to_string(&path).unwrap(),
        std::fs::read_to_string(&traffic_path).unwrap(),
    );
    assert_eq!(
        changed_lines(&before, &after).unwrap(),
        vec![("    runs: 200,".to_string(), "    runs: 150,".to_string())],
        "{after}"
    );
    let t = changed_lines(&traffic_before, &traffic_after).unwrap();
    assert_eq!(t.len(), 1, "{t:?}");
    assert!(t[0].0.contains("1800") && t[0].1.contains("2000") && t[0].1.replace("2000", "1800") == t[0].0);
    // And it loads back with the edits.
    let back = costplan::model::load_scenario_path(&path).unwrap();
    assert_eq!(back.file.runs, 150);
    assert_eq!(back.traffic.classes[0].shared_prefix_tokens, 2000);
    // Saving without an edit writes the files unchanged.
    for (p, text) in back.texts_to_write(&path).unwrap() {
        assert_eq!(std::fs::read_to_string(&p).unwrap(), text, "{}", p.display());
    }
}

/// A new policy version (a structural edit) saves as added lines only: the untouched policies,
/// their comments and layout stay as written (issue 24, item 6).
#[test]
fn saving_a_new_policy_version_only_adds_its_lines() {
    let dir = support_scenario_copy();
    let path = dir.path().join("scenarios/support-assistant.ron");
    let before = std::fs::read_to_string(&path).unwrap();
    let mut s = costplan::model::load_scenario_path(&path).unwrap();
    let mut v2 = s.policies[1].clone();
    v2.name = "sonnet-cached-v2".to_string();
    s.push_policy(v2).unwrap();
    let s = s.validate_edited().unwrap();
    for (p, text) in s.texts_to_write(&path).unwrap() {
        std::fs::write(p, text).unwrap();
    }
    let after = std::fs::read_to_string(&path).unwrap();
    let (b, a): (Vec<&str>, Vec<&str>) = (before.lines().collect(), after.lines().collect());
    // Every line of the file before is still there, in order; only lines were added.
    let mut at = 0;
    for line in &b {
        let found = a[at..].iter().position(|l| l == line);
        assert!(found.is_some(), "the line {line:?} changed or moved:\n{after}");
        at += found.unwrap() + 1;
    }
    assert!(a.len() > b.len() && after.contains("sonnet-cached-v2"), "{after}");
    let back = costplan::model::load_scenario_path(&path).unwrap();
    assert_eq!(back.policies.len(), s.policies.len());
    assert_eq!(back.policies.last().unwrap().name, "sonnet-cached-v2");
}

/// One loader for every front end: a file is read once, its kind told from its content, and it
/// loads as that kind; a file of another kind given where a policy is wanted says what it is.
#[test]
fn load_any_reads_each_kind_once_and_says_what_a_file_is() {
    use costplan::model::scenario::{AnyFile, load_any};
    let root = crate::common::root();
    let dir = tempfile::tempdir().unwrap();
    let policy = dir.path().join("v3.ron");
    std::fs::write(
        &policy,
        "(format_version: 1, name: \"v3\", version: \"3\", router: Fixed(\"sonnet\"))",
    )
    .unwrap();
    let cases = [
        (root.join("scenarios/support-assistant.ron"), "scenario"),
        (root.join("scenarios/traffic/support.ron"), "traffic profile"),
        (root.join("assets/prices/default.ron"), "price table"),
        (crate::common::litellm_json(), "price table"),
        (policy.clone(), "policy"),
    ];
    for (path, kind) in &cases {
        let f = load_any(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        assert_eq!(f.kind_name(), *kind, "{}", path.display());
        if let AnyFile::Prices(_, stats) = &f {
            assert_eq!(stats.is_some(), path.extension().is_some_and(|e| e == "json"));
        }
    }
    // A missing file is a positioned error naming it.
    let e = load_any(&dir.path().join("gone.ron")).unwrap_err().to_string();
    assert!(e.contains("gone.ron:1:1: cannot read"), "{e}");
    // `compare` with a traffic profile where a policy belongs says what it was given.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_costplan"))
        .current_dir(&root)
        .args([
            "compare",
            "scenarios/support-assistant.ron:sonnet-only",
            "scenarios/traffic/support.ron",
            "--runs",
            "2",
        ])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("a traffic profile, not a policy"), "{err}");
}
