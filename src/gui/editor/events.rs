//! The Events section: the scenario's dated changes — each with its name, a fixed or uncertain
//! date, an optional probability and one change with its fields — added, edited and removed.

use egui::{RichText, Ui};

use super::fields::{choice, int, model_row, nonneg_field, prob_field, show_errors, toggle};
use super::{Editor, Refs};
use crate::model::Scenario;
use crate::model::events::{Change, Event, EventDate};
use crate::model::ron_io::{NonNeg, Prob};

/// The kinds of change, in the order the editor offers them.
const KINDS: [&str; 8] = [
    "Price",
    "PriceTrend",
    "Launch",
    "Deprecate",
    "Rollout",
    "Traffic",
    "Start",
    "Budget",
];

fn kind_of(c: &Change) -> usize {
    match c {
        Change::Price { .. } => 0,
        Change::PriceTrend { .. } => 1,
        Change::Launch { .. } => 2,
        Change::Deprecate { .. } => 3,
        Change::Rollout { .. } => 4,
        Change::Traffic { .. } => 5,
        Change::Start { .. } => 6,
        Change::Budget { .. } => 7,
    }
}

fn factor(x: f64) -> NonNeg {
    NonNeg::new(x).unwrap_or_default()
}

/// A new change of kind `k` with settings that validate in `s` (the first model, the second as
/// a fallback, the first candidate, the first class, the first budgeted policy).
fn new_change(k: usize, s: &Scenario, refs: &Refs) -> Change {
    let first = refs.models.first().cloned().unwrap_or_default();
    let other = refs.models.get(1).cloned().unwrap_or_else(|| first.clone());
    let candidate = s
        .policies
        .iter()
        .map(|p| p.name.clone())
        .find(|n| *n != s.file.baseline)
        .unwrap_or_default();
    match k {
        1 => Change::PriceTrend {
            model: first,
            per_year: crate::model::dist::NonNegDist::fixed(0.7),
        },
        2 => Change::Launch {
            model: first,
            fallback: other,
        },
        3 => Change::Deprecate {
            model: first,
            fallback: other,
        },
        4 => Change::Rollout {
            to: candidate,
            over_days: 14,
        },
        5 => Change::Traffic {
            factor: factor(2.0),
            days: Some(7),
            classes: Vec::new(),
        },
        6 => Change::Start {
            class: refs.classes.first().cloned().unwrap_or_default(),
        },
        7 => {
            let budgeted = s.policies.iter().find(|p| p.budget.is_some());
            Change::Budget {
                policy: budgeted.map(|p| p.name.clone()).unwrap_or_default(),
                cap_usd: budgeted
                    .and_then(|p| p.budget.as_ref())
                    .map_or(factor(1000.0), |b| b.cap_usd),
            }
        }
        _ => Change::Price {
            model: first,
            input_factor: factor(0.5),
            output_factor: factor(0.5),
            cache_read_factor: None,
            cache_write_factor: None,
        },
    }
}

impl Editor {
    /// Every event, then "Add an event"; returns whether the scenario changed.
    pub(super) fn events_section(&mut self, ui: &mut Ui, s: &mut Scenario, refs: &Refs) -> bool {
        let mut changed = false;
        let title = format!("Events ({})", s.file.events.len());
        egui::CollapsingHeader::new(title).id_salt("events").show(ui, |ui| {
            ui.label(
                RichText::new(
                    "Dated changes over the horizon: price moves, launches, retirements, staged rollouts, traffic and budget changes.",
                )
                .weak()
                .small(),
            );
            show_errors(ui, refs.errors, "events");
            let mut remove = None;
            for i in 0..s.file.events.len() {
                ui.separator();
                let (c, r) = self.event_ui(ui, s, i, refs);
                changed |= c;
                if r {
                    remove = Some(i);
                }
            }
            if let Some(i) = remove {
                s.file.events.remove(i);
                self.forget_indexed("events[");
                changed = true;
            }
            if ui.button("Add an event").clicked() {
                changed |= add_event(s, refs);
            }
        });
        changed
    }

    /// One event's fields; returns (changed, remove it).
    fn event_ui(&mut self, ui: &mut Ui, s: &mut Scenario, i: usize, refs: &Refs) -> (bool, bool) {
        let mut changed = false;
        let at = format!("events[{i}]");
        let tag = crate::report::series::event_tag(i);
        let mut remove = false;
        ui.horizontal(|ui| {
            ui.label(RichText::new(&tag).strong());
            remove = ui.small_button(format!("Remove event {tag}")).clicked();
        });
        let label = s.file.events[i].label();
        if let Some(name) = self.name_field(ui, "Name", &format!("{at}.name"), &s.file.events[i].name) {
            s.file.events[i].name = name.trim().to_string();
            changed = true;
        }
        if s.file.events[i].name.is_empty() {
            ui.label(RichText::new(format!("shown as \"{label}\"")).weak().small());
        }
        changed |= self.date_ui(ui, &mut s.file.events[i], &at, refs);
        let e = &mut s.file.events[i];
        changed |= toggle(ui, &mut e.probability, "Happens with a probability", || {
            Prob::new(0.5).unwrap_or_default()
        });
        if let Some(p) = &mut e.probability {
            changed |= prob_field(ui, "Probability", p, 0.01, "");
        }
        show_errors(ui, refs.errors, &format!("{at}.probability"));
        if let Some(k) = choice(
            ui,
            "Change",
            ("event_kind", i),
            kind_of(&e.change),
            &[0, 1, 2, 3, 4, 5, 6, 7],
            |k| KINDS[k].to_string(),
        ) {
            s.file.events[i].change = new_change(k, s, refs);
            changed = true;
        }
        changed |= self.change_ui(ui, s, i, refs);
        show_errors(ui, refs.errors, &format!("{at}.change"));
        (changed, remove)
    }

    /// The date: fixed ("On") or uncertain (every day "From" … "To" equally likely).
    fn date_ui(&mut self, ui: &mut Ui, e: &mut Event, at: &str, refs: &Refs) -> bool {
        let mut changed = false;
        let uncertain = matches!(e.on, EventDate::Uniform(..));
        if let Some(u) = choice(ui, "Date", (at, "date_kind"), uncertain, &[false, true], |u| {
            if u { "uncertain" } else { "fixed" }.to_string()
        }) {
            e.on = match (&e.on, u) {
                (EventDate::On(d), true) => EventDate::Uniform(d.clone(), d.clone()),
                (EventDate::Uniform(a, _), false) => EventDate::On(a.clone()),
                (on, _) => on.clone(),
            };
            self.forget_indexed(at);
            changed = true;
        }
        match &mut e.on {
            EventDate::On(d) => {
                if let Some(t) = self.name_field(ui, "On", &format!("{at}.on"), d) {
                    *d = t.trim().to_string();
                    changed = true;
                }
            }
            EventDate::Uniform(a, b) => {
                if let Some(t) = self.name_field(ui, "From", &format!("{at}.on.from"), a) {
                    *a = t.trim().to_string();
                    changed = true;
                }
                if let Some(t) = self.name_field(ui, "To", &format!("{at}.on.to"), b) {
                    *b = t.trim().to_string();
                    changed = true;
                }
            }
        }
        show_errors(ui, refs.errors, &format!("{at}.on"));
        changed
    }

    /// The change's own fields.
    fn change_ui(&mut self, ui: &mut Ui, s: &mut Scenario, i: usize, refs: &Refs) -> bool {
        let at = format!("events[{i}].change");
        let policies: Vec<String> = s.policies.iter().map(|p| p.name.clone()).collect();
        let mut changed = false;
        match &mut s.file.events[i].change {
            Change::Price {
                model,
                input_factor,
                output_factor,
                ..
            } => {
                changed |= model_row(ui, "Model", (&at, "model"), &refs.models, model);
                changed |= nonneg_field(ui, "Input price ×", input_factor, 0.01, "", 1000.0);
                changed |= nonneg_field(ui, "Output price ×", output_factor, 0.01, "", 1000.0);
            }
            Change::PriceTrend { model, per_year } => {
                changed |= model_row(ui, "Model", (&at, "model"), &refs.models, model);
                changed |= self.dist(ui, "Price × a year", &format!("{at}.per_year"), per_year, "");
            }
            Change::Launch { model, fallback } | Change::Deprecate { model, fallback } => {
                changed |= model_row(ui, "Model", (&at, "model"), &refs.models, model);
                changed |= model_row(ui, "Fallback", (&at, "fallback"), &refs.models, fallback);
            }
            Change::Rollout { to, over_days } => {
                changed |= model_row(ui, "To policy", (&at, "to"), &policies, to);
                let mut d = u64::from(*over_days);
                if int(ui, "Over", &mut d, " days", 3660) {
                    *over_days = d as u32;
                    changed = true;
                }
            }
            Change::Traffic { factor, days, classes } => {
                changed |= nonneg_field(ui, "Traffic ×", factor, 0.05, "", 1000.0);
                changed |= toggle(ui, days, "For a number of days (else from the date on)", || 7);
                if let Some(n) = days {
                    let mut d = u64::from(*n);
                    if int(ui, "Days", &mut d, "", 3660) {
                        *n = d as u32;
                        changed = true;
                    }
                }
                changed |= class_checks(ui, classes, &refs.classes);
            }
            Change::Start { class } => {
                changed |= model_row(ui, "Class", (&at, "class"), &refs.classes, class);
            }
            Change::Budget { policy, cap_usd } => {
                changed |= model_row(ui, "Policy", (&at, "policy"), &policies, policy);
                changed |= nonneg_field(ui, "New cap", cap_usd, 10.0, " $", 1e12);
            }
        }
        for f in [
            "model",
            "fallback",
            "to",
            "over_days",
            "factor",
            "days",
            "class",
            "policy",
            "cap_usd",
            "per_year",
            "input_factor",
            "output_factor",
        ] {
            show_errors(ui, refs.errors, &format!("{at}.{f}"));
        }
        changed
    }
}

/// Which classes a traffic change applies to (none ticked: every class).
fn class_checks(ui: &mut Ui, chosen: &mut Vec<String>, classes: &[String]) -> bool {
    let mut changed = false;
    ui.horizontal_wrapped(|ui| {
        ui.label("Classes (none: all)");
        for c in classes {
            let mut on = chosen.contains(c);
            if ui.checkbox(&mut on, c.as_str()).changed() {
                if on {
                    chosen.push(c.clone());
                } else {
                    chosen.retain(|x| x != c);
                }
                changed = true;
            }
        }
    });
    changed
}

/// Adds a price cut a month into the horizon (the scenario gets a start date, the first of next
/// month, when it has none: events are dated).
fn add_event(s: &mut Scenario, refs: &Refs) -> bool {
    let start = s
        .start_date()
        .unwrap_or_else(|| crate::date::Date::today().first_of_month_after(1));
    s.file.start_date = Some(start.to_string());
    let on = crate::date::Date::from_unix_day(start.unix_day() + 30);
    s.file.events.push(Event {
        name: String::new(),
        on: EventDate::On(on.to_string()),
        probability: None,
        change: new_change(0, s, refs),
    });
    true
}
