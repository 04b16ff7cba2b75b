//! Engine throughput: task simulations (one task through one policy's pipeline) per second on
//! one core, for each shipped scenario. Run with `cargo bench --bench engine`.

use std::hint::black_box;
use std::sync::atomic::AtomicBool;

use costplan::sim::compile::Compiled;
use costplan::sim::engine::run_one;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

fn bench(c: &mut Criterion) {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut group = c.benchmark_group("one run, one core");
    group.sample_size(10);
    for name in ["support-assistant", "rag-docs", "coding-assistant", "batch-extraction"] {
        let scn = costplan::model::load_scenario_path(&root.join(format!("scenarios/{name}.ron"))).unwrap();
        let compiled = Compiled::new(&scn, &scn.policies).expect("a shipped scenario compiles");
        let never = AtomicBool::new(false);
        // One run's task count (the same for every run of the same seed and run index).
        let out = run_one(&compiled, scn.file.seed, 0, &never).unwrap();
        let tasks = out[0].values[costplan::sim::metrics::TASKS] as u64;
        group.throughput(Throughput::Elements(tasks * compiled.policies.len() as u64));
        group.bench_function(name, |b| {
            b.iter(|| black_box(run_one(&compiled, scn.file.seed, 0, &never).unwrap()))
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
