//! Structural edits (model::edit): every add, duplicate, rename and remove keeps the scenario
//! valid and its references whole, and refuses what would break it.

use costplan::model::edit::EditError;
use costplan::model::policy::{Condition, Router, Rule};
use costplan::model::{Policy, Scenario};
use costplan::sim::metrics::Metric;

use crate::common::run;

fn default() -> Scenario {
    let mut s = Scenario::bundled_default().expect("bundled default");
    s.file.runs = 8;
    s.file.horizon_days = 5;
    s
}

fn valid(s: &Scenario) -> Scenario {
    match s.validate_edited() {
        Ok(v) => v,
        Err(e) => panic!("the edit left the scenario invalid:\n{e}"),
    }
}

fn share_total(s: &Scenario) -> f64 {
    s.traffic.classes.iter().map(|c| c.share.get()).sum()
}

#[test]
fn a_new_class_gets_every_models_success_and_shares_can_be_rebalanced() {
    let mut s = default();
    let name = s.add_class();
    assert_eq!(name, "new-class");
    assert_eq!(s.add_class(), "new-class-2", "names stay unique");
    for m in s.file.models.values() {
        assert!(m.success.contains_key("new-class") && m.success.contains_key("new-class-2"));
    }
    valid(&s);
    let i = s.traffic.classes.iter().position(|c| c.name == name).unwrap();
    s.traffic.classes[i].share = costplan::model::ron_io::Prob::new(0.5).unwrap();
    assert!(s.validate_edited().is_err(), "shares of 150% are refused");
    s.normalise_shares();
    assert!((share_total(&s) - 1.0).abs() < 1e-12);
    assert!((s.traffic.classes[i].share.get() - 0.5 / 1.5).abs() < 1e-12);
    valid(&s);
}

#[test]
fn duplicating_a_class_splits_its_share_and_copies_its_success_rates() {
    let mut s = default();
    let before = s.traffic.classes[0].share.get();
    let copy = s.duplicate_class(0).unwrap();
    assert_eq!(copy, "faq-2");
    assert_eq!(s.traffic.classes[1].name, "faq-2", "placed after the original");
    assert!((s.traffic.classes[0].share.get() - before / 2.0).abs() < 1e-12);
    assert!((share_total(&s) - 1.0).abs() < 1e-9);
    assert_eq!(
        s.file.models["haiku"].success["faq-2"],
        s.file.models["haiku"].success["faq"]
    );
    valid(&s);
}

#[test]
fn removing_a_class_names_its_rules_then_drops_them_and_keeps_shares_whole() {
    let mut s = default();
    s.policies[0].router = Some(Router::Rules {
        rules: vec![
            Rule {
                when: Condition::Class("faq".into()),
                model: "haiku".into(),
            },
            Rule {
                when: Condition::InputTokensAbove(9000),
                model: "sonnet".into(),
            },
        ],
        default: "sonnet".into(),
    });
    assert_eq!(
        s.class_references("faq"),
        vec!["a routing rule of policy \"sonnet-only\""]
    );
    s.remove_class(0).unwrap();
    assert!((share_total(&s) - 1.0).abs() < 1e-9);
    assert_eq!(s.policies[0].rules().len(), 1, "the faq rule went, the other stayed");
    assert!(s.file.models.values().all(|m| !m.success.contains_key("faq")));
    valid(&s);
    s.remove_class(0).unwrap();
    assert_eq!(s.remove_class(0), Err(EditError::Last("task class")));
    valid(&s);
}

#[test]
fn renaming_a_class_renames_its_success_rates_and_rules_and_refuses_clashes() {
    let mut s = default();
    s.policies[1].router = Some(Router::Rules {
        rules: vec![Rule {
            when: Condition::Class("faq".into()),
            model: "haiku".into(),
        }],
        default: "sonnet".into(),
    });
    s.rename_class(0, "questions").unwrap();
    assert!(s.file.models["sonnet"].success.contains_key("questions"));
    assert_eq!(s.policies[1].rules()[0].when, Condition::Class("questions".into()));
    valid(&s);
    assert!(matches!(
        s.rename_class(0, "troubleshooting"),
        Err(EditError::Taken { .. })
    ));
    assert_eq!(s.rename_class(0, "  "), Err(EditError::EmptyName));
}

#[test]
fn a_model_is_added_from_the_price_table_and_only_a_chat_model_is_accepted() {
    let mut s = default();
    let keys = s.chat_price_keys("GPT-4.1");
    assert!(!keys.is_empty(), "the search ignores case");
    assert!(keys.iter().all(|k| k.to_lowercase().contains("gpt-4.1")));
    let name = s.add_model(&keys[0]).unwrap();
    assert_eq!(s.file.models[&name].price_key, keys[0]);
    assert_eq!(s.file.models[&name].success.len(), 3, "a success rate per class");
    valid(&s);
    let embedding = s
        .prices
        .models
        .iter()
        .find(|(_, p)| p.kind == costplan::model::prices::ModelKind::Embedding)
        .map(|(k, _)| k.clone())
        .unwrap();
    assert!(matches!(s.add_model(&embedding), Err(EditError::NotChat(_))));
    assert!(matches!(s.add_model("no-such-model"), Err(EditError::NotChat(_))));
}

#[test]
fn removing_a_model_in_use_lists_its_users_and_moves_them_to_the_replacement() {
    let mut s = default();
    let users = s.model_references("haiku");
    assert_eq!(
        users,
        vec!["policy \"haiku-cascade\"", "policy \"learned-router\""],
        "the cascade (stage and verifier) and the learned router"
    );
    assert_eq!(s.model_references("sonnet")[0], "the scenario's default model");
    s.remove_model("haiku", "sonnet").unwrap();
    assert!(s.model_references("haiku").is_empty());
    assert!(s.policies.iter().all(|p| !p.models_used("sonnet").contains(&"haiku")));
    valid(&s);
    assert_eq!(s.remove_model("sonnet", "sonnet"), Err(EditError::Last("model")));
}

/// Bitwise equality that holds for two NaNs (a figure undefined in both).
fn same(a: f64, b: f64) -> bool {
    a.to_bits() == b.to_bits()
}

#[test]
fn renaming_a_model_moves_every_reference_and_leaves_the_policies_without_it_alone() {
    let s = default();
    let mut renamed = s.clone();
    renamed.rename_model("haiku", "small").unwrap();
    assert!(renamed.model_references("haiku").is_empty());
    assert_eq!(renamed.model_references("small").len(), 2);
    let v = valid(&renamed);
    // A model's parameters are keyed by their path (models.<name>…), so the renamed model draws
    // new streams; policies that never call it keep every figure.
    let (a, b) = (run(&valid(&s)), run(&v));
    for (pa, pb) in a.policies.iter().zip(&b.policies).take(2) {
        for &m in Metric::ALL {
            assert!(same(pa.metric(m).mean, pb.metric(m).mean), "{m:?} of {}", pa.name);
        }
    }
    renamed.rename_model("sonnet", "large").unwrap();
    assert_eq!(renamed.file.default_model, "large");
    assert!(matches!(
        renamed.rename_model("small", "large"),
        Err(EditError::Taken { .. })
    ));
    renamed.rename_model("small", "haiku").unwrap();
    renamed.rename_model("large", "sonnet").unwrap();
    assert_eq!(renamed.file, s.file, "renaming back restores the file");
    assert_eq!(renamed.policies, s.policies);
}

#[test]
fn a_new_policy_version_is_a_copy_after_its_original_with_the_same_figures() {
    let mut s = default();
    let i = s.new_policy_version(2).unwrap();
    assert_eq!(i, 3);
    assert_eq!(s.policies[3].name, "haiku-cascade-2");
    assert_eq!(
        (s.policies[2].version.as_str(), s.policies[3].version.as_str()),
        ("2", "3")
    );
    assert_eq!(s.file.policies.len(), s.policies.len(), "the file's list follows");
    let r = run(&valid(&s));
    let (orig, copy) = (&r.policies[2], &r.policies[3]);
    for &m in Metric::ALL {
        assert!(
            same(orig.metric(m).mean, copy.metric(m).mean),
            "{m:?}: paired on the same tasks"
        );
    }
    let added = s.add_policy();
    assert_eq!(s.policies[added], Policy::empty("new-policy"));
    valid(&s);
}

#[test]
fn removing_or_renaming_the_baseline_keeps_a_baseline() {
    let mut s = default();
    s.rename_policy(0, "today").unwrap();
    assert_eq!(s.file.baseline, "today");
    valid(&s);
    s.remove_policy(0).unwrap();
    assert_eq!(s.file.baseline, "sonnet-cached", "the first remaining policy");
    assert_eq!(s.file.policies.len(), s.policies.len());
    valid(&s);
    s.set_baseline(1);
    assert_eq!(valid(&s).baseline, 1);
    while s.policies.len() > 1 {
        s.remove_policy(0).unwrap();
    }
    assert_eq!(s.remove_policy(0), Err(EditError::Last("policy")));
    assert!(matches!(s.rename_policy(0, ""), Err(EditError::EmptyName)));
}

/// Each router kind lives in one place (model::router): the kind list is complete (every kind's
/// suggested router reports that kind), each names the models it calls, and each validates in
/// a scenario — or is refused there with the router's own path when it names a missing model.
#[test]
fn every_router_kind_round_trips_names_its_models_and_validates() {
    use costplan::model::router::{Router, RouterKind};
    let base = crate::common::ScenarioBuilder::new().build();
    assert_eq!(RouterKind::ALL.len(), 4);
    for &kind in RouterKind::ALL {
        let r = Router::suggested(kind, "small", "big");
        assert_eq!(r.kind(), kind, "{}", kind.name());
        assert!(r.models().contains(&"big"), "{}: {:?}", kind.name(), r.models());
        let mut s = base.clone();
        s.policies[0].router = Some(r.clone());
        s.validate_edited().unwrap_or_else(|e| panic!("{}: {e}", kind.name()));
        // The same router naming a model the scenario lacks is refused at the router's path.
        let renamed = Router::suggested(kind, "small", "gone");
        let mut s = base.clone();
        s.policies[0].router = Some(renamed);
        let e = s.validate_edited().unwrap_err().to_string();
        assert!(
            e.contains("policies[0].router") && e.contains("unknown model \"gone\""),
            "{e}"
        );
    }
}

/// Traffic imported from logs (other class names) leaves a valid scenario: success rates follow
/// the classes, rules on classes that are gone are removed and named.
#[test]
fn traffic_with_other_classes_replaces_the_old_and_keeps_the_scenario_valid() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut s = costplan::model::scenario::load_scenario_path(&root.join("scenarios/coding-assistant.ron")).unwrap();
    let fitted = costplan::model::scenario::load_traffic_path(&root.join("scenarios/from-logs/traffic.ron")).unwrap();
    let swap = s.replace_traffic(fitted);
    // Two models × three old classes dropped; two models × two new classes filled.
    assert_eq!((swap.rates_dropped, swap.rates_filled), (6, 4));
    assert_eq!(
        swap.rules_removed,
        [r#"policy "flash-for-edits": the rule for class "edit""#]
    );
    assert!(
        swap.describe()
            .contains("routing rules on classes no longer in the traffic were removed")
    );
    let v = valid(&s);
    for m in v.file.models.values() {
        let mut keys: Vec<&str> = m.success.keys().map(String::as_str).collect();
        keys.sort_unstable();
        assert_eq!(keys, ["billing", "faq"]);
        // The new classes get the model's average over the classes it had.
        assert!(m.success["faq"].0.mean() > 0.0);
    }
    run(&v);
    // Classes with the same names keep their rates.
    let mut t = default();
    let same = t.traffic.clone();
    let before = t.file.models.clone();
    assert_eq!(t.replace_traffic(same), costplan::model::edit::TrafficSwap::default());
    assert_eq!(t.file.models, before);
}
