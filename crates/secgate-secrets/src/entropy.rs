//! Shannon entropy of candidate secrets.

/// Shannon entropy in bits per byte of `data` (0.0 for empty input).
///
/// Random base62 text of 40 characters scores about 5; English words about 3;
/// `aaaaaaaa` scores 0.
///
/// ```
/// use secgate_secrets::entropy::shannon;
/// assert_eq!(shannon(b"aaaaaaaa"), 0.0);
/// assert!((shannon(b"abcd") - 2.0).abs() < 1e-6);
/// ```
pub fn shannon(data: &[u8]) -> f32 {
    if data.is_empty() {
        return 0.0;
    }
    let mut counts = [0u32; 256];
    for &b in data {
        counts[b as usize] += 1;
    }
    let len = data.len() as f32;
    let mut h = 0.0f32;
    for &c in counts.iter() {
        if c > 0 {
            let p = c as f32 / len;
            h -= p * p.log2();
        }
    }
    h
}
