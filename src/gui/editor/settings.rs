//! The Scenario section: name, description, horizon and start date, runs, seed, the default
//! model, the prompt-cache TTL, and negotiated discounts by provider or by price key.

use std::collections::BTreeMap;

use egui::{RichText, Ui};

use super::fields::{int, model_row, nonneg_field, show_errors};
use super::{Editor, Refs};
use crate::model::Scenario;
use crate::model::ron_io::NonNeg;

/// The largest discount multiplier the editor offers (×1 is the list price).
const MAX_MULTIPLIER: f64 = 10.0;

impl Editor {
    pub(super) fn scenario_section(&mut self, ui: &mut Ui, s: &mut Scenario, refs: &Refs) -> bool {
        let mut changed = false;
        egui::CollapsingHeader::new("Scenario")
            .default_open(true)
            .show(ui, |ui| {
                ui.horizontal(|ui| {
                    let l = ui.label("Name");
                    changed |= ui.text_edit_singleline(&mut s.file.name).labelled_by(l.id).changed();
                });
                ui.horizontal(|ui| {
                    let l = ui.label("Description");
                    changed |= ui
                        .add(egui::TextEdit::multiline(&mut s.file.description).desired_rows(2))
                        .labelled_by(l.id)
                        .changed();
                });
                changed |= self.horizon_fields(ui, s, refs);
                changed |= model_row(
                    ui,
                    "Default model",
                    "default_model",
                    &refs.models,
                    &mut s.file.default_model,
                );
                show_errors(ui, refs.errors, "default_model");
                let ttl = &mut s.file.prompt_cache_ttl_minutes;
                changed |= nonneg_field(ui, "Prompt-cache TTL", ttl, 1.0, " min", 10_080.0);
                show_errors(ui, refs.errors, "prompt_cache_ttl_minutes");
                changed |= discounts_ui(ui, s, refs);
            });
        changed
    }

    /// Horizon, start date (typed, applied on Enter; empty for none), runs and seed.
    fn horizon_fields(&mut self, ui: &mut Ui, s: &mut Scenario, refs: &Refs) -> bool {
        let mut changed = false;
        let mut h = s.file.horizon_days as u64;
        if int(ui, "Horizon", &mut h, " days", 3660) {
            s.file.horizon_days = h as u32;
            changed = true;
        }
        let start = s.file.start_date.clone().unwrap_or_default();
        if let Some(typed) = self.name_field(ui, "Start date", "start_date", &start) {
            s.file.start_date = Some(typed.trim().to_string()).filter(|t| !t.is_empty());
            changed = true;
        }
        show_errors(ui, refs.errors, "start_date");
        let mut r = s.file.runs as u64;
        if int(ui, "Runs", &mut r, "", 100_000) {
            s.file.runs = r as u32;
            changed = true;
        }
        show_errors(ui, refs.errors, "horizon_days");
        show_errors(ui, refs.errors, "runs");
        changed |= int(ui, "Seed", &mut s.file.seed, "", u64::MAX);
        changed
    }
}

/// Negotiated discounts: a multiplier on list prices per provider or per price key (a key's own
/// beats its provider's); each can be added from what the scenario uses, edited and removed.
fn discounts_ui(ui: &mut Ui, s: &mut Scenario, refs: &Refs) -> bool {
    let mut changed = false;
    let providers: Vec<String> = {
        let mut p: Vec<String> = s
            .file
            .models
            .values()
            .filter_map(|m| s.prices.get(&m.price_key).map(|p| p.provider.clone()))
            .collect();
        p.sort();
        p.dedup();
        p
    };
    let keys: Vec<String> = {
        let mut k: Vec<String> = s.file.models.values().map(|m| m.price_key.clone()).collect();
        k.sort();
        k.dedup();
        k
    };
    egui::CollapsingHeader::new("Discounts").show(ui, |ui| {
        ui.label(
            RichText::new("Multipliers on list prices (0.8 = 20% off); a price key's own beats its provider's.")
                .weak()
                .small(),
        );
        changed |= multipliers(ui, "provider", &mut s.file.discounts.providers, &providers);
        changed |= multipliers(ui, "price key", &mut s.file.discounts.models, &keys);
        show_errors(ui, refs.errors, "discounts");
    });
    changed
}

/// One map of multipliers: each with its field and Remove, and "Add a … discount" over `choices`.
fn multipliers(ui: &mut Ui, what: &str, map: &mut BTreeMap<String, NonNeg>, choices: &[String]) -> bool {
    let mut changed = false;
    let mut remove = None;
    for (name, x) in map.iter_mut() {
        ui.horizontal(|ui| {
            changed |= nonneg_field(ui, &format!("{what} {name}"), x, 0.01, "×", MAX_MULTIPLIER);
            if ui.small_button(format!("Remove the {what} discount {name}")).clicked() {
                remove = Some(name.clone());
            }
        });
    }
    if let Some(name) = remove {
        map.remove(&name);
        changed = true;
    }
    let free: Vec<&String> = choices.iter().filter(|c| !map.contains_key(*c)).collect();
    if free.is_empty() {
        return changed;
    }
    let mut add = None;
    ui.horizontal(|ui| {
        let l = ui.label(format!("Add a {what} discount"));
        egui::ComboBox::from_id_salt(("add_discount", what))
            .selected_text("choose…")
            .show_ui(ui, |ui| {
                for c in &free {
                    if ui.selectable_label(false, c.as_str()).clicked() {
                        add = Some((*c).clone());
                    }
                }
            })
            .response
            .labelled_by(l.id);
    });
    if let Some(name) = add {
        map.insert(name, NonNeg::new(0.9).unwrap_or_default());
        changed = true;
    }
    changed
}
