//! Parsing RON from text with positioned, field-named errors; versions; writing RON back.

use serde::Serialize;
use serde::de::DeserializeOwned;

use super::error::{Diagnostic, LoadError, SourceFile};
use super::locate::{FieldPath, Pos, RonMap};

/// The file format version this CostPlan writes and reads.
pub const FORMAT_VERSION: u32 = 1;

/// The largest file CostPlan reads, in bytes.
pub const MAX_FILE_BYTES: u64 = 32 * 1024 * 1024;

pub(crate) fn ron_options() -> ron::Options {
    ron::Options::default().with_default_extension(ron::extensions::Extensions::IMPLICIT_SOME)
}

/// Checks `format_version` before the full parse, so that a file from another version gets a
/// message about versions instead of a confusing field error.
pub fn check_version(src: &SourceFile, kind: &str) -> Result<(), LoadError> {
    if !RonMap::has_content(src.text) {
        return Err(LoadError::one(
            src.name,
            Pos { line: 1, col: 1 },
            "",
            format!("the file is empty; expected a {kind}"),
        ));
    }
    match RonMap::top_level_word(src.text, "format_version") {
        None => Ok(()), // reported by the parser as a missing field, with its position
        Some((word, pos)) => match word.parse::<u32>() {
            Ok(v) if v == FORMAT_VERSION => Ok(()),
            Ok(v) => Err(LoadError::one(
                src.name,
                pos,
                "format_version",
                format!(
                    "format_version {v} is not supported; this CostPlan {} reads {kind} files of format_version {FORMAT_VERSION}",
                    env!("CARGO_PKG_VERSION")
                ),
            )),
            Err(_) => Err(LoadError::one(
                src.name,
                pos,
                "format_version",
                format!("expected a whole number such as {FORMAT_VERSION}, found `{word}`"),
            )),
        },
    }
}

/// Parses `T` from RON text. Errors name the file, line, column and field path.
pub fn parse_ron<T: DeserializeOwned>(src: &SourceFile) -> Result<T, LoadError> {
    let opts = ron_options();
    let mut de = match ron::Deserializer::from_str_with_options(src.text, &opts) {
        Ok(de) => de,
        Err(e) => return Err(spanned_to_error(src, &e, &FieldPath::root())),
    };
    let result: Result<T, _> = serde_path_to_error::deserialize(&mut de);
    match result {
        Ok(v) => match de.end() {
            Ok(()) => Ok(v),
            Err(e) => Err(spanned_to_error(src, &de.span_error(e), &FieldPath::root())),
        },
        Err(e) => {
            let path = FieldPath::from_serde(e.path());
            let inner = e.into_inner();
            let custom = matches!(inner, ron::Error::Message(_));
            let spanned = de.span_error(inner);
            if custom {
                // A value that parsed but was refused (a negative price, sd < 0…): point at it.
                let (pos, found) = RonMap::new(src.text).locate(&path);
                if found {
                    return Err(LoadError {
                        diagnostics: vec![Diagnostic {
                            file: src.name.to_string(),
                            line: pos.line,
                            col: pos.col,
                            field: path.to_string(),
                            message: spanned.code.to_string(),
                        }],
                    });
                }
            }
            Err(spanned_to_error(src, &spanned, &path))
        }
    }
}

fn spanned_to_error(src: &SourceFile, e: &ron::error::SpannedError, path: &FieldPath) -> LoadError {
    let message = match &e.code {
        ron::Error::Eof => "unexpected end of file (is a closing bracket missing?)".to_string(),
        ron::Error::TrailingCharacters => "unexpected text after the end of the value".to_string(),
        other => other.to_string(),
    };
    let mut start = Pos {
        line: e.span.start.line,
        col: e.span.start.col,
    };
    if matches!(e.code, ron::Error::TrailingCharacters) {
        start = RonMap::next_token_from(src.text, start).unwrap_or(start);
    }
    LoadError {
        diagnostics: vec![Diagnostic {
            file: src.name.to_string(),
            line: start.line,
            col: start.col,
            field: path.to_string(),
            message,
        }],
    }
}

/// Writes a value as pretty RON (optional values written without `Some`).
pub fn to_ron_string<T: Serialize>(value: &T) -> Result<String, ron::Error> {
    let cfg = ron::ser::PrettyConfig::new()
        .struct_names(false)
        .indentor("    ")
        .extensions(ron::extensions::Extensions::IMPLICIT_SOME);
    ron::ser::to_string_pretty(value, cfg)
}

/// A non-negative, finite number (a price, an amount of money).
#[derive(Clone, Copy, Debug, PartialEq, PartialOrd, Default, serde::Serialize, serde::Deserialize)]
#[serde(try_from = "f64", into = "f64")]
pub struct NonNeg(f64);

impl NonNeg {
    /// The value.
    pub fn get(self) -> f64 {
        self.0
    }
    /// Builds one, or says why not.
    pub fn new(x: f64) -> Result<Self, String> {
        if !x.is_finite() {
            Err(format!("expected a finite number >= 0, found {x}"))
        } else if x < 0.0 {
            Err(format!("expected a number >= 0, found {x}"))
        } else {
            Ok(NonNeg(x))
        }
    }
}
impl TryFrom<f64> for NonNeg {
    type Error = String;
    fn try_from(x: f64) -> Result<Self, String> {
        NonNeg::new(x)
    }
}
impl From<NonNeg> for f64 {
    fn from(x: NonNeg) -> f64 {
        x.0
    }
}

/// A probability or a share: a finite number in [0, 1].
#[derive(Clone, Copy, Debug, PartialEq, PartialOrd, Default, serde::Serialize, serde::Deserialize)]
#[serde(try_from = "f64", into = "f64")]
pub struct Prob(f64);

impl Prob {
    /// The value.
    pub fn get(self) -> f64 {
        self.0
    }
    /// Builds one, or says why not.
    pub fn new(x: f64) -> Result<Self, String> {
        if x.is_finite() && (0.0..=1.0).contains(&x) {
            Ok(Prob(x))
        } else {
            Err(format!("expected a probability in [0, 1], found {x}"))
        }
    }
}
impl TryFrom<f64> for Prob {
    type Error = String;
    fn try_from(x: f64) -> Result<Self, String> {
        Prob::new(x)
    }
}
impl From<Prob> for f64 {
    fn from(x: Prob) -> f64 {
        x.0
    }
}
