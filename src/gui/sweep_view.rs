//! The Sweep view: pick a policy, one of its numeric knobs, a range and a number of points; all
//! settings are simulated beside the baseline on the same tasks, and the frontier (cost per
//! success against success rate, p5–p95) is drawn with the quality guardrail. A point can become
//! a new policy version of the scenario.

use egui::{Color32, RichText, Ui};
use egui_plot::{Legend, Line, PlotPoints, Points, VLine};

use crate::gui::worker::{Job, JobMessage};
use crate::model::{Policy, Scenario};
use crate::sim::results::SimOptions;
use crate::sim::sweep::{Knob, SweepResult, SweepSpec, cheapest_within_guardrail, sweep_points, sweep_scenario};

/// What the view asks the app to do.
pub enum SweepCommand {
    /// Add this policy version to the scenario.
    AddPolicy(Box<Policy>),
}

/// The view's state.
pub struct SweepView {
    pub policy: usize,
    pub knob: Knob,
    pub from: f64,
    pub to: f64,
    pub points: usize,
    job: Option<(Job, SweepSpec, String)>,
    pub result: Option<SweepResult>,
    pub problem: Option<String>,
}

impl Default for SweepView {
    fn default() -> Self {
        SweepView {
            policy: 1,
            knob: Knob::StrongShare,
            from: 0.1,
            to: 0.6,
            points: 11,
            job: None,
            result: None,
            problem: None,
        }
    }
}

/// The knobs a policy has (those a sweep can set on it).
pub fn knobs_of(p: &Policy) -> Vec<Knob> {
    Knob::ALL
        .iter()
        .map(|(k, _)| *k)
        .filter(|k| k.set(&mut p.clone(), default_range(*k).0).is_ok())
        .collect()
}

/// A sensible starting range for a knob.
pub fn default_range(k: Knob) -> (f64, f64) {
    match k {
        Knob::PromptCacheTtl => (5.0, 60.0),
        Knob::ContextCap => (8000.0, 128000.0),
        Knob::BudgetCap => (100.0, 10000.0),
        _ => (0.1, 0.9),
    }
}

/// A new version of `p` with `knob` set to `x`: the name says the setting, the version is bumped.
pub fn new_version(p: &Policy, knob: Knob, x: f64) -> Result<Policy, String> {
    let mut q = p.clone();
    knob.set(&mut q, x)?;
    q.name = format!("{} ({}={x})", p.name, knob.path());
    q.version = match p.version.rsplit_once('.') {
        Some((head, n)) if n.parse::<u64>().is_ok() => format!("{head}.{}", n.parse::<u64>().unwrap_or(0) + 1),
        _ if p.version.parse::<u64>().is_ok() => (p.version.parse::<u64>().unwrap_or(0) + 1).to_string(),
        _ if p.version.is_empty() => "2".into(),
        _ => format!("{}.1", p.version),
    };
    Ok(q)
}

impl SweepView {
    /// Draws the view; `repaint` wakes the window when the sweep's simulation has news.
    pub fn ui(
        &mut self,
        ui: &mut Ui,
        scn: &Scenario,
        repaint: impl Fn() + Send + Sync + 'static,
    ) -> Option<SweepCommand> {
        let mut command = None;
        self.poll(scn);
        if scn.policies.is_empty() {
            return None;
        }
        self.policy = self.policy.min(scn.policies.len() - 1);
        let policy = &scn.policies[self.policy];
        let knobs = knobs_of(policy);
        ui.horizontal_wrapped(|ui| {
            let l = ui.label("Policy");
            egui::ComboBox::from_id_salt("sweep_policy")
                .selected_text(&policy.name)
                .show_ui(ui, |ui| {
                    for (i, p) in scn.policies.iter().enumerate() {
                        ui.selectable_value(&mut self.policy, i, &p.name);
                    }
                })
                .response
                .labelled_by(l.id);
            if knobs.is_empty() {
                ui.label("This policy has no numeric knob to sweep (a learned router, caches, context cap, budget, batch share or a cascade verifier).");
                return;
            }
            if !knobs.contains(&self.knob) {
                self.knob = knobs[0];
                (self.from, self.to) = default_range(self.knob);
            }
            let l = ui.label("Knob");
            let before = self.knob;
            egui::ComboBox::from_id_salt("sweep_knob")
                .selected_text(self.knob.path())
                .show_ui(ui, |ui| {
                    for k in &knobs {
                        ui.selectable_value(&mut self.knob, *k, k.path());
                    }
                })
                .response
                .labelled_by(l.id);
            if self.knob != before {
                (self.from, self.to) = default_range(self.knob);
            }
            for (label, v) in [("From", &mut self.from), ("To", &mut self.to)] {
                let l = ui.label(label);
                ui.add(egui::DragValue::new(v).speed(0.01)).labelled_by(l.id);
            }
            let l = ui.label("Points");
            ui.add(egui::DragValue::new(&mut self.points).range(2..=crate::sim::sweep::MAX_SWEEP_POINTS))
                .labelled_by(l.id);
            let running = self.job.as_ref().is_some_and(|(j, _, _)| !j.finished);
            if running {
                if ui.button("Cancel sweep").clicked() {
                    self.job = None;
                }
            } else if ui.button("Run the sweep").clicked() {
                self.start(scn, repaint);
            }
        });
        if let Some((j, _, _)) = self.job.as_ref().filter(|(j, _, _)| !j.finished) {
            let (d, t) = j.progress();
            ui.add(
                egui::ProgressBar::new(if t > 0 { d as f32 / t as f32 } else { 0.0 })
                    .desired_width(240.0)
                    .text(if t == 0 {
                        "sweeping: starting (after any simulation already running)…".to_string()
                    } else {
                        format!("sweeping: {d}/{t} runs")
                    }),
            );
        }
        if let Some(p) = &self.problem {
            ui.label(RichText::new(p).color(Color32::from_rgb(220, 80, 60)));
        }
        if let Some(r) = &self.result {
            command = frontier(ui, r, &scn.policies, self.knob);
        }
        command
    }

    fn start(&mut self, scn: &Scenario, repaint: impl Fn() + Send + Sync + 'static) {
        let spec = SweepSpec {
            knob: self.knob,
            from: self.from,
            to: self.to,
            points: self.points.clamp(2, crate::sim::sweep::MAX_SWEEP_POINTS),
        };
        let name = scn.policies[self.policy].name.clone();
        match sweep_scenario(scn, &name, &spec) {
            Ok(s) => {
                self.problem = None;
                let opts = SimOptions {
                    skip_attribution: true,
                    ..Default::default()
                };
                self.job = Some((Job::start(s, opts, repaint), spec, name));
            }
            Err(e) => self.problem = Some(e),
        }
    }

    fn poll(&mut self, scn: &Scenario) {
        let Some((job, spec, name)) = &mut self.job else { return };
        while let Some(msg) = job.poll() {
            match msg {
                JobMessage::Preview(r) | JobMessage::Done(r) => {
                    self.result = Some(sweep_points(scn, name, spec, &r));
                }
                JobMessage::Cancelled => {}
            }
        }
    }
}

/// The frontier: one point per setting (mean, with p5–p95 whiskers on both axes), the baseline,
/// the quality guardrail, the goal seek's answer; and a table with "Use" buttons.
fn frontier(ui: &mut Ui, r: &SweepResult, policies: &[Policy], knob: Knob) -> Option<SweepCommand> {
    let best = cheapest_within_guardrail(r, 0.9).map(|p| p.value);
    ui.label(match best {
        Some(v) => format!(
            "Cheapest setting that keeps the quality guardrail in at least 90% of runs: {} = {v}.",
            r.knob
        ),
        None => "No setting in this range keeps the quality guardrail in at least 90% of runs.".into(),
    });
    let guard = (r.baseline_success_rate.mean - r.max_success_drop) * 100.0;
    crate::gui::views::plot(ui, "sweep_frontier")
        .legend(Legend::default().background_alpha(0.85))
        .height(260.0)
        .x_axis_label("success rate (%)")
        .y_axis_label("cost per successful outcome")
        .y_axis_formatter(|m, _| crate::report::format::usd(m.value))
        .show(ui, |plot| {
            let pts: Vec<[f64; 2]> = r
                .points
                .iter()
                .map(|p| [p.success_rate.mean * 100.0, p.cost_per_success_usd.mean])
                .collect();
            plot.line(Line::new("frontier", PlotPoints::from(pts.clone())).color(Color32::from_rgb(66, 133, 244)));
            for p in &r.points {
                let (x, y) = (p.success_rate.mean * 100.0, p.cost_per_success_usd.mean);
                let c = if p.breaks_guardrail {
                    Color32::from_rgb(220, 80, 60)
                } else {
                    Color32::from_rgb(66, 133, 244)
                };
                plot.line(
                    Line::new(
                        "p5–p95",
                        PlotPoints::from(vec![[x, p.cost_per_success_usd.p5], [x, p.cost_per_success_usd.p95]]),
                    )
                    .color(c),
                );
                plot.line(
                    Line::new(
                        "p5–p95",
                        PlotPoints::from(vec![[p.success_rate.p5 * 100.0, y], [p.success_rate.p95 * 100.0, y]]),
                    )
                    .color(c),
                );
            }
            plot.points(
                Points::new("settings", PlotPoints::from(pts))
                    .radius(4.0)
                    .color(Color32::from_rgb(66, 133, 244)),
            );
            plot.points(
                Points::new(
                    "baseline",
                    PlotPoints::from(vec![[
                        r.baseline_success_rate.mean * 100.0,
                        r.baseline_cost_per_success_usd.mean,
                    ]]),
                )
                .radius(5.0)
                .color(Color32::GRAY),
            );
            plot.vline(VLine::new("quality guardrail", guard).style(egui_plot::LineStyle::dashed_loose()));
        });
    let mut command = None;
    egui::Grid::new("sweep_points").striped(true).show(ui, |ui| {
        for h in [
            "setting",
            "cost / success",
            "success rate",
            "keeps the guardrail in",
            "",
        ] {
            ui.strong(h);
        }
        ui.end_row();
        for p in &r.points {
            let mark = if Some(p.value) == best { " (goal seek)" } else { "" };
            ui.label(format!("{}{mark}", p.value));
            ui.label(crate::report::format::usd(p.cost_per_success_usd.mean));
            ui.label(crate::report::format::pct(p.success_rate.mean));
            ui.label(
                RichText::new(format!(
                    "{} of runs",
                    crate::report::format::pct(p.p_within_quality_guardrail)
                ))
                .color(if p.breaks_guardrail {
                    Color32::from_rgb(220, 80, 60)
                } else {
                    ui.visuals().text_color()
                }),
            );
            if ui.small_button("Use as a new version").clicked()
                && let Some(base) = policies.iter().find(|q| q.name == r.policy)
                && let Ok(q) = new_version(base, knob, p.value)
            {
                command = Some(SweepCommand::AddPolicy(Box::new(q)));
            }
            ui.end_row();
        }
    });
    command
}
