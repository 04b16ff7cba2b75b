//! Keyed randomness: every run, parameter, day, task and model call gets its own stream derived
//! from the seed by hashing (SplitMix64), so that editing one parameter re-randomises nothing else.
//! The generator is Xoshiro256++, whose output is specified and portable.

use rand::SeedableRng;
use rand::rngs::Xoshiro256PlusPlus;

const GOLDEN: u64 = 0x9E37_79B9_7F4A_7C15;

/// SplitMix64's output function: a bijective 64-bit mixer.
#[inline]
pub fn splitmix64(mut z: u64) -> u64 {
    z = z.wrapping_add(GOLDEN);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The key of child `x` of `parent`.
#[inline]
pub fn key(parent: u64, x: u64) -> u64 {
    splitmix64(parent ^ splitmix64(x.wrapping_mul(GOLDEN).wrapping_add(0x2545_F491_4F6C_DD1D)))
}

/// The key of the child named `name` (for parameters, keyed by their path in the scenario).
pub fn key_str(parent: u64, name: &str) -> u64 {
    key(parent, crate::hash::fnv1a(crate::hash::FNV_OFFSET, name.as_bytes()))
}

/// A generator seeded from a key, through SplitMix64 (portable, independent of rand's seeding).
#[inline]
pub fn rng_from(k: u64) -> Xoshiro256PlusPlus {
    let mut seed = [0u8; 32];
    let mut s = k;
    for chunk in seed.chunks_exact_mut(8) {
        s = s.wrapping_add(GOLDEN);
        chunk.copy_from_slice(&splitmix64(s).to_le_bytes());
    }
    Xoshiro256PlusPlus::from_seed(seed)
}

/// One uniform number in (0, 1) determined by a key.
pub fn unit_from_key(k: u64) -> f64 {
    ((splitmix64(k) >> 11) as f64 + 0.5) * (1.0 / (1u64 << 53) as f64)
}

/// Tags that keep the key spaces of different kinds of streams apart.
pub mod tag {
    pub const RUN: u64 = 0x5255_4E00;
    pub const PARAM: u64 = 0x5041_5241;
    pub const DAY: u64 = 0x4441_5900;
    pub const ATTEMPT: u64 = 0x4154_5400;
    /// A model's call within an attempt: keyed by `key_str(CALL, model name)`, so that a model's
    /// draws do not depend on where it sits among the scenario's models.
    pub const CALL: u64 = 0x4341_4C4C;
    /// The cascade verifier's call after stage `k`: `VERIFIER_CALL + k`.
    pub const VERIFIER_CALL: u64 = 0x5645_5249_0000_0000;
    /// The draws of a task's retries: attempt `k` ≥ 1 draws from `ATTEMPT`-keyed stream
    /// `RETRY_DRAWS + k`, apart from the per-attempt call keys (numbered by attempt, ≤ 10).
    pub const RETRY_DRAWS: u64 = 1_000_000;
    /// The sampled engine's class stratum of a day (apart from each class's own strata, keyed
    /// by the class's index).
    pub const CLASS_STRATUM: u64 = u64::MAX;
    /// The sampled engine's draw of whether unseen traffic warmed a prompt-cache prefix.
    pub const WARM: u64 = 0x5741_524D;
    /// The sampled engine's stratified (Latin hypercube) uniforms of a day's sample.
    pub const STRATA: u64 = 0x5354_5241;
    /// The sampled engine's draw of whether a call of an over-sampled class warms the prefix.
    pub const WARM_KEEP: u64 = 0x4B45_4550_0000_0000;
    /// The sampled engine's extra tasks of a class the day's hypercube left short.
    pub const EXTRA: u64 = 0x4558_5452_0000_0000;
    /// A session's turns: turn `k` draws from `key(task ^ TURN, k)`, the turn count from
    /// `key(task ^ TURN, u64::MAX)`.
    pub const TURN: u64 = 0x5455_524E_0000_0000;
    /// A turn's agent tool step `j`: `key(turn ^ TOOL_STEP, j)`.
    pub const TOOL_STEP: u64 = 0x544F_4F4C_0000_0000;
    /// A session's compaction call before a turn: `key(turn ^ COMPACTION, 0)`.
    pub const COMPACTION: u64 = 0x434F_4D50_0000_0000;
    /// Whether a task of a class whose traffic an event scales down is one of the day's tasks
    /// (the day draws for the largest class factor; each task stays with its class's share of it).
    pub const THIN: u64 = 0x5448_494E_0000_0000;
    /// Whether a task under a staged rollout goes to the rollout's target policy.
    pub const ROLLOUT: u64 = 0x524F_4C4C_0000_0000;
}
