//! The Traffic section: volume, growth, day noise and weekly pattern, and the task classes —
//! each editable, and added, duplicated, renamed or removed (a class routing rules name asks first).

use egui::{RichText, Ui};

use super::fields::{error_text, int, nonneg_field, prob_field, show_errors, toggle};
use super::{Confirm, Editor, Refs};
use crate::model::Scenario;
use crate::model::traffic::TaskClass;

const WEEKDAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];

impl Editor {
    pub(super) fn traffic_section(&mut self, ui: &mut Ui, s: &mut Scenario, refs: &Refs) -> bool {
        let mut changed = false;
        egui::CollapsingHeader::new("Traffic")
            .default_open(true)
            .show(ui, |ui| {
                let t = &mut s.traffic;
                changed |= self.dist(
                    ui,
                    "Tasks per day",
                    "traffic.requests_per_day",
                    &mut t.requests_per_day,
                    "",
                );
                changed |= self.dist(
                    ui,
                    "Growth per month",
                    "traffic.growth_per_month",
                    &mut t.growth_per_month,
                    "",
                );
                changed |= nonneg_field(ui, "Day noise (sd of log)", &mut t.day_noise_sd, 0.005, "", 2.0);
                changed |= weekly_pattern(ui, &mut t.weekly_pattern);
                show_errors(ui, refs.errors, "traffic.weekly_pattern");
                show_errors(ui, refs.errors, "traffic.classes");
                let mut i = 0;
                while i < s.traffic.classes.len() {
                    changed |= self.class_ui(ui, s, i, refs);
                    i += 1;
                }
                ui.horizontal(|ui| {
                    if ui.button("Add class").clicked() {
                        s.add_class();
                        changed = true;
                    }
                    let total: f64 = s.traffic.classes.iter().map(|c| c.share.get()).sum();
                    if (total - 1.0).abs() > 1e-9 && ui.button("Make shares add up to 100%").clicked() {
                        s.normalise_shares();
                        changed = true;
                    }
                });
            });
        changed
    }

    /// One class (index `i`); a removal or duplication takes effect at once (and is undoable).
    fn class_ui(&mut self, ui: &mut Ui, s: &mut Scenario, i: usize, refs: &Refs) -> bool {
        let mut changed = false;
        let name = s.traffic.classes[i].name.clone();
        let base = format!("traffic.classes[{i}]");
        egui::CollapsingHeader::new(format!("Class {name}"))
            .id_salt(("class", i))
            .show(ui, |ui| {
                let id = format!("class-name-{i}");
                if let Some(new) = self.name_field(ui, "Class name", &id, &name) {
                    let r = s.rename_class(i, &new);
                    changed |= r.is_ok();
                    self.refuse(&id, r.err());
                }
                show_errors(ui, refs.errors, &format!("{base}.name"));
                changed |= self.class_fields(ui, &mut s.traffic.classes[i], &base, refs);
                changed |= self.class_actions(ui, s, i, &name);
            });
        changed
    }

    fn class_fields(&mut self, ui: &mut Ui, c: &mut TaskClass, base: &str, refs: &Refs) -> bool {
        let mut changed = prob_field(ui, "Share", &mut c.share, 0.005, "");
        show_errors(ui, refs.errors, &format!("{base}.share"));
        let owner_id = format!("{base}.owner");
        let owner = c.owner.clone().unwrap_or_default();
        if let Some(o) = self.name_field(ui, "Owner", &owner_id, &owner) {
            c.owner = Some(o.trim().to_string()).filter(|o| !o.is_empty());
            changed = true;
        }
        let f = |k: &str| format!("{base}.{k}");
        changed |= self.dist(ui, "Input tokens", &f("input_tokens"), &mut c.input_tokens, " tok");
        changed |= int(ui, "Shared prefix", &mut c.shared_prefix_tokens, " tok", 10_000_000);
        changed |= self.dist(ui, "Output tokens", &f("output_tokens"), &mut c.output_tokens, " tok");
        changed |= self.dist(
            ui,
            "Exact repeats",
            &f("exact_repeat_rate"),
            &mut c.exact_repeat_rate,
            "",
        );
        changed |= self.dist(ui, "Near repeats", &f("near_repeat_rate"), &mut c.near_repeat_rate, "");
        changed |= self.dist(
            ui,
            "Retry on failure",
            &f("retry_on_failure"),
            &mut c.retry_on_failure,
            "",
        );
        changed |= ui.checkbox(&mut c.batchable, "Batchable (offline)").changed();
        show_errors(ui, refs.errors, &f("near_repeat_rate"));
        changed |= toggle(
            ui,
            &mut c.session,
            "Sessions (a conversation or an agent loop per task)",
            crate::model::traffic::Session::suggested,
        );
        if let Some(s) = &mut c.session {
            changed |= self.session_fields(ui, s, &f("session"), refs);
        }
        changed
    }

    /// A session class's turns, think time, agent tool steps and context window.
    fn session_fields(&mut self, ui: &mut Ui, s: &mut crate::model::traffic::Session, at: &str, refs: &Refs) -> bool {
        let f = |k: &str| format!("{at}.{k}");
        let mut changed = self.dist(ui, "  turns per session", &f("turns"), &mut s.turns, "");
        changed |= self.dist(ui, "  think time", &f("think_time_s"), &mut s.think_time_s, " s");
        changed |= self.dist(
            ui,
            "  tool steps per turn",
            &f("tool_steps_per_turn"),
            &mut s.tool_steps_per_turn,
            "",
        );
        changed |= self.dist(
            ui,
            "  tool call",
            &f("tool_call_tokens"),
            &mut s.tool_call_tokens,
            " tok",
        );
        changed |= self.dist(
            ui,
            "  tool result",
            &f("tool_result_tokens"),
            &mut s.tool_result_tokens,
            " tok",
        );
        changed |= toggle(ui, &mut s.context_window_tokens, "  context window", || 200_000);
        if let Some(w) = &mut s.context_window_tokens {
            changed |= int(ui, "  window", w, " tok", 10_000_000);
        }
        show_errors(ui, refs.errors, &f("context_window_tokens"));
        changed
    }

    /// Duplicate and Remove for class `i` (Remove asks first when routing rules name it).
    fn class_actions(&mut self, ui: &mut Ui, s: &mut Scenario, i: usize, name: &str) -> bool {
        let mut changed = false;
        let asking = matches!(&self.confirm, Some(Confirm::RemoveClass { index, .. }) if *index == i);
        if asking {
            let users = match &self.confirm {
                Some(Confirm::RemoveClass { users, .. }) => users.join(", "),
                _ => String::new(),
            };
            ui.label(RichText::new(format!("Remove {name}? Its rules go too: {users}.")).strong());
            ui.horizontal(|ui| {
                if ui.button("Remove the class and its rules").clicked() {
                    changed = self.remove_class(s, i);
                }
                if ui.button("Keep it").clicked() {
                    self.confirm = None;
                }
            });
            return changed;
        }
        ui.horizontal(|ui| {
            if ui.button(format!("Duplicate class {name}")).clicked() {
                changed |= s.duplicate_class(i).is_some();
                self.forget_indexed("traffic.classes");
            }
            if ui.button(format!("Remove class {name}")).clicked() {
                let users = s.class_references(name);
                if users.is_empty() {
                    changed = self.remove_class(s, i);
                } else {
                    self.confirm = Some(Confirm::RemoveClass { index: i, users });
                }
            }
        });
        if let Some(msg) = self.refusals.get(&format!("class-remove-{i}")) {
            error_text(ui, msg);
        }
        changed
    }

    fn remove_class(&mut self, s: &mut Scenario, i: usize) -> bool {
        self.confirm = None;
        let r = s.remove_class(i);
        self.refuse(&format!("class-remove-{i}"), r.as_ref().err());
        self.forget_indexed("traffic.classes");
        r.is_ok()
    }
}

/// The seven weekday factors (their mean is scaled to 1 in the engine).
fn weekly_pattern(ui: &mut Ui, pattern: &mut [f64]) -> bool {
    let mut changed = false;
    ui.horizontal_wrapped(|ui| {
        let l = ui.label("Weekly pattern");
        for (day, f) in WEEKDAYS.iter().zip(pattern.iter_mut()) {
            changed |= ui
                .add(
                    egui::DragValue::new(f)
                        .speed(0.01)
                        .range(0.0..=10.0)
                        .prefix(format!("{day} ")),
                )
                .labelled_by(l.id)
                .changed();
        }
    });
    changed
}
