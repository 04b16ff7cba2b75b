//! The report's charts, drawn as SVG with plotters: cost per success distribution, savings by
//! tactic with p5–p95 error bars, spend over time against the budget, quality versus cost, and
//! spend by owner and by model.

use plotters::prelude::*;

use super::series::{self, Attribution, SavingOf};
use crate::sim::results::Results;

const W: u32 = 760;
const H: u32 = 320;
const FONT: &str = "sans-serif";

/// The colour of the i-th policy (the baseline grey), as in the window.
pub fn colour(i: usize) -> RGBColor {
    let (r, g, b) = super::theme::policy(i);
    RGBColor(r, g, b)
}

type Res = Result<(), String>;

/// Draws a chart's legend in a framed, slightly transparent box.
fn legend<'a, DB: DrawingBackend + 'a, CT: plotters::coord::CoordTranslate>(
    chart: &mut ChartContext<'a, DB, CT>,
    position: SeriesLabelPosition,
) -> Res
where
    DB::ErrorType: 'static,
{
    chart
        .configure_series_labels()
        .position(position)
        .border_style(BLACK)
        .background_style(WHITE.mix(0.85))
        .draw()
        .map_err(err)
}

/// The name of the category at an integer position of a categorical axis ("" between them).
fn category_label<S: AsRef<str>>(names: &[S], v: f64) -> String {
    let i = v.round();
    if (v - i).abs() < 1e-6 && i >= 0.0 {
        names
            .get(i as usize)
            .map(|s| s.as_ref().to_string())
            .unwrap_or_default()
    } else {
        String::new()
    }
}

/// Dollar tick labels with one format along an axis (not "$500.00" beside "$1,000"): whole
/// dollars with thousands separators when the axis reaches $100, cents when it reaches $1,
/// else enough decimals for its largest value.
pub fn usd_axis_label(v: f64, axis_max: f64) -> String {
    let m = axis_max.abs();
    let decimals = if m >= 100.0 {
        0
    } else if m >= 1.0 {
        2
    } else if m > 0.0 {
        ((-m.log10()).ceil() as usize + 2).min(8)
    } else {
        2
    };
    let sign = if v < 0.0 { "-" } else { "" };
    let a = v.abs();
    if decimals == 0 {
        format!("{sign}${}", super::format::whole(a))
    } else {
        format!("{sign}${a:.decimals$}")
    }
}

fn err<E: std::fmt::Debug>(e: E) -> String {
    format!("{e:?}")
}

/// The largest magnitude an axis spans: beyond it, tick arithmetic loses all precision (valid
/// but absurd inputs, e.g. a cap of 1e308, must not hang the chart).
const AXIS_MAX_ABS: f64 = 1e15;

fn range(values: impl Iterator<Item = f64>, include_zero: bool) -> (f64, f64) {
    let mut lo = if include_zero { 0.0 } else { f64::INFINITY };
    let mut hi = if include_zero { 0.0 } else { f64::NEG_INFINITY };
    for v in values.filter(|v| v.is_finite()) {
        lo = lo.min(v.max(-AXIS_MAX_ABS));
        hi = hi.max(v.min(AXIS_MAX_ABS));
    }
    if !lo.is_finite() || !hi.is_finite() {
        return (0.0, 1.0);
    }
    if hi - lo < 1e-12 {
        hi = lo + lo.abs().max(1.0) * 0.1;
    }
    let pad = (hi - lo) * 0.06;
    (if include_zero && lo >= 0.0 { lo } else { lo - pad }, hi + pad)
}

fn svg(draw: impl FnOnce(DrawingArea<SVGBackend, plotters::coord::Shift>) -> Res) -> Result<String, String> {
    let mut out = String::new();
    {
        let root = SVGBackend::with_string(&mut out, (W, H)).into_drawing_area();
        root.fill(&WHITE).map_err(err)?;
        draw(root.clone())?;
        root.present().map_err(err)?;
    }
    Ok(out)
}

/// Distribution of the cost per successful outcome across runs, one line per policy.
pub fn cost_per_success(r: &Results) -> Result<String, String> {
    let hist = series::cost_per_success_histograms(r, 24);
    svg(|root| {
        let (x0, x1) = range(hist.iter().flat_map(|h| h.1.iter().map(|p| p[0])), false);
        let (_, y1) = range(hist.iter().flat_map(|h| h.1.iter().map(|p| p[1])), true);
        let mut chart = ChartBuilder::on(&root)
            .margin(12)
            .caption("Cost per successful outcome (share of runs)", (FONT, 16))
            .x_label_area_size(36)
            .y_label_area_size(52)
            .build_cartesian_2d(x0..x1, 0.0..y1)
            .map_err(err)?;
        chart
            .configure_mesh()
            .x_desc("cost per successful outcome")
            .y_desc("share of runs")
            .x_label_formatter(&|v| usd_axis_label(*v, x1.abs().max(x0.abs())))
            .y_label_formatter(&|v| format!("{:.0}%", v * 100.0))
            .draw()
            .map_err(err)?;
        for (i, (name, pts)) in hist.iter().enumerate() {
            let c = colour(i);
            chart
                .draw_series(LineSeries::new(pts.iter().map(|p| (p[0], p[1])), c.stroke_width(2)))
                .map_err(err)?
                .label(name.clone())
                .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 18, y)], c.stroke_width(2)));
        }
        legend(&mut chart, SeriesLabelPosition::MiddleRight)?;
        Ok(())
    })
}

/// Savings by tactic of one candidate, with p5–p95 error bars.
pub fn savings(r: &Results, policy: usize, how: Attribution, of: SavingOf) -> Result<String, String> {
    let bars = series::savings_bars(&r.policies[policy], how, of);
    let title = format!(
        "Savings by tactic, {} ({}, {})",
        r.policies[policy].name,
        if how == Attribution::Shapley {
            "Shapley"
        } else {
            "waterfall"
        },
        if of == SavingOf::TotalCost {
            "spend over the horizon"
        } else {
            "cost per success"
        }
    );
    let names: Vec<&'static str> = bars.iter().map(|b| b.tactic.name()).collect();
    svg(|root| {
        let (y0, y1) = range(bars.iter().flat_map(|b| [b.p5, b.p95, b.mean]), true);
        let n = bars.len().max(1) as f64;
        let mut chart = ChartBuilder::on(&root)
            .margin(12)
            .caption(title, (FONT, 16))
            .x_label_area_size(36)
            .y_label_area_size(70)
            .build_cartesian_2d(-0.5..(n - 0.5), y0..y1)
            .map_err(err)?;
        chart
            .configure_mesh()
            .disable_x_mesh()
            .x_labels(bars.len().max(1))
            .x_label_formatter(&|v| category_label(&names, *v))
            .y_label_formatter(&|v| usd_axis_label(*v, y1.abs().max(y0.abs())))
            .y_desc("saving (US$)")
            .draw()
            .map_err(err)?;
        let c = colour(policy);
        chart
            .draw_series(
                bars.iter()
                    .map(|b| Rectangle::new([(b.x - 0.3, 0.0), (b.x + 0.3, b.mean)], c.mix(0.75).filled())),
            )
            .map_err(err)?;
        chart
            .draw_series(
                bars.iter()
                    .map(|b| ErrorBar::new_vertical(b.x, b.p5, b.mean, b.p95, BLACK.stroke_width(1), 10)),
            )
            .map_err(err)?;
        Ok(())
    })
}

/// Cumulative spend over the horizon: median line and p5–p95 band per policy, budget lines.
pub fn spend_over_time(r: &Results) -> Result<String, String> {
    svg(|root| {
        let days = r.horizon_days as f64;
        let spend_max = range(
            r.policies
                .iter()
                .flat_map(|p| p.cumulative_spend_usd.p95.iter().copied()),
            true,
        )
        .1;
        // A budget far above the spend (or an absurd but valid cap) stays off the chart rather
        // than squashing the spend into the bottom pixel row; the caption says so.
        let top = series::spend_chart_max(r);
        let shown = |v: f64| v.is_finite() && v <= top;
        let budgets: Vec<f64> = r
            .policies
            .iter()
            .flat_map(|p| p.budget.iter().flat_map(|b| b.cumulative_cap_usd.iter().copied()))
            .collect();
        let (_, y1) = range(budgets.iter().copied().filter(|v| shown(*v)).chain([spend_max]), true);
        let caption = match (budgets.is_empty(), budgets.iter().all(|v| shown(*v))) {
            (true, _) => "Spend over the horizon (median, p5–p95 band)",
            (false, true) => "Spend over the horizon (median, p5–p95 band; dashed: budget)",
            (false, false) => "Spend over the horizon (median, p5–p95 band; dashed: budget, where on the chart)",
        };
        let mut chart = ChartBuilder::on(&root)
            .margin(12)
            .caption(caption, (FONT, 16))
            .x_label_area_size(36)
            .y_label_area_size(70)
            .build_cartesian_2d(0.0..days + 0.5, 0.0..y1)
            .map_err(err)?;
        chart
            .configure_mesh()
            .x_desc("day of the horizon")
            .y_desc("cumulative spend (US$)")
            .x_label_formatter(&|v| format!("{v:.0}"))
            .y_label_formatter(&|v| usd_axis_label(*v, y1))
            .draw()
            .map_err(err)?;
        for (i, p) in r.policies.iter().enumerate() {
            let b = series::spend_band(p);
            let c = colour(i);
            let mut poly: Vec<(f64, f64)> = b.days.iter().zip(&b.p95).map(|(x, y)| (*x, *y)).collect();
            poly.extend(b.days.iter().zip(&b.p5).rev().map(|(x, y)| (*x, *y)));
            chart
                .draw_series(std::iter::once(Polygon::new(poly, c.mix(0.15).filled())))
                .map_err(err)?;
            chart
                .draw_series(LineSeries::new(
                    b.days.iter().zip(&b.p50).map(|(x, y)| (*x, *y)),
                    c.stroke_width(2),
                ))
                .map_err(err)?
                .label(p.name.clone())
                .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 18, y)], c.stroke_width(2)));
            if let Some(line) = series::budget_line_on_chart(r, p) {
                chart
                    .draw_series(DashedLineSeries::new(
                        line.iter().map(|p| (p[0], p[1])),
                        6,
                        4,
                        c.stroke_width(1),
                    ))
                    .map_err(err)?;
            }
        }
        legend(&mut chart, SeriesLabelPosition::UpperLeft)?;
        Ok(())
    })
}

/// Cost per turn by turn number, one line per policy (sessions only).
pub fn cost_by_turn(r: &Results) -> Result<String, String> {
    let lines: Vec<Vec<[f64; 2]>> = r.policies.iter().map(series::cost_by_turn).collect();
    svg(|root| {
        let x1 = lines.iter().flatten().map(|p| p[0]).fold(1.0, f64::max);
        let (_, y1) = range(lines.iter().flatten().map(|p| p[1]), true);
        let mut chart = ChartBuilder::on(&root)
            .margin(12)
            .caption(
                "Cost per turn by turn number (mean; the last point holds later turns)",
                (FONT, 16),
            )
            .x_label_area_size(36)
            .y_label_area_size(70)
            .build_cartesian_2d(0.5..x1 + 0.5, 0.0..y1)
            .map_err(err)?;
        chart
            .configure_mesh()
            .x_desc("turn of the session")
            .y_desc("cost per turn (US$)")
            .x_label_formatter(&|v| format!("{v:.0}"))
            .y_label_formatter(&|v| usd_axis_label(*v, y1))
            .draw()
            .map_err(err)?;
        for (i, p) in r.policies.iter().enumerate() {
            let c = colour(i);
            chart
                .draw_series(LineSeries::new(
                    lines[i].iter().map(|q| (q[0], q[1])),
                    c.stroke_width(2),
                ))
                .map_err(err)?
                .label(p.name.clone())
                .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 18, y)], c.stroke_width(2)));
            chart
                .draw_series(lines[i].iter().map(|q| Circle::new((q[0], q[1]), 3, c.filled())))
                .map_err(err)?;
        }
        legend(&mut chart, SeriesLabelPosition::UpperLeft)?;
        Ok(())
    })
}

/// Quality versus cost: one point per run per policy.
pub fn quality_vs_cost(r: &Results) -> Result<String, String> {
    let pts: Vec<Vec<[f64; 2]>> = r.policies.iter().map(series::quality_vs_cost).collect();
    svg(|root| {
        let (x0, x1) = range(pts.iter().flatten().map(|p| p[0]), false);
        let (y0, y1) = range(pts.iter().flatten().map(|p| p[1]), false);
        let mut chart = ChartBuilder::on(&root)
            .margin(12)
            .caption("Quality versus cost (one point per run)", (FONT, 16))
            .x_label_area_size(36)
            .y_label_area_size(52)
            .build_cartesian_2d(x0..x1, y0..y1)
            .map_err(err)?;
        chart
            .configure_mesh()
            .x_desc("spend over the horizon")
            .y_desc("success rate (%)")
            .x_label_formatter(&|v| usd_axis_label(*v, x1.abs().max(x0.abs())))
            .y_label_formatter(&|v| format!("{v:.1}%"))
            .draw()
            .map_err(err)?;
        for (i, p) in r.policies.iter().enumerate() {
            let c = colour(i);
            chart
                .draw_series(pts[i].iter().map(|q| Circle::new((q[0], q[1]), 2, c.filled())))
                .map_err(err)?
                .label(p.name.clone())
                .legend(move |(x, y)| Circle::new((x + 8, y), 4, c.filled()));
        }
        legend(&mut chart, SeriesLabelPosition::MiddleRight)?;
        Ok(())
    })
}

/// Spend by owner or by model: grouped bars (median across runs).
pub fn spend_by(r: &Results, by_owner: bool) -> Result<String, String> {
    let groups = series::spend_groups(r, by_owner);
    let names: Vec<String> = groups.iter().map(|g| g.0.clone()).collect();
    let title = if by_owner {
        "Spend by owner (median over the horizon)"
    } else {
        "Spend by model (median over the horizon)"
    };
    svg(|root| {
        let (_, y1) = range(groups.iter().flat_map(|g| g.1.iter().map(|v| v.1)), true);
        let n_groups = groups.len().max(1) as f64;
        let n = r.policies.len().max(1) as f64;
        let mut chart = ChartBuilder::on(&root)
            .margin(12)
            .caption(title, (FONT, 16))
            .x_label_area_size(36)
            .y_label_area_size(70)
            .build_cartesian_2d(-0.5..(n_groups - 0.5), 0.0..y1)
            .map_err(err)?;
        chart
            .configure_mesh()
            .disable_x_mesh()
            .x_labels(groups.len().max(1))
            .x_label_formatter(&|v| category_label(&names, *v))
            .y_label_formatter(&|v| usd_axis_label(*v, y1))
            .draw()
            .map_err(err)?;
        for (pi, p) in r.policies.iter().enumerate() {
            let c = colour(pi);
            let w = 0.8 / n;
            chart
                .draw_series(groups.iter().enumerate().map(|(gi, g)| {
                    let x = gi as f64 - 0.4 + pi as f64 * w;
                    Rectangle::new([(x, 0.0), (x + w * 0.9, g.1[pi].1)], c.mix(0.8).filled())
                }))
                .map_err(err)?
                .label(p.name.clone())
                .legend(move |(x, y)| Rectangle::new([(x, y - 5), (x + 12, y + 5)], c.filled()));
        }
        legend(&mut chart, SeriesLabelPosition::MiddleRight)?;
        Ok(())
    })
}

/// A chart file named by its content: `spend-over-time.svg` → `spend-over-time-1a2b3c4d.svg`.
pub fn content_name(name: &str, svg: &str) -> String {
    let hash = crate::hash::fnv1a(crate::hash::FNV_OFFSET, svg.as_bytes());
    let stem = name.strip_suffix(".svg").unwrap_or(name);
    format!("{stem}-{:08x}.svg", hash as u32)
}

/// Whether a file name is one [`content_name`] makes (so only CostPlan's own charts are ever
/// cleaned out of a charts folder).
pub fn is_chart_file_name(name: &str) -> bool {
    let Some(stem) = name.strip_suffix(".svg") else {
        return false;
    };
    let Some((base, hash)) = stem.rsplit_once('-') else {
        return false;
    };
    let known = [
        "spend-over-time",
        "budget-risk",
        "drivers",
        "cost-per-success",
        "quality-vs-cost",
        "spend-by-owner",
        "spend-by-model",
    ];
    hash.len() == 8
        && hash.bytes().all(|b| b.is_ascii_hexdigit())
        && (known.contains(&base) || base.strip_prefix("savings-").is_some_and(|n| n.parse::<u32>().is_ok()))
}

/// The risk of running out of budget: for each policy with a budget, the share of runs that
/// exhausted it by each day.
pub fn budget_risk(r: &Results) -> Result<String, String> {
    svg(|root| {
        let days = r.horizon_days as f64;
        let mut chart = ChartBuilder::on(&root)
            .margin(12)
            .caption(
                "Risk of running out of budget (share of runs exhausted by each day)",
                (FONT, 16),
            )
            .x_label_area_size(36)
            .y_label_area_size(60)
            .build_cartesian_2d(0.0..days + 0.5, 0.0..1.05)
            .map_err(err)?;
        chart
            .configure_mesh()
            .x_desc("day of the horizon")
            .y_desc("runs out by then")
            .x_label_formatter(&|v| format!("{v:.0}"))
            .y_label_formatter(&|v| format!("{:.0}%", v * 100.0))
            .draw()
            .map_err(err)?;
        for (i, p) in r.policies.iter().enumerate() {
            let curve = &p.budget_risk.breach_by_day;
            if curve.is_empty() {
                continue;
            }
            let c = colour(i);
            chart
                .draw_series(LineSeries::new(
                    curve.iter().enumerate().map(|(d, y)| ((d + 1) as f64, *y)),
                    c.stroke_width(2),
                ))
                .map_err(err)?
                .label(p.name.clone())
                .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 18, y)], c.stroke_width(2)));
        }
        legend(&mut chart, SeriesLabelPosition::UpperLeft)?;
        Ok(())
    })
}

/// A tornado chart: the baseline's inputs ranked by rank correlation with its cost per
/// successful outcome, as horizontal bars (right: a higher draw raises it).
pub fn tornado(r: &Results) -> Result<String, String> {
    let Some(s) = r.policies[0]
        .sensitivity
        .iter()
        .find(|s| s.output == crate::sim::sensitivity::Output::CostPerSuccess)
    else {
        return Err("no sensitivity for the baseline".into());
    };
    let drivers: Vec<_> = s.drivers.iter().take(8).collect();
    let names: Vec<String> = drivers.iter().map(|d| d.input.clone()).collect();
    let n = drivers.len().max(1) as f64;
    svg(|root| {
        let mut chart = ChartBuilder::on(&root)
            .margin(12)
            .caption(super::summary::TORNADO_TITLE, (FONT, 16))
            .x_label_area_size(36)
            .y_label_area_size(260)
            .build_cartesian_2d(-1.05..1.05, -0.5..(n - 0.5))
            .map_err(err)?;
        chart
            .configure_mesh()
            .disable_y_mesh()
            .x_desc("rank correlation with the cost per successful outcome")
            .y_label_formatter(&|v| category_label(&names, n - 1.0 - *v))
            .x_label_formatter(&|v: &f64| if v.abs() < 1e-9 { "0".into() } else { format!("{v:+.1}") })
            .draw()
            .map_err(err)?;
        chart
            .draw_series(drivers.iter().enumerate().map(|(i, d)| {
                let y = n - 1.0 - i as f64;
                let c = if d.rank_correlation >= 0.0 {
                    colour(2)
                } else {
                    colour(1)
                };
                Rectangle::new([(0.0, y - 0.35), (d.rank_correlation, y + 0.35)], c.mix(0.8).filled())
            }))
            .map_err(err)?;
        let noise = s.noise_level;
        for x in [-noise, noise] {
            chart
                .draw_series(DashedLineSeries::new(
                    [(x, -0.5), (x, n - 0.5)],
                    4,
                    4,
                    BLACK.mix(0.5).stroke_width(1),
                ))
                .map_err(err)?;
        }
        Ok(())
    })
}

/// Every chart of a report, as (file name, title, SVG).
pub fn all(r: &Results) -> Vec<(String, String, Result<String, String>)> {
    let mut out = vec![(
        "spend-over-time.svg".to_string(),
        "Spend over the horizon".to_string(),
        spend_over_time(r),
    )];
    if r.policies.iter().any(|p| !p.budget_risk.breach_by_day.is_empty()) {
        out.push((
            "budget-risk.svg".to_string(),
            "Risk of running out of budget".to_string(),
            budget_risk(r),
        ));
    }
    out.extend([(
        "cost-per-success.svg".to_string(),
        "Cost per successful outcome".to_string(),
        cost_per_success(r),
    )]);
    if r.policies[0].sensitivity.iter().any(|s| !s.drivers.is_empty()) {
        out.push((
            "drivers.svg".to_string(),
            super::summary::TORNADO_TITLE.to_string(),
            tornado(r),
        ));
    }
    for i in 1..r.policies.len() {
        if r.policies[i]
            .savings_by_tactic
            .as_ref()
            .is_some_and(|s| !s.shapley.is_empty())
        {
            out.push((
                format!("savings-{i}.svg"),
                format!("Savings by tactic: {}", r.policies[i].name),
                savings(r, i, Attribution::Shapley, SavingOf::TotalCost),
            ));
        }
    }
    if r.policies.iter().any(|p| !p.by_turn.is_empty()) {
        out.push((
            "cost-by-turn.svg".to_string(),
            "Cost per turn by turn number".to_string(),
            cost_by_turn(r),
        ));
    }
    out.push((
        "quality-vs-cost.svg".to_string(),
        "Quality versus cost".to_string(),
        quality_vs_cost(r),
    ));
    out.push((
        "spend-by-owner.svg".to_string(),
        "Spend by owner".to_string(),
        spend_by(r, true),
    ));
    out.push((
        "spend-by-model.svg".to_string(),
        "Spend by model".to_string(),
        spend_by(r, false),
    ));
    out
}

/// A sweep's frontier: cost per success against success rate, one point per setting with p5–p95
/// whiskers both ways, the baseline, the quality guardrail dashed, the settings that break a
/// guardrail in red and the goal seek's answer ringed.
pub fn sweep_frontier(
    r: &crate::sim::sweep::SweepResult,
    answer: Option<&crate::sim::sweep::SweepPoint>,
) -> Result<String, String> {
    let base = &r.baseline_cost_per_success_usd;
    let guard = (r.baseline_success_rate.mean - r.max_success_drop) * 100.0;
    svg(|root| {
        let xs = r.points.iter().flat_map(|p| [p.success_rate.p5, p.success_rate.p95]);
        let (x0, x1) = range(
            xs.chain([r.baseline_success_rate.mean, guard / 100.0])
                .map(|x| x * 100.0),
            false,
        );
        let ys = r
            .points
            .iter()
            .flat_map(|p| [p.cost_per_success_usd.p5, p.cost_per_success_usd.p95]);
        let (y0, y1) = range(ys.chain([base.mean]), false);
        let mut chart = ChartBuilder::on(&root)
            .margin(12)
            .caption(format!("Sweep of {} on {}", r.knob, r.policy), (FONT, 16))
            .x_label_area_size(36)
            .y_label_area_size(60)
            .build_cartesian_2d(x0..x1, y0..y1)
            .map_err(err)?;
        chart
            .configure_mesh()
            .x_desc("success rate (%)")
            .y_desc("cost per success")
            .x_label_formatter(&|v| format!("{v:.1}%"))
            .y_label_formatter(&|v| usd_axis_label(*v, y1.abs().max(y0.abs())))
            .draw()
            .map_err(err)?;
        let grey = RGBColor(110, 110, 110);
        chart
            .draw_series(DashedLineSeries::new(
                [(guard, y0), (guard, y1)],
                6,
                4,
                RED.mix(0.6).stroke_width(1),
            ))
            .map_err(err)?
            .label("quality guardrail")
            .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 16, y)], RED.mix(0.6)));
        chart
            .draw_series(std::iter::once(Cross::new(
                (r.baseline_success_rate.mean * 100.0, base.mean),
                6,
                grey.stroke_width(2),
            )))
            .map_err(err)?
            .label("baseline")
            .legend(move |(x, y)| Cross::new((x + 8, y), 4, grey.stroke_width(2)));
        let ok = colour(1);
        // A setting found by bisection is drawn with the grid's points.
        for p in r.points_with(answer) {
            let c = if p.breaks_guardrail { RED } else { ok };
            let (x, y) = (p.success_rate.mean * 100.0, p.cost_per_success_usd.mean);
            let whiskers = [
                vec![(p.success_rate.p5 * 100.0, y), (p.success_rate.p95 * 100.0, y)],
                vec![(x, p.cost_per_success_usd.p5), (x, p.cost_per_success_usd.p95)],
            ];
            chart
                .draw_series(whiskers.into_iter().map(|w| PathElement::new(w, c.mix(0.5))))
                .map_err(err)?;
            chart
                .draw_series(std::iter::once(Circle::new((x, y), 4, c.filled())))
                .map_err(err)?;
            chart
                .draw_series(std::iter::once(Text::new(
                    fmt_value(p.value),
                    (x, y),
                    (FONT, 11).into_font().color(&grey),
                )))
                .map_err(err)?;
            if answer.is_some_and(|a| a.value == p.value) {
                chart
                    .draw_series(std::iter::once(Circle::new((x, y), 9, c.stroke_width(2))))
                    .map_err(err)?;
            }
        }
        legend(&mut chart, SeriesLabelPosition::UpperLeft)?;
        Ok(())
    })
}

/// A knob's value in a label: at most 4 decimals, no trailing zeros.
pub fn fmt_value(v: f64) -> String {
    let s = format!("{v:.4}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// A backtest's daily spend: the simulated median and p5–p95 band, the actual spend as dots
/// (red outside the band).
pub fn backtest_daily(b: &crate::logs::backtest::Backtest) -> Result<String, String> {
    svg(|root| {
        let days = b.daily.len() as f64;
        let (_, y1) = range(
            b.daily.iter().flat_map(|d| [d.simulated_p95_usd, d.actual_spend_usd]),
            true,
        );
        let mut chart = ChartBuilder::on(&root)
            .margin(12)
            .caption(format!("Backtest of {} from {}", b.policy, b.start_date), (FONT, 16))
            .x_label_area_size(36)
            .y_label_area_size(70)
            .build_cartesian_2d(-0.5..days - 0.5, 0.0..y1)
            .map_err(err)?;
        chart
            .configure_mesh()
            .x_desc("day of the logs")
            .y_desc("spend per day")
            .x_label_formatter(&|v| format!("{v:.0}"))
            .y_label_formatter(&|v| usd_axis_label(*v, y1))
            .draw()
            .map_err(err)?;
        let c = colour(0);
        let mut poly: Vec<(f64, f64)> = b
            .daily
            .iter()
            .enumerate()
            .map(|(i, d)| (i as f64, d.simulated_p95_usd))
            .collect();
        poly.extend(
            b.daily
                .iter()
                .enumerate()
                .rev()
                .map(|(i, d)| (i as f64, d.simulated_p5_usd)),
        );
        chart
            .draw_series(std::iter::once(Polygon::new(poly, c.mix(0.18).filled())))
            .map_err(err)?
            .label("simulated p5–p95")
            .legend(move |(x, y)| Rectangle::new([(x, y - 5), (x + 16, y + 5)], c.mix(0.18).filled()));
        chart
            .draw_series(LineSeries::new(
                b.daily.iter().enumerate().map(|(i, d)| (i as f64, d.simulated_p50_usd)),
                c.stroke_width(2),
            ))
            .map_err(err)?
            .label("simulated median")
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 16, y)], c.stroke_width(2)));
        let black = RGBColor(30, 30, 30);
        chart
            .draw_series(b.daily.iter().enumerate().map(|(i, d)| {
                let col = if d.inside { black } else { RED };
                Circle::new((i as f64, d.actual_spend_usd), 3, col.filled())
            }))
            .map_err(err)?
            .label("actual")
            .legend(move |(x, y)| Circle::new((x + 8, y), 3, black.filled()));
        // Below the band: spend per day starts at 0, and the band sits well above it.
        legend(&mut chart, SeriesLabelPosition::LowerRight)?;
        Ok(())
    })
}
