//! Time as the shopper sees it: milliseconds since the epoch, injected by
//! the caller (the browser's `Date.now()`, a test's script, a simulator's
//! virtual clock), the UTC day reports are keyed by, and its inverse: the
//! one calendar check of the core (reports, experiment files).

/// Milliseconds in a day.
pub const MS_PER_DAY: u64 = 86_400_000;

/// The UTC day of `ms` (ms since 1970-01-01) as `YYYY-MM-DD`.
pub fn utc_day(ms: u64) -> String {
    // Days to civil date (proleptic Gregorian), after H. Hinnant's
    // `civil_from_days`; u64 keeps every step non-negative after 1970.
    let z = ms / MS_PER_DAY + 719_468;
    let era = z / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + u64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}")
}

/// Whether `d` is a real calendar day `YYYY-MM-DD` (1970–9999).
pub fn valid_day(d: &str) -> bool {
    day_number(d).is_some()
}

/// Days since 1970-01-01 of a calendar day `YYYY-MM-DD`, if it is one.
pub fn day_number(d: &str) -> Option<u64> {
    let b = d.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<u64> {
        let s = &d[r];
        s.bytes()
            .all(|c| c.is_ascii_digit())
            .then(|| s.parse().ok())?
    };
    let (y, m, day) = (num(0..4)?, num(5..7)?, num(8..10)?);
    if y < 1970 || !(1..=12).contains(&m) || day == 0 {
        return None;
    }
    // Days from civil (H. Hinnant), checked by the round trip through
    // `utc_day`: 2026-02-31 maps to another day and is refused.
    let (y2, m2) = if m <= 2 { (y - 1, m + 9) } else { (y, m - 3) };
    let era = y2 / 400;
    let yoe = y2 - era * 400;
    let doy = (153 * m2 + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let n = (era * 146_097 + doe).checked_sub(719_468)?;
    (utc_day(n * MS_PER_DAY) == d).then_some(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_days() {
        assert_eq!(utc_day(0), "1970-01-01");
        assert_eq!(utc_day(MS_PER_DAY - 1), "1970-01-01");
        assert_eq!(utc_day(951_782_400_000), "2000-02-29");
        assert_eq!(utc_day(1_709_164_800_000), "2024-02-29");
        assert_eq!(utc_day(1_709_251_199_999), "2024-02-29");
        assert_eq!(utc_day(1_709_251_200_000), "2024-03-01");
        assert_eq!(utc_day(1_798_675_200_000), "2026-12-31");
        assert_eq!(utc_day(1_798_761_600_000), "2027-01-01");
    }

    #[test]
    fn consecutive_days_step_by_one() {
        // Every day from 1970 to 2100 follows the one before it.
        let mut prev = utc_day(0);
        for d in 1..47_847u64 {
            let s = utc_day(d * MS_PER_DAY + 12 * 3_600_000);
            assert!(s > prev, "{s} after {prev}");
            let (y, m, dd) = (&s[0..4], &s[5..7], &s[8..10]);
            assert!(
                ("01".."13").contains(&m) && ("01".."32").contains(&dd),
                "{s}"
            );
            if dd == "01" {
                assert_ne!(&prev[5..7], m, "{prev} -> {s}");
            } else {
                assert_eq!((&prev[0..4], &prev[5..7]), (y, m));
            }
            prev = s;
        }
    }
}
