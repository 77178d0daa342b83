//! Compact JSON for the streaming writers, byte for byte what `serde_json`
//! writes (`to_writer`), with a faster string escape: most report text needs
//! none, and it is checked eight bytes at a time instead of one.
//!
//! An item is serialised into a reused buffer first; whatever this serializer
//! does not take (a map key that is not text or an integer) makes it
//! hand the item to `serde_json` instead, so the output never differs.

use serde::ser;
use serde::Serialize;
use std::fmt::{self, Display};
use std::io::{self, Write};

/// Writes `item` as compact JSON to `w`, exactly as `serde_json::to_writer`
/// would; `buf` is scratch space reused across items.
pub(crate) fn write_item<W: Write + ?Sized, T: Serialize + ?Sized>(
    w: &mut W,
    buf: &mut Vec<u8>,
    item: &T,
) -> io::Result<()> {
    buf.clear();
    match item.serialize(&mut Ser { out: &mut *buf }) {
        Ok(()) => w.write_all(buf),
        Err(_) => serde_json::to_writer(w, item).map_err(io::Error::from),
    }
}

/// Whether byte `c` must be escaped in a JSON string: a control character,
/// `"` or `\\`.
#[inline(always)]
fn must_escape(c: u8) -> bool {
    (c < 0x20) | (c == b'"') | (c == b'\\')
}

/// Whether any of sixteen bytes must be escaped; written without early exit
/// so the compiler turns it into a few vector compares.
#[inline(always)]
fn chunk_escapes(c: &[u8; 16]) -> bool {
    let mut any = false;
    for &x in c {
        any |= must_escape(x);
    }
    any
}

/// Whether any of the eight bytes of `x` must be escaped (SWAR: each test
/// leaves a byte's high bit set where it holds).
#[inline(always)]
fn word_escapes(x: u64) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    // A byte below 0x20: (b - 0x20) borrows into its high bit, unless b >= 0x80.
    let lt = x.wrapping_sub(ONES * 0x20) & !x;
    let q = x ^ (ONES * b'"' as u64);
    let quote = q.wrapping_sub(ONES) & !q;
    let s = x ^ (ONES * b'\\' as u64);
    let slash = s.wrapping_sub(ONES) & !s;
    (lt | quote | slash) & HIGH != 0
}

/// Whether any byte of `b` must be escaped. Long strings go sixteen bytes at
/// a time, the tail as the last sixteen bytes (overlapping: checking a byte
/// twice is harmless). Short strings, most of them keys and enum values,
/// are checked as one or two overlapping words, not byte by byte.
#[inline]
fn any_escape(b: &[u8]) -> bool {
    let n = b.len();
    let word = |at: usize| u64::from_le_bytes(b[at..at + 8].try_into().expect("eight bytes"));
    let half = |at: usize| u32::from_le_bytes(b[at..at + 4].try_into().expect("four bytes"));
    match n {
        0 => false,
        1..=3 => b.iter().fold(false, |a, &x| a | must_escape(x)),
        4..=7 => word_escapes(u64::from(half(0)) | u64::from(half(n - 4)) << 32),
        8..=16 => word_escapes(word(0)) | word_escapes(word(n - 8)),
        _ => {
            let mut chunks = b.chunks_exact(16);
            for c in &mut chunks {
                if chunk_escapes(c.try_into().expect("sixteen bytes")) {
                    return true;
                }
            }
            !chunks.remainder().is_empty()
                && chunk_escapes(b[n - 16..].try_into().expect("sixteen bytes"))
        }
    }
}

/// Appends `s` as a JSON string (quotes included), escaped as `serde_json` does.
pub(crate) fn push_str(out: &mut Vec<u8>, s: &str) {
    let b = s.as_bytes();
    if any_escape(b) {
        return push_escaped(out, b);
    }
    out.reserve(b.len() + 2);
    out.push(b'"');
    out.extend_from_slice(b);
    out.push(b'"');
}

/// [`push_str`] for text that needs escaping: out of line, so the common
/// path keeps a small stack frame.
#[cold]
#[inline(never)]
fn push_escaped(out: &mut Vec<u8>, b: &[u8]) {
    out.reserve(b.len() + 2);
    out.push(b'"');
    let mut start = 0;
    for (i, &c) in b.iter().enumerate() {
        let esc: &[u8] = match c {
            b'"' => b"\\\"",
            b'\\' => b"\\\\",
            0x08 => b"\\b",
            0x0C => b"\\f",
            b'\n' => b"\\n",
            b'\r' => b"\\r",
            b'\t' => b"\\t",
            0..=0x1F => b"",
            _ => continue,
        };
        out.extend_from_slice(&b[start..i]);
        if esc.is_empty() {
            const HEX: &[u8; 16] = b"0123456789abcdef";
            out.extend_from_slice(b"\\u00");
            out.push(HEX[(c >> 4) as usize]);
            out.push(HEX[(c & 15) as usize]);
        } else {
            out.extend_from_slice(esc);
        }
        start = i + 1;
    }
    out.extend_from_slice(&b[start..]);
    out.push(b'"');
}

/// Not taken by this serializer: the item goes to `serde_json` instead.
#[derive(Debug)]
pub(crate) struct Unsupported(String);

impl Display for Unsupported {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Unsupported {}

impl ser::Error for Unsupported {
    fn custom<T: Display>(msg: T) -> Self {
        Unsupported(msg.to_string())
    }
}

struct Ser<'a> {
    out: &'a mut Vec<u8>,
}

impl Ser<'_> {
    fn display<T: Display>(&mut self, v: T) {
        // Writing into a Vec does not fail.
        let _ = write!(self.out, "{v}");
    }

    fn via_serde_json<T: Serialize + ?Sized>(&mut self, v: &T) -> Result<(), Unsupported> {
        serde_json::to_writer(&mut *self.out, v).map_err(|e| Unsupported(e.to_string()))
    }
}

/// A compound value being written: whether the next element is the first.
struct Compound<'s, 'a> {
    ser: &'s mut Ser<'a>,
    first: bool,
    /// Closing bytes (`]`, `}`, or `]}`/`}}` for a variant).
    close: &'static [u8],
}

impl Compound<'_, '_> {
    fn sep(&mut self) {
        if !self.first {
            self.ser.out.push(b',');
        }
        self.first = false;
    }

    fn key(&mut self, key: &str) {
        self.sep();
        push_str(self.ser.out, key);
        self.ser.out.push(b':');
    }

    fn finish(self) {
        self.ser.out.extend_from_slice(self.close);
    }
}

impl<'s, 'a> ser::Serializer for &'s mut Ser<'a> {
    type Ok = ();
    type Error = Unsupported;
    type SerializeSeq = Compound<'s, 'a>;
    type SerializeTuple = Compound<'s, 'a>;
    type SerializeTupleStruct = Compound<'s, 'a>;
    type SerializeTupleVariant = Compound<'s, 'a>;
    type SerializeMap = Compound<'s, 'a>;
    type SerializeStruct = Compound<'s, 'a>;
    type SerializeStructVariant = Compound<'s, 'a>;

    fn serialize_bool(self, v: bool) -> Result<(), Unsupported> {
        self.out
            .extend_from_slice(if v { b"true" } else { b"false" });
        Ok(())
    }
    fn serialize_i8(self, v: i8) -> Result<(), Unsupported> {
        self.display(v);
        Ok(())
    }
    fn serialize_i16(self, v: i16) -> Result<(), Unsupported> {
        self.display(v);
        Ok(())
    }
    fn serialize_i32(self, v: i32) -> Result<(), Unsupported> {
        self.display(v);
        Ok(())
    }
    fn serialize_i64(self, v: i64) -> Result<(), Unsupported> {
        self.display(v);
        Ok(())
    }
    fn serialize_i128(self, v: i128) -> Result<(), Unsupported> {
        self.via_serde_json(&v)
    }
    fn serialize_u8(self, v: u8) -> Result<(), Unsupported> {
        self.display(v);
        Ok(())
    }
    fn serialize_u16(self, v: u16) -> Result<(), Unsupported> {
        self.display(v);
        Ok(())
    }
    fn serialize_u32(self, v: u32) -> Result<(), Unsupported> {
        self.display(v);
        Ok(())
    }
    fn serialize_u64(self, v: u64) -> Result<(), Unsupported> {
        self.display(v);
        Ok(())
    }
    fn serialize_u128(self, v: u128) -> Result<(), Unsupported> {
        self.via_serde_json(&v)
    }
    fn serialize_f32(self, v: f32) -> Result<(), Unsupported> {
        self.via_serde_json(&v)
    }
    fn serialize_f64(self, v: f64) -> Result<(), Unsupported> {
        self.via_serde_json(&v)
    }
    fn serialize_char(self, v: char) -> Result<(), Unsupported> {
        push_str(self.out, v.encode_utf8(&mut [0u8; 4]));
        Ok(())
    }
    fn serialize_str(self, v: &str) -> Result<(), Unsupported> {
        push_str(self.out, v);
        Ok(())
    }
    fn serialize_bytes(self, v: &[u8]) -> Result<(), Unsupported> {
        self.via_serde_json(v)
    }
    fn serialize_none(self) -> Result<(), Unsupported> {
        self.out.extend_from_slice(b"null");
        Ok(())
    }
    fn serialize_some<T: Serialize + ?Sized>(self, v: &T) -> Result<(), Unsupported> {
        v.serialize(self)
    }
    fn serialize_unit(self) -> Result<(), Unsupported> {
        self.out.extend_from_slice(b"null");
        Ok(())
    }
    fn serialize_unit_struct(self, _: &'static str) -> Result<(), Unsupported> {
        self.serialize_unit()
    }
    fn serialize_unit_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
    ) -> Result<(), Unsupported> {
        push_str(self.out, variant);
        Ok(())
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        v: &T,
    ) -> Result<(), Unsupported> {
        v.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        v: &T,
    ) -> Result<(), Unsupported> {
        self.out.push(b'{');
        push_str(self.out, variant);
        self.out.push(b':');
        v.serialize(&mut *self)?;
        self.out.push(b'}');
        Ok(())
    }
    fn serialize_seq(self, _: Option<usize>) -> Result<Compound<'s, 'a>, Unsupported> {
        self.out.push(b'[');
        Ok(Compound {
            ser: self,
            first: true,
            close: b"]",
        })
    }
    fn serialize_tuple(self, len: usize) -> Result<Compound<'s, 'a>, Unsupported> {
        self.serialize_seq(Some(len))
    }
    fn serialize_tuple_struct(
        self,
        _: &'static str,
        len: usize,
    ) -> Result<Compound<'s, 'a>, Unsupported> {
        self.serialize_seq(Some(len))
    }
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        _: usize,
    ) -> Result<Compound<'s, 'a>, Unsupported> {
        self.out.push(b'{');
        push_str(self.out, variant);
        self.out.extend_from_slice(b":[");
        Ok(Compound {
            ser: self,
            first: true,
            close: b"]}",
        })
    }
    fn serialize_map(self, _: Option<usize>) -> Result<Compound<'s, 'a>, Unsupported> {
        self.out.push(b'{');
        Ok(Compound {
            ser: self,
            first: true,
            close: b"}",
        })
    }
    fn serialize_struct(
        self,
        _: &'static str,
        len: usize,
    ) -> Result<Compound<'s, 'a>, Unsupported> {
        self.serialize_map(Some(len))
    }
    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        _: usize,
    ) -> Result<Compound<'s, 'a>, Unsupported> {
        self.out.push(b'{');
        push_str(self.out, variant);
        self.out.extend_from_slice(b":{");
        Ok(Compound {
            ser: self,
            first: true,
            close: b"}}",
        })
    }
}

impl ser::SerializeSeq for Compound<'_, '_> {
    type Ok = ();
    type Error = Unsupported;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, v: &T) -> Result<(), Unsupported> {
        self.sep();
        v.serialize(&mut *self.ser)
    }
    fn end(self) -> Result<(), Unsupported> {
        self.finish();
        Ok(())
    }
}

impl ser::SerializeTuple for Compound<'_, '_> {
    type Ok = ();
    type Error = Unsupported;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, v: &T) -> Result<(), Unsupported> {
        ser::SerializeSeq::serialize_element(self, v)
    }
    fn end(self) -> Result<(), Unsupported> {
        self.finish();
        Ok(())
    }
}

impl ser::SerializeTupleStruct for Compound<'_, '_> {
    type Ok = ();
    type Error = Unsupported;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, v: &T) -> Result<(), Unsupported> {
        ser::SerializeSeq::serialize_element(self, v)
    }
    fn end(self) -> Result<(), Unsupported> {
        self.finish();
        Ok(())
    }
}

impl ser::SerializeTupleVariant for Compound<'_, '_> {
    type Ok = ();
    type Error = Unsupported;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, v: &T) -> Result<(), Unsupported> {
        ser::SerializeSeq::serialize_element(self, v)
    }
    fn end(self) -> Result<(), Unsupported> {
        self.finish();
        Ok(())
    }
}

impl ser::SerializeMap for Compound<'_, '_> {
    type Ok = ();
    type Error = Unsupported;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), Unsupported> {
        self.sep();
        key.serialize(KeySer { out: self.ser.out })?;
        self.ser.out.push(b':');
        Ok(())
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, v: &T) -> Result<(), Unsupported> {
        v.serialize(&mut *self.ser)
    }
    fn end(self) -> Result<(), Unsupported> {
        self.finish();
        Ok(())
    }
}

impl ser::SerializeStruct for Compound<'_, '_> {
    type Ok = ();
    type Error = Unsupported;
    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        v: &T,
    ) -> Result<(), Unsupported> {
        self.key(key);
        v.serialize(&mut *self.ser)
    }
    fn end(self) -> Result<(), Unsupported> {
        self.finish();
        Ok(())
    }
}

impl ser::SerializeStructVariant for Compound<'_, '_> {
    type Ok = ();
    type Error = Unsupported;
    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        v: &T,
    ) -> Result<(), Unsupported> {
        self.key(key);
        v.serialize(&mut *self.ser)
    }
    fn end(self) -> Result<(), Unsupported> {
        self.finish();
        Ok(())
    }
}

/// Map keys: text as it is, integers quoted (as `serde_json` writes them);
/// anything else is left to `serde_json`.
struct KeySer<'a> {
    out: &'a mut Vec<u8>,
}

impl KeySer<'_> {
    fn quoted<T: Display>(self, v: T) -> Result<(), Unsupported> {
        let _ = write!(self.out, "\"{v}\"");
        Ok(())
    }
}

fn unsupported<T>() -> Result<T, Unsupported> {
    Err(Unsupported("map key".into()))
}

impl ser::Serializer for KeySer<'_> {
    type Ok = ();
    type Error = Unsupported;
    type SerializeSeq = ser::Impossible<(), Unsupported>;
    type SerializeTuple = ser::Impossible<(), Unsupported>;
    type SerializeTupleStruct = ser::Impossible<(), Unsupported>;
    type SerializeTupleVariant = ser::Impossible<(), Unsupported>;
    type SerializeMap = ser::Impossible<(), Unsupported>;
    type SerializeStruct = ser::Impossible<(), Unsupported>;
    type SerializeStructVariant = ser::Impossible<(), Unsupported>;

    fn serialize_str(self, v: &str) -> Result<(), Unsupported> {
        push_str(self.out, v);
        Ok(())
    }
    fn serialize_char(self, v: char) -> Result<(), Unsupported> {
        push_str(self.out, v.encode_utf8(&mut [0u8; 4]));
        Ok(())
    }
    fn serialize_unit_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
    ) -> Result<(), Unsupported> {
        push_str(self.out, variant);
        Ok(())
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        v: &T,
    ) -> Result<(), Unsupported> {
        v.serialize(self)
    }
    fn serialize_i8(self, v: i8) -> Result<(), Unsupported> {
        self.quoted(v)
    }
    fn serialize_i16(self, v: i16) -> Result<(), Unsupported> {
        self.quoted(v)
    }
    fn serialize_i32(self, v: i32) -> Result<(), Unsupported> {
        self.quoted(v)
    }
    fn serialize_i64(self, v: i64) -> Result<(), Unsupported> {
        self.quoted(v)
    }
    fn serialize_u8(self, v: u8) -> Result<(), Unsupported> {
        self.quoted(v)
    }
    fn serialize_u16(self, v: u16) -> Result<(), Unsupported> {
        self.quoted(v)
    }
    fn serialize_u32(self, v: u32) -> Result<(), Unsupported> {
        self.quoted(v)
    }
    fn serialize_u64(self, v: u64) -> Result<(), Unsupported> {
        self.quoted(v)
    }
    fn serialize_bool(self, _: bool) -> Result<(), Unsupported> {
        unsupported()
    }
    fn serialize_f32(self, _: f32) -> Result<(), Unsupported> {
        unsupported()
    }
    fn serialize_f64(self, _: f64) -> Result<(), Unsupported> {
        unsupported()
    }
    fn serialize_bytes(self, _: &[u8]) -> Result<(), Unsupported> {
        unsupported()
    }
    fn serialize_none(self) -> Result<(), Unsupported> {
        unsupported()
    }
    fn serialize_some<T: Serialize + ?Sized>(self, _: &T) -> Result<(), Unsupported> {
        unsupported()
    }
    fn serialize_unit(self) -> Result<(), Unsupported> {
        unsupported()
    }
    fn serialize_unit_struct(self, _: &'static str) -> Result<(), Unsupported> {
        unsupported()
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: &T,
    ) -> Result<(), Unsupported> {
        unsupported()
    }
    fn serialize_seq(self, _: Option<usize>) -> Result<Self::SerializeSeq, Unsupported> {
        unsupported()
    }
    fn serialize_tuple(self, _: usize) -> Result<Self::SerializeTuple, Unsupported> {
        unsupported()
    }
    fn serialize_tuple_struct(
        self,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleStruct, Unsupported> {
        unsupported()
    }
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleVariant, Unsupported> {
        unsupported()
    }
    fn serialize_map(self, _: Option<usize>) -> Result<Self::SerializeMap, Unsupported> {
        unsupported()
    }
    fn serialize_struct(
        self,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStruct, Unsupported> {
        unsupported()
    }
    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStructVariant, Unsupported> {
        unsupported()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::Value;

    fn fast(v: &impl Serialize) -> Vec<u8> {
        let mut out = Vec::new();
        write_item(&mut out, &mut Vec::new(), v).unwrap();
        out
    }

    fn value() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(Value::from),
            any::<u64>().prop_map(Value::from),
            any::<f64>().prop_map(Value::from),
            ".{0,40}".prop_map(Value::String),
            "[\u{0}-\u{7f}\"\\\\]{0,40}".prop_map(Value::String),
        ];
        leaf.prop_recursive(4, 64, 8, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
                prop::collection::btree_map("[\u{0}-\u{7f}é]{0,12}", inner, 0..6)
                    .prop_map(|m| Value::Object(m.into_iter().collect())),
            ]
        })
    }

    proptest! {
        #[test]
        fn same_bytes_as_serde_json(v in value()) {
            prop_assert_eq!(fast(&v), serde_json::to_vec(&v).unwrap());
        }

        #[test]
        fn strings_escape_as_serde_json(s in "(.|[\u{0}-\u{1f}\"\\\\\u{7f}])*") {
            prop_assert_eq!(fast(&s), serde_json::to_vec(&s).unwrap());
        }
    }

    /// Every byte at every position of strings of every length up to 40
    /// (short, whole chunks, and overlapping tails).
    #[test]
    fn escape_check_is_exact() {
        for byte in 0..=255u8 {
            let expected = byte < 0x20 || byte == b'"' || byte == b'\\';
            for len in 1..=40 {
                for pos in 0..len {
                    for fill in [b'a', 0x7f, 0xff, b' '] {
                        let mut s = vec![fill; len];
                        s[pos] = byte;
                        assert_eq!(any_escape(&s), expected, "{byte:#x} at {pos} of {len}");
                    }
                }
            }
        }
        assert!(!any_escape(b""));
    }

    #[derive(Serialize)]
    enum E {
        Unit,
        New(u8),
        Tuple(u8, String),
        Struct { a: Option<u32>, b: char },
    }

    #[derive(Serialize)]
    struct S<'a> {
        e: Vec<E>,
        t: (i8, f32, bool),
        bytes: &'a [u8],
        ints: std::collections::BTreeMap<u16, i128>,
        #[serde(skip_serializing_if = "Option::is_none")]
        skipped: Option<u8>,
        unit: (),
    }

    #[test]
    fn every_shape_as_serde_json() {
        let s = S {
            e: vec![
                E::Unit,
                E::New(7),
                E::Tuple(1, "a\u{1}\"".into()),
                E::Struct { a: None, b: '\n' },
            ],
            t: (-3, 1.5e-7, true),
            bytes: b"\x00\xff",
            ints: [(3, -1i128 << 100), (65535, 0)].into_iter().collect(),
            skipped: None,
            unit: (),
        };
        assert_eq!(fast(&s), serde_json::to_vec(&s).unwrap());
        // A map key serde_json refuses: the same error either way.
        let bad: std::collections::BTreeMap<Vec<u8>, u8> = [(vec![1], 1)].into_iter().collect();
        let mut out = Vec::new();
        assert!(write_item(&mut out, &mut Vec::new(), &bad).is_err());
    }
}
