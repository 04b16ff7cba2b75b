//! Logs as real exporters write them (issue 22, item 6): the OpenTelemetry Collector's JSON Lines,
//! LiteLLM's logging payloads, paged API results, several arrays in one file, byte-order marks,
//! LiteLLM's `None`s, non-streaming rows; and the exports a fit cannot use, each refused with how
//! to ask for one it can. Fixtures are hand-written from the exporters' documented schemas.

use std::io::Cursor;

use costplan::logs::fit::{FitOptions, fit};
use costplan::logs::read::read_from;
use costplan::logs::{Adjustment, LogError, Logs, Source};

fn read(text: &str, name: &str) -> Result<Logs, LogError> {
    let mut logs = Logs::default();
    read_from(Cursor::new(text.as_bytes()), name, &mut logs)?;
    Ok(logs)
}

fn fixture(name: &str) -> String {
    std::fs::read_to_string(format!("{}/tests/data/logs/{name}", env!("CARGO_MANIFEST_DIR"))).expect("fixture")
}

fn adjusted(logs: &Logs, a: Adjustment) -> u64 {
    logs.adjusted.iter().filter(|((_, k), _)| *k == a).map(|(_, n)| n).sum()
}

fn model(logs: &Logs, i: usize) -> &str {
    logs.symbols.name(logs.records[i].model)
}

#[test]
fn the_collectors_otlp_json_lines_are_read_batch_by_batch() {
    let logs = read(&fixture("otel-collector-file-exporter.jsonl"), "spans.jsonl").unwrap();
    assert_eq!(logs.files[0].1, Source::OpenTelemetry);
    // Four model calls (the tool span is not one): OpenLLMetry's chat, openai-v2's chat, an
    // embedding without output tokens, and a failed call without usage.
    assert_eq!(logs.records.len(), 4, "{:?}", logs.records);
    assert_eq!(model(&logs, 0), "gpt-4o-2024-08-06");
    // OpenLLMetry's cached tokens and user.
    assert_eq!(logs.records[0].usage.cache_read_tokens, 3072.0);
    assert_eq!(logs.records[0].usage.prompt_tokens, 5000.0);
    let user = costplan::logs::key_index("user").unwrap();
    assert_eq!(logs.symbols.name(logs.records[0].keys[user].unwrap()), "acct-42");
    // The embedding counts, with 0 output tokens, and says so.
    assert_eq!(model(&logs, 2), "text-embedding-3-small");
    assert_eq!(logs.records[2].usage.prompt_tokens, 800.0);
    assert_eq!(logs.records[2].usage.output_tokens, 0.0);
    assert_eq!(adjusted(&logs, Adjustment::NoOutputTokens), 1);
    // The failed call counts as a failed request with no tokens.
    assert_eq!(logs.records[3].ok, Some(false));
    assert_eq!(adjusted(&logs, Adjustment::NoTokens), 1);
    let notes = logs.read_notes().join("\n");
    assert!(
        notes.contains("spans.jsonl: 1 row: GenAI spans without an output-token attribute"),
        "{notes}"
    );
    // The fitted file's header says it too, and `--owner-by user` finds owners.
    let f = fit(
        &logs,
        &FitOptions {
            owner_by: Some("user".into()),
            ..Default::default()
        },
    );
    let ron = f.to_ron(&logs).unwrap();
    assert!(ron.contains("without an output-token attribute"), "{ron}");
    assert!(f.profile.classes.iter().any(|c| c.owner.is_some()));
}

#[test]
fn an_otlp_document_and_its_json_lines_read_alike() {
    // The same batches as one document per line and as one document: the same requests.
    let lines = fixture("otel-collector-file-exporter.jsonl");
    let a = read(&lines, "a.jsonl").unwrap();
    let batches: Vec<serde_json::Value> = lines.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    let mut spans = Vec::new();
    for b in &batches {
        spans.extend(b["resourceSpans"].as_array().unwrap().iter().cloned());
    }
    let one = serde_json::json!({ "resourceSpans": spans }).to_string();
    let b = read(&one, "b.json").unwrap();
    assert_eq!(a.records, b.records);
    // Pretty-printed over many lines (not JSON Lines): still one document.
    let pretty = serde_json::to_string_pretty(&serde_json::json!({ "resourceSpans": spans })).unwrap();
    let c = read(&pretty, "c.json").unwrap();
    assert_eq!(a.records, c.records);
}

#[test]
fn litellm_logging_payloads_from_its_bucket_loggers_are_read() {
    let logs = read(&fixture("litellm-standard-logging-payload.jsonl"), "s3.jsonl").unwrap();
    assert_eq!(logs.files[0].1, Source::LiteLlmPayload);
    assert_eq!(logs.records.len(), 3);
    let r = &logs.records[0];
    assert_eq!(r.cost_usd, Some(0.01845));
    assert_eq!(
        r.usage.cache_read_tokens, 4096.0,
        "Anthropic's cache reads in usage_object"
    );
    assert_eq!(r.usage.prompt_tokens, 5000.0);
    // Epoch seconds as floats: to a microsecond.
    let ms = |x: Option<f32>| x.map(|v| (f64::from(v) * 1e3).round() / 1e3);
    assert_eq!(ms(r.ttft_ms), Some(775.0), "a streamed call's time to first token");
    assert_eq!(ms(r.latency_ms), Some(4375.0));
    let key = |k: &str, i: usize| {
        logs.records[i].keys[costplan::logs::key_index(k).unwrap()].map(|s| logs.symbols.name(s).to_string())
    };
    assert_eq!(key("team", 0).as_deref(), Some("team-support"));
    assert_eq!(key("user", 0).as_deref(), Some("cust-17"), "the end user first");
    assert_eq!(key("user", 1).as_deref(), Some("bob"), "else the key's user");
    assert_eq!(key("tag", 0).as_deref(), Some("support"));
    // OpenAI's cached tokens in the details; a non-streaming call has no time to first token.
    assert_eq!(logs.records[1].usage.cache_read_tokens, 1024.0);
    assert_eq!(logs.records[1].ttft_ms, None);
    assert_eq!(ms(logs.records[1].latency_ms), Some(1250.0));
    assert_eq!(adjusted(&logs, Adjustment::NotStreamed), 2);
    assert_eq!(logs.records[2].ok, Some(false));
    // The same session (trace) groups calls.
    assert!(logs.records.iter().all(|r| r.session.is_some()));
}

#[test]
fn non_streaming_spend_logs_report_no_time_to_first_token() {
    // LiteLLM writes the end time as the completion start of a call that did not stream.
    let csv = "request_id,startTime,endTime,completionStartTime,model,prompt_tokens,completion_tokens,spend,cache_hit\n\
               r1,2025-10-06 10:00:00.000,2025-10-06 10:00:02.000,2025-10-06 10:00:02.000,gpt-4o,100,10,0.001,None\n\
               r2,2025-10-06 10:01:00.000,2025-10-06 10:01:03.000,2025-10-06 10:01:00.500,gpt-4o,100,10,0.001,None\n";
    let logs = read(csv, "spend.csv").unwrap();
    assert_eq!(logs.records[0].ttft_ms, None);
    assert_eq!(logs.records[1].ttft_ms, Some(500.0));
    let f = fit(&logs, &FitOptions::default());
    assert_eq!(f.models[0].ttft_ms_median, Some(500.0), "only the streamed call's");
    // `cache_hit = None` is LiteLLM's cache off: not a 0 % hit rate fitted from the data.
    assert!(logs.records.iter().all(|r| r.cache_hit.is_none()));
    assert_eq!(adjusted(&logs, Adjustment::CacheOff), 2);
    let ron = f.to_ron(&logs).unwrap();
    assert!(ron.contains("response cache was off"), "{ron}");
    assert!(!ron.contains("exact_repeat_rate: response-cache hits"), "{ron}");
}

#[test]
fn summaries_and_pages_without_usage_say_how_to_ask_for_rows() {
    // LiteLLM's legacy /spend/logs by default: spend by day, no tokens.
    let summary =
        r#"[{"startTime":"2025-10-06","spend":12.5,"users":{"alice":12.5},"models":{"gpt-4o":12.5},"88dc28":12.5}]"#;
    let e = read(summary, "spend.json").unwrap_err().to_string();
    assert!(e.contains("summarize=false") && e.contains("/spend/logs/v2"), "{e}");
    // Langfuse's v2 observations without `fields=usage`.
    let page = r#"{"data":[{"id":"obs-1","traceId":"t-1","startTime":"2025-10-06T10:00:00.000Z","endTime":"2025-10-06T10:00:01.000Z","projectId":"p","parentObservationId":null,"type":"GENERATION"}],"meta":{"cursor":null}}"#;
    let e = read(page, "observations.json").unwrap_err().to_string();
    assert!(
        e.contains("observations.json") && e.contains("fields=core,basic,usage"),
        "{e}"
    );
}

#[test]
fn a_page_of_a_longer_result_is_named_as_such() {
    // LiteLLM's /spend/logs/v2 page 1 of 3.
    let v2 = r#"{"data":[
        {"request_id":"r1","startTime":"2025-10-06T10:00:00Z","model":"gpt-4o","prompt_tokens":100,"completion_tokens":10,"spend":0.001},
        {"request_id":"r2","startTime":"2025-10-06T10:05:00Z","model":"gpt-4o","prompt_tokens":100,"completion_tokens":10,"spend":0.001}],
        "total":6,"page":1,"page_size":2,"total_pages":3}"#;
    let logs = read(v2, "page1.json").unwrap();
    assert_eq!(logs.records.len(), 2);
    let notes = logs.read_notes().join("\n");
    assert!(notes.contains("page1.json: 2 of the 6 rows"), "{notes}");
    // An OpenAI usage page that says more follow.
    let openai = fixture("openai-usage-completions.json").replace(r#""has_more":false"#, r#""has_more":true"#);
    let logs = read(&openai, "usage.json").unwrap();
    assert!(logs.read_notes().join("\n").contains("more follow"), "{:?}", logs.notes);
    // All rows there: nothing said.
    let all = v2.replace(r#""total":6"#, r#""total":2"#);
    assert!(read(&all, "all.json").unwrap().notes.is_empty());
}

#[test]
fn exactly_the_legacy_endpoints_cap_is_named_as_likely_cut() {
    let row = |i: u32| {
        format!(
            r#"{{"request_id":"r{i}","startTime":"2025-10-06T10:00:00Z","model":"gpt-4o","prompt_tokens":100,"completion_tokens":10,"spend":0.001}}"#
        )
    };
    let rows: Vec<String> = (0..10_000).map(row).collect();
    let logs = read(&format!("[{}]", rows.join(",")), "legacy.json").unwrap();
    let notes = logs.read_notes().join("\n");
    assert!(
        notes.contains("exactly 10000 rows") && notes.contains("cut short"),
        "{notes}"
    );
    let fewer = read(&format!("[{}]", rows[..9_999].join(",")), "fewer.json").unwrap();
    assert!(fewer.notes.is_empty());
}

#[test]
fn several_arrays_or_documents_in_one_file_are_all_read() {
    let a = r#"[{"request_id":"r1","startTime":"2025-10-06T10:00:00Z","model":"gpt-4o","prompt_tokens":100,"completion_tokens":10}]"#;
    let b = r#"[{"request_id":"r2","startTime":"2025-10-07T10:00:00Z","model":"gpt-4o","prompt_tokens":200,"completion_tokens":20}]"#;
    let logs = read(&format!("{a}\n{b}\n"), "two.json").unwrap();
    assert_eq!(logs.records.len(), 2);
    assert_eq!(logs.records[1].usage.prompt_tokens, 200.0);
    // Two OpenAI usage pages saved one after the other (pretty-printed, not JSON Lines).
    let page = fixture("openai-usage-completions.json");
    let logs = read(&format!("{page}\n{page}"), "pages.json").unwrap();
    assert_eq!(logs.records.len(), 4);
    // Something that is not JSON after the first array is a syntax error with its position.
    let e = read(&format!("{a}\nnot json"), "bad.json").unwrap_err().to_string();
    assert!(e.contains("bad.json: line 2, column"), "{e}");
}

#[test]
fn a_byte_order_mark_is_not_data() {
    for name in [
        "litellm-daily-spend.csv",
        "openai-usage-completions.json",
        "langfuse-observations.jsonl",
    ] {
        let text = fixture(name);
        let plain = read(&text, name).unwrap();
        let with_bom = read(&format!("\u{feff}{text}"), name).unwrap();
        assert_eq!(plain.records, with_bom.records, "{name}");
        assert_eq!(with_bom.skipped_count, 0, "{name}");
    }
}

#[test]
fn one_bad_row_in_an_aggregated_export_is_skipped_and_its_day_named() {
    let mut page: serde_json::Value = serde_json::from_str(&fixture("openai-usage-completions.json")).unwrap();
    page["data"][1]["results"].as_array_mut().unwrap().push(
        serde_json::json!({"input_tokens": "n/a", "output_tokens": 9, "num_model_requests": 5, "model": "gpt-4o-mini"}),
    );
    let logs = read(&page.to_string(), "usage.json").unwrap();
    assert_eq!((logs.records.len(), logs.skipped_count), (2, 1));
    assert_eq!(logs.skipped[0].at, "data[1].results[1]");
    let f = fit(&logs, &FitOptions::default());
    assert!(
        f.assumed
            .iter()
            .any(|(k, why)| k == "requests_per_day" && why.contains("1 aggregated rows were skipped")),
        "{:?}",
        f.assumed
    );
    let daily = "date,model,api_requests,prompt_tokens,completion_tokens\n2025-10-06,a,10,100,10\n2025-10-07,a,x,100,10\n2025-10-08,a,10,100,10\n";
    let logs = read(daily, "daily.csv").unwrap();
    assert_eq!((logs.records.len(), logs.skipped_count), (2, 1));
    assert!(f.to_checked_ron(&logs, "fitted").is_ok());
}

#[test]
fn a_file_far_beyond_the_row_bound_is_refused_from_its_first_megabyte() {
    // 2 MB of short daily rows, then a sparse gap to 1.5 GB: ~70 million rows by the estimate,
    // refused before it is read (bounded by rows, not bytes).
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("huge.csv");
    let mut text = String::from("date,model,api_requests,prompt_tokens,completion_tokens\n");
    while text.len() < 2 << 20 {
        text.push_str("2025-10-06,a,1,1,1\n");
    }
    std::fs::write(&path, &text).unwrap();
    std::fs::OpenOptions::new()
        .write(true)
        .open(&path)
        .unwrap()
        .set_len(1_500_000_000)
        .unwrap();
    let e = costplan::logs::read::read_files(&[path.as_path()])
        .unwrap_err()
        .to_string();
    assert!(e.contains("huge.csv: about") && e.contains("nothing was read"), "{e}");
    // A real 2 MB file of the same rows is read.
    let small = dir.path().join("small.csv");
    std::fs::write(&small, &text).unwrap();
    assert!(costplan::logs::read::read_files(&[small.as_path()]).is_ok());
}

fn data(name: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/logs")
        .join(name)
}

/// Parquet (issue 23, item 3), as pyarrow writes it: LiteLLM's spend logs with their column
/// types, and Langfuse observations with `usageDetails` and `costDetails` as maps, fit exactly
/// as their CSV and JSON Lines twins do.
#[test]
fn parquet_exports_fit_as_their_csv_and_json_twins() {
    use costplan::logs::read::read_files;
    for (parquet, twin) in [
        (
            "litellm-spend-logs.parquet",
            crate::common::root().join("scenarios/from-logs/spend-logs.csv"),
        ),
        (
            "langfuse-observations.parquet",
            data("langfuse-observations-3-days.jsonl"),
        ),
    ] {
        let a = read_files(&[data(parquet).as_path()]).unwrap();
        let b = read_files(&[twin.as_path()]).unwrap();
        assert_eq!(a.files[0].1, b.files[0].1, "{parquet}: the same format");
        assert_eq!(a.records.len(), b.records.len(), "{parquet}");
        assert_eq!(a.skipped_count, 0, "{parquet}: {:?}", a.skipped);
        let (fa, fb) = (fit(&a, &FitOptions::default()), fit(&b, &FitOptions::default()));
        assert_eq!(fa.profile, fb.profile, "{parquet}");
        assert_eq!(fa.models, fb.models, "{parquet}");
    }
    // Not Parquet after all: a clear error, not a panic.
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("cut.parquet");
    let bytes = std::fs::read(data("litellm-spend-logs.parquet")).unwrap();
    std::fs::write(&bad, &bytes[..bytes.len() / 2]).unwrap();
    let e = read_files(&[bad.as_path()]).unwrap_err().to_string();
    assert!(
        e.contains("cut.parquet") && e.contains("not a readable Parquet file"),
        "{e}"
    );
    for junk in [
        &b"PAR1"[..],
        b"PAR1\0\0\0\0PAR1",
        b"PAR1 not really a parquet file at all PAR1",
    ] {
        std::fs::write(&bad, junk).unwrap();
        let e = read_files(&[bad.as_path()]).unwrap_err().to_string();
        assert!(e.contains("not a readable Parquet file"), "{e}");
    }
}
