//! Start from real traffic (issue 13): every log format read by content and normalised to one
//! token convention; a fit recovers the parameters the synthetic logs were generated from
//! (within their sampling error); bad rows are counted and listed with line and field; and a
//! scenario fitted from a month of logs reproduces that month's spend in a backtest.

use std::io::Cursor;

use costplan::logs::fit::{FitOptions, fit};
use costplan::logs::read::read_from;
use costplan::logs::synth::{SynthFormat, SynthSpec, generate, write};
use costplan::logs::{LogError, Logs, RawUsage, TokenConvention};
use costplan::model::DistSpec;

/// The test's traffic: the example month at 300 tasks a day, with a 1,500-token cached prefix
/// on `faq` (so the token conventions matter) and response-cache hits on `billing`.
fn spec() -> SynthSpec {
    let mut s = SynthSpec::example(300.0);
    s.classes[0].prefix_tokens = 1500.0;
    s.classes[1].cache_hit_rate = 0.1;
    s
}

fn read(text: &str, name: &str) -> Result<Logs, LogError> {
    let mut logs = Logs::default();
    read_from(Cursor::new(text.as_bytes()), name, &mut logs)?;
    Ok(logs)
}

fn spec_of(d: &costplan::model::NonNegDist) -> DistSpec {
    d.0.spec().clone()
}

#[test]
fn token_conventions_are_reconciled_in_one_place() {
    // OpenAI and OpenTelemetry count cached tokens inside the input; Anthropic and Langfuse do not.
    let openai = RawUsage {
        input: 2000.0,
        cache_read: 1500.0,
        output: 100.0,
        ..Default::default()
    }
    .normalise(TokenConvention::InputIncludesCache);
    let langfuse = RawUsage {
        input: 500.0,
        cache_read: 1500.0,
        output: 100.0,
        ..Default::default()
    }
    .normalise(TokenConvention::InputExcludesCache);
    assert_eq!(openai, langfuse);
    assert_eq!(openai.prompt_tokens, 2000.0);
    assert_eq!(openai.cache_read_tokens, 1500.0);
    // Anthropic's cache writes are outside its input too.
    let anthropic = RawUsage {
        input: 300.0,
        cache_read: 1200.0,
        cache_write: 500.0,
        output: 10.0,
        reasoning: 0.0,
    }
    .normalise(TokenConvention::InputExcludesCache);
    assert_eq!(anthropic.prompt_tokens, 2000.0);
    // An input that claims fewer tokens than its cache parts is raised to them, never negative.
    let odd = RawUsage {
        input: 100.0,
        cache_read: 1500.0,
        ..Default::default()
    }
    .normalise(TokenConvention::InputIncludesCache);
    assert_eq!(odd.prompt_tokens, 1500.0);
}

#[test]
fn every_per_request_format_reads_the_same_requests() {
    let s = spec();
    let rows = generate(&s);
    let mut seen = Vec::new();
    for (format, name) in [
        (SynthFormat::LiteLlmCsv, "spend.csv"),
        (SynthFormat::LiteLlmJson, "spend.json"),
        (SynthFormat::LangfuseJsonl, "observations.jsonl"),
        (SynthFormat::LangfuseCsv, "observations.csv"),
        (SynthFormat::Otlp, "spans.json"),
    ] {
        let logs = read(&write(&s, &rows, format), name).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(logs.skipped_count, 0, "{name}: {:?}", logs.skipped.first());
        assert_eq!(logs.records.len(), rows.len(), "{name}");
        for (r, g) in logs.records.iter().zip(&rows) {
            assert_eq!(r.usage.prompt_tokens, g.prompt_tokens as f64, "{name}: prompt tokens");
            assert_eq!(
                r.usage.cache_read_tokens, g.cache_read_tokens as f64,
                "{name}: cache reads"
            );
            assert_eq!(r.usage.output_tokens, g.output_tokens as f64, "{name}");
            assert!(
                (r.start_unix_s - g.start_unix_ms as f64 / 1e3).abs() < 1e-3,
                "{name}: time"
            );
            assert_eq!(r.ok, Some(g.ok), "{name}: status");
        }
        let mut p = fit(&logs, &FitOptions::default()).profile;
        // Only LiteLLM's logs say which requests its response cache answered.
        let hits = p.classes.iter().any(|c| c.exact_repeat_rate.0.mean() > 0.0);
        assert_eq!(hits, name.starts_with("spend"), "{name}");
        for c in &mut p.classes {
            c.exact_repeat_rate = costplan::model::ProbDist::fixed(0.0);
        }
        seen.push((name, p));
    }
    // One traffic, five formats: one profile.
    for (name, p) in &seen[1..] {
        assert_eq!(p, &seen[0].1, "{name} fits differently from {}", seen[0].0);
    }
}

#[test]
fn a_fit_recovers_the_parameters_the_logs_were_generated_from() {
    let s = spec();
    let rows = generate(&s);
    let logs = read(&write(&s, &rows, SynthFormat::LiteLlmCsv), "spend.csv").unwrap();
    let f = fit(
        &logs,
        &FitOptions {
            owner_by: Some("team".into()),
            ..Default::default()
        },
    );
    let p = &f.profile;
    // Volume on the first day, within 3 standard errors of its level (the fit's own).
    let DistSpec::LogNormal(median, p95) = spec_of(&p.requests_per_day) else {
        panic!("volume is a log-normal: {:?}", p.requests_per_day)
    };
    let se_log = (p95 / median).ln() / 1.645;
    assert!((median / 300.0).ln().abs() < 3.0 * se_log + 0.01, "{median} ± {se_log}");
    // Growth: 10 % a month, within 3 of its standard errors.
    let (g, se_g) = f.growth.expect("30 days give a trend");
    assert!((g - 0.10).abs() < 3.0 * se_g, "{g} ± {se_g}");
    // The weekly pattern (normalised to a mean of 1).
    let truth: Vec<f64> = s
        .weekly
        .iter()
        .map(|w| w / (s.weekly.iter().sum::<f64>() / 7.0))
        .collect();
    for (k, (w, t)) in p.weekly_pattern.iter().zip(&truth).enumerate() {
        assert!((w - t).abs() < 0.08, "weekday {k}: {w} vs {t}");
    }
    // Day noise 0.08: its standard error over ~28 residuals is about 0.011.
    assert!((p.day_noise_sd.get() - 0.08).abs() < 0.035, "{}", p.day_noise_sd.get());
    // Classes by tag, with shares, owners and tokens.
    assert_eq!(f.class_by, "tag");
    let faq = p.classes.iter().find(|c| c.name == "faq").expect("faq");
    let billing = p.classes.iter().find(|c| c.name == "billing").expect("billing");
    let n = f.tasks_by_day.iter().sum::<f64>();
    assert!(
        (faq.share.get() - 0.7).abs() < 3.0 * (0.21 / n).sqrt(),
        "{}",
        faq.share.get()
    );
    assert!((faq.share.get() + billing.share.get() - 1.0).abs() < 1e-12);
    assert_eq!(faq.owner.as_deref(), Some("support"));
    assert_eq!(billing.owner.as_deref(), Some("finance"));
    // The shared prefix from provider cache reads, and the input beyond it.
    assert_eq!(faq.shared_prefix_tokens, 1500);
    assert_eq!(billing.shared_prefix_tokens, 0);
    for (class, median_in, p95_in, median_out) in [(faq, 800.0, 2400.0, 150.0), (billing, 2000.0, 6000.0, 300.0)] {
        let DistSpec::LogNormal(m, q) = spec_of(&class.input_tokens) else {
            panic!("{}: {:?}", class.name, class.input_tokens)
        };
        assert!((m / median_in - 1.0).abs() < 0.04, "{}: median {m}", class.name);
        assert!((q / p95_in - 1.0).abs() < 0.06, "{}: p95 {q}", class.name);
        let DistSpec::LogNormal(m, _) = spec_of(&class.output_tokens) else {
            panic!()
        };
        assert!((m / median_out - 1.0).abs() < 0.05, "{}: output median {m}", class.name);
    }
    // Response-cache hits: 10 % of billing requests (binomial SE over ~2,700 requests ≈ 0.6 %).
    let hit = billing.exact_repeat_rate.0.mean();
    assert!((hit - 0.1).abs() < 0.02, "{hit}");
    assert!(faq.exact_repeat_rate.0.mean() < 1e-9);
    // Retries: a failure (8 %, 12 %) is retried with probability 0.5, at most once — so the
    // share of failures followed by a retry is 0.5 / (1 + share of failures that were retries).
    for (class, fail) in [(faq, 0.08), (billing, 0.12)] {
        let want = 0.5 / (1.0 + 0.5 * fail);
        let got = class.retry_on_failure.0.mean();
        assert!((got - want).abs() < 0.06, "{}: {got} vs {want}", class.name);
    }
    // Per-model latency.
    let m = &f.models[0];
    assert_eq!(m.ttft_ms_median.map(f64::round), Some(400.0));
    assert!((m.output_tokens_per_s_median.unwrap() - 80.0).abs() < 2.0);
    // The written profile opens with what was fitted and what assumed, and loads back.
    let text = f.to_ron(&logs).unwrap();
    assert!(text.starts_with("// Traffic profile fitted by CostPlan"));
    assert!(text.contains("assumed (not in the data):") && text.contains("near_repeat_rate"));
    assert!(text.contains("source: spend.csv (LiteLLM spend logs"));
    let src = costplan::model::error::SourceFile::new("fitted.ron", &text);
    let back = costplan::model::TrafficProfile::from_ron(&src).unwrap();
    assert_eq!(&back, p);
}

#[test]
fn aggregated_usage_gives_volume_and_mean_tokens_and_says_what_it_assumed() {
    let s = spec();
    let rows = generate(&s);
    for (format, key) in [
        (SynthFormat::OpenAiUsage, "project"),
        (SynthFormat::LiteLlmDailyCsv, "model_group"),
    ] {
        let logs = read(&write(&s, &rows, format), "usage").unwrap();
        assert!(!logs.per_request());
        let f = fit(&logs, &FitOptions::default());
        assert_eq!(f.class_by, key, "{format:?}");
        assert_eq!(f.profile.classes.len(), 2, "{format:?}");
        // Requests per day include retries here (aggregates cannot tell them apart).
        let requests: f64 = logs.records.iter().map(|r| r.requests).sum();
        assert_eq!(requests, rows.len() as f64);
        let (g, se) = f.growth.unwrap();
        assert!((g - 0.10).abs() < 3.0 * se, "{g} ± {se}");
        // Mean prompt tokens per request: the mean cache read is the shared prefix (the
        // aggregates' cache-read column is kept), the input the rest.
        let faq = f.profile.classes.iter().find(|c| c.name.contains("faq")).unwrap();
        let want = 800.0 * (0.5 * (3.0f64.ln() / 1.645).powi(2)).exp() + 1500.0;
        let prompt = faq.input_tokens.0.mean() + faq.shared_prefix_tokens as f64;
        assert!((prompt / want - 1.0).abs() < 0.03, "{prompt} vs {want}");
        let reads: f64 = logs
            .records
            .iter()
            .filter(|r| r.keys.iter().flatten().any(|k| logs.symbols.name(*k).contains("faq")))
            .map(|r| r.usage.cache_read_tokens)
            .sum();
        let faq_requests: f64 = logs
            .records
            .iter()
            .filter(|r| r.keys.iter().flatten().any(|k| logs.symbols.name(*k).contains("faq")))
            .map(|r| r.requests)
            .sum();
        assert!(reads > 0.0, "{format:?}: the export gives cache reads");
        assert_eq!(
            faq.shared_prefix_tokens as f64,
            (reads / faq_requests).round(),
            "{format:?}"
        );
        assert!(
            f.fitted
                .iter()
                .any(|(field, _)| field == "classes[].shared_prefix_tokens")
        );
        assert!(
            f.assumed
                .iter()
                .any(|(field, why)| field.contains("input_tokens") && why.contains("means only"))
        );
    }
}

#[test]
fn bad_rows_are_counted_and_listed_with_line_and_field() {
    let s = spec();
    let rows = generate(&s);
    let csv = write(&s, &rows[..50], SynthFormat::LiteLlmCsv);
    let mut lines: Vec<String> = csv.lines().map(str::to_string).collect();
    // Line 3 (the second row): an unparseable time; line 5: a negative token count.
    lines[2] = lines[2].replacen("2025-10-01 ", "yesterday ", 1);
    let fields: Vec<&str> = lines[4].splitn(5, ',').collect();
    lines[4] = format!("{},{},{},-12,{}", fields[0], fields[1], fields[2], fields[4]);
    let logs = read(&(lines.join("\n") + "\n"), "spend.csv").unwrap();
    assert_eq!(logs.skipped_count, 2);
    assert_eq!(logs.records.len(), 48);
    let first = &logs.skipped[0];
    assert_eq!(
        (first.at.as_str(), first.field.as_str()),
        ("line 3", "startTime"),
        "{first}"
    );
    assert!(first.reason.contains("not a time"), "{first}");
    let second = &logs.skipped[1];
    assert_eq!(
        (second.at.as_str(), second.field.as_str()),
        ("line 5", "prompt_tokens"),
        "{second}"
    );
    assert!(second.reason.contains("-12"), "{second}");
    assert_eq!(
        second.to_string(),
        format!("spend.csv: line 5: prompt_tokens: {}", second.reason)
    );

    // Out of CostPlan's bounds: a time in the year 3000, a billion tokens in one request.
    let mut far = lines.clone();
    far[6] = far[6].replacen("2025-10-01 ", "3000-10-01 ", 1);
    let fields: Vec<&str> = far[8].splitn(5, ',').collect();
    far[8] = format!("{},{},{},1000000000,{}", fields[0], fields[1], fields[2], fields[4]);
    let logs = read(&(far.join("\n") + "\n"), "spend.csv").unwrap();
    let reasons: Vec<String> = logs.skipped.iter().map(|s| s.to_string()).collect();
    assert!(
        reasons.iter().any(|r| r.contains("line 7: startTime: not a time")),
        "{reasons:?}"
    );
    assert!(
        reasons
            .iter()
            .any(|r| r.contains("line 9: prompt tokens:") && r.contains("above the limit")),
        "{reasons:?}"
    );
    // A missing required column is named.
    let no_tokens = csv.replacen("prompt_tokens", "prompt", 1);
    let e = read(&no_tokens, "spend.csv").unwrap_err();
    assert!(
        e.to_string().contains("missing required column \"prompt_tokens\""),
        "{e}"
    );

    // JSON: a bad element is skipped at its index; a syntax error names line and column.
    let json = write(&s, &rows[..5], SynthFormat::LiteLlmJson).replacen(
        "\"completion_tokens\":",
        "\"completion_tokens\":\"many\",\"x\":",
        1,
    );
    let logs = read(&json, "spend.json").unwrap();
    assert_eq!(logs.skipped_count, 1);
    assert_eq!(logs.skipped[0].at, "[0]");
    assert_eq!(logs.skipped[0].field, "completion_tokens");
    let e = read("[{\"request_id\": 1,", "broken.json").unwrap_err();
    assert!(e.to_string().starts_with("broken.json: line 1, column"), "{e}");

    // Not a log at all, and nothing at all.
    let e = read("name,colour\nx,blue\n", "other.csv").unwrap_err();
    assert!(
        e.to_string().contains("cannot tell which log format") && e.to_string().contains("name, colour"),
        "{e}"
    );
    assert!(matches!(read("", "empty.csv"), Err(LogError::Empty(_))));
    // Langfuse observations that are not generations are not LLM calls (not rows to fit).
    let span = "{\"type\":\"SPAN\",\"startTime\":\"2025-10-01T00:00:00Z\",\"usageDetails\":{}}\n";
    let logs = read(&format!("{span}{span}"), "obs.jsonl").unwrap();
    assert_eq!((logs.records.len(), logs.skipped_count), (0, 0));
}

#[test]
fn timestamps_in_every_style_read_alike() {
    use costplan::logs::read::parse_time;
    let t = 1_759_276_800.0; // 2025-10-01T00:00:00Z
    for s in [
        "2025-10-01T00:00:00Z",
        "2025-10-01T02:00:00+02:00",
        "2025-10-01 00:00:00",
        "2025-10-01 00:00:00.000",
        "2025-10-01",
        "1759276800",
        "1759276800000",
        "1759276800000000000",
    ] {
        assert_eq!(parse_time(s), Some(t), "{s}");
    }
    assert_eq!(parse_time("yesterday"), None);
    assert_eq!(parse_time(""), None);
}

/// A month of the example logs as a scenario: the fitted `traffic.ron` beside it, one model priced
/// as `price_key`, and a baseline "today" with one retry and the `extra` components.
fn fitted_scenario(price_key: &str, extra: &str) -> String {
    let prices = crate::common::root().join("assets/prices/default.ron");
    format!(
        r#"#![enable(implicit_some)]
(
    format_version: 1,
    name: "fitted",
    horizon_days: 30,
    runs: 60,
    seed: 3,
    prices: File({prices:?}),
    traffic: File("traffic.ron"),
    models: {{
        "gpt-4o-mini": (price_key: "{price_key}", success: {{"faq": Fixed(0.92), "billing": Fixed(0.88)}},
                        ttft_ms: Fixed(400), output_tokens_per_s: Fixed(80)),
    }},
    default_model: "gpt-4o-mini",
    baseline: "today",
    policies: [Inline((name: "today", router: Fixed("gpt-4o-mini"), max_retries: 1{extra}))],
)"#
    )
}

/// A scenario fitted from a month of logs reproduces that month's spend within its band; a
/// scenario with the wrong price does not.
#[test]
fn a_scenario_fitted_from_its_logs_reproduces_their_spend() {
    use costplan::logs::backtest::backtest;
    use costplan::sim::engine::Control;
    use costplan::sim::results::SimOptions;
    let s = SynthSpec::example(300.0);
    let rows = generate(&s);
    let logs = read(&write(&s, &rows, SynthFormat::LangfuseJsonl), "obs.jsonl").unwrap();
    let f = fit(&logs, &FitOptions::default());
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("traffic.ron"), f.to_ron(&logs).unwrap()).unwrap();
    let scenario = |price_key: &str| fitted_scenario(price_key, "");
    let scn = costplan::model::Scenario::from_str(&scenario("gpt-4o-mini"), "fitted.ron", Some(dir.path())).unwrap();
    let b = backtest(&scn, &logs, &SimOptions::default(), &Control::none())
        .unwrap()
        .unwrap();
    assert_eq!(b.days, 30);
    assert_eq!(b.start_date.to_string(), "2025-10-01");
    let actual: f64 = rows.iter().map(|r| r.cost_usd).sum();
    assert!((b.spend_usd.actual - actual).abs() < 1e-9);
    assert!(b.spend_usd.inside, "{}", costplan::report::backtest::sentence(&b));
    assert!(
        b.spend_usd.error.abs() < 0.05,
        "{}",
        costplan::report::backtest::sentence(&b)
    );
    assert!(
        b.requests.inside && b.prompt_tokens.inside && b.output_tokens.inside,
        "{b:#?}"
    );
    assert!(
        b.share_of_days_inside >= 0.7,
        "{}",
        costplan::report::backtest::sentence(&b)
    );
    assert!(costplan::report::backtest::sentence(&b).contains("inside the p5–p95 band"));
    assert!(b.unknown_models.is_empty());
    // Priced as gpt-4o (about 17× dearer), the same traffic misses the actual spend by far.
    let wrong = costplan::model::Scenario::from_str(&scenario("gpt-4o"), "fitted.ron", Some(dir.path())).unwrap();
    let w = backtest(&wrong, &logs, &SimOptions::default(), &Control::none())
        .unwrap()
        .unwrap();
    assert!(
        !w.spend_usd.inside && w.spend_usd.error > 5.0,
        "{}",
        costplan::report::backtest::sentence(&w)
    );
    assert!(w.share_of_days_inside < 0.1);
}

#[test]
fn a_json_array_of_something_else_is_named_not_misread() {
    let e = read(
        "[{\"name\": \"x\", \"colour\": \"blue\"}, {\"name\": \"y\"}]",
        "things.json",
    )
    .unwrap_err();
    assert!(
        e.to_string().contains("cannot tell which log format") && e.to_string().contains("colour"),
        "{e}"
    );
}

/// Small hand-written files in each format's real field names (not made by the generator), so
/// that a misreading shared by the generator and the reader cannot hide.
#[test]
fn hand_written_fixtures_in_every_format_normalise_alike() {
    let dir = crate::common::root().join("tests/data/logs");
    let read_one = |name: &str| {
        let mut logs = Logs::default();
        costplan::logs::read::read_file(&dir.join(name), &mut logs).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(logs.skipped_count, 0, "{name}: {:?}", logs.skipped);
        logs
    };
    let key = |logs: &Logs, r: &costplan::logs::Record, k: &str| {
        r.keys[costplan::logs::key_index(k).unwrap()].map(|s| logs.symbols.name(s).to_string())
    };

    // LiteLLM: prompt_tokens include the 3,000 cached (Anthropic's cache read, from metadata).
    let l = read_one("litellm-spend-logs.json");
    assert_eq!(l.files[0].1, costplan::logs::Source::LiteLlmSpendLogs);
    assert_eq!(l.records.len(), 3);
    let r = &l.records[0];
    assert_eq!(
        (r.usage.prompt_tokens, r.usage.cache_read_tokens, r.usage.output_tokens),
        (4000.0, 3000.0, 300.0)
    );
    assert_eq!(r.usage.reasoning_tokens, 50.0);
    // Times to the millisecond (differences of seconds since 1970 carry float rounding).
    let ms = |x: Option<f32>| x.map(|v| v.round());
    assert_eq!(
        (r.cost_usd, r.ok, ms(r.ttft_ms), ms(r.latency_ms)),
        (Some(0.0123), Some(true), Some(800.0), Some(4500.0))
    );
    assert_eq!(key(&l, r, "tag").as_deref(), Some("faq"));
    assert_eq!(key(&l, r, "team").as_deref(), Some("support"));
    assert_eq!(key(&l, r, "model_group").as_deref(), Some("sonnet"));
    // OpenAI's cached tokens sit in prompt_tokens_details; end_user wins over the key's user.
    let r = &l.records[1];
    assert_eq!((r.usage.prompt_tokens, r.usage.cache_read_tokens), (1200.0, 1024.0));
    assert_eq!(r.ok, Some(false));
    assert_eq!(key(&l, r, "user").as_deref(), Some("acme"));
    // The failure followed in the same session by another request is a retry.
    let f = fit(&l, &FitOptions::default());
    assert_eq!(f.retries, 1.0);

    // Langfuse: input excludes the cached tokens — the same request reads 4,000 prompt tokens.
    let g = read_one("langfuse-observations.jsonl");
    assert_eq!(g.files[0].1, costplan::logs::Source::Langfuse);
    assert_eq!(g.records.len(), 2, "the SPAN is not an LLM call");
    let r = &g.records[0];
    assert_eq!(
        (r.usage.prompt_tokens, r.usage.cache_read_tokens, r.usage.output_tokens),
        (4000.0, 3000.0, 300.0)
    );
    assert_eq!((r.cost_usd, ms(r.latency_ms)), (Some(0.0084), Some(4500.0)));
    assert_eq!(key(&g, r, "trace_name").as_deref(), Some("support-chat"));
    assert_eq!(key(&g, r, "tag").as_deref(), Some("faq"));
    let r = &g.records[1];
    assert_eq!(
        (r.usage.prompt_tokens, r.usage.reasoning_tokens, r.ok),
        (800.0, 20.0, Some(false))
    );

    // OpenTelemetry: input includes cache reads; the response model names the model; an
    // OpenInference span reads alike; a span without token counts is not an LLM call.
    let o = read_one("otel-genai-spans.json");
    assert_eq!(o.files[0].1, costplan::logs::Source::OpenTelemetry);
    assert_eq!(o.records.len(), 2);
    let r = &o.records[0];
    assert_eq!((r.usage.prompt_tokens, r.usage.cache_read_tokens), (4000.0, 3000.0));
    assert_eq!(o.symbols.name(r.model), "gpt-4o-2024-08-06");
    assert_eq!((ms(r.latency_ms), r.ok), (Some(3000.0), Some(true)));
    assert_eq!(key(&o, r, "user").as_deref(), Some("u-1"));
    let r = &o.records[1];
    assert_eq!(
        (o.symbols.name(r.model), r.usage.prompt_tokens, r.ok),
        ("gpt-4o-mini", 900.0, Some(false))
    );
    assert_eq!(key(&o, r, "tag").as_deref(), Some("billing"));

    // OpenAI usage pages: aggregated per day, input includes cached tokens.
    let u = read_one("openai-usage-completions.json");
    assert_eq!(u.records.len(), 2);
    assert!(!u.per_request());
    let r = &u.records[0];
    assert_eq!(
        (r.requests, r.usage.prompt_tokens, r.usage.cache_read_tokens),
        (40.0, 50000.0, 20000.0)
    );
    assert_eq!(
        costplan::logs::fit::date_of_day(costplan::logs::fit::unix_day(r.start_unix_s)).to_string(),
        "2025-10-06"
    );
    assert_eq!(key(&u, r, "project").as_deref(), Some("proj_support"));

    // LiteLLM daily spend: a row priced in euros is named and its cost left out.
    let d = read_one("litellm-daily-spend.csv");
    assert_eq!(d.records.len(), 2);
    assert_eq!(d.records[0].usage.prompt_tokens, 40000.0);
    assert_eq!(d.records[0].cost_usd, Some(0.21));
    assert_eq!(d.records[1].cost_usd, None);
    assert_eq!(d.other_currencies.get("EUR"), Some(&1));
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig {
        cases: std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(256),
        failure_persistence: None,
        ..proptest::prelude::ProptestConfig::default()
    })]

    /// Mutated log files (every hand-written fixture and a synthetic CSV) never panic the
    /// reader or the fit: a row is read, skipped with a reason, or the file refused.
    #[test]
    fn fuzz_log_readers_never_panic(
        which in 0usize..8,
        muts in proptest::collection::vec(crate::fuzz::mutation(), 1..6),
    ) {
        let dir = crate::common::root().join("tests/data/logs");
        let s = SynthSpec { days: 3, ..SynthSpec::example(20.0) };
        let bases = [
            std::fs::read_to_string(dir.join("litellm-spend-logs.json")).unwrap(),
            std::fs::read_to_string(dir.join("langfuse-observations.jsonl")).unwrap(),
            std::fs::read_to_string(dir.join("otel-genai-spans.json")).unwrap(),
            std::fs::read_to_string(dir.join("openai-usage-completions.json")).unwrap(),
            std::fs::read_to_string(dir.join("litellm-daily-spend.csv")).unwrap(),
            write(&s, &generate(&s), SynthFormat::LiteLlmCsv),
            std::fs::read_to_string(dir.join("otel-collector-file-exporter.jsonl")).unwrap(),
            std::fs::read_to_string(dir.join("litellm-standard-logging-payload.jsonl")).unwrap(),
        ];
        let text = crate::fuzz::apply(bases[which].clone(), &muts);
        let outcome = std::panic::catch_unwind(|| match read(&text, "fuzzed") {
            Ok(logs) if !logs.records.is_empty() => {
                for sk in &logs.skipped {
                    assert!(!sk.reason.is_empty(), "{sk}");
                }
                let f = fit(&logs, &FitOptions::default());
                let _ = f.to_checked_ron(&logs, "fitted");
            }
            _ => {}
        });
        proptest::prop_assert!(outcome.is_ok(), "panicked on fixture {which} after {muts:?}");
    }
}

// Issue 20, item 5: a session that holds several tasks (a conversation's questions, seconds
// apart) does not turn its next question into a retry: the fit recovers the true retry rate.
#[test]
fn several_tasks_per_session_do_not_inflate_the_retry_rate() {
    for per_session in [1u32, 8] {
        let mut s = spec();
        s.tasks_per_session = per_session;
        let rows = generate(&s);
        let logs = read(&write(&s, &rows, SynthFormat::LiteLlmCsv), "spend.csv").unwrap();
        let f = fit(&logs, &FitOptions::default());
        let p = &f.profile;
        for (name, fail) in [("faq", 0.08), ("billing", 0.12)] {
            let class = p.classes.iter().find(|c| c.name == name).expect(name);
            // A failure (retries included) is retried with probability 0.5, at most once.
            let want = 0.5 / (1.0 + 0.5 * fail);
            let d = &class.retry_on_failure.0;
            let sd = d.sd();
            let got = d.mean();
            assert!(
                (got - want).abs() < 3.0 * sd.max(0.01),
                "{per_session} tasks a session, {name}: retry rate {got:.3} (sd {sd:.3}) vs {want:.3}"
            );
        }
    }
}

// Issue 20, item 4: response-cache hits are neither model calls nor billed tokens; the backtest
// compares like with like and shows the hits as their own row.
#[test]
fn a_backtest_does_not_count_response_cache_hits_as_calls_or_tokens() {
    use costplan::logs::backtest::backtest;
    use costplan::sim::engine::Control;
    use costplan::sim::results::SimOptions;
    let mut s = SynthSpec::example(300.0);
    for c in &mut s.classes {
        c.cache_hit_rate = 0.05;
    }
    let rows = generate(&s);
    let logs = read(&write(&s, &rows, SynthFormat::LiteLlmCsv), "spend.csv").unwrap();
    let f = fit(&logs, &FitOptions::default());
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("traffic.ron"), f.to_ron(&logs).unwrap()).unwrap();
    let text = fitted_scenario("gpt-4o-mini", ", exact_cache: (hit_given_repeat: Fixed(1.0))");
    let scn = costplan::model::Scenario::from_str(&text, "fitted.ron", Some(dir.path())).unwrap();
    let b = backtest(&scn, &logs, &SimOptions::default(), &Control::none())
        .unwrap()
        .unwrap();
    let hits = rows.iter().filter(|r| r.cache_hit).count() as f64;
    let calls = rows.len() as f64 - hits;
    assert_eq!(b.requests.actual, calls);
    let h = b.response_cache_hits.as_ref().expect("the logs mark hits");
    assert_eq!(h.actual, hits);
    for (what, t) in [
        ("calls", &b.requests),
        ("prompt tokens", &b.prompt_tokens),
        ("output tokens", &b.output_tokens),
        ("cache hits", h),
    ] {
        assert!(t.inside && t.error.abs() < 0.03, "{what}: {t:?}");
    }
    let text = costplan::report::backtest::text(&b);
    assert!(text.contains("cache hits") && text.contains("response cache"), "{text}");
}

/// Dated snapshot ids (`gpt-4o-mini-2024-07-18`, `claude-sonnet-4-5-20250929`, Vertex's
/// `@20250929`, OpenAI's `-0613`) are the model without the date: the backtest takes them as the
/// scenario's model and says so, with the same spend as undated ids.
#[test]
fn dated_model_ids_map_to_their_model_and_the_mapping_is_reported() {
    use costplan::logs::models::{resolve, undated};
    assert_eq!(undated("gpt-4o-2024-08-06"), Some("gpt-4o"));
    assert_eq!(undated("claude-sonnet-4-5-20250929"), Some("claude-sonnet-4-5"));
    assert_eq!(undated("claude-sonnet-4-5@20250929"), Some("claude-sonnet-4-5"));
    assert_eq!(undated("gpt-4-0613"), Some("gpt-4"));
    assert_eq!(undated("gpt-4o-mini"), None);
    assert_eq!(undated("claude-sonnet-4-5"), None, "4-5 is a version, not a date");
    assert_eq!(undated("model-20251399"), None, "not a calendar date");
    // Ids with characters of several bytes are never cut inside one (found by the fuzz test).
    for id in [
        "modèle-é",
        "日本語モデル",
        "x€-2024-08-06",
        "é2024-08-06",
        "ü-0613",
        "模型@20250929",
        "a日-1",
    ] {
        let _ = undated(id);
    }
    assert_eq!(undated("modèle-2024-08-06"), Some("modèle"));
    assert_eq!(resolve("gpt-4o-2024-08-06", |m| m == "gpt-4o"), Some("gpt-4o"));
    assert_eq!(
        resolve("gpt-4o-2024-08-06", |m| m == "gpt-4o-2024-08-06"),
        Some("gpt-4o-2024-08-06")
    );
    assert_eq!(resolve("mystery-2024-08-06", |m| m == "gpt-4o"), None);

    let root = crate::common::root();
    let csv = std::fs::read_to_string(root.join("scenarios/from-logs/spend-logs.csv")).unwrap();
    let dated = csv.replace(",gpt-4o-mini,gpt-4o-mini,", ",gpt-4o-mini-2024-07-18,gpt-4o-mini,");
    assert_ne!(csv, dated, "the fixture's model column was rewritten");
    let scn = costplan::model::load_scenario_path(&root.join("scenarios/from-logs/scenario.ron")).unwrap();
    let bt = |text: &str| {
        let logs = read(text, "spend-logs.csv").unwrap();
        let opts = costplan::sim::results::SimOptions {
            runs: Some(4),
            ..Default::default()
        };
        costplan::logs::backtest::backtest(&scn, &logs, &opts, &costplan::sim::engine::Control::none())
            .unwrap()
            .unwrap()
    };
    let (plain, b) = (bt(&csv), bt(&dated));
    assert!(b.unknown_models.is_empty(), "{:?}", b.unknown_models);
    assert_eq!(
        b.dated_models,
        vec![("gpt-4o-mini-2024-07-18".to_string(), "gpt-4o-mini".to_string())]
    );
    assert_eq!(b.spend_usd, plain.spend_usd);
    let notes = costplan::report::backtest::notes(&b).join(" ");
    assert!(notes.contains("gpt-4o-mini-2024-07-18 → gpt-4o-mini"), "{notes}");
}

/// LiteLLM spend-log rows (JSON Lines) at the given unix times, 1,000 prompt and 200 output
/// tokens each, for the coverage tests.
fn rows_at(times: &[f64]) -> String {
    times
        .iter()
        .enumerate()
        .map(|(n, &t)| {
            let d = costplan::date::Date::of_unix_seconds(t);
            let s = (t.floor() as i64).rem_euclid(86_400);
            format!(
                "{{\"request_id\":\"r-{n}\",\"startTime\":\"{d} {:02}:{:02}:{:02}\",\"model\":\"gpt-4o-mini\",\"prompt_tokens\":1000,\"completion_tokens\":200,\"spend\":0.0003,\"status\":\"success\"}}\n",
                s / 3600,
                s / 60 % 60,
                s % 60
            )
        })
        .collect()
}

/// What the logs cover decides the volume: an hour of logs is scaled to a day (and said so,
/// with a wide band) wherever midnight falls; an export cut mid-day does not bend the trend; a
/// stray row with a typo'd year is left out and named; days without a row are named.
#[test]
fn the_volume_follows_the_time_the_logs_cover() {
    let day0 = 1_759_276_800.0; // 2025-10-01 00:00 UTC
    let fit_of = |times: &[f64]| {
        let logs = read(&rows_at(times), "spend.jsonl").unwrap();
        fit(&logs, &FitOptions::default())
    };
    let said = |f: &costplan::logs::fit::Fit, what: &str| f.assumed.iter().any(|(_, how)| how.contains(what));
    // 800 requests evenly over one hour, at 10:00 and across midnight.
    for start in [day0 + 10.0 * 3600.0, day0 + 23.5 * 3600.0] {
        let times: Vec<f64> = (0..800).map(|i| start + f64::from(i) * 4.5).collect();
        let f = fit_of(&times);
        let level = f.profile.requests_per_day.0.quantile(0.5);
        assert!(
            (level / 19_200.0 - 1.0).abs() < 0.01,
            "an hour of 800 requests is {level} a day (want about 19,200)"
        );
        assert!(said(&f, "under a day"), "{:?}", f.assumed);
        assert!(
            f.profile.requests_per_day.0.quantile(0.95) / level > 2.0,
            "the band is wide"
        );
    }
    // 30 flat days of 2,000 a day, the export cut at 06:00 of a 31st.
    let mut times: Vec<f64> = (0..60_000).map(|i| day0 + f64::from(i) * 43.2).collect();
    times.extend((0..500).map(|i| day0 + 30.0 * 86_400.0 + f64::from(i) * 43.2));
    let f = fit_of(&times);
    let g = f.profile.growth_per_month.mean();
    assert!(g.abs() < 0.02, "flat traffic cut at 06:00 reads as {g:+.3} a month");
    assert!(said(&f, "the last day"), "{:?}", f.assumed);
    // The same with one row dated 1991.
    let mut stray = times.clone();
    stray.push(662_688_000.0); // 1991-01-01
    let g_stray = fit_of(&stray);
    let (a, b) = (
        f.profile.requests_per_day.0.quantile(0.5),
        g_stray.profile.requests_per_day.0.quantile(0.5),
    );
    assert!(
        (a / b - 1.0).abs() < 1e-6,
        "a stray row moved the volume from {a} to {b}"
    );
    assert!(
        said(&g_stray, "strays") && said(&g_stray, "1991-01-01"),
        "{:?}",
        g_stray.assumed
    );
    // Three days without a row in the middle.
    let gappy: Vec<f64> = times
        .iter()
        .copied()
        .filter(|t| !(day0 + 10.0 * 86_400.0..day0 + 13.0 * 86_400.0).contains(t))
        .collect();
    let f = fit_of(&gappy);
    assert!(said(&f, "3 day(s) inside the period without a row"), "{:?}", f.assumed);
    assert!(f.profile.growth_per_month.mean().abs() < 0.02);
}

/// A volume known exactly keeps its digits, and a backtest whose simulation has no spread says
/// so: 10,007 requests on each of two whole days fit as exactly 10,007 a day (not 10,010), and
/// the backtest of the same logs finds the request count equal, a point comparison.
#[test]
fn an_exact_count_fits_exactly_and_a_band_without_width_is_named() {
    let day0 = 1_759_276_800.0; // 2025-10-01 00:00 UTC
    let times: Vec<f64> = (0..20_014)
        .map(|i| day0 + f64::from(i) * (172_800.0 / 20_014.0))
        .collect();
    let logs = read(&rows_at(&times), "spend.jsonl").unwrap();
    let f = fit(&logs, &FitOptions::default());
    assert_eq!(spec_of(&f.profile.requests_per_day), DistSpec::Fixed(10_007.0));
    let mut s = crate::common::ScenarioBuilder::new()
        .days(2)
        .runs(3)
        .policies(r#"Inline((name: "base", router: Fixed("big")))"#)
        .build();
    s.traffic = f.profile.clone();
    s.traffic.classes[0].name = "c".into();
    s.file.models.insert("gpt-4o-mini".into(), s.file.models["big"].clone());
    let s = s.validate_edited().unwrap();
    let b = costplan::logs::backtest::backtest(
        &s,
        &logs,
        &costplan::sim::results::SimOptions {
            runs: Some(3),
            ..Default::default()
        },
        &costplan::sim::engine::Control::none(),
    )
    .unwrap()
    .unwrap();
    assert!(b.requests.no_spread, "{:?}", b.requests);
    assert_eq!(b.requests.actual, 20_014.0);
    assert!(b.requests.inside, "an exactly known count is equal: {:?}", b.requests);
    let rows = costplan::report::backtest::total_rows(&b);
    assert!(
        rows.iter()
            .any(|r| r[0] == "model calls" && r[4] == "equal (no spread)"),
        "{rows:?}"
    );
}

/// `n` stratified quantiles of a log-normal (median `median`, log-sd `sigma`) cut off above
/// `cap` tokens (a context window: the data has nothing above it).
fn lognormal_below(median: f64, sigma: f64, cap: f64, n: usize) -> Vec<f64> {
    use statrs::distribution::{ContinuousCDF, Normal};
    let z = Normal::new(0.0, 1.0).unwrap();
    let top = z.cdf((cap / median).ln() / sigma);
    (0..n)
        .map(|i| (median * (sigma * z.inverse_cdf((i as f64 + 0.5) / n as f64 * top)).exp()).round())
        .collect()
}

#[test]
fn a_token_fit_keeps_the_mean_and_the_price_tier_tails_that_drive_spend() {
    use costplan::logs::fit::{PRICE_TIER_TOKENS, fit_tokens_tiered};
    // Prompts cut at a 128k context window: a log-normal passes KS but puts requests above
    // 200k (billed at the long-context tier) that never happened, and overstates the mean.
    let mut cut = lognormal_below(20_000.0, 1.3, 128_000.0, 20_000);
    let data_mean = cut.iter().sum::<f64>() / cut.len() as f64;
    let f = fit_tokens_tiered(&mut cut, &PRICE_TIER_TOKENS);
    assert!(
        f.ks.unwrap() < costplan::logs::fit::KS_LOGNORMAL_MAX,
        "KS alone would pass: {:?}",
        f.ks
    );
    assert_eq!(f.kind, "Empirical", "{f:?}");
    let why = f.refused.clone().unwrap();
    assert!(why.contains("above 200k tokens against 0.00% in the data"), "{why}");
    let DistSpec::Empirical(points) = &f.spec else { panic!() };
    let fit_mean = points.iter().sum::<f64>() / points.len() as f64;
    assert!((fit_mean / data_mean - 1.0).abs() < 0.001, "{fit_mean} vs {data_mean}");
    assert!(
        points.iter().all(|p| *p <= 128_000.0),
        "nothing above the data's maximum"
    );
    // The same shape without the cut (far below every tier) stays a log-normal.
    let mut plain = lognormal_below(2_000.0, 0.8, 1e9, 20_000);
    let f = fit_tokens_tiered(&mut plain, &PRICE_TIER_TOKENS);
    assert_eq!(f.kind, "LogNormal", "{f:?}");
    assert!(f.refused.is_none());
    // Its header line says why a log-normal was refused.
    let text = {
        let mut rows = String::from("request_id,startTime,model,prompt_tokens,completion_tokens\n");
        for (i, p) in lognormal_below(20_000.0, 1.3, 128_000.0, 2_000).iter().enumerate() {
            rows.push_str(&format!(
                "r{i},2025-10-06T{:02}:{:02}:00Z,m,{p},100\n",
                (i / 60) % 24,
                i % 60
            ));
        }
        rows
    };
    let logs = read(&text, "cut.csv").unwrap();
    let ron = fit(&logs, &FitOptions::default()).to_ron(&logs).unwrap();
    assert!(ron.contains("log-normal refused"), "{ron}");
}

/// A partial first or last day is weighted by the hour-of-day shape of the whole days: traffic
/// that runs 08:00–20:00, exported from 14:00 on the first day, is 1,200 a day (the first day
/// read as 10 of 24 hours would be 1,440, and the level 5 % too high).
#[test]
fn partial_days_are_weighted_by_the_hour_of_day_shape() {
    let day0 = 1_759_276_800.0; // 2025-10-01 00:00 UTC
    let mut times = Vec::new();
    for d in 0..4 {
        for i in 0..1200 {
            let t = day0 + f64::from(d) * 86_400.0 + 8.0 * 3600.0 + f64::from(i) * 36.0;
            let start = day0 + 14.0 * 3600.0;
            let end = day0 + 4.0 * 86_400.0;
            if (start..end).contains(&t) {
                times.push(t);
            }
        }
    }
    let logs = read(&rows_at(&times), "spend.jsonl").unwrap();
    let f = fit(&logs, &FitOptions::default());
    let level = f.profile.requests_per_day.0.quantile(0.5);
    assert!((level / 1200.0 - 1.0).abs() < 0.02, "{level} a day (want about 1,200)");
    assert!(
        f.assumed.iter().any(|(_, how)| how
            .contains("the first day 10 h (50% of a day's traffic by the hour-of-day shape)")
            && how.contains("of the 2 whole days")
            && !how.contains("last day")),
        "{:?}",
        f.assumed
    );
}

/// A backtest compares whole days: an export that starts at noon has its first day left out
/// (not read as a cheap day), a day missing from the export is not compared, and both are said;
/// the rest still reproduces the logs' spend.
#[test]
fn a_backtest_leaves_out_partial_days_and_gaps_and_says_so() {
    use costplan::logs::backtest::backtest;
    use costplan::sim::engine::Control;
    use costplan::sim::results::SimOptions;
    let s = SynthSpec::example(300.0);
    let day0 = 1_759_276_800.0; // 2025-10-01 00:00 UTC
    let rows: Vec<_> = generate(&s)
        .into_iter()
        .filter(|r| {
            let t = r.start_unix_ms as f64 / 1e3;
            t >= day0 + 12.0 * 3600.0 && !(day0 + 9.0 * 86_400.0..day0 + 10.0 * 86_400.0).contains(&t)
        })
        .collect();
    let logs = read(&write(&s, &rows, SynthFormat::LangfuseJsonl), "obs.jsonl").unwrap();
    let f = fit(&logs, &FitOptions::default());
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("traffic.ron"), f.to_ron(&logs).unwrap()).unwrap();
    let scn = costplan::model::Scenario::from_str(&fitted_scenario("gpt-4o-mini", ""), "fitted.ron", Some(dir.path()))
        .unwrap();
    let b = backtest(&scn, &logs, &SimOptions::default(), &Control::none())
        .unwrap()
        .unwrap();
    assert_eq!(b.start_date.to_string(), "2025-10-02", "the half day is not compared");
    assert_eq!(b.days, 29);
    let gap: Vec<_> = b
        .daily
        .iter()
        .filter(|d| d.no_logs)
        .map(|d| d.date.to_string())
        .collect();
    assert_eq!(gap, ["2025-10-10"]);
    let notes = costplan::report::backtest::notes(&b).join("\n");
    assert!(
        notes.contains("2025-10-01: the logs hold 49% of a day's traffic"),
        "{notes}"
    );
    assert!(notes.contains("1 day(s) inside the period have no row"), "{notes}");
    let actual: f64 = rows
        .iter()
        .filter(|r| r.start_unix_ms as f64 / 1e3 >= day0 + 86_400.0)
        .map(|r| r.cost_usd)
        .sum();
    assert!((b.spend_usd.actual - actual).abs() < 1e-9);
    assert!(
        b.spend_usd.inside && b.spend_usd.error.abs() < 0.05,
        "{}",
        costplan::report::backtest::sentence(&b)
    );
    assert!(b.requests.inside, "{:?}", b.requests);
    assert!(b.share_of_days_inside >= 0.7, "{}", b.share_of_days_inside);
    // Under a day of logs is no backtest, and says why.
    let hour: Vec<_> = rows
        .iter()
        .filter(|r| (r.start_unix_ms as f64 / 1e3) < day0 + 13.0 * 3600.0)
        .cloned()
        .collect();
    let short = read(&write(&s, &hour, SynthFormat::LangfuseJsonl), "hour.jsonl").unwrap();
    let e = backtest(&scn, &short, &SimOptions::default(), &Control::none())
        .unwrap()
        .unwrap_err();
    assert!(e.contains("under a whole day"), "{e}");
}

/// A long file read tells how it goes — rows, bytes of the whole, rate, time left — and stops
/// when asked, keeping nothing (Ctrl-C in the CLI, Cancel in the window; issue 23, item 5).
#[test]
fn a_long_read_reports_progress_and_stops_when_asked() {
    use costplan::logs::read::read_sources;
    use costplan::logs::read::watch::{ReadControl, ReadProgress};
    use costplan::logs::synth::{SynthFormat, SynthSpec, generate, write};
    use std::sync::atomic::{AtomicBool, Ordering};
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("spend.csv");
    let spec = SynthSpec::example(1000.0);
    let csv = write(&spec, &generate(&spec), SynthFormat::LiteLlmCsv);
    std::fs::write(&path, &csv).unwrap();
    let lines = csv.lines().count() as u64;
    let reports = std::cell::RefCell::new(Vec::new());
    let record = |p: ReadProgress| reports.borrow_mut().push(p);
    let stop = AtomicBool::new(false);
    let ctl = ReadControl {
        stop: &stop,
        progress: &record,
    };
    let logs = read_sources(&[path.as_path()], &Default::default(), &ctl).unwrap();
    assert!(logs.records.len() > 20_000, "{}", logs.records.len());
    let reports = reports.into_inner();
    assert!(reports.len() >= 2, "{reports:?}");
    let last = reports.last().unwrap();
    assert_eq!(last.bytes, csv.len() as u64);
    assert_eq!(last.total_bytes, Some(csv.len() as u64));
    assert_eq!(last.rows, lines);
    assert_eq!(last.done_share(), Some(1.0));
    let mid = &reports[0];
    let line = costplan::report::format::read_progress(mid, 2.0);
    assert!(
        line.starts_with("read ") && line.contains(" of ") && line.contains("rows a second") && line.contains("left"),
        "{line}"
    );
    // Stopped at the first report: an error that says so, no records.
    let stopping = |_: ReadProgress| stop.store(true, Ordering::Relaxed);
    let ctl = ReadControl {
        stop: &stop,
        progress: &stopping,
    };
    let e = read_sources(&[path.as_path()], &Default::default(), &ctl).unwrap_err();
    assert!(matches!(e, costplan::logs::LogError::Stopped { .. }), "{e}");
    assert_eq!(costplan::exit::Failure::Interrupted(e.to_string()).exit_code(), 130);
    // A Parquet file counts its rows and ends at its size, whatever it peeked at first.
    let pq = crate::common::root().join("tests/data/logs/litellm-spend-logs.parquet");
    let reports = std::cell::RefCell::new(Vec::new());
    let record = |p: ReadProgress| reports.borrow_mut().push(p);
    let never = AtomicBool::new(false);
    let ctl = ReadControl {
        stop: &never,
        progress: &record,
    };
    let logs = read_sources(&[pq.as_path()], &Default::default(), &ctl).unwrap();
    let last = *reports.borrow().last().unwrap();
    assert_eq!(last.bytes, std::fs::metadata(&pq).unwrap().len());
    assert_eq!(last.rows, logs.records.len() as u64 + logs.skipped_count);
}
