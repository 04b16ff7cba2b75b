//! Closed-form checks of the engine: each expectation computed by hand, each tolerance derived
//! from the standard error of the estimate (4 standard errors), fixed seeds.

use crate::common::ScenarioBuilder;
use costplan::sim::metrics::{self as m};
use costplan::sim::results::Results;

use crate::common::run;

const FIXED: &str = "input_tokens: Fixed(1000), output_tokens: Fixed(200)";

fn totals(r: &Results, policy: usize, metric: usize) -> f64 {
    r.policies[policy].runs.iter().map(|x| x.values[metric]).sum()
}

fn base_only(extra: &str) -> String {
    format!(r#"Inline((name: "base", router: Fixed("big"))), Inline((name: "cand", router: Fixed("big"), {extra}))"#)
}

#[test]
fn fixed_model_and_tokens_give_the_exact_cost() {
    let s = ScenarioBuilder::new()
        .volume("Fixed(2000)")
        .class(FIXED)
        .success(1.0, 1.0)
        .policies(&base_only("max_retries: 0"))
        .runs(3)
        .days(5)
        .build();
    let r = run(&s);
    for run in &r.policies[0].runs {
        let per_task = run.values[m::COST_TOTAL] / run.values[m::TASKS];
        assert!((per_task - 0.006).abs() < 1e-9 * 0.006, "{per_task}");
        assert_eq!(run.values[m::COST_PER_REQUEST], per_task);
        assert!((run.values[m::COST_PER_SUCCESS] - 0.006).abs() < 1e-12);
        assert_eq!(run.values[m::TASKS], 2000.0 * 5.0);
    }
}

#[test]
fn lognormal_tokens_give_the_expected_cost() {
    let class = "input_tokens: LogNormal(1000, 3000), output_tokens: LogNormal(200, 600)";
    let s = ScenarioBuilder::new()
        .volume("Fixed(5000)")
        .class(class)
        .success(1.0, 1.0)
        .policies(&base_only("max_retries: 0"))
        .runs(4)
        .days(10)
        .build();
    let r = run(&s);
    let sigma = 3f64.ln() / costplan::model::dist::Z95;
    let ln_mean = |median: f64| median * (sigma * sigma / 2.0).exp();
    let ln_var = |median: f64| ((sigma * sigma).exp() - 1.0) * median * median * (sigma * sigma).exp();
    let expected = ln_mean(1000.0) * 3e-6 + ln_mean(200.0) * 15e-6;
    let sd = (ln_var(1000.0) * 9e-12 + ln_var(200.0) * 225e-12).sqrt();
    let n = totals(&r, 0, m::TASKS);
    let got = totals(&r, 0, m::COST_TOTAL) / n;
    assert!(
        (got - expected).abs() < 4.0 * sd / n.sqrt(),
        "{got} vs {expected} ± {}",
        4.0 * sd / n.sqrt()
    );
}

#[test]
fn exact_cache_scales_cost_by_one_minus_repeat_times_hit() {
    let class = "input_tokens: Fixed(1000), output_tokens: Fixed(200), exact_repeat_rate: Fixed(0.3)";
    let s = ScenarioBuilder::new()
        .volume("Fixed(5000)")
        .class(class)
        .success(1.0, 1.0)
        .policies(&base_only("exact_cache: (hit_given_repeat: Fixed(0.8))"))
        .runs(4)
        .days(10)
        .build();
    let r = run(&s);
    let ratio = totals(&r, 1, m::COST_TOTAL) / totals(&r, 0, m::COST_TOTAL);
    let n = totals(&r, 0, m::TASKS);
    let rh = 0.3 * 0.8;
    assert!(
        ((1.0 - ratio) - rh).abs() < 4.0 * (rh * (1.0 - rh) / n).sqrt(),
        "ratio {ratio}"
    );
    assert_eq!(
        totals(&r, 1, m::SUCCESSES),
        totals(&r, 0, m::SUCCESSES),
        "cached answers are as good as the route"
    );
}

#[test]
fn cascade_costs_first_stage_plus_escalations_and_succeeds_as_derived() {
    let policies = r#"Inline((name: "base", router: Fixed("big"))),
        Inline((name: "cascade", router: Cascade(stages: ["small", "big"],
            verifier: (model: "judge", recall: Fixed(0.8), false_alarm_rate: Fixed(0.1), reads_task: false, output_tokens: 0))))"#;
    let s = ScenarioBuilder::new()
        .volume("Fixed(5000)")
        .class(FIXED)
        .success(0.9, 0.6)
        .policies(policies)
        .runs(4)
        .days(10)
        .build();
    let r = run(&s);
    let (p1, p2, recall, fa) = (0.6, 0.9, 0.8, 0.1);
    let p_esc: f64 = (1.0 - p1) * recall + p1 * fa;
    let (c1, c2) = (0.002, 0.006);
    let n = totals(&r, 1, m::TASKS);
    let cost = totals(&r, 1, m::COST_TOTAL) / n;
    let se_cost = c2 * (p_esc * (1.0 - p_esc) / n).sqrt();
    assert!(
        (cost - (c1 + p_esc * c2)).abs() < 4.0 * se_cost,
        "cost {cost} vs {}",
        c1 + p_esc * c2
    );
    let success = totals(&r, 1, m::SUCCESSES) / n;
    let expected = p1 + (p2 - p1) * recall;
    assert!(
        (success - expected).abs() < 4.0 * (expected * (1.0 - expected) / n).sqrt(),
        "success {success} vs {expected}"
    );
    let esc = totals(&r, 1, m::ESCALATIONS) / n;
    assert!((esc - p_esc).abs() < 4.0 * (p_esc * (1.0 - p_esc) / n).sqrt());
}

#[test]
fn learned_router_meets_its_strong_share() {
    let policies = r#"Inline((name: "base", router: Fixed("big"))),
        Inline((name: "learned", router: Learned(strong: "big", weak: "small", strong_share: 0.3, signal_noise: 0.2)))"#;
    let s = ScenarioBuilder::new()
        .volume("Fixed(5000)")
        .class(FIXED)
        .success(0.9, 0.6)
        .policies(policies)
        .runs(4)
        .days(10)
        .build();
    let r = run(&s);
    let share = r.policies[1]
        .runs
        .iter()
        .map(|x| x.values[m::STRONG_SHARE] * x.values[m::MODEL_CALLS])
        .sum::<f64>()
        / totals(&r, 1, m::MODEL_CALLS);
    assert!((share - 0.3).abs() < 0.005, "strong share {share}");
    // The router sees the difficulty: its success beats random routing at the same share.
    let random = 0.3 * 0.9 + 0.7 * 0.6;
    assert!(totals(&r, 1, m::SUCCESSES) / totals(&r, 1, m::TASKS) > random + 0.02);
}

#[test]
fn budget_reject_never_spends_more_than_cap_plus_one_task() {
    let s = ScenarioBuilder::new()
        .volume("Fixed(5000)")
        .class(FIXED)
        .success(1.0, 1.0)
        .policies(&base_only(
            "budget: (scope: Total, period: Day, cap_usd: 10.0, on_breach: Reject)",
        ))
        .runs(3)
        .days(10)
        .build();
    let r = run(&s);
    for run in &r.policies[1].runs {
        for day in &run.spend_by_day_usd {
            assert!(*day <= 10.0 + 0.006 + 1e-9, "{day}");
            assert!(*day >= 10.0 - 1e-9, "the cap is reached every day: {day}");
        }
        assert!(run.values[m::REJECTED_TASKS] > 0.0);
        assert_eq!(run.values[m::DAYS_OVER_CAP], 10.0);
        assert_eq!(run.values[m::FIRST_BREACH_DAY], 0.0);
        assert_eq!(run.values[m::FIRST_ALERT_DAY], 0.0);
    }
}

#[test]
fn monthly_budget_alerts_before_it_breaches() {
    // $30 a day against a $250 monthly cap with an alert at 50 %: alert on day 4 (spend $150 by
    // the end of day 5 0-based 4), breach on day 8 ($270 by the end of day 9, 0-based 8).
    let s = ScenarioBuilder::new()
        .volume("Fixed(5000)")
        .class(FIXED)
        .success(1.0, 1.0)
        .policies(&base_only(
            "budget: (scope: Total, period: Month, cap_usd: 250.0, on_breach: AlertOnly, alert_at: 0.5)",
        ))
        .runs(2)
        .days(20)
        .build();
    let r = run(&s);
    for run in &r.policies[1].runs {
        assert_eq!(run.values[m::FIRST_ALERT_DAY], 4.0);
        assert_eq!(run.values[m::FIRST_BREACH_DAY], 8.0);
        assert_eq!(
            run.values[m::DAYS_OVER_CAP],
            12.0,
            "days 8 to 19 are over the monthly cap"
        );
    }
    assert!(
        r.policies[1]
            .risk_flags
            .iter()
            .any(|f| f.kind == costplan::sim::results::RiskKind::BudgetExhaustion && f.value == 1.0)
    );
}

#[test]
fn budget_downgrade_sends_every_task_after_the_breach_to_the_fallback() {
    let s = ScenarioBuilder::new()
        .volume("Fixed(5000)")
        .class(FIXED)
        .success(1.0, 1.0)
        .policies(&base_only(
            "budget: (scope: Total, period: Day, cap_usd: 10.0, on_breach: Downgrade(\"small\"))",
        ))
        .runs(3)
        .days(10)
        .build();
    let r = run(&s);
    let big = r.models.iter().position(|x| x == "big").unwrap();
    let small = r.models.iter().position(|x| x == "small").unwrap();
    for run in &r.policies[1].runs {
        let tasks = run.values[m::TASKS];
        let down = run.values[m::DOWNGRADED_TASKS];
        // Each day the first ceil(10 / 0.006) tasks use the primary model, all others the fallback.
        let per_day_primary = (10.0f64 / 0.006).ceil();
        assert_eq!(tasks - down, per_day_primary * 10.0);
        assert!((run.spend_by_model_usd[big] - (tasks - down) * 0.006).abs() < 1e-9 * tasks);
        assert!((run.spend_by_model_usd[small] - down * 0.002).abs() < 1e-9 * tasks);
    }
}

#[test]
fn prompt_cache_warmth_follows_one_minus_exp_minus_lambda_ttl() {
    let class = "input_tokens: Fixed(100), shared_prefix_tokens: 2000, output_tokens: Fixed(50)";
    let s = ScenarioBuilder::new()
        .volume("Fixed(300)")
        .class(class)
        .success(1.0, 1.0)
        .policies(&base_only("prompt_caching: (ttl_minutes: 5.0)"))
        .runs(10)
        .days(30)
        .build();
    let r = run(&s);
    let read = totals(&r, 1, m::TOKENS_CACHE_READ);
    let write = totals(&r, 1, m::TOKENS_CACHE_WRITE);
    let warm = read / (read + write);
    let lambda_per_min = 300.0 / 1440.0;
    let expected = 1.0 - (-lambda_per_min * 5.0f64).exp();
    let n = (read + write) / 2000.0;
    assert!(
        (warm - expected).abs() < 6.0 * (expected * (1.0 - expected) / n).sqrt(),
        "warm {warm} vs {expected}"
    );
    // And the cost follows: prefix at the read price when warm, the write price when cold.
    let per_task = totals(&r, 1, m::COST_TOTAL) / totals(&r, 1, m::TASKS);
    let expected_cost = 100.0 * 3e-6 + 50.0 * 15e-6 + 2000.0 * (warm * 0.3e-6 + (1.0 - warm) * 3.75e-6);
    assert!((per_task - expected_cost).abs() < 1e-9);
    // A prefix below the provider's minimum is never cached.
    let small = "input_tokens: Fixed(100), shared_prefix_tokens: 1000, output_tokens: Fixed(50)";
    let s = ScenarioBuilder::new()
        .volume("Fixed(300)")
        .class(small)
        .success(1.0, 1.0)
        .policies(&base_only("prompt_caching: ()"))
        .runs(2)
        .days(3)
        .build();
    assert_eq!(totals(&run(&s), 1, m::TOKENS_CACHE_READ), 0.0);
}

#[test]
fn batch_prices_apply_to_batchable_classes() {
    let class = "input_tokens: Fixed(1000), output_tokens: Fixed(200), batchable: true";
    let s = ScenarioBuilder::new()
        .volume("Fixed(1000)")
        .class(class)
        .success(1.0, 1.0)
        .policies(&base_only("batch: ()"))
        .runs(2)
        .days(5)
        .build();
    let r = run(&s);
    for (b, c) in r.policies[0].runs.iter().zip(&r.policies[1].runs) {
        let per_task = c.values[m::COST_TOTAL] / c.values[m::TASKS];
        assert!((per_task - (1000.0 * 1.5e-6 + 200.0 * 7.5e-6)).abs() < 1e-12);
        assert!((c.values[m::COST_TOTAL] / b.values[m::COST_TOTAL] - 0.5).abs() < 1e-9);
    }
}

#[test]
fn long_context_tier_bills_the_whole_request() {
    let cost = |class: &str| {
        let s = ScenarioBuilder::new()
            .volume("Fixed(100)")
            .class(class)
            .success(1.0, 1.0)
            .policies(&base_only("max_retries: 0"))
            .runs(1)
            .days(2)
            .build();
        let r = run(&s);
        totals(&r, 0, m::COST_TOTAL) / totals(&r, 0, m::TASKS)
    };
    let above = cost("input_tokens: Fixed(250000), output_tokens: Fixed(200)");
    assert!((above - (250000.0 * 6e-6 + 200.0 * 22.5e-6)).abs() < 1e-9, "{above}");
    let below = cost("input_tokens: Fixed(150000), output_tokens: Fixed(200)");
    assert!((below - (150000.0 * 3e-6 + 200.0 * 15e-6)).abs() < 1e-9, "{below}");
    // The shared prefix counts towards the threshold.
    let with_prefix = cost("input_tokens: Fixed(150000), shared_prefix_tokens: 60000, output_tokens: Fixed(200)");
    assert!(
        (with_prefix - (210000.0 * 6e-6 + 200.0 * 22.5e-6)).abs() < 1e-9,
        "{with_prefix}"
    );
}

#[test]
fn retries_give_the_expected_number_of_attempts() {
    let class = "input_tokens: Fixed(1000), output_tokens: Fixed(200), retry_on_failure: Fixed(0.5)";
    let s = ScenarioBuilder::new()
        .volume("Fixed(5000)")
        .class(class)
        .success(0.7, 0.5)
        .policies(&base_only("max_retries: 2"))
        .runs(4)
        .days(10)
        .build();
    let r = run(&s);
    let q: f64 = 0.5 * 0.3; // P(another attempt) = fail · retry
    let ea = 1.0 + q + q * q;
    let ea2 = 1.0 + 3.0 * q + 5.0 * q * q;
    let sd = (ea2 - ea * ea).sqrt();
    let n = totals(&r, 1, m::TASKS);
    let attempts = totals(&r, 1, m::MODEL_CALLS) / n;
    assert!((attempts - ea).abs() < 4.0 * sd / n.sqrt(), "{attempts} vs {ea}");
    let p_fail = 0.3 * (0.5 + 0.5 * 0.3 * (0.5 + 0.5 * 0.3));
    let success = totals(&r, 1, m::SUCCESSES) / n;
    assert!((success - (1.0 - p_fail)).abs() < 4.0 * (p_fail * (1.0 - p_fail) / n).sqrt());
    assert_eq!(
        totals(&r, 0, m::MODEL_CALLS),
        totals(&r, 0, m::TASKS),
        "no retries without max_retries"
    );
}

#[test]
fn shapley_shares_add_up_to_the_total_saving() {
    let class = "input_tokens: Fixed(1000), shared_prefix_tokens: 2000, output_tokens: Fixed(200), exact_repeat_rate: Fixed(0.2)";
    let policies = r#"Inline((name: "base", router: Fixed("big"))),
        Inline((name: "cand", router: Fixed("small"), exact_cache: (hit_given_repeat: Fixed(0.9)), prompt_caching: ()))"#;
    let s = ScenarioBuilder::new()
        .volume("Fixed(3000)")
        .class(class)
        .success(0.9, 0.8)
        .policies(policies)
        .runs(5)
        .days(5)
        .build();
    let r = run(&s);
    let cand = &r.policies[1];
    let sv = cand.savings_by_tactic.as_ref().unwrap();
    assert_eq!(
        sv.shapley.iter().map(|t| t.tactic.name()).collect::<Vec<_>>(),
        ["router", "exact_cache", "prompt_caching"]
    );
    let total = -cand.delta(costplan::sim::metrics::Metric::CostTotal).unwrap().mean;
    let sum: f64 = sv.shapley.iter().map(|t| t.mean_usd).sum();
    assert!((sum - total).abs() <= 1e-9 * total.abs(), "{sum} vs {total}");
    let fall: f64 = sv.waterfall.iter().map(|t| t.mean_usd).sum();
    assert!((fall - total).abs() <= 1e-9 * total.abs());
    let total_cps = -cand.delta(costplan::sim::metrics::Metric::CostPerSuccess).unwrap().mean;
    let sum_cps: f64 = sv.shapley_cost_per_success.iter().map(|t| t.mean_usd).sum();
    assert!((sum_cps - total_cps).abs() <= 1e-9 * total_cps.abs());
    assert!(
        sv.shapley.iter().all(|t| t.mean_usd > 0.0),
        "each tactic saves here: {sv:?}"
    );
}

#[test]
fn paired_deltas_have_less_noise_than_independent_estimates() {
    let class = "input_tokens: LogNormal(1000, 3000), output_tokens: Fixed(200), exact_repeat_rate: Beta(0.2, 0.05)";
    let s = ScenarioBuilder::new()
        .volume("LogNormal(2000, 4000)")
        .class(class)
        .success(0.9, 0.8)
        .policies(&base_only("exact_cache: (hit_given_repeat: Fixed(0.5))"))
        .runs(30)
        .days(5)
        .build();
    let r = run(&s);
    let d = r.policies[1].delta(costplan::sim::metrics::Metric::CostTotal).unwrap();
    let b = r.policies[0].metric(costplan::sim::metrics::Metric::CostTotal);
    assert!(
        d.p95 - d.p5 < 0.2 * (b.p95 - b.p5),
        "paired interval {:?} vs spread {:?}",
        d,
        b
    );
    assert_eq!(d.p_better, 1.0);
}

#[test]
fn semantic_cache_pays_embeddings_and_wrong_hits_fail() {
    let class = "input_tokens: Fixed(1000), output_tokens: Fixed(200), near_repeat_rate: Fixed(0.4)";
    let policy = r#"semantic_cache: (embedding_price_key: "embed", hit_given_near_repeat: Fixed(0.5),
        wrong_hit_given_near_repeat: Fixed(0.1), false_hit_rate: Fixed(0.02))"#;
    let s = ScenarioBuilder::new()
        .volume("Fixed(5000)")
        .class(class)
        .success(1.0, 1.0)
        .policies(&base_only(policy))
        .runs(4)
        .days(5)
        .build();
    let r = run(&s);
    let n = totals(&r, 1, m::TASKS);
    assert_eq!(
        totals(&r, 1, m::TOKENS_EMBEDDING),
        n * 1000.0,
        "every task pays an embedding lookup"
    );
    let wrong = 0.4 * 0.1 + 0.6 * 0.02;
    let success = totals(&r, 1, m::SUCCESSES) / n;
    assert!(
        ((1.0 - success) - wrong).abs() < 4.0 * (wrong * (1.0 - wrong) / n).sqrt(),
        "success {success}"
    );
    let served_by_model: f64 = 1.0 - 0.4 * 0.6 - 0.6 * 0.02;
    let expected_cost = served_by_model * 0.006 + 1000.0 * 0.02e-6;
    let cost = totals(&r, 1, m::COST_TOTAL) / n;
    let sd = 0.006 * (served_by_model * (1.0 - served_by_model)).sqrt();
    assert!(
        (cost - expected_cost).abs() < 4.0 * sd / n.sqrt(),
        "cost {cost} vs {expected_cost}"
    );
}

#[test]
fn context_cap_truncates_and_costs_success() {
    let class = "input_tokens: Fixed(8000), output_tokens: Fixed(200)";
    let s = ScenarioBuilder::new()
        .volume("Fixed(2000)")
        .class(class)
        .success(0.9, 0.8)
        .policies(&base_only(
            "context_cap: (max_input_tokens: 5000, success_penalty: 0.1)",
        ))
        .runs(4)
        .days(5)
        .build();
    let r = run(&s);
    let n = totals(&r, 1, m::TASKS);
    assert_eq!(totals(&r, 1, m::TRUNCATED_TASKS), n);
    let per_task = totals(&r, 1, m::COST_TOTAL) / n;
    assert!((per_task - (5000.0 * 3e-6 + 200.0 * 15e-6)).abs() < 1e-12);
    let success = totals(&r, 1, m::SUCCESSES) / n;
    assert!((success - 0.8).abs() < 4.0 * (0.16f64 / n).sqrt(), "{success}");
}

#[test]
fn cancellation_stops_a_run() {
    use std::sync::atomic::AtomicBool;
    let s = ScenarioBuilder::new()
        .volume("Fixed(1000)")
        .class(FIXED)
        .success(1.0, 1.0)
        .policies(&base_only("max_retries: 0"))
        .runs(10)
        .days(10)
        .build();
    let cancel = AtomicBool::new(true);
    let ctl = costplan::sim::engine::Control {
        cancel: &cancel,
        progress: &|_, _| {},
    };
    let r = costplan::sim::results::simulate(&s, &Default::default(), &ctl);
    assert!(r.is_err());
}

#[test]
fn progress_reaches_every_run() {
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
    let s = ScenarioBuilder::new()
        .volume("Fixed(100)")
        .class(FIXED)
        .success(1.0, 1.0)
        .policies(&base_only("max_retries: 0"))
        .runs(7)
        .days(2)
        .build();
    let cancel = AtomicBool::new(false);
    let last = AtomicUsize::new(0);
    let progress = |done: usize, total: usize| {
        assert_eq!(total, 7);
        last.fetch_max(done, Ordering::Relaxed);
    };
    let ctl = costplan::sim::engine::Control {
        cancel: &cancel,
        progress: &progress,
    };
    costplan::sim::results::simulate(&s, &Default::default(), &ctl).unwrap();
    assert_eq!(last.load(Ordering::Relaxed), 7);
}

/// The compiler resolves every name or says which it could not: never the first model or a
/// zero price in its place.
#[test]
fn an_unresolved_name_is_a_compile_error_not_a_fallback() {
    use costplan::sim::compile::{CompileError, Compiled};
    let s = costplan::model::Scenario::bundled_default().unwrap();
    assert!(Compiled::new(&s, &s.policies).is_ok());
    let mut p = s.policies[0].clone();
    p.router = Some(costplan::model::Router::Fixed("gpt-9".into()));
    assert_eq!(
        Compiled::new(&s, &[p.clone()]).unwrap_err(),
        CompileError::UnknownModel {
            policy: "sonnet-only".into(),
            model: "gpt-9".into()
        }
    );
    let mut unpriced = s.clone();
    unpriced.prices.models.remove("claude-haiku-4-5");
    assert!(matches!(
        Compiled::new(&unpriced, &s.policies),
        Err(CompileError::UnknownPrice { model, .. }) if model == "haiku"
    ));
    // The simulation passes the error on instead of running on a made-up model.
    let mut bad = s.clone();
    bad.policies[0] = p;
    let err = costplan::sim::results::simulate(
        &bad,
        &costplan::sim::results::SimOptions::default(),
        &costplan::sim::engine::Control::none(),
    )
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        "cannot simulate: policy \"sonnet-only\" refers to the unknown model \"gpt-9\""
    );
}
