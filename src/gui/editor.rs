//! The left panel: the scenario — traffic, models, policies — editable in place, with units, a
//! picker for each distribution's kind, and validation shown beside the field.

use std::collections::HashMap;

use egui::{Color32, RichText, Ui};

use crate::model::dist::{Dist, DistSpec, NonNegDist, ProbDist};
use crate::model::policy::{
    Budget, BudgetPeriod, BudgetScope, ContextCap, ExactCache, OnBreach, PromptCaching, Router,
};
use crate::model::ron_io::{NonNeg, Prob};
use crate::model::{Diagnostic, Scenario};

/// A field holding a distribution, whatever its constraint.
trait DistField {
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

/// The scenario editor's own state (values typed but not yet valid).
#[derive(Default)]
pub struct Editor {
    pending: HashMap<String, (DistSpec, String)>,
}

fn error_text(ui: &mut Ui, msg: &str) {
    ui.label(
        RichText::new(format!("(!) {msg}"))
            .color(Color32::from_rgb(220, 80, 60))
            .small(),
    );
}

fn show_errors(ui: &mut Ui, errors: &[Diagnostic], path: &str) {
    for e in errors.iter().filter(|e| e.field == path) {
        error_text(ui, &e.message);
    }
}

fn num(ui: &mut Ui, label: &str, v: &mut f64, speed: f64, suffix: &str, min: f64, max: f64) -> bool {
    ui.horizontal(|ui| {
        let l = ui.label(label);
        ui.add(egui::DragValue::new(v).speed(speed).suffix(suffix).range(min..=max))
            .labelled_by(l.id)
            .changed()
    })
    .inner
}

/// A probability field (0 to 1); returns whether it changed.
fn prob_field(ui: &mut Ui, label: &str, v: &mut Prob, speed: f64, suffix: &str) -> bool {
    let mut x = v.get();
    let changed = num(ui, label, &mut x, speed, suffix, 0.0, 1.0);
    if changed {
        *v = Prob::new(x).unwrap_or_default();
    }
    changed
}

/// A non-negative field up to `max`; returns whether it changed.
fn nonneg_field(ui: &mut Ui, label: &str, v: &mut NonNeg, speed: f64, suffix: &str, max: f64) -> bool {
    let mut x = v.get();
    let changed = num(ui, label, &mut x, speed, suffix, 0.0, max);
    if changed {
        *v = NonNeg::new(x).unwrap_or_default();
    }
    changed
}

/// The guardrails: the quality drop and p95 latency a candidate must respect, and the risk a
/// defensible budget is for; returns whether they changed.
fn guardrails_section(ui: &mut Ui, g: &mut crate::model::scenario::Guardrails, errors: &[Diagnostic]) -> bool {
    let mut changed = false;
    egui::CollapsingHeader::new("Guardrails").show(ui, |ui| {
        let mut drop_points = g.max_success_drop.get() * 100.0;
        if num(ui, "Largest success drop", &mut drop_points, 0.1, " points", 0.0, 100.0) {
            g.max_success_drop = Prob::new(drop_points / 100.0).unwrap_or_default();
            changed = true;
        }
        let mut has_latency = g.p95_latency_ms.is_some();
        if ui.checkbox(&mut has_latency, "p95 latency limit").changed() {
            g.p95_latency_ms = has_latency.then(|| NonNeg::new(5000.0).unwrap_or_default());
            changed = true;
        }
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

fn int(ui: &mut Ui, label: &str, v: &mut u64, suffix: &str, max: u64) -> bool {
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
    fn dist<F: DistField>(&mut self, ui: &mut Ui, label: &str, path: &str, field: &mut F, unit: &str) -> bool {
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

    /// Shows the editor; returns whether the scenario changed.
    pub fn ui(&mut self, ui: &mut Ui, s: &mut Scenario, errors: &[Diagnostic]) -> bool {
        let mut changed = false;
        // One line that is always there (so a message never pushes the fields down mid-edit);
        // each message is shown beside its field, and all of them on hover here.
        let summary = match errors.len() {
            0 => RichText::new("Scenario valid").weak(),
            n => RichText::new(format!(
                "{n} problem{}: results are from the last valid scenario",
                if n == 1 { "" } else { "s" }
            ))
            .color(Color32::from_rgb(220, 80, 60)),
        };
        let line = ui.label(summary);
        if !errors.is_empty() {
            line.on_hover_text(
                errors
                    .iter()
                    .map(|e| format!("{}: {}", e.field, e.message))
                    .collect::<Vec<_>>()
                    .join("\n"),
            );
        }
        ui.separator();
        egui::CollapsingHeader::new("Scenario")
            .default_open(true)
            .show(ui, |ui| {
                ui.horizontal(|ui| {
                    let l = ui.label("Name");
                    changed |= ui.text_edit_singleline(&mut s.file.name).labelled_by(l.id).changed();
                });
                let mut h = s.file.horizon_days as u64;
                if int(ui, "Horizon", &mut h, " days", 3660) {
                    s.file.horizon_days = h as u32;
                    changed = true;
                }
                let mut r = s.file.runs as u64;
                if int(ui, "Runs", &mut r, "", 100_000) {
                    s.file.runs = r as u32;
                    changed = true;
                }
                show_errors(ui, errors, "horizon_days");
                show_errors(ui, errors, "runs");
                changed |= int(ui, "Seed", &mut s.file.seed, "", u64::MAX);
            });
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
                for (i, c) in t.classes.iter_mut().enumerate() {
                    let base = format!("traffic.classes[{i}]");
                    egui::CollapsingHeader::new(format!("Class {}", c.name))
                        .id_salt(("class", i))
                        .show(ui, |ui| {
                            changed |= prob_field(ui, "Share", &mut c.share, 0.005, "");
                            show_errors(ui, errors, "traffic.classes");
                            show_errors(ui, errors, &format!("{base}.share"));
                            changed |= self.dist(
                                ui,
                                "Input tokens",
                                &format!("{base}.input_tokens"),
                                &mut c.input_tokens,
                                " tok",
                            );
                            changed |= int(ui, "Shared prefix", &mut c.shared_prefix_tokens, " tok", 10_000_000);
                            changed |= self.dist(
                                ui,
                                "Output tokens",
                                &format!("{base}.output_tokens"),
                                &mut c.output_tokens,
                                " tok",
                            );
                            changed |= self.dist(
                                ui,
                                "Exact repeats",
                                &format!("{base}.exact_repeat_rate"),
                                &mut c.exact_repeat_rate,
                                "",
                            );
                            changed |= self.dist(
                                ui,
                                "Near repeats",
                                &format!("{base}.near_repeat_rate"),
                                &mut c.near_repeat_rate,
                                "",
                            );
                            changed |= self.dist(
                                ui,
                                "Retry on failure",
                                &format!("{base}.retry_on_failure"),
                                &mut c.retry_on_failure,
                                "",
                            );
                            changed |= ui.checkbox(&mut c.batchable, "Batchable (offline)").changed();
                            show_errors(ui, errors, &format!("{base}.near_repeat_rate"));
                        });
                }
            });
        egui::CollapsingHeader::new("Models")
            .default_open(false)
            .show(ui, |ui| {
                let names: Vec<String> = s.traffic.classes.iter().map(|c| c.name.clone()).collect();
                for (name, m) in s.file.models.iter_mut() {
                    egui::CollapsingHeader::new(format!("Model {name}"))
                        .id_salt(("model", name.as_str()))
                        .show(ui, |ui| {
                            ui.label(format!("Price key: {}", m.price_key));
                            if let Some(p) = s.prices.models.get_mut(&m.price_key) {
                                let mut edited =
                                    nonneg_field(ui, "Input price", &mut p.input_usd_per_mtok, 0.01, " $/Mtok", 1e5);
                                edited |=
                                    nonneg_field(ui, "Output price", &mut p.output_usd_per_mtok, 0.01, " $/Mtok", 1e5);
                                if edited {
                                    p.mark_edited(&crate::model::prices::today());
                                }
                                changed |= edited;
                                ui.label(
                                    RichText::new(format!("as of {} · {}", p.as_of, p.source))
                                        .small()
                                        .weak(),
                                );
                            }
                            for c in &names {
                                if let Some(d) = m.success.get_mut(c) {
                                    changed |= self.dist(
                                        ui,
                                        &format!("Success {c}"),
                                        &format!("models.{name}.success.{c}"),
                                        d,
                                        "",
                                    );
                                }
                            }
                            changed |= self.dist(
                                ui,
                                "Time to first token",
                                &format!("models.{name}.ttft_ms"),
                                &mut m.ttft_ms,
                                " ms",
                            );
                            changed |= self.dist(
                                ui,
                                "Output speed",
                                &format!("models.{name}.output_tokens_per_s"),
                                &mut m.output_tokens_per_s,
                                " tok/s",
                            );
                        });
                }
            });
        changed |= guardrails_section(ui, &mut s.file.guardrails, errors);
        egui::CollapsingHeader::new("Policies")
            .default_open(true)
            .show(ui, |ui| {
                let models: Vec<String> = s.file.models.keys().cloned().collect();
                // Models from cheapest to dearest (by output price), for sensible defaults.
                let mut by_price = models.clone();
                let price_of = |m: &String| {
                    s.file
                        .models
                        .get(m)
                        .and_then(|p| s.prices.get(&p.price_key))
                        .map(|p| p.output_usd_per_mtok.get())
                        .unwrap_or(0.0)
                };
                by_price.sort_by(|a, b| price_of(a).total_cmp(&price_of(b)));
                let cheap = by_price.first().cloned().unwrap_or_default();
                let dear = by_price.last().cloned().unwrap_or_default();
                let embedding_key = s
                    .prices
                    .models
                    .iter()
                    .find(|(_, p)| p.kind == crate::model::prices::ModelKind::Embedding)
                    .map(|(k, _)| k.clone());
                let class_names: Vec<String> = s.traffic.classes.iter().map(|c| c.name.clone()).collect();
                let baseline = s.file.baseline.clone();
                for (i, p) in s.policies.iter_mut().enumerate() {
                    let base = format!("policies[{i}]");
                    let title = if p.name == baseline {
                        format!("Policy {} (baseline)", p.name)
                    } else {
                        format!("Policy {}", p.name)
                    };
                    egui::CollapsingHeader::new(title)
                        .id_salt(("policy", i))
                        .show(ui, |ui| {
                            show_errors(ui, errors, &base);
                            let kind_of = |r: &Option<Router>| match r {
                                None => "Default model",
                                Some(Router::Fixed(_)) => "Fixed",
                                Some(Router::Rules { .. }) => "Rules",
                                Some(Router::Cascade { .. }) => "Cascade",
                                Some(Router::Learned { .. }) => "Learned",
                            };
                            let mut kind = kind_of(&p.router);
                            ui.horizontal(|ui| {
                                let l = ui.label("Router");
                                egui::ComboBox::from_id_salt(("router_kind", i))
                                    .selected_text(kind)
                                    .show_ui(ui, |ui| {
                                        for k in ["Default model", "Fixed", "Rules", "Cascade", "Learned"] {
                                            ui.selectable_value(&mut kind, k, k);
                                        }
                                    })
                                    .response
                                    .labelled_by(l.id);
                            });
                            if kind != kind_of(&p.router) {
                                p.router = match kind {
                                    "Fixed" => Some(Router::Fixed(dear.clone())),
                                    "Rules" => Some(Router::Rules {
                                        rules: Vec::new(),
                                        default: dear.clone(),
                                    }),
                                    "Cascade" => Some(Router::Cascade {
                                        stages: vec![cheap.clone(), dear.clone()],
                                        verifier: crate::model::policy::Verifier {
                                            model: cheap.clone(),
                                            recall: ProbDist::fixed(0.8),
                                            false_alarm_rate: ProbDist::fixed(0.1),
                                            reads_task: true,
                                            extra_input_tokens: 300,
                                            output_tokens: 20,
                                        },
                                    }),
                                    "Learned" => Some(Router::Learned {
                                        strong: dear.clone(),
                                        weak: cheap.clone(),
                                        strong_share: Prob::new(0.3).unwrap_or_default(),
                                        signal_noise: NonNeg::new(0.15).unwrap_or_default(),
                                    }),
                                    _ => None,
                                };
                                changed = true;
                            }
                            show_errors(ui, errors, &format!("{base}.router"));
                            match &mut p.router {
                                Some(Router::Fixed(m)) => {
                                    let mut sel = m.clone();
                                    ui.horizontal(|ui| {
                                        let l = ui.label("Router: fixed model");
                                        egui::ComboBox::from_id_salt(("router", i))
                                            .selected_text(&sel)
                                            .show_ui(ui, |ui| {
                                                for name in &models {
                                                    ui.selectable_value(&mut sel, name.clone(), name);
                                                }
                                            })
                                            .response
                                            .labelled_by(l.id);
                                    });
                                    if &sel != m {
                                        *m = sel;
                                        changed = true;
                                    }
                                }
                                Some(Router::Learned {
                                    strong_share,
                                    signal_noise,
                                    ..
                                }) => {
                                    changed |= prob_field(ui, "Learned router: strong share", strong_share, 0.005, "");
                                    changed |= nonneg_field(ui, "Signal noise", signal_noise, 0.005, "", 10.0);
                                }
                                Some(Router::Cascade { stages, verifier }) => {
                                    ui.label(format!("Router: cascade {}", stages.join(" -> ")));
                                    changed |= self.dist(
                                        ui,
                                        "Verifier recall",
                                        &format!("{base}.router.verifier.recall"),
                                        &mut verifier.recall,
                                        "",
                                    );
                                    changed |= self.dist(
                                        ui,
                                        "Verifier false alarms",
                                        &format!("{base}.router.verifier.false_alarm_rate"),
                                        &mut verifier.false_alarm_rate,
                                        "",
                                    );
                                }
                                Some(Router::Rules { rules, default }) => {
                                    let mut remove = None;
                                    for (k, rule) in rules.iter_mut().enumerate() {
                                        ui.horizontal(|ui| {
                                            let when = match &rule.when {
                                                crate::model::policy::Condition::Class(c) => format!("class {c}"),
                                                crate::model::policy::Condition::Owner(o) => format!("owner {o}"),
                                                crate::model::policy::Condition::InputTokensAbove(n) => {
                                                    format!("input above {n} tok")
                                                }
                                            };
                                            let l = ui.label(format!("  if {when}, use"));
                                            changed |= model_picker(ui, ("rule", i, k), &models, &mut rule.model, l.id);
                                            if ui.small_button("Remove").clicked() {
                                                remove = Some(k);
                                            }
                                        });
                                    }
                                    if let Some(k) = remove {
                                        rules.remove(k);
                                        changed = true;
                                    }
                                    ui.horizontal(|ui| {
                                        let l = ui.label("  otherwise");
                                        changed |= model_picker(ui, ("rules_default", i), &models, default, l.id);
                                    });
                                    let mut add: Option<String> = None;
                                    egui::ComboBox::from_id_salt(("add_rule", i))
                                        .selected_text("Add a rule for class…")
                                        .show_ui(ui, |ui| {
                                            for c in &class_names {
                                                if ui.selectable_label(false, c).clicked() {
                                                    add = Some(c.clone());
                                                }
                                            }
                                        });
                                    if let Some(c) = add {
                                        rules.push(crate::model::policy::Rule {
                                            when: crate::model::policy::Condition::Class(c),
                                            model: cheap.clone(),
                                        });
                                        changed = true;
                                    }
                                }
                                None => {
                                    ui.label("Router: the scenario's default model");
                                }
                            }
                            let mut on = p.exact_cache.is_some();
                            if ui.checkbox(&mut on, "Exact cache").changed() {
                                p.exact_cache = on.then(|| ExactCache {
                                    hit_given_repeat: ProbDist::fixed(0.9),
                                    latency_ms: NonNeg::new(5.0).unwrap_or_default(),
                                });
                                changed = true;
                            }
                            if let Some(c) = &mut p.exact_cache {
                                changed |= self.dist(
                                    ui,
                                    "  hit given repeat",
                                    &format!("{base}.exact_cache.hit_given_repeat"),
                                    &mut c.hit_given_repeat,
                                    "",
                                );
                            }
                            let mut sem_on = p.semantic_cache.is_some();
                            let r = ui.add_enabled(
                                embedding_key.is_some() || sem_on,
                                egui::Checkbox::new(&mut sem_on, "Semantic cache"),
                            );
                            if r.changed() {
                                p.semantic_cache = match (&embedding_key, sem_on) {
                                    (Some(k), true) => Some(crate::model::policy::SemanticCache {
                                        embedding_price_key: k.clone(),
                                        hit_given_near_repeat: ProbDist::fixed(0.7),
                                        wrong_hit_given_near_repeat: ProbDist::fixed(0.03),
                                        false_hit_rate: ProbDist::fixed(0.01),
                                        lookup_latency_ms: NonNeg::new(20.0).unwrap_or_default(),
                                    }),
                                    _ => None,
                                };
                                changed = true;
                            }
                            if let Some(sc) = &mut p.semantic_cache {
                                ui.label(format!("Semantic cache ({})", sc.embedding_price_key));
                                changed |= self.dist(
                                    ui,
                                    "  right hit | near repeat",
                                    &format!("{base}.semantic_cache.hit_given_near_repeat"),
                                    &mut sc.hit_given_near_repeat,
                                    "",
                                );
                                changed |= self.dist(
                                    ui,
                                    "  wrong hit | near repeat",
                                    &format!("{base}.semantic_cache.wrong_hit_given_near_repeat"),
                                    &mut sc.wrong_hit_given_near_repeat,
                                    "",
                                );
                                changed |= self.dist(
                                    ui,
                                    "  false hit rate",
                                    &format!("{base}.semantic_cache.false_hit_rate"),
                                    &mut sc.false_hit_rate,
                                    "",
                                );
                            }
                            let mut pc = p.prompt_caching.is_some();
                            if ui.checkbox(&mut pc, "Provider prompt caching").changed() {
                                p.prompt_caching = pc.then(PromptCaching::default);
                                changed = true;
                            }
                            let mut cap_on = p.context_cap.is_some();
                            if ui.checkbox(&mut cap_on, "Context cap").changed() {
                                p.context_cap = cap_on.then(|| ContextCap {
                                    max_input_tokens: 8000,
                                    success_penalty: Prob::new(0.05).unwrap_or_default(),
                                });
                                changed = true;
                            }
                            if let Some(c) = &mut p.context_cap {
                                changed |= int(ui, "  max input", &mut c.max_input_tokens, " tok", 10_000_000);
                                changed |= prob_field(ui, "  success penalty", &mut c.success_penalty, 0.005, "");
                                show_errors(ui, errors, &format!("{base}.context_cap.max_input_tokens"));
                            }
                            let mut b_on = p.budget.is_some();
                            if ui.checkbox(&mut b_on, "Budget").changed() {
                                p.budget = b_on.then(|| Budget {
                                    scope: BudgetScope::Total,
                                    period: BudgetPeriod::Month,
                                    cap_usd: NonNeg::new(1000.0).unwrap_or_default(),
                                    owner_caps_usd: Default::default(),
                                    on_breach: OnBreach::AlertOnly,
                                    alert_at: Prob::new(0.8).unwrap_or_default(),
                                });
                                changed = true;
                            }
                            if let Some(b) = &mut p.budget {
                                let period = if b.period == BudgetPeriod::Day {
                                    " $/day"
                                } else {
                                    " $/month"
                                };
                                changed |= nonneg_field(ui, "  cap", &mut b.cap_usd, 1.0, period, 1e12);
                                ui.horizontal(|ui| {
                                    ui.label("  scope");
                                    changed |= ui.selectable_value(&mut b.scope, BudgetScope::Total, "Total").changed();
                                    changed |= ui
                                        .selectable_value(&mut b.scope, BudgetScope::PerOwner, "Per owner")
                                        .changed();
                                    ui.label("period");
                                    changed |= ui.selectable_value(&mut b.period, BudgetPeriod::Day, "Day").changed();
                                    changed |= ui
                                        .selectable_value(&mut b.period, BudgetPeriod::Month, "Month")
                                        .changed();
                                });
                                ui.horizontal(|ui| {
                                    let l = ui.label("  on breach");
                                    let text = match &b.on_breach {
                                        OnBreach::AlertOnly => "Alert only".to_string(),
                                        OnBreach::Reject => "Reject".to_string(),
                                        OnBreach::Downgrade(m) => format!("Downgrade to {m}"),
                                    };
                                    let mut next: Option<OnBreach> = None;
                                    egui::ComboBox::from_id_salt(("on_breach", i))
                                        .selected_text(text)
                                        .show_ui(ui, |ui| {
                                            if ui.selectable_label(false, "Alert only").clicked() {
                                                next = Some(OnBreach::AlertOnly);
                                            }
                                            if ui.selectable_label(false, "Reject").clicked() {
                                                next = Some(OnBreach::Reject);
                                            }
                                            for m in &models {
                                                if ui.selectable_label(false, format!("Downgrade to {m}")).clicked() {
                                                    next = Some(OnBreach::Downgrade(m.clone()));
                                                }
                                            }
                                        })
                                        .response
                                        .labelled_by(l.id);
                                    if let Some(n) = next {
                                        b.on_breach = n;
                                        changed = true;
                                    }
                                });
                                changed |= prob_field(ui, "  soft alert at", &mut b.alert_at, 0.01, " of cap");
                                show_errors(ui, errors, &format!("{base}.budget.on_breach"));
                            }
                            let mut batch_on = p.batch.is_some();
                            if ui.checkbox(&mut batch_on, "Batch API for batchable classes").changed() {
                                p.batch = batch_on.then(|| crate::model::policy::Batch {
                                    share: ProbDist::fixed(1.0),
                                });
                                changed = true;
                            }
                            if let Some(bt) = &mut p.batch {
                                changed |= self.dist(
                                    ui,
                                    "  share sent to batch",
                                    &format!("{base}.batch.share"),
                                    &mut bt.share,
                                    "",
                                );
                            }
                            let mut retries = p.max_retries.unwrap_or(0) as u64;
                            if int(ui, "Max retries", &mut retries, "", 10) {
                                p.max_retries = Some(retries as u32);
                                changed = true;
                            }
                        });
                }
            });
        changed
    }
}

/// A model picker; returns whether the choice changed.
fn model_picker(
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
