//! The left panel: the scenario — traffic and its classes, models and their prices, guardrails,
//! policies and every component — editable in place, one function per section. Classes, models
//! and policies can be added, duplicated, renamed and removed (`model::edit` keeps references
//! whole; removing something in use asks first), so any scenario the file format holds can be
//! built here.

mod events;
mod fields;
mod models;
mod policies;
mod settings;
mod traffic;

use std::collections::HashMap;

use egui::{RichText, Ui};

pub use fields::convert_kind;
use fields::guardrails_section;

use crate::model::dist::DistSpec;
use crate::model::{Diagnostic, Scenario};

/// A removal that needs the user's word first, shown in place of the item's Remove button.
#[derive(Clone, Debug, PartialEq)]
enum Confirm {
    /// A model some policy or the default model uses; they move to `replacement`.
    RemoveModel {
        name: String,
        users: Vec<String>,
        replacement: String,
    },
    /// A class some routing rules name; those rules go with it.
    RemoveClass { index: usize, users: Vec<String> },
}

/// The scenario editor's own state: values typed but not yet valid, names being typed, refusals
/// shown beside their field, a pending confirmation and the price-table search.
#[derive(Default)]
pub struct Editor {
    pending: HashMap<String, (DistSpec, String)>,
    names: HashMap<String, String>,
    refusals: HashMap<String, String>,
    confirm: Option<Confirm>,
    price_search: String,
}

/// What the sections pick from, gathered once a frame.
struct Refs<'a> {
    errors: &'a [Diagnostic],
    classes: Vec<String>,
    owners: Vec<String>,
    models: Vec<String>,
    /// The cheapest and dearest model by output price (defaults of new routers).
    cheap: String,
    dear: String,
    embedding_keys: Vec<String>,
}

impl<'a> Refs<'a> {
    fn of(s: &Scenario, errors: &'a [Diagnostic]) -> Refs<'a> {
        let by_price = s.models_by_price();
        Refs {
            errors,
            classes: s.class_names(),
            owners: s.traffic.owners(),
            models: s.model_names(),
            cheap: by_price.first().cloned().unwrap_or_default(),
            dear: by_price.last().cloned().unwrap_or_default(),
            embedding_keys: s
                .prices
                .models
                .iter()
                .filter(|(_, p)| p.kind == crate::model::prices::ModelKind::Embedding)
                .map(|(k, _)| k.clone())
                .collect(),
        }
    }
}

impl Editor {
    /// Shows the editor; returns whether the scenario changed.
    pub fn ui(&mut self, ui: &mut Ui, s: &mut Scenario, errors: &[Diagnostic]) -> bool {
        // The summary's line is kept first and filled last, once it is known which problems
        // were shown beside their fields (the others are named in it).
        let line_px = ui.text_style_height(&egui::TextStyle::Body) + 2.0;
        let (summary_rect, _) = ui.allocate_exact_size(egui::vec2(ui.available_width(), line_px), egui::Sense::hover());
        ui.separator();
        fields::forget_shown_errors(ui.ctx());
        let refs = Refs::of(s, errors);
        let mut changed = self.scenario_section(ui, s, &refs);
        changed |= self.traffic_section(ui, s, &refs);
        changed |= self.models_section(ui, s, &refs);
        changed |= guardrails_section(ui, &mut s.file.guardrails, errors);
        changed |= self.policies_section(ui, s, &refs);
        changed |= self.events_section(ui, s, &refs);
        let shown = fields::shown_errors(ui.ctx());
        summary_line(ui, summary_rect, errors, &shown);
        changed
    }

    /// Forgets typed-but-unapplied values of fields keyed by position under `prefix` (after an
    /// insertion or removal they would belong to another item).
    fn forget_indexed(&mut self, prefix: &str) {
        self.names.clear();
        self.refusals.clear();
        self.pending.retain(|k, _| !k.starts_with(prefix));
    }
}

/// One line that is always there (so a message never pushes the fields down mid-edit): the
/// number of problems and, for those not shown beside a field (their section closed, or no
/// field of their own), the first of them — so that every problem counted is on screen; all of
/// them on hover.
fn summary_line(ui: &mut Ui, rect: egui::Rect, errors: &[Diagnostic], shown: &[String]) {
    let elsewhere: Vec<&Diagnostic> = errors.iter().filter(|e| !shown.contains(&e.field)).collect();
    let summary = match (errors.len(), elsewhere.first()) {
        (0, _) => RichText::new("Scenario valid").weak(),
        (n, None) => RichText::new(format!(
            "{n} problem{}, shown beside {}: results are from the last valid scenario",
            if n == 1 { "" } else { "s" },
            if n == 1 { "its field" } else { "their fields" }
        ))
        .color(crate::gui::rgb(crate::report::theme::WORSE)),
        (n, Some(first)) => RichText::new(format!(
            "{n} problem{}; {} not beside a field — {}: {}",
            if n == 1 { "" } else { "s" },
            elsewhere.len(),
            first.field,
            first.message
        ))
        .color(crate::gui::rgb(crate::report::theme::WORSE)),
    };
    // Left-aligned in the line kept for it (`ui.put` would centre it).
    let line = ui
        .scope_builder(egui::UiBuilder::new().max_rect(rect), |ui| {
            ui.add(egui::Label::new(summary).truncate())
        })
        .inner;
    if !errors.is_empty() {
        line.on_hover_text(
            errors
                .iter()
                .map(|e| format!("{}: {}", e.field, e.message))
                .collect::<Vec<_>>()
                .join("\n"),
        );
    }
}
