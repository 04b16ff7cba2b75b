//! A backtest in words: a terminal table of days and totals, and a self-contained HTML page with
//! the actual daily spend drawn over the simulated median and p5–p95 band.

use std::fmt::Write;

use super::charts;
use super::format::{pct, usd};
use super::html::{esc, figure, page_head, table};
use super::summary::Cell;
use crate::logs::backtest::{Backtest, BacktestTotal};

fn count(x: f64) -> String {
    super::format::whole(x.max(0.0))
}

/// The verdict in one sentence.
pub fn sentence(b: &Backtest) -> String {
    let t = &b.spend_usd;
    format!(
        "Over {} days from {}, the baseline {} simulates {} [{} – {}] against {} actually spent ({:+.1}% error of the median), {} the p5–p95 band; {:.0}% of days fall inside their daily band.",
        b.days,
        b.start_date,
        b.policy,
        usd(t.simulated.p50),
        usd(t.simulated.p5),
        usd(t.simulated.p95),
        usd(t.actual),
        t.error * 100.0,
        match (t.no_spread, t.inside) {
            (true, true) =>
                "equal to the simulated total (which has no spread: every run gives the same, so this is a point comparison)",
            (true, false) => "different from the simulated total (which has no spread: every run gives the same)",
            (false, true) => "inside",
            (false, false) => "outside",
        },
        b.share_of_days_inside * 100.0
    )
}

/// The totals as rows: what, actual, simulated median [p5 – p95], error, inside.
pub fn total_rows(b: &Backtest) -> Vec<[String; 5]> {
    let row = |what: &str, t: &BacktestTotal, f: &dyn Fn(f64) -> String| {
        [
            what.to_string(),
            f(t.actual),
            format!(
                "{} [{} – {}]",
                f(t.simulated.p50),
                f(t.simulated.p5),
                f(t.simulated.p95)
            ),
            if t.error.is_finite() {
                format!("{:+.1}%", t.error * 100.0)
            } else {
                "—".into()
            },
            match (t.no_spread, t.inside) {
                (true, true) => "equal (no spread)",
                (true, false) => "DIFFERS (no spread)",
                (false, true) => "inside",
                (false, false) => "OUTSIDE",
            }
            .to_string(),
        ]
    };
    let mut rows = vec![
        row("spend", &b.spend_usd, &usd),
        row("model calls", &b.requests, &count),
        row("prompt tokens", &b.prompt_tokens, &count),
        row("output tokens", &b.output_tokens, &count),
    ];
    if let Some(t) = &b.cache_read_tokens {
        rows.push(row("prompt-cache reads", t, &count));
    }
    if let Some(t) = &b.cache_write_tokens {
        rows.push(row("prompt-cache writes", t, &count));
    }
    if let Some(h) = &b.response_cache_hits {
        rows.push(row("cache hits", h, &count));
    }
    rows
}

/// Notes on what the comparison leaves out.
pub fn notes(b: &Backtest) -> Vec<String> {
    let mut n = b.notes.clone();
    if b.rows_without_cost > 0 {
        n.push(format!(
            "{} rows give no cost and are left out of the actual spend.",
            b.rows_without_cost
        ));
    }
    if !b.other_currencies.is_empty() {
        let list: Vec<String> = b.other_currencies.iter().map(|(c, n)| format!("{n} in {c}")).collect();
        n.push(format!(
            "Rows priced in another currency than US dollars are left out of the actual spend: {}.",
            list.join(", ")
        ));
    }
    if let Some(h) = &b.response_cache_hits
        && h.actual > 0.0
    {
        n.push(format!(
            "{} requests answered by the gateway's response cache are compared with the simulated cache hits, not counted as model calls or billed tokens.",
            count(h.actual)
        ));
    }
    if !b.unknown_models.is_empty() {
        n.push(format!(
            "Models in the logs that the scenario does not have: {}.",
            b.unknown_models.join(", ")
        ));
    }
    if !b.dated_models.is_empty() {
        let pairs: Vec<String> = b.dated_models.iter().map(|(id, m)| format!("{id} → {m}")).collect();
        n.push(format!(
            "Dated model ids taken as the scenario's models (snapshot date dropped): {}.",
            pairs.join(", ")
        ));
    }
    n
}

/// The backtest for the terminal.
pub fn text(b: &Backtest) -> String {
    let mut out = format!("Backtest of {} ({} runs)\n\n{}\n\n", b.scenario, b.runs, sentence(b));
    let header = ["total", "actual", "simulated p50 [p5 – p95]", "error", "band"].map(String::from);
    for r in std::iter::once(header).chain(total_rows(b)) {
        let _ = writeln!(out, "{:<14}  {:>16}  {:<40}  {:>7}  {}", r[0], r[1], r[2], r[3], r[4]);
    }
    let header = ["day", "actual", "simulated p50 [p5 – p95]", "band"];
    let _ = writeln!(
        out,
        "\n{:<12}  {:>12}  {:<34}  {}",
        header[0], header[1], header[2], header[3]
    );
    for d in &b.daily {
        let _ = writeln!(
            out,
            "{:<12}  {:>12}  {:<34}  {}",
            d.date,
            usd(d.actual_spend_usd),
            format!(
                "{} [{} – {}]",
                usd(d.simulated_p50_usd),
                usd(d.simulated_p5_usd),
                usd(d.simulated_p95_usd)
            ),
            match (d.no_logs, d.inside) {
                (true, _) => "no logs",
                (false, true) => "inside",
                (false, false) => "outside",
            }
        );
    }
    for n in notes(b) {
        let _ = writeln!(out, "\n{n}");
    }
    out
}

/// The backtest as a self-contained HTML page.
pub fn html(b: &Backtest, version: &str) -> String {
    let mut out = String::new();
    let _ = write!(
        out,
        "{}<header>\n<h1>Backtest of {}</h1>\n<p class=\"sub\">The baseline {} simulated over the logs' own dates ({} days from {}, {} runs) against what the logs say was spent.</p>\n</header>\n<main>\n<section id=\"summary\">\n<h2>Verdict</h2>\n<p>{}</p>\n",
        page_head(&format!("{} — backtest — CostPlan", b.scenario), version),
        esc(&b.scenario),
        esc(&b.policy),
        b.days,
        b.start_date,
        b.runs,
        esc(&sentence(b))
    );
    for n in notes(b) {
        let _ = writeln!(out, "<p>{}</p>", esc(&n));
    }
    out.push_str("</section>\n<section id=\"daily\">\n<h2>Daily spend</h2>\n");
    figure(
        &mut out,
        "Actual daily spend (dots) over the simulated median (line) and p5–p95 band",
        &charts::backtest_daily(b, charts::Size::WIDE),
        &charts::backtest_daily(b, charts::Size::NARROW),
    );
    out.push_str("</section>\n<section id=\"totals\">\n<h2>Totals</h2>\n");
    let header: Vec<String> = [
        "total",
        "actual",
        "simulated p50 [p5 – p95]",
        "error of the median",
        "band",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let rows: Vec<Vec<Cell>> = total_rows(b)
        .into_iter()
        .map(|r| r.into_iter().map(Cell::from).collect())
        .collect();
    table(&mut out, &header, &rows);
    let _ = write!(
        out,
        "\n<p>{} of days inside their daily band.</p>\n</section>\n</main>\n<footer>Generated by CostPlan {version}.</footer>\n</body>\n</html>\n",
        pct(b.share_of_days_inside)
    );
    out
}
