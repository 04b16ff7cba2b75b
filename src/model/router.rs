//! Routers, each kind in one place: its file format (`Router`, rules and their conditions, the
//! cascade's verifier), the list of kinds, the models it calls, its suggested settings for the
//! editor, and its validation. The engine's matches over `RouterC` (sim::compile) and the
//! editor's per-kind fields are the other places a new kind must be handled; the compiler
//! names each.

use serde::{Deserialize, Serialize};

use super::dist::ProbDist;
use super::error::Diagnostics;
use super::locate::FieldPath;
use super::ron_io::{NonNeg, Prob};

/// When a routing rule applies.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Condition {
    /// The task belongs to this class.
    Class(String),
    /// The task's class is owned by this team or feature.
    Owner(String),
    /// The task's input (prefix included) has more tokens than this.
    InputTokensAbove(u64),
}

/// One routing rule: the first that matches picks the model.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rule {
    pub when: Condition,
    pub model: String,
}

fn yes() -> bool {
    true
}

/// A judge between cascade stages: it escalates when it thinks the answer is bad.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Verifier {
    /// The model (from the scenario's models) that judges; its price and latency apply.
    pub model: String,
    /// Probability that a bad answer is caught (and escalated).
    pub recall: ProbDist,
    /// Probability that a good answer is escalated anyway.
    pub false_alarm_rate: ProbDist,
    /// Whether the verifier reads the task's input (without the shared prefix) and the answer.
    #[serde(default = "yes")]
    pub reads_task: bool,
    /// The verifier's own prompt, in tokens.
    #[serde(default)]
    pub extra_input_tokens: u64,
    /// The verdict's length, in tokens.
    #[serde(default)]
    pub output_tokens: u64,
}

/// The most stages a cascade may have.
pub const MAX_CASCADE_STAGES: usize = 6;

/// Which model answers a task.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Router {
    /// Always this model.
    Fixed(String),
    /// The first matching rule's model, else `default`.
    Rules { rules: Vec<Rule>, default: String },
    /// Try the stages in order; a verifier escalates to the next stage.
    Cascade { stages: Vec<String>, verifier: Verifier },
    /// A RouteLLM-style router: sees the task's difficulty plus noise and sends the hardest
    /// `strong_share` of tasks to `strong`.
    Learned {
        strong: String,
        weak: String,
        strong_share: Prob,
        signal_noise: NonNeg,
    },
}

/// Declares the router kinds once: the enum, its complete list and each kind's name.
macro_rules! router_kinds {
    ($( $kind:ident ),* $(,)?) => {
        /// The kinds of router, for pickers and for "switch this policy's router to…".
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        pub enum RouterKind { $( $kind ),* }

        impl RouterKind {
            /// Every kind (derived from the one list above, so it cannot miss one).
            pub const ALL: &[RouterKind] = &[ $( RouterKind::$kind ),* ];

            /// The kind's name as the file writes it.
            pub fn name(self) -> &'static str {
                match self { $( RouterKind::$kind => stringify!($kind) ),* }
            }
        }
    };
}

router_kinds!(Fixed, Rules, Cascade, Learned);

/// The kinds of rule condition, for pickers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ConditionKind {
    Class,
    Owner,
    InputTokensAbove,
}

impl ConditionKind {
    pub const ALL: [ConditionKind; 3] = [
        ConditionKind::Class,
        ConditionKind::Owner,
        ConditionKind::InputTokensAbove,
    ];

    pub fn name(self) -> &'static str {
        match self {
            ConditionKind::Class => "class is",
            ConditionKind::Owner => "owner is",
            ConditionKind::InputTokensAbove => "input above",
        }
    }
}

impl Condition {
    pub fn kind(&self) -> ConditionKind {
        match self {
            Condition::Class(_) => ConditionKind::Class,
            Condition::Owner(_) => ConditionKind::Owner,
            Condition::InputTokensAbove(_) => ConditionKind::InputTokensAbove,
        }
    }

    /// A condition of `kind` with a sensible value: the first class or owner, or 8,000 tokens.
    pub fn suggested(kind: ConditionKind, classes: &[String], owners: &[String]) -> Condition {
        match kind {
            ConditionKind::Class => Condition::Class(classes.first().cloned().unwrap_or_default()),
            ConditionKind::Owner => Condition::Owner(owners.first().cloned().unwrap_or_default()),
            ConditionKind::InputTokensAbove => Condition::InputTokensAbove(8000),
        }
    }
}

impl Router {
    pub fn kind(&self) -> RouterKind {
        match self {
            Router::Fixed(_) => RouterKind::Fixed,
            Router::Rules { .. } => RouterKind::Rules,
            Router::Cascade { .. } => RouterKind::Cascade,
            Router::Learned { .. } => RouterKind::Learned,
        }
    }

    /// A router of `kind` between a cheap and a dear model.
    pub fn suggested(kind: RouterKind, cheap: &str, dear: &str) -> Router {
        match kind {
            RouterKind::Fixed => Router::Fixed(dear.to_string()),
            RouterKind::Rules => Router::Rules {
                rules: Vec::new(),
                default: dear.to_string(),
            },
            RouterKind::Cascade => Router::Cascade {
                stages: vec![cheap.to_string(), dear.to_string()],
                verifier: Verifier::suggested(cheap),
            },
            RouterKind::Learned => Router::Learned {
                strong: dear.to_string(),
                weak: cheap.to_string(),
                strong_share: Prob::new(0.3).unwrap_or_default(),
                signal_noise: NonNeg::new(0.15).unwrap_or_default(),
            },
        }
    }
}

impl Verifier {
    /// A verifier on `model` catching 80 % of bad answers with 10 % false alarms.
    pub fn suggested(model: &str) -> Verifier {
        Verifier {
            model: model.to_string(),
            recall: ProbDist::fixed(0.8),
            false_alarm_rate: ProbDist::fixed(0.1),
            reads_task: true,
            extra_input_tokens: 300,
            output_tokens: 20,
        }
    }
}

/// What a router's names must be one of: the scenario's models, task classes and owners.
pub struct Known<'a> {
    pub models: Vec<&'a str>,
    pub classes: Vec<&'a str>,
    pub owners: &'a [String],
}

impl Known<'_> {
    fn model(&self, d: &mut Diagnostics, at: &FieldPath, m: &str) {
        if !self.models.contains(&m) {
            d.push(at, super::checks::unknown("model", m, self.models.iter()));
        }
    }
}

impl Router {
    /// Every model the router can call (stages and verifier included).
    pub fn models(&self) -> Vec<&str> {
        match self {
            Router::Fixed(m) => vec![m],
            Router::Rules { rules, default } => rules
                .iter()
                .map(|r| r.model.as_str())
                .chain([default.as_str()])
                .collect(),
            Router::Cascade { stages, verifier } => stages
                .iter()
                .map(String::as_str)
                .chain([verifier.model.as_str()])
                .collect(),
            Router::Learned { strong, weak, .. } => vec![strong, weak],
        }
    }

    /// The router's models, rule targets, cascade stages and verifier, and its numbers within
    /// their bounds (`at` is the router's own path).
    pub fn check(&self, at: &FieldPath, known: &Known, d: &mut Diagnostics) {
        match self {
            Router::Fixed(m) => known.model(d, at, m),
            Router::Rules { rules, default } => check_rules(rules, default, at, known, d),
            Router::Cascade { stages, verifier } => check_cascade(stages, verifier, at, known, d),
            Router::Learned {
                strong,
                weak,
                signal_noise,
                ..
            } => {
                known.model(d, &at.field("strong"), strong);
                known.model(d, &at.field("weak"), weak);
                let (noise, at_noise) = (signal_noise.get(), at.field("signal_noise"));
                super::limits::check_value(d, &at_noise, noise, super::limits::SIGNAL_NOISE, "");
                if noise > 0.0 && noise < super::limits::MIN_SIGNAL_NOISE {
                    d.push(
                        &at_noise,
                        format!(
                            "a signal noise above 0 must be at least {} (the router's threshold cannot be \
                             calibrated below that); use 0 for a router that sees difficulty exactly, found {noise:e}",
                            super::limits::MIN_SIGNAL_NOISE
                        ),
                    );
                }
            }
        }
    }
}

fn check_rules(rules: &[Rule], default: &str, at: &FieldPath, known: &Known, d: &mut Diagnostics) {
    known.model(d, &at.field("default"), default);
    for (i, rule) in rules.iter().enumerate() {
        let r_at = at.field("rules").index(i);
        known.model(d, &r_at.field("model"), &rule.model);
        match &rule.when {
            Condition::Class(c) if !known.classes.contains(&c.as_str()) => d.push(
                &r_at.field("when"),
                super::checks::unknown("task class", c, known.classes.iter()),
            ),
            Condition::Owner(o) if !known.owners.contains(o) => d.push(
                &r_at.field("when"),
                super::checks::unknown("owner", o, known.owners.iter()),
            ),
            _ => {}
        }
    }
}

fn check_cascade(stages: &[String], verifier: &Verifier, at: &FieldPath, known: &Known, d: &mut Diagnostics) {
    if stages.len() < 2 {
        d.push(&at.field("stages"), "a cascade needs at least two stages");
    }
    if stages.len() > MAX_CASCADE_STAGES {
        d.push(
            &at.field("stages"),
            format!(
                "a cascade has at most {MAX_CASCADE_STAGES} stages, found {}",
                stages.len()
            ),
        );
    }
    for (i, s) in stages.iter().enumerate() {
        known.model(d, &at.field("stages").index(i), s);
    }
    let v_at = at.field("verifier");
    known.model(d, &v_at.field("model"), &verifier.model);
    let tokens = (0.0, super::limits::MAX_TOKENS_PER_REQUEST);
    for (field, n) in [
        ("extra_input_tokens", verifier.extra_input_tokens),
        ("output_tokens", verifier.output_tokens),
    ] {
        super::limits::check_value(d, &v_at.field(field), n as f64, tokens, "tokens");
    }
}
