//! The command line end to end: exit codes, messages, JSON keys, determinism across threads.

use std::process::Command;

use crate::common::{litellm_json, root};

fn costplan() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_costplan"));
    c.current_dir(root());
    c
}

#[test]
fn validate_accepts_shipped_files_and_rejects_bad_ones() {
    let ok = costplan()
        .args([
            "validate",
            "scenarios/support-assistant.ron",
            "assets/prices/default.ron",
        ])
        .output()
        .unwrap();
    assert_eq!(ok.status.code(), Some(0), "{}", String::from_utf8_lossy(&ok.stderr));
    let bad = costplan()
        .args(["validate", "tests/bad/probability-above-one.ron"])
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2));
    let err = String::from_utf8_lossy(&bad.stderr);
    assert!(
        err.contains(
            "tests/bad/probability-above-one.ron:11:13: classes[0].share: expected a probability in [0, 1], found 1.2"
        ),
        "{err}"
    );
}

#[test]
fn prices_import_writes_per_million_prices() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("p.ron");
    let o = costplan()
        .args(["prices", "import"])
        .arg(litellm_json())
        .args(["--models", "gpt-4o,claude-sonnet-4-5", "-o"])
        .arg(&out)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));
    let text = std::fs::read_to_string(&out).unwrap();
    let t = costplan::model::PriceTable::from_ron(&costplan::model::SourceFile::new("p.ron", &text)).unwrap();
    let g = &t.models["gpt-4o"];
    assert_eq!(g.input_usd_per_mtok.get(), 2.5);
    assert_eq!(g.output_usd_per_mtok.get(), 10.0);
    assert_eq!(g.cache_read_usd_per_mtok.unwrap().get(), 1.25);
    assert_eq!(t.models.len(), 2);
    let missing = costplan()
        .args(["prices", "import"])
        .arg(litellm_json())
        .args(["--models", "gpt-17"])
        .output()
        .unwrap();
    assert_eq!(missing.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("gpt-17"));
}

fn simulate_json(threads: &str) -> serde_json::Value {
    let o = costplan()
        .args(["simulate", "scenarios/rag-docs.ron", "--runs", "3", "--json"])
        .env("RAYON_NUM_THREADS", threads)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));
    serde_json::from_slice(&o.stdout).unwrap()
}

#[test]
fn simulate_json_has_the_documented_keys_and_is_thread_independent() {
    let mut a = simulate_json("1");
    let mut b = simulate_json("2");
    assert_eq!(a["engine"]["threads"], 1);
    assert_eq!(b["engine"]["threads"], 2);
    assert!(a["engine"]["tasks_simulated"].as_u64().unwrap() > 0);
    assert!(a["engine"]["wall_seconds"].as_f64().is_some());
    let p0 = &a["policies"][0];
    assert_eq!(p0["name"], "gpt-4.1");
    assert_eq!(p0["is_baseline"], true);
    for k in [
        "cost_total_usd",
        "cost_per_request_usd",
        "cost_per_success_usd",
        "success_rate",
        "token_efficiency",
        "latency_p95_ms",
    ] {
        for s in ["mean", "p5", "p50", "p95"] {
            assert!(p0["metrics"][k][s].is_number(), "{k}.{s}");
        }
        for s in ["mean", "p5", "p95", "p_better"] {
            assert!(a["policies"][1]["delta_vs_baseline"][k][s].is_number(), "delta {k}.{s}");
        }
    }
    let shapley = &a["policies"][1]["savings_by_tactic"]["shapley"][0];
    for k in ["tactic", "mean_usd", "p5_usd", "p95_usd"] {
        assert!(!shapley[k].is_null(), "{k}");
    }
    // Everything but the wall clock and the thread count is identical.
    for v in [&mut a, &mut b] {
        v["engine"]["wall_seconds"] = 0.into();
        v["engine"]["threads"] = 0.into();
    }
    assert_eq!(a, b);
}

#[test]
fn simulate_prints_a_table_and_rejects_unknown_policies() {
    let o = costplan()
        .args(["simulate", "scenarios/coding-assistant.ron", "--runs", "2"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0));
    let out = String::from_utf8_lossy(&o.stdout);
    for s in [
        "pro-only (baseline)",
        "cost / success",
        "Against the baseline",
        "Savings by tactic, cap-190k",
    ] {
        assert!(out.contains(s), "missing {s:?} in\n{out}");
    }
    let bad = costplan()
        .args(["simulate", "scenarios/coding-assistant.ron", "--policy", "nope"])
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2));
    let missing = costplan().args(["simulate", "scenarios/missing.ron"]).output().unwrap();
    assert_eq!(missing.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("missing.ron:1:1"));
}

#[test]
fn compare_two_policy_versions_lists_changes_and_paired_deltas() {
    let o = costplan()
        .args([
            "compare",
            "scenarios/support-assistant.ron:sonnet-only",
            "scenarios/support-assistant.ron:sonnet-cached",
            "--runs",
            "3",
        ])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(out.contains("exact_cache     A: off"), "{out}");
    assert!(
        out.contains("B: (hit_given_repeat: Beta(0.85, 0.05), latency_ms: 5.0)"),
        "{out}"
    );
    assert!(out.contains("Cost per successful outcome"));
    // A policy file from elsewhere, compared on the first file's traffic.
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("v2.ron");
    std::fs::write(
        &p,
        r#"(format_version: 1, name: "haiku-only", version: "2", router: Fixed("haiku"))"#,
    )
    .unwrap();
    let o = costplan()
        .args(["compare", "scenarios/support-assistant.ron:sonnet-only"])
        .arg(&p)
        .args(["--runs", "2", "--json"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["changed"][0]["tactic"], "router");
    assert_eq!(v["results"]["policies"][1]["name"], "haiku-only");
    assert!(
        v["results"]["policies"][1]["delta_vs_baseline"]["cost_total_usd"]["mean"]
            .as_f64()
            .unwrap()
            < 0.0
    );
    let bad = costplan()
        .args([
            "compare",
            "scenarios/support-assistant.ron:nope",
            "scenarios/support-assistant.ron:sonnet-only",
        ])
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2));
}

#[test]
fn a_closed_pipe_ends_quietly_and_a_full_disk_is_an_error() {
    use std::io::{BufRead, BufReader};
    use std::process::Stdio;
    let mut child = costplan()
        // 84 KB of JSON: more than a pipe holds, so the writer meets the closed pipe.
        .args(["simulate", "scenarios/batch-extraction.ron", "--runs", "2", "--json"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    // The reader is dropped here: the rest of the output goes to a closed pipe.
    let out = child.wait_with_output().unwrap();
    assert_eq!(first.trim(), "{");
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(out.stderr.is_empty(), "{}", String::from_utf8_lossy(&out.stderr));
    if std::path::Path::new("/dev/full").exists() {
        let full = std::fs::OpenOptions::new().write(true).open("/dev/full").unwrap();
        let out = costplan()
            .args(["simulate", "scenarios/rag-docs.ron", "--runs", "2", "--no-attribution"])
            .stdout(full)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1));
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("writing to standard output"), "{err}");
        assert!(!err.contains("panicked"), "{err}");
    }
}

#[test]
fn zero_runs_and_impossible_dates_are_refused() {
    let out = costplan()
        .args(["simulate", "scenarios/rag-docs.ron", "--runs", "0"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--runs"));
    assert!(!costplan::model::prices::is_iso_date("2026-02-31"));
    assert!(!costplan::model::prices::is_iso_date("2026-02-29"));
    assert!(costplan::model::prices::is_iso_date("2028-02-29"));
    assert!(!costplan::model::prices::is_iso_date("2026-13-01"));
}

#[test]
fn devices_fifos_and_folders_are_refused_at_once() {
    let started = std::time::Instant::now();
    for path in ["/dev/zero", "/dev/null", "scenarios"] {
        let out = costplan().args(["validate", path]).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{path}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("CostPlan reads regular files"), "{path}: {err}");
    }
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("pipe.ron");
    if std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .is_ok_and(|s| s.success())
    {
        let out = costplan().arg("validate").arg(&fifo).output().unwrap();
        assert_eq!(out.status.code(), Some(2));
        assert!(String::from_utf8_lossy(&out.stderr).contains("not a regular file"));
    }
    assert!(
        started.elapsed() < std::time::Duration::from_secs(30),
        "nothing blocks or reads forever"
    );
}

#[test]
fn work_that_would_take_hours_is_estimated_and_refused_up_front() {
    let started = std::time::Instant::now();
    let out = costplan()
        .args([
            "simulate",
            "scenarios/support-assistant.ron",
            "--engine",
            "exact",
            "--runs",
            "100000",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("task simulations") && err.contains("--force") && err.contains("--engine sampled"),
        "{err}"
    );
    assert!(
        started.elapsed() < std::time::Duration::from_secs(30),
        "refused before running"
    );
    // The same study on the sampled engine is within the limit.
    let w = costplan::sim::results::estimate_work(
        &costplan::model::load_scenario_path(&crate::common::root().join("scenarios/support-assistant.ron")).unwrap(),
        &costplan::sim::results::SimOptions {
            runs: Some(200),
            ..Default::default()
        },
    );
    assert!(w.task_simulations > 3e8 && w.task_simulations < 5e8, "{w:?}");
}

#[test]
fn a_byte_order_mark_is_accepted() {
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(crate::common::root().join("scenarios/traffic/support.ron")).unwrap();
    let p = dir.path().join("bom.ron");
    std::fs::write(&p, format!("\u{feff}{text}")).unwrap();
    let out = costplan().arg("validate").arg(&p).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("traffic profile"));
}

#[test]
fn runs_that_would_need_too_much_memory_are_refused_up_front_with_the_estimate() {
    use costplan::sim::results::{SimOptions, estimate_work};
    let path = crate::common::root().join("scenarios/support-assistant.ron");
    let scn = costplan::model::load_scenario_path(&path).unwrap();
    let at = |runs| {
        estimate_work(
            &scn,
            &SimOptions {
                runs: Some(runs),
                ..Default::default()
            },
        )
    };
    let (a, b) = (at(1000), at(2000));
    assert!(
        (b.memory_bytes / a.memory_bytes - 2.0).abs() < 1e-9,
        "memory grows with the runs kept"
    );
    assert!(a.memory_bytes > 1e6 && a.memory_bytes < 1e8, "{a:?}");
    // A 10-year horizon at 100,000 runs: many GB, refused with the estimate and suggestions.
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(&path)
        .unwrap()
        .replace("horizon_days: 30", "horizon_days: 3650")
        .replace("\"traffic/", "\"TRAFFIC/")
        .replace("\"../assets/", "\"ASSETS/");
    let text = text
        .replace(
            "TRAFFIC/",
            &format!("{}/scenarios/traffic/", crate::common::root().display()),
        )
        .replace("ASSETS/", &format!("{}/assets/", crate::common::root().display()));
    let long = dir.path().join("long.ron");
    std::fs::write(&long, text).unwrap();
    let out = costplan()
        .args([
            "simulate",
            "--engine",
            "sampled",
            "--no-attribution",
            "--runs",
            "100000",
        ])
        .arg(&long)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("GB of memory") && stderr.contains("--force"),
        "{stderr}"
    );
}

/// A quick sweep of the support scenario's learned router (3 points, 6 runs, a small sample),
/// with `extra` arguments.
fn quick_sweep(extra: &[&str]) -> Command {
    let mut c = costplan();
    c.args(["sweep"])
        .arg(crate::common::root().join("scenarios/support-assistant.ron"))
        .args(["--policy", "learned-router", "--set", "router.strong_share=0.2..0.6:3"])
        .args(["--runs", "6", "--engine", "sampled", "--sample-per-day", "300"])
        .args(extra);
    c
}

#[test]
fn sweep_prints_the_frontier_and_the_goal_seek_answer() {
    let path = crate::common::root().join("scenarios/support-assistant.ron");
    let out = quick_sweep(&[]).output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(
        stdout.contains("Sweep of router.strong_share on learned-router"),
        "{stdout}"
    );
    // Three grid settings, and the answer bisection found between two of them (marked).
    let rows = stdout.lines().filter(|l| l.contains(" of runs ")).count();
    assert!(rows == 3 || rows == 4, "{stdout}");
    assert!(stdout.lines().filter(|l| l.contains(" ← ")).count() <= 1, "{stdout}");
    assert!(
        stdout.contains("Cheapest setting") || stdout.contains("No setting"),
        "{stdout}"
    );
    let bad = costplan()
        .args(["sweep"])
        .arg(&path)
        .args([
            "--policy",
            "sonnet-only",
            "--set",
            "router.strong_share=0.2..0.6:3",
            "--runs",
            "2",
        ])
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("has no learned router"));
}

#[test]
fn sweep_writes_an_html_report_and_seeks_the_best_quality_within_a_budget() {
    let path = crate::common::root().join("scenarios/support-assistant.ron");
    let dir = tempfile::tempdir().unwrap();
    let html = dir.path().join("sweep.html");
    let out = quick_sweep(&["--within-budget", "1e9", "--bisect", "1", "--report"])
        .arg(&html)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    // Any setting fits a billion dollars: the best quality is the largest strong share.
    assert!(
        stdout.contains("Best success rate whose spend over the horizon stays within $1,000,000,000"),
        "{stdout}"
    );
    assert!(stdout.contains("router.strong_share = 0.6"), "{stdout}");
    let page = std::fs::read_to_string(&html).unwrap();
    assert!(
        page.contains("<h2>The frontier</h2>") && page.contains("<svg"),
        "{page}"
    );
    assert!(page.contains("spend within $1,000,000,000"));
    for bad in [["--within-budget", "-5"], ["--confidence", "1.5"]] {
        let out = costplan()
            .args(["sweep"])
            .arg(&path)
            .args(["--policy", "learned-router", "--set", "router.strong_share=0.2..0.6:3"])
            .args(bad)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{bad:?}");
    }
    let out = costplan()
        .args(["simulate"])
        .arg(&path)
        .args(["--budget-risk", "1.5"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("above 0 and below 1"));
}

#[test]
fn traffic_fit_and_backtest_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let logs = dir.path().join("spend-logs.csv");
    let out = costplan()
        .args([
            "traffic",
            "synth",
            "--format",
            "litellm-csv",
            "--tasks-per-day",
            "60",
            "--days",
            "21",
            "-o",
        ])
        .arg(&logs)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let traffic = dir.path().join("traffic.ron");
    let out = costplan()
        .args(["traffic", "fit"])
        .arg(&logs)
        .args(["--owner-by", "team", "-o"])
        .arg(&traffic)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stderr.contains("2 classes by tag") && stderr.contains("(21 days)"),
        "{stderr}"
    );
    let text = std::fs::read_to_string(&traffic).unwrap();
    assert!(text.contains("owner: \"support\""), "{text}");
    // The fitted profile is a valid CostPlan file.
    let ok = costplan().args(["validate"]).arg(&traffic).output().unwrap();
    assert!(ok.status.success(), "{}", String::from_utf8_lossy(&ok.stdout));
    // The shipped example's scenario, pointed at this traffic, backtests against these logs.
    let scn = std::fs::read_to_string(crate::common::root().join("scenarios/from-logs/scenario.ron"))
        .unwrap()
        .replace(
            "../../assets",
            &crate::common::root().join("assets").display().to_string(),
        );
    std::fs::write(dir.path().join("scenario.ron"), scn).unwrap();
    let html = dir.path().join("backtest.html");
    let out = costplan()
        .args(["backtest"])
        .arg(dir.path().join("scenario.ron"))
        .args(["--runs", "20", "--json", "--actual"])
        .arg(&logs)
        .args(["--report"])
        .arg(&html)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["days"], 21);
    assert_eq!(v["daily"].as_array().unwrap().len(), 21);
    assert!(v["spend_usd"]["actual"].as_f64().unwrap() > 0.0);
    assert!(std::fs::read_to_string(&html).unwrap().contains("<h2>Daily spend</h2>"));
    // Not a log file: exit 2 with the file named; a missing one: exit 1.
    let out = costplan()
        .args(["traffic", "fit"])
        .arg(&traffic)
        .args(["-o"])
        .arg(dir.path().join("x.ron"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot tell which log format"));
    let out = costplan()
        .args(["traffic", "fit", "no-such.csv", "-o"])
        .arg(dir.path().join("x.ron"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no-such.csv"));
}

/// The same fault gives the same exit code: an output that cannot be written (its folder does
/// not exist) is a failed I/O operation, exit 1, for every command that writes a file, and is
/// refused before any work.
#[test]
fn an_unwritable_output_is_exit_1_for_every_command() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("no-such-folder");
    let logs = "scenarios/from-logs/spend-logs.csv";
    let cases: Vec<(&str, Vec<std::ffi::OsString>)> = vec![
        (
            "report",
            vec![
                "report".into(),
                "scenarios/rag-docs.ron".into(),
                "--runs".into(),
                "2".into(),
                "-o".into(),
                missing.join("r.html").into(),
            ],
        ),
        (
            "traffic fit",
            vec![
                "traffic".into(),
                "fit".into(),
                logs.into(),
                "-o".into(),
                missing.join("t.ron").into(),
            ],
        ),
        (
            "traffic synth",
            vec![
                "traffic".into(),
                "synth".into(),
                "--format".into(),
                "litellm-csv".into(),
                "--days".into(),
                "1".into(),
                "-o".into(),
                missing.join("s.csv").into(),
            ],
        ),
        (
            "sweep",
            vec![
                "sweep".into(),
                "scenarios/support-assistant.ron".into(),
                "--policy".into(),
                "learned-router".into(),
                "--set".into(),
                "router.strong_share=0.2..0.5:2".into(),
                "--runs".into(),
                "2".into(),
                "--report".into(),
                missing.join("s.html").into(),
            ],
        ),
        (
            "backtest",
            vec![
                "backtest".into(),
                "scenarios/from-logs/scenario.ron".into(),
                "--actual".into(),
                logs.into(),
                "--runs".into(),
                "2".into(),
                "--report".into(),
                missing.join("b.html").into(),
            ],
        ),
        (
            "prices import",
            vec![
                "prices".into(),
                "import".into(),
                litellm_json().into(),
                "-o".into(),
                missing.join("p.ron").into(),
            ],
        ),
    ];
    for (what, args) in cases {
        let out = costplan().args(&args).output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{what}: {err}");
        assert!(err.contains("no-such-folder"), "{what}: {err}");
    }
}

/// One failure type, one place that picks the exit code: a failure wrapped in context keeps its
/// kind, a closed pipe ends quietly, anything else is a failed run (1) with its causes.
#[test]
fn failures_map_to_exit_codes_in_one_place() {
    use costplan::exit::{FAILURE, Failure, INVALID, SUCCESS};
    let invalid: anyhow::Error = Failure::Invalid("a.ron:1:1: bad".into()).into();
    let f = Failure::from(invalid.context("while loading"));
    assert_eq!(f.exit_code(), INVALID);
    assert_eq!(f.to_string(), "a.ron:1:1: bad");

    let pipe = std::io::Error::new(std::io::ErrorKind::BrokenPipe, "gone");
    let f = Failure::from(anyhow::Error::from(pipe).context("writing to standard output"));
    assert!(matches!(f, Failure::BrokenPipe));
    assert_eq!(f.exit_code(), SUCCESS);

    let full = std::io::Error::new(std::io::ErrorKind::StorageFull, "disk full");
    let f = Failure::from(anyhow::Error::from(full).context("writing to standard output"));
    assert_eq!(f.exit_code(), FAILURE);
    assert_eq!(f.to_string(), "error: writing to standard output: disk full");

    let usage = <costplan::cli::Cli as clap::Parser>::try_parse_from(["costplan", "simulate"]).unwrap_err();
    assert_eq!(Failure::Usage(usage).exit_code(), INVALID);
    let help = <costplan::cli::Cli as clap::Parser>::try_parse_from(["costplan", "--help"]).unwrap_err();
    assert_eq!(Failure::Usage(help).exit_code(), SUCCESS);
}
