//! The Overview and Charts tabs: key figures against the baseline, risk flags and charts
//! (egui_plot), drawn from the results on screen.

use egui::{Color32, RichText, Ui};
use egui_plot::{Bar, BarChart, BoxElem, BoxPlot, BoxSpread, FilledArea, Line, Plot, PlotPoints, Points};

use super::command::Command;
use super::key::{self, Mark};
use super::series::{self, Attribution, SavingOf};
use crate::report::figures::KEY_FIGURES;
use crate::report::format::usd;
use crate::sim::results::Results;

/// The Overview and Charts tabs' own state.
pub struct ResultsView {
    pub attribution: Attribution,
    pub saving_of: SavingOf,
    pub savings_policy: usize,
    /// The "What drives the spread" view: the policy and the output.
    pub drivers_policy: usize,
    pub drivers_output: crate::sim::sensitivity::Output,
}

impl Default for ResultsView {
    fn default() -> Self {
        ResultsView {
            attribution: Attribution::Shapley,
            saving_of: SavingOf::TotalCost,
            savings_policy: 1,
            drivers_policy: 0,
            drivers_output: crate::sim::sensitivity::Output::CostPerSuccess,
        }
    }
}

/// The colour of the i-th policy (the baseline grey).
pub fn colour(i: usize) -> Color32 {
    super::rgb(crate::report::theme::policy(i))
}

/// Key figures: one row per policy, p50 with p5–p95 and the paired delta.
pub fn key_figures(ui: &mut Ui, r: &Results) {
    // Narrow windows scroll the table sideways rather than cutting columns off.
    egui::ScrollArea::horizontal()
        .id_salt("key_figures_scroll")
        .show(ui, |ui| key_figures_grid(ui, r));
}

fn key_figures_grid(ui: &mut Ui, r: &Results) {
    use crate::report::figures::{Verdict, key_figure_rows};
    use crate::report::theme;
    egui::Grid::new("key_figures")
        .striped(true)
        .spacing([10.0, 6.0])
        .min_col_width(96.0)
        .show(ui, |ui| {
            ui.strong("Policy");
            for (_, title) in KEY_FIGURES {
                ui.strong(title);
            }
            ui.end_row();
            for (i, row) in key_figure_rows(r).iter().enumerate() {
                ui.label(RichText::new(row.label()).color(colour(i)).strong());
                for c in &row.cells {
                    ui.vertical(|ui| {
                        ui.label(RichText::new(&c.p50).strong());
                        ui.label(
                            RichText::new(format!("{} – {}", c.p5, c.p95))
                                .size(12.0)
                                .color(ui.visuals().text_color().gamma_multiply(0.8)),
                        );
                        if let Some(d) = &c.delta {
                            let colour = match d.verdict {
                                Verdict::Same => Color32::GRAY,
                                Verdict::Better => super::rgb(theme::BETTER),
                                Verdict::Worse => super::rgb(theme::WORSE),
                            };
                            ui.label(
                                RichText::new(format!("{} · {}", d.mean, d.p_better))
                                    .size(12.0)
                                    .color(colour),
                            )
                            .on_hover_text(format!(
                                "mean {} {} (90% margin of the mean); run-to-run range {} to {}",
                                d.mean, d.margin, d.p5, d.p95
                            ));
                        }
                    });
                }
                ui.end_row();
            }
        });
}

/// Risk flags with the number behind each and a one-line explanation.
pub fn risk_flags(ui: &mut Ui, r: &Results) {
    let mut any = false;
    for (i, p) in r.policies.iter().enumerate() {
        for f in &p.risk_flags {
            any = true;
            ui.horizontal_wrapped(|ui| {
                ui.label(
                    RichText::new(format!("(!) {}", crate::report::summary::kind_words(f.kind)))
                        .color(super::rgb(crate::report::theme::WARNING))
                        .strong(),
                );
                ui.label(RichText::new(&p.name).color(colour(i)));
                ui.label(crate::report::risks::message(f));
            });
            ui.label(
                RichText::new(format!("    {}", crate::report::risks::explanation(f)))
                    .small()
                    .weak(),
            );
        }
    }
    if let Some(note) = crate::report::format::flags_not_evaluated(r) {
        ui.label(RichText::new(note).small().weak());
    }
    if !any {
        ui.label("No risk flags.");
    }
}

/// Hover text for plots whose y axis is in dollars: the item's name and the exact amount.
fn usd_hover(h: &egui_plot::HoverPosition<'_>) -> Option<String> {
    match h {
        egui_plot::HoverPosition::NearDataPoint {
            plot_name, position, ..
        } => Some(format!("{plot_name}: {}", usd(position.y))),
        egui_plot::HoverPosition::Elsewhere { .. } => None,
    }
}

fn usd_axis(mark: egui_plot::GridMark, _range: &std::ops::RangeInclusive<f64>) -> String {
    usd(mark.value)
}

/// Spend over the horizon: median and p5–p95 band per policy, and the budget lines.
pub fn spend_chart(ui: &mut Ui, r: &Results, start: Option<crate::date::Date>) {
    let mut entries = key::policies(Mark::Line, r.policies.iter().map(|p| p.name.as_str()));
    if r.policies.iter().any(|p| series::budget_line_on_chart(r, p).is_some()) {
        entries.push(key::Entry::new(
            Mark::Dashed,
            Color32::GRAY,
            "budget (the policy's colour)",
        ));
    }
    entries.push(key::Entry::new(
        Mark::Block,
        Color32::GRAY.gamma_multiply(0.4),
        "p5–p95 of runs",
    ));
    let markers = series::event_markers(r);
    let spend_top = r
        .policies
        .iter()
        .flat_map(|p| p.cumulative_spend_usd.p95.iter().copied())
        .fold(0.0f64, f64::max);
    if !markers.is_empty() {
        entries.push(key::Entry::new(
            Mark::Dashed,
            Color32::GRAY,
            "E1…: events (a band: an uncertain date)",
        ));
    }
    key::row(ui, &entries);
    plot(ui, "spend_over_time")
        .height(240.0)
        .x_axis_label("day of the horizon")
        .y_axis_label("cumulative spend")
        .y_axis_formatter(usd_axis)
        .label_formatter(move |h| match h {
            egui_plot::HoverPosition::NearDataPoint {
                plot_name, position, ..
            } => Some(format!(
                "{plot_name}: {} by {}",
                usd(position.y),
                crate::report::risks::day_label(start, position.x - 1.0)
            )),
            egui_plot::HoverPosition::Elsewhere { .. } => None,
        })
        .show(ui, |plot| {
            for (i, p) in r.policies.iter().enumerate() {
                let band = series::spend_band(p);
                let pts: Vec<[f64; 2]> = band.days.iter().zip(&band.p50).map(|(x, y)| [*x, *y]).collect();
                plot.line(
                    Line::new(p.name.clone(), PlotPoints::from(pts))
                        .color(colour(i))
                        .width(2.0),
                );
                plot.add(
                    FilledArea::new(p.name.clone(), &band.days, &band.p5, &band.p95)
                        .fill_color(colour(i).gamma_multiply(0.25)),
                );
                if let Some(b) = series::budget_line_on_chart(r, p) {
                    plot.line(
                        Line::new(format!("{} budget", p.name), PlotPoints::from(b))
                            .color(colour(i))
                            .style(egui_plot::LineStyle::dashed_loose()),
                    );
                }
            }
            event_markers(plot, &markers, spend_top);
        });
    daily_cost_chart(ui, r, &markers);
    events_table(ui, r);
}

/// With events: each day's cost per request (median and p5–p95 band per policy), the events
/// marked.
fn daily_cost_chart(ui: &mut Ui, r: &Results, markers: &[series::EventMarker]) {
    if r.policies.iter().all(|p| p.daily_cost_per_request_usd.is_empty()) {
        return;
    }
    ui.label(egui::RichText::new("Cost per request, day by day").strong());
    let bands: Vec<series::SpendBand> = r.policies.iter().map(series::daily_cost_per_request).collect();
    let top = bands.iter().flat_map(|b| b.p95.iter().copied()).fold(0.0f64, f64::max);
    plot(ui, "daily_cost_per_request")
        .height(200.0)
        .x_axis_label("day of the horizon")
        .y_axis_label("cost per request")
        .y_axis_formatter(usd_axis)
        .include_y(0.0)
        .show(ui, |plot| {
            for (i, (p, b)) in r.policies.iter().zip(&bands).enumerate() {
                let pts: Vec<[f64; 2]> = b.days.iter().zip(&b.p50).map(|(x, y)| [*x, *y]).collect();
                plot.line(
                    Line::new(p.name.clone(), PlotPoints::from(pts))
                        .color(colour(i))
                        .width(2.0),
                );
                plot.add(
                    FilledArea::new(p.name.clone(), &b.days, &b.p5, &b.p95).fill_color(colour(i).gamma_multiply(0.2)),
                );
            }
            event_markers(plot, markers, top);
        });
}

/// The events on the spend plot: a dashed line and its tag at a fixed date, a band (labelled
/// with its tag) over an uncertain one.
fn event_markers(plot: &mut egui_plot::PlotUi<'_>, markers: &[series::EventMarker], spend_top: f64) {
    for m in markers {
        let name = format!("{} {}", m.tag, m.label);
        if m.to_day > m.from_day {
            // A span draws its own name as its label: the tag alone.
            plot.add(
                egui_plot::Span::new(m.tag.clone(), m.from_day..=m.to_day)
                    .fill(Color32::GRAY.gamma_multiply(0.12))
                    .border_color(Color32::GRAY)
                    .border_style(egui_plot::LineStyle::dashed_loose()),
            );
        } else {
            // The tag at the top of the spend (from the data, so that it never widens
            // the plot's bounds it is placed by).
            plot.text(
                egui_plot::Text::new(
                    name.clone(),
                    egui_plot::PlotPoint::new(m.from_day, spend_top),
                    m.tag.clone(),
                )
                .color(Color32::GRAY)
                .anchor(egui::Align2::LEFT_TOP),
            );
            plot.vline(
                egui_plot::VLine::new(name, m.from_day)
                    .color(Color32::GRAY)
                    .style(egui_plot::LineStyle::dashed_loose()),
            );
        }
    }
}

/// What each event does to each policy's spend over the horizon, and the regret table (the
/// report's events section).
fn events_table(ui: &mut Ui, r: &Results) {
    if r.events.is_empty() {
        return;
    }
    if r.event_effects_measured() {
        let (header, rows) = crate::report::summary::event_rows(r);
        ui.label(
            egui::RichText::new(
                "What each event does to the spend over the horizon (with it minus without it, paired runs; mean [p5 – p95])",
            )
            .strong(),
        );
        grid(ui, "events_grid", &header, &rows);
        for e in r.events.iter().filter(|e| !e.depending_policies.is_empty()) {
            ui.label(egui::RichText::new(crate::report::summary::depends_sentence(e)).weak());
        }
    } else {
        ui.label(egui::RichText::new("What each event does to the spend comes with the full run.").weak());
    }
    ui.label(
        egui::RichText::new("Across the uncertain futures (regret: a policy's spend minus the cheapest's, run by run)")
            .strong(),
    );
    let (header, rows) = crate::report::summary::futures_rows(r);
    grid(ui, "futures_grid", &header, &rows);
}

/// A table of the report's cells, scrolling sideways when narrow.
fn grid(ui: &mut Ui, id: &str, header: &[String], rows: &[Vec<crate::report::summary::Cell>]) {
    egui::ScrollArea::horizontal().id_salt(id).show(ui, |ui| {
        egui::Grid::new(id).striped(true).show(ui, |ui| {
            for h in header {
                ui.label(egui::RichText::new(h).strong());
            }
            ui.end_row();
            for row in rows {
                for c in row {
                    ui.label(&c.text);
                }
                ui.end_row();
            }
        });
    });
}

/// Distribution of the cost per successful outcome, one line per policy.
pub fn cps_distribution(ui: &mut Ui, r: &Results) {
    let curves = series::cost_per_success_densities(r, 200);
    let top = curves
        .iter()
        .flat_map(|(_, p)| p.iter().map(|x| x[1]))
        .fold(0.0f64, f64::max);
    key::row(ui, &key::policies(Mark::Block, curves.iter().map(|(n, _)| n.as_str())));
    plot(ui, "cps_distribution")
        .height(200.0)
        .x_axis_label("cost per successful outcome")
        .x_axis_formatter(usd_axis)
        .label_formatter(|h| match h {
            egui_plot::HoverPosition::NearDataPoint {
                plot_name, position, ..
            } => Some(format!("{plot_name}: runs near {}", usd(position.x))),
            egui_plot::HoverPosition::Elsewhere { .. } => None,
        })
        .y_axis_label("how often (density of runs)")
        .y_axis_formatter(|_, _| String::new())
        .include_y(0.0)
        .include_y(top * 1.25)
        .show(ui, |plot| {
            for (i, (name, pts)) in curves.into_iter().enumerate() {
                plot.line(Line::new(name, PlotPoints::from(pts)).color(colour(i)).fill(0.0));
            }
        });
}

/// A plot as every view wants it: the mouse wheel scrolls the page (it zooms only with Ctrl,
/// and a double-click resets the view), so scrolling past a chart never pans it into emptiness.
/// The id of the window's plot named `name` (each name is used once).
pub fn plot_id(name: &str) -> egui::Id {
    egui::Id::unique(("costplan_plot", name))
}

/// Where the user has zoomed or moved it, a "Reset view" button above it puts it back.
pub fn plot(ui: &mut Ui, name: &str) -> Plot<'static> {
    let id = plot_id(name);
    let moved = egui_plot::PlotMemory::load(ui.ctx(), id).is_some_and(|m| !m.auto_bounds.x || !m.auto_bounds.y);
    let reset = moved
        && ui
            .small_button("Reset view")
            .on_hover_text("The chart was zoomed or moved; show all of it again")
            .clicked();
    let p = Plot::new(name.to_string()).id(id).allow_scroll(false);
    if reset { p.reset() } else { p }
}

/// Quality versus cost: one point per run per policy.
pub fn quality_vs_cost(ui: &mut Ui, r: &Results) {
    key::row(
        ui,
        &key::policies(Mark::Dot, r.policies.iter().map(|p| p.name.as_str())),
    );
    plot(ui, "quality_vs_cost")
        .height(220.0)
        .x_axis_label("spend over the horizon")
        .x_axis_formatter(usd_axis)
        .y_axis_label("success rate (%)")
        .label_formatter(|h| match h {
            egui_plot::HoverPosition::NearDataPoint {
                plot_name, position, ..
            } => Some(format!("{plot_name}: {} · {:.2}% success", usd(position.x), position.y)),
            egui_plot::HoverPosition::Elsewhere { .. } => None,
        })
        .show(ui, |plot| {
            for (i, p) in r.policies.iter().enumerate() {
                plot.points(
                    Points::new(p.name.clone(), PlotPoints::from(series::quality_vs_cost(p)))
                        .color(colour(i))
                        .radius(2.5),
                );
            }
        });
}

/// Sessions: cost per turn by turn number, one line per policy (the history's growth, and
/// what caching and compaction do to it).
pub fn cost_by_turn(ui: &mut Ui, r: &Results) {
    key::row(
        ui,
        &key::policies(Mark::Line, r.policies.iter().map(|p| p.name.as_str())),
    );
    plot(ui, "cost_by_turn")
        .height(220.0)
        .x_axis_label("turn of the session")
        .y_axis_label("cost per turn")
        .y_axis_formatter(usd_axis)
        .label_formatter(|h| match h {
            egui_plot::HoverPosition::NearDataPoint {
                plot_name, position, ..
            } => Some(format!("{plot_name}: turn {:.0} · {}", position.x, usd(position.y))),
            egui_plot::HoverPosition::Elsewhere { .. } => None,
        })
        .show(ui, |plot| {
            for (i, p) in r.policies.iter().enumerate() {
                let pts = series::cost_by_turn(p);
                plot.line(Line::new(p.name.clone(), PlotPoints::from(pts.clone())).color(colour(i)));
                plot.points(
                    Points::new(p.name.clone(), PlotPoints::from(pts))
                        .color(colour(i))
                        .radius(3.0),
                );
            }
        });
}

impl ResultsView {
    /// Savings by tactic with p5–p95 whiskers, for the chosen candidate.
    pub fn savings_chart(&mut self, ui: &mut Ui, r: &Results) {
        if r.policies.len() < 2 {
            ui.label("Savings by tactic need a candidate besides the baseline.");
            return;
        }
        self.savings_policy = self.savings_policy.clamp(1, r.policies.len() - 1);
        ui.horizontal(|ui| {
            let l = ui.label("Candidate");
            egui::ComboBox::from_id_salt("savings_policy")
                .selected_text(&r.policies[self.savings_policy].name)
                .show_ui(ui, |ui| {
                    for (i, p) in r.policies.iter().enumerate().skip(1) {
                        ui.selectable_value(&mut self.savings_policy, i, &p.name);
                    }
                })
                .response
                .labelled_by(l.id);
            ui.selectable_value(&mut self.attribution, Attribution::Shapley, "Shapley");
            ui.selectable_value(&mut self.attribution, Attribution::Waterfall, "Waterfall");
            ui.selectable_value(&mut self.saving_of, SavingOf::TotalCost, "Total cost");
            ui.selectable_value(&mut self.saving_of, SavingOf::CostPerSuccess, "Cost per success");
        });
        let bars = series::savings_bars(&r.policies[self.savings_policy], self.attribution, self.saving_of);
        if bars.is_empty() {
            ui.label("No attribution for this policy (it equals the baseline, or attribution was skipped).");
            return;
        }
        let names: Vec<&'static str> = bars.iter().map(|b| b.tactic.name()).collect();
        let colour_i = self.savings_policy;
        let top = bars.iter().map(|b| b.p95.max(b.mean)).fold(0.0f64, f64::max);
        plot(ui, "savings_by_tactic")
            .height(200.0)
            .include_y(top * 1.2)
            .label_formatter(usd_hover)
            .include_y(0.0)
            .include_x(-0.6)
            .include_x(bars.len() as f64 - 0.4)
            .y_axis_label("saving (US$)")
            .y_axis_formatter(usd_axis)
            .x_axis_formatter(move |m, _| {
                names
                    .get(m.value.round() as usize)
                    .filter(|_| (m.value - m.value.round()).abs() < 1e-6)
                    .map(|s| s.to_string())
                    .unwrap_or_default()
            })
            .show(ui, |plot| {
                let chart = BarChart::new(
                    "mean saving",
                    bars.iter()
                        .map(|b| Bar::new(b.x, b.mean).name(b.tactic.name()).width(0.6))
                        .collect(),
                )
                .color(colour(colour_i))
                .element_formatter(Box::new(|b: &Bar, _: &BarChart| {
                    format!("{}: mean saving {}", b.name, usd(b.value))
                }));
                plot.bar_chart(chart);
                let whiskers = BoxPlot::new(
                    "p5–p95",
                    bars.iter()
                        .map(|b| {
                            BoxElem::new(b.x, BoxSpread::new(b.p5, b.mean, b.mean, b.mean, b.p95))
                                .box_width(0.05)
                                .whisker_width(0.3)
                                .name(b.tactic.name())
                        })
                        .collect(),
                )
                .color(Color32::DARK_GRAY)
                .element_formatter(Box::new(|e: &BoxElem, _: &BoxPlot| {
                    format!(
                        "{}: p5 {} – p95 {}",
                        e.name,
                        usd(e.spread.lower_whisker),
                        usd(e.spread.upper_whisker)
                    )
                }));
                plot.box_plot(whiskers);
            });
    }
}

/// Spend by owner or by model: grouped bars (median across runs).
pub fn spend_by(ui: &mut Ui, r: &Results, by_owner: bool) {
    let groups = series::spend_groups(r, by_owner);
    let n = r.policies.len().max(1) as f64;
    let names: Vec<String> = groups.iter().map(|g| g.0.clone()).collect();
    // Headroom above the tallest bar, so its hover label is not cut at the top.
    let top = groups
        .iter()
        .flat_map(|g| g.1.iter().map(|x| x.1))
        .fold(0.0f64, f64::max);
    key::row(
        ui,
        &key::policies(Mark::Block, r.policies.iter().map(|p| p.name.as_str())),
    );
    plot(ui, if by_owner { "spend_by_owner" } else { "spend_by_model" })
        .height(180.0)
        .include_y(top * 1.2)
        .label_formatter(usd_hover)
        .y_axis_formatter(usd_axis)
        .x_axis_formatter(move |m, _| {
            names
                .get(m.value.round() as usize)
                .filter(|_| (m.value - m.value.round()).abs() < 1e-6)
                .cloned()
                .unwrap_or_default()
        })
        .show(ui, |plot| {
            for (pi, p) in r.policies.iter().enumerate() {
                let bars = groups
                    .iter()
                    .enumerate()
                    .map(|(gi, (g, vals))| {
                        Bar::new(gi as f64 + (pi as f64 - (n - 1.0) / 2.0) * 0.8 / n, vals[pi].1)
                            .width(0.8 / n)
                            .name(g)
                    })
                    .collect();
                let policy = p.name.clone();
                plot.bar_chart(
                    BarChart::new(p.name.clone(), bars)
                        .color(colour(pi))
                        .element_formatter(Box::new(move |b: &Bar, _: &BarChart| {
                            format!("{policy}, {}: {} (median)", b.name, usd(b.value))
                        })),
                );
            }
        });
}

/// A budget you can defend: per policy, the cap that keeps the risk of running out at 10 %, and
/// for policies with a budget, the share of runs that exhausted it by each day.
pub fn budget_risk(ui: &mut Ui, r: &Results) {
    egui::Grid::new("budget_risk").striped(true).show(ui, |ui| {
        ui.strong("Policy");
        let risk = r.policies.first().map_or(0.1, |p| p.budget_risk.risk);
        ui.strong(format!(
            "Budget with a {} risk of running out",
            crate::report::format::pct(risk)
        ));
        ui.strong("Its own budget runs out by the horizon in");
        ui.end_row();
        for (i, p) in r.policies.iter().enumerate() {
            let b = &p.budget_risk;
            ui.label(RichText::new(&p.name).color(colour(i)));
            ui.label(format!(
                "{} a {}{}",
                usd(b.safe_cap_usd),
                b.period,
                if b.capped_spend {
                    " (spend was capped: a lower bound)"
                } else {
                    ""
                }
            ))
            .on_hover_text(format!(
                "The {:.0}th percentile, over {} runs, of the highest spend in any one {} of the horizon ({})",
                (1.0 - b.risk) * 100.0,
                r.runs,
                b.period,
                crate::report::summary::budget_basis(b, b.period)
            ));
            ui.label(
                b.breach_by_day
                    .last()
                    .map(|x| crate::report::format::pct(*x) + " of runs")
                    .unwrap_or_else(|| "no budget".into()),
            );
            ui.end_row();
        }
    });
    if r.policies.iter().all(|p| p.budget_risk.breach_by_day.is_empty()) {
        return;
    }
    let with_curve = r
        .policies
        .iter()
        .enumerate()
        .filter(|(_, p)| !p.budget_risk.breach_by_day.is_empty());
    let entries: Vec<key::Entry> = with_curve
        .map(|(i, p)| key::Entry::new(Mark::Line, colour(i), p.name.clone()))
        .collect();
    key::row(ui, &entries);
    plot(ui, "budget_risk")
        .height(160.0)
        .x_axis_label("day of the horizon")
        .y_axis_label("runs out by then")
        .y_axis_formatter(|m, _| format!("{:.0}%", m.value * 100.0))
        .include_y(0.0)
        .include_y(1.05)
        .show(ui, |plot| {
            for (i, p) in r.policies.iter().enumerate() {
                let curve = &p.budget_risk.breach_by_day;
                if curve.is_empty() {
                    continue;
                }
                let pts: Vec<[f64; 2]> = curve.iter().enumerate().map(|(d, y)| [(d + 1) as f64, *y]).collect();
                plot.line(
                    Line::new(p.name.clone(), PlotPoints::from(pts))
                        .color(colour(i))
                        .width(2.0),
                );
            }
        });
}

impl ResultsView {
    /// The policy and output the tornado is for.
    fn drivers_pickers(&mut self, ui: &mut Ui, r: &Results) {
        use crate::sim::sensitivity::Output;
        let p = &r.policies[self.drivers_policy];
        ui.horizontal(|ui| {
            let l = ui.label("Policy");
            egui::ComboBox::from_id_salt("drivers_policy")
                .selected_text(&p.name)
                .show_ui(ui, |ui| {
                    for (i, q) in r.policies.iter().enumerate() {
                        ui.selectable_value(&mut self.drivers_policy, i, &q.name);
                    }
                })
                .response
                .labelled_by(l.id);
            for o in [
                Output::Spend,
                Output::CostPerSuccess,
                Output::SuccessRate,
                Output::SavingVsBaseline,
            ] {
                if o != Output::SavingVsBaseline || self.drivers_policy > 0 {
                    ui.selectable_value(&mut self.drivers_output, o, crate::report::summary::output_name(o));
                }
            }
        });
    }

    /// What drives the spread: a tornado of rank correlations for the chosen policy and output.
    pub fn drivers_chart(&mut self, ui: &mut Ui, r: &Results) {
        self.drivers_policy = self.drivers_policy.min(r.policies.len().saturating_sub(1));
        self.drivers_pickers(ui, r);
        let p = &r.policies[self.drivers_policy];
        let Some(s) = p.sensitivity.iter().find(|s| s.output == self.drivers_output) else {
            ui.label("No uncertain input reaches this output.");
            return;
        };
        if s.no_spread {
            ui.label("This output does not vary across runs: no input drives it.");
            return;
        }
        let drivers: Vec<_> = s.drivers.iter().take(10).collect();
        if drivers.is_empty() {
            ui.label("Every input is fixed: nothing uncertain drives the spread.");
            return;
        }
        let n = drivers.len();
        let names: Vec<String> = drivers.iter().map(|d| d.input.clone()).collect();
        let noise = s.noise_level;
        ui.label(
            RichText::new(format!(
                "Rank correlation across {} runs; within ±{noise:.2} (dashed) is chance. Share of the explained spread on hover.",
                r.runs
            ))
            .size(12.0),
        );
        plot(ui, "drivers")
            .height(34.0 + 26.0 * n as f64 as f32)
            .include_x(-1.0)
            .include_x(1.0)
            .x_axis_label("rank correlation")
            .y_axis_formatter(move |m, _| {
                let i = (n as f64 - 1.0 - m.value).round();
                if (m.value - m.value.round()).abs() < 1e-6 && i >= 0.0 {
                    names.get(i as usize).cloned().unwrap_or_default()
                } else {
                    String::new()
                }
            })
            .y_axis_min_width(220.0)
            .show(ui, |plot| {
                let bars: Vec<Bar> = drivers
                    .iter()
                    .enumerate()
                    .map(|(i, d)| {
                        Bar::new((n - 1 - i) as f64, d.rank_correlation)
                            .name(format!(
                                "{} · {:+.2} · {} of the spread",
                                d.input,
                                d.rank_correlation,
                                crate::report::format::pct(d.share)
                            ))
                            .fill(if d.rank_correlation >= 0.0 {
                                colour(2)
                            } else {
                                colour(1)
                            })
                            .width(0.7)
                    })
                    .collect();
                plot.bar_chart(BarChart::new("drivers", bars).horizontal());
                for x in [-noise, noise] {
                    plot.vline(egui_plot::VLine::new("chance level", x).style(egui_plot::LineStyle::dashed_loose()));
                }
            });
    }
}

impl ResultsView {
    /// The Overview tab: key figures, risk flags, spend, a defensible budget, savings by tactic.
    pub fn overview(&mut self, ui: &mut Ui, results: Option<&Results>, preview: bool, running: bool) -> Vec<Command> {
        let Some(r) = results else {
            return no_results(ui, running);
        };
        let note = if preview { " (preview; refining)" } else { "" };
        ui.heading(format!(
            "{} — {} runs × {} days{note}",
            r.scenario, r.runs, r.horizon_days
        ));
        ui.label(
            egui::RichText::new(format!(
                "Ranges are run-to-run (p5–p95) over {} runs; deltas are paired means · {} · this result took {:.2} s",
                r.runs,
                crate::report::format::engine_summary(&r.engine),
                r.engine.wall_seconds
            ))
            .small(),
        );
        key_figures(ui, r);
        ui.separator();
        ui.heading("Risk flags");
        risk_flags(ui, r);
        ui.separator();
        ui.heading("Spend over the horizon");
        spend_chart(ui, r, r.start_date);
        ui.heading("A budget you can defend");
        budget_risk(ui, r);
        ui.heading("Savings by tactic");
        self.savings_chart(ui, r);
        Vec::new()
    }

    /// The Charts tab: distributions, quality against cost, spend by owner and model, drivers.
    pub fn charts(&mut self, ui: &mut Ui, results: Option<&Results>, running: bool) -> Vec<Command> {
        let Some(r) = results else {
            return no_results(ui, running);
        };
        ui.heading("Cost per successful outcome");
        cps_distribution(ui, r);
        if r.policies.iter().any(|p| !p.by_turn.is_empty()) {
            ui.heading("Cost per turn by turn number (sessions)");
            cost_by_turn(ui, r);
        }
        ui.heading("Quality versus cost (one point per run)");
        quality_vs_cost(ui, r);
        ui.heading("Spend by owner");
        spend_by(ui, r, true);
        ui.heading("Spend by model");
        spend_by(ui, r, false);
        ui.heading("What drives the spread");
        self.drivers_chart(ui, r);
        Vec::new()
    }
}

/// The view without figures: a spinner while the first run goes on; once nothing runs (the
/// first run was cancelled), an empty state that says so and offers to run — no animation, so
/// an idle window stays idle.
fn no_results(ui: &mut Ui, running: bool) -> Vec<Command> {
    if running {
        ui.horizontal(|ui| {
            ui.add(egui::Spinner::new());
            ui.label("Simulating…");
        });
        return Vec::new();
    }
    ui.label("No figures yet: the run was cancelled before its first result, and nothing is running.");
    if ui.button("Run (Ctrl+R)").clicked() {
        vec![Command::Run]
    } else {
        Vec::new()
    }
}
