//! The time written into outputs that need one (GitLab's `scan.start_time`).

use std::time::{SystemTime, UNIX_EPOCH};

/// A point in time, in whole seconds since the Unix epoch (UTC).
///
/// Renderers that write a time take one as an input, so that tests and
/// reproducible builds render the same bytes: [`Timestamp::now`] honours
/// `SOURCE_DATE_EPOCH` (the reproducible-builds convention) when it is set.
///
/// ```
/// use secgate_policy::render::Timestamp;
/// assert_eq!(Timestamp(0).gitlab(), "1970-01-01T00:00:00");
/// assert_eq!(Timestamp(1_700_000_000).gitlab(), "2023-11-14T22:13:20");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(pub i64);

impl Timestamp {
    /// The latest time GitLab's four-digit-year timestamps can hold
    /// (9999-12-31T23:59:59).
    pub const MAX: i64 = 253_402_300_799;

    /// A `SOURCE_DATE_EPOCH` value: seconds from 0 to [`Timestamp::MAX`] (a
    /// year past 9999 would break the schema's date pattern); `None` else.
    pub fn from_source_date_epoch(v: &str) -> Option<Timestamp> {
        v.trim()
            .parse::<i64>()
            .ok()
            .filter(|t| (0..=Self::MAX).contains(t))
            .map(Timestamp)
    }

    /// The current time, or `SOURCE_DATE_EPOCH` when it is valid
    /// ([`Timestamp::from_source_date_epoch`]); an invalid value is ignored
    /// (the CLI warns about it).
    pub fn now() -> Timestamp {
        if let Some(t) = std::env::var("SOURCE_DATE_EPOCH")
            .ok()
            .and_then(|v| Self::from_source_date_epoch(&v))
        {
            return t;
        }
        let secs = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs() as i64)
            .unwrap_or(0);
        Timestamp(secs)
    }

    /// GitLab's `yyyy-mm-ddThh:mm:ss` (UTC, no zone suffix).
    pub fn gitlab(self) -> String {
        let days = self.0.div_euclid(86_400);
        let secs = self.0.rem_euclid(86_400);
        let (y, m, d) = civil_from_days(days);
        format!(
            "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}",
            secs / 3600,
            (secs % 3600) / 60,
            secs % 60
        )
    }

    /// RFC 3339 in UTC (`yyyy-mm-ddThh:mm:ssZ`).
    pub fn rfc3339(self) -> String {
        format!("{}Z", self.gitlab())
    }
}

/// Howard Hinnant's days-to-civil algorithm (proleptic Gregorian calendar).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_dates() {
        assert_eq!(Timestamp(0).gitlab(), "1970-01-01T00:00:00");
        assert_eq!(Timestamp(951_782_400).gitlab(), "2000-02-29T00:00:00");
        assert_eq!(Timestamp(1_798_761_599).gitlab(), "2026-12-31T23:59:59");
        assert_eq!(Timestamp(-1).gitlab(), "1969-12-31T23:59:59");
        assert_eq!(Timestamp(86_400 * 365).rfc3339(), "1971-01-01T00:00:00Z");
    }
}

#[cfg(test)]
mod source_date_epoch_tests {
    use super::Timestamp;

    #[test]
    fn source_date_epoch_in_range_only() {
        assert_eq!(
            Timestamp::from_source_date_epoch(" 1780000000 "),
            Some(Timestamp(1_780_000_000))
        );
        assert_eq!(Timestamp::from_source_date_epoch("0"), Some(Timestamp(0)));
        assert_eq!(
            Timestamp::from_source_date_epoch("253402300799").map(|t| t.gitlab()),
            Some("9999-12-31T23:59:59".to_string())
        );
        for bad in ["253402300800", "-1", "soon", "", "1.5"] {
            assert_eq!(Timestamp::from_source_date_epoch(bad), None, "{bad}");
        }
    }
}
