//! Faults while writing (issue 12 #7): `costplan report` killed with SIGKILL at random moments
//! leaves the previous set of files or the new one — never a mix, never a part — and the next
//! write leaves no temporary file behind.

use crate::common::ScenarioBuilder;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use costplan::report::Format;
use costplan::sim::engine::Control;
use costplan::sim::results::{SimOptions, simulate};

fn costplan() -> Command {
    Command::new(env!("CARGO_BIN_EXE_costplan"))
}

/// The files `costplan report` writes for `seed`, computed in-process.
fn expected(scenario: &Path, format: Format, out: &Path, seed: u64) -> Vec<(PathBuf, Vec<u8>)> {
    let scn = costplan::model::load_scenario_path(scenario).unwrap();
    let opts = SimOptions {
        runs: Some(3),
        seed: Some(seed),
        ..Default::default()
    };
    let r = simulate(&scn, &opts, &Control::none()).unwrap();
    costplan::report::files(&scn, &r, format, out).unwrap()
}

fn report(scenario: &Path, out: &Path, seed: u64) -> Command {
    let mut c = costplan();
    c.arg("report")
        .arg(scenario)
        .arg("-o")
        .arg(out)
        .args(["--runs", "3", "--seed", &seed.to_string()]);
    c
}

/// Whether the files on disk are exactly `set`.
fn on_disk_is(set: &[(PathBuf, Vec<u8>)]) -> bool {
    set.iter().all(|(p, bytes)| std::fs::read(p).is_ok_and(|b| &b == bytes))
}

/// Temporary files and journals anywhere below `dir`.
fn leftovers(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(leftovers(&p));
        } else {
            let name = e.file_name().to_string_lossy().to_string();
            if name.contains(".tmp-") || name.ends_with(".commit") {
                out.push(p);
            }
        }
    }
    out
}

#[cfg(unix)]
#[test]
fn killing_report_at_random_moments_leaves_the_old_set_or_the_new_one() {
    let text = ScenarioBuilder::new()
        .volume("Fixed(400)")
        .class("input_tokens: Fixed(1000), output_tokens: Fixed(200), exact_repeat_rate: Fixed(0.2)")
        .success(0.9, 0.8)
        .policies(
            r#"Inline((name: "base", router: Fixed("big"))),
           Inline((name: "cand", router: Fixed("small"), exact_cache: (hit_given_repeat: Fixed(0.9))))"#,
        )
        .runs(3)
        .days(5)
        .text();
    let mut state = 0x2545_F491_4F6C_DD1Du64;
    let mut next = || {
        state = costplan::sim::rng::splitmix64(state);
        (state >> 11) as f64 / (1u64 << 53) as f64
    };
    for (format, ext) in [(Format::Md, "md"), (Format::Csv, "csv")] {
        let dir = tempfile::tempdir().unwrap();
        let scenario = dir.path().join("s.ron");
        std::fs::write(&scenario, &text).unwrap();
        let out = dir.path().join(format!("r.{ext}"));
        let old = expected(&scenario, format, &out, 1);
        let new = expected(&scenario, format, &out, 2);
        assert_ne!(old, new);
        let started = Instant::now();
        assert!(report(&scenario, &out, 1).output().unwrap().status.success());
        let full = started.elapsed();
        assert!(on_disk_is(&old));
        let (mut saw_old, mut saw_new) = (0, 0);
        for _ in 0..40 {
            let mut child = report(&scenario, &out, 2)
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::null())
                .spawn()
                .unwrap();
            std::thread::sleep(Duration::from_secs_f64(full.as_secs_f64() * 1.2 * next()));
            let _ = child.kill();
            let _ = child.wait();
            // What the next write does first: complete a set whose renames were interrupted.
            costplan::model::io::roll_forward(&out).unwrap();
            if on_disk_is(&old) {
                saw_old += 1;
            } else {
                assert!(
                    on_disk_is(&new),
                    "{ext}: after a kill the files are neither the old set nor the new one"
                );
                saw_new += 1;
                assert!(report(&scenario, &out, 1).output().unwrap().status.success());
            }
        }
        eprintln!("{ext}: old {saw_old}, new {saw_new}, full run {full:?}");
        assert!(saw_old + saw_new == 40, "{saw_old} {saw_new}");
        // The next complete write sweeps what the kills left.
        assert!(report(&scenario, &out, 2).output().unwrap().status.success());
        assert!(on_disk_is(&new));
        let left = leftovers(dir.path());
        assert!(left.is_empty(), "{ext}: left behind {left:?}");
    }
}

#[test]
fn a_failed_write_removes_its_temporary_and_keeps_the_old_file() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("out.html");
    std::fs::write(&target, "old").unwrap();
    // A stale temporary of a process that is gone is swept by the next write.
    let stale = dir.path().join(".out.html.tmp-4000000");
    std::fs::write(&stale, "partial").unwrap();
    costplan::model::io::write_atomic(&target, b"new").unwrap();
    assert_eq!(std::fs::read_to_string(&target).unwrap(), "new");
    assert!(!stale.exists(), "the stale temporary is swept");
    // A set whose second file cannot be written leaves both old files and no temporary.
    let a = dir.path().join("a.csv");
    let b = dir.path().join("sub/a-savings.csv");
    std::fs::write(&a, "old a").unwrap();
    let err = costplan::model::io::write_set_atomic(&[(a.clone(), b"new a".to_vec()), (b.clone(), b"new b".to_vec())]);
    assert!(err.is_err());
    assert_eq!(std::fs::read_to_string(&a).unwrap(), "old a");
    assert!(leftovers(dir.path()).is_empty(), "{:?}", leftovers(dir.path()));
}
