//! Structural edits of a scenario being edited — add, duplicate, rename and remove task classes,
//! models and policies — that keep every cross-reference whole (the editor's operations, pure
//! and tested without a window).

use super::dist::{NonNegDist, ProbDist};
use super::policy::{Condition, Policy};
use super::prices::ModelKind;
use super::ron_io::Prob;
use super::scenario::{ModelProfile, Scenario, Source};
use super::traffic::TaskClass;

/// Why a structural edit was refused (the scenario is left as it was).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EditError {
    #[error("a name cannot be empty")]
    EmptyName,
    #[error("there is already a {what} named {name:?}")]
    Taken { what: &'static str, name: String },
    #[error("a scenario needs at least one {0}")]
    Last(&'static str),
    #[error("no {what} named {name:?}")]
    Unknown { what: &'static str, name: String },
    #[error("{0:?} is not a chat model in the price table")]
    NotChat(String),
}

/// What [`Scenario::replace_traffic`] changed besides the traffic.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TrafficSwap {
    /// Success rates set to the model's average, for classes new to the scenario.
    pub rates_filled: usize,
    /// Success rates of classes the new traffic does not have.
    pub rates_dropped: usize,
    /// Routing rules on classes the new traffic does not have, in words.
    pub rules_removed: Vec<String>,
}

impl TrafficSwap {
    /// In words, for the status line (empty when nothing else changed).
    pub fn describe(&self) -> String {
        let mut out = Vec::new();
        if self.rates_filled > 0 {
            out.push(format!(
                "{} success rates for the new classes were set to each model's average: check them in Models",
                self.rates_filled
            ));
        }
        if self.rates_dropped > 0 {
            out.push(format!(
                "{} success rates of classes no longer in the traffic were removed",
                self.rates_dropped
            ));
        }
        if !self.rules_removed.is_empty() {
            out.push(format!(
                "routing rules on classes no longer in the traffic were removed ({})",
                self.rules_removed.join("; ")
            ));
        }
        out.join(". ")
    }
}

impl EditError {
    fn unknown(what: &'static str, name: impl ToString) -> EditError {
        EditError::Unknown {
            what,
            name: name.to_string(),
        }
    }
}

/// `base`, or `base-2`, `base-3`… — the first that `taken` does not hold.
pub fn unique_name(base: &str, taken: impl Fn(&str) -> bool) -> String {
    if !taken(base) {
        return base.to_string();
    }
    (2..)
        .map(|n| format!("{base}-{n}"))
        .find(|n| !taken(n))
        .unwrap_or_default()
}

fn check_new_name(name: &str, what: &'static str, taken: bool) -> Result<(), EditError> {
    if name.trim().is_empty() {
        Err(EditError::EmptyName)
    } else if taken {
        Err(EditError::Taken {
            what,
            name: name.to_string(),
        })
    } else {
        Ok(())
    }
}

impl ModelProfile {
    /// A model priced by `price_key` with `success` on every class, a 600 ms first token and
    /// 80 tokens a second (typical published figures, to be adjusted).
    pub fn suggested(price_key: &str, classes: &[String], success: f64) -> ModelProfile {
        ModelProfile {
            price_key: price_key.to_string(),
            success: classes.iter().map(|c| (c.clone(), ProbDist::fixed(success))).collect(),
            ttft_ms: NonNegDist::fixed(600.0),
            output_tokens_per_s: NonNegDist::fixed(80.0),
            reasoning_tokens: NonNegDist::fixed(0.0),
        }
    }

    /// The model's mean success over the classes it has, to 4 decimals (0.9 when it has none):
    /// what it gets for a class it has no rate for yet.
    pub fn mean_success(&self) -> f64 {
        if self.success.is_empty() {
            return 0.9;
        }
        let mean = self.success.values().map(|d| d.0.mean()).sum::<f64>() / self.success.len() as f64;
        (mean * 1e4).round() / 1e4
    }
}

impl TaskClass {
    /// A class of 1,000 input and 300 output tokens with no share yet.
    pub fn suggested(name: &str) -> TaskClass {
        TaskClass {
            name: name.to_string(),
            share: Prob::default(),
            owner: None,
            input_tokens: NonNegDist::fixed(1000.0),
            shared_prefix_tokens: 0,
            output_tokens: NonNegDist::fixed(300.0),
            exact_repeat_rate: ProbDist::fixed(0.0),
            near_repeat_rate: ProbDist::fixed(0.0),
            retry_on_failure: ProbDist::fixed(0.0),
            batchable: false,
            session: None,
        }
    }
}

impl Scenario {
    pub fn class_names(&self) -> Vec<String> {
        self.traffic.classes.iter().map(|c| c.name.clone()).collect()
    }

    pub fn model_names(&self) -> Vec<String> {
        self.file.models.keys().cloned().collect()
    }

    /// Models from cheapest to dearest by output price (the editor's defaults pick from both ends).
    pub fn models_by_price(&self) -> Vec<String> {
        let price_of = |m: &String| {
            self.file
                .models
                .get(m)
                .and_then(|p| self.prices.get(&p.price_key))
                .map(|p| p.output_usd_per_mtok.get())
                .unwrap_or(0.0)
        };
        let mut out = self.model_names();
        out.sort_by(|a, b| price_of(a).total_cmp(&price_of(b)));
        out
    }

    /// Adds a class with no share yet; every model gets its average success for it.
    pub fn add_class(&mut self) -> String {
        let name = unique_name("new-class", |n| self.traffic.classes.iter().any(|c| c.name == n));
        self.push_class(TaskClass::suggested(&name));
        name
    }

    fn push_class(&mut self, class: TaskClass) {
        for m in self.file.models.values_mut() {
            let p = m.mean_success();
            m.success
                .entry(class.name.clone())
                .or_insert_with(|| ProbDist::fixed(p));
        }
        self.traffic.classes.push(class);
    }

    /// Copies class `i` (its models' success rates too) and splits its share between the two.
    pub fn duplicate_class(&mut self, i: usize) -> Option<String> {
        let original = self.traffic.classes.get_mut(i)?;
        let half = Prob::new(original.share.get() / 2.0).unwrap_or_default();
        original.share = half;
        let mut copy = original.clone();
        copy.name = unique_name(&copy.name, |n| self.traffic.classes.iter().any(|c| c.name == n));
        let from = self.traffic.classes[i].name.clone();
        for m in self.file.models.values_mut() {
            if let Some(d) = m.success.get(&from).cloned() {
                m.success.insert(copy.name.clone(), d);
            }
        }
        let name = copy.name.clone();
        self.traffic.classes.insert(i + 1, copy);
        Some(name)
    }

    /// Uses `profile` as the scenario's traffic (inline), keeping every reference to a class
    /// whole: each model's success rates for classes the profile no longer has are dropped, a
    /// class it did not have gets the model's average success rate, and routing rules on a
    /// class that is gone are removed (their policies then route those tasks by their other
    /// rules or default). What was changed is returned, to tell the user.
    pub fn replace_traffic(&mut self, profile: super::traffic::TrafficProfile) -> TrafficSwap {
        let mut swap = TrafficSwap::default();
        let names: Vec<&str> = profile.classes.iter().map(|c| c.name.as_str()).collect();
        for m in self.file.models.values_mut() {
            let average = m.mean_success();
            let before = m.success.len();
            m.success.retain(|c, _| names.contains(&c.as_str()));
            swap.rates_dropped += before - m.success.len();
            for c in &names {
                if !m.success.contains_key(*c) {
                    m.success.insert((*c).to_string(), ProbDist::fixed(average));
                    swap.rates_filled += 1;
                }
            }
        }
        for p in &mut self.policies {
            let policy = p.name.clone();
            if let Some(rules) = p.rules_mut() {
                rules.retain(|r| match &r.when {
                    Condition::Class(c) if !names.contains(&c.as_str()) => {
                        swap.rules_removed
                            .push(format!("policy {policy:?}: the rule for class {c:?}"));
                        false
                    }
                    _ => true,
                });
            }
        }
        self.traffic = profile.clone();
        self.file.traffic = Source::Inline(profile);
        swap
    }

    /// What refers to the class named `name` (routing rules), in words.
    pub fn class_references(&self, name: &str) -> Vec<String> {
        let mut out = Vec::new();
        for p in &self.policies {
            for r in p.rules() {
                if r.when == Condition::Class(name.to_string()) {
                    out.push(format!("a routing rule of policy {:?}", p.name));
                }
            }
        }
        out
    }

    /// Removes class `i`: its share goes to the others in proportion (so the shares still add
    /// up), and the models' success rates and the rules for it go too.
    pub fn remove_class(&mut self, i: usize) -> Result<(), EditError> {
        if self.traffic.classes.len() <= 1 {
            return Err(EditError::Last("task class"));
        }
        if i >= self.traffic.classes.len() {
            return Err(EditError::unknown("class", format!("#{i}")));
        }
        let gone = self.traffic.classes.remove(i);
        let rest: f64 = self.traffic.classes.iter().map(|c| c.share.get()).sum();
        if rest > 0.0 {
            let scale = (rest + gone.share.get()) / rest;
            for c in &mut self.traffic.classes {
                c.share = Prob::new((c.share.get() * scale).min(1.0)).unwrap_or_default();
            }
        }
        for m in self.file.models.values_mut() {
            m.success.remove(&gone.name);
        }
        let cond = Condition::Class(gone.name);
        for p in &mut self.policies {
            if let Some(rules) = p.rules_mut() {
                rules.retain(|r| r.when != cond);
            }
        }
        Ok(())
    }

    /// Renames class `i`, and the models' success rates and rules that name it.
    pub fn rename_class(&mut self, i: usize, new: &str) -> Result<(), EditError> {
        let new = new.trim();
        let old = match self.traffic.classes.get(i) {
            Some(c) if c.name == new => return Ok(()),
            Some(c) => c.name.clone(),
            None => {
                return Err(EditError::unknown("class", format!("#{i}")));
            }
        };
        check_new_name(new, "class", self.traffic.classes.iter().any(|c| c.name == new))?;
        self.traffic.classes[i].name = new.to_string();
        for m in self.file.models.values_mut() {
            if let Some(d) = m.success.remove(&old) {
                m.success.insert(new.to_string(), d);
            }
        }
        for p in &mut self.policies {
            for r in p.rules_mut().into_iter().flatten() {
                if r.when == Condition::Class(old.clone()) {
                    r.when = Condition::Class(new.to_string());
                }
            }
        }
        Ok(())
    }

    /// Scales the class shares so that they add up to 100 % (no-op when all are zero).
    pub fn normalise_shares(&mut self) {
        let total: f64 = self.traffic.classes.iter().map(|c| c.share.get()).sum();
        if total > 0.0 {
            for c in &mut self.traffic.classes {
                c.share = Prob::new((c.share.get() / total).min(1.0)).unwrap_or_default();
            }
        }
    }

    /// Adds a model priced by `price_key` (a chat model of the price table), named after the key,
    /// with the scenario's average success rate per class.
    pub fn add_model(&mut self, price_key: &str) -> Result<String, EditError> {
        match self.prices.get(price_key) {
            Some(p) if p.kind == ModelKind::Chat => {}
            _ => return Err(EditError::NotChat(price_key.to_string())),
        }
        let short = price_key.rsplit('/').next().unwrap_or(price_key);
        let name = unique_name(short, |n| self.file.models.contains_key(n));
        let mut profile = ModelProfile::suggested(price_key, &self.class_names(), 0.9);
        for (c, d) in profile.success.iter_mut() {
            let known: Vec<f64> = self
                .file
                .models
                .values()
                .filter_map(|m| m.success.get(c))
                .map(|d| d.0.mean())
                .collect();
            if !known.is_empty() {
                *d = ProbDist::fixed((known.iter().sum::<f64>() / known.len() as f64 * 1e4).round() / 1e4);
            }
        }
        self.file.models.insert(name.clone(), profile);
        Ok(name)
    }

    /// Copies model `name` under a new name.
    pub fn duplicate_model(&mut self, name: &str) -> Option<String> {
        let copy = self.file.models.get(name)?.clone();
        let new = unique_name(name, |n| self.file.models.contains_key(n));
        self.file.models.insert(new.clone(), copy);
        Some(new)
    }

    /// What refers to model `name` (the default model, routers, verifiers, budget fallbacks),
    /// in words; removing it must replace these.
    pub fn model_references(&self, name: &str) -> Vec<String> {
        let mut out = Vec::new();
        if self.file.default_model == name {
            out.push("the scenario's default model".to_string());
        }
        for p in &self.policies {
            // No router means the default model, named above already ("" is never a name).
            if p.models_used("").contains(&name) {
                out.push(format!("policy {:?}", p.name));
            }
        }
        out
    }

    /// Removes model `name`; whatever referred to it now refers to `replacement`.
    pub fn remove_model(&mut self, name: &str, replacement: &str) -> Result<(), EditError> {
        if !self.file.models.contains_key(name) {
            return Err(EditError::unknown("model", name));
        }
        if self.file.models.len() <= 1 {
            return Err(EditError::Last("model"));
        }
        if replacement == name || !self.file.models.contains_key(replacement) {
            return Err(EditError::unknown("replacement model", replacement));
        }
        self.file.models.remove(name);
        self.replace_model_refs(name, replacement);
        Ok(())
    }

    /// Renames model `old`, and every reference to it.
    pub fn rename_model(&mut self, old: &str, new: &str) -> Result<(), EditError> {
        let new = new.trim();
        if old == new {
            return Ok(());
        }
        check_new_name(new, "model", self.file.models.contains_key(new))?;
        let profile = self
            .file
            .models
            .remove(old)
            .ok_or_else(|| EditError::unknown("model", old))?;
        self.file.models.insert(new.to_string(), profile);
        self.replace_model_refs(old, new);
        Ok(())
    }

    fn replace_model_refs(&mut self, old: &str, new: &str) {
        if self.file.default_model == old {
            self.file.default_model = new.to_string();
        }
        for p in &mut self.policies {
            for m in p.model_refs_mut() {
                if m == old {
                    *m = new.to_string();
                }
            }
        }
    }

    /// A new policy version from policy `i`: a copy named "<name>-2" (or the next free name),
    /// placed after it, inline. Returns its index.
    pub fn new_policy_version(&mut self, i: usize) -> Option<usize> {
        let mut copy = self.policies.get(i)?.clone();
        copy.name = unique_name(&copy.name, |n| self.policies.iter().any(|p| p.name == n));
        copy.version = copy.next_version();
        copy.format_version = None;
        Some(self.insert_policy(i + 1, copy))
    }

    /// Adds `p` after the others (a version from elsewhere, e.g. a sweep's setting); refused when
    /// its name is taken.
    pub fn push_policy(&mut self, p: Policy) -> Result<usize, EditError> {
        check_new_name(&p.name, "policy", self.policies.iter().any(|q| q.name == p.name))?;
        Ok(self.insert_policy(self.policies.len(), p))
    }

    /// Adds a policy with no tactic on (it answers with the default model).
    pub fn add_policy(&mut self) -> usize {
        let name = unique_name("new-policy", |n| self.policies.iter().any(|p| p.name == n));
        self.insert_policy(self.policies.len(), Policy::empty(&name))
    }

    fn insert_policy(&mut self, at: usize, p: Policy) -> usize {
        let at = at.min(self.policies.len());
        self.file
            .policies
            .insert(at.min(self.file.policies.len()), Source::Inline(p.clone()));
        self.policies.insert(at, p);
        at
    }

    /// Removes policy `i`; when it was the baseline, the first remaining policy becomes it.
    pub fn remove_policy(&mut self, i: usize) -> Result<(), EditError> {
        if self.policies.len() <= 1 {
            return Err(EditError::Last("policy"));
        }
        if i >= self.policies.len() {
            return Err(EditError::unknown("policy", format!("#{i}")));
        }
        let gone = self.policies.remove(i);
        if i < self.file.policies.len() {
            self.file.policies.remove(i);
        }
        if self.file.baseline == gone.name {
            self.file.baseline = self.policies[0].name.clone();
        }
        Ok(())
    }

    /// Renames policy `i` (the baseline follows).
    pub fn rename_policy(&mut self, i: usize, new: &str) -> Result<(), EditError> {
        let new = new.trim();
        let old = match self.policies.get(i) {
            Some(p) if p.name == new => return Ok(()),
            Some(p) => p.name.clone(),
            None => {
                return Err(EditError::unknown("policy", format!("#{i}")));
            }
        };
        check_new_name(new, "policy", self.policies.iter().any(|p| p.name == new))?;
        self.policies[i].name = new.to_string();
        if self.file.baseline == old {
            self.file.baseline = new.to_string();
        }
        Ok(())
    }

    /// Makes policy `i` the baseline the others are compared with.
    pub fn set_baseline(&mut self, i: usize) {
        if let Some(p) = self.policies.get(i) {
            self.file.baseline = p.name.clone();
        }
    }

    /// Chat models of the price table whose key contains `filter` (any case), sorted by key.
    pub fn chat_price_keys(&self, filter: &str) -> Vec<String> {
        let f = filter.to_lowercase();
        self.prices
            .models
            .iter()
            .filter(|(k, p)| p.kind == ModelKind::Chat && k.to_lowercase().contains(&f))
            .map(|(k, _)| k.clone())
            .collect()
    }
}
