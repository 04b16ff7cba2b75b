//! JSON log files read as streams, never held whole: arrays of rows or of pages, documents
//! (`{data: [...]}` pages, OpenAI usage pages, OTLP exports) walked down to their rows, several
//! documents or arrays one after another in one file, and JSON Lines (a row, a page or an OTLP
//! batch per line, as the OpenTelemetry Collector's file exporter writes).

use std::io::{BufRead, Read};

use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};

use super::formats::{openai_bucket, openai_page, otlp, otlp_span};
use super::{LogError, Logs, MAX_LOG_ROWS, Source, detect_row, map_row, row, skipped, unknown};

/// Files up to this size are parsed from memory (several times faster); larger ones from the
/// reader, so memory stays flat whatever the file's size.
const IN_MEMORY_BYTES: u64 = 64 << 20;

/// Whether the text starts with a whole JSON object on its first line followed by another.
pub(super) fn is_json_lines(text: &str) -> bool {
    let mut lines = text.lines().filter(|l| !l.trim().is_empty());
    let first = lines.next().unwrap_or("");
    serde_json::from_str::<Value>(first).is_ok_and(|v| v.is_object())
        && lines.next().is_some_and(|l| l.trim_start().starts_with('{'))
}

fn syntax(name: &str, e: &serde_json::Error) -> LogError {
    LogError::Syntax {
        file: name.into(),
        at: format!("line {}, column {}", e.line(), e.column()),
        message: e.to_string().split(" at line").next().unwrap_or("").to_string(),
    }
}

/// The reading of one file: where rows go, the format found, and what stopped it.
struct Walk<'a> {
    name: &'a str,
    logs: &'a mut Logs,
    source: Option<Source>,
    /// Why the reading stopped (unknown rows, too many rows): said instead of the parser's error.
    error: Option<LogError>,
    /// The small top-level fields of the document being read (`total`, `meta`, `has_more`, …).
    top: Map<String, Value>,
}

/// A path prefix for what lies inside `at`.
fn inside(at: &str) -> String {
    if at.is_empty() {
        String::new()
    } else if at.starts_with("line") {
        format!("{at}: ")
    } else {
        format!("{at}.")
    }
}

impl Walk<'_> {
    fn found(&mut self, s: Source) {
        if self.source.is_none() {
            self.source = Some(s);
        }
    }

    /// Rows read or skipped so far.
    fn rows(&self) -> u64 {
        self.logs.records.len() as u64 + self.logs.skipped_count
    }

    /// Stops the reading with `e` (its message is what the user sees, not the parser's).
    fn stop<E: de::Error>(&mut self, e: LogError) -> E {
        self.error = Some(e);
        E::custom("stopped")
    }

    fn check_room<E: de::Error>(&mut self) -> Result<(), E> {
        if self.logs.records.len() >= MAX_LOG_ROWS {
            let e = LogError::TooManyRows { file: self.name.into() };
            return Err(self.stop(e));
        }
        Ok(())
    }

    /// One element of an array, or one line: a row, an OpenAI page or bucket, an OTLP batch, or
    /// a `{data: [...]}` page of rows.
    fn value(&mut self, v: &Value, at: &str) -> Result<(), LogError> {
        let Some(m) = v.as_object() else {
            self.logs.skip(skipped(self.name, at, "", "not an object"));
            return Ok(());
        };
        if m.contains_key("resourceSpans") {
            self.found(Source::OpenTelemetry);
            otlp(v, self.name, &inside(at), self.logs);
        } else if m.get("object").and_then(Value::as_str) == Some("page") {
            self.found(Source::OpenAiUsage);
            openai_page(v, self.name, &inside(at), self.logs);
        } else if m.contains_key("results") && m.contains_key("start_time") {
            self.found(Source::OpenAiUsage);
            openai_bucket(v, self.name, at, self.logs);
        } else if let Some(rows) = m.get("data").and_then(Value::as_array)
            && detect_row(m).is_none()
        {
            let here = inside(at);
            for (i, r) in rows.iter().enumerate() {
                self.value(r, &format!("{here}data[{i}]"))?;
            }
        } else {
            let source = match self.source {
                Some(s) => s,
                None => {
                    let s = detect_row(m).ok_or_else(|| unknown(self.name, m))?;
                    self.source = Some(s);
                    s
                }
            };
            row(source, m, self.name, at, self.logs);
        }
        Ok(())
    }

    /// What a finished document's paging fields say: rows left on pages not in the file.
    fn finish_document(&mut self, doc: usize, rows: u64) {
        let top = std::mem::take(&mut self.top);
        let which = if doc == 0 {
            self.name.to_string()
        } else {
            format!("{} (document {})", self.name, doc + 1)
        };
        let n = |v: Option<&Value>| v.and_then(Value::as_f64);
        let meta = top.get("meta");
        let total = n(top.get("total")).or_else(|| n(meta.and_then(|m| m.get("totalItems"))));
        if let Some(total) = total
            && (rows as f64) < total
        {
            self.logs.notes.push(format!(
                "{which}: {rows} of the {total} rows the API holds for this query: the other pages are not in the file, and the fit covers only these rows (fetch every page)"
            ));
        } else if top.get("has_more").and_then(Value::as_bool) == Some(true)
            || meta.and_then(|m| m.get("cursor")).is_some_and(|c| !c.is_null())
        {
            self.logs.notes.push(format!(
                "{which}: the page says more follow (has_more / a next cursor), and they are not in the file: the fit covers only these rows (fetch every page)"
            ));
        }
    }
}

/// Where in a document the walk is: what a map's keys mean there.
#[derive(Clone, Copy)]
enum Level {
    Document,
    Resource,
    Scope,
}

/// What the elements of an array are.
#[derive(Clone, Copy)]
enum Items {
    /// Rows, pages or buckets, each read whole (they are small).
    Values,
    Resources,
    Scopes,
    Spans,
}

/// A map walked key by key.
struct MapSeed<'w, 'a> {
    walk: &'w mut Walk<'a>,
    level: Level,
    at: String,
}

/// An array walked element by element.
struct SeqSeed<'w, 'a> {
    walk: &'w mut Walk<'a>,
    items: Items,
    at: String,
}

/// One top-level value: an array of rows or pages, or a document.
struct TopSeed<'w, 'a> {
    walk: &'w mut Walk<'a>,
    at: String,
}

impl<'de> DeserializeSeed<'de> for MapSeed<'_, '_> {
    type Value = ();
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for MapSeed<'_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("an object")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(key) = map.next_key::<String>()? {
            let items = match (self.level, key.as_str()) {
                (Level::Document, "resourceSpans") => {
                    self.walk.found(Source::OpenTelemetry);
                    Some(Items::Resources)
                }
                (Level::Document, "data") => Some(Items::Values),
                (Level::Resource, "scopeSpans") => Some(Items::Scopes),
                (Level::Scope, "spans") => Some(Items::Spans),
                _ => None,
            };
            match items {
                Some(items) => map.next_value_seed(SeqSeed {
                    walk: &mut *self.walk,
                    items,
                    at: format!("{}{key}", self.at),
                })?,
                None if matches!(self.level, Level::Document) => {
                    let v: Value = map.next_value()?;
                    self.walk.top.insert(key, v);
                }
                None => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(())
    }
}

impl<'de> DeserializeSeed<'de> for SeqSeed<'_, '_> {
    type Value = ();
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for SeqSeed<'_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("an array")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        for i in 0usize.. {
            self.walk.check_room()?;
            let at = format!("{}[{i}]", self.at);
            let level = match self.items {
                Items::Resources => Some(Level::Resource),
                Items::Scopes => Some(Level::Scope),
                Items::Values | Items::Spans => None,
            };
            if let Some(level) = level {
                let seed = MapSeed {
                    walk: &mut *self.walk,
                    level,
                    at: format!("{at}."),
                };
                if seq.next_element_seed(seed)?.is_none() {
                    break;
                }
                continue;
            }
            let Some(v) = seq.next_element::<Value>()? else {
                break;
            };
            if matches!(self.items, Items::Spans) {
                let w = &mut *self.walk;
                map_row(w.logs, w.name, &at, |cx| otlp_span(&v, cx));
            } else if let Err(e) = self.walk.value(&v, &at) {
                return Err(self.walk.stop(e));
            }
        }
        Ok(())
    }
}

impl<'de> DeserializeSeed<'de> for TopSeed<'_, '_> {
    type Value = ();
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for TopSeed<'_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("an array of log rows or a JSON document")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<(), A::Error> {
        SeqSeed {
            walk: self.walk,
            items: Items::Values,
            at: self.at,
        }
        .visit_seq(seq)
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<(), A::Error> {
        MapSeed {
            walk: self.walk,
            level: Level::Document,
            at: inside(&self.at),
        }
        .visit_map(map)
    }
}

/// Reads JSON values one after another (usually one): arrays of rows or pages, and documents.
pub(super) fn read_values(r: impl Read, name: &str, logs: &mut Logs) -> Result<Source, LogError> {
    let mut head = Vec::new();
    let mut r = r;
    (&mut r)
        .take(IN_MEMORY_BYTES)
        .read_to_end(&mut head)
        .map_err(|e| LogError::Unreadable {
            file: name.into(),
            message: e.to_string(),
        })?;
    let mut walk = Walk {
        name,
        logs,
        source: None,
        error: None,
        top: Map::new(),
    };
    if (head.len() as u64) < IN_MEMORY_BYTES {
        let mut de = serde_json::Deserializer::from_slice(&head);
        read_each(&mut de, &mut walk)?;
    } else {
        let mut de = serde_json::Deserializer::from_reader(std::io::Cursor::new(head).chain(r));
        read_each(&mut de, &mut walk)?;
    }
    walk.source.ok_or_else(|| LogError::Empty(name.into()))
}

fn read_each<'de, R: serde_json::de::Read<'de>>(
    de: &mut serde_json::Deserializer<R>,
    walk: &mut Walk<'_>,
) -> Result<(), LogError> {
    for doc in 0usize.. {
        let before = walk.rows();
        let at = if doc == 0 {
            String::new()
        } else {
            format!("document {}", doc + 1)
        };
        let parsed = TopSeed { walk, at }.deserialize(&mut *de);
        if let Some(e) = walk.error.take() {
            return Err(e);
        }
        parsed.map_err(|e| syntax(walk.name, &e))?;
        let rows = walk.rows() - before;
        walk.finish_document(doc, rows);
        if de.end().is_ok() {
            break;
        }
    }
    Ok(())
}

/// One JSON value per line; a line that is not JSON is skipped and listed.
pub(super) fn read_lines(r: impl BufRead, name: &str, logs: &mut Logs) -> Result<Source, LogError> {
    let mut walk = Walk {
        name,
        logs,
        source: None,
        error: None,
        top: Map::new(),
    };
    for (n, line) in r.lines().enumerate() {
        let at = format!("line {}", n + 1);
        let line = line.map_err(|e| LogError::Unreadable {
            file: name.into(),
            message: e.to_string(),
        })?;
        if walk.logs.records.len() >= MAX_LOG_ROWS {
            return Err(LogError::TooManyRows { file: name.into() });
        }
        if line.trim().is_empty() {
            continue;
        }
        match serde_json::from_str::<Value>(&line) {
            Ok(v) => walk.value(&v, &at)?,
            Err(e) => walk.logs.skip(skipped(name, &at, "", &format!("not JSON: {e}"))),
        }
    }
    walk.source.ok_or_else(|| LogError::Empty(name.into()))
}
