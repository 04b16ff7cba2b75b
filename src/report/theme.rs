//! One palette for the window and the charts: a colour per policy (the baseline grey first), and
//! the colours of better, worse, warnings and highlights, as RGB.

/// An sRGB colour.
pub type Rgb = (u8, u8, u8);

/// The policies' colours in order; the baseline (first) is grey.
pub const POLICY: [Rgb; 6] = [
    (110, 110, 120),
    (66, 133, 244),
    (234, 67, 53),
    (52, 168, 83),
    (171, 71, 188),
    (251, 140, 0),
];

/// The colour of the i-th policy.
pub fn policy(i: usize) -> Rgb {
    POLICY[i % POLICY.len()]
}

/// A change for the better.
pub const BETTER: Rgb = (52, 168, 83);
/// A change for the worse, an error, a broken guardrail.
pub const WORSE: Rgb = (220, 80, 60);
/// Something to look at: a long run, stale figures, a risk flag.
pub const WARNING: Rgb = (220, 160, 40);
/// The one series or point that matters (a sweep's frontier).
pub const ACCENT: Rgb = (66, 133, 244);
/// The goal seek's answer.
pub const HIGHLIGHT: Rgb = (240, 170, 40);
/// Neutral marks: references, reference lines.
pub const NEUTRAL: Rgb = (110, 110, 120);
