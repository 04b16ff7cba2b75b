//! The Policies section: each policy's name, version, notes and baseline mark; its router (every
//! kind, every rule condition, cascade stages and verifier) and each tactic's component; new
//! versions from a policy, and policies added or removed.

use egui::{RichText, Ui};

use super::fields::{choice, error_text, int, model_picker, model_row, nonneg_field, prob_field, show_errors, toggle};
use super::{Editor, Refs};
use crate::model::Scenario;
use crate::model::policy::{
    Batch, Budget, BudgetPeriod, BudgetScope, Condition, ConditionKind, ContextCap, ExactCache, MAX_CASCADE_STAGES,
    OnBreach, Policy, PromptCaching, Router, RouterKind, Rule, SemanticCache, Verifier,
};
use crate::model::ron_io::NonNeg;

impl Editor {
    pub(super) fn policies_section(&mut self, ui: &mut Ui, s: &mut Scenario, refs: &Refs) -> bool {
        let mut changed = false;
        egui::CollapsingHeader::new("Policies")
            .default_open(true)
            .show(ui, |ui| {
                let mut i = 0;
                while i < s.policies.len() {
                    changed |= self.policy_ui(ui, s, i, refs);
                    i += 1;
                }
                if ui.button("Add policy").clicked() {
                    s.add_policy();
                    changed = true;
                }
                show_errors(ui, refs.errors, "policies");
                show_errors(ui, refs.errors, "baseline");
            });
        changed
    }

    fn policy_ui(&mut self, ui: &mut Ui, s: &mut Scenario, i: usize, refs: &Refs) -> bool {
        let mut changed = false;
        let name = s.policies[i].name.clone();
        let is_baseline = s.file.baseline == name;
        let title = if is_baseline {
            format!("Policy {name} (baseline)")
        } else {
            format!("Policy {name}")
        };
        egui::CollapsingHeader::new(title)
            .id_salt(("policy", i))
            .show(ui, |ui| {
                let base = format!("policies[{i}]");
                show_errors(ui, refs.errors, &base);
                let id = format!("policy-name-{i}");
                if let Some(new) = self.name_field(ui, "Policy name", &id, &name) {
                    let r = s.rename_policy(i, &new);
                    changed |= r.is_ok();
                    self.refuse(&id, r.err());
                }
                changed |= describe_ui(ui, &mut s.policies[i]);
                changed |= self.router_ui(ui, &mut s.policies[i], &base, refs);
                changed |= self.caches_ui(ui, &mut s.policies[i], &base, refs);
                changed |= self.limits_ui(ui, &mut s.policies[i], &base, refs);
                changed |= self.compaction_ui(ui, &mut s.policies[i], &base, refs);
                changed |= self.policy_actions(ui, s, i, &name, is_baseline);
            });
        changed
    }

    /// New version, Make baseline, Remove.
    fn policy_actions(&mut self, ui: &mut Ui, s: &mut Scenario, i: usize, name: &str, is_baseline: bool) -> bool {
        let mut changed = false;
        ui.horizontal_wrapped(|ui| {
            if ui.button(format!("New version from {name}")).clicked() {
                changed |= s.new_policy_version(i).is_some();
                self.forget_indexed("policies[");
            }
            if !is_baseline && ui.button(format!("Make {name} the baseline")).clicked() {
                s.set_baseline(i);
                changed = true;
            }
            if ui.button(format!("Remove policy {name}")).clicked() {
                let r = s.remove_policy(i);
                changed |= r.is_ok();
                self.refuse("policy-remove", r.as_ref().err());
                self.forget_indexed("policies[");
            }
        });
        if let Some(msg) = self.refusals.get("policy-remove") {
            error_text(ui, msg);
        }
        changed
    }

    fn router_ui(&mut self, ui: &mut Ui, p: &mut Policy, base: &str, refs: &Refs) -> bool {
        let mut changed = false;
        let kinds: Vec<Option<RouterKind>> = std::iter::once(None)
            .chain(RouterKind::ALL.iter().copied().map(Some))
            .collect();
        let name = |k: Option<RouterKind>| k.map_or("Default model", RouterKind::name).to_string();
        let current = p.router.as_ref().map(Router::kind);
        if let Some(k) = choice(ui, "Router", ("router_kind", base), current, &kinds, name) {
            p.router = k.map(|k| Router::suggested(k, &refs.cheap, &refs.dear));
            changed = true;
        }
        show_errors(ui, refs.errors, &format!("{base}.router"));
        let models = &refs.models;
        match &mut p.router {
            None => {
                ui.label(RichText::new("Every task goes to the scenario's default model.").weak());
            }
            Some(Router::Fixed(m)) => changed |= model_row(ui, "  model", ("fixed", base), models, m),
            Some(Router::Rules { rules, default }) => {
                changed |= rules_ui(ui, rules, base, refs);
                changed |= model_row(ui, "  otherwise", ("rules_default", base), models, default);
            }
            Some(Router::Cascade { stages, verifier }) => {
                changed |= stages_ui(ui, stages, base, refs);
                changed |= self.verifier_ui(ui, verifier, base, refs);
            }
            Some(Router::Learned {
                strong,
                weak,
                strong_share,
                signal_noise,
            }) => {
                changed |= model_row(ui, "  strong model", ("strong", base), models, strong);
                changed |= model_row(ui, "  weak model", ("weak", base), models, weak);
                changed |= prob_field(ui, "  strong share", strong_share, 0.005, "");
                changed |= nonneg_field(ui, "  signal noise", signal_noise, 0.005, "", 10.0);
            }
        }
        changed
    }

    fn verifier_ui(&mut self, ui: &mut Ui, v: &mut Verifier, base: &str, refs: &Refs) -> bool {
        let at = format!("{base}.router.verifier");
        let mut changed = model_row(ui, "  verifier model", ("verifier", base), &refs.models, &mut v.model);
        changed |= self.dist(ui, "  verifier recall", &format!("{at}.recall"), &mut v.recall, "");
        let alarms = &mut v.false_alarm_rate;
        changed |= self.dist(
            ui,
            "  verifier false alarms",
            &format!("{at}.false_alarm_rate"),
            alarms,
            "",
        );
        changed |= ui.checkbox(&mut v.reads_task, "  verifier reads the task").changed();
        changed |= int(ui, "  verifier prompt", &mut v.extra_input_tokens, " tok", 10_000_000);
        changed |= int(ui, "  verdict", &mut v.output_tokens, " tok", 1_000_000);
        changed
    }

    fn caches_ui(&mut self, ui: &mut Ui, p: &mut Policy, base: &str, refs: &Refs) -> bool {
        let mut changed = toggle(ui, &mut p.exact_cache, "Exact cache", ExactCache::suggested);
        if let Some(c) = &mut p.exact_cache {
            let hit = &mut c.hit_given_repeat;
            changed |= self.dist(
                ui,
                "  hit given repeat",
                &format!("{base}.exact_cache.hit_given_repeat"),
                hit,
                "",
            );
            changed |= nonneg_field(ui, "  cache latency", &mut c.latency_ms, 1.0, " ms", 60_000.0);
        }
        let mut on = p.semantic_cache.is_some();
        let allowed = !refs.embedding_keys.is_empty() || on;
        if ui
            .add_enabled(allowed, egui::Checkbox::new(&mut on, "Semantic cache"))
            .changed()
        {
            p.semantic_cache = refs
                .embedding_keys
                .first()
                .filter(|_| on)
                .map(|k| SemanticCache::suggested(k));
            changed = true;
        }
        if let Some(sc) = &mut p.semantic_cache {
            changed |= self.semantic_ui(ui, sc, base, refs);
        }
        changed |= toggle(
            ui,
            &mut p.prompt_caching,
            "Provider prompt caching",
            PromptCaching::default,
        );
        if let Some(pc) = &mut p.prompt_caching {
            changed |= toggle(ui, &mut pc.ttl_minutes, "  its own time to live", || {
                NonNeg::new(60.0).unwrap_or_default()
            });
            if let Some(ttl) = &mut pc.ttl_minutes {
                changed |= nonneg_field(ui, "  time to live", ttl, 1.0, " min", 100_000.0);
            }
            use crate::model::policy::CacheStrategy;
            let words = |c: CacheStrategy| {
                match c {
                    CacheStrategy::SystemPrompt => "system prompt only",
                    CacheStrategy::FullHistory => "full history",
                    CacheStrategy::NoToolResults => "history without tool results",
                }
                .to_string()
            };
            if let Some(c) = choice(
                ui,
                "  sessions cache",
                (base, "cache_strategy"),
                pc.strategy,
                &[
                    CacheStrategy::SystemPrompt,
                    CacheStrategy::FullHistory,
                    CacheStrategy::NoToolResults,
                ],
                words,
            ) {
                pc.strategy = c;
                changed = true;
            }
        }
        changed
    }

    /// Compaction of long session histories: a summary by a model, or the last turns only.
    fn compaction_ui(&mut self, ui: &mut Ui, p: &mut Policy, base: &str, refs: &Refs) -> bool {
        use crate::model::policy::{Compaction, CompactionMethod};
        let first_model = refs.models.first().cloned().unwrap_or_default();
        let mut changed = toggle(ui, &mut p.compaction, "Compaction (sessions)", || {
            Compaction::suggested(&first_model)
        });
        let Some(c) = &mut p.compaction else { return changed };
        let at = format!("{base}.compaction");
        changed |= int(ui, "  when history passes", &mut c.trigger_tokens, " tok", 10_000_000);
        let summarise = matches!(c.method, CompactionMethod::Summarise { .. });
        if let Some(s) = choice(
            ui,
            "  how",
            (base, "compaction_method"),
            summarise,
            &[true, false],
            |s| {
                if s {
                    "summarise with a model"
                } else {
                    "keep the last turns"
                }
                .to_string()
            },
        ) {
            c.method = if s {
                CompactionMethod::Summarise {
                    model: first_model.clone(),
                    summary_tokens: (c.trigger_tokens / 10).max(1),
                }
            } else {
                CompactionMethod::KeepLastTurns(4)
            };
            changed = true;
        }
        match &mut c.method {
            CompactionMethod::Summarise { model, summary_tokens } => {
                changed |= model_row(ui, "  summary model", (base, "compaction_model"), &refs.models, model);
                changed |= int(ui, "  summary", summary_tokens, " tok", 10_000_000);
            }
            CompactionMethod::KeepLastTurns(n) => {
                let mut k = u64::from(*n);
                if int(ui, "  turns kept", &mut k, "", 1000) {
                    *n = k as u32;
                    changed = true;
                }
            }
        }
        changed |= prob_field(ui, "  success penalty", &mut c.success_penalty, 0.005, "");
        show_errors(ui, refs.errors, &format!("{at}.method.summary_tokens"));
        show_errors(ui, refs.errors, &format!("{at}.method.model"));
        show_errors(ui, refs.errors, &format!("{at}.method"));
        show_errors(ui, refs.errors, &format!("{at}.trigger_tokens"));
        changed
    }

    fn semantic_ui(&mut self, ui: &mut Ui, sc: &mut SemanticCache, base: &str, refs: &Refs) -> bool {
        let at = format!("{base}.semantic_cache");
        let mut changed = model_row(
            ui,
            "  embedding model",
            ("embedding", base),
            &refs.embedding_keys,
            &mut sc.embedding_price_key,
        );
        let right = &mut sc.hit_given_near_repeat;
        changed |= self.dist(
            ui,
            "  right hit | near repeat",
            &format!("{at}.hit_given_near_repeat"),
            right,
            "",
        );
        let wrong = &mut sc.wrong_hit_given_near_repeat;
        changed |= self.dist(
            ui,
            "  wrong hit | near repeat",
            &format!("{at}.wrong_hit_given_near_repeat"),
            wrong,
            "",
        );
        changed |= self.dist(
            ui,
            "  false hit rate",
            &format!("{at}.false_hit_rate"),
            &mut sc.false_hit_rate,
            "",
        );
        changed |= nonneg_field(ui, "  lookup latency", &mut sc.lookup_latency_ms, 1.0, " ms", 60_000.0);
        changed
    }

    /// Context cap, budget, batch and retries.
    fn limits_ui(&mut self, ui: &mut Ui, p: &mut Policy, base: &str, refs: &Refs) -> bool {
        let mut changed = toggle(ui, &mut p.context_cap, "Context cap", ContextCap::suggested);
        if let Some(c) = &mut p.context_cap {
            changed |= int(ui, "  max input", &mut c.max_input_tokens, " tok", 10_000_000);
            changed |= prob_field(ui, "  success penalty", &mut c.success_penalty, 0.005, "");
            show_errors(ui, refs.errors, &format!("{base}.context_cap.max_input_tokens"));
        }
        changed |= toggle(ui, &mut p.budget, "Budget", Budget::suggested);
        if let Some(b) = &mut p.budget {
            changed |= budget_ui(ui, b, base, refs);
        }
        changed |= toggle(ui, &mut p.batch, "Batch API for batchable classes", Batch::suggested);
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
        changed
    }
}

/// The policy's version and notes (free text).
fn describe_ui(ui: &mut Ui, p: &mut Policy) -> bool {
    let mut changed = false;
    ui.horizontal(|ui| {
        let l = ui.label("Version");
        changed |= ui
            .add(egui::TextEdit::singleline(&mut p.version).desired_width(60.0))
            .labelled_by(l.id)
            .changed();
    });
    ui.horizontal(|ui| {
        let l = ui.label("Notes");
        changed |= ui
            .add(egui::TextEdit::multiline(&mut p.notes).desired_rows(2))
            .labelled_by(l.id)
            .changed();
    });
    changed
}

/// The routing rules: each with its condition (any kind) and model; add and remove.
fn rules_ui(ui: &mut Ui, rules: &mut Vec<Rule>, base: &str, refs: &Refs) -> bool {
    let mut changed = false;
    let mut remove = None;
    for (k, rule) in rules.iter_mut().enumerate() {
        ui.horizontal_wrapped(|ui| {
            let l = ui.label(format!("rule {}: if", k + 1));
            changed |= condition_ui(ui, &mut rule.when, (base, k), refs, l.id);
            ui.label("use");
            changed |= model_picker(ui, ("rule_model", base, k), &refs.models, &mut rule.model, l.id);
            if ui.small_button(format!("Remove rule {}", k + 1)).clicked() {
                remove = Some(k);
            }
        });
        show_errors(ui, refs.errors, &format!("{base}.router.rules[{k}].when"));
    }
    if let Some(k) = remove {
        rules.remove(k);
        changed = true;
    }
    if ui.button("Add a rule").clicked() {
        rules.push(Rule {
            when: Condition::suggested(ConditionKind::Class, &refs.classes, &refs.owners),
            model: refs.cheap.clone(),
        });
        changed = true;
    }
    changed
}

/// A rule's condition: its kind, then a class, an owner or a token count.
fn condition_ui(ui: &mut Ui, when: &mut Condition, id: (&str, usize), refs: &Refs, label: egui::Id) -> bool {
    let mut kind = when.kind();
    egui::ComboBox::from_id_salt(("cond_kind", id))
        .selected_text(kind.name())
        .show_ui(ui, |ui| {
            for k in ConditionKind::ALL {
                ui.selectable_value(&mut kind, k, k.name());
            }
        })
        .response
        .labelled_by(label);
    if kind != when.kind() {
        *when = Condition::suggested(kind, &refs.classes, &refs.owners);
        return true;
    }
    match when {
        Condition::Class(c) => model_picker(ui, ("cond_class", id), &refs.classes, c, label),
        Condition::Owner(o) => model_picker(ui, ("cond_owner", id), &refs.owners, o, label),
        Condition::InputTokensAbove(n) => ui
            .add(
                egui::DragValue::new(n)
                    .speed(100.0)
                    .suffix(" tok")
                    .range(0..=10_000_000),
            )
            .labelled_by(label)
            .changed(),
    }
}

/// The cascade's stages in order: each a model, at least two and at most six.
fn stages_ui(ui: &mut Ui, stages: &mut Vec<String>, base: &str, refs: &Refs) -> bool {
    let mut changed = false;
    let mut remove = None;
    let n = stages.len();
    for (k, m) in stages.iter_mut().enumerate() {
        ui.horizontal(|ui| {
            let l = ui.label(format!("  stage {}", k + 1));
            changed |= model_picker(ui, ("stage", base, k), &refs.models, m, l.id);
            if n > 2 && ui.small_button(format!("Remove stage {}", k + 1)).clicked() {
                remove = Some(k);
            }
        });
    }
    if let Some(k) = remove {
        stages.remove(k);
        changed = true;
    }
    if stages.len() < MAX_CASCADE_STAGES && ui.button("Add a stage").clicked() {
        stages.push(refs.dear.clone());
        changed = true;
    }
    changed
}

fn budget_ui(ui: &mut Ui, b: &mut Budget, base: &str, refs: &Refs) -> bool {
    let period = if b.period == BudgetPeriod::Day {
        " $/day"
    } else {
        " $/month"
    };
    let mut changed = nonneg_field(ui, "  cap", &mut b.cap_usd, 1.0, period, 1e12);
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
    if b.scope == BudgetScope::PerOwner {
        changed |= owner_caps_ui(ui, b, refs);
    }
    changed |= on_breach_ui(ui, &mut b.on_breach, base, refs);
    changed |= prob_field(ui, "  soft alert at", &mut b.alert_at, 0.01, " of cap");
    show_errors(ui, refs.errors, &format!("{base}.budget.on_breach"));
    changed
}

/// A cap of its own per owner (else the budget's cap applies to it).
fn owner_caps_ui(ui: &mut Ui, b: &mut Budget, refs: &Refs) -> bool {
    let mut changed = false;
    for o in &refs.owners {
        let mut own = b.owner_caps_usd.contains_key(o);
        if ui.checkbox(&mut own, format!("  own cap for {o}")).changed() {
            if own {
                b.owner_caps_usd.insert(o.clone(), b.cap_usd);
            } else {
                b.owner_caps_usd.remove(o);
            }
            changed = true;
        }
        if let Some(cap) = b.owner_caps_usd.get_mut(o) {
            changed |= nonneg_field(ui, &format!("    cap for {o}"), cap, 1.0, " $", 1e12);
        }
    }
    changed
}

fn on_breach_ui(ui: &mut Ui, on_breach: &mut OnBreach, base: &str, refs: &Refs) -> bool {
    let text = match &*on_breach {
        OnBreach::AlertOnly => "Alert only".to_string(),
        OnBreach::Reject => "Reject".to_string(),
        OnBreach::Downgrade(m) => format!("Downgrade to {m}"),
    };
    let mut next: Option<OnBreach> = None;
    ui.horizontal(|ui| {
        let l = ui.label("  on breach");
        egui::ComboBox::from_id_salt(("on_breach", base))
            .selected_text(text)
            .show_ui(ui, |ui| {
                if ui.selectable_label(false, "Alert only").clicked() {
                    next = Some(OnBreach::AlertOnly);
                }
                if ui.selectable_label(false, "Reject").clicked() {
                    next = Some(OnBreach::Reject);
                }
                for m in &refs.models {
                    if ui.selectable_label(false, format!("Downgrade to {m}")).clicked() {
                        next = Some(OnBreach::Downgrade(m.clone()));
                    }
                }
            })
            .response
            .labelled_by(l.id);
    });
    match next {
        Some(n) if n != *on_breach => {
            *on_breach = n;
            true
        }
        _ => false,
    }
}
