//! LiteLLM's real price list imports, and its per-token prices become the right per-1M prices.

use costplan::model::SourceFile;
use costplan::model::prices::import_litellm;

use crate::common::litellm_json;

#[test]
fn the_real_litellm_file_imports() {
    let path = litellm_json();
    let text = std::fs::read_to_string(&path).expect("shared/data/litellm is beside the repository");
    let name = path.display().to_string();
    let (table, stats) = import_litellm(&SourceFile::new(&name, &text), "2026-11-26").unwrap();
    assert_eq!(stats.entries, 4878);
    assert!(stats.chat >= 3400, "{stats:?}");
    assert!(stats.embedding > 100, "{stats:?}");
    assert!(!table.models.contains_key("sample_spec"));
    assert_eq!(stats.entries, stats.chat + stats.embedding + stats.skipped);

    let raw: serde_json::Value = serde_json::from_str(&text).unwrap();
    let per_m = |id: &str, k: &str| raw[id][k].as_f64().map(|x| x * 1e6);
    for id in [
        "gpt-4o",
        "gpt-4o-mini",
        "claude-sonnet-4-5",
        "gemini/gemini-2.5-pro",
        "gemini/gemini-2.5-flash",
    ] {
        let p = &table.models[id];
        let close = |a: f64, b: Option<f64>| (a - b.unwrap()).abs() < 1e-9;
        assert!(
            close(p.input_usd_per_mtok.get(), per_m(id, "input_cost_per_token")),
            "{id} input"
        );
        assert!(
            close(p.output_usd_per_mtok.get(), per_m(id, "output_cost_per_token")),
            "{id} output"
        );
        if let Some(x) = per_m(id, "cache_read_input_token_cost") {
            assert!(
                close(p.cache_read_usd_per_mtok.unwrap().get(), Some(x)),
                "{id} cache read"
            );
        }
        if let Some(x) = per_m(id, "input_cost_per_token_batches") {
            assert!(close(p.batch_input_usd_per_mtok.unwrap().get(), Some(x)), "{id} batch");
        }
    }
    let gpt4o = &table.models["gpt-4o"];
    assert_eq!(
        (
            gpt4o.input_usd_per_mtok.get(),
            gpt4o.output_usd_per_mtok.get(),
            gpt4o.cache_read_usd_per_mtok.unwrap().get()
        ),
        (2.5, 10.0, 1.25)
    );
    let sonnet = &table.models["claude-sonnet-4-5"];
    assert_eq!(sonnet.cache_write_usd_per_mtok.unwrap().get(), 3.75);
    assert_eq!(sonnet.prompt_cache_min_tokens, Some(1024));
    assert_eq!(sonnet.cache_write_1h_usd_per_mtok.unwrap().get(), 6.0);
    let pro = &table.models["gemini/gemini-2.5-pro"];
    assert_eq!(pro.long_context.len(), 1);
    assert_eq!(pro.long_context[0].above_input_tokens, 200_000);
    assert_eq!(pro.long_context[0].input_usd_per_mtok.get(), 2.5);
    assert_eq!(pro.long_context[0].output_usd_per_mtok.get(), 15.0);
    assert_eq!(
        table.models["gemini/gemini-2.5-flash"]
            .reasoning_usd_per_mtok
            .unwrap()
            .get(),
        2.5
    );
}

#[test]
fn a_scenario_can_reference_the_litellm_file_directly() {
    let dir = tempfile::tempdir().unwrap();
    let scn = std::fs::read_to_string(crate::common::root().join("scenarios/support-assistant.ron"))
        .unwrap()
        .replace(
            "File(\"../assets/prices/default.ron\")",
            &format!("File({:?})", litellm_json().display().to_string()),
        )
        .replace(
            "File(\"traffic/support.ron\")",
            &format!(
                "File({:?})",
                crate::common::root()
                    .join("scenarios/traffic/support.ron")
                    .display()
                    .to_string()
            ),
        );
    std::fs::write(dir.path().join("s.ron"), scn).unwrap();
    let s = costplan::model::load_scenario_path(&dir.path().join("s.ron")).unwrap();
    assert!(s.prices.models.len() > 3000);
}
