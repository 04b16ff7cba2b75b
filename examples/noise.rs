//! Measures the sampled engine's noise: empirical (sampled − exact, run by run) against its own
//! estimate, as shares of the p5–p95 width of cost per request.
use costplan::sim::engine::Control;
use costplan::sim::metrics as m;
use costplan::sim::results::{EngineChoice, SimOptions, simulate};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let runs: u32 = args[2].parse().unwrap();
    let k: u32 = args[3].parse().unwrap();
    let mut s = costplan::model::load_scenario_path(std::path::Path::new(&args[1])).unwrap();
    let factor: f64 = args[4].parse().unwrap();
    let days: u32 = args[5].parse().unwrap();
    use costplan::model::dist::{DistSpec, NonNegDist};
    let spec = match s.traffic.requests_per_day.0.spec().clone() {
        DistSpec::Fixed(x) => DistSpec::Fixed(x * factor),
        DistSpec::LogNormal(med, p95) => DistSpec::LogNormal(med * factor, p95 * factor),
        DistSpec::Normal(mean, sd) => DistSpec::Normal(mean * factor, sd * factor),
        other => panic!("{other:?}"),
    };
    s.traffic.requests_per_day = NonNegDist::try_from(spec).unwrap();
    if days > 0 {
        s.file.horizon_days = days;
    }
    let s = s.validate_edited().unwrap();
    let o = |engine| SimOptions {
        runs: Some(runs),
        engine,
        skip_attribution: true,
        ..Default::default()
    };
    let e = simulate(&s, &o(EngineChoice::Exact), &Control::none()).unwrap();
    let t = std::time::Instant::now();
    let sa = simulate(&s, &o(EngineChoice::Sampled(k)), &Control::none()).unwrap();
    let secs = t.elapsed().as_secs_f64();
    for (pe, ps) in e.policies.iter().zip(&sa.policies) {
        let d: Vec<f64> = pe
            .runs
            .iter()
            .zip(&ps.runs)
            .map(|(a, b)| b.values[m::COST_PER_REQUEST] - a.values[m::COST_PER_REQUEST])
            .collect();
        let n = d.len() as f64;
        let mean = d.iter().sum::<f64>() / n;
        let sd = (d.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0)).sqrt();
        let mut v: Vec<f64> = pe.runs.iter().map(|r| r.values[m::COST_PER_REQUEST]).collect();
        v.sort_by(f64::total_cmp);
        let q = |p: f64| v[((v.len() - 1) as f64 * p).round() as usize];
        let width = q(0.95) - q(0.05);
        let est: f64 = ps
            .runs
            .iter()
            .map(|r| (r.sampling_se_cost_usd / r.values[m::TASKS]).powi(2))
            .sum::<f64>()
            / n;
        println!(
            "{:<28} empirical {:>6.2}%  estimated {:>6.2}%  bias {:>+7.3}%  ({secs:.2}s sampled)",
            pe.name,
            100.0 * sd / width,
            100.0 * est.sqrt() / width,
            100.0 * mean / width
        );
    }
    println!("engine noise share {:?}", sa.engine.sampling_noise_share);
}
