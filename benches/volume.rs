//! Cost over traffic volume: the sampled engine's time for one run at 6 k, 600 k and 60 M
//! requests a day (flat in volume), the exact engine's where it finishes, and the window's
//! edit → first figures path (the preview pass). Run with `cargo bench --bench volume`.

use std::hint::black_box;
use std::sync::atomic::AtomicBool;

use costplan::model::Scenario;
use costplan::model::dist::{DistSpec, NonNegDist};
use costplan::sim::compile::Compiled;
use costplan::sim::engine::{Control, run_one};
use costplan::sim::results::{SimOptions, live_passes, simulate};
use criterion::{Criterion, criterion_group, criterion_main};

fn load(name: &str) -> Scenario {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    costplan::model::load_scenario_path(&root.join(format!("scenarios/{name}.ron"))).unwrap()
}

/// The support scenario at a fixed volume.
fn at_volume(per_day: f64) -> Scenario {
    let mut s = load("support-assistant");
    s.traffic.requests_per_day = NonNegDist::try_from(DistSpec::Fixed(per_day)).unwrap();
    s.validate_edited().unwrap()
}

fn volume(c: &mut Criterion) {
    let mut group = c.benchmark_group("one run, one core, support at a fixed volume");
    group.sample_size(10);
    let never = AtomicBool::new(false);
    for per_day in [6_000.0, 600_000.0, 60_000_000.0] {
        let scn = at_volume(per_day);
        let mut compiled = Compiled::new(&scn, &scn.policies).expect("a shipped scenario compiles");
        compiled.sample_per_day = Some(u64::from(costplan::sim::results::DEFAULT_SAMPLE_PER_DAY));
        group.bench_function(format!("sampled, {per_day} a day"), |b| {
            b.iter(|| black_box(run_one(&compiled, scn.file.seed, 0, &never).unwrap()))
        });
        if per_day <= 6_000.0 {
            compiled.sample_per_day = None;
            group.bench_function(format!("exact, {per_day} a day"), |b| {
                b.iter(|| black_box(run_one(&compiled, scn.file.seed, 0, &never).unwrap()))
            });
        }
    }
    group.finish();
}

fn edit_to_preview(c: &mut Criterion) {
    let mut group = c.benchmark_group("window: edit to first figures (preview pass, 2 threads)");
    group.sample_size(10);
    for name in ["support-assistant", "consumer-chat"] {
        let scn = load(name);
        let pass = live_passes(&scn, &SimOptions::default()).remove(0);
        group.bench_function(name, |b| {
            b.iter(|| black_box(simulate(&scn, &pass, &Control::none()).unwrap()))
        });
    }
    group.finish();
}

criterion_group!(benches, volume, edit_to_preview);
criterion_main!(benches);
