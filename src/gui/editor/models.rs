//! The Models section: each model's price key (searched in the loaded price table), its prices,
//! success per class and speed; models added from the price table, duplicated, renamed, or
//! removed (one in use asks first and moves its users to a replacement).

use egui::{RichText, Ui};

use super::fields::{error_text, model_picker, nonneg_field, show_errors};
use super::{Confirm, Editor, Refs};
use crate::model::Scenario;
use crate::model::scenario::ModelProfile;

/// The most price-table matches a search lists.
const MAX_MATCHES: usize = 60;

impl Editor {
    pub(super) fn models_section(&mut self, ui: &mut Ui, s: &mut Scenario, refs: &Refs) -> bool {
        let mut changed = false;
        egui::CollapsingHeader::new("Models")
            .default_open(false)
            .show(ui, |ui| {
                for (i, name) in refs.models.iter().enumerate() {
                    if s.file.models.contains_key(name) {
                        changed |= self.model_ui(ui, s, i, name, refs);
                    }
                }
                let picked = ui
                    .horizontal(|ui| {
                        self.price_key_search(ui, s, "add_model", ("Add a model", "from the price table…"))
                    })
                    .inner;
                if let Some(key) = picked {
                    match s.add_model(&key) {
                        Ok(_) => changed = true,
                        Err(e) => self.refuse("add-model", Some(e)),
                    }
                }
                if let Some(msg) = self.refusals.get("add-model") {
                    error_text(ui, msg);
                }
                show_errors(ui, refs.errors, "models");
            });
        changed
    }

    fn model_ui(&mut self, ui: &mut Ui, s: &mut Scenario, i: usize, name: &str, refs: &Refs) -> bool {
        let mut changed = false;
        egui::CollapsingHeader::new(format!("Model {name}"))
            .id_salt(("model", name))
            .show(ui, |ui| {
                let id = format!("model-name-{i}");
                if let Some(new) = self.name_field(ui, "Model name", &id, name) {
                    let r = s.rename_model(name, &new);
                    changed |= r.is_ok();
                    self.refuse(&id, r.err());
                    if changed {
                        return;
                    }
                }
                let Some(key) = s.file.models.get(name).map(|m| m.price_key.clone()) else {
                    return;
                };
                let picked = ui
                    .horizontal(|ui| self.price_key_search(ui, s, ("price_key", i), ("Price key", &key)))
                    .inner;
                if let Some(key) = picked {
                    if let Some(m) = s.file.models.get_mut(name) {
                        m.price_key = key;
                    }
                    changed = true;
                }
                let at = format!("models.{name}");
                show_errors(ui, refs.errors, &format!("{at}.price_key"));
                changed |= prices_ui(ui, s, name);
                if let Some(m) = s.file.models.get_mut(name) {
                    changed |= self.model_fields(ui, m, &at, refs);
                }
                changed |= self.model_actions(ui, s, name, refs);
            });
        changed
    }

    fn model_fields(&mut self, ui: &mut Ui, m: &mut ModelProfile, at: &str, refs: &Refs) -> bool {
        let mut changed = false;
        for c in &refs.classes {
            if let Some(d) = m.success.get_mut(c) {
                changed |= self.dist(ui, &format!("Success {c}"), &format!("{at}.success.{c}"), d, "");
            }
        }
        show_errors(ui, refs.errors, &format!("{at}.success"));
        changed |= self.dist(
            ui,
            "Time to first token",
            &format!("{at}.ttft_ms"),
            &mut m.ttft_ms,
            " ms",
        );
        let speed = &mut m.output_tokens_per_s;
        changed |= self.dist(
            ui,
            "Output speed",
            &format!("{at}.output_tokens_per_s"),
            speed,
            " tok/s",
        );
        let reasoning = &mut m.reasoning_tokens;
        changed |= self.dist(
            ui,
            "Reasoning tokens",
            &format!("{at}.reasoning_tokens"),
            reasoning,
            " tok",
        );
        changed
    }

    /// Duplicate and Remove for model `name`; Remove asks first when the model is in use.
    fn model_actions(&mut self, ui: &mut Ui, s: &mut Scenario, name: &str, refs: &Refs) -> bool {
        let mut changed = false;
        if let Some(Confirm::RemoveModel {
            name: asked,
            users,
            replacement,
        }) = &mut self.confirm
            && asked == name
        {
            ui.label(RichText::new(format!("{name} is used by {}.", users.join(", "))).strong());
            let others: Vec<String> = refs.models.iter().filter(|m| *m != name).cloned().collect();
            let (mut remove, mut keep) = (false, false);
            ui.horizontal(|ui| {
                let l = ui.label("Use instead");
                model_picker(ui, ("replacement", name), &others, replacement, l.id);
            });
            ui.horizontal(|ui| {
                remove = ui.button(format!("Remove {name} and use {replacement}")).clicked();
                keep = ui.button("Keep it").clicked();
            });
            if remove {
                let replacement = replacement.clone();
                changed = self.remove_model(s, name, &replacement);
            } else if keep {
                self.confirm = None;
            }
            return changed;
        }
        ui.horizontal(|ui| {
            if ui.button(format!("Duplicate model {name}")).clicked() {
                changed |= s.duplicate_model(name).is_some();
            }
            if ui.button(format!("Remove model {name}")).clicked() {
                let users = s.model_references(name);
                let fallback = s.models_by_price().into_iter().find(|m| m != name);
                match fallback {
                    None => self.refuse("model-remove", Some("a scenario needs at least one model")),
                    Some(_) if users.is_empty() => {
                        changed = self.remove_model(s, name, fallback.as_deref().unwrap_or(""))
                    }
                    Some(replacement) => {
                        self.confirm = Some(Confirm::RemoveModel {
                            name: name.to_string(),
                            users,
                            replacement,
                        })
                    }
                }
            }
        });
        if let Some(msg) = self.refusals.get("model-remove") {
            error_text(ui, msg);
        }
        changed
    }

    fn remove_model(&mut self, s: &mut Scenario, name: &str, replacement: &str) -> bool {
        self.confirm = None;
        let r = s.remove_model(name, replacement);
        self.refuse("model-remove", r.as_ref().err());
        self.forget_indexed("models.");
        r.is_ok()
    }

    /// A picker over the price table's chat models with a search field; returns the key chosen.
    fn price_key_search(
        &mut self,
        ui: &mut Ui,
        s: &Scenario,
        id: impl std::hash::Hash + std::fmt::Debug,
        (label, shown): (&str, &str),
    ) -> Option<String> {
        let mut chosen = None;
        let l = ui.label(label);
        egui::ComboBox::from_id_salt(id)
            .selected_text(shown)
            .width(260.0)
            // Clicking into the search field must not close the list.
            .close_behavior(egui::PopupCloseBehavior::CloseOnClickOutside)
            .show_ui(ui, |ui| {
                ui.horizontal(|ui| {
                    let l = ui.label("Search");
                    let r = ui.text_edit_singleline(&mut self.price_search).labelled_by(l.id);
                    if !r.has_focus() && ui.memory(|m| m.focused().is_none()) {
                        r.request_focus();
                    }
                });
                let keys = s.chat_price_keys(&self.price_search);
                if keys.is_empty() {
                    ui.label(RichText::new("No chat model matches").weak());
                }
                for k in keys.iter().take(MAX_MATCHES) {
                    let Some(p) = s.prices.get(k) else { continue };
                    let text = format!(
                        "{k} · ${} in / ${} out per Mtok",
                        p.input_usd_per_mtok.get(),
                        p.output_usd_per_mtok.get()
                    );
                    if ui.selectable_label(false, text).clicked() {
                        chosen = Some(k.clone());
                        ui.close();
                    }
                }
                if keys.len() > MAX_MATCHES {
                    ui.label(RichText::new(format!("… {} more: narrow the search", keys.len() - MAX_MATCHES)).weak());
                }
            })
            .response
            .labelled_by(l.id);
        chosen
    }
}

/// The prices of model `name`'s key, editable (an edit marks the entry as the user's own).
fn prices_ui(ui: &mut Ui, s: &mut Scenario, name: &str) -> bool {
    let Some(key) = s.file.models.get(name).map(|m| m.price_key.clone()) else {
        return false;
    };
    let Some(p) = s.prices.models.get_mut(&key) else {
        return false;
    };
    let mut edited = nonneg_field(ui, "Input price", &mut p.input_usd_per_mtok, 0.01, " $/Mtok", 1e5);
    edited |= nonneg_field(ui, "Output price", &mut p.output_usd_per_mtok, 0.01, " $/Mtok", 1e5);
    if let Some(c) = &mut p.cache_read_usd_per_mtok {
        edited |= nonneg_field(ui, "Cached input price", c, 0.001, " $/Mtok", 1e5);
    }
    if edited {
        p.mark_edited(&crate::model::prices::today());
    }
    ui.label(
        RichText::new(format!("as of {} · {}", p.as_of, p.source))
            .small()
            .weak(),
    );
    edited
}
