//! A sweep's result in words, as a text table for the terminal and as a self-contained HTML
//! report with the frontier chart.

use std::fmt::Write;

use super::charts::{self, fmt_value};
use super::format::{pct, thousands, usd};
use super::html::{esc, figure, page_head, table};
use super::summary::Cell;
use crate::sim::sweep::{Goal, GoalAnswer, SweepPoint, SweepResult};

/// The table's header: the fourth column is the share of runs meeting the goal's condition.
pub fn header(goal: &Goal) -> [String; 5] {
    [
        "value".into(),
        "cost / success: mean [p5 – p95]".into(),
        "success rate: mean [p5 – p95]".into(),
        match goal {
            Goal::CheapestWithinQualityGuardrail { .. } => "within quality guard".into(),
            Goal::BestQualityWithinBudget { budget_usd, .. } => format!("spend within {}", usd(*budget_usd)),
        },
        "guardrail".into(),
    ]
}

/// One row per setting, the goal seek's answer marked with `←` (and placed among them when
/// bisection found it between the grid's settings).
pub fn rows(r: &SweepResult, goal: &Goal, answer: Option<&SweepPoint>) -> Vec<[String; 5]> {
    let points = r.points_with(answer);
    let answer = answer.map(|a| a.value);
    points
        .into_iter()
        .map(|p| {
            let c = &p.cost_per_success_usd;
            let s = &p.success_rate;
            [
                format!(
                    "{}{}",
                    fmt_value(p.value),
                    if answer == Some(p.value) { " ←" } else { "" }
                ),
                format!("{} [{} – {}]", usd(c.mean), usd(c.p5), usd(c.p95)),
                format!("{} [{} – {}]", pct(s.mean), pct(s.p5), pct(s.p95)),
                format!("{} of runs", pct(goal.probability(p))),
                if p.breaks_guardrail { "BREAKS" } else { "ok" }.to_string(),
            ]
        })
        .collect()
}

/// The sweep's one-line heading.
pub fn heading(r: &SweepResult) -> String {
    format!(
        "Sweep of {} on {} — {} runs, every setting on the same tasks (baseline: cost per success {}, success rate {})",
        r.knob,
        r.policy,
        thousands(u64::from(r.runs)),
        usd(r.baseline_cost_per_success_usd.mean),
        pct(r.baseline_success_rate.mean)
    )
}

/// The goal seek's answer in one sentence, with its probability and interval.
pub fn answer_sentence(r: &SweepResult, a: &GoalAnswer) -> String {
    let (what, confidence) = match a.goal {
        Goal::CheapestWithinQualityGuardrail { confidence } => (
            format!(
                "Cheapest setting that keeps the quality guardrail (at most {:.1} points of success lost) in at least {} of runs",
                r.max_success_drop * 100.0,
                pct(confidence)
            ),
            confidence,
        ),
        Goal::BestQualityWithinBudget { budget_usd, confidence } => (
            format!(
                "Best success rate whose spend over the horizon stays within {} in at least {} of runs",
                usd(budget_usd),
                pct(confidence)
            ),
            confidence,
        ),
    };
    let Some(p) = &a.point else {
        return format!(
            "{what}: none — no setting from {} to {} meets the goal with probability {}.",
            fmt_value(r.points.first().map_or(0.0, |p| p.value)),
            fmt_value(r.points.last().map_or(0.0, |p| p.value)),
            pct(confidence)
        );
    };
    let c = &p.cost_per_success_usd;
    let s = &p.success_rate;
    let mut out = format!(
        "{what}: {} = {} (cost per success {} [{} – {}], success rate {} [{} – {}]; meets the goal in {} of runs)",
        r.knob,
        fmt_value(p.value),
        usd(c.mean),
        usd(c.p5),
        usd(c.p95),
        pct(s.mean),
        pct(s.p5),
        pct(s.p95),
        pct(a.probability.unwrap_or(0.0))
    );
    match a.bracket {
        Some((fail, pass)) => {
            let _ = write!(
                out,
                "; bisection ({} steps) puts the boundary between {} (fails) and {} (meets).",
                a.bisection_steps,
                fmt_value(fail),
                fmt_value(pass)
            );
        }
        None => out.push_str("; the grid's best (no bisection: the answer is at an end of the range or the goal is not monotone along it)."),
    }
    out
}

/// The sweep as a terminal table with the answer.
pub fn text(r: &SweepResult, a: &GoalAnswer) -> String {
    let h = header(&a.goal);
    let mut out = format!(
        "{}\n\n{:>14}  {:<34}  {:<28}  {:<20}  {}\n",
        heading(r),
        h[0],
        h[1],
        h[2],
        h[3],
        h[4]
    );
    for row in rows(r, &a.goal, a.point.as_ref()) {
        let _ = writeln!(
            out,
            "{:>14}  {:<34}  {:<28}  {:<20}  {}",
            row[0], row[1], row[2], row[3], row[4]
        );
    }
    out.push('\n');
    out.push_str(&answer_sentence(r, a));
    out.push('\n');
    out
}

/// The sweep as a self-contained HTML page: heading, answer, frontier chart and table.
pub fn html(scenario: &str, r: &SweepResult, a: &GoalAnswer, version: &str) -> String {
    let mut out = String::new();
    let _ = write!(
        out,
        "{}<header>\n<h1>{}</h1>\n<p class=\"sub\">{}</p>\n</header>\n<main>\n<section id=\"summary\">\n<h2>Answer</h2>\n<p>{}</p>\n</section>\n<section id=\"frontier\">\n<h2>The frontier</h2>\n",
        page_head(&format!("{scenario} — sweep of {} — CostPlan", r.knob), version),
        esc(scenario),
        esc(&heading(r)),
        esc(&answer_sentence(r, a))
    );
    let answer = a.point.as_ref();
    figure(
        &mut out,
        "Cost per success against success rate, one point per setting (mean, p5–p95 whiskers); × the baseline; dashed: the quality guardrail; red: breaks a guardrail; ringed: the answer",
        &charts::sweep_frontier(r, answer, charts::Size::WIDE),
        &charts::sweep_frontier(r, answer, charts::Size::NARROW),
    );
    out.push_str("</section>\n<section id=\"settings\">\n<h2>Every setting</h2>\n");
    let header: Vec<String> = header(&a.goal).to_vec();
    let rows: Vec<Vec<Cell>> = rows(r, &a.goal, answer)
        .into_iter()
        .map(|row| row.into_iter().map(Cell::from).collect())
        .collect();
    table(&mut out, &header, &rows);
    let _ = write!(
        out,
        "\n</section>\n</main>\n<footer>Generated by CostPlan {version} · {} runs. Every setting is simulated beside the baseline on the same tasks.</footer>\n</body>\n</html>\n",
        r.runs
    );
    out
}
