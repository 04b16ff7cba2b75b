//! Each distribution, sampled 100,000 times with a fixed seed, matches its closed-form mean and
//! its percentiles, with tolerances derived from the standard error.

use costplan::model::dist::{Dist, DistSpec, Z95};
use costplan::sim::rng::rng_from;

const N: usize = 100_000;

fn check(spec: DistSpec) {
    let d = Dist::try_from(spec.clone()).unwrap();
    let mut rng = rng_from(0xC0FFEE ^ spec.kind_name().len() as u64);
    let xs: Vec<f64> = (0..N).map(|_| d.sample(&mut rng)).collect();
    let mean = xs.iter().sum::<f64>() / N as f64;
    let se_mean = d.sd() / (N as f64).sqrt();
    assert!(
        (mean - d.mean()).abs() <= 4.0 * se_mean + 1e-12,
        "{spec:?}: sample mean {mean} vs {} (4·SE = {})",
        d.mean(),
        4.0 * se_mean
    );
    // Percentiles: the share of samples below the p-quantile is Binomial(N, p)/N.
    for p in [0.05, 0.5, 0.95] {
        let q = d.quantile(p);
        let below = xs.iter().filter(|x| **x <= q).count() as f64 / N as f64;
        let se = (p * (1.0 - p) / N as f64).sqrt();
        let discrete = matches!(spec, DistSpec::Empirical(_) | DistSpec::Fixed(_));
        if !discrete {
            assert!(
                (below - p).abs() <= 4.0 * se,
                "{spec:?}: P(X <= q{p}) = {below}, expected {p} ± {}",
                4.0 * se
            );
        }
    }
}

#[test]
fn fixed() {
    check(DistSpec::Fixed(3.5));
}
#[test]
fn uniform() {
    check(DistSpec::Uniform(10.0, 30.0));
}
#[test]
fn normal() {
    check(DistSpec::Normal(100.0, 15.0));
}
#[test]
fn lognormal_given_median_and_p95() {
    check(DistSpec::LogNormal(1200.0, 3000.0));
    let d = Dist::try_from(DistSpec::LogNormal(1200.0, 3000.0)).unwrap();
    assert!((d.quantile(0.5) - 1200.0).abs() < 1e-6);
    assert!((d.quantile(0.95) - 3000.0).abs() < 1e-6);
    let sigma = (3000f64 / 1200.0).ln() / Z95;
    assert!((d.mean() - 1200.0 * (sigma * sigma / 2.0).exp()).abs() < 1e-9);
}
#[test]
fn gamma_given_mean_and_sd() {
    check(DistSpec::Gamma(50.0, 20.0));
    let d = Dist::try_from(DistSpec::Gamma(50.0, 20.0)).unwrap();
    assert!((d.mean() - 50.0).abs() < 1e-9 && (d.sd() - 20.0).abs() < 1e-9);
}
#[test]
fn beta_given_mean_and_sd() {
    check(DistSpec::Beta(0.8, 0.05));
    let d = Dist::try_from(DistSpec::Beta(0.8, 0.05)).unwrap();
    assert!((d.mean() - 0.8).abs() < 1e-12 && (d.sd() - 0.05).abs() < 1e-12);
}
#[test]
fn pert_from_min_mode_max() {
    check(DistSpec::Pert(2.0, 5.0, 14.0));
    let d = Dist::try_from(DistSpec::Pert(2.0, 5.0, 14.0)).unwrap();
    assert!((d.mean() - (2.0 + 4.0 * 5.0 + 14.0) / 6.0).abs() < 1e-12);
}
#[test]
fn empirical() {
    check(DistSpec::Empirical(vec![1.0, 2.0, 2.0, 10.0]));
    let d = Dist::try_from(DistSpec::Empirical(vec![1.0, 2.0, 2.0, 10.0])).unwrap();
    let mut rng = rng_from(5);
    let tens = (0..N).filter(|_| d.sample(&mut rng) == 10.0).count() as f64 / N as f64;
    assert!((tens - 0.25).abs() < 4.0 * (0.25f64 * 0.75 / N as f64).sqrt());
}

#[test]
fn invalid_parameters_are_errors_not_panics() {
    for spec in [
        DistSpec::Normal(1.0, -1.0),
        DistSpec::LogNormal(100.0, 50.0),
        DistSpec::LogNormal(-1.0, 5.0),
        DistSpec::Beta(1.2, 0.1),
        DistSpec::Beta(0.5, 0.6),
        DistSpec::Gamma(0.0, 1.0),
        DistSpec::Pert(3.0, 1.0, 2.0),
        DistSpec::Uniform(2.0, 1.0),
        DistSpec::Fixed(f64::NAN),
        DistSpec::Normal(f64::INFINITY, 1.0),
        DistSpec::Empirical(vec![]),
        DistSpec::Empirical(vec![1.0, f64::NAN]),
    ] {
        assert!(Dist::try_from(spec.clone()).is_err(), "{spec:?} accepted");
    }
}

#[test]
fn the_fast_normal_quantile_matches_statrs_everywhere() {
    use statrs::distribution::{ContinuousCDF, Normal};
    let n = Normal::standard();
    let mut worst: f64 = 0.0;
    for i in 1..200_000 {
        let p = i as f64 / 200_000.0;
        let err = (costplan::model::dist::std_normal_quantile(p) - n.inverse_cdf(p)).abs();
        worst = worst.max(err);
    }
    for p in [
        1e-12,
        1e-9,
        1e-6,
        1e-3,
        0.0299,
        0.03,
        0.97,
        0.9701,
        1.0 - 1e-6,
        1.0 - 1e-12,
    ] {
        let err = (costplan::model::dist::std_normal_quantile(p) - n.inverse_cdf(p)).abs();
        worst = worst.max(err / n.inverse_cdf(p).abs().max(1.0));
    }
    assert!(worst < 1e-8, "worst error {worst:e}");
}
