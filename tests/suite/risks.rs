//! Risk flags, table-driven over every kind: each row is a small scenario built to raise one
//! kind (and the words the report gives it); a kind missing from the table fails the test.

use crate::common::ScenarioBuilder;
use costplan::sim::results::RiskKind;

/// The candidate policy (beside a big-model baseline), the class's token fields and the
/// scenario edits that raise each kind.
struct Case {
    kind: RiskKind,
    candidate: &'static str,
    success_small: f64,
    edit: fn(String) -> String,
}

fn same(s: String) -> String {
    s
}

const CASES: [Case; 6] = [
    // 15 points of success lost in every run.
    Case {
        kind: RiskKind::QualityErosion,
        candidate: r#"Inline((name: "cand", router: Fixed("small")))"#,
        success_small: 0.80,
        edit: same,
    },
    // A third of the price, but a third of the successes: dearer per success.
    Case {
        kind: RiskKind::FalseSavings,
        candidate: r#"Inline((name: "cand", router: Fixed("small")))"#,
        success_small: 0.30,
        edit: same,
    },
    // All of the saving from truncating every task's input.
    Case {
        kind: RiskKind::BadIncentive,
        candidate: r#"Inline((name: "cand", router: Fixed("big"), context_cap: (max_input_tokens: 200, success_penalty: 0.0)))"#,
        success_small: 0.80,
        edit: same,
    },
    // The class has no owner.
    Case {
        kind: RiskKind::MissingAttribution,
        candidate: r#"Inline((name: "cand", router: Fixed("big")))"#,
        success_small: 0.80,
        edit: |s| s.replacen(r#"owner: "team", "#, "", 1),
    },
    // A 100 ms p95 guardrail against a 500 ms first token.
    Case {
        kind: RiskKind::Latency,
        candidate: r#"Inline((name: "cand", router: Fixed("big")))"#,
        success_small: 0.80,
        edit: |s| {
            s.replacen(
                "    baseline: \"base\",",
                "    baseline: \"base\",\n    guardrails: (p95_latency_ms: 100),",
                1,
            )
        },
    },
    // A one-dollar daily budget against about $12 of daily spend.
    Case {
        kind: RiskKind::BudgetExhaustion,
        candidate: r#"Inline((name: "cand", router: Fixed("big"), budget: (scope: Total, period: Day, cap_usd: 1.0, on_breach: AlertOnly)))"#,
        success_small: 0.80,
        edit: same,
    },
];

#[test]
fn every_risk_kind_is_raised_by_the_scenario_built_for_it() {
    for kind in RiskKind::ALL {
        if kind == RiskKind::FalseSavingsByTactic {
            // Only ever reported as a check not evaluated (see below).
            continue;
        }
        let case = CASES
            .iter()
            .find(|c| c.kind == kind)
            .unwrap_or_else(|| panic!("no case raises {kind:?}"));
        let text = ScenarioBuilder::new()
            .volume("Fixed(2000)")
            .class("input_tokens: Fixed(1000), output_tokens: Fixed(200), retry_on_failure: Fixed(0)")
            .success(0.95, case.success_small)
            .policies(&format!(
                r#"Inline((name: "base", router: Fixed("big"))), {}"#,
                case.candidate
            ))
            .runs(8)
            .days(3)
            .text();
        let r = crate::common::run(&crate::common::scenario(&(case.edit)(text)));
        let cand = &r.policies[1];
        let flag = cand
            .risk_flags
            .iter()
            .find(|f| f.kind == kind)
            .unwrap_or_else(|| panic!("{kind:?} not raised: {:?}", cand.risk_flags));
        assert!(
            !costplan::report::risks::message(flag).is_empty()
                && !costplan::report::risks::explanation(flag).is_empty(),
            "{flag:?}"
        );
        // The JSON key is the kind's key; the words are the key's.
        let json = serde_json::to_value(flag).unwrap();
        assert_eq!(json["kind"], kind.key());
        assert_eq!(
            costplan::report::summary::kind_words(kind),
            kind.key().replace('_', " ")
        );
    }
}

/// Metrics are a typed enum inside; their keys (JSON, CSV) are unique and the typed accessors
/// read the same figures as the keyed maps.
#[test]
fn metrics_are_typed_and_their_keys_unique() {
    use costplan::sim::metrics::{METRICS, Metric};
    assert_eq!(Metric::ALL.len(), METRICS.len());
    let mut keys: Vec<&str> = Metric::ALL.iter().map(|m| m.key()).collect();
    for (i, m) in Metric::ALL.iter().enumerate() {
        assert_eq!(m.index(), i);
        assert_eq!(m.def().key, METRICS[i].key);
    }
    keys.sort_unstable();
    keys.dedup();
    assert_eq!(keys.len(), METRICS.len(), "metric keys are unique");
    let text = ScenarioBuilder::new()
        .volume("Fixed(100)")
        .class("input_tokens: Fixed(1000), output_tokens: Fixed(200)")
        .success(0.95, 0.8)
        .policies(r#"Inline((name: "base", router: Fixed("big"))), Inline((name: "cand", router: Fixed("small")))"#)
        .runs(4)
        .days(2)
        .text();
    let r = crate::common::run(&crate::common::scenario(&text));
    // The JSON edge writes every metric under its key, with the values read inside by Metric.
    let json: serde_json::Value = serde_json::from_str(&costplan::report::json(&r).unwrap()).unwrap();
    let p = &r.policies[1];
    for &m in Metric::ALL {
        let written = &json["policies"][1]["metrics"][m.key()];
        let mean = p.metric(m).mean;
        assert_eq!(written["mean"].as_f64(), mean.is_finite().then_some(mean), "{m:?}");
        let d = p.delta(m).unwrap();
        let written = &json["policies"][1]["delta_vs_baseline"][m.key()];
        assert_eq!(written["mean"].as_f64(), d.mean.is_finite().then_some(d.mean), "{m:?}");
    }
    assert_eq!(json["policies"][0]["delta_vs_baseline"], serde_json::json!({}));
    // Every metric says what it counts (the registry holds one sentence per metric; only the
    // three latency percentiles share theirs).
    let mut defs: Vec<&str> = Metric::ALL.iter().map(|m| m.def().definition).collect();
    assert!(defs.iter().all(|d| d.len() > 30 && !d.starts_with("A count per run")));
    defs.sort_unstable();
    defs.dedup();
    assert_eq!(defs.len(), METRICS.len() - 2, "definitions are the metric's own");
    assert!(
        r.policies[0].delta(Metric::CostTotal).is_none(),
        "the baseline has no delta"
    );
}
