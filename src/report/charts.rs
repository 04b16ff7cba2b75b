//! The report's charts, drawn as SVG with plotters: cost per success distribution, savings by
//! tactic with p5–p95 error bars, spend over time against the budget, quality versus cost, and
//! spend by owner and by model.

use plotters::prelude::*;

use super::series::{self, Attribution, SavingOf};
use crate::sim::results::Results;

/// A chart's size in pixels and what fits in it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Size {
    pub w: u32,
    pub h: u32,
    /// Tick labels along a continuous x axis.
    x_labels: usize,
    /// Whether the chart draws its caption (a narrow chart leaves it to the figure's caption).
    caption: bool,
}

impl Size {
    /// The report's charts on a screen or paper.
    pub const WIDE: Size = Size {
        w: 760,
        h: 320,
        x_labels: 10,
        caption: true,
    };
    /// The same charts for a phone (shown below 700 px): drawn at about the width they are seen
    /// at, so that their 12-px text stays ≥ 11 px on a 390-px screen instead of shrinking.
    pub const NARROW: Size = Size {
        w: 380,
        h: 300,
        x_labels: 5,
        caption: false,
    };
}

/// Text size of tick labels, axis names and keys (plotters writes 1/1.24 of it into the SVG:
/// 12.1 px, so ≥ 11 px on screen at either size).
const LABEL_PX: u32 = 15;
const FONT: &str = "sans-serif";

/// The colour of the i-th policy (the baseline grey), as in the window.
pub fn colour(i: usize) -> RGBColor {
    let (r, g, b) = super::theme::policy(i);
    RGBColor(r, g, b)
}

type Res = Result<(), String>;

/// A chart builder with the margin and, where the size has room for it, the caption.
fn builder<'a, 'b>(
    root: &'a DrawingArea<SVGBackend<'b>, plotters::coord::Shift>,
    size: Size,
    caption: impl AsRef<str>,
) -> ChartBuilder<'a, 'b, SVGBackend<'b>> {
    let mut b = ChartBuilder::on(root);
    b.margin(12);
    if size.caption {
        b.caption(caption.as_ref(), (FONT, 16));
    }
    b
}

/// How a key entry's series is drawn.
#[derive(Clone, Copy)]
enum Mark {
    Line(RGBColor),
    Dashed(RGBColor),
    Dot(RGBColor),
    Cross(RGBColor),
    Ring(RGBColor),
    /// A filled block (bars, bands), at the given opacity.
    Block(RGBColor, f64),
}

/// A chart's key: marks and names, drawn in a strip under the chart (never over its data).
type Key = Vec<(Mark, String)>;

/// One key entry per policy, in the policies' colours.
fn policy_key(r: &Results, mark: fn(RGBColor) -> Mark) -> Key {
    r.policies
        .iter()
        .enumerate()
        .map(|(i, p)| (mark(colour(i)), p.name.clone()))
        .collect()
}

/// The spend chart's key: each policy's median line, the band, and the budget where one is drawn.
fn spend_key(r: &Results) -> Key {
    let grey = RGBColor(110, 110, 110);
    let mut key = policy_key(r, Mark::Line);
    key.push((Mark::Block(grey, 0.2), "p5–p95 of runs".to_string()));
    if r.policies.iter().any(|p| series::budget_line_on_chart(r, p).is_some()) {
        key.push((Mark::Dashed(grey), "budget (in the policy's colour)".to_string()));
    }
    if !series::event_markers(r).is_empty() {
        key.push((
            Mark::Block(grey, 0.07),
            "E1…: events (a band: an uncertain date)".to_string(),
        ));
    }
    key
}

/// The budget-risk chart's key: the policies with a budget curve.
fn budget_risk_key(r: &Results) -> Key {
    policy_key(r, Mark::Line)
        .into_iter()
        .zip(&r.policies)
        .filter(|(_, p)| !p.budget_risk.breach_by_day.is_empty())
        .map(|(k, _)| k)
        .collect()
}

/// The sweep frontier's key.
fn sweep_key(r: &crate::sim::sweep::SweepResult, answer: Option<&crate::sim::sweep::SweepPoint>) -> Key {
    let mut key = vec![
        (Mark::Dashed(RGBColor(235, 102, 102)), "quality guardrail".to_string()),
        (Mark::Cross(RGBColor(110, 110, 110)), "baseline".to_string()),
        (Mark::Dot(colour(1)), "setting (p5–p95 whiskers)".to_string()),
    ];
    if r.points_with(answer).iter().any(|p| p.breaks_guardrail) {
        key.push((Mark::Dot(RED), "breaks the guardrail".to_string()));
    }
    if answer.is_some() {
        key.push((Mark::Ring(colour(1)), "the goal seek's answer".to_string()));
    }
    key
}

/// The backtest chart's key.
fn backtest_key() -> Key {
    let c = colour(0);
    vec![
        (Mark::Block(c, 0.18), "simulated p5–p95".to_string()),
        (Mark::Line(c), "simulated median".to_string()),
        (Mark::Dot(RGBColor(30, 30, 30)), "actual".to_string()),
        (Mark::Dot(RED), "actual, outside the band".to_string()),
    ]
}

/// Key text size and the width a character of it takes (an upper estimate for sans-serif).
const KEY_FONT_PX: u32 = LABEL_PX;
const KEY_CHAR_PX: f64 = 7.0;
const KEY_ROW_PX: u32 = 20;

/// The key's entries placed in rows across the chart's width: (row, x) of each.
fn key_layout(key: &Key, size: Size) -> Vec<(u32, i32)> {
    let (mut row, mut x) = (0u32, 16.0f64);
    key.iter()
        .map(|(_, name)| {
            let w = 26.0 + KEY_CHAR_PX * name.chars().count() as f64 + 18.0;
            if x > 16.0 && x + w > f64::from(size.w) - 8.0 {
                row += 1;
                x = 16.0;
            }
            let at = (row, x as i32);
            x += w;
            at
        })
        .collect()
}

/// The key's height: its rows and a margin (none without entries).
fn key_height(key: &Key, size: Size) -> u32 {
    key_layout(key, size)
        .last()
        .map_or(0, |(rows, _)| (rows + 1) * KEY_ROW_PX + 8)
}

fn draw_key(area: &DrawingArea<SVGBackend, plotters::coord::Shift>, key: &Key, size: Size) -> Res {
    let font = (FONT, KEY_FONT_PX).into_font().color(&BLACK);
    for ((mark, name), (row, x)) in key.iter().zip(key_layout(key, size)) {
        let y = (row * KEY_ROW_PX + KEY_ROW_PX / 2) as i32;
        let (a, b) = ((x, y), (x + 18, y));
        match *mark {
            Mark::Line(c) => area.draw(&PathElement::new(vec![a, b], c.stroke_width(2))),
            Mark::Dashed(c) => {
                for k in 0..3 {
                    let x0 = x + k * 7;
                    area.draw(&PathElement::new(vec![(x0, y), (x0 + 4, y)], c.stroke_width(2)))
                        .map_err(err)?;
                }
                Ok(())
            }
            Mark::Dot(c) => area.draw(&Circle::new((x + 9, y), 4, c.filled())),
            Mark::Cross(c) => area.draw(&Cross::new((x + 9, y), 4, c.stroke_width(2))),
            Mark::Ring(c) => area.draw(&Circle::new((x + 9, y), 6, c.stroke_width(2))),
            Mark::Block(c, alpha) => area.draw(&Rectangle::new(
                [(x + 2, y - 5), (x + 16, y + 5)],
                c.mix(alpha).filled(),
            )),
        }
        .map_err(err)?;
        area.draw(&Text::new(
            name.clone(),
            (x + 24, y - (KEY_FONT_PX / 2) as i32),
            font.clone(),
        ))
        .map_err(err)?;
    }
    Ok(())
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

/// The widest the tornado's input names may be, in pixels.
const TORNADO_LABEL_AREA_PX: u32 = 260;

/// How many characters of label text fit in `px` (a label character is at most about 0.6 of
/// the label size wide in a sans-serif font; plotters writes 1/1.24 of `LABEL_PX`), less the
/// tick's own margin.
pub fn label_chars(px: u32) -> usize {
    let char_px = 0.6 * f64::from(LABEL_PX) / 1.24;
    ((f64::from(px) - 16.0) / char_px).floor().max(4.0) as usize
}

/// `s` if it has at most `max` characters, else its last `max − 1` after "…".
pub fn fit_tail(s: &str, max: usize) -> String {
    let n = s.chars().count();
    if n <= max {
        return s.to_string();
    }
    let tail: String = s.chars().skip(n + 1 - max).collect();
    format!("…{tail}")
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

fn svg(
    size: Size,
    draw: impl FnOnce(DrawingArea<SVGBackend, plotters::coord::Shift>) -> Res,
) -> Result<String, String> {
    keyed_svg(size, &Vec::new(), draw)
}

/// A chart with its key in a strip beneath it: `draw` gets the area above the strip.
fn keyed_svg(
    size: Size,
    key: &Key,
    draw: impl FnOnce(DrawingArea<SVGBackend, plotters::coord::Shift>) -> Res,
) -> Result<String, String> {
    let mut out = String::new();
    {
        let root = SVGBackend::with_string(&mut out, (size.w, size.h + key_height(key, size))).into_drawing_area();
        root.fill(&WHITE).map_err(err)?;
        let (chart, strip) = root.split_vertically(size.h);
        draw(chart)?;
        draw_key(&strip, key, size)?;
        root.present().map_err(err)?;
    }
    Ok(out)
}

/// Distribution of the cost per successful outcome across runs, one line per policy.
pub fn cost_per_success(r: &Results, size: Size) -> Result<String, String> {
    let hist = series::cost_per_success_histograms(r, 24);
    let key = hist
        .iter()
        .enumerate()
        .map(|(i, (name, _))| (Mark::Line(colour(i)), name.clone()))
        .collect::<Key>();
    keyed_svg(size, &key, |root| {
        let (x0, x1) = range(hist.iter().flat_map(|h| h.1.iter().map(|p| p[0])), false);
        let (_, y1) = range(hist.iter().flat_map(|h| h.1.iter().map(|p| p[1])), true);
        let mut chart = builder(&root, size, "Cost per successful outcome (share of runs)")
            .x_label_area_size(36)
            .y_label_area_size(52)
            .build_cartesian_2d(x0..x1, 0.0..y1)
            .map_err(err)?;
        chart
            .configure_mesh()
            .x_labels(size.x_labels)
            .label_style((FONT, LABEL_PX))
            .axis_desc_style((FONT, LABEL_PX))
            .x_desc("cost per successful outcome")
            .y_desc("share of runs")
            .x_label_formatter(&|v| usd_axis_label(*v, x1.abs().max(x0.abs())))
            .y_label_formatter(&|v| format!("{:.0}%", v * 100.0))
            .draw()
            .map_err(err)?;
        for (i, (_, pts)) in hist.iter().enumerate() {
            let c = colour(i);
            chart
                .draw_series(LineSeries::new(pts.iter().map(|p| (p[0], p[1])), c.stroke_width(2)))
                .map_err(err)?;
        }
        Ok(())
    })
}

/// Savings by tactic of one candidate, with p5–p95 error bars.
pub fn savings(r: &Results, policy: usize, how: Attribution, of: SavingOf, size: Size) -> Result<String, String> {
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
    svg(size, |root| {
        let (y0, y1) = range(bars.iter().flat_map(|b| [b.p5, b.p95, b.mean]), true);
        let n = bars.len().max(1) as f64;
        let mut chart = builder(&root, size, title)
            .x_label_area_size(36)
            .y_label_area_size(70)
            .build_cartesian_2d(-0.5..(n - 0.5), y0..y1)
            .map_err(err)?;
        chart
            .configure_mesh()
            .label_style((FONT, LABEL_PX))
            .axis_desc_style((FONT, LABEL_PX))
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
pub fn spend_over_time(r: &Results, size: Size) -> Result<String, String> {
    let key = spend_key(r);
    keyed_svg(size, &key, |root| {
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
        let mut chart = builder(&root, size, caption)
            .x_label_area_size(36)
            .y_label_area_size(70)
            .build_cartesian_2d(0.0..days + 0.5, 0.0..y1)
            .map_err(err)?;
        chart
            .configure_mesh()
            .x_labels(size.x_labels)
            .label_style((FONT, LABEL_PX))
            .axis_desc_style((FONT, LABEL_PX))
            .x_desc("day of the horizon")
            .y_desc("cumulative spend (US$)")
            .x_label_formatter(&|v| format!("{v:.0}"))
            .y_label_formatter(&|v| usd_axis_label(*v, y1))
            .draw()
            .map_err(err)?;
        // Behind the spend: the events.
        draw_event_markers(&mut chart, r, y1)?;
        for (i, p) in r.policies.iter().enumerate() {
            let c = colour(i);
            draw_band(&mut chart, &series::spend_band(p), c, 0.15)?;
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
        Ok(())
    })
}

/// A day-by-day band (p5–p95, filled at `alpha`) and its median line in colour `c`.
fn draw_band<DB: DrawingBackend>(
    chart: &mut ChartContext<
        '_,
        DB,
        Cartesian2d<plotters::coord::types::RangedCoordf64, plotters::coord::types::RangedCoordf64>,
    >,
    b: &series::SpendBand,
    c: RGBColor,
    alpha: f64,
) -> Res {
    let mut poly: Vec<(f64, f64)> = b.days.iter().zip(&b.p95).map(|(x, y)| (*x, *y)).collect();
    poly.extend(b.days.iter().zip(&b.p5).rev().map(|(x, y)| (*x, *y)));
    chart
        .draw_series(std::iter::once(Polygon::new(poly, c.mix(alpha).filled())))
        .map_err(err)?;
    chart
        .draw_series(LineSeries::new(
            b.days.iter().zip(&b.p50).map(|(x, y)| (*x, *y)),
            c.stroke_width(2),
        ))
        .map_err(err)?;
    Ok(())
}

/// The events on a chart whose x axis is the horizon's days: a grey line at a fixed date, a
/// light band over an uncertain one, each tagged at the top ("E1").
fn draw_event_markers<DB: DrawingBackend>(
    chart: &mut ChartContext<
        '_,
        DB,
        Cartesian2d<plotters::coord::types::RangedCoordf64, plotters::coord::types::RangedCoordf64>,
    >,
    r: &Results,
    y1: f64,
) -> Res {
    let grey = RGBColor(110, 110, 110);
    for m in series::event_markers(r) {
        if m.to_day > m.from_day {
            chart
                .draw_series(std::iter::once(Rectangle::new(
                    [(m.from_day, 0.0), (m.to_day, y1)],
                    grey.mix(0.07).filled(),
                )))
                .map_err(err)?;
        }
        chart
            .draw_series(DashedLineSeries::new(
                [(m.from_day, 0.0), (m.from_day, y1)],
                4,
                3,
                grey.mix(0.8).stroke_width(1),
            ))
            .map_err(err)?;
        chart
            .draw_series(std::iter::once(Text::new(
                m.tag.clone(),
                (m.from_day, y1),
                (FONT, LABEL_PX).into_font().color(&grey),
            )))
            .map_err(err)?;
    }
    Ok(())
}

/// Cost per turn by turn number, one line per policy (sessions only).
pub fn cost_by_turn(r: &Results, size: Size) -> Result<String, String> {
    let lines: Vec<Vec<[f64; 2]>> = r.policies.iter().map(series::cost_by_turn).collect();
    let key = policy_key(r, Mark::Line);
    keyed_svg(size, &key, |root| {
        let x1 = lines.iter().flatten().map(|p| p[0]).fold(1.0, f64::max);
        let (_, y1) = range(lines.iter().flatten().map(|p| p[1]), true);
        let mut chart = builder(
            &root,
            size,
            "Cost per turn by turn number (mean; the last point holds later turns)",
        )
        .x_label_area_size(36)
        .y_label_area_size(70)
        .build_cartesian_2d(0.5..x1 + 0.5, 0.0..y1)
        .map_err(err)?;
        chart
            .configure_mesh()
            .x_labels(size.x_labels)
            .label_style((FONT, LABEL_PX))
            .axis_desc_style((FONT, LABEL_PX))
            .x_desc("turn of the session")
            .y_desc("cost per turn (US$)")
            .x_label_formatter(&|v| format!("{v:.0}"))
            .y_label_formatter(&|v| usd_axis_label(*v, y1))
            .draw()
            .map_err(err)?;
        for (i, line) in lines.iter().enumerate() {
            let c = colour(i);
            chart
                .draw_series(LineSeries::new(line.iter().map(|q| (q[0], q[1])), c.stroke_width(2)))
                .map_err(err)?;
            chart
                .draw_series(line.iter().map(|q| Circle::new((q[0], q[1]), 3, c.filled())))
                .map_err(err)?;
        }
        Ok(())
    })
}

/// Quality versus cost: one point per run per policy.
pub fn quality_vs_cost(r: &Results, size: Size) -> Result<String, String> {
    let pts: Vec<Vec<[f64; 2]>> = r.policies.iter().map(series::quality_vs_cost).collect();
    let key = policy_key(r, Mark::Dot);
    keyed_svg(size, &key, |root| {
        let (x0, x1) = range(pts.iter().flatten().map(|p| p[0]), false);
        let (y0, y1) = range(pts.iter().flatten().map(|p| p[1]), false);
        let mut chart = builder(&root, size, "Quality versus cost (one point per run)")
            .x_label_area_size(36)
            .y_label_area_size(52)
            .build_cartesian_2d(x0..x1, y0..y1)
            .map_err(err)?;
        chart
            .configure_mesh()
            .x_labels(size.x_labels)
            .label_style((FONT, LABEL_PX))
            .axis_desc_style((FONT, LABEL_PX))
            .x_desc("spend over the horizon")
            .y_desc("success rate (%)")
            .x_label_formatter(&|v| usd_axis_label(*v, x1.abs().max(x0.abs())))
            .y_label_formatter(&|v| format!("{v:.1}%"))
            .draw()
            .map_err(err)?;
        for (i, policy_pts) in pts.iter().enumerate() {
            let c = colour(i);
            chart
                .draw_series(policy_pts.iter().map(|q| Circle::new((q[0], q[1]), 2, c.filled())))
                .map_err(err)?;
        }
        Ok(())
    })
}

/// Spend by owner or by model: grouped bars (median across runs).
pub fn spend_by(r: &Results, by_owner: bool, size: Size) -> Result<String, String> {
    let groups = series::spend_groups(r, by_owner);
    let names: Vec<String> = groups.iter().map(|g| g.0.clone()).collect();
    let title = if by_owner {
        "Spend by owner (median over the horizon)"
    } else {
        "Spend by model (median over the horizon)"
    };
    let key = policy_key(r, |c| Mark::Block(c, 0.8));
    keyed_svg(size, &key, |root| {
        let (_, y1) = range(groups.iter().flat_map(|g| g.1.iter().map(|v| v.1)), true);
        let n_groups = groups.len().max(1) as f64;
        let n = r.policies.len().max(1) as f64;
        let mut chart = builder(&root, size, title)
            .x_label_area_size(36)
            .y_label_area_size(70)
            .build_cartesian_2d(-0.5..(n_groups - 0.5), 0.0..y1)
            .map_err(err)?;
        chart
            .configure_mesh()
            .label_style((FONT, LABEL_PX))
            .axis_desc_style((FONT, LABEL_PX))
            .disable_x_mesh()
            .x_labels(groups.len().max(1))
            .x_label_formatter(&|v| category_label(&names, *v))
            .y_label_formatter(&|v| usd_axis_label(*v, y1))
            .draw()
            .map_err(err)?;
        for pi in 0..r.policies.len() {
            let c = colour(pi);
            let w = 0.8 / n;
            chart
                .draw_series(groups.iter().enumerate().map(|(gi, g)| {
                    let x = gi as f64 - 0.4 + pi as f64 * w;
                    Rectangle::new([(x, 0.0), (x + w * 0.9, g.1[pi].1)], c.mix(0.8).filled())
                }))
                .map_err(err)?;
        }
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
        "cost-per-request-over-time",
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
pub fn budget_risk(r: &Results, size: Size) -> Result<String, String> {
    let key = budget_risk_key(r);
    keyed_svg(size, &key, |root| {
        let days = r.horizon_days as f64;
        let mut chart = builder(
            &root,
            size,
            "Risk of running out of budget (share of runs exhausted by each day)",
        )
        .x_label_area_size(36)
        .y_label_area_size(60)
        .build_cartesian_2d(0.0..days + 0.5, 0.0..1.05)
        .map_err(err)?;
        chart
            .configure_mesh()
            .x_labels(size.x_labels)
            .label_style((FONT, LABEL_PX))
            .axis_desc_style((FONT, LABEL_PX))
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
                .map_err(err)?;
        }
        Ok(())
    })
}

/// A tornado chart: the baseline's inputs ranked by rank correlation with its cost per
/// successful outcome, as horizontal bars (right: a higher draw raises it).
pub fn tornado(r: &Results, size: Size) -> Result<String, String> {
    let Some(s) = r.policies[0]
        .sensitivity
        .iter()
        .find(|s| s.output == crate::sim::sensitivity::Output::CostPerSuccess)
    else {
        return Err("no sensitivity for the baseline".into());
    };
    let drivers: Vec<_> = s.drivers.iter().take(8).collect();
    // The names fit their area (at most half the chart): a long path keeps its end, which
    // names the input ("…[troubleshooting].retry_on_failure").
    let label_area = (size.w / 2).min(TORNADO_LABEL_AREA_PX);
    let names: Vec<String> = drivers
        .iter()
        .map(|d| fit_tail(&d.input, label_chars(label_area)))
        .collect();
    let n = drivers.len().max(1) as f64;
    svg(size, |root| {
        let mut chart = builder(&root, size, super::summary::TORNADO_TITLE)
            .x_label_area_size(36)
            .y_label_area_size(label_area)
            .build_cartesian_2d(-1.05..1.05, -0.5..(n - 0.5))
            .map_err(err)?;
        chart
            .configure_mesh()
            .label_style((FONT, LABEL_PX))
            .axis_desc_style((FONT, LABEL_PX))
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

/// Cost per request day by day (scenarios with events), one line and band per policy, with
/// the events marked.
pub fn cost_per_request_over_time(r: &Results, size: Size) -> Result<String, String> {
    let key = spend_key(r);
    keyed_svg(size, &key, |root| {
        let days = r.horizon_days as f64;
        let bands: Vec<series::SpendBand> = r.policies.iter().map(series::daily_cost_per_request).collect();
        let (_, y1) = range(bands.iter().flat_map(|b| b.p95.iter().copied()), true);
        let mut chart = builder(&root, size, "Cost per request, day by day (median, p5–p95 band)")
            .x_label_area_size(36)
            .y_label_area_size(70)
            .build_cartesian_2d(0.0..days + 0.5, 0.0..y1)
            .map_err(err)?;
        chart
            .configure_mesh()
            .x_labels(size.x_labels)
            .label_style((FONT, LABEL_PX))
            .axis_desc_style((FONT, LABEL_PX))
            .x_desc("day of the horizon")
            .y_desc("cost per request (US$)")
            .x_label_formatter(&|v| format!("{v:.0}"))
            .y_label_formatter(&|v| usd_axis_label(*v, y1))
            .draw()
            .map_err(err)?;
        draw_event_markers(&mut chart, r, y1)?;
        for (i, b) in bands.iter().enumerate() {
            draw_band(&mut chart, b, colour(i), 0.12)?;
        }
        Ok(())
    })
}

/// Every chart of a report, as (file name, title, SVG).
pub fn all(r: &Results, size: Size) -> Vec<(String, String, Result<String, String>)> {
    let mut out = vec![(
        "spend-over-time.svg".to_string(),
        "Spend over the horizon".to_string(),
        spend_over_time(r, size),
    )];
    if r.policies.iter().any(|p| !p.daily_cost_per_request_usd.is_empty()) {
        out.push((
            "cost-per-request-over-time.svg".to_string(),
            "Cost per request, day by day".to_string(),
            cost_per_request_over_time(r, size),
        ));
    }
    if r.policies.iter().any(|p| !p.budget_risk.breach_by_day.is_empty()) {
        out.push((
            "budget-risk.svg".to_string(),
            "Risk of running out of budget".to_string(),
            budget_risk(r, size),
        ));
    }
    out.extend([(
        "cost-per-success.svg".to_string(),
        "Cost per successful outcome".to_string(),
        cost_per_success(r, size),
    )]);
    if r.policies[0].sensitivity.iter().any(|s| !s.drivers.is_empty()) {
        out.push((
            "drivers.svg".to_string(),
            super::summary::TORNADO_TITLE.to_string(),
            tornado(r, size),
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
                savings(r, i, Attribution::Shapley, SavingOf::TotalCost, size),
            ));
        }
    }
    if r.policies.iter().any(|p| !p.by_turn.is_empty()) {
        out.push((
            "cost-by-turn.svg".to_string(),
            "Cost per turn by turn number".to_string(),
            cost_by_turn(r, size),
        ));
    }
    out.push((
        "quality-vs-cost.svg".to_string(),
        "Quality versus cost".to_string(),
        quality_vs_cost(r, size),
    ));
    out.push((
        "spend-by-owner.svg".to_string(),
        "Spend by owner".to_string(),
        spend_by(r, true, size),
    ));
    out.push((
        "spend-by-model.svg".to_string(),
        "Spend by model".to_string(),
        spend_by(r, false, size),
    ));
    out
}

/// A sweep's frontier: cost per success against success rate, one point per setting with p5–p95
/// whiskers both ways, the baseline, the quality guardrail dashed, the settings that break a
/// guardrail in red and the goal seek's answer ringed.
pub fn sweep_frontier(
    r: &crate::sim::sweep::SweepResult,
    answer: Option<&crate::sim::sweep::SweepPoint>,
    size: Size,
) -> Result<String, String> {
    let base = &r.baseline_cost_per_success_usd;
    let guard = (r.baseline_success_rate.mean - r.max_success_drop) * 100.0;
    let key = sweep_key(r, answer);
    keyed_svg(size, &key, |root| {
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
        let mut chart = builder(&root, size, format!("Sweep of {} on {}", r.knob, r.policy))
            .x_label_area_size(36)
            .y_label_area_size(60)
            .build_cartesian_2d(x0..x1, y0..y1)
            .map_err(err)?;
        chart
            .configure_mesh()
            .x_labels(size.x_labels)
            .label_style((FONT, LABEL_PX))
            .axis_desc_style((FONT, LABEL_PX))
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
            .map_err(err)?;
        chart
            .draw_series(std::iter::once(Cross::new(
                (r.baseline_success_rate.mean * 100.0, base.mean),
                6,
                grey.stroke_width(2),
            )))
            .map_err(err)?;
        let ok = colour(1);
        let mut labels = Vec::new();
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
            labels.push((x, y, fmt_value(p.value)));
            if answer.is_some_and(|a| a.value == p.value) {
                chart
                    .draw_series(std::iter::once(Circle::new((x, y), 9, c.stroke_width(2))))
                    .map_err(err)?;
            }
        }
        // Labels last, over the points and whiskers.
        let font = (FONT, LABEL_PX).into_font().color(&grey);
        for (x, y, label) in unclashing(labels, |x, y| chart.backend_coord(&(x, y))) {
            chart
                .draw_series(std::iter::once(
                    EmptyElement::at((x, y)) + Text::new(label, (6, -18), font.clone()),
                ))
                .map_err(err)?;
        }
        Ok(())
    })
}

/// A box in pixels: left, top, right, bottom.
type PxBox = (i32, i32, i32, i32);

/// Whether two pixel boxes overlap.
fn overlaps(a: PxBox, b: PxBox) -> bool {
    a.0 < b.2 && b.0 < a.2 && a.1 < b.3 && b.1 < a.3
}

/// The labels (at a point, drawn above and right of it) that overlap no label kept before them;
/// `to_px` maps a point to pixels.
fn unclashing(labels: Vec<(f64, f64, String)>, to_px: impl Fn(f64, f64) -> (i32, i32)) -> Vec<(f64, f64, String)> {
    let mut kept: Vec<PxBox> = Vec::new();
    labels
        .into_iter()
        .filter(|(x, y, label)| {
            let (px, py) = to_px(*x, *y);
            let b = (
                px + 6,
                py - 18,
                px + 8 + (KEY_CHAR_PX * label.chars().count() as f64) as i32,
                py - 4,
            );
            let free = !kept.iter().any(|k| overlaps(*k, b));
            if free {
                kept.push(b);
            }
            free
        })
        .collect()
}

/// A knob's value in a label: at most 4 decimals, no trailing zeros.
pub fn fmt_value(v: f64) -> String {
    let s = format!("{v:.4}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// A backtest's daily spend: the simulated median and p5–p95 band, the actual spend as dots
/// (red outside the band).
pub fn backtest_daily(b: &crate::logs::backtest::Backtest, size: Size) -> Result<String, String> {
    let key = backtest_key();
    keyed_svg(size, &key, |root| {
        let days = b.daily.len() as f64;
        let (_, y1) = range(
            b.daily.iter().flat_map(|d| [d.simulated_p95_usd, d.actual_spend_usd]),
            true,
        );
        let mut chart = builder(&root, size, format!("Backtest of {} from {}", b.policy, b.start_date))
            .x_label_area_size(36)
            .y_label_area_size(70)
            .build_cartesian_2d(-0.5..days - 0.5, 0.0..y1)
            .map_err(err)?;
        chart
            .configure_mesh()
            .x_labels(size.x_labels)
            .label_style((FONT, LABEL_PX))
            .axis_desc_style((FONT, LABEL_PX))
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
            .map_err(err)?;
        chart
            .draw_series(LineSeries::new(
                b.daily.iter().enumerate().map(|(i, d)| (i as f64, d.simulated_p50_usd)),
                c.stroke_width(2),
            ))
            .map_err(err)?;
        let black = RGBColor(30, 30, 30);
        chart
            .draw_series(b.daily.iter().enumerate().map(|(i, d)| {
                let col = if d.inside { black } else { RED };
                Circle::new((i as f64, d.actual_spend_usd), 3, col.filled())
            }))
            .map_err(err)?;
        // Below the band: spend per day starts at 0, and the band sits well above it.
        Ok(())
    })
}
