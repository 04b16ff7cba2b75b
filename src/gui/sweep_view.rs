//! The Sweep view: pick a policy, one of its numeric knobs, a range and a number of points; all
//! settings are simulated beside the baseline on the same tasks, and the frontier (cost per
//! success against success rate, p5–p95) is drawn with the quality guardrail. A point can become
//! a new policy version of the scenario.

use egui::{Color32, RichText, Ui};
use egui_plot::{Line, PlotPoints, Points, VLine};

use super::command::Command;
use super::job::{Job, waker};
use super::sim_job::{self, SimMessage};
use crate::model::{Policy, Scenario};
use crate::sim::results::SimOptions;

use crate::sim::engine::Control;
use crate::sim::sweep::{
    BISECTION_STEPS, Goal, GoalAnswer, Knob, SweepResult, SweepSpec, goal_seek, sweep_points, sweep_scenario,
};

/// The view's state.
pub struct SweepView {
    pub policy: usize,
    pub knob: Knob,
    pub from: f64,
    pub to: f64,
    pub points: usize,
    job: Option<(Job<SimMessage>, SweepSpec, String)>,
    pub result: Option<SweepResult>,
    pub problem: Option<String>,
    /// Which goal the goal seek pursues: a budget over the horizon in US dollars, or `None` for
    /// the cheapest setting within the quality guardrail.
    pub budget_usd: Option<f64>,
    /// The share of runs in which the answer must meet its goal.
    pub confidence: f64,
    /// The goal seek's answer for the current result and goal.
    pub answer: Option<GoalAnswer>,
    goal_job: Option<GoalJob>,
    /// The goal seek was cancelled: it waits for "Seek again" (or a new goal or sweep).
    pub goal_cancelled: bool,
}

/// The goal seek running beside the window (bisection simulates a few settings), for `goal`.
struct GoalJob {
    goal: Goal,
    job: Job<Result<GoalAnswer, String>>,
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
            budget_usd: None,
            confidence: 0.9,
            answer: None,
            goal_job: None,
            goal_cancelled: false,
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
    q.version = p.next_version();
    Ok(q)
}

impl SweepView {
    /// Draws the view; a point made a policy version comes back as a command.
    pub fn ui(&mut self, ui: &mut Ui, scn: &Scenario) -> Vec<Command> {
        let mut commands = Vec::new();
        self.poll(scn);
        if scn.policies.is_empty() {
            return commands;
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
            let running = self.job.as_ref().is_some_and(|(j, _, _)| !j.finished());
            if running {
                if ui.button("Cancel sweep").clicked() {
                    self.job = None;
                }
            } else if ui.button("Run the sweep").clicked() {
                self.start(scn, ui.ctx());
            }
        });
        if let Some((j, _, _)) = self.job.as_ref().filter(|(j, _, _)| !j.finished()) {
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
            ui.label(RichText::new(p).color(super::rgb(crate::report::theme::WORSE)));
        }
        self.goal_controls(ui, scn);
        if let Some(r) = &self.result
            && let Some(p) = frontier(ui, r, &scn.policies, self.knob, self.answer.as_ref(), self.goal())
        {
            commands.push(Command::AddPolicyVersion(Box::new(p)));
        }
        commands
    }

    /// The goal the goal seek pursues.
    pub fn goal(&self) -> Goal {
        match self.budget_usd {
            Some(budget_usd) => Goal::BestQualityWithinBudget {
                budget_usd,
                confidence: self.confidence,
            },
            None => Goal::CheapestWithinQualityGuardrail {
                confidence: self.confidence,
            },
        }
    }

    /// The goal picker (cheapest within the quality guardrail, or best quality within a
    /// budget), the confidence, and the answer with its bisection's progress.
    fn goal_controls(&mut self, ui: &mut Ui, scn: &Scenario) {
        let before = self.goal();
        ui.horizontal_wrapped(|ui| {
            let l = ui.label("Goal");
            let mut within_budget = self.budget_usd.is_some();
            egui::ComboBox::from_id_salt("sweep_goal")
                .selected_text(if within_budget {
                    "best quality within a budget"
                } else {
                    "cheapest within the quality guardrail"
                })
                .show_ui(ui, |ui| {
                    ui.selectable_value(&mut within_budget, false, "cheapest within the quality guardrail");
                    ui.selectable_value(&mut within_budget, true, "best quality within a budget");
                })
                .response
                .labelled_by(l.id);
            if within_budget != self.budget_usd.is_some() {
                self.budget_usd = within_budget.then(|| {
                    // Start from the median spend of the middle setting.
                    self.result
                        .as_ref()
                        .and_then(|r| r.points.get(r.points.len() / 2))
                        .map_or(1000.0, |p| p.spend_usd.p50.round().max(1.0))
                });
            }
            if let Some(b) = &mut self.budget_usd {
                let l = ui.label("Spend over the horizon at most");
                ui.add(
                    egui::DragValue::new(b)
                        .speed(10.0)
                        .prefix("$")
                        .range(0.0..=crate::model::limits::MAX_USD),
                )
                .labelled_by(l.id);
            }
            let l = ui.label("in at least");
            let mut pct = self.confidence * 100.0;
            if ui
                .add(
                    egui::DragValue::new(&mut pct)
                        .speed(0.5)
                        .suffix("% of runs")
                        .range(50.0..=99.9),
                )
                .labelled_by(l.id)
                .changed()
            {
                self.confidence = pct / 100.0;
            }
        });
        if self.goal() != before {
            self.answer = None;
            self.goal_job = None;
            self.goal_cancelled = false;
        }
        self.poll_goal();
        let sweeping = self.job.as_ref().is_some_and(|(j, _, _)| !j.finished());
        if self.answer.is_none()
            && self.goal_job.is_none()
            && !self.goal_cancelled
            && !sweeping
            && self.result.is_some()
        {
            self.start_goal_seek(scn, ui.ctx());
        }
        self.goal_status(ui);
    }

    /// The goal seek's answer, its progress with Cancel, or that it was cancelled.
    fn goal_status(&mut self, ui: &mut Ui) {
        match (&self.answer, &self.goal_job, &self.result) {
            (Some(a), _, Some(r)) => {
                ui.label(RichText::new(crate::report::sweep::answer_sentence(r, a)).strong());
            }
            (None, Some(g), _) => {
                let (d, t) = g.job.progress();
                let mut cancel = false;
                ui.horizontal(|ui| {
                    ui.add(
                        egui::ProgressBar::new(if t > 0 { d as f32 / t as f32 } else { 0.0 })
                            .desired_width(240.0)
                            .text(format!("{d} / {t} runs of this setting")),
                    );
                    ui.label(format!(
                        "Goal seek: bisecting between the grid's settings ({BISECTION_STEPS} more settings on the same tasks)…"
                    ));
                    cancel = ui.button("Cancel goal seek").clicked();
                });
                if cancel {
                    self.goal_job = None;
                    self.goal_cancelled = true;
                }
            }
            (None, None, Some(_)) if self.goal_cancelled => {
                ui.horizontal(|ui| {
                    ui.label("Goal seek cancelled: the grid's figures stand; the answer between them was not sought.");
                    if ui.button("Seek again").clicked() {
                        self.goal_cancelled = false;
                    }
                });
            }
            _ => {}
        }
    }

    fn start_goal_seek(&mut self, scn: &Scenario, ctx: &egui::Context) {
        let Some(r) = self.result.clone() else { return };
        let goal = self.goal();
        let scn = scn.clone();
        let job = Job::spawn("costplan-goal-seek", waker(Some(ctx)), move |w| {
            let progress = |d: usize, t: usize| w.progress(d, t);
            let ctl = Control {
                cancel: w.cancel_flag(),
                progress: &progress,
            };
            if let Ok(answer) = goal_seek(&scn, &r, goal, BISECTION_STEPS, &SimOptions::default(), &ctl) {
                w.send(answer);
            }
        });
        match job {
            Ok(job) => self.goal_job = Some(GoalJob { goal, job }),
            Err(e) => self.problem = Some(format!("The goal seek could not start: {e}")),
        }
    }

    fn poll_goal(&mut self) {
        let Some(g) = &mut self.goal_job else { return };
        let goal = g.goal;
        for msg in g.job.poll() {
            match msg {
                Ok(a) if a.goal == goal => self.answer = Some(a),
                Ok(_) => {}
                Err(e) => self.problem = Some(e),
            }
        }
        if self.goal_job.as_ref().is_some_and(|g| g.job.finished()) {
            self.goal_job = None;
        }
    }

    fn start(&mut self, scn: &Scenario, ctx: &egui::Context) {
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
                match sim_job::start(s, opts, waker(Some(ctx))) {
                    Ok(job) => self.job = Some((job, spec, name)),
                    Err(e) => self.problem = Some(format!("The sweep could not start: {e}")),
                }
            }
            Err(e) => self.problem = Some(e),
        }
    }

    fn poll(&mut self, scn: &Scenario) {
        let Some((job, spec, name)) = &mut self.job else { return };
        for msg in job.poll() {
            match msg {
                SimMessage::Preview(r) | SimMessage::Done(r) => {
                    self.result = Some(sweep_points(scn, name, spec, &r));
                    // A new grid: its goal seek starts once the sweep is done.
                    self.answer = None;
                    self.goal_job = None;
                    self.goal_cancelled = false;
                }
                SimMessage::Cancelled => {}
                SimMessage::Failed(e) => self.problem = Some(e),
            }
        }
    }
}

/// The frontier: one point per setting (mean, with p5–p95 whiskers on both axes), the baseline,
/// the quality guardrail, the goal seek's answer; and a table with "Use" buttons.
fn frontier(
    ui: &mut Ui,
    r: &SweepResult,
    policies: &[Policy],
    knob: Knob,
    answer: Option<&GoalAnswer>,
    goal: Goal,
) -> Option<Policy> {
    let found = answer.and_then(|a| a.point.as_ref());
    let best = found.map(|p| p.value);
    // The answer bisection found between the grid's settings is listed (and drawn) with them.
    let rows = r.points_with(found);
    frontier_plot(ui, r, &rows, found);
    points_table(ui, r, rows, best, policies, knob, goal)
}

/// The frontier plot's key (drawn above it, over no data).
fn frontier_key(
    ui: &Ui,
    rows: &[&crate::sim::sweep::SweepPoint],
    found: Option<&crate::sim::sweep::SweepPoint>,
) -> Vec<crate::gui::key::Entry> {
    use crate::gui::key::{Entry, Mark};
    let accent = super::rgb(crate::report::theme::ACCENT);
    let mut entries = vec![
        Entry::new(Mark::Line, accent, "frontier"),
        Entry::new(Mark::Dot, accent, "settings (p5–p95 whiskers)"),
    ];
    if rows.iter().any(|p| p.breaks_guardrail) {
        entries.push(Entry::new(
            Mark::Line,
            super::rgb(crate::report::theme::WORSE),
            "breaks the guardrail",
        ));
    }
    entries.push(Entry::new(Mark::Dot, Color32::GRAY, "baseline"));
    if found.is_some() {
        entries.push(Entry::new(
            Mark::Ring,
            super::rgb(crate::report::theme::HIGHLIGHT),
            "goal seek's answer",
        ));
    }
    entries.push(Entry::new(Mark::Dashed, ui.visuals().text_color(), "quality guardrail"));
    entries
}

/// The frontier plot: a point per setting with p5–p95 whiskers on both axes, the baseline, the
/// quality guardrail and the goal seek's answer ringed.
fn frontier_plot(
    ui: &mut Ui,
    r: &SweepResult,
    rows: &[&crate::sim::sweep::SweepPoint],
    found: Option<&crate::sim::sweep::SweepPoint>,
) {
    let guard = (r.baseline_success_rate.mean - r.max_success_drop) * 100.0;
    crate::gui::key::row(ui, &frontier_key(ui, rows, found));
    crate::gui::results_view::plot(ui, "sweep_frontier")
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
            plot.line(
                Line::new("frontier", PlotPoints::from(pts.clone())).color(super::rgb(crate::report::theme::ACCENT)),
            );
            for p in rows {
                let (x, y) = (p.success_rate.mean * 100.0, p.cost_per_success_usd.mean);
                let c = if p.breaks_guardrail {
                    super::rgb(crate::report::theme::WORSE)
                } else {
                    super::rgb(crate::report::theme::ACCENT)
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
                    .color(super::rgb(crate::report::theme::ACCENT)),
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
            if let Some(a) = found {
                plot.points(
                    Points::new(
                        "goal seek's answer",
                        PlotPoints::from(vec![[a.success_rate.mean * 100.0, a.cost_per_success_usd.mean]]),
                    )
                    .radius(9.0)
                    .filled(false)
                    .color(super::rgb(crate::report::theme::HIGHLIGHT)),
                );
            }
            plot.vline(VLine::new("quality guardrail", guard).style(egui_plot::LineStyle::dashed_loose()));
        });
}

/// The settings as a table with what the goal asks of each, and "Use as a new version".
fn points_table(
    ui: &mut Ui,
    r: &SweepResult,
    rows: Vec<&crate::sim::sweep::SweepPoint>,
    best: Option<f64>,
    policies: &[Policy],
    knob: Knob,
    goal: Goal,
) -> Option<Policy> {
    let mut command = None;
    egui::Grid::new("sweep_points").striped(true).show(ui, |ui| {
        for h in [
            "setting",
            "cost / success",
            "success rate",
            match goal {
                Goal::CheapestWithinQualityGuardrail { .. } => "keeps the guardrail in",
                Goal::BestQualityWithinBudget { .. } => "spend within the budget in",
            },
            "",
        ] {
            ui.strong(h);
        }
        ui.end_row();
        for p in rows {
            let mark = if Some(p.value) == best { " (goal seek)" } else { "" };
            ui.label(format!("{}{mark}", crate::report::charts::fmt_value(p.value)));
            ui.label(crate::report::format::usd(p.cost_per_success_usd.mean));
            ui.label(crate::report::format::pct(p.success_rate.mean));
            ui.label(
                RichText::new(format!("{} of runs", crate::report::format::pct(goal.probability(p)))).color(
                    if p.breaks_guardrail {
                        super::rgb(crate::report::theme::WORSE)
                    } else {
                        ui.visuals().text_color()
                    },
                ),
            );
            if ui.small_button("Use as a new version").clicked()
                && let Some(base) = policies.iter().find(|q| q.name == r.policy)
                && let Ok(q) = new_version(base, knob, p.value)
            {
                command = Some(q);
            }
            ui.end_row();
        }
    });
    command
}
