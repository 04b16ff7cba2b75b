//! The editor's fields: numbers with units and bounds, distributions with a picker for their
//! kind, model pickers, names renamed on Enter, and messages shown beside the field.

use egui::{RichText, Ui};

use crate::model::Diagnostic;
use crate::model::dist::{Dist, DistSpec, NonNegDist, ProbDist};
use crate::model::ron_io::{NonNeg, Prob};

use super::Editor;

/// A field holding a distribution, whatever its constraint.
pub(super) trait DistField {
    fn spec(&self) -> DistSpec;
    fn set(&mut self, spec: DistSpec) -> Result<(), String>;
}
impl DistField for Dist {
    fn spec(&self) -> DistSpec {
        self.spec().clone()
    }
    fn set(&mut self, spec: DistSpec) -> Result<(), String> {
        *self = Dist::try_from(spec).map_err(|e| e.0)?;
        Ok(())
    }
}
impl DistField for ProbDist {
    fn spec(&self) -> DistSpec {
        self.0.spec().clone()
    }
    fn set(&mut self, spec: DistSpec) -> Result<(), String> {
        *self = ProbDist::try_from(spec).map_err(|e| e.0)?;
        Ok(())
    }
}
impl DistField for NonNegDist {
    fn spec(&self) -> DistSpec {
        self.0.spec().clone()
    }
    fn set(&mut self, spec: DistSpec) -> Result<(), String> {
        *self = NonNegDist::try_from(spec).map_err(|e| e.0)?;
        Ok(())
    }
}

/// Converts a distribution to another kind, keeping its mean and spread where it can.
pub fn convert_kind(spec: &DistSpec, kind: &str) -> DistSpec {
    let (m, s) = match Dist::try_from(spec.clone()) {
        Ok(d) => (d.mean(), d.sd()),
        Err(_) => (1.0, 0.1),
    };
    let s = if s > 0.0 && s.is_finite() {
        s
    } else {
        (m.abs() * 0.1).max(0.01)
    };
    match kind {
        "Fixed" => DistSpec::Fixed(m),
        "Uniform" => DistSpec::Uniform(m - s * 3f64.sqrt(), m + s * 3f64.sqrt()),
        "Normal" => DistSpec::Normal(m, s),
        "LogNormal" => DistSpec::LogNormal(m.abs().max(1e-9), m.abs().max(1e-9) + 1.645 * s),
        "Gamma" => DistSpec::Gamma(m.abs().max(1e-9), s),
        "Beta" => {
            let mean = m.clamp(0.01, 0.99);
            DistSpec::Beta(mean, s.min(0.5 * (mean * (1.0 - mean)).sqrt()))
        }
        "Pert" => DistSpec::Pert(m - 2.0 * s, m, m + 2.0 * s),
        _ => DistSpec::Empirical(vec![m]),
    }
}

/// The parameter names of a kind, with the spec's values.
fn params(spec: &DistSpec) -> Vec<(&'static str, f64)> {
    match spec {
        DistSpec::Fixed(x) => vec![("value", *x)],
        DistSpec::Uniform(a, b) => vec![("min", *a), ("max", *b)],
        DistSpec::Normal(a, b) | DistSpec::Gamma(a, b) | DistSpec::Beta(a, b) => vec![("mean", *a), ("sd", *b)],
        DistSpec::LogNormal(a, b) => vec![("median", *a), ("p95", *b)],
        DistSpec::Pert(a, b, c) => vec![("min", *a), ("mode", *b), ("max", *c)],
        DistSpec::Empirical(_) => vec![],
    }
}

fn with_params(spec: &DistSpec, v: &[f64]) -> DistSpec {
    match spec {
        DistSpec::Fixed(_) => DistSpec::Fixed(v[0]),
        DistSpec::Uniform(..) => DistSpec::Uniform(v[0], v[1]),
        DistSpec::Normal(..) => DistSpec::Normal(v[0], v[1]),
        DistSpec::Gamma(..) => DistSpec::Gamma(v[0], v[1]),
        DistSpec::Beta(..) => DistSpec::Beta(v[0], v[1]),
        DistSpec::LogNormal(..) => DistSpec::LogNormal(v[0], v[1]),
        DistSpec::Pert(..) => DistSpec::Pert(v[0], v[1], v[2]),
        DistSpec::Empirical(x) => DistSpec::Empirical(x.clone()),
    }
}

/// The size of a problem's message beside its field: as large as the fields' own text.
pub(super) const ERROR_TEXT_PX: f32 = 13.0;

pub(super) fn error_text(ui: &mut Ui, msg: &str) {
    ui.add(
        egui::Label::new(
            RichText::new(format!("(!) {msg}"))
                .color(crate::gui::rgb(crate::report::theme::WORSE))
                .size(ERROR_TEXT_PX),
        )
        .wrap(),
    );
}

/// Where the editor notes which fields' problems it showed this frame (see [`shown_errors`]).
fn shown_errors_id() -> egui::Id {
    egui::Id::unique("costplan_editor_shown_errors")
}

/// Shows the problems of the field at `path` beside it (and notes them as shown).
pub(super) fn show_errors(ui: &mut Ui, errors: &[Diagnostic], path: &str) {
    let mut any = false;
    for e in errors.iter().filter(|e| e.field == path) {
        error_text(ui, &e.message);
        any = true;
    }
    if any {
        ui.ctx().data_mut(|d| {
            d.get_temp_mut_or_default::<Vec<String>>(shown_errors_id())
                .push(path.to_string());
        });
    }
}

/// The fields whose problems were shown beside them since the last [`forget_shown_errors`].
pub(super) fn shown_errors(ctx: &egui::Context) -> Vec<String> {
    ctx.data(|d| d.get_temp::<Vec<String>>(shown_errors_id()).unwrap_or_default())
}

pub(super) fn forget_shown_errors(ctx: &egui::Context) {
    ctx.data_mut(|d| d.remove::<Vec<String>>(shown_errors_id()));
}

pub(super) fn num(ui: &mut Ui, label: &str, v: &mut f64, speed: f64, suffix: &str, min: f64, max: f64) -> bool {
    ui.horizontal(|ui| {
        let l = ui.label(label);
        ui.add(egui::DragValue::new(v).speed(speed).suffix(suffix).range(min..=max))
            .labelled_by(l.id)
            .changed()
    })
    .inner
}

/// A probability field (0 to 1); returns whether it changed.
pub(super) fn prob_field(ui: &mut Ui, label: &str, v: &mut Prob, speed: f64, suffix: &str) -> bool {
    let mut x = v.get();
    let changed = num(ui, label, &mut x, speed, suffix, 0.0, 1.0);
    if changed {
        *v = Prob::new(x).unwrap_or_default();
    }
    changed
}

/// A non-negative field up to `max`; returns whether it changed.
pub(super) fn nonneg_field(ui: &mut Ui, label: &str, v: &mut NonNeg, speed: f64, suffix: &str, max: f64) -> bool {
    let mut x = v.get();
    let changed = num(ui, label, &mut x, speed, suffix, 0.0, max);
    if changed {
        *v = NonNeg::new(x).unwrap_or_default();
    }
    changed
}

/// The guardrails: the quality drop and p95 latency a candidate must respect, and the risk a
/// defensible budget is for; returns whether they changed.
pub(super) fn guardrails_section(
    ui: &mut Ui,
    g: &mut crate::model::scenario::Guardrails,
    errors: &[Diagnostic],
) -> bool {
    let mut changed = false;
    egui::CollapsingHeader::new("Guardrails").show(ui, |ui| {
        let mut drop_points = g.max_success_drop.get() * 100.0;
        if num(ui, "Largest success drop", &mut drop_points, 0.1, " points", 0.0, 100.0) {
            g.max_success_drop = Prob::new(drop_points / 100.0).unwrap_or_default();
            changed = true;
        }
        changed |= toggle(ui, &mut g.p95_latency_ms, "p95 latency limit", || {
            NonNeg::new(5000.0).unwrap_or_default()
        });
        if let Some(limit) = &mut g.p95_latency_ms {
            changed |= nonneg_field(ui, "p95 latency at most", limit, 10.0, " ms", 3_600_000.0);
        }
        let mut risk_pct = g.budget_risk.get() * 100.0;
        if num(ui, "Budget risk", &mut risk_pct, 0.1, " %", 0.1, 50.0) {
            g.budget_risk = Prob::new(risk_pct / 100.0).unwrap_or_default();
            changed = true;
        }
        ui.label(
            RichText::new("A defensible budget runs out within some period in at most this share of runs.")
                .weak()
                .small(),
        );
        show_errors(ui, errors, "guardrails.budget_risk");
    });
    changed
}

pub(super) fn int(ui: &mut Ui, label: &str, v: &mut u64, suffix: &str, max: u64) -> bool {
    ui.horizontal(|ui| {
        let l = ui.label(label);
        ui.add(egui::DragValue::new(v).speed(10.0).suffix(suffix).range(0..=max))
            .labelled_by(l.id)
            .changed()
    })
    .inner
}

impl Editor {
    /// Edits a distribution field; returns whether the value changed (and is valid).
    pub(super) fn dist<F: DistField>(
        &mut self,
        ui: &mut Ui,
        label: &str,
        path: &str,
        field: &mut F,
        unit: &str,
    ) -> bool {
        let mut changed = false;
        let current = self
            .pending
            .get(path)
            .map(|p| p.0.clone())
            .unwrap_or_else(|| field.spec());
        let mut next: Option<DistSpec> = None;
        ui.horizontal_wrapped(|ui| {
            let l = ui.label(label);
            let mut kind = current.kind_name();
            egui::ComboBox::from_id_salt(("kind", path))
                .selected_text(kind)
                .width(80.0)
                .show_ui(ui, |ui| {
                    for k in DistSpec::KINDS {
                        ui.selectable_value(&mut kind, k, k);
                    }
                })
                .response
                .labelled_by(l.id);
            if kind != current.kind_name() {
                next = Some(convert_kind(&current, kind));
            }
            let ps = params(&current);
            let mut vals: Vec<f64> = ps.iter().map(|p| p.1).collect();
            let mut any = false;
            for (i, (name, _)) in ps.iter().enumerate() {
                let speed = (vals[i].abs() * 0.01).max(0.001);
                let r = ui
                    .add(
                        egui::DragValue::new(&mut vals[i])
                            .speed(speed)
                            .prefix(format!("{name} "))
                            .suffix(unit),
                    )
                    .labelled_by(l.id);
                any |= r.changed();
            }
            if let DistSpec::Empirical(xs) = &current {
                let mut text = xs.iter().map(|x| x.to_string()).collect::<Vec<_>>().join(", ");
                let r = ui
                    .add(egui::TextEdit::singleline(&mut text).desired_width(140.0))
                    .labelled_by(l.id);
                if r.changed() {
                    let parsed: Vec<f64> = text.split(',').filter_map(|t| t.trim().parse().ok()).collect();
                    next = Some(DistSpec::Empirical(parsed));
                }
            }
            if any {
                next = Some(with_params(&current, &vals));
            }
        });
        if let Some(spec) = next {
            match field.set(spec.clone()) {
                Ok(()) => {
                    self.pending.remove(path);
                    changed = true;
                }
                Err(e) => {
                    self.pending.insert(path.to_string(), (spec, e));
                }
            }
        }
        if let Some((_, e)) = self.pending.get(path) {
            error_text(ui, e);
        }
        changed
    }
}

/// A model picker; returns whether the choice changed.
pub(super) fn model_picker(
    ui: &mut Ui,
    id: impl std::hash::Hash + std::fmt::Debug,
    models: &[String],
    current: &mut String,
    label: egui::Id,
) -> bool {
    let mut sel = current.clone();
    egui::ComboBox::from_id_salt(id)
        .selected_text(sel.as_str())
        .show_ui(ui, |ui| {
            for m in models {
                ui.selectable_value(&mut sel, m.clone(), m);
            }
        })
        .response
        .labelled_by(label);
    if &sel != current {
        *current = sel;
        true
    } else {
        false
    }
}

impl Editor {
    /// A name typed in place and handed back on Enter (or when the field loses focus), when it
    /// differs from `current`; a refusal recorded with [`Editor::refuse`] is shown beside it.
    pub(super) fn name_field(&mut self, ui: &mut Ui, label: &str, id: &str, current: &str) -> Option<String> {
        let buf = self.names.entry(id.to_string()).or_insert_with(|| current.to_string());
        let r = ui
            .horizontal(|ui| {
                let l = ui.label(label);
                ui.add(egui::TextEdit::singleline(buf).desired_width(160.0))
                    .labelled_by(l.id)
            })
            .inner;
        let typed = if r.lost_focus() {
            self.names.remove(id).filter(|t| t != current)
        } else {
            if !r.has_focus() {
                self.names.insert(id.to_string(), current.to_string());
            }
            None
        };
        if let Some(msg) = self.refusals.get(id) {
            error_text(ui, msg);
        }
        typed
    }

    /// Shows `err` beside the field `id` until the next successful edit there.
    pub(super) fn refuse(&mut self, id: &str, err: Option<impl std::fmt::Display>) {
        match err {
            Some(e) => self.refusals.insert(id.to_string(), e.to_string()),
            None => self.refusals.remove(id),
        };
    }
}

/// A choice among `options` shown by name; returns the one clicked, if it differs.
pub(super) fn choice<T: Copy + PartialEq>(
    ui: &mut Ui,
    label: &str,
    id: impl std::hash::Hash + std::fmt::Debug,
    current: T,
    options: &[T],
    name: impl Fn(T) -> String,
) -> Option<T> {
    let mut sel = current;
    ui.horizontal(|ui| {
        let l = ui.label(label);
        egui::ComboBox::from_id_salt(id)
            .selected_text(name(current))
            .show_ui(ui, |ui| {
                for &o in options {
                    ui.selectable_value(&mut sel, o, name(o));
                }
            })
            .response
            .labelled_by(l.id);
    });
    (sel != current).then_some(sel)
}

/// A labelled model picker on its own line; returns whether the choice changed.
pub(super) fn model_row(
    ui: &mut Ui,
    label: &str,
    id: impl std::hash::Hash + std::fmt::Debug,
    models: &[String],
    current: &mut String,
) -> bool {
    ui.horizontal(|ui| {
        let l = ui.label(label);
        model_picker(ui, id, models, current, l.id)
    })
    .inner
}

/// A checkbox that switches a component on (with its suggested settings) or off.
pub(super) fn toggle<T>(ui: &mut Ui, slot: &mut Option<T>, label: &str, suggested: impl FnOnce() -> T) -> bool {
    let mut on = slot.is_some();
    let changed = ui.checkbox(&mut on, label).changed();
    if changed {
        *slot = on.then(suggested);
    }
    changed
}
