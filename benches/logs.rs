//! Fitting a traffic profile from a million log rows: LiteLLM spend logs as CSV (the largest
//! per-row format in use) and Langfuse observations as JSON Lines, read from memory and fitted.
//! The goal: 1 M rows in at most 10 s. Run with `cargo bench --bench logs`.

use std::hint::black_box;
use std::io::Cursor;

use costplan::logs::Logs;
use costplan::logs::fit::{FitOptions, fit};
use costplan::logs::read::read_from;
use costplan::logs::synth::{SynthFormat, SynthSpec, generate, write};
use criterion::{Criterion, criterion_group, criterion_main};

fn million_rows(c: &mut Criterion) {
    // 32,000 tasks a day for 30 days, with retries: about 1.05 M rows.
    let spec = SynthSpec::example(32_000.0);
    let rows = generate(&spec);
    let mut group = c.benchmark_group("traffic fit, 1 M rows");
    group.sample_size(10);
    for (format, label) in [
        (SynthFormat::LiteLlmCsv, "LiteLLM spend logs CSV"),
        (SynthFormat::LangfuseJsonl, "Langfuse JSON Lines"),
    ] {
        let text = write(&spec, &rows, format);
        eprintln!("{label}: {} rows, {} MB", rows.len(), text.len() / 1_000_000);
        group.bench_function(label, |b| {
            b.iter(|| {
                let mut logs = Logs::default();
                read_from(Cursor::new(text.as_bytes()), label, &mut logs).unwrap();
                black_box(fit(&logs, &FitOptions::default()))
            })
        });
    }
    group.finish();
}

criterion_group!(benches, million_rows);
criterion_main!(benches);
