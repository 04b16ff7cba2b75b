//! Fitting a traffic profile from a million log rows: LiteLLM spend logs as CSV (the largest
//! per-row format in use) and Langfuse observations as JSON Lines, read from memory and fitted;
//! and the same spend logs as a Parquet file (every column text, as a CSV → Parquet conversion
//! gives) at 100 k and 1 M rows, read from disk. Run with `cargo bench --bench logs`.

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

/// `csv` (a header and rows) as Parquet: every column optional UTF-8 text (an empty cell is
/// null), in row groups of 100,000.
fn parquet_of_csv(csv: &str) -> Vec<u8> {
    use parquet::basic::{LogicalType, Repetition, Type as Physical};
    use parquet::data_type::{ByteArray, ByteArrayType};
    use parquet::file::writer::SerializedFileWriter;
    use parquet::schema::types::Type;
    use std::sync::Arc;
    let mut r = csv::Reader::from_reader(csv.as_bytes());
    let header: Vec<String> = r.headers().unwrap().iter().map(str::to_string).collect();
    let rows: Vec<csv::StringRecord> = r.records().map(Result::unwrap).collect();
    let fields = header
        .iter()
        .map(|h| {
            Arc::new(
                Type::primitive_type_builder(h, Physical::BYTE_ARRAY)
                    .with_repetition(Repetition::OPTIONAL)
                    .with_logical_type(Some(LogicalType::String))
                    .build()
                    .unwrap(),
            )
        })
        .collect();
    let schema = Arc::new(
        Type::group_type_builder("spend_logs")
            .with_fields(fields)
            .build()
            .unwrap(),
    );
    let mut out = Vec::new();
    let mut w = SerializedFileWriter::new(&mut out, schema, Default::default()).unwrap();
    for group in rows.chunks(100_000) {
        let mut g = w.next_row_group().unwrap();
        for c in 0..header.len() {
            let cells: Vec<&str> = group.iter().map(|row| row.get(c).unwrap_or("")).collect();
            let values: Vec<ByteArray> = cells
                .iter()
                .filter(|v| !v.is_empty())
                .map(|v| ByteArray::from(*v))
                .collect();
            let defs: Vec<i16> = cells.iter().map(|v| i16::from(!v.is_empty())).collect();
            let mut col = g.next_column().unwrap().unwrap();
            col.typed::<ByteArrayType>()
                .write_batch(&values, Some(&defs), None)
                .unwrap();
            col.close().unwrap();
        }
        g.close().unwrap();
    }
    w.close().unwrap();
    out
}

fn parquet_rows(c: &mut Criterion) {
    let dir = std::env::temp_dir().join(format!("costplan-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut group = c.benchmark_group("traffic fit from Parquet");
    group.sample_size(10);
    // About 105 k and 1.05 M rows (a month at 3,200 and 32,000 tasks a day, with retries).
    for tasks_per_day in [3_200.0, 32_000.0] {
        let spec = SynthSpec::example(tasks_per_day);
        let rows = generate(&spec);
        let bytes = parquet_of_csv(&write(&spec, &rows, SynthFormat::LiteLlmCsv));
        let path = dir.join(format!("spend-{}.parquet", rows.len()));
        std::fs::write(&path, &bytes).unwrap();
        let label = format!("{} rows", rows.len());
        eprintln!("LiteLLM spend logs Parquet: {label}, {} MB", bytes.len() / 1_000_000);
        group.bench_function(&label, |b| {
            b.iter(|| {
                let mut logs = Logs::default();
                costplan::logs::read::read_file(&path, &mut logs).unwrap();
                black_box(fit(&logs, &FitOptions::default()))
            })
        });
    }
    group.finish();
    let _ = std::fs::remove_dir_all(&dir);
}

criterion_group!(benches, million_rows, parquet_rows);
criterion_main!(benches);
