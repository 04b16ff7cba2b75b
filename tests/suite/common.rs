//! Helpers shared by the test modules.

use std::path::PathBuf;

use costplan::model::Scenario;
use costplan::sim::engine::Control;
use costplan::sim::results::{Results, SimOptions, simulate};

/// The crate's root folder.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// LiteLLM's real price list, in the shared folder beside the repository.
pub fn litellm_json() -> PathBuf {
    root().join("../shared/data/litellm/model_prices_and_context_window.json")
}

/// Every `.ron` file below `dir`.
pub fn ron_files(dir: &str) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![root().join(dir)];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "ron") {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

/// An inline price table with two chat models and one embedding model ($ per 1M tokens).
pub const PRICES: &str = r#"Inline((
        format_version: 1,
        models: {
            "big": (provider: "acme", input_usd_per_mtok: 3.0, output_usd_per_mtok: 15.0,
                    cache_read_usd_per_mtok: 0.3, cache_write_usd_per_mtok: 3.75,
                    batch_input_usd_per_mtok: 1.5, batch_output_usd_per_mtok: 7.5,
                    prompt_cache_min_tokens: 1024,
                    long_context: [(above_input_tokens: 200000, input_usd_per_mtok: 6.0, output_usd_per_mtok: 22.5)],
                    as_of: "2026-11-26", source: "test"),
            "small": (provider: "acme", input_usd_per_mtok: 1.0, output_usd_per_mtok: 5.0,
                    as_of: "2026-11-26", source: "test"),
            "free": (provider: "acme", input_usd_per_mtok: 0.0, output_usd_per_mtok: 0.0,
                    as_of: "2026-11-26", source: "test"),
            "embed": (provider: "acme", kind: Embedding, input_usd_per_mtok: 0.02,
                    as_of: "2026-11-26", source: "test"),
        },
    ))"#;

/// A one-class inline scenario built with named settings: three models ("big", "small", and a
/// free "judge"), one class "c" owned by "team", and the inline policies given (the first,
/// named "base", is the baseline).
#[derive(Clone, Debug)]
pub struct ScenarioBuilder {
    volume: String,
    class: String,
    success_big: f64,
    success_small: f64,
    policies: String,
    runs: u32,
    days: u32,
}

impl Default for ScenarioBuilder {
    fn default() -> Self {
        ScenarioBuilder {
            volume: "Fixed(1000)".into(),
            class: "input_tokens: Fixed(1000), output_tokens: Fixed(200)".into(),
            success_big: 0.9,
            success_small: 0.8,
            policies: r#"Inline((name: "base", router: Fixed("big")))"#.into(),
            runs: 10,
            days: 5,
        }
    }
}

impl ScenarioBuilder {
    pub fn new() -> Self {
        Self::default()
    }

    /// Tasks per day, as a distribution in RON (`"Fixed(5000)"`).
    pub fn volume(mut self, dist: &str) -> Self {
        self.volume = dist.into();
        self
    }

    /// The class's fields after `name`, `share` and `owner`, in RON.
    pub fn class(mut self, fields: &str) -> Self {
        self.class = fields.into();
        self
    }

    /// The success probabilities of "big" and "small" on the class.
    pub fn success(mut self, big: f64, small: f64) -> Self {
        self.success_big = big;
        self.success_small = small;
        self
    }

    /// The inline policies, comma-separated RON (`Inline((name: "base", …)), …`).
    pub fn policies(mut self, ron: &str) -> Self {
        self.policies = ron.into();
        self
    }

    pub fn runs(mut self, runs: u32) -> Self {
        self.runs = runs;
        self
    }

    pub fn days(mut self, days: u32) -> Self {
        self.days = days;
        self
    }

    /// The scenario's text.
    pub fn text(&self) -> String {
        let ScenarioBuilder {
            volume,
            class,
            success_big,
            success_small,
            policies,
            runs,
            days,
        } = self;
        format!(
            r#"#![enable(implicit_some)]
(
    format_version: 1,
    name: "test",
    horizon_days: {days},
    runs: {runs},
    seed: 42,
    prices: {PRICES},
    traffic: Inline((
        format_version: 1,
        requests_per_day: {volume},
        classes: [(name: "c", share: 1.0, owner: "team", {class})],
    )),
    models: {{
        "big": (price_key: "big", success: {{"c": Fixed({success_big})}}, ttft_ms: Fixed(500), output_tokens_per_s: Fixed(100)),
        "small": (price_key: "small", success: {{"c": Fixed({success_small})}}, ttft_ms: Fixed(200), output_tokens_per_s: Fixed(200)),
        "judge": (price_key: "free", success: {{"c": Fixed(0.5)}}, ttft_ms: Fixed(100), output_tokens_per_s: Fixed(500)),
    }},
    default_model: "big",
    baseline: "base",
    policies: [{policies}],
)"#
        )
    }

    /// The validated scenario (panics with the message if invalid: a test bug).
    pub fn build(&self) -> Scenario {
        scenario(&self.text())
    }
}

/// Parses an inline scenario (panics with the message if invalid: a test bug).
pub fn scenario(text: &str) -> Scenario {
    match Scenario::from_str(text, "<test>", None) {
        Ok(s) => s,
        Err(e) => panic!("test scenario invalid:\n{e}"),
    }
}

/// Simulates with default options.
pub fn run(s: &Scenario) -> Results {
    simulate(s, &SimOptions::default(), &Control::none()).expect("not cancelled")
}
