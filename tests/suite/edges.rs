//! Numbers that hold at the edges (issue 20): rare classes and thin prompt-cache streams in the
//! sampled engine, days without tasks, and edits that must not move unrelated figures. Each
//! expected value is computed independently of the engine (a closed form or the exact engine on
//! the same runs); statistical bounds are in standard errors of the estimate.

use costplan::model::Scenario;
use costplan::sim::engine::Control;
use costplan::sim::metrics as m;
use costplan::sim::results::{EngineChoice, Results, SimOptions, simulate};

use crate::common::scenario;

/// A scenario over the test price table `"p"` ($3 / $15, reads $0.30, writes $3.75, 1,024-token
/// minimum) with the given traffic fields, classes, models and policies.
struct Text<'a> {
    volume: &'a str,
    traffic_extra: &'a str,
    classes: &'a str,
    models: &'a str,
    policies: &'a str,
    days: u32,
    runs: u32,
    extra: &'a str,
}

impl Default for Text<'_> {
    fn default() -> Self {
        Text {
            volume: "Fixed(1000)",
            traffic_extra: "",
            classes: r#"(name: "c", share: 1.0, owner: "team", input_tokens: Fixed(100), output_tokens: Fixed(100))"#,
            models: MODEL_M,
            policies: r#"Inline((name: "base"))"#,
            days: 10,
            runs: 4,
            extra: "",
        }
    }
}

const MODEL_M: &str = r#""m": (price_key: "p", success: {"c": Fixed(0.9)}, ttft_ms: LogNormal(400, 900), output_tokens_per_s: Fixed(80))"#;

impl Text<'_> {
    fn text(&self) -> String {
        format!(
            r#"#![enable(implicit_some)]
(
    format_version: 1,
    name: "edges",
    horizon_days: {days},
    runs: {runs},
    seed: 11,
    {extra}
    prices: Inline((format_version: 1, models: {{
        "p": (provider: "acme", input_usd_per_mtok: 3.0, output_usd_per_mtok: 15.0,
              cache_read_usd_per_mtok: 0.3, cache_write_usd_per_mtok: 3.75,
              prompt_cache_min_tokens: 1024, as_of: "2026-12-01", source: "test"),
        "q": (provider: "acme", input_usd_per_mtok: 0.5, output_usd_per_mtok: 2.0,
              as_of: "2026-12-01", source: "test"),
    }})),
    traffic: Inline((
        format_version: 1,
        requests_per_day: {volume},
        {traffic_extra}
        classes: [{classes}],
    )),
    models: {{ {models} }},
    default_model: "m",
    baseline: "base",
    policies: [{policies}],
)"#,
            days = self.days,
            runs = self.runs,
            extra = self.extra,
            volume = self.volume,
            traffic_extra = self.traffic_extra,
            classes = self.classes,
            models = self.models,
            policies = self.policies,
        )
    }

    fn scenario(&self) -> Scenario {
        scenario(&self.text())
    }
}

fn sim(s: &Scenario, engine: EngineChoice) -> Results {
    let opts = SimOptions {
        engine,
        skip_attribution: true,
        ..Default::default()
    };
    simulate(s, &opts, &Control::none()).unwrap()
}

/// Mean and standard error of the mean.
fn mean_se(xs: &[f64]) -> (f64, f64) {
    let n = xs.len() as f64;
    let mean = xs.iter().sum::<f64>() / n;
    let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0);
    (mean, (var / n).sqrt())
}

/// The share of prompt-cache calls that found the prefix cold, per run.
fn cold_shares(r: &Results) -> Vec<f64> {
    r.policies[0]
        .runs
        .iter()
        .map(|x| {
            let (read, write) = (x.values[m::TOKENS_CACHE_READ], x.values[m::TOKENS_CACHE_WRITE]);
            write / (read + write)
        })
        .collect()
}

// 1. A class rarer than 1/K is simulated every sampled day: a 0.01 % class that costs 100× the
// average moves the sampled engine's cost per request by exactly as much as the exact engine's.
#[test]
fn a_class_rarer_than_one_in_the_sample_is_counted_in_full() {
    // "rare": 0.01 % of tasks with 100× the tokens of "common" (so about 1 % of spend).
    let classes = r#"(name: "common", share: 0.9999, owner: "team", input_tokens: Fixed(1000), output_tokens: Fixed(200)),
        (name: "rare", share: 0.0001, owner: "team", input_tokens: Fixed(100000), output_tokens: Fixed(20000))"#;
    let models = r#""m": (price_key: "p", success: {"common": Fixed(0.9), "rare": Fixed(0.9)}, ttft_ms: Fixed(400), output_tokens_per_s: Fixed(80))"#;
    let s = Text {
        volume: "LogNormal(20000, 30000)",
        classes,
        models,
        days: 30,
        runs: 12,
        ..Text::default()
    }
    .scenario();
    // Closed form per task: common 1000·3 + 200·15 = $0.006; rare 100× that.
    let per_task = 0.9999 * 0.006 + 0.0001 * 0.6;
    for k in [500u32, 2000] {
        let r = sim(&s, EngineChoice::Sampled(k));
        let costs: Vec<f64> = r.policies[0]
            .runs
            .iter()
            .map(|x| x.values[m::COST_PER_REQUEST])
            .collect();
        let (mean, _) = mean_se(&costs);
        // Token counts are fixed, so the only sampling noise is the rare class's count: the
        // post-stratified estimate holds its expected share exactly.
        assert!(
            (mean - per_task).abs() < 1e-9 * per_task,
            "K = {k}: cost per request {mean:.9} vs the closed form {per_task:.9}"
        );
    }
}

// 2. A thin prompt-cache stream is as warm in the sampled engine as the Poisson closed form says.
#[test]
fn a_thin_prompt_cache_stream_is_warm_as_often_as_the_closed_form_in_the_sampled_engine() {
    let mut worst = (0.0f64, String::new());
    for (n, lambda_ttl) in [
        (20_000.0f64, 0.1f64),
        (20_000.0, 1.0),
        (20_000.0, 3.0),
        (1000.0, 1.0),
        (3000.0, 1.0),
        (1000.0, 3.0),
    ] {
        // λ = share · n / 1440 per minute with a 5-minute TTL.
        let share = lambda_ttl * 1440.0 / (5.0 * n);
        let classes = format!(
            r#"(name: "a", share: {share}, owner: "team", input_tokens: Fixed(100), shared_prefix_tokens: 2000, output_tokens: Fixed(100)),
            (name: "b", share: {}, owner: "team", input_tokens: Fixed(100), output_tokens: Fixed(100))"#,
            1.0 - share
        );
        let models = r#""m": (price_key: "p", success: {"a": Fixed(0.9), "b": Fixed(0.9)}, ttft_ms: Fixed(400), output_tokens_per_s: Fixed(80))"#;
        let s = Text {
            volume: &format!("Fixed({n})"),
            classes: &classes,
            models,
            policies: r#"Inline((name: "base", prompt_caching: (ttl_minutes: 5.0)))"#,
            days: 30,
            runs: 120,
            ..Text::default()
        }
        .scenario();
        let expected = (-lambda_ttl).exp();
        for k in [500u32, 2000] {
            let (mean, se) = mean_se(&cold_shares(&sim(&s, EngineChoice::Sampled(k))));
            let z = (mean - expected) / se;
            if z.abs() > worst.0.abs() {
                worst = (
                    z,
                    format!(
                        "{n} a day, λ·TTL {lambda_ttl}, K = {k}: cold share {mean:.4} ± {se:.4} vs e^(−λ·TTL) = {expected:.4}"
                    ),
                );
            }
            eprintln!(
                "{n} a day, λ·TTL {lambda_ttl}, K = {k}: cold share {mean:.4} ± {se:.4} vs {expected:.4} (z = {z:.2})"
            );
        }
    }
    assert!(worst.0.abs() < 4.0, "{} (z = {:.1})", worst.1, worst.0);
}

// 2b. The same against the exact engine, run by run, where the stream's share of its class
// moves (a learned router sends some tasks to another model), volume is uncertain and days are
// noisy: the paired difference of the cold share is within its standard error.
#[test]
fn a_routed_thin_prompt_cache_stream_agrees_with_the_exact_engine() {
    let mut worst = (0.0f64, String::new());
    for (share, ttl) in [(0.2f64, 5.0f64), (0.05, 5.0), (0.05, 60.0)] {
        let classes = format!(
            r#"(name: "a", share: {share}, owner: "team", input_tokens: LogNormal(300, 900), shared_prefix_tokens: 2000, output_tokens: Fixed(100), retry_on_failure: Fixed(0.5)),
            (name: "b", share: {}, owner: "team", input_tokens: Fixed(100), output_tokens: Fixed(100))"#,
            1.0 - share
        );
        let models = r#""m": (price_key: "p", success: {"a": Fixed(0.8), "b": Fixed(0.9)}, ttft_ms: Fixed(400), output_tokens_per_s: Fixed(80)),
            "m2": (price_key: "p", success: {"a": Fixed(0.6), "b": Fixed(0.7)}, ttft_ms: Fixed(300), output_tokens_per_s: Fixed(80))"#;
        let policies = format!(
            r#"Inline((name: "base", router: Learned(strong: "m", weak: "m2", strong_share: 0.3, signal_noise: 0.2), max_retries: 2, prompt_caching: (ttl_minutes: {ttl:.1})))"#
        );
        let s = Text {
            volume: "LogNormal(1500, 3000)",
            traffic_extra: "day_noise_sd: 0.3, growth_per_month: Normal(0.1, 0.05),",
            classes: &classes,
            models,
            policies: &policies,
            days: 30,
            runs: 60,
            extra: "",
        }
        .scenario();
        let exact = sim(&s, EngineChoice::Exact);
        for k in [300u32, 1000] {
            let sampled = sim(&s, EngineChoice::Sampled(k));
            let d: Vec<f64> = cold_shares(&sampled)
                .iter()
                .zip(cold_shares(&exact))
                .map(|(a, b)| a - b)
                .collect();
            let (mean, se) = mean_se(&d);
            let z = mean / se;
            eprintln!(
                "share {share}, TTL {ttl}, K = {k}: sampled − exact cold share {mean:+.4} ± {se:.4} (z = {z:.2})"
            );
            if z.abs() > worst.0.abs() {
                worst = (
                    z,
                    format!("share {share}, TTL {ttl}, K = {k}: sampled − exact cold share {mean:+.4} ± {se:.4}"),
                );
            }
        }
    }
    assert!(worst.0.abs() < 4.0, "{} (z = {:.1})", worst.1, worst.0);
}

// 3. A day without tasks still passes: a prefix does not stay warm across it.
#[test]
fn a_day_without_tasks_advances_the_prompt_cache_clock() {
    // 112 tasks every weekday (96 a day on average, the pattern normalised to a mean of 1) and
    // none on Sunday; a 60-minute TTL. Within a day each task finds the prefix warm with
    // probability 1 − exp(−λ·TTL), λ = 112/1440 a minute; Monday's first task follows a day
    // without traffic and is always cold.
    let s = Text {
        volume: "Fixed(96)",
        traffic_extra: "weekly_pattern: [1, 1, 1, 1, 1, 1, 0],",
        classes: r#"(name: "c", share: 1.0, owner: "team", input_tokens: Fixed(100), shared_prefix_tokens: 2000, output_tokens: Fixed(100))"#,
        policies: r#"Inline((name: "base", prompt_caching: (ttl_minutes: 60.0)))"#,
        models: r#""m": (price_key: "p", success: {"c": Fixed(1.0)}, ttft_ms: Fixed(400), output_tokens_per_s: Fixed(80))"#,
        days: 364,
        runs: 8,
        extra: r#"start_date: "2027-01-04","#,
    }
    .scenario();
    let r = sim(&s, EngineChoice::Exact);
    let warm_within = 1.0 - (-112.0 / 1440.0 * 60.0f64).exp();
    let mut warm = Vec::new();
    let mut expected = Vec::new();
    for x in &r.policies[0].runs {
        let (read, write) = (x.values[m::TOKENS_CACHE_READ], x.values[m::TOKENS_CACHE_WRITE]);
        let calls = (read + write) / 2000.0;
        // 52 Mondays follow a Sunday (the horizon starts on a Monday; its first task is cold too).
        let mondays = 52.0;
        warm.push(read / (read + write));
        expected.push((calls - mondays) / calls * warm_within);
    }
    let (w, se) = mean_se(&warm);
    let e = expected.iter().sum::<f64>() / expected.len() as f64;
    assert!((w - e).abs() < 4.0 * se, "warm share {w:.5} ± {se:.5} vs {e:.5}");
}

// 6. A model that no policy calls changes nothing: every figure of every policy is bit-identical.
#[test]
fn adding_a_model_no_policy_uses_leaves_every_figure_bit_identical() {
    let m2 = r#""m2": (price_key: "q", success: {"c": Fixed(0.7)}, ttft_ms: LogNormal(300, 700), output_tokens_per_s: Fixed(120))"#;
    // "a-new" sorts before the others, so a model list kept by index would shift.
    let unused = r#""a-new": (price_key: "q", success: {"c": Fixed(0.5)}, ttft_ms: Fixed(100), output_tokens_per_s: Fixed(100))"#;
    let with_models = |models: &str| {
        Text {
            volume: "LogNormal(2000, 3000)",
            models,
            policies: r#"Inline((name: "base", router: Fixed("m"), max_retries: 2)), Inline((name: "cheap", router: Fixed("m2")))"#,
            classes: r#"(name: "c", share: 1.0, owner: "team", input_tokens: LogNormal(800, 3000), output_tokens: LogNormal(200, 600), retry_on_failure: Fixed(0.5))"#,
            ..Text::default()
        }
        .scenario()
    };
    let before = with_models(&format!("{MODEL_M}, {m2}"));
    let after = with_models(&format!("{unused}, {MODEL_M}, {m2}"));
    for engine in [EngineChoice::Exact, EngineChoice::Sampled(300)] {
        let (a, b) = (sim(&before, engine), sim(&after, engine));
        for (pa, pb) in a.policies.iter().zip(&b.policies) {
            for (ra, rb) in pa.runs.iter().zip(&pb.runs) {
                for (i, (x, y)) in ra.values.values().zip(rb.values.values()).enumerate() {
                    assert!(
                        x.to_bits() == y.to_bits(),
                        "{engine:?} {}: metric {} moved from {x} to {y}",
                        pa.name,
                        m::METRICS[i].key
                    );
                }
            }
        }
    }
}

// 7. A 60-minute TTL on a model whose price has no 1-hour write price is named, not silent.
#[test]
fn a_one_hour_ttl_without_a_one_hour_write_price_is_noted() {
    let s = Text {
        classes: r#"(name: "c", share: 1.0, owner: "team", input_tokens: Fixed(100), shared_prefix_tokens: 2000, output_tokens: Fixed(100))"#,
        policies: r#"Inline((name: "base", prompt_caching: (ttl_minutes: 60.0))), Inline((name: "short", prompt_caching: (ttl_minutes: 5.0)))"#,
        ..Text::default()
    }
    .scenario();
    let notes = s.assumed_write_prices();
    assert_eq!(notes.len(), 1, "{notes:?}");
    assert_eq!((notes[0].policy.as_str(), notes[0].model.as_str()), ("base", "m"));
    assert_eq!(notes[0].write_usd_per_mtok, 3.75);
    let words = costplan::report::summary::assumed_write_sentence(&notes[0]);
    assert!(
        words.contains("no 1-hour cache-write price") && words.contains("\"m\""),
        "{words}"
    );
    // The report's assumptions say it too.
    let r = sim(&s, EngineChoice::Exact);
    let md = costplan::report::markdown::render(&s, &r, "charts").0;
    assert!(md.contains("no 1-hour cache-write price"), "the report does not say so");
}

// 9. The budget you can defend is for a full month: partial months at either end are left out,
// or scaled to a full month when the horizon holds no whole one.
#[test]
fn a_defensible_monthly_budget_rests_on_whole_months() {
    // Fixed traffic: every day costs 1,000 · (100 · $3 + 100 · $15) / 1M = $1.80.
    let daily = 1.8;
    for (days, whole, left_out, scaled) in [(30u32, 0u32, 0u32, Some(30u32)), (60, 1, 29, None)] {
        let s = Text {
            days,
            runs: 3,
            extra: r#"start_date: "2026-12-15","#,
            ..Text::default()
        }
        .scenario();
        let r = sim(&s, EngineChoice::Exact);
        let b = &r.policies[0].budget_risk;
        // 17 days of December and 13 of January: no whole month, so the 30 days' spend is scaled
        // to December's 31 days. Or 17 of December, all 31 of January and 12 of February: the
        // one whole month, January, counts alone. Either way the cap is 31 days' spend.
        assert!(
            (b.safe_cap_usd - 31.0 * daily).abs() < 1e-9,
            "{days} days: safe monthly cap {} vs {}",
            b.safe_cap_usd,
            31.0 * daily
        );
        assert_eq!(
            (b.whole_periods, b.stub_days_left_out, b.scaled_stub_days),
            (whole, left_out, scaled)
        );
        let words = costplan::report::summary::budget_sentence(&r.policies[0], r.runs);
        let basis = if scaled.is_some() {
            "its 30 days is scaled to a full month"
        } else {
            "29 days of partial months left out"
        };
        assert!(words.contains(basis), "{words}");
    }
}

// 10. An output that does not vary across runs (beyond rounding) has no drivers.
#[test]
fn an_output_without_spread_has_no_drivers() {
    // Two classes of fixed cost in fixed shares: the sampled engine's post-stratified spend is
    // the same every run, up to the rounding of sums taken in another order. The exact-repeat
    // rate is uncertain but nothing uses it.
    let s = Text {
        volume: "Fixed(20000)",
        classes: r#"(name: "a", share: 0.7, owner: "team", input_tokens: Fixed(1000), output_tokens: Fixed(200), exact_repeat_rate: Uniform(0.1, 0.2)),
            (name: "b", share: 0.3, owner: "team", input_tokens: Fixed(300), output_tokens: Fixed(50))"#,
        models: r#""m": (price_key: "p", success: {"a": Fixed(0.9), "b": Fixed(0.8)}, ttft_ms: Fixed(400), output_tokens_per_s: Fixed(80))"#,
        runs: 30,
        ..Text::default()
    }
    .scenario();
    let r = simulate(
        &s,
        &SimOptions {
            engine: EngineChoice::Sampled(700),
            ..Default::default()
        },
        &Control::none(),
    )
    .unwrap();
    let p = &r.policies[0];
    let spend: Vec<f64> = p.runs.iter().map(|x| x.values[m::COST_TOTAL]).collect();
    let (lo, hi) = spend
        .iter()
        .fold((f64::INFINITY, 0.0f64), |(l, h), x| (l.min(*x), h.max(*x)));
    assert!(hi - lo < 1e-9 * hi, "spend should be constant: {lo} to {hi}");
    use costplan::sim::sensitivity::Output;
    let of = |o: Output| p.sensitivity.iter().find(|x| x.output == o).unwrap();
    assert!(of(Output::Spend).no_spread && of(Output::Spend).drivers.is_empty());
    // The success rate does vary from run to run (each task's difficulty is drawn): it keeps
    // its drivers' table, whatever the ranks say.
    assert!(!of(Output::SuccessRate).no_spread);
    let md = costplan::report::markdown::render(&s, &r, "charts").0;
    assert!(
        md.contains("the same in every run"),
        "the report should say spend has no spread"
    );
}

// 11. The recommendation states every guardrail it breaks and every cap of the scenario it
// would exceed, with how often — never "keeps the guardrails" beside a flag that says it does not.
#[test]
fn the_recommendation_names_every_guardrail_it_breaks_and_every_cap_it_exceeds() {
    let models = r#""m": (price_key: "p", success: {"c": Fixed(0.9)}, ttft_ms: Fixed(400), output_tokens_per_s: Fixed(80)),
        "m2": (price_key: "q", success: {"c": Fixed(0.895)}, ttft_ms: Fixed(350), output_tokens_per_s: Fixed(80))"#;
    // "cheap" costs 1,000 · (100 · $0.5 + 100 · $2) / 1M = $0.25 a day at the median volume: about
    // $7.50 over a 30-day block, so the $8 cap of "capped" is exceeded in a share of the runs.
    // Every policy's p95 latency (over 1.6 s) is above the 1 s guardrail: the baseline's too.
    let s = Text {
        volume: "LogNormal(1000, 2000)",
        models,
        policies: r#"Inline((name: "base", router: Fixed("m"))),
            Inline((name: "capped", router: Fixed("m"), budget: (scope: Total, period: Month, cap_usd: 8.0, on_breach: AlertOnly))),
            Inline((name: "cheap", router: Fixed("m2")))"#,
        days: 30,
        runs: 40,
        extra: "guardrails: (p95_latency_ms: 1000),",
        ..Text::default()
    }
    .scenario();
    let r = sim(&s, EngineChoice::Exact);
    let (best, reason) = costplan::report::summary::recommend(&r);
    assert_eq!(r.policies[best].name, "cheap", "{reason}");
    let cheap = &r.policies[best];
    let over = cheap.runs.iter().filter(|x| x.values[m::COST_TOTAL] > 8.0).count() as f64 / cheap.runs.len() as f64;
    assert!(
        over > 0.1 && over < 0.9,
        "the test needs a cap exceeded in some runs only: {over}"
    );
    let caps = &cheap.caps_exceeded;
    assert_eq!(caps.len(), 1, "{caps:?}");
    assert_eq!((caps[0].policy.as_str(), caps[0].cap_usd), ("capped", 8.0));
    assert_eq!(caps[0].share_of_runs, over);
    let md = costplan::report::markdown::render(&s, &r, "charts").0;
    let summary = &md[..md.find("## Figures").unwrap_or(md.len())];
    assert!(
        !summary.contains("keep the quality and latency guardrails"),
        "{summary}"
    );
    assert!(summary.contains("breaks the latency guardrail"), "{summary}");
    let cap_words = format!(
        "spends more than the $8.00 monthly cap of policy capped in some month in {}",
        costplan::report::format::pct(over)
    );
    assert!(summary.contains(&cap_words), "missing {cap_words:?} in\n{summary}");
}

// 12. The run-to-run range is labelled as such, and the uncertainty of the mean is given too.
#[test]
fn deltas_carry_the_uncertainty_of_their_mean_and_the_range_is_labelled_run_to_run() {
    let s = Text {
        volume: "LogNormal(1000, 2000)",
        models: r#""m": (price_key: "p", success: {"c": Fixed(0.9)}, ttft_ms: Fixed(400), output_tokens_per_s: Fixed(80)),
            "m2": (price_key: "q", success: {"c": Fixed(0.85)}, ttft_ms: Fixed(450), output_tokens_per_s: Fixed(80))"#,
        policies: r#"Inline((name: "base", router: Fixed("m"))), Inline((name: "cheap", router: Fixed("m2")))"#,
        runs: 25,
        ..Text::default()
    }
    .scenario();
    let r = sim(&s, EngineChoice::Exact);
    let (base, cheap) = (&r.policies[0], &r.policies[1]);
    let d: Vec<f64> = cheap
        .runs
        .iter()
        .zip(&base.runs)
        .map(|(c, b)| c.values[m::COST_TOTAL] - b.values[m::COST_TOTAL])
        .collect();
    let (mean, se) = mean_se(&d);
    let delta = cheap.delta(costplan::sim::metrics::Metric::CostTotal).unwrap();
    assert!((delta.mean - mean).abs() < 1e-9 * mean.abs() && (delta.mean_se - se).abs() < 1e-9 * se);
    let spend: Vec<f64> = base.runs.iter().map(|x| x.values[m::COST_TOTAL]).collect();
    let s_base = base.metric(costplan::sim::metrics::Metric::CostTotal);
    assert!((s_base.mean_se - mean_se(&spend).1).abs() < 1e-9 * s_base.mean_se);
    // In JSON beside the mean.
    let json = costplan::report::json(&r).unwrap();
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    let se_json = v["policies"][1]["delta_vs_baseline"]["cost_total_usd"]["mean_se"].as_f64();
    assert_eq!(se_json, Some(delta.mean_se), "{}", &json[..2000.min(json.len())]);
    // The text table labels the bracket as the run-to-run range and gives the mean's margin.
    let text = costplan::report::table::render(&r);
    assert!(
        text.contains("run-to-run range") && !text.contains("[90% interval]"),
        "{text}"
    );
    let margin = costplan::report::figures::margin(costplan::sim::metrics::Unit::Usd, delta.mean_se);
    assert!(text.contains(&margin), "{margin} not in\n{text}");
}

// 7. Money beyond what a 64-bit integer holds is written in scientific notation, never as the
// saturated integer $18,446,744,073,709,551,615.
#[test]
fn huge_amounts_are_never_printed_as_a_saturated_integer() {
    use costplan::report::format::value;
    use costplan::sim::metrics::Unit;
    for text in [
        costplan::report::format::usd(3.9e305),
        value(Unit::Usd, 3.9e305),
        value(Unit::Count, 2e19),
    ] {
        assert!(!text.contains("18,446,744"), "{text}");
        assert!(text.contains("e"), "{text}");
    }
    assert_eq!(costplan::report::format::usd(1_234_567.4), "$1,234,567");
}
