//! Small text helpers shared by the engine and the renderers.

/// `str::trim`, answered without decoding when the text starts and ends
/// with printable ASCII, as identifiers, URLs, paths and policy values
/// nearly always do: two byte tests instead of two `char` walks (the
/// renderers trim several fields of every finding of every output).
#[inline]
pub(crate) fn trim(s: &str) -> &str {
    match (s.as_bytes().first(), s.as_bytes().last()) {
        (Some(a), Some(b)) if a.is_ascii_graphic() && b.is_ascii_graphic() => s,
        _ => s.trim(),
    }
}

#[cfg(test)]
mod tests {
    use super::trim;

    #[test]
    fn trim_is_str_trim() {
        let samples = [
            "",
            " ",
            "a",
            " a",
            "a ",
            " a ",
            "\ta\n",
            "\u{a0}x",
            "x\u{a0}",
            "\u{2003}x\u{2003}",
            "é",
            " é ",
            "ab c",
            "\u{85}a",
            "a\u{85}",
            "\u{3000}",
            "x\u{200b}",
        ];
        for s in samples {
            assert_eq!(trim(s), s.trim(), "{s:?}");
        }
        // Every one- and two-character text over a set of edge characters.
        let chars = [
            ' ', '\t', '\n', 'a', '~', '!', '\u{7f}', '\u{a0}', 'é', '\u{2028}', '\u{feff}',
        ];
        for a in chars {
            for b in chars {
                let s: String = [a, b].iter().collect();
                assert_eq!(trim(&s), s.trim(), "{s:?}");
                let s3: String = [a, 'x', b].iter().collect();
                assert_eq!(trim(&s3), s3.trim(), "{s3:?}");
            }
        }
    }
}
