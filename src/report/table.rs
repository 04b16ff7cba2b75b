//! The CLI's human-readable tables of a simulation's results.

use std::fmt::Write;

use super::format::{delta, usd, value};
use crate::sim::results::Results;

use super::figures::KEY_FIGURES;
use super::figures::key_figure_rows;

/// Renders the results as text tables.
pub fn render(r: &Results) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "{} — {} runs × {} days, seed {} ({}: {} task simulations in {:.1} s on {} threads)\n",
        r.scenario,
        r.runs,
        r.horizon_days,
        r.seed,
        super::format::engine_summary(&r.engine),
        super::format::thousands(r.engine.tasks_simulated),
        r.engine.wall_seconds,
        r.engine.threads
    );
    let name_w = r.policies.iter().map(|p| p.name.len() + 11).max().unwrap_or(10).max(8);
    let _ = write!(s, "{:<name_w$}", "policy");
    for (_, title) in KEY_FIGURES {
        let _ = write!(s, "  {title:<30}");
    }
    let _ = writeln!(s);
    let _ = writeln!(s, "{:<name_w$}  p50 [p5 – p95] for each figure", "");
    let rows = key_figure_rows(r);
    for row in &rows {
        let _ = write!(s, "{:<name_w$}", row.label());
        for c in &row.cells {
            let cell = format!("{} [{} – {}]", c.p50, c.p5, c.p95);
            let _ = write!(s, "  {cell:<30}");
        }
        let _ = writeln!(s);
    }
    if r.policies.len() > 1 {
        let _ = writeln!(
            s,
            "\nAgainst the baseline (paired runs; mean ± its 90% margin, [p5, p95] run-to-run range of the change, share of runs better · worse):"
        );
        let _ = write!(s, "{:<name_w$}", "policy");
        for (_, title) in KEY_FIGURES {
            let _ = write!(s, "  {title:<46}");
        }
        let _ = writeln!(s);
        for row in rows.iter().filter(|r| !r.is_baseline) {
            let _ = write!(s, "{:<name_w$}", row.name);
            for d in row.cells.iter().filter_map(|c| c.delta.as_ref()) {
                let cell = format!("{} {} [{}, {}] {}", d.mean, d.margin, d.p5, d.p95, d.p_better);
                let _ = write!(s, "  {cell:<46}");
            }
            let _ = writeln!(s);
        }
    }
    events_text(&mut s, r);
    savings_text(&mut s, r);
    flags_text(&mut s, r);
    s
}

/// What each event does to each policy's spend, and the regret table (the report's events
/// section, as text).
fn events_text(s: &mut String, r: &Results) {
    if r.events.is_empty() {
        return;
    }
    if r.event_effects_measured() {
        let _ = writeln!(
            *s,
            "\nEvents: each policy's spend over the horizon with the event minus without it (paired runs; mean [p5 – p95]):"
        );
        let (header, rows) = super::summary::event_rows(r);
        grid(s, &header, &texts(&rows));
        for e in r.events.iter().filter(|e| !e.depending_policies.is_empty()) {
            let _ = writeln!(*s, "  {}", super::summary::depends_sentence(e));
        }
    }
    let _ = writeln!(
        *s,
        "\nAcross the uncertain futures (spend over the horizon; regret = a policy's spend minus the cheapest policy's, run by run):"
    );
    let (header, rows) = super::summary::futures_rows(r);
    grid(s, &header, &texts(&rows));
}

/// A table as aligned text columns, each row indented by two spaces.
pub fn grid(s: &mut String, header: &[String], rows: &[Vec<String>]) {
    let width = |i: usize| {
        rows.iter()
            .map(|row| row[i].chars().count())
            .chain([header[i].chars().count()])
            .max()
            .unwrap_or(8)
    };
    let widths: Vec<usize> = (0..header.len()).map(width).collect();
    let line = |cells: &[String]| {
        cells
            .iter()
            .zip(&widths)
            .map(|(c, w)| format!("{c:<w$}"))
            .collect::<Vec<_>>()
            .join("  ")
    };
    let _ = writeln!(*s, "  {}", line(header));
    for row in rows {
        let _ = writeln!(*s, "  {}", line(row));
    }
}

/// The text of a report table's cells.
fn texts(rows: &[Vec<super::summary::Cell>]) -> Vec<Vec<String>> {
    rows.iter()
        .map(|r| r.iter().map(|c| c.text.clone()).collect())
        .collect()
}

/// Savings by tactic per candidate: Shapley over spend with its band, and the waterfall.
fn savings_text(s: &mut String, r: &Results) {
    for p in r.policies.iter().skip(1) {
        if let Some(sv) = &p.savings_by_tactic {
            let total: f64 = sv.shapley.iter().map(|t| t.mean_usd).sum();
            let _ = writeln!(
                *s,
                "\nSavings by tactic, {} (Shapley over spend; mean [p5 – p95]; total {}):",
                p.name,
                usd(total)
            );
            for (t, w) in sv.shapley.iter().zip(&sv.waterfall) {
                let _ = writeln!(
                    *s,
                    "  {:<16} {:>10} [{} – {}]   waterfall {}",
                    t.tactic.name(),
                    usd(t.mean_usd),
                    usd(t.p5_usd),
                    usd(t.p95_usd),
                    usd(w.mean_usd)
                );
            }
        }
    }
}

/// Every risk flag in one line (kind, policy, finding, why), or "none".
fn flags_text(s: &mut String, r: &Results) {
    let mut any = false;
    for p in &r.policies {
        for f in &p.risk_flags {
            if !any {
                let _ = writeln!(*s, "\nRisk flags:");
                any = true;
            }
            let _ = writeln!(
                *s,
                "  [{}] {}: {} — {}",
                f.kind.key(),
                p.name,
                crate::report::risks::message(f),
                crate::report::risks::explanation(f)
            );
        }
    }
    if !any {
        let _ = writeln!(*s, "\nRisk flags: none.");
    }
    if let Some(note) = super::format::flags_not_evaluated(r) {
        let _ = writeln!(*s, "{note}");
    }
}

/// Renders a comparison of two policy versions: what changed and every metric's paired delta.
pub fn render_compare(a: &crate::model::Policy, b: &crate::model::Policy, r: &Results) -> String {
    let mut s = String::new();
    let (pa, pb) = (&r.policies[0], &r.policies[1]);
    let _ = writeln!(
        s,
        "{} vs {} on {} ({} runs × {} days, seed {}, paired)\n",
        pa.name, pb.name, r.scenario, r.runs, r.horizon_days, r.seed
    );
    let _ = writeln!(s, "What changed:");
    let diff = a.differing_tactics(b);
    if diff.is_empty() {
        let _ = writeln!(s, "  nothing: the two versions configure every tactic the same way");
    }
    for t in diff {
        let _ = writeln!(
            s,
            "  {:<15} A: {}\n  {:<15} B: {}",
            t.name(),
            a.component_text(t),
            "",
            b.component_text(t)
        );
    }
    let _ = writeln!(
        s,
        "\n{:<46} {:>16} {:>16}  {:<52} P(B better)",
        "metric (p50)", "A", "B", "B − A: mean ± 90% margin [run range]"
    );
    for m in r.metrics_shown() {
        let def = m.def();
        let (ma, mb) = (pa.metric(m), pb.metric(m));
        let d = pb.delta(m).unwrap_or_default();
        let _ = writeln!(
            s,
            "{:<46} {:>16} {:>16}  {:<52} {}",
            def.label,
            value(def.unit, ma.p50),
            value(def.unit, mb.p50),
            format!(
                "{} {} [{}, {}]",
                delta(def.unit, d.mean),
                super::figures::margin(def.unit, d.mean_se),
                delta(def.unit, d.p5),
                delta(def.unit, d.p95)
            ),
            super::format::p_better(&d)
        );
    }
    for f in &pb.risk_flags {
        let _ = writeln!(
            s,
            "  [{}] {}: {}",
            f.kind.key(),
            pb.name,
            crate::report::risks::message(f)
        );
    }
    s
}
