//! A YAML document as a tree of nodes that each know where they are, so that
//! validation can report every problem at once with a span on its line.

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_saphyr::DuplicateKeyPolicy;
use serde_saphyr::Spanned;
use std::fmt;

/// Where a node is: byte offset and length in the source, 1-based line and column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Pos {
    /// Byte offset.
    pub offset: usize,
    /// Byte length (0 when unknown).
    pub len: usize,
    /// 1-based line (0 when unknown).
    pub line: usize,
    /// 1-based column (0 when unknown).
    pub column: usize,
}

/// One YAML node.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    /// The value.
    pub kind: Kind,
    /// Where it is.
    pub pos: Pos,
}

/// The value of a node.
#[derive(Debug, Clone, PartialEq)]
pub enum Kind {
    /// `null`, `~` or nothing.
    Null,
    /// A boolean.
    Bool(bool),
    /// An integer.
    Int(i128),
    /// A float.
    Float(f64),
    /// A string.
    Str(String),
    /// A sequence.
    Seq(Vec<Node>),
    /// A mapping, in document order.
    Map(Vec<(Node, Node)>),
}

impl Kind {
    /// A short description of the type, for "expected X, found Y".
    pub fn type_name(&self) -> &'static str {
        match self {
            Kind::Null => "null",
            Kind::Bool(_) => "a boolean",
            Kind::Int(_) => "an integer",
            Kind::Float(_) => "a number",
            Kind::Str(_) => "a string",
            Kind::Seq(_) => "a list",
            Kind::Map(_) => "a mapping",
        }
    }
}

impl Node {
    /// Scalar text: strings as they are, numbers and booleans spelt out.
    pub fn scalar_text(&self) -> Option<String> {
        match &self.kind {
            Kind::Str(s) => Some(s.clone()),
            Kind::Int(i) => Some(i.to_string()),
            Kind::Float(f) => Some(f.to_string()),
            Kind::Bool(b) => Some(b.to_string()),
            _ => None,
        }
    }
}

fn pos_of(loc: &serde_saphyr::Location) -> Pos {
    let span = loc.span();
    Pos {
        offset: span.byte_offset().unwrap_or(0) as usize,
        len: span.byte_len().unwrap_or(0) as usize,
        line: loc.line() as usize,
        column: loc.column() as usize,
    }
}

fn node(s: Spanned<Kind>) -> Node {
    Node {
        pos: pos_of(&s.referenced),
        kind: s.value,
    }
}

impl<'de> Deserialize<'de> for Kind {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(KindVisitor)
    }
}

struct KindVisitor;

impl<'de> Visitor<'de> for KindVisitor {
    type Value = Kind;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any YAML value")
    }
    fn visit_unit<E: de::Error>(self) -> Result<Kind, E> {
        Ok(Kind::Null)
    }
    fn visit_none<E: de::Error>(self) -> Result<Kind, E> {
        Ok(Kind::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Kind, D::Error> {
        Kind::deserialize(d)
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Kind, E> {
        Ok(Kind::Bool(v))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Kind, E> {
        Ok(Kind::Int(v.into()))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Kind, E> {
        Ok(Kind::Int(v.into()))
    }
    fn visit_i128<E: de::Error>(self, v: i128) -> Result<Kind, E> {
        Ok(Kind::Int(v))
    }
    fn visit_u128<E: de::Error>(self, v: u128) -> Result<Kind, E> {
        Ok(Kind::Int(i128::try_from(v).unwrap_or(i128::MAX)))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Kind, E> {
        Ok(Kind::Float(v))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Kind, E> {
        Ok(Kind::Str(v.to_string()))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Kind, E> {
        Ok(Kind::Str(v))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Kind, A::Error> {
        let mut out = Vec::new();
        while let Some(item) = seq.next_element::<Spanned<Kind>>()? {
            out.push(node(item));
        }
        Ok(Kind::Seq(out))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Kind, A::Error> {
        let mut out = Vec::new();
        while let Some(k) = map.next_key::<Spanned<Kind>>()? {
            let v = map.next_value::<Spanned<Kind>>()?;
            out.push((node(k), node(v)));
        }
        Ok(Kind::Map(out))
    }
}

/// A YAML syntax error with its position.
#[derive(Debug, Clone)]
pub struct SyntaxError {
    /// What the YAML parser said.
    pub message: String,
    /// Where.
    pub pos: Pos,
}

/// Parses a YAML document into a node tree. An empty document is `Kind::Null`.
pub fn parse(text: &str) -> Result<Node, SyntaxError> {
    if text.trim().is_empty() {
        return Ok(Node {
            kind: Kind::Null,
            pos: Pos::default(),
        });
    }
    // Repeated keys reach the visitor as two entries, so that validation
    // reports a located `duplicate_key` among every other problem rather than
    // the YAML parser stopping at the first one.
    let options = serde_saphyr::options! {
        duplicate_keys: DuplicateKeyPolicy::PassThrough,
    };
    match serde_saphyr::from_str_with_options::<Spanned<Kind>>(text, options) {
        Ok(s) => Ok(node(s)),
        Err(e) => {
            let mut pos = e.location().map(|l| pos_of(&l)).unwrap_or_default();
            // Syntax errors carry a line and column but no byte span: without
            // one the label sat at 1:1 while the message named another line.
            if pos.line > 0 && (pos.len == 0 || (pos.offset == 0 && pos.line > 1)) {
                pos.offset = offset_of(text, pos.line, pos.column.max(1));
                pos.len = text[pos.offset..].chars().next().map_or(0, char::len_utf8);
            }
            Err(SyntaxError {
                message: e.to_string(),
                pos,
            })
        }
    }
}

/// The byte offset of a 1-based line and (character) column, clamped to the
/// end of that line and of the text.
fn offset_of(text: &str, line: usize, column: usize) -> usize {
    let mut start = 0;
    for _ in 1..line {
        match text[start..].find('\n') {
            Some(i) => start += i + 1,
            None => return text.len(),
        }
    }
    let rest = &text[start..];
    let eol = rest.find('\n').unwrap_or(rest.len());
    let eol = if rest[..eol].ends_with('\r') {
        eol - 1
    } else {
        eol
    };
    start
        + rest[..eol]
            .char_indices()
            .nth(column - 1)
            .map_or(eol, |(i, _)| i)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nodes_know_their_lines() {
        let text = "fail_on: high\nexceptions:\n  - id: CVE-2021-44228\n    expires: 2026-12-31\n    n: 3\n";
        let root = parse(text).unwrap();
        let Kind::Map(entries) = &root.kind else {
            panic!("{root:?}")
        };
        assert_eq!(entries[0].0.kind, Kind::Str("fail_on".into()));
        assert_eq!(entries[0].0.pos.line, 1);
        assert_eq!(entries[0].1.pos.line, 1);
        assert_eq!(&text[entries[0].1.pos.offset..][..4], "high");
        let Kind::Seq(items) = &entries[1].1.kind else {
            panic!()
        };
        let Kind::Map(ex) = &items[0].kind else {
            panic!()
        };
        assert_eq!(ex[1].0.pos.line, 4);
        assert_eq!(ex[1].1.kind, Kind::Str("2026-12-31".into()));
        assert_eq!(ex[1].1.pos.column, 14);
        assert_eq!(&text[ex[1].1.pos.offset..][..ex[1].1.pos.len], "2026-12-31");
        assert_eq!(ex[2].1.kind, Kind::Int(3));
    }

    #[test]
    fn syntax_errors_are_located() {
        let text = "a: 1\nb: [1, 2\nc: d\n";
        let e = parse(text).unwrap_err();
        assert!(e.pos.line >= 2, "{e:?}");
        // The offset is on the reported line and column, not at 1:1.
        assert_eq!(e.pos.offset, offset_of(text, e.pos.line, e.pos.column));
        assert!(e.pos.offset >= 5, "{e:?}");
    }

    #[test]
    fn offsets_of_lines_and_columns() {
        let t = "ab\r\nçd\nx";
        assert_eq!(offset_of(t, 1, 1), 0);
        assert_eq!(offset_of(t, 1, 9), 2, "clamped before the CR");
        assert_eq!(offset_of(t, 2, 2), 6, "characters, not bytes");
        assert_eq!(offset_of(t, 3, 1), 8);
        assert_eq!(offset_of(t, 7, 1), t.len());
    }

    #[test]
    fn repeated_keys_reach_the_tree() {
        let root = parse("a: 1\na: 2\n").unwrap();
        let Kind::Map(entries) = &root.kind else {
            panic!("{root:?}")
        };
        assert_eq!(entries.len(), 2);
        assert_eq!(entries[1].0.pos.line, 2);
    }
}
