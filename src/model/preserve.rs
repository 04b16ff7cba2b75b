//! Saving without rewriting: a file's new text is applied to its original as a set of value
//! replacements, so that comments, field order, number formats and blank lines outside the
//! edited values stay byte for byte. The result is accepted only if it parses to exactly what the
//! full rewrite would; otherwise the caller writes the full rewrite.

use serde::de::DeserializeOwned;

use super::locate::{FieldPath, Pos, RonMap};

/// Whether two parsed RON values are equal, numbers by value (`6000` equals `6000.0`).
fn same(a: &ron::Value, b: &ron::Value) -> bool {
    use ron::Value as V;
    match (a, b) {
        (V::Number(x), V::Number(y)) => x.into_f64() == y.into_f64(),
        (V::Map(x), V::Map(y)) => {
            x.len() == y.len()
                && x.iter()
                    .zip(y.iter())
                    .all(|((ka, va), (kb, vb))| same(ka, kb) && same(va, vb))
        }
        (V::Seq(x), V::Seq(y)) => x.len() == y.len() && x.iter().zip(y).all(|(a, b)| same(a, b)),
        (V::Option(Some(x)), V::Option(Some(y))) => same(x, y),
        (V::Option(Some(x)), y) | (y, V::Option(Some(x))) => same(x, y),
        _ => a == b,
    }
}

/// The paths whose values differ between `old` and `new`, as deep as both keep the same shape.
/// Keys present on one side only are left alone (a field written with its default on one side);
/// the final check catches any that matter.
fn changed(old: &ron::Value, new: &ron::Value, at: &FieldPath, out: &mut Changes) {
    use ron::Value as V;
    if same(old, new) {
        return;
    }
    match (old, new) {
        (V::Map(a), V::Map(b)) => {
            for (k, va) in a.iter() {
                let V::String(name) = k else {
                    out.values.push(at.clone());
                    return;
                };
                if let Some(vb) = b.get(k) {
                    changed(va, vb, &at.field(name), out);
                }
            }
        }
        (V::Seq(a), V::Seq(b)) if a.len() == b.len() => {
            for (i, (va, vb)) in a.iter().zip(b).enumerate() {
                changed(va, vb, &at.index(i), out);
            }
        }
        // Items appended (a new policy version): the old ones compared in place, the new ones
        // written after the last, so that untouched items keep their text.
        (V::Seq(a), V::Seq(b)) if !a.is_empty() && b.len() > a.len() => {
            for (i, (va, vb)) in a.iter().zip(b).enumerate() {
                changed(va, vb, &at.index(i), out);
            }
            out.appended.push((at.clone(), a.len(), b.len()));
        }
        _ => out.values.push(at.clone()),
    }
}

/// What differs between two texts' values: values to replace, and lists that gained items at
/// their end (the list, its old and new lengths).
#[derive(Default)]
struct Changes {
    values: Vec<FieldPath>,
    appended: Vec<(FieldPath, usize, usize)>,
}

/// Byte offset of a 1-based (line, column in characters) position.
fn offset(text: &str, p: Pos) -> Option<usize> {
    let line_start = if p.line <= 1 {
        0
    } else {
        text.match_indices('\n').nth(p.line - 2)?.0 + 1
    };
    let rest = &text[line_start..];
    let col = rest.char_indices().nth(p.col.saturating_sub(1)).map(|(i, _)| i)?;
    Some(line_start + col)
}

/// The byte span of the value that starts at or after `start` (skipping `name:` when `start`
/// points at a field name): up to the comma or closing bracket that ends it, without trailing
/// white space or comments.
fn value_span(text: &str, start: usize) -> Option<(usize, usize)> {
    let b = text.as_bytes();
    let mut i = start;
    // A field: skip its name and colon.
    let word_end = text[i..]
        .find(|c: char| !(c.is_alphanumeric() || c == '_'))
        .map_or(text.len(), |j| i + j);
    if word_end > i {
        let after = text[word_end..].trim_start();
        if after.starts_with(':') && !after.starts_with("::") {
            i = text.len() - after.len() + 1;
        }
    }
    while i < b.len() && (b[i] as char).is_whitespace() {
        i += 1;
    }
    let begin = i;
    let (mut depth, mut last_end) = (0i32, begin);
    while i < b.len() {
        let c = b[i];
        if text[i..].starts_with("//") {
            i = text[i..].find('\n').map_or(b.len(), |j| i + j);
            continue;
        }
        if text[i..].starts_with("/*") {
            i = text[i + 2..].find("*/").map_or(b.len(), |j| i + 2 + j + 2);
            continue;
        }
        match c {
            b'"' => {
                i += 1;
                while i < b.len() && b[i] != b'"' {
                    i += if b[i] == b'\\' { 2 } else { 1 };
                }
                i += 1;
                last_end = i.min(b.len());
                continue;
            }
            b'(' | b'[' | b'{' => depth += 1,
            b')' | b']' | b'}' => {
                if depth == 0 {
                    break;
                }
                depth -= 1;
            }
            b',' if depth == 0 => break,
            _ => {}
        }
        i += 1;
        if !(c as char).is_whitespace() {
            last_end = i;
        }
    }
    (last_end > begin).then_some((begin, last_end))
}

fn parse<T: DeserializeOwned>(text: &str) -> Option<T> {
    super::ron_io::ron_options().from_str(text).ok()
}

/// `new_text` applied to `original` as value replacements, or `None` when that cannot reproduce
/// `new_text`'s content exactly (then write `new_text`).
pub fn patch_preserving<T: DeserializeOwned + PartialEq>(original: &str, new_text: &str) -> Option<String> {
    let want: T = parse(new_text)?;
    if parse::<T>(original).as_ref() == Some(&want) {
        return Some(original.to_string());
    }
    let old_v: ron::Value = super::ron_io::ron_options().from_str(original).ok()?;
    let new_v: ron::Value = super::ron_io::ron_options().from_str(new_text).ok()?;
    let mut changes = Changes::default();
    changed(&old_v, &new_v, &FieldPath::root(), &mut changes);
    let (old_map, new_map) = (RonMap::new(original), RonMap::new(new_text));
    let mut edits: Vec<(usize, usize, String)> = Vec::new();
    for (list, old_len, new_len) in &changes.appended {
        let (last, found) = old_map.locate(&list.index(old_len - 1));
        if !found {
            return None;
        }
        let (begin, end) = value_span(original, offset(original, last)?)?;
        let line_start = original[..begin].rfind('\n').map_or(0, |i| i + 1);
        let indent = &original[line_start..begin];
        if !indent.chars().all(char::is_whitespace) {
            return None;
        }
        let mut added = String::new();
        for i in *old_len..*new_len {
            let (np, found) = new_map.locate(&list.index(i));
            if !found {
                return None;
            }
            let (c, d) = value_span(new_text, offset(new_text, np)?)?;
            added.push_str(&format!(",\n{indent}{}", &new_text[c..d]));
        }
        edits.push((end, end, added));
    }
    for p in &changes.values {
        if p.0.is_empty() {
            return None;
        }
        let (op, found_old) = old_map.locate(p);
        let (np, found_new) = new_map.locate(p);
        if !(found_old && found_new) {
            return None;
        }
        let (a, b) = value_span(original, offset(original, op)?)?;
        let (c, d) = value_span(new_text, offset(new_text, np)?)?;
        edits.push((a, b, new_text[c..d].to_string()));
    }
    edits.sort_by_key(|e| std::cmp::Reverse(e.0));
    let mut out = original.to_string();
    let mut last_start = usize::MAX;
    for (a, b, with) in edits {
        if b > last_start {
            return None; // overlapping spans
        }
        out.replace_range(a..b, &with);
        last_start = a;
    }
    (parse::<T>(&out).as_ref() == Some(&want)).then_some(out)
}
