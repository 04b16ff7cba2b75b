//! Closed-form checks of billing, latency, budgets and the figures derived from them (issue 8):
//! each case has a known answer; statistical ones use 3 standard errors of the estimate,
//! deterministic ones are exact (to float rounding).

use crate::common::ScenarioBuilder;
use costplan::model::Scenario;
use costplan::sim::metrics as m;
use costplan::sim::results::{Results, SimOptions, simulate};

use crate::common::{root, run, scenario};

/// A one-class scenario with its own price table (`prices` is the body of `models: {…}`).
struct Case<'a> {
    prices: &'a str,
    volume: &'a str,
    class: &'a str,
    models: &'a str,
    policies: &'a str,
    runs: u32,
    days: u32,
    extra: &'a str,
}

impl Case<'_> {
    fn text(&self) -> String {
        format!(
            r#"#![enable(implicit_some)]
(
    format_version: 1,
    name: "billing",
    horizon_days: {days},
    runs: {runs},
    seed: 7,
    {extra}
    prices: Inline((format_version: 1, models: {{ {prices} }})),
    traffic: Inline((
        format_version: 1,
        requests_per_day: {volume},
        classes: [(name: "c", share: 1.0, owner: "team", {class})],
    )),
    models: {{ {models} }},
    default_model: "m",
    baseline: "base",
    policies: [{policies}],
)"#,
            days = self.days,
            runs = self.runs,
            extra = self.extra,
            prices = self.prices,
            volume = self.volume,
            class = self.class,
            models = self.models,
            policies = self.policies,
        )
    }

    fn scenario(&self) -> Scenario {
        scenario(&self.text())
    }

    fn error(&self) -> String {
        match Scenario::from_str(&self.text(), "<case>", None) {
            Ok(_) => panic!("expected a validation error"),
            Err(e) => e.to_string(),
        }
    }
}

const M: &str =
    r#""m": (price_key: "p", success: {"c": Fixed(1.0)}, ttft_ms: Fixed(100), output_tokens_per_s: Fixed(100))"#;

fn total(r: &Results, policy: usize, metric: usize) -> f64 {
    r.policies[policy].runs.iter().map(|x| x.values[metric]).sum()
}

fn per_task_cost(r: &Results, policy: usize) -> f64 {
    total(r, policy, m::COST_TOTAL) / total(r, policy, m::TASKS)
}

// 1. Prompt-cache warmth follows 1 − exp(−λ·TTL) at every rate, and TTL 0 is always cold.
#[test]
fn prompt_cache_warmth_matches_the_poisson_closed_form_at_low_and_high_rates() {
    let prices = r#""p": (provider: "x", input_usd_per_mtok: 2.0, output_usd_per_mtok: 10.0,
        cache_read_usd_per_mtok: 0.2, cache_write_usd_per_mtok: 2.5, prompt_cache_min_tokens: 1024,
        as_of: "2026-11-29", source: "test")"#;
    // (tasks per day, TTL minutes, runs, days): λ·TTL ≈ 0.035, 0.17, 1 and 5.
    for (per_day, ttl, runs, days) in [
        (10u32, 5.0f64, 40u32, 365u32),
        (50, 5.0, 20, 100),
        (288, 5.0, 10, 30),
        (1440, 5.0, 5, 20),
    ] {
        let policies = format!(r#"Inline((name: "base", prompt_caching: (ttl_minutes: {ttl:.1})))"#);
        let r = run(&Case {
            prices,
            volume: &format!("Fixed({per_day})"),
            class: "input_tokens: Fixed(10), shared_prefix_tokens: 5000, output_tokens: Fixed(400)",
            models: M,
            policies: &policies,
            runs,
            days,
            extra: "",
        }
        .scenario());
        let read = total(&r, 0, m::TOKENS_CACHE_READ);
        let write = total(&r, 0, m::TOKENS_CACHE_WRITE);
        let warm = read / (read + write);
        let lambda_ttl = per_day as f64 / 1440.0 * ttl;
        let expected = 1.0 - (-lambda_ttl).exp();
        let n = (read + write) / 5000.0;
        let se = (expected * (1.0 - expected) / n).sqrt();
        assert!(
            (warm - expected).abs() < 3.0 * se,
            "λ·TTL {lambda_ttl:.3}: warm share {warm:.5} vs 1 − exp(−λ·TTL) = {expected:.5} ± {:.5}",
            3.0 * se
        );
    }
    // TTL 0: every prefix is written, every task costs the cold bill.
    let r = run(&Case {
        prices,
        volume: "Fixed(500)",
        class: "input_tokens: Fixed(10), shared_prefix_tokens: 5000, output_tokens: Fixed(400)",
        models: M,
        policies: r#"Inline((name: "base", prompt_caching: (ttl_minutes: 0.0)))"#,
        runs: 2,
        days: 3,
        extra: "",
    }
    .scenario());
    for run in &r.policies[0].runs {
        assert_eq!(run.values[m::TOKENS_CACHE_READ], 0.0);
        let per_task = run.values[m::COST_TOTAL] / run.values[m::TASKS];
        assert!((per_task - 0.01652).abs() < 1e-12, "{per_task}");
    }
}

// 2. A task's latency is the sum of its attempts.
#[test]
fn latency_percentiles_are_of_tasks_and_count_every_attempt() {
    let prices =
        r#""p": (provider: "x", input_usd_per_mtok: 1.0, output_usd_per_mtok: 1.0, as_of: "2026-11-29", source: "t")"#;
    let models =
        r#""m": (price_key: "p", success: {"c": Fixed(0.5)}, ttft_ms: Fixed(2500), output_tokens_per_s: Fixed(100))"#;
    let r = run(&Case {
        prices,
        volume: "Fixed(2000)",
        class: "input_tokens: Fixed(10), output_tokens: Fixed(0), retry_on_failure: Fixed(1.0)",
        models,
        policies: r#"Inline((name: "base", max_retries: 1))"#,
        runs: 3,
        days: 2,
        extra: "",
    }
    .scenario());
    for run in &r.policies[0].runs {
        assert_eq!(
            run.values[m::LATENCY_P95],
            5000.0,
            "half the tasks wait for two attempts"
        );
        assert_eq!(run.values[m::LATENCY_P99], 5000.0);
        assert!([2500.0, 5000.0].contains(&run.values[m::LATENCY_P50]));
    }
    // Nothing is clipped: a 40-minute wait is reported as 40 minutes.
    let slow = r#""m": (price_key: "p", success: {"c": Fixed(1.0)}, ttft_ms: Fixed(2400000), output_tokens_per_s: Fixed(100))"#;
    let r = run(&Case {
        prices,
        volume: "Fixed(100)",
        class: "input_tokens: Fixed(10), output_tokens: Fixed(0)",
        models: slow,
        policies: r#"Inline((name: "base"))"#,
        runs: 1,
        days: 1,
        extra: "",
    }
    .scenario());
    assert_eq!(r.policies[0].runs[0].values[m::LATENCY_P95], 2_400_000.0);
}

const ANTHROPIC_LIKE: &str = r#""p": (provider: "anthropic", input_usd_per_mtok: 3.0, output_usd_per_mtok: 15.0,
    cache_read_usd_per_mtok: 0.3, cache_write_usd_per_mtok: 3.75, cache_write_1h_usd_per_mtok: 6.0,
    prompt_cache_min_tokens: 1024, as_of: "2026-11-29", source: "test")"#;

// 3. A 1-hour TTL pays the 1-hour write price; a TTL the provider does not offer is an error.
#[test]
fn one_hour_cache_writes_are_billed_at_the_one_hour_price() {
    for (ttl, write_price) in [(60.0, 6e-6), (5.0, 3.75e-6)] {
        let policies = format!(r#"Inline((name: "base", prompt_caching: (ttl_minutes: {ttl:.1})))"#);
        let r = run(&Case {
            prices: ANTHROPIC_LIKE,
            volume: "Fixed(24)",
            class: "input_tokens: Fixed(100), shared_prefix_tokens: 4000, output_tokens: Fixed(200)",
            models: M,
            policies: &policies,
            runs: 3,
            days: 20,
            extra: "",
        }
        .scenario());
        for run in &r.policies[0].runs {
            let v = &run.values;
            let tasks = v[m::TASKS];
            let expected = tasks * (100.0 * 3e-6 + 200.0 * 15e-6)
                + v[m::TOKENS_CACHE_READ] * 0.3e-6
                + v[m::TOKENS_CACHE_WRITE] * write_price;
            assert!(v[m::TOKENS_CACHE_WRITE] > 0.0);
            assert!(
                (v[m::COST_TOTAL] - expected).abs() < 1e-9 * expected,
                "TTL {ttl}: {} vs {expected}",
                v[m::COST_TOTAL]
            );
        }
    }
    let err = Case {
        prices: ANTHROPIC_LIKE,
        volume: "Fixed(24)",
        class: "input_tokens: Fixed(100), shared_prefix_tokens: 4000, output_tokens: Fixed(200)",
        models: M,
        policies: r#"Inline((name: "base", prompt_caching: (ttl_minutes: 30.0)))"#,
        runs: 1,
        days: 1,
        extra: "",
    }
    .error();
    assert!(
        err.contains("policies[0].prompt_caching.ttl_minutes")
            && err.contains("TTL of 30 minutes is not offered")
            && err.contains("5 or 60 minutes"),
        "{err}"
    );
}

// 4. The importer fills OpenAI's 1,024-token minimum; a 600-token prefix is never cached.
#[test]
fn openai_prefixes_below_1024_tokens_are_not_cached() {
    let text = std::fs::read_to_string(crate::common::litellm_json()).unwrap();
    let (t, _) =
        costplan::model::prices::import_litellm(&costplan::model::SourceFile::new("l.json", &text), "2026-11-29")
            .unwrap();
    assert_eq!(t.models["gpt-4o-mini"].prompt_cache_min_tokens, Some(1024));
    assert_eq!(t.models["gpt-4.1"].prompt_cache_min_tokens, Some(1024));
    assert_eq!(t.models["deepseek/deepseek-chat"].prompt_cache_min_tokens, Some(64));
    assert_eq!(
        t.models["claude-haiku-4-5"].prompt_cache_min_tokens,
        Some(4096),
        "LiteLLM's own figure wins"
    );
    assert_eq!(
        t.models["claude-sonnet-4-5"].cache_write_1h_usd_per_mtok.unwrap().get(),
        6.0
    );
    let s = bundled_case(
        "gpt-4o-mini",
        "input_tokens: Fixed(50), shared_prefix_tokens: 600, output_tokens: Fixed(100)",
    );
    let r = run(&s);
    assert_eq!(total(&r, 0, m::TOKENS_CACHE_READ), 0.0);
    let per_task = per_task_cost(&r, 0);
    assert!(
        (per_task - (650.0 * 0.15e-6 + 100.0 * 0.6e-6)).abs() < 1e-15,
        "{per_task}"
    );
}

/// A scenario on the bundled price table with one model (`price_key`), prompt caching on.
fn bundled_case(price_key: &str, class: &str) -> Scenario {
    let text = format!(
        r#"#![enable(implicit_some)]
(
    format_version: 1, name: "bundled", horizon_days: 2, runs: 2, seed: 1,
    prices: File("default.ron"),
    traffic: Inline((format_version: 1, requests_per_day: Fixed(300),
        classes: [(name: "c", share: 1.0, owner: "team", {class})])),
    models: {{ "m": (price_key: "{price_key}", success: {{"c": Fixed(1.0)}}, ttft_ms: Fixed(100), output_tokens_per_s: Fixed(100)) }},
    default_model: "m",
    baseline: "base",
    policies: [Inline((name: "base", prompt_caching: ()))],
)"#
    );
    match Scenario::from_str(&text, "<bundled case>", Some(&root().join("assets/prices"))) {
        Ok(s) => s,
        Err(e) => panic!("{e}"),
    }
}

const GEMINI_PRO_LIKE: &str = r#""p": (provider: "gemini", input_usd_per_mtok: 1.25, output_usd_per_mtok: 10.0,
    cache_read_usd_per_mtok: 0.125, prompt_cache_min_tokens: 2048,
    long_context: [(above_input_tokens: 200000, input_usd_per_mtok: 2.5, output_usd_per_mtok: 15.0)],
    as_of: "2026-11-29", source: "test")"#;

// 5. Reasoning tokens pay the long-context tier's output rate.
#[test]
fn reasoning_tokens_pay_the_long_context_rate() {
    let models = r#""m": (price_key: "p", success: {"c": Fixed(1.0)}, ttft_ms: Fixed(100), output_tokens_per_s: Fixed(100), reasoning_tokens: Fixed(1000))"#;
    let r = run(&Case {
        prices: GEMINI_PRO_LIKE,
        volume: "Fixed(10)",
        class: "input_tokens: Fixed(250000), output_tokens: Fixed(200)",
        models,
        policies: r#"Inline((name: "base"))"#,
        runs: 1,
        days: 1,
        extra: "",
    }
    .scenario());
    let per_task = per_task_cost(&r, 0);
    assert!((per_task - 0.643).abs() < 1e-12, "{per_task}");
}

// 6. A tier without its own cache prices scales the base ones by its input ratio.
#[test]
fn a_tier_without_cache_prices_scales_the_base_cache_prices() {
    let r = run(&Case {
        prices: GEMINI_PRO_LIKE,
        volume: "Fixed(2000)",
        class: "input_tokens: Fixed(1000), shared_prefix_tokens: 250000, output_tokens: Fixed(100)",
        models: M,
        policies: r#"Inline((name: "base", prompt_caching: ()))"#,
        runs: 2,
        days: 2,
        extra: "",
    }
    .scenario());
    for run in &r.policies[0].runs {
        let v = &run.values;
        assert!(v[m::TOKENS_CACHE_READ] > 0.0);
        // Tier: input 2.5, output 15; read 0.125 × 2 = 0.25; a cold write costs the tier input.
        let expected = v[m::TASKS] * (1000.0 * 2.5e-6 + 100.0 * 15e-6)
            + v[m::TOKENS_CACHE_READ] * 0.25e-6
            + v[m::TOKENS_CACHE_WRITE] * 2.5e-6;
        assert!(
            (v[m::COST_TOTAL] - expected).abs() < 1e-9 * expected,
            "{} vs {expected}",
            v[m::COST_TOTAL]
        );
    }
}

// 7. A cascade longer than the engine supports is refused where it is written.
#[test]
fn a_cascade_of_seven_stages_is_a_positioned_error() {
    let stages = r#"["small", "small", "small", "small", "small", "small", "big"]"#;
    let policies = format!(
        r#"Inline((name: "base", router: Fixed("big"))),
        Inline((name: "long", router: Cascade(stages: {stages},
            verifier: (model: "judge", recall: Fixed(0.8), false_alarm_rate: Fixed(0.1)))))"#
    );
    let text = ScenarioBuilder::new()
        .volume("Fixed(100)")
        .class("input_tokens: Fixed(10), output_tokens: Fixed(10)")
        .success(0.9, 0.5)
        .policies(&policies)
        .runs(1)
        .days(1)
        .text();
    let err = Scenario::from_str(&text, "<cascade>", None).unwrap_err().to_string();
    assert!(
        err.contains("policies[1].router.stages: a cascade has at most 6 stages, found 7"),
        "{err}"
    );
}

// 8. Retries pass the budget gate again.
#[test]
fn retries_stop_at_the_budget_cap() {
    let class = "input_tokens: Fixed(1000), output_tokens: Fixed(200), retry_on_failure: Fixed(1.0)";
    let policies = r#"Inline((name: "base", router: Fixed("big"))),
        Inline((name: "capped", router: Fixed("big"), max_retries: 3,
            budget: (scope: Total, period: Day, cap_usd: 10.0, on_breach: Reject)))"#;
    let r = run(&ScenarioBuilder::new()
        .volume("Fixed(2000)")
        .class(class)
        .success(0.0, 0.0)
        .policies(policies)
        .runs(2)
        .days(3)
        .build());
    for run in &r.policies[1].runs {
        for day in &run.spend_by_day_usd {
            assert!(
                *day <= 10.0 + 0.006 + 1e-9,
                "a day spends at most one attempt past the cap: {day}"
            );
        }
    }
    // Downgrade: a retry after the breach goes to the fallback model.
    let policies = r#"Inline((name: "base", router: Fixed("big"))),
        Inline((name: "capped", router: Fixed("big"), max_retries: 3,
            budget: (scope: Total, period: Day, cap_usd: 10.0, on_breach: Downgrade("small"))))"#;
    let r = run(&ScenarioBuilder::new()
        .volume("Fixed(2000)")
        .class(class)
        .success(0.0, 0.0)
        .policies(policies)
        .runs(1)
        .days(1)
        .build());
    let big = r.models.iter().position(|x| x == "big").unwrap();
    let spent_big = r.policies[1].runs[0].spend_by_model_usd[big];
    assert!(spent_big <= 10.0 + 0.006 + 1e-9, "{spent_big}");
}

// 9. A context cap below a class's shared prefix cannot hold: refused where it is written.
#[test]
fn a_context_cap_below_the_shared_prefix_is_a_positioned_error() {
    let class = "input_tokens: Fixed(1000), shared_prefix_tokens: 1800, output_tokens: Fixed(200)";
    let policies = r#"Inline((name: "base", router: Fixed("big"))),
        Inline((name: "cap", router: Fixed("big"), context_cap: (max_input_tokens: 500, success_penalty: 0.1)))"#;
    let err = Scenario::from_str(
        &ScenarioBuilder::new()
            .volume("Fixed(100)")
            .class(class)
            .success(1.0, 1.0)
            .policies(policies)
            .runs(1)
            .days(1)
            .text(),
        "<cap>",
        None,
    )
    .unwrap_err()
    .to_string();
    assert!(
        err.contains(
            "policies[1].context_cap.max_input_tokens: the cap of 500 tokens is below the 1800-token shared prefix"
        ),
        "{err}"
    );
}

// 10. The bundled table: Sonnet 4.5's long-context tier, and every audited figure pinned.
#[test]
fn the_bundled_table_bills_sonnet_long_context_and_keeps_its_audited_figures() {
    let s = bundled_case(
        "claude-sonnet-4-5",
        "input_tokens: Fixed(300000), output_tokens: Fixed(2000)",
    );
    let per_task = per_task_cost(&run(&s), 0);
    assert!((per_task - 1.845).abs() < 1e-12, "{per_task}");

    let text = std::fs::read_to_string(root().join("assets/prices/default.ron")).unwrap();
    let t = costplan::model::PriceTable::from_ron(&costplan::model::SourceFile::new("default.ron", &text)).unwrap();
    let get = |x: Option<costplan::model::ron_io::NonNeg>| x.map(|v| v.get());
    // (model, input, output, cache read, 5-min write, 1-hour write, batch in, batch out, minimum prefix)
    #[allow(clippy::type_complexity)]
    let pinned: &[(
        &str,
        f64,
        f64,
        Option<f64>,
        Option<f64>,
        Option<f64>,
        Option<f64>,
        Option<f64>,
        Option<u64>,
    )] = &[
        (
            "claude-haiku-4-5",
            1.0,
            5.0,
            Some(0.1),
            Some(1.25),
            Some(2.0),
            Some(0.5),
            Some(2.5),
            Some(4096),
        ),
        (
            "claude-opus-4-5",
            5.0,
            25.0,
            Some(0.5),
            Some(6.25),
            Some(10.0),
            Some(2.5),
            Some(12.5),
            Some(4096),
        ),
        (
            "claude-sonnet-4-5",
            3.0,
            15.0,
            Some(0.3),
            Some(3.75),
            Some(6.0),
            Some(1.5),
            Some(7.5),
            Some(1024),
        ),
        (
            "deepseek/deepseek-chat",
            0.28,
            0.42,
            Some(0.028),
            None,
            None,
            None,
            None,
            Some(64),
        ),
        (
            "gemini/gemini-2.5-flash",
            0.3,
            2.5,
            Some(0.03),
            None,
            None,
            Some(0.15),
            Some(1.25),
            Some(2048),
        ),
        (
            "gemini/gemini-2.5-flash-lite",
            0.1,
            0.4,
            Some(0.01),
            None,
            None,
            Some(0.05),
            Some(0.2),
            Some(2048),
        ),
        (
            "gemini/gemini-2.5-pro",
            1.25,
            10.0,
            Some(0.125),
            None,
            None,
            Some(0.625),
            Some(5.0),
            Some(2048),
        ),
        (
            "gpt-4.1",
            2.0,
            8.0,
            Some(0.5),
            None,
            None,
            Some(1.0),
            Some(4.0),
            Some(1024),
        ),
        (
            "gpt-4.1-mini",
            0.4,
            1.6,
            Some(0.1),
            None,
            None,
            Some(0.2),
            Some(0.8),
            Some(1024),
        ),
        (
            "gpt-4.1-nano",
            0.1,
            0.4,
            Some(0.025),
            None,
            None,
            Some(0.05),
            Some(0.2),
            Some(1024),
        ),
        (
            "gpt-4o",
            2.5,
            10.0,
            Some(1.25),
            None,
            None,
            Some(1.25),
            Some(5.0),
            Some(1024),
        ),
        (
            "gpt-4o-mini",
            0.15,
            0.6,
            Some(0.075),
            None,
            None,
            Some(0.075),
            Some(0.3),
            Some(1024),
        ),
        (
            "gpt-5",
            1.25,
            10.0,
            Some(0.125),
            None,
            None,
            Some(0.625),
            Some(5.0),
            Some(1024),
        ),
        (
            "gpt-5-mini",
            0.25,
            2.0,
            Some(0.025),
            None,
            None,
            Some(0.125),
            Some(1.0),
            Some(1024),
        ),
        (
            "gpt-5-nano",
            0.05,
            0.4,
            Some(0.005),
            None,
            None,
            Some(0.025),
            Some(0.2),
            Some(1024),
        ),
        (
            "o4-mini",
            1.1,
            4.4,
            Some(0.275),
            None,
            None,
            Some(0.55),
            Some(2.2),
            Some(1024),
        ),
        (
            "mistral/mistral-large-latest",
            0.5,
            1.5,
            Some(0.05),
            None,
            None,
            None,
            None,
            None,
        ),
        (
            "mistral/mistral-small-latest",
            0.15,
            0.6,
            Some(0.015),
            None,
            None,
            None,
            None,
            None,
        ),
    ];
    for &(id, input, output, read, write, write_1h, b_in, b_out, min) in pinned {
        let p = &t.models[id];
        let got = (
            p.input_usd_per_mtok.get(),
            p.output_usd_per_mtok.get(),
            get(p.cache_read_usd_per_mtok),
            get(p.cache_write_usd_per_mtok),
            get(p.cache_write_1h_usd_per_mtok),
            get(p.batch_input_usd_per_mtok),
            get(p.batch_output_usd_per_mtok),
            p.prompt_cache_min_tokens,
        );
        assert_eq!(got, (input, output, read, write, write_1h, b_in, b_out, min), "{id}");
        assert!(
            !p.source.is_empty() && p.as_of == "2026-11-29",
            "{id}: as_of and source"
        );
    }
    let sonnet = &t.models["claude-sonnet-4-5"].long_context;
    assert_eq!(sonnet.len(), 1);
    assert_eq!(
        (
            sonnet[0].above_input_tokens,
            sonnet[0].input_usd_per_mtok.get(),
            sonnet[0].output_usd_per_mtok.get(),
            get(sonnet[0].cache_read_usd_per_mtok),
            get(sonnet[0].cache_write_usd_per_mtok),
            get(sonnet[0].cache_write_1h_usd_per_mtok)
        ),
        (200_000, 6.0, 22.5, Some(0.6), Some(7.5), Some(12.0))
    );
    let pro = &t.models["gemini/gemini-2.5-pro"].long_context;
    assert_eq!(
        (pro[0].above_input_tokens, pro[0].input_usd_per_mtok.get()),
        (200_000, 2.5)
    );
    for id in [
        "claude-haiku-4-5",
        "claude-opus-4-5",
        "gpt-4o",
        "gpt-5",
        "gemini/gemini-2.5-flash",
    ] {
        assert!(t.models[id].long_context.is_empty(), "{id} has no long-context tier");
    }
}

// 11. "No breach" is censored at the horizon, not dropped.
#[test]
fn a_policy_that_never_breaches_beats_one_that_does() {
    let policies = r#"Inline((name: "base", router: Fixed("big"),
            budget: (scope: Total, period: Month, cap_usd: 250.0, on_breach: AlertOnly))),
        Inline((name: "roomy", router: Fixed("big"),
            budget: (scope: Total, period: Month, cap_usd: 100000.0, on_breach: AlertOnly)))"#;
    let r = run(&ScenarioBuilder::new()
        .volume("Fixed(5000)")
        .class("input_tokens: Fixed(1000), output_tokens: Fixed(200)")
        .success(1.0, 1.0)
        .policies(policies)
        .runs(4)
        .days(20)
        .build());
    let cand = &r.policies[1];
    let day = cand.delta(costplan::sim::metrics::Metric::FirstBreachDay).unwrap();
    assert_eq!(day.n, 4, "every run counts");
    assert_eq!(day.p_better, 1.0);
    assert_eq!(day.mean, 20.0 - 8.0, "censored at the horizon (20) against day 8");
    let breached = cand.delta(costplan::sim::metrics::Metric::BudgetBreached).unwrap();
    assert_eq!(
        (breached.mean, breached.p_better, breached.p_worse, breached.n),
        (-1.0, 1.0, 0.0, 4)
    );
    assert_eq!(
        r.policies[0]
            .metric(costplan::sim::metrics::Metric::BudgetBreached)
            .mean,
        1.0
    );
    assert_eq!(cand.metric(costplan::sim::metrics::Metric::BudgetBreached).mean, 0.0);
    assert_eq!(
        cand.metric(costplan::sim::metrics::Metric::FirstBreachDay).n,
        0,
        "the breach-day distribution is of the runs that breach"
    );
}

// 12. Ties are shown: P(better) + P(worse) + ties = 1.
#[test]
fn deltas_report_better_worse_and_ties() {
    use costplan::sim::results::paired_delta;
    let d = paired_delta(&[(1.0, 2.0), (2.0, 2.0), (3.0, 2.0), (2.0, 2.0), (f64::NAN, 1.0)], true);
    assert_eq!((d.p_better, d.p_worse, d.n), (0.25, 0.25, 4));
    // Same latencies in both policies: a tie in every run, not "0 % better".
    let r = run(&ScenarioBuilder::new().volume("Fixed(2000)").class("input_tokens: Fixed(1000), output_tokens: Fixed(200)").success(1.0, 1.0).policies(r#"Inline((name: "base", router: Fixed("big"))), Inline((name: "same", router: Fixed("big"), max_retries: 2))"#).runs(3).days(2).build());
    let lat = r.policies[1].delta(costplan::sim::metrics::Metric::LatencyP95).unwrap();
    assert_eq!((lat.p_better, lat.p_worse), (0.0, 0.0));
    assert_eq!(costplan::report::format::p_better(&lat), "same");
}

// 13. The per-tactic false-savings flag needs a real effect, not noise.
#[test]
fn false_savings_flags_need_an_interval_that_excludes_zero() {
    let class = "input_tokens: Fixed(8000), output_tokens: Fixed(200), exact_repeat_rate: Fixed(0.1)";
    let flags = |penalty: f64, seed: u64| {
        let policies = format!(
            r#"Inline((name: "base", router: Fixed("big"))),
            Inline((name: "cut", router: Fixed("big"), exact_cache: (hit_given_repeat: Fixed(0.9)),
                context_cap: (max_input_tokens: 5000, success_penalty: {penalty})))"#
        );
        let s = ScenarioBuilder::new()
            .volume("Fixed(2000)")
            .class(class)
            .success(0.9, 0.8)
            .policies(&policies)
            .runs(6)
            .days(5)
            .build();
        let opts = SimOptions {
            seed: Some(seed),
            ..Default::default()
        };
        let r = simulate(&s, &opts, &costplan::sim::engine::Control::none()).unwrap();
        r.policies[1]
            .risk_flags
            .iter()
            .filter(|f| f.kind == costplan::sim::results::RiskKind::FalseSavings)
            .map(|f| f.tactic)
            .collect::<Vec<_>>()
    };
    // A real false saving: −33 % cost, success 0.9 → 0.4. Flagged once for the policy and
    // once for the tactic that causes it.
    assert_eq!(flags(0.5, 1), [None, Some(costplan::model::Tactic::ContextCap)]);
    // A cap whose cost per success moves by ~0.3 % (sign by seed) is never flagged.
    for seed in 1..=8 {
        assert_eq!(flags(0.3018, seed), [], "seed {seed}");
    }
}

// 14. The strong-model share is of the policy's own strong model, over tasks.
#[test]
fn strong_model_share_counts_tasks_sent_to_the_policys_strong_model() {
    let policies = r#"Inline((name: "base", router: Fixed("small"))),
        Inline((name: "learned", router: Learned(strong: "big", weak: "small", strong_share: 0.3, signal_noise: 0.2))),
        Inline((name: "cascade", router: Cascade(stages: ["small", "big"],
            verifier: (model: "judge", recall: Fixed(0.8), false_alarm_rate: Fixed(0.1), reads_task: false, output_tokens: 0))))"#;
    let text = ScenarioBuilder::new().volume("Fixed(5000)").class("input_tokens: Fixed(100), output_tokens: Fixed(20)").success(0.9, 0.6).policies(policies).runs(3).days(4).text()
    .replace(
        r#""judge": ("#,
        r#""unused": (price_key: "big", success: {"c": Fixed(1.0)}, ttft_ms: Fixed(1), output_tokens_per_s: Fixed(1)),
        "judge": ("#,
    );
    let r = run(&scenario(&text));
    assert_eq!(
        r.policies[0].metric(costplan::sim::metrics::Metric::StrongShare).mean,
        1.0,
        "a fixed router's only model"
    );
    let learned = r.policies[1].metric(costplan::sim::metrics::Metric::StrongShare).mean;
    assert!((learned - 0.3).abs() < 0.01, "{learned}");
    // Escalations reach the last stage: (1 − 0.6)·0.8 + 0.6·0.1 = 0.38 of tasks.
    let cascade = r.policies[2].metric(costplan::sim::metrics::Metric::StrongShare).mean;
    let n = 3.0 * 4.0 * 5000.0;
    assert!((cascade - 0.38).abs() < 3.0 * (0.38f64 * 0.62 / n).sqrt(), "{cascade}");
}

// 15. Caches that save money raise token efficiency.
#[test]
fn caches_that_save_money_raise_token_efficiency() {
    let class = "input_tokens: Fixed(1000), shared_prefix_tokens: 2000, output_tokens: Fixed(200), exact_repeat_rate: Fixed(0.2), near_repeat_rate: Fixed(0.2)";
    let policies = r#"Inline((name: "base", router: Fixed("big"))),
        Inline((name: "cached", router: Fixed("big"), exact_cache: (hit_given_repeat: Fixed(0.9)), prompt_caching: (),
            semantic_cache: (embedding_price_key: "embed", hit_given_near_repeat: Fixed(0.5),
                wrong_hit_given_near_repeat: Fixed(0.0), false_hit_rate: Fixed(0.0))))"#;
    let r = run(&ScenarioBuilder::new()
        .volume("Fixed(3000)")
        .class(class)
        .success(0.9, 0.8)
        .policies(policies)
        .runs(3)
        .days(3)
        .build());
    let cand = &r.policies[1];
    assert!(cand.delta(costplan::sim::metrics::Metric::CostTotal).unwrap().mean < 0.0);
    let eff = cand.delta(costplan::sim::metrics::Metric::TokenEfficiency).unwrap();
    assert!(eff.mean > 0.0 && eff.p_better == 1.0, "{eff:?}");
}

// 16. Skipping attribution says which risk checks did not run.
#[test]
fn risk_checks_skipped_without_attribution_are_named() {
    let s = ScenarioBuilder::new()
        .volume("Fixed(500)")
        .class("input_tokens: Fixed(1000), output_tokens: Fixed(200)")
        .success(1.0, 1.0)
        .policies(r#"Inline((name: "base", router: Fixed("big"))), Inline((name: "small", router: Fixed("small")))"#)
        .runs(2)
        .days(2)
        .build();
    let opts = SimOptions {
        skip_attribution: true,
        ..Default::default()
    };
    let r = simulate(&s, &opts, &costplan::sim::engine::Control::none()).unwrap();
    assert_eq!(
        r.policies[1].risk_flags_not_evaluated,
        [
            costplan::sim::results::RiskKind::FalseSavingsByTactic,
            costplan::sim::results::RiskKind::BadIncentive
        ]
    );
    assert!(r.policies[0].risk_flags_not_evaluated.is_empty());
    let text = costplan::report::table::render(&r);
    assert!(text.contains("Not evaluated without savings by tactic"), "{text}");
    assert!(
        text.contains("false savings by tactic") && text.contains("bad incentive"),
        "{text}"
    );
    let json = serde_json::to_value(&r.policies[1]).unwrap();
    assert_eq!(json["risk_flags_not_evaluated"][0], "false_savings_by_tactic");
    assert!(run(&s).policies[1].risk_flags_not_evaluated.is_empty());
}

// 17. Monthly budgets reset on the 1st of each calendar month when there is a start date.
#[test]
fn monthly_budgets_follow_calendar_months() {
    use costplan::model::policy::BudgetPeriod;
    use costplan::sim::compile::budget_periods;
    let p = budget_periods(BudgetPeriod::Month, costplan::date::Date::parse("2026-12-15"), 60);
    assert_eq!(
        (p[16], p[17], p[47], p[48]),
        (0, 1, 1, 2),
        "1 January is day 17, 1 February day 48"
    );
    assert_eq!(budget_periods(BudgetPeriod::Month, None, 61)[30], 1);
    // $30 a day against $250 a month from 15 December: over the cap from day 8 to 16, then from
    // 1 January (day 17) again after 9 days of spend, days 25 to 29: 14 days.
    let policies = r#"Inline((name: "base", router: Fixed("big"),
        budget: (scope: Total, period: Month, cap_usd: 250.0, on_breach: AlertOnly)))"#;
    let text = ScenarioBuilder::new()
        .volume("Fixed(5000)")
        .class("input_tokens: Fixed(1000), output_tokens: Fixed(200)")
        .success(1.0, 1.0)
        .policies(policies)
        .runs(1)
        .days(30)
        .text()
        .replace("seed: 42,", r#"seed: 42, start_date: "2026-12-15","#);
    let r = run(&scenario(&text));
    assert_eq!(r.policies[0].runs[0].values[m::DAYS_OVER_CAP], 14.0);
    let line = r.policies[0].budget.as_ref().unwrap();
    assert_eq!(
        (line.cumulative_cap_usd[16], line.cumulative_cap_usd[17]),
        (250.0, 500.0)
    );
}

// 18. Editing one distribution moves only its own draws, for every kind.
#[test]
fn editing_any_distribution_leaves_every_other_draw_unchanged() {
    let kinds = [
        ("Fixed(900)", "Fixed(950)"),
        ("Uniform(500, 1500)", "Uniform(500, 1600)"),
        ("Normal(1000, 200)", "Normal(1000, 250)"),
        ("LogNormal(1000, 3000)", "LogNormal(1000, 3500)"),
        ("Gamma(1000, 300)", "Gamma(1000, 350)"),
        ("Pert(200, 900, 3000)", "Pert(200, 1000, 3000)"),
        ("Empirical([500, 900, 1400])", "Empirical([500, 950, 1400])"),
    ];
    let policies =
        r#"Inline((name: "base", router: Fixed("big"), exact_cache: (hit_given_repeat: Fixed(0.7)), max_retries: 1))"#;
    let class = |input: &str| {
        format!(
            "input_tokens: {input}, output_tokens: LogNormal(200, 600), exact_repeat_rate: Fixed(0.2), retry_on_failure: Fixed(0.5)"
        )
    };
    let fingerprint = |r: &Results| {
        [
            m::TOKENS_OUTPUT,
            m::SUCCESSES,
            m::EXACT_CACHE_HITS,
            m::RETRIES,
            m::TASKS,
        ]
        .map(|k| total(r, 0, k))
    };
    let sim = |input: &str| {
        run(&ScenarioBuilder::new()
            .volume("Fixed(800)")
            .class(&class(input))
            .success(0.8, 0.5)
            .policies(policies)
            .runs(2)
            .days(3)
            .build())
    };
    for (before, after) in kinds {
        let (a, b) = (sim(before), sim(after));
        assert_eq!(
            fingerprint(&a),
            fingerprint(&b),
            "editing {before} → {after} moved other draws"
        );
        assert_ne!(
            total(&a, 0, m::TOKENS_INPUT),
            total(&b, 0, m::TOKENS_INPUT),
            "{before}: its own draws move"
        );
    }
    // A probability drawn per task (Beta) and per-call draws (time to first token) likewise.
    let beta = |sd: f64| {
        let policies = format!(
            r#"Inline((name: "base", router: Fixed("big"), exact_cache: (hit_given_repeat: Beta(0.7, {sd}))))"#
        );
        run(&ScenarioBuilder::new()
            .volume("Fixed(800)")
            .class(&class("Fixed(900)"))
            .success(0.8, 0.5)
            .policies(&policies)
            .runs(2)
            .days(3)
            .build())
    };
    // (Cache hits change with the hit rate, and so do billed tokens; the tasks and their
    // outcomes do not.)
    let (a, b) = (beta(0.1), beta(0.15));
    assert_eq!(total(&a, 0, m::SUCCESSES), total(&b, 0, m::SUCCESSES));
    assert_ne!(total(&a, 0, m::EXACT_CACHE_HITS), total(&b, 0, m::EXACT_CACHE_HITS));
    let ttft = |p95: f64| {
        let text = ScenarioBuilder::new()
            .volume("Fixed(800)")
            .class(&class("Fixed(900)"))
            .success(0.8, 0.5)
            .policies(policies)
            .runs(2)
            .days(3)
            .text()
            .replace(
                r#"ttft_ms: Fixed(500)"#,
                &format!("ttft_ms: Gamma(500, {p95}), reasoning_tokens: LogNormal(100, 400)"),
            );
        run(&scenario(&text))
    };
    let (a, b) = (ttft(100.0), ttft(150.0));
    assert_eq!(total(&a, 0, m::TOKENS_REASONING), total(&b, 0, m::TOKENS_REASONING));
    assert_ne!(
        a.policies[0].metric(costplan::sim::metrics::Metric::LatencyP50).mean,
        b.policies[0].metric(costplan::sim::metrics::Metric::LatencyP50).mean
    );
}
