//! Events on the timeline (issue 27): closed forms for a dated price cut, a probable one, an
//! uncertain date, a deprecation, a launch, a rollout, a traffic spike and a budget change; the
//! sampled engine agreeing with the exact one; the bad inputs; and the tornado naming an event.

use costplan::model::Scenario;
use costplan::sim::engine::Control;
use costplan::sim::metrics as m;
use costplan::sim::results::{EngineChoice, Results, SimOptions, simulate};

/// 1,000 tasks a day of 1,000 input and 100 output tokens over 30 days from 2027-01-01; model
/// `m` at $3/$15 per million tokens, `f` at $1/$5 and `n` at $2/$10; `events` and `policies`
/// are RON list bodies.
fn text(events: &str, policies: &str, classes: &str) -> String {
    let success = |p: f64| {
        if classes.contains(r#"name: "b""#) {
            format!(r#"{{"a": Fixed({p:?}), "b": Fixed({p:?})}}"#)
        } else {
            format!(r#"{{"a": Fixed({p:?})}}"#)
        }
    };
    let (full, half) = (success(1.0), success(0.5));
    format!(
        r#"#![enable(implicit_some)]
(
    format_version: 1,
    name: "timeline",
    horizon_days: 30,
    runs: 20,
    seed: 3,
    start_date: "2027-01-01",
    prices: Inline((format_version: 1, models: {{
        "pm": (provider: "x", input_usd_per_mtok: 3.0, output_usd_per_mtok: 15.0, as_of: "2026-12-01", source: "test"),
        "pf": (provider: "x", input_usd_per_mtok: 1.0, output_usd_per_mtok: 5.0, as_of: "2026-12-01", source: "test"),
        "pn": (provider: "x", input_usd_per_mtok: 2.0, output_usd_per_mtok: 10.0, as_of: "2026-12-01", source: "test"),
    }})),
    traffic: Inline((
        format_version: 1,
        requests_per_day: Fixed(1000),
        classes: [{classes}],
    )),
    models: {{
        "m": (price_key: "pm", success: {full}, ttft_ms: Fixed(100), output_tokens_per_s: Fixed(100)),
        "f": (price_key: "pf", success: {half}, ttft_ms: Fixed(100), output_tokens_per_s: Fixed(100)),
        "n": (price_key: "pn", success: {full}, ttft_ms: Fixed(100), output_tokens_per_s: Fixed(100)),
    }},
    default_model: "m",
    baseline: "base",
    policies: [{policies}],
    events: [{events}],
)"#
    )
}

const ONE_CLASS: &str =
    r#"(name: "a", share: 1.0, owner: "team", input_tokens: Fixed(1000), output_tokens: Fixed(100))"#;
const TWO_CLASSES: &str = r#"(name: "a", share: 0.5, owner: "team", input_tokens: Fixed(1000), output_tokens: Fixed(100)),
    (name: "b", share: 0.5, owner: "team", input_tokens: Fixed(1000), output_tokens: Fixed(100))"#;
const BASE: &str = r#"Inline((name: "base"))"#;

fn scenario(events: &str, policies: &str, classes: &str) -> Scenario {
    match Scenario::from_str(&text(events, policies, classes), "<events>", None) {
        Ok(s) => s,
        Err(e) => panic!("test scenario invalid:\n{e}"),
    }
}

fn error(events: &str, policies: &str) -> String {
    match Scenario::from_str(&text(events, policies, ONE_CLASS), "<events>", None) {
        Ok(_) => panic!("expected a validation error for {events}"),
        Err(e) => e.to_string(),
    }
}

fn sim(s: &Scenario, runs: u32, engine: EngineChoice) -> Results {
    let opts = SimOptions {
        runs: Some(runs),
        engine,
        ..Default::default()
    };
    simulate(s, &opts, &Control::none()).expect("not cancelled")
}

/// Each run's value of a metric for policy `pi`.
fn per_run(r: &Results, pi: usize, metric: usize) -> Vec<f64> {
    r.policies[pi].runs.iter().map(|x| x.values[metric]).collect()
}

fn mean_se(xs: &[f64]) -> (f64, f64) {
    let n = xs.len() as f64;
    let mean = xs.iter().sum::<f64>() / n;
    let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0);
    (mean, (var / n).sqrt())
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * b.abs().max(1.0)
}

#[test]
fn a_dated_price_cut_bills_its_closed_form() {
    // Without events: 30 days × 1,000 × (1,000 × $3 + 100 × $15) / 1e6 = $135.
    let r = sim(&scenario("", BASE, ONE_CLASS), 3, EngineChoice::Exact);
    assert!(per_run(&r, 0, m::COST_TOTAL).iter().all(|c| close(*c, 135.0)));
    // Half price from 2027-01-16: 15 days at $4.50 and 15 at $2.25 = $101.25.
    let cut = r#"(on: "2027-01-16", change: Price(model: "m", input_factor: 0.5, output_factor: 0.5))"#;
    let r = sim(&scenario(cut, BASE, ONE_CLASS), 3, EngineChoice::Exact);
    for c in per_run(&r, 0, m::COST_TOTAL) {
        assert!(close(c, 101.25), "{c}");
    }
    // Each day's spend steps down on the date.
    let days = &r.policies[0].runs[0].spend_by_day_usd;
    assert!(close(days[14], 4.5) && close(days[15], 2.25), "{:?}", &days[13..17]);
    // So does each day's cost per request, across runs (what the chart draws).
    let cpr = costplan::report::series::daily_cost_per_request(&r.policies[0]);
    assert_eq!(cpr.days.len(), 30);
    assert!(
        close(cpr.p50[14], 0.0045) && close(cpr.p50[15], 0.00225),
        "{:?}",
        &cpr.p50[13..17]
    );
    assert!(close(cpr.p5[20], 0.00225) && close(cpr.p95[20], 0.00225));
    // An output-only cut: input stays, output halves from the date.
    let out = r#"(on: "2027-01-16", change: Price(model: "m", input_factor: 1.0, output_factor: 0.5))"#;
    let r = sim(&scenario(out, BASE, ONE_CLASS), 1, EngineChoice::Exact);
    assert!(close(per_run(&r, 0, m::COST_TOTAL)[0], 135.0 - 15.0 * 0.75));
}

#[test]
fn a_probable_price_cut_averages_to_its_probability() {
    // With probability 0.6: mean 135 − 0.6 × 33.75 = $114.75, each run either $135 or $101.25.
    let cut =
        r#"(on: "2027-01-16", probability: 0.6, change: Price(model: "m", input_factor: 0.5, output_factor: 0.5))"#;
    let r = sim(&scenario(cut, BASE, ONE_CLASS), 400, EngineChoice::Exact);
    let costs = per_run(&r, 0, m::COST_TOTAL);
    assert!(costs.iter().all(|c| close(*c, 135.0) || close(*c, 101.25)));
    let (mean, se) = mean_se(&costs);
    assert!((mean - 114.75).abs() < 3.0 * se, "mean {mean} vs 114.75 ± {}", 3.0 * se);
    // The chance is a driver of the spend: the tornado names it.
    let drivers: Vec<String> = r.policies[0]
        .sensitivity
        .iter()
        .flat_map(|s| s.drivers.iter().map(|d| d.input.clone()))
        .collect();
    assert!(
        drivers.iter().any(|d| d.contains("events[m price ×0.5].probability")),
        "{drivers:?}"
    );
}

#[test]
fn an_uncertain_date_bills_the_integral_of_its_distribution() {
    // Uniform over 2027-01-06 … 2027-01-25 (days 5 to 24): the cut saves $2.25 on each day from
    // its date, so E[cost] = 135 − 2.25 × Σ_d P(date ≤ d) = 135 − 2.25 × (210/20 + 5) = $100.125.
    let cut = r#"(on: Uniform("2027-01-06", "2027-01-25"), change: Price(model: "m", input_factor: 0.5, output_factor: 0.5))"#;
    let r = sim(&scenario(cut, BASE, ONE_CLASS), 400, EngineChoice::Exact);
    let costs = per_run(&r, 0, m::COST_TOTAL);
    // Every run's cost is one of the 20 dates' closed forms.
    for c in &costs {
        let saved_days = (135.0 - c) / 2.25;
        assert!(
            (6.0 - 1e-9..=25.0 + 1e-9).contains(&saved_days) && (saved_days - saved_days.round()).abs() < 1e-9,
            "{c}"
        );
    }
    let (mean, se) = mean_se(&costs);
    assert!(
        (mean - 100.125).abs() < 3.0 * se,
        "mean {mean} vs 100.125 ± {}",
        3.0 * se
    );
}

#[test]
fn a_deprecation_moves_exactly_the_calls_after_its_date() {
    // `m` retired for `f` on 2027-01-11 (day 10): 10 days on m at $4.50, 20 on f at $1.50, and
    // f's success rate (0.5) from then on.
    let ev = r#"(on: "2027-01-11", change: Deprecate(model: "m", fallback: "f"))"#;
    let r = sim(&scenario(ev, BASE, ONE_CLASS), 20, EngineChoice::Exact);
    let models = &r.models;
    let (mi, fi) = (
        models.iter().position(|x| x == "m").unwrap(),
        models.iter().position(|x| x == "f").unwrap(),
    );
    for run in &r.policies[0].runs {
        assert!(close(run.spend_by_model_usd[mi], 45.0), "{:?}", run.spend_by_model_usd);
        assert!(close(run.spend_by_model_usd[fi], 30.0), "{:?}", run.spend_by_model_usd);
        assert!(close(run.spend_by_day_usd[9], 4.5) && close(run.spend_by_day_usd[10], 1.5));
    }
    let success = per_run(&r, 0, m::SUCCESS_RATE);
    let (mean, se) = mean_se(&success);
    let expected = (10.0 + 20.0 * 0.5) / 30.0;
    assert!((mean - expected).abs() < 3.0 * se.max(1e-4), "{mean} vs {expected}");
}

#[test]
fn a_launch_sends_calls_to_the_fallback_until_its_date() {
    // The policy calls `n` ($2/$10: $3.00 a day), launched 2027-01-21; until then `m` answers.
    let ev = r#"(on: "2027-01-21", change: Launch(model: "n", fallback: "m"))"#;
    let r = sim(
        &scenario(ev, r#"Inline((name: "base", router: Fixed("n")))"#, ONE_CLASS),
        2,
        EngineChoice::Exact,
    );
    let (mi, ni) = (
        r.models.iter().position(|x| x == "m").unwrap(),
        r.models.iter().position(|x| x == "n").unwrap(),
    );
    for run in &r.policies[0].runs {
        assert!(close(run.spend_by_model_usd[mi], 20.0 * 4.5));
        assert!(close(run.spend_by_model_usd[ni], 10.0 * 3.0));
    }
}

#[test]
fn a_rollout_moves_the_baseline_linearly_to_its_target() {
    // base calls m ($4.50 a day), cheap calls f ($1.50 a day); a 10-day rollout from the start:
    // on day j a share (j + 0.5)/10 of the column's tasks go to cheap's pipeline.
    let policies = r#"Inline((name: "base")), Inline((name: "cheap", router: Fixed("f")))"#;
    let ev = r#"(on: "2027-01-01", change: Rollout(to: "cheap", over_days: 10))"#;
    let r = sim(&scenario(ev, policies, ONE_CLASS), 40, EngineChoice::Exact);
    let names: Vec<&str> = r.policies.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, ["base", "cheap", "base → cheap"]);
    // The baseline and the target are unchanged.
    assert!(per_run(&r, 0, m::COST_TOTAL).iter().all(|c| close(*c, 135.0)));
    assert!(per_run(&r, 1, m::COST_TOTAL).iter().all(|c| close(*c, 45.0)));
    for j in 0..12 {
        let share = ((j as f64 + 0.5) / 10.0).min(1.0);
        let day: Vec<f64> = r.policies[2].runs.iter().map(|x| x.spend_by_day_usd[j]).collect();
        let (mean, se) = mean_se(&day);
        let expected = 4.5 - 3.0 * share;
        // Per task the spend is $0.0045 or $0.0015: binomial over 1,000 tasks a day.
        let se_model = 0.003 * (1000.0 * share * (1.0 - share)).sqrt() / (day.len() as f64).sqrt();
        assert!(
            (mean - expected).abs() <= 3.0 * se.max(se_model) + 1e-9,
            "day {j}: {mean} vs {expected} ± {}",
            3.0 * se_model
        );
    }
    // The paired comparison is against the unchanged baseline.
    let d = r.policies[2].delta_vs_baseline.as_ref().unwrap();
    assert!(d[m::COST_TOTAL].mean < 0.0);
}

#[test]
fn a_traffic_spike_and_a_class_start_scale_the_days_they_cover() {
    // Every class ×3 for 7 days from 2027-01-11: 135 + 7 × 2 × 4.5 = $198 over 44,000 tasks.
    let spike = r#"(on: "2027-01-11", change: Traffic(factor: 3.0, days: 7))"#;
    let r = sim(&scenario(spike, BASE, ONE_CLASS), 2, EngineChoice::Exact);
    assert!(per_run(&r, 0, m::COST_TOTAL).iter().all(|c| close(*c, 198.0)));
    let tasks = per_run(&r, 0, m::TASKS);
    assert!(tasks.iter().all(|t| close(*t, 44_000.0)), "{tasks:?}");
    // One class of two ×3 for 7 days, and the other starting on day 20: tasks
    // 500 × 30 + 500 × 2 × 7 (the spike) + 500 × 10 (b from day 20) = 27,000 on average.
    let ev = r#"(on: "2027-01-11", change: Traffic(factor: 3.0, days: 7, classes: ["a"])),
        (on: "2027-01-21", change: Start(class: "b"))"#;
    let s = scenario(ev, BASE, TWO_CLASSES);
    let exact = sim(&s, 60, EngineChoice::Exact);
    let (mean, se) = mean_se(&per_run(&exact, 0, m::TASKS));
    assert!((mean - 27_000.0).abs() < 3.0 * se, "{mean} ± {se}");
    // Day 5 has only class a's 500 tasks; day 12 a's 1,500.
    let day = |r: &Results, j: usize| {
        mean_se(
            &r.policies[0]
                .runs
                .iter()
                .map(|x| x.spend_by_day_usd[j])
                .collect::<Vec<_>>(),
        )
    };
    let (d5, se5) = day(&exact, 5);
    assert!((d5 - 2.25).abs() < 3.0 * se5.max(0.003), "{d5}");
    // The sampled engine (200 tasks a day) agrees with the exact one.
    let sampled = sim(&s, 60, EngineChoice::Sampled(200));
    let (ms, ses) = mean_se(&per_run(&sampled, 0, m::COST_TOTAL));
    let (me, see) = mean_se(&per_run(&exact, 0, m::COST_TOTAL));
    assert!(
        (ms - me).abs() < 3.0 * (ses * ses + see * see).sqrt() + 0.01 * me,
        "sampled {ms} vs exact {me}"
    );
    let (d12, se12) = day(&sampled, 12);
    assert!((d12 - 6.75).abs() < 3.0 * se12.max(0.01), "{d12}");
}

#[test]
fn a_budget_change_takes_effect_on_its_date() {
    // A $3.00 daily cap that rejects: $4.50 of demand a day is cut to about $3 until the cap
    // rises to $10 on 2027-01-16, after which nothing is rejected.
    let policies = r#"Inline((name: "base", budget: (cap_usd: 3.0, scope: Total, period: Day, on_breach: Reject)))"#;
    let ev = r#"(on: "2027-01-16", change: Budget(policy: "base", cap_usd: 10.0))"#;
    let r = sim(&scenario(ev, policies, ONE_CLASS), 2, EngineChoice::Exact);
    for run in &r.policies[0].runs {
        let days = &run.spend_by_day_usd;
        assert!(
            days[..15].iter().all(|d| (3.0..3.0045 + 1e-9).contains(d)),
            "{:?}",
            &days[..15]
        );
        assert!(days[15..].iter().all(|d| close(*d, 4.5)), "{:?}", &days[15..]);
        assert!(
            close(run.values[m::REJECTED_TASKS], 15.0 * 333.0),
            "{}",
            run.values[m::REJECTED_TASKS]
        );
    }
    // The budget line follows: $3 a day to day 15, then $10 a day.
    let line = &r.policies[0].budget.as_ref().unwrap().cumulative_cap_usd;
    assert!(
        close(line[14], 45.0) && close(line[15], 55.0) && close(line[29], 45.0 + 150.0),
        "{line:?}"
    );
}

#[test]
fn bad_events_are_named_with_their_field() {
    let cases = [
        (
            r#"(on: "2027-02-30", change: Price(model: "m", input_factor: 0.5, output_factor: 0.5))"#,
            BASE,
            "events[0].on",
            "expected a date written YYYY-MM-DD",
        ),
        (
            r#"(on: Normal("2027-01-01", "2027-02-01"), change: Price(model: "m", input_factor: 0.5, output_factor: 0.5))"#,
            BASE,
            "events[0].on",
            "found Normal(…)",
        ),
        (
            r#"(on: Uniform("2027-03-01", "2027-02-01"), change: Price(model: "m", input_factor: 0.5, output_factor: 0.5))"#,
            BASE,
            "events[0].on",
            "after its last",
        ),
        (
            r#"(on: "2027-01-05", probability: 1.5, change: Price(model: "m", input_factor: 0.5, output_factor: 0.5))"#,
            BASE,
            "events[0].probability",
            "expected a probability in [0, 1], found 1.5",
        ),
        (
            r#"(on: "2027-01-05", change: Price(model: "gpt", input_factor: 0.5, output_factor: 0.5))"#,
            BASE,
            "events[0].change.model",
            "unknown model \"gpt\"",
        ),
        (
            r#"(on: "2027-01-05", change: Price(model: "m", input_factor: 5000.0, output_factor: 0.5))"#,
            BASE,
            "events[0].change.input_factor",
            "must stay within 0 to 1,000",
        ),
        (
            r#"(on: "2027-01-05", change: Deprecate(model: "m", fallback: "m"))"#,
            BASE,
            "events[0].change.fallback",
            "another model",
        ),
        (
            r#"(on: "2027-01-05", change: Rollout(to: "base", over_days: 10))"#,
            BASE,
            "events[0].change.to",
            "moves the baseline's traffic to another policy",
        ),
        (
            r#"(on: "2027-01-05", change: Budget(policy: "base", cap_usd: 10.0))"#,
            BASE,
            "events[0].change.policy",
            "has no budget to change",
        ),
        (
            r#"(on: "2027-01-05", change: Traffic(factor: 2.0, classes: ["zz"]))"#,
            BASE,
            "events[0].change.classes[0]",
            "unknown class \"zz\"",
        ),
        (
            r#"(on: "2027-01-05", change: Price(model: "m", input_factor: 0.5, output_factor: 0.5, typo: 1.0))"#,
            BASE,
            "events[0].change",
            "typo",
        ),
    ];
    for (events, policies, field, message) in cases {
        let e = error(events, policies);
        assert!(e.contains(field) && e.contains(message), "{events}\n→ {e}");
        // Every message points at a line and column of the file.
        assert!(e.contains("<events>:"), "{e}");
    }
    // Events need a start date to be placed.
    let no_start = text(r#"(on: "2027-01-05", change: Traffic(factor: 2.0))"#, BASE, ONE_CLASS)
        .replace("start_date: \"2027-01-01\",", "");
    let e = Scenario::from_str(&no_start, "<events>", None).unwrap_err().to_string();
    assert!(e.contains("events") && e.contains("needs a start_date"), "{e}");
}

#[test]
fn an_events_scenario_round_trips_through_its_file() {
    let ev = r#"(name: "spring cut", on: Uniform("2027-01-06", "2027-01-25"), probability: 0.5, change: Price(model: "m", input_factor: 0.5, output_factor: 0.8)),
        (on: "2027-01-11", change: Deprecate(model: "m", fallback: "f")),
        (on: "2027-01-02", change: PriceTrend(model: "f", per_year: LogNormal(0.3, 0.6)))"#;
    let s = scenario(ev, BASE, ONE_CLASS);
    let written = s.to_ron().unwrap();
    let again = Scenario::from_str(&written, "<written>", None).unwrap_or_else(|e| panic!("{e}\n{written}"));
    assert_eq!(again.file.events, s.file.events);
    assert!(written.contains("Uniform(\"2027-01-06\", \"2027-01-25\")"), "{written}");
}

/// Every shipped scenario (none has events) gives bit-identical figures to those CostPlan gave
/// before events existed: `tests/data/no-events-golden.json` holds every metric's mean for each
/// policy, 4 runs on each engine (consumer-chat, at 80 s exact, on the sampled one only), written
/// by the build before this change.
#[test]
fn shipped_scenarios_without_events_are_bit_identical_to_before_events() {
    let golden: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(crate::common::root().join("tests/data/no-events-golden.json")).unwrap(),
    )
    .unwrap();
    let mut compared = 0;
    for (name, engines) in golden.as_object().unwrap() {
        let s =
            costplan::model::scenario::load_scenario_path(&crate::common::root().join(format!("scenarios/{name}.ron")))
                .unwrap_or_else(|e| panic!("{e}"));
        assert!(s.file.events.is_empty());
        for (engine, policies) in engines.as_object().unwrap() {
            let choice = if engine == "exact" {
                EngineChoice::Exact
            } else {
                EngineChoice::Sampled(2000)
            };
            let r = sim(&s, 4, choice);
            let now: serde_json::Value = serde_json::from_str(&costplan::report::json(&r).unwrap()).unwrap();
            for p in now["policies"].as_array().unwrap() {
                let before = &policies[p["name"].as_str().unwrap()];
                for (metric, summary) in p["metrics"].as_object().unwrap() {
                    let (a, b) = (summary["mean"].as_f64(), before[metric].as_f64());
                    assert_eq!(
                        a.map(f64::to_bits),
                        b.map(f64::to_bits),
                        "{name} {engine} {} {metric}: {a:?} now, {b:?} before",
                        p["name"]
                    );
                    compared += 1;
                }
            }
        }
    }
    assert!(compared > 500, "{compared}");
}

/// A scenario with a price cut, a deprecation and a rollout, its event effects measured.
fn with_effects(runs: u32) -> (Scenario, Results) {
    let policies = r#"Inline((name: "base")), Inline((name: "cheap", router: Fixed("f")))"#;
    let ev = r#"(on: "2027-01-16", change: Price(model: "m", input_factor: 0.5, output_factor: 0.5)),
        (on: "2027-01-11", change: Deprecate(model: "m", fallback: "f")),
        (name: "move", on: Uniform("2027-01-05", "2027-01-08"), change: Rollout(to: "cheap", over_days: 5))"#;
    let s = scenario(ev, policies, ONE_CLASS);
    let opts = SimOptions {
        runs: Some(runs),
        engine: EngineChoice::Exact,
        event_effects: true,
        ..Default::default()
    };
    let r = costplan::sim::results::simulate_with_events(&s, &opts, &Control::none()).expect("not cancelled");
    (s, r)
}

#[test]
fn each_event_says_what_it_does_to_each_policys_spend() {
    let (_, r) = with_effects(6);
    assert_eq!(r.events.len(), 3);
    let names: Vec<&str> = r.policies.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, ["base", "cheap", "base → cheap"]);
    // The cut halves m's price from day 15, but m is retired on day 10: with the retirement in
    // force it changes nothing; the retirement moves days 10–29 from $4.50 (the cut would have
    // made days 15–29 $2.25) to $1.50.
    let (cut, retire, rollout) = (&r.events[0], &r.events[1], &r.events[2]);
    assert_eq!(cut.spend_change_usd[0].mean, 0.0);
    let retired = -(5.0 * (4.5 - 1.5) + 15.0 * (2.25 - 1.5));
    assert!(
        close(retire.spend_change_usd[0].mean, retired),
        "{:?}",
        retire.spend_change_usd[0]
    );
    assert!(close(retire.spend_change_usd[0].p5, retired) && close(retire.spend_change_usd[0].p95, retired));
    // cheap never calls m: neither event changes its spend.
    assert_eq!(retire.spend_change_usd[1].mean, 0.0);
    assert_eq!(retire.model.as_deref(), Some("m"));
    assert_eq!(retire.depending_policies, ["base"]);
    // The rollout: its column against the baseline; nothing for the others.
    let column: Vec<f64> = (0..6)
        .map(|k| r.policies[2].runs[k].values[m::COST_TOTAL] - r.policies[0].runs[k].values[m::COST_TOTAL])
        .collect();
    let (mean, _) = mean_se(&column);
    assert!(close(rollout.spend_change_usd[2].mean, mean) && mean < 0.0);
    assert_eq!(rollout.spend_change_usd[0].mean, 0.0);
    assert_eq!((rollout.first_day, rollout.last_day), (4, 7));
    assert_eq!(rollout.on, "2027-01-05 – 2027-01-08");
    // The chart's markers: a line on each fixed date, a band over the rollout's four days.
    let marks = costplan::report::series::event_markers(&r);
    let spans: Vec<(&str, f64, f64)> = marks.iter().map(|m| (m.tag.as_str(), m.from_day, m.to_day)).collect();
    assert_eq!(spans, [("E1", 15.0, 15.0), ("E2", 10.0, 10.0), ("E3", 4.0, 8.0)]);
}

#[test]
fn the_report_and_the_tables_show_the_events() {
    let (s, r) = with_effects(3);
    let html = costplan::report::html::render(&s, &r);
    assert!(html.contains("Events on the timeline"), "no events section");
    assert!(html.contains("Cost per request, day by day"), "no daily cost chart");
    assert!(
        html.contains("E2 Deprecate") || html.contains("E2 m retired for f"),
        "no tagged row"
    );
    assert!(
        html.contains("base calls m"),
        "the retirement names the policy that calls the model"
    );
    // The spend chart carries the tags (in both of its drawings).
    assert!(
        html.matches("E3\n</text>").count() >= 2,
        "no event marker on the spend chart"
    );
    let text = costplan::report::table::render(&r);
    assert!(text.contains("Events: each policy's spend"), "{text}");
    assert!(text.contains("E3 move"), "{text}");
    // Without events nothing of this is there.
    let plain = sim(&scenario("", BASE, ONE_CLASS), 2, EngineChoice::Exact);
    assert!(plain.events.is_empty());
    assert!(!costplan::report::table::render(&plain).contains("Events:"));
    assert!(!costplan::report::html::render(&scenario("", BASE, ONE_CLASS), &plain).contains("Events on the timeline"));
}

#[test]
fn the_command_line_prints_the_events_and_writes_a_report_to_standard_output() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("timeline.ron");
    let ev = r#"(on: "2027-01-16", change: Price(model: "m", input_factor: 0.5, output_factor: 0.5))"#;
    std::fs::write(&path, text(ev, BASE, ONE_CLASS)).unwrap();
    let bin = env!("CARGO_BIN_EXE_costplan");
    let out = std::process::Command::new(bin)
        .args(["simulate", "--runs", "3"])
        .arg(&path)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("E1 m price ×0.5") && stdout.contains("-$33.75"),
        "{stdout}"
    );
    // `-o -` with a one-file format writes to standard output (and no file named "-").
    let out = std::process::Command::new(bin)
        .current_dir(dir.path())
        .args(["report", "timeline.ron", "--runs", "2", "--format", "json", "-o", "-"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let change = json["events"][0]["spend_change_usd"][0]["mean"].as_f64().unwrap();
    assert!((change + 33.75).abs() < 1e-6, "{change}");
    assert!(!dir.path().join("-").exists());
    // Markdown has chart files: refused before any work, with a message.
    let out = std::process::Command::new(bin)
        .current_dir(dir.path())
        .args(["report", "timeline.ron", "--format", "md", "-o", "-"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("only the one-file formats"));
}

#[test]
fn the_sampled_engine_agrees_with_the_exact_one_under_every_kind_of_event() {
    let policies = r#"Inline((name: "base", prompt_caching: ())), Inline((name: "cheap", router: Fixed("f")))"#;
    let ev = r#"(on: Uniform("2027-01-03", "2027-01-12"), probability: 0.7, change: Price(model: "m", input_factor: 0.5, output_factor: 0.7)),
        (on: "2027-01-01", change: PriceTrend(model: "f", per_year: LogNormal(0.3, 0.9))),
        (on: "2027-01-20", change: Deprecate(model: "m", fallback: "n")),
        (on: "2027-01-08", change: Launch(model: "n", fallback: "m")),
        (on: "2027-01-04", change: Rollout(to: "cheap", over_days: 6)),
        (on: "2027-01-10", change: Traffic(factor: 2.5, days: 5, classes: ["b"])),
        (on: "2027-01-15", change: Start(class: "a"))"#;
    let s = scenario(ev, policies, TWO_CLASSES);
    let exact = sim(&s, 40, EngineChoice::Exact);
    let sampled = sim(&s, 40, EngineChoice::Sampled(100));
    assert_eq!(sampled.engine.name, "sampled");
    for pi in 0..exact.policies.len() {
        for metric in [m::COST_TOTAL, m::TASKS, m::SUCCESS_RATE] {
            let (me, see) = mean_se(&per_run(&exact, pi, metric));
            let (ms, ses) = mean_se(&per_run(&sampled, pi, metric));
            let tolerance = 3.0 * (see * see + ses * ses).sqrt() + 0.005 * me.abs();
            assert!(
                (me - ms).abs() <= tolerance,
                "{} metric {metric}: exact {me} vs sampled {ms} (± {tolerance})",
                exact.policies[pi].name
            );
        }
    }
}

#[test]
fn the_regret_table_tells_a_safe_policy_from_a_gamble_with_the_same_expected_cost() {
    // base: $135 in every run. cheap: $45, or $225 when f's price ×5 (probability 0.5) — the same
    // expected spend, but its worst 10 % of runs is $225, and each is the other's regret.
    let policies = r#"Inline((name: "base")), Inline((name: "cheap", router: Fixed("f")))"#;
    let ev =
        r#"(on: "2026-12-01", probability: 0.5, change: Price(model: "f", input_factor: 5.0, output_factor: 5.0))"#;
    let r = sim(&scenario(ev, policies, ONE_CLASS), 200, EngineChoice::Exact);
    let f = costplan::sim::results::futures(&r);
    let (base, cheap) = (&f[0], &f[1]);
    assert!(close(base.expected_usd, 135.0) && close(base.worst_10pct_usd, 135.0));
    assert!(close(cheap.worst_10pct_usd, 225.0), "{}", cheap.worst_10pct_usd);
    let bad = per_run(&r, 1, m::COST_TOTAL)
        .iter()
        .filter(|c| close(**c, 225.0))
        .count() as f64
        / 200.0;
    let se = (0.25f64 / 200.0).sqrt();
    assert!((bad - 0.5).abs() < 3.0 * se, "{bad}");
    assert!(close(cheap.expected_usd, 45.0 + 180.0 * bad));
    assert!(close(base.mean_regret_usd, 90.0 * (1.0 - bad)) && close(cheap.mean_regret_usd, 90.0 * bad));
    assert!(close(base.best_share, bad) && close(cheap.best_share, 1.0 - bad));
    assert!(close(base.p90_regret_usd, 90.0) && close(cheap.p90_regret_usd, 90.0));
    // The report and the command line's table carry it.
    let text = costplan::report::table::render(&r);
    assert!(
        text.contains("Across the uncertain futures") && text.contains("$225"),
        "{text}"
    );
}

#[test]
fn switch_now_later_or_never_bills_each_date_on_the_same_draws() {
    // The half-price cut placed on days 0, 10 and 20, and left out: the spend is
    // 135 − 2.25 × (30 − day), so $67.50, $90, $112.50 and $135; cheap never calls m.
    let policies = r#"Inline((name: "base")), Inline((name: "cheap", router: Fixed("f")))"#;
    let ev = r#"(name: "cut", on: Uniform("2027-01-05", "2027-01-25"), probability: 0.3, change: Price(model: "m", input_factor: 0.5, output_factor: 0.5))"#;
    let s = scenario(ev, policies, ONE_CLASS);
    let event = costplan::sim::timing::find_event(&s, "cut").unwrap();
    assert_eq!(costplan::sim::timing::find_event(&s, "E1").unwrap(), event);
    assert!(
        costplan::sim::timing::find_event(&s, "E2")
            .unwrap_err()
            .to_string()
            .contains("E1 \"cut\"")
    );
    let dates = costplan::sim::timing::dates_every(&s, 10).unwrap();
    let opts = SimOptions {
        runs: Some(4),
        engine: EngineChoice::Exact,
        ..Default::default()
    };
    let t = costplan::sim::timing::timing(&s, event, &dates, &opts, &Control::none()).unwrap();
    let whens: Vec<&str> = t.rows.iter().map(|r| r.when.as_str()).collect();
    assert_eq!(whens, ["2027-01-01", "2027-01-11", "2027-01-21", "never"]);
    for (row, (spend, change)) in t
        .rows
        .iter()
        .zip([(67.5, -67.5), (90.0, -45.0), (112.5, -22.5), (135.0, 0.0)])
    {
        assert!(
            close(row.spend_usd[0].mean, spend) && close(row.vs_never_usd[0].mean, change),
            "{row:?}"
        );
        assert!(close(row.spend_usd[0].p5, spend) && close(row.spend_usd[0].p95, spend));
        assert!(close(row.spend_usd[1].mean, 45.0) && row.vs_never_usd[1].mean == 0.0);
    }
    assert_eq!(t.cheapest, ["2027-01-01", costplan::sim::timing::ANY]);
    // The command line names the event by tag and prints the table.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("timing.ron");
    std::fs::write(&path, text(ev, policies, ONE_CLASS)).unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_costplan"))
        .args(["timing", "--event", "E1", "--every", "10", "--runs", "2"])
        .arg(&path)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("2027-01-11") && stdout.contains("-$45") && stdout.contains("base: 2027-01-01"),
        "{stdout}"
    );
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_costplan"))
        .args(["timing", "--event", "nope"])
        .arg(&path)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no event \"nope\""));
}
