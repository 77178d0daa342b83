//! Lenient field readers for real-world reports, where numbers are strings
//! (ZAP), strings are numbers (GitLab `cwe` values), and arrays are `null`.

use serde::de::{self, Deserializer, IgnoredAny, Visitor};
use serde::Deserialize;
use std::fmt;

/// A scalar read as text: strings as they are, numbers and booleans printed,
/// `null` as `None`. Arrays and objects are skipped and read as `None`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Text(pub Option<String>);

impl<'de> Deserialize<'de> for Text {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Text;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a string, a number, a boolean or null")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Text, E> {
                Ok(Text(Some(v.to_string())))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Text, E> {
                Ok(Text(Some(v)))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Text, E> {
                Ok(Text(Some(v.to_string())))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Text, E> {
                Ok(Text(Some(v.to_string())))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Text, E> {
                Ok(Text(Some(v.to_string())))
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<Text, E> {
                Ok(Text(Some(v.to_string())))
            }
            fn visit_unit<E: de::Error>(self) -> Result<Text, E> {
                Ok(Text(None))
            }
            fn visit_none<E: de::Error>(self) -> Result<Text, E> {
                Ok(Text(None))
            }
            fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Text, D::Error> {
                d.deserialize_any(V)
            }
            fn visit_seq<A: de::SeqAccess<'de>>(self, mut a: A) -> Result<Text, A::Error> {
                while a.next_element::<IgnoredAny>()?.is_some() {}
                Ok(Text(None))
            }
            fn visit_map<A: de::MapAccess<'de>>(self, mut a: A) -> Result<Text, A::Error> {
                while a.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                Ok(Text(None))
            }
        }
        d.deserialize_any(V)
    }
}

/// `#[serde(deserialize_with = "lenient::text")]` for an `Option<String>` field:
/// see [`Text`]. Empty and whitespace-only strings become `None`.
pub(crate) fn text<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(Text::deserialize(d)?.0.filter(|s| !s.trim().is_empty()))
}

/// A number that may be written as a JSON number or a numeric string.
pub(crate) fn number<'de, D: Deserializer<'de>>(d: D) -> Result<Option<f64>, D::Error> {
    Ok(Text::deserialize(d)?
        .0
        .and_then(|s| s.trim().parse::<f64>().ok())
        .filter(|v| v.is_finite()))
}

/// A non-negative integer that may be a number or a numeric string (line numbers).
pub(crate) fn uint<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u32>, D::Error> {
    Ok(number(d)?.and_then(|v| {
        if v >= 0.0 && v <= u32::MAX as f64 {
            Some(v as u32)
        } else {
            None
        }
    }))
}

/// A list that may be `null` or absent (use with `#[serde(default)]`).
pub(crate) fn list<'de, D, T>(d: D) -> Result<Vec<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Ok(Option::<Vec<T>>::deserialize(d)?.unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Deserialize)]
    struct T {
        #[serde(default, deserialize_with = "text")]
        a: Option<String>,
        #[serde(default, deserialize_with = "uint")]
        n: Option<u32>,
        #[serde(default, deserialize_with = "list")]
        l: Vec<u8>,
    }

    #[test]
    fn reads_real_world_shapes() {
        let t: T = serde_json::from_str(r#"{"a": 89, "n": "12", "l": null}"#).unwrap();
        assert_eq!(t.a.as_deref(), Some("89"));
        assert_eq!(t.n, Some(12));
        assert!(t.l.is_empty());
        let t: T = serde_json::from_str(r#"{"a": "", "n": -1, "l": [1]}"#).unwrap();
        assert_eq!(t.a, None);
        assert_eq!(t.n, None);
        assert_eq!(t.l, vec![1]);
        let t: T = serde_json::from_str(r#"{"a": {"x": [1]}}"#).unwrap();
        assert_eq!(t.a, None);
    }
}
