//! Policies: one optional component per cost tactic (router, caches, prompt caching, context cap,
//! budget, batch, retries). A missing component means the tactic is off.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::dist::ProbDist;
use super::ron_io::{NonNeg, Prob};
pub use super::router::{Condition, ConditionKind, MAX_CASCADE_STAGES, Router, RouterKind, Rule, Verifier};

fn five_ms() -> NonNeg {
    NonNeg::new(5.0).unwrap_or_default()
}
fn twenty_ms() -> NonNeg {
    NonNeg::new(20.0).unwrap_or_default()
}

/// A cache of exact repeats.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExactCache {
    /// Probability that an exact repeat is still in the cache.
    pub hit_given_repeat: ProbDist,
    #[serde(default = "five_ms")]
    pub latency_ms: NonNeg,
}

/// A semantic cache: embeds every task and serves near repeats from a neighbour's answer.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SemanticCache {
    /// The embedding model's key in the price table.
    pub embedding_price_key: String,
    /// A near repeat is served the right cached answer.
    pub hit_given_near_repeat: ProbDist,
    /// A near repeat is served a wrong neighbour's answer (the task fails).
    pub wrong_hit_given_near_repeat: ProbDist,
    /// Any other task is served a wrong answer (the task fails).
    pub false_hit_rate: ProbDist,
    #[serde(default = "twenty_ms")]
    pub lookup_latency_ms: NonNeg,
}

/// Provider prompt caching of each class's shared prefix (and, in sessions, of the history).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct PromptCaching {
    /// The cache's time to live; the scenario's value when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ttl_minutes: Option<NonNeg>,
    /// What a session's calls mark for caching (single requests cache their shared prefix
    /// whatever the strategy).
    #[serde(default, skip_serializing_if = "CacheStrategy::is_default")]
    pub strategy: CacheStrategy,
}

/// Where a session's calls put their cache breakpoints — the three strategies published agent
/// caching studies compare.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
pub enum CacheStrategy {
    /// Only the shared prefix (system prompt, tool schemas) is cached.
    #[default]
    SystemPrompt,
    /// The whole prompt is cached at every call: the next call reads what this one sent
    /// (within the TTL) and writes only its new suffix.
    FullHistory,
    /// The history up to the turn's user input is cached; the tool calls and results of the
    /// turn's agent loop are not (they are sent uncached until the next turn's write).
    NoToolResults,
}

impl CacheStrategy {
    fn is_default(&self) -> bool {
        *self == CacheStrategy::SystemPrompt
    }
}

/// Keep a session's history short once it grows past a size.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Compaction {
    /// Compact before a turn whose history is longer than this.
    pub trigger_tokens: u64,
    pub method: CompactionMethod,
    /// A compacted session's success probability drops by this much (absolute), from the
    /// first compaction on.
    #[serde(default)]
    pub success_penalty: Prob,
}

/// How a long history is made short.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum CompactionMethod {
    /// A model call reads the history (with the shared prefix) and writes a summary of
    /// `summary_tokens`, which replaces it; billed, with its latency.
    Summarise { model: String, summary_tokens: u64 },
    /// Drop all but the last `n` turns.
    KeepLastTurns(u32),
}

/// Truncate long inputs.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ContextCap {
    /// Input (prefix included) above this is truncated.
    pub max_input_tokens: u64,
    /// A truncated task's success probability drops by this much (absolute).
    pub success_penalty: Prob,
}

/// Whose spend a budget caps.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum BudgetScope {
    /// All spend together.
    Total,
    /// Each owner's spend separately (unowned classes share one cap).
    PerOwner,
}

/// The period a budget resets after.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum BudgetPeriod {
    Day,
    /// Thirty-day blocks from the start of the horizon.
    Month,
}

/// What happens to a task once its budget is spent.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum OnBreach {
    /// Route to this (cheaper) model instead.
    Downgrade(String),
    /// Fail the task at zero cost.
    Reject,
    /// Record the breach, change nothing.
    AlertOnly,
}

fn alert_default() -> Prob {
    Prob::new(0.8).unwrap_or_default()
}

/// A spending cap.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Budget {
    pub scope: BudgetScope,
    pub period: BudgetPeriod,
    /// The cap per period (per owner, with `PerOwner`).
    pub cap_usd: NonNeg,
    /// Caps for particular owners (with `PerOwner`).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub owner_caps_usd: BTreeMap<String, NonNeg>,
    pub on_breach: OnBreach,
    /// A soft alert fires at this share of the cap.
    #[serde(default = "alert_default")]
    pub alert_at: Prob,
}

fn share_all() -> ProbDist {
    ProbDist::fixed(1.0)
}

/// Send batchable classes through the provider's batch API.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Batch {
    /// Share of batchable tasks that actually go through the batch API.
    #[serde(default = "share_all")]
    pub share: ProbDist,
}

/// One version of a routing / caching / budget policy.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Policy {
    /// Required when the policy is a file of its own.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub format_version: Option<u32>,
    pub name: String,
    #[serde(default)]
    pub version: String,
    #[serde(default)]
    pub notes: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub router: Option<Router>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exact_cache: Option<ExactCache>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub semantic_cache: Option<SemanticCache>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prompt_caching: Option<PromptCaching>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub context_cap: Option<ContextCap>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub compaction: Option<Compaction>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub budget: Option<Budget>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub batch: Option<Batch>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_retries: Option<u32>,
}

/// The cost tactics, in the order a policy lists them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Tactic {
    Router,
    ExactCache,
    SemanticCache,
    PromptCaching,
    ContextCap,
    Compaction,
    Budget,
    Batch,
    MaxRetries,
}

impl Tactic {
    /// Every tactic, in policy order.
    pub const ALL: [Tactic; 9] = [
        Tactic::Router,
        Tactic::ExactCache,
        Tactic::SemanticCache,
        Tactic::PromptCaching,
        Tactic::ContextCap,
        Tactic::Compaction,
        Tactic::Budget,
        Tactic::Batch,
        Tactic::MaxRetries,
    ];

    /// The component's field name in a policy file.
    pub fn name(self) -> &'static str {
        match self {
            Tactic::Router => "router",
            Tactic::ExactCache => "exact_cache",
            Tactic::SemanticCache => "semantic_cache",
            Tactic::PromptCaching => "prompt_caching",
            Tactic::ContextCap => "context_cap",
            Tactic::Compaction => "compaction",
            Tactic::Budget => "budget",
            Tactic::Batch => "batch",
            Tactic::MaxRetries => "max_retries",
        }
    }
}

impl Policy {
    /// Every model this policy can call (router stages and verifier, the budget's fallback;
    /// `default_model` when it has no router).
    pub fn models_used<'a>(&'a self, default_model: &'a str) -> Vec<&'a str> {
        let mut out: Vec<&str> = match &self.router {
            None => vec![default_model],
            Some(r) => r.models(),
        };
        if let Some(Budget {
            on_breach: OnBreach::Downgrade(m),
            ..
        }) = &self.budget
        {
            out.push(m);
        }
        if let Some(Compaction {
            method: CompactionMethod::Summarise { model, .. },
            ..
        }) = &self.compaction
        {
            out.push(model);
        }
        out.sort_unstable();
        out.dedup();
        out
    }

    /// A policy with no tactic switched on.
    pub fn empty(name: &str) -> Policy {
        Policy {
            format_version: None,
            name: name.to_string(),
            version: String::new(),
            notes: String::new(),
            router: None,
            exact_cache: None,
            semantic_cache: None,
            prompt_caching: None,
            context_cap: None,
            compaction: None,
            budget: None,
            batch: None,
            max_retries: None,
        }
    }

    /// Whether `self` and `other` configure `tactic` the same way.
    pub fn same_component(&self, other: &Policy, tactic: Tactic) -> bool {
        match tactic {
            Tactic::Router => self.router == other.router,
            Tactic::ExactCache => self.exact_cache == other.exact_cache,
            Tactic::SemanticCache => self.semantic_cache == other.semantic_cache,
            Tactic::PromptCaching => self.prompt_caching == other.prompt_caching,
            Tactic::ContextCap => self.context_cap == other.context_cap,
            Tactic::Compaction => self.compaction == other.compaction,
            Tactic::Budget => self.budget == other.budget,
            Tactic::Batch => self.batch == other.batch,
            Tactic::MaxRetries => self.max_retries.unwrap_or(0) == other.max_retries.unwrap_or(0),
        }
    }

    /// The tactics in which `other` differs from `self`, in policy order.
    pub fn differing_tactics(&self, other: &Policy) -> Vec<Tactic> {
        Tactic::ALL
            .into_iter()
            .filter(|t| !self.same_component(other, *t))
            .collect()
    }

    /// Copies `tactic`'s component from `from` into `self`.
    pub fn take_component(&mut self, from: &Policy, tactic: Tactic) {
        match tactic {
            Tactic::Router => self.router = from.router.clone(),
            Tactic::ExactCache => self.exact_cache = from.exact_cache.clone(),
            Tactic::SemanticCache => self.semantic_cache = from.semantic_cache.clone(),
            Tactic::PromptCaching => self.prompt_caching = from.prompt_caching.clone(),
            Tactic::ContextCap => self.context_cap = from.context_cap.clone(),
            Tactic::Compaction => self.compaction = from.compaction.clone(),
            Tactic::Budget => self.budget = from.budget.clone(),
            Tactic::Batch => self.batch = from.batch.clone(),
            Tactic::MaxRetries => self.max_retries = from.max_retries,
        }
    }

    /// A component as RON text, for showing what differs between versions ("off" if absent).
    pub fn component_text(&self, tactic: Tactic) -> String {
        fn t<T: Serialize>(v: &Option<T>) -> String {
            match v {
                None => "off".to_string(),
                Some(v) => super::ron_io::to_ron_string(v)
                    .map(|s| {
                        let s = s.trim_start_matches("#![enable(implicit_some)]");
                        s.split_whitespace()
                            .collect::<Vec<_>>()
                            .join(" ")
                            .replace(", )", ")")
                            .replace(", ]", "]")
                            .replace("( ", "(")
                            .replace("[ ", "[")
                    })
                    .map(|s| if s == "()" { "on".to_string() } else { s })
                    .unwrap_or_else(|e| format!("<{e}>")),
            }
        }
        match tactic {
            Tactic::Router => t(&self.router),
            Tactic::ExactCache => t(&self.exact_cache),
            Tactic::SemanticCache => t(&self.semantic_cache),
            Tactic::PromptCaching => t(&self.prompt_caching),
            Tactic::ContextCap => t(&self.context_cap),
            Tactic::Compaction => t(&self.compaction),
            Tactic::Budget => t(&self.budget),
            Tactic::Batch => t(&self.batch),
            Tactic::MaxRetries => self.max_retries.unwrap_or(0).to_string(),
        }
    }
}

// The suggested settings of each component, used when a tactic is switched on in the editor.
// They are typical published figures, meant to be adjusted.

impl Compaction {
    /// Summarise with `model` into 4,000 tokens once the history passes 50,000.
    pub fn suggested(model: &str) -> Compaction {
        Compaction {
            trigger_tokens: 50_000,
            method: CompactionMethod::Summarise {
                model: model.to_string(),
                summary_tokens: 4_000,
            },
            success_penalty: Prob::new(0.01).unwrap_or_default(),
        }
    }
}

impl ExactCache {
    pub fn suggested() -> ExactCache {
        ExactCache {
            hit_given_repeat: ProbDist::fixed(0.9),
            latency_ms: five_ms(),
        }
    }
}

impl SemanticCache {
    pub fn suggested(embedding_price_key: &str) -> SemanticCache {
        SemanticCache {
            embedding_price_key: embedding_price_key.to_string(),
            hit_given_near_repeat: ProbDist::fixed(0.7),
            wrong_hit_given_near_repeat: ProbDist::fixed(0.03),
            false_hit_rate: ProbDist::fixed(0.01),
            lookup_latency_ms: twenty_ms(),
        }
    }
}

impl ContextCap {
    pub fn suggested() -> ContextCap {
        ContextCap {
            max_input_tokens: 8000,
            success_penalty: Prob::new(0.05).unwrap_or_default(),
        }
    }
}

impl Budget {
    /// $1,000 a month for all spend, alerting only.
    pub fn suggested() -> Budget {
        Budget {
            scope: BudgetScope::Total,
            period: BudgetPeriod::Month,
            cap_usd: NonNeg::new(1000.0).unwrap_or_default(),
            owner_caps_usd: BTreeMap::new(),
            on_breach: OnBreach::AlertOnly,
            alert_at: alert_default(),
        }
    }
}

impl Batch {
    pub fn suggested() -> Batch {
        Batch { share: share_all() }
    }
}

impl Policy {
    /// Every model name the policy refers to, to rename or replace in place.
    pub fn model_refs_mut(&mut self) -> Vec<&mut String> {
        let mut out: Vec<&mut String> = match &mut self.router {
            None => Vec::new(),
            Some(Router::Fixed(m)) => vec![m],
            Some(Router::Rules { rules, default }) => rules.iter_mut().map(|r| &mut r.model).chain([default]).collect(),
            Some(Router::Cascade { stages, verifier }) => stages.iter_mut().chain([&mut verifier.model]).collect(),
            Some(Router::Learned { strong, weak, .. }) => vec![strong, weak],
        };
        if let Some(Budget {
            on_breach: OnBreach::Downgrade(m),
            ..
        }) = &mut self.budget
        {
            out.push(m);
        }
        out
    }
}

impl Policy {
    /// The version after this one: "1.2" → "1.3", "3" → "4", "" → "2", "beta" → "beta.1".
    pub fn next_version(&self) -> String {
        let v = &self.version;
        match v.rsplit_once('.') {
            Some((head, n)) if n.parse::<u64>().is_ok() => format!("{head}.{}", n.parse::<u64>().unwrap_or(0) + 1),
            _ if v.parse::<u64>().is_ok() => (v.parse::<u64>().unwrap_or(0) + 1).to_string(),
            _ if v.is_empty() => "2".into(),
            _ => format!("{v}.1"),
        }
    }

    /// The routing rules, when the router is rule-based.
    pub fn rules(&self) -> &[Rule] {
        match &self.router {
            Some(Router::Rules { rules, .. }) => rules,
            _ => &[],
        }
    }

    pub fn rules_mut(&mut self) -> Option<&mut Vec<Rule>> {
        match &mut self.router {
            Some(Router::Rules { rules, .. }) => Some(rules),
            _ => None,
        }
    }
}
