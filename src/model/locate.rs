//! Finds where a field sits in RON text (line and column), so that errors found after parsing —
//! an unknown model, shares that do not sum to one — can still point into the file.

use std::fmt;

/// A 1-based line and column (in characters).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Pos {
    pub line: usize,
    pub col: usize,
}

/// One step of a field path.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Seg {
    /// A struct field.
    Field(String),
    /// An element of a list.
    Index(usize),
    /// An entry of a map, by key.
    Key(String),
}

/// A path to a value inside a file, such as `classes[2].input_tokens` or
/// `models["gpt-4o"].success["faq"]`.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct FieldPath(pub Vec<Seg>);

impl FieldPath {
    /// The empty path (the whole file).
    pub fn root() -> Self {
        FieldPath(Vec::new())
    }
    /// This path with a field appended.
    pub fn field(&self, name: &str) -> Self {
        let mut p = self.clone();
        p.0.push(Seg::Field(name.to_string()));
        p
    }
    /// This path with a list index appended.
    pub fn index(&self, i: usize) -> Self {
        let mut p = self.clone();
        p.0.push(Seg::Index(i));
        p
    }
    /// This path with a map key appended.
    pub fn key(&self, k: &str) -> Self {
        let mut p = self.clone();
        p.0.push(Seg::Key(k.to_string()));
        p
    }
    /// This path followed by another.
    pub fn join(&self, other: &FieldPath) -> Self {
        let mut p = self.clone();
        p.0.extend(other.0.iter().cloned());
        p
    }
    /// Builds a path from serde_path_to_error's path.
    pub fn from_serde(path: &serde_path_to_error::Path) -> Self {
        use serde_path_to_error::Segment;
        let mut out = Vec::new();
        for seg in path.iter() {
            match seg {
                Segment::Seq { index } => out.push(Seg::Index(*index)),
                Segment::Map { key } => out.push(Seg::Key(key.clone())),
                Segment::Enum { .. } | Segment::Unknown => {}
            }
        }
        // serde_path_to_error reports struct fields as map keys; names that are identifiers are
        // shown as fields, which is how RON writes them.
        FieldPath(out)
    }
}

fn is_ident(s: &str) -> bool {
    !s.is_empty()
        && s.chars().next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

impl fmt::Display for FieldPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut first = true;
        for seg in &self.0 {
            match seg {
                Seg::Field(n) => {
                    if !first {
                        f.write_str(".")?;
                    }
                    f.write_str(n)?;
                }
                Seg::Key(k) if is_ident(k) => {
                    if !first {
                        f.write_str(".")?;
                    }
                    f.write_str(k)?;
                }
                Seg::Key(k) => write!(f, "[{k:?}]")?,
                Seg::Index(i) => write!(f, "[{i}]")?,
            }
            first = false;
        }
        Ok(())
    }
}

#[derive(Debug)]
enum Node {
    /// `( … )`, optionally named (`Some(…)`, `Beta(…)`, `Inline(…)`): named fields and items.
    Group {
        fields: Vec<(String, Pos, Located)>,
        items: Vec<Located>,
    },
    Seq(Vec<Located>),
    Map(Vec<(String, Pos, Located)>),
    Atom,
}

#[derive(Debug)]
struct Located {
    pos: Pos,
    node: Node,
}

#[derive(Clone, Debug, PartialEq)]
enum Tok {
    Open(char),
    Close(char),
    Colon,
    Comma,
    Str(String),
    Word(String),
}

fn tokenize(src: &str) -> Vec<(Tok, Pos)> {
    let mut lx = Lexer {
        chars: src.chars().collect(),
        i: 0,
        line: 1,
        col: 1,
    };
    let mut out = Vec::new();
    while let Some(c) = lx.peek(0) {
        let pos = Pos {
            line: lx.line,
            col: lx.col,
        };
        let next = lx.peek(1);
        if c.is_whitespace() {
            lx.advance();
        } else if c == '/' && next == Some('/') {
            while lx.peek(0).is_some_and(|ch| ch != '\n') {
                lx.advance();
            }
        } else if c == '/' && next == Some('*') {
            lx.block_comment();
        } else if c == '#' {
            lx.attribute();
        } else if c == '"' || (c == 'r' && matches!(next, Some('"') | Some('#'))) {
            out.push((Tok::Str(lx.string()), pos));
        } else if c == '\'' {
            lx.char_literal();
            out.push((Tok::Word(String::new()), pos));
        } else if let Some(t) = punctuation(c) {
            out.push((t, pos));
            lx.advance();
        } else {
            out.push((Tok::Word(lx.word()), pos));
        }
    }
    out
}

/// A single-character token.
fn punctuation(c: char) -> Option<Tok> {
    match c {
        '(' | '[' | '{' => Some(Tok::Open(c)),
        ')' | ']' | '}' => Some(Tok::Close(c)),
        ':' => Some(Tok::Colon),
        ',' => Some(Tok::Comma),
        _ => None,
    }
}

/// The tokenizer's cursor: a position in the text with its line and column.
struct Lexer {
    chars: Vec<char>,
    i: usize,
    line: usize,
    col: usize,
}

impl Lexer {
    fn peek(&self, ahead: usize) -> Option<char> {
        self.chars.get(self.i + ahead).copied()
    }

    fn advance(&mut self) {
        if self.peek(0) == Some('\n') {
            self.line += 1;
            self.col = 1;
        } else {
            self.col += 1;
        }
        self.i += 1;
    }

    /// A `/* … */` comment, nested ones included.
    fn block_comment(&mut self) {
        let mut depth = 0usize;
        while let Some(c) = self.peek(0) {
            if c == '/' && self.peek(1) == Some('*') {
                depth += 1;
                self.advance();
            } else if c == '*' && self.peek(1) == Some('/') {
                depth -= 1;
                self.advance();
                if depth == 0 {
                    self.advance();
                    break;
                }
            }
            self.advance();
        }
    }

    /// A `#![enable(...)]` attribute: skipped to its closing bracket.
    fn attribute(&mut self) {
        let mut depth = 0i32;
        while let Some(ch) = self.peek(0) {
            self.advance();
            if ch == '[' {
                depth += 1;
            } else if ch == ']' {
                depth -= 1;
                if depth <= 0 {
                    break;
                }
            }
        }
    }

    /// A string, plain (with escapes) or raw (`r#"…"#`); returns its content.
    fn string(&mut self) -> String {
        let raw = self.peek(0) == Some('r');
        let mut hashes = 0;
        if raw {
            self.advance();
            while self.peek(0) == Some('#') {
                hashes += 1;
                self.advance();
            }
        }
        self.advance(); // opening quote
        let mut s = String::new();
        while let Some(ch) = self.peek(0) {
            if !raw && ch == '\\' {
                self.advance();
                if let Some(e) = self.peek(0) {
                    s.push(match e {
                        'n' => '\n',
                        't' => '\t',
                        other => other,
                    });
                }
                self.advance();
                continue;
            }
            if ch == '"' && (0..hashes).all(|k| self.peek(1 + k) == Some('#')) {
                self.advance();
                for _ in 0..hashes {
                    self.advance();
                }
                break;
            }
            s.push(ch);
            self.advance();
        }
        s
    }

    /// A character literal, skipped.
    fn char_literal(&mut self) {
        self.advance();
        while self.peek(0).is_some_and(|c| c != '\'') {
            if self.peek(0) == Some('\\') {
                self.advance();
            }
            self.advance();
        }
        self.advance();
    }

    /// A bare word: a name, a number, `true`…
    fn word(&mut self) -> String {
        let mut w = String::new();
        while let Some(ch) = self.peek(0) {
            if ch.is_whitespace() || matches!(ch, '(' | ')' | '[' | ']' | '{' | '}' | ':' | ',' | '"') {
                break;
            }
            w.push(ch);
            self.advance();
        }
        w
    }
}

struct Parser {
    toks: Vec<(Tok, Pos)>,
    at: usize,
    depth: usize,
}

impl Parser {
    fn peek(&self, k: usize) -> Option<&Tok> {
        self.toks.get(self.at + k).map(|t| &t.0)
    }
    fn pos(&self) -> Pos {
        self.toks.get(self.at).map(|t| t.1).unwrap_or_default()
    }
    fn value(&mut self) -> Option<Located> {
        if self.depth > 200 {
            return None;
        }
        let pos = self.pos();
        let tok = self.peek(0)?.clone();
        self.at += 1;
        let node = match tok {
            Tok::Word(_) if self.peek(0) == Some(&Tok::Open('(')) => {
                self.at += 1;
                self.group()
            }
            Tok::Word(_) | Tok::Str(_) => Node::Atom,
            Tok::Open('(') => self.group(),
            Tok::Open('[') => {
                self.depth += 1;
                let mut items = Vec::new();
                while let Some(t) = self.peek(0) {
                    match t {
                        Tok::Close(_) => {
                            self.at += 1;
                            break;
                        }
                        Tok::Comma => self.at += 1,
                        _ => match self.value() {
                            Some(v) => items.push(v),
                            None => break,
                        },
                    }
                }
                self.depth -= 1;
                Node::Seq(items)
            }
            Tok::Open(_) => {
                self.depth += 1;
                let mut entries = Vec::new();
                while let Some(t) = self.peek(0) {
                    match t {
                        Tok::Close(_) => {
                            self.at += 1;
                            break;
                        }
                        Tok::Comma => self.at += 1,
                        _ => {
                            let kpos = self.pos();
                            let key = match self.peek(0) {
                                Some(Tok::Str(s)) | Some(Tok::Word(s)) => s.clone(),
                                _ => String::new(),
                            };
                            if self.value().is_none() {
                                break;
                            }
                            if self.peek(0) == Some(&Tok::Colon) {
                                self.at += 1;
                            }
                            match self.value() {
                                Some(v) => entries.push((key, kpos, v)),
                                None => break,
                            }
                        }
                    }
                }
                self.depth -= 1;
                Node::Map(entries)
            }
            _ => Node::Atom,
        };
        Some(Located { pos, node })
    }

    fn group(&mut self) -> Node {
        self.depth += 1;
        let mut fields = Vec::new();
        let mut items = Vec::new();
        while let Some(t) = self.peek(0) {
            match t {
                Tok::Close(_) => {
                    self.at += 1;
                    break;
                }
                Tok::Comma => self.at += 1,
                Tok::Word(w) if self.peek(1) == Some(&Tok::Colon) => {
                    let name = w.clone();
                    let fpos = self.pos();
                    self.at += 2;
                    match self.value() {
                        Some(v) => fields.push((name, fpos, v)),
                        None => break,
                    }
                }
                _ => match self.value() {
                    Some(v) => items.push(v),
                    None => break,
                },
            }
        }
        self.depth -= 1;
        Node::Group { fields, items }
    }
}

/// The parsed position tree of one RON text.
pub struct RonMap {
    root: Option<Located>,
}

impl RonMap {
    /// Scans `src`. Never fails: on malformed text it keeps what it could read.
    pub fn new(src: &str) -> Self {
        let mut p = Parser {
            toks: tokenize(src),
            at: 0,
            depth: 0,
        };
        RonMap { root: p.value() }
    }

    /// The position of the value at `path`, or of the deepest part of the path that exists,
    /// together with whether the whole path was found.
    pub fn locate(&self, path: &FieldPath) -> (Pos, bool) {
        let Some(mut cur) = self.root.as_ref() else {
            return (Pos { line: 1, col: 1 }, false);
        };
        let mut pos = cur.pos;
        'segs: for seg in &path.0 {
            // Look through wrappers such as `Some(…)`, `Inline(…)`, `Cascade((…))`.
            loop {
                let found = match (&cur.node, seg) {
                    (Node::Group { fields, .. }, Seg::Field(n) | Seg::Key(n)) if !fields.is_empty() => {
                        fields.iter().find(|(k, _, _)| k == n).map(|(_, p, v)| (*p, v))
                    }
                    (Node::Map(entries), Seg::Key(n) | Seg::Field(n)) => {
                        entries.iter().find(|(k, _, _)| k == n).map(|(_, p, v)| (*p, v))
                    }
                    (Node::Seq(items), Seg::Index(i)) => items.get(*i).map(|v| (v.pos, v)),
                    (Node::Group { fields, items }, Seg::Index(i)) if fields.is_empty() && items.len() > 1 => {
                        items.get(*i).map(|v| (v.pos, v))
                    }
                    _ => None,
                };
                if let Some((p, v)) = found {
                    pos = p;
                    cur = v;
                    continue 'segs;
                }
                match &cur.node {
                    Node::Group { fields, items } if fields.is_empty() && items.len() == 1 => {
                        cur = &items[0];
                    }
                    _ => return (pos, false),
                }
            }
        }
        (pos, true)
    }

    /// Whether the text holds anything besides white space and comments.
    pub fn has_content(src: &str) -> bool {
        !tokenize(src).is_empty()
    }

    /// The start of the first token at or after `pos`.
    pub fn next_token_from(src: &str, pos: Pos) -> Option<Pos> {
        tokenize(src)
            .into_iter()
            .map(|(_, p)| p)
            .find(|p| (p.line, p.col) >= (pos.line, pos.col))
    }

    /// The text of a top-level field that is a plain word (such as `format_version: 2`).
    pub fn top_level_word(src: &str, name: &str) -> Option<(String, Pos)> {
        let toks = tokenize(src);
        let mut depth = 0i32;
        for (k, (t, _)) in toks.iter().enumerate() {
            match t {
                Tok::Open(_) => depth += 1,
                Tok::Close(_) => depth -= 1,
                Tok::Word(w) if depth == 1 && w == name && toks.get(k + 1).map(|t| &t.0) == Some(&Tok::Colon) => {
                    return match toks.get(k + 2) {
                        Some((Tok::Word(v), p)) => Some((v.clone(), *p)),
                        Some((_, p)) => Some((String::new(), *p)),
                        None => None,
                    };
                }
                _ => {}
            }
        }
        None
    }
}
