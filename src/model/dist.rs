//! Distributions a planner writes in a file (`Fixed`, `LogNormal(median, p95)`, …), validated on
//! load and sampled through statrs and rand.

use rand::Rng;
use serde::{Deserialize, Serialize};
use statrs::distribution::{Beta, ContinuousCDF, Gamma};

/// z-score of the 95th percentile of a standard normal.
pub const Z95: f64 = 1.644_853_626_951_472_2;

/// A distribution as written in a file. Parameterised the way planners think: medians,
/// percentiles, means and standard deviations, expert min/mode/max.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum DistSpec {
    /// Always this value.
    Fixed(f64),
    /// Uniform between `min` and `max`.
    Uniform(f64, f64),
    /// Normal with `mean` and standard deviation `sd`.
    Normal(f64, f64),
    /// Log-normal given by its `median` and its 95th percentile `p95`.
    LogNormal(f64, f64),
    /// Gamma given by its `mean` and standard deviation `sd`.
    Gamma(f64, f64),
    /// Beta given by its `mean` (in (0, 1)) and standard deviation `sd`.
    Beta(f64, f64),
    /// PERT (a scaled Beta) from an expert's `min`, most likely `mode` and `max`.
    Pert(f64, f64, f64),
    /// Each listed value equally likely.
    Empirical(Vec<f64>),
}

/// Why a distribution's parameters were refused.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[error("{0}")]
pub struct DistError(pub String);

fn err<T>(msg: impl Into<String>) -> Result<T, DistError> {
    Err(DistError(msg.into()))
}

fn finite(name: &str, x: f64) -> Result<f64, DistError> {
    if x.is_finite() {
        Ok(x)
    } else {
        err(format!("{name} must be a finite number, found {x}"))
    }
}

/// A normal distribution's parameters (sd > 0).
#[derive(Clone, Copy, Debug)]
struct NormalP {
    mean: f64,
    sd: f64,
}

/// A log-normal distribution's parameters: the log's mean and sd (sigma > 0).
#[derive(Clone, Copy, Debug)]
struct LogNormalP {
    mu: f64,
    sigma: f64,
}

/// Knots of the tabulated standard-normal quantile: `p = i / TABLE_N` (16 KB, stays in cache).
const TABLE_N: usize = 1024;
/// The table covers `p` in [TABLE_LO, 1 − TABLE_LO]; AS 241 does the tails.
const TABLE_LO: f64 = 0.03;

/// Per interval between knots, the cubic Hermite interpolant of the quantile (matching value
/// and derivative 1/φ(z) at both knots) as polynomial coefficients in the position `t` in the
/// interval; computed once with AS 241.
#[inline(always)]
fn normal_table() -> &'static [[f64; 4]] {
    static TABLE: std::sync::OnceLock<Vec<[f64; 4]>> = std::sync::OnceLock::new();
    TABLE.get_or_init(|| {
        let knot = |i: usize| {
            let p = (i as f64 / TABLE_N as f64).clamp(1e-300, 1.0 - 1e-16);
            let z = as241(p);
            let density = (-0.5 * z * z).exp() / (2.0 * std::f64::consts::PI).sqrt();
            (z, 1.0 / density / TABLE_N as f64)
        };
        (0..TABLE_N)
            .map(|i| {
                let ((z0, d0), (z1, d1)) = (knot(i), knot(i + 1));
                [z0, d0, 3.0 * (z1 - z0) - 2.0 * d0 - d1, 2.0 * (z0 - z1) + d0 + d1]
            })
            .collect()
    })
}

/// The standard normal's quantile at `p` in (0, 1). In the centre (94 % of draws) a cubic
/// Hermite interpolation of a 1,024-knot table (absolute error below 1e-8, three multiply-adds);
/// in the tails Wichura's AS 241 directly. The per-task sampler's hot spot.
#[inline(always)]
pub fn std_normal_quantile(p: f64) -> f64 {
    if (TABLE_LO..=1.0 - TABLE_LO).contains(&p) {
        let x = p * TABLE_N as f64;
        let i = (x as usize).min(TABLE_N - 1);
        let t = x - i as f64;
        let [a, b, c, d] = normal_table()[i];
        // Estrin's scheme: two short chains instead of one long one.
        return (a + t * b) + (t * t) * (c + t * d);
    }
    as241_tail(p)
}

#[cold]
#[inline(never)]
fn as241_tail(p: f64) -> f64 {
    as241(p)
}

/// The standard normal's quantile at `p` in (0, 1): Wichura's algorithm AS 241 (PPND16,
/// Applied Statistics 37(3), 1988), accurate to about 1e-16 — a rational function in the centre
/// and in `sqrt(−ln p)` in the tails.
#[allow(clippy::excessive_precision)]
// the coefficients as published
// The AS 241 coefficient tables are one algorithm; split, they would only be harder to check.
#[allow(clippy::too_many_lines)]
pub fn as241(p: f64) -> f64 {
    const A: [f64; 8] = [
        3.387_132_872_796_366_608,
        1.331_416_678_917_843_774_5e2,
        1.971_590_950_306_551_442_7e3,
        1.373_169_376_550_946_112_5e4,
        4.592_195_393_154_987_145_7e4,
        6.726_577_092_700_870_085_3e4,
        3.343_057_558_358_812_810_5e4,
        2.509_080_928_730_122_672_7e3,
    ];
    const B: [f64; 8] = [
        1.0,
        4.231_333_070_160_091_125_2e1,
        6.871_870_074_920_579_083e2,
        5.394_196_021_424_751_107_7e3,
        2.121_379_430_158_659_586_7e4,
        3.930_789_580_009_271_061e4,
        2.872_908_573_572_194_267_4e4,
        5.226_495_278_852_854_561e3,
    ];
    const C: [f64; 8] = [
        1.423_437_110_749_683_577_34,
        4.630_337_846_156_545_295_9,
        5.769_497_221_460_691_405_5,
        3.647_848_324_763_204_605_04,
        1.270_458_252_452_368_382_58,
        2.417_807_251_774_506_117_7e-1,
        2.272_384_498_926_918_458_33e-2,
        7.745_450_142_783_414_076_4e-4,
    ];
    const D: [f64; 8] = [
        1.0,
        2.053_191_626_637_758_821_87,
        1.676_384_830_183_803_849_4,
        6.897_673_349_851_000_045_5e-1,
        1.481_039_764_274_800_745_9e-1,
        1.519_866_656_361_645_719_66e-2,
        5.475_938_084_995_344_946e-4,
        1.050_750_071_644_416_843_24e-9,
    ];
    const E: [f64; 8] = [
        6.657_904_643_501_103_777_2,
        5.463_784_911_164_114_369_9,
        1.784_826_539_917_291_335_8,
        2.965_605_718_285_048_912_3e-1,
        2.653_218_952_657_612_309_3e-2,
        1.242_660_947_388_078_438_6e-3,
        2.711_555_568_743_487_578_15e-5,
        2.010_334_399_292_288_132_65e-7,
    ];
    const F: [f64; 8] = [
        1.0,
        5.998_322_065_558_879_376_9e-1,
        1.369_298_809_227_358_053_1e-1,
        1.487_536_129_085_061_485_25e-2,
        7.868_691_311_456_132_591e-4,
        1.846_318_317_510_054_681_8e-5,
        1.421_511_758_316_445_888_7e-7,
        2.044_263_103_389_939_785_64e-15,
    ];
    #[inline(always)]
    fn poly(c: &[f64; 8], x: f64) -> f64 {
        c.iter().rev().fold(0.0, |acc, k| acc * x + k)
    }
    let q = p - 0.5;
    if q.abs() <= 0.425 {
        let r = 0.180_625 - q * q;
        return q * poly(&A, r) / poly(&B, r);
    }
    let tail = if q < 0.0 { p } else { 1.0 - p };
    if tail <= 0.0 {
        return if q < 0.0 { f64::NEG_INFINITY } else { f64::INFINITY };
    }
    let r = (-tail.ln()).sqrt();
    let z = if r <= 5.0 {
        let r = r - 1.6;
        poly(&C, r) / poly(&D, r)
    } else {
        let r = r - 5.0;
        poly(&E, r) / poly(&F, r)
    };
    if q < 0.0 { -z } else { z }
}

#[derive(Clone, Debug)]
enum Kind {
    Fixed(f64),
    Uniform { min: f64, width: f64 },
    Normal(NormalP),
    LogNormal(LogNormalP),
    Gamma(Gamma),
    Beta(Beta),
    Pert { min: f64, range: f64, beta: Beta },
    Empirical(Vec<f64>),
}

/// A validated distribution: its parameters hold by construction, sampling never panics.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(try_from = "DistSpec", into = "DistSpec")]
pub struct Dist {
    spec: DistSpec,
    kind: Kind,
}

impl PartialEq for Dist {
    fn eq(&self, other: &Self) -> bool {
        self.spec == other.spec
    }
}

impl From<Dist> for DistSpec {
    fn from(d: Dist) -> Self {
        d.spec
    }
}

impl TryFrom<DistSpec> for Dist {
    type Error = DistError;

    fn try_from(spec: DistSpec) -> Result<Self, DistError> {
        let kind = match &spec {
            DistSpec::Fixed(x) => Kind::Fixed(finite("Fixed value", *x)?),
            DistSpec::Uniform(min, max) => uniform(*min, *max)?,
            DistSpec::Normal(mean, sd) => normal(*mean, *sd)?,
            DistSpec::LogNormal(median, p95) => lognormal(*median, *p95)?,
            DistSpec::Gamma(mean, sd) => gamma(*mean, *sd)?,
            DistSpec::Beta(mean, sd) => beta(*mean, *sd)?,
            DistSpec::Pert(min, mode, max) => pert(*min, *mode, *max)?,
            DistSpec::Empirical(values) => {
                if values.is_empty() {
                    return err("Empirical([...]) needs at least one value");
                }
                let mut sorted = Vec::with_capacity(values.len());
                for (i, v) in values.iter().enumerate() {
                    sorted.push(finite(&format!("Empirical value [{i}]"), *v)?);
                }
                sorted.sort_by(f64::total_cmp);
                Kind::Empirical(sorted)
            }
        };
        Ok(Dist { spec, kind })
    }
}

fn uniform(min: f64, max: f64) -> Result<Kind, DistError> {
    let (min, max) = (finite("Uniform min", min)?, finite("Uniform max", max)?);
    if max < min {
        return err(format!(
            "Uniform(min, max) needs min <= max, found min {min} > max {max}"
        ));
    }
    Ok(Kind::Uniform { min, width: max - min })
}

fn normal(mean: f64, sd: f64) -> Result<Kind, DistError> {
    let (mean, sd) = (finite("Normal mean", mean)?, finite("Normal sd", sd)?);
    if sd < 0.0 {
        return err(format!("Normal(mean, sd) needs sd >= 0, found sd {sd}"));
    }
    Ok(if sd == 0.0 {
        Kind::Fixed(mean)
    } else {
        Kind::Normal(NormalP { mean, sd })
    })
}

fn lognormal(median: f64, p95: f64) -> Result<Kind, DistError> {
    let (median, p95) = (finite("LogNormal median", median)?, finite("LogNormal p95", p95)?);
    if median <= 0.0 {
        return err(format!("LogNormal(median, p95) needs median > 0, found {median}"));
    }
    if p95 < median {
        return err(format!(
            "LogNormal(median, p95) needs p95 >= median, found p95 {p95} < median {median}"
        ));
    }
    let sigma = (p95.ln() - median.ln()) / Z95;
    Ok(if sigma == 0.0 {
        Kind::Fixed(median)
    } else {
        Kind::LogNormal(LogNormalP { mu: median.ln(), sigma })
    })
}

fn gamma(mean: f64, sd: f64) -> Result<Kind, DistError> {
    let (mean, sd) = (finite("Gamma mean", mean)?, finite("Gamma sd", sd)?);
    if mean <= 0.0 || sd <= 0.0 {
        return err(format!(
            "Gamma(mean, sd) needs mean > 0 and sd > 0, found mean {mean}, sd {sd}"
        ));
    }
    let shape = (mean / sd).powi(2);
    let rate = mean / (sd * sd);
    Ok(Kind::Gamma(
        Gamma::new(shape, rate).map_err(|e| DistError(e.to_string()))?,
    ))
}

fn beta(mean: f64, sd: f64) -> Result<Kind, DistError> {
    let (mean, sd) = (finite("Beta mean", mean)?, finite("Beta sd", sd)?);
    if !(mean > 0.0 && mean < 1.0) {
        return err(format!("Beta(mean, sd) needs 0 < mean < 1, found mean {mean}"));
    }
    let max_sd = (mean * (1.0 - mean)).sqrt();
    if !(sd > 0.0 && sd < max_sd) {
        return err(format!(
            "Beta(mean, sd) needs 0 < sd < sqrt(mean·(1−mean)) = {max_sd:.4}, found sd {sd}"
        ));
    }
    let k = mean * (1.0 - mean) / (sd * sd) - 1.0;
    Ok(Kind::Beta(
        Beta::new(mean * k, (1.0 - mean) * k).map_err(|e| DistError(e.to_string()))?,
    ))
}

fn pert(min: f64, mode: f64, max: f64) -> Result<Kind, DistError> {
    let (min, mode, max) = (
        finite("Pert min", min)?,
        finite("Pert mode", mode)?,
        finite("Pert max", max)?,
    );
    if !(min <= mode && mode <= max) {
        return err(format!(
            "Pert(min, mode, max) needs min <= mode <= max, found {min}, {mode}, {max}"
        ));
    }
    let range = max - min;
    Ok(if range == 0.0 {
        Kind::Fixed(min)
    } else {
        let a = 1.0 + 4.0 * (mode - min) / range;
        let b = 1.0 + 4.0 * (max - mode) / range;
        Kind::Pert {
            min,
            range,
            beta: Beta::new(a, b).map_err(|e| DistError(e.to_string()))?,
        }
    })
}

impl Dist {
    /// A distribution that is always `x` (which must be finite).
    pub fn fixed(x: f64) -> Dist {
        Dist::try_from(DistSpec::Fixed(x)).unwrap_or(Dist {
            spec: DistSpec::Fixed(0.0),
            kind: Kind::Fixed(0.0),
        })
    }

    /// The distribution as written.
    pub fn spec(&self) -> &DistSpec {
        &self.spec
    }

    /// Draws one value by inversion: exactly one uniform from `rng`, so that editing this
    /// distribution moves only its own draws and never shifts the numbers drawn after it.
    #[inline]
    pub fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> f64 {
        self.quantile(unit_f64(rng))
    }

    /// Whether every draw is the same value (nothing uncertain about it).
    pub fn is_fixed(&self) -> bool {
        matches!(self.kind, Kind::Fixed(_)) || matches!(&self.kind, Kind::Empirical(v) if v.iter().all(|x| *x == v[0]))
    }

    /// The value at cumulative probability `p` (the inverse CDF). Used for per-run parameter
    /// draws, so that a parameter moves smoothly when its distribution is edited.
    #[inline]
    pub fn quantile(&self, p: f64) -> f64 {
        let p = p.clamp(1e-12, 1.0 - 1e-12);
        match &self.kind {
            Kind::Fixed(x) => *x,
            Kind::Uniform { min, width } => min + width * p,
            Kind::Normal(d) => d.mean + d.sd * std_normal_quantile(p),
            Kind::LogNormal(d) => (d.mu + d.sigma * std_normal_quantile(p)).exp(),
            Kind::Gamma(d) => d.inverse_cdf(p),
            Kind::Beta(d) => d.inverse_cdf(p),
            Kind::Pert { min, range, beta } => min + range * beta.inverse_cdf(p),
            Kind::Empirical(v) => v[((p * v.len() as f64) as usize).min(v.len() - 1)],
        }
    }

    /// The mean, in closed form.
    pub fn mean(&self) -> f64 {
        use statrs::statistics::Distribution as _;
        match &self.kind {
            Kind::Fixed(x) => *x,
            Kind::Uniform { min, width } => min + width / 2.0,
            Kind::Normal(d) => d.mean,
            Kind::LogNormal(d) => (d.mu + d.sigma * d.sigma / 2.0).exp(),
            Kind::Gamma(d) => d.mean().unwrap_or(f64::NAN),
            Kind::Beta(d) => d.mean().unwrap_or(f64::NAN),
            Kind::Pert { min, range, beta } => min + range * beta.mean().unwrap_or(f64::NAN),
            Kind::Empirical(v) => v.iter().sum::<f64>() / v.len() as f64,
        }
    }

    /// The standard deviation, in closed form.
    pub fn sd(&self) -> f64 {
        use statrs::statistics::Distribution as _;
        match &self.kind {
            Kind::Fixed(_) => 0.0,
            Kind::Uniform { width, .. } => width / 12f64.sqrt(),
            Kind::Normal(d) => d.sd,
            Kind::LogNormal(d) => {
                let s2 = d.sigma * d.sigma;
                ((s2.exp() - 1.0) * (2.0 * d.mu + s2).exp()).sqrt()
            }
            Kind::Gamma(d) => d.std_dev().unwrap_or(f64::NAN),
            Kind::Beta(d) => d.std_dev().unwrap_or(f64::NAN),
            Kind::Pert { range, beta, .. } => range * beta.std_dev().unwrap_or(f64::NAN),
            Kind::Empirical(v) => {
                let m = self.mean();
                (v.iter().map(|x| (x - m).powi(2)).sum::<f64>() / v.len() as f64).sqrt()
            }
        }
    }

    /// Smallest and largest value the distribution can take (infinite where unbounded).
    pub fn support(&self) -> (f64, f64) {
        match &self.kind {
            Kind::Fixed(x) => (*x, *x),
            Kind::Uniform { min, width } => (*min, min + width),
            Kind::Normal(_) => (f64::NEG_INFINITY, f64::INFINITY),
            Kind::LogNormal(_) | Kind::Gamma(_) => (0.0, f64::INFINITY),
            Kind::Beta(_) => (0.0, 1.0),
            Kind::Pert { min, range, .. } => (*min, min + range),
            Kind::Empirical(v) => (v[0], v[v.len() - 1]),
        }
    }

    /// The kind's name as written in files (`"LogNormal"`, …).
    pub fn kind_name(&self) -> &'static str {
        self.spec.kind_name()
    }
}

impl DistSpec {
    /// The kind's name as written in files.
    pub fn kind_name(&self) -> &'static str {
        match self {
            DistSpec::Fixed(_) => "Fixed",
            DistSpec::Uniform(..) => "Uniform",
            DistSpec::Normal(..) => "Normal",
            DistSpec::LogNormal(..) => "LogNormal",
            DistSpec::Gamma(..) => "Gamma",
            DistSpec::Beta(..) => "Beta",
            DistSpec::Pert(..) => "Pert",
            DistSpec::Empirical(_) => "Empirical",
        }
    }

    /// Every kind's name, in the order a picker shows them.
    pub const KINDS: [&'static str; 8] = [
        "Fixed",
        "Uniform",
        "Normal",
        "LogNormal",
        "Gamma",
        "Beta",
        "Pert",
        "Empirical",
    ];
}

/// A uniform draw in [0, 1) with 53 bits of precision, from one `u64`.
#[inline]
pub fn unit_f64<R: Rng + ?Sized>(rng: &mut R) -> f64 {
    (rng.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
}

/// A distribution that must stay within [0, 1]: a probability or a rate.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "DistSpec", into = "DistSpec")]
pub struct ProbDist(pub Dist);

impl From<ProbDist> for DistSpec {
    fn from(d: ProbDist) -> Self {
        d.0.spec
    }
}

impl TryFrom<DistSpec> for ProbDist {
    type Error = DistError;
    fn try_from(spec: DistSpec) -> Result<Self, DistError> {
        let d = Dist::try_from(spec)?;
        let (lo, hi) = d.support();
        if lo < 0.0 || hi > 1.0 {
            return err(format!(
                "a probability must lie in [0, 1]; {} ranges over [{lo}, {hi}] (use Fixed, Uniform, Beta, Pert or Empirical within [0, 1])",
                d.kind_name()
            ));
        }
        Ok(ProbDist(d))
    }
}

/// A distribution of a quantity that cannot be negative (tokens, requests, milliseconds).
/// A `Normal` is accepted; its draws are clamped at zero.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "DistSpec", into = "DistSpec")]
pub struct NonNegDist(pub Dist);

impl From<NonNegDist> for DistSpec {
    fn from(d: NonNegDist) -> Self {
        d.0.spec
    }
}

impl TryFrom<DistSpec> for NonNegDist {
    type Error = DistError;
    fn try_from(spec: DistSpec) -> Result<Self, DistError> {
        let d = Dist::try_from(spec)?;
        let (lo, _) = d.support();
        if lo < 0.0 && !matches!(d.spec, DistSpec::Normal(..)) {
            return err(format!(
                "this quantity cannot be negative; {} reaches {lo}",
                d.kind_name()
            ));
        }
        if let DistSpec::Normal(mean, _) = d.spec
            && mean < 0.0
        {
            return err(format!("this quantity cannot be negative; Normal mean is {mean}"));
        }
        Ok(NonNegDist(d))
    }
}

impl NonNegDist {
    /// Draws one value, clamped at zero.
    #[inline]
    pub fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> f64 {
        self.0.sample(rng).max(0.0)
    }
    /// The value at cumulative probability `p`, clamped at zero.
    pub fn quantile(&self, p: f64) -> f64 {
        self.0.quantile(p).max(0.0)
    }
}

impl ProbDist {
    /// The value at cumulative probability `p`, within [0, 1].
    pub fn quantile(&self, p: f64) -> f64 {
        self.0.quantile(p).clamp(0.0, 1.0)
    }
    /// A fixed probability.
    pub fn fixed(p: f64) -> ProbDist {
        ProbDist(Dist::fixed(p.clamp(0.0, 1.0)))
    }
}

impl NonNegDist {
    /// A fixed non-negative value.
    pub fn fixed(x: f64) -> NonNegDist {
        NonNegDist(Dist::fixed(x.max(0.0)))
    }
}
