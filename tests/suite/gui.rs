//! The window, driven by label with egui_kittest (no display needed).

use std::time::{Duration, Instant};

use costplan::gui::CostPlanApp;
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;

use crate::common::root;

fn harness() -> Harness<'static, CostPlanApp> {
    let mut h = Harness::builder()
        .with_size(egui::vec2(1400.0, 900.0))
        .build_eframe(|cc| CostPlanApp::new(cc, None));
    // Fewer runs keep the test quick; the app re-runs on the edit.
    let mut quick = h.state().doc.scenario.clone();
    quick.file.runs = 12;
    h.state_mut().doc = costplan::gui::document::Document::new(quick, None);
    h.state_mut().start_run();
    h
}

/// Steps frames until `done` holds (the simulation runs on its own thread).
fn wait(h: &mut Harness<'static, CostPlanApp>, what: &str, done: impl Fn(&CostPlanApp) -> bool) {
    let start = Instant::now();
    while !done(h.state()) {
        assert!(
            start.elapsed() < Duration::from_secs(120),
            "timed out waiting for {what}"
        );
        std::thread::sleep(Duration::from_millis(20));
        h.step();
    }
    h.step();
    h.step();
}

/// Waits (at most 10 s) for the in-window file dialog and types `path` into it. The system
/// dialog is tried first where a session bus exists; it fails at once here.
fn type_in_file_dialog(h: &mut Harness<'static, CostPlanApp>, path: &std::path::Path) {
    let start = Instant::now();
    while h.state().files.path_dialog.is_none() {
        assert!(start.elapsed() < Duration::from_secs(10), "no file dialog appeared");
        std::thread::sleep(Duration::from_millis(20));
        h.step();
    }
    h.run_ok();
    h.get_by_label("Path").focus();
    h.run_ok();
    h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::A);
    h.get_by_label("Path").type_text(&path.display().to_string());
    h.run_ok();
}

fn finished(a: &CostPlanApp) -> bool {
    a.runner.results.is_some() && !a.runner.stale && !a.running()
}

#[test]
fn the_default_scenario_shows_its_figures() {
    let mut h = harness();
    wait(&mut h, "results", finished);
    h.get_by_label("sonnet-only (baseline)");
    assert!(h.get_all_by_label("haiku-cascade").count() >= 1);
    h.get_by_label("cost / success");
    h.get_by_label("Risk flags");
    let r = h.state().runner.results.as_ref().unwrap();
    assert_eq!(r.policies.len(), 4);
    let cpr = r.policies[0].metric(costplan::sim::metrics::Metric::CostPerRequest).p50;
    h.get_by_label(&costplan::report::format::usd(cpr));
}

#[test]
fn editing_a_price_changes_the_cost_figure() {
    let mut h = harness();
    wait(&mut h, "results", finished);
    let before = h.state().runner.results.as_ref().unwrap().policies[0]
        .metric(costplan::sim::metrics::Metric::CostPerRequest)
        .p50;
    // Open the model's section and change its output price, as a user would.
    h.get_by_label("Models").click();
    h.run_ok();
    h.get_by_label("Model sonnet").click();
    h.run_ok();
    type_number(&mut h, "Output price", "30");
    assert!(h.state().doc.dirty);
    wait(&mut h, "new results", |a| {
        finished(a)
            && a.runner.results.as_ref().unwrap().policies[0]
                .metric(costplan::sim::metrics::Metric::CostPerRequest)
                .p50
                != before
    });
    let after = h.state().runner.results.as_ref().unwrap().policies[0]
        .metric(costplan::sim::metrics::Metric::CostPerRequest)
        .p50;
    assert!(after > before * 1.3, "{before} -> {after}");
    h.get_by_label(&costplan::report::format::usd(after));
}

#[test]
fn switching_views_and_the_compare_view_lists_a_changed_parameter() {
    let mut h = harness();
    wait(&mut h, "results", finished);
    h.get_by_label("Charts").click();
    h.run_ok();
    h.get_by_label("Cost per successful outcome");
    h.get_by_label("Quality versus cost (one point per run)");
    h.get_by_label("Compare").click();
    h.run_ok();
    h.get_by_label("What changed");
    // Version A is the baseline, version B the first candidate: exact cache and prompt caching differ.
    h.get_by_label("exact_cache");
    h.get_by_label("prompt_caching");
    h.get_by_label_contains("hit_given_repeat");
    h.get_by_label("Overview").click();
    h.run_ok();
    h.get_by_label("Spend over the horizon");
}

#[test]
fn opening_a_bad_file_leaves_the_scenario_and_results_untouched() {
    let mut h = harness();
    wait(&mut h, "results", finished);
    let scenario = h.state().doc.scenario.clone();
    let results = serde_json::to_string(&h.state().runner.results).unwrap();
    h.state_mut().open_path(&root().join("tests/bad/unknown-model.ron"));
    h.run_ok();
    assert_eq!(h.state().doc.scenario, scenario);
    assert_eq!(serde_json::to_string(&h.state().runner.results).unwrap(), results);
    assert!(!h.state().running(), "no new simulation");
    let (msg, is_err) = h.state().chrome.status.clone().unwrap();
    assert!(is_err);
    assert!(
        msg.contains("unknown-model.ron:29:31: policies[1].router: unknown model \"gpt-9\""),
        "{msg}"
    );
    h.get_by_label_contains("unknown model \"gpt-9\"");
}

#[test]
fn undo_restores_an_edit() {
    let mut h = harness();
    wait(&mut h, "results", finished);
    let original = h.state().doc.draft.clone();
    type_number(&mut h, "Horizon", "60");
    assert_eq!(h.state().doc.draft.file.horizon_days, 60);
    h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::Z);
    h.run_ok();
    assert_eq!(h.state().doc.draft, original);
    h.get_by_label("Edit").click();
    h.run_ok();
    h.get_by_label_contains("Redo").click();
    h.run_ok();
    assert_eq!(h.state().doc.draft.file.horizon_days, 60);
}

/// Typing a number digit by digit (issue 24, item 4): "7000" typed into the horizon is not
/// simulated as 7 and 70 on the way — the run waits for a pause in the typing — and Enter
/// simulates it at once.
#[test]
fn a_number_being_typed_is_simulated_when_committed_not_digit_by_digit() {
    let mut h = harness();
    wait(&mut h, "results", finished);
    h.get_all_by_label("Horizon").next().unwrap().scroll_to_me();
    h.run_ok();
    h.get_all_by_label("Horizon").next().unwrap().focus();
    h.run_ok();
    h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::A);
    for digit in ["3", "0", "0"] {
        h.get_all_by_label("Horizon").next().unwrap().type_text(digit);
        h.step();
        h.step();
        let r = &h.state().runner;
        assert!(!r.running(), "a run started on a prefix of what is being typed");
        let wait = r.due_in().map(|d| d.as_millis());
        assert!(
            wait.is_some_and(|w| w > 200),
            "the run waits for a pause in the typing: {wait:?}"
        );
    }
    h.key_press(egui::Key::Enter);
    h.step();
    h.step();
    let r = &h.state().runner;
    assert!(
        r.due_in().is_none() && (r.running() || !r.stale),
        "Enter runs it at once, without a debounce: due in {:?}",
        r.due_in()
    );
    wait(&mut h, "results", finished);
    assert_eq!(h.state().doc.scenario.file.horizon_days, 300);
    assert_eq!(h.state().runner.results.as_ref().unwrap().horizon_days, 300);
}

#[test]
fn an_invalid_edit_is_shown_in_place_and_keeps_the_last_valid_scenario() {
    let mut h = harness();
    wait(&mut h, "results", finished);
    let valid = h.state().doc.scenario.clone();
    h.get_by_label("Class faq").click();
    h.run_ok();
    type_number(&mut h, "Share", "0.9");
    assert_eq!(h.state().doc.draft.traffic.classes[0].share.get(), 0.9);
    assert_eq!(h.state().doc.scenario, valid);
    assert!(!h.state().doc.errors.is_empty());
    // Beside the class's share, in a planner's words; the editor does not grow a list at its
    // top that pushes the fields down.
    let beside = h.get_by_label_contains("%; they must add up to 100%").rect();
    assert!(
        beside.height() >= 14.0,
        "the message is set as large as the fields: {beside:?}"
    );
    // The shares' total is the class list's problem: it sits over the list, under the traffic.
    let (traffic, class) = (h.get_by_label("Traffic").rect(), h.get_by_label("Class faq").rect());
    assert!(
        beside.top() > traffic.bottom() && beside.bottom() <= class.top() + 1.0,
        "the message sits over the class list: {traffic:?}, {beside:?}, {class:?}"
    );
    h.get_by_label_contains("1 problem, shown beside its field: results are from the last valid scenario");
    // With the section closed, the summary names the problem instead: every problem counted
    // is on screen.
    h.get_by_label("Traffic").click();
    h.run_ok();
    assert_eq!(h.get_all_by_label_contains("%; they must add up to 100%").count(), 1);
    h.get_by_label_contains("1 problem; 1 not beside a field — traffic.classes: the classes' shares add up to");
}

#[test]
fn saving_writes_a_file_that_loads_back() {
    let mut h = harness();
    wait(&mut h, "results", finished);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("saved.ron");
    h.state_mut().save_to(&path).unwrap();
    assert!(!h.state().doc.dirty);
    let loaded = costplan::model::load_scenario_path(&path).unwrap();
    assert_eq!(loaded.traffic, h.state().doc.scenario.traffic);
    assert_eq!(loaded.policies, h.state().doc.scenario.policies);
}

mod series {
    use costplan::gui::series::{self, Attribution, SavingOf};

    fn results() -> costplan::sim::results::Results {
        let text = crate::common::ScenarioBuilder::new()
            .volume("Fixed(500)")
            .class("input_tokens: Fixed(1000), output_tokens: Fixed(200), exact_repeat_rate: Fixed(0.3)")
            .success(0.9, 0.8)
            .policies(
                r#"Inline((name: "base", router: Fixed("big"))),
               Inline((name: "cand", router: Fixed("small"), exact_cache: (hit_given_repeat: Fixed(0.9)),
                       budget: (scope: Total, period: Day, cap_usd: 100.0, on_breach: AlertOnly)))"#,
            )
            .runs(6)
            .days(4)
            .text();
        crate::common::run(&crate::common::scenario(&text))
    }

    #[test]
    fn spend_band_and_budget_line_cover_the_horizon() {
        let r = results();
        let b = series::spend_band(&r.policies[1]);
        assert_eq!(b.days, vec![1.0, 2.0, 3.0, 4.0]);
        for d in 0..4 {
            assert!(b.p5[d] <= b.p50[d] && b.p50[d] <= b.p95[d]);
        }
        assert!(b.p50.windows(2).all(|w| w[0] <= w[1]), "cumulative spend never falls");
        assert_eq!(
            series::budget_line(&r.policies[1]).unwrap(),
            vec![[1.0, 100.0], [2.0, 200.0], [3.0, 300.0], [4.0, 400.0]]
        );
        assert!(series::budget_line(&r.policies[0]).is_none());
    }

    #[test]
    fn cost_per_success_densities_integrate_to_one_and_keep_a_narrow_policy_visible() {
        let r = results();
        let curves = series::cost_per_success_densities(&r, 400);
        assert_eq!(curves.len(), 2);
        for (name, pts) in &curves {
            let step = pts[1][0] - pts[0][0];
            let area: f64 = pts.iter().map(|p| p[1] * step).sum();
            assert!((area - 1.0).abs() < 0.02, "{name}: {area}");
        }
        // Every curve has a peak well above zero: no policy collapses into a bin or two.
        for (name, pts) in &curves {
            let peak = pts.iter().map(|p| p[1]).fold(0.0, f64::max);
            let width = pts.last().unwrap()[0] - pts[0][0];
            assert!(peak * width > 2.0, "{name}: peak {peak} over a width of {width}");
        }
    }

    #[test]
    fn quality_vs_cost_has_one_point_per_run() {
        let r = results();
        let pts = series::quality_vs_cost(&r.policies[0]);
        assert_eq!(pts.len(), 6);
        assert_eq!(
            pts[0][0],
            r.policies[0].runs[0].values[costplan::sim::metrics::COST_TOTAL]
        );
        assert!(pts.iter().all(|p| p[1] > 50.0 && p[1] <= 100.0), "success in percent");
    }

    #[test]
    fn histograms_share_bins_and_sum_to_one() {
        let r = results();
        let h = series::cost_per_success_histograms(&r, 10);
        assert_eq!(h.len(), 2);
        for (_, pts) in &h {
            assert_eq!(pts.len(), 10);
            assert!((pts.iter().map(|p| p[1]).sum::<f64>() - 1.0).abs() < 1e-12);
        }
        assert_eq!(
            h[0].1.iter().map(|p| p[0]).collect::<Vec<_>>(),
            h[1].1.iter().map(|p| p[0]).collect::<Vec<_>>()
        );
    }

    #[test]
    fn savings_bars_follow_the_attribution() {
        let r = results();
        let bars = series::savings_bars(&r.policies[1], Attribution::Shapley, SavingOf::TotalCost);
        assert_eq!(
            bars.iter().map(|b| b.tactic.name()).collect::<Vec<_>>(),
            ["router", "exact_cache", "budget"]
        );
        assert!(bars.iter().all(|b| b.p5 <= b.mean && b.mean <= b.p95));
        let total: f64 = bars.iter().map(|b| b.mean).sum();
        assert!(
            (total
                + r.policies[1]
                    .delta(costplan::sim::metrics::Metric::CostTotal)
                    .unwrap()
                    .mean)
                .abs()
                < 1e-9 * total.abs()
        );
        assert!(series::savings_bars(&r.policies[0], Attribution::Waterfall, SavingOf::CostPerSuccess).is_empty());
        assert_eq!(
            series::savings_bars(&r.policies[1], Attribution::Waterfall, SavingOf::CostPerSuccess).len(),
            3
        );
    }

    #[test]
    fn spend_groups_by_owner_and_model() {
        let r = results();
        let owners = series::spend_groups(&r, true);
        assert_eq!(owners.len(), 1);
        assert_eq!(owners[0].0, "team");
        let models = series::spend_groups(&r, false);
        assert_eq!(
            models.iter().map(|g| g.0.as_str()).collect::<Vec<_>>(),
            ["big", "judge", "small"]
        );
        assert_eq!(models[2].1[0].1, 0.0, "the baseline never calls the small model");
        assert!(models[2].1[1].1 > 0.0);
    }
}

#[test]
fn the_frame_loop_never_waits_on_a_long_simulation() {
    let mut h = harness();
    h.state_mut().open_path(&root().join("scenarios/batch-extraction.ron"));
    h.state_mut().doc.scenario.file.runs = 2000;
    h.state_mut().start_run();
    // Frames keep coming while 2,000 runs of the largest shipped scenario are simulated.
    for _ in 0..30 {
        h.step();
    }
    assert!(h.state().running(), "the simulation runs on its own thread");
    h.get_by_label("Cancel").click();
    h.step();
    wait(&mut h, "cancellation", |a| !a.running());
    h.get_by_label("Run again");
}

/// Cancel during the first run after launch (issue 24, item 1): nothing complete exists, so the
/// window says so — no endless spinner, no claim of "the last complete result", no work left
/// running and no animation repainting an idle window — and offers to run.
#[test]
fn cancelling_the_first_run_leaves_an_honest_empty_state_and_no_work() {
    let mut h = Harness::builder()
        .with_size(egui::vec2(1400.0, 900.0))
        .build_eframe(|cc| CostPlanApp::new(cc, None));
    h.state_mut().chrome.show_hint = false;
    // The bundled scenario's 200 runs: long enough to cancel before any figure.
    h.step();
    assert!(h.state().running() && h.state().runner.results.is_none());
    h.get_by_label("Cancel").click();
    h.step();
    wait(&mut h, "cancellation", |a| !a.running());
    let a = h.state();
    assert!(
        a.runner.results.is_none(),
        "no figures appear from a cancelled first run"
    );
    let (msg, _) = a.chrome.status.clone().unwrap();
    assert!(
        msg.contains("before any result") && !msg.contains("last complete"),
        "{msg}"
    );
    assert!(
        h.query_by_label_contains("Simulating").is_none(),
        "no spinner claims work goes on"
    );
    for _ in 0..5 {
        h.step();
    }
    assert!(!h.ctx.has_requested_repaint(), "an idle window does not repaint");
    // Run starts it again, and figures come.
    h.get_by_label("Run (Ctrl+R)").click();
    h.step();
    assert!(h.state().running());
}

#[test]
fn without_a_display_the_binary_says_so_in_one_line() {
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_costplan"))
        .env_remove("DISPLAY")
        .env_remove("WAYLAND_DISPLAY")
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("no display") && err.contains("costplan simulate"), "{err}");
}

#[test]
fn opening_a_traffic_profile_replaces_that_part_and_saving_keeps_the_file() {
    let mut h = harness();
    wait(&mut h, "results", finished);
    let dir = tempfile::tempdir().unwrap();
    let traffic = dir.path().join("t.ron");
    let mut text = std::fs::read_to_string(root().join("scenarios/traffic/support.ron")).unwrap();
    text = text.replace(
        "requests_per_day: LogNormal(6000, 9000)",
        "requests_per_day: LogNormal(3000, 4500)",
    );
    std::fs::write(&traffic, &text).unwrap();
    h.state_mut().open_path(&traffic);
    h.run_ok();
    assert!(h.state().doc.dirty);
    assert_eq!(
        h.state().doc.scenario.traffic.requests_per_day.0.quantile(0.5).round(),
        3000.0
    );
    let saved = dir.path().join("s.ron");
    h.state_mut().save_to(&saved).unwrap();
    assert_eq!(
        std::fs::read_to_string(&traffic).unwrap(),
        text,
        "the traffic file is left as it was"
    );
    let loaded = costplan::model::load_scenario_path(&saved).unwrap();
    assert_eq!(loaded.traffic, h.state().doc.scenario.traffic);
}

#[test]
fn policy_components_are_edited_in_place() {
    let mut h = harness();
    wait(&mut h, "results", finished);
    h.get_by_label("Policy sonnet-only (baseline)").click();
    h.run_ok();
    // Switch the baseline's router to a learned router through its picker.
    h.get_by_label("Router").click();
    h.run_ok();
    h.get_by_label("Learned").click();
    h.run_ok();
    match &h.state().doc.draft.policies[0].router {
        Some(costplan::model::Router::Learned { strong, weak, .. }) => {
            assert_eq!(
                (strong.as_str(), weak.as_str()),
                ("sonnet", "haiku"),
                "strong = dearer model"
            );
        }
        other => panic!("router is {other:?}"),
    }
    // Switch on the batch API and a budget.
    click(&mut h, "Batch API for batchable classes");
    click(&mut h, "Budget");
    let p = &h.state().doc.draft.policies[0];
    assert!(p.batch.is_some() && p.budget.is_some());
    assert!(h.state().doc.errors.is_empty(), "{:?}", h.state().doc.errors);
    assert_eq!(
        h.state().doc.scenario.policies[0],
        h.state().doc.draft.policies[0],
        "valid edits are applied"
    );
    h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::Z);
    h.run_ok();
    assert!(
        h.state().doc.draft.policies[0].budget.is_none(),
        "undo takes the last click back"
    );
    assert!(
        h.state().doc.draft.policies[0].batch.is_some(),
        "one click, one undo step"
    );
}

#[test]
fn the_window_refines_in_passes_ending_with_the_engine_asked_for() {
    use costplan::gui::sim_job::{LIVE_SAMPLE_PER_DAY, PREVIEW_RUNS, PREVIEW_SAMPLE_PER_DAY, passes};
    use costplan::sim::results::{EngineChoice, SimOptions};
    let s = costplan::model::Scenario::bundled_default().unwrap();
    let p = passes(&s, &SimOptions::default());
    let shape: Vec<(Option<u32>, EngineChoice)> = p.iter().map(|o| (o.runs, o.engine)).collect();
    assert_eq!(
        shape,
        [
            (Some(PREVIEW_RUNS), EngineChoice::Sampled(PREVIEW_SAMPLE_PER_DAY)),
            (None, EngineChoice::Sampled(LIVE_SAMPLE_PER_DAY)),
            (None, EngineChoice::Auto),
        ]
    );
    // A scenario whose exact run is already cheap skips the live pass.
    let mut small = s.clone();
    small.file.horizon_days = 1;
    small.file.runs = 4;
    let p = passes(&small, &SimOptions::default());
    assert_eq!(p.len(), 1);
    assert_eq!(p[0].engine, EngineChoice::Auto);
}

#[test]
fn the_engine_picker_reruns_on_the_chosen_engine() {
    let mut h = harness();
    wait(&mut h, "the first result", finished);
    h.get_by_label("Engine").click();
    h.run_ok();
    h.get_by_label("sampled, 2,000 tasks a day").click();
    h.run_ok();
    wait(&mut h, "the sampled result", |a| {
        finished(a) && a.runner.results.as_ref().is_some_and(|r| r.engine.name == "sampled")
    });
    let r = h.state().runner.results.as_ref().unwrap();
    assert_eq!(r.engine.sample_per_day, Some(2000));
    assert_eq!(r.runs, 12, "the full run count, not the preview");
    h.get_by_label_contains("sampled engine, 2,000 tasks a day");
}

#[test]
fn cancel_keeps_the_last_complete_result_and_says_so() {
    let mut h = harness();
    wait(&mut h, "the first result", finished);
    h.state_mut().start_run();
    wait(&mut h, "a preview of the new run", |a| a.runner.preview || !a.running());
    // The exact pass of 12 runs takes seconds in a test build; the preview comes in milliseconds.
    assert!(h.state().running(), "cancel while the run is still refining");
    h.get_by_label("Cancel").click();
    h.run_ok();
    wait(&mut h, "the job to stop", |a| !a.running());
    let a = h.state();
    assert_eq!(
        a.runner.results.as_ref().map(|r| r.runs),
        Some(12),
        "the full result, not the 8-run preview"
    );
    assert!(!a.runner.preview && a.runner.stale);
    let (msg, _) = a.chrome.status.clone().unwrap();
    assert!(msg.contains("cancelled"), "{msg}");
}

#[test]
fn long_runs_show_the_time_left_from_the_pace_so_far() {
    use costplan::gui::app::duration_words;
    use costplan::gui::sim_job::eta;
    use std::time::Duration;
    assert_eq!(eta(0, 200, 5_000), None, "no pace before the first run");
    assert_eq!(eta(50, 200, 5_000), Some(Duration::from_millis(15_000)));
    assert_eq!(eta(200, 200, 9_000), Some(Duration::ZERO));
    assert_eq!(duration_words(Duration::from_secs(12)), "12 s");
    assert_eq!(duration_words(Duration::from_secs(185)), "3 min 5 s");
    assert_eq!(duration_words(Duration::from_secs(4800)), "1 h 20 min");
}

#[test]
fn tiny_shares_of_tasks_simulated_keep_their_digits() {
    use costplan::report::format::share_words;
    assert_eq!(share_words(0.31), "31.0%");
    assert_eq!(share_words(0.000_257), "0.03%");
    assert_eq!(share_words(0.0), "0.0%");
}

#[test]
fn a_long_run_shows_its_estimate_while_it_runs() {
    let mut h = harness();
    wait(&mut h, "the first result", finished);
    // 2,000 runs of the default scenario on the exact engine: well over the 10-second notice.
    h.state_mut().doc.scenario.file.runs = 2000;
    h.state_mut().runner.engine = costplan::sim::results::EngineChoice::Exact;
    h.state_mut().start_run();
    h.step();
    h.step();
    let w = h.state().runner.estimate.expect("an estimate before the run");
    assert!(w.seconds >= 10.0, "{w:?}");
    h.get_by_label_contains("full run: ≈");
    h.get_by_label("Cancel").click();
    h.run_ok();
    wait(&mut h, "the job to stop", |a| !a.running());
}

#[test]
fn the_title_names_the_file_and_marks_unsaved_changes_and_help_explains() {
    let mut h = harness();
    wait(&mut h, "the first result", finished);
    assert_eq!(h.state().window_title(), "bundled default scenario — CostPlan");
    h.state_mut().doc.dirty = true;
    assert!(h.state().window_title().contains("• unsaved"));
    // The first-run hint is one line and goes away when dismissed.
    h.state_mut().chrome.show_hint = true;
    h.run_ok();
    h.get_by_label_contains("Edit anything on the left");
    h.get_by_label("Got it").click();
    h.run_ok();
    assert!(!h.state().chrome.show_hint);
    assert!(h.query_by_label_contains("Edit anything on the left").is_none());
    h.get_by_label("Help").click();
    h.run_ok();
    h.get_by_label("About CostPlan").click();
    h.run_ok();
    assert!(h.state().chrome.show_about);
    h.get_by_label_contains("Plan the cost of LLM-backed products");
}

#[test]
fn a_price_typed_in_the_editor_is_marked_as_edited_by_the_user() {
    let mut h = harness();
    wait(&mut h, "results", finished);
    h.get_by_label("Models").click();
    h.run_ok();
    h.get_by_label("Model sonnet").click();
    h.run_ok();
    let source_before = h.state().doc.draft.prices.models["claude-sonnet-4-5"].source.clone();
    h.get_all_by_label("Output price").next().unwrap().click();
    h.run_ok();
    h.get_all_by_label("Output price").next().unwrap().focus();
    h.run_ok();
    h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::A);
    h.get_all_by_label("Output price").next().unwrap().type_text("30");
    h.key_press(egui::Key::Enter);
    h.run_ok();
    let p = &h.state().doc.draft.prices.models["claude-sonnet-4-5"];
    assert_eq!(p.output_usd_per_mtok.get(), 30.0);
    assert_eq!(p.as_of, costplan::model::prices::today());
    assert!(
        p.source.starts_with("edited by the user") && p.source.contains(&source_before),
        "{}",
        p.source
    );
    h.get_by_label_contains("edited by the user");
}

#[test]
fn a_policy_from_another_file_is_selected_compared_at_once_and_can_be_cancelled() {
    let mut h = harness();
    wait(&mut h, "results", finished);
    let dir = tempfile::tempdir().unwrap();
    let mut p = h.state().doc.scenario.policies[1].clone();
    p.name = "from-file".into();
    p.format_version = Some(1);
    let path = dir.path().join("candidate.ron");
    std::fs::write(&path, costplan::model::ron_io::to_ron_string(&p).unwrap()).unwrap();
    h.state_mut().add_compare_policy(&path);
    h.run_ok();
    let a = h.state();
    let b = a.views.compare.choices(&a.doc.scenario)[a.views.compare.b].0.clone();
    assert_eq!(b, "from-file (candidate.ron)", "the added policy is version B");
    let (msg, is_err) = a.chrome.status.clone().unwrap();
    assert!(!is_err && msg.contains("Added 1 policy from candidate.ron"), "{msg}");
    // The comparison starts by itself, with progress and a way to stop it.
    h.step();
    h.get_by_label_contains("runs on the same tasks");
    h.get_by_label("Cancel comparison").click();
    h.run_ok();
    assert!(h.state().views.compare.job.is_none());
    h.get_by_label("Run the comparison");
    assert!(h.query_by_label_contains("Press Compare").is_none());
}

/// Without a desktop portal the system dialog cannot open; Save in the quit prompt then asks
/// for a path in the window, and either saves and closes or keeps the window open and says so.
#[test]
fn save_from_the_quit_prompt_saves_through_the_in_window_dialog_or_stays_open() {
    let dir = tempfile::tempdir().unwrap();
    for (cancel, name) in [(false, "saved.ron"), (true, "never.ron")] {
        let mut h = harness();
        wait(&mut h, "results", finished);
        h.state_mut().doc.dirty = true;
        h.state_mut().request_quit();
        h.run_ok();
        h.get_by_label("Save").click();
        h.run_ok();
        let target = dir.path().join(name);
        type_in_file_dialog(&mut h, &target);
        if cancel {
            h.get_by_label("Cancel").click();
            h.run_ok();
            assert!(!h.state().closing(), "the window stays open");
            let (msg, _) = h.state().chrome.status.clone().unwrap();
            assert!(msg.contains("Not saved; the window stays open"), "{msg}");
            assert!(!target.exists());
        } else {
            h.get_by_label("Save here").click();
            h.run_ok();
            assert!(target.exists(), "saved");
            assert!(h.state().closing(), "then the window closes");
            costplan::model::load_scenario_path(&target).unwrap();
        }
    }
}

/// At 1024×640 every key figure's column is on screen, or reachable by scrolling the table
/// sideways (never cut off by the window); at 1400 they all fit as they are.
#[test]
fn key_figure_columns_fit_a_1024_wide_window() {
    for (w, h_px) in [(1024.0, 640.0), (1400.0, 900.0)] {
        let mut h = Harness::builder()
            .with_size(egui::vec2(w, h_px))
            .build_eframe(|cc| CostPlanApp::new(cc, None));
        h.state_mut().doc.scenario.file.runs = 12;
        h.state_mut().doc.draft.file.runs = 12;
        h.state_mut().chrome.show_hint = false;
        h.state_mut().start_run();
        wait(&mut h, "results", finished);
        for (_, title) in costplan::report::figures::KEY_FIGURES {
            let r = h.get_by_label(title).rect();
            assert!(
                r.max.x <= w + 0.5,
                "at {w}×{h_px} the column {title:?} ends at x = {} (off-screen)",
                r.max.x
            );
        }
    }
}

/// At 1024×640 the Compare view's paired table shows every column beside the editor: B − A and
/// P(B better) are on screen, not cut off (issue 24, item 5).
#[test]
fn the_paired_table_fits_a_1024_wide_window() {
    let (w, h_px) = (1024.0, 640.0);
    let mut h = Harness::builder()
        .with_size(egui::vec2(w, h_px))
        .build_eframe(|cc| CostPlanApp::new(cc, None));
    h.state_mut().doc.scenario.file.runs = 12;
    h.state_mut().doc.draft.file.runs = 12;
    h.state_mut().start_run();
    wait(&mut h, "results", finished);
    h.get_by_label("Compare").click();
    h.run_ok();
    wait(&mut h, "the comparison", |a| {
        a.views.compare.results.is_some() && a.views.compare.job.as_ref().is_none_or(|j| j.finished())
    });
    for title in ["B − A", "P(B better)"] {
        let r = h.get_by_label(title).rect();
        assert!(
            r.max.x <= w + 0.5,
            "the column {title:?} ends at x = {} (off-screen)",
            r.max.x
        );
    }
    let cell = h
        .get_all_by_label_contains("% better")
        .next()
        .expect("a P(B better) figure")
        .rect();
    assert!(cell.max.x <= w + 0.5, "a P(B better) figure ends at x = {}", cell.max.x);
}

/// A chart the user zoomed or moved offers "Reset view", which shows all of it again.
#[test]
fn a_moved_chart_offers_reset_view() {
    let mut h = harness();
    wait(&mut h, "results", finished);
    h.state_mut().chrome.show_hint = false;
    h.get_by_label("Charts").click();
    h.run_ok();
    assert!(h.query_by_label("Reset view").is_none(), "nothing to reset yet");
    // What a drag or Ctrl+wheel leaves in the plot's memory.
    let ctx = h.ctx.clone();
    let id = costplan::gui::results_view::plot_id("quality_vs_cost");
    let mut mem = egui_plot::PlotMemory::load(&ctx, id).expect("the chart was drawn");
    mem.auto_bounds = egui::Vec2b::new(false, false);
    mem.store(&ctx, id);
    h.run_ok();
    h.get_by_label("Reset view").click();
    h.run_ok();
    h.run_ok();
    assert!(
        h.query_by_label("Reset view").is_none(),
        "the chart shows all of it again"
    );
    assert!(egui_plot::PlotMemory::load(&ctx, id).unwrap().auto_bounds.all());
}

#[test]
fn the_charts_view_shows_what_drives_the_spread() {
    // Tall enough that the whole Charts view is on screen (a click must land on the button).
    let mut h = Harness::builder()
        .with_size(egui::vec2(1400.0, 2400.0))
        .build_eframe(|cc| CostPlanApp::new(cc, None));
    let mut quick = h.state().doc.scenario.clone();
    quick.file.runs = 12;
    h.state_mut().doc = costplan::gui::document::Document::new(quick, None);
    h.state_mut().start_run();
    wait(&mut h, "results", finished);
    h.state_mut().chrome.show_hint = false;
    h.get_by_label("Charts").click();
    h.run_ok();
    h.get_by_label("What drives the spread");
    h.get_by_label_contains("within ±");
    h.get_by_label("spend over the horizon").click();
    h.run_ok();
    assert_eq!(
        h.state().views.results.drivers_output,
        costplan::sim::sensitivity::Output::Spend
    );
}

#[test]
fn a_sweep_in_the_window_draws_the_frontier_and_a_point_becomes_a_new_version() {
    let mut h = harness();
    wait(&mut h, "results", finished);
    h.state_mut().chrome.show_hint = false;
    h.get_by_label("Sweep").click();
    h.run_ok();
    let i = h
        .state()
        .doc
        .scenario
        .policies
        .iter()
        .position(|p| p.name == "learned-router")
        .unwrap();
    h.state_mut().views.sweep.policy = i;
    h.state_mut().views.sweep.points = 3;
    h.run_ok();
    h.get_by_label("Knob");
    h.get_by_label("Run the sweep").click();
    h.run_ok();
    wait(&mut h, "the sweep", |a| {
        a.views.sweep.result.as_ref().is_some_and(|r| r.runs >= 12)
    });
    h.run_ok();
    assert_eq!(h.state().views.sweep.result.as_ref().unwrap().points.len(), 3);
    // The goal seek shows its progress and can be cancelled (issue 24, item 7); it then waits
    // to be asked again instead of starting over by itself.
    h.get_by_label_contains("runs of this setting");
    h.get_by_label("Cancel goal seek").click();
    h.run_ok();
    for _ in 0..5 {
        h.step();
    }
    assert!(h.state().views.sweep.goal_cancelled && h.state().views.sweep.answer.is_none());
    h.get_by_label_contains("Goal seek cancelled");
    h.get_by_label("Seek again").click();
    h.run_ok();
    let answered = |a: &CostPlanApp| a.views.sweep.answer.is_some();
    wait(&mut h, "the goal seek", answered);
    h.run_ok();
    h.get_by_label_contains("keeps the quality guardrail (at most");
    // The other goal: the best quality within a budget, picked in the window.
    h.get_by_label("Goal").click();
    h.run_ok();
    h.get_by_label("best quality within a budget").click();
    h.run_ok();
    assert!(h.state().views.sweep.budget_usd.is_some());
    wait(&mut h, "the goal seek", answered);
    h.run_ok();
    h.get_by_label_contains("Best success rate whose spend over the horizon stays within");
    h.get_by_label("spend within the budget in");
    let before = h.state().doc.draft.policies.len();
    h.get_all_by_label("Use as a new version").next().unwrap().click();
    h.run_ok();
    let a = h.state();
    assert_eq!(a.doc.draft.policies.len(), before + 1);
    let added = a.doc.draft.policies.last().unwrap();
    assert!(
        added.name.starts_with("learned-router (router.strong_share="),
        "{}",
        added.name
    );
    assert_ne!(added.version, a.doc.draft.policies[i].version, "the version is bumped");
}

/// File ▸ Import traffic from logs… fits a profile on a background thread and makes it the
/// scenario's traffic (undoable); the Calibration view backtests the baseline against the
/// same logs and draws the band.
#[test]
fn traffic_imported_from_logs_and_the_calibration_view() {
    let logs = root().join("scenarios/from-logs/spend-logs.csv");
    let mut h = harness();
    wait(&mut h, "results", finished);
    h.state_mut().chrome.show_hint = false;
    let pick = |h: &mut Harness<'static, CostPlanApp>| {
        type_in_file_dialog(h, &logs);
        h.get_by_label("Open").click();
        h.run_ok();
    };
    h.get_by_label("File").click();
    h.run_ok();
    h.get_by_label("Import traffic from logs…").click();
    h.run_ok();
    pick(&mut h);
    wait(&mut h, "the fit", |a| {
        a.doc.draft.traffic.classes.iter().any(|c| c.name == "billing")
    });
    let a = h.state();
    let names: Vec<&str> = a.doc.draft.traffic.classes.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["faq", "billing"]);
    let (msg, error) = a.chrome.status.clone().unwrap();
    assert!(
        !error && msg.contains("Traffic fitted from") && msg.contains("check them in Models"),
        "{msg}"
    );
    // Every model has a success rate for exactly the new classes, and no routing rule names a
    // class that is gone: the scenario stays valid, and the status line says what changed.
    for m in a.doc.draft.file.models.values() {
        let mut keys: Vec<&str> = m.success.keys().map(String::as_str).collect();
        keys.sort_unstable();
        assert_eq!(keys, ["billing", "faq"]);
    }
    assert!(msg.contains("no longer in the traffic were removed"), "{msg}");
    if let Err(e) = a.doc.draft.validate_edited() {
        panic!("the scenario is left invalid: {e}");
    }
    assert!(a.doc.dirty);
    // Calibration: backtest the (bundled) baseline against the same logs.
    h.get_by_label("Calibration").click();
    h.run_ok();
    h.get_by_label("Backtest against logs…").click();
    h.run_ok();
    pick(&mut h);
    wait(&mut h, "the backtest", |a| {
        a.views.calibration.backtest.is_some() || a.views.calibration.problem.is_some()
    });
    h.run_ok();
    let b = h.state().views.calibration.backtest.as_ref().expect("a backtest");
    assert_eq!(b.days, 30);
    assert!(h.query_all_by_label_contains("actually spent").next().is_some());
    h.get_by_label("error of the median");
    let s = costplan::gui::calibration_view::calibration_series(b);
    assert_eq!(s.median.len(), 30);
    assert_eq!((s.p5.len(), s.p95.len()), (30, 30));
    assert!(s.p5.iter().zip(&s.p95).all(|(lo, hi)| lo <= hi));
    assert_eq!(s.inside.len() + s.outside.len(), 30);
    // Another scenario opened: the backtest was of the last one, and is gone (issue 24, item 3).
    h.state_mut().open_path(&root().join("scenarios/coding-assistant.ron"));
    h.run_ok();
    assert!(h.state().views.calibration.backtest.is_none());
    assert!(h.query_by_label_contains("error of the median").is_none());
}

/// File ▸ New scenario from logs… drafts a whole scenario beside the logs (fitted traffic, the
/// models and routing they show) on a background thread and opens it.
#[test]
fn a_new_scenario_is_drafted_from_logs_and_opened() {
    let dir = tempfile::tempdir().unwrap();
    let logs = dir.path().join("spend-logs.csv");
    std::fs::copy(root().join("scenarios/from-logs/spend-logs.csv"), &logs).unwrap();
    let mut h = harness();
    wait(&mut h, "results", finished);
    h.state_mut().chrome.show_hint = false;
    h.get_by_label("File").click();
    h.run_ok();
    h.get_by_label("New scenario from logs…").click();
    h.run_ok();
    type_in_file_dialog(&mut h, &logs);
    h.get_by_label("Open").click();
    h.run_ok();
    let drafted = dir.path().join("spend-logs-scenario.ron");
    wait(&mut h, "the draft to open", |a| {
        a.doc.path.as_deref() == Some(drafted.as_path())
    });
    let a = h.state();
    assert_eq!(a.doc.scenario.file.baseline, "observed");
    assert_eq!(a.doc.scenario.file.models.keys().collect::<Vec<_>>(), ["gpt-4o-mini"]);
    let names: Vec<&str> = a.doc.scenario.traffic.classes.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["faq", "billing"]);
    assert!(!a.doc.dirty);
    assert!(dir.path().join("spend-logs-scenario-traffic.ron").is_file());
    assert!(dir.path().join("prices.ron").is_file());
    let (msg, error) = a.chrome.status.clone().unwrap();
    assert!(!error && msg.contains("success rates are assumed"), "{msg}");
}

/// Types `text` into the number field labelled `label` (the first, when several are) and presses
/// Enter, as a user edits a value.
fn type_number(h: &mut Harness<'static, CostPlanApp>, label: &str, text: &str) {
    h.get_all_by_label(label).next().unwrap().scroll_to_me();
    h.run_ok();
    h.get_all_by_label(label).next().unwrap().click();
    h.run_ok();
    h.get_all_by_label(label).next().unwrap().focus();
    h.run_ok();
    h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::A);
    h.get_all_by_label(label).next().unwrap().type_text(text);
    h.key_press(egui::Key::Enter);
    h.run_ok();
}

/// Types `text` into the field labelled `label` (replacing what is there) and presses Enter.
fn retype(h: &mut Harness<'static, CostPlanApp>, label: &str, text: &str) {
    h.get_by_label(label).scroll_to_me();
    h.run_ok();
    h.get_by_label(label).focus();
    h.run_ok();
    h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::A);
    h.key_press(egui::Key::Backspace);
    h.get_by_label(label).type_text(text);
    h.run_ok();
    h.key_press(egui::Key::Enter);
    h.run_ok();
}

/// Scrolls the widget labelled `label` into view (a click lands on its centre) and clicks it.
fn click(h: &mut Harness<'static, CostPlanApp>, label: &str) {
    h.get_by_label(label).scroll_to_me();
    h.run_ok();
    h.get_by_label(label).click();
    h.run_ok();
}

#[test]
fn the_editor_alone_builds_a_scenario_that_saves_and_reopens_with_the_same_results() {
    let mut h = harness();
    wait(&mut h, "results", finished);
    // A class: a copy of faq (the share splits), renamed.
    click(&mut h, "Class faq");
    click(&mut h, "Duplicate class faq");
    click(&mut h, "Class faq");
    click(&mut h, "Class faq-2");
    retype(&mut h, "Class name", "faq-short");
    let classes = h.state().doc.draft.class_names();
    assert_eq!(classes, ["faq", "faq-short", "account-billing", "troubleshooting"]);
    assert!(
        h.state().doc.draft.file.models["sonnet"]
            .success
            .contains_key("faq-short")
    );
    // A model found in the price table by searching.
    click(&mut h, "Models");
    click(&mut h, "Add a model");
    h.get_by_label("Search").type_text("gpt-5-mi");
    h.run_ok();
    h.get_by_label_contains("gpt-5-mini · $0.25 in").click();
    h.run_ok();
    assert_eq!(h.state().doc.draft.file.models["gpt-5-mini"].price_key, "gpt-5-mini");
    // A new version of a policy, with a learned router.
    click(&mut h, "Policy sonnet-cached");
    click(&mut h, "New version from sonnet-cached");
    click(&mut h, "Policy sonnet-cached");
    click(&mut h, "Policy sonnet-cached-2");
    click(&mut h, "Router");
    click(&mut h, "Learned");
    let p = &h.state().doc.draft.policies[2];
    assert_eq!(p.name, "sonnet-cached-2");
    assert!(matches!(&p.router, Some(costplan::model::Router::Learned { weak, .. }) if weak == "gpt-5-mini"));
    // Removing a model in use asks first and moves its users to the replacement.
    click(&mut h, "Model haiku");
    click(&mut h, "Remove model haiku");
    h.get_by_label_contains("haiku is used by policy \"haiku-cascade\"");
    assert!(h.state().doc.draft.file.models.contains_key("haiku"), "not yet");
    click(&mut h, "Remove haiku and use gpt-5-mini");
    assert!(!h.state().doc.draft.file.models.contains_key("haiku"));
    assert!(h.state().doc.errors.is_empty(), "{:?}", h.state().doc.errors);
    // Save as…, reopen: the same figures.
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("built.ron");
    click(&mut h, "File");
    h.get_by_label_contains("Save as…").click();
    h.run_ok();
    type_in_file_dialog(&mut h, &target);
    click(&mut h, "Save here");
    let reopened = costplan::model::load_scenario_path(&target).unwrap();
    assert_eq!(reopened.policies.len(), 5);
    let (a, b) = (
        crate::common::run(&h.state().doc.scenario),
        crate::common::run(&reopened),
    );
    for (pa, pb) in a.policies.iter().zip(&b.policies) {
        for &m in costplan::sim::metrics::Metric::ALL {
            assert_eq!(
                pa.metric(m).mean.to_bits(),
                pb.metric(m).mean.to_bits(),
                "{m:?} of {}",
                pa.name
            );
        }
    }
}

#[test]
fn rules_take_any_condition_and_removing_a_class_they_name_asks_first() {
    let mut h = harness();
    wait(&mut h, "results", finished);
    click(&mut h, "Policy sonnet-only (baseline)");
    click(&mut h, "Router");
    click(&mut h, "Rules");
    click(&mut h, "Add a rule");
    click(&mut h, "Add a rule");
    // The second rule: input above a token count.
    // The first widget of a rule's line is its condition's kind.
    h.get_all_by_label("rule 2: if").next().unwrap().scroll_to_me();
    h.run_ok();
    h.get_all_by_label("rule 2: if").next().unwrap().click();
    h.run_ok();
    click(&mut h, "input above");
    let rules = h.state().doc.draft.policies[0].rules().to_vec();
    assert_eq!(rules[0].when, costplan::model::policy::Condition::Class("faq".into()));
    assert_eq!(
        rules[1].when,
        costplan::model::policy::Condition::InputTokensAbove(8000)
    );
    assert!(h.state().doc.errors.is_empty(), "{:?}", h.state().doc.errors);
    // faq is named by the first rule: removing the class asks, then takes the rule with it.
    click(&mut h, "Policy sonnet-only (baseline)");
    click(&mut h, "Class faq");
    click(&mut h, "Remove class faq");
    h.get_by_label_contains("Its rules go too: a routing rule of policy \"sonnet-only\"");
    click(&mut h, "Remove the class and its rules");
    let d = &h.state().doc.draft;
    assert_eq!(d.class_names(), ["account-billing", "troubleshooting"]);
    assert_eq!(d.policies[0].rules().len(), 1);
    let total: f64 = d.traffic.classes.iter().map(|c| c.share.get()).sum();
    assert!((total - 1.0).abs() < 1e-9, "shares still add up: {total}");
    assert!(h.state().doc.errors.is_empty(), "{:?}", h.state().doc.errors);
    // Removing the baseline makes the next policy the baseline.
    click(&mut h, "Policy sonnet-only (baseline)");
    click(&mut h, "Remove policy sonnet-only");
    h.get_by_label("Policy sonnet-cached (baseline)");
    // One undo step per action: the policy comes back.
    h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::Z);
    h.run_ok();
    assert_eq!(h.state().doc.draft.policies[0].name, "sonnet-only");
}

#[test]
fn the_start_date_and_discounts_are_edited_in_the_scenario_section() {
    let mut h = harness();
    wait(&mut h, "results", finished);
    let before = h.state().runner.results.as_ref().unwrap().policies[0]
        .metric(costplan::sim::metrics::Metric::CostTotal)
        .mean;
    // A 10% provider discount (the suggested 0.9) lowers the baseline's spend by 10%.
    click(&mut h, "Discounts");
    click(&mut h, "Add a provider discount");
    click(&mut h, "anthropic");
    assert_eq!(h.state().doc.draft.file.discounts.providers["anthropic"].get(), 0.9);
    assert!(h.state().doc.errors.is_empty(), "{:?}", h.state().doc.errors);
    wait(&mut h, "new results", |a| {
        finished(a)
            && a.runner.results.as_ref().unwrap().policies[0]
                .metric(costplan::sim::metrics::Metric::CostTotal)
                .mean
                != before
    });
    let after = h.state().runner.results.as_ref().unwrap().policies[0]
        .metric(costplan::sim::metrics::Metric::CostTotal)
        .mean;
    assert!((after / before - 0.9).abs() < 1e-9, "{before} -> {after}");
    click(&mut h, "Remove the provider discount anthropic");
    assert!(h.state().doc.draft.file.discounts.providers.is_empty());
    // The start date: typed, refused in place when it is not a date, cleared when empty.
    retype(&mut h, "Start date", "2027-01-04");
    assert_eq!(h.state().doc.draft.file.start_date.as_deref(), Some("2027-01-04"));
    assert!(h.state().doc.errors.is_empty(), "{:?}", h.state().doc.errors);
    retype(&mut h, "Start date", "next monday");
    assert_eq!(h.state().doc.errors.len(), 1);
    h.get_by_label_contains("expected a date written YYYY-MM-DD");
    retype(&mut h, "Start date", "");
    assert_eq!(h.state().doc.draft.file.start_date, None, "empty means none");
    assert!(h.state().doc.errors.is_empty());
}

/// One job type for all background work: messages arrive in order, the job is finished only
/// once its work returned and every message was taken, and dropping it cancels the work.
#[test]
fn a_job_sends_in_order_finishes_and_is_cancelled_when_dropped() {
    use costplan::gui::job::{Job, waker};
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, Ordering};
    let mut job: Job<u32> = Job::spawn("test-job", waker(None), |w| {
        for i in 0..5 {
            w.progress(i + 1, 5);
            w.send(i as u32);
        }
    })
    .unwrap();
    let mut got = Vec::new();
    let start = Instant::now();
    while !job.finished() {
        assert!(start.elapsed() < Duration::from_secs(10), "the job never finished");
        got.extend(job.poll());
        std::thread::sleep(Duration::from_millis(2));
    }
    assert_eq!(got, vec![0, 1, 2, 3, 4]);
    assert_eq!(job.progress(), (5, 5));

    // A job that waits for its cancel flag ends once the window drops it.
    let saw_cancel = Arc::new(AtomicBool::new(false));
    let seen = saw_cancel.clone();
    let job: Job<()> = Job::spawn("test-cancel", waker(None), move |w| {
        let start = Instant::now();
        while !w.cancel_flag().load(Ordering::Relaxed) && start.elapsed() < Duration::from_secs(10) {
            std::thread::sleep(Duration::from_millis(1));
        }
        seen.store(w.cancel_flag().load(Ordering::Relaxed), Ordering::Relaxed);
    })
    .unwrap();
    drop(job);
    let start = Instant::now();
    while !saw_cancel.load(Ordering::Relaxed) {
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "dropping the job did not cancel it"
        );
        std::thread::sleep(Duration::from_millis(2));
    }
}

/// A view never acts on the app while drawing: clicking in the Compare view returns commands
/// (pick a policy file; run the pair), and the view's scenario is untouched.
#[test]
fn views_return_commands_instead_of_acting() {
    use costplan::gui::command::{Command, DialogPurpose};
    use costplan::gui::compare_view::CompareView;
    let scn = costplan::model::Scenario::bundled_default().unwrap();
    let mut view = CompareView::default();
    let mut got: Vec<Command> = Vec::new();
    let mut h = Harness::builder()
        .with_size(egui::vec2(1200.0, 800.0))
        .build_ui(|ui| got.extend(view.ui(ui, &scn)));
    h.run();
    h.get_by_label("Policy from another file…").click();
    h.run();
    drop(h);
    assert!(
        got.iter()
            .any(|c| matches!(c, Command::OpenDialog(DialogPurpose::ComparePolicy))),
        "{got:?}"
    );
    // A new pair is simulated at once: the view asks, the app starts it.
    assert!(got.iter().any(|c| matches!(c, Command::RunCompare)), "{got:?}");
    assert!(view.job.is_none(), "the view started work itself");
}

/// Sessions in the window: the coding agent opens with its session class and cache strategies
/// in the editor, the Charts view draws cost per turn, and switching compaction on in a policy
/// is an edit that runs again.
#[test]
fn sessions_are_edited_and_charted_in_the_window() {
    let mut h = Harness::builder()
        .with_size(egui::vec2(1400.0, 2400.0))
        .build_eframe(|cc| CostPlanApp::new(cc, None));
    let mut agent = costplan::model::load_scenario_path(&root().join("scenarios/coding-agent.ron")).unwrap();
    agent.file.runs = 3;
    agent.file.horizon_days = 2;
    let agent = agent.validate_edited().unwrap();
    h.state_mut().doc = costplan::gui::document::Document::new(agent, None);
    h.state_mut().start_run();
    wait(&mut h, "results", finished);
    h.state_mut().chrome.show_hint = false;
    h.get_by_label("Charts").click();
    h.run_ok();
    h.get_by_label("Cost per turn by turn number (sessions)");
    let r = h.state().runner.results.clone().unwrap();
    assert!(r.policies.iter().all(|p| p.by_turn.len() >= 2), "turns charted");
    // The editor: the class's session and the policy's cache strategy are there to edit.
    h.get_by_label("Class agent-task").click();
    h.run_ok();
    assert!(
        h.query_all_by_label("Sessions (a conversation or an agent loop per task)")
            .count()
            > 0,
        "the session toggle is in the class"
    );
    h.get_by_label("Policy system-prompt-cache (baseline)").click();
    h.run_ok();
    h.get_by_label("Compaction (sessions)").click();
    h.run_ok();
    let p = &h.state().doc.draft.policies[0];
    assert!(p.compaction.is_some(), "compaction switched on in the draft");
    assert!(
        h.query_all_by_label("  summary model").count() > 0,
        "the summary model is picked in place"
    );
}

/// Save never rewrites a file other scenarios share without a word (issue 24, item 2): an edit
/// of the bundled price table (`../assets/prices/default.ron`) is saved in the scenario as an
/// override and the shared file is left as it was; the scenario's own traffic file is written;
/// the status line names both.
#[test]
fn an_edit_of_a_shared_price_table_is_saved_in_the_scenario_not_the_shared_file() {
    use costplan::gui::document::Document;
    let dir = tempfile::tempdir().unwrap();
    let (scn_dir, prices_dir) = (dir.path().join("scenarios"), dir.path().join("assets/prices"));
    std::fs::create_dir_all(scn_dir.join("traffic")).unwrap();
    std::fs::create_dir_all(&prices_dir).unwrap();
    for (from, to) in [
        ("scenarios/support-assistant.ron", scn_dir.join("s.ron")),
        ("scenarios/traffic/support.ron", scn_dir.join("traffic/support.ron")),
        ("assets/prices/default.ron", prices_dir.join("default.ron")),
    ] {
        std::fs::copy(root().join(from), to).unwrap();
    }
    let shared = std::fs::read(prices_dir.join("default.ron")).unwrap();
    let path = scn_dir.join("s.ron");
    let scn = costplan::model::scenario::load_scenario_path(&path).unwrap();
    let mut doc = Document::new(scn, Some(path.clone()));
    let key = doc.draft.file.models.values().next().unwrap().price_key.clone();
    doc.edit(|d| {
        d.prices.models.get_mut(&key).unwrap().input_usd_per_mtok =
            costplan::model::ron_io::NonNeg::new(0.123).unwrap();
        d.traffic.day_noise_sd = costplan::model::ron_io::NonNeg::new(0.111).unwrap();
    });
    let saved = doc.save_to(&path).unwrap();
    assert_eq!(
        std::fs::read(prices_dir.join("default.ron")).unwrap(),
        shared,
        "the shared table is untouched"
    );
    assert_eq!(
        saved.kept_shared,
        [prices_dir.join("default.ron").canonicalize().unwrap()]
    );
    let words = saved.describe();
    assert!(
        words.contains("traffic/support.ron") && words.contains("shared with other scenarios"),
        "{words}"
    );
    // Loaded back, the scenario has the edited price (inline) and the edited traffic (its file).
    let back = costplan::model::scenario::load_scenario_path(&path).unwrap();
    assert_eq!(back.prices.models[&key].input_usd_per_mtok.get(), 0.123);
    assert_eq!(back.traffic.day_noise_sd.get(), 0.111);
    assert!(matches!(back.file.traffic, costplan::model::Source::File(_)));
    assert!(matches!(back.file.prices, costplan::model::Source::Inline(_)));
}

/// Save as to another folder keeps the file's comments (issue 24, item 6): the copy is
/// self-contained (its shared files inlined) and opens with the same comment header.
#[test]
fn save_as_to_another_folder_keeps_the_comment_header() {
    use costplan::gui::document::Document;
    let src = root().join("scenarios/support-assistant.ron");
    let original = std::fs::read_to_string(&src).unwrap();
    let header: Vec<&str> = original.lines().take_while(|l| l.starts_with("//")).collect();
    assert!(header.len() >= 2);
    let scn = costplan::model::scenario::load_scenario_path(&src).unwrap();
    let mut doc = Document::new(scn.clone(), Some(src.clone()));
    let dir = tempfile::tempdir().unwrap();
    let copy = dir.path().join("copy.ron");
    doc.save_to(&copy).unwrap();
    let text = std::fs::read_to_string(&copy).unwrap();
    for line in &header {
        assert!(text.contains(line), "lost {line:?}:\n{text}");
    }
    let back = costplan::model::scenario::load_scenario_path(&copy).unwrap();
    assert_eq!(back.prices, scn.prices);
    assert_eq!(back.traffic, scn.traffic);
    assert_eq!(back.policies, scn.policies);
    assert_eq!(
        std::fs::read_to_string(&src).unwrap(),
        original,
        "the original is untouched"
    );
}

/// Edit → figures, end to end (issue 24, item 8): types a new output price, presses Enter and
/// steps frames (1 ms apart, as a window woken by the job would) until the cost figure on screen
/// changes — three edits after the figures settled, seven while the previous run still works.
/// Prints the latencies and the cost of a frame; asserts only that every edit reached the
/// screen. `cargo test --test tests -- --ignored edit_to_figures --nocapture`
#[test]
#[ignore = "a measurement: prints edit-to-figure latency (cargo test -- --ignored edit_to_figures --nocapture)"]
fn edit_to_figures_latency() {
    let mut h = Harness::builder()
        .with_size(egui::vec2(1400.0, 900.0))
        .build_eframe(|cc| CostPlanApp::new(cc, None));
    wait(&mut h, "results", finished);
    h.get_by_label("Models").click();
    h.run_ok();
    h.get_by_label("Model sonnet").click();
    h.run_ok();
    let shown = |a: &CostPlanApp| {
        a.runner
            .results
            .as_ref()
            .map(|r| r.policies[0].metric(costplan::sim::metrics::Metric::CostPerRequest).p50)
    };
    let (mut settled_ms, mut busy_ms, mut frames_ms) = (Vec::new(), Vec::new(), Vec::new());
    for (i, price) in ["30", "16", "45", "12", "25", "18", "40", "14", "35", "20"]
        .iter()
        .enumerate()
    {
        if i < 3 {
            wait(&mut h, "results", finished);
        } else {
            // The previous edit's full run is under way.
            std::thread::sleep(Duration::from_millis(300));
            h.step();
            assert!(h.state().running());
        }
        let before = shown(h.state());
        let label = "Output price";
        h.get_all_by_label(label).next().unwrap().scroll_to_me();
        h.run_ok();
        h.get_all_by_label(label).next().unwrap().focus();
        h.run_ok();
        h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::A);
        h.get_all_by_label(label).next().unwrap().type_text(price);
        h.step();
        h.key_press(egui::Key::Enter);
        let start = Instant::now();
        loop {
            let f = Instant::now();
            h.step();
            frames_ms.push(f.elapsed().as_secs_f64() * 1e3);
            if shown(h.state()) != before {
                break;
            }
            assert!(
                start.elapsed() < Duration::from_secs(30),
                "edit {i} never reached the figures"
            );
            std::thread::sleep(Duration::from_millis(1));
        }
        let ms = start.elapsed().as_secs_f64() * 1e3;
        let now = shown(h.state()).unwrap();
        assert!(
            h.query_by_label(&costplan::report::format::usd(now)).is_some(),
            "the new figure is drawn in the frame that received it"
        );
        if i < 3 { &mut settled_ms } else { &mut busy_ms }.push(ms);
    }
    let median = |v: &mut Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    let max = |v: &[f64]| v.iter().copied().fold(0.0, f64::max);
    println!(
        "edit -> figures: settled median {:.0} ms (max {:.0}); during a run median {:.0} ms (max {:.0}); a frame: median {:.1} ms",
        median(&mut settled_ms),
        max(&settled_ms),
        median(&mut busy_ms),
        max(&busy_ms),
        median(&mut frames_ms)
    );
}

/// Events are edited in the Events section (issue 27): added, changed in kind, measured by the
/// full run (the table of what each does), and removed.
#[test]
fn an_event_is_added_edited_measured_and_removed_in_the_window() {
    let mut h = harness();
    wait(&mut h, "results", finished);
    h.get_by_label("Events (0)").click();
    h.run_ok();
    h.get_by_label("Add an event").click();
    h.run_ok();
    let events = &h.state().doc.draft.file.events;
    assert_eq!(events.len(), 1);
    assert!(
        h.state().doc.draft.file.start_date.is_some(),
        "an event needs a start date"
    );
    let label = events[0].label();
    h.get_by_label("E1");
    wait(&mut h, "results with the event measured", |a| {
        finished(a) && a.runner.results.as_ref().is_some_and(|r| r.event_effects_measured())
    });
    h.get_by_label_contains("What each event does to the spend over the horizon");
    h.get_by_label(&format!("E1 {label}"));
    // Another kind of change: the fields follow.
    // The combo box is labelled by its "Change" label; its options open in a popup (the
    // Traffic section's header has the same name: the option is the last).
    h.get_all_by_label("Change").last().unwrap().scroll_to_me();
    h.run_ok();
    h.get_all_by_label("Change").last().unwrap().click();
    h.run_ok();
    h.get_all_by_label("Traffic").last().unwrap().click();
    h.run_ok();
    assert!(matches!(
        h.state().doc.draft.file.events[0].change,
        costplan::model::events::Change::Traffic { .. }
    ));
    h.get_by_label("Traffic ×");
    h.get_by_label("Remove event E1").click();
    h.run_ok();
    assert!(h.state().doc.draft.file.events.is_empty());
    h.get_by_label("Events (0)");
}
