//! The content of a planning report, independent of its format: sections of paragraphs, tables
//! and charts that the HTML and Markdown writers render the same way.

use super::figures::KEY_FIGURES;
use super::format::{pct, thousands, usd, value, whole};
use crate::model::policy::Tactic;
use crate::model::{DistSpec, Scenario};
use crate::sim::metrics::{Metric, Unit};
use crate::sim::results::{Results, RiskKind};

/// A table cell; `data` carries the exact number behind a figure (metric key, policy, statistic,
/// value) so that tools and tests can read it back.
#[derive(Clone, Debug, PartialEq)]
pub struct Cell {
    pub text: String,
    pub data: Option<(String, String, &'static str, f64)>,
}

impl From<String> for Cell {
    fn from(text: String) -> Cell {
        Cell { text, data: None }
    }
}
impl From<&str> for Cell {
    fn from(text: &str) -> Cell {
        Cell {
            text: text.to_string(),
            data: None,
        }
    }
}

/// A piece of a section.
#[derive(Clone, Debug, PartialEq)]
pub enum Block {
    Para(String),
    List(Vec<String>),
    Table {
        header: Vec<String>,
        rows: Vec<Vec<Cell>>,
    },
    /// Index into the report's charts.
    Chart(usize),
}

/// A titled section with an anchor.
#[derive(Clone, Debug, PartialEq)]
pub struct Section {
    pub id: &'static str,
    pub title: String,
    pub blocks: Vec<Block>,
}

/// The line under a report's title: runs, days, start date and seed.
pub fn subtitle(r: &Results) -> String {
    format!(
        "CostPlan planning report · {} runs × {} days{} · seed {}",
        r.runs,
        r.horizon_days,
        r.start_date.map(|d| format!(" from {d}")).unwrap_or_default(),
        r.seed
    )
}

/// The share of runs above which a policy whose budget runs out is not recommended.
pub const MAX_RECOMMENDED_BREACH_SHARE: f64 = 0.5;

/// Why a candidate cannot be recommended, or `None`.
fn exclusion(r: &Results, i: usize) -> Option<String> {
    let p = &r.policies[i];
    let mut why = Vec::new();
    for f in &p.risk_flags {
        match f.kind {
            RiskKind::QualityErosion => why.push("quality guardrail".to_string()),
            // A latency the baseline shares is a risk of the product, not of this candidate.
            RiskKind::Latency if p.delta(Metric::LatencyP95).is_none_or(|d| d.mean > 0.0) => {
                why.push("latency guardrail".to_string())
            }
            RiskKind::BudgetExhaustion if f.value > MAX_RECOMMENDED_BREACH_SHARE => {
                why.push(format!("budget runs out in {} of runs", pct(f.value)))
            }
            _ => {}
        }
    }
    if i > 0 && p.delta(Metric::CostPerSuccess).is_some_and(|d| d.mean > 0.0) {
        why.push("dearer per successful outcome".into());
    }
    (!why.is_empty()).then(|| why.join(", "))
}

/// Which policy the report recommends, and why: the lowest mean cost per successful outcome
/// among the policies that keep the quality and latency guardrails and whose budget lasts in
/// most runs.
pub fn recommend(r: &Results) -> (usize, String) {
    let cps = |i: usize| r.policies[i].metric(Metric::CostPerSuccess).mean;
    let best = (0..r.policies.len())
        .filter(|i| *i == 0 || exclusion(r, *i).is_none())
        .min_by(|a, b| cps(*a).total_cmp(&cps(*b)))
        .unwrap_or(0);
    let excluded: Vec<String> = (1..r.policies.len())
        .filter_map(|i| exclusion(r, i).map(|why| format!("{}: {why}", r.policies[i].name)))
        .collect();
    let mut reason = if best == 0 {
        "no candidate lowers the cost per successful outcome while keeping the guardrails and its budget".to_string()
    } else {
        "the lowest mean cost per successful outcome among the candidates that do not break a guardrail the baseline keeps and whose budget lasts in most runs".to_string()
    };
    if !excluded.is_empty() {
        reason.push_str(&format!(" (excluded — {})", excluded.join("; ")));
    }
    (best, reason)
}

/// Which periods a safe budget rests on: whole ones (the partial ones left out), or partial ones
/// scaled to a full period.
pub fn budget_basis(b: &crate::sim::results::BudgetRisk, unit: &str) -> String {
    let plural = |n: u32, w: &str| format!("{} {w}{}", thousands(u64::from(n)), if n == 1 { "" } else { "s" });
    match (b.whole_periods, b.scaled_stub_days) {
        (_, Some(days)) => format!(
            "the horizon holds no whole {unit}, so the spend of its {} is scaled to a full {unit}",
            plural(days, "day")
        ),
        (n, None) if b.stub_days_left_out > 0 => format!(
            "from {}, the {} of partial {unit}s left out",
            plural(n, &format!("whole {unit}")),
            plural(b.stub_days_left_out, "day")
        ),
        (n, None) => format!("from {}", plural(n, &format!("whole {unit}"))),
    }
}

/// Every guardrail the policy breaks and every cap of the scenario its spend would exceed, each
/// with how often: what a recommendation must not leave unsaid.
pub fn caveats(p: &crate::sim::results::PolicyResult) -> Vec<String> {
    let mut out: Vec<String> = p
        .risk_flags
        .iter()
        .filter_map(|f| {
            let what = match f.kind {
                RiskKind::QualityErosion => "breaks the quality guardrail",
                RiskKind::Latency => "breaks the latency guardrail",
                RiskKind::BudgetExhaustion => {
                    "runs out of its own budget (after that its on-breach action decides what users get)"
                }
                _ => return None,
            };
            Some(format!("{what}: {}", crate::report::risks::message(f)))
        })
        .collect();
    for c in &p.caps_exceeded {
        let per = if c.period == "day" { "daily" } else { "monthly" };
        let scope = if c.scope == "per_owner" {
            " (its per-owner caps summed)"
        } else {
            ""
        };
        out.push(format!(
            "spends more than the {} {per} cap of policy {}{scope} in some {} in {} of runs",
            usd(c.cap_usd),
            c.policy,
            c.period,
            pct(c.share_of_runs)
        ));
    }
    out
}

/// The budget that keeps the risk of running out low, in one sentence (and the risk of the
/// policy's own budget, when it has one).
pub fn budget_sentence(p: &crate::sim::results::PolicyResult, runs: u32) -> String {
    let b = &p.budget_risk;
    let (adj, unit) = if b.period == "day" {
        ("daily", "day")
    } else {
        ("monthly", "month")
    };
    let mut s = format!(
        "A {adj} budget of {} keeps the risk of running out within any {unit} of the horizon at {} (the {} percentile, over {} runs, of the highest {unit}'s spend; {}){}.",
        usd(b.safe_cap_usd),
        pct(b.risk),
        ordinal_pct(1.0 - b.risk),
        thousands(u64::from(runs)),
        budget_basis(b, unit),
        if b.capped_spend {
            "; its own cap held spend down in some runs, so the unconstrained figure is higher"
        } else {
            ""
        }
    );
    if let (Some(line), Some(last)) = (&p.budget, b.breach_by_day.last()) {
        s.push_str(&format!(
            " Its own {} {adj} budget runs out before the horizon ends with {} probability.",
            usd(line.cap_usd),
            pct(*last)
        ));
    }
    s
}

fn ordinal_pct(q: f64) -> String {
    format!("{:.0}th", q * 100.0)
}

/// The recommendation's trade-offs against the baseline, each with its run-to-run range: quality,
/// latency, budget and what the budget's action does to users.
fn trade_offs(r: &Results, i: usize) -> Vec<String> {
    let p = &r.policies[i];
    let mut out = Vec::new();
    let d = |k: Metric| p.delta(k);
    if let Some(q) = d(Metric::SuccessRate) {
        out.push(format!(
            "success rate {} (run-to-run range {} to {}; worse in {} of paired runs)",
            signed_points(q.mean),
            signed_points(q.p5),
            signed_points(q.p95),
            pct(q.p_worse)
        ));
    }
    if let Some(l) = d(Metric::LatencyP95) {
        out.push(format!(
            "p95 latency {} ms (run-to-run range {} to {})",
            signed(l.mean, 0),
            signed(l.p5, 0),
            signed(l.p95, 0)
        ));
    }
    let breach = p.metric(Metric::BudgetBreached).mean;
    if p.budget.is_some() {
        out.push(if breach > 0.0 {
            format!("its budget runs out in {} of runs", pct(breach))
        } else {
            "its budget lasts in every run".to_string()
        });
    }
    let downgraded = p.metric(Metric::DowngradedTasks).mean;
    let rejected = p.metric(Metric::RejectedTasks).mean;
    if downgraded > 0.0 {
        out.push(format!(
            "{} tasks over the horizon are downgraded to a cheaper model (their quality cost is in the success rate above)",
            whole(downgraded)
        ));
    }
    if rejected > 0.0 {
        out.push(format!(
            "{} tasks over the horizon are rejected by the budget (counted as failures)",
            whole(rejected)
        ));
    }
    out
}

fn signed(x: f64, decimals: usize) -> String {
    if x > 0.0 {
        format!("+{}", thousands_f(x, decimals))
    } else if x < 0.0 {
        format!("−{}", thousands_f(-x, decimals))
    } else {
        format!("{:.*}", decimals, 0.0)
    }
}

fn thousands_f(x: f64, decimals: usize) -> String {
    if decimals == 0 {
        whole(x)
    } else {
        format!("{x:.decimals$}")
    }
}

fn signed_points(x: f64) -> String {
    format!("{} pt", signed(x * 100.0, 2))
}

/// A metric's definition, for the method section.
pub fn definition(metric: Metric) -> &'static str {
    metric.def().definition
}

fn dist_text(d: &DistSpec) -> String {
    use super::format::number as n;
    match d {
        DistSpec::Fixed(x) => n(*x),
        DistSpec::Uniform(a, b) => format!("Uniform({}, {})", n(*a), n(*b)),
        DistSpec::Normal(a, b) => format!("Normal(mean {}, sd {})", n(*a), n(*b)),
        DistSpec::LogNormal(a, b) => format!("LogNormal(median {}, p95 {})", n(*a), n(*b)),
        DistSpec::Gamma(a, b) => format!("Gamma(mean {}, sd {})", n(*a), n(*b)),
        DistSpec::Beta(a, b) => format!("Beta(mean {}, sd {})", n(*a), n(*b)),
        DistSpec::Pert(a, b, c) => format!("Pert({}, {}, {})", n(*a), n(*b), n(*c)),
        DistSpec::Empirical(v) => format!("Empirical({} values)", v.len()),
    }
}

/// A figure's cell: its value in words, and its metric's key (the string written in the
/// HTML's data attributes), policy and statistic.
fn figure(metric: Metric, policy: &str, stat: &'static str, x: f64) -> Cell {
    Cell {
        text: value(metric.def().unit, x),
        data: Some((metric.key().to_string(), policy.to_string(), stat, x)),
    }
}

/// Builds every section of the report. Charts are referred to by index into `chart_titles`.
pub fn sections(scn: &Scenario, r: &Results, chart_titles: &[String]) -> Vec<Section> {
    let sessions = sessions_section(r);
    let mut out = vec![summary_section(r), figures_section(r)];
    if !sessions.blocks.is_empty() {
        out.push(sessions);
    }
    out.push(charts_section(chart_titles));
    if !r.events.is_empty() {
        out.push(events_section(r));
    }
    out.extend([
        savings_section(r),
        risks_section(r),
        drivers_section(r, chart_titles),
        assumptions(scn),
        method(scn, r),
        reproducibility_section(r),
    ]);
    out
}

/// The executive summary: the recommendation, its spend, budget, saving, trade-offs and risks.
fn summary_section(r: &Results) -> Section {
    let (best, reason) = recommend(r);
    let rec = &r.policies[best];
    let spend = rec.metric(Metric::CostTotal);
    let mut summary = vec![Block::Para(format!(
        "Recommended policy: **{}**{} — {reason}.",
        rec.name,
        if rec.is_baseline { " (the baseline)" } else { "" }
    ))];
    let caveats = caveats(rec);
    if !caveats.is_empty() {
        summary.push(Block::Para(format!("Before deciding, {} itself:", rec.name)));
        summary.push(Block::List(caveats));
    }
    summary.push(Block::Para(format!(
        "Figures below are means over {} runs; a range in brackets is the run-to-run range (the 5th to 95th percentile of the runs: how much one month can differ), and ± is the 90% margin of the mean (how well the average is known).",
        thousands(u64::from(r.runs))
    )));
    summary.push(Block::Para(format!(
        "Expected spend over the {} days: {} {} (run-to-run range {} – {}); cost per successful outcome {}; success rate {}.",
        r.horizon_days,
        usd(spend.mean),
        super::figures::margin(Unit::Usd, spend.mean_se),
        usd(spend.p5),
        usd(spend.p95),
        usd(rec.metric(Metric::CostPerSuccess).mean),
        pct(rec.metric(Metric::SuccessRate).mean)
    )));
    summary.push(Block::Para(budget_sentence(rec, r.runs)));
    if let Some(d) = rec.delta(Metric::CostTotal) {
        summary.push(Block::Para(format!(
            "Saving against the baseline ({}): {} {} over the horizon (run-to-run range {} – {}); cheaper in {} and dearer in {} of {} paired runs.",
            r.policies[0].name,
            usd(-d.mean),
            super::figures::margin(Unit::Usd, d.mean_se),
            usd(-d.p95),
            usd(-d.p5),
            pct(d.p_better),
            pct(d.p_worse),
            thousands(d.n as u64)
        )));
        let t = trade_offs(r, best);
        if !t.is_empty() {
            summary.push(Block::Para("What it trades against the baseline:".into()));
            summary.push(Block::List(t));
        }
    }
    let risks = risk_lines(r, best);
    summary.push(Block::Para(if risks.is_empty() {
        "No risk needs a decision.".into()
    } else {
        "Risks that need a decision, by policy:".into()
    }));
    if !risks.is_empty() {
        summary.push(Block::List(risks.clone()));
    }
    Section {
        id: "summary",
        title: "Executive summary".into(),
        blocks: summary,
    }
}

/// Each policy with risk flags, in one line ("recommended" / "not recommended" marked).
fn risk_lines(r: &Results, best: usize) -> Vec<String> {
    r.policies
        .iter()
        .enumerate()
        .filter(|(_, p)| !p.risk_flags.is_empty())
        .map(|(i, p)| {
            let role = if i == best {
                " (recommended)"
            } else if i > 0 && exclusion(r, i).is_some() {
                " (not recommended)"
            } else {
                ""
            };
            let flags: Vec<String> = p
                .risk_flags
                .iter()
                .map(|f| format!("{}: {}", kind_words(f.kind), crate::report::risks::message(f)))
                .collect();
            format!("{}{role} — {}", p.name, flags.join("; "))
        })
        .collect()
}

/// The key figures, the changes against the baseline, and every metric.
fn figures_section(r: &Results) -> Section {
    let mut header = vec!["Policy".to_string()];
    header.extend(KEY_FIGURES.iter().map(|(_, t)| format!("{t}: p50 [p5 – p95]")));
    let figure_rows = super::figures::key_figure_rows(r);
    let rows = figure_rows
        .iter()
        .map(|fr| {
            let mut row: Vec<Cell> = vec![fr.label().into()];
            for c in &fr.cells {
                row.push(Cell {
                    text: format!("{} [{} – {}]", c.p50, c.p5, c.p95),
                    data: Some((c.metric.key().to_string(), fr.name.clone(), "p50", c.p50_value)),
                });
            }
            row
        })
        .collect();
    let mut blocks = vec![Block::Table { header, rows }];
    if r.policies.len() > 1 {
        let mut header = vec!["Against the baseline".to_string()];
        header.extend(
            KEY_FIGURES
                .iter()
                .map(|(_, t)| format!("{t}: mean ± 90% margin [run-to-run range], share of runs better · worse")),
        );
        let rows = figure_rows
            .iter()
            .filter(|fr| !fr.is_baseline)
            .map(|fr| {
                let mut row: Vec<Cell> = vec![fr.name.clone().into()];
                for c in &fr.cells {
                    if let Some(d) = &c.delta {
                        row.push(Cell {
                            text: format!("{} {} [{}, {}], {}", d.mean, d.margin, d.p5, d.p95, d.p_better),
                            data: Some((c.metric.key().to_string(), fr.name.clone(), "delta_mean", d.mean_value)),
                        });
                    }
                }
                row
            })
            .collect();
        blocks.push(Block::Table { header, rows });
    }
    let mut all_header = vec!["Metric".to_string()];
    all_header.extend(r.policies.iter().map(|p| p.name.clone()));
    let all_rows = r
        .metrics_shown()
        .into_iter()
        .map(|m| {
            let mut row: Vec<Cell> = vec![m.def().label.into()];
            row.extend(r.policies.iter().map(|p| figure(m, &p.name, "mean", p.metric(m).mean)));
            row
        })
        .collect();
    blocks.push(Block::Para("Every metric (mean across runs):".into()));
    blocks.push(Block::Table {
        header: all_header,
        rows: all_rows,
    });
    Section {
        id: "figures",
        title: "Figures".into(),
        blocks,
    }
}

/// Sessions: what each policy does to a conversation or agent run, and the growth by turn.
/// Empty (and left out) without session classes.
fn sessions_section(r: &Results) -> Section {
    let mut blocks = Vec::new();
    if r.policies.iter().any(|p| !p.by_turn.is_empty()) {
        blocks.push(Block::Para(
            "Each call of a session re-sends the shared prefix and the whole history so far; provider prompt caching serves what was sent within its TTL. Means across runs."
                .into(),
        ));
        let keys = [
            Metric::CostPerSession,
            Metric::TurnsPerSession,
            Metric::PromptCacheReadShare,
            Metric::PromptCacheWriteShare,
            Metric::HistoryShare,
            Metric::Compactions,
        ];
        let mut header = vec!["Policy".to_string()];
        header.extend(keys.iter().map(|m| m.def().label.to_string()));
        let rows = r
            .policies
            .iter()
            .map(|p| {
                let mut row: Vec<Cell> = vec![p.name.clone().into()];
                row.extend(keys.iter().map(|&m| figure(m, &p.name, "mean", p.metric(m).mean)));
                row
            })
            .collect();
        blocks.push(Block::Table { header, rows });
        let mut header = vec!["Turn".to_string(), "Turns per run".to_string()];
        for p in &r.policies {
            header.push(format!("{}: input tokens per call", p.name));
            header.push(format!("{}: cost per turn", p.name));
        }
        let base = &r.policies[0].by_turn;
        let rows = base
            .iter()
            .enumerate()
            .map(|(i, t)| {
                let last = i + 1 == crate::sim::results::MAX_TURN_ROWS;
                let mut row: Vec<Cell> = vec![
                    if last {
                        format!("{}+", t.turn)
                    } else {
                        t.turn.to_string()
                    }
                    .into(),
                    super::format::whole(t.turns_per_run).into(),
                ];
                for p in &r.policies {
                    let f = p.by_turn.iter().find(|x| x.turn == t.turn);
                    row.push(
                        f.map_or("–".to_string(), |f| super::format::whole(f.input_tokens_per_call))
                            .into(),
                    );
                    row.push(
                        f.map_or("–".to_string(), |f| super::format::usd(f.cost_per_turn_usd))
                            .into(),
                    );
                }
                row
            })
            .collect();
        blocks.push(Block::Table { header, rows });
    }
    Section {
        id: "sessions",
        title: "Sessions".into(),
        blocks,
    }
}

fn charts_section(chart_titles: &[String]) -> Section {
    Section {
        id: "charts",
        title: "Charts".into(),
        // The tornado chart sits in its own section, "What drives the spread".
        blocks: (0..chart_titles.len())
            .filter(|i| chart_titles[*i] != TORNADO_TITLE)
            .map(Block::Chart)
            .collect(),
    }
}

/// What each event does to the horizon spend: a row per event, a column per policy.
pub fn event_rows(r: &Results) -> (Vec<String>, Vec<Vec<Cell>>) {
    let mut header = vec!["Event".to_string(), "On".to_string()];
    header.extend(r.policies.iter().map(|p| p.name.clone()));
    let rows = r
        .events
        .iter()
        .enumerate()
        .map(|(i, e)| {
            let mut on = e.on.clone();
            if let Some(p) = e.probability {
                on.push_str(&format!(" ({} likely)", pct(p)));
            }
            let name = format!("{} {}", super::series::event_tag(i), e.event);
            let mut row: Vec<Cell> = vec![name.into(), on.into()];
            row.extend(e.spend_change_usd.iter().zip(&r.policies).map(|(s, p)| Cell {
                text: if s.n == 0 {
                    "–".into()
                } else if s.mean == 0.0 && s.p5 == 0.0 && s.p95 == 0.0 {
                    "no change".into()
                } else if s.p5 == s.p95 {
                    super::format::delta(Unit::Usd, s.mean)
                } else {
                    format!(
                        "{} [{} – {}]",
                        super::format::delta(Unit::Usd, s.mean),
                        super::format::delta(Unit::Usd, s.p5),
                        super::format::delta(Unit::Usd, s.p95)
                    )
                },
                data: Some(("event_spend_change_usd".into(), p.name.clone(), "mean", s.mean)),
            }));
            row
        })
        .collect();
    (header, rows)
}

/// The regret table: a row per policy (see [`crate::sim::results::Futures`]).
pub fn futures_rows(r: &Results) -> (Vec<String>, Vec<Vec<Cell>>) {
    let header = [
        "Policy",
        "Expected spend",
        "Worst 10 % of runs",
        "Mean regret",
        "p90 regret",
        "Cheapest in",
        "Success rate",
    ]
    .map(String::from)
    .to_vec();
    let rows = crate::sim::results::futures(r)
        .into_iter()
        .map(|f| {
            let cell = |stat: &'static str, x: f64, text: String| Cell {
                text,
                data: Some(("futures".into(), f.policy.clone(), stat, x)),
            };
            vec![
                f.policy.clone().into(),
                cell("expected_usd", f.expected_usd, usd(f.expected_usd)),
                cell("worst_10pct_usd", f.worst_10pct_usd, usd(f.worst_10pct_usd)),
                cell("mean_regret_usd", f.mean_regret_usd, usd(f.mean_regret_usd)),
                cell("p90_regret_usd", f.p90_regret_usd, usd(f.p90_regret_usd)),
                cell("best_share", f.best_share, format!("{} of runs", pct(f.best_share))),
                cell("success_rate", f.success_rate, pct(f.success_rate)),
            ]
        })
        .collect();
    (header, rows)
}

/// "Sonnet 4.5 retired: sonnet-only and learned-router call sonnet" (for an event that launches
/// or retires a model).
pub fn depends_sentence(e: &crate::sim::results::EventEffect) -> String {
    let who = match e.depending_policies.as_slice() {
        [one] => format!("{one} calls"),
        [init @ .., last] => format!("{} and {last} call", init.join(", ")),
        [] => "no policy calls".into(),
    };
    format!("{}: {who} {}", e.event, e.model.as_deref().unwrap_or("the model"))
}

/// The timeline's events: what each does to every policy's spend, and who depends on a model
/// an event launches later or retires.
fn events_section(r: &Results) -> Section {
    let (header, rows) = event_rows(r);
    let mut blocks = vec![
        Block::Para(
            "What each event does to the spend over the horizon: each policy's spend with the event minus without it,              run by run on the same draws — mean [p5 – p95]. A rollout is its column against the baseline."
                .into(),
        ),
        Block::Table { header, rows },
    ];
    let depends: Vec<String> = r
        .events
        .iter()
        .filter(|e| !e.depending_policies.is_empty())
        .map(|e| depends_sentence(e) + ".")
        .collect();
    if !depends.is_empty() {
        blocks.push(Block::List(depends));
    }
    Section {
        id: "events",
        title: "Events on the timeline".into(),
        blocks,
    }
}

/// Savings by tactic per candidate: Shapley and waterfall, on spend and on cost per success.
fn savings_section(r: &Results) -> Section {
    let mut blocks = Vec::new();
    for p in r.policies.iter().skip(1) {
        let Some(s) = &p.savings_by_tactic else { continue };
        if s.shapley.is_empty() {
            continue;
        }
        blocks.push(Block::Para(format!(
            "{}: saving by tactic (positive = cheaper than the baseline).",
            p.name
        )));
        let rows = s
            .shapley
            .iter()
            .zip(&s.waterfall)
            .zip(s.shapley_cost_per_success.iter().zip(&s.waterfall_cost_per_success))
            .map(|((sh, wf), (sc, wc))| {
                vec![
                    sh.tactic.name().into(),
                    format!("{} [{} – {}]", usd(sh.mean_usd), usd(sh.p5_usd), usd(sh.p95_usd)).into(),
                    usd(wf.mean_usd).into(),
                    format!("{} [{} – {}]", usd(sc.mean_usd), usd(sc.p5_usd), usd(sc.p95_usd)).into(),
                    usd(wc.mean_usd).into(),
                ]
            })
            .collect();
        blocks.push(Block::Table {
            header: vec![
                "Tactic".into(),
                "Shapley, spend: mean [p5 – p95]".into(),
                "Waterfall, spend".into(),
                "Shapley, cost per success".into(),
                "Waterfall, cost per success".into(),
            ],
            rows,
        });
    }
    if blocks.is_empty() {
        blocks.push(Block::Para("No candidate differs from the baseline.".into()));
    }
    Section {
        id: "savings",
        title: "Savings by tactic".into(),
        blocks,
    }
}

fn risks_section(r: &Results) -> Section {
    let mut flags = Vec::new();
    for p in &r.policies {
        for f in &p.risk_flags {
            // The message states the value in its unit; the raw figure is in the JSON.
            flags.push(format!(
                "{} — {}: {}. {}",
                kind_words(f.kind),
                p.name,
                crate::report::risks::message(f),
                crate::report::risks::explanation(f)
            ));
        }
    }
    let mut blocks = vec![if flags.is_empty() {
        Block::Para("No risk flags.".into())
    } else {
        Block::List(flags)
    }];
    if let Some(note) = super::format::flags_not_evaluated(r) {
        blocks.push(Block::Para(note));
    }
    Section {
        id: "risks",
        title: "Risk flags".into(),
        blocks,
    }
}

fn reproducibility_section(r: &Results) -> Section {
    Section {
        id: "reproducibility",
        title: "Reproducibility".into(),
        blocks: vec![Block::Para(format!(
            "CostPlan {} · scenario \"{}\" · hash {} · seed {} · {} runs × {} days · {}, {} task simulations. The same scenario files and seed give the same report, byte for byte.",
            r.costplan_version,
            r.scenario,
            r.scenario_hash,
            r.seed,
            r.runs,
            r.horizon_days,
            super::format::engine_summary(&r.engine),
            thousands(r.engine.tasks_simulated)
        ))],
    }
}

fn assumptions(scn: &Scenario) -> Section {
    let mut blocks = vec![general_table(scn)];
    blocks.push(Block::Para("Task classes:".into()));
    blocks.push(classes_table(&scn.traffic));
    blocks.push(Block::Para(
        "Prices ($ per 1M tokens, list prices before discounts):".into(),
    ));
    blocks.push(prices_table(scn));
    for a in scn.assumed_write_prices() {
        blocks.push(Block::Para(assumed_write_sentence(&a)));
    }
    blocks.push(Block::Para(
        "Models (success per class drawn once per run; latency per request):".into(),
    ));
    blocks.push(models_table(&scn.file));
    blocks.push(Block::Para(
        "Policies, and what differs between the versions (\"off\" = tactic not used):".into(),
    ));
    blocks.extend(policies_blocks(scn));
    Section {
        id: "assumptions",
        title: "Assumptions".into(),
        blocks,
    }
}

/// The note for a prompt-cache TTL whose 1-hour write price the price table lacks.
pub fn assumed_write_sentence(a: &crate::model::AssumedWritePrice) -> String {
    format!(
        "Note: policy {:?} keeps prompt caches for {} minutes, but the price entry {:?} of model {:?} has no 1-hour \
         cache-write price (cache_write_1h_usd_per_mtok): its cache writes are billed at the 5-minute write price, \
         ${:.4} per 1M tokens. Add the provider's 1-hour price to the table if it charges more.",
        a.policy, a.ttl_minutes, a.price_key, a.model, a.write_usd_per_mtok
    )
}

/// Horizon, runs, volume, growth, weekly pattern, noise, cache TTL, guardrails.
fn general_table(scn: &Scenario) -> Block {
    let t = &scn.traffic;
    let f = &scn.file;
    Block::Table {
        header: vec!["Assumption".into(), "Value".into()],
        rows: vec![
            vec![
                "Horizon".into(),
                format!(
                    "{} days from {}",
                    f.horizon_days,
                    f.start_date.as_deref().unwrap_or("day 1")
                )
                .into(),
            ],
            vec!["Runs, seed".into(), format!("{}, {}", f.runs, f.seed).into()],
            vec![
                "Tasks per day (per run)".into(),
                dist_text(t.requests_per_day.0.spec()).into(),
            ],
            vec!["Growth per month".into(), dist_text(t.growth_per_month.spec()).into()],
            vec![
                "Weekly pattern (Mon–Sun)".into(),
                format!("{:?}", t.weekly_pattern).into(),
            ],
            vec![
                "Day-to-day noise (sd of log)".into(),
                format!("{}", t.day_noise_sd.get()).into(),
            ],
            vec![
                "Prompt-cache TTL".into(),
                format!("{} min", f.prompt_cache_ttl_minutes.get()).into(),
            ],
            vec![
                "Guardrails".into(),
                format!(
                    "success may drop at most {:.1} points; p95 latency {}",
                    f.guardrails.max_success_drop.get() * 100.0,
                    f.guardrails
                        .p95_latency_ms
                        .map(|x| format!("below {} ms", super::format::number(x.get())))
                        .unwrap_or_else(|| "not limited".into())
                )
                .into(),
            ],
        ],
    }
}

fn classes_table(t: &crate::model::TrafficProfile) -> Block {
    Block::Table {
        header: [
            "Class",
            "Share",
            "Owner",
            "Input tokens",
            "Shared prefix",
            "Output tokens",
            "Exact repeats",
            "Near repeats",
            "Retry on failure",
            "Batchable",
        ]
        .map(String::from)
        .to_vec(),
        rows: t
            .classes
            .iter()
            .map(|c| {
                vec![
                    c.name.clone().into(),
                    pct(c.share.get()).into(),
                    c.owner.clone().unwrap_or_else(|| "(none)".into()).into(),
                    dist_text(c.input_tokens.0.spec()).into(),
                    c.shared_prefix_tokens.to_string().into(),
                    dist_text(c.output_tokens.0.spec()).into(),
                    dist_text(c.exact_repeat_rate.0.spec()).into(),
                    dist_text(c.near_repeat_rate.0.spec()).into(),
                    dist_text(c.retry_on_failure.0.spec()).into(),
                    if c.batchable { "yes" } else { "no" }.into(),
                ]
            })
            .collect(),
    }
}

/// The prices of every model and embedding the scenario uses.
fn prices_table(scn: &Scenario) -> Block {
    let f = &scn.file;
    let mut keys: Vec<String> = f.models.values().map(|m| m.price_key.clone()).collect();
    keys.extend(
        scn.policies
            .iter()
            .filter_map(|p| p.semantic_cache.as_ref().map(|s| s.embedding_price_key.clone())),
    );
    keys.sort();
    keys.dedup();
    Block::Table {
        header: [
            "Price key",
            "Provider",
            "Input",
            "Output",
            "Cache read",
            "Cache write 5 min / 1 h",
            "Min. cached prefix",
            "Batch in/out",
            "Long-context tiers",
            "Discount",
            "As of",
            "Source",
        ]
        .map(String::from)
        .to_vec(),
        rows: keys
            .iter()
            .filter_map(|k| scn.prices.get(k).map(|p| (k, p)))
            .map(|(k, p)| price_row(scn, k, p))
            .collect(),
    }
}

/// One price-table entry as the report shows it.
fn price_row(scn: &Scenario, k: &str, p: &crate::model::ModelPrice) -> Vec<Cell> {
    let opt = |x: Option<crate::model::ron_io::NonNeg>| x.map(|v| format!("{}", v.get())).unwrap_or_else(|| "–".into());
    vec![
        k.to_string().into(),
        p.provider.clone().into(),
        format!("{}", p.input_usd_per_mtok.get()).into(),
        format!("{}", p.output_usd_per_mtok.get()).into(),
        opt(p.cache_read_usd_per_mtok).into(),
        format!(
            "{} / {}",
            opt(p.cache_write_usd_per_mtok),
            opt(p.cache_write_1h_usd_per_mtok)
        )
        .into(),
        match p.cache_min_tokens() {
            (n, true) => thousands(n),
            (n, false) => format!("{} (assumed)", thousands(n)),
        }
        .into(),
        format!(
            "{} / {}",
            opt(p.batch_input_usd_per_mtok),
            opt(p.batch_output_usd_per_mtok)
        )
        .into(),
        p.long_context
            .iter()
            .map(|t| {
                format!(
                    ">{}: {} / {}",
                    t.above_input_tokens,
                    t.input_usd_per_mtok.get(),
                    t.output_usd_per_mtok.get()
                )
            })
            .collect::<Vec<_>>()
            .join("; ")
            .into(),
        format!("×{}", scn.discount_for(k)).into(),
        p.as_of.clone().into(),
        p.source.clone().into(),
    ]
}

fn models_table(f: &crate::model::ScenarioFile) -> Block {
    Block::Table {
        header: [
            "Model",
            "Price key",
            "Success by class",
            "Time to first token (ms)",
            "Output speed (tok/s)",
            "Reasoning tokens",
        ]
        .map(String::from)
        .to_vec(),
        rows: f
            .models
            .iter()
            .map(|(n, m)| {
                vec![
                    n.clone().into(),
                    m.price_key.clone().into(),
                    m.success
                        .iter()
                        .map(|(c, d)| format!("{c}: {}", dist_text(d.0.spec())))
                        .collect::<Vec<_>>()
                        .join("; ")
                        .into(),
                    dist_text(m.ttft_ms.0.spec()).into(),
                    dist_text(m.output_tokens_per_s.0.spec()).into(),
                    dist_text(m.reasoning_tokens.0.spec()).into(),
                ]
            })
            .collect(),
    }
}

/// Each tactic that some version uses, side by side, and the versions' notes.
fn policies_blocks(scn: &Scenario) -> Vec<Block> {
    let mut blocks = Vec::new();
    let mut header = vec!["Tactic".to_string()];
    header.extend(
        scn.policies
            .iter()
            .map(|p| format!("{} v{}", p.name, if p.version.is_empty() { "–" } else { &p.version })),
    );
    let rows = Tactic::ALL
        .iter()
        .filter(|t| {
            scn.policies
                .iter()
                .any(|p| p.component_text(**t) != scn.policies[0].component_text(**t))
                || scn
                    .policies
                    .iter()
                    .any(|p| p.component_text(**t) != "off" && p.component_text(**t) != "0")
        })
        .map(|t| {
            let mut row: Vec<Cell> = vec![t.name().into()];
            row.extend(scn.policies.iter().map(|p| Cell::from(p.component_text(*t))));
            row
        })
        .collect();
    blocks.push(Block::Table { header, rows });
    let notes: Vec<String> = scn
        .policies
        .iter()
        .filter(|p| !p.notes.is_empty())
        .map(|p| format!("{}: {}", p.name, p.notes))
        .collect();
    if !notes.is_empty() {
        blocks.push(Block::List(notes));
    }
    blocks
}

fn method(scn: &Scenario, r: &Results) -> Section {
    let mut blocks = vec![
        Block::Para(format!(
            "Monte Carlo with two levels of uncertainty: each of the {} runs draws its parameters once (volume, growth, repeat rates, success probabilities, cache hit rates, verifier recall…), then simulates every task of every day of the {}-day horizon through each policy's pipeline: budget gate, context cap, exact cache, semantic cache, router, model call (prompt-cache warmth 1 − exp(−λ·TTL) from the arrival rate, batch prices, long-context tier on the whole request, discounts), outcome and retries.",
            r.runs, r.horizon_days
        )),
        Block::Para("A model succeeds on a task iff the task's difficulty u ~ U(0,1) is below its success probability, so stronger models solve a superset of what weaker ones solve. Every policy sees the same tasks and draws (common random numbers): deltas against the baseline are paired run by run, with their mean and its 90% margin (±1.645 standard errors), their run-to-run range (p5–p95 of the per-run deltas) and the share of runs in which the candidate is better.".into()),
        Block::Para("Savings by tactic run the baseline with each subset of the candidate's differing components swapped in and attribute the saving by Shapley value (the tactics' shares add up to the total saving); the waterfall adds the tactics in policy order.".into()),
        Block::Para(format!(
            "Percentiles are across runs: p5–p95 is the run-to-run range, a 90% planning interval for one horizon; ± is the 90% margin of a mean. Scenario: {}.",
            scn.file.description.trim().trim_end_matches('.')
        )),
    ];
    blocks.push(Block::Table {
        header: vec!["Metric".into(), "Key".into(), "Unit".into(), "Definition".into()],
        rows: r
            .metrics_shown()
            .into_iter()
            .map(|metric| {
                let m = metric.def();
                let unit = match m.unit {
                    Unit::Usd => "US dollars",
                    Unit::Ratio => "share",
                    Unit::Ms => "milliseconds",
                    Unit::Count => "count",
                    Unit::PerMtok => "per 1M tokens",
                    Unit::Average => "mean count",
                    Unit::Day => "day",
                };
                vec![m.label.into(), m.key.into(), unit.into(), definition(metric).into()]
            })
            .collect(),
    });
    Section {
        id: "method",
        title: "Method and definitions".into(),
        blocks,
    }
}

/// An output of the sensitivity analysis in words.
pub fn output_name(o: crate::sim::sensitivity::Output) -> &'static str {
    use crate::sim::sensitivity::Output;
    match o {
        Output::Spend => "spend over the horizon",
        Output::CostPerSuccess => "cost per successful outcome",
        Output::SuccessRate => "success rate",
        Output::SavingVsBaseline => "saving against the baseline",
    }
}

/// What drives the spread: per policy, the inputs that explain most of each output's spread
/// across runs (rank correlation and share), and the tornado chart of the baseline's cost per
/// successful outcome.
fn drivers_section(r: &Results, chart_titles: &[String]) -> Section {
    let mut blocks = vec![Block::Para(
        "Which assumption to measure better before deciding: each uncertain input's rank correlation with an output across runs (Spearman; the sign says whether a higher draw raises or lowers it) and its share of the explained spread (squared correlations normalised to 100%). Correlations within the chance level are not evidence that the input matters.".into(),
    )];
    if let Some(i) = chart_titles.iter().position(|t| t == TORNADO_TITLE) {
        blocks.push(Block::Chart(i));
    }
    for p in &r.policies {
        for s in &p.sensitivity {
            let rows: Vec<Vec<Cell>> = s
                .drivers
                .iter()
                .take(5)
                .map(|d| {
                    vec![
                        d.input.clone().into(),
                        format!("{:+.2}", d.rank_correlation).into(),
                        pct(d.share).into(),
                    ]
                })
                .collect();
            if s.no_spread {
                blocks.push(Block::Para(format!(
                    "**{}** — {}: the same in every run (no spread beyond rounding), so no input drives it.",
                    p.name,
                    output_name(s.output)
                )));
                continue;
            }
            if rows.is_empty() {
                continue;
            }
            blocks.push(Block::Para(format!(
                "**{}** — {} (chance level ±{:.2}):",
                p.name,
                output_name(s.output),
                s.noise_level
            )));
            blocks.push(Block::Table {
                header: vec!["input".into(), "rank correlation".into(), "share of the spread".into()],
                rows,
            });
        }
    }
    Section {
        id: "drivers",
        title: "What drives the spread".into(),
        blocks,
    }
}

/// The title of the tornado chart (the report's chart list and this section agree on it).
pub const TORNADO_TITLE: &str = "What drives the baseline's cost per successful outcome";

/// A risk kind in words ("quality erosion").
pub fn kind_words(k: RiskKind) -> String {
    k.key().replace('_', " ")
}
