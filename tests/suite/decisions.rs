//! Decision tools (issue 14): a budget you can defend — the cap that keeps the risk of running
//! out at 10 % is the spend quantile of the runs, and the risk of exhausting a budget by each
//! day rises to P(breach by horizon).

use crate::common::ScenarioBuilder;
use costplan::sim::metrics::{self as m, quantile_sorted};

#[test]
fn the_safe_budget_is_the_spend_quantile_of_the_runs() {
    let text = ScenarioBuilder::new()
        .volume("LogNormal(500, 900)")
        .class("input_tokens: Fixed(1000), output_tokens: Fixed(200)")
        .success(0.9, 0.8)
        .policies(
            r#"Inline((name: "base", router: Fixed("big"))),
           Inline((name: "capped", router: Fixed("small"),
                   budget: (scope: Total, period: Day, cap_usd: 1.5, on_breach: AlertOnly)))"#,
        )
        .runs(60)
        .days(3)
        .text();
    let r = crate::common::run(&crate::common::scenario(&text));
    // No budget: the 3-day horizon holds no whole 30-day block, so its spend is scaled to a full
    // one (× 30/3), and the safe cap is that figure's 90th percentile across runs.
    let base = &r.policies[0];
    let mut spend: Vec<f64> = base.runs.iter().map(|x| x.values[m::COST_TOTAL] * 10.0).collect();
    spend.sort_by(f64::total_cmp);
    assert_eq!(base.budget_risk.period, "month");
    assert!((base.budget_risk.safe_cap_usd - quantile_sorted(&spend, 0.9)).abs() < 1e-9);
    assert!(base.budget_risk.breach_by_day.is_empty(), "no budget, no curve");
    // A daily budget: the highest day's spend, per run, at the 90th percentile.
    let capped = &r.policies[1];
    let mut highest_day: Vec<f64> = capped
        .runs
        .iter()
        .map(|x| x.spend_by_day_usd.iter().copied().fold(0.0, f64::max))
        .collect();
    highest_day.sort_by(f64::total_cmp);
    assert_eq!(capped.budget_risk.period, "day");
    assert!((capped.budget_risk.safe_cap_usd - quantile_sorted(&highest_day, 0.9)).abs() < 1e-9);
    // The risk of running out by each day never falls, and ends at P(breach by horizon).
    let curve = &capped.budget_risk.breach_by_day;
    assert_eq!(curve.len(), 3);
    assert!(curve.windows(2).all(|w| w[0] <= w[1]), "{curve:?}");
    let p_breach = capped.metric(costplan::sim::metrics::Metric::BudgetBreached).mean;
    assert!((curve[2] - p_breach).abs() < 1e-12, "{curve:?} vs {p_breach}");
    assert!(
        p_breach > 0.0 && p_breach < 1.0,
        "the test needs some runs to breach: {p_breach}"
    );
    // A cap at the safe value would be exhausted in at most about 10 % of runs: the share of
    // runs whose highest day exceeds it.
    let over = highest_day
        .iter()
        .filter(|x| **x > capped.budget_risk.safe_cap_usd)
        .count();
    assert!(over as f64 / highest_day.len() as f64 <= 0.1 + 1e-9);
    // The executive summary says it in one sentence.
    let s = costplan::report::summary::budget_sentence(capped, r.runs);
    assert!(
        s.starts_with("A daily budget of $") && s.contains("risk of running out"),
        "{s}"
    );
    assert!(
        s.contains("Its own $1.50 daily budget runs out before the horizon ends with"),
        "{s}"
    );
    // And JSON carries it.
    let json = costplan::report::json(&r).unwrap();
    assert!(
        json.contains("\"budget_risk\"") && json.contains("\"safe_cap_usd\"") && json.contains("\"breach_by_day\"")
    );
}

/// One input alone drives spend: its rank correlation is about 1 and every other input's about
/// 0 (within the chance level), with shares that add up to 100 %.
#[test]
fn sensitivity_finds_the_one_input_that_drives_the_output() {
    use costplan::sim::sensitivity::{Output, spearman};
    let text = ScenarioBuilder::new().volume("LogNormal(500, 900)").class("input_tokens: Fixed(1000), output_tokens: Fixed(200), near_repeat_rate: Beta(0.2, 0.05), retry_on_failure: Fixed(0)").success(0.9, 0.9).policies(r#"Inline((name: "base", router: Fixed("big")))"#).runs(200).days(2).text();
    let r = crate::common::run(&crate::common::scenario(&text));
    let s = r.policies[0]
        .sensitivity
        .iter()
        .find(|s| s.output == Output::Spend)
        .unwrap();
    let top = &s.drivers[0];
    assert_eq!(top.input, "traffic.requests_per_day");
    assert!(top.rank_correlation > 0.95, "{top:?}");
    let near = s
        .drivers
        .iter()
        .find(|d| d.input == "traffic.classes[c].near_repeat_rate")
        .expect("the uncertain near-repeat rate is an input");
    assert!(
        near.rank_correlation.abs() < s.noise_level * 1.5,
        "{near:?} vs {}",
        s.noise_level
    );
    let total: f64 = s.drivers.iter().map(|d| d.share).sum();
    assert!((total - 1.0).abs() < 1e-9);
    // Fixed inputs are not inputs.
    assert!(!s.drivers.iter().any(|d| d.input.contains("retry_on_failure")));
    // Spearman itself: monotone is 1, reversed is −1, ties averaged.
    assert!((spearman(&[1.0, 2.0, 3.0, 4.0], &[10.0, 20.0, 25.0, 1000.0]) - 1.0).abs() < 1e-12);
    assert!((spearman(&[1.0, 2.0, 3.0], &[3.0, 2.0, 1.0]) + 1.0).abs() < 1e-12);
    assert_eq!(spearman(&[1.0, 1.0, 1.0], &[1.0, 2.0, 3.0]), 0.0);
}

/// A one-class scenario where the learned router's cost and quality have closed forms: strong
/// ("big", $0.006 a task, success 0.95) and weak ("small", $0.002, success 0.80), no signal
/// noise, no retries. With strong share s: cost per request = 0.002 + 0.004·s and the success
/// rate drops against the big-only baseline by 0.2 − s (for 0.05 ≤ s ≤ 0.2).
fn router_scenario() -> costplan::model::Scenario {
    let text = ScenarioBuilder::new().volume("Fixed(2000)").class("input_tokens: Fixed(1000), output_tokens: Fixed(200), retry_on_failure: Fixed(0)").success(0.95, 0.80).policies(r#"Inline((name: "base", router: Fixed("big"))),
           Inline((name: "routed", router: Learned(strong: "big", weak: "small", strong_share: 0.5, signal_noise: 0.0)))"#).runs(12).days(3).text();
    crate::common::scenario(&text)
}

#[test]
fn a_sweep_of_the_strong_share_follows_the_closed_form_cost_line() {
    use costplan::sim::engine::Control;
    use costplan::sim::results::SimOptions;
    use costplan::sim::sweep::{SweepSpec, sweep};
    let scn = router_scenario();
    let spec: SweepSpec = "router.strong_share=0.1..0.6:6".parse().unwrap();
    let r = sweep(&scn, "routed", &spec, &SimOptions::default(), &Control::none())
        .unwrap()
        .unwrap();
    assert_eq!(r.points.len(), 6);
    let tasks = 2000.0 * 3.0 * 12.0;
    for p in &r.points {
        let s = p.value;
        let want = 0.002 + 0.004 * s;
        let cost_per_request = p.spend_usd.mean / (2000.0 * 3.0);
        // The share routed strong is binomial: its standard error over all runs' tasks.
        let se = 0.004 * (s * (1.0 - s) / tasks).sqrt();
        assert!(
            (cost_per_request - want).abs() < 4.0 * se + 1e-12,
            "s = {s}: {cost_per_request} vs {want} (4 SE = {})",
            4.0 * se
        );
    }
    assert!(
        r.points.windows(2).all(|w| w[0].spend_usd.mean < w[1].spend_usd.mean),
        "dearer with more strong share"
    );
}

#[test]
fn goal_seek_finds_the_cheapest_strong_share_that_keeps_the_quality_guardrail() {
    use costplan::sim::engine::Control;
    use costplan::sim::results::SimOptions;
    use costplan::sim::sweep::{SweepSpec, cheapest_within_guardrail, sweep};
    let scn = router_scenario();
    // Guardrail: at most 2 points of success lost ⇔ 0.2 − s ≤ 0.02 ⇔ s ≥ 0.18.
    let spec: SweepSpec = "router.strong_share=0.0..0.3:31".parse().unwrap();
    let r = sweep(&scn, "routed", &spec, &SimOptions::default(), &Control::none())
        .unwrap()
        .unwrap();
    let best = cheapest_within_guardrail(&r, 0.9).expect("a setting keeps the guardrail");
    assert!((0.18 - 1e-9..=0.19 + 1e-9).contains(&best.value), "{}", best.value);
    // Asking for the impossible says so.
    let spec: SweepSpec = "router.strong_share=0.0..0.1:3".parse().unwrap();
    let r = sweep(&scn, "routed", &spec, &SimOptions::default(), &Control::none())
        .unwrap()
        .unwrap();
    assert!(cheapest_within_guardrail(&r, 0.9).is_none());
    // Bad specs and knobs the policy lacks are refused with a reason.
    assert!("router.strong_share=0.1..0.6".parse::<SweepSpec>().is_err());
    assert!(
        "router.nothing=0.1..0.6:3"
            .parse::<SweepSpec>()
            .unwrap_err()
            .contains("unknown knob")
    );
    assert!("router.strong_share=0.1..0.6:500".parse::<SweepSpec>().is_err());
    let spec: SweepSpec = "budget.cap_usd=1..10:3".parse().unwrap();
    let e = sweep(&scn, "routed", &spec, &SimOptions::default(), &Control::none())
        .unwrap()
        .unwrap_err();
    assert!(e.contains("has no budget"), "{e}");
}

/// A model a policy never calls cannot drive its figures: its success rates are not inputs.
#[test]
fn sensitivity_leaves_out_models_a_policy_never_calls() {
    use costplan::sim::engine::Control;
    use costplan::sim::results::{EngineChoice, SimOptions, simulate};
    let path = crate::common::root().join("scenarios/support-assistant.ron");
    let scn = costplan::model::load_scenario_path(&path).unwrap();
    let opts = SimOptions {
        runs: Some(8),
        engine: EngineChoice::Sampled(100),
        skip_attribution: true,
        ..Default::default()
    };
    let r = simulate(&scn, &opts, &Control::none()).unwrap();
    let base = &r.policies[0];
    assert_eq!(base.name, "sonnet-only");
    for s in &base.sensitivity {
        assert!(
            s.drivers.iter().all(|d| !d.input.starts_with("models.haiku.")),
            "{:?}",
            s.drivers
        );
    }
    let cascade = r.policies.iter().find(|p| p.name == "haiku-cascade").unwrap();
    assert!(
        cascade
            .sensitivity
            .iter()
            .any(|s| s.drivers.iter().any(|d| d.input.starts_with("models.haiku."))),
        "the cascade calls haiku"
    );
}

/// Bisection pins the guardrail's boundary (s ≥ 0.18 by the closed form) to an eighth of a
/// coarse grid's step, simulating each refinement alone but paired with the grid's baseline.
#[test]
fn bisection_pins_the_cheapest_setting_to_an_eighth_of_the_grid_step() {
    use costplan::sim::engine::Control;
    use costplan::sim::results::SimOptions;
    use costplan::sim::sweep::{Goal, SweepSpec, goal_seek, sweep};
    let scn = router_scenario();
    let spec: SweepSpec = "router.strong_share=0.0..0.3:4".parse().unwrap();
    let opts = SimOptions::default();
    let r = sweep(&scn, "routed", &spec, &opts, &Control::none()).unwrap().unwrap();
    let goal = Goal::CheapestWithinQualityGuardrail { confidence: 0.9 };
    let grid = goal_seek(&scn, &r, goal, 0, &opts, &Control::none()).unwrap().unwrap();
    assert_eq!(
        grid.point.as_ref().map(|p| p.value),
        Some(0.2),
        "the grid alone: {grid:?}"
    );
    assert_eq!(grid.bisection_steps, 0);
    let a = goal_seek(&scn, &r, goal, 3, &opts, &Control::none()).unwrap().unwrap();
    let p = a.point.as_ref().expect("an answer");
    assert!((0.18 - 1e-9..=0.18 + 0.0125 + 1e-9).contains(&p.value), "{a:?}");
    let (fail, pass) = a.bracket.expect("bisection ran");
    assert!((pass - fail).abs() - 0.0125 < 1e-12, "{fail} – {pass}");
    assert_eq!(pass, p.value);
    assert!(p.p_within_quality_guardrail >= 0.9);
    assert!(p.cost_per_success_usd.mean < r.points[2].cost_per_success_usd.mean);
    // In words, with its probability and the bracket.
    let s = costplan::report::sweep::answer_sentence(&r, &a);
    assert!(
        s.contains("bisection (3 steps)") && s.contains("meets the goal in"),
        "{s}"
    );
}

/// A setting's figures do not depend on which other settings are simulated beside it — what
/// lets bisection simulate a refinement alone and still pair it with the grid's baseline.
#[test]
fn a_settings_figures_do_not_depend_on_the_other_settings() {
    use costplan::sim::engine::Control;
    use costplan::sim::results::SimOptions;
    use costplan::sim::sweep::{SweepSpec, sweep};
    let scn = router_scenario();
    let run = |spec: &str| {
        let spec: SweepSpec = spec.parse().unwrap();
        sweep(&scn, "routed", &spec, &SimOptions::default(), &Control::none())
            .unwrap()
            .unwrap()
    };
    let narrow = run("router.strong_share=0.1..0.3:3");
    let wide = run("router.strong_share=0.0..0.4:5");
    for p in &narrow.points {
        let q = wide.points.iter().find(|q| q.value == p.value).expect("shared setting");
        assert_eq!(p, q, "setting {}", p.value);
    }
    assert_eq!(narrow.baseline_success_by_run, wide.baseline_success_by_run);
}

/// The symmetric goal: the best quality whose spend stays within a budget. Spend per run is
/// 6,000 tasks × (0.002 + 0.004·s), so a $15.60 budget allows s ≤ 0.15 (less a little for the
/// 90 % confidence over the binomial spread, SE ≈ 0.005 in s).
#[test]
fn goal_seek_finds_the_best_quality_within_a_budget() {
    use costplan::sim::engine::Control;
    use costplan::sim::results::SimOptions;
    use costplan::sim::sweep::{Goal, SweepSpec, goal_seek, sweep};
    let scn = router_scenario();
    let spec: SweepSpec = "router.strong_share=0.0..0.6:7".parse().unwrap();
    let opts = SimOptions::default();
    let r = sweep(&scn, "routed", &spec, &opts, &Control::none()).unwrap().unwrap();
    let goal = Goal::BestQualityWithinBudget {
        budget_usd: 15.6,
        confidence: 0.9,
    };
    let a = goal_seek(&scn, &r, goal, 3, &opts, &Control::none()).unwrap().unwrap();
    let p = a.point.as_ref().expect("an answer");
    assert!((0.15 - 0.0125 - 3.0 * 0.005..=0.15).contains(&p.value), "{a:?}");
    assert!(p.p_within_budget(15.6) >= 0.9);
    // Every grid setting with more quality breaks the budget in more than 10 % of runs.
    for q in r.points.iter().filter(|q| q.success_rate.mean > p.success_rate.mean) {
        assert!(q.p_within_budget(15.6) < 0.9, "{}", q.value);
    }
    // An impossible budget says so.
    let none = goal_seek(
        &scn,
        &r,
        Goal::BestQualityWithinBudget {
            budget_usd: 1.0,
            confidence: 0.9,
        },
        3,
        &opts,
        &Control::none(),
    )
    .unwrap()
    .unwrap();
    assert!(none.point.is_none());
    assert!(costplan::report::sweep::answer_sentence(&r, &none).contains(": none"));
}

/// The risk a safe budget is for is the user's: the scenario's `guardrails.budget_risk`, or
/// the command line's `--budget-risk` over it; the cap is the matching spend quantile.
#[test]
fn the_budget_risk_is_chosen_by_the_user() {
    use costplan::sim::engine::Control;
    use costplan::sim::results::{SimOptions, simulate};
    let text = ScenarioBuilder::new()
        .volume("LogNormal(500, 900)")
        .class("input_tokens: Fixed(1000), output_tokens: Fixed(200)")
        .success(0.9, 0.8)
        .policies(r#"Inline((name: "base", router: Fixed("big")))"#)
        .runs(60)
        .days(3)
        .text()
        .replace(
            "    baseline: \"base\",",
            "    baseline: \"base\",\n    guardrails: (budget_risk: 0.2),",
        );
    let scn = crate::common::scenario(&text);
    let spend_quantile = |r: &costplan::sim::results::Results, q: f64| {
        // The 3-day horizon scaled to a full 30-day block.
        let mut s: Vec<f64> = r.policies[0]
            .runs
            .iter()
            .map(|x| x.values[m::COST_TOTAL] * 10.0)
            .collect();
        s.sort_by(f64::total_cmp);
        quantile_sorted(&s, q)
    };
    let r = crate::common::run(&scn);
    assert_eq!(r.policies[0].budget_risk.risk, 0.2);
    assert!((r.policies[0].budget_risk.safe_cap_usd - spend_quantile(&r, 0.8)).abs() < 1e-9);
    let opts = SimOptions {
        budget_risk: Some(0.05),
        ..Default::default()
    };
    let r = simulate(&scn, &opts, &Control::none()).unwrap();
    assert_eq!(r.policies[0].budget_risk.risk, 0.05);
    assert!((r.policies[0].budget_risk.safe_cap_usd - spend_quantile(&r, 0.95)).abs() < 1e-9);
    let s = costplan::report::summary::budget_sentence(&r.policies[0], r.runs);
    assert!(s.contains("at 5.0%") && s.contains("95th percentile"), "{s}");
    // Saved back, a non-default risk is kept; the default is not written.
    let saved = scn.to_ron().unwrap();
    assert!(saved.contains("budget_risk: 0.2"), "{saved}");
    let default = crate::common::scenario(&text.replace("    guardrails: (budget_risk: 0.2),\n", ""));
    assert_eq!(default.file.guardrails.budget_risk.get(), 0.1);
    assert!(!default.to_ron().unwrap().contains("budget_risk"));
}
