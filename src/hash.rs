//! FNV-1a, the one hash of the crate (a leaf): it keys every random stream by name
//! (`sim::rng`), fingerprints a scenario and the files it refers to (`model`), and names charts
//! (`report`). Specified and portable, so results never depend on the platform.

/// FNV-1a's starting value.
pub const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;

/// FNV-1a over bytes, continuing from `h` (start from [`FNV_OFFSET`]).
pub fn fnv1a(mut h: u64, bytes: &[u8]) -> u64 {
    for b in bytes {
        h ^= *b as u64;
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}
