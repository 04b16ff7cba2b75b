//! Scenarios: horizon, runs and seed; the price table and traffic profile (inline or by path);
//! model profiles; guardrails; the baseline and the policies. Loading resolves referenced files
//! and validates every cross-reference.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::checks::{check_discounts, check_models, check_settings, unknown, validate_policy};
use super::dist::{NonNegDist, ProbDist};
use super::error::{Diagnostics, LoadError, SourceFile};
use super::locate::{FieldPath, Pos};
use super::policy::Policy;
use super::prices::{ImportStats, PriceTable, file_date, import_litellm};
use super::ron_io::{FORMAT_VERSION, MAX_FILE_BYTES, NonNeg, Prob, check_version, parse_ron};
use super::traffic::{TrafficProfile, nonneg_zero};

/// Something a scenario either refers to by path (relative to the scenario's folder) or holds.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Source<T> {
    File(String),
    Inline(T),
}

/// How one model behaves: its prices (by key), quality per task class and speed.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModelProfile {
    /// The model's key in the price table.
    pub price_key: String,
    /// Probability of a successful outcome, per task class (drawn once per run).
    pub success: BTreeMap<String, ProbDist>,
    /// Time to first token, per request.
    pub ttft_ms: NonNegDist,
    /// Output speed, per request.
    pub output_tokens_per_s: NonNegDist,
    /// Hidden reasoning tokens per request (billed, not shown).
    #[serde(default = "nonneg_zero")]
    pub reasoning_tokens: NonNegDist,
}

/// Negotiated discounts: multipliers on list prices (a model's own beats its provider's).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct Discounts {
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub providers: BTreeMap<String, NonNeg>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub models: BTreeMap<String, NonNeg>,
}

fn two_points() -> Prob {
    Prob::new(0.02).unwrap_or_default()
}

/// Limits a candidate must respect.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Guardrails {
    /// The largest acceptable drop in success rate against the baseline (0.02 = 2 points).
    #[serde(default = "two_points")]
    pub max_success_drop: Prob,
    /// The p95 latency of interactive tasks must stay below this.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub p95_latency_ms: Option<NonNeg>,
    /// The risk a defensible budget is for: the cap per period that runs out within some period
    /// of the horizon in at most this share of runs (0.10 = 10 %; above 0, below 1).
    #[serde(default = "ten_percent", skip_serializing_if = "is_ten_percent")]
    pub budget_risk: Prob,
}

impl Default for Guardrails {
    fn default() -> Self {
        Guardrails {
            max_success_drop: two_points(),
            p95_latency_ms: None,
            budget_risk: ten_percent(),
        }
    }
}

/// The default risk a defensible budget is for (10 %).
pub const DEFAULT_BUDGET_RISK: f64 = 0.10;

fn ten_percent() -> Prob {
    Prob::new(DEFAULT_BUDGET_RISK).unwrap_or_default()
}

fn is_ten_percent(p: &Prob) -> bool {
    p.get() == DEFAULT_BUDGET_RISK
}

fn five_minutes() -> NonNeg {
    NonNeg::new(5.0).unwrap_or_default()
}

/// A scenario file as written.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScenarioFile {
    pub format_version: u32,
    pub name: String,
    #[serde(default)]
    pub description: String,
    pub horizon_days: u32,
    pub runs: u32,
    pub seed: u64,
    /// First day of the horizon (YYYY-MM-DD); sets the weekday and dates in reports.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_date: Option<String>,
    pub prices: Source<PriceTable>,
    pub traffic: Source<TrafficProfile>,
    #[serde(default)]
    pub discounts: Discounts,
    /// How long a provider keeps a prompt prefix warm.
    #[serde(default = "five_minutes")]
    pub prompt_cache_ttl_minutes: NonNeg,
    pub models: BTreeMap<String, ModelProfile>,
    /// The model a policy without a router sends every task to.
    pub default_model: String,
    #[serde(default)]
    pub guardrails: Guardrails,
    /// The policy the others are compared against.
    pub baseline: String,
    pub policies: Vec<Source<Policy>>,
    /// Dated changes over the horizon (price moves, launches, deprecations, rollouts, traffic
    /// and budget changes); none by default.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub events: Vec<super::events::Event>,
}

/// The comment lines (and blank lines between them) a file opens with.
fn leading_comments(text: &str) -> String {
    text.lines()
        .take_while(|l| l.trim_start().starts_with("//") || l.trim().is_empty())
        .map(|l| format!("{l}\n"))
        .collect()
}

/// A loaded, validated scenario: every reference resolved, every invariant checked.
#[derive(Clone, Debug, PartialEq)]
pub struct Scenario {
    /// The file as written (references kept), for saving.
    pub file: ScenarioFile,
    pub prices: PriceTable,
    pub traffic: TrafficProfile,
    /// The policies, in file order.
    pub policies: Vec<Policy>,
    /// Index of the baseline in `policies`.
    pub baseline: usize,
    /// The folder relative paths are resolved against.
    pub base_dir: Option<PathBuf>,
    /// A hash of the scenario text and every file it refers to (FNV-1a, 64 bits).
    pub content_hash: u64,
}

impl Scenario {
    /// The first day of the horizon, when the file gives one (validated at load, so a date
    /// that does not parse cannot reach here from a loaded scenario).
    pub fn start_date(&self) -> Option<crate::date::Date> {
        self.file.start_date.as_deref().and_then(crate::date::Date::parse)
    }
}

/// A policy whose prompt-cache TTL is longer than 5 minutes calls a model whose price entry has
/// no 1-hour cache-write price: its writes are billed at this (5-minute) write price.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct AssumedWritePrice {
    pub policy: String,
    pub model: String,
    pub price_key: String,
    pub ttl_minutes: f64,
    pub write_usd_per_mtok: f64,
}

use crate::hash::{FNV_OFFSET, fnv1a};

/// Reads a text file, refusing ones that are too large or not UTF-8.
pub fn read_text(path: &Path) -> Result<String, String> {
    use std::io::Read as _;
    let meta = std::fs::metadata(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    if !meta.is_file() {
        let what = if meta.is_dir() {
            "a folder"
        } else {
            "not a regular file (a device, FIFO or socket)"
        };
        return Err(format!("{} is {what}; CostPlan reads regular files", path.display()));
    }
    let too_big = |bytes: u64| {
        format!(
            "{} is {:.1} MB; CostPlan reads files of at most {} MB",
            path.display(),
            bytes as f64 / 1e6,
            MAX_FILE_BYTES / (1024 * 1024)
        )
    };
    if meta.len() > MAX_FILE_BYTES {
        return Err(too_big(meta.len()));
    }
    // Count the bytes actually read: a file may grow while it is read.
    let file = std::fs::File::open(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    file.take(MAX_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(too_big(bytes.len() as u64));
    }
    let text = String::from_utf8(bytes).map_err(|e| format!("{} is not UTF-8 text: {e}", path.display()))?;
    // A byte-order mark (some Windows editors write one) is accepted and dropped.
    Ok(match text.strip_prefix('\u{feff}') {
        Some(rest) => rest.to_string(),
        None => text,
    })
}

/// Where a scenario's referenced files come from.
pub trait Files {
    /// Reads `rel` (a path relative to the scenario): its display name and its text.
    fn read(&self, rel: &str) -> Result<(String, String), String>;
    /// The folder paths are relative to, if any.
    fn base_dir(&self) -> Option<PathBuf> {
        None
    }
}

/// Files in a folder on disk.
pub struct DirFiles(pub PathBuf);

impl Files for DirFiles {
    fn read(&self, rel: &str) -> Result<(String, String), String> {
        let p = self.0.join(rel);
        if !p.is_file() {
            return Err(format!(
                "the referenced file {rel:?} does not exist (looked for {})",
                p.display()
            ));
        }
        Ok((p.display().to_string(), read_text(&p)?))
    }
    fn base_dir(&self) -> Option<PathBuf> {
        Some(self.0.clone())
    }
}

/// No files at all: only inline content.
pub struct NoFiles;

impl Files for NoFiles {
    fn read(&self, rel: &str) -> Result<(String, String), String> {
        Err(format!(
            "cannot resolve the path {rel:?}: this scenario has no folder (save it first, or inline the content)"
        ))
    }
}

/// Files compiled into the program (the bundled default scenario's).
pub struct EmbeddedFiles(pub &'static [(&'static str, &'static str)]);

impl Files for EmbeddedFiles {
    fn read(&self, rel: &str) -> Result<(String, String), String> {
        self.0
            .iter()
            .find(|(k, _)| *k == rel)
            .map(|(k, t)| (format!("<bundled>/{k}"), t.to_string()))
            .ok_or_else(|| format!("the referenced file {rel:?} is not bundled"))
    }
}

/// Parses a price table's text: LiteLLM's JSON when `rel` ends in `.json`, else RON.
pub fn parse_prices_text(name: &str, text: &str, rel: &str) -> Result<PriceTable, LoadError> {
    let src = SourceFile::new(name, text);
    if rel.to_ascii_lowercase().ends_with(".json") {
        let date = file_date(Path::new(name));
        Ok(import_litellm(&src, &date)?.0)
    } else {
        PriceTable::from_ron(&src)
    }
}

/// Loads a price table file: RON, or LiteLLM's JSON (by the `.json` extension).
pub fn load_prices_path(path: &Path) -> Result<PriceTable, LoadError> {
    let (name, text) = read_source(path)?;
    Ok(prices_from(path, &SourceFile::new(&name, &text))?.0)
}

/// A file's name as messages show it, and its text (a read failure is a positioned error).
fn read_source(path: &Path) -> Result<(String, String), LoadError> {
    let name = path.display().to_string();
    let text = read_text(path).map_err(|m| LoadError::one(&name, Pos { line: 1, col: 1 }, "", m))?;
    Ok((name, text))
}

/// A price table from its text: LiteLLM's JSON (imported, with what the import kept and
/// skipped) or CostPlan's RON.
fn prices_from(path: &Path, src: &SourceFile) -> Result<(PriceTable, Option<ImportStats>), LoadError> {
    if path.extension().is_some_and(|e| e.eq_ignore_ascii_case("json")) {
        let (t, stats) = import_litellm(src, &file_date(path))?;
        Ok((t, Some(stats)))
    } else {
        Ok((PriceTable::from_ron(src)?, None))
    }
}

/// The folder a file's relative references are resolved against.
fn folder_of(path: &Path) -> Option<&Path> {
    path.parent()
        .map(|p| if p.as_os_str().is_empty() { Path::new(".") } else { p })
}

/// Loads a traffic profile file.
pub fn load_traffic_path(path: &Path) -> Result<TrafficProfile, LoadError> {
    let (name, text) = read_source(path)?;
    TrafficProfile::from_ron(&SourceFile::new(&name, &text))
}

/// Parses a policy that is a file of its own (it must carry `format_version`).
pub fn parse_policy(src: &SourceFile) -> Result<Policy, LoadError> {
    check_version(src, "policy")?;
    let p: Policy = parse_ron(src)?;
    if p.format_version.is_none() {
        return Err(LoadError::one(
            src.name,
            Pos { line: 1, col: 1 },
            "format_version",
            format!("a policy file needs `format_version: {FORMAT_VERSION}`"),
        ));
    }
    Ok(p)
}

/// Loads a policy file.
pub fn load_policy_path(path: &Path) -> Result<Policy, LoadError> {
    let (name, text) = read_source(path)?;
    parse_policy(&SourceFile::new(&name, &text))
}

/// Loads a scenario file and everything it refers to.
pub fn load_scenario_path(path: &Path) -> Result<Scenario, LoadError> {
    let (name, text) = read_source(path)?;
    Scenario::from_str(&text, &name, folder_of(path))
}

/// Any file CostPlan reads, loaded and validated.
#[derive(Clone, Debug)]
pub enum AnyFile {
    Scenario(Box<Scenario>),
    Traffic(TrafficProfile),
    /// With what the import kept and skipped, for LiteLLM's JSON.
    Prices(PriceTable, Option<ImportStats>),
    Policy(Box<Policy>),
}

impl AnyFile {
    /// What the file is, in words.
    pub fn kind_name(&self) -> &'static str {
        match self {
            AnyFile::Scenario(_) => "scenario",
            AnyFile::Traffic(_) => "traffic profile",
            AnyFile::Prices(..) => "price table",
            AnyFile::Policy(_) => "policy",
        }
    }
}

/// Reads a file once, tells its kind from its content, and loads it: the one loader every
/// front end opens files with.
pub fn load_any(path: &Path) -> Result<AnyFile, LoadError> {
    let (name, text) = read_source(path)?;
    let src = SourceFile::new(&name, &text);
    Ok(match detect_kind_checked(&name, path, &text)? {
        FileKind::Scenario => AnyFile::Scenario(Box::new(Scenario::from_str(&text, &name, folder_of(path))?)),
        FileKind::Traffic => AnyFile::Traffic(TrafficProfile::from_ron(&src)?),
        FileKind::Prices => {
            let (t, stats) = prices_from(path, &src)?;
            AnyFile::Prices(t, stats)
        }
        FileKind::Policy => AnyFile::Policy(Box::new(parse_policy(&src)?)),
    })
}

/// The kind of a file, from one read of its content (a file that cannot be read or told apart
/// is an error).
pub fn file_kind(path: &Path) -> Result<FileKind, LoadError> {
    let (name, text) = read_source(path)?;
    detect_kind_checked(&name, path, &text)
}

/// What kind of file a RON text is, judged by its top-level fields.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FileKind {
    Scenario,
    Traffic,
    Prices,
    Policy,
}

/// Top-level fields that only a scenario has.
const SCENARIO_FIELDS: [&str; 13] = [
    "horizon_days",
    "runs",
    "seed",
    "start_date",
    "prices",
    "traffic",
    "discounts",
    "prompt_cache_ttl_minutes",
    "default_model",
    "guardrails",
    "baseline",
    "policies",
    "events",
];
/// Top-level fields that only a traffic profile has.
const TRAFFIC_FIELDS: [&str; 5] = [
    "requests_per_day",
    "growth_per_month",
    "weekly_pattern",
    "day_noise_sd",
    "classes",
];
/// Top-level fields that only a policy has.
const POLICY_FIELDS: [&str; 11] = [
    "version",
    "notes",
    "router",
    "exact_cache",
    "semantic_cache",
    "prompt_caching",
    "context_cap",
    "compaction",
    "budget",
    "batch",
    "max_retries",
];

/// Whether a text is JSON (a LiteLLM price list) rather than RON: it opens with `{` or `[`.
fn looks_like_json(text: &str) -> bool {
    text.trim_start_matches('\u{feff}').trim_start().starts_with(['{', '['])
}

/// Guesses a file's kind from its text: JSON is a LiteLLM price list (whatever its name); RON by
/// the top-level fields it has (any field only one kind has decides; a table of `models` alone
/// is a price table). Falls back to `Policy` when nothing decides; [`detect_kind_checked`] says
/// so instead.
pub fn detect_kind(path: &Path, text: &str) -> FileKind {
    guess_kind(path, text).unwrap_or(FileKind::Policy)
}

fn guess_kind(path: &Path, text: &str) -> Option<FileKind> {
    if path.extension().is_some_and(|e| e.eq_ignore_ascii_case("json")) || looks_like_json(text) {
        return Some(FileKind::Prices);
    }
    let map = super::locate::RonMap::new(text);
    let has = |f: &str| map.locate(&FieldPath::root().field(f)).1;
    let any = |fields: &[&str]| fields.iter().any(|f| has(f));
    if any(&SCENARIO_FIELDS) {
        Some(FileKind::Scenario)
    } else if any(&TRAFFIC_FIELDS) {
        Some(FileKind::Traffic)
    } else if any(&POLICY_FIELDS) {
        Some(FileKind::Policy)
    } else if has("models") {
        Some(FileKind::Prices)
    } else {
        None
    }
}

/// A file's kind, or a positioned error: a RON syntax error is reported first (whatever the
/// kind, a truncated or mistyped file is a syntax problem before it is a wrong field), then a
/// file whose fields match no kind is named as such.
pub fn detect_kind_checked(name: &str, path: &Path, text: &str) -> Result<FileKind, LoadError> {
    if path.extension().is_some_and(|e| e.eq_ignore_ascii_case("json")) || looks_like_json(text) {
        return Ok(FileKind::Prices);
    }
    let kind = guess_kind(path, text);
    let body = text.trim_start_matches('\u{feff}');
    if super::locate::RonMap::next_token_from(body, Pos { line: 1, col: 1 }).is_none() {
        return Err(LoadError::one(
            name,
            Pos { line: 1, col: 1 },
            "",
            "the file is empty; expected a scenario, traffic profile, policy or price table",
        ));
    }
    let src = SourceFile::new(name, body);
    if let Err(mut e) = parse_ron::<ron::Value>(&src) {
        for d in &mut e.diagnostics {
            d.message = format!("RON syntax: {}", d.message);
        }
        return Err(e);
    }
    kind.ok_or_else(|| {
        LoadError::one(
            name,
            Pos { line: 1, col: 1 },
            "",
            "cannot tell what kind of CostPlan file this is: a scenario has `policies` and `baseline`, a traffic profile \
             `classes` and `requests_per_day`, a policy `router`, a price table `models`",
        )
    })
}

impl Scenario {
    /// Parses and validates a scenario from text. Relative paths are resolved against
    /// `base_dir`; without one, only inline content is allowed.
    pub fn from_str(text: &str, name: &str, base_dir: Option<&Path>) -> Result<Scenario, LoadError> {
        let src = SourceFile::new(name, text);
        check_version(&src, "scenario")?;
        let file: ScenarioFile = parse_ron(&src)?;
        match base_dir {
            Some(dir) => Scenario::from_file(file, &src, &DirFiles(dir.to_path_buf())),
            None => Scenario::from_file(file, &src, &NoFiles),
        }
    }

    /// Parses and validates a scenario from text, resolving `File(…)` references through
    /// `files` (tests and the window read them from memory).
    pub fn from_str_with(text: &str, name: &str, files: &dyn Files) -> Result<Scenario, LoadError> {
        let src = SourceFile::new(name, text);
        check_version(&src, "scenario")?;
        let file: ScenarioFile = parse_ron(&src)?;
        Scenario::from_file(file, &src, files)
    }

    /// Validates a parsed scenario file; `src` is its text, for positions.
    pub fn from_file(file: ScenarioFile, src: &SourceFile, files: &dyn Files) -> Result<Scenario, LoadError> {
        let mut d = Diagnostics::new(src);
        let root = FieldPath::root();
        let Parts {
            prices,
            traffic,
            policies,
            hash,
        } = resolve_parts(&file, src, files, &mut d);

        check_settings(&file, &mut d);

        if let (Some(prices), Some(traffic)) = (&prices, &traffic) {
            check_models(&file, prices, traffic, &mut d);
            check_discounts(&file, prices, &mut d);
            let owners = traffic.owners();
            for (i, p) in policies.iter().enumerate() {
                if let Some(p) = p {
                    validate_policy(
                        p,
                        &root.field("policies").index(i),
                        &file,
                        prices,
                        traffic,
                        &owners,
                        &mut d,
                    );
                }
            }
        }

        let names: Vec<&str> = policies.iter().flatten().map(|p| p.name.as_str()).collect();
        for (i, n) in names.iter().enumerate() {
            if names[..i].contains(n) {
                d.push(
                    &root.field("policies").index(i),
                    format!("the policy name {n:?} is used twice"),
                );
            }
        }
        if let Some(traffic) = &traffic {
            let known = super::events::Known {
                classes: traffic.classes.iter().map(|c| c.name.as_str()).collect(),
                policies: policies.iter().flatten().collect(),
            };
            super::events::check_events(&file, &known, &mut d, src.text);
        }
        let baseline = names.iter().position(|n| *n == file.baseline);
        if baseline.is_none() && policies.iter().all(|p| p.is_some()) {
            d.push(&root.field("baseline"), unknown("policy", &file.baseline, names.iter()));
        }

        if !d.list.is_empty() {
            return Err(LoadError { diagnostics: d.list });
        }
        match (prices, traffic, baseline) {
            (Some(prices), Some(traffic), Some(baseline)) => Ok(Scenario {
                file,
                prices,
                traffic,
                policies: policies.into_iter().flatten().collect(),
                baseline,
                base_dir: files.base_dir(),
                content_hash: hash,
            }),
            _ => Err(LoadError::one(
                src.name,
                Pos { line: 1, col: 1 },
                "",
                "the scenario could not be resolved",
            )),
        }
    }

    /// The scenario's file text as CostPlan writes it.
    pub fn to_ron(&self) -> Result<String, ron::Error> {
        super::ron_io::to_ron_string(&self.file)
    }

    /// The scenario's name.
    pub fn name(&self) -> &str {
        &self.file.name
    }

    /// Where a policy's prompt-cache TTL is longer than 5 minutes but a model it calls has no
    /// 1-hour write price: its cache writes are billed at the 5-minute write price (the table
    /// gives no other), which a planner should know.
    pub fn assumed_write_prices(&self) -> Vec<AssumedWritePrice> {
        let mut out = Vec::new();
        for p in &self.policies {
            let Some(pc) = &p.prompt_caching else { continue };
            let ttl = pc
                .ttl_minutes
                .map_or(self.file.prompt_cache_ttl_minutes.get(), |t| t.get());
            if ttl <= 5.0 {
                continue;
            }
            for m in p.models_used(&self.file.default_model) {
                let Some(prof) = self.file.models.get(m) else { continue };
                let Some(price) = self.prices.get(&prof.price_key) else {
                    continue;
                };
                if price.cache_read_usd_per_mtok.is_some() && price.cache_write_1h_usd_per_mtok.is_none() {
                    out.push(AssumedWritePrice {
                        policy: p.name.clone(),
                        model: m.to_string(),
                        price_key: prof.price_key.clone(),
                        ttl_minutes: ttl,
                        write_usd_per_mtok: price.cache_write_usd_per_mtok.unwrap_or(price.input_usd_per_mtok).get(),
                    });
                }
            }
        }
        out
    }

    /// The price multiplier for a model key from negotiated discounts.
    pub fn discount_for(&self, price_key: &str) -> f64 {
        if let Some(m) = self.file.discounts.models.get(price_key) {
            return m.get();
        }
        self.prices
            .get(price_key)
            .and_then(|p| self.file.discounts.providers.get(&p.provider))
            .map(|m| m.get())
            .unwrap_or(1.0)
    }
}

/// A scenario's parts — price table, traffic profile, policies — inline or read from their files
/// (each read file's text joins the content hash); what cannot be read or parsed is recorded.
fn resolve_parts(file: &ScenarioFile, src: &SourceFile, files: &dyn Files, d: &mut Diagnostics) -> Parts {
    let root = FieldPath::root();
    let mut hash = fnv1a(FNV_OFFSET, src.text.as_bytes());
    let mut resolve = |field: &FieldPath, rel: &str, d: &mut Diagnostics| -> Option<(String, String)> {
        match files.read(rel) {
            Ok((display, text)) => {
                hash = fnv1a(hash, text.as_bytes());
                Some((display, text))
            }
            Err(msg) => {
                d.push(field, msg);
                None
            }
        }
    };

    let prices = match &file.prices {
        Source::Inline(t) => {
            let mut sub = Diagnostics::new(src);
            if let Err(e) = t.validate_at(src, &root.field("prices")) {
                sub.extend(e);
            }
            d.list.extend(sub.list);
            Some(t.clone())
        }
        Source::File(rel) => {
            resolve(&root.field("prices"), rel, d).and_then(|(n, t)| match parse_prices_text(&n, &t, rel) {
                Ok(t) => Some(t),
                Err(e) => {
                    d.extend(e);
                    None
                }
            })
        }
    };
    let traffic =
        match &file.traffic {
            Source::Inline(t) => {
                t.validate_into(d, &root.field("traffic"));
                Some(t.clone())
            }
            Source::File(rel) => resolve(&root.field("traffic"), rel, d).and_then(|(n, t)| {
                match TrafficProfile::from_ron(&SourceFile::new(&n, &t)) {
                    Ok(t) => Some(t),
                    Err(e) => {
                        d.extend(e);
                        None
                    }
                }
            }),
        };
    let mut policies = Vec::new();
    for (i, p) in file.policies.iter().enumerate() {
        match p {
            Source::Inline(p) => policies.push(Some(p.clone())),
            Source::File(rel) => policies.push(resolve(&root.field("policies").index(i), rel, d).and_then(|(n, t)| {
                match parse_policy(&SourceFile::new(&n, &t)) {
                    Ok(p) => Some(p),
                    Err(e) => {
                        d.extend(e);
                        None
                    }
                }
            })),
        }
    }
    Parts {
        prices,
        traffic,
        policies,
        hash,
    }
}

/// What `resolve_parts` found (`None` where a part could not be read or parsed).
struct Parts {
    prices: Option<PriceTable>,
    traffic: Option<TrafficProfile>,
    policies: Vec<Option<Policy>>,
    /// The content hash of the scenario's text and every file it read.
    hash: u64,
}

impl Scenario {
    /// The bundled default scenario (the support assistant), with its files compiled in.
    pub fn bundled_default() -> Result<Scenario, LoadError> {
        let files = EmbeddedFiles(&[
            ("traffic/support.ron", super::DEFAULT_TRAFFIC),
            ("../assets/prices/default.ron", super::DEFAULT_PRICES),
        ]);
        let src = SourceFile::new("<bundled>/support-assistant.ron", super::DEFAULT_SCENARIO);
        check_version(&src, "scenario")?;
        let file: ScenarioFile = parse_ron(&src)?;
        Scenario::from_file(file, &src, &files)
    }
}

impl Scenario {
    /// Validates a scenario whose resolved parts (traffic, prices, policies, models…) were edited
    /// in memory: everything is checked as if inline; the file's references are kept for saving.
    pub fn validate_edited(&self) -> Result<Scenario, LoadError> {
        let mut inline = self.file.clone();
        inline.prices = Source::Inline(self.prices.clone());
        inline.traffic = Source::Inline(self.traffic.clone());
        inline.policies = self.policies.iter().cloned().map(Source::Inline).collect();
        let text = super::ron_io::to_ron_string(&inline).unwrap_or_default();
        let src = SourceFile::new(&self.file.name, &text);
        let mut ok = Scenario::from_file(inline, &src, &NoFiles)?;
        ok.file = self.file.clone();
        ok.base_dir = self.base_dir.clone();
        ok.content_hash = fnv1a(FNV_OFFSET, text.as_bytes());
        Ok(ok)
    }

    /// The scenario's text as written, plus the referenced files whose content differs from disk
    /// (relative path → new text), so that saving keeps the user's file layout.
    /// Every file a save to `target` writes, with its text: the scenario itself (with the
    /// `implicit_some` header) and any referenced file whose content changed. A file that exists
    /// is patched value by value, so comments and layout outside the edited values survive.
    pub fn texts_to_write(&self, target: &Path) -> Result<Vec<(PathBuf, String)>, ron::Error> {
        self.texts_to_write_from(target, None)
    }

    /// As [`Scenario::texts_to_write`]; a `target` that does not exist yet starts from
    /// `template` (the text of the file the scenario was opened from), so that Save as keeps its
    /// comments and layout.
    pub fn texts_to_write_from(
        &self,
        target: &Path,
        template: Option<&str>,
    ) -> Result<Vec<(PathBuf, String)>, ron::Error> {
        let (text, extra) = self.files_to_save()?;
        let text = format!(
            "#![enable(implicit_some)]\n{}\n",
            text.trim_start_matches("#![enable(implicit_some)]\n")
        );
        let old = std::fs::read_to_string(target)
            .ok()
            .or_else(|| template.map(str::to_string));
        let text = match old {
            // Where the values cannot be patched in place (a reference made inline), the file's
            // opening comments are kept at least.
            Some(old) => super::preserve::patch_preserving::<ScenarioFile>(&old, &text)
                .unwrap_or_else(|| format!("{}{text}", leading_comments(&old))),
            None => text,
        };
        let mut out = vec![(target.to_path_buf(), text)];
        out.extend(extra);
        Ok(out)
    }

    pub fn files_to_save(&self) -> Result<(String, Vec<(PathBuf, String)>), ron::Error> {
        let mut file = self.file.clone();
        let mut extra = Vec::new();
        let dir = self.base_dir.clone();
        // A file that changed is patched value by value where possible, so its comments and
        // layout survive (`preserve`); the text returned is what to write.
        let differs = |rel: &str, text: &str, patch: fn(&str, &str) -> Option<String>| -> Option<(PathBuf, String)> {
            let p = dir.as_ref()?.join(rel);
            let on_disk = std::fs::read_to_string(&p).ok();
            match on_disk {
                Some(old) if old == text => None,
                Some(old) => {
                    let patched = patch(&old, text).unwrap_or_else(|| text.to_string());
                    (patched != old).then_some((p, patched))
                }
                None => Some((p, text.to_string())),
            }
        };
        match &self.file.traffic {
            Source::File(rel) => {
                let on_disk = dir.as_ref().and_then(|d| load_traffic_path(&d.join(rel)).ok());
                if on_disk.as_ref() != Some(&self.traffic) {
                    let text = super::ron_io::to_ron_string(&self.traffic)?;
                    match differs(rel, &text, super::preserve::patch_preserving::<TrafficProfile>) {
                        Some(write) => extra.push(write),
                        None => file.traffic = Source::Inline(self.traffic.clone()),
                    }
                }
            }
            Source::Inline(_) => file.traffic = Source::Inline(self.traffic.clone()),
        }
        match &self.file.prices {
            Source::File(rel) => {
                let on_disk = dir.as_ref().and_then(|d| load_prices_path(&d.join(rel)).ok());
                if on_disk.as_ref() != Some(&self.prices) {
                    if rel.to_ascii_lowercase().ends_with(".json") || dir.is_none() {
                        file.prices = Source::Inline(self.prices.clone());
                    } else {
                        let text = super::ron_io::to_ron_string(&self.prices)?;
                        if let Some(write) = differs(rel, &text, super::preserve::patch_preserving::<PriceTable>) {
                            extra.push(write);
                        }
                    }
                }
            }
            Source::Inline(_) => file.prices = Source::Inline(self.prices.clone()),
        }
        let mut policies = Vec::new();
        for (i, p) in self.policies.iter().enumerate() {
            match self.file.policies.get(i) {
                Some(Source::File(rel)) if dir.is_some() => {
                    let on_disk = dir.as_ref().and_then(|d| load_policy_path(&d.join(rel)).ok());
                    if on_disk.as_ref() != Some(p) {
                        let mut p = p.clone();
                        p.format_version = Some(FORMAT_VERSION);
                        let text = super::ron_io::to_ron_string(&p)?;
                        if let Some(write) = differs(rel, &text, super::preserve::patch_preserving::<Policy>) {
                            extra.push(write);
                        }
                    }
                    policies.push(Source::File(rel.clone()));
                }
                _ => policies.push(Source::Inline(p.clone())),
            }
        }
        file.policies = policies;
        Ok((super::ron_io::to_ron_string(&file)?, extra))
    }

    /// The scenario with every referenced part written inline (for "Save as" elsewhere).
    /// Keeps edits out of shared files: a referenced file outside the folder of `target` (a
    /// price table in `../assets`, used by other scenarios too) that a save to `target` would
    /// rewrite is instead written into the scenario itself, as an inline override. Returns the
    /// shared files left untouched.
    pub fn keep_shared_files(&mut self, target: &Path) -> Result<Vec<PathBuf>, ron::Error> {
        let own = target.parent().map(Path::to_path_buf).unwrap_or_default();
        let own = own.canonicalize().unwrap_or(own);
        let shared: Vec<PathBuf> = self
            .texts_to_write(target)?
            .into_iter()
            .skip(1)
            .map(|(p, _)| p.canonicalize().unwrap_or(p))
            .filter(|p| !p.starts_with(&own))
            .collect();
        let base = self.base_dir.clone().unwrap_or_default();
        let is_shared = |rel: &str| {
            let p = base.join(rel);
            shared.contains(&p.canonicalize().unwrap_or(p))
        };
        if let Source::File(rel) = &self.file.prices
            && is_shared(rel)
        {
            self.file.prices = Source::Inline(self.prices.clone());
        }
        if let Source::File(rel) = &self.file.traffic
            && is_shared(rel)
        {
            self.file.traffic = Source::Inline(self.traffic.clone());
        }
        for (i, src) in self.file.policies.iter_mut().enumerate() {
            if let Source::File(rel) = src
                && is_shared(rel)
                && let Some(p) = self.policies.get(i)
            {
                *src = Source::Inline(p.clone());
            }
        }
        Ok(shared)
    }

    pub fn self_contained(&self) -> Scenario {
        let mut s = self.clone();
        s.file.prices = Source::Inline(self.prices.clone());
        s.file.traffic = Source::Inline(self.traffic.clone());
        s.file.policies = self.policies.iter().cloned().map(Source::Inline).collect();
        s.base_dir = None;
        s
    }
}
