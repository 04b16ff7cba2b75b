//! Reports: every format for every shipped scenario; the HTML is well-formed, self-contained and
//! holds every section; its figures equal the JSON's; the CSV has a row per run and policy; the
//! same seed gives byte-identical files.

use crate::common::ScenarioBuilder;
use costplan::report::{Format, write};
use costplan::sim::engine::Control;
use costplan::sim::results::{SimOptions, simulate};

use crate::common::root;

const SCENARIOS: [&str; 4] = ["support-assistant", "rag-docs", "coding-assistant", "batch-extraction"];

fn results(name: &str) -> (costplan::model::Scenario, costplan::sim::results::Results) {
    let scn = costplan::model::load_scenario_path(&root().join(format!("scenarios/{name}.ron"))).unwrap();
    let r = simulate(
        &scn,
        &SimOptions {
            runs: Some(3),
            ..Default::default()
        },
        &Control::none(),
    )
    .unwrap();
    (scn, r)
}

#[test]
fn every_format_for_every_shipped_scenario() {
    for name in SCENARIOS {
        let (scn, r) = results(name);
        let dir = tempfile::tempdir().unwrap();
        let json_path = dir.path().join("r.json");
        write(&scn, &r, Format::Json, &json_path).unwrap();
        let json: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&json_path).unwrap()).unwrap();
        assert_eq!(json["policies"].as_array().unwrap().len(), r.policies.len());

        // HTML: well-formed, self-contained, every section, figures equal to the JSON's.
        let html_path = dir.path().join("r.html");
        write(&scn, &r, Format::Html, &html_path).unwrap();
        let text = std::fs::read_to_string(&html_path).unwrap();
        let doc = scraper::Html::parse_document(&text);
        assert!(doc.errors.is_empty(), "{name}: HTML parse errors {:?}", doc.errors);
        for id in [
            "summary",
            "figures",
            "charts",
            "savings",
            "risks",
            "assumptions",
            "method",
            "reproducibility",
        ] {
            let sel = scraper::Selector::parse(&format!("section#{id}")).unwrap();
            assert_eq!(doc.select(&sel).count(), 1, "{name}: section {id}");
        }
        let svg = scraper::Selector::parse("figure.chart svg").unwrap();
        assert!(doc.select(&svg).count() >= 5, "{name}: charts");
        assert!(!text.contains("could not be drawn"), "{name}: a chart failed");
        for forbidden in ["<script", "<link", " src=\"http", "@import"] {
            assert!(!text.contains(forbidden), "{name}: not self-contained ({forbidden})");
        }
        let cells = scraper::Selector::parse("section#figures td[data-stat=\"p50\"]").unwrap();
        let mut checked = 0;
        for td in doc.select(&cells) {
            let e = td.value();
            let (metric, policy) = (e.attr("data-metric").unwrap(), e.attr("data-policy").unwrap());
            let p = json["policies"]
                .as_array()
                .unwrap()
                .iter()
                .find(|p| p["name"] == policy)
                .unwrap();
            let v: f64 = e.attr("data-value").unwrap().parse().unwrap();
            assert_eq!(
                v,
                p["metrics"][metric]["p50"].as_f64().unwrap(),
                "{name}: {policy} {metric}"
            );
            let shown = td.text().collect::<String>();
            let formatted = costplan::report::format::value(costplan::report::format::unit_of(metric), v);
            assert!(shown.starts_with(&formatted), "{name}: {shown} vs {formatted}");
            checked += 1;
        }
        assert_eq!(
            checked,
            5 * r.policies.len(),
            "{name}: every key figure of every policy"
        );
        let assumptions = scraper::Selector::parse("section#assumptions").unwrap();
        let a_text: String = doc.select(&assumptions).next().unwrap().text().collect();
        assert!(a_text.contains("2026-11-29"), "{name}: prices list their as_of date");

        // CSV: one row per run and policy, every metric; and the savings file.
        let csv_path = dir.path().join("r.csv");
        let files = write(&scn, &r, Format::Csv, &csv_path).unwrap();
        assert_eq!(files.len(), 2);
        let mut rd = csv::Reader::from_path(&csv_path).unwrap();
        assert_eq!(rd.headers().unwrap().len(), 2 + costplan::sim::metrics::N_METRICS);
        let rows: Vec<csv::StringRecord> = rd.records().map(|r| r.unwrap()).collect();
        assert_eq!(rows.len(), 3 * r.policies.len());
        let mut sv = csv::Reader::from_path(dir.path().join("r-savings.csv")).unwrap();
        assert!(sv.records().count() > 0);

        // Markdown: the same sections, charts beside it.
        let md_path = dir.path().join("r.md");
        let files = write(&scn, &r, Format::Md, &md_path).unwrap();
        let md = std::fs::read_to_string(&md_path).unwrap();
        for title in [
            "## Executive summary",
            "## Figures",
            "## Charts",
            "## Savings by tactic",
            "## Risk flags",
            "## Assumptions",
            "## Method and definitions",
            "## Reproducibility",
        ] {
            assert!(md.contains(title), "{name}: {title}");
        }
        let svgs: Vec<_> = files
            .iter()
            .filter(|f| f.extension().is_some_and(|e| e == "svg"))
            .collect();
        assert!(svgs.len() >= 5);
        for f in svgs {
            let rel = format!("r-charts/{}", f.file_name().unwrap().to_string_lossy());
            assert!(md.contains(&rel), "{name}: link to {rel}");
        }
    }
}

#[test]
fn the_same_seed_gives_byte_identical_reports() {
    let (scn, a) = results("batch-extraction");
    let (_, b) = results("batch-extraction");
    let dir = tempfile::tempdir().unwrap();
    for (fmt, ext) in [
        (Format::Html, "html"),
        (Format::Json, "json"),
        (Format::Csv, "csv"),
        (Format::Md, "md"),
    ] {
        let pa = dir.path().join(format!("a.{ext}"));
        let pb = dir.path().join(format!("b.{ext}"));
        write(&scn, &a, fmt, &pa).unwrap();
        write(&scn, &b, fmt, &pb).unwrap();
        let (ta, tb) = (std::fs::read(&pa).unwrap(), std::fs::read(&pb).unwrap());
        // Markdown links its own chart folder by name; compare with the names aligned.
        if ext == "md" {
            let tb = String::from_utf8(tb).unwrap().replace("b-charts/", "a-charts/");
            assert_eq!(String::from_utf8(ta).unwrap(), tb);
        } else {
            assert_eq!(ta, tb, "{ext}");
        }
    }
}

#[test]
fn report_cli_writes_by_extension_and_rejects_unknown_ones() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("plan.html");
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_costplan"))
        .current_dir(root())
        .args(["report", "scenarios/rag-docs.ron", "--runs", "2", "-o"])
        .arg(&out)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(std::fs::read_to_string(&out).unwrap().starts_with("<!DOCTYPE html>"));
    let bad = std::process::Command::new(env!("CARGO_BIN_EXE_costplan"))
        .current_dir(root())
        .args(["report", "scenarios/rag-docs.ron", "-o"])
        .arg(dir.path().join("plan.txt"))
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("--format"));
}

/// A cap far above the spend (here the largest finite number) is valid input: the spend chart
/// keeps its axis on the spend, leaves the budget line out and says so, in the report and the
/// window alike; the report is written in well under a second (it used to hang).
#[test]
fn an_absurd_but_valid_budget_cap_leaves_the_spend_chart_readable() {
    let text = ScenarioBuilder::new()
        .volume("Fixed(500)")
        .class("input_tokens: Fixed(1000), output_tokens: Fixed(200)")
        .success(0.9, 0.8)
        .policies(
            r#"Inline((name: "base", router: Fixed("big"))),
           Inline((name: "cand", router: Fixed("small"),
                   budget: (scope: Total, period: Day, cap_usd: 1.7976931348623157e308, on_breach: AlertOnly))),
           Inline((name: "near", router: Fixed("small"),
                   budget: (scope: Total, period: Day, cap_usd: 5.0, on_breach: AlertOnly)))"#,
        )
        .runs(4)
        .days(3)
        .text();
    let r = crate::common::run(&crate::common::scenario(&text));
    let far = costplan::report::series::budget_line_on_chart(&r, &r.policies[1]).unwrap();
    assert!(far.is_empty(), "{far:?}");
    let near = costplan::report::series::budget_line_on_chart(&r, &r.policies[2]).unwrap();
    assert_eq!(near.len(), 3, "a cap near the spend is drawn");
    let started = std::time::Instant::now();
    let svg = costplan::report::charts::spend_over_time(&r, costplan::report::charts::Size::WIDE).unwrap();
    assert!(started.elapsed().as_secs_f64() < 5.0);
    assert!(
        svg.contains("dashed: budget, where on the chart"),
        "the caption says a budget is off the chart"
    );
    assert!(!svg.contains("e308") && !svg.contains("inf"), "no absurd tick labels");
}

/// The executive summary's paragraphs and list items, as text.
fn summary_text(scn: &costplan::model::Scenario, r: &costplan::sim::results::Results) -> Vec<String> {
    use costplan::report::summary::{Block, sections};
    let s = sections(scn, r, &[]);
    let summary = s.iter().find(|s| s.id == "summary").unwrap();
    summary
        .blocks
        .iter()
        .flat_map(|b| match b {
            Block::Para(t) => vec![t.clone()],
            Block::List(items) => items.clone(),
            _ => vec![],
        })
        .collect()
}

#[test]
fn the_executive_summary_never_recommends_a_budget_that_runs_out_in_most_runs_and_states_every_trade_off() {
    let (scn, r) = {
        let scn = costplan::model::load_scenario_path(&root().join("scenarios/batch-extraction.ron")).unwrap();
        let r = simulate(
            &scn,
            &SimOptions {
                runs: Some(12),
                ..Default::default()
            },
            &Control::none(),
        )
        .unwrap();
        (scn, r)
    };
    let (best, _) = costplan::report::summary::recommend(&r);
    let breach = r.policies[best]
        .metric(costplan::sim::metrics::Metric::BudgetBreached)
        .mean;
    assert!(
        breach.is_nan() || breach <= 0.5,
        "{} runs out in {breach}",
        r.policies[best].name
    );
    let text = summary_text(&scn, &r);
    let all = text.join("\n");
    assert!(all.contains("means over 12 runs"), "one statistic, named: {all}");
    assert!(all.contains("success rate") && all.contains("p95 latency"), "{all}");
    for p in r.policies.iter().filter(|p| !p.risk_flags.is_empty()) {
        assert!(
            text.iter().any(|t| t.starts_with(&p.name)),
            "risks of {} are listed under its name: {all}",
            p.name
        );
    }
}

#[test]
fn a_recommended_policy_whose_budget_can_run_out_says_so_first() {
    // The candidate is much cheaper; its daily cap is reached in some runs but not most.
    let text = ScenarioBuilder::new()
        .volume("LogNormal(500, 900)")
        .class("input_tokens: Fixed(1000), output_tokens: Fixed(200)")
        .success(0.9, 0.9)
        .policies(
            r#"Inline((name: "base", router: Fixed("big"))),
           Inline((name: "cand", router: Fixed("small"),
                   budget: (scope: Total, period: Day, cap_usd: 1.5, on_breach: AlertOnly)))"#,
        )
        .runs(40)
        .days(3)
        .text();
    let scn = crate::common::scenario(&text);
    let r = crate::common::run(&scn);
    let breach = r.policies[1]
        .metric(costplan::sim::metrics::Metric::BudgetBreached)
        .mean;
    assert!(
        breach > 0.0 && breach <= 0.5,
        "the test needs a breach in some runs, not most: {breach}"
    );
    let (best, _) = costplan::report::summary::recommend(&r);
    assert_eq!(best, 1);
    let text = summary_text(&scn, &r);
    assert!(
        text[1] == "Before deciding, cand itself:" && text[2].starts_with("runs out of its own budget"),
        "{text:?}"
    );
}

/// The HTML report at phone width, on a desktop and in print: wide tables scroll in their own
/// box, charts fill the column through their viewBox and keep a readable size on a phone,
/// charts follow a dark colour scheme, a table's introduction stays with it in print, and axis
/// labels use one format. (`scripts/report-check.sh` renders the same report in headless
/// Chromium at 390 px, 1280 px and as a PDF, for a look.)
#[test]
fn the_html_report_reads_on_a_phone_a_desktop_dark_screens_and_paper() {
    let (scn, r) = results("rag-docs");
    let html = costplan::report::html::render(&scn, &r);
    let doc = scraper::Html::parse_document(&html);
    let sel = |s: &str| scraper::Selector::parse(s).unwrap();
    let tables = doc.select(&sel("table")).count();
    assert!(tables > 0);
    assert_eq!(
        doc.select(&sel("div.scroll > table")).count(),
        tables,
        "every table scrolls in its box"
    );
    for svg in doc.select(&sel("figure.chart .frame > svg")) {
        assert!(svg.value().attr("viewBox").is_some(), "charts scale by their viewBox");
    }
    for rule in [
        "figure.chart svg { display: block; width: 100%",
        "@media (max-width: 700px)",
        "figure.chart .wide { display: none; }",
        "div.scroll, figure.chart .frame { overflow: visible; }",
        "@media (prefers-color-scheme: dark)",
        "filter: invert(0.9) hue-rotate(180deg)",
        "p:has(+ div.scroll), figcaption { break-after: avoid; }",
    ] {
        assert!(html.contains(rule), "missing {rule:?}");
    }
    assert!(
        !html.contains("..<") && !html.contains(".</p>.") && !html.contains("router.."),
        "no doubled full stop"
    );
    // Axis labels: one format per axis.
    use costplan::report::charts::usd_axis_label;
    assert_eq!(usd_axis_label(500.0, 1500.0), "$500");
    assert_eq!(usd_axis_label(1000.0, 1500.0), "$1,000");
    assert_eq!(usd_axis_label(0.5, 2.0), "$0.50");
    assert_eq!(usd_axis_label(0.0125, 0.03), "$0.0125");
}

/// The key-figure rows every front end renders: the baseline has no change column; a cheaper
/// but less successful candidate is better on cost and worse on success, by each metric's
/// direction; the texts are the formatted figures.
#[test]
fn key_figure_rows_carry_each_metrics_direction() {
    use costplan::report::figures::{KEY_FIGURES, Verdict, key_figure_rows};
    use costplan::sim::metrics::Metric;
    let s = ScenarioBuilder::new()
        .success(0.95, 0.6)
        .policies(r#"Inline((name: "base", router: Fixed("big"))), Inline((name: "cheap", router: Fixed("small")))"#)
        .build();
    let r = crate::common::run(&s);
    let rows = key_figure_rows(&r);
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0].label(), "base (baseline)");
    assert!(rows[0].cells.iter().all(|c| c.delta.is_none()));
    assert_eq!(rows[1].cells.len(), KEY_FIGURES.len());
    let verdict = |m: Metric| {
        let c = rows[1].cells.iter().find(|c| c.metric == m).unwrap();
        c.delta.as_ref().unwrap().verdict
    };
    assert_eq!(verdict(Metric::CostPerRequest), Verdict::Better);
    assert_eq!(verdict(Metric::SuccessRate), Verdict::Worse);
    let cost = &rows[1].cells[0];
    assert_eq!(
        cost.p50,
        costplan::report::format::usd(r.policies[1].metric(Metric::CostPerRequest).p50)
    );
    assert!(cost.delta.as_ref().unwrap().mean.starts_with("-$"), "{:?}", cost.delta);
}

/// The report's assumptions and risks write counts as a reader reads them (issue 24, item 9):
/// "median 6,000, p95 9,000", "below 15,000 ms", no raw "(value 16143.7775)".
#[test]
fn the_report_writes_counts_with_thousands_separators() {
    use costplan::report::format::number;
    assert_eq!(number(20000.0), "20,000");
    assert_eq!(number(0.08), "0.08");
    assert_eq!(number(999.0), "999");
    assert_eq!(number(1234.5), "1234.5");
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("r.md");
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_costplan"))
        .current_dir(crate::common::root())
        .args([
            "report",
            "scenarios/support-assistant.ron",
            "--format",
            "md",
            "--runs",
            "8",
            "-o",
        ])
        .arg(&p)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let md = std::fs::read_to_string(p).unwrap();
    assert!(md.contains("LogNormal(median 6,000, p95 9,000)"), "{md}");
    assert!(md.contains("below 15,000 ms"), "{md}");
    assert!(!md.contains("(value "), "{md}");
}

/// The texts of an SVG with their position and size: (x, y, font px, text).
fn svg_texts(svg: &str) -> Vec<(f64, f64, f64, String)> {
    let doc = scraper::Html::parse_fragment(svg);
    let sel = scraper::Selector::parse("text").unwrap();
    doc.select(&sel)
        .map(|t| {
            let num = |a: &str| {
                t.value()
                    .attr(a)
                    .and_then(|v| v.parse::<f64>().ok())
                    .unwrap_or(f64::NAN)
            };
            (
                num("x"),
                num("y"),
                num("font-size"),
                t.text().collect::<String>().trim().to_string(),
            )
        })
        .collect()
}

/// Every chart of the report in both drawings: the narrow one (a phone's) is made for ~380 px
/// and all its text is ≥ 12 px in its own units, so ≥ 11 px on a 390-px screen; each key sits
/// in a strip under the plot, never over the data; the HTML carries both drawings (issue 24,
/// items 5 and 9).
#[test]
fn charts_keep_their_text_readable_on_a_phone_and_their_keys_off_the_data() {
    use costplan::report::charts::{Size, all};
    let (scn, r) = results("support-assistant");
    let (wide, narrow) = (all(&r, Size::WIDE), all(&r, Size::NARROW));
    assert_eq!(wide.len(), narrow.len());
    for ((name, _, w), (_, _, n)) in wide.iter().zip(&narrow) {
        let n = n.as_ref().unwrap();
        let width: f64 = n
            .split("width=\"")
            .nth(1)
            .unwrap()
            .split('"')
            .next()
            .unwrap()
            .parse()
            .unwrap();
        assert!(width <= 400.0, "{name}: the narrow drawing is {width} px wide");
        for (size, svg) in [(Size::WIDE, w.as_ref().unwrap()), (Size::NARROW, n)] {
            let texts = svg_texts(svg);
            assert!(!texts.is_empty(), "{name}");
            // Seen at the column's width: ≥ 366 px on a 390-px phone (12-px page margins).
            let scale = if size == Size::NARROW { 366.0 / width } else { 1.0 };
            for (_, _, px, text) in &texts {
                assert!(px * scale >= 11.0, "{name}: {text:?} is {} px on screen", px * scale);
            }
            // The policies' names appear in the key only, below the plot area.
            for p in &r.policies {
                for (_, y, _, text) in texts.iter().filter(|t| t.3 == p.name) {
                    assert!(
                        *y >= f64::from(size.h),
                        "{name}: the key entry {text:?} at y = {y} is over the plot"
                    );
                }
            }
        }
    }
    let html = costplan::report::html::render(&scn, &r);
    let doc = scraper::Html::parse_document(&html);
    let sel = |s: &str| scraper::Selector::parse(s).unwrap();
    let figures = doc.select(&sel("figure.chart")).count();
    assert_eq!(doc.select(&sel("figure.chart .wide > svg")).count(), figures);
    assert_eq!(doc.select(&sel("figure.chart .narrow > svg")).count(), figures);
}

/// The sweep's frontier labels each setting's value only where the label overlaps no other.
#[test]
fn sweep_labels_never_overlap() {
    use costplan::report::charts::{Size, sweep_frontier};
    let scn = costplan::model::load_scenario_path(&root().join("scenarios/support-assistant.ron")).unwrap();
    let spec: costplan::sim::sweep::SweepSpec = "router.strong_share=0.1..0.6:21".parse().unwrap();
    let opts = SimOptions {
        runs: Some(20),
        ..Default::default()
    };
    let r = costplan::sim::sweep::sweep(&scn, "learned-router", &spec, &opts, &Control::none())
        .unwrap()
        .unwrap();
    for size in [Size::WIDE, Size::NARROW] {
        let svg = sweep_frontier(&r, None, size).unwrap();
        let labels: Vec<(f64, f64, f64)> = svg_texts(&svg)
            .into_iter()
            .filter(|t| t.3.parse::<f64>().is_ok_and(|v| (0.1..=0.6).contains(&v)) && t.3.starts_with("0."))
            .map(|t| (t.0, t.1, 7.0 * t.3.chars().count() as f64))
            .collect();
        assert!(labels.len() >= 3, "some settings are labelled: {labels:?}");
        for (i, a) in labels.iter().enumerate() {
            for b in &labels[i + 1..] {
                let apart = a.0 + a.2 <= b.0 || b.0 + b.2 <= a.0 || (a.1 - b.1).abs() >= 14.0;
                assert!(apart, "labels overlap: {a:?} and {b:?}");
            }
        }
    }
}

/// The tornado's input names fit their label area at both sizes: a long path keeps its end
/// ("…[troubleshooting].retry_on_failure") instead of being cut off at the chart's left edge.
#[test]
fn the_tornado_names_fit_their_area() {
    use costplan::report::charts::{Size, fit_tail, label_chars, tornado};
    assert_eq!(fit_tail("abc", 3), "abc");
    assert_eq!(
        fit_tail("traffic.classes[x].retry_on_failure", 20),
        "…x].retry_on_failure"
    );
    assert_eq!(fit_tail("traffic.classes[x].retry_on_failure", 20).chars().count(), 20);
    let (_, r) = results("support-assistant");
    let names: Vec<String> = r.policies[0]
        .sensitivity
        .iter()
        .flat_map(|s| s.drivers.iter().map(|d| d.input.clone()))
        .collect();
    assert!(names.iter().any(|n| n.chars().count() > label_chars(190)), "{names:?}");
    for (size, area) in [(Size::WIDE, 260), (Size::NARROW, 190)] {
        let svg = tornado(&r, size).unwrap();
        let labels: Vec<&str> = svg
            .split("</text>")
            .filter_map(|t| t.rsplit_once('>').map(|(_, x)| x.trim()))
            .filter(|x| x.contains('.') && !x.starts_with(['-', '+', '0']))
            .collect();
        assert!(!labels.is_empty());
        for l in labels {
            assert!(l.chars().count() <= label_chars(area), "{l:?} is wider than {area} px");
        }
    }
}
