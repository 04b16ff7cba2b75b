//! The Compare view: two policy versions (the scenario's, or from other files) simulated on the
//! same tasks — what changed between them, and every figure paired with P(B better). Drawing
//! never starts work: the view returns commands the app applies after the frame.

use egui::Ui;

use super::command::{Command, DialogPurpose};
use super::job::{Job, Waker};
use super::sim_job::{self, SimMessage};
use crate::model::Scenario;
use crate::model::policy::{Policy, Tactic};
use crate::report::format::{delta, p_better, value};
use crate::sim::results::{Results, SimOptions};

/// The width the paired table's metric names wrap at.
const METRIC_COLUMN_PX: f32 = 210.0;

/// The longest text a cell of the "What changed" table shows.
const CELL_CHARS: usize = 60;

#[derive(Default)]
pub struct CompareView {
    /// Policies from other files: (label, policy).
    pub external: Vec<(String, Policy)>,
    pub a: usize,
    pub b: usize,
    pub job: Option<Job<SimMessage>>,
    pub results: Option<Results>,
    /// The pair the results are for (or being computed for).
    pub ran: Option<(usize, usize)>,
}

impl CompareView {
    /// Every policy the view can pick: the scenario's, then those from other files.
    pub fn choices(&self, s: &Scenario) -> Vec<(String, Policy)> {
        let mut out: Vec<(String, Policy)> = s.policies.iter().map(|p| (p.name.clone(), p.clone())).collect();
        out.extend(self.external.iter().cloned());
        out
    }

    /// Adds policies from a file named `file`; the first becomes version B.
    pub fn add_external(&mut self, s: &Scenario, file: &str, policies: Vec<Policy>) -> String {
        let added = policies.len();
        for p in policies {
            self.external.push((format!("{} ({file})", p.name), p));
        }
        self.b = s.policies.len() + self.external.len() - added;
        let first = &self.external[self.external.len() - added].0;
        format!(
            "Added {added} polic{} from {file} to compare; version B is {first}",
            if added == 1 { "y" } else { "ies" },
        )
    }

    /// Starts the paired simulation of the chosen pair on `s`'s traffic.
    pub fn run(&mut self, s: &Scenario, waker: Waker) -> Result<(), String> {
        let choices = self.choices(s);
        let (Some(a), Some(b)) = (choices.get(self.a), choices.get(self.b)) else {
            return Ok(());
        };
        self.ran = Some((self.a, self.b));
        let pair = crate::sim::results::pair_scenario(s, &a.1, &b.1).map_err(|e| e.to_string())?;
        self.results = None;
        self.job = Some(
            sim_job::start(pair, SimOptions::default(), waker)
                .map_err(|e| format!("The comparison could not start: {e}"))?,
        );
        Ok(())
    }

    pub fn poll(&mut self) {
        if let Some(job) = &mut self.job {
            for msg in job.poll() {
                if let SimMessage::Done(r) | SimMessage::Preview(r) = msg {
                    self.results = Some(*r);
                }
            }
        }
    }

    /// Draws the view; what it asks for (run the pair, pick a file) comes back as commands.
    pub fn ui(&mut self, ui: &mut Ui, s: &Scenario) -> Vec<Command> {
        self.poll();
        let mut commands = Vec::new();
        let choices = self.choices(s);
        if choices.len() < 2 {
            ui.label("Add a second policy to compare.");
        }
        self.a = self.a.min(choices.len().saturating_sub(1));
        if self.b == 0 && choices.len() > 1 && self.a == 0 {
            self.b = 1;
        }
        self.b = self.b.min(choices.len().saturating_sub(1));
        if self.pickers(ui, &choices) {
            commands.push(Command::OpenDialog(DialogPurpose::ComparePolicy));
        }
        let (Some(a), Some(b)) = (choices.get(self.a), choices.get(self.b)) else {
            return commands;
        };
        if self.ran != Some((self.a, self.b)) && self.a != self.b {
            // A new pair: simulate it at once, both versions on the same tasks.
            commands.push(Command::RunCompare);
        }
        ui.heading("What changed");
        changed_table(ui, a, b);
        ui.separator();
        if self.progress(ui) {
            commands.push(Command::say("Comparison cancelled"));
        }
        if let Some(r) = &self.results {
            ui.heading("Every figure, paired");
            figures_table(ui, r);
        } else if self.a == self.b {
            ui.label("Choose two different versions: both are then simulated on the same tasks.");
        } else if self.job.is_none() && ui.button("Run the comparison").clicked() {
            commands.push(Command::RunCompare);
        }
        commands
    }

    /// The two version pickers and "Policy from another file…"; returns whether that was clicked.
    fn pickers(&mut self, ui: &mut Ui, choices: &[(String, Policy)]) -> bool {
        ui.horizontal(|ui| {
            for (label, sel) in [("Version A", &mut self.a), ("Version B", &mut self.b)] {
                let l = ui.label(label);
                egui::ComboBox::from_id_salt(label)
                    .selected_text(choices.get(*sel).map(|c| c.0.as_str()).unwrap_or(""))
                    .show_ui(ui, |ui| {
                        for (i, c) in choices.iter().enumerate() {
                            ui.selectable_value(sel, i, &c.0);
                        }
                    })
                    .response
                    .labelled_by(l.id);
            }
            ui.button("Policy from another file…").clicked()
        })
        .inner
    }

    /// The running comparison's progress and Cancel; returns whether it was cancelled.
    fn progress(&mut self, ui: &mut Ui) -> bool {
        let Some(job) = self.job.as_ref().filter(|j| !j.finished()) else {
            return false;
        };
        let (d, t) = job.progress();
        let mut cancel = false;
        ui.horizontal(|ui| {
            ui.add(
                egui::ProgressBar::new(if t > 0 { d as f32 / t as f32 } else { 0.0 })
                    .desired_width(280.0)
                    .text(format!("comparing: {d}/{t} runs on the same tasks")),
            );
            cancel = ui.button("Cancel comparison").clicked();
        });
        if cancel {
            job.cancel();
            self.job = None;
            self.ran = Some((self.a, self.b));
        }
        cancel
    }
}

/// The tactics whose settings differ, side by side (long values summarised, whole on hover).
fn changed_table(ui: &mut Ui, a: &(String, Policy), b: &(String, Policy)) {
    egui::Grid::new("changed").striped(true).show(ui, |ui| {
        ui.strong("tactic");
        ui.strong(&a.0);
        ui.strong(&b.0);
        ui.end_row();
        let diff = a.1.differing_tactics(&b.1);
        if diff.is_empty() {
            ui.label("(no parameter differs)");
            ui.end_row();
        }
        for t in Tactic::ALL.iter().filter(|t| diff.contains(t)) {
            ui.label(t.name());
            for text in [a.1.component_text(*t), b.1.component_text(*t)] {
                let short = super::app::summarise(&text, CELL_CHARS);
                let l = ui.label(short.clone());
                if short != text {
                    l.on_hover_text(text);
                }
            }
            ui.end_row();
        }
    });
}

/// Every metric of both versions with B − A and P(B better): the mean difference with its
/// run-to-run range in small type beneath, so that every column fits a 1024-px window beside the
/// editor (narrower windows scroll the table sideways, never cut it).
fn figures_table(ui: &mut Ui, r: &Results) {
    let (pa, pb) = (&r.policies[0], &r.policies[1]);
    let small = |ui: &Ui, text: String| {
        egui::RichText::new(text)
            .size(12.0)
            .color(ui.visuals().text_color().gamma_multiply(0.8))
    };
    egui::ScrollArea::horizontal()
        .id_salt("compare_figures_scroll")
        .show(ui, |ui| {
            ui.style_mut().wrap_mode = Some(egui::TextWrapMode::Extend);
            egui::Grid::new("compare_figures").striped(true).show(ui, |ui| {
                ui.strong("metric");
                ui.strong(&pa.name);
                ui.strong(&pb.name);
                ui.strong("B − A")
                    .on_hover_text("The mean paired difference; beneath it, the run-to-run range (p5 to p95).");
                ui.strong("P(B better)");
                ui.end_row();
                for m in r.metrics_shown() {
                    let def = m.def();
                    // Long names wrap within the column, so the figures stay in view.
                    ui.allocate_ui(egui::vec2(METRIC_COLUMN_PX, 0.0), |ui| {
                        ui.add(egui::Label::new(def.label).wrap()).on_hover_text(def.definition);
                    });
                    ui.label(value(def.unit, pa.metric(m).p50));
                    ui.label(value(def.unit, pb.metric(m).p50));
                    if let Some(d) = pb.delta(m) {
                        ui.vertical(|ui| {
                            ui.label(delta(def.unit, d.mean));
                            if d.p5.is_finite() && d.p95.is_finite() {
                                let range = format!("{} to {}", delta(def.unit, d.p5), delta(def.unit, d.p95));
                                ui.label(small(ui, range));
                            }
                        });
                        ui.vertical(|ui| match p_better_lines(&d) {
                            (first, Some(second)) => {
                                ui.label(first);
                                ui.label(small(ui, second));
                            }
                            (first, None) => {
                                ui.label(first);
                            }
                        });
                    }
                    ui.end_row();
                }
            });
        });
}

/// P(B better) in two lines — "100.0% better" over "0.0% worse" — or one ("same", "–").
fn p_better_lines(d: &crate::sim::results::Delta) -> (String, Option<String>) {
    let text = p_better(d);
    match text.split_once(" · ") {
        Some((better, worse)) => (better.to_string(), Some(worse.to_string())),
        None => (text, None),
    }
}
